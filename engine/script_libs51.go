package engine

// The library tables as Redis 7.0.15 builds them, so that pairs over them
// goes in Redis's order: gopher-lua's table is a Lua 5.1 table
// (internal/third_party/gopher-lua/KEYGRID.md, change 15), whose order
// follows from the table's sizes and the order its keys were added in.
// luaL_register (lauxlib.c luaI_openlib) creates a library's table with
// lua_createtable(0, number of functions) and sets them in the order of the
// C array; cjson and cmsgpack build theirs with lua_newtable and
// lua_setfield. keygrid's libraries are set up by gopher-lua's and its own
// Go code in other orders: each table is built again here, once, before the
// globals are protected. So is the globals table, last (relayoutGlobals51).

import (
	lua "github.com/yuin/gopher-lua"
)

// luaLibLayouts lists, for each library, the size its table is created
// with (lua_createtable's nrec; 0 for lua_newtable) and its keys in the
// order Redis's C code sets them.
var luaLibLayouts = []struct {
	name string
	size int
	keys []string
}{
	// lstrlib.c strlib, then gfind again (LUA_COMPAT_GFIND: same key).
	{"string", 15, []string{"byte", "char", "dump", "find", "format", "gfind", "gmatch", "gsub", "len", "lower", "match", "rep", "reverse", "sub", "upper"}},
	// ltablib.c tab_funcs.
	{"table", 9, []string{"concat", "foreach", "foreachi", "getn", "maxn", "insert", "remove", "setn", "sort"}},
	// lmathlib.c mathlib, then pi, huge and mod (LUA_COMPAT_MOD); Redis
	// replaces random and randomseed later (same keys).
	{"math", 28, []string{"abs", "acos", "asin", "atan2", "atan", "ceil", "cosh", "cos", "deg", "exp", "floor", "fmod", "frexp", "ldexp", "log10", "log", "max", "min", "modf", "pow", "rad", "random", "randomseed", "sinh", "sin", "sqrt", "tanh", "tan", "pi", "huge", "mod"}},
	// lua_cjson.c lua_cjson_new: lua_newtable, reg[], null, _NAME, _VERSION.
	{"cjson", 0, []string{"encode", "decode", "encode_sparse_array", "encode_max_depth", "decode_max_depth", "encode_number_precision", "encode_keep_buffer", "encode_invalid_numbers", "decode_invalid_numbers", "new", "null", "_NAME", "_VERSION"}},
	// lua_struct.c thislib.
	{"struct", 3, []string{"pack", "unpack", "size"}},
	// lua_cmsgpack.c luaopen_create: lua_newtable, cmds[], then metadata.
	{"cmsgpack", 0, []string{"pack", "unpack", "unpack_one", "unpack_limit", "_NAME", "_VERSION", "_COPYRIGHT", "_DESCRIPTION"}},
	// lua_bit.c bit_funcs.
	{"bit", 12, []string{"tobit", "bnot", "band", "bor", "bxor", "lshift", "rshift", "arshift", "rol", "ror", "bswap", "tohex"}},
}

// relayoutLibs51 replaces each library table of g by one built as Redis
// builds it, with the same values; keys Redis does not have keep
// gopher-lua's order after Redis's. The string library gets its own
// metatable, {__index = string} (lstrlib.c createmetatable): gopher-lua
// made the library its own metatable, so pairs(string) listed __index.
func relayoutLibs51(L *lua.LState, g *lua.LTable) {
	for _, lib := range luaLibLayouts {
		old, ok := g.RawGetString(lib.name).(*lua.LTable)
		if !ok {
			continue
		}
		t := L.CreateTable(0, lib.size)
		in := make(map[string]bool, len(lib.keys))
		for _, k := range lib.keys {
			in[k] = true
			if v := old.RawGetString(k); v != lua.LNil {
				t.RawSetString(k, v)
			}
		}
		isString := lib.name == "string"
		for k, v := old.Next(lua.LNil); k != lua.LNil; k, v = old.Next(k) {
			if s, ok := k.(lua.LString); ok && (in[string(s)] || isString && (s == "__index" || s == "__metatable")) {
				continue
			}
			t.RawSet(k, v)
		}
		t.Metatable = old.Metatable
		g.RawSetString(lib.name, t)
		if isString && L.GetMetatable(lua.LString("")) == lua.LValue(old) {
			mt := L.CreateTable(0, 1)
			mt.RawSetString("__index", t)
			L.SetMetatable(lua.LString(""), mt)
		}
	}
}

// The globals table as Redis 7.0.15 fills it, step by step (lstate.c,
// lbaselib.c, lauxlib.c, script_lua.c luaRegisterRedisAPI, eval.c
// scriptingInit). A global's node follows from every key added before it,
// those whose value is nil included: luaV_settable adds the key (luaH_set)
// before it calls the allow list's __newindex, so a name the allow list
// refuses keeps a node, value nil, until the next rehash drops it.
type luaGlobalOp uint8

const (
	globalSet    luaGlobalOp = iota // added with its value
	globalRefuse                    // key added, value nil (refused by the allow list)
	globalClear                     // an existing key set to nil (it keeps its node)
)

// luaGlobalSteps are the keys stored into the globals table, in order.
// Stores to a key the table already holds (pcall, math and redis again)
// change no layout and are left out.
var luaGlobalSteps = []struct {
	name string
	op   luaGlobalOp
}{
	// base_open: _G, then luaL_register(L, "_G", base_funcs) in the array's
	// order. dofile, loadfile and print are on the deny list. getfenv,
	// setfenv and newproxy are on 7.0.15's allow list, but the servers we
	// compare with (Debian's 7.0.15, with the 2025 Lua security fixes) have
	// none of them, and pairs(_G) goes in their order only when the three
	// are refused here as the deny list's names are.
	{"_G", globalSet},
	{"assert", globalSet},
	{"collectgarbage", globalSet},
	{"dofile", globalRefuse},
	{"error", globalSet},
	{"gcinfo", globalSet},
	{"getfenv", globalRefuse},
	{"getmetatable", globalSet},
	{"loadfile", globalRefuse},
	{"load", globalSet},
	{"loadstring", globalSet},
	{"next", globalSet},
	{"pcall", globalSet},
	{"print", globalRefuse},
	{"rawequal", globalSet},
	{"rawget", globalSet},
	{"rawset", globalSet},
	{"select", globalSet},
	{"setfenv", globalRefuse},
	{"setmetatable", globalSet},
	{"tonumber", globalSet},
	{"tostring", globalSet},
	{"type", globalSet},
	{"unpack", globalSet},
	{"xpcall", globalSet},
	{"_VERSION", globalSet},
	{"ipairs", globalSet},
	{"pairs", globalSet},
	{"newproxy", globalRefuse},
	// luaopen_base's coroutine, then luaLoadLibraries' order (luaL_findtable
	// or lua_setglobal of each library's name).
	{"coroutine", globalSet},
	{"table", globalSet},
	{"string", globalSet},
	{"math", globalSet},
	{"debug", globalSet},
	{"cjson", globalSet},
	{"struct", globalSet},
	{"cmsgpack", globalSet},
	{"bit", globalSet},
	// luaRegisterRedisAPI.
	{"redis", globalSet},
	// The error handler's chunk: "debug = nil", then (EVAL's state only)
	// function __redis__err__handler. KEYS and ARGV come with the first
	// EVAL (luaCallFunction), as here.
	{"debug", globalClear},
	{"__redis__err__handler", globalSet},
}

// relayoutGlobals51 returns a globals table holding g's values, built as
// Redis builds its globals: lua_open makes it with luaH_new(L, 0, 2) and
// luaGlobalSteps follow. A name g does not hold is left out (keygrid has no
// debug library: its key is added and cleared with a placeholder value);
// keys Redis does not have keep g's order after Redis's. _G is the new
// table itself, as base_open sets it.
func relayoutGlobals51(L *lua.LState, g *lua.LTable) *lua.LTable {
	t := L.CreateTable(0, 2)
	in := make(map[string]bool, len(luaGlobalSteps))
	for _, s := range luaGlobalSteps {
		in[s.name] = true
		switch s.op {
		case globalRefuse, globalClear:
			t.RawSetString(s.name, lua.LNil)
		case globalSet:
			v := g.RawGetString(s.name)
			switch {
			case s.name == "_G":
				v = t
			case s.name == "debug":
				v = lua.LTrue
			}
			if v != lua.LNil {
				t.RawSetString(s.name, v)
			}
		}
	}
	for k, v := g.Next(lua.LNil); k != lua.LNil; k, v = g.Next(k) {
		if s, ok := k.(lua.LString); ok && in[string(s)] || v == lua.LNil {
			continue
		}
		t.RawSet(k, v)
	}
	t.Metatable = g.Metatable
	return t
}
