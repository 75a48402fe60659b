package engine

// Tests of transactions (multi.go): queueing and its errors, EXEC's replies, WATCH
// invalidation by every kind of change (writes, expiry, FLUSHDB/FLUSHALL, SWAPDB),
// what EXEC propagates, CLIENT LIST fields, blocking commands inside EXEC, and the
// optimistic-lock pattern of go-redis (Watch + TxPipelined) under contention. The
// expected replies are those of redis-server 7.0.15 (src/multi.c); the differential
// scripts internal/difftest/testdata/multi.txt and connection_multi.txt check the
// same replies against a real redis-server.

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// txTester is two socketless clients on one server (strTester's), so that one can
// WATCH while the other writes, with a clock the test moves.
type txTester struct {
	*strTester
	other *Client
}

func newTxTester(t *testing.T) *txTester {
	st := newStrTester(t)
	other := &Client{srv: st.s, fd: -1, id: 2, db: st.s.dbs[0], proto: 2, flags: flagAuthenticated}
	return &txTester{strTester: st, other: other}
}

// by runs a command as the other client.
func (tt *txTester) by(args ...string) string {
	tt.t.Helper()
	c, s := tt.other, tt.s
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	c.out = c.out[:0]
	c.argv = argv
	s.processCommand(c)
	c.argv = nil
	return fmtReply(tt.t, string(c.out))
}

// advance moves the server's wall clock forward.
func (tt *txTester) advance(ms int64) { tt.s.clk.originNs += ms * int64(time.Millisecond) }

// expect runs the commands of a script as the first client: each line is a command
// and, after " => ", its reply in fmtReply's form.
func (tt *txTester) expect(script string) {
	tt.t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(script), "\n") {
		line = strings.TrimLeft(line, " \t") // a reply may end in a space
		cmd, want, ok := strings.Cut(line, " => ")
		if !ok {
			tt.t.Fatalf("bad script line %q", line)
		}
		if got := tt.do(strings.Fields(cmd)...); got != want {
			tt.t.Errorf("%s: got %s, want %s", cmd, got, want)
		}
	}
}

func TestMultiBasics(t *testing.T) {
	tt := newTxTester(t)
	tt.expect(`
		EXEC => -ERR EXEC without MULTI
		DISCARD => -ERR DISCARD without MULTI
		MULTI => OK
		MULTI => -ERR MULTI calls can not be nested
		SET k v => QUEUED
		GET k => QUEUED
		WATCH k => -ERR WATCH inside MULTI is not allowed
		INCR n => QUEUED
		EXEC => [OK "v" :1]
		MULTI => OK
		SET k v2 => QUEUED
		DISCARD => OK
		GET k => "v"
		MULTI => OK
		EXEC => []
	`)
	// Runtime errors do not roll back the other commands.
	tt.expect(`
		MULTI => OK
		SET s x => QUEUED
		LPUSH s y => QUEUED
		APPEND s z => QUEUED
		EXEC => [OK -WRONGTYPE Operation against a key holding the wrong kind of value :2]
		GET s => "xz"
	`)
	// The commands of a transaction are counted when EXEC runs them, not when queued,
	// and their errors are theirs: EXEC did not fail (Redis's prev_err_count).
	if st := tt.s.commands.Lookup([]byte("append")).stats; st.Calls != 1 {
		t.Errorf("append calls = %d, want 1", st.Calls)
	}
	if st := tt.s.commands.Lookup([]byte("lpush")).stats; st.Calls != 1 || st.Failed != 1 {
		t.Errorf("lpush stats %+v, want 1 call, 1 failed", st)
	}
	if st := tt.s.commands.Lookup([]byte("exec")).stats; st.Calls != 4 || st.Failed != 1 {
		t.Errorf("exec stats %+v, want 4 calls, 1 failed (EXEC without MULTI)", st)
	}
	tt.do("EXEC")
	tt.do("MULTI")
	tt.do("GET")
	tt.do("EXEC")
	if st := tt.s.commands.Lookup([]byte("exec")).stats; st.Calls != 6 || st.Failed != 3 {
		t.Errorf("exec stats %+v, want 6 calls, 3 failed", st)
	}
	if st := tt.s.commands.Lookup([]byte("get")).stats; st.Rejected != 1 {
		t.Errorf("get stats %+v, want 1 rejected", st)
	}
}

func TestMultiExecAbort(t *testing.T) {
	tt := newTxTester(t)
	tt.expect(`
		MULTI => OK
		SET k v => QUEUED
		NOSUCHCMD => -ERR unknown command 'NOSUCHCMD', with args beginning with: 
		GET => -ERR wrong number of arguments for 'get' command
		CONFIG NOSUCH => -ERR unknown subcommand 'NOSUCH'. Try CONFIG HELP.
		SET k2 v2 => QUEUED
		EXEC => -EXECABORT Transaction discarded because of previous errors.
		EXISTS k k2 => :0
		EXEC => -ERR EXEC without MULTI
		MULTI => OK
		SHUTDOWN => -ERR Command not allowed inside a transaction
		EXEC => -EXECABORT Transaction discarded because of previous errors.
	`)
	// A refused EXEC aborts the transaction with the reason; Redis drops the ERR
	// code from it. It does so even outside MULTI (and unwatches).
	tt.expect(`
		MULTI => OK
		SET k v => QUEUED
		EXEC x => -EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command
		EXEC => -ERR EXEC without MULTI
		EXEC x => -EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command
		EXISTS k => :0
	`)
	if got := tt.do("INFO", "errorstats"); !strings.Contains(got, "errorstat_EXECABORT:count=4") {
		t.Errorf("errorstats: %s", got)
	}
	// MULTI's own errors do not fail the transaction.
	tt.expect(`
		MULTI => OK
		MULTI => -ERR MULTI calls can not be nested
		WATCH x => -ERR WATCH inside MULTI is not allowed
		SET k v => QUEUED
		EXEC => [OK]
	`)
}

// Under maxmemory with nothing to evict, every command but EXEC, DISCARD, QUIT and
// RESET is refused inside MULTI; EXEC holding a denyoom command is refused too.
func TestMultiOOM(t *testing.T) {
	tt := newTxTester(t)
	tt.expect(`
		MULTI => OK
		SET a 1 => QUEUED
	`)
	tt.s.cfg.MaxMemory = 1
	tt.s.refreshPolicy()
	tt.expect(`
		EXEC => -EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.
		MULTI => OK
		GET a => -OOM command not allowed when used memory > 'maxmemory'.
		EXEC => -EXECABORT Transaction discarded because of previous errors.
		MULTI => OK
		DISCARD => OK
		MULTI => OK
		EXEC => []
	`)
}

func TestMultiWatchRace(t *testing.T) {
	tt := newTxTester(t)
	tt.by("SET", "k", "1")
	tt.expect(`
		WATCH k => OK
		GET k => "1"
	`)
	tt.by("SET", "k", "2") // the other client wins the race
	tt.expect(`
		MULTI => OK
		SET k 3 => QUEUED
		EXEC => (nil)
		GET k => "2"
	`)
	// EXEC unwatched: the next transaction succeeds.
	tt.expect(`
		MULTI => OK
		SET k 3 => QUEUED
		EXEC => [OK]
	`)
	// A change before MULTI counts too, and so does one between MULTI and EXEC.
	tt.do("WATCH", "k")
	tt.do("MULTI")
	tt.by("DEL", "k")
	tt.expect(`
		SET k 4 => QUEUED
		EXEC => (nil)
		EXISTS k => :0
	`)
	// UNWATCH forgets the change; so does DISCARD.
	tt.do("WATCH", "k")
	tt.by("SET", "k", "5")
	tt.expect(`
		UNWATCH => OK
		MULTI => OK
		GET k => QUEUED
		EXEC => ["5"]
	`)
	tt.do("WATCH", "k")
	tt.do("MULTI")
	tt.do("DISCARD")
	tt.by("SET", "k", "6")
	tt.expect(`
		MULTI => OK
		EXEC => []
	`)
	// The client's own writes count as well.
	tt.expect(`
		WATCH k => OK
		SET k 7 => OK
		MULTI => OK
		EXEC => (nil)
	`)
	// A write that changes nothing does not touch the key (SET NX on an existing key).
	tt.expect(`
		WATCH k => OK
		SETNX k 8 => :0
		MULTI => OK
		EXEC => []
	`)
	// Keys are watched per database.
	tt.do("SELECT", "1")
	tt.do("WATCH", "k")
	tt.by("SET", "k", "9") // the other client is in db 0
	tt.expect(`
		MULTI => OK
		EXEC => []
		SELECT 0 => OK
	`)
	// RESP3: a failed EXEC is a null.
	tt.c.proto = 3
	tt.do("WATCH", "k")
	tt.by("SET", "k", "10")
	tt.do("MULTI")
	if got := tt.raw("EXEC"); got != "_\r\n" {
		t.Errorf("RESP3 EXEC after a touched WATCH = %q", got)
	}
	tt.c.proto = 2
	if got := tt.raw("MULTI"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	tt.do("WATCH", "k")
	tt.by("SET", "k", "11")
	if got := tt.raw("EXEC"); got != "*0\r\n" {
		t.Errorf("EXEC of a transaction that watched nothing = %q", got) // WATCH inside MULTI was an error
	}
	tt.do("WATCH", "k")
	tt.by("SET", "k", "12")
	tt.do("MULTI")
	if got := tt.raw("EXEC"); got != "*-1\r\n" {
		t.Errorf("RESP2 EXEC after a touched WATCH = %q", got)
	}
}

// Every kind of write invalidates a WATCH on the key it changes: the write paths of
// every family call signalModified.
func TestMultiWatchWritePaths(t *testing.T) {
	tt := newTxTester(t)
	// What the key holds before the write, as commands separated by ";".
	setups := map[string]string{
		"string": "SET %k 12",
		"ttl":    "SET %k 12 EX 100",
		"list":   "RPUSH %k a b c",
		"hash":   "HSET %k f 1 g 2",
		"set":    "SADD %k a b c",
		"zset":   "ZADD %k 1 a 2 b",
		"stream": "XADD %k 1-1 f v",
		"group":  "XADD %k 1-1 f v ; XGROUP CREATE %k g 0 ; XREADGROUP GROUP g c STREAMS %k >",
		"geo":    "GEOADD %k 13.361389 38.115556 a",
		"hll":    "PFADD %k a",
		"":       "",
	}
	// Each case: the type the key holds first, then the write the other client runs.
	cases := []struct {
		typ string
		cmd string
	}{
		{"", "SET %k v"}, {"string", "SET %k v"}, {"", "SETNX %k v"}, {"", "SETEX %k 10 v"},
		{"", "PSETEX %k 10000 v"}, {"", "MSET %k v"}, {"", "MSETNX %k v"}, {"string", "GETSET %k v"},
		{"string", "GETDEL %k"}, {"string", "GETEX %k EX 100"}, {"string", "APPEND %k v"},
		{"string", "INCR %k"}, {"string", "DECR %k"}, {"string", "INCRBY %k 2"},
		{"string", "DECRBY %k 2"}, {"string", "INCRBYFLOAT %k 1.5"}, {"string", "SETRANGE %k 1 x"},
		{"string", "SETBIT %k 0 1"}, {"", "BITOP OR %k src"}, {"string", "BITFIELD %k SET u8 0 255"},
		{"string", "DEL %k"}, {"string", "UNLINK %k"}, {"string", "EXPIRE %k 100"},
		{"string", "PEXPIRE %k 100000"}, {"string", "EXPIREAT %k 99999999999"},
		{"string", "PEXPIREAT %k 99999999999999"}, {"string", "EXPIRE %k 0"}, {"string", "RENAME %k other"},
		{"string", "RENAMENX %k other2"}, {"", "RENAME src %k"}, {"string", "MOVE %k 1"},
		{"", "COPY src %k"}, {"string", "COPY src %k REPLACE"},
		{"list", "LPUSH %k x"}, {"list", "RPUSHX %k x"}, {"list", "LPOP %k"}, {"list", "RPOP %k"},
		{"list", "LSET %k 0 x"}, {"list", "LINSERT %k BEFORE a x"}, {"list", "LREM %k 0 a"},
		{"list", "LTRIM %k 0 0"}, {"list", "LMOVE %k other LEFT RIGHT"}, {"list", "RPOPLPUSH %k %k"},
		{"list", "LMPOP 1 %k LEFT"}, {"list", "BLPOP %k 0"}, {"list", "BRPOP %k 0"},
		{"", "LMOVE srclist %k LEFT LEFT"},
		{"hash", "HSET %k f 2"}, {"hash", "HSETNX %k h 1"}, {"hash", "HDEL %k f"},
		{"hash", "HINCRBY %k f 1"}, {"hash", "HINCRBYFLOAT %k f 1"}, {"hash", "HMSET %k a b"},
		{"set", "SADD %k x"}, {"set", "SREM %k a"}, {"set", "SPOP %k"}, {"set", "SPOP %k 2"},
		{"set", "SMOVE %k other a"}, {"", "SMOVE srcset %k a"}, {"", "SUNIONSTORE %k srcset"},
		{"", "SINTERSTORE %k srcset"}, {"", "SDIFFSTORE %k srcset"},
		{"zset", "ZADD %k 5 c"}, {"zset", "ZINCRBY %k 1 a"}, {"zset", "ZREM %k a"},
		{"zset", "ZPOPMIN %k"}, {"zset", "ZPOPMAX %k"}, {"zset", "BZPOPMIN %k 0"},
		{"zset", "ZMPOP 1 %k MIN"}, {"zset", "ZREMRANGEBYRANK %k 0 0"},
		{"zset", "ZREMRANGEBYSCORE %k 0 1"}, {"zset", "ZREMRANGEBYLEX %k - +"},
		{"", "ZUNIONSTORE %k 1 srczset"}, {"", "ZINTERSTORE %k 1 srczset"},
		{"", "ZDIFFSTORE %k 1 srczset"}, {"", "ZRANGESTORE %k srczset 0 -1"},
		{"geo", "GEOADD %k 15.087269 37.502669 b"}, {"", "GEOSEARCHSTORE %k srcgeo FROMLONLAT 15 37 BYRADIUS 200 km"},
		{"stream", "XADD %k * f v"}, {"stream", "XDEL %k 1-1"}, {"stream", "XTRIM %k MAXLEN 0"},
		{"", "XGROUP CREATE %k g $ MKSTREAM"},
		{"hll", "PFADD %k b"}, {"", "PFMERGE %k srchll"},
		{"list", "SORT %k ALPHA STORE %k"}, {"", "SORT srclist ALPHA STORE %k"},
		{"string", "RESTORE"}, {"ttl", "PERSIST %k"}, {"hll", "PFCOUNT %k"}, {"string", "APPEND %k \"\""},
		{"string", "SET %k 12"}, {"hash", "HSET %k f 1"}, {"zset", "ZADD %k 1 a 3 c"},
		{"", "GEORADIUS srcgeo 15 37 200 km STORE %k"},
		{"list", "BLMPOP 0 1 %k RIGHT"}, {"zset", "BZMPOP 0 1 %k MAX"}, {"list", "BLMOVE %k other RIGHT LEFT 0"},
		{"string", "DEL nokey %k"},
	}
	// Writes that change nothing, and the few that Redis 7.0 does not signal (XGROUP
	// CREATE on an existing stream, XSETID), leave the WATCH alone.
	untouched := []struct {
		typ string
		cmd string
	}{
		{"string", "SETBIT %k 3 1"}, {"stream", "XGROUP CREATE %k g $"}, {"stream", "XSETID %k 5-5"},
		{"string", "SETNX %k v"}, {"hash", "HSETNX %k f 1"}, {"", "DEL %k"}, {"set", "SREM %k zz"},
		{"string", "GETEX %k"}, {"string", "PERSIST %k"}, {"hll", "PFADD %k a"}, {"list", "LREM %k 0 zz"},
		{"zset", "ZREM %k zz"}, {"hash", "HDEL %k zz"}, {"", "LPUSHX %k a"}, {"set", "SADD %k a"},
		{"string", "SETRANGE %k 0 \"\""}, {"string", "EXPIRE %k 100 XX"}, {"string", "GETEX %k PERSIST"},
		{"zset", "ZADD %k 1 a"}, {"string", "RENAME %k %k"}, {"set", "SMOVE %k %k a"},
		{"string", "TOUCH %k"}, {"string", "GET %k"}, {"list", "SORT %k ALPHA"}, {"group", "XACK %k g 1-1"},
		{"group", "XGROUP CREATECONSUMER %k g c2"}, {"group", "XREADGROUP GROUP g c STREAMS %k 0"},
		{"group", "XCLAIM %k g c2 0 1-1"}, {"group", "XGROUP DESTROY %k g"}, {"group", "XGROUP SETID %k g 0"},
		{"group", "XGROUP DELCONSUMER %k g c"}, {"group", "XAUTOCLAIM %k g c2 0 0"},
		{"string", "OBJECT ENCODING %k"}, {"", "GETDEL %k"}, {"", "INCRBY nokey 1"},
	}
	nTouching := len(cases)
	cases = append(cases, untouched...)
	sources := [][]string{
		{"SET", "src", "v"}, {"SADD", "srcset", "a", "b"}, {"RPUSH", "srclist", "a", "b"},
		{"ZADD", "srczset", "1", "a"}, {"GEOADD", "srcgeo", "15", "37", "m"}, {"PFADD", "srchll", "z"},
	}
	for i, tc := range cases {
		key := "w" + strconv.Itoa(i)
		tt.by("FLUSHALL")
		for _, src := range sources {
			tt.by(src...)
		}
		for _, setup := range strings.Split(setups[tc.typ], ";") {
			if args := strings.Fields(strings.ReplaceAll(setup, "%k", key)); len(args) > 0 {
				if r := tt.by(args...); strings.HasPrefix(r, "-") {
					t.Fatalf("setup %s: %s", setup, r)
				}
			}
		}
		tt.do("WATCH", key)
		args := strings.Fields(strings.ReplaceAll(tc.cmd, "%k", key))
		for j, a := range args {
			if a == `""` {
				args[j] = ""
			}
		}
		if tc.cmd == "RESTORE" {
			// A DUMP payload is binary: take one made by this server.
			tt.by("SET", "dumped", "x")
			payload := tt.by("DUMP", "dumped")
			if p, err := strconv.Unquote(payload); err == nil {
				args = []string{"RESTORE", key, "0", p, "REPLACE"}
			} else {
				args = []string{"DUMP", "dumped"} // reported below as not built yet
			}
		}
		reply := tt.by(args...)
		if strings.HasPrefix(reply, "-") {
			if strings.HasPrefix(reply, "-ERR unknown command") {
				t.Logf("%s: not built yet (%s)", tc.cmd, reply)
				tt.do("UNWATCH")
				continue
			}
			t.Errorf("%s failed: %s", tc.cmd, reply)
		}
		tt.do("MULTI")
		want := "(nil)"
		if i >= nTouching {
			want = "[]"
		}
		if got := tt.do("EXEC"); got != want {
			t.Errorf("WATCH %s (%s), then %s (%s): EXEC = %s, want %s", key, tc.typ, tc.cmd, reply, got, want)
		}
	}
}

// Redis 7.0 makes EXEC fail when a watched key expired after WATCH, but not when it
// had already expired (without being deleted yet) when it was watched.
func TestMultiWatchExpiry(t *testing.T) {
	tt := newTxTester(t)
	// Expires between WATCH and EXEC, never looked at: EXEC fails anyway.
	tt.by("SET", "k", "v", "PX", "100")
	tt.do("WATCH", "k")
	tt.advance(200)
	tt.do("MULTI")
	if got := tt.do("EXEC"); got != "(nil)" {
		t.Errorf("key expired after WATCH: EXEC = %s", got)
	}
	// Expires and is then deleted by a lookup before EXEC: the deletion touches it.
	tt.by("SET", "k", "v", "PX", "100")
	tt.do("WATCH", "k")
	tt.advance(200)
	tt.by("GET", "k")
	tt.do("MULTI")
	if got := tt.do("EXEC"); got != "(nil)" {
		t.Errorf("key expired and deleted after WATCH: EXEC = %s", got)
	}
	// Already expired when watched: its deletion is no change.
	tt.by("SET", "k", "v", "PX", "100")
	tt.advance(200)
	tt.do("WATCH", "k")
	tt.do("MULTI")
	if got := tt.do("EXEC"); got != "[]" {
		t.Errorf("key expired before WATCH: EXEC = %s", got)
	}
	tt.by("SET", "k", "v", "PX", "100")
	tt.advance(200)
	tt.do("WATCH", "k")
	tt.by("GET", "k") // deletes it
	tt.do("MULTI")
	if got := tt.do("EXEC"); got != "[]" {
		t.Errorf("key expired before WATCH, deleted after: EXEC = %s", got)
	}
	// ... but creating it afterwards is a change.
	tt.by("SET", "k", "v", "PX", "100")
	tt.advance(200)
	tt.do("WATCH", "k")
	tt.by("SET", "k", "new")
	tt.do("MULTI")
	if got := tt.do("EXEC"); got != "(nil)" {
		t.Errorf("key expired before WATCH, then set: EXEC = %s", got)
	}
	// FLUSHDB deleting an already expired watched key changes nothing either.
	tt.by("SET", "k", "v", "PX", "100")
	tt.advance(200)
	tt.do("WATCH", "k")
	tt.by("FLUSHDB")
	tt.do("MULTI")
	if got := tt.do("EXEC"); got != "[]" {
		t.Errorf("expired key flushed: EXEC = %s", got)
	}
	// Commands inside EXEC see EXEC's time: a key cannot expire halfway.
	tt.by("SET", "k", "v", "PX", "1")
	tt.do("MULTI")
	tt.do("GET", "k")
	tt.do("GET", "k")
	got := tt.do("EXEC")
	if got != `["v" "v"]` && got != "[(nil) (nil)]" {
		t.Errorf("EXEC of two GETs of an expiring key = %s", got)
	}
}

func TestMultiWatchFlushSwap(t *testing.T) {
	tt := newTxTester(t)
	run := func(name string, setup func(), want string) {
		t.Helper()
		tt.by("FLUSHALL")
		tt.do("UNWATCH")
		setup()
		tt.do("MULTI")
		if got := tt.do("EXEC"); got != want {
			t.Errorf("%s: EXEC = %s, want %s", name, got, want)
		}
	}
	run("FLUSHDB, key exists", func() {
		tt.by("SET", "k", "v")
		tt.do("WATCH", "k")
		tt.by("FLUSHDB")
	}, "(nil)")
	run("FLUSHDB, key missing", func() {
		tt.do("WATCH", "k")
		tt.by("FLUSHDB")
	}, "[]")
	run("FLUSHALL, key exists", func() {
		tt.by("SET", "k", "v")
		tt.do("WATCH", "k")
		tt.by("FLUSHALL")
	}, "(nil)")
	run("FLUSHDB of another db", func() {
		tt.by("SET", "k", "v")
		tt.do("WATCH", "k")
		tt.by("SELECT", "1")
		tt.by("FLUSHDB")
		tt.by("SELECT", "0")
	}, "[]")
	run("SWAPDB, key only in the other db", func() {
		tt.do("WATCH", "k")
		tt.by("SELECT", "1")
		tt.by("SET", "k", "v")
		tt.by("SELECT", "0")
		tt.by("SWAPDB", "0", "1")
	}, "(nil)")
	run("SWAPDB, key only in the watched db", func() {
		tt.by("SET", "k", "v")
		tt.do("WATCH", "k")
		tt.by("SWAPDB", "1", "0")
	}, "(nil)")
	run("SWAPDB, key in neither", func() {
		tt.do("WATCH", "k")
		tt.by("SET", "other", "v")
		tt.by("SWAPDB", "0", "1")
	}, "[]")
	run("SWAPDB of other dbs", func() {
		tt.by("SET", "k", "v")
		tt.do("WATCH", "k")
		tt.by("SWAPDB", "1", "2")
	}, "[]")
	run("SWAPDB, missing key replaced by an expired one", func() {
		tt.do("WATCH", "k")
		tt.by("SELECT", "1")
		tt.by("SET", "k", "v", "PX", "100")
		tt.by("SELECT", "0")
		tt.advance(200)
		tt.by("SWAPDB", "0", "1")
	}, "[]")
	run("SWAPDB, expired key replaced by a live one", func() {
		tt.by("SET", "k", "v", "PX", "100")
		tt.advance(200)
		tt.do("WATCH", "k")
		tt.by("SELECT", "1")
		tt.by("SET", "k", "v")
		tt.by("SELECT", "0")
		tt.by("SWAPDB", "0", "1")
	}, "(nil)")
}

// What EXEC propagates: nothing for reads, a single write as it is, several writes
// (or one command propagating several) wrapped in one MULTI/EXEC, as Redis 7.0's
// propagatePendingCommands does.
func TestMultiPropagation(t *testing.T) {
	tt := newTxTester(t)
	run := func(cmds [][]string, want ...string) {
		t.Helper()
		tt.propagated = nil
		tt.do("MULTI")
		for _, c := range cmds {
			if got := tt.do(c...); got != "QUEUED" {
				t.Fatalf("%v: %s", c, got)
			}
		}
		tt.do("EXEC")
		if strings.Join(tt.propagated, "|") != strings.Join(want, "|") {
			t.Errorf("%v propagated %q, want %q", cmds, tt.propagated, want)
		}
	}
	run([][]string{{"GET", "a"}, {"EXISTS", "b"}})
	run([][]string{{"GET", "a"}, {"SET", "a", "1"}, {"GET", "a"}}, "SET a 1")
	run([][]string{{"SET", "a", "1"}, {"INCR", "a"}}, "MULTI", "SET a 1", "INCR a", "EXEC")
	// A write that changes nothing does not propagate.
	run([][]string{{"SETNX", "a", "1"}, {"INCR", "a"}}, "INCR a")
	// Rewritten commands propagate rewritten.
	run([][]string{{"SET", "e", "v", "PXAT", "99999999999999"}, {"PEXPIREAT", "e", "99999999999998"}},
		"MULTI", "SET e v PXAT 99999999999999", "PEXPIREAT e 99999999999998", "EXEC")
	// One command propagating several effects inside EXEC: one wrapper only.
	tt.do("SADD", "s", "a", "b", "c")
	tt.propagated = nil
	tt.do("MULTI")
	tt.do("SPOP", "s", "2")
	tt.do("SET", "x", "1")
	tt.do("EXEC")
	if p := tt.propagated; len(p) < 4 || p[0] != "MULTI" || p[len(p)-1] != "EXEC" ||
		!strings.HasPrefix(p[1], "SREM s ") || p[len(p)-2] != "SET x 1" ||
		strings.Count(strings.Join(p, "|"), "MULTI") != 1 {
		t.Errorf("SPOP 2 + SET in EXEC propagated %q", tt.propagated)
	}
	// A key expiring when a command of the transaction looks at it: its DEL is part
	// of the transaction's propagation.
	tt.do("SET", "old", "v", "PX", "100")
	tt.advance(200)
	run([][]string{{"GET", "old"}, {"SET", "y", "1"}}, "MULTI", "DEL old", "SET y 1", "EXEC")
	// Aborted and failed transactions propagate nothing.
	tt.propagated = nil
	tt.do("MULTI")
	tt.do("SET", "a", "2")
	tt.do("NOSUCH")
	tt.do("EXEC")
	tt.do("WATCH", "a")
	tt.by("SET", "a", "3")
	tt.do("MULTI")
	tt.do("SET", "a", "4")
	tt.do("EXEC")
	if want := []string{"SET a 3"}; strings.Join(tt.propagated, "|") != "SET a 3" {
		t.Errorf("aborted transactions propagated %q, want %q", tt.propagated, want)
	}
	// A command of the transaction on another database carries its own db.
	var dbs []int
	tt.s.propagate = func(db int, argv [][]byte) { dbs = append(dbs, db) }
	tt.do("MULTI")
	tt.do("SET", "a", "1")
	tt.do("SELECT", "3")
	tt.do("SET", "a", "1")
	tt.do("EXEC")
	tt.do("SELECT", "0")
	if len(dbs) != 4 || dbs[0] != 0 || dbs[1] != 0 || dbs[2] != 3 || dbs[3] != 3 {
		t.Errorf("propagated dbs %v, want [0 0 3 3]", dbs)
	}
}

func TestMultiClientList(t *testing.T) {
	tt := newTxTester(t)
	tt.do("WATCH", "a", "b")
	tt.do("MULTI")
	tt.do("SET", "a", "1")
	tt.do("GET", "a")
	line := string(tt.s.appendClientInfo(nil, tt.c))
	for _, want := range []string{" flags=x ", " multi=2 ", " multi-mem=49 ", " cmd=get "} {
		if !strings.Contains(line, want) {
			t.Errorf("CLIENT LIST in MULTI: %q lacks %q", line, want)
		}
	}
	tt.by("SET", "a", "2")
	line = string(tt.s.appendClientInfo(nil, tt.c))
	if !strings.Contains(line, " flags=xd ") {
		t.Errorf("CLIENT LIST of a dirty transaction: %q", line)
	}
	tt.do("EXEC")
	line = string(tt.s.appendClientInfo(nil, tt.c))
	if !strings.Contains(line, " flags=N ") || !strings.Contains(line, " multi=-1 ") || !strings.Contains(line, " multi-mem=0 ") {
		t.Errorf("CLIENT LIST after EXEC: %q", line)
	}
}

// RESET and closing a client leave the transaction and unwatch its keys.
func TestMultiResetAndClose(t *testing.T) {
	tt := newTxTester(t)
	tt.do("WATCH", "k")
	tt.do("MULTI")
	tt.do("SET", "k", "v")
	if got := tt.do("RESET"); got != "RESET" {
		t.Fatal(got)
	}
	if tt.c.flags&(flagMulti|flagDirtyCAS|flagDirtyExec) != 0 || tt.c.tx != nil {
		t.Errorf("RESET left transaction state: flags %b tx %v", tt.c.flags, tt.c.tx)
	}
	if n := len(tt.s.tx.watched[0]); n != 0 {
		t.Errorf("RESET left %d watched keys", n)
	}
	tt.expect(`
		EXEC => -ERR EXEC without MULTI
		WATCH k j => OK
	`)
	tt.s.discardTransaction(tt.c) // what the onClientFree hook does
	if n := len(tt.s.tx.watched[0]); n != 0 {
		t.Errorf("closing left %d watched keys", n)
	}
	// Several clients on one key: touching it flags all, unwatching one keeps the rest.
	tt.do("WATCH", "k")
	tt.by("WATCH", "k")
	tt.by("UNWATCH")
	if n := len(tt.s.tx.watched[0]["k"]); n != 1 {
		t.Errorf("watchers of k = %d, want 1", n)
	}
	tt.by("SET", "k", "x")
	if tt.c.flags&flagDirtyCAS == 0 {
		t.Error("SET did not flag the watcher")
	}
	if n := len(tt.s.tx.watched[0]); n != 0 {
		t.Errorf("a flagged client still watches %d keys", n)
	}
}

// Blocking commands inside EXEC answer at once, as if their timeout expired, and a
// push inside a transaction serves a client blocked on the key once EXEC is done.
func TestMultiBlocking(t *testing.T) {
	_, addr := startTestServer(t, nil)
	a := dialTest(t, addr)
	b := dialTest(t, addr)
	for _, cmd := range [][]string{{"MULTI"}, {"BLPOP", "l", "0"}, {"BZPOPMIN", "z", "0"}, {"XREAD", "BLOCK", "0", "STREAMS", "x", "$"}, {"BLMOVE", "l", "m", "LEFT", "LEFT", "0"}} {
		a.do(cmd...)
	}
	if got := a.do("EXEC"); got != "[(nil) (nil) (nil) (nil)]" {
		t.Errorf("blocking commands in EXEC = %s", got)
	}
	b.raw("*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n")
	txWaitFor(t, func() bool { return strings.Contains(a.do("CLIENT", "LIST"), "flags=b") })
	a.do("MULTI")
	a.do("RPUSH", "q", "1", "2")
	a.do("LLEN", "q")
	if got := a.do("EXEC"); got != "[:2 :2]" {
		t.Errorf("EXEC = %s", got) // the blocked client is served after the whole EXEC
	}
	if got := b.read(); got != "[q 1]" {
		t.Errorf("blocked client got %s", got)
	}
	if got := a.do("LRANGE", "q", "0", "-1"); got != "[2]" {
		t.Errorf("list after serving = %s", got)
	}
}

// txWaitFor polls cond for up to 5 s.
func txWaitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The optimistic-lock pattern of go-redis: WATCH, read, MULTI/EXEC with the new
// value, retry on TxFailedErr. With concurrent clients every increment survives.
func TestMultiGoRedisOptimisticLock(t *testing.T) {
	_, addr := startTestServer(t, func(c *config.Config) {})
	ctx := context.Background()
	const clients, perClient = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	retries := make(chan int, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(proto int) {
			defer wg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true, Protocol: proto, PoolSize: 1})
			defer rdb.Close()
			retry := 0
			for n := 0; n < perClient; {
				err := rdb.Watch(ctx, func(tx *redis.Tx) error {
					v, err := tx.Get(ctx, "counter").Int()
					if err != nil && err != redis.Nil {
						return err
					}
					_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.Set(ctx, "counter", v+1, 0)
						p.RPush(ctx, "log", v+1)
						return nil
					})
					return err
				}, "counter")
				if errors.Is(err, redis.TxFailedErr) {
					retry++
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				n++
			}
			retries <- retry
		}(2 + i%2)
	}
	wg.Wait()
	close(errs)
	close(retries)
	for err := range errs {
		t.Fatal(err)
	}
	total := 0
	for r := range retries {
		total += r
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	defer rdb.Close()
	if v, err := rdb.Get(ctx, "counter").Int(); err != nil || v != clients*perClient {
		t.Fatalf("counter = %d, %v; want %d", v, err, clients*perClient)
	}
	// Each increment logged exactly once, in order: no lost or duplicated update.
	log, err := rdb.LRange(ctx, "log", 0, -1).Result()
	if err != nil || len(log) != clients*perClient {
		t.Fatalf("log has %d entries, %v", len(log), err)
	}
	for i, v := range log {
		if v != strconv.Itoa(i+1) {
			t.Fatalf("log[%d] = %s", i, v)
		}
	}
	t.Logf("%d transactions, %d retried after a conflicting write", clients*perClient, total)
	// A failed transaction returns TxFailedErr and runs nothing.
	other := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	defer other.Close()
	err = rdb.Watch(ctx, func(tx *redis.Tx) error {
		other.Set(ctx, "counter", "x", 0)
		_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "counter", "y", 0)
			return nil
		})
		return err
	}, "counter")
	if !errors.Is(err, redis.TxFailedErr) {
		t.Errorf("Watch after a conflicting write: %v", err)
	}
	if v := rdb.Get(ctx, "counter").Val(); v != "x" {
		t.Errorf("counter = %q after the failed transaction", v)
	}
}

// MONITOR shows a transaction as Redis 7.0 does: MULTI when it is sent, the queued
// commands when EXEC runs them, then EXEC; a refused EXEC is shown as it was sent.
func TestMultiMonitor(t *testing.T) {
	_, addr := startTestServer(t, nil)
	mon := dialTest(t, addr)
	if got := mon.do("MONITOR"); got != "OK" {
		t.Fatal(got)
	}
	c := dialTest(t, addr)
	for _, cmd := range [][]string{{"MULTI"}, {"SET", "a", "1"}, {"GET", "a"}, {"EXEC"},
		{"MULTI"}, {"SET", "a", "1"}, {"EXEC", "x"}, {"MULTI"}, {"FOO"}, {"EXEC"}} {
		c.do(cmd...)
	}
	want := []string{`"MULTI"`, `"SET" "a" "1"`, `"GET" "a"`, `"EXEC"`, `"MULTI"`, `"EXEC" "x"`, `"MULTI"`, `"EXEC"`}
	for _, w := range want {
		line := mon.read()
		if i := strings.Index(line, "] "); i < 0 || line[i+2:] != w {
			t.Errorf("MONITOR line %q, want ... %s", line, w)
		}
	}
}

// TestMultiRandomAgainstRedis runs the same random interleaving of transactions,
// WATCHes and conflicting writes from three clients on redis-server 7.0 and on
// keygrid, and compares every reply byte for byte and the whole propagated stream
// (read from redis-server as a replica), MULTI/EXEC wrapping and SELECTs included.
func TestMultiRandomAgainstRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("seed %d", seed)

	srv := testutil.StartRedis(t, "--repl-diskless-sync", "no")
	repl := newRawReader(t, srv.Addr())
	repl.startReplica()
	const nconn = 3
	refs := make([]*testutil.Conn, nconn)
	for i := range refs {
		refs[i] = srv.Conn(t)
	}
	tt := newTxTester(t)
	clients := []*Client{tt.c, tt.other, {srv: tt.s, fd: -1, id: 3, db: tt.s.dbs[0], proto: 2, flags: flagAuthenticated}}
	var propagated []string
	tt.s.propagate = func(db int, argv [][]byte) {
		parts := []string{strconv.Itoa(db)}
		for _, a := range argv {
			parts = append(parts, string(a))
		}
		propagated = append(propagated, strings.Join(parts, " "))
	}
	run := func(c *Client, args []string) string {
		argv := make([][]byte, len(args))
		for i, a := range args {
			argv[i] = []byte(a)
		}
		c.out = c.out[:0]
		c.argv = argv
		tt.s.processCommand(c)
		c.argv = nil
		return string(c.out)
	}

	keys := []string{"k0", "k1", "k2", "k3"}
	key := func() string { return keys[rng.IntN(len(keys))] }
	gen := func() []string {
		switch n := rng.IntN(100); {
		case n < 10:
			return []string{"WATCH", key(), key()}
		case n < 13:
			return []string{"UNWATCH"}
		case n < 25:
			return []string{"MULTI"}
		case n < 37:
			return []string{"EXEC"}
		case n < 40:
			return []string{"DISCARD"}
		case n < 48:
			return []string{"SET", key(), strconv.Itoa(rng.IntN(10))}
		case n < 55:
			return []string{"INCR", key()}
		case n < 59:
			return []string{"DEL", key()}
		case n < 63:
			return []string{"RPUSH", key(), "x"}
		case n < 69:
			return []string{"GET", key()}
		case n < 72:
			return []string{"SETNX", key(), "n"}
		case n < 75:
			return []string{"SELECT", strconv.Itoa(rng.IntN(2))}
		case n < 77:
			return []string{"NOSUCHCMD", key()}
		case n < 79:
			return []string{"GET"}
		case n < 81:
			return []string{"FLUSHDB"}
		case n < 83:
			return []string{"SWAPDB", "0", "1"}
		case n < 86:
			return []string{"MOVE", key(), "1"}
		case n < 89:
			return []string{"RENAME", key(), key()}
		case n < 92:
			return []string{"LMOVE", key(), key(), "LEFT", "RIGHT"}
		case n < 95:
			return []string{"EXPIRE", key(), "1000"}
		case n < 97:
			return []string{"BLPOP", key(), "0"} // inside EXEC only; outside it may block
		default:
			return []string{"EXISTS", key(), key()}
		}
	}
	inMulti := make([]bool, nconn)
	steps := 0
	for steps < 1500 {
		i := rng.IntN(nconn)
		args := gen()
		if args[0] == "BLPOP" && !inMulti[i] {
			continue
		}
		steps++
		want, err := refs[i].Do(args...)
		if err != nil {
			t.Fatalf("%q on redis-server: %v", args, err)
		}
		got := run(clients[i], args)
		if got != string(want) {
			t.Fatalf("step %d, client %d, %q:\nredis   %q\nkeygrid %q", steps, i, args, want, got)
		}
		switch {
		case args[0] == "MULTI" && got == "+OK\r\n":
			inMulti[i] = true
		case args[0] == "EXEC" || args[0] == "DISCARD":
			inMulti[i] = clients[i].flags&flagMulti != 0
		}
	}
	// An end marker, seen on redis-server's replication stream (from a new client:
	// the others may be inside MULTI).
	marker := srv.Conn(t)
	marker.Do("SELECT", "9")
	marker.Do("SET", "end-marker", "1")
	var refProp []string
	db := 0
	for {
		argv := repl.readValue()
		if strings.EqualFold(argv[0], "SELECT") {
			db, _ = strconv.Atoi(argv[1])
			continue
		}
		if strings.EqualFold(argv[0], "PING") {
			continue
		}
		if len(argv) == 3 && argv[1] == "end-marker" {
			break
		}
		refProp = append(refProp, strconv.Itoa(db)+" "+strings.Join(argv, " "))
	}
	if !propagationEqual(refProp, propagated) {
		t.Errorf("propagated streams differ:\nredis   %q\nkeygrid %q", refProp, propagated)
	}
	t.Logf("%d steps, %d commands propagated", steps, len(propagated))
}

// A cluster redirection refusing EXEC discards the transaction and is replied as it
// is; refusing a queued command, it fails the transaction (Redis's processCommand).
func TestMultiClusterRedirect(t *testing.T) {
	tt := newTxTester(t)
	redirect := ""
	tt.s.commandChecks = append(tt.s.commandChecks, func(c *Client, cmd *Command) string {
		// EXEC outside MULTI has no keys: no node to redirect to.
		if cmd.Name == "exec" && c.inMulti() || cmd.Name == "get" {
			return redirect
		}
		return ""
	})
	tt.expect(`
		MULTI => OK
		SET k v => QUEUED
	`)
	redirect = "MOVED 3999 127.0.0.1:7001"
	tt.expect(`
		EXEC => -MOVED 3999 127.0.0.1:7001
		EXEC => -ERR EXEC without MULTI
		MULTI => OK
		GET k => -MOVED 3999 127.0.0.1:7001
	`)
	redirect = ""
	tt.expect(`
		EXEC => -EXECABORT Transaction discarded because of previous errors.
	`)
	redirect = "CROSSSLOT Keys in request don't hash to the same slot"
	tt.expect(`
		MULTI => OK
		EXEC => -CROSSSLOT Keys in request don't hash to the same slot
	`)
}
