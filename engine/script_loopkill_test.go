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
