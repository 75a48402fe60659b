package engine

// A syntax-only Lua 5.1.5 parser (deps/lua/src/llex.c and lparser.c in Redis
// 7.0), used to refuse the scripts Lua 5.1 refuses with Lua 5.1's own words and
// line numbers. gopher-lua compiles scripts, but its yacc parser words syntax
// errors its own way ("syntax error near ...", other positions) and its lexer
// accepts what Lua 5.1's refuses ("1e", "\300"). lua51Parse follows lparser.c
// function by function, including its quirks:
//
//   - every message is "LINE: what near 'TOKEN'", LINE being the line where the
//     lexer stands (the end of the current token, or of the look-ahead read in a
//     table constructor), TOKEN shown as luaX_token2str/txtToken show it: a
//     name, numeral or string as the lexer saved it (a string with its quotes
//     and escapes already decoded, cut at a NUL byte), a control character as
//     char(N), the end as <eof>; the NUL byte token gets no "near" at all;
//   - "break" outside a loop, too many locals (200 active, 32767 declared),
//     upvalues (60), variables in one assignment and syntax levels (200 nested
//     C calls, LUAI_MAXCCALLS, counting the level the parser starts at) are
//     parse-time errors;
//   - "..." in a parameter list declares a local "arg" (LUA_COMPAT_VARARG);
//     "[[" inside a [[...]] string or comment is plain text: the Lua that
//     Debian's redis-server 7.0.15 runs is built without LUA_COMPAT_LSTR (no
//     "nesting of [[...]] is deprecated"), and keygrid matches that server.
//
// It allocates nothing on a valid script but a few small slices reused per
// function depth, scans the source once, and is run once per compile (a cached
// script is never parsed again). Of the code-generation limits, the 250
// registers a function may use are modelled (reserve: "function or expression
// too complex", with lcode.c's register allocation in script_regs51.go);
// constants and jump lengths are not.

import (
	"math"
	"strconv"
	"strings"
)

// Lua 5.1's tokens past the single characters (ORDER RESERVED in llex.h).
const (
	tk51And = 257 + iota
	tk51Break
	tk51Do
	tk51Else
	tk51Elseif
	tk51End
	tk51False
	tk51For
	tk51Function
	tk51If
	tk51In
	tk51Local
	tk51Nil
	tk51Not
	tk51Or
	tk51Repeat
	tk51Return
	tk51Then
	tk51True
	tk51Until
	tk51While
	tk51Concat
	tk51Dots
	tk51Eq
	tk51Ge
	tk51Le
	tk51Ne
	tk51Number
	tk51Name
	tk51String
	tk51EOS
)

// lua51Tokens is luaX_tokens: how error messages show each token past 256.
var lua51Tokens = [...]string{
	"and", "break", "do", "else", "elseif",
	"end", "false", "for", "function", "if",
	"in", "local", "nil", "not", "or", "repeat",
	"return", "then", "true", "until", "while",
	"..", "...", "==", ">=", "<=", "~=",
	"<number>", "<name>", "<string>", "<eof>",
}

// Limits of luaconf.h and lparser.c.
const (
	lua51MaxCCalls   = 200   // LUAI_MAXCCALLS: syntax levels, variables in an assignment
	lua51MaxVars     = 200   // LUAI_MAXVARS: active locals per function
	lua51MaxUpvalues = 60    // LUAI_MAXUPVALUES
	lua51MaxLocVars  = 32767 // SHRT_MAX: locals declared in one function
)

// lua51Error is a compile error: "msg" at line, or, line 0, a bare message
// (a memory-limit error raised outside Lua code carries no position).
type lua51Error struct {
	line int
	msg  string
}

// lua51Token is a token and, for a name, numeral or string, its source bytes.
type lua51Token struct {
	kind       int
	start, end int
}

// lex51 is llex.c's LexState: pos is ls->current's index, line ls->linenumber.
type lex51 struct {
	src      string
	pos      int
	line     int
	lastline int
	t, ahead lua51Token
	buf      *[]byte // when set, string bodies are saved here (txtToken's buffer)
	fix      []int   // start, end of what gopher-lua would misread (lua51Check)
}

func (l *lex51) cur() int {
	if l.pos < len(l.src) {
		return int(l.src[l.pos])
	}
	return -1 // EOZ
}

// next advances past the current character, saving it when asked to.
func (l *lex51) next() {
	if l.buf != nil && l.pos < len(l.src) {
		*l.buf = append(*l.buf, l.src[l.pos])
	}
	l.pos++
}

func (l *lex51) save(c byte) {
	if l.buf != nil {
		*l.buf = append(*l.buf, c)
	}
}

func (l *lex51) fail(msg string) { panic(&lua51Error{l.line, msg}) }

// lexError is luaX_lexerror with the token's text given.
func (l *lex51) lexError(msg, near string) {
	if i := strings.IndexByte(near, 0); i >= 0 {
		near = near[:i] // luaO_pushfstring's %s stops at a NUL
	}
	l.fail(msg + " near '" + near + "'")
}

func isDigit51(c int) bool   { return c >= '0' && c <= '9' }
func isAlpha51(c int) bool   { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isAlnum51(c int) bool   { return isDigit51(c) || isAlpha51(c) || c == '_' }
func isNewline51(c int) bool { return c == '\n' || c == '\r' }

// incLine skips "\n", "\r", "\n\r" or "\r\n" (inclinenumber).
func (l *lex51) incLine() {
	old := l.src[l.pos]
	l.pos++
	if c := l.cur(); isNewline51(c) && byte(c) != old {
		l.pos++
	}
	l.line++
}

// skipSep reads "[" or "]" and the "=" after it: the level when the bracket
// is repeated next, else -(count)-1 (skip_sep).
func (l *lex51) skipSep() int {
	s := l.cur()
	count := 0
	l.next()
	for l.cur() == '=' {
		l.next()
		count++
	}
	if l.cur() == s {
		return count
	}
	return -count - 1
}

// readLongString reads a long string or comment whose "[==" was read, the
// second "[" being current (read_long_string).
func (l *lex51) readLongString(sep int, comment bool) {
	l.next() // the second '['
	if isNewline51(l.cur()) {
		l.incLine() // a first newline is not part of the string
	}
	for {
		switch c := l.cur(); c {
		case -1:
			if comment {
				l.lexError("unfinished long comment", "<eof>")
			}
			l.lexError("unfinished long string", "<eof>")
		case ']':
			if l.skipSep() == sep {
				l.next()
				return
			}
		case '\n', '\r':
			l.save('\n')
			l.incLine()
		default:
			l.next()
		}
	}
}

// readString reads a quoted string (read_string). On an error that shows the
// string so far it rescans the string, saving it, from start.
func (l *lex51) readString(start int) {
	startLine := l.line
	del := l.cur()
	l.next()
	for l.cur() != del {
		switch c := l.cur(); c {
		case -1:
			l.lexError("unfinished string", "<eof>")
		case '\n', '\r':
			l.stringError(start, startLine, "unfinished string")
		case '\\':
			l.pos++ // the backslash is not saved
			switch c := l.cur(); c {
			case 'a', 'b', 'f', 'n', 'r', 't', 'v':
				l.save(map51Escape(byte(c)))
				l.pos++
			case '\n', '\r':
				l.save('\n')
				l.incLine()
			case -1:
				// the loop reports the unfinished string
			default:
				if !isDigit51(c) {
					l.next() // \\, \", \' and any other character as itself
					continue
				}
				v := 0
				for i := 0; i < 3 && isDigit51(l.cur()); i++ {
					v = 10*v + l.cur() - '0'
					l.pos++
				}
				if v > 255 {
					l.stringError(start, startLine, "escape sequence too large")
				}
				l.save(byte(v))
			}
		default:
			l.next()
		}
	}
	l.next()
}

func map51Escape(c byte) byte {
	switch c {
	case 'a':
		return '\a'
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return '\v'
}

// stringError reports msg near the string read so far: when nothing was saved,
// the string that began at start, on line startLine, is read again, saving it,
// up to the same error.
func (l *lex51) stringError(start, startLine int, msg string) {
	if l.buf == nil {
		var b []byte
		again := lex51{src: l.src, pos: start, line: startLine, buf: &b}
		again.readString(start)
	}
	l.lexError(msg, string(*l.buf))
}

// readNumeral reads a numeral greedily as read_numeral does and checks it.
func (l *lex51) readNumeral(start int) lua51Token {
	for isDigit51(l.cur()) || l.cur() == '.' {
		l.pos++
	}
	if l.checkNext("Ee") {
		l.checkNext("+-")
	}
	for isAlnum51(l.cur()) {
		l.pos++
	}
	tok := l.src[start:l.pos]
	if !lua51Numeral(cutNUL51(tok)) { // luaO_str2d reads a C string
		l.lexError("malformed number", tok)
	}
	if len(cutNUL51(tok)) < len(tok) || gopherMisreads51(tok) {
		l.fix = append(l.fix, start, l.pos)
	}
	return lua51Token{tk51Number, start, l.pos}
}

// checkNext is check_next: it takes the current character when it is in set,
// or a NUL byte, which C's strchr finds in any set (its terminator), so that
// ".\0." is "..." and "1\0" a numeral to Lua 5.1.
func (l *lex51) checkNext(set string) bool {
	if c := l.cur(); c == 0 || c > 0 && strings.IndexByte(set, byte(c)) >= 0 {
		l.pos++
		return true
	}
	return false
}

// cutNUL51 is s up to its first NUL byte, as C reads it.
func cutNUL51(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// gopherMisreads51 reports whether gopher-lua reads the valid numeral tok as
// another value or refuses it: a binary exponent (0x1p4), a hexadecimal past
// int64 (its ParseInt fails and ParseFloat wants a "p"), a second leading zero
// (it drops the first one and reads "012" as octal), an overflow to infinity.
func gopherMisreads51(tok string) bool {
	if len(tok) > 1 && tok[0] == '0' && tok[1]|0x20 == 'x' {
		if strings.ContainsAny(tok, "pP") {
			return true
		}
		digits := strings.TrimLeft(tok[2:], "0")
		return len(digits) > 16 || len(digits) == 16 && digits[0] >= '8'
	}
	if strings.HasPrefix(tok, "00") {
		return true
	}
	if len(tok) > 300 || strings.ContainsAny(tok, "eE") {
		v, _ := strconv.ParseFloat(tok, 64)
		return math.IsInf(v, 0)
	}
	return false
}

// gopherNumeral writes the numeral tok so that gopher-lua reads Lua 5.1's
// value (strtod's, which Go's ParseFloat rounds the same way), followed by a
// space so that it cannot run into a following ".." (the caller puts one
// before it: "return.0\0" is "return .0").
func gopherNumeral(b []byte, tok string) []byte {
	if len(tok) > 1 && tok[0] == '0' && tok[1]|0x20 == 'x' && !strings.ContainsAny(tok, "pP") {
		tok += "p0" // Go reads hexadecimal floats with an exponent only
	}
	v, _ := strconv.ParseFloat(tok, 64) // out of range: ±Inf
	if math.IsInf(v, 0) {
		// A numeral to Lua 5.1 (folded with others), which the fold pass
		// hands gopher-lua as 1/0 (script_fold51.go).
		return append(append(b, lua51InfNumeral...), ' ')
	}
	return append(strconv.AppendFloat(b, v, 'g', -1, 64), ' ')
}

// lua51Numeral reports whether luaO_str2d (glibc strtod, then strtoul for a
// hexadecimal integer) takes all of a numeral: decimal with an optional
// exponent, or 0x with hexadecimal digits and an optional binary exponent.
func lua51Numeral(s string) bool {
	digits := func(i int, hex bool) int {
		for i < len(s) && (isDigit51(int(s[i])) || hex && (s[i]|0x20 >= 'a' && s[i]|0x20 <= 'f')) {
			i++
		}
		return i
	}
	exponent := func(i int, mark byte) bool {
		if i == len(s) {
			return true
		}
		if s[i]|0x20 != mark {
			return false
		}
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(i, false)
		return j > i && j == len(s)
	}
	if len(s) > 1 && s[0] == '0' && s[1]|0x20 == 'x' {
		i := digits(2, true)
		if i < len(s) && s[i] == '.' {
			i = digits(i+1, true)
		}
		if i == 2 || i == 3 && s[2] == '.' {
			return false
		}
		return exponent(i, 'p')
	}
	i := digits(0, false)
	n := i
	if i < len(s) && s[i] == '.' {
		j := digits(i+1, false)
		n += j - i - 1
		i = j
	}
	return n > 0 && exponent(i, 'e')
}

// reserved51 is the reserved word tok is, or tk51Name.
func reserved51(w string) int {
	switch w {
	case "and":
		return tk51And
	case "break":
		return tk51Break
	case "do":
		return tk51Do
	case "else":
		return tk51Else
	case "elseif":
		return tk51Elseif
	case "end":
		return tk51End
	case "false":
		return tk51False
	case "for":
		return tk51For
	case "function":
		return tk51Function
	case "if":
		return tk51If
	case "in":
		return tk51In
	case "local":
		return tk51Local
	case "nil":
		return tk51Nil
	case "not":
		return tk51Not
	case "or":
		return tk51Or
	case "repeat":
		return tk51Repeat
	case "return":
		return tk51Return
	case "then":
		return tk51Then
	case "true":
		return tk51True
	case "until":
		return tk51Until
	case "while":
		return tk51While
	}
	return tk51Name
}

// llex reads the next token.
func (l *lex51) llex() lua51Token {
	for {
		start := l.pos
		c := l.cur()
		switch {
		case c == '\n' || c == '\r':
			l.incLine()
		case c == '-':
			l.pos++
			if l.cur() != '-' {
				return lua51Token{kind: '-'}
			}
			l.pos++
			if l.cur() == '[' {
				sep := l.skipSep()
				if sep >= 0 {
					l.readLongString(sep, true)
					continue
				}
				if sep < -1 {
					// "--[=" then no "[": a short comment that gopher-lua
					// takes for a broken long one unless the "[" goes.
					l.fix = append(l.fix, start+2, start+3)
				}
			}
			for c := l.cur(); c != -1 && !isNewline51(c); c = l.cur() {
				l.pos++
			}
		case c == '[':
			sep := l.skipSep()
			if sep >= 0 {
				l.readLongString(sep, false)
				return lua51Token{tk51String, start, l.pos}
			} else if sep != -1 {
				l.lexError("invalid long string delimiter", l.src[start:l.pos])
			}
			return lua51Token{kind: '['}
		case c == '=' || c == '<' || c == '>' || c == '~':
			l.pos++
			if l.cur() != '=' {
				return lua51Token{kind: c}
			}
			l.pos++
			switch c {
			case '=':
				return lua51Token{kind: tk51Eq}
			case '<':
				return lua51Token{kind: tk51Le}
			case '>':
				return lua51Token{kind: tk51Ge}
			}
			return lua51Token{kind: tk51Ne}
		case c == '"' || c == '\'':
			l.readString(start)
			return lua51Token{tk51String, start, l.pos}
		case c == '.':
			l.pos++
			if l.checkNext(".") {
				kind := tk51Concat
				if l.checkNext(".") {
					kind = tk51Dots
				}
				if strings.IndexByte(l.src[start:l.pos], 0) >= 0 {
					l.fix = append(l.fix, start, l.pos) // gopher-lua needs the dots
				}
				return lua51Token{kind: kind}
			}
			if !isDigit51(l.cur()) {
				return lua51Token{kind: '.'}
			}
			return l.readNumeral(start)
		case c == -1:
			return lua51Token{kind: tk51EOS}
		case c == ' ' || c == '\t':
			l.pos++
		case c == '\v' || c == '\f':
			l.fix = append(l.fix, l.pos, l.pos+1) // not spaces to gopher-lua
			l.pos++
		case isDigit51(c):
			return l.readNumeral(start)
		case isAlpha51(c) || c == '_':
			for isAlnum51(l.cur()) {
				l.pos++
			}
			if l.pos-start == 4 && l.src[start:l.pos] == "goto" {
				l.fix = append(l.fix, start, l.pos) // a name to Lua 5.1, a keyword to gopher-lua
			}
			return lua51Token{reserved51(l.src[start:l.pos]), start, l.pos}
		default:
			l.pos++
			return lua51Token{kind: c}
		}
	}
}

// advance is luaX_next.
func (l *lex51) advance() {
	l.lastline = l.line
	if l.ahead.kind != tk51EOS {
		l.t = l.ahead
		l.ahead.kind = tk51EOS
	} else {
		l.t = l.llex()
	}
}

// token2str is luaX_token2str.
func token2str51(tok int) string {
	if tok >= tk51And {
		return lua51Tokens[tok-tk51And]
	}
	if tok < 32 || tok == 127 { // iscntrl in the C locale
		return "char(" + strconv.Itoa(tok) + ")"
	}
	return string([]byte{byte(tok)})
}

// txtToken shows a token in "near '...'": a name, numeral or string as the
// lexer saved it (a string decoded, with its delimiters).
func (l *lex51) txtToken(t lua51Token) string {
	switch t.kind {
	case tk51Name, tk51Number:
		return l.src[t.start:t.end]
	case tk51String:
		var b []byte
		again := lex51{src: l.src, pos: t.start, line: l.line, buf: &b}
		if c := again.cur(); c == '"' || c == '\'' {
			again.readString(t.start)
		} else {
			again.readLongString(again.skipSep(), false)
		}
		return string(b)
	}
	return token2str51(t.kind)
}

// fs51 is the part of a FuncState that syntax errors depend on.
type fs51 struct {
	prev        *fs51
	actvar      []string // declared locals; the first nactvar are active
	nactvar     int
	nlocvars    int    // locals declared in the whole function
	ups         []up51 // upvalues, as indexupvalue finds them
	linedefined int    // 0 for the main chunk
	vararg      bool
	loops       int // breakable blocks open in this function
	id          int // the function's number in the order functions open (parser51.calls)
	freereg     int // first free register, as far as reserve models it
}

type up51 struct {
	local bool // a local of the enclosing function, else one of its upvalues
	info  int
}

// expression kinds the grammar tells apart (expkind, reduced).
const (
	exp51Other = iota
	exp51Local
	exp51Upval
	exp51Global
	exp51Indexed
	exp51Call
)

type parser51 struct {
	lex51
	fs    *fs51
	level int // L->nCcalls
	pool  []*fs51
	depth int
	// calls holds, for each function in the order they open, the line Lua
	// 5.1 gives each of its calls, in the order their CALL instructions are
	// emitted (lua51PatchCallLines).
	calls [][]int
	// multret: the expression just parsed is a call or "...", whose results
	// are not put in a register of their own (hasmultret).
	multret bool
	// ops holds, per function as calls does, the lines Lua 5.1 gives its
	// operator instructions by class (lua51OpClass), in emission order;
	// opsUnsure marks a class where constant folding may have dropped one.
	ops       [][lua51OpClasses][]int
	opsUnsure [][lua51OpClasses]bool
	numConst  bool // the expression just parsed is a numeral, or folds to one
	// pendingIndex: the expression just parsed is t.k or t[k], not yet read.
	pendingIndex bool
	// e is the expression just parsed as register allocation sees it
	// (script_regs51.go); lhs, the targets of the assignment being parsed.
	e   reg51
	lhs []reg51
}

// Classes of operator instructions whose lines lua51PatchLines sets.
const (
	lua51OpArith = iota // ADD SUB MUL DIV MOD POW
	lua51OpConcat
	lua51OpCompare // EQ LT LE
	lua51OpUnary   // UNM LEN
	lua51OpGet     // GETTABLE (gopher-lua: and GETTABLEKS)
	lua51OpSelf
	lua51OpSet // SETTABLE (gopher-lua: and SETTABLEKS)
	lua51OpForPrep
	lua51OpTForLoop
	lua51OpClasses
)

// discharge is luaK_dischargevars on the expression just parsed: an indexed
// value left pending by primaryExp is read now (its GETTABLE emitted).
func (p *parser51) discharge() {
	if p.pendingIndex {
		p.pendingIndex = false
		p.opLine(lua51OpGet)
	}
}

// opLine records the line of an operator instruction emitted now: the line
// of the last token read (luaK_code's ls->lastline).
func (p *parser51) opLine(class int) {
	p.ops[p.fs.id][class] = append(p.ops[p.fs.id][class], p.lastline)
}

// lua51Meta is what lua51Check learns for the compiled prototypes: the alias
// of "goto" ("" when none) and the lines of the calls.
type lua51Meta struct {
	alias     string
	calls     [][]int
	ops       [][lua51OpClasses][]int
	opsUnsure [][lua51OpClasses]bool
}

// lua51Parse parses src as Lua 5.1.5 does from a C call level of level (0
// for a script compiled by the server, 1 for loadstring called by a script).
// It returns nil, or the first error.
func lua51Parse(src string, level int) *lua51Error {
	_, _, err := lua51Check(src, level)
	return err
}

// lua51Check is lua51Parse that also returns the source to give gopher-lua:
// src itself, or a copy with what gopher-lua would misread rewritten: the
// numerals it reads otherwise (or that hold a NUL byte), "\v" and "\f" between
// tokens (spaces to Lua, not to gopher-lua) and the "[" of a "--[=" short
// comment made spaces, NUL bytes in ".." and "..." made dots, and the name
// "goto" (a keyword to gopher-lua) made alias, a name found nowhere else in the
// script, which lua51PatchGoto turns back into "goto" in the compiled
// prototypes (script_goto51.go); alias is "" when the script has no "goto". The
// lines stay the same, so positions in messages hold.
func lua51Check(src string, level int) (gsrc string, meta lua51Meta, err *lua51Error) {
	p := parser51{lex51: lex51{src: src, line: 1, lastline: 1}, level: level}
	p.ahead.kind = tk51EOS
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*lua51Error)
			if !ok {
				panic(r)
			}
			err = e
		}
	}()
	p.openFunc(0)
	p.fs.vararg = true // the main chunk is always vararg
	p.advance()
	p.chunk()
	p.check(tk51EOS)
	meta.calls, meta.ops, meta.opsUnsure = p.calls, p.ops, p.opsUnsure
	if len(p.fix) == 0 {
		return src, meta, nil
	}
	b := make([]byte, 0, len(src)+8*len(p.fix))
	last := 0
	for i := 0; i < len(p.fix); i += 2 {
		b = append(b, src[last:p.fix[i]]...)
		switch tok := src[p.fix[i]:p.fix[i+1]]; {
		case tok == "goto":
			if meta.alias == "" {
				meta.alias = gotoAlias(src)
			}
			b = append(b, meta.alias...)
		case tok == "\v" || tok == "\f" || tok == "[":
			b = append(b, ' ')
		case tok[0] == '.' && strings.Trim(tok, ".\x00") == "":
			b = append(append(append(b, ' '), strings.Repeat(".", len(tok))...), ' ')
		default:
			b = gopherNumeral(append(b, ' '), cutNUL51(tok))
		}
		last = p.fix[i+1]
	}
	return string(append(b, src[last:]...)), meta, nil
}

func (p *parser51) syntaxError(msg string) {
	if p.t.kind == 0 {
		p.fail(msg) // the NUL character token: luaX_lexerror shows no token
	}
	p.lexError(msg, p.txtToken(p.t))
}

func (p *parser51) errorExpected(tok int) { p.syntaxError("'" + token2str51(tok) + "' expected") }

// errorLimit reports limit exceeded in function fs.
func (p *parser51) errorLimit(fs *fs51, limit int, what string) {
	if fs.linedefined == 0 {
		p.fail("main function has more than " + strconv.Itoa(limit) + " " + what)
	}
	p.fail("function at line " + strconv.Itoa(fs.linedefined) + " has more than " +
		strconv.Itoa(limit) + " " + what)
}

func (p *parser51) testNext(c int) bool {
	if p.t.kind == c {
		p.advance()
		return true
	}
	return false
}

func (p *parser51) check(c int) {
	if p.t.kind != c {
		p.errorExpected(c)
	}
}

func (p *parser51) checkNext(c int) {
	p.check(c)
	p.advance()
}

func (p *parser51) checkMatch(what, who, where int) {
	if p.testNext(what) {
		return
	}
	if where == p.line {
		p.errorExpected(what)
	}
	p.syntaxError("'" + token2str51(what) + "' expected (to close '" + token2str51(who) +
		"' at line " + strconv.Itoa(where) + ")")
}

func (p *parser51) checkName() string {
	p.check(tk51Name)
	name := p.src[p.t.start:p.t.end]
	p.advance()
	return name
}

func (p *parser51) enterLevel() {
	p.level++
	if p.level > lua51MaxCCalls {
		p.fail("chunk has too many syntax levels")
	}
}

func (p *parser51) openFunc(line int) {
	if p.depth == len(p.pool) {
		p.pool = append(p.pool, &fs51{})
	}
	fs := p.pool[p.depth]
	p.depth++
	*fs = fs51{prev: p.fs, actvar: fs.actvar[:0], ups: fs.ups[:0], linedefined: line, id: len(p.calls)}
	p.fs = fs
	p.calls = append(p.calls, nil)
	p.ops = append(p.ops, [lua51OpClasses][]int{})
	p.opsUnsure = append(p.opsUnsure, [lua51OpClasses]bool{})
}

func (p *parser51) closeFunc() {
	p.fs = p.fs.prev
	p.depth--
}

// newLocalvar declares the n-th of the locals a statement declares.
func (p *parser51) newLocalvar(name string, n int) {
	fs := p.fs
	if fs.nactvar+n+1 > lua51MaxVars {
		p.errorLimit(fs, lua51MaxVars, "local variables")
	}
	if fs.nlocvars >= lua51MaxLocVars {
		// luaM_growvector's luaG_runerror, raised with no Lua code running.
		panic(&lua51Error{0, "too many local variables"})
	}
	fs.nlocvars++
	for len(fs.actvar) <= fs.nactvar+n {
		fs.actvar = append(fs.actvar, "")
	}
	fs.actvar[fs.nactvar+n] = name
}

func (p *parser51) adjustLocalvars(n int) { p.fs.nactvar += n }

// singlevar resolves a name as singlevaraux does, upvalues counted; it
// leaves the variable in p.e.
func (p *parser51) singlevar() int {
	kind, info := p.singlevarAux(p.fs, p.checkName())
	p.e = reg51{k: reg51Global, info: -1}
	switch kind {
	case exp51Local:
		p.e = reg51{k: reg51Local, info: info}
	case exp51Upval:
		p.e.k = reg51Upval
	}
	return kind
}

func (p *parser51) singlevarAux(fs *fs51, name string) (kind, info int) {
	if fs == nil {
		return exp51Global, 0
	}
	for i := fs.nactvar - 1; i >= 0; i-- {
		if fs.actvar[i] == name {
			return exp51Local, i
		}
	}
	k, info := p.singlevarAux(fs.prev, name)
	if k == exp51Global {
		return exp51Global, 0
	}
	u := up51{k == exp51Local, info}
	for i, v := range fs.ups {
		if v == u {
			return exp51Upval, i
		}
	}
	if len(fs.ups)+1 > lua51MaxUpvalues {
		p.errorLimit(fs, lua51MaxUpvalues, "upvalues")
	}
	fs.ups = append(fs.ups, u)
	return exp51Upval, len(fs.ups) - 1
}

func blockFollow51(tok int) bool {
	switch tok {
	case tk51Else, tk51Elseif, tk51End, tk51Until, tk51EOS:
		return true
	}
	return false
}

// chunk -> { stat [';'] }
func (p *parser51) chunk() {
	p.enterLevel()
	last := false
	for !last && !blockFollow51(p.t.kind) {
		last = p.statement()
		p.testNext(';')
		p.fs.freereg = p.fs.nactvar // registers freed
	}
	p.level--
}

// lua51MaxStack is MAXSTACK: registers a function may use.
const lua51MaxStack = 250

// reserve is luaK_reserveregs' luaK_checkstack: n more registers, a syntax
// error near the current token past MAXSTACK. The parser takes and frees
// registers where lcode.c does (script_regs51.go): expression lists, calls
// (function, self and arguments), table constructors (the table and up to 50
// pending items), operands of concatenations and of other operators, indexed
// tables and keys, conditions, assignment targets and values.
func (p *parser51) reserve(n int) {
	if p.fs.freereg+n >= lua51MaxStack {
		p.syntaxError("function or expression too complex")
	}
	p.fs.freereg += n
}

// block -> chunk, in a scope of its own.
func (p *parser51) block() {
	saved := p.fs.nactvar
	p.chunk()
	p.fs.nactvar = saved
}

func (p *parser51) statement() bool {
	line := p.line
	switch p.t.kind {
	case tk51If:
		p.ifStat(line)
	case tk51While:
		p.whileStat(line)
	case tk51Do:
		p.advance()
		p.block()
		p.checkMatch(tk51End, tk51Do, line)
	case tk51For:
		p.forStat(line)
	case tk51Repeat:
		p.repeatStat(line)
	case tk51Function:
		p.advance()
		needself, indexed := p.funcName()
		target := p.e
		p.body(needself, line)
		p.storeVar(&target, &p.e)
		if indexed {
			// luaK_storevar, then luaK_fixline: the line of "function".
			p.ops[p.fs.id][lua51OpSet] = append(p.ops[p.fs.id][lua51OpSet], line)
		}
	case tk51Local:
		p.advance()
		if p.testNext(tk51Function) {
			p.newLocalvar(p.checkName(), 0)
			p.reserve(1)
			p.adjustLocalvars(1)
			p.body(false, p.line) // stored in the local's register
		} else {
			p.localStat()
		}
	case tk51Return:
		p.advance()
		if !blockFollow51(p.t.kind) && p.t.kind != ';' {
			nret := p.explist1()
			p.discharge()
			switch {
			case p.e.hasMultret():
				p.setReturns(&p.e)
			case nret == 1:
				p.exp2AnyReg(&p.e)
			default:
				p.exp2NextReg(&p.e)
			}
		}
		return true
	case tk51Break:
		p.advance()
		if p.fs.loops == 0 {
			p.syntaxError("no loop to break")
		}
		return true
	default:
		if k := p.primaryExp(); k != exp51Call {
			p.pendingIndex = false // a target: stored, not read
			base := len(p.lhs)     // an assignment in a function in a target's key
			sets := p.assignment(k, 1, base)
			p.lhs = p.lhs[:base]
			for ; sets > 0; sets-- {
				p.opLine(lua51OpSet)
			}
		}
	}
	return false
}

func (p *parser51) ifStat(line int) {
	p.testThenBlock()
	for p.t.kind == tk51Elseif {
		p.testThenBlock()
	}
	if p.t.kind == tk51Else {
		p.advance()
		p.block()
	}
	p.checkMatch(tk51End, tk51If, line)
}

func (p *parser51) testThenBlock() {
	p.advance() // IF or ELSEIF
	p.cond()
	p.checkNext(tk51Then)
	p.block()
}

// cond is cond: the expression, tested (luaK_goiftrue).
func (p *parser51) cond() {
	p.expr()
	p.discharge()
	if p.e.k == reg51Nil {
		p.e.k = reg51False
	}
	p.goIfTrue(&p.e)
}

func (p *parser51) whileStat(line int) {
	p.advance()
	p.cond()
	saved := p.fs.nactvar
	p.fs.loops++
	p.checkNext(tk51Do)
	p.block()
	p.checkMatch(tk51End, tk51While, line)
	p.fs.loops--
	p.fs.nactvar = saved
}

func (p *parser51) repeatStat(line int) {
	saved := p.fs.nactvar
	p.fs.loops++
	p.advance()
	p.chunk() // the condition sees the body's locals
	p.checkMatch(tk51Until, tk51Repeat, line)
	p.cond()
	p.fs.loops--
	p.fs.nactvar = saved
}

func (p *parser51) forStat(line int) {
	saved := p.fs.nactvar
	p.fs.loops++
	p.advance()
	name := p.checkName()
	switch p.t.kind {
	case '=':
		p.newLocalvar("(for index)", 0)
		p.newLocalvar("(for limit)", 1)
		p.newLocalvar("(for step)", 2)
		p.newLocalvar(name, 3)
		p.advance()
		p.expr() // exp1
		p.discharge()
		p.exp2NextReg(&p.e)
		p.checkNext(',')
		p.expr()
		p.discharge()
		p.exp2NextReg(&p.e)
		if p.testNext(',') {
			p.expr()
			p.discharge()
			p.exp2NextReg(&p.e)
		} else {
			p.reserve(1)
		}
		p.forBody(1, true, 0)
	case ',', tk51In:
		p.newLocalvar("(for generator)", 0)
		p.newLocalvar("(for state)", 1)
		p.newLocalvar("(for control)", 2)
		p.newLocalvar(name, 3)
		n := 4
		for p.testNext(',') {
			p.newLocalvar(p.checkName(), n)
			n++
		}
		p.checkNext(tk51In)
		inLine := p.line // forlist's line, TFORLOOP's (luaK_fixline)
		nexps := p.explist1()
		p.discharge()
		p.adjustAssign(3, nexps, &p.e)
		p.checkStack(3)
		p.forBody(n-3, false, inLine)
	default:
		p.syntaxError("'=' or 'in' expected")
	}
	p.checkMatch(tk51End, tk51For, line)
	p.fs.loops--
	p.fs.nactvar = saved
}

func (p *parser51) forBody(nvars int, isnum bool, line int) {
	p.adjustLocalvars(3) // the control variables
	p.checkNext(tk51Do)
	if isnum {
		p.opLine(lua51OpForPrep)
	}
	saved := p.fs.nactvar
	p.adjustLocalvars(nvars)
	p.reserve(nvars)
	p.block()
	p.fs.nactvar = saved
	if !isnum {
		p.ops[p.fs.id][lua51OpTForLoop] = append(p.ops[p.fs.id][lua51OpTForLoop], line)
	}
}

// funcname -> NAME {'.' NAME} [':' NAME]; true for a method, and whether
// the name is a field (stored with SETTABLE).
func (p *parser51) funcName() (method, indexed bool) {
	p.singlevar()
	for p.t.kind == '.' {
		if indexed {
			p.opLine(lua51OpGet) // field: luaK_exp2anyreg of the table so far
		}
		p.field()
		indexed = true
	}
	if p.t.kind == ':' {
		if indexed {
			p.opLine(lua51OpGet)
		}
		p.field()
		return true, true
	}
	return false, indexed
}

func (p *parser51) localStat() {
	n := 0
	for {
		p.newLocalvar(p.checkName(), n)
		n++
		if !p.testNext(',') {
			break
		}
	}
	nexps := 0
	p.e = reg51{}
	if p.testNext('=') {
		nexps = p.explist1()
		p.discharge()
	}
	p.adjustAssign(n, nexps, &p.e)
	p.adjustLocalvars(n)
}

// assignment follows a primary expression of kind kind, the nvars-th target;
// it returns how many of the targets are fields (each stored by a SETTABLE
// once the values are read).
func (p *parser51) assignment(kind, nvars, base int) int {
	if kind < exp51Local || kind > exp51Indexed {
		p.syntaxError("syntax error")
	}
	sets := 0
	if kind == exp51Indexed {
		sets = 1
	}
	p.lhs = append(p.lhs, p.e)
	if p.testNext(',') {
		k := p.primaryExp()
		p.pendingIndex = false // a target
		if p.e.k == reg51Local {
			p.checkConflict(p.lhs[base:])
		}
		if limit := lua51MaxCCalls - p.level; nvars > limit {
			p.errorLimit(p.fs, limit, "variables in assignment")
		}
		return sets + p.assignment(k, nvars+1, base)
	}
	p.checkNext('=')
	nexps := p.explist1()
	p.discharge()
	if nexps != nvars {
		p.adjustAssign(nvars, nexps, &p.e)
		if nexps > nvars {
			p.fs.freereg -= nexps - nvars // extra values removed
		}
	} else {
		p.dischargeVars(&p.e) // luaK_setoneret, then stored
		p.storeVar(&p.lhs[len(p.lhs)-1], &p.e)
	}
	return sets
}

// checkConflict is check_conflict: a local assigned in a multiple assignment
// that an earlier target indexes (as table or key) is copied first.
func (p *parser51) checkConflict(lhs []reg51) {
	for _, lh := range lhs {
		if lh.k == reg51Indexed && (lh.info == p.e.info || lh.aux == p.e.info) {
			p.reserve(1)
			return
		}
	}
}

// body -> '(' parlist ')' chunk END
func (p *parser51) body(needself bool, line int) {
	p.openFunc(line)
	p.checkNext('(')
	if needself {
		p.newLocalvar("self", 0)
		p.adjustLocalvars(1)
	}
	n := 0
	if p.t.kind != ')' {
		for {
			switch p.t.kind {
			case tk51Name:
				p.newLocalvar(p.checkName(), n)
				n++
			case tk51Dots:
				p.advance()
				p.newLocalvar("arg", n) // LUA_COMPAT_VARARG
				n++
				p.fs.vararg = true
			default:
				p.syntaxError("<name> or '...' expected")
			}
			if p.fs.vararg || !p.testNext(',') {
				break
			}
		}
	}
	p.adjustLocalvars(n)
	p.fs.freereg = p.fs.nactvar // the parameters' registers
	p.checkNext(')')
	p.chunk()
	p.checkMatch(tk51End, tk51Function, line)
	p.closeFunc()
	p.e = reg51{k: reg51Reloc, info: -1} // pushclosure
}

// explist1 parses an expression list, each expression but the last put in
// the next register once the comma after it is read (luaK_exp2nextreg); the
// last one is left in p.e. It returns how many there are.
func (p *parser51) explist1() int {
	n := 1
	p.expr()
	for p.testNext(',') {
		p.discharge()
		p.exp2NextReg(&p.e)
		p.expr()
		n++
	}
	return n
}

func (p *parser51) funcArgs() {
	line := p.line
	switch p.t.kind {
	case '(':
		if line != p.lastline {
			p.syntaxError("ambiguous syntax (function call x new statement)")
		}
		p.advance()
		if p.t.kind != ')' {
			p.explist1()
			p.setReturns(&p.e) // luaK_setmultret
			p.checkMatch(')', '(', line)
			p.discharge()
			if !p.e.hasMultret() {
				p.exp2NextReg(&p.e)
			}
		} else {
			p.checkMatch(')', '(', line)
		}
	case '{':
		p.constructor()
		p.exp2NextReg(&p.e)
	case tk51String:
		p.advance()
		p.e = reg51{k: reg51K}
		p.exp2NextReg(&p.e)
	default:
		p.syntaxError("function arguments expected")
	}
	// The CALL is emitted now, with the line the lexer stood on when the
	// arguments began (funcargs' luaK_fixline).
	p.calls[p.fs.id] = append(p.calls[p.fs.id], line)
}

// primaryExp -> prefixexp { '.' NAME | '[' exp ']' | ':' NAME funcargs | funcargs }
//
// The value is left in p.e as lcode.c leaves it (a local, a global, an
// indexed value whose table and key may hold registers, a call whose
// function, self and arguments took registers from its base on).
func (p *parser51) primaryExp() int {
	kind := exp51Other
	switch p.t.kind {
	case '(':
		line := p.line
		p.advance()
		p.expr()
		p.checkMatch(')', '(', line)
		p.discharge()
		p.dischargeVars(&p.e)
	case tk51Name:
		kind = p.singlevar()
	default:
		p.syntaxError("unexpected symbol")
	}
	for {
		switch p.t.kind {
		case '.':
			if kind == exp51Indexed {
				p.opLine(lua51OpGet)
			}
			p.field()
			kind = exp51Indexed
		case '[':
			if kind == exp51Indexed {
				p.opLine(lua51OpGet)
			}
			p.exp2AnyReg(&p.e)
			t := p.e
			p.yindex()
			p.exp2RK(&p.e) // luaK_indexed
			t = reg51{k: reg51Indexed, temp: t.temp + p.e.temp, info: t.info, aux: -1}
			if p.e.k == reg51NonReloc && p.e.temp == 0 {
				t.aux = p.e.info
			}
			p.e = t
			kind = exp51Indexed
		case ':':
			p.advance()
			p.checkName()
			if kind == exp51Indexed {
				p.opLine(lua51OpGet) // luaK_self's luaK_exp2anyreg
			}
			p.opLine(lua51OpSelf)
			p.exp2AnyReg(&p.e) // luaK_self: the function and self
			p.freeExp(&p.e)
			base := p.fs.freereg
			p.reserve(2)
			p.funcArgs()
			p.fs.freereg = base + 1
			p.e = reg51{k: reg51Call, info: -1}
			kind = exp51Call
		case '(', tk51String, '{':
			if kind == exp51Indexed {
				p.opLine(lua51OpGet)
			}
			p.exp2NextReg(&p.e) // the function
			base := p.fs.freereg - 1
			p.funcArgs()
			p.fs.freereg = base + 1
			p.e = reg51{k: reg51Call, info: -1}
			kind = exp51Call
		default:
			p.multret = kind == exp51Call
			p.pendingIndex = kind == exp51Indexed
			return kind
		}
	}
}

func (p *parser51) yindex() {
	p.advance()
	p.expr()
	p.discharge() // luaK_exp2val
	p.exp2Val(&p.e)
	p.checkNext(']')
}

// field is field: the table in a register, then the dot or colon and the
// name, a constant key (luaK_indexed).
func (p *parser51) field() {
	p.exp2AnyReg(&p.e)
	p.advance()
	p.checkName()
	p.e = reg51{k: reg51Indexed, temp: p.e.temp, info: p.e.info, aux: -1}
}

// constructor parses a table constructor: the table takes a register, each
// list item the next one when the item after it begins, flushed to the table
// every 50 items (LFIELDS_PER_FLUSH); the table ends pending.
func (p *parser51) constructor() {
	line := p.line
	tbl := p.fs.freereg
	p.reserve(1)
	p.checkNext('{')
	pending, tostore := false, 0
	for p.t.kind != '}' {
		if pending { // closelistfield
			p.discharge()
			p.exp2NextReg(&p.e)
			pending = false
			if tostore == 50 {
				p.fs.freereg = tbl + 1
				tostore = 0
			}
		}
		reg := p.fs.freereg
		switch p.t.kind {
		case tk51Name:
			p.ahead = p.llex() // luaX_lookahead
			if p.ahead.kind != '=' {
				p.expr()
				pending = true
				tostore++
			} else {
				p.advance()
				p.checkNext('=')
				p.expr()
				p.discharge()
				p.exp2RK(&p.e)
				p.opLine(lua51OpSet)
				p.fs.freereg = reg
			}
		case '[':
			p.yindex()
			p.checkNext('=')
			p.exp2RK(&p.e) // the key
			p.expr()
			p.discharge()
			p.exp2RK(&p.e)
			p.opLine(lua51OpSet)
			p.fs.freereg = reg
		default:
			p.expr()
			pending = true
			tostore++
		}
		if !p.testNext(',') && !p.testNext(';') {
			break
		}
	}
	p.checkMatch('}', '{', line)
	if pending { // lastlistfield
		p.discharge()
		if p.e.hasMultret() {
			p.setReturns(&p.e)
		} else {
			p.exp2NextReg(&p.e)
		}
	}
	p.fs.freereg = tbl + 1
	p.e = reg51{k: reg51NonReloc, temp: 1, info: -1}
	p.multret = false
}

func (p *parser51) simpleExp() {
	switch p.t.kind {
	case tk51Number, tk51String, tk51Nil, tk51True, tk51False:
		p.numConst = p.t.kind == tk51Number
		switch p.t.kind {
		case tk51Number:
			p.e = reg51{k: reg51KNum, nval: numeral51(p.src[p.t.start:p.t.end])}
		case tk51String:
			p.e = reg51{k: reg51K}
		case tk51Nil:
			p.e = reg51{k: reg51Nil}
		case tk51True:
			p.e = reg51{k: reg51True}
		default:
			p.e = reg51{k: reg51False}
		}
		p.advance()
		p.multret = false
		return
	case tk51Dots:
		if !p.fs.vararg {
			p.syntaxError("cannot use '...' outside a vararg function")
		}
		p.advance()
		p.e = reg51{k: reg51Vararg, info: -1}
		p.multret = true
	case '{':
		p.constructor()
	case tk51Function:
		p.advance()
		p.body(false, p.line)
		p.multret = false
	default:
		p.primaryExp()
	}
}

// binary operators' left and right priorities (ORDER OPR), 0 for none.
func binPriority51(tok int) (left, right int) {
	switch tok {
	case '+', '-':
		return 6, 6
	case '*', '/', '%':
		return 7, 7
	case '^':
		return 10, 9
	case tk51Concat:
		return 5, 4
	case tk51Ne, tk51Eq, '<', tk51Le, '>', tk51Ge:
		return 3, 3
	case tk51And:
		return 2, 2
	case tk51Or:
		return 1, 1
	}
	return 0, 0
}

// subexpr -> (simpleexp | unop subexpr) { binop subexpr }, binop's left
// priority above limit; it returns the first operator left and whether the
// last one applied was a concatenation (whose CONCAT an enclosing one merges
// with: luaK_posfix).
func (p *parser51) subexpr(limit int) (int, bool) {
	p.enterLevel()
	if k := p.t.kind; k == tk51Not || k == '-' || k == '#' {
		p.advance()
		p.subexpr(8) // UNARY_PRIORITY
		p.discharge()
		p.prefix(k, &p.e)
		p.multret = false
		switch {
		case k == '-' && p.numConst:
			p.opsUnsure[p.fs.id][lua51OpUnary] = true // folded, unless gopher-lua does otherwise
		case k != tk51Not:
			p.opLine(lua51OpUnary)
			p.numConst = false
		default:
			p.numConst = false
		}
	} else {
		p.numConst = false
		p.simpleExp()
	}
	op := p.t.kind
	concat := false
	for left, right := binPriority51(op); left > limit; left, right = binPriority51(op) {
		p.advance()
		p.discharge() // luaK_infix
		p.infix(op, &p.e)
		e1 := p.e
		lconst := p.numConst
		next, rconcat := p.subexpr(right)
		p.discharge() // luaK_posfix
		p.posfix(op, &e1, &p.e)
		p.e = e1
		switch op {
		case '+', '-', '*', '/', '%', '^':
			if lconst && p.numConst {
				p.opsUnsure[p.fs.id][lua51OpArith] = true // maybe folded
			} else {
				p.opLine(lua51OpArith)
				p.numConst = false
			}
		case tk51Concat:
			if !rconcat {
				p.opLine(lua51OpConcat) // a chain is one CONCAT, emitted last
			}
			p.numConst = false
		case tk51And, tk51Or:
			p.numConst = false
		default:
			p.opLine(lua51OpCompare)
			p.numConst = false
		}
		concat = op == tk51Concat
		op = next
		p.multret = false
	}
	p.level--
	return op, concat
}

func (p *parser51) expr() { p.subexpr(0) }
