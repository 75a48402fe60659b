// Package snapbits is the "still to be written" bitset of a point-in-time
// snapshot over a slab: one bit per slab index, all set at the start (a memset),
// cleared when the entry is copied aside before it changes or when its slot is
// reused, and walked in slab order skipping clear bits a word at a time.
//
// The keyspace snapshot (engine/snapshot.go) and the big values' own snapshots
// (fieldtable, strset, skiplist) all walk their slabs this way. It imports only
// the standard library, as the data structures that use it.
package snapbits

import "math/bits"

// Set is the bitset of slab indices [0, n) with a walk position. The zero Set is
// empty and already walked.
type Set struct {
	words []uint64
	n     int32 // slab top at the start: later indices were never pending
	next  int32 // walk position
}

// New returns a Set with every index below n pending.
func New(n int32) Set {
	s := Set{words: make([]uint64, (n+63)/64), n: n}
	for i := range s.words {
		s.words[i] = ^uint64(0)
	}
	return s
}

// Has reports whether index i is still pending.
func (s *Set) Has(i int32) bool {
	return i >= 0 && i < s.n && s.words[i>>6]&(1<<(uint(i)&63)) != 0
}

// Clear marks index i as not pending (an index at or past the start's top is
// ignored: it was never pending).
func (s *Set) Clear(i int32) {
	if i >= 0 && i < s.n {
		s.words[i>>6] &^= 1 << (uint(i) & 63)
	}
}

// Next returns the first pending index at or after the walk position, clearing
// it and moving past it, or -1 when the walk is over.
func (s *Set) Next() int32 {
	for s.next < s.n {
		w := s.next >> 6
		word := s.words[w] >> (uint(s.next) & 63)
		if word == 0 {
			s.next = (w + 1) << 6
			continue
		}
		i := s.next + int32(bits.TrailingZeros64(word))
		if i >= s.n {
			break
		}
		s.next = i + 1
		s.words[i>>6] &^= 1 << (uint(i) & 63)
		return i
	}
	s.next = s.n
	return -1
}

// Done reports whether the walk has passed every index.
func (s *Set) Done() bool { return s.next >= s.n }
