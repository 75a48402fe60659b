package engine

import "testing"

// BenchmarkEvalshaEngine runs EVALSHA of issue #4's script through
// processInput on a socketless client, so it measures the engine's per-call
// cost of a script (BenchmarkEvalsha adds a TCP round trip).
func BenchmarkEvalshaEngine(b *testing.B) {
	s, c := benchClient(b)
	s.processInput(c, pipeline(1, "SCRIPT", "LOAD", "return redis.call('incr',KEYS[1])"))
	sha := string(c.out[5 : 5+40])
	c.out = c.out[:0]
	buf := pipeline(1, "EVALSHA", sha, "1", "ctr")
	s.processInput(c, buf)
	if string(c.out) != ":1\r\n" {
		b.Fatalf("EVALSHA replied %q", c.out)
	}
	c.out = c.out[:0]
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if n := s.processInput(c, buf); n != len(buf) {
			b.Fatalf("processed %d of %d bytes", n, len(buf))
		}
		c.out = c.out[:0]
		s.pendingWrite = s.pendingWrite[:0]
		c.flags &^= flagPendingWrite
	}
}
