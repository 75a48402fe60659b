package difftest

// TestDocsFuzz is a differential fuzzer driven by redis-server's own command
// table: every command and subcommand COMMAND DOCS describes (but those that
// would end the connection, block, or change the server under the test, see
// docsFuzzSkip) is called with arguments generated from its documented argument
// tree (tokens, one-of alternatives, optional and repeated arguments, keys of
// every type, numbers in and out of range), one call in five broken on purpose (an
// argument dropped, added or replaced) to reach the syntax and range errors. The
// same calls go to redis-server and to keygrid; replies are compared exactly, or
// as COMMAND INFO's tips say (nondeterministic_output: the type only;
// nondeterministic_output_order: sorted), or as docsFuzzLoose says for replies
// that hold times, sizes or cursors. After every write command DEBUG DIGEST
// compares the whole dataset; every 100 calls, and after a difference, both
// servers are flushed and the keys written again. It runs in RESP2, in RESP3 and on
// one-node clusters (cluster mode's CROSSSLOT and CLUSTER subcommands).
//
// TestRandom covers the data commands in depth; this covers breadth: option
// parsing and error replies of the whole table, including the commands nobody
// wrote a generator for. Runs:
//
//	DOCSFUZZ_SEED=1 DOCSFUZZ_STEPS=20000 go test ./internal/difftest -run TestDocsFuzz -v
//
// DOCSFUZZ_TRACE=1 logs every call with both replies; DOCSFUZZ_DIGEST_ALL=1
// compares the digests after every call (to find a read that changed data).

import (
	"math/rand"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// docsFuzzSkip: commands (or "container|sub") not called. They end or change the
// connection or server (SHUTDOWN, QUIT, RESET, HELLO, AUTH, CLIENT's state,
// replication, CONFIG SET/REWRITE, ACL changes, MONITOR, (P|S)SUBSCRIBE), touch
// the disk or the network (SAVE, BGSAVE, MIGRATE, ...), wait (WAIT, blocking
// commands: their flag), or have replies that differ between any two servers
// by design (LOLWUT, MEMORY DOCTOR's text).
var docsFuzzSkip = map[string]bool{
	"shutdown": true, "quit": true, "reset": true, "hello": true, "auth": true, "monitor": true,
	"subscribe": true, "psubscribe": true, "ssubscribe": true, "unsubscribe": true, "punsubscribe": true,
	"sunsubscribe": true, "sync": true, "psync": true, "replicaof": true, "slaveof": true, "failover": true,
	"replconf": true, "save": true, "bgsave": true, "bgrewriteaof": true, "migrate": true, "wait": true,
	"debug": true, "lolwut": true, "select": true, "swapdb": true, "multi": true, "exec": true,
	"discard": true, "watch": true, "unwatch": true, "readonly": true, "readwrite": true, "asking": true,
	"xread": true, "xreadgroup": true, "module": true,
	"client|kill": true, "client|pause": true, "client|unpause": true, "client|reply": true,
	"client|tracking": true, "client|no-evict": true, "client|setname": true, "client|caching": true,
	"client|getredir": true, "client|trackinginfo": true,
	"config|set": true, "config|rewrite": true, "config|resetstat": true,
	"acl|setuser": true, "acl|deluser": true, "acl|load": true, "acl|save": true, "acl|log": true,
	"script|kill": true, "script|debug": true, "function|kill": true, "function|restore": true, "function|dump": true,
	"memory|doctor": true, "memory|malloc-stats": true, "latency|doctor": true, "latency|graph": true,
	"cluster|failover": true, "cluster|reset": true, "cluster|meet": true, "cluster|forget": true,
	"sentinel": true,
}

// docsFuzzLoose: replies compared by shape or type, beyond the tips: they hold
// times, sizes, ids or cursors.
var docsFuzzLoose = map[string]Mode{
	"ttl": ModeType, "pttl": ModeType, "expiretime": ModeType, "pexpiretime": ModeType,
	"object|idletime": ModeType, "object|freq": ModeType, "memory|usage": ModeType,
	"memory|stats": ModeType, "scan": ModeType, "sscan": ModeType, "hscan": ModeType, "zscan": ModeType,
	"dump": ModeType, "xadd": ModeType, "xautoclaim": ModeType, "xclaim": ModeType,
	"xinfo|stream": ModeType, "xinfo|consumers": ModeType, "xinfo|groups": ModeType, "xpending": ModeType,
	"slowlog|get": ModeType, "slowlog|len": ModeType, "latency|latest": ModeType, "latency|history": ModeType,
	"command|docs": ModeType, "command|info": ModeType, "command": ModeType, "command|list": ModeType,
	"command|count": ModeType, "client|list": ModeType, "client|info": ModeType, "client|id": ModeType,
	"client|getname": ModeType, "info": ModeType, "config|get": ModeType, "acl|list": ModeType,
	"acl|users": ModeType, "acl|getuser": ModeType, "acl|whoami": ModeType, "acl|cat": ModeType,
	"acl|genpass": ModeType, "pubsub|numpat": ModeType, "dbsize": ModeType, "cluster|myid": ModeType,
}

type docsArg struct {
	name, typ, token              string
	optional, multiple, multToken bool
	args                          []docsArg
}

type docsCmd struct {
	name   string   // "get" or "config|get"
	words  []string // what is sent before the arguments: [GET] or [CONFIG GET]
	args   []docsArg
	mode   Mode
	write  bool // flagged write: DEBUG DIGEST is compared after it
	random bool // nondeterministic_output: after a random write, both are reset
}

func TestDocsFuzz(t *testing.T) {
	for _, v := range []struct {
		name, proto string
		cluster     bool
		acl, multi  bool
	}{
		{"resp2", "2", false, false, false}, {"resp3", "3", false, false, false},
		{"cluster", "2", true, false, false}, {"acl", "2", false, true, false}, {"multi", "3", false, false, true},
	} {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			docsFuzz(t, v.proto, v.cluster, v.acl, v.multi)
		})
	}
}

// docsFuzzUser is the user the acl variant calls commands as: some keys readable,
// some writable, some both, some channels, and not every command.
var docsFuzzUser = []string{"ACL", "SETUSER", "fuzz", "on", "nopass", "~s*", "~l*", "%R~h*", "%W~z*",
	"resetchannels", "&a*", "+@all", "-@dangerous", "+info", "-flushall", "-debug"}

// docsFuzzClusterSkip: in cluster mode (a one-node cluster owning every slot), what
// would take slots away (the cluster would go down for the rest of the run).
var docsFuzzClusterSkip = map[string]bool{
	"cluster|addslots": true, "cluster|addslotsrange": true, "cluster|delslots": true,
	"cluster|delslotsrange": true, "cluster|flushslots": true, "cluster|setslot": true,
	"cluster|replicate": true, "cluster|set-config-epoch": true,
}

func docsFuzz(t *testing.T, proto string, cluster, acl, multi bool) {
	seed, steps := int64(1), 2500
	if v, err := strconv.ParseInt(os.Getenv("DOCSFUZZ_SEED"), 10, 64); err == nil {
		seed = v
	}
	if v, err := strconv.Atoi(os.Getenv("DOCSFUZZ_STEPS")); err == nil {
		steps = v
	}
	trace := os.Getenv("DOCSFUZZ_TRACE") == "1"
	digestAll := os.Getenv("DOCSFUZZ_DIGEST_ALL") == "1" // after every call, not only writes
	args := []string{"--enable-debug-command", "yes"}
	if cluster {
		args = append(args, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	}
	var ref, got *testutil.Conn
	if cluster {
		ref, got = oneNodeClusters(t, args...)
	} else {
		ref = testutil.StartRedis(t, args...).Conn(t)
		got = testutil.StartKeygrid(t, args...).Conn(t)
	}
	// fref and fgot take the fuzzed calls; ref and got (the default user) set up,
	// compare digests and reset.
	fref, fgot := ref, got
	for _, conn := range []*testutil.Conn{ref, got} {
		do(t, conn, "DEBUG", "SET-ACTIVE-EXPIRE", "0") // keys expire when touched, on both at once
	}
	do(t, ref, "HELLO", "3")
	cmds := docsFuzzCommands(t, ref)
	if cluster {
		cmds = slices.DeleteFunc(cmds, func(c docsCmd) bool { return docsFuzzClusterSkip[c.name] })
	}
	do(t, ref, "HELLO", "2")
	if acl {
		fref, fgot = userConn(t, ref), userConn(t, got)
	}
	// Some calls are slow on both servers (PFSELFTEST runs a long self-test):
	// on a loaded CI machine they can exceed the default reply timeout.
	for _, conn := range []*testutil.Conn{ref, got, fref, fgot} {
		conn.SetTimeout(60 * time.Second)
	}
	do(t, fref, "HELLO", proto)
	do(t, fgot, "HELLO", proto)
	if len(cmds) < 250 {
		t.Fatalf("only %d commands to call", len(cmds))
	}
	r := rand.New(rand.NewSource(seed))
	fails := 0
	populate := func() {
		for _, c := range docsFuzzPopulate {
			for _, conn := range []*testutil.Conn{ref, got} {
				do(t, conn, c...)
			}
		}
	}
	populate()
	for step := 1; step <= steps && fails < 20; step++ {
		c := cmds[r.Intn(len(cmds))]
		argv := append(slices.Clone(c.words), docsGen(r, c.args)...)
		if r.Intn(5) == 0 {
			argv = docsBreak(r, argv, len(c.words))
		}
		var want, have []byte
		if multi {
			// Queued inside MULTI: the reply to the call (QUEUED or the queuing
			// error) is compared exactly, then EXEC's: EXECABORT exactly, or the
			// one result under the command's compare mode (below).
			for _, conn := range []*testutil.Conn{fref, fgot} {
				do(t, conn, "MULTI")
			}
			qw, qh := do(t, fref, argv...), do(t, fgot, argv...)
			if string(qw) != string(qh) {
				fails++
				t.Errorf("%s seed %d step %d: queuing %s\nredis   %q\nkeygrid %q", t.Name(), seed, step, fmtArgv(argv), qw, qh)
			}
			want, have = execResult(t, do(t, fref, "EXEC")), execResult(t, do(t, fgot, "EXEC"))
		} else {
			want = do(t, fref, argv...)
			have = do(t, fgot, argv...)
		}
		if trace {
			t.Logf("step %d: %s -> %q / %q", step, fmtArgv(argv), want, have)
		}
		mode, random := c.mode, c.random
		if (c.name == "sort" || c.name == "sort_ro") && slices.ContainsFunc(argv, func(a string) bool { return strings.EqualFold(a, "BY") }) {
			// BY a pattern without '*' does not sort, and equal weights stay in
			// the order Redis's qsort leaves them: only the reply's type is
			// defined here (TestRandom checks SORT BY in depth).
			mode, random = ModeType, true
		}
		if w, err := testutil.ParseReply(want); err == nil && w.IsError() {
			mode = ModeExact // errors are never random
		}
		if ok, why := Compare(mode, want, have); !ok {
			fails++
			t.Errorf("%s seed %d step %d: %s (%s)\nredis   %q\nkeygrid %q", t.Name(), seed, step, fmtArgv(argv), why, want, have)
		}
		diverged := c.write && random // SPOP: the datasets may differ by design
		if (c.write || digestAll) && !random {
			// A key set with an expiry in the past (SET k v EXAT 1) is gone when
			// next touched, or when active expiry (off here) finds it: touched
			// on both first, so DEBUG DIGEST does not see one side's leftover.
			touch := append([]string{"TOUCH"}, docsFuzzPools["key"]...)
			do(t, ref, touch...)
			do(t, got, touch...)
			dw, dh := do(t, ref, "DEBUG", "DIGEST"), do(t, got, "DEBUG", "DIGEST")
			if string(dw) != string(dh) {
				fails++
				diverged = true
				t.Errorf("%s seed %d step %d: DEBUG DIGEST differs after %s (replies %q / %q)", t.Name(), seed, step, fmtArgv(argv), want, have)
			}
		}
		if diverged || step%100 == 0 || step == steps {
			for _, conn := range []*testutil.Conn{ref, got} {
				do(t, conn, "FLUSHALL")
				do(t, conn, "SCRIPT", "FLUSH")
				do(t, conn, "FUNCTION", "FLUSH")
			}
			populate()
		}
	}
}

// execResult is the one result in EXEC's reply, or the reply itself (EXECABORT).
func execResult(t *testing.T, raw []byte) []byte {
	v := parse(t, raw)
	if v.Kind == testutil.KindArray && len(v.Elems) == 1 {
		return v.Elems[0].Raw
	}
	return raw
}

// userConn creates docsFuzzUser through admin and returns a new connection to the
// same server, authenticated as that user.
func userConn(t *testing.T, admin *testutil.Conn) *testutil.Conn {
	do(t, admin, docsFuzzUser...)
	c, err := testutil.Dial(admin.NetConn().RemoteAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if r := do(t, c, "AUTH", "fuzz", "x"); string(r) != "+OK\r\n" {
		t.Fatalf("AUTH fuzz: %q", r)
	}
	return c
}

// oneNodeClusters starts a redis-server and a keygrid, each a one-node cluster
// owning every slot, and returns a connection to each: multi-key commands meet
// CROSSSLOT, and the keyspace is the cluster's.
func oneNodeClusters(t *testing.T, args ...string) (ref, got *testutil.Conn) {
	args = append(args, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	ref = testutil.StartRedis(t, args...).Conn(t)
	got = testutil.StartKeygrid(t, args...).Conn(t)
	for _, conn := range []*testutil.Conn{ref, got} {
		do(t, conn, "CLUSTER", "ADDSLOTSRANGE", "0", "16383")
		testutil.WaitFor(t, 20*time.Second, func() bool {
			return strings.Contains(string(do(t, conn, "CLUSTER", "INFO")), "cluster_state:ok")
		}, "cluster_state:ok")
	}
	return ref, got
}

// TestClusterRoutingKeysDiffRedis: cluster mode finds a request's keys as Redis's
// getKeysFromCommand does (the getkeys proc, else the legacy range), not as
// COMMAND GETKEYS does (key specs first), so CROSSSLOT comes or not as in Redis.
func TestClusterRoutingKeysDiffRedis(t *testing.T) {
	ref, got := oneNodeClusters(t)
	for _, argv := range [][]string{
		{"GEOADD", "g", "13.361389", "38.115556", "Palermo"},
		// STORE and STOREDIST: the last one wins, in the proc and in the command.
		{"GEORADIUS", "g", "15", "37", "200", "km", "STORE", "{x}a", "STOREDIST", "g"},
		{"GEORADIUS", "g", "15", "37", "200", "km", "STORE", "g", "STOREDIST", "{x}a"},
		{"GEORADIUSBYMEMBER", "g", "Palermo", "10", "km", "STORE", "{x}b", "STOREDIST", "g"},
		{"ZADD", "z", "1", "a"},
		{"ZUNIONSTORE", "z", "1.5", "z", "{x}c"},
		{"ZUNIONSTORE", "z", "1.5", "{x}c", "z"},
		{"ZINTERCARD", "2x", "z", "{x}c"},
		{"SINTERCARD", "1.5", "z", "{x}c"},
		{"EVAL", "return 1", "1.5", "z", "{x}c"},
		{"MSET", "a", "1", "{a}b", "2"},
		{"MSET", "a", "1", "b", "2"},
	} {
		want, have := do(t, ref, argv...), do(t, got, argv...)
		if string(want) != string(have) {
			t.Errorf("%s:\nredis   %q\nkeygrid %q", fmtArgv(argv), want, have)
		}
	}
}

// docsFuzzPopulate writes one key of each type (n1 stays absent).
var docsFuzzPopulate = [][]string{
	{"SET", "s1", "hello"}, {"SET", "s2", "42"}, {"RPUSH", "l1", "a", "b", "c", "1"},
	{"HSET", "h1", "f1", "v1", "f2", "2"}, {"SADD", "t1", "a", "b", "1"},
	{"ZADD", "z1", "1", "a", "2", "b", "3", "c"}, {"XADD", "x1", "1-1", "f", "v"},
	{"XADD", "x1", "2-1", "g", "w"}, {"XGROUP", "CREATE", "x1", "g1", "0"},
	{"GEOADD", "g1", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"},
	{"PFADD", "p1", "a", "b", "c"}, {"SETBIT", "b1", "7", "1"},
	// Past the listpack and intset limits: hashtable, skiplist and quicklist
	// encodings, whose replies in hash-table order are compared sorted.
	bigCmd("HSET", "h2", 300, true), bigCmd("ZADD", "z2", 300, true), bigCmd("SADD", "t2", 600, false),
	bigCmd("SADD", "t3", 300, false), bigCmd("RPUSH", "l2", 300, false),
}

// bigCmd is CMD key followed by n members (i, or a score i and member mi).
func bigCmd(cmd, key string, n int, pairs bool) []string {
	argv := []string{cmd, key}
	for i := 0; i < n; i++ {
		if pairs {
			argv = append(argv, strconv.Itoa(i), "m"+strconv.Itoa(i))
		} else if cmd == "SADD" && key == "t3" {
			argv = append(argv, "m"+strconv.Itoa(i))
		} else {
			argv = append(argv, strconv.Itoa(i))
		}
	}
	return argv
}

var docsFuzzPools = map[string][]string{
	"key":     {"s1", "s2", "l1", "h1", "t1", "z1", "x1", "g1", "p1", "b1", "n1", "{s1}x", "h2", "z2", "t2", "t3", "l2"},
	"string":  {"a", "f1", "hello", "", "1", "-1", "2.5", "c", "v1", "g1", "Palermo", "x", "m7", "7", "299"},
	"integer": {"0", "1", "2", "-1", "3", "10", "-100", "9223372036854775807", "abc", "1.5"},
	"double":  {"0", "1", "2.5", "-1", "+inf", "-inf", "abc", "1e3", "3"},
	"pattern": {"*", "s*", "?1", "[a-z]*", "x"},
	"unix-time": {
		"0", "1", "4102444800", "-1", "abc", "2000000000000",
	},
}

func docsGen(r *rand.Rand, args []docsArg) []string {
	var out []string
	for _, a := range args {
		if a.optional && r.Intn(2) == 0 {
			continue
		}
		n := 1
		if a.multiple {
			n = 1 + r.Intn(3)
		}
		for i := 0; i < n; i++ {
			if a.token != "" && (i == 0 || a.multToken) {
				out = append(out, a.token)
			}
			out = append(out, docsGenOne(r, a)...)
		}
	}
	return out
}

func docsGenOne(r *rand.Rand, a docsArg) []string {
	switch a.typ {
	case "pure-token":
		return nil // the token is the argument
	case "block":
		return docsGen(r, a.args)
	case "oneof":
		alts := a.args
		if a.name == "id_or_auto" || a.name == "id-selector" { // XADD/XSETID: no time-based ids
			alts = slices.DeleteFunc(slices.Clone(alts), func(x docsArg) bool { return x.typ == "pure-token" })
		}
		if len(alts) == 0 {
			return nil
		}
		alt := alts[r.Intn(len(alts))]
		alt.optional, alt.multiple = false, false
		return docsGen(r, []docsArg{alt})
	}
	if a.name == "seconds" || a.name == "milliseconds" || a.name == "ttl" {
		// No expiry short enough to happen between the two servers' calls:
		// gone at once (0, negative) or far away, or not a number.
		return []string{[]string{"0", "-1", "100000", "abc", "9223372036854775807", "1.5"}[r.Intn(6)]}
	}
	if a.typ == "string" && strings.Contains(a.name, "id") {
		return []string{[]string{"0", "1-1", "2-1", "3-0", "$", ">", "+", "-", "0-0"}[r.Intn(9)]}
	}
	pool := docsFuzzPools[a.typ]
	if pool == nil {
		pool = docsFuzzPools["string"]
	}
	return []string{pool[r.Intn(len(pool))]}
}

// docsBreak drops, duplicates or replaces one argument after the command's words.
func docsBreak(r *rand.Rand, argv []string, words int) []string {
	if len(argv) == words {
		return append(argv, "x")
	}
	i := words + r.Intn(len(argv)-words)
	switch r.Intn(3) {
	case 0:
		return slices.Delete(argv, i, i+1)
	case 1:
		return slices.Insert(argv, i, argv[i])
	default:
		argv[i] = []string{"x", "-1", "0", "", "999999999999999999999"}[r.Intn(5)]
		return argv
	}
}

func fmtArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = strconv.Quote(a)
	}
	return strings.Join(q, " ")
}

// docsFuzzCommands reads COMMAND DOCS and COMMAND INFO (RESP3) from conn.
func docsFuzzCommands(t *testing.T, conn *testutil.Conn) []docsCmd {
	docs := parse(t, do(t, conn, "COMMAND", "DOCS"))
	info := parse(t, do(t, conn, "COMMAND", "INFO"))
	tips := map[string][]string{}
	flags := map[string][]string{}
	var walkInfo func(e testutil.Value)
	walkInfo = func(e testutil.Value) {
		name := e.Elems[0].Str
		for _, f := range e.Elems[2].Elems {
			flags[name] = append(flags[name], f.Str)
		}
		for _, tp := range e.Elems[7].Elems {
			tips[name] = append(tips[name], tp.Str)
		}
		for _, sub := range e.Elems[9].Elems {
			walkInfo(sub)
		}
	}
	for _, e := range info.Elems {
		walkInfo(e)
	}
	var out []docsCmd
	var add func(name string, words []string, d testutil.Value)
	add = func(name string, words []string, d testutil.Value) {
		m := mapOf(d)
		if subs, ok := m["subcommands"]; ok {
			for i := 0; i+1 < len(subs.Elems); i += 2 {
				sub := subs.Elems[i].Str
				add(sub, append(slices.Clone(words), strings.ToUpper(sub[strings.Index(sub, "|")+1:])), subs.Elems[i+1])
			}
			return
		}
		if docsFuzzSkip[name] || docsFuzzSkip[strings.Split(name, "|")[0]] || slices.Contains(flags[name], "blocking") {
			return
		}
		c := docsCmd{name: name, words: words, args: docsArgs(m["arguments"]), mode: ModeExact,
			write: slices.Contains(flags[name], "write")}
		if slices.Contains(tips[name], "nondeterministic_output") {
			c.mode, c.random = ModeType, true
		} else if slices.Contains(tips[name], "nondeterministic_output_order") {
			c.mode = ModeSort
		}
		if m, ok := docsFuzzLoose[name]; ok {
			c.mode = m
		}
		out = append(out, c)
	}
	for i := 0; i+1 < len(docs.Elems); i += 2 {
		name := docs.Elems[i].Str
		add(name, []string{strings.ToUpper(name)}, docs.Elems[i+1])
	}
	slices.SortFunc(out, func(a, b docsCmd) int { return strings.Compare(a.name, b.name) })
	return out
}

func mapOf(v testutil.Value) map[string]testutil.Value {
	m := map[string]testutil.Value{}
	for i := 0; i+1 < len(v.Elems); i += 2 {
		m[v.Elems[i].Str] = v.Elems[i+1]
	}
	return m
}

func docsArgs(v testutil.Value) []docsArg {
	var out []docsArg
	for _, e := range v.Elems {
		m := mapOf(e)
		a := docsArg{name: m["name"].Str, typ: m["type"].Str, token: m["token"].Str}
		for _, f := range m["flags"].Elems {
			switch f.Str {
			case "optional":
				a.optional = true
			case "multiple":
				a.multiple = true
			case "multiple_token":
				a.multToken = true
			}
		}
		a.args = docsArgs(m["arguments"])
		out = append(out, a)
	}
	return out
}
