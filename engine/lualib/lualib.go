package lualib

// Helpers shared by the four libraries: the lauxlib checks (luaL_checknumber,
// luaL_checklstring, luaL_argerror...) re-done with Lua 5.1's exact messages,
// and the C conversions (strtod, "%.14g", double to integer casts) whose
// results leak into script-visible values.
//
// Errors follow luaL_error: the message is prefixed with "chunk:line: " of
// the calling function when that is a Lua function (luaL_where(L, 1)), and
// with nothing when it was called from Go (pcall(f, ...), for example).
// gopher-lua's own RaiseError skips Go frames looking for a Lua one and its
// ArgError leaves the function name unquoted, so raise/argError do it here.

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// luaMaxCStack is Lua 5.1's LUAI_MAXCSTACK: lua_checkstack fails once a C
// function would hold more than this many slots. Redis's libraries call
// luaL_checkstack while building results (struct.unpack, cmsgpack.unpack,
// cjson nesting), so the same limit produces the same "stack overflow (...)"
// errors here. The scripting engine must let gopher-lua's registry grow past
// this (lua.Options.RegistryMaxSize = MinRegistrySize) or large results
// fail earlier with gopher-lua's "registry overflow".
const luaMaxCStack = 8000

// OpenAll registers the four Redis script libraries as globals, in the order
// Redis's luaLoadLibraries loads them (cjson, struct, cmsgpack, bit).
func OpenAll(L *lua.LState) {
	OpenCJSON(L)
	OpenStruct(L)
	OpenCMsgpack(L)
	OpenBit(L)
}

// newLib creates a table holding funcs (no global is set).
func newLib(L *lua.LState, funcs map[string]lua.LGFunction) *lua.LTable {
	t := L.NewTable()
	for k, f := range funcs {
		t.RawSetString(k, L.NewFunction(f))
	}
	return t
}

// raise is luaL_error.
func raise(L *lua.LState, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	L.Error(lua.LString(where(L)+msg), 0)
}

// where is luaL_where(L, 1): the position of the caller when it is a Lua
// function, else "".
func where(L *lua.LState) string {
	dbg, ok := L.GetStack(1)
	if !ok {
		return ""
	}
	if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil || dbg.CurrentLine <= 0 || dbg.What == "G" {
		return ""
	}
	return fmt.Sprintf("%s:%d: ", dbg.Source, dbg.CurrentLine)
}

// funcName is the name luaL_argerror prints for the running Go function:
// the name the caller used (field, global or local), or "?" when it has none
// (called through pcall, for example).
func funcName(L *lua.LState) string {
	dbg, ok := L.GetStack(0)
	if !ok {
		return "?"
	}
	if _, err := L.GetInfo("n", dbg, lua.LNil); err != nil {
		return "?"
	}
	name := dbg.Name
	if name == "" || name == "(anonymous)" || strings.HasPrefix(name, "<") {
		return "?"
	}
	return name
}

// argError is luaL_argerror.
func argError(L *lua.LState, n int, msg string) {
	raise(L, "bad argument #%d to '%s' (%s)", n, funcName(L), msg)
}

// typeName is luaL_typename: "no value" past the top of the stack.
func typeName(L *lua.LState, n int) string {
	if n > L.GetTop() {
		return "no value"
	}
	return L.Get(n).Type().String()
}

// typeError is luaL_typerror.
func typeError(L *lua.LState, n int, expected string) {
	argError(L, n, fmt.Sprintf("%s expected, got %s", expected, typeName(L, n)))
}

// toNumber is lua_tonumber plus lua_isnumber: numbers, and strings Lua 5.1
// would convert.
func toNumber(v lua.LValue) (float64, bool) {
	switch x := v.(type) {
	case lua.LNumber:
		return float64(x), true
	case lua.LString:
		return str2d(string(x))
	}
	return 0, false
}

// checkNumber is luaL_checknumber.
func checkNumber(L *lua.LState, n int) float64 {
	f, ok := toNumber(L.Get(n))
	if !ok {
		typeError(L, n, "number")
	}
	return f
}

// checkInteger is luaL_checkinteger: the number truncated to a C long.
func checkInteger(L *lua.LState, n int) int64 {
	return toInt64C(checkNumber(L, n))
}

// optInteger is luaL_optinteger.
func optInteger(L *lua.LState, n int, def int64) int64 {
	if L.Get(n) == lua.LNil { // none or nil
		return def
	}
	return checkInteger(L, n)
}

// checkString is luaL_checklstring: strings, and numbers converted with
// Lua's "%.14g".
func checkString(L *lua.LState, n int) string {
	switch x := L.Get(n).(type) {
	case lua.LString:
		return string(x)
	case lua.LNumber:
		return numberToString(float64(x))
	}
	typeError(L, n, "string")
	return ""
}

// numberToString is Lua 5.1's lua_number2str ("%.14g").
func numberToString(f float64) string { return formatG(f, 14) }

// formatG formats f as C's printf("%.<prec>g") does with glibc.
func formatG(f float64, prec int) string {
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
	// Go's 'g' verb picks exponent form under the same rule as C (exponent
	// < -4 or >= precision), drops trailing zeros and prints at least two
	// exponent digits, so the output is byte-identical.
	return strconv.FormatFloat(f, 'g', prec, 64)
}

// toInt64C converts like a C cast from double to a 64-bit integer on x86-64
// (cvttsd2si): truncation, and the "integer indefinite" value for NaN and
// out-of-range inputs. Go leaves those cases implementation-defined.
func toInt64C(f float64) int64 {
	if f != f || f >= 9223372036854775808.0 || f < -9223372036854775808.0 {
		return math.MinInt64
	}
	return int64(f)
}

// toInt32C is the same cast to a 32-bit int.
func toInt32C(f float64) int32 {
	if f != f || f >= 2147483648.0 || f <= -2147483649.0 {
		return math.MinInt32
	}
	return int32(f)
}

// toUint64C is the cast from double to a 64-bit unsigned integer as GCC
// emits it on x86-64: values below 2^63 go through the signed conversion,
// larger ones are shifted down by 2^63 first and the top bit put back.
func toUint64C(f float64) uint64 {
	if !(f >= 9223372036854775808.0) { // includes NaN
		return uint64(toInt64C(f))
	}
	return uint64(toInt64C(f-9223372036854775808.0)) ^ (1 << 63)
}

// isSpace is C's isspace in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

// str2d is Lua 5.1's luaO_str2d: strtod over the whole string, trailing
// white space allowed. The string ends at its first NUL, as C sees it.
func str2d(s string) (float64, bool) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	f, end := strtod(s, 0)
	if end == 0 {
		return 0, false
	}
	if end < len(s) && (s[end] == 'x' || s[end] == 'X') {
		// Lua's fallback to strtoul for hex; glibc's strtod already parses
		// hex, so this only triggers for "0x" with no digits, which
		// strtoul reads as 0 without consuming the x.
		return 0, false
	}
	for end < len(s) && isSpace(s[end]) {
		end++
	}
	return f, end == len(s)
}

// byteAt returns s[i], or 0 past the end: C code scanning a Lua string sees
// its terminating NUL there.
func byteAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func isDigit(c byte) bool    { return c >= '0' && c <= '9' }
func isHexDigit(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }

// strtod parses a number at s[start:] as glibc's strtod does (leading white
// space, sign, decimal or hex digits with optional fraction and exponent,
// "inf", "infinity", "nan", "nan(chars)"), returning the value and the index
// just past what it consumed, or start when nothing could be parsed.
func strtod(s string, start int) (float64, int) {
	i := start
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if c := byteAt(s, i); c == '+' || c == '-' {
		neg = c == '-'
		i++
	}
	sign := func(f float64) float64 {
		if neg {
			return -f
		}
		return f
	}
	rest := s[i:]
	if hasPrefixFold(rest, "inf") {
		if hasPrefixFold(rest, "infinity") {
			return sign(math.Inf(1)), i + 8
		}
		return sign(math.Inf(1)), i + 3
	}
	if hasPrefixFold(rest, "nan") {
		j := i + 3
		if byteAt(s, j) == '(' {
			k := j + 1
			for k < len(s) && (isDigit(s[k]) || s[k] == '_' || (s[k]|0x20 >= 'a' && s[k]|0x20 <= 'z')) {
				k++
			}
			if byteAt(s, k) == ')' {
				j = k + 1
			}
		}
		return sign(math.NaN()), j
	}
	if byteAt(s, i) == '0' && byteAt(s, i+1)|0x20 == 'x' &&
		(isHexDigit(byteAt(s, i+2)) || (byteAt(s, i+2) == '.' && isHexDigit(byteAt(s, i+3)))) {
		return parseHex(s, i+2, sign)
	}
	// Decimal: digits [. digits] [e [sign] digits], at least one digit.
	j := i
	digits := 0
	for isDigit(byteAt(s, j)) {
		j++
		digits++
	}
	if byteAt(s, j) == '.' {
		j++
		for isDigit(byteAt(s, j)) {
			j++
			digits++
		}
	}
	if digits == 0 {
		return 0, start
	}
	if byteAt(s, j)|0x20 == 'e' {
		k := j + 1
		if c := byteAt(s, k); c == '+' || c == '-' {
			k++
		}
		if isDigit(byteAt(s, k)) {
			for isDigit(byteAt(s, k)) {
				k++
			}
			j = k
		}
	}
	f, err := strconv.ParseFloat(s[i:j], 64)
	if err != nil && !isRangeErr(err) {
		return 0, start
	}
	return sign(f), j
}

// parseHex parses the hex digits of a "0x" number starting at i.
func parseHex(s string, i int, sign func(float64) float64) (float64, int) {
	var b strings.Builder
	b.WriteString("0x")
	j := i
	for isHexDigit(byteAt(s, j)) {
		b.WriteByte(s[j])
		j++
	}
	if byteAt(s, j) == '.' {
		j++
		if b.Len() == 2 {
			b.WriteByte('0')
		}
		b.WriteByte('.')
		for isHexDigit(byteAt(s, j)) {
			b.WriteByte(s[j])
			j++
		}
	}
	exp := "p0"
	if byteAt(s, j)|0x20 == 'p' {
		k := j + 1
		if c := byteAt(s, k); c == '+' || c == '-' {
			k++
		}
		if isDigit(byteAt(s, k)) {
			for isDigit(byteAt(s, k)) {
				k++
			}
			exp = "p" + s[j+1:k]
			j = k
		}
	}
	b.WriteString(exp)
	f, err := strconv.ParseFloat(b.String(), 64)
	if err != nil && !isRangeErr(err) {
		return 0, i - 1 // "0" parsed, stopped at the x
	}
	return sign(f), j
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// tableEntries returns t's pairs in next's order: the order cjson.encode
// and cmsgpack.pack write them in. gopher-lua's table is keygrid's Lua 5.1
// table (internal/third_party/gopher-lua/KEYGRID.md, change 15), so its
// order is Redis's.
func tableEntries(t *lua.LTable) (keys, vals []lua.LValue) {
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		keys = append(keys, k)
		vals = append(vals, v)
	}
	return keys, vals
}
