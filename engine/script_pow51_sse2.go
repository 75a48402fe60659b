package engine

// pow51's other build. glibc picks its pow by ifunc when libm is loaded:
// __pow_fma (compiled with -mfma -mavx2) where the CPU has FMA and AVX2 and
// both are usable, else __pow_fma4 on a CPU with FMA4 (AMD's 2011-2014
// families only), else __pow_sse2, the source compiled for plain x86-64. The
// SSE2 build takes e_pow.c's #else branches (no __FP_FAST_FMA): log's r is
// built from a split z so that rhi·rhi is exact, y·log x from 26-bit halves,
// and every product is rounded on its own. Its results differ from
// __pow_fma's in the last bit about 8 times in 10,000 random calls. keygrid
// takes the build glibc would take for redis-server on the same machine, so
// scripts' arithmetic stays the same as Redis's on older or virtual CPUs
// without FMA or AVX2, and under GLIBC_TUNABLES=glibc.cpu.hwcaps=-FMA (or
// -AVX2), which makes glibc take __pow_sse2 (and is how the test compares
// this build with redis-server's). __pow_fma4 is not ported: such a CPU
// gets the SSE2 build here.

import (
	"math"
	"os"
	"runtime"
	"strings"

	"golang.org/x/sys/cpu"
)

// powFMA selects __pow_fma's arithmetic (pow51's), else __pow_sse2's.
var powFMA = powUseFMA(runtime.GOARCH, cpu.X86.HasFMA, cpu.X86.HasAVX2, os.Getenv("GLIBC_TUNABLES"))

// powUseFMA is glibc's choice of pow on goarch for a CPU with (or without)
// usable FMA and AVX2, under the tunables string tunables. Off x86-64 the
// FMA build is kept: arm64 and the others fuse a·b + c in every build.
func powUseFMA(goarch string, hasFMA, hasAVX2 bool, tunables string) bool {
	if goarch != "amd64" {
		return true
	}
	// GLIBC_TUNABLES is name=value pairs split by ':'; glibc.cpu.hwcaps
	// is a ',' list of features, "-NAME" turning one off (2.36's names).
	for _, t := range strings.Split(tunables, ":") {
		v, ok := strings.CutPrefix(t, "glibc.cpu.hwcaps=")
		if !ok {
			continue
		}
		for _, f := range strings.Split(v, ",") {
			switch f {
			case "-FMA":
				hasFMA = false
			case "-AVX2":
				hasAVX2 = false
			}
		}
	}
	return hasFMA && hasAVX2
}

// powSSE2 is pow51 from the logarithm on, for x's bits ix (positive, normal
// or normalized) and y, as __pow_sse2 computes it.
func powSSE2(ix uint64, y float64, signBias uint64) float64 {
	hi, lo := powLogSSE2(ix)
	// y·(hi + lo) as ehi + elo: the 26-bit halves' products are exact.
	yhi := math.Float64frombits(math.Float64bits(y) &^ (1<<27 - 1))
	ylo := y - yhi
	lhi := math.Float64frombits(math.Float64bits(hi) &^ (1<<27 - 1))
	llo := hi - lhi + lo
	ehi := float64(yhi * lhi)
	elo := float64(ylo*lhi) + float64(y*llo)
	return powExp(ehi, elo, signBias, false)
}

// powLogSSE2 is powLog without fused operations (log_inline's #else
// branches): z = zhi + zlo with zhi's low 32 bits clear, so r = rhi + rlo
// with rhi·rhi exact, and -r²/2's rounding error taken from those halves.
func powLogSSE2(ix uint64) (hi, lo float64) {
	tmp := ix - powOff
	i := (tmp >> (52 - 7)) % 128
	k := int64(tmp) >> 52
	iz := ix - (tmp & (0xfff << 52))
	z := math.Float64frombits(iz)
	kd := float64(k)
	e := &powLogTab[i]
	zhi := math.Float64frombits((iz + 1<<31) &^ (1<<32 - 1))
	zlo := z - zhi
	rhi := float64(zhi*e.invc) - 1
	rlo := float64(zlo * e.invc)
	r := rhi + rlo
	t1 := float64(kd*powLn2Hi) + e.logc
	t2 := t1 + r
	lo1 := float64(kd*powLn2Lo) + e.logctail
	lo2 := t1 - t2 + r
	a := &powLogPoly
	ar := float64(a[0] * r) // a[0] = -1/2
	ar2 := float64(r * ar)
	ar3 := float64(r * ar2)
	arhi := float64(a[0] * rhi)
	arhi2 := float64(rhi * arhi)
	hi = t2 + arhi2
	lo3 := float64(rlo * (ar + arhi))
	lo4 := t2 - hi + arhi2
	// p = ar3·(A1 + r·A2 + ar2·(A3 + r·A4 + ar2·(A5 + r·A6))), left to right.
	q := a[3] + float64(r*a[4]) + float64(ar2*(a[5]+float64(r*a[6])))
	q = a[1] + float64(r*a[2]) + float64(ar2*q)
	p := float64(ar3 * q)
	lo = lo1 + lo2 + lo3 + lo4 + p
	y := hi + lo
	return y, hi - y + lo
}
