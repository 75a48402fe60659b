package resp

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// One example of every RESP2 and RESP3 type, with the tree it parses to.
// RESP3 spec: https://github.com/redis/redis-specification/blob/master/protocol/RESP3.md
var validReplies = []struct {
	name string
	raw  string
	want Value // Raw fields are not compared here; see TestParseReplyRaw
}{
	{"simple", "+OK\r\n", Value{Kind: '+', Str: "OK"}},
	{"simple empty", "+\r\n", Value{Kind: '+'}},
	{"error", "-ERR unknown command 'x'\r\n", Value{Kind: '-', Str: "ERR unknown command 'x'"}},
	{"int zero", ":0\r\n", Value{Kind: ':'}},
	{"int negative", ":-123\r\n", Value{Kind: ':', Int: -123}},
	{"int max", ":9223372036854775807\r\n", Value{Kind: ':', Int: 1<<63 - 1}},
	{"int min", ":-9223372036854775808\r\n", Value{Kind: ':', Int: -1 << 63}},
	{"bulk", "$5\r\nhello\r\n", Value{Kind: '$', Str: "hello"}},
	{"bulk empty", "$0\r\n\r\n", Value{Kind: '$'}},
	{"bulk binary with CRLF inside", "$6\r\na\r\n\x00b\n\r\n", Value{Kind: '$', Str: "a\r\n\x00b\n"}},
	{"bulk null", "$-1\r\n", Value{Kind: '$', Null: true}},
	{"array empty", "*0\r\n", Value{Kind: '*', Elems: []Value{}}},
	{"array null", "*-1\r\n", Value{Kind: '*', Null: true}},
	{"array mixed", "*3\r\n$1\r\na\r\n:1\r\n$-1\r\n", Value{Kind: '*', Elems: []Value{
		{Kind: '$', Str: "a"}, {Kind: ':', Int: 1}, {Kind: '$', Null: true}}}},
	{"array nested", "*2\r\n*1\r\n+a\r\n*0\r\n", Value{Kind: '*', Elems: []Value{
		{Kind: '*', Elems: []Value{{Kind: '+', Str: "a"}}}, {Kind: '*', Elems: []Value{}}}}},
	{"null", "_\r\n", Value{Kind: '_', Null: true}},
	{"double", ",1.5\r\n", Value{Kind: ',', Str: "1.5"}},
	{"double exponent", ",1.2e+300\r\n", Value{Kind: ',', Str: "1.2e+300"}},
	{"double inf", ",inf\r\n", Value{Kind: ',', Str: "inf"}},
	{"double -inf", ",-inf\r\n", Value{Kind: ',', Str: "-inf"}},
	{"double nan", ",nan\r\n", Value{Kind: ',', Str: "nan"}},
	{"bool true", "#t\r\n", Value{Kind: '#', Str: "t", Int: 1}},
	{"bool false", "#f\r\n", Value{Kind: '#', Str: "f"}},
	{"blob error", "!21\r\nSYNTAX invalid syntax\r\n", Value{Kind: '!', Str: "SYNTAX invalid syntax"}},
	{"verbatim", "=15\r\ntxt:Some string\r\n", Value{Kind: '=', Str: "txt:Some string"}},
	{"big number", "(3492890328409238509324850943850943825024385\r\n",
		Value{Kind: '(', Str: "3492890328409238509324850943850943825024385"}},
	{"big number negative", "(-1\r\n", Value{Kind: '(', Str: "-1"}},
	{"map", "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n", Value{Kind: '%', Elems: []Value{
		{Kind: '+', Str: "first"}, {Kind: ':', Int: 1}, {Kind: '+', Str: "second"}, {Kind: ':', Int: 2}}}},
	{"map empty", "%0\r\n", Value{Kind: '%', Elems: []Value{}}},
	{"set", "~2\r\n$1\r\na\r\n#f\r\n", Value{Kind: '~', Elems: []Value{{Kind: '$', Str: "a"}, {Kind: '#', Str: "f"}}}},
	{"push", ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n", Value{Kind: '>', Elems: []Value{
		{Kind: '$', Str: "message"}, {Kind: '$', Str: "ch"}, {Kind: '$', Str: "m"}}}},
	{"attribute before array", "|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:2039123\r\n", Value{
		Kind:  '*',
		Elems: []Value{{Kind: ':', Int: 2039123}},
		Attrs: []Value{{Kind: '+', Str: "key-popularity"}, {Kind: '%', Elems: []Value{{Kind: '$', Str: "a"}, {Kind: ',', Str: "0.19"}}}},
	}},
	{"attribute inside array", "*2\r\n|1\r\n+ttl\r\n:3600\r\n+a\r\n+b\r\n", Value{Kind: '*', Elems: []Value{
		{Kind: '+', Str: "a", Attrs: []Value{{Kind: '+', Str: "ttl"}, {Kind: ':', Int: 3600}}}, {Kind: '+', Str: "b"}}}},
	{"map of aggregates", "%1\r\n*1\r\n+k\r\n~1\r\n_\r\n", Value{Kind: '%', Elems: []Value{
		{Kind: '*', Elems: []Value{{Kind: '+', Str: "k"}}}, {Kind: '~', Elems: []Value{{Kind: '_', Null: true}}}}}},
}

func stripRaw(v Value) Value {
	v.Raw = nil
	for i := range v.Elems {
		v.Elems[i] = stripRaw(v.Elems[i])
	}
	for i := range v.Attrs {
		v.Attrs[i] = stripRaw(v.Attrs[i])
	}
	return v
}

func TestParseReply(t *testing.T) {
	for _, tc := range validReplies {
		t.Run(tc.name, func(t *testing.T) {
			v, err := ParseReply([]byte(tc.raw))
			if err != nil {
				t.Fatalf("ParseReply(%q): %v", tc.raw, err)
			}
			if got := stripRaw(v); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseReply(%q)\n got %#v\nwant %#v", tc.raw, got, tc.want)
			}
		})
	}
}

// Raw of a value, and of every element inside it, is its exact encoding.
func TestParseReplyRaw(t *testing.T) {
	var check func(t *testing.T, v Value)
	check = func(t *testing.T, v Value) {
		w, n, err := ParseReplyPrefix(v.Raw)
		if err != nil || n != len(v.Raw) || !bytes.Equal(w.Raw, v.Raw) {
			t.Errorf("Raw %q does not parse back to itself: n=%d err=%v", v.Raw, n, err)
		}
		for _, e := range v.Elems {
			check(t, e)
		}
	}
	for _, tc := range validReplies {
		v, err := ParseReply([]byte(tc.raw))
		if err != nil {
			t.Fatal(err)
		}
		if string(v.Raw) != tc.raw {
			t.Errorf("%s: Raw = %q, want %q", tc.name, v.Raw, tc.raw)
		}
		check(t, v)
	}
}

// Every strict prefix of a reply is incomplete, never an error and never a shorter
// reply: Conn relies on this to know when to read more.
func TestParseReplyPartial(t *testing.T) {
	for _, tc := range validReplies {
		for i := range len(tc.raw) {
			_, _, err := ParseReplyPrefix([]byte(tc.raw[:i]))
			if !errors.Is(err, ErrIncomplete) {
				t.Errorf("%s: prefix %q: err = %v, want ErrIncomplete", tc.name, tc.raw[:i], err)
			}
		}
	}
}

// A reply followed by more bytes: ParseReplyPrefix stops at the end of the first,
// ParseReply refuses the rest.
func TestParseReplyTrailing(t *testing.T) {
	for _, tc := range validReplies {
		b := []byte(tc.raw + "+NEXT\r\n")
		_, n, err := ParseReplyPrefix(b)
		if err != nil || n != len(tc.raw) {
			t.Errorf("%s: ParseReplyPrefix = %d, %v; want %d, nil", tc.name, n, err, len(tc.raw))
		}
		if _, err := ParseReply(b); err == nil || errors.Is(err, ErrIncomplete) {
			t.Errorf("%s: ParseReply with trailing bytes: err = %v, want an error", tc.name, err)
		}
	}
}

func TestParseReplyMalformed(t *testing.T) {
	for _, raw := range []string{
		"x\r\n",                     // unknown type
		"+OK\n",                     // LF without CR
		":abc\r\n",                  // integer not a number
		":1.5\r\n",                  // integer not an integer
		":99999999999999999999\r\n", // integer overflow
		"$abc\r\n",                  // bad length
		"$-2\r\n",                   // negative length other than -1
		"$+1\r\na\r\n",              // sign on a length
		"$01\r\na\r\n",              // leading zero
		"$5\r\nhelloXX",             // payload not followed by CRLF
		"$1\r\nab\r\n",              // payload longer than announced
		"*-2\r\n",                   // negative count
		"%-1\r\n",                   // RESP3 maps have no null form
		"~-1\r\n",                   // nor sets
		"!-1\r\n",                   // nor blob errors
		"_x\r\n",                    // null with a payload
		"#x\r\n",                    // boolean other than t/f
		",abc\r\n",                  // double not a number
		"(12a\r\n",                  // big number with a letter
		"(\r\n",                     // empty big number
		"=3\r\ntxt\r\n",             // verbatim without format prefix
		"$?\r\n",                    // streamed string
		"*?\r\n",                    // streamed aggregate
		"*1\r\n:x\r\n",              // error inside an aggregate
		"|1\r\n+a\r\n+b\r\n:x\r\n",  // error in the annotated value
	} {
		if _, _, err := ParseReplyPrefix([]byte(raw)); err == nil || errors.Is(err, ErrIncomplete) {
			t.Errorf("ParseReplyPrefix(%q): err = %v, want a malformed-reply error", raw, err)
		}
	}
}

func TestParseReplyDepthLimit(t *testing.T) {
	deep := strings.Repeat("*1\r\n", maxDepth+2) + ":1\r\n"
	if _, err := ParseReply([]byte(deep)); err == nil || errors.Is(err, ErrIncomplete) {
		t.Errorf("nesting %d deep: err = %v, want an error", maxDepth+2, err)
	}
	ok := strings.Repeat("*1\r\n", 100) + ":1\r\n"
	if _, err := ParseReply([]byte(ok)); err != nil {
		t.Errorf("nesting 100 deep: %v", err)
	}
}

// A huge announced count must not allocate for it up front.
func TestParseReplyHugeCount(t *testing.T) {
	_, _, err := ParseReplyPrefix([]byte("*4294967295\r\n:1\r\n"))
	if !errors.Is(err, ErrIncomplete) {
		t.Errorf("err = %v, want ErrIncomplete", err)
	}
}

func TestValueString(t *testing.T) {
	v, err := ParseReply([]byte("*4\r\n$1\r\na\r\n:1\r\n$-1\r\n%1\r\n+k\r\n#t\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := `*["a", (integer) 1, (nil), %[k, (boolean) t]]`
	if got := v.String(); got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
}

func TestAppendCommand(t *testing.T) {
	got := string(AppendCommand(nil, "SET", "k", "", "a\r\nb"))
	want := "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n$4\r\na\r\nb\r\n"
	if got != want {
		t.Errorf("AppendCommand = %q, want %q", got, want)
	}
}

// FuzzParseReply: the parser never panics, a reply it accepts is reported with its
// exact length, and every prefix of an accepted reply is incomplete.
func FuzzParseReply(f *testing.F) {
	for _, tc := range validReplies {
		f.Add([]byte(tc.raw))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, n, err := ParseReplyPrefix(b)
		if err != nil {
			return
		}
		if n <= 0 || n > len(b) || !bytes.Equal(v.Raw, b[:n]) {
			t.Fatalf("n=%d len=%d Raw=%q", n, len(b), v.Raw)
		}
		for i := range n {
			if _, _, err := ParseReplyPrefix(b[:i]); !errors.Is(err, ErrIncomplete) {
				t.Fatalf("prefix %q of %q: %v", b[:i], b[:n], err)
			}
		}
	})
}
