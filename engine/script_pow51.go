package engine

// pow for Lua's ^ and math.pow (luai_numpow is C's pow, glibc's in
// redis-server). pow51 returns glibc's double for every x and y: it is a port
// of glibc's pow (2.28 and later; sysdeps/ieee754/dbl-64/e_pow.c, which comes
// from Arm's optimized-routines, math/pow.c), with its tables
// (script_pow51_data.go, where the license is). glibc's pow is not correctly
// rounded (its stated bound is 0.54 ULP): about once in 2000 random calls
// (651 in 1.2 million here), when x^y lies within a few hundredths of an ULP
// of halfway between two doubles, it returns the other neighbour
// (pow(1-2^-53, -1) is 1, not 1+2^-52), and so must we. Go's math.Pow was off
// in the last bits for about half of the results (2^-0.5, 10^1.5), and by far
// more for a subnormal base.
//
// The algorithm: x = 2^k·z, z in [0x1.69555p-1, 0x1.69555p0) picks one of 128
// table entries c, and log x = k·ln2 + log c + log1p(z/c - 1), computed as
// hi + lo with about 68 bits (powLog); y·log x as ehi + elo; and e^(ehi+elo)
// = 2^(n/128)·e^r with |r| <= ln2/256 from a 128-entry table of 2^(j/128) and
// a degree-5 polynomial (powExp), the result's sign (a negative base to an
// odd integer) folded into the scale's bits; results near overflow or in the
// subnormal range are scaled and rounded once (powExpScaled).
//
// The arithmetic is glibc's as it runs here. On x86-64 glibc picks (by ifunc)
// one of three builds of pow: on a CPU with FMA and AVX2 (this machine, and
// most x86-64 CPUs since about 2013-2015) the one compiled with -mfma -mavx2,
// __pow_fma, else an FMA4 or a plain SSE2 build, whose results differ in the
// last bit now and then; pow51 follows __pow_fma, or __pow_sse2 where glibc
// would pick that one (script_pow51_sse2.go). In it the source's explicit
// fma() calls are fused and GCC (-ffp-contract=fast) fuses most other a*b + c
// as well; which ones was read from the machine code of Debian 12's
// libm.so.6 (glibc 2.36), and every operation below is the one glibc
// executes: math.FMA where it fuses (exact on any CPU: Go falls back to
// software), float64(a*b) where it rounds the product first (the conversion
// keeps Go from fusing it into the next addition, which the language allows).
// testdata/pow_glibc.txt holds glibc's own results; pow51 matched glibc on
// 1.2 million pairs of all kinds.
//
// Zero, infinite and NaN operands are C99's special cases (Annex F.9.4.4),
// taken by powSpecial as before (glibc gives the same values); a negative
// base, |y| below 2^-65 or from 2^63 on, and a subnormal base are handled in
// pow51 as glibc handles them.

import "math"

const (
	powSignBias = 0x800 << 7         // added to the exponent index: sets the result's sign bit
	powOff      = 0x3fe6955500000000 // log's reduction: z in [OFF, 2·OFF) as bits
	powOneBits  = 0x3ff0000000000000
)

// pow51 is C99's pow(x, y), glibc's. A NaN result is some NaN; lua51Pow gives
// it glibc's sign.
func pow51(x, y float64) float64 {
	ix, iy := math.Float64bits(x), math.Float64bits(y)
	topx, topy := uint32(ix>>52), uint32(iy>>52)
	var signBias uint64
	// Anything but a positive normal x and 2^-65 <= |y| < 2^63.
	if topx-1 >= 0x7ff-1 || (topy&0x7ff)-0x3be >= 0x43e-0x3be {
		if powZeroInfNaN(iy) || powZeroInfNaN(ix) {
			return powSpecial(x, y)
		}
		// x and y are finite and not zero.
		if ix>>63 != 0 {
			switch powCheckInt(iy) {
			case 0: // a negative base to a non-integer: invalid
				return math.NaN()
			case 1:
				signBias = powSignBias
			}
			ix &^= 1 << 63
			topx &= 0x7ff
		}
		if (topy&0x7ff)-0x3be >= 0x43e-0x3be {
			// |y| < 2^-65 or |y| >= 2^63 (an even integer: no sign).
			switch {
			case ix == powOneBits:
				return 1
			case topy&0x7ff < 0x3be: // x^y is 1 + y·log x, within half an ULP of 1
				if ix > powOneBits {
					return 1 + y
				}
				return 1 - y
			case (ix > powOneBits) == (topy < 0x800):
				return math.Inf(1)
			}
			return 0
		}
		if topx == 0 { // subnormal: normalized, the exponent below the field's range
			ix = math.Float64bits(x*0x1p52) &^ (1 << 63)
			ix -= 52 << 52
		}
	}
	if !powFMA {
		return powSSE2(ix, y, signBias)
	}
	hi, lo := powLog(ix)
	ehi := float64(y * hi)
	elo := math.FMA(y, lo, math.FMA(y, hi, -ehi))
	return powExp(ehi, elo, signBias, true)
}

// powSpecial is pow(x, y) when x or y is a zero, an infinity or a NaN.
func powSpecial(x, y float64) float64 {
	// C99's order of precedence: y = ±0 and x = 1 give 1 even with a NaN
	// for the other; then a NaN gives a NaN.
	switch {
	case y == 0 || x == 1:
		return 1
	case x != x || y != y:
		return x + y
	case math.IsInf(y, 0):
		ax := math.Abs(x)
		switch {
		case ax == 1: // (-1)^±inf
			return 1
		case (ax < 1) == (y < 0):
			return math.Inf(1)
		}
		return 0
	case x == 0: // ±0: the zero's sign survives an odd integer power
		if y < 0 {
			if powOddInt(y) {
				return 1 / x
			}
			return math.Inf(1)
		}
		if powOddInt(y) {
			return x
		}
		return 0
	}
	// x = ±inf.
	if x < 0 && powOddInt(y) {
		if y < 0 {
			return math.Copysign(0, -1)
		}
		return x
	}
	if y < 0 {
		return 0
	}
	return math.Inf(1)
}

// powOddInt reports whether y is an odd integer (all doubles from 2^53 on
// are even).
func powOddInt(y float64) bool {
	return math.Abs(y) < 1<<53 && y == math.Trunc(y) && int64(y)&1 != 0
}

// powCheckInt is 0 if the finite, non-zero double with bits iy is not an
// integer, 1 if it is an odd one, 2 if an even one.
func powCheckInt(iy uint64) int {
	e := int(iy >> 52 & 0x7ff)
	switch {
	case e < 0x3ff:
		return 0
	case e > 0x3ff+52:
		return 2
	case iy&(1<<(0x3ff+52-e)-1) != 0:
		return 0
	case iy&(1<<(0x3ff+52-e)) != 0:
		return 1
	}
	return 2
}

// powZeroInfNaN reports whether bits i are a zero, an infinity or a NaN.
func powZeroInfNaN(i uint64) bool {
	return 2*i-1 >= 2*math.Float64bits(math.Inf(1))-1
}

// powLog returns log x as hi + lo (lo about 15 bits beyond hi) for the bits
// ix of a positive x, normal or normalized (a subnormal's with its exponent
// field lowered, through 0 into the sign bit).
func powLog(ix uint64) (hi, lo float64) {
	// x = 2^k·z, z in [OFF, 2·OFF) exactly; i, z's subinterval, picks c
	// near its centre.
	tmp := ix - powOff
	i := (tmp >> (52 - 7)) % 128
	k := int64(tmp) >> 52
	z := math.Float64frombits(ix - (tmp & (0xfff << 52)))
	kd := float64(k)
	e := &powLogTab[i]
	// log x = k·ln2 + log c + log1p(r), r = z/c - 1, exact (1/c has few bits).
	r := math.FMA(z, e.invc, -1)
	t1 := math.FMA(kd, powLn2Hi, e.logc)
	t2 := t1 + r
	lo1 := math.FMA(kd, powLn2Lo, e.logctail)
	lo2 := t1 - t2 + r
	a := &powLogPoly
	ar := float64(a[0] * r) // a[0] = -1/2
	ar2 := float64(r * ar)
	ar3 := float64(r * ar2)
	// k·ln2 + log c + r - r²/2 as hi + rounding errors.
	hi = t2 + ar2
	lo3 := math.FMA(ar, r, -ar2)
	lo4 := t2 - hi + ar2
	// log1p(r) - r + r²/2 = ar3·(A1 + r·A2 + ar2·(A3 + r·A4 + ar2·(A5 + r·A6))).
	q := math.FMA(ar2, math.FMA(ar2, math.FMA(r, a[6], a[5]), math.FMA(r, a[4], a[3])), math.FMA(r, a[2], a[1]))
	lo = math.FMA(ar3, q, lo1+lo2+lo3+lo4)
	y := hi + lo
	return y, hi - y + lo
}

// powExp is ±e^(x+xtail), |xtail| < 2^-15 (and <= |x|), the sign - when
// signBias is powSignBias. fused: the operations __pow_fma fuses are fused;
// else each product is rounded, as in the SSE2 build (exp_inline has no
// #ifdef __FP_FAST_FMA: only the compiler's contraction differs).
func powExp(x, xtail float64, signBias uint64, fused bool) float64 {
	abstop := uint32(math.Float64bits(x)>>52) & 0x7ff
	if abstop-0x3c9 >= 0x408-0x3c9 { // |x| < 2^-54 or |x| >= 512
		if int32(abstop-0x3c9) < 0 { // e^x rounds to 1, or to its neighbour
			one := 1 + x
			if signBias != 0 {
				return -one
			}
			return one
		}
		if abstop >= 0x409 { // |x| >= 1024
			v := math.Inf(1)
			if math.Float64bits(x)>>63 != 0 {
				v = 0
			}
			if signBias != 0 {
				v = -v
			}
			return v
		}
		abstop = 0 // 512 <= |x| < 1024: may overflow or underflow, see below
	}
	// x = n·ln2/128 + r, |r| <= ln2/256; e^x = 2^(n/128)·e^r. n is rounded
	// by adding 1.5·2^52 (its low bits are then n's), the rounding error
	// of n·ln2/128 taken in two parts.
	var kd, r float64
	if fused {
		kd = math.FMA(x, powInvLn2N, powShift)
	} else {
		kd = float64(powInvLn2N*x) + powShift
	}
	ki := math.Float64bits(kd)
	kd -= powShift
	if fused {
		r = math.FMA(kd, powNegLn2LoN, math.FMA(kd, powNegLn2HiN, x))
	} else {
		r = x + float64(kd*powNegLn2HiN) + float64(kd*powNegLn2LoN)
	}
	r += xtail
	// 2^(n/128) = scale·(1 + tail): scale's bits are the table's, its
	// exponent field plus n/128 (and the sign bit plus signBias).
	idx := 2 * (ki % 128)
	top := (ki + signBias) << (52 - 7)
	tail := math.Float64frombits(powExpTab[idx])
	sbits := powExpTab[idx+1] + top
	// e^x = scale + scale·(tail + e^r - 1).
	r2 := float64(r * r)
	var tmp float64
	if fused {
		tmp = math.FMA(float64(r2*r2), math.FMA(r, powC5, powC4), math.FMA(math.FMA(r, powC3, powC2), r2, tail+r))
	} else {
		tmp = tail + r + float64(r2*(powC2+float64(r*powC3))) + float64(float64(r2*r2)*(powC4+float64(r*powC5)))
	}
	if abstop == 0 {
		return powExpScaled(tmp, sbits, ki, fused)
	}
	scale := math.Float64frombits(sbits)
	if !fused {
		return scale + float64(scale*tmp)
	}
	return math.FMA(scale, tmp, scale)
}

// powExpScaled is scale + scale·tmp for a result that may overflow (n > 0)
// or be subnormal (n < 0), where scale's bits sbits may have an exponent out
// of range: it is computed 2^∓1009 or 2^1022 away and scaled back, a
// subnormal result rounded once. fused: scale + scale·tmp is one fused
// operation (__pow_fma) where n > 0; the rest is the same in both builds.
func powExpScaled(tmp float64, sbits, ki uint64, fused bool) float64 {
	if ki&0x80000000 == 0 {
		// n > 0: the exponent may be up to 460 too large.
		scale := math.Float64frombits(sbits - 1009<<52)
		if !fused {
			return float64(scale+float64(scale*tmp)) * 0x1p1009
		}
		return math.FMA(scale, tmp, scale) * 0x1p1009
	}
	// n < 0: scale·2^1022, signed.
	sbits += 1022 << 52
	scale := math.Float64frombits(sbits)
	st := float64(scale * tmp)
	y := scale + st
	if math.Abs(y) < 1 {
		// The result is subnormal: y is rounded where the subnormal's last
		// bit will be (by adding ±1) before the scaling, so it is rounded
		// once, from scale + st and the rounding error of that sum.
		one := 1.0
		if y < 0 {
			one = -1
		}
		lo := scale - y + st
		hi := one + y
		lo = one - hi + y + lo
		y = hi + lo - one
		if y == 0 { // the zero's sign is the result's
			y = math.Float64frombits(sbits & (1 << 63))
		}
	}
	return 0x1p-1022 * y
}
