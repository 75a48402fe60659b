package engine

// Tight loops stay killable now that gopher-lua polls the busy hook every
// scriptHookPeriod instructions instead of before each one (KEYGRID.md change
// 16 in internal/third_party/gopher-lua): each loop below makes the server
// BUSY past busy-reply-threshold, and SCRIPT KILL ends it promptly, with the
// killed script's error, in every shape a loop can take (a one-instruction
// loop, a numeric for, a loop around pcall, a loop inside a coroutine), and
// the instructions after a pcall that caught the kill raise it again.

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
)

func TestScriptTightLoopKill(t *testing.T) {
	_, addr := startTestServer(t, func(c *config.Config) { c.BusyReplyThreshold = 50 })
	a := dialTest(t, addr)
	b := dialTest(t, addr)
	for _, loop := range []string{
		"while true do end",
		"repeat until false",
		"for i = 1, math.huge do end",
		"for i = 1, math.huge do local x = i * 2 end",
		"local t = {} while true do t[1] = (t[1] or 0) + 1 end",
		"while true do pcall(function() while true do end end) end",
		"while true do pcall(error, 'x') end",
		"pcall(function() while true do end end) return 'survived'",
		"coroutine.wrap(function() while true do end end)()",
		"local co = coroutine.create(function() while true do end end) coroutine.resume(co) while true do end",
	} {
		a.c.SetDeadline(time.Now().Add(10 * time.Second))
		a.raw("*3\r\n$4\r\nEVAL\r\n$" + strconv.Itoa(len(loop)) + "\r\n" + loop + "\r\n$1\r\n0\r\n")
		waitBusy(t, b)
		start := time.Now()
		if got := b.do("SCRIPT", "KILL"); got != "OK" {
			t.Fatalf("%s: SCRIPT KILL = %q", loop, got)
		}
		got := a.read()
		took := time.Since(start)
		if !strings.HasPrefix(got, "-ERR Script killed by user with SCRIPT KILL...") {
			t.Errorf("%s: killed script replied %q", loop, got)
		}
		// The kill is seen at the hook's next poll, a millisecond at most
		// after SCRIPT KILL is read; the bound leaves room for a loaded machine.
		if took > 500*time.Millisecond {
			t.Errorf("%s: the script ended %v after SCRIPT KILL", loop, took)
		}
		t.Logf("%s: killed in %v", loop, took)
		if got := b.do("PING"); got != "PONG" {
			t.Fatalf("%s: after the kill: %q", loop, got)
		}
	}
}

// A coroutine keeps the busy hook it was created under (as Lua 5.1's
// lua_newthread keeps its parent's hook): one kept in a function library's
// upvalue and resumed by later calls is counted and killable while the hook is
// set, and left alone by a call that runs without it (busy-reply-threshold 0),
// even after a kill.
func TestScriptKeptCoroutineHook(t *testing.T) {
	_, addr := startTestServer(t, func(c *config.Config) { c.BusyReplyThreshold = 50 })
	a := dialTest(t, addr)
	b := dialTest(t, addr)
	lib := "#!lua name=colib\n" +
		"local co\n" +
		"redis.register_function('mk', function() co = coroutine.create(function() while true do coroutine.yield(1) end end) return 1 end)\n" +
		"redis.register_function('spin', function() local co2 = coroutine.wrap(function() while true do end end) co2() end)\n" +
		"redis.register_function('res', function() local n = 0 for i = 1, 100000 do local ok, v = coroutine.resume(co) n = n + v end return n end)\n"
	if got := a.do("FUNCTION", "LOAD", lib); got != "colib" {
		t.Fatalf("FUNCTION LOAD = %q", got)
	}
	if got := a.do("FCALL", "mk", "0"); got != ":1" {
		t.Fatalf("FCALL mk = %q", got)
	}
	a.c.SetDeadline(time.Now().Add(10 * time.Second))
	a.raw("*3\r\n$5\r\nFCALL\r\n$4\r\nspin\r\n$1\r\n0\r\n")
	waitBusy(t, b)
	if got := b.do("FUNCTION", "KILL"); got != "OK" {
		t.Fatalf("FUNCTION KILL = %q", got)
	}
	if got := a.read(); !strings.HasPrefix(got, "-ERR Script killed by user with SCRIPT KILL...") {
		t.Errorf("killed function replied %q", got)
	}
	for _, threshold := range []string{"0", "50"} {
		if got := a.do("CONFIG", "SET", "busy-reply-threshold", threshold); got != "OK" {
			t.Fatalf("CONFIG SET busy-reply-threshold %s = %q", threshold, got)
		}
		if got := a.do("FCALL", "res", "0"); got != ":100000" {
			t.Errorf("threshold %s: FCALL res = %q", threshold, got)
		}
	}
}
