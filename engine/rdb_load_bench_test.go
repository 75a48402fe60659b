package engine

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
)

// BenchmarkLoadRDB saves 1M string keys named as redis-benchmark -r names them
// (issue #5's load bar) and loads the file into a fresh server per iteration;
// allocs/op are per whole load, so divide by the key count.
func BenchmarkLoadRDB(b *testing.B) {
	const n = 1_000_000
	src, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	db := src.dbs[0]
	val := []byte("xxx")
	for i := range n {
		db.AddString(fmt.Appendf(nil, "key:%012d", i), val)
	}
	var file bytes.Buffer
	if err := src.saveRDBSync(&file); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(file.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		dst, err := New(Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := dst.loadRDB(bytes.NewReader(file.Bytes())); err != nil {
			b.Fatal(err)
		}
		if got := dst.dbs[0].Len(); got != n {
			b.Fatalf("loaded %d keys, want %d", got, n)
		}
	}
}

// Loading string keys allocates about one object per key (the entry's key and
// value block): the parser hands keys and values over from reused buffers,
// and the table is sized once from RESIZEDB (issue #5).
func TestLoadRDBAllocsPerKey(t *testing.T) {
	const n = 20000
	src, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		val := []byte("xxx")
		if i%2 == 1 {
			val = fmt.Appendf(nil, "%d", i) // integer-encoded in the file
		}
		src.dbs[0].AddString(fmt.Appendf(nil, "key:%012d", i), val)
	}
	var file bytes.Buffer
	if err := src.saveRDBSync(&file); err != nil {
		t.Fatal(err)
	}
	dst, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err = dst.loadRDB(bytes.NewReader(file.Bytes()))
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if got := dst.dbs[0].Len(); got != n {
		t.Fatalf("loaded %d keys, want %d", got, n)
	}
	if per := float64(after.Mallocs-before.Mallocs) / n; per > 1.2 {
		t.Errorf("%.2f allocations per key loaded, want about 1", per)
	}
	if b, _ := dst.dbs[0].dicts[0].Buckets(); b < n {
		t.Errorf("table of %d buckets for %d keys", b, n)
	}
	for _, i := range []int{0, 1, n - 1} {
		d, r := dst.dbs[0].find(fmt.Appendf(nil, "key:%012d", i))
		want := "xxx"
		if i%2 == 1 {
			want = fmt.Sprint(i)
		}
		if r == 0 || d.E(r).Val() != want {
			t.Errorf("key %d not loaded as %q", i, want)
		}
	}
}
