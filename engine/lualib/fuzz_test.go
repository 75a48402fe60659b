package lualib

// Fuzz targets for the three parsers that take untrusted bytes from
// scripts: cjson.decode, cmsgpack.unpack and struct.unpack. A Lua error is
// a fine outcome; a Go panic or an unstable round trip is not.

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// callLib calls lib.fn(args...) under protection and returns its results.
func callLib(L *lua.LState, lib, fn string, args ...lua.LValue) ([]lua.LValue, error) {
	f := L.GetField(L.GetGlobal(lib), fn)
	top := L.GetTop()
	err := L.CallByParam(lua.P{Fn: f, NRet: lua.MultRet, Protect: true}, args...)
	if err != nil {
		L.SetTop(top)
		return nil, err
	}
	res := make([]lua.LValue, 0, L.GetTop()-top)
	for i := top + 1; i <= L.GetTop(); i++ {
		res = append(res, L.Get(i))
	}
	L.SetTop(top)
	return res, nil
}

func FuzzCJSONDecode(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x\u00e9",true,false,null]}`, `[[[[]]]]`, `"\ud83d\ude00"`, `0x1p3`, `-inf`,
		`nan`, `{"a":1,"a":2}`, `[1,]`, `"\u12`, "[1]\x00x", `1e400`, `{"k":{"k":{"k":[0.1]}}}`, ``, `"`} {
		f.Add(s)
	}
	L := newTestState()
	defer L.Close()
	f.Fuzz(func(t *testing.T, s string) {
		v, err := callLib(L, "cjson", "decode", lua.LString(s))
		if err != nil {
			return
		}
		// Once numbers went through their 14-digit text, encoding and
		// decoding again must give an equal value. (The bytes may differ:
		// key order depends on insertion order, as in Lua 5.1.)
		e1, err := callLib(L, "cjson", "encode", v[0])
		if err != nil {
			return // NaN/Inf values, for example
		}
		v2, err := callLib(L, "cjson", "decode", e1[0])
		if err != nil {
			t.Fatalf("decode of encoder output %q: %v", e1[0], err)
		}
		e2, err := callLib(L, "cjson", "encode", v2[0])
		if err != nil {
			t.Fatalf("encode of %q: %v", e1[0], err)
		}
		v3, err := callLib(L, "cjson", "decode", e2[0])
		if err != nil || !luaEqual(v2[0], v3[0]) {
			t.Fatalf("round trip of %q: %q then %q, %v", s, e1[0], e2[0], err)
		}
	})
}

// luaEqual compares decoded values structurally.
func luaEqual(a, b lua.LValue) bool {
	ta, ok1 := a.(*lua.LTable)
	tb, ok2 := b.(*lua.LTable)
	if !ok1 || !ok2 {
		return a == b
	}
	n := 0
	equal := true
	ta.ForEach(func(k, v lua.LValue) {
		n++
		if !luaEqual(v, tb.RawGet(k)) {
			equal = false
		}
	})
	m := 0
	tb.ForEach(func(lua.LValue, lua.LValue) { m++ })
	return equal && n == m
}

func FuzzCMsgpackUnpack(f *testing.F) {
	for _, s := range []string{"\x01\xa3abc\x92\xc3\xc0\x81\xa1k\xcb?\xf8\x00\x00\x00\x00\x00\x00", "\xcf\xff\xff\xff\xff\xff\xff\xff\xff",
		"\xdd\xff\xff\xff\xff", "\xdf\x00\x00\x00\x01\xc0\x01", "\x91\x91\x91\x01", "\xc1", "\xd9\x05ab", "\xca\x7f\xc0\x00\x00"} {
		f.Add(s)
	}
	L := newTestState()
	defer L.Close()
	f.Fuzz(func(t *testing.T, s string) {
		// gopher-lua stores a positive integer key k < 2^26 in an array of
		// k slots, so a 7-byte map with a 32-bit key allocates up to 1 GB
		// (as t[k] = v in a script would). Keep the fuzzer's memory sane
		// by skipping maps combined with wide numbers.
		hasMap, hasWide := false, false
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case c&0xf0 == 0x80 || c == 0xde || c == 0xdf:
				hasMap = true
			case c == 0xca || c == 0xcb || c == 0xce || c == 0xcf || c == 0xd2 || c == 0xd3:
				hasWide = true
			}
		}
		if hasMap && hasWide {
			return
		}
		vals, err := callLib(L, "cmsgpack", "unpack", lua.LString(s))
		if err != nil || len(vals) == 0 {
			return
		}
		// Whatever decodes must pack again without error, and that packing
		// must decode.
		p, err := callLib(L, "cmsgpack", "pack", vals...)
		if err != nil {
			t.Fatalf("pack of decoded values: %v", err)
		}
		if _, err := callLib(L, "cmsgpack", "unpack", p[0]); err != nil {
			t.Fatalf("unpack of %q: %v", p[0], err)
		}
		callLib(L, "cmsgpack", "unpack_one", lua.LString(s), lua.LNumber(len(s)/2))
		callLib(L, "cmsgpack", "unpack_limit", lua.LString(s), lua.LNumber(2), lua.LNumber(1))
	})
}

func FuzzStructUnpack(f *testing.F) {
	for _, s := range [][2]string{{">i2 c0", "\x00\x03abc"}, {"!8 b d s", "\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xf8?x\x00"},
		{"<I16 x f", string(make([]byte, 21))}, {"c0", "abc"}, {"i99999999999", ""}, {"!3", ""}, {"b c0", "\xffabc"}} {
		f.Add(s[0], s[1], int64(1))
	}
	L := newTestState()
	defer L.Close()
	f.Fuzz(func(t *testing.T, format, data string, pos int64) {
		callLib(L, "struct", "unpack", lua.LString(format), lua.LString(data), lua.LNumber(pos))
		callLib(L, "struct", "size", lua.LString(format))
		// Packing what was unpacked with the same format must not panic
		// either.
		if vals, err := callLib(L, "struct", "unpack", lua.LString(format), lua.LString(data)); err == nil {
			args := append([]lua.LValue{lua.LString(format)}, vals[:len(vals)-1]...)
			callLib(L, "struct", "pack", args...)
		}
	})
}
