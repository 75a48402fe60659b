package engine

// A property test of the sorted set commands: random command sequences run against
// the engine and against a naive model (a map of members to scores, sorted on demand)
// under random zset-max-listpack-* limits, so sets cross the listpack/skiplist
// boundary in both directions. Replies are compared exactly, and OBJECT ENCODING must
// follow Redis 7.0's conversion rules, which the model tracks.

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/resp"
	"pgregory.net/rapid"
)

type zmSet struct {
	m   map[string]float64
	enc string
}

type zmEntry struct {
	member string
	score  float64
}

func (z *zmSet) sorted() []zmEntry {
	out := make([]zmEntry, 0, len(z.m))
	for m, s := range z.m {
		out = append(out, zmEntry{m, s})
	}
	slices.SortFunc(out, func(a, b zmEntry) int {
		switch {
		case a.score < b.score:
			return -1
		case a.score > b.score:
			return 1
		}
		return strings.Compare(a.member, b.member)
	})
	return out
}

// zmodel is the model: sets by key, and the listpack limits.
type zmodel struct {
	sets           map[string]*zmSet
	entries, value int
}

// store normalises a score as the encoding keeps it: a listpack stores -0 as the
// integer 0.
func (z *zmSet) store(member string, score float64) {
	if z.enc == "listpack" && score == 0 {
		score = 0
	}
	z.m[member] = score
}

// insert adds a new member, converting the encoding first as zsetAdd does.
func (md *zmodel) insert(z *zmSet, member string, score float64) {
	if z.enc == "listpack" && (len(z.m)+1 > md.entries || len(member) > md.value) {
		z.enc = "skiplist"
	}
	z.store(member, score)
}

// built returns the encoding Redis gives a set built whole by a store.
func (md *zmodel) built(entries []zmEntry) string {
	maxlen := 0
	for _, e := range entries {
		maxlen = max(maxlen, len(e.member))
	}
	if len(entries) <= md.entries && maxlen <= md.value {
		return "listpack"
	}
	return "skiplist"
}

func fmtScore(f float64) string { return strconv.Quote(string(resp.FormatDouble(nil, f))) }

func fmtEntries(es []zmEntry, withscores bool) string {
	var parts []string
	for _, e := range es {
		parts = append(parts, strconv.Quote(e.member))
		if withscores {
			parts = append(parts, fmtScore(e.score))
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

var (
	zmMembers = []string{"a", "b", "c", "d", "e", "f", "1", "10", "-3", "01", "", "long-member", "zzzzzzzzzz", "12345678901"}
	zmScores  = []string{"-inf", "-2", "-1", "0", "0.5", "1", "1", "2.5", "3", "1e3", "inf"}
	zmKeys    = []string{"k1", "k2", "k3"}
)

func parseModelScore(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

func TestZsetModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		md := &zmodel{
			sets:    map[string]*zmSet{},
			entries: rapid.SampledFrom([]int{0, 1, 2, 3, 5, 128}).Draw(rt, "entries"),
			value:   rapid.SampledFrom([]int{0, 2, 4, 8, 64}).Draw(rt, "value"),
		}
		st := newKeysTester(t, func(c *config.Config) {
			c.ZsetMaxListpackEntries = int64(md.entries)
			c.ZsetMaxListpackValue = int64(md.value)
		})
		check := func(args []string, want string) {
			if got := st.do(args...); got != want {
				rt.Fatalf("%q (entries %d value %d):\ngot  %s\nwant %s", args, md.entries, md.value, got, want)
			}
		}
		drawKey := func() string { return rapid.SampledFrom(zmKeys).Draw(rt, "key") }
		drawMember := func() string { return rapid.SampledFrom(zmMembers).Draw(rt, "member") }
		drawScore := func() string { return rapid.SampledFrom(zmScores).Draw(rt, "score") }
		rt.Repeat(map[string]func(*rapid.T){
			"zadd": func(rt *rapid.T) {
				key := drawKey()
				var opts []string
				nx, xx, gt, lt, ch := false, false, false, false, false
				switch rapid.IntRange(0, 5).Draw(rt, "cond") {
				case 1:
					nx = true
					opts = append(opts, "NX")
				case 2:
					xx = true
					opts = append(opts, "XX")
				}
				if !nx {
					switch rapid.IntRange(0, 3).Draw(rt, "cmp") {
					case 1:
						gt = true
						opts = append(opts, "GT")
					case 2:
						lt = true
						opts = append(opts, "LT")
					}
				}
				if rapid.Bool().Draw(rt, "ch") {
					ch = true
					opts = append(opts, "CH")
				}
				n := rapid.IntRange(1, 4).Draw(rt, "pairs")
				args := append([]string{"ZADD", key}, opts...)
				type pair struct {
					s float64
					m string
				}
				var pairs []pair
				for i := 0; i < n; i++ {
					s, m := drawScore(), drawMember()
					args = append(args, s, m)
					pairs = append(pairs, pair{parseModelScore(s), m})
				}
				z := md.sets[key]
				if z == nil && xx {
					check(args, ":0")
					return
				}
				if z == nil {
					z = &zmSet{m: map[string]float64{}, enc: "listpack"}
					if md.entries == 0 || md.value < len(pairs[0].m) {
						z.enc = "skiplist"
					}
					md.sets[key] = z
				}
				added, updated := 0, 0
				for _, p := range pairs {
					cur, exists := z.m[p.m]
					switch {
					case exists && nx:
					case exists && (lt && p.s >= cur || gt && p.s <= cur):
					case exists:
						if p.s != cur {
							z.store(p.m, p.s)
							updated++
						}
					case xx:
					default:
						md.insert(z, p.m, p.s)
						added++
					}
				}
				want := added
				if ch {
					want += updated
				}
				check(args, ":"+strconv.Itoa(want))
			},
			"zincrby": func(rt *rapid.T) {
				key, incr, m := drawKey(), drawScore(), drawMember()
				args := []string{"ZINCRBY", key, incr, m}
				inc := parseModelScore(incr)
				z := md.sets[key]
				if z == nil {
					z = &zmSet{m: map[string]float64{}, enc: "listpack"}
					if md.entries == 0 || md.value < len(m) {
						z.enc = "skiplist"
					}
					md.sets[key] = z
				}
				cur, exists := z.m[m]
				ns := cur + inc
				if math.IsNaN(ns) {
					check(args, "-ERR resulting score is not a number (NaN)")
					return
				}
				switch {
				case exists && ns != cur: // an equal score (0 and -0) changes nothing
					z.store(m, ns)
				case !exists:
					md.insert(z, m, ns)
				}
				check(args, fmtScore(ns))
			},
			"zrem": func(rt *rapid.T) {
				key := drawKey()
				ms := []string{drawMember(), drawMember()}
				args := append([]string{"ZREM", key}, ms...)
				z := md.sets[key]
				n := 0
				if z != nil {
					for _, m := range ms {
						if _, ok := z.m[m]; ok {
							delete(z.m, m)
							n++
						}
						if len(z.m) == 0 {
							delete(md.sets, key)
							break
						}
					}
				}
				check(args, ":"+strconv.Itoa(n))
			},
			"zrange": func(rt *rapid.T) {
				key := drawKey()
				start := rapid.IntRange(-6, 6).Draw(rt, "start")
				stop := rapid.IntRange(-6, 6).Draw(rt, "stop")
				rev := rapid.Bool().Draw(rt, "rev")
				ws := rapid.Bool().Draw(rt, "withscores")
				args := []string{"ZRANGE", key, strconv.Itoa(start), strconv.Itoa(stop)}
				if rev {
					args = append(args, "REV")
				}
				if ws {
					args = append(args, "WITHSCORES")
				}
				var es []zmEntry
				if z := md.sets[key]; z != nil {
					es = z.sorted()
				}
				if rev {
					slices.Reverse(es)
				}
				s, e, ok := zclampRank(int64(start), int64(stop), len(es))
				if !ok {
					es = nil
				} else {
					es = es[s : e+1]
				}
				check(args, fmtEntries(es, ws))
			},
			"zrangebyscore": func(rt *rapid.T) {
				key := drawKey()
				min, max := drawScore(), drawScore()
				minex, maxex := rapid.Bool().Draw(rt, "minex"), rapid.Bool().Draw(rt, "maxex")
				rev := rapid.Bool().Draw(rt, "rev")
				lo, hi := min, max
				if minex {
					lo = "(" + lo
				}
				if maxex {
					hi = "(" + hi
				}
				args := []string{"ZRANGE", key, lo, hi, "BYSCORE", "WITHSCORES"}
				if rev {
					args = []string{"ZRANGE", key, hi, lo, "BYSCORE", "REV", "WITHSCORES"}
				}
				offset, count := -2, -2
				if rapid.Bool().Draw(rt, "limit") {
					offset = rapid.IntRange(-1, 3).Draw(rt, "offset")
					count = rapid.IntRange(-1, 3).Draw(rt, "count")
					args = append(args, "LIMIT", strconv.Itoa(offset), strconv.Itoa(count))
				}
				r := zmRange{parseModelScore(min), parseModelScore(max), minex, maxex}
				var es []zmEntry
				if z := md.sets[key]; z != nil {
					for _, e := range z.sorted() {
						if r.in(e.score) {
							es = append(es, e)
						}
					}
				}
				if rev {
					slices.Reverse(es)
				}
				if offset != -2 {
					switch {
					case offset < 0:
						es = nil
					case offset >= len(es):
						es = nil
					default:
						es = es[offset:]
						if count >= 0 && count < len(es) {
							es = es[:count]
						}
					}
				}
				check(args, fmtEntries(es, true))
			},
			"zcount": func(rt *rapid.T) {
				key := drawKey()
				min, max := drawScore(), drawScore()
				r := zmRange{parseModelScore(min), parseModelScore(max), false, true}
				n := 0
				if z := md.sets[key]; z != nil {
					for _, s := range z.m {
						if r.in(s) {
							n++
						}
					}
				}
				check([]string{"ZCOUNT", key, min, "(" + max}, ":"+strconv.Itoa(n))
			},
			"zrank": func(rt *rapid.T) {
				key, m := drawKey(), drawMember()
				rev := rapid.Bool().Draw(rt, "rev")
				cmd := "ZRANK"
				if rev {
					cmd = "ZREVRANK"
				}
				want := "(nil)"
				if z := md.sets[key]; z != nil {
					es := z.sorted()
					if rev {
						slices.Reverse(es)
					}
					for i, e := range es {
						if e.member == m {
							want = ":" + strconv.Itoa(i)
						}
					}
				}
				check([]string{cmd, key, m}, want)
				wantScore := "(nil)"
				if z := md.sets[key]; z != nil {
					if s, ok := z.m[m]; ok {
						wantScore = fmtScore(s)
					}
				}
				check([]string{"ZSCORE", key, m}, wantScore)
			},
			"zremrangebyrank": func(rt *rapid.T) {
				key := drawKey()
				start := rapid.IntRange(-4, 4).Draw(rt, "start")
				stop := rapid.IntRange(-4, 4).Draw(rt, "stop")
				n := 0
				if z := md.sets[key]; z != nil {
					es := z.sorted()
					if s, e, ok := zclampRank(int64(start), int64(stop), len(es)); ok {
						for _, x := range es[s : e+1] {
							delete(z.m, x.member)
							n++
						}
					}
					if len(z.m) == 0 {
						delete(md.sets, key)
					}
				}
				check([]string{"ZREMRANGEBYRANK", key, strconv.Itoa(start), strconv.Itoa(stop)}, ":"+strconv.Itoa(n))
			},
			"zremrangebyscore": func(rt *rapid.T) {
				key := drawKey()
				min, max := drawScore(), drawScore()
				r := zmRange{parseModelScore(min), parseModelScore(max), true, false}
				n := 0
				if z := md.sets[key]; z != nil {
					for m, s := range z.m {
						if r.in(s) {
							delete(z.m, m)
							n++
						}
					}
					if len(z.m) == 0 {
						delete(md.sets, key)
					}
				}
				check([]string{"ZREMRANGEBYSCORE", key, "(" + min, max}, ":"+strconv.Itoa(n))
			},
			"zpop": func(rt *rapid.T) {
				key := drawKey()
				top := rapid.Bool().Draw(rt, "max")
				count := rapid.IntRange(-1, 4).Draw(rt, "count")
				args := []string{"ZPOPMIN", key}
				if top {
					args[0] = "ZPOPMAX"
				}
				if count >= 0 {
					args = append(args, strconv.Itoa(count))
				}
				z := md.sets[key]
				if z == nil || count == 0 {
					check(args, "[]")
					return
				}
				n := max(count, 1)
				es := z.sorted()
				if top {
					slices.Reverse(es)
				}
				es = es[:min(n, len(es))]
				for _, e := range es {
					delete(z.m, e.member)
				}
				if len(z.m) == 0 {
					delete(md.sets, key)
				}
				check(args, fmtEntries(es, true))
			},
			"zrangestore": func(rt *rapid.T) {
				dst, src := drawKey(), drawKey()
				byscore := rapid.Bool().Draw(rt, "byscore")
				var args []string
				var es []zmEntry
				var all []zmEntry
				if z := md.sets[src]; z != nil {
					all = z.sorted()
				}
				var enc string
				if byscore {
					min, max := drawScore(), drawScore()
					r := zmRange{parseModelScore(min), parseModelScore(max), false, false}
					args = []string{"ZRANGESTORE", dst, src, min, max, "BYSCORE"}
					for _, e := range all {
						if r.in(e.score) {
							es = append(es, e)
						}
					}
					enc = "listpack" // built by adding to a listpack, converting as it goes
				} else {
					start := rapid.IntRange(-4, 4).Draw(rt, "start")
					stop := rapid.IntRange(-4, 4).Draw(rt, "stop")
					args = []string{"ZRANGESTORE", dst, src, strconv.Itoa(start), strconv.Itoa(stop)}
					if s, e, ok := zclampRank(int64(start), int64(stop), len(all)); ok {
						es = all[s : e+1]
					}
					// Created for the known length, then converted as members are added.
					enc = "listpack"
					if len(es) > md.entries {
						enc = "skiplist"
					}
				}
				if len(es) == 0 {
					delete(md.sets, dst)
				} else {
					z := &zmSet{m: map[string]float64{}, enc: enc}
					for _, e := range es {
						md.insert(z, e.member, e.score)
					}
					md.sets[dst] = z
				}
				check(args, ":"+strconv.Itoa(len(es)))
			},
			"zunionstore": func(rt *rapid.T) {
				dst := drawKey()
				srcs := []string{drawKey(), drawKey()}
				weights := []string{rapid.SampledFrom([]string{"1", "2", "-1", "0.5", "0"}).Draw(rt, "w1"),
					rapid.SampledFrom([]string{"1", "2", "-1", "0.5", "0"}).Draw(rt, "w2")}
				aggr := rapid.SampledFrom([]string{"SUM", "MIN", "MAX"}).Draw(rt, "aggr")
				args := []string{"ZUNIONSTORE", dst, "2", srcs[0], srcs[1], "WEIGHTS", weights[0], weights[1], "AGGREGATE", aggr}
				type in struct {
					es []zmEntry
					w  float64
				}
				ins := []in{}
				for i, k := range srcs {
					var es []zmEntry
					if z := md.sets[k]; z != nil {
						es = z.sorted()
					}
					ins = append(ins, in{es, parseModelScore(weights[i])})
				}
				sort.SliceStable(ins, func(a, b int) bool { return len(ins[a].es) < len(ins[b].es) })
				acc := map[string]float64{}
				for _, x := range ins {
					for _, e := range x.es {
						s := x.w * e.score
						if math.IsNaN(s) {
							s = 0
						}
						cur, ok := acc[e.member]
						switch {
						case !ok:
							acc[e.member] = s
						case aggr == "SUM":
							cur += s
							if math.IsNaN(cur) {
								cur = 0
							}
							acc[e.member] = cur
						case aggr == "MIN":
							if s < cur {
								acc[e.member] = s
							}
						case aggr == "MAX":
							if s > cur {
								acc[e.member] = s
							}
						}
					}
				}
				if len(acc) == 0 {
					delete(md.sets, dst)
				} else {
					z := &zmSet{m: map[string]float64{}}
					var es []zmEntry
					for m, s := range acc {
						es = append(es, zmEntry{m, s})
					}
					z.enc = md.built(es)
					for _, e := range es {
						z.store(e.member, e.score)
					}
					md.sets[dst] = z
				}
				check(args, ":"+strconv.Itoa(len(acc)))
			},
			"": func(rt *rapid.T) {
				for _, k := range zmKeys {
					z := md.sets[k]
					if z == nil {
						check([]string{"EXISTS", k}, ":0")
						continue
					}
					check([]string{"OBJECT", "ENCODING", k}, strconv.Quote(z.enc))
					check([]string{"ZRANGE", k, "0", "-1", "WITHSCORES"}, fmtEntries(z.sorted(), true))
					check([]string{"ZCARD", k}, ":"+strconv.Itoa(len(z.m)))
				}
			},
		})
	})
}

type zmRange struct {
	min, max     float64
	minex, maxex bool
}

func (r zmRange) in(s float64) bool {
	lo := s >= r.min
	if r.minex {
		lo = s > r.min
	}
	hi := s <= r.max
	if r.maxex {
		hi = s < r.max
	}
	return lo && hi
}
