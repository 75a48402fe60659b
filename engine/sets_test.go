package engine

// Tests of the set commands (sets.go): replies, encodings and their conversions,
// keyspace events, dirty counts and propagation (through strTester of
// strings_test.go: an in-process client with no socket), a property test against a
// map model across the intset-to-hashtable conversion, SSCAN completeness while the
// member table grows and shrinks, and the uniformity of SPOP and SRANDMEMBER. The
// differential script internal/difftest/testdata/sets.txt compares replies with a
// real redis-server.

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestSetBasics(t *testing.T) {
	st := newStrTester(t)
	st.script(`
		SADD s 3 1 2 => :3
		SADD s 2 4 => :1
		SMEMBERS s => ["1" "2" "3" "4"]
		OBJECT ENCODING s => "intset"
		SADD s -40000 => :1
		SMEMBERS s => ["-40000" "1" "2" "3" "4"]
		SCARD s => :5
		SISMEMBER s 4 => :1
		SISMEMBER s 04 => :0
		SMISMEMBER s 1 x 4 => [:1 :0 :1]
		SMISMEMBER nokey 1 => [:0]
		SADD s x => :1
		OBJECT ENCODING s => "hashtable"
		SREM s x 1 2 3 4 => :5
		OBJECT ENCODING s => "hashtable"
		SMEMBERS s => ["-40000"]
		SREM s -40000 => :1
		EXISTS s => :0
		SET str v => OK
		SADD str 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
		SPOP str 2 => -WRONGTYPE Operation against a key holding the wrong kind of value
		SPOP nokey 2 => []
		SPOP nokey => (nil)
		SPOP nokey -1 => -ERR value is out of range, must be positive
		SRANDMEMBER nokey -1 => []
		SRANDMEMBER nokey x => -ERR value is not an integer or out of range
		SINTERCARD 2 a => -ERR Number of keys can't be greater than number of args
	`)
}

// TestSetConversionThreshold: the count past set-max-intset-entries converts, at the
// add that passes it, not at the one that reaches it.
func TestSetConversionThreshold(t *testing.T) {
	st := newStrTester(t)
	st.s.cfg.SetMaxIntsetEntries = 3
	st.script(`
		SADD s 1 2 3 => :3
		OBJECT ENCODING s => "intset"
		SADD s 3 => :0
		OBJECT ENCODING s => "intset"
		SADD s 4 => :1
		OBJECT ENCODING s => "hashtable"
		SUNIONSTORE d s => :4
		OBJECT ENCODING d => "hashtable"
		SREM s 4 => :1
		SUNIONSTORE d s => :3
		OBJECT ENCODING d => "intset"
		SMEMBERS d => ["1" "2" "3"]
	`)
	// Redis caps the limit at 2^30.
	st.s.cfg.SetMaxIntsetEntries = 1 << 40
	if got := st.s.setMaxIntset(); got != 1<<30 {
		t.Fatalf("setMaxIntset = %d", got)
	}
}

// TestSetEvents checks the keyspace notifications, in order. The expected events are
// what redis-server 7.0.15 published (notify-keyspace-events KEA, keyevent channel)
// for the same commands; KEA leaves out keymiss and new key events, and so does the
// test.
func TestSetEvents(t *testing.T) {
	st := newStrTester(t)
	var got []string
	st.s.onNotify = func(class NotifyClass, event string, key []byte, db int) {
		if class&(NotifyKeyMiss|NotifyNew) == 0 {
			got = append(got, event+","+string(key))
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(`
		SADD s 1 2
		SADD s 1
		SREM s 9
		SREM s 1
		SREM s 2
		SADD a 1 2 3
		SMOVE a b 1
		SMOVE a b 1
		SADD b 2
		SMOVE a b 2
		SPOP a
		SADD p 1 2 3
		SPOP p 0
		SPOP p 2
		SPOP p 5
		SINTERSTORE d b nokey
		SADD x 1
		SINTERSTORE d x x
		SINTERSTORE d x nokey
		SUNIONSTORE d x
		SDIFFSTORE d x x
		SDIFFSTORE d x nokey
		SMOVE x x 1
		SADD y 5
		SMOVE y x 5`), "\n") {
		st.do(strings.Fields(line)...)
	}
	want := "sadd,s srem,s srem,s del,s sadd,a srem,a sadd,b sadd,b srem,a spop,a del,a sadd,p spop,p spop,p del,p sadd,x sinterstore,d del,d sunionstore,d del,d sdiffstore,d sadd,y srem,y del,y sadd,x"
	if strings.Join(got, " ") != want {
		t.Errorf("events:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

// TestSetPropagation checks what reaches replicas and the AOF, as redis-server
// 7.0.15 sends it to a replica: SPOP as SREM, SPOP with a count as SREMs in
// MULTI/EXEC, or DEL when it takes the whole set; nothing for no-ops and reads.
func TestSetPropagation(t *testing.T) {
	st := newStrTester(t)
	check := func(cmd string, want ...string) {
		t.Helper()
		st.propagated = nil
		st.do(strings.Fields(cmd)...)
		if strings.Join(st.propagated, "|") != strings.Join(want, "|") {
			t.Errorf("%s propagated %q, want %q", cmd, st.propagated, want)
		}
	}
	check("SADD s 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20", "SADD s 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20")
	check("SADD s 1")
	check("SREM s 99")
	check("SRANDMEMBER s 3")
	check("SPOP s 0")
	check("SPOP nokey 3")
	check("SMOVE s s 1")

	st.propagated = nil
	popped := st.do("SPOP", "s")
	if len(st.propagated) != 1 || st.propagated[0] != "SREM s "+strings.Trim(popped, `"`) {
		t.Errorf("SPOP propagated %q after popping %s", st.propagated, popped)
	}
	// 19 members: case 2 (few go), a count of 1 (one SREM, no MULTI), then case 3
	// (most go: 16 - 14 = 2 stay, 2*5 <= 14).
	for _, n := range []int{2, 1, 14} {
		st.propagated = nil
		reply := st.do("SPOP", "s", strconv.Itoa(n))
		var want []string
		for _, m := range parseMembers(reply) {
			want = append(want, "SREM s "+m)
		}
		if len(want) != n {
			t.Fatalf("SPOP s %d replied %s", n, reply)
		}
		if n > 1 {
			want = append(append([]string{"MULTI"}, want...), "EXEC")
		}
		if strings.Join(st.propagated, "|") != strings.Join(want, "|") {
			t.Errorf("SPOP s %d replied %s, propagated %q", n, reply, st.propagated)
		}
	}
	if got := st.do("SCARD", "s"); got != ":2" {
		t.Fatalf("SCARD s = %s", got)
	}
	check("SPOP s 100", "DEL s")
	check("SADD a x y", "SADD a x y")
	check("SMOVE a b x", "SMOVE a b x")
	check("SUNIONSTORE d a b", "SUNIONSTORE d a b")
	check("SINTERSTORE d a a", "SINTERSTORE d a a")
	check("SINTERSTORE d a nokey", "SINTERSTORE d a nokey")
	check("SINTERSTORE d a nokey") // nothing left to delete
	check("SDIFFSTORE d a b", "SDIFFSTORE d a b")
}

func TestSetDirty(t *testing.T) {
	st := newStrTester(t)
	for _, c := range []struct {
		cmd   string
		dirty int64
	}{
		{"SADD s 1 2 3", 3},
		{"SADD s 3 4", 4},
		{"SREM s 4 9", 5},
		{"SMOVE s t 1", 7},
		{"SMOVE s t 9", 7},
		{"SADD t 2", 8},
		{"SMOVE s t 2", 9},
		{"SPOP s 0", 9},
		{"SADD p 1 2 3 4 5", 14},
		{"SPOP p 2", 16},
		{"SPOP p 9", 19},
		{"SPOP t", 20},
		{"SINTERSTORE d t t", 21},
		{"SINTERSTORE d t nokey", 22},
		{"SINTERSTORE d t nokey", 22},
		{"SUNIONSTORE d t", 23},
		{"SDIFFSTORE d t t", 24},
	} {
		st.do(strings.Fields(c.cmd)...)
		if st.s.dirty != c.dirty {
			t.Fatalf("after %s: dirty %d, want %d", c.cmd, st.s.dirty, c.dirty)
		}
	}
}

// TestSetStoreReplacesKey: the *STORE commands replace a key of any type and drop its
// TTL, as Redis's setKey.
func TestSetStoreReplacesKey(t *testing.T) {
	st := newStrTester(t)
	st.script(`
		SADD a 1 2 x => :3
		SET d somestring => OK
		EXPIRE d 100 => :1
		SUNIONSTORE d a => :3
		TTL d => :-1
		TYPE d => set
		OBJECT ENCODING d => "hashtable"
	`)
}

// TestSetCopy: COPY duplicates a set with its encoding; the copies are independent.
func TestSetCopy(t *testing.T) {
	st := newStrTester(t)
	st.script(`
		SADD i 1 2 3 => :3
		SADD h a b c => :3
		COPY i i2 => :1
		COPY h h2 => :1
		OBJECT ENCODING i2 => "intset"
		OBJECT ENCODING h2 => "hashtable"
		SADD i2 4 => :1
		SREM h2 a => :1
		SCARD i => :3
		SCARD h => :3
		SCARD i2 => :4
		SISMEMBER h2 b => :1
		SISMEMBER h2 a => :0
	`)
}

func TestSetMemoryUsage(t *testing.T) {
	st := newStrTester(t)
	st.do("SADD", "i", "1", "2", "3")
	// Redis 7.0: key "i" (sds type 5: 1+1+1 -> 8) + dictEntry 24 + robj 16 +
	// intset of 14 bytes (jemalloc 16) = 64, what redis-server 7.0.15 reports.
	if got := st.do("MEMORY", "USAGE", "i"); got != ":64" {
		t.Errorf("MEMORY USAGE of a 3-member intset = %s, want :64", got)
	}
	args := []string{"SADD", "h"}
	for i := 0; i < 1000; i++ {
		args = append(args, "member:"+strconv.Itoa(i))
	}
	st.do(args...)
	// Redis 7.0.15 reports 48296 for the same set: robj, dict, 1024 buckets, and a
	// dictEntry plus a type-5 sds per member.
	if got := st.do("MEMORY", "USAGE", "h", "SAMPLES", "0"); got != ":48296" {
		t.Errorf("MEMORY USAGE of a 1000-member hashtable set = %s, want :48296", got)
	}
}

// setModel is the naive set: members and the encoding Redis would report.
type setModel struct {
	members map[string]bool
	intset  bool
}

func isCanonicalInt(m string) bool {
	_, ok := parseInt([]byte(m))
	return ok
}

// TestSetModel runs random commands against a map model across the intset to
// hashtable conversion (with a small, random set-max-intset-entries), checking
// replies, members, order (sorted while intset) and encoding after each step.
func TestSetModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		st := newStrTester(t)
		limit := rapid.IntRange(0, 12).Draw(rt, "limit")
		st.s.cfg.SetMaxIntsetEntries = int64(limit)
		member := rapid.OneOf(
			rapid.SampledFrom([]string{"0", "1", "2", "3", "-1", "7", "12", "40000", "-40000", "9223372036854775807", "-9223372036854775808"}),
			rapid.SampledFrom([]string{"a", "b", "", "007", "+1", "-0", "1.0", " 1", "9223372036854775808"}),
			rapid.Map(rapid.Int64Range(-50, 50), func(v int64) string { return strconv.FormatInt(v, 10) }),
		)
		models := map[string]*setModel{}
		keys := []string{"k1", "k2", "k3"}
		add := func(m *setModel, mem string) bool {
			if m.members[mem] {
				return false
			}
			m.members[mem] = true
			if m.intset && (!isCanonicalInt(mem) || len(m.members) > limit) {
				m.intset = false
			}
			return true
		}
		rebuilt := func(m *setModel) { // a set built anew: intset if it can be
			m.intset = len(m.members) <= limit
			for mem := range m.members {
				m.intset = m.intset && isCanonicalInt(mem)
			}
		}
		for step := rapid.IntRange(1, 60).Draw(rt, "steps"); step > 0; step-- {
			key := rapid.SampledFrom(keys).Draw(rt, "key")
			m := models[key]
			switch rapid.IntRange(0, 6).Draw(rt, "op") {
			case 0, 1: // SADD
				mems := rapid.SliceOfN(member, 1, 5).Draw(rt, "members")
				if m == nil {
					m = &setModel{members: map[string]bool{}, intset: isCanonicalInt(mems[0])}
					models[key] = m
				}
				n := 0
				for _, mem := range mems {
					if add(m, mem) {
						n++
					}
				}
				if got := st.do(append([]string{"SADD", key}, mems...)...); got != ":"+strconv.Itoa(n) {
					rt.Fatalf("SADD %s %q = %s, want %d", key, mems, got, n)
				}
			case 2: // SREM
				mems := rapid.SliceOfN(member, 1, 4).Draw(rt, "members")
				n := 0
				for _, mem := range mems {
					if m != nil && m.members[mem] {
						delete(m.members, mem)
						n++
					}
				}
				if m != nil && len(m.members) == 0 {
					delete(models, key)
				}
				if got := st.do(append([]string{"SREM", key}, mems...)...); got != ":"+strconv.Itoa(n) {
					rt.Fatalf("SREM %s %q = %s, want %d", key, mems, got, n)
				}
			case 3: // SPOP with a count
				count := rapid.IntRange(0, 8).Draw(rt, "count")
				reply := st.do("SPOP", key, strconv.Itoa(count))
				got := parseMembers(reply)
				if m == nil || count == 0 {
					if len(got) != 0 {
						rt.Fatalf("SPOP %s %d on nothing = %s", key, count, reply)
					}
					continue
				}
				size := len(m.members)
				if len(got) != min(count, size) {
					rt.Fatalf("SPOP %s %d of %d = %s", key, count, size, reply)
				}
				for _, mem := range got {
					if !m.members[mem] {
						rt.Fatalf("SPOP popped %q, not a member", mem)
					}
					delete(m.members, mem)
				}
				if len(m.members) == 0 {
					delete(models, key)
				} else if (size-count)*spopMoveStrategyMul <= count {
					rebuilt(m) // case 3: what stays is a new set
				}
			case 4: // SMOVE
				dst := rapid.SampledFrom(keys).Draw(rt, "dst")
				mem := member.Draw(rt, "member")
				want := ":0"
				if m != nil && m.members[mem] {
					want = ":1"
					if dst != key {
						delete(m.members, mem)
						if len(m.members) == 0 {
							delete(models, key)
						}
						d := models[dst]
						if d == nil {
							d = &setModel{members: map[string]bool{}, intset: isCanonicalInt(mem)}
							models[dst] = d
						}
						add(d, mem)
					}
				}
				if got := st.do("SMOVE", key, dst, mem); got != want {
					rt.Fatalf("SMOVE %s %s %q = %s, want %s", key, dst, mem, got, want)
				}
			case 5: // SUNIONSTORE / SINTERSTORE / SDIFFSTORE into key
				op := rapid.SampledFrom([]string{"SUNIONSTORE", "SINTERSTORE", "SDIFFSTORE"}).Draw(rt, "storeop")
				a, b := rapid.SampledFrom(keys).Draw(rt, "a"), rapid.SampledFrom(keys).Draw(rt, "b")
				res := &setModel{members: map[string]bool{}}
				ma, mb := models[a], models[b]
				in := func(m *setModel, mem string) bool { return m != nil && m.members[mem] }
				if ma != nil {
					for mem := range ma.members {
						switch {
						case op == "SUNIONSTORE", op == "SINTERSTORE" && in(mb, mem), op == "SDIFFSTORE" && !in(mb, mem):
							res.members[mem] = true
						}
					}
				}
				if op == "SUNIONSTORE" && mb != nil {
					for mem := range mb.members {
						res.members[mem] = true
					}
				}
				got := st.do(op, key, a, b)
				if got != ":"+strconv.Itoa(len(res.members)) {
					rt.Fatalf("%s %s %s %s = %s, want %d", op, key, a, b, got, len(res.members))
				}
				if len(res.members) == 0 {
					delete(models, key)
				} else {
					rebuilt(res)
					models[key] = res
				}
			case 6: // SISMEMBER
				mem := member.Draw(rt, "member")
				want := ":0"
				if m != nil && m.members[mem] {
					want = ":1"
				}
				if got := st.do("SISMEMBER", key, mem); got != want {
					rt.Fatalf("SISMEMBER %s %q = %s, want %s", key, mem, got, want)
				}
			}
			for _, k := range keys {
				checkSetAgainstModel(rt, st, k, models[k])
			}
		}
	})
}

// checkSetAgainstModel compares a key's members, order, size and encoding with m.
func checkSetAgainstModel(rt *rapid.T, st *strTester, key string, m *setModel) {
	if m == nil {
		if got := st.do("EXISTS", key); got != ":0" {
			rt.Fatalf("%s should not exist", key)
		}
		return
	}
	if got := st.do("SCARD", key); got != ":"+strconv.Itoa(len(m.members)) {
		rt.Fatalf("SCARD %s = %s, want %d", key, got, len(m.members))
	}
	wantEnc := "hashtable"
	if m.intset {
		wantEnc = "intset"
	}
	if got := st.enc(key); got != wantEnc {
		rt.Fatalf("%s: encoding %s, want %s (members %v)", key, got, wantEnc, m.members)
	}
	got := parseMembers(st.do("SMEMBERS", key))
	if m.intset {
		// An intset walks in ascending order.
		if !slices.IsSortedFunc(got, func(a, b string) int {
			x, _ := strconv.ParseInt(a, 10, 64)
			y, _ := strconv.ParseInt(b, 10, 64)
			return cmpInt64(x, y)
		}) {
			rt.Fatalf("SMEMBERS %s of an intset not sorted: %q", key, got)
		}
	}
	sort.Strings(got)
	var want []string
	for mem := range m.members {
		want = append(want, mem)
	}
	sort.Strings(want)
	if !slices.Equal(got, want) {
		rt.Fatalf("SMEMBERS %s = %q, want %q", key, got, want)
	}
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseMembers reads the members of a fmtReply array ["a" "b" ...].
func parseMembers(reply string) []string {
	var out []string
	s := strings.TrimSuffix(strings.TrimPrefix(reply, "["), "]")
	for s != "" {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			break
		}
		v, _ := strconv.Unquote(q)
		out = append(out, v)
		s = strings.TrimPrefix(s[len(q):], " ")
	}
	return out
}

// TestSetSSCANCompleteness: a full SSCAN returns every member present from its start
// to its end, while members are added and removed between calls so that the member
// table grows and shrinks (rehashing) under the cursor.
func TestSetSSCANCompleteness(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	for round := 0; round < 20; round++ {
		st := newStrTester(t)
		stable := map[string]bool{}
		args := []string{"SADD", "s"}
		for i := 0; i < 200+rng.IntN(2000); i++ {
			m := "m" + strconv.Itoa(i)
			stable[m] = true
			args = append(args, m)
		}
		st.do(args...)
		seen := map[string]bool{}
		cursor := "0"
		extra, live := 0, 0 // members x<live>..x<extra-1> come and go
		for iter := 0; ; iter++ {
			var members []string
			cursor, members = parseScanReply(t, st.raw("SSCAN", "s", cursor, "COUNT", strconv.Itoa(1+rng.IntN(50))))
			for _, m := range members {
				seen[m] = true
			}
			if cursor == "0" {
				break
			}
			if iter > 1_000_000 {
				t.Fatal("SSCAN does not finish")
			}
			switch rng.IntN(3) {
			case 0: // grow: the table doubles, maybe several times
				add := []string{"SADD", "s"}
				for i := rng.IntN(3000); i > 0; i-- {
					add = append(add, "x"+strconv.Itoa(extra))
					extra++
				}
				if len(add) > 2 {
					st.do(add...)
				}
			case 1: // shrink: remove every transient member
				rem := []string{"SREM", "s"}
				for ; live < extra; live++ {
					rem = append(rem, "x"+strconv.Itoa(live))
				}
				if len(rem) > 2 {
					st.do(rem...)
				}
			}
			// Lookups move the incremental rehash along, as they do in Redis.
			for i := rng.IntN(20); i > 0; i-- {
				st.do("SISMEMBER", "s", "m1")
			}
		}
		for m := range stable {
			if !seen[m] {
				t.Fatalf("round %d: SSCAN missed %s, present throughout", round, m)
			}
		}
	}
}

// parseScanReply splits a raw SSCAN reply into its cursor and members.
func parseScanReply(t *testing.T, raw string) (string, []string) {
	t.Helper()
	s := fmtReply(t, raw)
	// ["cursor" ["m1" "m2"]]
	s = strings.TrimPrefix(s, "[")
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		t.Fatalf("bad SSCAN reply %s", s)
	}
	cursor, _ := strconv.Unquote(q)
	rest := strings.TrimSuffix(strings.TrimPrefix(s[len(q):], " "), "]")
	return cursor, parseMembers(rest)
}

// TestSetRandomUniform: SRANDMEMBER and SPOP pick members uniformly, from an intset and
// from a hashtable, and SRANDMEMBER with a count picks each member equally often in
// both of its distinct-member strategies.
func TestSetRandomUniform(t *testing.T) {
	for _, enc := range []string{"intset", "hashtable"} {
		st := newStrTester(t)
		args := []string{"SADD", "s"}
		const n = 10
		for i := 0; i < n; i++ {
			m := strconv.Itoa(i)
			if enc == "hashtable" {
				m = "m" + m
			}
			args = append(args, m)
		}
		st.do(args...)
		if got := st.enc("s"); got != enc {
			t.Fatalf("encoding %s, want %s", got, enc)
		}
		for _, cmd := range [][]string{
			{"SRANDMEMBER", "s"},
			{"SRANDMEMBER", "s", "-5"}, // case 1: repetitions
			{"SRANDMEMBER", "s", "2"},  // case 4: sampling until distinct
			{"SRANDMEMBER", "s", "6"},  // case 3: partial shuffle
		} {
			counts := map[string]int{}
			total := 0
			for i := 0; i < 20000; i++ {
				reply := st.do(cmd...)
				var got []string
				if len(cmd) == 2 {
					got = []string{strings.Trim(reply, `"`)}
				} else {
					got = parseMembers(reply)
					if cmd[2][0] != '-' && len(slices.Compact(slices.Sorted(slices.Values(got)))) != len(got) {
						t.Fatalf("%v repeated a member: %s", cmd, reply)
					}
				}
				for _, m := range got {
					counts[m]++
					total++
				}
			}
			checkUniform(t, enc, strings.Join(cmd, " "), counts, n, total)
		}
		// SPOP: refill and pop one, many times.
		counts := map[string]int{}
		for i := 0; i < 20000; i++ {
			m := strings.Trim(st.do("SPOP", "s"), `"`)
			counts[m]++
			st.do("SADD", "s", m)
		}
		checkUniform(t, enc, "SPOP", counts, n, 20000)
	}
}

func checkUniform(t *testing.T, enc, what string, counts map[string]int, n, total int) {
	t.Helper()
	if len(counts) != n {
		t.Errorf("%s %s: %d distinct members drawn, want %d", enc, what, len(counts), n)
	}
	exp := float64(total) / float64(n)
	chi := 0.0
	for _, k := range counts {
		d := float64(k) - exp
		chi += d * d / exp
	}
	// 9 degrees of freedom: P(chi2 > 33.7) < 1e-4.
	if chi > 33.7 {
		t.Errorf("%s %s: not uniform (chi2 %.1f): %v", enc, what, chi, counts)
	}
}

// TestSetIntsetEdgeValues: the int64 extremes and every intset width in replies and
// lookups.
func TestSetIntsetEdgeValues(t *testing.T) {
	st := newStrTester(t)
	vals := []int64{math.MinInt64, math.MinInt32 - 1, math.MinInt16, -1, 0, 1, math.MaxInt16 + 1, math.MaxInt32, math.MaxInt64}
	args := []string{"SADD", "s"}
	for i := len(vals) - 1; i >= 0; i-- {
		args = append(args, strconv.FormatInt(vals[i], 10))
	}
	st.do(args...)
	var want []string
	for _, v := range vals {
		want = append(want, strconv.Quote(strconv.FormatInt(v, 10)))
	}
	if got := st.do("SMEMBERS", "s"); got != "["+strings.Join(want, " ")+"]" {
		t.Errorf("SMEMBERS = %s", got)
	}
	if st.enc("s") != "intset" {
		t.Errorf("encoding %s", st.enc("s"))
	}
	st.script(`
		SISMEMBER s 9223372036854775807 => :1
		SISMEMBER s -9223372036854775808 => :1
		SISMEMBER s 9223372036854775808 => :0
		SREM s 9223372036854775808 => :0
	`)
}

func BenchmarkSetCommands(b *testing.B) {
	st := newStrTester(b)
	st.s.propagate = nil
	args := []string{"SADD", "hs"}
	for i := 0; i < 1000; i++ {
		args = append(args, "element:"+strconv.Itoa(i))
	}
	st.do(args...)
	st.do("SADD", "is", "1", "2", "3", "100", "200")
	bench := func(name string, argv ...string) {
		b.Run(name, func(b *testing.B) {
			av := make([][]byte, len(argv))
			for i, a := range argv {
				av[i] = []byte(a)
			}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				st.c.out = st.c.out[:0]
				st.c.argv = av
				st.s.processCommand(st.c)
			}
		})
	}
	bench("SADD-existing-hashtable", "SADD", "hs", "element:5")
	bench("SADD-existing-intset", "SADD", "is", "100")
	bench("SISMEMBER-hashtable", "SISMEMBER", "hs", "element:5")
	bench("SISMEMBER-intset", "SISMEMBER", "is", "200")
	bench("SCARD", "SCARD", "hs")
	bench("SPOP-missing", "SPOP", "nokey")
	bench("SRANDMEMBER-hashtable", "SRANDMEMBER", "hs")
	b.Run("SADD-SPOP-hashtable", func(b *testing.B) {
		add := [][]byte{[]byte("SADD"), []byte("hs"), []byte("element:x")}
		pop := [][]byte{[]byte("SPOP"), []byte("hs")}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			st.c.out = st.c.out[:0]
			st.c.argv = add
			st.s.processCommand(st.c)
			st.c.argv = pop
			st.s.processCommand(st.c)
		}
	})
}
