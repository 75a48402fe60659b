package keyspace

import (
	"math/bits"
	"unsafe"
)

// Batched lookahead for pipelines over a big table.
//
// A lookup in a table much larger than the CPU caches is a chain of dependent memory
// misses: the bucket slot, then the entry it names, then the entry's key and value
// bytes (kv). Executed one command at a time, each miss waits for the previous one,
// so a pipeline of sixteen GETs pays about 3 x 16 round trips to memory back to back.
// When the engine already holds several complete commands it can walk their keys one
// level at a time first: all bucket slots, then all entries, then all kv bytes. Within a
// level the loads do not depend on each other, so the CPU keeps many of them in flight
// at once and the batch pays about three round trips instead of forty-eight; the real
// lookups that follow find everything in cache. (Redis 8 and Dragonfly batch their
// lookups for the same reason.) Go exposes no prefetch instruction, so touch (a few
// lines of assembly, touch_*.s) issues it; where there is none, the levels' own reads
// bring the lines in, one level later.
//
// A Prefetch only reads: it changes nothing in the dicts (no rehash step, no LRU
// touch), so a wrong guess (a command that turns out not to use the key, a SELECT
// earlier in the batch) costs a few wasted loads and nothing else.

// PrefetchMax is how many keys one Prefetch batch holds.
const PrefetchMax = 32

// Prefetch collects the keys of the next few commands and loads their table memory
// level by level. The zero value is ready; it allocates nothing.
type Prefetch struct {
	n    int
	d    [PrefetchMax]*Dict
	h    [PrefetchMax]uint32
	r    [PrefetchMax]Ref
	e    [PrefetchMax]*Entry // the entry load reached for each key, between its levels
	runs uint64
}

// Runs is how many batches Run has loaded (tests check that the lookahead ran).
func (p *Prefetch) Runs() uint64 { return p.runs }

// Len is the number of keys added since the last Run.
func (p *Prefetch) Len() int { return p.n }

// Full reports whether the batch holds PrefetchMax keys.
func (p *Prefetch) Full() bool { return p.n == PrefetchMax }

// Add queues key, to be looked up in d. It does nothing when the batch is full or d is
// empty.
func (p *Prefetch) Add(d *Dict, key []byte) {
	if p.n == PrefetchMax || d.count == 0 {
		return
	}
	h := Hash(key)
	p.d[p.n] = d
	p.h[p.n] = h
	p.n++
	// Start the bucket slot's miss now: the scan of the following requests overlaps
	// it, and level 1 of Run finds the slot in cache.
	t := &d.t[0]
	b := uint64(h) & t.mask
	if d.rehashIdx >= 0 && b < uint64(d.rehashIdx) {
		t = &d.t[1]
		b = uint64(h) & t.mask
	}
	if b < uint64(len(t.buckets)) {
		touch(unsafe.Pointer(&t.buckets[b]))
	}
}

// Run loads, for every queued key, the bucket slot, the entries of its chain that
// carry its hash (up to the second entry) and the key and value bytes of the one
// found, then empties the batch.
func (p *Prefetch) Run() {
	p.load()
	// Drop the dict and entry pointers: a batch must not keep a flushed dict alive.
	clear(p.d[:p.n])
	clear(p.e[:p.n])
	p.n = 0
	p.runs++
}

// load does Run's work. It leaves in r[i] the entry it reached for key i: with bit i
// of the result set, the entry carrying key i's hash (the key itself, bar a hash
// collision); otherwise the second link of its chain, or 0 (tests check both).
//
// Two things keep many misses in flight. Lines that are only needed later are
// requested with touch (a prefetch), which never holds up the instructions behind it;
// a line is read only one level after it was requested, when it has most likely
// arrived. And nothing branches on a value still on its way from memory: a
// mispredicted branch (about a quarter of chain heads carry another key's hash) would
// stop the CPU from issuing the loads behind it until that value came.
func (p *Prefetch) load() (hit uint64) {
	n := p.n
	// Level 1: bucket slots (Add requested them). A key lives in the new table of a
	// resize once its old bucket was moved (Rehash moves buckets in index order).
	// Keys added since the resize began are in the new table too; for those the old
	// bucket is read in vain, which costs one wasted load and lasts only while a
	// resize runs. The chain heads are requested.
	for i := 0; i < n; i++ {
		d := p.d[i]
		t := &d.t[0]
		b := uint64(p.h[i]) & t.mask
		if d.rehashIdx >= 0 && b < uint64(d.rehashIdx) {
			t = &d.t[1]
			b = uint64(p.h[i]) & t.mask
		}
		p.e[i] = nil
		p.r[i] = 0
		if b < uint64(len(t.buckets)) {
			if r := t.buckets[b]; r != 0 {
				p.r[i] = r
				e := d.E(r)
				p.e[i] = e
				touch(unsafe.Pointer(e))
			}
		}
	}
	// Level 2: the heads. For those carrying the key's hash, request the kv bytes
	// (first and last byte: a small kv may straddle two cache lines); for the others
	// (about a quarter at the usual fill) the second link of the chain.
	var second uint64
	for i := 0; i < n; i++ {
		e := p.e[i]
		if e == nil {
			continue
		}
		if e.hash == p.h[i] {
			hit |= 1 << i
			if kv := e.kv; len(kv) > 0 {
				touch(unsafe.Pointer(unsafe.StringData(kv)))
				touch(unsafe.Pointer(unsafe.StringData(kv[len(kv)-1:])))
			}
			continue
		}
		p.r[i] = e.next
		p.e[i] = nil
		if e.next != 0 {
			e = p.d[i].E(e.next)
			p.e[i] = e
			touch(unsafe.Pointer(e))
			second |= 1 << i
		}
	}
	// Level 3: the kv bytes of second links that carry the key's hash, so a key one
	// link down its chain is in cache too when its lookup compares it.
	for ; second != 0; second &= second - 1 {
		i := bits.TrailingZeros64(second)
		if e := p.e[i]; e.hash == p.h[i] {
			hit |= 1 << i
			if kv := e.kv; len(kv) > 0 {
				touch(unsafe.Pointer(unsafe.StringData(kv)))
				touch(unsafe.Pointer(unsafe.StringData(kv[len(kv)-1:])))
			}
		}
	}
	return hit
}

// Reset empties the batch without loading anything.
func (p *Prefetch) Reset() {
	clear(p.d[:p.n])
	clear(p.e[:p.n])
	p.n = 0
}
