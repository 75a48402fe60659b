// snapshot.go: a point-in-time view of a table that a snapshot serializes in slices
// while the table keeps changing (engine/snapshot.go's big values).
//
// StartSnap marks every slab entry as pending, one bit each. Before a pending entry
// changes (SetValue) or goes (Delete), its field and value are copied aside and its
// bit cleared; a slot reused by a new field clears its bit too, and fields added in
// slots past the slab's top at the start are never pending. Next then yields every
// field as it was at StartSnap exactly once: the copies first, then the pending
// live entries in slab order. Compaction, which moves every Ref, waits until
// EndSnap (ShrinkIfNeeded skips it).

package fieldtable

import (
	"strings"

	"github.com/keygrid/keygrid/engine/snapbits"
)

// Snap is the state of one snapshot of a Table.
type Snap struct {
	pending snapbits.Set // bit i: slab entry i (Ref i+1) is still to be yielded
	saved   []string     // field+value copies of entries changed before being yielded
	klens   []uint32
	left    int // fields still to yield
}

// StartSnap starts a snapshot of t; it fails (nil) when one is already running.
func (t *Table) StartSnap() *Snap {
	if t.snap != nil {
		return nil
	}
	s := &Snap{pending: snapbits.New(t.top), left: t.count}
	// Every slot is pending but the free ones: a memset and a walk of the free
	// list, not a look at a million entries.
	for r := t.free; r != 0; r = -t.e(r).next - 1 {
		s.clear(r)
	}
	t.snap = s
	return s
}

// EndSnap detaches the snapshot (finished or abandoned).
func (t *Table) EndSnap(s *Snap) {
	if t.snap == s {
		t.snap = nil
	}
}

// Left is how many fields of the snapshot are still to be yielded.
func (s *Snap) Left() int { return s.left }

func (s *Snap) isPending(r Ref) bool { return s.pending.Has(int32(r) - 1) }

func (s *Snap) clear(r Ref) { s.pending.Clear(int32(r) - 1) }

// before keeps entry r as it is now if the snapshot has not yielded it yet.
func (s *Snap) before(t *Table, r Ref) {
	if !s.isPending(r) {
		return
	}
	s.clear(r)
	e := t.e(r)
	// A copy: SetValue may overwrite the value's bytes in place.
	s.saved = append(s.saved, strings.Clone(e.kv))
	s.klens = append(s.klens, e.klen)
}

// fresh notes that slot r now holds a field the snapshot must not yield.
func (s *Snap) fresh(r Ref) { s.clear(r) }

// Next yields up to max fields of the snapshot to fn (which must not change t) and
// reports whether every field has been yielded.
func (s *Snap) Next(t *Table, max int, fn func(field, value string)) bool {
	for max > 0 && len(s.saved) > 0 {
		last := len(s.saved) - 1
		kv, kl := s.saved[last], s.klens[last]
		s.saved, s.klens = s.saved[:last], s.klens[:last]
		fn(kv[:kl], kv[kl:])
		s.left--
		max--
	}
	for max > 0 {
		i := s.pending.Next()
		if i < 0 {
			break
		}
		e := t.e(Ref(i + 1))
		fn(e.kv[:e.klen], e.kv[e.klen:])
		s.left--
		max--
	}
	return s.left <= 0 && len(s.saved) == 0
}
