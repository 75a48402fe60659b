package keyspace

// Slab access for the forkless snapshot (engine/snapshot.go). The snapshot walks a
// dict in slab order rather than bucket order: entries never move in the slab, so the
// walk needs neither a paused rehash nor a cursor that survives resizes, and "written
// yet?" is one bit per slab index, kept by the engine.

// SlabLen is the number of slab entries handed out so far: every Ref of the dict,
// live or deleted, is in 1..SlabLen. Entries inserted later get larger Refs, unless
// they reuse a deleted entry's slot.
func (d *Dict) SlabLen() int32 { return d.top }

// RefOf returns the Ref of e, an entry of d in use, found through its bucket chain
// (pointer comparison, no key compare); 0 if e is not an entry of d.
func (d *Dict) RefOf(e *Entry) Ref {
	if e.vpos == freed {
		return 0
	}
	for ti := 0; ti < 2; ti++ {
		t := &d.t[ti]
		if len(t.buckets) == 0 {
			break
		}
		for r := t.buckets[uint64(e.hash)&t.mask]; r != 0; {
			ce := d.E(r)
			if ce == e {
				return r
			}
			r = ce.next
		}
		if d.rehashIdx < 0 {
			break
		}
	}
	return 0
}
