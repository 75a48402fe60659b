package engine

// Big hashes and sets in a snapshot (snapshot_big.go): written in slices while
// commands change them, the snapshot still loads back as the dataset at its start.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/keyspace"
)

// digestDataset returns every key of every db with its type, value digest and TTL.
func digestDataset(s *Server) []map[string]modelRec {
	out := make([]map[string]modelRec, len(s.dbs))
	for i, db := range s.dbs {
		out[i] = map[string]modelRec{}
		for _, d := range db.dicts {
			d.Each(func(r keyspace.Ref) bool {
				e := d.E(r)
				var dg digest
				s.xorObjectDigest(&dg, e)
				out[i][e.Key()] = modelRec{fmt.Sprintf("%d:%s", metaType(e.Meta), dg.String()), e.Expire}
				return true
			})
		}
	}
	return out
}

func loadDigests(t *testing.T, img []byte) []map[string]modelRec {
	t.Helper()
	cfg := config.Default()
	cfg.Dir = t.TempDir()
	s2, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.loadRDB(bytes.NewReader(img)); err != nil {
		t.Fatalf("loading the snapshot: %v", err)
	}
	return digestDataset(s2)
}

// TestSnapshotModelBig: big hashes and sets (the threshold lowered so many values
// qualify) are changed by real commands (in-place same-length HSETs, new fields,
// HDEL, SADD/SREM/SPOP, DEL, RENAME, EXPIRE, expiry, eviction, FLUSHDB, SWAPDB)
// before and while their elements are written a few per slice.
func TestSnapshotModelBig(t *testing.T) {
	old := snapBigMin
	snapBigMin = 50
	defer func() { snapBigMin = old }()
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			runSnapshotModelBig(t, newLoopServer(t, nil), seed)
		})
	}
	// Sorted sets, lists and streams (snapshot_big_types_test.go).
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint("types/seed", seed), func(t *testing.T) {
			runSnapshotModelBigTypes(t, seed)
		})
	}
}

func runSnapshotModelBig(t *testing.T, s *Server, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	const ndb, nbig = 2, 6
	c := s.aofLoadClient()
	run := func(db int, args ...string) {
		argv := make([][]byte, len(args))
		for i, a := range args {
			argv[i] = []byte(a)
		}
		c.db = s.dbs[db]
		if !s.aofExec(c, argv, "test") {
			t.Fatalf("%v: can't run", args)
		}
	}
	size := func() int { return 60 + rng.IntN(1500) }
	bigKey := func() string {
		if rng.IntN(2) == 0 {
			return "h:" + strconv.Itoa(rng.IntN(nbig))
		}
		return "s:" + strconv.Itoa(rng.IntN(nbig))
	}
	val8 := func() string { return fmt.Sprintf("v%07d", rng.IntN(1e7)) } // same length: written in place
	for i := 0; i < nbig; i++ {
		db := rng.IntN(ndb)
		h, st := "h:"+strconv.Itoa(i), "s:"+strconv.Itoa(i)
		for j, n := 0, size(); j < n; j++ {
			run(db, "HSET", h, "f:"+strconv.Itoa(j), val8())
		}
		db = rng.IntN(ndb)
		for j, n := 0, size(); j < n; j++ {
			run(db, "SADD", st, "m:"+strconv.Itoa(j))
		}
		if rng.IntN(3) == 0 {
			run(db, "EXPIRE", st, "100000")
		}
	}
	for i := 0; i < 500; i++ {
		run(rng.IntN(ndb), "SET", "k:"+strconv.Itoa(i), val8())
	}
	// Holes in the tables' slabs, which new elements reuse during the snapshot.
	for i := 0; i < nbig; i++ {
		for db := 0; db < ndb; db++ {
			for j := 0; j < 30; j++ {
				run(db, "HDEL", "h:"+strconv.Itoa(i), "f:"+strconv.Itoa(rng.IntN(200)))
				run(db, "SREM", "s:"+strconv.Itoa(i), "m:"+strconv.Itoa(rng.IntN(200)))
			}
		}
	}
	s.settleMem()
	want := digestDataset(s)
	bigs := 0
	for _, m := range want {
		for k := range m {
			if k[0] == 'h' || k[0] == 's' {
				bigs++
			}
		}
	}
	if bigs == 0 {
		t.Fatal("no big values in the dataset")
	}

	sink := &memSink{}
	var done bool
	var doneErr error
	if err := s.startSnapshot(sink, snapshotOpts{SliceKeys: 1 + rng.IntN(20), Done: func(err error) { done, doneErr = true, err }}); err != nil {
		t.Fatal(err)
	}
	ops, jobs := 0, 0
	for deadline := time.Now().Add(60 * time.Second); !done; {
		if time.Now().After(deadline) {
			t.Fatal("snapshot did not finish")
		}
		if sn := s.persist.walk; sn != nil && sn.big != nil {
			jobs++
		}
		s.loop.ProcessEvents(1)
		for j := 0; j < 8; j++ {
			ops++
			db := rng.IntN(ndb)
			k := bigKey()
			f := strconv.Itoa(rng.IntN(2000))
			switch op := rng.IntN(100); {
			case op < 25:
				if k[0] == 'h' {
					run(db, "HSET", k, "f:"+f, val8())
				} else {
					run(db, "SADD", k, "m:"+f)
				}
			case op < 35:
				if k[0] == 'h' {
					run(db, "HSET", k, "f:"+f, val8()+"x") // another length: a new allocation
				} else {
					run(db, "SPOP", k, "3")
				}
			case op < 55:
				if k[0] == 'h' {
					run(db, "HDEL", k, "f:"+f, "f:"+strconv.Itoa(rng.IntN(2000)))
				} else {
					run(db, "SREM", k, "m:"+f, "m:"+strconv.Itoa(rng.IntN(2000)))
				}
			case op < 60:
				if k[0] == 'h' {
					run(db, "HINCRBY", k, "n:"+f, "1")
				} else {
					run(db, "SMOVE", k, bigKey(), "m:"+f)
				}
			case op < 63:
				run(db, "DEL", k)
			case op < 66:
				run(db, "RENAME", k, k[:2]+strconv.Itoa(rng.IntN(nbig)))
			case op < 70:
				run(db, "EXPIRE", k, strconv.Itoa(100000+rng.IntN(1000)))
			case op < 72:
				run(db, "PERSIST", k)
			case op < 74: // active expiry deletes it
				if d, r := s.dbs[db].find([]byte(k)); r != 0 {
					s.dbs[db].expireEntry(d, r, []byte(k))
				}
			case op < 76: // eviction
				if d, r := s.dbs[db].find([]byte(k)); r != 0 {
					s.evictEntry(s.dbs[db], d, r)
				}
			case op < 95:
				run(db, "SET", "k:"+strconv.Itoa(rng.IntN(700)), val8())
			case op < 99:
				run(db, "SWAPDB", "0", "1")
			default:
				if rng.IntN(3) == 0 {
					run(db, "FLUSHDB")
				}
			}
			s.settleMem()
		}
	}
	if doneErr != nil || sink.err != nil {
		t.Fatalf("snapshot failed: %v / %v", doneErr, sink.err)
	}
	t.Logf("%d operations during the snapshot, %d slices inside big values, %d bytes", ops, jobs, sink.buf.Len())
	if jobs == 0 {
		t.Fatal("no slice ran inside a big value: the sliced path was not exercised")
	}
	diffDatasets(t, want, loadDigests(t, sink.buf.Bytes()))
	// Every table is released: later writes keep no copies.
	for _, db := range s.dbs {
		for _, d := range db.dicts {
			d.Each(func(r keyspace.Ref) bool {
				e := d.E(r)
				if ht := hashTableOf(e); metaType(e.Meta) == TypeHash && ht != nil {
					if fs := ht.d.StartSnap(); fs == nil {
						t.Errorf("%s: table still under a snapshot", e.Key())
					} else {
						ht.d.EndSnap(fs)
					}
				}
				return true
			})
		}
	}
}
