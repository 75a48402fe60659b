// Package quicklist implements Redis 7.0's list representation: a sequence of
// listpack nodes, each holding a bounded number of elements, with the nodes
// beyond a configured depth from either end LZF-compressed.
//
// Two settings, fixed at New (Redis too applies its config to new lists only):
//
//	fill (list-max-listpack-size)  > 0: at most fill elements per node (and at most
//	                               8 KiB, Redis's safety limit); -1..-5: at most
//	                               4, 8, 16, 32 or 64 KiB per node
//	depth (list-compress-depth)    0: no compression; d > 0: the d nodes at each end
//	                               stay plain, the nodes between are compressed
//	                               (when at least 48 bytes and 8 bytes smaller)
//
// The decisions that shape nodes are Redis's (_quicklistNodeAllowInsert, the
// insert/split/merge rules of _quicklistInsert), so a sequence of pushes yields the
// same nodes as in Redis, and compressed nodes hold the same LZF bytes. An element
// too big for any node's limit gets a node of its own; Redis 7.0 stores elements of
// 1 GiB and more in "plain" nodes, which this package does not have: they go in a
// one-element listpack node. Insert and Replace follow Redis 7.0 to the letter,
// including where it lets a node grow past the fill (a big element inserted inside
// a node joins the split-off part; LSET replaces in place).
//
// Nodes live in a slice, not a linked list. Pushes and pops at both ends are
// amortised O(1) (the slice keeps free room at both ends), walking to an index is
// a scan over contiguous node headers instead of pointer chasing, nodes cost no
// allocation of their own, and Nodes is a plain loop. Adding or removing a node in
// the middle (LINSERT splits, LREM/LTRIM emptying nodes) moves the node headers on
// the nearer side: 40 bytes each, a memmove of a few KiB for a million-element
// list, far less than the element scan those commands do anyway.
//
// Main flow:
//
//	ql := quicklist.New(-2, 0)
//	ql.PushTail(v)                        // RPUSH
//	e, ok := ql.PopHead()                 // LPOP: e.Str valid until the next call
//	e, ok = ql.Index(-1)                  // LINDEX
//	it := ql.Iter(0, false)               // LRANGE: walk from an index either way
//	for e, ok := it.Next(); ok; e, ok = it.Next() { ... }
//	ql.Insert(pivot, v, true)             // LINSERT AFTER
//	ql.Replace(i, v); ql.DelRange(i, n)   // LSET, part of LTRIM
//	ql.Remove(v, -2); ql.Trim(0, 99)      // LREM, LTRIM
//	for n := range ql.Nodes() { ... }     // RDB: each node's listpack or LZF blob
//
// Values returned (Entry.Str) view internal buffers and are valid until the next
// call on the Quicklist. A Quicklist is not safe for concurrent use.
package quicklist
