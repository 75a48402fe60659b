package engine

// Per-client memory accounting and client eviction (maxmemory-clients): Redis 7.0's
// getClientMemoryUsage, updateClientMemUsageAndBucket and evictClients
// (networking.c, server.c).
//
// Each client's memory is measured where it may change and the figure kept in the
// client (memLast) and summed by client type (evictState.clientTypeMem):
//
//   - after a read that left a request in part in the query buffer (onReadable),
//   - after each command, with the reply it queued (processInput),
//   - after a write drained some of the reply (writeClient),
//   - when a Pub/Sub message or a tracking invalidation is pushed to it,
//   - before each command, with its arguments (evictClientsBeforeCommand),
//   - and for every client in the cron (clientsCron).
//
// As in Redis, the points other than the cron measure only clients that
// maxmemory-clients may evict; keygrid also measures the others there when
// maxmemory is set, because its used_memory is this accounting rather than the
// allocator's count, and eviction must see a client's buffers grow as they grow.
//
// Evictable clients sit in buckets by the power of two of their memory (32 KB and
// below, 64 KB, ..., 4 GB and above): evictClients closes clients from the biggest
// bucket down while normal and Pub/Sub clients together use maxmemory-clients or
// more. It runs before each command (after the cluster checks, before key
// eviction) and in beforeSleep, after replies were written and clients closed.
//
// A client marked to be closed is no longer counted: its buffers are about to go,
// and one closed for its output buffer limit must not get another evicted
// (Redis frees such a client before reading from the next: beforeNextClient).

import (
	"math/bits"
	"unsafe"
)

// Redis's CLIENT_MEM_USAGE_BUCKET_MIN_LOG and _MAX_LOG: the first bucket holds
// clients up to 32 KB, the last those of 4 GB and more.
const (
	clientMemBucketMinLog = 15
	clientMemBucketMaxLog = 33
	clientMemBuckets      = 1 + clientMemBucketMaxLog - clientMemBucketMinLog
)

// Memory figures of a client's parts (bytes).
const (
	// clientStructMem is the Client struct itself.
	clientStructMem = int64(unsafe.Sizeof(Client{}))
	// multiCmdMem is a queued command's entry in the MULTI queue.
	multiCmdMem = int64(unsafe.Sizeof(multiCmd{}))
	// pubsubSubMem is what one subscription (channel, pattern or shard channel)
	// costs the client: its slice element (16) and its slot in the name index (a
	// string and an int, about 32 with the map's spare room). The name's bytes
	// are not counted, as Redis's pubsubMemOverhead does not count them.
	pubsubSubMem = 16 + 32
	// trackingPrefixMem is one BCAST prefix in the client's sorted list: its
	// slice element and a short string's allocation.
	trackingPrefixMem = 16 + 16
)

// clientMemBucket lists the evictable clients of one size class, oldest first.
type clientMemBucket struct {
	head, tail *Client
}

// clientMemBucketIdx is Redis's getMemUsageBucket: the bucket of a client using mem
// bytes.
func clientMemBucketIdx(mem int64) int {
	b := bits.Len64(uint64(max(mem, 0)))
	b = min(max(b, clientMemBucketMinLog), clientMemBucketMaxLog)
	return b - clientMemBucketMinLog
}

// clientMemType is Redis's getClientType for accounting: master link, replica (a
// MONITOR is normal), Pub/Sub, or normal. Unlike clientType it asks no part for
// CLIENT LIST details, so it is cheap enough to run after every command.
func (s *Server) clientMemType(c *Client) int {
	switch {
	case c == s.replica.master:
		return clientTypeMaster
	case c.flags&flagReplica != 0 && c.flags&flagMonitor == 0:
		return clientTypeReplica
	case c.ps != nil && c.subCount()+c.shardSubCount() > 0:
		return clientTypePubSub
	}
	return clientTypeNormal
}

// clientArgvMem is what the arguments of c's command take (Redis's argv_len_sum
// plus a pointer each): those of the command being run, or the complete ones of a
// request that arrived in part. Bytes inside c's own query buffer are counted with
// it; those still in the loop's shared read buffer are the client's while it runs.
func clientArgvMem(c *Client) int64 {
	if c.argv == nil {
		if len(c.qbuf) > 0 {
			_, args, _ := c.req.Partial()
			return int64(8 * args)
		}
		return 0
	}
	var n int64
	var lo, hi uintptr
	if cap(c.qbuf) > 0 {
		lo = uintptr(unsafe.Pointer(unsafe.SliceData(c.qbuf)))
		hi = lo + uintptr(cap(c.qbuf))
	}
	for _, a := range c.argv {
		n += 8
		if len(a) == 0 {
			continue
		}
		if p := uintptr(unsafe.Pointer(unsafe.SliceData(a))); p >= lo && p < hi {
			continue
		}
		n += int64(len(a))
	}
	return n
}

// clientQbufMem is what c's query buffer counts: its capacity, or, while a bulk of
// known length is being read, what the buffer will hold once it has arrived.
// Redis allocates a big argument whole as soon as its length is read, so a client
// announcing more than maxmemory-clients is evicted at once, however slowly it
// sends; keygrid grows the buffer as the bytes come (a lying length costs
// nothing) but counts the same.
func clientQbufMem(c *Client) int64 {
	n := int64(cap(c.qbuf))
	if len(c.qbuf) > 0 && c.argv == nil {
		n = max(n, int64(len(c.qbuf))+c.req.Pending(len(c.qbuf)))
	}
	return n
}

// clientOutMem is what c's reply buffer counts: the bytes it holds, and never less
// than its static reply buffer (rbs, 16 KB unless the cron resized it). This is
// Redis's figure, its static buffer plus
// the reply blocks beyond it; the spare capacity keygrid keeps after a write (so
// that the next replies need no allocation) is not counted. Counting it would make
// memory look higher after every burst of replies already written: a burst of
// tracking invalidations sent by key eviction would then evict more keys, and so
// on until the keyspace is empty (Redis's unit/maxmemory "client tracking don't
// cause eviction feedback loop").
func clientOutMem(c *Client) int64 {
	return int64(max(len(c.out), c.replyBufSize()))
}

// clientMemUsage is Redis's getClientMemoryUsage: what c takes now, its struct,
// query and reply buffers, arguments, transaction (queued commands and watched
// keys), subscriptions and tracking prefixes, and for a replica its part of the
// shared replication buffer. CLIENT LIST shows it as tot-mem.
func (s *Server) clientMemUsage(c *Client) int64 {
	n := clientStructMem + clientQbufMem(c) + clientOutMem(c) + clientArgvMem(c)
	if tx := c.tx; tx != nil {
		n += tx.argvMem + int64(len(tx.watched))*watchedKeyOverhead + int64(cap(tx.cmds))*multiCmdMem
	}
	if ps := c.ps; ps != nil {
		n += int64(len(ps.channels.names)+len(ps.patterns.names)+len(ps.shard.names)) * pubsubSubMem
	}
	if trk := c.trk; trk != nil {
		n += int64(len(trk.prefixes)) * trackingPrefixMem
	}
	if c.flags&flagReplica != 0 {
		mem, _ := s.replClientOutput(c) // repl_buffer.go
		n += mem
	}
	return n
}

// clientMemOwn is clientMemUsage without a replica's part of the shared
// replication buffer, which used_memory counts once, as the buffer
// (mem_total_replication_buffers).
func (s *Server) clientMemOwn(c *Client) int64 {
	n := s.clientMemUsage(c)
	if c.flags&flagReplica != 0 {
		mem, _ := s.replClientOutput(c)
		n -= mem
	}
	return n
}

// updateClientMemUsage is Redis's updateClientMemoryUsage: measure c and move its
// contribution to the totals of its current type. A client being closed counts
// nothing.
func (s *Server) updateClientMemUsage(c *Client) {
	ev := &s.evict
	if c.fd < 0 || c.flags&flagCloseASAP != 0 {
		s.forgetClientMem(c)
		return
	}
	mem, typ := s.clientMemOwn(c), uint8(s.clientMemType(c))
	ev.clientTypeMem[c.memType] -= c.memLast
	ev.clientTypeMem[typ] += mem
	c.memLast, c.memType = mem, typ
}

// clientEvictionAllowed is Redis's: maxmemory-clients is on, c did not ask
// CLIENT NO-EVICT ON, and it is a normal or Pub/Sub client (never a replica or
// the master link), not already being closed.
func (s *Server) clientEvictionAllowed(c *Client) bool {
	if s.cfg.MaxMemoryClients == 0 || c.flags&(flagNoEvict|flagCloseASAP) != 0 || c.fd < 0 {
		return false
	}
	t := s.clientMemType(c)
	return t == clientTypeNormal || t == clientTypePubSub
}

// updateClientMemAndBucket is Redis's updateClientMemUsageAndBucket: for a client
// that may be evicted, measure it and put it in the bucket of its size; for any
// other, take it out of the buckets. It reports whether c may be evicted.
func (s *Server) updateClientMemAndBucket(c *Client) bool {
	if !s.clientEvictionAllowed(c) {
		s.unbucketClient(c)
		return false
	}
	s.updateClientMemUsage(c)
	b := uint8(clientMemBucketIdx(c.memLast)) + 1
	if b != c.memBucket {
		s.unbucketClient(c)
		bk := &s.evict.clientBuckets[b-1]
		c.memPrev, c.memNext = bk.tail, nil
		if bk.tail != nil {
			bk.tail.memNext = c
		} else {
			bk.head = c
		}
		bk.tail = c
		c.memBucket = b
	}
	return true
}

// unbucketClient takes c out of its bucket, if it is in one.
func (s *Server) unbucketClient(c *Client) {
	if c.memBucket == 0 {
		return
	}
	bk := &s.evict.clientBuckets[c.memBucket-1]
	if c.memPrev != nil {
		c.memPrev.memNext = c.memNext
	} else {
		bk.head = c.memNext
	}
	if c.memNext != nil {
		c.memNext.memPrev = c.memPrev
	} else {
		bk.tail = c.memPrev
	}
	c.memPrev, c.memNext, c.memBucket = nil, nil, 0
}

// forgetClientMem removes c's contribution from the totals and c from the buckets
// (a client closed, or marked to be).
func (s *Server) forgetClientMem(c *Client) {
	s.evict.clientTypeMem[c.memType] -= c.memLast
	c.memLast = 0
	s.unbucketClient(c)
}

// clientMemChanged is called where c's memory may have changed (see the file
// comment). Free when neither maxmemory-clients nor maxmemory is set.
func (s *Server) clientMemChanged(c *Client) {
	if !s.evict.trackClients {
		return
	}
	if !s.updateClientMemAndBucket(c) && s.cfg.MaxMemory != 0 {
		s.updateClientMemUsage(c)
	}
}

// clientMemCron measures c for the cron (Redis's clientsCron: the bucket if c may
// be evicted, the totals in any case).
func (s *Server) clientMemCron(c *Client) {
	if !s.updateClientMemAndBucket(c) {
		s.updateClientMemUsage(c)
	}
}

// clientsMem is what the clients (but for replicas' shared buffer) take, as counted
// in used_memory; clientsNormalMem is INFO mem_clients_normal (normal, Pub/Sub and
// master clients, as Redis's getMemoryOverheadData).
func (s *Server) clientsMem() int64 {
	var n int64
	for _, m := range s.evict.clientTypeMem {
		n += m
	}
	return max(n, 0)
}

func (s *Server) clientsNormalMem() int64 {
	m := &s.evict.clientTypeMem
	return max(m[clientTypeNormal]+m[clientTypePubSub]+m[clientTypeMaster], 0)
}

// clientEvictionConfigChanged follows CONFIG SET maxmemory-clients and maxmemory
// (Redis's applyClientMaxMemoryUsage): turning client eviction on puts every client
// in its bucket, turning it off empties the buckets. Evictions follow before the
// next command and in beforeSleep.
func (s *Server) clientEvictionConfigChanged() {
	s.evict.trackClients = s.cfg.MaxMemoryClients != 0 || s.cfg.MaxMemory != 0
	for _, c := range s.clients {
		// Clients that may not be evicted keep the figure of their last
		// measure (the cron's), as in Redis.
		if s.cfg.MaxMemoryClients != 0 {
			s.updateClientMemAndBucket(c)
		} else {
			s.unbucketClient(c)
		}
	}
}

// clientEvictionLimit is Redis's getClientEvictionLimit: maxmemory-clients in bytes,
// or as a percentage of maxmemory (negative values), never below 128 KB so that a bad
// setting cannot cut every connection; 0 when client eviction is off.
func (s *Server) clientEvictionLimit() int64 {
	var limit int64
	switch mc := s.cfg.MaxMemoryClients; {
	case mc < 0 && s.cfg.MaxMemory > 0:
		limit = int64(float64(s.cfg.MaxMemory) * -float64(mc) / 100)
	case mc > 0:
		limit = mc
	default:
		return 0
	}
	return max(limit, 128<<10)
}

// evictClientsBeforeCommand is processCommand's evictClients call. c is measured
// first, its arguments included: a request that arrived whole in one read was
// never counted in part. It reports whether c itself was evicted (closed in
// beforeSleep, without a reply).
func (s *Server) evictClientsBeforeCommand(c *Client) bool {
	s.clientMemChanged(c)
	executing := c.flags & flagExecuting
	c.flags |= flagExecuting // freeClient defers closing c to beforeSleep
	s.evictClients()
	c.flags = c.flags&^flagExecuting | executing
	if c.flags&flagCloseASAP == 0 {
		return false
	}
	c.out = c.out[:c.sent]
	return true
}

// evictClients is Redis's evictClients: while normal and Pub/Sub clients together
// use maxmemory-clients or more, close the clients of the biggest bucket, then of
// the next, and so on. Clients that ran CLIENT NO-EVICT ON count but are never
// closed.
func (s *Server) evictClients() {
	limit := s.clientEvictionLimit()
	if limit == 0 {
		return
	}
	ev := &s.evict
	b := clientMemBuckets - 1
	c := ev.clientBuckets[b].head
	for ev.clientTypeMem[clientTypeNormal]+ev.clientTypeMem[clientTypePubSub] >= limit {
		if c == nil {
			if b--; b < 0 {
				s.log.Warn("Over client maxmemory after evicting all evictable clients")
				return
			}
			c = ev.clientBuckets[b].head
			continue
		}
		next := c.memNext
		s.log.Info("Evicting client: " + string(s.appendClientInfo(nil, c)))
		// A client running a command is closed later (freeClient), but its memory
		// is gone now, as when Redis frees it.
		s.forgetClientMem(c)
		s.freeClient(c)
		ev.evictedClients++
		c = next
	}
}

// replyMinBytes is Redis's PROTO_REPLY_MIN_BYTES: reply buffers never shrink below it.
const replyMinBytes = 1024

// replyPeakResetDefault is Redis's REPLY_BUFFER_DEFAULT_PEAK_RESET_TIME (ms): how
// often the cron forgets a client's reply buffer peak (CLIENT LIST rbp).
const replyPeakResetDefault = 5000

// DEBUG REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>
// DEBUG REPLYBUFFER RESIZING <0|1>
func debugReplyBuffer(c *Client) {
	ev := &c.srv.evict
	arg := c.argv[3]
	switch {
	case eqFold(c.argv[2], "peak-reset-time"):
		switch {
		case eqFold(arg, "never"):
			ev.replyPeakReset = -1
		case eqFold(arg, "reset"):
			ev.replyPeakReset = replyPeakResetDefault
		default:
			n, ok := parseInt(arg)
			if !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			ev.replyPeakReset = n
		}
	case eqFold(c.argv[2], "resizing"):
		ev.replyBufNoResize = atoi(string(arg)) == 0
	default:
		c.replySubcommandSyntaxError()
		return
	}
	c.ReplyOK()
}

// replyBufSize is the size of the static reply buffer Redis would give c
// (buf_usable_size, CLIENT LIST rbs).
func (c *Client) replyBufSize() int {
	if c.rbufSize == 0 {
		return replyChunk
	}
	return c.rbufSize
}

// replyBufPeak is how much of its static reply buffer c used at most since the
// peak was last reset (Redis's buf_peak, CLIENT LIST rbp): replies queued beyond
// the buffer go to Redis's reply list and do not count. Before the cron first
// sees a client, the peak is the whole buffer, as Redis starts it.
func (c *Client) replyBufPeak() int {
	if c.rbufSize == 0 {
		return replyChunk
	}
	return min(max(c.outPeak, len(c.out)-c.sent), c.rbufSize)
}

// replyListBytes is what c's pending reply holds beyond its static buffer:
// Redis's reply list (omem in CLIENT LIST).
func (c *Client) replyListBytes() int {
	return max(len(c.out)-c.sent-c.replyBufSize(), 0)
}

// jemallocUsable is the usable size jemalloc gives an allocation of n bytes (its
// size classes: four per doubling past 64 bytes), which Redis's
// zmalloc_usable_size reports as a reply buffer's size.
func jemallocUsable(n int) int {
	if n <= 8 {
		return 8
	}
	if n <= 128 {
		return (n + 15) &^ 15
	}
	step := 1 << (bits.Len(uint(n-1)) - 3)
	return (n + step - 1) &^ (step - 1)
}

// replyBufResizeCron is Redis's clientsCronResizeOutputBuffer: a static reply
// buffer whose peak stayed under half its size shrinks to fit the peak (down to
// 1 KB), one whose peak filled it doubles (up to 16 KB), unless DEBUG
// REPLYBUFFER RESIZING 0; every DEBUG REPLYBUFFER PEAK-RESET-TIME milliseconds
// the peak restarts from what the buffer holds now. keygrid's reply buffer is
// one slice whatever its size, so the size is only what Redis would have, for
// CLIENT LIST and the client's memory (tot-mem, maxmemory-clients).
func (s *Server) replyBufResizeCron(c *Client) {
	first := c.rbufSize == 0
	peak := c.replyBufPeak()
	if first {
		c.rbufSize = replyChunk
	}
	size := c.rbufSize
	newSize := 0
	if !s.evict.replyBufNoResize {
		if size/2 >= replyMinBytes && peak < size/2 {
			newSize = jemallocUsable(max(replyMinBytes, peak+1))
			s.stats.replyBufShrinks++
		} else if size*2 < 2*replyChunk && peak == size {
			newSize = jemallocUsable(min(replyChunk, size*2))
			s.stats.replyBufExpands++
		}
	}
	// Redis starts a client's last reset at server.unixtime, in seconds, so the
	// first cron always resets the peak.
	if t := s.evict.replyPeakReset; t >= 0 && (first || s.nowMs-c.outPeakReset >= t) {
		c.outPeak = len(c.out) - c.sent
		c.outPeakReset = s.nowMs
	}
	if newSize != 0 {
		c.rbufSize = newSize
	}
}
