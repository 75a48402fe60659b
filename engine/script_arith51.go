package engine

// Arithmetic as Lua 5.1 runs it (lvm.c's Arith): a string operand is read as
// luaO_str2d reads it (strtod: "010" is 10, "0x10" 16, " 1e1 " 10; "0b1",
// "1_0" are no numbers), and % is a - floor(a/b)*b (1 % 0 and x % inf are
// NaN with x86-64's sign, -nan; a NaN operand passes its sign through).
// gopher-lua reads strings with Go's ParseInt(s, 0) ("010" is 8, "0b1" 1) and
// computes % with math.Mod. Its ADD, SUB, MUL, DIV, MOD, POW and UNM
// instructions are wrapped (gopher-lua's jumpTable, script_concat51.go). Two
// numbers are computed here, as Lua 5.1 computes them (lua51Arith), and the
// result stored as gopher-lua stores its own, in its allocator's block
// (luaSetRANumber), with -0's sign kept (gopher-lua stored -0 as its shared
// 0). ^ is glibc's pow: gopher-lua computes it with Go's math.Pow, which
// differs from glibc's pow in the last digits (script_pow51.go) and gives a
// positive NaN where glibc's keeps an operand's or is "-nan". (Until issue
// #4's loop work, + - * / went on to gopher-lua's own instruction and got
// their -0 back afterwards: two dispatches and two reads of the operands for
// the commonest instructions of a loop.) With a string operand the operation
// is done here too; with anything else it is gopher-lua's (metamethods).

import (
	"math"
	"reflect"
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

// luaNumAlloc holds the offsets of gopher-lua's number allocator (its
// registry's alloc, a block of float64s that LValues point into, and the
// block size), found by reflection as luaVM's are; ok is false when they are
// not as expected, and luaSetRANumber then lets Go box the number.
var luaNumAlloc = func() (v struct {
	ok                    bool
	regAlloc, fptrs, size uintptr
}) {
	r, ok := reflect.TypeOf(lua.LState{}).FieldByName("reg")
	if !ok || r.Type.Kind() != reflect.Pointer || r.Type.Elem().Kind() != reflect.Struct {
		return
	}
	a, ok := r.Type.Elem().FieldByName("alloc")
	if !ok || a.Type.Kind() != reflect.Pointer || a.Type.Elem().Kind() != reflect.Struct {
		return
	}
	fp, ok1 := a.Type.Elem().FieldByName("fptrs")
	sz, ok2 := a.Type.Elem().FieldByName("size")
	if !ok1 || !ok2 || fp.Type != reflect.TypeOf([]float64(nil)) || sz.Type.Kind() != reflect.Int {
		return
	}
	v.regAlloc, v.fptrs, v.size = a.Offset, fp.Offset, sz.Offset
	v.ok = luaVM.ok
	return
}()

// luaNumberItab is the method table of an LNumber in an LValue, and
// luaSmallNumbers the integers 0..luaSmallNumberLimit-1 boxed once
// (gopher-lua shares the same ones, its preloads: KEYGRID.md change 16).
var (
	luaNumberItab = func() unsafe.Pointer {
		var v lua.LValue = lua.LNumber(0.5)
		return (*[2]unsafe.Pointer)(unsafe.Pointer(&v))[0]
	}()
	luaSmallNumbers = func() (t [luaSmallNumberLimit]lua.LValue) {
		for i := range t {
			t[i] = lua.LNumber(i)
		}
		return
	}()
)

// luaSmallNumberLimit is gopher-lua's preloadLimit (alloc.go).
const luaSmallNumberLimit = 1024

// luaSetRANumber stores the number v in R(A) as gopher-lua's registry
// SetNumber does: the LValue points into the allocator's current block
// instead of an 8-byte allocation of its own (a loop computing x^y would
// otherwise allocate once a step). -0 keeps its sign.
func luaSetRANumber(L *lua.LState, inst uint32, v float64) {
	reg := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), luaVM.lsReg))
	var al unsafe.Pointer
	if luaNumAlloc.ok {
		al = *(*unsafe.Pointer)(unsafe.Add(reg, luaNumAlloc.regAlloc))
	}
	var lv lua.LValue
	switch {
	case v >= 0 && v < luaSmallNumberLimit && v == math.Trunc(v) && !math.Signbit(v):
		lv = luaSmallNumbers[int(v)]
	case al == nil:
		lv = lua.LNumber(v)
	default:
		fp := (*[]float64)(unsafe.Add(al, luaNumAlloc.fptrs))
		if len(*fp) == cap(*fp) {
			*fp = make([]float64, 0, max(*(*int)(unsafe.Add(al, luaNumAlloc.size)), 1))
		}
		*fp = append(*fp, v)
		w := (*[2]unsafe.Pointer)(unsafe.Pointer(&lv))
		w[0], w[1] = luaNumberItab, unsafe.Pointer(&(*fp)[len(*fp)-1])
	}
	luaSetRA(L, inst, lv)
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

// lua51Mod is luai_nummod. (The conversion keeps Go from fusing the
// multiply and subtract, which C does not.)
func lua51Mod(a, b float64) float64 { return a - float64(math.Floor(a/b)*b) }

// lua51Pow is luai_numpow, glibc's pow: pow51 (script_pow51.go), with the
// NaN glibc's special cases give. A NaN exponent: x + y, the base if it is a
// NaN too. A NaN base: x*x, negated when the base's sign is set and the
// exponent an odd integer (so (0/0)^3 is "nan", (0/0)^2 "-nan"), 1/x2 for a
// negative exponent keeping it. A negative base to a non-integer: the
// invalid operation's NaN, (x-x)/(x-x) as glibc computes it, so it has this
// machine's sign.
func lua51Pow(a, b float64) float64 {
	v := pow51(a, b)
	switch {
	case v == v:
		return v
	case b != b:
		if a != a {
			return a
		}
		return b
	case a != a:
		if math.Signbit(a) && math.Abs(math.Mod(b, 2)) == 1 { // an odd integer
			return -a
		}
		return a
	}
	return (a - a) / (a - a)
}

// gopherMod is gopher-lua's % (luaModulo): math.Mod, then the sign fixed.
// It is the exact remainder, where luai_nummod's a - floor(a/b)*b rounds
// (1 % (1/3) is 5.55e-17 to it, 0 to Lua 5.1) or makes a NaN of a zero
// divisor or an infinity.
func gopherMod(a, b float64) float64 {
	v := math.Mod(a, b)
	if b > 0 && v < 0 || b < 0 && v > 0 {
		v += b
	}
	return v
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
	if ok1 && ok2 {
		// Computed and stored here: gopher-lua's own instruction would read
		// the operands again, store -0 as 0 (its shared small integers),
		// and compute % and ^ otherwise. luaSetRANumber stores as gopher-lua
		// stores (no allocation of its own) and keeps -0's sign.
		luaSetRANumber(L, inst, lua51Arith(op, float64(x), float64(y)))
		return 0
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
	luaSetRA(L, inst, lua.LNumber(lua51Arith(op, a, b)))
	return 0
}

// lua51Arith is lvm.c's Arith on two numbers.
func lua51Arith(op int, a, b float64) float64 {
	switch op {
	case opAdd:
		return a + b
	case opSub:
		return a - b
	case opMul:
		return a * b
	case opDiv:
		return a / b
	case opMod:
		return lua51Mod(a, b)
	}
	return lua51Pow(a, b)
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
