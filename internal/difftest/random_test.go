package difftest

// TestRandom is a randomized differential test of the data commands: it sends the
// same sequence of random commands (random_gen_test.go: strings, bitmaps, lists,
// hashes, sets, sorted sets, keys and expiry, SORT (BY and GET patterns too),
// HyperLogLog, geo, streams and consumer groups, blocking pops with short timeouts,
// MOVE and SWAPDB, DEBUG RELOAD, OBJECT, MEMORY USAGE, DEBUG OBJECT, and CONFIG SET
// of the encoding thresholds and of the quicklist's packed threshold, now and then
// broken on purpose to reach syntax errors) over a key space of twelve keys (each
// type has two of its own, and one command in ten picks any key, so types collide:
// WRONGTYPE; k12 belongs to the stream commands alone) to redis-server and to
// keygrid, and compares the replies:
//
//   - byte for byte, for every deterministic reply;
//   - sorted, for replies in hash-table order (SMEMBERS, SINTER, KEYS, HGETALL of a
//     hashtable-encoded hash; a listpack's order is compared exactly);
//   - by what they must satisfy, for random replies: SRANDMEMBER, SPOP, HRANDFIELD
//     and ZRANDMEMBER must give as many elements as redis-server, each from the
//     key's content (field-value and member-score pairs right), distinct when the
//     count is positive; SPOP must leave the set without what it returned (then
//     the key is rewritten on both sides from redis-server's content, so the
//     sequence goes on from the same state); RANDOMKEY must name an existing key;
//   - SCAN, SSCAN, HSCAN and ZSCAN by the union of a whole iteration;
//   - times in consumer groups (XPENDING's extended form and XINFO CONSUMERS: idle
//     times; XINFO STREAM FULL: seen-times and delivery times) within five
//     seconds (closeTimes), the rest of consumer groups exactly;
//   - RESTORE takes redis-server's DUMP of a key ("@DUMP:k1" in a command: keygrid
//     must load what Redis writes, in its hash-table order).
//   - DEBUG RELOAD: a hash-table hash the load turns into a listpack takes its
//     order from the hash table; such a key is copied from redis-server to keygrid
//     afterwards (see reload).
//   - TTL, PTTL, EXPIRETIME, PEXPIRETIME within two seconds; DUMP exactly, or only
//     its length when the value is in a hash table (whose order DUMP writes) or
//     is a stream with consumers (their seen-times);
//   - SORT ALPHA of a set or zset up to ties under strcoll ("" and "\x00"), which
//     keep hash-table order; SORT of a hash-table set with BY and no star (no
//     sorting), and ALPHA with a BY pattern of a set or zset (ties unbroken), as
//     multisets, by length with LIMIT, not sent with STORE (sortHashOrder);
//   - MEMORY USAGE exactly, by type for a hash table or skiplist (sampled in
//     hash-table order, random node levels); DEBUG OBJECT with its address and
//     LRU clock masked;
//   - lex ranges (ZLEXCOUNT, ZRANGEBYLEX, ...) over a
//     skiplist whose members have different scores only by reply type (Redis's
//     answer depends on the skiplist's random levels; ZREMRANGEBYLEX and
//     ZRANGESTORE BYLEX are not sent then).
//
// Relative expiry times are long (a mutated command that would set a short one is
// replaced), active expiry is off (DEBUG SET-ACTIVE-EXPIRE 0), and keys are touched
// before DBSIZE, KEYS, SCAN and DEBUG DIGEST, so keys never expire at different
// moments on the two servers. Before a SORT, redis-server's errno is cleared (see
// exec), since a stale ERANGE makes its numeric SORT fail.
//
// Every 50 commands, and at the end, the whole dataset is compared with DEBUG
// DIGEST. A mismatch is reported with the seed, the step, the command and both
// replies, then reduced: the commands since the last FLUSHALL are replayed on
// flushed servers, dropping those the mismatch does not need, and the minimal
// sequence is printed in the syntax of testdata/*.txt. Then both servers are
// flushed and the run goes on (at most maxRandomFailures reports per seed).
//
// Runs (go test ./internal/difftest/ -run TestRandom -v):
//
//	RANDDIFF_SEED=N     the first seed (default 1); also -args -seed=N
//	RANDDIFF_SEEDS=N    how many seeds, N, N+1, ... (default 6)
//	RANDDIFF_STEPS=N    commands per seed (default 5000; the default run takes ~6 s)
//	RANDDIFF_TRACE=1    log every command with redis-server's reply
//	RANDDIFF_AGAINST=redis  both sides are redis-server: validates the test itself
//
// A long run: RANDDIFF_SEED=1000 RANDDIFF_SEEDS=200 RANDDIFF_STEPS=20000 go test
// -timeout 0 -run TestRandom ./internal/difftest/. Odd seeds talk RESP3 from the start.

import (
	"flag"
	"fmt"
	"math"
	"math/rand"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

var randomSeed = flag.Int64("seed", 0, "TestRandom: first seed (default RANDDIFF_SEED or 1)")

const (
	maxRandomFailures = 3
	digestEvery       = 50
	reduceBudget      = 60 * time.Second
)

func envInt(t *testing.T, name string, def int64) int64 {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, s, err)
	}
	return n
}

func TestRandom(t *testing.T) {
	seed := envInt(t, "RANDDIFF_SEED", 1)
	if *randomSeed != 0 {
		seed = *randomSeed
	}
	seeds := envInt(t, "RANDDIFF_SEEDS", 6)
	steps := int(envInt(t, "RANDDIFF_STEPS", 5000))
	args := []string{"--enable-debug-command", "yes"}
	d := &rdiff{t: t, trace: os.Getenv("RANDDIFF_TRACE") == "1"}
	d.addrs[0] = testutil.StartRedis(t, args...).Addr()
	if os.Getenv("RANDDIFF_AGAINST") == "redis" {
		// Both sides redis-server: shows that what the test compares is deterministic.
		d.addrs[1] = testutil.StartRedis(t, args...).Addr()
	} else {
		d.addrs[1] = testutil.StartKeygrid(t, args...).Addr()
	}
	defer d.close()
	total := 0
	for s := seed; s < seed+seeds; s++ {
		n := d.runSeed(s, steps)
		total += n
	}
	t.Logf("seeds %d..%d, %d commands each: %d mismatches", seed, seed+seeds-1, steps, total)
}

// rdiff holds the connections to both servers: main carries the random commands
// (RESP3 for odd seeds), aux (RESP2) reads the state for the checks.
type rdiff struct {
	t     *testing.T
	addrs [2]string
	main  [2]*testutil.Conn
	aux   [2]*testutil.Conn
	resp3 bool
	trace bool
	seed  int64
	hist  [][]string // commands since the last FLUSHALL
}

func (d *rdiff) close() {
	for i := range 2 {
		if d.main[i] != nil {
			d.main[i].Close()
		}
		if d.aux[i] != nil {
			d.aux[i].Close()
		}
	}
}

// reset flushes both servers, restores the configuration and reopens the connections.
func (d *rdiff) reset() {
	d.close()
	for i := range 2 {
		for _, c := range []**testutil.Conn{&d.main[i], &d.aux[i]} {
			conn, err := testutil.Dial(d.addrs[i])
			if err != nil {
				d.t.Fatalf("dial %s: %v", d.addrs[i], err)
			}
			conn.SetTimeout(10 * time.Second)
			*c = conn
		}
		d.auxDo(i, "FLUSHALL")
		d.auxDo(i, "DEBUG", "SET-ACTIVE-EXPIRE", "0")
		d.auxDo(i, "DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1073741824")
		for _, p := range configDefaults {
			if v := d.auxDo(i, "CONFIG", "SET", p[0], p[1]); v.IsError() {
				d.t.Fatalf("side %d: CONFIG SET %s %s: %s", i, p[0], p[1], v.Str)
			}
		}
		if d.resp3 {
			if _, err := d.main[i].Do("HELLO", "3"); err != nil {
				d.t.Fatal(err)
			}
		}
	}
	d.hist = d.hist[:0]
}

func (d *rdiff) do(i int, args ...string) []byte {
	raw, err := d.main[i].Do(args...)
	if err != nil {
		d.t.Fatalf("seed %d: side %d: %q: %v", d.seed, i, args, err)
	}
	return raw
}

func (d *rdiff) auxDo(i int, args ...string) testutil.Value {
	raw, err := d.aux[i].Do(args...)
	if err != nil {
		d.t.Fatalf("seed %d: side %d (aux): %q: %v", d.seed, i, args, err)
	}
	v, err := testutil.ParseReply(raw)
	if err != nil {
		d.t.Fatalf("seed %d: side %d (aux): %q: %v", d.seed, i, args, err)
	}
	return v
}

var sideNames = [2]string{"redis", "keygrid"}

func (d *rdiff) runSeed(seed int64, steps int) int {
	d.seed = seed
	d.resp3 = seed%2 == 1
	d.reset()
	g := &gen{r: rand.New(rand.NewSource(seed))}
	failures := 0
	for n := 1; n <= steps && failures < maxRandomFailures; n++ {
		var args []string
		if n%digestEvery == 0 || n == steps {
			args = []string{"DEBUG", "DIGEST"}
		} else {
			args = g.next()
		}
		d.hist = append(d.hist, args)
		why, raws := d.exec(args)
		if d.trace {
			d.t.Logf("seed %d step %d: %s -> %s", seed, n, scriptLine(args), quote(raws[0], 0))
		}
		if why == "" {
			continue
		}
		failures++
		d.t.Errorf("seed %d step %d: %s: %s\n\tredis:   %s\n\tkeygrid: %s", seed, n, scriptLine(args), why,
			quote(raws[0], firstDiff(raws[0], raws[1])), quote(raws[1], firstDiff(raws[0], raws[1])))
		d.reduce()
		d.reset()
	}
	d.t.Logf("seed %d: %d commands, %d mismatches", seed, steps, failures)
	return failures
}

// exec runs one command on both sides and returns why the replies do not match ("" if
// they do), and the raw replies.
func (d *rdiff) exec(args []string) (string, [2][]byte) {
	name := strings.ToUpper(args[0])
	if name == "RESTORE" && len(args) > 3 && strings.HasPrefix(args[3], "@DUMP:") {
		// RESTORE of redis-server's DUMP of a key: keygrid must load what Redis
		// writes, hash-table order included.
		src := strings.TrimPrefix(args[3], "@DUMP:")
		d.touch(src) // DUMP deletes it on redis-server if its time has passed
		payload := d.auxDo(0, "DUMP", src)
		args = slices.Clone(args)
		args[3] = payload.Str
		if payload.Null {
			args[3] = "nothing to restore"
		}
	}
	if lexKey := lexRangeKey(name, args); lexKey != "" && d.lexUndefined(lexKey) {
		// A lex range over members of different scores in a skiplist: the result
		// depends on the skiplist's random levels, even within one redis-server.
		if name == "ZREMRANGEBYLEX" || name == "ZRANGESTORE" {
			return "", [2][]byte{}
		}
		raws := d.both(args)
		if ok, why := Compare(ModeType, raws[0], raws[1]); !ok {
			return why, raws
		}
		return "", raws
	}
	switch name {
	case "DEBUG":
		if len(args) == 2 && strings.EqualFold(args[1], "RELOAD") {
			return d.reload(args)
		}
		if len(args) == 3 && strings.EqualFold(args[1], "OBJECT") {
			raws := d.both(args)
			if string(debugObjectMask.ReplaceAll(raws[0], nil)) == string(debugObjectMask.ReplaceAll(raws[1], nil)) {
				return "", raws
			}
			return exactWhy(raws), raws
		}
		if len(args) == 2 && strings.EqualFold(args[1], "DIGEST") {
			d.touchAll()
			raws := d.both(args)
			if why := exactWhy(raws); why != "" {
				return why + d.digestDiff(), raws
			}
			return "", raws
		}
	case "KEYS", "DBSIZE":
		d.touchAll()
	case "RANDOMKEY":
		d.touchAll()
		return d.checkRandomKey(args)
	case "SCAN", "SSCAN", "HSCAN", "ZSCAN":
		if name == "SCAN" {
			d.touchAll()
		}
		return d.checkScan(args)
	case "SORT", "SORT_RO":
		// redis-server's numeric SORT checks errno == ERANGE after strtod without
		// clearing it first, so an ERANGE left by an earlier command (an XADD id
		// such as 1-18446744073709551616) makes it fail with "One or more scores
		// can't be converted into double". keygrid does not model the stale errno;
		// SSCAN's cursor parsing clears it.
		d.auxDo(0, "SSCAN", "randdiff-nokey", "0")
		d.auxDo(1, "SSCAN", "randdiff-nokey", "0")
		if why, raws, done := d.sortHashOrder(args); done {
			return why, raws
		}
	case "XINFO", "XPENDING":
		// Idle times, consumers' seen-times and pending entries' delivery times.
		raws := d.both(args)
		if bytesEq(raws) {
			return "", raws
		}
		a, erra := testutil.ParseReply(raws[0])
		b, errb := testutil.ParseReply(raws[1])
		if erra == nil && errb == nil && closeTimes(a, b, name == "XPENDING") {
			return "", raws
		}
		return exactWhy(raws), raws
	case "MEMORY":
		// A hash table's sample follows its order, a skiplist's nodes have random
		// levels: only the reply's type is compared then.
		if len(args) > 2 {
			d.touch(args[2])
			if enc := d.encoding(0, args[2]); enc == "hashtable" || enc == "skiplist" {
				raws := d.both(args)
				if ok, why := Compare(ModeType, raws[0], raws[1]); !ok {
					return why, raws
				}
				return "", raws
			}
		}
	case "SRANDMEMBER", "SPOP", "HRANDFIELD", "ZRANDMEMBER":
		if len(args) >= 2 {
			return d.checkRandom(args)
		}
	}
	raws := d.both(args)
	if bytesEq(raws) {
		return "", raws
	}
	switch name {
	case "SMEMBERS", "HGETALL", "HKEYS", "HVALS":
		// Hash-table order, unless the value is a listpack or intset.
		mode := ModeSort
		if name == "HGETALL" {
			mode = ModeSortPairs
		}
		if ok, _ := Compare(mode, raws[0], raws[1]); ok && d.encoding(0, args[1]) == "hashtable" {
			return "", raws
		}
	case "SINTER", "SUNION", "SDIFF", "KEYS":
		if ok, _ := Compare(ModeSort, raws[0], raws[1]); ok {
			return "", raws
		}
	case "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME":
		a, erra := testutil.ParseReply(raws[0])
		b, errb := testutil.ParseReply(raws[1])
		tol := int64(2)
		if name[0] == 'P' {
			tol = 2000
		}
		if erra == nil && errb == nil && a.Kind == testutil.KindInt && b.Kind == testutil.KindInt &&
			a.Int >= 0 && b.Int >= 0 && abs64(a.Int-b.Int) <= tol {
			return "", raws
		}
	case "SORT", "SORT_RO":
		// SORT ALPHA without STORE compares with strcoll, which stops at a NUL byte:
		// "" and "\x00" tie, and a set or zset (which SORT turns into a skiplist)
		// gives them in the order of its hash table.
		if len(args) > 1 && hasWord(args, "ALPHA") && !hasWord(args, "STORE") &&
			slices.Contains([]string{"hashtable", "skiplist"}, d.encoding(0, args[1])) && cutAtNul(raws[0]) == cutAtNul(raws[1]) {
			return "", raws
		}
	case "DUMP":
		if len(raws[0]) == len(raws[1]) && len(args) == 2 && (d.encoding(0, args[1]) == "hashtable" || d.hasConsumers(args[1])) {
			return "", raws
		}
	}
	return exactWhy(raws), raws
}

// sortHashOrder runs a SORT whose order redis-server takes from a hash table, and
// compares what is deterministic: a set in a hash table with BY and no star (no
// sorting; sorted with STORE), and a set or zset (SORT iterates a zset's dict) with
// ALPHA and a BY pattern, whose ties are not broken. Without LIMIT the replies are
// compared as multisets, with LIMIT by length; such a SORT with STORE is not sent
// (its result would differ). done is false for any other SORT.
func (d *rdiff) sortHashOrder(args []string) (why string, raws [2][]byte, done bool) {
	if len(args) < 3 {
		return "", raws, false
	}
	var by string
	var hasBy, alpha, store, limit bool
	for j := 2; j < len(args); j++ {
		switch strings.ToUpper(args[j]) {
		case "BY":
			if j+1 < len(args) && (!hasBy || strings.Contains(by, "*")) {
				by, hasBy = args[j+1], true
			}
			j++
		case "GET":
			j++
		case "STORE":
			store = true
			j++
		case "LIMIT":
			limit = true
			j += 2
		case "ALPHA":
			alpha = true
		}
	}
	dontsort := hasBy && !strings.Contains(by, "*")
	d.touch(args[1])
	typ := d.auxDo(0, "TYPE", args[1]).Str
	hashSet := typ == "set" && d.encoding(0, args[1]) == "hashtable"
	tiesInHashOrder := hasBy && !dontsort && alpha && (hashSet || typ == "zset")
	if !(hashSet && dontsort && !store) && !tiesInHashOrder {
		return "", raws, false
	}
	if store {
		return "", raws, true
	}
	raws = d.both(args)
	if bytesEq(raws) {
		return "", raws, true
	}
	if limit {
		// Which elements, and so what GET finds for them, depends on the order.
		a, erra := testutil.ParseReply(raws[0])
		b, errb := testutil.ParseReply(raws[1])
		if erra == nil && errb == nil && a.IsAggregate() && b.IsAggregate() && len(a.Elems) == len(b.Elems) {
			return "", raws, true
		}
		return exactWhy(raws), raws, true
	}
	if ok, why := Compare(ModeSort, raws[0], raws[1]); !ok {
		return why, raws, true
	}
	return "", raws, true
}

// debugObjectMask matches what DEBUG OBJECT says that differs between two servers
// holding the same value: its address and LRU clock.
var debugObjectMask = regexp.MustCompile(`at:0x[0-9a-f]+|lru:[0-9]+|lru_seconds_idle:[0-9]+`)

// reload runs DEBUG RELOAD. A hash in a hash table that the load makes a listpack
// again takes the order in which redis-server saved it, its hash table's; such a
// key is then copied from redis-server to keygrid (DUMP, RESTORE), so that the run
// goes on from equal states.
func (d *rdiff) reload(args []string) (string, [2][]byte) {
	var tables []string // "db key"
	for _, db := range []string{"0", "1"} {
		for i := range 2 {
			d.auxDo(i, "SELECT", db)
		}
		for k := range allKeys {
			key := "k" + strconv.Itoa(k)
			d.touch(key)
			if d.auxDo(0, "TYPE", key).Str == "hash" && d.encoding(0, key) == "hashtable" {
				tables = append(tables, db+" "+key)
			}
		}
	}
	raws := d.both(args)
	for _, t := range tables {
		db, key, _ := strings.Cut(t, " ")
		for i := range 2 {
			d.auxDo(i, "SELECT", db)
		}
		if d.encoding(0, key) != "listpack" {
			continue
		}
		dump := d.auxDo(0, "DUMP", key)
		ttl := d.auxDo(0, "PEXPIRETIME", key).Int
		restore := []string{"RESTORE", key, "0", dump.Str, "REPLACE"}
		if ttl > 0 {
			restore = []string{"RESTORE", key, strconv.FormatInt(ttl, 10), dump.Str, "REPLACE", "ABSTTL"}
		}
		if v := d.auxDo(1, restore...); v.IsError() {
			d.t.Fatalf("seed %d: keygrid: RESTORE of redis-server's %s after DEBUG RELOAD: %s", d.seed, key, v.Str)
		}
	}
	for i := range 2 {
		d.auxDo(i, "SELECT", "0")
	}
	return exactWhy(raws), raws
}

// timeKeys name the map fields of XINFO replies that hold times.
var timeKeys = map[string]bool{"idle": true, "seen-time": true, "delivery-time": true}

// closeTimes compares two replies exactly, except for the integers that are times
// (within five seconds): those following a name of timeKeys, those of at least
// 10^12 (milliseconds since 1970: XINFO STREAM FULL's delivery times), and with
// pendingEntries the third of each four (XPENDING's extended form: id, consumer,
// idle time, deliveries).
func closeTimes(a, b testutil.Value, pendingEntries bool) bool {
	if a.Kind != b.Kind || a.Null != b.Null || len(a.Elems) != len(b.Elems) || a.Str != b.Str || a.Int != b.Int {
		return false
	}
	for i := range a.Elems {
		x, y := a.Elems[i], b.Elems[i]
		isTime := x.Kind == testutil.KindInt && y.Kind == testutil.KindInt &&
			(x.Int >= 1e12 && y.Int >= 1e12 ||
				i > 0 && !a.Elems[i-1].IsAggregate() && timeKeys[a.Elems[i-1].Str] ||
				pendingEntries && len(a.Elems) == 4 && i == 2)
		if isTime {
			if x.Int < 0 || y.Int < 0 || abs64(x.Int-y.Int) > 5000 {
				return false
			}
			continue
		}
		if !closeTimes(x, y, pendingEntries) {
			return false
		}
	}
	return true
}

// touch looks keys up on both sides, so that a key whose time has passed is
// deleted on both before the test reads it on one (which would delete it there
// only: DEBUG DIGEST-VALUE, which looks nothing up, would then tell them apart).
func (d *rdiff) touch(keys ...string) {
	for i := range 2 {
		d.auxDo(i, append([]string{"EXISTS"}, keys...)...)
	}
}

// hasConsumers reports whether key is a stream with a consumer, whose DUMP holds
// its seen-time (milliseconds apart on the two servers).
func (d *rdiff) hasConsumers(key string) bool {
	d.touch(key)
	if d.auxDo(0, "TYPE", key).Str != "stream" {
		return false
	}
	for _, grp := range d.auxDo(0, "XINFO", "GROUPS", key).Elems {
		for j := 0; j+1 < len(grp.Elems); j += 2 {
			if grp.Elems[j].Str == "consumers" && grp.Elems[j+1].Int > 0 {
				return true
			}
		}
	}
	return false
}

// lexRangeKey returns the key a lex-range command reads, or "".
func lexRangeKey(name string, args []string) string {
	switch name {
	case "ZLEXCOUNT", "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZREMRANGEBYLEX":
		if len(args) > 1 {
			return args[1]
		}
	case "ZRANGE", "ZRANGESTORE":
		k := 1
		if name == "ZRANGESTORE" {
			k = 2
		}
		if len(args) > k && slices.ContainsFunc(args, func(a string) bool { return strings.EqualFold(a, "BYLEX") }) {
			return args[k]
		}
	}
	return ""
}

// lexUndefined reports whether key is a skiplist zset whose members do not all have
// the same score (on redis-server).
func (d *rdiff) lexUndefined(key string) bool {
	d.touch(key) // the command may fail before it looks the key up
	if d.encoding(0, key) != "skiplist" {
		return false
	}
	_, m := d.content(0, key)
	score := ""
	for _, s := range m {
		if score != "" && s != score {
			return true
		}
		score = s
	}
	return false
}

func hasWord(args []string, w string) bool {
	return slices.ContainsFunc(args[1:], func(a string) bool { return strings.EqualFold(a, w) })
}

// cutAtNul renders a reply's elements as C strings: each up to its first NUL byte.
func cutAtNul(raw []byte) string {
	v, err := testutil.ParseReply(raw)
	if err != nil {
		return string(raw)
	}
	var b strings.Builder
	for _, e := range elems(v) {
		e, _, _ = strings.Cut(e, "\x00")
		b.WriteString(strconv.Quote(e))
	}
	return b.String()
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func bytesEq(raws [2][]byte) bool { return string(raws[0]) == string(raws[1]) }

func exactWhy(raws [2][]byte) string {
	if bytesEq(raws) {
		return ""
	}
	_, why := exact(raws[0], raws[1])
	return why
}

func (d *rdiff) both(args []string) [2][]byte {
	return [2][]byte{d.do(0, args...), d.do(1, args...)}
}

func (d *rdiff) encoding(i int, key string) string {
	v := d.auxDo(i, "OBJECT", "ENCODING", key)
	return v.Str
}

// touchAll makes both sides delete the keys whose time has passed, so DBSIZE, KEYS
// and DEBUG DIGEST (which count them until then) agree. The key space's keys are
// looked up; then a whole SCAN of db 0 and db 1 (COPY ... DB 1 reaches it) expires
// the rest, keys named by a mutated argument (SET -1 k1 EXAT 1) among them: left
// in place, such a key was deleted or not by redis-server's RANDOMKEY, whichever
// key it happened to sample, and DEBUG DIGEST counted it on one side only.
func (d *rdiff) touchAll() {
	args := []string{"EXISTS"}
	for k := range allKeys {
		args = append(args, "k"+strconv.Itoa(k))
	}
	for i := range 2 {
		d.auxDo(i, args...)
		for _, db := range []string{"1", "0"} {
			d.auxDo(i, "SELECT", db)
			for cursor := "0"; ; {
				v := d.auxDo(i, "SCAN", cursor, "COUNT", "1000")
				if len(v.Elems) != 2 {
					d.t.Fatalf("seed %d: side %d: SCAN reply %q", d.seed, i, v.Raw)
				}
				if cursor = v.Elems[0].Str; cursor == "0" {
					break
				}
			}
		}
	}
}

// digestDiff names the keys whose DEBUG DIGEST-VALUE differs.
func (d *rdiff) digestDiff() string {
	var diff []string
	for k := range allKeys {
		key := "k" + strconv.Itoa(k)
		a := d.auxDo(0, "DEBUG", "DIGEST-VALUE", key)
		b := d.auxDo(1, "DEBUG", "DIGEST-VALUE", key)
		if string(a.Raw) != string(b.Raw) {
			diff = append(diff, fmt.Sprintf("%s (redis %s, keygrid %s)", key, d.describe(0, key), d.describe(1, key)))
		}
	}
	if len(diff) == 0 {
		// COPY ... DB 1 is the only way to another database.
		for i := range 2 {
			d.auxDo(i, "SELECT", "1")
		}
		for k := range allKeys {
			key := "k" + strconv.Itoa(k)
			a := d.auxDo(0, "DEBUG", "DIGEST-VALUE", key)
			b := d.auxDo(1, "DEBUG", "DIGEST-VALUE", key)
			if string(a.Raw) != string(b.Raw) {
				diff = append(diff, fmt.Sprintf("db 1 %s (redis %s, keygrid %s)", key, d.describe(0, key), d.describe(1, key)))
			}
		}
		for i := range 2 {
			d.auxDo(i, "SELECT", "0")
		}
	}
	if len(diff) == 0 {
		return "; no key of db 0 or 1 differs"
	}
	return "; differing keys: " + strings.Join(diff, ", ")
}

// describe renders a key's type, TTL and content, for reports.
func (d *rdiff) describe(i int, key string) string {
	typ := d.auxDo(i, "TYPE", key).Str
	var v testutil.Value
	switch typ {
	case "string":
		v = d.auxDo(i, "GET", key)
	case "list":
		v = d.auxDo(i, "LRANGE", key, "0", "-1")
	case "set":
		v = d.auxDo(i, "SMEMBERS", key)
	case "hash":
		v = d.auxDo(i, "HGETALL", key)
	case "zset":
		v = d.auxDo(i, "ZRANGE", key, "0", "-1", "WITHSCORES")
	case "stream":
		v = d.auxDo(i, "XRANGE", key, "-", "+")
	default:
		return typ
	}
	ttl := d.auxDo(i, "PTTL", key).Int
	return fmt.Sprintf("%s ttl=%v %s", typ, ttl >= 0, quote(v.Raw, 0))
}

// content reads a set, hash or zset as member -> value ("" for a set; the score as
// RESP2 writes it for a zset), and its type.
func (d *rdiff) content(i int, key string) (string, map[string]string) {
	typ := d.auxDo(i, "TYPE", key).Str
	m := map[string]string{}
	var v testutil.Value
	switch typ {
	case "set":
		v = d.auxDo(i, "SMEMBERS", key)
		for _, e := range v.Elems {
			m[e.Str] = ""
		}
		return typ, m
	case "hash":
		v = d.auxDo(i, "HGETALL", key)
	case "zset":
		v = d.auxDo(i, "ZRANGE", key, "0", "-1", "WITHSCORES")
	default:
		return typ, m
	}
	for j := 0; j+1 < len(v.Elems); j += 2 {
		m[v.Elems[j].Str] = v.Elems[j+1].Str
	}
	return typ, m
}

// elems flattens a reply into its strings: members, or member-value pairs (RESP3
// WITHSCORES nests them; a double is written back as RESP2 would).
func elems(v testutil.Value) []string {
	var out []string
	for _, e := range v.Elems {
		if e.IsAggregate() {
			out = append(out, elems(e)...)
			continue
		}
		out = append(out, e.Str)
	}
	return out
}

func sameScore(a, b string) bool {
	if a == b {
		return true
	}
	fa, erra := strconv.ParseFloat(a, 64)
	fb, errb := strconv.ParseFloat(b, 64)
	return erra == nil && errb == nil && (fa == fb || math.IsNaN(fa) && math.IsNaN(fb))
}

// checkRandom runs SRANDMEMBER, SPOP, HRANDFIELD or ZRANDMEMBER and checks each
// side's reply against that side's content before the command.
func (d *rdiff) checkRandom(args []string) (string, [2][]byte) {
	name := strings.ToUpper(args[0])
	key := args[1]
	var pre [2]map[string]string
	var typ [2]string
	for i := range 2 {
		typ[i], pre[i] = d.content(i, key)
	}
	raws := d.both(args)
	if bytesEq(raws) && name != "SPOP" {
		return "", raws
	}
	if typ[0] != typ[1] || !mapsEqual(pre[0], pre[1]) {
		return "the key differs before the command", raws
	}
	var vals [2]testutil.Value
	for i := range 2 {
		v, err := testutil.ParseReply(raws[i])
		if err != nil {
			return "unparseable reply", raws
		}
		vals[i] = v
	}
	if vals[0].IsError() || vals[1].IsError() || vals[0].Kind != vals[1].Kind || vals[0].Null != vals[1].Null {
		return exactWhy(raws), raws
	}
	pairs := len(args) == 4
	positive := len(args) >= 3 && !strings.HasPrefix(args[2], "-")
	var got [2][]string
	for i, v := range vals {
		if !v.IsAggregate() {
			if !v.Null {
				got[i] = []string{v.Str}
			}
		} else {
			got[i] = elems(v)
		}
		if len(got[i]) != len(got[0]) {
			return fmt.Sprintf("%d elements from keygrid, %d from redis", len(got[i]), len(got[0])), raws
		}
		seen := map[string]bool{}
		step := 1
		if pairs {
			step = 2
		}
		for j := 0; j+step-1 < len(got[i]); j += step {
			m := got[i][j]
			want, ok := pre[i][m]
			if !ok {
				return fmt.Sprintf("%s returned %q, not in the %s", sideNames[i], m, typ[i]), raws
			}
			if pairs && !sameScore(want, got[i][j+1]) {
				return fmt.Sprintf("%s returned %q with %q, not %q", sideNames[i], m, got[i][j+1], want), raws
			}
			if positive && seen[m] {
				return fmt.Sprintf("%s returned %q twice for a positive count", sideNames[i], m), raws
			}
			seen[m] = true
		}
	}
	if name != "SPOP" {
		return "", raws
	}
	// SPOP: each side must have removed what it returned; then both are set to
	// redis-server's remainder, so that the run goes on from equal states.
	var post [2]map[string]string
	for i := range 2 {
		_, post[i] = d.content(i, key)
		want := maps2(pre[i])
		for _, m := range got[i] {
			delete(want, m)
		}
		if !mapsEqual(want, post[i]) {
			return fmt.Sprintf("%s: the set after SPOP is not the set before minus the popped members", sideNames[i]), raws
		}
	}
	if !mapsEqual(post[0], post[1]) {
		members := make([]string, 0, len(post[0]))
		for m := range post[0] {
			members = append(members, m)
		}
		slices.Sort(members)
		pexp := d.auxDo(0, "PEXPIRETIME", key).Int
		for i := range 2 {
			d.auxDo(i, "DEL", key)
			d.auxDo(i, append([]string{"SADD", key}, members...)...)
			if pexp > 0 {
				d.auxDo(i, "PEXPIREAT", key, strconv.FormatInt(pexp, 10))
			}
		}
	}
	return "", raws
}

func maps2(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !sameScore(v, w) {
			return false
		}
	}
	return true
}

func (d *rdiff) checkRandomKey(args []string) (string, [2][]byte) {
	raws := d.both(args)
	if bytesEq(raws) {
		return "", raws
	}
	for i := range 2 {
		v, err := testutil.ParseReply(raws[i])
		if err != nil || v.IsError() {
			return exactWhy(raws), raws
		}
		keys := d.auxDo(i, "KEYS", "*")
		if v.Null != (len(keys.Elems) == 0) {
			return fmt.Sprintf("%s: null reply with %d keys", sideNames[i], len(keys.Elems)), raws
		}
		if !v.Null && !slices.ContainsFunc(keys.Elems, func(k testutil.Value) bool { return k.Str == v.Str }) {
			return fmt.Sprintf("%s: %q is not a key", sideNames[i], v.Str), raws
		}
	}
	return "", raws
}

// checkScan iterates a whole SCAN-family command from cursor 0 on each side and
// compares the sorted union of what came back (elements, or pairs for HSCAN/ZSCAN).
func (d *rdiff) checkScan(args []string) (string, [2][]byte) {
	name := strings.ToUpper(args[0])
	ci := 2
	if name == "SCAN" {
		ci = 1
	}
	pairs := name == "HSCAN" || name == "ZSCAN"
	if ci < len(args) && args[ci] != "0" {
		// Not a whole iteration (a cursor such as -1 is valid): where it starts
		// depends on the hash table.
		raws := d.both(args)
		if ok, why := Compare(ModeType, raws[0], raws[1]); !ok || bytesEq(raws) {
			return why, raws
		}
		a, _ := testutil.ParseReply(raws[0])
		if a.IsError() {
			return exactWhy(raws), raws
		}
		return "", raws
	}
	var raws [2][]byte
	var sets [2]string
	for i := range 2 {
		a := slices.Clone(args)
		seen := map[string]bool{}
		for calls := 0; ; calls++ {
			raw := d.do(i, a...)
			v, err := testutil.ParseReply(raw)
			if err != nil || v.IsError() || len(v.Elems) != 2 || calls > 10000 || ci >= len(a) {
				raws[i] = raw
				sets[i] = "raw:" + string(raw)
				break
			}
			es := elems(v.Elems[1])
			if pairs {
				for j := 0; j+1 < len(es); j += 2 {
					seen[es[j]+"\x00"+es[j+1]] = true
				}
			} else {
				for _, e := range es {
					seen[e] = true
				}
			}
			if v.Elems[0].Str == "0" {
				keys := make([]string, 0, len(seen))
				for k := range seen {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				sets[i] = strings.Join(keys, "\x01")
				raws[i] = []byte(fmt.Sprintf("%q", keys))
				break
			}
			a[ci] = v.Elems[0].Str
		}
	}
	if sets[0] != sets[1] {
		if strings.HasPrefix(sets[0], "raw:") || strings.HasPrefix(sets[1], "raw:") {
			return exactWhy(raws), raws
		}
		return "the iterations returned different elements", raws
	}
	return "", raws
}

// reduce replays the commands since the last FLUSHALL on flushed servers, keeping
// the failing one last and dropping every other one the mismatch does not need, and
// logs what is left.
func (d *rdiff) reduce() {
	hist := slices.Clone(d.hist)
	last := hist[len(hist)-1]
	seq := hist[:len(hist)-1]
	deadline := time.Now().Add(reduceBudget)
	var why string
	var raws [2][]byte
	fails := func(prefix [][]string) bool {
		d.reset()
		for _, a := range prefix {
			d.exec(a)
		}
		why, raws = d.exec(last)
		return why != ""
	}
	// The cause is usually recent: try short suffixes first.
	for k := 1; k < len(seq); k *= 2 {
		if fails(seq[len(seq)-k:]) {
			seq = seq[len(seq)-k:]
			break
		}
	}
	for chunk := len(seq) / 2; chunk >= 1 && time.Now().Before(deadline); {
		removed := false
		for start := 0; start < len(seq) && time.Now().Before(deadline); {
			end := min(start+chunk, len(seq))
			cand := append(slices.Clone(seq[:start]), seq[end:]...)
			if fails(cand) {
				seq = cand
				removed = true
			} else {
				start = end
			}
		}
		if !removed {
			chunk /= 2
		}
	}
	if !fails(seq) {
		d.t.Logf("seed %d: the mismatch did not reproduce on replay", d.seed)
		return
	}
	var b strings.Builder
	if d.resp3 {
		b.WriteString("!resp3\n")
	}
	for _, a := range seq {
		b.WriteString(scriptLine(a) + "\n")
	}
	b.WriteString(scriptLine(last) + "\n")
	d.t.Logf("seed %d: reduced to %d commands (%s):\n%s\tredis:   %s\n\tkeygrid: %s", d.seed, len(seq)+1, why,
		b.String(), quote(raws[0], firstDiff(raws[0], raws[1])), quote(raws[1], firstDiff(raws[0], raws[1])))
}

// scriptLine writes a command in the syntax of testdata/*.txt (and redis-cli).
func scriptLine(args []string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = scriptArg(a)
	}
	return strings.Join(parts, " ")
}

func scriptArg(a string) string {
	plain := a != ""
	for i := 0; i < len(a); i++ {
		c := a[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return a
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(a); i++ {
		c := a[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c >= 0x7f:
			fmt.Fprintf(&b, "\\x%02x", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
