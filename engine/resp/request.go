package resp

import (
	"bytes"
	"errors"
)

// Limits and error strings of Redis's request parser (networking.c in Redis 7.0).
const (
	// InlineMax is PROTO_INLINE_MAX_SIZE: the longest inline request, and the longest
	// "*<count>" or "$<len>" line, that is accepted before a protocol error.
	InlineMax = 64 * 1024
	// UnauthMaxArgs and UnauthMaxBulk bound what a client that has not authenticated yet
	// may send, so an anonymous peer cannot make the server buffer much.
	UnauthMaxArgs = 10
	UnauthMaxBulk = 16384
	maxMultibulk  = 1<<31 - 1 // INT_MAX
)

// Protocol errors, with Redis's exact wording. After any of them the server replies
// with the error and closes the connection.
var (
	ErrTooBigInline     = errors.New("Protocol error: too big inline request")
	ErrUnbalancedQuotes = errors.New("Protocol error: unbalanced quotes in request")
	ErrTooBigCount      = errors.New("Protocol error: too big mbulk count string")
	ErrInvalidMultibulk = errors.New("Protocol error: invalid multibulk length")
	ErrUnauthMultibulk  = errors.New("Protocol error: unauthenticated multibulk length")
	ErrTooBigBulkCount  = errors.New("Protocol error: too big bulk count string")
	ErrInvalidBulk      = errors.New("Protocol error: invalid bulk length")
	ErrUnauthBulk       = errors.New("Protocol error: unauthenticated bulk length")
)

// ExpectedDollarError is "Protocol error: expected '$', got 'X'".
type ExpectedDollarError struct{ Got byte }

func (e ExpectedDollarError) Error() string {
	return "Protocol error: expected '$', got '" + string([]byte{e.Got}) + "'"
}

// Request parses client requests out of a query buffer. It keeps its progress between
// calls, so a command that arrives in many reads costs work proportional to its size,
// not to the number of reads. Argument slices point into the caller's buffer (or, for
// inline requests with escapes, into the Request's own scratch space) and are valid
// until the next call to Parse or Reset.
type Request struct {
	// MaxBulk is proto-max-bulk-len: the longest bulk string accepted.
	MaxBulk int64
	// Unauth applies Redis's limits for clients that have not authenticated.
	Unauth bool

	// Progress through the current multibulk request; offsets relative to the start
	// of the request in the buffer.
	want  int   // arguments announced by "*<n>", 0 when not inside a request
	pos   int   // where parsing resumes
	bulk  int64 // length of the bulk being read, -1 while reading its "$" line
	spans []span
	argv  [][]byte
	// scratch holds unescaped inline arguments.
	scratch []byte
	// Inline is true when the last request returned was an inline one.
	Inline bool
}

type span struct{ start, end int }

// Pos is where, from the start of the request, parsing stopped: after an error, the
// start of the line that was refused (Redis's qb_pos).
func (r *Request) Pos() int { return r.pos }

// Reset forgets any partial request.
func (r *Request) Reset() {
	r.want, r.pos, r.bulk = 0, 0, -1
	r.spans = r.spans[:0]
}

// Parse looks for one complete request at the start of buf. It returns the number of
// bytes the request used and its arguments. With n == 0 and err == nil, buf holds no
// complete request yet (the caller reads more and calls again with the same buffer
// start, grown). A request with zero arguments ("*0\r\n", "*-1\r\n", an empty inline
// line) is consumed with argv empty. On error the connection must be closed after the
// error is replied.
func (r *Request) Parse(buf []byte) (n int, argv [][]byte, err error) {
	if len(buf) == 0 {
		return 0, nil, nil
	}
	if r.want == 0 && r.pos == 0 {
		if buf[0] != '*' {
			return r.parseInline(buf)
		}
		r.Inline = false
		// "*<count>\r\n"
		nl := indexCR(buf)
		if nl < 0 {
			if len(buf) > InlineMax {
				return 0, nil, ErrTooBigCount
			}
			return 0, nil, nil
		}
		if nl > InlineMax {
			return 0, nil, ErrTooBigCount
		}
		if nl+1 >= len(buf) { // wait for the '\n'
			return 0, nil, nil
		}
		ll, ok := parseInt(buf[1:nl])
		if !ok || ll > maxMultibulk {
			return 0, nil, ErrInvalidMultibulk
		}
		if ll > UnauthMaxArgs && r.Unauth {
			return 0, nil, ErrUnauthMultibulk
		}
		if ll <= 0 {
			return nl + 2, r.argv[:0], nil
		}
		r.want = int(ll)
		r.pos = nl + 2
		r.bulk = -1
		r.spans = r.spans[:0]
	}
	for len(r.spans) < r.want {
		if r.bulk < 0 {
			rest := buf[r.pos:]
			nl := indexCR(rest)
			if nl < 0 {
				if len(rest) > InlineMax {
					return 0, nil, ErrTooBigBulkCount
				}
				return 0, nil, nil
			}
			if nl > InlineMax {
				return 0, nil, ErrTooBigBulkCount
			}
			if nl+1 >= len(rest) {
				return 0, nil, nil
			}
			if rest[0] != '$' {
				return 0, nil, ExpectedDollarError{Got: rest[0]}
			}
			ll, ok := parseInt(rest[1:nl])
			if !ok || ll < 0 || ll > r.MaxBulk {
				return 0, nil, ErrInvalidBulk
			}
			if ll > UnauthMaxBulk && r.Unauth {
				return 0, nil, ErrUnauthBulk
			}
			r.bulk = ll
			r.pos += nl + 2
		}
		if int64(len(buf)-r.pos) < r.bulk+2 {
			return 0, nil, nil
		}
		end := r.pos + int(r.bulk)
		r.spans = append(r.spans, span{r.pos, end})
		r.pos = end + 2
		r.bulk = -1
	}
	argv = r.argv[:0]
	for _, s := range r.spans {
		argv = append(argv, buf[s.start:s.end:s.end])
	}
	r.argv = argv
	n = r.pos
	r.want, r.pos = 0, 0
	r.spans = r.spans[:0]
	return n, argv, nil
}

// Partial describes a multibulk request that arrived in part: parsed is where its
// unparsed rest starts in the buffer (past its complete arguments and the "$" line
// of the bulk being read), args and argBytes count the complete arguments. Redis has
// moved those into argv and dropped them from its query buffer, and CLIENT LIST
// shows them so (qbuf, argv-mem). All zero outside a multibulk request.
func (r *Request) Partial() (parsed, args, argBytes int) {
	if r.want == 0 {
		return 0, 0, 0
	}
	for _, s := range r.spans {
		argBytes += s.end - s.start
	}
	return r.pos, len(r.spans), argBytes
}

// Pending reports how many more bytes the current partial request needs at least,
// when known (inside a bulk whose length was read); 0 otherwise. The reader uses it to
// size reads of large arguments.
func (r *Request) Pending(buffered int) int64 {
	if r.want == 0 || r.bulk < 0 {
		return 0
	}
	need := int64(r.pos) + r.bulk + 2 - int64(buffered)
	if need < 0 {
		return 0
	}
	return need
}

func (r *Request) parseInline(buf []byte) (int, [][]byte, error) {
	// Redis searches with strchr, which stops at a NUL byte: a NUL before the newline
	// hides it, and the request waits (until it is too big).
	nl := indexBeforeNUL(buf, '\n')
	if nl < 0 {
		if len(buf) > InlineMax {
			return 0, nil, ErrTooBigInline
		}
		return 0, nil, nil
	}
	line := buf[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	r.Inline = true
	argv, ok := SplitArgs(line, r.argv[:0], &r.scratch)
	if !ok {
		return 0, nil, ErrUnbalancedQuotes
	}
	r.argv = argv
	return nl + 1, argv, nil
}

// SplitArgs splits a line into arguments the way Redis's sdssplitargs does (inline
// commands, redis-cli, config files): whitespace separates arguments; "double quotes"
// allow \n \r \t \b \a \\ \" and \xHH escapes; 'single quotes' allow only \'; a closing
// quote must be followed by whitespace or the end. Arguments are appended to argv;
// unescaped bytes are stored in *scratch, which is reset first. ok is false on
// unbalanced quotes.
func SplitArgs(line []byte, argv [][]byte, scratch *[]byte) ([][]byte, bool) {
	sc := (*scratch)[:0]
	// Reserve enough room that appends below never reallocate, so earlier argument
	// slices into sc stay valid.
	if cap(sc) < len(line) {
		sc = make([]byte, 0, len(line))
	}
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			*scratch = sc
			return argv, true
		}
		start := len(sc)
		inq, insq, done := false, false, false
		for !done {
			if inq {
				if i >= len(line) {
					return nil, false
				}
				c := line[i]
				if c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]) {
					sc = append(sc, hexVal(line[i+2])<<4|hexVal(line[i+3]))
					i += 3
				} else if c == '\\' && i+1 < len(line) {
					i++
					switch line[i] {
					case 'n':
						c = '\n'
					case 'r':
						c = '\r'
					case 't':
						c = '\t'
					case 'b':
						c = '\b'
					case 'a':
						c = '\a'
					default:
						c = line[i]
					}
					sc = append(sc, c)
				} else if c == '"' {
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, false
					}
					done = true
				} else {
					sc = append(sc, c)
				}
			} else if insq {
				if i >= len(line) {
					return nil, false
				}
				c := line[i]
				if c == '\\' && i+1 < len(line) && line[i+1] == '\'' {
					i++
					sc = append(sc, '\'')
				} else if c == '\'' {
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, false
					}
					done = true
				} else {
					sc = append(sc, c)
				}
			} else {
				if i >= len(line) {
					done = true
					break
				}
				switch c := line[i]; c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					sc = append(sc, c)
				}
			}
			if i < len(line) {
				i++
			}
		}
		argv = append(argv, sc[start:len(sc):len(sc)])
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// indexCR finds the CR ending a "*<n>" or "$<n>" line. Like Redis's strchr, it stops
// at a NUL byte.
func indexCR(b []byte) int { return indexBeforeNUL(b, '\r') }

// indexBeforeNUL is the index of the first c in b, or -1 when there is none or a
// NUL byte comes first. Count and length lines are short, and a byte loop finds
// their end soonest; past the first 32 bytes it switches to two vectorised scans,
// because a client sending a line without its end is rescanned on every read up
// to the 64 KB limit, a thousand such clients at once in a flood.
func indexBeforeNUL(b []byte, c byte) int {
	head := b[:min(len(b), 32)]
	for i, x := range head {
		if x == c {
			return i
		}
		if x == 0 {
			return -1
		}
	}
	if len(b) == len(head) {
		return -1
	}
	rest := b[len(head):]
	i := bytes.IndexByte(rest, c)
	end := i
	if i < 0 {
		end = len(rest)
	}
	if bytes.IndexByte(rest[:end], 0) >= 0 || i < 0 {
		return -1
	}
	return len(head) + i
}

// parseInt is Redis's string2ll: an optional '-', decimal digits, no leading zeros
// (except "0" itself), no '+', no spaces, within int64.
func parseInt(b []byte) (int64, bool) {
	return ParseInt(b)
}

// ParseInt converts b to an int64 with Redis's strictness (string2ll).
func ParseInt(b []byte) (int64, bool) {
	// Fast path: up to 18 digits without a sign cannot overflow, so the loop needs no
	// bound checks (every count and length line of a request, most values). The same
	// answers as the general path below: no leading zero, "0" alone is 0.
	if n := len(b); n > 0 && n <= 18 && b[0] != '-' {
		if b[0] == '0' {
			return 0, n == 1
		}
		var v int64
		for _, c := range b {
			d := c - '0'
			if d > 9 {
				return 0, false
			}
			v = v*10 + int64(d)
		}
		return v, true
	}
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := false
	i := 0
	if b[0] == '-' {
		neg = true
		i = 1
		if len(b) == 1 {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (1<<64-1)/10 {
			return 0, false
		}
		v *= 10
		if v > 1<<64-1-uint64(c-'0') {
			return 0, false
		}
		v += uint64(c - '0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}
