// Package cli is keygrid's redis-cli: the binary run as redis-cli (a symlink in
// the image, or `keygrid redis-cli`) is a client with redis-cli 7.0's options,
// output formats and exit statuses, for what health checks, probes, scripts and a
// person at `docker exec` use: a command from the arguments (or the last argument
// from standard input, -x), commands read from standard input one per line, and a
// plain interactive prompt. The monitoring and cluster-management modes (--cluster,
// --bigkeys, --latency, --stat, --rdb, --pipe, --eval, ...) are Redis's redis-cli's.
package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/keygrid/keygrid/engine"
	"github.com/keygrid/keygrid/engine/resp"
	"golang.org/x/sys/unix"
)

// versionString is what -v prints after "redis-cli ": the Redis version keygrid
// is compatible with, and keygrid's own (where Redis's prints its git commit).
func versionString() string {
	return fmt.Sprintf("%s (keygrid %s)", engine.Version, engine.KeygridVersion)
}

// Env is what a run reads and writes besides its arguments.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// LookupEnv is os.LookupEnv's: redis-cli reads FAKETTY and REDISCLI_AUTH
	// when set, even to "".
	LookupEnv func(string) (string, bool)
	// StdinTTY and StdoutTTY say whether they are terminals: the human format is
	// for a terminal (or FAKETTY in the environment), the prompt for a terminal.
	StdinTTY, StdoutTTY bool
}

// Main runs redis-cli with the process's standard streams and environment; it
// returns the exit status.
func Main(args []string) int {
	return Run(args, Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, LookupEnv: os.LookupEnv,
		StdinTTY: isTerminal(os.Stdin), StdoutTTY: isTerminal(os.Stdout),
	})
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// exitCode unwinds a run to Run's recover with a status: redis-cli's exit().
type exitCode int

// client is one run's state (redis-cli's config and context).
type client struct {
	cfg  config
	env  Env
	conn *conn
	// dbnum is the database the connection has selected.
	dbnum, preMultiDB int
	inMulti           bool
	reissue, asking   bool
	shutdown, monitor bool
	pubsub            bool
	// lastErr is why the connection failed, for "Error: ..." lines.
	lastErr string
}

// Run runs redis-cli with args (without the program name).
func Run(args []string, env Env) (code int) {
	defer func() {
		if r := recover(); r != nil {
			if c, ok := r.(exitCode); ok {
				code = int(c)
				return
			}
			panic(r)
		}
	}()
	_, faketty := env.LookupEnv("FAKETTY")
	cl := &client{env: env, cfg: config{
		host: "127.0.0.1", port: 6379, repeat: 1,
		mbDelim: "\n", cmdDelim: "\n",
	}}
	if env.StdoutTTY || faketty {
		cl.cfg.output, cl.cfg.pushOutput = outputStandard, true
	} else {
		cl.cfg.output = outputRaw
	}
	first, err := parseOptions(&cl.cfg, args, env.Stdout, env.Stderr)
	if err != nil {
		if c, ok := err.(errExit); ok {
			return int(c)
		}
		return 1
	}
	if cl.cfg.hasAuth && !cl.cfg.noAuthWarn {
		io.WriteString(env.Stderr, warnAuth)
	}
	if a, ok := env.LookupEnv("REDISCLI_AUTH"); ok && !cl.cfg.hasAuth {
		cl.cfg.auth, cl.cfg.hasAuth = a, true
	}
	args = args[first:]
	if len(args) == 0 {
		// Interactive (or commands from standard input): a connection error is
		// reported, and every command tries again.
		cl.connect(false, false)
		cl.repl()
		return 0
	}
	cl.connect(false, true)
	if cl.cfg.stdinLast {
		data, _ := io.ReadAll(env.Stdin)
		args = append(append([]string(nil), args...), string(data))
	}
	if !cl.issue(args, cl.cfg.repeat) {
		return 1
	}
	return 0
}

// connect is redis-cli's cliConnect: a new connection if there is none (or force),
// then AUTH, SELECT and HELLO 3 as the options ask. quiet leaves a connection error
// unreported. false means it failed; after a failed AUTH, SELECT or HELLO the
// connection stays, as redis-cli's does.
func (cl *client) connect(force, quiet bool) bool {
	if cl.conn != nil && !force {
		return true
	}
	if cl.conn != nil {
		cl.conn.close()
		cl.conn = nil
		cl.dbnum, cl.inMulti = 0, false
	}
	cfg := &cl.cfg
	tcp := cfg.socket == "" || cfg.cluster && cl.reissue
	var err error
	if tcp {
		cl.conn, err = dial(cfg.host, cfg.port, "")
	} else {
		cl.conn, err = dial("", 0, cfg.socket)
	}
	if err != nil {
		cl.conn = nil
		if !quiet {
			if tcp {
				fmt.Fprintf(cl.env.Stderr, "Could not connect to Redis at %s:%d: %s\n", cfg.host, cfg.port, err)
			} else {
				fmt.Fprintf(cl.env.Stderr, "Could not connect to Redis at %s: %s\n", cfg.socket, err)
			}
		}
		return false
	}
	if cfg.hasAuth {
		args := []string{"AUTH", cfg.auth}
		if cfg.hasUser {
			args = []string{"AUTH", cfg.user, cfg.auth}
		}
		if !cl.setup(args, "AUTH failed: %[2]s\n") {
			return false
		}
	}
	if !cl.selectDB() {
		return false
	}
	if cfg.resp3 && !cfg.resp2 {
		if !cl.setup([]string{"HELLO", "3"}, "HELLO 3 failed: %[2]s\n") {
			return false
		}
	}
	return true
}

// setup sends one of the connection's setup commands; an error reply is reported
// with format (%[1]s the command, %[2]s the error).
func (cl *client) setup(args []string, format string) bool {
	v, err := cl.conn.do(args...)
	if err != nil {
		io.WriteString(cl.env.Stderr, "\nI/O error\n")
		return false
	}
	if v.IsError() {
		fmt.Fprintf(cl.env.Stderr, format, args[0], v.Str)
		return false
	}
	return true
}

// selectDB selects the -n database (cliSelect).
func (cl *client) selectDB() bool {
	if cl.cfg.db == cl.dbnum {
		return true
	}
	v, err := cl.conn.do("SELECT", strconv.Itoa(cl.cfg.db))
	if err != nil {
		io.WriteString(cl.env.Stderr, "\nI/O error\n")
		return false
	}
	if v.IsError() {
		fmt.Fprintf(cl.env.Stderr, "SELECT %d failed: %s\n", cl.cfg.db, v.Str)
		return false
	}
	cl.dbnum = cl.cfg.db
	return true
}

// issue is redis-cli's issueCommandRepeat: (re)connect when needed, send the
// command repeat times, and again where a -c redirection points.
func (cl *client) issue(args []string, repeat int64) bool {
	if name := strings.ToLower(args[0]); name == "help" || name == "?" {
		cl.help()
		return true
	}
	for {
		if cl.reissue || cl.conn == nil {
			if !cl.connect(true, false) {
				cl.reissue = false
				return false
			}
		}
		cl.reissue = false
		if cl.asking {
			cl.asking = false
			v, err := cl.conn.do("ASKING")
			if err != nil {
				io.WriteString(cl.env.Stderr, "\nI/O error\n")
				return false
			}
			if v.IsError() {
				fmt.Fprintf(cl.env.Stderr, "ASKING failed: %s\n", v.Str)
				return false
			}
		}
		if !cl.send(args, repeat) {
			if cl.conn != nil {
				fmt.Fprintf(cl.env.Stderr, "Error: %s\n", cl.lastErr)
				cl.conn.close()
				cl.conn = nil
			}
			return false
		}
		if cl.cfg.cluster && cl.reissue {
			continue
		}
		return true
	}
}

// rawOutputCommand reports the commands whose bulk reply redis-cli prints as it
// is even on a terminal (INFO, CLIENT LIST, CLUSTER NODES, ...).
func rawOutputCommand(args []string) bool {
	is := func(i int, s string) bool { return len(args) > i && strings.EqualFold(args[i], s) }
	n := len(args)
	switch {
	case is(0, "info"), is(0, "lolwut"):
		return true
	case is(0, "debug") && (is(1, "htstats") || is(1, "htstats-key") || is(1, "client-eviction")):
		return true
	case is(0, "memory") && (is(1, "malloc-stats") || is(1, "doctor")):
		return true
	case n == 2 && is(0, "cluster") && (is(1, "nodes") || is(1, "info")):
		return true
	case is(0, "client") && (is(1, "list") || is(1, "info")):
		return true
	case n == 3 && is(0, "latency") && is(1, "graph"), n == 2 && is(0, "latency") && is(1, "doctor"):
		return true
	case is(0, "proxy") && is(1, "info"):
		return true
	}
	return false
}

// send is redis-cli's cliSendCommand: send, read and print, repeat times (forever
// if negative), following MONITOR and SUBSCRIBE's streams of replies.
func (cl *client) send(args []string, repeat int64) bool {
	raw := rawOutputCommand(args)
	name := strings.ToLower(args[0])
	switch name {
	case "shutdown":
		cl.shutdown = true
	case "monitor":
		cl.monitor = true
	case "subscribe", "psubscribe", "ssubscribe":
		cl.pubsub = true
	case "sync", "psync":
		fmt.Fprintln(cl.env.Stderr, "replica mode is not supported by keygrid's redis-cli: use Redis's")
		return true
	}
	for repeat < 0 || repeat > 0 {
		repeat--
		sendErr := cl.conn.send(args)
		if cl.monitor {
			for cl.monitor {
				last, ok := cl.readReply(raw, sendErr)
				if !ok {
					fmt.Fprintf(cl.env.Stderr, "Error: %s\n", cl.lastErr)
					panic(exitCode(1))
				}
				if last.IsError() {
					cl.monitor = false
				}
			}
			return true
		}
		if cl.pubsub {
			if cl.cfg.output != outputRaw {
				io.WriteString(cl.env.Stdout, "Reading messages... (press Ctrl-C to quit)\n")
			}
			for cl.pubsub {
				last, ok := cl.readReply(raw, sendErr)
				sendErr = nil
				if !ok {
					fmt.Fprintf(cl.env.Stderr, "Error: %s\n", cl.lastErr)
					panic(exitCode(1))
				}
				if last.IsError() {
					cl.pubsub = false
				}
			}
			continue
		}
		last, ok := cl.readReply(raw, sendErr)
		if !ok {
			return false
		}
		isErr := last.IsError()
		switch {
		case name == "select" && len(args) == 2 && !isErr:
			cl.cfg.db = atoi(args[1])
			cl.dbnum = cl.cfg.db
		case name == "auth" && (len(args) == 2 || len(args) == 3):
			cl.selectDB()
		case name == "multi" && len(args) == 1 && !isErr:
			cl.inMulti, cl.preMultiDB = true, cl.dbnum
		case name == "exec" && len(args) == 1 && cl.inMulti:
			cl.inMulti = false
			if isErr || last.Null {
				cl.cfg.db, cl.dbnum = cl.preMultiDB, cl.preMultiDB
			}
		case name == "discard" && len(args) == 1 && !isErr:
			cl.inMulti = false
			cl.cfg.db, cl.dbnum = cl.preMultiDB, cl.preMultiDB
		case name == "reset" && len(args) == 1 && !isErr:
			cl.inMulti, cl.dbnum, cl.cfg.db, cl.cfg.resp3 = false, 0, 0, false
		}
		if cl.reissue {
			break
		}
		if cl.cfg.interval > 0 {
			time.Sleep(time.Duration(cl.cfg.interval * float64(time.Second)))
		}
	}
	return true
}

// readReply is redis-cli's cliReadReply: read one reply and print it, or follow a
// -c redirection, or (-e, not interactive) exit 1 on an error reply. It returns the
// reply; false means the connection failed (lastErr says why).
func (cl *client) readReply(rawStrings bool, sendErr error) (resp.Value, bool) {
	var v resp.Value
	err := sendErr
	for err == nil {
		v, err = cl.conn.read()
		if err != nil || v.Kind != resp.KindPush || cl.pubsub || cl.monitor {
			break
		}
		// A RESP3 push outside of SUBSCRIBE (client tracking's invalidations):
		// shown on a terminal, else dropped.
		if cl.cfg.pushOutput {
			cl.print(v, false)
		}
	}
	if err == nil && v.Attrs != nil {
		// hiredis, redis-cli 7.0's, has no RESP3 attributes: a protocol error.
		fmt.Fprintf(cl.env.Stderr, "Error: Protocol error, got \"|\" as reply type byte\n")
		panic(exitCode(1))
	}
	if err != nil {
		cl.lastErr = errText(err)
		if err == errProtocol {
			fmt.Fprintf(cl.env.Stderr, "Error: %s\n", cl.lastErr)
			panic(exitCode(1))
		}
		if cl.shutdown {
			cl.conn.close()
			cl.conn = nil
			return v, true
		}
		if cl.cfg.interactive {
			return v, false
		}
		fmt.Fprintf(cl.env.Stderr, "Error: %s\n", cl.lastErr)
		panic(exitCode(1))
	}
	if cl.cfg.cluster && v.Kind == resp.KindError &&
		(strings.HasPrefix(v.Str, "MOVED ") || strings.HasPrefix(v.Str, "ASK ")) {
		f := strings.Fields(v.Str)
		if len(f) >= 3 {
			slot := atoi(f[1])
			if i := strings.LastIndexByte(f[2], ':'); i >= 0 {
				cl.cfg.host, cl.cfg.port = f[2][:i], atoi(f[2][i+1:])
			}
			if cl.cfg.interactive {
				fmt.Fprintf(cl.env.Stdout, "-> Redirected to slot [%d] located at %s:%d\n", slot, cl.cfg.host, cl.cfg.port)
			}
			cl.reissue = true
			cl.asking = f[0] == "ASK"
			return v, true
		}
	}
	if !cl.cfg.interactive && cl.cfg.setErrCode && v.IsError() {
		fmt.Fprintf(cl.env.Stderr, "%s\n", cString(v.Str))
		panic(exitCode(1))
	}
	cl.print(v, rawStrings)
	return v, true
}

// print writes a reply in the output format.
func (cl *client) print(v resp.Value, rawStrings bool) {
	var b bytes.Buffer
	var err error
	switch {
	case rawStrings:
		err = formatRaw(&b, v, cl.cfg.mbDelim)
	case cl.cfg.output == outputStandard:
		err = formatTTY(&b, v, "")
	default:
		if err = formatRaw(&b, v, cl.cfg.mbDelim); err == nil {
			b.WriteString(cl.cfg.cmdDelim)
		}
	}
	if t, ok := err.(errUnknownType); ok {
		fmt.Fprintf(cl.env.Stderr, "Unknown reply type: %d\n", int(t))
		panic(exitCode(1))
	}
	cl.env.Stdout.Write(b.Bytes())
}

func (cl *client) help() {
	fmt.Fprintf(cl.env.Stdout, "redis-cli %s\n"+
		"keygrid's redis-cli has no built-in command help: see https://redis.io/commands\n"+
		"Type \"quit\" to exit.\n", versionString())
}
