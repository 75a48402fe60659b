package engine

// xpcall as Lua 5.1 runs it in Redis: the handler sees runtime errors in Lua
// 5.1's words, keeps its upvalues, and an error inside it gives "error in error
// handling". Compared with redis-server 7.0.15.

import (
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
)

func TestScriptXpcallDiffRedis(t *testing.T) {
	scripts := []string{
		"local u = 5 return {xpcall(function() error('x') end, function(e) return e .. u end)}",
		"local n = 0 local ok, e = xpcall(function() local t = nil; return t.x end, function(m) n = n + 1 return m end) return {tostring(ok), e, n}",
		"return {xpcall(function() return 1, 2 end, print)}",
		"return {xpcall(function() error({a=1}) end, function(e) return type(e) end)}",
		"return {xpcall(error, function(e) return 'h:' .. tostring(e) end)}",
		"local function h(e) return debug and 'd' or 'nd' end return {xpcall(function() error('z', 0) end, h)}",
		"return {xpcall(function() redis.call('nosuch') end, function(e) return type(e) == 'table' and e.err or e end)}",
		"return {xpcall(function() error('x') end, function(e) error('y') end)}",
		"local up = {} return {xpcall(function() up.x = 1; error('e') end, function(e) return up.x end)}",
		"local c = 0 local function f() c = c + 1 if c < 3 then return xpcall(f, function(e) return e end) end error('deep') end return {f()}",
		"local t = {} for i=1,3 do t[i] = function() return i end end local ok, v = xpcall(function() error(t[2]()) end, function(e) return e end) return {tostring(ok), v}",
		"local x = 1 local f = function() return x end local ok = xpcall(function() x = 2 error('e') end, function(e) return e end) return {tostring(ok), f()}",
		"return {xpcall(function(...) return select('#', ...) end, function(e) return e end, 1, 2)}",
	}
	evalDiffRedis(t, scripts)
}

// redisAndKeygrid starts a redis-server and an in-process keygrid and returns a
// connection to each (closed when the test ends), for the differential tests.
func redisAndKeygrid(t *testing.T) (rc, kc *testutil.Conn) {
	t.Helper()
	redis := testutil.StartRedis(t)
	rc, err := testutil.Dial(redis.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Close() })
	_, kaddr := startTestServer(t, nil)
	kc, err = testutil.Dial(kaddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kc.Close() })
	return rc, kc
}

// evalDiffRedis runs each script with EVAL on redis-server and on keygrid and
// compares the raw replies.
func evalDiffRedis(t *testing.T, scripts []string) {
	t.Helper()
	rc, kc := redisAndKeygrid(t)
	evalDiff(t, rc, kc, scripts)
}

// evalBoth runs src with EVAL on redis-server (rc) and keygrid (kc) and
// returns both raw replies; numkeysAndArgs (EVAL's numkeys, keys, args)
// defaults to "0".
func evalBoth(t *testing.T, rc, kc *testutil.Conn, src string, numkeysAndArgs ...string) (want, got []byte) {
	t.Helper()
	if len(numkeysAndArgs) == 0 {
		numkeysAndArgs = []string{"0"}
	}
	args := append([]string{"EVAL", src}, numkeysAndArgs...)
	want, err := rc.Do(args...)
	if err != nil {
		t.Fatal(err)
	}
	got, err = kc.Do(args...)
	if err != nil {
		t.Fatal(err)
	}
	return want, got
}

// evalDiff is evalDiffRedis on connections the caller holds.
func evalDiff(t *testing.T, rc, kc *testutil.Conn, scripts []string) {
	t.Helper()
	for _, src := range scripts {
		want, got := evalBoth(t, rc, kc, src)
		if string(got) != string(want) {
			t.Errorf("EVAL %q\n redis   %q\n keygrid %q", src, want, got)
		}
	}
}
