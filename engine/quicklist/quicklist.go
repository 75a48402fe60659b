// quicklist.go: the Quicklist type, its settings, node storage (a slice with free
// room at both ends), the fill rules and the compression of inner nodes.

package quicklist

import (
	"iter"
	"strconv"

	"github.com/keygrid/keygrid/engine/listpack"
	"github.com/keygrid/keygrid/engine/lzf"
)

const (
	// sizeSafetyLimit caps a node under a count-based fill (SIZE_SAFETY_LIMIT).
	sizeSafetyLimit = 8192
	// sizeEstimateOverhead is added to an element's length when estimating the
	// node size after an insert (SIZE_ESTIMATE_OVERHEAD).
	sizeEstimateOverhead = 8
	// minCompressBytes: smaller nodes are not worth compressing (MIN_COMPRESS_BYTES).
	minCompressBytes = 48
	// minCompressImprove: compression must save more than this (MIN_COMPRESS_IMPROVE).
	minCompressImprove = 8

	fillMax  = 1<<15 - 1 // Redis keeps fill in a 16-bit signed field
	depthMax = 1<<16 - 1 // and the depth in 16 bits
)

// sizeLimits are the byte limits of fill -1..-5 (optimization_level).
var sizeLimits = [...]int{4096, 8192, 16384, 32768, 65536}

// defaultPackedThreshold is Redis's packed_threshold default: 1 GiB.
const defaultPackedThreshold = 1 << 30

// packedThreshold: an element of at least this many bytes is "large" and gets a
// node of its own that nothing joins (Redis 7.0's PLAIN nodes; here a one-element
// listpack flagged large). Like Redis's it is process-wide and changed only by DEBUG
// QUICKLIST-PACKED-THRESHOLD, from the event loop, for tests.
var packedThreshold = defaultPackedThreshold

// SetPackedThreshold sets the large-element threshold (quicklistSetPackedThreshold):
// 0 restores the default; values from 4 GiB - 1 MiB up are refused (false).
func SetPackedThreshold(sz uint64) bool {
	if sz > 1<<32-1<<20 {
		return false
	}
	if sz == 0 {
		sz = defaultPackedThreshold
	}
	packedThreshold = int(sz)
	return true
}

// isLarge is isLargeElement.
func isLarge(sz int) bool { return sz >= packedThreshold }

// node is one listpack. Ends are never compressed when depth > 0; any node may be
// compressed otherwise, so every read goes through Quicklist.view.
type node struct {
	data  []byte // the listpack, or its LZF compression when compressed
	size  uint32 // the listpack's size in bytes (uncompressed)
	count uint32 // elements
	// compressed: data holds LZF; incompressible: compression was tried on the
	// current contents and did not pay, so it is not retried until they change.
	compressed, incompressible bool
	// large: the node holds one large element (isLarge when it was stored): no
	// other element is inserted into it nor merged with it.
	large bool
	// plainLZF: a large node Redis would hold LZF-compressed. Redis compresses a
	// PLAIN node's element, not a listpack, so whether that pays is decided on
	// the element; data stays the (uncompressed) listpack, and the element's LZF
	// is made when the node is serialized.
	plainLZF bool
	// shared: a snapshot holds data (SnapNodes); open copies it before a change.
	shared bool
}

// Quicklist is a list of byte strings stored in listpack nodes. The zero value is
// not usable; call New.
type Quicklist struct {
	back   []node // node storage; the list's nodes are back[lo:hi]
	lo, hi int
	count  int // elements
	fill   int
	depth  int

	added    int    // nodes inserted since the last settle
	viewNode int    // node whose decompressed listpack is in viewBuf, or -1
	viewBuf  []byte // decompressed listpack of a compressed node, for reads
	popBuf   []byte // the last popped string
	zbuf     []byte // compression output scratch
	// bytes is the capacity of every node's data buffer, kept as they change so
	// MemBytes is O(1) (memory accounting measures a list after each write).
	bytes int
}

// New returns an empty list with the given fill (list-max-listpack-size) and
// compression depth (list-compress-depth). Values out of range are clamped as
// Redis clamps them: fill to [-5, 32767], depth to [0, 65535].
func New(fill, depth int) *Quicklist {
	fill = min(max(fill, -5), fillMax)
	depth = min(max(depth, 0), depthMax)
	return &Quicklist{fill: fill, depth: depth, viewNode: -1}
}

// Len returns the number of elements.
func (ql *Quicklist) Len() int { return ql.count }

// NodeCount returns the number of listpack nodes.
func (ql *Quicklist) NodeCount() int { return ql.hi - ql.lo }

// Fill returns the fill setting, after clamping.
func (ql *Quicklist) Fill() int { return ql.fill }

// CompressDepth returns the compression depth, after clamping.
func (ql *Quicklist) CompressDepth() int { return ql.depth }

// Node describes one node for serialization: RDB_TYPE_LIST_QUICKLIST_2 stores
// each node as its container (PACKED, or PLAIN for a large element's node), then
// its bytes (Compressed false) or an LZF blob of Size bytes uncompressed
// (Compressed true), exactly these bytes.
type Node struct {
	Data       []byte // the listpack, or a PLAIN node's element, or its LZF compression; do not modify
	Compressed bool
	Plain      bool // a large element's node: Data is the element, as Redis's PLAIN node holds it
	Size       int  // the listpack's (or the element's) size, uncompressed
	Count      int  // elements in the node
}

// export describes n as Node does.
func (n *node) export() Node {
	if !n.large {
		return Node{Data: n.data, Compressed: n.compressed, Size: int(n.size), Count: int(n.count)}
	}
	lp := listpack.Listpack(n.data)
	elem := lp.Get(lp.First()).AppendTo(nil)
	if n.plainLZF {
		if c := lzf.CompressLimit(make([]byte, len(elem)), elem, len(elem)); c != nil {
			return Node{Data: c, Compressed: true, Plain: true, Size: len(elem), Count: 1}
		}
	}
	return Node{Data: elem, Plain: true, Size: len(elem), Count: 1}
}

// Nodes yields the nodes from head to tail. The list must not change during the
// iteration.
func (ql *Quicklist) Nodes() iter.Seq[Node] {
	return func(yield func(Node) bool) {
		for i := ql.lo; i < ql.hi; i++ {
			if !yield(ql.back[i].export()) {
				return
			}
		}
	}
}

// AppendPlain adds elem as a new tail node of its own, large whatever its size,
// as RDB loading does with a PLAIN node (quicklistAppendPlainNode). elem must not
// be empty.
func (ql *Quicklist) AppendPlain(elem []byte) {
	ql.viewNode = -1
	nd := singleNode(elem)
	nd.large = true
	ql.insertNode(ql.NodeCount(), nd)
	ql.count++
	ql.settle(0, 0)
}

// AppendListpack adds lp as a new tail node, taking ownership of it, as RDB
// loading does (quicklistAppendListpack): the node keeps its size whatever the
// fill. lp must be valid (listpack.Validate deep); an empty one is skipped.
func (ql *Quicklist) AppendListpack(lp listpack.Listpack) {
	n := lp.Len()
	if n == 0 {
		return
	}
	ql.viewNode = -1
	ql.insertNode(ql.NodeCount(), node{data: lp, size: uint32(len(lp)), count: uint32(n)})
	ql.count += n
	ql.settle(0, 0)
}

// --- node storage ---

func (ql *Quicklist) node(i int) *node { return &ql.back[ql.lo+i] }

// insertNode makes nd the i-th node, moving the nodes on the side with room.
func (ql *Quicklist) insertNode(i int, nd node) {
	ql.viewNode = -1 // node indexes shift
	n := ql.hi - ql.lo
	switch {
	case ql.lo > 0 && (i < n/2 || ql.hi == len(ql.back)):
		copy(ql.back[ql.lo-1:], ql.back[ql.lo:ql.lo+i])
		ql.lo--
	case ql.hi < len(ql.back):
		copy(ql.back[ql.lo+i+1:ql.hi+1], ql.back[ql.lo+i:ql.hi])
		ql.hi++
	default:
		// Grow, keeping the list centred so both ends have room.
		size := max(8, 2*n)
		back := make([]node, size)
		lo := (size - n - 1) / 2
		copy(back[lo:], ql.back[ql.lo:ql.lo+i])
		copy(back[lo+i+1:], ql.back[ql.lo+i:ql.hi])
		ql.back, ql.lo, ql.hi = back, lo, lo+n+1
	}
	ql.back[ql.lo+i] = nd
	ql.bytes += cap(nd.data)
	ql.added++
}

// removeNode drops the i-th node, moving the nodes on the shorter side.
func (ql *Quicklist) removeNode(i int) {
	ql.viewNode = -1 // node indexes shift
	ql.bytes -= cap(ql.back[ql.lo+i].data)
	n := ql.hi - ql.lo
	if i < n/2 {
		copy(ql.back[ql.lo+1:], ql.back[ql.lo:ql.lo+i])
		ql.back[ql.lo] = node{} // release the listpack
		ql.lo++
	} else {
		copy(ql.back[ql.lo+i:], ql.back[ql.lo+i+1:ql.hi])
		ql.hi--
		ql.back[ql.hi] = node{}
	}
	if ql.lo == ql.hi {
		ql.lo, ql.hi = len(ql.back)/2, len(ql.back)/2
	}
	// A much smaller list gives back its node storage.
	if len(ql.back) > 64 && (ql.hi-ql.lo)*4 < len(ql.back) {
		n := ql.hi - ql.lo
		back := make([]node, max(8, 2*n))
		lo := (len(back) - n) / 2
		copy(back[lo:], ql.back[ql.lo:ql.hi])
		ql.back, ql.lo, ql.hi = back, lo, lo+n
	}
}

// --- fill rules ---

// sizeOK reports whether a node of sz bytes (an estimate) and count elements
// respects the fill: the byte limit of a negative fill, or for a positive fill
// the count and the 8 KiB safety limit.
func (ql *Quicklist) sizeOK(sz, count int) bool {
	if ql.fill < 0 {
		return sz <= sizeLimits[-ql.fill-1]
	}
	return sz <= sizeSafetyLimit && count <= ql.fill
}

// allowInsert is _quicklistNodeAllowInsert: may an element of sz bytes join nd?
func (ql *Quicklist) allowInsert(nd *node, sz int) bool {
	if nd.large || isLarge(sz) {
		return false
	}
	return ql.sizeOK(int(nd.size)+sz+sizeEstimateOverhead, int(nd.count)+1)
}

// allowMerge is _quicklistNodeAllowMerge. The "-11" is Redis's estimate of one
// header and terminator saved (kept from ziplist days; it decides merges).
func (ql *Quicklist) allowMerge(a, b *node) bool {
	if a.large || b.large {
		return false
	}
	return ql.sizeOK(int(a.size)+int(b.size)-11, int(a.count+b.count))
}

// --- reading and opening nodes ---

// view returns the i-th node's listpack for reading: the node's own bytes, or a
// decompressed copy in viewBuf (valid until the next call that decompresses).
func (ql *Quicklist) view(i int) listpack.Listpack {
	nd := ql.node(i)
	if !nd.compressed {
		return nd.data
	}
	if ql.viewNode == i {
		return ql.viewBuf
	}
	b, err := lzf.Decompress(ql.viewBuf[:0], nd.data, int(nd.size))
	if err != nil {
		panic("quicklist: compressed node does not decompress: " + err.Error())
	}
	ql.viewBuf, ql.viewNode = b, i
	return b
}

// open returns the i-th node ready to change: decompressed into a buffer of its
// own, and marked as worth compressing again.
func (ql *Quicklist) open(i int) *node {
	nd := ql.node(i)
	if nd.compressed {
		b, err := lzf.Decompress(nil, nd.data, int(nd.size))
		if err != nil {
			panic("quicklist: compressed node does not decompress: " + err.Error())
		}
		ql.bytes += cap(b) - cap(nd.data)
		nd.data, nd.compressed = b, false
	} else if nd.shared {
		// A snapshot still has to write these bytes: change a copy.
		b := append(make([]byte, 0, len(nd.data)+len(nd.data)/8+16), nd.data...)
		ql.bytes += cap(b) - cap(nd.data)
		nd.data = b
	}
	nd.shared = false
	nd.incompressible = false
	nd.plainLZF = false
	ql.viewNode = -1
	return nd
}

// store saves lp as the (open) i-th node's contents.
func (ql *Quicklist) store(nd *node, lp listpack.Listpack, count int) {
	ql.bytes += cap(lp) - cap(nd.data)
	nd.data, nd.size, nd.count = lp, uint32(len(lp)), uint32(count)
}

// --- compression ---

// settle restores the compression invariant after a change: the depth nodes at
// each end plain, the nodes between compressed where that pays. Removing nodes
// only moves nodes out of the middle (into the ends, which are decompressed
// here); inserting k nodes moves at most k nodes into the middle at each of its
// edges. So besides the ends it compresses k+1 nodes at each edge of the middle
// and the nodes in [lo, hi) that the change opened.
func (ql *Quicklist) settle(lo, hi int) {
	k := ql.added
	ql.added = 0
	d := ql.depth
	if d == 0 {
		return
	}
	n := ql.NodeCount()
	for i := 0; i < d && i < n; i++ {
		ql.decompress(i)
		ql.decompress(n - 1 - i)
	}
	if n <= 2*d {
		return
	}
	for i := d; i <= d+k && i < n-d; i++ {
		ql.compress(i)
	}
	for i := n - 1 - d; i >= n-1-d-k && i >= d; i-- {
		ql.compress(i)
	}
	for i := max(lo, d); i < hi && i < n-d; i++ {
		ql.compress(i)
	}
}

func (ql *Quicklist) decompress(i int) {
	if nd := ql.node(i); nd.compressed {
		ql.open(i)
	} else if nd.plainLZF {
		nd.plainLZF = false
	}
}

// compress is __quicklistCompressNode: LZF with an output limit of the node's
// size, kept only when at least 48 bytes and more than 8 bytes smaller; these
// are Redis's parameters, so the compressed bytes are Redis's.
func (ql *Quicklist) compress(i int) {
	nd := ql.node(i)
	if nd.compressed || nd.incompressible || nd.plainLZF {
		return
	}
	if nd.large {
		// A PLAIN node: Redis compresses the element itself.
		lp := listpack.Listpack(nd.data)
		e := lp.Get(lp.First())
		sz := len(e.Str)
		if e.IsInt {
			sz = len(strconv.AppendInt(nil, e.Int, 10))
		}
		if sz < minCompressBytes {
			nd.incompressible = true
			return
		}
		if cap(ql.zbuf) < sz {
			ql.zbuf = make([]byte, sz)
		}
		if c := lzf.CompressLimit(ql.zbuf, e.Str, sz); c == nil || len(c)+minCompressImprove >= sz {
			nd.incompressible = true
			return
		}
		nd.plainLZF = true
		return
	}
	sz := int(nd.size)
	if sz < minCompressBytes {
		nd.incompressible = true
		return
	}
	if cap(ql.zbuf) < sz {
		ql.zbuf = make([]byte, sz)
	}
	c := lzf.CompressLimit(ql.zbuf, nd.data, sz)
	if c == nil || len(c)+minCompressImprove >= sz {
		nd.incompressible = true
		return
	}
	b := append([]byte(nil), c...)
	ql.bytes += cap(b) - cap(nd.data)
	nd.data = b
	nd.compressed = true
	if ql.viewNode == i {
		ql.viewNode = -1
	}
}
