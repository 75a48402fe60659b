package lua

import (
	"fmt"
	"math"
	"strconv"
)

func OpenCoroutine(L *LState) int {
	// TODO: Tie module name to contents of linit.go?
	mod := L.RegisterModule(CoroutineLibName, coFuncs)
	L.Push(mod)
	return 1
}

var coFuncs = map[string]LGFunction{
	"create":  coCreate,
	"yield":   coYield,
	"resume":  coResume,
	"running": coRunning,
	"status":  coStatus,
	"wrap":    coWrap,
}

func coCreate(L *LState) int {
	fn := L.CheckFunction(1)
	newthread, _ := L.NewThread()
	base := 0
	newthread.stack.Push(callFrame{
		Fn:         fn,
		Pc:         0,
		Base:       base,
		LocalBase:  base + 1,
		ReturnBase: base,
		NArgs:      0,
		NRet:       MultRet,
		Parent:     nil,
		TailCall:   0,
	})
	L.Push(newthread)
	return 1
}

func coYield(L *LState) int {
	return -1
}

func coResume(L *LState) int {
	th := L.CheckThread(1)
	// keygrid: Lua 5.1's auxresume resumes only a suspended coroutine, and
	// says "cannot resume <status> coroutine" (KEYGRID.md). Upstream refused
	// a running or dead one only: resuming a normal one (one that resumed,
	// directly or not, the coroutine calling resume) recursed until Go's
	// stack overflowed, which kills the process.
	if status := L.Status(th); status != "suspended" {
		msg := "cannot resume " + status + " coroutine"
		if th.wrapped {
			// keygrid: Lua 5.1's auxwrap prefixes luaL_where(L, 1), the
			// position of the wrapper's caller, none when that is not Lua
			// code (pcall(co)); RaiseError took the nearest Lua code's
			// (KEYGRID.md, change 11).
			L.Error(LString(whereCaller(L)+msg), 0)
			return 0
		}
		L.Push(LFalse)
		L.Push(LString(msg))
		return 2
	}
	if !th.isStarted() && th.stack.IsEmpty() {
		// keygrid: the coroutine's function ended with `return
		// coroutine.yield(...)`: the tail call replaced its frame and the
		// yield popped the last one. As in Lua 5.1, the resume's values
		// are what the function returns, and the coroutine is dead
		// (KEYGRID.md). Upstream took the empty stack for a coroutine
		// not yet started and dereferenced its missing frame.
		th.kill()
		nargs := L.GetTop() - 1
		if th.wrapped {
			return nargs
		}
		L.Insert(LTrue, 2)
		return nargs + 1
	}
	th.Parent = L
	L.G.CurrentThread = th
	if !th.isStarted() {
		cf := th.stack.Last()
		th.currentFrame = cf
		th.SetTop(0)
		nargs := L.GetTop() - 1
		L.XMoveTo(th, nargs)
		cf.NArgs = nargs
		th.initCallFrame(cf)
		th.Panic = panicWithoutTraceback
	} else {
		nargs := L.GetTop() - 1
		base := th.reg.Top()
		L.XMoveTo(th, nargs)
		adjustResumeValues(th, base)
	}
	top := L.GetTop()
	threadRun(th)
	return L.GetTop() - top
}

// adjustResumeValues (keygrid): the values passed to resume, from register
// base up, are the results of the yield call the coroutine is suspended in,
// and Lua 5.1 adjusts them to the number that call wants, with nils for the
// missing ones (luaD_poscall), as gopher-lua does for the results of any Go
// function (callGFunction). Upstream left them as passed, so after
// `local x, y = coroutine.yield()` resumed with one value y kept what its
// register held, and with none x was not even nil (KEYGRID.md).
func adjustResumeValues(th *LState, base int) {
	cf := th.currentFrame
	if cf == nil || cf.Fn.IsG || cf.Pc == 0 {
		return
	}
	inst := cf.Fn.Proto.Code[cf.Pc-1]
	if opGetOpCode(inst) != OP_CALL || cf.LocalBase+opGetArgA(inst) != base || opGetArgC(inst) == 0 {
		return // not a yield's call, or one that takes all the values
	}
	th.reg.SetTop(base + opGetArgC(inst) - 1)
}

// CoroutineErrorHook (keygrid), when set, rewrites the error value lv that
// ends the coroutine th, before resume returns it or a wrapper raises it
// again; th's current frame is still the one the error was raised in
// (GetStack level 0), so the hook can word it as Lua 5.1 would, naming the
// variable, as keygrid's pcall handler does. Upstream has no such hook: an
// error in a coroutine reaches no handler (KEYGRID.md, change 11).
var CoroutineErrorHook func(th *LState, lv LValue) LValue

// whereCaller (keygrid) is Lua 5.1's luaL_where(L, 1) in a Go function:
// "source:line: " of the code that called it, "" when that is a Go
// function or has no line.
func whereCaller(L *LState) string {
	dbg, ok := L.GetStack(1)
	if !ok {
		return ""
	}
	if _, err := L.GetInfo("Sl", dbg, LNil); err != nil || dbg.What == "G" || dbg.CurrentLine <= 0 {
		return ""
	}
	return fmt.Sprintf("%s:%d: ", dbg.Source, dbg.CurrentLine)
}

// wrapErrorValue (keygrid) is what Lua 5.1's auxwrap raises for an error
// object lv of a wrapped coroutine: a string or a number (lua_isstring)
// gets the position of the wrapper's caller in front (a number becomes a
// string, as "%.14g" writes it); any other value is raised as it is.
func wrapErrorValue(parent *LState, lv LValue) LValue {
	switch v := lv.(type) {
	case LString:
		return LString(whereCaller(parent) + string(v))
	case LNumber:
		return LString(whereCaller(parent) + number2str51(float64(v)))
	}
	return lv
}

// number2str51 (keygrid) is Lua 5.1's lua_number2str, C's "%.14g".
func number2str51(f float64) string {
	switch {
	case math.IsNaN(f):
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}

func coRunning(L *LState) int {
	if L.G.MainThread == L {
		L.Push(LNil)
		return 1
	}
	L.Push(L.G.CurrentThread)
	return 1
}

func coStatus(L *LState) int {
	L.Push(LString(L.Status(L.CheckThread(1))))
	return 1
}

func wrapaux(L *LState) int {
	L.Insert(L.ToThread(UpvalueIndex(1)), 1)
	return coResume(L)
}

func coWrap(L *LState) int {
	coCreate(L)
	L.CheckThread(L.GetTop()).wrapped = true
	v := L.Get(L.GetTop())
	L.Pop(1)
	L.Push(L.NewClosure(wrapaux, v))
	return 1
}

//
