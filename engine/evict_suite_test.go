package engine

// maxmemory and maxmemory-clients behaviour found by Redis's unit/maxmemory and
// unit/client-eviction in local mode (internal/redissuite).

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
)

// Evictions made by CONFIG SET maxmemory reach the AOF (and replicas) as plain
// DELs, not wrapped in MULTI/EXEC with the CONFIG SET (unit/maxmemory
// "propagation with eviction": Redis's performEvictions propagates them itself).
func TestEvictionPropagatesUnwrapped(t *testing.T) {
	s, addr := startTestServer(t, func(c *config.Config) {
		c.Save = nil
		c.AppendOnly = true
		c.AppendFsync = "always"
	})
	tc := dialTest(t, addr)
	for _, k := range []string{"asdf1", "asdf2", "asdf3"} {
		tc.do("SET", k, "1")
	}
	tc.do("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
	tc.do("CONFIG", "SET", "maxmemory", "1")
	deadline := time.Now().Add(10 * time.Second)
	for tc.do("DBSIZE") != ":0" {
		if time.Now().After(deadline) {
			t.Fatal("keys not evicted")
		}
		time.Sleep(10 * time.Millisecond)
	}
	tc.do("CONFIG", "SET", "maxmemory", "0")
	tc.do("SET", "asdf4", "4")
	dir := filepath.Join(s.cfg.Dir, s.cfg.AppendDirname)
	files, _ := filepath.Glob(filepath.Join(dir, "*.incr.aof"))
	if len(files) != 1 {
		t.Fatalf("incr files %v", files)
	}
	b, _ := os.ReadFile(files[0])
	aof := string(b)
	if strings.Contains(strings.ToUpper(aof), "MULTI") {
		t.Errorf("evictions wrapped in a transaction:\n%q", aof)
	}
	if n := strings.Count(aof, "$3\r\nDEL\r\n"); n != 3 {
		t.Errorf("%d DELs in the AOF, want 3:\n%q", n, aof)
	}
}

// A client whose command arguments take the client memory over maxmemory-clients
// is evicted before the command runs, not at the next cron (unit/client-eviction
// "client evicted due to large argv"), and a long WATCH list counts in multi-mem.
func TestClientEvictedBeforeCommand(t *testing.T) {
	_, addr := startTestServer(t, func(c *config.Config) { c.Save = nil })
	ctl, big := dialTest(t, addr), dialTest(t, addr)
	ctl.do("CLIENT", "NO-EVICT", "on")
	ctl.do("CONFIG", "SET", "maxmemory-clients", "3000000")
	big.do("CLIENT", "SETNAME", "big")
	if got := big.do("MSET", "k", "v", "k2", strings.Repeat("v", 1000000)); got != "OK" {
		t.Fatalf("MSET under the limit = %q", got)
	}
	// As Redis, the bulk counts whole once its length is read: the client may be
	// evicted while the rest of its write is on the way (a reset, then).
	big.c.Write([]byte("*5\r\n$4\r\nMSET\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nk2\r\n$3000000\r\n" + strings.Repeat("v", 3000000) + "\r\n"))
	if got, err := readReply(big.rd); err == nil {
		t.Fatalf("the client over maxmemory-clients got a reply: %q", got)
	}
	if list := ctl.do("CLIENT", "LIST"); strings.Contains(list, "name=big") {
		t.Fatalf("evicted client still listed:\n%s", list)
	}
	if got := ctl.do("INFO", "stats"); !strings.Contains(got, "evicted_clients:1") {
		t.Errorf("evicted_clients not 1:\n%s", got)
	}
	w := dialTest(t, addr)
	w.do("CLIENT", "SETNAME", "w")
	for i := range 100 {
		w.do("WATCH", "key"+string(rune('a'+i%26))+strings.Repeat("x", i))
	}
	// The watched keys count in tot-mem (maxmemory-clients), not in multi-mem, which
	// shows only queued arguments (redis-server 7.0.15's CLIENT LIST).
	before := clientField(t, ctl.do("CLIENT", "LIST"), "w", "tot-mem")
	w.do("WATCH", "one-more")
	list := ctl.do("CLIENT", "LIST")
	if got := clientField(t, list, "w", "tot-mem"); got-before != watchedKeyOverhead {
		t.Errorf("one more watched key added %d to tot-mem, want %d:\n%s", got-before, watchedKeyOverhead, list)
	}
	if got := clientField(t, list, "w", "multi-mem"); got != 0 {
		t.Errorf("watched keys in multi-mem (%d), want 0:\n%s", got, list)
	}
}

// clientField is the integer field of the CLIENT LIST line of the client named name.
func clientField(t *testing.T, list, name, field string) int64 {
	t.Helper()
	for _, line := range strings.Split(list, "\n") {
		if !strings.Contains(line, " name="+name+" ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, field+"="); ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					t.Fatalf("%s=%q", field, v)
				}
				return n
			}
		}
	}
	t.Fatalf("no %s of %s in:\n%s", field, name, list)
	return 0
}
