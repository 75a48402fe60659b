package engine

// Lua 5.1's wording of runtime errors, with the variable named (ldebug.c's
// luaG_typeerror and getobjname): "attempt to call field 'foo' (a nil value)",
// "attempt to index local 't' (a nil value)", "attempt to perform arithmetic on
// global 'x' (a string value)", "attempt to compare two table values".
//
// gopher-lua raises these errors in its own words and without names
// ("attempt to call a non-function object"). Its compiled code is Lua 5.1's
// instruction set, though, and its prototypes keep the names of locals, upvalues
// and constants, so the name can be found afterwards exactly as Lua 5.1 finds it:
// from the instruction that failed (the frame's pc), whose operands say which
// register held the bad value, and a symbolic execution of the function up to it
// that finds the instruction that last loaded that register (GETGLOBAL: a global,
// GETTABLE with a constant key: a field, SELF: a method, GETUPVAL: an upvalue; a
// register that is a live local: a local). This happens only on the error path:
// nothing runs on successful instructions, so EVALSHA's hot path is untouched.
//
// The frame's pc and registers are not exported by gopher-lua. They are read
// through its Debug record (GetStack) at offsets found by reflection when the
// package starts, checked against the field names and types of gopher-lua v1.1.2;
// should a later version change them, luaVM.ok is false and messages keep the
// unnamed Lua 5.1 form ("attempt to call a nil value").

import (
	"reflect"
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// luaVM holds the offsets of the gopher-lua internals read here.
var luaVM = func() (v struct {
	ok                                   bool
	dbgFrame, cfFn, cfPc, cfBase, lsReg  uintptr
	regArray, regTop                     uintptr
	hasErrFunc, uvcache, uvNext, uvIndex uintptr
}) {
	dt := reflect.TypeOf(lua.Debug{})
	f, ok := dt.FieldByName("frame")
	if !ok || f.Type.Kind() != reflect.Pointer || f.Type.Elem().Kind() != reflect.Struct {
		return
	}
	cf := f.Type.Elem()
	fn, ok1 := cf.FieldByName("Fn")
	pc, ok2 := cf.FieldByName("Pc")
	lb, ok3 := cf.FieldByName("LocalBase")
	if !ok1 || !ok2 || !ok3 || fn.Type != reflect.TypeOf((*lua.LFunction)(nil)) ||
		pc.Type.Kind() != reflect.Int || lb.Type.Kind() != reflect.Int {
		return
	}
	r, ok := reflect.TypeOf(lua.LState{}).FieldByName("reg")
	if !ok || r.Type.Kind() != reflect.Pointer || r.Type.Elem().Kind() != reflect.Struct {
		return
	}
	arr, ok := r.Type.Elem().FieldByName("array")
	if !ok || arr.Type != reflect.TypeOf([]lua.LValue(nil)) {
		return
	}
	top, ok := r.Type.Elem().FieldByName("top")
	if !ok || top.Type.Kind() != reflect.Int {
		return
	}
	lt := reflect.TypeOf(lua.LState{})
	hef, ok1 := lt.FieldByName("hasErrorFunc")
	uvc, ok2 := lt.FieldByName("uvcache")
	uvt := reflect.TypeOf(lua.Upvalue{})
	next, ok3 := uvt.FieldByName("next")
	idx, ok4 := uvt.FieldByName("index")
	if !ok1 || !ok2 || !ok3 || !ok4 || hef.Type.Kind() != reflect.Bool ||
		uvc.Type != reflect.TypeOf((*lua.Upvalue)(nil)) || next.Type != uvc.Type || idx.Type.Kind() != reflect.Int {
		return
	}
	v.dbgFrame, v.cfFn, v.cfPc, v.cfBase = f.Offset, fn.Offset, pc.Offset, lb.Offset
	v.lsReg, v.regArray, v.regTop = r.Offset, arr.Offset, top.Offset
	v.hasErrFunc, v.uvcache, v.uvNext, v.uvIndex = hef.Offset, uvc.Offset, next.Offset, idx.Offset
	v.ok = true
	return
}()

// regTop returns the absolute top of L's register array.
func luaRegTop(L *lua.LState) int {
	reg := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), luaVM.lsReg))
	if reg == nil {
		return 0
	}
	return *(*int)(unsafe.Add(reg, luaVM.regTop))
}

// luaKeepErrorFunc marks L as running under an error handler. gopher-lua's
// raiseError closes the upvalues of every frame on the stack, live ones included,
// unless an error handler is set, and a PCall clears the mark when it returns: after
// a second error caught by pcall, a closure would no longer see its enclosing
// function's later writes (`local x = 1; local f = function() return x end;
// pcall(error); pcall(error); x = 2; return f()` gave 1). Scripts always run
// under keygrid's handler, so the mark is put back after every pcall, and pcall
// closes the upvalues of the frames it unwound itself (luaCloseUpvaluesFrom).
func luaKeepErrorFunc(L *lua.LState) {
	*(*bool)(unsafe.Add(unsafe.Pointer(L), luaVM.hasErrFunc)) = true
}

// luaCloseUpvaluesFrom closes the open upvalues of registers at or above idx (those
// of the frames an error unwound), as Lua 5.1's luaF_close does. gopher-lua keeps
// them in a list sorted by register.
func luaCloseUpvaluesFrom(L *lua.LState, idx int) {
	head := (**lua.Upvalue)(unsafe.Add(unsafe.Pointer(L), luaVM.uvcache))
	var prev *lua.Upvalue
	for uv := *head; uv != nil; {
		next := *(**lua.Upvalue)(unsafe.Add(unsafe.Pointer(uv), luaVM.uvNext))
		if *(*int)(unsafe.Add(unsafe.Pointer(uv), luaVM.uvIndex)) >= idx {
			uv.Close()
			if prev == nil {
				*head = next
			} else {
				*(**lua.Upvalue)(unsafe.Add(unsafe.Pointer(prev), luaVM.uvNext)) = next
			}
		} else {
			prev = uv
		}
		uv = next
	}
}

// luaFrame is what is read of one gopher-lua call frame.
type luaFrame struct {
	fn   *lua.LFunction
	pc   int // the instruction being executed (the frame's Pc minus one)
	base int // the register array index of R(0)
	regs []lua.LValue
}

// luaFrameAt reads the frame at level (GetStack's numbering); ok is false when
// there is none, it runs Go code, or the internals are not as expected.
func luaFrameAt(L *lua.LState, level int) (fr luaFrame, ok bool) {
	if !luaVM.ok {
		return fr, false
	}
	dbg, found := L.GetStack(level)
	if !found || dbg == nil {
		return fr, false
	}
	cf := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(dbg), luaVM.dbgFrame))
	if cf == nil {
		return fr, false
	}
	fr.fn = *(**lua.LFunction)(unsafe.Add(cf, luaVM.cfFn))
	fr.pc = *(*int)(unsafe.Add(cf, luaVM.cfPc)) - 1
	fr.base = *(*int)(unsafe.Add(cf, luaVM.cfBase))
	if fr.fn == nil || fr.fn.IsG || fr.fn.Proto == nil || fr.pc < 0 || fr.pc >= len(fr.fn.Proto.Code) {
		return fr, false
	}
	reg := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), luaVM.lsReg))
	if reg == nil {
		return fr, false
	}
	fr.regs = *(*[]lua.LValue)(unsafe.Add(reg, luaVM.regArray))
	return fr, true
}

// reg returns R(r) of the frame, nil when out of range.
func (fr *luaFrame) reg(r int) lua.LValue {
	if i := fr.base + r; i >= 0 && i < len(fr.regs) && fr.regs[i] != nil {
		return fr.regs[i]
	}
	return lua.LNil
}

// Lua 5.1 opcodes as gopher-lua numbers them (its opcode.go), and the fields of
// an instruction: opcode in the top 6 bits, A in the next 8, C in 9, B in the
// low 9; Bx is the low 18.
const (
	opMove = iota
	opMoveN
	opLoadK
	opLoadBool
	opLoadNil
	opGetUpval
	opGetGlobal
	opGetTable
	opGetTableKS
	opSetGlobal
	opSetUpval
	opSetTable
	opSetTableKS
	opNewTable
	opSelf
	opAdd
	opSub
	opMul
	opDiv
	opMod
	opPow
	opUnm
	opNot
	opLen
	opConcat
	opJmp
	opEq
	opLt
	opLe
	opTest
	opTestSet
	opCall
	opTailCall
	opReturn
	opForLoop
	opForPrep
	opTForLoop
	opSetList
	opClose
	opClosure
	opVararg
	opNop
)

func insOp(i uint32) int  { return int(i >> 26) }
func insA(i uint32) int   { return int(i>>18) & 0xff }
func insB(i uint32) int   { return int(i & 0x1ff) }
func insC(i uint32) int   { return int(i>>9) & 0x1ff }
func insBx(i uint32) int  { return int(i & 0x3ffff) }
func insSbx(i uint32) int { return insBx(i) - 0x3ffff>>1 }

const rkBit = 1 << 8 // an RK operand with this bit is a constant

func init() {
	// An error that ends a coroutine reaches no pcall handler: word it here,
	// where the frame that raised it is still the coroutine's current one
	// (level 0), as Lua 5.1 would (KEYGRID.md in
	// internal/third_party/gopher-lua, change 11).
	lua.CoroutineErrorHook = func(th *lua.LState, v lua.LValue) lua.LValue {
		if msg, ok := v.(lua.LString); ok {
			return lua.LString(lua51Message(lua51RuntimeError(th, 0, string(msg))))
		}
		return v
	}
}

// lua51RuntimeError rewrites a runtime error gopher-lua's VM raised in the Lua
// frame at level in Lua 5.1's words, naming the variable as Lua 5.1 would. msg is
// gopher-lua's message with its position prefix. Messages it does not know, and
// errors raised by Go functions (error(), redis.call), are returned unchanged.
func lua51RuntimeError(L *lua.LState, level int, msg string) string {
	prefix, text := splitErrorPosition(msg)
	fr, ok := luaFrameAt(L, level)
	if !ok {
		return msg
	}
	ins := fr.fn.Proto.Code[fr.pc]
	op := insOp(ins)
	switch {
	case text == "attempt to call a non-function object":
		switch op {
		case opCall, opTailCall:
			return prefix + fr.typeError(insA(ins), "call")
		case opTForLoop:
			return prefix + "attempt to call a " + fr.reg(insA(ins)).Type().String() + " value"
		}
	case strings.HasPrefix(text, "attempt to index a non-table object("):
		var r int
		switch op {
		case opGetTable, opGetTableKS, opSelf:
			r = insB(ins)
		case opSetTable, opSetTableKS:
			r = insA(ins)
		default:
			return msg
		}
		return prefix + fr.typeError(r, "index")
	case text == "__unm undefined" && op == opUnm:
		return prefix + fr.typeError(insB(ins), "perform arithmetic on")
	case text == "__len undefined" && op == opLen:
		return prefix + fr.typeError(insB(ins), "get length of")
	case strings.HasPrefix(text, "cannot perform concat operation between "):
		if op == opConcat {
			return prefix + fr.concatError(insB(ins), insC(ins))
		}
	case strings.HasPrefix(text, "cannot perform ") && strings.Contains(text, " operation between "):
		switch op {
		case opAdd, opSub, opMul, opDiv, opMod, opPow:
			// Lua 5.1's luaG_aritherror: the first operand unless it converts
			// to a number, then the second.
			b, c := insB(ins), insC(ins)
			if _, isNum := luaToNumber(fr.rk(b)); !isNum {
				return prefix + fr.rkTypeError(b, "perform arithmetic on")
			}
			return prefix + fr.rkTypeError(c, "perform arithmetic on")
		case opUnm:
			return prefix + fr.typeError(insB(ins), "perform arithmetic on")
		}
	}
	return msg
}

// splitErrorPosition splits "chunk:line: text" into its prefix (with ": ") and text.
func splitErrorPosition(msg string) (prefix, text string) {
	// The chunk name may hold ": " itself ([string "a: b"]), so look for the
	// ":<digits>: " that ends the position.
	for i := 0; i < len(msg); i++ {
		if msg[i] != ':' {
			continue
		}
		j := i + 1
		for j < len(msg) && msg[j] >= '0' && msg[j] <= '9' {
			j++
		}
		if j > i+1 && j+1 < len(msg) && msg[j] == ':' && msg[j+1] == ' ' {
			return msg[:j+2], msg[j+2:]
		}
	}
	return "", msg
}

// rk returns RK(x): a constant or a register.
func (fr *luaFrame) rk(x int) lua.LValue {
	if x&rkBit != 0 {
		if k := x &^ rkBit; k < len(fr.fn.Proto.Constants) {
			return fr.fn.Proto.Constants[k]
		}
		return lua.LNil
	}
	return fr.reg(x)
}

// rkTypeError is typeError for an RK operand: a constant is not in the stack, so
// it has no name.
func (fr *luaFrame) rkTypeError(x int, op string) string {
	if x&rkBit != 0 {
		return "attempt to " + op + " a " + fr.rk(x).Type().String() + " value"
	}
	return fr.typeError(x, op)
}

// typeError is Lua 5.1's luaG_typeerror for the value in register r.
func (fr *luaFrame) typeError(r int, op string) string {
	t := fr.reg(r).Type().String()
	if kind, name := fr.objName(r, 0); kind != "" {
		return "attempt to " + op + " " + kind + " '" + name + "' (a " + t + " value)"
	}
	return "attempt to " + op + " a " + t + " value"
}

// concatError is Lua 5.1's luaG_concaterror for CONCAT of R(b)..R(c): Lua
// concatenates from the right, so the culprit is the rightmost operand that is
// neither a string nor a number, except that when the last two both are, the
// left one is named.
func (fr *luaFrame) concatError(b, c int) string {
	ok := func(v lua.LValue) bool { t := v.Type(); return t == lua.LTString || t == lua.LTNumber }
	if !ok(fr.reg(c)) {
		if c-1 >= b && !ok(fr.reg(c-1)) {
			return fr.typeError(c-1, "concatenate")
		}
		return fr.typeError(c, "concatenate")
	}
	for r := c - 1; r >= b; r-- {
		if !ok(fr.reg(r)) {
			return fr.typeError(r, "concatenate")
		}
	}
	return "attempt to concatenate a nil value"
}

// objName is Lua 5.1's getobjname: what register r holds at the failing
// instruction, as "local", "global", "field", "upvalue" or "method" and a name;
// "" when it cannot tell.
func (fr *luaFrame) objName(r, depth int) (kind, name string) {
	p := fr.fn.Proto
	if n := localName(p, r, fr.pc); n != "" {
		return "local", n
	}
	if depth > 8 {
		return "", ""
	}
	last := symbexec(p, fr.pc, r)
	if last < 0 {
		return "", ""
	}
	ins := p.Code[last]
	switch insOp(ins) {
	case opGetGlobal:
		if k := insBx(ins); k < len(p.Constants) {
			if s, ok := p.Constants[k].(lua.LString); ok {
				return "global", string(s)
			}
		}
	case opMove, opMoveN:
		if a, b := insA(ins), insB(ins); b < a {
			return fr.objName(b, depth+1)
		}
	case opGetTable, opGetTableKS:
		return "field", constName(p, insC(ins))
	case opGetUpval:
		if u := insB(ins); u < len(p.DbgUpvalues) {
			return "upvalue", p.DbgUpvalues[u]
		}
		return "upvalue", "?"
	case opSelf:
		return "method", constName(p, insC(ins))
	}
	return "", ""
}

// constName is Lua 5.1's kname: the name of a constant string key, "?" otherwise.
func constName(p *lua.FunctionProto, x int) string {
	if x&rkBit != 0 {
		if k := x &^ rkBit; k < len(p.Constants) {
			if s, ok := p.Constants[k].(lua.LString); ok {
				return string(s)
			}
		}
	}
	return "?"
}

// localName is Lua 5.1's luaF_getlocalname: the name of the r-th active local
// (0-based register) at pc, "" when the register holds no named local.
func localName(p *lua.FunctionProto, r, pc int) string {
	n := r + 1
	for _, l := range p.DbgLocals {
		if l.StartPc > pc {
			break
		}
		if pc < l.EndPc {
			n--
			if n == 0 {
				return l.Name
			}
		}
	}
	return ""
}

// symbexec finds the instruction before lastpc that last set register reg, as Lua
// 5.1's symbexec does for getobjname: a linear pass that follows forward jumps
// landing at or before lastpc. It returns -1 when none did.
func symbexec(p *lua.FunctionProto, lastpc, reg int) int {
	last := -1
	code := p.Code
	for pc := 0; pc < lastpc && pc < len(code); pc++ {
		ins := code[pc]
		op, a := insOp(ins), insA(ins)
		switch op {
		case opLoadNil:
			if a <= reg && reg <= insB(ins) {
				last = pc
			}
		case opCall, opTailCall, opVararg:
			if reg >= a {
				last = pc
			}
		case opTForLoop:
			if reg >= a+2 {
				last = pc
			}
		case opSelf:
			if reg == a || reg == a+1 {
				last = pc
			}
		case opJmp:
			if dest := pc + 1 + insSbx(ins); pc < dest && dest <= lastpc {
				pc = dest - 1
			}
		case opClosure:
			if reg == a {
				last = pc
			}
			// The instructions after CLOSURE bind its upvalues: skip them.
			if k := insBx(ins); k < len(p.FunctionPrototypes) {
				pc += int(p.FunctionPrototypes[k].NumUpvalues)
			}
		case opSetGlobal, opSetUpval, opSetTable, opSetTableKS, opEq, opLt, opLe, opTest,
			opReturn, opSetList, opClose, opNop, opForLoop, opForPrep:
			// These do not load a register a name could come from (FORLOOP and
			// FORPREP update loop registers, which are locals when named).
		default:
			if reg == a {
				last = pc
			}
		}
	}
	return last
}

// luaToNumber is Lua 5.1's tonumber for arithmetic: numbers, and strings that
// read as one.
func luaToNumber(v lua.LValue) (float64, bool) { return lua51Num(v) }

// lua51CompareError is Lua 5.1's luaG_ordererror wording: "two T values" when the
// type names share their third letter (a quirk Lua 5.1 has: string and thread do).
func lua51CompareError(t1, t2 string) string {
	if len(t1) > 2 && len(t2) > 2 && t1[2] == t2[2] {
		return "attempt to compare two " + t1 + " values"
	}
	return "attempt to compare " + t1 + " with " + t2
}
