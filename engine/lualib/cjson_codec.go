package lualib

// cjson.encode and cjson.decode: the serialiser and the tokenizer/parser of
// lua_cjson.c, with its error texts and its limits (nesting depth, Lua stack
// slots).

import (
	"math"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

/* ===== encoding ===== */

// char2escape is the escape table of lua_cjson.c: control characters as
// \u00XX (except \b \t \n \f \r), '"', '\\', '/' and DEL.
var char2escape = func() [256]string {
	var t [256]string
	for i := 0; i < 0x20; i++ {
		t[i] = "\\u00" + string("0123456789abcdef"[i>>4]) + string("0123456789abcdef"[i&15])
	}
	t['\b'], t['\t'], t['\n'], t['\f'], t['\r'] = "\\b", "\\t", "\\n", "\\f", "\\r"
	t['"'], t['\\'], t['/'] = "\\\"", "\\\\", "\\/"
	t[0x7f] = "\\u007f"
	return t
}()

// jsonEncoder carries one cjson.encode call.
type jsonEncoder struct {
	L   *lua.LState
	cfg *cjsonConfig
	buf []byte
}

// exception is json_encode_exception: "Cannot serialise <type>: <reason>".
func (e *jsonEncoder) exception(v lua.LValue, reason string) {
	raise(e.L, "Cannot serialise %s: %s", v.Type().String(), reason)
}

func (e *jsonEncoder) appendString(s string) {
	e.buf = append(e.buf, '"')
	for i := 0; i < len(s); i++ {
		if esc := char2escape[s[i]]; esc != "" {
			e.buf = append(e.buf, esc...)
		} else {
			e.buf = append(e.buf, s[i])
		}
	}
	e.buf = append(e.buf, '"')
}

// appendNumber writes a number with "%.<precision>g", or rejects/rewrites
// NaN and Inf according to encode_invalid_numbers. v is the Lua value that
// held it, for the error message.
func (e *jsonEncoder) appendNumber(v lua.LValue, num float64) {
	switch e.cfg.encodeInvalidNums {
	case 0:
		if math.IsInf(num, 0) || math.IsNaN(num) {
			e.exception(v, "must not be NaN or Inf")
		}
	case 1:
		// Always "nan": some C libraries would print "-nan".
		if math.IsNaN(num) {
			e.buf = append(e.buf, "nan"...)
			return
		}
	default:
		if math.IsInf(num, 0) || math.IsNaN(num) {
			e.buf = append(e.buf, "null"...)
			return
		}
	}
	e.buf = append(e.buf, formatG(num, e.cfg.encodePrecision)...)
}

// arrayLength is lua_array_length: the array size when every key is an
// integer >= 1 (max index; holes are written as null), -1 for an object.
// Excessively sparse arrays are an error, or objects when sparse_convert is
// on. The max is kept in a C int, so indexes beyond 2^31 turn it into
// INT_MIN and the table is written as an object, as in Redis.
func (e *jsonEncoder) arrayLength(t *lua.LTable) int {
	max, items := int32(0), int32(0)
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		n, ok := k.(lua.LNumber)
		if !ok || n == 0 {
			return -1
		}
		f := float64(n)
		if math.Floor(f) != f || f < 1 {
			return -1
		}
		if f > float64(max) {
			max = toInt32C(f)
		}
		items++
	}
	c := e.cfg
	if c.sparseRatio > 0 && max > items*int32(c.sparseRatio) && max > int32(c.sparseSafe) {
		if c.sparseConvert == 0 {
			e.exception(t, "excessively sparse array")
		}
		return -1
	}
	return int(max)
}

// appendData is json_append_data. used counts the Lua stack slots the C
// encoder would hold at this point (for its lua_checkstack guard).
func (e *jsonEncoder) appendData(v lua.LValue, depth, used int) {
	switch x := v.(type) {
	case lua.LString:
		e.appendString(string(x))
	case lua.LNumber:
		e.appendNumber(v, float64(x))
	case lua.LBool:
		if x {
			e.buf = append(e.buf, "true"...)
		} else {
			e.buf = append(e.buf, "false"...)
		}
	case *lua.LTable:
		depth++
		if depth > e.cfg.encodeMaxDepth || used+3 > luaMaxCStack {
			raise(e.L, "Cannot serialise, excessive nesting (%d)", depth)
		}
		if n := e.arrayLength(x); n > 0 {
			e.buf = append(e.buf, '[')
			for i := 1; i <= n; i++ {
				if i > 1 {
					e.buf = append(e.buf, ',')
				}
				e.appendData(x.RawGetInt(i), depth, used+1)
			}
			e.buf = append(e.buf, ']')
		} else {
			e.appendObject(x, depth, used)
		}
	case *lua.LNilType:
		e.buf = append(e.buf, "null"...)
	default:
		if v == Null {
			e.buf = append(e.buf, "null"...)
			return
		}
		e.exception(v, "type not supported")
	}
}

func (e *jsonEncoder) appendObject(t *lua.LTable, depth, used int) {
	e.buf = append(e.buf, '{')
	keys, vals := tableEntries(t)
	for i, k := range keys {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		switch kx := k.(type) {
		case lua.LNumber:
			e.buf = append(e.buf, '"')
			e.appendNumber(k, float64(kx))
			e.buf = append(e.buf, '"', ':')
		case lua.LString:
			e.appendString(string(kx))
			e.buf = append(e.buf, ':')
		default:
			e.exception(k, "table key must be a number or string")
		}
		e.appendData(vals[i], depth, used+2)
	}
	e.buf = append(e.buf, '}')
}

// cjson.encode(value)
func (c *cjsonConfig) encode(L *lua.LState) int {
	if L.GetTop() != 1 {
		argError(L, 1, "expected 1 argument")
	}
	e := jsonEncoder{L: L, cfg: c}
	e.appendData(L.Get(1), 0, 1)
	L.Push(lua.LString(e.buf))
	return 1
}

/* ===== decoding ===== */

type jsonTokenType int

const (
	tObjBegin jsonTokenType = iota
	tObjEnd
	tArrBegin
	tArrEnd
	tString
	tNumber
	tBoolean
	tNull
	tColon
	tComma
	tEnd
	tWhitespace
	tError
	tUnknown
)

// The names appear in parse errors ("Expected value but found T_END ...").
var jsonTokenNames = [...]string{
	"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING",
	"T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END",
	"T_WHITESPACE", "T_ERROR", "T_UNKNOWN",
}

// ch2token classifies a token's first byte; NUL is the end of the text, as
// for the C parser reading a NUL-terminated buffer.
var ch2token = func() [256]jsonTokenType {
	var t [256]jsonTokenType
	for i := range t {
		t[i] = tError
	}
	t['{'], t['}'], t['['], t[']'] = tObjBegin, tObjEnd, tArrBegin, tArrEnd
	t[','], t[':'], t[0] = tComma, tColon, tEnd
	t[' '], t['\t'], t['\n'], t['\r'] = tWhitespace, tWhitespace, tWhitespace, tWhitespace
	for _, c := range "fiInNt\"+-0123456789" {
		t[c] = tUnknown
	}
	return t
}()

var escape2char = func() [256]byte {
	var t [256]byte
	t['"'], t['\\'], t['/'] = '"', '\\', '/'
	t['b'], t['t'], t['n'], t['f'], t['r'] = '\b', '\t', '\n', '\f', '\r'
	t['u'] = 'u'
	return t
}()

type jsonToken struct {
	typ   jsonTokenType
	index int // 0-based offset of the token (or of the error)
	str   string
	num   float64
	b     bool
	err   string // for tError
}

// jsonParser is json_parse_t. used mirrors the Lua stack slots the C parser
// holds, for its lua_checkstack guard.
type jsonParser struct {
	L     *lua.LState
	cfg   *cjsonConfig
	data  string
	ptr   int
	depth int
	used  int
	tmp   []byte
}

func (p *jsonParser) at(i int) byte { return byteAt(p.data, i) }

func (p *jsonParser) setError(t *jsonToken, msg string) {
	t.typ = tError
	t.index = p.ptr
	t.err = msg
}

func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return int(c|0x20-'a') + 10
	}
	return -1
}

// decodeHex4 reads 4 hex digits at i, or -1.
func (p *jsonParser) decodeHex4(i int) int {
	v := 0
	for k := 0; k < 4; k++ {
		d := hexDigit(p.at(i + k))
		if d < 0 {
			return -1
		}
		v = v<<4 | d
	}
	return v
}

// appendUnicodeEscape handles \uXXXX (and a following low surrogate) at
// p.ptr, appending UTF-8 to tmp. Lone or reversed surrogates are errors.
func (p *jsonParser) appendUnicodeEscape() bool {
	cp := p.decodeHex4(p.ptr + 2)
	if cp < 0 {
		return false
	}
	escLen := 6
	if cp&0xF800 == 0xD800 {
		if cp&0x400 != 0 {
			return false
		}
		if p.at(p.ptr+6) != '\\' || p.at(p.ptr+7) != 'u' {
			return false
		}
		low := p.decodeHex4(p.ptr + 8)
		if low < 0 || low&0xFC00 != 0xDC00 {
			return false
		}
		cp = ((cp&0x3FF)<<10 | low&0x3FF) + 0x10000
		escLen = 12
	}
	// Code points here are at most 0x10FFFF and never surrogates, so the
	// standard encoder produces the same bytes as codepoint_to_utf8.
	p.tmp = utf8.AppendRune(p.tmp, rune(cp))
	p.ptr += escLen
	return true
}

func (p *jsonParser) nextStringToken(t *jsonToken) {
	p.ptr++ // opening quote
	p.tmp = p.tmp[:0]
	for {
		ch := p.at(p.ptr)
		if ch == '"' {
			break
		}
		if ch == 0 {
			p.setError(t, "unexpected end of string")
			return
		}
		if ch == '\\' {
			ch = escape2char[p.at(p.ptr+1)]
			if ch == 'u' {
				if p.appendUnicodeEscape() {
					continue
				}
				p.setError(t, "invalid unicode escape code")
				return
			}
			if ch == 0 {
				p.setError(t, "invalid escape code")
				return
			}
			p.ptr++
		}
		p.tmp = append(p.tmp, ch)
		p.ptr++
	}
	p.ptr++ // closing quote
	t.typ = tString
	t.str = string(p.tmp)
}

// isInvalidNumber is json_is_invalid_number: forms strtod accepts that strict
// JSON does not (leading '+', hex, leading zeros, inf, nan).
func (p *jsonParser) isInvalidNumber() bool {
	i := p.ptr
	if p.at(i) == '+' {
		return true
	}
	if p.at(i) == '-' {
		i++
	}
	if c := p.at(i); c == '0' {
		c2 := p.at(i + 1)
		return c2|0x20 == 'x' || isDigit(c2)
	} else if c <= '9' {
		return false
	}
	rest := p.data[min(i, len(p.data)):]
	return hasPrefixFold(rest, "inf") || hasPrefixFold(rest, "nan")
}

func (p *jsonParser) nextNumberToken(t *jsonToken) {
	t.typ = tNumber
	// The text is NUL-terminated for strtod: stop at an embedded NUL.
	s := p.data
	if i := indexNUL(s, p.ptr); i >= 0 {
		s = s[:i]
	}
	f, end := strtod(s, p.ptr)
	if end == p.ptr {
		p.setError(t, "invalid number")
		return
	}
	t.num = f
	p.ptr = end
}

func indexNUL(s string, from int) int {
	for i := from; i < len(s); i++ {
		if s[i] == 0 {
			return i
		}
	}
	return -1
}

func (p *jsonParser) hasPrefix(lit string) bool {
	return len(p.data)-p.ptr >= len(lit) && p.data[p.ptr:p.ptr+len(lit)] == lit
}

func (p *jsonParser) nextToken(t *jsonToken) {
	var ch byte
	for {
		ch = p.at(p.ptr)
		t.typ = ch2token[ch]
		if t.typ != tWhitespace {
			break
		}
		p.ptr++
	}
	t.index = p.ptr
	switch t.typ {
	case tError:
		p.setError(t, "invalid token")
		return
	case tEnd:
		return
	case tUnknown:
	default:
		p.ptr++
		return
	}
	switch {
	case ch == '"':
		p.nextStringToken(t)
		return
	case ch == '-' || isDigit(ch):
		if p.cfg.decodeInvalidNums == 0 && p.isInvalidNumber() {
			p.setError(t, "invalid number")
			return
		}
		p.nextNumberToken(t)
		return
	case p.hasPrefix("true"):
		t.typ, t.b = tBoolean, true
		p.ptr += 4
		return
	case p.hasPrefix("false"):
		t.typ, t.b = tBoolean, false
		p.ptr += 5
		return
	case p.hasPrefix("null"):
		t.typ = tNull
		p.ptr += 4
		return
	case p.cfg.decodeInvalidNums != 0 && p.isInvalidNumber():
		p.nextNumberToken(t)
		return
	}
	p.setError(t, "invalid token")
}

func (p *jsonParser) throw(expected string, t *jsonToken) {
	found := t.err
	if t.typ != tError {
		found = jsonTokenNames[t.typ]
	}
	raise(p.L, "Expected %s but found %s at character %d", expected, found, t.index+1)
}

// descend is json_decode_descend: enforce decode_max_depth and the Lua stack
// limit (slots is what the C code reserves for this level).
func (p *jsonParser) descend(slots int) {
	p.depth++
	if p.depth <= p.cfg.decodeMaxDepth && p.used+slots <= luaMaxCStack {
		return
	}
	raise(p.L, "Found too many nested data structures (%d) at character %d", p.depth, p.ptr)
}

func (p *jsonParser) parseObject() lua.LValue {
	p.descend(3)
	tbl := p.L.NewTable()
	p.used++ // the table
	var t jsonToken
	p.nextToken(&t)
	if t.typ == tObjEnd {
		p.depth--
		p.used--
		return tbl
	}
	for {
		if t.typ != tString {
			p.throw("object key string", &t)
		}
		key := lua.LString(t.str)
		p.used++ // the key
		p.nextToken(&t)
		if t.typ != tColon {
			p.throw("colon", &t)
		}
		p.nextToken(&t)
		val := p.processValue(&t)
		tbl.RawSetString(string(key), val)
		p.used--
		p.nextToken(&t)
		if t.typ == tObjEnd {
			p.depth--
			p.used--
			return tbl
		}
		if t.typ != tComma {
			p.throw("comma or object end", &t)
		}
		p.nextToken(&t)
	}
}

func (p *jsonParser) parseArray() lua.LValue {
	p.descend(2)
	tbl := p.L.NewTable()
	p.used++
	var t jsonToken
	p.nextToken(&t)
	if t.typ == tArrEnd {
		p.depth--
		p.used--
		return tbl
	}
	for i := 1; ; i++ {
		tbl.RawSetInt(i, p.processValue(&t))
		p.nextToken(&t)
		if t.typ == tArrEnd {
			p.depth--
			p.used--
			return tbl
		}
		if t.typ != tComma {
			p.throw("comma or array end", &t)
		}
		p.nextToken(&t)
	}
}

func (p *jsonParser) processValue(t *jsonToken) lua.LValue {
	switch t.typ {
	case tString:
		return lua.LString(t.str)
	case tNumber:
		return lua.LNumber(t.num)
	case tBoolean:
		return lua.LBool(t.b)
	case tObjBegin:
		return p.parseObject()
	case tArrBegin:
		return p.parseArray()
	case tNull:
		return Null
	}
	p.throw("value", t)
	return nil
}

// cjson.decode(text)
func (c *cjsonConfig) decode(L *lua.LState) int {
	if L.GetTop() != 1 {
		argError(L, 1, "expected 1 argument")
	}
	data := checkString(L, 1)
	// JSON text starts with an ASCII character, so a NUL among the first two
	// bytes means UTF-16/32 (RFC 4627 section 3).
	if len(data) >= 2 && (data[0] == 0 || data[1] == 0) {
		raise(L, "JSON parser does not support UTF-16 or UTF-32")
	}
	p := jsonParser{L: L, cfg: c, data: data, used: 1}
	var t jsonToken
	p.nextToken(&t)
	v := p.processValue(&t)
	p.nextToken(&t)
	if t.typ != tEnd {
		p.throw("the end", &t)
	}
	L.Push(v)
	return 1
}
