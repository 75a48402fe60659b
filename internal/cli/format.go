package cli

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/keygrid/keygrid/engine/resp"
)

// errUnknownType is a reply hiredis has no type for in redis-cli's formatters (a
// RESP3 big number): redis-cli 7.0 prints "Unknown reply type: 13" and exits 1.
type errUnknownType int

// Reply types as hiredis numbers them, for that message.
const hiredisBignum = 13

// repr quotes s as redis-cli's sdscatrepr does: backslash escapes for \ " \n \r
// \t \a \b, the printable ASCII as is, every other byte (UTF-8 included) as \xHH.
func repr(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if c >= 0x20 && c < 0x7f {
				b.WriteByte(c)
			} else {
				const hex = "0123456789abcdef"
				b.WriteString(`\x`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&15])
			}
		}
	}
	b.WriteByte('"')
}

// verbatimText is a verbatim string's text without its "txt:" format prefix, as
// hiredis hands it to redis-cli.
func verbatimText(v resp.Value) string {
	if len(v.Str) >= 4 && v.Str[3] == ':' {
		return v.Str[4:]
	}
	return v.Str
}

// isMultilineTTY reports whether formatTTY renders v on more than one line
// (cliIsMultilineValueTTY): a map's multi-line value starts on a line of its own.
func isMultilineTTY(v resp.Value) bool {
	switch v.Kind {
	case resp.KindArray, resp.KindSet, resp.KindPush:
		if v.Null || len(v.Elems) == 0 {
			return false
		}
		if len(v.Elems) > 1 {
			return true
		}
		return isMultilineTTY(v.Elems[0])
	case resp.KindMap:
		if len(v.Elems) == 0 {
			return false
		}
		if len(v.Elems) > 2 {
			return true
		}
		return isMultilineTTY(v.Elems[1])
	}
	return false
}

// formatTTY is redis-cli's human format (cliFormatReplyTTY): prefix is the
// indentation of the nested aggregate's lines after its first.
func formatTTY(b *bytes.Buffer, v resp.Value, prefix string) error {
	if v.Null {
		b.WriteString("(nil)\n")
		return nil
	}
	switch v.Kind {
	case resp.KindError, resp.KindBlobError:
		b.WriteString("(error) ")
		b.WriteString(cString(v.Str))
		b.WriteByte('\n')
	case resp.KindSimple:
		b.WriteString(cString(v.Str))
		b.WriteByte('\n')
	case resp.KindInt:
		b.WriteString("(integer) ")
		b.WriteString(strconv.FormatInt(v.Int, 10))
		b.WriteByte('\n')
	case resp.KindDouble:
		b.WriteString("(double) ")
		b.WriteString(v.Str)
		b.WriteByte('\n')
	case resp.KindBulk:
		repr(b, v.Str)
		b.WriteByte('\n')
	case resp.KindVerbatim:
		b.WriteString(verbatimText(v))
		b.WriteByte('\n')
	case resp.KindBool:
		if v.Int != 0 {
			b.WriteString("(true)\n")
		} else {
			b.WriteString("(false)\n")
		}
	case resp.KindArray, resp.KindMap, resp.KindSet, resp.KindPush:
		if len(v.Elems) == 0 {
			switch v.Kind {
			case resp.KindArray:
				b.WriteString("(empty array)\n")
			case resp.KindMap:
				b.WriteString("(empty hash)\n")
			case resp.KindSet:
				b.WriteString("(empty set)\n")
			default:
				b.WriteString("(empty push)\n")
			}
			return nil
		}
		n := len(v.Elems)
		if v.Kind == resp.KindMap {
			n /= 2
		}
		width := len(strconv.Itoa(n))
		sub := prefix + strings.Repeat(" ", width+2)
		sep := ")"
		switch v.Kind {
		case resp.KindSet:
			sep = "~"
		case resp.KindMap:
			sep = "#"
		}
		for i := 0; i < len(v.Elems); i++ {
			idx := i + 1
			if v.Kind == resp.KindMap {
				idx = i/2 + 1
			}
			// The parent already wrote the first line's prefix (its own index).
			if i > 0 {
				b.WriteString(prefix)
			}
			num := strconv.Itoa(idx)
			b.WriteString(strings.Repeat(" ", width-len(num)))
			b.WriteString(num)
			b.WriteString(sep)
			b.WriteByte(' ')
			if err := formatTTY(b, v.Elems[i], sub); err != nil {
				return err
			}
			if v.Kind == resp.KindMap {
				i++
				b.Truncate(b.Len() - 1) // the key's newline
				b.WriteString(" => ")
				if isMultilineTTY(v.Elems[i]) {
					b.WriteByte('\n')
					b.WriteString(sub)
				}
				if err := formatTTY(b, v.Elems[i], sub); err != nil {
					return err
				}
			}
		}
	default:
		return errUnknownType(hiredisBignum)
	}
	return nil
}

// formatRaw is redis-cli's raw format (cliFormatReplyRaw): strings as they are,
// nil as nothing, aggregates one element per delim, a map's key and value on one
// line.
func formatRaw(b *bytes.Buffer, v resp.Value, delim string) error {
	if v.Null {
		return nil
	}
	switch v.Kind {
	case resp.KindError, resp.KindBlobError, resp.KindSimple, resp.KindBulk:
		b.WriteString(v.Str)
		if v.Kind == resp.KindError || v.Kind == resp.KindBlobError {
			b.WriteByte('\n')
		}
	case resp.KindVerbatim:
		b.WriteString(verbatimText(v))
	case resp.KindBool:
		if v.Int != 0 {
			b.WriteString("(true)")
		} else {
			b.WriteString("(false)")
		}
	case resp.KindInt:
		b.WriteString(strconv.FormatInt(v.Int, 10))
	case resp.KindDouble:
		b.WriteString(v.Str)
	case resp.KindArray, resp.KindSet, resp.KindPush:
		for i, e := range v.Elems {
			if i > 0 {
				b.WriteString(delim)
			}
			if err := formatRaw(b, e, delim); err != nil {
				return err
			}
		}
	case resp.KindMap:
		for i := 0; i+1 < len(v.Elems); i += 2 {
			if i > 0 {
				b.WriteString(delim)
			}
			if err := formatRaw(b, v.Elems[i], delim); err != nil {
				return err
			}
			b.WriteByte(' ')
			if err := formatRaw(b, v.Elems[i+1], delim); err != nil {
				return err
			}
		}
	default:
		return errUnknownType(hiredisBignum)
	}
	return nil
}

// cString is s up to its first NUL: redis-cli prints status and error replies
// with printf's %s.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

func (e errUnknownType) Error() string { return "Unknown reply type: " + strconv.Itoa(int(e)) }
