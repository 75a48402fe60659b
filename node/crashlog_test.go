package node

import (
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"golang.org/x/sys/unix"
)

// TestCrashLogEnabledVsRedis: with crash-log-enabled no (from the start, or set by
// CONFIG SET) a server that faults (DEBUG SEGFAULT) or is sent SIGABRT dies of the
// signal and logs no crash report, as redis-server, which then installs no handler;
// with yes (the default) it logs the report first.
func TestCrashLogEnabledVsRedis(t *testing.T) {
	t.Parallel() // processes of its own
	// No core files from the children (they inherit the limit).
	unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
	type outcome struct {
		sig    syscall.Signal
		report bool
	}
	run := func(side initSide, opts []string, setNo bool, crash func(*exec.Cmd, *testutil.Conn)) outcome {
		cmd, dir, port := startInit(t, side, nil, append([]string{"--enable-debug-command", "yes"}, opts...)...)
		c := waitPing(t, port)
		if setNo {
			if r, err := c.Do("CONFIG", "SET", "crash-log-enabled", "no"); err != nil || string(r) != "+OK\r\n" {
				t.Fatalf("%s: CONFIG SET crash-log-enabled no: %q %v", side.name, r, err)
			}
		}
		crash(cmd, c)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var err error
		select {
		case err = <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: still running after the crash", side.name)
		}
		var o outcome
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				o.sig = ws.Signal()
			}
		}
		for _, l := range logLines(t, dir) {
			if strings.Contains(l, "crashed by signal") {
				o.report = true
			}
		}
		return o
	}
	segfault := func(_ *exec.Cmd, c *testutil.Conn) { c.Do("DEBUG", "SEGFAULT") }
	abort := func(cmd *exec.Cmd, _ *testutil.Conn) { cmd.Process.Signal(syscall.SIGABRT) }
	cases := []struct {
		name  string
		opts  []string
		setNo bool
		crash func(*exec.Cmd, *testutil.Conn)
		want  outcome
	}{
		{"segfault, crash-log-enabled no", []string{"--crash-log-enabled", "no"}, false, segfault, outcome{syscall.SIGSEGV, false}},
		{"segfault, the default", nil, false, segfault, outcome{syscall.SIGSEGV, true}},
		{"SIGABRT after CONFIG SET crash-log-enabled no", nil, true, abort, outcome{syscall.SIGABRT, false}},
		{"SIGABRT, the default", nil, false, abort, outcome{syscall.SIGABRT, true}},
	}
	for _, side := range initSides(t) {
		for _, tc := range cases {
			if got := run(side, tc.opts, tc.setNo, tc.crash); got != tc.want {
				t.Errorf("%s, %s: died of %v, report %v; want %v, %v", side.name, tc.name, got.sig, got.report, tc.want.sig, tc.want.report)
			}
		}
	}
}
