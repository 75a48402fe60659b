package engine

// The numeric for loop's preparation as Lua 5.1 runs it (lvm.c's OP_FORPREP):
// the initial value, the limit and the step are checked in that order, each a
// number or a string luaO_str2d reads (which then replaces it: `for i = '1',
// '3'` counts 1, 2, 3 as numbers), and a bad one is reported by FORPREP, on the
// line of the loop's "do". gopher-lua's FORPREP takes numbers only and checks
// the initial value and the step, leaving the limit to the FORLOOP it jumps
// to, which is on the line of "for": `for i = 1,\nnil do` failed on line 1
// (Redis: 2) and `for i = 1, nil, nil` blamed the step (Redis: the limit).
// keygrid's FORPREP (gopher-lua's jumpTable, as in script_concat51.go) checks
// and converts the three values, then runs gopher-lua's.

import (
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// gopherForPrep is gopher-lua's own FORPREP instruction.
var gopherForPrep gopherInstr

func init() {
	if !luaVM.ok || lsCurrentFrame == 0 || gopherJumpTable[opForPrep] == nil {
		return // not the gopher-lua expected: its own FORPREP stays
	}
	gopherForPrep = gopherJumpTable[opForPrep]
	gopherJumpTable[opForPrep] = luaForPrepInstr
}

// lua51ForErrors are FORPREP's messages, for R(A), R(A+1), R(A+2).
var lua51ForErrors = [3]string{
	"'for' initial value must be a number",
	"'for' limit must be a number",
	"'for' step must be a number",
}

// luaForPrepInstr is FORPREP A sBx over R(A) (initial value), R(A+1) (limit)
// and R(A+2) (step).
func luaForPrepInstr(L *lua.LState, inst uint32, baseframe unsafe.Pointer) int {
	cf := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), lsCurrentFrame))
	ra := *(*int)(unsafe.Add(cf, luaVM.cfBase)) + insA(inst)
	regs := luaRegs(L)
	for i := 0; i < 3; i++ {
		v := regs[ra+i]
		if _, ok := v.(lua.LNumber); ok {
			continue // the common case: no allocation, nothing to store
		}
		s, ok := v.(lua.LString)
		var f float64
		if ok {
			f, ok = luaStr2Number(string(s))
		}
		if !ok {
			L.RaiseError("%s", lua51ForErrors[i])
		}
		regs[ra+i] = lua.LNumber(f)
	}
	return gopherForPrep(L, inst, baseframe)
}
