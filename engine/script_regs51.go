package engine

// Lua 5.1's register allocation (lcode.c), as far as the parser needs it to
// refuse what luaK_checkstack refuses: "function or expression too complex"
// once a function would need MAXSTACK (250) registers. reg51 is an expdesc
// reduced to what decides how many registers an expression holds and when
// it takes one more; the functions below are lcode.c's of the same names,
// doing only their register bookkeeping (fs.freereg) and the checks
// (parser51.reserve) at the same points, so the error comes at the same
// token. Constants are assumed to fit an RK operand (fewer than 256 in the
// function); past that Lua 5.1 loads them into registers too.

import (
	"math"
	"strconv"
	"strings"
)

// expression kinds (expkind).
const (
	reg51Void = iota
	reg51Nil
	reg51True
	reg51False
	reg51K    // a string constant
	reg51KNum // a numeral, its value in nval
	reg51Local
	reg51Upval
	reg51Global
	reg51Indexed
	reg51Jmp
	reg51Reloc
	reg51NonReloc
	reg51Call
	reg51Vararg
)

// instructions a RELOCABLE expression may end with that lcode.c looks at.
const (
	reg51OpOther = iota
	reg51OpNot
	reg51OpConcat
)

type reg51 struct {
	k     int
	temp  int     // registers held above the locals: NONRELOC's own (0, 1), INDEXED's table and key (0..2)
	info  int     // LOCAL and a NONRELOC local: its register; INDEXED: the table's local register, or -1
	aux   int     // INDEXED: the key's local register, or -1
	jumps bool    // true or false jump lists pending (hasjumps)
	op    int     // RELOCABLE: the instruction (reg51Op*)
	nval  float64 // KNUM's value
}

// numeral51 is the value of a numeral token, as luaO_str2d reads it.
func numeral51(tok string) float64 {
	tok = cutNUL51(tok)
	if len(tok) > 1 && tok[0] == '0' && tok[1]|0x20 == 'x' {
		if !strings.ContainsAny(tok, "pP") {
			tok += "p0"
		}
	}
	v, err := strconv.ParseFloat(tok, 64)
	if err != nil && !math.IsInf(v, 0) {
		return 1
	}
	return v
}

func (e *reg51) isNumeral() bool { return e.k == reg51KNum && !e.jumps }

func (e *reg51) hasMultret() bool { return e.k == reg51Call || e.k == reg51Vararg }

// freeExp is freeexp: a NONRELOC temporary's register is freed.
func (p *parser51) freeExp(e *reg51) {
	if e.k == reg51NonReloc {
		p.fs.freereg -= e.temp
		e.temp = 0
	}
}

// setReturns is luaK_setreturns: "..." takes a register for its values.
func (p *parser51) setReturns(e *reg51) {
	if e.k == reg51Vararg {
		p.reserve(1)
	}
}

// dischargeVars is luaK_dischargevars (with luaK_setoneret).
func (p *parser51) dischargeVars(e *reg51) {
	switch e.k {
	case reg51Local:
		e.k, e.temp = reg51NonReloc, 0
	case reg51Upval, reg51Global, reg51Vararg:
		e.k, e.op = reg51Reloc, reg51OpOther
	case reg51Indexed:
		p.fs.freereg -= e.temp // freereg(aux), freereg(info)
		e.k, e.temp, e.op = reg51Reloc, 0, reg51OpOther
	case reg51Call:
		e.k, e.temp, e.info = reg51NonReloc, 1, -1
	}
}

// discharge2AnyReg is discharge2anyreg.
func (p *parser51) discharge2AnyReg(e *reg51) {
	if e.k != reg51NonReloc {
		p.reserve(1)
		if e.k != reg51Jmp && e.k != reg51Void {
			e.k, e.temp, e.info = reg51NonReloc, 1, -1
		}
	}
}

// exp2NextReg is luaK_exp2nextreg.
func (p *parser51) exp2NextReg(e *reg51) {
	p.dischargeVars(e)
	p.freeExp(e)
	p.reserve(1)
	*e = reg51{k: reg51NonReloc, temp: 1, info: -1}
}

// exp2AnyReg is luaK_exp2anyreg.
func (p *parser51) exp2AnyReg(e *reg51) {
	p.dischargeVars(e)
	if e.k == reg51NonReloc {
		if !e.jumps {
			return
		}
		if e.temp > 0 {
			e.jumps = false
			return
		}
	}
	p.exp2NextReg(e)
}

// exp2Val is luaK_exp2val.
func (p *parser51) exp2Val(e *reg51) {
	if e.jumps {
		p.exp2AnyReg(e)
	} else {
		p.dischargeVars(e)
	}
}

// exp2RK is luaK_exp2RK: a constant is an RK operand, anything else goes to
// a register.
func (p *parser51) exp2RK(e *reg51) {
	p.exp2Val(e)
	switch e.k {
	case reg51KNum, reg51True, reg51False, reg51Nil, reg51K:
		return
	}
	p.exp2AnyReg(e)
}

// jumpOnCond is jumponcond: a NOT just emitted is dropped for its operand.
func (p *parser51) jumpOnCond(e *reg51) {
	if e.k == reg51Reloc && e.op == reg51OpNot {
		return
	}
	p.discharge2AnyReg(e)
	p.freeExp(e)
}

// goIfTrue is luaK_goiftrue, goIfFalse luaK_goiffalse.
func (p *parser51) goIfTrue(e *reg51) {
	p.dischargeVars(e)
	switch e.k {
	case reg51K, reg51KNum, reg51True:
		return
	case reg51False, reg51Jmp:
	default:
		p.jumpOnCond(e)
	}
	e.jumps = true
}

func (p *parser51) goIfFalse(e *reg51) {
	p.dischargeVars(e)
	switch e.k {
	case reg51Nil, reg51False:
		return
	case reg51True, reg51Jmp:
	default:
		p.jumpOnCond(e)
	}
	e.jumps = true
}

// codeNot is codenot.
func (p *parser51) codeNot(e *reg51) {
	p.dischargeVars(e)
	switch e.k {
	case reg51Nil, reg51False:
		e.k = reg51True
	case reg51K, reg51KNum, reg51True:
		e.k = reg51False
	case reg51Reloc, reg51NonReloc:
		p.discharge2AnyReg(e)
		p.freeExp(e)
		e.k, e.op = reg51Reloc, reg51OpNot
	}
}

// constFolding is constfolding: whether op on two numerals is folded.
func constFolding51(op int, e1, e2 *reg51) bool {
	if !e1.isNumeral() || !e2.isNumeral() {
		return false
	}
	var name string
	switch op {
	case '+', '-', '*', '/', '%', '^':
		name = string(rune(op))
	case 'u': // OP_UNM
		name = "-u"
	default: // OP_LEN, OP_CONCAT
		return false
	}
	r, ok := lua51Fold(name, e1.nval, e2.nval) // script_fold51.go
	if ok {
		e1.nval = r
	}
	return ok
}

// codeArith is codearith; op is the operator token ('u' unary minus, '#'
// length).
func (p *parser51) codeArith(op int, e1, e2 *reg51) {
	if constFolding51(op, e1, e2) {
		return
	}
	if op != 'u' && op != '#' {
		p.exp2RK(e2)
	}
	p.exp2RK(e1)
	if op != 'u' && op != '#' {
		p.freeExp(e2)
	}
	p.freeExp(e1)
	*e1 = reg51{k: reg51Reloc, info: -1}
	if op == tk51Concat {
		e1.op = reg51OpConcat
	}
}

// prefix is luaK_prefix.
func (p *parser51) prefix(op int, e *reg51) {
	switch op {
	case '-':
		if !e.isNumeral() {
			p.exp2AnyReg(e)
		}
		p.codeArith('u', e, &reg51{k: reg51KNum})
	case '#':
		p.exp2AnyReg(e)
		p.codeArith('#', e, &reg51{k: reg51KNum})
	default: // not
		p.codeNot(e)
	}
}

// infix is luaK_infix.
func (p *parser51) infix(op int, e *reg51) {
	switch op {
	case tk51And:
		p.goIfTrue(e)
	case tk51Or:
		p.goIfFalse(e)
	case tk51Concat:
		p.exp2NextReg(e)
	default:
		if !e.isNumeral() {
			p.exp2RK(e)
		}
	}
}

// posfix is luaK_posfix: e1 op e2, the result in e1.
func (p *parser51) posfix(op int, e1, e2 *reg51) {
	switch op {
	case tk51And, tk51Or:
		p.dischargeVars(e2)
		jumps := e1.jumps
		*e1 = *e2
		e1.jumps = e1.jumps || jumps
	case tk51Concat:
		p.exp2Val(e2)
		if e2.k == reg51Reloc && e2.op == reg51OpConcat {
			p.freeExp(e1)
			*e1 = reg51{k: reg51Reloc, op: reg51OpConcat, info: -1}
		} else {
			p.exp2NextReg(e2)
			p.codeArith(tk51Concat, e1, e2)
		}
	case '+', '-', '*', '/', '%', '^':
		p.codeArith(op, e1, e2)
	default: // comparisons: codecomp
		p.exp2RK(e1)
		p.exp2RK(e2)
		p.freeExp(e2)
		p.freeExp(e1)
		*e1 = reg51{k: reg51Jmp, info: -1}
	}
}

// storeVar is luaK_storevar's register bookkeeping: ex stored in var.
func (p *parser51) storeVar(v, ex *reg51) {
	switch v.k {
	case reg51Local:
		p.freeExp(ex)
		p.dischargeVars(ex) // exp2reg into the local's register
		return
	case reg51Upval, reg51Global:
		p.exp2AnyReg(ex)
	case reg51Indexed:
		p.exp2RK(ex)
	}
	p.freeExp(ex)
}

// adjustAssign is adjust_assign: nvars values from nexps expressions, the
// last one e.
func (p *parser51) adjustAssign(nvars, nexps int, e *reg51) {
	extra := nvars - nexps
	if e.hasMultret() {
		extra++
		if extra < 0 {
			extra = 0
		}
		p.setReturns(e)
		if extra > 1 {
			p.reserve(extra - 1)
		}
		return
	}
	if e.k != reg51Void {
		p.exp2NextReg(e)
	}
	if extra > 0 {
		p.reserve(extra)
	}
}

// checkStack is luaK_checkstack: n more registers must fit, none taken.
func (p *parser51) checkStack(n int) {
	if p.fs.freereg+n >= lua51MaxStack {
		p.syntaxError("function or expression too complex")
	}
}
