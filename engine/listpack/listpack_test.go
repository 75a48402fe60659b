// listpack_test.go: table tests of the encodings and operations, and a randomized
// comparison of every operation against a [][]byte model.

package listpack

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestParseInt(t *testing.T) {
	// Redis's lpStringToInt64 / string2ll: canonical decimal int64 only.
	good := map[string]int64{
		"0": 0, "1": 1, "-1": -1, "127": 127, "9223372036854775807": math.MaxInt64,
		"-9223372036854775808": math.MinInt64, "1000000": 1000000,
	}
	for s, want := range good {
		if got, ok := ParseInt([]byte(s)); !ok || got != want {
			t.Errorf("ParseInt(%q) = %d, %v; want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "-", "-0", "00", "01", "+1", " 1", "1 ", "1a", "0x1",
		"9223372036854775808", "-9223372036854775809", "18446744073709551616",
		"99999999999999999999", "123456789012345678901", "1.0", "--1", "\x001"} {
		if n, ok := ParseInt([]byte(s)); ok {
			t.Errorf("ParseInt(%q) = %d, true; want false", s, n)
		}
	}
	// Exhaustive agreement with strconv round trips on random input.
	r := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 100000; i++ {
		var s string
		switch r.IntN(3) {
		case 0:
			s = strconv.FormatInt(r.Int64()>>r.IntN(64), 10)
		case 1:
			s = strconv.FormatInt(-r.Int64()>>r.IntN(64), 10)
		default:
			b := make([]byte, r.IntN(22))
			for j := range b {
				b[j] = "-0123456789+ a"[r.IntN(14)]
			}
			s = string(b)
		}
		n, err := strconv.ParseInt(s, 10, 64)
		want := err == nil && strconv.FormatInt(n, 10) == s
		got, ok := ParseInt([]byte(s))
		if ok != want || (ok && got != n) {
			t.Fatalf("ParseInt(%q) = %d, %v; strconv says %d, %v", s, got, ok, n, want)
		}
	}
}

func TestIntEncodings(t *testing.T) {
	// The bytes of one-element listpacks, worked out from listpack.c's format.
	cases := []struct {
		v     int64
		entry string // hex of encoding+data+backlen
	}{
		{0, "0001"},
		{127, "7f01"},
		{128, "c08002"},
		{-1, "dfff02"},
		{4095, "cfff02"},
		{-4096, "d00002"},
		{4096, "f1001003"},
		{-4097, "f1ffef03"},
		{32767, "f1ff7f03"},
		{-32768, "f1008003"},
		{32768, "f200800004"},
		{8388607, "f2ffff7f04"},
		{-8388608, "f200008004"},
		{8388608, "f30000800005"},
		{math.MaxInt32, "f3ffffff7f05"},
		{math.MinInt32, "f30000008005"},
		{math.MaxInt32 + 1, "f4000000800000000009"},
		{math.MaxInt64, "f4ffffffffffffff7f09"},
		{math.MinInt64, "f4000000000000008009"},
	}
	for _, tc := range cases {
		for _, viaString := range []bool{false, true} {
			var lp Listpack
			if viaString {
				lp.Append([]byte(strconv.FormatInt(tc.v, 10)))
			} else {
				lp.AppendInt(tc.v)
			}
			want := mustHex(t, fmt.Sprintf("%02x00000001 00", 7+len(tc.entry)/2)+tc.entry+"ff")
			if !bytes.Equal(lp, want) {
				t.Errorf("%d (string %v): got % x, want % x", tc.v, viaString, []byte(lp), want)
			}
			e := lp.Get(lp.First())
			if !e.IsInt || e.Int != tc.v {
				t.Errorf("%d: decoded %+v", tc.v, e)
			}
		}
	}
}

func TestStringEncodings(t *testing.T) {
	cases := []struct {
		n      int
		header string // encoding bytes before the data
		back   int    // backlen bytes
	}{
		{0, "80", 1},
		{63, "bf", 1},
		{64, "e040", 1},
		{125, "e07d", 1}, // entry 127 bytes: 1-byte backlen
		{126, "e07e", 2}, // entry 128 bytes: 2-byte backlen
		{4095, "efff", 2},
		{4096, "f000100000", 2},
		{16377, "f0f93f0000", 2}, // entry 16382 bytes
		{16378, "f0fa3f0000", 3}, // entry 16383 bytes: Redis's bound is l < 16383
		{70000, "f070110100", 3},
	}
	for _, tc := range cases {
		s := []byte(strings.Repeat("s", tc.n))
		var lp Listpack
		lp.Append(s)
		hdr := mustHex(t, tc.header)
		if !bytes.Equal(lp[6:6+len(hdr)], hdr) {
			t.Errorf("len %d: header % x, want % x", tc.n, []byte(lp[6:6+len(hdr)]), hdr)
		}
		if got, want := len(lp), 6+len(hdr)+tc.n+tc.back+1; got != want {
			t.Errorf("len %d: listpack %d bytes, want %d", tc.n, got, want)
		}
		if err := Validate(lp, true); err != nil {
			t.Errorf("len %d: %v", tc.n, err)
		}
		if e := lp.Get(lp.First()); e.IsInt || !bytes.Equal(e.Str, s) {
			t.Errorf("len %d: decoded wrong", tc.n)
		}
		if lp.Prev(len(lp)-1) != 6 {
			t.Errorf("len %d: Prev from the end is %d", tc.n, lp.Prev(len(lp)-1))
		}
	}
}

func TestBacklen(t *testing.T) {
	for _, l := range []int{0, 1, 127, 128, 16382, 16383, 16384, 2097150, 2097151, 268435454, 268435455, 1 << 31} {
		var buf [5]byte
		n := backlenSize(l)
		putBacklen(buf[:n], l)
		if got := decodeBacklen(buf[:n], n-1); got != l {
			t.Errorf("backlen %d: decoded %d from % x", l, got, buf[:n])
		}
		if buf[0]&128 != 0 {
			t.Errorf("backlen %d: leftmost byte has the continuation bit", l)
		}
	}
}

func TestZeroValue(t *testing.T) {
	var lp Listpack
	if lp.Len() != 0 || lp.First() != -1 || lp.Last() != -1 || lp.Seek(0) != -1 {
		t.Fatal("nil listpack is not empty")
	}
	if err := Validate(lp.Bytes(), true); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(New(), lp.Bytes()) {
		t.Fatal("New differs from nil's Bytes")
	}
	lp.Prepend([]byte("x"))
	if lp.Len() != 1 || lp.Get(lp.First()).String() != "x" {
		t.Fatal("prepend to nil")
	}
}

func TestNavigationAndFind(t *testing.T) {
	var lp Listpack
	els := []string{"f1", "v1", "12", "100000", "f3", strings.Repeat("a", 5000), "f4", "-5"}
	for _, e := range els {
		lp.Append([]byte(e))
	}
	i := 0
	for p, e := range lp.All() {
		if e.String() != els[i] || lp.Seek(i) != p || lp.Seek(i-len(els)) != p {
			t.Fatalf("entry %d: %q at %d", i, e.String(), p)
		}
		i++
	}
	i = len(els) - 1
	for _, e := range lp.Backward() {
		if e.String() != els[i] {
			t.Fatalf("backward %d: %q", i, e.String())
		}
		i--
	}
	if lp.Seek(len(els)) != -1 || lp.Seek(-len(els)-1) != -1 {
		t.Fatal("Seek out of range")
	}
	// Hash-style lookup: fields at even indexes.
	first := lp.First()
	for _, c := range []struct {
		v    string
		want int // index, -1 none
	}{{"f1", 0}, {"12", 2}, {"f3", 4}, {"f4", 6}, {"v1", -1}, {"100000", -1}, {"-5", -1}, {"012", -1}} {
		p := lp.Find(first, []byte(c.v), 1)
		if (c.want < 0) != (p < 0) || (p >= 0 && p != lp.Seek(c.want)) {
			t.Errorf("Find(%q, skip 1) = %d, want index %d", c.v, p, c.want)
		}
	}
	if p := lp.Find(first, []byte("-5"), 0); p != lp.Seek(7) {
		t.Errorf("Find(-5, skip 0) = %d", p)
	}
	if p := lp.Find(lp.Seek(1), []byte("100000"), 2); p != -1 { // compares 1, 4, 7 only
		t.Errorf("Find from 1 = %d", p)
	}
	if p := lp.Find(lp.Seek(1), []byte("f3"), 2); p != lp.Seek(4) {
		t.Errorf("Find from 1 = %d", p)
	}
}

func TestDeleteRange(t *testing.T) {
	build := func() Listpack {
		var lp Listpack
		for i := 0; i < 10; i++ {
			lp.AppendInt(int64(i))
		}
		return lp
	}
	cases := []struct {
		start, count int
		want         string
	}{
		{0, 3, "3456789"},
		{7, 100, "0123456"},
		{-3, 2, "01234569"},
		{-1, 1, "012345678"},
		{5, 0, "0123456789"},
		{10, 1, "0123456789"},
		{-11, 1, "0123456789"},
		{0, 10, ""},
	}
	for _, c := range cases {
		lp := build()
		lp.DeleteRange(c.start, c.count)
		var got []byte
		for _, e := range lp.All() {
			got = e.AppendTo(got)
		}
		if string(got) != c.want || Validate(lp, true) != nil {
			t.Errorf("DeleteRange(%d, %d) = %q, want %q", c.start, c.count, got, c.want)
		}
	}
}

func TestManyEntries(t *testing.T) {
	// Past 65534 entries the header count is "unknown" and Len walks.
	var lp Listpack
	const n = 70000
	for i := 0; i < n; i++ {
		lp.AppendInt(int64(i))
	}
	if headerCount(lp) != countUnknown || lp.Len() != n {
		t.Fatalf("header %d, Len %d", headerCount(lp), lp.Len())
	}
	if err := Validate(lp, true); err != nil {
		t.Fatal(err)
	}
	if e, _ := lp.At(-1); e.Int != n-1 {
		t.Fatalf("At(-1) = %d", e.Int)
	}
	if e, _ := lp.At(n - 2); e.Int != n-2 {
		t.Fatalf("At(n-2) = %d", e.Int)
	}
	lp.DeleteRange(-10, 10)
	if lp.Len() != n-10 || headerCount(lp) != countUnknown {
		t.Fatalf("after delete: Len %d", lp.Len())
	}
	var other Listpack
	other.AppendInt(1)
	small := other.Clone()
	small.AppendListpack(lp)
	if small.Len() != n-9 || headerCount(small) != countUnknown {
		t.Fatalf("merge: Len %d", small.Len())
	}
}

func TestClip(t *testing.T) {
	var lp Listpack
	for i := 0; i < 1000; i++ {
		lp.Append([]byte("element"))
	}
	lp.DeleteRange(10, 1000)
	c := lp.Clip()
	if cap(c) != len(c) || !bytes.Equal(c, lp) {
		t.Fatalf("Clip: len %d cap %d", len(c), cap(c))
	}
}

// TestModel runs random operations on a Listpack and on a [][]byte model, and
// after each compares contents, navigation, Seek and Find, and that the bytes
// equal a listpack built from scratch by appending the model's elements (every
// operation must produce Redis's canonical encoding).
func TestModel(t *testing.T) {
	seeds := 40
	if testing.Short() {
		seeds = 5
	}
	for seed := 0; seed < seeds; seed++ {
		t.Run(strconv.Itoa(seed), func(t *testing.T) { runModel(t, uint64(seed), 400) })
	}
}

func randElement(r *rand.Rand) []byte {
	switch r.IntN(12) {
	case 0, 1:
		return []byte(strconv.Itoa(r.IntN(300) - 150))
	case 2:
		b := []int64{127, 128, 4095, 4096, -4096, -4097, 32767, 32768, -32769, 1 << 23, -(1 << 23) - 1,
			math.MaxInt32, math.MinInt32 - 1, math.MaxInt64, math.MinInt64}
		return []byte(strconv.FormatInt(b[r.IntN(len(b))], 10))
	case 3:
		return []byte(strconv.FormatInt(int64(r.Uint64()), 10))
	case 4:
		return []byte([]string{"-0", "007", "+3", "", " 1", "1e3", "-"}[r.IntN(7)])
	case 5:
		n := []int{62, 63, 64, 65, 125, 126, 127, 4094, 4095, 4096, 4097}[r.IntN(11)]
		return bytes.Repeat([]byte{'a' + byte(r.IntN(26))}, n)
	case 6:
		if r.IntN(20) == 0 {
			return bytes.Repeat([]byte("Z"), 16370+r.IntN(16))
		}
		fallthrough
	default:
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return b
	}
}

func canonical(model [][]byte) Listpack {
	lp := New()
	for _, e := range model {
		lp.Append(e)
	}
	return lp
}

func runModel(t *testing.T, seed uint64, steps int) {
	r := rand.New(rand.NewPCG(seed, 99))
	var lp Listpack
	var model [][]byte
	insertAt := func(i int, v []byte) {
		model = append(model, nil)
		copy(model[i+1:], model[i:])
		model[i] = v
	}
	for step := 0; step < steps; step++ {
		n := len(model)
		var op string
		v := randElement(r)
		switch k := r.IntN(13); {
		case k == 0:
			op = "Append"
			lp.Append(v)
			model = append(model, v)
		case k == 1:
			op = "Prepend"
			lp.Prepend(v)
			insertAt(0, v)
		case k == 2:
			x := int64(r.Uint64()) >> r.IntN(64)
			op = "AppendInt"
			lp.AppendInt(x)
			model = append(model, []byte(strconv.FormatInt(x, 10)))
		case k == 3:
			x := int64(r.IntN(1000)) - 500
			op = "PrependInt"
			lp.PrependInt(x)
			insertAt(0, []byte(strconv.FormatInt(x, 10)))
		case k == 4 && n > 0:
			i := r.IntN(n)
			op = "InsertBefore"
			p := lp.InsertBefore(lp.Seek(i), v)
			insertAt(i, v)
			if p != lp.Seek(i) {
				t.Fatalf("InsertBefore returned %d, entry is at %d", p, lp.Seek(i))
			}
		case k == 5 && n > 0:
			i := r.IntN(n)
			op = "InsertAfter"
			p := lp.InsertAfter(lp.Seek(i), v)
			insertAt(i+1, v)
			if p != lp.Seek(i+1) {
				t.Fatalf("InsertAfter returned %d, entry is at %d", p, lp.Seek(i+1))
			}
		case k == 6 && n > 0:
			i := r.IntN(n)
			op = "Replace"
			lp.Replace(lp.Seek(i), v)
			model[i] = v
		case k == 7 && n > 0:
			i := r.IntN(n)
			x := int64(r.Uint64()) >> r.IntN(64)
			op = "ReplaceInt"
			lp.ReplaceInt(lp.Seek(-n+i), x)
			model[i] = []byte(strconv.FormatInt(x, 10))
		case k == 8 && n > 0:
			i, c := r.IntN(n), r.IntN(4)
			op = "Delete"
			next := lp.Delete(lp.Seek(i), c)
			model = append(model[:i], model[min(i+c, n):]...)
			if c > 0 && (next >= 0) != (i < len(model)) {
				t.Fatalf("Delete returned %d", next)
			}
		case k == 9 && n > 0:
			start := r.IntN(2*n+2) - n - 1
			c := r.IntN(n + 1)
			op = "DeleteRange"
			lp.DeleteRange(start, c)
			s := start
			if s < 0 {
				s += n
			}
			if s >= 0 && s < n && c > 0 {
				model = append(model[:s], model[min(s+c, n):]...)
			}
		case k == 10:
			var other Listpack
			var els [][]byte
			for j := r.IntN(4); j > 0; j-- {
				e := randElement(r)
				other.Append(e)
				els = append(els, e)
			}
			op = "AppendListpack"
			lp.AppendListpack(other)
			model = append(model, els...)
		default:
			op = "Append"
			lp.Append(v)
			model = append(model, v)
		}
		checkModel(t, r, step, op, lp, model)
	}
}

func checkModel(t *testing.T, r *rand.Rand, step int, op string, lp Listpack, model [][]byte) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("step %d after %s: %s", step, op, fmt.Sprintf(format, args...))
	}
	if len(model) == 0 && lp == nil {
		return
	}
	if err := Validate(lp, true); err != nil {
		fail("%v", err)
	}
	if lp.Len() != len(model) {
		fail("Len %d, model %d", lp.Len(), len(model))
	}
	if want := canonical(model); !bytes.Equal(lp, want) {
		fail("bytes differ from a fresh build:\n got %s\nwant %s", hex.EncodeToString(lp), hex.EncodeToString(want))
	}
	i := 0
	var buf []byte
	for p := lp.First(); p >= 0; p = lp.Next(p) {
		buf = lp.Get(p).AppendTo(buf[:0])
		if !bytes.Equal(buf, model[i]) {
			fail("entry %d = %q, model %q", i, buf, model[i])
		}
		i++
	}
	i = len(model) - 1
	for p := lp.Last(); p >= 0; p = lp.Prev(p) {
		if !lp.Get(p).Equal(model[i]) {
			fail("backward entry %d differs", i)
		}
		i--
	}
	if len(model) > 0 {
		j := r.IntN(len(model))
		if e, ok := lp.At(j - len(model)); !ok || !e.Equal(model[j]) {
			fail("At(%d) wrong", j-len(model))
		}
		// Find: the first index >= from with a stride of skip+1 holding the value.
		skip := r.IntN(3)
		from := r.IntN(len(model))
		v := model[r.IntN(len(model))]
		want := -1
		for k := from; k < len(model); k += skip + 1 {
			if lp.Get(lp.Seek(k)).Equal(v) {
				want = lp.Seek(k)
				break
			}
		}
		if got := lp.Find(lp.Seek(from), v, skip); got != want {
			fail("Find(%q, from %d, skip %d) = %d, want %d", v, from, skip, got, want)
		}
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
