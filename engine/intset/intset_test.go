package intset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// model is the naive intset: a sorted slice and the widest encoding reached.
type model struct {
	vals []int64
	enc  int
}

func (m *model) add(v int64) bool {
	m.enc = max(m.enc, ValueEncoding(v))
	i, found := slices.BinarySearch(m.vals, v)
	if found {
		return false
	}
	m.vals = slices.Insert(m.vals, i, v)
	return true
}

func (m *model) remove(v int64) bool {
	i, found := slices.BinarySearch(m.vals, v)
	if !found {
		return false
	}
	m.vals = slices.Delete(m.vals, i, i+1)
	return true
}

// bytes lays the model out as Redis does.
func (m *model) bytes() []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(m.enc))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(m.vals)))
	for _, v := range m.vals {
		switch m.enc {
		case Enc16:
			b = binary.LittleEndian.AppendUint16(b, uint16(v))
		case Enc32:
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		default:
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
	}
	return b
}

func TestNew(t *testing.T) {
	is := New()
	if !bytes.Equal(is, []byte{2, 0, 0, 0, 0, 0, 0, 0}) {
		t.Fatalf("New() = %x", is)
	}
	if Len(is) != 0 || Encoding(is) != Enc16 || BlobLen(is) != 8 || Find(is, 0) {
		t.Fatal("empty intset misbehaves")
	}
	if _, ok := Remove(is, 1); ok {
		t.Fatal("removed from an empty intset")
	}
}

func TestValueEncoding(t *testing.T) {
	for _, tc := range []struct {
		v   int64
		enc int
	}{
		{0, Enc16}, {math.MaxInt16, Enc16}, {math.MinInt16, Enc16},
		{math.MaxInt16 + 1, Enc32}, {math.MinInt16 - 1, Enc32},
		{math.MaxInt32, Enc32}, {math.MinInt32, Enc32},
		{math.MaxInt32 + 1, Enc64}, {math.MinInt32 - 1, Enc64},
		{math.MaxInt64, Enc64}, {math.MinInt64, Enc64},
	} {
		if got := ValueEncoding(tc.v); got != tc.enc {
			t.Errorf("ValueEncoding(%d) = %d, want %d", tc.v, got, tc.enc)
		}
	}
}

func TestUpgrade(t *testing.T) {
	is := New()
	for _, v := range []int64{3, 1, 2} {
		is, _ = Add(is, v)
	}
	is, _ = Add(is, -1<<40) // prepends while widening
	is, _ = Add(is, 1<<20)  // fits int64: plain insert
	want := []int64{-1 << 40, 1, 2, 3, 1 << 20}
	if Encoding(is) != Enc64 || Len(is) != len(want) {
		t.Fatalf("enc %d len %d", Encoding(is), Len(is))
	}
	for i, v := range want {
		if Get(is, i) != v {
			t.Fatalf("Get(%d) = %d, want %d", i, Get(is, i), v)
		}
	}
	if Min(is) != -1<<40 || Max(is) != 1<<20 {
		t.Fatal("Min/Max")
	}
	// Removing the wide values keeps the encoding (Redis never downgrades).
	is, _ = Remove(is, -1<<40)
	is, _ = Remove(is, 1<<20)
	if Encoding(is) != Enc64 || Len(is) != 3 {
		t.Fatalf("after removals: enc %d len %d", Encoding(is), Len(is))
	}
}

// TestModel runs random operations against the model, across every upgrade, and
// compares the whole byte layout after each one.
func TestModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		gen := rapid.OneOf(
			rapid.Int64Range(-20, 20),
			rapid.Int64Range(math.MinInt16-3, math.MinInt16+3),
			rapid.Int64Range(math.MaxInt16-3, math.MaxInt16+3),
			rapid.Int64Range(math.MinInt32-3, math.MinInt32+3),
			rapid.Int64Range(math.MaxInt32-3, math.MaxInt32+3),
			rapid.Int64(),
		)
		is := New()
		m := &model{enc: Enc16}
		n := rapid.IntRange(0, 200).Draw(t, "ops")
		for i := 0; i < n; i++ {
			v := gen.Draw(t, "v")
			switch rapid.IntRange(0, 3).Draw(t, "op") {
			case 0, 1:
				var ok bool
				is, ok = Add(is, v)
				if want := m.add(v); ok != want {
					t.Fatalf("Add(%d) = %v, want %v", v, ok, want)
				}
			case 2:
				var ok bool
				is, ok = Remove(is, v)
				if want := m.remove(v); ok != want {
					t.Fatalf("Remove(%d) = %v, want %v", v, ok, want)
				}
			case 3:
				_, want := slices.BinarySearch(m.vals, v)
				if Find(is, v) != want {
					t.Fatalf("Find(%d) = %v, want %v", v, !want, want)
				}
			}
			if want := m.bytes(); !bytes.Equal(is, want) {
				t.Fatalf("bytes %x, want %x", is, want)
			}
		}
		if len(m.vals) > 0 {
			if err := Validate(is, true); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			r := Random(is)
			if _, ok := slices.BinarySearch(m.vals, r); !ok {
				t.Fatalf("Random returned %d, not an element", r)
			}
		}
	})
}

func TestRandomUniform(t *testing.T) {
	is := New()
	const n = 10
	for i := int64(0); i < n; i++ {
		is, _ = Add(is, i*1000)
	}
	counts := make(map[int64]int)
	const draws = 100000
	for i := 0; i < draws; i++ {
		counts[Random(is)]++
	}
	for v, k := range counts {
		if k < draws/n*8/10 || k > draws/n*12/10 {
			t.Errorf("element %d drawn %d times of %d", v, k, draws)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		deep bool
		err  error
	}{
		{"nil", nil, true, ErrShort},
		{"7 bytes", []byte{2, 0, 0, 0, 1, 0, 0}, true, ErrShort},
		{"bad encoding", []byte{5, 0, 0, 0, 0, 0, 0, 0}, true, ErrEncoding},
		{"empty", []byte{2, 0, 0, 0, 0, 0, 0, 0}, true, ErrEmpty},
		{"size mismatch", []byte{2, 0, 0, 0, 2, 0, 0, 0, 1, 0}, true, ErrLength},
		{"huge length", []byte{8, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0, 0, 0, 0}, true, ErrLength},
		{"unsorted shallow", []byte{2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 1, 0}, false, nil},
		{"unsorted deep", []byte{2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 1, 0}, true, ErrOrder},
		{"duplicate deep", []byte{2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 1, 0}, true, ErrOrder},
		{"good", []byte{2, 0, 0, 0, 2, 0, 0, 0, 0xff, 0xff, 1, 0}, true, nil},
	} {
		if err := Validate(tc.b, tc.deep); err != tc.err {
			t.Errorf("%s: Validate = %v, want %v", tc.name, err, tc.err)
		}
	}
}

type redisVectors struct {
	Redis  string `json:"redis"`
	Builds []struct {
		Name string `json:"name"`
		Ops  []struct {
			Add bool  `json:"add"`
			V   int64 `json:"v"`
		} `json:"ops"`
		Intset string `json:"intset"`
	} `json:"builds"`
	Restores []struct {
		Name     string `json:"name"`
		Intset   string `json:"intset"`
		Accepted bool   `json:"accepted"`
	} `json:"restores"`
}

func loadRedisVectors(t *testing.T) redisVectors {
	f, err := os.Open("testdata/redis-vectors.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var v redisVectors
	if err := json.NewDecoder(zr).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestRedisBuilds replays the SADD/SREM sequences a real Redis 7.0 ran
// (testdata/redisgen) and expects the intset bytes its DUMP returned.
func TestRedisBuilds(t *testing.T) {
	v := loadRedisVectors(t)
	if len(v.Builds) == 0 {
		t.Fatal("no vectors")
	}
	for _, b := range v.Builds {
		is := New()
		for _, o := range b.Ops {
			if o.Add {
				is, _ = Add(is, o.V)
			} else {
				is, _ = Remove(is, o.V)
			}
		}
		want, _ := hex.DecodeString(b.Intset)
		if !bytes.Equal(is, want) {
			t.Errorf("%s: got %x, Redis %s has %x", b.Name, is, v.Redis, want)
		}
	}
}

// TestRedisRestores checks that Validate (deep) accepts exactly the intsets a real
// Redis 7.0 accepted in RESTORE with sanitize-dump-payload yes.
func TestRedisRestores(t *testing.T) {
	v := loadRedisVectors(t)
	if len(v.Restores) == 0 {
		t.Fatal("no vectors")
	}
	for _, r := range v.Restores {
		b, _ := hex.DecodeString(r.Intset)
		err := Validate(b, true)
		if (err == nil) != r.Accepted {
			t.Errorf("%s (%x): Validate = %v, Redis accepted: %v", r.Name, b, err, r.Accepted)
		}
	}
}

// FuzzValidate feeds arbitrary bytes to Validate, which must never panic; whatever
// it accepts deeply must then behave as an intset.
func FuzzValidate(f *testing.F) {
	f.Add([]byte{2, 0, 0, 0, 1, 0, 0, 0, 5, 0})
	f.Add([]byte{8, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		if Validate(b, false) != nil {
			if Validate(b, true) == nil {
				t.Fatal("deep accepted what shallow refused")
			}
			return
		}
		if Validate(b, true) != nil {
			return
		}
		is := Clone(b)
		n := Len(is)
		for i := 0; i < n; i++ {
			v := Get(is, i)
			if !Find(is, v) {
				t.Fatalf("element %d (%d) not found", i, v)
			}
		}
		is, added := Add(is, Max(is))
		if added {
			t.Fatal("added an existing element")
		}
		is, removed := Remove(is, Min(is))
		if !removed || Len(is) != n-1 {
			t.Fatal("remove failed")
		}
	})
}

func BenchmarkAdd(b *testing.B) {
	for _, n := range []int{16, 128, 512} {
		b.Run(itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			is := New()
			for i := 0; i < b.N; i++ {
				if i%n == 0 {
					is = is[:HeaderSize]
					binary.LittleEndian.PutUint32(is[4:], 0)
				}
				is, _ = Add(is, int64(i%n*7919%n))
			}
		})
	}
}

func BenchmarkFind(b *testing.B) {
	for _, n := range []int{16, 128, 512} {
		b.Run(itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			is := New()
			for i := 0; i < n; i++ {
				is, _ = Add(is, int64(i*3))
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				Find(is, int64(i%(3*n)))
			}
		})
	}
}

func BenchmarkValidateDeep(b *testing.B) {
	is := New()
	for i := 0; i < 512; i++ {
		is, _ = Add(is, int64(i)<<33)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(is)))
	for i := 0; i < b.N; i++ {
		if Validate(is, true) != nil {
			b.Fatal("invalid")
		}
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
