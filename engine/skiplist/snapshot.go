// snapshot.go: a point-in-time view of a list that a snapshot serializes in slices
// while the list keeps changing (engine/snapshot_big.go).
//
// StartSnap marks every node slab index below the slab's top as pending, one bit
// each (a memset). Before a pending node's score changes (UpdateScore) or the node
// goes (Delete, range deletions), its member and score are copied aside and its bit
// cleared; a free node reused for a new member clears its bit too, and nodes
// allocated past the top at the start are never pending. Next then yields every
// member as it was at StartSnap exactly once: the copies first, then the pending
// live nodes in slab order (free nodes, height 0, are skipped). The order is not
// the list's, which RDB loading does not need. The rebuild that compacts a mostly
// free slab (and renumbers every node) waits until EndSnap.

package skiplist

import "github.com/keygrid/keygrid/engine/snapbits"

// Snap is the state of one snapshot of a List.
type Snap struct {
	pending snapbits.Set // bit i: node i is still to be yielded (if live)
	members []string     // copies of members changed or deleted before being yielded
	scores  []float64
	left    int // members still to yield
}

// StartSnap starts a snapshot of l; it fails (nil) when one is already running.
func (l *List) StartSnap() *Snap {
	if l.snap != nil {
		return nil
	}
	n := l.nodes.top
	s := &Snap{pending: snapbits.New(n), left: l.length}
	s.pending.Clear(0) // node 0 is the header
	l.snap = s
	return s
}

// EndSnap detaches the snapshot (finished or abandoned).
func (l *List) EndSnap(s *Snap) {
	if l.snap == s {
		l.snap = nil
	}
}

// Left is how many members of the snapshot are still to be yielded.
func (s *Snap) Left() int { return s.left }

func (s *Snap) isPending(x int32) bool { return s.pending.Has(x) }

func (s *Snap) clear(x int32) { s.pending.Clear(x) }

// before keeps node x as it is now if the snapshot has not yielded it yet.
func (s *Snap) before(l *List, x int32) {
	if !s.isPending(x) {
		return
	}
	s.clear(x)
	xn := l.nodes.at(x)
	s.members = append(s.members, string(l.member(xn)))
	s.scores = append(s.scores, xn.score)
}

// Next yields up to max members of the snapshot to fn (which must not change l)
// and reports whether every member has been yielded.
func (s *Snap) Next(l *List, max int, fn func(member []byte, score float64)) bool {
	for max > 0 && len(s.members) > 0 {
		last := len(s.members) - 1
		m, sc := s.members[last], s.scores[last]
		s.members, s.scores = s.members[:last], s.scores[:last]
		fn([]byte(m), sc)
		s.left--
		max--
	}
	for max > 0 {
		x := s.pending.Next()
		if x < 0 {
			break
		}
		xn := l.nodes.at(x)
		if xn.height == 0 {
			continue // free since before the start
		}
		fn(l.member(xn), xn.score)
		s.left--
		max--
	}
	return len(s.members) == 0 && s.pending.Done()
}
