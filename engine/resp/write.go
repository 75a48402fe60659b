// Package resp encodes and decodes the Redis serialization protocol (RESP2 and RESP3).
//
// Encoding is append-style, like strconv: every function takes the destination slice and
// returns it extended, so a client's reply buffer is reused across commands and the hot
// path allocates nothing. Functions whose RESP2 and RESP3 forms differ take the protocol
// version (2 or 3) explicitly.
//
// Decoding of client requests (multibulk and inline) lives in request.go; decoding of
// replies, for clients of other servers (replication, sentinel, proxy), in reply.go.
package resp

import (
	"math"
	"strconv"
)

// AppendSimple appends a simple string: +s\r\n. s must not contain CR or LF.
func AppendSimple(b []byte, s string) []byte {
	b = append(b, '+')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// AppendOK appends +OK\r\n.
func AppendOK(b []byte) []byte { return append(b, "+OK\r\n"...) }

// AppendError appends an error reply. msg is the full message including its code
// ("ERR syntax error", "WRONGTYPE ..."); a leading '-' is tolerated. CR and LF inside
// msg are replaced by spaces, as Redis does, so a reply can never be split in two.
func AppendError(b []byte, msg string) []byte {
	if len(msg) > 0 && msg[0] == '-' {
		msg = msg[1:]
	}
	b = append(b, '-')
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return append(b, '\r', '\n')
}

// AppendInt appends an integer reply: :n\r\n.
func AppendInt(b []byte, n int64) []byte {
	b = append(b, ':')
	b = strconv.AppendInt(b, n, 10)
	return append(b, '\r', '\n')
}

// AppendBulk appends a bulk string: $len\r\nv\r\n.
func AppendBulk(b []byte, v []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(v)), 10)
	b = append(b, '\r', '\n')
	b = append(b, v...)
	return append(b, '\r', '\n')
}

// AppendBulkString is AppendBulk for a string.
func AppendBulkString(b []byte, v string) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(v)), 10)
	b = append(b, '\r', '\n')
	b = append(b, v...)
	return append(b, '\r', '\n')
}

// AppendBulkInt appends n formatted in decimal as a bulk string.
func AppendBulkInt(b []byte, n int64) []byte {
	var tmp [20]byte
	return AppendBulk(b, strconv.AppendInt(tmp[:0], n, 10))
}

// AppendNull appends the null bulk string: $-1 in RESP2, _ in RESP3.
func AppendNull(b []byte, proto int) []byte {
	if proto >= 3 {
		return append(b, "_\r\n"...)
	}
	return append(b, "$-1\r\n"...)
}

// AppendNullArray appends the null array: *-1 in RESP2, _ in RESP3.
func AppendNullArray(b []byte, proto int) []byte {
	if proto >= 3 {
		return append(b, "_\r\n"...)
	}
	return append(b, "*-1\r\n"...)
}

func appendLen(b []byte, prefix byte, n int) []byte {
	b = append(b, prefix)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

// AppendArray appends an array header for n elements.
func AppendArray(b []byte, n int) []byte { return appendLen(b, '*', n) }

// AppendMap appends a map header for n key/value pairs: %n in RESP3, *2n in RESP2.
func AppendMap(b []byte, n int, proto int) []byte {
	if proto >= 3 {
		return appendLen(b, '%', n)
	}
	return appendLen(b, '*', 2*n)
}

// AppendSet appends a set header: ~n in RESP3, *n in RESP2.
func AppendSet(b []byte, n int, proto int) []byte {
	if proto >= 3 {
		return appendLen(b, '~', n)
	}
	return appendLen(b, '*', n)
}

// AppendPush appends a push header: >n in RESP3, *n in RESP2 (pub/sub messages).
func AppendPush(b []byte, n int, proto int) []byte {
	if proto >= 3 {
		return appendLen(b, '>', n)
	}
	return appendLen(b, '*', n)
}

// AppendAttribute appends an attribute header (RESP3 only): |n.
func AppendAttribute(b []byte, n int) []byte { return appendLen(b, '|', n) }

// AppendBool appends a boolean: #t/#f in RESP3, :1/:0 in RESP2.
func AppendBool(b []byte, v bool, proto int) []byte {
	if proto >= 3 {
		if v {
			return append(b, "#t\r\n"...)
		}
		return append(b, "#f\r\n"...)
	}
	if v {
		return append(b, ":1\r\n"...)
	}
	return append(b, ":0\r\n"...)
}

// AppendDouble appends a double: ,f in RESP3, a bulk string in RESP2, formatted as
// Redis formats doubles in replies (%.17g, with inf/-inf/nan spelled out).
func AppendDouble(b []byte, f float64, proto int) []byte {
	var tmp [32]byte
	s := FormatDouble(tmp[:0], f)
	if proto >= 3 {
		b = append(b, ',')
		b = append(b, s...)
		return append(b, '\r', '\n')
	}
	return AppendBulk(b, s)
}

// AppendVerbatim appends a verbatim string: =len\r\nfmt:v in RESP3, a bulk string in RESP2.
// format is a three-letter type such as "txt".
func AppendVerbatim(b []byte, v string, format string, proto int) []byte {
	if proto < 3 {
		return AppendBulkString(b, v)
	}
	b = append(b, '=')
	b = strconv.AppendInt(b, int64(len(v)+4), 10)
	b = append(b, '\r', '\n')
	b = append(b, format...)
	b = append(b, ':')
	b = append(b, v...)
	return append(b, '\r', '\n')
}

// AppendBigNumber appends a big number: (n in RESP3, a bulk string in RESP2.
func AppendBigNumber(b []byte, n string, proto int) []byte {
	if proto < 3 {
		return AppendBulkString(b, n)
	}
	b = append(b, '(')
	b = append(b, n...)
	return append(b, '\r', '\n')
}

// FormatDouble formats f the way Redis's addReplyDouble does: "%.17g", except that
// infinities are "inf"/"-inf" and NaN is "nan". Integral values print without exponent
// up to 17 digits, exactly as C's %.17g.
func FormatDouble(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case math.IsNaN(f):
		return append(b, "nan"...)
	}
	return AppendG17(b, f)
}

// AppendG17 appends f as C's printf("%.17g") would.
func AppendG17(b []byte, f float64) []byte {
	return appendG(b, f, 17)
}

// AppendLongDouble appends f as Redis formats "long double" results (INCRBYFLOAT,
// HINCRBYFLOAT): "%.17Lf" with trailing zeros and a trailing dot removed. On x86-64,
// Redis computes in 80-bit long double; results that a float64 represents exactly
// format identically.
func AppendLongDouble(b []byte, f float64) []byte {
	if math.IsInf(f, 1) {
		return append(b, "inf"...)
	}
	if math.IsInf(f, -1) {
		return append(b, "-inf"...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'f', 17, 64)
	// Trim trailing zeros, then a trailing '.'.
	end := len(b)
	for end > start && b[end-1] == '0' {
		end--
	}
	if end > start && b[end-1] == '.' {
		end--
	}
	b = b[:end]
	if string(b[start:]) == "-0" {
		b = append(b[:start], '0')
	}
	return b
}

// appendG implements C's %.<prec>g: scientific notation when the exponent is < -4 or
// >= prec, otherwise fixed; trailing zeros removed in both.
func appendG(b []byte, f float64, prec int) []byte {
	if f == 0 {
		if math.Signbit(f) {
			return append(b, "-0"...)
		}
		return append(b, '0')
	}
	var tmp [40]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', prec-1, 64)
	// e looks like "-d.ddddde+XX"
	i := len(e) - 1
	for e[i] != 'e' {
		i--
	}
	exp, _ := strconv.Atoi(string(e[i+1:]))
	if exp < -4 || exp >= prec {
		mant := e[:i]
		mant = trimFracZeros(mant)
		b = append(b, mant...)
		b = append(b, 'e')
		if exp < 0 {
			b = append(b, '-')
			exp = -exp
		} else {
			b = append(b, '+')
		}
		if exp < 10 {
			b = append(b, '0')
		}
		return strconv.AppendInt(b, int64(exp), 10)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'f', prec-1-exp, 64)
	trimmed := trimFracZeros(b[start:])
	return b[:start+len(trimmed)]
}

func trimFracZeros(s []byte) []byte {
	dot := -1
	for i, c := range s {
		if c == '.' {
			dot = i
			break
		}
	}
	if dot < 0 {
		return s
	}
	end := len(s)
	for end > dot+1 && s[end-1] == '0' {
		end--
	}
	if end == dot+1 {
		end = dot
	}
	return s[:end]
}
