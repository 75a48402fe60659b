package hyperloglog

// The representation and the algorithms of Redis 7.0's hyperloglog.c, rewritten over
// byte slices. Function names follow Redis's where one maps to one (hllSparseSet is
// sparseSet, hllSparseToDense is ToDense, ...), so the two can be read side by side.

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
)

const (
	// P is the number of hash bits that choose a register.
	P = 14
	// Q is the number of hash bits left for the run of zeros.
	Q = 64 - P
	// Registers is the number of registers (16384).
	Registers = 1 << P
	// RegisterMax is the largest value a 6-bit dense register holds.
	RegisterMax = 1<<6 - 1
	// HeaderSize is the size of the header: magic, encoding, 3 unused bytes and the
	// cached cardinality.
	HeaderSize = 16
	// DenseSize is the exact length of a dense HLL (12304 bytes).
	DenseSize = HeaderSize + (Registers*6+7)/8

	// Dense and Sparse are the values of the encoding byte.
	Dense  = 0
	Sparse = 1

	// DefaultSparseMaxBytes is hll-sparse-max-bytes' default.
	DefaultSparseMaxBytes = 3000

	// seed is the MurmurHash64A seed Redis hashes elements with.
	seed = 0xadc83b19

	encPos  = 4      // offset of the encoding byte
	cardPos = 8      // offset of the cached cardinality
	invalid = 1 << 7 // "cache invalid" bit, in the cardinality's last byte

	// Sparse opcodes.
	opXZeroBit   = 0x40 // 01xxxxxx yyyyyyyy
	opValBit     = 0x80 // 1vvvvvxx
	valMaxValue  = 32
	valMaxLen    = 4
	zeroMaxLen   = 64
	xzeroMaxLen  = 16384
	alphaInf     = 0.721347520444481703680 // 0.5/ln(2)
	denseRegSize = DenseSize - HeaderSize
)

// --- headers -----------------------------------------------------------------------

// IsHLL reports whether b passes Redis's check of a string used as an HLL
// (isHLLObjectOrReply): the "HYLL" magic, a known encoding, and for a dense HLL the
// exact length. Sparse data is checked when it is walked.
func IsHLL(b []byte) bool {
	if len(b) < HeaderSize {
		return false
	}
	if b[0] != 'H' || b[1] != 'Y' || b[2] != 'L' || b[3] != 'L' {
		return false
	}
	switch b[encPos] {
	case Dense:
		return len(b) == DenseSize
	case Sparse:
		return true
	}
	return false
}

// Encoding returns the encoding byte (Dense or Sparse) of an HLL that passed IsHLL.
func Encoding(h []byte) int { return int(h[encPos]) }

// Cached returns the cached cardinality and whether it is valid.
func Cached(h []byte) (uint64, bool) {
	if h[cardPos+7]&invalid != 0 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(h[cardPos:]), true
}

// SetCached stores card as the cached cardinality. A value with the top bit set (only
// the overflow result of Count) leaves the cache marked invalid, as in Redis.
func SetCached(h []byte, card uint64) {
	binary.LittleEndian.PutUint64(h[cardPos:], card)
}

// Invalidate marks the cached cardinality stale (Redis's HLL_INVALIDATE_CACHE).
func Invalidate(h []byte) { h[cardPos+7] |= invalid }

// New returns an empty HLL: sparse, one XZERO opcode covering every register, and a
// cached cardinality of 0 (Redis's createHLLObject).
func New() []byte {
	h := make([]byte, HeaderSize+2, 32)
	copy(h, "HYLL")
	h[encPos] = Sparse
	putXZero(h[HeaderSize:], Registers)
	return h
}

// --- hashing -----------------------------------------------------------------------

// MurmurHash64A is MurmurHash2's 64-bit variant as Redis has it (little-endian reads
// on every architecture).
func MurmurHash64A(key []byte, seed uint32) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := uint64(seed) ^ uint64(len(key))*m
	for len(key) >= 8 {
		k := binary.LittleEndian.Uint64(key)
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
		key = key[8:]
	}
	switch len(key) {
	case 7:
		h ^= uint64(key[6]) << 48
		fallthrough
	case 6:
		h ^= uint64(key[5]) << 40
		fallthrough
	case 5:
		h ^= uint64(key[4]) << 32
		fallthrough
	case 4:
		h ^= uint64(key[3]) << 24
		fallthrough
	case 3:
		h ^= uint64(key[2]) << 16
		fallthrough
	case 2:
		h ^= uint64(key[1]) << 8
		fallthrough
	case 1:
		h ^= uint64(key[0])
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// PatLen returns the register an element maps to and the length of its "000..1"
// pattern, 1 to Q+1 (Redis's hllPatLen).
func PatLen(ele []byte) (index int, count uint8) {
	hash := MurmurHash64A(ele, seed)
	index = int(hash & (Registers - 1))
	hash >>= P
	hash |= 1 << Q // the run ends at bit Q at the latest
	return index, uint8(bits.TrailingZeros64(hash)) + 1
}

// --- dense registers ---------------------------------------------------------------

// Registers are 6 bits each, packed from the least significant bit of each byte on.
// Redis reads and writes the byte after a register unconditionally (the last one
// touches the string's terminator); the byte is only involved when a register
// straddles two bytes, which is when its first bit is 4 or 6, so these do not
// touch it otherwise and never go past the 12288 register bytes.

func getReg(regs []byte, i int) uint8 {
	pos := i * 6 / 8
	fb := uint(i*6) & 7
	v := uint(regs[pos]) >> fb
	if fb > 2 {
		v |= uint(regs[pos+1]) << (8 - fb)
	}
	return uint8(v & RegisterMax)
}

func setReg(regs []byte, i int, val uint8) {
	pos := i * 6 / 8
	fb := uint(i*6) & 7
	v := uint(val)
	regs[pos] = regs[pos]&^byte(RegisterMax<<fb) | byte(v<<fb)
	if fb > 2 {
		regs[pos+1] = regs[pos+1]&^byte(RegisterMax>>(8-fb)) | byte(v>>(8-fb))
	}
}

// Register returns register i of a dense HLL.
func Register(h []byte, i int) uint8 { return getReg(h[HeaderSize:], i) }

// denseSet raises register index to count if it is lower; 1 if it changed.
func denseSet(regs []byte, index int, count uint8) int {
	if count > getReg(regs, index) {
		setReg(regs, index, count)
		return 1
	}
	return 0
}

// denseHisto adds the dense registers to hist, 16 registers (12 bytes) at a time.
// Four partial histograms break the chains of dependent increments that long runs
// of equal registers make (the counts, being integers, are the same).
func denseHisto(regs []byte, hist *[64]int) {
	var h [4][64]int32
	regs = regs[:denseRegSize]
	for len(regs) >= 12 {
		r := regs[:12:12]
		for k := 0; k < 12; k += 3 {
			v := uint32(r[k]) | uint32(r[k+1])<<8 | uint32(r[k+2])<<16
			h[0][v&63]++
			h[1][v>>6&63]++
			h[2][v>>12&63]++
			h[3][v>>18&63]++
		}
		regs = regs[12:]
	}
	for i := range hist {
		hist[i] += int(h[0][i] + h[1][i] + h[2][i] + h[3][i])
	}
}

// --- sparse opcodes ----------------------------------------------------------------

func isZero(b byte) bool      { return b&0xc0 == 0 }
func isXZero(b byte) bool     { return b&0xc0 == opXZeroBit }
func isVal(b byte) bool       { return b&opValBit != 0 }
func zeroLen(b byte) int      { return int(b&0x3f) + 1 }
func xzeroLen(b, b2 byte) int { return (int(b&0x3f)<<8 | int(b2)) + 1 }
func valValue(b byte) uint8   { return (b>>2)&0x1f + 1 }
func valLen(b byte) int       { return int(b&3) + 1 }
func valByte(val uint8, n int) byte {
	return (val-1)<<2 | byte(n-1) | opValBit
}
func putXZero(p []byte, n int) {
	p[0] = byte((n-1)>>8) | opXZeroBit
	p[1] = byte((n - 1) & 0xff)
}

// at returns b[i], or 0 past the end: Redis reads the second byte of an XZERO that
// ends the string from the string's terminating zero.
func at(b []byte, i int) byte {
	if i < len(b) {
		return b[i]
	}
	return 0
}

// ToDense converts a sparse HLL to the dense encoding, keeping the header (cached
// cardinality included); a dense HLL is returned as it is. ok is false, and h
// unchanged, when the sparse data does not cover exactly the 16384 registers
// (Redis's hllSparseToDense).
func ToDense(h []byte) (dense []byte, ok bool) {
	if h[encPos] == Dense {
		return h, true
	}
	d := make([]byte, DenseSize)
	copy(d, h[:HeaderSize])
	d[encPos] = Dense
	regs := d[HeaderSize:]
	idx := 0
	for p := HeaderSize; p < len(h); {
		b := h[p]
		switch {
		case isZero(b):
			idx += zeroLen(b)
			p++
		case isXZero(b):
			idx += xzeroLen(b, at(h, p+1))
			p += 2
		default:
			n, v := valLen(b), valValue(b)
			if idx+n > Registers {
				return h, false // overflow
			}
			for ; n > 0; n-- {
				setReg(regs, idx, v)
				idx++
			}
			p++
		}
	}
	if idx != Registers {
		return h, false
	}
	return d, true
}

// Set raises register index (0..16383) to count (1..63) if it is lower, as PFADD and
// PFMERGE do (hllDenseSet / hllSparseSet). It returns the HLL, which is a new slice
// when a sparse HLL grew or became dense, and 1 if the register changed, 0 if not,
// -1 if the HLL is corrupt. maxSparse is hll-sparse-max-bytes. The cached
// cardinality is invalidated when a sparse HLL changes; the caller invalidates it
// for dense ones (PFADD does it once per command).
func Set(h []byte, index int, count uint8, maxSparse int64) ([]byte, int) {
	if !IsHLL(h) || index < 0 || index >= Registers {
		return h, -1
	}
	if h[encPos] == Dense {
		return h, denseSet(h[HeaderSize:], index, count)
	}
	return sparseSet(h, index, count, maxSparse)
}

// Add adds an element: Set for the register and count the element hashes to.
func Add(h []byte, ele []byte, maxSparse int64) ([]byte, int) {
	index, count := PatLen(ele)
	if len(h) == DenseSize && h[encPos] == Dense {
		return h, denseSet(h[HeaderSize:], index, count) // the common case, inlined
	}
	return Set(h, index, count, maxSparse)
}

// sparseSet is Redis's hllSparseSet: find the opcode covering index, replace it by
// up to three opcodes (XZERO-VAL-XZERO at worst), merge equal neighbouring VALs,
// and promote to dense when the value does not fit a VAL opcode or the string would
// grow past maxSparse.
func sparseSet(h []byte, index int, count uint8, maxSparse int64) ([]byte, int) {
	if count > valMaxValue {
		return promote(h, index, count)
	}
	// Redis makes room for 3 more bytes before it starts (the worst split) and has a
	// terminating zero after the string; s is the string with that room, zeroed.
	n := len(h)
	if cap(h) < n+4 {
		nh := make([]byte, n, max(n+4, 2*n))
		copy(nh, h)
		h = nh
	}
	s := h[:n+4]
	clear(s[n:])

	// Step 1: find the opcode that covers index.
	end := n
	p, first, prev, span := HeaderSize, 0, -1, 0
	for p < end {
		oplen := 1
		b := s[p]
		switch {
		case isZero(b):
			span = zeroLen(b)
		case isVal(b):
			span = valLen(b)
		default:
			span = xzeroLen(b, s[p+1])
			oplen = 2
		}
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= end {
		return h[:n], -1
	}
	next := p + 1
	if isXZero(s[p]) {
		next = p + 2
	}
	if next >= end {
		next = -1
	}
	b := s[p]
	zero, xzero, val := isZero(b), isXZero(b), isVal(b)
	var runlen int
	switch {
	case zero:
		runlen = zeroLen(b)
	case xzero:
		runlen = xzeroLen(b, s[p+1])
	default:
		runlen = valLen(b)
	}

	// Step 2: the cases that rewrite one byte in place.
	updatedInPlace := false
	if val {
		if valValue(b) >= count {
			return h[:n], 0 // A: the register is already as high
		}
		if runlen == 1 { // B: a VAL of this register only
			s[p] = valByte(count, 1)
			updatedInPlace = true
		}
	}
	if !updatedInPlace && zero && runlen == 1 { // C: a ZERO of this register only
		s[p] = valByte(count, 1)
		updatedInPlace = true
	}

	if !updatedInPlace {
		// D: split the opcode around the register.
		var seq [5]byte
		k := 0
		last := first + span - 1
		if zero || xzero {
			if index != first {
				k += putZeros(seq[k:], index-first)
			}
			seq[k] = valByte(count, 1)
			k++
			if index != last {
				k += putZeros(seq[k:], last-index)
			}
		} else {
			cur := valValue(b)
			if index != first {
				seq[k] = valByte(cur, index-first)
				k++
			}
			seq[k] = valByte(count, 1)
			k++
			if index != last {
				seq[k] = valByte(cur, last-index)
				k++
			}
		}
		// Step 3: put the new sequence in place of the old opcode.
		oldlen := 1
		if xzero {
			oldlen = 2
		}
		delta := k - oldlen
		if delta > 0 && int64(n+delta) > maxSparse {
			return promote(h[:n], index, count)
		}
		if delta != 0 && next >= 0 {
			copy(s[next+delta:], s[next:end])
		}
		copy(s[p:], seq[:k])
		end += delta
	}

	// Step 4: merge adjacent VALs of the same value, scanning up to 5 opcodes from
	// the one before the change.
	q := prev
	if q < 0 {
		q = HeaderSize
	}
	for scan := 5; q < end && scan > 0; {
		scan--
		b := s[q]
		if isXZero(b) {
			q += 2
			continue
		}
		if isZero(b) {
			q++
			continue
		}
		if q+1 < end && isVal(s[q+1]) {
			v1, v2 := valValue(b), valValue(s[q+1])
			if v1 == v2 {
				if l := valLen(b) + valLen(s[q+1]); l <= valMaxLen {
					s[q+1] = valByte(v1, l)
					copy(s[q:], s[q+1:end])
					end--
					continue // try to merge the result with its right neighbour
				}
			}
		}
		q++
	}
	clear(s[end:])
	h = s[:end]
	Invalidate(h)
	return h, 1
}

// putZeros writes a ZERO opcode for n registers, or an XZERO when n is above 64,
// and returns its size.
func putZeros(p []byte, n int) int {
	if n > zeroMaxLen {
		putXZero(p, n)
		return 2
	}
	p[0] = byte(n - 1)
	return 1
}

// promote converts to dense and sets the register there (the "promote" label of
// hllSparseSet).
func promote(h []byte, index int, count uint8) ([]byte, int) {
	d, ok := ToDense(h)
	if !ok {
		return h, -1
	}
	// Redis asserts the register changes; for a valid HLL it always does.
	return d, denseSet(d[HeaderSize:], index, count)
}

// --- counting ----------------------------------------------------------------------

// sparseHisto adds the sparse registers to hist; ok is false when they do not cover
// exactly 16384 registers.
func sparseHisto(h []byte, hist *[64]int) bool {
	idx := 0
	for p := HeaderSize; p < len(h); {
		b := h[p]
		switch {
		case isZero(b):
			n := zeroLen(b)
			idx += n
			hist[0] += n
			p++
		case isXZero(b):
			n := xzeroLen(b, at(h, p+1))
			idx += n
			hist[0] += n
			p += 2
		default:
			n := valLen(b)
			idx += n
			hist[valValue(b)] += n
			p++
		}
	}
	return idx == Registers
}

// Count computes the cardinality estimate of an HLL that passed IsHLL (Redis's
// hllCount, without the cache); ok is false for corrupt sparse data.
func Count(h []byte) (uint64, bool) {
	var hist [64]int
	if h[encPos] == Dense {
		if len(h) != DenseSize {
			return 0, false
		}
		denseHisto(h[HeaderSize:], &hist)
	} else if !sparseHisto(h, &hist) {
		return 0, false
	}
	return estimate(&hist), true
}

// estimate is the estimator of "New cardinality estimation algorithms for
// HyperLogLog sketches" (Otmar Ertl, arXiv:1702.01284) over the histogram of
// register values, with Redis's operations in Redis's order. The explicit float64
// conversions keep the compiler from fusing multiply-adds, which would round
// differently from redis-server.
func estimate(hist *[64]int) uint64 {
	const m = float64(Registers)
	z := float64(m * tau((m-float64(hist[Q+1]))/m))
	for j := Q; j >= 1; j-- {
		z += float64(hist[j])
		z *= 0.5
	}
	z += float64(m * sigma(float64(hist[0])/m))
	return llround(alphaInf * m * m / z)
}

// llround is (uint64_t)(double)llroundl(v) as compiled for x86-64: out-of-range
// values (the +Inf of a sketch whose registers all hold Q+1) give LLONG_MIN, which
// converts to 1<<63.
func llround(v float64) uint64 {
	r := math.Round(v)
	if !(r >= -(1<<63) && r < 1<<63) {
		return 1 << 63
	}
	return uint64(int64(r))
}

func sigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		zPrime := z
		z += float64(x * y)
		y += y
		if zPrime == z {
			return z
		}
	}
}

func tau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		zPrime := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y) // pow(1-x, 2) in Redis: glibc's is exact here
		if zPrime == z {
			return z / 3
		}
	}
}

// --- many HLLs -----------------------------------------------------------------------

// Raw is one byte per register: the union PFCOUNT and PFMERGE compute over several
// HLLs (Redis's HLL_RAW).
type Raw [Registers]uint8

// Merge raises every register of r to the one of h (Redis's hllMerge); false when h
// is corrupt sparse data (r may then be partly updated, as in Redis).
func (r *Raw) Merge(h []byte) bool {
	if h[encPos] == Dense {
		regs := h[HeaderSize:DenseSize]
		for i := 0; len(regs) >= 3; i += 4 {
			v := uint32(regs[0]) | uint32(regs[1])<<8 | uint32(regs[2])<<16
			regs = regs[3:]
			if v == 0 {
				continue
			}
			m := r[i : i+4 : i+4]
			m[0] = max(m[0], uint8(v&63))
			m[1] = max(m[1], uint8(v>>6&63))
			m[2] = max(m[2], uint8(v>>12&63))
			m[3] = max(m[3], uint8(v>>18&63))
		}
		return true
	}
	i := 0
	for p := HeaderSize; p < len(h); {
		b := h[p]
		switch {
		case isZero(b):
			i += zeroLen(b)
			p++
		case isXZero(b):
			i += xzeroLen(b, at(h, p+1))
			p += 2
		default:
			n, v := valLen(b), valValue(b)
			if i+n > Registers {
				return false
			}
			for ; n > 0; n-- {
				if v > r[i] {
					r[i] = v
				}
				i++
			}
			p++
		}
	}
	return i == Registers
}

// Count is the cardinality estimate of the registers.
func (r *Raw) Count() uint64 {
	var h [4][64]int32
	for i := 0; i < Registers; i += 8 {
		w := binary.LittleEndian.Uint64(r[i : i+8])
		if w == 0 {
			h[0][0] += 8 // mostly empty sketches: 8 registers at once, as Redis does
			continue
		}
		h[0][w&63]++
		h[1][w>>8&63]++
		h[2][w>>16&63]++
		h[3][w>>24&63]++
		h[0][w>>32&63]++
		h[1][w>>40&63]++
		h[2][w>>48&63]++
		h[3][w>>56&63]++
	}
	var hist [64]int
	for i := range hist {
		hist[i] = int(h[0][i] + h[1][i] + h[2][i] + h[3][i])
	}
	return estimate(&hist)
}

// --- debugging -----------------------------------------------------------------------

// Decode describes a sparse HLL's opcodes as PFDEBUG DECODE does: "z:len" for ZERO,
// "Z:len" for XZERO, "v:value,len" for VAL, separated by spaces.
func Decode(h []byte) string {
	var out []byte
	for p := HeaderSize; p < len(h); {
		b := h[p]
		switch {
		case isZero(b):
			out = append(out, "z:"...)
			out = strconv.AppendInt(out, int64(zeroLen(b)), 10)
			p++
		case isXZero(b):
			out = append(out, "Z:"...)
			out = strconv.AppendInt(out, int64(xzeroLen(b, at(h, p+1))), 10)
			p += 2
		default:
			out = append(out, "v:"...)
			out = strconv.AppendInt(out, int64(valValue(b)), 10)
			out = append(out, ',')
			out = strconv.AppendInt(out, int64(valLen(b)), 10)
			p++
		}
		out = append(out, ' ')
	}
	if len(out) > 0 {
		out = out[:len(out)-1]
	}
	return string(out)
}
