package engine

// Runtime errors inside expressions that span lines are reported on the line
// Lua 5.1 gives the failing instruction (a call: the line of its arguments'
// opening token), as redis-server 7.0.15 reports them.

import "testing"

func TestScriptMultilineErrorLineDiffRedis(t *testing.T) {
	scripts := []string{
		"local f\nreturn {f\n(1)}", "local t = {}\nreturn {t.x\n(1)}", "local f\nreturn {f\n\n(1), 2}",
		"local f\nreturn f\n{1}", "local f\nreturn f\n'x'", "local f\nreturn f\n[[x]]",
		"local t = {}\nreturn t\n:m()", "local t = {}\nreturn t:m\n(1)", "local t = {}\nreturn t:m\n{1}",
		"local t\nreturn t\n.x", "local t\nreturn t\n\n.x\n.y", "local a\nreturn 1 +\na", "local a\nreturn a\n+ 1",
		"local a = {}\nreturn a\n..'x'", "local a = {}\nreturn 'x' ..\na", "local a\nreturn #\na", "local a\nreturn -\na",
		"local a = {}\nlocal b = a <\n1\nreturn b", "local f\nf(\n1,\n2\n)", "local f\nlocal x = f(1,\n2)",
		"local t = {}\nt.a.b\n= 1", "local t\nt\n.x = 1", "local t\nt[\n1\n] = 2", "local x = {\n1,\n2,\nnil + 1\n}",
		"local f\nreturn (f)\n{1}", "local s = 'x'\nreturn s:bad\n()", "local s = 'x'\nreturn s\n:bad()",
		"return string.rep(\n)", "return string.rep\n'x'", "return {string.rep\n('x')}", "return {string.rep\n\n('x')}",
		"for i = 1, 2,\n{} do end", "for i = {},\n2 do end", "local t = {}\nfor k, v in\nt do end",
		"if nil <\n1 then end", "while {} >\n1 do end", "local a\nlocal b = a\n.b\n.c", "local x = nil\nlocal y = {x\n.y}",
		"error(\n'x'\n)", "error\n'x'", "local f = function()\nerror('e', 2)\nend\nf(\n)", "redis.call(\n'nosuch'\n)",
		"return redis.call('incr',\n'k', 'extra')",
		"local t = setmetatable({}, {__index = function() error('idx') end})\nreturn t\n.x",
		"local f\nlocal g = function() end\nreturn g(f\n(1))", "local f\nreturn {1, {f\n(2)}}",
		"local t = {}\nreturn {t.a\n.b}", "local t = {a = {}}\nreturn {t.a\n.b\n(1)}",
		"local function f()\nlocal g\nreturn {g\n(1)}\nend\nreturn f()", "local f\nreturn {x = f\n(1)}",
		"local f\nreturn {[1] = f\n(1)}", "local f\nreturn {f\n'str'}", "local f\nreturn {f\n{}}",
		"local t = {}\nreturn {t\n:m(1)}", "local t = {}\nreturn {t:m\n(1)}",
		"local a = 'x'\nreturn a\n+\n1", "local a = {}\nreturn 1 ..\n2 ..\na", "local a\nreturn (\na\n)()",
		"local a = {}\nreturn a.b.c\n.d", "local t = {}\nt.x\n.y = 1", "local a, b\na, b.c = 1,\n2",
		"local a\nreturn a and\na.b", "local a\nreturn not\na.b",
	}
	evalDiffRedis(t, scripts)
}
