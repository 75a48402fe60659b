package engine

// Numbers as Lua 5.1 prints them in Redis on x86-64 glibc: 0/0 is "-nan"
// (the default NaN has its sign bit set), -(0/0) "nan", -0 "-0", "%.14g"
// everywhere a number becomes a string (tostring, "..", library arguments),
// and the integer reply of a NaN.

import "testing"

func TestScriptNaNDiffRedis(t *testing.T) {
	scripts := []string{
		"return tostring(0/0)", "return tostring(-(0/0))", "return tostring(-0)",
		"return tostring(tonumber('-0'))", "return tostring(tonumber(' -0 '))",
		"return tostring(math.huge - math.huge)", "return 0/0", "return {0/0, -(0/0)}",
		"return (0/0) .. ''", "return -(0/0) .. 'x'", "return 1/3 .. ''", "return 2^53 .. ''",
		"return -0 .. ''", "local z = 0 return -z .. ''", "return 1e15 .. ''", "return 1e100 .. '|' .. 1/0 .. -1/0",
		"return 'a' .. 1 .. 'b' .. 2.5 .. 'c'", "return 10 .. 20", "local x = 0.1 return x .. x",
		"return string.format('%s %s', 0/0, -(0/0))", "return string.format('%d', 0/0)",
		"return string.format('%f %g %e', 0/0, -(0/0), 1/0)", "return string.format('%5.1f|%-6g|', 0/0, -(0/0))",
		"return tostring(math.sqrt(-1))", "return tostring(math.log(-1))", "return tostring(math.log10(-1))",
		"return tostring(math.acos(2))", "return tostring(math.asin(2))", "return tostring(math.fmod(1, 0))",
		"return tostring(math.huge * 0)", "return tostring(tonumber('nan'))", "return tostring(tonumber('inf'))",
		"return tostring(tonumber('-nan'))", "return tostring(math.floor(0/0))", "return tostring(math.ceil(-(0/0)))",
		"return tostring(math.max(0/0, 1))", "return tostring(math.min(1, 0/0))", "return tostring(math.abs(0/0))",
		"return tostring(math.pow(-1, 0.5))", "return tostring((-1)^0.5)", "return tostring(math.fmod(0/0, 1))",
		"return tostring(math.modf(0/0))", "return {tostring(math.modf(1/0)), tostring(select(2, math.modf(-1/0)))}",
		"local z = 0 return {tostring(1 % z), tostring(-1 % z), tostring(z/z % 1), tostring(5 % (1/z)), tostring(-5 % (1/z))}",
		"local z, x = 0, 2^60 return {tostring(x % 3), tostring(-x % 3), tostring((1/z) % 2), tostring(-7 % 3), tostring(7 % -3), tostring(5.5 % 2)}",
		"return {math.mod(-7, 3), math.fmod(-7, 3), tostring(math.fmod(1, 1/0)), tostring(math.fmod(1/0, 1))}",
		"local t = {} return rawset(t, nil, 1)", "return {math.modf(-0.5)}", "return tostring(select(2, math.modf(-0.5)))",
		"return tostring(math.frexp(0/0))", "return tostring(math.ldexp(0/0, 1))", "return tostring(0/-1)", "return tostring(-0.0)",
		"return cjson.encode({0/0})", "return cjson.encode(-(0/0))",
		"local z = 0 return table.concat({1/3, 0/0, -z, 1e15}, ',')", "return string.rep(1/3, 2)", "return string.len(1/3)",
		"return string.len(0/0)", "return (1/3):rep(1)", "return string.upper(0/0)", "return string.sub(2^53, 1)",
		"return {string.find(1/3, '3', 1, true)}", "return string.gsub(1/3, '3', 'x')", "return #tostring(1/3)",
		"redis.call('set', 'nan', 0/0) return redis.call('get', 'nan')",
		"redis.call('set', 'nan', -(0/0)) return redis.call('get', 'nan')",
		"redis.call('set', 'nz', -0) return redis.call('get', 'nz')",
		"redis.call('set', 'third', 1/3) return redis.call('get', 'third')",
		"local t = {} t[0/0] = 1", "local t = {} return rawset(t, 0/0, 1)", "return {tostring(0/0) == tostring(0/0), 0/0 == 0/0}",
		"return {math.huge, -math.huge}", "return tostring(1e300 * 1e10)", "return string.format('%.3f', -0)",
		"return string.format('%d', -0)", "return tostring(-0) == tostring(0)",
		"return tostring(tonumber('0x10'))", "return tostring(tonumber('1e1'))", "return tostring(tonumber('  5  '))",
		"return tostring(tonumber('5x'))", "return tostring(tonumber(''))", "return tostring(tonumber('0x'))",
		"return tostring(tonumber('1e'))", "return tostring(tonumber('.5'))", "return tostring(tonumber('5.'))",
		"return tostring(tonumber('10', 16))", "return tostring(tonumber('ff', 16))", "return tostring(tonumber('zz', 36))",
		"return tostring(tonumber('8', 8))", "return tostring(tonumber(' 11 ', 2))", "return tostring(tonumber('-11', 2))",
		"return '10' + 1", "return tostring('0x10' + 0)", "return tostring(' 1e1 ' * 1)", "return tostring('inf' + 0)",
		"return tostring('nan' + 0)", "return '1' < 2",
	}
	evalDiffRedis(t, scripts)
}
