package engine

// A randomized differential test of the stream commands against a real
// redis-server 7.0: random but reproducible sequences of XADD (explicit, "<ms>-*",
// stale and zero IDs; every trimming option), XDEL, XTRIM, XRANGE, XREAD, the
// consumer-group commands and XINFO, on small nodes so that node boundaries,
// tombstones and approximate trimming matter. Per command it compares the reply,
// the changes counted (rdb_changes_since_last_save against Server.dirty) and the
// keyspace hits and misses; over the sequence, the keyspace events and the
// commands propagated to a replica (XADD with the generated ID and exact trims,
// XREADGROUP and XCLAIM as XCLAIM / XGROUP SETID / XGROUP CREATECONSUMER in
// MULTI/EXEC). Times are the only thing not compared: XPENDING's idle times and
// XINFO's seen and delivery times are left out, and propagated TIME values may
// differ by the milliseconds between the two servers.

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/internal/testutil"
)

// streamOpGen generates random stream commands over a few keys, groups and
// consumers, tracking roughly where each key's IDs are so most XADDs succeed.
type streamOpGen struct {
	r     *rand.Rand
	keys  []string
	topMs map[string]uint64
}

func (g *streamOpGen) key() string { return g.keys[g.r.IntN(len(g.keys))] }
func (g *streamOpGen) pick(s ...string) string {
	return s[g.r.IntN(len(s))]
}

// id returns an ID somewhere in the key's range (existing or not).
func (g *streamOpGen) id(key string) string {
	top := g.topMs[key]
	return fmt.Sprintf("%d-%d", g.r.Uint64N(top+3), g.r.IntN(3))
}

// bound returns a range bound: special, incomplete, exclusive or full.
func (g *streamOpGen) bound(key string) string {
	switch g.r.IntN(6) {
	case 0:
		return "-"
	case 1:
		return "+"
	case 2:
		return strconv.FormatUint(g.r.Uint64N(g.topMs[key]+3), 10)
	case 3:
		return "(" + g.id(key)
	}
	return g.id(key)
}

func (g *streamOpGen) trimOpts(key string) []string {
	var out []string
	strategy := g.pick("MAXLEN", "MINID")
	out = append(out, strategy)
	op := g.pick("", "=", "~", "~")
	if op != "" {
		out = append(out, op)
	}
	if strategy == "MAXLEN" {
		out = append(out, strconv.Itoa(g.r.IntN(12)))
	} else {
		out = append(out, g.id(key))
	}
	if op == "~" && g.r.IntN(3) == 0 {
		out = append(out, "LIMIT", strconv.Itoa(g.r.IntN(8)))
	}
	return out
}

func (g *streamOpGen) fields() []string {
	sets := [][]string{{"a"}, {"a", "b"}, {"b", "a"}, {"12"}, {"a", "-3"}}
	var out []string
	for _, f := range g.pick2(sets) {
		out = append(out, f, g.pick("1", "x", "007", "-42", "a longer value", ""))
	}
	return out
}

func (g *streamOpGen) pick2(s [][]string) []string { return s[g.r.IntN(len(s))] }

func (g *streamOpGen) next() []string {
	key := g.key()
	grp := g.pick("g1", "g2", "g3")
	cons := g.pick("c1", "c2", "c3")
	switch n := g.r.IntN(100); {
	case n < 35: // XADD
		args := []string{"XADD", key}
		if g.r.IntN(10) == 0 {
			args = append(args, "NOMKSTREAM")
		}
		if g.r.IntN(4) == 0 {
			args = append(args, g.trimOpts(key)...)
		}
		top := g.topMs[key]
		var id string
		switch m := g.r.IntN(20); {
		case m == 0:
			id = "0-0"
		case m == 1:
			id = g.id(key) // probably stale
		case m < 5:
			g.topMs[key] = top + g.r.Uint64N(2)
			id = fmt.Sprintf("%d-*", g.topMs[key])
		default:
			g.topMs[key] = top + g.r.Uint64N(3)
			id = fmt.Sprintf("%d-%d", g.topMs[key], g.r.IntN(4))
		}
		args = append(args, id)
		return append(args, g.fields()...)
	case n < 43:
		args := []string{"XDEL", key}
		for i := g.r.IntN(3) + 1; i > 0; i-- {
			args = append(args, g.id(key))
		}
		return args
	case n < 47:
		return append([]string{"XTRIM", key}, g.trimOpts(key)...)
	case n < 54:
		cmd, a, b := "XRANGE", g.bound(key), g.bound(key)
		if g.r.IntN(2) == 0 {
			cmd = "XREVRANGE"
		}
		args := []string{cmd, key, a, b}
		if g.r.IntN(2) == 0 {
			args = append(args, "COUNT", strconv.Itoa(g.r.IntN(5)))
		}
		return args
	case n < 56:
		return []string{"XLEN", key}
	case n < 60:
		args := []string{"XREAD"}
		if g.r.IntN(2) == 0 {
			args = append(args, "COUNT", strconv.Itoa(g.r.IntN(4)))
		}
		k2 := g.key()
		return append(args, "STREAMS", key, k2, g.pick("$", "0", g.id(key)), g.pick("$", "0", g.id(k2)))
	case n < 64:
		args := []string{"XGROUP", "CREATE", key, grp, g.pick("$", "0", g.id(key))}
		if g.r.IntN(3) == 0 {
			args = append(args, "MKSTREAM")
		}
		if g.r.IntN(4) == 0 {
			args = append(args, "ENTRIESREAD", strconv.Itoa(g.r.IntN(5)-1))
		}
		return args
	case n < 66:
		args := []string{"XGROUP", "SETID", key, grp, g.pick("$", "0", g.id(key))}
		if g.r.IntN(3) == 0 {
			args = append(args, "ENTRIESREAD", strconv.Itoa(g.r.IntN(5)-1))
		}
		return args
	case n < 67:
		return []string{"XGROUP", "DESTROY", key, grp}
	case n < 69:
		return []string{"XGROUP", g.pick("CREATECONSUMER", "DELCONSUMER"), key, grp, cons}
	case n < 79:
		args := []string{"XREADGROUP", "GROUP", grp, cons}
		if g.r.IntN(2) == 0 {
			args = append(args, "COUNT", strconv.Itoa(g.r.IntN(4)))
		}
		if g.r.IntN(5) == 0 {
			args = append(args, "NOACK")
		}
		args = append(args, "STREAMS", key)
		if g.r.IntN(10) < 7 {
			return append(args, ">")
		}
		return append(args, g.pick("0", g.id(key)))
	case n < 84:
		args := []string{"XACK", key, grp}
		for i := g.r.IntN(3) + 1; i > 0; i-- {
			args = append(args, g.id(key))
		}
		return args
	case n < 86:
		return []string{"XPENDING", key, grp}
	case n < 90:
		args := []string{"XCLAIM", key, grp, cons, "0"}
		for i := g.r.IntN(3) + 1; i > 0; i-- {
			args = append(args, g.id(key))
		}
		for _, o := range []string{"JUSTID", "FORCE"} {
			if g.r.IntN(3) == 0 {
				args = append(args, o)
			}
		}
		if g.r.IntN(4) == 0 {
			args = append(args, "RETRYCOUNT", strconv.Itoa(g.r.IntN(5)))
		}
		if g.r.IntN(4) == 0 {
			args = append(args, "LASTID", g.id(key))
		}
		if g.r.IntN(4) == 0 {
			args = append(args, "IDLE", "5000")
		}
		return args
	case n < 93:
		args := []string{"XAUTOCLAIM", key, grp, cons, "0", g.pick("0", "-", g.id(key), "("+g.id(key))}
		if g.r.IntN(2) == 0 {
			args = append(args, "COUNT", strconv.Itoa(g.r.IntN(4)+1))
		}
		if g.r.IntN(2) == 0 {
			args = append(args, "JUSTID")
		}
		return args
	case n < 95:
		return []string{"XINFO", "STREAM", key}
	case n < 97:
		return []string{"XINFO", "GROUPS", key}
	case n < 98:
		args := []string{"XSETID", key, g.id(key)}
		if g.r.IntN(2) == 0 {
			args = append(args, "ENTRIESADDED", strconv.Itoa(g.r.IntN(30)))
		}
		if g.r.IntN(2) == 0 {
			args = append(args, "MAXDELETEDID", g.id(key))
		}
		return args
	case n < 99:
		return []string{"MEMORY", "USAGE", key, "SAMPLES", g.pick("0", "1", "5")}
	}
	return []string{"DEL", key}
}

func TestStreamsAgainstRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) { streamsAgainstRedis(t, seed, 1500) })
	}
}

func streamsAgainstRedis(t *testing.T, seed uint64, steps int) {
	srv := testutil.StartRedis(t, "--repl-diskless-sync", "no", "--notify-keyspace-events", "EA",
		"--stream-node-max-entries", "3", "--stream-node-max-bytes", "120")
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

	st := newKeysTester(t, func(c *config.Config) {
		c.StreamNodeMaxEntries = 3
		c.StreamNodeMaxBytes = 120
	})
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
	infoRe := map[string]*regexp.Regexp{}
	infoInt := func(section, field string) int64 {
		t.Helper()
		v, err := testutil.ParseReply([]byte(mustDo("INFO", section)))
		if err != nil {
			t.Fatal(err)
		}
		re := infoRe[field]
		if re == nil {
			re = regexp.MustCompile(`(?m)^` + field + `:(\d+)`)
			infoRe[field] = re
		}
		m := re.FindStringSubmatch(v.Str)
		n, _ := strconv.ParseInt(m[1], 10, 64)
		return n
	}

	gen := &streamOpGen{r: rand.New(rand.NewPCG(seed, 7)), keys: []string{"s1", "s2"}, topMs: map[string]uint64{}}
	fails := 0
	for i := 0; i < steps && fails < 10; i++ {
		args := gen.next()
		dirty0, hits0, miss0 := infoInt("persistence", "rdb_changes_since_last_save"),
			infoInt("stats", "keyspace_hits"), infoInt("stats", "keyspace_misses")
		kd0, kh0, km0 := st.s.dirty, st.s.stats.keyspaceHits, st.s.stats.keyspaceMisses
		want := mustDo(args...)
		got := st.raw(args...)
		if got != want {
			t.Errorf("step %d %q:\nredis   %q\nkeygrid %q", i, args, want, got)
			fails++
		}
		dirty1, hits1, miss1 := infoInt("persistence", "rdb_changes_since_last_save"),
			infoInt("stats", "keyspace_hits"), infoInt("stats", "keyspace_misses")
		if rd, kd := dirty1-dirty0, st.s.dirty-kd0; rd != kd {
			t.Errorf("step %d %q: changes counted: redis %d, keygrid %d", i, args, rd, kd)
			fails++
		}
		if rh, kh := hits1-hits0, st.s.stats.keyspaceHits-kh0; rh != kh {
			t.Errorf("step %d %q: keyspace hits: redis %d, keygrid %d", i, args, rh, kh)
			fails++
		}
		if rm, km := miss1-miss0, st.s.stats.keyspaceMisses-km0; rm != km {
			t.Errorf("step %d %q: keyspace misses: redis %d, keygrid %d", i, args, rm, km)
			fails++
		}
	}
	if fails > 0 {
		return
	}
	mustDo("SELECT", "9")
	mustDo("SET", "end-marker", "1")
	var refEvents []string
	for {
		v := sub.readValue()
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
		case "PING":
			continue
		}
		if len(argv) == 3 && argv[1] == "end-marker" {
			break
		}
		refProp = append(refProp, strconv.Itoa(db)+" "+strings.Join(argv, " "))
	}
	t.Logf("%d steps, %d events, %d propagated commands compared", steps, len(events), len(propagated))
	if !propagationEqual(refProp, propagated) {
		for i := range max(len(refProp), len(propagated)) {
			var a, b string
			if i < len(refProp) {
				a = refProp[i]
			}
			if i < len(propagated) {
				b = propagated[i]
			}
			if !propagationEqual([]string{a}, []string{b}) {
				t.Errorf("propagated command %d differs:\nredis   %q\nkeygrid %q", i, a, b)
				break
			}
		}
	}
}
