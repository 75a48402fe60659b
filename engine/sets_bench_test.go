package engine

import (
	"strconv"
	"testing"
)

// BenchmarkSetPopAdd times the set writes redis-benchmark -r sends (SPOP that finds a
// member, SADD of a new member), one request per processInput, on a hashtable set of
// 100,000 members: SPOP deletes the member it drew without looking it up again, and
// the memory accounting after each write is O(1). The bar for SPOP is 0 allocs/op;
// SADD of a new member allocates the member's copy.
func BenchmarkSetPopAdd(b *testing.B) {
	const members = 100000
	var fill [][]byte // SADD requests that (re)fill the set
	for i := 0; i < members; i += 1000 {
		args := []string{"SADD", "myset"}
		for j := i; j < i+1000; j++ {
			args = append(args, "element:"+strconv.Itoa(j))
		}
		fill = append(fill, pipeline(1, args...))
	}
	feed := func(s *Server, c *Client, reqs [][]byte) {
		for _, r := range reqs {
			s.processInput(c, r)
			c.out = c.out[:0]
			s.pendingWrite = s.pendingWrite[:0]
			c.flags &^= flagPendingWrite
		}
	}
	// batches runs b.N requests from next in batches of at most max, with reset (not
	// timed) between batches.
	batches := func(b *testing.B, s *Server, c *Client, max int, next func(i int) []byte, reset func()) {
		one := make([][]byte, 1)
		b.ReportAllocs()
		b.ResetTimer()
		for done := 0; done < b.N; {
			n := min(b.N-done, max)
			for i := 0; i < n; i++ {
				one[0] = next(i)
				feed(s, c, one)
			}
			done += n
			if done < b.N {
				b.StopTimer()
				reset()
				b.StartTimer()
			}
		}
	}
	b.Run("SPOP", func(b *testing.B) {
		s, c := benchClient(b)
		feed(s, c, fill)
		pop := pipeline(1, "SPOP", "myset")
		// At most half the set goes before it is filled again: every SPOP finds a
		// member in a set of about the same size.
		batches(b, s, c, members/2, func(int) []byte { return pop }, func() { feed(s, c, fill) })
	})
	b.Run("SADD-new", func(b *testing.B) {
		s, c := benchClient(b)
		feed(s, c, fill)
		const batch = 4096
		add := make([][]byte, batch)
		var undo [][]byte
		for i := range add {
			add[i] = pipeline(1, "SADD", "myset", "new:"+strconv.Itoa(i))
			undo = append(undo, pipeline(1, "SREM", "myset", "new:"+strconv.Itoa(i)))
		}
		batches(b, s, c, batch, func(i int) []byte { return add[i] }, func() { feed(s, c, undo) })
	})
}
