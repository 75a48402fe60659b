// redis_test.go: differential tests against the real redis-server 7.0:
// defaults, CONFIG GET patterns, CONFIG SET replies and effects, CONFIG
// REWRITE output and start-up errors must be the same.
//
// They need redis-server in PATH; without it they fail, unless
// KEYGRID_NO_REDIS=1, which skips them.

package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// redisServerPath finds redis-server, or ends the test.
func redisServerPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("KEYGRID_NO_REDIS") == "1" {
			t.Skip("redis-server not in PATH and KEYGRID_NO_REDIS=1")
		}
		t.Fatalf("redis-server not found in PATH (%v): install Redis 7.0 (Debian: apt-get install redis-server) or set KEYGRID_NO_REDIS=1 to skip the differential tests", err)
	}
	out, err := exec.Command(p, "--version").Output()
	if err != nil || !bytes.Contains(out, []byte("v=7.0.")) {
		t.Fatalf("%s is not Redis 7.0 (%q, %v): the differential tests compare with 7.0", p, out, err)
	}
	return p
}

// redisServer is a redis-server process started for one test.
type redisServer struct {
	addr string
	dir  string
	out  *bytes.Buffer
}

// freePort returns a TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startRedis runs redis-server [confFile] --port P --bind 127.0.0.1 ... extra
// and waits until it answers PING. It returns the args keygrid's Load must
// get to describe the same server.
func startRedis(t *testing.T, confFile, dir string, extra ...string) (*redisServer, []string) {
	t.Helper()
	bin := redisServerPath(t)
	port := freePort(t)
	args := append([]string{"--port", strconv.Itoa(port), "--save", "", "--appendonly", "no", "--dir", dir}, extra...)
	cmdArgs := args
	if confFile != "" {
		cmdArgs = append([]string{confFile}, args...)
	}
	cmd := exec.Command(bin, cmdArgs...)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	rs := &redisServer{addr: fmt.Sprintf("127.0.0.1:%d", port), dir: dir, out: out}
	waitFor(t, 10*time.Second, func() bool {
		select {
		case <-exited:
			t.Fatalf("redis-server exited:\n%s", out)
		default:
		}
		c, err := net.DialTimeout("tcp", rs.addr, time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
	return rs, args
}

// waitFor polls fn until it is true or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, fn func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !fn() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// respConn is a minimal RESP2 client.
type respConn struct {
	c net.Conn
	r *bufio.Reader
}

func (rs *redisServer) dial(t *testing.T) *respConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", rs.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &respConn{c: c, r: bufio.NewReader(c)}
}

// respError is an error reply.
type respError string

func (e respError) Error() string { return string(e) }

// do sends a command and returns its reply: string, int64, nil, []any, or a
// respError for an error reply.
func (rc *respConn) do(t *testing.T, args ...string) any {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	rc.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := rc.c.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	v, err := rc.read()
	if err != nil {
		t.Fatalf("reading reply to %q: %v", args, err)
	}
	return v
}

func (rc *respConn) read() (any, error) {
	line, err := rc.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return nil, fmt.Errorf("bad reply line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return respError(body), nil
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(rc.r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		a := make([]any, n)
		for i := range a {
			if a[i], err = rc.read(); err != nil {
				return nil, err
			}
		}
		return a, nil
	}
	return nil, fmt.Errorf("unknown reply type %q", line)
}

// configGet runs CONFIG GET patterns... and returns the pairs as a map.
func (rc *respConn) configGet(t *testing.T, patterns ...string) map[string]string {
	t.Helper()
	reply := rc.do(t, append([]string{"CONFIG", "GET"}, patterns...)...)
	a, ok := reply.([]any)
	if !ok || len(a)%2 != 0 {
		t.Fatalf("CONFIG GET %q: unexpected reply %#v", patterns, reply)
	}
	m := make(map[string]string, len(a)/2)
	for i := 0; i < len(a); i += 2 {
		m[a[i].(string)] = a[i+1].(string)
	}
	return m
}

func pairsToMap(p [][2]string) map[string]string {
	m := make(map[string]string, len(p))
	for _, kv := range p {
		m[kv[0]] = kv[1]
	}
	return m
}

// notInRedis are directives only keygrid has.
var notInRedis = map[string]bool{
	"metrics-port": true, // keygrid's Prometheus port
	// keygrid's self-bootstrap (node/bootstrap.go)
	"cluster-bootstrap-size":     true,
	"cluster-bootstrap-replicas": true,
	"cluster-bootstrap-seeds":    true,
}

// diffConfig compares CONFIG GET replies of Redis and keygrid and reports
// every difference, but for two that depend on the host, which it logs:
//   - maxclients: Redis lowers it from 10000 when RLIMIT_NOFILE is below
//     10032 and it cannot raise the limit;
//   - tls-*: absent from a Redis built without TLS (Debian's has it).
func diffConfig(t *testing.T, what string, redis, ours map[string]string) {
	t.Helper()
	if _, tls := redis["tls-port"]; !tls {
		for k := range ours {
			if strings.HasPrefix(k, "tls-") {
				delete(ours, k)
			}
		}
	}
	if rv, ov := redis["maxclients"], ours["maxclients"]; rv != ov && ov == "10000" {
		if n, err := strconv.Atoi(rv); err == nil && n < 10000 {
			t.Logf("%s: maxclients: redis %s (lowered to fit RLIMIT_NOFILE), keygrid %s", what, rv, ov)
			delete(redis, "maxclients")
			delete(ours, "maxclients")
		}
	}
	var diffs []string
	for k, rv := range redis {
		ov, ok := ours[k]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s: missing in keygrid (redis %q)", k, rv))
		case ov != rv:
			diffs = append(diffs, fmt.Sprintf("%s: redis %q, keygrid %q", k, rv, ov))
		}
	}
	for k, ov := range ours {
		if _, ok := redis[k]; !ok && !notInRedis[k] {
			diffs = append(diffs, fmt.Sprintf("%s: not in redis (keygrid %q)", k, ov))
		}
	}
	slices.Sort(diffs)
	for _, d := range diffs {
		t.Errorf("%s: %s", what, d)
	}
}

// TestDefaultsMatchRedis compares CONFIG GET * of a redis-server started
// with no configuration file with Default() plus the same overrides (port,
// save "", appendonly no, dir). Every directive is compared; nothing is
// excluded up front, because the values that depend on the test's
// environment are all overridden:
//   - port: a free port, so tests can run side by side;
//   - save "": the test server must not write snapshots;
//   - appendonly no (the default, restated so the server never writes an AOF);
//   - dir: a temporary directory; Redis reports its getcwd(), keygrid the
//     same path with symlinks resolved.
//
// The only name on one side is metrics-port, keygrid's own. diffConfig
// tolerates, and logs, the two differences an unusual host can cause
// (maxclients under a low file limit, tls-* on a Redis without TLS).
func TestDefaultsMatchRedis(t *testing.T) {
	dir := t.TempDir()
	rs, args := startRedis(t, "", dir)
	redis := rs.dial(t).configGet(t, "*")

	want, err := Load("", args)
	if err != nil {
		t.Fatal(err)
	}
	ours := pairsToMap(want.Get([]string{"*"}))
	diffConfig(t, "CONFIG GET *", redis, ours)

	// The same overrides applied by hand to Default().
	d := Default()
	d.Port, _ = strconv.Atoi(args[1])
	d.Save = nil
	d.AppendOnly = false
	d.Dir, _ = filepath.EvalSymlinks(dir)
	if !equalMaps(pairsToMap(d.Get([]string{"*"})), ours) {
		t.Errorf("Default() with overrides differs from Load of the same arguments")
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// TestGetPatternsMatchRedis compares CONFIG GET for patterns, exact names
// written in any case, aliases and hidden directives.
func TestGetPatternsMatchRedis(t *testing.T) {
	dir := t.TempDir()
	rs, args := startRedis(t, "", dir)
	rc := rs.dial(t)
	c, err := Load("", args)
	if err != nil {
		t.Fatal(err)
	}
	for _, pats := range [][]string{
		{"*max*"}, {"slave*"}, {"*-?ax-*"}, {"[a-c]*"}, {"[^a-s]*"}, {"MAXMEMORY"},
		{"maxmemory", "MAXMEMORY", "max*"}, {"use-exit-on-panic"}, {"*exit*"},
		{"slaveof"}, {"Lua-Time-Limit"}, {""}, {"["}, {"nosuchthing"}, {"*", "port"},
		{"dbfil[a-f]name"}, {`app\endonly`}, {"*[-_]cpulist"}, {"tls-*", "*-file"},
		{"repl-ping-*-period"}, {"zset-max-*-*"}, {"???"}, {"h?"},
	} {
		redis := rc.configGet(t, pats...)
		ours := c.Get(pats)
		if len(ours) != len(pairsToMap(ours)) {
			t.Errorf("CONFIG GET %q: keygrid returned a name twice: %q", pats, ours)
		}
		diffConfig(t, fmt.Sprintf("CONFIG GET %q", pats), redis, pairsToMap(ours))
	}
}

// setCases are CONFIG SET calls replayed on Redis and keygrid. They avoid
// directives whose apply step touches the host (port, bind, maxclients,
// tls-port, oom-score-adj, appendonly yes, dir changes) except where they
// fail before applying.
var setCases = [][]string{
	// successes, including units, case, aliases and several pairs
	{"maxmemory", "100mb"},
	{"maxmemory", "1GB", "maxmemory-policy", "ALLKEYS-LRU"},
	{"maxmemory", "10k"},
	{"hz", "1000"},
	{"hz", "0"},
	{"hz", "10"},
	{"slave-priority", "7"},
	{"replica-priority", "1", "slave-priority", "2"},
	{"save", "100 1 200 2"},
	{"save", ""},
	{"save", "3600 1 300 100 60 10000"},
	{"client-output-buffer-limit", "pubsub 1k 2mb 3 REPLICA 1 2 3"},
	{"client-output-buffer-limit", ""},
	{"client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
	{"notify-keyspace-events", "KEA"},
	{"notify-keyspace-events", "Exn$"},
	{"notify-keyspace-events", "An"},
	{"notify-keyspace-events", ""},
	{"latency-tracking-info-percentiles", "0.5 99.99 100 1e1"},
	{"latency-tracking-info-percentiles", ""},
	{"latency-tracking-info-percentiles", "50 99 99.9"},
	{"maxmemory-clients", "10%"},
	{"maxmemory-clients", "0%"},
	{"maxmemory-clients", "1kb"},
	{"maxmemory-clients", "0"},
	{"shutdown-on-sigint", "now save"},
	{"shutdown-on-sigterm", "FORCE nosave now"},
	{"shutdown-on-sigint", "default"},
	{"shutdown-on-sigterm", "default"},
	{"repl-backlog-size", "1000"},
	{"repl-backlog-size", "1mb"},
	{"cluster-announce-hostname", "ab.c-d"},
	{"cluster-announce-hostname", ""},
	{"bind-source-addr", "  x  "},
	{"bind-source-addr", ""},
	{"appendfsync", "ALWAYS"},
	{"appendfsync", "everysec"},
	{"lua-time-limit", "100"},
	{"busy-reply-threshold", "5000"},
	{"slowlog-log-slower-than", "-1"},
	{"slowlog-log-slower-than", "10000"},
	{"list-max-ziplist-size", "-5"},
	{"list-max-listpack-size", "-2"},
	{"hash-max-ziplist-value", "1kb"},
	{"hash-max-listpack-value", "64"},
	{"proc-title-template", "{title} {port} {{"},
	{"proc-title-template", "{title} {listen-addr} {server-mode}"},
	{"requirepass", ""},
	{"masterauth", "secret with spaces"},
	{"masterauth", ""},
	{"oom-score-adj-values", "0 100 900"},
	{"oom-score-adj-values", "0 200 800"},
	{"active-defrag-ignore-bytes", "2k"},
	{"active-defrag-ignore-bytes", "100mb"},
	{"min-slaves-to-write", "0", "min-replicas-max-lag", "5"},
	{"min-replicas-max-lag", "10"},
	{"watchdog-period", "0"},
	{"key-load-delay", "-5"},
	{"key-load-delay", "0"},
	{"tracking-table-max-keys", "0"},
	{"tracking-table-max-keys", "1000000"},
	{"acl-pubsub-default", "allchannels"},
	{"acl-pubsub-default", "resetchannels"},
	{"lfu-log-factor", "12", "lfu-decay-time", "3", "maxmemory-samples", "7"},
	{"lfu-log-factor", "10", "lfu-decay-time", "1", "maxmemory-samples", "5"},
	{"maxmemory", "0", "maxmemory-policy", "noeviction"},

	// errors: unknown, immutable, protected, duplicate, bad values
	{"foo", "bar"},
	{"a\nb\r", "x"},
	{"daemonize", "yes"},
	{"Daemonize", "yes", "foo", "bar"},
	{"foo", "bar", "daemonize", "yes"},
	{"dir", "/nonexistent"},
	{"dbfilename", "x.rdb"},
	{"hz", "11", "HZ", "12"},
	{"maxmemory", "1mb", "maxmemory", "2mb"},
	{"hz", "abc"},
	{"hz", "11", "maxmemory-policy", "bad"},
	{"save", "1 2 3", "hz", "11"},
	{"maxmemory-policy", "foo"},
	{"appendonly", "maybe"},
	{"maxclients", "0"},
	{"maxclients", "-1"},
	{"maxmemory", "-1"},
	{"maxmemory", "1x"},
	{"maxmemory", ""},
	{"maxmemory", "1 mb"},
	{"save", "1 2 3"},
	{"save", "0 1"},
	{"save", " 10 5"},
	{"save", "10  5"},
	{"save", "100 -1"},
	{"save", "100 +1"},
	{"save", "3600 1 300 100 60 10000"},
	{"client-output-buffer-limit", "normal 1 2"},
	{"client-output-buffer-limit", "master 1 2 3"},
	{"client-output-buffer-limit", "normal 1 2 -3"},
	{"client-output-buffer-limit", "normal 1x 2 3"},
	{"notify-keyspace-events", "q"},
	{"latency-tracking-info-percentiles", "101"},
	{"latency-tracking-info-percentiles", "abc"},
	{"latency-tracking-info-percentiles", "nan"},
	{"maxmemory-clients", "101%"},
	{"maxmemory-clients", "abc"},
	{"maxmemory-clients", "-5"},
	{"shutdown-on-sigint", "save nosave"},
	{"shutdown-on-sigint", "foo"},
	{"shutdown-on-sigint", ""},
	{"hash-max-listpack-entries", "-1"},
	{"list-max-listpack-size", "0x10"},
	{"list-max-listpack-size", "010"},
	{"list-max-listpack-size", "+10"},
	{"proto-max-bulk-len", "1000"},
	{"cluster-announce-hostname", "a_b"},
	{"proc-title-template", "{title}"},
	{"proc-title-template", "{nosuch}"},
	{"proc-title-template", "{title"},
	{"activedefrag", "yes"},
	{"enable-debug-command", "yes"},
	{"unixsocketperm", "700"},
	{"slaveof", "no one"},
	{"replicaof", "127.0.0.1 6379"},
	{"appendfilename", "x"},
	{"oom-score-adj-values", "0 100"},
	{"oom-score-adj-values", "0 100 3000"},
	{"active-expire-effort", "11"},
	{"maxmemory-eviction-tenacity", "101"},
	{"repl-timeout", "0"},
	{"tcp-keepalive", "99999999999"},
	{"slowlog-max-len", "-1"},
	{"dbfilename", "a/b"},
}

// TestSetMatchesRedis replays setCases on Redis and keygrid: the replies
// must be the same (OK or the exact error), and so must CONFIG GET * after
// each one.
func TestSetMatchesRedis(t *testing.T) {
	dir := t.TempDir()
	rs, args := startRedis(t, "", dir)
	rc := rs.dial(t)
	c, err := Load("", args)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range setCases {
		pairs := make([][2]string, 0, len(tc)/2)
		for i := 0; i+1 < len(tc); i += 2 {
			pairs = append(pairs, [2]string{tc[i], tc[i+1]})
		}
		reply := rc.do(t, append([]string{"CONFIG", "SET"}, tc...)...)
		_, err := c.Set(pairs)
		want := fmt.Sprint(reply)
		got := "OK"
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("CONFIG SET %q:\n redis:   %s\n keygrid: %s", tc, want, got)
		}
		diffConfig(t, fmt.Sprintf("after CONFIG SET %q", tc), rc.configGet(t, "*"), pairsToMap(c.Get([]string{"*"})))
		if err := c.Validate(); err != nil {
			t.Errorf("after CONFIG SET %q: Validate: %v", tc, err)
		}
	}
}

// TestRewriteMatchesRedis loads one file into Redis and keygrid, applies
// the same CONFIG SETs, runs CONFIG REWRITE on each, and compares the files.
// Lines kept or replaced in place must be identical and in the same order;
// lines appended after the "# Generated by CONFIG REWRITE" marker must be
// the same set (Redis appends them in hash-table order). The "user" lines
// are left out: Redis writes its ACL state there, which keygrid's config
// package does not have.
func TestRewriteMatchesRedis(t *testing.T) {
	const original = `# a comment that stays
port 6379
save 900 1
save 300 10
maxmemory 100mb
dbfilename "x.rdb"
hz 10
slave-priority 50
rename-command FLUSHALL ""
lua-time-limit 1000
bind * -::*
notify-keyspace-events ""
requirepass "a b"
  # indented comment
daemonize no
tcp-keepalive 300
tcp-keepalive 301
list-max-ziplist-entries 5
include /dev/null
bind 127.0.0.1 -::1
client-output-buffer-limit pubsub 32mb 8mb 60

appendfsync everysec
`
	sets := [][]string{
		{"maxmemory", "1gb", "hz", "20", "notify-keyspace-events", "KEA"},
		{"client-output-buffer-limit", "pubsub 1mb 100 5 normal 1gb 0 0"},
		{"save", "10 1 20 2 30 3"},
		{"maxmemory-clients", "5%", "oom-score-adj-values", "0 100 900", "shutdown-on-sigterm", "save now"},
		{"replica-announce-ip", "1.2.3.4", "maxmemory-policy", "allkeys-lru", "repl-backlog-size", "1000"},
		{"active-defrag-ignore-bytes", "2k", "requirepass", "", "latency-tracking-info-percentiles", ""},
		{"masterauth", "p\"w\n", "busy-reply-threshold", "5000", "tcp-keepalive", "10"},
		{"appendfsync", "always", "slowlog-max-len", "1024", "proto-max-bulk-len", "1g"},
	}
	for _, withSets := range []bool{false, true} {
		t.Run(fmt.Sprintf("sets=%v", withSets), func(t *testing.T) {
			dir := t.TempDir()
			redisFile := filepath.Join(dir, "redis.conf")
			oursFile := filepath.Join(dir, "keygrid.conf")
			for _, f := range []string{redisFile, oursFile} {
				if err := os.WriteFile(f, []byte(original), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			rs, args := startRedis(t, redisFile, dir)
			rc := rs.dial(t)
			rc.do(t, "AUTH", "a b")
			c, err := Load(oursFile, args)
			if err != nil {
				t.Fatal(err)
			}
			diffConfig(t, "after loading", rc.configGet(t, "*"), pairsToMap(c.Get([]string{"*"})))
			if withSets {
				for _, s := range sets {
					reply := rc.do(t, append([]string{"CONFIG", "SET"}, s...)...)
					var pairs [][2]string
					for i := 0; i < len(s); i += 2 {
						pairs = append(pairs, [2]string{s[i], s[i+1]})
					}
					if _, err := c.Set(pairs); err != nil || reply != "OK" {
						t.Fatalf("CONFIG SET %q: redis %v, keygrid %v", s, reply, err)
					}
				}
			}
			if reply := rc.do(t, "CONFIG", "REWRITE"); reply != "OK" {
				t.Fatalf("redis CONFIG REWRITE: %v", reply)
			}
			if err := c.Rewrite(oursFile); err != nil {
				t.Fatal(err)
			}
			compareRewrites(t, read(t, redisFile), read(t, oursFile))
			if testing.Verbose() {
				t.Logf("rewritten file:\n%s", read(t, oursFile))
			}

			// A second rewrite with nothing changed changes nothing.
			if err := c.Rewrite(oursFile); err != nil {
				t.Fatal(err)
			}
			rc.do(t, "CONFIG", "REWRITE")
			compareRewrites(t, read(t, redisFile), read(t, oursFile))

			// And the rewritten file loads back to the same configuration.
			back, err := Load(oursFile, nil)
			if err != nil {
				t.Fatal(err)
			}
			back.Port, _ = strconv.Atoi(args[1])
			diffConfig(t, "reloaded", pairsToMap(c.Get([]string{"*"})), pairsToMap(back.Get([]string{"*"})))
		})
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func compareRewrites(t *testing.T, redis, ours string) {
	t.Helper()
	split := func(s string) (head, tail []string) {
		lines := strings.Split(s, "\n")
		i := slices.Index(lines, rewriteSignature)
		if i < 0 {
			i = len(lines)
		}
		for _, l := range lines[i:] {
			if !strings.HasPrefix(l, "user ") && l != "" {
				tail = append(tail, l)
			}
		}
		slices.Sort(tail)
		return lines[:i], tail
	}
	rh, rt := split(redis)
	oh, ot := split(ours)
	if !slices.Equal(rh, oh) || !slices.Equal(rt, ot) {
		t.Errorf("CONFIG REWRITE differs:\n--- redis\n%s\n--- keygrid\n%s", redis, ours)
	}
}

// TestLoadErrorsMatchRedis starts redis-server on bad configuration files
// and compares its fatal error (line, echoed line, reason) with Load's.
func TestLoadErrorsMatchRedis(t *testing.T) {
	bin := redisServerPath(t)
	dir := t.TempDir()
	cases := []string{
		"port 1 2\n",
		"port \"abc\n",
		"# comment\n\nbogus-directive 1\n",
		"port 7000\nhz abc\n",
		"maxmemory 1zb\n",
		"save 1 2 3\n",
		"save 0 1\n",
		"appendonly maybe\n",
		"maxmemory-policy lru\n",
		"bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n",
		"client-output-buffer-limit master 1 2 3\n",
		"replicaof 127.0.0.1 99999\n",
		"slaveof 127.0.0.1\n",
		"dir /nonexistent/dir\n",
		"dbfilename a/b\n",
		"rename-command GET\n",
		"include\n",
		"sentinel monitor x 127.0.0.1 6379 2\n",
		"port \"7000\"x\n",
		"notify-keyspace-events q\n",
		"shutdown-on-sigint save nosave\n",
		"oom-score-adj-values 1 2\n",
		"latency-tracking-info-percentiles 200\n",
		"user\n",
		"loadmodule\n",
		"foo.bar\n",
		"list-max-ziplist-entries 1 2\n",
		"proc-title-template \"{x}\"\n",
		"unixsocketperm 999\n",
		"\tmaxclients   0  \r\n",
	}
	re := regexp.MustCompile(`(?s)\*\*\* FATAL CONFIG FILE ERROR \(Redis [^)]*\) \*\*\*\nReading the configuration file, at line (\d+)\n>>> '(.*)'\n(.*)\n$`)
	for i, content := range cases {
		file := filepath.Join(dir, fmt.Sprintf("bad%d.conf", i))
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		out, _ := exec.Command(bin, file).CombinedOutput()
		m := re.FindStringSubmatch(string(out))
		if m == nil {
			t.Errorf("%q: unexpected redis-server output:\n%s", content, out)
			continue
		}
		_, err := Load(file, nil)
		var le *LoadError
		if !errors.As(err, &le) {
			t.Errorf("%q: Load returned %v, want a *LoadError", content, err)
			continue
		}
		got := []string{strconv.Itoa(le.Line), le.Text, le.Msg}
		if !slices.Equal(got, m[1:]) {
			t.Errorf("%q:\n redis:   line %s >>> '%s' %s\n keygrid: line %s >>> '%s' %s", content, m[1], m[2], m[3], got[0], got[1], got[2])
		}
		if le.File != file {
			t.Errorf("%q: LoadError.File = %q, want %q", content, le.File, file)
		}
		if rep := le.Report(); rep != string(out) {
			t.Errorf("%q: report\n%q, redis-server printed\n%q", content, rep, out)
		}
	}

	// Command-line arguments: Redis numbers them as lines after the file's;
	// keygrid numbers the options. The echoed line and reason must match.
	for _, args := range [][]string{
		{"--port", "1", "--maxmemory", "1", "2"},
		{"--hz", "abc"},
		{"--save", "1", "2", "3"},
		{"--port 70000"},
		{"--bind", "a", "b", "--nosuch", "x"},
		{"--requirepass", `a"b`, "c"},
		{"--loglevel", "--verbose"},
		{"--save", "--hz", "x"},
		{"--appendonly"},
	} {
		out, _ := exec.Command(bin, args...).CombinedOutput()
		m := re.FindStringSubmatch(string(out))
		if m == nil {
			t.Errorf("%q: unexpected redis-server output:\n%s", args, out)
			continue
		}
		_, err := Load("", args)
		var le *LoadError
		if !errors.As(err, &le) || le.File != "" || le.Text != m[2] || le.Msg != m[3] {
			t.Errorf("%q:\n redis:   >>> '%s' %s\n keygrid: %v", args, m[2], m[3], err)
			continue
		}
		// The whole banner, the line numbered as Redis numbers the options.
		if rep := le.Report(); rep != string(out) {
			t.Errorf("%q: report\n%q, redis-server printed\n%q", args, rep, out)
		}
	}

	// Options after a file: their lines follow the file's.
	file := filepath.Join(dir, "three-lines.conf")
	os.WriteFile(file, []byte("port 7000\n# a comment\n\nhz 10"), 0o644)
	out, _ := exec.Command(bin, file, "--port", "1", "--nosuch", "x").CombinedOutput()
	_, err := Load(file, []string{"--port", "1", "--nosuch", "x"})
	var le *LoadError
	if !errors.As(err, &le) || le.Report() != string(out) {
		t.Errorf("a file, then options: keygrid %v, report %q; redis-server printed %q", err, le.Report(), out)
	}
}
