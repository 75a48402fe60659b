package proxy

import (
	"bytes"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/engine/resp"
)

// The parts of a split command copy each argument's encoding from the client's bytes:
// argEnds must find exactly what encoding the argument again gives, for every length
// (empty, one digit, several digits, binary bytes), and the split path must produce
// the same bytes as re-encoding.
func TestArgEnds(t *testing.T) {
	for _, args := range [][]string{
		{"MGET", "a"},
		{"MGET", "", "k", strings.Repeat("x", 9), strings.Repeat("y", 10), strings.Repeat("z", 12345)},
		{"MSET", "k1", "v1", "{t}k2", "", "bin\r\n\x00", strings.Repeat("v", 100)},
		{"DEL", "\r\n", "$3\r\n"},
	} {
		var raw []byte
		raw = resp.AppendArray(raw, len(args))
		for _, a := range args {
			raw = resp.AppendBulk(raw, []byte(a))
		}
		var p resp.Request
		p.MaxBulk = 1 << 20
		p.Reset()
		n, argv, err := p.Parse(raw)
		if err != nil || n != len(raw) {
			t.Fatalf("%q: parse %d %v", args, n, err)
		}
		ends := argEnds(raw, argv, nil)
		if len(ends) != len(args)+1 {
			t.Fatalf("%q: ends %v", args, ends)
		}
		for i, a := range argv {
			if got, want := raw[ends[i]:ends[i+1]], resp.AppendBulk(nil, a); !bytes.Equal(got, want) {
				t.Fatalf("%q arg %d: %q, want %q", args, i, got, want)
			}
		}
	}
	// Not the bytes the arguments were parsed from: nil, and the caller re-encodes.
	if ends := argEnds([]byte("*1\r\n$4\r\nPING\r\n"), [][]byte{[]byte("PINGX")}, nil); ends != nil {
		t.Fatalf("mismatched raw: %v", ends)
	}
}
