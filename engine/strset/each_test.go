package strset

import (
	"strconv"
	"testing"
)

// Each during an incremental rehash visits every member once, and starts past the
// old table's moved (empty) buckets: the engine samples a few members after every
// write (MEMORY USAGE's estimate, used by maxmemory accounting), and walking the
// moved buckets from 0 made 400k SADDs quadratic (found by Redis's
// unit/latency-monitor, 1M SADDs from a script).
func TestEachDuringRehash(t *testing.T) {
	s := New()
	n := 1 << 15
	for i := 0; i < n; i++ {
		s.Insert([]byte(strconv.Itoa(i)))
	}
	// One more insert starts a doubling; a few operations move some buckets.
	s.Insert([]byte("x"))
	for i := 0; i < 1000 && s.rehashIdx >= 0; i++ {
		s.Has([]byte(strconv.Itoa(i)))
		s.rehashStep()
	}
	if s.rehashIdx <= 0 {
		t.Fatalf("want a rehash in progress past bucket 0, rehashIdx = %d", s.rehashIdx)
	}
	for b := 0; b < s.rehashIdx; b++ {
		if s.t[0].buckets[b] != 0 {
			t.Fatalf("old table bucket %d below rehashIdx %d is not empty", b, s.rehashIdx)
		}
	}
	seen := map[string]int{}
	s.Each(func(r Ref) bool { seen[s.Member(r)]++; return true })
	if len(seen) != s.Len() {
		t.Fatalf("Each visited %d distinct members, set has %d", len(seen), s.Len())
	}
	for m, k := range seen {
		if k != 1 {
			t.Fatalf("Each visited %q %d times", m, k)
		}
	}
	// A sample of 5 members stops after 5 callbacks.
	k := 0
	s.Each(func(Ref) bool { k++; return k < 5 })
	if k != 5 {
		t.Fatalf("sampling Each made %d callbacks, want 5", k)
	}
}

// BenchmarkEachSampleDuringRehash is the per-write sample of the engine's memory
// accounting on a big set being rehashed: O(1), not O(buckets).
func BenchmarkEachSampleDuringRehash(b *testing.B) {
	s := New()
	for i := 0; i < 1<<18; i++ {
		s.Insert([]byte(strconv.Itoa(i)))
	}
	s.Insert([]byte("x"))
	for s.rehashIdx >= 0 && s.rehashIdx < 1<<17 {
		s.rehashStep()
	}
	if s.rehashIdx < 0 {
		b.Fatal("the rehash finished during set-up")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := 0
		s.Each(func(Ref) bool { k++; return k < 5 })
	}
}
