package engine

// The concatenation operator as Lua 5.1 runs it (lvm.c's luaV_concat): a
// number operand becomes a string as lua_number2str writes it ("%.14g", so
// 1/3 .. "" is "0.33333333333333", 2^53 .. "" is "9.007199254741e+15", a NaN
// "-nan" or "nan" after its sign bit, -0 "-0"). gopher-lua formats numbers with
// Go's fmt ("0.3333333333333333", "9007199254740992", "NaN") and has no hook
// for it, so keygrid replaces its CONCAT instruction: gopher-lua dispatches
// every instruction through the package table jumpTable, reached here by
// go:linkname, and the instruction is the same for every LState of the
// process (all of them are scripting's). Concatenations of strings only, the
// common case, go to gopher-lua's own code untouched; with a number among the
// operands the operation runs here as luaV_concat does (right to left, runs of
// strings and numbers joined, __concat called with the operands as they are
// when either is neither), and the result is handed to gopher-lua's
// instruction as a one-operand concatenation so that it stores it as usual.

import (
	"reflect"
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// gopherInstr is gopher-lua's instFunc, its *callFrame argument as a pointer.
type gopherInstr = func(*lua.LState, uint32, unsafe.Pointer) int

//go:linkname gopherJumpTable github.com/yuin/gopher-lua.jumpTable
var gopherJumpTable [opNop + 1]gopherInstr

// lsCurrentFrame is the offset of LState.currentFrame (0: not found).
var lsCurrentFrame = func() uintptr {
	f, ok := reflect.TypeOf(lua.LState{}).FieldByName("currentFrame")
	if !ok || f.Type.Kind() != reflect.Pointer || f.Type.Elem().Name() != "callFrame" {
		return 0
	}
	return f.Offset
}()

// gopherConcat is gopher-lua's own CONCAT instruction.
var gopherConcat gopherInstr

func init() {
	if !luaVM.ok || lsCurrentFrame == 0 || gopherJumpTable[opConcat] == nil {
		return // not the gopher-lua expected: its own concatenation stays
	}
	gopherConcat = gopherJumpTable[opConcat]
	gopherJumpTable[opConcat] = luaConcatInstr
	installArith51() // script_arith51.go
}

// luaRegs is L's register array as it is now (a call may grow it).
func luaRegs(L *lua.LState) []lua.LValue {
	reg := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), luaVM.lsReg))
	return *(*[]lua.LValue)(unsafe.Add(reg, luaVM.regArray))
}

// luaConcatInstr is CONCAT A B C: R(A) := R(B).. ... ..R(C).
func luaConcatInstr(L *lua.LState, inst uint32, baseframe unsafe.Pointer) int {
	cf := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), lsCurrentFrame))
	base := *(*int)(unsafe.Add(cf, luaVM.cfBase))
	b, c := base+insB(inst), base+insC(inst)
	regs := luaRegs(L)
	hasNum := false
	for i := b; i <= c; i++ {
		if _, ok := regs[i].(lua.LNumber); ok {
			hasNum = true
			break
		}
	}
	if !hasNum {
		return gopherConcat(L, inst, baseframe)
	}
	v := luaConcat(L, b, c)
	luaRegs(L)[c] = v
	// CONCAT A C C: gopher-lua stores R(C), its one operand, in R(A).
	return gopherConcat(L, inst&^0x1ff|uint32(insC(inst)), baseframe)
}

// luaConcat is luaV_concat over the registers first..last (absolute indexes),
// which it may overwrite (CONCAT's operands are temporaries), returning the
// result.
func luaConcat(L *lua.LState, first, last int) lua.LValue {
	convertible := func(v lua.LValue) bool {
		switch v.(type) {
		case lua.LString, lua.LNumber:
			return true
		}
		return false
	}
	str := func(v lua.LValue) string {
		if n, ok := v.(lua.LNumber); ok {
			return luaNumberString(float64(n))
		}
		return string(v.(lua.LString))
	}
	top := last + 1 // one past the last value left
	for top-first > 1 {
		regs := luaRegs(L)
		lhs, rhs := regs[top-2], regs[top-1]
		n := 2
		switch {
		case !convertible(lhs) || !convertible(rhs):
			mm := L.GetMetaField(lhs, "__concat")
			if mm == lua.LNil {
				mm = L.GetMetaField(rhs, "__concat")
			}
			if _, ok := mm.(*lua.LFunction); !ok {
				L.RaiseError("cannot perform concat operation between %v and %v", lhs.Type().String(), rhs.Type().String())
			}
			L.Push(mm)
			L.Push(lhs)
			L.Push(rhs)
			L.Call(2, 1)
			r := L.Get(-1)
			L.Pop(1)
			luaRegs(L)[top-2] = r
		case str(rhs) == "":
			regs[top-2] = lua.LString(str(lhs)) // the first operand, as a string
		default:
			// As many strings as there are: each number among them is
			// converted in place, as luaV_concat's tostring does.
			n = 0
			size := 0
			for top-n-1 >= first && convertible(regs[top-n-1]) {
				s := lua.LString(str(regs[top-n-1]))
				regs[top-n-1] = s
				size += len(s)
				n++
			}
			var sb strings.Builder
			sb.Grow(size)
			for i := top - n; i < top; i++ {
				sb.WriteString(string(regs[i].(lua.LString)))
			}
			regs[top-n] = lua.LString(sb.String())
		}
		top -= n - 1
	}
	return luaRegs(L)[first]
}
