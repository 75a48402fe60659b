// group.go: consumer groups, consumers and pending entries lists (PELs), and
// the read counters behind XINFO's entries-read and lag (Redis 7.0).

package stream

import (
	"slices"
	"strings"
)

// InvalidEntriesRead marks a group whose entries-read counter is unknown
// (SCG_INVALID_ENTRIES_READ).
const InvalidEntriesRead = -1

// NACK is a pending entry: delivered to a consumer, not yet acknowledged.
type NACK struct {
	DeliveryTime  int64  // unix ms of the last delivery
	DeliveryCount uint64 // deliveries so far
	Consumer      *Consumer
}

// Consumer is a consumer of a group, with its own list of pending IDs (their
// NACKs live in the group's PEL).
type Consumer struct {
	Name     string
	SeenTime int64 // unix ms of the last command that named this consumer
	pel      idMap[struct{}]
}

// PendingLen is the number of entries pending for this consumer.
func (c *Consumer) PendingLen() int { return c.pel.Len() }

// Pending calls fn for the consumer's pending IDs >= start in order, until fn
// returns false.
func (c *Consumer) Pending(start ID, fn func(id ID) bool) {
	for cur := c.pel.SeekGE(start); cur.Valid(); cur.Next() {
		if !fn(cur.Key()) {
			return
		}
	}
}

// Group is a consumer group.
type Group struct {
	Name string
	// LastID is the last ID delivered to the group.
	LastID ID
	// EntriesRead is the group's logical read counter, or InvalidEntriesRead.
	EntriesRead int64
	pel         idMap[NACK]
	consumers   []*Consumer // sorted by name
	nameBytes   int         // total length of the consumers' names (HeapBytes)
}

// PendingLen is the number of entries in the group's PEL.
func (g *Group) PendingLen() int { return g.pel.Len() }

// Pending returns the NACK of id, or nil; the pointer is valid until the PEL
// next changes.
func (g *Group) Pending(id ID) *NACK { return g.pel.Get(id) }

// PendingBounds returns the smallest and largest pending IDs; ok is false when
// nothing is pending.
func (g *Group) PendingBounds() (first, last ID, ok bool) {
	if g.pel.Len() == 0 {
		return ID{}, ID{}, false
	}
	f, l := g.pel.First(), g.pel.Last()
	return f.Key(), l.Key(), true
}

// PELCursor walks a group's PEL in ID order.
type PELCursor struct {
	g *Group
	c cursor[NACK]
}

// SeekPending returns a cursor at the first pending ID >= start.
func (g *Group) SeekPending(start ID) PELCursor { return PELCursor{g, g.pel.SeekGE(start)} }

// Valid reports whether the cursor is at an entry.
func (pc *PELCursor) Valid() bool { return pc.c.Valid() }

// ID is the current entry's ID.
func (pc *PELCursor) ID() ID { return pc.c.Key() }

// NACK is the current entry; valid until the PEL changes other than through
// this cursor's Remove.
func (pc *PELCursor) NACK() *NACK { return pc.c.Val() }

// Next moves to the next entry.
func (pc *PELCursor) Next() { pc.c.Next() }

// Remove deletes the current entry from the group's and its consumer's PEL
// and moves to the next entry.
func (pc *PELCursor) Remove() {
	if n := pc.c.Val(); n.Consumer != nil {
		n.Consumer.pel.Delete(pc.c.Key())
	}
	pc.c.Delete()
}

// Consumers returns the consumers in name order. Do not modify the slice.
func (g *Group) Consumers() []*Consumer { return g.consumers }

func (g *Group) findConsumer(name string) (int, bool) {
	return slices.BinarySearchFunc(g.consumers, name, func(c *Consumer, n string) int {
		return strings.Compare(c.Name, n)
	})
}

// Consumer returns the consumer called name, or nil.
func (g *Group) Consumer(name []byte) *Consumer {
	if i, ok := g.findConsumer(string(name)); ok {
		return g.consumers[i]
	}
	return nil
}

// CreateConsumer adds a consumer seen at now; it returns nil if one with that
// name exists.
func (g *Group) CreateConsumer(name []byte, now int64) *Consumer {
	i, ok := g.findConsumer(string(name))
	if ok {
		return nil
	}
	c := &Consumer{Name: string(name), SeenTime: now}
	g.consumers = slices.Insert(g.consumers, i, c)
	g.nameBytes += len(name)
	return c
}

// DeleteConsumer removes c and its pending entries from the group, returning
// how many were pending (XGROUP DELCONSUMER).
func (g *Group) DeleteConsumer(c *Consumer) int {
	n := c.pel.Len()
	c.pel.All(func(id ID, _ *struct{}) bool {
		g.pel.Delete(id)
		return true
	})
	if i, ok := g.findConsumer(c.Name); ok && g.consumers[i] == c {
		g.consumers = slices.Delete(g.consumers, i, i+1)
		g.nameBytes -= len(c.Name)
	}
	return n
}

// Deliver records that id was delivered to c at now (XREADGROUP without
// NOACK): a new pending entry with one delivery, or, when id was pending
// already (XGROUP SETID moved the group back), the entry moved to c with its
// delivery count reset to 1. The NACK is valid until the PEL changes.
func (g *Group) Deliver(id ID, c *Consumer, now int64) *NACK {
	if n := g.pel.Get(id); n != nil {
		if n.Consumer != nil {
			n.Consumer.pel.Delete(id)
		}
		n.Consumer = c
		n.DeliveryTime = now
		n.DeliveryCount = 1
		c.pel.Set(id, struct{}{})
		return n
	}
	g.pel.Set(id, NACK{DeliveryTime: now, DeliveryCount: 1, Consumer: c})
	c.pel.Set(id, struct{}{})
	return g.pel.Get(id)
}

// Ack removes id from the PEL, reporting whether it was pending.
func (g *Group) Ack(id ID) bool {
	n, ok := g.pel.Delete(id)
	if ok && n.Consumer != nil {
		n.Consumer.pel.Delete(id)
	}
	return ok
}

// AddOrphan creates a pending entry for id with no consumer, delivered at now
// with one delivery (XCLAIM FORCE), to be given an owner with SetOwner.
func (g *Group) AddOrphan(id ID, now int64) *NACK {
	g.pel.Set(id, NACK{DeliveryTime: now, DeliveryCount: 1})
	return g.pel.Get(id)
}

// SetOwner makes c the owner of the pending entry n of id.
func (g *Group) SetOwner(id ID, n *NACK, c *Consumer) {
	if n.Consumer == c {
		return
	}
	if n.Consumer != nil {
		n.Consumer.pel.Delete(id)
	}
	c.pel.Set(id, struct{}{})
	n.Consumer = c
}

// --- groups of a stream ------------------------------------------------------------

func (s *Stream) findGroup(name string) (int, bool) {
	return slices.BinarySearchFunc(s.groups, name, func(g *Group, n string) int {
		return strings.Compare(g.Name, n)
	})
}

// Groups returns the consumer groups in name order. Do not modify the slice.
func (s *Stream) Groups() []*Group { return s.groups }

// Group returns the group called name, or nil.
func (s *Stream) Group(name []byte) *Group {
	if i, ok := s.findGroup(string(name)); ok {
		return s.groups[i]
	}
	return nil
}

// CreateGroup adds a group whose last delivered ID is last; it returns nil if
// one with that name exists.
func (s *Stream) CreateGroup(name []byte, last ID, entriesRead int64) *Group {
	i, ok := s.findGroup(string(name))
	if ok {
		return nil
	}
	g := &Group{Name: string(name), LastID: last, EntriesRead: entriesRead}
	s.groups = slices.Insert(s.groups, i, g)
	return g
}

// DestroyGroup removes the group called name, reporting whether it existed.
func (s *Stream) DestroyGroup(name []byte) bool {
	i, ok := s.findGroup(string(name))
	if ok {
		s.groups = slices.Delete(s.groups, i, i+1)
	}
	return ok
}

// --- read counters -----------------------------------------------------------------

// hasTombstonesFrom reports whether [start, +inf) may contain a tombstone
// (streamRangeHasTombstones with no end).
func (s *Stream) hasTombstonesFrom(start ID) bool {
	if s.length == 0 || s.MaxDeletedID.IsZero() {
		return false
	}
	if s.MaxDeletedID.Less(s.FirstID) {
		return false
	}
	return !s.MaxDeletedID.Less(start)
}

// EstimateEntriesRead returns the logical read counter of id, its distance
// from the first entry ever added, or InvalidEntriesRead when it cannot be
// known (streamEstimateDistanceFromFirstEverEntry).
func (s *Stream) EstimateEntriesRead(id ID) int64 {
	if s.EntriesAdded == 0 {
		return 0
	}
	if s.length == 0 && id.Cmp(s.LastID) < 1 {
		return int64(s.EntriesAdded)
	}
	switch c := id.Cmp(s.LastID); {
	case c == 0:
		return int64(s.EntriesAdded)
	case c > 0:
		return InvalidEntriesRead
	}
	if s.MaxDeletedID.IsZero() || s.MaxDeletedID.Less(s.FirstID) {
		switch id.Cmp(s.FirstID) {
		case -1:
			return int64(s.EntriesAdded - s.length)
		case 0:
			return int64(s.EntriesAdded - s.length + 1)
		}
	}
	return InvalidEntriesRead
}

// Lag is the number of entries not yet delivered to g; ok is false when it
// cannot be known (XINFO replies null).
func (s *Stream) Lag(g *Group) (lag int64, ok bool) {
	if s.EntriesAdded == 0 {
		return 0, true
	}
	if g.EntriesRead != InvalidEntriesRead && !s.hasTombstonesFrom(g.LastID) {
		return int64(s.EntriesAdded) - g.EntriesRead, true
	}
	if read := s.EstimateEntriesRead(g.LastID); read != InvalidEntriesRead {
		return int64(s.EntriesAdded) - read, true
	}
	return 0, false
}

// Advance moves g's last delivered ID to id if id is past it, keeping the read
// counter (as XREADGROUP does for each entry it delivers); it reports whether
// the group moved.
func (s *Stream) Advance(g *Group, id ID) bool {
	if !g.LastID.Less(id) {
		return false
	}
	if g.EntriesRead != InvalidEntriesRead && !s.hasTombstonesFrom(id) {
		g.EntriesRead++
	} else if s.EntriesAdded != 0 {
		g.EntriesRead = s.EstimateEntriesRead(id)
	}
	g.LastID = id
	return true
}
