package engine

// Range commands of sorted sets: ZRANGE (BYSCORE, BYLEX, REV, LIMIT, WITHSCORES), its
// older forms (ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX,
// ZREVRANGEBYLEX), ZRANGESTORE, and ZREMRANGEBYRANK/SCORE/LEX, after Redis 7.0's
// zrangeGenericCommand and zremrangeGenericCommand: the same option parsing, error
// order, and LIMIT quirks (a negative offset yields nothing, a negative count means
// all).

import (
	"github.com/keygrid/keygrid/engine/skiplist"
)

// zrangeType is what a range is over (Redis's zrange_type).
type zrangeType uint8

const (
	zrangeAuto zrangeType = iota
	zrangeRank
	zrangeScore
	zrangeLex
)

// zrangeDir is a range's direction (Redis's zrange_direction).
type zrangeDir uint8

const (
	zdirAuto zrangeDir = iota
	zdirForward
	zdirReverse
)

// zrangeSink receives a range's members: the client's reply, or the destination set
// of ZRANGESTORE (Redis's zrange_result_handler).
type zrangeSink struct {
	c          *Client
	store      bool
	dstkey     []byte
	dst        *zsetObj
	withscores bool
	lenPos     int // where a deferred array length goes; -1 when written up front
}

// begin starts the result; length is the number of members when known, else -1.
func (h *zrangeSink) begin(length int) {
	if h.store {
		h.dst = newZsetSized(length, h.c.srv.zsetLimits())
		return
	}
	if length > 0 {
		h.c.zreplyArrayLen(length, h.withscores)
		h.lenPos = -1
		return
	}
	h.lenPos = len(h.c.out)
}

// emit adds one member.
func (h *zrangeSink) emit(member []byte, score float64) {
	if h.store {
		h.dst.add(score, member, 0, h.c.srv.zsetLimits())
		return
	}
	h.c.zreplyMember(member, score, h.withscores)
}

// finalize ends the result of count members.
func (h *zrangeSink) finalize(count int) {
	c := h.c
	if !h.store {
		if h.lenPos >= 0 {
			n := count
			if h.withscores && c.proto == 2 {
				n *= 2
			}
			c.insertArrayLen(h.lenPos, n)
		}
		return
	}
	s := c.srv
	if count > 0 {
		c.zsetStore(h.dstkey, h.dst)
		c.ReplyInt(int64(count))
		s.notifyKeyspace(NotifyZSet, "zrangestore", h.dstkey, c.db.id)
		s.dirty++
		return
	}
	c.ReplyInt(0)
	if c.db.Delete(h.dstkey) {
		s.signalModified(c.db, h.dstkey)
		s.notifyKeyspace(NotifyGeneric, "del", h.dstkey, c.db.id)
		s.dirty++
	}
}

// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
func zrangeCommand(c *Client) {
	h := zrangeSink{c: c}
	c.zrangeGeneric(&h, 1, zrangeAuto, zdirAuto)
}

// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
func zrangestoreCommand(c *Client) {
	h := zrangeSink{c: c, store: true, dstkey: c.argv[1]}
	c.zrangeGeneric(&h, 2, zrangeAuto, zdirAuto)
}

// ZREVRANGE key start stop [WITHSCORES]
func zrevrangeCommand(c *Client) {
	h := zrangeSink{c: c}
	c.zrangeGeneric(&h, 1, zrangeRank, zdirReverse)
}

// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
func zrangebyscoreCommand(c *Client) {
	h := zrangeSink{c: c}
	c.zrangeGeneric(&h, 1, zrangeScore, zdirForward)
}

// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
func zrevrangebyscoreCommand(c *Client) {
	h := zrangeSink{c: c}
	c.zrangeGeneric(&h, 1, zrangeScore, zdirReverse)
}

// ZRANGEBYLEX key min max [LIMIT offset count]
func zrangebylexCommand(c *Client) {
	h := zrangeSink{c: c}
	c.zrangeGeneric(&h, 1, zrangeLex, zdirForward)
}

// ZREVRANGEBYLEX key max min [LIMIT offset count]
func zrevrangebylexCommand(c *Client) {
	h := zrangeSink{c: c}
	c.zrangeGeneric(&h, 1, zrangeLex, zdirReverse)
}

// zrangeGeneric is Redis's zrangeGenericCommand: argStart is the source key's index,
// followed by min and max and the options.
func (c *Client) zrangeGeneric(h *zrangeSink, argStart int, typ zrangeType, dir zrangeDir) {
	argv := c.argv
	key := argv[argStart]
	minIdx, maxIdx := argStart+1, argStart+2
	withscores := false
	var offset, limit int64 = 0, -1
	for j := argStart + 3; j < len(argv); j++ {
		left := len(argv) - j - 1
		a := argv[j]
		switch {
		case !h.store && eqFold(a, "withscores"):
			withscores = true
		case eqFold(a, "limit") && left >= 2:
			var ok bool
			if offset, ok = c.zparseLong(argv[j+1], ""); !ok {
				return
			}
			if limit, ok = c.zparseLong(argv[j+2], ""); !ok {
				return
			}
			j += 2
		case dir == zdirAuto && eqFold(a, "rev"):
			dir = zdirReverse
		case typ == zrangeAuto && eqFold(a, "bylex"):
			typ = zrangeLex
		case typ == zrangeAuto && eqFold(a, "byscore"):
			typ = zrangeScore
		default:
			c.ReplyError(ErrSyntax)
			return
		}
	}
	if dir == zdirAuto {
		dir = zdirForward
	}
	if typ == zrangeAuto {
		typ = zrangeRank
	}
	if limit != -1 && typ == zrangeRank {
		c.ReplyError("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
		return
	}
	if withscores && typ == zrangeLex {
		c.ReplyError("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
		return
	}
	reverse := dir == zdirReverse
	if reverse && typ != zrangeRank {
		minIdx, maxIdx = maxIdx, minIdx // the range is given as max, min
	}
	var start, end int64
	var rg skiplist.Range
	var lex skiplist.LexRange
	switch typ {
	case zrangeRank:
		var ok bool
		if start, ok = c.zparseLong(argv[minIdx], ""); !ok {
			return
		}
		if end, ok = c.zparseLong(argv[maxIdx], ""); !ok {
			return
		}
	case zrangeScore:
		var ok bool
		if rg, ok = zparseRange(argv[minIdx], argv[maxIdx]); !ok {
			c.ReplyError("ERR min or max is not a float")
			return
		}
	case zrangeLex:
		var ok bool
		if lex, ok = zparseLexRange(argv[minIdx], argv[maxIdx]); !ok {
			c.ReplyError("ERR min or max not valid string range item")
			return
		}
	}
	h.withscores = withscores
	z, ok := c.lookupZsetRead(key)
	if !ok {
		return
	}
	if z == nil {
		if h.store {
			h.begin(-1)
			h.finalize(0)
		} else {
			c.ReplyArray(0)
		}
		return
	}
	switch typ {
	case zrangeRank:
		z.rangeByRank(h, start, end, reverse)
	case zrangeScore:
		z.rangeByScore(h, &rg, offset, limit, reverse)
	case zrangeLex:
		z.rangeByLex(h, &lex, offset, limit, reverse)
	}
}

// zclampRank turns start and end (negative from the tail) into a 0-based inclusive
// range of a set of n members; ok is false when it is empty.
func zclampRank(start, end int64, n int) (int, int, bool) {
	llen := int64(n)
	if start < 0 {
		start += llen
	}
	if end < 0 {
		end += llen
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= llen {
		return 0, 0, false
	}
	if end >= llen {
		end = llen - 1
	}
	return int(start), int(end), true
}

// rangeByRank is Redis's genericZrangebyrankCommand.
func (z *zsetObj) rangeByRank(h *zrangeSink, start, end int64, reverse bool) {
	s, e, ok := zclampRank(start, end, z.length())
	if !ok {
		h.begin(0)
		h.finalize(0)
		return
	}
	n := e - s + 1
	h.begin(n)
	var p zpos
	if reverse {
		p = z.byRank(z.length() - 1 - s)
	} else {
		p = z.byRank(s)
	}
	var nb [20]byte
	for i := 0; i < n && p >= 0; i++ {
		h.emit(z.memberAt(p, &nb), z.scoreAt(p))
		p = z.step(p, reverse)
	}
	h.finalize(n)
}

// rangeByScore is Redis's genericZrangebyscoreCommand.
func (z *zsetObj) rangeByScore(h *zrangeSink, r *skiplist.Range, offset, limit int64, reverse bool) {
	h.begin(-1)
	if offset > 0 && offset >= int64(z.length()) {
		h.finalize(0)
		return
	}
	var p zpos
	if reverse {
		p = z.lastInRange(r)
	} else {
		p = z.firstInRange(r)
	}
	// Skip offset members without checking them (a negative offset walks off the end,
	// as Redis's "while (ln && offset--)" does).
	for p >= 0 && offset != 0 {
		offset--
		p = z.step(p, reverse)
	}
	n := 0
	var nb [20]byte
	for p >= 0 && limit != 0 {
		limit--
		score := z.scoreAt(p)
		if reverse && !r.GteMin(score) || !reverse && !r.LteMax(score) {
			break
		}
		h.emit(z.memberAt(p, &nb), score)
		n++
		p = z.step(p, reverse)
	}
	h.finalize(n)
}

// rangeByLex is Redis's genericZrangebylexCommand.
func (z *zsetObj) rangeByLex(h *zrangeSink, r *skiplist.LexRange, offset, limit int64, reverse bool) {
	h.begin(-1)
	var p zpos
	if reverse {
		p = z.lastInLex(r)
	} else {
		p = z.firstInLex(r)
	}
	for p >= 0 && offset != 0 {
		offset--
		p = z.step(p, reverse)
	}
	n := 0
	var nb [20]byte
	for p >= 0 && limit != 0 {
		limit--
		m := z.memberAt(p, &nb)
		if reverse && !r.GteMin(m) || !reverse && !r.LteMax(m) {
			break
		}
		h.emit(m, z.scoreAt(p))
		n++
		p = z.step(p, reverse)
	}
	h.finalize(n)
}

// ZREMRANGEBYRANK key start stop
func zremrangebyrankCommand(c *Client) { c.zremrangeGeneric(zrangeRank) }

// ZREMRANGEBYSCORE key min max
func zremrangebyscoreCommand(c *Client) { c.zremrangeGeneric(zrangeScore) }

// ZREMRANGEBYLEX key min max
func zremrangebylexCommand(c *Client) { c.zremrangeGeneric(zrangeLex) }

// zremrangeGeneric is Redis's zremrangeGenericCommand.
func (c *Client) zremrangeGeneric(typ zrangeType) {
	argv := c.argv
	key := argv[1]
	var start, end int64
	var rg skiplist.Range
	var lex skiplist.LexRange
	var event string
	switch typ {
	case zrangeRank:
		event = "zremrangebyrank"
		var ok bool
		if start, ok = c.zparseLong(argv[2], ""); !ok {
			return
		}
		if end, ok = c.zparseLong(argv[3], ""); !ok {
			return
		}
	case zrangeScore:
		event = "zremrangebyscore"
		var ok bool
		if rg, ok = zparseRange(argv[2], argv[3]); !ok {
			c.ReplyError("ERR min or max is not a float")
			return
		}
	case zrangeLex:
		event = "zremrangebylex"
		var ok bool
		if lex, ok = zparseLexRange(argv[2], argv[3]); !ok {
			c.ReplyError("ERR min or max not valid string range item")
			return
		}
	}
	_, z, ok := c.lookupZsetWrite(key)
	if !ok {
		return
	}
	if z == nil {
		c.ReplyInt(0)
		return
	}
	var s, e int
	if typ == zrangeRank {
		if s, e, ok = zclampRank(start, end, z.length()); !ok {
			c.ReplyInt(0)
			return
		}
	}
	deleted := 0
	switch {
	case z.sl != nil && typ == zrangeRank:
		deleted = z.sl.DeleteRangeByRank(s, e)
	case z.sl != nil && typ == zrangeScore:
		deleted = z.sl.DeleteRangeByScore(&rg)
	case z.sl != nil:
		deleted = z.sl.DeleteRangeByLex(&lex)
	case typ == zrangeRank:
		deleted = e - s + 1
		z.lp.DeleteRange(2*s, 2*deleted)
	default:
		// Delete the run of pairs from the first in range while they stay in it.
		var p zpos
		if typ == zrangeScore {
			p = z.firstInRange(&rg)
		} else {
			p = z.firstInLex(&lex)
		}
		var nb [20]byte
		for p >= 0 {
			in := false
			if typ == zrangeScore {
				in = rg.LteMax(z.scoreAt(p))
			} else {
				in = lex.LteMax(z.memberAt(p, &nb))
			}
			if !in {
				break
			}
			p = zpos(z.lp.Delete(int(p), 2))
			deleted++
		}
	}
	removed := false
	if z.length() == 0 {
		c.zsetDeleteKey(key)
		removed = true
	}
	srv := c.srv
	if deleted > 0 {
		srv.signalModified(c.db, key)
		srv.notifyKeyspace(NotifyZSet, event, key, c.db.id)
		if removed {
			srv.notifyKeyspace(NotifyGeneric, "del", key, c.db.id)
		}
	}
	srv.dirty += int64(deleted)
	c.ReplyInt(int64(deleted))
}
