// Package glob matches strings against Redis glob-style patterns, the syntax of KEYS,
// SCAN MATCH, PSUBSCRIBE, CONFIG GET and ACL key patterns.
//
// The rules are Redis's (util.c stringmatchlen), including its corner cases, because
// clients see them:
//
//	h*llo     '*' is any sequence of bytes, including none
//	h?llo     '?' is any one byte
//	h[ae]llo  a set: one byte among those listed
//	h[a-e]llo a range (its bounds may come in either order)
//	h[^e]llo  a negated set: any one byte not listed
//	h\*llo    a backslash makes the next byte literal, inside a set too
//
// Corner cases kept on purpose: an unterminated set ("ab[c") is closed by the end of
// the pattern; "[a-]" is the range from 'a' to ']'; "[]" and "[" match nothing and
// "[^]" matches any one byte; a trailing lone backslash matches a backslash.
//
// The package is pure: no engine dependency, no allocation.
package glob

// GlobMatch reports whether s matches pattern. With nocase, ASCII letters compare
// case-insensitively (PSUBSCRIBE and CONFIG GET use case-sensitive and insensitive
// matching respectively).
func GlobMatch(pattern, s []byte, nocase bool) bool {
	skipLonger := false
	return match(pattern, s, nocase, &skipLonger)
}

// GlobMatchString is GlobMatch for strings.
func GlobMatchString(pattern, s string, nocase bool) bool {
	skipLonger := false
	return match(pattern, s, nocase, &skipLonger)
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// match is the matcher, for byte slices and strings alike. skipLonger is Redis's guard against exponential backtracking (CVE-2022-36021):
// once a '*' has tried every suffix of s and failed, the pattern after it cannot match
// any shorter suffix either, so enclosing '*'s give up at once.
//
// Note that the loop only runs while both p and s are non-empty: an empty s matches
// only an empty pattern (even "*" does not match "", as in Redis; KEYS and SCAN special-
// case the pattern "*" before matching).
func match[T []byte | string](p, s T, nocase bool, skipLonger *bool) bool {
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for len(s) > 0 {
				if match(p[1:], s, nocase, skipLonger) {
					return true
				}
				if *skipLonger {
					return false
				}
				s = s[1:]
			}
			*skipLonger = true
			return false
		case '?':
			p, s = p[1:], s[1:]
		case '[':
			p = p[1:]
			not := len(p) > 0 && p[0] == '^'
			if not {
				p = p[1:]
			}
			matched := false
			c := s[0]
			for len(p) > 0 { // an unterminated set is closed by the end of the pattern
				if p[0] == '\\' && len(p) >= 2 {
					if eq(p[1], c, nocase) {
						matched = true
					}
					p = p[2:]
				} else if p[0] == ']' {
					p = p[1:]
					break
				} else if len(p) >= 3 && p[1] == '-' {
					if inRange(p[0], p[2], c, nocase) {
						matched = true
					}
					p = p[3:]
				} else {
					if eq(p[0], c, nocase) {
						matched = true
					}
					p = p[1:]
				}
			}
			if matched == not {
				return false
			}
			s = s[1:]
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if !eq(p[0], s[0], nocase) {
				return false
			}
			p, s = p[1:], s[1:]
		}
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			break
		}
	}
	return len(p) == 0 && len(s) == 0
}

func eq(a, b byte, nocase bool) bool {
	return a == b || (nocase && lower(a) == lower(b))
}

// inRange reports whether c is in the range [start, end], in either order.
func inRange(start, end, c byte, nocase bool) bool {
	if start > end {
		start, end = end, start
	}
	if nocase {
		start, end, c = lower(start), lower(end), lower(c)
	}
	return c >= start && c <= end
}
