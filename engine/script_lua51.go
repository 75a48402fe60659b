package engine

// Lua 5.1 pieces gopher-lua lacks or words differently: string.dump, loadstring's
// chunk names and its refusal of binary chunks (Redis 7.0's Lua parses text only:
// its f_parser never calls the undumper, so loadstring(string.dump(f)) returns nil
// and "unexpected symbol near 'char(27)'").

import (
	"encoding/binary"
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// luaSignature starts every binary chunk (Lua 5.1's LUA_SIGNATURE).
const luaSignature = "\x1bLua"

// installLua51 replaces string.dump, string.format, loadstring and load in the real global
// table g.
func (e *luaEnv) installLua51(g *lua.LTable) {
	L := e.L
	if st, ok := g.RawGetString("string").(*lua.LTable); ok {
		st.RawSetString("dump", L.NewFunction(luaStringDump))
		st.RawSetString("format", L.NewFunction(luaStringFormat)) // script_strformat.go
	}
	g.RawSetString("loadstring", L.NewFunction(luaLoadstring))
	// xpcall's handlers, innermost last, for load (luaLoad).
	var handlers []lua.LValue
	var xpcallFn *lua.LFunction
	// gopher-lua's xpcall leaves its state as if no error handler were set, which
	// makes the next error close live upvalues (luaKeepErrorFunc).
	if orig, ok := g.RawGetString("xpcall").(*lua.LFunction); ok && luaVM.ok {
		xpcallFn = L.NewFunction(func(L *lua.LState) int {
			top := L.GetTop()
			if top < 2 {
				luaArgError(L, 2, "value expected") // luaL_checkany(L, 2)
			}
			f, fok := L.Get(1).(*lua.LFunction)
			h, hok := L.Get(2).(*lua.LFunction)
			switch {
			case !fok:
				// Lua 5.1 calls it anyway: the call fails, and the handler
				// gets "attempt to call a T value" (an error in it, or a
				// handler that is no function, is "error in error handling").
				msg := "attempt to call a " + L.Get(1).Type().String() + " value"
				L.SetTop(0)
				L.Push(lua.LFalse)
				if !hok {
					L.Push(lua.LString("error in error handling"))
					return 2
				}
				L.Push(h)
				L.Push(lua.LString(msg))
				if err := L.PCall(1, 1, nil); err != nil {
					L.SetTop(1)
					L.Push(lua.LString("error in error handling"))
				}
				return 2
			case !hok:
				// No handler to call: fine unless f fails.
				L.Push(f)
				err := L.PCall(0, lua.MultRet, nil)
				luaKeepErrorFunc(L)
				if err != nil {
					L.SetTop(0)
					L.Push(lua.LFalse)
					L.Push(lua.LString("error in error handling"))
					return 2
				}
				L.Insert(lua.LTrue, top+1)
				return L.GetTop() - top
			}
			L.Push(orig)
			for i := 1; i <= top; i++ {
				if i == 2 {
					h := luaXpcallHandler(L, L.Get(2))
					handlers = append(handlers, h)
					defer func() { handlers = handlers[:len(handlers)-1] }()
					L.Push(h)
					continue
				}
				L.Push(L.Get(i))
			}
			L.Call(top, lua.MultRet)
			luaKeepErrorFunc(L)
			return L.GetTop() - top
		})
		g.RawSetString("xpcall", xpcallFn)
	}
	g.RawSetString("load", L.NewFunction(func(L *lua.LState) int {
		// The handler an error raised here goes through is the one Lua 5.1's
		// L->errfunc holds: the innermost pcall's (none) or xpcall's, else the
		// script's (Redis's error handler), none in a coroutine or while a
		// FUNCTION library loads.
		var h lua.LValue
		if L == e.L && e.run != nil {
			h = e.errHandler
		}
		pcallFn, _ := e.globals.RawGetString("pcall").(*lua.LFunction)
		nx := len(handlers)
		for level := 1; ; level++ {
			dbg, ok := L.GetStack(level)
			if !ok {
				break
			}
			f, _ := L.GetInfo("f", dbg, nil)
			if fn, _ := f.(*lua.LFunction); fn == nil || !fn.IsG {
				continue
			} else if fn == pcallFn {
				h = nil
				break
			} else if fn == xpcallFn && nx > 0 {
				h = handlers[nx-1]
				break
			}
		}
		return luaLoad(L, h, e.errHandler)
	}))
}

// luaXpcallHandler wraps xpcall's handler h as Lua 5.1 runs it: h sees the
// runtime error in Lua 5.1's words (the variable named, as pcall's handler does),
// and an error inside h makes xpcall return "error in error handling"
// (LUA_ERRERR) instead of h's own error.
func luaXpcallHandler(L *lua.LState, h lua.LValue) lua.LValue {
	if _, ok := h.(*lua.LFunction); !ok {
		return h // gopher-lua's own xpcall refuses it
	}
	return L.NewFunction(func(L *lua.LState) int {
		v := L.Get(1)
		if msg, ok := v.(lua.LString); ok {
			v = lua.LString(lua51Message(lua51RuntimeError(L, 1, string(msg))))
		}
		top := L.GetTop()
		L.Push(h)
		L.Push(v)
		if err := L.PCall(1, 1, nil); err != nil {
			L.SetTop(top)
			L.Push(lua.LString("error in error handling"))
		}
		return 1
	})
}

// luaStringDump is string.dump: a Lua function as a binary chunk in Lua 5.1's
// container format (header, then the function's prototype: source, lines, flags,
// code, constants, nested prototypes, debug information). The instructions are
// gopher-lua's, so no Lua could run the chunk; nothing here loads one anyway, as
// in Redis. A Go function cannot be dumped.
func luaStringDump(L *lua.LState) int {
	v := L.Get(1)
	fn, ok := v.(*lua.LFunction)
	if !ok || L.GetTop() < 1 {
		luaTypeError(L, 1, "function")
	}
	if fn.IsG || fn.Proto == nil {
		luaErrorf(L, "unable to dump given function")
	}
	// Header: signature, version 5.1, official format, little endian, sizes of
	// int, size_t, Instruction and lua_Number, numbers are not integral.
	b := []byte(luaSignature + "\x51\x00\x01\x04\x08\x04\x08\x00")
	b = dumpProto(b, fn.Proto, "")
	L.Push(lua.LString(b))
	return 1
}

// dumpProto appends p as Lua 5.1's DumpFunction lays a prototype out; a nested
// prototype whose source is its parent's stores none.
func dumpProto(b []byte, p *lua.FunctionProto, parentSource string) []byte {
	src := "@" + p.SourceName
	if src == parentSource {
		b = dumpString(b, "", false)
	} else {
		b = dumpString(b, src, true)
	}
	b = dumpInt(b, p.LineDefined)
	b = dumpInt(b, p.LastLineDefined)
	b = append(b, p.NumUpvalues, p.NumParameters, p.IsVarArg, p.NumUsedRegisters)
	b = dumpInt(b, len(p.Code))
	for _, ins := range p.Code {
		b = binary.LittleEndian.AppendUint32(b, ins)
	}
	b = dumpInt(b, len(p.Constants))
	for _, k := range p.Constants {
		switch x := k.(type) {
		case lua.LBool:
			b = append(b, 1)
			if x {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		case lua.LNumber:
			b = append(b, 3)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(float64(x)))
		case lua.LString:
			b = append(b, 4)
			b = dumpString(b, string(x), true)
		default:
			b = append(b, 0)
		}
	}
	b = dumpInt(b, len(p.FunctionPrototypes))
	for _, sub := range p.FunctionPrototypes {
		b = dumpProto(b, sub, src)
	}
	b = dumpInt(b, len(p.DbgSourcePositions))
	for _, l := range p.DbgSourcePositions {
		b = dumpInt(b, l)
	}
	b = dumpInt(b, len(p.DbgLocals))
	for _, l := range p.DbgLocals {
		b = dumpString(b, l.Name, true)
		b = dumpInt(b, l.StartPc)
		b = dumpInt(b, l.EndPc)
	}
	b = dumpInt(b, len(p.DbgUpvalues))
	for _, u := range p.DbgUpvalues {
		b = dumpString(b, u, true)
	}
	return b
}

func dumpInt(b []byte, n int) []byte { return binary.LittleEndian.AppendUint32(b, uint32(int32(n))) }

// dumpString writes a size_t length counting the terminating NUL, the bytes and
// the NUL; an absent string is a zero length.
func dumpString(b []byte, s string, present bool) []byte {
	if !present {
		return binary.LittleEndian.AppendUint64(b, 0)
	}
	b = binary.LittleEndian.AppendUint64(b, uint64(len(s)+1))
	b = append(b, s...)
	return append(b, 0)
}

// luaLoadstring is Lua 5.1's loadstring(s [, chunkname]): the chunk is named as
// Lua 5.1 names it in messages ([string "..."]), compile errors are Lua 5.1's
// (script_parse51.go), and a binary chunk is refused by the text parser, as in
// Redis ("unexpected symbol near 'char(27)'").
func luaLoadstring(L *lua.LState) int {
	src := L.CheckString(1)
	return luaLoadChunk(L, src, L.OptString(2, src))
}

// luaLoad is Lua 5.1's load(func [, chunkname]): the chunk is the pieces func
// returns until nil or "", named "=(load)" by default. lua_load reads the
// pieces in protected mode, so an error in func, or a piece that is not a
// string, is returned (nil and the error) after going through the error handler
// h in force (nil: none), as Lua 5.1 runs L->errfunc on any runtime error;
// script is the script's handler (Redis's error tables).
func luaLoad(L *lua.LState, h lua.LValue, script *lua.LFunction) int {
	fn, ok := L.Get(1).(*lua.LFunction)
	if !ok {
		luaArgError(L, 1, "function expected, got "+luaArgTypeName(L, 1))
	}
	source := "=(load)"
	if L.Get(2) != lua.LNil {
		source = luaCheckString(L, 2)
	}
	var b strings.Builder
	for {
		base := L.GetTop()
		if luaVM.ok {
			base = luaRegTop(L)
		}
		L.Push(fn)
		err := L.PCall(0, 1, L.NewFunction(func(L *lua.LState) int {
			if luaVM.ok {
				// The reader's frames unwind: close their upvalues while
				// their registers still hold the values.
				luaCloseUpvaluesFrom(L, base)
			}
			// Word the error here, where the frame that raised it is level 1.
			v := L.Get(1)
			if msg, ok := v.(lua.LString); ok {
				v = lua.LString(lua51Message(lua51RuntimeError(L, 1, string(msg))))
			}
			if h == nil {
				L.Push(v)
				return 1
			}
			L.Push(h)
			L.Push(v)
			L.Call(1, 1)
			if t, ok := L.Get(-1).(*lua.LTable); ok && h == lua.LValue(script) {
				// The script's handler saw this function as the raiser:
				// record the position it would have seen.
				t.RawSetString("source", lua.LNil)
				t.RawSetString("line", lua.LNil)
				if dbg, ok := L.GetStack(1); ok {
					L.GetInfo("Sl", dbg, nil)
					if dbg.What == "G" {
						if d2, ok2 := L.GetStack(2); ok2 {
							L.GetInfo("Sl", d2, nil)
							dbg = d2
						}
					}
					if dbg.What != "G" && dbg.Source != "" {
						t.RawSetString("source", lua.LString("@"+dbg.Source))
						t.RawSetString("line", lua.LNumber(dbg.CurrentLine))
					}
				}
			}
			return 1
		}))
		if luaVM.ok {
			luaKeepErrorFunc(L)
		}
		if err != nil {
			L.Push(lua.LNil)
			L.Push(err.(*lua.ApiError).Object)
			return 2
		}
		ret := L.Get(-1)
		L.Pop(1)
		var s string
		switch x := ret.(type) {
		case *lua.LNilType:
		case lua.LString:
			s = string(x)
		case lua.LNumber:
			sp := cSpec{prec: 14}
			s = string(sp.formatFloat(nil, float64(x), 'g'))
		default:
			var msg lua.LValue = lua.LString(luaWhere(L) + "reader function must return a string")
			if h != nil {
				L.Push(h)
				L.Push(msg)
				L.Call(1, 1)
				msg = L.Get(-1)
				L.Pop(1)
			}
			L.Push(lua.LNil)
			L.Push(msg)
			return 2
		}
		if s == "" {
			break
		}
		b.WriteString(s)
	}
	return luaLoadChunk(L, b.String(), source)
}

// luaLoadChunk compiles src for loadstring and load: nil and Lua 5.1's message
// when it does not compile. Lua names the chunk in a syntax error with room for
// 80 bytes (llex.c's MAXSRC), at run time with LUA_IDSIZE's 60.
func luaLoadChunk(L *lua.LState, src, source string) int {
	// A script calls these from one C call level down (lua_pcall).
	fn, msg, bad := lua51Load(L, src, luaChunkIDSize(source, 80), luaChunkID(source), 1)
	if bad {
		L.Push(lua.LNil)
		L.Push(lua.LString(msg))
		return 2
	}
	L.Push(fn)
	return 1
}

// luaChunkID is Lua 5.1's luaO_chunkid with its LUA_IDSIZE of 60: "=name" as is,
// "@file" as a file name (its tail when long), any other source as
// [string "first line"], cut short with "..." when longer.
func luaChunkID(source string) string { return luaChunkIDSize(source, 60) }

// luaChunkIDSize is luaO_chunkid with a buffer of idSize bytes.
func luaChunkIDSize(source string, idSize int) string {
	if i := strings.IndexByte(source, 0); i >= 0 {
		source = source[:i] // a C string ends at its first NUL
	}
	switch {
	case strings.HasPrefix(source, "="):
		s := source[1:]
		if len(s) > idSize-1 {
			s = s[:idSize-1]
		}
		return s
	case strings.HasPrefix(source, "@"):
		s := source[1:]
		if max := idSize - len(" '...' ") - 1; len(s) > max {
			return "..." + s[len(s)-max:]
		}
		return s
	}
	n := strings.IndexAny(source, "\n\r")
	if n < 0 {
		n = len(source)
	}
	if max := idSize - len(" [string \"...\"] ") - 1; n > max {
		n = max
	}
	if n < len(source) {
		return "[string \"" + source[:n] + "...\"]"
	}
	return "[string \"" + source + "\"]"
}
