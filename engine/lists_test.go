package engine

// Tests of the list commands (lists.go): scripted cases with exact replies and
// propagation, a model-based property test (pgregory.net/rapid) against a []string
// per key across quicklist node sizes and compression depths, a randomized
// differential test against redis-server that also compares MEMORY USAGE (so node
// layouts match), and benchmarks of the hot commands.

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
	"pgregory.net/rapid"
)

func TestListCommands(t *testing.T) {
	st := newStrTester(t)
	st.script(`
		RPUSH l a b c => :3
		LPUSH l x y => :5
		LRANGE l 0 -1 => ["y" "x" "a" "b" "c"]
		LPOP l => "y"
		RPOP l 2 => ["c" "b"]
		LPOP l 0 => []
		LPOP nokey => (nil)
		LPOP nokey 2 => (nil)
		LPOP l -1 => -ERR value is out of range, must be positive
		LPOP l 1 2 => -ERR wrong number of arguments for 'lpop' command
		LINDEX l 1 => "a"
		LSET l 5 z => -ERR index out of range
		LSET nokey 0 z => -ERR no such key
		LINSERT l BEFORE a 12 => :3
		LRANGE l 0 -1 => ["x" "12" "a"]
		LPOS l a => :2
		LPOS l 12 RANK -1 COUNT 0 => [:1]
		LPOS l a RANK 0 => -ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list
		LMOVE l l2 LEFT RIGHT => "x"
		RPOPLPUSH l l2 => "a"
		LRANGE l2 0 -1 => ["a" "x"]
		LMPOP 2 nokey l2 RIGHT COUNT 5 => ["l2" ["x" "a"]]
		EXISTS l2 => :0
		LMPOP 0 l LEFT => -ERR numkeys should be greater than 0
		LMPOP 1 l LEFT COUNT 0 => -ERR count should be greater than 0
		BLPOP l 0 => ["l" "12"]
		EXISTS l => :0
		BLPOP l -1 => -ERR timeout is negative
		BLPOP l x => -ERR timeout is not a float or out of range
		SET s v => OK
		LPUSH s a => -WRONGTYPE Operation against a key holding the wrong kind of value
		BLPOP nokey s 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
	`)
	if st.enc("l") != "" {
		t.Fatal("an emptied list must be deleted")
	}
	st.do("RPUSH", "e", "1")
	if got := st.enc("e"); got != "quicklist" {
		t.Fatalf("encoding %q, want quicklist", got)
	}
}

// TestListPropagation checks what each command hands to replicas and the AOF: the
// blocking commands that did not block propagate as their plain forms, LMPOP and
// BLMPOP as LPOP/RPOP with the number of elements popped, as Redis rewrites them.
func TestListPropagation(t *testing.T) {
	st := newStrTester(t)
	for _, tc := range []struct{ cmd, want string }{
		{"RPUSH l a b c d e f", "RPUSH l a b c d e f"},
		{"BLPOP nokey l 0", "LPOP l"},
		{"BRPOP l 1", "RPOP l"},
		{"BLMPOP 0 1 l LEFT COUNT 2", "LPOP l 2"},
		{"LMPOP 1 l RIGHT COUNT 100", "RPOP l 2"},
		{"RPUSH l a b c", "RPUSH l a b c"},
		{"BLMOVE l m LEFT right 0", "LMOVE l m LEFT right"},
		{"BRPOPLPUSH l m 0", "RPOPLPUSH l m"},
		{"LPOP l 0", ""},         // nothing changed: nothing propagated
		{"LPOP nokey", ""},       //
		{"LTRIM nokey 0 1", ""},  //
		{"LREM l 0 nothere", ""}, //
		{"LSET l 0 z", "LSET l 0 z"},
	} {
		st.propagated = nil
		st.do(strings.Fields(tc.cmd)...)
		got := strings.Join(st.propagated, "; ")
		if got != tc.want {
			t.Errorf("%s: propagated %q, want %q", tc.cmd, got, tc.want)
		}
	}
}

// TestListDirty checks the change counts that drive save points, as Redis counts
// them: one per element pushed, popped, removed or trimmed.
func TestListDirty(t *testing.T) {
	st := newStrTester(t)
	for _, tc := range []struct {
		cmd   string
		dirty int64
	}{
		{"RPUSH l a b c d e f g", 7},
		{"LPOP l 3", 3},
		{"LTRIM l 1 -2", 2},
		{"LREM l 0 e", 1},
		{"LSET l 0 x", 1},
		{"LINSERT l BEFORE x y", 1},
		{"LMOVE l l2 LEFT LEFT", 1},
		{"RPUSHX nokey a", 0},
	} {
		before := st.s.dirty
		st.do(strings.Fields(tc.cmd)...)
		if d := st.s.dirty - before; d != tc.dirty {
			t.Errorf("%s: dirty +%d, want +%d", tc.cmd, d, tc.dirty)
		}
	}
}

// TestListValueHooks covers COPY's clone, DEBUG OBJECT's extra fields and the
// memory sizes.
func TestListValueHooks(t *testing.T) {
	st := newStrTester(t)
	st.s.cfg.ListMaxListpackSize = 2
	st.s.cfg.ListCompressDepth = 1
	st.do("RPUSH", "l", "a", "b", "c", "d", "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "f")
	if got := st.do("COPY", "l", "c"); got != ":1" {
		t.Fatalf("COPY: %s", got)
	}
	st.do("RPUSH", "c", "only-in-copy")
	if a, b := st.do("LLEN", "l"), st.do("LLEN", "c"); a != ":6" || b != ":7" {
		t.Fatalf("LLEN after COPY: %s %s", a, b)
	}
	l := listOf(st.c.db.lookup([]byte("l")))
	if x := l.DebugObjectExtra(); x != " ql_nodes:3 ql_avg_node:2.00 ql_listpack_max:2 ql_compressed:1 ql_uncompressed_size:101" {
		t.Fatalf("DebugObjectExtra: %q", x)
	}
	if m := l.memSize(); m < int64(l.MemBytes()) {
		t.Fatalf("memSize %d below the buffers %d", m, l.MemBytes())
	}
	if l.MemoryUsage(0) <= l.MemoryUsage(1)/2 {
		t.Fatalf("MemoryUsage: %d with all samples, %d with one", l.MemoryUsage(0), l.MemoryUsage(1))
	}
}

// --- model-based property test ----------------------------------------------------------

// listModel is the reference: each key's elements as strings.
type listModel map[string][]string

// normRange is Redis's conversion of a start/end pair to a clamped range; ok is false
// for an empty range.
func normRange(start, end, n int) (int, int, bool) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = max(start, 0)
	if start > end || start >= n {
		return 0, 0, false
	}
	return start, min(end, n-1), true
}

func quoteAll(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = strconv.Quote(v)
	}
	return "[" + strings.Join(q, " ") + "]"
}

// apply runs cmd on the model and returns the reply it expects, in fmtReply form.
func (m listModel) apply(cmd []string) string {
	key := cmd[1]
	l := m[key]
	set := func(nl []string) {
		if len(nl) == 0 {
			delete(m, key)
		} else {
			m[key] = nl
		}
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	switch cmd[0] {
	case "LPUSH", "RPUSH":
		for _, v := range cmd[2:] {
			if cmd[0] == "LPUSH" {
				l = append([]string{v}, l...)
			} else {
				l = append(l, v)
			}
		}
		set(l)
		return ":" + strconv.Itoa(len(l))
	case "LPOP", "RPOP":
		if l == nil {
			return "(nil)"
		}
		n := 1
		if len(cmd) == 3 {
			n = min(atoi(cmd[2]), len(l))
		}
		var out []string
		for i := 0; i < n; i++ {
			if cmd[0] == "LPOP" {
				out = append(out, l[0])
				l = l[1:]
			} else {
				out = append(out, l[len(l)-1])
				l = l[:len(l)-1]
			}
		}
		set(slices.Clone(l))
		if len(cmd) == 2 {
			return strconv.Quote(out[0])
		}
		return quoteAll(out)
	case "LLEN":
		return ":" + strconv.Itoa(len(l))
	case "LINDEX":
		i := atoi(cmd[2])
		if i < 0 {
			i += len(l)
		}
		if l == nil {
			return "(nil)"
		}
		if i < 0 || i >= len(l) {
			return "(nil)"
		}
		return strconv.Quote(l[i])
	case "LSET":
		if l == nil {
			return "-ERR no such key"
		}
		i := atoi(cmd[2])
		if i < 0 {
			i += len(l)
		}
		if i < 0 || i >= len(l) {
			return "-ERR index out of range"
		}
		l[i] = cmd[3]
		return "OK"
	case "LRANGE":
		s, e, ok := normRange(atoi(cmd[2]), atoi(cmd[3]), len(l))
		if !ok {
			return "[]"
		}
		return quoteAll(l[s : e+1])
	case "LTRIM":
		s, e, ok := normRange(atoi(cmd[2]), atoi(cmd[3]), len(l))
		if !ok {
			set(nil)
		} else {
			set(slices.Clone(l[s : e+1]))
		}
		return "OK"
	case "LINSERT":
		if l == nil {
			return ":0"
		}
		i := slices.Index(l, cmd[3])
		if i < 0 {
			return ":-1"
		}
		if cmd[2] == "AFTER" {
			i++
		}
		set(slices.Insert(l, i, cmd[4]))
		return ":" + strconv.Itoa(len(m[key]))
	case "LREM":
		count, v := atoi(cmd[2]), cmd[3]
		removed := 0
		var out []string
		if count >= 0 {
			for _, x := range l {
				if x == v && (count == 0 || removed < count) {
					removed++
					continue
				}
				out = append(out, x)
			}
		} else {
			for i := len(l) - 1; i >= 0; i-- {
				if l[i] == v && removed < -count {
					removed++
					continue
				}
				out = append([]string{l[i]}, out...)
			}
		}
		set(out)
		return ":" + strconv.Itoa(removed)
	case "LPOS":
		if l == nil {
			return "(nil)"
		}
		rank := atoi(cmd[4])
		var found []string
		if rank > 0 {
			for i, x := range l {
				if x == cmd[2] {
					found = append(found, strconv.Itoa(i))
				}
			}
		} else {
			for i := len(l) - 1; i >= 0; i-- {
				if l[i] == cmd[2] {
					found = append(found, strconv.Itoa(i))
				}
			}
			rank = -rank
		}
		if rank > len(found) {
			return "(nil)"
		}
		return ":" + found[rank-1]
	case "LMOVE":
		if l == nil {
			return "(nil)"
		}
		var v string
		if cmd[3] == "LEFT" {
			v, l = l[0], l[1:]
		} else {
			v, l = l[len(l)-1], l[:len(l)-1]
		}
		set(slices.Clone(l))
		dst := m[cmd[2]]
		if cmd[4] == "LEFT" {
			dst = append([]string{v}, dst...)
		} else {
			dst = append(dst, v)
		}
		m[cmd[2]] = dst
		return strconv.Quote(v)
	}
	panic("model: " + cmd[0])
}

// listValues are the elements the generators draw: short strings, canonical and
// non-canonical integers (stored as listpack integers or strings), and strings big
// enough to fill or overflow size-limited nodes.
var listValues = []string{"a", "b", "c", "12", "-7", "0", "012", "-0", "9223372036854775807",
	strings.Repeat("x", 70), strings.Repeat("y", 600), strings.Repeat("z", 5000), ""}

// TestListModel runs random command sequences against the model with small and
// byte-limited node sizes, with and without compression, and checks every reply and
// the final contents.
func TestListModel(t *testing.T) {
	for _, fill := range []int{1, 2, 3, 5, -1, -2} {
		for _, depth := range []int{0, 1, 2} {
			t.Run(fmt.Sprintf("fill%d-depth%d", fill, depth), func(t *testing.T) {
				rapid.Check(t, func(rt *rapid.T) { runListModel(rt, fill, depth) })
			})
		}
	}
}

func runListModel(rt *rapid.T, fill, depth int) {
	s, err := New(Options{})
	if err != nil {
		rt.Fatal(err)
	}
	s.cfg.ListMaxListpackSize, s.cfg.ListCompressDepth = fill, depth
	c := &Client{srv: s, fd: -1, id: 1, db: s.dbs[0], proto: 2, flags: flagAuthenticated}
	run := func(args []string) string {
		argv := make([][]byte, len(args))
		for i, a := range args {
			argv[i] = []byte(a)
		}
		c.out, c.argv = c.out[:0], argv
		s.processCommand(c)
		c.argv = nil
		r, _ := fmtReplyPrefix(string(c.out))
		return r
	}
	model := listModel{}
	key := rapid.SampledFrom([]string{"a", "b"})
	val := rapid.SampledFrom(listValues)
	idx := rapid.IntRange(-12, 12)
	side := rapid.SampledFrom([]string{"LEFT", "RIGHT"})
	steps := rapid.IntRange(1, 120).Draw(rt, "steps")
	for i := 0; i < steps; i++ {
		k := key.Draw(rt, "key")
		var cmd []string
		switch op := rapid.IntRange(0, 13).Draw(rt, "op"); op {
		case 0, 1, 2:
			cmd = []string{[]string{"LPUSH", "RPUSH", "RPUSH"}[op], k}
			for n := rapid.IntRange(1, 8).Draw(rt, "n"); n > 0; n-- {
				cmd = append(cmd, val.Draw(rt, "v"))
			}
		case 3:
			cmd = []string{rapid.SampledFrom([]string{"LPOP", "RPOP"}).Draw(rt, "pop"), k}
			if model[k] == nil {
				cmd = append(cmd, "1") // the count form: a null array either way
			} else if rapid.Bool().Draw(rt, "count") {
				cmd = append(cmd, strconv.Itoa(rapid.IntRange(1, 6).Draw(rt, "c")))
			}
		case 4:
			cmd = []string{"LINDEX", k, strconv.Itoa(idx.Draw(rt, "i"))}
		case 5:
			cmd = []string{"LSET", k, strconv.Itoa(idx.Draw(rt, "i")), val.Draw(rt, "v")}
		case 6:
			cmd = []string{"LRANGE", k, strconv.Itoa(idx.Draw(rt, "s")), strconv.Itoa(idx.Draw(rt, "e"))}
		case 7:
			cmd = []string{"LTRIM", k, strconv.Itoa(idx.Draw(rt, "s")), strconv.Itoa(idx.Draw(rt, "e"))}
		case 8:
			cmd = []string{"LINSERT", k, rapid.SampledFrom([]string{"BEFORE", "AFTER"}).Draw(rt, "w"), val.Draw(rt, "p"), val.Draw(rt, "v")}
		case 9:
			cmd = []string{"LREM", k, strconv.Itoa(rapid.IntRange(-3, 3).Draw(rt, "c")), val.Draw(rt, "v")}
		case 10:
			r := rapid.IntRange(1, 3).Draw(rt, "r")
			if rapid.Bool().Draw(rt, "neg") {
				r = -r
			}
			cmd = []string{"LPOS", k, val.Draw(rt, "v"), "RANK", strconv.Itoa(r)}
		case 11:
			cmd = []string{"LMOVE", k, key.Draw(rt, "dst"), side.Draw(rt, "from"), side.Draw(rt, "to")}
		case 12:
			cmd = []string{"LLEN", k}
		default:
			// A whole pass over both lists.
			for _, kk := range []string{"a", "b"} {
				got := run([]string{"LRANGE", kk, "0", "-1"})
				if want := model.apply([]string{"LRANGE", kk, "0", "-1"}); got != want {
					rt.Fatalf("LRANGE %s: got %.200s, want %.200s", kk, got, want)
				}
			}
			continue
		}
		want := model.apply(cmd)
		if got := run(cmd); got != want {
			rt.Fatalf("%q: got %.300s, want %.300s", cmd, got, want)
		}
		for _, kk := range []string{"a", "b"} {
			e := c.db.lookup([]byte(kk))
			if (e == nil) != (model[kk] == nil) {
				rt.Fatalf("after %q: key %s exists %v, model %v", cmd, kk, e != nil, model[kk] != nil)
			}
			if e != nil && listOf(e).Len() != len(model[kk]) {
				rt.Fatalf("after %q: %s has %d elements, model %d", cmd, kk, listOf(e).Len(), len(model[kk]))
			}
			if e != nil && listOf(e).MemBytes() <= 0 {
				rt.Fatalf("after %q: MemBytes %d", cmd, listOf(e).MemBytes())
			}
		}
	}
}

// --- differential test against redis-server ------------------------------------------------

// TestListsAgainstRedis sends the same random list commands to redis-server and to
// keygrid under several node settings and compares the reply bytes. After every
// step it also compares the node layout of the key touched (DEBUG OBJECT's ql_nodes,
// average node and uncompressed size) and, without compression, MEMORY USAGE, which
// counts each node's allocation. (With compression on, which inner nodes Redis has
// compressed depends on the order of its lazy recompressions, reads included; keygrid
// keeps every inner node compressed where that pays, so MEMORY USAGE may differ
// there: see the package comment of lists.go.)
func TestListsAgainstRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	srv := testutil.StartRedis(t, "--enable-debug-command", "yes")
	ref, err := testutil.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ref.Close() })
	st := newStrTester(t)
	st.s.cfg.EnableDebugCommand = "yes"
	// The in-process client cannot wait: it gets the timeout's reply at once, which
	// is what redis-server replies after the short timeouts used below.
	st.c.flags |= flagDenyBlocking
	r := newDiffRand(t)
	keys := []string{"k1", "k2", "k3"}
	pick := func(l []string) string { return l[r.IntN(len(l))] }
	num := func() string { return strconv.Itoa(r.IntN(30) - 15) }
	var history []string
	fail := func(what []string) {
		t.Logf("last commands:\n%s", strings.Join(history[max(0, len(history)-8):], "\n"))
		if f := os.Getenv("LISTS_HISTORY"); f != "" { // for replaying the sequence
			os.WriteFile(f, []byte(strings.Join(history, "\n")+"\n"), 0o644)
		}
		diffStep(t, ref, st, what)
	}
	for _, set := range [][2]string{{"-2", "0"}, {"3", "0"}, {"4", "1"}, {"-1", "2"}, {"1", "1"}, {"128", "0"}, {"-1", "0"}} {
		t.Logf("list-max-listpack-size %s, list-compress-depth %s", set[0], set[1])
		diffStep(t, ref, st, []string{"FLUSHALL"})
		diffStep(t, ref, st, []string{"CONFIG", "SET", "list-max-listpack-size", set[0]})
		diffStep(t, ref, st, []string{"CONFIG", "SET", "list-compress-depth", set[1]})
		history = append(history, "# list-max-listpack-size "+set[0]+" list-compress-depth "+set[1])
		for proto := 2; proto <= 3; proto++ {
			diffProto(t, ref, st, proto)
			for i := 0; i < 400; i++ {
				k := pick(keys)
				var cmd []string
				switch r.IntN(16) {
				case 0, 1, 2, 3:
					cmd = []string{pick([]string{"LPUSH", "RPUSH", "LPUSHX", "RPUSHX"}), k}
					for n := 1 + r.IntN(10); n > 0; n-- {
						cmd = append(cmd, pick(listValues))
					}
				case 4:
					cmd = []string{pick([]string{"LPOP", "RPOP"}), k}
					if r.IntN(2) == 0 {
						cmd = append(cmd, strconv.Itoa(r.IntN(5)))
					}
				case 5:
					cmd = []string{"LRANGE", k, num(), num()}
				case 6:
					cmd = []string{"LINDEX", k, num()}
				case 7:
					cmd = []string{"LSET", k, num(), pick(listValues)}
				case 8:
					cmd = []string{"LINSERT", k, pick([]string{"BEFORE", "AFTER"}), pick(listValues), pick(listValues)}
				case 9:
					cmd = []string{"LREM", k, strconv.Itoa(r.IntN(5) - 2), pick(listValues)}
				case 10:
					cmd = []string{"LTRIM", k, num(), num()}
				case 11:
					cmd = []string{"LPOS", k, pick(listValues), "RANK", pick([]string{"1", "2", "-1", "-2"}), "COUNT", strconv.Itoa(r.IntN(3)), "MAXLEN", strconv.Itoa(r.IntN(8))}
				case 12:
					cmd = []string{"LMOVE", k, pick(keys), pick([]string{"LEFT", "RIGHT"}), pick([]string{"LEFT", "RIGHT"})}
				case 13:
					cmd = []string{"LMPOP", "2", k, pick(keys), pick([]string{"LEFT", "RIGHT"}), "COUNT", strconv.Itoa(1 + r.IntN(4))}
				case 14:
					cmd = []string{pick([]string{"BLPOP", "BRPOP"}), k, pick(keys), "0.01"}
				default:
					cmd = []string{"LLEN", k}
				}
				diffStep(t, ref, st, cmd)
				history = append(history, strings.Join(cmd, " "))
				for _, kk := range keys {
					dbg := []string{"DEBUG", "OBJECT", kk}
					want, _ := ref.Do(dbg...)
					if qlLayout(string(want)) != qlLayout(st.raw(dbg...)) {
						fail(dbg)
					}
					if set[1] == "0" {
						mem := []string{"MEMORY", "USAGE", kk, "SAMPLES", "0"}
						if want, _ := ref.Do(mem...); st.raw(mem...) != string(want) {
							fail(mem)
						}
					}
				}
			}
			for _, k := range keys {
				diffStep(t, ref, st, []string{"LRANGE", k, "0", "-1"})
			}
		}
	}
	diffStep(t, ref, st, []string{"CONFIG", "SET", "list-max-listpack-size", "-2"})
	diffStep(t, ref, st, []string{"CONFIG", "SET", "list-compress-depth", "0"})
}

// qlLayout keeps the quicklist fields of a DEBUG OBJECT reply (or the reply itself
// when it has none: an error for a missing key).
func qlLayout(reply string) string {
	if i := strings.Index(reply, " ql_nodes:"); i >= 0 {
		return reply[i:]
	}
	return reply
}

// --- benchmarks ----------------------------------------------------------------------------

// BenchmarkLists runs redis-benchmark's list tests through processInput, one and
// sixteen requests per read. The bar is 0 allocs/op.
func BenchmarkLists(b *testing.B) {
	for _, tc := range []struct {
		name string
		cmd  []string
		fill int // elements to push first
	}{
		{"LPUSH", []string{"LPUSH", "mylist", "xxx"}, 0},
		{"RPUSH", []string{"RPUSH", "mylist", "xxx"}, 0},
		{"LPOP", []string{"LPOP", "mylist"}, -1},
		{"RPOP", []string{"RPOP", "mylist"}, -1},
		{"LRANGE_100", []string{"LRANGE", "mylist", "0", "99"}, 600},
	} {
		for _, p := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/P%d", tc.name, p), func(b *testing.B) {
				s, c := benchClient(b)
				n := tc.fill
				if n < 0 {
					n = b.N + p // enough for every pop
				}
				push := pipeline(1, "LPUSH", "mylist", "xxx")
				for i := 0; i < n; i++ {
					s.processInput(c, push)
					c.out = c.out[:0]
				}
				buf := pipeline(p, tc.cmd...)
				s.pendingWrite = s.pendingWrite[:0]
				c.flags &^= flagPendingWrite
				benchInput(b, s, c, buf, p)
			})
		}
	}
}

// BenchmarkListRange is LRANGE alone, without the request path, over lists of the
// default node size.
func BenchmarkListRange(b *testing.B) {
	s, c := benchClient(b)
	l := s.newListValue()
	for i := 0; i < 600; i++ {
		l.PushHead([]byte("xxx"))
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.out = c.out[:0]
		c.addListRangeReply(l, 0, 99, false)
	}
}
