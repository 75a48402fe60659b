// parse.go: reading a redis.conf-style file and redis-server style
// command-line arguments (Load), and the line syntax shared by both
// (SplitArgs, Quote).
//
// As in Redis, the file is read first, then the arguments, each "--name
// value..." becoming one more line; the last occurrence of a directive wins,
// except "save", whose lines accumulate.

package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LoadError is a fatal configuration error. Error() gives it on one line,
// "file:line: 'the line': reason"; Report() gives it the way redis-server
// prints it before exiting.
type LoadError struct {
	File string // the file (or included file) of the line; "" for command-line arguments
	Line int    // 1-based line in File, or 1-based option number in the arguments; 0 if no line is at fault
	Text string // the offending line, as Redis echoes it after ">>>"
	Msg  string // the reason, in Redis's words
	// RedisLine is the line as redis-server numbers it: it reads the file, a
	// newline and the options, one per line, as one text, so the options'
	// lines follow the file's (with no file, option k is line k+1).
	RedisLine int
	// Open marks a configuration file that could not be read, which Redis
	// reports as a log line, not with the banner (Report).
	Open bool
}

func (e *LoadError) Error() string {
	switch {
	case e.Line == 0:
		return e.Msg
	case e.File == "":
		return fmt.Sprintf("command line, option %d: '%s': %s", e.Line, e.Text, e.Msg)
	}
	return fmt.Sprintf("%s:%d: '%s': %s", e.File, e.Line, e.Text, e.Msg)
}

// Report formats the error as redis-server's "FATAL CONFIG FILE ERROR"
// banner, naming the file as well.
// (A file that could not be read is reported otherwise: see Open.)
func (e *LoadError) Report() string {
	var b strings.Builder
	b.WriteString("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n")
	if e.Line != 0 {
		line := e.RedisLine
		if line == 0 {
			line = e.Line
		}
		fmt.Fprintf(&b, "Reading the configuration file, at line %d\n>>> '%s'\n", line, e.Text)
	}
	b.WriteString(e.Msg)
	b.WriteString("\n")
	return b.String()
}

// WriteReport prints err as redis-server and redis-sentinel print a configuration
// error before they exit 1: the banner (Report) on stderr, or, for a file that
// could not be opened, a log line on stdout (no log file is set up yet) with the
// role mark role ('C' for a server, 'X' for a sentinel). It returns false, printing
// nothing, for an error that is not a *LoadError or comes from DefaultsEnv (which
// Redis does not have: the caller names the variable).
func WriteReport(stdout, stderr io.Writer, err error, role byte) bool {
	var le *LoadError
	if !errors.As(err, &le) || le.File == DefaultsEnv {
		return false
	}
	if le.Open {
		fmt.Fprintf(stdout, "%d:%c %s # %s\n", os.Getpid(), role, time.Now().Format("02 Jan 2006 15:04:05.000"), le.Msg)
		return true
	}
	fmt.Fprint(stderr, le.Report())
	return true
}

// maxIncludeDepth bounds nested include directives. Redis has no bound and
// overflows its stack on an include loop.
const maxIncludeDepth = 16

// Load starts from Default, reads the configuration file at path (none if
// path is ""), then applies args, which use redis-server's command-line
// syntax: ["--port", "7000", "--save", "", "--bind", "127.0.0.1", "::1"]. A
// directive's arguments run until the next "--name"; the first argument
// after a bare "--name" is always a value, even if it starts with "--"; and
// a lone "--save" means save "". The result has passed the checks Redis
// makes at start-up. Errors are *LoadError.
func Load(path string, args []string) (*Config, error) {
	return LoadWithDefaults(nil, path, args)
}

// DefaultsEnv is the environment variable `keygrid server` takes default
// options from (the image sets it), in the command line's syntax.
const DefaultsEnv = "KEYGRID_DEFAULTS"

// LoadWithDefaults is Load with defaults, options in the command line's form
// ("--protected-mode", "no"), applied before the file and the arguments, which
// override them: how an image changes a default without a config file, as the
// official redis image does with its patched protected-mode default. Errors in
// them name DefaultsEnv, where `keygrid server` reads them from.
func LoadWithDefaults(defaults []string, path string, args []string) (*Config, error) {
	c := Default()
	l := &loader{c: c, st: loadState{fromFile: true}}
	if len(defaults) > 0 {
		lines, _, err := argLines(defaults, false)
		if err != nil {
			return nil, err
		}
		for i, line := range lines {
			if err := l.line(line, DefaultsEnv, i+1, 0); err != nil {
				return nil, err
			}
		}
	}
	lines, fromStdin, err := argLines(args, path == "")
	if err != nil {
		return nil, err
	}
	// The file and standard input are read as one text, as redis-server reads
	// them (a file whose last line has no newline runs into standard input's
	// first); the options follow it, one per line.
	var main string
	name := path
	if path != "" {
		if main, err = readConfig(path); err != nil {
			return nil, err
		}
	}
	if fromStdin {
		if StdinNotice != nil {
			StdinNotice()
		}
		data, err := io.ReadAll(Stdin)
		if err != nil {
			return nil, &LoadError{Msg: "reading the configuration from standard input: " + err.Error()}
		}
		main += string(data)
		if name == "" {
			name = StdinName
		}
	}
	if err := l.text(main, name, 0); err != nil {
		return nil, err
	}
	l.mainNewlines = strings.Count(main, "\n")
	for i, line := range lines {
		if err := l.line(line, "", i+1, 0); err != nil {
			if le, ok := err.(*LoadError); ok && le.File == "" {
				le.RedisLine = l.mainNewlines + 1 + le.Line
			}
			return nil, err
		}
	}
	if msg := c.finalCheck(); msg != "" {
		return nil, &LoadError{Msg: msg}
	}
	clampHz(c) // Redis accepts any hz and clamps it once the file is read
	return c, nil
}

type loader struct {
	c  *Config
	st loadState
	// mainNewlines counts the newlines of the main file(s), after which Redis
	// numbers the options' lines (LoadError.RedisLine).
	mainNewlines int
}

// file reads one configuration file, or every file matching a glob pattern
// (then no match is not an error), as Redis's loadServerConfig.
func (l *loader) file(path string, depth int) error {
	data, err := readConfig(path)
	if err != nil {
		return err
	}
	return l.text(data, path, depth)
}

// readConfig is the text of the file at path, or of every file matching a glob
// pattern, one after the other (Redis concatenates them).
func readConfig(path string) (string, error) {
	paths := []string{path}
	if strings.ContainsAny(path, "*?[") {
		paths, _ = filepath.Glob(path) // sorted, like glob(3)
	}
	var b strings.Builder
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return "", &LoadError{File: p, Open: true, Msg: fmt.Sprintf("Fatal error, can't open config file '%s': %s", p, Strerror(err))}
		}
		b.Write(data)
	}
	return b.String(), nil
}

// text applies the lines of a configuration text read from file.
func (l *loader) text(data, file string, depth int) error {
	for i, line := range strings.Split(data, "\n") {
		if err := l.line(line, file, i+1, depth); err != nil {
			return err
		}
	}
	return nil
}

// line applies one line of a file (file != "") or of the arguments.
func (l *loader) line(raw, file string, lineno, depth int) error {
	text := strings.Trim(raw, " \t\r\n")
	if text == "" || text[0] == '#' {
		return nil
	}
	fail := func(msg string) error { return &LoadError{File: file, Line: lineno, Text: text, Msg: msg} }
	argv, err := SplitArgs(text)
	if err != nil {
		return fail("Unbalanced quotes in configuration line")
	}
	if len(argv) == 0 {
		return nil
	}
	name := strings.ToLower(argv[0])
	if e, ok := lookup(name); ok {
		s := e.spec
		if !s.has(multiArg) && len(argv) != 2 {
			return fail("wrong number of arguments")
		}
		args := argv[1:]
		if s.has(multiArg) && len(argv) == 2 && argv[1] != "" {
			// One argument holding several, as in --save "900 1 300 10".
			// An unparsable one is an empty list, as in Redis.
			args, _ = SplitArgs(argv[1])
		}
		if msg := s.set(l.c, args, &l.st); msg != "" {
			return fail(msg)
		}
		return nil
	}
	switch {
	case deprecated[name] && len(argv) == 2:
		// Directives Redis 7.0 still accepts and ignores.
	case name == "include" && len(argv) == 2:
		if depth >= maxIncludeDepth {
			return fail("include nesting too deep (include loop?)")
		}
		// Relative to the working directory, which is dir as Redis has
		// chdir'ed into it by now.
		p := argv[1]
		if !filepath.IsAbs(p) {
			p = filepath.Join(l.c.Dir, p)
		}
		return l.file(p, depth+1)
	case name == "rename-command" && len(argv) == 3:
		if msg := l.checkRename(argv[1], argv[2]); msg != "" {
			return fail(msg)
		}
		l.c.RenameCommands = append(l.c.RenameCommands, [2]string{argv[1], argv[2]})
	case name == "user" && len(argv) >= 2:
		l.c.Users = append(l.c.Users, append([]string(nil), argv[1:]...))
	case name == "loadmodule" && len(argv) >= 2:
		l.c.LoadModules = append(l.c.LoadModules, append([]string(nil), argv[1:]...))
	case strings.Contains(name, "."):
		if len(argv) < 2 {
			return fail("Module config specified without value")
		}
		// Redis queues it for a module; keygrid loads none, so it would
		// fail at start-up with this message.
		return fail("Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting")
	case name == "sentinel":
		// A bare "sentinel" line is accepted; sentinel configuration belongs
		// to `keygrid sentinel`.
		if len(argv) != 1 {
			return fail("sentinel directive while not in sentinel mode")
		}
	default:
		return fail("Bad directive or wrong number of arguments")
	}
	return nil
}

// deprecated are directives Redis 7.0 accepts with one argument and ignores.
var deprecated = map[string]bool{
	"list-max-ziplist-entries": true,
	"list-max-ziplist-value":   true,
	"lua-replicate-commands":   true,
}

// Standard input as a configuration source: "-" as the first argument (when no
// file is given) or the last one, as redis-server takes it.
var (
	// Stdin is where it is read from (a variable for tests).
	Stdin io.Reader = os.Stdin
	// StdinNotice, when set, is called before it is read: redis-server logs
	// "Reading config from stdin" then.
	StdinNotice func()
)

// StdinName is the File of an error in a line read from standard input.
const StdinName = "(stdin)"

// argLines turns redis-server command-line arguments into configuration
// lines the way redis-server's main does: "--name" starts a line (its text
// used as is, so "--port 6380" as one argument works), and every other
// argument is appended quoted. A "-" first (noFile: no configuration file
// came before the arguments) or last asks for standard input to be read too.
func argLines(args []string, noFile bool) (lines []string, fromStdin bool, err error) {
	var cur strings.Builder
	started := false
	flush := func() {
		if started {
			lines = append(lines, cur.String())
		}
		cur.Reset()
		started = true
	}
	handledLast := true // the last "--name" has at least one argument
	for j, a := range args {
		switch {
		case a == "-" && (j == 0 && noFile || j == len(args)-1):
			fromStdin = true
		case handledLast && strings.HasPrefix(a, "--"):
			flush()
			cur.WriteString(a[2:])
			cur.WriteByte(' ')
			toks, _ := SplitArgs(a)
			if len(toks) != 1 {
				break // the option carries its value, as in "--port 6380"
			}
			handledLast = false
			next := j+1 < len(args) && strings.HasPrefix(args[j+1], "--")
			switch {
			case strings.EqualFold(a, "--save") && (next || j == len(args)-1):
				// "--save" followed by nothing, or by another option, is save "".
				cur.WriteString(`""`)
				handledLast = next
			case strings.EqualFold(a, "--sentinel") && next:
				handledLast = true
			}
		default:
			started = true // values before any --name make a line of their own
			cur.WriteString(Quote(a))
			cur.WriteByte(' ')
			handledLast = true
		}
	}
	if started {
		lines = append(lines, cur.String())
	}
	return lines, fromStdin, nil
}

// ErrUnbalancedQuotes is returned by SplitArgs for a line with an
// unterminated quote, or a closing quote followed by something other than
// a space.
var ErrUnbalancedQuotes = errors.New("config: unbalanced quotes")

// SplitArgs splits a configuration line into arguments as Redis's
// sdssplitargs does: arguments are separated by white space; "double
// quotes" allow \n \r \t \b \a \" \\ and \xHH escapes; 'single quotes' allow
// only \'. A closing quote must be followed by white space or the end. The
// line ends at a NUL byte, as a C string does.
func SplitArgs(line string) ([]string, error) {
	if i := strings.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	var args []string
	p := 0
	n := len(line)
	at := func(i int) byte { // C string semantics: NUL past the end
		if i < n {
			return line[i]
		}
		return 0
	}
	for {
		for p < n && isSpace(line[p]) {
			p++
		}
		if p >= n {
			return args, nil
		}
		var cur []byte
		inq, insq := false, false
		for done := false; !done; {
			c := at(p)
			switch {
			case inq:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)):
					cur = append(cur, unhex(at(p+2))<<4|unhex(at(p+3)))
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					switch e := line[p]; e {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, e)
					}
				case c == '"':
					if nx := at(p + 1); nx != 0 && !isSpace(nx) {
						return nil, ErrUnbalancedQuotes
					}
					done = true
				case c == 0:
					return nil, ErrUnbalancedQuotes
				default:
					cur = append(cur, c)
				}
			case insq:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					cur = append(cur, '\'')
				case c == '\'':
					if nx := at(p + 1); nx != 0 && !isSpace(nx) {
						return nil, ErrUnbalancedQuotes
					}
					done = true
				case c == 0:
					return nil, ErrUnbalancedQuotes
				default:
					cur = append(cur, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					cur = append(cur, c)
				}
			}
			if p < n {
				p++
			}
		}
		args = append(args, string(cur))
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// Quote returns s in double quotes with the escapes SplitArgs reads back,
// as Redis's sdscatrepr: \\ \" \n \r \t \a \b, and \xHH for other bytes
// outside printable ASCII.
func Quote(s string) string {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\a':
			b = append(b, '\\', 'a')
		case '\b':
			b = append(b, '\\', 'b')
		default:
			if c >= 0x20 && c <= 0x7e {
				b = append(b, c)
			} else {
				b = append(b, '\\', 'x', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
			}
		}
	}
	return string(append(b, '"'))
}

// CommandNames, when set (the engine sets it), returns the names of the top-level
// commands, so rename-command lines are checked where they are read, with Redis's
// messages and the file and line, as redis-server does.
var CommandNames func() []string

// checkRename applies Redis's checks to "rename-command old new", against the names
// as the earlier rename-command lines left them.
func (l *loader) checkRename(old, new string) string {
	if CommandNames == nil {
		return ""
	}
	names := map[string]bool{}
	for _, n := range CommandNames() {
		names[n] = true
	}
	for _, r := range l.c.RenameCommands {
		delete(names, strings.ToLower(r[0]))
		if r[1] != "" {
			names[strings.ToLower(r[1])] = true
		}
	}
	if !names[strings.ToLower(old)] {
		return "No such command in rename-command"
	}
	if new != "" && names[strings.ToLower(new)] && !strings.EqualFold(old, new) {
		return "Target command name already exists"
	}
	return ""
}
