package lualib

// The "cmsgpack" library: lua-cmsgpack 0.4.0 (Salvatore Sanfilippo) as
// bundled with Redis 7.0 (deps/lua/src/lua_cmsgpack.c).
//
//	cmsgpack.pack(v1, v2, ...)            -> one string with each value packed
//	cmsgpack.unpack(s)                    -> every value in s
//	cmsgpack.unpack_one(s [, offset])     -> next offset (-1 at the end), value
//	cmsgpack.unpack_limit(s, n [, offset])-> next offset, up to n values
//
// Tables whose keys are exactly 1..N become arrays, other tables maps (keys
// in gopher-lua's iteration order, which can differ from Redis's); tables
// nested 16 deep, functions, userdata and nil pack as nil. Numbers that are
// whole 64-bit integers pack as the smallest int format, others as float
// when the float32 conversion is exact, else double. Decoding reproduces
// the C code's casts (uint 64 values above 2^63 come back negative) and its
// Lua stack checks, which Redis 7.0 added to stop stack overflows on large
// or deeply nested input.

import (
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

const cmsgpackMaxNesting = 16 // LUACMSGPACK_MAX_NESTING

// OpenCMsgpack registers the global table "cmsgpack".
func OpenCMsgpack(L *lua.LState) {
	t := newLib(L, map[string]lua.LGFunction{
		"pack":         mpPack,
		"unpack":       mpUnpack,
		"unpack_one":   mpUnpackOne,
		"unpack_limit": mpUnpackLimit,
	})
	t.RawSetString("_NAME", lua.LString("cmsgpack"))
	t.RawSetString("_VERSION", lua.LString("lua-cmsgpack 0.4.0"))
	t.RawSetString("_COPYRIGHT", lua.LString("Copyright (C) 2012, Salvatore Sanfilippo"))
	t.RawSetString("_DESCRIPTION", lua.LString("MessagePack C implementation for Lua"))
	L.SetGlobal("cmsgpack", t)
}

/* ===== encoding ===== */

func mpEncodeBytes(b []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n <= 0xff:
		b = append(b, 0xd9, byte(n))
	case n <= 0xffff:
		b = append(b, 0xda, byte(n>>8), byte(n))
	default:
		b = append(b, 0xdb)
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	}
	return append(b, s...)
}

func mpEncodeDouble(b []byte, d float64) []byte {
	f := float32(d)
	if float64(f) == d {
		b = append(b, 0xca)
		return binary.BigEndian.AppendUint32(b, math.Float32bits(f))
	}
	b = append(b, 0xcb)
	return binary.BigEndian.AppendUint64(b, math.Float64bits(d))
}

func mpEncodeInt(b []byte, n int64) []byte {
	if n >= 0 {
		switch {
		case n <= 127:
			return append(b, byte(n))
		case n <= 0xff:
			return append(b, 0xcc, byte(n))
		case n <= 0xffff:
			return append(b, 0xcd, byte(n>>8), byte(n))
		case n <= 0xffffffff:
			return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(n))
		}
		return binary.BigEndian.AppendUint64(append(b, 0xcf), uint64(n))
	}
	switch {
	case n >= -32:
		return append(b, byte(int8(n)))
	case n >= -128:
		return append(b, 0xd0, byte(n))
	case n >= -32768:
		return append(b, 0xd1, byte(n>>8), byte(n))
	case n >= -2147483648:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(n))
}

func mpEncodeHeader(b []byte, n int, fix, b16, b32 byte) []byte {
	switch {
	case n <= 15:
		return append(b, fix|byte(n))
	case n <= 65535:
		return append(b, b16, byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint32(append(b, b32), uint32(n))
}

// mpEncodeNumber: whole numbers in int64 range are integers (-0 included),
// the rest floats/doubles.
func mpEncodeNumber(b []byte, n float64) []byte {
	if !math.IsInf(n, 0) && float64(toInt64C(n)) == n {
		return mpEncodeInt(b, toInt64C(n))
	}
	return mpEncodeDouble(b, n)
}

// tableIsArray is table_is_an_array: only positive whole-number keys that
// fit a C int, and as many of them as the largest, so exactly 1..N. An empty
// table is an array.
func tableIsArray(t *lua.LTable) (int, bool) {
	count, max := int32(0), int32(0)
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		n, ok := k.(lua.LNumber)
		if !ok {
			return 0, false
		}
		f := float64(n)
		if f <= 0 || math.IsInf(f, 0) || float64(toInt32C(f)) != f {
			return 0, false
		}
		if f > float64(max) {
			max = toInt32C(f)
		}
		count++
	}
	return int(count), max == count
}

func mpEncodeValue(L *lua.LState, b []byte, v lua.LValue, level int) []byte {
	switch x := v.(type) {
	case lua.LString:
		return mpEncodeBytes(b, string(x))
	case lua.LBool:
		if x {
			return append(b, 0xc3)
		}
		return append(b, 0xc2)
	case lua.LNumber:
		return mpEncodeNumber(b, float64(x))
	case *lua.LTable:
		// Cut nesting (and reference cycles) at 16 levels.
		if level == cmsgpackMaxNesting {
			return append(b, 0xc0)
		}
		if n, ok := tableIsArray(x); ok {
			b = mpEncodeHeader(b, n, 0x90, 0xdc, 0xdd)
			for i := 1; i <= n; i++ {
				// lua_gettable: honours __index, unlike the key scan.
				b = mpEncodeValue(L, b, L.GetTable(x, lua.LNumber(i)), level+1)
			}
			return b
		}
		keys, vals := tableEntries(x)
		b = mpEncodeHeader(b, len(keys), 0x80, 0xde, 0xdf)
		for i, k := range keys {
			b = mpEncodeValue(L, b, k, level+1)
			b = mpEncodeValue(L, b, vals[i], level+1)
		}
		return b
	}
	return append(b, 0xc0)
}

// cmsgpack.pack(v1, ...)
func mpPack(L *lua.LState) int {
	nargs := L.GetTop()
	if nargs == 0 {
		argError(L, 0, "MessagePack pack needs input.")
	}
	// lua_checkstack(L, nargs) with nargs already on the stack.
	if 2*nargs > luaMaxCStack {
		argError(L, 0, "Too many arguments for MessagePack pack.")
	}
	var b []byte
	for i := 1; i <= nargs; i++ {
		b = mpEncodeValue(L, b, L.Get(i), 0)
	}
	L.Push(lua.LString(b))
	return 1
}

/* ===== decoding ===== */

const (
	mpErrNone = iota
	mpErrEOF
	mpErrBadFmt
)

// mpDecoder is the mp_cur cursor plus a count of the Lua stack slots the C
// decoder would hold (used), to raise the same stack overflow errors.
type mpDecoder struct {
	L    *lua.LState
	s    string
	p    int
	err  int
	used int
}

func (d *mpDecoder) left() int { return len(d.s) - d.p }

func (d *mpDecoder) need(n uint64) bool {
	if uint64(d.left()) < n {
		d.err = mpErrEOF
		return false
	}
	return true
}

func (d *mpDecoder) u8(i int) uint64  { return uint64(d.s[d.p+i]) }
func (d *mpDecoder) u16(i int) uint64 { return d.u8(i)<<8 | d.u8(i+1) }
func (d *mpDecoder) u32(i int) uint64 { return d.u16(i)<<16 | d.u16(i+2) }
func (d *mpDecoder) u64(i int) uint64 { return d.u32(i)<<32 | d.u32(i+4) }

func (d *mpDecoder) checkStack(msg string) {
	if d.used+1 > luaMaxCStack {
		raise(d.L, "stack overflow (%s)", msg)
	}
}

// str returns the n bytes after a hdr-byte header.
func (d *mpDecoder) str(hdr int, n uint64) lua.LValue {
	if !d.need(uint64(hdr) + n) {
		return nil
	}
	v := lua.LString(d.s[d.p+hdr : d.p+hdr+int(n)])
	d.p += hdr + int(n)
	return v
}

func (d *mpDecoder) array(n uint64) lua.LValue {
	t := d.L.NewTable()
	d.used++
	d.checkStack("in function mp_decode_to_lua_array")
	for i := uint64(1); i <= n; i++ {
		d.used++ // the index
		v := d.value()
		if d.err != mpErrNone {
			return nil
		}
		// lua_settable even for nil: Lua 5.1 adds the key (its value nil),
		// which can resize the table (luaH_set).
		t.RawSetInt(int(i), v)
		d.used -= 2
	}
	return t
}

func (d *mpDecoder) hash(n uint64) lua.LValue {
	t := d.L.NewTable()
	d.used++
	for ; n > 0; n-- {
		k := d.value()
		if d.err != mpErrNone {
			return nil
		}
		v := d.value()
		if d.err != mpErrNone {
			return nil
		}
		// lua_settable's own checks on the key; they are runtime errors
		// raised inside a C function, so they carry no position.
		switch kx := k.(type) {
		case *lua.LNilType:
			d.L.Error(lua.LString("table index is nil"), 0)
		case lua.LNumber:
			if kx != kx {
				d.L.Error(lua.LString("table index is NaN"), 0)
			}
		}
		t.RawSet(k, v)
		d.used -= 2
	}
	return t
}

// value decodes one object. On error it sets d.err and returns nil. As on
// the C stack, a decoded value occupies one slot of d.used until its caller
// stores it (containers count their table in array/hash).
func (d *mpDecoder) value() lua.LValue {
	if !d.need(1) {
		return nil
	}
	d.checkStack("too many return values at once; use unpack_one or unpack_limit instead.")
	d.used++
	c := d.s[d.p]
	switch c {
	case 0xcc: // uint 8
		if !d.need(2) {
			return nil
		}
		v := lua.LNumber(d.u8(1))
		d.p += 2
		return v
	case 0xd0: // int 8
		if !d.need(2) {
			return nil
		}
		v := lua.LNumber(int8(d.u8(1)))
		d.p += 2
		return v
	case 0xcd: // uint 16
		if !d.need(3) {
			return nil
		}
		v := lua.LNumber(d.u16(1))
		d.p += 3
		return v
	case 0xd1: // int 16
		if !d.need(3) {
			return nil
		}
		v := lua.LNumber(int16(d.u16(1)))
		d.p += 3
		return v
	case 0xce: // uint 32
		if !d.need(5) {
			return nil
		}
		v := lua.LNumber(d.u32(1))
		d.p += 5
		return v
	case 0xd2: // int 32
		if !d.need(5) {
			return nil
		}
		v := lua.LNumber(int32(d.u32(1)))
		d.p += 5
		return v
	case 0xcf, 0xd3: // uint 64 goes through lua_Integer too: wraps negative
		if !d.need(9) {
			return nil
		}
		v := lua.LNumber(int64(d.u64(1)))
		d.p += 9
		return v
	case 0xc0:
		d.p++
		return lua.LNil
	case 0xc3:
		d.p++
		return lua.LTrue
	case 0xc2:
		d.p++
		return lua.LFalse
	case 0xca:
		if !d.need(5) {
			return nil
		}
		v := lua.LNumber(math.Float32frombits(uint32(d.u32(1))))
		d.p += 5
		return v
	case 0xcb:
		if !d.need(9) {
			return nil
		}
		v := lua.LNumber(math.Float64frombits(d.u64(1)))
		d.p += 9
		return v
	case 0xd9: // str 8
		if !d.need(2) {
			return nil
		}
		return d.str(2, d.u8(1))
	case 0xda: // str 16
		if !d.need(3) {
			return nil
		}
		return d.str(3, d.u16(1))
	case 0xdb: // str 32
		if !d.need(5) {
			return nil
		}
		return d.str(5, d.u32(1))
	case 0xdc: // array 16
		if !d.need(3) {
			return nil
		}
		n := d.u16(1)
		d.p += 3
		d.used--
		return (d.array(n))
	case 0xdd: // array 32
		if !d.need(5) {
			return nil
		}
		n := d.u32(1)
		d.p += 5
		d.used--
		return (d.array(n))
	case 0xde: // map 16
		if !d.need(3) {
			return nil
		}
		n := d.u16(1)
		d.p += 3
		d.used--
		return (d.hash(n))
	case 0xdf: // map 32
		if !d.need(5) {
			return nil
		}
		n := d.u32(1)
		d.p += 5
		d.used--
		return (d.hash(n))
	}
	switch {
	case c&0x80 == 0: // positive fixint
		d.p++
		return lua.LNumber(c)
	case c&0xe0 == 0xe0: // negative fixint
		d.p++
		return lua.LNumber(int8(c))
	case c&0xe0 == 0xa0: // fixstr
		return d.str(1, uint64(c&0x1f))
	case c&0xf0 == 0x90: // fixarray
		d.p++
		d.used--
		return (d.array(uint64(c & 0xf)))
	case c&0xf0 == 0x80: // fixmap
		d.p++
		d.used--
		return (d.hash(uint64(c & 0xf)))
	}
	d.err = mpErrBadFmt
	return nil
}

// unpackFull is mp_unpack_full: limit and offset 0 mean "everything, no
// offset returned".
func unpackFull(L *lua.LState, limit, offset int64) int {
	s := checkString(L, 1)
	n := int64(len(s))
	decodeAll := limit == 0 && offset == 0
	if offset < 0 || limit < 0 {
		// The C message prints the input length where it means the limit.
		raise(L, "Invalid request to unpack with offset of %d and limit of %d.", int32(offset), int32(n))
	} else if offset > n {
		raise(L, "Start offset %d greater than input length %d.", int32(offset), int32(n))
	}
	if decodeAll {
		limit = math.MaxInt32
	}
	d := mpDecoder{L: L, s: s, p: int(offset), used: L.GetTop()}
	var res []lua.LValue
	for cnt := int64(0); d.left() > 0 && cnt < limit; cnt++ {
		v := d.value()
		switch d.err {
		case mpErrEOF:
			raise(L, "Missing bytes in input.")
		case mpErrBadFmt:
			raise(L, "Bad data format in input.")
		}
		res = append(res, v)
	}
	if !decodeAll {
		d.checkStack("in function mp_unpack_full")
		next := int64(-1)
		if d.left() != 0 {
			next = int64(d.p)
		}
		L.Push(lua.LNumber(next))
	}
	for _, v := range res {
		L.Push(v)
	}
	if decodeAll {
		return len(res)
	}
	return len(res) + 1
}

// cmsgpack.unpack(s)
func mpUnpack(L *lua.LState) int { return unpackFull(L, 0, 0) }

// cmsgpack.unpack_one(s [, offset])
func mpUnpackOne(L *lua.LState) int {
	offset := optInteger(L, 2, 0)
	if L.GetTop() > 1 {
		L.SetTop(1)
	}
	return unpackFull(L, 1, offset)
}

// cmsgpack.unpack_limit(s, limit [, offset])
func mpUnpackLimit(L *lua.LState) int {
	limit := checkInteger(L, 2)
	offset := optInteger(L, 3, 0)
	if L.GetTop() > 1 {
		L.SetTop(1)
	}
	return unpackFull(L, limit, offset)
}
