package lualib

// The "struct" library (Roberto Ierusalimschy's struct.c 1.7 as bundled with
// Redis, deps/lua/src/lua_struct.c): struct.pack(fmt, ...),
// struct.unpack(fmt, data [, pos]) and struct.size(fmt).
//
// Format: ">" big endian, "<" little endian, "![n]" max alignment, "x" pad
// byte, "b/B" (un)signed char, "h/H" short, "l/L" long, "T" size_t,
// "i/I[n]" n-byte int (default 4, at most 32), "c[n]" n chars (0: whole
// string / previous number), "s" zero-terminated string, "f" float,
// "d" double, " " ignored. Sizes are those of x86-64 Linux, where Redis
// normally runs (long and size_t are 8 bytes, native order little endian).
//
// Redis hardened this library for CVE-2020-14147 and CVE-2021-32626 (integer
// overflow in size numbers, unchecked offsets, results beyond the Lua
// stack); those checks and their messages are reproduced.

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

const (
	structMaxIntSize = 32 // MAXINTSIZE
	structMaxAlign   = 8  // MAXALIGN: alignment of double on x86-64
)

// OpenStruct registers the global table "struct".
func OpenStruct(L *lua.LState) {
	L.SetGlobal("struct", newLib(L, map[string]lua.LGFunction{
		"pack":   structPack,
		"unpack": structUnpack,
		"size":   structSize,
	}))
}

// structHeader is the running endianness and alignment of a format.
type structHeader struct {
	little bool
	align  int
}

// structFormat walks a format string.
type structFormat struct {
	s   string
	pos int
}

func (f *structFormat) more() bool { return f.pos < len(f.s) && f.s[f.pos] != 0 }

func (f *structFormat) next() byte {
	c := f.s[f.pos]
	f.pos++
	return c
}

// getnum reads an optional decimal number, rejecting anything above INT_MAX
// (the CVE-2020-14147 fix).
func (f *structFormat) getnum(L *lua.LState, def int) int {
	if !isDigit(byteAt(f.s, f.pos)) {
		return def
	}
	a := 0
	for isDigit(byteAt(f.s, f.pos)) {
		d := int(f.s[f.pos] - '0')
		if a > math.MaxInt32/10 || a*10 > math.MaxInt32-d {
			raise(L, "integral size overflow")
		}
		a = a*10 + d
		f.pos++
	}
	return a
}

// optsize is the byte size of option opt (0 for options without data).
func (f *structFormat) optsize(L *lua.LState, opt byte) int {
	switch opt {
	case 'B', 'b':
		return 1
	case 'H', 'h':
		return 2
	case 'L', 'l', 'T', 'd':
		return 8
	case 'f':
		return 4
	case 'x':
		return 1
	case 'c':
		return f.getnum(L, 1)
	case 'i', 'I':
		sz := f.getnum(L, 4)
		if sz > structMaxIntSize {
			raise(L, "integral size %d is larger than limit of %d", sz, structMaxIntSize)
		}
		return sz
	}
	return 0
}

// gettoalign is the padding before an item of size at offset n. For sizes
// that are not powers of two the C bit trick gives odd but deterministic
// results; they are kept.
func gettoalign(n uint64, h *structHeader, opt byte, size int) uint64 {
	if size == 0 || opt == 'c' {
		return 0
	}
	sz := uint64(size)
	if sz > uint64(h.align) {
		sz = uint64(h.align)
	}
	return (sz - (n & (sz - 1))) & (sz - 1)
}

// controloptions handles the options that carry no data.
func (f *structFormat) controloptions(L *lua.LState, opt byte, h *structHeader) {
	switch opt {
	case ' ':
	case '>':
		h.little = false
	case '<':
		h.little = true
	case '!':
		a := f.getnum(L, structMaxAlign)
		if a <= 0 || a&(a-1) != 0 {
			raise(L, "alignment %d is not a power of 2", a)
		}
		h.align = a
	default:
		argError(L, 1, fmt.Sprintf("invalid format option '%c'", opt))
	}
}

// putInteger appends size bytes of the number: negative numbers through a
// signed 64-bit cast, others unsigned; bytes past the 8th are zero.
func putInteger(b []byte, n float64, little bool, size int) []byte {
	var v uint64
	if n < 0 {
		v = uint64(toInt64C(n))
	} else {
		v = toUint64C(n)
	}
	start := len(b)
	b = append(b, make([]byte, size)...)
	out := b[start:]
	for i := 0; i < size; i++ {
		if little {
			out[i] = byte(v)
		} else {
			out[size-1-i] = byte(v)
		}
		v >>= 8
	}
	return b
}

// struct.pack(fmt, v1, v2, ...)
func structPack(L *lua.LState) int {
	f := structFormat{s: checkString(L, 1)}
	h := structHeader{little: true, align: 1}
	arg := 2
	// The C code pushes a nil mark above the arguments, so a missing first
	// argument reads as "got nil" rather than "got no value".
	L.Push(lua.LNil)
	var out []byte
	total := uint64(0)
	for f.more() {
		opt := f.next()
		size := f.optsize(L, opt)
		pad := gettoalign(total, &h, opt, size)
		total += pad
		for ; pad > 0; pad-- {
			out = append(out, 0)
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			out = putInteger(out, checkNumber(L, arg), h.little, size)
			arg++
		case 'x':
			out = append(out, 0)
		case 'f':
			bits := math.Float32bits(float32(checkNumber(L, arg)))
			arg++
			if h.little {
				out = binary.LittleEndian.AppendUint32(out, bits)
			} else {
				out = binary.BigEndian.AppendUint32(out, bits)
			}
		case 'd':
			bits := math.Float64bits(checkNumber(L, arg))
			arg++
			if h.little {
				out = binary.LittleEndian.AppendUint64(out, bits)
			} else {
				out = binary.BigEndian.AppendUint64(out, bits)
			}
		case 'c', 's':
			s := checkString(L, arg)
			arg++
			if size == 0 {
				size = len(s)
			}
			if len(s) < size {
				// The C code checks after advancing arg, so it names the
				// next argument.
				argError(L, arg, "string too short")
			}
			out = append(out, s[:size]...)
			if opt == 's' {
				out = append(out, 0)
				size++
			}
		default:
			f.controloptions(L, opt, &h)
		}
		total += uint64(size)
	}
	L.Push(lua.LString(out))
	return 1
}

// getInteger decodes size bytes; only the last 8 significant bytes survive,
// and the sign mask shift is taken modulo 64 as x86 does for the C shift.
func getInteger(b string, little, signed bool, size int) float64 {
	var l uint64
	if little {
		for i := size - 1; i >= 0; i-- {
			l = l<<8 | uint64(b[i])
		}
	} else {
		for i := 0; i < size; i++ {
			l = l<<8 | uint64(b[i])
		}
	}
	if !signed {
		return float64(l)
	}
	mask := ^uint64(0) << (uint(size*8-1) & 63)
	if l&mask != 0 {
		l |= mask
	}
	return float64(int64(l))
}

// struct.unpack(fmt, data [, pos]) returns the values and the position after
// them.
func structUnpack(L *lua.LState) int {
	f := structFormat{s: checkString(L, 1)}
	data := checkString(L, 2)
	ld := uint64(len(data))
	// size_t arithmetic: a negative offset wraps to a huge one and then
	// fails the bounds check, as in C.
	pos := uint64(optInteger(L, 3, 1))
	if pos == 0 {
		argError(L, 3, "offset must be 1 or greater")
	}
	pos--
	h := structHeader{little: true, align: 1}
	base := L.GetTop()
	var res []lua.LValue
	for f.more() {
		opt := f.next()
		size := uint64(f.optsize(L, opt))
		pos += gettoalign(pos, &h, opt, int(size))
		if !(size <= ld && pos <= ld-size) {
			argError(L, 2, "data string too short")
		}
		// luaL_checkstack(L, 2, ...): slots for the item and the final
		// position.
		if base+len(res)+2 > luaMaxCStack {
			raise(L, "stack overflow (too many results)")
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			signed := opt >= 'a'
			res = append(res, lua.LNumber(getInteger(data[pos:], h.little, signed, int(size))))
		case 'x':
		case 'f':
			bits := binary.LittleEndian.Uint32([]byte(data[pos : pos+4]))
			if !h.little {
				bits = binary.BigEndian.Uint32([]byte(data[pos : pos+4]))
			}
			res = append(res, lua.LNumber(math.Float32frombits(bits)))
		case 'd':
			bits := binary.LittleEndian.Uint64([]byte(data[pos : pos+8]))
			if !h.little {
				bits = binary.BigEndian.Uint64([]byte(data[pos : pos+8]))
			}
			res = append(res, lua.LNumber(math.Float64frombits(bits)))
		case 'c':
			if size == 0 {
				// "c0" takes its length from the previous result, which
				// must be a number (or a numeric string).
				var prev float64
				ok := false
				if len(res) > 0 {
					prev, ok = toNumber(res[len(res)-1])
				}
				if !ok {
					raise(L, "format 'c0' needs a previous size")
				}
				size = toUint64C(prev)
				res = res[:len(res)-1]
				if !(size <= ld && pos <= ld-size) {
					argError(L, 2, "data string too short")
				}
			}
			res = append(res, lua.LString(data[pos:pos+size]))
		case 's':
			e := strings.IndexByte(data[pos:], 0)
			if e < 0 {
				raise(L, "unfinished string in data")
			}
			size = uint64(e) + 1
			res = append(res, lua.LString(data[pos:pos+uint64(e)]))
		default:
			f.controloptions(L, opt, &h)
		}
		pos += size
	}
	for _, v := range res {
		L.Push(v)
	}
	L.Push(lua.LNumber(float64(int64(pos + 1))))
	return len(res) + 1
}

// struct.size(fmt) is the packed size of a format without variable parts.
func structSize(L *lua.LState) int {
	f := structFormat{s: checkString(L, 1)}
	h := structHeader{little: true, align: 1}
	pos := uint64(0)
	for f.more() {
		opt := f.next()
		size := f.optsize(L, opt)
		pos += gettoalign(pos, &h, opt, size)
		if opt == 's' {
			argError(L, 1, "option 's' has no fixed size")
		} else if opt == 'c' && size == 0 {
			argError(L, 1, "option 'c0' has no fixed size")
		}
		if !isAlnum(opt) {
			f.controloptions(L, opt, &h)
		}
		pos += uint64(size)
	}
	L.Push(lua.LNumber(float64(int64(pos))))
	return 1
}

func isAlnum(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')
}
