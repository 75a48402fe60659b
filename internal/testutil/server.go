// Starting and stopping real server processes (keygrid and redis-server) for tests.

package testutil

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// startTimeout bounds how long a server may take to answer PING.
	startTimeout = 15 * time.Second
	// stopTimeout is how long Stop waits after SIGTERM before it sends SIGKILL.
	stopTimeout = 10 * time.Second
	// startAttempts is how many free ports are tried: a port found free can be
	// taken by another process before the server binds it.
	startAttempts = 5
	// logTail is how much of a server's output is printed when a test fails.
	logTail = 64 << 10
)

// Server is a server process started by StartKeygrid or StartRedis. It is killed
// when the test that started it ends.
type Server struct {
	t       testing.TB
	name    string // for messages: "keygrid" or "redis-server"
	bin     string
	args    []string // arguments after bin, port included
	port    int
	dir     string
	logfile string // the server's own log file, if it writes one

	mu   sync.Mutex // guards cmd, done and waitErr across Restart
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	// waitErr is the result of cmd.Wait, valid once done is closed.
	waitErr error
	out     *syncBuffer // stdout and stderr of every run
}

// StartKeygrid starts `keygrid server` on a free port of 127.0.0.1 with no
// persistence and a fresh data directory, followed by args (Redis-style
// "--directive value" pairs), and waits until it answers PING.
func StartKeygrid(t testing.TB, args ...string) *Server {
	t.Helper()
	bin := BuildKeygrid(t)
	var s *Server
	if raceEnabled {
		// A race in the server fails the test that ran it, even if every reply was
		// right. Registered first, so it runs last: after the server is killed.
		t.Cleanup(func() {
			if s != nil && strings.Contains(s.Log(), "WARNING: DATA RACE") {
				t.Errorf("keygrid (pid %d) reported a data race:\n%s", s.Pid(), tail(s.Log(), logTail))
			}
		})
	}
	s = start(t, "keygrid", bin, func(port int, dir string) []string {
		return append([]string{"server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir}, args...)
	}, "")
	return s
}

// StartRedis starts redis-server the way StartKeygrid starts keygrid, with its log
// in the data directory. If redis-server is missing the test fails, or is skipped
// when KEYGRID_NO_REDIS=1.
func StartRedis(t testing.TB, args ...string) *Server {
	t.Helper()
	bin := RedisServerPath(t)
	return start(t, "redis-server", bin, func(port int, dir string) []string {
		return append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir,
			"--logfile", filepath.Join(dir, "redis.log")}, args...)
	}, "redis.log")
}

// RedisServerPath returns the path of redis-server: $REDIS_SERVER, or the one in
// PATH. When there is none it fails the test, or skips it if KEYGRID_NO_REDIS=1.
func RedisServerPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("REDIS_SERVER"); p != "" {
		return p
	}
	p, err := exec.LookPath("redis-server")
	if err == nil {
		return p
	}
	if os.Getenv("KEYGRID_NO_REDIS") == "1" {
		t.Skip("redis-server not found and KEYGRID_NO_REDIS=1")
	}
	t.Fatal("redis-server not found in PATH: install it with `apt-get install redis-server redis-tools`, " +
		"point REDIS_SERVER at it, or set KEYGRID_NO_REDIS=1 to skip the tests that need it")
	return ""
}

func start(t testing.TB, name, bin string, argv func(port int, dir string) []string, logfile string) *Server {
	t.Helper()
	dir := t.TempDir()
	var lastErr error
	for range startAttempts {
		port, err := freePortFunc()
		if err != nil {
			t.Fatalf("testutil: finding a free port: %v", err)
		}
		s := &Server{t: t, name: name, bin: bin, args: argv(port, dir), port: port, dir: dir, out: &syncBuffer{}}
		if logfile != "" {
			s.logfile = filepath.Join(dir, logfile)
		}
		err = s.launch()
		if err == nil {
			err = s.waitReady()
		}
		if err == nil {
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("%s on port %d (pid %d) output:\n%s", s.name, s.port, s.Pid(), tail(s.Log(), logTail))
				}
				s.Kill()
			})
			return s
		}
		s.Kill()
		lastErr = err
		if !errors.Is(err, errPortTaken) {
			t.Fatalf("testutil: %s %s: %v\noutput:\n%s", bin, strings.Join(s.args, " "), err, tail(s.Log(), logTail))
		}
		if s.logfile != "" {
			os.Remove(s.logfile) // the next attempt writes its own
		}
	}
	t.Fatalf("testutil: %s: no free port after %d attempts: %v", name, startAttempts, lastErr)
	return nil
}

var errPortTaken = errors.New("port taken by another process")

// freePortFunc is freePort, replaced by a test of the retry path.
var freePortFunc = freePort

// freePort returns a port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// launch starts the process and a goroutine that reaps it.
func (s *Server) launch() error {
	cmd := exec.Command(s.bin, s.args...)
	cmd.Dir = s.dir
	cmd.Stdout = s.out
	cmd.Stderr = s.out
	cmd.SysProcAttr = sysProcAttr()
	// A grandchild holding the output pipe must not make Wait hang.
	cmd.WaitDelay = time.Second
	done := make(chan struct{})
	started := make(chan error, 1)
	go func() {
		// The parent-death signal of sysProcAttr fires when the OS thread that
		// started the child exits, not when the test binary does. Keep this
		// goroutine, and so its thread, alive and locked for the child's lifetime.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		err := cmd.Wait()
		s.mu.Lock()
		s.waitErr = err
		s.mu.Unlock()
		close(done)
	}()
	if err := <-started; err != nil {
		return err
	}
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	return nil
}

// waitReady polls until the server answers PING, and checks that the one
// answering is this process and not another that holds the port.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	delay := time.Millisecond
	for {
		if !s.Alive() {
			err := s.exitErr()
			if strings.Contains(strings.ToLower(s.Log()), "address already in use") {
				return fmt.Errorf("%w: exited: %v", errPortTaken, err)
			}
			return fmt.Errorf("exited before answering PING: %v", err)
		}
		ok, err := s.pingOwn()
		if ok {
			return nil
		}
		if errors.Is(err, errPortTaken) {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no PONG within %v: last error: %v", startTimeout, err)
		}
		time.Sleep(delay) // polling interval, not a wait for an event
		delay = min(2*delay, 50*time.Millisecond)
	}
}

func (s *Server) pingOwn() (bool, error) {
	c, err := Dial(s.Addr())
	if err != nil {
		return false, err
	}
	defer c.Close()
	// Short: a listener that is not ours may accept and never answer. A slow
	// server of ours only costs another round.
	c.SetTimeout(250 * time.Millisecond)
	raw, err := c.Do("PING")
	if err != nil {
		return false, err
	}
	if strings.HasPrefix(string(raw), "-NOAUTH") {
		// A password is required: the server is up, and serving, and it is ours if
		// our process is alive (INFO would need the password too).
		return s.Alive(), nil
	}
	if string(raw) != "+PONG\r\n" {
		// -LOADING and the like: not ready yet.
		return false, fmt.Errorf("PING: %q", raw)
	}
	// A server that reports its pid must report ours. One that does not (keygrid
	// before INFO exists) is trusted if our process is still alive.
	raw, err = c.Do("INFO", "server")
	if err != nil {
		return false, err
	}
	if v, err := ParseReply(raw); err == nil && (v.Kind == KindBulk || v.Kind == KindVerbatim) {
		for line := range strings.SplitSeq(v.Str, "\n") {
			if pid, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok && pid != strconv.Itoa(s.Pid()) {
				return false, fmt.Errorf("%w: pid %s answers on port %d", errPortTaken, pid, s.port)
			}
		}
	}
	return s.Alive(), nil
}

// Addr returns "127.0.0.1:port".
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Port returns the client port.
func (s *Server) Port() int { return s.port }

// Dir returns the server's data directory (--dir).
func (s *Server) Dir() string { return s.dir }

// Pid returns the process id of the current run.
func (s *Server) Pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Alive reports whether the process is still running.
func (s *Server) Alive() bool {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

func (s *Server) exitErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waitErr
}

// Stop sends SIGTERM and waits for the process to exit (SIGKILL after 10 s). It
// returns the exit status as exec.Cmd.Wait reports it: nil for a clean exit.
func (s *Server) Stop() error {
	return s.signalAndWait(syscall.SIGTERM, stopTimeout)
}

// Kill sends SIGKILL and waits for the process to exit.
func (s *Server) Kill() {
	s.signalAndWait(syscall.SIGKILL, stopTimeout)
}

func (s *Server) signalAndWait(sig syscall.Signal, timeout time.Duration) error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil || done == nil {
		return nil
	}
	select {
	case <-done:
		return s.exitErr()
	default:
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
	}
	return s.exitErr()
}

// Restart stops the server (SIGTERM) and starts it again with the same arguments,
// port and data directory, e.g. to test that data survives a restart.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.launch(); err != nil {
		s.t.Fatalf("testutil: restarting %s: %v", s.name, err)
	}
	if err := s.waitReady(); err != nil {
		s.Kill()
		s.t.Fatalf("testutil: restarting %s: %v\noutput:\n%s", s.name, err, tail(s.Log(), logTail))
	}
}

// Log returns what the server wrote to stdout and stderr, followed by its log
// file if it has one.
func (s *Server) Log() string {
	out := s.out.String()
	if s.logfile != "" {
		if b, err := os.ReadFile(s.logfile); err == nil {
			out += "--- " + s.logfile + " ---\n" + string(b)
		}
	}
	return out
}

// WaitLog waits until the server's log holds substr, and fails the test with
// the log if it does not within timeout. A running server's output reaches
// Log through a pipe, so a line can arrive a moment after the state it
// reports is already visible to clients: check a log line with WaitLog, not
// with Log right after a state change.
func (s *Server) WaitLog(t testing.TB, timeout time.Duration, substr string) {
	t.Helper()
	if !Eventually(timeout, func() bool { return strings.Contains(s.Log(), substr) }) {
		t.Fatalf("%s did not log %q within %v:\n%s", s.name, substr, timeout, s.Log())
	}
}

// Conn dials the server; the connection is closed when the test ends.
func (s *Server) Conn(t testing.TB) *Conn {
	t.Helper()
	c, err := Dial(s.Addr())
	if err != nil {
		t.Fatalf("testutil: dialing %s at %s: %v", s.name, s.Addr(), err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// syncBuffer is a bytes.Buffer that the process's output copier writes while a
// test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("[... %d bytes cut ...]\n%s", len(s)-n, s[len(s)-n:])
}
