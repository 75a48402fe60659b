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
	// values are stored (targets t[k] with t and k locals, which hold none:
	// TestScriptIndexedTargetsDiffRedis).
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

// lua51Targets is n assignment targets, target(1), ..., target(n).
func lua51Targets(n int, target func(i int) string) string {
	ts := make([]string, n)
	for i := range ts {
		ts[i] = target(i + 1)
	}
	return strings.Join(ts, ", ")
}

// lua51IndexedTargetScripts are multiple assignments to n indexed targets.
// Lua 5.1 keeps a target t[k] whose table and key are locals (or whose key is
// a constant) as VINDEXED on the locals' registers: it holds no register, so
// Lua 5.1 compiles 199 of them (its limit of 200 nested C calls, one per
// target, refuses more: "main function has more than 199 variables in
// assignment"). A global or upvalue table, or a key that is neither a local
// nor a constant, is loaded into a register per target, so Lua 5.1 refuses
// ~125 targets ("function or expression too complex"): keygrid must refuse
// with the same words. (Scripts may not set globals: the global table is
// KEYS.) Then Lua 5.1's check_conflict: a local used as
// table or key of a target and assigned by the same statement is copied
// first, so the store uses its value from before the statement; a local not
// assigned by the statement is read when the store runs (after the values,
// calls included, have been evaluated).
func lua51IndexedTargetScripts() []string {
	tk := func(int) string { return "t[k]" }
	var s []string
	for _, n := range []int{100, 124, 125, 126, 150, 197, 198, 199, 200, 240} {
		values := lua51Names(n, "", ", ")
		s = append(s,
			// Local table, local key.
			"local t, k = {}, 1 "+lua51Targets(n, tk)+" = "+values+" return t[1]",
			"local t, k, j = {}, 1, 2 "+lua51Targets(n, func(i int) string { return []string{"t[k]", "t[j]"}[i%2] })+
				" = "+values+" return {t[1], t[2]}",
			"local t, k, v = {}, 'a', 'x' "+lua51Targets(n, tk)+" = "+strings.TrimSuffix(strings.Repeat("v, ", n), ", ")+" return t.a",
			"local t, k = {}, 1 "+lua51Targets(n, tk)+" = 'x' return {t[1], #t}",
			"local t, k = {}, 1 "+lua51Targets(n, tk)+" = "+values+", 'extra' return t[1]",
			"local t, k = {}, 1 local function f() return 'a', 'b' end "+lua51Targets(n, tk)+" = f() return t[1]",
			"local t, u, k = {}, {}, 'a' "+lua51Targets(n, func(i int) string { return []string{"t[k]", "u[k]"}[i%2] })+
				" = "+values+" return {t.a, u.a}",
			// Constant keys.
			"local t = {} "+lua51Targets(n, func(int) string { return "t.x" })+" = "+values+" return t.x",
			"local t = {} "+lua51Targets(n, func(int) string { return "t['a']" })+" = "+values+" return t.a",
			"local t = {} "+lua51Targets(n, func(int) string { return "t[1]" })+" = "+values+" return t[1]",
			"local t = {} "+lua51Targets(n, func(i int) string { return fmt.Sprintf("t[%d]", i) })+" = "+values+
				fmt.Sprintf(" return {#t, t[1], t[%d]}", n),
			"local t = {} "+lua51Targets(n, func(i int) string { return fmt.Sprintf("t.a%d", i) })+" = "+values+
				fmt.Sprintf(" return {t.a1, t.a%d}", n),
			"local t, k = {}, 1 "+lua51Targets(n, func(i int) string { return []string{"t[k]", "t.x", "t[2]", "t['a']"}[i%4] })+
				" = "+values+" return {t[1], t[2], t.x, t.a}",
			// A global or upvalue table, or a key to compute: a register per target.
			"local k = 1 "+lua51Targets(n, func(int) string { return "KEYS[k]" })+" = "+values+" return KEYS[1]",
			lua51Targets(n, func(int) string { return "KEYS.x" })+" = "+values+" return KEYS.x",
			lua51Targets(n, func(int) string { return "KEYS[1]" })+" = "+values+" return KEYS[1]",
			"local t, k = {}, 1 local function f() "+lua51Targets(n, tk)+" = "+values+" return t[1] end return f()",
			"local t = {} local function f() local k = 1 "+lua51Targets(n, tk)+" = "+values+" return t[1] end return f()",
			"local t, k = {}, 1 "+lua51Targets(n, func(int) string { return "t[k + 1]" })+" = "+values+" return t[2]",
			"local t = {} "+lua51Targets(n, func(int) string { return "t[KEYS]" })+" = "+values+" return t[KEYS]",
			"local t, k = {{}}, 1 "+lua51Targets(n, func(int) string { return "t[k][k]" })+" = "+values+" return t[1][1]",
			"local t, k = {{}}, 1 "+lua51Targets(n, func(i int) string { return []string{"t[k]", "t[k + 1]"}[i%2] })+
				" = "+values+" return {t[1], t[2]}",
			// In functions and loops.
			"local function f(t, k) for i = 1, 3 do "+lua51Targets(n, tk)+" = "+values+" end return t[1] end return f({}, 1)",
			"local t = {} for k = 1, 3 do "+lua51Targets(n, tk)+" = "+values+" end return {t[1], t[2], t[3]}",
			"local t, k = {}, 0 while k < 2 do k = k + 1 "+lua51Targets(n, tk)+" = "+values+" end return {t[1], t[2]}",
			"local t = {} for _, k in ipairs({'a', 'b'}) do local u = t "+
				lua51Targets(n, func(int) string { return "u[k]" })+" = "+values+" end return {t.a, t.b}",
			"local t, k = {}, 1 return (function() local t, k = t, k "+lua51Targets(n, tk)+" = "+values+" return t[1] end)()",
		)
	}
	// Locals in the way: values that each take a register in both, at the
	// edge of Lua 5.1's 249 registers (2 + m locals, 195 values and the last
	// one stored directly).
	for m := 48; m <= 52; m++ {
		pre := "local " + lua51Names(m, "a", ", ") + " local t, k = {}, 1 "
		targets := lua51Targets(196, tk)
		s = append(s,
			pre+targets+" = "+strings.TrimSuffix(strings.Repeat("{}, ", 196), ", ")+" return type(t[1])",
			pre+targets+" = "+strings.TrimSuffix(strings.Repeat("k .. 'x', ", 196), ", ")+" return t[1]",
			pre+targets+" = "+strings.Repeat("{}, ", 195)+"k return t[1]",
			pre+targets+" = "+strings.Repeat("{}, ", 196)+"{} return type(t[1])",
			pre+lua51Targets(196, func(int) string { return "t.x" })+" = "+strings.TrimSuffix(strings.Repeat("{}, ", 196), ", ")+" return type(t.x)",
		)
	}
	return append(s,
		// check_conflict: the key or table assigned by the statement.
		"local t, i = {}, 1 t[i], i = 'a', 2 return {tostring(t[1]), tostring(t[2]), i}",
		"local t, i = {}, 1 i, t[i] = 2, 'a' return {tostring(t[1]), tostring(t[2]), i}",
		"local t, i = {}, 1 t[i], t[i], i = 'a', 'b', 2 return {tostring(t[1]), tostring(t[2]), i}",
		"local t, u, i = {}, {}, 1 t[i], i, u[i] = 'a', 2, 'b' return {tostring(t[1]), tostring(u[1]), tostring(u[2]), i}",
		"local t, i = {}, 1 t[i], i = 'a' return {tostring(t[1]), tostring(i)}",
		"local t, i = {}, 1 local function f() return 2, 3 end t[i], i = 'a', f() return {tostring(t[1]), tostring(t[2]), i}",
		"local t, i = {}, 1 local function f() return 2, 3 end t[i], i, t[i] = f() return {tostring(t[1]), tostring(t[2]), tostring(i)}",
		"local t, k = {}, 'x' t[k], k = 1, 'y' return {tostring(t.x), tostring(t.y), k}",
		"local t, k = {}, 1 local t0 = t t[k], t = 'a', {} return {tostring(t0[1]), tostring(t[1])}",
		"local t, k = {}, 1 local t0 = t t, t[k] = {}, 'a' return {tostring(t0[1]), tostring(t[1])}",
		"local t, k = {}, 1 local t0 = t t[k], t[k], t = 'a', 'b', {} return {tostring(t0[1]), tostring(t[1])}",
		"local t, k = {}, 1 local t0 = t t.x, t, t[k] = 'a', {}, 'b' return {tostring(t0.x), tostring(t0[1]), tostring(t.x), tostring(t[1])}",
		"local t, k = {}, 1 local t0 = t t[k], t, k = 'a', {}, 2 return {tostring(t0[1]), tostring(t0[2]), tostring(t[1]), tostring(t[2]), k}",
		"local a = {} local b = a a[1], a = 1, {} return {tostring(b[1]), tostring(a[1])}",
		"local i = 1 do local t = {} t[i], i = 'a', 2 return {tostring(t[1]), tostring(t[2]), i} end",
		"local t, i = {}, 1 do local i = 5 t[i], i = 'a', 6 end return {tostring(t[1]), tostring(t[5]), tostring(t[6]), i}",
		"local i = 1 KEYS[i], i = 'a', 2 return {tostring(KEYS[1]), tostring(KEYS[2]), i}",
		"local t, i = {}, 1 local function f() t[i], i = 'a', 2 end f() return {tostring(t[1]), tostring(t[2]), i}",
		"local t, i = {}, 1 local function f() local t, i = t, i t[i], i = 'a', 2 return i end return {f(), tostring(t[1]), tostring(t[2]), i}",
		"local function f(t, i) t[i], i = 'a', i + 1 return t, i end local t, i = f({}, 1) return {tostring(t[1]), tostring(t[2]), i}",
		"local t, i = {}, 1 for j = 1, 5 do t[i], i = j * 10, j + 1 end return t",
		"local t, i = {}, 1 while i <= 3 do t[i], i = 'v' .. i, i + 1 end return t",
		"local t = {} for i = 1, 3 do t[i], i = 'a', 9 end return t",
		"local t, i = {}, 1 repeat local u = t u[i], i, u = i * 2, i + 1, nil until i > 3 return t",
		// A local not assigned by the statement is read when the store runs:
		// a call among the values that changes it changes the store.
		"local t, k = {}, 1 local function f() k = 2 return 'v' end t[k] = f() return {tostring(t[1]), tostring(t[2])}",
		"local t, k = {}, 1 local function f() k = k + 1 return k end t[k], t[k] = f(), f() return {tostring(t[1]), tostring(t[2]), tostring(t[3])}",
		"local t, k = {}, 1 local u = {} local function f() t = u return 'v' end t[k] = f() return {tostring(t[1]), tostring(u[1])}",
		"local t, k = {}, 1 local function f() k = 2 return 'v' end t[k], k = f(), 3 return {tostring(t[1]), tostring(t[2]), k}",
	)
}

// TestScriptIndexedTargetsDiffRedis compares with redis-server 7.0.15
// assignments to 100 to 250 indexed targets (lua51IndexedTargetScripts): those
// with a local table and a local or constant key hold no register in Lua 5.1,
// nor in gopher-lua since the fork's change (KEYGRID.md), and the stores use
// the tables and keys Lua 5.1's do.
func TestScriptIndexedTargetsDiffRedis(t *testing.T) {
	var cmds [][]string
	for _, src := range lua51IndexedTargetScripts() {
		cmds = append(cmds, []string{"EVAL", src, "0"})
	}
	cmdDiffRedis(t, cmds)
}

// TestScriptIndexedTargetsRegisters: in gopher-lua itself, targets t[k] with
// t and k locals and targets with a constant key take no register, whatever
// their number (nor do constant values there, unlike in Lua 5.1).
func TestScriptIndexedTargetsRegisters(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	for _, target := range []string{"t[k]", "t.x", "t['a']", "t[1]"} {
		src := "local t, k = {}, 1 " + lua51Targets(300, func(int) string { return target }) + " = " + lua51Ones(300) + " return t"
		fn, err := L.LoadString(src)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		if r := fn.Proto.NumUsedRegisters; r > 4 {
			t.Errorf("%s: 300 targets use %d registers", target, r)
		}
	}
}
