package node_test

// The append-only file with the real binary: acknowledged writes survive kill -9
// (appendfsync always: none lost; everysec: a bounded number), and AOF directories
// cross between redis-server 7.0 and keygrid in both directions, checked by
// DEBUG DIGEST and by redis-check-aof.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// crashWrites runs writers against s until stop, each setting unique keys, and
// returns every acknowledged key with the time of its acknowledgment.
func crashWrites(t *testing.T, s *testutil.Server, writers int, run time.Duration) map[string]time.Time {
	var mu sync.Mutex
	acked := make(map[string]time.Time)
	var wg sync.WaitGroup
	deadline := time.Now().Add(run)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := redis.NewClient(&redis.Options{Addr: s.Addr(), DisableIdentity: true, MaxRetries: -1, PoolSize: 1})
			defer c.Close()
			ctx := context.Background()
			for i := 0; ; i++ {
				k := fmt.Sprintf("w%d:%d", w, i)
				if err := c.Set(ctx, k, k, 0).Err(); err != nil {
					return // the server was killed
				}
				mu.Lock()
				acked[k] = time.Now()
				mu.Unlock()
			}
		}(w)
	}
	time.Sleep(time.Until(deadline))
	start := time.Now()
	s.Kill()
	wg.Wait()
	t.Logf("kill and writers' exit took %v", time.Since(start))
	return acked
}

// lostWrites restarts s and returns the acknowledged keys that are missing.
func lostWrites(t *testing.T, s *testutil.Server, acked map[string]time.Time) []string {
	start := time.Now()
	s.Restart()
	t.Logf("restart took %v", time.Since(start))
	c := client(t, s)
	ctx := context.Background()
	var lost []string
	keys := make([]string, 0, len(acked))
	for k := range acked {
		keys = append(keys, k)
	}
	for i := 0; i < len(keys); i += 500 {
		batch := keys[i:min(i+500, len(keys))]
		vals, err := c.MGet(ctx, batch...).Result()
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range vals {
			if v != batch[j] {
				lost = append(lost, batch[j])
			}
		}
	}
	return lost
}

// appendfsync always: a reply leaves only after its write is in the AOF and
// fsynced, so kill -9 loses no acknowledged write.
func TestAOFCrashAlways(t *testing.T) {
	s := testutil.StartKeygrid(t, "--appendonly", "yes", "--appendfsync", "always")
	acked := crashWrites(t, s, 8, 2*time.Second)
	if len(acked) < 100 {
		t.Fatalf("only %d writes acknowledged", len(acked))
	}
	if lost := lostWrites(t, s, acked); len(lost) > 0 {
		t.Fatalf("%d of %d acknowledged writes lost after kill -9, e.g. %v", len(lost), len(acked), lost[:min(5, len(lost))])
	}
	t.Logf("%d acknowledged writes, none lost", len(acked))
}

// appendfsync everysec: what can be lost is bounded by the last second or two of
// writes (the process's own buffer; kill -9 leaves the page cache intact).
func TestAOFCrashEverysec(t *testing.T) {
	s := testutil.StartKeygrid(t, "--appendonly", "yes", "--appendfsync", "everysec")
	acked := crashWrites(t, s, 8, 2*time.Second)
	killed := time.Now()
	lost := lostWrites(t, s, acked)
	for _, k := range lost {
		if killed.Sub(acked[k]) > 2*time.Second {
			t.Fatalf("write %s acknowledged %v before the kill was lost", k, killed.Sub(acked[k]))
		}
	}
	t.Logf("%d acknowledged writes, %d lost", len(acked), len(lost))
}

// aofDataset is a dataset of every type and encoding, applied to both servers.
var aofDataset = [][]any{
	{"SET", "str", "hello"}, {"SET", "int", "12345"}, {"SET", "big", strings.Repeat("x", 200)},
	{"RPUSH", "list", "a", "b", "1", "2"}, {"SADD", "iset", "1", "2", "3"}, {"SADD", "set", "a", "b"},
	{"HSET", "hash", "f", "v", "n", "1"}, {"ZADD", "zset", "1", "a", "2.5", "b", "-inf", "c"},
	{"XADD", "stream", "1-1", "f", "v"}, {"XGROUP", "CREATE", "stream", "g", "0"},
	{"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "stream", ">"},
	{"SET", "ttl", "v", "PX", "100000000"}, {"SELECT", "3"}, {"SET", "db3", "x"}, {"SELECT", "0"},
	{"INCR", "int"}, {"LPUSH", "list", "z"}, {"HINCRBY", "hash", "n", "2"},
}

func applyDataset(t *testing.T, c *redis.Client) {
	ctx := context.Background()
	for i := 0; i < 300; i++ { // big enough for hashtable/skiplist/quicklist encodings
		c.HSet(ctx, "bighash", fmt.Sprintf("f%d", i), i)
		c.ZAdd(ctx, "bigzset", redis.Z{Score: float64(i), Member: fmt.Sprintf("m%d", i)})
		c.SAdd(ctx, "bigset", fmt.Sprintf("m%d", i))
		c.RPush(ctx, "biglist", i)
	}
	conn := c.Conn()
	defer conn.Close()
	for _, cmd := range aofDataset {
		if err := conn.Do(ctx, cmd...).Err(); err != nil {
			t.Fatalf("%v: %v", cmd, err)
		}
	}
}

func digest(t *testing.T, c *redis.Client) string {
	d, err := c.Do(context.Background(), "DEBUG", "DIGEST").Text()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// copyDir copies the files of src into dst (created).
func copyDir(t *testing.T, src, dst string) {
	os.RemoveAll(dst)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644)
	}
}

// An appendonlydir written by redis-server 7.0 (RDB base + incr, and an AOF-format
// base) loads into keygrid with the same DEBUG DIGEST, and one written by keygrid
// passes redis-check-aof and loads into redis-server with the same digest.
func TestAOFRedisInterop(t *testing.T) {
	for _, preamble := range []string{"yes", "no"} {
		t.Run("preamble="+preamble, func(t *testing.T) {
			args := []string{"--appendonly", "yes", "--aof-use-rdb-preamble", preamble, "--enable-debug-command", "yes"}
			r := testutil.StartRedis(t, args...)
			rc := client(t, r)
			applyDataset(t, rc)
			ctx := context.Background()
			rc.Do(ctx, "BGREWRITEAOF")
			waitRewrite(t, rc)
			rc.Set(ctx, "after-rewrite", "1", 0) // in the incr file
			want := digest(t, rc)

			k := testutil.StartKeygrid(t, args...)
			k.Stop()
			copyDir(t, filepath.Join(r.Dir(), "appendonlydir"), filepath.Join(k.Dir(), "appendonlydir"))
			k.Restart()
			kc := client(t, k)
			if got := digest(t, kc); got != want {
				t.Fatalf("keygrid loaded redis's AOF with digest %s, redis has %s\n%s", got, want, k.Log())
			}

			// Now keygrid writes: a rewrite and more commands; redis-check-aof and
			// redis-server must accept the result.
			kc.Set(ctx, "from-keygrid", "1", 0)
			kc.Do(ctx, "BGREWRITEAOF")
			waitRewrite(t, kc)
			kc.Set(ctx, "after-keygrid-rewrite", "2", 0)
			kc.Del(ctx, "str")
			want = digest(t, kc)
			k.Stop()
			manifest := filepath.Join(k.Dir(), "appendonlydir", "appendonly.aof.manifest")
			out, err := exec.Command("redis-check-aof", manifest).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "All AOF files and manifest are valid") {
				t.Fatalf("redis-check-aof on keygrid's AOF: %v\n%s", err, out)
			}
			r.Stop()
			copyDir(t, filepath.Join(k.Dir(), "appendonlydir"), filepath.Join(r.Dir(), "appendonlydir"))
			r.Restart()
			if got := digest(t, client(t, r)); got != want {
				t.Fatalf("redis-server loaded keygrid's AOF with digest %s, keygrid had %s", got, want)
			}
		})
	}
}

func waitRewrite(t *testing.T, c *redis.Client) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := c.Info(context.Background(), "persistence").Result()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0") {
			if !strings.Contains(info, "aof_last_bgrewrite_status:ok") {
				t.Fatalf("rewrite failed:\n%s", info)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("rewrite did not finish:\n%s", info)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// keygrid check-aof gives redis-check-aof's verdicts and output on the same files,
// valid and truncated, and --fix repairs the last file as it does.
func TestCheckAOFMatchesRedis(t *testing.T) {
	bin := testutil.BuildKeygrid(t)
	k := testutil.StartKeygrid(t, "--appendonly", "yes", "--aof-use-rdb-preamble", "no")
	kc := client(t, k)
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		kc.Set(ctx, fmt.Sprintf("k%d", i), i, 0)
	}
	kc.Do(ctx, "MULTI")
	k.Stop()
	dir := filepath.Join(k.Dir(), "appendonlydir")
	incr := filepath.Join(dir, "appendonly.aof.1.incr.aof")
	full, err := os.ReadFile(incr)
	if err != nil {
		t.Fatal(err)
	}
	run := func(name string, args ...string) (string, int) {
		cmd := exec.Command(name, args...)
		if name == bin {
			cmd = exec.Command(bin, append([]string{"check-aof"}, args...)...)
		}
		cmd.Stdin = strings.NewReader("y\n")
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	for _, cut := range []int{len(full), len(full) - 3, len(full) / 2, 40} {
		for _, fix := range []bool{false, true} {
			var outs [2]string
			var codes [2]int
			for i, prog := range []string{"redis-check-aof", bin} {
				os.WriteFile(incr, full[:cut], 0o644)
				args := []string{filepath.Join(dir, "appendonly.aof.manifest")}
				if fix {
					args = append([]string{"--fix"}, args...)
				}
				outs[i], codes[i] = run(prog, args...)
				if fix {
					b, _ := os.ReadFile(incr)
					outs[i] += fmt.Sprintf("[size after: %d]", len(b))
				}
			}
			outs[0] = strings.ReplaceAll(outs[0], "redis-check-aof", "keygrid check-aof")
			if outs[0] != outs[1] || codes[0] != codes[1] {
				t.Errorf("cut %d fix %v:\nredis-check-aof (exit %d):\n%s\nkeygrid check-aof (exit %d):\n%s", cut, fix, codes[0], outs[0], codes[1], outs[1])
			}
		}
	}
}
