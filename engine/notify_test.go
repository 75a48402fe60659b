package engine

// Keyspace notification tests. TestNotifyAgainstRedis is the audit of every command
// family: the same commands run on redis-server 7.0 and on keygrid, each with a
// connection PSUBSCRIBEd to __key*__:*, and the two streams of messages must be
// equal, in order (Redis's notify.c names and order of events).

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// notifyScript is run line by line on both servers; "!sleep D" waits on both.
const notifyScript = `
CONFIG SET notify-keyspace-events KEA
SET s 1
SET s 2 XX
SETNX s 3
SETEX sx 100 v
PSETEX sx 100000 v
APPEND s x
INCR n
INCRBY n 5
DECR n
INCRBYFLOAT f 1.5
SETRANGE s 1 abc
GETSET s new
GETDEL s
GETEX n EX 100
GETEX n PERSIST
MSET m1 a m2 b
MSETNX m3 c m4 d
SETBIT bits 7 1
BITOP OR dest bits bits
BITFIELD bf SET u8 0 255
LPUSH l a b c
RPUSH l d
LPUSHX l z
LINSERT l BEFORE a q
LSET l 0 w
LPOP l
RPOP l 2
LTRIM l 0 1
LREM l 0 w
RPOPLPUSH l l2
LMOVE l2 l LEFT RIGHT
LPOP l 10
BLPOP l2 0.01
RPUSH bl x
BLMOVE bl bl2 LEFT LEFT 0.01
SADD set a b c
SREM set a
SMOVE set set2 b
SINTERSTORE set3 set set2
SUNIONSTORE set4 set set2
SDIFFSTORE set5 set set2
SREM set c
HSET h f1 v1 f2 v2
HSETNX h f3 v3
HINCRBY h n 1
HINCRBYFLOAT h fl 1.5
HDEL h f1
HDEL h f2 f3 n fl
ZADD z 1 a 2 b 3 c
ZINCRBY z 5 a
ZREM z b
ZADD z 10 d
ZPOPMIN z
ZPOPMAX z
ZUNIONSTORE z2 1 z
ZINTERSTORE z3 1 z
ZRANGESTORE z4 z 0 -1
ZREMRANGEBYSCORE z2 0 100
ZADD zr 1 a 2 b 3 c
ZREMRANGEBYRANK zr 0 0
ZREMRANGEBYLEX zr - +
BZPOPMIN z 0.01
XADD st 1-1 f v
XADD st 2-1 f v
XTRIM st MAXLEN 1
XDEL st 2-1
XGROUP CREATE st g $
XGROUP CREATECONSUMER st g c1
XREADGROUP GROUP g c2 COUNT 1 STREAMS st >
XGROUP DELCONSUMER st g c1
XGROUP SETID st g 0
XGROUP DESTROY st g
PFADD hll a b c
PFMERGE hll2 hll
GEOADD geo 13.361389 38.115556 Palermo
GEOSEARCHSTORE geo2 geo FROMLONLAT 15 37 BYRADIUS 200 km
SET k1 v
EXPIRE k1 100
PEXPIRE k1 100000
EXPIREAT k1 4102444800
PERSIST k1
RENAME k1 k2
RENAMENX k2 k3
COPY k3 k4
MOVE k4 1
DEL k3
UNLINK m1 m2
RPUSH sortme 3 1 2
SORT sortme STORE sorted
SET gone v PX 1
!sleep 20ms
GET gone
SET e1 v
EXPIRE e1 0
SET e2 v
PEXPIREAT e2 1
SWAPDB 0 1
SWAPDB 0 1
CONFIG SET notify-keyspace-events KEn
SET fresh 1
SET fresh 2
LPUSH freshlist a
RENAME fresh fresh2
COPY fresh2 fresh3
MOVE fresh3 1
HSET freshh f v
SADD freshs a
ZADD freshz 1 a
XADD freshx 1-1 f v
PFADD freshp a
SETBIT freshb 1 1
CONFIG SET notify-keyspace-events KEm
GET missing
MGET missing1 missing2
HGET missingh f
LRANGE ml 0 -1
LINDEX ml 0
LLEN ml
SMEMBERS ms
SISMEMBER ms a
SCARD ms
ZRANGE mz 0 -1
ZSCORE mz a
ZCARD mz
XRANGE mx - +
XLEN mx
HGETALL mh
HLEN mh
STRLEN mstr
GETRANGE mstr 0 1
GETBIT mstr 1
BITCOUNT mstr
PFCOUNT mp
TYPE mt
EXISTS me
TTL mttl
OBJECT ENCODING mo
DUMP md
SORT msort
SUNION ms ms2
ZUNION 2 mz mz2
GEOPOS mg a
SET present v
GET present
LPUSH plist a
GET plist
CONFIG SET notify-keyspace-events ""
SET quiet 1
FLUSHALL
`

func TestNotifyAgainstRedis(t *testing.T) {
	ref := testutil.StartRedis(t)
	_, addr := startTestServer(t, nil)
	sides := []struct {
		name string
		addr string
	}{{"redis", ref.Addr()}, {"keygrid", addr}}
	var streams [2][]string
	for i, side := range sides {
		sub := dialPS(t, side.addr)
		cmd := dialPS(t, side.addr)
		sub.do("PSUBSCRIBE", "__key*__:*")
		var replies []string
		for _, line := range strings.Split(notifyScript, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			if d, ok := strings.CutPrefix(line, "!sleep "); ok {
				dur, _ := time.ParseDuration(d)
				time.Sleep(dur)
				continue
			}
			args := strings.Fields(line)
			for j, a := range args {
				if a == `""` {
					args[j] = ""
				}
			}
			replies = append(replies, cmd.do(args...))
		}
		// Events are published while the command runs: a PING sent now is answered
		// after every one of them.
		sub.send("PING")
		for {
			m := sub.next()
			if m == "*2\r\n$4\r\npong\r\n$0\r\n\r\n" {
				break
			}
			streams[i] = append(streams[i], m)
		}
		if i == 1 {
			t.Logf("%d commands, %d events", len(replies), len(streams[i]))
		}
	}
	n := max(len(streams[0]), len(streams[1]))
	for j := 0; j < n; j++ {
		var a, b string
		if j < len(streams[0]) {
			a = streams[0][j]
		}
		if j < len(streams[1]) {
			b = streams[1][j]
		}
		if a != b {
			t.Errorf("event %d differs:\nredis   %s\nkeygrid %s", j, showEvent(a), showEvent(b))
		}
	}
}

// showEvent prints a pmessage as "channel message".
func showEvent(raw string) string {
	v, err := testutil.ParseReply([]byte(raw))
	if err != nil || len(v.Elems) != 4 {
		return fmt.Sprintf("%q", raw)
	}
	return v.Elems[2].Str + " " + v.Elems[3].Str
}

func TestNotifyKeyspaceAndKeyevent(t *testing.T) {
	_, addr := startTestServer(t, nil)
	sub := dialPS(t, addr)
	c := dialTest(t, addr)
	sub.do("SUBSCRIBE", "__keyspace@0__:k", "__keyevent@0__:set")
	sub.next()
	// Off by default: nothing is published.
	c.do("SET", "k", "v")
	if got := c.do("CONFIG", "SET", "notify-keyspace-events", "K$"); got != "OK" {
		t.Fatalf("CONFIG SET: %q", got)
	}
	c.do("SET", "k", "v")
	if got, want := sub.next(), pubsubMsg(2, "message", "__keyspace@0__:k", "set"); got != want {
		t.Fatalf("keyspace event: %q, want %q", got, want)
	}
	c.do("CONFIG", "SET", "notify-keyspace-events", "E$")
	c.do("SELECT", "0")
	c.do("SET", "k", "v")
	if got, want := sub.next(), pubsubMsg(2, "message", "__keyevent@0__:set", "k"); got != want {
		t.Fatalf("keyevent event: %q, want %q", got, want)
	}
	// A class that is not selected publishes nothing.
	c.do("LPUSH", "l", "a")
	c.do("CONFIG", "SET", "notify-keyspace-events", "")
	c.do("SET", "k", "v")
	sub.silent(50 * time.Millisecond)
}
