// id.go: stream entry IDs: ordering, successor/predecessor, parsing with Redis's
// exact rules (t_stream.c streamGenericParseIDOrReply) and formatting.

package stream

import (
	"encoding/binary"
	"math"
	"strconv"
)

// ID is a stream entry ID, <ms>-<seq>: a 128-bit number ordered by Ms, then Seq.
type ID struct {
	Ms, Seq uint64
}

// MaxID is the largest ID ("+" in ranges).
var MaxID = ID{math.MaxUint64, math.MaxUint64}

// Cmp returns -1, 0 or 1 as a is less than, equal to or greater than b.
func (a ID) Cmp(b ID) int {
	switch {
	case a.Ms > b.Ms:
		return 1
	case a.Ms < b.Ms:
		return -1
	case a.Seq > b.Seq:
		return 1
	case a.Seq < b.Seq:
		return -1
	}
	return 0
}

// Less reports whether a < b.
func (a ID) Less(b ID) bool {
	return a.Ms < b.Ms || a.Ms == b.Ms && a.Seq < b.Seq
}

// IsZero reports whether the ID is 0-0.
func (a ID) IsZero() bool { return a.Ms == 0 && a.Seq == 0 }

// Incr returns the successor of id. ok is false when id is the largest ID, in
// which case the result wraps around to 0-0 (Redis's streamIncrID).
func (a ID) Incr() (ID, bool) {
	if a.Seq == math.MaxUint64 {
		if a.Ms == math.MaxUint64 {
			return ID{}, false
		}
		return ID{a.Ms + 1, 0}, true
	}
	return ID{a.Ms, a.Seq + 1}, true
}

// Decr returns the predecessor of id. ok is false when id is 0-0, in which case
// the result wraps around to the largest ID (Redis's streamDecrID).
func (a ID) Decr() (ID, bool) {
	if a.Seq == 0 {
		if a.Ms == 0 {
			return MaxID, false
		}
		return ID{a.Ms - 1, math.MaxUint64}, true
	}
	return ID{a.Ms, a.Seq - 1}, true
}

// AppendTo appends the "<ms>-<seq>" form of id to b.
func (a ID) AppendTo(b []byte) []byte {
	b = strconv.AppendUint(b, a.Ms, 10)
	b = append(b, '-')
	return strconv.AppendUint(b, a.Seq, 10)
}

// String returns the "<ms>-<seq>" form of id.
func (a ID) String() string { return string(a.AppendTo(make([]byte, 0, 41))) }

// Key returns the 128-bit big-endian form of id, whose byte order is the ID
// order: the key of a stream node in Redis's radix tree and in RDB files.
func (a ID) Key() [16]byte {
	var k [16]byte
	binary.BigEndian.PutUint64(k[:8], a.Ms)
	binary.BigEndian.PutUint64(k[8:], a.Seq)
	return k
}

// IDFromKey decodes a 128-bit big-endian key (see Key).
func IDFromKey(k []byte) ID {
	return ID{binary.BigEndian.Uint64(k[:8]), binary.BigEndian.Uint64(k[8:16])}
}

// Parse modes for ParseID.
type ParseMode uint8

const (
	// Strict refuses "-" and "+".
	Strict ParseMode = 1 << iota
	// SeqStar accepts "<ms>-*" (XADD): seqGiven is then false.
	SeqStar
)

// ParseID parses a stream ID as Redis does: "-" (0-0) and "+" (the largest ID)
// unless Strict; "<ms>" alone, with missingSeq as the sequence; "<ms>-<seq>"; and
// with SeqStar "<ms>-*". seqGiven is false only for "<ms>-*". ok is false for
// anything else, which Redis reports as "Invalid stream ID specified as stream
// command argument".
//
// The numbers follow Redis's string2ull exactly: a canonical integer is taken as
// is (a negative one is refused); anything else goes through strtoull, which
// accepts leading white space, a sign (a '-' negates modulo 2^64) and leading
// zeros. The argument is read as a C string: it ends at its first NUL byte, and
// one longer than 127 bytes is refused.
func ParseID(b []byte, missingSeq uint64, mode ParseMode) (id ID, seqGiven bool, ok bool) {
	if len(b) > 127 {
		return ID{}, false, false
	}
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	if len(b) == 1 && (b[0] == '-' || b[0] == '+') {
		if mode&Strict != 0 {
			return ID{}, false, false
		}
		if b[0] == '-' {
			return ID{}, true, true
		}
		return MaxID, true, true
	}
	msPart, seqPart, hasSeq := b, []byte(nil), false
	for i, c := range b {
		if c == '-' {
			msPart, seqPart, hasSeq = b[:i], b[i+1:], true
			break
		}
	}
	ms, ok := parseULL(msPart)
	if !ok {
		return ID{}, false, false
	}
	seqGiven = true
	seq := missingSeq
	if hasSeq {
		if mode&SeqStar != 0 && len(seqPart) == 1 && seqPart[0] == '*' {
			seq, seqGiven = 0, false
		} else if seq, ok = parseULL(seqPart); !ok {
			return ID{}, false, false
		}
	}
	return ID{ms, seq}, seqGiven, true
}

// parseULL is Redis's string2ull: string2ll first (refusing negatives), then
// strtoull(s, &end, 10) requiring a non-empty string consumed entirely.
func parseULL(s []byte) (uint64, bool) {
	if v, ok := parseLL(s); ok {
		if v < 0 {
			return 0, false
		}
		return uint64(v), true
	}
	if len(s) == 0 {
		return 0, false
	}
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var v uint64
	overflow := false
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := uint64(s[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			overflow = true
		}
		v = v*10 + d
	}
	if i == start || i != len(s) || overflow {
		// No digits (strtoull leaves end at s: not consumed), trailing bytes,
		// or ERANGE.
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// parseLL is Redis's string2ll: "0", or an optional '-' and a digit 1-9 followed
// by digits, within int64.
func parseLL(s []byte) (int64, bool) {
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
		if v > (math.MaxUint64-uint64(c-'0'))/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}
