package engine

// Lua 5.1's pattern matching and the four functions built on it:
// string.find, string.match, string.gmatch and string.gsub. gopher-lua's
// matcher (its pm package) is another algorithm: it had no working %f
// frontier, words malformed patterns its own way ("unexpected EOS at 0"),
// accepts some of them (a pattern ending in '%'), reports them when the
// pattern is compiled rather than when the matcher reaches them, and its
// gsub differs in what a replacement string's '%' and a replacement value
// do. This is a port of Lua 5.1.5's lstrlib.c (MIT licence): match,
// singlematch, classend, matchbracketclass, match_class, matchbalance,
// max_expand, min_expand, the captures, str_find_aux, gmatch_aux, str_gsub,
// add_s and add_value, on bytes in the C locale.
//
// The pattern is a C string to lstrlib.c: it ends at its first NUL byte, and
// reading at its end sees a NUL. The subject is counted, but reading at its
// end (the %f frontier, %b) sees the NUL that terminates every Lua string.
// Matching allocates nothing; captures are substrings of the subject.

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

const (
	lua51MaxCaptures   = 32 // LUA_MAXCAPTURES
	lua51CapUnfinished = -1
	lua51CapPosition   = -2
	// lua51MaxMatchDepth bounds the matcher's recursion (one level per
	// pattern item at most). Lua 5.1 has no bound: redis-server dies of a
	// C stack overflow somewhere between 10^5 and 10^6 levels; keygrid
	// raises Lua 5.2's "pattern too complex" instead.
	lua51MaxMatchDepth = 200000
)

// lua51PatError is a pattern error raised by a matcher that has no Lua state
// (the fuzz target's).
type lua51PatError string

// lua51Match is lstrlib.c's MatchState.
type lua51Match struct {
	L       *lua.LState // raises errors; nil: panic with lua51PatError
	src     string
	pat     string // cut at its first NUL
	level   int
	depth   int
	budget  int // >0: steps left before giving up (fuzzing); 0: unbounded
	capture [lua51MaxCaptures]struct{ init, len int }
}

func (ms *lua51Match) fail(msg string) {
	if ms.L != nil {
		luaErrorf(ms.L, msg)
	}
	panic(lua51PatError(msg))
}

// p is the pattern's byte at i, NUL at and past its end.
func (ms *lua51Match) p(i int) byte {
	if i < len(ms.pat) {
		return ms.pat[i]
	}
	return 0
}

// s is the subject's byte at i, NUL at its end.
func (ms *lua51Match) s(i int) byte {
	if i < len(ms.src) {
		return ms.src[i]
	}
	return 0
}

func (ms *lua51Match) checkCapture(l byte) int {
	i := int(l) - '1'
	if i < 0 || i >= ms.level || ms.capture[i].len == lua51CapUnfinished {
		ms.fail("invalid capture index")
	}
	return i
}

func (ms *lua51Match) captureToClose() int {
	for level := ms.level - 1; level >= 0; level-- {
		if ms.capture[level].len == lua51CapUnfinished {
			return level
		}
	}
	ms.fail("invalid pattern capture")
	return 0
}

// classEnd is classend: the index just past the single-character class at p.
func (ms *lua51Match) classEnd(p int) int {
	c := ms.p(p)
	p++
	switch c {
	case '%':
		if ms.p(p) == 0 {
			ms.fail("malformed pattern (ends with '%')")
		}
		return p + 1
	case '[':
		if ms.p(p) == '^' {
			p++
		}
		for { // look for a ']'
			if ms.p(p) == 0 {
				ms.fail("malformed pattern (missing ']')")
			}
			c := ms.p(p)
			p++
			if c == '%' && ms.p(p) != 0 {
				p++ // skip escapes (e.g. '%]')
			}
			if ms.p(p) == ']' {
				return p + 1
			}
		}
	}
	return p
}

// lua51MatchClass is match_class: c against the class letter cl, in the C
// locale (no byte >= 0x80 is a letter, digit, space, ...).
func lua51MatchClass(c, cl byte) bool {
	var res bool
	lower := cl
	if cl >= 'A' && cl <= 'Z' {
		lower = cl + 'a' - 'A'
	}
	switch lower {
	case 'a':
		res = patAlpha51(c)
	case 'c':
		res = c < 32 || c == 127
	case 'd':
		res = c >= '0' && c <= '9'
	case 'l':
		res = c >= 'a' && c <= 'z'
	case 'p':
		res = c > 32 && c < 127 && !patAlpha51(c) && !(c >= '0' && c <= '9')
	case 's':
		res = c == ' ' || c >= '\t' && c <= '\r'
	case 'u':
		res = c >= 'A' && c <= 'Z'
	case 'w':
		res = patAlpha51(c) || c >= '0' && c <= '9'
	case 'x':
		res = c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
	case 'z':
		res = c == 0
	default:
		return cl == c
	}
	if cl >= 'a' && cl <= 'z' {
		return res
	}
	return !res
}

func patAlpha51(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// matchBracketClass is matchbracketclass: p at the '[', ec at its ']'.
func (ms *lua51Match) matchBracketClass(c byte, p, ec int) bool {
	sig := true
	if ms.p(p+1) == '^' {
		sig = false
		p++
	}
	for p++; p < ec; p++ {
		switch {
		case ms.p(p) == '%':
			p++
			if lua51MatchClass(c, ms.p(p)) {
				return sig
			}
		case ms.p(p+1) == '-' && p+2 < ec:
			p += 2
			if ms.p(p-2) <= c && c <= ms.p(p) {
				return sig
			}
		case ms.p(p) == c:
			return sig
		}
	}
	return !sig
}

// singleMatch is singlematch: the subject's byte c against the class at p
// ending before ep.
func (ms *lua51Match) singleMatch(c byte, p, ep int) bool {
	switch ms.p(p) {
	case '.':
		return true
	case '%':
		return lua51MatchClass(c, ms.p(p+1))
	case '[':
		return ms.matchBracketClass(c, p, ep-1)
	}
	return ms.p(p) == c
}

func (ms *lua51Match) matchBalance(s, p int) int {
	if ms.p(p) == 0 || ms.p(p+1) == 0 {
		ms.fail("unbalanced pattern")
	}
	if ms.s(s) != ms.p(p) {
		return -1
	}
	b, e, cont := ms.p(p), ms.p(p+1), 1
	for s++; s < len(ms.src); s++ {
		switch ms.src[s] {
		case e:
			if cont--; cont == 0 {
				return s + 1
			}
		case b:
			cont++
		}
	}
	return -1 // the subject ends out of balance
}

func (ms *lua51Match) maxExpand(s, p, ep int) int {
	i := 0 // the most repetitions the item can take
	for s+i < len(ms.src) && ms.singleMatch(ms.src[s+i], p, ep) {
		i++
	}
	for ; i >= 0; i-- { // the most that lets the rest match
		if res := ms.match(s+i, ep+1); res >= 0 {
			return res
		}
	}
	return -1
}

func (ms *lua51Match) minExpand(s, p, ep int) int {
	for {
		if res := ms.match(s, ep+1); res >= 0 {
			return res
		}
		if s < len(ms.src) && ms.singleMatch(ms.src[s], p, ep) {
			s++ // one more repetition
		} else {
			return -1
		}
	}
}

func (ms *lua51Match) startCapture(s, p, what int) int {
	level := ms.level
	if level >= lua51MaxCaptures {
		ms.fail("too many captures")
	}
	ms.capture[level].init = s
	ms.capture[level].len = what
	ms.level = level + 1
	res := ms.match(s, p)
	if res < 0 {
		ms.level-- // undo the capture
	}
	return res
}

func (ms *lua51Match) endCapture(s, p int) int {
	l := ms.captureToClose()
	ms.capture[l].len = s - ms.capture[l].init
	res := ms.match(s, p)
	if res < 0 {
		ms.capture[l].len = lua51CapUnfinished
	}
	return res
}

func (ms *lua51Match) matchCapture(s int, l byte) int {
	i := ms.checkCapture(l)
	c := ms.capture[i]
	// A position capture's length is negative: as a size_t in C, too long
	// to match.
	if c.len >= 0 && len(ms.src)-s >= c.len && ms.src[c.init:c.init+c.len] == ms.src[s:s+c.len] {
		return s + c.len
	}
	return -1
}

// match is lstrlib.c's match: the end of the match of the pattern from p on
// the subject from s, or -1.
func (ms *lua51Match) match(s, p int) int {
	if ms.depth++; ms.depth > lua51MaxMatchDepth {
		ms.fail("pattern too complex")
	}
	res := ms.doMatch(s, p)
	ms.depth--
	return res
}

func (ms *lua51Match) doMatch(s, p int) int {
	for { // lstrlib.c's "goto init"
		if ms.budget > 0 {
			if ms.budget--; ms.budget == 0 {
				ms.fail("pattern budget exhausted")
			}
		}
		switch ms.p(p) {
		case '(':
			if ms.p(p+1) == ')' { // position capture
				return ms.startCapture(s, p+2, lua51CapPosition)
			}
			return ms.startCapture(s, p+1, lua51CapUnfinished)
		case ')':
			return ms.endCapture(s, p+1)
		case 0: // end of the pattern
			return s
		case '$':
			if ms.p(p+1) == 0 { // the last character of the pattern
				if s == len(ms.src) {
					return s
				}
				return -1
			}
		case '%':
			switch ms.p(p + 1) {
			case 'b':
				if s = ms.matchBalance(s, p+2); s < 0 {
					return -1
				}
				p += 4
				continue
			case 'f':
				p += 2
				if ms.p(p) != '[' {
					ms.fail("missing '[' after '%f' in pattern")
				}
				ep := ms.classEnd(p)
				var prev byte
				if s > 0 {
					prev = ms.src[s-1]
				}
				if ms.matchBracketClass(prev, p, ep-1) || !ms.matchBracketClass(ms.s(s), p, ep-1) {
					return -1
				}
				p = ep
				continue
			default:
				if c := ms.p(p + 1); c >= '0' && c <= '9' { // a back reference %0-%9
					if s = ms.matchCapture(s, c); s < 0 {
						return -1
					}
					p += 2
					continue
				}
			}
		}
		// a single-character class, maybe with a repetition
		ep := ms.classEnd(p)
		m := s < len(ms.src) && ms.singleMatch(ms.src[s], p, ep)
		switch ms.p(ep) {
		case '?':
			if m {
				if res := ms.match(s+1, ep+1); res >= 0 {
					return res
				}
			}
			p = ep + 1
		case '*':
			return ms.maxExpand(s, p, ep)
		case '+':
			if !m {
				return -1
			}
			return ms.maxExpand(s+1, p, ep)
		case '-':
			return ms.minExpand(s, p, ep)
		default:
			if !m {
				return -1
			}
			s++
			p = ep
		}
	}
}

// reset readies ms for a match attempt of pat on src.
func (ms *lua51Match) reset(L *lua.LState, src, pat string) {
	ms.L, ms.src, ms.pat, ms.level, ms.depth = L, src, cutNUL51(pat), 0, 0
}

// capture is push_onecapture's value: capture i, or the whole match s..e
// when there are none and i is 0.
func (ms *lua51Match) captureValue(i, s, e int) lua.LValue {
	if i >= ms.level {
		if i != 0 {
			ms.fail("invalid capture index")
		}
		return lua.LString(ms.src[s:e])
	}
	c := ms.capture[i]
	switch c.len {
	case lua51CapUnfinished:
		ms.fail("unfinished capture")
	case lua51CapPosition:
		return lua.LNumber(c.init + 1)
	}
	return lua.LString(ms.src[c.init : c.init+c.len])
}

// pushCaptures is push_captures: the captures, or the whole match s..e when
// there are none (and s >= 0); the number pushed.
func (ms *lua51Match) pushCaptures(s, e int) int {
	n := ms.level
	if n == 0 && s >= 0 {
		n = 1
	}
	for i := 0; i < n; i++ {
		ms.L.Push(ms.captureValue(i, s, e))
	}
	return n
}

// lua51Specials is lstrlib.c's SPECIALS: a pattern without any is searched
// for as plain text by string.find.
const lua51Specials = "^$*+?.([%-"

// lua51StrFindAux is str_find_aux (string.find when find, string.match).
func lua51StrFindAux(L *lua.LState, find bool) int {
	luaCheckArgs(L, "1s2s3N")
	s := string(L.Get(1).(lua.LString))
	p := string(L.Get(2).(lua.LString))
	init := int64(1)
	if v, ok := L.Get(3).(lua.LNumber); ok {
		init = luaInt(float64(v)) // luaL_optinteger: a 64-bit integer
	}
	if init < 0 { // posrelat
		init += int64(len(s)) + 1
	}
	init = min(max(init-1, 0), int64(len(s)))
	if find && (lua.LVAsBool(L.Get(4)) || !strings.ContainsAny(cutNUL51(p), lua51Specials)) {
		// a plain search, for the whole pattern (NUL bytes included)
		if i := strings.Index(s[init:], p); i >= 0 {
			at := int(init) + i
			L.Push(lua.LNumber(at + 1))
			L.Push(lua.LNumber(at + len(p)))
			return 2
		}
		L.Push(lua.LNil)
		return 1
	}
	var ms lua51Match
	ms.reset(L, s, p)
	pi, anchor := 0, ms.p(0) == '^'
	if anchor {
		pi = 1
	}
	for s1 := int(init); ; s1++ {
		ms.level = 0
		if e := ms.match(s1, pi); e >= 0 {
			if find {
				L.Push(lua.LNumber(s1 + 1))
				L.Push(lua.LNumber(e))
				return ms.pushCaptures(-1, 0) + 2
			}
			return ms.pushCaptures(s1, e)
		}
		if s1 >= len(s) || anchor {
			break
		}
	}
	L.Push(lua.LNil)
	return 1
}

func lua51StrFind(L *lua.LState) int  { return lua51StrFindAux(L, true) }
func lua51StrMatch(L *lua.LState) int { return lua51StrFindAux(L, false) }

// lua51Gmatch is gmatch: an iterator over the matches, which has no anchor
// (a leading '^' matches itself) and raises the pattern's errors when it
// meets them.
func lua51Gmatch(L *lua.LState) int {
	luaCheckArgs(L, "1s2s")
	s := string(L.Get(1).(lua.LString))
	p := string(L.Get(2).(lua.LString))
	pos := 0
	L.Push(L.NewFunction(func(L *lua.LState) int { // gmatch_aux
		var ms lua51Match
		ms.reset(L, s, p)
		for src := pos; src <= len(s); src++ {
			ms.level = 0
			if e := ms.match(src, 0); e >= 0 {
				pos = e
				if e == src {
					pos++ // an empty match: go at least one position on
				}
				return ms.pushCaptures(src, e)
			}
		}
		return 0
	}))
	return 1
}

// lua51Gsub is str_gsub: its arguments checked in Lua 5.1's order, a
// number replacement read as its string.
func lua51Gsub(L *lua.LState) int {
	luaCheckArgs(L, "1s2s4N3r")
	src := string(L.Get(1).(lua.LString))
	p := string(L.Get(2).(lua.LString))
	repl := L.Get(3)
	maxS := len(src) + 1
	if v, ok := L.Get(4).(lua.LNumber); ok {
		maxS = int(int32(luaInt(float64(v)))) // luaL_optint
	}
	var ms lua51Match
	ms.reset(L, src, p)
	pi, anchor := 0, ms.p(0) == '^'
	if anchor {
		pi = 1
	}
	var b []byte
	n, s := 0, 0
	for n < maxS {
		ms.level = 0
		e := ms.match(s, pi)
		if e >= 0 {
			n++
			b = ms.addValue(b, repl, s, e)
		}
		if e > s { // a non-empty match: skip it
			s = e
		} else if s < len(src) {
			b = append(b, src[s])
			s++
		} else {
			break
		}
		if anchor {
			break
		}
	}
	b = append(b, src[s:]...)
	L.Push(lua.LString(b))
	L.Push(lua.LNumber(n))
	return 2
}

// addValue is add_value: the replacement of the match s..e appended to b.
func (ms *lua51Match) addValue(b []byte, repl lua.LValue, s, e int) []byte {
	L := ms.L
	var v lua.LValue
	switch r := repl.(type) {
	case lua.LString: // add_s
		for i := 0; i < len(r); i++ {
			c := r[i]
			if c != '%' {
				b = append(b, c)
				continue
			}
			i++ // skip the escape; past the end is the string's NUL
			c = 0
			if i < len(r) {
				c = r[i]
			}
			switch {
			case c < '0' || c > '9':
				b = append(b, c)
			case c == '0':
				b = append(b, ms.src[s:e]...)
			default:
				b = lua51AppendValue(b, ms.captureValue(int(c-'1'), s, e))
			}
		}
		return b
	case *lua.LFunction:
		L.Push(r)
		L.Call(ms.pushCaptures(s, e), 1)
		v = L.Get(-1)
		L.Pop(1)
	case *lua.LTable:
		v = L.GetTable(r, ms.captureValue(0, s, e))
	}
	switch v.(type) {
	case lua.LString, lua.LNumber:
		return lua51AppendValue(b, v)
	}
	if !lua.LVAsBool(v) { // nil or false: keep the original text
		return append(b, ms.src[s:e]...)
	}
	luaErrorf(L, "invalid replacement value (a "+v.Type().String()+")")
	return b
}

// lua51AppendValue is luaL_addvalue of a string or a number.
func lua51AppendValue(b []byte, v lua.LValue) []byte {
	if n, ok := v.(lua.LNumber); ok {
		return append(b, luaNumberString(float64(n))...)
	}
	return append(b, string(v.(lua.LString))...)
}

// installStrPat51 replaces gopher-lua's find, match, gmatch (and gfind, the
// same function, as in Redis) and gsub in the string table st.
func (e *luaEnv) installStrPat51(st *lua.LTable) {
	L := e.L
	st.RawSetString("find", L.NewFunction(lua51StrFind))
	st.RawSetString("match", L.NewFunction(lua51StrMatch))
	gm := L.NewFunction(lua51Gmatch)
	st.RawSetString("gmatch", gm)
	st.RawSetString("gfind", gm)
	st.RawSetString("gsub", L.NewFunction(lua51Gsub))
}

// lua51PatternRun runs the matcher on subject and pattern without a Lua
// state, as string.find would (every start position unless anchored), with
// at most budget steps: the fuzz target's entry. It returns the match's
// start and end (-1 when none) or the error raised.
func lua51PatternRun(subject, pattern string, budget int) (start, end int, err string) {
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(lua51PatError)
			if !ok {
				panic(r)
			}
			start, end, err = -1, -1, string(pe)
		}
	}()
	var ms lua51Match
	ms.reset(nil, subject, pattern)
	ms.budget = budget
	pi, anchor := 0, ms.p(0) == '^'
	if anchor {
		pi = 1
	}
	for s1 := 0; ; s1++ {
		ms.level = 0
		if e := ms.match(s1, pi); e >= 0 {
			for i := 0; i < ms.level; i++ {
				ms.captureValue(i, s1, e) // raises "unfinished capture"
			}
			return s1, e, ""
		}
		if s1 >= len(subject) || anchor {
			return -1, -1, ""
		}
	}
}
