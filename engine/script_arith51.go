package engine

// Arithmetic as Lua 5.1 runs it (lvm.c's Arith): a string operand is read as
// luaO_str2d reads it (strtod: "010" is 10, "0x10" 16, " 1e1 " 10; "0b1",
// "1_0" are no numbers), and % is a - floor(a/b)*b (1 % 0 and x % inf are
// NaN with x86-64's sign, -nan; a NaN operand passes its sign through).
// gopher-lua reads strings with Go's ParseInt(s, 0) ("010" is 8, "0b1" 1) and
// computes % with math.Mod. Its ADD, SUB, MUL, DIV, MOD, POW and UNM
// instructions are wrapped (gopher-lua's jumpTable, script_concat51.go): two
// numbers go straight to gopher-lua's own code, except for the % cases where
// the two formulas part, so the common path neither allocates nor changes;
// with a string operand the operation is done here.

import (
	"math"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// installArith51 wraps the arithmetic instructions; script_concat51.go's
// init calls it once gopher-lua's table is known to be as expected.
func installArith51() {
	for _, op := range []int{opAdd, opSub, opMul, opDiv, opMod, opPow, opUnm} {
		gopherArith[op] = gopherJumpTable[op]
	}
	for _, op := range []int{opAdd, opSub, opMul, opDiv, opMod, opPow} {
		gopherJumpTable[op] = luaArithInstr
	}
	gopherJumpTable[opUnm] = luaUnmInstr
}

// gopherArith holds gopher-lua's own arithmetic instructions, by opcode.
var gopherArith [opNop + 1]gopherInstr

// luaFrameRK returns the running frame's base and RK(x).
func luaFrameRK(L *lua.LState, x int) lua.LValue {
	cf := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), lsCurrentFrame))
	if x&rkBit != 0 {
		fn := *(**lua.LFunction)(unsafe.Add(cf, luaVM.cfFn))
		return fn.Proto.Constants[x&^rkBit]
	}
	base := *(*int)(unsafe.Add(cf, luaVM.cfBase))
	return luaRegs(L)[base+x]
}

// luaSetRA stores v in R(A) of the running frame, moving the register top
// past it as gopher-lua's registry Set does.
func luaSetRA(L *lua.LState, inst uint32, v lua.LValue) {
	cf := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), lsCurrentFrame))
	i := *(*int)(unsafe.Add(cf, luaVM.cfBase)) + insA(inst)
	luaRegs(L)[i] = v
	reg := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), luaVM.lsReg))
	if top := (*int)(unsafe.Add(reg, luaVM.regTop)); i >= *top {
		*top = i + 1
	}
}

// lua51Num is luaV_tonumber: a number, or a string luaO_str2d reads.
func lua51Num(v lua.LValue) (float64, bool) {
	switch x := v.(type) {
	case lua.LNumber:
		return float64(x), true
	case lua.LString:
		return luaStr2Number(string(x))
	}
	return 0, false
}

// lua51Mod is luai_nummod.
func lua51Mod(a, b float64) float64 { return a - math.Floor(a/b)*b }

// lua51ModDiffers reports whether gopher-lua's % (math.Mod, then the sign
// fixed) may give another result than luai_nummod: a zero, infinite or NaN
// operand, or a quotient too large for floor(a/b)*b to be exact.
func lua51ModDiffers(a, b float64) bool {
	if b == 0 || math.IsInf(a, 0) || math.IsInf(b, 0) || a != a || b != b {
		return true
	}
	return math.Abs(a/b) >= 1<<52
}

func luaArithInstr(L *lua.LState, inst uint32, bf unsafe.Pointer) int {
	op := insOp(inst)
	// The common case, two numbers, is told from the registers and
	// constants directly, then left to gopher-lua (which stores the result
	// without allocating).
	cf := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), lsCurrentFrame))
	base := *(*int)(unsafe.Add(cf, luaVM.cfBase))
	reg := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), luaVM.lsReg))
	regs := *(*[]lua.LValue)(unsafe.Add(reg, luaVM.regArray))
	var lhs, rhs lua.LValue
	if b, c := insB(inst), insC(inst); b&rkBit == 0 && c&rkBit == 0 {
		lhs, rhs = regs[base+b], regs[base+c]
	} else {
		k := (*(**lua.LFunction)(unsafe.Add(cf, luaVM.cfFn))).Proto.Constants
		if b&rkBit == 0 {
			lhs = regs[base+b]
		} else {
			lhs = k[b&^rkBit]
		}
		if c&rkBit == 0 {
			rhs = regs[base+c]
		} else {
			rhs = k[c&^rkBit]
		}
	}
	x, ok1 := lhs.(lua.LNumber)
	y, ok2 := rhs.(lua.LNumber)
	if ok1 && ok2 && (op != opMod || !lua51ModDiffers(float64(x), float64(y))) {
		return gopherArith[op](L, inst, bf)
	}
	orig := gopherArith[op]
	a, ok1 := lua51Num(lhs)
	b, ok2 := lua51Num(rhs)
	if !ok1 || !ok2 {
		// Lua 5.1 calls the metamethod, else raises its error: gopher-lua
		// does the same unless it reads a string Lua 5.1 does not.
		mm := L.GetMetaField(lhs, luaArithEvents[op])
		if mm == lua.LNil {
			mm = L.GetMetaField(rhs, luaArithEvents[op])
		}
		if _, isFn := mm.(*lua.LFunction); isFn {
			return orig(L, inst, bf)
		}
		L.RaiseError("cannot perform %s operation between %s and %s", luaArithEvents[op][2:],
			lhs.Type().String(), rhs.Type().String())
	}
	var v float64
	switch op {
	case opAdd:
		v = a + b
	case opSub:
		v = a - b
	case opMul:
		v = a * b
	case opDiv:
		v = a / b
	case opMod:
		v = lua51Mod(a, b)
	case opPow:
		v = math.Pow(a, b)
	}
	luaSetRA(L, inst, lua.LNumber(v))
	return 0
}

var luaArithEvents = map[int]string{opAdd: "__add", opSub: "__sub", opMul: "__mul", opDiv: "__div",
	opMod: "__mod", opPow: "__pow"}

func luaUnmInstr(L *lua.LState, inst uint32, bf unsafe.Pointer) int {
	s, ok := luaFrameRK(L, insB(inst)).(lua.LString)
	if !ok {
		return gopherArith[opUnm](L, inst, bf)
	}
	if f, ok := luaStr2Number(string(s)); ok {
		luaSetRA(L, inst, lua.LNumber(-f))
		return 0
	}
	L.RaiseError("__unm undefined")
	return 0
}
