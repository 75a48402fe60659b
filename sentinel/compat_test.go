package sentinel

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// fieldNames returns the keys of a RESP2 field/value array reply.
func fieldNames(t *testing.T, v resp.Value) []string {
	t.Helper()
	var out []string
	for i := 0; i+1 < len(v.Elems); i += 2 {
		out = append(out, v.Elems[i].Str)
	}
	return out
}

func doRaw(t *testing.T, c *testutil.Conn, args ...string) resp.Value {
	t.Helper()
	raw, err := c.Do(args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	v, err := resp.ParseReply(raw)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return v
}

// A keygrid sentinel and Debian's redis-sentinel 7.0 watch the same group (and
// find each other through hello messages): their replies must have the same
// shapes and field names, and the same bytes where nothing depends on time or ids.
func TestRepliesMatchRedisSentinel(t *testing.T) {
	// Mostly waiting on timers: runs beside the other waiting tests.
	t.Parallel()
	master, _ := redisGroup(t)
	ks := startKeygridSentinels(t, 1, master.Port())[0]
	raddr := startRedisSentinels(t, 1, master.Port())[0]
	kc, err := testutil.Dial(ks.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	var rc *testutil.Conn
	waitFor(t, 10*time.Second, "redis-sentinel up", func() bool {
		rc, err = testutil.Dial(raddr)
		return err == nil
	})
	defer rc.Close()
	// Both must know both replicas and each other.
	for _, c := range []*testutil.Conn{kc, rc} {
		waitFor(t, 15*time.Second, "discovery", func() bool {
			v := doRaw(t, c, "SENTINEL", "MASTER", "mymaster")
			m := map[string]string{}
			for i := 0; i+1 < len(v.Elems); i += 2 {
				m[v.Elems[i].Str] = v.Elems[i+1].Str
			}
			return m["num-slaves"] == "2" && m["num-other-sentinels"] == "1"
		})
	}
	for _, args := range [][]string{
		{"SENTINEL", "MASTER", "mymaster"},
		{"SENTINEL", "REPLICAS", "mymaster"},
		{"SENTINEL", "SLAVES", "mymaster"},
		{"SENTINEL", "SENTINELS", "mymaster"},
		{"SENTINEL", "MASTERS"},
	} {
		k, r := doRaw(t, kc, args...), doRaw(t, rc, args...)
		if k.Kind != r.Kind || len(k.Elems) != len(r.Elems) {
			t.Errorf("%v: keygrid %s, redis %s", args, k, r)
			continue
		}
		maps := []resp.Value{k}
		rmaps := []resp.Value{r}
		if args[1] != "MASTER" {
			maps, rmaps = k.Elems, r.Elems
		}
		for i := range maps {
			kn, rn := fieldNames(t, maps[i]), fieldNames(t, rmaps[i])
			if len(kn) > len(rn) { // keygrid's failover measurements come after Redis's fields
				kn = kn[:len(rn)]
			}
			if strings.Join(kn, " ") != strings.Join(rn, " ") {
				t.Errorf("%v: fields\nkeygrid %v\nredis   %v", args, kn, rn)
			}
		}
	}
	for _, args := range [][]string{
		{"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"},
		{"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope"},
		{"SENTINEL", "MASTER", "nope"},
		{"SENTINEL", "REPLICAS", "nope"},
		{"SENTINEL", "MASTER"},
		{"SENTINEL", "NOPE"},
		{"SENTINEL", "CKQUORUM", "mymaster"},
		{"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", strconv.Itoa(master.Port()), "0", "*"},
		{"SENTINEL", "MONITOR", "x", "1.2.3.4", "abc", "2"},
		{"SENTINEL", "MONITOR", "x", "1.2.3.4", "6379", "0"},
		{"SENTINEL", "MONITOR", "x", "not an ip", "6379", "2"},
		{"SENTINEL", "SET", "mymaster", "quorum", "0"},
		{"SENTINEL", "SET", "mymaster", "bogus", "1"},
		{"SENTINEL", "CONFIG", "GET", "resolve-hostnames"},
		{"SENTINEL", "CONFIG", "BOGUS", "x"},
		{"SENTINEL", "PENDING-SCRIPTS"},
		{"SENTINEL", "DEBUG"},
		{"SENTINEL", "HELP"},
		{"SENTINEL", "INFO-CACHE", "nope"},
		{"SENTINEL", "SIMULATE-FAILURE", "bogus"},
		{"SENTINEL", "RESET", "nomatch*"},
		{"SENTINEL", "CONFIG", "GET", "announce-*"},
		{"ROLE"},
		{"PING"},
		{"FOO", "bar"},
		// Container commands: an unknown subcommand, and a known one with
		// the wrong number of arguments (go-redis sends CLIENT SETINFO, new in 7.2).
		{"CLIENT", "SETINFO", "lib-name", "x"},
		{"CLIENT", "GETNAME", "x"},
		{"CLIENT", "KILL"},
		{"ACL", "FOO"},
		{"ACL", "WHOAMI", "x"},
	} {
		k, r := doRaw(t, kc, args...), doRaw(t, rc, args...)
		if !bytes.Equal(k.Raw, r.Raw) {
			t.Errorf("%v:\nkeygrid %q\nredis   %q", args, k.Raw, r.Raw)
		}
	}
	// INFO sentinel: same fields, same master line.
	k := doRaw(t, kc, "INFO", "sentinel").Str
	r := doRaw(t, rc, "INFO", "sentinel").Str
	if k != r {
		t.Errorf("INFO sentinel:\nkeygrid %q\nredis   %q", k, r)
	}
	if id := doRaw(t, kc, "SENTINEL", "MYID").Str; len(id) != 40 {
		t.Errorf("myid %q", id)
	}
	// go-redis's sentinel client reads everything it needs.
	sc := redis.NewSentinelClient(&redis.Options{Addr: ks.Addr()})
	defer sc.Close()
	ctx := context.Background()
	if addr, err := sc.GetMasterAddrByName(ctx, "mymaster").Result(); err != nil || addr[1] != strconv.Itoa(master.Port()) {
		t.Errorf("go-redis GetMasterAddrByName = %v, %v", addr, err)
	}
	if reps, err := sc.Replicas(ctx, "mymaster").Result(); err != nil || len(reps) != 2 {
		t.Errorf("go-redis Replicas = %v, %v", reps, err)
	}
}

// requirepass on the sentinel itself behaves as Redis Sentinel's.
func TestAuthMatchesRedisSentinel(t *testing.T) {
	t.Parallel()
	master := testutil.StartRedis(t)
	cfg := DefaultConfig()
	cfg.Port, cfg.Bind, cfg.Dir, cfg.RequirePass = freePorts(t, 1)[0], "127.0.0.1", t.TempDir(), "s3cret"
	ks, err := New(cfg, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ks.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ks.Shutdown)
	raddr := startRedisSentinels(t, 1, master.Port(), "requirepass s3cret")[0]
	kc, err := testutil.Dial(ks.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	var rc *testutil.Conn
	waitFor(t, 10*time.Second, "redis-sentinel up", func() bool {
		rc, err = testutil.Dial(raddr)
		return err == nil
	})
	defer rc.Close()
	for _, args := range [][]string{
		{"PING"},
		{"SENTINEL", "MYID", "x"},
		{"HELLO", "3"},
		{"AUTH", "wrong"},
		{"AUTH", "someone", "s3cret"},
		{"AUTH", "s3cret"},
		{"PING"},
		{"AUTH", "default", "s3cret"},
	} {
		k, r := doRaw(t, kc, args...), doRaw(t, rc, args...)
		if !bytes.Equal(k.Raw, r.Raw) {
			t.Errorf("%v:\nkeygrid %q\nredis   %q", args, k.Raw, r.Raw)
		}
	}
}
