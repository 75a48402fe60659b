package node_test

// RDB persistence with the real binary (engine/persist.go, engine/snapshot.go): data
// saved by SAVE, BGSAVE, SHUTDOWN SAVE or SIGTERM comes back after a restart; a BGSAVE
// running under writes produces a valid file; a killed save leaves the old dump; a
// corrupt dump refuses the start; redis-server and redis-check-rdb read keygrid's file.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// fillTypes writes one key of each type and returns the DEBUG DIGEST-free view of
// them that checkTypes compares after a reload.
func fillTypes(t *testing.T, rdb *redis.Client, n int) {
	t.Helper()
	ctx := context.Background()
	pipe := rdb.Pipeline()
	for i := 0; i < n; i++ {
		pipe.Set(ctx, fmt.Sprint("str:", i), fmt.Sprint("value-", i), 0)
	}
	pipe.Set(ctx, "ttl", "x", time.Hour)
	pipe.RPush(ctx, "list", "a", "b", "c")
	pipe.HSet(ctx, "hash", "f1", "v1", "f2", "v2")
	pipe.SAdd(ctx, "set", "m1", "m2", 3)
	pipe.ZAdd(ctx, "zset", redis.Z{Score: 1.5, Member: "a"}, redis.Z{Score: 2, Member: "b"})
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

func checkTypes(t *testing.T, rdb *redis.Client, n int) {
	t.Helper()
	ctx := context.Background()
	if got := rdb.DBSize(ctx).Val(); got != int64(n+5) {
		t.Fatalf("DBSIZE after restart = %d, want %d", got, n+5)
	}
	if v := rdb.Get(ctx, fmt.Sprint("str:", n-1)).Val(); v != fmt.Sprint("value-", n-1) {
		t.Fatalf("string = %q", v)
	}
	if ttl := rdb.TTL(ctx, "ttl").Val(); ttl <= 0 || ttl > time.Hour {
		t.Fatalf("TTL = %v", ttl)
	}
	if v := rdb.LRange(ctx, "list", 0, -1).Val(); strings.Join(v, ",") != "a,b,c" {
		t.Fatalf("list = %v", v)
	}
	if v := rdb.HGet(ctx, "hash", "f2").Val(); v != "v2" {
		t.Fatalf("hash = %q", v)
	}
	if v := rdb.SCard(ctx, "set").Val(); v != 3 {
		t.Fatalf("set card = %d", v)
	}
	if v := rdb.ZScore(ctx, "zset", "a").Val(); v != 1.5 {
		t.Fatalf("zset score = %v", v)
	}
}

func TestPersistSaveRestart(t *testing.T) {
	s := testutil.StartKeygrid(t)
	rdb := client(t, s)
	ctx := context.Background()
	fillTypes(t, rdb, 1000)
	if v, err := rdb.Save(ctx).Result(); err != nil || v != "OK" {
		t.Fatalf("SAVE = %q, %v", v, err)
	}
	if n := rdb.Info(ctx, "persistence").Val(); !strings.Contains(n, "rdb_changes_since_last_save:0\r\n") || !strings.Contains(n, "rdb_saves:1\r\n") {
		t.Fatalf("INFO after SAVE:\n%s", n)
	}
	// redis-check-rdb accepts the file.
	if out, err := exec.Command("redis-check-rdb", filepath.Join(s.Dir(), "dump.rdb")).CombinedOutput(); err != nil || !strings.Contains(string(out), "RDB looks OK") {
		t.Fatalf("redis-check-rdb: %v\n%s", err, out)
	}
	s.Restart() // save "" : SIGTERM saves nothing, the SAVE's file is loaded
	rdb = client(t, s)
	checkTypes(t, rdb, 1000)
	if n := rdb.Info(ctx, "persistence").Val(); !strings.Contains(n, "rdb_last_load_keys_loaded:1005\r\n") {
		t.Fatalf("INFO after load:\n%s", n)
	}
}

// SHUTDOWN SAVE saves without save points; SIGTERM saves when save points exist.
func TestPersistShutdownSave(t *testing.T) {
	s := testutil.StartKeygrid(t)
	rdb := client(t, s)
	ctx := context.Background()
	fillTypes(t, rdb, 10)
	rdb.Do(ctx, "SHUTDOWN", "SAVE") // the connection closes: no reply
	testutil.WaitFor(t, 5*time.Second, func() bool { return !s.Alive() }, "keygrid still running after SHUTDOWN SAVE")
	s.Restart()
	rdb = client(t, s)
	checkTypes(t, rdb, 10)

	s2 := testutil.StartKeygrid(t, "--save", "3600 1")
	rdb2 := client(t, s2)
	fillTypes(t, rdb2, 20)
	s2.Restart() // SIGTERM: the final save
	checkTypes(t, client(t, s2), 20)
	if !strings.Contains(s2.Log(), "Saving the final RDB snapshot before exiting.") {
		t.Fatalf("no final save in the log:\n%s", s2.Log())
	}
}

// A BGSAVE under concurrent writes completes with a valid file that loads, and the
// writers never see an error; BGSAVE while one runs is refused as Redis does.
func TestPersistBgsaveDuringWrites(t *testing.T) {
	s := testutil.StartKeygrid(t, "--enable-debug-command", "yes")
	rdb := client(t, s)
	ctx := context.Background()
	if err := rdb.Do(ctx, "DEBUG", "POPULATE", "200000").Err(); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var writes atomic.Int64
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := client(t, s)
			for i := 0; !stop.Load(); i++ {
				k := fmt.Sprintf("key:%d", (i*7919+w)%250000)
				var err error
				switch i % 4 {
				case 0:
					err = c.Del(ctx, k).Err()
				case 1:
					err = c.Expire(ctx, k, time.Hour).Err()
				default:
					err = c.Set(ctx, k, fmt.Sprint("w", w, "-", i), 0).Err()
				}
				if err != nil {
					t.Errorf("write during BGSAVE: %v", err)
					return
				}
				writes.Add(1)
			}
		}(w)
	}
	time.Sleep(50 * time.Millisecond)
	if v, err := rdb.BgSave(ctx).Result(); err != nil || v != "Background saving started" {
		t.Fatalf("BGSAVE = %q, %v", v, err)
	}
	if err := rdb.BgSave(ctx).Err(); err == nil || err.Error() != "ERR Background save already in progress" {
		// The save may already be over on a fast machine; only a wrong error fails.
		if err != nil {
			t.Fatalf("second BGSAVE: %v", err)
		}
	}
	testutil.WaitFor(t, 30*time.Second, func() bool {
		return strings.Contains(rdb.Info(ctx, "persistence").Val(), "rdb_bgsave_in_progress:0")
	}, "BGSAVE did not finish")
	stop.Store(true)
	wg.Wait()
	info := rdb.Info(ctx, "persistence").Val()
	if !strings.Contains(info, "rdb_last_bgsave_status:ok") {
		t.Fatalf("INFO:\n%s", info)
	}
	t.Logf("%d writes during the test", writes.Load())
	path := filepath.Join(s.Dir(), "dump.rdb")
	if out, err := exec.Command("redis-check-rdb", path).CombinedOutput(); err != nil || !strings.Contains(string(out), "RDB looks OK") {
		t.Fatalf("redis-check-rdb: %v\n%s", err, out)
	}
	// redis-server loads it too.
	r := testutil.StartRedis(t, "--dbfilename", "dump.rdb", "--dir", s.Dir())
	if n, err := client(t, r).DBSize(ctx).Result(); err != nil || n < 150000 {
		t.Fatalf("redis-server loaded %d keys, %v", n, err)
	}
}

// A save killed half-way leaves the previous dump intact (temp file + rename).
func TestPersistKilledSaveKeepsOldDump(t *testing.T) {
	s := testutil.StartKeygrid(t, "--enable-debug-command", "yes")
	rdb := client(t, s)
	ctx := context.Background()
	rdb.Set(ctx, "old", "1", 0)
	if err := rdb.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.Dir(), "dump.rdb")
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rdb.Do(ctx, "DEBUG", "POPULATE", "5000")
	rdb.ConfigSet(ctx, "rdb-key-save-delay", "1000") // 1 ms per key: about 5 s
	if err := rdb.BgSave(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(s.Dir(), fmt.Sprintf("temp-%d.rdb", s.Pid()))
	testutil.WaitFor(t, 5*time.Second, func() bool { _, err := os.Stat(tmp); return err == nil }, "no temp file")
	s.Kill()
	if cur, _ := os.ReadFile(path); string(cur) != string(old) {
		t.Fatal("dump.rdb changed by a killed save")
	}
	s.Restart()
	rdb = client(t, s)
	if n := rdb.DBSize(ctx).Val(); n != 1 {
		t.Fatalf("DBSIZE after restart = %d, want 1", n)
	}
}

// A corrupt dump refuses the start, naming the offset and the reason.
func TestPersistCorruptDumpRefusesStart(t *testing.T) {
	bin := testutil.BuildKeygrid(t)
	dir := t.TempDir()
	s := testutil.StartKeygrid(t)
	rdb := client(t, s)
	ctx := context.Background()
	fillTypes(t, rdb, 100)
	rdb.Save(ctx)
	img, err := os.ReadFile(filepath.Join(s.Dir(), "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	img = img[:len(img)/2] // truncated
	if err := os.WriteFile(filepath.Join(dir, "dump.rdb"), img, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "server", "--port", "0", "--dir", dir, "--save", "")
	done := make(chan struct{})
	var out []byte
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("keygrid started with a corrupt dump")
	}
	if err == nil || !strings.Contains(string(out), "offset") {
		t.Fatalf("exit %v, output:\n%s", err, out)
	}
}

// SHUTDOWN during a BGSAVE stops it (Redis kills its child), then saves the whole
// dataset synchronously: no temp file is left and every key comes back.
func TestPersistShutdownDuringBgsave(t *testing.T) {
	s := testutil.StartKeygrid(t, "--enable-debug-command", "yes", "--rdb-key-save-delay", "1000")
	rdb := client(t, s)
	ctx := context.Background()
	rdb.Do(ctx, "DEBUG", "POPULATE", "3000")
	if err := rdb.BgSave(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rdb.Info(ctx, "persistence").Val(), "rdb_bgsave_in_progress:1") {
		t.Fatal("BGSAVE not in progress")
	}
	pid := s.Pid()
	rdb.Do(ctx, "SHUTDOWN", "SAVE")
	// The synchronous save sleeps rdb-key-save-delay per key too, as Redis's: 3 s.
	testutil.WaitFor(t, 60*time.Second, func() bool { return !s.Alive() }, "keygrid still running after SHUTDOWN SAVE")
	if _, err := os.Stat(filepath.Join(s.Dir(), fmt.Sprintf("temp-%d.rdb", pid))); !os.IsNotExist(err) {
		t.Fatalf("temp file left: %v", err)
	}
	if !strings.Contains(s.Log(), "There is a child saving an .rdb. Killing it!") {
		t.Fatalf("log:\n%s", s.Log())
	}
	s.Restart()
	if n := client(t, s).DBSize(ctx).Val(); n != 3000 {
		t.Fatalf("DBSIZE after restart = %d", n)
	}
}
