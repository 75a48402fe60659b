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
	t.Parallel() // processes of its own: it waits alongside the other slow tests
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

// TestDebugLoadAOFFunctionsVsRedis: DEBUG LOADAOF empties the dataset and the
// functions before it replays the AOF, as Redis's emptyData; keygrid kept the
// functions, so the replayed FUNCTION LOAD failed ('already exists') and, with
// propagation-error-behavior panic (Redis's test suite's default), stopped the server.
func TestDebugLoadAOFFunctionsVsRedis(t *testing.T) {
	t.Parallel() // processes of its own: it waits alongside the other slow tests
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	args := []string{"--enable-debug-command", "yes", "--appendonly", "yes", "--propagation-error-behavior", "panic"}
	var got []string
	for _, srv := range []*testutil.Server{testutil.StartRedis(t, args...), testutil.StartKeygrid(t, args...)} {
		c := srv.Conn(t)
		testutil.WaitFor(t, 20*time.Second, func() bool {
			info, _ := c.Do("INFO", "persistence")
			return strings.Contains(string(info), "aof_rewrite_in_progress:0") &&
				strings.Contains(string(info), "aof_rewrite_scheduled:0")
		}, "the first AOF rewrite did not end")
		var out []string
		for _, cmd := range [][]string{
			{"FUNCTION", "LOAD", "#!lua name=test\nredis.register_function('test', function() return 'hello' end)"},
			{"SET", "k", "v"}, {"DEBUG", "LOADAOF"}, {"FUNCTION", "LIST"}, {"GET", "k"},
			{"FUNCTION", "DELETE", "test"}, {"DEBUG", "LOADAOF"}, {"FUNCTION", "LIST"},
		} {
			r, err := c.Do(cmd...)
			if err != nil {
				t.Fatalf("%v: %v\n%s", cmd, err, srv.Log())
			}
			out = append(out, string(r))
		}
		if strings.Contains(srv.Log(), "CRITICAL") || !srv.Alive() {
			t.Errorf("the AOF replay failed:\n%s", srv.Log())
		}
		got = append(got, strings.Join(out, "|"))
	}
	if got[0] != got[1] {
		t.Errorf("redis-server %q\nkeygrid      %q", got[0], got[1])
	}
}
