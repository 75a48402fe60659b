package sentinel

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/internal/testutil"
)

// aclLogUsers are the users both sentinels are configured with.
var aclLogUsers = [][]string{
	{"alice", "on", ">pw", "~*", "+ping", "+sentinel|masters", "+auth"},
	{"carol", "on", ">pw", "+@all", "resetchannels", "&allowed"},
}

// clientInfoCompared are the client-info fields whose values must be equal in
// both logs; the others (id, addresses, fd, ages, buffer sizes) depend on the
// process, but their names and order must be the same.
var clientInfoCompared = map[string]bool{"name": true, "flags": true, "db": true, "sub": true, "psub": true,
	"ssub": true, "multi": true, "qbuf": true, "argv-mem": true, "multi-mem": true, "obl": true, "oll": true,
	"omem": true, "events": true, "cmd": true, "user": true, "redir": true, "resp": true}

// normalizeACLLog rewrites an ACL LOG reply (RESP2 or RESP3) so that two
// servers' logs compare equal when they recorded the same denials: ages must be
// numbers under a minute and are replaced by "AGE"; client-info keeps every
// field name but only the values of clientInfoCompared.
func normalizeACLLog(t *testing.T, v resp.Value) string {
	t.Helper()
	var sb strings.Builder
	if v.Kind != '*' {
		t.Fatalf("ACL LOG reply is not an array: %q", v.Raw)
	}
	for _, e := range v.Elems {
		sb.WriteString(string(e.Kind))
		sb.WriteByte('{')
		for i := 0; i+1 < len(e.Elems); i += 2 {
			k, val := e.Elems[i].Str, e.Elems[i+1]
			s := val.Str
			switch k {
			case "count":
				s = strconv.FormatInt(val.Int, 10)
			case "age-seconds":
				f, err := strconv.ParseFloat(val.Str, 64)
				if err != nil || f < 0 || f > 60 {
					t.Errorf("age-seconds %q", val.Str)
				}
				s = "AGE"
			case "client-info":
				var fields []string
				for _, kv := range strings.Fields(val.Str) {
					name, value, _ := strings.Cut(kv, "=")
					if clientInfoCompared[name] {
						fields = append(fields, name+"="+value)
					} else {
						fields = append(fields, name)
					}
				}
				s = strings.Join(fields, " ")
			}
			sb.WriteString(k + ":" + string(val.Kind) + s + ";")
		}
		sb.WriteString("}\n")
	}
	return sb.String()
}

// Redis 7.0.15 Sentinel records failed AUTH / HELLO AUTH and NOPERM denials
// (command, subcommand, channel) in ACL LOG as redis-server does (acl.c:
// addACLLogEntry, ACLAuthenticateUser, processCommand), grouping like denials
// with a count. keygrid's log must have the same entries, fields and order.
func TestACLLogMatchesRedisSentinel(t *testing.T) {
	t.Parallel()
	master := testutil.StartRedis(t)
	cfg := DefaultConfig()
	cfg.Port, cfg.Bind, cfg.Dir = freePorts(t, 1)[0], "127.0.0.1", t.TempDir()
	cfg.Users = aclLogUsers
	mc := defaultMaster()
	mc.Name, mc.Host, mc.Port, mc.Quorum = "mymaster", "127.0.0.1", master.Port(), 2
	cfg.Masters = []*MasterConfig{mc}
	ks, err := New(cfg, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ks.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ks.Shutdown)
	var lines []string
	for _, u := range aclLogUsers {
		lines = append(lines, "user "+strings.Join(u, " "))
	}
	raddr := startRedisSentinels(t, 1, master.Port(), lines...)[0]

	dial := func(addr string) *testutil.Conn {
		var c *testutil.Conn
		waitFor(t, 10*time.Second, "sentinel "+addr+" up", func() bool {
			c, err = testutil.Dial(addr)
			return err == nil
		})
		t.Cleanup(func() { c.Close() })
		return c
	}
	type pair struct{ k, r *testutil.Conn }
	conn := func() pair { return pair{dial(ks.Addr()), dial(raddr)} }
	admin := conn()
	same := func(p pair, args ...string) {
		t.Helper()
		k, r := doRaw(t, p.k, args...), doRaw(t, p.r, args...)
		if k.Kind == '*' || k.Kind == '%' {
			// An allowed command's reply: only its shape matters here (HELLO's id
			// and SENTINEL MASTERS' times differ); the values are compared in
			// TestRepliesMatchRedisSentinel.
			if k.Kind != r.Kind || len(k.Elems) != len(r.Elems) || !slices.Equal(fieldNames(t, k), fieldNames(t, r)) {
				t.Errorf("%v:\nkeygrid %q\nredis   %q", args, k.Raw, r.Raw)
			}
			return
		}
		if !bytes.Equal(k.Raw, r.Raw) {
			t.Errorf("%v:\nkeygrid %q\nredis   %q", args, k.Raw, r.Raw)
		}
	}
	sameLog := func(p pair, args ...string) {
		t.Helper()
		k, r := normalizeACLLog(t, doRaw(t, p.k, args...)), normalizeACLLog(t, doRaw(t, p.r, args...))
		if k != r {
			t.Errorf("%v:\nkeygrid:\n%s\nredis:\n%s", args, k, r)
		}
	}
	same(admin, "ACL", "LOG", "RESET")
	same(admin, "ACL", "LOG")

	// Failed authentications: the object is the command as typed, the user the one
	// tried, the client-info user the connection's (still default).
	a := conn()
	same(a, "AUTH", "nobody", "bad")
	same(a, "AUTH", "alice", "wrong")
	same(a, "auth", "alice", "wrong")
	same(a, "auth", "alice", "wrong")
	same(a, "HELLO", "3", "AUTH", "bob", "x")
	// Denied commands and subcommands, as alice.
	same(a, "AUTH", "alice", "pw")
	same(a, "SENTINEL", "MASTERS")
	same(a, "SENTINEL", "MYID")
	same(a, "INFO")
	same(a, "sentinel", "myid")
	same(a, "PING")
	// Denied channels, as carol.
	c := conn()
	same(c, "AUTH", "carol", "pw")
	same(c, "SUBSCRIBE", "foo")
	same(c, "PUBLISH", "foo", "x")
	same(c, "PSUBSCRIBE", "al*")
	same(c, "PUBLISH", "__sentinel__:hello", "x")

	sameLog(admin, "ACL", "LOG")
	sameLog(admin, "ACL", "LOG", "3")
	sameLog(admin, "ACL", "LOG", "-1")
	sameLog(admin, "ACL", "LOG", "100")
	same(admin, "ACL", "LOG", "abc")
	same(admin, "ACL", "LOG", "1", "2")
	same(admin, "HELLO", "3")
	sameLog(admin, "ACL", "LOG", "2")
	same(admin, "ACL", "LOG", "RESET")
	same(admin, "ACL", "LOG")
}
