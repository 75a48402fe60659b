package engine

// The Lua side of scripting (Redis's script_lua.c): one sandboxed gopher-lua
// interpreter per use (EVAL scripts share one, FUNCTION libraries another), the
// redis.* API, and the conversions between Lua values and RESP.
//
// Sandbox. Redis 7.0 loads the base, table, string and math libraries plus cjson,
// struct, cmsgpack and bit, removes dofile, loadfile and print, and then makes the
// global table and every table reachable from it read-only (a patch to its Lua).
// gopher-lua has no read-only tables, so each protected table is replaced by an
// empty proxy whose metatable reads through to the real table (__index) and refuses
// writes (__newindex). Writes that bypass metamethods (rawset, table.insert, ...)
// and setmetatable are wrapped to refuse protected proxies too. The real global
// table has Redis's "nonexistent global variable" error as its __index.

import (
	"crypto/sha1"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/keygrid/keygrid/engine/lualib"
	"github.com/keygrid/keygrid/engine/resp"
	lua "github.com/yuin/gopher-lua"
	"go.uber.org/zap"
)

const (
	errReadonlyTable = "Attempt to modify a readonly table"
	// Redis's REDIS_VERSION_NUM for 7.0.15: 0x00070015 read as major<<16|minor<<8|patch.
	redisVersionNum = 7<<16 | 0<<8 | 15
)

// luaEnv is one sandboxed interpreter.
type luaEnv struct {
	s *Server
	L *lua.LState
	// globals is the real global table; gproxy is the read-only view scripts see.
	globals *lua.LTable
	gproxy  *lua.LTable
	// backing maps each read-only proxy to the table it protects.
	backing map[*lua.LTable]*lua.LTable
	proxies map[*lua.LTable]*lua.LTable // the other way round
	// errHandler turns errors into Redis's error tables (__redis__err__handler).
	errHandler *lua.LFunction
	// runHandler is the handler a script runs under: errHandler, after closing
	// the script's upvalues (errHandler itself is a global scripts may call).
	runHandler *lua.LFunction
	// pcallHandler is pcall's: Lua 5.1's wording of runtime errors.
	pcallHandler *lua.LFunction
	pcallBases   []int // register index of each pcall's callee, innermost last
	nextFn       *lua.LFunction
	// hook is the context gopher-lua polls on every instruction: the script timeout
	// check (script_busy.go).
	hook scriptHook
	// run is the script being executed, nil between scripts.
	run *scriptRun
	// argvBuf is the storage of redis.call's argv, reused call after call (the
	// command reads it and keeps copies of what it needs, as with c.argv).
	argvBuf [][]byte
	// keysT and argvT are EVAL's KEYS and ARGV tables, refilled run after run
	// (scriptArray) rather than made anew.
	keysT, argvT *lua.LTable
	// functions: this interpreter loads FUNCTION libraries (redis.register_function
	// exists only while loading one).
	functions bool
}

// newLuaEnv builds an interpreter with Redis's libraries, API and protections.
// forFunctions selects the FUNCTION flavour: the library loader's API instead of
// KEYS/ARGV globals.
func newLuaEnv(s *Server, forFunctions bool) *luaEnv {
	// Lua 5.1 allows 20000 nested calls (LUAI_MAXCALLS); gopher-lua's default of 256
	// would fail ordinary recursive scripts, so the call stack grows up to that. The
	// data stack grows too, to at least what lualib needs for large results.
	L := lua.NewState(lua.Options{SkipOpenLibs: true, CallStackSize: 20000, MinimizeStackMemory: true,
		RegistryMaxSize: max(lualib.MinRegistrySize, 1<<20)})
	e := &luaEnv{s: s, L: L, backing: make(map[*lua.LTable]*lua.LTable), proxies: make(map[*lua.LTable]*lua.LTable), functions: forFunctions}
	e.hook.e = e
	for _, open := range []lua.LGFunction{lua.OpenBase, lua.OpenTable, lua.OpenString, lua.OpenMath, lua.OpenCoroutine} {
		L.Push(L.NewFunction(open))
		L.Call(0, 0)
	}
	lualib.OpenAll(L)
	g := L.G.Global
	e.globals = g
	// Keep Redis's allow list of Lua builtins: drop what gopher-lua adds beyond
	// Lua 5.1's base library and what Redis removes (dofile, loadfile, print).
	// Redis 7.0.15 scripts have no getfenv, setfenv or newproxy either.
	for _, name := range []string{"dofile", "loadfile", "print", "_printregs", "module", "require", "_GOPHER_LUA_VERSION",
		"getfenv", "setfenv", "newproxy"} {
		g.RawSetString(name, lua.LNil)
	}
	g.RawSetString("_VERSION", lua.LString("Lua 5.1"))
	e.installLua51(g) // string.dump, loadstring (script_lua51.go)
	g.RawSetString("gcinfo", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNumber(e.memory() / 1024))
		return 1
	}))
	g.RawSetString("pcall", L.NewFunction(e.luaPcall))
	// Lua 5.1's error(): numbers get a position prefix as strings do, and the
	// position is that of the function at the level asked, none when it is not Lua
	// code (pcall(error, "x")); gopher-lua's skips to the nearest Lua frame.
	g.RawSetString("error", L.NewFunction(func(L *lua.LState) int {
		obj := L.Get(1)
		if n, ok := obj.(lua.LNumber); ok {
			obj = lua.LString(luaNumberString(float64(n)))
		}
		if str, ok := obj.(lua.LString); ok {
			if level := L.OptInt(2, 1); level > 0 {
				if dbg, ok := L.GetStack(level); ok {
					L.GetInfo("Sl", dbg, nil)
					if dbg.What != "G" && dbg.CurrentLine > 0 {
						obj = lua.LString(dbg.Source + ":" + strconv.Itoa(dbg.CurrentLine) + ": " + string(str))
					}
				}
			}
		}
		L.Error(obj, 0)
		return 0
	}))
	// Lua 5.1 prints numbers with "%.14g"; gopher-lua with Go's shortest form.
	if orig, ok := g.RawGetString("tostring").(*lua.LFunction); ok {
		g.RawSetString("tostring", L.NewFunction(func(L *lua.LState) int {
			if n, ok := L.Get(1).(lua.LNumber); ok {
				L.Push(lua.LString(luaNumberString(float64(n))))
				return 1
			}
			L.Push(orig)
			L.Push(L.CheckAny(1))
			L.Call(1, 1)
			return 1
		}))
	}
	g.RawSetString("rawset", L.NewFunction(e.luaRawset))
	g.RawSetString("rawget", L.NewFunction(e.luaRawget))
	g.RawSetString("setmetatable", L.NewFunction(e.luaSetmetatable))
	g.RawSetString("getmetatable", L.NewFunction(e.luaGetmetatable))
	e.nextFn = L.NewFunction(e.luaNext)
	g.RawSetString("next", e.nextFn)
	g.RawSetString("pairs", L.NewFunction(e.luaPairs))
	// table functions that write with raw sets.
	tbl := g.RawGetString("table").(*lua.LTable)
	for _, name := range []string{"insert", "remove", "sort", "setn"} {
		if orig, ok := tbl.RawGetString(name).(*lua.LFunction); ok {
			tbl.RawSetString(name, L.NewFunction(e.guardFirstArg(orig)))
		}
	}
	mathT := g.RawGetString("math").(*lua.LTable)
	mathT.RawSetString("random", L.NewFunction(e.mathRandom))
	mathT.RawSetString("randomseed", L.NewFunction(e.mathRandomseed))
	g.RawSetString("redis", e.redisAPI())
	e.installLib51(g)       // script_args51.go
	e.installArgChecks51(g) // script_args51.go
	relayoutLibs51(L, g)    // script_libs51.go

	// Every Go function was created with the real globals as its environment; code
	// they compile (loadstring, load) must see the protected view instead.
	e.gproxy = L.NewTable()
	L.G.Global = e.gproxy
	L.Env = e.gproxy
	e.fixEnvs(g, map[*lua.LTable]bool{})
	e.errHandler = L.NewFunction(e.luaErrHandler)
	e.runHandler = L.NewFunction(func(L *lua.LState) int {
		if luaVM.ok {
			// The whole script unwinds: close its upvalues while its registers
			// hold their values (gopher-lua leaves them open under a handler).
			luaCloseUpvaluesFrom(L, 0)
		}
		return e.luaErrHandler(L)
	})
	e.pcallHandler = L.NewFunction(func(L *lua.LState) int {
		// The unwound frames' registers are still intact here (PCall clears
		// them after): close their upvalues now.
		if n := len(e.pcallBases); n > 0 {
			luaCloseUpvaluesFrom(L, e.pcallBases[n-1])
		}
		v := L.Get(1)
		if msg, ok := v.(lua.LString); ok {
			v = lua.LString(lua51Message(lua51RuntimeError(L, 1, string(msg))))
		}
		L.Push(v)
		return 1
	})
	if !forFunctions {
		// Redis defines its EVAL error handler as a global; scripts can see it.
		g.RawSetString("__redis__err__handler", e.errHandler)
	}
	// Every global is set: fill the table again in Redis's order, so that
	// pairs(_G) lists the names as Redis does (script_libs51.go).
	g = relayoutGlobals51(L, g)
	e.globals = g

	// Lock the globals, then everything reachable from them.
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		// Redis's luaProtectedTableError: its checks, and luaL_error, so
		// the position is its caller's, none when that is a Go function
		// (string.gsub with _G, pcall).
		if L.GetTop() != 2 {
			luaErrorf(L, "Wrong number of arguments to luaProtectedTableError")
		}
		var name string
		switch k := L.Get(2).(type) {
		case lua.LString:
			name = string(k)
		case lua.LNumber:
			name = luaNumberString(float64(k))
		default:
			luaErrorf(L, "Second argument to luaProtectedTableError must be a string or number")
		}
		luaErrorf(L, "Script attempted to access nonexistent global variable '"+name+"'")
		return 0
	}))
	g.Metatable = mt
	e.protect(g, e.gproxy)
	g.RawSetString("_G", e.gproxy)
	// The string metatable (getmetatable("")) must not become a way around it:
	// getmetatable shows it read-only (luaGetmetatable). Not through a
	// __metatable field, which Redis's {__index = string} does not have
	// (pairs(getmetatable('')) lists __index alone there).
	if smt, ok := L.GetMetatable(lua.LString("")).(*lua.LTable); ok {
		smt.RawSetString("__index", e.protectValue(smt.RawGetString("__index")))
		e.protectValue(smt)
	}
	return e
}

// fixEnvs points the environment of every Go function reachable from t to the
// protected globals.
func (e *luaEnv) fixEnvs(t *lua.LTable, seen map[*lua.LTable]bool) {
	if seen[t] {
		return
	}
	seen[t] = true
	t.ForEach(func(_, v lua.LValue) {
		switch x := v.(type) {
		case *lua.LFunction:
			x.Env = e.gproxy
		case *lua.LTable:
			e.fixEnvs(x, seen)
		}
	})
}

// protectValue returns the read-only view of v when v is a table.
func (e *luaEnv) protectValue(v lua.LValue) lua.LValue {
	t, ok := v.(*lua.LTable)
	if !ok {
		return v
	}
	if _, isProxy := e.backing[t]; isProxy {
		return t
	}
	if p, ok := e.proxies[t]; ok {
		return p
	}
	p := e.L.NewTable()
	e.protect(t, p)
	return p
}

// protect makes proxy the read-only view of t and protects, recursively, the tables
// t holds (Redis's luaSetTableProtectionRecursively).
func (e *luaEnv) protect(t, proxy *lua.LTable) {
	e.backing[proxy] = t
	e.proxies[t] = proxy
	mt := e.L.NewTable()
	mt.RawSetString("__index", t)
	mt.RawSetString("__newindex", e.L.NewFunction(func(L *lua.LState) int {
		L.RaiseError(errReadonlyTable)
		return 0
	}))
	mt.RawSetString("__metatable", lua.LFalse)
	proxy.Metatable = mt
	var keys []lua.LValue
	t.ForEach(func(k, v lua.LValue) {
		if vt, ok := v.(*lua.LTable); ok && vt != t {
			keys = append(keys, k)
		}
	})
	for _, k := range keys {
		t.RawSet(k, e.protectValue(t.RawGet(k)))
	}
}

// isProtected reports whether v is a read-only proxy.
func (e *luaEnv) isProtected(v lua.LValue) bool {
	t, ok := v.(*lua.LTable)
	if !ok {
		return false
	}
	_, p := e.backing[t]
	return p
}

// real returns the table a proxy protects, or t itself.
func (e *luaEnv) real(t *lua.LTable) *lua.LTable {
	if b, ok := e.backing[t]; ok {
		return b
	}
	return t
}

// raiseNoPos raises msg as a C function's luaL_error would from outside Lua code:
// without a position prefix.
func raiseNoPos(L *lua.LState, msg string) {
	L.Error(lua.LString(msg), 0)
}

func (e *luaEnv) luaRawset(L *lua.LState) int {
	t := L.CheckTable(1)
	if e.isProtected(t) {
		raiseNoPos(L, errReadonlyTable)
	}
	switch k := L.CheckAny(2).(type) {
	case *lua.LNilType:
		raiseNoPos(L, "table index is nil") // luaH_set, from a C function: no position
	case lua.LNumber:
		if k != k {
			raiseNoPos(L, "table index is NaN")
		}
	}
	t.RawSet(L.CheckAny(2), L.CheckAny(3))
	L.SetTop(1)
	return 1
}

func (e *luaEnv) luaRawget(L *lua.LState) int {
	t := L.CheckTable(1)
	L.Push(e.real(t).RawGet(L.CheckAny(2)))
	return 1
}

func (e *luaEnv) luaSetmetatable(L *lua.LState) int {
	t := luaCheckTable(L, 1)
	mt := L.Get(2)
	if _, ok := mt.(*lua.LTable); !ok && mt != lua.LNil || L.GetTop() < 2 {
		luaArgError(L, 2, "nil or table expected")
	}
	if e.isProtected(t) {
		raiseNoPos(L, errReadonlyTable)
	}
	if old, ok := t.Metatable.(*lua.LTable); ok && old.RawGetString("__metatable") != lua.LNil {
		luaErrorf(L, "cannot change a protected metatable") // luaL_error: the caller's position
	}
	t.Metatable = mt
	L.SetTop(1)
	return 1
}

func (e *luaEnv) luaGetmetatable(L *lua.LState) int {
	v := L.CheckAny(1)
	if t, ok := v.(*lua.LTable); ok {
		if real, isProxy := e.backing[t]; isProxy {
			// A protected table shows the metatable of the table it protects (a
			// library table has none), read-only.
			if rmt, ok := real.Metatable.(*lua.LTable); ok {
				L.Push(e.protectValue(rmt))
			} else {
				L.Push(lua.LNil)
			}
			return 1
		}
	}
	mt := L.GetMetatable(v)
	if _, isString := v.(lua.LString); isString {
		L.Push(e.protectValue(mt)) // the read-only view made at setup
		return 1
	}
	if t, ok := mt.(*lua.LTable); ok {
		if f := t.RawGetString("__metatable"); f != lua.LNil {
			L.Push(f)
			return 1
		}
	}
	L.Push(mt)
	return 1
}

func (e *luaEnv) luaNext(L *lua.LState) int {
	t := e.real(L.CheckTable(1))
	k, v, ok := t.NextKey(L.Get(2))
	if !ok {
		raiseNoPos(L, "invalid key to 'next'") // luaH_next: no position
	}
	if k == lua.LNil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(k)
	L.Push(v)
	return 2
}

func (e *luaEnv) luaPairs(L *lua.LState) int {
	t := L.CheckTable(1)
	L.Push(e.nextFn)
	L.Push(t)
	L.Push(lua.LNil)
	return 3
}

// guardFirstArg wraps a table library function so it refuses read-only tables.
func (e *luaEnv) guardFirstArg(orig *lua.LFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		if e.isProtected(L.Get(1)) {
			raiseNoPos(L, errReadonlyTable)
		}
		top := L.GetTop()
		L.Push(orig)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, lua.MultRet)
		return L.GetTop() - top
	}
}

// luaPcall is Redis's pcall: an error raised as a Redis error table (redis.call's)
// is returned as its message string, as older versions did.
func (e *luaEnv) luaPcall(L *lua.LState) int {
	n := L.GetTop()
	fn := L.Get(1)
	if n == 0 {
		fn = lua.LTrue // luaRedisPcall calls its result placeholder, true
	}
	if _, ok := fn.(*lua.LFunction); !ok {
		if _, callable := L.GetMetaField(fn, "__call").(*lua.LFunction); !callable || n == 0 {
			// The call fails inside pcall, a C function: no position.
			L.Push(lua.LFalse)
			L.Push(lua.LString("attempt to call a " + fn.Type().String() + " value"))
			return 2
		}
	}
	L.Push(fn)
	for i := 2; i <= n; i++ {
		L.Push(L.Get(i))
	}
	var err error
	if luaVM.ok {
		// The handler names the variable in runtime errors as Lua 5.1 does
		// (script_errname.go); the frames it unwinds get their upvalues closed,
		// and the live ones keep theirs (luaKeepErrorFunc).
		e.pcallBases = append(e.pcallBases, luaRegTop(L)-n)
		err = L.PCall(n-1, lua.MultRet, e.pcallHandler)
		e.pcallBases = e.pcallBases[:len(e.pcallBases)-1]
		luaKeepErrorFunc(L)
	} else {
		err = L.PCall(n-1, lua.MultRet, nil)
	}
	if err != nil {
		// Redis's luaRedisPcall: a table's "err" field replaces it when a
		// string (or number); otherwise the field read stays on the stack,
		// a third result (7.0.15 does not pop it).
		obj := err.(*lua.ApiError).Object
		L.Push(lua.LFalse)
		if t, ok := obj.(*lua.LTable); ok {
			switch m := L.GetField(t, "err").(type) {
			case lua.LString, lua.LNumber:
				L.Push(m)
			default:
				L.Push(obj)
				L.Push(m)
				return 3
			}
			return 2
		}
		L.Push(obj)
		return 2
	}
	// The results are above the n arguments: put true in front of them.
	got := L.GetTop() - n
	rets := make([]lua.LValue, got)
	for i := range rets {
		rets[i] = L.Get(n + 1 + i)
	}
	L.SetTop(n)
	L.Push(lua.LTrue)
	for _, v := range rets {
		L.Push(v)
	}
	return got + 1
}

// luaErrHandler is Redis's __redis__err__handler: string errors become
// {err="ERR <msg>"}, and the error records the script position that raised it (the
// caller, when a Go function raised it).
func (e *luaEnv) luaErrHandler(L *lua.LState) int {
	errv := L.Get(1)
	var t *lua.LTable
	if e.run != nil && e.run.oomKilled {
		t = L.NewTable()
		t.RawSetString("err", lua.LString(e.s.script.mem.errText()))
	} else if e.run != nil && e.run.killed {
		t = L.NewTable()
		t.RawSetString("err", lua.LString("ERR Script killed by user with SCRIPT KILL..."))
	} else if tt, ok := errv.(*lua.LTable); ok {
		t = tt
	} else {
		msg := luaToString(errv)
		if _, isStr := errv.(lua.LString); isStr {
			// Name the variable as Lua 5.1 does, from the frame that raised
			// it, still on the stack here (script_errname.go).
			msg = lua51RuntimeError(L, 1, msg)
		}
		t = L.NewTable()
		t.RawSetString("err", lua.LString("ERR "+lua51Message(msg)))
	}
	dbg, ok := L.GetStack(1)
	if ok {
		L.GetInfo("Sl", dbg, nil)
		if dbg.What == "G" {
			// Redis's handler looks one level further when a C function
			// raised the error; if that is C code too (string.gsub calling
			// the globals' __index), the position is its: "=[C]", line -1.
			if dbg, ok = L.GetStack(2); ok {
				L.GetInfo("Sl", dbg, nil)
			}
		}
	}
	if ok && dbg.What == "G" {
		t.RawSetString("source", lua.LString("=[C]"))
		t.RawSetString("line", lua.LNumber(-1))
	} else if ok && dbg.Source != "" {
		t.RawSetString("source", lua.LString("@"+dbg.Source))
		t.RawSetString("line", lua.LNumber(dbg.CurrentLine))
	}
	L.Push(t)
	return 1
}

// lua51Message rewrites gopher-lua's wording of common runtime errors in Lua 5.1's
// (Redis's) where the two correspond without variable names, which gopher-lua does
// not track: "attempt to index a non-table object(nil) with key 'x'" becomes
// "attempt to index a nil value". Messages Lua 5.1 would complete with a name
// ("(local 't')") stay without it.
func lua51Message(msg string) string {
	prefix, msg := splitErrorPosition(msg)
	switch {
	case strings.HasPrefix(msg, "attempt to compare ") && strings.Contains(msg, " with ") && !strings.HasPrefix(msg, "attempt to compare two "):
		t1, t2, _ := strings.Cut(strings.TrimPrefix(msg, "attempt to compare "), " with ")
		msg = lua51CompareError(t1, t2)
	case msg == "for statement init must be a number":
		msg = "'for' initial value must be a number"
	case msg == "for statement limit must be a number":
		msg = "'for' limit must be a number"
	case msg == "for statement step must be a number":
		msg = "'for' step must be a number"
	case strings.HasPrefix(msg, "attempt to index a non-table object("):
		if end := strings.IndexByte(msg, ')'); end > 0 {
			msg = "attempt to index a " + msg[len("attempt to index a non-table object("):end] + " value"
		}
	case msg == "attempt to call a non-function object":
		msg = "attempt to call a nil value"
	case strings.HasPrefix(msg, "cannot perform concat operation between "):
		a, b, _ := strings.Cut(strings.TrimPrefix(msg, "cannot perform concat operation between "), " and ")
		bad := a
		if a == "string" || a == "number" {
			bad = b
		}
		msg = "attempt to concatenate a " + bad + " value"
	case strings.HasPrefix(msg, "cannot perform ") && strings.Contains(msg, " operation between "):
		rest := msg[strings.Index(msg, " operation between ")+len(" operation between "):]
		a, b, _ := strings.Cut(rest, " and ")
		bad := a
		if a == "number" || a == "string" {
			bad = b
		}
		msg = "attempt to perform arithmetic on a " + bad + " value"
	case strings.HasPrefix(msg, "bad argument #"):
		// "bad argument #1 to rep (...)" -> "bad argument #1 to 'rep' (...)"
		if i := strings.Index(msg, " to "); i > 0 {
			if j := strings.Index(msg[i+4:], " ("); j > 0 {
				name := msg[i+4 : i+4+j]
				if !strings.HasPrefix(name, "'") {
					msg = msg[:i+4] + "'" + name + "'" + msg[i+4+j:]
				}
			}
		}
	}
	return prefix + msg
}

// luaToString is Lua's tostring for error values.
func luaToString(v lua.LValue) string {
	switch x := v.(type) {
	case lua.LString:
		return string(x)
	case lua.LNumber:
		return luaNumberString(float64(x))
	case *lua.LNilType:
		return "nil"
	}
	return v.String()
}

// luaNumberString formats a number as Lua 5.1 does ("%.14g" in glibc): a NaN
// shows its sign bit, so 0/0 (x86-64's default NaN has it set) is "-nan" and
// -(0/0) "nan".
func luaNumberString(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case f != f:
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}

// luaErrorTable builds the {err=...} table Redis's luaPushError builds: a message
// starting with '-' carries its own code, any other gets "ERR ".
func luaErrorTable(L *lua.LState, msg string) *lua.LTable {
	code, text := "ERR", msg
	if strings.HasPrefix(msg, "-") {
		if i := strings.IndexByte(msg, ' '); i >= 0 {
			code, text = msg[1:i], msg[i+1:]
		} else {
			text = msg[1:]
		}
	}
	text = strings.Trim(text, "\r\n")
	t := L.NewTable()
	t.RawSetString("err", lua.LString(code+" "+text))
	return t
}

// raiseRedisError raises a Redis error table from a Go function of the API.
func raiseRedisError(L *lua.LState, msg string) {
	L.Error(luaErrorTable(L, msg), 0)
}

// --- the redis table --------------------------------------------------------------------

func (e *luaEnv) redisAPI() *lua.LTable {
	L := e.L
	t := L.NewTable()
	set := func(name string, f lua.LGFunction) { t.RawSetString(name, L.NewFunction(f)) }
	set("call", func(L *lua.LState) int { return e.redisCall(L, true) })
	set("pcall", func(L *lua.LState) int { return e.redisCall(L, false) })
	set("log", e.redisLog)
	t.RawSetString("LOG_DEBUG", lua.LNumber(0))
	t.RawSetString("LOG_VERBOSE", lua.LNumber(1))
	t.RawSetString("LOG_NOTICE", lua.LNumber(2))
	t.RawSetString("LOG_WARNING", lua.LNumber(3))
	t.RawSetString("REDIS_VERSION_NUM", lua.LNumber(redisVersionNum))
	t.RawSetString("REDIS_VERSION", lua.LString(Version))
	set("setresp", e.redisSetResp)
	set("sha1hex", func(L *lua.LState) int {
		if L.GetTop() != 1 {
			raiseRedisError(L, "wrong number of arguments")
		}
		sum := sha1.Sum([]byte(L.ToString(1)))
		L.Push(lua.LString(hex.EncodeToString(sum[:])))
		return 1
	})
	set("error_reply", func(L *lua.LState) int {
		if L.GetTop() != 1 || L.Get(1).Type() != lua.LTString {
			L.Push(luaErrorTable(L, "wrong number or type of arguments"))
			return 1
		}
		msg := L.ToString(1)
		if !strings.HasPrefix(msg, "-") {
			msg = "-" + msg
		}
		L.Push(luaErrorTable(L, msg))
		return 1
	})
	set("status_reply", func(L *lua.LState) int {
		if L.GetTop() != 1 || L.Get(1).Type() != lua.LTString {
			L.Push(luaErrorTable(L, "wrong number or type of arguments"))
			return 1
		}
		r := L.NewTable()
		r.RawSetString("ok", L.Get(1))
		L.Push(r)
		return 1
	})
	set("set_repl", e.redisSetRepl)
	t.RawSetString("REPL_NONE", lua.LNumber(replNone))
	t.RawSetString("REPL_AOF", lua.LNumber(replAOF))
	t.RawSetString("REPL_SLAVE", lua.LNumber(replReplica))
	t.RawSetString("REPL_REPLICA", lua.LNumber(replReplica))
	t.RawSetString("REPL_ALL", lua.LNumber(replAOF|replReplica))
	set("acl_check_cmd", e.redisACLCheckCmd)
	if !e.functions {
		// Debugging helpers exist in EVAL only; without SCRIPT DEBUG they do nothing.
		set("breakpoint", e.redisBreakpoint)
		set("debug", e.redisDebug)
		// 7.0 always replicates effects: the call is kept for old scripts.
		set("replicate_commands", func(L *lua.LState) int { L.Push(lua.LTrue); return 1 })
	} else {
		set("register_function", e.registerFunction)
	}
	return t
}

// Propagation targets of redis.set_repl (Redis's PROPAGATE_AOF / PROPAGATE_REPL).
const (
	replNone    = 0
	replAOF     = 1
	replReplica = 2
)

func (e *luaEnv) redisSetRepl(L *lua.LState) int {
	if e.run == nil {
		raiseRedisError(L, "redis.set_repl can only be called inside a script invocation")
	}
	if L.GetTop() != 1 {
		raiseRedisError(L, "redis.set_repl() requires two arguments.")
	}
	flags := int(float64(L.ToNumber(-1)))
	if flags&^(replAOF|replReplica) != 0 {
		raiseRedisError(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
	}
	e.run.repl = flags
	return 0
}

func (e *luaEnv) redisSetResp(L *lua.LState) int {
	if e.run == nil {
		raiseRedisError(L, "redis.setresp can only be called inside a script invocation")
	}
	if L.GetTop() != 1 {
		raiseRedisError(L, "redis.setresp() requires one argument.")
	}
	v := int(float64(L.ToNumber(1)))
	if v != 2 && v != 3 {
		raiseRedisError(L, "RESP version must be 2 or 3.")
	}
	e.run.fake.proto = v
	return 0
}

// redis.log(level, msg, ...): Redis's log levels map to zap's.
func (e *luaEnv) redisLog(L *lua.LState) int {
	argc := L.GetTop()
	if argc < 2 {
		raiseRedisError(L, "redis.log() requires two arguments or more.")
	}
	lv, ok := L.Get(1).(lua.LNumber)
	if !ok {
		if s, isStr := L.Get(1).(lua.LString); isStr {
			if f, err := strconv.ParseFloat(strings.TrimSpace(string(s)), 64); err == nil {
				lv, ok = lua.LNumber(f), true
			}
		}
	}
	if !ok {
		raiseRedisError(L, "First argument must be a number (log level).")
	}
	level := int(float64(lv))
	if level < 0 || level > 3 {
		raiseRedisError(L, "Invalid debug level.")
	}
	var b strings.Builder
	for i := 2; i <= argc; i++ {
		v := L.Get(i)
		var s string
		switch x := v.(type) {
		case lua.LString:
			s = string(x)
		case lua.LNumber:
			s = luaNumberString(float64(x))
		default:
			continue
		}
		if i != 2 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	log := e.s.log
	switch level {
	case 0, 1:
		log.Debug(b.String(), zap.String("from", "script"))
	case 2:
		log.Info(b.String(), zap.String("from", "script"))
	default:
		log.Warn(b.String(), zap.String("from", "script"))
	}
	return 0
}

// redis.acl_check_cmd(cmd, ...): whether the caller's user may run the command.
func (e *luaEnv) redisACLCheckCmd(L *lua.LState) int {
	if e.run == nil {
		raiseRedisError(L, "redis.acl_check_cmd can only be called inside a script invocation")
	}
	argv, errMsg := luaArgs(L, nil)
	if errMsg != "" {
		raiseRedisError(L, errMsg)
	}
	cmd := e.s.commands.Lookup(argv[0])
	if cmd != nil && len(cmd.Subs) > 0 && len(argv) >= 2 {
		cmd = cmd.LookupSub(argv[1])
	}
	if cmd == nil {
		raiseRedisError(L, "Invalid command passed to redis.acl_check_cmd()")
	}
	L.Push(lua.LBool(e.s.aclAllowed(e.run.caller, cmd, argv))) // acl.go
	return 1
}

// luaArgs converts the arguments of redis.call into a command line, as Redis's
// luaArgsToRedisArgv: numbers as "%.17g", strings as they are, anything else an
// error.
func luaArgs(L *lua.LState, dst [][]byte) ([][]byte, string) {
	n := L.GetTop()
	if n == 0 {
		return nil, "Please specify at least one argument for this redis lib call"
	}
	argv := dst[:0]
	if cap(argv) < n {
		argv = make([][]byte, n)
	}
	argv = argv[:n]
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			// No copy: the bytes are only read while the command runs (a client's
			// argv normally points into its read buffer, so commands copy what they
			// keep and never write to their arguments), and the slice keeps the
			// immutable Lua string alive.
			argv[i-1] = unsafe.Slice(unsafe.StringData(string(v)), len(v))
		case lua.LNumber:
			if f := float64(v); f != f || math.IsInf(f, 0) {
				argv[i-1] = []byte(luaNumberString(f)) // "%.17g": -nan, nan, inf, -inf
				continue
			}
			argv[i-1] = strconv.AppendFloat(nil, float64(v), 'g', 17, 64)
			argv[i-1] = fixG17(argv[i-1])
		default:
			return nil, "Lua redis lib command arguments must be strings or integers"
		}
	}
	return argv, ""
}

// fixG17 makes Go's 'g' formatting match C's "%.17g" exponent form (e+07, not e+7).
func fixG17(b []byte) []byte {
	i := strings.IndexByte(string(b), 'e')
	if i < 0 || len(b)-i >= 4 {
		return b
	}
	// e+7 -> e+07
	out := make([]byte, 0, len(b)+1)
	out = append(out, b[:i+2]...)
	out = append(out, '0')
	return append(out, b[i+2:]...)
}

// --- math.random ------------------------------------------------------------------------

// Redis replaces math.random with its own lrand48 so every platform gives the same
// sequence; the state is the server's and, as in 7.0, is never reseeded between
// scripts (effects replication makes it irrelevant to replicas).
const lrand48Max = 1<<31 - 1

func (s *Server) lrand48() int32 {
	st := &s.script.rand
	if !st.init {
		st.x, st.init = 0x1234ABCD330E, true
	}
	st.x = (0x5DEECE66D*st.x + 0xB) & (1<<48 - 1)
	return int32(st.x >> 17)
}

func (s *Server) srand48(seed int32) {
	st := &s.script.rand
	st.x = uint64(uint16(uint32(seed)>>16))<<32 | uint64(uint16(seed))<<16 | 0x330E
	st.init = true
}

func (e *luaEnv) mathRandom(L *lua.LState) int {
	if e.run == nil {
		L.RaiseError("math.random can only be called inside a script invocation")
	}
	r := float64(e.s.lrand48()%lrand48Max) / float64(lrand48Max)
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(r))
	case 1:
		u := luaCheckInt(L, 1)
		if u < 1 {
			luaArgError(L, 1, "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u)) + 1))
	case 2:
		l, u := luaCheckInt(L, 1), luaCheckInt(L, 2)
		if l > u {
			luaArgError(L, 2, "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u-l+1)) + float64(l)))
	default:
		luaErrorf(L, "wrong number of arguments")
	}
	return 1
}

func (e *luaEnv) mathRandomseed(L *lua.LState) int {
	if e.run == nil {
		L.RaiseError("math.randomseed can only be called inside a script invocation")
	}
	e.s.srand48(int32(luaCheckInt(L, 1)))
	return 0
}

// luaCheckInt is Lua 5.1's luaL_checkint: a number, or a string that reads as one
// (math.randomseed(ARGV[1])), truncated; gopher-lua's CheckInt refuses strings.
func luaCheckInt(L *lua.LState, n int) int {
	return luaCheckIntC(L, n)
}

// memory is the interpreter's heap as INFO reports it; gopher-lua has no allocator
// of its own, so this is an estimate from the size of its global state.
func (e *luaEnv) memory() int64 {
	return 32768 + int64(len(e.backing))*512
}

// --- RESP -> Lua ------------------------------------------------------------------------

// respToLua converts the reply at b[0:] into a Lua value, as Redis's
// redisProtocolToLuaType, and returns the bytes consumed. ok is false for a
// reply absent from b (no reply at all).
func respToLua(L *lua.LState, b []byte) (v lua.LValue, n int) {
	if len(b) == 0 {
		return lua.LNil, 0
	}
	end := 0
	for end+1 < len(b) && !(b[end] == '\r' && b[end+1] == '\n') {
		end++
	}
	line := b[1:end]
	next := end + 2
	switch b[0] {
	case '+':
		t := L.NewTable()
		t.RawSetString("ok", lua.LString(line))
		return t, next
	case '-':
		t := luaErrorTable(L, "-"+string(line))
		t.RawSetString("ignore_error_stats_update", lua.LTrue)
		return t, next
	case ':':
		i, _ := strconv.ParseInt(string(line), 10, 64)
		return lua.LNumber(i), next
	case '$', '=':
		l, _ := strconv.Atoi(string(line))
		if l < 0 {
			return lua.LFalse, next
		}
		data := b[next : next+l]
		if b[0] == '=' {
			t := L.NewTable()
			vt := L.NewTable()
			vt.RawSetString("string", lua.LString(data[4:]))
			vt.RawSetString("format", lua.LString(data[:3]))
			t.RawSetString("verbatim_string", vt)
			return t, next + l + 2
		}
		return lua.LString(data), next + l + 2
	case '*', '~', '>':
		l, _ := strconv.Atoi(string(line))
		if l < 0 {
			return lua.LFalse, next
		}
		t := L.NewTable()
		var set *lua.LTable
		if b[0] == '~' {
			set = L.NewTable()
			t.RawSetString("set", set)
		}
		for i := 0; i < l; i++ {
			v, m := respToLua(L, b[next:])
			next += m
			if set != nil {
				set.RawSet(v, lua.LTrue)
			} else if v != lua.LNil {
				t.RawSetInt(i+1, v)
			}
		}
		return t, next
	case '%':
		l, _ := strconv.Atoi(string(line))
		t := L.NewTable()
		m := L.NewTable()
		t.RawSetString("map", m)
		for i := 0; i < l; i++ {
			k, n1 := respToLua(L, b[next:])
			next += n1
			v, n2 := respToLua(L, b[next:])
			next += n2
			if k != lua.LNil {
				m.RawSet(k, v)
			}
		}
		return t, next
	case '|':
		l, _ := strconv.Atoi(string(line))
		for i := 0; i < 2*l; i++ {
			_, m := respToLua(L, b[next:])
			next += m
		}
		v, m := respToLua(L, b[next:])
		return v, next + m
	case '_':
		return lua.LNil, next
	case '#':
		return lua.LBool(len(line) > 0 && line[0] == 't'), next
	case ',':
		f, _ := strconv.ParseFloat(string(line), 64)
		switch string(line) {
		case "inf":
			f = math.Inf(1)
		case "-inf":
			f = math.Inf(-1)
		case "nan":
			f = math.NaN()
		}
		t := L.NewTable()
		t.RawSetString("double", lua.LNumber(f))
		return t, next
	case '(':
		t := L.NewTable()
		t.RawSetString("big_number", lua.LString(line))
		return t, next
	}
	return lua.LNil, next
}

// --- Lua -> RESP ------------------------------------------------------------------------

// replyLua writes v to c as Redis's luaReplyToRedisReply does. scriptProto is the
// protocol the script selected with redis.setresp (it decides how booleans go out).
func (s *Server) replyLua(c *Client, scriptProto int, v lua.LValue, depth int) {
	if depth > 1000 {
		s.replyScriptError(c, "reached lua stack limit", true)
		return
	}
	switch x := v.(type) {
	case lua.LString:
		c.ReplyBulkString(string(x))
	case lua.LBool:
		if scriptProto == 2 {
			if x {
				c.ReplyInt(1)
			} else {
				c.ReplyNull()
			}
		} else {
			c.out = resp.AppendBool(c.out, bool(x), c.proto)
		}
	case lua.LNumber:
		c.ReplyInt(luaInt(float64(x)))
	case *lua.LTable:
		if _, ok := x.RawGetString("err").(lua.LString); ok {
			info := extractErrInfo(x)
			s.replyScriptError(c, "-"+info.msg, !info.ignoreStats)
			return
		}
		if ok, isStr := x.RawGetString("ok").(lua.LString); isStr {
			c.ReplySimple(strings.NewReplacer("\r", " ", "\n", " ").Replace(string(ok)))
			return
		}
		if d, isNum := x.RawGetString("double").(lua.LNumber); isNum {
			c.ReplyDouble(float64(d))
			return
		}
		if bn, isStr := x.RawGetString("big_number").(lua.LString); isStr {
			n := strings.NewReplacer("\r", " ", "\n", " ").Replace(string(bn))
			c.out = resp.AppendBigNumber(c.out, n, c.proto)
			return
		}
		if vt, isT := x.RawGetString("verbatim_string").(*lua.LTable); isT {
			if f, isStr := vt.RawGetString("format").(lua.LString); isStr {
				if str, isStr2 := vt.RawGetString("string").(lua.LString); isStr2 {
					c.out = resp.AppendVerbatim(c.out, string(str), string(f), c.proto)
					return
				}
			}
		}
		if m, isT := x.RawGetString("map").(*lua.LTable); isT {
			var pairs []lua.LValue
			forEachOrdered(m, func(k, v lua.LValue) { pairs = append(pairs, k, v) })
			c.ReplyMap(len(pairs) / 2)
			for _, p := range pairs {
				s.replyLua(c, scriptProto, p, depth+1)
			}
			return
		}
		if st, isT := x.RawGetString("set").(*lua.LTable); isT {
			var keys []lua.LValue
			forEachOrdered(st, func(k, _ lua.LValue) { keys = append(keys, k) })
			c.ReplySet(len(keys))
			for _, k := range keys {
				s.replyLua(c, scriptProto, k, depth+1)
			}
			return
		}
		n := 0
		for x.RawGetInt(n+1) != lua.LNil {
			n++
		}
		c.ReplyArray(n)
		for i := 1; i <= n; i++ {
			s.replyLua(c, scriptProto, x.RawGetInt(i), depth+1)
		}
	default:
		c.ReplyNull()
	}
}

// forEachOrdered iterates as lua_next does: the array part, then the hash
// part's nodes (gopher-lua's table is Lua 5.1's, KEYGRID.md change 15).
func forEachOrdered(t *lua.LTable, f func(k, v lua.LValue)) {
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		f(k, v)
	}
}

// luaInt converts a Lua number to an integer reply as C's (long long) cast does on
// x86-64: truncation, with out-of-range values and NaN giving the minimum.
func luaInt(f float64) int64 {
	if f != f || f >= 9.223372036854775807e18 || f < -9.223372036854775808e18 {
		return math.MinInt64
	}
	return int64(f)
}

// errInfo is what Redis's luaExtractErrorInformation reads from an error table.
type errInfo struct {
	msg, source, line string
	hasPos            bool
	ignoreStats       bool
}

func extractErrInfo(t *lua.LTable) errInfo {
	var ei errInfo
	if m, ok := t.RawGetString("err").(lua.LString); ok {
		ei.msg = string(m)
	} else if m, ok := t.RawGetString("err").(lua.LNumber); ok {
		ei.msg = luaNumberString(float64(m))
	}
	src, ok1 := t.RawGetString("source").(lua.LString)
	var line string
	switch l := t.RawGetString("line").(type) {
	case lua.LNumber:
		line = luaNumberString(float64(l))
	case lua.LString:
		line = string(l)
	}
	if ok1 && line != "" {
		ei.source, ei.line, ei.hasPos = string(src), line, true
	}
	if b, ok := t.RawGetString("ignore_error_stats_update").(lua.LBool); ok {
		ei.ignoreStats = bool(b)
	}
	return ei
}

// replyScriptError replies an error exactly as given (Redis's addReplyErrorSdsEx:
// no "ERR " is added to a message with a lower-case first word), counting it in the
// error stats unless the command that raised it was counted already.
func (s *Server) replyScriptError(c *Client, msg string, count bool) {
	if !strings.HasPrefix(msg, "-") {
		msg = "-ERR " + msg
	}
	c.out = resp.AppendError(c.out, msg)
	if !count {
		// Not counted again in the error stats, but the script did fail
		// (Redis's ERR_REPLY_FLAG_NO_STATS_UPDATE counts failed_calls directly).
		if c.cmd != nil {
			c.cmd.stats.Failed++
		}
		return
	}
	// The code is the first word, looked for in the first 32 bytes (Redis's
	// afterErrorReply).
	code := "ERR"
	if i := strings.IndexByte(msg[:min(len(msg), 32)], ' '); i > 1 {
		code = msg[1:i]
	}
	s.countError(code, c.cmd)
}
