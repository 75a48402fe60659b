// bench_test.go: the hot paths of small hashes and list nodes.

package listpack

import (
	"strconv"
	"testing"
)

// hash128 is a listpack of 64 field/value pairs, the shape of a small hash.
func hash128() (Listpack, [][]byte) {
	var lp Listpack
	var fields [][]byte
	for i := 0; i < 64; i++ {
		f := []byte("field:" + strconv.Itoa(i))
		fields = append(fields, f)
		lp.Append(f)
		lp.Append([]byte("value-" + strconv.Itoa(i*7)))
	}
	return lp, fields
}

func BenchmarkFind(b *testing.B) {
	lp, fields := hash128()
	b.Run("hit-middle", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if lp.Find(lp.First(), fields[32], 1) < 0 {
				b.Fatal("not found")
			}
		}
	})
	b.Run("miss", func(b *testing.B) {
		b.ReportAllocs()
		miss := []byte("field:none")
		for i := 0; i < b.N; i++ {
			if lp.Find(lp.First(), miss, 1) >= 0 {
				b.Fatal("found")
			}
		}
	})
	b.Run("int-miss", func(b *testing.B) {
		var ints Listpack
		for i := 0; i < 128; i++ {
			ints.AppendInt(int64(i * 1000))
		}
		b.ReportAllocs()
		v := []byte("7")
		for i := 0; i < b.N; i++ {
			ints.Find(ints.First(), v, 0)
		}
	})
}

func BenchmarkIterate(b *testing.B) {
	lp, _ := hash128()
	b.ReportAllocs()
	var buf []byte
	for i := 0; i < b.N; i++ {
		for p := lp.First(); p >= 0; p = lp.Next(p) {
			buf = lp.Get(p).AppendTo(buf[:0])
		}
	}
}

func BenchmarkSeek(b *testing.B) {
	lp, _ := hash128()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		lp.Seek(i % 128)
	}
}

// BenchmarkPushPop is the LPUSH/RPOP pattern inside one node: prepend at the head
// (memmove of the node, as in Redis), delete at the tail.
func BenchmarkPushPop(b *testing.B) {
	v := []byte("a list element of some 30 bytes")
	for _, size := range []int{16, 128, 512} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			var lp Listpack
			for i := 0; i < size; i++ {
				lp.Append(v)
			}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				lp.Prepend(v)
				lp.Delete(lp.Last(), 1)
			}
		})
	}
}

func BenchmarkAppend(b *testing.B) {
	v := []byte("value")
	b.Run("string", func(b *testing.B) {
		b.ReportAllocs()
		lp := New()
		for i := 0; i < b.N; i++ {
			if i%1024 == 0 {
				lp = lp[:7]
				copy(lp, empty[:])
			}
			lp.Append(v)
		}
	})
	b.Run("int-string", func(b *testing.B) {
		b.ReportAllocs()
		lp := New()
		n := []byte("123456")
		for i := 0; i < b.N; i++ {
			if i%1024 == 0 {
				lp = lp[:7]
				copy(lp, empty[:])
			}
			lp.Append(n)
		}
	})
}

func BenchmarkReplace(b *testing.B) {
	lp, fields := hash128()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p := lp.Find(lp.First(), fields[i%64], 1)
		lp.ReplaceInt(lp.Next(p), int64(i))
	}
}

func BenchmarkValidate(b *testing.B) {
	lp, _ := hash128()
	b.SetBytes(int64(len(lp)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := Validate(lp, true); err != nil {
			b.Fatal(err)
		}
	}
}
