package proxy

import (
	"os/exec"
	"runtime"
	"strings"
	"testing"

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
					runtime.ReadMemStats(&before)
					out, err := exec.Command("redis-benchmark", "-p", port, "-q", "-t", t, "-n", "100000",
						"-c", "50", "-r", "100000", "-P", pipe).CombinedOutput()
					if err != nil {
						b.Fatalf("%v: %s", err, out)
					}
					runtime.ReadMemStats(&after)
					// The whole process's allocations (test harness included) per request:
					// the steady-state hot path should contribute nothing.
					b.ReportMetric(float64(after.Mallocs-before.Mallocs)/100000, "allocs/req")
					b.Logf("%s", strings.TrimSpace(string(out[strings.LastIndexByte(string(out), '\r')+1:])))
				}
			})
		}
	}
}
