package engine

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
)

// BenchmarkZsetHotPath runs sorted set commands through processInput, one and
// sixteen per read, as redis-benchmark sends them: ZADD of one member (its "zadd"
// test without -r), ZADD of random members into a large set, ZSCORE, ZRANK, ZRANGE
// of the first ten, ZPOPMIN and re-adding. The bar is 0 allocs/op.
func BenchmarkZsetHotPath(b *testing.B) {
	type bench struct {
		name string
		size int // members preloaded in "big"
		cmds func(i int) []string
	}
	for _, bc := range []bench{
		{"ZADD-same", 0, func(int) []string { return []string{"ZADD", "myzset", "0", "element:000000000000"} }},
		{"ZADD-random-1M", 1000000, func(i int) []string {
			return []string{"ZADD", "big", strconv.Itoa(i * 7919 % 1000003), "m" + strconv.Itoa(i*104729%1000000)}
		}},
		{"ZSCORE-1M", 1000000, func(i int) []string { return []string{"ZSCORE", "big", "m" + strconv.Itoa(i*104729%1000000)} }},
		{"ZRANK-1M", 1000000, func(i int) []string { return []string{"ZRANK", "big", "m" + strconv.Itoa(i*104729%1000000)} }},
		{"ZRANGE10-1M", 1000000, func(int) []string { return []string{"ZRANGE", "big", "0", "9", "WITHSCORES"} }},
		{"ZINCRBY-small", 100, func(i int) []string { return []string{"ZINCRBY", "big", "1.5", "m" + strconv.Itoa(i%100)} }},
	} {
		for _, p := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/P%d", bc.name, p), func(b *testing.B) {
				s, c := benchClient(b)
				if bc.size > 0 {
					args := []string{"ZADD", "big"}
					for i := 0; i < bc.size; i++ {
						args = append(args, strconv.Itoa(rand.IntN(1000000)), "m"+strconv.Itoa(i))
						if len(args) > 2000 || i == bc.size-1 {
							s.processInput(c, pipeline(1, args...))
							args = args[:2]
							c.out = c.out[:0]
						}
					}
				}
				// Pre-build 64 distinct pipelines so the work varies.
				var bufs [][]byte
				for k := 0; k < 64; k++ {
					var buf []byte
					for j := 0; j < p; j++ {
						buf = append(buf, pipeline(1, bc.cmds(k*p+j)...)...)
					}
					bufs = append(bufs, buf)
				}
				c.out = c.out[:0]
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i += p {
					buf := bufs[(i/p)%len(bufs)]
					feedInput(b, s, c, buf)
				}
			})
		}
	}
}

// BenchmarkZpopminZadd is ZPOPMIN followed by a ZADD of a new member, on a large set.
func BenchmarkZpopminZadd(b *testing.B) {
	s, c := benchClient(b)
	args := []string{"ZADD", "big"}
	for i := 0; i < 100000; i++ {
		args = append(args, strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	s.processInput(c, pipeline(1, args...))
	var bufs [][]byte
	for k := 0; k < 64; k++ {
		buf := pipeline(1, "ZPOPMIN", "big")
		buf = append(buf, pipeline(1, "ZADD", "big", strconv.Itoa(200000+k), "n"+strconv.Itoa(k))...)
		bufs = append(bufs, buf)
	}
	c.out = c.out[:0]
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf := bufs[i%len(bufs)]
		s.processInput(c, buf)
		c.out = c.out[:0]
		s.pendingWrite = s.pendingWrite[:0]
		c.flags &^= flagPendingWrite
	}
}

func BenchmarkGeoSearch(b *testing.B) {
	s, c := benchClient(b)
	args := []string{"GEOADD", "g"}
	rng := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 100000; i++ {
		args = append(args, strconv.FormatFloat(rng.Float64()*20-10, 'f', 6, 64),
			strconv.FormatFloat(rng.Float64()*20-10, 'f', 6, 64), "p"+strconv.Itoa(i))
	}
	s.processInput(c, pipeline(1, args...))
	buf := pipeline(1, "GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "50", "km", "WITHDIST", "ASC")
	c.out = c.out[:0]
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.processInput(c, buf)
		c.out = c.out[:0]
		s.pendingWrite = s.pendingWrite[:0]
		c.flags &^= flagPendingWrite
	}
}

// BenchmarkZpopminDrain pops from a set of two million random members, as
// redis-benchmark's ZPOPMIN after a fill does.
func BenchmarkZpopminDrain(b *testing.B) {
	s, c := benchClient(b)
	rng := rand.New(rand.NewPCG(1, 1))
	args := []string{"ZADD", "big"}
	for i := 0; i < 2000000; i++ {
		args = append(args, strconv.Itoa(rng.IntN(100000000)), "m:"+strconv.Itoa(rng.IntN(100000000)))
		if len(args) > 2000 {
			s.processInput(c, pipeline(1, args...))
			args = args[:2]
			c.out = c.out[:0]
		}
	}
	buf := pipeline(16, "ZPOPMIN", "big")
	c.out = c.out[:0]
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N && i < 1900000; i += 16 {
		s.processInput(c, buf)
		c.out = c.out[:0]
		s.pendingWrite = s.pendingWrite[:0]
		c.flags &^= flagPendingWrite
	}
}
