package engine

// The Lua debugger (Redis's LDB, eval.c), in its synchronous form: after SCRIPT
// DEBUG SYNC the client's next EVAL stops before the script's first line and the
// server talks to that client alone, on its socket, with blocking I/O, until the
// client says continue (or abort, or goes away); the whole server waits meanwhile,
// as Redis's does in sync mode. Each answer is an array of status replies (the
// debugger's log lines); at the end an "<endsession>" line, the EVAL's reply, and
// the connection is closed.
//
// The script stops where Lua 5.1's line hook would stop it (script_ldbhook.go):
// at its first line, after each step, at breakpoints and after
// redis.breakpoint(). SCRIPT DEBUG YES (a forked session whose writes are thrown
// away) needs fork and is refused, as is SYNC over TLS (the debugger reads the
// raw socket). Coroutines run without stops: the hook follows the main thread.

import (
	"bytes"
	"math"
	"strconv"
	"strings"

	"github.com/keygrid/keygrid/engine/resp"
	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// ldbSession is the one debugging session in progress (Redis's ldb global).
type ldbSession struct {
	c      *Client
	src    []string // the script's lines
	logs   []string // pending log lines, sent by send
	cbuf   []byte   // what the client sent that is not parsed yet
	bp     []int    // breakpoints
	line   int      // the line of the last hook event (Redis's ldb.currentline)
	maxlen int      // trim logged values to this many bytes (0: unlimited)
	hint   bool     // the maxlen hint was logged
	gone   bool     // the client closed its connection
	// step stops at the next line; while it is set redis.call logs its
	// command and reply (Redis's ldb.step, ldbIsEnabled).
	step  bool
	luabp bool // redis.breakpoint() was called: stop at the next line
	hook  ldbHook
}

const (
	ldbMaxLenDefault = 256 // Redis's LDB_MAX_LEN_DEFAULT
	ldbBreakpointMax = 64  // Redis's LDB_BREAKPOINTS_MAX
)

// ldbStart begins a session for c's EVAL (Redis's ldbStartSession, sync mode).
func (s *Server) ldbStart(c *Client) *ldbSession {
	s.log.Warn("Redis synchronous debugging eval session started")
	src := strings.TrimRight(string(c.argv[1]), "\r\n")
	// Redis's ldbEnable: the first line stops.
	d := &ldbSession{c: c, src: strings.Split(src, "\n"), maxlen: ldbMaxLenDefault, step: true}
	s.script.ldb = d
	return d
}

// ldbEnd ends the session (Redis's ldbEndSession): the last logs, then the EVAL's
// reply, and the connection closes.
func (s *Server) ldbEnd(d *ldbSession) {
	d.log("<endsession>")
	d.send()
	s.log.Warn("Redis synchronous debugging eval session ended")
	d.c.flags &^= flagLuaDebugSync
	d.c.flags |= flagCloseAfterReply
	s.script.ldb = nil
}

// log appends a log line.
func (d *ldbSession) log(line string) { d.logs = append(d.logs, line) }

// logTrimmed logs a value, trimmed to maxlen (Redis's ldbLogWithMaxLen).
func (d *ldbSession) logTrimmed(line string) {
	trimmed := false
	if d.maxlen > 0 && len(line) > d.maxlen {
		line = line[:d.maxlen] + " ..."
		trimmed = true
	}
	d.log(line)
	if trimmed && !d.hint {
		d.hint = true
		d.log("<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.")
	}
}

// send writes the pending logs to the client as one array of status replies,
// newlines made spaces (Redis's ldbSendLogs). Write errors are left to the next
// read to notice.
func (d *ldbSession) send() {
	b := resp.AppendArray(nil, len(d.logs))
	for _, l := range d.logs {
		b = append(b, '+')
		b = append(b, strings.NewReplacer("\r", " ", "\n", " ").Replace(l)...)
		b = append(b, "\r\n"...)
	}
	d.logs = d.logs[:0]
	if d.gone || d.c.fd < 0 {
		return
	}
	fd := d.c.fd
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EAGAIN || err == unix.EINTR {
			// Redis gives the debugging client a 5 s send timeout.
			pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
			if k, _ := unix.Poll(pfd, 5000); k <= 0 {
				return
			}
			continue
		}
		if err != nil || n <= 0 {
			return
		}
		b = b[n:]
	}
}

// readMore blocks until the client sends something; false when it is gone.
func (d *ldbSession) readMore() bool {
	if d.gone || d.c.fd < 0 {
		return false
	}
	var buf [1024]byte
	for {
		pfd := []unix.PollFd{{Fd: int32(d.c.fd), Events: unix.POLLIN}}
		if k, err := unix.Poll(pfd, 1000); k <= 0 {
			if err != nil && err != unix.EINTR {
				d.gone = true
				return false
			}
			continue
		}
		n, err := unix.Read(d.c.fd, buf[:])
		if err == unix.EAGAIN || err == unix.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			d.gone = true
			return false
		}
		d.cbuf = append(d.cbuf, buf[:n]...)
		return true
	}
}

// parse reads one command from cbuf, a multibulk of at most 1024 arguments of
// 1 to 1024 bytes (Redis's ldbReplParseCommand, as forgiving as it is). It returns
// nil, "" when more input is needed.
func (d *ldbSession) parse() (argv []string, protoErr string) {
	b := d.cbuf
	if len(b) == 0 {
		return nil, ""
	}
	i := bytes.IndexByte(b, '*')
	if i < 0 {
		return nil, "protocol error"
	}
	p := b[i+1:]
	eol := bytes.Index(p, []byte("\r\n"))
	if eol < 0 {
		return nil, ""
	}
	argc := cAtoi(p[:eol])
	if argc <= 0 || argc > 1024 {
		return nil, "protocol error"
	}
	p = p[eol+2:]
	for len(argv) < argc {
		if len(p) == 0 {
			return nil, ""
		}
		if p[0] != '$' {
			return nil, "protocol error"
		}
		eol = bytes.Index(p, []byte("\r\n"))
		if eol < 0 {
			return nil, ""
		}
		n := cAtoi(p[1:eol])
		if n <= 0 || n > 1024 {
			return nil, "protocol error"
		}
		p = p[eol+2:]
		if len(p) < n+2 {
			return nil, ""
		}
		argv = append(argv, string(p[:n]))
		if p[n] != '\r' || p[n+1] != '\n' {
			return nil, "protocol error"
		}
		p = p[n+2:]
	}
	return argv, ""
}

// cAtoi is C's atoi: leading digits (with a sign), 0 when there are none.
func cAtoi(b []byte) int {
	neg, i, n := false, 0, 0
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg, i = b[i] == '-', i+1
	}
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9' && n < 1<<30; i++ {
		n = n*10 + int(b[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}

// repl serves debugger commands (Redis's ldbRepl). It returns "" to run the
// script on, or the error that ends it; gone reports that the client went away
// (the script then runs on without stopping).
func (d *ldbSession) repl(e *luaEnv) (msg string, gone bool) {
	for {
		argv, perr := d.parse()
		for argv == nil {
			if perr != "" {
				return perr, false
			}
			if !d.readMore() {
				d.step, d.bp = false, nil
				return "", true
			}
			if len(d.cbuf) > 1<<20 {
				d.cbuf = nil
				return "max client buffer reached", false
			}
			argv, perr = d.parse()
		}
		d.cbuf = d.cbuf[:0]
		switch cmd := strings.ToLower(argv[0]); {
		case cmd == "h" || cmd == "help":
			for _, l := range ldbHelp {
				d.log(l)
			}
		case cmd == "s" || cmd == "step" || cmd == "n" || cmd == "next":
			d.step = true
			return "", false
		case cmd == "c" || cmd == "continue":
			return "", false
		case cmd == "t" || cmd == "trace":
			d.trace(e)
		case cmd == "m" || cmd == "maxlen":
			d.maxlenCmd(argv)
		case cmd == "b" || cmd == "break":
			d.breakCmd(argv)
		case cmd == "e" || cmd == "eval":
			d.evalCmd(e, argv)
		case cmd == "a" || cmd == "abort":
			return "script aborted for user request", false
		case len(argv) > 1 && (cmd == "r" || cmd == "redis"):
			d.redisCmd(e, argv[1:])
		case cmd == "p" || cmd == "print":
			if len(argv) == 2 {
				d.printVar(e, argv[1])
			} else {
				d.printAll(e)
			}
		case cmd == "l" || cmd == "list":
			around, ctx := d.line, 5
			if len(argv) > 1 {
				if n := cAtoi([]byte(argv[1])); n > 0 {
					around = n
				}
			}
			if len(argv) > 2 {
				ctx = cAtoi([]byte(argv[2]))
			}
			d.list(around, ctx)
		case cmd == "w" || cmd == "whole":
			d.list(1, 1000000)
		default:
			d.log("<error> Unknown Redis Lua debugger command or wrong number of arguments.")
		}
		d.send()
	}
}

// ldbHelp is the debugger's help text, as Redis's ldbRepl prints it.
var ldbHelp = []string{
	"Redis Lua debugger help:",
	"[h]elp               Show this help.",
	"[s]tep               Run current line and stop again.",
	"[n]ext               Alias for step.",
	"[c]ontinue           Run till next breakpoint.",
	"[l]ist               List source code around current line.",
	"[l]ist [line]        List source code around [line].",
	"                     line = 0 means: current position.",
	"[l]ist [line] [ctx]  In this form [ctx] specifies how many lines",
	"                     to show before/after [line].",
	"[w]hole              List all source code. Alias for 'list 1 1000000'.",
	"[p]rint              Show all the local variables.",
	"[p]rint <var>        Show the value of the specified variable.",
	"                     Can also show global vars KEYS and ARGV.",
	"[b]reak              Show all breakpoints.",
	"[b]reak <line>       Add a breakpoint to the specified line.",
	"[b]reak -<line>      Remove breakpoint from the specified line.",
	"[b]reak 0            Remove all breakpoints.",
	"[t]race              Show a backtrace.",
	"[e]val <code>        Execute some Lua code (in a different callframe).",
	"[r]edis <cmd>        Execute a Redis command.",
	"[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.",
	"                     Specifying zero as <len> means unlimited.",
	"[a]bort              Stop the execution of the script. In sync",
	"                     mode dataset changes will be retained.",
	"",
	"Debugger functions you can call from Lua scripts:",
	"redis.debug()        Produce logs in the debugger console.",
	"redis.breakpoint()   Stop execution like if there was a breakpoint in the",
	"                     next line of code.",
}

// logSourceLine logs one line of the script with its markers: "->" the current
// line, "#" a breakpoint (Redis's ldbLogSourceLine).
func (d *ldbSession) logSourceLine(n int) {
	text := "<out of range source code line>"
	if n >= 1 && n <= len(d.src) {
		text = d.src[n-1]
	}
	bp, cur := d.isBreakpoint(n), d.line == n
	prefix := "   "
	switch {
	case cur && bp:
		prefix = "->#"
	case cur:
		prefix = "-> "
	case bp:
		prefix = "  #"
	}
	num := strconv.Itoa(n)
	for len(num) < 3 {
		num += " "
	}
	d.log(prefix + num + " " + text)
}

func (d *ldbSession) isBreakpoint(n int) bool {
	for _, b := range d.bp {
		if b == n {
			return true
		}
	}
	return false
}

// list logs the lines within ctx of around, or all of them when around is 0.
func (d *ldbSession) list(around, ctx int) {
	for j := 1; j <= len(d.src); j++ {
		if around != 0 && (around-j > ctx || j-around > ctx) {
			continue
		}
		d.logSourceLine(j)
	}
}

func (d *ldbSession) maxlenCmd(argv []string) {
	if len(argv) == 2 {
		n := cAtoi([]byte(argv[1]))
		d.hint = true
		if n != 0 && n <= 60 {
			n = 60
		}
		d.maxlen = n
	}
	if d.maxlen != 0 {
		d.log("<value> replies are truncated at " + strconv.Itoa(d.maxlen) + " bytes.")
	} else {
		d.log("<value> replies are unlimited.")
	}
}

func (d *ldbSession) breakCmd(argv []string) {
	if len(argv) == 1 {
		if len(d.bp) == 0 {
			d.log("No breakpoints set. Use 'b <line>' to add one.")
			return
		}
		d.log(strconv.Itoa(len(d.bp)) + " breakpoints set:")
		for _, b := range d.bp {
			d.logSourceLine(b)
		}
		return
	}
	for _, a := range argv[1:] {
		line, err := strconv.ParseInt(a, 10, 64)
		switch {
		case err != nil:
			d.log("Invalid argument:'" + a + "'")
		case line == 0:
			d.bp = d.bp[:0]
			d.log("All breakpoints removed.")
		case line > 0:
			switch {
			case len(d.bp) == ldbBreakpointMax:
				d.log("Too many breakpoints set.")
			case line > int64(len(d.src)):
				d.log("Wrong line number.")
			default:
				if !d.isBreakpoint(int(line)) {
					d.bp = append(d.bp, int(line))
				}
				d.list(int(line), 1)
			}
		default:
			removed := false
			for i, b := range d.bp {
				if b == int(-line) {
					d.bp = append(d.bp[:i], d.bp[i+1:]...)
					removed = true
					break
				}
			}
			if removed {
				d.log("Breakpoint removed.")
			} else {
				d.log("No breakpoint in the specified line.")
			}
		}
	}
}

// evalCmd runs a fragment, as an expression first, then as statements (Redis's
// ldbEval).
func (d *ldbSession) evalCmd(e *luaEnv, argv []string) {
	L := e.L
	code := strings.Join(argv[1:], " ")
	// Compiled as the scripts are (Lua 5.1's parser, messages and constant
	// folding: lua51Load), from inside the script's call (level 1), under
	// Redis's chunk name "@ldb_eval".
	fn, _, bad := lua51Load(L, "return "+code, "ldb_eval", "ldb_eval", 1)
	if bad {
		var msg string
		fn, msg, bad = lua51Load(L, code, "ldb_eval", "ldb_eval", 1)
		if bad {
			d.log("<error> " + msg)
			return
		}
	}
	top := L.GetTop()
	L.Push(fn)
	err := L.PCall(0, 1, nil)
	if luaVM.ok {
		luaKeepErrorFunc(L) // see script_errname.go
	}
	if err != nil {
		msg := err.Error()
		if ae, ok := err.(*lua.ApiError); ok {
			msg = luaToString(ae.Object)
		}
		d.log("<error> " + lua51Message(msg))
		L.SetTop(top)
		return
	}
	d.logTrimmed("<retval> " + ldbRepr(L.Get(-1), 0))
	L.SetTop(top)
}

// redisCmd runs a command as redis.call would, logging it and its reply (Redis's
// ldbRedis, which calls redis.call with logging on).
func (d *ldbSession) redisCmd(e *luaEnv, args []string) {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	d.logCommand(argv)
	run := e.run
	if run == nil {
		return
	}
	fake := run.fake
	fake.out = fake.out[:0]
	if msg := e.s.scriptCall(run, argv); msg != "" {
		d.log("<error> " + msg)
		return
	}
	d.logReply(fake.out)
	fake.out = fake.out[:0]
}

// logCommand logs a command redis.call runs (its first ten arguments).
func (d *ldbSession) logCommand(args [][]byte) {
	var b strings.Builder
	b.WriteString("<redis>")
	for j, a := range args {
		if j == 10 {
			b.WriteString(" ... (" + strconv.Itoa(len(args)-j-1) + " more)")
			break
		}
		b.WriteByte(' ')
		b.Write(a)
	}
	d.log(b.String())
}

// logReply logs a command's RESP reply (Redis's ldbLogRedisReply).
func (d *ldbSession) logReply(out []byte) {
	if len(out) > 0 && out[0] == '-' {
		// Converting an error reply to Lua goes through luaPushErrorBuff,
		// which logs it first.
		line := out
		if i := bytes.Index(out, []byte("\r\n")); i >= 0 {
			line = out[:i]
		}
		d.log("<error> " + string(line))
	}
	var o strings.Builder
	o.WriteString("<reply> ")
	ldbReplyHuman(&o, out)
	d.logTrimmed(o.String())
}

// printVar shows the first local named name, from the current frame outwards,
// else the global KEYS or ARGV (Redis's ldbPrint).
func (d *ldbSession) printVar(e *luaEnv, name string) {
	L := e.L
	for level := 0; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			break
		}
		for i := 1; ; i++ {
			n, v := ldbLocal(L, dbg, i)
			if n == "" {
				break
			}
			if n == name {
				d.logTrimmed("<value> " + ldbRepr(v, 0))
				return
			}
		}
	}
	if name == "KEYS" || name == "ARGV" {
		d.logTrimmed("<value> " + ldbRepr(e.globals.RawGetString(name), 0))
		return
	}
	d.log("No such variable.")
}

// printAll shows the locals of the current frame (Redis's ldbPrintAll).
func (d *ldbSession) printAll(e *luaEnv) {
	L := e.L
	vars := 0
	if dbg, ok := L.GetStack(0); ok {
		for i := 1; ; i++ {
			n, v := ldbLocal(L, dbg, i)
			if n == "" {
				break
			}
			if !strings.Contains(n, "(*temporary)") {
				d.logTrimmed("<value> " + n + " = " + ldbRepr(v, 0))
				vars++
			}
		}
	}
	if vars == 0 {
		d.log("No local variables in the current context.")
	}
}

// trace logs the script's frames, innermost first (Redis's ldbTrace).
func (d *ldbSession) trace(e *luaEnv) {
	L := e.L
	level := 0
	for ; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Snl", dbg, nil); err != nil || !strings.Contains(dbg.Source, "user_script") {
			continue
		}
		where := "From"
		if level == 0 {
			where = "In"
		}
		line := dbg.CurrentLine
		if fn, pc, _ := ldbFrameOf(dbg); fn != nil {
			if lines := d.hook.lines(fn.Proto); pc >= 0 && pc < len(lines) {
				line = lines[pc]
			}
		}
		d.log(where + " " + ldbFuncName(dbg.Name) + ":")
		d.logSourceLine(line)
	}
	if level == 0 {
		d.log("<error> Can't retrieve Lua stack.")
	}
}

// ldbFuncName is Lua 5.1's name of a called function as getinfo "n" gives it,
// "top level" when Lua 5.1 has none: gopher-lua names the main chunk, functions
// called from Go and unnamed ones where Lua 5.1 gives NULL.
func ldbFuncName(name string) string {
	if name == "" || name == "main chunk" || name == "(anonymous)" || name == "?" || strings.HasPrefix(name, "<") {
		return "top level"
	}
	return name
}

// logError is luaPushError's log: errors raised while stepping are shown.
func (d *ldbSession) logError(msg string) {
	if d.step {
		d.log("<error> " + msg)
	}
}

// ldbRepr is the debugger's rendering of a Lua value (Redis's ldbCatStackValue).
func ldbRepr(v lua.LValue, level int) string {
	if level == 20 { // LDB_MAX_VALUES_DEPTH: LUA_MINSTACK/2
		return "<max recursion level reached! Nested table?>"
	}
	level++
	switch x := v.(type) {
	case lua.LString:
		return catRepr(string(x))
	case lua.LBool:
		if x {
			return "true"
		}
		return "false"
	case lua.LNumber:
		return cFormatG(float64(x))
	case *lua.LNilType:
		return "nil"
	case *lua.LTable:
		var arr, full strings.Builder
		isArray, expect := true, 1
		for k, val := x.Next(lua.LNil); k != lua.LNil; k, val = x.Next(k) {
			if n, ok := k.(lua.LNumber); !ok || float64(n) != float64(expect) {
				isArray = false
			}
			if expect > 1 {
				arr.WriteString("; ")
				full.WriteString("; ")
			}
			arr.WriteString(ldbRepr(val, level))
			full.WriteString("[" + ldbRepr(k, level) + "]=" + ldbRepr(val, level))
			expect++
		}
		if isArray {
			return "{" + arr.String() + "}"
		}
		return "{" + full.String() + "}"
	case *lua.LFunction:
		return "\"function@" + ptrString(x) + "\""
	}
	return "\"" + v.Type().String() + "@0x0\""
}

// ptrString renders a function's identity as %p would.
func ptrString(f *lua.LFunction) string {
	return strings.TrimPrefix(strings.TrimPrefix(f.String(), "function: "), "function:")
}

// cFormatG formats as C's "%g".
func cFormatG(f float64) string {
	switch {
	case math.IsInf(f, 0), f != f:
		return luaNumberString(f) // glibc's inf, -inf, nan, -nan
	}
	s := strconv.FormatFloat(f, 'g', 6, 64)
	if strings.ContainsAny(s, "e") {
		return string(fixG17([]byte(s)))
	}
	return s
}

// catRepr quotes s as Redis's sdscatrepr.
func catRepr(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString("\\n")
		case '\r':
			b.WriteString("\\r")
		case '\t':
			b.WriteString("\\t")
		case '\a':
			b.WriteString("\\a")
		case '\b':
			b.WriteString("\\b")
		default:
			if c >= 0x20 && c < 0x7f {
				b.WriteByte(c)
			} else {
				b.WriteString("\\x" + strconv.FormatUint(uint64(c)>>4, 16) + strconv.FormatUint(uint64(c)&15, 16))
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ldbReplyHuman renders a RESP reply for the debugger's log (Redis's
// ldbRedisProtocolToHuman) and returns the bytes it consumed.
func ldbReplyHuman(o *strings.Builder, b []byte) int {
	if len(b) == 0 {
		return 0
	}
	eol := bytes.Index(b, []byte("\r\n"))
	if eol < 0 {
		return len(b)
	}
	line := b[1:eol]
	next := eol + 2
	switch b[0] {
	case ':':
		o.Write(line)
	case '$':
		n := cAtoi(line)
		if n < 0 {
			o.WriteString("NULL")
			return next
		}
		if next+n > len(b) {
			return len(b)
		}
		o.WriteString(catRepr(string(b[next : next+n])))
		return next + n + 2
	case '+', '-':
		o.WriteString(catRepr(string(b[:eol])))
	case '*', '~', '%':
		n := cAtoi(line)
		if b[0] == '*' && n < 0 {
			o.WriteString("NULL")
			return next
		}
		open, sep, closing := "[", ",", "]"
		if b[0] == '~' {
			open, closing = "~(", ")"
		} else if b[0] == '%' {
			open, closing = "{", "}"
		}
		o.WriteString(open)
		for j := 0; j < n; j++ {
			next += ldbReplyHuman(o, b[next:])
			if b[0] == '%' {
				o.WriteString(" => ")
				next += ldbReplyHuman(o, b[next:])
			}
			if j != n-1 {
				o.WriteString(sep)
			}
		}
		o.WriteString(closing)
	case '_':
		o.WriteString("(null)")
	case '#':
		if len(line) > 0 && line[0] == 't' {
			o.WriteString("#true")
		} else {
			o.WriteString("#false")
		}
	case ',':
		o.WriteString("(double) ")
		o.Write(line)
	default:
		o.Write(b[:eol])
	}
	return next
}
