package proxy

import (
	"testing"

	"github.com/keygrid/keygrid/engine/resp"
)

var scanCases = []string{
	"+OK\r\n", "-ERR x\r\n", ":12\r\n", "$-1\r\n", "$5\r\nhe\r\no\r\n", "*-1\r\n", "*0\r\n",
	"*2\r\n$1\r\na\r\n*1\r\n:1\r\n", "%1\r\n+k\r\n,1.5\r\n", "_\r\n", "#t\r\n", "(123\r\n",
	"=7\r\ntxt:abc\r\n", "|1\r\n+a\r\n+b\r\n:1\r\n", ">2\r\n+message\r\n$1\r\nx\r\n", "~1\r\n$0\r\n\r\n",
}

// Every prefix of a reply is incomplete and the whole is its exact length, as the
// reference parser says.
func TestReplyLenSplitEverywhere(t *testing.T) {
	for _, c := range scanCases {
		_, want, err := resp.ParseReplyPrefix([]byte(c + "+next\r\n"))
		if err != nil || want != len(c) {
			t.Fatalf("reference parser on %q: %d %v", c, want, err)
		}
		for i := range len(c) {
			if n, err := replyLen([]byte(c[:i])); n != 0 || err != nil {
				t.Fatalf("%q prefix %d: got %d %v", c, i, n, err)
			}
		}
		if n, err := replyLen([]byte(c + "+next\r\n")); n != len(c) || err != nil {
			t.Fatalf("%q: got %d %v", c, n, err)
		}
	}
}

func FuzzReplyLen(f *testing.F) {
	for _, c := range scanCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := replyLen(b)
		_, want, perr := resp.ParseReplyPrefix(b)
		if perr == nil && err == nil && n != want {
			t.Fatalf("%q: replyLen %d, parser %d", b, n, want)
		}
	})
}
