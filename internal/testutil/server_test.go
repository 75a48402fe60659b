package testutil

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestStartRedis(t *testing.T) {
	srv := StartRedis(t, "--hz", "20")
	if srv.Pid() == 0 || !srv.Alive() || srv.Port() == 0 {
		t.Fatalf("pid %d alive %v port %d", srv.Pid(), srv.Alive(), srv.Port())
	}
	c := srv.Conn(t)
	if raw, err := c.Do("CONFIG", "GET", "hz"); err != nil || string(raw) != "*2\r\n$2\r\nhz\r\n$2\r\n20\r\n" {
		t.Fatalf("extra arguments not applied: CONFIG GET hz = %q, %v", raw, err)
	}
	if raw, err := c.Do("CONFIG", "GET", "save"); err != nil || string(raw) != "*2\r\n$4\r\nsave\r\n$0\r\n\r\n" {
		t.Fatalf(`--save "" not applied: CONFIG GET save = %q, %v`, raw, err)
	}
	if raw, err := c.Do("CONFIG", "GET", "dir"); err != nil || !strings.Contains(string(raw), srv.Dir()) {
		t.Fatalf("CONFIG GET dir = %q, %v, want %s", raw, err, srv.Dir())
	}
	WaitFor(t, 5*time.Second, func() bool {
		return strings.Contains(srv.Log(), "Ready to accept connections")
	}, "redis log says it is ready")

	// Restart keeps port and directory.
	if _, err := c.Do("CONFIG", "SET", "save", "3600 1"); err != nil {
		t.Fatal(err)
	}
	if raw, err := c.Do("SET", "k", "v"); err != nil || string(raw) != "+OK\r\n" {
		t.Fatalf("SET = %q, %v", raw, err)
	}
	oldPid := srv.Pid()
	srv.Restart() // SIGTERM makes redis save, since save is now configured
	if srv.Pid() == oldPid {
		t.Fatal("Restart did not start a new process")
	}
	c = srv.Conn(t)
	if raw, err := c.Do("GET", "k"); err != nil || string(raw) != "$1\r\nv\r\n" {
		t.Fatalf("after restart GET k = %q, %v", raw, err)
	}
	if _, err := os.Stat(filepath.Join(srv.Dir(), "dump.rdb")); err != nil {
		t.Errorf("dump.rdb: %v", err)
	}

	if err := srv.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if srv.Alive() {
		t.Error("alive after Stop")
	}
	srv.Kill() // idempotent
}

func TestServerKill(t *testing.T) {
	srv := StartRedis(t)
	srv.Kill()
	if srv.Alive() {
		t.Fatal("alive after Kill")
	}
	if _, err := Dial(srv.Addr()); err == nil {
		t.Error("still accepting connections after Kill")
	}
}

// Many servers started at once all get their own port.
func TestStartRedisParallel(t *testing.T) {
	for i := range 4 {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			srv := StartRedis(t)
			c := srv.Conn(t)
			if raw, err := c.Do("INFO", "server"); err != nil || !strings.Contains(string(raw), "process_id:") {
				t.Fatalf("INFO = %q, %v", raw, err)
			}
		})
	}
}

func TestWaitFor(t *testing.T) {
	n := 0
	WaitFor(t, time.Second, func() bool { n++; return n == 3 }, "n reaches 3")
	if n != 3 {
		t.Errorf("n = %d", n)
	}
}

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(filepath.ToSlash(mustWd(t)), "internal/testutil") {
		t.Skip("not run from the package directory")
	}
	if filepath.Join(root, "internal", "testutil") != mustWd(t) {
		t.Errorf("root %s does not contain %s", root, mustWd(t))
	}
}

func mustWd(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

// A port taken between freePort and the server's bind makes start try another.
func TestStartRetriesTakenPort(t *testing.T) {
	RedisServerPath(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	taken := l.Addr().(*net.TCPAddr).Port
	calls := 0
	freePortFunc = func() (int, error) {
		calls++
		if calls == 1 {
			return taken, nil
		}
		return freePort()
	}
	defer func() { freePortFunc = freePort }()
	srv := StartRedis(t)
	if srv.Port() == taken || calls != 2 {
		t.Errorf("port %d (taken %d), %d calls to freePort", srv.Port(), taken, calls)
	}
}

func TestStartKeygrid(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("DIFFTEST_AGAINST") == "redis" {
		t.Skip("DIFFTEST_AGAINST=redis: validating the test tools without keygrid")
	}
	if os.Getenv("KEYGRID_BIN") == "" {
		if m, _ := filepath.Glob(filepath.Join(root, "cmd", "keygrid", "*.go")); len(m) == 0 {
			t.Skip("cmd/keygrid has no Go files yet")
		}
	}
	srv := StartKeygrid(t)
	if raw, err := srv.Conn(t).Do("PING"); err != nil || string(raw) != "+PONG\r\n" {
		t.Fatalf("PING = %q, %v", raw, err)
	}
	if err := srv.Stop(); err != nil {
		t.Errorf("keygrid did not exit cleanly on SIGTERM: %v\n%s", err, srv.Log())
	}
}
