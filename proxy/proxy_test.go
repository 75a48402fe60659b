package proxy

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keygrid/keygrid/internal/testutil"
)

// startProxy starts an in-process proxy in front of cl.
func startProxy(t *testing.T, cl *testutil.Cluster, mutate func(*Config)) *Proxy {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	cfg.Seeds = cl.Addrs()[:1]
	if mutate != nil {
		mutate(cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Shutdown)
	return p
}

func client(t *testing.T, p *Proxy, proto int) *redis.Client {
	rc := redis.NewClient(&redis.Options{Addr: p.Addr(), Protocol: proto, DisableIdentity: true})
	t.Cleanup(func() { rc.Close() })
	return rc
}

// must returns v, and panics (failing the test binary) on err: it keeps the checks of
// many go-redis calls to one line each.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestProxy(t *testing.T) {
	cl := testutil.StartCluster(t, testutil.ClusterServer(), 3, 1)
	p := startProxy(t, cl, nil)
	ctx := context.Background()
	rc := client(t, p, 2)

	t.Run("strings", func(t *testing.T) {
		for i := range 100 {
			k := fmt.Sprintf("k%d", i)
			must(rc.Set(ctx, k, i, 0).Result())
		}
		for i := range 100 {
			if v := must(rc.Get(ctx, fmt.Sprintf("k%d", i)).Int()); v != i {
				t.Fatalf("k%d = %d", i, v)
			}
		}
		if n := must(rc.Incr(ctx, "counter").Result()); n != 1 {
			t.Fatalf("INCR = %d", n)
		}
	})
	t.Run("families", func(t *testing.T) {
		must(rc.HSet(ctx, "h", "f", "v", "g", "w").Result())
		if m := must(rc.HGetAll(ctx, "h").Result()); m["g"] != "w" {
			t.Fatalf("HGETALL %v", m)
		}
		must(rc.RPush(ctx, "l", "a", "b", "c").Result())
		if l := must(rc.LRange(ctx, "l", 0, -1).Result()); strings.Join(l, "") != "abc" {
			t.Fatalf("LRANGE %v", l)
		}
		must(rc.SAdd(ctx, "s", "x", "y").Result())
		if n := must(rc.SCard(ctx, "s").Result()); n != 2 {
			t.Fatalf("SCARD %d", n)
		}
		must(rc.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "a"}, redis.Z{Score: 2, Member: "b"}).Result())
		if z := must(rc.ZRange(ctx, "z", 0, -1).Result()); strings.Join(z, "") != "ab" {
			t.Fatalf("ZRANGE %v", z)
		}
		must(rc.XAdd(ctx, &redis.XAddArgs{Stream: "st", Values: []string{"a", "1"}}).Result())
		if n := must(rc.XLen(ctx, "st").Result()); n != 1 {
			t.Fatalf("XLEN %d", n)
		}
		must(rc.PFAdd(ctx, "hll", "a", "b").Result())
		if v := must(rc.Eval(ctx, "return redis.call('GET', KEYS[1])", []string{"k7"}).Result()); v != "7" {
			t.Fatalf("EVAL %v", v)
		}
		must(rc.GeoAdd(ctx, "geo", &redis.GeoLocation{Name: "a", Longitude: 13.36, Latitude: 38.11},
			&redis.GeoLocation{Name: "b", Longitude: 15.08, Latitude: 37.50}).Result())
		if d := must(rc.GeoDist(ctx, "geo", "a", "b", "km").Result()); d != 165.679 { // what redis-server replies for these coordinates
			t.Fatalf("GEODIST %v", d)
		}
		must(rc.SetBit(ctx, "bits", 7, 1).Result())
		if n := must(rc.BitCount(ctx, "bits", nil).Result()); n != 1 {
			t.Fatalf("BITCOUNT %d", n)
		}
		// FUNCTION LOAD reaches every master, so FCALL works whatever its key's slot.
		must(rc.FunctionLoadReplace(ctx, "#!lua name=lib\nredis.register_function('get1', function(keys) return redis.call('GET', keys[1]) end)").Result())
		for _, k := range []string{"k1", "k2", "k3", "k4"} {
			if v := must(rc.FCall(ctx, "get1", []string{k}).Result()); v != k[1:] {
				t.Fatalf("FCALL get1 %s = %v", k, v)
			}
		}
		if v := must(rc.Do(ctx, "SELECT", "0").Result()); v != "OK" {
			t.Fatalf("SELECT 0 %v", v)
		}
		if err := rc.Do(ctx, "SELECT", "1").Err(); err == nil || err.Error() != "ERR SELECT is not allowed in cluster mode" {
			t.Fatalf("SELECT 1: %v", err)
		}
	})
	t.Run("split", func(t *testing.T) {
		keys := []string{"a", "b", "c", "d", "{a}x", "e", "f"}
		var kv []any
		for _, k := range keys {
			kv = append(kv, k, "v"+k)
		}
		must(rc.MSet(ctx, kv...).Result())
		got := must(rc.MGet(ctx, append(keys, "missing")...).Result())
		for i, k := range keys {
			if got[i] != "v"+k {
				t.Fatalf("MGET[%d] = %v, want v%s", i, got[i], k)
			}
		}
		if got[len(keys)] != nil {
			t.Fatalf("MGET missing = %v", got[len(keys)])
		}
		if n := must(rc.Exists(ctx, "a", "b", "missing", "a").Result()); n != 3 {
			t.Fatalf("EXISTS = %d", n)
		}
		if n := must(rc.Touch(ctx, "a", "b", "c").Result()); n != 3 {
			t.Fatalf("TOUCH = %d", n)
		}
		if n := must(rc.Del(ctx, "a", "b", "missing").Result()); n != 2 {
			t.Fatalf("DEL = %d", n)
		}
		if n := must(rc.Unlink(ctx, "c", "d").Result()); n != 2 {
			t.Fatalf("UNLINK = %d", n)
		}
		for _, err := range []error{
			rc.MSetNX(ctx, "a", 1, "b", 2).Err(),
			rc.Rename(ctx, "e", "f").Err(),
			rc.SInterStore(ctx, "a", "b", "c").Err(),
		} {
			if err == nil || !strings.HasPrefix(err.Error(), "CROSSSLOT") {
				t.Fatalf("cross-slot command: %v", err)
			}
		}
	})
	t.Run("pipeline", func(t *testing.T) {
		pipe := rc.Pipeline()
		var cmds []*redis.StringCmd
		for i := range 200 {
			pipe.Set(ctx, fmt.Sprintf("p%d", i), i, 0)
			cmds = append(cmds, pipe.Get(ctx, fmt.Sprintf("p%d", i)))
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for i, c := range cmds {
			if c.Val() != fmt.Sprint(i) {
				t.Fatalf("pipelined GET p%d = %q", i, c.Val())
			}
		}
	})
	t.Run("resp3", func(t *testing.T) {
		r3 := client(t, p, 3)
		must(r3.HSet(ctx, "h3", "f", "v").Result())
		if m := must(r3.HGetAll(ctx, "h3").Result()); m["f"] != "v" {
			t.Fatalf("RESP3 HGETALL %v", m)
		}
	})
	t.Run("go-redis-defaults", func(t *testing.T) {
		// Default options: HELLO 3 and CLIENT SETINFO (which Redis 7.0 refuses too).
		dc := redis.NewClient(&redis.Options{Addr: p.Addr()})
		defer dc.Close()
		must(dc.Set(ctx, "d", "v", 0).Result())
		if v := must(dc.Get(ctx, "d").Result()); v != "v" {
			t.Fatalf("GET %q", v)
		}
	})
	t.Run("multi", func(t *testing.T) {
		cmds, err := rc.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "{t}a", "1", 0)
			p.Incr(ctx, "{t}a")
			p.Get(ctx, "{t}a")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if v := cmds[2].(*redis.StringCmd).Val(); v != "2" {
			t.Fatalf("EXEC GET = %q", v)
		}
		_, err = rc.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "a", "1", 0)
			p.Set(ctx, "b", "1", 0)
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), "EXECABORT") && !strings.Contains(err.Error(), "CROSSSLOT") {
			t.Fatalf("cross-slot MULTI: %v", err)
		}
		// WATCH, then a concurrent change makes EXEC fail.
		err = rc.Watch(ctx, func(tx *redis.Tx) error {
			rc.Set(ctx, "{t}w", "other", 0)
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, "{t}w", "mine", 0)
				return nil
			})
			return err
		}, "{t}w")
		if err != redis.TxFailedErr {
			t.Fatalf("WATCH conflict: %v", err)
		}
	})
	t.Run("blocking", func(t *testing.T) {
		res := make(chan []string, 1)
		go func() {
			v, _ := rc.BLPop(ctx, 5*time.Second, "bl").Result()
			res <- v
		}()
		time.Sleep(100 * time.Millisecond) // let BLPOP block first
		must(rc.RPush(ctx, "bl", "x").Result())
		select {
		case v := <-res:
			if len(v) != 2 || v[1] != "x" {
				t.Fatalf("BLPOP %v", v)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("BLPOP did not return")
		}
	})
	t.Run("blocking-disconnect", func(t *testing.T) {
		blocked := func() int {
			n := 0
			for _, s := range cl.Nodes {
				nc := redis.NewClient(&redis.Options{Addr: s.Addr()})
				info := must(nc.Info(ctx, "clients").Result())
				nc.Close()
				var b int
				for _, line := range strings.Split(info, "\r\n") {
					if v, ok := strings.CutPrefix(line, "blocked_clients:"); ok {
						fmt.Sscan(v, &b)
					}
				}
				n += b
			}
			return n
		}
		c, err := testutil.Dial(p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		c.Send(testutil.AppendCommand(nil, "BLPOP", "never", "0"))
		testutil.WaitFor(t, 5*time.Second, func() bool { return blocked() == 1 }, "BLPOP blocked on a node")
		// What the client sends while blocked waits for the blocking reply.
		c.Send(testutil.AppendCommand(nil, "PING"))
		time.Sleep(50 * time.Millisecond) // the PING must not overtake the BLPOP
		must(rc.RPush(ctx, "never", "v").Result())
		if raw, err := c.ReadReply(); err != nil || string(raw) != "*2\r\n$5\r\nnever\r\n$1\r\nv\r\n" {
			t.Fatalf("BLPOP reply %q %v", raw, err)
		}
		if raw, err := c.ReadReply(); err != nil || string(raw) != "+PONG\r\n" {
			t.Fatalf("PING reply %q %v", raw, err)
		}
		c.Send(testutil.AppendCommand(nil, "BLPOP", "never", "0"))
		testutil.WaitFor(t, 5*time.Second, func() bool { return blocked() == 1 }, "BLPOP blocked again")
		c.Close()
		testutil.WaitFor(t, 5*time.Second, func() bool { return blocked() == 0 }, "the node to drop the vanished client's BLPOP")
	})
	t.Run("pubsub", func(t *testing.T) {
		sub := client(t, p, 2).Subscribe(ctx, "news")
		defer sub.Close()
		must(sub.Receive(ctx))
		ch := sub.Channel()
		must(rc.Publish(ctx, "news", "hello").Result())
		select {
		case m := <-ch:
			if m.Payload != "hello" {
				t.Fatalf("message %v", m)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no message")
		}
		ss := client(t, p, 2).SSubscribe(ctx, "shard")
		defer ss.Close()
		must(ss.Receive(ctx))
		must(rc.SPublish(ctx, "shard", "s1").Result())
		select {
		case m := <-ss.Channel():
			if m.Payload != "s1" {
				t.Fatalf("smessage %v", m)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no smessage")
		}
	})
	t.Run("pubsub-exit", func(t *testing.T) {
		// A connection that unsubscribes from everything is an ordinary one again.
		key := "k1"
		for i := 0; slotsOf(key) > 5460; i++ { // on the node SUBSCRIBE uses: no MOVED
			key = fmt.Sprintf("k%d", i)
		}
		must(rc.Set(ctx, key, "1", 0).Result())
		c, err := testutil.Dial(p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Send(testutil.AppendCommand(nil, "SUBSCRIBE", "a", "b"))
		for _, want := range []string{"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n", "*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"} {
			if raw, err := c.ReadReply(); err != nil || string(raw) != want {
				t.Fatalf("SUBSCRIBE reply %q %v", raw, err)
			}
		}
		must(rc.Publish(ctx, "b", "m").Result())
		if raw, err := c.ReadReply(); err != nil || string(raw) != "*3\r\n$7\r\nmessage\r\n$1\r\nb\r\n$1\r\nm\r\n" {
			t.Fatalf("message %q %v", raw, err)
		}
		// Unsubscribing from one channel keeps pub/sub mode: GET is refused by the node.
		c.Send(append(testutil.AppendCommand(nil, "UNSUBSCRIBE", "a"), testutil.AppendCommand(nil, "GET", key)...))
		if raw, err := c.ReadReply(); err != nil || string(raw) != "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n" {
			t.Fatalf("UNSUBSCRIBE a %q %v", raw, err)
		}
		if raw, err := c.ReadReply(); err != nil || !strings.HasPrefix(string(raw), "-ERR Can't execute 'get'") {
			t.Fatalf("GET while subscribed %q %v", raw, err)
		}
		// The last unsubscribe and a GET pipelined after it: the GET is served normally.
		c.Send(append(testutil.AppendCommand(nil, "UNSUBSCRIBE"), testutil.AppendCommand(nil, "GET", key)...))
		if raw, err := c.ReadReply(); err != nil || string(raw) != "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:0\r\n" {
			t.Fatalf("UNSUBSCRIBE %q %v", raw, err)
		}
		if raw, err := c.ReadReply(); err != nil || string(raw) != "$1\r\n1\r\n" {
			t.Fatalf("GET after unsubscribing %q %v", raw, err)
		}
	})
	t.Run("scan", func(t *testing.T) {
		must(rc.FlushAll(ctx).Result())
		want := map[string]bool{}
		for i := range 500 {
			k := fmt.Sprintf("scan:%d", i)
			want[k] = true
			rc.Set(ctx, k, 1, 0)
		}
		if n := must(rc.DBSize(ctx).Result()); n != 500 {
			t.Fatalf("DBSIZE %d", n)
		}
		got := map[string]bool{}
		var cur uint64
		for {
			keys, next, err := rc.Scan(ctx, cur, "scan:*", 50).Result()
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				got[k] = true
			}
			if cur = next; cur == 0 {
				break
			}
		}
		if len(got) != len(want) {
			t.Fatalf("SCAN found %d keys, want %d", len(got), len(want))
		}
		if keys := must(rc.Keys(ctx, "scan:*").Result()); len(keys) != 500 {
			t.Fatalf("KEYS %d", len(keys))
		}
		info := must(rc.Info(ctx).Result())
		if !strings.Contains(info, "db0:keys=500,") || !strings.Contains(info, "# Proxy") {
			t.Fatalf("INFO:\n%s", info)
		}
	})
	t.Run("redis-cli", func(t *testing.T) {
		host, port, _ := strings.Cut(p.Addr(), ":")
		out, err := exec.Command("redis-cli", "-h", host, "-p", port, "MGET", "scan:1", "nope", "scan:2").CombinedOutput()
		if err != nil || string(out) != "1\n\n1\n" {
			t.Fatalf("redis-cli: %v %q", err, out)
		}
	})
}

// TestProxyProcessSurvivesHangup: `keygrid proxy` as a process goes on serving
// after SIGHUP and after its stderr reader has gone (Go's default for both
// signals is to exit; the nodes ignore them as redis-server does).
func TestProxyProcessSurvivesHangup(t *testing.T) {
	cl := testutil.StartCluster(t, testutil.ClusterServer(), 3, 0)
	port := testutil.FreePort(t)
	cmd := exec.Command(testutil.BuildKeygrid(t), "proxy", "--cluster", cl.Nodes[0].Addr(),
		"--listen", "127.0.0.1:"+strconv.Itoa(port))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	ping := func() bool {
		c, err := testutil.Dial(addr)
		if err != nil {
			return false
		}
		defer c.Close()
		r, err := c.Do("PING")
		return err == nil && string(r) == "+PONG\r\n"
	}
	testutil.WaitFor(t, 20*time.Second, ping, "the proxy did not answer PING")
	stderr.Close()
	cmd.Process.Signal(syscall.SIGHUP)
	time.Sleep(300 * time.Millisecond)
	if !ping() {
		t.Fatal("the proxy stopped serving after SIGHUP")
	}
}
