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
	return r.LteMax(l.nodes.at(l.nodes.at(0).fwd0).score)
}

// FirstInRange returns the lowest node with a score in r, or 0.
func (l *List) FirstInRange(r *Range) Node {
	if !l.inRange(r) {
		return 0
	}
	cn := l.nodes.at(0)
	for i := l.level - 1; i >= 0; i-- {
		for {
			f := l.fwd(cn, i)
			if f == 0 {
				break
			}
			fn := l.nodes.at(f)
			if r.GteMin(fn.score) {
				break
			}
			cn = fn
		}
	}
	x := cn.fwd0
	if !r.LteMax(l.nodes.at(x).score) {
		return 0
	}
	return Node(x)
}

// LastInRange returns the highest node with a score in r, or 0.
func (l *List) LastInRange(r *Range) Node {
	if !l.inRange(r) {
		return 0
	}
	cur := int32(0)
	cn := l.nodes.at(0)
	for i := l.level - 1; i >= 0; i-- {
		for {
			f := l.fwd(cn, i)
			if f == 0 {
				break
			}
			fn := l.nodes.at(f)
			if !r.LteMax(fn.score) {
				break
			}
			cur, cn = f, fn
		}
	}
	if cur == 0 || !r.GteMin(cn.score) {
		return 0
	}
	return Node(cur)
}

// inLexRange is Redis's zslIsInLexRange.
func (l *List) inLexRange(r *LexRange) bool {
	if r.Empty() || l.tail == 0 || !r.GteMin(l.member(l.nodes.at(l.tail))) {
		return false
	}
	return r.LteMax(l.member(l.nodes.at(l.nodes.at(0).fwd0)))
}

// FirstInLex returns the lowest node with a member in r, or 0. Lexicographic ranges
// are meaningful when all members have the same score, as in Redis.
func (l *List) FirstInLex(r *LexRange) Node {
	if !l.inLexRange(r) {
		return 0
	}
	cn := l.nodes.at(0)
	for i := l.level - 1; i >= 0; i-- {
		for {
			f := l.fwd(cn, i)
			if f == 0 {
				break
			}
			fn := l.nodes.at(f)
			if r.GteMin(l.member(fn)) {
				break
			}
			cn = fn
		}
	}
	x := cn.fwd0
	if !r.LteMax(l.member(l.nodes.at(x))) {
		return 0
	}
	return Node(x)
}

// LastInLex returns the highest node with a member in r, or 0.
func (l *List) LastInLex(r *LexRange) Node {
	if !l.inLexRange(r) {
		return 0
	}
	cur := int32(0)
	cn := l.nodes.at(0)
	for i := l.level - 1; i >= 0; i-- {
		for {
			f := l.fwd(cn, i)
			if f == 0 {
				break
			}
			fn := l.nodes.at(f)
			if !r.LteMax(l.member(fn)) {
				break
			}
			cur, cn = f, fn
		}
	}
	if cur == 0 || !r.GteMin(l.member(cn)) {
		return 0
	}
	return Node(cur)
}

// deleteFrom unlinks and frees nodes from the successor of update[0] while keep says
// so; it returns how many went.
func (l *List) deleteFrom(update *[MaxLevel]int32, keep func(xn *node) bool) int {
	removed := 0
	x := l.nodes.at(update[0]).fwd0
	for x != 0 {
		xn := l.nodes.at(x)
		if !keep(xn) {
			break
		}
		next := xn.fwd0
		l.unlink(x, update)
		l.release(x)
		removed++
		x = next
	}
	return removed
}

// DeleteRangeByScore removes the members with a score in r and returns how many.
func (l *List) DeleteRangeByScore(r *Range) int {
	var update [MaxLevel]int32
	cur := int32(0)
	cn := l.nodes.at(0)
	for i := l.level - 1; i >= 0; i-- {
		for {
			f := l.fwd(cn, i)
			if f == 0 {
				break
			}
			fn := l.nodes.at(f)
			if r.GteMin(fn.score) {
				break
			}
			cur, cn = f, fn
		}
		update[i] = cur
	}
	n := l.deleteFrom(&update, func(xn *node) bool { return r.LteMax(xn.score) })
	l.maybeShrink()
	return n
}

// DeleteRangeByLex removes the members in r and returns how many.
func (l *List) DeleteRangeByLex(r *LexRange) int {
	var update [MaxLevel]int32
	cur := int32(0)
	cn := l.nodes.at(0)
	for i := l.level - 1; i >= 0; i-- {
		for {
			f := l.fwd(cn, i)
			if f == 0 {
				break
			}
			fn := l.nodes.at(f)
			if r.GteMin(l.member(fn)) {
				break
			}
			cur, cn = f, fn
		}
		update[i] = cur
	}
	n := l.deleteFrom(&update, func(xn *node) bool { return r.LteMax(l.member(xn)) })
	l.maybeShrink()
	return n
}

// DeleteRangeByRank removes the members with 0-based ranks start..end (inclusive,
// already clamped to the list) and returns how many.
func (l *List) DeleteRangeByRank(start, end int) int {
	var update [MaxLevel]int32
	s := int32(start + 1)
	traversed := int32(0)
	cur := int32(0)
	cn := l.nodes.at(0)
	for i := l.level - 1; i >= 0; i-- {
		for {
			f := l.fwd(cn, i)
			if f == 0 || traversed+l.span(cn, i) >= s {
				break
			}
			traversed += l.span(cn, i)
			cur, cn = f, l.nodes.at(f)
		}
		update[i] = cur
	}
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
