// lzf.go: the compressor (after liblzf's lzf_c.c as configured in Redis) and the
// decompressor (lzf_d.c with CHECK_INPUT), with Go bounds instead of pointers.

package lzf

import (
	"errors"
	"math"
	"sync"
)

const (
	hlog   = 16
	hsize  = 1 << hlog
	maxLit = 1 << 5              // longest literal run
	maxOff = 1 << 13             // farthest back reference
	maxRef = (1 << 8) + (1 << 3) // longest back reference, 264 bytes
)

// Errors returned by Decompress.
var (
	// ErrCorrupt: the input is truncated or refers before the start of the output.
	ErrCorrupt = errors.New("lzf: corrupt input")
	// ErrLength: the input decodes to more, or fewer, bytes than expected.
	ErrLength = errors.New("lzf: decompressed length differs from the expected length")
)

// table is the compressor's hash table of input positions. Entries are stored
// as base+position; anything below base was written by an earlier call and is
// treated as empty, so a pooled table never needs clearing (a 256 KiB memclr per
// call would cost more than compressing a short string).
type table struct {
	base  uint32
	slots [hsize]uint32
}

var tables = sync.Pool{New: func() any { return &table{base: 1} }}

// Compress compresses src into dst's storage and returns the result, or nil when
// the compressed form would not be shorter than src (store it raw then). Inputs
// of fewer than 3 bytes never compress.
func Compress(dst, src []byte) []byte {
	return CompressLimit(dst, src, len(src)-1)
}

// CompressLimit is Compress with an explicit output limit: it returns nil unless
// the result fits in limit bytes, deciding exactly as Redis's
// lzf_compress(src, len(src), out, limit) does (including its conservative
// checks near the limit). Redis uses limit len-4 for RDB strings and len (then
// requires 8 bytes saved) for quicklist nodes.
func CompressLimit(dst, src []byte, limit int) []byte {
	inLen := len(src)
	if inLen == 0 || limit <= 0 || inLen >= math.MaxUint32/2 {
		return nil
	}
	if limit > inLen+inLen/16+64 {
		limit = inLen + inLen/16 + 64 // more than LZF can ever need
	}
	var out []byte
	if cap(dst) >= limit {
		out = dst[:limit]
	} else {
		out = make([]byte, limit)
	}
	t := tables.Get().(*table)
	if uint64(t.base)+uint64(inLen) >= math.MaxUint32 {
		clear(t.slots[:])
		t.base = 1
	}
	n := compress(t, out, src)
	t.base += uint32(inLen)
	tables.Put(t)
	if n == 0 {
		return nil
	}
	return out[:n]
}

func hashIdx(h uint32) uint32 {
	return ((h >> (3*8 - hlog)) - h*5) & (hsize - 1)
}

// compress is lzf_compress: it returns the output length, or 0 if the output
// does not fit in len(out). Comments mark where it follows a quirk of the
// original that decides which bytes come out.
func compress(t *table, out, in []byte) int {
	inLen, outLen := len(in), len(out)
	base := t.base
	slots := &t.slots
	op := 1 // out[0] is reserved for the first literal run's length
	lit := 0
	ip := 0
	var hval uint32
	if inLen >= 2 {
		hval = uint32(in[0])<<8 | uint32(in[1])
	}
	for ip < inLen-2 {
		hval = hval<<8 | uint32(in[ip+2])
		slot := &slots[hashIdx(hval)]
		v := *slot
		*slot = base + uint32(ip)
		ref := int(v) - int(base) // >= 0 only if written during this call
		// ref > 0, not >= 0: liblzf tests ref > in_data, so position 0 is never
		// matched.
		if v >= base && ref > 0 && ip-ref-1 < maxOff &&
			in[ref+2] == in[ip+2] && in[ref] == in[ip] && in[ref+1] == in[ip+1] {
			off := ip - ref - 1
			l := 2
			maxLen := inLen - ip - l
			if maxLen > maxRef {
				maxLen = maxRef
			}
			// First a fast conservative test, then the exact one.
			if op+3+1 >= outLen {
				undo := 0
				if lit == 0 {
					undo = 1
				}
				if op-undo+3+1 >= outLen {
					return 0
				}
			}
			out[op-lit-1] = byte(lit - 1) // stop the run (when lit == 0 the byte is dropped next)
			if lit == 0 {
				op--
			}
			// Extend the match. liblzf first compares up to 16 more bytes
			// unrolled when maxLen > 16 and then always steps once more; that can
			// take a match 1-2 bytes past maxLen near the end of the input (still
			// within it), so it is kept as is.
			done := false
			if maxLen > 16 {
				for k := 0; k < 16; k++ {
					l++
					if in[ref+l] != in[ip+l] {
						done = true
						break
					}
				}
			}
			if !done {
				for {
					l++
					if l >= maxLen || in[ref+l] != in[ip+l] {
						break
					}
				}
			}
			l -= 2 // the encoded length: the decoder copies l+2 bytes
			ip++
			if l < 7 {
				out[op] = byte(off>>8 + l<<5)
				op++
			} else {
				out[op] = byte(off>>8 + 7<<5)
				out[op+1] = byte(l - 7)
				op += 2
			}
			out[op] = byte(off)
			op++
			lit = 0
			op++ // start a new run
			ip += l + 1
			if ip >= inLen-2 {
				break
			}
			// VERY_FAST: hash the two positions before the match end, then go on.
			ip -= 2
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			hval = hval<<8 | uint32(in[ip+2])
			slots[hashIdx(hval)] = base + uint32(ip)
			ip++
			hval = hval<<8 | uint32(in[ip+2])
			slots[hashIdx(hval)] = base + uint32(ip)
			ip++
			continue
		}
		// One more literal byte.
		if op >= outLen {
			return 0
		}
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == maxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	if op+3 > outLen { // at most 3 bytes can be missing here
		return 0
	}
	for ip < inLen {
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == maxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	out[op-lit-1] = byte(lit - 1) // end the run
	if lit == 0 {
		op--
	}
	return op
}

// Decompress decompresses src, which must decode to exactly outLen bytes, into
// dst's storage. On corrupt input it returns an error, never panics, and never
// writes beyond outLen bytes.
func Decompress(dst, src []byte, outLen int) ([]byte, error) {
	if outLen < 0 {
		return nil, ErrLength
	}
	var out []byte
	if cap(dst) >= outLen {
		out = dst[:outLen]
	} else {
		out = make([]byte, outLen)
	}
	op, ip, inLen := 0, 0, len(src)
	for ip < inLen {
		ctrl := int(src[ip])
		ip++
		if ctrl < 32 { // literal run
			n := ctrl + 1
			if op+n > outLen {
				return nil, ErrLength
			}
			if ip+n > inLen {
				return nil, ErrCorrupt
			}
			copy(out[op:op+n], src[ip:ip+n])
			op += n
			ip += n
			continue
		}
		// back reference
		n := ctrl >> 5
		ref := op - (ctrl&0x1f)<<8 - 1
		if ip >= inLen {
			return nil, ErrCorrupt
		}
		if n == 7 {
			n += int(src[ip])
			ip++
			if ip >= inLen {
				return nil, ErrCorrupt
			}
		}
		ref -= int(src[ip])
		ip++
		n += 2
		if op+n > outLen {
			return nil, ErrLength
		}
		if ref < 0 {
			return nil, ErrCorrupt
		}
		if op-ref >= n {
			copy(out[op:op+n], out[ref:ref+n])
			op += n
		} else {
			// Overlapping: the reference repeats the last op-ref bytes. Copy in
			// growing chunks, each one already written.
			for n > 0 {
				c := copy(out[op:op+n], out[ref:op])
				op += c
				n -= c
			}
		}
	}
	if op != outLen {
		return nil, ErrLength
	}
	return out, nil
}
