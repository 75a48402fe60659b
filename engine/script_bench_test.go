package engine

import (
	"strings"
	"testing"
)

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
		feedInput(b, s, c, buf)
	}
}

// EVALSHA of a one-command script allocates only what the Lua values need (the
// key as a Lua string, the reply as a Lua number): the run, the KEYS/ARGV tables,
// the argv of redis.call (which points into the Lua strings) and the script lookup
// reuse their storage, and the chunk builds no vararg table (issue #4). Digests
// still match in upper case.
func TestEvalshaAllocs(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := &Client{srv: s, fd: -1, id: 1, db: s.dbs[0], proto: 2, flags: flagAuthenticated}
	c.req.MaxBulk = s.cfg.ProtoMaxBulkLen
	c.req.Reset()
	s.processInput(c, pipeline(1, "SCRIPT", "LOAD", "return redis.call('incr',KEYS[1])"))
	sha := string(c.out[5 : 5+40])
	run := func(buf []byte) string {
		c.out = c.out[:0]
		s.processInput(c, buf)
		s.pendingWrite = s.pendingWrite[:0]
		c.flags &^= flagPendingWrite
		return string(c.out)
	}
	if got := run(pipeline(1, "EVALSHA", strings.ToUpper(sha), "1", "ctr")); got != ":1\r\n" {
		t.Fatalf("EVALSHA upper-case = %q", got)
	}
	buf := pipeline(1, "EVALSHA", sha, "1", "ctr")
	if got := run(buf); got != ":2\r\n" {
		t.Fatalf("EVALSHA = %q", got)
	}
	if n := testing.AllocsPerRun(200, func() { run(buf) }); n > 4 {
		t.Errorf("EVALSHA: %.1f allocations per call", n)
	}
}
