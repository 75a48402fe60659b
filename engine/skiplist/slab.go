package skiplist

import "math/bits"

// Slabs are chunked arrays addressed by int32. Chunks never move, so growing a slab
// copies nothing (no latency spike, no transient double memory), and they double in
// size up to a cap, so a small sorted set stays small.
const (
	firstChunkLog = 5  // the first chunk holds 32 records (the header's 31 levels fit)
	maxChunkLog   = 12 // chunks stop growing at 4096 records
	doublingTotal = (1<<(maxChunkLog-firstChunkLog+1) - 1) << firstChunkLog
)

// chunkOf maps a slab index to its chunk and the offset inside it.
func chunkOf(i int32) (int, int) {
	if i < doublingTotal {
		x := uint32(i) + 1<<firstChunkLog
		k := bits.Len32(x) - 1 - firstChunkLog
		return k, int(x - 1<<(k+firstChunkLog))
	}
	j := int(i - doublingTotal)
	return maxChunkLog - firstChunkLog + 1 + j>>maxChunkLog, j & (1<<maxChunkLog - 1)
}

// chunkLen is the number of records in chunk c.
func chunkLen(c int) int {
	if c <= maxChunkLog-firstChunkLog {
		return 1 << (c + firstChunkLog)
	}
	return 1 << maxChunkLog
}

// slab is a chunked array of T. T must hold no pointers for the GC benefit.
type slab[T any] struct {
	chunks [][]T
	top    int32 // records handed out so far
	cap    int   // records the chunks hold
}

func (s *slab[T]) at(i int32) *T {
	c, o := chunkOf(i)
	return &s.chunks[c][o]
}

// alloc returns the index of a new record.
func (s *slab[T]) alloc() int32 {
	i := s.top
	if c, _ := chunkOf(i); c >= len(s.chunks) {
		s.grow(c)
	}
	s.top++
	return i
}

// allocBlock returns the first index of k contiguous records inside one chunk. When
// the current chunk has fewer than k records left, they are skipped and returned as
// (waste, wasteLen) for the caller to recycle.
func (s *slab[T]) allocBlock(k int32) (first, waste, wasteLen int32) {
	c, o := chunkOf(s.top)
	if c < len(s.chunks) {
		if left := int32(chunkLen(c) - o); left < k {
			waste, wasteLen = s.top, left
			s.top += left
		}
	}
	first = s.top
	if c, _ := chunkOf(first); c >= len(s.chunks) {
		s.grow(c)
	}
	s.top += k
	return first, waste, wasteLen
}

// grow adds chunk c.
func (s *slab[T]) grow(c int) {
	s.chunks = append(s.chunks, make([]T, chunkLen(c)))
	s.cap += chunkLen(c)
}
