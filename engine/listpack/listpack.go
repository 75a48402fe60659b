// listpack.go: the Listpack and Entry types and every read-only operation:
// length, navigation by position, seeking by index, and lookups.

package listpack

import (
	"bytes"
	"iter"
	"strconv"
)

// Listpack is a listpack's bytes: len(lp) is always the header's total size. The
// zero value (nil) is an empty listpack, so a Listpack field needs no constructor.
//
// Read methods take a value receiver and never allocate; methods that change the
// listpack take a pointer receiver because they may move it to a larger array.
// A Listpack owns its array up to cap: mutations write into spare capacity. To
// adopt bytes that are part of a larger buffer (an RDB read buffer, a RESTORE
// payload), cap them first with a full slice expression, b[i:j:j], or Clone.
// A Listpack is not safe for concurrent use when any goroutine mutates it.
type Listpack []byte

// Entry is one element: a string viewing the listpack's bytes (Str; valid until
// the listpack is next modified), or an integer (Int, when IsInt).
type Entry struct {
	Str   []byte
	Int   int64
	IsInt bool
}

// empty is the encoding of an empty listpack.
var empty = [headerSize + 1]byte{headerSize + 1, 0, 0, 0, 0, 0, eofByte}

// New returns an empty listpack.
func New() Listpack {
	lp := make(Listpack, headerSize+1, 16)
	copy(lp, empty[:])
	return lp
}

// Bytes returns the listpack's encoding, the bytes Redis stores in RDB files. For
// a nil Listpack it returns a fresh empty encoding. The result aliases lp.
func (lp Listpack) Bytes() []byte {
	if len(lp) == 0 {
		return New()
	}
	return lp
}

// Len returns the number of entries. It is O(1) unless the listpack holds 65535
// entries or more, when it walks them (Redis's lpLength does the same).
func (lp Listpack) Len() int {
	if len(lp) == 0 {
		return 0
	}
	if c := headerCount(lp); c != countUnknown {
		return c
	}
	n := 0
	for p := lp.First(); p >= 0; p = lp.Next(p) {
		n++
	}
	return n
}

// SafeToAdd reports whether growing lp by n bytes keeps it within MaxSafeSize,
// Redis's lpSafeToAdd. Mutations do not check it: callers converting to a larger
// encoding when a value would not fit must.
func (lp Listpack) SafeToAdd(n int) bool {
	return len(lp)+n <= MaxSafeSize
}

// First returns the position of the first entry, or -1 if there is none.
func (lp Listpack) First() int {
	if len(lp) <= headerSize+1 {
		return -1
	}
	return headerSize
}

// Last returns the position of the last entry, or -1 if there is none.
func (lp Listpack) Last() int {
	if len(lp) <= headerSize+1 {
		return -1
	}
	return lp.Prev(len(lp) - 1)
}

// Next returns the position of the entry after the one at p, or -1 if p is the
// last entry. O(1): the entry's encoding gives its size.
func (lp Listpack) Next(p int) int {
	p += entrySize(lp, p)
	if lp[p] == eofByte {
		return -1
	}
	return p
}

// Prev returns the position of the entry before the one at p (p may also be the
// terminator's position, len(lp)-1), or -1 if p is the first entry. O(1): the
// previous entry's backlen, just left of p, gives its size.
func (lp Listpack) Prev(p int) int {
	if p <= headerSize {
		return -1
	}
	l := decodeBacklen(lp, p-1)
	return p - l - backlenSize(l)
}

// Get returns the entry at position p.
func (lp Listpack) Get(p int) Entry { return decode(lp, p) }

// Seek returns the position of the entry at index i, counting from 0 at the head,
// or from -1 at the tail when i is negative; -1 if i is out of range. It walks
// from whichever end is nearer.
func (lp Listpack) Seek(i int) int {
	if len(lp) == 0 {
		return -1
	}
	forward := true
	if n := headerCount(lp); n != countUnknown {
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return -1
		}
		if i > n/2 {
			forward = false
			i -= n
		}
	} else if i < 0 {
		forward = false
	}
	if forward {
		p := lp.First()
		for ; i > 0 && p >= 0; i-- {
			p = lp.Next(p)
		}
		return p
	}
	p := lp.Last()
	for ; i < -1 && p >= 0; i++ {
		p = lp.Prev(p)
	}
	return p
}

// At returns the entry at index i (negative counts from the tail).
func (lp Listpack) At(i int) (Entry, bool) {
	p := lp.Seek(i)
	if p < 0 {
		return Entry{}, false
	}
	return decode(lp, p), true
}

// Find returns the position of the first entry equal to v (in the sense of
// Entry.Equal) among the entry at p and every (skip+1)-th entry after it, or -1.
// Redis's lpFind: with skip 1 it compares only hash fields, skipping values.
func (lp Listpack) Find(p int, v []byte, skip int) int {
	if p < 0 {
		return -1
	}
	// Integer entries compare against v's value; v is parsed once (cheap: at most
	// 20 bytes are looked at).
	vInt, vIsInt := ParseInt(v)
	left := 0
	for {
		b := lp[p]
		if left == 0 {
			// The small encodings, which are most entries of small hashes, are
			// handled inline; the rest go through decode.
			switch {
			case b < 0x80: // 7-bit uint
				if vIsInt && int64(b) == vInt {
					return p
				}
				p += 2
			case b < 0xC0: // 6-bit string; n+1 <= 64 so the backlen is one byte
				n := int(b & 0x3F)
				if n == len(v) && bytes.Equal(lp[p+1:p+1+n], v) {
					return p
				}
				p += n + 2
			default:
				e, size := decodeSized(lp, p)
				if e.IsInt {
					if vIsInt && e.Int == vInt {
						return p
					}
				} else if bytes.Equal(e.Str, v) {
					return p
				}
				p += size
			}
			left = skip
		} else {
			p += entrySize(lp, p)
			left--
		}
		if lp[p] == eofByte {
			return -1
		}
	}
}

// All yields each entry's position and value from head to tail.
func (lp Listpack) All() iter.Seq2[int, Entry] {
	return func(yield func(int, Entry) bool) {
		for p := lp.First(); p >= 0; p = lp.Next(p) {
			if !yield(p, decode(lp, p)) {
				return
			}
		}
	}
}

// Backward yields each entry's position and value from tail to head.
func (lp Listpack) Backward() iter.Seq2[int, Entry] {
	return func(yield func(int, Entry) bool) {
		for p := lp.Last(); p >= 0; p = lp.Prev(p) {
			if !yield(p, decode(lp, p)) {
				return
			}
		}
	}
}

// Equal reports whether the entry equals the string v as Redis compares them
// (lpCompare): a string entry byte for byte, an integer entry against v parsed
// under ParseInt's rules, so integer 12 equals "12" but not "012".
func (e Entry) Equal(v []byte) bool {
	if !e.IsInt {
		return bytes.Equal(e.Str, v)
	}
	n, ok := ParseInt(v)
	return ok && n == e.Int
}

// AppendTo appends the entry's string form to dst: the bytes of a string entry,
// the decimal form of an integer entry.
func (e Entry) AppendTo(dst []byte) []byte {
	if e.IsInt {
		return strconv.AppendInt(dst, e.Int, 10)
	}
	return append(dst, e.Str...)
}

// String returns the entry's string form. It allocates; AppendTo does not.
func (e Entry) String() string {
	if e.IsInt {
		return strconv.FormatInt(e.Int, 10)
	}
	return string(e.Str)
}
