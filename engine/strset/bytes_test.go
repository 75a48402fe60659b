package strset

import (
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// memberBytesNow recomputes what memberBytes keeps as a running count.
func memberBytesNow(s *Set) int {
	n := 0
	s.Each(func(r Ref) bool {
		n += memberAlloc(len(s.Member(r)))
		return true
	})
	return n
}

// TestBytesFollowsMembers: the running count of member bytes behind Bytes stays equal
// to a recount across inserts of varied lengths, deletions by value and by Ref,
// rehashing, shrinking and compaction; Bytes counts the slab chunks as allocated.
func TestBytesFollowsMembers(t *testing.T) {
	s := New()
	check := func(when string) {
		t.Helper()
		if got, want := s.memberBytes, memberBytesNow(s); got != want {
			t.Fatalf("%s: memberBytes %d, recount %d", when, got, want)
		}
		slab := 0
		for _, c := range s.chunks {
			slab += cap(c) * int(unsafe.Sizeof(entry{}))
		}
		want := int(unsafe.Sizeof(*s)) + 24*cap(s.chunks) + slab +
			4*(len(s.t[0].buckets)+len(s.t[1].buckets)) + s.memberBytes
		if got := s.Bytes(); got != want {
			t.Fatalf("%s: Bytes %d, want %d", when, got, want)
		}
	}
	check("empty")
	for i := 0; i < 20000; i++ {
		s.Insert([]byte(strings.Repeat("m", i%300) + strconv.Itoa(i)))
		s.Insert([]byte(strconv.Itoa(i))) // duplicates of earlier inserts add nothing
	}
	s.Insert(nil) // the empty member takes no allocation
	check("after inserts")
	for i := 0; i < 20000; i += 3 {
		s.Remove([]byte(strconv.Itoa(i)))
	}
	check("after removals")
	for s.Len() > 500 {
		s.Delete(s.Random())
		s.ShrinkIfNeeded() // shrinks the table, then compacts the slab
	}
	check("after random deletions")
	for s.Len() > 0 {
		s.Delete(s.Random())
	}
	if s.memberBytes != 0 {
		t.Fatalf("empty set keeps %d member bytes", s.memberBytes)
	}
}

func TestMemberAlloc(t *testing.T) {
	for _, tc := range []struct{ n, want int }{
		{0, 0}, {1, 8}, {8, 8}, {9, 16}, {32, 32}, {33, 48}, {256, 256}, {257, 288},
		{600, 640}, {1025, 1152}, {40000, 40960},
	} {
		if got := memberAlloc(tc.n); got != tc.want {
			t.Errorf("memberAlloc(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}
