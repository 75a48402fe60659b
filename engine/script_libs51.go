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
// globals are protected.

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
