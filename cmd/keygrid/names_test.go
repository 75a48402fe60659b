package main

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// run runs bin with args and returns its standard output, standard error and
// exit status.
func run(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return out.String(), errb.String(), ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errb.String(), 0
}

// TestRedisProgramNames: keygrid installed as redis-server (or run with that name as
// its first argument, as the image's compose files do) is redis-server: its
// --version line has redis-server's fields, -h prints a usage and exits 1,
// --sentinel anywhere runs a sentinel, options alone run a server, and the
// checkers answer as Debian's.
func TestRedisProgramNames(t *testing.T) {
	kg := testutil.BuildKeygrid(t)
	dir := t.TempDir()
	for _, name := range []string{"redis-server", "redis-sentinel", "redis-check-rdb", "redis-check-aof"} {
		if err := os.Symlink(kg, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	versionLine := regexp.MustCompile(`^Redis server v=7\.0\.\d+ sha=[0-9a-f]{8}:\d malloc=\S+ bits=64 build=[0-9a-f]+\n$`)
	if ref, _, _ := run(t, testutil.RedisServerPath(t), "--version"); !versionLine.MatchString(ref) {
		t.Fatalf("redis-server --version %q: the pattern is wrong", ref)
	}
	for _, argv := range [][]string{{kg, "server", "-v"}, {kg, "server", "--version"}, {kg, "sentinel", "-v"},
		{kg, "redis-server", "--version"}, {filepath.Join(dir, "redis-server"), "-v"},
		{filepath.Join(dir, "redis-sentinel"), "--version"}} {
		if out, _, rc := run(t, argv[0], argv[1:]...); rc != 0 || !versionLine.MatchString(out) {
			t.Errorf("%q: status %d, %q", argv, rc, out)
		}
	}
	if _, errOut, rc := run(t, filepath.Join(dir, "redis-server"), "-h"); rc != 1 || !strings.HasPrefix(errOut, "Usage: redis-server ") {
		t.Errorf("redis-server -h: status %d, %q", rc, errOut)
	}

	// The checkers: the same words and status as Debian's for a missing file.
	for _, c := range []string{"redis-check-rdb", "redis-check-aof"} {
		missing := filepath.Join(dir, "missing")
		wantOut, _, wantRC := run(t, c, missing)
		gotOut, _, gotRC := run(t, filepath.Join(dir, c), missing)
		if gotOut != wantOut || gotRC != wantRC {
			t.Errorf("%s: keygrid %d %q, Debian's %d %q", c, gotRC, gotOut, wantRC, wantOut)
		}
	}

	// Options with no program name are a server; --sentinel makes it a sentinel.
	port := testutil.FreePort(t)
	srv := exec.Command(kg, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--dir", t.TempDir())
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	if info := infoField(t, port, "redis_mode"); info != "standalone" {
		t.Errorf("keygrid --port: redis_mode %q", info)
	}
	sport := testutil.FreePort(t)
	sdir := t.TempDir() // the sentinel keeps its state in dir
	conf := filepath.Join(sdir, "sentinel.conf")
	os.WriteFile(conf, []byte("port "+strconv.Itoa(sport)+"\nbind 127.0.0.1\ndir "+sdir+"\nsentinel monitor m 127.0.0.1 1 2\n"), 0o644)
	sen := exec.Command(filepath.Join(dir, "redis-server"), conf, "--sentinel")
	if err := sen.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sen.Process.Kill(); sen.Wait() }()
	if info := infoField(t, sport, "redis_mode"); info != "sentinel" {
		t.Errorf("redis-server sentinel.conf --sentinel: redis_mode %q", info)
	}
}

// infoField waits for a server on port and returns an INFO server field.
func infoField(t *testing.T, port int, field string) string {
	t.Helper()
	var v string
	testutil.WaitFor(t, 20*time.Second, func() bool {
		c, err := testutil.Dial(net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			return false
		}
		defer c.Close()
		r, err := c.Do("INFO", "server")
		if err != nil {
			return false
		}
		m := regexp.MustCompile(field + `:(\w+)`).FindSubmatch(r)
		if m == nil {
			return false
		}
		v = string(m[1])
		return true
	}, "no INFO from port "+strconv.Itoa(port))
	return v
}

// TestRedisCLIName: keygrid installed as redis-cli, or run as `keygrid redis-cli`,
// is the client (internal/cli, whose tests compare it with Redis's): the version
// line keeps redis-cli's form, and a PING gets PONG.
func TestRedisCLIName(t *testing.T) {
	kg := testutil.BuildKeygrid(t)
	cli := filepath.Join(t.TempDir(), "redis-cli")
	if err := os.Symlink(kg, cli); err != nil {
		t.Fatal(err)
	}
	s := testutil.StartKeygrid(t)
	port := strconv.Itoa(s.Port())
	for _, argv := range [][]string{{cli}, {kg, "redis-cli"}} {
		bin, pre := argv[0], argv[1:]
		if out, errOut, code := run(t, bin, append(pre, "-v")...); code != 0 || !strings.HasPrefix(out, "redis-cli 7.0.15 (keygrid ") {
			t.Errorf("%v -v: %q %q %d", argv, out, errOut, code)
		}
		if out, errOut, code := run(t, bin, append(pre, "-p", port, "ping")...); code != 0 || out != "PONG\n" || errOut != "" {
			t.Errorf("%v ping: %q %q %d", argv, out, errOut, code)
		}
		if out, errOut, code := run(t, bin, append(pre, "-p", port, "--bigkeys")...); code != 1 || out != "" || !strings.Contains(errOut, "not supported by keygrid's redis-cli") {
			t.Errorf("%v --bigkeys: %q %q %d", argv, out, errOut, code)
		}
	}
}
