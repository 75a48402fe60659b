package engine

// Lua 5.1's register limit (MAXSTACK, 250) as a compile error, "function or
// expression too complex near '...'", compared with redis-server 7.0.15 on
// scripts past the limit, right at it and well under it: long argument lists,
// return lists, table constructors, concatenations, with and without locals in
// the way, redis.call with ~240 arguments, nested functions, method calls and
// varargs. A Lua 5.1 function may use 249 registers (luaK_checkstack refuses
// the 250th); gopher-lua's own limit is raised from 200 to 250 in the fork at
// internal/third_party/gopher-lua (KEYGRID.md there), so that everything Lua
// 5.1 compiles compiles, and runs, in keygrid too.

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func lua51Ones(n int) string { return strings.TrimSuffix(strings.Repeat("1, ", n), ", ") }

// lua51Args is n string arguments 'p1', 'p2', ...
func lua51Args(n int, prefix string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "'%s%d'", prefix, i)
	}
	return b.String()
}

func lua51RegisterScripts() []string {
	locals := func(n int) string {
		if n == 0 {
			return ""
		}
		return "local " + lua51Names(n, "a", ", ") + " "
	}
	var s []string
	for _, n := range []int{100, 250, 251, 252, 260, 300} {
		s = append(s,
			"return select('#', "+lua51Ones(n)+")",
			"return select('#', "+lua51Ones(n)+", 'x')",
			"return "+lua51Ones(n),
			"local s = 'x' return s:len("+lua51Ones(n-1)+")",
			"local t = {} return #{"+lua51Ones(n)+"}",
			"return select('#', "+lua51Ones(n-10)+", {"+lua51Ones(20)+"})",
			"return select('#', "+lua51Ones(n-5)+", select('#', 1, 1, 1, 1, 1, 1))",
			"return select('#', "+lua51Ones(n-4)+", string.len('abc'))",
			"local a = "+lua51Ones(n),
			"x = "+lua51Ones(n),
			"return {select('#', "+lua51Ones(n-1)+")}",
		)
	}
	for _, k := range []int{10, 100, 150, 190} {
		for _, n := range []int{249 - k, 250 - k} {
			s = append(s,
				locals(k)+"return select('#', "+lua51Ones(n)+")",
				locals(k)+"return "+lua51Ones(n+1),
			)
		}
	}
	for _, k := range []int{60, 70} {
		for _, n := range []int{190, 196} {
			s = append(s, locals(k)+"local x = 'a' return #(x"+strings.Repeat(" .. x", n)+")")
		}
	}
	s = append(s, "return #{"+lua51Ones(300)+"}", "return #{"+strings.Repeat("{1, 2}, ", 300)+"}",
		"local t = {"+strings.Repeat("x = 1, ", 300)+"} return 1",
		"local t = {} return select('#', "+lua51Ones(248)+", t.x)", "local t = {} return select('#', "+lua51Ones(247)+", t[1])",
		"return select('#', "+lua51Ones(247)+", string.len('x'))", "return select('#', "+lua51Ones(247)+", KEYS[1])",
		"local s = 'x' return select('#', "+lua51Ones(248)+", s:len())", "return #string.rep('x', "+strconv.Itoa(3)+")")
	return append(s, lua51WideScripts()...)
}

// lua51WideScripts need 199 to 251 registers: what gopher-lua's own limit of
// 200 refused and Lua 5.1 runs, and the edge at 249/250 where Lua 5.1 starts
// refusing. r is the registers a script needs in Lua 5.1 (luaK_checkstack
// refuses r >= 250).
func lua51WideScripts() []string {
	locals := func(n int) string { return "local " + lua51Names(n, "a", ", ") + " " }
	var s []string
	for _, r := range []int{199, 200, 201, 202, 210, 225, 240, 245, 247, 248, 249, 250, 251} {
		s = append(s,
			// Argument and return lists.
			"return select('#', "+lua51Ones(r-2)+")",
			"return select('#', "+lua51Ones(r-3)+", 'x')",
			"return "+lua51Ones(r),
			"return {"+lua51Ones(r)+"}",
			"return "+lua51Ones(r-1)+", 'x' .. 'y'",
			"return {select('#', "+lua51Ones(r-3)+")}",
			"return select('#', "+lua51Ones(r-3)+", select('#', 1, 1, 1))",
			"return select('#', "+lua51Ones(r-4)+", string.len('abc'))",
			"return select('#', "+lua51Ones(r-12)+", {"+lua51Ones(20)+"})",
			"return select('#', "+lua51Ones(r-3)+", KEYS[1])",
			"return select(-1, "+lua51Ones(r-3)+", 'last')",
			"return tostring(select('#', "+lua51Ones(r-3)+"))",
			"local a = "+lua51Ones(r),
			"local a, b, c = "+lua51Ones(r)+" return {a, b, c}",
			"x = "+lua51Ones(r)+" return x",
			// Concatenations: each operand takes a register.
			"local x = 'a' return #(x"+strings.Repeat(" .. x", r-2)+")",
			"return #('a'"+strings.Repeat(" .. 'b'", r-1)+")",
			"local x = 'a' return select('#', "+lua51Ones(r-6)+", x .. x .. x)",
			// Locals and expressions in the way.
			locals(100)+"return select('#', "+lua51Ones(r-102)+")",
			locals(190)+"return "+lua51Ones(r-190),
			locals(50)+"local x = 'a' return #(x"+strings.Repeat(" .. x", r-52)+")",
			"local t = {x = 1, y = 2} return select('#', "+lua51Ones(r-5)+", t.x)",
			"local t = {x = 1, y = 2} return select('#', "+lua51Ones(r-6)+", t.x + t.y)",
			"local t = {x = 1, y = 2} return select('#', "+lua51Ones(r-7)+", t.x + t.y)",
			"local t = {x = 1, y = 2} return select('#', "+lua51Ones(r-5)+", -t.x)",
			"local t = {x = 1, y = 2} return select('#', "+lua51Ones(r-5)+", not t.x)",
			"local t = {x = 1, y = 2} return select('#', "+lua51Ones(r-5)+", t.x == t.y)",
			"local a, b = 1, 2 return select('#', "+lua51Ones(r-5)+", a + b)",
			"local t = {1, 2} return t[1] + select('#', "+lua51Ones(r-5)+")",
			// Nested functions: the inner one is where the registers are.
			"return (function() return select('#', "+lua51Ones(r-2)+") end)()",
			"local function f(...) return select('#', ...) end return f("+lua51Ones(r-2)+")",
			"local function f(...) return ... end return select('#', f("+lua51Ones(r-2)+"))",
			"local function f(...) return {...} end return #f("+lua51Ones(r-2)+")",
			"local function f(...) local t = {...} return select('#', ...) + #t end return f("+lua51Ones(r-2)+")",
			"local function f(...) return select('#', "+lua51Ones(r-3)+", ...) end return f(1, 2, 3)",
			"local function f(a, ...) return select('#', "+lua51Ones(r-4)+", a, ...) end return f(1, 2)",
			"local function outer() local function inner() return "+lua51Ones(r)+" end return select('#', inner()) end return outer()",
			"local function f() "+locals(150)+"return select('#', "+lua51Ones(r-152)+") end return f()",
			"local o = {} function o.f() return select('#', "+lua51Ones(r-2)+") end return o.f()",
			"local u = 5 local function f() return select('#', "+lua51Ones(r-3)+", u) end return f()",
			// Method calls: the function and self take two registers.
			"local s = 'x' return s:len("+lua51Ones(r-3)+")",
			"local o = {} function o:m(...) return select('#', ...) end return o:m("+lua51Ones(r-3)+")",
			"local o = {n = 7} function o:m(...) return self.n + select('#', ...) end return o:m("+lua51Ones(r-3)+")",
			"return ('x'):rep(2, "+lua51Ones(r-2)+")",
		)
		// redis.call with ~240 arguments: MSET of pairs, then MGET and DEL.
		if r%2 == 0 {
			pairs := (r - 2) / 2
			var kv []string
			for i := 1; i <= pairs; i++ {
				kv = append(kv, fmt.Sprintf("'k%d', 'v%d'", i, i))
			}
			s = append(s,
				"return redis.call('MSET', "+strings.Join(kv, ", ")+")",
				"return redis.call('MGET', "+lua51Args(r-2, "k")+")",
				"return redis.pcall('DEL', "+lua51Args(r-2, "k")+")",
				"local c = redis.call return c('RPUSH', 'list', "+lua51Args(r-3, "e")+")",
				"return redis.call('LRANGE', 'list', 0, -1)",
				"return {redis.call('DEL', 'list'), select('#', "+lua51Ones(r-5)+")}",
			)
		}
	}
	// The temporaries of operators, conditions and assignments right at the
	// edge: each template with 243 to 249 ones before its expression.
	exprs := []string{
		"t.x", "t.x + t.y", "t.x .. t.y", "-t.x", "-'2'", "#t", "#'abc'", "not t.x", "not not t.x",
		"t.x == t.y", "t.x < 1", "1 < t.x", "t.x and t.y", "t.x or t.y", "t.x and t.y or t.z",
		"(t.x or 1) + 1", "1 + 2 * 3", "1 / 0", "0 / 0 == 0", "2 ^ 0.5", "-(1 + 1)", "t[t.x]", "t[1][1]",
		"u", "u.x", "u .. u", "g", "g.x", "nil and 1", "1 or t.x", "false or t.x", "(t.x)",
		"t:m()", "t:m(t.x, t.y)", "{t.x, t.y}", "{x = t.x, [t.y] = 1}", "function() end", "...",
		"select(2, ...)", "'a' .. 'b' .. t.x", "1 == 1 and 2 or 3", "t.x ~= nil and #t > 0",
	}
	for _, ex := range exprs {
		for n := 243; n <= 249; n++ {
			s = append(s, "local t = {x = 1, y = 2, z = 3, {5}, m = function() return 1 end} local u = 'u' "+
				"return (function(...) return select('#', "+lua51Ones(n-3)+", "+ex+") end)(1, 2)")
		}
	}
	// Assignment targets hold their table's and key's registers until the
	// values are stored. (Not compared: ~125 or more targets t[k] with t and
	// k locals, which take no register in Lua 5.1 but up to two each in
	// gopher-lua's code, so that it refuses, "register overflow", what Lua
	// 5.1 compiles.)
	for m := 184; m <= 190; m++ {
		s = append(s,
			locals(60)+lua51Names(m, "g.x", ", ")+" = 1",
			locals(60)+lua51Names(m, "g.x", ", ")+" = 1, 2",
			locals(60)+lua51Names(m, "g.x", ", ")+", a1 = ...",
			"local t = {} "+locals(59)+strings.Repeat("t[g.x], ", m)+"a1 = 1",
			locals(60)+lua51Names(m, "g.x", ", ")+" = f()",
		)
	}
	return s
}

func TestScriptRegisterLimitDiffRedis(t *testing.T) {
	var cmds [][]string
	for _, src := range lua51RegisterScripts() {
		cmds = append(cmds, []string{"EVAL", src, "0"})
	}
	cmdDiffRedis(t, cmds)
}

// TestScriptWideFunction runs, without redis-server, functions that use the
// most registers each side allows: 249 in keygrid's EVAL (Lua 5.1's limit),
// 250 in gopher-lua itself (the fork's maxRegisters): calls of 246 to 248
// arguments, varargs passed on, and multiple returns.
func TestScriptWideFunction(t *testing.T) {
	src := "local function f(...) return select('#', ...), ... end " +
		"local a = {f(" + lua51Ones(245) + ", 'z')} return {#a, a[1], a[2], a[247]}"
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	if got := tc.do("EVAL", "return select('#', "+lua51Ones(247)+")", "0"); got != ":247" {
		t.Errorf("249 registers: %q", got)
	}
	if got := tc.do("EVAL", "return select('#', "+lua51Ones(248)+")", "0"); !strings.Contains(got, "function or expression too complex") {
		t.Errorf("250 registers in EVAL: %q", got)
	}
	if got := tc.do("EVAL", src, "0"); got != "[:247 :246 :1 z]" {
		t.Errorf("varargs: %q", got)
	}

	L := lua.NewState()
	defer L.Close()
	if err := L.DoString("return select('#', " + lua51Ones(248) + ")"); err != nil {
		t.Fatal(err)
	}
	if n := L.Get(-1); n != lua.LNumber(248) {
		t.Errorf("select over 248 values = %v", n)
	}
	L.Pop(1)
	var ones []string
	for i := 1; i <= 248; i++ {
		ones = append(ones, strconv.Itoa(i))
	}
	wide := "local function g(...) return ... end return g(" + strings.Join(ones, ", ") + ")"
	fn, err := L.LoadString(wide)
	if err != nil {
		t.Fatal(err)
	}
	if r := fn.Proto.NumUsedRegisters; r != 250 {
		t.Errorf("the main function uses %d registers, want 250", r)
	}
	L.Push(fn)
	L.Call(0, lua.MultRet)
	if top := L.GetTop(); top != 248 {
		t.Fatalf("%d results, want 248", top)
	}
	for i := 1; i <= 248; i++ {
		if v := L.Get(i); v != lua.LNumber(i) {
			t.Fatalf("result %d = %v", i, v)
		}
	}
	L.SetTop(0)
	if _, err := L.LoadString("return select('#', " + lua51Ones(249) + ")"); err == nil ||
		!strings.Contains(err.Error(), "register overflow") {
		t.Errorf("251 registers in gopher-lua: %v", err)
	}
}
