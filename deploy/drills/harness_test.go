package drills

// The runner's side of the drills: which size runs, where results go, and a
// process launcher for servers that are expected to refuse to start (testutil's
// StartKeygrid fails the test when that happens).

import (
	"bytes"
	"context"
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

	"github.com/keygrid/keygrid/internal/drill"
	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// full reports whether the full-size drills run (DRILLS=full, `make drills`).
func full() bool { return os.Getenv("DRILLS") == "full" }

// size returns bounded, or fullSize under DRILLS=full.
func size(bounded, fullSize int) int {
	if full() {
		return fullSize
	}
	return bounded
}

var outDir struct {
	once sync.Once
	dir  string
	err  error
}

// resultDir is $DRILL_OUT, or one temporary directory per test binary.
func resultDir() (string, error) {
	outDir.once.Do(func() {
		if d := os.Getenv("DRILL_OUT"); d != "" {
			outDir.dir, outDir.err = filepath.Abs(d)
			return
		}
		outDir.dir, outDir.err = os.MkdirTemp("", "keygrid-drills-")
	})
	return outDir.dir, outDir.err
}

// report prints r's summary, saves its JSON and fails the test if r did not pass.
func report(t *testing.T, r *drill.Result) {
	t.Helper()
	if full() {
		r.Drill += "-full"
	}
	fmt.Println(r.Summary()) // on stdout even without -v: the drill's figures are its product
	dir, err := resultDir()
	if err == nil {
		var path string
		if path, err = r.Save(dir); err == nil {
			t.Logf("result saved to %s", path)
		}
	}
	if err != nil {
		t.Errorf("saving the result: %v", err)
	}
	for i, f := range r.Failures {
		if i == 20 {
			t.Errorf("... and %d more failures", len(r.Failures)-i)
			break
		}
		t.Errorf("%s", f)
	}
	if !r.Pass {
		t.Errorf("drill %s failed its bar (%s): %s", r.Drill, r.Bar, r.Summary())
	}
}

// proc is a keygrid process started by startProc, for drills where the server may
// refuse to start: the outcome (ready, or exited with its output) is the result.
type proc struct {
	port int
	dir  string
	out  *lockedBuffer
	cmd  *exec.Cmd
	done chan struct{}
	err  error // cmd.Wait's result, once done is closed
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startProc starts `keygrid server` on a free port of 127.0.0.1 with dir as its
// data directory, no snapshots and args after; it does not wait for it. The process
// is killed when the test ends.
func startProc(t testing.TB, dir string, args ...string) *proc {
	t.Helper()
	bin := testutil.BuildKeygrid(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	p := &proc{port: port, dir: dir, out: &lockedBuffer{}, done: make(chan struct{})}
	argv := append([]string{"server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--dir", dir}, args...)
	p.cmd = exec.Command(bin, argv...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	// Killed with the test binary: the parent-death signal follows the thread that
	// started the child, so that goroutine stays locked to it while the child runs.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p.cmd.WaitDelay = time.Second
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := p.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		t.Fatalf("starting keygrid: %v", err)
	}
	t.Cleanup(p.kill)
	return p
}

func (p *proc) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)) }

func (p *proc) kill() {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
	}
}

// errExited is returned by waitReady when the process exited instead.
var errExited = errors.New("exited before answering PING")

// waitReady polls until the process answers PONG (nil), exits (errExited), or
// timeout passes.
func (p *proc) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	delay := time.Millisecond
	for {
		select {
		case <-p.done:
			return errExited
		default:
		}
		if c, err := testutil.Dial(p.addr()); err == nil {
			c.SetTimeout(500 * time.Millisecond)
			raw, err := c.Do("PING")
			c.Close()
			if err == nil && string(raw) == "+PONG\r\n" {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no PONG within %v", timeout)
		}
		time.Sleep(delay) // polling interval
		delay = min(2*delay, 20*time.Millisecond)
	}
}

// exitCode waits for the process to exit and returns its exit code (-1 when a
// signal ended it).
func (p *proc) exitCode(timeout time.Duration) (int, bool) {
	select {
	case <-p.done:
	case <-time.After(timeout):
		return 0, false
	}
	var ee *exec.ExitError
	if p.err == nil {
		return 0, true
	}
	if errors.As(p.err, &ee) {
		return ee.ExitCode(), true
	}
	return -1, true
}

// panicked reports whether output shows a Go panic or fatal runtime error.
func panicked(output string) bool {
	return strings.Contains(output, "panic:") || strings.Contains(output, "fatal error:") ||
		strings.Contains(output, "goroutine 1 [")
}

// client returns a go-redis client of addr, closed when the test ends; no retries,
// so every outcome is the server's.
func client(t testing.TB, addr string) *redis.Client {
	rc := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, Protocol: 2,
		DialTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second})
	t.Cleanup(func() { rc.Close() })
	return rc
}

// fetch returns the values of keys (missing keys are absent from the map), read
// with pipelined MGETs.
func fetch(ctx context.Context, rc *redis.Client, keys []string) (map[string]string, error) {
	got := make(map[string]string, len(keys))
	const batch = 500
	for i := 0; i < len(keys); i += batch {
		part := keys[i:min(i+batch, len(keys))]
		vals, err := rc.MGet(ctx, part...).Result()
		if err != nil {
			return nil, err
		}
		for j, v := range vals {
			if s, ok := v.(string); ok {
				got[part[j]] = s
			}
		}
	}
	return got, nil
}

// copyDir copies the regular files of src (one level of subdirectories) to dst.
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
}
