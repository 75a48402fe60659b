package engine

// "goto" is a plain name in Lua 5.1 (`local goto = 1`, `t.goto`, `{goto=1}`,
// `function f(goto)`), a keyword to gopher-lua (Lua 5.2's goto statement).
// lua51Check writes every "goto" name as an alias that appears nowhere else in
// the script, gopher-lua compiles that, and lua51PatchGoto then turns the alias
// back into "goto" wherever a name survives compilation: string constants
// (globals, fields, methods, constructor keys), local, upvalue and call names.
// A script then reads and writes the global or field "goto" and its errors
// name 'goto', as in Redis.

import (
	"reflect"
	"strconv"
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// protoStrConsts is the offset of FunctionProto's unexported stringConstants,
// the copy of the string constants GETGLOBAL and SETGLOBAL read; ok is false
// when gopher-lua's layout is not the one expected (then globals named goto
// keep the alias, the rest still works).
var protoStrConsts = func() (v struct {
	ok  bool
	off uintptr
}) {
	f, ok := reflect.TypeOf(lua.FunctionProto{}).FieldByName("stringConstants")
	if ok && f.Type == reflect.TypeOf([]string(nil)) {
		v.ok, v.off = true, f.Offset
	}
	return
}()

// gotoAlias is a name for "goto" that no name, string or comment of src
// holds, so that no constant of the compiled script can equal it by chance.
func gotoAlias(src string) string {
	var decoded []byte
	l := lex51{src: src, line: 1, buf: &decoded}
	// The source parsed: this lexes it again, saving string and comment
	// bodies with their escapes decoded (an escape could spell the alias).
	for l.llex().kind != tk51EOS {
	}
	for k := 0; ; k++ {
		alias := "goto_" + strconv.Itoa(k) + "_"
		if !strings.Contains(src, alias) && !strings.Contains(string(decoded), alias) {
			return alias
		}
	}
}

// lua51PatchGoto renames alias back to "goto" in p and its nested prototypes.
func lua51PatchGoto(p *lua.FunctionProto, alias string) {
	for i, k := range p.Constants {
		if s, ok := k.(lua.LString); ok && string(s) == alias {
			p.Constants[i] = lua.LString("goto")
		}
	}
	if protoStrConsts.ok {
		sc := *(*[]string)(unsafe.Add(unsafe.Pointer(p), protoStrConsts.off))
		for i, s := range sc {
			if s == alias {
				sc[i] = "goto"
			}
		}
	}
	for _, l := range p.DbgLocals {
		if l.Name == alias {
			l.Name = "goto"
		}
	}
	for i, u := range p.DbgUpvalues {
		if u == alias {
			p.DbgUpvalues[i] = "goto"
		}
	}
	for i := range p.DbgCalls {
		if p.DbgCalls[i].Name == alias {
			p.DbgCalls[i].Name = "goto"
		}
	}
	for _, sub := range p.FunctionPrototypes {
		lua51PatchGoto(sub, alias)
	}
}

// lua51Load compiles src as Lua 5.1 would: Lua 5.1's parser decides what
// compiles and words the error (script_parse51.go), with the chunk named
// errChunk in it; gopher-lua compiles what it accepted under the name chunk,
// with Lua 5.1's constant folding (script_fold51.go).
// level is the C call level the parser starts at (lua51Parse).
func lua51Load(L *lua.LState, src, errChunk, chunk string, level int) (fn *lua.LFunction, msg string, bad bool) {
	gsrc, meta, e := lua51Check(src, level)
	if e != nil {
		if e.line == 0 {
			return nil, e.msg, true
		}
		return nil, errChunk + ":" + strconv.Itoa(e.line) + ": " + e.msg, true
	}
	proto, err := lua51Compile(src, gsrc, chunk) // script_fold51.go
	if err != nil {
		return nil, luaCompileErrorIn(err, chunk, src), true // a gopher-lua limit
	}
	fn = L.NewFunctionFromProto(proto) // as L.Load makes it: the globals, no upvalues
	if meta.alias != "" {
		lua51PatchGoto(fn.Proto, meta.alias)
	}
	lua51PatchLines(fn.Proto, &meta, new(int))
	return fn, "", false
}

// lua51PatchLines gives the instructions that can fail in p and its nested
// prototypes (numbered from *id in the order they open, as the parser
// numbered them) the lines Lua 5.1 gives them. A call (CALL, TAILCALL) has
// the line its lexer stood on at the call's arguments, an operator the line
// of the last token of its operands; gopher-lua gives both the line their
// expression starts on, which differs when it spans lines (`{f\n(1)}`,
// `t\n:m()`, `a +\nb`, `x\n.. y`). A function whose instructions of a kind
// do not pair up one to one with the parser's (constant folding may differ)
// keeps gopher-lua's lines for that kind.
func lua51PatchLines(p *lua.FunctionProto, meta *lua51Meta, id *int) {
	if *id >= len(meta.calls) {
		return
	}
	n := *id
	*id++
	if len(p.DbgSourcePositions) == len(p.Code) {
		patch := func(lines []int, match func(op int) bool) {
			k := 0
			for _, ins := range p.Code {
				if match(insOp(ins)) {
					k++
				}
			}
			if k != len(lines) {
				return
			}
			k = 0
			for pc, ins := range p.Code {
				if match(insOp(ins)) {
					p.DbgSourcePositions[pc] = lines[k]
					k++
				}
			}
		}
		patch(meta.calls[n], func(op int) bool { return op == opCall || op == opTailCall })
		classes := [lua51OpClasses]func(op int) bool{
			lua51OpArith:    func(op int) bool { return op >= opAdd && op <= opPow },
			lua51OpConcat:   func(op int) bool { return op == opConcat },
			lua51OpCompare:  func(op int) bool { return op == opEq || op == opLt || op == opLe },
			lua51OpUnary:    func(op int) bool { return op == opUnm || op == opLen },
			lua51OpGet:      func(op int) bool { return op == opGetTable || op == opGetTableKS },
			lua51OpSelf:     func(op int) bool { return op == opSelf },
			lua51OpSet:      func(op int) bool { return op == opSetTable || op == opSetTableKS },
			lua51OpForPrep:  func(op int) bool { return op == opForPrep },
			lua51OpTForLoop: func(op int) bool { return op == opTForLoop },
		}
		for c, match := range classes {
			if !meta.opsUnsure[n][c] {
				patch(meta.ops[n][c], match)
			}
		}
	}
	for _, sub := range p.FunctionPrototypes {
		lua51PatchLines(sub, meta, id)
	}
}
