package node_test

// SIGTERM and SIGINT on a master with lagging replicas (engine/repl_shutdown.go):
// Redis 7.0 treats the signals as a SHUTDOWN with the flags of
// shutdown-on-sigterm / shutdown-on-sigint, so the master pauses writes and waits
// for its replicas to acknowledge everything, up to shutdown-timeout seconds; a
// second SIGINT exits at once with status 1. The same steps run against a
// redis-server master and a keygrid master, with a redis-server replica stopped
// (SIGSTOP) to make it lag.

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

func TestReplSignalShutdownWaitsForReplicas(t *testing.T) {
	start := map[string]func(testing.TB, ...string) *testutil.Server{
		"keygrid": testutil.StartKeygrid, "redis": testutil.StartRedis,
	}
	for _, kind := range []string{"redis", "keygrid"} {
		for _, mode := range []string{"caught-up", "timeout", "sigint-twice", "sigterm-now-save"} {
			t.Run(kind+"/"+mode, func(t *testing.T) {
				ctx := context.Background()
				timeout := "60"
				if mode == "timeout" {
					timeout = "1"
				}
				args := []string{"--save", "", "--shutdown-timeout", timeout, "--repl-diskless-sync-delay", "0"}
				if mode == "sigterm-now-save" {
					// shutdown-on-sigterm: no waiting, and a save without save points.
					args = append(args, "--shutdown-on-sigterm", "now save")
				}
				ms := start[kind](t, args...)
				rs := testutil.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(ms.Port()))
				master, replica := client(t, ms), client(t, rs)
				master.Set(ctx, "k", "v", 0)
				testutil.WaitFor(t, 20*time.Second, func() bool {
					return replInfo(replica, "master_link_status") == "up" &&
						replInfo(replica, "slave_repl_offset") == replInfo(master, "master_repl_offset")
				}, "the replica is in sync")

				// The replica stops reading: what the master writes now is unacknowledged.
				if err := syscall.Kill(rs.Pid(), syscall.SIGSTOP); err != nil {
					t.Fatal(err)
				}
				stopped := true
				cont := func() {
					if stopped {
						syscall.Kill(rs.Pid(), syscall.SIGCONT)
						stopped = false
					}
				}
				t.Cleanup(cont)
				if err := master.Set(ctx, "late", "write", 0).Err(); err != nil {
					t.Fatal(err)
				}
				sig := syscall.SIGTERM
				if mode == "sigint-twice" {
					sig = syscall.SIGINT
				}
				if err := syscall.Kill(ms.Pid(), sig); err != nil {
					t.Fatal(err)
				}
				if mode == "sigterm-now-save" {
					testutil.WaitFor(t, 20*time.Second, func() bool { return !ms.Alive() },
						"the master exits at once")
					if err := ms.Stop(); err != nil {
						t.Fatalf("exit status: %v", err)
					}
					log := ms.Log()
					if strings.Contains(log, "Waiting for replicas") || !strings.Contains(log, "Lagging replica") ||
						!strings.Contains(log, "Saving the final RDB snapshot before exiting.") {
						t.Fatalf("master log:\n%s", log)
					}
					if _, err := os.Stat(filepath.Join(ms.Dir(), "dump.rdb")); err != nil {
						t.Fatalf("no final save: %v", err)
					}
					return
				}
				testutil.WaitFor(t, 20*time.Second, func() bool {
					return strings.Contains(ms.Log(), "Waiting for replicas before shutting down.")
				}, "the master waits for its replica")

				switch mode {
				case "caught-up":
					// Still serving reads while it waits.
					if v, err := master.Get(ctx, "late").Result(); err != nil || v != "write" || !ms.Alive() {
						t.Fatalf("GET during the wait: %q, %v (alive %v)", v, err, ms.Alive())
					}
					cont()
					testutil.WaitFor(t, 30*time.Second, func() bool { return !ms.Alive() },
						"the master exits once the replica caught up")
					if err := ms.Stop(); err != nil {
						t.Fatalf("exit status: %v", err)
					}
					if !strings.Contains(ms.Log(), "1 of 1 replicas are in sync when shutting down.") {
						t.Fatalf("master log:\n%s", ms.Log())
					}
					if v, err := replica.Get(ctx, "late").Result(); err != nil || v != "write" {
						t.Fatalf("the replica lost the last write: %q, %v", v, err)
					}
				case "timeout":
					testutil.WaitFor(t, 30*time.Second, func() bool { return !ms.Alive() },
						"the master exits after shutdown-timeout")
					if err := ms.Stop(); err != nil {
						t.Fatalf("exit status: %v", err)
					}
					log := ms.Log()
					if !strings.Contains(log, "Lagging replica 127.0.0.1:"+strconv.Itoa(rs.Port())+" reported offset ") ||
						!strings.Contains(log, "0 of 1 replicas are in sync when shutting down.") {
						t.Fatalf("master log:\n%s", log)
					}
				case "sigint-twice":
					if !ms.Alive() {
						t.Fatal("the master exited without waiting")
					}
					if err := syscall.Kill(ms.Pid(), syscall.SIGINT); err != nil {
						t.Fatal(err)
					}
					testutil.WaitFor(t, 20*time.Second, func() bool { return !ms.Alive() },
						"the second SIGINT exits at once")
					if err := ms.Stop(); err == nil || !strings.Contains(err.Error(), "exit status 1") {
						t.Fatalf("exit status %v, want 1", err)
					}
					if !strings.Contains(ms.Log(), "You insist... exiting now.") {
						t.Fatalf("master log:\n%s", ms.Log())
					}
				}
			})
		}
	}
}
