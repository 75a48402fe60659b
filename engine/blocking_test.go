package engine

// Tests of the blocking-operations registry (blocking.go) with the list commands,
// over real connections to an in-process server: FIFO service, timeouts and their
// precision, disconnects, BLMOVE chains, CLIENT UNBLOCK, requests pipelined behind a
// blocked one, propagation of what served clients did, INFO and CLIENT LIST.

import (
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/resp"
)

// bsend sends a command without reading its reply.
func bsend(tc *testConn, args ...string) {
	tc.t.Helper()
	var b []byte
	b = resp.AppendArray(b, len(args))
	for _, a := range args {
		b = resp.AppendBulkString(b, a)
	}
	if _, err := tc.c.Write(b); err != nil {
		tc.t.Fatal(err)
	}
}

// bread reads one reply, failing after d.
func bread(tc *testConn, d time.Duration) string {
	tc.t.Helper()
	tc.c.SetReadDeadline(time.Now().Add(d))
	s, err := readReply(tc.rd)
	if err != nil {
		tc.t.Fatalf("reading reply: %v", err)
	}
	return s
}

// bnone checks that no reply arrives within d.
func bnone(tc *testConn, d time.Duration) {
	tc.t.Helper()
	tc.c.SetReadDeadline(time.Now().Add(d))
	s, err := readReply(tc.rd)
	var ne net.Error
	if err == nil {
		tc.t.Fatalf("unexpected reply %q", s)
	}
	if !errors.As(err, &ne) || !ne.Timeout() {
		tc.t.Fatalf("reading: %v", err)
	}
	tc.c.SetReadDeadline(time.Time{})
}

// waitBlocked polls INFO until n clients are blocked.
func waitBlocked(t *testing.T, ctl *testConn, n int) {
	t.Helper()
	want := "blocked_clients:" + itoa(int64(n))
	deadline := time.Now().Add(5 * time.Second)
	for {
		info := ctl.do("INFO", "clients")
		if strings.Contains(info, want+"\r\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s:\n%s", want, info)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// capturePropagation installs a propagate hook on the running server and returns a
// function that reads what it received so far.
func capturePropagation(t *testing.T, s *Server) func() []string {
	var mu sync.Mutex
	var got []string
	done := make(chan struct{})
	s.Submit(func() {
		s.propagate = func(db int, argv [][]byte) {
			parts := make([]string, len(argv))
			for i, a := range argv {
				parts[i] = string(a)
			}
			mu.Lock()
			got = append(got, strings.Join(parts, " "))
			mu.Unlock()
		}
		close(done)
	})
	<-done
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

func TestBlockingFIFO(t *testing.T) {
	_, addr := startTestServer(t, nil)
	ctl := dialTest(t, addr)
	c1, c2, c3 := dialTest(t, addr), dialTest(t, addr), dialTest(t, addr)
	bsend(c1, "BLPOP", "q", "0")
	waitBlocked(t, ctl, 1)
	bsend(c2, "BLPOP", "q", "other", "0")
	waitBlocked(t, ctl, 2)
	bsend(c3, "BRPOP", "q", "0")
	waitBlocked(t, ctl, 3)
	// One element: only the first waiter is served.
	if got := ctl.do("RPUSH", "q", "a"); got != ":1" {
		t.Fatal(got)
	}
	if got := bread(c1, time.Second); got != "[q a]" {
		t.Fatalf("c1: %s", got)
	}
	bnone(c2, 30*time.Millisecond)
	waitBlocked(t, ctl, 2)
	// Three elements for two waiters: in order, the rest stays.
	ctl.do("RPUSH", "q", "b", "c", "d")
	if got := bread(c2, time.Second); got != "[q b]" {
		t.Fatalf("c2: %s", got)
	}
	if got := bread(c3, time.Second); got != "[q d]" {
		t.Fatalf("c3: %s", got)
	}
	if got := ctl.do("LRANGE", "q", "0", "-1"); got != "[c]" {
		t.Fatalf("left: %s", got)
	}
	waitBlocked(t, ctl, 0)
}

// TestBlockingTimeouts: fractional timeouts fire on time (a loop timer, not only the
// cron), in deadline order, with the null array reply.
func TestBlockingTimeouts(t *testing.T) {
	_, addr := startTestServer(t, nil)
	ctl := dialTest(t, addr)
	c1, c2 := dialTest(t, addr), dialTest(t, addr)
	start := time.Now()
	bsend(c1, "BLPOP", "nokey", "0.1")
	bsend(c2, "BLMOVE", "nokey", "dst", "LEFT", "RIGHT", "0.05")
	c2.c.SetReadDeadline(time.Now().Add(time.Second))
	line, _ := c2.rd.ReadString('\n')
	if line != "*-1\r\n" { // BLMOVE times out with a null array, as in Redis 7.0
		t.Fatalf("c2: %q", line)
	}
	e2 := time.Since(start)
	if got := bread(c1, time.Second); got != "(nil)" {
		t.Fatalf("c1: %s", got)
	}
	e1 := time.Since(start)
	if e2 < 50*time.Millisecond || e1 < 100*time.Millisecond || e1 > 180*time.Millisecond {
		t.Fatalf("timed out after %v and %v, want 50 ms and 100 ms", e2, e1)
	}
	waitBlocked(t, ctl, 0)
	if info := ctl.do("INFO", "clients"); !strings.Contains(info, "clients_in_timeout_table:0\r\n") {
		t.Fatal(info)
	}
	// RESP3: the null.
	c1.do("HELLO", "3")
	c1.raw("*3\r\n$5\r\nBRPOP\r\n$5\r\nnokey\r\n$4\r\n0.01\r\n")
	c1.c.SetReadDeadline(time.Now().Add(time.Second))
	if line, _ := c1.rd.ReadString('\n'); line != "_\r\n" {
		t.Fatalf("RESP3 timeout: %q", line)
	}
}

// TestBlockingDisconnect: a client that goes away while blocked is forgotten, and
// the push that follows stays in the list.
func TestBlockingDisconnect(t *testing.T) {
	_, addr := startTestServer(t, nil)
	ctl := dialTest(t, addr)
	c1 := dialTest(t, addr)
	bsend(c1, "BLPOP", "q", "0")
	bsend(dialTest(t, addr), "BLPOP", "q2", "5")
	waitBlocked(t, ctl, 2)
	c1.c.Close()
	waitBlocked(t, ctl, 1)
	ctl.do("RPUSH", "q", "a")
	if got := ctl.do("LLEN", "q"); got != ":1" {
		t.Fatalf("LLEN %s", got)
	}
}

// TestBlockingChain: a BLMOVE served by a push pushes to the next waiter's key, and
// so on, in one pass; what each served client did is propagated as its plain form.
func TestBlockingChain(t *testing.T) {
	s, addr := startTestServer(t, nil)
	propagated := capturePropagation(t, s)
	ctl := dialTest(t, addr)
	c1, c2, c3, c4 := dialTest(t, addr), dialTest(t, addr), dialTest(t, addr), dialTest(t, addr)
	bsend(c1, "BLMOVE", "a", "b", "LEFT", "RIGHT", "0")
	waitBlocked(t, ctl, 1)
	bsend(c2, "BRPOPLPUSH", "b", "c", "0")
	waitBlocked(t, ctl, 2)
	bsend(c3, "BLMPOP", "0", "2", "x", "c", "RIGHT", "COUNT", "5")
	waitBlocked(t, ctl, 3)
	bsend(c4, "BLPOP", "a", "0") // waits on a after c1: the chain takes the element first
	waitBlocked(t, ctl, 4)
	ctl.do("LPUSH", "a", "v")
	for i, want := range []string{"v", "v", "[c [v]]"} {
		if got := bread([]*testConn{c1, c2, c3}[i], time.Second); got != want {
			t.Fatalf("client %d: %s, want %s", i+1, got, want)
		}
	}
	bnone(c4, 30*time.Millisecond)
	if got := ctl.do("EXISTS", "a", "b", "c"); got != ":0" {
		t.Fatalf("EXISTS %s", got)
	}
	want := "LPUSH a v|LMOVE a b left right|RPOPLPUSH b c|RPOP c 1"
	if got := strings.Join(propagated(), "|"); got != want {
		t.Fatalf("propagated %q, want %q", got, want)
	}
}

// TestBlockingPipelined: requests sent after a blocking one wait for it, then run in
// order; with a timeout they run once it expires.
func TestBlockingPipelined(t *testing.T) {
	_, addr := startTestServer(t, nil)
	ctl := dialTest(t, addr)
	c1 := dialTest(t, addr)
	c1.raw("*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nLLEN\r\n$1\r\nq\r\n")
	waitBlocked(t, ctl, 1)
	bnone(c1, 30*time.Millisecond)
	// More input while blocked is buffered too.
	c1.raw("*2\r\n$4\r\nECHO\r\n$4\r\nlate\r\n")
	bnone(c1, 20*time.Millisecond)
	ctl.do("RPUSH", "q", "a", "b")
	for _, want := range []string{"[q a]", "PONG", ":1", "late"} {
		if got := bread(c1, time.Second); got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	}
	// Two blocking requests in a row, the second served first.
	c1.raw("*3\r\n$5\r\nBLPOP\r\n$2\r\nr1\r\n$1\r\n0\r\n*3\r\n$5\r\nBLPOP\r\n$2\r\nr2\r\n$1\r\n0\r\n")
	waitBlocked(t, ctl, 1)
	ctl.do("RPUSH", "r2", "x")
	bnone(c1, 20*time.Millisecond)
	ctl.do("RPUSH", "r1", "y")
	if got := bread(c1, time.Second); got != "[r1 y]" {
		t.Fatal(got)
	}
	if got := bread(c1, time.Second); got != "[r2 x]" {
		t.Fatal(got)
	}
	// A timeout releases what follows.
	c1.raw("*3\r\n$5\r\nBLPOP\r\n$1\r\nz\r\n$4\r\n0.02\r\n*1\r\n$4\r\nPING\r\n")
	if got := bread(c1, time.Second); got != "(nil)" {
		t.Fatal(got)
	}
	if got := bread(c1, time.Second); got != "PONG" {
		t.Fatal(got)
	}
}

// TestClientUnblock covers both modes of CLIENT UNBLOCK and a client not blocked.
func TestClientUnblock(t *testing.T) {
	_, addr := startTestServer(t, nil)
	ctl := dialTest(t, addr)
	c1 := dialTest(t, addr)
	id := strings.TrimPrefix(c1.do("CLIENT", "ID"), ":")
	if got := ctl.do("CLIENT", "UNBLOCK", id); got != ":0" {
		t.Fatalf("not blocked: %s", got)
	}
	bsend(c1, "BLPOP", "q", "0")
	waitBlocked(t, ctl, 1)
	if got := ctl.do("CLIENT", "UNBLOCK", id); got != ":1" {
		t.Fatal(got)
	}
	if got := bread(c1, time.Second); got != "(nil)" {
		t.Fatalf("TIMEOUT mode: %s", got)
	}
	bsend(c1, "BLMOVE", "q", "d", "LEFT", "LEFT", "10")
	waitBlocked(t, ctl, 1)
	if got := ctl.do("CLIENT", "UNBLOCK", id, "ERROR"); got != ":1" {
		t.Fatal(got)
	}
	if got := bread(c1, time.Second); got != "-UNBLOCKED client unblocked via CLIENT UNBLOCK" {
		t.Fatalf("ERROR mode: %s", got)
	}
	waitBlocked(t, ctl, 0)
	if got := ctl.do("CLIENT", "UNBLOCK", id, "ERROR"); got != ":0" {
		t.Fatal(got)
	}
	if info := ctl.do("INFO", "errorstats"); !strings.Contains(info, "errorstat_UNBLOCKED:count=1") {
		t.Fatal(info)
	}
	// The client works normally afterwards.
	if got := c1.do("PING"); got != "PONG" {
		t.Fatal(got)
	}
}

// TestBlockedClientState: CLIENT LIST shows the b flag and the command, and an idle
// timeout does not close a blocked client.
func TestBlockedClientState(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the idle timeout")
	}
	_, addr := startTestServer(t, func(cfg *config.Config) { cfg.Timeout = 1 })
	ctl := dialTest(t, addr)
	c1 := dialTest(t, addr)
	id := strings.TrimPrefix(c1.do("CLIENT", "ID"), ":")
	bsend(c1, "BRPOP", "q", "0")
	waitBlocked(t, ctl, 1)
	list := ctl.do("CLIENT", "LIST", "ID", id)
	if !strings.Contains(list, " flags=b ") || !strings.Contains(list, " cmd=brpop ") {
		t.Fatalf("CLIENT LIST: %s", list)
	}
	idle := dialTest(t, addr)
	idle.do("PING")
	time.Sleep(2200 * time.Millisecond)
	dialTest(t, addr).do("RPUSH", "q", "x") // ctl itself was idle too: a new connection
	if got := bread(c1, time.Second); got != "[q x]" {
		t.Fatalf("blocked client after the idle timeout: %s", got)
	}
	idle.c.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := idle.rd.ReadByte(); err == nil {
		t.Fatal("the idle client was not closed")
	}
}

// TestBlockingInMulti: inside MULTI a blocking command times out at once, and a push
// inside a transaction serves waiters only after EXEC.
func TestBlockingInMulti(t *testing.T) {
	_, addr := startTestServer(t, nil)
	ctl := dialTest(t, addr)
	c1, c2 := dialTest(t, addr), dialTest(t, addr)
	c2.do("MULTI")
	c2.do("BLPOP", "q", "0")
	if got := c2.do("EXEC"); got != "[(nil)]" {
		t.Fatalf("BLPOP in MULTI: %s", got)
	}
	bsend(c1, "BLPOP", "q", "0")
	waitBlocked(t, ctl, 1)
	c2.do("MULTI")
	c2.do("LPUSH", "q", "a")
	c2.do("LPUSH", "q", "b")
	c2.do("EXEC")
	if got := bread(c1, time.Second); got != "[q b]" {
		t.Fatalf("served after EXEC: %s", got)
	}
}

// TestBlockingDeny exercises flagDenyBlocking directly (what MULTI and scripts set):
// each blocking list command gets its Redis reply at once.
func TestBlockingDeny(t *testing.T) {
	st := newStrTester(t)
	st.c.flags |= flagDenyBlocking
	st.script(`
		BLPOP q 0 => (nil)
		BRPOP q 100 => (nil)
		BLMPOP 0 1 q LEFT => (nil)
		BLMOVE q d LEFT LEFT 0 => (nil)
		BRPOPLPUSH q d 0 => (nil)
	`)
	if got := st.raw("BLMOVE", "q", "d", "LEFT", "LEFT", "0"); got != "$-1\r\n" {
		t.Fatalf("BLMOVE denied: %q (Redis replies a null bulk here)", got)
	}
	if got := st.raw("BLPOP", "q", "0"); got != "*-1\r\n" {
		t.Fatalf("BLPOP denied: %q", got)
	}
	if st.s.blocking.count != 0 {
		t.Fatal("a denied client was blocked")
	}
}

func TestBlockTimeoutArg(t *testing.T) {
	st := newStrTester(t)
	now := st.s.wallMs(st.s.monoNow())
	for _, tc := range []struct {
		arg  string
		ms   int64 // deadline - now; -1: error
		err  string
		unit bool // seconds
	}{
		{"0", 0, "", true},
		{"-0", 0, "", true},
		{"0.1", 100, "", true},
		{"0.0001", 1, "", true},
		{"1e-300", 1, "", true},
		{"-1e-300", 0, "", true},
		{"1.5", 1500, "", true},
		{"0x10", 16000, "", true},
		{"-1", -1, "ERR timeout is negative", true},
		{"inf", -1, "ERR timeout is negative", true},
		{"1e300", -1, "ERR timeout is negative", true},
		{"9223372036854775.808", -1, "ERR timeout is negative", true},
		{"nan", -1, "ERR timeout is not a float or out of range", true},
		{"1 ", -1, "ERR timeout is not a float or out of range", true},
		{"", -1, "ERR timeout is not a float or out of range", true},
		{"250", 250, "", false},
		{"1.5", -1, "ERR timeout is not an integer or out of range", false},
		{"-5", -1, "ERR timeout is negative", false},
	} {
		st.c.out = st.c.out[:0]
		d, ok := st.c.blockTimeoutArg([]byte(tc.arg), tc.unit)
		if tc.ms < 0 {
			if ok || !strings.Contains(string(st.c.out), tc.err) {
				t.Errorf("%q: ok %v, reply %q, want %s", tc.arg, ok, st.c.out, tc.err)
			}
			continue
		}
		if !ok {
			t.Errorf("%q: %q", tc.arg, st.c.out)
			continue
		}
		got := d
		if d != 0 {
			got = d - now
		}
		if got < tc.ms || got > tc.ms+50 {
			t.Errorf("%q: deadline now+%d, want now+%d", tc.arg, got, tc.ms)
		}
	}
	// The largest timeout that fits wraps past the int64 range, as in Redis: such a
	// client waits forever.
	if d, ok := st.c.blockTimeoutArg([]byte("9223372036854775.807"), true); !ok || d >= 0 {
		t.Fatalf("huge timeout: %d %v", d, ok)
	}
}

// TestBlockingSwapDB: clients stay in their database; SWAPDB can bring them a list.
func TestBlockingSwapDB(t *testing.T) {
	_, addr := startTestServer(t, nil)
	ctl := dialTest(t, addr)
	c1 := dialTest(t, addr)
	c1.do("SELECT", "3")
	bsend(c1, "BLPOP", "k", "0")
	waitBlocked(t, ctl, 1)
	ctl.do("RPUSH", "k", "x")
	bnone(c1, 20*time.Millisecond)
	ctl.do("SWAPDB", "0", "3")
	if got := bread(c1, time.Second); got != "[k x]" {
		t.Fatal(got)
	}
	if got := ctl.do("DBSIZE"); got != ":0" {
		t.Fatalf("db 0 after the swap: %s", got)
	}
}
