package engine

// string.format as Lua 5.1.5 runs it in Redis (lstrlib.c's str_format over the C
// library's sprintf, glibc on x86-64): each conversion takes the next argument or
// fails with "bad argument #N to 'format' (no value)" before its spec is read;
// flags are at most five of "-+ #0", width and precision at most two digits each;
// numbers are converted to C's long, unsigned long, int or double with x86-64's
// truncating conversions (out of range gives the lowest value); %c and short %s
// stop at a NUL byte, as the item passes through strlen; %q escapes only '"',
// '\\', newline, carriage return and NUL. gopher-lua's string.format hands the
// spec to Go's fmt, which words all of these differently.

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// luaFormatFlags are the flags scanformat accepts (lstrlib.c's FLAGS).
const luaFormatFlags = "-+ #0"

// luaWhere is Lua 5.1's luaL_where(L, 1): "chunk:line: " of the function that
// called the running Go function, "" when that is not Lua code.
func luaWhere(L *lua.LState) string {
	if dbg, ok := L.GetStack(1); ok {
		L.GetInfo("Sl", dbg, nil)
		if dbg.What != "G" && dbg.CurrentLine > 0 {
			return dbg.Source + ":" + strconv.Itoa(dbg.CurrentLine) + ": "
		}
	}
	return ""
}

// luaErrorf is Lua 5.1's luaL_error from a Go function: the message with the
// caller's position.
func luaErrorf(L *lua.LState, msg string) {
	L.Error(lua.LString(luaWhere(L)+msg), 0)
}

// luaArgError is Lua 5.1's luaL_argerror for the running Go function: named as
// its caller called it (getfuncname: the variable the CALL instruction took the
// function from, "?" when the caller is not Lua code), and a method call counts
// its arguments without self.
func luaArgError(L *lua.LState, narg int, extramsg string) {
	name, kind := "?", ""
	if fr, ok := luaFrameAt(L, 1); ok {
		ins := fr.fn.Proto.Code[fr.pc]
		switch insOp(ins) {
		case opCall, opTailCall, opTForLoop:
			if k, n := fr.objName(insA(ins), 0); k != "" {
				kind, name = k, n
			}
		}
	}
	if kind == "method" {
		narg--
		if narg == 0 {
			luaErrorf(L, "calling '"+name+"' on bad self ("+extramsg+")")
		}
	}
	luaErrorf(L, "bad argument #"+strconv.Itoa(narg)+" to '"+name+"' ("+extramsg+")")
}

// luaArgTypeName is luaL_typename for argument n: "no value" past the top.
func luaArgTypeName(L *lua.LState, n int) string {
	if n > L.GetTop() {
		return "no value"
	}
	return L.Get(n).Type().String()
}

// luaCheckNumber is luaL_checknumber: a number or a string that reads as one.
func luaCheckNumber(L *lua.LState, n int) float64 {
	if n <= L.GetTop() {
		if f, ok := luaToNumber(L.Get(n)); ok {
			return f
		}
	}
	luaArgError(L, n, "number expected, got "+luaArgTypeName(L, n))
	return 0
}

// luaCheckString is luaL_checklstring: a string, or a number in C's "%.14g"
// (a NaN with its sign bit shows as "-nan", as 0/0 does on x86-64).
func luaCheckString(L *lua.LState, n int) string {
	if n <= L.GetTop() {
		switch v := L.Get(n).(type) {
		case lua.LString:
			return string(v)
		case lua.LNumber:
			sp := cSpec{prec: 14}
			return string(sp.formatFloat(nil, float64(v), 'g'))
		}
	}
	luaArgError(L, n, "string expected, got "+luaArgTypeName(L, n))
	return ""
}

// luaStringFormat is Lua 5.1's string.format.
func luaStringFormat(L *lua.LState) int {
	top := L.GetTop()
	arg := 1
	f := luaCheckString(L, arg)
	// The format is a C string to scanformat: reading past its end sees a NUL.
	at := func(i int) byte {
		if i < len(f) {
			return f[i]
		}
		return 0
	}
	b := make([]byte, 0, len(f)+16)
	for i := 0; i < len(f); {
		if f[i] != '%' {
			b = append(b, f[i])
			i++
			continue
		}
		i++
		if at(i) == '%' {
			b = append(b, '%')
			i++
			continue
		}
		arg++
		if arg > top {
			luaArgError(L, arg, "no value")
		}
		var sp cSpec
		p := i
		for at(p) != 0 && strings.IndexByte(luaFormatFlags, at(p)) >= 0 {
			switch at(p) {
			case '-':
				sp.minus = true
			case '+':
				sp.plus = true
			case ' ':
				sp.space = true
			case '#':
				sp.hash = true
			case '0':
				sp.zero = true
			}
			p++
		}
		if p-i >= len(luaFormatFlags)+1 {
			luaErrorf(L, "invalid format (repeated flags)")
		}
		for n := 0; n < 2 && isDigit(at(p)); n++ {
			sp.width = sp.width*10 + int(at(p)-'0')
			p++
		}
		sp.prec = -1
		if at(p) == '.' {
			p++
			sp.prec = 0
			for n := 0; n < 2 && isDigit(at(p)); n++ {
				sp.prec = sp.prec*10 + int(at(p)-'0')
				p++
			}
		}
		if isDigit(at(p)) {
			luaErrorf(L, "invalid format (width or precision too long)")
		}
		conv := at(p)
		i = p + 1
		switch conv {
		case 'c':
			item := sp.pad(nil, []byte{byte(cToInt32(luaCheckNumber(L, arg)))}, false)
			if k := strings.IndexByte(string(item), 0); k >= 0 {
				item = item[:k] // the item is a C string
			}
			b = append(b, item...)
		case 'd', 'i':
			b = sp.formatInt(b, cToInt64(luaCheckNumber(L, arg)))
		case 'o', 'u', 'x', 'X':
			b = sp.formatUint(b, cToUint64(luaCheckNumber(L, arg)), conv)
		case 'e', 'E', 'f', 'g', 'G':
			b = sp.formatFloat(b, luaCheckNumber(L, arg), conv)
		case 'q':
			b = luaQuote(b, luaCheckString(L, arg))
		case 's':
			s := luaCheckString(L, arg)
			if sp.prec < 0 && len(s) >= 100 {
				b = append(b, s...) // kept whole, NULs and all
				break
			}
			if k := strings.IndexByte(s, 0); k >= 0 {
				s = s[:k]
			}
			if sp.prec >= 0 && len(s) > sp.prec {
				s = s[:sp.prec]
			}
			b = append(b, sp.pad(nil, []byte(s), false)...)
		default:
			// lua_pushfstring's %c of a NUL adds nothing.
			opt := ""
			if conv != 0 {
				opt = string([]byte{conv})
			}
			luaErrorf(L, "invalid option '%"+opt+"' to 'format'")
		}
	}
	L.Push(lua.LString(b))
	return 1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// luaQuote is lstrlib.c's addquoted: the string in double quotes, with '"', '\\'
// and newline escaped by a backslash, "\r" for carriage return and "\000" for NUL.
func luaQuote(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', '\n':
			b = append(b, '\\', c)
		case '\r':
			b = append(b, `\r`...)
		case 0:
			b = append(b, `\000`...)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// cToInt64 is C's (long)x on x86-64 (cvttsd2si): truncation, and the lowest long
// for NaN and values out of range.
func cToInt64(x float64) int64 {
	if x != x || x >= 0x1p63 || x < -0x1p63 {
		return math.MinInt64
	}
	return int64(x)
}

// cToInt32 is C's (int)x on x86-64.
func cToInt32(x float64) int32 {
	if x != x || x >= 0x1p31 || x <= -0x1p31-1 {
		return math.MinInt32
	}
	return int32(x)
}

// cToUint64 is C's (unsigned long)x as gcc compiles it for x86-64: values below
// 2^63 (negative ones and NaN included) go through the signed conversion, larger
// ones are converted less 2^63 and get the top bit back.
func cToUint64(x float64) uint64 {
	if x >= 0x1p63 {
		return uint64(cToInt64(x-0x1p63)) ^ 1<<63
	}
	return uint64(cToInt64(x))
}

// cSpec is one printf conversion's flags, width and precision (-1: none).
type cSpec struct {
	minus, plus, space, hash, zero bool
	width, prec                    int
}

// pad appends prefix and body to b, padded to the width: on the right with '-',
// else with zeros between prefix and body when zeros is set, else on the left
// with spaces.
func (sp *cSpec) pad(b, body []byte, zeros bool, prefix ...byte) []byte {
	n := sp.width - len(prefix) - len(body)
	if n <= 0 {
		b = append(b, prefix...)
		return append(b, body...)
	}
	switch {
	case sp.minus:
		b = append(b, prefix...)
		b = append(b, body...)
		for ; n > 0; n-- {
			b = append(b, ' ')
		}
	case zeros:
		b = append(b, prefix...)
		for ; n > 0; n-- {
			b = append(b, '0')
		}
		b = append(b, body...)
	default:
		for ; n > 0; n-- {
			b = append(b, ' ')
		}
		b = append(b, prefix...)
		b = append(b, body...)
	}
	return b
}

// sign is the sign a signed conversion shows.
func (sp *cSpec) sign(neg bool) []byte {
	switch {
	case neg:
		return []byte{'-'}
	case sp.plus:
		return []byte{'+'}
	case sp.space:
		return []byte{' '}
	}
	return nil
}

// intDigits applies a precision to an integer's digits: at least prec of them,
// none for a zero with precision 0.
func (sp *cSpec) intDigits(digits string, zero bool) []byte {
	if sp.prec == 0 && zero {
		return nil
	}
	d := []byte(digits)
	for len(d) < sp.prec {
		d = append([]byte{'0'}, d...)
	}
	return d
}

// formatInt is %ld.
func (sp *cSpec) formatInt(b []byte, v int64) []byte {
	u := uint64(v)
	if v < 0 {
		u = -u
	}
	body := sp.intDigits(strconv.FormatUint(u, 10), v == 0)
	return sp.pad(b, body, sp.zero && sp.prec < 0, sp.sign(v < 0)...)
}

// formatUint is %lo, %lu, %lx and %lX.
func (sp *cSpec) formatUint(b []byte, v uint64, conv byte) []byte {
	var digits string
	switch conv {
	case 'o':
		digits = strconv.FormatUint(v, 8)
	case 'u':
		digits = strconv.FormatUint(v, 10)
	default:
		digits = strconv.FormatUint(v, 16)
		if conv == 'X' {
			digits = strings.ToUpper(digits)
		}
	}
	body := sp.intDigits(digits, v == 0)
	var prefix []byte
	switch {
	case sp.hash && conv == 'o':
		if len(body) == 0 || body[0] != '0' {
			body = append([]byte{'0'}, body...)
		}
	case sp.hash && v != 0 && conv == 'x':
		prefix = []byte("0x")
	case sp.hash && v != 0 && conv == 'X':
		prefix = []byte("0X")
	}
	return sp.pad(b, body, sp.zero && sp.prec < 0, prefix...)
}

// formatFloat is %e, %E, %f, %g and %G as glibc prints them: exact decimal
// digits correctly rounded, "inf" and "nan" (with the sign bit's '-') never
// zero-padded.
func (sp *cSpec) formatFloat(b []byte, x float64, conv byte) []byte {
	neg := math.Signbit(x)
	upper := conv == 'E' || conv == 'G'
	if math.IsInf(x, 0) || x != x {
		body := "inf"
		if x != x {
			body = "nan"
		}
		if upper {
			body = strings.ToUpper(body)
		}
		return sp.pad(b, []byte(body), false, sp.sign(neg)...)
	}
	a := math.Abs(x)
	prec := sp.prec
	if prec < 0 {
		prec = 6
	}
	var body string
	switch conv {
	case 'e', 'E':
		body = strconv.FormatFloat(a, 'e', prec, 64)
		if sp.hash && prec == 0 {
			body = strings.Replace(body, "e", ".e", 1)
		}
	case 'f':
		body = strconv.FormatFloat(a, 'f', prec, 64)
		if sp.hash && prec == 0 {
			body += "."
		}
	default: // g, G
		if prec == 0 {
			prec = 1
		}
		body = strconv.FormatFloat(a, 'e', prec-1, 64)
		exp, _ := strconv.Atoi(body[strings.IndexByte(body, 'e')+1:])
		if exp < prec && exp >= -4 {
			body = strconv.FormatFloat(a, 'f', prec-1-exp, 64)
		}
		mant, expPart := body, ""
		if k := strings.IndexByte(body, 'e'); k >= 0 {
			mant, expPart = body[:k], body[k:]
		}
		if sp.hash && exp == prec && floatExp(a) == prec-1 {
			// glibc chooses the style from the exponent before rounding; when
			// rounding then carries into a new digit (999999.5 with "%#g") it
			// switches to the exponent form with only the carried "1." left.
			mant = "1."
		} else if sp.hash {
			if !strings.Contains(mant, ".") {
				mant += "."
			}
		} else if strings.Contains(mant, ".") {
			mant = strings.TrimRight(mant, "0")
			mant = strings.TrimSuffix(mant, ".")
		}
		body = mant + expPart
	}
	if upper {
		body = strings.ToUpper(body)
	}
	return sp.pad(b, []byte(body), sp.zero, sp.sign(neg)...)
}

// floatExp is the decimal exponent of a > 0 before any rounding.
func floatExp(a float64) int {
	s := strconv.FormatFloat(a, 'e', -1, 64)
	exp, _ := strconv.Atoi(s[strings.IndexByte(s, 'e')+1:])
	return exp
}
