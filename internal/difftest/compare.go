// Comparing two replies under a compare mode, and rendering them for reports.

package difftest

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/keygrid/keygrid/internal/testutil"
)

// Compare reports whether replies a and b (raw RESP) match under mode, and if not,
// why, in a few words.
func Compare(mode Mode, a, b []byte) (ok bool, why string) {
	switch mode {
	case ModeIgnore:
		return true, ""
	case ModeExact:
		return exact(a, b)
	}
	va, erra := testutil.ParseReply(a)
	vb, errb := testutil.ParseReply(b)
	if erra != nil || errb != nil {
		// Not parseable as one reply: only equal bytes can match.
		if ok, _ := exact(a, b); ok {
			return true, ""
		}
		return false, fmt.Sprintf("unparseable reply (%v / %v)", erra, errb)
	}
	switch mode {
	case ModeSort, ModeSortPairs:
		ca, cb := sortedForm(va, mode), sortedForm(vb, mode)
		if ca == cb {
			return true, ""
		}
		return false, "replies differ after sorting"
	case ModeType:
		if ta, tb := typeName(va), typeName(vb); ta != tb {
			return false, fmt.Sprintf("type %s vs %s", ta, tb)
		}
		return true, ""
	case ModeShape:
		if sa, sb := shape(va), shape(vb); sa != sb {
			return false, fmt.Sprintf("shape %s vs %s", sa, sb)
		}
		return true, ""
	case ModeFields:
		// INFO's values (times, sizes, ids) differ between any two servers; its
		// section headers and field names, in order, must not.
		if va.Kind != vb.Kind || va.IsAggregate() || vb.IsAggregate() {
			return false, fmt.Sprintf("type %s vs %s", typeName(va), typeName(vb))
		}
		if fa, fb := infoFields(va.Str), infoFields(vb.Str); fa != fb {
			return false, fmt.Sprintf("fields %q vs %q", fa, fb)
		}
		return true, ""
	case ModeErrPrefix:
		if !va.IsError() || !vb.IsError() {
			return false, "!errprefix wants two error replies"
		}
		if pa, pb := errCode(va.Str), errCode(vb.Str); pa != pb {
			return false, fmt.Sprintf("error code %s vs %s", pa, pb)
		}
		return true, ""
	}
	return false, "unknown mode " + mode.String()
}

func exact(a, b []byte) (bool, string) {
	if bytes.Equal(a, b) {
		return true, ""
	}
	return false, fmt.Sprintf("replies differ from byte %d", firstDiff(a, b))
}

// sortedForm is v with the elements of its top-level aggregate in sorted order
// (pairs kept together for maps and for !sortpairs), as a string to compare.
// Values that are not aggregates are left as they are.
func sortedForm(v testutil.Value, mode Mode) string {
	group := 1
	if v.Kind == testutil.KindMap || mode == ModeSortPairs {
		group = 2
	}
	if !v.IsAggregate() || len(v.Elems)%group != 0 {
		return string(v.Raw)
	}
	items := make([]string, 0, len(v.Elems)/group)
	for i := 0; i < len(v.Elems); i += group {
		var b []byte
		for _, e := range v.Elems[i : i+group] {
			b = append(b, e.Raw...)
		}
		items = append(items, string(b))
	}
	slices.Sort(items)
	return fmt.Sprintf("%c%d|%s|%s", v.Kind, len(v.Elems), attrsRaw(v), strings.Join(items, ""))
}

func attrsRaw(v testutil.Value) string {
	var b []byte
	for _, a := range v.Attrs {
		b = append(b, a.Raw...)
	}
	return string(b)
}

// typeName names the type of v, telling nulls apart from the type they borrow.
func typeName(v testutil.Value) string {
	names := map[byte]string{
		'+': "simple-string", '-': "error", ':': "integer", '$': "bulk-string", '*': "array",
		'_': "null", ',': "double", '#': "boolean", '!': "blob-error", '=': "verbatim-string",
		'(': "big-number", '%': "map", '~': "set", '>': "push",
	}
	n := names[v.Kind]
	if v.Null && v.Kind != testutil.KindNull {
		n = "null-" + n
	}
	return n
}

// shape renders v's types and aggregate lengths recursively, and map keys in
// full: a TIME reply is *2[$,$], a HELLO 3 reply %7{"server":$,"version":$,...}.
func shape(v testutil.Value) string {
	var b strings.Builder
	var walk func(v testutil.Value)
	walk = func(v testutil.Value) {
		b.WriteByte(v.Kind)
		switch {
		case v.Null:
			b.WriteString("-1")
		case v.Kind == testutil.KindMap:
			fmt.Fprintf(&b, "%d{", len(v.Elems)/2)
			for i := 0; i+1 < len(v.Elems); i += 2 {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(v.Elems[i].String())
				b.WriteByte(':')
				walk(v.Elems[i+1])
			}
			b.WriteByte('}')
		case v.IsAggregate():
			fmt.Fprintf(&b, "%d[", len(v.Elems))
			for i, e := range v.Elems {
				if i > 0 {
					b.WriteByte(',')
				}
				walk(e)
			}
			b.WriteByte(']')
		}
	}
	walk(v)
	return b.String()
}

// errCode is the first word of an error message: "ERR", "WRONGTYPE", "NOSCRIPT".
func errCode(msg string) string {
	code, _, _ := strings.Cut(msg, " ")
	return code
}

// maxShown bounds how much of a reply a report prints.
const maxShown = 600

// quote renders raw bytes for a report, escaped, shortened around byte from if long.
func quote(raw []byte, from int) string {
	if len(raw) <= maxShown {
		return strconv.Quote(string(raw))
	}
	start := max(0, min(from-maxShown/4, len(raw)-maxShown))
	s := strconv.Quote(string(raw[start : start+maxShown]))
	if start > 0 {
		s = fmt.Sprintf("[%d bytes]...", start) + s
	}
	if start+maxShown < len(raw) {
		s += fmt.Sprintf("...[%d more bytes]", len(raw)-start-maxShown)
	}
	return s
}

// firstDiff is the offset of the first byte where a and b differ.
func firstDiff(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// infoFields is INFO-style text with every value cut off: its lines up to the
// first ':' (section headers and blank lines as they are).
func infoFields(s string) string {
	lines := strings.Split(s, "\r\n")
	for i, l := range lines {
		if k, _, ok := strings.Cut(l, ":"); ok {
			lines[i] = k
		}
	}
	return strings.Join(lines, "\n")
}
