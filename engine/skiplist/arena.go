package skiplist

import (
	"encoding/binary"
)

// The member arena: members are appended to byte chunks as records
//
//	<node id: 4 bytes LE> <length: uvarint> <member bytes>
//
// and a node refers to its record by chunk<<32 | offset. Deleting a member only
// counts its record as dead; a chunk that is more than half dead is compacted by
// moving its live records to the current chunk (the node id in each record says
// whose reference to fix, and a record is live when that node still points at it).
// So deletes cost amortised O(record size) and memory stays within about twice the
// live bytes, without the per-member allocations (and GC pointers) of one []byte or
// string per member.
const (
	arenaFirstChunk = 256               // bytes of the first regular chunk
	arenaMaxChunk   = 64 << 10          // regular chunks stop growing here
	arenaSoloRecord = arenaMaxChunk / 8 // larger records get a chunk of their own
)

type achunk struct {
	b    []byte // records; len is the bytes used, cap the chunk's size
	dead int    // bytes of records no node refers to any more
}

type arena struct {
	chunks []achunk
	free   []int32 // released chunk slots
	cur    int32   // chunk receiving new records, -1 when none
	next   int     // size of the next regular chunk
	bytes  int     // capacity of all chunks
}

func newArena() arena { return arena{cur: -1, next: arenaFirstChunk} }

func uvarintLen(n int) int {
	l := 1
	for n >= 0x80 {
		n >>= 7
		l++
	}
	return l
}

// recordLen is the size of the record for a member of n bytes.
func recordLen(n int) int { return 4 + uvarintLen(n) + n }

// newChunk makes a chunk of the given capacity and returns its slot.
func (a *arena) newChunk(size int) int32 {
	c := achunk{b: make([]byte, 0, size)}
	a.bytes += size
	if n := len(a.free); n > 0 {
		ci := a.free[n-1]
		a.free = a.free[:n-1]
		a.chunks[ci] = c
		return ci
	}
	a.chunks = append(a.chunks, c)
	return int32(len(a.chunks) - 1)
}

// put stores member as the record of node id and returns its reference.
func (a *arena) put(member []byte, id int32) uint64 {
	rl := recordLen(len(member))
	var ci int32
	if rl > arenaSoloRecord {
		ci = a.newChunk(rl)
	} else {
		if a.cur < 0 || cap(a.chunks[a.cur].b)-len(a.chunks[a.cur].b) < rl {
			a.cur = a.newChunk(a.next)
			if a.next < arenaMaxChunk {
				a.next *= 2
			}
		}
		ci = a.cur
	}
	c := &a.chunks[ci]
	off := len(c.b)
	c.b = binary.LittleEndian.AppendUint32(c.b, uint32(id))
	c.b = binary.AppendUvarint(c.b, uint64(len(member)))
	c.b = append(c.b, member...)
	return uint64(ci)<<32 | uint64(off)
}

// get returns the member bytes of a record (a view, valid until the next mutation).
func (a *arena) get(ref uint64) []byte {
	b := a.chunks[ref>>32].b
	p := int(uint32(ref)) + 4
	n := int(b[p])
	if n < 0x80 {
		p++
	} else {
		v, w := binary.Uvarint(b[p:])
		n, p = int(v), p+w
	}
	return b[p : p+n : p+n]
}

// release marks the record at ref dead. It returns the slot of a chunk that should
// now be compacted, or -1. Chunks left with no live record are recycled at once.
func (a *arena) release(ref uint64) int32 {
	ci := int32(ref >> 32)
	c := &a.chunks[ci]
	p := int(uint32(ref)) + 4
	v, w := binary.Uvarint(c.b[p:])
	c.dead += 4 + w + int(v)
	switch {
	case c.dead == len(c.b):
		if ci == a.cur {
			c.b, c.dead = c.b[:0], 0 // reuse the current chunk from its start
		} else {
			a.drop(ci)
		}
	case ci != a.cur && c.dead*2 > len(c.b):
		return ci
	}
	return -1
}

// drop releases chunk ci.
func (a *arena) drop(ci int32) {
	a.bytes -= cap(a.chunks[ci].b)
	a.chunks[ci] = achunk{}
	a.free = append(a.free, ci)
}

// records calls fn for each record of chunk ci with its node id and reference.
func (a *arena) records(ci int32, fn func(id int32, ref uint64, member []byte)) {
	b := a.chunks[ci].b
	for off := 0; off < len(b); {
		id := int32(binary.LittleEndian.Uint32(b[off:]))
		v, w := binary.Uvarint(b[off+4:])
		start := off + 4 + w
		end := start + int(v)
		fn(id, uint64(ci)<<32|uint64(off), b[start:end:end])
		off = end
	}
}
