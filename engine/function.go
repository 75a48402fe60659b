package engine

// Redis 7.0 functions (functions.c, function_lua.c): FUNCTION LOAD | LIST | DELETE |
// FLUSH | DUMP | RESTORE | STATS | KILL | HELP, FCALL and FCALL_RO.
//
// Libraries live in their own interpreter. Loading one runs its code with a globals
// view that holds only a reduced redis table (register_function, log, the LOG_*
// levels and the version); the functions it registers later run with the full API,
// because the global proxy's __index is switched between the two views rather than
// the code getting an environment of its own: closures created while loading keep
// the proxy, and see whatever it points to when they run.

import (
	"bytes"
	"encoding/binary"
	"sort"
	"strings"
	"time"

	"github.com/keygrid/keygrid/engine/glob"
	"github.com/keygrid/keygrid/engine/rdb"
	"github.com/keygrid/keygrid/engine/resp"
	lua "github.com/yuin/gopher-lua"
)

var functionCommands = []*Command{
	{Name: "fcall", Arity: -3, Flags: FlagNoScript | FlagStale | FlagSkipMonitor | FlagNoMandatoryKeys | FlagMayReplicate, Cats: CatScripting, Keys: evalKeys,
		KeySpecs: []KeySpec{{Notes: "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE", Flags: []string{"RW", "access", "update"}, Index: 2, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}},
		Group:    "scripting", Since: "7.0.0", Complexity: "Depends on the function that is executed.",
		Summary: "Invoke a function",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "function", Type: "string"},
			{Name: "numkeys", Type: "integer"},
			{Name: "key", Type: "key", KeySpecIndex: 0, Optional: true, Multiple: true},
			{Name: "arg", Type: "string", Optional: true, Multiple: true},
		}},
		Proc: fcallCommand,
	},
	{Name: "fcall_ro", Arity: -3, Flags: FlagReadonly | FlagNoScript | FlagStale | FlagSkipMonitor | FlagNoMandatoryKeys, Cats: CatScripting, Keys: evalKeys,
		KeySpecs: []KeySpec{{Notes: "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS", Flags: []string{"RO", "access"}, Index: 2, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}},
		Group:    "scripting", Since: "7.0.0", Complexity: "Depends on the function that is executed.",
		Summary: "Invoke a read-only function",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "function", Type: "string"},
			{Name: "numkeys", Type: "integer"},
			{Name: "key", Type: "key", KeySpecIndex: 0, Optional: true, Multiple: true},
			{Name: "arg", Type: "string", Optional: true, Multiple: true},
		}},
		Proc: fcallCommand,
	},
	{Name: "function", Arity: -2,
		Group: "scripting", Since: "7.0.0", Complexity: "Depends on subcommand.",
		Summary: "A container for function commands",
		Subs: []*Command{
			{Name: "delete", Arity: 3, Flags: FlagWrite | FlagNoScript, Cats: CatScripting,
				Group: "scripting", Since: "7.0.0", Complexity: "O(1)",
				Summary: "Delete a function by name",
				Tips:    []string{"request_policy:all_shards", "response_policy:all_succeeded"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "library-name", Type: "string"},
				}},
				Proc: functionDeleteCommand,
			},
			{Name: "dump", Arity: 2, Flags: FlagNoScript, Cats: CatScripting,
				Group: "scripting", Since: "7.0.0", Complexity: "O(N) where N is the number of functions",
				Summary: "Dump all functions into a serialized binary payload",
				Proc:    functionDumpCommand,
			},
			{Name: "flush", Arity: -2, Flags: FlagWrite | FlagNoScript, Cats: CatScripting,
				Group: "scripting", Since: "7.0.0", Complexity: "O(N) where N is the number of functions deleted",
				Summary: "Deleting all functions",
				Tips:    []string{"request_policy:all_shards", "response_policy:all_succeeded"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "async", Type: "oneof", Optional: true, Args: []Arg{
						{Name: "async", Type: "pure-token", Token: "ASYNC"},
						{Name: "sync", Type: "pure-token", Token: "SYNC"},
					}},
				}},
				Proc: functionFlushCommand,
			},
			{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, Cats: CatScripting,
				Group: "scripting", Since: "7.0.0", Complexity: "O(1)",
				Summary: "Show helpful text about the different subcommands",
				Proc:    functionHelpCommand,
			},
			{Name: "kill", Arity: 2, Flags: FlagNoScript | FlagAllowBusy, Cats: CatScripting,
				Group: "scripting", Since: "7.0.0", Complexity: "O(1)",
				Summary: "Kill the function currently in execution.",
				Tips:    []string{"request_policy:all_shards", "response_policy:one_succeeded"},
				Proc:    functionKillCommand,
			},
			{Name: "list", Arity: -2, Flags: FlagNoScript, Cats: CatScripting,
				Group: "scripting", Since: "7.0.0", Complexity: "O(N) where N is the number of functions",
				Summary: "List information about all the functions",
				Tips:    []string{"nondeterministic_output_order"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "library-name-pattern", Type: "string", Token: "LIBRARYNAME", Optional: true},
					{Name: "withcode", Type: "pure-token", Token: "WITHCODE", Optional: true},
				}},
				Proc: functionListCommand,
			},
			{Name: "load", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagNoScript, Cats: CatScripting,
				Group: "scripting", Since: "7.0.0", Complexity: "O(1) (considering compilation time is redundant)",
				Summary: "Create a function with the given arguments (name, code, description)",
				Tips:    []string{"request_policy:all_shards", "response_policy:all_succeeded"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "replace", Type: "pure-token", Token: "REPLACE", Optional: true},
					{Name: "function-code", Type: "string"},
				}},
				Proc: functionLoadCommand,
			},
			{Name: "restore", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagNoScript, Cats: CatScripting,
				Group: "scripting", Since: "7.0.0", Complexity: "O(N) where N is the number of functions on the payload",
				Summary: "Restore all the functions on the given payload",
				Tips:    []string{"request_policy:all_shards", "response_policy:all_succeeded"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "serialized-value", Type: "string"},
					{Name: "policy", Type: "oneof", Optional: true, Args: []Arg{
						{Name: "flush", Type: "pure-token", Token: "FLUSH"},
						{Name: "append", Type: "pure-token", Token: "APPEND"},
						{Name: "replace", Type: "pure-token", Token: "REPLACE"},
					}},
				}},
				Proc: functionRestoreCommand,
			},
			{Name: "stats", Arity: 2, Flags: FlagNoScript | FlagAllowBusy, Cats: CatScripting,
				Group: "scripting", Since: "7.0.0", Complexity: "O(1)",
				Summary: "Return information about the function currently running (name, description, duration)",
				Tips:    []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"},
				Proc:    functionStatsCommand,
			},
		},
	},
}

// fnLibrary is one loaded library.
type fnLibrary struct {
	name string
	code string // the whole payload, shebang included (FUNCTION LIST WITHCODE, DUMP)
	fns  []*fnFunction
}

// fnFunction is one registered function.
type fnFunction struct {
	name    string
	desc    string
	hasDesc bool
	flags   scriptFlags
	fn      *lua.LFunction
	lib     *fnLibrary
}

// functionsState is the set of libraries and their interpreter.
type functionsState struct {
	env  *luaEnv
	libs map[string]*fnLibrary
	fns  map[string]*fnFunction // by fnKey: lower-cased name
	// loadReplace lets a library read from an RDB replace a loaded one of the
	// same name (DEBUG RELOAD MERGE, Redis's RDBFLAGS_ALLOW_DUP).
	loadReplace bool
	// libAPI is the globals view while a library loads; runAPI the normal one.
	libAPI, runAPI *lua.LTable
	// loading collects what register_function registers during a load.
	loading *fnLibrary
	// loadStart is when the load began (its code may run for 500 ms at most).
	loadStart time.Duration
}

// libraryLoadTimeout is Redis's LOAD_TIMEOUT_MS.
const libraryLoadTimeout = 500 * time.Millisecond

func (s *Server) functionsEnv() *luaEnv {
	fs := &s.script.fn
	if fs.env == nil {
		e := newLuaEnv(s, true)
		fs.env = e
		if fs.libs == nil {
			fs.libs = make(map[string]*fnLibrary)
			fs.fns = make(map[string]*fnFunction)
		}
		mt := e.gproxy.Metatable.(*lua.LTable)
		fs.runAPI = mt.RawGetString("__index").(*lua.LTable)
		// The loading view: only a reduced redis table.
		L := e.L
		red := L.NewTable()
		full := e.real(e.globals.RawGetString("redis").(*lua.LTable))
		for _, k := range []string{"register_function", "log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING", "REDIS_VERSION", "REDIS_VERSION_NUM"} {
			red.RawSetString(k, full.RawGetString(k))
		}
		full.RawSetString("register_function", lua.LNil)
		red.Metatable = e.globals.Metatable // a missing field is an error, as a missing global
		api := L.NewTable()
		api.RawSetString("redis", e.protectValue(red))
		api.Metatable = e.globals.Metatable // the nonexistent-global error
		fs.libAPI = api
	}
	return fs.env
}

func (s *Server) numFunctions() int { return len(s.script.fn.fns) }

// functionsMemory estimates FUNCTION's memory (INFO used_memory_functions).
func (s *Server) functionsMemory() int64 {
	n := int64(200)
	for _, l := range s.script.fn.libs {
		n += int64(len(l.code)+len(l.name)) + 64
		for _, f := range l.fns {
			n += int64(len(f.name)+len(f.desc)) + 64
		}
	}
	return n
}

// validName is Redis's functionsVerifyName: letters, digits and underscores.
func validName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

const errNameChars = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

// parseLibraryMeta reads "#!<engine> name=<lib>" (Redis's functionExtractLibMetaData).
func parseLibraryMeta(code string) (engine, name, body, err string) {
	if !strings.HasPrefix(code, "#!") {
		return "", "", "", "Missing library metadata"
	}
	end := strings.IndexByte(code, '\n')
	if end < 0 {
		return "", "", "", "Invalid library metadata"
	}
	parts, ok := splitArgsString(code[:end])
	if !ok || len(parts) == 0 {
		return "", "", "", "Invalid library metadata"
	}
	engine = parts[0][2:]
	for _, p := range parts[1:] {
		if len(p) >= 5 && strings.EqualFold(p[:5], "name=") {
			if name != "" {
				return "", "", "", "Invalid metadata value, name argument was given multiple times"
			}
			name = p[5:]
			continue
		}
		return "", "", "", "Invalid metadata value given: " + p
	}
	if name == "" {
		return "", "", "", "Library name was not given"
	}
	return engine, name, code[end:], ""
}

func splitArgsString(line string) ([]string, bool) {
	parts, ok := resp.SplitArgs([]byte(line), nil, new([]byte))
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = string(p)
	}
	return out, ok
}

// createLibrary compiles and runs a library's code, collecting its functions (Redis's
// functionsCreateWithLibraryCtx without the linking). timeout 0 means none.
func (s *Server) createLibrary(code string, timeout time.Duration) (*fnLibrary, string) {
	engine, name, body, errMsg := parseLibraryMeta(code)
	if errMsg != "" {
		return nil, errMsg
	}
	if !validName(name) {
		return nil, errNameChars
	}
	if !strings.EqualFold(engine, "lua") {
		return nil, "Engine '" + engine + "' not found"
	}
	e := s.functionsEnv()
	fs := &s.script.fn
	L := e.L
	fn, msg, bad := lua51Load(L, body, "user_function", "user_function", 0)
	if bad {
		return nil, "Error compiling function: " + msg // Lua 5.1's words (script_parse51.go)
	}
	lib := &fnLibrary{name: name, code: code}
	mt := e.gproxy.Metatable.(*lua.LTable)
	mt.RawSetString("__index", fs.libAPI)
	fs.loading = lib
	fs.loadStart = s.monoNow()
	if timeout > 0 {
		e.hook.reset()
		L.SetContext(&e.hook)
	}
	L.Push(fn)
	perr := L.PCall(0, 0, nil)
	timedOut := false
	if timeout > 0 {
		L.RemoveContext()
		timedOut = e.hook.done != nil
		e.hook.release()
	}
	fs.loading = nil
	mt.RawSetString("__index", fs.runAPI)
	L.Env, L.G.Global = e.gproxy, e.gproxy
	L.SetTop(0)
	if perr != nil {
		obj := perr.(*lua.ApiError).Object
		msg := ""
		if t, ok := obj.(*lua.LTable); ok {
			msg = extractErrInfo(t).msg
		} else {
			msg = "ERR " + luaToString(obj)
		}
		if timedOut {
			msg = "ERR FUNCTION LOAD timeout"
		}
		return nil, "Error registering functions: " + msg
	}
	if len(lib.fns) == 0 {
		return nil, "No functions registered"
	}
	return lib, ""
}

// loadLibraryTimedOut is the hook's check while a library loads.
func (s *Server) loadLibraryTimedOut() bool {
	fs := &s.script.fn
	return fs.loading != nil && s.monoNow()-fs.loadStart > libraryLoadTimeout
}

// registerFunction is redis.register_function(name, fn) or ({function_name=...,
// callback=..., flags={...}, description=...}).
func (e *luaEnv) registerFunction(L *lua.LState) int {
	fs := &e.s.script.fn
	lib := fs.loading
	if lib == nil {
		raiseRedisError(L, "redis.register_function can only be called on FUNCTION LOAD command")
	}
	argc := L.GetTop()
	if argc < 1 || argc > 2 {
		raiseRedisError(L, "wrong number of arguments to redis.register_function")
	}
	f := &fnFunction{lib: lib}
	if argc == 2 {
		name, ok := luaStringArg(L.Get(1))
		if !ok {
			raiseRedisError(L, "first argument to redis.register_function must be a string")
		}
		cb, ok := L.Get(2).(*lua.LFunction)
		if !ok {
			raiseRedisError(L, "second argument to redis.register_function must be a function")
		}
		f.name, f.fn = name, cb
	} else {
		t, ok := L.Get(1).(*lua.LTable)
		if !ok {
			raiseRedisError(L, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).")
		}
		var errMsg string
		t.ForEach(func(k, v lua.LValue) {
			if errMsg != "" {
				return
			}
			key, ok := luaStringArg(k)
			if !ok {
				errMsg = "named argument key given to redis.register_function is not a string"
				return
			}
			switch strings.ToLower(key) {
			case "function_name":
				if f.name, ok = luaStringArg(v); !ok {
					errMsg = "function_name argument given to redis.register_function must be a string"
				}
			case "description":
				if f.desc, ok = luaStringArg(v); !ok {
					errMsg = "description argument given to redis.register_function must be a string"
				}
				f.hasDesc = true
			case "callback":
				if f.fn, ok = v.(*lua.LFunction); !ok {
					errMsg = "callback argument given to redis.register_function must be a function"
				}
			case "flags":
				ft, ok := v.(*lua.LTable)
				if !ok {
					errMsg = "flags argument to redis.register_function must be a table representing function flags"
					return
				}
				for i := 1; ; i++ {
					fv := ft.RawGetInt(i)
					if fv == lua.LNil {
						break
					}
					fl, ok := luaStringArg(fv)
					found := false
					for _, n := range scriptFlagNames {
						if ok && strings.EqualFold(n.name, fl) {
							f.flags |= n.f
							found = true
						}
					}
					if !found {
						errMsg = "unknown flag given"
						return
					}
				}
			default:
				errMsg = "unknown argument given to redis.register_function"
			}
		})
		if errMsg == "" && f.name == "" {
			errMsg = "redis.register_function must get a function name argument"
		}
		if errMsg == "" && f.fn == nil {
			errMsg = "redis.register_function must get a callback argument"
		}
		if errMsg != "" {
			raiseRedisError(L, errMsg)
		}
	}
	if !validName(f.name) {
		raiseRedisError(L, errNameChars)
	}
	for _, o := range lib.fns {
		// Case-sensitive here, as Redis's per-library dict: 'x' and 'X' may
		// share a library (FCALL finds the first registered).
		if o.name == f.name {
			raiseRedisError(L, "Function already exists in the library")
		}
	}
	lib.fns = append(lib.fns, f)
	return 0
}

// luaStringArg is lua_isstring + lua_tostring: strings and numbers.
func luaStringArg(v lua.LValue) (string, bool) {
	switch x := v.(type) {
	case lua.LString:
		return string(x), true
	case lua.LNumber:
		return luaNumberString(float64(x)), true
	}
	return "", false
}

// linkLibrary installs lib, replacing the library of the same name when replace is
// set; it fails, changing nothing, when a function name is taken by another library.
func (s *Server) linkLibrary(lib *fnLibrary, replace bool) string {
	fs := &s.script.fn
	old := fs.libs[lib.name]
	if old != nil && !replace {
		return "Library '" + lib.name + "' already exists"
	}
	for _, f := range lib.fns {
		if o := fs.fns[fnKey(f.name)]; o != nil && o.lib != old {
			return "Function " + f.name + " already exists"
		}
	}
	if old != nil {
		s.unlinkLibrary(old)
	}
	fs.libs[lib.name] = lib
	for _, f := range lib.fns {
		if k := fnKey(f.name); fs.fns[k] == nil {
			fs.fns[k] = f // the first of names equal but for case wins (Redis's dictAdd)
		}
	}
	return ""
}

// fnKey is a function's key in functionsState.fns: function names compare without
// ASCII case, as in Redis's functions dict (FCALL TEST runs "test"); library
// names are case-sensitive.
func fnKey(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= 'A' && c <= 'Z' {
			b := []byte(name)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return name
}

// lookupFunction finds a function by name in any case. The exact name is tried
// first: it is the usual case and m[string(b)] does not allocate.
func (s *Server) lookupFunction(name []byte) *fnFunction {
	if f := s.script.fn.fns[string(name)]; f != nil {
		return f
	}
	return s.script.fn.fns[fnKey(string(name))]
}

func (s *Server) unlinkLibrary(lib *fnLibrary) {
	fs := &s.script.fn
	delete(fs.libs, lib.name)
	for _, f := range lib.fns {
		if fs.fns[fnKey(f.name)] == f {
			delete(fs.fns, fnKey(f.name))
		}
	}
}

// FUNCTION LOAD [REPLACE] function-code
func functionLoadCommand(c *Client) {
	replace := false
	i := 2
	for ; i < len(c.argv)-1; i++ {
		if eqFold(c.argv[i], "replace") {
			replace = true
			continue
		}
		c.ReplyError("ERR Unknown option given: " + string(c.argv[i]))
		return
	}
	if i >= len(c.argv) {
		c.ReplyError("ERR Function code is missing")
		return
	}
	s := c.srv
	lib, errMsg := s.createLibrary(string(c.argv[i]), libraryLoadTimeout)
	if errMsg == "" {
		errMsg = s.linkLibrary(lib, replace)
	}
	if errMsg != "" {
		c.ReplyError(errMsg)
		return
	}
	s.dirty++
	c.ReplyBulkString(lib.name)
}

// FCALL function numkeys [key ...] [arg ...]  (and FCALL_RO)
func fcallCommand(c *Client) {
	s := c.srv
	if len(s.monitors) > 0 {
		s.feedMonitors(c, c.argv)
	}
	f := s.lookupFunction(c.argv[1])
	if f == nil {
		c.ReplyError("ERR Function not found")
		return
	}
	numkeys, ok := parseInt(c.argv[2])
	if !ok {
		c.ReplyError("ERR Bad number of keys provided")
		return
	}
	if numkeys > int64(len(c.argv)-3) {
		c.ReplyError("ERR Number of keys can't be greater than number of args")
		return
	} else if numkeys < 0 {
		c.ReplyError("ERR Number of keys can't be negative")
		return
	}
	ro := c.cmd.Flags&FlagReadonly != 0
	s.runScript(c, s.script.fn.env, f.fn, f.name, f.flags, ro, false, c.argv[3:3+numkeys], c.argv[3+numkeys:])
}

// FUNCTION DELETE library-name
func functionDeleteCommand(c *Client) {
	s := c.srv
	lib := s.script.fn.libs[string(c.argv[2])]
	if lib == nil {
		c.ReplyError("ERR Library not found")
		return
	}
	s.unlinkLibrary(lib)
	s.dirty++
	c.ReplyOK()
}

// FUNCTION FLUSH [ASYNC|SYNC]
func functionFlushCommand(c *Client) {
	switch {
	case len(c.argv) == 2:
	case len(c.argv) > 3:
		c.replySubcommandSyntaxError() // Redis checks the count first
		return
	case eqFold(c.argv[2], "sync") || eqFold(c.argv[2], "async"):
	default:
		c.ReplyError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
		return
	}
	s := c.srv
	if c.flushIsAsync() {
		s.lazyfreeTable(len(s.script.fn.fns))
	}
	s.flushFunctions()
	s.dirty++
	c.ReplyOK()
}

// flushFunctions drops every library and starts a fresh interpreter.
func (s *Server) flushFunctions() {
	s.script.fn = functionsState{libs: make(map[string]*fnLibrary), fns: make(map[string]*fnFunction)}
}

// FUNCTION KILL
func functionKillCommand(c *Client) { c.srv.scriptKill(c, false) }

// sortedLibs lists the libraries by name, so replies do not depend on map order.
func (s *Server) sortedLibs() []*fnLibrary {
	libs := make([]*fnLibrary, 0, len(s.script.fn.libs))
	for _, l := range s.script.fn.libs {
		libs = append(libs, l)
	}
	sort.Slice(libs, func(i, j int) bool { return libs[i].name < libs[j].name })
	return libs
}

// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]
func functionListCommand(c *Client) {
	withCode := false
	var pattern []byte
	hasPattern := false
	for i := 2; i < len(c.argv); i++ {
		a := c.argv[i]
		if !withCode && eqFold(a, "withcode") {
			withCode = true
			continue
		}
		if !hasPattern && eqFold(a, "libraryname") {
			if i+1 >= len(c.argv) {
				c.ReplyError("ERR library name argument was not given")
				return
			}
			i++
			pattern, hasPattern = c.argv[i], true
			continue
		}
		c.ReplyError("ERR Unknown argument " + string(a))
		return
	}
	var libs []*fnLibrary
	for _, l := range c.srv.sortedLibs() {
		if hasPattern && !glob.GlobMatch(pattern, []byte(l.name), true) {
			continue
		}
		libs = append(libs, l)
	}
	c.ReplyArray(len(libs))
	for _, l := range libs {
		if withCode {
			c.ReplyMap(4)
		} else {
			c.ReplyMap(3)
		}
		c.ReplyBulkString("library_name")
		c.ReplyBulkString(l.name)
		c.ReplyBulkString("engine")
		c.ReplyBulkString("LUA")
		c.ReplyBulkString("functions")
		c.ReplyArray(len(l.fns))
		for _, f := range l.fns {
			c.ReplyMap(3)
			c.ReplyBulkString("name")
			c.ReplyBulkString(f.name)
			c.ReplyBulkString("description")
			if f.hasDesc {
				c.ReplyBulkString(f.desc)
			} else {
				c.ReplyNull()
			}
			c.ReplyBulkString("flags")
			var names []string
			for _, n := range scriptFlagNames {
				if f.flags&n.f != 0 {
					names = append(names, n.name)
				}
			}
			// Redis replies the flags as status strings in a set.
			c.ReplySet(len(names))
			for _, n := range names {
				c.ReplySimple(n)
			}
		}
		if withCode {
			c.ReplyBulkString("library_code")
			c.ReplyBulkString(l.code)
		}
	}
}

// FUNCTION STATS
func functionStatsCommand(c *Client) {
	s := c.srv
	run := s.script.run
	if run != nil && run.eval {
		c.ReplyError(errBusyEval)
		return
	}
	c.ReplyMap(2)
	c.ReplyBulkString("running_script")
	if run == nil {
		c.ReplyNull()
	} else {
		c.ReplyMap(3)
		c.ReplyBulkString("name")
		c.ReplyBulkString(run.name)
		c.ReplyBulkString("command")
		c.ReplyArray(len(run.caller.argv))
		for _, a := range run.caller.argv {
			c.ReplyBulk(a)
		}
		c.ReplyBulkString("duration_ms")
		c.ReplyInt(int64((s.monoNow() - run.start) / time.Millisecond))
	}
	c.ReplyBulkString("engines")
	c.ReplyMap(1)
	c.ReplyBulkString("LUA")
	c.ReplyMap(2)
	c.ReplyBulkString("libraries_count")
	c.ReplyInt(int64(len(s.script.fn.libs)))
	c.ReplyBulkString("functions_count")
	c.ReplyInt(int64(len(s.script.fn.fns)))
}

// FUNCTION DUMP
//
// The payload is what DUMP makes of a key, with libraries instead of a value: one
// FUNCTION2 opcode and the library code per library, the RDB version (2 bytes,
// little endian) and a CRC64 of everything before it (8 bytes, little endian).
func functionDumpCommand(c *Client) {
	var buf bytes.Buffer
	w := rdb.NewWriter(&buf)
	for _, l := range c.srv.sortedLibs() {
		w.SaveType(rdb.OpFunction2)
		w.SaveString([]byte(l.code))
	}
	w.Flush()
	b := buf.Bytes()
	b = binary.LittleEndian.AppendUint16(b, rdb.Version)
	b = binary.LittleEndian.AppendUint64(b, rdb.CRC64(0, b))
	c.ReplyBulk(b)
}

// FUNCTION RESTORE serialized-value [FLUSH|APPEND|REPLACE]
func functionRestoreCommand(c *Client) {
	if len(c.argv) > 4 {
		c.replySubcommandSyntaxError()
		return
	}
	policy := "append"
	if len(c.argv) == 4 {
		switch {
		case eqFold(c.argv[3], "append"):
		case eqFold(c.argv[3], "replace"):
			policy = "replace"
		case eqFold(c.argv[3], "flush"):
			policy = "flush"
		default:
			c.ReplyError("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
			return
		}
	}
	codes, errMsg := parseFunctionPayload(c.argv[2])
	if errMsg != "" {
		c.ReplyError(errMsg)
		return
	}
	s := c.srv
	var libs []*fnLibrary
	for _, code := range codes {
		lib, errMsg := s.createLibrary(code, 0)
		if errMsg != "" {
			c.ReplyError(errMsg)
			return
		}
		for _, o := range libs {
			if o.name == lib.name {
				c.ReplyError("ERR Library " + lib.name + " already exists")
				return
			}
		}
		libs = append(libs, lib)
	}
	if errMsg := s.restoreLibraries(libs, policy); errMsg != "" {
		c.ReplyError(errMsg)
		return
	}
	s.dirty++
	c.ReplyOK()
}

// parseFunctionPayload checks a FUNCTION DUMP payload (version and CRC64, as
// Redis's verifyDumpPayload) and returns the library codes it holds.
func parseFunctionPayload(data []byte) ([]string, string) {
	if len(data) < 10 || binary.LittleEndian.Uint16(data[len(data)-10:]) > rdb.Version ||
		rdb.CRC64(0, data[:len(data)-8]) != binary.LittleEndian.Uint64(data[len(data)-8:]) {
		return nil, "ERR DUMP payload version or checksum are wrong"
	}
	body := data[:len(data)-10]
	r := rdb.NewBytesReader(body)
	var codes []string
	for int(r.Offset()) < len(body) {
		t, err := r.LoadType()
		if err != nil {
			return nil, "ERR can not read data type"
		}
		if t != rdb.OpFunction2 {
			return nil, "ERR given type is not a function"
		}
		code, err := r.LoadString()
		if err != nil {
			return nil, "ERR failed loading the given functions payload"
		}
		codes = append(codes, string(code))
	}
	return codes, ""
}

// restoreLibraries installs restored libraries (Redis's libraryJoin, or a swap for
// FLUSH); on error nothing changes.
func (s *Server) restoreLibraries(libs []*fnLibrary, policy string) string {
	fs := &s.script.fn
	if policy == "flush" {
		fs.libs = make(map[string]*fnLibrary)
		fs.fns = make(map[string]*fnFunction)
		for _, l := range libs {
			s.linkLibrary(l, false)
		}
		return ""
	}
	replaced := map[*fnLibrary]bool{}
	for _, l := range libs {
		if old := fs.libs[l.name]; old != nil {
			if policy != "replace" {
				return "Library " + l.name + " already exists"
			}
			replaced[old] = true
		}
	}
	for _, l := range libs {
		for _, f := range l.fns {
			if o := fs.fns[fnKey(f.name)]; o != nil && !replaced[o.lib] {
				return "Function " + f.name + " already exists"
			}
		}
	}
	for old := range replaced {
		s.unlinkLibrary(old)
	}
	for _, l := range libs {
		s.linkLibrary(l, false)
	}
	return ""
}

// FUNCTION HELP
func functionHelpCommand(c *Client) {
	c.replyHelp([]string{
		"LOAD [REPLACE] <FUNCTION CODE>",
		"    Create a new library with the given library name and code.",
		"DELETE <LIBRARY NAME>",
		"    Delete the given library.",
		"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
		"    Return general information on all the libraries:",
		"    * Library name",
		"    * The engine used to run the Library",
		"    * Library description",
		"    * Functions list",
		"    * Library code (if WITHCODE is given)",
		"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
		"STATS",
		"    Return information about the current function running:",
		"    * Function name",
		"    * Command used to run the function",
		"    * Duration in MS that the function is running",
		"    If no function is running, return nil",
		"    In addition, returns a list of available engines.",
		"KILL",
		"    Kill the current running function.",
		"FLUSH [ASYNC|SYNC]",
		"    Delete all the libraries.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the libraries.",
		"    * SYNC: Synchronously flush the libraries.",
		"DUMP",
		"    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
		"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
		"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
		"    control how to handle existing libraries (default APPEND):",
		"    * FLUSH: delete all existing libraries.",
		"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
		"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
		"      libraries with the new libraries (notice that even on this option there is a chance of failure",
		"      in case of functions name collision with another library).",
	})
}

// functionLibraryCodes returns every library's code, for RDB files.
func (s *Server) functionLibraryCodes() [][]byte {
	libs := s.sortedLibs()
	out := make([][]byte, len(libs))
	for i, l := range libs {
		out[i] = []byte(l.code)
	}
	return out
}

// loadFunctionLibraryCode loads a library read from an RDB file or AOF.
func (s *Server) loadFunctionLibraryCode(code []byte) error {
	lib, errMsg := s.createLibrary(string(code), 0)
	if errMsg == "" {
		errMsg = s.linkLibrary(lib, s.script.fn.loadReplace)
	}
	if errMsg != "" {
		return errString(errMsg)
	}
	return nil
}

type errString string

func (e errString) Error() string { return string(e) }
