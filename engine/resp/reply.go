// RESP2/RESP3 reply parsing: the client side of the protocol, for everything in
// keygrid that talks to a Redis server (tests, MIGRATE, replicas, sentinel, proxy,
// `keygrid health`).
//
// The parser works on a byte slice and never blocks: given a prefix of a reply it
// returns ErrIncomplete, which is how a caller knows it must read more. It accepts every
// type of RESP3 (https://github.com/redis/redis-specification/blob/master/protocol/RESP3.md)
// except streamed strings and aggregates ("$?", "*?"), which Redis never sends.

package resp

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// RESP type bytes, as they appear first on the wire.
const (
	KindSimple    byte = '+' // simple string
	KindError     byte = '-' // simple error
	KindInt       byte = ':' // integer
	KindBulk      byte = '$' // bulk string; Null for $-1
	KindArray     byte = '*' // array; Null for *-1
	KindNull      byte = '_' // RESP3 null
	KindDouble    byte = ',' // RESP3 double
	KindBool      byte = '#' // RESP3 boolean
	KindBlobError byte = '!' // RESP3 bulk error
	KindVerbatim  byte = '=' // RESP3 verbatim string
	KindBigNumber byte = '(' // RESP3 big number
	KindMap       byte = '%' // RESP3 map
	KindSet       byte = '~' // RESP3 set
	KindPush      byte = '>' // RESP3 push
	KindAttribute byte = '|' // RESP3 attribute; never a Value's Kind, see Value.Attrs
)

// ErrIncomplete is returned by the parser when the input ends before the reply does.
var ErrIncomplete = errors.New("resp: incomplete reply")

const (
	maxDepth   = 1000    // nesting deeper than this is treated as garbage
	maxBulkLen = 1 << 32 // larger lengths are garbage, and would overflow offsets
)

// Value is one parsed reply.
type Value struct {
	// Kind is the RESP type byte (one of the Kind constants, never KindAttribute).
	Kind byte
	// Str is the payload of simple strings, errors, bulk strings, blob errors,
	// verbatim strings (including their "txt:" format prefix), doubles and big
	// numbers (their text as sent), and "t" or "f" for booleans.
	Str string
	// Int is the value of an integer, and 1 or 0 for a boolean.
	Int int64
	// Elems holds the elements of arrays, sets and pushes, and the keys and values of
	// a map alternately (k1, v1, k2, v2, ...).
	Elems []Value
	// Null is set for the RESP2 nulls $-1 and *-1 and for the RESP3 null "_".
	Null bool
	// Attrs holds the keys and values (alternately) of a RESP3 attribute that came
	// before this value, or nil.
	Attrs []Value
	// Raw is the exact encoding of this value on the wire, attribute included.
	Raw []byte
}

// IsError reports whether v is a simple or blob error.
func (v Value) IsError() bool { return v.Kind == KindError || v.Kind == KindBlobError }

// IsAggregate reports whether v has elements (array, set, push or map).
func (v Value) IsAggregate() bool {
	switch v.Kind {
	case KindArray, KindSet, KindPush, KindMap:
		return !v.Null
	}
	return false
}

// String renders v for humans, roughly as redis-cli does.
func (v Value) String() string {
	var b bytes.Buffer
	v.format(&b)
	return b.String()
}

func (v Value) format(b *bytes.Buffer) {
	if len(v.Attrs) > 0 {
		b.WriteString("|")
		formatElems(b, v.Attrs)
		b.WriteString("| ")
	}
	switch {
	case v.Null:
		b.WriteString("(nil)")
	case v.Kind == KindError || v.Kind == KindBlobError:
		b.WriteString("(error) ")
		b.WriteString(v.Str)
	case v.Kind == KindInt:
		fmt.Fprintf(b, "(integer) %d", v.Int)
	case v.Kind == KindDouble:
		b.WriteString("(double) " + v.Str)
	case v.Kind == KindBigNumber:
		b.WriteString("(big number) " + v.Str)
	case v.Kind == KindBool:
		b.WriteString("(boolean) " + v.Str)
	case v.Kind == KindSimple:
		b.WriteString(v.Str)
	case v.Kind == KindBulk || v.Kind == KindVerbatim:
		b.WriteString(strconv.Quote(v.Str))
	default:
		b.WriteByte(v.Kind)
		formatElems(b, v.Elems)
	}
}

func formatElems(b *bytes.Buffer, elems []Value) {
	b.WriteByte('[')
	for i, e := range elems {
		if i > 0 {
			b.WriteString(", ")
		}
		e.format(b)
	}
	b.WriteByte(']')
}

// ParseReply parses raw, which must hold exactly one complete reply. A prefix of a
// reply gives ErrIncomplete; bytes after the reply are an error.
func ParseReply(raw []byte) (Value, error) {
	v, n, err := ParseReplyPrefix(raw)
	if err != nil {
		return Value{}, err
	}
	if n != len(raw) {
		return Value{}, fmt.Errorf("resp: %d bytes after the reply", len(raw)-n)
	}
	return v, nil
}

// ParseReplyPrefix parses the first reply in b and returns it with its length in
// bytes. It returns ErrIncomplete if b ends before the reply does, and another
// error if b does not start with a well-formed reply. Raw fields point into b.
func ParseReplyPrefix(b []byte) (v Value, n int, err error) {
	v, n, err = parseValue(b, 0, 0)
	if err != nil {
		return Value{}, 0, err
	}
	return v, n, nil
}

// parseValue parses the value that starts at b[pos] and returns it with the offset
// just past it.
func parseValue(b []byte, pos, depth int) (Value, int, error) {
	if depth > maxDepth {
		return Value{}, 0, fmt.Errorf("resp: nesting deeper than %d", maxDepth)
	}
	if pos >= len(b) {
		return Value{}, 0, ErrIncomplete
	}
	start := pos
	kind := b[pos]
	line, next, err := readLine(b, pos+1)
	if err != nil {
		return Value{}, 0, err
	}
	v := Value{Kind: kind}
	switch kind {
	case KindSimple, KindError:
		v.Str = string(line)
	case KindInt:
		v.Int, err = strconv.ParseInt(string(line), 10, 64)
		if err != nil {
			return Value{}, 0, fmt.Errorf("resp: bad integer %q", line)
		}
	case KindNull:
		if len(line) != 0 {
			return Value{}, 0, fmt.Errorf("resp: bad null %q", line)
		}
		v.Null = true
	case KindDouble:
		if !validDouble(string(line)) {
			return Value{}, 0, fmt.Errorf("resp: bad double %q", line)
		}
		v.Str = string(line)
	case KindBool:
		switch string(line) {
		case "t":
			v.Int = 1
		case "f":
		default:
			return Value{}, 0, fmt.Errorf("resp: bad boolean %q", line)
		}
		v.Str = string(line)
	case KindBigNumber:
		if !validBigNumber(line) {
			return Value{}, 0, fmt.Errorf("resp: bad big number %q", line)
		}
		v.Str = string(line)
	case KindBulk, KindBlobError, KindVerbatim:
		n, err := parseLength(line, kind == KindBulk)
		if err != nil {
			return Value{}, 0, err
		}
		if n < 0 {
			v.Null = true
			break
		}
		end := next + int(n)
		if len(b) < end+2 {
			return Value{}, 0, ErrIncomplete
		}
		if b[end] != '\r' || b[end+1] != '\n' {
			return Value{}, 0, fmt.Errorf("resp: %c%d payload not followed by CRLF", kind, n)
		}
		v.Str = string(b[next:end])
		if kind == KindVerbatim && (n < 4 || v.Str[3] != ':') {
			return Value{}, 0, fmt.Errorf("resp: verbatim string without a format prefix: %q", v.Str)
		}
		next = end + 2
	case KindArray, KindSet, KindPush, KindMap, KindAttribute:
		n, err := parseLength(line, kind == KindArray)
		if err != nil {
			return Value{}, 0, err
		}
		if n < 0 {
			v.Null = true
			break
		}
		if kind == KindMap || kind == KindAttribute {
			n *= 2
		}
		// Do not trust n for the allocation: a garbage count must not exhaust memory.
		elems := make([]Value, 0, min(n, 1024))
		for range n {
			var e Value
			e, next, err = parseValue(b, next, depth+1)
			if err != nil {
				return Value{}, 0, err
			}
			elems = append(elems, e)
		}
		if kind == KindAttribute {
			// An attribute annotates the value that follows it; both form one reply.
			v, next, err = parseValue(b, next, depth+1)
			if err != nil {
				return Value{}, 0, err
			}
			v.Attrs = append(elems, v.Attrs...)
			v.Raw = b[start:next]
			return v, next, nil
		}
		v.Elems = elems
	case '?', ';', '.':
		return Value{}, 0, fmt.Errorf("resp: streamed types are not supported (%q)", kind)
	default:
		return Value{}, 0, fmt.Errorf("resp: invalid type byte %q", kind)
	}
	v.Raw = b[start:next]
	return v, next, nil
}

// readLine returns the line that starts at b[pos], without its CRLF, and the offset
// just past the CRLF.
func readLine(b []byte, pos int) (line []byte, next int, err error) {
	i := bytes.IndexByte(b[pos:], '\n')
	if i < 0 {
		return nil, 0, ErrIncomplete
	}
	if i == 0 || b[pos+i-1] != '\r' {
		return nil, 0, fmt.Errorf("resp: line not terminated by CRLF: %q", b[pos:pos+i+1])
	}
	return b[pos : pos+i-1], pos + i + 1, nil
}

// parseLength parses the length of a bulk string or aggregate; -1 (null) is
// allowed only where RESP2 allows it.
func parseLength(line []byte, nullable bool) (int64, error) {
	n, err := strconv.ParseInt(string(line), 10, 64)
	switch {
	case err != nil || (len(line) > 1 && line[0] == '0') || (len(line) > 0 && line[0] == '+'):
		return 0, fmt.Errorf("resp: bad length %q", line)
	case n == -1 && nullable:
		return -1, nil
	case n < 0 || n > maxBulkLen:
		return 0, fmt.Errorf("resp: length out of range %q", line)
	}
	return n, nil
}

func validDouble(s string) bool {
	switch s {
	case "inf", "-inf", "nan", "-nan":
		return true
	}
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) || errors.Is(err, strconv.ErrRange)
}

func validBigNumber(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// AppendCommand appends args encoded as a RESP array of bulk strings, the form in
// which clients send commands.
func AppendCommand(b []byte, args ...string) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}
