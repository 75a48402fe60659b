package engine

// Tests of memory accounting, maxmemory and eviction (evict.go, lfu.go). Eviction
// tests follow Redis's tests/unit/maxmemory.tcl: the limit is honoured under a write
// load for every policy, volatile-* policies only evict keys with a TTL, and the
// LRU/LFU/TTL policies evict what they should, checked statistically.

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/keyspace"
	"pgregory.net/rapid"
)

// evLocal is a server driven in-process, without sockets or loop: commands run
// synchronously through processInput, as in the hot-path benchmark.
type evLocal struct {
	t testing.TB
	s *Server
	c *Client
}

func newEvLocal(t testing.TB, mutate func(*config.Config)) *evLocal {
	cfg := config.Default()
	cfg.Dir = t.TempDir() // FLUSHALL saves dump.rdb there (default save points)
	if mutate != nil {
		mutate(cfg)
	}
	s, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	s.ownAllSlots() // cluster mode: serve every slot
	c := &Client{srv: s, fd: -1, id: 1, db: s.dbs[0], proto: 2, flags: flagAuthenticated}
	c.req.MaxBulk = s.cfg.ProtoMaxBulkLen
	c.req.Reset()
	return &evLocal{t: t, s: s, c: c}
}

// do runs one command and returns its reply in testConn.do's compact form.
func (l *evLocal) do(args ...string) string {
	l.t.Helper()
	l.c.out = l.c.out[:0]
	buf := pipeline(1, args...)
	if n := l.s.processInput(l.c, buf); n != len(buf) {
		l.t.Fatalf("%v: processed %d of %d bytes", args, n, len(buf))
	}
	l.s.pendingWrite = l.s.pendingWrite[:0]
	l.c.flags &^= flagPendingWrite
	r, err := readReply(bufio.NewReader(bytes.NewReader(l.c.out)))
	if err != nil {
		l.t.Fatalf("%v: %v (%q)", args, err, l.c.out)
	}
	return r
}

// checkAccounting verifies the accounting invariants: every live entry's Mem is its
// current size, each database's total is the sum of its entries', and the server's
// total the sum of the databases'.
func checkAccounting(t interface {
	Helper()
	Errorf(string, ...any)
}, s *Server) {
	t.Helper()
	var all int64
	for _, db := range s.dbs {
		var sum int64
		for _, d := range db.dicts {
			d.Each(func(r keyspace.Ref) bool {
				e := d.E(r)
				if want := memWords(entryMem(e)); e.Mem != want {
					t.Errorf("db %d key %q: Mem %d words, size now %d words", db.id, e.Key(), e.Mem, want)
				}
				sum += int64(e.Mem) * 8
				return true
			})
		}
		if sum != db.mem {
			t.Errorf("db %d: accounted %d, entries sum to %d", db.id, db.mem, sum)
		}
		all += db.mem
	}
	if all != s.evict.used {
		t.Errorf("server total %d, databases sum to %d", s.evict.used, all)
	}
}

func TestGoAllocSize(t *testing.T) {
	for _, tc := range []struct{ n, want int }{
		{0, 0}, {1, 8}, {8, 8}, {9, 16}, {17, 24}, {25, 32}, {33, 48}, {100, 112},
		{1024, 1024}, {1025, 1152}, {2049, 2304}, {32768, 32768}, {32769, 40960},
	} {
		if got := goAllocSize(tc.n); got != int64(tc.want) {
			t.Errorf("goAllocSize(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
	// Every size maps to the smallest class that holds it.
	for n := 1; n <= 32768; n++ {
		got := goAllocSize(n)
		want := int64(0)
		for _, c := range goSizeClasses {
			if int(c) >= n {
				want = int64(c)
				break
			}
		}
		if got != want {
			t.Fatalf("goAllocSize(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestAccountingFollowsWrites checks that the accounted memory follows writes,
// deletions, expiry, flushes and moves between databases, and returns exactly to
// where it started when the data is gone.
func TestAccountingFollowsWrites(t *testing.T) {
	l := newEvLocal(t, nil)
	s := l.s
	if s.evict.used != 0 {
		t.Fatalf("empty server accounts %d bytes", s.evict.used)
	}
	l.do("SET", "k", "v")
	one := s.evict.used
	if want := entryMemOverhead + goAllocSize(2); one != want {
		t.Errorf("one small key: %d bytes, want %d", one, want)
	}
	l.do("APPEND", "k", strings.Repeat("x", 1000))
	if s.evict.used <= one+1000 {
		t.Errorf("after APPEND of 1000 bytes: %d", s.evict.used)
	}
	l.do("SET", "k", "v")
	if s.evict.used != one {
		t.Errorf("after SET back: %d, want %d", s.evict.used, one)
	}
	l.do("DEL", "k")
	if s.evict.used != 0 {
		t.Errorf("after DEL: %d", s.evict.used)
	}
	for i := 0; i < 1000; i++ {
		l.do("SET", "key:"+strconv.Itoa(i), strings.Repeat("v", i%200))
	}
	l.do("SETRANGE", "big", "10000", "x")
	l.do("EXPIRE", "key:1", "100")
	l.do("RENAME", "key:2", "renamed")
	l.do("MOVE", "key:3", "1")
	l.do("COPY", "key:4", "copied", "DB", "2")
	l.do("SWAPDB", "0", "1")
	l.do("SELECT", "1")
	l.do("GETDEL", "key:5")
	l.do("HSET", "h", "f", "v", "g", strings.Repeat("w", 100))
	l.do("INCR", "counter")
	l.do("INCRBYFLOAT", "float", "1.5")
	checkAccounting(t, s)
	l.do("FLUSHDB")
	checkAccounting(t, s)
	l.do("FLUSHALL")
	checkAccounting(t, s)
	if s.evict.used != 0 {
		t.Errorf("after FLUSHALL: %d", s.evict.used)
	}
	// Expired keys found by a lookup leave the accounting too.
	l.do("SET", "e", "v", "PX", "1")
	time.Sleep(5 * time.Millisecond)
	l.do("GET", "e")
	if s.evict.used != 0 {
		t.Errorf("after lazy expiry: %d", s.evict.used)
	}
}

// TestAccountingModel runs random write sequences and checks the invariants after
// each command.
func TestAccountingModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		l := newEvLocal(t, nil)
		key := rapid.SampledFrom([]string{"a", "b", "c", "d"})
		val := rapid.StringMatching(`[a-z0-9]{0,80}`)
		cmds := []func() []string{
			func() []string { return []string{"SET", key.Draw(rt, "k"), val.Draw(rt, "v")} },
			func() []string { return []string{"APPEND", key.Draw(rt, "k"), val.Draw(rt, "v")} },
			func() []string {
				return []string{"SETRANGE", key.Draw(rt, "k"), strconv.Itoa(rapid.IntRange(0, 300).Draw(rt, "o")), val.Draw(rt, "v")}
			},
			func() []string { return []string{"INCR", key.Draw(rt, "k")} },
			func() []string { return []string{"DEL", key.Draw(rt, "k")} },
			func() []string { return []string{"GETDEL", key.Draw(rt, "k")} },
			func() []string { return []string{"EXPIRE", key.Draw(rt, "k"), "100"} },
			func() []string { return []string{"PERSIST", key.Draw(rt, "k")} },
			func() []string { return []string{"RENAME", key.Draw(rt, "k"), key.Draw(rt, "k2")} },
			func() []string { return []string{"MOVE", key.Draw(rt, "k"), "1"} },
			func() []string { return []string{"COPY", key.Draw(rt, "k"), key.Draw(rt, "k2"), "DB", "1", "REPLACE"} },
			func() []string { return []string{"SWAPDB", "0", "1"} },
			func() []string {
				return []string{"SETBIT", key.Draw(rt, "k"), strconv.Itoa(rapid.IntRange(0, 5000).Draw(rt, "b")), "1"}
			},
			func() []string { return []string{"HSET", key.Draw(rt, "k"), val.Draw(rt, "f"), val.Draw(rt, "v")} },
			func() []string { return []string{"HDEL", key.Draw(rt, "k"), val.Draw(rt, "f")} },
			func() []string {
				return []string{"MSET", key.Draw(rt, "k"), val.Draw(rt, "v"), key.Draw(rt, "k2"), val.Draw(rt, "v")}
			},
			func() []string { return []string{"FLUSHDB"} },
		}
		n := rapid.IntRange(1, 40).Draw(rt, "n")
		for i := 0; i < n; i++ {
			args := cmds[rapid.IntRange(0, len(cmds)-1).Draw(rt, "cmd")]()
			l.do(args...)
			checkAccounting(rt, l.s)
		}
	})
}

// heapLive is the live heap after a full GC.
func heapLive() int64 {
	runtime.GC()
	runtime.GC()
	sm := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sm)
	return int64(sm[0].Value.Uint64())
}

// TestAccountingVsHeap compares the accounted memory of a data set with what the Go
// heap actually grew by: the accounting is only useful if it tracks the real thing.
func TestAccountingVsHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates ~100 MB")
	}
	for _, tc := range []struct {
		name    string
		n, vlen int
	}{
		{"200k small strings", 200000, 10},
		{"100k 100-byte strings", 100000, 100},
		{"20k 1000-byte strings", 20000, 1000},
		{"100k integers", 100000, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newEvLocal(t, nil)
			before := heapLive()
			val := strings.Repeat("x", max(tc.vlen, 0))
			for i := 0; i < tc.n; i++ {
				v := val
				if tc.vlen < 0 {
					v = strconv.Itoa(i * 7)
				}
				l.do("SET", "key:"+strconv.Itoa(i), v)
			}
			heap := heapLive() - before
			acct := l.s.evict.used
			ratio := float64(acct) / float64(heap)
			t.Logf("%s: accounted %d B (%.1f B/key), heap grew %d B (%.1f B/key), ratio %.3f",
				tc.name, acct, float64(acct)/float64(tc.n), heap, float64(heap)/float64(tc.n), ratio)
			if ratio < 0.85 || ratio > 1.15 {
				t.Errorf("accounting off by more than 15%%: ratio %.3f", ratio)
			}
			runtime.KeepAlive(l)
		})
	}
}

// evictTestServer starts a server with maxmemory policy p and a client.
func evictTestServer(t *testing.T, policy string, mutate func(*config.Config)) (*Server, *testConn) {
	s, addr := startTestServer(t, func(cfg *config.Config) {
		cfg.MaxMemoryPolicy = policy
		if mutate != nil {
			mutate(cfg)
		}
	})
	return s, dialTest(t, addr)
}

// infoInt reads an integer INFO field.
func infoInt(t testing.TB, tc *testConn, field string) int64 {
	t.Helper()
	info := tc.do("INFO", "everything")
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("INFO %s: %q", field, v)
			}
			return n
		}
	}
	t.Fatalf("INFO has no %s", field)
	return 0
}

// evOnLoop runs f on the server's loop and waits for it.
func evOnLoop(t testing.TB, s *Server, f func()) {
	t.Helper()
	done := make(chan struct{})
	s.Submit(func() { f(); close(done) })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("server loop not answering")
	}
}

// Redis's maxmemory.tcl "is the memory limit honoured?": with maxmemory set 100 KB
// above the current use, write keys until the limit is nearly reached, then as many
// again: used_memory must stay under the limit (plus a few KB).
func TestMaxmemoryLimitHonoured(t *testing.T) {
	for _, policy := range []string{"allkeys-random", "allkeys-lru", "allkeys-lfu",
		"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
		t.Run(policy, func(t *testing.T) {
			_, tc := evictTestServer(t, policy, nil)
			used := infoInt(t, tc, "used_memory")
			limit := used + 100*1024
			tc.do("CONFIG", "SET", "maxmemory", strconv.FormatInt(limit, 10))
			numkeys := 0
			for {
				tc.do("SETEX", "key:"+strconv.Itoa(numkeys), "10000", "x")
				numkeys++
				if infoInt(t, tc, "used_memory")+4096 > limit {
					if numkeys <= 10 {
						t.Fatalf("limit reached after %d keys", numkeys)
					}
					break
				}
			}
			maxUsed := int64(0)
			for j := 0; j < numkeys; j++ {
				if r := tc.do("SETEX", "more:"+strconv.Itoa(j), "10000", "x"); r != "OK" {
					t.Fatalf("SETEX: %s", r)
				}
				if j%50 == 0 {
					maxUsed = max(maxUsed, infoInt(t, tc, "used_memory"))
				}
			}
			if u := infoInt(t, tc, "used_memory"); u >= limit+4096 || maxUsed >= limit+4096 {
				t.Errorf("used_memory %d (max seen %d), limit %d", u, maxUsed, limit)
			}
			if infoInt(t, tc, "evicted_keys") == 0 {
				t.Error("nothing evicted")
			}
		})
	}
}

// TestMaxmemoryWriteLoad drives a larger write load with bigger values and samples
// used_memory over time: it must never be more than a value's size above the limit.
func TestMaxmemoryWriteLoad(t *testing.T) {
	_, tc := evictTestServer(t, "allkeys-lru", nil)
	used := infoInt(t, tc, "used_memory")
	limit := used + 4<<20
	tc.do("CONFIG", "SET", "maxmemory", strconv.FormatInt(limit, 10))
	val := strings.Repeat("v", 1000)
	var worst int64
	for i := 0; i < 20000; i++ {
		if r := tc.do("SET", "k"+strconv.Itoa(i), val); r != "OK" {
			t.Fatalf("SET: %s", r)
		}
		if i%500 == 0 {
			u := infoInt(t, tc, "used_memory")
			worst = max(worst, u)
		}
	}
	t.Logf("limit %d, highest used_memory seen %d (%.3f%% of limit), evicted %d", limit, worst,
		100*float64(worst)/float64(limit), infoInt(t, tc, "evicted_keys"))
	if float64(worst) > float64(limit)*1.01 {
		t.Errorf("used_memory %d more than 1%% over the limit %d", worst, limit)
	}
}

// Redis's maxmemory.tcl "only allkeys-* should remove non-volatile keys": with keys
// that have no TTL, volatile-* policies cannot free anything and writes get -OOM.
func TestMaxmemoryVolatileNeedsTTL(t *testing.T) {
	for _, policy := range []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "noeviction"} {
		t.Run(policy, func(t *testing.T) {
			_, tc := evictTestServer(t, policy, nil)
			limit := infoInt(t, tc, "used_memory") + 100*1024
			tc.do("CONFIG", "SET", "maxmemory", strconv.FormatInt(limit, 10))
			var err string
			for i := 0; i < 5000; i++ {
				if r := tc.do("SET", "key:"+strconv.Itoa(i), "x"); r != "OK" {
					err = r
					break
				}
			}
			if err != "-"+ErrOOM {
				t.Fatalf("got %q, want the OOM error", err)
			}
			if n := infoInt(t, tc, "evicted_keys"); n != 0 {
				t.Errorf("%d keys without TTL evicted", n)
			}
			// Well under what is used now: the cron shrinking a client buffer
			// must not bring used_memory back under the limit before the INCR
			// below (it did once on a loaded machine).
			tc.do("CONFIG", "SET", "maxmemory", strconv.FormatInt(limit/2, 10))
			// Reads and deletions still work; commands that are not denyoom too.
			if r := tc.do("GET", "key:1"); r != "x" {
				t.Errorf("GET: %q", r)
			}
			if r := tc.do("INCR", "newkey"); r != "-"+ErrOOM {
				t.Errorf("INCR: %q", r)
			}
			if r := tc.do("DEL", "key:1"); r != ":1" {
				t.Errorf("DEL: %q", r)
			}
			if r := tc.do("INFO", "errorstats"); !strings.Contains(r, "errorstat_OOM:count=") {
				t.Errorf("errorstats: %q", r)
			}
			// With room again, writes succeed.
			tc.do("CONFIG", "SET", "maxmemory", "0")
			if r := tc.do("SET", "after", "x"); r != "OK" {
				t.Errorf("SET after raising the limit: %q", r)
			}
		})
	}
}

// fillKeys writes n keys "key:i" holding 100 bytes, with a TTL of ttl(i) seconds
// when that is positive.
func fillKeys(t *testing.T, tc *testConn, n int, ttl func(i int) int) {
	val := strings.Repeat("v", 100)
	for i := 0; i < n; i++ {
		args := []string{"SET", "key:" + strconv.Itoa(i), val}
		if ttl != nil && ttl(i) > 0 {
			args = append(args, "EX", strconv.Itoa(ttl(i)))
		}
		if r := tc.do(args...); r != "OK" {
			t.Fatal(r)
		}
	}
}

// survivors reports which of keys 0..n-1 still exist.
func survivors(t *testing.T, tc *testConn, n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = tc.do("EXISTS", "key:"+strconv.Itoa(i)) == ":1"
	}
	return out
}

// shrinkTo sets maxmemory so that about frac of the data must go.
func shrinkTo(t *testing.T, s *Server, tc *testConn, frac float64) {
	var used, data int64
	evOnLoop(t, s, func() { used, data = s.memUsed(), s.evict.used })
	limit := used - int64(float64(data)*frac)
	if r := tc.do("CONFIG", "SET", "maxmemory", strconv.FormatInt(limit, 10)); r != "OK" {
		t.Fatal(r)
	}
}

// ageAll sets every key's LRU clock to secs seconds ago, as if nothing had touched
// them since (the LRU clock has a one-second resolution: this avoids sleeping).
func ageAll(t *testing.T, s *Server, secs uint32) {
	evOnLoop(t, s, func() {
		clock := (s.lruClock() - secs) & lruClockMax
		for _, db := range s.dbs {
			for _, d := range db.dicts {
				d.Each(func(r keyspace.Ref) bool {
					e := d.E(r)
					e.Meta = e.Meta&0xff | clock<<8
					return true
				})
			}
		}
	})
}

// allkeys-lru keeps the keys read recently far more than the untouched ones
// (statistically, as Redis's approximated LRU does with 5 samples and the pool).
func TestEvictAllkeysLRU(t *testing.T) {
	s, tc := evictTestServer(t, "allkeys-lru", nil)
	const n = 2000
	fillKeys(t, tc, n, nil)
	ageAll(t, s, 100)
	// Read the first quarter: they become the most recently used.
	for i := 0; i < n/4; i++ {
		tc.do("GET", "key:"+strconv.Itoa(i))
	}
	shrinkTo(t, s, tc, 0.5)
	alive := survivors(t, tc, n)
	hot, cold := 0, 0
	for i, ok := range alive {
		if ok && i < n/4 {
			hot++
		} else if ok {
			cold++
		}
	}
	t.Logf("survivors: %d/%d recently read, %d/%d untouched", hot, n/4, cold, 3*n/4)
	if hot < n/4*98/100 {
		t.Errorf("only %d of %d recently read keys survived", hot, n/4)
	}
	if infoInt(t, tc, "evicted_keys") < n/3 {
		t.Errorf("evicted_keys %d", infoInt(t, tc, "evicted_keys"))
	}
}

// The approximation keeps the ordering by idle time: with keys aged in ten steps,
// the oldest go first (a graded version of Redis's utils/lru test).
func TestEvictLRUOrder(t *testing.T) {
	s, tc := evictTestServer(t, "allkeys-lru", func(cfg *config.Config) { cfg.MaxMemorySamples = 10 })
	const n = 2000
	fillKeys(t, tc, n, nil)
	// key:i is 10*(10 - i*10/n) seconds idle: the lowest indexes are the oldest.
	evOnLoop(t, s, func() {
		for i := 0; i < n; i++ {
			e := s.dbs[0].lookup([]byte("key:" + strconv.Itoa(i)))
			age := uint32(10 * (10 - i*10/n))
			e.Meta = e.Meta&0xff | ((s.lruClock()-age)&lruClockMax)<<8
		}
	})
	shrinkTo(t, s, tc, 0.3)
	alive := survivors(t, tc, n)
	var perDecile [10]int
	for i, ok := range alive {
		if ok {
			perDecile[i*10/n]++
		}
	}
	t.Logf("survivors per age decile (oldest first): %v", perDecile)
	if perDecile[0] > n/10/4 || perDecile[9] < n/10*95/100 || perDecile[5] < n/10*9/10 {
		t.Errorf("eviction does not follow idle time: %v", perDecile)
	}
}

// allkeys-lfu keeps the keys accessed often.
func TestEvictAllkeysLFU(t *testing.T) {
	s, tc := evictTestServer(t, "allkeys-lfu", nil)
	const n = 2000
	fillKeys(t, tc, n, nil)
	for round := 0; round < 30; round++ {
		for i := 0; i < n/5; i++ {
			tc.do("GET", "key:"+strconv.Itoa(i))
		}
	}
	shrinkTo(t, s, tc, 0.5)
	alive := survivors(t, tc, n)
	hot := 0
	for i := 0; i < n/5; i++ {
		if alive[i] {
			hot++
		}
	}
	t.Logf("%d/%d frequently read keys survived", hot, n/5)
	if hot < n/5*98/100 {
		t.Errorf("only %d of %d frequently read keys survived", hot, n/5)
	}
}

// volatile-ttl evicts the keys closest to expiring first, and only keys with a TTL.
func TestEvictVolatileTTL(t *testing.T) {
	s, tc := evictTestServer(t, "volatile-ttl", func(cfg *config.Config) { cfg.MaxMemorySamples = 10 })
	const n = 2000
	// Even keys have TTLs from 1000 s (key:0) up; odd keys have none.
	val := strings.Repeat("v", 100)
	for i := 0; i < n; i++ {
		args := []string{"SET", "key:" + strconv.Itoa(i), val}
		if i%2 == 0 {
			args = append(args, "EX", strconv.Itoa(1000+i*10))
		}
		tc.do(args...)
	}
	shrinkTo(t, s, tc, 0.25)
	alive := survivors(t, tc, n)
	var quart [4]int
	for i, ok := range alive {
		if i%2 == 1 {
			if !ok {
				t.Fatalf("key:%d without TTL evicted", i)
			}
			continue
		}
		if ok {
			quart[i*4/n]++
		}
	}
	t.Logf("TTL keys surviving per quarter (shortest TTL first): %v of %d", quart, n/8)
	if quart[0] > n/8/4 || quart[3] < n/8*95/100 {
		t.Errorf("volatile-ttl does not follow the TTL: %v", quart)
	}
}

// volatile-random and volatile-lru/lfu never touch keys without a TTL.
func TestEvictVolatileOnlyTTLKeys(t *testing.T) {
	for _, policy := range []string{"volatile-random", "volatile-lru", "volatile-lfu"} {
		t.Run(policy, func(t *testing.T) {
			s, tc := evictTestServer(t, policy, nil)
			const n = 1000
			fillKeys(t, tc, n, func(i int) int {
				if i%2 == 0 {
					return 10000
				}
				return 0
			})
			shrinkTo(t, s, tc, 0.3)
			alive := survivors(t, tc, n)
			gone := 0
			for i, ok := range alive {
				if !ok && i%2 == 1 {
					t.Fatalf("key:%d without TTL evicted", i)
				}
				if !ok {
					gone++
				}
			}
			if gone < n/5 {
				t.Errorf("only %d keys evicted", gone)
			}
		})
	}
}

// allkeys-random evicts keys from every database, about evenly.
func TestEvictAllkeysRandomAcrossDBs(t *testing.T) {
	s, tc := evictTestServer(t, "allkeys-random", nil)
	val := strings.Repeat("v", 100)
	for db := 0; db < 4; db++ {
		tc.do("SELECT", strconv.Itoa(db))
		for i := 0; i < 500; i++ {
			tc.do("SET", "key:"+strconv.Itoa(i), val)
		}
	}
	shrinkTo(t, s, tc, 0.5)
	for db := 0; db < 4; db++ {
		tc.do("SELECT", strconv.Itoa(db))
		n, _ := strconv.Atoi(strings.TrimPrefix(tc.do("DBSIZE"), ":"))
		if n < 150 || n > 350 {
			t.Errorf("db %d has %d of 500 keys left", db, n)
		}
	}
}

// Evictions are propagated as DEL (UNLINK with lazyfree-lazy-eviction), notified as
// "evicted" keyspace events and signalled to watchers.
func TestEvictPropagatesAndNotifies(t *testing.T) {
	for _, lazy := range []bool{false, true} {
		l := newEvLocal(t, func(cfg *config.Config) {
			cfg.MaxMemoryPolicy = "allkeys-random"
			cfg.LazyfreeLazyEviction = lazy
		})
		s := l.s
		var props []string
		s.propagate = func(db int, argv [][]byte) {
			props = append(props, fmt.Sprintf("%d %s", db, bytes.Join(argv, []byte(" "))))
		}
		var events, modified []string
		s.onNotify = func(class NotifyClass, event string, key []byte, db int) {
			if class == NotifyEvicted {
				events = append(events, event+" "+string(key))
			}
		}
		s.onModified = append(s.onModified, func(db *DB, key []byte) { modified = append(modified, string(key)) })
		l.do("SET", "a", strings.Repeat("x", 100))
		l.do("SET", "b", strings.Repeat("x", 100))
		props = props[:0]
		modified = modified[:0]
		// Room for a single key.
		l.do("CONFIG", "SET", "maxmemory", strconv.FormatInt(s.memUsed()-50, 10))
		if s.stats.evictedKeys != 1 || len(events) != 1 || len(modified) != 1 || len(props) != 1 {
			t.Fatalf("evicted %d, events %v, modified %v, propagated %v", s.stats.evictedKeys, events, modified, props)
		}
		key := strings.TrimPrefix(events[0], "evicted ")
		want := "0 DEL " + key
		if lazy {
			want = "0 UNLINK " + key
		}
		if props[0] != want || modified[0] != key {
			t.Errorf("propagated %q, modified %q; want %q", props[0], modified[0], want)
		}
		checkAccounting(t, s)
	}
}

// CONFIG SET maxmemory below the current use evicts from a timer right after the
// command; with tenacity 0 a call evicts a few keys and the timer carries on until
// memory is within the limit.
func TestEvictTimeLimitedContinues(t *testing.T) {
	s, tc := evictTestServer(t, "allkeys-random", func(cfg *config.Config) { cfg.MaxMemoryEvictionTenacity = 0 })
	fillKeys(t, tc, 5000, nil)
	var limit int64
	evOnLoop(t, s, func() { limit = s.memUsed() - s.evict.used/2 })
	tc.do("CONFIG", "SET", "maxmemory", strconv.FormatInt(limit, 10))
	deadline := time.Now().Add(10 * time.Second)
	for {
		var used int64
		var running bool
		evOnLoop(t, s, func() { used, running = s.memUsed(), s.evict.procRunning })
		if used <= limit && !running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("used %d still over %d (timer running %v)", used, limit, running)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := infoInt(t, tc, "evicted_keys"); n < 2000 || n > 3000 {
		t.Errorf("evicted %d keys to free half of 5000", n)
	}
	if infoInt(t, tc, "current_eviction_exceeded_time") != 0 {
		t.Error("current_eviction_exceeded_time not reset once under the limit")
	}
}

func TestEvictionTimeLimit(t *testing.T) {
	s, _ := New(Options{})
	for _, tc := range []struct {
		tenacity int
		want     time.Duration
	}{
		{0, 0}, {1, 50 * time.Microsecond}, {10, 500 * time.Microsecond},
		{11, 575 * time.Microsecond}, {20, 2022 * time.Microsecond},
		{100, math.MaxInt64},
	} {
		s.cfg.MaxMemoryEvictionTenacity = tc.tenacity
		if got := s.evictionTimeLimit(); got != tc.want {
			t.Errorf("tenacity %d: %v, want %v", tc.tenacity, got, tc.want)
		}
	}
}

// The pool keeps the 16 best candidates in ascending order, dropping the worst.
func TestEvictionPoolOrder(t *testing.T) {
	l := newEvLocal(t, func(cfg *config.Config) {
		cfg.MaxMemoryPolicy = "volatile-ttl"
		cfg.MaxMemorySamples = 64
	})
	s := l.s
	for i := 0; i < 40; i++ {
		l.do("SET", "k"+strconv.Itoa(i), "v", "PXAT", strconv.Itoa(4102444800000+i))
	}
	for round := 0; round < 20; round++ {
		s.evictionPoolPopulate(0, s.dbs[0])
	}
	pool := &s.evict.pool
	for k := 0; k < evpoolSize; k++ {
		if !pool[k].set {
			t.Fatalf("slot %d empty", k)
		}
		if k > 0 && pool[k].idle < pool[k-1].idle {
			t.Fatalf("pool not ascending at %d", k)
		}
	}
	// With 64 samples of 40 keys, 20 times, the best is surely k0 (the soonest TTL).
	if got := string(pool[evpoolSize-1].key); got != "k0" {
		t.Errorf("best candidate %q, want k0", got)
	}
}

// OBJECT FREQ follows Redis's LFU counter: a new key starts at 5, its first access
// always increments it, and with lfu-log-factor 10 about a thousand accesses bring it
// near 18 (Redis's documented table: 100 hits → 10, 1000 → 18).
func TestLFUCounter(t *testing.T) {
	l := newEvLocal(t, func(cfg *config.Config) { cfg.MaxMemoryPolicy = "allkeys-lfu" })
	l.do("SET", "k", "v")
	if r := l.do("OBJECT", "FREQ", "k"); r != ":5" {
		t.Fatalf("new key: FREQ %s, want 5", r)
	}
	l.do("GET", "k")
	if r := l.do("OBJECT", "FREQ", "k"); r != ":6" {
		t.Fatalf("after one access: FREQ %s, want 6", r)
	}
	// The counter after N accesses, averaged over keys.
	for _, tc := range []struct{ n, lo, hi int }{{100, 8, 12}, {1000, 15, 21}} {
		sum := 0
		const keys = 20
		for k := 0; k < keys; k++ {
			key := fmt.Sprintf("k%d-%d", tc.n, k)
			l.do("SET", key, "v")
			for i := 0; i < tc.n-1; i++ {
				l.do("GET", key)
			}
			f, _ := strconv.Atoi(strings.TrimPrefix(l.do("OBJECT", "FREQ", key), ":"))
			sum += f
		}
		avg := float64(sum) / keys
		t.Logf("%d accesses: average counter %.1f", tc.n, avg)
		if avg < float64(tc.lo) || avg > float64(tc.hi) {
			t.Errorf("%d accesses: average counter %.1f, want %d..%d", tc.n, avg, tc.lo, tc.hi)
		}
	}
	// Decay: a counter loses one per lfu-decay-time minutes without access.
	s := l.s
	e := s.dbs[0].lookup([]byte("k"))
	e.Meta = e.Meta&0xff | ((s.lfuTimeInMinutes()-3)&0xffff)<<16 | 10<<8
	if r := l.do("OBJECT", "FREQ", "k"); r != ":7" {
		t.Errorf("counter 10 three minutes ago: FREQ %s, want 7", r)
	}
	// OBJECT FREQ does not count as an access.
	if r := l.do("OBJECT", "FREQ", "k"); r != ":7" {
		t.Errorf("FREQ changed by FREQ: %s", r)
	}
}

// Under an LRU policy (or none) touch stores the LRU clock and OBJECT FREQ is an
// error; IDLETIME is an error under LFU.
func TestLFUPolicySwitch(t *testing.T) {
	l := newEvLocal(t, nil)
	l.do("SET", "k", "v")
	if r := l.do("OBJECT", "FREQ", "k"); !strings.HasPrefix(r, "-ERR An LFU maxmemory policy is not selected") {
		t.Errorf("FREQ without LFU: %q", r)
	}
	l.do("CONFIG", "SET", "maxmemory-policy", "volatile-lfu")
	if !l.s.evict.lfu {
		t.Fatal("policy not applied")
	}
	if r := l.do("OBJECT", "IDLETIME", "k"); !strings.HasPrefix(r, "-ERR An LFU maxmemory policy is selected") {
		t.Errorf("IDLETIME with LFU: %q", r)
	}
	l.do("SET", "n", "v")
	if r := l.do("OBJECT", "FREQ", "n"); r != ":5" {
		t.Errorf("new key under volatile-lfu: FREQ %s", r)
	}
}

// INFO carries the memory and eviction fields with Redis's names.
func TestEvictInfoFields(t *testing.T) {
	l := newEvLocal(t, func(cfg *config.Config) {
		cfg.MaxMemory = 100 << 20
		cfg.MaxMemoryPolicy = "allkeys-lru"
	})
	info := l.do("INFO", "everything")
	for _, f := range []string{"used_memory:", "used_memory_human:", "used_memory_rss:",
		"used_memory_peak:", "used_memory_startup:", "maxmemory:104857600", "maxmemory_human:100.00M",
		"maxmemory_policy:allkeys-lru", "mem_not_counted_for_evict:0", "evicted_keys:0",
		"total_eviction_exceeded_time:0", "current_eviction_exceeded_time:0"} {
		if !strings.Contains(info, "\r\n"+f) {
			t.Errorf("INFO lacks %q", f)
		}
	}
}

// MEMORY USAGE and used_memory agree in direction: a big value shows in both.
func TestMemoryUsageAndUsedMemory(t *testing.T) {
	l := newEvLocal(t, nil)
	before := l.s.memUsed()
	l.do("SET", "big", strings.Repeat("x", 100000))
	grew := l.s.memUsed() - before
	usage, _ := strconv.Atoi(strings.TrimPrefix(l.do("MEMORY", "USAGE", "big"), ":"))
	if grew < 100000 || usage < 100000 {
		t.Errorf("used_memory grew %d, MEMORY USAGE %d", grew, usage)
	}
}

// Eviction holds while clients are paused (Redis's isSafeToPerformEvictions), and
// so does the OOM error.
func TestEvictPausedClients(t *testing.T) {
	l := newEvLocal(t, func(cfg *config.Config) { cfg.MaxMemoryPolicy = "noeviction" })
	l.do("SET", "a", strings.Repeat("x", 1000))
	l.s.cfg.MaxMemory = l.s.memUsed() - 100
	l.s.Pause(10000, true)
	if r := l.do("GET", "a"); r == "-"+ErrOOM {
		t.Error("OOM while paused")
	}
	l.s.Unpause()
	if r := l.do("SET", "b", "x"); r != "-"+ErrOOM {
		t.Errorf("SET over the limit: %q", r)
	}
}

// BenchmarkEviction measures SET with maxmemory reached: one eviction per write.
func BenchmarkEviction(b *testing.B) {
	for _, policy := range []string{"none", "allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-ttl"} {
		b.Run(policy, func(b *testing.B) {
			// "none": the same writes without maxmemory, for reference.
			l := newEvLocal(b, func(cfg *config.Config) {
				if policy != "none" {
					cfg.MaxMemoryPolicy = policy
				}
			})
			for i := 0; i < 100000; i++ {
				l.do("SET", "key:"+strconv.Itoa(i), "xxxxxxxxxx", "EX", "100000")
			}
			if policy != "none" {
				l.s.cfg.MaxMemory = l.s.memUsed()
			}
			// Each write creates a new key: "new:" and ten digits rewritten in place.
			buf := pipeline(1, "SET", "new:0000000000", "xxxxxxxxxx", "EX", "100000")
			at := bytes.Index(buf, []byte("new:")) + 4
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				n := i
				for j := at + 9; j >= at; j-- {
					buf[j] = byte('0' + n%10)
					n /= 10
				}
				l.s.processInput(l.c, buf)
				l.c.out = l.c.out[:0]
				l.s.pendingWrite = l.s.pendingWrite[:0]
				l.c.flags &^= flagPendingWrite
			}
		})
	}
}

// maxmemory-clients closes the biggest clients when all of them together use too
// much, but never one that ran CLIENT NO-EVICT ON.
func TestClientEviction(t *testing.T) {
	_, addr := startTestServer(t, func(cfg *config.Config) { cfg.MaxMemoryClients = 1 << 20 })
	admin := dialTest(t, addr)
	protected := dialTest(t, addr)
	if r := protected.do("CLIENT", "NO-EVICT", "ON"); r != "OK" {
		t.Fatal(r)
	}
	victim := dialTest(t, addr)
	victim.do("PING")
	// Half-sent requests announcing 700 KB each: a bulk counts whole once its
	// length is read (Redis allocates it then), so one fits and two do not.
	const bulk = 700000
	chunk := strings.Repeat("x", 600<<10)
	protected.raw("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$700000\r\n" + chunk)
	time.Sleep(200 * time.Millisecond)
	if n := infoInt(t, admin, "evicted_clients"); n != 0 {
		t.Fatalf("evicted %d clients under the limit", n)
	}
	// The server may evict the victim as soon as the length is read, while the
	// rest of its write is still on the way: a reset is then what it sees.
	victim.c.Write([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$700000\r\n" + chunk))
	deadline := time.Now().Add(5 * time.Second)
	for infoInt(t, admin, "evicted_clients") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no client evicted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	victim.c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := victim.rd.ReadByte(); err == nil {
		t.Error("evicted client still connected")
	}
	// The protected client finishes its request.
	protected.raw(strings.Repeat("y", bulk-len(chunk)) + "\r\n")
	if r := protected.read(); r != "OK" {
		t.Errorf("protected client: %q", r)
	}
}

// In cluster mode a database is one dict per slot: sampling finds the slots that hold
// keys, and the limit holds as in standalone mode.
func TestEvictClusterMode(t *testing.T) {
	for _, policy := range []string{"allkeys-lru", "volatile-ttl", "allkeys-random"} {
		t.Run(policy, func(t *testing.T) {
			l := newEvLocal(t, func(cfg *config.Config) {
				cfg.ClusterEnabled = true
				cfg.MaxMemoryPolicy = policy
				cfg.MaxMemoryEvictionTenacity = 100 // no timer here to carry on
			})
			s := l.s
			for i := 0; i < 2000; i++ {
				l.do("SET", "{tag"+strconv.Itoa(i%7)+"}:"+strconv.Itoa(i), strings.Repeat("v", 100), "EX", "10000")
			}
			s.cfg.MaxMemory = s.memUsed() - s.evict.used/2
			l.do("SET", "{tag1}:new", "v", "EX", "10000")
			if s.memUsed() > s.cfg.MaxMemory+200 { // evictions come before the write
				t.Errorf("used %d over the limit %d", s.memUsed(), s.cfg.MaxMemory)
			}
			if n := s.dbs[0].Len(); n < 900 || n > 1100 {
				t.Errorf("%d keys left of 2001", n)
			}
			checkAccounting(t, s)
		})
	}
}

// A client served by BLPOP when another pushes changes the list outside its own
// command: the accounting follows.
func TestAccountingBlockedServe(t *testing.T) {
	s, addr := startTestServer(t, nil)
	blocked := dialTest(t, addr)
	pusher := dialTest(t, addr)
	pusher.do("RPUSH", "l", strings.Repeat("a", 200), strings.Repeat("b", 200))
	pusher.do("DEL", "l")
	blocked.raw("*3\r\n$5\r\nBLPOP\r\n$1\r\nl\r\n$1\r\n0\r\n")
	time.Sleep(50 * time.Millisecond)
	pusher.do("RPUSH", "l", strings.Repeat("a", 200), strings.Repeat("b", 200))
	if r := blocked.read(); !strings.HasPrefix(r, "[l a") {
		t.Fatalf("BLPOP: %q", r)
	}
	evOnLoop(t, s, func() { checkAccounting(t, s) })
}
