package engine

// A differential test of the keyspace commands against a real redis-server 7.0: for
// one sequence of commands it compares the replies, and per command the changes counted
// (INFO rdb_changes_since_last_save against Server.dirty) and the keyspace hits and
// misses, and over the whole sequence the keyspace events (PSUBSCRIBE on the keyevent
// channels) and what is propagated to replicas (Redis's replication stream, read as a
// replica with SYNC, against the propagate hook).

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// keysDiffScript is the sequence. "!sleep D" waits on both sides (keys with a 1 ms TTL
// expire meanwhile; active expiry is off on redis-server and never runs on the tester),
// "!noreply CMD" runs a command whose reply is not compared (hash-table order).
const keysDiffScript = `
SET a 1
SET b hello
MSET c 3 d 4
EXISTS a a nokey b
TYPE a
TYPE nokey
DEL a nokey
DEL a
UNLINK c
TOUCH b d nokey
RENAME b b2
RENAME nokey x
RENAMENX b2 d
RENAMENX b2 e
RENAME e e
RENAMENX e e
COPY e f
COPY e f
COPY e f REPLACE
COPY e f DB 3
COPY e e
MOVE f 2
MOVE f 2
MOVE nokey 2
SWAPDB 2 3
SWAPDB 2 2
SWAPDB 2 99
EXPIRE e 100
EXPIRE e 100 NX
PEXPIRE e 200000 XX GT
EXPIRE e 10 GT
EXPIREAT e 4102444800
PEXPIREAT e 4102444700000 LT
EXPIRE e 10 FOO
EXPIRE nokey 10
TTL e
EXPIRETIME e
PEXPIRETIME e
PERSIST e
PERSIST e
PERSIST nokey
EXPIRE e -1
EXISTS e
SET g v
PEXPIREAT g 1
SET h v PX 1
SET i v PX 1
SET j v PX 1
SET k v PX 1
SET l v PX 1
SET m v PX 1
SET n v PX 1
SET o v PX 1
SET p v PX 1
SET q v PX 1
!sleep 30ms
GET h
EXISTS i
EXPIRE j 100
RENAME k x
SET l w NX
DEL m
TYPE n
COPY o o2
MOVE p 5
TTL q
OBJECT ENCODING d
OBJECT REFCOUNT d
OBJECT ENCODING nokey
!noreply KEYS *
!noreply SCAN 0 COUNT 1000
!noreply SCAN 0 TYPE string COUNT 1000
!noreply SCAN 0 TYPE list COUNT 1000
DBSIZE
FLUSHDB
FLUSHDB
SELECT 1
SET z 1
SELECT 3
DBSIZE
FLUSHALL
FLUSHALL SYNC
DBSIZE
SELECT 0
`

func TestKeysAgainstRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	srv := testutil.StartRedis(t, "--enable-debug-command", "yes", "--repl-diskless-sync", "no",
		"--notify-keyspace-events", "EA")
	ref := srv.Conn(t)
	mustDo := func(args ...string) string {
		t.Helper()
		raw, err := ref.Do(args...)
		if err != nil {
			t.Fatalf("%q on redis-server: %v", args, err)
		}
		return string(raw)
	}
	mustDo("DEBUG", "SET-ACTIVE-EXPIRE", "0")
	sub := newRawReader(t, srv.Addr())
	sub.send("PSUBSCRIBE", "__keyevent@*__:*")
	sub.readValue() // subscription confirmation
	repl := newRawReader(t, srv.Addr())
	repl.startReplica()

	st := newKeysTester(t, nil)
	var events []string
	st.s.onNotify = func(class NotifyClass, event string, key []byte, db int) {
		if class != NotifyKeyMiss { // not in "EA"
			events = append(events, fmt.Sprintf("%d %s %s", db, event, key))
		}
	}
	st.propagated = nil
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
	for _, line := range strings.Split(keysDiffScript, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if d, ok := strings.CutPrefix(line, "!sleep "); ok {
			dur, err := time.ParseDuration(d)
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(dur)
			continue
		}
		cmd, noreply := strings.CutPrefix(line, "!noreply ")
		args := strings.Fields(cmd)
		dirty0, hits0, miss0 := infoInt("persistence", "rdb_changes_since_last_save"),
			infoInt("stats", "keyspace_hits"), infoInt("stats", "keyspace_misses")
		kd0, kh0, km0 := st.s.dirty, st.s.stats.keyspaceHits, st.s.stats.keyspaceMisses
		want := mustDo(args...)
		got := st.raw(args...)
		if !noreply && got != want {
			t.Errorf("%s:\nredis   %q\nkeygrid %q", cmd, want, got)
		}
		dirty1, hits1, miss1 := infoInt("persistence", "rdb_changes_since_last_save"),
			infoInt("stats", "keyspace_hits"), infoInt("stats", "keyspace_misses")
		if rd, kd := dirty1-dirty0, st.s.dirty-kd0; rd != kd {
			t.Errorf("%s: changes counted: redis %d, keygrid %d", cmd, rd, kd)
		}
		if rh, kh := hits1-hits0, st.s.stats.keyspaceHits-kh0; rh != kh {
			t.Errorf("%s: keyspace hits: redis %d, keygrid %d", cmd, rh, kh)
		}
		if rm, km := miss1-miss0, st.s.stats.keyspaceMisses-km0; rm != km {
			t.Errorf("%s: keyspace misses: redis %d, keygrid %d", cmd, rm, km)
		}
	}
	// An end marker in database 9, seen by both the subscriber and the replica.
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
	if !propagationEqual(refProp, propagated) {
		t.Errorf("propagated commands differ:\nredis   %q\nkeygrid %q", refProp, propagated)
	}
}

// propagationEqual compares propagated commands, allowing absolute times computed
// from "now" (EXPIRE to PEXPIREAT) to differ by the few milliseconds between the
// two servers running the command.
func propagationEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		fa, fb := strings.Fields(a[i]), strings.Fields(b[i])
		if len(fa) != len(fb) {
			return false
		}
		for j := range fa {
			if fa[j] == fb[j] {
				continue
			}
			x, err1 := strconv.ParseInt(fa[j], 10, 64)
			y, err2 := strconv.ParseInt(fb[j], 10, 64)
			if err1 != nil || err2 != nil || x < 1e12 || y < 1e12 || x-y > 2000 || y-x > 2000 {
				return false
			}
		}
	}
	return true
}

// rawReader is a connection read as a stream of RESP arrays of bulk strings (pub/sub
// messages, a replication stream).
type rawReader struct {
	t  *testing.T
	c  *testutil.Conn
	rd *bufio.Reader
}

func newRawReader(t *testing.T, addr string) *rawReader {
	t.Helper()
	c, err := testutil.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawReader{t: t, c: c, rd: bufio.NewReader(c.NetConn())}
}

func (r *rawReader) send(args ...string) {
	r.t.Helper()
	if err := r.c.Send(testutil.AppendCommand(nil, args...)); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rawReader) line() string {
	r.t.Helper()
	r.c.NetConn().SetReadDeadline(time.Now().Add(10 * time.Second))
	l, err := r.rd.ReadString('\n')
	if err != nil {
		r.t.Fatalf("reading: %v", err)
	}
	return strings.TrimSuffix(l, "\r\n")
}

// readValue reads one array of bulk strings or integers.
func (r *rawReader) readValue() []string {
	r.t.Helper()
	l := r.line()
	if !strings.HasPrefix(l, "*") {
		r.t.Fatalf("expected an array, got %q", l)
	}
	n, _ := strconv.Atoi(l[1:])
	out := make([]string, n)
	for i := range out {
		h := r.line()
		switch h[0] {
		case ':':
			out[i] = h[1:]
		case '$':
			sz, _ := strconv.Atoi(h[1:])
			buf := make([]byte, sz+2)
			if _, err := io.ReadFull(r.rd, buf); err != nil {
				r.t.Fatal(err)
			}
			out[i] = string(buf[:sz])
		default:
			r.t.Fatalf("unexpected element %q", h)
		}
	}
	return out
}

// startReplica makes the connection a replica with the legacy SYNC: the RDB payload
// ("$len" and the bytes, after newlines sent as keepalives) is skipped, then the
// command stream follows.
func (r *rawReader) startReplica() {
	r.t.Helper()
	r.send("SYNC")
	for {
		l := r.line()
		if l == "" || l == "\n" {
			continue
		}
		l = strings.TrimLeft(l, "\n")
		if !strings.HasPrefix(l, "$") {
			r.t.Fatalf("SYNC: unexpected %q", l)
		}
		n, _ := strconv.Atoi(l[1:])
		if _, err := io.CopyN(io.Discard, r.rd, int64(n)); err != nil {
			r.t.Fatal(err)
		}
		return
	}
}
