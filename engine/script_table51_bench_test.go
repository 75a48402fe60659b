package engine

// The cost of table operations in gopher-lua's table (keygrid's Lua 5.1
// table since KEYGRID.md change 15): field reads and writes with constant
// string keys, an array filled and read, a constructor, a pairs traversal.

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func BenchmarkLuaTableOps(b *testing.B) {
	for _, bc := range []struct{ name, src string }{
		{"fields", "local t = {a = 1, b = 2, c = 3} local s = 0 for i = 1, 100 do t.a = t.b + i s = s + t.a + t.c end return s"},
		{"array", "local t = {} for i = 1, 100 do t[i] = i end local s = 0 for i = 1, #t do s = s + t[i] end return s"},
		{"constructor", "local s = 0 for i = 1, 100 do local t = {i, i + 1, x = i, y = 2} s = s + t[2] + t.x end return s"},
		{"pairs", "local t = {} for i = 1, 50 do t['k' .. i] = i end local s = 0 for j = 1, 4 do for k, v in pairs(t) do s = s + v end end return s"},
		{"grow", "local t = {} for i = 1, 64 do t['k' .. (i % 16)] = i t[i] = i end return #t"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			L := lua.NewState()
			defer L.Close()
			fn, err := L.Load(strings.NewReader(bc.src), "bench")
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				L.Push(fn)
				L.Call(0, 1)
				L.Pop(1)
			}
		})
	}
}

// BenchmarkLuaTableAPI: the Go API's reads and writes (what the library
// functions and the reply conversions use).
func BenchmarkLuaTableAPI(b *testing.B) {
	L := lua.NewState()
	defer L.Close()
	keys := []string{"n", "s", "name", "status", "ok", "err", "counter", "a_longer_field_name"}
	b.Run("RawSetString+RawGetString", func(b *testing.B) {
		b.ReportAllocs()
		t := L.NewTable()
		for _, k := range keys {
			t.RawSetString(k, lua.LTrue)
		}
		for i := 0; i < b.N; i++ {
			for _, k := range keys {
				t.RawSetString(k, t.RawGetString(k))
			}
		}
	})
	b.Run("RawSetInt+RawGetInt", func(b *testing.B) {
		b.ReportAllocs()
		t := L.NewTable()
		for j := 1; j <= 64; j++ {
			t.RawSetInt(j, lua.LTrue)
		}
		for i := 0; i < b.N; i++ {
			for j := 1; j <= 64; j++ {
				t.RawSetInt(j, t.RawGetInt(j))
			}
		}
	})
	b.Run("build8", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			t := L.NewTable()
			for j := 1; j <= 8; j++ {
				t.RawSetInt(j, lua.LTrue)
			}
			t.RawSetString("ok", lua.LTrue)
		}
	})
}
