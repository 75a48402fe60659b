package engine

// string.format against redis-server 7.0.15 (Lua 5.1.5 over glibc's sprintf):
// every conversion with flags, widths and precisions over awkward values, the
// errors (missing and wrong-typed arguments, the function's name, bad specs),
// and random format strings.

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"
)

// strFormatValues are Lua expressions for the arguments tried with each spec.
var strFormatValues = []string{
	"0", "(function() local z = 0 return -z end)()", "1", "-1", "0.5", "1.5", "2.5", "-2.5", "3.14159265358979", "1e-5", "0.0001",
	"123456789", "1e15", "1e16", "2^53", "2^63", "-2^63", "2^64", "-2^64", "1e300", "1/0", "-1/0", "0/0",
	"-(0/0)", "65", "255", "256", "-191", "2^31", "-2^31-1", "'42'", "' 0x10 '", "'1e2'", "'abc'",
	"'a\\0b'", "'q\"\\\\\\n\\r\\0z'", "string.rep('x', 120)", "string.rep('y\\0', 60)", "{}", "true",
	"9.999999e-5", "999999.5", "0.000123456", "5e-324", "1.7976931348623157e308",
}

// TestScriptStrFormatSpecsDiffRedis runs every conversion with combinations of
// flags, width and precision over strFormatValues, one EVAL per conversion.
func TestScriptStrFormatSpecsDiffRedis(t *testing.T) {
	vals := "local vals = {" + strings.Join(strFormatValues, ", ") + "}\n"
	var scripts []string
	for _, conv := range "cdiouxXeEfgGqs" {
		var specs []string
		for _, flags := range []string{"", "-", "+", " ", "#", "0", "-0", "+0", "#0", " +", "-+ #0"} {
			for _, width := range []string{"", "1", "8", "25"} {
				for _, prec := range []string{"", ".", ".0", ".1", ".3", ".17", ".99"} {
					specs = append(specs, luaLit("<%"+flags+width+prec+string(conv)+">"))
				}
			}
		}
		scripts = append(scripts, vals+"local specs = {"+strings.Join(specs, ", ")+"}\n"+`local out = {}
for _, s in ipairs(specs) do
  for i = 1, #vals do
    local ok, r = pcall(string.format, s, vals[i])
    out[#out+1] = (ok and 'ok:' or 'err:') .. r
  end
end
return out`)
	}
	strFormatDiffRedis(t, scripts)
}

// TestScriptStrFormatErrorsDiffRedis checks the errors string.format raises and
// how they name the function and count its arguments.
func TestScriptStrFormatErrorsDiffRedis(t *testing.T) {
	scripts := []string{
		"return string.format('%d')", "return string.format('%d', {})", "return string.format('%s')",
		"return string.format('%s', {})", "return string.format('%s', nil)", "return string.format('%q')",
		"return string.format('%q', true)", "return string.format('%c', 'x')", "return string.format('%f', nil)",
		"return string.format('%x', function() end)", "return string.format('%d %d', 1)",
		"return string.format()", "return string.format({})", "return string.format(nil)",
		"return ('%d'):format()", "return ('%d %s'):format(1, {})", "local s = '%d' return s:format()",
		"local f = string.format return f('%d')", "local t = {string.format} return t[1]('%d')",
		"local t = {format = string.format} return t:format()", "return pcall(string.format, '%d')",
		"return {pcall(string.format, '%d')}", "return {pcall(string.format)}",
		"local f = string.format return (function() return f('%g', {}) end)()",
		"return string.format('%y', 1)", "return string.format('%y')", "return string.format('%', 1)",
		"return string.format('%5', 1)", "return string.format('%1.', 1)", "return string.format('%\\0d', 1)",
		"return string.format('%ld', 1)", "return string.format('%hd', 1)", "return string.format('%n', 1)",
		"return string.format('%p', 1)", "return string.format('%a', 1)", "return string.format('%F', 1)",
		"return string.format('%\\200', 1)", "return string.format('%123d', 1)", "return string.format('%1.123d', 1)",
		"return string.format('%.100f', 1)", "return string.format('%------d', 1)", "return string.format('%-----d', 1)",
		"return string.format('%-+ #0-d', 1)", "return string.format('%000000d', 1)", "return string.format('%123d')",
		"return string.format('%------d')", "return string.format('%%')", "return string.format('%%', 1)",
		"return string.format('a%%b%%', 1, 2)", "return string.format('%5%')", "return string.format(5)",
		"return string.format(12.5)", "return string.format('x\\0y%sz', 'q')", "return string.format('%s%', 'q')",
		"return string.format('%d', '0x10')", "return string.format('%d', ' 12 ')", "return string.format('%d', '12a')",
		"return string.format('%s', 1e100)", "return string.format('%s', 12.5)", "return string.format('%q', 7)",
		"return string.format('%s %s', 1, 2, 3)",
	}
	for c := 0; c < 256; c += 15 {
		scripts = append(scripts, fmt.Sprintf("return string.format('%%c|%%3c|%%-3c', %d, %d, %d)", c, c, c))
	}
	evalDiffRedis(t, scripts)
}

// TestScriptStrFormatRandomDiffRedis compares random format strings built from
// the characters of specs, with random arguments.
func TestScriptStrFormatRandomDiffRedis(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	const alphabet = "%%%%%%-+ #0.123456789cdiouxXeEfgGqsyl\x00a%.1eEfgGg"
	var scripts []string
	for i := 0; i < 60; i++ {
		var calls []string
		for j := 0; j < 25; j++ {
			var f strings.Builder
			if j%2 == 0 {
				// A well-formed spec: flags, width, precision, conversion.
				f.WriteByte('%')
				for k := rng.Intn(3); k > 0; k-- {
					f.WriteByte("-+ #0"[rng.Intn(5)])
				}
				if rng.Intn(2) == 0 {
					fmt.Fprint(&f, rng.Intn(30))
				}
				if rng.Intn(3) > 0 {
					fmt.Fprintf(&f, ".%d", rng.Intn(25))
				}
				f.WriteByte("eEfgGgdxos"[rng.Intn(10)])
			}
			for k := rng.Intn(10); k >= 0; k-- {
				f.WriteByte(alphabet[rng.Intn(len(alphabet))])
			}
			args := []string{luaLit(f.String())}
			for k := rng.Intn(4); k > 0; k-- {
				switch rng.Intn(3) {
				case 0:
					args = append(args, strFormatValues[rng.Intn(len(strFormatValues))])
				case 1: // a tie or near tie at some precision
					args = append(args, fmt.Sprintf("%d.%d5e%d", rng.Intn(1000), rng.Intn(100), rng.Intn(20)-10))
				default:
					args = append(args, fmt.Sprintf("%.17g", rng.NormFloat64()*math.Pow(10, float64(rng.Intn(40)-20))))
				}
			}
			calls = append(calls, "{"+strings.Join(args, ", ")+"}")
		}
		scripts = append(scripts, "local calls = {"+strings.Join(calls, ", ")+`}
local out = {}
for _, c in ipairs(calls) do
  local ok, r = pcall(string.format, unpack(c))
  out[#out+1] = (ok and 'ok:' or 'err:') .. r
end
return out`)
	}
	strFormatDiffRedis(t, scripts)
}

// luaLit is s as a Lua 5.1 string literal (decimal escapes for other bytes).
func luaLit(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c > '~' || c == '"' || c == '\\' {
			fmt.Fprintf(&b, "\\%03d", c)
			continue
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String()
}

// strFormatDiffRedis runs each script, which returns an array of results, on
// redis-server and keygrid, and reports the first differing elements.
func strFormatDiffRedis(t *testing.T, scripts []string) {
	t.Helper()
	rc, kc := redisAndKeygrid(t)
	for n, src := range scripts {
		want, err := rc.Do("EVAL", src, "0")
		if err != nil {
			t.Fatal(err)
		}
		got, err := kc.Do("EVAL", src, "0")
		if err != nil {
			t.Fatal(err)
		}
		if string(got) == string(want) {
			continue
		}
		// Elements are "\r\n$len\r\nvalue": compare them one by one.
		w, g := strings.Split(string(want), "\r\n$"), strings.Split(string(got), "\r\n$")
		bad := 0
		for i := 0; i < len(w) || i < len(g); i++ {
			var we, ge string
			if i < len(w) {
				we = w[i]
			}
			if i < len(g) {
				ge = g[i]
			}
			if we != ge {
				if bad++; bad <= 10 {
					t.Errorf("script %d element %d:\n redis   %q\n keygrid %q", n, i, we, ge)
				}
			}
		}
		if bad > 10 {
			t.Errorf("script %d: %d elements differ", n, bad)
		}
	}
}
