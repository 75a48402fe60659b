package engine

import (
	"fmt"
	"testing"

	"github.com/keygrid/keygrid/engine/resp"
)

// benchClient builds a server and a client that is not attached to a socket, so the
// benchmark measures exactly the engine's hot path: parse, look up, execute, reply.
func benchClient(b *testing.B) (*Server, *Client) {
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	c := &Client{srv: s, fd: -1, id: 1, db: s.dbs[0], proto: 2, flags: flagAuthenticated}
	c.req.MaxBulk = s.cfg.ProtoMaxBulkLen
	c.req.Reset()
	return s, c
}

func pipeline(n int, args ...string) []byte {
	var one []byte
	one = resp.AppendArray(one, len(args))
	for _, a := range args {
		one = resp.AppendBulkString(one, a)
	}
	var b []byte
	for i := 0; i < n; i++ {
		b = append(b, one...)
	}
	return b
}

// BenchmarkHotPath runs GET and SET requests, one and sixteen per read (redis-benchmark's
// -P 1 and -P 16), through processInput. The bar is 0 allocs/op.
func BenchmarkHotPath(b *testing.B) {
	for _, cmd := range [][]string{
		{"SET", "key:__rand_int__", "xxx"},
		{"GET", "key:__rand_int__"},
		{"INCR", "counter:__rand_int__"},
	} {
		for _, p := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/P%d", cmd[0], p), func(b *testing.B) {
				s, c := benchClient(b)
				s.processInput(c, pipeline(1, "SET", "key:__rand_int__", "xxx"))
				s.processInput(c, pipeline(1, "SET", "counter:__rand_int__", "100"))
				c.out = c.out[:0]
				benchInput(b, s, c, pipeline(p, cmd...), p)
			})
		}
	}
}

// benchInput feeds buf, which holds p requests, through processInput b.N/p times. The
// bars are in allocs/op: it reports them.
func benchInput(b *testing.B, s *Server, c *Client, buf []byte, p int) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += p {
		feedInput(b, s, c, buf)
	}
}

// feedInput runs buf through processInput and drops the replies as the loop's write
// would, so that a benchmark times only the engine's work.
func feedInput(b *testing.B, s *Server, c *Client, buf []byte) {
	if n := s.processInput(c, buf); n != len(buf) {
		b.Fatalf("processed %d of %d bytes", n, len(buf))
	}
	c.out = c.out[:0]
	s.pendingWrite = s.pendingWrite[:0]
	c.flags &^= flagPendingWrite
}
