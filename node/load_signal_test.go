package node

// SIGTERM while the dataset loads at start-up: Redis 7.0 (sigShutdownHandler,
// whileBlockedCron) logs "Received shutdown signal during loading, scheduling
// shutdown." and exits with status 0 at the load's next event processing, without
// saving the partial dataset. keygrid and redis-server are run on the same RDB.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

func TestSIGTERMDuringStartupLoad(t *testing.T) {
	src := testutil.StartKeygrid(t, "--enable-debug-command", "yes")
	c := src.Conn(t)
	c.SetTimeout(60 * time.Second)
	if r, err := c.Do("DEBUG", "POPULATE", "200000", "key", "100"); err != nil || string(r) != "+OK\r\n" {
		t.Fatalf("DEBUG POPULATE: %q %v", r, err)
	}
	if r, err := c.Do("SAVE"); err != nil || string(r) != "+OK\r\n" {
		t.Fatalf("SAVE: %q %v", r, err)
	}
	rdb, err := os.ReadFile(filepath.Join(src.Dir(), "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	src.Kill()
	servers := map[string][]string{"keygrid": {testutil.BuildKeygrid(t), "server"}}
	if _, err := exec.LookPath("redis-server"); err == nil {
		servers["redis-server"] = []string{testutil.RedisServerPath(t)}
	}
	for name, argv0 := range servers {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "dump.rdb"), rdb, 0o644); err != nil {
				t.Fatal(err)
			}
			port := testutil.FreePort(t)
			logfile := filepath.Join(dir, "log")
			// 50 µs per key: a load of about 10 s, far longer than the test needs.
			args := append(argv0[1:], "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
				"--save", "3600 1", "--logfile", logfile, "--key-load-delay", "50",
				"--loading-process-events-interval-bytes", "1024")
			cmd := exec.Command(argv0[0], args...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			t.Cleanup(func() { cmd.Process.Kill() })
			addr := "127.0.0.1:" + strconv.Itoa(port)
			deadline := time.Now().Add(30 * time.Second)
			for {
				if conn, err := testutil.Dial(addr); err == nil {
					r, _ := conn.Do("INFO", "persistence")
					conn.Close()
					if strings.Contains(string(r), "loading:1") {
						break
					}
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s never reported loading:1", name)
				}
				time.Sleep(20 * time.Millisecond)
			}
			before, _ := os.Stat(filepath.Join(dir, "dump.rdb"))
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("%s exit after SIGTERM during the load: %v", name, err)
				}
			case <-time.After(60 * time.Second):
				t.Fatalf("%s still running a minute after SIGTERM during the load", name)
			}
			log, _ := os.ReadFile(logfile)
			for _, want := range []string{"Received shutdown signal during loading, scheduling shutdown.",
				"User requested shutdown...", "Redis is now ready to exit, bye bye..."} {
				if !strings.Contains(string(log), want) {
					t.Errorf("%s log lacks %q:\n%s", name, want, log)
				}
			}
			for _, never := range []string{"DB loaded from disk", "Ready to accept connections", "DB saved on disk"} {
				if strings.Contains(string(log), never) {
					t.Errorf("%s log has %q after SIGTERM during the load:\n%s", name, never, log)
				}
			}
			after, _ := os.Stat(filepath.Join(dir, "dump.rdb"))
			if before == nil || after == nil || !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size() {
				t.Errorf("%s rewrote dump.rdb with a partial dataset", name)
			}
		})
	}
}
