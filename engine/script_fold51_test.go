package engine

// Constant folding (script_fold51.go), pow's NaNs and the numeric for loop's
// preparation (script_forprep51.go) as Lua 5.1 has them, compared with
// redis-server 7.0.15.

import (
	"fmt"
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

// lua51FoldCases are expressions on numerals whose folding in Lua 5.1 (or
// not) shows: division and modulo by zero, NaN results, % where math.Mod and
// Lua 5.1's formula part, infinities written as numerals, pow's NaNs.
var lua51FoldCases = []string{
	"5%0", "-5%0", "0%0", "5/0", "-5/0", "0/0", "5%-0", "5%1e309", "5%-1e309", "-5%1e309",
	"1e309%2", "-1e309%2", "1e309%1e309", "(0/0)%1", "(-(0/0))%1", "1%(0/0)", "(1/0)%1", "0/0 % 2",
	"2^1024", "-2^1024", "2^1024-2^1024", "(2^1024-2^1024)%1", "1e300*1e300%2", "0*1e309", "1e309*0",
	"1e309-1e309", "-(1e309-1e309)", "-(0/0)", "- -(0/0)", "-(5%0)", "(5%0)+1", "1e308*10",
	"2^60%3", "-2^60%3", "2^60%-3", "1e15%7", "2^53%3", "-0%5", "0%-5", "-0%-5", "-0/1", "1/-0",
	"5.5%-2", "-7%3", "7%-3", "2^-1074%1", "(2^60%3)+1", "-(-0%5)", "(-0%5)/0", "((-0%5)/0)%1",
	"(-8)^(1/3)", "(-8)^(-1/3)", "(-1)^0.5", "(0/0)^2", "(-(0/0))^2", "2^(0/0)", "2^(-(0/0))",
	"1^(0/0)", "(0/0)^0", "(-1e309)^0.5", "(-2)^1e309", "0^-1", "(-0)^-1", "2^0.5", "10^-2",
}

func lua51FoldScripts() []string {
	var s []string
	for _, e := range lua51FoldCases {
		s = append(s, "return tostring("+e+")",
			"local function f() return tostring("+e+") end return f()",
			"return loadstring('return tostring("+e+")')()")
	}
	// The same operations on values in variables: run time only.
	for _, p := range [][3]string{{"5", "0", "%"}, {"-5", "0", "%"}, {"5", "1/0", "%"}, {"5", "-1/0", "%"},
		{"1/0", "2", "%"}, {"0/0", "1", "%"}, {"2^60", "3", "%"}, {"-0", "5", "%"}, {"-8", "1/3", "^"},
		{"0/0", "2", "^"}, {"-(0/0)", "2", "^"}, {"2", "0/0", "^"}, {"0/0", "-(0/0)", "^"}, {"-(0/0)", "0/0", "^"},
		{"'-8'", "1/3", "^"}, {"'5'", "'0'", "%"}, {"1", "1/3", "%"}, {"0.3", "0.1", "%"}, {"-6", "3", "%"},
		{"-6", "-3", "%"}, {"2^52-1", "-7", "%"}, {"1", "-0", "*"}, {"-1e-300", "1e300", "/"}, {"-0", "-0", "+"}} {
		s = append(s, "local a, b = "+p[0]+", "+p[1]+" return tostring(a "+p[2]+" b)")
	}
	return append(s,
		"return {tostring(math.pow(-8, 1/3)), tostring(math.pow(0/0, 2)), tostring(math.pow(2, -(0/0))), math.pow(2, 10)}",
		"local t = {} t[-0%5] = 1 return next(t)",
		"local t = {[2^60%3] = 'a', [5%0 == 5%0] = 1} return {t[0], tostring(t[false])}",
		"local t = {} t[5%0] = 1", "local t = {} return t[2^60%3 + 1]",
		"local s = 0 for i = 1, 2^60%3+2 do s = s + i end return s",
		"local x = 5 return tostring(x % 0 .. (0/0) % 1)",
		"return {tostring(5%0 == 5%0), tostring(5%0 < 1), tostring(2^60%3 == 0)}",
		"local s = '\\0num0#0' return {s, tostring(5%0), s .. 1}",
		"local t = {} t['\\0num0#0'] = 1 return {t['\\0num0#0'], tostring(t[5%0 ~= 1])}",
		"return string.format('%.17g|%.17g|%s', 2^60%3, 1e15%7, tostring(-5%1e309))",
		// 0 and -0 are one constant, the first Lua 5.1 meets; a -0 result
		// keeps its sign.
		"return {tostring(-0), tostring(0)}", "return {tostring(0), tostring(-0)}",
		"local x = 1 return {tostring(0 + (x + -0)), tostring(0)}",
		"local x = 1 return {tostring(-0 + (x + 0)), tostring(0)}",
		"local x = 2 return {tostring(-0 % x), tostring(0 / x), tostring(0)}",
		"if -0 then end return tostring(0)", "while -0 do break end return tostring(0)",
		"repeat local z = 1 until -0 return tostring(0)", "return {tostring(not -0), tostring(0)}",
		"local a = -0 and 0 return tostring(a)", "local a = (-0 or 0) return tostring(a)",
		"local x if x or -0 then end return tostring(0)", "if nil and -0 then end return tostring(0)",
		"local x = nil local a = x or -0 return {tostring(a), tostring(0)}",
		"local f = function() return tostring(-0) end return {f(), tostring(0)}",
		"local t = {} t[-0] = 5 return {tostring(next(t)), tostring(0)}",
		"local x = 1 return {tostring(x == -0), tostring(0), tostring(x * 0)}",
		"local x = 1 return {tostring(x * -0), tostring(-1 * x * 0), tostring(-0 - x + 1)}",
		"local x = -1e-300 return {tostring(x * 1e-300), tostring(x / 1e300), tostring(x ^ 3), tostring(-0 + -0 * x)}",
		"return {tostring(5 % -0 + 1), tostring(0)}", "return {tostring(1 % (-0 * 1)), tostring(0)}",
		// and/or: a left operand whose truth is known leaves the right one
		// a numeral (folded), its code still run.
		"return {tostring((0 and 5) % 0), tostring((nil or 2^60) % 3), tostring(-(false or 0)), tostring(0)}",
		"return {tostring(((not nil) and 7) % 0), tostring((('s' and 0) or 1) % 0), tostring(0)}",
		"local g = 1 return {tostring(((g or 3) and -(3)) / 0), tostring(((g and 3) or 5) % 0), tostring(0)}",
		"if (((-nosuch or 3) and -(3)) / 0) then end",
		"local x = 1 return {tostring(((x or 2^60) and 2^60) % 3), tostring(-((x or 1) and 0)), tostring(0)}",
	)
}

func TestScriptFold51DiffRedis(t *testing.T) {
	evalDiffRedis(t, lua51FoldScripts())
}

// TestScriptFold51RandomDiffRedis compares random expressions on numerals
// (zeros, infinities, NaNs, large quotients) and variables, in values and
// conditions, a fixed seed so that a failure repeats, each as written and
// with its numerals 1 a variable.
// numeralOne finds the numeral 1 (not in 1e15) for TestScriptFold51RandomDiffRedis.
var numeralOne = regexp.MustCompile(`(^|[^0-9.e])1\b`)

func TestScriptFold51RandomDiffRedis(t *testing.T) {
	leaves := []string{"0", "-0", "1", "5", "-5", "3", "0.5", "2^60", "1e309", "-1e309", "(0/0)", "(-(0/0))", "1e15", "7",
		"z", "mz", "one"}
	ops := []string{"+", "-", "*", "/", "%", "%", "%", "^"}
	powExps := []string{"0", "-0", "1", "2", "3", "-1", "-2", "0.5", "1e309", "-1e309", "(0/0)", "(-(0/0))", "-(3 % 0)"}
	falsy := []string{"nil", "false", "(not 1)", "(not 's')", "(nil and 1)", "(false or nil)"}
	truthy := []string{"'s'", "true", "(not nil)", "(not false)", "(1 or nil)", "(nil or 's')", "(not (not 0))"}
	rng := rand.New(rand.NewSource(51))
	var gen func(depth int) string
	gen = func(depth int) string {
		if depth == 0 || rng.Intn(3) == 0 {
			return leaves[rng.Intn(len(leaves))]
		}
		switch rng.Intn(12) {
		case 0, 1:
			return "-(" + gen(depth-1) + ")"
		case 2:
			return "(" + gen(depth-1) + " and " + gen(depth-1) + ")"
		case 3:
			return "(" + gen(depth-1) + " or " + gen(depth-1) + ")"
		case 4: // constants whose truth Lua 5.1 knows: the right operand is the value
			return "(" + falsy[rng.Intn(len(falsy))] + " or " + gen(depth-1) + ")"
		case 5:
			return "(" + truthy[rng.Intn(len(truthy))] + " and " + gen(depth-1) + ")"
		}
		op := ops[rng.Intn(len(ops))]
		if op == "^" {
			// Exponents pow gives exactly: Go's math.Pow and glibc's
			// differ in the last bits for others (run time as well).
			return "(" + gen(depth-1) + " ^ " + powExps[rng.Intn(len(powExps))] + ")"
		}
		return "(" + gen(depth-1) + " " + op + " " + gen(depth-1) + ")"
	}
	// Where an expression stands decides which numerals are constants
	// (a condition's are not), so which zero comes first.
	stmts := []string{"r[#r+1] = tostring(%s)", "r[#r+1] = tostring(%s)", "r[#r+1] = tostring(%s)",
		"if %s then r[#r+1] = 'y' end", "while %s do break end", "repeat until %s",
		"r[#r+1] = tostring(not %s)", "r[#r+1] = tostring(#tostring(%s))", "r[#r+1] = tostring(%s) .. 'x'",
		"r[#r+1] = tostring(%s == 0)", "local f = function() return tostring(%s) end r[#r+1] = f()"}
	var scripts []string
	for i := 0; i < 40; i++ {
		// z and mz, 0 and -0 computed, add no constant.
		consts := []string{"local one = 1 local z = one - one local mz = -z local r = {}"}
		vars := consts
		for j := 0; j < 25; j++ {
			e, st := gen(3), stmts[rng.Intn(len(stmts))]
			consts = append(consts, fmt.Sprintf(st, e))
			vars = append(vars, fmt.Sprintf(st, numeralOne.ReplaceAllString(e, "${1}one")))
		}
		scripts = append(scripts, strings.Join(consts, "\n")+"\nreturn r", strings.Join(vars, "\n")+"\nreturn r")
	}
	evalDiffRedis(t, scripts)
}

// TestScriptForPrep51DiffRedis: the initial value, limit and step of a numeric
// for are checked in that order and converted from strings, and a bad one is
// reported on the line of "do".
func TestScriptForPrep51DiffRedis(t *testing.T) {
	var scripts []string
	for _, h := range []string{"1,\nnil", "1,\nnil\n", "1, nil\n", "nil,\n2", "1, 2,\nnil", "1,\n2,\nnil\n",
		"1, nil, nil", "nil, nil, nil", "1, {}, nil", "'x', 1", "1, '2x'", "1, 2, 'y'", "\n1\n,\nnil\n"} {
		scripts = append(scripts, "for i = "+h+" do end", "local x\nlocal function f()\nfor i = "+h+" do end\nend\nf()")
	}
	return2 := func(h string) string {
		return "local t = {} for i = " + h + " do t[#t+1] = type(i) .. ':' .. i end return t"
	}
	for _, h := range []string{"'1', '3'", "'0x10', ' 17 '", "1, 3, '1'", "'3', 1, '-1'", "1, '2.5'", "'1e0', 2, 0.5",
		"1, 0/0", "1, 1/0, 1/0", "'-0', 0"} {
		scripts = append(scripts, return2(h))
	}
	scripts = append(scripts, "local n = 0 for i = 1, 3 do n = n + i end return n",
		"local x\nfor i = 1,\nx do end", "for i = 1, 2 do for j = 1,\nnil\ndo end end",
		"local ok, e = pcall(function() for i = 1,\nnil do end end) return e",
		strings.Repeat("\n", 3)+"for i = 1,\n{}\ndo end")
	evalDiffRedis(t, scripts)
}

// FuzzLua51Fold: whatever Lua 5.1 and gopher-lua compile, the fold pass
// compiles too (it neither panics nor leaves an expression gopher-lua refuses).
func FuzzLua51Fold(f *testing.F) {
	for _, src := range append(lua51FoldScripts(), lua51GoodScripts...) {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		gsrc, _, e := lua51Check(src, 0)
		if e != nil {
			return
		}
		if _, err := lua51Compile(src, gsrc, "user_script"); err != nil &&
			!strings.Contains(err.Error(), "register overflow") && !strings.Contains(err.Error(), "too many local") {
			t.Errorf("%q: %v", src, err)
		}
	})
}
