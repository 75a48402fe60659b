package sentinel

// Behaviours Redis's own sentinel test suite (tests/sentinel, 7.0.15) relies
// on: per-master directives before their `monitor` line, per-sentinel runtime
// configuration that survives a restart, SENTINEL DEBUG, SENTINEL SET's
// options, COMMAND COUNT/LIST, and ACL users. Each expectation is checked
// against redis-sentinel 7.0 where it is installed.

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/internal/testutil"
	"go.uber.org/zap/zaptest"
)

// Redis applies `sentinel` lines after the whole file: a per-master directive
// may precede its monitor line (the suite's sentinel.conf does that).
func TestConfigSentinelLinesOrder(t *testing.T) {
	text := "sentinel down-after-milliseconds setmaster 20000\nsentinel parallel-syncs setmaster 2\n" +
		"sentinel myid 0123456789012345678901234567890123456789\nsentinel monitor setmaster 10.0.0.1 30000 2\n"
	cfg, err := ParseConfig(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	m := cfg.Master("setmaster")
	if m == nil || m.DownAfter != 20*time.Second || m.ParallelSyncs != 2 || m.Quorum != 2 {
		t.Fatalf("setmaster = %+v", m)
	}
	// Still an error when the master is never monitored, as in Redis.
	if _, err := ParseConfig(strings.NewReader("sentinel parallel-syncs nosuch 2\n")); err == nil ||
		!strings.Contains(err.Error(), "No such master with specified name.") {
		t.Fatalf("err = %v", err)
	}
	// ACL users are kept, passwords included.
	cfg, err = ParseConfig(strings.NewReader("user alice on >pw +@all\n"))
	if err != nil || len(cfg.Users) != 1 || strings.Join(cfg.Users[0], " ") != "alice on >pw +@all" {
		t.Fatalf("users = %v, %v", cfg.Users, err)
	}
}

// startLoneSentinel starts one sentinel (its own raft group) monitoring port.
func startLoneSentinel(t *testing.T, masterPort int, dir string) *Sentinel {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Port, cfg.Bind, cfg.Dir = freePorts(t, 1)[0], "127.0.0.1", dir
	cfg.DenyScriptsReconfig = false // as the redis-sentinel compared with
	cfg.RaftPeers = []string{"127.0.0.1:" + strconv.Itoa(cfg.Port)}
	mc := defaultMaster()
	mc.Name, mc.Host, mc.Port, mc.Quorum = "mymaster", "127.0.0.1", masterPort, 1
	cfg.Masters = []*MasterConfig{mc}
	s, err := New(cfg, "", zaptest.NewLogger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

// startRedisSentinelProc starts redis-sentinel 7.0 monitoring port, or skips.
func startRedisSentinelProc(t *testing.T, masterPort int) string {
	t.Helper()
	addr, _ := startRedisSentinelConf(t, masterPort)
	return addr
}

// startRedisSentinelConf is startRedisSentinelProc that also returns the
// path of the sentinel's config file.
func startRedisSentinelConf(t *testing.T, masterPort int) (addr, conf string) {
	t.Helper()
	bin, err := exec.LookPath("redis-sentinel")
	if err != nil {
		t.Skip("redis-sentinel not installed")
	}
	dir := t.TempDir()
	port := freePorts(t, 1)[0]
	conf = filepath.Join(dir, "sentinel.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel deny-scripts-reconfig no\nsentinel monitor mymaster 127.0.0.1 %d 1\n",
		port, dir, masterPort)), 0o644)
	cmd := exec.Command(bin, conf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr = "127.0.0.1:" + strconv.Itoa(port)
	waitFor(t, 10*time.Second, "redis-sentinel to listen", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return addr, conf
}

// Replies of the commands the suite uses, keygrid against redis-sentinel.
func TestSuiteCommandsMatchRedisSentinel(t *testing.T) {
	t.Parallel()
	master := testutil.StartRedis(t)
	ks := startLoneSentinel(t, master.Port(), t.TempDir())
	raddr := startRedisSentinelProc(t, master.Port())
	script := filepath.Join(t.TempDir(), "notify.sh")
	os.WriteFile(script, []byte("#!/bin/sh\n"), 0o755)
	cmds := [][]string{
		{"COMMAND", "COUNT"},
		{"COMMAND", "LIST"},
		{"SENTINEL", "DEBUG", "tilt-period", "5000", "ping-period", "900"},
		{"SENTINEL", "DEBUG", "nosuch", "1"},
		{"SENTINEL", "DEBUG", "info-period", "-1"},
		{"SENTINEL", "DEBUG", "info-period"},
		{"SENTINEL", "SET", "mymaster", "parallel-syncs", "10", "quorum", "1"},
		{"SENTINEL", "SET", "mymaster", "fakeoption", "1"},
		{"SENTINEL", "SET", "mymaster", "down-after-milliseconds", "-5"},
		{"SENTINEL", "SET", "mymaster", "rename-command", "config", ""},
		{"SENTINEL", "SET", "mymaster", "rename-command", "", "x"},
		{"SENTINEL", "SET", "mymaster", "rename-command", "ping", "ping"},
		{"SENTINEL", "SET", "mymaster", "master-reboot-down-after-period", "-1"},
		{"SENTINEL", "SET", "mymaster", "master-reboot-down-after-period", "0"},
		{"SENTINEL", "SET", "mymaster", "notification-script", "/nonexistent"},
		{"SENTINEL", "SET", "mymaster", "notification-script", script},
		{"SENTINEL", "SET", "mymaster", "client-reconfig-script", "/nonexistent"},
		{"SENTINEL", "MONITOR", "mymaster", "127.0.0.1", strconv.Itoa(master.Port()), "1"},
		{"SENTINEL", "MONITOR", "second", "127.0.0.1", strconv.Itoa(master.Port()), "1"},
		{"SENTINEL", "REMOVE", "second"},
		{"SENTINEL", "REMOVE", "second"},
		{"SENTINEL", "CONFIG", "SET", "sentinel-user", "u"},
		{"SENTINEL", "CONFIG", "GET", "sentinel-*"},
		{"SENTINEL", "CONFIG", "SET", "sentinel-user", ""},
		{"ACL", "SETUSER", "alice", "on", ">pw", "+@all"},
		{"ACL", "SETUSER", "alice", "+get"},
		{"ACL", "GETUSER", "alice"},
		{"ACL", "LIST"},
		{"ACL", "USERS"},
		{"ACL", "WHOAMI"},
		{"ACL", "CAT", "pubsub"},
		{"ACL", "CAT", "nosuch"},
		{"ACL", "LOG"},
		{"ACL", "SAVE"},
		{"ACL", "DELUSER", "default"},
		{"ACL", "DELUSER", "alice", "nobody"},
		{"AUTH", "pw"},
		{"AUTH", "alice", "pw"},
		{"CLIENT", "KILL", "USER", "nobody"},
	}
	kc, err := testutil.Dial(ks.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	rc, err := testutil.Dial(raddr)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	for _, cmd := range cmds {
		want, err1 := rc.Do(cmd...)
		got, err2 := kc.Do(cmd...)
		if err1 != nil || err2 != nil {
			t.Fatalf("%v: %v / %v", cmd, err1, err2)
		}
		if cmd[0] == "COMMAND" && cmd[1] == "LIST" || cmd[0] == "ACL" && cmd[1] == "CAT" {
			// Redis lists these in its dictionary's order: compare as sets.
			got, want = sortedLines(got), sortedLines(want)
		}
		if string(got) != string(want) {
			t.Errorf("%v:\n keygrid %q\n redis   %q", cmd, got, want)
		}
	}
	// INFO: the same sections, and the fields the suite looks for.
	headers := func(raw []byte) string {
		var h []string
		for _, l := range strings.Split(string(raw), "\r\n") {
			if strings.HasPrefix(l, "# ") {
				h = append(h, l)
			}
		}
		return strings.Join(h, ",")
	}
	for _, cmd := range [][]string{{"INFO"}, {"INFO", "all"}, {"INFO", "default"}, {"INFO", "everything"},
		{"INFO", "cpu"}, {"INFO", "sentinel"}, {"INFO", "server", "sentinel", "replication"}, {"INFO", "cpu", "all"}} {
		want, _ := rc.Do(cmd...)
		got, _ := kc.Do(cmd...)
		if headers(got) != headers(want) {
			t.Errorf("%v sections: keygrid %s, redis %s", cmd, headers(got), headers(want))
		}
		for _, f := range []string{"redis_version:", "maxclients:", "used_cpu_user:", "sentinel_tilt:"} {
			if strings.Contains(string(want), f) != strings.Contains(string(got), f) {
				t.Errorf("%v: field %s present in redis %v, keygrid %v", cmd, f, strings.Contains(string(want), f), !strings.Contains(string(want), f))
			}
		}
	}
}

func sortedLines(raw []byte) []byte {
	l := strings.Split(string(raw), "\r\n")
	sort.Strings(l)
	return []byte(strings.Join(l, "\r\n"))
}

// Runtime configuration is each sentinel's own, as in Redis, and survives a
// restart although the config file is never rewritten.
func TestRuntimeConfigPerSentinel(t *testing.T) {
	t.Parallel()
	group, _ := redisGroup(t)
	other := testutil.StartRedis(t)
	ss := startKeygridSentinels(t, 3, group.Port())
	do := func(s *Sentinel, want string, args ...string) {
		t.Helper()
		c, err := testutil.Dial(s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		raw, err := c.Do(args...)
		if err != nil || string(raw) != want {
			t.Fatalf("%v = %q, %v; want %q", args, raw, err, want)
		}
	}
	op := strconv.Itoa(other.Port())
	do(ss[0], "+OK\r\n", "SENTINEL", "MONITOR", "other", "127.0.0.1", op, "2")
	do(ss[0], "-ERR Duplicate master name.\r\n", "SENTINEL", "MONITOR", "other", "127.0.0.1", op, "2")
	// Another sentinel is told separately, as the suite does for each sentinel.
	do(ss[1], "+OK\r\n", "SENTINEL", "MONITOR", "other", "127.0.0.1", op, "2")
	time.Sleep(300 * time.Millisecond)
	ss[2].mu.Lock()
	_, leaked := ss[2].masters["other"]
	ss[2].mu.Unlock()
	if leaked {
		t.Fatal("SENTINEL MONITOR on one sentinel changed another")
	}
	do(ss[0], "+OK\r\n", "SENTINEL", "SET", "other", "quorum", "3", "auth-pass", "secret")
	do(ss[0], "+OK\r\n", "SENTINEL", "SET", "mymaster", "quorum", "3")
	do(ss[0], "+OK\r\n", "SENTINEL", "MONITOR", "again", "127.0.0.1", op, "1")
	do(ss[0], "+OK\r\n", "SENTINEL", "REMOVE", "again")
	do(ss[0], "+OK\r\n", "SENTINEL", "CONFIG", "SET", "announce-hostnames", "yes")
	do(ss[0], "+OK\r\n", "ACL", "SETUSER", "bob", "on", ">pw", "+@all")
	r := restartSentinel(t, ss[0])
	r.mu.Lock()
	m, o, again, ah := r.masters["mymaster"], r.masters["other"], r.masters["again"], r.cfg.AnnounceHostnames
	r.mu.Unlock()
	if m == nil || m.cfg.Quorum != 3 || o == nil || o.cfg.Quorum != 3 || o.cfg.AuthPass != "secret" || again != nil || !ah {
		t.Fatalf("after restart: mymaster %+v, other %+v, again %+v, announce-hostnames %v", m, o, again, ah)
	}
	if !r.acl.Authenticate("bob", "pw") {
		t.Fatal("ACL user lost in the restart")
	}
}

// ACL users: AUTH with users, NOPERM, the default user turned off, DELUSER
// disconnecting the user's clients.
func TestSentinelACLUsers(t *testing.T) {
	t.Parallel()
	master := testutil.StartRedis(t)
	s := startLoneSentinel(t, master.Port(), t.TempDir())
	admin, err := testutil.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	do := func(c *testutil.Conn, want string, args ...string) {
		t.Helper()
		raw, err := c.Do(args...)
		if err != nil || string(raw) != want {
			t.Fatalf("%v = %q, %v; want %q", args, raw, err, want)
		}
	}
	do(admin, "+OK\r\n", "ACL", "SETUSER", "ro", "on", ">ropw", "-@all", "+ping", "+sentinel|get-master-addr-by-name", "+acl|whoami")
	do(admin, "+OK\r\n", "ACL", "SETUSER", "admin", "on", ">adminpw", "+@all")
	do(admin, "+OK\r\n", "AUTH", "admin", "adminpw")
	do(admin, "+OK\r\n", "ACL", "SETUSER", "default", "off")
	anon, err := testutil.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer anon.Close()
	do(anon, "-NOAUTH Authentication required.\r\n", "PING")
	do(anon, "-WRONGPASS invalid username-password pair or user is disabled.\r\n", "AUTH", "ro", "bad")
	do(anon, "+OK\r\n", "AUTH", "ro", "ropw")
	do(anon, "+PONG\r\n", "PING")
	do(anon, "$2\r\nro\r\n", "ACL", "WHOAMI")
	raw, err := anon.Do("SENTINEL", "MASTERS")
	if err != nil || !strings.HasPrefix(string(raw), "-NOPERM ") {
		t.Fatalf("SENTINEL MASTERS as ro = %q, %v", raw, err)
	}
	if raw, err := anon.Do("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"); err != nil || !strings.HasPrefix(string(raw), "*2\r\n") {
		t.Fatalf("GET-MASTER-ADDR-BY-NAME as ro = %q, %v", raw, err)
	}
	do(admin, ":1\r\n", "ACL", "DELUSER", "ro")
	if _, err := anon.Do("PING"); err == nil {
		t.Fatal("a client of a deleted user is still connected")
	}
	do(admin, "+OK\r\n", "ACL", "SETUSER", "default", "on")
}

// Sentinels authenticate to each other with sentinel-user / sentinel-pass:
// with the default user off, CKQUORUM fails until they are set (the suite's
// 09-acl-support).
func TestSentinelUserPass(t *testing.T) {
	t.Parallel()
	master, _ := redisGroup(t)
	ss := startKeygridSentinels(t, 3, master.Port())
	waitDiscovered(t, ss)
	for _, s := range ss {
		c, err := testutil.Dial(s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		for _, cmd := range [][]string{{"ACL", "SETUSER", "su", ">spw", "+@all", "on"}, {"ACL", "SETUSER", "default", "off"}} {
			if raw, err := c.Do(cmd...); err != nil || string(raw) != "+OK\r\n" {
				t.Fatalf("%v = %q, %v", cmd, raw, err)
			}
		}
		s.killClients(nil, func(o *client) bool { return o.userName() == "default" })
		c.Close()
	}
	ckquorum := func() string {
		c, err := testutil.Dial(ss[1].Addr())
		if err != nil {
			return err.Error()
		}
		defer c.Close()
		c.Do("AUTH", "su", "spw")
		raw, _ := c.Do("SENTINEL", "CKQUORUM", "mymaster")
		return string(raw)
	}
	waitFor(t, 30*time.Second, "CKQUORUM to fail without sentinel credentials", func() bool {
		return strings.HasPrefix(ckquorum(), "-NOQUORUM")
	})
	for _, s := range ss {
		c, err := testutil.Dial(s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		c.Do("AUTH", "su", "spw")
		for _, cmd := range [][]string{{"SENTINEL", "CONFIG", "SET", "sentinel-user", "su"}, {"SENTINEL", "CONFIG", "SET", "sentinel-pass", "spw"}} {
			if raw, err := c.Do(cmd...); err != nil || string(raw) != "+OK\r\n" {
				t.Fatalf("%v = %q, %v", cmd, raw, err)
			}
		}
		c.Close()
	}
	waitFor(t, 30*time.Second, "CKQUORUM OK with sentinel credentials", func() bool {
		return strings.HasPrefix(ckquorum(), "+OK")
	})
}

// master-reboot-down-after-period: a master whose run id changed is SDOWN if
// it has not answered PONG (only -LOADING) for that long (Redis's
// SRI_MASTER_REBOOT); a PONG ends it.
func TestMasterRebootDown(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Dir = t.TempDir()
	mc := defaultMaster()
	mc.Name, mc.Host, mc.Port, mc.Quorum = "m", "127.0.0.1", 6379, 1
	mc.RebootDownAfter = 50 * time.Millisecond
	cfg.Masters = []*MasterConfig{mc}
	s, err := New(cfg, "", zaptest.NewLogger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := s.masters["m"]
	ri := m.instance
	s.refreshInfo(ri, "run_id:"+strings.Repeat("a", 40)+"\r\nrole:master\r\n")
	s.refreshInfo(ri, "run_id:"+strings.Repeat("b", 40)+"\r\nrole:master\r\n")
	s.pingReply(ri, resp.Value{Kind: resp.KindError, Str: "LOADING Redis is loading the dataset in memory"})
	s.mu.Lock()
	s.checkSDown(ri, time.Now())
	early := ri.sdown
	s.checkSDown(ri, time.Now().Add(100*time.Millisecond))
	late := ri.sdown
	s.mu.Unlock()
	if early || !late {
		t.Fatalf("sdown right after the reboot %v, after the period %v; want false, true", early, late)
	}
	s.pingReply(ri, resp.Value{Kind: resp.KindSimple, Str: "PONG"})
	s.mu.Lock()
	s.checkSDown(ri, time.Now().Add(100*time.Millisecond))
	after := ri.sdown
	s.mu.Unlock()
	if after {
		t.Fatal("still SDOWN after the rebooted master answered PONG")
	}
}
