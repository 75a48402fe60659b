package engine

// Tests of the command table itself (every family's specs) and of COMMAND: the
// table is data that COMMAND INFO, COMMAND DOCS, ACL and docs/commands.md all read,
// so its consistency is checked here once for every command.

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// tableCommands returns every command and subcommand with its full name, without
// building a CommandTable (which would rename subcommands in the shared specs).
func tableCommands() []*Command {
	var out []*Command
	for _, fam := range commandFamilies() {
		for _, cmd := range fam {
			out = append(out, cmd)
			out = append(out, cmd.Subs...)
		}
	}
	return out
}

// Commands that Redis 7.0 documents without a complexity.
var noComplexity = map[string]bool{"sync": true, "psync": true, "monitor": true, "lolwut": true}

var docGroups = map[string]bool{
	"bitmap": true, "cluster": true, "connection": true, "generic": true, "geo": true,
	"hash": true, "hyperloglog": true, "list": true, "pubsub": true, "scripting": true,
	"sentinel": true, "server": true, "set": true, "sorted-set": true, "stream": true,
	"string": true, "transactions": true,
}

var argTypes = map[string]bool{
	"string": true, "integer": true, "double": true, "key": true, "pattern": true,
	"unix-time": true, "pure-token": true, "oneof": true, "block": true,
}

var keySpecFlags = map[string]bool{
	"RO": true, "RW": true, "OW": true, "RM": true, "access": true, "update": true,
	"insert": true, "delete": true, "not_key": true, "incomplete": true, "variable_flags": true,
}

// TestCommandTable checks every spec: names, arity against key positions, flags,
// documentation, handlers, key specs and doc arguments.
func TestCommandTable(t *testing.T) {
	seen := map[string]bool{}
	nameRE := regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	for _, fam := range commandFamilies() {
		for _, cmd := range fam {
			if seen[cmd.Name] {
				t.Errorf("%s: defined twice", cmd.Name)
			}
			seen[cmd.Name] = true
			if !nameRE.MatchString(cmd.Name) {
				t.Errorf("%q: command names are lower case words", cmd.Name)
			}
			checkSpec(t, cmd.Name, cmd)
			if len(cmd.Subs) == 0 {
				continue
			}
			// A container: its own spec says only what Redis's container says.
			if cmd.Arity != -2 && cmd.Name != "command" {
				t.Errorf("%s: a container's arity is -2 (COMMAND, which runs alone, is -1), not %d", cmd.Name, cmd.Arity)
			}
			if cmd.FirstKey != 0 || len(cmd.KeySpecs) > 0 {
				t.Errorf("%s: a container has no keys; its subcommands do", cmd.Name)
			}
			hasHelp := false
			subSeen := map[string]bool{}
			for _, sub := range cmd.Subs {
				name := sub.subName()
				if !nameRE.MatchString(name) {
					t.Errorf("%s: subcommand %q is not a lower case word", cmd.Name, name)
				}
				if subSeen[name] {
					t.Errorf("%s: subcommand %s defined twice", cmd.Name, name)
				}
				subSeen[name] = true
				hasHelp = hasHelp || name == "help"
				checkSpec(t, cmd.Name+"|"+name, sub)
				if len(sub.Subs) > 0 {
					t.Errorf("%s|%s: only one level of subcommands", cmd.Name, name)
				}
				if sub.Arity > 0 && sub.Arity < 2 || sub.Arity < 0 && sub.Arity > -2 {
					t.Errorf("%s|%s: a subcommand's arity counts the container and itself: %d", cmd.Name, name, sub.Arity)
				}
			}
			if !hasHelp {
				t.Errorf("%s: a container command needs a HELP subcommand", cmd.Name)
			}
		}
	}
}

func checkSpec(t *testing.T, name string, cmd *Command) {
	t.Helper()
	container := len(cmd.Subs) > 0
	if cmd.Proc == nil && !container {
		t.Errorf("%s: no handler", name)
	}
	if cmd.Arity == 0 {
		t.Errorf("%s: arity 0 (exact counts are > 0, minimums < 0)", name)
	}
	if cmd.Flags&FlagWrite != 0 && cmd.Flags&FlagReadonly != 0 {
		t.Errorf("%s: both write and readonly", name)
	}
	if cmd.Flags&FlagOnlySentinel != 0 && cmd.Flags&FlagSentinel == 0 {
		t.Errorf("%s: only_sentinel without sentinel", name)
	}
	if cmd.Group == "" || cmd.Since == "" || cmd.Summary == "" {
		t.Errorf("%s: Group, Since and Summary are required (COMMAND DOCS)", name)
	}
	if cmd.Complexity == "" && !noComplexity[name] {
		t.Errorf("%s: no Complexity (only %v have none in Redis)", name, noComplexity)
	}
	if cmd.Group != "" && !docGroups[cmd.Group] {
		t.Errorf("%s: unknown group %q", name, cmd.Group)
	}
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(cmd.Since) {
		t.Errorf("%s: Since %q is not a version", name, cmd.Since)
	}
	if cats := cmd.aclCategories(); cats&CatFast != 0 && cats&CatSlow != 0 {
		t.Errorf("%s: both @fast and @slow", name)
	}
	for _, tip := range cmd.Tips {
		if !regexp.MustCompile(`^(nondeterministic_output|nondeterministic_output_order|request_policy:\w+|response_policy:\w+)$`).MatchString(tip) {
			t.Errorf("%s: unknown tip %q", name, tip)
		}
	}
	checkKeys(t, name, cmd)
	if cmd.Doc != nil {
		checkArgs(t, name, cmd, cmd.Doc.Args)
		for _, h := range cmd.Doc.History {
			if h[0] == "" || h[1] == "" {
				t.Errorf("%s: empty history entry %q", name, h)
			}
		}
	}
}

// checkKeys checks the legacy key range against the arity and the key specs.
func checkKeys(t *testing.T, name string, cmd *Command) {
	t.Helper()
	first, last, step := cmd.FirstKey, cmd.LastKey, cmd.Step
	argc := cmd.Arity
	if argc < 0 {
		argc = -argc
	}
	if first < 0 {
		t.Errorf("%s: FirstKey %d < 0", name, first)
	}
	if first > 0 {
		if step < 1 {
			t.Errorf("%s: Step %d with keys", name, step)
		}
		if last >= 0 && last < first {
			t.Errorf("%s: LastKey %d before FirstKey %d", name, last, first)
		}
		// SUNSUBSCRIBE's optional shard channels are not_key specs, not keys.
		if first >= argc && cmd.Flags&FlagNoMandatoryKeys == 0 && cmd.Keys == nil && cmd.hasKeys() {
			t.Errorf("%s: FirstKey %d but arity %d allows no key there", name, first, cmd.Arity)
		}
		if cmd.Arity > 0 && last >= cmd.Arity {
			t.Errorf("%s: LastKey %d beyond arity %d", name, last, cmd.Arity)
		}
		if cmd.Flags&(FlagWrite|FlagReadonly) == 0 && len(cmd.KeySpecs) == 0 {
			t.Errorf("%s: has keys but neither write nor readonly, and no key specs to say how", name)
		}
	} else if last != 0 || step != 0 {
		t.Errorf("%s: LastKey/Step without FirstKey", name)
	}
	for i, ks := range cmd.KeySpecs {
		for _, f := range ks.specFlags() {
			if !keySpecFlags[f] {
				t.Errorf("%s: key spec %d: unknown flag %q", name, i, f)
			}
		}
		if ks.Index < 0 || ks.Index > 0 && ks.Keyword != "" {
			t.Errorf("%s: key spec %d: begin_search is an index or a keyword", name, i)
		}
		if ks.Range && ks.Unknown {
			t.Errorf("%s: key spec %d: find_keys is range, keynum or unknown", name, i)
		}
		if ks.Range && ks.KeyStep < 1 {
			t.Errorf("%s: key spec %d: range keystep %d", name, i, ks.KeyStep)
		}
		if !ks.Range && !ks.Unknown && (ks.KeyNumStep < 1 || ks.FirstKeyNum < 1) {
			t.Errorf("%s: key spec %d: keynum needs firstkey and keystep >= 1", name, i)
		}
	}
	// Redis derives the legacy range from the first key spec when it is an index
	// with a range: the two must agree.
	if len(cmd.KeySpecs) > 0 {
		ks := cmd.KeySpecs[0]
		if ks.Index > 0 && ks.Range && first != ks.Index {
			t.Errorf("%s: FirstKey %d but key spec 0 starts at %d", name, first, ks.Index)
		}
		if first > 0 && ks.Index == 0 && cmd.Keys == nil {
			t.Errorf("%s: a FirstKey with movable key specs needs a Keys extractor", name)
		}
	} else if cmd.Keys != nil {
		t.Errorf("%s: a Keys extractor without key specs (COMMAND INFO could not describe them)", name)
	}
}

func checkArgs(t *testing.T, name string, cmd *Command, args []Arg) {
	t.Helper()
	for _, a := range args {
		if a.Name == "" || !argTypes[a.Type] {
			t.Errorf("%s: argument %+v: needs a name and a known type", name, a)
		}
		// MIGRATE's empty_string is the one pure token that is empty, as in Redis 7.0.
		if a.Type == "pure-token" && a.Token == "" && !(name == "migrate" && a.Name == "empty_string") {
			t.Errorf("%s: pure-token argument %s without a token", name, a.Name)
		}
		hasSub := a.Type == "oneof" || a.Type == "block"
		if hasSub != (len(a.Args) > 0) {
			t.Errorf("%s: argument %s: only oneof and block have (and need) sub-arguments", name, a.Name)
		}
		if a.Type == "key" && len(cmd.KeySpecs) > 0 && a.KeySpecIndex >= len(cmd.KeySpecs) {
			t.Errorf("%s: key argument %s refers to key spec %d of %d", name, a.Name, a.KeySpecIndex, len(cmd.KeySpecs))
		}
		checkArgs(t, name, cmd, a.Args)
	}
}

// TestCommandsMarkdownUpToDate fails when docs/commands.md was not regenerated after a
// spec changed.
func TestCommandsMarkdownUpToDate(t *testing.T) {
	path := filepath.Join("..", "docs", "commands.md")
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run `go run ./engine/internal/gendocs`", err)
	}
	if want := CommandsMarkdown(); !bytes.Equal(have, want) {
		t.Errorf("docs/commands.md is out of date: run `go run ./engine/internal/gendocs`")
	}
}

func TestArgSyntax(t *testing.T) {
	for _, tc := range []struct {
		args []Arg
		want string
	}{
		{[]Arg{{Name: "key", Type: "key"}}, "key"},
		{[]Arg{{Name: "count", Type: "integer", Token: "SAMPLES", Optional: true}}, "[SAMPLES count]"},
		{[]Arg{{Name: "section", Type: "string", Optional: true, Multiple: true}}, "[section [section ...]]"},
		{[]Arg{{Name: "mode", Type: "oneof", Optional: true, Args: []Arg{
			{Name: "write", Type: "pure-token", Token: "WRITE"}, {Name: "all", Type: "pure-token", Token: "ALL"}}}},
			"[WRITE | ALL]"},
		{[]Arg{{Name: "enabled", Type: "oneof", Args: []Arg{
			{Name: "on", Type: "pure-token", Token: "ON"}, {Name: "off", Type: "pure-token", Token: "OFF"}}}},
			"<ON | OFF>"},
		{[]Arg{{Name: "pv", Type: "block", Multiple: true, Args: []Arg{
			{Name: "parameter", Type: "string"}, {Name: "value", Type: "string"}}}},
			"parameter value [parameter value ...]"},
		{[]Arg{{Name: "prefix", Type: "string", Token: "PREFIX", Optional: true, Multiple: true, MultipleToken: true}},
			"[PREFIX prefix [PREFIX prefix ...]]"},
		{[]Arg{{Name: "id", Type: "block", Token: "ID", Optional: true, Args: []Arg{
			{Name: "client-id", Type: "integer", Multiple: true}}}}, "[ID client-id [client-id ...]]"},
	} {
		if got := argsSyntax(tc.args); got != tc.want {
			t.Errorf("argsSyntax(%+v) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

// TestKeysFromSpecs resolves key specs of each kind as Redis's getKeysUsingKeySpecs.
func TestKeysFromSpecs(t *testing.T) {
	argv := func(s string) [][]byte {
		var out [][]byte
		for _, f := range strings.Fields(s) {
			out = append(out, []byte(f))
		}
		return out
	}
	pos := func(keys []keyRef) []int {
		out := []int{}
		for _, k := range keys {
			out = append(out, k.pos)
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		specs []KeySpec
		argv  string
		want  []int // nil: unresolvable
	}{
		{"one key", []KeySpec{{Flags: []string{"RO"}, Index: 1, Range: true, KeyStep: 1}}, "get k", []int{1}},
		{"all keys", []KeySpec{{Index: 1, Range: true, LastKey: -1, KeyStep: 1}}, "del a b c", []int{1, 2, 3}},
		{"pairs", []KeySpec{{Index: 1, Range: true, LastKey: -1, KeyStep: 2}}, "mset a 1 b 2", []int{1, 3}},
		{"two specs", []KeySpec{{Index: 1, Range: true, KeyStep: 1}, {Index: 2, Range: true, KeyStep: 1}},
			"lmove a b LEFT RIGHT", []int{1, 2}},
		{"keynum", []KeySpec{{Index: 2, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}}, "eval s 2 a b x", []int{3, 4}},
		{"keynum zero", []KeySpec{{Index: 2, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}}, "eval s 0", nil},
		{"keynum bad", []KeySpec{{Index: 2, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}}, "eval s x a", nil},
		{"keynum too many", []KeySpec{{Index: 2, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}}, "eval s 3 a", nil},
		{"keyword", []KeySpec{{Keyword: "STREAMS", StartFrom: 1, Range: true, LastKey: -1, KeyStep: 1, Limit: 2}},
			"xread COUNT 2 STREAMS s1 s2 0 0", []int{4, 5}},
		{"keyword absent", []KeySpec{{Index: 1, Range: true, KeyStep: 1}, {Keyword: "STORE", StartFrom: 6, Range: true, KeyStep: 1}},
			"georadius k 1 2 3 m", []int{1}},
		{"keyword from the end", []KeySpec{{Keyword: "KEYS", StartFrom: -2, Range: true, LastKey: -1, KeyStep: 1}},
			"migrate h p \"\" 0 5 KEYS a b", []int{7, 8}},
		{"unknown", []KeySpec{{Unknown: true}}, "sort k", nil},
		{"incomplete", []KeySpec{{Index: 1, Range: true, KeyStep: 1, Incomplete: true}}, "x k", nil},
	} {
		keys, ok := keysFromSpecs(tc.specs, argv(tc.argv))
		if tc.want == nil {
			if ok {
				t.Errorf("%s: resolved %v, want unresolvable", tc.name, pos(keys))
			}
			continue
		}
		if !ok || fmtInts(pos(keys)) != fmtInts(tc.want) {
			t.Errorf("%s: keys %v ok=%v, want %v", tc.name, pos(keys), ok, tc.want)
		}
	}
}

func fmtInts(l []int) string {
	var parts []string
	for _, n := range l {
		parts = append(parts, itoaInt(n))
	}
	return strings.Join(parts, " ")
}

// TestCommandCommand runs COMMAND and its subcommands on a server.
func TestCommandCommand(t *testing.T) {
	_, addr := startTestServer(t, nil)
	c := dialTest(t, addr)
	count := c.do("COMMAND", "COUNT")
	if !strings.HasPrefix(count, ":") || count == ":0" {
		t.Fatalf("COMMAND COUNT = %s", count)
	}
	for _, tc := range []struct{ args, want string }{
		{"COMMAND INFO config|get", "[[config|get :-3 [admin noscript loading stale] :0 :0 :0 [@admin @slow @dangerous] [] [] []]]"},
		{"COMMAND INFO nosuch", "[(nil)]"},
		{"COMMAND INFO config|nosuch", "[(nil)]"},
		{"COMMAND INFO memory|usage", "[[memory|usage :-3 [readonly] :2 :2 :1 [@read @slow] [] " +
			"[[flags [RO] begin_search [type index spec [index :2]] find_keys [type range spec [lastkey :0 keystep :1 limit :0]]]] []]]"},
		{"COMMAND DOCS nosuch", "[]"},
		{"COMMAND DOCS monitor", "[monitor [summary Listen for all requests received by the server in real time since 1.0.0 group server]]"},
		{"COMMAND DOCS debug", "[debug [summary A container for debugging commands since 1.0.0 group server complexity Depends on subcommand. doc_flags [syscmd]]]"},
		{"COMMAND GETKEYS memory usage k", "[k]"},
		{"COMMAND GETKEYSANDFLAGS memory usage k", "[[k [RO]]]"},
		{"COMMAND GETKEYS config get hz", "-ERR The command has no key arguments"},
		{"COMMAND GETKEYS nosuch a b", "-ERR Invalid command specified"},
		{"COMMAND GETKEYS config|get a b", "-ERR Invalid command specified"},
		{"COMMAND GETKEYS memory usage", "-ERR Invalid number of arguments specified for command"},
		{"COMMAND GETKEYS memory", "-ERR wrong number of arguments for 'command|getkeys' command"},
		{"COMMAND LIST FILTERBY PATTERN config|re*", "[config|resetstat config|rewrite]"},
		{"COMMAND LIST FILTERBY MODULE x", "[]"},
		{"COMMAND LIST FILTERBY ACLCAT nosuch", "[]"},
		{"COMMAND LIST FILTERBY", "-ERR syntax error"},
		{"COMMAND LIST FILTERBY foo bar", "-ERR syntax error"},
		{"COMMAND COUNT x", "-ERR wrong number of arguments for 'command|count' command"},
		{"COMMAND FOO", "-ERR unknown subcommand 'FOO'. Try COMMAND HELP."},
	} {
		if got := c.do(strings.Fields(tc.args)...); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.args, got, tc.want)
		}
	}
	// Every COMMAND INFO entry has the 10 fields, subcommands included.
	all := c.do("COMMAND")
	if !strings.Contains(all, "[config :-2 [] :0 :0 :0 [@slow] [] [] [[config|get") {
		t.Errorf("COMMAND: container entry not found or malformed")
	}
	if list := c.do("COMMAND", "LIST", "FILTERBY", "ACLCAT", "dangerous"); !strings.Contains(list, "client|kill") ||
		strings.Contains(list, "client|getname") {
		t.Errorf("COMMAND LIST FILTERBY ACLCAT dangerous = %s", list)
	}
	help := c.do("COMMAND", "HELP")
	if !strings.HasPrefix(help, "[COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are: (no subcommand)") ||
		!strings.HasSuffix(help, "HELP     Prints this help.]") {
		t.Errorf("COMMAND HELP = %s", help)
	}
}

// TestInfoFlagsMovableKeys checks where "movablekeys" goes among the flags.
func TestInfoFlagsMovableKeys(t *testing.T) {
	cmd := &Command{Flags: FlagWrite | FlagNoScript | FlagAllowBusy, Keys: func([][]byte) []int { return nil }}
	if got := strings.Join(cmd.infoFlags(), " "); got != "write noscript movablekeys allow_busy" {
		t.Errorf("infoFlags = %q", got)
	}
	cmd = &Command{Flags: FlagReadonly, KeySpecs: []KeySpec{{Keyword: "STREAMS", StartFrom: 1, Range: true, KeyStep: 1}}}
	if got := strings.Join(cmd.infoFlags(), " "); got != "readonly movablekeys" {
		t.Errorf("infoFlags = %q", got)
	}
	cmd = &Command{Flags: FlagReadonly | FlagFast, KeySpecs: []KeySpec{{Index: 1, Range: true, KeyStep: 1}}}
	if got := strings.Join(cmd.infoFlags(), " "); got != "readonly fast" {
		t.Errorf("infoFlags = %q", got)
	}
}
