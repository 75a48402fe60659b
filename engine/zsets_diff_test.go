package engine

// A differential test of the sorted set and geo commands against a real redis-server
// 7.0, in the manner of TestKeysAgainstRedis: per command the replies, the changes
// counted (rdb_changes_since_last_save against Server.dirty) and keyspace hits and
// misses; over the whole sequence the keyspace events and the propagated commands
// (Redis's replication stream against the propagate hook). This is where ZMPOP,
// BZPOPMIN and GEOADD's rewrites, and the events of every write, are checked.

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
)

const zsetsDiffScript = `
ZADD z 1 a 2 b 3 c
ZADD z 1 a
ZADD z CH 5 a 6 d
ZADD z NX 9 a 9 e
ZADD z XX 1 nope
ZADD z INCR 2 a
ZADD z INCR XX 2 nope
ZINCRBY z 1 b
ZINCRBY z -inf b
ZINCRBY z inf b
ZADD z 1 x 2 y
ZSCORE z a
ZSCORE nokey a
ZMSCORE z a nope
ZRANGE z 0 -1 WITHSCORES
ZRANGE nokey 0 -1
ZCARD z
ZREM z x y nope
ZREM z nope
ZREM nokey a
ZREMRANGEBYRANK z 0 0
ZREMRANGEBYSCORE z (0 3
ZREMRANGEBYSCORE z 100 200
ZADD lex 0 a 0 b 0 c 0 d
ZREMRANGEBYLEX lex [b [c
ZREMRANGEBYLEX lex - +
EXISTS lex
ZADD p 1 a 2 b 3 c 4 d 5 e 6 f
ZPOPMIN p
ZPOPMAX p 2
ZPOPMIN p 0
ZPOPMIN nokey
ZMPOP 1 p MIN COUNT 2
ZMPOP 2 nokey p MAX
ZMPOP 1 nokey MAX
EXISTS p
ZADD p 1 a 2 b 3 c
BZPOPMIN nokey p 0
BZPOPMAX p 0
BZMPOP 0 1 p MIN COUNT 5
EXISTS p
ZADD u1 1 a 2 b
ZADD u2 3 b 4 c
SADD s1 a c
ZUNIONSTORE out 3 u1 u2 s1
ZINTERSTORE out 2 u1 u2
ZDIFFSTORE out 2 u1 u2
ZINTERSTORE out 2 u1 nokey
ZDIFFSTORE out 2 u1 u1
ZUNION 2 u1 u2 WITHSCORES
ZINTERCARD 2 u1 u2
ZRANGESTORE out u1 0 -1
ZRANGESTORE out u1 5 9
ZRANGESTORE out nokey 0 -1
ZRANGESTORE out u2 -inf +inf BYSCORE
SET str v
ZRANGESTORE str u1 0 0
TYPE str
ZUNIONSTORE str 1 u1
ZCOUNT u1 -inf +inf
ZLEXCOUNT u1 - +
ZRANK u1 b
ZREVRANK u1 b
ZRANDMEMBER u1 10
ZADD z 1 a
ZSCAN z 0
GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
GEOADD g CH 13.361389 38.115556 Palermo 13.1 38.1 Other
GEOADD g XX 1 1 nope
GEOADD g NX 13.361389 38.115556 Palermo
GEOPOS g Palermo nope
GEOHASH g Palermo
GEODIST g Palermo Catania km
GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km ASC WITHDIST
GEOSEARCHSTORE gs g FROMLONLAT 15 37 BYRADIUS 200 km ASC
GEOSEARCHSTORE gs g FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST
GEOSEARCHSTORE gs g FROMLONLAT 0 0 BYRADIUS 1 km
GEOSEARCHSTORE gs nokey FROMLONLAT 0 0 BYRADIUS 1 km
GEORADIUS g 15 37 200 km STORE gr
GEORADIUS g 15 37 200 km STOREDIST gr
GEORADIUS g 0 0 1 km STORE gr
GEORADIUS nokey 0 0 1 km STORE g2
GEORADIUSBYMEMBER g Palermo 100 km STORE gr
GEORADIUS_RO g 15 37 200 km
ZADD z2 1 a
DEL z2
`

func TestZsetsAgainstRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	srv := testutil.StartRedis(t, "--repl-diskless-sync", "no", "--notify-keyspace-events", "EA")
	ref := srv.Conn(t)
	mustDo := func(args ...string) string {
		t.Helper()
		raw, err := ref.Do(args...)
		if err != nil {
			t.Fatalf("%q on redis-server: %v", args, err)
		}
		return string(raw)
	}
	sub := newRawReader(t, srv.Addr())
	sub.send("PSUBSCRIBE", "__keyevent@*__:*")
	sub.readValue()
	repl := newRawReader(t, srv.Addr())
	repl.startReplica()

	st := newKeysTester(t, nil)
	var events []string
	st.s.onNotify = func(class NotifyClass, event string, key []byte, db int) {
		if class != NotifyKeyMiss {
			events = append(events, fmt.Sprintf("%d %s %s", db, event, key))
		}
	}
	var propagated []string
	st.s.propagate = func(db int, argv [][]byte) {
		parts := []string{strconv.Itoa(db)}
		for _, a := range argv {
			parts = append(parts, string(a))
		}
		propagated = append(propagated, strings.Join(parts, " "))
	}
	infoInt := func(section, field string) int64 {
		t.Helper()
		v, err := testutil.ParseReply([]byte(mustDo("INFO", section)))
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?m)^` + field + `:(\d+)`).FindStringSubmatch(v.Str)
		if m == nil {
			t.Fatalf("INFO %s has no %s", section, field)
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		return n
	}
	random := map[string]bool{"ZRANDMEMBER": true}
	for _, line := range strings.Split(zsetsDiffScript, "\n") {
		args := strings.Fields(line)
		if len(args) == 0 {
			continue
		}
		dirty0, hits0, miss0 := infoInt("persistence", "rdb_changes_since_last_save"),
			infoInt("stats", "keyspace_hits"), infoInt("stats", "keyspace_misses")
		kd0, kh0, km0 := st.s.dirty, st.s.stats.keyspaceHits, st.s.stats.keyspaceMisses
		want := mustDo(args...)
		got := st.raw(args...)
		if got != want && !random[strings.ToUpper(args[0])] {
			t.Errorf("%s:\nredis   %q\nkeygrid %q", line, want, got)
		}
		dirty1, hits1, miss1 := infoInt("persistence", "rdb_changes_since_last_save"),
			infoInt("stats", "keyspace_hits"), infoInt("stats", "keyspace_misses")
		if rd, kd := dirty1-dirty0, st.s.dirty-kd0; rd != kd {
			t.Errorf("%s: changes counted: redis %d, keygrid %d", line, rd, kd)
		}
		if rh, kh := hits1-hits0, st.s.stats.keyspaceHits-kh0; rh != kh {
			t.Errorf("%s: keyspace hits: redis %d, keygrid %d", line, rh, kh)
		}
		if rm, km := miss1-miss0, st.s.stats.keyspaceMisses-km0; rm != km {
			t.Errorf("%s: keyspace misses: redis %d, keygrid %d", line, rm, km)
		}
	}
	mustDo("SELECT", "9")
	mustDo("SET", "end-marker", "1")

	var refEvents []string
	for {
		v := sub.readValue()
		if len(v) != 4 || v[0] != "pmessage" {
			t.Fatalf("unexpected pub/sub message %q", v)
		}
		var db int
		var event string
		fmt.Sscanf(strings.Replace(v[2], "__:", " ", 1), "__keyevent@%d %s", &db, &event)
		if v[3] == "end-marker" {
			break
		}
		refEvents = append(refEvents, fmt.Sprintf("%d %s %s", db, event, v[3]))
	}
	if !slices.Equal(events, refEvents) {
		t.Errorf("keyspace events differ:\nredis   %q\nkeygrid %q", refEvents, events)
	}
	var refProp []string
	db := 0
	for {
		argv := repl.readValue()
		switch strings.ToUpper(argv[0]) {
		case "SELECT":
			db, _ = strconv.Atoi(argv[1])
			continue
		case "PING", "MULTI", "EXEC":
			continue
		}
		if len(argv) == 3 && argv[1] == "end-marker" {
			break
		}
		refProp = append(refProp, strconv.Itoa(db)+" "+strings.Join(argv, " "))
	}
	t.Logf("%d events, %d propagated commands compared", len(events), len(propagated))
	if !slices.Equal(refProp, propagated) {
		t.Errorf("propagated commands differ:\nredis   %q\nkeygrid %q", refProp, propagated)
	}
}
