// fieldtable.go: the table, its incremental rehash, Scan and Random.

package fieldtable

import (
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"unsafe"
)

// Ref names a field in a Table; 0 is "no field". A Ref stays valid until its field is
// deleted (or the table compacts, which only ShrinkIfNeeded does).
type Ref int32

// entry is one field and its value. A deleted entry is on the free list: next holds
// -(next free Ref)-1, which is negative, where a live entry's next is a Ref (≥ 0).
type entry struct {
	kv   string // the field's bytes, then the value's, in one allocation
	klen uint32
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
	firstChunkLog = 3  // the first chunk holds 8 entries: a small table stays small
	maxChunkLog   = 12 // chunks stop growing at 4096 entries (128 KiB)
	doublingTotal = (1<<(maxChunkLog-firstChunkLog+1) - 1) << firstChunkLog
)

// EntrySize is the bytes one field takes in the slab (memory accounting).
const EntrySize = int(unsafe.Sizeof(entry{}))

// Table is a hash table of fields with values.
type Table struct {
	t         [2]table
	rehashIdx int // -1 when not rehashing; else the next bucket of t[0] to move
	chunks    [][]entry
	top       int32 // entries handed out from the slab so far
	free      Ref   // free list of deleted entries
	count     int
	// pauseRehash > 0 stops incremental rehashing (a paused walk relies on stable
	// buckets).
	pauseRehash int
	// snap, while a snapshot serializes the table in slices, keeps the fields it has
	// not written yet as they were when it started (snapshot.go).
	snap *Snap
}

// New returns an empty table.
func New() *Table { return &Table{rehashIdx: -1} }

// Len is the number of fields.
func (t *Table) Len() int { return t.count }

// Slab is the number of entries the slab holds, live or free (memory accounting).
func (t *Table) Slab() int { return int(t.top) }

// Buckets reports the sizes of the main and rehash-target tables (MEMORY USAGE).
func (t *Table) Buckets() (int, int) { return len(t.t[0].buckets), len(t.t[1].buckets) }

// IsRehashing reports whether a resize is in progress.
func (t *Table) IsRehashing() bool { return t.rehashIdx >= 0 }

var seed = maphash.MakeSeed()

// hash is the field hash: maphash, seeded per process, so clients cannot choose
// fields that collide.
func hash(f []byte) uint32 { return uint32(maphash.Bytes(seed, f)) }

func chunkOf(i int32) (int, int) {
	if i < doublingTotal {
		x := uint32(i) + 1<<firstChunkLog
		k := bits.Len32(x) - 1 - firstChunkLog
		return k, int(x - 1<<(k+firstChunkLog))
	}
	j := int(i - doublingTotal)
	return maxChunkLog - firstChunkLog + 1 + j>>maxChunkLog, j & (1<<maxChunkLog - 1)
}

func (t *Table) e(r Ref) *entry {
	c, o := chunkOf(int32(r) - 1)
	return &t.chunks[c][o]
}

// Field returns the field of r. It shares memory with the table but stays valid after
// the field is deleted or its value changes: field bytes are never written.
func (t *Table) Field(r Ref) string {
	e := t.e(r)
	return e.kv[:e.klen]
}

// Value returns the value of r. It shares memory with the table: a value of the same
// length written later (SetValue) changes it in place, so keep it only while the
// table is unchanged.
func (t *Table) Value(r Ref) string {
	e := t.e(r)
	return e.kv[e.klen:]
}

// ValueBytes is Value as a byte slice, without copying. Callers must never write to it.
func (t *Table) ValueBytes(r Ref) []byte {
	v := t.Value(r)
	return unsafe.Slice(unsafe.StringData(v), len(v))
}

// KVLen is the size of r's field+value allocation (memory accounting).
func (t *Table) KVLen(r Ref) int { return len(t.e(r).kv) }

func (t *Table) alloc() Ref {
	if t.free != 0 {
		r := t.free
		e := t.e(r)
		t.free = -e.next - 1
		e.next = 0
		if t.snap != nil {
			t.snap.fresh(r) // a new field in a slot the snapshot already saw go
		}
		return r
	}
	i := t.top
	c, _ := chunkOf(i)
	if c >= len(t.chunks) {
		size := 1 << maxChunkLog
		if c <= maxChunkLog-firstChunkLog {
			size = 1 << (c + firstChunkLog)
		}
		t.chunks = append(t.chunks, make([]entry, size))
	}
	t.top++
	return Ref(i + 1)
}

func (t *Table) release(r Ref) {
	*t.e(r) = entry{next: -t.free - 1}
	t.free = r
}

// Find returns the entry of field, or 0.
func (t *Table) Find(field []byte) Ref {
	if t.count == 0 {
		return 0
	}
	t.rehashStep()
	return t.find(hash(field), field)
}

func (t *Table) find(h uint32, f []byte) Ref {
	for ti := 0; ti < 2; ti++ {
		tb := &t.t[ti]
		if len(tb.buckets) == 0 {
			break
		}
		for r := tb.buckets[uint64(h)&tb.mask]; r != 0; {
			e := t.e(r)
			if e.hash == h && e.kv[:e.klen] == string(f) {
				return r
			}
			r = e.next
		}
		if t.rehashIdx < 0 {
			break
		}
	}
	return 0
}

// Set stores value at field (copying both) and returns its entry and whether the
// field existed.
func (t *Table) Set(field, value []byte) (Ref, bool) {
	h := hash(field)
	t.rehashStep()
	if t.count > 0 {
		if r := t.find(h, field); r != 0 {
			t.SetValue(r, value)
			return r, true
		}
	}
	return t.add(h, field, value), false
}

// InsertNew adds field with value; the caller knows the field is absent (copying a
// table, converting a listpack).
func (t *Table) InsertNew(field, value []byte) Ref { return t.add(hash(field), field, value) }

// SetValue replaces r's value with a copy of value. A value of the same length is
// written in place (no allocation); otherwise field and value move to a new
// allocation, and strings obtained before keep the old bytes.
func (t *Table) SetValue(r Ref, value []byte) {
	if t.snap != nil {
		t.snap.before(t, r)
	}
	e := t.e(r)
	if len(e.kv) == int(e.klen)+len(value) {
		if len(value) > 0 {
			copy(unsafe.Slice(unsafe.StringData(e.kv), len(e.kv))[e.klen:], value)
		}
		return
	}
	e.kv = joinKV(e.kv[:e.klen], value)
}

// joinKV returns field followed by value in one new allocation.
func joinKV[F []byte | string](field F, value []byte) string {
	n := len(field) + len(value)
	if n == 0 {
		return ""
	}
	buf := make([]byte, n)
	copy(buf, field)
	copy(buf[len(field):], value)
	return unsafe.String(unsafe.SliceData(buf), n)
}

func (t *Table) add(h uint32, field, value []byte) Ref {
	t.expandIfNeeded()
	r := t.alloc()
	e := t.e(r)
	e.kv = joinKV(field, value)
	e.klen = uint32(len(field))
	e.hash = h
	// New fields go to the table being filled.
	tb := &t.t[0]
	if t.rehashIdx >= 0 {
		tb = &t.t[1]
	}
	b := uint64(h) & tb.mask
	e.next = tb.buckets[b]
	tb.buckets[b] = r
	tb.used++
	t.count++
	return r
}

// Remove deletes field and reports whether it was there.
func (t *Table) Remove(field []byte) bool {
	r := t.Find(field)
	if r == 0 {
		return false
	}
	t.Delete(r)
	return true
}

// Delete removes entry r.
func (t *Table) Delete(r Ref) {
	if t.snap != nil {
		t.snap.before(t, r)
	}
	h := t.e(r).hash
	for ti := 0; ti < 2; ti++ {
		tb := &t.t[ti]
		if len(tb.buckets) == 0 {
			break
		}
		b := uint64(h) & tb.mask
		var prev Ref
		for cur := tb.buckets[b]; cur != 0; {
			ce := t.e(cur)
			if cur == r {
				if prev == 0 {
					tb.buckets[b] = ce.next
				} else {
					t.e(prev).next = ce.next
				}
				tb.used--
				t.count--
				t.release(r)
				return
			}
			prev = cur
			cur = ce.next
		}
		if t.rehashIdx < 0 {
			break
		}
	}
}

// Random returns a uniformly chosen entry, or 0 when empty. Entries are drawn from
// the slab, where every live entry is equally likely; when the slab is mostly holes
// it falls back to Redis's method (a random non-empty bucket, then a random chain
// element).
func (t *Table) Random() Ref {
	if t.count == 0 {
		return 0
	}
	for i := 0; i < 32; i++ {
		r := Ref(rand.Int32N(t.top) + 1)
		if t.e(r).next >= 0 {
			return r
		}
	}
	for {
		ti := 0
		if t.rehashIdx >= 0 && rand.IntN(2) == 1 && t.t[1].used > 0 {
			ti = 1
		}
		tb := &t.t[ti]
		if tb.used == 0 {
			continue
		}
		head := tb.buckets[rand.Uint64()&tb.mask]
		if head == 0 {
			continue
		}
		n := 0
		for r := head; r != 0; r = t.e(r).next {
			n++
		}
		r := head
		for k := rand.IntN(n); k > 0; k-- {
			r = t.e(r).next
		}
		return r
	}
}

// Expand sizes an empty table for n fields at once (Redis's dictExpand on a new
// dict), so filling it costs no incremental rehashing. It does nothing to a table
// that holds fields.
func (t *Table) Expand(n int) {
	if t.count == 0 && t.rehashIdx < 0 {
		t.t[0] = table{}
		t.resize(n)
	}
}

func (t *Table) expandIfNeeded() {
	if t.rehashIdx >= 0 {
		return
	}
	tb := &t.t[0]
	if len(tb.buckets) == 0 {
		t.resize(initSize)
		return
	}
	if tb.used >= len(tb.buckets) {
		t.resize(tb.used + 1)
	}
}

// ShrinkIfNeeded starts a shrink when the table is less than 10% full (Redis's
// htNeedsResize and dictResize, which HDEL calls). Freed entries are reused by later
// inserts; when fewer than one slab entry in eight is live, the fields move to a new
// slab (compact) so that a hash that shrank gives its memory back, as Redis's
// per-field frees do. It does nothing during a walk.
func (t *Table) ShrinkIfNeeded() {
	if t.pauseRehash > 0 {
		return
	}
	if t.top > compactMin && t.count < int(t.top)/8 && t.snap == nil {
		t.compact() // never under a snapshot: it moves every Ref
		return
	}
	if t.rehashIdx >= 0 {
		return
	}
	size := len(t.t[0].buckets)
	if size > initSize && t.count*100/size < 10 {
		t.resize(t.count)
	}
}

// compactMin is the slab size below which compact is not worth it.
const compactMin = 1024

// compact rebuilds the table in a new slab and a new bucket array sized for its
// fields, keeping the field+value strings. Refs change, so it never runs during a
// walk; a Scan cursor stays valid, as across any resize, since hashes do not change.
func (t *Table) compact() {
	n := New()
	n.resize(t.count)
	for ti := 0; ti < 2; ti++ {
		tb := &t.t[ti]
		for b := range tb.buckets {
			for r := tb.buckets[b]; r != 0; {
				e := t.e(r)
				r = e.next
				nr := n.alloc()
				ne := n.e(nr)
				ne.kv, ne.klen, ne.hash = e.kv, e.klen, e.hash
				nb := uint64(e.hash) & n.t[0].mask
				ne.next = n.t[0].buckets[nb]
				n.t[0].buckets[nb] = nr
				n.t[0].used++
				n.count++
			}
		}
	}
	*t = *n
}

// resize starts moving fields to a table of the next power of two ≥ n.
func (t *Table) resize(n int) {
	size := initSize
	for size < n {
		size <<= 1
	}
	if size == len(t.t[0].buckets) {
		return
	}
	nt := table{buckets: make([]Ref, size), mask: uint64(size - 1)}
	if len(t.t[0].buckets) == 0 {
		t.t[0] = nt
		return
	}
	t.t[1] = nt
	t.rehashIdx = 0
}

func (t *Table) rehashStep() {
	if t.rehashIdx >= 0 && t.pauseRehash == 0 {
		t.Rehash(1)
	}
}

// Rehash moves up to n buckets (visiting at most 10n empty ones) from the old table
// to the new one. It returns true while more work remains; while rehashing is paused
// it does nothing and returns false.
func (t *Table) Rehash(n int) bool {
	if t.rehashIdx < 0 || t.pauseRehash > 0 {
		return false
	}
	empty := n * 10
	t0, t1 := &t.t[0], &t.t[1]
	for ; n > 0 && t0.used > 0; n-- {
		for t0.buckets[t.rehashIdx] == 0 {
			t.rehashIdx++
			if empty--; empty == 0 {
				return true
			}
		}
		r := t0.buckets[t.rehashIdx]
		for r != 0 {
			e := t.e(r)
			next := e.next
			b := uint64(e.hash) & t1.mask
			e.next = t1.buckets[b]
			t1.buckets[b] = r
			t0.used--
			t1.used++
			r = next
		}
		t0.buckets[t.rehashIdx] = 0
		t.rehashIdx++
	}
	if t0.used == 0 {
		t.t[0] = t.t[1]
		t.t[1] = table{}
		t.rehashIdx = -1
		return false
	}
	return true
}

func rev(v uint64) uint64 { return bits.Reverse64(v) }

// Scan calls fn for the entries of the bucket(s) at cursor and returns the next
// cursor; 0 means the walk is complete. This is Redis's dictScan: the cursor's bits
// are incremented from the top, so a full walk returns every field present from
// start to end at least once, even when the table grows or shrinks between calls. fn
// must not insert or delete.
func (t *Table) Scan(v uint64, fn func(Ref)) uint64 {
	if t.count == 0 {
		return 0
	}
	t.pauseRehash++
	defer func() { t.pauseRehash-- }()
	if t.rehashIdx < 0 {
		tb := &t.t[0]
		t.emit(tb.buckets[v&tb.mask], fn)
		v |= ^tb.mask
		v = rev(v)
		v++
		v = rev(v)
		return v
	}
	t0, t1 := &t.t[0], &t.t[1]
	if len(t0.buckets) > len(t1.buckets) {
		t0, t1 = t1, t0
	}
	m0, m1 := t0.mask, t1.mask
	t.emit(t0.buckets[v&m0], fn)
	for {
		t.emit(t1.buckets[v&m1], fn)
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

func (t *Table) emit(r Ref, fn func(Ref)) {
	for r != 0 {
		next := t.e(r).next
		fn(r)
		r = next
	}
}

// Each calls fn for every entry until fn returns false. fn may delete the entry it is
// given, but nothing else.
func (t *Table) Each(fn func(Ref) bool) {
	t.pauseRehash++
	defer func() { t.pauseRehash-- }()
	for ti := 0; ti < 2; ti++ {
		tb := &t.t[ti]
		for b := range tb.buckets {
			for r := tb.buckets[b]; r != 0; {
				next := t.e(r).next
				if !fn(r) {
					return
				}
				r = next
			}
		}
	}
}
