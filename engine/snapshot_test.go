package engine

// Tests of the forkless snapshot (snapshot.go): a model test of copy-before-write
// (random writes, deletes, expiries, evictions, SWAPDB and FLUSHDB while a sliced
// snapshot runs; the loaded snapshot must equal the dataset at its start exactly),
// aborts, and the file sink's crash safety.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/loop"
)

// memSink collects a snapshot in memory.
type memSink struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	finished bool
	err      error
}

func (m *memSink) Write(p []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buf.Write(p)
	return nil
}

func (m *memSink) Finish(err error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.finished, m.err = true, err
	return nil
}

// newLoopServer returns a started server whose loop the test drives itself
// (s.loop.ProcessEvents), with no listening socket and a fresh data directory.
func newLoopServer(t *testing.T, mutate func(*config.Config)) *Server {
	t.Helper()
	cfg := config.Default()
	cfg.Port = 0
	cfg.Dir = t.TempDir()
	cfg.Save = nil
	if mutate != nil {
		mutate(cfg)
	}
	s, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.loop.Close() })
	return s
}

type modelRec struct {
	val string
	exp int64
}

// dumpDataset returns every string key of every db with its value and TTL.
func dumpDataset(s *Server) []map[string]modelRec {
	out := make([]map[string]modelRec, len(s.dbs))
	for i, db := range s.dbs {
		out[i] = map[string]modelRec{}
		for _, d := range db.dicts {
			d.Each(func(r keyspace.Ref) bool {
				e := d.E(r)
				out[i][e.Key()] = modelRec{string(stringValue(e)), e.Expire}
				return true
			})
		}
	}
	return out
}

func diffDatasets(t *testing.T, want, got []map[string]modelRec) {
	t.Helper()
	bad := 0
	for db := range want {
		for k, w := range want[db] {
			g, ok := got[db][k]
			if !ok || g != w {
				if bad++; bad <= 10 {
					t.Errorf("db %d key %q: want %+v, got %+v (present %v)", db, k, w, g, ok)
				}
			}
		}
		for k, g := range got[db] {
			if _, ok := want[db][k]; !ok {
				if bad++; bad <= 10 {
					t.Errorf("db %d key %q: not in the dataset at snapshot start, got %+v", db, k, g)
				}
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d differences", bad)
	}
}

// loadInto loads an RDB image into a fresh server and returns its dataset.
func loadInto(t *testing.T, img []byte, mutate func(*config.Config)) []map[string]modelRec {
	t.Helper()
	cfg := config.Default()
	cfg.Dir = t.TempDir()
	if mutate != nil {
		mutate(cfg)
	}
	s2, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.loadRDB(bytes.NewReader(img)); err != nil {
		t.Fatalf("loading the snapshot: %v", err)
	}
	return dumpDataset(s2)
}

func setString(s *Server, e *keyspace.Entry, v string) {
	e.SetValString(v)
	setTypeEnc(e, TypeString, stringEncoding([]byte(v)))
}

// TestSnapshotModel: random changes during a snapshot walked a few keys per slice;
// the snapshot, loaded back, equals the dataset at its start (Redis's fork semantics).
func TestSnapshotModel(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		cluster := seed%3 == 0
		t.Run(fmt.Sprintf("seed%d-cluster%v", seed, cluster), func(t *testing.T) {
			mutate := func(c *config.Config) {
				if cluster {
					c.ClusterEnabled = true
					c.ClusterConfigFile = filepath.Join(c.Dir, "nodes.conf")
				}
			}
			s := newLoopServer(t, mutate)
			runSnapshotModel(t, s, seed, cluster, mutate)
		})
	}
}

func runSnapshotModel(t *testing.T, s *Server, seed uint64, cluster bool, mutate func(*config.Config)) {
	rng := rand.New(rand.NewPCG(seed, 42))
	ndb := 3
	if cluster {
		ndb = 1
	}
	far := time.Now().Add(time.Hour).UnixMilli()
	val := func() string {
		switch rng.IntN(3) {
		case 0:
			return fmt.Sprint(rng.IntN(100000)) // int encoding
		case 1:
			return fmt.Sprintf("v%d", rng.IntN(1000))
		}
		return string(bytes.Repeat([]byte{byte('a' + rng.IntN(26))}, 20+rng.IntN(200))) // LZF
	}
	const nkeys = 4000
	key := func() []byte { return []byte(fmt.Sprintf("key:%d", rng.IntN(nkeys*3/2))) }
	for i := 0; i < nkeys; i++ {
		db := s.dbs[rng.IntN(ndb)]
		k := []byte(fmt.Sprintf("key:%d", i))
		db.AddString(k, []byte(val()))
		if rng.IntN(4) == 0 {
			db.SetExpire(k, far+rng.Int64N(1e6))
		}
	}
	// Deleted entries leave free slab slots that new keys reuse during the walk.
	for i := 0; i < nkeys/10; i++ {
		s.dbs[rng.IntN(ndb)].Delete(key())
	}
	s.settleMem()
	want := dumpDataset(s)

	sink := &memSink{}
	var done bool
	var doneErr error
	err := s.startSnapshot(sink, snapshotOpts{SliceKeys: 1 + rng.IntN(40), Done: func(err error) { done, doneErr = true, err }})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.startSnapshot(&memSink{}, snapshotOpts{}); err != errSnapshotBusy {
		t.Fatalf("second snapshot: %v, want errSnapshotBusy", err)
	}
	ops := 0
	for deadline := time.Now().Add(30 * time.Second); !done; {
		if time.Now().After(deadline) {
			t.Fatal("snapshot did not finish")
		}
		s.loop.ProcessEvents(1)
		for j := 0; j < 8; j++ {
			ops++
			db := s.dbs[rng.IntN(ndb)]
			k := key()
			switch op := rng.IntN(100); {
			case op < 30: // a write command: lookup noted, then the value changes
				s.evict.writing = true
				if e := db.lookup(k); e != nil {
					setString(s, e, val())
				} else {
					db.AddString(k, []byte(val()))
				}
				s.evict.writing = false
				s.settleMem()
			case op < 40: // LookupWrite outside a command (blocked-client style)
				if e := db.LookupWrite(k); e != nil {
					setString(s, e, val())
				}
				s.settleMem()
			case op < 55:
				db.Delete(k)
			case op < 65:
				db.SetExpire(k, far+rng.Int64N(1e6))
			case op < 70:
				db.SetExpire(k, 0)
			case op < 78: // active expiry deletes it
				if d, r := db.find(k); r != 0 {
					db.expireEntry(d, r, k)
				}
			case op < 84: // eviction
				if d, r := db.find(k); r != 0 {
					s.evictEntry(db, d, r)
				}
			case op < 96: // a new key
				if !db.Exists(k) {
					db.AddString(k, []byte(val()))
				}
			case op < 99:
				if ndb > 1 {
					a, b := s.dbs[rng.IntN(ndb)], s.dbs[rng.IntN(ndb)]
					if a != b {
						a.swap(b)
					}
				}
			default:
				if rng.IntN(4) == 0 {
					db.Flush()
				}
			}
		}
	}
	if doneErr != nil || sink.err != nil {
		t.Fatalf("snapshot failed: %v / %v", doneErr, sink.err)
	}
	if s.persist.running != nil || s.persist.walk != nil {
		t.Fatal("snapshot state not cleared")
	}
	t.Logf("%d operations during the snapshot, %d bytes", ops, sink.buf.Len())
	diffDatasets(t, want, loadInto(t, sink.buf.Bytes(), mutate))
}

// TestSnapshotAbort: an aborted snapshot discards its output, stops copy-before-
// write at once, and a new one can start right away.
func TestSnapshotAbort(t *testing.T) {
	s := newLoopServer(t, nil)
	for i := 0; i < 1000; i++ {
		s.dbs[0].AddString([]byte(fmt.Sprint("k", i)), []byte("v"))
	}
	sink := &memSink{}
	var doneErr error
	calls := 0
	if err := s.startSnapshot(sink, snapshotOpts{SliceKeys: 10, Done: func(err error) { calls++; doneErr = err }}); err != nil {
		t.Fatal(err)
	}
	s.loop.ProcessEvents(1)
	s.abortSnapshot()
	if calls != 1 || doneErr != errSnapshotAborted || !sink.finished || sink.err != errSnapshotAborted {
		t.Fatalf("after abort: done calls %d err %v, sink finished %v err %v", calls, doneErr, sink.finished, sink.err)
	}
	if s.persist.walk != nil || s.persist.running != nil {
		t.Fatal("snapshot state not cleared")
	}
	// The completion the writer posted through the mailbox is a no-op now.
	for i := 0; i < 3; i++ {
		s.loop.ProcessEvents(1)
	}
	if calls != 1 {
		t.Fatalf("Done called %d times", calls)
	}
	want := dumpDataset(s)
	sink2 := &memSink{}
	done := false
	if err := s.startSnapshot(sink2, snapshotOpts{Done: func(error) { done = true }}); err != nil {
		t.Fatal(err)
	}
	for !done {
		s.loop.ProcessEvents(1)
	}
	diffDatasets(t, want, loadInto(t, sink2.buf.Bytes(), nil))
}

// TestSnapshotFileCrashSafety: a BGSAVE writes temp-<pid>.rdb and renames it only
// when complete; killed half-way (aborted), the old dump stays intact and the temp
// file goes.
func TestSnapshotFileCrashSafety(t *testing.T) {
	s := newLoopServer(t, func(c *config.Config) { c.Save = [][2]int64{{3600, 1}} })
	s.dbs[0].AddString([]byte("old"), []byte("1"))
	if err := s.rdbSaveSync(); err != nil {
		t.Fatal(err)
	}
	oldDump, err := os.ReadFile(s.rdbPath())
	if err != nil {
		t.Fatal(err)
	}
	s.dbs[0].Delete([]byte("old"))
	for i := 0; i < 2000; i++ {
		s.dbs[0].AddString([]byte(fmt.Sprint("new", i)), bytes.Repeat([]byte("x"), 100))
	}
	s.cfg.RDBKeySaveDelay = 1000 // 1 ms per key: the save takes seconds
	if err := s.rdbSaveBackground(); err != nil {
		t.Fatal(err)
	}
	if !s.persist.bgsave {
		t.Fatal("bgsave not in progress")
	}
	// Force the first chunk out so the temp file exists.
	for i := 0; i < 50; i++ {
		s.loop.ProcessEvents(2)
		s.persist.running.flushOut()
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		if _, err := os.Stat(s.rdbTempPath()); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no temp file")
		}
		s.loop.ProcessEvents(2)
	}
	if cur, _ := os.ReadFile(s.rdbPath()); !bytes.Equal(cur, oldDump) {
		t.Fatal("dump.rdb changed while the save was running")
	}
	s.abortSnapshot() // what a crash of the save leaves: an unfinished temp file
	if _, err := os.Stat(s.rdbTempPath()); !os.IsNotExist(err) {
		t.Fatalf("temp file still there after abort: %v", err)
	}
	if cur, _ := os.ReadFile(s.rdbPath()); !bytes.Equal(cur, oldDump) {
		t.Fatal("dump.rdb changed by an aborted save")
	}
	if s.persist.lastBgsaveErr {
		t.Fatal("an abort is not an error (Redis's SIGUSR1)")
	}
	// A complete BGSAVE replaces it.
	s.cfg.RDBKeySaveDelay = 0
	if err := s.rdbSaveBackground(); err != nil {
		t.Fatal(err)
	}
	for s.persist.bgsave {
		s.loop.ProcessEvents(1)
	}
	if s.persist.lastBgsaveErr || s.dirty != 0 {
		t.Fatalf("bgsave: err %v dirty %d", s.persist.lastBgsaveErr, s.dirty)
	}
	img, _ := os.ReadFile(s.rdbPath())
	got := loadInto(t, img, nil)
	if len(got[0]) != 2000 || got[0]["old"] != (modelRec{}) {
		t.Fatalf("loaded %d keys", len(got[0]))
	}
}

type discardSink struct{}

func (discardSink) Write([]byte) error     { return nil }
func (discardSink) Finish(err error) error { return err }

// runSnapshot runs a whole snapshot of s into sink, driving the loop.
func runSnapshot(tb testing.TB, s *Server, sink snapshotSink) {
	done := false
	if err := s.startSnapshot(sink, snapshotOpts{Done: func(error) { done = true }}); err != nil {
		tb.Fatal(err)
	}
	for !done {
		s.loop.ProcessEvents(1)
	}
}

// The walk allocates nothing per key: millions of keys must not feed the GC (RSS
// during BGSAVE is the bar).
func TestSnapshotAllocsPerKey(t *testing.T) {
	s := newLoopServer(t, nil)
	const n = 200000
	for i := 0; i < n; i++ {
		k := []byte(fmt.Sprintf("key:%012d", i))
		s.dbs[0].AddString(k, []byte("xxx"))
		if i%3 == 0 {
			s.dbs[0].SetExpire(k, time.Now().Add(time.Hour).UnixMilli())
		}
	}
	s.settleMem()
	allocs := testing.AllocsPerRun(1, func() { runSnapshot(t, s, discardSink{}) })
	if allocs > n/20 { // per-key allocation would be >= n; -race adds a few
		t.Fatalf("%.0f allocations for %d keys", allocs, n)
	}
}

// BenchmarkSnapshot: one snapshot of 1,000,000 small string keys (ns/op is the whole
// snapshot).
func BenchmarkSnapshot(b *testing.B) {
	s := newLoopServer(&testing.T{}, nil)
	for i := 0; i < 1000000; i++ {
		s.dbs[0].AddString([]byte(fmt.Sprintf("key:%012d", i)), []byte("xxx"))
	}
	s.settleMem()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runSnapshot(b, s, discardSink{})
	}
}

// TestSnapshotBigValueStall: a million-field hash changed while the snapshot has not
// reached it is not encoded whole first: it becomes a job written in later slices
// (snapshot_big.go), so the HSET does not wait for it, and the snapshot still holds
// the value from before the change.
func TestSnapshotBigValueStall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a million-field hash")
	}
	l := newEvLocal(t, nil)
	s := l.s
	lp, err := loop.New(64)
	if err != nil {
		t.Fatal(err)
	}
	s.loop = lp
	t.Cleanup(func() { lp.Close() })
	const fields, batch = 1000000, 1000
	for i := 0; i < fields; i += batch {
		args := []string{"HSET", "big"}
		for j := i; j < i+batch; j++ {
			args = append(args, fmt.Sprint("field:", j), fmt.Sprint("value:", j))
		}
		l.do(args...)
	}
	l.do("SET", "small", "1")
	sink := &memSink{}
	done := false
	// Time slices, not SliceKeys: that would write one field per slice.
	if err := s.startSnapshot(sink, snapshotOpts{Done: func(error) { done = true }}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if r := l.do("HSET", "big", "field:5", "changed"); r != ":0" {
		t.Fatalf("HSET: %s", r)
	}
	cmd := time.Since(start)
	sn := s.persist.running
	t.Logf("HSET on a %d-field hash during a snapshot: %v (copy-before-write %v)", fields, cmd, sn.maxStall)
	if len(sn.bigQ) != 1 {
		t.Fatalf("the hash is not a sliced job (%d queued)", len(sn.bigQ))
	}
	// Encoding it whole took about a second here; the job costs microseconds. The
	// bound is loose for loaded machines.
	if cmd > 100*time.Millisecond {
		t.Errorf("HSET took %v during the snapshot", cmd)
	}
	slices := 0
	for !done {
		s.loop.ProcessEvents(1)
		slices++
	}
	t.Logf("%d loop iterations to finish, longest slice %v", slices, sn.maxSlice)
	if slices < 10 {
		t.Errorf("the snapshot finished in %d iterations: the hash was not written in slices", slices)
	}
	cfg := config.Default()
	cfg.Dir = t.TempDir()
	s2, _ := New(Options{Config: cfg})
	if err := s2.loadRDB(bytes.NewReader(sink.buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	l2 := &evLocal{t: t, s: s2, c: &Client{srv: s2, fd: -1, id: 1, db: s2.dbs[0], proto: 2, flags: flagAuthenticated}}
	l2.c.req.MaxBulk = s2.cfg.ProtoMaxBulkLen
	l2.c.req.Reset()
	if r := l2.do("HGET", "big", "field:5"); r != "value:5" {
		t.Fatalf("snapshot has field:5 = %q, want its value before the change", r)
	}
	if r := l2.do("HLEN", "big"); r != fmt.Sprintf(":%d", fields) {
		t.Fatalf("HLEN %s", r)
	}
}
