package listpack

import (
	"bytes"
	"strconv"
	"testing"
)

// TestAppendElements checks that a run appended at once gives the bytes of the
// same elements appended one by one, across encodings and the 65535 count limit.
func TestAppendElements(t *testing.T) {
	vals := [][]byte{[]byte("0"), []byte("-1"), []byte("127"), []byte("128"), []byte("4095"), []byte("-4096"),
		[]byte("70000"), []byte("9223372036854775807"), []byte("007"), []byte(""), bytes.Repeat([]byte("x"), 63),
		bytes.Repeat([]byte("y"), 64), bytes.Repeat([]byte("z"), 4096), bytes.Repeat([]byte("w"), 20000)}
	for _, start := range []int{0, 3, 65530} {
		var one, run Listpack
		for i := 0; i < start; i++ {
			one.AppendInt(int64(i))
			run.AppendInt(int64(i))
		}
		var buf []byte
		for i, v := range vals {
			one.Append(v)
			buf = AppendElement(buf, v)
			one.AppendInt(int64(i) * 1000003)
			buf = AppendIntElement(buf, int64(i)*1000003)
		}
		run.AppendElements(buf, 2*len(vals))
		if !bytes.Equal(one, run) {
			t.Fatalf("start %d: run differs from one-by-one appends", start)
		}
		if err := Validate(run, true); err != nil {
			t.Fatalf("start %d: %v", start, err)
		}
	}
	var empty Listpack
	empty.AppendElements(nil, 0)
	if empty != nil {
		t.Fatalf("empty run changed a nil listpack")
	}
}

func BenchmarkAppendElements(b *testing.B) {
	b.ReportAllocs()
	lp := New()
	vals := [][]byte{[]byte("field"), []byte(strconv.Itoa(42))}
	for i := 0; i < b.N; i++ {
		var sb [64]byte
		buf := sb[:0]
		buf = AppendIntElement(buf, 2)
		buf = AppendIntElement(buf, int64(i))
		buf = AppendIntElement(buf, 0)
		for _, v := range vals {
			buf = AppendElement(buf, v)
		}
		buf = AppendIntElement(buf, 5)
		lp.AppendElements(buf, 6)
		if len(lp) > 1<<16 {
			lp = New()
		}
	}
}
