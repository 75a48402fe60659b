package skiplist

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// The model: a slice sorted by (score, member), searched and edited naively.
type entry struct {
	score  float64
	member string
}

type model []entry

func less(a, b entry) bool {
	return a.score < b.score || a.score == b.score && a.member < b.member
}

func (m model) find(member string) int {
	for i, e := range m {
		if e.member == member {
			return i
		}
	}
	return -1
}

func (m *model) set(score float64, member string) {
	if i := m.find(member); i >= 0 {
		*m = slices.Delete(*m, i, i+1)
	}
	e := entry{score, member}
	i := sort.Search(len(*m), func(i int) bool { return !less((*m)[i], e) })
	*m = slices.Insert(*m, i, e)
}

// tb is what check needs from testing.T and rapid.T.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
	Fatal(args ...any)
}

// check compares l with m in every way the API exposes, and verifies the spans.
func check(t tb, l *List, m model) {
	t.Helper()
	if l.Len() != len(m) {
		t.Fatalf("Len %d, model %d", l.Len(), len(m))
	}
	i := 0
	for n := l.First(); n != 0; n = l.Next(n) {
		if i >= len(m) || l.Score(n) != m[i].score || string(l.Member(n)) != m[i].member {
			t.Fatalf("forward walk differs at %d: %v %q", i, l.Score(n), l.Member(n))
		}
		if r := l.Rank(n); r != i {
			t.Fatalf("Rank(%q) = %d, want %d", l.Member(n), r, i)
		}
		if b := l.ByRank(i); b != n {
			t.Fatalf("ByRank(%d) = %d, want %d", i, b, n)
		}
		f, ok := l.Find([]byte(m[i].member))
		if !ok || f != n {
			t.Fatalf("Find(%q) = %d %v, want %d", m[i].member, f, ok, n)
		}
		i++
	}
	if i != len(m) {
		t.Fatalf("forward walk saw %d of %d", i, len(m))
	}
	i = len(m) - 1
	for n := l.Last(); n != 0; n = l.Prev(n) {
		if i < 0 || string(l.Member(n)) != m[i].member {
			t.Fatalf("backward walk differs at %d", i)
		}
		i--
	}
	if i != -1 {
		t.Fatalf("backward walk stopped at %d", i)
	}
	if l.ByRank(len(m)) != 0 || l.ByRank(-1) != 0 {
		t.Fatal("ByRank out of range found a node")
	}
	checkSpans(t, l)
}

// checkSpans verifies every level's links and spans against level-0 ranks.
func checkSpans(t tb, l *List) {
	t.Helper()
	rank := map[int32]int32{0: 0}
	r := int32(0)
	for x := int32(0); ; {
		xn := l.nodes.at(x)
		if xn.fwd0 == 0 {
			break
		}
		if fn := l.nodes.at(xn.fwd0); xn.fscore0 != fn.score || fn.back != x && x != 0 {
			t.Fatalf("level 0 link of %d: cached score %v, next %v; back %d", x, xn.fscore0, fn.score, fn.back)
		}
		x = xn.fwd0
		r++
		rank[x] = r
	}
	for i := 1; i < l.level; i++ {
		x := int32(0)
		for {
			xn := l.nodes.at(x)
			if int(xn.height) <= i {
				t.Fatalf("node %d of height %d linked at level %d", x, xn.height, i)
			}
			f := l.fwd(xn, i)
			if f != 0 {
				k := l.lv.at(xn.lvl + int32(i) - 1)
				if fn := l.nodes.at(f); k.fscore != fn.score || k.flvl != fn.lvl {
					t.Fatalf("link of %d at level %d: cached %v/%d, node %v/%d", x, i, k.fscore, k.flvl, fn.score, fn.lvl)
				}
			}
			want := int32(l.length) - rank[x]
			if f != 0 {
				want = rank[f] - rank[x]
				if want <= 0 {
					t.Fatalf("level %d goes backwards", i)
				}
			}
			if got := l.span(xn, i); got != want {
				t.Fatalf("span of %d at level %d = %d, want %d", x, i, got, want)
			}
			if f == 0 {
				break
			}
			x = f
		}
	}
	hn := l.nodes.at(0)
	for i := l.level; i < MaxLevel; i++ {
		if l.fwd(hn, i) != 0 {
			t.Fatalf("header linked above the level count at %d", i)
		}
	}
	if l.level > 1 && l.fwd(hn, l.level-1) == 0 {
		t.Fatalf("top level %d is empty", l.level)
	}
}

var scores = []float64{math.Inf(-1), -2, -1, -0.5, 0, 0.5, 1, 1, 1, 2, 3, math.Inf(1)}

func drawMember(t *rapid.T) string {
	return rapid.StringOfN(rapid.SampledFrom([]rune("abc")), 0, 3, -1).Draw(t, "member")
}

func drawRange(t *rapid.T) Range {
	a := rapid.SampledFrom(scores).Draw(t, "min")
	b := rapid.SampledFrom(scores).Draw(t, "max")
	return Range{Min: a, Max: b, MinEx: rapid.Bool().Draw(t, "minex"), MaxEx: rapid.Bool().Draw(t, "maxex")}
}

func drawBound(t *rapid.T, name string) LexBound {
	switch rapid.IntRange(0, 5).Draw(t, name+"kind") {
	case 0:
		return LexBound{Inf: -1, Ex: true}
	case 1:
		return LexBound{Inf: 1, Ex: true}
	}
	return LexBound{Value: []byte(drawMember(t)), Ex: rapid.Bool().Draw(t, name+"ex")}
}

// modelLexCmp mirrors Redis's sdscmplex for a member against a bound.
func inLex(m string, r *LexRange) bool { return r.GteMin([]byte(m)) && r.LteMax([]byte(m)) }

func TestModel(t *testing.T) {
	defer func(f func() uint64) { levelBits = f }(levelBits)
	rapid.Check(t, func(t *rapid.T) {
		levelBits = rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 1)).Uint64
		l := New()
		var m model
		// Lex ranges are only ordered when scores are equal; some runs use one score.
		oneScore := rapid.Bool().Draw(t, "oneScore")
		drawScore := func() float64 {
			if oneScore {
				return 0
			}
			return rapid.SampledFrom(scores).Draw(t, "score")
		}
		t.Repeat(map[string]func(*rapid.T){
			"set": func(t *rapid.T) {
				mem, s := drawMember(t), drawScore()
				if n, ok := l.Find([]byte(mem)); ok {
					l.UpdateScore(n, s)
				} else {
					l.Insert(s, []byte(mem))
				}
				m.set(s, mem)
			},
			"setMany": func(t *rapid.T) {
				if len(m) > 1500 {
					t.Skip("big enough")
				}
				n := rapid.IntRange(1, 300).Draw(t, "n")
				base := rapid.IntRange(0, 1000).Draw(t, "base")
				for i := 0; i < n; i++ {
					mem := fmt.Sprintf("m%04d", base+i)
					s := float64((base + i*7) % 13)
					if oneScore {
						s = 0
					}
					if x, ok := l.Find([]byte(mem)); ok {
						l.UpdateScore(x, s)
					} else {
						l.Insert(s, []byte(mem))
					}
					m.set(s, mem)
				}
			},
			"delete": func(t *rapid.T) {
				mem := drawMember(t)
				if len(m) > 0 && rapid.Bool().Draw(t, "existing") {
					mem = m[rapid.IntRange(0, len(m)-1).Draw(t, "i")].member
				}
				n, ok := l.Find([]byte(mem))
				i := m.find(mem)
				if ok != (i >= 0) {
					t.Fatalf("Find(%q) = %v, model %v", mem, ok, i >= 0)
				}
				if ok {
					l.Delete(n)
					m = slices.Delete(m, i, i+1)
				}
			},
			"delScore": func(t *rapid.T) {
				r := drawRange(t)
				got := l.DeleteRangeByScore(&r)
				want := 0
				m = slices.DeleteFunc(m, func(e entry) bool {
					in := r.GteMin(e.score) && r.LteMax(e.score)
					if in {
						want++
					}
					return in
				})
				if got != want {
					t.Fatalf("DeleteRangeByScore %+v = %d, want %d", r, got, want)
				}
			},
			"delLex": func(t *rapid.T) {
				if !oneScore {
					t.Skip("lex ranges need equal scores")
				}
				r := LexRange{Min: drawBound(t, "min"), Max: drawBound(t, "max")}
				got := l.DeleteRangeByLex(&r)
				want := 0
				if !r.Empty() {
					m = slices.DeleteFunc(m, func(e entry) bool {
						in := inLex(e.member, &r)
						if in {
							want++
						}
						return in
					})
				}
				if got != want {
					t.Fatalf("DeleteRangeByLex = %d, want %d", got, want)
				}
			},
			"delRank": func(t *rapid.T) {
				if len(m) == 0 {
					t.Skip("empty")
				}
				a := rapid.IntRange(0, len(m)-1).Draw(t, "start")
				b := rapid.IntRange(a, len(m)-1).Draw(t, "end")
				if got := l.DeleteRangeByRank(a, b); got != b-a+1 {
					t.Fatalf("DeleteRangeByRank(%d,%d) = %d", a, b, got)
				}
				m = slices.Delete(m, a, b+1)
			},
			"ranges": func(t *rapid.T) {
				r := drawRange(t)
				first, last := -1, -1
				for i, e := range m {
					if r.GteMin(e.score) && r.LteMax(e.score) {
						if first < 0 {
							first = i
						}
						last = i
					}
				}
				if r.Empty() {
					first, last = -1, -1
				}
				if got := l.FirstInRange(&r); rankOf(l, got) != first {
					t.Fatalf("FirstInRange %+v at %d, want %d", r, rankOf(l, got), first)
				}
				if got := l.LastInRange(&r); rankOf(l, got) != last {
					t.Fatalf("LastInRange %+v at %d, want %d", r, rankOf(l, got), last)
				}
				if !oneScore {
					return
				}
				lr := LexRange{Min: drawBound(t, "min"), Max: drawBound(t, "max")}
				first, last = -1, -1
				for i, e := range m {
					if inLex(e.member, &lr) {
						if first < 0 {
							first = i
						}
						last = i
					}
				}
				if lr.Empty() {
					first, last = -1, -1
				}
				if got := l.FirstInLex(&lr); rankOf(l, got) != first {
					t.Fatalf("FirstInLex at %d, want %d", rankOf(l, got), first)
				}
				if got := l.LastInLex(&lr); rankOf(l, got) != last {
					t.Fatalf("LastInLex at %d, want %d", rankOf(l, got), last)
				}
			},
			"scan": func(t *rapid.T) {
				seen := map[string]float64{}
				cur := uint64(0)
				for {
					cur = l.Scan(cur, func(mem []byte, s float64) { seen[string(mem)] = s })
					// Mutations between calls keep the guarantee for members that stay.
					if cur == 0 {
						break
					}
				}
				if len(seen) != len(m) {
					t.Fatalf("Scan saw %d of %d", len(seen), len(m))
				}
				for _, e := range m {
					if s, ok := seen[e.member]; !ok || s != e.score {
						t.Fatalf("Scan missed %q", e.member)
					}
				}
			},
			"clone": func(t *rapid.T) {
				check(t, l.Clone(), m)
			},
			"": func(t *rapid.T) { check(t, l, m) },
		})
	})
}

func rankOf(l *List, n Node) int {
	if n == 0 {
		return -1
	}
	return l.Rank(n)
}

// TestBigChurn grows a list past the chunk and arena sizes, deletes most of it (which
// compacts the arena and rebuilds the slabs) and checks it against the model.
func TestBigChurn(t *testing.T) {
	l := New()
	var m model
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 20000
	for i := 0; i < n; i++ {
		mem := fmt.Sprintf("member:%d:%s", i, strings.Repeat("x", i%40))
		s := float64(rng.IntN(1000))
		l.Insert(s, []byte(mem))
		m = append(m, entry{s, mem})
	}
	slices.SortFunc(m, func(a, b entry) int {
		if less(a, b) {
			return -1
		}
		if less(b, a) {
			return 1
		}
		return 0
	})
	check(t, l, m)
	// Update scores of a third of the members.
	for i := 0; i < n/3; i++ {
		e := m[rng.IntN(len(m))]
		s := float64(rng.IntN(1000))
		x, ok := l.Find([]byte(e.member))
		if !ok {
			t.Fatal("missing", e.member)
		}
		l.UpdateScore(x, s)
		m.set(s, e.member)
	}
	check(t, l, m)
	// Delete 95%.
	for len(m) > n/20 {
		i := rng.IntN(len(m))
		x, ok := l.Find([]byte(m[i].member))
		if !ok {
			t.Fatal("missing", m[i].member)
		}
		l.Delete(x)
		m = slices.Delete(m, i, i+1)
	}
	check(t, l, m)
	nodes, _, arena, _ := l.Stats()
	if nodes > 40*(4*len(m)+4096) {
		t.Errorf("node slab not shrunk: %d bytes for %d members", nodes, len(m))
	}
	live := 0
	for _, e := range m {
		live += recordLen(len(e.member))
	}
	if arena > 3*live+4*arenaMaxChunk {
		t.Errorf("arena not compacted: %d bytes for %d live", arena, live)
	}
}

// TestScanDuringResize checks Redis's SCAN guarantee while the index grows and shrinks
// between calls: members present throughout are all returned.
func TestScanDuringResize(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 10; round++ {
		l := New()
		stable := map[string]bool{}
		for i := 0; i < 500; i++ {
			mem := fmt.Sprintf("s%d", i)
			l.Insert(float64(i), []byte(mem))
			stable[mem] = true
		}
		seen := map[string]bool{}
		cur := uint64(0)
		extra := 0
		for {
			cur = l.Scan(cur, func(mem []byte, _ float64) { seen[string(mem)] = true })
			if cur == 0 {
				break
			}
			// Grow or shrink between calls, within bounds so the walk ends.
			if rng.IntN(4) != 0 {
				continue
			}
			if extra < 3000 && (extra == 0 || rng.IntN(2) == 0) {
				for k := 0; k < 100; k++ {
					l.Insert(0, []byte(fmt.Sprintf("x%d", extra)))
					extra++
				}
			} else {
				for k := 0; k < 100 && extra > 0; k++ {
					extra--
					x, _ := l.Find([]byte(fmt.Sprintf("x%d", extra)))
					l.Delete(x)
				}
			}
		}
		for mem := range stable {
			if !seen[mem] {
				t.Fatalf("round %d: scan missed %s", round, mem)
			}
		}
	}
}

func TestLexRangeEmpty(t *testing.T) {
	neg, pos := LexBound{Inf: -1, Ex: true}, LexBound{Inf: 1, Ex: true}
	v := func(s string, ex bool) LexBound { return LexBound{Value: []byte(s), Ex: ex} }
	for _, c := range []struct {
		r     LexRange
		empty bool
	}{
		{LexRange{neg, pos}, false},
		{LexRange{neg, neg}, true},
		{LexRange{pos, pos}, true},
		{LexRange{pos, neg}, true},
		{LexRange{v("a", false), v("a", false)}, false},
		{LexRange{v("a", true), v("a", false)}, true},
		{LexRange{v("b", false), v("a", false)}, true},
		{LexRange{neg, v("a", true)}, false},
	} {
		if got := c.r.Empty(); got != c.empty {
			t.Errorf("%+v Empty = %v", c.r, got)
		}
	}
}

func TestBuildSorted(t *testing.T) {
	var m model
	for i := 0; i < 5000; i++ {
		m = append(m, entry{float64(i / 3), fmt.Sprintf("%06d", i)})
	}
	l := BuildSorted(len(m), func(i int) (float64, []byte) { return m[i].score, []byte(m[i].member) })
	check(t, l, m)
	// A built list keeps working under inserts and deletes.
	for i := 0; i < 1000; i++ {
		mem := fmt.Sprintf("n%d", i)
		l.Insert(float64(i%50), []byte(mem))
		m.set(float64(i%50), mem)
	}
	for i := 0; i < 3000; i += 2 {
		x, _ := l.Find([]byte(m[i%len(m)].member))
		l.Delete(x)
		m = slices.Delete(m, i%len(m), i%len(m)+1)
	}
	check(t, l, m)
}

func TestMemberViewsAndBigMembers(t *testing.T) {
	l := New()
	big := bytes.Repeat([]byte("z"), 3*arenaMaxChunk)
	l.Insert(1, big)
	l.Insert(2, []byte("small"))
	n, ok := l.Find(big)
	if !ok || !bytes.Equal(l.Member(n), big) {
		t.Fatal("big member lost")
	}
	l.Delete(n)
	if _, ok := l.Find(big); ok {
		t.Fatal("big member still there")
	}
	if n, ok := l.Find([]byte("small")); !ok || l.Score(n) != 2 {
		t.Fatal("small member lost")
	}
}
