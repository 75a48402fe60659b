package engine

import (
	"bytes"
	"fmt"
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
