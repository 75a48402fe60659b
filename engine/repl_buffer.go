package engine

// repl_buffer.go: the shared replication buffer (Redis 7.0's replBufBlock list:
// feedReplicationBuffer, incrementalTrimReplicationBacklog,
// addReplyReplicationBacklog, freeReplicaReferencedReplBuffer, and the replica
// cases of _writeToClient and getClientOutputBufferMemoryUsage).
//
// The replication stream is stored once, in a list of blocks that the backlog and
// every replica share:
//
//	blocks:   [b0 refs=1] → [b1 refs=0] → [b2 refs=2] → [b3 refs=0]  (tail)
//	            backlog                    replica A,
//	                                       replica B at some position
//
// The backlog holds a reference to the first block, a replica to the block it is
// sending from; only that block's count is raised (walking to the next block moves
// the reference). Blocks are freed from the head only, and only while the head is
// referenced by the backlog alone and the history without it is still at least
// repl-backlog-size: a slow replica (or one waiting for its RDB) keeps everything
// from its position on, so the backlog then holds more than repl-backlog-size and
// can serve partial resyncs from that far back. When the replica goes (or catches
// up), the head is trimmed again, a bounded number of blocks at a time, so that
// dropping a replica holding gigabytes never stalls the loop.
//
// A replica's output memory is the shared bytes from its block to the end of the
// buffer (Redis's formula, counting the tail block's whole size), which is what
// client-output-buffer-limit replica, CLIENT LIST omem and tot-mem see.
//
// Memory: the buffer's blocks are counted in used_memory (INFO
// mem_total_replication_buffers); what exceeds repl-backlog-size is counted as the
// replicas' (mem_clients_slaves) and not counted for eviction, as Redis's
// freeMemoryGetNotCountedMemory. Steady state allocates nothing: a block trimmed
// from the head is reused for the next one at the tail.

import (
	"sort"

	"github.com/keygrid/keygrid/engine/loop"
	"golang.org/x/sys/unix"
)

const (
	// replBlockMin is the smallest block (Redis's PROTO_REPLY_CHUNK_BYTES): small
	// commands fill one block before the next is made.
	replBlockMin = 16 * 1024
	// replBlockOverhead is what each block costs beyond its bytes in Redis's
	// accounting (its list node and header); the same figure keeps INFO and the
	// output limits comparable with Redis's.
	replBlockOverhead = 64
	// replTrimPerCall bounds the blocks one trim frees (Redis's
	// REPL_BACKLOG_TRIM_BLOCKS_PER_CALL); beforeSleep trims ten times that.
	replTrimPerCall = 64
	// replSpareBlocks is how many trimmed blocks of the common size are kept for
	// reuse: enough to absorb a burst without allocating, little memory held.
	replSpareBlocks = 8
)

// replBlock is one block of the shared buffer. buf's capacity is the block's
// size, its length what is used.
type replBlock struct {
	buf []byte
	// refs counts the backlog (on the head block) and the replicas sending from it.
	refs int
	// id numbers blocks in order: the difference of two ids is how many blocks
	// lie between them (CLIENT LIST oll, the output memory).
	id int64
	// offset is the replication offset of buf[0].
	offset int64
	next   *replBlock
}

// replBacklog is the replication backlog over the shared buffer. Loop goroutine
// only.
type replBacklog struct {
	// blocks[start:] are the live blocks, oldest first (an index for PSYNC's
	// lookup by offset; next pointers are for walking).
	blocks []*replBlock
	start  int
	// size is repl-backlog-size.
	size int64
	// histlen is the bytes held (repl_backlog_histlen).
	histlen int64
	// offset is the offset of the last byte fed (master_repl_offset).
	offset int64
	// mem is mem_total_replication_buffers.
	mem    int64
	nextID int64
	spare  []*replBlock
}

// newReplBacklog makes an empty backlog whose next byte will have offset+1
// (Redis's createReplicationBacklog).
func newReplBacklog(size, offset int64) *replBacklog {
	return &replBacklog{size: size, offset: offset}
}

// Offset is the offset of the last byte fed.
func (b *replBacklog) Offset() int64 { return b.offset }

// HistLen is repl_backlog_histlen.
func (b *replBacklog) HistLen() int64 { return b.histlen }

// FirstByteOffset is repl_backlog_first_byte_offset; with no history, the offset
// of the next byte.
func (b *replBacklog) FirstByteOffset() int64 { return b.offset - b.histlen + 1 }

// Mem is mem_total_replication_buffers.
func (b *replBacklog) Mem() int64 { return b.mem }

// Contains reports whether a replica that has every byte before off can continue
// from the backlog.
func (b *replBacklog) Contains(off int64) bool {
	return off >= b.FirstByteOffset() && off <= b.offset+1
}

func (b *replBacklog) head() *replBlock {
	if b.start == len(b.blocks) {
		return nil
	}
	return b.blocks[b.start]
}

func (b *replBacklog) tail() *replBlock {
	if b.start == len(b.blocks) {
		return nil
	}
	return b.blocks[len(b.blocks)-1]
}

// blockFor returns the block holding off and off's position in it; a position at
// the end of a block's bytes means "right after them". off must satisfy Contains;
// nil when the backlog holds nothing.
func (b *replBacklog) blockFor(off int64) (*replBlock, int) {
	live := b.blocks[b.start:]
	// The first block whose bytes reach off (Redis's search after its rax index).
	i := sort.Search(len(live), func(i int) bool {
		return live[i].offset+int64(len(live[i].buf)) >= off
	})
	if i == len(live) {
		return nil, 0
	}
	return live[i], int(off - live[i].offset)
}

// AppendFrom appends to dst the bytes from offset off to the end of the stream.
// off must satisfy Contains.
func (b *replBacklog) AppendFrom(dst []byte, off int64) []byte {
	if !b.Contains(off) {
		return dst
	}
	for blk, pos := b.blockFor(off); blk != nil; blk, pos = blk.next, 0 {
		dst = append(dst, blk.buf[pos:]...)
	}
	return dst
}

// fits is the room left in a block.
func (b *replBlock) fits() int { return cap(b.buf) - len(b.buf) }

// newBlockSize is the size of a new block for n bytes: at least replBlockMin, so
// small commands share blocks, and at most a sixteenth of the backlog, so that a
// big command does not make a block the backlog cannot trim while it needs only
// its end (Redis 7.0.15's limit).
func (b *replBacklog) newBlockSize(n int) int {
	limit := max(int(b.size/16), replBlockMin)
	return min(max(n, replBlockMin), limit)
}

// append adds the head of p to the buffer: into the tail block while it has room,
// then into one new block. It returns the block and position where the bytes
// start (where a replica that had nothing pending starts), how many bytes it
// took, and whether it made a block.
func (b *replBacklog) append(p []byte) (start *replBlock, pos int, n int, added bool) {
	if t := b.tail(); t != nil && t.fits() > 0 {
		start, pos = t, len(t.buf)
		n = min(t.fits(), len(p))
		t.buf = append(t.buf, p[:n]...)
		p = p[n:]
	}
	if len(p) > 0 {
		blk := b.makeBlock(b.newBlockSize(len(p)))
		k := min(cap(blk.buf), len(p))
		blk.buf = append(blk.buf, p[:k]...)
		blk.offset = b.offset + int64(n) + 1
		if t := b.tail(); t != nil {
			t.next = blk
		}
		b.blocks = append(b.blocks, blk)
		b.mem += int64(cap(blk.buf)) + replBlockOverhead
		if start == nil {
			start, pos = blk, 0
		}
		if b.head() == blk {
			blk.refs++ // the backlog's reference
		}
		n += k
		added = true
	}
	b.offset += int64(n)
	b.histlen += int64(n)
	return start, pos, n, added
}

// makeBlock returns an empty block of size bytes, reusing a trimmed one when it
// has that size.
func (b *replBacklog) makeBlock(size int) *replBlock {
	id := b.nextID
	b.nextID++
	if k := len(b.spare); k > 0 && cap(b.spare[k-1].buf) == size {
		blk := b.spare[k-1]
		b.spare[k-1] = nil
		b.spare = b.spare[:k-1]
		*blk = replBlock{buf: blk.buf[:0], id: id}
		return blk
	}
	return &replBlock{buf: make([]byte, 0, size), id: id}
}

// trim frees up to max head blocks that only the backlog references, keeping at
// least repl-backlog-size of history (Redis's incrementalTrimReplicationBacklog).
func (b *replBacklog) trim(max int) {
	for freed := 0; freed < max && b.histlen > b.size && len(b.blocks)-b.start > 1; freed++ {
		first := b.blocks[b.start]
		if first.refs != 1 || b.histlen-int64(len(first.buf)) <= b.size {
			return // a replica still sends from it, or the history would be too short
		}
		next := first.next
		first.refs--
		next.refs++
		b.histlen -= int64(len(first.buf))
		b.mem -= int64(cap(first.buf)) + replBlockOverhead
		b.blocks[b.start] = nil
		b.start++
		if len(b.spare) < replSpareBlocks && cap(first.buf) == replBlockMin {
			first.next = nil
			b.spare = append(b.spare, first)
		}
		b.compact()
	}
}

// compact moves the live blocks to the front of the index once most of it is
// free, so the index's array is reused rather than grown.
func (b *replBacklog) compact() {
	if b.start < 64 || b.start*2 < len(b.blocks) {
		return
	}
	n := copy(b.blocks, b.blocks[b.start:])
	clear(b.blocks[n:])
	b.blocks = b.blocks[:n]
	b.start = 0
}

// --- replicas' references ------------------------------------------------------------------

// takesStream reports whether rl is fed the stream (Redis's
// canFeedReplicaReplBuffer): not while waiting for its snapshot to start, never for
// an rdb-only replica, and not once it is being closed.
func (rl *replicaLink) takesStream() bool {
	return rl.state != replWaitBgsaveStart && !rl.rdbOnly && rl.state != replRDBTransmitted &&
		rl.c.flags&flagCloseASAP == 0
}

// streaming reports whether the loop may write the stream to rl's socket: online,
// and for a diskless sync once the replica acknowledged (replStartStream).
func (rl *replicaLink) streaming() bool {
	return rl.state == replOnline && !rl.startOnAck
}

// replRelease drops rl's reference to the shared buffer (Redis's
// freeReplicaReferencedReplBuffer).
func (s *Server) replRelease(rl *replicaLink) {
	if rl.ref == nil {
		return
	}
	rl.ref.refs--
	rl.ref, rl.refPos = nil, 0
	if b := s.repl.backlog; b != nil {
		b.trim(replTrimPerCall)
	}
}

// replDetachAll forgets every replica's reference: the buffer they point into is
// being dropped (a new history or no backlog), and they are being disconnected.
func (s *Server) replDetachAll() {
	for _, rl := range s.repl.replicas {
		rl.ref, rl.refPos = nil, 0
	}
}

// replSetRef makes rl send from off onward (a partial resync; Redis's
// addReplyReplicationBacklog). It returns how many bytes that is.
func (s *Server) replSetRef(rl *replicaLink, off int64) int64 {
	b := s.repl.backlog
	blk, pos := b.blockFor(off)
	if blk == nil {
		return 0 // nothing held yet: the replica starts with the next byte fed
	}
	blk.refs++
	rl.ref, rl.refPos = blk, pos
	return b.offset - off + 1
}

// replCopyRef makes rl send what peer sends (a replica attached to another's
// disk-based sync: Redis's copyReplicaOutputBuffer).
func (s *Server) replCopyRef(rl, peer *replicaLink) {
	if peer.ref == nil {
		return
	}
	rl.ref, rl.refPos = peer.ref, peer.refPos
	rl.ref.refs++
}

// replOutputMem is a replica's output memory: the shared bytes from its block to
// the end of the buffer, whole blocks, and how many blocks that is (Redis's
// getClientOutputBufferMemoryUsage for replicas; CLIENT LIST omem and oll).
func (s *Server) replOutputMem(rl *replicaLink) (mem, blocks int64) {
	b := s.repl.backlog
	if rl.ref == nil || b == nil {
		return 0, 0
	}
	last := b.tail()
	blocks = last.id - rl.ref.id + 1
	return last.offset + int64(cap(last.buf)) - rl.ref.offset + replBlockOverhead*blocks, blocks
}

// replClientOutput is replOutputMem for a client (0 unless it is a replica).
func (s *Server) replClientOutput(c *Client) (mem, blocks int64) {
	if c.flags&flagReplica == 0 {
		return 0, 0
	}
	if rl := s.repl.links[c]; rl != nil {
		return s.replOutputMem(rl)
	}
	return 0, 0
}

// replWriteClient is writeClient for a replica: its own pending bytes (+CONTINUE,
// normally nothing else), then the shared stream from its position, block after
// block, until the socket is full (Redis's _writeToClient for replicas). It
// returns false if the client was freed.
func (s *Server) replWriteClient(c *Client) bool {
	s.stats.writesProcessed++
	rl := s.repl.links[c]
	if st := s.replWrite(c, c.out, &c.sent, false); st != replWritten {
		return s.replWriteStopped(c, rl, st)
	}
	c.out, c.sent = c.out[:0], 0
	if rl == nil || !rl.streaming() {
		// Its stream waits behind the RDB; flagWriteHandler, set without a
		// handler, is what holds it back (repl_sync.go).
		return true
	}
	for blk := rl.ref; blk != nil; blk = rl.ref {
		if st := s.replWrite(c, blk.buf, &rl.refPos, true); st != replWritten {
			return s.replWriteStopped(c, rl, st)
		}
		if blk.next == nil {
			break // all sent; the tail block stays referenced, to append to
		}
		blk.refs--
		blk.next.refs++
		rl.ref, rl.refPos = blk.next, 0
		s.repl.backlog.trim(replTrimPerCall)
	}
	if c.flags&flagWriteHandler != 0 {
		s.loop.DelFile(c.fd, loop.Writable)
		c.flags &^= flagWriteHandler
	}
	return true
}

// How a replWrite ended.
const (
	replWritten = iota // all of it
	replBlocked        // the socket is full
	replFailed         // a write error: the link is gone
)

// replWrite writes p[*pos:] to a replica's socket, moving *pos on; stream counts
// the bytes as replication traffic too (the shared stream, not the replica's own
// replies).
func (s *Server) replWrite(c *Client, p []byte, pos *int, stream bool) int {
	for *pos < len(p) {
		n, err := loop.Write(c.fd, p[*pos:])
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			if err == unix.EAGAIN {
				return replBlocked
			}
			return replFailed
		}
		*pos += n
		c.netOut += int64(n)
		s.stats.netOutput += int64(n)
		if stream {
			s.repl.netOutput += int64(n)
		}
	}
	return replWritten
}

// replWriteStopped ends a replWriteClient that could not write everything: wait
// for the socket, or free the client after an error (false).
func (s *Server) replWriteStopped(c *Client, rl *replicaLink, st int) bool {
	if st == replBlocked {
		return s.replWaitWritable(c, rl)
	}
	s.freeClient(c)
	return false
}

// replWaitWritable waits for a replica's socket to drain.
func (s *Server) replWaitWritable(c *Client, rl *replicaLink) bool {
	if rl != nil && !rl.streaming() {
		return true // held: no handler (see above)
	}
	if c.flags&flagWriteHandler == 0 {
		s.loop.AddFile(c.fd, loop.Writable, nil, s.onWritable)
		c.flags |= flagWriteHandler
	}
	return s.checkOutputLimits(c)
}

// --- memory ------------------------------------------------------------------------------

// replBufferMem is mem_total_replication_buffers, counted in used_memory.
func (s *Server) replBufferMem() int64 {
	if b := s.repl.backlog; b != nil {
		return b.mem
	}
	return 0
}

// replMemSplit divides the shared buffer between the backlog and the replicas
// as INFO and MEMORY STATS report it (Redis's getMemoryOverheadData): with
// replicas, what exceeds repl-backlog-size is theirs.
func (s *Server) replMemSplit() (backlog, replicas int64) {
	mem := s.replBufferMem()
	if len(s.repl.replicas) > 0 && mem > s.cfg.ReplBacklogSize {
		return s.cfg.ReplBacklogSize, mem - s.cfg.ReplBacklogSize
	}
	return mem, 0
}

// replNotCounted is the shared buffer's part eviction ignores (Redis's
// freeMemoryGetNotCountedMemory): beyond the backlog's size and its blocks'
// overhead. Even without replicas: blocks a replica left are trimmed over
// several loop iterations, and evicting keys for them would be a mistake.
func (s *Server) replNotCounted() int64 {
	mem, size := s.replBufferMem(), s.cfg.ReplBacklogSize
	if mem <= size {
		return 0
	}
	counted := size + (size/replBlockMin+1)*replBlockOverhead
	return max(mem-counted, 0)
}
