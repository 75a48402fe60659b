package engine

// Blocking XREAD and XREADGROUP (Redis's serveClientsBlockedOnStreamKey and
// unblockDeletedStreamReadgroupClients), on the registry of blocking.go.
//
// A client blocks with, per key, the ID it wants entries after: the one it gave,
// "$" resolved to the stream's last ID when it blocked, and for XREADGROUP ">"
// (re-read from the group at every serve attempt, since other consumers move it).
// XADD signals the key; a serve attempt replies only when the stream's last ID is
// past that ID, exactly Redis's test, and otherwise leaves the client waiting. A
// group destroyed meanwhile fails the client with -NOGROUP; the stream deleted or
// replaced by another type fails an XREADGROUP client with -UNBLOCKED (XREAD
// clients keep waiting for the key to come back as a stream). What a served
// XREADGROUP changes propagates as in the synchronous case (XCLAIM, XGROUP
// SETID, XGROUP CREATECONSUMER), as one unit per served client.

import (
	"bytes"

	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/stream"
)

// streamBlock is what a client blocked in XREAD / XREADGROUP waits for.
type streamBlock struct {
	keys [][]byte
	ids  []stream.ID // per key: serve entries after this ID
	args xreadArgs   // count, noack, group and consumer (copied)
}

// blockForStreams blocks c on the streams of an XREAD / XREADGROUP that found
// nothing to read; ids are the resolved IDs, one per key.
func (c *Client) blockForStreams(a *xreadArgs, ids []stream.ID) {
	keys := c.argv[a.streamsArg : a.streamsArg+a.n]
	sb := &streamBlock{args: xreadArgs{count: a.count, noack: a.noack}}
	if sb.args.count == 0 {
		// Without COUNT a blocked read is capped: a low ID must not turn into a
		// huge reply when data arrives.
		sb.args.count = xreadBlockedDefaultCount
	}
	if a.group != nil {
		sb.args.group = bytes.Clone(a.group)
		sb.args.consumer = bytes.Clone(a.consumer)
	}
	for i, k := range keys {
		// A key given twice waits with the ID of its first occurrence.
		if sb.find(k) >= 0 {
			continue
		}
		sb.keys = append(sb.keys, bytes.Clone(k))
		sb.ids = append(sb.ids, ids[i])
	}
	spec := &BlockSpec{
		Type:    BlockStream,
		Keys:    keys,
		Timeout: a.timeout,
		Data:    sb,
		Serve:   serveBlockedStream,
	}
	if a.group != nil {
		spec.OnKeyGone = func(c *Client, _ []byte) bool {
			c.ReplyError("UNBLOCKED the stream key no longer exists")
			return true
		}
	}
	c.srv.blockForKeys(c, spec)
}

func (sb *streamBlock) find(key []byte) int {
	for i, k := range sb.keys {
		if bytes.Equal(k, key) {
			return i
		}
	}
	return -1
}

// serveBlockedStream serves c, blocked on key, if the stream at e has entries past
// the ID c waits for; it reports whether it replied.
func serveBlockedStream(c *Client, key []byte, e *keyspace.Entry) bool {
	sb := c.blockData().(*streamBlock)
	s := streamOf(e)
	i := sb.find(key)
	if i < 0 {
		return false
	}
	var g *stream.Group
	if sb.args.group != nil {
		if g = s.Group(sb.args.group); g == nil {
			c.ReplyError("NOGROUP the consumer group this client was blocked on no longer exists")
			return true
		}
		sb.ids[i] = g.LastID
	}
	if !sb.ids[i].Less(s.LastID) {
		return false
	}
	start, _ := sb.ids[i].Incr()
	// One stream: a one-element array (RESP2) or map (RESP3) of key → entries.
	if c.proto == 2 {
		c.ReplyArray(1)
		c.ReplyArray(2)
	} else {
		c.ReplyMap(1)
	}
	c.ReplyBulk(key)
	c.propagateMany = nil
	c.xreadReplyStream(s, key, g, start, &sb.args, false)
	if c.propagateMany != nil && c.srv.propagate != nil {
		c.srv.propagateAll(c.db.id, c.propagateMany)
	}
	c.propagateMany = nil
	return true
}

// signalStreamReady tells clients blocked on key that the stream may have new
// data (XADD) or lost a group (XGROUP DESTROY).
func (s *Server) signalStreamReady(db *DB, key []byte) {
	s.signalKeyAsReady(db, key, TypeStream)
}
