package engine

// Tests of EVAL and SCRIPT: conversions, errors, the sandbox, propagation of a
// script's effects, and the BUSY state of a long script with SCRIPT KILL and
// SHUTDOWN NOSAVE. Replies are checked against what redis-server 7.0 gives (the
// differential scripts scripting.txt and functions.txt cover more of them).

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
)

func TestScriptConversions(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	cases := []struct {
		script string
		want   string
	}{
		{"return 1", ":1"},
		{"return 3.99", ":3"},
		{"return -3.99", ":-3"},
		{"return 'x'", "x"},
		{"return true", ":1"},
		{"return false", "(nil)"},
		{"return nil", "(nil)"},
		{"return {1,2,'x',nil,4}", "[:1 :2 x]"},
		{"return {ok='fine'}", "fine"},
		{"return {err='ERR bad'}", "-ERR bad"},
		{"return {err='bad'}", "-bad"},
		{"return redis.error_reply('MY code')", "-MY code"},
		{"return redis.error_reply('x')", "-ERR x"},
		{"return redis.status_reply('OK')", "OK"},
		{"return {double=3.5}", "3.5"},
		{"return redis.call('ping')", "PONG"},
		{"return redis.pcall('nosuch')", "-ERR Unknown Redis command called from script"},
		{"return redis.sha1hex('')", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{"return redis.REDIS_VERSION_NUM", ":458767"},
		{"redis.setresp(3); return true", ":1"}, // RESP3 booleans reach a RESP2 caller as integers
		{"return {pcall(function() redis.call('nosuch') end)}", "[(nil) ERR Unknown Redis command called from script]"},
		{"return tostring(0.1)", "0.1"},
		{"return tostring(1e15)", "1e+15"},
	}
	for _, c := range cases {
		if got := tc.do("EVAL", c.script, "0"); got != c.want {
			t.Errorf("EVAL %q = %q, want %q", c.script, got, c.want)
		}
	}
	// Values that come back from commands.
	tc.do("RPUSH", "l", "a", "b")
	if got := tc.do("EVAL", "return redis.call('lrange', KEYS[1], 0, -1)", "1", "l"); got != "[a b]" {
		t.Errorf("lrange through a script = %q", got)
	}
	if got := tc.do("EVAL", "return type(redis.call('get', 'missing'))", "0"); got != "boolean" {
		t.Errorf("a null bulk should be false, got type %q", got)
	}
	if got := tc.do("EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "k", "v"); got != "OK" {
		t.Errorf("set = %q", got)
	}
	if got := tc.do("EVAL", "return redis.call('set', 'n', 1.5)", "0"); got != "OK" {
		t.Errorf("set a number = %q", got)
	}
	if got := tc.do("GET", "n"); got != "1.5" {
		t.Errorf("numbers go to commands as %%.17g: %q", got)
	}
}

func TestScriptErrors(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	sha := func(s string) string { return sha1hex([]byte(s)) }
	cases := []struct{ script, want string }{
		{"return x", "-ERR user_script:1: Script attempted to access nonexistent global variable 'x' script: " + sha("return x") + ", on @user_script:1."},
		{"x = 1", "-ERR user_script:1: Attempt to modify a readonly table script: " + sha("x = 1") + ", on @user_script:1."},
		{"string.len = nil", "-ERR user_script:1: Attempt to modify a readonly table script: " + sha("string.len = nil") + ", on @user_script:1."},
		{"setmetatable(_G, nil)", "-ERR Attempt to modify a readonly table script: " + sha("setmetatable(_G, nil)") + ", on @user_script:1."},
		{"\n\nerror('boom')", "-ERR user_script:3: boom script: " + sha("\n\nerror('boom')") + ", on @user_script:3."},
		{"error({err='MYERR x'})", "-MYERR x script: " + sha("error({err='MYERR x'})") + ", on @user_script:1."},
		{"return redis.call('nosuch')", "-ERR Unknown Redis command called from script script: " + sha("return redis.call('nosuch')") + ", on @user_script:1."},
		{"return redis.call('get')", "-ERR Wrong number of args calling Redis command from script script: " + sha("return redis.call('get')") + ", on @user_script:1."},
		{"return redis.call('eval', 'return 1', 0)", "-ERR This Redis command is not allowed from script script: " + sha("return redis.call('eval', 'return 1', 0)") + ", on @user_script:1."},
		{"return redis.call({})", "-ERR Lua redis lib command arguments must be strings or integers script: " + sha("return redis.call({})") + ", on @user_script:1."},
		{"return redis.call()", "-ERR Please specify at least one argument for this redis lib call script: " + sha("return redis.call()") + ", on @user_script:1."},
		{"return 1 +", "-ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'"},
		{"#!lua flags=bad\nreturn 1", "-ERR Unexpected flag in script shebang: bad"},
		{"#!python\nreturn 1", "-ERR Unexpected engine in script shebang: #!python"},
		{"#!lua flags=no-writes\nreturn redis.call('set','a','b')", "-ERR Write commands are not allowed from read-only scripts. script: " + sha("#!lua flags=no-writes\nreturn redis.call('set','a','b')") + ", on @user_script:2."},
	}
	for _, c := range cases {
		if got := tc.do("EVAL", c.script, "0"); got != c.want {
			t.Errorf("EVAL %q =\n %q, want\n %q", c.script, got, c.want)
		}
	}
	tc.do("SET", "str", "x")
	want := "-WRONGTYPE Operation against a key holding the wrong kind of value script: " + sha("return redis.call('lpush', 'str', 1)") + ", on @user_script:1."
	if got := tc.do("EVAL", "return redis.call('lpush', 'str', 1)", "0"); got != want {
		t.Errorf("command error through redis.call = %q", got)
	}
	if got := tc.do("EVAL_RO", "return redis.call('set','a','b')", "0"); !strings.HasPrefix(got, "-ERR Write commands are not allowed from read-only scripts.") {
		t.Errorf("EVAL_RO write = %q", got)
	}
	if got := tc.do("EVAL_RO", "#!lua\nreturn 1", "0"); got != "-ERR Can not execute a script with write flag using *_ro command." {
		t.Errorf("EVAL_RO of a write script = %q", got)
	}
	if got := tc.do("EVALSHA", strings.Repeat("f", 40), "0"); got != "-NOSCRIPT No matching script. Please use EVAL." {
		t.Errorf("EVALSHA unknown = %q", got)
	}
	if got := tc.do("EVAL", "return 1", "2", "a"); got != "-ERR Number of keys can't be greater than number of args" {
		t.Errorf("numkeys too big = %q", got)
	}
	if got := tc.do("EVAL", "return 1", "-1"); got != "-ERR Number of keys can't be negative" {
		t.Errorf("numkeys negative = %q", got)
	}
}

func TestScriptCache(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	sha := tc.do("SCRIPT", "LOAD", "return ARGV[1]")
	if sha != sha1hex([]byte("return ARGV[1]")) {
		t.Fatalf("SCRIPT LOAD = %q", sha)
	}
	if got := tc.do("EVALSHA", sha, "0", "hi"); got != "hi" {
		t.Errorf("EVALSHA = %q", got)
	}
	if got := tc.do("EVALSHA", strings.ToUpper(sha), "0", "hi"); got != "hi" {
		t.Errorf("EVALSHA upper-case = %q", got)
	}
	if got := tc.do("SCRIPT", "EXISTS", sha, "0000"); got != "[:1 :0]" {
		t.Errorf("SCRIPT EXISTS = %q", got)
	}
	if got := tc.do("SCRIPT", "FLUSH"); got != "OK" {
		t.Errorf("SCRIPT FLUSH = %q", got)
	}
	if got := tc.do("SCRIPT", "EXISTS", sha); got != "[:0]" {
		t.Errorf("SCRIPT EXISTS after flush = %q", got)
	}
	if got := tc.do("SCRIPT", "KILL"); got != "-NOTBUSY No scripts in execution right now." {
		t.Errorf("SCRIPT KILL idle = %q", got)
	}
}

// The sandbox: what Redis 7.0 leaves out of reach must stay out of reach, including
// the ways around it people have used (CVE-2022-0543 went through package.loadlib).
func TestScriptSandbox(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	mustFail := []string{
		"return os.execute('id')",
		"return io.open('/etc/passwd')",
		"return package.loadlib('/usr/lib/x86_64-linux-gnu/liblua5.1.so.0', 'luaopen_io')",
		"return require('os')",
		"return dofile('/etc/passwd')",
		"return loadfile('/etc/passwd')",
		"return debug.getinfo(1)",
		"print('x')",
		"getmetatable('').__index.upper = nil",
		"getmetatable('').__index = {}",
		"rawset(_G, 'x', 1)",
		"rawset(string, 'x', 1)",
		"table.insert(redis, 1)",
		"setmetatable(string, {})",
		"redis.call = nil",
		"cjson.encode = nil",
		"_G._G.x = 1",
		"return loadstring('x = 1')()",
		// string.dump exists (as in Redis); its chunk cannot be loaded back.
		"return loadstring(string.dump(function() end))()",
	}
	for _, s := range mustFail {
		if got := tc.do("EVAL", s, "0"); !strings.HasPrefix(got, "-") {
			t.Errorf("EVAL %q = %q, want an error", s, got)
		}
	}
	// Bytecode cannot be loaded (gopher-lua has no binary chunk loader).
	if got := tc.do("EVAL", "return loadstring('\\027Lua\\081\\000')", "0"); got != "(nil)" {
		t.Errorf("loadstring of bytecode = %q, want nil", got)
	}
	// setfenv(0, ...) must not leak into the next script.
	tc.do("EVAL", "setfenv(0, {})", "0")
	if got := tc.do("EVAL", "return redis.call('ping')", "0"); got != "PONG" {
		t.Errorf("after setfenv(0): %q", got)
	}
	// Nothing a script does survives as a global.
	if got := tc.do("EVAL", "return rawget(_G, 'x')", "0"); got != "(nil)" {
		t.Errorf("a global leaked: %q", got)
	}
	// The allowed builtins are there.
	if got := tc.do("EVAL", "return {type(pcall), type(xpcall), type(tonumber), type(unpack), type(coroutine.create), type(math.floor), type(string.rep), type(table.concat), type(cjson), type(bit), type(struct), type(cmsgpack)}", "0"); got != "[function function function function function function function function table table table table]" {
		t.Errorf("builtins: %q", got)
	}
}

// collectFeed returns a replication feed that records the propagated commands.
func collectFeed(s *Server) func() string {
	var mu sync.Mutex
	var buf []byte
	done := make(chan struct{})
	s.Submit(func() {
		s.SetReplicationFeed(func(b []byte) {
			mu.Lock()
			buf = append(buf, b...)
			mu.Unlock()
		})
		close(done)
	})
	<-done
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		out := string(buf)
		buf = buf[:0]
		return out
	}
}

// Redis 7.0 propagates a script's effects, never the script: one write alone, more
// wrapped in MULTI/EXEC.
func TestScriptPropagation(t *testing.T) {
	s, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	feed := collectFeed(s)
	tc.do("EVAL", "redis.call('set', KEYS[1], 'a'); redis.call('incr', 'n'); return 1", "1", "k")
	got := feed()
	want := "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\na\r\n*2\r\n$4\r\nincr\r\n$1\r\nn\r\n*1\r\n$4\r\nEXEC\r\n"
	if !strings.HasSuffix(got, want) {
		t.Errorf("two writes propagated as %q", got)
	}
	tc.do("EVAL", "return redis.call('set', 'x', '1')", "0")
	if got := feed(); got != "*3\r\n$3\r\nset\r\n$1\r\nx\r\n$1\r\n1\r\n" {
		t.Errorf("one write propagated as %q", got)
	}
	tc.do("EVAL", "return redis.call('get', 'x')", "0")
	if got := feed(); got != "" {
		t.Errorf("a read-only script propagated %q", got)
	}
	tc.do("EVAL", "redis.set_repl(redis.REPL_NONE); return redis.call('set', 'y', '1')", "0")
	if got := feed(); got != "" {
		t.Errorf("set_repl(REPL_NONE) propagated %q", got)
	}
	// Inside MULTI/EXEC the script's effects join the transaction's one MULTI/EXEC.
	tc.do("MULTI")
	tc.do("EVAL", "redis.call('set', 'a', '1'); redis.call('set', 'b', '2')", "0")
	tc.do("SET", "c", "3")
	tc.do("EXEC")
	want = "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nset\r\n$1\r\na\r\n$1\r\n1\r\n*3\r\n$3\r\nset\r\n$1\r\nb\r\n$1\r\n2\r\n*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1\r\n3\r\n*1\r\n$4\r\nEXEC\r\n"
	if got := feed(); got != want {
		t.Errorf("a script inside EXEC propagated %q", got)
	}
}

// A script past busy-reply-threshold: other clients get -BUSY, SCRIPT KILL stops it,
// and the server serves everyone again.
func TestScriptBusyAndKill(t *testing.T) {
	_, addr := startTestServer(t, func(c *config.Config) { c.BusyReplyThreshold = 100 })
	a := dialTest(t, addr)
	b := dialTest(t, addr)
	a.raw("*3\r\n$4\r\nEVAL\r\n$17\r\nwhile true do end\r\n$1\r\n0\r\n")
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := b.do("PING")
		if strings.HasPrefix(got, "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never saw BUSY, last reply %q", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := b.do("FUNCTION", "KILL"); !strings.HasPrefix(got, "-BUSY") {
		t.Errorf("FUNCTION KILL of an EVAL = %q", got)
	}
	if got := b.do("SCRIPT", "KILL"); got != "OK" {
		t.Fatalf("SCRIPT KILL = %q", got)
	}
	want := "-ERR Script killed by user with SCRIPT KILL... script: " + sha1hex([]byte("while true do end")) + ", on @user_script:1."
	if got := a.read(); got != want {
		t.Errorf("killed script replied %q", got)
	}
	if got := b.do("PING"); got != "PONG" {
		t.Errorf("after the kill: %q", got)
	}
	if got := a.do("PING"); got != "PONG" {
		t.Errorf("the caller after the kill: %q", got)
	}
	// pcall cannot hold a killed script.
	loop := "while true do pcall(function() while true do end end) end"
	a.raw("*3\r\n$4\r\nEVAL\r\n$" + strconv.Itoa(len(loop)) + "\r\n" + loop + "\r\n$1\r\n0\r\n")
	waitBusy(t, b)
	if got := b.do("SCRIPT", "KILL"); got != "OK" {
		t.Fatalf("SCRIPT KILL = %q", got)
	}
	if got := a.read(); !strings.HasPrefix(got, "-ERR Script killed by user with SCRIPT KILL...") {
		t.Errorf("a killed script inside pcall replied %q", got)
	}
}

// waitBusy polls with PING until the server replies BUSY.
func waitBusy(t *testing.T, tc *testConn) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.HasPrefix(tc.do("PING"), "-BUSY") {
		if time.Now().After(deadline) {
			t.Fatal("never saw BUSY")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A script that wrote cannot be killed; SHUTDOWN NOSAVE still stops the server.
func TestScriptUnkillableShutdown(t *testing.T) {
	s, addr := startTestServer(t, func(c *config.Config) { c.BusyReplyThreshold = 50 })
	a := dialTest(t, addr)
	b := dialTest(t, addr)
	script := "redis.call('set', 'k', 'v') while true do end"
	a.raw("*3\r\n$4\r\nEVAL\r\n$" + strconv.Itoa(len(script)) + "\r\n" + script + "\r\n$1\r\n0\r\n")
	waitBusy(t, b)
	if got := b.do("SCRIPT", "KILL"); !strings.HasPrefix(got, "-UNKILLABLE Sorry the script already executed write commands") {
		t.Errorf("SCRIPT KILL after a write = %q", got)
	}
	if got := b.do("SHUTDOWN"); !strings.HasPrefix(got, "-BUSY") {
		t.Errorf("SHUTDOWN without NOSAVE = %q", got)
	}
	b.raw("*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SHUTDOWN NOSAVE did not stop the server")
	}
}

// BenchmarkEvalsha measures EVALSHA of a one-command script end to end over a
// connection (compare with redis-benchmark ... evalsha <sha> 0 against redis-server).
func BenchmarkEvalsha(b *testing.B) {
	_, addr := startTestServer(b, nil)
	tc := dialTest(b, addr)
	sha := tc.do("SCRIPT", "LOAD", "return redis.call('incr', KEYS[1])")
	req := "*4\r\n$7\r\nEVALSHA\r\n$40\r\n" + sha + "\r\n$1\r\n1\r\n$3\r\nctr\r\n"
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tc.raw(req)
		tc.read()
	}
}

// A script runs with its caller's ACL permissions.
func TestScriptACL(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	tc.do("ACL", "SETUSER", "scr", "on", "nopass", "+eval", "+get", "~*")
	tc.do("AUTH", "scr", "x")
	script := "return redis.call('set','a','b')"
	if got := tc.do("EVAL", script, "0"); got != "-ERR The user executing the script can't run this command or subcommand script: "+sha1hex([]byte(script))+", on @user_script:1." {
		t.Errorf("denied command in a script = %q", got)
	}
	if got := tc.do("EVAL", "return {redis.acl_check_cmd('set','a','b'), redis.acl_check_cmd('get','a')}", "0"); got != "[(nil) :1]" {
		t.Errorf("acl_check_cmd = %q", got)
	}
	if got := tc.do("EVAL", "return redis.acl_check_cmd('nosuch')", "0"); !strings.HasPrefix(got, "-ERR Invalid command passed to redis.acl_check_cmd()") {
		t.Errorf("acl_check_cmd of an unknown command = %q", got)
	}
}

// INFO memory reports the script cache; MONITOR shows a script's commands after it,
// from the "lua" client.
func TestScriptInfoAndMonitor(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	tc.do("SCRIPT", "LOAD", "return 1")
	tc.do("SCRIPT", "LOAD", "return 2")
	if info := tc.do("INFO", "memory"); !strings.Contains(info, "number_of_cached_scripts:2\r\n") {
		t.Errorf("INFO memory: %q", info)
	}
	mon := dialTest(t, addr)
	mon.do("MONITOR")
	tc.do("EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "mk")
	first, second := mon.read(), mon.read()
	if !strings.Contains(first, `"EVAL" "return redis.call('set', KEYS[1], 'v')" "1" "mk"`) {
		t.Errorf("MONITOR first line %q", first)
	}
	if !strings.Contains(second, `[0 lua] "set" "mk" "v"`) {
		t.Errorf("MONITOR second line %q", second)
	}
}

// Scripts recurse as deep as Lua 5.1 lets them (gopher-lua's default stack of 256
// calls would not).
func TestScriptDeepRecursion(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	if got := tc.do("EVAL", "local function f(n) if n == 0 then return 0 end return 1 + f(n-1) end return f(5000)", "0"); got != ":5000" {
		t.Errorf("recursion of 5000 = %q", got)
	}
	// Redis replies "ERR user_script:1: stack overflow script: ..., on @user_script:1.";
	// gopher-lua has no stack left to run the error handler, so the position is lost.
	if got := tc.do("EVAL", "local function f() return 1 + f() end return f()", "0"); !strings.Contains(got, "overflow") {
		t.Errorf("unbounded recursion = %q", got)
	}
}

// In cluster mode scripts may touch only local keys, of one slot unless they declare
// allow-cross-slot-keys or have no shebang (Redis's scriptVerifyClusterState); the
// replies are those of a one-node redis-server cluster.
func TestScriptCluster(t *testing.T) {
	_, addr := startTestServer(t, func(c *config.Config) { c.ClusterEnabled = true })
	tc := dialTest(t, addr)
	if got := tc.do("CLUSTER", "ADDSLOTSRANGE", "0", "16383"); got != "OK" {
		t.Fatalf("CLUSTER ADDSLOTSRANGE = %q", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(tc.do("CLUSTER", "INFO"), "cluster_state:ok") {
		if time.Now().After(deadline) {
			t.Fatal("cluster never became ok")
		}
		time.Sleep(20 * time.Millisecond)
	}
	two := "#!lua\nredis.call('set','a','1') return redis.call('set','b','1')"
	cases := []struct {
		script string
		keys   []string
		want   string
	}{
		{"redis.call('set','a','1') return redis.call('set','b','1')", nil, "OK"},
		{two, nil, "-ERR Script attempted to access keys that do not hash to the same slot script: " + sha1hex([]byte(two)) + ", on @user_script:2."},
		{"#!lua flags=allow-cross-slot-keys\nredis.call('set','a','1') return redis.call('set','b','1')", nil, "OK"},
		{"return redis.call('mset','a','1','b','2')", nil, "-ERR Script attempted to access a non local key in a cluster node script: " + sha1hex([]byte("return redis.call('mset','a','1','b','2')")) + ", on @user_script:1."},
		{"#!lua flags=no-cluster\nreturn 1", nil, "-ERR Can not run script on cluster, 'no-cluster' flag is set."},
	}
	for _, c := range cases {
		args := append([]string{"EVAL", c.script, strconv.Itoa(len(c.keys))}, c.keys...)
		if got := tc.do(args...); got != c.want {
			t.Errorf("EVAL %q = %q, want %q", c.script, got, c.want)
		}
	}
	if got := tc.do("EVAL", "#!lua\nreturn redis.call('set','b','1')", "1", "a"); !strings.HasPrefix(got, "-ERR Script attempted to access keys that do not hash to the same slot") {
		t.Errorf("a key outside the declared slot = %q", got)
	}
}

// Time stands still inside a script, as in Redis: a key that expires while the script
// runs is still there for the script's later commands.
func TestScriptFixedTime(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	tc.do("SET", "k", "v", "PX", "50")
	got := tc.do("EVAL", "local t0 = redis.call('time') local a = redis.call('get','k') "+
		"repeat local t = redis.call('time') until (t[1]-t0[1])*1000000 + (t[2]-t0[2]) > 100000 "+
		"return {a, redis.call('get','k')}", "0")
	if got != "[v v]" {
		t.Errorf("a key expired during the script: %q", got)
	}
	if got := tc.do("GET", "k"); got != "(nil)" {
		t.Errorf("after the script: %q", got)
	}
}

// EVAL refills the KEYS and ARGV tables of the previous run (scriptArray): whatever
// a script did to them — changed, removed or added entries, a metatable — the next
// run sees exactly its own arguments.
func TestScriptKeysArgvFresh(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	const show = "return {#KEYS, #ARGV, KEYS[1] or 'nil', ARGV[1] or 'nil', tostring(KEYS.x), tostring(getmetatable(ARGV))}"
	fresh := func(step string, keys ...string) {
		t.Helper()
		args := append([]string{"EVAL", show, strconv.Itoa(len(keys))}, keys...)
		args = append(args, "a1")
		k1 := "nil"
		if len(keys) > 0 {
			k1 = keys[0]
		}
		want := "[:" + strconv.Itoa(len(keys)) + " :1 " + k1 + " a1 nil nil]"
		if got := tc.do(args...); got != want {
			t.Fatalf("after %s: %q, want %q", step, got, want)
		}
	}
	fresh("nothing", "k1")
	for _, body := range []string{
		"KEYS[1] = 'changed'; ARGV[1] = 'changed'",
		"KEYS[1] = nil; ARGV[1] = nil",
		"table.insert(KEYS, 'extra'); table.insert(ARGV, 'extra')",
		"KEYS.x = 1; ARGV.y = 2",
		"KEYS[5] = 'far'",
		"setmetatable(ARGV, {__index = function() return 'meta' end})",
		"for i = #KEYS, 1, -1 do table.remove(KEYS, i) end",
	} {
		if got := tc.do("EVAL", body+"; return 1", "1", "k1", "a1"); got != ":1" {
			t.Fatalf("%s: %q", body, got)
		}
		fresh(body, "k1")
		fresh(body+" (then two keys)", "k1", "k2")
		fresh(body + " (then none)")
	}
}

// A command rejected inside a script counts as the command's rejected call, not as
// the script's failure: the script fails only when its own reply is an error
// (Redis's unit/scripting "Consistent eval error reporting").
func TestScriptRejectedCallStats(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	stat := func(cmd string) string { return infoField(tc, "commandstats", "cmdstat_"+cmd) }
	check := func(what, cmd, want string) {
		t.Helper()
		if got := stat(cmd); !strings.Contains(got, want) {
			t.Errorf("%s: cmdstat_%s = %q, want %q in it", what, cmd, got, want)
		}
	}
	tc.do("CONFIG", "SET", "maxmemory", "1")
	for _, tt := range []struct {
		what, script, reply, evalStat string
	}{
		{"redis.call rejected", "return redis.call('set','x','y')", "-OOM", "rejected_calls=0,failed_calls=1"},
		{"redis.pcall rejected, handled", "local t = redis.pcall('set','x','y') if t['err'] then return 1 end return 0", ":1", "rejected_calls=0,failed_calls=0"},
		{"redis.pcall rejected, returned", "return redis.pcall('set','x','y')", "-OOM", "rejected_calls=0,failed_calls=1"},
	} {
		tc.do("CONFIG", "RESETSTAT")
		if got := tc.do("EVAL", tt.script, "1", "x"); !strings.HasPrefix(got, tt.reply) {
			t.Errorf("%s: EVAL = %q, want %s...", tt.what, got, tt.reply)
		}
		check(tt.what, "eval", "calls=1,")
		check(tt.what, "eval", tt.evalStat)
		check(tt.what, "set", "calls=0,")
		check(tt.what, "set", "rejected_calls=1,failed_calls=0")
		if got := infoField(tc, "stats", "total_error_replies"); got != "1" {
			t.Errorf("%s: total_error_replies = %s, want 1", tt.what, got)
		}
	}
	tc.do("CONFIG", "SET", "maxmemory", "0")
	// A command that fails (not rejected) inside redis.call: both fail.
	tc.do("CONFIG", "RESETSTAT")
	tc.do("EVAL", "return redis.call('select',99)", "0")
	check("redis.call failed", "select", "calls=1,")
	check("redis.call failed", "select", "rejected_calls=0,failed_calls=1")
	check("redis.call failed", "eval", "rejected_calls=0,failed_calls=1")
}
