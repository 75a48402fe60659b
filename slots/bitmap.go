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
	start := -1
	for s := 0; s <= Count; s++ {
		in := s < Count && b.Has(s)
		switch {
		case in && start < 0:
			start = s
		case !in && start >= 0:
			out = append(out, Range{start, s - 1})
			start = -1
		}
	}
	return out
}
