package drills

// The network-namespace side of the drills: keygrid processes each in a namespace
// of its own (internal/netns), reached by the test through a client namespace, so
// that partitions and flapping links are real dropped or reset packets between
// processes. These drills need root; without it (or without `ip netns`) they skip.

import (
	"context"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/netns"
	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// nsLab is one drill's network: the client host the test dials from, and the
// hosts its processes run on.
type nsLab struct {
	t      *testing.T
	net    *netns.Net
	client *netns.Host // the test's own vantage point; never partitioned
	bin    string
}

// newLab skips unless namespaces are usable, and builds a network whose first host
// is the client; Close runs when the test ends (after the processes are killed).
func newLab(t *testing.T) *nsLab {
	t.Helper()
	if err := netns.Available(); err != nil {
		t.Skipf("skipped: %v", err)
	}
	bin := testutil.BuildKeygrid(t)
	n, err := netns.New()
	if err != nil {
		t.Fatal(err)
	}
	// Registered before any process: cleanups run last-in first-out, so the
	// processes are killed first and the namespaces deleted after.
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("removing namespaces: %v", err)
		}
	})
	c, err := n.AddHost("client")
	if err != nil {
		t.Fatal(err)
	}
	return &nsLab{t: t, net: n, client: c, bin: bin}
}

func (l *nsLab) host(name string) *netns.Host {
	l.t.Helper()
	h, err := l.net.AddHost(name)
	if err != nil {
		l.t.Fatal(err)
	}
	return h
}

// heal removes every partition and cut, failing the test if it cannot.
func (l *nsLab) heal() {
	l.t.Helper()
	if err := l.net.Heal(); err != nil {
		l.t.Fatal(err)
	}
}

// redis returns a go-redis client of addr dialed from the client host, with no
// retries (every outcome is the server's) and short timeouts (a partitioned
// server must not hold a writer for long). Closed when the test ends.
func (l *nsLab) redis(addr string, timeout time.Duration) *redis.Client {
	return l.redisFrom(l.client, addr, timeout)
}

// redisFrom is redis dialing from host from.
func (l *nsLab) redisFrom(from *netns.Host, addr string, timeout time.Duration) *redis.Client {
	rc := redis.NewClient(&redis.Options{Addr: addr, Dialer: from.Dial, MaxRetries: -1, Protocol: 2,
		DialTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout, PoolSize: 4, DialerRetries: 1})
	l.t.Cleanup(func() { rc.Close() })
	return rc
}

// nsProc is a keygrid process (server or sentinel) inside a host's namespace.
type nsProc struct {
	lab  *nsLab
	host *netns.Host
	port int
	argv []string // after the binary
	dir  string
	bin  string // keygrid's unless set

	mu   sync.Mutex
	pid  int
	done chan struct{}
	out  *lockedBuffer
}

func (p *nsProc) addr() string { return p.host.Addr(p.port) }

// startServer starts `keygrid server` on h:port with no persistence, DEBUG
// allowed (DEBUG DIGEST compares datasets), and args after.
func (l *nsLab) startServer(h *netns.Host, port int, args ...string) *nsProc {
	l.t.Helper()
	dir := l.t.TempDir()
	argv := append([]string{"server", "--port", strconv.Itoa(port), "--bind", h.IP, "--dir", dir,
		"--save", "", "--appendonly", "no", "--enable-debug-command", "yes", "--protected-mode", "no"}, args...)
	p := &nsProc{lab: l, host: h, port: port, argv: argv, dir: dir, out: &lockedBuffer{}}
	p.start()
	p.waitReady()
	return p
}

// startRedis starts redis-server on h:port the way startServer starts keygrid,
// for the drills that compare the two.
func (l *nsLab) startRedis(h *netns.Host, port int, args ...string) *nsProc {
	l.t.Helper()
	dir := l.t.TempDir()
	argv := append([]string{"--port", strconv.Itoa(port), "--bind", h.IP, "--dir", dir,
		"--save", "", "--appendonly", "no", "--enable-debug-command", "yes", "--protected-mode", "no"}, args...)
	p := &nsProc{lab: l, host: h, port: port, argv: argv, dir: dir, out: &lockedBuffer{}, bin: testutil.RedisServerPath(l.t)}
	p.start()
	p.waitReady()
	return p
}

// startSentinel starts `keygrid sentinel` on h:port with its data in a fresh
// directory and the directives after (as "--directive value ..." arguments).
func (l *nsLab) startSentinel(h *netns.Host, port int, args ...string) *nsProc {
	l.t.Helper()
	dir := l.t.TempDir()
	argv := append([]string{"sentinel", "--port", strconv.Itoa(port), "--bind", h.IP, "--dir", dir}, args...)
	p := &nsProc{lab: l, host: h, port: port, argv: argv, dir: dir, out: &lockedBuffer{}}
	p.start()
	p.waitReady()
	return p
}

func (p *nsProc) start() {
	t := p.lab.t
	t.Helper()
	bin := p.bin
	if bin == "" {
		bin = p.lab.bin
	}
	cmd := p.host.Command(bin, p.argv...)
	cmd.Dir = p.dir
	cmd.Stdout, cmd.Stderr = p.out, p.out
	// `ip netns exec` execs the binary in place, so the parent-death signal (kept
	// across that exec) kills keygrid itself if the test binary dies. It follows
	// the thread that started the child, hence the locked goroutine.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	done := make(chan struct{})
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		cmd.Wait()
		close(done)
	}()
	if err := <-started; err != nil {
		t.Fatalf("starting %v: %v", p.argv, err)
	}
	p.mu.Lock()
	first := p.done == nil
	p.pid, p.done = cmd.Process.Pid, done
	p.mu.Unlock()
	if first {
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("%s %s output:\n%s", filepath.Base(bin), p.addr(), tailString(p.out.String(), 16<<10))
			}
			p.kill()
		})
	}
}

// kill sends SIGKILL and waits for the process to go.
func (p *nsProc) kill() {
	p.mu.Lock()
	pid, done := p.pid, p.done
	p.mu.Unlock()
	select {
	case <-done:
	default:
		syscall.Kill(pid, syscall.SIGKILL)
		<-done
	}
}

// waitReady polls PING from the client host.
func (p *nsProc) waitReady() {
	t := p.lab.t
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		p.mu.Lock()
		done := p.done
		p.mu.Unlock()
		select {
		case <-done:
			t.Fatalf("%v exited before answering PING:\n%s", p.argv, tailString(p.out.String(), 8<<10))
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := p.lab.client.Dial(ctx, "tcp", p.addr())
		cancel()
		if err == nil {
			c.SetDeadline(time.Now().Add(time.Second))
			_, err = c.Write([]byte("PING\r\n"))
			buf := make([]byte, 7)
			n := 0
			for err == nil && n < 7 {
				var k int
				k, err = c.Read(buf[n:])
				n += k
			}
			c.Close()
			if err == nil && string(buf) == "+PONG\r\n" {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v: no PONG within 30s:\n%s", p.argv, tailString(p.out.String(), 8<<10))
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
}

func tailString(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// info returns one INFO section of addr as a field map.
func info(ctx context.Context, rc *redis.Client, section string) (map[string]string, error) {
	s, err := rc.Info(ctx, section).Result()
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, line := range strings.Split(s, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = v
		}
	}
	return m, nil
}

// infoInt is one integer INFO field (0 when absent or unreadable).
func infoInt(m map[string]string, k string) int64 {
	v, _ := strconv.ParseInt(m[k], 10, 64)
	return v
}

// pollUntil polls fn every 20 ms until it returns true, or fails the test after
// timeout; it returns how long that took.
func pollUntil(t *testing.T, timeout time.Duration, what string, fn func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !fn() {
		if time.Since(start) > timeout {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
	return time.Since(start)
}

// digest is DEBUG DIGEST of rc.
func digest(ctx context.Context, rc *redis.Client) (string, error) {
	return rc.Do(ctx, "DEBUG", "DIGEST").Text()
}
