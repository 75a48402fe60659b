package engine

// DEBUG and MEMORY (Redis's debug.c and the MEMORY command of object.c).
//
// DEBUG is refused unless enable-debug-command allows it ("yes", or "local" for
// loopback and unix-socket clients). Its subcommands are a table, so that later parts
// (persistence: RELOAD, DIGEST, DIGEST-VALUE; replication: CHANGE-REPL-ID) add theirs
// as one entry each.
//
// MEMORY USAGE sizes strings exactly as Redis 7.0 with jemalloc does (the same size
// classes), so capacity planning done against Redis carries over; other value types
// report their size through the memoryUser interface.

import (
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/quicklist"
	"github.com/keygrid/keygrid/engine/resp"
	"go.uber.org/zap"
)

var debugCommands = []*Command{
	{Name: "debug", Arity: -2, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
		Group: "server", Since: "1.0.0", Complexity: "Depends on subcommand.",
		Summary: "A container for debugging commands",
		Doc:     &CmdDoc{Flags: []string{"syscmd"}},
		Proc:    debugCommand},
	{Name: "memory", Arity: -2,
		Group: "server", Since: "4.0.0", Complexity: "Depends on subcommand.",
		Summary: "A container for memory diagnostics commands",
		Subs: []*Command{
			{Name: "doctor", Arity: 2,
				Group: "server", Since: "4.0.0", Complexity: "O(1)",
				Summary: "Outputs memory problems report",
				Tips:    []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"},
				Proc:    memoryDoctorCommand},
			{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale,
				Group: "server", Since: "4.0.0", Complexity: "O(1)",
				Summary: "Show helpful text about the different subcommands",
				Proc:    memoryHelpCommand},
			{Name: "malloc-stats", Arity: 2,
				Group: "server", Since: "4.0.0", Complexity: "Depends on how much memory is allocated, could be slow",
				Summary: "Show allocator internal stats",
				Tips:    []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"},
				Proc:    memoryMallocStatsCommand},
			{Name: "purge", Arity: 2,
				Group: "server", Since: "4.0.0", Complexity: "Depends on how much memory is allocated, could be slow",
				Summary: "Ask the allocator to release memory",
				Tips:    []string{"request_policy:all_shards", "response_policy:all_succeeded"},
				Proc:    memoryPurgeCommand},
			{Name: "stats", Arity: 2,
				Group: "server", Since: "4.0.0", Complexity: "O(1)",
				Summary: "Show memory usage details",
				Tips:    []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"},
				Proc:    memoryStatsCommand},
			{Name: "usage", Arity: -3, Flags: FlagReadonly, FirstKey: 2, LastKey: 2, Step: 1,
				Group: "server", Since: "4.0.0", Complexity: "O(N) where N is the number of samples.",
				Summary:  "Estimate the memory usage of a key",
				KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "key", Type: "key"},
					{Name: "count", Type: "integer", Token: "SAMPLES", Optional: true},
				}},
				Proc: memoryUsageCommand},
		},
	},
}

// --- DEBUG -----------------------------------------------------------------------------

// debugSub is one DEBUG subcommand: it runs when argc is within [minArgs, maxArgs]
// (argv[0] is DEBUG); otherwise Redis's subcommand syntax error is replied.
type debugSub struct {
	name             string
	minArgs, maxArgs int
	help             []string
	proc             func(c *Client)
}

// debugSubs are the DEBUG subcommands, in HELP order.
var debugSubs = []debugSub{
	{"aof-flush-sleep", 3, 3, []string{
		"AOF-FLUSH-SLEEP <microsec>",
		"    Server will sleep before flushing the AOF, this is used for testing.",
	}, debugAOFFlushSleep},
	{"config-rewrite-force-all", 2, 2, []string{
		"CONFIG-REWRITE-FORCE-ALL",
		"    Like CONFIG REWRITE but writes all configuration options, including",
		"    keywords not listed in original configuration file or default values.",
	}, debugConfigRewriteForceAll},
	{"digest", 2, 2, []string{
		"DIGEST",
		"    Output a hex signature representing the current DB content.",
	}, debugDigest},
	{"digest-value", 2, math.MaxInt, []string{
		"DIGEST-VALUE <key> [<key> ...]",
		"    Output a hex signature of the values of all the specified keys.",
	}, debugDigestValue},
	{"error", 3, 3, []string{
		"ERROR <string>",
		"    Return a Redis protocol error with <string> as message. Useful for clients",
		"    unit tests to simulate Redis errors.",
	}, debugError},
	{"log", 3, 3, []string{
		"LOG <message>",
		"    Write <message> to the server log.",
	}, debugLog},
	{"loadaof", 2, 2, []string{
		"LOADAOF",
		"    Flush the AOF buffers on disk and reload the AOF in memory.",
	}, debugLoadAOF}, // aof_load.go
	{"replicate", 3, 1 << 30, []string{
		"REPLICATE <string>",
		"    Replicates the provided string to replicas, allowing data divergence.",
	}, debugReplicate}, // repl_errors.go
	{"object", 3, 3, []string{
		"OBJECT <key>",
		"    Show low level info about `key` and associated value.",
	}, debugObject},
	{"populate", 3, 5, []string{
		"POPULATE <count> [<prefix>] [<size>]",
		"    Create <count> string keys named key:<num>. If <prefix> is specified then",
		"    it is used instead of the 'key' prefix. These are not propagated to",
		"    replicas. Cluster slots are not respected so keys not belonging to the",
		"    current node can be created in cluster mode.",
	}, debugPopulate},
	{"protocol", 3, 3, []string{
		"PROTOCOL <type>",
		"    Reply with a test value of the specified type. <type> can be: string,",
		"    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
		"    true, false.",
	}, debugProtocol},
	{"reload", 2, 5, []string{
		"RELOAD [option ...]",
		"    Save the RDB on disk and reload it back to memory. Valid <option> values:",
		"    * MERGE: conflicting keys will be loaded from RDB.",
		"    * NOFLUSH: the existing database will not be removed before load, but",
		"      conflicting keys will generate an exception and kill the server.",
		"    * NOSAVE: the database will be loaded from an existing RDB file.",
		"    Examples:",
		"    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
		"      the database.",
		"    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
		"      existing RDB file.",
		"    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
		"      file to the database.",
	}, debugReload},
	{"segfault", 2, 2, []string{
		"SEGFAULT",
		"    Crash the server with sigsegv.",
	}, debugSegfault}, // crash.go
	{"set-active-expire", 3, 3, []string{
		"SET-ACTIVE-EXPIRE <0|1>",
		"    Setting it to 0 disables expiring keys in background when they are not",
		"    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
		"    default.",
	}, debugSetActiveExpire},
	{"quicklist-packed-threshold", 3, 3, []string{
		"QUICKLIST-PACKED-THRESHOLD <size>",
		"    Sets the threshold for elements to be inserted as plain vs packed nodes",
		"    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
	}, debugQuicklistPackedThreshold},
	{"set-skip-checksum-validation", 3, 3, []string{
		"SET-SKIP-CHECKSUM-VALIDATION <0|1>",
		"    Enables or disables checksum checks for RDB files and RESTORE's payload.",
	}, debugSetSkipChecksumValidation},
	// Undocumented in Redis's DEBUG HELP too.
	{"set-disable-deny-scripts", 3, 3, nil, debugSetDisableDenyScripts},
	{"sleep", 3, 3, []string{
		"SLEEP <seconds>",
		"    Stop the server for <seconds>. Decimals allowed.",
	}, debugSleep},
	{"pause-cron", 3, 3, []string{
		"PAUSE-CRON <0|1>",
		"    Stop periodic cron job processing.",
	}, debugPauseCron},
	{"replybuffer", 4, 4, []string{
		"REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
		"    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
		"    In case NEVER is provided the last observed peak will never be reset",
		"    In case RESET is provided the peak reset time will be restored to the default value",
		"REPLYBUFFER RESIZING <0|1>",
		"    Enable or disable the reply buffer resize cron job",
	}, debugReplyBuffer}, // client_evict.go
}

// DEBUG subcommand [arg ...]
func debugCommand(c *Client) {
	s := c.srv
	if !allowProtected(s.cfg.EnableDebugCommand, c) {
		c.ReplyError("ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.")
		return
	}
	if len(c.argv) == 2 && eqFold(c.argv[1], "help") {
		var lines []string
		for _, d := range debugSubs {
			lines = append(lines, d.help...)
		}
		c.replyHelp(lines)
		return
	}
	for i := range debugSubs {
		d := &debugSubs[i]
		if eqFold(c.argv[1], d.name) && len(c.argv) >= d.minArgs && len(c.argv) <= d.maxArgs {
			d.proc(c)
			return
		}
	}
	c.replySubcommandSyntaxError()
}

// allowProtected is Redis's allowProtectedAction for enable-debug-command and
// enable-protected-configs: "yes", or "local" for a local client.
func allowProtected(setting string, c *Client) bool {
	return setting == "yes" || setting == "local" && c.isLocal()
}

// DEBUG ERROR string
func debugError(c *Client) {
	msg := string(c.argv[2])
	// The string is the whole error, code included, as Redis sends it.
	c.out = resp.AppendError(c.out, "-"+msg)
	code, _, _ := strings.Cut(msg, " ")
	c.srv.countError(code, c.cmd)
}

// DEBUG LOG message
func debugLog(c *Client) {
	c.srv.log.Warn("DEBUG LOG: " + string(c.argv[2]))
	c.ReplyOK()
}

// DEBUG SLEEP seconds
func debugSleep(c *Client) {
	sec := strtod(string(c.argv[2]))
	if us := int64(sec * 1e6); us > 0 {
		c.srv.clusterLoopBlocks() // a frozen node's bus answers nothing from now
		time.Sleep(time.Duration(us) * time.Microsecond)
	}
	c.ReplyOK()
}

// strtod parses the longest prefix of s that is a decimal number, 0 when there is
// none, as C's strtod does for DEBUG SLEEP.
func strtod(s string) float64 {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	for end := len(s); end > 0; end-- {
		if f, err := strconv.ParseFloat(s[:end], 64); err == nil {
			return f
		}
	}
	return 0
}

// atoi parses a leading decimal integer as C's atoi: 0 when there is none.
func atoi(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, _ := strconv.ParseInt(s[:end], 10, 64)
	return n
}

// DEBUG SET-ACTIVE-EXPIRE 0|1
func debugSetActiveExpire(c *Client) {
	c.srv.activeExpire = atoi(string(c.argv[2])) != 0
	c.ReplyOK()
}

// DEBUG QUICKLIST-PACKED-THRESHOLD size
func debugQuicklistPackedThreshold(c *Client) {
	sz, ok := config.ParseMemory(string(c.argv[2]))
	if !ok || !quicklist.SetPackedThreshold(sz) {
		c.ReplyError("ERR argument must be a memory value bigger than 1 and smaller than 4gb")
		return
	}
	c.ReplyOK()
}

// DEBUG PAUSE-CRON 0|1
func debugPauseCron(c *Client) {
	c.srv.cronPaused = atoi(string(c.argv[2])) != 0
	c.ReplyOK()
}

// DEBUG SET-DISABLE-DENY-SCRIPTS 0|1
func debugSetDisableDenyScripts(c *Client) {
	c.srv.script.denyDisabled = atoi(string(c.argv[2])) != 0
	c.ReplyOK()
}

// DEBUG SET-SKIP-CHECKSUM-VALIDATION <0|1>
func debugSetSkipChecksumValidation(c *Client) {
	c.srv.persist.skipChecksum = atoi(string(c.argv[2])) != 0
	c.ReplyOK()
}

// DEBUG AOF-FLUSH-SLEEP <microseconds>
func debugAOFFlushSleep(c *Client) {
	c.srv.aof.flushSleep = time.Duration(max(atoi(string(c.argv[2])), 0)) * time.Microsecond
	c.ReplyOK()
}

// DEBUG CONFIG-REWRITE-FORCE-ALL
func debugConfigRewriteForceAll(c *Client) {
	s := c.srv
	for _, h := range s.beforeRewriteHooks {
		h()
	}
	if err := s.cfg.RewriteForceAll(s.cfgPath); err != nil {
		// Redis: "CONFIG-REWRITE-FORCE-ALL failed: <strerror>".
		c.ReplyError("ERR CONFIG-REWRITE-FORCE-ALL failed: " + strings.TrimPrefix(strings.TrimPrefix(err.Error(), "ERR "), "Rewriting config file: "))
		return
	}
	c.ReplyOK()
}

// DEBUG OBJECT key
func debugObject(c *Client) {
	_, r := c.db.find(c.argv[2])
	if r == 0 {
		c.ReplyError(ErrNoSuchKey)
		return
	}
	e := c.db.dictFor(c.argv[2]).E(r)
	enc := metaEnc(e.Meta)
	refcount := c.srv.objectRefcount(e)
	lru := metaLRU(e.Meta)
	idle := (c.srv.lruClock() - lru) & 0xffffff
	extra := ""
	if x, ok := e.Obj.(debugObjectExtra); ok {
		extra = x.DebugObjectExtra()
	}
	c.ReplySimple(fmt.Sprintf("Value at:%p refcount:%d encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d%s",
		e, refcount, encNames[enc], c.srv.serializedLength(e), lru, idle, extra))
}

// sharedIntegers is Redis's OBJ_SHARED_INTEGERS: values 0..9999 share one object.
const sharedIntegers = 10000

// debugObjectExtra is implemented by values that add fields to DEBUG OBJECT (lists:
// ql_nodes, ql_avg_node, ...).
type debugObjectExtra interface{ DebugObjectExtra() string }

// serializedLength is DEBUG OBJECT's serializedlength: the value's size in an RDB
// file. The persistence part computes it exactly (compression included) through
// rdbSavedLen; without it strings are sized uncompressed and other types as 0.
func (s *Server) serializedLength(e *keyspace.Entry) int64 {
	if s.rdbSavedLen != nil {
		return s.rdbSavedLen(e)
	}
	if metaType(e.Meta) != TypeString {
		return 0
	}
	v := stringValue(e)
	if n, ok := parseInt(v); ok && len(v) <= 11 {
		switch {
		case n >= -1<<7 && n < 1<<7:
			return 2
		case n >= -1<<15 && n < 1<<15:
			return 3
		case n >= -1<<31 && n < 1<<31:
			return 5
		}
	}
	return int64(rdbLenSize(len(v)) + len(v))
}

// rdbLenSize is the size of an RDB length prefix.
func rdbLenSize(n int) int {
	switch {
	case n < 1<<6:
		return 1
	case n < 1<<14:
		return 2
	case n <= 1<<32-1:
		return 5
	}
	return 9
}

// DEBUG POPULATE count [prefix] [size]
func debugPopulate(c *Client) {
	const errRange = "ERR value is out of range, must be positive"
	count, ok := parseInt(c.argv[2])
	if !ok || count < 0 {
		c.ReplyError(errRange)
		return
	}
	prefix := "key"
	if len(c.argv) > 3 {
		prefix = string(c.argv[3])
	}
	size := int64(0)
	if len(c.argv) > 4 {
		if size, ok = parseInt(c.argv[4]); !ok || size < 0 {
			c.ReplyError(errRange)
			return
		}
	}
	key := make([]byte, 0, len(prefix)+21)
	val := make([]byte, 0, max(int(size), 32))
	for j := int64(0); j < count; j++ {
		key = strconv.AppendInt(append(append(key[:0], prefix...), ':'), j, 10)
		if c.db.Exists(key) {
			continue
		}
		val = strconv.AppendInt(append(val[:0], "value:"...), j, 10)
		if size > 0 {
			// Redis pads with zero bytes, or truncates, to exactly size bytes.
			for int64(len(val)) < size {
				val = append(val, 0)
			}
			val = val[:size]
		}
		c.db.AddString(key, val)
		c.srv.signalModified(c.db, key)
	}
	c.ReplyOK()
}

// DEBUG PROTOCOL type
func debugProtocol(c *Client) {
	switch name := strings.ToLower(string(c.argv[2])); name {
	case "string":
		c.ReplyBulkString("Hello World")
	case "integer":
		c.ReplyInt(12345)
	case "double":
		c.ReplyDouble(3.141)
	case "bignum":
		c.out = resp.AppendBigNumber(c.out, "1234567999999999999999999999999999999", c.proto)
	case "null":
		c.ReplyNull()
	case "array", "set":
		if name == "array" {
			c.ReplyArray(3)
		} else {
			c.ReplySet(3)
		}
		for i := int64(0); i < 3; i++ {
			c.ReplyInt(i)
		}
	case "map":
		c.ReplyMap(3)
		for i := int64(0); i < 3; i++ {
			c.ReplyInt(i)
			c.ReplyBool(i == 1)
		}
	case "attrib":
		if c.proto >= 3 {
			c.out = resp.AppendAttribute(c.out, 1)
			c.ReplyBulkString("key-popularity")
			c.ReplyArray(2)
			c.ReplyBulkString("key:123")
			c.ReplyInt(90)
		}
		c.ReplyBulkString("Some real reply following the attribute")
	case "push":
		if c.proto < 3 {
			c.ReplyError("ERR RESP2 is not supported by this command")
			return
		}
		c.out = resp.AppendPush(c.out, 2, c.proto)
		c.ReplyBulkString("server-cpu-usage")
		c.ReplyInt(42)
		c.ReplyBulkString("Some real reply following the push reply")
	case "true":
		c.ReplyBool(true)
	case "false":
		c.ReplyBool(false)
	case "verbatim":
		c.ReplyVerbatim("This is a verbatim\nstring")
	default:
		c.ReplyError("ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")
	}
}

// --- MEMORY ----------------------------------------------------------------------------

// memoryUser is implemented by value objects that estimate their memory as Redis's
// objectComputeSize does, looking at up to samples elements (0: all).
type memoryUser interface{ MemoryUsage(samples int) int64 }

// jemallocSize is the usable size jemalloc (x86-64, 16-byte quantum) gives a request
// of n bytes: 8, then multiples of 16 up to 128, then four classes per doubling.
func jemallocSize(n int64) int64 {
	switch {
	case n <= 8:
		return 8
	case n <= 128:
		return (n + 15) &^ 15
	}
	p := int64(1)
	for p*2 < n {
		p *= 2
	}
	spacing := p / 4
	return (n + spacing - 1) / spacing * spacing
}

// sdsAllocSize is the allocation of an sds string of length n with room for capacity
// bytes: header (by sds type) + capacity + NUL. keyType5 allows the 1-byte header
// Redis uses for keys shorter than 32 bytes; values always have at least type 8.
func sdsAllocSize(n, capacity int, keyType5 bool) int64 {
	hdr := 17
	switch {
	case n < 1<<5 && keyType5:
		hdr = 1
	case n < 1<<8:
		hdr = 3
	case n < 1<<16:
		hdr = 5
	case n < 1<<32:
		hdr = 9
	}
	return jemallocSize(int64(hdr + capacity + 1))
}

// Sizes of Redis's structures that MEMORY USAGE counts (64-bit).
const (
	robjSize      = 16 // sizeof(robj)
	dictEntrySize = 24 // sizeof(dictEntry)
)

// memoryUsage is MEMORY USAGE's estimate for an entry: key, dict entry and value as
// Redis lays them out.
func memoryUsage(e *keyspace.Entry, samples int) int64 {
	key := e.Key()
	size := sdsAllocSize(len(key), len(key), true) + dictEntrySize
	if metaType(e.Meta) != TypeString {
		if e.Obj == nil {
			// A compact encoding kept inline (a hash's listpack): in Redis one robj and
			// one exactly sized allocation, its zmalloc_size.
			return size + robjSize + jemallocSize(int64(len(e.Val())))
		}
		if m, ok := e.Obj.(memoryUser); ok {
			size += m.MemoryUsage(samples)
		}
		return size
	}
	v := stringValue(e)
	switch metaEnc(e.Meta) {
	case EncInt:
		return size + robjSize
	case EncEmbstr:
		return size + jemallocSize(int64(robjSize+3+len(v)+1))
	}
	if sb, ok := e.Obj.(*strBuf); ok {
		return size + robjSize + sb.zsize
	}
	return size + robjSize + sdsAllocSize(len(v), len(v), false)
}

// MEMORY USAGE key [SAMPLES count]
func memoryUsageCommand(c *Client) {
	samples := 5 // OBJ_COMPUTE_SIZE_DEF_SAMPLES
	argv := c.argv
	for j := 3; j < len(argv); j++ {
		if !eqFold(argv[j], "samples") || j+1 >= len(argv) {
			c.ReplyError(ErrSyntax)
			return
		}
		n, ok := parseInt(argv[j+1])
		if !ok {
			c.ReplyError(ErrNotInt)
			return
		}
		if n < 0 {
			c.ReplyError(ErrSyntax)
			return
		}
		samples = int(min(n, 1<<31-1))
		j++
	}
	// Like Redis, look the key up without expiring it or touching its LRU clock.
	_, r := c.db.find(argv[2])
	if r == 0 {
		c.ReplyNull()
		return
	}
	c.ReplyInt(memoryUsage(c.db.dictFor(argv[2]).E(r), samples))
}

// memOverhead is Redis's struct redisMemOverhead for keygrid's structures.
type memOverhead struct {
	peak, total, startup uint64
	clientsNormal        uint64
	// replBacklog and clientsSlaves split the shared replication buffer
	// (repl_buffer.go's replMemSplit).
	replBacklog, clientsSlaves uint64
	dbs                        []dbOverhead
	overheadTotal, datasetSize uint64
	keys                       int64
	bytesPerKey                uint64
	datasetPerc, peakPerc      float32
}

type dbOverhead struct {
	id             int
	main, expires  uint64
	keys, volatile int
}

// memoryOverheadData computes the figures MEMORY STATS and INFO memory share.
func (s *Server) memoryOverheadData() memOverhead {
	st := &s.info
	used := s.usedMemory()
	st.peak = max(st.peak, used)
	mh := memOverhead{peak: st.peak, total: used, startup: st.startup}
	// Replicas are reported by their share of the replication buffer.
	mh.clientsNormal = uint64(s.clientsNormalMem()) // client_evict.go
	backlog, replicas := s.replMemSplit()
	mh.replBacklog, mh.clientsSlaves = uint64(backlog), uint64(replicas)
	mh.overheadTotal = mh.startup + mh.clientsNormal + mh.replBacklog + mh.clientsSlaves
	entry := uint64(unsafe.Sizeof(keyspace.Entry{}))
	for _, db := range s.dbs {
		if db.Len() == 0 {
			continue
		}
		o := dbOverhead{id: db.id, keys: db.Len(), volatile: db.VolatileLen()}
		for _, d := range db.dicts {
			b0, b1 := d.Buckets()
			o.main += uint64(d.Len())*entry + uint64(b0+b1)*4
			o.expires += uint64(d.VolatileLen()) * 4
		}
		mh.dbs = append(mh.dbs, o)
		mh.overheadTotal += o.main + o.expires
		mh.keys += int64(o.keys)
	}
	mh.overheadTotal = min(mh.overheadTotal, used)
	mh.datasetSize = used - mh.overheadTotal
	if mh.keys > 0 && used > mh.startup {
		mh.bytesPerKey = (used - mh.startup) / uint64(mh.keys)
	}
	if used > mh.startup {
		mh.datasetPerc = float32(mh.datasetSize) * 100 / float32(used-mh.startup)
	}
	if mh.peak > 0 {
		mh.peakPerc = float32(used) * 100 / float32(mh.peak)
	}
	return mh
}

// MEMORY STATS
func memoryStatsCommand(c *Client) {
	s := c.srv
	mh := s.memoryOverheadData()
	st := &s.info
	u := func(n uint64) { c.ReplyInt(int64(n)) }
	f := func(x float32) { c.ReplyDouble(float64(x)) }
	ratio32 := func(a, b uint64) float32 {
		if b == 0 {
			return 0
		}
		return float32(a) / float32(b)
	}
	c.ReplyMap(27 + len(mh.dbs))
	for _, kv := range []struct {
		k string
		v uint64
	}{
		{"peak.allocated", mh.peak}, {"total.allocated", mh.total}, {"startup.allocated", mh.startup},
		{"replication.backlog", mh.replBacklog}, {"clients.slaves", mh.clientsSlaves}, {"clients.normal", mh.clientsNormal},
		{"cluster.links", 0}, {"aof.buffer", 0}, {"lua.caches", 0}, {"functions.caches", 200},
	} {
		c.ReplyBulkString(kv.k)
		u(kv.v)
	}
	for _, o := range mh.dbs {
		c.ReplyBulkString("db." + strconv.Itoa(o.id))
		c.ReplyMap(3)
		c.ReplyBulkString("overhead.hashtable.main")
		u(o.main)
		c.ReplyBulkString("overhead.hashtable.expires")
		u(o.expires)
		c.ReplyBulkString("overhead.hashtable.slot-to-keys")
		u(0)
	}
	c.ReplyBulkString("overhead.total")
	u(mh.overheadTotal)
	c.ReplyBulkString("keys.count")
	c.ReplyInt(mh.keys)
	c.ReplyBulkString("keys.bytes-per-key")
	u(mh.bytesPerKey)
	c.ReplyBulkString("dataset.bytes")
	u(mh.datasetSize)
	c.ReplyBulkString("dataset.percentage")
	f(mh.datasetPerc)
	c.ReplyBulkString("peak.percentage")
	f(mh.peakPerc)
	c.ReplyBulkString("allocator.allocated")
	u(st.heapObj)
	c.ReplyBulkString("allocator.active")
	u(st.heapActive)
	c.ReplyBulkString("allocator.resident")
	u(st.resident)
	c.ReplyBulkString("allocator-fragmentation.ratio")
	f(ratio32(st.heapActive, st.heapObj))
	c.ReplyBulkString("allocator-fragmentation.bytes")
	c.ReplyInt(int64(st.heapActive) - int64(st.heapObj))
	c.ReplyBulkString("allocator-rss.ratio")
	f(ratio32(st.resident, st.heapActive))
	c.ReplyBulkString("allocator-rss.bytes")
	c.ReplyInt(int64(st.resident) - int64(st.heapActive))
	c.ReplyBulkString("rss-overhead.ratio")
	f(ratio32(st.rss, st.resident))
	c.ReplyBulkString("rss-overhead.bytes")
	c.ReplyInt(int64(st.rss) - int64(st.resident))
	c.ReplyBulkString("fragmentation")
	f(ratio32(st.rss, mh.total))
	c.ReplyBulkString("fragmentation.bytes")
	c.ReplyInt(int64(st.rss) - int64(mh.total))
}

// MEMORY DOCTOR
func memoryDoctorCommand(c *Client) { c.ReplyVerbatim(c.srv.memoryDoctorReport()) }

// memoryDoctorReport is Redis's getMemoryDoctorReport for the conditions keygrid can
// observe: an (almost) empty instance, and a peak far above current use.
func (s *Server) memoryDoctorReport() string {
	mh := s.memoryOverheadData()
	if mh.total < 5<<20 {
		return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
	}
	if float64(mh.peak)/float64(mh.total) <= 1.5 {
		return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
	}
	return "Sam, I detected a few issues in this Redis instance memory implants:\n\n" +
		" * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n" +
		"I'm here to keep you safe, Sam. I want to help you.\n"
}

// MEMORY MALLOC-STATS
func memoryMallocStatsCommand(c *Client) {
	// What Redis replies when built without jemalloc: Go's allocator has no such report.
	c.ReplyVerbatim("Stats not supported for the current allocator")
}

// MEMORY PURGE
func memoryPurgeCommand(c *Client) {
	// Return freed heap memory to the OS now (Redis asks jemalloc to purge its arenas).
	start := time.Now()
	debug.FreeOSMemory()
	c.srv.log.Debug("MEMORY PURGE", zap.Duration("took", time.Since(start)))
	c.srv.sampleMemory(time.Now())
	c.ReplyOK()
}

// MEMORY HELP
func memoryHelpCommand(c *Client) {
	c.replyHelp([]string{
		"DOCTOR",
		"    Return memory problems reports.",
		"MALLOC-STATS",
		"    Return internal statistics report from the memory allocator.",
		"PURGE",
		"    Attempt to purge dirty pages for reclamation by the allocator.",
		"STATS",
		"    Return information about the memory usage of the server.",
		"USAGE <key> [SAMPLES <count>]",
		"    Return memory in bytes used by <key> and its value. Nested values are",
		"    sampled up to <count> times (default: 5, 0 means sample all).",
	})
}
