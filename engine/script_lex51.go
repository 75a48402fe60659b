package engine

// Lexical errors of Lua 5.1 (llex.c) that gopher-lua's lexer lets through or
// words differently: numerals Lua 5.1 reads greedily and refuses ("1e",
// "12abc", "3..4": malformed number) and decimal escapes past 255 ("\300":
// escape sequence too large). gopher-lua compiles "return 1e" to a number; Redis
// refuses the script. lua51LexCheck scans a script once, when it is compiled (a
// cached script is never scanned again), skipping strings and comments as Lua's
// lexer does.

import (
	"strconv"
	"strings"
)

// lua51LexCheck returns the first such error as "LINE: message near 'token'"
// parts, or line 0.
func lua51LexCheck(src string) (line int, msg string) {
	line = 1
	i, n := 0, len(src)
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	isAlnum := func(c byte) bool {
		return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
	}
	// longBracket returns the level of a "[=*[" opening at j, or -1.
	longBracket := func(j int) int {
		if j >= n || src[j] != '[' {
			return -1
		}
		k := j + 1
		for k < n && src[k] == '=' {
			k++
		}
		if k < n && src[k] == '[' {
			return k - j - 1
		}
		return -1
	}
	// skipLong skips a long string or comment opened at j, counting lines; false
	// when it is unfinished (gopher-lua reports that one itself).
	skipLong := func(j, level int) (int, bool) {
		closing := "]" + strings.Repeat("=", level) + "]"
		end := strings.Index(src[j+level+2:], closing)
		if end < 0 {
			return n, false
		}
		stop := j + level + 2 + end + len(closing)
		line += strings.Count(src[j:stop], "\n")
		return stop, true
	}
	for i < n {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == '-' && i+1 < n && src[i+1] == '-':
			if lv := longBracket(i + 2); lv >= 0 {
				var ok bool
				if i, ok = skipLong(i+2, lv); !ok {
					return 0, ""
				}
				continue
			}
			for i < n && src[i] != '\n' {
				i++
			}
		case c == '.' && i+1 < n && src[i+1] == '.':
			i += 2 // ".." or "...": Lua reads no numeral after them
		case c == '[':
			if lv := longBracket(i); lv >= 0 {
				var ok bool
				if i, ok = skipLong(i, lv); !ok {
					return 0, ""
				}
				continue
			}
			i++
		case c == '"' || c == '\'':
			tok := []byte{c}
			i++
			for i < n && src[i] != c {
				if src[i] == '\n' || src[i] == '\r' {
					return 0, "" // unfinished: gopher-lua's error, reworded
				}
				if src[i] != '\\' {
					tok = append(tok, src[i])
					i++
					continue
				}
				i++
				if i >= n {
					return 0, ""
				}
				if !isDigit(src[i]) {
					if src[i] == '\n' {
						line++
					}
					tok = append(tok, src[i])
					i++
					continue
				}
				v := 0
				for k := 0; k < 3 && i < n && isDigit(src[i]); k++ {
					v = v*10 + int(src[i]-'0')
					i++
				}
				if v > 255 {
					return line, "escape sequence too large near '" + string(tok) + "'"
				}
				tok = append(tok, byte(v))
			}
			i++
		case isDigit(c) || c == '.' && i+1 < n && isDigit(src[i+1]):
			start := i
			for i < n && (isDigit(src[i]) || src[i] == '.') {
				i++
			}
			if i < n && (src[i] == 'e' || src[i] == 'E') {
				i++
				if i < n && (src[i] == '+' || src[i] == '-') {
					i++
				}
			}
			for i < n && isAlnum(src[i]) {
				i++
			}
			if tok := src[start:i]; !lua51Numeral(tok) {
				return line, "malformed number near '" + tok + "'"
			}
		case isAlnum(c):
			for i < n && isAlnum(src[i]) {
				i++
			}
		default:
			i++
		}
	}
	return 0, ""
}

// lua51Numeral reports whether Lua 5.1's luaO_str2d accepts tok: a decimal
// strtod number, or a hexadecimal integer.
func lua51Numeral(tok string) bool {
	if len(tok) > 2 && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X') {
		_, err := strconv.ParseUint(tok[2:], 16, 64)
		return err == nil || err.(*strconv.NumError).Err == strconv.ErrRange
	}
	if strings.ContainsAny(tok, "_xXpP") {
		return false
	}
	_, err := strconv.ParseFloat(tok, 64)
	return err == nil || err.(*strconv.NumError).Err == strconv.ErrRange
}

// lua51CompileError picks the error Lua 5.1 would report for src: a lexical one
// found by lua51LexCheck unless gopher-lua's own (gerr, nil when it compiled)
// comes earlier in the source.
func lua51CompileError(gerr error, chunk, src string) (string, bool) {
	line, msg := lua51LexCheck(src)
	if line == 0 {
		if gerr == nil {
			return "", false
		}
		return luaCompileErrorIn(gerr, chunk, src), true
	}
	if gerr != nil {
		g := luaCompileErrorIn(gerr, chunk, src)
		rest := strings.TrimPrefix(g, chunk+":")
		if j := strings.IndexByte(rest, ':'); j > 0 {
			if gl, err := strconv.Atoi(rest[:j]); err == nil && gl < line {
				return g, true
			}
		}
	}
	return chunk + ":" + strconv.Itoa(line) + ": " + msg, true
}
