package proxy

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
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
