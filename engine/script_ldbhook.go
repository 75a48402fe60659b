package engine

// The Lua debugger's line hook (Redis's luaLdbLineHook). Lua 5.1 calls a line hook
// when the VM enters a new function, jumps back (a loop) or reaches an instruction
// of another line than the frame's previous one, and a count hook every 100000
// instructions. gopher-lua has neither, but while a context is set it calls the
// context's Done() before every instruction, with the frame's pc already past it:
// ldbHook is that context during a debugging session, and rebuilds Lua 5.1's rule
// from the frame's function and pc. Only debugging runs pay for it: other scripts
// run with the busy hook (script_busy.go) or none.
//
// The frame and pc are not exported by gopher-lua. Debug carries the frame, and
// the frame's fields (Idx, Fn, Pc) are exported on an unexported type, so their
// offsets come from reflection once; if gopher-lua's layout ever changes the check
// below fails and the hook falls back to stopping on line changes of the current
// function only (no loop iterations on one line).

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// ldbCountPeriod is the count hook's period (Redis sets it to 100000 instructions).
const ldbCountPeriod = 100000

// ldbFrameOffsets locates a call frame's Idx, Fn, Pc and LocalBase from a
// *lua.Debug, and the register array from a *lua.LState.
var ldbFrameOffsets = func() (o struct {
	ok                            bool
	frame, idx, fn, pc, localBase uintptr
	reg, array                    uintptr
}) {
	df, ok := reflect.TypeOf(lua.Debug{}).FieldByName("frame")
	if !ok || df.Type.Kind() != reflect.Pointer || df.Type.Elem().Kind() != reflect.Struct {
		return o
	}
	ft := df.Type.Elem()
	idx, ok1 := ft.FieldByName("Idx")
	fn, ok2 := ft.FieldByName("Fn")
	pc, ok3 := ft.FieldByName("Pc")
	lb, ok4 := ft.FieldByName("LocalBase")
	intT := reflect.TypeOf(0)
	if !ok1 || !ok2 || !ok3 || !ok4 || idx.Type != intT || pc.Type != intT || lb.Type != intT ||
		fn.Type != reflect.TypeOf((*lua.LFunction)(nil)) {
		return o
	}
	rf, ok := reflect.TypeOf(lua.LState{}).FieldByName("reg")
	if !ok || rf.Type.Kind() != reflect.Pointer || rf.Type.Elem().Kind() != reflect.Struct {
		return o
	}
	af, ok := rf.Type.Elem().FieldByName("array")
	if !ok || af.Type != reflect.TypeOf([]lua.LValue(nil)) {
		return o
	}
	o.ok, o.frame, o.idx, o.fn, o.pc, o.localBase = true, df.Offset, idx.Offset, fn.Offset, pc.Offset, lb.Offset
	o.reg, o.array = rf.Offset, af.Offset
	return o
}()

// ldbLocal is Lua 5.1's lua_getlocal for the frame dbg describes: the name and
// value of its no-th active local. gopher-lua's own GetLocal counts a local as
// active one instruction late and one early (its start and end pcs are Lua 5.1's
// startpc and endpc-1, compared as if they were not), so the name is looked up
// here and the value read from the frame's register.
func ldbLocal(L *lua.LState, dbg *lua.Debug, no int) (string, lua.LValue) {
	o := &ldbFrameOffsets
	if !o.ok {
		return L.GetLocal(dbg, no)
	}
	fp := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(dbg), o.frame))
	if fp == nil {
		return "", lua.LNil
	}
	fn := *(**lua.LFunction)(unsafe.Add(fp, o.fn))
	if fn == nil || fn.IsG || fn.Proto == nil {
		return "", lua.LNil
	}
	pc := *(*int)(unsafe.Add(fp, o.pc)) - 1
	name, n := "", no
	for _, sc := range ldbScopes(fn.Proto) {
		if sc.decl > pc {
			break
		}
		if pc >= sc.start && pc <= sc.end {
			if n--; n == 0 {
				name = sc.name
				break
			}
		}
	}
	if name == "" {
		return "", lua.LNil
	}
	reg := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), o.reg))
	if reg == nil {
		return "", lua.LNil
	}
	arr := *(*[]lua.LValue)(unsafe.Add(reg, o.array))
	i := *(*int)(unsafe.Add(fp, o.localBase)) + no - 1
	if i < 0 || i >= len(arr) || arr[i] == nil {
		return name, lua.LNil
	}
	return name, arr[i]
}

// ldbFrame is what the hook remembers of one call frame (Lua 5.1's savedpc).
type ldbFrame struct {
	fn *lua.LFunction
	pc int // the last instruction the frame ran
}

// ldbHook is the context gopher-lua polls during a debugging session.
type ldbHook struct {
	e      *luaEnv
	d      *ldbSession
	count  int        // instructions until the next count event
	frames []ldbFrame // by frame index
	// busy is set while the debugger prompt runs Lua (eval, redis): those
	// instructions are not the script's and must not stop it again.
	busy     bool
	lineTabs map[*lua.FunctionProto][]int // Lua 5.1's line tables (ldbLines)
	last     struct {                     // the previous instruction, when the frame layout is unknown
		fn   *lua.LFunction
		line int
	}
}

func (h *ldbHook) Deadline() (time.Time, bool) { return time.Time{}, false }
func (h *ldbHook) Value(any) any               { return nil }
func (h *ldbHook) Err() error                  { return context.Canceled }

// Done is called before each instruction; it returns nil (never cancels) and raises
// the debugger's errors itself.
func (h *ldbHook) Done() <-chan struct{} {
	if h.busy {
		return nil
	}
	L := h.e.L
	dbg, ok := L.GetStack(0)
	if !ok {
		return nil
	}
	var fn *lua.LFunction
	pc, idx := -1, -1
	o := &ldbFrameOffsets
	if o.ok {
		if fn, pc, idx = ldbFrameOf(dbg); fn == nil {
			return nil
		}
	} else {
		L.GetInfo("l", dbg, nil)
		if f, ok := L.GetInfo("f", dbg, nil); ok == nil {
			fn, _ = f.(*lua.LFunction)
		}
	}
	if fn == nil || fn.IsG || fn.Proto == nil {
		return nil
	}
	p := fn.Proto
	h.count--
	if h.count <= 0 {
		h.count = ldbCountPeriod
		h.event(dbg, p, h.lineAt(p, pc, dbg), true)
	}
	lines := h.lines(p)
	var fire bool
	var line int
	if o.ok {
		if pc < 0 || pc >= len(lines) {
			return nil
		}
		line = lines[pc]
		for len(h.frames) <= idx {
			h.frames = append(h.frames, ldbFrame{})
		}
		f := &h.frames[idx]
		// Lua 5.1's traceexec: a new function, a jump back, or a new line.
		fire = pc == 0 || f.fn != fn || pc <= f.pc || line != lines[f.pc]
		f.fn, f.pc = fn, pc
	} else {
		line = dbg.CurrentLine
		fire = fn != h.last.fn || line != h.last.line
		h.last.fn, h.last.line = fn, line
	}
	if fire {
		h.event(dbg, p, line, false)
	}
	return nil
}

func (h *ldbHook) lineAt(p *lua.FunctionProto, pc int, dbg *lua.Debug) int {
	if lines := h.lines(p); pc >= 0 && pc < len(lines) {
		return lines[pc]
	}
	L := h.e.L
	L.GetInfo("l", dbg, nil)
	return dbg.CurrentLine
}

// lines is p's line table as Lua 5.1 would have it, made once per function.
func (h *ldbHook) lines(p *lua.FunctionProto) []int {
	if l, ok := h.lineTabs[p]; ok {
		return l
	}
	if h.lineTabs == nil {
		h.lineTabs = make(map[*lua.FunctionProto][]int)
	}
	l := ldbLines(p)
	h.lineTabs[p] = l
	return l
}

// ldbLines is p's line per instruction as Lua 5.1's code generator assigns it,
// where gopher-lua's differs in a way a stepping user sees: a closure is made
// on the line of its "end" (Lua emits CLOSURE once the body is parsed), and a
// jump closing a block (the "else" jump of an if, a while loop's jump back) is
// on the block's last line, not on its statement's first.
func ldbLines(p *lua.FunctionProto) []int {
	l := append([]int(nil), p.DbgSourcePositions...)
	for pc := 0; pc < len(p.Code) && pc < len(l); pc++ {
		switch int(p.Code[pc] >> 26) {
		case lua.OP_CLOSURE:
			bx := int(p.Code[pc] & 0x3ffff)
			if bx < len(p.FunctionPrototypes) {
				child := p.FunctionPrototypes[bx]
				for k := 0; k <= int(child.NumUpvalues) && pc+k < len(l); k++ {
					l[pc+k] = child.LastLineDefined
				}
			}
		case lua.OP_JMP:
			if pc > 0 && l[pc] < l[pc-1] {
				l[pc] = l[pc-1]
			}
		}
	}
	return l
}

// ldbFrameOf reads the function, current pc and stack index of dbg's frame.
func ldbFrameOf(dbg *lua.Debug) (fn *lua.LFunction, pc, idx int) {
	o := &ldbFrameOffsets
	if !o.ok {
		return nil, -1, -1
	}
	fp := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(dbg), o.frame))
	if fp == nil {
		return nil, -1, -1
	}
	fn = *(**lua.LFunction)(unsafe.Add(fp, o.fn))
	if fn == nil || fn.IsG || fn.Proto == nil {
		return nil, -1, -1
	}
	return fn, *(*int)(unsafe.Add(fp, o.pc)) - 1, *(*int)(unsafe.Add(fp, o.idx))
}

// event is Redis's luaLdbLineHook for one line (count false) or count event.
func (h *ldbHook) event(dbg *lua.Debug, p *lua.FunctionProto, line int, count bool) {
	d, e := h.d, h.e
	d.line = line
	bp := d.isBreakpoint(line) || d.luabp
	// Events outside the script (ldb_eval fragments, loadstring chunks) are not
	// the user's.
	if !strings.Contains(p.SourceName, "user_script") {
		return
	}
	timeout := false
	run := e.run
	if count && !d.step && !bp {
		limit := e.s.cfg.BusyReplyThreshold
		if limit <= 0 {
			limit = 5000
		}
		if run == nil || int64((e.s.monoNow()-run.start)/time.Millisecond) < limit {
			return
		}
		timeout = true
		d.step = true
	}
	if !d.step && !bp {
		return
	}
	reason := "step over"
	if bp {
		if d.luabp {
			reason = "redis.breakpoint() called"
		} else {
			reason = "break point"
		}
	} else if timeout {
		reason = "timeout reached, infinite loop?"
	}
	d.step, d.luabp = false, false
	d.log("* Stopped at " + strconv.Itoa(line) + ", stop reason = " + reason)
	d.logSourceLine(line)
	d.send()
	h.busy = true
	msg, gone := d.repl(e)
	h.busy = false
	if msg == "" && gone && timeout {
		// Nobody will ever step out of the loop: end the script.
		msg = "timeout during Lua debugging with client closing connection"
	}
	if msg != "" {
		d.logError(msg)
		e.L.Error(luaErrorTable(e.L, msg), 0)
	}
	// The time spent at the prompt does not count.
	if run != nil {
		run.start = e.s.monoNow()
		run.lastPoll = run.start
	}
}

// redis.breakpoint(): stop at the next line, as if it had a breakpoint; true in a
// debugging session, false otherwise.
func (e *luaEnv) redisBreakpoint(L *lua.LState) int {
	if d := e.s.script.ldb; d != nil {
		d.luabp = true
		L.Push(lua.LTrue)
	} else {
		L.Push(lua.LFalse)
	}
	return 1
}

// redis.debug(v, ...): log the values, comma separated, in the debugger console.
func (e *luaEnv) redisDebug(L *lua.LState) int {
	d := e.s.script.ldb
	if d == nil {
		return 0
	}
	var b strings.Builder
	b.WriteString("<debug> line " + strconv.Itoa(d.line) + ": ")
	for i, n := 1, L.GetTop(); i <= n; i++ {
		b.WriteString(ldbRepr(L.Get(i), 0))
		if i != n {
			b.WriteString(", ")
		}
	}
	d.log(b.String())
	return 0
}

// ldbScope is where a local is active, Lua 5.1's startpc <= pc < endpc as
// start <= pc <= end; decl is gopher-lua's start (DbgLocals order).
type ldbScope struct {
	name             string
	decl, start, end int
}

// ldbScopes rebuilds the scopes of p's locals. gopher-lua's own end pcs were
// unusable (its EndScope indexed DbgLocals by register number until change 12
// of the fork's KEYGRID.md) and are not read here, so a local lasts
// to the end of the function, or of the innermost loop body it is declared in;
// a for loop's hidden locals start at its FORPREP (or first jump), once the
// initial values are computed, and end with the loop. Locals of if and do blocks
// are not ended: after such a block they stay listed until the function ends.
func ldbScopes(p *lua.FunctionProto) []ldbScope {
	sc := make([]ldbScope, len(p.DbgLocals))
	for i, lv := range p.DbgLocals {
		sc[i] = ldbScope{name: lv.Name, decl: lv.StartPc, start: lv.StartPc, end: len(p.Code)}
		if strings.HasPrefix(lv.Name, "(for ") {
			sc[i].start = ldbForStart(p, lv.StartPc)
		}
	}
	for j, inst := range p.Code {
		op := int(inst >> 26)
		if op != lua.OP_JMP && op != lua.OP_FORLOOP {
			continue
		}
		target := j + 1 + int(inst&0x3ffff) - (1<<18-1)>>1
		if target > j {
			continue
		}
		// A loop: its body is target..j, and the loop instruction closes it
		// (a generic loop's TFORLOOP, just before the jump back, is outside).
		bodyEnd := j - 1
		if j > 0 && int(p.Code[j-1]>>26) == lua.OP_TFORLOOP {
			bodyEnd = j - 2
		}
		for i := range sc {
			if strings.HasPrefix(sc[i].name, "(for ") {
				// The FORPREP (first jump) before the body is the loop's.
				if sc[i].start == target-1 && (op == lua.OP_FORLOOP || bodyEnd == j-2) {
					sc[i].end = min(sc[i].end, j)
				}
				continue
			}
			// Declared in the body: after its first instruction, or at its
			// start for a for loop's variables.
			isFor := op == lua.OP_FORLOOP || bodyEnd == j-2
			if (sc[i].decl > target || (isFor && sc[i].decl == target)) && sc[i].decl <= j {
				sc[i].end = min(sc[i].end, bodyEnd)
			}
		}
	}
	return sc
}

// ldbForStart is the pc of the FORPREP (or a generic loop's first jump) of the
// loop whose hidden locals gopher-lua declares at from.
func ldbForStart(p *lua.FunctionProto, from int) int {
	for pc := from; pc < len(p.Code); pc++ {
		if op := int(p.Code[pc] >> 26); op == lua.OP_FORPREP || op == lua.OP_JMP {
			return pc
		}
	}
	return from
}
