package lualib

// Differential cases for the bit library: 32-bit wrap-around of doubles,
// rounding of fractions (BitOp rounds to nearest even), huge and special
// values, shift counts modulo 32, tohex widths, argument errors.
var bitCases = func() []diffCase {
	cs := []diffCase{
		`return bit.tobit(0), bit.tobit(1), bit.tobit(-1)`,
		`return bit.tobit(0xffffffff), bit.tobit(0x100000000), bit.tobit(0x80000000)`,
		`return bit.tobit(2^31), bit.tobit(-2^31), bit.tobit(2^31 - 1), bit.tobit(-2^31 - 1)`,
		`return bit.tobit(2^32 + 5), bit.tobit(-2^32 - 5), bit.tobit(2^52), bit.tobit(2^53 + 2)`,
		`return bit.tobit(0.5), bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-0.5), bit.tobit(-1.5)`,
		`return bit.tobit(0.4999999), bit.tobit(3.7), bit.tobit(-3.7)`,
		`return bit.tobit(1e20), bit.tobit(-1e20), bit.tobit(1e300), bit.tobit(2^63)`,
		`return bit.tobit(1/0), bit.tobit(-1/0), bit.tobit(0/0)`,
		`return bit.tobit(-tonumber('0'))`,
		`return bit.tobit("10"), bit.tobit("0x10"), bit.tobit("  7  "), bit.tobit("1e3")`,
		`return bit.tobit("abc")`,
		`return bit.tobit("")`,
		`return bit.tobit()`,
		`return bit.tobit(nil)`,
		`return bit.tobit({})`,
		`return bit.tobit(true)`,
		`return bit.bnot(0), bit.bnot(-1), bit.bnot(0x12345678), bit.bnot(2^32)`,
		`return bit.band(0xff, 0x0f), bit.band(-1, 0x7fffffff), bit.band(1), bit.band(7, 6, 5)`,
		`return bit.bor(1, 2, 4, 8), bit.bor(0x80000000, 0), bit.bor(-1)`,
		`return bit.bxor(0xff, 0x0f), bit.bxor(1, 1), bit.bxor(5, 3, 1), bit.bxor(-1, 0x0f0f0f0f)`,
		`return bit.band()`,
		`return bit.band(1, "x")`,
		`return bit.bor(1, 2, nil)`,
		`return bit.bxor("3", "5")`,
		`return bit.lshift(1, 0), bit.lshift(1, 31), bit.lshift(1, 32), bit.lshift(1, 33), bit.lshift(1, -1)`,
		`return bit.rshift(-1, 0), bit.rshift(-1, 1), bit.rshift(-1, 31), bit.rshift(-1, 32), bit.rshift(0x80000000, 4)`,
		`return bit.arshift(-1, 4), bit.arshift(-256, 4), bit.arshift(0x7fffffff, 31), bit.arshift(0x80000000, 31), bit.arshift(-8, 2)`,
		`return bit.rol(0x12345678, 0), bit.rol(0x12345678, 4), bit.rol(0x12345678, 32), bit.rol(0x80000001, 1), bit.rol(1, -1)`,
		`return bit.ror(0x12345678, 0), bit.ror(0x12345678, 4), bit.ror(0x12345678, 36), bit.ror(1, 1), bit.ror(1, -1)`,
		`return bit.lshift(1.7, 2.5), bit.rshift(256, 3.5)`,
		`return bit.lshift(1)`,
		`return bit.rol()`,
		`return bit.bswap(0x12345678), bit.bswap(0x000000ff), bit.bswap(-1), bit.bswap(0x80)`,
		`return bit.tohex(0), bit.tohex(255), bit.tohex(-1), bit.tohex(0x12345678)`,
		`return bit.tohex(255, 2), bit.tohex(255, 4), bit.tohex(255, -2), bit.tohex(0xabcdef, -6)`,
		`return bit.tohex(255, 0), bit.tohex(255, 9), bit.tohex(255, 100), bit.tohex(255, -100)`,
		`return bit.tohex(0x12345678, 1), bit.tohex(-1, -8), bit.tohex(2^32 + 0xab)`,
		`return bit.tohex(1, nil)`,
		`return bit.tohex(1, "3")`,
		`return bit.tohex("ff")`,
		`return bit.tohex()`,
		`local f = bit.band; return f("x")`,
		`return pcall(bit.band, {})`,
		`return type(bit), type(bit.tobit), type(bit.tohex)`,
		`return bit.tohex(0xabc, -2^31), bit.tohex(0xabc, 2^31), bit.tohex(0xabc, -2^31 + 1)`,
	}
	// A sweep of values through every operation.
	vals := []string{"0", "1", "-1", "2^31", "2^32-1", "-2^31-1", "12345.678", "-98765.4321", "2^40+3", "0xdeadbeef", "1e15", "-1e15"}
	for _, v := range vals {
		cs = append(cs,
			"local x = "+v+"; return bit.tobit(x), bit.bnot(x), bit.bswap(x), bit.tohex(x), bit.tohex(x, -5)",
			"local x = "+v+"; return bit.band(x, 0xf0f0f0f0), bit.bor(x, 0x0f), bit.bxor(x, -1), bit.band(x, x, -1)",
			"local x = "+v+"; return bit.lshift(x, 3), bit.rshift(x, 3), bit.arshift(x, 3), bit.rol(x, 7), bit.ror(x, 7)",
			"local x = "+v+"; return bit.lshift(1, x), bit.rshift(-1, x), bit.rol(0x1234, x), bit.ror(0x1234, x)",
		)
	}
	return cs
}()
