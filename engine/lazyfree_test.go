package engine

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/internal/testutil"
)

// lazyfreePair runs the same commands on a redis-server and on keygrid and compares
// replies and INFO lazyfreed_objects.
type lazyfreePair struct {
	t        *testing.T
	ref, kg  *testutil.Conn
	counterR *regexp.Regexp
	pendingR *regexp.Regexp
}

func newLazyfreePair(t *testing.T) *lazyfreePair {
	t.Helper()
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	srv := testutil.StartRedis(t)
	_, addr := startTestServer(t, func(c *config.Config) { c.Save = nil })
	kg, err := testutil.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kg.Close() })
	return &lazyfreePair{t: t, ref: srv.Conn(t), kg: kg,
		counterR: regexp.MustCompile(`(?m)^lazyfreed_objects:(\d+)\r?$`),
		pendingR: regexp.MustCompile(`(?m)^lazyfree_pending_objects:(\d+)\r?$`)}
}

func (p *lazyfreePair) doOne(c *testutil.Conn, who string, args []string) string {
	p.t.Helper()
	raw, err := c.Do(args...)
	if err != nil {
		p.t.Fatalf("%s: %q: %v", who, args, err)
	}
	return string(raw)
}

// do runs one command on both and fails if the replies differ.
func (p *lazyfreePair) do(args ...string) {
	p.t.Helper()
	r, k := p.doOne(p.ref, "redis-server", args), p.doOne(p.kg, "keygrid", args)
	if r != k {
		p.t.Fatalf("%q: redis-server %q, keygrid %q", args, r, k)
	}
}

// doSet runs a command replying a set on both: member order is the hash table's, so
// only the sorted members are compared.
func (p *lazyfreePair) doSet(args ...string) {
	p.t.Helper()
	members := func(c *testutil.Conn, who string) []string {
		v, err := testutil.ParseReply([]byte(p.doOne(c, who, args)))
		if err != nil {
			p.t.Fatalf("%s: %q: %v", who, args, err)
		}
		var out []string
		for _, e := range v.Elems {
			out = append(out, e.Str)
		}
		slices.Sort(out)
		return out
	}
	if r, k := members(p.ref, "redis-server"), members(p.kg, "keygrid"); !slices.Equal(r, k) {
		p.t.Fatalf("%q: redis-server %q, keygrid %q", args, r, k)
	}
}

// info reads an INFO memory field.
func (p *lazyfreePair) info(c *testutil.Conn, re *regexp.Regexp) int64 {
	p.t.Helper()
	v, err := testutil.ParseReply([]byte(p.doOne(c, "", []string{"INFO", "memory"})))
	if err != nil {
		p.t.Fatal(err)
	}
	m := re.FindStringSubmatch(v.Str)
	if m == nil {
		p.t.Fatalf("INFO memory lacks %s", re)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

// check compares lazyfreed_objects once Redis's lazyfree thread is done; keygrid
// never has pending objects.
func (p *lazyfreePair) check(step string) int64 {
	p.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); p.info(p.ref, p.pendingR) != 0; {
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: redis-server's lazyfree never finished", step)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := p.info(p.kg, p.pendingR); n != 0 {
		p.t.Fatalf("%s: keygrid lazyfree_pending_objects %d", step, n)
	}
	r, k := p.info(p.ref, p.counterR), p.info(p.kg, p.counterR)
	if r != k {
		p.t.Fatalf("%s: lazyfreed_objects redis-server %d, keygrid %d", step, r, k)
	}
	p.t.Logf("%s: lazyfreed_objects %d", step, r)
	return r
}

// fill creates key with n elements by cmd ("SADD", "HSET", "ZADD", "RPUSH") whose
// members are prefix+i.
func (p *lazyfreePair) fill(cmd, key string, n int, prefix string) {
	p.t.Helper()
	args := []string{cmd, key}
	for i := range n {
		m := prefix + strconv.Itoa(i)
		switch cmd {
		case "HSET":
			args = append(args, m, "v")
		case "ZADD":
			args = append(args, strconv.Itoa(i), m)
		default:
			args = append(args, m)
		}
	}
	p.do(args...)
}

func TestLazyfreeDiffRedis(t *testing.T) {
	p := newLazyfreePair(t)
	long := strings.Repeat("x", 70) // past the listpack value limits: a big encoding
	p.check("start")

	// UNLINK: every type, at and just past the threshold, and compact encodings.
	type big struct {
		name, cmd, prefix string
		n                 int
	}
	for _, b := range []big{
		{"set-ht-64", "SADD", "m", 64}, {"set-ht-65", "SADD", "m", 65}, {"set-ht-1000", "SADD", "m", 1000},
		{"set-intset", "SADD", "", 500},
		{"hash-lp", "HSET", "f", 100}, {"hash-ht-64", "HSET", long, 64}, {"hash-ht-65", "HSET", long, 65}, {"hash-ht-600", "HSET", "f", 600},
		{"zset-lp", "ZADD", "m", 100}, {"zset-sl-64", "ZADD", long, 64}, {"zset-sl-65", "ZADD", long, 65}, {"zset-sl-300", "ZADD", "m", 300},
		{"list-small", "RPUSH", "e", 1000}, {"list-nodes", "RPUSH", long, 30000},
	} {
		p.fill(b.cmd, b.name, b.n, b.prefix)
		p.do("UNLINK", b.name)
		p.check("UNLINK " + b.name)
	}
	// Lists by quicklist node count: one element per node.
	p.do("CONFIG", "SET", "list-max-listpack-size", "1")
	for _, n := range []int{64, 65} {
		k := "list-" + strconv.Itoa(n)
		p.fill("RPUSH", k, n, "e")
		p.do("UNLINK", k)
		p.check("UNLINK " + k)
	}
	p.do("CONFIG", "SET", "list-max-listpack-size", "-2")
	p.do("SET", "str", "v")
	p.do("UNLINK", "str", "missing")
	p.check("UNLINK string")

	// Streams: the radix tree's nodes plus groups × (1 + first group's PEL). Explicit
	// IDs make the tree the same on both.
	p.do("CONFIG", "SET", "stream-node-max-entries", "5")
	for _, c := range []struct{ entries, groups, pel int }{
		{1, 0, 0}, {1, 1, 0}, {60, 0, 0}, {60, 1, 20}, {60, 1, 30}, {60, 1, 40}, {60, 1, 45},
		{60, 2, 10}, {60, 2, 20}, {300, 0, 0}, {1000, 3, 2}, {3, 8, 7}, {3, 15, 3}, {3, 16, 3},
	} {
		k := fmt.Sprintf("stream-%d-%d-%d", c.entries, c.groups, c.pel)
		for i := range c.entries {
			p.do("XADD", k, fmt.Sprintf("%d-%d", 1000+i/7, i%7), "f", strconv.Itoa(i))
		}
		for g := range c.groups {
			p.do("XGROUP", "CREATE", k, "g"+strconv.Itoa(g), "0")
		}
		if c.groups > 0 && c.pel > 0 {
			p.do("XREADGROUP", "GROUP", "g0", "alice", "COUNT", strconv.Itoa(c.pel), "STREAMS", k, ">")
		}
		p.do("UNLINK", k)
		p.check("UNLINK " + k)
	}
	// A destroyed group leaves an empty groups tree (Redis's "deleted cgroup" test).
	p.do("XADD", "s", "1-1", "a", "b")
	p.do("XGROUP", "CREATE", "s", "bla", "$")
	p.do("XGROUP", "DESTROY", "s", "bla")
	p.do("UNLINK", "s")
	p.check("UNLINK stream with destroyed group")

	// DEL: synchronous unless lazyfree-lazy-user-del.
	p.fill("SADD", "d", 100, "m")
	p.do("DEL", "d")
	p.check("DEL")
	p.do("CONFIG", "SET", "lazyfree-lazy-user-del", "yes")
	p.fill("SADD", "d", 100, "m")
	p.fill("SADD", "d2", 10, "m")
	p.do("DEL", "d", "d2")
	p.check("DEL lazyfree-lazy-user-del")
	p.do("CONFIG", "SET", "lazyfree-lazy-user-del", "no")

	// FLUSHDB/FLUSHALL ASYNC count every key; SYNC none; no argument follows
	// lazyfree-lazy-user-flush.
	fillKeys := func(db string, n int) {
		p.do("SELECT", db)
		for i := range n {
			p.do("SET", "k"+strconv.Itoa(i), "v")
		}
		p.fill("SADD", "bigset", 100, "m")
		p.do("SELECT", "0")
	}
	fillKeys("0", 37)
	p.do("FLUSHDB", "ASYNC")
	p.check("FLUSHDB ASYNC")
	fillKeys("0", 10)
	p.do("FLUSHDB", "SYNC")
	p.do("FLUSHDB")
	p.check("FLUSHDB SYNC")
	fillKeys("0", 5)
	fillKeys("3", 7)
	p.do("FLUSHALL", "ASYNC")
	p.check("FLUSHALL ASYNC")
	p.do("CONFIG", "SET", "lazyfree-lazy-user-flush", "yes")
	fillKeys("0", 4)
	p.do("FLUSHDB")
	fillKeys("2", 9)
	p.do("FLUSHALL")
	p.check("FLUSHDB/FLUSHALL lazyfree-lazy-user-flush")
	p.do("FLUSHALL", "SYNC")
	p.check("FLUSHALL SYNC")
	p.do("CONFIG", "SET", "lazyfree-lazy-user-flush", "no")

	// Expiry under lazyfree-lazy-expire (a TTL in the past deletes at once).
	p.fill("SADD", "e", 100, "m")
	p.do("PEXPIREAT", "e", "1")
	p.check("expire sync")
	p.do("CONFIG", "SET", "lazyfree-lazy-expire", "yes")
	p.fill("SADD", "e", 100, "m")
	p.do("PEXPIREAT", "e", "1")
	p.fill("HSET", "e2", 600, "f")
	p.do("PEXPIRE", "e2", "1")
	time.Sleep(20 * time.Millisecond)
	p.do("EXISTS", "e2")
	p.check("expire lazyfree-lazy-expire")
	p.do("CONFIG", "SET", "lazyfree-lazy-expire", "no")

	// Server-side deletes and overwrites under lazyfree-lazy-server-del: the old
	// value of SET and *STORE, RENAME's and COPY REPLACE's destination; not RENAME's
	// source, which lives on under the new name.
	p.do("CONFIG", "SET", "lazyfree-lazy-server-del", "yes")
	p.fill("SADD", "o", 100, "m")
	p.do("SET", "o", "v")
	p.fill("ZADD", "src", 200, "m")
	p.fill("HSET", "dst", 600, "f")
	p.do("RENAME", "src", "dst")
	p.fill("SADD", "a", 100, "m")
	p.do("COPY", "a", "dst", "REPLACE")
	p.do("SUNIONSTORE", "dst", "a", "a")
	p.do("SREM", "a", "m0")
	// SUNION and SDIFF free their result set the same way; SINTER replies as it goes.
	p.fill("SADD", "b", 70, "m")
	p.fill("SADD", "ints", 100, "")
	p.doSet("SUNION", "a", "b")
	p.doSet("SDIFF", "a", "nokey")
	p.doSet("SDIFF", "a", "b")
	p.doSet("SDIFF", "a", "a")
	p.doSet("SINTER", "a", "a")
	p.doSet("SUNION", "ints", "ints")
	p.check("lazyfree-lazy-server-del")
	p.do("CONFIG", "SET", "lazyfree-lazy-server-del", "no")
	p.fill("SADD", "o", 100, "m")
	p.do("SET", "o", "v")
	p.check("server-del off")

	// SCRIPT FLUSH and FUNCTION FLUSH: the whole cache counts when async and larger
	// than the threshold.
	for _, n := range []int{64, 65} {
		for _, mode := range []string{"ASYNC", "SYNC", ""} {
			for i := range n {
				p.do("SCRIPT", "LOAD", fmt.Sprintf("return %d", i))
			}
			args := []string{"SCRIPT", "FLUSH"}
			if mode != "" {
				args = append(args, mode)
			}
			p.do(args...)
			p.check(fmt.Sprintf("SCRIPT FLUSH %s of %d", mode, n))
		}
	}
	p.do("CONFIG", "SET", "lazyfree-lazy-user-flush", "yes")
	for _, n := range []int{30, 70} {
		for _, mode := range []string{"ASYNC", "SYNC", ""} {
			var b strings.Builder
			b.WriteString("#!lua name=lib\n")
			for i := range n {
				fmt.Fprintf(&b, "redis.register_function('f%d', function() return %d end)\n", i, i)
			}
			p.do("FUNCTION", "LOAD", b.String())
			p.do("SCRIPT", "LOAD", "return 1")
			args := []string{"FUNCTION", "FLUSH"}
			if mode != "" {
				args = append(args, mode)
			}
			p.do(args...)
			p.do("SCRIPT", "FLUSH")
			p.check(fmt.Sprintf("FUNCTION FLUSH %s of %d", mode, n))
		}
	}
	p.do("CONFIG", "SET", "lazyfree-lazy-user-flush", "no")

	// CONFIG RESETSTAT zeroes it.
	p.do("CONFIG", "RESETSTAT")
	if n := p.check("RESETSTAT"); n != 0 {
		t.Fatalf("lazyfreed_objects %d after RESETSTAT", n)
	}
}

// The effort of small values is decided without allocating: DEL and UNLINK stay
// allocation-free on them.
func TestLazyfreeDropNoAlloc(t *testing.T) {
	st := newKeysTester(t, nil)
	st.do("SADD", "s", "a", "b")
	st.do("HSET", "h", "f", "v")
	st.do("RPUSH", "l", "a")
	st.do("XADD", "x", "1-1", "f", "v")
	st.do("SET", "str", "v")
	for _, k := range []string{"s", "h", "l", "x", "str"} {
		e := st.c.db.lookupReadNoTouch([]byte(k))
		if n := testing.AllocsPerRun(100, func() { st.s.lazyfreeDrop(e) }); n != 0 {
			t.Errorf("%s: %v allocations", k, n)
		}
	}
	if st.s.stats.lazyfreed != 0 {
		t.Fatalf("small values counted: %d", st.s.stats.lazyfreed)
	}
}

// The paths a differential test cannot drive the same way on both servers (eviction
// depends on each one's memory accounting; a replica's flush on a full sync): each
// counts a big value, or every key, only under its option.
func TestLazyfreeEvictionAndReplicaFlush(t *testing.T) {
	st := newKeysTester(t, nil)
	s := st.s
	bigSet := func(key string) {
		args := []string{"SADD", key}
		for i := range 100 {
			args = append(args, "m"+strconv.Itoa(i))
		}
		st.do(args...)
	}
	evict := func(key string) {
		d, r := st.c.db.find([]byte(key))
		if r == 0 {
			t.Fatalf("%s missing", key)
		}
		s.evictEntry(st.c.db, d, r)
	}
	bigSet("a")
	evict("a")
	if s.stats.lazyfreed != 0 {
		t.Fatalf("eviction without lazyfree-lazy-eviction counted %d", s.stats.lazyfreed)
	}
	s.cfg.LazyfreeLazyEviction = true
	bigSet("a")
	st.do("SADD", "small", "x")
	evict("a")
	evict("small")
	if s.stats.lazyfreed != 1 {
		t.Fatalf("eviction of one big and one small value counted %d, want 1", s.stats.lazyfreed)
	}

	st.do("SET", "k1", "v")
	st.do("SET", "k2", "v")
	s.replicaEmptyData()
	if s.stats.lazyfreed != 1 {
		t.Fatalf("replica flush without replica-lazy-flush counted %d", s.stats.lazyfreed-1)
	}
	s.cfg.ReplicaLazyFlush = true
	st.do("SET", "k1", "v")
	st.do("SET", "k2", "v")
	bigSet("a")
	s.replicaEmptyData()
	if s.stats.lazyfreed != 4 {
		t.Fatalf("replica-lazy-flush of 3 keys counted %d", s.stats.lazyfreed-1)
	}

	// A swapdb load's discarded dataset is always freed asynchronously in Redis.
	tmp := s.newSwapdbLoad()
	tmp.dbs[0].AddString([]byte("x"), []byte("v"))
	tmp.dbs[1].AddString([]byte("y"), []byte("v"))
	tmp.discard()
	if s.stats.lazyfreed != 6 {
		t.Fatalf("discarded swapdb dataset of 2 keys counted %d", s.stats.lazyfreed-4)
	}
}
