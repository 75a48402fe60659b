package slots

import (
	"math/bits"
	"strconv"
)

// Bitmap is a set of slots, one bit each (2 KiB): the form slot claims travel in, as
// in Redis Cluster's bus messages.
type Bitmap [Count / 64]uint64

// Has reports whether slot is in the set.
func (b *Bitmap) Has(slot int) bool { return b[slot>>6]&(1<<(slot&63)) != 0 }

// Set adds slot.
func (b *Bitmap) Set(slot int) { b[slot>>6] |= 1 << (slot & 63) }

// Clear removes slot.
func (b *Bitmap) Clear(slot int) { b[slot>>6] &^= 1 << (slot & 63) }

// Len returns the number of slots in the set.
func (b *Bitmap) Len() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// Range is an inclusive run of slots.
type Range struct{ Start, End int }

// String formats r as Redis does in CLUSTER NODES: "5" or "0-5460".
func (r Range) String() string {
	if r.Start == r.End {
		return strconv.Itoa(r.Start)
	}
	return strconv.Itoa(r.Start) + "-" + strconv.Itoa(r.End)
}

// Ranges returns the set as ascending runs of consecutive slots.
func (b *Bitmap) Ranges() []Range {
	var out []Range
	for s := 0; ; {
		r, ok := b.nextRange(s)
		if !ok {
			return out
		}
		out = append(out, r)
		s = r.End + 1
	}
}

// nextRange returns the first run of slots at or after from. It looks at a word
// at a time (zeros to skip, then ones to cover), since nodes.conf and CLUSTER
// NODES ask for the runs of every node on every save: bit by bit that was 16384
// steps a node.
func (b *Bitmap) nextRange(from int) (Range, bool) {
	s := from
	for s < Count { // the start: the next set bit
		w := b[s>>6] >> (s & 63)
		if w != 0 {
			s += bits.TrailingZeros64(w)
			break
		}
		s = (s | 63) + 1
	}
	if s >= Count {
		return Range{}, false
	}
	e := s
	for e < Count { // the end: the next clear bit
		w := ^b[e>>6] >> (e & 63)
		if w != 0 {
			e += bits.TrailingZeros64(w)
			break
		}
		e = (e | 63) + 1
	}
	if e > Count {
		e = Count
	}
	return Range{s, e - 1}, true
}

// appendRanges appends " start-end" (or " slot") for each run, as CLUSTER NODES
// lists them.
func (b *Bitmap) appendRanges(dst []byte) []byte {
	for s := 0; ; {
		r, ok := b.nextRange(s)
		if !ok {
			return dst
		}
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, int64(r.Start), 10)
		if r.End != r.Start {
			dst = append(dst, '-')
			dst = strconv.AppendInt(dst, int64(r.End), 10)
		}
		s = r.End + 1
	}
}
