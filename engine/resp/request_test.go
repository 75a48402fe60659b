package resp

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// parseAll parses every request in buf, feeding it in chunks of size step (0: all at
// once), the way a server sees a stream arrive in pieces.
func parseAll(t testing.TB, input []byte, step int, unauth bool) ([][]string, error) {
	var r Request
	r.MaxBulk = 512 << 20
	r.Unauth = unauth
	r.Reset()
	var out [][]string
	var buf []byte
	fed := 0
	for {
		if step == 0 {
			buf, fed = input, len(input)
		} else if fed < len(input) {
			end := min(fed+step, len(input))
			buf = append(buf, input[fed:end]...)
			fed = end
		}
		for {
			n, argv, err := r.Parse(buf)
			if err != nil {
				return out, err
			}
			if n == 0 {
				break
			}
			args := make([]string, len(argv))
			for i, a := range argv {
				args[i] = string(a)
			}
			out = append(out, args)
			buf = buf[n:]
		}
		if fed == len(input) {
			return out, nil
		}
	}
}

func TestRequestParse(t *testing.T) {
	cases := []struct {
		in   string
		want string
		err  error
	}{
		{"*1\r\n$4\r\nPING\r\n", "[[PING]]", nil},
		{"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n", "[[SET k ]]", nil},
		{"PING\r\n", "[[PING]]", nil},
		{"PING\n", "[[PING]]", nil},
		{"\r\nPING\r\n", "[[] [PING]]", nil},
		{"*-1\r\n*1\r\n$4\r\nPING\r\n", "[[] [PING]]", nil},
		{"*0\r\n", "[[]]", nil},
		{`SET a "b c" 'd e'` + "\r\n", "[[SET a b c d e]]", nil},
		{`ECHO "\x41\n"` + "\r\n", "[[ECHO A\n]]", nil},
		{"*abc\r\n", "[]", ErrInvalidMultibulk},
		{"*01\r\n", "[]", ErrInvalidMultibulk},
		{"*2147483648\r\n", "[]", ErrInvalidMultibulk},
		{"*1\r\n$-2\r\n", "[]", ErrInvalidBulk},
		{"*1\r\n$04\r\nPING\r\n", "[]", ErrInvalidBulk},
		{"*1\r\n$+4\r\nPING\r\n", "[]", ErrInvalidBulk},
		{"*1\r\n$600000000\r\n", "[]", ErrInvalidBulk},
		{"*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n", "[[PING]]", ErrInvalidBulk},
		{`SET a "b` + "\r\n", "[]", ErrUnbalancedQuotes},
		{`ECHO "a"b` + "\r\n", "[]", ErrUnbalancedQuotes},
	}
	for _, c := range cases {
		for _, step := range []int{0, 1, 3} {
			got, err := parseAll(t, []byte(c.in), step, false)
			if !errors.Is(err, c.err) {
				t.Errorf("%q step %d: err %v, want %v", c.in, step, err, c.err)
			}
			if s := fmt.Sprint(got); s != c.want {
				t.Errorf("%q step %d: got %s, want %s", c.in, step, s, c.want)
			}
		}
	}
	_, err := parseAll(t, []byte("*1\r\nfoo\r\n"), 0, false)
	if err == nil || err.Error() != "Protocol error: expected '$', got 'f'" {
		t.Errorf("expected '$' error, got %v", err)
	}
}

func TestRequestLimits(t *testing.T) {
	big := bytes.Repeat([]byte("x"), InlineMax+10)
	if _, err := parseAll(t, big, 0, false); err != ErrTooBigInline {
		t.Errorf("inline: %v", err)
	}
	count := append([]byte("*"), bytes.Repeat([]byte("1"), InlineMax+10)...)
	if _, err := parseAll(t, count, 0, false); err != ErrTooBigCount {
		t.Errorf("count: %v", err)
	}
	bulk := append([]byte("*1\r\n$"), bytes.Repeat([]byte("1"), InlineMax+10)...)
	if _, err := parseAll(t, bulk, 0, false); err != ErrTooBigBulkCount {
		t.Errorf("bulk count: %v", err)
	}
	if _, err := parseAll(t, []byte("*11\r\n"), 0, true); err != ErrUnauthMultibulk {
		t.Errorf("unauth multibulk: %v", err)
	}
	if _, err := parseAll(t, []byte("*1\r\n$16385\r\n"), 0, true); err != ErrUnauthBulk {
		t.Errorf("unauth bulk: %v", err)
	}
	if _, err := parseAll(t, []byte("*10\r\n$16384\r\n"), 0, true); err != nil {
		t.Errorf("unauth at the limits: %v", err)
	}
}

// A huge announced length must not make the parser allocate: it only records it.
func TestRequestNoAllocationFromLength(t *testing.T) {
	var r Request
	r.MaxBulk = 512 << 20
	r.Reset()
	buf := []byte("*2147483647\r\n$536870912\r\nabc")
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset()
		r.Parse(buf)
	})
	if allocs > 0 {
		t.Fatalf("parse of a huge announced request allocated %v times", allocs)
	}
	if p := r.Pending(len(buf)); p != 536870912+2-3 {
		t.Fatalf("Pending = %d", p)
	}
}

func TestParseInt(t *testing.T) {
	good := map[string]int64{"0": 0, "1": 1, "-1": -1, "9223372036854775807": 1<<63 - 1, "-9223372036854775808": -1 << 63}
	for s, v := range good {
		if got, ok := ParseInt([]byte(s)); !ok || got != v {
			t.Errorf("ParseInt(%q) = %d, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "-", "+1", "01", "-0", " 1", "1 ", "9223372036854775808", "-9223372036854775809", "1a", "99999999999999999999"} {
		if _, ok := ParseInt([]byte(s)); ok {
			t.Errorf("ParseInt(%q) accepted", s)
		}
	}
}

// FuzzRequest checks that the parser never panics and that the requests it finds do not
// depend on how the input was split across reads.
func FuzzRequest(f *testing.F) {
	for _, s := range []string{"*1\r\n$4\r\nPING\r\n", "PING\r\n", `SET a "b\x41" 'c'` + "\n", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
		"*-1\r\n", "*1\r\n$-1\r\n", "\r\n\r\n", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nvv\r\n"} {
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, step uint8) {
		whole, err1 := parseAll(t, data, 0, false)
		split, err2 := parseAll(t, data, int(step%16)+1, false)
		if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
			t.Fatalf("errors differ: %v vs %v", err1, err2)
		}
		if fmt.Sprintf("%q", whole) != fmt.Sprintf("%q", split) {
			t.Fatalf("requests differ:\n%q\n%q", whole, split)
		}
	})
}

// FuzzRequestSplit runs well-formed multibulk requests built from fuzzed arguments
// through the parser split at a fuzzed point, and checks they round-trip exactly.
func FuzzRequestSplit(f *testing.F) {
	f.Add([]byte("SET\x00key\x00value"), uint16(3))
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		args := bytes.Split(data, []byte{0})
		var req []byte
		req = AppendArray(req, len(args))
		for _, a := range args {
			req = AppendBulk(req, a)
		}
		var r Request
		r.MaxBulk = 512 << 20
		r.Reset()
		k := int(cut) % (len(req) + 1)
		n, _, err := r.Parse(req[:k])
		if err != nil || (n != 0 && k < len(req)) {
			t.Fatalf("prefix of %d/%d bytes: n=%d err=%v", k, len(req), n, err)
		}
		n, argv, err := r.Parse(req)
		if err != nil || n != len(req) || len(argv) != len(args) {
			t.Fatalf("n=%d err=%v argc=%d want %d", n, err, len(argv), len(args))
		}
		for i := range args {
			if !bytes.Equal(argv[i], args[i]) {
				t.Fatalf("arg %d = %q, want %q", i, argv[i], args[i])
			}
		}
	})
}

func BenchmarkParseSet(b *testing.B) {
	req := []byte("*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000001\r\n$3\r\nxxx\r\n")
	var r Request
	r.MaxBulk = 512 << 20
	r.Reset()
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	for i := 0; i < b.N; i++ {
		if n, _, _ := r.Parse(req); n != len(req) {
			b.Fatal("short parse")
		}
	}
}

// TestIndexBeforeNUL checks the scan against the byte loop it replaces, across
// the switch from the loop to the vectorised scans at 32 bytes.
func TestIndexBeforeNUL(t *testing.T) {
	ref := func(b []byte, c byte) int {
		for i, x := range b {
			if x == c {
				return i
			}
			if x == 0 {
				return -1
			}
		}
		return -1
	}
	for n := 0; n < 80; n++ {
		for _, pos := range []int{-1, 0, 1, 30, 31, 32, 33, 50, 79} {
			for _, nul := range []int{-1, 0, 31, 32, 40, 79} {
				b := bytes.Repeat([]byte("x"), n)
				if nul >= 0 && nul < n {
					b[nul] = 0
				}
				if pos >= 0 && pos < n {
					b[pos] = '\n'
				}
				if got, want := indexBeforeNUL(b, '\n'), ref(b, '\n'); got != want {
					t.Fatalf("len %d, newline at %d, NUL at %d: got %d, want %d", n, pos, nul, got, want)
				}
			}
		}
	}
}

// BenchmarkParseLongLine is a 64 KB line without its end, rescanned as a
// slow or hostile client's reads arrive.
func BenchmarkParseLongLine(b *testing.B) {
	buf := bytes.Repeat([]byte("a"), 60<<10)
	var r Request
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if n, _, err := r.Parse(buf); n != 0 || err != nil {
			b.Fatal(n, err)
		}
	}
}
