package engine

import (
	"strconv"
	"testing"
)

// TestSetMemoryAccounting: a set's accounted size comes from setObj.memSize (O(1), no
// sampling), follows the set as it grows through both encodings and shrinks under SPOP
// and SREM, and returns to nothing when the key goes; the per-entry invariants hold
// after every step.
func TestSetMemoryAccounting(t *testing.T) {
	l := newEvLocal(t, nil)
	s := l.s
	var _ memSizer = (*setObj)(nil) // settling must not fall back to sampling members
	l.do("SADD", "s", "1", "2", "3")
	checkAccounting(t, s)
	small := s.evict.used
	if small <= entryMemOverhead {
		t.Fatalf("intset of 3: %d bytes accounted", small)
	}
	for i := 0; i < 5000; i++ {
		l.do("SADD", "s", "member:"+strconv.Itoa(i))
	}
	checkAccounting(t, s)
	big := s.evict.used
	// 5000 members of 11-12 bytes: at least a slab entry and the member bytes each.
	if big < small+5000*(24+16) || big > small+5000*200 {
		t.Fatalf("5000-member hashtable: %d bytes accounted", big)
	}
	for i := 0; i < 4000; i++ {
		l.do("SPOP", "s")
	}
	checkAccounting(t, s)
	if s.evict.used >= big {
		t.Fatalf("after popping 4000 of 5003: %d bytes, was %d", s.evict.used, big)
	}
	if got := l.do("SCARD", "s"); got != ":1003" {
		t.Fatalf("SCARD after the pops: %s", got)
	}
	l.do("SPOP", "s", "1000")
	checkAccounting(t, s)
	l.do("DEL", "s")
	checkAccounting(t, s)
	if s.evict.used != 0 {
		t.Fatalf("no keys left, %d bytes accounted", s.evict.used)
	}
}
