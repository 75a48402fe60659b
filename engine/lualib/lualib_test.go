package lualib

// Table-driven unit tests that need no redis-server: the C conversion
// helpers, and one table per library of expressions with the results Redis
// 7.0 gives (checked against redis-server when written; TestDiffRedis keeps
// checking the larger case lists).

import (
	"math"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestFormatG(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		prec int
		want string
	}{
		{0, 14, "0"},
		{math.Copysign(0, -1), 14, "-0"},
		{0.1, 14, "0.1"},
		{1.0 / 3, 14, "0.33333333333333"},
		{100000, 14, "100000"},
		{1e15, 14, "1e+15"},
		{1e14, 14, "1e+14"},
		{99999999999999, 14, "99999999999999"},
		{123456789012345, 14, "1.2345678901234e+14"}, // exact tie: round half even
		{1e-5, 14, "1e-05"},
		{0.0001, 14, "0.0001"},
		{1e300, 14, "1e+300"},
		{3.14159, 3, "3.14"},
		{15, 1, "2e+01"},
		{math.Inf(1), 14, "inf"},
		{math.Inf(-1), 14, "-inf"},
		{math.NaN(), 14, "nan"},
		{-math.NaN(), 14, "-nan"},
	} {
		if got := formatG(tc.f, tc.prec); got != tc.want {
			t.Errorf("formatG(%v, %d) = %q, want %q", tc.f, tc.prec, got, tc.want)
		}
	}
}

func TestStrtod(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		end  int // consumed bytes; 0 = nothing parsed
	}{
		{"1", 1, 1},
		{"  -2.5e3x", -2500, 8},
		{"1.", 1, 2},
		{".5", 0.5, 2},
		{"1e", 1, 1},
		{"1e+", 1, 1},
		{"1e+2", 100, 4},
		{"0x10", 16, 4},
		{"0X1p4", 16, 5},
		{"0x1.8", 1.5, 5},
		{"0x", 0, 1},
		{"0xg", 0, 1},
		{"-0x.8", -0.5, 5},
		{"inf", math.Inf(1), 3},
		{"-Infinity!", math.Inf(-1), 9},
		{"infinit", math.Inf(1), 3},
		{"nan(abc)x", math.NaN(), 8},
		{"nan(abc", math.NaN(), 3},
		{"1e400", math.Inf(1), 5},
		{"1e-400", 0, 6},
		{"-", 0, 0},
		{"+", 0, 0},
		{"x", 0, 0},
		{"", 0, 0},
		{"9007199254740993", 9007199254740992, 16},
	} {
		got, end := strtod(tc.in, 0)
		same := got == tc.want || (math.IsNaN(got) && math.IsNaN(tc.want))
		if !same || end != tc.end {
			t.Errorf("strtod(%q) = %v, %d; want %v, %d", tc.in, got, end, tc.want, tc.end)
		}
	}
}

func TestCConversions(t *testing.T) {
	if got := toInt64C(math.NaN()); got != math.MinInt64 {
		t.Errorf("toInt64C(NaN) = %d", got)
	}
	if got := toInt64C(1e19); got != math.MinInt64 {
		t.Errorf("toInt64C(1e19) = %d", got)
	}
	if got := toInt64C(-2.9); got != -2 {
		t.Errorf("toInt64C(-2.9) = %d", got)
	}
	if got := toUint64C(1 << 63); got != 1<<63 {
		t.Errorf("toUint64C(2^63) = %d", got)
	}
	if got := toUint64C(math.Exp2(64)); got != 0 {
		t.Errorf("toUint64C(2^64) = %d", got)
	}
	if got := toInt32C(math.Exp2(31)); got != math.MinInt32 {
		t.Errorf("toInt32C(2^31) = %d", got)
	}
	for in, want := range map[string]bool{"12": true, " 0x1F ": true, "1e2": true, "1 2": false, "": false, "0x": false, "5\x00junk": true} {
		if _, ok := str2d(in); ok != want {
			t.Errorf("str2d(%q) ok = %v, want %v", in, ok, want)
		}
	}
}

// libCases pairs a chunk with its dump (see harness_test.go).
type libCase struct{ body, want string }

func runLibCases(t *testing.T, cases []libCase) {
	t.Helper()
	L := newTestState()
	defer L.Close()
	for _, c := range cases {
		if got := runLocal(t, L, c.body); got != c.want {
			t.Errorf("%s\n got: %s\nwant: %s", c.body, got, c.want)
		}
	}
}

func TestBit(t *testing.T) { runLibCases(t, unitBitCases) }

var unitBitCases = []libCase{
	{`return bit.tobit(0xffffffff), bit.tobit(2^32 + 5)`, `true | -1 | 5`},
	{`return bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-1.5)`, `true | 2 | 2 | -2`},
	{`return bit.band(0xff, 0x0f, 0x3c), bit.bor(1, 2, 4), bit.bxor(5, 3)`, `true | 12 | 7 | 6`},
	{`return bit.lshift(1, 31), bit.lshift(1, 32), bit.rshift(-1, 28), bit.arshift(-256, 4)`, `true | -2147483648 | 1 | 15 | -16`},
	{`return bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678)`, `true | 878082066 | 2014458966 | 2018915346`},
	{`return bit.tohex(255), bit.tohex(-1, -4), bit.tohex(0x1234, 2)`, `true | "000000ff" | "FFFF" | "34"`},
	{`return bit.tobit('x')`, `false | "user_script:40: bad argument #1 to 'tobit' (number expected, got string)"`},
	{`return bit.band()`, `false | "user_script:40: bad argument #1 to 'band' (number expected, got no value)"`},
}

func TestStruct(t *testing.T) { runLibCases(t, unitStructCases) }

var unitStructCases = []libCase{
	{`return struct.pack('>i2', 258), struct.pack('<I3', 1), struct.pack('b', -1)`, `true | "\x01\x02" | "\x01\x00\x00" | "\xff"`},
	{`return struct.pack('!4 b i', 1, 2)`, `true | "\x01\x00\x00\x00\x02\x00\x00\x00"`},
	{`return struct.pack('>d', 1.5), struct.pack('<f', -2)`, `true | "?\xf8\x00\x00\x00\x00\x00\x00" | "\x00\x00\x00\xc0"`},
	{`return struct.pack('s c0 c2', 'ab', 'xyz', 'pq')`, `true | "ab\x00xyzpq"`},
	{`return struct.unpack('>h c0', '\0\3abcd')`, `true | "abc" | 6`},
	{`return struct.unpack('>l', '\255\255\255\255\255\255\255\254')`, `true | -2 | 9`},
	{`return struct.unpack('s b', 'hi\0\7')`, `true | "hi" | 7 | 5`},
	{`return struct.size('!8 b d'), struct.size('c7 i3')`, `true | 16 | 10`},
	{`return struct.pack('i33', 1)`, `false | "user_script:40: integral size 33 is larger than limit of 32"`},
	{`return struct.pack('i99999999999', 1)`, `false | "user_script:40: integral size overflow"`},
	{`return struct.pack('!3', 1)`, `false | "user_script:40: alignment 3 is not a power of 2"`},
	{`return struct.pack('c5', 'abc')`, `false | "user_script:40: bad argument #3 to 'pack' (string too short)"`},
	{`return struct.pack('i')`, `false | "user_script:40: bad argument #2 to 'pack' (number expected, got nil)"`},
	{`return struct.unpack('i', 'abc')`, `false | "user_script:40: bad argument #2 to 'unpack' (data string too short)"`},
	{`return struct.unpack('b', 'abc', 0)`, `false | "user_script:40: bad argument #3 to 'unpack' (offset must be 1 or greater)"`},
	{`return struct.unpack('c0', 'abc')`, `false | "user_script:40: format 'c0' needs a previous size"`},
	{`return struct.unpack('s', 'abc')`, `false | "user_script:40: unfinished string in data"`},
	{`return struct.size('s')`, `false | "user_script:40: bad argument #1 to 'size' (option 's' has no fixed size)"`},
	{`return struct.pack('y')`, `false | "user_script:40: bad argument #1 to 'pack' (invalid format option 'y')"`},
	{`return select('#', struct.unpack(string.rep('b', 7998), string.rep('a', 7998)))`, `false | "user_script:40: stack overflow (too many results)"`},
}

func TestCJSON(t *testing.T) { runLibCases(t, unitCJSONCases) }

var unitCJSONCases = []libCase{
	{`return cjson.encode({1, 'a', true, cjson.null}), cjson.encode({})`, `true | "[1,\x22a\x22,true,null]" | "{}"`},
	{`return cjson.encode(0.1), cjson.encode(1e15), cjson.encode(-tonumber('0')), cjson.encode(2^53)`, `true | "0.1" | "1e+15" | "-0" | "9.007199254741e+15"`},
	{`return cjson.encode('a/"\\\n\1\127')`, `true | "\x22a\x5c/\x5c\x22\x5c\x5c\x5cn\x5cu0001\x5cu007f\x22"`},
	{`return cjson.encode({[1] = 1, [3] = 3}), cjson.encode({[10] = 1})`, `true | "[1,null,3]" | "[null,null,null,null,null,null,null,null,null,1]"`},
	{`return cjson.encode({[2^31] = 1}), cjson.encode({k = {0.5}})`, `true | "{\x222147483648\x22:1}" | "{\x22k\x22:[0.5]}"`},
	{`return cjson.encode({[1] = 1, [20] = 2})`, `false | "user_script:40: Cannot serialise table: excessively sparse array"`},
	{`return cjson.encode(1/0)`, `false | "user_script:40: Cannot serialise number: must not be NaN or Inf"`},
	{`return cjson.encode({[true] = 1})`, `false | "user_script:40: Cannot serialise boolean: table key must be a number or string"`},
	{`return cjson.encode(type)`, `false | "user_script:40: Cannot serialise function: type not supported"`},
	{`local t = {}; t[1] = t; return cjson.encode(t)`, `false | "user_script:40: Cannot serialise, excessive nesting (1001)"`},
	{`return cjson.decode('{"a":[1,2.5,"x",true,null]}')`, `true | {"a"={1=1,2=2.5,3="x",4=true,5=null}}`},
	{`return cjson.decode('"\\u00e9\\ud83d\\ude00"'), cjson.decode('0x10'), cjson.decode('-inf')`, `true | "\xc3\xa9\xf0\x9f\x98\x80" | 16 | -inf`},
	{`return cjson.decode('12345678901234567890')`, `true | 1.2345678901234567e+19`},
	{`return cjson.decode('[1,]')`, `false | "user_script:40: Expected value but found T_ARR_END at character 4"`},
	{`return cjson.decode('{"a" 1}')`, `false | "user_script:40: Expected colon but found T_NUMBER at character 6"`},
	{`return cjson.decode('"\\x"')`, `false | "user_script:40: Expected value but found invalid escape code at character 2"`},
	{`return cjson.decode('"\\ud83d"')`, `false | "user_script:40: Expected value but found invalid unicode escape code at character 2"`},
	{`return cjson.decode('[1] x')`, `false | "user_script:40: Expected the end but found invalid token at character 5"`},
	{`return cjson.decode('')`, `false | "user_script:40: Expected value but found T_END at character 1"`},
	{`return cjson.decode('\0a')`, `false | "user_script:40: JSON parser does not support UTF-16 or UTF-32"`},
	{`return cjson.decode(string.rep('[', 1001))`, `false | "user_script:40: Found too many nested data structures (1001) at character 1001"`},
	{`return cjson.decode()`, `false | "user_script:40: bad argument #1 to 'decode' (expected 1 argument)"`},
	{`local cj = cjson.new(); return cj.encode_invalid_numbers('null'), cj.encode({1/0})`, `true | "null" | "[null]"`},
	{`local cj = cjson.new(); return cj.encode_number_precision(3), cj.encode(3.14159)`, `true | 3 | "3.14"`},
	{`local cj = cjson.new(); return cj.encode_sparse_array(true), cj.encode({[1] = 1, [20] = 2}) ~= nil`, `true | true | true`},
	{`local cj = cjson.new(); return cj.encode_max_depth(0)`, `false | "user_script:40: bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647)"`},
	{`local cj = cjson.new(); return cj.encode_keep_buffer('x')`, `false | "user_script:40: bad argument #1 to 'encode_keep_buffer' (invalid option 'x')"`},
	{`local cj = cjson.new(); return cj.decode_max_depth(1, 2)`, `false | "user_script:40: bad argument #2 to 'decode_max_depth' (found too many arguments)"`},
	{`local cj = cjson.new(); cj.decode_invalid_numbers(false); return cj.decode('01')`, `false | "user_script:40: Expected value but found invalid number at character 1"`},
}

func TestCMsgpack(t *testing.T) { runLibCases(t, unitCMsgpackCases) }

var unitCMsgpackCases = []libCase{
	{`return cmsgpack.pack(1, -1, 200, -200, 70000, 2^40)`, `true | "\x01\xff\xcc\xc8\xd1\xff8\xce\x00\x01\x11p\xcf\x00\x00\x01\x00\x00\x00\x00\x00"`},
	{`return cmsgpack.pack(0.5, 0.1, -tonumber('0'), 1/0)`, `true | "\xca?\x00\x00\x00\xcb?\xb9\x99\x99\x99\x99\x99\x9a\x00\xca\x7f\x80\x00\x00"`},
	{`return cmsgpack.pack({1, 2}, {}, {a = true}, 'hi', nil)`, `true | "\x92\x01\x02\x90\x81\xa1a\xc3\xa2hi\xc0"`},
	{`local t = {}; t[1] = t; return cmsgpack.pack(t)`, `true | "\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\xc0"`},
	{`return cmsgpack.unpack('\1\163abc\146\195\192\129\161k\203?\248\0\0\0\0\0\0')`, `true | 1 | "abc" | {1=true} | {"k"=1.5}`},
	{`return cmsgpack.unpack('\207\255\255\255\255\255\255\255\255')`, `true | -1`},
	{`return cmsgpack.unpack_one('\1\2\3', 1)`, `true | 2 | 2`},
	{`return cmsgpack.unpack_limit('\1\2\3', 5)`, `true | -1 | 1 | 2 | 3`},
	{`return cmsgpack.unpack_limit('\1\2\3', 1, -1)`, `false | "user_script:40: Invalid request to unpack with offset of -1 and limit of 3."`},
	{`return cmsgpack.unpack_one('\1', 2)`, `false | "user_script:40: Start offset 2 greater than input length 1."`},
	{`return cmsgpack.unpack('\205\1')`, `false | "user_script:40: Missing bytes in input."`},
	{`return cmsgpack.unpack('\193')`, `false | "user_script:40: Bad data format in input."`},
	{`return cmsgpack.unpack('\129\192\1')`, `false | "table index is nil"`},
	{`return cmsgpack.pack()`, `false | "user_script:40: bad argument #0 to 'pack' (MessagePack pack needs input.)"`},
	{`return cmsgpack.unpack(string.rep('\1', 8000))`, `false | "user_script:40: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)"`},
}

// TestOpenAllGlobals checks the globals Redis scripts see.
func TestOpenAllGlobals(t *testing.T) {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	OpenAll(L)
	for _, name := range []string{"cjson", "cmsgpack", "bit", "struct"} {
		if _, ok := L.GetGlobal(name).(*lua.LTable); !ok {
			t.Errorf("global %s is %v", name, L.GetGlobal(name))
		}
	}
	if L.GetGlobal("cjson").(*lua.LTable).RawGetString("null") != Null {
		t.Error("cjson.null is not lualib.Null")
	}
}

// TestKeyOrder checks next's order of gopher-lua's tables (keygrid's Lua
// 5.1 table) against orders observed in redis-server 7.0 for tables filled
// one key at a time.
func TestKeyOrder(t *testing.T) {
	for _, tc := range []struct{ keys, want []string }{
		{[]string{"a", "b", "c"}, []string{"a", "c", "b"}},
		{[]string{"name", "age", "city", "zip", "country"}, []string{"city", "zip", "country", "age", "name"}},
		{[]string{"id", "status"}, []string{"id", "status"}},
		{[]string{"only"}, []string{"only"}},
	} {
		L := lua.NewState(lua.Options{SkipOpenLibs: true})
		tb := L.NewTable()
		for _, k := range tc.keys {
			tb.RawSetString(k, lua.LTrue)
		}
		keys, _ := tableEntries(tb)
		got := make([]string, len(keys))
		for i, k := range keys {
			got[i] = string(k.(lua.LString))
		}
		L.Close()
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("order of %v = %v, want %v", tc.keys, got, tc.want)
		}
	}
}

func BenchmarkCJSON(b *testing.B) {
	L := newTestState()
	defer L.Close()
	doc := lua.LString(`{"user":{"name":"alice","tags":["a","b","c"],"score":12.5,"active":true},"items":[1,2,3,4,5,6,7,8,9,10],"next":null}`)
	dec := L.GetField(L.GetGlobal("cjson"), "decode")
	enc := L.GetField(L.GetGlobal("cjson"), "encode")
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			L.CallByParam(lua.P{Fn: dec, NRet: 1}, doc)
			L.Pop(1)
		}
	})
	L.CallByParam(lua.P{Fn: dec, NRet: 1}, doc)
	v := L.Get(-1)
	L.Pop(1)
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			L.CallByParam(lua.P{Fn: enc, NRet: 1}, v)
			L.Pop(1)
		}
	})
}
