package engine

// COMMAND and its subcommands: the command table read back to clients, in Redis 7.0's
// reply layout (COMMAND INFO: name, arity, flags, first, last, step, ACL categories,
// tips, key specs, subcommands; COMMAND DOCS: summary, since, group, complexity,
// doc flags, history, arguments, subcommands). Cluster clients (go-redis, redis-py,
// Lettuce) read COMMAND INFO to find key positions, so its layout must be exact.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/keygrid/keygrid/engine/config"
)

var commandCommands = []*Command{
	{Name: "command", Arity: -1, Flags: FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
		Group: "server", Since: "2.8.13", Complexity: "O(N) where N is the total number of Redis commands",
		Summary: "Get array of Redis command details",
		Tips:    []string{"nondeterministic_output_order"},
		Proc:    commandCommand,
		Subs: []*Command{
			{Name: "count", Arity: 2, Flags: FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
				Group: "server", Since: "2.8.13", Complexity: "O(1)",
				Summary: "Get total number of Redis commands",
				Proc:    commandCountCommand},
			{Name: "docs", Arity: -2, Flags: FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
				Group: "server", Since: "7.0.0", Complexity: "O(N) where N is the number of commands to look up",
				Summary: "Get array of specific Redis command documentation",
				Tips:    []string{"nondeterministic_output_order"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "command-name", Type: "string", Optional: true, Multiple: true},
				}},
				Proc: commandDocsCommand},
			{Name: "getkeys", Arity: -4, Flags: FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
				Group: "server", Since: "2.8.13", Complexity: "O(N) where N is the number of arguments to the command",
				Summary: "Extract keys given a full Redis command",
				Proc:    commandGetkeysCommand},
			{Name: "getkeysandflags", Arity: -4, Flags: FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
				Group: "server", Since: "7.0.0", Complexity: "O(N) where N is the number of arguments to the command",
				Summary: "Extract keys and access flags given a full Redis command",
				Proc:    commandGetkeysandflagsCommand},
			{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
				Group: "server", Since: "5.0.0", Complexity: "O(1)",
				Summary: "Show helpful text about the different subcommands",
				Proc:    commandHelpCommand},
			{Name: "info", Arity: -2, Flags: FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
				Group: "server", Since: "2.8.13", Complexity: "O(N) where N is the number of commands to look up",
				Summary: "Get array of specific Redis command details, or all when no argument is given.",
				Tips:    []string{"nondeterministic_output_order"},
				Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Allowed to be called with no argument to get info on all commands."}}, Args: []Arg{
					{Name: "command-name", Type: "string", Optional: true, Multiple: true},
				}},
				Proc: commandInfoCommand},
			{Name: "list", Arity: -2, Flags: FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
				Group: "server", Since: "7.0.0", Complexity: "O(N) where N is the total number of Redis commands",
				Summary: "Get an array of Redis command names",
				Tips:    []string{"nondeterministic_output_order"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "filterby", Type: "oneof", Token: "FILTERBY", Optional: true, Args: []Arg{
						{Name: "module-name", Type: "string", Token: "MODULE"},
						{Name: "category", Type: "string", Token: "ACLCAT"},
						{Name: "pattern", Type: "pattern", Token: "PATTERN"},
					}},
				}},
				Proc: commandListCommand},
		},
	},
}

// COMMAND
func commandCommand(c *Client) {
	list := c.srv.commands.visible()
	c.ReplyArray(len(list))
	for _, cmd := range list {
		c.replyCommandInfo(cmd)
	}
}

// COMMAND COUNT
func commandCountCommand(c *Client) { c.ReplyInt(int64(len(c.srv.commands.visible()))) }

// COMMAND INFO [command-name ...]
func commandInfoCommand(c *Client) {
	if len(c.argv) == 2 {
		commandCommand(c)
		return
	}
	c.ReplyArray(len(c.argv) - 2)
	for _, name := range c.argv[2:] {
		if cmd := c.srv.commands.lookupFullName(string(name)); cmd != nil {
			c.replyCommandInfo(cmd)
		} else {
			c.ReplyNull()
		}
	}
}

// COMMAND DOCS [command-name ...]
func commandDocsCommand(c *Client) {
	t := c.srv.commands
	if len(c.argv) == 2 {
		c.ReplyMap(len(t.list))
		for _, cmd := range t.list {
			c.ReplyBulkString(cmd.Name)
			c.replyCommandDocs(cmd)
		}
		return
	}
	var found []*Command
	for _, name := range c.argv[2:] {
		if cmd := t.lookupFullName(string(name)); cmd != nil {
			found = append(found, cmd)
		}
	}
	c.ReplyMap(len(found))
	for _, cmd := range found {
		c.ReplyBulkString(cmd.Name)
		c.replyCommandDocs(cmd)
	}
}

// COMMAND LIST [FILTERBY MODULE module-name|ACLCAT category|PATTERN pattern]
func commandListCommand(c *Client) {
	argv := c.argv
	var match func(cmd *Command) bool
	switch {
	case len(argv) == 2:
		match = func(*Command) bool { return true }
	case len(argv) == 5 && eqFold(argv[2], "filterby"):
		arg := string(argv[4])
		switch {
		case eqFold(argv[3], "module"):
			match = func(*Command) bool { return false } // keygrid has no modules
		case eqFold(argv[3], "aclcat"):
			cat, ok := aclCatByName(arg)
			match = func(cmd *Command) bool { return ok && cmd.aclCategories()&cat != 0 }
		case eqFold(argv[3], "pattern"):
			match = func(cmd *Command) bool { return config.Match(arg, cmd.Name, true) }
		}
	}
	if match == nil {
		c.ReplyError(ErrSyntax)
		return
	}
	var names []string
	for _, cmd := range c.srv.commands.all {
		if match(cmd) && !cmd.renamedAway() {
			names = append(names, cmd.Name)
		}
	}
	c.ReplyBulks(names)
}

// COMMAND GETKEYS command [arg ...]
func commandGetkeysCommand(c *Client) { getKeysSubcommand(c, false) }

// COMMAND GETKEYSANDFLAGS command [arg ...]
func commandGetkeysandflagsCommand(c *Client) { getKeysSubcommand(c, true) }

func getKeysSubcommand(c *Client, withFlags bool) {
	argv := c.argv[2:]
	cmd := c.srv.commands.lookupArgv(argv)
	switch {
	case cmd == nil:
		c.ReplyError("ERR Invalid command specified")
		return
	case !cmd.hasKeys():
		c.ReplyError("ERR The command has no key arguments")
		return
	case (cmd.Arity > 0 && cmd.Arity != len(argv)) || len(argv) < -cmd.Arity:
		c.ReplyError("ERR Invalid number of arguments specified for command")
		return
	}
	keys := cmd.keysWithFlags(argv)
	if len(keys) == 0 {
		if cmd.Flags&FlagNoMandatoryKeys != 0 {
			c.ReplyArray(0)
		} else {
			c.ReplyError("ERR Invalid arguments specified for command")
		}
		return
	}
	c.ReplyArray(len(keys))
	for _, k := range keys {
		if !withFlags {
			c.ReplyBulk(argv[k.pos])
			continue
		}
		c.ReplyArray(2)
		c.ReplyBulk(argv[k.pos])
		c.replyStatusSet(k.flags)
	}
}

// COMMAND HELP
func commandHelpCommand(c *Client) {
	c.replyHelp([]string{
		"(no subcommand)",
		"    Return details about all Redis commands.",
		"COUNT",
		"    Return the total number of commands in this Redis server.",
		"LIST",
		"    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>",
		"    Return the keys from a full Redis command.",
		"GETKEYSANDFLAGS <full-command>",
		"    Return the keys and the access flags from a full Redis command.",
	})
}

// --- lookups ---------------------------------------------------------------------------

// lookupFullName finds a command by its full name, "get" or "config|get", as
// COMMAND INFO and DOCS accept it (Redis's lookupCommandBySds).
func (t *CommandTable) lookupFullName(name string) *Command {
	base, sub, isSub := strings.Cut(name, "|")
	cmd := t.Lookup([]byte(base))
	if !isSub || cmd == nil {
		return cmd
	}
	if strings.Contains(sub, "|") || len(cmd.Subs) == 0 {
		return nil
	}
	return cmd.LookupSub([]byte(sub))
}

// lookupArgv finds the command a request would run: the subcommand when the command
// is a container and argv has one (Redis's lookupCommand).
func (t *CommandTable) lookupArgv(argv [][]byte) *Command {
	cmd := t.Lookup(argv[0])
	if cmd == nil || len(argv) == 1 || len(cmd.Subs) == 0 {
		return cmd
	}
	return cmd.LookupSub(argv[1])
}

func aclCatByName(name string) (ACLCat, bool) {
	for _, cn := range ACLCatNames {
		if strings.EqualFold(cn.Name, name) {
			return cn.Cat, true
		}
	}
	return 0, false
}

// --- key specs -------------------------------------------------------------------------

// keySpecs returns the command's key specs, or, for a command whose spec literal
// has none, the one its legacy (first, last, step) range describes, flagged RW or
// RO from the command's flags (the access/update/insert/delete detail is not
// derivable from the range).
func (cmd *Command) keySpecs() []KeySpec {
	if len(cmd.KeySpecs) > 0 || cmd.FirstKey <= 0 {
		return cmd.KeySpecs
	}
	ks := KeySpec{Index: cmd.FirstKey, Range: true, KeyStep: max(cmd.Step, 1)}
	switch {
	case cmd.LastKey < 0:
		ks.LastKey = cmd.LastKey
	default:
		ks.LastKey = cmd.LastKey - cmd.FirstKey
	}
	switch {
	case cmd.Flags&FlagWrite != 0:
		ks.Flags = []string{"RW"}
	case cmd.Flags&FlagReadonly != 0:
		ks.Flags = []string{"RO"}
	}
	return []KeySpec{ks}
}

// hasKeys is Redis's doesCommandHaveKeys: a key extractor or at least one key spec.
func (cmd *Command) hasKeys() bool {
	if cmd.Keys != nil {
		return true
	}
	// As Redis's doesCommandHaveKeys: a not_key spec (SPUBLISH's shard channel) is
	// there for cluster routing only, not a key.
	for _, ks := range cmd.KeySpecs {
		if !ks.NotKey && !containsString(ks.Flags, "not_key") {
			return true
		}
	}
	return len(cmd.KeySpecs) == 0 && cmd.FirstKey > 0
}

// movableKeys reports whether key positions depend on the arguments: a key
// extractor, or a spec that is not a fixed index with a range (Redis's
// populateCommandMovableKeys).
func (cmd *Command) movableKeys() bool {
	if cmd.Keys != nil {
		return true
	}
	for _, ks := range cmd.KeySpecs {
		if ks.Index <= 0 || !ks.Range {
			return true
		}
	}
	return false
}

// specFlags returns the flags of a key spec, including those stored as booleans.
func (ks *KeySpec) specFlags() []string {
	fl := ks.Flags
	add := func(set bool, name string) {
		if set && !containsString(fl, name) {
			fl = append(fl[:len(fl):len(fl)], name)
		}
	}
	add(ks.NotKey, "not_key")
	add(ks.Incomplete, "incomplete")
	add(ks.VariableFlags, "variable_flags")
	return fl
}

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// keyRef is a key found in a request: its argv index and its spec's flags.
type keyRef struct {
	pos   int
	flags []string
}

// flaglessGetKeys: the commands whose Redis getkeys proc (genericGetKeys and the
// GEORADIUS and XREAD procs) gives its keys no flags. keysWithFlags falls back to
// the proc when the key specs cannot be resolved (ZMPOP 1.5 ...: the keynum spec
// refuses "1.5", the proc's atoi reads 1), and then ACL checks such a key against
// the patterns alone, with no read or write permission asked.
var flaglessGetKeys = map[string]bool{
	"eval": true, "eval_ro": true, "evalsha": true, "evalsha_ro": true, "fcall": true, "fcall_ro": true,
	"zunion": true, "zinter": true, "zdiff": true, "zunionstore": true, "zinterstore": true,
	"zdiffstore": true, "zintercard": true, "sintercard": true, "lmpop": true, "blmpop": true,
	"zmpop": true, "bzmpop": true, "georadius": true, "georadiusbymember": true, "xread": true,
	"xreadgroup": true,
}

// keysWithFlags finds the keys of a request as Redis's getKeysFromCommandWithSpecs
// does: from the key specs when they are all complete and resolvable and none has
// variable flags, else from the command's key extractor (flags then come from
// KeyFlags, or the spec that covers each key, or spec 0).
func (cmd *Command) keysWithFlags(argv [][]byte) []keyRef {
	specs := cmd.keySpecs()
	varFlags := false
	for i := range specs {
		varFlags = varFlags || specs[i].VariableFlags || containsString(specs[i].Flags, "variable_flags")
	}
	if !varFlags || cmd.Keys == nil && cmd.KeyFlags == nil {
		if keys, ok := keysFromSpecs(specs, argv); ok || cmd.Keys == nil {
			return cmd.withCallFlags(keys, argv)
		}
	}
	var positions []int
	if cmd.Keys != nil {
		positions = cmd.Keys(argv)
		if flaglessGetKeys[cmd.Name] {
			out := make([]keyRef, len(positions))
			for i, pos := range positions {
				out[i] = keyRef{pos: pos}
			}
			return out
		}
	} else {
		keys, _ := keysFromSpecs(specs, argv)
		for _, k := range keys {
			positions = append(positions, k.pos)
		}
	}
	var out []keyRef
	for _, pos := range positions {
		var flags []string
		for i := range specs {
			if specCovers(&specs[i], argv, pos) {
				flags = specs[i].specFlags()
				break
			}
		}
		if flags == nil && len(specs) > 0 {
			flags = specs[0].specFlags()
		}
		out = append(out, keyRef{pos: pos, flags: flags})
	}
	return cmd.withCallFlags(out, argv)
}

// withCallFlags replaces spec flags with those KeyFlags gives for this call.
func (cmd *Command) withCallFlags(keys []keyRef, argv [][]byte) []keyRef {
	if cmd.KeyFlags != nil {
		for i := range keys {
			keys[i].flags = cmd.KeyFlags(argv, keys[i].pos)
		}
	}
	return keys
}

func specCovers(ks *KeySpec, argv [][]byte, pos int) bool {
	first, last, step, st := specRange(ks, argv)
	if st != specOK {
		return false
	}
	for i := first; i <= last; i += step {
		if i == pos {
			return true
		}
	}
	return false
}

// specStatus is the outcome of resolving a key spec over a request.
type specStatus uint8

const (
	specOK      specStatus = iota // first..last by step are keys
	specNone                      // the begin_search keyword is absent: no keys from this spec
	specInvalid                   // unresolvable (unknown spec, bad key count, out of range)
)

// keysFromSpecs runs every key spec over argv (Redis's getKeysUsingKeySpecs). ok is
// false when a spec cannot be resolved or is incomplete: the caller then falls back
// to the command's own extractor.
func keysFromSpecs(specs []KeySpec, argv [][]byte) (keys []keyRef, ok bool) {
	for i := range specs {
		ks := &specs[i]
		first, last, step, st := specRange(ks, argv)
		switch st {
		case specNone:
			continue
		case specInvalid:
			return nil, false
		}
		for p := first; p <= last; p += step {
			keys = append(keys, keyRef{pos: p, flags: ks.specFlags()})
		}
		if ks.Incomplete {
			return nil, false
		}
	}
	return keys, true
}

// keywordPos finds the argument after a begin_search keyword, searching from
// StartFrom (from the end when negative).
func keywordPos(ks *KeySpec, argv [][]byte) (int, bool) {
	argc := len(argv)
	start, end := ks.StartFrom, argc-1
	if ks.StartFrom <= 0 {
		start, end = argc+ks.StartFrom, 1
	}
	for i := start; i >= 1 && i < argc; {
		if strings.EqualFold(string(argv[i]), ks.Keyword) {
			return i + 1, true
		}
		if i == end {
			break
		}
		if start <= end {
			i++
		} else {
			i--
		}
	}
	return 0, false
}

// specRange resolves one key spec over argv into first, last and step.
func specRange(ks *KeySpec, argv [][]byte) (first, last, step int, st specStatus) {
	argc := len(argv)
	switch {
	case ks.Index > 0:
		first = ks.Index
	case ks.Keyword != "":
		var found bool
		if first, found = keywordPos(ks, argv); !found {
			return 0, 0, 0, specNone
		}
	default:
		return 0, 0, 0, specInvalid
	}
	switch {
	case ks.Unknown:
		return 0, 0, 0, specInvalid
	case ks.Range:
		switch {
		case ks.LastKey >= 0:
			last = first + ks.LastKey
		case ks.Limit == 0:
			last = argc + ks.LastKey
		default:
			last = first + ((argc-first)/ks.Limit + ks.LastKey)
		}
		step = ks.KeyStep
	default:
		idx := first + ks.KeyNumIdx
		if idx >= argc {
			return 0, 0, 0, specInvalid
		}
		n, good := parseInt(argv[idx])
		if !good || n < 0 || n > int64(argc) {
			return 0, 0, 0, specInvalid
		}
		first += ks.FirstKeyNum
		last = first + int(n) - 1
		step = ks.KeyNumStep
	}
	if step <= 0 {
		step = 1
	}
	if last >= argc || last < first || first >= argc {
		return 0, 0, 0, specInvalid
	}
	return first, last, step, specOK
}

// --- replies ---------------------------------------------------------------------------

// infoFlags are the flag names COMMAND INFO shows, "movablekeys" included where Redis
// puts it (after no_multi, before allow_busy).
func (cmd *Command) infoFlags() []string {
	names := cmd.Flags.FlagNames()
	if !cmd.movableKeys() {
		return names
	}
	if n := len(names); n > 0 && names[n-1] == "allow_busy" {
		return append(names[:n-1:n-1], "movablekeys", "allow_busy")
	}
	return append(names, "movablekeys")
}

// aclCategoryNames returns "@cat" names in ACL CAT order.
func (cmd *Command) aclCategoryNames() []string {
	cats := cmd.aclCategories()
	var out []string
	for _, cn := range ACLCatNames {
		if cats&cn.Cat != 0 {
			out = append(out, "@"+cn.Name)
		}
	}
	return out
}

// replyStatusSet replies a set of simple strings (flags, categories).
func (c *Client) replyStatusSet(items []string) {
	c.ReplySet(len(items))
	for _, s := range items {
		c.ReplySimple(s)
	}
}

// replyCommandInfo replies one COMMAND INFO entry.
func (c *Client) replyCommandInfo(cmd *Command) {
	c.ReplyArray(10)
	c.ReplyBulkString(cmd.Name)
	c.ReplyInt(int64(cmd.Arity))
	c.replyStatusSet(cmd.infoFlags())
	first, last, step := cmd.FirstKey, cmd.LastKey, cmd.Step
	if first <= 0 {
		first, last, step = 0, 0, 0
	}
	c.ReplyInt(int64(first))
	c.ReplyInt(int64(last))
	c.ReplyInt(int64(step))
	c.replyStatusSet(cmd.aclCategoryNames())
	c.ReplySet(len(cmd.Tips))
	for _, t := range cmd.Tips {
		c.ReplyBulkString(t)
	}
	// Redis's types: key specs are a set; subcommands an array, or an empty set.
	specs := cmd.keySpecs()
	c.ReplySet(len(specs))
	for i := range specs {
		c.replyKeySpec(&specs[i])
	}
	if len(cmd.Subs) == 0 {
		c.ReplySet(0)
		return
	}
	c.ReplyArray(len(cmd.Subs))
	for _, sub := range cmd.Subs {
		c.replyCommandInfo(sub)
	}
}

func (c *Client) replyKeySpec(ks *KeySpec) {
	n := 3
	if ks.Notes != "" {
		n++
		c.ReplyMap(n)
		c.ReplyBulkString("notes")
		c.ReplyBulkString(ks.Notes)
	} else {
		c.ReplyMap(n)
	}
	c.ReplyBulkString("flags")
	c.replyStatusSet(ks.specFlags())

	c.ReplyBulkString("begin_search")
	c.ReplyMap(2)
	c.ReplyBulkString("type")
	switch {
	case ks.Index > 0:
		c.ReplyBulkString("index")
		c.ReplyBulkString("spec")
		c.ReplyMap(1)
		c.ReplyBulkString("index")
		c.ReplyInt(int64(ks.Index))
	case ks.Keyword != "":
		c.ReplyBulkString("keyword")
		c.ReplyBulkString("spec")
		c.ReplyMap(2)
		c.ReplyBulkString("keyword")
		c.ReplyBulkString(ks.Keyword)
		c.ReplyBulkString("startfrom")
		c.ReplyInt(int64(ks.StartFrom))
	default:
		c.ReplyBulkString("unknown")
		c.ReplyBulkString("spec")
		c.ReplyMap(0)
	}

	c.ReplyBulkString("find_keys")
	c.ReplyMap(2)
	c.ReplyBulkString("type")
	switch {
	case ks.Unknown:
		c.ReplyBulkString("unknown")
		c.ReplyBulkString("spec")
		c.ReplyMap(0)
	case ks.Range:
		c.ReplyBulkString("range")
		c.ReplyBulkString("spec")
		c.ReplyMap(3)
		c.ReplyBulkString("lastkey")
		c.ReplyInt(int64(ks.LastKey))
		c.ReplyBulkString("keystep")
		c.ReplyInt(int64(ks.KeyStep))
		c.ReplyBulkString("limit")
		c.ReplyInt(int64(ks.Limit))
	default:
		c.ReplyBulkString("keynum")
		c.ReplyBulkString("spec")
		c.ReplyMap(3)
		c.ReplyBulkString("keynumidx")
		c.ReplyInt(int64(ks.KeyNumIdx))
		c.ReplyBulkString("firstkey")
		c.ReplyInt(int64(ks.FirstKeyNum))
		c.ReplyBulkString("keystep")
		c.ReplyInt(int64(ks.KeyNumStep))
	}
}

// replyCommandDocs replies one COMMAND DOCS entry (the value; the caller wrote the name).
func (c *Client) replyCommandDocs(cmd *Command) {
	d := cmd.Doc
	if d == nil {
		d = &CmdDoc{}
	}
	n := 3
	for _, present := range []bool{cmd.Complexity != "", len(d.Flags) > 0, d.DeprecatedSince != "", d.ReplacedBy != "",
		len(d.History) > 0, len(d.Args) > 0, len(cmd.Subs) > 0} {
		if present {
			n++
		}
	}
	c.ReplyMap(n)
	c.ReplyBulkString("summary")
	c.ReplyBulkString(cmd.Summary)
	c.ReplyBulkString("since")
	c.ReplyBulkString(cmd.Since)
	c.ReplyBulkString("group")
	c.ReplyBulkString(cmd.Group)
	if cmd.Complexity != "" { // SYNC, PSYNC, MONITOR and LOLWUT document none
		c.ReplyBulkString("complexity")
		c.ReplyBulkString(cmd.Complexity)
	}
	if len(d.Flags) > 0 {
		c.ReplyBulkString("doc_flags")
		c.replyStatusSet(d.Flags)
	}
	if d.DeprecatedSince != "" {
		c.ReplyBulkString("deprecated_since")
		c.ReplyBulkString(d.DeprecatedSince)
	}
	if d.ReplacedBy != "" {
		c.ReplyBulkString("replaced_by")
		c.ReplyBulkString(d.ReplacedBy)
	}
	if len(d.History) > 0 {
		c.ReplyBulkString("history")
		c.ReplySet(len(d.History))
		for _, h := range d.History {
			c.ReplyArray(2)
			c.ReplyBulkString(h[0])
			c.ReplyBulkString(h[1])
		}
	}
	if len(d.Args) > 0 {
		c.ReplyBulkString("arguments")
		c.replyDocArgs(d.Args)
	}
	if len(cmd.Subs) > 0 {
		c.ReplyBulkString("subcommands")
		c.ReplyMap(len(cmd.Subs))
		for _, sub := range cmd.Subs {
			c.ReplyBulkString(sub.Name)
			c.replyCommandDocs(sub)
		}
	}
}

func (c *Client) replyDocArgs(args []Arg) {
	c.ReplyArray(len(args))
	for i := range args {
		a := &args[i]
		var flags []string
		if a.Optional {
			flags = append(flags, "optional")
		}
		if a.Multiple {
			flags = append(flags, "multiple")
		}
		if a.MultipleToken {
			flags = append(flags, "multiple_token")
		}
		hasSub := a.Type == "oneof" || a.Type == "block"
		n := 2
		// Redis prints key_spec_index for every argument that names one: keys, and
		// SORT's BY/GET patterns (never spec 0, which is always the sorted key).
		hasSpec := a.Type == "key" || a.Type == "pattern" && a.KeySpecIndex > 0
		// A pure token is printed even when empty: MIGRATE's empty_string, whose
		// token Redis 7.0's generated table holds as "" (the C literal """").
		hasToken := a.Token != "" || a.Type == "pure-token"
		for _, present := range []bool{hasSpec, hasToken, a.Summary != "", a.Since != "",
			a.DeprecatedSince != "", len(flags) > 0, hasSub} {
			if present {
				n++
			}
		}
		c.ReplyMap(n)
		c.ReplyBulkString("name")
		c.ReplyBulkString(a.Name)
		c.ReplyBulkString("type")
		c.ReplyBulkString(a.Type)
		if hasSpec {
			c.ReplyBulkString("key_spec_index")
			c.ReplyInt(int64(a.KeySpecIndex))
		}
		if hasToken {
			c.ReplyBulkString("token")
			c.ReplyBulkString(a.Token)
		}
		for _, kv := range [...][2]string{{"summary", a.Summary}, {"since", a.Since},
			{"deprecated_since", a.DeprecatedSince}} {
			if kv[1] != "" {
				c.ReplyBulkString(kv[0])
				c.ReplyBulkString(kv[1])
			}
		}
		if len(flags) > 0 {
			c.ReplyBulkString("flags")
			c.replyStatusSet(flags)
		}
		if hasSub {
			c.ReplyBulkString("arguments")
			c.replyDocArgs(a.Args)
		}
	}
}

// --- docs/commands.md ------------------------------------------------------------------

// CommandsMarkdown renders the command table as docs/commands.md: one section per
// group, one row per command and subcommand, with the syntax derived from the COMMAND
// DOCS arguments. engine/internal/gendocs writes it; a test fails when the file in the
// repository differs.
func CommandsMarkdown() []byte {
	type row struct {
		group, name string
		cmd         *Command
	}
	var rows []row
	tops := 0
	for _, fam := range commandFamilies() {
		for _, cmd := range fam {
			tops++
			rows = append(rows, row{cmd.Group, strings.ToUpper(cmd.Name), cmd})
			for _, sub := range cmd.Subs {
				rows = append(rows, row{sub.Group, strings.ToUpper(cmd.Name + " " + sub.subName()), sub})
			}
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].group != rows[j].group {
			return rows[i].group < rows[j].group
		}
		return rows[i].name < rows[j].name
	})
	var b strings.Builder
	b.WriteString("# Commands\n\n")
	b.WriteString("<!-- Generated from the command table by `go run ./engine/internal/gendocs`. Do not edit:\n")
	b.WriteString("     `go test ./engine/` fails when this file is out of date. -->\n\n")
	fmt.Fprintf(&b, "keygrid implements %d commands (%d rows with subcommands), with Redis %s's\n", tops, len(rows), Version)
	b.WriteString("arity, flags, key specifications and documentation. `COMMAND INFO` and `COMMAND DOCS` read the same table.\n")
	group := ""
	for _, r := range rows {
		if r.group != group {
			group = r.group
			fmt.Fprintf(&b, "\n## %s\n\n", group)
			b.WriteString("| Command | Summary | Complexity | Since | Flags | ACL categories |\n")
			b.WriteString("| --- | --- | --- | --- | --- | --- |\n")
		}
		cmd := r.cmd
		syntax := r.name
		if cmd.Doc != nil && len(cmd.Doc.Args) > 0 {
			syntax += " " + argsSyntax(cmd.Doc.Args)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", mdEscape(syntax), mdEscape(cmd.Summary),
			mdEscape(cmd.Complexity), cmd.Since, strings.Join(cmd.infoFlags(), " "),
			strings.Join(cmd.aclCategoryNames(), " "))
	}
	return []byte(b.String())
}

// argsSyntax writes arguments the way Redis's documentation shows them:
// "key [NX | XX] [EX seconds | PX milliseconds]".
func argsSyntax(args []Arg) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		parts = append(parts, argSyntax(a))
	}
	return strings.Join(parts, " ")
}

func argSyntax(a Arg) string {
	var s string
	switch a.Type {
	case "pure-token":
		s = a.Token
		if s == "" {
			s = `""` // MIGRATE's empty key argument, as typed
		}
	case "oneof":
		alts := make([]string, len(a.Args))
		for i, sub := range a.Args {
			alts[i] = argSyntax(sub)
		}
		s = strings.Join(alts, " | ")
		switch {
		case a.Token != "":
			s = a.Token + " <" + s + ">"
		case !a.Optional:
			s = "<" + s + ">"
		}
	case "block":
		s = argsSyntax(a.Args)
		if a.Token != "" {
			s = a.Token + " " + s
		}
	default:
		s = a.Name
		if a.Token != "" {
			s = a.Token + " " + s
		}
	}
	if a.Multiple {
		rep := s
		if !a.MultipleToken && a.Token != "" {
			rep = strings.TrimPrefix(s, a.Token+" ")
		}
		s += " [" + rep + " ...]"
	}
	if a.Optional {
		s = "[" + s + "]"
	}
	return s
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
