// ops.go: the list operations: pushes and pops at both ends, access by index,
// iteration, insertion by pivot, replacement, and the deletions behind LREM,
// LTRIM and friends.

package quicklist

import "github.com/keygrid/keygrid/engine/listpack"

// Entry is a list element: listpack.Entry, a string (Str) or an integer (Int when
// IsInt); Str views an internal buffer valid until the next call on the list.
type Entry = listpack.Entry

// --- ends ---

// PushHead adds v at the head (LPUSH).
func (ql *Quicklist) PushHead(v []byte) {
	ql.viewNode = -1
	if ql.NodeCount() > 0 && ql.allowInsert(ql.node(0), len(v)) {
		nd := ql.open(0)
		lp := listpack.Listpack(nd.data)
		lp.Prepend(v)
		ql.store(nd, lp, int(nd.count)+1)
	} else {
		ql.insertNode(0, ql.newNode(0, v))
	}
	ql.count++
	ql.settle(0, 0)
}

// PushTail adds v at the tail (RPUSH).
func (ql *Quicklist) PushTail(v []byte) {
	ql.viewNode = -1
	n := ql.NodeCount()
	if n > 0 && ql.allowInsert(ql.node(n-1), len(v)) {
		nd := ql.open(n - 1)
		lp := listpack.Listpack(nd.data)
		lp.Append(v)
		ql.store(nd, lp, int(nd.count)+1)
	} else {
		ql.insertNode(n, ql.newNode(n-1, v))
	}
	ql.count++
	ql.settle(0, 0)
}

// newNode returns a one-element node for a push that found the end node full
// (neighbour is that node's index, or -1). A list growing at one end fills node
// after node, so the new node reserves the full node's size up front: one
// allocation per node instead of a chain of growing copies (at most one node of
// spare room per end of a list that has filled a node). The full node gives
// back its own spare room, which it will not use again.
func (ql *Quicklist) newNode(neighbour int, v []byte) node {
	if isLarge(len(v)) {
		return singleNode(v) // a node of its own, nothing to reserve
	}
	var lp listpack.Listpack
	if neighbour >= 0 && neighbour < ql.NodeCount() {
		full := ql.node(neighbour)
		if !full.compressed {
			clipped := listpack.Listpack(full.data).Clip()
			ql.bytes += cap(clipped) - cap(full.data)
			full.data = clipped
		}
		lp.Grow(int(full.size) + len(v) + 16)
	}
	lp.Append(v)
	return node{data: lp, size: uint32(len(lp)), count: 1}
}

// PopHead removes and returns the head element (LPOP).
func (ql *Quicklist) PopHead() (Entry, bool) {
	if ql.count == 0 {
		return Entry{}, false
	}
	return ql.popAt(0, true), true
}

// PopTail removes and returns the tail element (RPOP).
func (ql *Quicklist) PopTail() (Entry, bool) {
	if ql.count == 0 {
		return Entry{}, false
	}
	return ql.popAt(ql.NodeCount()-1, false), true
}

func (ql *Quicklist) popAt(i int, head bool) Entry {
	nd := ql.open(i)
	lp := listpack.Listpack(nd.data)
	p := lp.Last()
	if head {
		p = lp.First()
	}
	e := lp.Get(p)
	if !e.IsInt {
		// The deletion moves bytes over the string: keep a copy.
		ql.popBuf = append(ql.popBuf[:0], e.Str...)
		e.Str = ql.popBuf
	}
	ql.count--
	if nd.count == 1 {
		ql.removeNode(i)
	} else {
		lp.Delete(p, 1)
		ql.store(nd, lp, int(nd.count)-1)
	}
	ql.settle(0, 0)
	return e
}

// --- access ---

// locate finds the element at index i (negative counts from the tail): its node
// and its index within the node.
func (ql *Quicklist) locate(i int) (node, k int, ok bool) {
	if i < 0 {
		i += ql.count
	}
	if i < 0 || i >= ql.count {
		return 0, 0, false
	}
	n := ql.NodeCount()
	if i < ql.count/2 {
		for j := 0; j < n; j++ {
			c := int(ql.node(j).count)
			if i < c {
				return j, i, true
			}
			i -= c
		}
	} else {
		r := ql.count - 1 - i // index from the tail
		for j := n - 1; j >= 0; j-- {
			c := int(ql.node(j).count)
			if r < c {
				return j, c - 1 - r, true
			}
			r -= c
		}
	}
	panic("quicklist: node counts disagree with the element count")
}

// Index returns the element at index i, negative counting from the tail (LINDEX).
func (ql *Quicklist) Index(i int) (Entry, bool) {
	ni, k, ok := ql.locate(i)
	if !ok {
		return Entry{}, false
	}
	lp := ql.view(ni)
	return lp.Get(lp.Seek(k)), true
}

// Iterator walks the list from a starting index towards the tail or the head.
// Each Entry is valid until the next call to Next; the list must not be used
// otherwise (reads included) while iterating.
type Iterator struct {
	ql      *Quicklist
	node    int
	lp      listpack.Listpack
	p       int // position of the next element in lp, -1 at the node's end
	reverse bool
	done    bool
}

// Iter returns an iterator starting at index start (negative counts from the
// tail), going towards the tail, or towards the head when reverse. An
// out-of-range start yields nothing.
func (ql *Quicklist) Iter(start int, reverse bool) Iterator {
	ni, k, ok := ql.locate(start)
	if !ok {
		return Iterator{p: -1, done: true}
	}
	lp := ql.view(ni)
	return Iterator{ql: ql, node: ni, lp: lp, p: lp.Seek(k), reverse: reverse}
}

// Next returns the next element, or false at the end.
func (it *Iterator) Next() (Entry, bool) {
	for it.p < 0 {
		if it.done {
			return Entry{}, false
		}
		if it.reverse {
			it.node--
		} else {
			it.node++
		}
		if it.node < 0 || it.node >= it.ql.NodeCount() {
			it.done = true
			return Entry{}, false
		}
		it.lp = it.ql.view(it.node)
		if it.reverse {
			it.p = it.lp.Last()
		} else {
			it.p = it.lp.First()
		}
	}
	e := it.lp.Get(it.p)
	if it.reverse {
		it.p = it.lp.Prev(it.p)
	} else {
		it.p = it.lp.Next(it.p)
	}
	return e, true
}

// --- insertion and replacement ---

// Insert inserts v before or after the first element equal to pivot, searching
// from the head (LINSERT). It reports whether pivot was found. Equality is
// listpack.Entry.Equal's.
func (ql *Quicklist) Insert(pivot, v []byte, after bool) bool {
	for i := 0; i < ql.NodeCount(); i++ {
		lp := ql.view(i)
		if p := lp.Find(lp.First(), pivot, 0); p >= 0 {
			ql.insertAt(i, p, v, after)
			return true
		}
	}
	return false
}

// insertAt is Redis 7.0's _quicklistInsert: v goes before or after the element at
// position p of node i. Where the node has room it goes there; at a node's edge it
// may go to the neighbour or a new node; otherwise the node is split around p, v
// joins the split-off part at its edge next to p, and the pieces are merged with
// their neighbours where they fit. As in Redis 7.0 (whose only special case is for
// "plain" elements of 1 GiB and more), the split-off part takes v even when that
// makes it exceed the fill: an element bigger than the node limit inserted inside
// a node ends up in an oversized node, and MEMORY USAGE and the RDB nodes show it.
func (ql *Quicklist) insertAt(i, p int, v []byte, after bool) {
	ql.viewNode = -1
	nd := ql.node(i)
	full := !ql.allowInsert(nd, len(v))
	lp := ql.view(i) // positions are the same in the open node
	atTail := after && lp.Next(p) < 0
	atHead := !after && p == lp.First()
	n := ql.NodeCount()
	ql.count++
	switch {
	case !full:
		nd = ql.open(i)
		lp = nd.data
		if after {
			lp.InsertAfter(p, v)
		} else {
			lp.InsertBefore(p, v)
		}
		ql.store(nd, lp, int(nd.count)+1)
		ql.settle(i, i+1)
	case atTail && i+1 < n && ql.allowInsert(ql.node(i+1), len(v)):
		next := ql.open(i + 1)
		lp = next.data
		lp.Prepend(v)
		ql.store(next, lp, int(next.count)+1)
		ql.settle(i+1, i+2)
	case atHead && i > 0 && ql.allowInsert(ql.node(i-1), len(v)):
		prev := ql.open(i - 1)
		lp = prev.data
		lp.Append(v)
		ql.store(prev, lp, int(prev.count)+1)
		ql.settle(i-1, i)
	case atTail || atHead:
		at := i
		if after {
			at = i + 1
		}
		ql.insertNode(at, singleNode(v))
		ql.settle(at, at+1)
	case isLarge(len(v)):
		// A large element inside a node: the node is split around p and v gets
		// a node of its own between the two parts, none merged (Redis 7.0).
		ql.split(i, p, after)
		ql.insertNode(i+1, singleNode(v))
		ql.settle(i, i+3)
	default:
		// The split-off part takes v at its edge next to p, whatever its size.
		at := ql.split(i, p, after)
		center := i
		if !after {
			center = i + 1
		}
		nd = ql.open(at)
		lp = nd.data
		if after {
			lp.Prepend(v)
		} else {
			lp.Append(v)
		}
		ql.store(nd, lp, int(nd.count)+1)
		ql.mergeAround(center)
	}
}

func singleNode(v []byte) node {
	var lp listpack.Listpack
	lp.Append(v)
	return node{data: lp, size: uint32(len(lp)), count: 1, large: isLarge(len(v))}
}

// split is _quicklistSplitNode around the element at position p of node i:
// after keeps [..p] in node i and moves (p..] to a new node i+1; before keeps
// [p..] and moves [..p) to a new node i (node i becoming i+1). It returns the
// new node's index.
func (ql *Quicklist) split(i, p int, after bool) int {
	nd := ql.open(i)
	lp := listpack.Listpack(nd.data)
	k := 0
	for q := lp.First(); q != p; q = lp.Next(q) {
		k++
	}
	count := int(nd.count)
	other := lp.Clone()
	at := i
	if after {
		lp.DeleteRange(k+1, count)
		other.DeleteRange(0, k+1)
		at = i + 1
	} else {
		lp.DeleteRange(0, k)
		other.DeleteRange(k, count)
	}
	ql.store(nd, lp, lp.Len())
	ql.insertNode(at, node{data: other, size: uint32(len(other)), count: uint32(other.Len())})
	return at
}

// mergeAround is _quicklistMergeNodes: after a split, merge the nodes around
// center where the fill allows, in Redis's order.
func (ql *Quicklist) mergeAround(c int) {
	// prev_prev with prev
	if c >= 2 && ql.allowMerge(ql.node(c-1), ql.node(c-2)) {
		ql.merge(c - 2)
		c--
	}
	// next with next_next
	if c+2 < ql.NodeCount() && ql.allowMerge(ql.node(c+1), ql.node(c+2)) {
		ql.merge(c + 1)
	}
	// center with prev
	target := c
	if c >= 1 && ql.allowMerge(ql.node(c), ql.node(c-1)) {
		ql.merge(c - 1)
		target = c - 1
	}
	// the result with next
	if target+1 < ql.NodeCount() && ql.allowMerge(ql.node(target), ql.node(target+1)) {
		ql.merge(target)
	}
	// Merges opened the nodes from two before the centre to two after it.
	ql.settle(target-2, target+3)
}

// merge joins node i+1 into node i.
func (ql *Quicklist) merge(i int) {
	a := ql.open(i)
	b := ql.open(i + 1)
	lp := listpack.Listpack(a.data)
	lp.AppendListpack(b.data)
	ql.store(a, lp, int(a.count+b.count))
	ql.removeNode(i + 1)
}

// Replace sets the element at index i to v (LSET) and reports whether i was in
// range. As Redis 7.0's quicklistReplaceEntry does, the element is replaced in
// place whatever the fill: a big value can leave its node oversized.
func (ql *Quicklist) Replace(i int, v []byte) bool {
	ni, k, ok := ql.locate(i)
	if !ok {
		return false
	}
	if large := isLarge(len(v)); large != ql.node(ni).large {
		// A large element replacing a packed one, or a small one replacing a
		// large node: v is inserted after the element, which is then deleted,
		// so v lands in a node that suits it (quicklistReplaceEntry).
		if i < 0 {
			i += ql.count
		}
		lp := ql.view(ni)
		ql.insertAt(ni, lp.Seek(k), v, true)
		ql.DelRange(i, 1)
		return true
	}
	nd := ql.open(ni)
	l := listpack.Listpack(nd.data)
	l.Replace(l.Seek(k), v)
	ql.store(nd, l, int(nd.count))
	ql.settle(ni, ni+1)
	return true
}

// --- deletion ---

// DelRange deletes up to count elements starting at index start (negative
// counts from the tail) and returns how many it deleted. A start out of range
// deletes nothing (quicklistDelRange).
func (ql *Quicklist) DelRange(start, count int) int {
	if count <= 0 {
		return 0
	}
	ni, k, ok := ql.locate(start)
	if !ok {
		return 0
	}
	if start < 0 {
		start += ql.count
	}
	left := min(count, ql.count-start)
	deleted := left
	ql.viewNode = -1
	first, last := -1, -1 // partially emptied nodes, to compress again
	for left > 0 {
		nd := ql.node(ni)
		c := int(nd.count)
		del := min(left, c-k)
		if k == 0 && del == c {
			ql.removeNode(ni) // the next node moves to index ni
		} else {
			nd = ql.open(ni)
			lp := listpack.Listpack(nd.data)
			lp.DeleteRange(k, del)
			ql.store(nd, lp, c-del)
			if first < 0 {
				first = ni
			} else {
				last = ni
			}
			ni++
		}
		left -= del
		k = 0
	}
	ql.count -= deleted
	if first >= 0 {
		ql.settle(first, max(first, last)+1) // the two partial nodes end up adjacent
	} else {
		ql.settle(0, 0)
	}
	return deleted
}

// Remove deletes elements equal to v (LREM): the first count from the head when
// count > 0, the last -count from the tail when count < 0, all when count is 0.
// It returns how many it deleted.
func (ql *Quicklist) Remove(v []byte, count int) int {
	limit := count
	if limit < 0 {
		limit = -limit
	}
	removed := 0
	ql.viewNode = -1
	n := ql.NodeCount()
	for step := 0; step < n && (limit == 0 || removed < limit); step++ {
		// The step-th node from the head has moved down by the nodes removed
		// so far (all before it); from the tail, removed nodes were after it.
		i := step - (n - ql.NodeCount())
		if count < 0 {
			i = n - 1 - step
		}
		lp := ql.view(i)
		if lp.Find(lp.First(), v, 0) < 0 {
			continue
		}
		nd := ql.open(i)
		lp = nd.data
		c := int(nd.count)
		if count >= 0 {
			for p := lp.Find(lp.First(), v, 0); p >= 0 && (limit == 0 || removed < limit); {
				next := lp.Delete(p, 1)
				c--
				removed++
				if next < 0 {
					break
				}
				p = lp.Find(next, v, 0)
			}
		} else {
			for p := lp.Last(); p >= 0 && removed < limit; {
				prev := lp.Prev(p)
				if lp.Get(p).Equal(v) {
					lp.Delete(p, 1)
					c--
					removed++
				}
				p = prev
			}
		}
		ql.count -= int(nd.count) - c
		if c == 0 {
			ql.removeNode(i)
		} else {
			ql.store(nd, lp, c)
			ql.settle(i, i+1)
		}
	}
	ql.settle(0, 0)
	return removed
}

// Trim keeps the elements from start to stop inclusive, negative indexes
// counting from the tail, and deletes the rest (LTRIM).
func (ql *Quicklist) Trim(start, stop int) {
	n := ql.count
	if start < 0 {
		start += n
	}
	if stop < 0 {
		stop += n
	}
	start = max(start, 0)
	var ltrim, rtrim int
	if start > stop || start >= n {
		ltrim, rtrim = n, 0
	} else {
		stop = min(stop, n-1)
		ltrim, rtrim = start, n-stop-1
	}
	ql.DelRange(0, ltrim)
	ql.DelRange(-rtrim, rtrim)
}
