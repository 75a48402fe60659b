package engine

// Stream commands, part two: consumer groups (XGROUP, XACK, XPENDING, XCLAIM,
// XAUTOCLAIM). XREADGROUP is in streams_read.go with XREAD.
//
// Claims propagate as Redis 7.0 does: every pending entry a command creates,
// transfers or drops goes to replicas and the AOF as an idempotent
// "XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID id",
// and a moved group position without one as "XGROUP SETID"; the commands
// themselves are never propagated.

import (
	"strconv"

	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/engine/stream"
)

// preventPropagation stops the current command from propagating itself: only what
// it passes to alsoPropagate goes out (Redis's preventCommandPropagation).
func (c *Client) preventPropagation() { c.flags |= flagNoPropagate }

// createConsumer adds a consumer to g, counting a change and notifying
// xgroup-createconsumer on key (streamCreateConsumer with SCC_DEFAULT).
func (c *Client) createConsumer(g *stream.Group, name, key []byte) *stream.Consumer {
	cons := g.CreateConsumer(name, c.srv.nowMs)
	if cons != nil {
		c.srv.dirty++
		c.srv.notifyKeyspace(NotifyStream, "xgroup-createconsumer", key, c.db.id)
	}
	return cons
}

// lookupConsumer finds a consumer, refreshing its seen time (SLC_DEFAULT).
func (c *Client) lookupConsumer(g *stream.Group, name []byte) *stream.Consumer {
	cons := g.Consumer(name)
	if cons != nil {
		cons.SeenTime = c.srv.nowMs
	}
	return cons
}

// --- XGROUP ---------------------------------------------------------------------------

var xgroupHelp = []string{
	"CREATE <key> <groupname> <id|$> [option]",
	"    Create a new consumer group. Options are:",
	"    * MKSTREAM",
	"      Create the empty stream if it does not exist.",
	"    * ENTRIESREAD entries_read",
	"      Set the group's entries_read counter (internal use).",
	"CREATECONSUMER <key> <groupname> <consumer>",
	"    Create a new consumer in the specified group.",
	"DELCONSUMER <key> <groupname> <consumer>",
	"    Remove the specified consumer.",
	"DESTROY <key> <groupname>",
	"    Remove the specified group.",
	"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
	"    Set the current group ID and entries_read counter.",
}

// XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]
// XGROUP SETID key group id|$ [ENTRIESREAD entries-read]
// XGROUP DESTROY key group
// XGROUP CREATECONSUMER key group consumer
// XGROUP DELCONSUMER key group consumer
// XGROUP HELP
//
// One handler for every subcommand, as Redis's xgroupCommand: the key, group and
// option checks are shared and come in its order.
func xgroupCommand(c *Client) {
	argv := c.argv
	argc := len(argv)
	opt := argv[1]
	db := c.db
	var s *stream.Stream
	var g *stream.Group
	var key, grp []byte
	mkstream := false
	entriesRead := int64(stream.InvalidEntriesRead)
	create, setid := eqFold(opt, "create"), eqFold(opt, "setid")
	if argc >= 4 {
		for i := 5; i < argc; {
			switch {
			case create && eqFold(argv[i], "mkstream"):
				mkstream = true
				i++
			case (create || setid) && eqFold(argv[i], "entriesread") && i+1 < argc:
				n, ok := parseInt(argv[i+1])
				if !ok {
					c.ReplyError(ErrNotInt)
					return
				}
				if n < 0 && n != stream.InvalidEntriesRead {
					c.ReplyError("ERR value for ENTRIESREAD must be positive or -1")
					return
				}
				entriesRead = n
				i += 2
			default:
				c.replySubcommandSyntaxError()
				return
			}
		}
		key, grp = argv[2], argv[3]
		var ok bool
		if s, ok = c.checkStream(db.LookupWrite(key)); !ok {
			return
		}
	}
	if argc >= 4 && !mkstream {
		if s == nil {
			c.ReplyError("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.")
			return
		}
		if g = s.Group(grp); g == nil && (setid || eqFold(opt, "createconsumer") || eqFold(opt, "delconsumer")) {
			c.ReplyError("NOGROUP No such consumer group '" + string(grp) + "' for key name '" + string(key) + "'")
			return
		}
	}
	switch {
	case argc == 2 && eqFold(opt, "help"):
		c.replyHelp(xgroupHelp)
	case create && argc >= 5 && argc <= 8:
		var id stream.ID
		if cstrEq(argv[4], "$") {
			if s != nil {
				id = s.LastID
			}
		} else {
			var ok bool
			if id, ok = c.parseStreamID(argv[4], 0, true); !ok {
				return
			}
		}
		if s == nil {
			s = addStream(db, key)
			c.srv.signalModified(db, key)
		}
		if s.CreateGroup(grp, id, entriesRead) == nil {
			c.ReplyError("BUSYGROUP Consumer Group name already exists")
			return
		}
		c.ReplyOK()
		c.srv.dirty++
		c.srv.notifyKeyspace(NotifyStream, "xgroup-create", key, db.id)
	case setid && (argc == 5 || argc == 7):
		var id stream.ID
		if cstrEq(argv[4], "$") {
			id = s.LastID
		} else {
			var ok bool
			if id, ok = c.parseStreamID(argv[4], 0, false); !ok {
				return
			}
		}
		g.LastID = id
		g.EntriesRead = entriesRead
		c.ReplyOK()
		c.srv.dirty++
		c.srv.notifyKeyspace(NotifyStream, "xgroup-setid", key, db.id)
	case eqFold(opt, "destroy") && argc == 4:
		if g == nil {
			c.ReplyInt(0)
			return
		}
		s.DestroyGroup(grp)
		c.ReplyInt(1)
		c.srv.dirty++
		c.srv.notifyKeyspace(NotifyStream, "xgroup-destroy", key, db.id)
		// Clients blocked in XREADGROUP on this group get -NOGROUP.
		c.srv.signalStreamReady(db, key)
	case eqFold(opt, "createconsumer") && argc == 5:
		if c.createConsumer(g, argv[4], key) != nil {
			c.ReplyInt(1)
		} else {
			c.ReplyInt(0)
		}
	case eqFold(opt, "delconsumer") && argc == 5:
		pending := 0
		if cons := g.Consumer(argv[4]); cons != nil {
			pending = g.DeleteConsumer(cons)
			c.srv.dirty++
			c.srv.notifyKeyspace(NotifyStream, "xgroup-delconsumer", key, db.id)
		}
		c.ReplyInt(int64(pending))
	default:
		c.replySubcommandSyntaxError()
	}
}

// lookupGroupRead finds key's stream and group for the commands that read with a
// group (XACK, XPENDING, XCLAIM, XAUTOCLAIM: lookupKeyRead); ok is false after a
// WRONGTYPE reply. s or g is nil when missing.
func (c *Client) lookupGroupRead(key, group []byte) (s *stream.Stream, g *stream.Group, ok bool) {
	if s, ok = c.checkStream(c.db.LookupRead(key)); !ok {
		return nil, nil, false
	}
	if s != nil {
		g = s.Group(group)
	}
	return s, g, true
}

// replyNoGroup is the -NOGROUP error of XPENDING, XCLAIM and XAUTOCLAIM.
func (c *Client) replyNoGroup(key, group []byte) {
	c.ReplyError("NOGROUP No such key '" + string(key) + "' or consumer group '" + string(group) + "'")
}

// --- XACK -----------------------------------------------------------------------------

// XACK key group id [id ...]
func xackCommand(c *Client) {
	argv := c.argv
	_, g, ok := c.lookupGroupRead(argv[1], argv[2])
	if !ok {
		return
	}
	if g == nil {
		c.ReplyInt(0)
		return
	}
	// All IDs must parse before any is acknowledged.
	var small [8]stream.ID
	ids := small[:0]
	for _, arg := range argv[3:] {
		id, ok := c.parseStreamID(arg, 0, true)
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	acked := 0
	for _, id := range ids {
		if g.Ack(id) {
			acked++
			c.srv.dirty++
		}
	}
	c.ReplyInt(int64(acked))
}

// --- XPENDING -------------------------------------------------------------------------

// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
func xpendingCommand(c *Client) {
	argv := c.argv
	argc := len(argv)
	key, grp := argv[1], argv[2]
	justInfo := argc == 3
	if argc != 3 && (argc < 6 || argc > 9) {
		c.ReplyError(ErrSyntax)
		return
	}
	var start, end stream.ID
	var count, minIdle int64
	var consumerName []byte
	if argc >= 6 {
		at := 3
		if eqFold(argv[3], "idle") {
			n, ok := parseInt(argv[4])
			if !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			minIdle = n
			if argc < 8 {
				c.ReplyError(ErrSyntax)
				return
			}
			at += 2
		}
		n, ok := parseInt(argv[at+2])
		if !ok {
			c.ReplyError(ErrNotInt)
			return
		}
		count = max(n, 0)
		if start, ok = c.parseRangeStart(argv[at]); !ok {
			return
		}
		if end, ok = c.parseRangeEnd(argv[at+1]); !ok {
			return
		}
		if at+3 < argc {
			consumerName = argv[at+3]
		}
	}
	s, g, ok := c.lookupGroupRead(key, grp)
	if !ok {
		return
	}
	if s == nil || g == nil {
		c.replyNoGroup(key, grp)
		return
	}
	if justInfo {
		c.ReplyArray(4)
		c.ReplyInt(int64(g.PendingLen()))
		first, last, any := g.PendingBounds()
		if !any {
			c.ReplyNull()
			c.ReplyNull()
			c.ReplyNullArray()
			return
		}
		c.replyStreamID(first)
		c.replyStreamID(last)
		d := c.deferLen()
		n := 0
		for _, cons := range g.Consumers() {
			if cons.PendingLen() == 0 {
				continue
			}
			c.ReplyArray(2)
			c.ReplyBulkString(cons.Name)
			c.ReplyBulkInt(int64(cons.PendingLen()))
			n++
		}
		c.setDeferred(d, n, false)
		return
	}
	var cons *stream.Consumer
	if consumerName != nil {
		if cons = g.Consumer(consumerName); cons == nil {
			c.ReplyArray(0)
			return
		}
	}
	now := c.srv.nowMs
	d := c.deferLen()
	n := 0
	reply := func(id stream.ID, nack *stream.NACK) {
		if minIdle != 0 && now-nack.DeliveryTime < minIdle {
			return
		}
		n++
		count--
		c.ReplyArray(4)
		c.replyStreamID(id)
		c.ReplyBulkString(nack.Consumer.Name)
		c.ReplyInt(max(now-nack.DeliveryTime, 0))
		c.ReplyInt(int64(nack.DeliveryCount))
	}
	if cons == nil {
		for pc := g.SeekPending(start); count > 0 && pc.Valid() && !end.Less(pc.ID()); pc.Next() {
			reply(pc.ID(), pc.NACK())
		}
	} else {
		cons.Pending(start, func(id stream.ID) bool {
			if count <= 0 || end.Less(id) {
				return false
			}
			reply(id, g.Pending(id))
			return true
		})
	}
	c.setDeferred(d, n, false)
}

// --- XCLAIM ---------------------------------------------------------------------------

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
func xclaimCommand(c *Client) {
	argv := c.argv
	argc := len(argv)
	key, grp := argv[1], argv[2]
	s, g, ok := c.lookupGroupRead(key, grp)
	if !ok {
		return
	}
	if s == nil || g == nil {
		c.replyNoGroup(key, grp)
		return
	}
	minIdle, ok := parseInt(argv[4])
	if !ok {
		c.ReplyError("ERR Invalid min-idle-time argument for XCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	// The IDs run until the first argument that is not one: the options follow.
	var small [8]stream.ID
	ids := small[:0]
	j := 5
	for ; j < argc; j++ {
		id, _, ok := stream.ParseID(argv[j], 0, stream.Strict)
		if !ok {
			break
		}
		ids = append(ids, id)
	}
	now := c.srv.nowMs
	retryCount := int64(-1)
	deliveryTime := int64(-1)
	force, justID := false, false
	var lastID stream.ID
	for ; j < argc; j++ {
		more := argc - 1 - j
		o := argv[j]
		switch {
		case eqFold(o, "force"):
			force = true
		case eqFold(o, "justid"):
			justID = true
		case eqFold(o, "idle") && more > 0:
			j++
			n, ok := parseInt(argv[j])
			if !ok {
				c.ReplyError("ERR Invalid IDLE option argument for XCLAIM")
				return
			}
			deliveryTime = now - n
		case eqFold(o, "time") && more > 0:
			j++
			n, ok := parseInt(argv[j])
			if !ok {
				c.ReplyError("ERR Invalid TIME option argument for XCLAIM")
				return
			}
			deliveryTime = n
		case eqFold(o, "retrycount") && more > 0:
			j++
			n, ok := parseInt(argv[j])
			if !ok {
				c.ReplyError("ERR Invalid RETRYCOUNT option argument for XCLAIM")
				return
			}
			retryCount = n
		case eqFold(o, "lastid") && more > 0:
			j++
			if lastID, ok = c.parseStreamID(argv[j], 0, true); !ok {
				return
			}
		default:
			c.ReplyError("ERR Unrecognized XCLAIM option '" + string(o) + "'")
			return
		}
	}
	c.preventPropagation()
	propagateLastID := false
	if g.LastID.Less(lastID) {
		g.LastID = lastID
		propagateLastID = true
	}
	if deliveryTime != -1 {
		// A bogus time (negative, or in the future) means now: clients compute it
		// from their own clocks.
		if deliveryTime < 0 || deliveryTime > now {
			deliveryTime = now
		}
	} else {
		deliveryTime = now
	}

	var cons *stream.Consumer
	d := c.deferLen()
	n := 0
	for i, id := range ids {
		idArg := argv[5+i]
		nack := g.Pending(id)
		if !s.Exists(id) {
			// Deleted from the stream: drop it from the PEL too.
			if nack != nil {
				c.propagateXCLAIMArg(key, grp, g, idArg, nack)
				propagateLastID = false
				c.srv.dirty++
				g.Ack(id)
			}
			continue
		}
		if force && nack == nil {
			nack = g.AddOrphan(id, now)
		}
		if nack == nil {
			continue
		}
		// An orphan made by FORCE has no idle time to honour.
		if nack.Consumer != nil && minIdle != 0 && now-nack.DeliveryTime < minIdle {
			continue
		}
		if cons == nil {
			if cons = c.lookupConsumer(g, argv[3]); cons == nil {
				cons = c.createConsumer(g, argv[3], key)
			}
		}
		nack.DeliveryTime = deliveryTime
		if retryCount >= 0 {
			nack.DeliveryCount = uint64(retryCount)
		} else if !justID {
			nack.DeliveryCount++
		}
		g.SetOwner(id, nack, cons)
		if justID {
			c.replyStreamID(id)
		} else {
			c.replyStreamRange(s, id, id, 1, false, true)
		}
		n++
		c.propagateXCLAIMArg(key, grp, g, idArg, nack)
		propagateLastID = false
		c.srv.dirty++
	}
	if propagateLastID {
		c.propagateGroupID(key, grp, g)
		c.srv.dirty++
	}
	c.setDeferred(d, n, false)
}

// propagateXCLAIMArg is propagateXCLAIM with the ID as the client wrote it.
func (c *Client) propagateXCLAIMArg(key, group []byte, g *stream.Group, idArg []byte, nack *stream.NACK) {
	if c.srv.propagate == nil {
		return
	}
	c.alsoPropagate(xclaimArgv(key, group, g, ownArg(idArg), nack))
}

// --- XAUTOCLAIM -----------------------------------------------------------------------

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
func xautoclaimCommand(c *Client) {
	argv := c.argv
	argc := len(argv)
	key, grp := argv[1], argv[2]
	minIdle, ok := parseInt(argv[4])
	if !ok {
		c.ReplyError("ERR Invalid min-idle-time argument for XAUTOCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	start, ok := c.parseRangeStart(argv[5])
	if !ok {
		return
	}
	count := int64(100)
	justID := false
	for j := 6; j < argc; j++ {
		more := argc - 1 - j
		switch {
		case eqFold(argv[j], "count") && more > 0:
			// COUNT times the attempts factor must not overflow (LONG_MAX/16).
			n, ok := parseInt(argv[j+1])
			if !ok || n < 1 || n > (1<<63-1)/16 {
				c.ReplyError("ERR COUNT must be > 0")
				return
			}
			count = n
			j++
		case eqFold(argv[j], "justid"):
			justID = true
		default:
			c.ReplyError(ErrSyntax)
			return
		}
	}
	s, g, ok := c.lookupGroupRead(key, grp)
	if !ok {
		return
	}
	if s == nil || g == nil {
		c.replyNoGroup(key, grp)
		return
	}
	// Redis allocates COUNT IDs for the deleted ones up front; past this size
	// jemalloc cannot map it on x86-64 (a 47-bit address space) and Redis replies
	// this error, reproduced here for the same COUNT.
	if count > xautoclaimMaxCount {
		c.ReplyError("ERR Insufficient memory, failed allocating transient memory, COUNT too high.")
		return
	}
	c.preventPropagation()
	now := c.srv.nowMs
	attempts := count * 10
	var cons *stream.Consumer
	var deleted []stream.ID
	c.ReplyArray(3)
	mark := len(c.out) // the cursor and the claimed array's header go here
	n := 0
	pc := g.SeekPending(start)
	for attempts > 0 && count > 0 && pc.Valid() {
		attempts--
		id, nack := pc.ID(), pc.NACK()
		if !s.Exists(id) {
			if c.srv.propagate != nil {
				c.alsoPropagate(xclaimArgv(key, grp, g, id.AppendTo(nil), nack))
			}
			c.srv.dirty++
			pc.Remove()
			deleted = append(deleted, id)
			count--
			continue
		}
		if minIdle != 0 && now-nack.DeliveryTime < minIdle {
			pc.Next()
			continue
		}
		if cons == nil {
			if cons = c.lookupConsumer(g, argv[3]); cons == nil {
				cons = c.createConsumer(g, argv[3], key)
			}
		}
		nack.DeliveryTime = now
		if !justID {
			nack.DeliveryCount++
		}
		g.SetOwner(id, nack, cons)
		if justID {
			c.replyStreamID(id)
		} else {
			c.replyStreamRange(s, id, id, 1, false, true)
		}
		n++
		count--
		if c.srv.propagate != nil {
			c.alsoPropagate(xclaimArgv(key, grp, g, id.AppendTo(nil), nack))
		}
		c.srv.dirty++
		pc.Next()
	}
	var next stream.ID
	if pc.Valid() {
		next = pc.ID()
	}
	var idb [48]byte
	var hb [96]byte
	h := resp.AppendBulk(hb[:0], next.AppendTo(idb[:0]))
	c.insertAt(mark, resp.AppendArray(h, n))
	c.ReplyArray(len(deleted))
	for _, id := range deleted {
		c.replyStreamID(id)
	}
}

// xautoclaimMaxCount is the largest COUNT for which redis-server 7.0 (jemalloc,
// x86-64) can allocate XAUTOCLAIM's array of deleted IDs, 16 bytes each: the
// request rounds up to a size class of at most 1.25 * 2^46 bytes.
const xautoclaimMaxCount = 5497558138880

// xclaimArgv is the XCLAIM that propagates a pending entry's state.
func xclaimArgv(key, group []byte, g *stream.Group, idArg []byte, nack *stream.NACK) [][]byte {
	name := ""
	if nack.Consumer != nil {
		name = nack.Consumer.Name
	}
	return [][]byte{
		argXCLAIM, ownArg(key), ownArg(group), []byte(name), argZero, idArg,
		argTIME, strconv.AppendInt(nil, nack.DeliveryTime, 10),
		argRETRYCOUNT, strconv.AppendUint(nil, nack.DeliveryCount, 10),
		argFORCE, argJUSTID, argLASTID, g.LastID.AppendTo(nil),
	}
}
