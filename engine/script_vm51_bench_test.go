package engine

// The cost of keygrid's CONCAT, arithmetic and FORPREP instructions
// (script_concat51.go, script_arith51.go, script_forprep51.go) against
// gopher-lua's own, in one process: the same loop run with the jump table as
// keygrid sets it and with gopher-lua's entries put back.

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func BenchmarkLuaVMHooks(b *testing.B) {
	if gopherConcat == nil {
		b.Skip("gopher-lua's jump table is not replaced")
	}
	src := "local s = 0 for i = 1, 200 do s = s + i % 7 * 2 - 1 end local t = 'k' .. 'v' .. 'x' return s"
	L := lua.NewState()
	defer L.Close()
	fn, err := L.Load(strings.NewReader(src), "bench")
	if err != nil {
		b.Fatal(err)
	}
	ours := gopherJumpTable
	theirs := ours
	theirs[opConcat] = gopherConcat
	for _, op := range []int{opAdd, opSub, opMul, opDiv, opMod, opPow, opUnm} {
		theirs[op] = gopherArith[op]
	}
	if gopherForPrep != nil {
		theirs[opForPrep] = gopherForPrep // script_forprep51.go
	}
	run := func(b *testing.B, table [opNop + 1]gopherInstr) {
		gopherJumpTable = table
		defer func() { gopherJumpTable = ours }()
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			L.Push(fn)
			L.Call(0, 1)
			L.Pop(1)
		}
	}
	b.Run("gopher", func(b *testing.B) { run(b, theirs) })
	b.Run("keygrid", func(b *testing.B) { run(b, ours) })
}
