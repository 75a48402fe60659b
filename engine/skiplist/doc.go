// Package skiplist implements the general encoding of Redis's sorted sets: a
// zskiplist (members ordered by score, then by member bytes, with spans that give
// ranks in O(log N)) paired with a hash index from member to node (Redis's zset
// dict), in one structure shaped for Go's garbage collector.
//
// The semantics are Redis 7.0's t_zset.c: the same ordering, the same random level
// distribution (p = 1/4, at most 32 levels), the same range rules (inclusive and
// exclusive score bounds, the "-" / "+" lexicographic bounds and their empty-range
// tests), ranks through spans, and range deletions by score, lex and rank. The hash
// index gives ZSCAN Redis's cursor guarantee (a power-of-two table walked with a
// reverse-binary cursor, resized incrementally like dict.c).
//
// Layout (no Go pointers per member, so a million-member set is a few dozen
// pointer-free allocations the GC never scans into):
//
//	nodes   a chunked slab of fixed-size node records addressed by int32; node 0 is
//	        the header. A node holds its score, hash, level-0 forward and backward
//	        links, its hash-chain link and where its member and upper levels are.
//	levels  the links of levels 1..h-1, in a second chunked slab of contiguous
//	        blocks (one per node taller than 1, free lists by size). Level 0's span
//	        is implicit: 1 when the node has a successor, else 0. Every link also
//	        carries the score and level block of the node it leads to, so a search
//	        moves from link to link touching one cache line per step, like Redis's
//	        nodes with inline levels (members are read only on equal scores).
//	members an arena of byte chunks holding records <node id><uvarint len><bytes>;
//	        a chunk that becomes mostly dead is compacted by moving its live
//	        records (each names its node, so the node's reference is fixed up).
//	index   int32 bucket heads chained through the nodes, two tables while resizing.
//
// Main flow:
//
//	l := skiplist.New()
//	n := l.Insert(1.5, []byte("a"))       // the member must be absent (Find first)
//	n, ok := l.Find([]byte("a"))          // O(1) through the index
//	n = l.UpdateScore(n, 2.5)             // keeps the node when the order allows
//	r := l.Rank(n)                        // 0-based, O(log N)
//	for n := l.FirstInRange(&rg); n != 0 && rg.LteMax(l.Score(n)); n = l.Next(n) { ... }
//	l.Delete(n)
//	cur = l.Scan(cur, func(member []byte, score float64) { ... })
//
// Node handles stay valid until the next deletion (which may compact the list).
// Member returns a view into the arena that is valid until the next mutation. A List
// is not safe for concurrent use.
package skiplist
