package skiplist

import "bytes"

// Range is a score interval, each bound inclusive or exclusive (Redis's zrangespec).
type Range struct {
	Min, Max     float64
	MinEx, MaxEx bool
}

// GteMin reports whether v is above the range's lower bound.
func (r *Range) GteMin(v float64) bool {
	if r.MinEx {
		return v > r.Min
	}
	return v >= r.Min
}

// LteMax reports whether v is below the range's upper bound.
func (r *Range) LteMax(v float64) bool {
	if r.MaxEx {
		return v < r.Max
	}
	return v <= r.Max
}

// Empty reports whether no score can be in the range.
func (r *Range) Empty() bool {
	return r.Min > r.Max || r.Min == r.Max && (r.MinEx || r.MaxEx)
}

// LexBound is one end of a lexicographic range: "-" (below everything), "+" (above
// everything), or a value, inclusive ("[v") or exclusive ("(v").
type LexBound struct {
	Inf   int // -1 for "-", +1 for "+", 0 for a value
	Value []byte
	Ex    bool
}

// LexRange is a lexicographic interval (Redis's zlexrangespec).
type LexRange struct{ Min, Max LexBound }

// cmpLex compares a member with a bound, as Redis's sdscmplex(value, bound).
func cmpLex(v []byte, b *LexBound) int {
	switch b.Inf {
	case -1:
		return 1
	case 1:
		return -1
	}
	return bytes.Compare(v, b.Value)
}

// GteMin reports whether member v is above the lower bound.
func (r *LexRange) GteMin(v []byte) bool {
	c := cmpLex(v, &r.Min)
	if r.Min.Ex {
		return c > 0
	}
	return c >= 0
}

// LteMax reports whether member v is below the upper bound.
func (r *LexRange) LteMax(v []byte) bool {
	c := cmpLex(v, &r.Max)
	if r.Max.Ex {
		return c < 0
	}
	return c <= 0
}

// Empty reports whether no member can be in the range. Two identical infinite
// bounds ("-" "-", "+" "+") compare equal and are exclusive, hence empty, as in Redis.
func (r *LexRange) Empty() bool {
	var c int
	switch {
	case r.Min.Inf != 0 && r.Min.Inf == r.Max.Inf:
		c = 0
	case r.Min.Inf == -1 || r.Max.Inf == 1:
		c = -1
	case r.Min.Inf == 1 || r.Max.Inf == -1:
		c = 1
	default:
		c = bytes.Compare(r.Min.Value, r.Max.Value)
	}
	return c > 0 || c == 0 && (r.Min.Ex || r.Max.Ex)
}

// inRange is Redis's zslIsInRange.
func (l *List) inRange(r *Range) bool {
	if r.Empty() || l.tail == 0 || !r.GteMin(l.nodes.at(l.tail).score) {
		return false
	}
	return r.LteMax(l.nodes.at(0).fscore0)
}

// FirstInRange returns the lowest node with a score in r, or 0.
func (l *List) FirstInRange(r *Range) Node {
	if !l.inRange(r) {
		return 0
	}
	// Go forward while out of range; the next node is the first in range.
	p, _ := l.descend(func(_ int32, fs float64, _, _ int32) bool { return !r.GteMin(fs) }, nil)
	pn := l.nodes.at(p.x)
	if !r.LteMax(pn.fscore0) {
		return 0
	}
	return Node(pn.fwd0)
}

// LastInRange returns the highest node with a score in r, or 0.
func (l *List) LastInRange(r *Range) Node {
	if !l.inRange(r) {
		return 0
	}
	// Go forward while in range.
	p, _ := l.descend(func(_ int32, fs float64, _, _ int32) bool { return r.LteMax(fs) }, nil)
	if p.x == 0 || !r.GteMin(l.nodes.at(p.x).score) {
		return 0
	}
	return Node(p.x)
}

// inLexRange is Redis's zslIsInLexRange.
func (l *List) inLexRange(r *LexRange) bool {
	if r.Empty() || l.tail == 0 || !r.GteMin(l.memberOf(l.tail)) {
		return false
	}
	return r.LteMax(l.memberOf(l.nodes.at(0).fwd0))
}

// FirstInLex returns the lowest node with a member in r, or 0. Lexicographic ranges
// are meaningful when all members have the same score, as in Redis.
func (l *List) FirstInLex(r *LexRange) Node {
	if !l.inLexRange(r) {
		return 0
	}
	p, _ := l.descend(func(f int32, _ float64, _, _ int32) bool { return !r.GteMin(l.memberOf(f)) }, nil)
	x := l.nodes.at(p.x).fwd0
	if !r.LteMax(l.memberOf(x)) {
		return 0
	}
	return Node(x)
}

// LastInLex returns the highest node with a member in r, or 0.
func (l *List) LastInLex(r *LexRange) Node {
	if !l.inLexRange(r) {
		return 0
	}
	p, _ := l.descend(func(f int32, _ float64, _, _ int32) bool { return r.LteMax(l.memberOf(f)) }, nil)
	if p.x == 0 || !r.GteMin(l.memberOf(p.x)) {
		return 0
	}
	return Node(p.x)
}

// deleteFrom unlinks and frees nodes from the successor of update[0] while keep says
// so; it returns how many went.
func (l *List) deleteFrom(update *[MaxLevel]pos, keep func(xn *node) bool) int {
	removed := 0
	x := l.nodes.at(update[0].x).fwd0
	for x != 0 {
		xn := l.nodes.at(x)
		if !keep(xn) {
			break
		}
		next := xn.fwd0
		if l.snap != nil {
			l.snap.before(l, x)
		}
		l.unlink(x, update)
		l.release(x)
		removed++
		x = next
	}
	return removed
}

// DeleteRangeByScore removes the members with a score in r and returns how many.
func (l *List) DeleteRangeByScore(r *Range) int {
	var update [MaxLevel]pos
	l.descend(func(_ int32, fs float64, _, _ int32) bool { return !r.GteMin(fs) },
		func(i int, p pos, _ int32) { update[i] = p })
	n := l.deleteFrom(&update, func(xn *node) bool { return r.LteMax(xn.score) })
	l.maybeShrink()
	return n
}

// DeleteRangeByLex removes the members in r and returns how many.
func (l *List) DeleteRangeByLex(r *LexRange) int {
	var update [MaxLevel]pos
	l.descend(func(f int32, _ float64, _, _ int32) bool { return !r.GteMin(l.memberOf(f)) },
		func(i int, p pos, _ int32) { update[i] = p })
	n := l.deleteFrom(&update, func(xn *node) bool { return r.LteMax(l.member(xn)) })
	l.maybeShrink()
	return n
}

// DeleteRangeByRank removes the members with 0-based ranks start..end (inclusive,
// already clamped to the list) and returns how many.
func (l *List) DeleteRangeByRank(start, end int) int {
	var update [MaxLevel]pos
	s := int32(start + 1)
	_, traversed := l.descend(func(_ int32, _ float64, rank, span int32) bool { return rank+span < s },
		func(i int, p pos, _ int32) { update[i] = p })
	traversed++
	e := int32(end + 1)
	n := l.deleteFrom(&update, func(*node) bool {
		ok := traversed <= e
		traversed++
		return ok
	})
	l.maybeShrink()
	return n
}
