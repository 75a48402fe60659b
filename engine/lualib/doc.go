// Package lualib provides, as gopher-lua modules, the Lua libraries Redis 7.0
// bundles for scripts (deps/lua/src in the Redis tree): cjson, cmsgpack, bit
// and struct. It is pure: it imports only gopher-lua and the standard library,
// so the scripting engine (EVAL/FUNCTION) wires it in with one call:
//
//	L := lua.NewState(lua.Options{SkipOpenLibs: true, RegistryMaxSize: lualib.MinRegistrySize})
//	... open base, table, string, math libraries ...
//	lualib.OpenAll(L) // globals cjson, struct, cmsgpack, bit
//
// Each Open function registers one library as a global table, as Redis's
// luaLoadLibraries does:
//
//	OpenCJSON(L)    // cjson.encode/decode/null/new and the encode_* / decode_* settings
//	OpenCMsgpack(L) // cmsgpack.pack/unpack/unpack_one/unpack_limit
//	OpenBit(L)      // bit.tobit/tohex/bnot/band/bor/bxor/lshift/rshift/arshift/rol/ror/bswap
//	OpenStruct(L)   // struct.pack/unpack/size
//
// Behaviour follows the C versions shipped with Redis 7.0.15, down to the
// error strings: luaL_error's "chunk:line: " prefix when the caller is a Lua
// function (none when called from Go, e.g. through pcall), luaL_argerror's
// "bad argument #n to 'name' (...)", C's integer casts of out-of-range
// doubles, glibc's strtod and "%.14g", and Lua 5.1's 8000-slot C stack limit
// (luaL_checkstack) that Redis relies on to refuse huge results.
//
// Objects and maps are written in next()'s order, which is Lua 5.1's:
// gopher-lua's table is keygrid's Lua 5.1 table
// (internal/third_party/gopher-lua/KEYGRID.md, change 15).
//
// What cannot match: cjson.null is a shared userdata
// (Null) rather than a NULL lightuserdata, so tostring(cjson.null) differs;
// method-call misuse (cjson:encode(1)) reports "bad argument #1" where Lua
// 5.1 says "calling 'encode' on bad self".
//
// Tests: lualib_test.go holds table-driven cases; TestDiffRedis runs about
// 750 Lua snippets through redis-server's EVAL and through this package and
// compares the results; fuzz_test.go fuzzes the three decoders.
package lualib

// MinRegistrySize is the gopher-lua registry size (lua.Options.RegistryMaxSize,
// with the registry allowed to grow) that lets struct.unpack, cmsgpack.unpack
// and friends return as many values as Redis's Lua does (up to its
// 8000-slot limit, plus room for the script's own frames). With gopher-lua's
// default fixed registry (5120 slots) large results fail early with
// "registry overflow" instead.
const MinRegistrySize = 16 * 1024
