package engine

import (
	"errors"
	"slices"
	"strings"
)

// CmdFlag describes a command, with Redis's flag names (COMMAND INFO prints them).
type CmdFlag uint32

const (
	FlagWrite           CmdFlag = 1 << iota // may modify the keyspace
	FlagReadonly                            // reads the keyspace, never modifies it
	FlagDenyOOM                             // may grow memory use: refused under maxmemory noeviction
	FlagAdmin                               // administrative, dangerous
	FlagPubSub                              // pub/sub related
	FlagNoScript                            // not allowed in scripts
	FlagBlocking                            // may block the client
	FlagLoading                             // allowed while loading the dataset
	FlagStale                               // allowed on a replica with stale data
	FlagSkipMonitor                         // not shown in MONITOR
	FlagSkipSlowlog                         // not logged in SLOWLOG
	FlagFast                                // O(1) or O(log N)
	FlagNoAuth                              // allowed before AUTH
	FlagMayReplicate                        // may replicate even if not a write
	FlagNoMandatoryKeys                     // key arguments are optional
	FlagNoMulti                             // not allowed inside MULTI
	FlagAllowBusy                           // allowed while a script is busy
	FlagSentinel                            // available in sentinel mode
	FlagOnlySentinel                        // only in sentinel mode
	FlagNoAsyncLoading                      // refused during async loading
	FlagAsking                              // served in an importing slot without ASKING (RESTORE-ASKING)
)

// flagNames are the flags COMMAND INFO shows, in Redis 7.0's order. may_replicate,
// sentinel and only_sentinel are hidden on purpose, as in Redis; "movablekeys" is not a
// flag of the table but derived from the key specs (see commandInfoFlags).
var flagNames = []struct {
	f    CmdFlag
	name string
}{
	{FlagWrite, "write"}, {FlagReadonly, "readonly"}, {FlagDenyOOM, "denyoom"},
	{FlagAdmin, "admin"}, {FlagPubSub, "pubsub"}, {FlagNoScript, "noscript"},
	{FlagBlocking, "blocking"}, {FlagLoading, "loading"}, {FlagStale, "stale"},
	{FlagSkipMonitor, "skip_monitor"}, {FlagSkipSlowlog, "skip_slowlog"}, {FlagAsking, "asking"}, {FlagFast, "fast"},
	{FlagNoAuth, "no_auth"}, {FlagNoMandatoryKeys, "no_mandatory_keys"},
	{FlagNoAsyncLoading, "no_async_loading"}, {FlagNoMulti, "no_multi"},
	{FlagAllowBusy, "allow_busy"},
}

// FlagNames returns the Redis names of the flags set in f, in Redis's order.
func (f CmdFlag) FlagNames() []string {
	var out []string
	for _, fn := range flagNames {
		if f&fn.f != 0 {
			out = append(out, fn.name)
		}
	}
	return out
}

// ACLCat is a set of ACL categories.
type ACLCat uint32

const (
	CatKeyspace ACLCat = 1 << iota
	CatRead
	CatWrite
	CatSet
	CatSortedSet
	CatList
	CatHash
	CatString
	CatBitmap
	CatHyperLogLog
	CatGeo
	CatStream
	CatPubSub
	CatAdmin
	CatFast
	CatSlow
	CatBlocking
	CatDangerous
	CatConnection
	CatTransaction
	CatScripting
)

// ACLCatNames lists categories in the order Redis's ACL CAT prints them.
var ACLCatNames = []struct {
	Cat  ACLCat
	Name string
}{
	{CatKeyspace, "keyspace"}, {CatRead, "read"}, {CatWrite, "write"}, {CatSet, "set"},
	{CatSortedSet, "sortedset"}, {CatList, "list"}, {CatHash, "hash"}, {CatString, "string"},
	{CatBitmap, "bitmap"}, {CatHyperLogLog, "hyperloglog"}, {CatGeo, "geo"}, {CatStream, "stream"},
	{CatPubSub, "pubsub"}, {CatAdmin, "admin"}, {CatFast, "fast"}, {CatSlow, "slow"},
	{CatBlocking, "blocking"}, {CatDangerous, "dangerous"}, {CatConnection, "connection"},
	{CatTransaction, "transaction"}, {CatScripting, "scripting"},
}

// Command is one entry of the command table: everything COMMAND, ACL and the dispatcher
// need to know about a command, and its handler.
type Command struct {
	Name string // lower case; for subcommands "container|sub"
	// key is the name the command answers to in its table: Name, unless
	// rename-command changed it ("" when renamed away).
	key   string
	Arity int // > 0: exact argc; < 0: at least -Arity
	Flags CmdFlag
	Cats  ACLCat // categories beyond those implied by Flags
	// Key positions for the legacy (first, last, step) key spec; FirstKey 0 means none.
	// LastKey -1 means the last argument; -2 the one before, etc.
	FirstKey, LastKey, Step int
	// Keys, when set, extracts key positions for commands that the range cannot
	// describe (e.g. EVAL, ZUNIONSTORE, XREAD). It returns argv indexes.
	Keys func(argv [][]byte) []int
	// KeyFlags, for commands whose key specs have variable_flags (SET with or without
	// GET, BITFIELD with or without SET/INCRBY), returns the flags of the key at argv
	// index pos for this call, as Redis's getkeys_proc does (COMMAND GETKEYSANDFLAGS).
	KeyFlags func(argv [][]byte, pos int) []string
	// KeySpecs are Redis 7 key specifications, as COMMAND INFO and DOCS show them.
	KeySpecs []KeySpec

	Group      string // COMMAND DOCS group: string, generic, server, connection, ...
	Since      string // first Redis version with the command
	Complexity string
	Summary    string
	Tips       []string // request/response policies (COMMAND INFO tips)
	Doc        *CmdDoc  // arguments and history for COMMAND DOCS

	Proc func(c *Client)
	Subs []*Command // subcommands of a container (CONFIG, CLIENT, ...)

	parent *Command
	id     int
	stats  CmdStats
	// latency is the command's latency histogram (latency-tracking), allocated on
	// its first call (latencyhist.go).
	latency *latencyHist
}

// CmdStats are the per-command counters of INFO commandstats.
type CmdStats struct {
	Calls, Usec, Rejected, Failed int64
}

// CmdDoc is the argument list and history shown by COMMAND DOCS.
type CmdDoc struct {
	History [][2]string
	Args    []Arg
	// Flags are COMMAND DOCS doc_flags: "deprecated", "syscmd".
	Flags           []string
	DeprecatedSince string
	ReplacedBy      string
}

// Arg is one argument of a command in COMMAND DOCS. KeySpecIndex is shown for
// arguments of Type "key" only.
type Arg struct {
	Name, Type, Token, Since, Summary string
	DeprecatedSince                   string
	KeySpecIndex                      int
	Optional, Multiple, MultipleToken bool
	Args                              []Arg
	Value                             string
}

// KeySpec is a Redis 7 key specification.
type KeySpec struct {
	Notes string
	Flags []string // RW, RO, OW, RM, access, update, insert, delete, ...
	// BeginSearch: index (Index > 0) or keyword (Keyword != "").
	Index     int
	Keyword   string
	StartFrom int
	// FindKeys: range (LastKey, KeyStep, Limit) or keynum (KeyNumIdx, FirstKey, KeyStep).
	Range         bool
	LastKey       int
	KeyStep       int
	Limit         int
	KeyNumIdx     int
	FirstKeyNum   int
	KeyNumStep    int
	Unknown       bool
	NotKey        bool
	Incomplete    bool
	VariableFlags bool
}

// FullName is the name COMMAND and error messages use ("config|get" for subcommands).
func (cmd *Command) FullName() string { return cmd.Name }

// IsWrite reports whether the command may modify data.
func (cmd *Command) IsWrite() bool { return cmd.Flags&FlagWrite != 0 }

// subName is the part after '|' for subcommands.
func (cmd *Command) subName() string {
	if i := strings.IndexByte(cmd.Name, '|'); i >= 0 {
		return cmd.Name[i+1:]
	}
	return cmd.Name
}

// CommandTable indexes the commands by lower-case name.
type CommandTable struct {
	byName map[string]*Command
	list   []*Command // top-level commands in definition order
	all    []*Command // top-level and subcommands
}

func newCommandTable(families ...[]*Command) *CommandTable {
	t := &CommandTable{byName: make(map[string]*Command)}
	for _, fam := range families {
		for _, spec := range fam {
			if _, dup := t.byName[spec.Name]; dup {
				panic("duplicate command " + spec.Name)
			}
			// Each table holds its own copies of the specs: the per-command counters
			// (INFO commandstats) and the links below belong to one server, so two
			// servers in one process (tests, embedding) never share or race on them.
			cmd := new(Command)
			*cmd = *spec
			cmd.Subs = make([]*Command, len(spec.Subs))
			cmd.id = len(t.all)
			cmd.key = cmd.Name
			t.byName[cmd.Name] = cmd
			t.list = append(t.list, cmd)
			t.all = append(t.all, cmd)
			for i, subSpec := range spec.Subs {
				sub := new(Command)
				*sub = *subSpec
				sub.parent = cmd
				if !strings.Contains(sub.Name, "|") {
					sub.Name = cmd.Name + "|" + sub.Name
				}
				sub.id = len(t.all)
				t.all = append(t.all, sub)
				cmd.Subs[i] = sub
			}
		}
	}
	return t
}

// Rename applies one rename-command line: the command called old answers to new
// from now on, or to nothing when new is "". It keeps its own name in COMMAND's
// replies, ACL rules and docs, as in Redis, where only the lookup table changes;
// a command renamed to nothing leaves COMMAND, COUNT and LIST too. The config loader
// has checked the names (config.CommandNames).
func (t *CommandTable) Rename(old, new string) error {
	old, new = strings.ToLower(old), strings.ToLower(new)
	cmd := t.byName[old]
	if cmd == nil {
		return errors.New("No such command in rename-command")
	}
	if other := t.byName[new]; new != "" && other != nil && other != cmd {
		return errors.New("Target command name already exists")
	}
	delete(t.byName, old)
	cmd.key = new
	if new != "" {
		t.byName[new] = cmd
	}
	return nil
}

// visible returns the top-level commands COMMAND, COMMAND COUNT and LIST show: all
// but those renamed to nothing. (ACL descriptions keep using every command, as
// Redis's use its original table.)
func (t *CommandTable) visible() []*Command {
	for _, cmd := range t.list {
		if cmd.key == "" {
			return slices.DeleteFunc(slices.Clone(t.list), func(c *Command) bool { return c.key == "" })
		}
	}
	return t.list
}

// renamedAway reports whether cmd, or the container of a subcommand, was renamed
// to nothing.
func (cmd *Command) renamedAway() bool {
	if cmd.parent != nil {
		cmd = cmd.parent
	}
	return cmd.key == ""
}

// Names returns the names the top-level commands answer to.
func (t *CommandTable) Names() []string {
	out := make([]string, 0, len(t.byName))
	for n := range t.byName {
		out = append(out, n)
	}
	return out
}

// Lookup finds a top-level command by name, case-insensitively, without allocating
// for names up to 64 bytes.
func (t *CommandTable) Lookup(name []byte) *Command {
	var buf [64]byte
	if len(name) > len(buf) {
		return t.byName[strings.ToLower(string(name))]
	}
	for i, c := range name {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return t.byName[string(buf[:len(name)])]
}

// LookupSub finds a subcommand of cmd by name, case-insensitively.
func (cmd *Command) LookupSub(name []byte) *Command {
	for _, sub := range cmd.Subs {
		if strings.EqualFold(sub.subName(), string(name)) {
			return sub
		}
	}
	return nil
}

// keyIndexes returns the argv indexes of the keys of a call of cmd.
func (cmd *Command) keyIndexes(argv [][]byte) []int {
	if cmd.Keys != nil {
		return cmd.Keys(argv)
	}
	if cmd.FirstKey <= 0 {
		return nil
	}
	last := cmd.LastKey
	if last < 0 {
		last = len(argv) + last
	}
	step := cmd.Step
	if step <= 0 {
		step = 1
	}
	var idx []int
	for i := cmd.FirstKey; i <= last && i < len(argv); i += step {
		idx = append(idx, i)
	}
	return idx
}

// aclCategories returns every category of cmd: its own plus those its flags imply, as
// Redis derives them (write → @write, readonly → @read, admin → @admin @dangerous, ...).
func (cmd *Command) aclCategories() ACLCat {
	c := cmd.Cats
	if cmd.Flags&FlagWrite != 0 {
		c |= CatWrite
	}
	if cmd.Flags&FlagReadonly != 0 && cmd.Cats&CatScripting == 0 {
		c |= CatRead
	}
	if cmd.Flags&FlagAdmin != 0 {
		c |= CatAdmin | CatDangerous
	}
	if cmd.Flags&FlagPubSub != 0 {
		c |= CatPubSub
	}
	if cmd.Flags&FlagFast != 0 {
		c |= CatFast
	}
	if cmd.Flags&FlagBlocking != 0 {
		c |= CatBlocking
	}
	if c&CatFast == 0 {
		c |= CatSlow
	}
	return c
}
