package proxy

import (
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// BenchmarkProxyRedisBenchmark runs redis-benchmark through an in-process proxy, so
// `go test -bench ProxyRedis -benchtime 1x -cpuprofile` profiles the proxy under a
// real load. The whole-system comparison is internal/bench/proxy.sh.
func BenchmarkProxyRedisBenchmark(b *testing.B) {
	if _, err := exec.LookPath("redis-benchmark"); err != nil {
		b.Skip("redis-benchmark not found")
	}
	cl := testutil.StartCluster(b, testutil.ClusterServer(), 3, 0)
	cfg := DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	cfg.Seeds = cl.Addrs()[:1]
	p, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(); err != nil {
		b.Fatal(err)
	}
	defer p.Shutdown()
	_, port, _ := strings.Cut(p.Addr(), ":")
	for _, t := range []string{"get", "set"} {
		for _, pipe := range []string{"1", "16"} {
			b.Run(t+"/P"+pipe, func(b *testing.B) {
				for range b.N {
					var before, after runtime.MemStats
					var ru0, ru1 syscall.Rusage
					runtime.ReadMemStats(&before)
					syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
					out, err := exec.Command("redis-benchmark", "-p", port, "-q", "-t", t, "-n", "100000",
						"-c", "50", "-r", "100000", "-P", pipe).CombinedOutput()
					if err != nil {
						b.Fatalf("%v: %s", err, out)
					}
					syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
					runtime.ReadMemStats(&after)
					// CPU of this process (the proxy; the nodes and redis-benchmark are
					// others) per request: on a shared 2-core machine, the figure that
					// decides throughput.
					cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
					b.ReportMetric(float64(cpu.Nanoseconds())/100000/1000, "cpu-us/req")
					// The whole process's allocations (test harness included) per request:
					// the steady-state hot path should contribute nothing.
					b.ReportMetric(float64(after.Mallocs-before.Mallocs)/100000, "allocs/req")
					b.Logf("%s", strings.TrimSpace(string(out[strings.LastIndexByte(string(out), '\r')+1:])))
				}
			})
		}
	}
}
