package skiplist

import (
	"bytes"
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"unsafe"
)

// MaxLevel is Redis's ZSKIPLIST_MAXLEVEL.
const MaxLevel = 32

// Node names a member of a List; 0 is "no node". Nodes stay valid until the next
// deletion from the list (a deletion may compact the list and renumber them).
type Node int32

// node is one member. Free nodes have height 0 and are chained through hnext.
type node struct {
	score   float64
	fscore0 float64 // score of the next node at level 0 (see level)
	mem     uint64  // arena reference of the member record
	hash    uint32
	hnext   int32 // next node in the index bucket chain (or the free list)
	back    int32 // previous node at level 0; 0 for the first node
	fwd0    int32 // next node at level 0
	lvl     int32 // index in List.lv of level 1 (levels 1..height-1 are contiguous)
	height  int32
}

// level is one forward link above level 0: the next node at that level and its span,
// the number of level-0 steps the link covers (for the last node of a level: the
// number of nodes after it). It also carries copies of the next node's score and
// level block, so a search compares scores and moves along a level without touching
// the nodes it passes: one cache miss per step, as in Redis's nodes with inline
// levels, instead of two.
type level struct {
	fwd    int32
	span   int32
	flvl   int32 // the next node's lvl
	_      int32
	fscore float64 // the next node's score
}

// pos is a node met during a search, with its level block.
type pos struct{ x, lvl int32 }

// List is a sorted set: members ordered by (score, member bytes) with ranks, plus a
// hash index from member to node.
type List struct {
	nodes    slab[node]
	lv       slab[level]
	hlvl     int32           // the header's level block
	freeNode int32           // free node chain through hnext; 0 when empty
	freeLv   [MaxLevel]int32 // free level blocks by size (1..31); -1 when empty
	tail     int32
	length   int
	level    int // levels in use (1..MaxLevel)
	arena    arena
	ht       [2]table
	rehash   int // next bucket of ht[0] to move, -1 when not resizing
	// snap, while a snapshot serializes the list in slices, keeps the members it
	// has not written yet as they were when it started (snapshot.go).
	snap *Snap
}

var seed = maphash.MakeSeed()

func hashOf(member []byte) uint32 { return uint32(maphash.Bytes(seed, member)) }

// New returns an empty list.
func New() *List {
	l := &List{level: 1, rehash: -1, arena: newArena()}
	for i := range l.freeLv {
		l.freeLv[i] = -1
	}
	h := l.nodes.alloc() // node 0: the header, MaxLevel levels, spans 0
	hn := l.nodes.at(h)
	hn.height = MaxLevel
	hn.lvl = l.allocLevels(MaxLevel - 1)
	l.hlvl = hn.lvl
	return l
}

// Len is the number of members.
func (l *List) Len() int { return l.length }

// levelBits is the random source of node levels (tests make it deterministic).
var levelBits = rand.Uint64

// randomLevel is Redis's zslRandomLevel: each extra level with probability 1/4 (two
// random bits both zero), at most MaxLevel.
func randomLevel() int {
	h := 1 + bits.TrailingZeros64(levelBits())/2
	if h > MaxLevel {
		h = MaxLevel
	}
	return h
}

func (l *List) allocLevels(k int32) int32 {
	if f := l.freeLv[k]; f >= 0 {
		l.freeLv[k] = l.lv.at(f).fwd
		return f
	}
	first, waste, n := l.lv.allocBlock(k)
	if n > 0 {
		l.freeLevels(waste, n)
	}
	return first
}

func (l *List) freeLevels(first, k int32) {
	l.lv.at(first).fwd = l.freeLv[k]
	l.freeLv[k] = first
}

// lk returns the link of p at level i >= 1.
func (l *List) lk(p pos, i int) *level { return l.lv.at(p.lvl + int32(i) - 1) }

// fwd returns x's forward link at level i.
func (l *List) fwd(xn *node, i int) int32 {
	if i == 0 {
		return xn.fwd0
	}
	return l.lv.at(xn.lvl + int32(i) - 1).fwd
}

// span returns x's span at level i (level 0: 1 if x has a successor).
func (l *List) span(xn *node, i int) int32 {
	if i == 0 {
		if xn.fwd0 != 0 {
			return 1
		}
		return 0
	}
	return l.lv.at(xn.lvl + int32(i) - 1).span
}

func (l *List) member(xn *node) []byte { return l.arena.get(xn.mem) }

// memberOf returns the member of node x.
func (l *List) memberOf(x int32) []byte { return l.arena.get(l.nodes.at(x).mem) }

// before reports whether node f, of score fs, sorts before (score, member); the
// member is only read on equal scores.
func (l *List) before(f int32, fs, score float64, member []byte) bool {
	return fs < score || fs == score && bytes.Compare(l.memberOf(f), member) < 0
}

// descend is the search all operations share: from the header's top level down to
// level 0, it moves along each level while adv says so (given the next node, its
// score, the rank reached and the link's span), then calls at with the last node of
// that level and its rank. It returns the last node of level 0 and its rank.
func (l *List) descend(adv func(f int32, fs float64, rank, span int32) bool, at func(i int, p pos, rank int32)) (pos, int32) {
	p := pos{0, l.hlvl}
	rank := int32(0)
	for i := l.level - 1; i >= 1; i-- {
		for {
			k := l.lv.at(p.lvl + int32(i) - 1)
			if k.fwd == 0 || !adv(k.fwd, k.fscore, rank, k.span) {
				break
			}
			rank += k.span
			p = pos{k.fwd, k.flvl}
		}
		if at != nil {
			at(i, p, rank)
		}
	}
	xn := l.nodes.at(p.x)
	for xn.fwd0 != 0 && adv(xn.fwd0, xn.fscore0, rank, 1) {
		rank++
		p.x = xn.fwd0
		xn = l.nodes.at(p.x)
	}
	p.lvl = xn.lvl
	if at != nil {
		at(0, p, rank)
	}
	return p, rank
}

// Score returns the score of n.
func (l *List) Score(n Node) float64 { return l.nodes.at(int32(n)).score }

// Member returns the member of n: a view valid until the next mutation of l.
func (l *List) Member(n Node) []byte { return l.member(l.nodes.at(int32(n))) }

// First returns the lowest node, or 0.
func (l *List) First() Node { return Node(l.nodes.at(0).fwd0) }

// Last returns the highest node, or 0.
func (l *List) Last() Node { return Node(l.tail) }

// Next returns the node after n, or 0.
func (l *List) Next(n Node) Node { return Node(l.nodes.at(int32(n)).fwd0) }

// Prev returns the node before n, or 0.
func (l *List) Prev(n Node) Node { return Node(l.nodes.at(int32(n)).back) }

// Find returns the node of member, or false.
func (l *List) Find(member []byte) (Node, bool) {
	x := l.lookup(member, hashOf(member))
	return Node(x), x != 0
}

// Insert adds member with score and returns its node. The member must not be in the
// list (Find first); score must not be NaN.
func (l *List) Insert(score float64, member []byte) Node {
	h := hashOf(member)
	x := l.newNode(randomLevel(), score, member, h)
	l.link(x, score, member)
	l.indexAdd(x, h)
	return Node(x)
}

// newNode allocates a node of the given height holding member.
func (l *List) newNode(height int, score float64, member []byte, h uint32) int32 {
	x := l.freeNode
	if x != 0 {
		l.freeNode = l.nodes.at(x).hnext
	} else {
		x = l.nodes.alloc()
	}
	if l.snap != nil {
		l.snap.clear(x) // a new member in a node the snapshot saw go
	}
	var lvl int32
	if height > 1 {
		lvl = l.allocLevels(int32(height - 1))
		for i := int32(0); i < int32(height-1); i++ {
			*l.lv.at(lvl + i) = level{}
		}
	}
	*l.nodes.at(x) = node{score: score, hash: h, lvl: lvl, height: int32(height)}
	l.nodes.at(x).mem = l.arena.put(member, x)
	return x
}

// link inserts node x (its height, score and member set) into the levels: Redis's
// zslInsert after the node is created.
func (l *List) link(x int32, score float64, member []byte) {
	var update [MaxLevel]pos
	var rank [MaxLevel]int32
	l.descend(func(f int32, fs float64, _, _ int32) bool { return l.before(f, fs, score, member) },
		func(i int, p pos, r int32) { update[i], rank[i] = p, r })
	xn := l.nodes.at(x)
	height := int(xn.height)
	if height > l.level {
		for i := l.level; i < height; i++ {
			rank[i] = 0
			update[i] = pos{0, l.hlvl}
			l.lv.at(l.hlvl + int32(i) - 1).span = int32(l.length)
		}
		l.level = height
	}
	for i := 0; i < height; i++ {
		if i == 0 {
			un := l.nodes.at(update[0].x)
			xn.fwd0, xn.fscore0 = un.fwd0, un.fscore0
			un.fwd0, un.fscore0 = x, score
			continue
		}
		ul := l.lk(update[i], i)
		xl := l.lv.at(xn.lvl + int32(i) - 1)
		xl.fwd, xl.fscore, xl.flvl = ul.fwd, ul.fscore, ul.flvl
		ul.fwd, ul.fscore, ul.flvl = x, score, xn.lvl
		xl.span = ul.span - (rank[0] - rank[i])
		ul.span = rank[0] - rank[i] + 1
	}
	for i := height; i < l.level; i++ {
		l.lk(update[i], i).span++
	}
	xn.back = update[0].x
	if xn.fwd0 != 0 {
		l.nodes.at(xn.fwd0).back = x
	} else {
		l.tail = x
	}
	l.length++
}

// findUpdate fills update with the rightmost node before (score, member) at each level.
func (l *List) findUpdate(score float64, member []byte, update *[MaxLevel]pos) {
	l.descend(func(f int32, fs float64, _, _ int32) bool { return l.before(f, fs, score, member) },
		func(i int, p pos, _ int32) { update[i] = p })
}

// unlink removes x from the levels (Redis's zslDeleteNode); update comes from
// findUpdate.
func (l *List) unlink(x int32, update *[MaxLevel]pos) {
	xn := l.nodes.at(x)
	for i := 0; i < l.level; i++ {
		if i == 0 {
			// Level 0 spans are implicit; only the link changes.
			if un := l.nodes.at(update[0].x); un.fwd0 == x {
				un.fwd0, un.fscore0 = xn.fwd0, xn.fscore0
			}
			continue
		}
		ul := l.lk(update[i], i)
		if ul.fwd == x {
			xl := l.lv.at(xn.lvl + int32(i) - 1)
			ul.span += xl.span - 1
			ul.fwd, ul.fscore, ul.flvl = xl.fwd, xl.fscore, xl.flvl
		} else {
			ul.span--
		}
	}
	if xn.fwd0 != 0 {
		l.nodes.at(xn.fwd0).back = xn.back
	} else {
		l.tail = xn.back
	}
	for l.level > 1 && l.lv.at(l.hlvl+int32(l.level)-2).fwd == 0 {
		l.level--
	}
	l.length--
}

// release frees an unlinked node: its index entry, member record and levels.
func (l *List) release(x int32) {
	l.indexRemove(x)
	xn := l.nodes.at(x)
	if xn.height > 1 {
		l.freeLevels(xn.lvl, xn.height-1)
	}
	ref := xn.mem
	*xn = node{hnext: l.freeNode}
	l.freeNode = x
	if ci := l.arena.release(ref); ci >= 0 {
		l.compactChunk(ci)
	}
}

// compactChunk moves the live records of arena chunk ci to the current chunk and
// releases it.
func (l *List) compactChunk(ci int32) {
	l.arena.records(ci, func(id int32, ref uint64, member []byte) {
		if id <= 0 || id >= l.nodes.top {
			return
		}
		if xn := l.nodes.at(id); xn.height > 0 && xn.mem == ref {
			xn.mem = l.arena.put(member, id)
		}
	})
	l.arena.drop(ci)
}

// Delete removes node n.
func (l *List) Delete(n Node) {
	x := int32(n)
	if l.snap != nil {
		l.snap.before(l, x)
	}
	xn := l.nodes.at(x)
	var update [MaxLevel]pos
	l.findUpdate(xn.score, l.member(xn), &update)
	l.unlink(x, &update)
	l.release(x)
	l.maybeShrink()
}

// UpdateScore changes the score of n (Redis's zslUpdateScore). The node stays in
// place when its neighbours keep it in order; otherwise it is relinked with a new
// random level. It returns the node, which keeps its handle either way.
func (l *List) UpdateScore(n Node, score float64) Node {
	x := int32(n)
	if l.snap != nil {
		l.snap.before(l, x)
	}
	xn := l.nodes.at(x)
	var update [MaxLevel]pos
	l.findUpdate(xn.score, l.member(xn), &update)
	if (xn.back == 0 || l.nodes.at(xn.back).score < score) && (xn.fwd0 == 0 || xn.fscore0 > score) {
		// Same place: the links leading to x carry its score.
		xn.score = score
		l.nodes.at(update[0].x).fscore0 = score
		for i := 1; i < int(xn.height); i++ {
			l.lk(update[i], i).fscore = score
		}
		return n
	}
	l.unlink(x, &update)
	// Relink with a fresh level, as Redis creates a new node for the new position.
	h := randomLevel()
	if int32(h) != xn.height {
		if xn.height > 1 {
			l.freeLevels(xn.lvl, xn.height-1)
		}
		xn.lvl = 0
		if h > 1 {
			xn.lvl = l.allocLevels(int32(h - 1))
		}
		xn.height = int32(h)
	}
	xn.score = score
	xn.back, xn.fwd0, xn.fscore0 = 0, 0, 0
	l.link(x, score, l.member(xn))
	return n
}

// Rank returns the 0-based rank of n (Redis's zslGetRank minus one).
func (l *List) Rank(n Node) int {
	xn := l.nodes.at(int32(n))
	score, member := xn.score, l.member(xn)
	p, rank := l.descend(func(f int32, fs float64, _, _ int32) bool {
		return fs < score || fs == score && bytes.Compare(l.memberOf(f), member) <= 0
	}, nil)
	if p.x != int32(n) {
		return -1
	}
	return int(rank) - 1
}

// ByRank returns the node at 0-based rank r, or 0 when out of range (Redis's
// zslGetElementByRank).
func (l *List) ByRank(r int) Node {
	if r < 0 || r >= l.length {
		return 0
	}
	target := int32(r + 1)
	p, rank := l.descend(func(_ int32, _ float64, rank, span int32) bool { return rank+span <= target }, nil)
	if rank != target {
		return 0
	}
	return Node(p.x)
}

// Random returns a uniformly chosen node, or 0 when empty.
func (l *List) Random() Node {
	if l.length == 0 {
		return 0
	}
	return l.ByRank(rand.IntN(l.length))
}

// maybeShrink rebuilds the list when nearly all of its node slab is free, so memory
// follows the size after mass deletions. The rebuild costs O(N) for the N members
// left, and happens only after 7N deletions: amortised O(1), and for range deletions
// hidden in their own cost; one pop that crosses the line pays it at once (about
// 15 ms for the 125,000 members left of a million).
func (l *List) maybeShrink() {
	if l.nodes.top > 4096 && l.length*8 < int(l.nodes.top) && l.snap == nil {
		*l = *l.rebuilt()
	}
	l.indexShrinkIfNeeded()
}

// rebuilt returns a compact copy of l, built in order by appending.
func (l *List) rebuilt() *List {
	nl := New()
	var b builder
	b.init(nl, l.length)
	for x := l.nodes.at(0).fwd0; x != 0; {
		xn := l.nodes.at(x)
		b.append(xn.score, l.member(xn), xn.hash)
		x = xn.fwd0
	}
	b.finish()
	return nl
}

// Clone returns a deep copy of l.
func (l *List) Clone() *List { return l.rebuilt() }

// builder appends members in order to an empty list in O(1) each: it keeps the last
// node of every level.
type builder struct {
	l    *List
	last [MaxLevel]pos
	rank [MaxLevel]int32 // rank (1-based) of last[i]; 0 for the header
}

// init starts building into the empty list l, expected to receive n members.
func (b *builder) init(l *List, n int) {
	b.l = l
	l.resize(n)
	for i := range b.last {
		b.last[i] = pos{0, l.hlvl}
	}
}

// append adds a member that sorts after every member already there.
func (b *builder) append(score float64, member []byte, h uint32) {
	l := b.l
	height := randomLevel()
	x := l.newNode(height, score, member, h)
	xn := l.nodes.at(x)
	if height > l.level {
		l.level = height
	}
	r := int32(l.length + 1)
	for i := 0; i < height; i++ {
		if i == 0 {
			pn := l.nodes.at(b.last[0].x)
			pn.fwd0, pn.fscore0 = x, score
		} else {
			pl := l.lk(b.last[i], i)
			pl.fwd, pl.fscore, pl.flvl = x, score, xn.lvl
			pl.span = r - b.rank[i]
		}
		b.last[i] = pos{x, xn.lvl}
		b.rank[i] = r
	}
	if l.tail != 0 {
		xn.back = l.tail
	}
	l.tail = x
	l.length++
	l.indexAdd(x, h)
}

// finish sets the spans of the last node of each level to the nodes after it, the
// invariant link and unlink maintain.
func (b *builder) finish() {
	l := b.l
	for i := 1; i < l.level; i++ {
		l.lk(b.last[i], i).span = int32(l.length) - b.rank[i]
	}
}

// BuildSorted returns a list holding the given members, which must be sorted by
// (score, member) with no duplicates; it costs O(N) instead of O(N log N).
func BuildSorted(n int, at func(i int) (score float64, member []byte)) *List {
	l := New()
	var b builder
	b.init(l, n)
	for i := 0; i < n; i++ {
		s, m := at(i)
		b.append(s, m, hashOf(m))
	}
	b.finish()
	return l
}

// Stats reports the memory the list holds, in bytes: node and level slabs, member
// arena and index tables.
func (l *List) Stats() (nodes, levels, arena, index int) {
	return l.nodes.cap * int(unsafe.Sizeof(node{})), l.lv.cap * int(unsafe.Sizeof(level{})),
		l.arena.bytes, 4 * (len(l.ht[0].b) + len(l.ht[1].b))
}

// Bytes is the memory the list holds (the sum of Stats), in O(1).
func (l *List) Bytes() int {
	a, b, c, d := l.Stats()
	return a + b + c + d + int(unsafe.Sizeof(*l)) + 24*(len(l.nodes.chunks)+len(l.lv.chunks)+len(l.arena.chunks))
}
