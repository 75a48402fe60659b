package engine

// Constant folding as Lua 5.1's compiler does it (lcode.c's constfolding).
// Lua 5.1 folds an arithmetic operation or unary minus on two numerals unless
// it divides by zero (/ or % by 0) or gives a NaN; the rest runs at run time,
// where keygrid's instructions give Lua 5.1's results (script_arith51.go:
// 5 % 0 and 0/0 % 1 are "-nan", x86-64's default NaN). gopher-lua folds every
// operation on numerals, % with math.Mod and ^ with Go's math.Pow, so it
// compiles 5 % 0 to "nan", 5 % 1e309 to 5, 2^60 % 3 to 1 (Lua 5.1: "-nan",
// "-nan", 0) and has no hook for it. lua51Compile therefore parses the script
// with gopher-lua's parser and, before gopher-lua's compiler sees the tree:
//
//   - an operation Lua 5.1 folds but gopher-lua would fold to another value
//     (% where the two formulas part) or not at all (Lua 5.1 also folds
//     through an and/or whose left operand's truth it knows: `(nil or 2^60)
//     % 3`) becomes a numeral of Lua 5.1's value;
//   - an operation Lua 5.1 leaves to run time that gopher-lua would fold gets
//     its operands as string constants gopher-lua cannot fold, each standing
//     for one number, and once compiled those constants are made the numbers
//     again: the instruction is then Lua 5.1's (MOD A K(5) K(0)).
//
// One quirk follows: Lua 5.1 and gopher-lua find a function's constants by
// value, so 0 and -0 are one constant, the first met (`return {tostring(-0),
// tostring(0)}` is "-0" twice). Lua 5.1 meets the numerals in an order of its
// own (the right operand of an operation before a numeral left one, none in
// a condition), so the pass notes the first zero Lua 5.1 would meet in each
// function and gives every zero constant of its prototype that sign.
//
// A script without such an operation compiles to the code it did; the pass
// only walks the tree.

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"
)

// lua51InfNumeral is what lua51Check writes for a numeral Lua 5.1 reads as
// infinity: gopher-lua's lexer takes it, its number parser would make it a
// NaN, and the fold pass replaces it with 1/0, a constant gopher-lua folds.
const lua51InfNumeral = "1e999"

// lua51Compile parses and compiles gsrc, what lua51Check made of src, with
// Lua 5.1's constant folding.
func lua51Compile(src, gsrc, chunk string) (*lua.FunctionProto, error) {
	stmts, err := parse.Parse(strings.NewReader(gsrc), chunk)
	if err != nil {
		return nil, err
	}
	f := fold51{src: src}
	f.function(stmts)
	proto, err := lua.Compile(stmts, chunk)
	if err != nil {
		return nil, err
	}
	if f.patchAny {
		n := 0
		f.patch(proto, &n)
	}
	return proto, nil
}

// fold51 is the pass over one script: values holds the number each string
// constant prefix+index stands for; zeros, by function in the order they
// open (as gopher-lua numbers its prototypes), the first zero numeral Lua 5.1
// meets there: 0 none, 1 (0) or -1 (-0); cur is the function walked.
type fold51 struct {
	src      string
	prefix   string
	values   []float64
	zeros    []int8
	cur      int
	patchAny bool
}

// function walks the body of a function.
func (f *fold51) function(stmts []ast.Stmt) {
	up := f.cur
	f.cur = len(f.zeros)
	f.zeros = append(f.zeros, 0)
	f.block(stmts)
	f.cur = up
}

// meet notes a numeral Lua 5.1 puts in the constants (luaK_numberK).
func (f *fold51) meet(v float64) {
	if v == 0 && f.zeros[f.cur] == 0 {
		f.zeros[f.cur] = 1
		if math.Signbit(v) {
			f.zeros[f.cur] = -1
		}
		f.patchAny = true
	}
}

// foldInfo describes an expression as Lua 5.1's expdesc would: num, it is
// the number v51 (VKNUM), tT and tF, it has jumps in its true and false lists
// (it comes from an and/or); c51, a numeral to fold with (num, no jumps);
// pre, code that runs before it all the same, in order (`(g or 1) and 2` is
// the numeral 2 once g is read: pre is "(g or 1) and"). cg, gopher-lua would
// fold it to vg. k51 tells a constant whose truth a test knows. An
// expression Lua 5.1 does not fold is left (by arith) so that gopher-lua
// does not either: !c51 implies !cg.
type foldInfo struct {
	num, tT, tF, c51, cg bool
	v51, vg              float64
	k51                  int8
	pre                  []foldPre
}

// foldPre is the left operand of an and/or that is run for its effects
// only, its value being known true (and) or false (or).
type foldPre struct {
	op  string
	lhs ast.Expr
}

// code reports whether code of the expression runs (jumps, or a pre).
func (in *foldInfo) code() bool { return in.tT || in.tF || len(in.pre) > 0 }

// The constants a test knows the truth of (luaK_goiftrue, luaK_goiffalse,
// codenot): a number, string or true; nil or false.
const (
	k51None int8 = iota
	k51True
	k51False
)

func (f *fold51) block(stmts []ast.Stmt) {
	for _, s := range stmts {
		f.stmt(s)
	}
}

func (f *fold51) exprs(list []ast.Expr) {
	for i := range list {
		f.value(&list[i])
	}
}

func (f *fold51) stmt(s ast.Stmt) {
	switch s := s.(type) {
	case *ast.AssignStmt:
		f.exprs(s.Lhs)
		f.exprs(s.Rhs)
	case *ast.LocalAssignStmt:
		f.exprs(s.Exprs)
	case *ast.FuncCallStmt:
		f.value(&s.Expr)
	case *ast.DoBlockStmt:
		f.block(s.Stmts)
	case *ast.WhileStmt:
		f.test(&s.Condition)
		f.block(s.Stmts)
	case *ast.RepeatStmt:
		f.block(s.Stmts)
		f.test(&s.Condition)
	case *ast.IfStmt:
		f.test(&s.Condition)
		f.block(s.Then)
		f.block(s.Else)
	case *ast.NumberForStmt:
		f.value(&s.Init)
		f.value(&s.Limit)
		f.value(&s.Step)
		f.block(s.Stmts)
	case *ast.GenericForStmt:
		f.exprs(s.Exprs)
		f.block(s.Stmts)
	case *ast.FuncDefStmt:
		if s.Name != nil {
			f.value(&s.Name.Func)
			f.value(&s.Name.Receiver)
		}
		if s.Func != nil {
			f.function(s.Func.Stmts)
		}
	case *ast.ReturnStmt:
		f.exprs(s.Exprs)
	}
}

// value walks the expression in slot where its value is used (not as an
// operand of an arithmetic operation): a number there is a constant to Lua
// 5.1, and a numeral Lua 5.1 folded it to is written so that gopher-lua reads
// the same value.
func (f *fold51) value(slot *ast.Expr) {
	if *slot != nil {
		f.settle(slot, f.expr(slot), true)
	}
}

// test is value for a condition (luaK_goiftrue), where a number is true and
// no constant.
func (f *fold51) test(slot *ast.Expr) {
	if *slot != nil {
		f.settle(slot, f.expr(slot), false)
	}
}

// settle writes in slot Lua 5.1's numeral for it when gopher-lua would
// compile another value there, after its pre: `A1 and (A2 or v)`; meet: a
// number is loaded, a constant.
func (f *fold51) settle(slot *ast.Expr, in foldInfo, meet bool) {
	if meet && in.num {
		f.meet(in.v51)
	}
	if !in.c51 || in.cg && math.Float64bits(in.vg) == math.Float64bits(in.v51) {
		return
	}
	e := gopherConst(in.v51, *slot)
	for i := len(in.pre) - 1; i >= 0; i-- {
		l := &ast.LogicalOpExpr{Operator: in.pre[i].op, Lhs: in.pre[i].lhs, Rhs: e}
		l.SetLine((*slot).Line())
		l.SetLastLine((*slot).LastLine())
		e = l
	}
	*slot = e
}

// numInfo is a number as Lua 5.1 and gopher-lua read it.
func numInfo(v51, vg float64, cg bool) foldInfo {
	return foldInfo{num: true, c51: true, v51: v51, cg: cg, vg: vg, k51: k51True}
}

// expr walks the expression in slot.
func (f *fold51) expr(slot *ast.Expr) foldInfo {
	switch e := (*slot).(type) {
	case *ast.NumberExpr:
		if e.Value == lua51InfNumeral {
			*slot = gopherConst(math.Inf(1), e)
			return numInfo(math.Inf(1), math.Inf(1), true)
		}
		// gopher-lua reads an unparsable numeral as NaN (lua51Check
		// leaves none): then no constant to either.
		if v, ok := gopherNumber(e.Value); ok {
			return numInfo(v, v, true)
		}
	case *ast.StringExpr, *ast.TrueExpr:
		return foldInfo{k51: k51True}
	case *ast.NilExpr, *ast.FalseExpr:
		return foldInfo{k51: k51False}
	case *ast.ArithmeticOpExpr:
		l := f.expr(&e.Lhs)
		if l.num && !l.c51 {
			f.meet(l.v51) // luaK_infix: an operand with jumps is loaded now
		}
		return f.arith(e.Operator, &e.Lhs, &e.Rhs, l, f.expr(&e.Rhs))
	case *ast.UnaryMinusOpExpr:
		x := f.expr(&e.Expr)
		if x.num && !x.c51 {
			f.meet(x.v51) // luaK_prefix
		}
		return f.arith("-u", &e.Expr, nil, x, foldInfo{})
	case *ast.AttrGetExpr:
		f.value(&e.Object)
		f.value(&e.Key)
	case *ast.TableExpr:
		for _, fl := range e.Fields {
			f.value(&fl.Key)
			f.value(&fl.Value)
		}
	case *ast.FuncCallExpr:
		f.value(&e.Func)
		f.value(&e.Receiver)
		f.exprs(e.Args)
	case *ast.LogicalOpExpr:
		return f.logical(e)
	case *ast.RelationalOpExpr:
		f.value(&e.Lhs)
		f.value(&e.Rhs)
	case *ast.StringConcatOpExpr:
		f.value(&e.Lhs)
		f.value(&e.Rhs)
	case *ast.UnaryNotOpExpr:
		// codenot: a constant's negation is a constant, nothing loaded;
		// the true and false lists swap.
		x := f.expr(&e.Expr)
		f.settle(&e.Expr, x, false)
		out := foldInfo{tT: x.tF, tF: x.tT, pre: x.pre}
		switch x.k51 {
		case k51True:
			out.k51 = k51False
		case k51False:
			out.k51 = k51True
		}
		return out
	case *ast.UnaryLenOpExpr:
		f.value(&e.Expr)
	case *ast.FunctionExpr:
		f.function(e.Stmts)
	}
	return foldInfo{}
}

// logical walks e1 and e2 or e1 or e2 (luaK_infix, luaK_posfix): the value is
// e2, with the jumps of e1's test. A test of a constant whose truth it knows
// codes nothing (goiftrue of a number, string or true; goiffalse of nil or
// false), so `(0 and 5) % 0` is 5 % 0 to Lua 5.1; any other adds a jump,
// and a number left of "or" is loaded for it (left of "and" it is true).
func (f *fold51) logical(e *ast.LogicalOpExpr) foldInfo {
	and := e.Operator == "and"
	l := f.expr(&e.Lhs)
	f.settle(&e.Lhs, l, !and)
	r := f.expr(&e.Rhs)
	out := r
	out.cg = false // gopher-lua folds no and/or
	if and {
		out.tF = r.tF || l.tF || l.k51 != k51True
	} else {
		out.tT = r.tT || l.tT || l.k51 != k51False
	}
	out.c51 = out.num && !out.tT && !out.tF
	if !out.c51 {
		f.settle(&e.Rhs, r, false) // loaded (or not) where the whole is used
		return out
	}
	if l.code() {
		out.pre = append([]foldPre{{e.Operator, e.Lhs}}, r.pre...)
	}
	return out // a numeral: the enclosing expression settles it
}

// arith decides an operation whose operands (r nil: unary minus) are l, r.
func (f *fold51) arith(op string, lslot, rslot *ast.Expr, l, r foldInfo) foldInfo {
	unary := rslot == nil
	var out foldInfo
	if l.c51 && (unary || r.c51) {
		if out.v51, out.c51 = lua51Fold(op, l.v51, r.v51); out.c51 {
			out.num, out.k51 = true, k51True
			if len(l.pre)+len(r.pre) > 0 {
				out.pre = append(append([]foldPre(nil), l.pre...), r.pre...)
			}
		}
	}
	if l.cg && (unary || r.cg) {
		out.vg, out.cg = gopherFold(op, l.vg, r.vg), true
	}
	if out.c51 {
		return out // the enclosing expression settles it
	}
	// Run time in Lua 5.1, which loads a number operand as a constant,
	// the right one first (codearith; a left one that is no numeral was
	// loaded before the right was read). Settled, every numeral operand is
	// one to gopher-lua (an operand Lua 5.1 does not fold was kept from
	// folding): if all are, they become constants gopher-lua cannot fold.
	if !unary && r.num {
		f.meet(r.v51)
	}
	if l.c51 {
		f.meet(l.v51)
	}
	if l.c51 && len(l.pre) == 0 && (unary || r.c51 && len(r.pre) == 0) {
		*lslot = f.opaque(l.v51, *lslot)
		if !unary {
			*rslot = f.opaque(r.v51, *rslot)
		}
		return foldInfo{}
	}
	f.settle(lslot, l, false)
	if !unary {
		f.settle(rslot, r, false)
	}
	return foldInfo{}
}

// lua51Fold is constfolding: ok false where Lua 5.1 does not fold.
func lua51Fold(op string, a, b float64) (v float64, ok bool) {
	switch op {
	case "+":
		v = a + b
	case "-":
		v = a - b
	case "*":
		v = a * b
	case "/":
		if b == 0 {
			return 0, false
		}
		v = a / b
	case "%":
		if b == 0 {
			return 0, false
		}
		v = lua51Mod(a, b)
	case "^":
		v = lua51Pow(a, b)
	case "-u":
		v = -a
	}
	return v, v == v
}

// gopherFold is what gopher-lua's constFold computes.
func gopherFold(op string, a, b float64) float64 {
	switch op {
	case "+":
		return a + b
	case "-":
		return a - b
	case "*":
		return a * b
	case "/":
		return a / b
	case "%":
		return gopherMod(a, b)
	case "^":
		return math.Pow(a, b)
	}
	return -a
}

// gopherNumber is gopher-lua's parseNumber.
func gopherNumber(s string) (float64, bool) {
	s = strings.Trim(s, " \t\n")
	if v, err := strconv.ParseInt(s, 0, 64); err == nil {
		return float64(v), true
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN(), false
	}
	return v, true
}

// gopherConst is an expression gopher-lua folds to exactly v (never a NaN),
// on the lines of at.
func gopherConst(v float64, at ast.Expr) ast.Expr {
	num := func(s string) *ast.NumberExpr {
		n := &ast.NumberExpr{Value: s}
		n.SetLine(at.Line())
		n.SetLastLine(at.LastLine())
		return n
	}
	var e ast.Expr
	switch {
	case math.IsInf(v, 0):
		one := "1"
		if v < 0 {
			one = "-1"
		}
		e = &ast.ArithmeticOpExpr{Operator: "/", Lhs: num(one), Rhs: num("0")}
	case v == 0 && math.Signbit(v):
		e = &ast.UnaryMinusOpExpr{Expr: num("0")} // "-0" would be read as the integer 0
	default:
		return num(strconv.FormatFloat(v, 'g', -1, 64))
	}
	e.SetLine(at.Line())
	e.SetLastLine(at.LastLine())
	return e
}

// opaque is a string constant standing for v that patch turns back into v.
func (f *fold51) opaque(v float64, at ast.Expr) ast.Expr {
	if f.prefix == "" {
		f.prefix = foldPrefix(f.src)
	}
	i := len(f.values)
	for j, w := range f.values {
		if math.Float64bits(w) == math.Float64bits(v) {
			i = j
			break
		}
	}
	if i == len(f.values) {
		f.values = append(f.values, v)
	}
	f.patchAny = true
	s := &ast.StringExpr{Value: f.prefix + strconv.Itoa(i)}
	s.SetLine(at.Line())
	s.SetLastLine(at.LastLine())
	return s
}

// foldPrefix is a prefix no string of src holds, escapes decoded, so that no
// string constant of the script is taken for one of opaque's.
func foldPrefix(src string) string {
	var decoded []byte
	l := lex51{src: src, line: 1, buf: &decoded}
	for l.llex().kind != tk51EOS {
	}
	for k := 0; ; k++ {
		p := "\x00num" + strconv.Itoa(k) + "#"
		if !strings.Contains(src, p) && !strings.Contains(string(decoded), p) {
			return p
		}
	}
}

// patch turns opaque's constants in p and its nested prototypes into their
// numbers (gopher-lua's copy of the string constants, read by name lookups
// only, keeps the string: no instruction reads it by name), and gives each
// prototype's zero constants the sign of the zero Lua 5.1 met first there;
// *n numbers the prototypes as function numbered the functions.
func (f *fold51) patch(p *lua.FunctionProto, n *int) {
	if *n >= len(f.zeros) {
		return // not the tree walked (cannot happen): leave it
	}
	zero := f.zeros[*n]
	*n++
	for i, k := range p.Constants {
		if s, ok := k.(lua.LString); ok && f.prefix != "" && strings.HasPrefix(string(s), f.prefix) {
			if j, err := strconv.Atoi(string(s[len(f.prefix):])); err == nil && j < len(f.values) {
				p.Constants[i] = lua.LNumber(f.values[j])
			}
		}
		if v, ok := p.Constants[i].(lua.LNumber); ok && v == 0 && zero != 0 {
			p.Constants[i] = lua.LNumber(math.Copysign(0, float64(zero)))
		}
	}
	for _, sub := range p.FunctionPrototypes {
		f.patch(sub, n)
	}
}
