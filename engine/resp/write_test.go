package resp

import (
	"math"
	"testing"
)

func TestFormatDouble(t *testing.T) {
	// Expected strings are what C's printf("%.17g") prints (Redis 7.0's addReplyDouble).
	cases := map[float64]string{
		0: "0", 1: "1", -1: "-1", 1.5: "1.5", 0.1: "0.10000000000000001", 1.1: "1.1000000000000001",
		3.0e3: "3000", 1e17: "1e+17", 1e16: "10000000000000000", 123456789012345678: "1.2345678901234568e+17",
		0.0001: "0.0001", 0.00001: "1.0000000000000001e-05", math.Inf(1): "inf", math.Inf(-1): "-inf",
		-0.5: "-0.5", 2.5e-5: "2.5000000000000001e-05",
	}
	for f, want := range cases {
		if got := string(FormatDouble(nil, f)); got != want {
			t.Errorf("FormatDouble(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestAppendLongDouble(t *testing.T) {
	// INCRBYFLOAT results as redis-server 7.0 prints them.
	cases := map[float64]string{10.5: "10.5", 3000: "3000", 0.005: "0.005", -2: "-2", 0: "0", 5.0e3: "5000", 1.25: "1.25"}
	for f, want := range cases {
		if got := string(AppendLongDouble(nil, f)); got != want {
			t.Errorf("AppendLongDouble(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestAppendTypes(t *testing.T) {
	var b []byte
	b = AppendMap(b, 1, 3)
	b = AppendMap(b, 1, 2)
	b = AppendNull(b, 2)
	b = AppendNull(b, 3)
	b = AppendDouble(b, 1.5, 3)
	b = AppendDouble(b, 1.5, 2)
	b = AppendBool(b, true, 3)
	b = AppendError(b, "ERR bad\r\nthing")
	want := "%1\r\n*2\r\n$-1\r\n_\r\n,1.5\r\n$3\r\n1.5\r\n#t\r\n-ERR bad  thing\r\n"
	if string(b) != want {
		t.Fatalf("got %q want %q", b, want)
	}
}

func BenchmarkAppendBulk(b *testing.B) {
	buf := make([]byte, 0, 1024)
	v := []byte("some value bytes")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = AppendBulk(buf[:0], v)
	}
}
