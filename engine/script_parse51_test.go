package engine

// Lua 5.1.5's syntax errors (lparser.c, llex.c: wording, line numbers, the
// token shown) for broken scripts, and tricky valid scripts that must still
// compile, against redis-server 7.0.15: EVAL, FUNCTION LOAD, loadstring and
// load. FuzzLua51Parse checks the parser never panics and that what it
// accepts gopher-lua compiles.

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
	lua "github.com/yuin/gopher-lua"
)

// lua51BadScripts each fail to compile in Lua 5.1, one message or quirk each.
var lua51BadScripts = []string{
	// "'X' expected near 'T'" and its "(to close 'Y' at line N)" form.
	"x", "local x = 1 x", "a.b", "x y", "local function f() end f", "x.y.z",
	"for i = 1 do end", "for i = 1, 2 end", "if x end", "while x end", "t = {[1] 2}",
	"local t = {1, 2", "local t = {1, 2\n\n", "f(1, 2", "f(1,\n2", "return (1", "return (1\n+2",
	"do x = 1", "do\nx = 1", "if x then\nelse\n", "while true do\n", "for i=1,2 do\n",
	"for k, v in pairs(t) do\n  x = 1", "repeat\nx = 1", "repeat x = 1", "function f()\nreturn 1",
	"local f = function()\n", "local function f(a,\nb)\n", "local function f\n(a)\n",
	"return t[1", "x = {[1 = 2}", "x = {1 2}", "while true do break x = 1 end",
	"if a then\n x = 1\nelseif b then\n y = 2\n", "x = function() return 1 2 end",
	// "<name> expected".
	"local 1 = 2", "function 1() end", "local function() end", "for 1 = 1, 2 do end",
	"for i, 2 in x do end", "x = t.'a'", "local = 1", "local a, = 1", "t.end = 1",
	"function a:b.c() end", "function a.1() end",
	// "unexpected symbol", "syntax error", "'<eof>' expected".
	"x = = 1", "return )", "return ~1", "local x <const> = 1", "goto continue", "::label::",
	"x = 1 // 2", "x = 1 & 2", "x = ~1", "return return", "for i in do end", "if then end",
	"if x then elseif then end", "x = 1 +", "x = 1 + * 2", "x = not", "x = {a = }", "x = {,}",
	"x = {1,,2}", "x = {;}", "t = {end = 1}", "x = 'a' 'b'", "x = 1 ...", "x = 1 ==",
	"return = 1", "return 1 2", "return 1;;", "local x = 1;; return x", "return 1 x = 2",
	"return 0xA.8", "return a.1", "(x) = 1", "f() = 1", "a, f() = 1, 2", "a, (b) = 1, 2",
	"(f())", "(x)", "x = 1 and",
	// How the token is shown: names, numerals, strings as saved (escapes decoded,
	// cut at a NUL), long strings, control and high bytes, the NUL token itself.
	"x = 1 \"a\\tb\"", "return 1 'a\\0b'", "return 1 [[a\nb]]", "return 1 [==[\nab]==]",
	"return 1 [[\r\nab\r\ncd]]", "return 1 12", "return 1 0x1F", "return 1 1e5", "return 1 .5",
	"return 1 abc", "x = 1 \x01", "x = 1 \x00 y", "\x1bLua", "x = 1 \x7f", "x = 1 \xc3\xa9",
	"x = 1 @", "x = 1 $", "x = 1 !", "x = 1 `", "x = 1 ?", "x = 1 \\", "return 1 'a\\65b'",
	"return 1 \"q\\\"q\"", "return 1 'x\\\ny'",
	// Function calls and varargs.
	"x = a:b", "x = a:b + 1", "a:b", "f\n(1)", "local x = f\n(g)()", "local a = b\n(f or g)()",
	"f --[[\n]] (1)", "function f() return ... end",
	"local function f(a, ...) return function() return ... end end",
	"function f(a,) end", "function f(..., a) end", "function f(1) end", "function f(a b) end",
	// break outside a loop, at parse time.
	"break", "if x then break end", "while true do local f = function() break end end",
	"for i=1,2 do end break", "repeat local function g() break end until true",
	// Lexical: long brackets, strings, numerals, line counting.
	"x = [=x", "x = [==", "x = [[ a [[ b ]] ]]", "--[[ a [[ b ]]", "x = [=[ a [=[ b ]=] ]=]",
	"x = 'abc\\\ndef", "x = 'abc\\\ndef\n", "x = 1e+", "return 1..2", "return 1e5e",
	"return 0x1p", "return 0x1P+4", "return 0xg", "return 08x", "x = 1\r\ny = = 2",
	"x = 1\n\ry = = 2", "x = 1\r\ry = = 2", "x = '\\\r\n' y = = 1", "\n\n--[[ long\ncomment",
	"return [[\n\nabc", "return 'abc\\", "return \"abc\\300def\"", "\n\nreturn '\\256",
	"return 1. .\x00. 2", "return 1e\x00", "return 1\x00\x00\x00", "return 1\x00x 2", "return .\x00 1", "return{.\x00}",
}

// lua51GoodScripts compile in Lua 5.1 (and run the same way in Redis).
var lua51GoodScripts = []string{
	"return 0x1p4", "return 0X1P4", "return 0xe+1", "return 0x1p4..'x'", "return 0010 + 0x1p-1 * 4",
	"return tostring(0xffffffffffffffffff)", "return tostring(1e999)", "return tostring(-0x1p9999)",
	"return 0x10, 0x7FFFFFFFFFFFFFFF > 0", "return tostring(00.5)", "return 1 .. 2", "return 1e-2 * 100",
	"x = 1 (function() end)()", "local x = [=[ a [[ b ]] ]=] return x",
	"local t = {f = 1, ['g'] = 2, 3; 4,} return #t", "local t = {} t.a, t.b = 1, 2 return t.b",
	"return (...)", "do local x end return 1", "return;", "local x = 1; return x",
	"local function f(...) return select('#', ...) end return f(1, nil, 3)",
	"local f = function(s) return s end return f'x'", "return #{...}",
	"local f = function(...) local a = {...} return #a end return f{1}", "return 2^-3",
	"return - - 1", "return not not nil", "return 'a' .. 'b' == 'ab'",
	"x = 1 -- comment\ny = 2 return y", "x = --[[ c ]] 1 return x", "--[==[\n]==] return 1",
	"local t = {} t[ [[k]] ] = 1 return t.k", "return ({1, 2})[2]", "local a = {f = {1}} return a.f[1]",
	"local i = 0 repeat local j = i i = i + 1 until j >= 2 return i",
	"for i = 1, 2 do if i == 2 then break end end return 1",
	"local r = {} for k, v in ipairs({5, 6}) do r[#r + 1] = k + v end return r",
	"local f = function(x) return x end return {f\n(1)}", "local o = {v = 1} function o:get() return self.v end return o:get()",
	"local function f() return end return f()", "return \"\\\r\nx\"", "return '\\z'",
	"local a, b, c = (function() return 1, 2, 3 end)() return {a, b, c}",
	"while false do end repeat until true return 'ok'", "if false then elseif nil then else return 3 end",
	"return 5 % 3, 5 / 2", "local t = {[1]=1,[2]=2} return #t",
	"return 0x7fffffff", "return 1e308 * 10 > 0", "return 00012", "return .5e1",
	"local x = 1\r\nlocal y = 2\rreturn x + y", "return [[a\r\nb\n\rc\rd]]", "\freturn\v1\f", "--[==x\nreturn 1",
	"return 1 .\x00 2", "return 1\x00 + 2\x00x", "return select('#', .\x00.)", "return 1 .. 2.\x00", "return.0\x00", "return [==[\n]]]=]]==]",
}

// lua51Nest builds deeply nested programs around Lua's 200 syntax levels.
func lua51Nest(n int, open, mid, close string) string {
	return strings.Repeat(open, n) + mid + strings.Repeat(close, n)
}

// lua51Names is "p1, p2, ..., pn" with sep between.
func lua51Names(n int, prefix, sep string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(sep)
		}
		fmt.Fprintf(&b, "%s%d", prefix, i)
	}
	return b.String()
}

// lua51LimitScripts probe the levels and limits, each just past and just below.
func lua51LimitScripts() []string {
	locals := func(n int) string { return "local " + lua51Names(n, "a", ", ") + " " }
	return []string{
		"return " + lua51Nest(199, "(", "1", ")"), "return " + lua51Nest(198, "(", "1", ")"),
		"return " + strings.Repeat("-", 199) + "1", "return " + strings.Repeat("not ", 198) + "1",
		lua51Nest(200, "do ", "", "end "), lua51Nest(199, "do ", "", "end "),
		"x = " + lua51Nest(100, "function() return ", "1", " end"),
		"x = " + lua51Nest(200, "{", "", "}"), "x = " + lua51Nest(198, "{", "", "}"),
		"return " + lua51Names(200, "1 ..", " ") + " 1",
		locals(200), locals(201), locals(197) + "for i = 1, 2 do end",
		locals(196) + "for i = 1, 2 do end", locals(197) + "for k, v in next, {} do end",
		"local function f() " + locals(201) + "end", "local f = function(...) " + locals(199) + "end",
		"local f = function(...) " + locals(200) + "end",
		"local o = {} function o:m() " + locals(200) + "end",
		locals(61) + "return function() return " + lua51Names(61, "a", "+") + " end",
		locals(60) + "return function() return " + lua51Names(60, "a", "+") + " end",
		locals(61) + "return function() return function() return " + lua51Names(61, "a", "+") + " end end",
		lua51Names(200, "a", ", ") + " = 1", lua51Names(199, "a", ", ") + " = 1",
		"do " + lua51Names(199, "a", ", ") + " = 1 end",
		strings.Repeat("do local a end ", 32768), strings.Repeat("do local a end ", 32767),
	}
}

// cmdDiffRedis runs each command on redis-server and on keygrid and reports
// the replies that differ, returning how many did.
func cmdDiffRedis(t *testing.T, cmds [][]string) int {
	t.Helper()
	rc, kc := redisAndKeygrid(t)
	return cmdDiff(t, rc, kc, cmds)
}

// cmdDiff is cmdDiffRedis on connections the caller holds (state kept between calls).
func cmdDiff(t *testing.T, rc, kc *testutil.Conn, cmds [][]string) int {
	t.Helper()
	differ := 0
	for _, cmd := range cmds {
		want, err := rc.Do(cmd...)
		if err != nil {
			t.Fatal(err)
		}
		got, err := kc.Do(cmd...)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			differ++
			shown := fmt.Sprintf("%q", cmd)
			if len(shown) > 300 {
				shown = shown[:300] + "..."
			}
			t.Errorf("%s\n redis   %.300q\n keygrid %.300q", shown, want, got)
		}
	}
	return differ
}

func TestScriptSyntaxErrorsDiffRedis(t *testing.T) {
	var cmds [][]string
	for _, group := range [][]string{lua51BadScripts, lua51GoodScripts, lua51LimitScripts()} {
		for _, src := range group {
			cmds = append(cmds, []string{"EVAL", src, "0"})
		}
	}
	n := cmdDiffRedis(t, cmds)
	t.Logf("%d bad, %d good, %d limit scripts: %d replies differ", len(lua51BadScripts),
		len(lua51GoodScripts), len(lua51LimitScripts()), n)
}

// FUNCTION LOAD compiles the library after its shebang line, which it keeps as
// an empty first line: its errors are "user_function:LINE: ...".
func TestFunctionLoadSyntaxErrorsDiffRedis(t *testing.T) {
	var cmds [][]string
	for _, body := range []string{
		"x = = 1", "\n\nx = ", "return 1e", "local function f() break end",
		"redis.register_function('f', function() return ... end)",
		"redis.register_function('f', function()\n return 1\n", "x = [[ [[ ]]",
		"local s = 'abc", strings.Repeat("do local a end ", 32768),
		"redis.register_function('f', function(keys, args) return #args end)",
		"redis.register_function{function_name='g', callback=function() return 0x1p4 end}",
	} {
		cmds = append(cmds, []string{"FUNCTION", "LOAD", "REPLACE", "#!lua name=lib51\n" + body})
	}
	cmds = append(cmds, []string{"FCALL", "g", "0"}, []string{"FUNCTION", "LOAD", "#!lua name=lib52 \nx ="})
	cmdDiffRedis(t, cmds)
}

// loadstring and load: the chunk name ([string "..."] cut at 80 bytes for a
// syntax error, "=(load)"), the messages, and the level they parse from.
func TestLoadstringSyntaxErrorsDiffRedis(t *testing.T) {
	const ls = "local f, e = loadstring(ARGV[1]) return {tostring(f ~= nil), e or ''}"
	const lsName = "local f, e = loadstring(ARGV[1], ARGV[2]) return {tostring(f ~= nil), e or ''}"
	const ld = "local i = 0 local f, e = load(function() i = i + 1 if i == 1 then return ARGV[1] end end)" +
		" return {tostring(f ~= nil), e or ''}"
	const ldName = "local i = 0 local f, e = load(function() i = i + 1 if i == 1 then return ARGV[1] end end, ARGV[2])" +
		" return {tostring(f ~= nil), e or ''}"
	long := strings.Repeat("y", 100)
	var cmds [][]string
	for _, src := range []string{
		"x = = 1", "\n\nreturn 1e", "break", "return ...", long + " = = 1", long + "\nx = = 1",
		"\x1bLua\x51\x00", "return 'a\\300'", "return " + lua51Nest(198, "(", "1", ")"),
		"return " + lua51Nest(197, "(", "1", ")"), "x = [[ [[", "return 1", "",
	} {
		cmds = append(cmds, []string{"EVAL", ls, "0", src}, []string{"EVAL", ld, "0", src})
	}
	for _, name := range []string{"name", "=name", "@name", "=" + long, "@" + long, long, "a\nb", ""} {
		cmds = append(cmds, []string{"EVAL", lsName, "0", "x = = 1", name}, []string{"EVAL", ldName, "0", "x = = 1", name})
	}
	cmds = append(cmds,
		[]string{"EVAL", "return {pcall(loadstring(ARGV[1] .. ' = 1 error(\"x\")'))}", "0", long},
		[]string{"EVAL", "local f = load(function() return nil end) return type(f)", "0"},
	)
	cmdDiffRedis(t, cmds)
}

func TestScriptCompileErrorsDiffRedis(t *testing.T) {
	scripts := []string{
		// Unfinished strings: at the end of the script, and ended by a newline
		// (Lua quotes the token so far and reports the string's own line).
		"local x = \"abc", "local x = 'abc", "return 'x' .. \"y",
		"local x = \"abc\n", "local x = \"abc\nfoo", "x = 1\nlocal y = 'a\\tbc\r\nz = 2",
		"local x = [[abc", "--[[ unfinished comment", "local s = [==[ x ]=]",
		// Numerals read greedily, as Lua 5.1's read_numeral does.
		"return 0x", "return 1e", "return 3..4", "return 12abc", "return 0xg", "return 1e+", "return 1.2.3",
		// Decimal escapes past 255.
		`return "\300"`, `return "\9999"`, `return 'ab\256'`,
		"return ~1", "return )", "x = = 1",
		// Valid: must compile and run as in Redis.
		"return 0x1F", "return tostring(1.5e+3)", "return tostring(.5)", "return 'a'..1", "return 1 .. 2",
		"local x = [==[ ] ]=] ]==] return x", "-- 1e\nreturn 1", "return '\\0651'", "return \"a\\\"b\"",
		"--[==[ 1e ]==] return 2", "local t = {} t[1] = 3 return t[1]", "return #'abc' .. 'x'",
		"local a = {...} return #a", "return 2^3", "return 10 % 3", "return '\\\n'",
	}
	evalDiffRedis(t, scripts)
}

func TestLua51Parse(t *testing.T) {
	for _, tc := range []struct {
		src  string
		line int
		msg  string
	}{
		{"return 1", 0, ""},
		{"return 1e", 1, "malformed number near '1e'"},
		{"x = 1\n\nreturn 3..4", 3, "malformed number near '3..4'"},
		{"return x..1e", 1, "malformed number near '1e'"},
		{"--[[\n1e\n]] return 12abc", 3, "malformed number near '12abc'"},
		{"return 'a\\300'", 1, "escape sequence too large near ''a'"},
		{"return '1e' .. [[2e]]", 0, ""},
		{"x = = 1", 1, "unexpected symbol near '='"},
		{"do\nx = 1", 2, "'end' expected (to close 'do' at line 1) near '<eof>'"},
		{"return 1 'a\\0b'", 1, "'<eof>' expected near ''a'"},
		{"x = 1 \x00", 1, "unexpected symbol"},
		{"x = 1 \x01", 1, "unexpected symbol near 'char(1)'"},
		{"f\n(1)", 2, "ambiguous syntax (function call x new statement) near '('"},
		{"return {f\n(1)}", 0, ""},
		{"break", 1, "no loop to break near '<eof>'"},
		{"x = [[ [[ ]] ]]", 1, "unexpected symbol near ']'"},
		{"x = 'ab\\\ncd\n", 2, "unfinished string near ''ab\ncd'"},
		{strings.Repeat("do local a end ", 32768), 0, "too many local variables"},
	} {
		var line int
		var msg string
		if e := lua51Parse(tc.src, 0); e != nil {
			line, msg = e.line, e.msg
		}
		if line != tc.line || msg != tc.msg {
			t.Errorf("lua51Parse(%.60q) = %d, %q; want %d, %q", tc.src, line, msg, tc.line, tc.msg)
		}
	}
}

func TestLua51Numeral(t *testing.T) {
	for s, want := range map[string]bool{
		"1": true, "1.": true, ".5": true, "1e5": true, "1E+5": true, "1.5e-3": true, "0x1F": true,
		"0x1p4": true, "0XaP10": true, "00012": true, "1e": false, "1e+": false, "3..4": false,
		"0x": false, "0xg": false, "0x1p": false, "12abc": false, "1_0": false, "0x_1": false,
		"1.2.3": false, "5x": false, "00x10": false,
	} {
		if got := lua51Numeral(s); got != want {
			t.Errorf("lua51Numeral(%q) = %v, want %v", s, got, want)
		}
	}
}

// BenchmarkLua51Parse compares the syntax check with the gopher-lua compile
// that follows it.
func BenchmarkLua51Parse(b *testing.B) {
	src := strings.Repeat("local t = {a = 1, [2] = 'x', 3} for i, v in ipairs(t) do if v == 1 then t[i] = v .. \"s\" end end\n", 50) +
		"local function f(a, ...) return a + select('#', ...) end return f(1, 2, 3)"
	b.Run("lua51", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(src)))
		for i := 0; i < b.N; i++ {
			if e := lua51Parse(src, 0); e != nil {
				b.Fatal(e.msg)
			}
		}
	})
	b.Run("gopher-lua", func(b *testing.B) {
		L := lua.NewState(lua.Options{SkipOpenLibs: true})
		defer L.Close()
		b.ReportAllocs()
		b.SetBytes(int64(len(src)))
		for i := 0; i < b.N; i++ {
			if _, err := L.Load(strings.NewReader(src), "user_script"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzLua51Parse: lua51Check never panics, and what it accepts gopher-lua
// compiles too, numerals rewritten (else keygrid would refuse a script Redis
// runs).
func FuzzLua51Parse(f *testing.F) {
	for _, group := range [][]string{lua51BadScripts, lua51GoodScripts} {
		for _, src := range group {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		gsrc, _, e := lua51Check(src, 0)
		if e != nil {
			return
		}
		L := lua.NewState(lua.Options{SkipOpenLibs: true})
		defer L.Close()
		if _, err := L.Load(strings.NewReader(gsrc), "user_script"); err != nil {
			t.Errorf("Lua 5.1 compiles %q, gopher-lua does not: %v", src, err)
		}
	})
}

// TestScriptSyntaxErrorsMutatedDiffRedis compiles (SCRIPT LOAD: nothing runs)
// random edits of the tables above on both servers, a fixed seed so that a
// failure repeats: every reply, sha or error, must be Redis's.
func TestScriptSyntaxErrorsMutatedDiffRedis(t *testing.T) {
	pieces := []string{"(", ")", "end", "=", ",", "\n", "'", "\"", "[[", "]]", "[=[", "local", "function",
		"...", "do", "1e", "x", "{", "}", "--", ";", "break", ":", ".", "..", "0x", "\\", "]", "[", "return",
		"if", "then", "else", "for", "in", "while", "repeat", "until", "\r", "\x00", "#", "not", "f", "(1)"}
	seeds := append(append([]string{}, lua51BadScripts...), lua51GoodScripts...)
	rng := rand.New(rand.NewSource(51))
	var cmds [][]string
	for i := 0; i < 3000; i++ {
		src := seeds[rng.Intn(len(seeds))]
		for n := 1 + rng.Intn(3); n > 0; n-- {
			at := 0
			if len(src) > 0 {
				at = rng.Intn(len(src) + 1)
			}
			switch rng.Intn(3) {
			case 0: // delete a few bytes
				end := min(at+1+rng.Intn(4), len(src))
				if at < end {
					src = src[:at] + src[end:]
				}
			case 1: // insert a token
				src = src[:at] + pieces[rng.Intn(len(pieces))] + src[at:]
			case 2: // join with another seed
				other := seeds[rng.Intn(len(seeds))]
				src = src[:at] + " " + other
			}
		}
		cmds = append(cmds, []string{"SCRIPT", "LOAD", src})
	}
	n := cmdDiffRedis(t, cmds)
	t.Logf("%d mutated scripts: %d replies differ", len(cmds), n)
}
