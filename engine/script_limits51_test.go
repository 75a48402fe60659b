package engine

// Lua 5.1's register limit (MAXSTACK, 250) as a compile error, "function or
// expression too complex near '...'", compared with redis-server 7.0.15 on
// scripts past the limit and well under it: long argument lists, return
// lists, table constructors, concatenations, with and without locals in the
// way. (Between 200 and 249 registers Lua 5.1 compiles what gopher-lua
// refuses, its own limit being 200: those are not compared.)

import (
	"strconv"
	"strings"
	"testing"
)

func lua51Ones(n int) string { return strings.TrimSuffix(strings.Repeat("1, ", n), ", ") }

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
	return s
}

func TestScriptRegisterLimitDiffRedis(t *testing.T) {
	var cmds [][]string
	for _, src := range lua51RegisterScripts() {
		cmds = append(cmds, []string{"EVAL", src, "0"})
	}
	cmdDiffRedis(t, cmds)
}
