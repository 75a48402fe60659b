package engine

// Lua 5.1 semantics that scripts can observe and that gopher-lua had
// otherwise: `#` on a table with __len
// (internal/third_party/gopher-lua/KEYGRID.md, change 4).

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
