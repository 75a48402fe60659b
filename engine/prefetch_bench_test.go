package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/keygrid/keygrid/engine/resp"
	"golang.org/x/sys/unix"
)

// BenchmarkBigKeyspace runs pipelined GETs and SETs of random existing keys against a
// server holding many keys (issue #3: a big keyspace must not slow the loop down). The
// keys are named as redis-benchmark -r names them (key:%012d) with 3-byte values, as
// internal/bench/big_keyspace.sh loads them. ns/op is per command. The key count is
// KEYGRID_BENCH_KEYS (default 2,000,000; the figure is 5,000,000, which needs
// about 0.5 GB); KEYGRID_BENCH_KEYS=1000 gives the cache-resident baseline, and
// KEYGRID_BENCH_NO_LOOKAHEAD=1 turns the lookahead (prefetch.go) off.
func BenchmarkBigKeyspace(b *testing.B) {
	nkeys := 2_000_000
	if v := os.Getenv("KEYGRID_BENCH_KEYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("KEYGRID_BENCH_KEYS=%q", v)
		}
		nkeys = n
	}
	if os.Getenv("KEYGRID_BENCH_NO_LOOKAHEAD") != "" {
		// The baseline the lookahead is measured against.
		old := prefetchMinKeys
		prefetchMinKeys = math.MaxInt
		defer func() { prefetchMinKeys = old }()
	}
	s, c := benchClient(b)
	loadBenchKeys(b, s, c, nkeys)
	// Many distinct pipelines of random keys, cycled through, so the keys are not in
	// cache from the previous round: 65,536 lookups per cycle whatever the pipeline.
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range []string{"GET", "SET"} {
		for _, p := range []int{1, 16} {
			bufs := make([][]byte, 65536/p)
			for i := range bufs {
				var buf []byte
				for j := 0; j < p; j++ {
					key := fmt.Sprintf("key:%012d", rng.IntN(nkeys))
					if name == "GET" {
						buf = appendBenchCmd(buf, "GET", key)
					} else {
						buf = appendBenchCmd(buf, "SET", key, "xxx")
					}
				}
				bufs[i] = buf
			}
			b.Run(fmt.Sprintf("%s/P%d", name, p), func(b *testing.B) {
				c.out = c.out[:0]
				// The machine is shared: wall time counts the time other processes held
				// the CPU, so also report this thread's own CPU time per command.
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				cpu0 := threadCPU()
				b.ReportAllocs()
				b.ResetTimer()
				k := 0
				for i := 0; i < b.N; i += p {
					buf := bufs[k&(len(bufs)-1)]
					k++
					feedInput(b, s, c, buf)
				}
				b.StopTimer()
				b.ReportMetric(float64(threadCPU()-cpu0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// threadCPU is the CPU time the calling OS thread has used, in ns.
func threadCPU() int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func appendBenchCmd(buf []byte, args ...string) []byte {
	buf = resp.AppendArray(buf, len(args))
	for _, a := range args {
		buf = resp.AppendBulkString(buf, a)
	}
	return buf
}

// loadBenchKeys SETs key:%012d = "xxx" for n keys through processInput, in pipelines.
func loadBenchKeys(b *testing.B, s *Server, c *Client, n int) {
	b.Helper()
	var buf []byte
	for i := 0; i < n; i++ {
		buf = appendBenchCmd(buf, "SET", fmt.Sprintf("key:%012d", i), "xxx")
		if len(buf) > 32*1024 || i == n-1 {
			if used := s.processInput(c, buf); used != len(buf) {
				b.Fatalf("load: processed %d of %d bytes", used, len(buf))
			}
			buf = buf[:0]
			c.out = c.out[:0]
			s.pendingWrite = s.pendingWrite[:0]
			c.flags &^= flagPendingWrite
		}
	}
	if got := s.dbs[0].Len(); got != n {
		b.Fatalf("loaded %d keys, want %d", got, n)
	}
	// The server's cron would finish a resize the load started within seconds; nothing
	// runs it here, so finish it, or every lookup would probe two tables.
	for _, d := range s.dbs[0].Dicts() {
		for d.Rehash(1000) {
		}
	}
}
