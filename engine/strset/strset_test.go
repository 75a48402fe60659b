package strset

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"pgregory.net/rapid"
)

// check compares the set with the model: size, membership both ways, and that
// Each and a full Scan each visit every member.
func check(t interface{ Fatalf(string, ...any) }, s *Set, model map[string]bool) {
	if s.Len() != len(model) {
		t.Fatalf("Len %d, model %d", s.Len(), len(model))
	}
	for m := range model {
		if !s.Has([]byte(m)) {
			t.Fatalf("%q missing", m)
		}
	}
	seen := map[string]bool{}
	s.Each(func(r Ref) bool {
		m := s.Member(r)
		if !model[m] || seen[m] {
			t.Fatalf("Each: %q unexpected or repeated", m)
		}
		seen[m] = true
		return true
	})
	if len(seen) != len(model) {
		t.Fatalf("Each visited %d of %d", len(seen), len(model))
	}
	scanned := map[string]bool{}
	for c := s.Scan(0, func(r Ref) { scanned[s.Member(r)] = true }); c != 0; {
		c = s.Scan(c, func(r Ref) { scanned[s.Member(r)] = true })
	}
	if len(scanned) != len(model) {
		t.Fatalf("Scan visited %d of %d", len(scanned), len(model))
	}
}

// TestModel runs random inserts, removals and lookups against a map, with the table
// growing, shrinking and rehashing incrementally in between.
func TestModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := New()
		model := map[string]bool{}
		keys := rapid.SampledFrom(func() []string {
			var ks []string
			for i := 0; i < 300; i++ {
				ks = append(ks, "k"+strconv.Itoa(i))
			}
			return append(ks, "")
		}())
		for n := rapid.IntRange(0, 400).Draw(t, "n"); n > 0; n-- {
			k := keys.Draw(t, "k")
			switch rapid.IntRange(0, 5).Draw(t, "op") {
			case 0, 1, 2:
				if got, want := s.Insert([]byte(k)), !model[k]; got != want {
					t.Fatalf("Insert(%q) = %v, want %v", k, got, want)
				}
				model[k] = true
			case 3:
				if got, want := s.Remove([]byte(k)), model[k]; got != want {
					t.Fatalf("Remove(%q) = %v, want %v", k, got, want)
				}
				delete(model, k)
				s.ShrinkIfNeeded()
			case 4:
				if got := s.Has([]byte(k)); got != model[k] {
					t.Fatalf("Has(%q) = %v", k, got)
				}
			case 5:
				if r := s.Random(); (r == 0) != (len(model) == 0) || r != 0 && !model[s.Member(r)] {
					t.Fatalf("Random returned %d", r)
				}
			}
		}
		check(t, s, model)
	})
}

// TestScanGuarantee: a Scan from start to end returns every member present the whole
// time, while the table grows to many times its size and shrinks back between calls.
func TestScanGuarantee(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 50; round++ {
		s := New()
		stable := map[string]bool{}
		for i := 0; i < 100+rng.IntN(1000); i++ {
			k := "s" + strconv.Itoa(i)
			s.Insert([]byte(k))
			stable[k] = true
		}
		seen := map[string]bool{}
		next, live := 0, 0
		cursor := uint64(0)
		for steps := 0; ; steps++ {
			cursor = s.Scan(cursor, func(r Ref) { seen[s.Member(r)] = true })
			if cursor == 0 {
				break
			}
			if steps > 1_000_000 {
				t.Fatal("Scan does not finish")
			}
			switch rng.IntN(4) {
			case 0:
				for i := rng.IntN(2000); i > 0; i-- {
					s.Insert([]byte("t" + strconv.Itoa(next)))
					next++
				}
			case 1:
				for ; live < next; live++ {
					s.Remove([]byte("t" + strconv.Itoa(live)))
				}
				s.ShrinkIfNeeded()
			}
			for i := rng.IntN(10); i > 0; i-- {
				s.Rehash(1)
			}
		}
		for k := range stable {
			if !seen[k] {
				t.Fatalf("round %d: Scan missed %q", round, k)
			}
		}
	}
}

// TestRandomUniform: Random picks every member equally often, also after deletions
// have left holes in the entry slab.
func TestRandomUniform(t *testing.T) {
	s := New()
	for i := 0; i < 100; i++ {
		s.Insert([]byte(strconv.Itoa(i)))
	}
	for i := 0; i < 100; i += 2 { // half the slab becomes holes
		s.Remove([]byte(strconv.Itoa(i)))
	}
	counts := map[string]int{}
	const draws = 200000
	for i := 0; i < draws; i++ {
		counts[s.Member(s.Random())]++
	}
	if len(counts) != 50 {
		t.Fatalf("%d distinct members drawn, want 50", len(counts))
	}
	exp := float64(draws) / 50
	chi := 0.0
	for _, k := range counts {
		chi += (float64(k) - exp) * (float64(k) - exp) / exp
	}
	if chi > 90 { // 49 degrees of freedom: P(chi2 > 90) < 1e-3
		t.Fatalf("not uniform: chi2 %.1f", chi)
	}
}

// TestFreeListReuse: deleted entries are reused, so a set that churns does not grow.
func TestFreeListReuse(t *testing.T) {
	s := New()
	for i := 0; i < 1000; i++ {
		s.Insert([]byte(strconv.Itoa(i)))
	}
	top := s.top
	for round := 0; round < 10; round++ {
		for i := 0; i < 1000; i++ {
			s.Remove([]byte(strconv.Itoa(i)))
		}
		for i := 0; i < 1000; i++ {
			s.Insert([]byte(strconv.Itoa(i)))
		}
	}
	if s.top != top || s.Len() != 1000 {
		t.Fatalf("slab grew from %d to %d entries (len %d)", top, s.top, s.Len())
	}
}

func BenchmarkInsert(b *testing.B) {
	keys := make([][]byte, 1<<16)
	for i := range keys {
		keys[i] = []byte("member:" + strconv.Itoa(i))
	}
	b.ReportAllocs()
	s := New()
	for i := 0; i < b.N; i++ {
		if i&(1<<16-1) == 0 {
			s = New()
		}
		s.Insert(keys[i&(1<<16-1)])
	}
}

func BenchmarkHas(b *testing.B) {
	s := New()
	keys := make([][]byte, 1<<16)
	for i := range keys {
		keys[i] = []byte("member:" + strconv.Itoa(i))
		s.Insert(keys[i])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Has(keys[i&(1<<16-1)])
	}
}

func BenchmarkRandom(b *testing.B) {
	s := New()
	for i := 0; i < 1<<16; i++ {
		s.Insert([]byte("member:" + strconv.Itoa(i)))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Random()
	}
}

// TestCompact: a set that shrank to a few members moves them to a small slab, and
// stays correct, scannable and uniform.
func TestCompact(t *testing.T) {
	s := New()
	model := map[string]bool{}
	for i := 0; i < 100000; i++ {
		s.Insert([]byte(strconv.Itoa(i)))
	}
	for i := 0; i < 100000; i++ {
		k := strconv.Itoa(i)
		if i%50 == 0 {
			model[k] = true
			continue
		}
		s.Remove([]byte(k))
		s.ShrinkIfNeeded()
	}
	if int(s.top) > 8*len(model)+compactMin {
		t.Fatalf("slab of %d entries for %d members", s.top, len(model))
	}
	check(t, s, model)
}
