// strset.go: the table, its incremental rehash, Scan and Random.

package strset

import (
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"unsafe"
)

// Ref names a member in a Set; 0 is "no member". A Ref stays valid until its member
// is deleted.
type Ref int32

// entry is one member. A deleted entry is on the free list: next holds -(next free
// Ref)-1, which is negative, where a live entry's next is a Ref (≥ 0).
type entry struct {
	m    string // the member's bytes, in an allocation of their own
	hash uint32
	next Ref
}

type table struct {
	buckets []Ref
	mask    uint64
	used    int
}

const (
	initSize      = 4
	firstChunkLog = 3  // the first chunk holds 8 entries: a small set stays small
	maxChunkLog   = 12 // chunks stop growing at 4096 entries (96 KiB)
	doublingTotal = (1<<(maxChunkLog-firstChunkLog+1) - 1) << firstChunkLog
)

// Set is a hash set of byte strings.
type Set struct {
	t         [2]table
	rehashIdx int // -1 when not rehashing; else the next bucket of t[0] to move
	chunks    [][]entry
	top       int32 // entries handed out from the slab so far
	free      Ref   // free list of deleted entries
	count     int
	// memberBytes is what the members' own allocations take (memberAlloc of each), so
	// that Bytes is O(1): the engine re-measures a set after every write to it.
	memberBytes int
	// pauseRehash > 0 stops incremental rehashing (a paused walk relies on stable
	// buckets).
	pauseRehash int
	// snap, while a snapshot serializes the set in slices, keeps the members it has
	// not written yet (snapshot.go).
	snap *Snap
}

// New returns an empty set.
func New() *Set { return &Set{rehashIdx: -1} }

// Len is the number of members.
func (s *Set) Len() int { return s.count }

// Buckets reports the sizes of the main and rehash-target tables (MEMORY USAGE).
func (s *Set) Buckets() (int, int) { return len(s.t[0].buckets), len(s.t[1].buckets) }

// Bytes is the heap the set holds, in O(1): the struct, the slab chunks, the bucket
// arrays and the member allocations (maxmemory accounting).
func (s *Set) Bytes() int {
	slab := chunkEntries(len(s.chunks)) * int(unsafe.Sizeof(entry{}))
	return int(unsafe.Sizeof(*s)) + 24*cap(s.chunks) + slab +
		4*(len(s.t[0].buckets)+len(s.t[1].buckets)) + s.memberBytes
}

// chunkEntries is how many entries the first n slab chunks hold.
func chunkEntries(n int) int {
	const doublingChunks = maxChunkLog - firstChunkLog + 1
	if n <= doublingChunks {
		return (1<<n - 1) << firstChunkLog
	}
	return doublingTotal + (n-doublingChunks)<<maxChunkLog
}

// memberAlloc is about what Go's allocator gives a member of n bytes (its size
// classes: steps of 8 bytes up to 32, of 16 up to 256, then coarser; whole pages past
// 32 KiB). An estimate is enough: the engine's accounting cannot drift whatever the
// estimate, since a value is un-counted by what it was counted with.
func memberAlloc(n int) int {
	switch {
	case n <= 0:
		return 0
	case n <= 32:
		return (n + 7) &^ 7
	case n <= 256:
		return (n + 15) &^ 15
	case n <= 512:
		return (n + 31) &^ 31
	case n <= 1024:
		return (n + 63) &^ 63
	case n <= 32768:
		return (n + 127) &^ 127
	}
	return (n + 8191) &^ 8191
}

var seed = maphash.MakeSeed()

// hash is the member hash: maphash, seeded per process, so clients cannot choose
// members that collide.
func hash(m []byte) uint32 { return uint32(maphash.Bytes(seed, m)) }

func chunkOf(i int32) (int, int) {
	if i < doublingTotal {
		x := uint32(i) + 1<<firstChunkLog
		k := bits.Len32(x) - 1 - firstChunkLog
		return k, int(x - 1<<(k+firstChunkLog))
	}
	j := int(i - doublingTotal)
	return maxChunkLog - firstChunkLog + 1 + j>>maxChunkLog, j & (1<<maxChunkLog - 1)
}

func (s *Set) e(r Ref) *entry {
	c, o := chunkOf(int32(r) - 1)
	return &s.chunks[c][o]
}

// Member returns the bytes of member r as a string. It shares memory with the set
// but stays valid after the member is deleted: members are never written in place.
func (s *Set) Member(r Ref) string { return s.e(r).m }

func (s *Set) alloc() Ref {
	if s.free != 0 {
		r := s.free
		e := s.e(r)
		s.free = -e.next - 1
		e.next = 0
		if s.snap != nil {
			s.snap.fresh(r) // a new member in a slot the snapshot already saw go
		}
		return r
	}
	i := s.top
	c, _ := chunkOf(i)
	if c >= len(s.chunks) {
		size := 1 << maxChunkLog
		if c <= maxChunkLog-firstChunkLog {
			size = 1 << (c + firstChunkLog)
		}
		s.chunks = append(s.chunks, make([]entry, size))
	}
	s.top++
	return Ref(i + 1)
}

func (s *Set) release(r Ref) {
	e := s.e(r)
	s.memberBytes -= memberAlloc(len(e.m))
	*e = entry{next: -s.free - 1}
	s.free = r
}

// Find returns the member equal to m, or 0.
func (s *Set) Find(m []byte) Ref {
	if s.count == 0 {
		return 0
	}
	s.rehashStep()
	return s.find(hash(m), m)
}

// Has reports whether m is a member.
func (s *Set) Has(m []byte) bool { return s.Find(m) != 0 }

func (s *Set) find(h uint32, m []byte) Ref {
	for ti := 0; ti < 2; ti++ {
		t := &s.t[ti]
		if len(t.buckets) == 0 {
			break
		}
		for r := t.buckets[uint64(h)&t.mask]; r != 0; {
			e := s.e(r)
			if e.hash == h && e.m == string(m) {
				return r
			}
			r = e.next
		}
		if s.rehashIdx < 0 {
			break
		}
	}
	return 0
}

// Insert adds m (copying it) unless it is a member; it reports whether it was added.
func (s *Set) Insert(m []byte) bool {
	h := hash(m)
	s.rehashStep()
	if s.count > 0 && s.find(h, m) != 0 {
		return false
	}
	s.add(h, m)
	return true
}

// InsertNew adds m, which the caller knows is not a member (copying a set).
func (s *Set) InsertNew(m []byte) { s.add(hash(m), m) }

func (s *Set) add(h uint32, m []byte) {
	s.expandIfNeeded()
	r := s.alloc()
	e := s.e(r)
	if len(m) > 0 {
		buf := make([]byte, len(m))
		copy(buf, m)
		e.m = unsafe.String(unsafe.SliceData(buf), len(buf))
		s.memberBytes += memberAlloc(len(buf))
	} else {
		e.m = ""
	}
	e.hash = h
	// New members go to the table being filled.
	t := &s.t[0]
	if s.rehashIdx >= 0 {
		t = &s.t[1]
	}
	b := uint64(h) & t.mask
	e.next = t.buckets[b]
	t.buckets[b] = r
	t.used++
	s.count++
}

// Remove deletes m and reports whether it was a member.
func (s *Set) Remove(m []byte) bool {
	r := s.Find(m)
	if r == 0 {
		return false
	}
	s.Delete(r)
	return true
}

// Delete removes member r.
func (s *Set) Delete(r Ref) {
	if s.snap != nil {
		s.snap.before(s, r)
	}
	h := s.e(r).hash
	for ti := 0; ti < 2; ti++ {
		t := &s.t[ti]
		if len(t.buckets) == 0 {
			break
		}
		b := uint64(h) & t.mask
		var prev Ref
		for cur := t.buckets[b]; cur != 0; {
			ce := s.e(cur)
			if cur == r {
				if prev == 0 {
					t.buckets[b] = ce.next
				} else {
					s.e(prev).next = ce.next
				}
				t.used--
				s.count--
				s.release(r)
				return
			}
			prev = cur
			cur = ce.next
		}
		if s.rehashIdx < 0 {
			break
		}
	}
}

// Random returns a uniformly chosen member, or 0 when empty. Members are drawn from
// the slab, where every live entry is equally likely; when the slab is mostly holes
// it falls back to Redis's method (a random non-empty bucket, then a random chain
// element).
func (s *Set) Random() Ref {
	if s.count == 0 {
		return 0
	}
	for i := 0; i < 32; i++ {
		r := Ref(rand.Int32N(s.top) + 1)
		if s.e(r).next >= 0 {
			return r
		}
	}
	for {
		ti := 0
		if s.rehashIdx >= 0 && rand.IntN(2) == 1 && s.t[1].used > 0 {
			ti = 1
		}
		t := &s.t[ti]
		if t.used == 0 {
			continue
		}
		head := t.buckets[rand.Uint64()&t.mask]
		if head == 0 {
			continue
		}
		n := 0
		for r := head; r != 0; r = s.e(r).next {
			n++
		}
		r := head
		for k := rand.IntN(n); k > 0; k-- {
			r = s.e(r).next
		}
		return r
	}
}

func (s *Set) expandIfNeeded() {
	if s.rehashIdx >= 0 {
		return
	}
	t := &s.t[0]
	if len(t.buckets) == 0 {
		s.resize(initSize)
		return
	}
	if t.used >= len(t.buckets) {
		s.resize(t.used + 1)
	}
}

// ShrinkIfNeeded starts a shrink when the table is less than 10% full (Redis's
// htNeedsResize and dictResize, which SREM and SPOP call). Freed entries are reused
// by later inserts; when fewer than one slab entry in eight is live, the members
// move to a new slab (compact) so that a set that shrank gives its memory back, as
// Redis's per-member frees do.
func (s *Set) ShrinkIfNeeded() {
	if s.pauseRehash > 0 {
		return
	}
	if s.top > compactMin && s.count < int(s.top)/8 && s.snap == nil {
		s.compact() // never under a snapshot: it moves every Ref
		return
	}
	if s.rehashIdx >= 0 {
		return
	}
	size := len(s.t[0].buckets)
	if size > initSize && s.count*100/size < 10 {
		s.resize(s.count)
	}
}

// compactMin is the slab size below which compact is not worth it.
const compactMin = 1024

// compact rebuilds the set in a new slab and a new table sized for its members,
// keeping the member strings. Refs change, so it never runs during a walk; a Scan
// cursor stays valid, as across any resize, since hashes do not change.
func (s *Set) compact() {
	n := New()
	n.resize(s.count)
	n.rehashIdx = -1
	for ti := 0; ti < 2; ti++ {
		t := &s.t[ti]
		for b := range t.buckets {
			for r := t.buckets[b]; r != 0; {
				e := s.e(r)
				r = e.next
				nr := n.alloc()
				ne := n.e(nr)
				ne.m, ne.hash = e.m, e.hash
				nb := uint64(e.hash) & n.t[0].mask
				ne.next = n.t[0].buckets[nb]
				n.t[0].buckets[nb] = nr
				n.t[0].used++
				n.count++
			}
		}
	}
	n.memberBytes = s.memberBytes // the member strings move as they are
	*s = *n
}

// resize starts moving members to a table of the next power of two ≥ n.
func (s *Set) resize(n int) {
	size := initSize
	for size < n {
		size <<= 1
	}
	if size == len(s.t[0].buckets) {
		return
	}
	nt := table{buckets: make([]Ref, size), mask: uint64(size - 1)}
	if len(s.t[0].buckets) == 0 {
		s.t[0] = nt
		return
	}
	s.t[1] = nt
	s.rehashIdx = 0
}

func (s *Set) rehashStep() {
	if s.rehashIdx >= 0 && s.pauseRehash == 0 {
		s.Rehash(1)
	}
}

// Rehash moves up to n buckets (visiting at most 10n empty ones) from the old table
// to the new one. It returns true while more work remains; while rehashing is paused
// it does nothing and returns false.
func (s *Set) Rehash(n int) bool {
	if s.rehashIdx < 0 || s.pauseRehash > 0 {
		return false
	}
	empty := n * 10
	t0, t1 := &s.t[0], &s.t[1]
	for ; n > 0 && t0.used > 0; n-- {
		for t0.buckets[s.rehashIdx] == 0 {
			s.rehashIdx++
			if empty--; empty == 0 {
				return true
			}
		}
		r := t0.buckets[s.rehashIdx]
		for r != 0 {
			e := s.e(r)
			next := e.next
			b := uint64(e.hash) & t1.mask
			e.next = t1.buckets[b]
			t1.buckets[b] = r
			t0.used--
			t1.used++
			r = next
		}
		t0.buckets[s.rehashIdx] = 0
		s.rehashIdx++
	}
	if t0.used == 0 {
		s.t[0] = s.t[1]
		s.t[1] = table{}
		s.rehashIdx = -1
		return false
	}
	return true
}

func rev(v uint64) uint64 { return bits.Reverse64(v) }

// Scan calls fn for the members of the bucket(s) at cursor and returns the next
// cursor; 0 means the walk is complete. This is Redis's dictScan: the cursor's bits
// are incremented from the top, so a full walk returns every member present from
// start to end at least once, even when the table grows or shrinks between calls. fn
// must not insert or delete.
func (s *Set) Scan(v uint64, fn func(Ref)) uint64 {
	if s.count == 0 {
		return 0
	}
	s.pauseRehash++
	defer func() { s.pauseRehash-- }()
	if s.rehashIdx < 0 {
		t := &s.t[0]
		s.emit(t.buckets[v&t.mask], fn)
		v |= ^t.mask
		v = rev(v)
		v++
		v = rev(v)
		return v
	}
	t0, t1 := &s.t[0], &s.t[1]
	if len(t0.buckets) > len(t1.buckets) {
		t0, t1 = t1, t0
	}
	m0, m1 := t0.mask, t1.mask
	s.emit(t0.buckets[v&m0], fn)
	for {
		s.emit(t1.buckets[v&m1], fn)
		v |= ^m1
		v = rev(v)
		v++
		v = rev(v)
		if v&(m0^m1) == 0 {
			break
		}
	}
	return v
}

func (s *Set) emit(r Ref, fn func(Ref)) {
	for r != 0 {
		next := s.e(r).next
		fn(r)
		r = next
	}
}

// Each calls fn for every member until fn returns false. fn may delete the member it
// is given, but nothing else.
func (s *Set) Each(fn func(Ref) bool) {
	s.pauseRehash++
	defer func() { s.pauseRehash-- }()
	for ti := 0; ti < 2; ti++ {
		t := &s.t[ti]
		start := 0
		if ti == 0 && s.rehashIdx > 0 {
			// The old table's buckets below rehashIdx were moved and are empty.
			// Skipping them keeps a sample of a few members (the engine's memory
			// accounting after every SADD) O(1) during a rehash, not O(buckets).
			start = s.rehashIdx
		}
		for b := start; b < len(t.buckets); b++ {
			for r := t.buckets[b]; r != 0; {
				next := s.e(r).next
				if !fn(r) {
					return
				}
				r = next
			}
		}
	}
}
