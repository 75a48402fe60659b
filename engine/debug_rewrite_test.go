package engine

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/engine/config"
)

// DEBUG CONFIG-REWRITE-FORCE-ALL writes every directive, defaults included, and
// the file reads back to the same CONFIG GET * (unit/introspection "CONFIG
// REWRITE sanity"); DEBUG AOF-FLUSH-SLEEP and SET-SKIP-CHECKSUM-VALIDATION
// answer OK as in Redis.
func TestDebugConfigRewriteForceAll(t *testing.T) {
	path := filepath.Join(t.TempDir(), "redis.conf")
	os.WriteFile(path, []byte("port 0\n"), 0o644)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfg.Bind = []string{"127.0.0.1"}
	cfg.Dir = t.TempDir()
	cfg.Save = nil
	cfg.EnableDebugCommand = "yes"
	s, err := New(Options{Config: cfg, ConfigPath: path})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	go s.Run()
	t.Cleanup(s.Shutdown)
	tc := dialTest(t, "127.0.0.1:"+strconv.Itoa(cfg.Port))
	for _, args := range [][]string{{"DEBUG", "CONFIG-REWRITE-FORCE-ALL"}, {"DEBUG", "AOF-FLUSH-SLEEP", "0"},
		{"DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0"}} {
		if got := tc.do(args...); got != "OK" {
			t.Fatalf("%v = %q", args, got)
		}
	}
	b, _ := os.ReadFile(path)
	for _, d := range []string{"\nmaxmemory 0\n", "\nappendonly no\n", "\nhz 10\n"} {
		if !strings.Contains(string(b), d) {
			t.Errorf("default %q not written:\n%s", strings.TrimSpace(d), b)
		}
	}
	back, err := config.Load(path, nil)
	if err != nil {
		t.Fatalf("the rewritten file does not load: %v\n%s", err, b)
	}
	want, got := s.cfg.Get([]string{"*"}), back.Get([]string{"*"})
	m := map[string]string{}
	for _, p := range got {
		m[p[0]] = p[1]
	}
	for _, p := range want {
		if p[0] == "port" {
			continue // 0 in the file: the listener's port is the one in use
		}
		if m[p[0]] != p[1] {
			t.Errorf("%s: %q after the rewrite, was %q", p[0], m[p[0]], p[1])
		}
	}
}
