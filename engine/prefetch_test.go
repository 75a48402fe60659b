package engine

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/internal/testutil"
)

// newLoopClient is a server and a client not attached to a socket: requests go
// straight to processInput, as in the benchmarks.
func newLoopClient(t testing.TB) (*Server, *Client) {
	t.Helper()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := &Client{srv: s, fd: -1, id: 1, db: s.dbs[0], proto: 2, flags: flagAuthenticated}
	c.req.MaxBulk = s.cfg.ProtoMaxBulkLen
	c.req.Reset()
	return s, c
}

// withPrefetchMinKeys sets the lookahead threshold for the rest of the test.
func withPrefetchMinKeys(t testing.TB, n int) {
	old := prefetchMinKeys
	prefetchMinKeys = n
	t.Cleanup(func() { prefetchMinKeys = old })
}

func cmds(args ...[]string) []byte {
	var b []byte
	for _, a := range args {
		b = resp.AppendCommand(b, a...)
	}
	return b
}

// TestPrefetchAheadWindow checks what one lookahead covers: whole requests only, at
// least two of them, at most prefetchWindow, ending at anything it cannot read.
func TestPrefetchAheadWindow(t *testing.T) {
	s, c := newLoopClient(t)
	s.processInput(c, cmds([]string{"MSET", "a", "1", "b", "2", "c", "3"}))
	get := func(k string) []string { return []string{"GET", k} }
	two := cmds(get("a"), get("b"))
	many := cmds(get("a"), get("b"), get("c"), get("a"), get("b"), get("c"), get("a"), get("b"),
		get("c"), get("a"), get("b"), get("c"), get("a"), get("b"), get("c"), get("a"))
	if n := len(cmds(get("a"))); len(many) != 16*n {
		t.Fatalf("test setup: %d bytes", len(many))
	}
	for _, tc := range []struct {
		name string
		buf  []byte
		want int
	}{
		{"two requests", two, len(two)},
		{"one request", cmds(get("a")), 0},
		{"one request and a partial one", append(cmds(get("a")), "*2\r\n$3\r\nGET\r\n$1\r"...), 0},
		{"two and a partial", append(append([]byte{}, two...), "*2\r\n$3\r\nGET\r\n$1"...), len(two)},
		{"partial bulk", append(append([]byte{}, two...), "*2\r\n$3\r\nGET\r\n$10\r\nab\r\n"...), len(two)},
		{"inline first", append([]byte("GET a\r\n"), two...), 0},
		{"inline after two", append(append([]byte{}, two...), "GET a\r\nGET b\r\n"...), len(two)},
		{"window of sixteen", append(append([]byte{}, many...), two...), len(many)},
		{"bad bulk header", append(append([]byte{}, two...), "*2\r\n$3\r\nGET\r\n$x\r\na\r\n"...), len(two)},
		{"missing dollar", append(append([]byte{}, two...), "*2\r\n$3\r\nGET\r\n:1\r\na\r\n"...), len(two)},
		{"negative count", append(append([]byte{}, two...), "*-1\r\n"...), len(two)},
		{"no keys (PING)", cmds([]string{"PING"}, []string{"PING"}, []string{"PING"}), 0},
		{"keys of MGET", cmds([]string{"MGET", "a", "b", "c"}, []string{"PING"}), len(cmds([]string{"MGET", "a", "b", "c"}, []string{"PING"}))},
		{"EVAL keys are not looked at", cmds([]string{"EVAL", "return 1", "1", "a"}, []string{"EVAL", "return 1", "1", "b"}), 0},
		{"absent keys still count", cmds(get("x"), get("y")), len(cmds(get("x"), get("y")))},
	} {
		if got := s.prefetchAhead(c, tc.buf); got != tc.want {
			t.Errorf("%s: covered %d bytes, want %d", tc.name, got, tc.want)
		}
		if s.prefetch != nil && s.prefetch.Len() != 0 {
			t.Errorf("%s: %d keys left in the batch", tc.name, s.prefetch.Len())
		}
	}
	// An empty database has nothing to load: no window.
	c.db = s.dbs[1]
	if got := s.prefetchAhead(c, two); got != 0 {
		t.Errorf("empty db: covered %d bytes, want 0", got)
	}
}

// prefetchGen writes random pipelines of many kinds of requests over a small set of
// keys: reads, writes, multi-key commands, transactions, SELECT, scripts, containers,
// inline requests, errors.
type prefetchGen struct {
	rng  *rand.Rand
	keys int
}

func (g *prefetchGen) key() string { return "key:" + strconv.Itoa(g.rng.IntN(g.keys)) }

func (g *prefetchGen) request() []byte {
	k := g.key()
	switch g.rng.IntN(24) {
	case 0, 1, 2, 3:
		return cmds([]string{"GET", k})
	case 4, 5:
		return cmds([]string{"SET", k, "v" + strconv.Itoa(g.rng.IntN(1000))})
	case 6:
		return cmds([]string{"MGET", k, g.key(), g.key()})
	case 7:
		return cmds([]string{"MSET", k, "m", g.key(), "n"})
	case 8:
		return cmds([]string{"DEL", k, g.key()})
	case 9:
		return cmds([]string{"INCR", "n:" + k}) // own names: INCR of a "v.." value is an error
	case 10:
		return cmds([]string{"EXISTS", k, g.key()})
	case 11:
		return cmds([]string{"HSET", "h:" + k, "f", "x"}, []string{"HGET", "h:" + k, "f"})
	case 12:
		return cmds([]string{"LPUSH", "l:" + k, "a"}, []string{"LRANGE", "l:" + k, "0", "2"})
	case 13:
		return cmds([]string{"MULTI"}, []string{"GET", k}, []string{"SET", k, "tx"}, []string{"INCR", "n:" + k}, []string{"EXEC"})
	case 14:
		return cmds([]string{"MULTI"}, []string{"SET", k, "gone"}, []string{"DISCARD"})
	case 15:
		return cmds([]string{"SELECT", "1"}, []string{"SET", k, "db1"}, []string{"GET", k}, []string{"SELECT", "0"})
	case 16:
		return cmds([]string{"EVAL", "return redis.call('GET', KEYS[1])", "1", k})
	case 17:
		return cmds([]string{"STRLEN", k}, []string{"APPEND", k, "+"})
	case 18:
		return []byte("GET " + k + "\r\n") // inline
	case 19:
		return cmds([]string{"GET"}) // arity error
	case 20:
		return cmds([]string{"OBJECT", "ENCODING", k}, []string{"TYPE", k})
	case 21:
		return cmds([]string{"PING"}, []string{"ECHO", k})
	case 22:
		return cmds([]string{"EXPIRE", k, "1000"}, []string{"TTL", k}, []string{"PERSIST", k})
	default:
		return cmds([]string{"GETSET", k, "gs"}, []string{"GETDEL", g.key()})
	}
}

// feed hands data to processInput in random chunks, keeping what a chunk left
// incomplete for the next one, as onReadable does with a client's query buffer.
func feed(s *Server, c *Client, data []byte, rng *rand.Rand) {
	var pending []byte
	for len(data) > 0 {
		n := min(len(data), 1+rng.IntN(300))
		pending = append(pending, data[:n]...)
		data = data[n:]
		used := s.processInput(c, pending)
		pending = append([]byte(nil), pending[used:]...)
	}
	if len(pending) > 0 {
		panic(fmt.Sprintf("%d bytes left unparsed", len(pending)))
	}
}

// TestPrefetchPipelinesSameReplies runs the same random pipelines, split at random
// points, through a server that looks ahead before every batch and one that never
// does: every reply and the final data must be the same.
func TestPrefetchPipelinesSameReplies(t *testing.T) {
	withPrefetchMinKeys(t, 0)
	on, con := newLoopClient(t)
	off, coff := newLoopClient(t)
	var load []byte
	for i := 0; i < 500; i++ {
		load = append(load, cmds([]string{"SET", "key:" + strconv.Itoa(i), "init" + strconv.Itoa(i)})...)
	}
	gen := &prefetchGen{rng: rand.New(rand.NewPCG(7, 11)), keys: 600}
	var data []byte
	for i := 0; i < 20000; i++ {
		data = append(data, gen.request()...)
	}
	for i := 0; i < 600; i++ {
		data = append(data, cmds([]string{"GET", "key:" + strconv.Itoa(i)}, []string{"SELECT", "1"},
			[]string{"GET", "key:" + strconv.Itoa(i)}, []string{"SELECT", "0"})...)
	}
	run := func(s *Server, c *Client, minKeys int, seed uint64) []byte {
		prefetchMinKeys = minKeys
		feed(s, c, load, rand.New(rand.NewPCG(seed, 1)))
		feed(s, c, data, rand.New(rand.NewPCG(seed, 2)))
		return c.out
	}
	got := run(on, con, 0, 1)
	want := run(off, coff, 1<<62, 2) // other split points: the split must not matter either
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("replies differ at byte %d of %d/%d:\nlookahead: %q\nwithout:   %q",
			i, len(got), len(want), got[max(0, i-80):min(len(got), i+80)], want[max(0, i-80):min(len(want), i+80)])
	}
	if on.prefetch == nil || on.prefetch.Runs() < 1000 || off.prefetch != nil && off.prefetch.Runs() != 0 {
		t.Fatalf("lookahead batches: %v with, %v without", on.prefetch, off.prefetch)
	}
	t.Logf("%d lookahead batches", on.prefetch.Runs())
	if on.dbs[0].Len() != off.dbs[0].Len() || on.dbs[1].Len() != off.dbs[1].Len() {
		t.Fatalf("key counts differ: %d/%d vs %d/%d", on.dbs[0].Len(), on.dbs[1].Len(), off.dbs[0].Len(), off.dbs[1].Len())
	}
}

// TestPrefetchPipelinesVsRedis sends random pipelines in random pieces to keygrid
// holding enough keys for the lookahead to run (over TCP, so the query-buffer path
// of partial requests is exercised too) and to redis-server with the same data; the
// replies must be byte for byte the same.
func TestPrefetchPipelinesVsRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("loads prefetchMinKeys keys into two servers")
	}
	kg := testutil.StartKeygrid(t, "--enable-debug-command", "yes")
	rd := testutil.StartRedis(t, "--enable-debug-command", "yes")
	nkeys := prefetchMinKeys + 50_000 // the binary's threshold is the package's

	var conns []*testutil.Conn
	for _, srv := range []*testutil.Server{kg, rd} {
		conn, err := testutil.Dial(srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		conn.SetTimeout(60 * time.Second)
		if r, err := conn.Do("DEBUG", "POPULATE", strconv.Itoa(nkeys)); err != nil || string(r) != "+OK\r\n" {
			t.Fatalf("DEBUG POPULATE: %q %v", r, err)
		}
		conns = append(conns, conn)
	}
	gen := &prefetchGen{rng: rand.New(rand.NewPCG(3, 5)), keys: nkeys + 1000}
	rng := rand.New(rand.NewPCG(9, 9))
	for round := 0; round < 40; round++ {
		var data []byte
		nreq := 0
		for i := 0; i < 200; i++ {
			r := gen.request()
			data = append(data, r...)
			nreq += countRequests(t, r)
		}
		// The same pieces to both servers.
		var cuts []int
		for at := 0; at < len(data); {
			at = min(len(data), at+1+rng.IntN(2000))
			cuts = append(cuts, at)
		}
		var replies [2][]byte
		for i, conn := range conns {
			prev := 0
			for _, at := range cuts {
				if err := conn.Send(data[prev:at]); err != nil {
					t.Fatal(err)
				}
				prev = at
			}
			for j := 0; j < nreq; j++ {
				r, err := conn.ReadReply()
				if err != nil {
					t.Fatalf("round %d, server %d, reply %d of %d: %v", round, i, j, nreq, err)
				}
				replies[i] = append(replies[i], r...)
			}
		}
		if !bytes.Equal(replies[0], replies[1]) {
			a, b := replies[0], replies[1]
			i := 0
			for i < len(a) && i < len(b) && a[i] == b[i] {
				i++
			}
			t.Fatalf("round %d: replies differ at byte %d:\nkeygrid: %q\nredis:   %q",
				round, i, a[max(0, i-80):min(len(a), i+80)], b[max(0, i-80):min(len(b), i+80)])
		}
	}
}

// countRequests counts the requests (multibulk or inline) in data.
func countRequests(t *testing.T, data []byte) int {
	var r resp.Request
	r.MaxBulk = 1 << 30
	r.Reset()
	n := 0
	for len(data) > 0 {
		used, _, err := r.Parse(data)
		if err != nil || used == 0 {
			t.Fatalf("test generator wrote a bad request: %q (%v)", data, err)
		}
		data = data[used:]
		n++
	}
	return n
}
