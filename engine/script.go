package engine

// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (Redis's eval.c), and the part of a
// script run shared with FCALL (Redis's script.c): preparing the run from the
// script's flags, executing redis.call through the ordinary command path on a
// socketless client, and propagating what the script wrote.
//
// A run, step by step:
//
//	evalGeneric: numkeys, cache lookup (compile on EVAL), shebang flags
//	runScript:   checks of the flags (no-writes, allow-oom, *_RO) -> fake client on
//	             the caller's db -> KEYS/ARGV -> PCall with the error handler ->
//	             reply converted from the Lua value -> captured writes propagated
//	             (MULTI/EXEC around more than one)
//	redis.call:  scriptCall checks (arity, noscript, read-only, OOM) -> s.call on
//	             the fake client -> its reply bytes parsed back into Lua values

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/slots"
	lua "github.com/yuin/gopher-lua"
)

var scriptCommands = []*Command{
	{Name: "eval", Arity: -3, Flags: FlagNoScript | FlagStale | FlagSkipMonitor | FlagNoMandatoryKeys | FlagMayReplicate, Cats: CatScripting, Keys: evalKeys,
		KeySpecs: []KeySpec{{Notes: "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE", Flags: []string{"RW", "access", "update"}, Index: 2, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}},
		Group:    "scripting", Since: "2.6.0", Complexity: "Depends on the script that is executed.",
		Summary: "Execute a Lua script server side",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "script", Type: "string"},
			{Name: "numkeys", Type: "integer"},
			{Name: "key", Type: "key", KeySpecIndex: 0, Optional: true, Multiple: true},
			{Name: "arg", Type: "string", Optional: true, Multiple: true},
		}},
		Proc: evalCommand,
	},
	{Name: "evalsha", Arity: -3, Flags: FlagNoScript | FlagStale | FlagSkipMonitor | FlagNoMandatoryKeys | FlagMayReplicate, Cats: CatScripting, Keys: evalKeys,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 2, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}},
		Group:    "scripting", Since: "2.6.0", Complexity: "Depends on the script that is executed.",
		Summary: "Execute a Lua script server side",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "sha1", Type: "string"},
			{Name: "numkeys", Type: "integer"},
			{Name: "key", Type: "key", KeySpecIndex: 0, Optional: true, Multiple: true},
			{Name: "arg", Type: "string", Optional: true, Multiple: true},
		}},
		Proc: evalshaCommand,
	},
	{Name: "eval_ro", Arity: -3, Flags: FlagReadonly | FlagNoScript | FlagStale | FlagSkipMonitor | FlagNoMandatoryKeys, Cats: CatScripting, Keys: evalKeys,
		KeySpecs: []KeySpec{{Notes: "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS", Flags: []string{"RO", "access"}, Index: 2, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}},
		Group:    "scripting", Since: "7.0.0", Complexity: "Depends on the script that is executed.",
		Summary: "Execute a read-only Lua script server side",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "script", Type: "string"},
			{Name: "numkeys", Type: "integer"},
			{Name: "key", Type: "key", KeySpecIndex: 0, Optional: true, Multiple: true},
			{Name: "arg", Type: "string", Optional: true, Multiple: true},
		}},
		Proc: evalCommand,
	},
	{Name: "evalsha_ro", Arity: -3, Flags: FlagReadonly | FlagNoScript | FlagStale | FlagSkipMonitor | FlagNoMandatoryKeys, Cats: CatScripting, Keys: evalKeys,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 2, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}},
		Group:    "scripting", Since: "7.0.0", Complexity: "Depends on the script that is executed.",
		Summary: "Execute a read-only Lua script server side",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "sha1", Type: "string"},
			{Name: "numkeys", Type: "integer"},
			{Name: "key", Type: "key", KeySpecIndex: 0, Optional: true, Multiple: true},
			{Name: "arg", Type: "string", Optional: true, Multiple: true},
		}},
		Proc: evalshaCommand,
	},
	{Name: "script", Arity: -2,
		Group: "scripting", Since: "2.6.0", Complexity: "Depends on subcommand.",
		Summary: "A container for Lua scripts management commands",
		Subs: []*Command{
			{Name: "debug", Arity: 3, Flags: FlagNoScript, Cats: CatScripting,
				Group: "scripting", Since: "3.2.0", Complexity: "O(1)",
				Summary: "Set the debug mode for executed scripts.",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "mode", Type: "oneof", Args: []Arg{
						{Name: "yes", Type: "pure-token", Token: "YES"},
						{Name: "sync", Type: "pure-token", Token: "SYNC"},
						{Name: "no", Type: "pure-token", Token: "NO"},
					}},
				}},
				Proc: scriptDebugCommand,
			},
			{Name: "exists", Arity: -3, Flags: FlagNoScript, Cats: CatScripting,
				Group: "scripting", Since: "2.6.0", Complexity: "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).",
				Summary: "Check existence of scripts in the script cache.",
				Tips:    []string{"request_policy:all_shards", "response_policy:agg_logical_and"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "sha1", Type: "string", Multiple: true},
				}},
				Proc: scriptExistsCommand,
			},
			{Name: "flush", Arity: -2, Flags: FlagNoScript, Cats: CatScripting,
				Group: "scripting", Since: "2.6.0", Complexity: "O(N) with N being the number of scripts in cache",
				Summary: "Remove all the scripts from the script cache.",
				Tips:    []string{"request_policy:all_nodes", "response_policy:all_succeeded"},
				Doc: &CmdDoc{History: [][2]string{{"6.2.0", "Added the `ASYNC` and `SYNC` flushing mode modifiers."}}, Args: []Arg{
					{Name: "async", Type: "oneof", Since: "6.2.0", Optional: true, Args: []Arg{
						{Name: "async", Type: "pure-token", Token: "ASYNC"},
						{Name: "sync", Type: "pure-token", Token: "SYNC"},
					}},
				}},
				Proc: scriptFlushCommand,
			},
			{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, Cats: CatScripting,
				Group: "scripting", Since: "5.0.0", Complexity: "O(1)",
				Summary: "Show helpful text about the different subcommands",
				Proc:    scriptHelpCommand,
			},
			{Name: "kill", Arity: 2, Flags: FlagNoScript | FlagAllowBusy, Cats: CatScripting,
				Group: "scripting", Since: "2.6.0", Complexity: "O(1)",
				Summary: "Kill the script currently in execution.",
				Tips:    []string{"request_policy:all_shards", "response_policy:one_succeeded"},
				Proc:    scriptKillCommand,
			},
			{Name: "load", Arity: 3, Flags: FlagNoScript | FlagStale, Cats: CatScripting,
				Group: "scripting", Since: "2.6.0", Complexity: "O(N) with N being the length in bytes of the script body.",
				Summary: "Load the specified Lua script into the script cache.",
				Tips:    []string{"request_policy:all_nodes", "response_policy:all_succeeded"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "script", Type: "string"},
				}},
				Proc: scriptLoadCommand,
			},
		},
	},
}

// evalKeys extracts the keys of EVAL-like commands from their numkeys argument.
func evalKeys(argv [][]byte) []int { return keynumKeys(argv, 2) }

// Script flags (the shebang's flags=, and FUNCTION's register_function flags).
type scriptFlags uint8

const (
	scriptNoWrites       scriptFlags = 1 << iota // no-writes: read-only, implies allow-oom
	scriptAllowOOM                               // allow-oom: runs and writes over maxmemory
	scriptAllowStale                             // allow-stale: runs on a stale replica
	scriptNoCluster                              // no-cluster: refused in cluster mode
	scriptAllowCrossSlot                         // allow-cross-slot-keys
	scriptEvalCompat                             // EVAL without shebang: the pre-7.0 rules
)

var scriptFlagNames = []struct {
	f    scriptFlags
	name string
}{
	{scriptNoWrites, "no-writes"}, {scriptAllowOOM, "allow-oom"}, {scriptAllowStale, "allow-stale"},
	{scriptNoCluster, "no-cluster"}, {scriptAllowCrossSlot, "allow-cross-slot-keys"},
}

// evalScript is one cached EVAL script.
type evalScript struct {
	sha   string // lower-case hex, the cache's key
	body  string
	fn    *lua.LFunction
	flags scriptFlags
}

// scriptState is the server's scripting state (loop goroutine only).
type scriptState struct {
	eval    *luaEnv // made on first use, reset by SCRIPT FLUSH
	scripts map[string]*evalScript
	// scriptsMem is the memory of the cached bodies (INFO used_memory_scripts_eval).
	scriptsMem int64
	fn         functionsState
	// run is the script executing now, nil otherwise.
	run *scriptRun
	// runBuf is the storage of run, reused by each script run.
	runBuf scriptRun
	// capture stands in for s.propagate while a script runs, collecting the
	// writes of the run capturing into its props.
	capture   func(db int, argv [][]byte)
	capturing *scriptRun
	fake      *Client // the client redis.call runs commands as (Redis's lua_client)
	rand      struct {
		x    uint64
		init bool
	}
	// busyCheck is the late command check installed while a script is past the
	// busy threshold (script_busy.go).
	busyCheck func(c *Client, cmd *Command) string
	busyIndex int
	numCalls  int64
	// denyDisabled lets scripts call commands flagged noscript (DEBUG
	// SET-DISABLE-DENY-SCRIPTS, Redis's script_disable_deny_script): tests use it
	// to reach DEBUG PROTOCOL and CLIENT LIST from Lua.
	denyDisabled bool
	// ldb is the Lua debugger session in progress (script_ldb.go), nil without one.
	ldb *ldbSession
	// mem bounds what a script allocates (script_mem.go).
	mem scriptMem
}

// scriptRun is one execution of a script or function.
type scriptRun struct {
	caller   *Client
	fake     *Client
	env      *luaEnv
	name     string // sha for EVAL, function name for FCALL
	eval     bool
	readOnly bool
	allowOOM bool
	oomStart bool // over maxmemory when the script started
	dirty    bool // ran a write command: SCRIPT KILL can no longer stop it
	// slot is the hash slot the script's keys must share in cluster mode (-1: none
	// yet); allowCrossSlot lifts that rule (allow-cross-slot-keys, or no shebang).
	slot           int
	allowCrossSlot bool
	killed         bool
	oomKilled      bool // killed by the allocation guard (script_mem.go)
	timedOut       bool
	repl           int // redis.set_repl targets
	start          time.Duration
	lastPoll       time.Duration
	props          []scriptEffect
}

// scriptEffect is one write a script's command propagated, held until the script
// returns, with the redis.set_repl targets in force when it ran.
type scriptEffect struct {
	db     int
	argv   [][]byte
	target int // replAOF | replReplica
}

func (s *Server) evalEnv() *luaEnv {
	if s.script.eval == nil {
		s.script.eval = newLuaEnv(s, false)
		s.script.scripts = make(map[string]*evalScript)
	}
	return s.script.eval
}

func sha1hex(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}

// parseShebang reads the "#!lua flags=..." first line (Redis's
// evalExtractShebangFlags); n is its length, the newline excluded, so line numbers
// stay right when the body is compiled without it.
func parseShebang(body []byte) (flags scriptFlags, n int, err string) {
	flags = scriptEvalCompat
	if len(body) < 2 || body[0] != '#' || body[1] != '!' {
		return flags, 0, ""
	}
	end := strings.IndexByte(string(body), '\n')
	if end < 0 {
		return 0, 0, "Invalid script shebang"
	}
	parts, ok := resp.SplitArgs(body[:end], nil, new([]byte))
	if !ok || len(parts) == 0 {
		return 0, 0, "Invalid engine in script shebang"
	}
	if string(parts[0]) != "#!lua" {
		return 0, 0, "Unexpected engine in script shebang: " + string(parts[0])
	}
	flags = 0
	for _, p := range parts[1:] {
		ps := string(p)
		if !strings.HasPrefix(ps, "flags=") {
			return 0, 0, "Unknown lua shebang option: " + ps
		}
		if ps == "flags=" {
			continue // no flags at all (sdssplitlen of "" has no parts)
		}
		for _, f := range strings.Split(ps[6:], ",") {
			found := false
			for _, fn := range scriptFlagNames {
				if fn.name == f {
					flags |= fn.f
					found = true
				}
			}
			if !found {
				return 0, 0, "Unexpected flag in script shebang: " + f
			}
		}
	}
	return flags, end, ""
}

// createScript compiles and caches body (Redis's luaCreateFunction); it replies the
// error itself when it fails.
func (s *Server) createScript(c *Client, body []byte) (string, *evalScript) {
	e := s.evalEnv()
	sha := sha1hex(body)
	if sc := s.script.scripts[sha]; sc != nil {
		return sha, sc
	}
	flags, n, errMsg := parseShebang(body)
	if errMsg != "" {
		c.ReplyError(errMsg)
		return "", nil
	}
	src := string(body[n:])
	// Lua 5.1's parser decides what compiles and words the error
	// (script_parse51.go); gopher-lua then compiles what it accepted.
	fn, msg, bad := lua51Load(e.L, src, "user_script", "user_script", 0)
	if bad {
		c.ReplyError("Error compiling script (new function): " + msg)
		return "", nil
	}
	// A chunk is vararg, and gopher-lua's Lua 5.0 compatibility would build an
	// unreachable "arg" table (a map) on every call of it. Lua 5.1 never makes
	// one for a main chunk, so the flag goes: nothing a script can see changes.
	fn.Proto.IsVarArg &^= lua.VarArgNeedsArg
	sc := &evalScript{sha: sha, body: string(body), fn: fn, flags: flags}
	s.script.scripts[sha] = sc
	s.script.scriptsMem += int64(len(body)) + 40
	return sha, sc
}

// luaCompileError rewrites gopher-lua's parse errors ("user_script line:1(column:5)
// near '=':   syntax error") in Lua 5.1's form ("user_script:1: syntax error near
// '='"), as far as the two parsers' messages correspond.
func luaCompileError(err error, chunk string) string { return luaCompileErrorIn(err, chunk, "") }

// luaLexErrors maps gopher-lua's lexer messages to Lua 5.1's llex.c ones.
var luaLexErrors = map[string]string{
	"unterminated string":           "unfinished string",
	"unterminated multiline string": "unfinished long string",
	"invalid multiline comment":     "unfinished long comment",
	"illegal hexadecimal number":    "malformed number",
}

// luaCompileErrorIn is luaCompileError knowing the source, which Lua 5.1's
// "unfinished string" message quotes from.
func luaCompileErrorIn(err error, chunk, src string) string {
	msg := err.Error()
	if i := strings.Index(msg, "\n"); i >= 0 {
		msg = msg[:i]
	}
	rest, ok := strings.CutPrefix(msg, chunk+" ")
	if !ok {
		return msg
	}
	line := "1"
	near := ""
	if strings.HasPrefix(rest, "line:") {
		end := strings.IndexByte(rest, '(')
		if end > 5 {
			line = rest[5:end]
		}
		if i := strings.Index(rest, "near '"); i >= 0 {
			j := strings.Index(rest[i+6:], "'")
			if j >= 0 {
				near = rest[i+6 : i+6+j]
			}
		}
	} else if strings.HasPrefix(rest, "at EOF") {
		near = "<eof>"
		line = ""
	}
	text := rest
	if i := strings.LastIndex(rest, ":"); i >= 0 {
		text = strings.TrimSpace(rest[i+1:])
	}
	if text == "syntax error" || strings.HasPrefix(text, "Invalid '") && strings.HasSuffix(text, "' token") {
		text = "unexpected symbol"
	}
	if lua51, ok := luaLexErrors[text]; ok {
		if text == "unterminated string" && near != "<eof>" && line != "" {
			// A newline ended the string: Lua 5.1 reports the string's own line
			// (gopher-lua the next one) and the token so far, opening quote
			// included.
			if n, err := strconv.Atoi(line); err == nil && n > 1 {
				line = strconv.Itoa(n - 1)
				near = luaStringQuote(src, n-1, near) + near
			}
		}
		text = lua51
	}
	if line == "" {
		line = "1"
	}
	out := chunk + ":" + line + ": " + text
	if near != "" {
		out += " near '" + near + "'"
	}
	return out
}

// luaStringQuote guesses the quote that opened the unfinished string near on
// line n of src: the one right before it, else the last on the line.
func luaStringQuote(src string, n int, near string) string {
	lines := strings.Split(src, "\n")
	if n < 1 || n > len(lines) {
		return "\""
	}
	l := strings.TrimRight(lines[n-1], "\r")
	if i, j := strings.LastIndex(l, "\""+near), strings.LastIndex(l, "'"+near); i >= 0 || j >= 0 {
		if j > i {
			return "'"
		}
		return "\""
	}
	if strings.LastIndexByte(l, '\'') > strings.LastIndexByte(l, '"') {
		return "'"
	}
	return "\""
}

// EVAL script numkeys [key ...] [arg ...]  (and EVAL_RO)
func evalCommand(c *Client) { c.srv.evalGeneric(c, false) }

// EVALSHA sha1 numkeys [key ...] [arg ...]  (and EVALSHA_RO)
func evalshaCommand(c *Client) { c.srv.evalGeneric(c, true) }

func (s *Server) evalGeneric(c *Client, bySHA bool) {
	// EVAL skips MONITOR's usual feed, which comes after the command ran: Redis feeds
	// it first so that the commands the script runs follow it.
	if len(s.monitors) > 0 {
		s.feedMonitors(c, c.argv)
	}
	// EVALSHA's own checks come before numkeys' (evalShaCommand): a digest that is
	// not 40 characters long cannot match, and EVALSHA cannot be debugged.
	if bySHA && len(c.argv[1]) != 40 {
		c.ReplyError("NOSCRIPT No matching script. Please use EVAL.")
		return
	}
	if bySHA && c.flags&flagLuaDebugSync != 0 && s.script.ldb == nil {
		c.ReplyError("ERR Please use EVAL instead of EVALSHA for debugging")
		return
	}
	numkeys, ok := parseInt(c.argv[2])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	if numkeys > int64(len(c.argv)-3) {
		c.ReplyError("ERR Number of keys can't be greater than number of args")
		return
	} else if numkeys < 0 {
		c.ReplyError("ERR Number of keys can't be negative")
		return
	}
	s.evalEnv()
	if c.flags&flagLuaDebugSync != 0 && s.script.ldb == nil {
		if bySHA {
			c.ReplyError("ERR Please use EVAL instead of EVALSHA for debugging")
			return
		}
		// Redis's evalGenericCommandWithDebugging: the session ends whatever
		// happens to the script.
		defer s.ldbEnd(s.ldbStart(c))
	}
	var sc *evalScript
	var sha string
	if bySHA {
		if len(c.argv[1]) == 40 {
			// Digests match without case; the lookup of a lower-case one (what
			// SCRIPT LOAD returns) allocates nothing.
			sc = s.script.scripts[string(c.argv[1])]
			if sc == nil {
				sc = s.script.scripts[strings.ToLower(string(c.argv[1]))]
			}
		}
		if sc == nil {
			c.ReplyError("NOSCRIPT No matching script. Please use EVAL.")
			return
		}
		sha = sc.sha
	} else {
		sha, sc = s.createScript(c, c.argv[1])
		if sc == nil {
			return
		}
	}
	ro := c.cmd.Flags&FlagReadonly != 0
	keys := c.argv[3 : 3+numkeys]
	args := c.argv[3+numkeys:]
	s.runScript(c, s.script.eval, sc.fn, sha, sc.flags, ro, true, keys, args)
}

// isScript reports whether c is the client redis.call runs commands as (Redis's
// CLIENT_SCRIPT), for the commands that behave differently there.
func (c *Client) isScript() bool { return c == c.srv.script.fake }

// scriptCmdFlags is 7.0's evalGetCommandFlags / fcallGetCommandFlags: the flags
// processCommand checks an EVAL*, FCALL* call with (read-only replica, MISCONF,
// NOREPLICAS, MASTERDOWN, OOM, CLIENT PAUSE WRITE, a transaction's flags). A
// script that declared flags (a shebang, or register_function's flags) counts as
// what it declared; one that did not (or that is not known yet) keeps the
// command's own flags.
func (s *Server) scriptCmdFlags(c *Client, cmd *Command, f CmdFlag) CmdFlag {
	if len(c.argv) < 2 {
		return f
	}
	var sf scriptFlags
	switch cmd.Name {
	case "fcall", "fcall_ro":
		fn := s.lookupFunction(c.argv[1])
		if fn == nil {
			return f
		}
		sf = fn.flags
	case "evalsha", "evalsha_ro":
		if len(c.argv[1]) != 40 {
			return f
		}
		sc := s.script.scripts[string(c.argv[1])]
		if sc == nil {
			sc = s.script.scripts[strings.ToLower(string(c.argv[1]))]
		}
		if sc == nil {
			return f
		}
		sf = sc.flags
	case "eval", "eval_ro":
		// The flags come from the body alone: no need to hash it to find the
		// cached script. A body without a shebang is an EVAL-compatible script.
		if !bytes.HasPrefix(c.argv[1], []byte("#!")) {
			return f
		}
		var errMsg string
		if sf, _, errMsg = parseShebang(c.argv[1]); errMsg != "" {
			return f
		}
	default:
		return f
	}
	if sf&scriptEvalCompat != 0 {
		return f
	}
	// Redis's scriptFlagsToCmdFlags.
	f &^= FlagStale | FlagDenyOOM | FlagWrite | FlagMayReplicate
	if sf&(scriptAllowOOM|scriptNoWrites) == 0 {
		f |= FlagDenyOOM
	}
	if sf&scriptNoWrites == 0 {
		f |= FlagWrite
	}
	if sf&scriptAllowStale != 0 {
		f |= FlagStale
	}
	return f
}

// scriptPrepare is the state check of 7.0's scriptPrepareForRun, in its order and
// with its messages: most of it was already done by processCommand with the
// script's flags (scriptCmdFlags), and is reached here when the state changed in
// between (a queued EVAL run by EXEC) or for the _ro variants.
func (s *Server) scriptPrepare(c *Client, flags scriptFlags, ro bool) string {
	rs := &s.replica
	stale := rs.host != "" && rs.state != replLinkUp && !s.cfg.ReplicaServeStaleData
	if flags&scriptEvalCompat != 0 {
		if stale {
			return "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
		}
		return ""
	}
	if flags&scriptNoCluster != 0 && s.cfg.ClusterEnabled {
		return "ERR Can not run script on cluster, 'no-cluster' flag is set."
	}
	if stale && flags&scriptAllowStale == 0 {
		return "MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script."
	}
	if flags&scriptNoWrites == 0 {
		obey := c.mustObey()
		if rs.host != "" && s.cfg.ReplicaReadOnly && !obey {
			return "READONLY Can not run script with write flag on readonly replica"
		}
		if !obey {
			if s.persist.lastBgsaveErr && s.cfg.StopWritesOnBgsaveError && len(s.cfg.Save) > 0 {
				return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts."
			}
			if err := s.aofWriteError(); err != nil {
				return "MISCONF Redis is configured to persist data to AOF, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts. AOF error: " + aofStrerror(err)
			}
		}
		if ro {
			return "ERR Can not execute a script with write flag using *_ro command."
		}
		if rs.host == "" && s.cfg.MinReplicasMaxLag != 0 && s.cfg.MinReplicasToWrite != 0 && s.repl.goodReplicas < s.cfg.MinReplicasToWrite {
			return errNoReplicas
		}
	}
	if s.evict.lastOOM && s.cfg.MaxMemory > 0 && flags&(scriptAllowOOM|scriptNoWrites) == 0 {
		return "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'"
	}
	return ""
}

// runScript runs fn for c (Redis's scriptPrepareForRun + luaCallFunction +
// scriptResetRun).
func (s *Server) runScript(c *Client, e *luaEnv, fn *lua.LFunction, name string, flags scriptFlags, ro, eval bool, keys, args [][]byte) {
	if msg := s.scriptPrepare(c, flags, ro); msg != "" {
		c.ReplyError(msg)
		return
	}
	fake := s.script.fake
	if fake == nil {
		fake = &Client{srv: s, fd: -1, flags: flagDenyBlocking | flagAuthenticated, addr: "lua", user: "default", proto: 2}
		s.script.fake = fake
	}
	fake.db = c.db
	fake.proto = 2
	fake.user = c.user
	fake.aclUser = c.aclUser
	// One scriptRun serves every run (scripts cannot nest; the check is for
	// safety), keeping its props' storage.
	run := &s.script.runBuf
	if s.script.run != nil {
		run = new(scriptRun)
	}
	clear(run.props)
	*run = scriptRun{
		props:  run.props[:0],
		caller: c, fake: fake, env: e, name: name, eval: eval,
		readOnly: ro || (flags&scriptEvalCompat == 0 && flags&scriptNoWrites != 0),
		allowOOM: flags&scriptEvalCompat == 0 && flags&scriptAllowOOM != 0,
		oomStart: s.evict.lastOOM,
		repl:     replAOF | replReplica,
		start:    s.cmdStart, // the EVAL's own start (call), read a moment ago
		slot:     -1,
		// Redis 7.0 lets scripts without a shebang access keys of several slots.
		allowCrossSlot: flags&(scriptEvalCompat|scriptAllowCrossSlot) != 0,
	}
	if s.cfg.ClusterEnabled && len(keys) > 0 {
		run.slot = slots.Slot(keys[0])
	}
	run.lastPoll = run.start
	L := e.L
	// Capture the writes the script's commands propagate; they go out together once
	// it returns.
	prop, prevCapturing := s.propagate, s.script.capturing
	if prop != nil {
		// One closure per server, made on first use, capturing into the run
		// named by s.script.capturing.
		if s.script.capture == nil {
			s.script.capture = func(db int, argv [][]byte) {
				if len(argv) == 1 && (eqFold(argv[0], "multi") || eqFold(argv[0], "exec")) {
					return
				}
				if r := s.script.capturing; r != nil && r.repl != replNone {
					r.props = append(r.props, scriptEffect{db: db, argv: copyArgv(argv), target: r.repl})
				}
			}
		}
		s.script.capturing = run
		s.propagate = s.script.capture
	}
	e.run, s.script.run = run, run
	e.pcallBases = e.pcallBases[:0]
	s.script.numCalls++
	// A debugging session replaces the busy hook with the debugger's line hook
	// (Redis's luaCallFunction installs one or the other).
	d := s.script.ldb
	if d != nil && (!eval || d.c != c) {
		d = nil
	}
	hooked := d != nil || s.cfg.BusyReplyThreshold > 0
	if d != nil {
		d.hook = ldbHook{e: e, d: d, count: ldbCountPeriod, frames: d.hook.frames[:0]}
		L.SetContext(&d.hook)
	} else if hooked {
		e.hook.reset()
		s.script.mem.start()
		L.SetContext(&e.hook)
	}
	L.Push(fn)
	nargs := 0
	if eval {
		e.globals.RawSetString("KEYS", scriptArray(L, &e.keysT, keys))
		e.globals.RawSetString("ARGV", scriptArray(L, &e.argvT, args))
	} else {
		// A function may keep its arguments (in an upvalue of its library), so
		// each call gets tables of its own.
		L.Push(luaArray(L, keys))
		L.Push(luaArray(L, args))
		nargs = 2
	}
	err := L.PCall(nargs, 1, e.runHandler)
	if hooked {
		L.RemoveContext()
		e.hook.release()
	}
	// setfenv(0, t) replaces the thread's globals: undo it for the next script.
	L.Env = e.gproxy
	L.G.Global = e.gproxy
	if err != nil {
		obj := err.(*lua.ApiError).Object
		if t, ok := obj.(*lua.LTable); ok {
			info := extractErrInfo(t)
			msg := "-" + info.msg
			if info.hasPos {
				msg += " script: " + name + ", on " + info.source + ":" + info.line + "."
			}
			s.replyScriptError(c, msg, !info.ignoreStats)
		} else {
			// The error handler itself failed: on a stack overflow there is no room
			// left to run it. Lua 5.1 keeps spare stack for it, so Redis still reports
			// the position, which the message carries.
			msg := luaToString(obj)
			if i := strings.IndexByte(msg, '\n'); i >= 0 {
				msg = msg[:i]
			}
			if src, line, ok := errorPosition(msg); ok {
				s.replyScriptError(c, "-ERR "+msg+" script: "+name+", on @"+src+":"+line+".", true)
			} else {
				s.replyScriptError(c, "-ERR Error running script "+name+", "+truncate(msg, 100), true)
			}
		}
	} else {
		v := L.Get(-1)
		L.Pop(1)
		s.replyLua(c, fake.proto, v, 0)
	}
	L.SetTop(0)
	e.run, s.script.run = nil, nil
	if run.timedOut {
		s.exitScriptBusy(run)
	}
	fake.argv = nil
	// The script itself never propagates (Redis's preventCommandPropagation): its
	// effects do, wrapped in MULTI/EXEC when there are several.
	c.flags |= flagNoPropagate
	if prop != nil {
		s.propagate = prop
		s.script.capturing = prevCapturing
		// Each effect goes to the sinks redis.set_repl named when it ran; only
		// those that reach a sink count for the MULTI/EXEC wrapping, which goes
		// to both (Redis's alsoPropagate and propagatePendingCommands).
		ops := run.props[:0]
		for _, op := range run.props {
			if s.propagates(op.target) {
				ops = append(ops, op)
			}
		}
		if len(ops) > 1 {
			prop(ops[0].db, [][]byte{[]byte("MULTI")})
		}
		for _, op := range ops {
			if op.target == replAOF|replReplica {
				prop(op.db, op.argv)
			} else {
				s.propagateTo(op.db, op.argv, op.target)
			}
		}
		if len(ops) > 1 {
			prop(ops[len(ops)-1].db, [][]byte{[]byte("EXEC")})
		}
	}
	// Hold on to no client or command copies until the next run.
	clear(run.props)
	*run = scriptRun{props: run.props[:0]}
}

// errorPosition reads the "chunk:line:" prefix of a Lua error message.
func errorPosition(msg string) (src, line string, ok bool) {
	for _, chunk := range []string{"user_script:", "user_function:"} {
		if rest, found := strings.CutPrefix(msg, chunk); found {
			if i := strings.IndexByte(rest, ':'); i > 0 {
				if _, err := strconv.Atoi(rest[:i]); err == nil {
					return chunk[:len(chunk)-1], rest[:i], true
				}
			}
		}
	}
	return "", "", false
}

// luaArray makes a Lua array of strings (KEYS, ARGV).
func luaArray(L *lua.LState, items [][]byte) *lua.LTable {
	t := L.CreateTable(luaArraySize(len(items)), 0)
	for i, it := range items {
		t.RawSetInt(i+1, lua.LString(it))
	}
	return t
}

// scriptArray fills *cached with items for an EVAL, reusing the table of the
// previous run when it still holds exactly its items: an EVAL script cannot keep a
// reference past its run (globals and library tables are read-only, the chunk's
// locals die with it), so only what the script did to the table itself matters —
// a metatable, keys added past its items, or an array or hash part of another
// size than a new table's (its next order and # would differ), make a new one.
// Entries it replaced or removed are all overwritten.
func scriptArray(L *lua.LState, cached **lua.LTable, items [][]byte) *lua.LTable {
	t := *cached
	if t == nil || t.Metatable != lua.LNil || t.ArraySize() != luaArraySize(len(items)) || t.NodeSize() != 0 || !endsAt(t, len(items)) {
		t = L.CreateTable(luaArraySize(len(items)), 0)
		*cached = t
	}
	for i, it := range items {
		t.RawSetInt(i+1, lua.LString(it))
	}
	return t
}

// luaArraySize is the size of the array part of the table Redis's
// luaCreateArray makes for n items: lua_newtable, then lua_rawseti of 1..n,
// which grows it by rehashes to the power of two at or above n, with no
// hash part. A table created with that size and filled holds its items
// where Redis's does (internal/third_party/gopher-lua/KEYGRID.md, change 15).
func luaArraySize(n int) int {
	if n == 0 {
		return 0
	}
	return 1 << bits.Len(uint(n-1))
}

// endsAt reports whether t has no key after the array index n.
func endsAt(t *lua.LTable, n int) bool {
	var k lua.LValue = lua.LNil
	if n > 0 {
		k = lua.LNumber(n)
	}
	next, _ := t.Next(k)
	return next == lua.LNil
}

// redisCall is redis.call (raise) and redis.pcall (Redis's luaRedisGenericCommand).
func (e *luaEnv) redisCall(L *lua.LState, raise bool) int {
	run := e.run
	if run == nil {
		raiseRedisError(L, "redis.call/pcall can only be called inside a script invocation")
	}
	argv, msg := luaArgs(L, e.argvBuf)
	d := e.s.script.ldb
	if msg != "" {
		if d != nil {
			d.logError(msg)
		}
		t := luaErrorTable(L, msg)
		if raise {
			L.Error(t, 0)
		}
		L.Push(t)
		return 1
	}
	if cap(argv) <= 64 {
		e.argvBuf = argv
	}
	s := e.s
	fake := run.fake
	fake.out = fake.out[:0]
	if d != nil && d.step {
		d.logCommand(argv)
	}
	if errMsg := s.scriptCall(run, argv); errMsg != "" {
		if d != nil {
			d.logError(errMsg)
		}
		t := luaErrorTable(L, errMsg)
		t.RawSetString("ignore_error_stats_update", lua.LTrue)
		if raise {
			L.Error(t, 0)
		}
		L.Push(t)
		return 1
	}
	out := fake.out
	v, _ := respToLua(L, out)
	if d != nil && d.step {
		d.logReply(out)
	}
	if cap(fake.out) > 64*1024 {
		fake.out = nil
	} else {
		fake.out = fake.out[:0]
	}
	if raise && len(out) > 0 && out[0] == '-' {
		L.Error(v, 0)
	}
	L.Push(v)
	return 1
}

// scriptCall runs one command for a script (Redis's scriptCall). It returns the
// reason the command was refused, "" when it ran (its reply is in the fake client).
func (s *Server) scriptCall(run *scriptRun, argv [][]byte) string {
	fake := run.fake
	fake.argv = argv
	cmd := s.commands.Lookup(argv[0])
	if cmd != nil && len(cmd.Subs) > 0 && len(argv) >= 2 {
		cmd = cmd.LookupSub(argv[1])
	}
	if cmd == nil {
		return s.scriptReject(nil, "Unknown Redis command called from script")
	}
	fake.cmd = cmd
	if (cmd.Arity > 0 && cmd.Arity != len(argv)) || len(argv) < -cmd.Arity {
		return s.scriptReject(cmd, "Wrong number of args calling Redis command from script")
	}
	if cmd.Flags&FlagNoScript != 0 && !s.script.denyDisabled {
		return s.scriptReject(cmd, "This Redis command is not allowed from script")
	}
	// A stale replica (link down, replica-serve-stale-data no) runs only the
	// commands flagged stale, even for a script flagged allow-stale (Redis's
	// scriptVerifyAllowStale).
	if rs := &s.replica; rs.host != "" && rs.state != replLinkUp && !s.cfg.ReplicaServeStaleData && cmd.Flags&FlagStale == 0 {
		return s.scriptReject(cmd, "Can not execute the command on a stale replica")
	}
	// The script runs with its caller's ACL permissions (acl.go).
	if denied := s.aclCheckCommand(run.caller, cmd, argv); denied != "" {
		return s.scriptReject(cmd, denied)
	}
	if run.readOnly && cmd.Flags&(FlagWrite|FlagMayReplicate) != 0 {
		return s.scriptReject(cmd, "Write commands are not allowed from read-only scripts.")
	}
	// Writes are refused while the data cannot be persisted, unless the script
	// already wrote (it cannot be stopped half way). The caller stands for the
	// script: the checks let socketless clients through.
	if cmd.Flags&FlagWrite != 0 && !run.dirty {
		// 7.0's scriptVerifyWriteCommandAllow, in its order: read-only replica,
		// disk errors, min-replicas.
		if s.replica.host != "" && s.cfg.ReplicaReadOnly && !run.caller.mustObey() {
			return s.scriptReject(cmd, "-READONLY You can't write against a read only replica.")
		}
		if msg := s.rdbDenyWrites(run.caller, cmd); msg != "" {
			return s.scriptReject(cmd, "-"+msg)
		}
		if msg := s.aofDenyWrites(run.caller, cmd); msg != "" {
			return s.scriptReject(cmd, "-"+msg)
		}
		if s.replica.host == "" && s.cfg.MinReplicasMaxLag != 0 && s.cfg.MinReplicasToWrite != 0 && s.repl.goodReplicas < s.cfg.MinReplicasToWrite {
			return s.scriptReject(cmd, "-"+errNoReplicas)
		}
	}
	if !run.allowOOM && s.cfg.MaxMemory > 0 && !run.dirty && run.oomStart && cmd.Flags&FlagDenyOOM != 0 {
		return s.scriptReject(cmd, "-"+ErrOOM)
	}
	if cmd.Flags&FlagWrite != 0 {
		run.dirty = true
	}
	if s.cfg.ClusterEnabled {
		if msg := s.scriptClusterCheck(run, cmd, argv); msg != "" {
			return s.scriptReject(cmd, msg)
		}
	}
	s.cmdStart = s.monoNow()
	s.call(fake, cmd)
	return ""
}

// scriptClusterCheck is Redis's scriptVerifyClusterState: in cluster mode a script
// may only touch keys this node serves, and, unless it declared
// allow-cross-slot-keys (or has no shebang), only keys of one slot, the slot of the
// keys it was called with.
func (s *Server) scriptClusterCheck(run *scriptRun, cmd *Command, argv [][]byte) string {
	fake := run.fake
	fake.clusterFlags = run.caller.clusterFlags & (clientReadonly | clientAsking)
	if msg := s.clusterRouteError(fake, cmd, fake.clusterFlags&clientAsking != 0); msg != "" {
		switch {
		case msg == errClusterDownRO:
			return "Script attempted to execute a write command while the cluster is down and readonly"
		case strings.HasPrefix(msg, "CLUSTERDOWN The cluster is down"):
			return "Script attempted to execute a command while the cluster is down"
		}
		return "Script attempted to access a non local key in a cluster node"
	}
	if run.allowCrossSlot {
		return ""
	}
	for _, pos := range routeKeys(cmd, argv) {
		slot := slots.Slot(argv[pos])
		if run.slot < 0 {
			run.slot = slot
		} else if run.slot != slot {
			return "Script attempted to access keys that do not hash to the same slot"
		}
	}
	return ""
}

// scriptReject counts a command a script may not run, as Redis's afterErrorReply and
// incrCommandStatsOnError do for it.
func (s *Server) scriptReject(cmd *Command, msg string) string {
	if cmd != nil {
		cmd.stats.Rejected++
	}
	code := "ERR"
	if strings.HasPrefix(msg, "-") {
		if i := strings.IndexByte(msg, ' '); i > 0 {
			code = msg[1:i]
		}
	}
	s.countError(code, cmd)
	// The rejection is this command's (rejected_calls), not the script's: the
	// script fails only if its own reply is an error (Redis's
	// incrCommandStatsOnError moves its error mark here too).
	s.errMark = s.stats.errorReplies
	return msg
}

// --- SCRIPT -----------------------------------------------------------------------------

// SCRIPT EXISTS sha1 [sha1 ...]
func scriptExistsCommand(c *Client) {
	s := c.srv
	c.ReplyArray(len(c.argv) - 2)
	for _, a := range c.argv[2:] {
		// Digests compare without case, as Redis's script dictionary keys do.
		if s.script.scripts[strings.ToLower(string(a))] != nil {
			c.ReplyInt(1)
		} else {
			c.ReplyInt(0)
		}
	}
}

// SCRIPT FLUSH [ASYNC|SYNC]
func scriptFlushCommand(c *Client) {
	switch {
	case len(c.argv) == 2:
	case len(c.argv) == 3 && (eqFold(c.argv[2], "sync") || eqFold(c.argv[2], "async")):
	default:
		c.ReplyError("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
		return
	}
	// A fresh interpreter, as Redis's scriptingReset: globals a script managed to
	// leave behind go too. Freeing is the garbage collector's job either way.
	s := c.srv
	if c.flushIsAsync() {
		s.lazyfreeTable(len(s.script.scripts))
	}
	s.script.eval = nil
	s.script.scripts = nil
	s.script.scriptsMem = 0
	c.ReplyOK()
}

// SCRIPT LOAD script
func scriptLoadCommand(c *Client) {
	sha, sc := c.srv.createScript(c, c.argv[2])
	if sc == nil {
		return
	}
	c.ReplyBulkString(sha)
}

// SCRIPT KILL
func scriptKillCommand(c *Client) { c.srv.scriptKill(c, true) }

// SCRIPT DEBUG YES|SYNC|NO
//
// SYNC runs the client's next EVAL in the Lua debugger (script_ldb.go); YES, a
// forked session whose writes are discarded, needs fork and is refused.
func scriptDebugCommand(c *Client) {
	if len(c.out) > c.sent {
		c.ReplyError("ERR SCRIPT DEBUG must be called outside a pipeline")
		return
	}
	switch {
	case eqFold(c.argv[2], "no"):
		c.flags &^= flagLuaDebugSync
		c.ReplyOK()
	case eqFold(c.argv[2], "sync"):
		if c.flags&flagTLS != 0 {
			// The debugger talks to the socket directly, under the TLS layer.
			c.ReplyError("ERR SCRIPT DEBUG SYNC is not supported over TLS by keygrid")
			return
		}
		c.flags |= flagLuaDebugSync
		c.ReplyOK()
	case eqFold(c.argv[2], "yes"):
		c.ReplyError("ERR SCRIPT DEBUG YES (a forked debugging session) is not supported by keygrid: use SCRIPT DEBUG SYNC")
	default:
		c.ReplyError("ERR Use SCRIPT DEBUG YES/SYNC/NO")
	}
}

// SCRIPT HELP
func scriptHelpCommand(c *Client) {
	c.replyHelp([]string{
		"DEBUG (YES|SYNC|NO)",
		"    Set the debug mode for subsequent scripts executed.",
		"EXISTS <sha1> [<sha1> ...]",
		"    Return information about the existence of the scripts in the script cache.",
		"FLUSH [ASYNC|SYNC]",
		"    Flush the Lua scripts cache. Very dangerous on replicas.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the scripts cache.",
		"    * SYNC: Synchronously flush the scripts cache.",
		"KILL",
		"    Kill the currently executing Lua script.",
		"LOAD <script>",
		"    Load a script into the scripts cache without executing it.",
	})
}
