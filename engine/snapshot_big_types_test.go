package engine

// Big sorted sets, lists and streams in a snapshot (snapshot_big.go): written in
// slices (skiplist members, quicklist and stream nodes) while real commands change
// them, the snapshot still loads back as the dataset at its start.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/loop"
	"github.com/keygrid/keygrid/engine/stream"
	"github.com/keygrid/keygrid/internal/testutil"
)

// typedDataset is digestDataset with the DUMP payload for sorted sets, lists and
// streams: their payloads do not depend on the order the snapshot wrote their
// elements in (sorted sets are dumped in order, lists and streams node by node),
// and a stream's covers its consumer groups, which the digest leaves out.
func typedDataset(s *Server) []map[string]modelRec {
	out := digestDataset(s)
	for i, db := range s.dbs {
		for _, d := range db.dicts {
			d.Each(func(r keyspace.Ref) bool {
				e := d.E(r)
				switch metaType(e.Meta) {
				case TypeZSet, TypeList, TypeStream:
					out[i][e.Key()] = modelRec{fmt.Sprintf("%d:%x", metaType(e.Meta), s.dumpPayload(e)), e.Expire}
				}
				return true
			})
		}
	}
	return out
}

func loadTyped(t *testing.T, img []byte, mutate func(*config.Config)) []map[string]modelRec {
	t.Helper()
	cfg := config.Default()
	cfg.Dir = t.TempDir()
	mutate(cfg)
	s2, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.loadRDB(bytes.NewReader(img)); err != nil {
		t.Fatalf("loading the snapshot: %v", err)
	}
	return typedDataset(s2)
}

// bigTypesConfig makes small values use the general encodings and many nodes:
// sorted sets of more than 16 members are skiplists, list nodes hold 8 elements
// (compressed inside when depth > 0), stream nodes 10 entries.
func bigTypesConfig(depth int) func(*config.Config) {
	return func(c *config.Config) {
		c.ZsetMaxListpackEntries = 16
		c.ListMaxListpackSize = 8
		c.ListCompressDepth = depth
		c.StreamNodeMaxEntries = 10
	}
}

func runSnapshotModelBigTypes(t *testing.T, seed uint64) {
	mutate := bigTypesConfig(int(seed % 2))
	s := newLoopServer(t, mutate)
	rng := rand.New(rand.NewPCG(seed, 11))
	const ndb, nbig = 2, 5
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
	exists := func(db int, k string) *keyspace.Entry {
		if d, r := s.dbs[db].find([]byte(k)); r != 0 {
			return d.E(r)
		}
		return nil
	}
	size := func() int { return 60 + rng.IntN(1200) }
	kinds := "zlx"
	bigKey := func(kind byte) string { return string(kind) + ":" + strconv.Itoa(rng.IntN(nbig)) }
	num := func(n int) string { return strconv.Itoa(rng.IntN(n)) }
	// A live entry ID of stream k (or a made-up one).
	streamID := func(db int, k string) string {
		if e := exists(db, k); e != nil && metaType(e.Meta) == TypeStream {
			var it stream.Iterator
			it.Start(streamOf(e), stream.ID{Ms: uint64(rng.IntN(2000))}, stream.MaxID, false)
			if id, _, ok := it.Next(); ok {
				return id.String()
			}
		}
		return num(2000) + "-1"
	}
	// An ID pending in group g of stream k (or any ID).
	pendingID := func(db int, k, g string) string {
		if e := exists(db, k); e != nil && metaType(e.Meta) == TypeStream {
			if gr := streamOf(e).Group([]byte(g)); gr != nil {
				pc := gr.SeekPending(stream.ID{Ms: uint64(rng.IntN(1000))})
				if pc.Valid() {
					return pc.ID().String()
				}
			}
		}
		return streamID(db, k)
	}
	for i := 0; i < nbig; i++ {
		db := rng.IntN(ndb)
		z, l, x := "z:"+strconv.Itoa(i), "l:"+strconv.Itoa(i), "x:"+strconv.Itoa(i)
		for j, n := 0, size(); j < n; j++ {
			run(db, "ZADD", z, strconv.Itoa(rng.IntN(500)), "m:"+strconv.Itoa(j))
		}
		db = rng.IntN(ndb)
		for j, n := 0, size(); j < n; j++ {
			run(db, "RPUSH", l, "e:"+strconv.Itoa(j%300))
		}
		db = rng.IntN(ndb)
		for j, n := 1, size(); j <= n; j++ {
			run(db, "XADD", x, strconv.Itoa(j)+"-1", "f", "v"+strconv.Itoa(j), "g", num(100))
		}
		run(db, "XGROUP", "CREATE", x, "g1", "0")
		run(db, "XREADGROUP", "GROUP", "g1", "c1", "COUNT", strconv.Itoa(200+rng.IntN(600)), "STREAMS", x, ">")
		run(db, "XREADGROUP", "GROUP", "g1", "c2", "COUNT", strconv.Itoa(rng.IntN(300)), "STREAMS", x, ">")
		run(db, "XGROUP", "CREATE", x, "g2", "$")
		if rng.IntN(3) == 0 {
			run(db, "EXPIRE", l, "100000")
		}
	}
	for i := 0; i < 300; i++ {
		run(rng.IntN(ndb), "SET", "k:"+strconv.Itoa(i), "v"+num(1e6))
	}
	// Holes in the skiplists' node slabs, which new members reuse during the snapshot.
	for i := 0; i < nbig; i++ {
		for db := 0; db < ndb; db++ {
			for j := 0; j < 30; j++ {
				run(db, "ZREM", "z:"+strconv.Itoa(i), "m:"+num(200))
			}
		}
	}
	s.settleMem()
	want := typedDataset(s)

	sink := &memSink{}
	var done bool
	var doneErr error
	kind := snapshotRDB
	if seed%2 == 0 {
		kind = snapshotAOF // FLUSHALL keeps it running
	}
	if err := s.startSnapshot(sink, snapshotOpts{Kind: kind, SliceKeys: 1 + rng.IntN(8), Done: func(err error) { done, doneErr = true, err }}); err != nil {
		t.Fatal(err)
	}
	ops := 0
	jobs := map[string]int{}
	for deadline := time.Now().Add(60 * time.Second); !done; {
		if time.Now().After(deadline) {
			t.Fatal("snapshot did not finish")
		}
		if sn := s.persist.walk; sn != nil && sn.big != nil {
			switch j := sn.big; {
			case j.zs != nil:
				jobs["zset"]++
			case j.ql != nil:
				jobs["list"]++
			case j.st != nil:
				jobs["stream"]++
			}
		}
		s.loop.ProcessEvents(1)
		for j := 0; j < 6; j++ {
			ops++
			db := rng.IntN(ndb)
			k := bigKey(kinds[rng.IntN(3)])
			other := bigKey(k[0])
			if op := rng.IntN(100); op < 20 {
				switch k[0] {
				case 'z':
					zsetOp(rng, run, db, k, other)
				case 'l':
					listOp(rng, run, exists, db, k, other)
				default:
					streamOp(rng, run, streamID, pendingID, db, k, other)
				}
			} else if op < 70 {
				// Most writes go to the values, as they are being written.
				switch k[0] {
				case 'z':
					zsetOp(rng, run, db, k, other)
				case 'l':
					listOp(rng, run, exists, db, k, other)
				default:
					streamOp(rng, run, streamID, pendingID, db, k, other)
				}
			} else {
				switch op {
				case 70, 71:
					run(db, "DEL", k)
				case 72:
					run(db, "UNLINK", k)
				case 73, 74:
					run(db, "RENAME", k, other)
				case 75:
					run(db, "EXPIRE", k, strconv.Itoa(100000+rng.IntN(1000)))
				case 76:
					run(db, "PERSIST", k)
				case 77: // active expiry deletes it
					if d, r := s.dbs[db].find([]byte(k)); r != 0 {
						s.dbs[db].expireEntry(d, r, []byte(k))
					}
				case 78: // eviction
					if d, r := s.dbs[db].find([]byte(k)); r != 0 {
						s.evictEntry(s.dbs[db], d, r)
					}
				case 79:
					run(db, "SET", k, "overwritten")
				case 80, 81: // RESTORE over it with another value's payload
					if e := exists(db, other); e != nil {
						run(db, "RESTORE", k, "0", string(s.dumpPayload(e)), "REPLACE")
					}
				case 82:
					run(db, "COPY", k, other, "REPLACE")
				case 83:
					run(db, "SWAPDB", "0", "1")
				case 84:
					if rng.IntN(4) == 0 {
						run(db, "FLUSHDB")
					}
				case 85:
					if kind == snapshotAOF && rng.IntN(4) == 0 {
						run(db, "FLUSHALL")
					}
				default:
					run(db, "SET", "k:"+num(400), "v"+num(1e6))
				}
			}
			s.settleMem()
		}
	}
	if doneErr != nil || sink.err != nil {
		t.Fatalf("snapshot failed: %v / %v", doneErr, sink.err)
	}
	t.Logf("%d operations during the snapshot, slices inside big values %v, %d bytes", ops, jobs, sink.buf.Len())
	for _, k := range []string{"zset", "list", "stream"} {
		if jobs[k] == 0 {
			t.Errorf("no slice ran inside a big %s: the sliced path was not exercised", k)
		}
	}
	diffDatasets(t, want, loadTyped(t, sink.buf.Bytes(), mutate))
	// Every skiplist is released: later writes keep no copies.
	for _, db := range s.dbs {
		for _, d := range db.dicts {
			d.Each(func(r keyspace.Ref) bool {
				e := d.E(r)
				if metaType(e.Meta) == TypeZSet && zsetOf(e).sl != nil {
					if zs := zsetOf(e).sl.StartSnap(); zs == nil {
						t.Errorf("%s: skiplist still under a snapshot", e.Key())
					} else {
						zsetOf(e).sl.EndSnap(zs)
					}
				}
				return true
			})
		}
	}
}

func zsetOp(rng *rand.Rand, run func(int, ...string), db int, k, other string) {
	m := func() string { return "m:" + strconv.Itoa(rng.IntN(1500)) }
	sc := func() string { return strconv.Itoa(rng.IntN(600)) }
	switch rng.IntN(16) {
	case 0, 1, 2:
		run(db, "ZADD", k, sc(), m(), sc(), m())
	case 3:
		run(db, "ZADD", k, "GT", "CH", sc(), m())
	case 4:
		run(db, "ZINCRBY", k, strconv.Itoa(rng.IntN(20)-10), m())
	case 5, 6:
		run(db, "ZREM", k, m(), m(), m())
	case 7:
		run(db, "ZPOPMIN", k, strconv.Itoa(1+rng.IntN(5)))
	case 8:
		run(db, "ZPOPMAX", k)
	case 9:
		a := rng.IntN(600)
		run(db, "ZREMRANGEBYSCORE", k, strconv.Itoa(a), "("+strconv.Itoa(a+3))
	case 10:
		a := rng.IntN(800)
		run(db, "ZREMRANGEBYRANK", k, strconv.Itoa(a), strconv.Itoa(a+rng.IntN(6)))
	case 11:
		run(db, "ZREMRANGEBYLEX", k, "[m:10", "(m:11")
	case 12:
		run(db, "ZUNIONSTORE", other, "2", k, other, "WEIGHTS", "1", "2")
	case 13:
		run(db, "ZRANGESTORE", other, k, "0", strconv.Itoa(rng.IntN(300)))
	case 14:
		run(db, "ZMPOP", "2", k, other, "MIN", "COUNT", "3")
	default:
		run(db, "BZPOPMAX", k, other, "0.01")
	}
}

func listOp(rng *rand.Rand, run func(int, ...string), exists func(int, string) *keyspace.Entry, db int, k, other string) {
	v := func() string { return "e:" + strconv.Itoa(rng.IntN(300)) }
	switch rng.IntN(16) {
	case 0, 1:
		run(db, "RPUSH", k, v(), v())
	case 2:
		run(db, "LPUSH", k, v())
	case 3:
		run(db, "LPOP", k, strconv.Itoa(1+rng.IntN(3)))
	case 4:
		run(db, "RPOP", k)
	case 5, 6:
		if e := exists(db, k); e != nil && metaType(e.Meta) == TypeList {
			run(db, "LSET", k, strconv.Itoa(rng.IntN(listOf(e).Len())), "set:"+strconv.Itoa(rng.IntN(1000)))
		}
	case 7:
		run(db, "LINSERT", k, "BEFORE", v(), "ins:"+strconv.Itoa(rng.IntN(1000)))
	case 8:
		run(db, "LINSERT", k, "AFTER", v(), "ins:"+strconv.Itoa(rng.IntN(1000)))
	case 9:
		run(db, "LREM", k, strconv.Itoa(rng.IntN(5)-2), v())
	case 10:
		run(db, "LTRIM", k, strconv.Itoa(rng.IntN(3)), strconv.Itoa(-1-rng.IntN(3)))
	case 11:
		run(db, "LMOVE", k, other, "LEFT", "RIGHT")
	case 12:
		run(db, "RPOPLPUSH", k, other)
	case 13:
		run(db, "LMPOP", "2", k, other, "RIGHT", "COUNT", "4")
	case 14:
		if e := exists(db, k); e != nil && metaType(e.Meta) == TypeList {
			run(db, "BLPOP", k, "0.01")
		}
	default:
		if e := exists(db, k); e != nil && metaType(e.Meta) == TypeList {
			run(db, "BLMOVE", k, other, "RIGHT", "LEFT", "0.01")
		}
	}
}

func streamOp(rng *rand.Rand, run func(int, ...string), streamID func(int, string) string,
	pendingID func(int, string, string) string, db int, k, other string) {
	g := "g" + strconv.Itoa(1+rng.IntN(3))
	switch rng.IntN(20) {
	case 16, 17:
		run(db, "XACK", k, "g1", pendingID(db, k, "g1"), pendingID(db, k, "g1"))
	case 18, 19:
		run(db, "XCLAIM", k, "g1", "c"+strconv.Itoa(rng.IntN(4)), "0", pendingID(db, k, "g1"))
	case 0, 1, 2:
		run(db, "XADD", k, "*", "f", "new", "g", strconv.Itoa(rng.IntN(100)))
	case 3:
		run(db, "XADD", k, "MAXLEN", "~", strconv.Itoa(200+rng.IntN(1000)), "*", "f", "trim")
	case 4, 5:
		run(db, "XDEL", k, streamID(db, k), streamID(db, k))
	case 6:
		run(db, "XTRIM", k, "MAXLEN", strconv.Itoa(100+rng.IntN(1200)))
	case 7:
		run(db, "XTRIM", k, "MINID", streamID(db, k))
	case 8:
		run(db, "XGROUP", "CREATE", k, g, "0")
	case 9:
		run(db, "XGROUP", "DESTROY", k, g)
	case 10:
		run(db, "XGROUP", "CREATECONSUMER", k, g, "c"+strconv.Itoa(rng.IntN(4)))
	case 11:
		run(db, "XGROUP", "DELCONSUMER", k, g, "c"+strconv.Itoa(rng.IntN(4)))
	case 12:
		run(db, "XREADGROUP", "GROUP", g, "c"+strconv.Itoa(rng.IntN(4)), "COUNT", "5", "STREAMS", k, ">")
	case 13:
		run(db, "XACK", k, g, streamID(db, k), streamID(db, k))
	case 14:
		run(db, "XCLAIM", k, g, "c"+strconv.Itoa(rng.IntN(4)), "0", streamID(db, k))
	default:
		if rng.IntN(2) == 0 {
			run(db, "XAUTOCLAIM", k, g, "c9", "0", "0-0", "COUNT", "5")
		} else {
			run(db, "XGROUP", "SETID", k, g, streamID(db, k))
		}
	}
}

// TestSnapshotBigTypesRedisLoad: a BGSAVE of big sorted set, list (compressed
// inner nodes) and stream (consumer groups, PELs) values, written in slices while
// a pipeline of writes changes them, loads in redis-server 7.0.15 as the values
// were when BGSAVE started: same DUMP payload and DEBUG DIGEST-VALUE per key.
func TestSnapshotBigTypesRedisLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds big values and runs redis-server")
	}
	conf := []string{"--list-compress-depth", "1", "--rdb-key-save-delay", "100", "--enable-debug-command", "yes"}
	k := testutil.StartKeygrid(t, conf...)
	c := k.Conn(t)
	c.SetTimeout(120 * time.Second)
	build := []string{
		"for i=1,20000 do redis.call('zadd',KEYS[1],i%977,'member:'..i) end",
		"for j=0,19 do local b={} for i=1,1000 do b[i]='element:'..((j*1000+i)%1500) end redis.call('rpush',KEYS[1],unpack(b)) end",
		"for i=1,20000 do redis.call('xadd',KEYS[1],i..'-1','f','value:'..i,'n',i%7) end",
	}
	keys := []string{"zbig", "lbig", "xbig"}
	for i, b := range build {
		if got := mustDo(t, c, "EVAL", b, "1", keys[i]); strings.HasPrefix(got, "-") {
			t.Fatalf("building %s: %s", keys[i], got)
		}
	}
	for _, cmd := range [][]string{
		{"XGROUP", "CREATE", "xbig", "g1", "0"},
		{"XREADGROUP", "GROUP", "g1", "c1", "COUNT", "3000", "STREAMS", "xbig", ">"},
		{"XREADGROUP", "GROUP", "g1", "c2", "COUNT", "2000", "STREAMS", "xbig", ">"},
		{"XGROUP", "CREATE", "xbig", "g2", "$"},
		{"EXPIRE", "zbig", "100000"},
		{"EVAL", "for i=1,3000 do redis.call('set','small:'..i,i) end", "0"},
	} {
		if got := mustDo(t, c, cmd...); strings.HasPrefix(got, "-") {
			t.Fatalf("%v: %s", cmd, got)
		}
	}
	state := func(c *testutil.Conn) map[string]string {
		m := map[string]string{}
		for _, key := range keys {
			m[key+" dump"] = mustDo(t, c, "DUMP", key)
			m[key+" digest"] = mustDo(t, c, "DEBUG", "DIGEST-VALUE", key)
		}
		m["groups"] = mustDo(t, c, "XINFO", "GROUPS", "xbig")
		m["pending"] = mustDo(t, c, "XPENDING", "xbig", "g1")
		m["pending c2"] = mustDo(t, c, "XPENDING", "xbig", "g1", "-", "+", "10", "c2")
		m["consumers"] = mustDo(t, c, "XINFO", "CONSUMERS", "xbig", "g1")
		return m
	}
	want := state(c)
	// XPENDING's idle times and XINFO CONSUMERS' idle move on: compare the rest.
	stable := func(m map[string]string) {
		delete(m, "pending c2")
		delete(m, "consumers")
	}
	pendingC2 := want["pending c2"]
	stable(want)

	// BGSAVE and the writes in one pipeline: they run while the values are written.
	var pipe []byte
	pipe = testutil.AppendCommand(pipe, "BGSAVE")
	n := 1
	add := func(args ...string) { pipe = testutil.AppendCommand(pipe, args...); n++ }
	for i := 0; i < 300; i++ {
		s := strconv.Itoa(i)
		add("ZADD", "zbig", s, "member:"+strconv.Itoa(i*67%25000))
		add("ZREM", "zbig", "member:"+strconv.Itoa(i*31%20000))
		add("ZINCRBY", "zbig", "5", "member:"+strconv.Itoa(i*13%20000))
		add("RPUSH", "lbig", "new:"+s)
		add("LSET", "lbig", strconv.Itoa(i*59%19000), "set:"+s)
		add("LINSERT", "lbig", "BEFORE", "element:"+strconv.Itoa(i*7%1500), "ins:"+s)
		add("XADD", "xbig", "*", "f", "new:"+s)
		add("XDEL", "xbig", strconv.Itoa(1+i*61%20000)+"-1")
		add("XACK", "xbig", "g1", strconv.Itoa(1+i*17%5000)+"-1")
		add("XCLAIM", "xbig", "g1", "c3", "0", strconv.Itoa(1+i*23%5000)+"-1")
		if i%50 == 0 {
			add("ZPOPMIN", "zbig", "10")
			add("LPOP", "lbig", "10")
			add("LREM", "lbig", "0", "element:"+s)
			add("XTRIM", "xbig", "MAXLEN", "~", strconv.Itoa(19000-i))
			add("XREADGROUP", "GROUP", "g2", "c1", "COUNT", "100", "STREAMS", "xbig", ">")
		}
	}
	add("RENAME", "zbig", "zbig2")
	add("SET", "lbig", "overwritten")
	add("UNLINK", "xbig")
	if err := c.Send(pipe); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		raw, err := c.ReadReply()
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && !strings.Contains(string(raw), "started") {
			t.Fatalf("BGSAVE: %s", raw)
		}
		if strings.HasPrefix(string(raw), "-") {
			t.Fatalf("write %d: %s", i, raw)
		}
	}
	during := strings.Contains(mustDo(t, c, "INFO", "persistence"), "rdb_bgsave_in_progress:1")
	testutil.WaitFor(t, 120*time.Second, func() bool {
		return strings.Contains(mustDo(t, c, "INFO", "persistence"), "rdb_bgsave_in_progress:0")
	}, "BGSAVE to finish")
	if got := mustDo(t, c, "INFO", "persistence"); !strings.Contains(got, "rdb_last_bgsave_status:ok") {
		t.Fatalf("BGSAVE failed:\n%s", got)
	}
	t.Logf("%d writes; the save was still running after them: %v", n-1, during)
	if !during {
		t.Log("(the writes did not all land during the save on this run)")
	}

	img, err := os.ReadFile(filepath.Join(k.Dir(), "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dump.rdb"), img, 0o644); err != nil {
		t.Fatal(err)
	}
	r := testutil.StartRedis(t, append([]string{"--dir", dir}, conf...)...)
	rc := r.Conn(t)
	rc.SetTimeout(60 * time.Second)
	got := state(rc)
	if got["pending c2"] == "" || !strings.HasPrefix(got["pending c2"], "*") || len(got["pending c2"]) < len(pendingC2)/2 {
		t.Errorf("redis-server: XPENDING of c2: %.200s", got["pending c2"])
	}
	stable(got)
	for key, w := range want {
		if got[key] != w {
			t.Errorf("%s: redis-server loaded %.300q, want %.300q", key, got[key], w)
		}
	}
	// EXPIRE zbig 100000 a moment ago: TTL rounds to the nearest second, so 100000
	// when less than half a second passed, else 99xxx.
	if ttl := mustDo(t, rc, "TTL", "zbig"); !strings.HasPrefix(ttl, ":9") && ttl != ":100000\r\n" {
		t.Errorf("redis-server: TTL zbig %s", ttl)
	}
	if dbsize := mustDo(t, rc, "DBSIZE"); dbsize != ":3003\r\n" {
		t.Errorf("redis-server: DBSIZE %q, want 3003", dbsize)
	}
}

// TestSnapshotBigTypesStall: a million-member sorted set, a million-element list
// and a million-entry stream changed while the snapshot has not reached them are
// not encoded whole first: each becomes a job written in later slices, so the
// write does not wait for it, and the snapshot still holds the value from before.
func TestSnapshotBigTypesStall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds million-element values")
	}
	const n, batch = 1000000, 1000
	cases := []struct {
		name  string
		build func(i int) []string // batch i of n/batch
		setup [][]string
		write []string
		// check runs on the server loaded from the snapshot.
		check [][2]string
	}{
		{"zset", func(i int) []string {
			args := []string{"ZADD", "big"}
			for j := i * batch; j < (i+1)*batch; j++ {
				args = append(args, strconv.Itoa(j), "member:"+strconv.Itoa(j))
			}
			return args
		}, nil, []string{"ZADD", "big", "-1", "member:5"},
			[][2]string{{"ZSCORE big member:5", "5"}, {"ZCARD big", ":1000000"}}},
		{"list", func(i int) []string {
			args := []string{"RPUSH", "big"}
			for j := i * batch; j < (i+1)*batch; j++ {
				args = append(args, "element:"+strconv.Itoa(j))
			}
			return args
		}, nil, []string{"LSET", "big", "500000", "changed"},
			[][2]string{{"LINDEX big 500000", "element:500000"}, {"LLEN big", ":1000000"}}},
		{"stream", func(i int) []string {
			// One XADD per call: a batch is a script.
			return []string{"EVAL", fmt.Sprintf("for i=%d,%d do redis.call('xadd',KEYS[1],i..'-1','f','v'..i) end", i*batch+1, (i+1)*batch), "1", "big"}
		}, [][]string{ // and a million-entry PEL
			{"XGROUP", "CREATE", "big", "g", "0"},
			{"XREADGROUP", "GROUP", "g", "c", "COUNT", "1000000", "STREAMS", "big", ">"},
		}, []string{"XACK", "big", "g", "500000-1", "1-1"},
			[][2]string{{"XLEN big", ":1000000"}, {"XPENDING big g", "[:1000000 1-1 1000000-1 [[c 1000000]]]"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newEvLocal(t, nil)
			s := l.s
			lp, err := loop.New(64)
			if err != nil {
				t.Fatal(err)
			}
			s.loop = lp
			t.Cleanup(func() { lp.Close() })
			for i := 0; i < n/batch; i++ {
				if r := l.do(tc.build(i)...); strings.HasPrefix(r, "-") || strings.HasPrefix(r, "ERR") {
					t.Fatalf("building: %s", r)
				}
			}
			for _, args := range tc.setup {
				l.do(args...)
			}
			l.do("SET", "small", "1")
			sink := &memSink{}
			done := false
			if err := s.startSnapshot(sink, snapshotOpts{Done: func(error) { done = true }}); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			l.do(tc.write...)
			cmd := time.Since(start)
			sn := s.persist.running
			t.Logf("%v on a 1M-element %s during a snapshot: %v", tc.write, tc.name, cmd)
			if len(sn.bigQ) != 1 {
				t.Fatalf("the value is not a sliced job (%d queued)", len(sn.bigQ))
			}
			// Encoding it whole took tens of milliseconds; the bound is loose for
			// loaded machines.
			if cmd > 100*time.Millisecond {
				t.Errorf("%v took %v during the snapshot", tc.write, cmd)
			}
			slices := 0
			for !done {
				s.loop.ProcessEvents(1)
				slices++
				if slices%8 == 0 {
					l.do(tc.write...) // more writes while it is written
				}
			}
			t.Logf("%d loop iterations to finish, longest slice %v", slices, sn.maxSlice)
			if slices < 10 {
				t.Errorf("the snapshot finished in %d iterations: the value was not written in slices", slices)
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
			for _, ch := range tc.check {
				if r := l2.do(strings.Fields(ch[0])...); r != ch[1] {
					t.Errorf("snapshot: %s = %q, want %q (the value before the change)", ch[0], r, ch[1])
				}
			}
		})
	}
}
