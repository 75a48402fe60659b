package daemon

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// listen opens a datagram socket at name as systemd does for NOTIFY_SOCKET.
func listen(t *testing.T, name string) *net.UnixConn {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func recv(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	buf := make([]byte, 256)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := c.ReadFromUnix(buf)
	if err != nil {
		t.Fatal(err)
	}
	return string(buf[:n])
}

// sd_notify's cases: a path, an abstract name ('@'), unset (0), set but unusable.
func TestNotify(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify")
	c := listen(t, path)
	t.Setenv("NOTIFY_SOCKET", path)
	if err := Notify("READY=1\n"); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, c); m != "READY=1\n" {
		t.Fatalf("got %q", m)
	}

	abstract := "@keygrid-test-" + filepath.Base(t.TempDir())
	a := listen(t, abstract)
	t.Setenv("NOTIFY_SOCKET", abstract)
	if err := Notify("STOPPING=1\n"); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, a); m != "STOPPING=1\n" {
		t.Fatalf("got %q", m)
	}

	for _, bad := range []string{"", "relative/path"} {
		t.Setenv("NOTIFY_SOCKET", bad)
		if err := Notify("READY=1\n"); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("NOTIFY_SOCKET=%q: %v, want EINVAL", bad, err)
		}
	}
	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "nobody"))
	if err := Notify("READY=1\n"); err == nil || errnoOf(err) != int(syscall.ENOENT) {
		t.Errorf("no listener: %v, want ENOENT", err)
	}
	os.Unsetenv("NOTIFY_SOCKET")
	if err := Notify("READY=1\n"); !errors.Is(err, ErrNoSocket) {
		t.Errorf("unset: %v", err)
	}
}

// Supervise: modes "no" and "auto" with no supervisor around are no supervision;
// "systemd" sends the loading status and logs Redis's lines; a nil Supervisor's
// methods do nothing.
func TestSupervise(t *testing.T) {
	t.Setenv("UPSTART_JOB", "")
	os.Unsetenv("UPSTART_JOB")
	t.Setenv("NOTIFY_SOCKET", "")
	os.Unsetenv("NOTIFY_SOCKET")
	for _, mode := range []string{"no", "auto"} {
		if s := Supervise(mode, nil); s != nil {
			t.Errorf("%s: supervised by %q", mode, s.Mode())
		}
	}
	core, logs := observer.New(zap.DebugLevel)
	if s := Supervise("systemd", zap.New(core)); s != nil {
		t.Errorf("systemd without NOTIFY_SOCKET: supervised")
	}
	if l := logs.TakeAll(); len(l) != 1 || l[0].Message != "systemd supervision error: NOTIFY_SOCKET not found!" {
		t.Errorf("logged %v", l)
	}
	if s := Supervise("upstart", zap.New(core)); s != nil {
		t.Errorf("upstart without UPSTART_JOB: supervised")
	}
	if l := logs.TakeAll(); len(l) != 1 || l[0].Message != "upstart supervision requested, but UPSTART_JOB not found!" {
		t.Errorf("logged %v", l)
	}

	path := filepath.Join(t.TempDir(), "notify")
	c := listen(t, path)
	t.Setenv("NOTIFY_SOCKET", path)
	s := Supervise("auto", zap.New(core))
	if s.Mode() != "systemd" {
		t.Fatalf("auto with NOTIFY_SOCKET: %q", s.Mode())
	}
	if m := recv(t, c); m != "STATUS=Redis is loading...\n" {
		t.Errorf("first message %q", m)
	}
	s.Notify("READY=1\n")
	if m := recv(t, c); m != "READY=1\n" {
		t.Errorf("got %q", m)
	}
	var none *Supervisor
	none.Notify("READY=1\n")
	if none.Mode() != "" {
		t.Error("nil Supervisor has a mode")
	}
}

func TestWritePidFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.pid")
	WritePidFile(p)
	b, err := os.ReadFile(p)
	if err != nil || string(b) != strconv.Itoa(os.Getpid())+"\n" {
		t.Fatalf("%q %v", b, err)
	}
	WritePidFile(filepath.Join(t.TempDir(), "no", "such", "dir", "x.pid")) // best effort: no panic
}

// TestProcTitle runs in a child test process (its title changes): after
// DetachArgsAndEnv, SetProcTitle rewrites /proc/self/cmdline, short or longer than
// the arguments, and os.Args, os.Getenv and a child's environment keep their values.
func TestProcTitle(t *testing.T) {
	if os.Getenv("DAEMON_TITLE_CHILD") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestProcTitle$", "-test.v")
		cmd.Env = append(os.Environ(), "DAEMON_TITLE_CHILD=1", "KEEP_ME=value-"+strings.Repeat("x", 64))
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "--- PASS") {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	if err := SetProcTitle("early"); err == nil {
		t.Fatal("SetProcTitle before DetachArgsAndEnv succeeded")
	}
	var args []string // copies: os.Args's strings are views of the memory the title takes
	for _, a := range os.Args {
		args = append(args, strings.Clone(a))
	}
	DetachArgsAndEnv()
	cmdline := func() string {
		b, err := os.ReadFile("/proc/self/cmdline")
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimRight(string(b), "\x00")
	}
	long := "keygrid " + strings.Repeat("long-title ", 40) // longer than the arguments
	for _, want := range []string{"short", long, "short again"} {
		if err := SetProcTitle(want); err != nil {
			t.Fatal(err)
		}
		if got := cmdline(); got != want {
			t.Errorf("cmdline %q, want %q", got, want)
		}
	}
	if !slices.Equal(os.Args, args) {
		t.Errorf("os.Args %q, was %q", os.Args, args)
	}
	want := "value-" + strings.Repeat("x", 64)
	if v := os.Getenv("KEEP_ME"); v != want {
		t.Errorf("KEEP_ME=%q after the title", v)
	}
	out, err := exec.Command("/bin/sh", "-c", "echo $KEEP_ME").Output()
	if err != nil || strings.TrimSpace(string(out)) != want {
		t.Errorf("a child's KEEP_ME=%q %v", out, err)
	}
}
