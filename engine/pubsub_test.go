package engine

// Pub/Sub tests: replies byte for byte as Redis 7.0 sends them (src/pubsub.c),
// subscriber mode in RESP2, pushes in RESP3, CLIENT LIST and INFO, RESET, the
// pubsub output buffer limit, and BenchmarkPublish50.

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/glob"
	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/internal/testutil"
)

// psConn is a connection that reads replies as raw RESP bytes, so tests can tell a
// RESP3 push ('>') from an array ('*').
type psConn struct {
	t  testing.TB
	c  net.Conn
	rd *bufio.Reader
}

func dialPS(t testing.TB, addr string) *psConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &psConn{t: t, c: c, rd: bufio.NewReaderSize(c, 1<<16)}
}

func (rc *psConn) send(args ...string) {
	rc.t.Helper()
	var b []byte
	b = resp.AppendArray(b, len(args))
	for _, a := range args {
		b = resp.AppendBulkString(b, a)
	}
	if _, err := rc.c.Write(b); err != nil {
		rc.t.Fatal(err)
	}
}

// next reads one complete reply and returns its bytes.
func (rc *psConn) next() string {
	rc.t.Helper()
	rc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	if err := readPSValue(rc.rd, &b); err != nil {
		rc.t.Fatalf("reading reply: %v (got so far %q)", err, b.String())
	}
	return b.String()
}

// do sends a command and returns its raw reply.
func (rc *psConn) do(args ...string) string {
	rc.t.Helper()
	rc.send(args...)
	return rc.next()
}

// silent checks that nothing arrives within d.
func (rc *psConn) silent(d time.Duration) {
	rc.t.Helper()
	rc.c.SetReadDeadline(time.Now().Add(d))
	if b, err := rc.rd.Peek(1); err == nil {
		rc.t.Fatalf("unexpected data %q", b)
	}
	rc.c.SetReadDeadline(time.Time{})
}

func readPSValue(rd *bufio.Reader, b *strings.Builder) error {
	line, err := rd.ReadString('\n')
	b.WriteString(line)
	if err != nil {
		return err
	}
	if len(line) < 3 {
		return fmt.Errorf("short line %q", line)
	}
	n, _ := strconv.Atoi(line[1 : len(line)-2])
	switch line[0] {
	case '$', '=', '!':
		if n < 0 {
			return nil
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(rd, buf); err != nil {
			return err
		}
		b.Write(buf)
	case '*', '~', '>', '%', '|':
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := readPSValue(rd, b); err != nil {
				return err
			}
		}
	}
	return nil
}

// pushOrArray writes the expected bytes of a Pub/Sub message: an array in RESP2, a
// push in RESP3.
func pubsubMsg(proto int, parts ...any) string {
	var b []byte
	b = resp.AppendPush(b, len(parts), proto)
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			b = resp.AppendBulkString(b, v)
		case int:
			b = resp.AppendInt(b, int64(v))
		case nil:
			b = resp.AppendNull(b, proto)
		}
	}
	return string(b)
}

func TestPubSubSubscribePublish(t *testing.T) {
	_, addr := startTestServer(t, nil)
	sub := dialPS(t, addr)
	pub := dialPS(t, addr)

	if got, want := sub.do("SUBSCRIBE", "a", "b", "a"), pubsubMsg(2, "subscribe", "a", 1); got != want {
		t.Fatalf("SUBSCRIBE: %q, want %q", got, want)
	}
	if got, want := sub.next(), pubsubMsg(2, "subscribe", "b", 2); got != want {
		t.Fatalf("second confirmation: %q, want %q", got, want)
	}
	// Subscribing again is confirmed, with an unchanged count.
	if got, want := sub.next(), pubsubMsg(2, "subscribe", "a", 2); got != want {
		t.Fatalf("repeated subscription: %q, want %q", got, want)
	}
	if got := pub.do("PUBLISH", "a", "hello"); got != ":1\r\n" {
		t.Fatalf("PUBLISH: %q", got)
	}
	if got, want := sub.next(), pubsubMsg(2, "message", "a", "hello"); got != want {
		t.Fatalf("message: %q, want %q", got, want)
	}
	if got := pub.do("PUBLISH", "nobody", "x"); got != ":0\r\n" {
		t.Fatalf("PUBLISH to no one: %q", got)
	}
	if got := pub.do("PUBSUB", "NUMSUB", "a", "b", "c"); got != "*6\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:1\r\n$1\r\nc\r\n:0\r\n" {
		t.Fatalf("PUBSUB NUMSUB: %q", got)
	}
	// Redis replies to an unsubscription even from a channel it was not on.
	if got, want := sub.do("UNSUBSCRIBE", "zz"), pubsubMsg(2, "unsubscribe", "zz", 2); got != want {
		t.Fatalf("UNSUBSCRIBE zz: %q, want %q", got, want)
	}
	sub.send("UNSUBSCRIBE")
	seen := map[string]bool{sub.next(): true, sub.next(): true}
	if !seen[pubsubMsg(2, "unsubscribe", "a", 1)] && !seen[pubsubMsg(2, "unsubscribe", "b", 1)] {
		t.Fatalf("UNSUBSCRIBE all: %v", seen)
	}
	// Subscribed to nothing: one reply with a null channel.
	if got, want := sub.do("UNSUBSCRIBE"), pubsubMsg(2, "unsubscribe", nil, 0); got != want {
		t.Fatalf("UNSUBSCRIBE of nothing: %q, want %q", got, want)
	}
	if got, want := sub.do("PUNSUBSCRIBE"), pubsubMsg(2, "punsubscribe", nil, 0); got != want {
		t.Fatalf("PUNSUBSCRIBE of nothing: %q, want %q", got, want)
	}
	if got, want := sub.do("SUNSUBSCRIBE"), pubsubMsg(2, "sunsubscribe", nil, 0); got != want {
		t.Fatalf("SUNSUBSCRIBE of nothing: %q, want %q", got, want)
	}
	// Out of subscriber mode again: ordinary commands work.
	if got := sub.do("SET", "k", "v"); got != "+OK\r\n" {
		t.Fatalf("SET after leaving subscriber mode: %q", got)
	}
}

func TestPubSubPatternsAndShard(t *testing.T) {
	_, addr := startTestServer(t, nil)
	sub := dialPS(t, addr)
	pub := dialPS(t, addr)
	if got, want := sub.do("PSUBSCRIBE", "news.*"), pubsubMsg(2, "psubscribe", "news.*", 1); got != want {
		t.Fatalf("PSUBSCRIBE: %q, want %q", got, want)
	}
	if got, want := sub.do("SUBSCRIBE", "news.art"), pubsubMsg(2, "subscribe", "news.art", 2); got != want {
		t.Fatalf("SUBSCRIBE: %q, want %q", got, want)
	}
	// The shard count is separate from channels and patterns.
	if got, want := sub.do("SSUBSCRIBE", "news.art"), pubsubMsg(2, "ssubscribe", "news.art", 1); got != want {
		t.Fatalf("SSUBSCRIBE: %q, want %q", got, want)
	}
	// A channel subscriber that also matches a pattern receives both, channel first.
	if got := pub.do("PUBLISH", "news.art", "m1"); got != ":2\r\n" {
		t.Fatalf("PUBLISH: %q", got)
	}
	if got, want := sub.next(), pubsubMsg(2, "message", "news.art", "m1"); got != want {
		t.Fatalf("message: %q, want %q", got, want)
	}
	if got, want := sub.next(), pubsubMsg(2, "pmessage", "news.*", "news.art", "m1"); got != want {
		t.Fatalf("pmessage: %q, want %q", got, want)
	}
	// Shard channels never match patterns, and are their own namespace.
	if got := pub.do("SPUBLISH", "news.art", "m2"); got != ":1\r\n" {
		t.Fatalf("SPUBLISH: %q", got)
	}
	if got, want := sub.next(), pubsubMsg(2, "smessage", "news.art", "m2"); got != want {
		t.Fatalf("smessage: %q, want %q", got, want)
	}
	if got := pub.do("PUBSUB", "NUMPAT"); got != ":1\r\n" {
		t.Fatalf("NUMPAT: %q", got)
	}
	if got := pub.do("PUBSUB", "CHANNELS", "news.*"); got != "*1\r\n$8\r\nnews.art\r\n" {
		t.Fatalf("CHANNELS: %q", got)
	}
	if got := pub.do("PUBSUB", "SHARDCHANNELS"); got != "*1\r\n$8\r\nnews.art\r\n" {
		t.Fatalf("SHARDCHANNELS: %q", got)
	}
	if got := pub.do("PUBSUB", "SHARDNUMSUB", "news.art"); got != "*2\r\n$8\r\nnews.art\r\n:1\r\n" {
		t.Fatalf("SHARDNUMSUB: %q", got)
	}
	if got, want := sub.do("PUNSUBSCRIBE", "news.*"), pubsubMsg(2, "punsubscribe", "news.*", 1); got != want {
		t.Fatalf("PUNSUBSCRIBE: %q, want %q", got, want)
	}
	if got := pub.do("PUBSUB", "NUMPAT"); got != ":0\r\n" {
		t.Fatalf("NUMPAT after PUNSUBSCRIBE: %q", got)
	}
	if got := pub.do("PUBLISH", "news.art", "m3"); got != ":1\r\n" {
		t.Fatalf("PUBLISH after PUNSUBSCRIBE: %q", got)
	}
	if got, want := sub.next(), pubsubMsg(2, "message", "news.art", "m3"); got != want {
		t.Fatalf("message: %q, want %q", got, want)
	}
}

func TestPubSubSubscriberModeRESP2(t *testing.T) {
	_, addr := startTestServer(t, nil)
	sub := dialPS(t, addr)
	sub.do("SUBSCRIBE", "ch")
	for cmd, want := range map[string]string{
		"GET":    "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
		"CLIENT": "-ERR Can't execute 'client|id': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
	} {
		args := []string{cmd, "k"}
		if cmd == "CLIENT" {
			args = []string{"CLIENT", "ID"}
		}
		if got := sub.do(args...); got != want {
			t.Errorf("%s in subscriber mode: %q, want %q", cmd, got, want)
		}
	}
	if got := sub.do("PING"); got != "*2\r\n$4\r\npong\r\n$0\r\n\r\n" {
		t.Errorf("PING: %q", got)
	}
	if got := sub.do("PING", "hi"); got != "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n" {
		t.Errorf("PING hi: %q", got)
	}
	// RESET leaves every subscription without a word, and ends subscriber mode.
	if got := sub.do("RESET"); got != "+RESET\r\n" {
		t.Fatalf("RESET: %q", got)
	}
	if got := sub.do("PING"); got != "+PONG\r\n" {
		t.Errorf("PING after RESET: %q", got)
	}
	if got := sub.do("PUBSUB", "NUMSUB", "ch"); got != "*2\r\n$2\r\nch\r\n:0\r\n" {
		t.Errorf("NUMSUB after RESET: %q", got)
	}
}

func TestPubSubRESP3(t *testing.T) {
	_, addr := startTestServer(t, nil)
	c := dialPS(t, addr)
	c.do("HELLO", "3")
	if got, want := c.do("SUBSCRIBE", "ch"), pubsubMsg(3, "subscribe", "ch", 1); got != want {
		t.Fatalf("SUBSCRIBE: %q, want %q", got, want)
	}
	// RESP3 has no subscriber mode: every command runs.
	if got := c.do("SET", "k", "v"); got != "+OK\r\n" {
		t.Fatalf("SET while subscribed in RESP3: %q", got)
	}
	if got := c.do("PING"); got != "+PONG\r\n" {
		t.Fatalf("PING in RESP3: %q", got)
	}
	// Publishing to itself: the push is delivered while PUBLISH runs, so it comes
	// before the reply, as in Redis.
	if got, want := c.do("PUBLISH", "ch", "hi"), pubsubMsg(3, "message", "ch", "hi"); got != want {
		t.Fatalf("push: %q, want %q", got, want)
	}
	if got := c.next(); got != ":1\r\n" {
		t.Fatalf("PUBLISH: %q", got)
	}
	if got, want := c.do("UNSUBSCRIBE"), pubsubMsg(3, "unsubscribe", "ch", 0); got != want {
		t.Fatalf("UNSUBSCRIBE: %q, want %q", got, want)
	}
	if got, want := c.do("UNSUBSCRIBE"), pubsubMsg(3, "unsubscribe", nil, 0); got != want {
		t.Fatalf("UNSUBSCRIBE of nothing: %q, want %q", got, want)
	}
}

func TestPubSubClientListAndInfo(t *testing.T) {
	_, addr := startTestServer(t, nil)
	sub := dialPS(t, addr)
	admin := dialTest(t, addr)
	sub.do("SUBSCRIBE", "a", "b")
	sub.next()
	sub.do("PSUBSCRIBE", "p*")
	sub.do("SSUBSCRIBE", "s")
	list := admin.do("CLIENT", "LIST", "TYPE", "pubsub")
	if !strings.Contains(list, " flags=P ") || !strings.Contains(list, " sub=2 psub=1 ssub=1 ") {
		t.Fatalf("CLIENT LIST TYPE pubsub: %q", list)
	}
	info := admin.do("INFO", "stats")
	for _, f := range []string{"pubsub_channels:2", "pubsub_patterns:1", "pubsubshard_channels:1"} {
		if !strings.Contains(info, f+"\r\n") {
			t.Errorf("INFO stats lacks %s", f)
		}
	}
	sub.c.Close()
	pubsubWaitFor(t, 2*time.Second, func() bool {
		return strings.Contains(admin.do("INFO", "stats"), "pubsub_channels:0\r\n")
	})
	if got := admin.do("PUBSUB", "NUMPAT"); got != ":0" {
		t.Fatalf("NUMPAT after the subscriber left: %q", got)
	}
}

// A subscriber that never reads is closed once its output passes the hard limit of
// client-output-buffer-limit pubsub; the other subscribers receive every message.
func TestPubSubSlowSubscriber(t *testing.T) {
	_, addr := startTestServer(t, func(cfg *config.Config) {
		cfg.ClientOutputBufferLimit[config.ClientPubSub] = config.OutputBufferLimit{Hard: 256 << 10}
	})
	slow := dialPS(t, addr)
	slow.c.(*net.TCPConn).SetReadBuffer(4096)
	slowID := strings.Trim(slow.do("CLIENT", "ID"), ":\r\n")
	slow.do("SUBSCRIBE", "ch")
	fast := dialPS(t, addr)
	fastID := strings.Trim(fast.do("CLIENT", "ID"), ":\r\n")
	fast.do("SUBSCRIBE", "ch")
	pub := dialPS(t, addr)
	payload := strings.Repeat("x", 16384)
	const n = 1500 // 24 MB: far past what the slow one's socket buffers and limit hold
	done := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			want := pubsubMsg(2, "message", "ch", payload)
			got := fast.next()
			if got != want {
				done <- fmt.Errorf("message %d: got %d bytes", i, len(got))
				return
			}
		}
		done <- nil
	}()
	receivers := map[string]int{}
	for i := 0; i < n; i++ {
		receivers[pub.do("PUBLISH", "ch", payload)]++
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if receivers[":1\r\n"] == 0 {
		t.Fatalf("the slow subscriber was never dropped: %v", receivers)
	}
	if got := pub.do("PUBSUB", "NUMSUB", "ch"); got != "*2\r\n$2\r\nch\r\n:1\r\n" {
		t.Fatalf("NUMSUB after the slow subscriber was closed: %q", got)
	}
	// It is gone from the client list; the fast one is still there.
	if got := pub.do("CLIENT", "LIST", "ID", slowID, fastID); strings.Contains(got, "id="+slowID+" ") || !strings.Contains(got, "id="+fastID+" ") {
		t.Fatalf("CLIENT LIST after the overflow: %q", got)
	}
}

// The soft limit closes a subscriber only once its output has stayed over it for
// soft-seconds.
func TestPubSubSoftLimit(t *testing.T) {
	_, addr := startTestServer(t, func(cfg *config.Config) {
		cfg.ClientOutputBufferLimit[config.ClientPubSub] = config.OutputBufferLimit{Soft: 64 << 10, SoftSeconds: 1}
	})
	slow := dialPS(t, addr)
	slow.c.(*net.TCPConn).SetReadBuffer(4096)
	slowID := strings.Trim(slow.do("CLIENT", "ID"), ":\r\n")
	slow.do("SUBSCRIBE", "ch")
	pub := dialTest(t, addr)
	payload := strings.Repeat("x", 64<<10)
	// Fill the socket buffers and pass the soft limit.
	for i := 0; i < 200; i++ {
		pub.do("PUBLISH", "ch", payload)
	}
	if got := pub.do("PUBSUB", "NUMSUB", "ch"); got != "[ch :1]" {
		t.Fatalf("closed before soft-seconds: %q", got)
	}
	time.Sleep(1100 * time.Millisecond)
	pub.do("PUBLISH", "ch", payload)
	pubsubWaitFor(t, 2*time.Second, func() bool {
		return !strings.Contains(pub.do("CLIENT", "LIST"), "id="+slowID+" ")
	})
	if got := pub.do("PUBSUB", "NUMSUB", "ch"); got != "[ch :0]" {
		t.Fatalf("NUMSUB after the soft limit: %q", got)
	}
}

// CLIENT KILL TYPE pubsub closes the subscribers (RESP2 and RESP3) and nobody else.
func TestPubSubClientKillType(t *testing.T) {
	_, addr := startTestServer(t, nil)
	a := dialPS(t, addr)
	a.do("SUBSCRIBE", "x")
	b := dialPS(t, addr)
	b.do("HELLO", "3")
	b.do("PSUBSCRIBE", "y*")
	other := dialTest(t, addr)
	if got := other.do("CLIENT", "KILL", "TYPE", "pubsub"); got != ":2" {
		t.Fatalf("CLIENT KILL TYPE pubsub: %q", got)
	}
	if got := other.do("PING"); got != "PONG" {
		t.Fatalf("PING: %q", got)
	}
	pubsubWaitFor(t, 2*time.Second, func() bool { return other.do("PUBSUB", "NUMPAT") == ":0" })
}

// pubsubWaitFor polls fn until it is true or the timeout passes.
func pubsubWaitFor(t testing.TB, timeout time.Duration, fn func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !fn() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// BenchmarkPublish50 measures PUBLISH to a channel with 50 subscribers (25 RESP2, 25
// RESP3) that read everything, through the real server, with the publisher
// pipelining 32 PUBLISHes per round trip; one op is one PUBLISH and its 50
// deliveries. The redis-server sub-benchmark runs the same load on redis-server 7.0
// for comparison (skipped when it is not installed).
func BenchmarkPublish50(b *testing.B) {
	b.Run("keygrid", func(b *testing.B) {
		_, addr := startTestServer(b, nil)
		benchPublish(b, addr)
	})
	// The same server as a separate process, as redis-server runs: in-process, the
	// server loop shares the Go scheduler with the 50 reading goroutines.
	b.Run("keygrid-binary", func(b *testing.B) {
		benchPublish(b, testutil.StartKeygrid(b).Addr())
	})
	b.Run("redis-server", func(b *testing.B) {
		if _, err := exec.LookPath("redis-server"); err != nil {
			b.Skip("redis-server not installed")
		}
		benchPublish(b, testutil.StartRedis(b).Addr())
	})
}

func benchPublish(b *testing.B, addr string) {
	const subs, batch = 50, 32
	stop := make(chan struct{})
	defer close(stop)
	for i := 0; i < subs; i++ {
		c := dialPS(b, addr)
		if i%2 == 1 {
			c.do("HELLO", "3")
		}
		c.do("SUBSCRIBE", "bench")
		go func() {
			buf := make([]byte, 1<<16)
			for {
				select {
				case <-stop:
					return
				default:
				}
				c.c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
				if _, err := c.c.Read(buf); err != nil {
					if ne, ok := err.(net.Error); ok && ne.Timeout() {
						continue
					}
					return
				}
			}
		}()
	}
	pub := dialPS(b, addr)
	var req []byte
	for i := 0; i < batch; i++ {
		req = resp.AppendArray(req, 3)
		req = resp.AppendBulkString(req, "PUBLISH")
		req = resp.AppendBulkString(req, "bench")
		req = resp.AppendBulkString(req, strings.Repeat("m", 64))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		if _, err := pub.c.Write(req); err != nil {
			b.Fatal(err)
		}
		for i := 0; i < batch; i++ {
			if got := pub.next(); got != ":50\r\n" {
				b.Fatalf("PUBLISH: %q", got)
			}
		}
	}
}

// TestPublishNoAllocs checks that delivering to subscribers allocates nothing once
// their buffers have grown (the benchmark above measures the client side too).
func TestPublishNoAllocs(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var clients []*Client
	for i := 0; i < 50; i++ {
		c := &Client{srv: s, id: int64(i + 1), fd: -1, proto: 2 + i%2, db: s.dbs[0]}
		c.argv = [][]byte{[]byte("subscribe"), []byte("ch")}
		subscribeCommand(c)
		c.out = c.out[:0]
		clients = append(clients, c)
	}
	ch, msg := []byte("ch"), []byte("hello")
	reset := func() {
		for _, c := range clients {
			c.out = c.out[:0]
			c.flags &^= flagPendingWrite
		}
		s.pendingWrite = s.pendingWrite[:0]
	}
	s.Publish(ch, msg, false)
	if got, want := string(clients[1].out), pubsubMsg(3, "message", "ch", "hello"); got != want {
		t.Fatalf("RESP3 subscriber got %q, want %q", got, want)
	}
	if got, want := string(clients[0].out), pubsubMsg(2, "message", "ch", "hello"); got != want {
		t.Fatalf("RESP2 subscriber got %q, want %q", got, want)
	}
	reset()
	allocs := testing.AllocsPerRun(100, func() {
		if n := s.Publish(ch, msg, false); n != 50 {
			t.Fatalf("receivers %d", n)
		}
		reset()
	})
	if allocs != 0 {
		t.Fatalf("PUBLISH to 50 subscribers allocates %.1f times", allocs)
	}
}

// TestPubSubModel drives random subscriptions and unsubscriptions of a few clients
// (clients also go away) and checks the server's tables, each client's counts and
// who receives a publish against a naive model.
func TestPubSubModel(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"a", "b", "c", "a*", "?", "*"}
	type model struct{ ch, pat, sh map[string]bool }
	var clients []*Client
	models := map[*Client]*model{}
	newClient := func(id int64) *Client {
		c := &Client{srv: s, id: id, fd: -1, proto: 2, db: s.dbs[0]}
		models[c] = &model{map[string]bool{}, map[string]bool{}, map[string]bool{}}
		return c
	}
	for i := 0; i < 4; i++ {
		clients = append(clients, newClient(int64(i+1)))
	}
	run := func(c *Client, proc func(*Client), args ...string) {
		c.argv = [][]byte{[]byte("x")}
		for _, a := range args {
			c.argv = append(c.argv, []byte(a))
		}
		proc(c)
		c.out = c.out[:0]
	}
	for step := 0; step < 5000; step++ {
		i := rng.IntN(len(clients))
		c := clients[i]
		m := models[c]
		n := names[rng.IntN(len(names))]
		switch rng.IntN(8) {
		case 0:
			run(c, subscribeCommand, n)
			m.ch[n] = true
		case 1:
			run(c, unsubscribeCommand, n)
			delete(m.ch, n)
		case 2:
			run(c, psubscribeCommand, n)
			m.pat[n] = true
		case 3:
			run(c, punsubscribeCommand, n)
			delete(m.pat, n)
		case 4:
			run(c, ssubscribeCommand, n)
			m.sh[n] = true
		case 5:
			run(c, sunsubscribeCommand)
			clear(m.sh)
		case 6:
			if rng.IntN(2) == 0 {
				run(c, unsubscribeCommand)
				clear(m.ch)
			} else {
				run(c, punsubscribeCommand)
				clear(m.pat)
			}
		case 7:
			// The client goes away; a new one takes its place.
			s.unsubscribeAll(c, false)
			delete(models, c)
			clients[i] = newClient(int64(100 + step))
		}
		// Tables against the model.
		wantCh, wantPat, wantSh := map[string]int{}, map[string]int{}, map[string]int{}
		for _, cl := range clients {
			m := models[cl]
			for k := range m.ch {
				wantCh[k]++
			}
			for k := range m.pat {
				wantPat[k]++
			}
			for k := range m.sh {
				wantSh[k]++
			}
			if cl.subCount() != len(m.ch)+len(m.pat) || cl.shardSubCount() != len(m.sh) {
				t.Fatalf("step %d: client %d counts %d/%d, model %d/%d", step, cl.id,
					cl.subCount(), cl.shardSubCount(), len(m.ch)+len(m.pat), len(m.sh))
			}
		}
		for _, tc := range []struct {
			got  map[string]*subscribers
			want map[string]int
		}{{s.pubsub.channels, wantCh}, {s.pubsub.patterns, wantPat}, {s.pubsub.shard, wantSh}} {
			if len(tc.got) != len(tc.want) {
				t.Fatalf("step %d: %d entries, model %d", step, len(tc.got), len(tc.want))
			}
			for k, n := range tc.want {
				if subs := tc.got[k]; subs == nil || len(subs.clients) != n {
					t.Fatalf("step %d: %q has wrong subscribers", step, k)
				}
			}
		}
		if len(s.pubsub.patList) != len(s.pubsub.patterns) {
			t.Fatalf("step %d: pattern list %d, table %d", step, len(s.pubsub.patList), len(s.pubsub.patterns))
		}
		// Who receives a publish on a random channel.
		ch := []string{"a", "ab", "b", "x"}[rng.IntN(4)]
		want := 0
		for _, cl := range clients {
			m := models[cl]
			if m.ch[ch] {
				want++
			}
			for p := range m.pat {
				if glob.GlobMatchString(p, ch, false) {
					want++
				}
			}
		}
		if got := s.Publish([]byte(ch), []byte("m"), false); got != want {
			t.Fatalf("step %d: PUBLISH %s reached %d, model %d", step, ch, got, want)
		}
		for _, cl := range clients {
			cl.out = cl.out[:0]
			cl.flags &^= flagPendingWrite
		}
		s.pendingWrite = s.pendingWrite[:0]
	}
}
