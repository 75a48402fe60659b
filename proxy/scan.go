// A zero-allocation RESP reply scanner: the proxy only needs to know where each reply
// ends (to hand the raw bytes back to a client) and whether it is a redirection, so it
// does not build resp.Values on the hot path.

package proxy

import "errors"

var errBadReply = errors.New("proxy: malformed reply from backend")

// replyLen returns the length of the complete reply at the start of b, 0 if b holds
// only a prefix of it, or an error if the bytes are not RESP.
func replyLen(b []byte) (int, error) {
	return skipValue(b, 0, 0)
}

// skipValue returns the offset just past the value at b[pos], 0 when incomplete.
func skipValue(b []byte, pos, depth int) (int, error) {
	if depth > 1000 {
		return 0, errBadReply
	}
	if pos >= len(b) {
		return 0, nil
	}
	kind := b[pos]
	n, next, ok := lineInt(b, pos+1)
	if next == 0 {
		return 0, nil
	}
	switch kind {
	case '+', '-', ':', '_', ',', '#', '(':
		return next, nil
	case '$', '!', '=':
		if !ok {
			return 0, errBadReply
		}
		if n < 0 {
			return next, nil
		}
		end := next + int(n) + 2
		if end > len(b) {
			return 0, nil
		}
		return end, nil
	case '*', '~', '>', '%', '|':
		if !ok {
			return 0, errBadReply
		}
		if n < 0 {
			return next, nil
		}
		if kind == '%' || kind == '|' {
			n *= 2
		}
		for range n {
			var err error
			next, err = skipValue(b, next, depth+1)
			if next == 0 || err != nil {
				return 0, err
			}
		}
		if kind == '|' { // an attribute is followed by the value it annotates
			return skipValue(b, next, depth+1)
		}
		return next, nil
	}
	return 0, errBadReply
}

// lineInt parses the line at b[pos:] as an integer; next is 0 when the line is not
// complete yet, ok false when it is not a number. The line ends at the first "\r\n".
func lineInt(b []byte, pos int) (n int64, next int, ok bool) {
	neg := false
	i := pos
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	ok = i < len(b) && b[i] != '\r'
	for ; i < len(b); i++ {
		c := b[i]
		if c == '\n' && i > pos && b[i-1] == '\r' {
			if neg {
				n = -n
			}
			return n, i + 1, ok
		}
		if c >= '0' && c <= '9' {
			n = n*10 + int64(c-'0')
		} else if c != '\r' || i+1 < len(b) && b[i+1] != '\n' {
			ok = false
		}
	}
	return 0, 0, false
}
