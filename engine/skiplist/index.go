package skiplist

import "math/bits"

// The member index: Redis's dict for a zset, as int32 bucket heads chained through
// the nodes' hnext. It grows when full (load factor 1) and shrinks below 10% fill,
// both incrementally: while resizing there are two tables and every index operation
// moves one bucket (dict.c's _dictRehashStep), so no single command pays for
// rehashing a million members.

type table struct {
	b    []int32
	mask uint32
	used int
}

const initBuckets = 4

// lookup returns the node holding member, or 0.
func (l *List) lookup(member []byte, h uint32) int32 {
	if l.length == 0 {
		return 0
	}
	l.rehashStep()
	for ti := 0; ti < 2; ti++ {
		t := &l.ht[ti]
		if len(t.b) == 0 {
			break
		}
		for x := t.b[h&t.mask]; x != 0; {
			xn := l.nodes.at(x)
			if xn.hash == h && string(l.member(xn)) == string(member) {
				return x
			}
			x = xn.hnext
		}
		if l.rehash < 0 {
			break
		}
	}
	return 0
}

// indexAdd puts node x (hash h) in the index.
func (l *List) indexAdd(x int32, h uint32) {
	l.rehashStep()
	l.expandIfNeeded()
	t := &l.ht[0]
	if l.rehash >= 0 {
		t = &l.ht[1]
	}
	b := h & t.mask
	l.nodes.at(x).hnext = t.b[b]
	t.b[b] = x
	t.used++
}

// indexRemove takes node x out of the index.
func (l *List) indexRemove(x int32) {
	l.rehashStep()
	h := l.nodes.at(x).hash
	for ti := 0; ti < 2; ti++ {
		t := &l.ht[ti]
		if len(t.b) == 0 {
			break
		}
		b := h & t.mask
		prev := int32(0)
		for cur := t.b[b]; cur != 0; {
			cn := l.nodes.at(cur)
			if cur == x {
				if prev == 0 {
					t.b[b] = cn.hnext
				} else {
					l.nodes.at(prev).hnext = cn.hnext
				}
				t.used--
				return
			}
			prev, cur = cur, cn.hnext
		}
		if l.rehash < 0 {
			break
		}
	}
	panic("skiplist: node missing from the index")
}

func (l *List) expandIfNeeded() {
	if l.rehash >= 0 {
		return
	}
	t := &l.ht[0]
	if len(t.b) == 0 {
		l.resize(initBuckets)
	} else if t.used >= len(t.b) {
		l.resize(t.used + 1)
	}
}

// indexShrinkIfNeeded starts a shrink when the table is less than 10% full (Redis's
// htNeedsResize + dictResize after zset deletions).
func (l *List) indexShrinkIfNeeded() {
	if l.rehash >= 0 {
		return
	}
	size := len(l.ht[0].b)
	if size > initBuckets && l.ht[0].used*100/size < 10 {
		l.resize(l.ht[0].used)
	}
}

// resize starts moving entries to a table of the next power of two ≥ n.
func (l *List) resize(n int) {
	size := initBuckets
	for size < n {
		size <<= 1
	}
	if size == len(l.ht[0].b) {
		return
	}
	nt := table{b: make([]int32, size), mask: uint32(size - 1)}
	if len(l.ht[0].b) == 0 {
		l.ht[0] = nt
		return
	}
	l.ht[1] = nt
	l.rehash = 0
}

// rehashStep moves one bucket (visiting at most 10 empty ones) to the new table.
func (l *List) rehashStep() {
	if l.rehash < 0 {
		return
	}
	t0, t1 := &l.ht[0], &l.ht[1]
	for empty := 10; t0.used > 0 && t0.b[l.rehash] == 0; {
		l.rehash++
		if empty--; empty == 0 {
			return
		}
	}
	if t0.used > 0 {
		for x := t0.b[l.rehash]; x != 0; {
			xn := l.nodes.at(x)
			next := xn.hnext
			b := xn.hash & t1.mask
			xn.hnext = t1.b[b]
			t1.b[b] = x
			t0.used--
			t1.used++
			x = next
		}
		t0.b[l.rehash] = 0
		l.rehash++
	}
	if t0.used == 0 {
		l.ht[0] = l.ht[1]
		l.ht[1] = table{}
		l.rehash = -1
	}
}

func rev(v uint64) uint64 { return bits.Reverse64(v) }

// Scan calls fn for the members of the index bucket(s) at cursor and returns the next
// cursor; 0 means the walk is complete. This is Redis's dictScan: a full walk returns
// every member present from its start to its end at least once, even when the index
// is resized between calls. fn must not modify the list.
func (l *List) Scan(v uint64, fn func(member []byte, score float64)) uint64 {
	if l.length == 0 {
		return 0
	}
	emit := func(x int32) {
		for x != 0 {
			xn := l.nodes.at(x)
			fn(l.member(xn), xn.score)
			x = xn.hnext
		}
	}
	if l.rehash < 0 {
		t := &l.ht[0]
		m := uint64(t.mask)
		emit(t.b[v&m])
		v |= ^m
		return rev(rev(v) + 1)
	}
	t0, t1 := &l.ht[0], &l.ht[1]
	if len(t0.b) > len(t1.b) {
		t0, t1 = t1, t0
	}
	m0, m1 := uint64(t0.mask), uint64(t1.mask)
	emit(t0.b[v&m0])
	for {
		emit(t1.b[v&m1])
		v |= ^m1
		v = rev(rev(v) + 1)
		if v&(m0^m1) == 0 {
			break
		}
	}
	return v
}
