package engine

// ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD (Redis 7.0's
// zunionInterDiffGenericCommand). Inputs may be sorted sets or plain sets (whose
// members score 1). The order of work is Redis's, because it decides floating-point
// results: inputs are sorted by size (stably, as glibc's merge sort does), and each
// member's score is the aggregate of its weighted scores in that order; a sum of +inf
// and -inf is 0.

import (
	"math"
	"slices"
	"sort"

	"github.com/keygrid/keygrid/engine/listpack"
	"github.com/keygrid/keygrid/engine/skiplist"
)

// zsrc is one input of a set operation.
type zsrc struct {
	z      *zsetObj
	s      *setObj
	weight float64
}

func (s *zsrc) length() int {
	switch {
	case s.z != nil:
		return s.z.length()
	case s.s != nil:
		return s.s.size()
	}
	return 0
}

// same reports whether two inputs are the same value (a key given twice).
func (s *zsrc) same(o *zsrc) bool {
	return s.z != nil && s.z == o.z || s.s != nil && s.s == o.s
}

// find returns member's score in the input.
func (s *zsrc) find(member []byte) (float64, bool) {
	switch {
	case s.z != nil:
		return s.z.score(member)
	case s.s != nil:
		if s.s.has(member) {
			return 1, true
		}
	}
	return 0, false
}

// each calls fn for every member and score until it returns false: sorted sets from
// the highest member down (Redis's zuiInitIterator walks them backwards), sets in
// their own order. member is a view valid during the call.
func (s *zsrc) each(fn func(member []byte, score float64) bool) {
	switch {
	case s.z != nil:
		z := s.z
		var nb [20]byte
		for p := z.last(); p >= 0; p = z.prev(p) {
			if !fn(z.memberAt(p, &nb), z.scoreAt(p)) {
				return
			}
		}
	case s.s != nil:
		var nb [20]byte
		s.s.each(func(el setElem) bool { return fn(el.bytes(&nb), 1) })
	}
}

// Aggregates (Redis's REDIS_AGGR_*).
const (
	zaggrSum = iota
	zaggrMin
	zaggrMax
)

// zaggregate is Redis's zunionInterAggregate.
func zaggregate(target *float64, v float64, aggr int) {
	switch aggr {
	case zaggrSum:
		*target += v
		if math.IsNaN(*target) {
			*target = 0 // +inf + -inf
		}
	case zaggrMin:
		if v < *target {
			*target = v
		}
	case zaggrMax:
		if v > *target {
			*target = v
		}
	}
}

// Set operations (Redis's SET_OP_*).
const (
	zopUnion = iota
	zopInter
	zopDiff
)

// zentry is one member of a result being built.
type zentry struct {
	member string
	score  float64
}

// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]
func zunionstoreCommand(c *Client) { c.zsetOpGeneric(c.argv[1], 2, zopUnion, false) }

// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]
func zinterstoreCommand(c *Client) { c.zsetOpGeneric(c.argv[1], 2, zopInter, false) }

// ZDIFFSTORE destination numkeys key [key ...]
func zdiffstoreCommand(c *Client) { c.zsetOpGeneric(c.argv[1], 2, zopDiff, false) }

// ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
func zunionCommand(c *Client) { c.zsetOpGeneric(nil, 1, zopUnion, false) }

// ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
func zinterCommand(c *Client) { c.zsetOpGeneric(nil, 1, zopInter, false) }

// ZDIFF numkeys key [key ...] [WITHSCORES]
func zdiffCommand(c *Client) { c.zsetOpGeneric(nil, 1, zopDiff, false) }

// ZINTERCARD numkeys key [key ...] [LIMIT limit]
func zintercardCommand(c *Client) { c.zsetOpGeneric(nil, 1, zopInter, true) }

// zsetOpGeneric is Redis's zunionInterDiffGenericCommand.
func (c *Client) zsetOpGeneric(dstkey []byte, numkeysIdx int, op int, cardOnly bool) {
	argv := c.argv
	setnum, ok := c.zparseLong(argv[numkeysIdx], "")
	if !ok {
		return
	}
	if setnum < 1 {
		c.ReplyError("ERR at least 1 input key is needed for '" + c.cmd.Name + "' command")
		return
	}
	if setnum > int64(len(argv)-(numkeysIdx+1)) {
		c.ReplyError(ErrSyntax)
		return
	}
	n := int(setnum)
	src := make([]zsrc, n)
	j := numkeysIdx + 1
	for i := 0; i < n; i, j = i+1, j+1 {
		src[i].weight = 1
		e := c.db.LookupRead(argv[j])
		if e == nil {
			continue
		}
		switch metaType(e.Meta) {
		case TypeZSet:
			src[i].z = zsetOf(e)
		case TypeSet:
			src[i].s = e.Obj.(*setObj)
		default:
			c.ReplyError(ErrWrongType)
			return
		}
	}
	aggr := zaggrSum
	withscores := false
	var limit int64
	for j < len(argv) {
		remaining := len(argv) - j
		a := argv[j]
		switch {
		case op != zopDiff && !cardOnly && remaining >= n+1 && eqFold(a, "weights"):
			j++
			for i := 0; i < n; i, j = i+1, j+1 {
				w, ok := zparseDouble(argv[j])
				if !ok {
					c.ReplyError("ERR weight value is not a float")
					return
				}
				src[i].weight = w
			}
		case op != zopDiff && !cardOnly && remaining >= 2 && eqFold(a, "aggregate"):
			switch v := argv[j+1]; {
			case eqFold(v, "sum"):
				aggr = zaggrSum
			case eqFold(v, "min"):
				aggr = zaggrMin
			case eqFold(v, "max"):
				aggr = zaggrMax
			default:
				c.ReplyError(ErrSyntax)
				return
			}
			j += 2
		case dstkey == nil && !cardOnly && eqFold(a, "withscores"):
			withscores = true
			j++
		case cardOnly && remaining >= 2 && eqFold(a, "limit"):
			if limit, ok = c.zparsePositive(argv[j+1], "ERR LIMIT can't be negative"); !ok {
				return
			}
			j += 2
		default:
			c.ReplyError(ErrSyntax)
			return
		}
	}
	if op != zopDiff {
		// Smallest first; stable, as glibc's qsort (a merge sort) is.
		sort.SliceStable(src, func(a, b int) bool { return src[a].length() < src[b].length() })
	}
	var res []zentry
	card := 0
	switch op {
	case zopInter:
		res, card = zinter(src, aggr, cardOnly, limit)
	case zopUnion:
		res = zunion(src, aggr)
	case zopDiff:
		res = zdiff(src)
	}
	switch {
	case cardOnly:
		c.ReplyInt(int64(card))
	case dstkey != nil:
		c.zsetOpStore(dstkey, res, op)
	default:
		slices.SortFunc(res, zentryCmp)
		c.zreplyArrayLen(len(res), withscores)
		for i := range res {
			c.zreplyMember(bytesOf(res[i].member), res[i].score, withscores)
		}
	}
}

func zentryCmp(a, b zentry) int {
	switch {
	case a.score < b.score:
		return -1
	case a.score > b.score:
		return 1
	case a.member < b.member:
		return -1
	case a.member > b.member:
		return 1
	}
	return 0
}

// zinter intersects the inputs, walking the smallest (Redis's SET_OP_INTER).
func zinter(src []zsrc, aggr int, cardOnly bool, limit int64) ([]zentry, int) {
	var res []zentry
	card := 0
	if src[0].length() == 0 {
		return nil, 0
	}
	src[0].each(func(member []byte, zs float64) bool {
		score := src[0].weight * zs
		if math.IsNaN(score) {
			score = 0
		}
		for j := 1; j < len(src); j++ {
			if src[j].same(&src[0]) {
				zaggregate(&score, zs*src[j].weight, aggr)
			} else if v, ok := src[j].find(member); ok {
				zaggregate(&score, v*src[j].weight, aggr)
			} else {
				return true
			}
		}
		if cardOnly {
			card++
			return limit == 0 || int64(card) < limit
		}
		res = append(res, zentry{string(member), score})
		return true
	})
	return res, card
}

// zunion accumulates every member's weighted scores, input after input (Redis's
// SET_OP_UNION).
func zunion(src []zsrc, aggr int) []zentry {
	index := make(map[string]int, src[len(src)-1].length())
	var res []zentry
	for i := range src {
		if src[i].length() == 0 {
			continue
		}
		w := src[i].weight
		src[i].each(func(member []byte, zs float64) bool {
			score := w * zs
			if math.IsNaN(score) {
				score = 0
			}
			if k, ok := index[string(member)]; ok {
				zaggregate(&res[k].score, score, aggr)
			} else {
				m := string(member)
				index[m] = len(res)
				res = append(res, zentry{m, score})
			}
			return true
		})
	}
	return res
}

// zdiff keeps the members of the first input that no other input has (Redis's
// algorithm 1; its algorithm 2 gives the same set), with their first-input scores.
func zdiff(src []zsrc) []zentry {
	if src[0].length() == 0 {
		return nil
	}
	for j := 1; j < len(src); j++ {
		if src[j].same(&src[0]) {
			return nil
		}
	}
	var res []zentry
	src[0].each(func(member []byte, zs float64) bool {
		for j := 1; j < len(src); j++ {
			if _, ok := src[j].find(member); ok {
				return true
			}
		}
		res = append(res, zentry{string(member), zs})
		return true
	})
	return res
}

// zsetFromEntries builds the set Redis stores for a result: a skiplist, converted to
// a listpack when small enough (zsetConvertToListpackIfNeeded). res is sorted here.
func zsetFromEntries(res []zentry, lim zsetLimits) *zsetObj {
	slices.SortFunc(res, zentryCmp)
	maxlen, total := 0, 0
	for i := range res {
		l := len(res[i].member)
		maxlen = max(maxlen, l)
		total += l
	}
	if len(res) <= lim.entries && maxlen <= lim.value && total <= listpack.MaxSafeSize {
		z := &zsetObj{}
		var sb [32]byte
		for i := range res {
			z.lp.Append(bytesOf(res[i].member))
			z.lp.Append(zscoreBytes(sb[:0], res[i].score))
		}
		return z
	}
	return &zsetObj{sl: skiplist.BuildSorted(len(res), func(i int) (float64, []byte) {
		return res[i].score, bytesOf(res[i].member)
	})}
}

// zsetOpStore stores a set operation's result at dstkey, or deletes dstkey when the
// result is empty.
func (c *Client) zsetOpStore(dstkey []byte, res []zentry, op int) {
	s := c.srv
	if len(res) == 0 {
		c.ReplyInt(0)
		if c.db.Delete(dstkey) {
			s.signalModified(c.db, dstkey)
			s.notifyKeyspace(NotifyGeneric, "del", dstkey, c.db.id)
			s.dirty++
		}
		return
	}
	z := zsetFromEntries(res, s.zsetLimits())
	c.zsetStore(dstkey, z)
	c.ReplyInt(int64(z.length()))
	ev := "zunionstore"
	switch op {
	case zopInter:
		ev = "zinterstore"
	case zopDiff:
		ev = "zdiffstore"
	}
	s.notifyKeyspace(NotifyZSet, ev, dstkey, c.db.id)
	s.dirty++
}
