package node_test

// Integration tests of the real binary: started on a loopback port by testutil and
// driven with go-redis v9, redis-cli and raw sockets. They check what the engine core
// promises as a server: pipelining, many clients, Redis's limits, and that one bad
// client never affects another.

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

func client(t *testing.T, s *testutil.Server, opts ...func(*redis.Options)) *redis.Client {
	o := &redis.Options{Addr: s.Addr(), DisableIdentity: true}
	for _, f := range opts {
		f(o)
	}
	c := redis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestGoRedisBasics(t *testing.T) {
	s := testutil.StartKeygrid(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		rdb := client(t, s, func(o *redis.Options) { o.Protocol = proto })
		if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
			t.Fatalf("RESP%d GET = %q, %v", proto, v, err)
		}
		if _, err := rdb.Get(ctx, "missing").Result(); err != redis.Nil {
			t.Fatalf("RESP%d GET missing: %v", proto, err)
		}
		if err := rdb.Do(ctx, "nosuchcommand").Err(); err == nil || !strings.HasPrefix(err.Error(), "ERR unknown command 'nosuchcommand'") {
			t.Fatalf("unknown command error: %v", err)
		}
	}
}

// A deep pipeline comes back complete and in order.
func TestPipelineOrder(t *testing.T) {
	s := testutil.StartKeygrid(t)
	ctx := context.Background()
	rdb := client(t, s)
	const n = 5000
	pipe := rdb.Pipeline()
	for i := 0; i < n; i++ {
		pipe.Set(ctx, "p:"+strconv.Itoa(i), strconv.Itoa(i*7), 0)
	}
	gets := make([]*redis.StringCmd, n)
	for i := 0; i < n; i++ {
		gets[i] = pipe.Get(ctx, "p:"+strconv.Itoa(i))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	for i, g := range gets {
		if g.Val() != strconv.Itoa(i*7) {
			t.Fatalf("reply %d = %q", i, g.Val())
		}
	}
}

// Many clients at once, each with its own keys: every reply is the client's own.
func TestManyClients(t *testing.T) {
	s := testutil.StartKeygrid(t)
	ctx := context.Background()
	rdb := client(t, s, func(o *redis.Options) { o.PoolSize = 64 })
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				k := fmt.Sprintf("c%d:%d", g, i)
				if err := rdb.Set(ctx, k, k, 0).Err(); err != nil {
					errs <- err
					return
				}
				if v, err := rdb.Get(ctx, k).Result(); err != nil || v != k {
					errs <- fmt.Errorf("GET %s = %q, %v", k, v, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestMaxClients(t *testing.T) {
	s := testutil.StartKeygrid(t, "--maxclients", "2")
	c1, c2 := s.Conn(t), s.Conn(t)
	for _, c := range []*testutil.Conn{c1, c2} {
		if r, err := c.Do("PING"); err != nil || string(r) != "+PONG\r\n" {
			t.Fatalf("PING: %q %v", r, err)
		}
	}
	c3, err := testutil.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	data, closed, _ := c3.ReadUntilClose(2 * time.Second)
	if string(data) != "-ERR max number of clients reached\r\n" || !closed {
		t.Fatalf("third client got %q (closed %v)", data, closed)
	}
}

// A client whose query buffer passes client-query-buffer-limit is closed; others go on.
func TestQueryBufferLimit(t *testing.T) {
	s := testutil.StartKeygrid(t, "--client-query-buffer-limit", "1mb")
	good := s.Conn(t)
	bad, err := testutil.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	// Announce a 4 MB argument and send 2 MB of it: the buffer passes 1 MB.
	bad.Send([]byte("*2\r\n$3\r\nGET\r\n$4194304\r\n" + strings.Repeat("x", 2<<20)))
	_, closed, _ := bad.ReadUntilClose(3 * time.Second)
	if !closed {
		t.Fatal("client over the query buffer limit was not closed")
	}
	if r, err := good.Do("PING"); err != nil || string(r) != "+PONG\r\n" {
		t.Fatalf("other client: %q %v", r, err)
	}
}

// A client that does not read its replies is cut at the hard output buffer limit.
func TestOutputBufferLimit(t *testing.T) {
	s := testutil.StartKeygrid(t, "--client-output-buffer-limit", "normal 1mb 0 0")
	good := s.Conn(t)
	if r, _ := good.Do("SET", "big", strings.Repeat("v", 256<<10)); string(r) != "+OK\r\n" {
		t.Fatalf("SET: %q", r)
	}
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.(*net.TCPConn).SetReadBuffer(4096)
	var req []byte
	for i := 0; i < 200; i++ {
		req = testutil.AppendCommand(req, "GET", "big")
	}
	nc.Write(req)
	// The 50 MB of replies exceed 1 MB on the server: it closes us, so reading ends
	// with EOF after at most what the socket buffers held.
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := 0
	buf := make([]byte, 64<<10)
	for {
		n, err := nc.Read(buf)
		got += n
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("slow reader still connected after reading %d bytes", got)
			}
			break
		}
	}
	if got >= 200*(256<<10) {
		t.Fatalf("slow reader received all %d bytes: not cut at the limit", got)
	}
	if r, err := good.Do("PING"); err != nil || string(r) != "+PONG\r\n" {
		t.Fatalf("other client: %q %v", r, err)
	}
}

func TestIdleTimeout(t *testing.T) {
	s := testutil.StartKeygrid(t, "--timeout", "1")
	c := s.Conn(t)
	if r, _ := c.Do("PING"); string(r) != "+PONG\r\n" {
		t.Fatalf("PING: %q", r)
	}
	start := time.Now()
	_, closed, _ := c.ReadUntilClose(5 * time.Second)
	if !closed {
		t.Fatal("idle client not closed")
	}
	if d := time.Since(start); d < 900*time.Millisecond || d > 4*time.Second {
		t.Fatalf("idle client closed after %v, want about 1-2 s", d)
	}
}

// Malformed requests from one client are answered with Redis's error and a close,
// and never disturb a client in the middle of its own work.
func TestBadClientsDoNotAffectOthers(t *testing.T) {
	s := testutil.StartKeygrid(t)
	good := s.Conn(t)
	good.Send([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhel")) // half a request
	bad := []string{"*abc\r\n", "*1\r\n$-2\r\n", "*1\r\nfoo\r\n", "POST / HTTP/1.1\r\n", strings.Repeat("x", 70000)}
	for _, b := range bad {
		c, err := testutil.Dial(s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		c.Send([]byte(b))
		if _, closed, _ := c.ReadUntilClose(2 * time.Second); !closed {
			t.Errorf("%q: connection not closed", b[:min(len(b), 20)])
		}
		c.Close()
	}
	good.Send([]byte("lo\r\n"))
	if r, err := good.ReadReply(); err != nil || string(r) != "+OK\r\n" {
		t.Fatalf("good client's SET: %q %v", r, err)
	}
	if r, _ := good.Do("GET", "k"); string(r) != "$5\r\nhello\r\n" {
		t.Fatalf("GET: %q", r)
	}
}

func TestRequirePass(t *testing.T) {
	s := testutil.StartKeygrid(t, "--requirepass", "s3cret")
	c := s.Conn(t)
	if r, _ := c.Do("GET", "k"); string(r) != "-NOAUTH Authentication required.\r\n" {
		t.Fatalf("unauthenticated GET: %q", r)
	}
	if r, _ := c.Do("AUTH", "wrong"); !strings.HasPrefix(string(r), "-WRONGPASS") {
		t.Fatalf("wrong AUTH: %q", r)
	}
	if r, _ := c.Do("AUTH", "s3cret"); string(r) != "+OK\r\n" {
		t.Fatalf("AUTH: %q", r)
	}
	if r, _ := c.Do("GET", "k"); string(r) != "$-1\r\n" {
		t.Fatalf("GET after AUTH: %q", r)
	}
	// Unauthenticated clients may not send more than 10 arguments (Redis's limit).
	u, _ := testutil.Dial(s.Addr())
	defer u.Close()
	u.Send([]byte("*11\r\n"))
	data, closed, _ := u.ReadUntilClose(2 * time.Second)
	if string(data) != "-ERR Protocol error: unauthenticated multibulk length\r\n" || !closed {
		t.Fatalf("unauthenticated *11: %q closed=%v", data, closed)
	}
}

// SIGTERM stops the server cleanly (exit status 0), as redis-server.
func TestSIGTERM(t *testing.T) {
	s := testutil.StartKeygrid(t)
	if err := s.Stop(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, s.Log())
	}
}

// redis-cli and redis-benchmark work against keygrid unchanged.
func TestRedisTools(t *testing.T) {
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Fatal("redis-cli not installed (apt-get install redis-tools)")
	}
	s := testutil.StartKeygrid(t)
	port := strconv.Itoa(s.Port())
	out, err := exec.Command("redis-cli", "-p", port, "SET", "a", "b").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "OK" {
		t.Fatalf("redis-cli SET: %q %v", out, err)
	}
	var pipeIn strings.Builder
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&pipeIn, "SET key:%d %d\r\n", i, i)
	}
	cmd := exec.Command("redis-cli", "-p", port, "--pipe")
	cmd.Stdin = strings.NewReader(pipeIn.String())
	out, err = cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "errors: 0, replies: 10000") {
		t.Fatalf("redis-cli --pipe: %s %v", out, err)
	}
	out, err = exec.Command("redis-benchmark", "-p", port, "-t", "set,get", "-n", "20000", "-c", "20", "-P", "4", "-q").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SET:") || !strings.Contains(string(out), "GET:") {
		t.Fatalf("redis-benchmark: %s %v", out, err)
	}
}
