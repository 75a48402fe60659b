// getset.go: CONFIG GET and CONFIG SET.

package config

import (
	"errors"
	"strings"
)

// Get implements CONFIG GET pattern [pattern ...]: the name/value pairs of
// every directive matching a pattern, each name at most once, values
// formatted as Redis 7.0 formats them. A pattern without *, ? or [ is an
// exact, case-insensitive name (aliases and hidden directives included) and
// is returned as written; other patterns are case-insensitive globs matched
// against every name and alias except hidden directives.
func (c *Config) Get(patterns []string) [][2]string {
	var out [][2]string
	seen := make(map[string]bool)
	for _, p := range patterns {
		if !strings.ContainsAny(p, "[*?") {
			key := strings.ToLower(p)
			if seen[key] {
				continue
			}
			if e, ok := lookup(p); ok {
				seen[key] = true
				out = append(out, [2]string{p, e.spec.get(c)})
			}
			continue
		}
		for _, e := range entries {
			if e.spec.has(hidden) || seen[e.name] {
				continue
			}
			if Match(p, e.name, true) {
				seen[e.name] = true
				out = append(out, [2]string{e.name, e.spec.get(c)})
			}
		}
	}
	return out
}

// SetOptions describe the client issuing CONFIG SET.
type SetOptions struct {
	// LocalClient is true for a client on a loopback address or a Unix
	// socket: with enable-protected-configs "local" it may change dir and
	// dbfilename.
	LocalClient bool
	// Loading is true while the server loads a dataset: directives that
	// cannot change then (appendonly, dir, repl-diskless-load) fail with
	// ErrLoading.
	Loading bool
}

// ErrLoading is Redis's reply to CONFIG SET of a deny-loading directive
// while a dataset loads.
var ErrLoading = errors.New("LOADING Redis is loading the dataset in memory")

// Set implements CONFIG SET name value [name value ...] for a client that
// is not local, while not loading. See SetWith.
func (c *Config) Set(pairs [][2]string) (changed []string, err error) {
	return c.SetWith(pairs, SetOptions{})
}

// SetWith implements CONFIG SET name value [name value ...]. It is
// all-or-nothing as in Redis 7.0: every name is checked first (unknown,
// immutable, protected, duplicate), then every value is set in order, and
// on the first bad value everything is restored. Errors are Redis's reply
// texts, "ERR ..." (or ErrLoading). It returns the canonical names of the
// directives whose value changed, in argument order, so that the engine can
// act on them (rebind on bind or port, resize on maxclients, ...).
//
// A multi-argument directive's value is split at single spaces, as Redis
// does for CONFIG SET ("" is no arguments). After setting, hz and
// repl-backlog-size are clamped as Redis's apply step does.
func (c *Config) SetWith(pairs [][2]string, o SetOptions) (changed []string, err error) {
	found := make([]entry, len(pairs))
	for i, p := range pairs {
		e, ok := lookup(p[0])
		if !ok {
			return nil, errors.New(oneLine("ERR Unknown option or number of arguments for CONFIG SET - '" + p[0] + "'"))
		}
		s := e.spec
		if s.has(immutable) {
			return nil, setError(p[0], "can't set immutable config")
		}
		if s.has(protected) && !c.protectedAllowed(o.LocalClient) {
			return nil, setError(p[0], "can't set protected config")
		}
		if o.Loading && s.has(denyLoading) {
			return nil, ErrLoading
		}
		for _, prev := range found[:i] {
			if prev.spec == s && prev.alias == e.alias {
				return nil, setError(p[0], "duplicate parameter")
			}
		}
		found[i] = e
	}

	before := c.Clone()
	st := &loadState{}
	for i, e := range found {
		s := e.spec
		value := pairs[i][1]
		args := []string{value}
		if s.has(multiArg) {
			args = splitSpaces(value)
		}
		if msg := s.set(c, args, st); msg != "" {
			*c = *before
			return nil, setError(e.name, msg)
		}
	}
	// Redis runs a directive's apply step only when its value changed.
	for _, e := range found {
		if s := e.spec; s.apply != nil && s.get(before) != s.get(c) {
			s.apply(c)
		}
	}
	for _, e := range found {
		s := e.spec
		if (s.has(volatile) || s.get(before) != s.get(c)) && !contains(changed, s.name) {
			changed = append(changed, s.name)
		}
	}
	return changed, nil
}

func setError(name, msg string) error { return SetError(name, msg) }

// SetError formats a CONFIG SET failure as Redis does, for failures the
// engine finds when it applies a change (Redis's "apply" step: "Unable to
// listen on this port. Check server logs.", "Failed to bind to specified
// addresses.", ...); the engine then restores the previous Config.
func SetError(name, reason string) error {
	return errors.New(oneLine("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + reason))
}

// oneLine replaces CR and LF with spaces, as Redis does in error replies.
func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// protectedAllowed is Redis's allowProtectedAction for enable-protected-configs.
func (c *Config) protectedAllowed(local bool) bool {
	return c.EnableProtectedConfigs == "yes" || c.EnableProtectedConfigs == "local" && local
}

// splitSpaces splits at every single space, keeping empty fields, as
// Redis's sdssplitlen does for CONFIG SET: "" gives no fields.
func splitSpaces(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, " ")
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// Match reports whether s matches the glob pattern as Redis's stringmatchlen
// does: * any run, ? one byte, [abc] [^abc] [a-z] classes, \ escapes the
// next byte; nocase compares ASCII letters case-insensitively.
func Match(pattern, s string, nocase bool) bool {
	skipLonger := false
	return match(pattern, s, nocase, &skipLonger)
}

// match is Match; skipLonger, if not nil, enables Redis's shortcut that
// keeps patterns with many stars linear.
func match(pat, s string, nocase bool, skipLonger *bool) bool {
	for len(pat) > 0 && len(s) > 0 {
		switch pat[0] {
		case '*':
			for len(pat) > 1 && pat[1] == '*' {
				pat = pat[1:]
			}
			if len(pat) == 1 {
				return true
			}
			for len(s) > 0 {
				if match(pat[1:], s, nocase, skipLonger) {
					return true
				}
				if skipLonger != nil && *skipLonger {
					return false
				}
				s = s[1:]
			}
			// The rest of the pattern matches no suffix: a longer match
			// of an earlier * cannot help either.
			if skipLonger != nil {
				*skipLonger = true
			}
			return false
		case '?':
			s = s[1:]
		case '[':
			pat = pat[1:]
			not := len(pat) > 0 && pat[0] == '^'
			if not {
				pat = pat[1:]
			}
			matched := false
			for {
				if len(pat) >= 2 && pat[0] == '\\' {
					pat = pat[1:]
					if pat[0] == s[0] {
						matched = true
					}
				} else if len(pat) == 0 {
					// Unterminated class: it ends with the pattern.
					break
				} else if pat[0] == ']' {
					break
				} else if len(pat) >= 3 && pat[1] == '-' {
					lo, hi, ch := pat[0], pat[2], s[0]
					if lo > hi {
						lo, hi = hi, lo
					}
					if nocase {
						lo, hi, ch = lower(lo), lower(hi), lower(ch)
					}
					pat = pat[2:]
					if ch >= lo && ch <= hi {
						matched = true
					}
				} else if eqByte(pat[0], s[0], nocase) {
					matched = true
				}
				pat = pat[1:]
			}
			if not {
				matched = !matched
			}
			if !matched {
				return false
			}
			s = s[1:]
			if len(pat) == 0 {
				// The unterminated class consumed the whole pattern.
				return len(s) == 0
			}
		case '\\':
			if len(pat) >= 2 {
				pat = pat[1:]
			}
			if !eqByte(pat[0], s[0], nocase) {
				return false
			}
			s = s[1:]
		default:
			if !eqByte(pat[0], s[0], nocase) {
				return false
			}
			s = s[1:]
		}
		pat = pat[1:]
		if len(s) == 0 {
			for len(pat) > 0 && pat[0] == '*' {
				pat = pat[1:]
			}
			break
		}
	}
	return len(pat) == 0 && len(s) == 0
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func eqByte(a, b byte, nocase bool) bool {
	if nocase {
		return lower(a) == lower(b)
	}
	return a == b
}
