package engine

// Client memory accounting and maxmemory-clients (client_evict.go), most of it
// checked against a real redis-server 7.0 running the same scenario: Redis's
// unit/client-eviction and unit/maxmemory, scaled down.

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/internal/testutil"
)

// Redis's getMemUsageBucket: log2 buckets, the first up to 32 KB, the last from 4 GB.
func TestClientMemBucketIdx(t *testing.T) {
	for _, tt := range []struct {
		mem  int64
		want int
	}{
		{-1, 0}, {0, 0}, {1, 0}, {32767, 0}, {32768, 1}, {65535, 1}, {65536, 2},
		{1 << 20, 6}, {3 << 20, 7}, {1<<32 - 1, 17}, {1 << 32, 18}, {1 << 50, 18},
	} {
		if got := clientMemBucketIdx(tt.mem); got != tt.want {
			t.Errorf("bucket(%d) = %d, want %d", tt.mem, got, tt.want)
		}
	}
}

// evictSide is one server of a differential client-eviction scenario.
type evictSide struct {
	name string
	addr string
}

// bothServers starts redis-server and an in-process keygrid with the same settings.
func bothServers(t *testing.T, mutate func(*config.Config), redisArgs ...string) []evictSide {
	t.Helper()
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	ref := testutil.StartRedis(t, redisArgs...)
	_, addr := startTestServer(t, func(c *config.Config) {
		c.Save = nil
		if mutate != nil {
			mutate(c)
		}
	})
	return []evictSide{{"redis-server", ref.Addr()}, {"keygrid", addr}}
}

// connectedNames lists the names of the clients in CLIENT LIST, sorted.
func connectedNames(list string) []string {
	var names []string
	for _, line := range strings.Split(list, "\n") {
		for _, f := range strings.Fields(line) {
			if n, ok := strings.CutPrefix(f, "name="); ok && n != "" {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	return names
}

// halfSend opens a client named name that sends a request announcing a bulk of size
// bytes and all of it but the final CRLF, so that its query buffer holds size bytes.
func halfSend(t *testing.T, addr, name string, size int) *testConn {
	t.Helper()
	c := dialTest(t, addr)
	if got := c.do("CLIENT", "SETNAME", name); got != "OK" {
		t.Fatalf("SETNAME: %q", got)
	}
	c.raw("*2\r\n$" + strconv.Itoa(size) + "\r\n" + strings.Repeat("v", size))
	return c
}

// waitQbuf waits until the client named name holds at least n bytes in its query
// buffer (as CLIENT LIST qbuf shows: the bulk being read, without what was parsed).
func waitQbuf(t *testing.T, ctl *testConn, name string, n int64) {
	t.Helper()
	testutil.WaitFor(t, 20*time.Second, func() bool {
		list := ctl.do("CLIENT", "LIST")
		if !strings.Contains(list, " name="+name+" ") {
			return false
		}
		return clientField(t, list, name, "qbuf") >= n
	}, "query buffer of "+name+" not filled")
}

// Clients are evicted from the biggest down (unit/client-eviction "evict clients in
// right order (large to small)"): lowering maxmemory-clients step by step closes
// the clients of one size at a time, on both servers.
func TestClientEvictionLargestFirstVsRedis(t *testing.T) {
	sizes := []int{128 << 10, 1 << 20, 3 << 20}
	for _, side := range bothServers(t, nil) {
		t.Run(side.name, func(t *testing.T) {
			ctl := dialTest(t, side.addr)
			ctl.do("CLIENT", "SETNAME", "control")
			ctl.do("CLIENT", "NO-EVICT", "on")
			ctl.do("CONFIG", "SET", "maxmemory-clients", "0")
			mem := make([]int64, len(sizes)) // tot-mem of a client of each size
			for i, size := range sizes {
				for j := range 2 {
					name := "c" + strconv.Itoa(i) + "-" + strconv.Itoa(j)
					halfSend(t, side.addr, name, size)
					waitQbuf(t, ctl, name, int64(size))
					m := clientField(t, ctl.do("CLIENT", "LIST"), name, "tot-mem")
					if m < int64(size) {
						t.Fatalf("%s: tot-mem %d below its %d bytes of query buffer", name, m, size)
					}
					mem[i] = max(mem[i], m)
				}
			}
			for i := len(sizes) - 1; i >= 0; i-- {
				// Room for the smaller clients and the control one, and less than
				// one more client of this size.
				var rest int64
				for k := range i {
					rest += 2 * mem[k]
				}
				ctlMem := clientField(t, ctl.do("CLIENT", "LIST"), "control", "tot-mem")
				limit := rest + ctlMem + mem[i]/2
				if got := ctl.do("CONFIG", "SET", "maxmemory-clients", strconv.FormatInt(limit, 10)); got != "OK" {
					t.Fatal(got)
				}
				want := []string{"control"}
				for k := range i {
					want = append(want, "c"+strconv.Itoa(k)+"-0", "c"+strconv.Itoa(k)+"-1")
				}
				slices.Sort(want)
				list := ctl.do("CLIENT", "LIST")
				if got := connectedNames(list); !slices.Equal(got, want) {
					t.Fatalf("limit %d: connected %v, want %v:\n%s", limit, got, want, list)
				}
			}
			if n := infoInt(t, ctl, "evicted_clients"); n != 6 {
				t.Errorf("evicted_clients = %d, want 6", n)
			}
		})
	}
}

// A client closed for its output buffer limit does not count towards
// maxmemory-clients when the next client runs a command in the same event loop
// iteration (unit/client-eviction "avoid client eviction when client is freed by
// output buffer limit"; Redis frees it before reading from the next client). DEBUG
// SLEEP holds the loop while both requests arrive.
func TestClientEvictionObufLimitFirstVsRedis(t *testing.T) {
	const (
		limit   = 4 << 20
		obufMax = 1 << 20
		keySize = obufMax + 512<<10
	)
	sides := bothServers(t, func(c *config.Config) { c.EnableDebugCommand = "yes" },
		"--enable-debug-command", "yes")
	for _, side := range sides {
		t.Run(side.name, func(t *testing.T) {
			ctl := dialTest(t, side.addr)
			ctl.do("CLIENT", "NO-EVICT", "on")
			ctl.do("CONFIG", "SET", "maxmemory-clients", strconv.Itoa(limit))
			ctl.do("CONFIG", "SET", "client-output-buffer-limit", "normal "+strconv.Itoa(obufMax)+" 0 0")
			ctl.do("SETRANGE", "k", strconv.Itoa(keySize-1), "v")
			qsize := limit - keySize + 128<<10 // with one reply, over the limit
			halfSend(t, side.addr, "qbuf", qsize)
			waitQbuf(t, ctl, "qbuf", int64(qsize))
			o1, o2 := dialTest(t, side.addr), dialTest(t, side.addr)
			o1.do("CLIENT", "SETNAME", "obuf1")
			o2.do("CLIENT", "SETNAME", "obuf2")
			ctl.raw("*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$3\r\n0.5\r\n")
			time.Sleep(100 * time.Millisecond) // the server is asleep: both GETs wait together
			o1.raw("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
			o2.raw("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
			if got := ctl.read(); got != "OK" {
				t.Fatalf("DEBUG SLEEP: %q", got)
			}
			testutil.WaitFor(t, 10*time.Second, func() bool {
				names := connectedNames(ctl.do("CLIENT", "LIST"))
				return !slices.Contains(names, "obuf1") && !slices.Contains(names, "obuf2")
			}, "clients over their output limit still connected")
			if names := connectedNames(ctl.do("CLIENT", "LIST")); !slices.Contains(names, "qbuf") {
				t.Errorf("the query-buffer client was evicted: %v", names)
			}
			if n := infoInt(t, ctl, "evicted_clients"); n != 0 {
				t.Errorf("evicted_clients = %d, want 0", n)
			}
		})
	}
}

// DEBUG REPLYBUFFER replies as Redis's, errors included.
func TestDebugReplyBufferVsRedis(t *testing.T) {
	sides := bothServers(t, func(c *config.Config) { c.EnableDebugCommand = "yes" },
		"--enable-debug-command", "yes")
	cmds := [][]string{
		{"DEBUG", "REPLYBUFFER", "RESIZING", "0"},
		{"DEBUG", "REPLYBUFFER", "resizing", "1"},
		{"DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "never"},
		{"DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "RESET"},
		{"DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "100"},
		{"DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "abc"},
		{"DEBUG", "REPLYBUFFER", "bogus", "1"},
		{"DEBUG", "REPLYBUFFER", "resizing"},
		{"DEBUG", "REPLYBUFFER", "resizing", "1", "2"},
		{"DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "reset"},
	}
	a, b := dialTest(t, sides[0].addr), dialTest(t, sides[1].addr)
	for _, cmd := range cmds {
		if ra, rb := a.do(cmd...), b.do(cmd...); ra != rb {
			t.Errorf("%q: redis-server %q, keygrid %q", cmd, ra, rb)
		}
	}
}

// A request in part counts its complete arguments in argv-mem and only the bulk
// being read in qbuf, as Redis's CLIENT LIST shows it; tot-mem counts what the
// bulk will need (Redis allocates it whole when its length arrives).
func TestClientListPartialRequest(t *testing.T) {
	_, addr := startTestServer(t, nil)
	ctl := dialTest(t, addr)
	c := dialTest(t, addr)
	c.do("CLIENT", "SETNAME", "part")
	c.raw("*3\r\n$3\r\nSET\r\n$5\r\nmykey\r\n$100000\r\n" + strings.Repeat("v", 1000))
	waitQbuf(t, ctl, "part", 1000)
	list := ctl.do("CLIENT", "LIST")
	if got := clientField(t, list, "part", "qbuf"); got != 1000 {
		t.Errorf("qbuf = %d, want the 1000 bytes of the bulk read so far:\n%s", got, list)
	}
	if got := clientField(t, list, "part", "argv-mem"); got != 8 {
		t.Errorf("argv-mem = %d, want 8 (SET and mykey):\n%s", got, list)
	}
	if got := clientField(t, list, "part", "tot-mem"); got < 100000 {
		t.Errorf("tot-mem = %d, want the 100000-byte bulk counted:\n%s", got, list)
	}
	c.raw(strings.Repeat("v", 99000) + "\r\n")
	if got := c.read(); got != "OK" {
		t.Fatalf("SET: %q", got)
	}
}

// INFO mem_clients_normal follows the clients' buffers, and a closed client's
// memory is gone at once from used_memory (Redis's freeClient).
func TestClientMemInInfo(t *testing.T) {
	s, addr := startTestServer(t, func(c *config.Config) { c.MaxMemoryClients = 64 << 20 })
	ctl := dialTest(t, addr)
	info := func(field string) int64 { return infoInt(t, ctl, field) }
	before := info("mem_clients_normal")
	c := halfSend(t, addr, "big", 2<<20)
	waitQbuf(t, ctl, "big", 2<<20)
	if got := info("mem_clients_normal"); got < before+2<<20 {
		t.Errorf("mem_clients_normal %d, want at least %d + 2 MB", got, before)
	}
	used := info("used_memory")
	c.c.Close()
	testutil.WaitFor(t, 10*time.Second, func() bool {
		return !strings.Contains(ctl.do("CLIENT", "LIST"), "name=big")
	}, "closed client still listed")
	if got := info("used_memory"); got > used-2<<20 {
		t.Errorf("used_memory %d after the client left, was %d", got, used)
	}
	evOnLoop(t, s, func() {
		var sum int64
		for _, c := range s.clients {
			sum += c.memLast
		}
		if got := s.clientsMem(); got != sum {
			t.Errorf("clients' memory total %d, sum of the clients' %d", got, sum)
		}
	})
}

// Key eviction's tracking invalidations do not evict more keys once written
// (unit/maxmemory "client tracking don't cause eviction feedback loop"): a reply
// buffer's spare capacity kept after a write is not counted.
func TestEvictionTrackingNoFeedback(t *testing.T) {
	_, addr := startTestServer(t, func(c *config.Config) {
		c.MaxMemoryPolicy = "allkeys-lru"
		c.MaxMemoryEvictionTenacity = 100
	})
	ctl := dialTest(t, addr)
	var trackers []*testConn
	for range 10 {
		c := dialTest(t, addr)
		c.do("HELLO", "3")
		c.do("CLIENT", "TRACKING", "on")
		trackers = append(trackers, c)
	}
	for j := range 300 {
		key := strconv.Itoa(j) + strings.Repeat("x", 1000)
		ctl.do("SET", key, "x")
		for _, c := range trackers {
			c.do("GET", key)
		}
	}
	used := infoInt(t, ctl, "used_memory")
	ctl.do("CONFIG", "SET", "maxmemory", strconv.FormatInt(used-40000, 10))
	evicted := infoInt(t, ctl, "evicted_keys")
	n, _ := strconv.Atoi(strings.TrimPrefix(ctl.do("DBSIZE"), ":"))
	if n < 200 || n > 300 || evicted < 10 || evicted > 50 {
		t.Errorf("%d keys left, %d evicted: want 200-300 left and 10-50 evicted", n, evicted)
	}
}
