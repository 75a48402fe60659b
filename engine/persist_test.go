package engine

// Tests of persist.go through the network: save points, MISCONF after a failed
// BGSAVE, FLUSHALL's empty save and its abort of a BGSAVE, DEBUG RELOAD.

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
)

// infoField returns one field of INFO persistence.
func persistInfo(tc *testConn, name string) string {
	tc.t.Helper()
	for _, l := range strings.Split(tc.do("INFO", "persistence"), "\r\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			return v
		}
	}
	tc.t.Fatalf("no %s in INFO persistence", name)
	return ""
}

func waitInfo(t *testing.T, tc *testConn, name, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for persistInfo(tc, name) != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s stayed %q, want %q", name, persistInfo(tc, name), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Redis's serverCron: "save 1 1" saves once a change is more than a second old.
func TestPersistSavePoint(t *testing.T) {
	s, addr := startTestServer(t, func(c *config.Config) { c.Save = [][2]int64{{1, 1}} })
	tc := dialTest(t, addr)
	tc.do("SET", "k", "v")
	if got := persistInfo(tc, "rdb_changes_since_last_save"); got != "1" {
		t.Fatalf("changes = %s", got)
	}
	waitInfo(t, tc, "rdb_changes_since_last_save", "0")
	waitInfo(t, tc, "rdb_bgsave_in_progress", "0")
	if _, err := os.Stat(filepath.Join(s.cfg.Dir, "dump.rdb")); err != nil {
		t.Fatal(err)
	}
	if got := persistInfo(tc, "rdb_saves"); got != "1" {
		t.Fatalf("rdb_saves = %s", got)
	}
}

// A failed BGSAVE with save points and stop-writes-on-bgsave-error refuses writes and
// PING with MISCONF; reads pass; a later successful save lifts it.
func TestPersistMisconf(t *testing.T) {
	s, addr := startTestServer(t, func(c *config.Config) { c.Save = [][2]int64{{3600, 1}} })
	tc := dialTest(t, addr)
	tc.do("SET", "k", "v")
	dir := s.cfg.Dir
	if err := os.RemoveAll(dir); err != nil { // the temp file cannot be created
		t.Fatal(err)
	}
	if r := tc.do("BGSAVE"); r != "Background saving started" {
		t.Fatalf("BGSAVE: %s", r)
	}
	waitInfo(t, tc, "rdb_last_bgsave_status", "err")
	misconf := "-" + ErrMisconf
	for _, cmd := range [][]string{{"SET", "k", "w"}, {"PING"}, {"DEL", "k"}} {
		if r := tc.do(cmd...); r != misconf {
			t.Fatalf("%v: %s", cmd, r)
		}
	}
	if r := tc.do("GET", "k"); r != "v" {
		t.Fatalf("GET: %s", r)
	}
	// MULTI queues a write; EXEC of it is refused as a whole (EXECABORT).
	tc.do("MULTI")
	tc.do("SET", "k", "w")
	if r := tc.do("EXEC"); !strings.HasPrefix(r, "-EXECABORT") && r != misconf {
		t.Fatalf("EXEC: %s", r)
	}
	tc.do("CONFIG", "SET", "stop-writes-on-bgsave-error", "no")
	if r := tc.do("SET", "k", "w"); r != "OK" {
		t.Fatalf("SET with stop-writes-on-bgsave-error no: %s", r)
	}
	tc.do("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if r := tc.do("SAVE"); r != "OK" {
		t.Fatalf("SAVE: %s", r)
	}
	if r := tc.do("SET", "k", "x"); r != "OK" {
		t.Fatalf("SET after a good save: %s", r)
	}
}

// FLUSHALL with save points kills a BGSAVE (without an error status) and saves an
// empty dump synchronously.
func TestPersistFlushall(t *testing.T) {
	s, addr := startTestServer(t, func(c *config.Config) {
		c.Save = [][2]int64{{3600, 1}}
		c.EnableDebugCommand = "yes"
	})
	tc := dialTest(t, addr)
	tc.do("DEBUG", "POPULATE", "2000")
	tc.do("CONFIG", "SET", "rdb-key-save-delay", "1000")
	if r := tc.do("BGSAVE"); r != "Background saving started" {
		t.Fatalf("BGSAVE: %s", r)
	}
	if r := tc.do("BGSAVE"); r != "-ERR Background save already in progress" {
		t.Fatalf("second BGSAVE: %s", r)
	}
	if r := tc.do("SAVE"); r != "-ERR Background save already in progress" {
		t.Fatalf("SAVE during BGSAVE: %s", r)
	}
	if got := persistInfo(tc, "rdb_bgsave_in_progress"); got != "1" {
		t.Fatalf("in progress = %s", got)
	}
	if r := tc.do("FLUSHALL"); r != "OK" {
		t.Fatalf("FLUSHALL: %s", r)
	}
	for name, want := range map[string]string{"rdb_bgsave_in_progress": "0", "rdb_last_bgsave_status": "ok", "rdb_changes_since_last_save": "0"} {
		if got := persistInfo(tc, name); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(s.cfg.Dir, "temp-"+strconv.Itoa(os.Getpid())+".rdb")); !os.IsNotExist(err) {
		t.Errorf("temp file left: %v", err)
	}
	tc.do("SET", "after", "1")
	if r := tc.do("DEBUG", "RELOAD", "NOSAVE"); r != "OK" {
		t.Fatalf("DEBUG RELOAD NOSAVE: %s", r)
	}
	if r := tc.do("DBSIZE"); r != ":0" {
		t.Fatalf("the dump FLUSHALL saved is not empty: DBSIZE %s", r)
	}
}

// DEBUG RELOAD saves, empties and loads back; its options as Redis.
func TestPersistDebugReload(t *testing.T) {
	_, addr := startTestServer(t, func(c *config.Config) { c.EnableDebugCommand = "yes" })
	tc := dialTest(t, addr)
	tc.do("RPUSH", "l", "a", "b")
	tc.do("SET", "n", "12345")
	tc.do("HSET", "h", "f", "v")
	tc.do("SET", "t", "x", "PX", "100000")
	if r := tc.do("DEBUG", "RELOAD"); r != "OK" {
		t.Fatalf("DEBUG RELOAD: %s", r)
	}
	if r := tc.do("LRANGE", "l", "0", "-1"); r != "[a b]" {
		t.Fatalf("list after reload: %s", r)
	}
	if r := tc.do("OBJECT", "ENCODING", "n"); r != "int" {
		t.Fatalf("encoding after reload: %s", r)
	}
	if r := tc.do("PTTL", "t"); r == ":-1" || r == ":-2" {
		t.Fatalf("TTL lost: %s", r)
	}
	if r := tc.do("DEBUG", "RELOAD", "FOO"); r != "-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options." {
		t.Fatalf("bad option: %s", r)
	}
	if got := persistInfo(tc, "rdb_last_load_keys_loaded"); got != "4" {
		t.Fatalf("rdb_last_load_keys_loaded = %s", got)
	}
}

// CONFIG SET dbfilename (a protected config) moves the next save; LASTSAVE moves
// with a successful save.
func TestPersistDBFilename(t *testing.T) {
	s, addr := startTestServer(t, func(c *config.Config) { c.EnableProtectedConfigs = "yes" })
	tc := dialTest(t, addr)
	tc.do("SET", "k", "v")
	if r := tc.do("CONFIG", "SET", "dbfilename", "other.rdb"); r != "OK" {
		t.Fatalf("CONFIG SET dbfilename: %s", r)
	}
	if r := tc.do("SAVE"); r != "OK" {
		t.Fatalf("SAVE: %s", r)
	}
	if _, err := os.Stat(filepath.Join(s.cfg.Dir, "other.rdb")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.cfg.Dir, "dump.rdb")); !os.IsNotExist(err) {
		t.Fatalf("dump.rdb: %v", err)
	}
	if r := tc.do("LASTSAVE"); r != ":"+strconv.FormatInt(time.Now().Unix(), 10) && r != ":"+strconv.FormatInt(time.Now().Unix()-1, 10) {
		t.Fatalf("LASTSAVE %s", r)
	}
}
