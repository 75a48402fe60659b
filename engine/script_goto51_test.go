package engine

// "goto" is a name in Lua 5.1: every script below runs, or fails, as in
// redis-server 7.0.15 (script_goto51.go).

import "testing"

func TestScriptGotoNameDiffRedis(t *testing.T) {
	scripts := []string{
		"local goto = 1 return goto",
		"local goto = 1 goto = goto + 1 return goto",
		"local t = {goto=1} return t.goto",
		"local t = {} t.goto = 5 return t['goto']",
		"local t = {['goto']=6} return t.goto",
		"local function f(goto) return goto * 2 end return f(21)",
		"local function f(a, goto, ...) return goto end return f(1, 2, 3)",
		"return goto",
		"goto = 1 return 1",
		"return goto.x",
		"return goto()",
		"local t = {} function t:goto(x) return x + self.n end t.n = 1 return t:goto(3)",
		"local t = {} function t.goto(x) return x end return t.goto(4)",
		"local t = {} return t:goto(3)",
		"local t = {} return t.goto(3)",
		"local t = {} return t.goto.x",
		"local goto return goto.x",
		"local goto = 7 local f = function() return goto end return f()",
		"local goto = nil goto()",
		"local goto = 1 local function f() return goto.x end return f()",
		"local goto = 1 local function f() return goto() end return f()",
		"local goto return #goto",
		"local goto return goto .. 'x'",
		"local goto = {} return goto + 1",
		"local goto = {} return 1 < goto",
		"local goto_0_ = 5 local goto = 1 return {goto, goto_0_}",
		"local s = 'goto_0_' local goto = 1 return {s, goto}",
		"local s = '\\103oto_0_' local t = {goto=1} return {s, t.goto, t[s] or 'none'}",
		"local s = [[goto_0_ goto_1_]] local goto = 2 return {s, goto}",
		"-- goto_0_\nlocal goto = 3 return goto",
		"goto continue",
		"goto = ",
		"::a::",
		"local goto goto = 1",
		"return loadstring('local goto = 3 return goto')()",
		"return loadstring('return goto')",
		"return {pcall(loadstring('return goto'))}",
		"local t = {goto=1} for k in pairs(t) do return k end",
		"return cjson.encode({goto=1})",
		"local goto = {} goto.x = 1 return goto.x",
		"local goto = {x={}} goto.x.goto = 2 return goto.x.goto",
		"local goto = string.rep return goto('a', 3)",
		"local goto = string.rep return goto()",
		"local t = {goto=string.rep} return t.goto()",
		"local t = {goto=string.rep} return t:goto()",
		"for goto = 1, 3 do if goto == 2 then return goto end end",
		"for goto, v in pairs({5}) do return goto + v end",
		"local goto = 1 local gotoo = 2 local _goto = 3 return {goto, gotoo, _goto}",
		"return redis.call('set', 'goto', 1)",
		"local a = {goto = 1, goto2 = 2} return a.goto + a.goto2",
		"return (function(...) local goto = select('#', ...) return goto end)(1, 2)",
		"local goto = error goto('boom')",
		"local goto = 1 return {xpcall(function() return goto.x end, function(e) return e end)}",
		"return {pcall(function() local goto; goto.y = 1 end)}",
	}
	evalDiffRedis(t, scripts)
}

func TestFunctionGotoNameDiffRedis(t *testing.T) {
	lib := "#!lua name=golib\n" +
		"local goto = {n = 0}\n" +
		"function goto.inc(keys, args) goto.n = goto.n + 1 return goto.n end\n" +
		"redis.register_function('goto', goto.inc)\n" +
		"redis.register_function('bad', function() local t return t.goto end)\n"
	cmdDiffRedis(t, [][]string{
		{"FUNCTION", "LOAD", lib},
		{"FCALL", "goto", "0"},
		{"FCALL", "goto", "0"},
		{"FCALL", "bad", "0"},
		{"FUNCTION", "LOAD", "#!lua name=g2\nlocal goto = \nredis.register_function('x', function() end)"},
	})
}
