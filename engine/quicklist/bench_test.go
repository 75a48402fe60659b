// bench_test.go: LPUSH/RPUSH/LPOP/RPOP, LINDEX and LRANGE-like loops, with and
// without compression of inner nodes.

package quicklist

import (
	"fmt"
	"strconv"
	"testing"
)

var benchValue = []byte("a list element of 32 bytes......")

func benchSettings() []struct {
	name        string
	fill, depth int
} {
	return []struct {
		name        string
		fill, depth int
	}{
		{"fill-2", -2, 0},
		{"fill-2-depth1", -2, 1},
		{"fill128", 128, 0},
	}
}

// BenchmarkPush grows one list by b.N elements at one end (a fresh list every
// million, to bound memory). Allocations are the nodes' listpacks, amortised.
func BenchmarkPush(b *testing.B) {
	for _, s := range benchSettings() {
		for _, head := range []bool{false, true} {
			name := s.name + "/rpush"
			if head {
				name = s.name + "/lpush"
			}
			b.Run(name, func(b *testing.B) {
				ql := New(s.fill, s.depth)
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if i%1_000_000 == 0 {
						ql = New(s.fill, s.depth)
					}
					if head {
						ql.PushHead(benchValue)
					} else {
						ql.PushTail(benchValue)
					}
				}
			})
		}
	}
}

// BenchmarkQueue is LPUSH+RPOP on a list held at 10,000 elements: nodes are
// created at the head and freed at the tail, the steady state of a queue.
func BenchmarkQueue(b *testing.B) {
	for _, s := range benchSettings() {
		b.Run(s.name, func(b *testing.B) {
			ql := New(s.fill, s.depth)
			for i := 0; i < 10000; i++ {
				ql.PushHead(benchValue)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ql.PushHead(benchValue)
				if _, ok := ql.PopTail(); !ok {
					b.Fatal("empty")
				}
			}
		})
	}
}

// BenchmarkStack is RPUSH+RPOP: one node's tail, no allocation at all.
func BenchmarkStack(b *testing.B) {
	ql := New(-2, 0)
	for i := 0; i < 1000; i++ {
		ql.PushTail(benchValue)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ql.PushTail(benchValue)
		ql.PopTail()
	}
}

// BenchmarkPop drains lists of 100,000 elements from the head (LPOP); the refill
// between lists is not timed.
func BenchmarkPop(b *testing.B) {
	for _, s := range benchSettings() {
		b.Run(s.name, func(b *testing.B) {
			const n = 100000
			fillList := func() *Quicklist {
				ql := New(s.fill, s.depth)
				for i := 0; i < n; i++ {
					ql.PushTail(benchValue)
				}
				return ql
			}
			ql := fillList()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if ql.Len() == 0 {
					b.StopTimer()
					ql = fillList()
					b.StartTimer()
				}
				ql.PopHead()
			}
		})
	}
}

func filled(fill, depth, n int) *Quicklist {
	ql := New(fill, depth)
	for i := 0; i < n; i++ {
		ql.PushTail([]byte("element-" + strconv.Itoa(i) + "-with-some-padding"))
	}
	return ql
}

// BenchmarkIndex is LINDEX at a pseudo-random index of a 100,000-element list.
func BenchmarkIndex(b *testing.B) {
	for _, s := range benchSettings() {
		b.Run(s.name, func(b *testing.B) {
			ql := filled(s.fill, s.depth, 100000)
			b.ReportAllocs()
			b.ResetTimer()
			x := uint32(1)
			for i := 0; i < b.N; i++ {
				x = x*1664525 + 1013904223
				if _, ok := ql.Index(int(x % 100000)); !ok {
					b.Fatal("out of range")
				}
			}
		})
	}
}

// BenchmarkRange is LRANGE of 100 elements from a pseudo-random start.
func BenchmarkRange(b *testing.B) {
	for _, s := range benchSettings() {
		for _, rev := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/reverse=%v", s.name, rev), func(b *testing.B) {
				ql := filled(s.fill, s.depth, 100000)
				b.ReportAllocs()
				b.ResetTimer()
				var out []byte
				x := uint32(1)
				for i := 0; i < b.N; i++ {
					x = x*1664525 + 1013904223
					it := ql.Iter(int(x%99000)+500, rev)
					out = out[:0]
					for k := 0; k < 100; k++ {
						e, ok := it.Next()
						if !ok {
							b.Fatal("short")
						}
						out = e.AppendTo(out)
					}
				}
			})
		}
	}
}

// BenchmarkInsert is LINSERT next to an element near the middle of a list of
// 10,000 (the pivot search dominates, as in Redis).
func BenchmarkInsert(b *testing.B) {
	ql := filled(-2, 0, 10000)
	pivot := []byte("element-5000-with-some-padding")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ql.Insert(pivot, benchValue, true)
		if i%1000 == 999 {
			ql.Remove(benchValue, 0)
		}
	}
}
