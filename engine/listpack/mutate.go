// mutate.go: inserting, replacing and deleting entries. Every change goes through
// splice, which opens or closes a gap in place when the capacity allows and moves
// the listpack to a larger array (25% headroom) when it does not.

package listpack

import "math"

// value is an element about to be written: a string, or an integer already in
// its encoded form.
type value struct {
	str    []byte
	intEnc [maxIntEncLen]byte
	intLen int // > 0: an integer, intEnc[:intLen]
}

// strValue returns s as Redis would store it: as an integer when ParseInt
// accepts it (lpEncodeGetType), otherwise as a string.
func strValue(s []byte) value {
	var v value
	if len(s) <= 20 { // no longer string can be an integer; skip the parse
		if n, ok := ParseInt(s); ok {
			v.intLen = putInt(&v.intEnc, n)
			return v
		}
	}
	v.str = s
	return v
}

func intValue(n int64) value {
	var v value
	v.intLen = putInt(&v.intEnc, n)
	return v
}

// size is the encoding+data size (no backlen).
func (v *value) size() int {
	if v.intLen > 0 {
		return v.intLen
	}
	return strEncodedSize(len(v.str))
}

// put writes the whole entry (encoding, data, backlen) at dst, which holds exactly
// size()+backlenSize(size()) bytes.
func (v *value) put(dst []byte) {
	n := v.size()
	if v.intLen > 0 {
		copy(dst, v.intEnc[:v.intLen])
	} else {
		putStr(dst, v.str)
	}
	putBacklen(dst[n:], n)
}

// splice replaces lp[p:p+oldN] with a gap of newN bytes, keeps the header's total
// size right, and returns the (possibly moved) listpack. The gap's content is
// undefined.
func (lp Listpack) splice(p, oldN, newN int) Listpack {
	oldTotal := len(lp)
	newTotal := oldTotal - oldN + newN
	if newTotal > math.MaxUint32 {
		// Redis returns NULL here and its callers treat it as out of memory; a
		// caller that honours SafeToAdd never gets near it.
		panic("listpack: size exceeds 4 GiB")
	}
	if newTotal > cap(lp) {
		want := newTotal
		if want >= 64 {
			want += want / 4 // amortised growth without doubling the memory
		}
		nb := append(Listpack(nil), make([]byte, want)...)[:newTotal] // rounds up to a size class
		copy(nb, lp[:p])
		copy(nb[p+newN:], lp[p+oldN:])
		setTotalBytes(nb, newTotal)
		return nb
	}
	if newN != oldN {
		full := lp[:max(oldTotal, newTotal)]
		copy(full[p+newN:], full[p+oldN:oldTotal])
		lp = full[:newTotal]
	}
	setTotalBytes(lp, newTotal)
	return lp
}

// init makes a nil listpack an empty one.
func (lp *Listpack) init() {
	if len(*lp) == 0 {
		*lp = New()
	}
}

// insert writes v before the entry at p (p may be the terminator) and returns
// v's position.
func (lp *Listpack) insert(p int, v *value) int {
	n := v.size()
	full := n + backlenSize(n)
	l := lp.splice(p, 0, full)
	v.put(l[p : p+full])
	addHeaderCount(l, 1)
	*lp = l
	return p
}

// replace overwrites the entry at p with v and returns v's position (p).
func (lp *Listpack) replace(p int, v *value) int {
	n := v.size()
	full := n + backlenSize(n)
	l := lp.splice(p, entrySize(*lp, p), full)
	v.put(l[p : p+full])
	*lp = l
	return p
}

// Append adds v at the tail, stored as an integer when it is one.
func (lp *Listpack) Append(v []byte) {
	lp.init()
	val := strValue(v)
	lp.insert(len(*lp)-1, &val)
}

// AppendInt adds the integer n at the tail.
func (lp *Listpack) AppendInt(n int64) {
	lp.init()
	val := intValue(n)
	lp.insert(len(*lp)-1, &val)
}

// Prepend adds v at the head.
func (lp *Listpack) Prepend(v []byte) {
	lp.init()
	val := strValue(v)
	lp.insert(headerSize, &val)
}

// PrependInt adds the integer n at the head.
func (lp *Listpack) PrependInt(n int64) {
	lp.init()
	val := intValue(n)
	lp.insert(headerSize, &val)
}

// InsertBefore inserts v before the entry at p and returns the new entry's
// position.
func (lp *Listpack) InsertBefore(p int, v []byte) int {
	val := strValue(v)
	return lp.insert(p, &val)
}

// InsertAfter inserts v after the entry at p and returns the new entry's position.
func (lp *Listpack) InsertAfter(p int, v []byte) int {
	val := strValue(v)
	return lp.insert(p+entrySize(*lp, p), &val)
}

// Replace replaces the entry at p with v and returns its position (p).
func (lp *Listpack) Replace(p int, v []byte) int {
	val := strValue(v)
	return lp.replace(p, &val)
}

// ReplaceInt replaces the entry at p with the integer n and returns its position.
func (lp *Listpack) ReplaceInt(p int, n int64) int {
	val := intValue(n)
	return lp.replace(p, &val)
}

// Delete removes up to n entries starting with the one at p and returns the
// position of the entry that followed them, or -1 if they reached the tail.
func (lp *Listpack) Delete(p, n int) int {
	l := *lp
	if n <= 0 {
		return p
	}
	end, deleted := p, 0
	for deleted < n && l[end] != eofByte {
		end += entrySize(l, end)
		deleted++
	}
	l = l.splice(p, end-p, 0)
	addHeaderCount(l, -deleted)
	*lp = l
	if l[p] == eofByte {
		return -1
	}
	return p
}

// DeleteRange removes count entries starting at index start (negative counts
// from the tail), stopping at the tail: Redis's lpDeleteRange.
func (lp *Listpack) DeleteRange(start, count int) {
	if count <= 0 {
		return
	}
	l := *lp
	p := l.Seek(start)
	if p < 0 {
		return
	}
	if n := headerCount(l); n != countUnknown {
		if start < 0 {
			start += n
		}
		if n-start <= count {
			// Everything from p on goes: just move the terminator.
			l[p] = eofByte
			l = l[:p+1]
			setTotalBytes(l, p+1)
			setHeaderCount(l, start)
			*lp = l
			return
		}
	}
	lp.Delete(p, count)
}

// AppendListpack appends all of other's entries to lp, Redis's lpMerge. The
// header count saturates at 65535 ("unknown") as Redis's does.
func (lp *Listpack) AppendListpack(other Listpack) {
	if other.First() < 0 {
		return
	}
	lp.init()
	l := *lp
	n := l.Len() + other.Len()
	body := other[headerSize : len(other)-1]
	at := len(l) - 1
	l = l.splice(at, 0, len(body))
	copy(l[at:], body)
	setHeaderCount(l, n)
	*lp = l
}

// Grow makes room for n more bytes without a further allocation, like
// slices.Grow; for owners that know a listpack is about to fill up.
func (lp *Listpack) Grow(n int) {
	lp.init()
	if l := *lp; n > 0 && cap(l)-len(l) < n {
		nb := append(Listpack(nil), make([]byte, len(l)+n)...)[:len(l)]
		copy(nb, l)
		*lp = nb
	}
}

// Clone returns a copy of lp with no spare capacity.
func (lp Listpack) Clone() Listpack {
	if lp == nil {
		return nil
	}
	return append(Listpack(make([]byte, 0, len(lp))), lp...)
}

// Clip returns lp in an allocation of its own size when its spare capacity is
// more than a quarter of its length (mutations never shrink an allocation, so a
// listpack that lost many entries keeps its peak size until clipped).
func (lp Listpack) Clip() Listpack {
	if cap(lp)-len(lp) > len(lp)/4+8 {
		return lp.Clone()
	}
	return lp
}
