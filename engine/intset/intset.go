// intset.go: the intset operations (Redis's intset.c) and Validate.

package intset

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
)

// Element widths, Redis's INTSET_ENC_INT16/32/64 (sizeof the element type).
const (
	Enc16 = 2
	Enc32 = 4
	Enc64 = 8
)

// HeaderSize is the size of the encoding and length fields.
const HeaderSize = 8

var le = binary.LittleEndian

// New returns an empty intset, int16 encoded (Redis's intsetNew).
func New() []byte {
	b := make([]byte, HeaderSize, HeaderSize+4*Enc16)
	le.PutUint32(b, Enc16)
	return b
}

// Len is the number of elements.
func Len(is []byte) int { return int(le.Uint32(is[4:])) }

// Encoding is the width of the elements in bytes: Enc16, Enc32 or Enc64.
func Encoding(is []byte) int { return int(le.Uint32(is)) }

// BlobLen is the size of the intset in bytes (Redis's intsetBlobLen).
func BlobLen(is []byte) int { return HeaderSize + Len(is)*Encoding(is) }

// ValueEncoding is the narrowest encoding that holds v (Redis's _intsetValueEncoding).
func ValueEncoding(v int64) int {
	switch {
	case v < math.MinInt32 || v > math.MaxInt32:
		return Enc64
	case v < math.MinInt16 || v > math.MaxInt16:
		return Enc32
	}
	return Enc16
}

// getEnc reads element i as if the intset had encoding enc.
func getEnc(is []byte, i, enc int) int64 {
	p := HeaderSize + i*enc
	switch enc {
	case Enc64:
		return int64(le.Uint64(is[p:]))
	case Enc32:
		return int64(int32(le.Uint32(is[p:])))
	}
	return int64(int16(le.Uint16(is[p:])))
}

// setEnc writes element i with encoding enc.
func setEnc(is []byte, i, enc int, v int64) {
	p := HeaderSize + i*enc
	switch enc {
	case Enc64:
		le.PutUint64(is[p:], uint64(v))
	case Enc32:
		le.PutUint32(is[p:], uint32(int32(v)))
	default:
		le.PutUint16(is[p:], uint16(int16(v)))
	}
}

// Get returns element i (0 ≤ i < Len), in ascending order.
func Get(is []byte, i int) int64 { return getEnc(is, i, Encoding(is)) }

// Search returns the position of v and whether it is there; when it is not, the
// position is where it would be inserted (Redis's intsetSearch). v must fit the
// intset's encoding.
func Search(is []byte, v int64) (int, bool) {
	n := Len(is)
	if n == 0 {
		return 0, false
	}
	enc := Encoding(is)
	// The ends first: appending at either end is the common case when a set is
	// filled with ascending or descending ids.
	if v > getEnc(is, n-1, enc) {
		return n, false
	}
	if v < getEnc(is, 0, enc) {
		return 0, false
	}
	lo, hi := 0, n-1
	for lo <= hi {
		mid := int(uint(lo+hi) >> 1)
		cur := getEnc(is, mid, enc)
		switch {
		case v > cur:
			lo = mid + 1
		case v < cur:
			hi = mid - 1
		default:
			return mid, true
		}
	}
	return lo, false
}

// Find reports whether v is an element (Redis's intsetFind).
func Find(is []byte, v int64) bool {
	if ValueEncoding(v) > Encoding(is) {
		return false
	}
	_, ok := Search(is, v)
	return ok
}

// resize sets the element count to n, growing the slice as append does.
func resize(is []byte, n, enc int) []byte {
	size := HeaderSize + n*enc
	if size <= cap(is) {
		is = is[:size]
	} else {
		grown := make([]byte, size, size+size/4)
		copy(grown, is)
		is = grown
	}
	le.PutUint32(is[4:], uint32(n))
	return is
}

// Add inserts v and reports whether it was absent (Redis's intsetAdd). It returns the
// intset to keep.
func Add(is []byte, v int64) ([]byte, bool) {
	enc := Encoding(is)
	if venc := ValueEncoding(v); venc > enc {
		return upgradeAndAdd(is, v, enc, venc), true
	}
	pos, found := Search(is, v)
	if found {
		return is, false
	}
	n := Len(is)
	is = resize(is, n+1, enc)
	if pos < n {
		copy(is[HeaderSize+(pos+1)*enc:], is[HeaderSize+pos*enc:HeaderSize+n*enc])
	}
	setEnc(is, pos, enc, v)
	return is, true
}

// upgradeAndAdd widens every element to venc and adds v, which is either smaller or
// larger than every element (it does not fit the old width), so it goes first or last.
func upgradeAndAdd(is []byte, v int64, enc, venc int) []byte {
	n := Len(is)
	prepend := 0
	if v < 0 {
		prepend = 1
	}
	is = resize(is, n+1, venc)
	le.PutUint32(is, uint32(venc))
	// Back to front, so no element is overwritten before it is read.
	for i := n - 1; i >= 0; i-- {
		setEnc(is, i+prepend, venc, getEnc(is, i, enc))
	}
	if prepend == 1 {
		setEnc(is, 0, venc, v)
	} else {
		setEnc(is, n, venc, v)
	}
	return is
}

// Remove deletes v and reports whether it was there (Redis's intsetRemove). The
// encoding stays as it is. It returns the intset to keep.
func Remove(is []byte, v int64) ([]byte, bool) {
	enc := Encoding(is)
	if ValueEncoding(v) > enc {
		return is, false
	}
	pos, found := Search(is, v)
	if !found {
		return is, false
	}
	return RemoveAt(is, pos), true
}

// RemoveAt deletes element i (0 ≤ i < Len). It returns the intset to keep.
func RemoveAt(is []byte, i int) []byte {
	enc := Encoding(is)
	n := Len(is)
	copy(is[HeaderSize+i*enc:], is[HeaderSize+(i+1)*enc:HeaderSize+n*enc])
	is = is[:HeaderSize+(n-1)*enc]
	le.PutUint32(is[4:], uint32(n-1))
	// Give memory back when a large intset has shrunk a lot, as Redis's realloc
	// to the exact size does.
	if cap(is) > 256 && len(is) < cap(is)/4 {
		is = append(make([]byte, 0, len(is)+len(is)/4), is...)
	}
	return is
}

// Random returns a uniformly chosen element of a non-empty intset (Redis's
// intsetRandom).
func Random(is []byte) int64 { return Get(is, rand.IntN(Len(is))) }

// Min and Max return the smallest and largest element of a non-empty intset.
func Min(is []byte) int64 { return Get(is, 0) }
func Max(is []byte) int64 { return Get(is, Len(is)-1) }

// Clone returns a copy with no spare capacity.
func Clone(is []byte) []byte { return append([]byte(nil), is...) }

// Errors of Validate.
var (
	ErrShort    = errors.New("intset: shorter than its header")
	ErrEncoding = errors.New("intset: bad encoding")
	ErrLength   = errors.New("intset: length does not match its size")
	ErrEmpty    = errors.New("intset: empty")
	ErrOrder    = errors.New("intset: elements not sorted and distinct")
)

// Validate checks untrusted bytes as Redis's intsetValidateIntegrity does before it
// loads an intset from an RDB file or a RESTORE payload: the header can be read, the
// encoding is 2, 4 or 8, the size is exactly header plus length elements, the set is
// not empty, and, with deep, the elements are strictly ascending. It never panics
// and never reads past b. Elements narrower than the encoding allows are accepted, as
// Redis accepts them (removals never downgrade).
func Validate(b []byte, deep bool) error {
	if len(b) < HeaderSize {
		return ErrShort
	}
	enc := le.Uint32(b)
	if enc != Enc16 && enc != Enc32 && enc != Enc64 {
		return ErrEncoding
	}
	n := uint64(le.Uint32(b[4:]))
	if HeaderSize+n*uint64(enc) != uint64(len(b)) {
		return ErrLength
	}
	if n == 0 {
		return ErrEmpty
	}
	if !deep {
		return nil
	}
	prev := getEnc(b, 0, int(enc))
	for i := 1; i < int(n); i++ {
		cur := getEnc(b, i, int(enc))
		if cur <= prev {
			return ErrOrder
		}
		prev = cur
	}
	return nil
}
