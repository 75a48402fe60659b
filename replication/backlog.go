package replication

// The replication backlog (Redis's repl_backlog): the last Size bytes of the
// replication stream, so that a replica that lost its link for a moment can ask
// for what it missed (PSYNC replid offset) instead of a whole new RDB.
//
// Offsets are those of the stream: the first byte ever fed has offset 1, and
// Offset() is the offset of the last byte fed (Redis's master_repl_offset). A
// replica asks for the first byte it does not have, so Contains accepts
// everything from FirstByteOffset() to Offset()+1 (the latter: nothing missed).
//
// Redis 7.0 shares its backlog blocks with the replicas' output buffers; keygrid
// copies into each replica's buffer instead and keeps the backlog as one flat
// ring. Like Redis's, it takes memory only as the stream fills it: the ring grows
// up to its size, and from then on feeding it is a copy, never an allocation.

// Backlog is a ring buffer of the newest bytes of the replication stream. It is not
// safe for concurrent use: the engine's loop owns it.
type Backlog struct {
	// buf holds the history: while it is shorter than size, exactly the history,
	// oldest first (idx is 0); once full, a ring whose next write goes to idx.
	buf     []byte
	size    int
	idx     int
	histlen int64 // bytes of history held, at most size
	offset  int64 // offset of the last byte fed
}

// NewBacklog makes an empty backlog of size bytes whose next byte will have
// offset offset+1 (offset is the current master_repl_offset).
func NewBacklog(size int, offset int64) *Backlog {
	return &Backlog{size: max(size, 1), offset: offset}
}

// Size is the capacity in bytes (repl-backlog-size).
func (b *Backlog) Size() int { return b.size }

// Offset is the offset of the last byte fed (master_repl_offset).
func (b *Backlog) Offset() int64 { return b.offset }

// HistLen is how many bytes of history the backlog holds (repl_backlog_histlen).
func (b *Backlog) HistLen() int64 { return b.histlen }

// FirstByteOffset is the offset of the oldest byte held
// (repl_backlog_first_byte_offset); with no history, that of the next byte.
func (b *Backlog) FirstByteOffset() int64 { return b.offset - b.histlen + 1 }

// Feed appends p to the stream, dropping the oldest bytes past the capacity.
func (b *Backlog) Feed(p []byte) {
	b.offset += int64(len(p))
	if len(p) >= b.size {
		// Only the tail fits: it is the whole history, oldest first.
		b.grow(b.size)
		b.buf = append(b.buf[:0], p[len(p)-b.size:]...)
		b.idx = 0
		b.histlen = int64(b.size)
		return
	}
	if room := b.size - len(b.buf); room > 0 {
		n := min(room, len(p))
		b.grow(len(b.buf) + n)
		b.buf = append(b.buf, p[:n]...)
		b.histlen += int64(n)
		p = p[n:]
		// idx stays 0: once full, the next write goes over the oldest byte.
	}
	if len(p) == 0 {
		return
	}
	n := copy(b.buf[b.idx:], p)
	if n < len(p) {
		copy(b.buf, p[n:])
	}
	b.idx = (b.idx + len(p)) % b.size
}

// grow makes room for need bytes, doubling but never beyond size.
func (b *Backlog) grow(need int) {
	if need <= cap(b.buf) {
		return
	}
	nb := make([]byte, len(b.buf), min(max(need, 2*cap(b.buf), 4096), b.size))
	copy(nb, b.buf)
	b.buf = nb
}

// Contains reports whether a replica that has every byte before off can continue
// from the backlog: off is between FirstByteOffset() and Offset()+1.
func (b *Backlog) Contains(off int64) bool {
	return off >= b.FirstByteOffset() && off <= b.offset+1
}

// AppendFrom appends to dst the bytes from offset off to the end of the stream.
// off must satisfy Contains.
func (b *Backlog) AppendFrom(dst []byte, off int64) []byte {
	if !b.Contains(off) || off == b.offset+1 {
		return dst
	}
	n := int(b.offset - off + 1) // bytes wanted, the newest n held
	l := len(b.buf)
	start := (b.idx - n + l) % l
	if start+n <= l {
		return append(dst, b.buf[start:start+n]...)
	}
	dst = append(dst, b.buf[start:]...)
	return append(dst, b.buf[:n-(l-start)]...)
}

// Resize changes the capacity (CONFIG SET repl-backlog-size), keeping the newest
// history that fits.
func (b *Backlog) Resize(size int) {
	size = max(size, 1)
	if size == b.size {
		return
	}
	keep := min(b.histlen, int64(size))
	b.buf = b.AppendFrom(make([]byte, 0, keep), b.offset-keep+1)
	b.size = size
	b.idx = 0
	b.histlen = keep
}
