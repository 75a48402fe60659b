package engine

// pow51's SSE2 build (script_pow51_sse2.go) against redis-server running
// glibc's __pow_sse2, which GLIBC_TUNABLES makes glibc pick on any x86-64 CPU.

import (
	"math"
	"runtime"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
)

func TestPowUseFMA(t *testing.T) {
	for _, c := range []struct {
		goarch    string
		fma, avx2 bool
		tunables  string
		want      bool
	}{
		{"amd64", true, true, "", true},
		{"amd64", false, true, "", false},
		{"amd64", true, false, "", false},
		{"amd64", true, true, "glibc.cpu.hwcaps=-FMA", false},
		{"amd64", true, true, "glibc.cpu.hwcaps=-AVX2", false},
		{"amd64", true, true, "glibc.malloc.check=3:glibc.cpu.hwcaps=-AVX512F,-AVX2", false},
		{"amd64", true, true, "glibc.cpu.hwcaps=-AVX2_Usable", true}, // 2.26-2.32's name: 2.36 ignores it
		{"amd64", true, true, "glibc.cpu.hwcaps=-AVX512F", true},
		{"amd64", true, true, "glibc.cpu.x86_hwcaps=-FMA", true},
		{"arm64", false, false, "glibc.cpu.hwcaps=-FMA", true},
	} {
		if got := powUseFMA(c.goarch, c.fma, c.avx2, c.tunables); got != c.want {
			t.Errorf("powUseFMA(%s, fma %v, avx2 %v, %q) = %v, want %v", c.goarch, c.fma, c.avx2, c.tunables, got, c.want)
		}
	}
}

// TestScriptPowSSE2DiffRedis starts redis-server and the keygrid binary with
// GLIBC_TUNABLES=glibc.cpu.hwcaps=-FMA: glibc gives redis-server __pow_sse2,
// and keygrid must take the same build and give every digit redis-server
// gives. The pairs must include some where the two builds differ, or the
// test would show nothing.
func TestScriptPowSSE2DiffRedis(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("glibc's SSE2 pow is x86-64's")
	}
	t.Setenv("GLIBC_TUNABLES", "glibc.cpu.hwcaps=-FMA")
	rs, ks := testutil.StartRedis(t), testutil.StartKeygrid(t)
	rc, kc := rs.Conn(t), ks.Conn(t)
	ps := powTestPairs(20000)
	differ := 0
	defer func(v bool) { powFMA = v }(powFMA)
	for _, p := range ps {
		powFMA = true
		a := pow51(p[0], p[1])
		powFMA = false
		if b := pow51(p[0], p[1]); math.Float64bits(a) != math.Float64bits(b) && (a == a || b == b) {
			differ++
		}
	}
	t.Logf("%d of %d pairs differ between the FMA and SSE2 builds", differ, len(ps))
	if differ < 5 {
		t.Fatalf("only %d pairs tell the builds apart", differ)
	}
	powDiff(t, rc, kc, ps, "redis-server (SSE2)")
}
