package lualib

// The "bit" library: Lua BitOp 1.0.2 (Mike Pall) as bundled with Redis
// (deps/lua/src/lua_bit.c). All operations work on 32-bit integers and
// return signed 32-bit results as Lua numbers.

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// OpenBit registers the global table "bit".
func OpenBit(L *lua.LState) {
	L.SetGlobal("bit", newLib(L, map[string]lua.LGFunction{
		"tobit":   bitToBit,
		"bnot":    bitBnot,
		"band":    bitBand,
		"bor":     bitBor,
		"bxor":    bitBxor,
		"lshift":  bitLshift,
		"rshift":  bitRshift,
		"arshift": bitArshift,
		"rol":     bitRol,
		"ror":     bitRor,
		"bswap":   bitBswap,
		"tohex":   bitTohex,
	}))
}

// bitArg converts argument n to 32 bits the way BitOp does: adding 2^52+2^51
// makes the double's low mantissa word hold the number rounded to an integer
// (modulo 2^32), whatever its magnitude. Non-numbers are a type error
// (lua_tonumber gives 0 for them, which is how the C code detects it).
func bitArg(L *lua.LState, n int) uint32 {
	f, ok := toNumber(L.Get(n))
	b := uint32(math.Float64bits(f + 6755399441055744.0))
	if b == 0 && !ok {
		typeError(L, n, "number")
	}
	return b
}

func bitRet(L *lua.LState, b uint32) int {
	L.Push(lua.LNumber(int32(b)))
	return 1
}

func bitToBit(L *lua.LState) int { return bitRet(L, bitArg(L, 1)) }
func bitBnot(L *lua.LState) int  { return bitRet(L, ^bitArg(L, 1)) }

// bitFold applies op over all arguments; like the C loop it converts them
// from the last to the second, after the first.
func bitFold(L *lua.LState, op func(a, b uint32) uint32) int {
	b := bitArg(L, 1)
	for i := L.GetTop(); i > 1; i-- {
		b = op(b, bitArg(L, i))
	}
	return bitRet(L, b)
}

func bitBand(L *lua.LState) int { return bitFold(L, func(a, b uint32) uint32 { return a & b }) }
func bitBor(L *lua.LState) int  { return bitFold(L, func(a, b uint32) uint32 { return a | b }) }
func bitBxor(L *lua.LState) int { return bitFold(L, func(a, b uint32) uint32 { return a ^ b }) }

// bitShift reads the value and the shift count (taken modulo 32).
func bitShift(L *lua.LState, op func(b, n uint32) uint32) int {
	b := bitArg(L, 1)
	n := bitArg(L, 2) & 31
	return bitRet(L, op(b, n))
}

func bitLshift(L *lua.LState) int {
	return bitShift(L, func(b, n uint32) uint32 { return b << n })
}
func bitRshift(L *lua.LState) int {
	return bitShift(L, func(b, n uint32) uint32 { return b >> n })
}
func bitArshift(L *lua.LState) int {
	return bitShift(L, func(b, n uint32) uint32 { return uint32(int32(b) >> n) })
}

// rol/ror by 0 are identities: in C, b >> 32 on a uint32 is undefined but
// x86 masks the count, giving b | b. Go's b >> 32 is 0, giving b too.
func bitRol(L *lua.LState) int {
	return bitShift(L, func(b, n uint32) uint32 { return b<<n | b>>(32-n) })
}
func bitRor(L *lua.LState) int {
	return bitShift(L, func(b, n uint32) uint32 { return b<<(32-n) | b>>n })
}

func bitBswap(L *lua.LState) int {
	b := bitArg(L, 1)
	return bitRet(L, b>>24|(b>>8)&0xff00|(b&0xff00)<<8|b<<24)
}

// bit.tohex(x [,n]): n hex digits (default 8, at most 8), upper case when n
// is negative.
func bitTohex(L *lua.LState) int {
	b := bitArg(L, 1)
	n := int32(8)
	if L.GetTop() >= 2 {
		n = int32(bitArg(L, 2))
	}
	digits := "0123456789abcdef"
	if n < 0 {
		digits = "0123456789ABCDEF"
		// -MinInt32 overflows in C; the compiled code still treats the
		// negated count as positive and clamps it to 8.
		if n == math.MinInt32 || -n > 8 {
			n = 8
		} else {
			n = -n
		}
	}
	if n > 8 {
		n = 8
	}
	buf := make([]byte, n)
	for i := int(n) - 1; i >= 0; i-- {
		buf[i] = digits[b&15]
		b >>= 4
	}
	L.Push(lua.LString(buf))
	return 1
}
