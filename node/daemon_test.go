package node

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

// The init-system side of a server, compared with redis-server 7.0 (Debian's is
// built with libsystemd): `pidfile`, `daemonize yes`, `supervised systemd|upstart|
// auto`, and the log lines around them (internal/daemon).

// initSide is one server to compare: its binary and the arguments before the options.
type initSide struct {
	name string
	argv []string
}

func initSides(t *testing.T) []initSide {
	t.Helper()
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	return []initSide{
		{"redis-server", []string{testutil.RedisServerPath(t)}},
		{"keygrid", []string{testutil.BuildKeygrid(t), "server"}},
	}
}

// startInit starts side with opts in a new directory and the extra environment env;
// it returns the command (already started), the directory and the port.
func startInit(t *testing.T, side initSide, env []string, opts ...string) (*exec.Cmd, string, int) {
	t.Helper()
	dir := t.TempDir()
	port := testutil.FreePort(t)
	args := append(append([]string(nil), side.argv[1:]...), "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", dir, "--logfile", filepath.Join(dir, "log"), "--save", "")
	cmd := exec.Command(side.argv[0], append(args, opts...)...)
	// The supervisors' variables only as the test sets them.
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "NOTIFY_SOCKET=") && !strings.HasPrefix(e, "UPSTART_JOB=") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	for _, e := range env {
		if e != "" {
			cmd.Env = append(cmd.Env, e)
		}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, dir, port
}

// logLines is the log's messages (after the level mark), in order.
func logLines(t *testing.T, dir string) []string {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(dir, "log"))
	return parseLogLines(string(b))
}

// parseLogLines is logLines for a log's text.
func parseLogLines(text string) []string {
	var out []string
	// "pid:role dd Mon yyyy hh:mm:ss.mmm mark message": the mark and message kept;
	// "pid:signal-handler (secs) message" (a signal's line): "signal-handler message".
	re := regexp.MustCompile(`^\d+:(?:[XCSM] \d{2} \w{3} \d{4} [\d:.]{12} ([.\-*#] .*)|signal-handler \(\d+\) (.*))$`)
	for _, l := range strings.Split(text, "\n") {
		if m := re.FindStringSubmatch(l); m != nil {
			if m[2] != "" {
				m[1] = "signal-handler " + m[2]
			}
			out = append(out, m[1])
		}
	}
	return out
}

// linesFrom returns the lines from the first one containing from.
func linesFrom(lines []string, from string) []string {
	for i, l := range lines {
		if strings.Contains(l, from) {
			return lines[i:]
		}
	}
	return nil
}

func waitPing(t *testing.T, port int) *testutil.Conn {
	t.Helper()
	var c *testutil.Conn
	testutil.WaitFor(t, 20*time.Second, func() bool {
		var err error
		if c, err = testutil.Dial(net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err != nil {
			return false
		}
		if r, err := c.Do("PING"); err != nil || string(r) != "+PONG\r\n" {
			c.Close()
			return false
		}
		return true
	}, "the server did not answer PING")
	t.Cleanup(func() { c.Close() })
	return c
}

func pidOf(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("pid file: %v", err)
	}
	if !strings.HasSuffix(string(b), "\n") {
		t.Fatalf("pid file %q does not end in a newline", b)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("pid file %q: %v", b, err)
	}
	return pid
}

// TestPidFileAndShutdownLogVsRedis: with `pidfile` and no daemonize, the file holds
// the server's own pid from start-up and is removed at SHUTDOWN or SIGTERM, which
// log the same lines, at the same levels and in the same format, as redis-server.
func TestPidFileAndShutdownLogVsRedis(t *testing.T) {
	t.Parallel() // processes of its own: it waits alongside the other slow tests
	for _, how := range []string{"SHUTDOWN", "SIGTERM"} {
		var got [][]string
		for _, side := range initSides(t) {
			cmd, dir, port := startInit(t, side, nil, "--pidfile", "srv.pid") // relative: inside dir
			c := waitPing(t, port)
			pidfile := filepath.Join(dir, "srv.pid")
			if pid := pidOf(t, pidfile); pid != cmd.Process.Pid {
				t.Errorf("%s: pid file says %d, the server is %d", side.name, pid, cmd.Process.Pid)
			}
			from := "User requested shutdown"
			if how == "SHUTDOWN" {
				c.Do("SHUTDOWN", "NOSAVE")
			} else {
				cmd.Process.Signal(syscall.SIGTERM)
				from = "Received SIGTERM"
			}
			cmd.Wait()
			if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
				t.Errorf("%s: pid file still there after %s (%v)", side.name, how, err)
			}
			got = append(got, linesFrom(logLines(t, dir), from))
		}
		if strings.Join(got[0], "\n") != strings.Join(got[1], "\n") || len(got[0]) == 0 {
			t.Errorf("%s log:\nredis-server %q\nkeygrid      %q", how, got[0], got[1])
		}
	}
}

// TestDaemonizeVsRedis: `daemonize yes` returns at once with status 0 and leaves a
// server running in its own session, standard streams on /dev/null, its pid in the
// pid file, which SHUTDOWN removes.
func TestDaemonizeVsRedis(t *testing.T) {
	t.Parallel() // processes of its own: it waits alongside the other slow tests
	for _, side := range initSides(t) {
		cmd, dir, port := startInit(t, side, nil, "--daemonize", "yes", "--pidfile", filepath.Join(t.TempDir(), "d.pid"))
		pidfile := cmd.Args[len(cmd.Args)-1]
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s: the starting process: %v", side.name, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the starting process did not exit", side.name)
		}
		c := waitPing(t, port)
		pid := pidOf(t, pidfile)
		proc, _ := os.FindProcess(pid)
		t.Cleanup(func() { proc.Kill() })
		if pid == cmd.Process.Pid {
			t.Errorf("%s: the daemon is the process that was started", side.name)
		}
		if sid, err := unix.Getsid(pid); err != nil || sid != pid {
			t.Errorf("%s: the daemon's session is %d (%v), not its own", side.name, sid, err)
		}
		for fd := 0; fd <= 2; fd++ {
			if l, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + strconv.Itoa(fd)); l != "/dev/null" {
				t.Errorf("%s: the daemon's fd %d is %q", side.name, fd, l)
			}
		}
		if r, _ := c.Do("INFO", "server"); !strings.Contains(string(r), "process_id:"+strconv.Itoa(pid)+"\r\n") {
			t.Errorf("%s: INFO's process_id is not the pid file's %d", side.name, pid)
		}
		c.Do("SHUTDOWN", "NOSAVE")
		testutil.WaitFor(t, 10*time.Second, func() bool { return proc.Signal(syscall.Signal(0)) != nil },
			side.name+": the daemon did not exit")
		if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
			t.Errorf("%s: pid file still there after SHUTDOWN (%v)", side.name, err)
		}
		if l := linesFrom(logLines(t, dir), "Removing the pid file"); len(l) == 0 {
			t.Errorf("%s: no \"Removing the pid file.\" in the log", side.name)
		}
	}
}

// notifySocket listens on a unix datagram socket as systemd does for a Type=notify
// service and returns its path and the messages received so far.
func notifySocket(t *testing.T) (string, func() []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	msgs := make(chan string, 64)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, _, err := conn.ReadFromUnix(buf)
			if err != nil {
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	var got []string
	return path, func() []string {
		for {
			select {
			case m := <-msgs:
				got = append(got, m)
			default:
				return got
			}
		}
	}
}

// TestSupervisedSystemdVsRedis: under systemd (NOTIFY_SOCKET set, "supervised
// systemd" or "auto"), the server sends the datagrams redis-server sends, in the same
// order, from loading to READY=1 and at a SHUTDOWN SAVE; INFO and CONFIG GET show the
// supervision. Without NOTIFY_SOCKET it logs Redis's error and is not supervised.
func TestSupervisedSystemdVsRedis(t *testing.T) {
	t.Parallel() // processes of its own: it waits alongside the other slow tests
	type result struct {
		msgs                          []string
		info, cfg, missingLog, badLog string
	}
	var got []result
	for _, side := range initSides(t) {
		var r result
		path, read := notifySocket(t)
		cmd, _, port := startInit(t, side, []string{"NOTIFY_SOCKET=" + path}, "--supervised", "auto")
		c := waitPing(t, port)
		testutil.WaitFor(t, 10*time.Second, func() bool { m := read(); return len(m) > 0 && m[len(m)-1] == "READY=1\n" },
			side.name+": no READY=1")
		info, _ := c.Do("INFO", "server")
		if m := regexp.MustCompile(`process_supervised:(\w+)`).FindSubmatch(info); m != nil {
			r.info = string(m[1])
		}
		cfg, _ := c.Do("CONFIG", "GET", "supervised")
		r.cfg = string(cfg)
		c.Do("SHUTDOWN", "SAVE")
		cmd.Wait()
		r.msgs = read()

		// "supervised systemd" with no NOTIFY_SOCKET, or an empty one: logged (sd_notify
		// returns 0, then -EINVAL), and not supervised.
		for _, env := range []string{"", "NOTIFY_SOCKET="} {
			cmd, dir, port := startInit(t, side, []string{env}, "--supervised", "systemd")
			c = waitPing(t, port)
			for _, l := range logLines(t, dir) {
				if strings.Contains(l, "systemd supervision") {
					if env == "" {
						r.missingLog = l
					} else {
						r.badLog = l
					}
				}
			}
			info, _ = c.Do("INFO", "server")
			if !strings.Contains(string(info), "process_supervised:no\r\n") {
				t.Errorf("%s: supervised with %q", side.name, env)
			}
			c.Do("SHUTDOWN", "NOSAVE")
			cmd.Wait()
		}
		got = append(got, r)
	}
	want := []string{"STATUS=Redis is loading...\n", "STATUS=Ready to accept connections\n", "READY=1\n",
		"STOPPING=1\n", "STATUS=Saving the final RDB snapshot\n"}
	if strings.Join(got[0].msgs, "|") != strings.Join(want, "|") {
		t.Errorf("redis-server sent %q, this test expects %q", got[0].msgs, want)
	}
	if strings.Join(got[1].msgs, "|") != strings.Join(got[0].msgs, "|") {
		t.Errorf("notifications:\nredis-server %q\nkeygrid      %q", got[0].msgs, got[1].msgs)
	}
	type rest struct{ info, cfg, missingLog, badLog string }
	r0 := rest{got[0].info, got[0].cfg, got[0].missingLog, got[0].badLog}
	if r1 := (rest{got[1].info, got[1].cfg, got[1].missingLog, got[1].badLog}); r0 != r1 || r0.info != "systemd" {
		t.Errorf("redis-server %+v\nkeygrid      %+v", got[0], got[1])
	}
}

// TestSupervisedUpstartVsRedis: under upstart the server stops itself (SIGSTOP) to
// say it is ready, and runs on when continued.
func TestSupervisedUpstartVsRedis(t *testing.T) {
	t.Parallel() // processes of its own: it waits alongside the other slow tests
	for _, side := range initSides(t) {
		cmd, _, port := startInit(t, side, []string{"UPSTART_JOB=kg"}, "--supervised", "upstart")
		stat := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/stat"
		testutil.WaitFor(t, 10*time.Second, func() bool {
			b, _ := os.ReadFile(stat)
			f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
			return len(f) > 0 && f[0] == "T"
		}, side.name+": did not stop itself")
		cmd.Process.Signal(syscall.SIGCONT)
		c := waitPing(t, port)
		if info, _ := c.Do("INFO", "server"); !strings.Contains(string(info), "process_supervised:upstart\r\n") {
			t.Errorf("%s: INFO does not say upstart", side.name)
		}
		c.Do("SHUTDOWN", "NOSAVE")
		cmd.Wait()
	}
}
