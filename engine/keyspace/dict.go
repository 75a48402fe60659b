// Package keyspace holds the table that maps keys to values: a chained hash table in the
// manner of Redis's dict.c, shaped for Go's garbage collector and for keygrid's engine.
//
// Why not Go's map (see ../shared/design/KEYSPACE.md): SCAN needs a resumable integer
// cursor with Redis's guarantee across resizes, rehashing must be incremental, random
// sampling must be cheap (RANDOMKEY, active expiry, eviction), and the walk order must be
// ours so snapshots can run incrementally.
//
// Layout:
//   - entries live in a slab of fixed-address chunks and are named by a Ref (index+1);
//     a bucket array of int32 heads and an int32 "next" per entry make the chains, so the
//     tables themselves hold no pointers and the GC never scans them;
//   - each entry keeps its key and, for string values, the value in one allocation (kv);
//   - two tables during a resize, moved bucket by bucket (Rehash), like Redis;
//   - entries with a TTL are also listed in a dense array so expiry can sample them.
//
// A Dict is not safe for concurrent use: only the event loop touches it.
package keyspace

import (
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"strings"
	"unsafe"
)

// Ref names an entry in a Dict; 0 is "no entry". A Ref stays valid until its entry is
// deleted.
type Ref int32

// Entry is one key and its value. The engine owns Obj and Meta; the dict owns the rest.
type Entry struct {
	kv     string // key bytes followed by the string value's bytes (if any)
	Obj    any    // non-string values (and large mutable strings), nil otherwise
	Expire int64  // absolute unix time in ms; 0 means no TTL
	klen   uint32
	hash   uint32
	next   Ref   // next entry in the bucket chain, or in the free list
	vpos   int32 // index in Dict.vol, -1 without TTL, freed on the free list
	// Meta is for the engine: type, encoding, LRU/LFU clock.
	Meta uint32
	// Mem is for the engine too: the memory it accounts to this entry, in 8-byte
	// words (engine/evict.go). It fills what was padding: an Entry stays 64 bytes.
	Mem uint32
}

// InUse reports whether r names an entry of d that is in use: a Ref kept from
// earlier (the eviction pool keeps some) may since have been deleted, or come from
// a dict that was replaced.
func (d *Dict) InUse(r Ref) bool {
	return r > 0 && int32(r) <= d.top && d.E(r).vpos != freed
}

// Live reports whether the entry is in use, false once it was deleted (until the
// slot is reused by a new key). The engine checks entries it noted during a command.
func (e *Entry) Live() bool { return e.vpos != freed }

// Key returns the entry's key. The string shares memory with the entry: keep it only
// while the entry is alive and unchanged.
func (e *Entry) Key() string { return e.kv[:e.klen] }

// Val returns the inline string value (may be empty).
func (e *Entry) Val() string { return e.kv[e.klen:] }

// ValBytes returns the inline string value as a read-only byte slice, without copying.
// Callers must never write to it.
func (e *Entry) ValBytes() []byte {
	v := e.kv[e.klen:]
	return unsafe.Slice(unsafe.StringData(v), len(v))
}

// SetVal replaces the inline string value with a copy of v (one allocation holding key
// and value together). A value of the same length as the old one is overwritten in
// place, which makes updates of fixed-size values (counters, session blobs, what
// redis-benchmark sends) allocation-free; that is why strings returned by Key, Val and
// ValBytes must not be kept past the command that obtained them.
func (e *Entry) SetVal(v []byte) {
	if len(e.kv) == int(e.klen)+len(v) {
		if len(v) > 0 {
			copy(unsafe.Slice(unsafe.StringData(e.kv), len(e.kv))[e.klen:], v)
		}
		return
	}
	k := e.kv[:e.klen]
	buf := make([]byte, len(k)+len(v))
	copy(buf, k)
	copy(buf[len(k):], v)
	e.kv = unsafe.String(unsafe.SliceData(buf), len(buf))
}

// SetValString is SetVal for a string.
func (e *Entry) SetValString(v string) {
	k := e.kv[:e.klen]
	buf := make([]byte, len(k)+len(v))
	copy(buf, k)
	copy(buf[len(k):], v)
	e.kv = unsafe.String(unsafe.SliceData(buf), len(buf))
}

// ClearVal drops the inline value, keeping only the key.
func (e *Entry) ClearVal() {
	if len(e.kv) != int(e.klen) {
		e.kv = strings.Clone(e.kv[:e.klen])
	}
}

type table struct {
	buckets []Ref
	mask    uint64
	used    int
}

const (
	freed         = -2
	initSize      = 4
	firstChunkLog = 3  // the first chunk holds 8 entries: an empty per-slot dict stays small
	maxChunkLog   = 12 // chunks stop growing at 4096 entries (about 256 KiB)
	doublingTotal = (1<<(maxChunkLog-firstChunkLog+1) - 1) << firstChunkLog
)

var seed = maphash.MakeSeed()

// Hash returns the hash the dict uses for key.
func Hash(key []byte) uint32 { return uint32(maphash.Bytes(seed, key)) }

// HashString is Hash for a string.
func HashString(key string) uint32 { return uint32(maphash.String(seed, key)) }

// Dict is a hash table of entries.
type Dict struct {
	t         [2]table
	rehashIdx int // -1 when not rehashing; else the next bucket of t[0] to move
	chunks    [][]Entry
	top       int32 // entries handed out from the slab so far
	free      Ref   // free list of deleted entries
	count     int
	vol       []Ref // entries with a TTL, for sampling
	// pauseRehash > 0 stops incremental rehashing (a paused walk relies on stable buckets).
	pauseRehash int
}

// New returns an empty dict.
func New() *Dict { return &Dict{rehashIdx: -1} }

// Len is the number of keys.
func (d *Dict) Len() int { return d.count }

// VolatileLen is the number of keys with a TTL.
func (d *Dict) VolatileLen() int { return len(d.vol) }

// Buckets reports the sizes of the main and rehash-target tables (INFO / DEBUG HTSTATS).
func (d *Dict) Buckets() (int, int) { return len(d.t[0].buckets), len(d.t[1].buckets) }

// IsRehashing reports whether a resize is in progress.
func (d *Dict) IsRehashing() bool { return d.rehashIdx >= 0 }

func chunkOf(i int32) (int, int) {
	if i < doublingTotal {
		x := uint32(i) + 1<<firstChunkLog
		k := bits.Len32(x) - 1 - firstChunkLog
		return k, int(x - 1<<(k+firstChunkLog))
	}
	j := int(i - doublingTotal)
	return maxChunkLog - firstChunkLog + 1 + j>>maxChunkLog, j & (1<<maxChunkLog - 1)
}

// E returns the entry named by r. The pointer stays valid until the entry is deleted.
func (d *Dict) E(r Ref) *Entry {
	c, o := chunkOf(int32(r) - 1)
	return &d.chunks[c][o]
}

func (d *Dict) alloc() Ref {
	if d.free != 0 {
		r := d.free
		e := d.E(r)
		d.free = e.next
		e.next = 0
		return r
	}
	i := d.top
	c, _ := chunkOf(i)
	if c >= len(d.chunks) {
		size := 1 << maxChunkLog
		if c <= maxChunkLog-firstChunkLog {
			size = 1 << (c + firstChunkLog)
		}
		d.chunks = append(d.chunks, make([]Entry, size))
	}
	d.top++
	return Ref(i + 1)
}

func (d *Dict) release(r Ref) {
	e := d.E(r)
	*e = Entry{next: d.free, vpos: freed}
	d.free = r
}

// Find returns the entry for key, or 0.
func (d *Dict) Find(key []byte) Ref {
	if d.count == 0 {
		return 0
	}
	d.rehashStep()
	return d.find(Hash(key), key)
}

func (d *Dict) find(h uint32, key []byte) Ref {
	for ti := 0; ti < 2; ti++ {
		t := &d.t[ti]
		if len(t.buckets) == 0 {
			break
		}
		for r := t.buckets[uint64(h)&t.mask]; r != 0; {
			e := d.E(r)
			if e.hash == h && e.kv[:e.klen] == string(key) {
				return r
			}
			r = e.next
		}
		if d.rehashIdx < 0 {
			break
		}
	}
	return 0
}

// FindString is Find for a string key.
func (d *Dict) FindString(key string) Ref {
	return d.Find(unsafe.Slice(unsafe.StringData(key), len(key)))
}

// Insert adds key if absent. It returns the entry and whether it already existed. A new
// entry has no value, no TTL and Meta 0.
func (d *Dict) Insert(key []byte) (Ref, bool) {
	h := Hash(key)
	d.rehashStep()
	if d.count > 0 {
		if r := d.find(h, key); r != 0 {
			return r, true
		}
	}
	d.expandIfNeeded()
	r := d.alloc()
	e := d.E(r)
	buf := make([]byte, len(key))
	copy(buf, key)
	e.kv = unsafe.String(unsafe.SliceData(buf), len(buf))
	e.klen = uint32(len(key))
	e.hash = h
	e.vpos = -1
	// New keys go to the table being filled.
	t := &d.t[0]
	if d.rehashIdx >= 0 {
		t = &d.t[1]
	}
	b := uint64(h) & t.mask
	e.next = t.buckets[b]
	t.buckets[b] = r
	t.used++
	d.count++
	return r, false
}

// InsertWithValue adds key with an inline string value in one allocation. The key
// must be absent (the caller just looked it up).
func (d *Dict) InsertWithValue(key, val []byte) Ref {
	h := Hash(key)
	d.rehashStep()
	d.expandIfNeeded()
	r := d.alloc()
	e := d.E(r)
	buf := make([]byte, len(key)+len(val))
	copy(buf, key)
	copy(buf[len(key):], val)
	e.kv = unsafe.String(unsafe.SliceData(buf), len(buf))
	e.klen = uint32(len(key))
	e.hash = h
	e.vpos = -1
	t := &d.t[0]
	if d.rehashIdx >= 0 {
		t = &d.t[1]
	}
	b := uint64(h) & t.mask
	e.next = t.buckets[b]
	t.buckets[b] = r
	t.used++
	d.count++
	return r
}

// Delete removes the entry r.
func (d *Dict) Delete(r Ref) {
	e := d.E(r)
	h := e.hash
	for ti := 0; ti < 2; ti++ {
		t := &d.t[ti]
		if len(t.buckets) == 0 {
			break
		}
		b := uint64(h) & t.mask
		var prev Ref
		for cur := t.buckets[b]; cur != 0; {
			ce := d.E(cur)
			if cur == r {
				if prev == 0 {
					t.buckets[b] = ce.next
				} else {
					d.E(prev).next = ce.next
				}
				t.used--
				d.count--
				if e.vpos >= 0 {
					d.volRemove(e)
				}
				d.release(r)
				return
			}
			prev = cur
			cur = ce.next
		}
		if d.rehashIdx < 0 {
			break
		}
	}
}

// SetExpire sets or clears (ms == 0) the entry's TTL and keeps the volatile list right.
func (d *Dict) SetExpire(r Ref, ms int64) {
	e := d.E(r)
	e.Expire = ms
	if ms != 0 && e.vpos < 0 {
		e.vpos = int32(len(d.vol))
		d.vol = append(d.vol, r)
	} else if ms == 0 && e.vpos >= 0 {
		d.volRemove(e)
	}
}

func (d *Dict) volRemove(e *Entry) {
	i := e.vpos
	last := len(d.vol) - 1
	if int(i) != last {
		moved := d.vol[last]
		d.vol[i] = moved
		d.E(moved).vpos = i
	}
	d.vol = d.vol[:last]
	e.vpos = -1
	if cap(d.vol) > 64 && len(d.vol) < cap(d.vol)/4 {
		d.vol = append([]Ref(nil), d.vol...)
	}
}

// RandomVolatile returns a uniformly chosen entry that has a TTL, or 0.
func (d *Dict) RandomVolatile() Ref {
	if len(d.vol) == 0 {
		return 0
	}
	return d.vol[rand.IntN(len(d.vol))]
}

// Random returns a random entry, or 0 when empty. Entries are chosen from the slab,
// which is close to uniform; when the slab is mostly holes it falls back to Redis's
// method (a random non-empty bucket, then a random chain element).
func (d *Dict) Random() Ref {
	if d.count == 0 {
		return 0
	}
	for i := 0; i < 16; i++ {
		r := Ref(rand.Int32N(d.top) + 1)
		if d.E(r).vpos != freed {
			return r
		}
	}
	for {
		ti := 0
		if d.rehashIdx >= 0 && rand.IntN(2) == 1 && d.t[1].used > 0 {
			ti = 1
		}
		t := &d.t[ti]
		if t.used == 0 {
			continue
		}
		head := t.buckets[rand.Uint64()&t.mask]
		if head == 0 {
			continue
		}
		n := 0
		for r := head; r != 0; r = d.E(r).next {
			n++
		}
		k := rand.IntN(n)
		r := head
		for ; k > 0; k-- {
			r = d.E(r).next
		}
		return r
	}
}

func (d *Dict) expandIfNeeded() {
	if d.rehashIdx >= 0 {
		return
	}
	t := &d.t[0]
	if len(t.buckets) == 0 {
		d.resize(initSize)
		return
	}
	if t.used >= len(t.buckets) {
		d.resize(t.used + 1)
	}
}

// ShrinkIfNeeded starts a shrink when the table is less than 10% full (Redis's
// HASHTABLE_MIN_FILL); the cron calls it.
func (d *Dict) ShrinkIfNeeded() {
	if d.rehashIdx >= 0 || d.pauseRehash > 0 {
		return
	}
	size := len(d.t[0].buckets)
	if size > initSize && d.count*100/size < 10 {
		d.resize(d.count)
	}
}

// Expand sizes an empty dict's table for n entries at once (Redis's dictExpand on a
// new dict), so filling it costs no incremental rehashing. It does nothing to a dict
// that holds entries.
func (d *Dict) Expand(n int) {
	if d.count == 0 && d.rehashIdx < 0 {
		d.t[0] = table{}
		d.resize(n)
	}
}

// resize starts moving entries to a table of the next power of two ≥ n.
func (d *Dict) resize(n int) {
	size := initSize
	for size < n {
		size <<= 1
	}
	if size == len(d.t[0].buckets) {
		return
	}
	nt := table{buckets: make([]Ref, size), mask: uint64(size - 1)}
	if len(d.t[0].buckets) == 0 {
		d.t[0] = nt
		return
	}
	d.t[1] = nt
	d.rehashIdx = 0
}

func (d *Dict) rehashStep() {
	if d.rehashIdx >= 0 && d.pauseRehash == 0 {
		d.Rehash(1)
	}
}

// Rehash moves up to n buckets (visiting at most 10n empty ones) from the old table to
// the new one. It returns true while more work remains. While rehashing is paused it
// does nothing and returns false, so a caller looping on it (the cron) stops at once
// instead of spinning: a paused walk must not see buckets move under it.
func (d *Dict) Rehash(n int) bool {
	if d.rehashIdx < 0 || d.pauseRehash > 0 {
		return false
	}
	empty := n * 10
	t0, t1 := &d.t[0], &d.t[1]
	for ; n > 0 && t0.used > 0; n-- {
		for t0.buckets[d.rehashIdx] == 0 {
			d.rehashIdx++
			if empty--; empty == 0 {
				return true
			}
		}
		r := t0.buckets[d.rehashIdx]
		for r != 0 {
			e := d.E(r)
			next := e.next
			b := uint64(e.hash) & t1.mask
			e.next = t1.buckets[b]
			t1.buckets[b] = r
			t0.used--
			t1.used++
			r = next
		}
		t0.buckets[d.rehashIdx] = 0
		d.rehashIdx++
	}
	if t0.used == 0 {
		d.t[0] = d.t[1]
		d.t[1] = table{}
		d.rehashIdx = -1
		return false
	}
	return true
}

// PauseRehash stops incremental rehashing until ResumeRehash; nested calls count.
func (d *Dict) PauseRehash()  { d.pauseRehash++ }
func (d *Dict) ResumeRehash() { d.pauseRehash-- }

func rev(v uint64) uint64 { return bits.Reverse64(v) }

// Scan calls fn for the entries of the bucket(s) at cursor and returns the next cursor;
// 0 means the walk is complete. This is Redis's dictScan: the cursor's bits are
// incremented from the top, so a full walk returns every entry present from start to
// end exactly once or more, even when the table grows or shrinks between calls. fn must
// not insert or delete.
func (d *Dict) Scan(v uint64, fn func(Ref)) uint64 {
	if d.count == 0 {
		return 0
	}
	d.pauseRehash++
	defer func() { d.pauseRehash-- }()
	if d.rehashIdx < 0 {
		t := &d.t[0]
		d.emit(t.buckets[v&t.mask], fn)
		v |= ^t.mask
		v = rev(v)
		v++
		v = rev(v)
		return v
	}
	t0, t1 := &d.t[0], &d.t[1]
	if len(t0.buckets) > len(t1.buckets) {
		t0, t1 = t1, t0
	}
	m0, m1 := t0.mask, t1.mask
	d.emit(t0.buckets[v&m0], fn)
	for {
		d.emit(t1.buckets[v&m1], fn)
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

func (d *Dict) emit(r Ref, fn func(Ref)) {
	for r != 0 {
		next := d.E(r).next
		fn(r)
		r = next
	}
}

// Each calls fn for every entry until fn returns false. fn may delete the entry it is
// given, but nothing else.
func (d *Dict) Each(fn func(Ref) bool) {
	d.pauseRehash++
	defer func() { d.pauseRehash-- }()
	for ti := 0; ti < 2; ti++ {
		t := &d.t[ti]
		for b := range t.buckets {
			for r := t.buckets[b]; r != 0; {
				next := d.E(r).next
				if !fn(r) {
					return
				}
				r = next
			}
		}
	}
}

// Clear empties the dict and frees its memory.
func (d *Dict) Clear() { *d = Dict{rehashIdx: -1} }
