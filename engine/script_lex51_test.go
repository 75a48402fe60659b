package engine

// Lua 5.1's compile errors (llex.c wording, positions) for broken scripts, and
// the tricky but valid scripts the extra lexical check must let through, against
// redis-server 7.0.15.

import (
	"testing"
)

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

func TestLua51LexCheck(t *testing.T) {
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
	} {
		line, msg := lua51LexCheck(tc.src)
		if line != tc.line || msg != tc.msg {
			t.Errorf("lua51LexCheck(%q) = %d, %q; want %d, %q", tc.src, line, msg, tc.line, tc.msg)
		}
	}
}
