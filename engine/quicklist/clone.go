// clone.go: in-place initialisation (for a Quicklist embedded in a larger value)
// and deep copies (COPY, quicklistDup).

package quicklist

import "unsafe"

// Init makes ql an empty list with the given fill and depth, clamped as in New.
// It lets an owner embed a Quicklist by value (one allocation for the owner and
// the list header) instead of holding the pointer New returns.
func (ql *Quicklist) Init(fill, depth int) {
	*ql = Quicklist{
		fill:     min(max(fill, -5), fillMax),
		depth:    min(max(depth, 0), depthMax),
		viewNode: -1,
	}
}

// CloneInto makes dst a deep copy of ql (Redis's quicklistDup): same settings,
// same nodes, compressed nodes kept compressed. dst shares no memory with ql.
func (ql *Quicklist) CloneInto(dst *Quicklist) {
	dst.Init(ql.fill, ql.depth)
	n := ql.NodeCount()
	if n == 0 {
		return
	}
	back := make([]node, max(8, 2*n))
	lo := (len(back) - n) / 2
	for i := 0; i < n; i++ {
		nd := *ql.node(i)
		nd.data = append([]byte(nil), nd.data...)
		back[lo+i] = nd
		dst.bytes += cap(nd.data)
	}
	dst.back, dst.lo, dst.hi = back, lo, lo+n
	dst.count = ql.count
}

// MemBytes returns the heap bytes the list holds beyond the Quicklist struct: node
// buffers (by capacity), the node array and the scratch buffers. It is O(1).
func (ql *Quicklist) MemBytes() int {
	return ql.bytes + cap(ql.back)*int(unsafe.Sizeof(node{})) +
		cap(ql.viewBuf) + cap(ql.popBuf) + cap(ql.zbuf)
}

// Clone returns a deep copy of ql.
func (ql *Quicklist) Clone() *Quicklist {
	c := new(Quicklist)
	ql.CloneInto(c)
	return c
}
