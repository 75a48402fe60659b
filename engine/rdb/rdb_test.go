package rdb

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The encodings of lengths and strings, byte for byte as rdb.c writes them.
func TestWriterEncodings(t *testing.T) {
	long := strings.Repeat("a", 100)
	tests := []struct {
		name string
		fn   func(w *Writer)
		want []byte
	}{
		{"len6", func(w *Writer) { w.SaveLen(63) }, []byte{63}},
		{"len14", func(w *Writer) { w.SaveLen(64) }, []byte{0x40, 64}},
		{"len14max", func(w *Writer) { w.SaveLen(16383) }, []byte{0x7f, 0xff}},
		{"len32", func(w *Writer) { w.SaveLen(16384) }, []byte{0x80, 0, 0, 0x40, 0}},
		{"len64", func(w *Writer) { w.SaveLen(1 << 32) }, []byte{0x81, 0, 0, 0, 1, 0, 0, 0, 0}},
		{"int8", func(w *Writer) { w.SaveString([]byte("-128")) }, []byte{0xc0, 0x80}},
		{"int16", func(w *Writer) { w.SaveString([]byte("1000")) }, []byte{0xc1, 0xe8, 0x03}},
		{"int32", func(w *Writer) { w.SaveString([]byte("-2147483648")) }, []byte{0xc2, 0, 0, 0, 0x80}},
		// Too large for 32 bits, or not canonical: plain strings.
		{"int64text", func(w *Writer) { w.SaveString([]byte("2147483648")) }, append([]byte{10}, "2147483648"...)},
		{"leadingzero", func(w *Writer) { w.SaveString([]byte("01")) }, []byte{2, '0', '1'}},
		{"short", func(w *Writer) { w.SaveString([]byte("hello")) }, []byte{5, 'h', 'e', 'l', 'l', 'o'}},
		{"saveint64", func(w *Writer) { w.SaveInt(1 << 40) }, append([]byte{13}, "1099511627776"...)},
		{"lzf", func(w *Writer) { w.SaveString([]byte(long)) }, []byte{0xc3, 9, 0x40, 100, 1, 0x61, 0x61, 0xe0, 0x57, 0, 1, 0x61, 0x61}},
		{"double", func(w *Writer) { w.SaveBinaryDouble(1.5) }, []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x3f}},
		{"time", func(w *Writer) { w.SaveMillisecondTime(0x0102) }, []byte{2, 1, 0, 0, 0, 0, 0, 0}},
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		w := NewWriter(&buf)
		tc.fn(w)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), tc.want) {
			t.Errorf("%s: got % x, want % x", tc.name, buf.Bytes(), tc.want)
		}
	}
}

// Whatever the Writer writes, the Reader reads back, and both count the same
// CRC and offset.
func TestRoundTrip(t *testing.T) {
	strs := [][]byte{nil, []byte("0"), []byte("-1"), []byte("127"), []byte("32768"),
		[]byte("9223372036854775807"), []byte("-0"), []byte(strings.Repeat("abc", 1000)),
		[]byte("a somewhat longer string that does not compress"), make([]byte, 70000)}
	lens := []uint64{0, 1, 63, 64, 16383, 16384, math.MaxUint32, math.MaxUint32 + 1, math.MaxUint64}
	for _, compress := range []bool{false, true} {
		var buf bytes.Buffer
		w := NewWriter(&buf)
		w.Compress = compress
		for _, s := range strs {
			w.SaveString(s)
		}
		for _, n := range lens {
			w.SaveLen(n)
		}
		w.SaveInt(math.MinInt64)
		w.SaveBinaryDouble(math.Inf(-1))
		w.SaveMillisecondTime(1700000000123)
		w.Flush()
		r := NewReader(bytes.NewReader(buf.Bytes()))
		for _, s := range strs {
			got, err := r.LoadString()
			if err != nil || !bytes.Equal(got, s) {
				t.Fatalf("string %q: got %q, %v", s, got, err)
			}
		}
		for _, n := range lens {
			if got, err := r.LoadPlainLen(); err != nil || got != n {
				t.Fatalf("len %d: got %d, %v", n, got, err)
			}
		}
		if got, err := r.LoadString(); err != nil || string(got) != strconv.FormatInt(math.MinInt64, 10) {
			t.Fatalf("int: %q %v", got, err)
		}
		if f, _ := r.LoadBinaryDouble(); !math.IsInf(f, -1) {
			t.Fatalf("double %v", f)
		}
		if ms, _ := r.LoadMillisecondTime(); ms != 1700000000123 {
			t.Fatalf("time %d", ms)
		}
		if r.Offset() != w.Written() || r.CRC() != w.CRC() {
			t.Fatalf("offset %d/%d crc %x/%x", r.Offset(), w.Written(), r.CRC(), w.CRC())
		}
		if _, err := r.ReadByte(); !IsTruncated(err) {
			t.Fatalf("after the end: %v", err)
		}
	}
}

// Old string doubles (ZSET, RDB < 8): length byte, text; 253-255 are nan, +inf, -inf.
func TestLoadDouble(t *testing.T) {
	in := []byte{3, '1', '.', '5', 254, 255, 253}
	r := NewReader(bytes.NewReader(in))
	for _, want := range []float64{1.5, math.Inf(1), math.Inf(-1)} {
		if f, err := r.LoadDouble(); err != nil || f != want {
			t.Fatalf("got %v %v want %v", f, err, want)
		}
	}
	if f, _ := r.LoadDouble(); !math.IsNaN(f) {
		t.Fatalf("nan: %v", f)
	}
}

// Files Redis wrote, from the 2.x zipmap era to 7.0: every one parses, with
// the key count redis-check-rdb reports.
func TestParseRedisFiles(t *testing.T) {
	want := map[string]int{
		"redis-encodings.rdb":      13,
		"redis-hash-ziplist.rdb":   1,
		"redis-hash-zipmap.rdb":    1,
		"redis-list-quicklist.rdb": 2,
		"redis-scriptbackup.rdb":   0,
		"redis-zset-ziplist.rdb":   1,
		"redis70-all.rdb":          22,
		// Empty collections are skipped, as the server does.
		"redis-corrupt_empty_keys.rdb": 0,
	}
	for name, n := range want {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		keys, empty := 0, 0
		kinds := map[Kind]int{}
		h := &Handler{
			Key:      func(k *Key) error { keys++; kinds[k.Value.Kind]++; return nil },
			EmptyKey: func(uint64, []byte) error { empty++; return nil },
		}
		res, err := Parse(NewReader(bytes.NewReader(b)), h, ParseOptions{Options: Options{CheckDups: true}})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if keys != n {
			t.Errorf("%s: %d keys, want %d (kinds %v)", name, keys, n, kinds)
		}
		if name == "redis-corrupt_empty_keys.rdb" && empty == 0 {
			t.Errorf("%s: no empty key reported", name)
		}
		if res.Version >= 5 && res.Checksum != 0 && res.Checksum != res.Computed {
			t.Errorf("%s: checksum", name)
		}
	}
}

// Every truncation of a valid file is an error, never a panic, and the error
// says where.
func TestParseTruncated(t *testing.T) {
	b, err := os.ReadFile("testdata/redis70-all.rdb")
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(b); n += 1 + n/50 {
		_, err := Parse(NewReader(bytes.NewReader(b[:n])), &Handler{}, ParseOptions{})
		if err == nil {
			t.Fatalf("truncated at %d: no error", n)
		}
	}
	// A flipped byte in the body is caught by the checksum at least.
	c := append([]byte(nil), b...)
	c[len(c)/2] ^= 0x40
	if _, err := Parse(NewReader(bytes.NewReader(c)), &Handler{}, ParseOptions{}); err == nil {
		t.Fatal("corrupted file parsed")
	}
}
