// Script syntax: redis-cli style argument splitting, !raw payloads, directives.
// The format is described for script writers in testdata/README.md.

package difftest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Op is what a script step does.
type Op int

const (
	OpCommand Op = iota // send a command, read one reply on each side, compare
	OpSend              // !send: send a command, read nothing (blocking commands, pipelines)
	OpRecv              // !recv: read one more reply on each side, compare
	OpNoReply           // !noreply DUR: assert that neither side sends anything within DUR
	OpRaw               // !raw: send bytes, compare everything read until close or silence
	OpRawSend           // !rawsend: send bytes, read nothing (replies are read by !recv)
	OpRawIdle           // !rawidle DUR: how long !raw waits for more bytes
	OpProto             // !resp2, !resp3: HELLO on both sides
	OpSleep             // !sleep DUR
	OpNewConn           // !newconn: replace the current connection with a fresh one
	OpConn              // !conn NAME: switch to a named connection, opened on first use
	OpScanAll           // !scanall: iterate a SCAN-family command to cursor 0, compare the sorted union
)

var opNames = [...]string{"command", "!send", "!recv", "!noreply", "!raw", "!rawsend", "!rawidle", "!resp", "!sleep", "!newconn", "!conn", "!scanall"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "Op(" + strconv.Itoa(int(o)) + ")"
}

// Mode is how two replies are compared.
type Mode int

const (
	ModeExact     Mode = iota // byte for byte
	ModeSort                  // !sort: aggregates as multisets (maps as sets of pairs)
	ModeSortPairs             // !sortpairs: a flat array of key, value, ... as a set of pairs
	ModeType                  // !type: only the reply's type (null counts as its own type)
	ModeShape                 // !shape: types and lengths all the way down, map keys exactly
	ModeErrPrefix             // !errprefix: both are errors with the same first word
	ModeIgnore                // !ignore: not compared
	ModeFields                // !fields: INFO-style text, the same lines up to each ':'
)

var modeNames = [...]string{"exact", "!sort", "!sortpairs", "!type", "!shape", "!errprefix", "!ignore", "!fields"}

func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

var modeByDirective = map[string]Mode{
	"!sort": ModeSort, "!sortpairs": ModeSortPairs, "!type": ModeType,
	"!shape": ModeShape, "!errprefix": ModeErrPrefix, "!ignore": ModeIgnore,
	"!fields": ModeFields,
}

// Step is one line of a script.
type Step struct {
	Line  int    // 1-based line number in the script
	Text  string // the line as written, for reports
	Op    Op
	Mode  Mode          // for OpCommand and OpRecv
	Args  []string      // the command, for OpCommand, OpSend and OpScanAll
	Raw   []byte        // the bytes of OpRaw and OpRawSend
	Dur   time.Duration // for OpSleep, OpNoReply and OpRawIdle
	Proto int           // 2 or 3 for OpProto
	Name  string        // connection name for OpConn
}

// Script is a parsed script file.
type Script struct {
	Name  string // file name without directory and .txt
	Path  string // as given to LoadScript, for file:line in reports
	Steps []Step
	// Pending names the open issue whose features the script specifies ahead of
	// their implementation ("!pending #4 scripting"). Its mismatches are reported in
	// the log, not as failures, and the test fails once the script passes, so the
	// marker is removed the day the feature lands instead of lingering.
	Pending string
}

// LoadScript reads and parses a script file.
func LoadScript(path string) (*Script, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sc, err := ParseScript(path, data)
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// ParseScript parses script text; path is used for the name and in errors.
func ParseScript(path string, data []byte) (*Script, error) {
	sc := &Script{Name: strings.TrimSuffix(filepath.Base(path), ".txt"), Path: path}
	s := bufio.NewScanner(bytes.NewReader(data))
	s.Buffer(nil, 16<<20)
	for n := 1; s.Scan(); n++ {
		line := strings.TrimSpace(s.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "!pending"); ok {
			if len(sc.Steps) > 0 || strings.TrimSpace(rest) == "" {
				return nil, fmt.Errorf("%s:%d: !pending needs an issue reference and must come before the first step", path, n)
			}
			sc.Pending = strings.TrimSpace(rest)
			continue
		}
		st, err := parseStep(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		st.Line, st.Text = n, line
		sc.Steps = append(sc.Steps, st)
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return sc, nil
}

// parseStep parses one non-empty, non-comment line: compare-mode prefixes, then
// either an action directive or a command.
func parseStep(line string) (Step, error) {
	st := Step{Op: OpCommand}
	modeSet := false
	rest := line
	for strings.HasPrefix(rest, "!") {
		word, after := rest, ""
		if i := strings.IndexAny(rest, " \t"); i >= 0 {
			word, after = rest[:i], rest[i+1:]
		}
		after = strings.TrimSpace(after)
		if m, ok := modeByDirective[word]; ok {
			if modeSet {
				return st, fmt.Errorf("two compare modes on one line")
			}
			st.Mode, modeSet = m, true
			rest = after
			continue
		}
		if modeSet && word != "!recv" {
			return st, fmt.Errorf("%s cannot take a compare mode", word)
		}
		return parseAction(st, word, after)
	}
	args, err := SplitArgs(rest)
	if err != nil {
		return st, err
	}
	if len(args) == 0 {
		return st, fmt.Errorf("compare mode without a command")
	}
	st.Args = args
	return st, nil
}

func parseAction(st Step, word, arg string) (Step, error) {
	noArg := func() error {
		if arg != "" {
			return fmt.Errorf("%s takes no argument", word)
		}
		return nil
	}
	var err error
	switch word {
	case "!send", "!scanall":
		st.Op = OpSend
		if word == "!scanall" {
			st.Op = OpScanAll
		}
		if st.Args, err = SplitArgs(arg); err != nil {
			return st, err
		}
		if len(st.Args) == 0 {
			return st, fmt.Errorf("%s without a command", word)
		}
		if st.Op == OpScanAll {
			if _, _, err := scanShape(st.Args); err != nil {
				return st, err
			}
		}
	case "!recv":
		st.Op = OpRecv
		err = noArg()
	case "!resp2", "!resp3":
		st.Op, st.Proto = OpProto, int(word[5]-'0')
		err = noArg()
	case "!newconn":
		st.Op = OpNewConn
		err = noArg()
	case "!sleep", "!noreply", "!rawidle":
		st.Op = map[string]Op{"!sleep": OpSleep, "!noreply": OpNoReply, "!rawidle": OpRawIdle}[word]
		st.Dur, err = time.ParseDuration(arg)
		if err == nil && (st.Dur <= 0 || st.Dur > time.Minute) {
			err = fmt.Errorf("%s %v: want a duration in (0, 1m]", word, st.Dur)
		}
	case "!conn":
		st.Op, st.Name = OpConn, arg
		if arg == "" || strings.ContainsAny(arg, " \t") {
			err = fmt.Errorf("!conn wants one name")
		}
	case "!raw", "!rawsend":
		st.Op = OpRaw
		if word == "!rawsend" {
			st.Op = OpRawSend
		}
		st.Raw, err = ParseRaw(arg)
		if err == nil && len(st.Raw) == 0 {
			err = fmt.Errorf("!raw without bytes")
		}
	default:
		err = fmt.Errorf("unknown directive %s", word)
	}
	return st, err
}

// scanShape returns where the cursor is in a SCAN-family command and how many
// elements make one item of its reply (2 for HSCAN and ZSCAN: field and value).
func scanShape(args []string) (cursorIdx, group int, err error) {
	switch strings.ToUpper(args[0]) {
	case "SCAN":
		cursorIdx, group = 1, 1
	case "SSCAN":
		cursorIdx, group = 2, 1
	case "HSCAN", "ZSCAN":
		cursorIdx, group = 2, 2
	default:
		return 0, 0, fmt.Errorf("!scanall: %s is not SCAN, SSCAN, HSCAN or ZSCAN", args[0])
	}
	if len(args) <= cursorIdx {
		return 0, 0, fmt.Errorf("!scanall: %s without a cursor", args[0])
	}
	return cursorIdx, group, nil
}

// SplitArgs splits a line into arguments exactly as redis-cli does
// (sdssplitargs in Redis's sds.c): arguments are separated by white space;
// "double quotes" understand \n \r \t \b \a \\ \" and \xHH; 'single quotes' only
// \'; a quote may start in the middle of an argument (a"b c" is `ab c`), and a
// closing quote must be followed by white space or the end of the line.
func SplitArgs(line string) ([]string, error) {
	var args []string
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			return args, nil
		}
		var cur []byte
		for done := false; !done && i < len(line); {
			switch c := line[i]; c {
			case ' ', '\n', '\r', '\t':
				done = true
				i++
			case '"', '\'':
				s, next, err := scanQuoted(line, i)
				if err != nil {
					return nil, err
				}
				cur = append(cur, s...)
				i = next
				done = true
			default:
				cur = append(cur, c)
				i++
			}
		}
		args = append(args, string(cur))
	}
}

// scanQuoted reads the quoted string that starts at line[i] (a " or ') and
// returns its value and the offset after the closing quote.
func scanQuoted(line string, i int) (string, int, error) {
	q := line[i]
	var b []byte
	for i++; i < len(line); i++ {
		c := line[i]
		switch {
		case q == '"' && c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
			v, _ := strconv.ParseUint(line[i+2:i+4], 16, 8)
			b = append(b, byte(v))
			i += 3
		case q == '"' && c == '\\' && i+1 < len(line):
			i++
			switch e := line[i]; e {
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'b':
				b = append(b, '\b')
			case 'a':
				b = append(b, '\a')
			default:
				b = append(b, e)
			}
		case q == '\'' && c == '\\' && i+1 < len(line) && line[i+1] == '\'':
			i++
			b = append(b, '\'')
		case c == q:
			if i+1 < len(line) && !isSpace(line[i+1]) {
				return "", 0, fmt.Errorf("closing quote must be followed by a space: %s", line)
			}
			return string(b), i + 1, nil
		default:
			b = append(b, c)
		}
	}
	return "", 0, fmt.Errorf("unbalanced quotes: %s", line)
}

// ParseRaw parses the payload of a !raw directive: quoted strings, written as in
// SplitArgs and concatenated with nothing between them, each optionally preceded
// by a repeat count, as in 70000*"a". Bare words are refused so that every byte
// sent is visibly quoted.
func ParseRaw(s string) ([]byte, error) {
	var out []byte
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i == len(s) {
			return out, nil
		}
		count := 1
		if j := i; s[j] >= '0' && s[j] <= '9' {
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j+1 >= len(s) || s[j] != '*' || (s[j+1] != '"' && s[j+1] != '\'') {
				return nil, fmt.Errorf(`!raw: bare text at %q: quote it, or write a repeat as N*"text"`, s[i:])
			}
			n, err := strconv.Atoi(s[i:j])
			if err != nil || n > 64<<20 {
				return nil, fmt.Errorf("!raw: bad repeat count %q", s[i:j])
			}
			count, i = n, j+1
		}
		if s[i] != '"' && s[i] != '\'' {
			return nil, fmt.Errorf(`!raw: bare text at %q: quote it, or write a repeat as N*"text"`, s[i:])
		}
		v, next, err := scanQuoted(s, i)
		if err != nil {
			return nil, err
		}
		out = append(out, bytes.Repeat([]byte(v), count)...)
		i = next
	}
}

// isSpace is C's isspace in the "C" locale, as sdssplitargs uses it.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
