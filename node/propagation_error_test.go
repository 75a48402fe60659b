package node

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// TestPropagationErrorPanicVsRedis: a command from the master that fails on a
// read-only replica is logged as critical; with propagation-error-behavior panic
// (Redis's own test suite runs with it) the replica stops with a bug report, as
// redis-server's does, instead of diverging silently.
func TestPropagationErrorPanicVsRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	type pair struct {
		name             string
		master, ignoring *testutil.Server
		panicking        *testutil.Server
	}
	args := []string{"--enable-debug-command", "yes"}
	pairs := []pair{
		{"redis-server", testutil.StartRedis(t, args...), testutil.StartRedis(t, args...),
			testutil.StartRedis(t, append(args, "--propagation-error-behavior", "panic")...)},
		{"keygrid", testutil.StartKeygrid(t, args...), testutil.StartKeygrid(t, args...),
			testutil.StartKeygrid(t, append(args, "--propagation-error-behavior", "panic")...)},
	}
	for _, p := range pairs {
		m := p.master.Conn(t)
		for _, r := range []*testutil.Server{p.ignoring, p.panicking} {
			c := r.Conn(t)
			c.Do("REPLICAOF", "127.0.0.1", strconv.Itoa(p.master.Port()))
			testutil.WaitFor(t, 20*time.Second, func() bool {
				info, _ := c.Do("INFO", "replication")
				return strings.Contains(string(info), "master_link_status:up")
			}, p.name+": replica not in sync")
		}
		if r, err := m.Do("DEBUG", "REPLICATE", "fake-command-1"); err != nil || string(r) != "+OK\r\n" {
			t.Fatalf("%s: DEBUG REPLICATE: %q %v", p.name, r, err)
		}
		want := "== CRITICAL == This replica is sending an error to its master: " +
			"'unknown command 'fake-command-1', with args beginning with: ' after processing the command '<unknown>'"
		p.ignoring.WaitLog(t, 20*time.Second, want)
		p.panicking.WaitLog(t, 20*time.Second, want)
		p.panicking.WaitLog(t, 20*time.Second, "Guru Meditation: This replica panicked sending an error to its master after processing the command '<unknown>'")
		testutil.WaitFor(t, 20*time.Second, func() bool { return !p.panicking.Alive() }, p.name+": the panicking replica runs on")
		if !p.ignoring.Alive() {
			t.Errorf("%s: the ignoring replica died", p.name)
		}
	}
}
