package node_test

// Cluster mode of the real binary against redis-server 7.0: replies of the CLUSTER
// subcommands on a single cluster-enabled node, and MIGRATE between keygrid and
// redis-server in both directions. Multi-node clusters (redis-cli --cluster create)
// need the gossip bus and are tested with it.

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

func dialNode(t *testing.T, s *testutil.Server) *testutil.Conn {
	t.Helper()
	c, err := testutil.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func mustDo(t *testing.T, c *testutil.Conn, args ...string) []byte {
	t.Helper()
	raw, err := c.Do(args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return raw
}

// Every reply of a single-node cluster equals redis-server's, once the node ids and
// ports (which differ by nature) are replaced by placeholders.
func TestClusterRepliesMatchRedis(t *testing.T) {
	rs := testutil.StartRedis(t, "--cluster-enabled", "yes")
	ks := testutil.StartKeygrid(t, "--cluster-enabled", "yes")
	rc, kc := dialNode(t, rs), dialNode(t, ks)
	norm := func(c *testutil.Conn, s *testutil.Server, raw []byte) []byte {
		id := mustDo(t, c, "CLUSTER", "MYID")
		v, err := testutil.ParseReply(id)
		if err != nil {
			t.Fatal(err)
		}
		raw = bytes.ReplaceAll(raw, []byte(v.Str), []byte("<ID>"))
		port := strconv.Itoa(s.Port())
		raw = bytes.ReplaceAll(raw, []byte(":"+port+"@"+strconv.Itoa(s.Port()+10000)), []byte(":<PORT>@<CPORT>"))
		raw = bytes.ReplaceAll(raw, []byte(":"+port+"\r\n"), []byte(":<PORT>\r\n"))
		return raw
	}
	steps := [][]string{
		{"CLUSTER", "HELP"},
		{"CLUSTER", "KEYSLOT", "{user1}.a"},
		{"CLUSTER", "ADDSLOTS", "abc"},
		{"CLUSTER", "ADDSLOTS", "1", "2", "2"},
		{"CLUSTER", "ADDSLOTS", "16384"},
		{"CLUSTER", "ADDSLOTSRANGE", "1", "2", "3"},
		{"CLUSTER", "ADDSLOTSRANGE", "5", "3"},
		{"CLUSTER", "DELSLOTS", "7"},
		{"CLUSTER", "DELSLOTSRANGE", "7", "9"},
		{"CLUSTER", "COUNTKEYSINSLOT", "x"},
		{"CLUSTER", "COUNTKEYSINSLOT", "20000"},
		{"CLUSTER", "GETKEYSINSLOT", "1", "-1"},
		{"CLUSTER", "SETSLOT", "1", "foo"},
		{"CLUSTER", "SETSLOT", "1", "migrating", "abc"},
		{"CLUSTER", "SETSLOT", "1", "importing", "abc"},
		{"CLUSTER", "SETSLOT", "1", "node", "abc"},
		{"CLUSTER", "SETSLOT", "1", "stable", "x"},
		{"CLUSTER", "MEET", "1.2.3", "7000"},
		{"CLUSTER", "MEET", "127.0.0.1", "abc"},
		{"CLUSTER", "MEET", "a", "b", "c", "d"},
		{"CLUSTER", "FORGET", "abc"},
		{"CLUSTER", "REPLICATE", "abc"},
		{"CLUSTER", "REPLICAS", "abc"},
		{"CLUSTER", "COUNT-FAILURE-REPORTS", "abc"},
		{"CLUSTER", "FAILOVER"},
		{"CLUSTER", "FAILOVER", "xyz"},
		{"CLUSTER", "SET-CONFIG-EPOCH", "-1"},
		{"CLUSTER", "RESET", "xyz"},
		{"CLUSTER", "FOO"},
		{"CLUSTER", "LINKS"},
		{"CLUSTER", "SLOTS"},
		{"CLUSTER", "NODES"},
		{"CLUSTER", "ADDSLOTSRANGE", "0", "100", "200", "300"},
		{"CLUSTER", "ADDSLOTS", "500", "501"},
		{"CLUSTER", "SETSLOT", "0", "migrating", "abc"},
		{"CLUSTER", "BUMPEPOCH"},
		{"CLUSTER", "SET-CONFIG-EPOCH", "5"},
		{"CLUSTER", "SLOTS"},
		{"CLUSTER", "SHARDS"},
		{"CLUSTER", "NODES"},
		{"CLUSTER", "REPLICAS", "<MYID>"},
		{"CLUSTER", "FORGET", "<MYID>"},
		{"CLUSTER", "REPLICATE", "<MYID>"},
		{"SET", "foo", "bar"},
		{"CLUSTER", "FLUSHSLOTS"},
		{"ASKING"},
		{"READONLY"},
		{"READWRITE"},
		{"CLUSTER", "DELSLOTSRANGE", "0", "100"},
		{"CLUSTER", "RESET", "hard"},
		{"CLUSTER", "BUMPEPOCH"},
	}
	for _, st := range steps {
		args := func(c *testutil.Conn) []string {
			out := append([]string(nil), st...)
			for i, a := range out {
				if a == "<MYID>" {
					v, _ := testutil.ParseReply(mustDo(t, c, "CLUSTER", "MYID"))
					out[i] = v.Str
				}
			}
			return out
		}
		r := norm(rc, rs, mustDo(t, rc, args(rc)...))
		k := norm(kc, ks, mustDo(t, kc, args(kc)...))
		if !bytes.Equal(r, k) {
			t.Errorf("%q:\nredis:   %q\nkeygrid: %q", st, r, k)
		}
	}
	// Both turn ok within Redis's writable delay once every slot is covered.
	for _, c := range []*testutil.Conn{rc, kc} {
		mustDo(t, c, "CLUSTER", "ADDSLOTSRANGE", "0", "16383")
	}
	testutil.WaitFor(t, 10*time.Second, func() bool {
		return bytes.Contains(mustDo(t, kc, "CLUSTER", "INFO"), []byte("cluster_state:ok"))
	}, "keygrid cluster_state:ok")
	testutil.WaitFor(t, 10*time.Second, func() bool {
		return bytes.Contains(mustDo(t, rc, "CLUSTER", "INFO"), []byte("cluster_state:ok"))
	}, "redis cluster_state:ok")
	for _, st := range [][]string{{"CLUSTER", "INFO"}, {"MSET", "a", "1", "b", "2"}, {"SET", "a", "1"},
		{"CLUSTER", "COUNTKEYSINSLOT", "15495"}, {"CLUSTER", "GETKEYSINSLOT", "15495", "5"}} {
		r, k := mustDo(t, rc, st...), mustDo(t, kc, st...)
		if !bytes.Equal(r, k) {
			t.Errorf("%q:\nredis:   %q\nkeygrid: %q", st, r, k)
		}
	}
}

// MIGRATE moves keys with their TTL between keygrid and redis-server in both
// directions (DUMP payloads are Redis's format).
func TestMigrateInterop(t *testing.T) {
	rs := testutil.StartRedis(t, "--requirepass", "pw")
	ks := testutil.StartKeygrid(t)
	rc, kc := dialNode(t, rs), dialNode(t, ks)
	mustDo(t, rc, "AUTH", "pw")
	for _, cmd := range [][]string{
		{"SET", "s", "v"}, {"PEXPIRE", "s", "100000"},
		{"RPUSH", "l", "a", "b", "c"}, {"HSET", "h", "f", "v"}, {"SADD", "set", "1", "2"},
		{"ZADD", "z", "1", "a", "2", "b"}, {"SET", "dup", "mine"},
	} {
		mustDo(t, kc, cmd...)
	}
	mustDo(t, rc, "SET", "dup", "theirs")
	want := func(c *testutil.Conn, args []string, exp string) {
		t.Helper()
		if got := string(mustDo(t, c, args...)); got != exp {
			t.Errorf("%q = %q, want %q", args, got, exp)
		}
	}
	port := strconv.Itoa(rs.Port())
	want(kc, []string{"MIGRATE", "127.0.0.1", port, "s", "0", "5000", "AUTH", "pw"}, "+OK\r\n")
	want(kc, []string{"EXISTS", "s"}, ":0\r\n")
	want(rc, []string{"GET", "s"}, "$1\r\nv\r\n")
	// The TTL left, not reset: at most the 100000 ms set (all of it when the
	// whole exchange fits in one millisecond), and not much less.
	ttl := strings.TrimSpace(strings.TrimPrefix(string(mustDo(t, rc, "PTTL", "s")), ":"))
	if n, err := strconv.Atoi(ttl); err != nil || n > 100000 || n < 90000 {
		t.Errorf("PTTL on redis after MIGRATE = %q", ttl)
	}
	want(kc, []string{"MIGRATE", "127.0.0.1", port, "", "3", "5000", "COPY", "AUTH", "pw", "KEYS", "l", "h", "set", "z", "nokey"}, "+OK\r\n")
	want(kc, []string{"EXISTS", "l", "h", "set", "z"}, ":4\r\n")
	mustDo(t, rc, "SELECT", "3")
	want(rc, []string{"LRANGE", "l", "0", "-1"}, "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n")
	want(rc, []string{"ZSCORE", "z", "b"}, "$1\r\n2\r\n")
	mustDo(t, rc, "SELECT", "0")
	want(kc, []string{"MIGRATE", "127.0.0.1", port, "dup", "0", "5000", "AUTH", "pw"},
		"-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n")
	want(kc, []string{"MIGRATE", "127.0.0.1", port, "dup", "0", "5000", "REPLACE", "AUTH", "pw"}, "+OK\r\n")
	want(rc, []string{"GET", "dup"}, "$4\r\nmine\r\n")
	want(kc, []string{"MIGRATE", "127.0.0.1", port, "nokey", "0", "5000"}, "+NOKEY\r\n")
	want(kc, []string{"MIGRATE", "127.0.0.1", port, "l", "0", "5000", "AUTH", "wrong"},
		"-ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.\r\n")

	// And back: redis-server migrates into keygrid.
	kport := strconv.Itoa(ks.Port())
	mustDo(t, rc, "HSET", "back", "f1", "v1", "f2", "v2")
	want(rc, []string{"MIGRATE", "127.0.0.1", kport, "", "0", "5000", "KEYS", "back", "s", "dup"}, "+OK\r\n")
	want(kc, []string{"HGET", "back", "f2"}, "$2\r\nv2\r\n")
	want(kc, []string{"GET", "dup"}, "$4\r\nmine\r\n")
	ttl = strings.TrimSpace(strings.TrimPrefix(string(mustDo(t, kc, "PTTL", "s")), ":"))
	if n, err := strconv.Atoi(ttl); err != nil || n > 100000 || n < 90000 {
		t.Errorf("PTTL on keygrid after MIGRATE back = %q", ttl)
	}
	want(rc, []string{"EXISTS", "back", "s", "dup"}, ":0\r\n")
}
