package sentinel

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"golang.org/x/sys/unix"
)

// TestSentinelDaemonAndSystemdVsRedis: a sentinel.conf with `daemonize yes` and a
// pidfile (Debian's default) starts a background sentinel, in its own session, whose
// pid file SIGTERM removes, logging the lines redis-sentinel logs; under systemd
// (`supervised systemd`, NOTIFY_SOCKET) it sends the datagrams redis-sentinel sends.
func TestSentinelDaemonAndSystemdVsRedis(t *testing.T) {
	sides := sentinelSides(t)
	type result struct{ shutdownLog, notes []string }
	var got []result
	for _, side := range sides {
		var r result
		// daemonize yes: the starting process exits 0 at once.
		dir := t.TempDir()
		port := testutil.FreePort(t)
		conf := filepath.Join(dir, "sentinel.conf")
		pidfile := filepath.Join(dir, "s.pid")
		os.WriteFile(conf, []byte("port "+strconv.Itoa(port)+"\nbind 127.0.0.1\ndir "+dir+"\ndaemonize yes\n"+
			"pidfile "+pidfile+"\nlogfile "+filepath.Join(dir, "log")+
			"\nsentinel monitor m 127.0.0.1 1 2\n"), 0o644)
		cmd := exec.Command(side.argv[0], append(side.argv[1:], conf)...)
		cmd.Env = supervisorFreeEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v %s", side.name, err, out)
		}
		testutil.WaitFor(t, 20*time.Second, func() bool { return sentinelPing(port) }, side.name+": no PONG")
		b, err := os.ReadFile(pidfile)
		if err != nil {
			t.Fatalf("%s: %v", side.name, err)
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		proc, _ := os.FindProcess(pid)
		t.Cleanup(func() { proc.Kill() })
		if sid, err := unix.Getsid(pid); err != nil || sid != pid || pid == cmd.Process.Pid {
			t.Errorf("%s: daemon %d in session %d (%v), started as %d", side.name, pid, sid, err, cmd.Process.Pid)
		}
		proc.Signal(syscall.SIGTERM)
		testutil.WaitFor(t, 20*time.Second, func() bool { return proc.Signal(syscall.Signal(0)) != nil },
			side.name+": the daemon did not exit")
		if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
			t.Errorf("%s: pid file still there (%v)", side.name, err)
		}
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		// Lines from the signal's on: "mark message", or "signal-handler message" for
		// the signal's own line (Redis's serverLogFromHandler format).
		re := regexp.MustCompile(`(?m)^\d+:(?:X [\d\w :.]{24} ([.\-*#] .*)|signal-handler \(\d+\) (.*))$`)
		on := false
		for _, m := range re.FindAllStringSubmatch(string(log), -1) {
			line := m[1]
			if m[2] != "" {
				line = "signal-handler " + m[2]
			}
			on = on || strings.Contains(line, "Received SIGTERM")
			if on {
				r.shutdownLog = append(r.shutdownLog, line)
			}
		}

		// supervised systemd, in the foreground.
		sock := filepath.Join(t.TempDir(), "notify")
		ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		os.WriteFile(conf, []byte("port "+strconv.Itoa(port)+"\nbind 127.0.0.1\ndir "+dir+"\nsupervised systemd\n"+
			"sentinel monitor m 127.0.0.1 1 2\n"), 0o644)
		cmd = exec.Command(side.argv[0], append(side.argv[1:], conf)...)
		cmd.Env = append(supervisorFreeEnv(), "NOTIFY_SOCKET="+sock)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		testutil.WaitFor(t, 20*time.Second, func() bool { return sentinelPing(port) }, side.name+": no PONG")
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		buf := make([]byte, 4096)
		for {
			ln.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			n, _, err := ln.ReadFromUnix(buf)
			if err != nil {
				break
			}
			r.notes = append(r.notes, string(buf[:n]))
		}
		got = append(got, r)
	}
	for i, what := range []string{"shutdown log", "systemd notifications"} {
		a, b := got[0].shutdownLog, got[1].shutdownLog
		if i == 1 {
			a, b = got[0].notes, got[1].notes
		}
		if len(a) == 0 || strings.Join(a, "|") != strings.Join(b, "|") {
			t.Errorf("%s:\nredis-sentinel %q\nkeygrid        %q", what, a, b)
		}
	}
}

// supervisorFreeEnv is the environment without the supervisors' variables.
func supervisorFreeEnv() []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "NOTIFY_SOCKET=") && !strings.HasPrefix(e, "UPSTART_JOB=") {
			env = append(env, e)
		}
	}
	return env
}

func sentinelPing(port int) bool {
	c, err := testutil.Dial(net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	defer c.Close()
	r, err := c.Do("PING")
	return err == nil && string(r) == "+PONG\r\n"
}

// sentinelSide is one sentinel to compare: its name and the command that runs it.
type sentinelSide struct {
	name string
	argv []string
}

// sentinelSides is Debian's redis-sentinel and keygrid's sentinel, for the
// differential tests (skipped with -short, or without redis-sentinel).
func sentinelSides(t *testing.T) []sentinelSide {
	t.Helper()
	if testing.Short() {
		t.Skip("differential test against redis-sentinel skipped with -short")
	}
	rs, err := exec.LookPath("redis-sentinel")
	if err != nil {
		t.Skip("redis-sentinel not installed")
	}
	return []sentinelSide{{"redis-sentinel", []string{rs}}, {"keygrid", []string{testutil.BuildKeygrid(t), "sentinel"}}}
}
