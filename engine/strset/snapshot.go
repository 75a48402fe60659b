// snapshot.go: a point-in-time view of a set that a snapshot serializes in slices
// while the set keeps changing (engine/snapshot.go's big values).
//
// StartSnap marks every slab entry as pending, one bit each. Before a pending member
// goes (Delete) it is kept aside and its bit cleared (members are never written in
// place, so keeping the string is enough); a slot reused by a new member clears its
// bit too, and members added past the slab's top at the start are never pending.
// Next then yields every member as it was at StartSnap exactly once. Compaction,
// which moves every Ref, waits until EndSnap (ShrinkIfNeeded skips it).

package strset

import "github.com/keygrid/keygrid/engine/snapbits"

// Snap is the state of one snapshot of a Set.
type Snap struct {
	pending snapbits.Set // bit i: slab entry i (Ref i+1) is still to be yielded
	saved   []string     // members deleted before being yielded
	left    int          // members still to yield
}

// StartSnap starts a snapshot of s; it fails (nil) when one is already running.
func (s *Set) StartSnap() *Snap {
	if s.snap != nil {
		return nil
	}
	sn := &Snap{pending: snapbits.New(s.top), left: s.count}
	// Every slot is pending but the free ones: a memset and a walk of the free
	// list, not a look at a million entries.
	for r := s.free; r != 0; r = -s.e(r).next - 1 {
		sn.clear(r)
	}
	s.snap = sn
	return sn
}

// EndSnap detaches the snapshot (finished or abandoned).
func (s *Set) EndSnap(sn *Snap) {
	if s.snap == sn {
		s.snap = nil
	}
}

// Left is how many members of the snapshot are still to be yielded.
func (sn *Snap) Left() int { return sn.left }

func (sn *Snap) isPending(r Ref) bool { return sn.pending.Has(int32(r) - 1) }

func (sn *Snap) clear(r Ref) { sn.pending.Clear(int32(r) - 1) }

// before keeps member r if the snapshot has not yielded it yet.
func (sn *Snap) before(s *Set, r Ref) {
	if !sn.isPending(r) {
		return
	}
	sn.clear(r)
	sn.saved = append(sn.saved, s.e(r).m)
}

// fresh notes that slot r now holds a member the snapshot must not yield.
func (sn *Snap) fresh(r Ref) { sn.clear(r) }

// Next yields up to max members of the snapshot to fn (which must not change s) and
// reports whether every member has been yielded.
func (sn *Snap) Next(s *Set, max int, fn func(member string)) bool {
	for max > 0 && len(sn.saved) > 0 {
		last := len(sn.saved) - 1
		m := sn.saved[last]
		sn.saved = sn.saved[:last]
		fn(m)
		sn.left--
		max--
	}
	for max > 0 {
		i := sn.pending.Next()
		if i < 0 {
			break
		}
		fn(s.e(Ref(i + 1)).m)
		sn.left--
		max--
	}
	return sn.left <= 0 && len(sn.saved) == 0
}
