package engine

// A randomized differential test of Lua programs: a seeded generator of small,
// valid Lua 5.1 scripts (locals of every kind, multiple assignment, if/elseif,
// numeric and generic for, while, repeat with a body local in its condition,
// do blocks, local functions, closures over loop variables, varargs, method
// calls, table constructors with trailing calls and nil items, and/or/not
// chains, `#` of tables with holes, pairs loops), each ending with a
// deterministic serialization of its state (a table's `#` and the order of
// its keys included), run on redis-server and on keygrid and compared byte
// for byte. The collector is stopped while a script runs: when it marks a
// nil field's key dead depends on the server's history (see
// script_table51_test.go).
//
// KEYGRID_LUA_RANDOM_N (scripts, default 300) and KEYGRID_LUA_RANDOM_SEED
// (default 1) size and seed long runs.

import (
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Kinds of generated locals: every local keeps one kind for its life, so
// the scripts never raise errors (arithmetic on numbers only, concatenation
// of numbers and strings only, indexing of tables only).
const (
	rkNum   = 'n' // a number
	rkStr   = 's' // a string
	rkAny   = 'a' // nil, a boolean, a number or a string
	rkTable = 't' // a table {n=number, s=string, x=any, c={n=number}, m=M, [1..4]=any}
	rkFunc  = 'f' // a local function(n-params..., [...]) returning number, any...

	rkPairsValue = 'p' // a pairs loop's value: any kind, never read
)

type rlVar struct {
	name string
	kind byte
	ro   bool // loop counters the generator must not assign
	fn   *rlFunc
}

type rlFunc struct {
	nparams int // number parameters
	vararg  bool
	level   int // 1 + the highest level of the functions it calls
}

type luaRandGen struct {
	r      *rand.Rand
	b      strings.Builder
	indent int
	scopes [][]rlVar
	id     int

	depth     int  // block nesting
	loopDepth int  // loops nesting in the current function
	inFunc    bool // inside a generated function
	vararg    bool // the current function is vararg
	inLoop    bool // break is allowed
	level     int  // highest level of the functions called by the current function
	stmts     int  // statements emitted so far
}

func (g *luaRandGen) line(format string, args ...any) {
	g.b.WriteString(strings.Repeat("  ", g.indent))
	fmt.Fprintf(&g.b, format, args...)
	g.b.WriteByte('\n')
}

func (g *luaRandGen) newName(prefix string) string {
	g.id++
	return prefix + strconv.Itoa(g.id)
}

func (g *luaRandGen) push() { g.scopes = append(g.scopes, nil) }
func (g *luaRandGen) pop()  { g.scopes = g.scopes[:len(g.scopes)-1] }
func (g *luaRandGen) declare(v rlVar) {
	g.scopes[len(g.scopes)-1] = append(g.scopes[len(g.scopes)-1], v)
}

// visible lists the locals in scope of the kind (the innermost of a name wins).
func (g *luaRandGen) visible(kind byte, writable bool) []rlVar {
	seen := map[string]bool{}
	var out []rlVar
	for i := len(g.scopes) - 1; i >= 0; i-- {
		for j := len(g.scopes[i]) - 1; j >= 0; j-- {
			v := g.scopes[i][j]
			if seen[v.name] {
				continue
			}
			seen[v.name] = true
			if v.kind == kind && !(writable && v.ro) {
				out = append(out, v)
			}
		}
	}
	return out
}

func (g *luaRandGen) pick(kind byte) (rlVar, bool) {
	vs := g.visible(kind, false)
	if len(vs) == 0 {
		return rlVar{}, false
	}
	return vs[g.r.Intn(len(vs))], true
}

func (g *luaRandGen) chance(n int) bool { return g.r.Intn(n) == 0 }

var rlNumLits = []string{"0", "1", "2", "3", "-1", "0.5", "7", "10", "1e300", "-2.5", "3.0", "0.1", "255", "2^53", "-0"}
var rlStrLits = []string{"''", "'a'", "'b'", "'xy'", "'10'", "'0x1F'", "'1e2'", "' 3 '", "'abc'", "'z'"}

// numAtom is a number expression that needs no parentheses.
func (g *luaRandGen) numAtom(d int) string {
	switch g.r.Intn(12) {
	case 0, 1, 2:
		return rlNumLits[g.r.Intn(len(rlNumLits))]
	case 3, 4, 5, 6:
		if v, ok := g.pick(rkNum); ok {
			return v.name
		}
	case 7:
		if v, ok := g.pick(rkTable); ok {
			if g.chance(3) {
				return v.name + ".c.n"
			}
			return v.name + ".n"
		}
	case 8:
		if d > 0 {
			if c, ok := g.call(d - 1); ok {
				if g.chance(2) {
					return "(" + c + ")"
				}
				return c
			}
		}
	case 9:
		if d > 0 {
			if v, ok := g.pick(rkTable); ok {
				return v.name + ":m(" + g.numExpr(d-1) + ")"
			}
		}
	case 10:
		if g.vararg {
			return "select('#', ...)"
		}
		if d > 0 {
			return "(#" + g.strAtom(d-1) + ")" // ^ binds tighter than #
		}
	case 11:
		if v, ok := g.pick(rkTable); ok && g.chance(2) {
			return "(#" + v.name + ")" // its [1..4] may have holes
		}
		if d > 0 {
			if g.chance(2) {
				return "(#{" + g.anyExpr(d-1) + ", " + g.anyExpr(d-1) + ", " + g.anyExpr(d-1) + "})"
			}
			return "(#{" + g.numExpr(d-1) + ", " + g.strExpr(d-1) + "})"
		}
	}
	return rlNumLits[g.r.Intn(len(rlNumLits))]
}

func (g *luaRandGen) numExpr(d int) string {
	if d <= 0 {
		return g.numAtom(0)
	}
	switch g.r.Intn(8) {
	case 0, 1:
		return g.numAtom(d)
	case 2, 3: // a flat chain, precedence left to the parser
		ops := []string{"+", "-", "*", "/", "%", "^"}
		s := g.numAtom(d - 1)
		if g.chance(4) {
			s = "- " + s
		}
		for n := 1 + g.r.Intn(3); n > 0; n-- {
			s += " " + ops[g.r.Intn(len(ops))] + " " + g.numAtom(d-1)
		}
		return s
	case 4:
		return "(" + g.numExpr(d-1) + ")" + []string{" + ", " * ", " - ", " % "}[g.r.Intn(4)] + "(" + g.numExpr(d-1) + ")"
	case 5: // a number, whatever the condition
		return "((" + g.anyExpr(d-1) + ") and " + g.numAtom(d-1) + " or " + g.numAtom(d-1) + ")"
	case 6:
		return "-(" + g.numExpr(d-1) + ")"
	default:
		return "math." + []string{"floor", "abs", "ceil"}[g.r.Intn(3)] + "(" + g.numExpr(d-1) + ")"
	}
}

func (g *luaRandGen) strAtom(d int) string {
	switch g.r.Intn(6) {
	case 0, 1:
		if v, ok := g.pick(rkStr); ok {
			return v.name
		}
	case 2:
		if v, ok := g.pick(rkTable); ok {
			return v.name + ".s"
		}
	case 3:
		if d > 0 {
			return "tostring(" + g.anyExpr(d-1) + ")"
		}
	}
	return rlStrLits[g.r.Intn(len(rlStrLits))]
}

func (g *luaRandGen) strExpr(d int) string {
	if d <= 0 {
		return g.strAtom(0)
	}
	switch g.r.Intn(6) {
	case 0, 1:
		return g.strAtom(d)
	case 2, 3: // a concatenation chain of numbers and strings
		s := g.strAtom(d - 1)
		for n := 1 + g.r.Intn(3); n > 0; n-- {
			if g.chance(2) {
				s += " .. " + g.numAtom(d-1)
			} else {
				s += " .. " + g.strAtom(d-1)
			}
		}
		return s
	case 4:
		return "((" + g.anyExpr(d-1) + ") and " + g.strAtom(d-1) + " or " + g.strAtom(d-1) + ")"
	default:
		return "string.sub(" + g.strExpr(d-1) + ", " + strconv.Itoa(g.r.Intn(4)-1) + ", " + strconv.Itoa(g.r.Intn(5)) + ")"
	}
}

func (g *luaRandGen) cmpExpr(d int) string {
	switch g.r.Intn(3) {
	case 0:
		return g.numAtom(d) + " " + []string{"<", "<=", ">", ">=", "==", "~="}[g.r.Intn(6)] + " " + g.numAtom(d)
	case 1:
		return g.strAtom(d) + " " + []string{"<", "<=", ">", ">=", "==", "~="}[g.r.Intn(6)] + " " + g.strAtom(d)
	default:
		return g.anyAtom(d) + " " + []string{"==", "~="}[g.r.Intn(2)] + " " + g.anyAtom(d)
	}
}

func (g *luaRandGen) anyAtom(d int) string {
	switch g.r.Intn(10) {
	case 0:
		return []string{"nil", "true", "false"}[g.r.Intn(3)]
	case 1, 2, 3:
		if v, ok := g.pick(rkAny); ok {
			return v.name
		}
	case 4:
		return g.numAtom(d)
	case 5:
		return g.strAtom(d)
	case 6:
		if v, ok := g.pick(rkTable); ok {
			return v.name + []string{".x", "[1]", "[2]", "[3]", "[4]"}[g.r.Intn(5)]
		}
	case 7:
		if g.vararg {
			return "(...)"
		}
	case 8:
		if g.vararg && d > 0 {
			return "(select(" + strconv.Itoa(1+g.r.Intn(3)) + ", ...))"
		}
	}
	return []string{"nil", "false", "true", "1", "'s'"}[g.r.Intn(5)]
}

func (g *luaRandGen) anyExpr(d int) string {
	if d <= 0 {
		return g.anyAtom(0)
	}
	switch g.r.Intn(8) {
	case 0, 1:
		return g.anyAtom(d)
	case 2: // a flat and/or chain
		s := g.anyAtom(d - 1)
		for n := 1 + g.r.Intn(3); n > 0; n-- {
			s += []string{" and ", " or "}[g.r.Intn(2)] + g.anyAtom(d-1)
		}
		return s
	case 3:
		return "not " + g.anyAtom(d-1)
	case 4:
		return g.cmpExpr(d - 1)
	case 5:
		return "(" + g.anyExpr(d-1) + ")" + []string{" and ", " or "}[g.r.Intn(2)] + "(" + g.anyExpr(d-1) + ")"
	case 6:
		return "not (" + g.anyExpr(d-1) + ")"
	default:
		return g.numExpr(d - 1)
	}
}

func (g *luaRandGen) tableExpr(d int) string {
	var items []string
	items = append(items, "n = "+g.numExpr(d), "s = string.sub("+g.strExpr(d)+", 1, 24)", "m = M", "c = {n = "+g.numAtom(0)+"}")
	if g.chance(2) {
		items = append(items, "x = "+g.anyExpr(d))
	}
	n := g.r.Intn(4)
	for i := 0; i < n; i++ {
		items = append(items, g.anyExpr(d))
	}
	if g.chance(4) {
		items = append(items, "["+strconv.Itoa(1+g.r.Intn(4))+"] = "+g.anyExpr(d))
	}
	g.r.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	if n < 4 && g.chance(3) { // a trailing call or ... fills the array part
		if g.vararg && g.chance(2) {
			items = append(items, "...")
		} else if c, ok := g.call(d); ok {
			items = append(items, c)
		}
	}
	sep := ", "
	if g.chance(4) {
		sep = "; "
	}
	s := "{" + strings.Join(items, sep)
	if g.chance(5) {
		s += sep
	}
	return s + "}"
}

// call is a call of a visible local function: its first result is a number,
// the others are of kind any.
func (g *luaRandGen) call(d int) (string, bool) {
	fs := g.visible(rkFunc, false)
	if len(fs) == 0 {
		return "", false
	}
	f := fs[g.r.Intn(len(fs))]
	if g.inFunc && f.fn.level >= 2 {
		return "", false
	}
	if f.fn.level > g.level {
		g.level = f.fn.level
	}
	var args []string
	for i := 0; i < f.fn.nparams; i++ {
		args = append(args, g.numExpr(d))
	}
	if f.fn.vararg {
		for n := g.r.Intn(3); n > 0; n-- {
			args = append(args, g.anyExpr(d))
		}
		if g.vararg && g.chance(3) {
			args = append(args, "...")
		} else if g.chance(4) {
			if c, ok := g.call(d - 1); ok && d > 0 {
				args = append(args, c)
			}
		}
	}
	return f.name + "(" + strings.Join(args, ", ") + ")", true
}

func (g *luaRandGen) exprOf(kind byte, d int) string {
	switch kind {
	case rkNum:
		return g.numExpr(d)
	case rkStr:
		if g.chance(2) {
			return "string.sub(" + g.strExpr(d) + ", 1, 24)"
		}
		return g.strAtom(d)
	case rkAny:
		return g.anyExpr(d)
	default:
		if v, ok := g.pick(rkTable); ok && g.chance(2) {
			return v.name
		}
		return g.tableExpr(d - 1)
	}
}

// target is an assignable place and its kind.
func (g *luaRandGen) target() (string, byte, bool) {
	if g.chance(3) {
		if v, ok := g.pick(rkTable); ok {
			switch g.r.Intn(6) {
			case 0:
				return v.name + ".n", rkNum, true
			case 1:
				return v.name + ".s", rkStr, true
			case 2:
				return v.name + ".c.n", rkNum, true
			case 3:
				return v.name + "[\"x\"]", rkAny, true
			default:
				return v.name + "[" + strconv.Itoa(1+g.r.Intn(4)) + "]", rkAny, true
			}
		}
	}
	kind := []byte{rkNum, rkNum, rkStr, rkAny, rkAny, rkTable}[g.r.Intn(6)]
	vs := g.visible(kind, true)
	if len(vs) == 0 {
		return "", 0, false
	}
	v := vs[g.r.Intn(len(vs))]
	return v.name, kind, true
}

func (g *luaRandGen) block(n int) {
	g.push()
	g.depth++
	g.indent++
	for i := 0; i < n; i++ {
		g.stmt()
	}
	g.indent--
	g.depth--
	g.pop()
}

func (g *luaRandGen) declLocal() {
	k := 1 + g.r.Intn(3)
	var vars []rlVar
	var names, exprs []string
	for i := 0; i < k; i++ {
		kind := []byte{rkNum, rkNum, rkStr, rkAny, rkAny, rkTable}[g.r.Intn(6)]
		name := g.newName(string(kind))
		if g.chance(5) { // shadow a visible local of the kind
			if v, ok := g.pick(kind); ok && !v.ro {
				name = v.name
			}
		}
		vars = append(vars, rlVar{name: name, kind: kind})
		names = append(names, name)
		exprs = append(exprs, g.exprOf(kind, 2))
	}
	// Fewer values than names leaves trailing anys nil.
	for len(exprs) > 1 && vars[len(exprs)-1].kind == rkAny && g.chance(3) {
		exprs = exprs[:len(exprs)-1]
	}
	if len(exprs) == len(vars) && g.chance(5) {
		exprs = append(exprs, g.anyExpr(1))
	}
	g.line("local %s = %s", strings.Join(names, ", "), strings.Join(exprs, ", "))
	for _, v := range vars {
		g.declare(v)
	}
}

func (g *luaRandGen) assign() {
	k := 1 + g.r.Intn(3)
	var ts []string
	var kinds []byte
	for i := 0; i < k; i++ {
		t, kind, ok := g.target()
		if !ok {
			continue
		}
		ts = append(ts, t)
		kinds = append(kinds, kind)
	}
	if len(ts) == 0 {
		return
	}
	var exprs []string
	// A swap of two visible locals of one kind.
	if len(ts) == 2 && kinds[0] == kinds[1] && g.chance(2) {
		exprs = []string{ts[1], ts[0]}
	} else {
		for _, kind := range kinds {
			exprs = append(exprs, g.exprOf(kind, 2))
		}
		// A trailing call fills a number then anys.
		if last := len(kinds) - 1; g.chance(4) {
			i := last
			for i > 0 && kinds[i] == rkAny {
				i--
			}
			if i < last && (kinds[i] == rkNum || kinds[i] == rkAny) {
				if c, ok := g.call(1); ok {
					exprs = append(exprs[:i], c)
				}
			}
		}
	}
	g.line("%s = %s", strings.Join(ts, ", "), strings.Join(exprs, ", "))
}

func (g *luaRandGen) cond() string {
	if g.chance(3) {
		return g.cmpExpr(1)
	}
	return g.anyExpr(2)
}

func (g *luaRandGen) loopBody(n int) {
	saved := g.inLoop
	g.inLoop = true
	g.loopDepth++
	g.block(n)
	g.loopDepth--
	g.inLoop = saved
}

func (g *luaRandGen) maxLoopDepth() int {
	if g.inFunc {
		return 1
	}
	return 3
}

func (g *luaRandGen) funcDecl(anonymous bool) {
	f := &rlFunc{nparams: g.r.Intn(3), vararg: g.chance(2)}
	var params []string
	var pvars []rlVar
	for i := 0; i < f.nparams; i++ {
		p := g.newName("p")
		params = append(params, p)
		pvars = append(pvars, rlVar{name: p, kind: rkNum})
	}
	if f.vararg {
		params = append(params, "...")
	}
	name := g.newName("f")
	if anonymous {
		g.line("local %s = function(%s)", name, strings.Join(params, ", "))
	} else {
		g.line("local function %s(%s)", name, strings.Join(params, ", "))
	}
	sInFunc, sVararg, sInLoop, sLoopDepth, sLevel := g.inFunc, g.vararg, g.inLoop, g.loopDepth, g.level
	g.inFunc, g.vararg, g.inLoop, g.loopDepth, g.level = true, f.vararg, false, 0, 0
	g.push()
	for _, p := range pvars {
		g.declare(p)
	}
	g.indent++
	for n := g.r.Intn(4); n > 0; n-- {
		g.stmt()
	}
	g.retStmt()
	g.indent--
	g.pop()
	f.level = g.level + 1
	g.inFunc, g.vararg, g.inLoop, g.loopDepth, g.level = sInFunc, sVararg, sInLoop, sLoopDepth, sLevel
	g.line("end")
	g.declare(rlVar{name: name, kind: rkFunc, fn: f})
}

func (g *luaRandGen) retStmt() {
	vals := []string{g.numExpr(2)}
	for n := g.r.Intn(3); n > 0; n-- {
		vals = append(vals, g.anyExpr(1))
	}
	if g.vararg && g.chance(3) {
		vals = append(vals, "...")
	} else if g.chance(5) {
		if c, ok := g.call(1); ok {
			vals = append(vals, c)
		}
	}
	g.line("return %s", strings.Join(vals, ", "))
}

func (g *luaRandGen) stmt() {
	g.stmts++
	if g.stmts > 60 || g.depth > 3 {
		g.simpleStmt()
		return
	}
	switch g.r.Intn(16) {
	case 0, 1:
		g.declLocal()
	case 2, 3:
		g.assign()
	case 4: // if / elseif / else
		g.line("if %s then", g.cond())
		g.block(1 + g.r.Intn(2))
		for n := g.r.Intn(3); n > 0; n-- {
			g.line("elseif %s then", g.cond())
			g.block(1 + g.r.Intn(2))
		}
		if g.chance(2) {
			g.line("else")
			g.block(1 + g.r.Intn(2))
		}
		g.line("end")
	case 5: // numeric for
		if g.loopDepth >= g.maxLoopDepth() {
			g.simpleStmt()
			return
		}
		i := g.newName("i")
		bounds := [][3]string{{"1", "3", ""}, {"3", "1", "-1"}, {"0", "1", "0.5"}, {"1", "0", ""}, {"-1", "2", "1"}, {"1", "4", "2"}, {"2", "-2", "-1.5"}}[g.r.Intn(7)]
		if bounds[2] != "" {
			g.line("for %s = %s, %s, %s do", i, bounds[0], bounds[1], bounds[2])
		} else {
			g.line("for %s = %s, %s do", i, bounds[0], bounds[1])
		}
		g.push()
		g.declare(rlVar{name: i, kind: rkNum})
		g.loopBody(1 + g.r.Intn(3))
		g.pop()
		g.line("end")
	case 6: // generic for
		if g.loopDepth >= g.maxLoopDepth() {
			g.simpleStmt()
			return
		}
		k, v := g.newName("k"), g.newName("v")
		var src string
		pairsLoop := false
		switch g.r.Intn(4) {
		case 3:
			if t, ok := g.pick(rkTable); ok {
				src = "pairs(" + t.name + ")" // the body's effects follow next's order
				pairsLoop = true
				break
			}
			fallthrough
		case 0:
			if t, ok := g.pick(rkTable); ok {
				src = "ipairs(" + t.name + ")"
				break
			}
			fallthrough
		case 1:
			src = "ipairs({" + g.anyExpr(1) + ", " + g.anyExpr(1) + ", " + g.anyExpr(1) + "})"
		default:
			c := g.newName("c")
			va := g.vararg
			g.vararg = false // the iterator's body has no ...
			e := g.anyExpr(1)
			g.vararg = va
			src = fmt.Sprintf("(function() local %s = 0 return function() %s = %s + 1 if %s <= %d then return %s * 2, %s end end end)()",
				c, c, c, c, 1+g.r.Intn(3), c, e)
		}
		g.line("for %s, %s in %s do", k, v, src)
		g.push()
		if pairsLoop {
			// a key is a string or a number; a value may be a table or M
			g.declare(rlVar{name: k, kind: rkAny, ro: true})
			g.declare(rlVar{name: v, kind: rkPairsValue, ro: true})
		} else {
			g.declare(rlVar{name: k, kind: rkNum})
			g.declare(rlVar{name: v, kind: rkAny})
		}
		g.loopBody(1 + g.r.Intn(3))
		g.pop()
		g.line("end")
	case 7: // while, bounded by a counter
		if g.loopDepth >= g.maxLoopDepth() {
			g.simpleStmt()
			return
		}
		w := g.newName("w")
		g.line("local %s = 0", w)
		g.declare(rlVar{name: w, kind: rkNum, ro: true})
		g.line("while %s < %d and (%s) do", w, 1+g.r.Intn(3), g.cond())
		g.indent++
		g.line("%s = %s + 1", w, w)
		g.indent--
		g.loopBody(1 + g.r.Intn(2))
		g.line("end")
	case 8: // repeat with a body local in the condition
		if g.loopDepth >= g.maxLoopDepth() {
			g.simpleStmt()
			return
		}
		w, z := g.newName("w"), g.newName("z")
		g.line("local %s = 0", w)
		g.declare(rlVar{name: w, kind: rkNum, ro: true})
		g.line("repeat")
		g.indent++
		g.line("%s = %s + 1", w, w)
		zk := []byte{rkNum, rkAny}[g.r.Intn(2)]
		g.line("local %s = %s", z, g.exprOf(zk, 1))
		g.indent--
		// The body's scope holds z for the condition.
		saved := g.inLoop
		g.inLoop = true
		g.loopDepth++
		g.push()
		g.declare(rlVar{name: z, kind: zk})
		g.depth++
		g.indent++
		for n := 1 + g.r.Intn(2); n > 0; n-- {
			g.stmt()
		}
		if g.chance(2) { // a closure over z
			g.closure(1)
		}
		g.indent--
		g.depth--
		zc := z
		if zk == rkNum {
			zc = z + " > " + g.numAtom(0)
		}
		g.line("until %s >= %d or %s", w, 1+g.r.Intn(3), zc)
		g.pop()
		g.loopDepth--
		g.inLoop = saved
	case 9:
		g.line("do")
		g.block(1 + g.r.Intn(3))
		g.line("end")
	case 10:
		if g.inFunc && g.depth > 1 {
			g.simpleStmt()
			return
		}
		g.funcDecl(g.chance(3))
	case 11: // a closure capturing what is visible, loop variables included
		g.closure(2)
	case 12:
		if g.inLoop && g.chance(2) {
			g.line("if %s then break end", g.cond())
			return
		}
		if g.inFunc {
			g.line("if %s then", g.cond())
			g.indent++
			g.retStmt()
			g.indent--
			g.line("end")
			return
		}
		g.simpleStmt()
	default:
		g.simpleStmt()
	}
}

// closure appends to F a function returning a number expression over the
// visible locals (loop variables included), called when the script ends.
func (g *luaRandGen) closure(d int) {
	va := g.vararg
	g.vararg = false // the closure's body has no ...
	g.line("F[#F + 1] = function() return %s end", g.numExpr(d))
	g.vararg = va
}

// simpleStmt is an assignment, a trace of a value, a call or a method call.
func (g *luaRandGen) simpleStmt() {
	switch g.r.Intn(6) {
	case 0, 1:
		g.assign()
	case 2, 3:
		e := []string{g.numExpr(2), g.strExpr(2), g.anyExpr(2)}[g.r.Intn(3)]
		g.line("R[#R + 1] = S(%s)", e)
	case 4:
		if c, ok := g.call(1); ok {
			if g.chance(2) {
				g.line("R[#R + 1] = S(select('#', %s))", c)
			} else {
				g.line("%s", c)
			}
			return
		}
		g.assign()
	default:
		if t, ok := g.pick(rkTable); ok {
			g.line("%s:m(%s)", t.name, g.numExpr(1))
			return
		}
		g.assign()
	}
}

const luaRandPrelude = `collectgarbage('stop')
local R, F = {}, {}
local function S(x)
  local ty = type(x)
  if ty == 'number' then return string.format('%.17g', x) end
  if ty == 'table' then
    local ks = ''
    for k in pairs(x) do ks = ks .. tostring(k) .. ';' end
    return '{' .. S(x.n) .. ',' .. S(x.s) .. ',' .. S(x.x) .. ',' .. S(x[1]) .. ',' .. S(x[2]) .. ',' .. S(x[3]) .. ',' .. S(x[4]) .. ',' .. S(x.c and x.c.n) .. ',#' .. #x .. ',' .. ks .. '}'
  end
  return ty .. ':' .. tostring(x)
end
local function M(self, d)
  self.n = self.n + d
  return self.n, self.s
end
`

// genLuaRandom returns the seed's script.
func genLuaRandom(seed int64) string {
	g := &luaRandGen{r: rand.New(rand.NewSource(seed))}
	g.b.WriteString(luaRandPrelude)
	g.push()
	for n := 3 + g.r.Intn(3); n > 0; n-- {
		g.declLocal()
	}
	for n := 4 + g.r.Intn(8); n > 0; n-- {
		g.stmt()
	}
	var outs []string
	for _, kind := range []byte{rkNum, rkStr, rkAny, rkTable} {
		for _, v := range g.visible(kind, false) {
			outs = append(outs, "S("+v.name+")")
		}
	}
	for _, o := range outs {
		g.line("R[#R + 1] = %s", o)
	}
	g.line("for i = 1, #F do R[#R + 1] = S(F[i]()) end")
	g.line("collectgarbage('restart')")
	g.line("return R")
	return g.b.String()
}

func envInt(name string, def int64) int64 {
	if s := os.Getenv(name); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	return def
}

// TestScriptCompilerFixesDiffRedis holds the reduced scripts of the compiler
// bugs the random programs found (KEYGRID.md in internal/third_party/gopher-lua,
// changes 6 to 8, 10 and 14).
func TestScriptCompilerFixesDiffRedis(t *testing.T) {
	scripts := []string{
		// 6: a jump after TFORLOOP made a NOP.
		"for k, v in ipairs({1, 2}) do if true then break end local x = 1 end return 1",
		"for k, v in ipairs({1, 2}) do if 1 then break end if v then end end return 1",
		"local r = {} for k, v in ipairs({1, 2, 3}) do r[#r + 1] = k if k == 2 then break end end return r",
		// 7: a keyed last field whose value is a call.
		"local t = {1, 2, s = string.sub('x', 1)} return tostring(t[3])",
		"local t = {1, s = tostring('x')} return {tostring(t[2]), t.s}",
		"local t = {1, s = tostring('x'), 5} return {tostring(t[2]), tostring(t[3]), t.s}",
		"local function f() return 7, 8 end local t = {f(), k = f()} return {#t, t.k}",
		// 8: "x = a and b" into an existing local, a false.
		"local a = 1 local t = {} a = t.x and 5 return tostring(a)",
		"local a = 1 a = not a and 5 return tostring(a)",
		"local a, b = 1, 2 local t = {} a = t.x and b and 5 return tostring(a)",
		"local a = 1 local t = {x = 3} a = t.x and t.y and 5 return tostring(a)",
		"local a = 1 local t = {x = 3} a = t.x and 5 return tostring(a)",
		"local a = 1 local t = {} a = (t.x and 5) or 7 return tostring(a)",
		"local a a = (not (true)) and ((a) or ('s')) return tostring(a)",
		// 10: a break out of a block whose local a closure captured, inside
		// the loop's body, left the upvalue open on a register reused later.
		"local f while true do do local w = 0 f = function() return w end break end end local a, b = 7, 7 return f()",
		"local F = {} for i = 1, 3 do do local w = i * 10 F[i] = function() return w end if i == 2 then break end end end local a, b, c, d = 7, 7, 7, 7 return {F[1](), F[2]()}",
		"local f repeat do local w = 0 f = function() return w end do break end end until true local a, b = 7, 7 return f()",
		"local f for k, v in ipairs({5, 6}) do do local w = v f = function() w = w + 1 return w end if k == 1 then break end end end local a, b, c, d, e = 7, 7, 7, 7, 7 return {f(), f()}",
		"local function g() local f while true do local x = 1 do local w = 3 f = function() return w end if x then break end end end local a, b = 7, 7 return f() end return g()",
		// 14: a call whose value goes to the last parameter was compiled in
		// the parameter's register, over the locals above it.
		"local function g(x) return x end local function f(p) for i = 1, 2 do p = (g(1)) end return p end return f(5)",
		"local function g(p) end local function f(p, ...) for i = -1, 2, 1 do p = (g(select('#', ...) % select('#', ...) + i)) end end return select('#', f(1, 2, 3))",
		"local function g(x) return x end local function f(p) p = (g(p)) return p end return f(5)",
		"local function g(x) return x, 9 end local function f(a, p) local q = 3 p = (g(q)) return {a, p, q} end return f(1, 5)",
		// 6 again, last: before the fix it loops for ever.
		"local a for k, v in ipairs({1, false, true}) do local n, s = (((false) or (false)) and (#'xy') or -2.5), tostring('s') if not v then local f = function() end end end return 1",
	}
	evalDiffRedis(t, scripts)
}

func TestScriptRandomProgramsDiffRedis(t *testing.T) {
	diffRandomScripts(t, genLuaRandom, "KEYGRID_LUA_RANDOM", 300)
}

// diffRandomScripts runs $ENV_N (default n) scripts of gen, seeded from
// $ENV_SEED (default 1), on redis-server and keygrid and compares the replies;
// a script that raises on both is a generator bug.
func diffRandomScripts(t *testing.T, gen func(int64) string, env string, n int64) {
	n = envInt(env+"_N", n)
	seed := envInt(env+"_SEED", 1)
	rc, kc := redisAndKeygrid(t)
	fails := 0
	for i := int64(0); i < n; i++ {
		src := gen(seed*1000003 + i)
		want, got := evalBoth(t, rc, kc, src)
		if string(got) != string(want) {
			t.Errorf("script %d (%s_SEED=%d):\n%s\n redis   %q\n keygrid %q", i, env, seed, src, want, got)
			if fails++; fails >= 5 {
				t.Fatal("too many differences")
			}
		} else if len(want) > 0 && want[0] == '-' && !strings.Contains(string(want), "invalid key to 'next'") {
			// An error on both means the generator wrote a script that cannot
			// run, but for next's: a pairs loop whose body adds keys to the
			// table it walks may rehash it under the walk, which Lua 5.1
			// refuses where the layout says so (same reply, compared above).
			t.Errorf("script %d (%s_SEED=%d) raised an error on both:\n%s\n %q", i, env, seed, src, want)
		}
	}
}
