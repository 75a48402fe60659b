// nodes.go: whole-stream operations over the node listpacks: copying, the
// radix-tree statistics XINFO reports, and the node-level access persistence
// needs (RDB_TYPE_STREAM_LISTPACKS_2 stores exactly these listpacks, keyed by
// their master IDs in 128-bit big-endian form).

package stream

import (
	"errors"
	"fmt"

	"github.com/keygrid/keygrid/engine/listpack"
)

// Clone returns a deep copy of s: nodes, metadata, groups, consumers and PELs.
func (s *Stream) Clone() *Stream {
	out := &Stream{
		length:       s.length,
		LastID:       s.LastID,
		FirstID:      s.FirstID,
		MaxDeletedID: s.MaxDeletedID,
		EntriesAdded: s.EntriesAdded,
	}
	out.nodes = s.nodes.clone(func(lp listpack.Listpack) listpack.Listpack {
		lp = lp.Clone()
		out.lpCap += int64(cap(lp))
		return lp
	})
	for _, g := range s.groups {
		ng := &Group{Name: g.Name, LastID: g.LastID, EntriesRead: g.EntriesRead}
		remap := make(map[*Consumer]*Consumer, len(g.consumers))
		for _, c := range g.consumers {
			nc := &Consumer{Name: c.Name, SeenTime: c.SeenTime}
			ng.nameBytes += len(c.Name)
			nc.pel = c.pel.clone(func(v struct{}) struct{} { return v })
			remap[c] = nc
			ng.consumers = append(ng.consumers, nc)
		}
		ng.pel = g.pel.clone(func(n NACK) NACK {
			n.Consumer = remap[n.Consumer]
			return n
		})
		out.groups = append(out.groups, ng)
	}
	return out
}

// RaxNodes is the number of nodes Redis's radix tree would have for this
// stream's node keys (XINFO STREAM radix-tree-nodes). A rax keeps a compressed
// trie in which a node exists at the root, at every key, at every prefix where
// keys branch, and at every child of such a branching prefix; its structure
// depends only on the set of keys, so the count can be derived from them.
func (s *Stream) RaxNodes() int {
	return raxNodeCount(s.nodes.Len(), func(fn func(k [16]byte)) {
		s.nodes.All(func(id ID, _ *listpack.Listpack) bool {
			fn(id.Key())
			return true
		})
	})
}

// RaxNodes is the node count of Redis's radix tree for the group's PEL (MEMORY
// USAGE).
func (g *Group) RaxNodes() int {
	return raxNodeCount(g.pel.Len(), func(fn func(k [16]byte)) {
		g.pel.All(func(id ID, _ *NACK) bool {
			fn(id.Key())
			return true
		})
	})
}

// RaxNodes is the node count of Redis's radix tree for the consumer's PEL.
func (c *Consumer) RaxNodes() int {
	return raxNodeCount(c.pel.Len(), func(fn func(k [16]byte)) {
		c.pel.All(func(id ID, _ *struct{}) bool {
			fn(id.Key())
			return true
		})
	})
}

// raxNodeCount counts the nodes of a rax holding n sorted 16-byte keys.
func raxNodeCount(n int, keys func(func([16]byte))) int {
	if n == 0 {
		return 1 // the empty root
	}
	type prefix struct {
		n int
		b [16]byte
	}
	nodes := make(map[prefix]struct{}, 2*n)
	var prev [16]byte
	first := true
	add := func(k [16]byte, l int) {
		p := prefix{n: l}
		copy(p.b[:l], k[:l])
		nodes[p] = struct{}{}
	}
	keys(func(k [16]byte) {
		add(k, 16) // the key itself
		if !first {
			l := 0
			for l < 16 && prev[l] == k[l] {
				l++
			}
			add(k, l)      // where prev and k branch
			add(prev, l+1) // and the two children there
			add(k, l+1)
		}
		prev, first = k, false
	})
	add(prev, 0) // the root
	return len(nodes)
}

// Nodes calls fn with each node's master ID and listpack, in ID order, until
// fn returns false. The listpack must not be modified or kept past a change of
// the stream.
func (s *Stream) Nodes(fn func(master ID, lp listpack.Listpack) bool) {
	s.nodes.All(func(id ID, lp *listpack.Listpack) bool { return fn(id, *lp) })
}

// NodeBytes calls fn with the size and capacity of up to max nodes from the
// first (max <= 0: all), then, if it stopped early, of the last node; last is
// true for the stream's last node. It returns the number of nodes (for MEMORY
// USAGE's sampling).
func (s *Stream) NodeBytes(max int, fn func(size, capacity int, last bool)) int {
	n := s.nodes.Len()
	i := 0
	s.nodes.All(func(_ ID, lp *listpack.Listpack) bool {
		if max > 0 && i >= max {
			return false
		}
		i++
		fn(len(*lp), cap(*lp), i == n)
		return true
	})
	if i < n {
		last := s.nodes.Last()
		lp := last.Val()
		fn(len(*lp), cap(*lp), true)
	}
	return n
}

// ErrCorrupt reports a node that is not a valid stream listpack.
var ErrCorrupt = errors.New("stream: corrupt node listpack")

// AddNode appends a node read from an RDB file or a DUMP payload: master is
// its key, lp its listpack, which is validated first (with deep, every entry,
// as Redis's streamValidateListpackIntegrity does under
// sanitize-dump-payload). Nodes must come in increasing master order. The
// stream's length grows by the node's live-entry count; the caller then sets
// LastID, FirstID, MaxDeletedID and EntriesAdded and checks Len against the
// length the file recorded.
func (s *Stream) AddNode(master ID, lp []byte, deep bool) error {
	if err := ValidateNode(lp, deep); err != nil {
		return err
	}
	l := listpack.Listpack(lp)
	if l.First() < 0 {
		return fmt.Errorf("%w: empty listpack inside stream", ErrCorrupt)
	}
	if s.nodes.Len() > 0 {
		if last := s.nodes.Last(); !last.Key().Less(master) {
			return fmt.Errorf("%w: node %v not after %v", ErrCorrupt, master, last.Key())
		}
	}
	s.nodes.Set(master, l)
	s.lpCap += int64(cap(l))
	s.length += uint64(getInt(l, l.First()))
	return nil
}

// ValidateNode checks that b is a listpack in the stream node layout
// (streamValidateListpackIntegrity). Without deep only the listpack header is
// checked.
func ValidateNode(b []byte, deep bool) error {
	if err := listpack.Validate(b, false); err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if !deep {
		return nil
	}
	if err := listpack.Validate(b, true); err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	lp := listpack.Listpack(b)
	p := lp.First()
	next := func() error {
		if p < 0 {
			return fmt.Errorf("%w: truncated entry", ErrCorrupt)
		}
		p = lp.Next(p)
		return nil
	}
	readInt := func() (int64, error) {
		if p < 0 {
			return 0, fmt.Errorf("%w: truncated entry", ErrCorrupt)
		}
		e := lp.Get(p)
		v, ok := e.Int, e.IsInt
		if !ok {
			v, ok = parseLL(e.Str)
		}
		if !ok {
			return 0, fmt.Errorf("%w: integer expected", ErrCorrupt)
		}
		return v, next()
	}
	count, err := readInt()
	if err != nil {
		return err
	}
	deleted, err := readInt()
	if err != nil {
		return err
	}
	masterFields, err := readInt()
	if err != nil {
		return err
	}
	for j := int64(0); j < masterFields; j++ {
		if err := next(); err != nil {
			return err
		}
	}
	if zero, err := readInt(); err != nil || zero != 0 {
		return fmt.Errorf("%w: master entry terminator", ErrCorrupt)
	}
	for n := count + deleted; n > 0; n-- {
		flags, err := readInt()
		if err != nil {
			return err
		}
		if _, err := readInt(); err != nil {
			return err
		}
		if _, err := readInt(); err != nil {
			return err
		}
		fields, extra := masterFields, int64(3)
		if flags&flagSameFields == 0 {
			if fields, err = readInt(); err != nil {
				return err
			}
			for j := int64(0); j < fields; j++ {
				if err := next(); err != nil {
					return err
				}
			}
			extra += fields + 1
		}
		for j := int64(0); j < fields; j++ {
			if err := next(); err != nil {
				return err
			}
		}
		lpCount, err := readInt()
		if err != nil {
			return err
		}
		if lpCount != fields+extra {
			return fmt.Errorf("%w: lp-count mismatch", ErrCorrupt)
		}
	}
	if p >= 0 {
		return fmt.Errorf("%w: trailing elements", ErrCorrupt)
	}
	return nil
}

// SetLength overrides the live-entry count; for loaders only (see AddNode).
func (s *Stream) SetLength(n uint64) { s.length = n }

// LoadPending adds a pending entry read from a file to g, without an owner
// yet; it reports false if id was already pending (a duplicate in the file).
func (g *Group) LoadPending(id ID, deliveryTime int64, deliveryCount uint64) bool {
	if g.pel.Has(id) {
		return false
	}
	g.pel.Set(id, NACK{DeliveryTime: deliveryTime, DeliveryCount: deliveryCount})
	return true
}

// LoadConsumerPending makes c the owner of the pending id read from a file; it
// reports false if id is not in the group's PEL or already has an owner.
func (g *Group) LoadConsumerPending(c *Consumer, id ID) bool {
	n := g.pel.Get(id)
	if n == nil || n.Consumer != nil {
		return false
	}
	n.Consumer = c
	c.pel.Set(id, struct{}{})
	return true
}

// Orphans reports whether a pending entry has no owner (after loading, a file
// whose consumers did not claim every pending entry is corrupt).
func (g *Group) Orphans() bool {
	orphan := false
	g.pel.All(func(_ ID, n *NACK) bool {
		orphan = n.Consumer == nil
		return !orphan
	})
	return orphan
}

// PendingAll calls fn for every pending entry of g in ID order until fn
// returns false (RDB writing).
func (g *Group) PendingAll(fn func(id ID, n *NACK) bool) { g.pel.All(fn) }

// Per-item heap estimates for HeapBytes (64-bit).
const (
	streamStructBytes = 160              // Stream, with its idMap header
	nodeSlotBytes     = 16 + 24 + 2      // master ID, listpack slice header, chunk overhead share
	groupBytes        = 160              // Group struct, its slice and idMap headers
	consumerBytes     = 96               // Consumer struct, its pointer in the group, idMap header
	pendingBytes      = 16 + 24 + 16 + 2 // group PEL slot (ID + NACK), consumer PEL slot, overheads
)

// HeapBytes estimates the heap the stream holds (for maxmemory accounting): the
// node listpacks' capacity, the node index, and per group its pending entries and
// consumers. O(number of groups).
func (s *Stream) HeapBytes() int64 {
	n := int64(streamStructBytes) + s.lpCap + int64(s.nodes.Len())*nodeSlotBytes
	for _, g := range s.groups {
		n += groupBytes + int64(len(g.Name)) + int64(g.pel.Len())*pendingBytes +
			int64(len(g.consumers))*consumerBytes + int64(g.nameBytes)
	}
	return n
}
