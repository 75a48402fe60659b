package engine

// Tests of the Lua 5.1 exactness pieces (script_errname.go, script_lua51.go), the
// allocation guard (script_mem.go), redis.set_repl's split of AOF and replica
// propagation, and the synchronous Lua debugger (script_ldb.go). The error texts
// and loadstring/string.dump replies are compared with redis-server 7.0.15 by the
// differential script internal/difftest/testdata/scripting_lua51.txt; the cases
// here are the ones it cannot express (server internals, files, a socket session).

import (
	"bufio"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
)

// The reflection of gopher-lua's internals must find what it expects, or every
// message silently loses its variable name.
func TestLuaVMIntrospection(t *testing.T) {
	if !luaVM.ok {
		t.Fatal("gopher-lua's call frame / registry / upvalue layout is not the one script_errname.go reads")
	}
}

// Lua 5.1's wording, with names, as redis-server 7.0.15 replies (the same lines are
// in the differential script; these run without redis-server).
func TestScriptLua51ErrorNames(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	cases := []struct{ script, want string }{
		{"local x; x()", "attempt to call local 'x' (a nil value)"},
		{"redis.foo()", "attempt to call field 'foo' (a nil value)"},
		{"local t = {} t:nomethod()", "attempt to call method 'nomethod' (a nil value)"},
		{"local t = nil; return t.x", "attempt to index local 't' (a nil value)"},
		{"local t = {} return t.a.b", "attempt to index field 'a' (a nil value)"},
		{"local s = 'x'; return s + 1", "attempt to perform arithmetic on local 's' (a string value)"},
		{"return {} + 1", "attempt to perform arithmetic on a table value"},
		{"local a; return 'x' .. a", "attempt to concatenate local 'a' (a nil value)"},
		{"return {} < {}", "attempt to compare two table values"},
		{"return nil < 1", "attempt to compare nil with number"},
		{"local function g() local u; return function() u() end end; return g()()", "attempt to call upvalue 'u' (a nil value)"},
		{"local a = {} return -a", "attempt to perform arithmetic on local 'a' (a table value)"},
		{"return #nil", "attempt to get length of a nil value"},
		{"for i = 1, 'x' do end", "'for' limit must be a number"},
		{"return (nil)()", "attempt to call a nil value"},
	}
	for _, c := range cases {
		want := "-ERR user_script:1: " + c.want + " script: " + sha1hex([]byte(c.script)) + ", on @user_script:1."
		if got := tc.do("EVAL", c.script, "0"); got != want {
			t.Errorf("EVAL %q\n got %q\nwant %q", c.script, got, want)
		}
	}
	// Inside pcall the message is the same, without the reply's decorations.
	if got := tc.do("EVAL", "return select(2, pcall(function() local t; return t.x end))", "0"); got != "user_script:1: attempt to index local 't' (a nil value)" {
		t.Errorf("pcall message = %q", got)
	}
}

// gopher-lua closed the upvalues of live frames once a second error was caught:
// the closure then missed later writes (Lua 5.1 and redis-server give 2).
func TestScriptPcallKeepsLiveUpvalues(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	script := "local x = 1 local f = function() return x end pcall(error, 'e') pcall(error, 'e') xpcall(error, tostring) x = 2 return f()"
	if got := tc.do("EVAL", script, "0"); got != ":2" {
		t.Errorf("closure after caught errors = %q, want :2", got)
	}
	// An unwound frame's upvalues are closed with their values.
	script = "local f pcall(function() local y = 5; f = function() return y end; error('x') end) local a, b, c = 7, 8, 9 return f()"
	if got := tc.do("EVAL", script, "0"); got != ":5" {
		t.Errorf("closure escaping an unwound frame = %q, want :5", got)
	}
}

// Redis 7.0.15's suite "Binary code loading failed": string.dump exists, its chunk
// is refused by loadstring.
func TestScriptStringDump(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	script := "return loadstring(string.dump(function() return 1 end))()"
	want := "-ERR user_script:1: attempt to call a nil value script: " + sha1hex([]byte(script)) + ", on @user_script:1."
	if got := tc.do("EVAL", script, "0"); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if got := tc.do("EVAL", "return {string.byte(string.dump(function() return 1 end), 1, 5)}", "0"); got != "[:27 :76 :117 :97 :81]" {
		t.Errorf("dump header = %q", got)
	}
	if got := tc.do("EVAL", "local f, e = loadstring(string.dump(function() end)) return e", "0"); got != "[string \"\x1bLuaQ\"]:1: unexpected symbol near 'char(27)'" {
		t.Errorf("loadstring of a binary chunk: %q", got)
	}
}

// Sparse integer keys must not make gopher-lua pad its array part up to them.
func TestScriptSparseIntegerKeys(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got := tc.do("EVAL", "local t = {} t[2^31] = 1 t[6e7] = 2 t[16777217] = 3 return {#t, t[2^31], t[6e7], t[16777217]}", "0")
	runtime.ReadMemStats(&after)
	if got != "[:0 :1 :2 :3]" { // redis-server 7.0.15 replies the same
		t.Errorf("sparse keys = %q", got)
	}
	if grown := int64(after.TotalAlloc) - int64(before.TotalAlloc); grown > 64<<20 {
		t.Errorf("three sparse keys allocated %d bytes", grown)
	}
	// Dense arrays keep their length.
	if got := tc.do("EVAL", "local t = {} for i = 1, 100000 do t[#t+1] = i end return #t", "0"); got != ":100000" {
		t.Errorf("dense array length = %q", got)
	}
}

// A script that keeps allocating is killed past the limit, pcall cannot hold it,
// and the server goes on serving.
func TestScriptMemoryLimit(t *testing.T) {
	s, addr := startTestServer(t, nil)
	set := make(chan struct{})
	s.Submit(func() { s.script.mem.limit = 32 << 20; close(set) })
	<-set
	tc := dialTest(t, addr)
	for _, script := range []string{
		"local t = {} for i = 1, 1e9 do t[#t+1] = 'x' .. i end",
		"pcall(function() local t = {} for i = 1, 1e9 do t[i] = {i} end end) return 'survived'",
	} {
		got := tc.do("EVAL", script, "0")
		if !strings.HasPrefix(got, "-ERR Script killed: not enough memory (it allocated more than 33554432 bytes)") {
			t.Errorf("EVAL %q = %q", script, got)
		}
		if got := tc.do("PING"); got != "PONG" {
			t.Fatalf("PING after the killed script = %q", got)
		}
	}
	// An ordinary script is not affected.
	if got := tc.do("EVAL", "local t = {} for i = 1, 1000 do t[i] = i end return #t", "0"); got != ":1000" {
		t.Errorf("small script = %q", got)
	}
}

// redis.set_repl: each effect goes to the sinks named when it ran, and the
// MULTI/EXEC wrapping to both (Redis 7.0.15's also_propagate): the suite's "Test
// selective replication of certain Redis commands from Lua".
func TestScriptSetReplTargets(t *testing.T) {
	dir := t.TempDir()
	s, tc := aofTestServer(t, dir, func(c *config.Config) { c.AOFUseRDBPreamble = false })
	feed := collectFeed(s)
	tc.do("EVAL", `redis.call('set','a','1')
redis.set_repl(redis.REPL_NONE)
redis.call('set','b','2')
redis.set_repl(redis.REPL_AOF)
redis.call('set','c','3')
redis.set_repl(redis.REPL_REPLICA)
redis.call('set','e','5')
redis.set_repl(redis.REPL_ALL)
redis.call('set','d','4')`, "0")
	cmd := func(args ...string) string {
		b := appendRESPCommand(nil, func() [][]byte {
			var v [][]byte
			for _, a := range args {
				v = append(v, []byte(a))
			}
			return v
		}())
		return string(b)
	}
	wantRepl := cmd("SELECT", "0") + cmd("MULTI") + cmd("set", "a", "1") + cmd("set", "e", "5") + cmd("set", "d", "4") + cmd("EXEC")
	if got := feed(); got != wantRepl {
		t.Errorf("replicas got\n%q\nwant\n%q", got, wantRepl)
	}
	aofStop(t, s)
	wantAOF := cmd("SELECT", "0") + cmd("MULTI") + cmd("set", "a", "1") + cmd("set", "c", "3") + cmd("set", "d", "4") + cmd("EXEC")
	if got := readFile(t, filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof")); got != wantAOF {
		t.Errorf("AOF got\n%q\nwant\n%q", got, wantAOF)
	}
}

// With a single effect reaching a sink there is no MULTI/EXEC (Redis counts only
// the commands that propagate somewhere).
func TestScriptSetReplSingleEffect(t *testing.T) {
	s, addr := startTestServer(t, nil) // no AOF: REPL_AOF effects go nowhere
	tc := dialTest(t, addr)
	feed := collectFeed(s)
	tc.do("EVAL", "redis.set_repl(redis.REPL_AOF) redis.call('set','x','1') redis.set_repl(redis.REPL_ALL) redis.call('set','y','2')", "0")
	want := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$1\r\ny\r\n$1\r\n2\r\n"
	if got := feed(); got != want {
		t.Errorf("replicas got %q, want %q", got, want)
	}
}

// SCRIPT DEBUG SYNC: the session as Redis's sync-mode debugger runs it, on one
// socket, with the server waiting for the client.
func TestScriptDebugSync(t *testing.T) {
	_, addr := startTestServer(t, nil)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	rd := bufio.NewReader(conn)
	send := func(args ...string) string {
		var b []byte
		var v [][]byte
		for _, a := range args {
			v = append(v, []byte(a))
		}
		b = appendRESPCommand(b, v)
		if _, err := conn.Write(b); err != nil {
			t.Fatal(err)
		}
		got, err := readReply(rd)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return got
	}
	if got := send("SCRIPT", "DEBUG", "SYNC"); got != "OK" {
		t.Fatalf("SCRIPT DEBUG SYNC = %q", got)
	}
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"EVAL", "local a = 1\nreturn redis.call('ping')", "1", "k1"}, "[* Stopped at 1, stop reason = step over -> 1   local a = 1]"},
		{[]string{"hello\x00world"}, "[<error> Unknown Redis Lua debugger command or wrong number of arguments.]"},
		{[]string{"print", "KEYS"}, "[<value> {\"k1\"}]"},
		{[]string{"print"}, "[No local variables in the current context.]"},
		{[]string{"eval", "1 + 2"}, "[<retval> 3]"},
		{[]string{"eval", "error('x')"}, "[<error> ldb_eval:1: x]"},
		{[]string{"redis", "set", "dbgkey", "v"}, "[<redis> set dbgkey v <reply> \"+OK\"]"},
		{[]string{"redis", "nosuchcmd"}, "[<redis> nosuchcmd <error> Unknown Redis command called from script]"},
		{[]string{"list"}, "[-> 1   local a = 1    2   return redis.call('ping')]"},
		{[]string{"break", "2"}, "[-> 1   local a = 1   #2   return redis.call('ping')]"},
		{[]string{"maxlen", "10"}, "[<value> replies are truncated at 60 bytes.]"},
		{[]string{"continue"}, "[* Stopped at 2, stop reason = break point ->#2   return redis.call('ping')]"},
		{[]string{"continue"}, "[<endsession>]"},
	}
	for _, st := range steps {
		if got := send(st.args...); got != st.want {
			t.Errorf("%q\n got %q\nwant %q", st.args, got, st.want)
		}
	}
	// Then the EVAL's reply, and the connection closes.
	if got, err := readReply(rd); err != nil || got != "PONG" {
		t.Errorf("EVAL reply after the session = %q, %v", got, err)
	}
	if _, err := readReply(rd); err == nil {
		t.Error("the connection stayed open after the debugging session")
	}
	// The server serves others again; what the session wrote stays.
	tc := dialTest(t, addr)
	if got := tc.do("GET", "dbgkey"); got != "v" {
		t.Errorf("GET dbgkey = %q", got)
	}
	if got := tc.do("EVALSHA", sha1hex([]byte("return 1")), "0"); !strings.HasPrefix(got, "-NOSCRIPT") {
		t.Errorf("EVALSHA = %q", got)
	}
}

// EVALSHA cannot be debugged; abort ends the script with an error.
func TestScriptDebugEvalshaAndAbort(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	sha := tc.do("SCRIPT", "LOAD", "return 1")
	tc.do("SCRIPT", "DEBUG", "SYNC")
	if got := tc.do("EVALSHA", sha, "0"); got != "-ERR Please use EVAL instead of EVALSHA for debugging" {
		t.Errorf("EVALSHA while debugging = %q", got)
	}
	if got := tc.do("EVAL", "return 1", "0"); got != "[* Stopped at 1, stop reason = step over -> 1   return 1]" {
		t.Fatalf("EVAL = %q", got)
	}
	if got := tc.do("abort"); got != "[<endsession>]" {
		t.Errorf("abort = %q", got)
	}
	if got := tc.read(); !strings.HasPrefix(got, "-ERR script aborted for user request") {
		t.Errorf("aborted EVAL replied %q", got)
	}
	// SCRIPT DEBUG YES (a forked session) is refused, on a fresh connection: the
	// session closed this one.
	tc2 := dialTest(t, addr)
	if got := tc2.do("SCRIPT", "DEBUG", "YES"); !strings.HasPrefix(got, "-ERR") {
		t.Errorf("SCRIPT DEBUG YES = %q", got)
	}
}

// rawCommand encodes a command for testConn.raw.
func rawCommand(args ...string) string {
	var v [][]byte
	for _, a := range args {
		v = append(v, []byte(a))
	}
	return string(appendRESPCommand(nil, v))
}

// A client served while a script is busy must not make the server serve clients
// blocked on keys the script made ready: they are served once the script returns
// (Redis's isInsideYieldingLongCommand; the suite's "Timedout scripts and unblocked
// command").
func TestScriptBusyDoesNotServeBlockedClients(t *testing.T) {
	s, addr := startTestServer(t, func(c *config.Config) { c.BusyReplyThreshold = 10 })
	set := make(chan struct{})
	s.Submit(func() { s.script.denyDisabled = true; close(set) }) // CLIENT LIST from the script
	<-set
	blocked, runner, other := dialTest(t, addr), dialTest(t, addr), dialTest(t, addr)
	blocked.raw(rawCommand("BLPOP", "x", "0"))
	waitBlocked := time.Now().Add(10 * time.Second)
	for !strings.Contains(other.do("INFO", "clients"), "blocked_clients:1") {
		if time.Now().After(waitBlocked) {
			t.Fatal("BLPOP did not block")
		}
		time.Sleep(5 * time.Millisecond)
	}
	runner.raw(rawCommand("EVAL", `redis.call('lpush', KEYS[1], 'y')
while not string.find(redis.call('client', 'list'), 'abortscript') do end
redis.call('lpush', KEYS[1], 'z')
return 'done'`, "1", "x"))
	busyBy := time.Now().Add(10 * time.Second)
	for !strings.HasPrefix(other.do("PING"), "-BUSY") {
		if time.Now().After(busyBy) {
			t.Fatal("the script never became busy")
		}
		time.Sleep(5 * time.Millisecond)
	}
	other.do("HELLO", "2", "SETNAME", "abortscript")
	blocked.c.SetDeadline(time.Now().Add(10 * time.Second))
	if got := blocked.read(); got != "[x z]" {
		t.Errorf("BLPOP got %q, want [x z] (served after the script)", got)
	}
	runner.c.SetDeadline(time.Now().Add(10 * time.Second))
	if got := runner.read(); got != "done" {
		t.Errorf("EVAL = %q", got)
	}
}

// After SHUTDOWN the port refuses connections before any client sees its
// connection close, as Redis closes its listeners first (the suite's "SHUTDOWN
// NOSAVE can kill a timedout script anyway").
func TestShutdownClosesListenersFirst(t *testing.T) {
	s, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	tc.raw(rawCommand("SHUTDOWN", "NOSAVE"))
	tc.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := readReply(tc.rd); err == nil {
		t.Fatal("SHUTDOWN replied")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("the port still accepted a connection after the client saw SHUTDOWN close it")
	}
	<-s.Done()
}
