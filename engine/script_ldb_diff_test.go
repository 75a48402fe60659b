package engine

// The Lua debugger against redis-server 7.0.15: the same SCRIPT DEBUG SYNC
// sessions, command by command, must log the same lines (function addresses
// aside). Each case is what redis-cli --ldb-sync-mode sends for a user's input.

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

var ldbDiffCases = []struct {
	name   string
	script string
	cmds   []string // debugger commands, each split on spaces
}{
	{"step-locals-loop", "local a = 1\nlocal t = {1,2,\"x\"}\nfor i=1,2 do\n  redis.call('set','k'..i,a+i)\nend\nredis.debug('hi', a, t)\nredis.breakpoint()\nlocal z = a + 1\nreturn z\n",
		[]string{"step", "step", "print", "step", "print", "step", "step", "trace", "list", "continue", "continue"}},
	{"functions-trace-breakpoints", `local function inner(a)
  local b = a * 2
  redis.debug('inner', b)
  return b
end
local function outer(x)
  local y = inner(x) + 1
  return y
end
local big = string.rep('x', 300)
local res = {}
for i = 1, 3 do
  res[i] = outer(i)
end
redis.call('set', 'big', big)
redis.pcall('nosuchcmd')
redis.pcall('incr', 'big')
return res
`, []string{"b 2", "b 14", "b", "c", "t", "p", "p a", "p x", "p KEYS", "p nosuch", "e a + 1", "e local z = 1",
		"e error('boom')", "e )(", "r set foo bar", "r get foo", "r incr foo", "r get big", "c", "b -2", "b -5", "b 99",
		"b abc", "h", "l 3 1", "w", "m", "b 16", "c", "m 70", "p", "s", "s", "s", "m 0", "p big", "b 0", "c"}},
	// eval compiles as Lua 5.1 (constant folding, its parser's messages).
	{"eval-lua51", "local a = 3\nredis.breakpoint()\nreturn a\n",
		[]string{"c", "e 2^0.5", "e 1/0", "e -1/0", "e 0/0", "e -0", "e 7 % -3", "e -7 % 3", "e 5.5 % 2", "e 2^53 + 1",
			"e a ^ 0.5", "e 10 // 3", "e x = ", "e return return", "e ('a'):rep(3)", "e #KEYS", "e tostring(1e300 * 1e10)",
			"e 0x10 + 1", "e 1e999", "e goto x", "c"}},
	{"control-flow", `local n = 0
repeat
  n = n + 1
until n >= 2
if n == 2 then
  local inif = 5
  n = n + inif
elseif n == 3 then
  n = 0
else
  n = -1
end
do local q = 1; n = n + q end
local s = 0
for _, v in ipairs({10, 20}) do s = s + v end
while true do
  if s > 0 then break end
end
local f = function(z)
  return z + 1 end
n = f(n)
error('failed here')
`, []string{"s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s"}},
	{"abort", "local x = 1\nredis.call('set', 'ab', x)\nreturn x\n", []string{"s", "s", "a"}},
	{"step-error", "redis.call('set', 'str', 'v')\nredis.call('incr', 'str')\nreturn 1\n", []string{"s", "s", "s"}},
}

var ldbPointer = regexp.MustCompile(`@0x[0-9a-f]+`)

// ldbTranscript runs one session and returns every reply, raw, in order.
func ldbTranscript(t *testing.T, addr, script string, cmds []string) []string {
	t.Helper()
	c, err := testutil.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetTimeout(20 * time.Second)
	var out []string
	do := func(args ...string) string {
		raw, err := c.Do(args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		r := ldbPointer.ReplaceAllString(string(raw), "@PTR")
		out = append(out, r)
		return r
	}
	do("FLUSHALL")
	do("SCRIPT", "DEBUG", "SYNC")
	r := do("EVAL", script, "0")
	for _, cmd := range cmds {
		if strings.Contains(r, "<endsession>") {
			break
		}
		r = do(strings.Fields(cmd)...)
	}
	if !strings.Contains(r, "<endsession>") {
		t.Fatalf("the session did not end; last reply %q", r)
	}
	raw, err := c.ReadReply()
	if err != nil {
		t.Fatalf("EVAL reply: %v", err)
	}
	out = append(out, string(raw))
	return out
}

func TestScriptDebugDiffRedis(t *testing.T) {
	redis := testutil.StartRedis(t)
	_, kaddr := startTestServer(t, nil)
	for _, tc := range ldbDiffCases {
		t.Run(tc.name, func(t *testing.T) {
			want := ldbTranscript(t, redis.Addr(), tc.script, tc.cmds)
			got := ldbTranscript(t, kaddr, tc.script, tc.cmds)
			for i := 0; i < len(want) || i < len(got); i++ {
				var w, g string
				if i < len(want) {
					w = want[i]
				}
				if i < len(got) {
					g = got[i]
				}
				if w != g {
					t.Errorf("reply %d:\n redis   %q\n keygrid %q", i, w, g)
				}
			}
		})
	}
}
