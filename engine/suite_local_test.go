package engine

// Regressions found by Redis 7.0.15's own suite in local mode (internal/redissuite;
// suite_regress_test.go has those of external mode), each run on redis-server and
// on the keygrid binary side by side: unit/acl-v2 (an aclfile relative to dir),
// unit/networking (CONFIG SET bind to the same addresses or to none,
// bind-source-addr on the replication link), unit/multi and unit/dump (INFO
// total_forks, migrate_cached_sockets), unit/shutdown (rdb-key-save-delay in the
// save at shutdown).

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// suiteSides starts redis-server and the keygrid binary with the same arguments.
func suiteSides(t *testing.T, args func(name string) []string) []evictSide {
	t.Helper()
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	ref := testutil.StartRedis(t, args("redis-server")...)
	kg := testutil.StartKeygrid(t, args("keygrid")...)
	return []evictSide{{"redis-server", ref.Addr()}, {"keygrid", kg.Addr()}}
}

// A relative aclfile is relative to dir, where Redis has moved by the time it
// loads the file (unit/acl-v2 "Test behavior of loading ACLs" starts a server
// with "dir X aclfile userwithselectors.acl"); ACL SAVE writes it there too.
func TestACLFileRelativeToDirVsRedis(t *testing.T) {
	dirs := map[string]string{}
	sides := suiteSides(t, func(name string) []string {
		d := t.TempDir()
		dirs[name] = d
		users := "user alice on (+get ~rw*)\nuser bob on (+set %W~w*) (+get %R~r*)\n"
		if err := os.WriteFile(filepath.Join(d, "users.acl"), []byte(users), 0o644); err != nil {
			t.Fatal(err)
		}
		return []string{"--dir", d, "--aclfile", "users.acl"}
	})
	var lists []string
	for _, side := range sides {
		c := dialTest(t, side.addr)
		lists = append(lists, c.do("ACL", "LIST"))
		if got := c.do("ACL", "SETUSER", "carol", "on", "+ping"); got != "OK" {
			t.Fatalf("%s: ACL SETUSER: %q", side.name, got)
		}
		if got := c.do("ACL", "SAVE"); got != "OK" {
			t.Fatalf("%s: ACL SAVE: %q", side.name, got)
		}
		saved, err := os.ReadFile(filepath.Join(dirs[side.name], "users.acl"))
		if err != nil || !strings.Contains(string(saved), "user carol on") {
			t.Errorf("%s: ACL SAVE did not write users.acl in dir: %q %v", side.name, saved, err)
		}
		if got := c.do("ACL", "LOAD"); got != "OK" {
			t.Errorf("%s: ACL LOAD: %q", side.name, got)
		}
	}
	if lists[0] != lists[1] {
		t.Errorf("ACL LIST: redis-server %q, keygrid %q", lists[0], lists[1])
	}
	if !strings.Contains(lists[1], "user bob on") {
		t.Errorf("keygrid did not load the aclfile: %q", lists[1])
	}
}

// CONFIG SET bind closes the listeners before opening the new ones, so binding
// the same address again works, and an empty list listens nowhere (unit/networking
// "Default bind address configuration handling"); a failed change restores the
// old listeners.
func TestConfigSetBindVsRedis(t *testing.T) {
	sides := suiteSides(t, func(string) []string { return nil })
	steps := [][]string{
		{"CONFIG", "SET", "bind", "127.0.0.1"},
		{"CONFIG", "SET", "bind", "127.0.0.1 -::1"},
		{"CONFIG", "SET", "bind", "999.999.999.999"},
		{"CONFIG", "GET", "bind"},
		{"CONFIG", "SET", "bind", ""},
		{"CONFIG", "GET", "bind"},
	}
	type result struct {
		replies     []string
		refusedNone bool // no new connection with bind ""
		backAgain   bool // one again after bind 127.0.0.1
	}
	var got []result
	for _, side := range sides {
		var r result
		c := dialTest(t, side.addr)
		for _, st := range steps {
			r.replies = append(r.replies, c.do(st...))
			if st[1] == "SET" && st[3] == "999.999.999.999" {
				// Still listening on the old addresses.
				dialTest(t, side.addr).do("PING")
			}
		}
		if nc, err := net.DialTimeout("tcp", side.addr, 5*time.Second); err == nil {
			nc.Close()
		} else {
			r.refusedNone = true
		}
		r.replies = append(r.replies, c.do("CONFIG", "SET", "bind", "127.0.0.1"))
		r.backAgain = dialTest(t, side.addr).do("PING") == "PONG"
		got = append(got, r)
	}
	for i, rep := range got[0].replies {
		if rep != got[1].replies[i] {
			t.Errorf("step %d: redis-server %q, keygrid %q", i, rep, got[1].replies[i])
		}
	}
	for i, side := range sides {
		if !got[i].refusedNone || !got[i].backAgain {
			t.Errorf("%s: refused with bind \"\": %v, accepting again after: %v", side.name, got[i].refusedNone, got[i].backAgain)
		}
	}
}

// bind-source-addr is the address a replica connects to its master from (unit/
// networking "CONFIG SET bind-source-addr"): the master sees the replica as
// 127.0.0.2.
func TestBindSourceAddrReplicationVsRedis(t *testing.T) {
	if ln, err := net.Listen("tcp", "127.0.0.2:0"); err != nil {
		t.Skip("127.0.0.2 is not a local address here: ", err)
	} else {
		ln.Close()
	}
	for _, kind := range []string{"redis-server", "keygrid"} {
		t.Run(kind, func(t *testing.T) {
			start := testutil.StartKeygrid
			if kind == "redis-server" {
				if testing.Short() {
					t.Skip("redis-server skipped with -short")
				}
				start = testutil.StartRedis
			}
			master, replica := start(t, "--protected-mode", "no"), start(t)
			r := dialTest(t, replica.Addr())
			if got := r.do("CONFIG", "SET", "bind-source-addr", "127.0.0.2"); got != "OK" {
				t.Fatalf("CONFIG SET bind-source-addr: %q", got)
			}
			_, port, _ := net.SplitHostPort(master.Addr())
			r.do("REPLICAOF", "127.0.0.1", port)
			m := dialTest(t, master.Addr())
			var info string
			testutil.WaitFor(t, 60*time.Second, func() bool {
				info = m.do("INFO", "replication")
				return strings.Contains(info, "slave0:") && strings.Contains(r.do("INFO", "replication"), "master_link_status:up")
			}, "replica did not connect")
			if !strings.Contains(info, "slave0:ip=127.0.0.2,") {
				t.Errorf("master sees the replica from another address:\n%s", info)
			}
		})
	}
}

// INFO total_forks counts the background snapshots started (BGSAVE, BGREWRITEAOF:
// where Redis forks; unit/multi "MULTI with BGREWRITEAOF" waits for it to grow),
// and migrate_cached_sockets the connections MIGRATE keeps (unit/dump "MIGRATE is
// caching connections").
func TestInfoForksAndMigrateSocketsVsRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	type result struct{ forks0, forksSave, forksRewrite, sockets0, sockets1 int64 }
	var got []result
	for _, kind := range []string{"redis-server", "keygrid"} {
		start := testutil.StartKeygrid
		if kind == "redis-server" {
			start = testutil.StartRedis
		}
		a, b := start(t), start(t)
		c := dialTest(t, a.Addr())
		var r result
		r.forks0 = infoInt(t, c, "total_forks")
		r.sockets0 = infoInt(t, c, "migrate_cached_sockets")
		c.do("SET", "k", "v")
		if got := c.do("BGSAVE"); got != "Background saving started" {
			t.Fatalf("%s: BGSAVE: %q", kind, got)
		}
		testutil.WaitFor(t, 60*time.Second, func() bool { return infoInt(t, c, "rdb_bgsave_in_progress") == 0 },
			kind+": BGSAVE did not end")
		r.forksSave = infoInt(t, c, "total_forks")
		c.do("BGREWRITEAOF")
		testutil.WaitFor(t, 60*time.Second, func() bool {
			return infoInt(t, c, "aof_rewrite_in_progress") == 0 && infoInt(t, c, "aof_rewrite_scheduled") == 0
		}, kind+": BGREWRITEAOF did not end")
		r.forksRewrite = infoInt(t, c, "total_forks")
		host, port, _ := net.SplitHostPort(b.Addr())
		if got := c.do("MIGRATE", host, port, "k", "0", "5000"); got != "OK" {
			t.Fatalf("%s: MIGRATE: %q", kind, got)
		}
		r.sockets1 = infoInt(t, c, "migrate_cached_sockets")
		got = append(got, r)
	}
	if got[0] != got[1] {
		t.Errorf("redis-server %+v, keygrid %+v", got[0], got[1])
	}
	if want := (result{0, 1, 2, 0, 1}); got[1] != want {
		t.Errorf("keygrid %+v, want %+v", got[1], want)
	}
}

// rdb-key-save-delay slows the synchronous save at shutdown too (Redis sleeps per
// key in every save), so a second SIGINT arrives while temp-<pid>.rdb is being
// written and removes it (unit/shutdown "Temp rdb will be deleted in signal
// handle"; keygrid's save used to end before the file could be seen).
func TestShutdownSaveKeyDelayVsRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	for _, kind := range []string{"redis-server", "keygrid"} {
		t.Run(kind, func(t *testing.T) {
			start := testutil.StartKeygrid
			if kind == "redis-server" {
				start = testutil.StartRedis
			}
			s := start(t, "--save", "900 1")
			c := dialTest(t, s.Addr())
			for i := range 20 {
				c.do("SET", strconv.Itoa(i), "v")
			}
			// 20 keys at 100 ms each: the save lasts 2 s.
			c.do("CONFIG", "SET", "rdb-key-save-delay", "100000")
			pid := s.Pid()
			temp := filepath.Join(s.Dir(), "temp-"+strconv.Itoa(pid)+".rdb")
			if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			testutil.WaitFor(t, 30*time.Second, func() bool {
				_, err := os.Stat(temp)
				return err == nil
			}, "no temp rdb while saving at shutdown")
			if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			testutil.WaitFor(t, 30*time.Second, func() bool { return !s.Alive() }, "still running after the second SIGINT")
			if _, err := os.Stat(temp); !os.IsNotExist(err) {
				t.Errorf("temp rdb left after the second SIGINT: %v", err)
			}
		})
	}
}
