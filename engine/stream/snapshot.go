// snapshot.go: a point-in-time view of a stream's nodes for a snapshot that writes
// them in slices while the stream keeps changing (engine/snapshot_big.go).
//
// SnapNodes returns every node (master ID and listpack, O(nodes)) and turns on
// copy-on-write: the first in-place change to a node that existed then (XADD's
// append to the last node, XDEL's and XTRIM's tombstones and counters) replaces
// its listpack by a copy first, so the bytes the snapshot holds never change.
// Dropped nodes stay alive until the snapshot drops them.
//
// SnapGroups does the same for the consumer groups: their names, IDs and
// counters are copied, and their pending entries lists frozen chunk by chunk
// (a PEL chunk is copied before its first change, idmap.go), so a million-entry
// PEL is written in slices too.

package stream

import "github.com/keygrid/keygrid/engine/listpack"

// SnapNode is one node of a snapshot: its master ID and listpack (read-only).
type SnapNode struct {
	Master ID
	LP     listpack.Listpack
}

// cowState says which nodes still share their bytes with a snapshot: those with a
// master ID up to upTo not yet in done.
type cowState struct {
	upTo ID
	done map[ID]struct{}
}

// SnapNodes returns the nodes in ID order, each frozen until EndSnap.
func (s *Stream) SnapNodes() []SnapNode {
	out := make([]SnapNode, 0, s.nodes.Len())
	s.nodes.All(func(id ID, lp *listpack.Listpack) bool {
		out = append(out, SnapNode{id, *lp})
		return true
	})
	if len(out) > 0 {
		s.cow = &cowState{upTo: out[len(out)-1].Master, done: map[ID]struct{}{}}
	}
	return out
}

// EndSnap stops the copy-on-write SnapNodes and SnapGroups started.
func (s *Stream) EndSnap() {
	s.cow = nil
	for _, g := range s.groups {
		g.pel.thaw()
		for _, c := range g.consumers {
			c.pel.thaw()
		}
	}
}

// own gives the node at master a listpack of its own before an in-place change
// when a snapshot still holds its bytes.
func (s *Stream) own(master ID, lp *listpack.Listpack) {
	c := s.cow
	if c == nil || c.upTo.Less(master) {
		return
	}
	if _, ok := c.done[master]; ok {
		return
	}
	c.done[master] = struct{}{}
	b := make(listpack.Listpack, len(*lp), len(*lp)+len(*lp)/8+64)
	copy(b, *lp)
	s.lpCap += int64(cap(b)) - int64(cap(*lp))
	*lp = b
}

// frozen is a point-in-time view of an idMap: its chunks' arrays as they were
// (marked shared, so the map copies a chunk before writing it).
type frozen[V any] struct {
	chunks []chunk[V]
	n      int
}

func (m *idMap[V]) freeze() frozen[V] {
	f := frozen[V]{chunks: make([]chunk[V], len(m.chunks)), n: m.n}
	for i, c := range m.chunks {
		c.shared = true
		f.chunks[i] = chunk[V]{keys: c.keys, vals: c.vals}
	}
	return f
}

func (m *idMap[V]) thaw() {
	for _, c := range m.chunks {
		c.shared = false
	}
}

// GroupsWriter receives the consumer groups of a GroupsSnap in RDB order.
type GroupsWriter interface {
	Group(name string, lastID ID, entriesRead int64, pending int)
	NACK(id ID, deliveryTime int64, deliveryCount uint64)
	Consumers(n int)
	Consumer(name string, seenTime int64, pending int)
	ConsumerPending(id ID)
}

type consumerSnap struct {
	name string
	seen int64
	pel  frozen[struct{}]
}

type groupSnap struct {
	name        string
	lastID      ID
	entriesRead int64
	pel         frozen[NACK]
	consumers   []consumerSnap
}

// GroupsSnap is the consumer groups of a stream as they were at SnapGroups, with
// their pending entries lists: a snapshot writes them a bounded number of entries
// at a time (Next) while the stream keeps changing.
type GroupsSnap struct {
	s      *Stream
	groups []groupSnap
	// Position: group g; phase 0 its header, 1 its PEL, 2 the consumer count,
	// 3 consumer c's header, 4 its PEL; ci, i a position in the PEL's chunks.
	g, phase, c, ci, i int
}

// SnapGroups freezes the groups (O(groups + consumers + PEL chunks), a PEL chunk
// holding up to 128 entries); EndSnap releases them.
func (s *Stream) SnapGroups() *GroupsSnap {
	gs := &GroupsSnap{s: s, groups: make([]groupSnap, len(s.groups))}
	for i, g := range s.groups {
		x := groupSnap{name: g.Name, lastID: g.LastID, entriesRead: g.EntriesRead, pel: g.pel.freeze(),
			consumers: make([]consumerSnap, len(g.consumers))}
		for j, c := range g.consumers {
			x.consumers[j] = consumerSnap{name: c.Name, seen: c.SeenTime, pel: c.pel.freeze()}
		}
		gs.groups[i] = x
	}
	return gs
}

// Len is the number of groups.
func (gs *GroupsSnap) Len() int { return len(gs.groups) }

// Next writes up to about max pending entries' worth of the groups to w and
// reports whether everything has been written.
func (gs *GroupsSnap) Next(max int, w GroupsWriter) bool {
	for max > 0 && gs.g < len(gs.groups) {
		g := &gs.groups[gs.g]
		switch gs.phase {
		case 0:
			w.Group(g.name, g.lastID, g.entriesRead, g.pel.n)
			gs.phase, gs.ci, gs.i = 1, 0, 0
		case 1:
			for max > 0 && gs.ci < len(g.pel.chunks) {
				ch := &g.pel.chunks[gs.ci]
				for ; max > 0 && gs.i < len(ch.keys); gs.i++ {
					n := &ch.vals[gs.i]
					w.NACK(ch.keys[gs.i], n.DeliveryTime, n.DeliveryCount)
					max--
				}
				if gs.i == len(ch.keys) {
					*ch = chunk[NACK]{} // written: its arrays may go
					gs.ci, gs.i = gs.ci+1, 0
				}
			}
			if gs.ci == len(g.pel.chunks) {
				gs.phase = 2
			}
		case 2:
			w.Consumers(len(g.consumers))
			gs.phase, gs.c = 3, 0
		case 3:
			if gs.c == len(g.consumers) {
				gs.groups[gs.g] = groupSnap{}
				gs.g, gs.phase = gs.g+1, 0
				continue
			}
			c := &g.consumers[gs.c]
			w.Consumer(c.name, c.seen, c.pel.n)
			gs.phase, gs.ci, gs.i = 4, 0, 0
			max--
		case 4:
			c := &g.consumers[gs.c]
			for max > 0 && gs.ci < len(c.pel.chunks) {
				ch := &c.pel.chunks[gs.ci]
				for ; max > 0 && gs.i < len(ch.keys); gs.i++ {
					w.ConsumerPending(ch.keys[gs.i])
					max--
				}
				if gs.i == len(ch.keys) {
					*ch = chunk[struct{}]{}
					gs.ci, gs.i = gs.ci+1, 0
				}
			}
			if gs.ci == len(c.pel.chunks) {
				gs.c, gs.phase = gs.c+1, 3
			}
		}
	}
	return gs.g == len(gs.groups)
}
