// spec.go: the directive spec type and its constructors, one per kind of
// value (bool, integer, memory, octal, enum, flag set, string, special).
//
// A spec knows how to initialise its field to the default, parse and check
// arguments into it (config file, command line and CONFIG SET share this),
// format it for CONFIG GET, and write it for CONFIG REWRITE. The table of
// specs is in directives.go.

package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// flag is a property of a directive.
type flag uint16

const (
	immutable   flag = 1 << iota // CONFIG SET refuses it: "can't set immutable config"
	protected                    // CONFIG SET refuses it unless enable-protected-configs allows
	sensitive                    // its value must not appear in SLOWLOG, MONITOR or logs
	hidden                       // CONFIG GET matches it only by its exact name, never a pattern
	multiArg                     // takes several arguments: the rest of the line, or the CONFIG SET value split at spaces
	denyLoading                  // CONFIG SET refuses it while a dataset is loading
	volatile                     // reported as changed even when set to the same value (the files it names may have changed)
	unsigned                     // an unsigned C type in Redis: bounds are compared as unsigned
	nullable                     // string: "" means unset; CONFIG REWRITE removes its lines instead of writing ""
)

// kind is the type of value a directive takes.
type kind uint8

const (
	kindBool          kind = iota // yes/no
	kindInt                       // decimal integer, Redis's string2ll syntax
	kindMemory                    // integer with an optional b/k/kb/m/mb/g/gb unit
	kindMemoryPercent             // kindMemory, or N% (stored as -N, as Redis does)
	kindOctal                     // octal integer
	kindEnum                      // one word out of a list
	kindFlags                     // one or more words out of a list, a bit set
	kindString                    // any string
	kindSpecial                   // own parser and formatter (save, bind, dir, ...)
)

// spec describes one directive. The function fields are filled in by the
// constructors below so that the table stays one line of data per directive.
type spec struct {
	name  string // canonical name, lower case
	alias string // the other name Redis accepts, "" if none
	kind  kind
	flags flag
	min   int64 // numeric bounds, inclusive
	max   int64
	words []enumWord // enum and flag set values

	init    func(c *Config)                                      // set the default
	get     func(c *Config) string                               // CONFIG GET's value
	set     func(c *Config, args []string, st *loadState) string // parse args into c; returns Redis's error text or ""
	check   func(c *Config) string                               // validate the current value (Validate)
	rewrite func(c *Config, rw *rewriter)                        // CONFIG REWRITE
	apply   func(c *Config)                                      // after CONFIG SET: Redis's apply step, where it changes the value
}

// aka records the alias Redis accepts for s.
func (s *spec) aka(alias string) *spec { s.alias = alias; return s }

// then sets the after-CONFIG-SET step.
func (s *spec) then(f func(c *Config)) *spec { s.apply = f; return s }

func (s *spec) has(f flag) bool { return s.flags&f != 0 }

// loadState is the state of one Load, shared by the file and the arguments.
type loadState struct {
	fromFile bool // false for CONFIG SET
	saveSeen bool // a "save" line was read: the next ones append instead of replacing the defaults
}

// enumWord is one accepted word of an enum or flag set and its value. Two
// words may share a value (oom-score-adj's yes and relative); the first one
// is the canonical name CONFIG GET shows.
type enumWord struct {
	name string
	val  int
}

// words numbers names 0, 1, 2, ... for an enum whose words are all distinct.
func words(names ...string) []enumWord {
	w := make([]enumWord, len(names))
	for i, n := range names {
		w[i] = enumWord{n, i}
	}
	return w
}

// ---- bool ----

func boolean(name string, fl flag, def bool, field func(*Config) *bool, valid func(bool) string) *spec {
	s := &spec{name: name, kind: kindBool, flags: fl}
	s.init = func(c *Config) { *field(c) = def }
	s.get = func(c *Config) string { return yesno(*field(c)) }
	s.set = func(c *Config, args []string, _ *loadState) string {
		var v bool
		switch strings.ToLower(args[0]) {
		case "yes":
			v = true
		case "no":
		default:
			return "argument must be 'yes' or 'no'"
		}
		if valid != nil {
			if msg := valid(v); msg != "" {
				return msg
			}
		}
		*field(c) = v
		return ""
	}
	s.check = func(c *Config) string {
		if valid != nil {
			return valid(*field(c))
		}
		return ""
	}
	s.rewrite = func(c *Config, rw *rewriter) {
		v := *field(c)
		rw.line(name, name+" "+yesno(v), v != def)
	}
	return s
}

func yesno(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// ---- numbers ----

// number builds an integer directive of kind k (kindInt, kindMemory,
// kindMemoryPercent, kindOctal) stored in an int or int64 field.
func number[T ~int | ~int64](k kind, name string, fl flag, min, max, def int64, field func(*Config) *T) *spec {
	s := &spec{name: name, kind: k, flags: fl, min: min, max: max}
	load := func(c *Config) int64 { return int64(*field(c)) }
	s.init = func(c *Config) { *field(c) = T(def) }
	s.get = func(c *Config) string { return s.formatNumber(load(c), false) }
	s.set = func(c *Config, args []string, _ *loadState) string {
		v, msg := s.parseNumber(args[0])
		if msg == "" {
			msg = s.checkBounds(v)
		}
		if msg != "" {
			return msg
		}
		*field(c) = T(v)
		return ""
	}
	s.check = func(c *Config) string { return s.checkBounds(load(c)) }
	s.rewrite = func(c *Config, rw *rewriter) {
		v := load(c)
		rw.line(name, name+" "+s.formatNumber(v, true), v != def)
	}
	return s
}

func integer[T ~int | ~int64](name string, fl flag, min, max, def int64, field func(*Config) *T) *spec {
	return number(kindInt, name, fl, min, max, def, field)
}

func memory[T ~int | ~int64](name string, fl flag, min, max, def int64, field func(*Config) *T) *spec {
	return number(kindMemory, name, fl, min, max, def, field)
}

// parseNumber parses v the way Redis's numericParseString does: as memory,
// then as a percentage, then as octal, or as a plain integer.
func (s *spec) parseNumber(v string) (int64, string) {
	switch s.kind {
	case kindMemory, kindMemoryPercent:
		if n, ok := parseMemory(v); ok {
			return int64(n), "" // Redis stores the unsigned result in a long long
		}
		if s.kind == kindMemoryPercent && len(v) > 1 && v[len(v)-1] == '%' {
			if n, ok := parseInt(v[:len(v)-1]); ok && n >= 0 {
				return -n, ""
			}
		}
		if s.kind == kindMemoryPercent {
			return 0, "argument must be a memory or percent value"
		}
		return 0, "argument must be a memory value"
	case kindOctal:
		if n, rest, rangeErr := strtoll(v, 8); rest == "" && !rangeErr {
			return n, ""
		}
		return 0, "argument couldn't be parsed as an octal number"
	}
	if n, ok := parseInt(v); ok {
		return n, ""
	}
	return 0, "argument couldn't be parsed into an integer"
}

// checkBounds is Redis's numericBoundaryCheck.
func (s *spec) checkBounds(v int64) string {
	if s.has(unsigned) {
		if uint64(v) > uint64(s.max) || uint64(v) < uint64(s.min) {
			if s.kind == kindOctal {
				return fmt.Sprintf("argument must be between %o and %o inclusive", s.min, s.max)
			}
			return fmt.Sprintf("argument must be between %d and %d inclusive", uint64(s.min), uint64(s.max))
		}
		return ""
	}
	if s.kind == kindMemoryPercent && v < 0 {
		if v < s.min {
			return fmt.Sprintf("percentage argument must be less or equal to %d", -s.min)
		}
		return ""
	}
	if v > s.max || v < s.min {
		return fmt.Sprintf("argument must be between %d and %d inclusive", s.min, s.max)
	}
	return ""
}

// formatNumber formats v for CONFIG GET, or for CONFIG REWRITE where memory
// values use the largest exact unit.
func (s *spec) formatNumber(v int64, forRewrite bool) string {
	switch {
	case s.kind == kindMemoryPercent && v < 0:
		return strconv.FormatInt(-v, 10) + "%"
	case (s.kind == kindMemory || s.kind == kindMemoryPercent) && forRewrite:
		return formatMemory(v)
	case s.kind == kindMemory || s.kind == kindMemoryPercent:
		return strconv.FormatUint(uint64(v), 10)
	case s.kind == kindOctal:
		return strconv.FormatUint(uint64(v), 8)
	}
	return strconv.FormatInt(v, 10)
}

// formatMemory writes bytes with the largest unit that divides it, as
// Redis's rewriteConfigFormatMemory does ("1gb", "64mb", "16kb", "1000").
func formatMemory(v int64) string {
	const kb, mb, gb = 1024, 1024 * 1024, 1024 * 1024 * 1024
	switch {
	case v != 0 && v%gb == 0:
		return strconv.FormatInt(v/gb, 10) + "gb"
	case v != 0 && v%mb == 0:
		return strconv.FormatInt(v/mb, 10) + "mb"
	case v != 0 && v%kb == 0:
		return strconv.FormatInt(v/kb, 10) + "kb"
	}
	return strconv.FormatInt(v, 10)
}

// ---- enums ----

// enum builds a one-word directive stored as its canonical word.
func enum(name string, fl flag, ws []enumWord, def string, field func(*Config) *string) *spec {
	s := &spec{name: name, kind: kindEnum, flags: fl, words: ws}
	s.init = func(c *Config) { *field(c) = def }
	s.get = func(c *Config) string { return *field(c) }
	s.set = func(c *Config, args []string, _ *loadState) string {
		if len(args) != 1 {
			return s.enumError()
		}
		w, ok := s.word(args[0])
		if !ok {
			return s.enumError()
		}
		*field(c) = s.canonical(w.val)
		return ""
	}
	s.check = func(c *Config) string {
		if w, ok := s.word(*field(c)); !ok || w.name != *field(c) || s.canonical(w.val) != w.name {
			return s.enumError()
		}
		return ""
	}
	s.rewrite = func(c *Config, rw *rewriter) {
		v := *field(c)
		rw.line(name, name+" "+v, v != def)
	}
	return s
}

// flagSet builds a directive taking one or more words that are OR-ed
// together (Redis's bit-flag enums: shutdown-on-sigint, shutdown-on-sigterm).
func flagSet[T ~int](name string, fl flag, ws []enumWord, def T, field func(*Config) *T, valid func(T) string) *spec {
	s := &spec{name: name, kind: kindFlags, flags: fl | multiArg, words: ws}
	s.init = func(c *Config) { *field(c) = def }
	s.get = func(c *Config) string { return s.flagNames(int(*field(c))) }
	s.set = func(c *Config, args []string, _ *loadState) string {
		if len(args) == 0 {
			return s.enumError()
		}
		v := 0
		for _, a := range args {
			w, ok := s.word(a)
			if !ok {
				return s.enumError()
			}
			v |= w.val
		}
		if msg := valid(T(v)); msg != "" {
			return msg
		}
		*field(c) = T(v)
		return ""
	}
	s.check = func(c *Config) string {
		v := int(*field(c))
		if s.flagNames(v) == "unknown" {
			return s.enumError()
		}
		return valid(T(v))
	}
	s.rewrite = func(c *Config, rw *rewriter) {
		v := *field(c)
		rw.line(name, name+" "+s.flagNames(int(v)), v != def)
	}
	return s
}

// word finds the word matching name, case-insensitively.
func (s *spec) word(name string) (enumWord, bool) {
	for _, w := range s.words {
		if strings.EqualFold(w.name, name) {
			return w, true
		}
	}
	return enumWord{}, false
}

// canonical is the first word with value v.
func (s *spec) canonical(v int) string {
	for _, w := range s.words {
		if w.val == v {
			return w.name
		}
	}
	return "unknown"
}

// flagNames formats a flag set as Redis's configEnumGetName does: an exact
// match if there is one, else the words of the set bits in table order.
func (s *spec) flagNames(v int) string {
	var names []string
	unmatched := v
	for _, w := range s.words {
		if w.val == v {
			return w.name
		}
		if w.val != 0 && w.val&unmatched == w.val {
			names = append(names, w.name)
			unmatched &^= w.val
		}
	}
	if len(names) == 0 || unmatched != 0 {
		return "unknown"
	}
	return strings.Join(names, " ")
}

// enumError lists the accepted words; Redis copies it into a 256-byte buffer.
func (s *spec) enumError() string {
	var b strings.Builder
	b.WriteString("argument(s) must be one of the following: ")
	for i, w := range s.words {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(w.name)
	}
	msg := b.String()
	if len(msg) > 255 {
		msg = msg[:255]
	}
	return msg
}

// ---- strings ----

// str builds a string directive. valid, if not nil, returns Redis's error
// text for a bad value.
func str(name string, fl flag, def string, field func(*Config) *string, valid func(c *Config, v string) string) *spec {
	s := &spec{name: name, kind: kindString, flags: fl}
	s.init = func(c *Config) { *field(c) = def }
	s.get = func(c *Config) string { return *field(c) }
	s.set = func(c *Config, args []string, _ *loadState) string {
		if valid != nil {
			if msg := valid(c, args[0]); msg != "" {
				return msg
			}
		}
		*field(c) = args[0]
		return ""
	}
	s.check = func(c *Config) string {
		if valid != nil {
			return valid(c, *field(c))
		}
		return ""
	}
	s.rewrite = func(c *Config, rw *rewriter) {
		v := *field(c)
		if v == "" && s.has(nullable) {
			rw.processed(name) // an unset string must be absent to stay unset
			return
		}
		// A nullable string's default is "unset", so any value is written.
		force := s.has(nullable) || v != def
		rw.line(name, name+" "+Quote(v), force)
	}
	return s
}

// ---- special ----

// special builds a directive with its own parser and formatter.
func special(name string, fl flag, init func(*Config), get func(*Config) string,
	set func(*Config, []string, *loadState) string, check func(*Config) string,
	rewrite func(*Config, *rewriter)) *spec {
	return &spec{name: name, kind: kindSpecial, flags: fl, init: init, get: get, set: set, check: check, rewrite: rewrite}
}

// ---- number syntax ----

// parseInt accepts exactly Redis's string2ll syntax: an optional '-', no
// '+', no spaces, no leading zeros, and no overflow.
func parseInt(s string) (int64, bool) {
	if len(s) == 0 || len(s) >= 21 {
		return 0, false
	}
	if s == "0" {
		return 0, true
	}
	p := s
	if p[0] == '-' {
		p = p[1:]
	}
	if len(p) == 0 || p[0] < '1' || p[0] > '9' {
		return 0, false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// ParseMemory is parseMemory for the engine's own memory arguments (DEBUG
// QUICKLIST-PACKED-THRESHOLD).
func ParseMemory(s string) (uint64, bool) { return parseMemory(s) }

// parseMemory is Redis's memtoull: digits followed by an optional unit
// (b, k, kb, m, mb, g, gb, any case); k/m/g are powers of 1000, kb/mb/gb
// powers of 1024. Like Redis it wraps on overflow rather than failing.
func parseMemory(s string) (uint64, bool) {
	if strings.HasPrefix(s, "-") {
		return 0, false
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	var mul uint64
	switch strings.ToLower(s[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if i >= 128 {
		return 0, false
	}
	if i == 0 {
		return 0, true // strtoull("") is 0 and Redis does not notice: "" and "kb" mean 0
	}
	v, err := strconv.ParseUint(s[:i], 10, 64)
	if err != nil {
		v = math.MaxUint64 // strtoull saturates and Redis ignores ERANGE
	}
	return v * mul, true
}

// strtoll is C's strtoll: leading white space, an optional sign, then digits
// in base. It returns the value, the unparsed rest, and whether it
// overflowed (then the value saturates). With no digits it returns 0 and s.
func strtoll(s string, base int) (int64, string, bool) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var v uint64
	overflow := false
	for i < len(s) {
		d := digitVal(s[i])
		if d >= base {
			break
		}
		if v > (math.MaxUint64-uint64(d))/uint64(base) {
			overflow = true
		} else {
			v = v*uint64(base) + uint64(d)
		}
		i++
	}
	if i == start {
		return 0, s, false
	}
	switch {
	case neg && (overflow || v > 1<<63):
		return math.MinInt64, s[i:], true
	case !neg && (overflow || v > math.MaxInt64):
		return math.MaxInt64, s[i:], true
	case neg:
		return -int64(v), s[i:], false
	}
	return int64(v), s[i:], false
}

func digitVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// C integer limits Redis uses as bounds.
const (
	intMax   = math.MaxInt32
	intMin   = math.MinInt32
	uintMax  = math.MaxUint32
	longMax  = math.MaxInt64
	llongMax = math.MaxInt64
)
