package keyspace

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
// lookups for the same reason.) Go has no prefetch instruction, so the loads are plain
// reads whose results are folded into a sink the compiler cannot drop.
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
	sink uint32
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
	p.d[p.n] = d
	p.h[p.n] = Hash(key)
	p.n++
}

// Run loads, for every queued key, the bucket slot, the entries of its chain that
// carry its hash (up to the second entry) and the key and value bytes of the one
// found, then empties the batch.
func (p *Prefetch) Run() {
	p.load()
	// Drop the dict pointers: a batch must not keep a flushed dict alive.
	clear(p.d[:p.n])
	p.n = 0
	p.runs++
}

// load does Run's loads. It leaves in r[i] the entry it reached for key i: with bit i
// of the result set, the entry carrying key i's hash (the key itself, bar a hash
// collision); otherwise the second link of its chain, or 0 (tests check both).
func (p *Prefetch) load() (hit uint64) {
	n := p.n
	var sink uint32
	// Level 1: bucket slots. A key lives in the new table of a resize once its old
	// bucket was moved (Rehash moves buckets in index order). Keys added since the
	// resize began are in the new table too; for those the old bucket is loaded in
	// vain, which costs one wasted load and lasts only while a resize runs.
	for i := 0; i < n; i++ {
		d := p.d[i]
		t := &d.t[0]
		b := uint64(p.h[i]) & t.mask
		if d.rehashIdx >= 0 && b < uint64(d.rehashIdx) {
			t = &d.t[1]
			b = uint64(p.h[i]) & t.mask
		}
		if len(t.buckets) == 0 {
			p.r[i] = 0
			continue
		}
		p.r[i] = t.buckets[b]
	}
	// Level 2: chain heads. A head carrying another hash (about a third of hits at
	// the usual fill) sends its key one link further, loaded at level 3.
	for i := 0; i < n; i++ {
		r := p.r[i]
		if r == 0 {
			continue
		}
		e := p.d[i].E(r)
		if e.hash == p.h[i] {
			hit |= 1 << i
		} else {
			p.r[i] = e.next
		}
	}
	// Level 3: the kv bytes of found entries (first and last byte: a small kv may
	// straddle two cache lines), and the second links of the others.
	for i := 0; i < n; i++ {
		r := p.r[i]
		if r == 0 {
			continue
		}
		e := p.d[i].E(r)
		if hit&(1<<i) != 0 {
			if kv := e.kv; len(kv) > 0 {
				sink += uint32(kv[0]) + uint32(kv[len(kv)-1])
			}
		} else {
			sink += e.hash
		}
	}
	p.sink += sink
	return hit
}

// Reset empties the batch without loading anything.
func (p *Prefetch) Reset() {
	clear(p.d[:p.n])
	p.n = 0
}
