package fieldtable

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"pgregory.net/rapid"
)

// check compares the table with the model: size, every field's value, and that Each
// and a full Scan each visit every field once (Scan: at least once).
func check(t interface{ Fatalf(string, ...any) }, tb *Table, model map[string]string) {
	if tb.Len() != len(model) {
		t.Fatalf("Len %d, model %d", tb.Len(), len(model))
	}
	for f, v := range model {
		r := tb.Find([]byte(f))
		if r == 0 {
			t.Fatalf("%q missing", f)
		}
		if tb.Field(r) != f || tb.Value(r) != v || string(tb.ValueBytes(r)) != v {
			t.Fatalf("%q: entry holds %q=%q, want %q", f, tb.Field(r), tb.Value(r), v)
		}
	}
	seen := map[string]bool{}
	tb.Each(func(r Ref) bool {
		f := tb.Field(r)
		if v, ok := model[f]; !ok || seen[f] || v != tb.Value(r) {
			t.Fatalf("Each: %q unexpected, repeated or with a wrong value", f)
		}
		seen[f] = true
		return true
	})
	if len(seen) != len(model) {
		t.Fatalf("Each visited %d of %d", len(seen), len(model))
	}
	scanned := map[string]bool{}
	fn := func(r Ref) { scanned[tb.Field(r)] = true }
	for c := tb.Scan(0, fn); c != 0; {
		c = tb.Scan(c, fn)
	}
	if len(scanned) != len(model) {
		t.Fatalf("Scan visited %d of %d", len(scanned), len(model))
	}
}

// TestModel runs random sets, removals and lookups against a map, with values of
// changing lengths (in place and reallocated), and the table growing, shrinking,
// compacting and rehashing incrementally in between.
func TestModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tb := New()
		model := map[string]string{}
		fields := rapid.SampledFrom(func() []string {
			var fs []string
			for i := 0; i < 300; i++ {
				fs = append(fs, "f"+strconv.Itoa(i))
			}
			return append(fs, "")
		}())
		values := rapid.SampledFrom([]string{"", "a", "b", "ab", "xyz", "0123456789abcdef", "longer value than that"})
		for n := rapid.IntRange(0, 400).Draw(t, "n"); n > 0; n-- {
			f := fields.Draw(t, "f")
			switch rapid.IntRange(0, 6).Draw(t, "op") {
			case 0, 1, 2:
				v := values.Draw(t, "v")
				_, existed := model[f]
				r, got := tb.Set([]byte(f), []byte(v))
				if got != existed || tb.Field(r) != f || tb.Value(r) != v {
					t.Fatalf("Set(%q, %q) = %q=%q, %v; want existed %v", f, v, tb.Field(r), tb.Value(r), got, existed)
				}
				model[f] = v
			case 3:
				_, had := model[f]
				if got := tb.Remove([]byte(f)); got != had {
					t.Fatalf("Remove(%q) = %v, want %v", f, got, had)
				}
				delete(model, f)
				tb.ShrinkIfNeeded()
			case 4:
				_, had := model[f]
				if got := tb.Find([]byte(f)) != 0; got != had {
					t.Fatalf("Find(%q) = %v", f, got)
				}
			case 5:
				if r := tb.Random(); (r == 0) != (len(model) == 0) {
					t.Fatalf("Random returned %d with %d fields", r, len(model))
				} else if r != 0 {
					if v, ok := model[tb.Field(r)]; !ok || v != tb.Value(r) {
						t.Fatalf("Random returned %q=%q", tb.Field(r), tb.Value(r))
					}
				}
			case 6:
				tb.Rehash(rapid.IntRange(1, 5).Draw(t, "steps"))
			}
		}
		check(t, tb, model)
	})
}

// TestSetValue: a value of the same length is written in place (no allocation), one
// of another length moves, and a field string obtained before stays valid either way.
func TestSetValue(t *testing.T) {
	tb := New()
	r, _ := tb.Set([]byte("field"), []byte("v1"))
	f := tb.Field(r)
	if n := testing.AllocsPerRun(100, func() { tb.SetValue(r, []byte("v2")) }); n != 0 {
		t.Fatalf("same-length SetValue: %v allocs", n)
	}
	old := tb.Value(r)
	tb.SetValue(r, []byte("a longer value"))
	if old != "v2" || f != "field" || tb.Value(r) != "a longer value" || tb.Field(r) != "field" {
		t.Fatalf("after SetValue: old %q, field %q, now %q=%q", old, f, tb.Field(r), tb.Value(r))
	}
	tb.SetValue(r, nil)
	if tb.Value(r) != "" || tb.Field(r) != "field" {
		t.Fatalf("empty value: %q=%q", tb.Field(r), tb.Value(r))
	}
	e, _ := tb.Set(nil, nil)
	if tb.Field(e) != "" || tb.Value(e) != "" || tb.Find(nil) != e || tb.Find([]byte("")) != e {
		t.Fatal("the empty field with an empty value")
	}
}

// TestScanGuarantee: a Scan from start to end returns every field present the whole
// time, while the table grows to many times its size and shrinks back between calls.
func TestScanGuarantee(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 50; round++ {
		tb := New()
		stable := map[string]bool{}
		for i := 0; i < 100+rng.IntN(1000); i++ {
			f := "s" + strconv.Itoa(i)
			tb.Set([]byte(f), []byte("v"))
			stable[f] = true
		}
		seen := map[string]bool{}
		next, live := 0, 0
		cursor := uint64(0)
		for steps := 0; ; steps++ {
			cursor = tb.Scan(cursor, func(r Ref) { seen[tb.Field(r)] = true })
			if cursor == 0 {
				break
			}
			if steps > 1_000_000 {
				t.Fatal("Scan does not finish")
			}
			switch rng.IntN(4) {
			case 0:
				for i := rng.IntN(2000); i > 0; i-- {
					tb.Set([]byte("t"+strconv.Itoa(next)), []byte("v"))
					next++
				}
			case 1:
				for ; live < next; live++ {
					tb.Remove([]byte("t" + strconv.Itoa(live)))
				}
				tb.ShrinkIfNeeded()
			}
			for i := rng.IntN(10); i > 0; i-- {
				tb.Rehash(1)
			}
		}
		for f := range stable {
			if !seen[f] {
				t.Fatalf("round %d: Scan missed %q", round, f)
			}
		}
	}
}

// TestRandomUniform: Random picks every field equally often, also after deletions
// have left holes in the entry slab.
func TestRandomUniform(t *testing.T) {
	tb := New()
	for i := 0; i < 100; i++ {
		tb.Set([]byte(strconv.Itoa(i)), []byte("v"))
	}
	for i := 0; i < 100; i += 2 { // half the slab becomes holes
		tb.Remove([]byte(strconv.Itoa(i)))
	}
	counts := map[string]int{}
	const draws = 200000
	for i := 0; i < draws; i++ {
		counts[tb.Field(tb.Random())]++
	}
	if len(counts) != 50 {
		t.Fatalf("%d distinct fields drawn, want 50", len(counts))
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

// TestFreeListReuse: deleted entries are reused, so a hash that churns does not grow.
func TestFreeListReuse(t *testing.T) {
	tb := New()
	for i := 0; i < 1000; i++ {
		tb.Set([]byte(strconv.Itoa(i)), []byte("v"))
	}
	top := tb.Slab()
	for round := 0; round < 10; round++ {
		for i := 0; i < 1000; i++ {
			tb.Remove([]byte(strconv.Itoa(i)))
		}
		for i := 0; i < 1000; i++ {
			tb.Set([]byte(strconv.Itoa(i)), []byte("v"))
		}
	}
	if tb.Slab() != top || tb.Len() != 1000 {
		t.Fatalf("slab grew from %d to %d entries (len %d)", top, tb.Slab(), tb.Len())
	}
}

// TestCompact: a table that shrank to a few fields moves them to a small slab, and
// stays correct and scannable.
func TestCompact(t *testing.T) {
	tb := New()
	model := map[string]string{}
	for i := 0; i < 100000; i++ {
		tb.Set([]byte(strconv.Itoa(i)), []byte("v"+strconv.Itoa(i)))
	}
	for i := 0; i < 100000; i++ {
		f := strconv.Itoa(i)
		if i%50 == 0 {
			model[f] = "v" + f
			continue
		}
		tb.Remove([]byte(f))
		tb.ShrinkIfNeeded()
	}
	if tb.Slab() > 8*len(model)+compactMin {
		t.Fatalf("slab of %d entries for %d fields", tb.Slab(), len(model))
	}
	check(t, tb, model)
}

// TestExpand: Expand sizes an empty table at once (Redis's dictExpand), so filling it
// to that size needs no rehash; a table with fields is left alone.
func TestExpand(t *testing.T) {
	tb := New()
	tb.Expand(513)
	if b0, b1 := tb.Buckets(); b0 != 1024 || b1 != 0 {
		t.Fatalf("Expand(513): buckets %d,%d, want 1024,0", b0, b1)
	}
	for i := 0; i < 1024; i++ {
		tb.InsertNew([]byte("f"+strconv.Itoa(i)), []byte("v"))
		if tb.IsRehashing() {
			t.Fatalf("rehashing after %d inserts into a table expanded for 1024", i+1)
		}
	}
	tb.Expand(1 << 20)
	if b0, _ := tb.Buckets(); b0 != 1024 {
		t.Fatalf("Expand of a table with fields changed it to %d buckets", b0)
	}
}

// TestEntrySize pins the per-field slab cost the package exists for.
func TestEntrySize(t *testing.T) {
	if EntrySize != 32 {
		t.Fatalf("entry is %d bytes, want 32", EntrySize)
	}
}

func BenchmarkSet(b *testing.B) {
	fields := make([][]byte, 1<<16)
	for i := range fields {
		fields[i] = []byte("field:" + strconv.Itoa(i))
	}
	val := []byte("0123456789abcdef")
	b.ReportAllocs()
	tb := New()
	for i := 0; i < b.N; i++ {
		if i&(1<<16-1) == 0 {
			tb = New()
		}
		tb.Set(fields[i&(1<<16-1)], val)
	}
}

func BenchmarkFind(b *testing.B) {
	tb := New()
	fields := make([][]byte, 1<<16)
	for i := range fields {
		fields[i] = []byte("field:" + strconv.Itoa(i))
		tb.Set(fields[i], []byte("v"))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tb.Find(fields[i&(1<<16-1)])
	}
}

func BenchmarkSetValueInPlace(b *testing.B) {
	tb := New()
	r, _ := tb.Set([]byte("field"), []byte("0123456789abcdef"))
	val := []byte("fedcba9876543210")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		tb.SetValue(r, val)
	}
}
