package engine

// The argument checks of Lua 5.1's libraries (lauxlib.c's luaL_check* and
// luaL_opt*), made before gopher-lua's functions run: Lua 5.1's words
// ("bad argument #1 to 'sub' (number expected, got no value)", where
// gopher-lua says "got nil"), the function named as the caller named it
// (luaArgError: field, local, method with "calling 'x' on bad self" and its
// arguments counted without self, "?" from pcall), the caller's position, and
// Lua 5.1's conversions: a number where a string is expected is "%.14g"
// (string.rep(1/3, 1) is "0.33333333333333"), a string where a number is
// expected reads as strtod reads it (string.sub("abc", "2")), both handed to
// gopher-lua's function already converted. Each check costs a type switch
// per argument on the call; nothing is allocated unless a conversion is made.

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// luaArgSpec is a list of checks: pairs of an argument number (1-9) and a
// kind, in the order Lua 5.1's function makes them:
//
//	a any value (luaL_checkany)       s string  S optional string
//	n number (int checks read alike)  N optional number
//	t table                           f function  F optional function
//	r string.gsub's replacement: a string, number, table or function
type luaArgSpec string

// luaLibArgSpecs are the checks of the functions gopher-lua provides, by
// library table ("" for the globals).
var luaLibArgSpecs = map[string]map[string]luaArgSpec{
	"": {
		"getmetatable": "1a", "ipairs": "1t", "loadstring": "1s2S", "next": "1t", "pairs": "1t",
		"rawequal": "1a2a", "rawget": "1t2a", "rawset": "1t2a3a", "tostring": "1a", "type": "1a",
		"error": "2N",
	},
	"string": {
		"len": "1s", "lower": "1s", "upper": "1s", "reverse": "1s", "rep": "1s2n", "sub": "1s2n3N",
	},
	"table": {
		"maxn": "1t", "getn": "1t", "foreach": "1t2f", "foreachi": "1t2f",
	},
	"math": {
		"abs": "1n", "acos": "1n", "asin": "1n", "atan": "1n", "atan2": "2n1n", "ceil": "1n", "cos": "1n",
		"cosh": "1n", "deg": "1n", "exp": "1n", "floor": "1n", "frexp": "1n", "ldexp": "2n1n",
		"log10": "1n", "pow": "2n1n", "rad": "1n", "sin": "1n", "sinh": "1n",
		"sqrt": "1n", "tan": "1n", "tanh": "1n",
	},
}

// installArgChecks51 puts Lua 5.1's argument checks in front of the library
// functions of g (the real globals), after every replacement keygrid makes.
func (e *luaEnv) installArgChecks51(g *lua.LTable) {
	for lib, specs := range luaLibArgSpecs {
		t := g
		if lib != "" {
			var ok bool
			if t, ok = g.RawGetString(lib).(*lua.LTable); !ok {
				continue
			}
		}
		for name, spec := range specs {
			fn, ok := t.RawGetString(name).(*lua.LFunction)
			if !ok || !fn.IsG {
				continue
			}
			orig, spec := fn.GFunction, spec
			w := e.L.NewFunction(func(L *lua.LState) int {
				luaCheckArgs(L, spec)
				return orig(L)
			})
			w.Upvalues = fn.Upvalues // ipairs keeps its iterator there
			t.RawSetString(name, w)
		}
	}
}

// luaCheckArgs makes the checks of spec on the running Go function's
// arguments, converting them in place as Lua 5.1 would read them.
func luaCheckArgs(L *lua.LState, spec luaArgSpec) {
	top := L.GetTop()
	for i := 0; i+1 < len(spec); i += 2 {
		n := int(spec[i] - '0')
		kind := spec[i+1]
		v := L.Get(n)
		if n > top {
			v = nil // none
		}
		switch kind {
		case 'a':
			if v == nil {
				luaArgError(L, n, "value expected")
			}
		case 'S', 'N', 'F':
			if v == nil || v == lua.LNil {
				continue
			}
		}
		switch kind {
		case 's', 'S':
			switch x := v.(type) {
			case lua.LString:
			case lua.LNumber:
				L.Replace(n, lua.LString(luaNumberString(float64(x))))
			default:
				luaTypeError(L, n, "string")
			}
		case 'n', 'N':
			switch x := v.(type) {
			case lua.LNumber:
			case lua.LString:
				f, ok := luaStr2Number(string(x))
				if !ok {
					luaTypeError(L, n, "number")
				}
				L.Replace(n, lua.LNumber(f))
			default:
				luaTypeError(L, n, "number")
			}
		case 't':
			if _, ok := v.(*lua.LTable); !ok {
				luaTypeError(L, n, "table")
			}
		case 'f', 'F':
			if _, ok := v.(*lua.LFunction); !ok {
				luaTypeError(L, n, "function")
			}
		case 'r':
			switch x := v.(type) {
			case lua.LNumber:
				L.Replace(n, lua.LString(luaNumberString(float64(x)))) // add_s's lua_tolstring
			case lua.LString, *lua.LTable, *lua.LFunction:
			default:
				luaArgError(L, n, "string/function/table expected")
			}
		}
	}
}

// luaTypeError is luaL_typerror: "T expected, got U", U "no value" past the
// arguments.
func luaTypeError(L *lua.LState, n int, want string) {
	luaArgError(L, n, want+" expected, got "+luaArgTypeName(L, n))
}

// luaStr2Number is Lua 5.1's luaO_str2d: glibc's strtod over the whole
// string but trailing white space ("0x10", " 1e1 ", "inf" and "nan" read),
// a hexadecimal integer through strtoul. The string is a C string: it ends
// at a NUL byte.
func luaStr2Number(s string) (float64, bool) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	t := strings.TrimRight(strings.TrimLeft(s, " \t\n\v\f\r"), " \t\n\v\f\r")
	if t == "" {
		return 0, false
	}
	body, neg := t, false
	if body[0] == '+' || body[0] == '-' {
		neg = body[0] == '-'
		body = body[1:]
	}
	sign := func(f float64) float64 {
		if neg {
			return -f
		}
		return f
	}
	lower := strings.ToLower(body)
	switch {
	case lower == "inf" || lower == "infinity":
		return sign(math.Inf(1)), true
	case lower == "nan" || strings.HasPrefix(lower, "nan(") && strings.HasSuffix(lower, ")") &&
		strings.Trim(lower[4:len(lower)-1], "abcdefghijklmnopqrstuvwxyz0123456789_") == "":
		return sign(math.NaN()), true
	case strings.HasPrefix(lower, "0x"):
		if strings.ContainsAny(lower[2:], "_+-") && !strings.Contains(lower, "p") {
			return 0, false
		}
		if !strings.Contains(lower, "p") {
			lower += "p0" // Go reads hexadecimal floats with an exponent only
		}
		f, err := strconv.ParseFloat(lower, 64)
		if (err == nil || isRangeErr(err)) && !strings.Contains(lower, "_") {
			return sign(f), true
		}
		return 0, false
	}
	for i := 0; i < len(lower); i++ {
		if c := lower[i]; !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == '+' || c == '-') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(body, 64)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	return sign(f), true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// luaCheckIntC is luaL_checkint: luaL_checknumber converted as C converts a
// double to lua_Integer (x86-64's truncation, the lowest value when out of
// range or NaN), then to a 32-bit int.
func luaCheckIntC(L *lua.LState, n int) int {
	return int(int32(luaInt(luaCheckNumber(L, n))))
}

// luaOptIntC is luaL_optint: def when the argument is none or nil.
func luaOptIntC(L *lua.LState, n, def int) int {
	if L.Get(n) == lua.LNil {
		return def
	}
	return luaCheckIntC(L, n)
}

// luaCheckTable is luaL_checktype(n, LUA_TTABLE).
func luaCheckTable(L *lua.LState, n int) *lua.LTable {
	if t, ok := L.Get(n).(*lua.LTable); ok && n <= L.GetTop() {
		return t
	}
	luaTypeError(L, n, "table")
	return nil
}

// luaOptString is luaL_optlstring.
func luaOptString(L *lua.LState, n int, def string) string {
	if L.Get(n) == lua.LNil {
		return def
	}
	return luaCheckString(L, n)
}

// installLib51 replaces the library functions gopher-lua gets wrong beyond
// their argument checks with Lua 5.1's, in the real globals g.
func (e *luaEnv) installLib51(g *lua.LTable) {
	L := e.L
	set := func(lib, name string, f lua.LGFunction) {
		t := g
		if lib != "" {
			t, _ = g.RawGetString(lib).(*lua.LTable)
		}
		if t != nil {
			t.RawSetString(name, L.NewFunction(f))
		}
	}
	set("", "assert", lua51Assert)
	set("", "select", lua51Select)
	set("", "tonumber", lua51Tonumber)
	set("", "unpack", e.lua51Unpack)
	set("", "collectgarbage", e.lua51Collectgarbage)
	set("string", "char", lua51StrChar)
	set("math", "max", func(L *lua.LState) int { return lua51MinMax(L, false) })
	set("math", "min", func(L *lua.LState) int { return lua51MinMax(L, true) })
	set("table", "insert", e.lua51TInsert)
	set("table", "remove", e.lua51TRemove)
	set("table", "concat", e.lua51TConcat)
	set("table", "sort", e.lua51TSort)
	if m, ok := g.RawGetString("math").(*lua.LTable); ok {
		m.RawSetString("huge", lua.LNumber(math.Inf(1))) // HUGE_VAL (gopher-lua: MaxFloat64)
	}
	set("math", "log", func(L *lua.LState) int {
		x := luaCheckNumber(L, 1)
		if x < 0 {
			L.Push(lua.LNumber(lua51DefaultNaN)) // glibc's log of a negative number
		} else {
			L.Push(lua.LNumber(math.Log(x)))
		}
		return 1
	})
	set("math", "fmod", lua51Fmod)
	set("math", "pow", func(L *lua.LState) int {
		y := luaCheckNumber(L, 2) // as fmod: GCC checks the arguments right to left
		x := luaCheckNumber(L, 1)
		L.Push(lua.LNumber(lua51Pow(x, y))) // glibc's NaNs (script_arith51.go)
		return 1
	})
	set("math", "mod", lua51Fmod) // LUA_COMPAT_MOD: fmod, not %
	set("math", "modf", func(L *lua.LState) int {
		x := luaCheckNumber(L, 1)
		ip, fp := math.Modf(x)
		if math.IsInf(x, 0) {
			fp = math.Copysign(0, x) // C's modf: an infinity has a zero fraction (Go: NaN)
		}
		L.Push(lua.LNumber(ip))
		L.Push(lua.LNumber(fp))
		return 2
	})
	// table.foreach and table.foreachi (Lua 5.1's deprecated iterators): f(k, v)
	// for each pair, stopping at the first non-nil result, which is returned.
	each := func(L *lua.LState, next func(t *lua.LTable, k lua.LValue) (lua.LValue, lua.LValue)) int {
		t := e.real(luaCheckTable(L, 1))
		f := L.Get(2)
		if _, ok := f.(*lua.LFunction); !ok {
			luaTypeError(L, 2, "function")
		}
		for k, v := next(t, lua.LNil); k != lua.LNil; k, v = next(t, k) {
			L.Push(f)
			L.Push(k)
			L.Push(v)
			L.Call(2, 1)
			if r := L.Get(-1); r != lua.LNil {
				return 1
			}
			L.Pop(1)
		}
		return 0
	}
	set("table", "foreach", func(L *lua.LState) int {
		return each(L, (*lua.LTable).Next)
	})
	set("table", "foreachi", func(L *lua.LState) int {
		n := -1 // the length is taken once, before the first call, as Lua 5.1 does
		return each(L, func(t *lua.LTable, k lua.LValue) (lua.LValue, lua.LValue) {
			i := 1
			if k == lua.LNil {
				n = t.Len()
			} else {
				i = int(k.(lua.LNumber)) + 1
			}
			if i > n {
				return lua.LNil, lua.LNil
			}
			return lua.LNumber(i), t.RawGetInt(i)
		})
	})
	set("string", "byte", func(L *lua.LState) int {
		s := luaCheckString(L, 1)
		posrelat := func(pos int) int {
			if pos < 0 {
				pos += len(s) + 1
			}
			return max(pos, 0)
		}
		posi := posrelat(luaOptIntC(L, 2, 1))
		pose := posrelat(luaOptIntC(L, 3, posi))
		posi = max(posi, 1)
		pose = min(pose, len(s))
		if posi > pose {
			return 0
		}
		n := pose - posi + 1
		if n+L.GetTop() > 8000 { // luaL_checkstack's LUAI_MAXCSTACK
			luaErrorf(L, "stack overflow (string slice too long)")
		}
		for i := 0; i < n; i++ {
			L.Push(lua.LNumber(s[posi+i-1]))
		}
		return n
	})
	if st, ok := g.RawGetString("string").(*lua.LTable); ok {
		e.installStrPat51(st) // script_strpat51.go
	}
	if co, ok := g.RawGetString("coroutine").(*lua.LTable); ok {
		for _, name := range []string{"create", "wrap"} {
			if fn, ok := co.RawGetString(name).(*lua.LFunction); ok && fn.IsG {
				orig := fn.GFunction
				set("coroutine", name, func(L *lua.LState) int {
					if f, ok := L.Get(1).(*lua.LFunction); !ok || f.IsG {
						luaArgError(L, 1, "Lua function expected")
					}
					return orig(L)
				})
			}
		}
		for _, name := range []string{"resume", "status"} {
			if fn, ok := co.RawGetString(name).(*lua.LFunction); ok && fn.IsG {
				orig := fn.GFunction
				set("coroutine", name, func(L *lua.LState) int {
					if _, ok := L.Get(1).(*lua.LState); !ok {
						luaArgError(L, 1, "coroutine expected")
					}
					return orig(L)
				})
			}
		}
		if fn, ok := co.RawGetString("yield").(*lua.LFunction); ok && fn.IsG {
			orig := fn.GFunction
			set("coroutine", "yield", func(L *lua.LState) int {
				if L.Parent == nil {
					raiseNoPos(L, "attempt to yield across metamethod/C-call boundary")
				}
				return orig(L)
			})
		}
	}
	set("table", "setn", func(L *lua.LState) int {
		luaCheckTable(L, 1)
		luaErrorf(L, "'setn' is obsolete")
		return 0
	})
}

func lua51Assert(L *lua.LState) int {
	if L.GetTop() < 1 {
		luaArgError(L, 1, "value expected")
	}
	if !lua.LVAsBool(L.Get(1)) {
		msg := luaOptString(L, 2, "assertion failed!")
		if i := strings.IndexByte(msg, 0); i >= 0 {
			msg = msg[:i] // luaL_error's "%s"
		}
		luaErrorf(L, msg)
	}
	return L.GetTop()
}

func lua51Select(L *lua.LState) int {
	n := L.GetTop()
	if s, ok := L.Get(1).(lua.LString); ok && n >= 1 && len(s) > 0 && s[0] == '#' {
		L.Push(lua.LNumber(n - 1))
		return 1
	}
	i := luaCheckIntC(L, 1)
	if i < 0 {
		i = n + i
	} else if i > n {
		i = n
	}
	if i < 1 {
		luaArgError(L, 1, "index out of range")
	}
	return n - i
}

func lua51Tonumber(L *lua.LState) int {
	base := luaOptIntC(L, 2, 10)
	if base == 10 {
		if L.GetTop() < 1 {
			luaArgError(L, 1, "value expected")
		}
		switch v := L.Get(1).(type) {
		case lua.LNumber:
			L.Push(v)
			return 1
		case lua.LString:
			if f, ok := luaStr2Number(string(v)); ok {
				L.Push(lua.LNumber(f))
				return 1
			}
		}
		L.Push(lua.LNil)
		return 1
	}
	s := luaCheckString(L, 1)
	if base < 2 || base > 36 {
		luaArgError(L, 2, "base out of range")
	}
	if n, rest, ok := luaStrtoul(s, base); ok {
		if strings.TrimLeft(rest, " \t\n\v\f\r") == "" {
			L.Push(lua.LNumber(float64(n)))
			return 1
		}
	}
	L.Push(lua.LNil)
	return 1
}

// luaStrtoul is C's strtoul(s, &end, base) for 2 <= base <= 36: the value,
// what follows the digits, and whether any digit was read. A C string ends
// at a NUL byte; a minus sign negates in unsigned arithmetic; an overflow
// gives ULONG_MAX.
func luaStrtoul(s string, base int) (uint64, string, bool) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	i := 0
	for i < len(s) && strings.IndexByte(" \t\n\v\f\r", s[i]) >= 0 {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if base == 16 && i+2 < len(s) && s[i] == '0' && s[i+1]|0x20 == 'x' && luaDigit(s[i+2]) < 16 {
		i += 2
	}
	start := i
	var n uint64
	over := false
	for i < len(s) {
		d := luaDigit(s[i])
		if d >= base {
			break
		}
		if n > (math.MaxUint64-uint64(d))/uint64(base) {
			over = true
		}
		n = n*uint64(base) + uint64(d)
		i++
	}
	if i == start {
		return 0, s, false
	}
	if over {
		return math.MaxUint64, s[i:], true
	}
	if neg {
		n = -n
	}
	return n, s[i:], true
}

func luaDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c|0x20 >= 'a' && c|0x20 <= 'z':
		return int(c|0x20-'a') + 10
	}
	return 99
}

func (e *luaEnv) lua51Unpack(L *lua.LState) int {
	t := e.real(luaCheckTable(L, 1))
	i := luaOptIntC(L, 2, 1)
	last := 0
	if L.Get(3) == lua.LNil {
		last = t.Len()
	} else {
		last = luaCheckIntC(L, 3)
	}
	if i > last {
		return 0
	}
	n := int64(last) - int64(i) + 1
	// lua_checkstack: at most LUAI_MAXCSTACK (8000) values in a C function's
	// frame, its arguments included; n <= 0 is an int overflow in C.
	if n <= 0 || n >= math.MaxInt32 || int(n)+L.GetTop() > 8000 {
		luaErrorf(L, "too many results to unpack")
	}
	for k := i; ; k++ {
		L.Push(t.RawGetInt(k))
		if k == last {
			break
		}
	}
	return int(n)
}

func (e *luaEnv) lua51Collectgarbage(L *lua.LState) int {
	opts := []string{"stop", "restart", "collect", "count", "step", "setpause", "setstepmul"}
	opt := luaOptString(L, 1, "collect")
	o := -1
	for i, name := range opts {
		if name == opt {
			o = i
		}
	}
	if o < 0 {
		luaArgError(L, 1, "invalid option '"+cutNUL51(opt)+"'")
	}
	luaOptIntC(L, 2, 0)
	switch opts[o] {
	case "count":
		L.Push(lua.LNumber(float64(e.memory()) / 1024))
	case "step":
		L.Push(lua.LFalse)
	case "setpause", "setstepmul":
		L.Push(lua.LNumber(200))
	default:
		L.Push(lua.LNumber(0))
	}
	return 1
}

func lua51StrChar(L *lua.LState) int {
	n := L.GetTop()
	b := make([]byte, n)
	for i := 1; i <= n; i++ {
		c := luaCheckIntC(L, i)
		if c != int(byte(c)) {
			luaArgError(L, i, "invalid value")
		}
		b[i-1] = byte(c)
	}
	L.Push(lua.LString(b))
	return 1
}

func lua51MinMax(L *lua.LState, min bool) int {
	n := L.GetTop()
	m := luaCheckNumber(L, 1)
	for i := 2; i <= n; i++ {
		d := luaCheckNumber(L, i)
		if min && d < m || !min && m < d {
			m = d
		}
	}
	L.Push(lua.LNumber(m))
	return 1
}

// lua51RawSet writes t[i] = v as lua_rawseti does, a read-only table refusing.
func (e *luaEnv) lua51RawSet(L *lua.LState, t *lua.LTable, i int, v lua.LValue) {
	if e.isProtected(t) {
		raiseNoPos(L, errReadonlyTable)
	}
	t.RawSetInt(i, v)
}

func (e *luaEnv) lua51TInsert(L *lua.LState) int {
	t := luaCheckTable(L, 1)
	last := e.real(t).Len() + 1
	var pos int
	switch L.GetTop() {
	case 2:
		pos = last
	case 3:
		pos = luaCheckIntC(L, 2)
		if pos > last {
			last = pos
		}
		for i := last; i > pos; i-- {
			e.lua51RawSet(L, t, i, t.RawGetInt(i-1))
		}
	default:
		luaErrorf(L, "wrong number of arguments to 'insert'")
	}
	e.lua51RawSet(L, t, pos, L.Get(L.GetTop()))
	return 0
}

func (e *luaEnv) lua51TRemove(L *lua.LState) int {
	t := luaCheckTable(L, 1)
	last := e.real(t).Len()
	pos := luaOptIntC(L, 2, last)
	if pos < 1 || pos > last {
		return 0
	}
	L.Push(t.RawGetInt(pos))
	for ; pos < last; pos++ {
		e.lua51RawSet(L, t, pos, t.RawGetInt(pos+1))
	}
	e.lua51RawSet(L, t, last, lua.LNil)
	return 1
}

func (e *luaEnv) lua51TConcat(L *lua.LState) int {
	sep := luaOptString(L, 2, "")
	t := e.real(luaCheckTable(L, 1))
	i := luaOptIntC(L, 3, 1)
	last := 0
	if L.Get(4) == lua.LNil {
		last = t.Len()
	} else {
		last = luaCheckIntC(L, 4)
	}
	var b strings.Builder
	add := func(i int) {
		switch v := t.RawGetInt(i).(type) {
		case lua.LString:
			b.WriteString(string(v))
		case lua.LNumber:
			b.WriteString(luaNumberString(float64(v)))
		default:
			luaErrorf(L, "invalid value ("+v.Type().String()+") at index "+strconv.Itoa(i)+" in table for 'concat'")
		}
	}
	for ; i < last; i++ {
		add(i)
		b.WriteString(sep)
	}
	if i == last {
		add(i)
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// lua51TSort is table.sort as Lua 5.1's auxsort runs it, so that elements
// that compare equal, and inconsistent order functions, end as in Redis
// (gopher-lua sorts with Go's sort), and "invalid order function for
// sorting" is raised where Lua 5.1 raises it.
func (e *luaEnv) lua51TSort(L *lua.LState) int {
	t := luaCheckTable(L, 1)
	n := e.real(t).Len()
	var cmp *lua.LFunction
	if L.Get(2) != lua.LNil {
		f, ok := L.Get(2).(*lua.LFunction)
		if !ok {
			luaTypeError(L, 2, "function")
		}
		cmp = f
	}
	less := func(a, b lua.LValue) bool {
		if cmp == nil {
			return lua51LessThan(L, a, b)
		}
		L.Push(cmp)
		L.Push(a)
		L.Push(b)
		L.Call(2, 1)
		r := lua.LVAsBool(L.Get(-1))
		L.Pop(1)
		return r
	}
	get := func(i int) lua.LValue { return e.real(t).RawGetInt(i) }
	set := func(i int, v lua.LValue) { e.lua51RawSet(L, t, i, v) }
	var auxsort func(l, u int)
	auxsort = func(l, u int) {
		for l < u {
			if a, b := get(l), get(u); less(b, a) {
				set(l, b)
				set(u, a)
			}
			if u-l == 1 {
				break
			}
			i := (l + u) / 2
			if a, b := get(i), get(l); less(a, b) {
				set(i, b)
				set(l, a)
			} else if c := get(u); less(c, a) {
				set(i, c)
				set(u, a)
			}
			if u-l == 2 {
				break
			}
			p := get(i)
			set(i, get(u-1))
			set(u-1, p)
			i, j := l, u-1
			for {
				for i++; less(get(i), p); i++ {
					if i > u {
						luaErrorf(L, "invalid order function for sorting")
					}
				}
				for j--; less(p, get(j)); j-- {
					if j < l {
						luaErrorf(L, "invalid order function for sorting")
					}
				}
				if j < i {
					break
				}
				a, b := get(i), get(j)
				set(i, b)
				set(j, a)
			}
			a, b := get(u-1), get(i)
			set(u-1, b)
			set(i, a)
			if i-l < u-i {
				j, i, l = l, i-1, i+1
			} else {
				j, i, u = i+1, u, i-1
			}
			auxsort(j, i)
		}
	}
	auxsort(1, n)
	return 0
}

// lua51LessThan is lua_lessthan called from a Go function: numbers and
// strings compare, other values of one type through a __lt both share, and
// the error is raised without a position (the running function is not Lua
// code: luaG_runerror adds none).
func lua51LessThan(L *lua.LState, a, b lua.LValue) bool {
	switch x := a.(type) {
	case lua.LNumber:
		if y, ok := b.(lua.LNumber); ok {
			return x < y
		}
	case lua.LString:
		if y, ok := b.(lua.LString); ok {
			return x < y
		}
	}
	if a.Type() == b.Type() {
		if mm := L.GetMetaField(a, "__lt"); mm != lua.LNil && mm == L.GetMetaField(b, "__lt") {
			L.Push(mm)
			L.Push(a)
			L.Push(b)
			L.Call(2, 1)
			r := lua.LVAsBool(L.Get(-1))
			L.Pop(1)
			return r
		}
	}
	raiseNoPos(L, lua51CompareError(a.Type().String(), b.Type().String()))
	return false
}

// lua51DefaultNaN is the NaN x86-64 produces for an invalid operation (0/0,
// inf-inf, fmod(x, 0)): its sign bit is set, so glibc prints it "-nan".
var lua51DefaultNaN = math.Float64frombits(0xfff8000000000000)

// lua51Fmod is math.fmod as glibc computes it: a NaN operand passes through,
// a zero divisor or infinite dividend is the default NaN.
func lua51Fmod(L *lua.LState) int {
	y := luaCheckNumber(L, 2) // GCC evaluates fmod's arguments right to left
	x := luaCheckNumber(L, 1)
	switch {
	case x != x:
	case y != y:
		x = y
	case y == 0 || math.IsInf(x, 0):
		x = lua51DefaultNaN
	default:
		x = math.Mod(x, y)
	}
	L.Push(lua.LNumber(x))
	return 1
}
