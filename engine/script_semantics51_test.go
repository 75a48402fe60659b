package engine

// Lua 5.1 semantics that scripts can observe and that gopher-lua had
// otherwise: `#` on a table with __len, coroutines resumed while normal or
// after a tail-called yield, resume values adjusted to the yield's results
// (internal/third_party/gopher-lua/KEYGRID.md, changes 4 and 5), the
// library's own words and positions, and string.find/match/gmatch
// (engine/script_strpat51.go).

import "testing"

// TestScriptLenIgnoresMetamethodDiffRedis: Lua 5.1's `#` takes a table's
// length with luaH_getn and never calls __len (KEYGRID.md, change 4).
func TestScriptLenIgnoresMetamethodDiffRedis(t *testing.T) {
	evalDiffRedis(t, []string{
		`local mt = {__len = function(a) return 99 end} local a = setmetatable({}, mt) return #a`,
		`return #setmetatable({1, 2}, {__len = function() return 7 end})`,
		`local t = setmetatable({1, 2, 3}, {__len = function() error('called') end}) return #t`,
		`local t = setmetatable({}, {__index = function(t, k) return 5 end}) return #t`,
		`local t = setmetatable({1}, {__len = function() return 'x' end}) local n = 0 for i = 1, #t do n = n + 1 end return n`,
		`return {pcall(function() return #nil end)}`,
		`return #'abc'`,
	})
}

// TestScriptCoroutineResumeDiffRedis: a coroutine that is running, normal
// (it resumed the one calling resume, directly or not) or dead is not
// resumed, with Lua 5.1's words; resuming a normal one crashed keygrid (Go
// stack overflow). The values a resume passes are adjusted to what the yield
// call wants, and `return coroutine.yield(...)` ends the coroutine with the
// next resume's values (KEYGRID.md, change 5).
func TestScriptCoroutineResumeDiffRedis(t *testing.T) {
	evalDiffRedis(t, []string{
		`local co = coroutine.create(function() end) coroutine.resume(co) return {coroutine.resume(co)}`,
		`local co = coroutine.wrap(function() end) co() co() return 1`,
		`local co co = coroutine.create(function() return coroutine.resume(co) end) return {coroutine.resume(co)}`,
		`local a, b a = coroutine.create(function() return coroutine.resume(b) end) b = coroutine.create(function() return coroutine.resume(a) end) local r = {coroutine.resume(a)} return {tostring(r[1]), tostring(r[2]), tostring(r[3])}`,
		`local a, b, c a = coroutine.create(function() return coroutine.resume(b) end) b = coroutine.create(function() return coroutine.resume(c) end) c = coroutine.create(function() return coroutine.resume(a) end) local r = {coroutine.resume(a)} return {tostring(r[1]), tostring(r[2]), tostring(r[3])}`,
		`local a, b a = coroutine.create(function() return coroutine.resume(b) end) b = coroutine.wrap(function() return coroutine.resume(a) end) local r = {coroutine.resume(a)} return {tostring(r[1]), tostring(r[2]), tostring(r[3])}`,
		`local a, b a = coroutine.create(function() return coroutine.resume(b) end) b = coroutine.create(function() return coroutine.status(a) end) local r = {coroutine.resume(a)} return {tostring(r[1]), tostring(r[2]), tostring(r[3])}`,
		`local a, b, c a = coroutine.create(function() return coroutine.resume(b) end) b = coroutine.create(function() return coroutine.resume(c) end) c = coroutine.create(function() return coroutine.status(a) .. coroutine.status(b) end) local r = {coroutine.resume(a)} return {tostring(r[1]), tostring(r[2]), tostring(r[3]), tostring(r[4])}`,
		`local co co = coroutine.create(function() return coroutine.status(co) end) return {coroutine.resume(co)}`,
		`local co = coroutine.create(function() local x = coroutine.yield() return type(x) end) coroutine.resume(co) return {coroutine.resume(co)}`,
		`local co = coroutine.create(function() local x = coroutine.yield() return tostring(x) end) coroutine.resume(co) return {coroutine.resume(co)}`,
		`local co = coroutine.create(function() local x, y = coroutine.yield() return {x, y} end) coroutine.resume(co) local ok, t = coroutine.resume(co, 1) return #t`,
		`local co = coroutine.create(function() local a = 5 local x = coroutine.yield() return a, x end) coroutine.resume(co) return {coroutine.resume(co)}`,
		`local co = coroutine.create(function() local x = coroutine.yield() return select('#', x) end) coroutine.resume(co) return {coroutine.resume(co)}`,
		`local co = coroutine.create(function() return select('#', coroutine.yield()) end) coroutine.resume(co) return {coroutine.resume(co, 1, 2)}`,
		`local co = coroutine.create(function() local t = {coroutine.yield()} return #t end) coroutine.resume(co) return {coroutine.resume(co, 1, 2, 3)}`,
		`local co = coroutine.wrap(function() local a, b, c = coroutine.yield(1) return {a or 'n', b or 'n', c or 'n'} end) co() return co(4, 5)`,
		`local co = coroutine.wrap(function() local a = coroutine.yield(1) local b = a return {b or 'n', type(a)} end) co() return co(4, 5, 6)`,
		`local co = coroutine.create(function() local t = {} for i = 1, 3 do t[#t + 1] = (coroutine.yield(i)) end return #t end) coroutine.resume(co) coroutine.resume(co) coroutine.resume(co, 1, 2) return {coroutine.resume(co)}`,
		`local co = coroutine.create(function() local function f() return coroutine.yield() end local a, b = f() return {a or 'n', b or 'n'} end) coroutine.resume(co) local ok, t = coroutine.resume(co, 7) return t`,
		`local co = coroutine.create(function() return coroutine.yield() end) coroutine.resume(co) return {coroutine.resume(co, 1, 2)}`,
		`local co = coroutine.create(function() return coroutine.yield() end) coroutine.resume(co) return {coroutine.resume(co)}`,
		`local co = coroutine.create(function() return coroutine.yield(5) end) local r = {coroutine.resume(co)} r[#r+1] = coroutine.status(co) local r2 = {coroutine.resume(co, 1, 2)} r[#r+1] = coroutine.status(co) r[#r+1] = #r2 r[#r+1] = r2[3] r[#r+1] = select(2, coroutine.resume(co)) return r`,
		`local co = coroutine.wrap(function(a) return coroutine.yield(a + 1) end) return {co(1), co(7, 8)}`,
	})
}

// TestScriptCoroutineErrorsDiffRedis: a runtime error that ends a coroutine
// is worded as Lua 5.1 words it, the variable named (it reached no pcall
// handler, so it kept gopher-lua's words); a wrapped coroutine's error gets
// the position of the wrapper's caller in front (Lua 5.1's auxwrap), none
// when pcall called the wrapper, and a number error becomes a string
// (KEYGRID.md in internal/third_party/gopher-lua, change 11).
func TestScriptCoroutineErrorsDiffRedis(t *testing.T) {
	evalDiffRedis(t, []string{
		`local co = coroutine.create(function() local x x = x + 1 end) return {coroutine.resume(co)}`,
		`local co = coroutine.create(function() local x = {} x = x.y.z end) return {coroutine.resume(co)}`,
		`local co = coroutine.create(function() local x x = x .. 'a' end) return {coroutine.resume(co)}`,
		`local co = coroutine.create(function() local t = {} coroutine.yield(1) t.f() end) coroutine.resume(co) return {coroutine.resume(co)}`,
		`local co = coroutine.create(function() local t = {} return t:nope() end) return {coroutine.resume(co)}`,
		`local co = coroutine.create(function() return zz end) return {coroutine.resume(co)}`,
		`local co = coroutine.create(function() return string.rep() end) return {coroutine.resume(co)}`,
		`local co = coroutine.wrap(function() end) co() return {pcall(co)}`,
		`local co = coroutine.wrap(function() end) co() return {pcall(function() return co() end)}`,
		`local co co = coroutine.wrap(function() co() end) return {pcall(co)}`,
		`local co = coroutine.wrap(function() error('x') end) return {pcall(co)}`,
		`local co = coroutine.wrap(function() error('x') end) return {pcall(function() co() end)}`,
		"local co = coroutine.wrap(function() error('x') end)\nco()",
		`local co = coroutine.wrap(function() error('x', 0) end) co()`,
		`local co = coroutine.wrap(function() error(5, 0) end) return {pcall(co)}`,
		`local co = coroutine.wrap(function() error(0.1, 0) end) return {pcall(co)}`,
		`local co = coroutine.wrap(function() error(2^63, 0) end) return {pcall(function() co() end)}`,
		`local co = coroutine.wrap(function() local x x = x + 1 end) return {pcall(co)}`,
		`local co = coroutine.wrap(function() local x x = x.y end) return {pcall(function() co() end)}`,
		`local co = coroutine.wrap(function() local x x = x + 1 end) co()`,
		`local co = coroutine.create(function() return coroutine.wrap(function() local u u.x = 1 end)() end) return {coroutine.resume(co)}`,
		`local co = coroutine.wrap(function() local ok, e = pcall(coroutine.wrap(function() error('in') end)) return e end) return {pcall(co)}`,
	})
}

// TestScriptLocalScopeNamesDiffRedis: an error names a local as Lua 5.1
// does over the local's whole scope: the last instruction of a block, a
// local of a block after another block reused its register, a for loop's
// body variables, and its hidden locals only from the loop's start (the
// explist's call names the function) to its TFORLOOP (which calls the
// generator) (KEYGRID.md in internal/third_party/gopher-lua, change 12).
func TestScriptLocalScopeNamesDiffRedis(t *testing.T) {
	evalDiffRedis(t, []string{
		`do local x x.y = 1 end`,
		`do local x local z = x.y end`,
		`if true then local x x.y = 1 end`,
		`do local a end do local b b.y = 1 end`,
		`do local a end do local b local c = b.y end`,
		`for i = 1, 2 do local x x.y = 1 end`,
		`for i = 1, 2 do i.x = 1 end`,
		`local t = {} for i = 1, 2 do local a = t[i] local b = a.x end`,
		`for k, v in pairs({1}) do local z z.q = 1 end`,
		`for k, v in pairs({1}) do v.q = 1 end`,
		`for k, v in pairs({1}) do k.q = 1 end`,
		`for k in pairs(nil) do end`,
		`for k in ipairs(nil) do end`,
		`local function g() for k in pairs(nil) do end end g()`,
		`local x for i = x.y, 2 do end`,
		`for k, v in next, nil do end`,
		`local t = {} for k in t.nope() do end`,
		`local t = {a = {}} for k in t.a.nope(), 1 do end`,
		`local r = {} local function it(s, c) if c < 3 then return c + 1, s end end for a, b in it, 'x', 0 do r[#r+1] = a .. b end return r`,
		`repeat local x until x.y`,
		`while true do local x x.y = 1 end`,
	})
}

// TestScriptGlobalsIndexDiffRedis: the globals' __index is Redis's
// luaProtectedTableError, its checks and its luaL_error (the caller's
// position, none from a Go function), a number key as "%.14g"; an error a Go
// function called by a Go function raised is reported "on =[C]:-1".
func TestScriptGlobalsIndexDiffRedis(t *testing.T) {
	evalDiffRedis(t, []string{
		`return {pcall(getmetatable(_G).__index)}`,
		`return {pcall(getmetatable(_G).__index, _G, {})}`,
		`return {pcall(getmetatable(_G).__index, _G, 'a', 'b')}`,
		`return {pcall(getmetatable(_G).__index, _G, 'y')}`,
		`local f = getmetatable(_G).__index return f(_G, 'y')`,
		`return _G[true]`,
		`return _G[2^63]`,
		`return _G[1.5]`,
		`return {pcall(string.gsub, 'x', '%w+', _G)}`,
		`return string.gsub('x', '%w+', _G)`,
		`return {pcall(string.gsub, 'x', '%w+', setmetatable({}, {__index = _G}))}`,
		`return string.gsub('x', '%w+', string.rep)`,
		`table.foreach({1}, error)`,
		`return table.foreach({1}, getmetatable(_G).__index)`,
		`return table.foreach({1}, __redis__err__handler)`,
	})
}

// TestScriptProtectedMetatableDiffRedis: setmetatable's luaL_error takes
// its caller's position, none from pcall.
func TestScriptProtectedMetatableDiffRedis(t *testing.T) {
	evalDiffRedis(t, []string{
		`local t = setmetatable({}, {__metatable = 'x'}) setmetatable(t, {}) return 1`,
		`local mt = {__metatable = 'locked'} local a = setmetatable({}, mt) return {pcall(setmetatable, a, {})}`,
		`local t = setmetatable({}, {__metatable = false}) return {pcall(setmetatable, t, {})}`,
	})
}

// TestScriptStringFindGmatchDiffRedis: string.gmatch returned a nil
// iterator (keygrid's wrapper called gopher-lua's gmatch without the upvalue
// holding its iterator), and reads a leading '^' as itself as Lua 5.1 does;
// string.find and string.match match at the end from an init past it, find
// matches an empty pattern at init, and its plain flag is read whatever the
// number of arguments.
func TestScriptStringFindGmatchDiffRedis(t *testing.T) {
	evalDiffRedis(t, []string{
		`local r = {} for k, v in string.gmatch('a=1, b=2', '(%w+)=(%w+)') do r[#r+1] = k .. v end return r`,
		`local r = {} for w in string.gmatch('one two', '%a+') do r[#r+1] = w end return r`,
		`local r = {} for w in string.gmatch('abc', '') do r[#r+1] = 'x' end return #r`,
		`local r = {} for w in string.gmatch('abc', '^a') do r[#r+1] = w end return r`,
		`local r = {} for w in string.gmatch('^a^a', '^a') do r[#r+1] = w end return r`,
		`local r = {} for p, w in ('k1 k2'):gmatch('()(%w+)') do r[#r+1] = p r[#r+1] = w end return r`,
		`local r = {} for w in string.gmatch(12345, '%d%d') do r[#r+1] = w end return r`,
		`local it = string.gmatch('ab', '.') return {it(), it(), tostring(it())}`,
		`return {pcall(string.gmatch)}`,
		`local r = {} for a, b in string.gmatch('x=1;y=2', '(%a)=(%d)') do r[#r+1] = a r[#r+1] = tonumber(b) end return r`,
		`local r = {} for w in string.gmatch('a,b,,c', '([^,]*)') do r[#r+1] = '<' .. w .. '>' end return r`,
		`local s = 0 for n in ('1 2 3'):gmatch('%d+') do s = s + n end return s`,
		`return {string.find('abc', '', 2)}`,
		`return {string.find('abc', '', 10)}`,
		`return {string.find('abc', '', -1)}`,
		`return {string.find('abc', 'x*', 10)}`,
		`return {string.find('abc', '$', 10)}`,
		`return {string.find('abc', 'c', 10)}`,
		`return {string.find('abc', '', 4)}`,
		`return {string.find('', '')}`,
		`return {string.find('', '', 2)}`,
		`return {string.match('abc', '', 10)}`,
		`return {string.match('abc', '()', 10)}`,
		`return {string.find('abc', 'b', 1, true, 1)}`,
		`return {string.find('a.c', '.', 1, 1)}`,
		`return {string.find('a.c', '.', 1, false)}`,
		`return {string.find('a.c', '.', 1, nil)}`,
	})
}
