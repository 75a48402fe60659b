package engine

// Differential tests of the HyperLogLog and SORT commands against a real
// redis-server 7.0, in the manner of keys_diff_test.go: for one sequence of commands
// they compare the replies (HLL values byte for byte through GET), per command the
// changes counted (INFO rdb_changes_since_last_save against Server.dirty) and the
// keyspace hits and misses, and over the whole sequence the keyspace events and what
// is propagated to replicas (read from redis-server as a replica with SYNC).

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
)

// diffAgainstRedis runs lines on a fresh redis-server and on a tester and compares
// everything listed above. A line is a command (arguments separated by single
// spaces, no quoting) or "!noreply CMD" for a command whose reply is not compared.
func diffAgainstRedis(t *testing.T, lines []string) {
	t.Helper()
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	srv := testutil.StartRedis(t, "--repl-diskless-sync", "no", "--notify-keyspace-events", "KEA")
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
		if class != NotifyKeyMiss && class != NotifyNew {
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
	fieldRE := map[string]*regexp.Regexp{}
	infoInt := func(section, field string) int64 {
		t.Helper()
		v, err := testutil.ParseReply([]byte(mustDo("INFO", section)))
		if err != nil {
			t.Fatal(err)
		}
		re := fieldRE[field]
		if re == nil {
			re = regexp.MustCompile(`(?m)^` + field + `:(\d+)`)
			fieldRE[field] = re
		}
		m := re.FindStringSubmatch(v.Str)
		if m == nil {
			t.Fatalf("INFO %s has no %s", section, field)
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		return n
	}
	failures := 0
	for _, line := range lines {
		cmd, noreply := strings.CutPrefix(line, "!noreply ")
		args := strings.Split(cmd, " ")
		dirty0, hits0, miss0 := infoInt("persistence", "rdb_changes_since_last_save"),
			infoInt("stats", "keyspace_hits"), infoInt("stats", "keyspace_misses")
		kd0, kh0, km0 := st.s.dirty, st.s.stats.keyspaceHits, st.s.stats.keyspaceMisses
		want := mustDo(args...)
		got := st.raw(args...)
		if !noreply && got != want {
			t.Errorf("%s:\nredis   %q\nkeygrid %q", short(cmd), short(want), short(got))
			failures++
		}
		dirty1, hits1, miss1 := infoInt("persistence", "rdb_changes_since_last_save"),
			infoInt("stats", "keyspace_hits"), infoInt("stats", "keyspace_misses")
		if rd, kd := dirty1-dirty0, st.s.dirty-kd0; rd != kd {
			t.Errorf("%s: changes counted: redis %d, keygrid %d", short(cmd), rd, kd)
			failures++
		}
		if rh, kh := hits1-hits0, st.s.stats.keyspaceHits-kh0; rh != kh {
			t.Errorf("%s: keyspace hits: redis %d, keygrid %d", short(cmd), rh, kh)
			failures++
		}
		if rm, km := miss1-miss0, st.s.stats.keyspaceMisses-km0; rm != km {
			t.Errorf("%s: keyspace misses: redis %d, keygrid %d", short(cmd), rm, km)
			failures++
		}
		if failures > 10 {
			t.Fatal("too many differences")
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
	t.Logf("%d commands, %d events, %d propagated commands compared", len(lines), len(events), len(propagated))
	if !slices.Equal(refProp, propagated) {
		t.Errorf("propagated commands differ:\nredis   %q\nkeygrid %q", refProp, propagated)
	}
}

func short(s string) string {
	if len(s) > 300 {
		return s[:300] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

// TestHLLAgainstRedis runs a random sequence of HLL commands on a few keys, with
// hll-sparse-max-bytes changing under them, and GETs the values often.
func TestHLLAgainstRedis(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	keys := []string{"h0", "h1", "h2", "h3", "{x}h4"}
	key := func() string { return keys[r.IntN(len(keys))] }
	elems := func(n, pool int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, " e%d", r.IntN(pool))
		}
		return b.String()
	}
	var lines []string
	add := func(format string, a ...any) { lines = append(lines, fmt.Sprintf(format, a...)) }
	add("RPUSH alist a")
	for i := 0; i < 700; i++ {
		switch k := r.IntN(100); {
		case k < 35:
			n := r.IntN(8)
			if r.IntN(10) == 0 {
				n = 100 + r.IntN(400)
			}
			add("PFADD %s%s", key(), elems(n, 5000))
		case k < 50:
			add("GET %s", key())
		case k < 62:
			add("PFCOUNT %s", key())
		case k < 67:
			add("PFCOUNT %s %s %s", key(), key(), key())
		case k < 73:
			add("PFMERGE %s %s %s", key(), key(), key())
		case k < 75:
			add("PFMERGE %s", key())
		case k < 79:
			add("PFDEBUG ENCODING %s", key())
		case k < 81:
			add("PFDEBUG DECODE %s", key())
		case k < 82:
			add("PFDEBUG TODENSE %s", key())
		case k < 83:
			add("PFDEBUG GETREG %s", key())
		case k < 86:
			add("CONFIG SET hll-sparse-max-bytes %d", []int{0, 50, 200, 3000, 3000, 12000}[r.IntN(6)])
		case k < 88:
			add("DEL %s", key())
		case k < 90:
			add("PFADD alist x")
		case k < 92:
			add("STRLEN %s", key())
		case k < 94:
			add("OBJECT ENCODING %s", key())
		case k < 96:
			add("SET %s notanhll", key())
		default:
			add("PFCOUNT nokey %s", key())
		}
	}
	for _, k := range keys {
		add("GET %s", k)
		add("PFCOUNT %s", k)
		add("GET %s", k)
	}
	add("CONFIG SET hll-sparse-max-bytes 3000")
	diffAgainstRedis(t, lines)
}

// TestSortAgainstRedis runs SORT and SORT_RO over lists, sets, sorted sets and hashes
// of weights,
// with STORE, and compares events (sortstore, del) and propagation too.
func TestSortAgainstRedis(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	var lines []string
	add := func(format string, a ...any) { lines = append(lines, fmt.Sprintf(format, a...)) }
	for i := 0; i < 60; i++ {
		add("RPUSH l %d", r.IntN(50))
		add("RPUSH la %c%d", 'a'+rune(r.IntN(5)), r.IntN(10))
		add("SADD si %d", r.IntN(1000)-500)
		add("SET w_%d %d", i, r.IntN(10))
		add("HSET h_%d f %d g %c", i, r.IntN(7), 'a'+rune(r.IntN(3)))
		add("ZADD z %d %d", r.IntN(20), i)
	}
	add("ZADD zl 1 3 2 1 3 2") // a listpack until SORT converts it
	add("OBJECT ENCODING zl")
	add("SET astr x")
	opts := []string{"", " DESC", " ALPHA", " LIMIT 5 10", " LIMIT 0 3 DESC", " BY w_*", " BY w_* DESC LIMIT 2 5",
		" BY h_*->f", " BY h_*->g ALPHA LIMIT 1 7", " BY nosort", " BY nosort DESC LIMIT 3 4", " GET # GET w_*",
		" BY h_*->f GET h_*->g GET #", " BY nokey_* ALPHA LIMIT 4 6", " LIMIT 100 2", " BY w_* LIMIT 0 0"}
	for i := 0; i < 150; i++ {
		key := []string{"l", "la", "si", "nokey", "astr", "z", "zl"}[r.IntN(7)]
		o := opts[r.IntN(len(opts))]
		if key == "la" && !strings.Contains(o, "ALPHA") && !strings.Contains(o, "BY") {
			o += " ALPHA"
		}
		if key[0] == 'z' && strings.Contains(o, "ALPHA") && strings.Contains(o, "BY") {
			// Ties of an ALPHA BY sort keep the order the elements were loaded in:
			// Redis's dict order for a sorted set (a documented difference).
			o = " BY w_*"
		}
		switch r.IntN(4) {
		case 0:
			add("SORT %s%s STORE dst%d", key, o, r.IntN(3))
			add("LRANGE dst%d 0 -1", r.IntN(3))
		case 1:
			add("SORT_RO %s%s", key, o)
		default:
			add("SORT %s%s", key, o)
		}
	}
	add("OBJECT ENCODING zl")
	add("SORT l STORE astr")
	add("TYPE astr")
	add("SORT nokey STORE dst0")
	add("SORT l BY w_* STORE l")
	add("LRANGE l 0 -1")
	diffAgainstRedis(t, lines)
}
