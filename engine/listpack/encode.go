// encode.go: the entry encodings, the backlen varint and the header fields.
// Everything here trusts its input; validate.go is the only code that reads
// untrusted bytes.

package listpack

import "math"

const (
	headerSize = 6 // total bytes (u32) + element count (u16)
	eofByte    = 0xFF
	// countUnknown in the header means "too many to count here, walk the entries".
	countUnknown = math.MaxUint16

	// Encoding tags: the first byte of an entry, masked as shown.
	enc7BitUint  = 0x00 // 0xxxxxxx, mask 0x80
	enc6BitStr   = 0x80 // 10xxxxxx, mask 0xC0
	enc13BitInt  = 0xC0 // 110xxxxx, mask 0xE0
	enc12BitStr  = 0xE0 // 1110xxxx, mask 0xF0
	enc32BitStr  = 0xF0
	enc16BitInt  = 0xF1
	enc24BitInt  = 0xF2
	enc32BitInt  = 0xF3
	enc64BitInt  = 0xF4
	maxIntEncLen = 9 // 0xF4 + 8 bytes

	// MaxSafeSize is the size Redis never lets a listpack grow past
	// (LISTPACK_MAX_SAFETY_SIZE): callers check SafeToAdd before growing one.
	MaxSafeSize = 1 << 30
)

// ParseInt reports whether s is the canonical decimal form of an int64 and its
// value: an optional '-', no leading zeros, no '+', no spaces, "0" but not "-0",
// at most 20 bytes. These are Redis's lpStringToInt64 (string2ll) rules: exactly
// the strings that survive a round trip through strconv.FormatInt, and therefore
// the strings a listpack stores as integers.
func ParseInt(s []byte) (int64, bool) {
	n := len(s)
	if n == 0 || n > 20 {
		return 0, false
	}
	if n == 1 && s[0] == '0' {
		return 0, true
	}
	i := 0
	neg := s[0] == '-'
	if neg {
		i = 1
		if n == 1 {
			return 0, false
		}
	}
	if s[i] < '1' || s[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		// At most 19 digits of an in-range value reach here before the check
		// below, so only the last digit can overflow uint64.
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		d := uint64(c - '0')
		if v > math.MaxUint64-d {
			return 0, false
		}
		v += d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true // -int64(1<<63) wraps to MinInt64, as wanted
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// putInt writes the smallest encoding of v into buf and returns its length, the
// choice Redis's lpEncodeIntegerGetType makes.
func putInt(buf *[maxIntEncLen]byte, v int64) int {
	switch {
	case v >= 0 && v <= 127:
		buf[0] = byte(v)
		return 1
	case v >= -4096 && v <= 4095:
		u := uint64(v) & (1<<13 - 1) // two's complement in 13 bits
		buf[0] = byte(u>>8) | enc13BitInt
		buf[1] = byte(u)
		return 2
	case v >= math.MinInt16 && v <= math.MaxInt16:
		buf[0] = enc16BitInt
		buf[1] = byte(v)
		buf[2] = byte(v >> 8)
		return 3
	case v >= -(1<<23) && v <= 1<<23-1:
		buf[0] = enc24BitInt
		buf[1] = byte(v)
		buf[2] = byte(v >> 8)
		buf[3] = byte(v >> 16)
		return 4
	case v >= math.MinInt32 && v <= math.MaxInt32:
		buf[0] = enc32BitInt
		buf[1] = byte(v)
		buf[2] = byte(v >> 8)
		buf[3] = byte(v >> 16)
		buf[4] = byte(v >> 24)
		return 5
	default:
		buf[0] = enc64BitInt
		for i := 1; i < 9; i++ {
			buf[i] = byte(v >> (8 * (i - 1)))
		}
		return 9
	}
}

// strEncodedSize is the size of a string entry's encoding+data for a string of n
// bytes, without the backlen.
func strEncodedSize(n int) int {
	switch {
	case n < 64:
		return 1 + n
	case n < 4096:
		return 2 + n
	default:
		return 5 + n
	}
}

// putStr writes the encoding and data of string s; dst has strEncodedSize(len(s)) bytes.
func putStr(dst []byte, s []byte) {
	n := len(s)
	switch {
	case n < 64:
		dst[0] = byte(n) | enc6BitStr
		copy(dst[1:], s)
	case n < 4096:
		dst[0] = byte(n>>8) | enc12BitStr
		dst[1] = byte(n)
		copy(dst[2:], s)
	default:
		dst[0] = enc32BitStr
		dst[1] = byte(n)
		dst[2] = byte(n >> 8)
		dst[3] = byte(n >> 16)
		dst[4] = byte(n >> 24)
		copy(dst[5:], s)
	}
}

// backlenSize is how many bytes the backlen of an entry with l bytes of
// encoding+data takes. The bounds are Redis's (note 16383, not 16384, is the first
// length that needs three bytes): they decide byte-exact output.
func backlenSize(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	default:
		return 5
	}
}

// putBacklen writes l as a backlen into dst[:backlenSize(l)]. The rightmost byte
// holds the lowest 7 bits; every byte but the leftmost has its high bit set, which
// tells a right-to-left reader that more bytes follow.
func putBacklen(dst []byte, l int) {
	n := backlenSize(l)
	u := uint64(l)
	for i := n - 1; i >= 0; i-- {
		b := byte(u & 127)
		if i != 0 {
			b |= 128
		}
		dst[i] = b
		u >>= 7
	}
}

// decodeBacklen reads the backlen whose last byte is lp[p], right to left. It
// returns -1 when the varint runs past 5 bytes or the start of lp.
func decodeBacklen(lp []byte, p int) int {
	v, shift := 0, 0
	for {
		if p < 0 {
			return -1
		}
		b := lp[p]
		v |= int(b&127) << shift
		if b&128 == 0 {
			return v
		}
		shift += 7
		p--
		if shift > 28 {
			return -1
		}
	}
}

// encodedSize is the size of the encoding+data of the entry at p (no backlen).
// The entry must be valid.
func encodedSize(lp []byte, p int) int {
	b := lp[p]
	switch {
	case b < 0x80:
		return 1
	case b < 0xC0:
		return 1 + int(b&0x3F)
	case b < 0xE0:
		return 2
	case b < 0xF0:
		return 2 + (int(b&0x0F)<<8 | int(lp[p+1]))
	}
	switch b {
	case enc32BitStr:
		return 5 + int(le32(lp[p+1:]))
	case enc16BitInt:
		return 3
	case enc24BitInt:
		return 4
	case enc32BitInt:
		return 5
	case enc64BitInt:
		return 9
	}
	return 1 // 0xFF; other bytes never reach here in a valid listpack
}

// entrySize is the full size of the entry at p, backlen included.
func entrySize(lp []byte, p int) int {
	n := encodedSize(lp, p)
	return n + backlenSize(n)
}

func le32(b []byte) uint32 {
	_ = b[3]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func totalBytes(lp []byte) int { return int(le32(lp)) }

func headerCount(lp []byte) int { return int(lp[4]) | int(lp[5])<<8 }

func setTotalBytes(lp []byte, n int) {
	lp[0] = byte(n)
	lp[1] = byte(n >> 8)
	lp[2] = byte(n >> 16)
	lp[3] = byte(n >> 24)
}

// setHeaderCount stores n, or countUnknown when n does not fit below it.
func setHeaderCount(lp []byte, n int) {
	if n > countUnknown {
		n = countUnknown
	}
	lp[4] = byte(n)
	lp[5] = byte(n >> 8)
}

// addHeaderCount adds d to a known count; an unknown count stays unknown, as in
// Redis's lpInsert (which lets a count reaching 65535 become "unknown").
func addHeaderCount(lp []byte, d int) {
	if c := headerCount(lp); c != countUnknown {
		setHeaderCount(lp, c+d)
	}
}

// decode returns the entry at p.
func decode(lp []byte, p int) Entry {
	e, _ := decodeSized(lp, p)
	return e
}

// decodeSized returns the entry at p and its full size, backlen included.
func decodeSized(lp []byte, p int) (Entry, int) {
	b := lp[p]
	switch {
	case b < 0x80:
		return Entry{Int: int64(b), IsInt: true}, 2
	case b < 0xC0:
		n := int(b & 0x3F)
		return Entry{Str: lp[p+1 : p+1+n : p+1+n]}, n + 2
	case b < 0xE0:
		u := int64(b&0x1F)<<8 | int64(lp[p+1])
		if u >= 1<<12 {
			u -= 1 << 13
		}
		return Entry{Int: u, IsInt: true}, 3
	case b < 0xF0:
		n := int(b&0x0F)<<8 | int(lp[p+1])
		return Entry{Str: lp[p+2 : p+2+n : p+2+n]}, n + 2 + backlenSize(n+2)
	}
	switch b {
	case enc32BitStr:
		n := int(le32(lp[p+1:]))
		return Entry{Str: lp[p+5 : p+5+n : p+5+n]}, n + 5 + backlenSize(n+5)
	case enc16BitInt:
		return Entry{Int: int64(int16(uint16(lp[p+1]) | uint16(lp[p+2])<<8)), IsInt: true}, 4
	case enc24BitInt:
		u := int32(uint32(lp[p+1])<<8|uint32(lp[p+2])<<16|uint32(lp[p+3])<<24) >> 8
		return Entry{Int: int64(u), IsInt: true}, 5
	case enc32BitInt:
		return Entry{Int: int64(int32(le32(lp[p+1:]))), IsInt: true}, 6
	case enc64BitInt:
		var u uint64
		for i := 8; i >= 1; i-- {
			u = u<<8 | uint64(lp[p+i])
		}
		return Entry{Int: int64(u), IsInt: true}, 10
	}
	// Unreachable for a validated listpack. Redis returns a recognisable bogus
	// integer here rather than crashing; so do we.
	return Entry{Int: 12345678900000000 + int64(b), IsInt: true}, 1
}
