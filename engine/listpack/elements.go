// elements.go: building a run of elements outside a listpack and appending it in
// one move. A stream entry is four or more elements appended together (XADD):
// encoding them into a scratch buffer and splicing once avoids growing the
// listpack and rewriting its header once per element.

package listpack

// AppendElement appends to dst the element Append(v) would add (encoding, data
// and backlen; an integer when ParseInt accepts v), for AppendElements.
func AppendElement(dst []byte, v []byte) []byte {
	val := strValue(v)
	return appendValue(dst, &val)
}

// AppendIntElement appends to dst the element AppendInt(n) would add.
func AppendIntElement(dst []byte, n int64) []byte {
	val := intValue(n)
	return appendValue(dst, &val)
}

func appendValue(dst []byte, v *value) []byte {
	n := v.size()
	full := n + backlenSize(n)
	l := len(dst)
	if cap(dst)-l < full {
		nd := make([]byte, l, 2*cap(dst)+full)
		copy(nd, dst)
		dst = nd
	}
	dst = dst[:l+full]
	v.put(dst[l:])
	return dst
}

// AppendElements appends n elements, encoded back to back by AppendElement and
// AppendIntElement, at the tail: the same bytes as appending them one by one.
func (lp *Listpack) AppendElements(elems []byte, n int) {
	if n == 0 {
		return
	}
	lp.init()
	at := len(*lp) - 1
	l := lp.splice(at, 0, len(elems))
	copy(l[at:], elems)
	addHeaderCount(l, n)
	*lp = l
}
