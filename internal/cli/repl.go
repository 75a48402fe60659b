package cli

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/keygrid/keygrid/engine/resp"
)

// prompt is redis-cli's: host:port (or "redis " and the socket), [db] if not 0,
// (TX) inside MULTI; "not connected> " without a connection.
func (cl *client) prompt() string {
	if cl.conn == nil {
		return "not connected> "
	}
	var p string
	if cl.cfg.socket != "" {
		p = "redis " + cl.cfg.socket
	} else {
		p = net.JoinHostPort(cl.cfg.host, strconv.Itoa(cl.cfg.port))
	}
	if cl.dbnum != 0 {
		p += "[" + strconv.Itoa(cl.dbnum) + "]"
	}
	if cl.inMulti {
		p += "(TX)"
	}
	return p + "> "
}

// splitLine splits a line as redis-cli does (sdssplitargs: "double quotes" with
// \n \r \t \b \a \xHH escapes, 'single quotes' with \'); false for unbalanced quotes.
func splitLine(line string) ([]string, bool) {
	var scratch []byte
	argv, ok := resp.SplitArgs([]byte(line), nil, &scratch)
	if !ok {
		return nil, false
	}
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = string(a)
	}
	return out, true
}

// repl is redis-cli's interactive loop: a prompt when standard input is a
// terminal (without line editing or history), and without one the lines of
// standard input, each a command, until its end or quit/exit.
func (cl *client) repl() {
	cl.cfg.interactive = true
	in := bufio.NewReader(cl.env.Stdin)
	for {
		if cl.env.StdinTTY {
			io.WriteString(cl.env.Stdout, cl.prompt())
		}
		line, err := in.ReadString('\n')
		if line == "" && err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\n")
		if cl.env.StdinTTY {
			line = strings.TrimSuffix(line, "\r")
		}
		if line != "" {
			cl.replLine(line)
		}
		if err != nil {
			return
		}
	}
}

// replLine runs one line of the interactive loop.
func (cl *client) replLine(line string) {
	argv, ok := splitLine(line)
	if !ok {
		io.WriteString(cl.env.Stdout, "Invalid argument(s)\n")
		return
	}
	if len(argv) == 0 {
		return
	}
	// "5 incr counter" runs INCR five times.
	repeat, skip := int64(1), 0
	if len(argv) > 1 {
		if n, ok := cRepeat(argv[0]); ok {
			if n <= 0 {
				io.WriteString(cl.env.Stdout, "Invalid redis-cli repeat command option value.\n")
				return
			}
			repeat, skip = n, 1
		}
	}
	switch {
	case strings.EqualFold(argv[0], "quit"), strings.EqualFold(argv[0], "exit"):
		panic(exitCode(0))
	case argv[0][0] == ':':
		// redis-cli's preferences (:set hints): nothing to set here.
	case strings.EqualFold(argv[0], "restart"):
		io.WriteString(cl.env.Stdout, "Use 'restart' only in Lua debugging mode.\n")
	case len(argv) == 3 && strings.EqualFold(argv[0], "connect"):
		cl.cfg.host, cl.cfg.port = argv[1], atoi(argv[2])
		cl.connect(true, false)
	case len(argv) == 1 && strings.EqualFold(argv[0], "clear"):
		if cl.env.StdoutTTY {
			io.WriteString(cl.env.Stdout, "\x1b[H\x1b[2J")
		}
	default:
		start := time.Now()
		cl.issue(argv[skip:], repeat)
		if d := time.Since(start); d >= 500*time.Millisecond && cl.cfg.output == outputStandard {
			fmt.Fprintf(cl.env.Stdout, "(%.2fs)\n", d.Seconds())
		}
	}
}

// cRepeat reads a repeat count as strtol does for redis-cli: the whole word a
// number (ok), and the count, 0 if out of range (which redis-cli refuses).
func cRepeat(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	t := s
	if t[0] == '+' || t[0] == '-' {
		t = t[1:]
	}
	if t == "" {
		return 0, false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, true
	}
	return n, true
}
