package rdb

// Transient strings: the loader of a whole file reads millions of small keys
// and string values that the engine copies into its keyspace at once, so
// giving each its own slice only feeds the garbage collector. These reads
// reuse per-Reader scratch buffers instead; what they return is valid until
// the next read into the same buffer.

import (
	"io/fs"
	"math"
	"strconv"
)

// readAppend reads n bytes onto dst. Like ReadFull it grows dst as the input
// arrives, so a corrupt huge n fails at the end of the input instead of
// allocating n bytes first.
func (r *Reader) readAppend(dst []byte, n uint64) ([]byte, error) {
	if n > math.MaxInt/2 {
		return dst, r.Corrupt("length %d too large", n)
	}
	// Fast path: the bytes are already buffered.
	if uint64(r.end-r.pos) >= n {
		k := int(n)
		dst = append(dst, r.buf[r.pos:r.pos+k]...)
		r.pos += k
		r.off += int64(k)
		return dst, nil
	}
	for n > 0 {
		k := min(n, readChunk)
		start := len(dst)
		dst = append(dst, make([]byte, k)...)
		if err := r.ReadInto(dst[start:]); err != nil {
			return dst, err
		}
		n -= k
	}
	return dst, nil
}

// loadStringTransient is loadStringOrInt into *scratch, which it reuses and
// grows: integer encodings come back as the integer (isInt, v) when keepInt,
// else as their decimal text in *scratch.
func (r *Reader) loadStringTransient(scratch *[]byte, keepInt bool) (s []byte, v int64, isInt bool, err error) {
	n, enc, err := r.LoadLen()
	if err != nil {
		return nil, 0, false, err
	}
	switch {
	case !enc:
		s, err = r.readAppend((*scratch)[:0], n)
	case n == EncLZF:
		s, err = r.loadLZFInto((*scratch)[:0])
	default:
		if v, err = r.loadIntEnc(n); err != nil {
			return nil, 0, false, err
		}
		if keepInt {
			return nil, v, true, nil
		}
		s = strconv.AppendInt((*scratch)[:0], v, 10)
	}
	if err != nil {
		return nil, 0, false, err
	}
	if cap(s) > cap(*scratch) {
		*scratch = s[:0]
	}
	return s, 0, false, nil
}

// InputSize is the size of what the Reader reads when the source knows it (a
// regular file, a bytes.Reader), else -1: loaders bound size hints read from
// the input (RESIZEDB) by it.
func (r *Reader) InputSize() int64 {
	switch x := r.r.(type) {
	case interface{ Size() int64 }:
		return x.Size()
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := x.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return -1
}
