package lualib

// The "cjson" library: Lua CJSON 2.1.0 (Mark Pulford) as bundled with Redis
// (deps/lua/src/lua_cjson.c, strbuf.c, fpconv.c).
//
//	cjson.encode(value)  -> JSON text
//	cjson.decode(text)   -> value (JSON null decodes to cjson.null)
//	cjson.null           -> the null sentinel (a userdata)
//	cjson.new()          -> an independent cjson table with its own settings
//	cjson.encode_sparse_array([convert [, ratio [, safe]]])
//	cjson.encode_max_depth([depth]) / cjson.decode_max_depth([depth])
//	cjson.encode_number_precision([1..14])
//	cjson.encode_keep_buffer([bool]) / cjson.encode_invalid_numbers([bool|"null"])
//	cjson.decode_invalid_numbers([bool])
//
// Differences from Redis that cannot be removed: objects are written in
// gopher-lua's table iteration order (insertion order), not in the order of
// Lua 5.1's hash part, so an object with several keys may list them
// differently; its content is the same.

import (
	"fmt"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// Null is cjson.null: Redis uses a NULL lightuserdata, which gopher-lua does
// not have, so a single shared userdata stands for it. The scripting engine
// can compare against it (Redis converts any userdata reply to a null).
var Null = &lua.LUserData{}

// cjsonConfig is json_config_t: the settings one cjson table's functions
// share.
type cjsonConfig struct {
	sparseConvert     int // 0/1: encode excessively sparse arrays as objects
	sparseRatio       int
	sparseSafe        int
	encodeMaxDepth    int
	decodeMaxDepth    int
	encodeInvalidNums int // 0 off, 1 on, 2 "null"
	decodeInvalidNums int
	encodeKeepBuffer  int // no observable effect here; kept for its getter
	encodePrecision   int
}

func defaultCJSONConfig() *cjsonConfig {
	return &cjsonConfig{
		sparseRatio:       2,
		sparseSafe:        10,
		encodeMaxDepth:    1000,
		decodeMaxDepth:    1000,
		decodeInvalidNums: 1,
		encodeKeepBuffer:  1,
		encodePrecision:   14,
	}
}

// OpenCJSON registers the global table "cjson" (Redis builds its Lua CJSON
// with ENABLE_CJSON_GLOBAL).
func OpenCJSON(L *lua.LState) {
	L.SetGlobal("cjson", newCJSON(L))
}

// newCJSON is lua_cjson_new: a module table bound to a fresh config.
func newCJSON(L *lua.LState) *lua.LTable {
	cfg := defaultCJSONConfig()
	t := newLib(L, map[string]lua.LGFunction{
		"encode":                  cfg.encode,
		"decode":                  cfg.decode,
		"encode_sparse_array":     cfg.cfgEncodeSparseArray,
		"encode_max_depth":        cfg.cfgEncodeMaxDepth,
		"decode_max_depth":        cfg.cfgDecodeMaxDepth,
		"encode_number_precision": cfg.cfgEncodeNumberPrecision,
		"encode_keep_buffer":      cfg.cfgEncodeKeepBuffer,
		"encode_invalid_numbers":  cfg.cfgEncodeInvalidNumbers,
		"decode_invalid_numbers":  cfg.cfgDecodeInvalidNumbers,
		"new": func(L *lua.LState) int {
			L.Push(newCJSON(L))
			return 1
		},
	})
	t.RawSetString("null", Null)
	t.RawSetString("_NAME", lua.LString("cjson"))
	t.RawSetString("_VERSION", lua.LString("2.1.0"))
	return t
}

/* ===== configuration ===== */

// cjsonArgInit is json_arg_init: at most args arguments, padded with nils
// so the results pushed next do not land on argument slots.
func cjsonArgInit(L *lua.LState, args int) {
	if L.GetTop() > args {
		argError(L, args+1, "found too many arguments")
	}
	for L.GetTop() < args {
		L.Push(lua.LNil)
	}
}

// integerOption is json_integer_option. The value goes through a C int, and
// the range error always names argument 1, as in C.
func integerOption(L *lua.LState, idx int, setting *int, min, max int) {
	if L.Get(idx) != lua.LNil {
		v := int(int32(checkInteger(L, idx)))
		if v < min || v > max {
			argError(L, 1, fmt.Sprintf("expected integer between %d and %d", min, max))
		}
		*setting = v
	}
	L.Push(lua.LNumber(*setting))
}

// enumOption is json_enum_option with bool_true = 1: booleans or one of the
// option names; returns a boolean for off/on and the name otherwise.
func enumOption(L *lua.LState, idx int, setting *int, options []string) {
	if v := L.Get(idx); v != lua.LNil {
		if b, ok := v.(lua.LBool); ok {
			*setting = 0
			if b {
				*setting = 1
			}
		} else {
			name := checkString(L, idx)
			found := -1
			for i, o := range options {
				if o == name {
					found = i
					break
				}
			}
			if found < 0 {
				argError(L, idx, fmt.Sprintf("invalid option '%s'", name))
			}
			*setting = found
		}
	}
	if *setting == 0 || *setting == 1 {
		L.Push(lua.LBool(*setting == 1))
	} else {
		L.Push(lua.LString(options[*setting]))
	}
}

var boolOptions = []string{"off", "on"}

func (c *cjsonConfig) cfgEncodeSparseArray(L *lua.LState) int {
	cjsonArgInit(L, 3)
	enumOption(L, 1, &c.sparseConvert, boolOptions)
	integerOption(L, 2, &c.sparseRatio, 0, math.MaxInt32)
	integerOption(L, 3, &c.sparseSafe, 0, math.MaxInt32)
	return 3
}

func (c *cjsonConfig) cfgEncodeMaxDepth(L *lua.LState) int {
	cjsonArgInit(L, 1)
	integerOption(L, 1, &c.encodeMaxDepth, 1, math.MaxInt32)
	return 1
}

func (c *cjsonConfig) cfgDecodeMaxDepth(L *lua.LState) int {
	cjsonArgInit(L, 1)
	integerOption(L, 1, &c.decodeMaxDepth, 1, math.MaxInt32)
	return 1
}

func (c *cjsonConfig) cfgEncodeNumberPrecision(L *lua.LState) int {
	cjsonArgInit(L, 1)
	integerOption(L, 1, &c.encodePrecision, 1, 14)
	return 1
}

func (c *cjsonConfig) cfgEncodeKeepBuffer(L *lua.LState) int {
	cjsonArgInit(L, 1)
	enumOption(L, 1, &c.encodeKeepBuffer, boolOptions)
	return 1
}

func (c *cjsonConfig) cfgEncodeInvalidNumbers(L *lua.LState) int {
	cjsonArgInit(L, 1)
	enumOption(L, 1, &c.encodeInvalidNums, []string{"off", "on", "null"})
	return 1
}

func (c *cjsonConfig) cfgDecodeInvalidNumbers(L *lua.LState) int {
	cjsonArgInit(L, 1)
	enumOption(L, 1, &c.decodeInvalidNums, boolOptions)
	return 1
}
