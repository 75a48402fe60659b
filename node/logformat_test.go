package node_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// redisLogLine is redis-server's log line: "pid:role dd Mon yyyy hh:mm:ss.mmm L msg".
var redisLogLine = regexp.MustCompile(`^(\d+):([MSXC]) \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} ([.\-*#]) (.*)$`)

// logLines returns the log lines (those that start with "pid:") and fails on any that
// is not in Redis's shape; other lines are the logo block and the test harness's own.
func logLines(t *testing.T, log string) [][]string {
	t.Helper()
	var out [][]string
	for _, l := range strings.Split(log, "\n") {
		if !regexp.MustCompile(`^\d+:`).MatchString(l) {
			continue
		}
		m := redisLogLine.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("log line not in redis-server's format: %q", l)
			continue
		}
		out = append(out, m)
	}
	return out
}

// TestLogFormatAsRedis starts redis-server and keygrid with the same directives and
// checks that both logs have the same line shape, the lines Redis's test suite and
// operators look for, in the same order, and that a replica's lines are marked S.
func TestLogFormatAsRedis(t *testing.T) {
	want := []string{"Server initialized", "Ready to accept connections"}
	for _, kind := range []string{"redis", "keygrid"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel() // two independent servers per kind: start and read them at once
			args := []string{"--always-show-logo", "yes", "--loglevel", "notice"}
			var master, replica *testutil.Server
			if kind == "redis" {
				master, replica = testutil.StartRedis(t, args...), testutil.StartRedis(t, args...)
			} else {
				master, replica = testutil.StartKeygrid(t, args...), testutil.StartKeygrid(t, args...)
			}
			// The logo's " PID: n" line is how Redis's test suite finds a started server.
			if pid := master.Pid(); !regexp.MustCompile(` PID: ` + strconv.Itoa(pid) + `\b`).MatchString(master.Log()) {
				t.Errorf("no \" PID: %d\" logo line:\n%s", pid, master.Log())
			}
			lines := logLines(t, master.Log())
			next := 0
			for _, m := range lines {
				// The first lines come before redis-server's initServer set its pid: C.
				role := "M"
				if strings.Contains(m[4], "is starting") || strings.Contains(m[4], "just started") ||
					strings.Contains(m[4], "Configuration loaded") || strings.Contains(m[4], "no config file specified") {
					role = "C"
				}
				if m[1] != strconv.Itoa(master.Pid()) || m[2] != role {
					t.Errorf("line %q: want pid %d, role %s", m[0], master.Pid(), role)
				}
				if next < len(want) && strings.HasPrefix(m[4], want[next]) {
					next++
				}
			}
			if next < len(want) {
				t.Errorf("missing %q (in order %q) in:\n%s", want[next], want, master.Log())
			}
			ctx := context.Background()
			rc := client(t, replica)
			if err := rc.Do(ctx, "REPLICAOF", "127.0.0.1", master.Port()).Err(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(30 * time.Second)
			for !strings.Contains(replica.Log(), "MASTER <-> REPLICA sync: Finished with success") {
				if time.Now().After(deadline) {
					t.Fatalf("replica never synced:\n%s", replica.Log())
				}
				time.Sleep(50 * time.Millisecond)
			}
			rc.Do(ctx, "REPLICAOF", "127.0.0.1", master.Port()) // logs "REPLICAOF would result into synchronization..."
			var sawS bool
			for _, m := range logLines(t, replica.Log()) {
				if strings.Contains(m[4], "Finished with success") || strings.Contains(m[4], "already connected") {
					sawS = sawS || m[2] == "S"
				}
			}
			if !sawS {
				t.Errorf("no replica line marked S:\n%s", replica.Log())
			}
		})
	}
}
