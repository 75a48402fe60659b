package engine

// XREAD and XREADGROUP (Redis's xreadCommand, which serves both): argument
// parsing, the synchronous reply, and the group side effects of a read (last
// delivered ID, read counter, pending entries, consumer creation), which
// XREADGROUP propagates as XCLAIM / XGROUP SETID / XGROUP CREATECONSUMER rather
// than as itself. When nothing can be served and BLOCK was given the client
// blocks (streams_block.go) and the same serving code runs when data arrives.

import (
	"strconv"

	"github.com/keygrid/keygrid/engine/stream"
)

// xreadBlockedDefaultCount is the COUNT of a blocked XREAD without one, so that a
// client blocking with a low ID is not sent a huge backlog at once.
const xreadBlockedDefaultCount = 1000

// xreadKeys returns the key positions of XREAD and XREADGROUP: the first half of
// the arguments after STREAMS, found by skipping the options (xreadGetKeys).
func xreadKeys(argv [][]byte) []int {
	pos := -1
loop:
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		switch {
		case eqFold(a, "block"), eqFold(a, "count"):
			i++
		case eqFold(a, "group"):
			i += 2
		case eqFold(a, "noack"):
		case eqFold(a, "streams"):
			pos = i
			break loop
		default:
			break loop
		}
	}
	if pos < 0 {
		return nil
	}
	num := len(argv) - pos - 1
	if num == 0 || num%2 != 0 {
		return nil
	}
	num /= 2
	keys := make([]int, num)
	for i := range keys {
		keys[i] = pos + 1 + i
	}
	return keys
}

// xreadArgs are the parsed arguments of XREAD / XREADGROUP.
type xreadArgs struct {
	timeout    int64 // -1: no BLOCK; 0: forever; else absolute unix ms
	count      int64 // 0: no limit
	streamsArg int   // argv index of the first key
	n          int   // number of streams
	noack      bool
	group      []byte // nil for XREAD
	consumer   []byte
}

// XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]
func xreadCommand(c *Client) { c.xreadGeneric(false) }

// XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]
func xreadgroupCommand(c *Client) { c.xreadGeneric(true) }

func (c *Client) xreadGeneric(isGroup bool) {
	// XREADGROUP propagates what it did (XCLAIM, XGROUP SETID, ...), never itself.
	c.preventPropagation()
	argv := c.argv
	a := xreadArgs{timeout: -1}
	for i := 1; i < len(argv); i++ {
		more := len(argv) - i - 1
		o := argv[i]
		switch {
		case eqFold(o, "block") && more > 0:
			if c.isScript() {
				// Redis refuses BLOCK in scripts outright (where MULTI gets an
				// immediate timeout), kept for compatibility with older versions.
				c.ReplyError("ERR " + string(argv[0]) + " command is not allowed with BLOCK option from scripts")
				return
			}
			i++
			t, ok := c.blockTimeoutArg(argv[i], false)
			if !ok {
				return
			}
			a.timeout = t
		case eqFold(o, "count") && more > 0:
			i++
			n, ok := parseInt(argv[i])
			if !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			a.count = max(n, 0)
		case eqFold(o, "streams") && more > 0:
			a.streamsArg = i + 1
			n := len(argv) - a.streamsArg
			if n%2 != 0 {
				c.ReplyError("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
				return
			}
			a.n = n / 2
			i = len(argv)
		case eqFold(o, "group") && more >= 2:
			if !isGroup {
				c.ReplyError("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
				return
			}
			a.group, a.consumer = argv[i+1], argv[i+2]
			i += 2
		case eqFold(o, "noack"):
			if !isGroup {
				c.ReplyError("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
				return
			}
			a.noack = true
		default:
			c.ReplyError(ErrSyntax)
			return
		}
	}
	if a.streamsArg == 0 {
		c.ReplyError(ErrSyntax)
		return
	}
	if isGroup && a.group == nil {
		c.ReplyError("ERR Missing GROUP option for XREADGROUP")
		return
	}

	// Resolve the IDs (and check the keys and groups).
	var small [8]stream.ID
	ids := small[:0]
	for i := a.streamsArg + a.n; i < len(argv); i++ {
		key := argv[i-a.n]
		e := c.db.LookupRead(key)
		s, ok := c.checkStream(e)
		if !ok {
			return
		}
		if a.group != nil && (s == nil || s.Group(a.group) == nil) {
			c.ReplyError("NOGROUP No such key '" + string(key) + "' or consumer group '" +
				string(a.group) + "' in XREADGROUP with GROUP option")
			return
		}
		arg := argv[i]
		switch {
		case cstrEq(arg, "$"):
			if a.group != nil {
				c.ReplyError("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")
				return
			}
			var id stream.ID
			if s != nil {
				id = s.LastID
			}
			ids = append(ids, id)
		case cstrEq(arg, ">"):
			if a.group == nil {
				c.ReplyError("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
				return
			}
			// The largest ID stands for ">": the group's last ID, read when served.
			ids = append(ids, stream.MaxID)
		default:
			id, ok := c.parseStreamID(arg, 0, true)
			if !ok {
				return
			}
			ids = append(ids, id)
		}
	}

	if c.xreadServe(&a, ids) {
		return
	}
	if a.timeout != -1 {
		if c.blockingDenied() {
			// Inside MULTI or a script a BLOCK acts as an immediate timeout.
			c.ReplyNullArray()
			return
		}
		c.blockForStreams(&a, ids)
		return
	}
	c.ReplyNullArray()
}

// cstrEq compares an argument with s as C's strcmp on the argument's C string
// would (the argument ends at a NUL byte).
func cstrEq(arg []byte, s string) bool {
	for i, b := range arg {
		if b == 0 {
			arg = arg[:i]
			break
		}
	}
	return string(arg) == s
}

// xreadServe replies what can be read now and reports whether it replied: for
// each stream with entries past its ID (for a group with ">", past the group's
// last delivered ID; with another ID, the consumer's pending history).
func (c *Client) xreadServe(a *xreadArgs, ids []stream.ID) bool {
	argv := c.argv
	served := 0
	var top streamDeferred
	for i := 0; i < a.n; i++ {
		key := argv[a.streamsArg+i]
		e := c.db.LookupRead(key)
		if e == nil {
			continue
		}
		s := streamOf(e)
		gt := ids[i]
		var g *stream.Group
		sync, history := false, false
		if a.group != nil {
			g = s.Group(a.group)
			if gt != stream.MaxID {
				sync, history = true, true
			} else if s.Len() > 0 && g.LastID.Less(s.LastValidID()) {
				sync, gt = true, g.LastID
			}
		} else if s.Len() > 0 && gt.Less(s.LastValidID()) {
			sync = true
		}
		if !sync {
			continue
		}
		served++
		if served == 1 {
			top = c.deferLen()
		}
		start, _ := gt.Incr()
		if c.proto == 2 {
			c.ReplyArray(2)
		}
		c.ReplyBulk(key)
		c.xreadReplyStream(s, key, g, start, a, history)
		if g != nil {
			c.srv.dirty++
		}
	}
	if served == 0 {
		return false
	}
	c.setDeferred(top, served, c.proto != 2)
	return true
}

// xreadReplyStream replies the entries of one stream from start on, with the
// group bookkeeping of XREADGROUP when g is set (streamReplyWithRange with a
// group and consumer).
func (c *Client) xreadReplyStream(s *stream.Stream, key []byte, g *stream.Group, start stream.ID, a *xreadArgs, history bool) {
	if g == nil {
		c.replyStreamRange(s, start, stream.MaxID, a.count, false, false)
		return
	}
	now := c.srv.nowMs
	cons := g.Consumer(a.consumer)
	if cons == nil {
		cons = c.createConsumer(g, a.consumer, key)
		if a.noack && c.srv.propagate != nil {
			c.alsoPropagate([][]byte{argXGROUP, argCREATECONSUMER, ownArg(key), ownArg(a.group), ownArg(a.consumer)})
		}
	} else {
		cons.SeenTime = now
	}
	if history {
		c.replyConsumerHistory(s, g, cons, start, a.count)
		return
	}
	d := c.deferLen()
	var it stream.Iterator
	it.Start(s, start, stream.MaxID, false)
	var sent int64
	propagateLastID := false
	for id, n, ok := it.Next(); ok; id, n, ok = it.Next() {
		if s.Advance(g, id) && a.noack {
			propagateLastID = true
		}
		c.replyStreamEntry(&it, id, n)
		if !a.noack {
			nack := g.Deliver(id, cons, now)
			c.propagateXCLAIM(key, a.group, g, id, nack)
		}
		sent++
		if sent == a.count {
			break
		}
	}
	if propagateLastID {
		c.propagateGroupID(key, a.group, g)
	}
	c.setDeferred(d, int(sent), false)
}

// replyConsumerHistory replies the entries pending for cons from start on (at
// most count, 0: all): deleted entries as [id, nil]; each served one counts a new
// delivery (streamReplyWithRangeFromConsumerPEL). Nothing is propagated for
// them, as in Redis.
func (c *Client) replyConsumerHistory(s *stream.Stream, g *stream.Group, cons *stream.Consumer, start stream.ID, count int64) {
	d := c.deferLen()
	var sent int64
	now := c.srv.nowMs
	cons.Pending(start, func(id stream.ID) bool {
		if count != 0 && sent >= count {
			return false
		}
		if c.replyStreamRange(s, id, id, 1, false, true) == 0 {
			// Pending, but deleted from the stream since.
			c.ReplyArray(2)
			c.replyStreamID(id)
			c.ReplyNullArray()
		} else if nack := g.Pending(id); nack != nil {
			nack.DeliveryTime = now
			nack.DeliveryCount++
		}
		sent++
		return true
	})
	c.setDeferred(d, int(sent), false)
}

// Arguments of propagated commands. Shared and read-only.
var (
	argXGROUP         = []byte("XGROUP")
	argXCLAIM         = []byte("XCLAIM")
	argCREATECONSUMER = []byte("CREATECONSUMER")
	argSETID          = []byte("SETID")
	argENTRIESREAD    = []byte("ENTRIESREAD")
	argZero           = []byte("0")
	argTIME           = []byte("TIME")
	argRETRYCOUNT     = []byte("RETRYCOUNT")
	argFORCE          = []byte("FORCE")
	argJUSTID         = []byte("JUSTID")
	argLASTID         = []byte("LASTID")
)

// ownArg copies an argument for a propagated command (argv aliases the query
// buffer).
func ownArg(b []byte) []byte { return append([]byte(nil), b...) }

// propagateXCLAIM propagates a delivery as the idempotent
// XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID last-id
// (streamPropagateXCLAIM).
func (c *Client) propagateXCLAIM(key, group []byte, g *stream.Group, id stream.ID, nack *stream.NACK) {
	if c.srv.propagate == nil {
		return // nothing consumes it: save the allocations
	}
	c.alsoPropagate(xclaimArgv(key, group, g, id.AppendTo(nil), nack))
}

// propagateGroupID propagates a group's position as XGROUP SETID key group id
// ENTRIESREAD n (streamPropagateGroupID).
func (c *Client) propagateGroupID(key, group []byte, g *stream.Group) {
	if c.srv.propagate == nil {
		return
	}
	c.alsoPropagate([][]byte{
		argXGROUP, argSETID, ownArg(key), ownArg(group), g.LastID.AppendTo(nil),
		argENTRIESREAD, strconv.AppendInt(nil, g.EntriesRead, 10),
	})
}
