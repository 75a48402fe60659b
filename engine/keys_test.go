package engine

// Tests of the keyspace commands (keys.go, expire_cmds.go, db_cmds.go) and of lazy and
// active expiry (db.go, expire.go). Most run through strTester (strings_test.go), a
// client without a socket whose server state the test can inspect directly; expiry by
// the cron and SCAN under concurrent writers run on a real server. keys_diff_test.go
// compares the same commands with a real redis-server.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/keyspace"
)

// newKeysTester is newStrTester with a configuration of the test's choosing.
func newKeysTester(t testing.TB, mutate func(*config.Config)) *strTester {
	t.Helper()
	cfg := config.Default()
	// Like the redis-server it is compared with (--save ""): no save points, so
	// FLUSHALL counts its changes instead of saving; and a data dir of its own.
	cfg.Save = nil
	cfg.Dir = t.TempDir()
	if mutate != nil {
		mutate(cfg)
	}
	s, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	s.ownAllSlots() // cluster mode: serve every slot
	st := &strTester{t: t, s: s}
	st.c = &Client{srv: s, fd: -1, id: 1, db: s.dbs[0], proto: 2, flags: flagAuthenticated}
	s.propagate = func(db int, argv [][]byte) {
		parts := make([]string, len(argv))
		for i, a := range argv {
			parts[i] = string(a)
		}
		st.propagated = append(st.propagated, strings.Join(parts, " "))
	}
	return st
}

// expireNow backdates key's TTL so it has passed, without waiting.
func (st *strTester) expireNow(key string) {
	st.t.Helper()
	d, r := st.c.db.find([]byte(key))
	if r == 0 {
		st.t.Fatalf("expireNow: no key %q", key)
	}
	d.SetExpire(r, st.s.nowMs-1)
}

func TestKeysCommands(t *testing.T) {
	st := newKeysTester(t, nil)
	st.script(`
		MSET a 1 b 2 c 3 d 4 => OK
		EXISTS a a nokey b => :3
		DEL a nokey a => :1
		UNLINK b c => :2
		UNLINK b => :0
		TOUCH d d nokey => :2
		TYPE d => string
		TYPE nokey => none
		DBSIZE => :1
		RENAME nokey x => -ERR no such key
		RENAME nokey nokey => -ERR no such key
		RENAME d d => OK
		RENAMENX d d => :0
		RENAMENX nokey nokey => -ERR no such key
		SET e 5 => OK
		RENAMENX d e => :0
		RENAME d e => OK
		GET e => "4"
		EXISTS d => :0
		RENAMENX e f => :1
		COPY f f => -ERR source and destination objects are the same
		COPY f f DB 0 => -ERR source and destination objects are the same
		COPY f g DB => -ERR syntax error
		COPY f g FOO => -ERR syntax error
		COPY f g DB x => -ERR value is not an integer or out of range
		COPY f g DB 16 => -ERR DB index is out of range
		COPY f g DB -1 => -ERR DB index is out of range
		COPY f g DB 4294967296 => -ERR value is out of range, value must between -2147483648 and 2147483647
		COPY nokey g => :0
		COPY f g => :1
		COPY f g => :0
		COPY f g REPLACE => :1
		COPY f f DB 1 => :1
		MOVE f 0 => -ERR source and destination objects are the same
		MOVE f 1 => :0
		MOVE g 1 => :1
		MOVE nokey 1 => :0
		MOVE g 16 => -ERR DB index is out of range
		MOVE g x => -ERR value is not an integer or out of range
		SELECT 1 => OK
		KEYS f => ["f"]
		KEYS g => ["g"]
		SELECT 0 => OK
		SWAPDB 0 1 => OK
		DBSIZE => :2
		SWAPDB 0 0 => OK
		SWAPDB 0 16 => -ERR DB index is out of range
		SWAPDB x 0 => -ERR invalid first DB index
		SWAPDB 0 x => -ERR invalid second DB index
		SWAPDB 0 4294967296 => -ERR invalid second DB index
		FLUSHDB x => -ERR syntax error
		FLUSHDB ASYNC x => -ERR syntax error
		FLUSHDB sync => OK
		DBSIZE => :0
		RANDOMKEY => (nil)
		SELECT 1 => OK
		DBSIZE => :1
		RANDOMKEY => "f"
		FLUSHALL ASYNC => OK
		DBSIZE => :0
		SELECT 0 => OK
	`)
}

func TestKeysPatterns(t *testing.T) {
	st := newKeysTester(t, nil)
	st.do("MSET", "hello", "1", "hallo", "2", "hxllo", "3", "h[ae]llo", "4", "foo", "5")
	st.do("SET", "gone", "v", "PX", "100000")
	st.expireNow("gone")
	for _, tc := range []struct{ pat, want string }{
		{"*", "foo h[ae]llo hallo hello hxllo"},
		{"h?llo", "hallo hello hxllo"},
		{"h[ae]llo", "hallo hello"},
		{"h[^e]llo", "hallo hxllo"},
		{"h[a-b]llo", "hallo"},
		{`h\[ae\]llo`, "h[ae]llo"},
		{"f*", "foo"},
		{"g*", ""},
		{"", ""},
	} {
		v := st.do("KEYS", tc.pat)
		var got []string
		for _, f := range strings.Fields(strings.Trim(v, "[]")) {
			u, _ := strconv.Unquote(f)
			got = append(got, u)
		}
		slices.Sort(got)
		if strings.Join(got, " ") != tc.want {
			t.Errorf("KEYS %q = %q, want %q", tc.pat, got, tc.want)
		}
	}
	if st.c.db.Len() != 6 {
		t.Errorf("KEYS deleted the expired key")
	}
}

// TestKeysDeferredLength runs KEYS after other replies in the same output buffer:
// the array header is inserted in front of the keys, not at the start of the buffer.
func TestKeysDeferredLength(t *testing.T) {
	st := newKeysTester(t, nil)
	st.do("MSET", "k1", "a", "k2", "b")
	st.c.out = st.c.out[:0]
	for _, args := range [][]string{{"PING"}, {"KEYS", "k1"}, {"GET", "k2"}, {"KEYS", "none"}} {
		argv := make([][]byte, len(args))
		for i, a := range args {
			argv[i] = []byte(a)
		}
		st.c.argv = argv
		st.s.processCommand(st.c)
	}
	want := "+PONG\r\n*1\r\n$2\r\nk1\r\n$1\r\nb\r\n*0\r\n"
	if got := string(st.c.out); got != want {
		t.Fatalf("pipeline reply %q, want %q", got, want)
	}
}

func TestExpireCommands(t *testing.T) {
	st := newKeysTester(t, nil)
	st.script(`
		SET k v => OK
		EXPIRE k 100 NX XX => -ERR NX and XX, GT or LT options at the same time are not compatible
		EXPIRE k 100 GT LT => -ERR GT and LT options at the same time are not compatible
		EXPIRE k 100 NX LT => -ERR NX and XX, GT or LT options at the same time are not compatible
		EXPIRE k 100 FOO => -ERR Unsupported option FOO
		EXPIRE k abc FOO => -ERR Unsupported option FOO
		EXPIRE k abc NX XX => -ERR NX and XX, GT or LT options at the same time are not compatible
		EXPIRE k abc => -ERR value is not an integer or out of range
		EXPIRE k 9223372036854776 => -ERR invalid expire time in 'expire' command
		EXPIRE k -9223372036854776 => -ERR invalid expire time in 'expire' command
		EXPIRE k 9223372036854775 => -ERR invalid expire time in 'expire' command
		PEXPIRE k 9223372036854775807 => -ERR invalid expire time in 'pexpire' command
		EXPIREAT k 9223372036854776 => -ERR invalid expire time in 'expireat' command
		TTL k => :-1
		PTTL k => :-1
		EXPIRETIME k => :-1
		TTL nokey => :-2
		PEXPIRETIME nokey => :-2
		EXPIRE nokey 100 => :0
		EXPIRE k 100 XX => :0
		EXPIRE k 100 GT => :0
		EXPIRE k 100 LT => :1
		TTL k => :100
		EXPIRE k 100 NX => :0
		EXPIRE k 50 GT => :0
		EXPIRE k 200 GT => :1
		EXPIRE k 300 LT => :0
		EXPIRE k 150 LT => :1
		TTL k => :150
		PERSIST k => :1
		PERSIST k => :0
		PERSIST nokey => :0
		EXPIREAT k 4102444800 => :1
		EXPIRETIME k => :4102444800
		PEXPIRETIME k => :4102444800000
		PEXPIREAT k 4102444800499 => :1
		EXPIRETIME k => :4102444800
		PEXPIREAT k 4102444800500 => :1
		EXPIRETIME k => :4102444801
		PEXPIREAT k 9223372036854775807 => :1
		PEXPIRETIME k => :9223372036854775807
		EXPIRE k -1 GT => :0
		EXISTS k => :1
		EXPIRE k -1 => :1
		EXISTS k => :0
		SET k v => OK
		PEXPIREAT k -9223372036854775808 => :1
		EXISTS k => :0
	`)
}

// TestExpirePropagation checks what the EXPIRE family hands to replicas and the AOF:
// PEXPIREAT with the absolute time and the options, DEL (or UNLINK with
// lazyfree-lazy-expire) for a time already past, nothing when nothing changed.
func TestExpirePropagation(t *testing.T) {
	st := newKeysTester(t, nil)
	st.do("SET", "k", "v")
	st.propagated = nil
	st.do("EXPIRE", "k", "100")
	exp := st.ttl("k")
	if d := exp - st.s.nowMs; d < 99000 || d > 100000 {
		t.Fatalf("EXPIRE 100 set the expiry %d ms away", d)
	}
	st.do("PEXPIRE", "k", "200000", "GT")
	exp2 := st.ttl("k")
	st.do("EXPIREAT", "k", "4102444800", "lt") // refused: not less than the TTL
	st.do("EXPIREAT", "k", "4102444800", "gt")
	st.do("PEXPIREAT", "k", "4102444700000")
	st.do("EXPIRE", "k", "100", "NX") // refused: no propagation
	st.do("EXPIRE", "nokey", "100")   // no key: no propagation
	st.do("PERSIST", "k")
	st.do("PERSIST", "k") // nothing to remove: no propagation
	st.do("EXPIRE", "k", "-5")
	st.do("SET", "k", "v")
	st.s.cfg.LazyfreeLazyExpire = true
	st.do("PEXPIREAT", "k", "1")
	want := []string{
		"PEXPIREAT k " + strconv.FormatInt(exp, 10),
		"PEXPIREAT k " + strconv.FormatInt(exp2, 10) + " GT",
		"PEXPIREAT k 4102444800000 gt",
		"PEXPIREAT k 4102444700000",
		"PERSIST k",
		"DEL k",
		"SET k v",
		"UNLINK k",
	}
	if !slices.Equal(st.propagated, want) {
		t.Fatalf("propagated\n %q\nwant\n %q", st.propagated, want)
	}
}

// TestLazyExpiry checks that a key whose time has passed is deleted by the first
// command that looks it up (Redis's expireIfNeeded): it reads as absent, counts as a
// keyspace miss for reads, is counted in expired_keys, propagates DEL, and raises an
// "expired" event. Until then DBSIZE counts it and KEYS hides it without deleting it.
// Commands that found their key expired propagate only that DEL.
func TestLazyExpiry(t *testing.T) {
	st := newKeysTester(t, nil)
	var events []string
	st.s.onNotify = func(class NotifyClass, event string, key []byte, db int) {
		if class != NotifyKeyMiss {
			events = append(events, event+","+string(key))
		}
	}
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		st.do("SET", k, "v", "PX", "100000")
		st.expireNow(k)
	}
	st.propagated, events = nil, nil
	dirty := st.s.dirty
	st.script(`
		DBSIZE => :7
		KEYS * => []
		DBSIZE => :7
		GET a => (nil)
		DBSIZE => :6
		EXISTS b => :0
		TTL c => :-2
		EXPIRE d 100 => :0
		RENAME e x => -ERR no such key
		SET f w NX => OK
		DEL g => :0
		DBSIZE => :1
	`)
	if st.s.stats.expiredKeys != 7 {
		t.Errorf("expired_keys %d, want 7", st.s.stats.expiredKeys)
	}
	wantProp := []string{"DEL a", "DEL b", "DEL c", "DEL d", "DEL e", "DEL f", "SET f w NX", "DEL g"}
	if !slices.Equal(st.propagated, wantProp) {
		t.Errorf("propagated %q, want %q", st.propagated, wantProp)
	}
	wantEv := "expired,a expired,b expired,c expired,d expired,e expired,f set,f expired,g"
	if got := strings.Join(events, " "); got != wantEv {
		t.Errorf("events\n %s\nwant\n %s", got, wantEv)
	}
	// Expiry is not a change of its own: only SET f counted (Redis likewise).
	if st.s.dirty != dirty+1 {
		t.Errorf("dirty grew by %d, want 1", st.s.dirty-dirty)
	}
	// On a replica expired keys stay until the master's DEL.
	st.do("SET", "r", "v", "PX", "100000")
	st.expireNow("r")
	st.s.replicaNoExpire = true
	st.script(`
		KEYS * => ["f"]
		DBSIZE => :2
	`)
	st.s.replicaNoExpire = false
}

// TestKeyspaceStatsKeys checks keyspace hits and misses for the commands of this
// family; the running totals are redis-server 7.0.15's for the same sequence.
func TestKeyspaceStatsKeys(t *testing.T) {
	st := newKeysTester(t, nil)
	st.do("SET", "k", "v")
	st.do("SET", "k2", "v")
	for _, c := range []struct {
		cmd          string
		hits, misses int64
	}{
		{"EXISTS k nokey", 1, 1},
		{"TYPE k", 2, 1},
		{"TYPE nokey", 2, 2},
		{"TTL k", 3, 2},
		{"TTL nokey", 3, 3},
		{"PTTL k", 4, 3},
		{"EXPIRETIME k", 5, 3},
		{"OBJECT ENCODING k", 6, 3},
		{"OBJECT ENCODING nokey", 6, 4},
		{"TOUCH k nokey", 7, 5},
		{"SCAN 0", 7, 5},
		{"SCAN 0 TYPE string", 9, 5},
		{"SCAN 0 MATCH k*", 9, 5},
		{"COPY k k3", 10, 5},
		{"COPY nokey k4", 10, 6},
		{"RENAME k3 k5", 10, 6},
		{"MOVE k5 1", 10, 6},
		{"RENAMENX k5 k6", 10, 6},
		{"EXPIRE k 100", 10, 6},
		{"PERSIST k", 10, 6},
		{"PERSIST nokey", 10, 6},
		{"KEYS *", 10, 6},
		{"RANDOMKEY", 10, 6},
		{"DEL k5", 10, 6},
		{"DBSIZE", 10, 6},
	} {
		st.do(strings.Fields(c.cmd)...)
		if h, m := st.s.stats.keyspaceHits, st.s.stats.keyspaceMisses; h != c.hits || m != c.misses {
			t.Fatalf("after %s: hits %d misses %d, want %d %d", c.cmd, h, m, c.hits, c.misses)
		}
	}
}

// fakeList stands for a collection value kept in Entry.Obj.
type fakeList struct{ items []string }

func (l *fakeList) CloneValue() any { return &fakeList{items: slices.Clone(l.items)} }

// opaqueValue is a value type that cannot be copied.
type opaqueValue struct{}

// TestKeysMoveWholeEntry checks that RENAME and MOVE carry the whole entry (value
// object, type, encoding, TTL) and that COPY deep-copies the value through its clone
// hook.
func TestKeysMoveWholeEntry(t *testing.T) {
	st := newKeysTester(t, nil)
	db := st.c.db
	list := &fakeList{items: []string{"a", "b"}}
	e := db.Add([]byte("l"), TypeList, EncQuicklist)
	e.Obj = list
	e.Meta = makeMeta(TypeList, EncQuicklist, 12345)
	db.SetExpire([]byte("l"), 4102444800000)

	check := func(db *DB, key string, wantObj any, wantLRU uint32) *keyspace.Entry {
		t.Helper()
		e := db.lookup([]byte(key))
		if e == nil {
			t.Fatalf("%s missing", key)
		}
		if metaType(e.Meta) != TypeList || metaEnc(e.Meta) != EncQuicklist {
			t.Fatalf("%s: type/encoding %d/%d", key, metaType(e.Meta), metaEnc(e.Meta))
		}
		if wantObj != nil && e.Obj != wantObj {
			t.Fatalf("%s: value object not carried over", key)
		}
		if metaLRU(e.Meta) != wantLRU {
			t.Fatalf("%s: LRU %d, want %d", key, metaLRU(e.Meta), wantLRU)
		}
		if e.Expire != 4102444800000 {
			t.Fatalf("%s: expire %d", key, e.Expire)
		}
		return e
	}
	st.script(`
		RENAME l l2 => OK
		TYPE l2 => list
		OBJECT ENCODING l2 => "quicklist"
	`)
	// The source lookup touched the clock (as Redis's lookupKeyWrite does).
	check(db, "l2", list, st.s.lruClock())
	st.do("MOVE", "l2", "3")
	check(st.s.dbs[3], "l2", list, st.s.lruClock())
	st.do("SELECT", "3")
	st.do("COPY", "l2", "l3", "DB", "0")
	ce := check(st.s.dbs[0], "l3", nil, st.s.lruClock())
	cl, ok := ce.Obj.(*fakeList)
	if !ok || cl == list || !slices.Equal(cl.items, list.items) {
		t.Fatalf("COPY value %#v", ce.Obj)
	}
	cl.items[0] = "changed"
	if list.items[0] != "a" {
		t.Fatal("COPY shares memory with the source")
	}
	// A grown string (strBuf) copies into an independent value.
	st.do("SET", "s", "abc")
	st.do("APPEND", "s", "def")
	st.script(`
		COPY s s2 => :1
		APPEND s2 X => :7
		GET s => "abcdef"
		GET s2 => "abcdefX"
		OBJECT ENCODING s2 => "raw"
	`)
	// A value without a clone hook is refused, not shared.
	o := st.s.dbs[3].Add([]byte("opaque"), TypeStream, EncStream)
	o.Obj = &opaqueValue{}
	st.script(`
		COPY opaque o2 => -ERR COPY is not supported for the value of this key
		EXISTS o2 => :0
	`)
}

func TestObjectCommand(t *testing.T) {
	st := newKeysTester(t, nil)
	st.script(`
		SET small 9999 => OK
		SET big 10000 => OK
		SET neg -1 => OK
		SET s abc => OK
		OBJECT REFCOUNT small => :2147483647
		OBJECT REFCOUNT big => :1
		OBJECT REFCOUNT neg => :1
		OBJECT REFCOUNT s => :1
		OBJECT REFCOUNT nokey => (nil)
		OBJECT ENCODING small => "int"
		OBJECT ENCODING s => "embstr"
		OBJECT ENCODING nokey => (nil)
		OBJECT IDLETIME s => :0
		OBJECT IDLETIME nokey => (nil)
		OBJECT FREQ nokey => (nil)
		OBJECT FREQ s => -ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.
		OBJECT HELP x => -ERR wrong number of arguments for 'object|help' command
		OBJECT ENCODING => -ERR wrong number of arguments for 'object|encoding' command
		OBJECT FOO s => -ERR unknown subcommand 'FOO'. Try OBJECT HELP.
		OBJECT => -ERR wrong number of arguments for 'object' command
	`)
	if got := st.do("OBJECT", "HELP"); !strings.HasPrefix(got, "[OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are: ENCODING <key>") {
		t.Errorf("OBJECT HELP = %s", got)
	}
	// The LRU clock ages without being touched by OBJECT itself.
	d, r := st.c.db.find([]byte("s"))
	e := d.E(r)
	e.Meta = makeMeta(TypeString, EncEmbstr, (st.s.lruClock()-100)&0xffffff)
	st.script(`
		OBJECT IDLETIME s => :100
		OBJECT IDLETIME s => :100
		EXISTS s => :1
		TTL s => :-1
		OBJECT IDLETIME s => :100
		GET s => "abc"
		OBJECT IDLETIME s => :0
	`)
	// With an LRU or LFU policy and a memory limit, integers are not shared.
	st.s.cfg.MaxMemory = 1 << 30
	st.s.cfg.MaxMemoryPolicy = "allkeys-lru"
	st.script(`OBJECT REFCOUNT small => :1`)
	st.s.cfg.MaxMemoryPolicy = "volatile-ttl"
	st.script(`OBJECT REFCOUNT small => :2147483647`)
	st.s.cfg.MaxMemoryPolicy = "allkeys-lfu"
	st.s.cfg.LFUDecayTime = 1
	min := uint32(st.s.nowMs/60000) & 0xffff
	e.Meta = makeMeta(TypeString, EncEmbstr, (min-3)<<8|10) // counter 10, 3 minutes ago
	st.script(`
		OBJECT REFCOUNT small => :1
		OBJECT IDLETIME s => -ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.
		OBJECT FREQ s => :7
	`)
	st.s.cfg.LFUDecayTime = 0
	st.script(`OBJECT FREQ s => :10`)
}

func TestLFUDecayed(t *testing.T) {
	s := &Server{cfg: config.Default()}
	s.cfg.LFUDecayTime = 2
	s.nowMs = 65540 * 60000 // minute 65540 is 4 in 16 bits
	for _, tc := range []struct {
		ldt, counter, want uint32
	}{
		{4, 20, 20},       // no time passed
		{0, 20, 18},       // 4 minutes: 2 periods
		{65534, 20, 18},   // the clock wrapped: Redis counts 65535-65534+4 = 5 minutes
		{0, 1, 0},         // decays to zero, not below
		{65535, 255, 253}, // 4 minutes
	} {
		if got := s.lfuDecayed(tc.ldt<<8 | tc.counter); got != tc.want {
			t.Errorf("ldt %d counter %d: got %d, want %d", tc.ldt, tc.counter, got, tc.want)
		}
	}
}

func TestParseScanCursor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true},
		{"", 0, true},
		{"+7", 7, true},
		{"-1", 1<<64 - 1, true},
		{"18446744073709551615", 1<<64 - 1, true},
		{"18446744073709551616", 0, false},
		{"-18446744073709551615", 1, true},
		{"-18446744073709551616", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"-", 0, false},
		{"+", 0, false},
		{"0x10", 0, false},
		{"1.5", 0, false},
		{"007", 7, true},
	} {
		got, ok := parseScanCursor([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseScanCursor(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// scanAllKeys runs a whole SCAN through st, calling between after every call, and
// returns the keys seen.
func scanAllKeys(t *testing.T, st *strTester, extra []string, between func()) map[string]int {
	t.Helper()
	seen := map[string]int{}
	cursor := "0"
	for calls := 0; ; calls++ {
		if calls > 1e6 {
			t.Fatal("SCAN does not end")
		}
		raw := st.raw(append([]string{"SCAN", cursor}, extra...)...)
		v := fmtReply(t, raw)
		if !strings.HasPrefix(v, "[") {
			t.Fatalf("SCAN reply %s", v)
		}
		c, rest, _ := strings.Cut(strings.TrimPrefix(v, "["), " ")
		cursor, _ = strconv.Unquote(c)
		rest = strings.TrimSuffix(strings.TrimSuffix(rest, "]"), "]")
		rest = strings.TrimPrefix(rest, "[")
		for _, f := range strings.Fields(rest) {
			k, err := strconv.Unquote(f)
			if err != nil {
				t.Fatalf("bad key %q in %s", f, v)
			}
			seen[k]++
		}
		if cursor == "0" {
			return seen
		}
		between()
	}
}

// TestScanServer checks SCAN through the command, standalone and in cluster mode
// (per-slot dicts, composed cursors): options, and Redis's guarantee while other
// clients add and delete keys between calls.
func TestScanServer(t *testing.T) {
	for _, cluster := range []bool{false, true} {
		t.Run(fmt.Sprint("cluster=", cluster), func(t *testing.T) {
			st := newKeysTester(t, func(c *config.Config) { c.ClusterEnabled = cluster })
			r := rand.New(rand.NewPCG(1, 2))
			stable := map[string]bool{}
			for i := 0; i < 3000; i++ {
				k := "s:" + strconv.Itoa(i)
				st.do("SET", k, "v")
				stable[k] = true
			}
			for i := 0; i < 500; i++ {
				st.do("SET", "x:"+strconv.Itoa(i), "12")
			}
			for _, extra := range [][]string{nil, {"COUNT", "1"}, {"COUNT", "7"}, {"COUNT", "1000"}} {
				seen := scanAllKeys(t, st, extra, func() {})
				if len(seen) != 3500 {
					t.Fatalf("SCAN %q saw %d keys, want 3500", extra, len(seen))
				}
			}
			seen := scanAllKeys(t, st, []string{"MATCH", "x:1*", "COUNT", "50"}, func() {})
			if len(seen) != 111 {
				t.Fatalf("MATCH x:1* saw %d keys", len(seen))
			}
			st.c.db.Add([]byte("alist"), TypeList, EncQuicklist)
			seen = scanAllKeys(t, st, []string{"TYPE", "LIST"}, func() {})
			if len(seen) != 1 || seen["alist"] != 1 {
				t.Fatalf("TYPE list saw %v", seen)
			}
			// Concurrent writers: keys come and go, the tables grow and shrink.
			next := 0
			var transient []string
			seen = scanAllKeys(t, st, []string{"COUNT", "20"}, func() {
				for i := 0; i < 30; i++ {
					k := "t:" + strconv.Itoa(next)
					next++
					st.do("SET", k, "v")
					transient = append(transient, k)
				}
				for i := 0; i < 25 && len(transient) > 0; i++ {
					j := r.IntN(len(transient))
					st.do("DEL", transient[j])
					transient[j] = transient[len(transient)-1]
					transient = transient[:len(transient)-1]
				}
				st.s.databasesCron() // resize and rehash as the cron would
			})
			for k := range stable {
				if seen[k] == 0 {
					t.Fatalf("stable key %s not returned", k)
				}
			}
			// Expired keys are dropped from the page and deleted.
			st.do("SET", "gone", "v", "PX", "100000")
			st.expireNow("gone")
			seen = scanAllKeys(t, st, []string{"MATCH", "gone"}, func() {})
			if len(seen) != 0 || st.c.db.lookup([]byte("gone")) != nil {
				t.Fatalf("expired key returned (%v)", seen)
			}
			if cluster {
				st.script(`
					MOVE s:1 1 => -ERR MOVE is not allowed in cluster mode
					SWAPDB 0 1 => -ERR SWAPDB is not allowed in cluster mode
					COPY s:1 s:2 DB 1 => -CROSSSLOT Keys in request don't hash to the same slot
					SET {s}:1 x => OK
					COPY {s}:1 {s}:2 DB 1 => -ERR Copying to another database is not allowed in cluster mode
					COPY {s}:1 {s}:2 DB 0 REPLACE => :1
				`)
			}
		})
	}
}

// TestScanClusterCursor checks the composed cursor of cluster mode: the low 14 bits
// name the slot, and the walk goes through the slots in order.
func TestScanClusterCursor(t *testing.T) {
	st := newKeysTester(t, func(c *config.Config) { c.ClusterEnabled = true })
	// {b} and {a} hash to slots 3300 and 15495.
	st.do("SET", "{a}1", "v")
	st.do("SET", "{b}1", "v")
	var order []string
	cursor := "0"
	for i := 0; ; i++ {
		v := st.do("SCAN", cursor, "COUNT", "1")
		c, keys, _ := strings.Cut(strings.Trim(v, "[]"), " ")
		cursor, _ = strconv.Unquote(c)
		for _, f := range strings.Fields(strings.Trim(keys, "[]")) {
			order = append(order, f)
		}
		if cursor == "0" {
			break
		}
		n, _ := strconv.ParseUint(cursor, 10, 64)
		if slot := n & 0x3fff; slot < 3300 {
			t.Fatalf("cursor %s names slot %d", cursor, slot)
		}
		if i > 100 {
			t.Fatal("SCAN does not end")
		}
	}
	if strings.Join(order, " ") != `"{b}1" "{a}1"` {
		t.Fatalf("keys in order %v", order)
	}
	for cur, want := range map[string]string{
		"3301":  `["0" ["{a}1"]]`, // slot 3301 onwards
		"15496": `["0" []]`,
		"16383": `["0" []]`,
	} {
		if got := st.do("SCAN", cur, "COUNT", "1000"); got != want {
			t.Errorf("SCAN %s = %s, want %s", cur, got, want)
		}
	}
}

func TestRandomKey(t *testing.T) {
	for _, cluster := range []bool{false, true} {
		st := newKeysTester(t, func(c *config.Config) { c.ClusterEnabled = cluster })
		st.script(`RANDOMKEY => (nil)`)
		for i := 0; i < 50; i++ {
			st.do("SET", "k"+strconv.Itoa(i), "v")
		}
		seen := map[string]bool{}
		for i := 0; i < 2000; i++ {
			seen[st.do("RANDOMKEY")] = true
		}
		if len(seen) != 50 {
			t.Fatalf("cluster=%v: RANDOMKEY reached %d of 50 keys", cluster, len(seen))
		}
		// Expired keys are collected, not returned; all expired gives nil.
		st.do("FLUSHALL")
		for i := 0; i < 20; i++ {
			k := "e" + strconv.Itoa(i)
			st.do("SET", k, "v", "PX", "100000")
			st.expireNow(k)
		}
		st.do("SET", "live", "v")
		if got := st.do("RANDOMKEY"); got != `"live"` {
			t.Fatalf("RANDOMKEY = %s", got)
		}
		st.do("DEL", "live")
		st.script(`RANDOMKEY => (nil)`)
		if st.c.db.Len() != 0 {
			t.Fatalf("%d keys left", st.c.db.Len())
		}
		// A replica cannot collect them: after some tries it returns an expired key.
		for i := 0; i < 5; i++ {
			k := "r" + strconv.Itoa(i)
			st.do("SET", k, "v", "PX", "100000")
			st.expireNow(k)
		}
		st.s.replicaNoExpire = true
		if got := st.do("RANDOMKEY"); !strings.HasPrefix(got, `"r`) {
			t.Fatalf("replica RANDOMKEY = %s", got)
		}
		st.s.replicaNoExpire = false
	}
}

// TestFlushAndSwapHooks checks the propagation of FLUSHDB on an empty database, the
// dirty counts, and the hooks WATCH will use.
func TestFlushAndSwapHooks(t *testing.T) {
	st := newKeysTester(t, nil)
	var flushed []int
	var swapped []string
	st.s.onFlush = append(st.s.onFlush, func(id int) { flushed = append(flushed, id) })
	st.s.onSwapDB = append(st.s.onSwapDB, func(a, b *DB) { swapped = append(swapped, fmt.Sprint(a.id, b.id)) })
	st.do("FLUSHDB")
	st.do("MSET", "a", "1", "b", "2")
	d0 := st.s.dirty
	st.do("FLUSHDB")
	if st.s.dirty != d0+2 {
		t.Errorf("FLUSHDB of 2 keys: dirty +%d", st.s.dirty-d0)
	}
	st.do("FLUSHALL")
	if st.s.dirty != d0+2 {
		t.Errorf("FLUSHALL of nothing: dirty +%d", st.s.dirty-d0-2)
	}
	st.do("SWAPDB", "1", "2")
	st.do("SWAPDB", "3", "3")
	want := []string{"FLUSHDB", "MSET a 1 b 2", "FLUSHDB", "FLUSHALL", "SWAPDB 1 2", "SWAPDB 3 3"}
	if !slices.Equal(st.propagated, want) {
		t.Errorf("propagated %q, want %q", st.propagated, want)
	}
	if !slices.Equal(flushed, []int{0, 0, -1}) || !slices.Equal(swapped, []string{"1 2"}) {
		t.Errorf("hooks: flush %v swap %v", flushed, swapped)
	}
	// The flag forcing propagation does not stick to the next command.
	st.propagated = nil
	st.do("GET", "a")
	st.do("DEL", "nokey")
	if len(st.propagated) != 0 {
		t.Errorf("propagated %q", st.propagated)
	}
}

// TestKeysEvents checks the keyspace notifications of the family, in order (the
// expected list is what redis-server 7.0.15 published for the same commands with
// notify-keyspace-events KEA; keys_diff_test.go checks it live).
func TestKeysEvents(t *testing.T) {
	st := newKeysTester(t, nil)
	var got []string
	st.s.onNotify = func(class NotifyClass, event string, key []byte, db int) {
		if class != NotifyKeyMiss {
			got = append(got, fmt.Sprint(event, ",", string(key), ",", db))
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(`
		SET a 1
		DEL a nokey
		SET a 1
		UNLINK a
		SET a 1
		RENAME a b
		RENAMENX b c
		RENAME c c
		COPY c d
		COPY c d DB 2 REPLACE
		MOVE d 1
		EXPIRE c 100
		PERSIST c
		EXPIRE c 0
		SET e v
		PEXPIREAT e 1
		FLUSHDB
		SWAPDB 0 1`), "\n") {
		st.do(strings.Fields(line)...)
	}
	want := strings.Fields(`set,a,0 del,a,0 set,a,0 del,a,0 set,a,0 rename_from,a,0 rename_to,b,0
		rename_from,b,0 rename_to,c,0 copy_to,d,0 copy_to,d,2 move_from,d,0 move_to,d,1
		expire,c,0 persist,c,0 del,c,0 set,e,0 del,e,0`)
	if !slices.Equal(got, want) {
		t.Errorf("events:\n got %q\nwant %q", got, want)
	}
}

// TestActiveExpireServer: 10,000 keys with a 100 ms TTL, never accessed, are all
// collected by the active expire cycle within about two seconds, and keys without a
// TTL are left alone.
func TestActiveExpireServer(t *testing.T) {
	for _, cluster := range []bool{false, true} {
		t.Run(fmt.Sprint("cluster=", cluster), func(t *testing.T) {
			s, addr := startTestServer(t, func(c *config.Config) { c.ClusterEnabled = cluster })
			onLoop(t, s, s.ownAllSlots)
			activeExpireRun(t, dialTest(t, addr))
		})
	}
}

func activeExpireRun(t *testing.T, tc *testConn) {
	var req []byte
	for i := 0; i < 10000; i++ {
		req = fmt.Appendf(req, "*5\r\n$3\r\nSET\r\n$%d\r\nv:%d\r\n$1\r\nx\r\n$2\r\nPX\r\n$3\r\n100\r\n", len(strconv.Itoa(i))+2, i)
	}
	for i := 0; i < 100; i++ {
		req = fmt.Appendf(req, "*3\r\n$3\r\nSET\r\n$%d\r\np:%d\r\n$1\r\nx\r\n", len(strconv.Itoa(i))+2, i)
	}
	tc.raw(string(req))
	for i := 0; i < 10100; i++ {
		if r := tc.read(); r != "OK" {
			t.Fatalf("SET reply %q", r)
		}
	}
	start := time.Now()
	for {
		n := tc.do("DBSIZE")
		if n == ":100" {
			break
		}
		if time.Since(start) > 2500*time.Millisecond {
			t.Fatalf("DBSIZE still %s after %v", n, time.Since(start))
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("all expired within %v", time.Since(start))
	info := tc.do("INFO", "stats")
	if !strings.Contains(info, "expired_keys:10000\r\n") {
		t.Fatalf("INFO stats: %s", info)
	}
}

// BenchmarkKeysCommands measures the hot keyspace commands through processInput; the
// read-only ones must not allocate.
func BenchmarkKeysCommands(b *testing.B) {
	for _, cmd := range [][]string{
		{"EXISTS", "key:1"},
		{"EXISTS", "key:1", "key:2", "nokey"},
		{"TYPE", "key:1"},
		{"TTL", "key:1"},
		{"PTTL", "key:2"},
		{"TOUCH", "key:1"},
		{"OBJECT", "ENCODING", "key:1"},
		{"EXPIRE", "key:2", "1000"},
		{"PERSIST", "key:1"},
		{"DBSIZE"},
		{"RANDOMKEY"},
		{"SCAN", "0"},
	} {
		b.Run(strings.Join(cmd, "_"), func(b *testing.B) {
			s, c := benchClient(b)
			for i := 0; i < 1000; i++ {
				s.processInput(c, pipeline(1, "SET", "key:"+strconv.Itoa(i), "xxx"))
			}
			s.processInput(c, pipeline(1, "EXPIRE", "key:2", "1000"))
			buf := pipeline(1, cmd...)
			c.out = c.out[:0]
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				feedInput(b, s, c, buf)
			}
		})
	}
}
