package engine

// The cost of Lua loops run by EVALSHA (issue #4: `for i=1,30000000 do end`
// was ~6x slower than on redis-server 7.0): loop shapes common in scripts,
// each run through processInput on a socketless client as
// BenchmarkEvalshaEngine does, so the busy hook (script_busy.go) is set as
// in the server. ns/op is per script run; each loop has 10000 iterations
// (short: ten loops of 1000, whose numbers stay below 1024).

import (
	"testing"
)

func BenchmarkEvalLoop(b *testing.B) {
	for _, bc := range []struct{ name, src string }{
		{"empty", "for i = 1, 10000 do end"},
		{"mul", "for i = 1, 10000 do local x = i * 2 end"},
		{"sum", "local s = 0 for i = 1, 10000 do s = s + i end return s"},
		{"while", "local i = 0 while i < 10000 do i = i + 1 end return i"},
		{"short", "local n = 0 for j = 1, 10 do for i = 1, 1000 do n = i + j end end return n"},
		{"array", "local t = {} for i = 1, 10000 do t[i] = i * 2 end return #t"},
		{"fields", "local t = {n = 0} for i = 1, 10000 do t.n = t.n + i end return t.n"},
		{"concat", "local s = '' for i = 1, 1000 do s = s .. 'x' end return #s"},
		{"tostring", "local n = 0 for i = 1, 10000 do n = n + #tostring(i) end return n"},
		{"call", "local function f(x) return x + 1 end local s = 0 for i = 1, 10000 do s = f(s) end return s"},
		{"redis.call", "for i = 1, 1000 do redis.call('incr', KEYS[1]) end return 1"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, c := benchClient(b)
			s.processInput(c, pipeline(1, "SCRIPT", "LOAD", bc.src))
			if len(c.out) < 45 || c.out[0] != '$' {
				b.Fatalf("SCRIPT LOAD replied %q", c.out)
			}
			sha := string(c.out[5 : 5+40])
			c.out = c.out[:0]
			buf := pipeline(1, "EVALSHA", sha, "1", "ctr")
			s.processInput(c, buf)
			if len(c.out) == 0 || c.out[0] == '-' {
				b.Fatalf("EVALSHA replied %q", c.out)
			}
			c.out = c.out[:0]
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				feedInput(b, s, c, buf)
			}
		})
	}
}
