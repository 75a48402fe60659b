package engine

// XINFO (STREAM [FULL [COUNT n]], GROUPS, CONSUMERS, HELP) with Redis 7.0's fields
// in its order, and MEMORY USAGE of a stream.

import (
	"github.com/keygrid/keygrid/engine/stream"
)

var xinfoHelp = []string{
	"CONSUMERS <key> <groupname>",
	"    Show consumers of <groupname>.",
	"GROUPS <key>",
	"    Show the stream consumer groups.",
	"STREAM <key> [FULL [COUNT <count>]",
	"    Show information about the stream.",
}

// XINFO STREAM key [FULL [COUNT count]]
// XINFO GROUPS key
// XINFO CONSUMERS key group
// XINFO HELP
func xinfoCommand(c *Client) {
	argv := c.argv
	opt := argv[1]
	if eqFold(opt, "help") {
		c.replyHelp(xinfoHelp)
		return
	}
	key := argv[2]
	e := c.db.LookupRead(key)
	if e == nil {
		c.ReplyError(ErrNoSuchKey)
		return
	}
	s, ok := c.checkStream(e)
	if !ok {
		return
	}
	switch {
	case eqFold(opt, "consumers"):
		g := s.Group(argv[3])
		if g == nil {
			c.ReplyError("NOGROUP No such consumer group '" + string(argv[3]) + "' for key name '" + string(key) + "'")
			return
		}
		now := c.srv.nowMs
		c.ReplyArray(len(g.Consumers()))
		for _, cons := range g.Consumers() {
			c.ReplyMap(3)
			c.ReplyBulkString("name")
			c.ReplyBulkString(cons.Name)
			c.ReplyBulkString("pending")
			c.ReplyInt(int64(cons.PendingLen()))
			c.ReplyBulkString("idle")
			c.ReplyInt(max(now-cons.SeenTime, 0))
		}
	case eqFold(opt, "groups"):
		c.ReplyArray(len(s.Groups()))
		for _, g := range s.Groups() {
			c.ReplyMap(6)
			c.ReplyBulkString("name")
			c.ReplyBulkString(g.Name)
			c.ReplyBulkString("consumers")
			c.ReplyInt(int64(len(g.Consumers())))
			c.ReplyBulkString("pending")
			c.ReplyInt(int64(g.PendingLen()))
			c.ReplyBulkString("last-delivered-id")
			c.replyStreamID(g.LastID)
			c.replyGroupCounters(s, g)
		}
	case eqFold(opt, "stream"):
		c.xinfoStream(s)
	default:
		c.replySubcommandSyntaxError()
	}
}

// replyGroupCounters replies a group's entries-read and lag fields (each null
// when unknown).
func (c *Client) replyGroupCounters(s *stream.Stream, g *stream.Group) {
	c.ReplyBulkString("entries-read")
	if g.EntriesRead != stream.InvalidEntriesRead {
		c.ReplyInt(g.EntriesRead)
	} else {
		c.ReplyNull()
	}
	c.ReplyBulkString("lag")
	if lag, ok := s.Lag(g); ok {
		c.ReplyInt(lag)
	} else {
		c.ReplyNull()
	}
}

// xinfoStream is XINFO STREAM key [FULL [COUNT count]].
func (c *Client) xinfoStream(s *stream.Stream) {
	opts := c.argv[3:]
	full := len(opts) > 0
	count := int64(10) // FULL's default: bounded, so the server is not blocked
	if full {
		if (len(opts) != 1 && len(opts) != 3) || !eqFold(opts[0], "full") {
			c.replySubcommandSyntaxError()
			return
		}
		if len(opts) == 3 {
			if !eqFold(opts[1], "count") {
				c.replySubcommandSyntaxError()
				return
			}
			n, ok := parseInt(opts[2])
			if !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			if n < 0 {
				n = 10
			}
			count = n
		}
	}
	if full {
		c.ReplyMap(9)
	} else {
		c.ReplyMap(10)
	}
	c.ReplyBulkString("length")
	c.ReplyInt(int64(s.Len()))
	c.ReplyBulkString("radix-tree-keys")
	c.ReplyInt(int64(s.NodeCount()))
	c.ReplyBulkString("radix-tree-nodes")
	c.ReplyInt(int64(s.RaxNodes()))
	c.ReplyBulkString("last-generated-id")
	c.replyStreamID(s.LastID)
	c.ReplyBulkString("max-deleted-entry-id")
	c.replyStreamID(s.MaxDeletedID)
	c.ReplyBulkString("entries-added")
	c.ReplyInt(int64(s.EntriesAdded))
	c.ReplyBulkString("recorded-first-entry-id")
	c.replyStreamID(s.FirstID)
	if !full {
		c.ReplyBulkString("groups")
		c.ReplyInt(int64(len(s.Groups())))
		c.ReplyBulkString("first-entry")
		if c.replyStreamRange(s, stream.ID{}, stream.MaxID, 1, false, true) == 0 {
			c.ReplyNull()
		}
		c.ReplyBulkString("last-entry")
		if c.replyStreamRange(s, stream.ID{}, stream.MaxID, 1, true, true) == 0 {
			c.ReplyNull()
		}
		return
	}
	c.ReplyBulkString("entries")
	c.replyStreamRange(s, stream.ID{}, stream.MaxID, count, false, false)
	c.ReplyBulkString("groups")
	c.ReplyArray(len(s.Groups()))
	for _, g := range s.Groups() {
		c.ReplyMap(7)
		c.ReplyBulkString("name")
		c.ReplyBulkString(g.Name)
		c.ReplyBulkString("last-delivered-id")
		c.replyStreamID(g.LastID)
		c.replyGroupCounters(s, g)
		c.ReplyBulkString("pel-count")
		c.ReplyInt(int64(g.PendingLen()))
		c.ReplyBulkString("pending")
		d := c.deferLen()
		n := int64(0)
		for pc := g.SeekPending(stream.ID{}); pc.Valid() && (count == 0 || n < count); pc.Next() {
			nack := pc.NACK()
			c.ReplyArray(4)
			c.replyStreamID(pc.ID())
			c.ReplyBulkString(nack.Consumer.Name)
			c.ReplyInt(nack.DeliveryTime)
			c.ReplyInt(int64(nack.DeliveryCount))
			n++
		}
		c.setDeferred(d, int(n), false)
		c.ReplyBulkString("consumers")
		c.ReplyArray(len(g.Consumers()))
		for _, cons := range g.Consumers() {
			c.ReplyMap(4)
			c.ReplyBulkString("name")
			c.ReplyBulkString(cons.Name)
			c.ReplyBulkString("seen-time")
			c.ReplyInt(cons.SeenTime)
			c.ReplyBulkString("pel-count")
			c.ReplyInt(int64(cons.PendingLen()))
			c.ReplyBulkString("pending")
			d := c.deferLen()
			n := int64(0)
			cons.Pending(stream.ID{}, func(id stream.ID) bool {
				if count != 0 && n >= count {
					return false
				}
				nack := g.Pending(id)
				c.ReplyArray(3)
				c.replyStreamID(id)
				c.ReplyInt(nack.DeliveryTime)
				c.ReplyInt(int64(nack.DeliveryCount))
				n++
				return true
			})
			c.setDeferred(d, int(n), false)
		}
	}
}

// MemoryUsage estimates the stream's memory as Redis's objectComputeSize does:
// the object and stream structs, the radix tree (per-node overhead), the node
// listpacks (the first samples measured, the rest extrapolated, the last one
// measured), and per group and consumer their structs and PEL trees.
func (o *streamObj) MemoryUsage(samples int) int64 {
	s := &o.Stream
	const (
		robj        = 16
		streamSize  = 80  // sizeof(stream)
		raxNodeSize = 4   // sizeof(raxNode) header
		raxNodeAux  = 240 // Redis's fixed per-node estimate (sizeof(long)*30)
		cgSize      = 40  // sizeof(streamCG)
		consSize    = 24  // sizeof(streamConsumer)
		nackSize    = 24  // sizeof(streamNACK)
	)
	raxUsage := func(elems, nodes int) int64 {
		return int64(elems)*16 + int64(nodes)*(raxNodeSize+raxNodeAux)
	}
	size := int64(robj+streamSize) + raxUsage(s.NodeCount(), s.RaxNodes())
	// Redis allocates a new node with room for stream-node-max-bytes (at most
	// 4096) and shrinks it to fit when the next node starts: the last node counts
	// its preallocation, the others their size. The last node is often not full:
	// Redis averages the first samples, counts the rest but the last at that
	// average, and measures the last.
	prealloc := s.OpenNodePrealloc()
	nodeSize := func(size int, last bool) int64 {
		if last {
			size = max(size, prealloc)
		}
		return jemallocSize(int64(size))
	}
	var first, last int64
	i := 0
	nodes := s.NodeBytes(samples, func(size, _ int, isLast bool) {
		if samples <= 0 || i < samples {
			first += nodeSize(size, isLast)
		} else {
			last = nodeSize(size, true)
		}
		i++
	})
	if samples <= 0 || nodes <= samples {
		size += first
	} else {
		size += first/int64(samples)*int64(nodes-1) + last
	}
	for _, g := range s.Groups() {
		size += cgSize + raxUsage(g.PendingLen(), g.RaxNodes()) + int64(nackSize*g.PendingLen())
		for _, cons := range g.Consumers() {
			size += consSize + int64(len(cons.Name)) + raxUsage(cons.PendingLen(), cons.RaxNodes())
		}
	}
	return size
}

// memSize implements memSizer (maxmemory accounting): the heap the stream holds,
// kept as a running count by the stream (O(number of groups)).
func (o *streamObj) memSize() int64 { return o.Stream.HeapBytes() }
