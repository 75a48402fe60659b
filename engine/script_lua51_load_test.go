package engine

// load(f) as Lua 5.1 runs it in Redis: lua_load reads the pieces in protected
// mode, so an error in the reader, or a piece that is not a string, is returned
// as nil and the error after the error handler in force has seen it (Redis's
// error table at top level, the message under pcall or in a coroutine, the
// xpcall handler's result under xpcall). Compared with redis-server 7.0.15.

import "testing"

func TestScriptLoadReaderDiffRedis(t *testing.T) {
	scripts := []string{
		"local a, b = load(function() return {} end) return {tostring(a), b}",
		"local a, b = load(function() return {} end) return b",
		"local a, b = load(function() return {} end, '=x') return {tostring(a), b}",
		"local n = 0 local a, b = load(function() n = n + 1 if n == 1 then return 'return 1' end return true end) return {tostring(a), b}",
		"local a, b = load(function() error('boom') end) return {tostring(a), b}",
		"local a, b = load(function() error('boom', 0) end) return {tostring(a), b}",
		"local a, b = load(function() error('boom', 2) end) return {tostring(a), b}",
		"local a, b = load(function() local x = nil; return x.y end) return {tostring(a), b}",
		"local a, b = load(function() error({}) end) return {tostring(a), type(b)}",
		"local a, b = load(function() error({err = 'mine'}) end) return {tostring(a), b.err, b.source, b.line}",
		"local a, b = load(function()\nerror('x') end) return {b.err, b.source, b.line}",
		"local a, b = load(function()\nlocal t = nil\nreturn t.x end) return {b.err, b.source, b.line}",
		"local a, b = load(function()\nreturn {} end) return {b.err, b.source, b.line}",
		"local a, b = load(function() return redis.call('nosuch') end) return {tostring(a), b.err}",
		"return {pcall(load, function() return {} end)}",
		"return {pcall(function() local a, b = load(function() return {} end) return tostring(a), b end)}",
		"return {pcall(function() local a, b = load(function() local t = nil return t.x end) return tostring(a), b end)}",
		"return {xpcall(function() local a, b = load(function() return {} end) return tostring(a), b end, function(e) return 'H' end)}",
		"return {xpcall(function() local a, b = load(function() error('x') end) return tostring(a), b end, function(e) return 'H:' .. e end)}",
		"return {xpcall(function() local a, b = load(function() local t = nil return t.x end) return tostring(a), b end, function(e) return 'H:' .. e end)}",
		"return {xpcall(function() return pcall(function() local a, b = load(function() error('y') end) return tostring(a), b end) end, function(e) return 'H' end)}",
		"return {coroutine.resume(coroutine.create(function() local a, b = load(function() return {} end) return tostring(a), b end))}",
		"local n = 0 local f = load(function() n = n + 1 if n == 1 then return 5 end end) return tostring(f)",
		"local n = 0 local f, e = load(function() n = n + 1 if n == 1 then return 'return 1.5' end end) return {f(), tostring(e)}",
		"local x = 1 local f = function() return x end local a = load(function() x = 2 error('e') end) x = 3 return f()",
		"return load()", "return load(5)", "return load(function() end, {})",
	}
	evalDiffRedis(t, scripts)
}
