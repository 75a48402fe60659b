package engine

// pow for Lua's ^ and math.pow (luai_numpow is C's pow, glibc's in
// redis-server). pow51 is correctly rounded: it returns the double nearest to
// x^y (ties to even), subnormal results included, with C99's special cases
// (Annex F.9.4.4). glibc's pow (2.28 and later) returns that same double except
// about once in 2000 random calls: its error bound is 0.52 ULP, and where the
// exact value is within a few hundredths of an ULP of halfway between two
// doubles it may pick the other one (pow(x, 2) is not always x*x). Matching
// those would take glibc's own tables and polynomials; correct rounding is the
// closest an independent pow gets. Go's math.Pow was off in the last bits for
// about half of the results (2^-0.5, 10^1.5), and by far more for a subnormal
// base (1e-310^0.1 gave 1.6e-31 for 1e-31).
//
// How: x^y = e^(y·ln x). ln x is computed as a double-double (a sum of two
// doubles, about 106 bits) with a relative error below 2^-80, from two table
// reductions (x = 2^k·m, m·c1·c2 close to 1, ln x = k·ln2 - ln c1 - ln c2 +
// ln(1+r), |r| < 2^-15) and a short series; y·ln x is then exact but for
// that error, and e^t again as a double-double (t = (256q+j)·ln2/256 + u,
// e^t = 2^q · 2^(j/256) · e^u, |u| < 2^-9.5) to better than 2^-80. The
// result's error is then well below 2^-64 of it, so the sum rounds to the
// right double unless the exact value lies within that error of a point
// halfway between two doubles. That is checked (powRound), and only then (a
// few calls in a million) the slow path (powSlow) decides with math/big:
// exact results (which can be exactly halfway: 134217727^2, 2^-1075) are
// computed exactly, the others to more and more bits until the rounding is
// known (Ziv's strategy). A subnormal result is rounded once, from the
// double-double to the subnormal grid.
//
// The tables hold ln(1/c) and 2^(j/256) to about 106 bits; they were
// computed with powBigLn and powBigExp, and TestPowTables checks that they
// still are.
//
// Products whose rounding error is then taken with math.FMA are written
// float64(a*b): the conversion keeps Go from fusing them into a later
// addition (the language allows it), which would break the exact sums.

import (
	"math"
	"math/big"
)

// pow51 is C99's pow(x, y). A NaN result is some NaN; lua51Pow gives it
// glibc's sign.
func pow51(x, y float64) float64 {
	// Special cases, in C99's order of precedence: y = ±0 and x = 1 give 1
	// even with a NaN for the other; then a NaN gives a NaN.
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
	case math.IsInf(x, 0):
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
	neg := false
	if x < 0 {
		if y != math.Trunc(y) {
			return math.NaN() // a negative base to a non-integer: invalid
		}
		neg, x = powOddInt(y), -x
	}
	v := powPositive(x, y)
	if neg {
		v = -v
	}
	return v
}

// powOddInt reports whether y is an odd integer (all doubles from 2^53 on
// are even).
func powOddInt(y float64) bool {
	return math.Abs(y) < 1<<53 && y == math.Trunc(y) && int64(y)&1 != 0
}

// powPositive is pow for a finite x > 0 (1 too, from (-1)^n: powOfTwo takes
// it) and a finite y != 0.
func powPositive(x, y float64) float64 {
	switch y {
	case 1:
		return x
	case 2: // one correctly rounded product (also when it overflows or is subnormal)
		return x * x
	case -1:
		return 1 / x
	case 0.5:
		return math.Sqrt(x)
	}
	if v, ok := powOfTwo(x, y); ok {
		return v
	}
	lh, ll := powLog(x)
	th := float64(y * lh)
	tl := math.FMA(y, lh, -th) + y*ll
	switch {
	case th > 710: // e^710 > the largest double, however th is rounded
		return math.Inf(1)
	case th < -746: // e^-746 < 2^-1076, below half the least subnormal
		return 0
	}
	e, h, l := powExp(th, tl)
	// The error bound: ln x's relative error (< 2^-80) grows to |t|·2^-80
	// in t and so in e^t; e^t's own is below 2^-80. Each is taken four
	// times over.
	err := h * (math.Abs(th)*0x1p-78 + 0x1p-78)
	if v, ok := powRound(e, h, l, err); ok {
		return v
	}
	return powSlow(x, y)
}

// powOfTwo handles x = 2^k when k·y is an integer: the result is a power of
// two, exact, or 0 or +inf; 2^-1075, halfway between 0 and the least
// subnormal, rounds to even (0).
func powOfTwo(x, y float64) (float64, bool) {
	m, k := math.Frexp(x)
	if m != 0.5 {
		return 0, false
	}
	kf := float64(k - 1)
	e := float64(kf * y)
	if math.FMA(kf, y, -e) != 0 || e != math.Trunc(e) {
		return 0, false // 2^e is irrational; e^(y·ln x) handles it
	}
	switch {
	case e > 1023:
		return math.Inf(1), true
	case e < -1074:
		return 0, true
	}
	return math.Ldexp(1, int(e)), true
}

// Error-free transformations: s + e is exactly a + b (twoSum always,
// fastTwoSum when a is zero or |a| >= |b|).
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return
}

func fastTwoSum(a, b float64) (s, e float64) {
	s = a + b
	e = b - (s - a)
	return
}

// powLogEntry is c, close to the reciprocal of the table's point, and
// ln(1/c) as hi + lo.
type powLogEntry struct{ c, hi, lo float64 }

// ln 2 in three parts, the first of 42 bits so k·ln2a is exact for |k| <
// 2^11; ln2/256 likewise, the first of 34 bits (exact times |k| < 2^19).
const (
	powLn2a      = 0x1.62e42fefa38p-01
	powLn2b      = 0x1.ef35793c7673p-45
	powLn2c      = 0x1.f97b57a079a19p-103
	powLn2N1     = 0x1.62e42fef8p-09
	powLn2N2     = 0x1.1cf79abc9e3b4p-44
	powLn2N3     = -0x1.9ff0342542fc3p-98
	powInvLn2N   = 256 / math.Ln2
	powDblExpOne = 1023 << 52
)

// powLog returns ln x as hi + lo for a finite x > 0, with a relative error
// below 2^-80.
func powLog(x float64) (hi, lo float64) {
	b := math.Float64bits(x)
	k := int(b>>52) - 1023
	if b>>52 == 0 { // subnormal: scale into the normal range
		b = math.Float64bits(x * 0x1p54)
		k = int(b>>52) - 1023 - 54
	}
	mb := b & (1<<52 - 1)
	// m in [1, 2); i rounds its first 7 fraction bits, so |m/(1+i/128)-1|
	// <= 2^-8. The last interval, m near 2, is taken as m/2 near 1 with k+1:
	// then x near 1 always has k = 0, i = 0 and r = x-1, exactly, and ln x
	// keeps its relative precision however close to 1 it is.
	i := (mb + 1<<44) >> 45
	m := math.Float64frombits(mb | powDblExpOne)
	if i == 128 {
		i, k = 0, k+1
		m = math.Float64frombits(mb | (powDblExpOne - 1<<52))
	}
	t1 := &powLogTab1[i]
	// r1 = m·c1 - 1, exactly, as r1h + r1l: p - 1 is exact (p is near 1).
	p := float64(m * t1.c)
	r1h, r1l := twoSum(p-1, math.FMA(m, t1.c, -p))
	// Second step: c2 ~ 1/(1 + j·2^-14), r2 = (1+r1)·c2 - 1 = r1·c2 + (c2-1),
	// |r2| < 2^-15 (c2 - 1 is exact).
	j := int(math.RoundToEven(r1h * 0x1p14))
	t2 := &powLogTab2[j+65]
	q := float64(r1h * t2.c)
	s, se := twoSum(q, t2.c-1)
	r2h, r2l := twoSum(s, se+math.FMA(r1h, t2.c, -q)+r1l*t2.c)
	// ln(1+r) = r - r²/2 + r³/3 - ... + r^7/7 (the next term is below
	// 2^-105 of r); r and r²/2 in double-double, the rest in double (below
	// 2^-30 of r, so its rounding errors stay below 2^-82 of r).
	r2 := float64(r2h * r2h)
	r2e := math.FMA(r2h, r2h, -r2)
	tail := r2h*r2*(1.0/3-r2h*(0.25-r2h*(0.2-r2h*(1.0/6-r2h*(1.0/7))))) + r2*r2l
	a, ae := fastTwoSum(r2h, -0.5*r2)
	pl := ae + r2l - (0.5*r2e + r2h*r2l) + tail
	// k·ln2 + ln(1/c1) + ln(1/c2) + ln(1+r2): the large parts summed
	// exactly, the small ones in double. Where terms cancel (k = -1, x just
	// below 1), the sum is still above 2^-9 and the parts exact to 2^-100.
	kf := float64(k)
	s1, e1 := twoSum(kf*powLn2a, t1.hi)
	s2, e2 := twoSum(s1, t2.hi)
	s3, e3 := twoSum(s2, a)
	lo = e1 + e2 + e3 + t1.lo + t2.lo + pl + kf*powLn2b + kf*powLn2c
	return fastTwoSum(s3, lo)
}

// powExp returns e^(th+tl) as 2^e·(h + l), h + l in [0.99, 2.01], with a
// relative error below 2^-80, for |th| <= 746 and |tl| <= 2^-52·|th|.
func powExp(th, tl float64) (e int, h, l float64) {
	kf := math.RoundToEven(th * powInvLn2N)
	k := int(kf)
	// u = t - k·ln2/256: th - k·N1 is exact (k·N1 is, and it is within a
	// factor 2 of th), k·N2 is taken exactly with its rounding error.
	u1 := th - float64(kf*powLn2N1)
	p := float64(kf * powLn2N2)
	s, se := twoSum(u1, -p)
	uh, ul := twoSum(s, se-math.FMA(kf, powLn2N2, -p)+tl-kf*powLn2N3)
	// e^u - 1 = u + u²/2 + u³/6 + ... + u^7/5040 (next term < 2^-91): u
	// and u²/2 in double-double, the rest (< 2^-30) in double.
	q := float64(uh * uh)
	qe := math.FMA(uh, uh, -q)
	tail := uh*q*(1.0/6+uh*(1.0/24+uh*(1.0/120+uh*(1.0/720+uh*(1.0/5040))))) + 0.5*q*ul
	a, ae := fastTwoSum(uh, 0.5*q)
	pl := ae + ul + (0.5*qe + uh*ul) + tail
	// 2^(j/256)·(1 + a + pl).
	tb := &powExpTab[k&255]
	m := float64(tb[0] * a)
	r0, r0e := fastTwoSum(tb[0], m)
	rl := r0e + math.FMA(tb[0], a, -m) + tb[0]*pl + tb[1] + tb[1]*a
	h, l = fastTwoSum(r0, rl)
	return k >> 8, h, l
}

// powRound rounds 2^e·(h + l) to a double, where h = RN(h + l) > 0 and the
// exact value is within 2^e·err of it; ok is false when the rounding is not
// known (the value is that close to a point halfway between two doubles).
func powRound(e int, h, l, err float64) (v float64, ok bool) {
	err = err*(1+0x1p-20) + h*0x1p-100 // room for the rounding of l ± err
	if e+int(math.Float64bits(h)>>52)-1023 >= -1022 {
		// Normal (or overflowing): both ends of the interval must round
		// to the same double; scaling by 2^e is then exact.
		a, b := h+(l+err), h+(l-err)
		if a != b {
			return 0, false
		}
		ea := e + int(math.Float64bits(a)>>52) - 1023
		switch {
		case ea > 1023:
			return math.Inf(1), true
		case ea >= -1022:
			return math.Float64frombits(math.Float64bits(a) + uint64(e)<<52), true
		}
	}
	// Subnormal: round once, from h + l to a multiple of 2^-1074. In those
	// units the value is H + L (exact scalings, |H| < 2^53).
	sc := e + 1074
	if sc < -60 {
		return 0, true // below 2^-1134
	}
	f := math.Float64frombits(uint64(sc+1023) << 52)
	hh, ll, ee := h*f, l*f, err*f+0x1p-50
	n := math.Floor(hh)
	fr := (hh - n) + ll // hh - n is exact
	switch {
	case fr+ee < 0.5:
	case fr-ee > 0.5:
		n++
	default:
		return 0, false
	}
	return math.Float64frombits(uint64(n)), true // n ≤ 2^52: n·2^-1074 (2^52: the least normal)
}

// powSlow is pow for a finite x > 0, x != 1, a finite y != 0, whose result
// is too close to halfway between two doubles for the fast path.
func powSlow(x, y float64) float64 {
	// An exact result can be exactly halfway: it is computed exactly. x^y
	// with x not a power of two (powOfTwo took those) is rational only if
	// y = p/2^s and x = w^(2^s) for a double w; it is a double or halfway
	// only if moreover y > 0 and w^p has at most 54 significant bits, so p
	// <= 34 and s <= 5 (w's odd part is 3 or more).
	if y > 0 && y <= 64 {
		for s := 0; s <= 5; s++ {
			ys := math.Ldexp(y, s)
			if ys != math.Trunc(ys) {
				continue
			}
			w, exact := x, true
			for i := 0; i < s && exact; i++ {
				r := math.Sqrt(w) // the root, if w is a double's square
				br := new(big.Float).SetFloat64(r)
				exact = new(big.Float).SetPrec(106).Mul(br, br).Cmp(big.NewFloat(w)) == 0
				w = r
			}
			if exact {
				return powBigInt(w, int(ys))
			}
			break
		}
	}
	// Otherwise x^y is irrational, never halfway: more bits settle it.
	var v *big.Float
	for prec := uint(128); ; prec *= 2 {
		t := powBigLn(x, prec+64)
		t.Mul(t, big.NewFloat(y))
		v = powBigExp(t, prec+64)
		// v is within 2^-prec of x^y, relatively.
		d := new(big.Float).SetMantExp(v, -int(prec))
		lo, _ := new(big.Float).Sub(v, d).Float64()
		hi, _ := new(big.Float).Add(v, d).Float64()
		if lo == hi || prec >= 8192 {
			return hi
		}
	}
}

// powBigInt is w^p, exactly, rounded once (Float64 rounds to the subnormal
// grid and overflows as IEEE arithmetic does).
func powBigInt(w float64, p int) float64 {
	prec := uint(53*p + 64)
	r := new(big.Float).SetPrec(prec).SetInt64(1)
	b := new(big.Float).SetPrec(prec).SetFloat64(w)
	for ; p > 0; p >>= 1 {
		if p&1 != 0 {
			r.Mul(r, b)
		}
		b.Mul(b, b)
	}
	v, _ := r.Float64()
	return v
}

// powBigAtanh2 returns 2·atanh(s) = ln((1+s)/(1-s)) for |s| <= 1/3, to a
// relative precision of about prec bits: the series' terms all have the sign
// of s, so nothing cancels.
func powBigAtanh2(s *big.Float, prec uint) *big.Float {
	s2 := new(big.Float).SetPrec(prec).Mul(s, s)
	sum := new(big.Float).SetPrec(prec).Set(s)
	pw := new(big.Float).SetPrec(prec).Set(s)
	q := new(big.Float).SetPrec(prec)
	d := new(big.Float).SetPrec(prec)
	for k := int64(3); s.Sign() != 0; k += 2 {
		pw.Mul(pw, s2)
		q.Quo(pw, d.SetInt64(k))
		if q.Sign() == 0 || q.MantExp(nil) < sum.MantExp(nil)-int(prec)-2 {
			break
		}
		sum.Add(sum, q)
	}
	return sum.Mul(sum, big.NewFloat(2))
}

// powBigLn2 is ln 2 = 2·atanh(1/3) to prec bits.
func powBigLn2(prec uint) *big.Float {
	s := new(big.Float).SetPrec(prec).Quo(big.NewFloat(1), big.NewFloat(3))
	return powBigAtanh2(s, prec)
}

// powBigLn returns ln x for a finite x > 0, x != 1, with a relative error
// below 2^-(prec-8).
func powBigLn(x float64, prec uint) *big.Float {
	m, e := math.Frexp(x) // m in [0.5, 1)
	if m < math.Sqrt2/2 {
		m, e = m*2, e-1
	}
	// m in [0.707, 1.414): s = (m-1)/(m+1) in [-0.172, 0.172]. m-1 and
	// m+1 are exact at prec >= 54.
	num := new(big.Float).SetPrec(prec).Sub(big.NewFloat(m), big.NewFloat(1))
	den := new(big.Float).SetPrec(prec).Add(big.NewFloat(m), big.NewFloat(1))
	lnm := powBigAtanh2(num.Quo(num, den), prec)
	if e == 0 {
		return lnm
	}
	// |e·ln2| >= ln2 > 2·|ln m|: no cancellation worth a bit.
	l := powBigLn2(prec + 16)
	l.Mul(l, new(big.Float).SetInt64(int64(e)))
	return l.Add(l, lnm).SetPrec(prec)
}

// powBigExp returns e^t for |t| < 800 with a relative error below
// 2^-(prec-16).
func powBigExp(t *big.Float, prec uint) *big.Float {
	wp := prec + 16
	tf, _ := t.Float64()
	n := math.Round(tf / math.Ln2)
	// r = t - n·ln2, |r| <= 0.35; ln2 has 16 bits more than needed so
	// n·ln2 (|n| < 1200) is exact to wp bits.
	l := powBigLn2(wp + 16)
	l.Mul(l, big.NewFloat(n))
	r := new(big.Float).SetPrec(wp).Sub(t, l)
	// e^r = (e^(r/256))^256: the series then gains 8 bits a term, the 8
	// squarings lose 8 bits.
	const sq = 8
	r.SetMantExp(r, -sq)
	sum := new(big.Float).SetPrec(wp).SetInt64(1)
	term := new(big.Float).SetPrec(wp).SetInt64(1)
	d := new(big.Float).SetPrec(wp)
	for k := int64(1); ; k++ {
		term.Mul(term, r)
		term.Quo(term, d.SetInt64(k))
		if term.Sign() == 0 || term.MantExp(nil) < -int(wp)-2 {
			break
		}
		sum.Add(sum, term)
	}
	for i := 0; i < sq; i++ {
		sum.Mul(sum, sum)
	}
	return sum.SetMantExp(sum, int(n))
}

// The tables (see the header).
//
// powLogTab1[i]: c = 128/(128+i) rounded, ln(1/c) as hi + lo.
// powLogTab2[j+65]: c = 16384/(16384+j) rounded, ln(1/c) as hi + lo.
// powExpTab[j]: 2^(j/256) as hi + lo.

var powLogTab1 = [128]powLogEntry{
	{0x1p+00, 0x0p+00, 0x0p+00},
	{0x1.fc07f01fc07fp-01, 0x1.fe02a6b106799p-08, -0x1.e44b7e3711e7fp-67},
	{0x1.f81f81f81f82p-01, 0x1.fc0a8b0fc03c4p-07, -0x1.83092c5964281p-62},
	{0x1.f44659e4a4271p-01, 0x1.7b91b07d5b126p-06, -0x1.6d80ab38e943p-62},
	{0x1.f07c1f07c1f08p-01, 0x1.f829b0e7832f8p-06, 0x1.33e3f04f1ef25p-60},
	{0x1.ecc07b301eccp-01, 0x1.39e87b9febd68p-05, -0x1.5bfa937f551b7p-59},
	{0x1.e9131abf0b767p-01, 0x1.77458f632dcffp-05, 0x1.8d3ca87b92968p-63},
	{0x1.e573ac901e574p-01, 0x1.b42dd711971b9p-05, 0x1.0a34531f67db5p-59},
	{0x1.e1e1e1e1e1e1ep-01, 0x1.f0a30c01162a8p-05, 0x1.85f325c5bbacdp-59},
	{0x1.de5d6e3f8868ap-01, 0x1.16536eea37ae3p-04, 0x1.2189705cf74cap-58},
	{0x1.dae6076b981dbp-01, 0x1.341d7961bd1dp-04, -0x1.3599f227becbbp-58},
	{0x1.d77b654b82c34p-01, 0x1.51b073f06183cp-04, -0x1.5b61c65e5741ap-58},
	{0x1.d41d41d41d41dp-01, 0x1.6f0d28ae56b4ep-04, -0x1.20db323097324p-59},
	{0x1.d0cb58f6ec074p-01, 0x1.8c345d6319b23p-04, -0x1.294d2f5668495p-58},
	{0x1.cd85689039b0bp-01, 0x1.a926d3a4ad562p-04, -0x1.d7a16eab1e2adp-59},
	{0x1.ca4b3055ee191p-01, 0x1.c5e548f5bc743p-04, 0x1.2eb0bf7c0b0d9p-59},
	{0x1.c71c71c71c71cp-01, 0x1.e27076e2af2eap-04, -0x1.61578001e015ap-60},
	{0x1.c3f8f01c3f8fp-01, 0x1.fec9131dbeabcp-04, -0x1.5746b9981b36cp-58},
	{0x1.c0e070381c0ep-01, 0x1.0d77e7cd08e5bp-03, 0x1.9a5dc5e9030adp-57},
	{0x1.bdd2b899406f7p-01, 0x1.1b72ad52f67a2p-03, -0x1.fbe7ee5c69946p-57},
	{0x1.bacf914c1badp-01, 0x1.29552f81ff521p-03, 0x1.301771c407dcp-57},
	{0x1.b7d6c3dda338bp-01, 0x1.371fc201e8f75p-03, 0x1.e6cb62af18a02p-62},
	{0x1.b4e81b4e81b4fp-01, 0x1.44d2b6ccb7d1cp-03, 0x1.7d3d950f87e23p-59},
	{0x1.b2036406c80d9p-01, 0x1.526e5e3a1b438p-03, -0x1.546ff8a470d3ap-57},
	{0x1.af286bca1af28p-01, 0x1.5ff3070a793d6p-03, -0x1.bc60efafc6f6cp-58},
	{0x1.ac5701ac5701bp-01, 0x1.6d60fe719d21bp-03, 0x1.d551d97132e87p-57},
	{0x1.a98ef606a63bep-01, 0x1.7ab890210d907p-03, -0x1.1072534a57e7dp-57},
	{0x1.a6d01a6d01a6dp-01, 0x1.87fa06520c911p-03, -0x1.9f7fdbfa08d9ap-57},
	{0x1.a41a41a41a41ap-01, 0x1.9525a9cf456b6p-03, -0x1.26fb3e2b1d1dap-57},
	{0x1.a16d3f97a4b02p-01, 0x1.a23bc1fe2b561p-03, 0x1.24dc46c1ea664p-57},
	{0x1.9ec8e951033d9p-01, 0x1.af3c94e80bff3p-03, 0x1.a3398064df33ep-57},
	{0x1.9c2d14ee4a102p-01, 0x1.bc286742d8cd4p-03, 0x1.cfce744870f57p-58},
	{0x1.999999999999ap-01, 0x1.c8ff7c79a9a2p-03, -0x1.4f689f8434011p-57},
	{0x1.970e4f80cb872p-01, 0x1.d5c216b4fbb94p-03, -0x1.a37794d03657dp-58},
	{0x1.948b0fcd6e9ep-01, 0x1.e27076e2af2e8p-03, -0x1.61578001e015ep-59},
	{0x1.920fb49d0e229p-01, 0x1.ef0adcbdc5935p-03, 0x1.e8637950dc20dp-57},
	{0x1.8f9c18f9c18fap-01, 0x1.fb9186d5e3e29p-03, 0x1.355519b0de535p-57},
	{0x1.8d3018d3018d3p-01, 0x1.0402594b4d041p-02, -0x1.08ec217a5022dp-57},
	{0x1.8acb90f6bf3aap-01, 0x1.0a324e27390e2p-02, 0x1.bdcfde8061c03p-56},
	{0x1.886e5f0abb04ap-01, 0x1.1058bf9ae4ad4p-02, 0x1.3f415699663ecp-63},
	{0x1.8618618618618p-01, 0x1.1675cababa60fp-02, 0x1.ce63eab883727p-61},
	{0x1.83c977ab2beddp-01, 0x1.1c898c16999fbp-02, 0x1.9f1a39d500e3cp-56},
	{0x1.8181818181818p-01, 0x1.22941fbcf7966p-02, -0x1.dbd7ac258a2bdp-58},
	{0x1.7f405fd017f4p-01, 0x1.2895a13de86a4p-02, 0x1.7ad24c13f040fp-56},
	{0x1.7d05f417d05f4p-01, 0x1.2e8e2bae11d31p-02, -0x1.1e99b72bd7bf2p-57},
	{0x1.7ad2208e0ecc3p-01, 0x1.347dd9a987d56p-02, -0x1.16ea62c048cfbp-56},
	{0x1.78a4c8178a4c8p-01, 0x1.3a64c556945eap-02, 0x1.cbcd735d03424p-60},
	{0x1.767dce434a9b1p-01, 0x1.404308686a7e4p-02, -0x1.f79f6c1059cdbp-57},
	{0x1.745d1745d1746p-01, 0x1.4618bc21c5ec2p-02, -0x1.7a42642661c62p-61},
	{0x1.724287f46debcp-01, 0x1.4be5f957778a1p-02, -0x1.4b366b609027ap-58},
	{0x1.702e05c0b817p-01, 0x1.51aad872df82ep-02, -0x1.d8db0a7cc1543p-56},
	{0x1.6e1f76b4337c7p-01, 0x1.5767717455a6cp-02, -0x1.fb2a49af933e8p-57},
	{0x1.6c16c16c16c17p-01, 0x1.5d1bdbf5809cap-02, -0x1.7dc9c7c23801fp-56},
	{0x1.6a13cd153729p-01, 0x1.62c82f2b9c796p-02, -0x1.090a0dd59fe35p-58},
	{0x1.6816816816817p-01, 0x1.686c81e9b14adp-02, 0x1.710af840538e3p-56},
	{0x1.661ec6a5122f9p-01, 0x1.6e08eaa2ba1e4p-02, -0x1.bfb1b39ca3a0fp-56},
	{0x1.642c8590b2164p-01, 0x1.739d7f6bbd007p-02, 0x1.ce24c53fad3fp-58},
	{0x1.623fa7701624p-01, 0x1.792a55fdd47a1p-02, 0x1.f057691fe9ed7p-56},
	{0x1.6058160581606p-01, 0x1.7eaf83b82afc2p-02, -0x1.698b43096b576p-59},
	{0x1.5e75bb8d015e7p-01, 0x1.842d1da1e8b18p-02, 0x1.54ec519784677p-56},
	{0x1.5c9882b931057p-01, 0x1.89a3386c1425bp-02, 0x1.2d38c40881e0bp-57},
	{0x1.5ac056b015acp-01, 0x1.8f11e873662c8p-02, 0x1.f85da755a61a3p-56},
	{0x1.58ed2308158edp-01, 0x1.947941c2116fbp-02, 0x1.1266e8a3e8838p-57},
	{0x1.571ed3c506b3ap-01, 0x1.99d958117e08ap-02, -0x1.315b444ee1f38p-56},
	{0x1.5555555555555p-01, 0x1.9f323ecbf984dp-02, -0x1.a92e513217f58p-59},
	{0x1.5390948f40febp-01, 0x1.a484090e5bb09p-02, 0x1.fff29adc3ad3bp-56},
	{0x1.51d07eae2f815p-01, 0x1.a9cec9a9a084ap-02, -0x1.ab7b00ad0dabcp-58},
	{0x1.5015015015015p-01, 0x1.af1293247786bp-02, 0x1.533844a15dc28p-58},
	{0x1.4e5e0a72f0539p-01, 0x1.b44f77bcc8f64p-02, -0x1.a0892a8b38eedp-61},
	{0x1.4cab88725af6ep-01, 0x1.b9858969310fdp-02, -0x1.f3827583b8877p-57},
	{0x1.4afd6a052bf5bp-01, 0x1.beb4d9da71b7ap-02, 0x1.be1874deaef08p-56},
	{0x1.49539e3b2d067p-01, 0x1.c3dd7a7cdad4dp-02, 0x1.7d9e0a5bd4d37p-57},
	{0x1.47ae147ae147bp-01, 0x1.c8ff7c79a9a21p-02, 0x1.3097607bcbfeep-56},
	{0x1.460cbc7f5cf9ap-01, 0x1.ce1af0b85f3ecp-02, -0x1.6416a1aa97b31p-57},
	{0x1.446f86562d9fbp-01, 0x1.d32fe7e00ebd5p-02, 0x1.4ef6465f5f46ep-57},
	{0x1.42d6625d51f87p-01, 0x1.d83e7258a2f3ep-02, 0x1.c515ba2ec9444p-58},
	{0x1.4141414141414p-01, 0x1.dd46a04c1c4a1p-02, -0x1.19d95b62e2476p-62},
	{0x1.3fb013fb013fbp-01, 0x1.e24881a7c6c26p-02, 0x1.05ec7a2caa523p-57},
	{0x1.3e22cbce4a902p-01, 0x1.e744261d68789p-02, 0x1.cdf68dbcf2ed3p-56},
	{0x1.3c995a47babe7p-01, 0x1.ec399d2468cc1p-02, -0x1.94623581958cfp-59},
	{0x1.3b13b13b13b14p-01, 0x1.f128f5faf06ecp-02, -0x1.328df13bb38c2p-56},
	{0x1.3991c2c187f63p-01, 0x1.f6123fa7028adp-02, 0x1.5456c3cb6cd06p-58},
	{0x1.3813813813814p-01, 0x1.faf588f78f31dp-02, 0x1.cd7d9f2754362p-57},
	{0x1.3698df3de0748p-01, 0x1.ffd2e0857f497p-02, -0x1.4d05f9366f27fp-59},
	{0x1.3521cfb2b78c1p-01, 0x1.02552a5a5d0ffp-01, 0x1.e9c695d7ee8p-57},
	{0x1.33ae45b57bcb2p-01, 0x1.04bdf9da926d2p-01, 0x1.8fe60804593bfp-56},
	{0x1.323e34a2b10bfp-01, 0x1.0723e5c1cdf41p-01, -0x1.6a1a71dbba44ep-59},
	{0x1.30d190130d19p-01, 0x1.0986f4f573521p-01, -0x1.37012b5805e02p-56},
	{0x1.2f684bda12f68p-01, 0x1.0be72e4252a83p-01, 0x1.b4c4bdd99efffp-56},
	{0x1.2e025c04b8097p-01, 0x1.0e44985d1cc8cp-01, -0x1.c546885a5a707p-59},
	{0x1.2c9fb4d812cap-01, 0x1.109f39e2d4c96p-01, 0x1.f78fb26c2de46p-55},
	{0x1.2b404ad012b4p-01, 0x1.12f719593efbdp-01, -0x1.67f6e731c1795p-56},
	{0x1.29e4129e4129ep-01, 0x1.154c3d2f4d5eap-01, 0x1.98f33a3965e29p-57},
	{0x1.288b01288b013p-01, 0x1.179eabbd899ap-01, -0x1.c73e320bf059fp-58},
	{0x1.27350b8812735p-01, 0x1.19ee6b467c96fp-01, -0x1.fa3422887e218p-57},
	{0x1.25e22708092f1p-01, 0x1.1c3b81f713c25p-01, -0x1.0b583899021d1p-56},
	{0x1.2492492492492p-01, 0x1.1e85f5e7040d1p-01, -0x1.084e99683070ep-55},
	{0x1.23456789abcdfp-01, 0x1.20cdcd192ab6ep-01, -0x1.aabf0bc229014p-55},
	{0x1.21fb78121fb78p-01, 0x1.23130d7bebf43p-01, -0x1.748725e374d6ep-55},
	{0x1.20b470c67c0d9p-01, 0x1.2555bce98f7cap-01, 0x1.9810eb6b440f4p-55},
	{0x1.1f7047dc11f7p-01, 0x1.2795e1289b11bp-01, 0x1.ade0fcf6e5a1dp-55},
	{0x1.1e2ef3b3fb874p-01, 0x1.29d37fec2b08bp-01, 0x1.01735b2e9733fp-55},
	{0x1.1cf06ada2811dp-01, 0x1.2c0e9ed448e8cp-01, -0x1.8a158f3917586p-55},
	{0x1.1bb4a4046ed29p-01, 0x1.2e47436e40268p-01, 0x1.0950861a4886bp-55},
	{0x1.1a7b9611a7b96p-01, 0x1.307d7334f10bep-01, 0x1.fdac850fab36dp-56},
	{0x1.19453808ca29cp-01, 0x1.32b1339121d71p-01, 0x1.d02ab5b3d916bp-56},
	{0x1.1811811811812p-01, 0x1.34e289d9ce1d2p-01, 0x1.775c96c42e729p-56},
	{0x1.16e0689427379p-01, 0x1.37117b54747b6p-01, -0x1.808bf6deec882p-55},
	{0x1.15b1e5f75270dp-01, 0x1.393e0d3562a1ap-01, -0x1.38eef67f2483ap-55},
	{0x1.1485f0e0acd3bp-01, 0x1.3b68449fffc23p-01, 0x1.c63b7b06164dap-55},
	{0x1.135c81135c811p-01, 0x1.3d9026a7156fbp-01, 0x1.0084c7a15a4f5p-58},
	{0x1.12358e75d3033p-01, 0x1.3fb5b84d16f43p-01, 0x1.0a74ea82e55dfp-56},
	{0x1.1111111111111p-01, 0x1.41d8fe84672afp-01, -0x1.ee6d0cf42e7fap-55},
	{0x1.0fef010fef011p-01, 0x1.43f9fe2f9ce67p-01, 0x1.e1c9ee6d83b86p-55},
	{0x1.0ecf56be69c9p-01, 0x1.4618bc21c5ec2p-01, 0x1.e85bd9bd99e3ap-56},
	{0x1.0db20a88f4696p-01, 0x1.48353d1ea88dfp-01, -0x1.40a85d133f80bp-55},
	{0x1.0c9714fbcda3bp-01, 0x1.4a4f85db03ebbp-01, -0x1.d76102e1644f2p-55},
	{0x1.0b7e6ec259dc8p-01, 0x1.4c679afccee39p-01, -0x1.e971322ce79p-57},
	{0x1.0a6810a6810a7p-01, 0x1.4e7d811b75bbp-01, -0x1.5d3d9ea6e9ea8p-55},
	{0x1.0953f39010954p-01, 0x1.50913cc01686bp-01, 0x1.9e59d2d85ab62p-56},
	{0x1.0842108421084p-01, 0x1.52a2d265bc5abp-01, 0x1.73be4578ad97bp-56},
	{0x1.073260a47f7c6p-01, 0x1.54b2467999498p-01, 0x1.f4550a2d0f60cp-55},
	{0x1.0624dd2f1a9fcp-01, 0x1.56bf9d5b3f399p-01, 0x1.11c6217363fcbp-57},
	{0x1.05197f7d73404p-01, 0x1.58cadb5cd7989p-01, 0x1.624bc9764c22cp-55},
	{0x1.041041041041p-01, 0x1.5ad404c359f2dp-01, 0x1.eca6aa97c08e7p-55},
	{0x1.03091b51f5e1ap-01, 0x1.5cdb1dc6c1765p-01, 0x1.47b71e2eb8419p-56},
	{0x1.0204081020408p-01, 0x1.5ee02a9241676p-01, -0x1.bca7da80b6f7ep-55},
	{0x1.010101010101p-01, 0x1.60e32f44788d9p-01, -0x1.58376a5f4b135p-57},
}
var powLogTab2 = [131]powLogEntry{
	{0x1.0105091d41b6cp+00, -0x1.048461a9ba7p-08, -0x1.245de3fbb2cd2p-66},
	{0x1.010101010101p+00, -0x1.0080559588b25p-08, -0x1.f96638cf63675p-62},
	{0x1.00fcf905210c9p+00, -0x1.f8f8b3430e831p-09, -0x1.2794e51ebfd81p-64},
	{0x1.00f8f129a0535p+00, -0x1.f0f0db9a69013p-09, -0x1.cd4492b372176p-64},
	{0x1.00f4e96e7d4f7p+00, -0x1.e8e924301e1ffp-09, -0x1.2f79445090466p-64},
	{0x1.00f0e1d3b67b1p+00, -0x1.e0e18d032adbcp-09, -0x1.fc26cccb7df07p-68},
	{0x1.00ecda594a508p+00, -0x1.d8da16128c6c3p-09, 0x1.dcb2720a5fdf8p-63},
	{0x1.00e8d2ff374a2p+00, -0x1.d0d2bf5d40041p-09, -0x1.033e5877978ecp-65},
	{0x1.00e4cbc57be25p+00, -0x1.c8cb88e242b1ep-09, 0x1.ff1bf2252b9bfp-63},
	{0x1.00e0c4ac1693cp+00, -0x1.c0c472a091fecp-09, -0x1.f4d8c72b2e814p-63},
	{0x1.00dcbdb305d9p+00, -0x1.b8bd7c972b0fep-09, -0x1.6be57a0acb885p-64},
	{0x1.00d8b6da482cep+00, -0x1.b0b6a6c50b654p-09, 0x1.0b68026ac2fa1p-63},
	{0x1.00d4b021dc0a4p+00, -0x1.a8aff129307a5p-09, 0x1.620a5e66e9791p-65},
	{0x1.00d0a989bfebfp+00, -0x1.a0a95bc297863p-09, -0x1.7ad8401f0eedfp-63},
	{0x1.00cca311f24d1p+00, -0x1.98a2e6903e3b1p-09, 0x1.01b1c23c65429p-65},
	{0x1.00c89cba71a8dp+00, -0x1.909c919122467p-09, 0x1.a5769f1fe93eap-63},
	{0x1.00c496833c7a5p+00, -0x1.88965cc441118p-09, 0x1.8c4036f76d887p-63},
	{0x1.00c0906c513cfp+00, -0x1.809048289860ap-09, 0x1.6958f3f3b017bp-65},
	{0x1.00bc8a75ae6c1p+00, -0x1.788a53bd25d3cp-09, -0x1.cc6bde8eb16a1p-63},
	{0x1.00b8849f52835p+00, -0x1.70847f80e7661p-09, -0x1.d524bfa2fd1edp-63},
	{0x1.00b47ee93bfe3p+00, -0x1.687ecb72daae7p-09, -0x1.cd396f0ecce6bp-63},
	{0x1.00b0795369587p+00, -0x1.60793791fd9f1p-09, 0x1.8e5a84382f1cfp-63},
	{0x1.00ac73ddd90ddp+00, -0x1.5873c3dd4e059p-09, 0x1.01b11370d6a33p-63},
	{0x1.00a86e88899a5p+00, -0x1.506e7053ca0bp-09, 0x1.50ff38642a3afp-70},
	{0x1.00a469537979dp+00, -0x1.48693cf46f743p-09, -0x1.5a63165bbb35fp-65},
	{0x1.00a0643ea7288p+00, -0x1.406429be3c812p-09, -0x1.bd84dd2de6cd8p-64},
	{0x1.009c5f4a11227p+00, -0x1.385f36b02f0dap-09, -0x1.66fe8d04e4243p-63},
	{0x1.00985a75b5e4p+00, -0x1.305a63c94570dp-09, 0x1.f3c7f636d2b2dp-63},
	{0x1.009455c193e98p+00, -0x1.2855b1087dbd5p-09, -0x1.e68bf25bd633fp-63},
	{0x1.0090512da9af7p+00, -0x1.20511e6cd6419p-09, -0x1.c5c095a5f4345p-66},
	{0x1.008c4cb9f5b26p+00, -0x1.184cabf54d475p-09, 0x1.2072a34c32568p-63},
	{0x1.00884866766efp+00, -0x1.104859a0e114p-09, 0x1.3e99e35a608dfp-63},
	{0x1.008444332a61ep+00, -0x1.0844276e9008ap-09, -0x1.d9ffa8943bc6bp-67},
	{0x1.008040201008p+00, -0x1.0040155d5881ep-09, 0x1.8f98e1113f503p-65},
	{0x1.007c3c2d25de5p+00, -0x1.f07846d8722fbp-10, -0x1.f96a315b1b8dep-64},
	{0x1.0078385a6a61ep+00, -0x1.e070a33460bcdp-10, -0x1.1b6ea92059162p-65},
	{0x1.007434a7dc0fbp+00, -0x1.d0693fcc794a4p-10, 0x1.0deedab48545ap-64},
	{0x1.0070311579652p+00, -0x1.c0621c9eb9adfp-10, 0x1.8f558679208d5p-64},
	{0x1.006c2da340df6p+00, -0x1.b05b39a91eb5ap-10, -0x1.80145d9e6cf7cp-64},
	{0x1.00682a5130fbep+00, -0x1.a05496e9a5e65p-10, 0x1.dd98ca8dc5a7dp-64},
	{0x1.0064271f48383p+00, -0x1.904e345e4cfcp-10, 0x1.f7191d53072e9p-65},
	{0x1.0060240d8511ep+00, -0x1.80481205116a7p-10, -0x1.9cf9d61bcaed9p-64},
	{0x1.005c211be606bp+00, -0x1.70422fdbf11cbp-10, -0x1.17d6aef30cb3cp-65},
	{0x1.00581e4a69945p+00, -0x1.603c8de0e9755p-10, -0x1.f3610848c674cp-65},
	{0x1.00541b990e38bp+00, -0x1.50372c11f88e4p-10, 0x1.49877d24c8ac6p-64},
	{0x1.00501907d271cp+00, -0x1.40320a6d1c38ep-10, -0x1.b31f3f686ce74p-65},
	{0x1.004c1696b4bdbp+00, -0x1.302d28f052fe2p-10, 0x1.9f42970b1e92fp-64},
	{0x1.00481445b39a8p+00, -0x1.202887999a5e9p-10, 0x1.b055a54100ffdp-64},
	{0x1.00441214cd869p+00, -0x1.10242666f1121p-10, -0x1.4f4d18dd064p-64},
	{0x1.0040100401004p+00, -0x1.0020055655885p-10, -0x1.9abe6bf0fa436p-65},
	{0x1.003c0e134c85fp+00, -0x1.e03848cb8bd11p-11, -0x1.37b30f09afa47p-65},
	{0x1.00380c42ae963p+00, -0x1.c031072681a31p-11, -0x1.07805a98468b3p-68},
	{0x1.00340a9225afap+00, -0x1.a02a45b989b39p-11, 0x1.bbac98a27b7bcp-68},
	{0x1.00300901b0511p+00, -0x1.80240480a21ecp-11, 0x1.d9a5b8ac9fd19p-65},
	{0x1.002c07914cf94p+00, -0x1.601e4377c7f06p-11, 0x1.88d04b44bed88p-65},
	{0x1.00280640fa271p+00, -0x1.4019029af8a3ap-11, 0x1.03e918549c07p-65},
	{0x1.00240510b659ap+00, -0x1.201441e63322fp-11, -0x1.cd5a6c9aa9e89p-68},
	{0x1.00200400801p+00, -0x1.0010015575489p-11, 0x1.c8863f23ef262p-65},
	{0x1.001c031055c96p+00, -0x1.c01881c97abc3p-12, -0x1.7ee392236605cp-66},
	{0x1.0018024036051p+00, -0x1.801201201439fp-12, 0x1.8a6861123f9c2p-67},
	{0x1.001401901f427p+00, -0x1.400c80a6b45c4p-12, 0x1.42ca1f0ef8ac9p-66},
	{0x1.001001001001p+00, -0x1.0008005559549p-12, 0x1.dd332a0e20e2fp-66},
	{0x1.000c009006c05p+00, -0x1.800900480267ap-13, -0x1.36ff5a4283eddp-71},
	{0x1.0008004002001p+00, -0x1.0004001555d55p-13, 0x1.ddd88863f53f6p-67},
	{0x1.00040010004p+00, -0x1.0002000555255p-14, -0x1.62224ccd5f0ffp-68},
	{0x1p+00, 0x0p+00, 0x0p+00},
	{0x1.fff8001fff8p-01, 0x1.fffc000aab0abp-15, -0x1.3bbc110fec72cp-69},
	{0x1.fff0007ffc002p-01, 0x1.fff8002aa9aa9p-14, 0x1.10e6678af0afcp-70},
	{0x1.ffe8011ff280ap-01, 0x1.7ff70047fd97ap-13, 0x1.2f675a3f504dep-71},
	{0x1.ffe001ffe002p-01, 0x1.fff000aaa2a91p-13, 0x1.0bbc04dc4e3ddp-69},
	{0x1.ffd8031fc184ep-01, 0x1.3ff380a6a0f44p-12, -0x1.47e0346a43dedp-66},
	{0x1.ffd0047f940a2p-01, 0x1.7fee011febb9fp-12, -0x1.a8c86145819abp-67},
	{0x1.ffc8061f5492cp-01, 0x1.bfe781c92fd43p-12, 0x1.58977c7619f6dp-66},
	{0x1.ffc007ff002p-01, 0x1.ffe002aa6a911p-12, 0x1.99e2b62cc6b2dp-70},
	{0x1.ffb80a1e93b34p-01, 0x1.1febc1e5ccaefp-11, -0x1.cd413b5164ca8p-69},
	{0x1.ffb00c7e0c4e1p-01, 0x1.3fe7029a5ca3ap-11, 0x1.b2a8740b91d0ap-66},
	{0x1.ffa80f1d66f25p-01, 0x1.5fe1c376e2fc7p-11, 0x1.96d8a3ad28c1p-65},
	{0x1.ffa011fca0a1ep-01, 0x1.7fdc047f5e1eep-11, 0x1.0168ea0b7f4ep-67},
	{0x1.ff98151bb65efp-01, 0x1.9fd5c5b7cbbfcp-11, 0x1.edda93e2fa90cp-66},
	{0x1.ff90187aa52bep-01, 0x1.bfcf072429637p-11, -0x1.512596a6080dep-66},
	{0x1.ff881c196a0b2p-01, 0x1.dfc7c8c874ddbp-11, -0x1.063e9d57a16fbp-65},
	{0x1.ff801ff801ff8p-01, 0x1.ffc00aa8ab118p-11, -0x1.0fecbeb9b6cdbp-65},
	{0x1.ff7824166a0bdp-01, 0x1.0fdbe66464b8bp-10, -0x1.bd05546abbf2ap-64},
	{0x1.ff7028749f334p-01, 0x1.1fd78796663f6p-10, -0x1.80424976db98fp-64},
	{0x1.ff682d129e78fp-01, 0x1.2fd2e8ec58c55p-10, 0x1.843cd18a72e37p-69},
	{0x1.ff6031f064e08p-01, 0x1.3fce0a683a3a7p-10, 0x1.027199cd06b7dp-65},
	{0x1.ff58370def6d7p-01, 0x1.4fc8ec0c09166p-10, 0x1.a5983e80897cfp-65},
	{0x1.ff503c6b3b23bp-01, 0x1.5fc38dd9c3383p-10, -0x1.d13402e81798dp-64},
	{0x1.ff48420845073p-01, 0x1.6fbdefd366c67p-10, -0x1.e34a3cc8fb0dp-64},
	{0x1.ff4047e50a1c3p-01, 0x1.7fb811faf18f3p-10, -0x1.186491276bfcbp-67},
	{0x1.ff384e0187672p-01, 0x1.8fb1f4526148p-10, -0x1.7cc75bc8a5749p-68},
	{0x1.ff30545db9ec7p-01, 0x1.9fab96dbb3edfp-10, 0x1.75cdc2ba1026cp-67},
	{0x1.ff285af99eb11p-01, 0x1.afa4f998e6c54p-10, 0x1.77a7bd14e788dp-64},
	{0x1.ff2061d532b9dp-01, 0x1.bf9e1c8bf799ep-10, 0x1.c03f267dec185p-64},
	{0x1.ff1868f0730bep-01, 0x1.cf96ffb6e3befp-10, 0x1.b63703617ad45p-65},
	{0x1.ff10704b5cac9p-01, 0x1.df8fa31ba88efp-10, 0x1.eca47c52b7db3p-69},
	{0x1.ff0877e5eca16p-01, 0x1.ef8806bc434bbp-10, 0x1.57fc86eb5925cp-64},
	{0x1.ff007fc01ffp-01, 0x1.ff802a9ab11e6p-10, 0x1.e29e3a153e432p-64},
	{0x1.fef887d9f39e6p-01, 0x1.07bc075c777bbp-09, 0x1.bbfd9f880725dp-66},
	{0x1.fef0903364b28p-01, 0x1.0fb7d98c7cf73p-09, -0x1.21d0e88aecb0bp-68},
	{0x1.fee898cc7032ap-01, 0x1.17b38bde67712p-09, 0x1.1013903202328p-63},
	{0x1.fee0a1a513254p-01, 0x1.1faf1e53353c9p-09, 0x1.75cbef6fac368p-64},
	{0x1.fed8aabd4a90ep-01, 0x1.27aa90ebe4d03p-09, 0x1.6cf1eb25e77f4p-64},
	{0x1.fed0b415137c7p-01, 0x1.2fa5e3a974563p-09, -0x1.27972a989187dp-63},
	{0x1.fec8bdac6aeedp-01, 0x1.37a1168ce22c6p-09, -0x1.73aa0ebced78fp-63},
	{0x1.fec0c7834def5p-01, 0x1.3f9c29972c64p-09, 0x1.53590790adebdp-63},
	{0x1.feb8d199b9852p-01, 0x1.47971cc951523p-09, -0x1.64610da2042e6p-66},
	{0x1.feb0dbefaab7fp-01, 0x1.4f91f0244eef3p-09, 0x1.9bf8cf3451e1p-65},
	{0x1.fea8e6851e8f7p-01, 0x1.578ca3a923571p-09, -0x1.b3f102772c162p-63},
	{0x1.fea0f15a12139p-01, 0x1.5f873758cc893p-09, -0x1.2c1e0ae9936p-63},
	{0x1.fe98fc6e824c6p-01, 0x1.6781ab3448889p-09, 0x1.f23973dad1c3cp-63},
	{0x1.fe9107c26c423p-01, 0x1.6f7bff3c953bcp-09, 0x1.9793b5acf3a39p-68},
	{0x1.fe891355ccfd7p-01, 0x1.77763372b08cap-09, -0x1.35ae253006d72p-63},
	{0x1.fe811f28a186ep-01, 0x1.7f7047d798388p-09, -0x1.762979b7ec596p-65},
	{0x1.fe792b3ae6e73p-01, 0x1.876a3c6c4a306p-09, 0x1.b91b1fef4c784p-64},
	{0x1.fe71378c9a279p-01, 0x1.8f641131c4087p-09, 0x1.ef37d5bc5654ap-63},
	{0x1.fe69441db8512p-01, 0x1.975dc62903888p-09, 0x1.df96ef09b705dp-63},
	{0x1.fe6150ee3e6d4p-01, 0x1.9f575b53065bcp-09, -0x1.fd993f15c36b6p-65},
	{0x1.fe595dfe2985ap-01, 0x1.a750d0b0ca009p-09, 0x1.123fa302175dbp-63},
	{0x1.fe516b4d76a3ep-01, 0x1.af4a26434c292p-09, -0x1.be4c9560a710ap-64},
	{0x1.fe4978dc22d21p-01, 0x1.b7435c0b8a3a9p-09, 0x1.84473a46f20d8p-63},
	{0x1.fe4186aa2b1a5p-01, 0x1.bf3c720a81adcp-09, -0x1.a0d0c25b98059p-63},
	{0x1.fe3994b78c86dp-01, 0x1.c7356841300ebp-09, 0x1.fe3629e66a318p-63},
	{0x1.fe31a30444224p-01, 0x1.cf2e3eb0928cdp-09, 0x1.572fc19289f1ap-63},
	{0x1.fe29b1904ef73p-01, 0x1.d726f559a69afp-09, 0x1.309ad7de4a5c4p-64},
	{0x1.fe21c05baa109p-01, 0x1.df1f8c3d696f1p-09, 0x1.f748d58917721p-63},
	{0x1.fe19cf6652796p-01, 0x1.e718035cd852cp-09, -0x1.deea3645530ep-64},
	{0x1.fe11deb0453cfp-01, 0x1.ef105ab8f0628p-09, 0x1.464f037e425c1p-63},
	{0x1.fe09ee397f669p-01, 0x1.f7089252aede9p-09, 0x1.f857818d0bd0bp-68},
	{0x1.fe01fe01fe02p-01, 0x1.ff00aa2b10bap-09, 0x1.2821ad5a6d357p-63},
	{0x1.fdfa0e09be1afp-01, 0x1.037c5121898dcp-08, 0x1.86e6e989e55f9p-62},
}
var powExpTab = [256][2]float64{
	{0x1p+00, 0x0p+00},
	{0x1.00b1afa5abcbfp+00, -0x1.4f6b2a7609f71p-55},
	{0x1.0163da9fb3335p+00, 0x1.b61299ab8cdb7p-54},
	{0x1.02168143b0281p+00, -0x1.2bf310fc54eb6p-55},
	{0x1.02c9a3e778061p+00, -0x1.19083535b085dp-56},
	{0x1.037d42e11bbccp+00, 0x1.56811eeade11ap-57},
	{0x1.04315e86e7f85p+00, -0x1.0a31c1977c96ep-54},
	{0x1.04e5f72f654b1p+00, 0x1.4c3793aa0d08dp-55},
	{0x1.059b0d3158574p+00, 0x1.d73e2a475b465p-55},
	{0x1.0650a0e3c1f89p+00, -0x1.5cb7b5799c397p-54},
	{0x1.0706b29ddf6dep+00, -0x1.c91dfe2b13c27p-55},
	{0x1.07bd42b72a836p+00, 0x1.32334544587p-55},
	{0x1.0874518759bc8p+00, 0x1.186be4bb284ffp-57},
	{0x1.092bdf66607ep+00, -0x1.68063800a3fd1p-54},
	{0x1.09e3ecac6f383p+00, 0x1.1487818316136p-54},
	{0x1.0a9c79b1f3919p+00, 0x1.5d16c873d1d38p-55},
	{0x1.0b5586cf9890fp+00, 0x1.8a62e4adc610bp-54},
	{0x1.0c0f145e46c85p+00, 0x1.4f98906d21cefp-54},
	{0x1.0cc922b7247f7p+00, 0x1.01edc16e24f71p-54},
	{0x1.0d83b23395decp+00, -0x1.bc14de43f316ap-54},
	{0x1.0e3ec32d3d1a2p+00, 0x1.03a1727c57b53p-59},
	{0x1.0efa55fdfa9c5p+00, -0x1.49db9bc54021bp-54},
	{0x1.0fb66affed31bp+00, -0x1.b9bedc44ebd7bp-57},
	{0x1.1073028d7233ep+00, 0x1.d46eb1692fdd5p-55},
	{0x1.11301d0125b51p+00, -0x1.6c51039449b3ap-54},
	{0x1.11edbab5e2ab6p+00, -0x1.ca454f703fb72p-54},
	{0x1.12abdc06c31ccp+00, -0x1.1b514b36ca5c7p-58},
	{0x1.136a814f204abp+00, -0x1.7108fba48dcfp-57},
	{0x1.1429aaea92dep+00, -0x1.32fbf9af1369ep-54},
	{0x1.14e95934f312ep+00, -0x1.b91e839bf44abp-55},
	{0x1.15a98c8a58e51p+00, 0x1.2406ab9eeab0ap-55},
	{0x1.166a45471c3c2p+00, 0x1.8f23b82ea1a32p-58},
	{0x1.172b83c7d517bp+00, -0x1.19041b9d78a76p-55},
	{0x1.17ed48695bbcp+00, 0x1.09e3fe2ac5a64p-56},
	{0x1.18af9388c8deap+00, -0x1.11023d1970f6cp-54},
	{0x1.1972658375d2fp+00, 0x1.4aadd85f17e08p-54},
	{0x1.1a35beb6fcb75p+00, 0x1.e5b4c7b4968e4p-55},
	{0x1.1af99f8138a1cp+00, 0x1.7bf85a4b6928p-54},
	{0x1.1bbe084045cd4p+00, -0x1.95386352ef607p-54},
	{0x1.1c82f95281c6bp+00, 0x1.009778010f8c9p-54},
	{0x1.1d4873168b9aap+00, 0x1.e016e00a2643cp-54},
	{0x1.1e0e75eb44027p+00, -0x1.6fdd8088cb6dep-54},
	{0x1.1ed5022fcd91dp+00, -0x1.1df98027bb78cp-54},
	{0x1.1f9c18438ce4dp+00, -0x1.bf524a097af5cp-54},
	{0x1.2063b88628cd6p+00, 0x1.dc775814a8495p-55},
	{0x1.212be3578a819p+00, 0x1.3592d2cfcaac9p-54},
	{0x1.21f49917ddc96p+00, 0x1.2a97e9494a5eep-55},
	{0x1.22bdda27912d1p+00, 0x1.d34fb5577d69fp-55},
	{0x1.2387a6e756238p+00, 0x1.9b07eb6c70573p-54},
	{0x1.2451ffb82140ap+00, 0x1.acfcc911ca996p-55},
	{0x1.251ce4fb2a63fp+00, 0x1.ac155bef4f4a4p-55},
	{0x1.25e85711ece75p+00, 0x1.3e1a24ac31b2cp-54},
	{0x1.26b4565e27cddp+00, 0x1.2bd339940e9d9p-55},
	{0x1.2780e341ddf29p+00, 0x1.e067c05f9e76cp-54},
	{0x1.284dfe1f56381p+00, -0x1.a4c3a8c3f0d7ep-54},
	{0x1.291ba7591bb7p+00, -0x1.2cc7228401cbdp-55},
	{0x1.29e9df51fdee1p+00, 0x1.612e8afad1255p-55},
	{0x1.2ab8a66d10f13p+00, -0x1.95743191690a7p-54},
	{0x1.2b87fd0dad99p+00, -0x1.10adcd6381aa4p-59},
	{0x1.2c57e39771b2fp+00, -0x1.50145a6eb5124p-54},
	{0x1.2d285a6e4030bp+00, 0x1.0024754db41d5p-54},
	{0x1.2df961f641589p+00, 0x1.d16cffbbce198p-54},
	{0x1.2ecafa93e2f56p+00, 0x1.1ca0f45d52383p-56},
	{0x1.2f9d24abd886bp+00, -0x1.53c55532bda93p-57},
	{0x1.306fe0a31b715p+00, 0x1.6f46ad23182e4p-55},
	{0x1.31432edeeb2fdp+00, 0x1.959a3f3f3fcd1p-55},
	{0x1.32170fc4cd831p+00, 0x1.a9ce78e18047cp-55},
	{0x1.32eb83ba8ea32p+00, -0x1.c45e83cb4f318p-54},
	{0x1.33c08b26416ffp+00, 0x1.32721843659a6p-54},
	{0x1.3496266e3fa2dp+00, -0x1.35a75930881a4p-55},
	{0x1.356c55f929ff1p+00, -0x1.b5cee5c4e4628p-55},
	{0x1.36431a2de883bp+00, -0x1.c3144a06cb85ep-55},
	{0x1.371a7373aa9cbp+00, -0x1.63aeabf42eae2p-54},
	{0x1.37f26231e754ap+00, -0x1.9f5ca9eceb23cp-54},
	{0x1.38cae6d05d866p+00, -0x1.e958d3c9904bdp-54},
	{0x1.39a401b7140efp+00, -0x1.9a9a5fc8e2934p-54},
	{0x1.3a7db34e59ff7p+00, -0x1.5e436d661f5e3p-56},
	{0x1.3b57fbfec6cf4p+00, 0x1.54c66e26fff18p-54},
	{0x1.3c32dc313a8e5p+00, -0x1.efff8375d29c3p-54},
	{0x1.3d0e544ede173p+00, 0x1.fe8d08c284c71p-56},
	{0x1.3dea64c123422p+00, 0x1.ada0911f09ebcp-55},
	{0x1.3ec70df1c5175p+00, -0x1.af6637b8c9bcap-55},
	{0x1.3fa4504ac801cp+00, -0x1.7d023f956f9f3p-54},
	{0x1.40822c367a024p+00, 0x1.bddf8b6f4d048p-55},
	{0x1.4160a21f72e2ap+00, -0x1.ef3691c309278p-58},
	{0x1.423fb2709468ap+00, -0x1.8462dc0b314ddp-54},
	{0x1.431f5d950a897p+00, -0x1.1c7dde35f7999p-55},
	{0x1.43ffa3f84b9d4p+00, 0x1.880be9704c003p-55},
	{0x1.44e086061892dp+00, 0x1.89b7a04ef80dp-59},
	{0x1.45c2042a7d232p+00, -0x1.8641982fb1f8ep-57},
	{0x1.46a41ed1d0057p+00, 0x1.c944bd1648a76p-54},
	{0x1.4786d668b3237p+00, -0x1.c20f0ed445733p-54},
	{0x1.486a2b5c13cdp+00, 0x1.3c1a3b69062fp-56},
	{0x1.494e1e192aed2p+00, -0x1.3b2895e499eap-55},
	{0x1.4a32af0d7d3dep+00, 0x1.9cb62f3d1be56p-54},
	{0x1.4b17dea6db7d7p+00, -0x1.125b87f2897fp-55},
	{0x1.4bfdad5362a27p+00, 0x1.d4397afec42e2p-56},
	{0x1.4ce41b817c114p+00, 0x1.05e29690abd5dp-54},
	{0x1.4dcb299fddd0dp+00, 0x1.8ecdbbc6a7833p-54},
	{0x1.4eb2d81d8abffp+00, -0x1.5257d2e5d7a52p-54},
	{0x1.4f9b2769d2ca7p+00, -0x1.4b309d25957e3p-54},
	{0x1.508417f4531eep+00, 0x1.a249b49b7465fp-56},
	{0x1.516daa2cf6642p+00, -0x1.f768569bd93efp-55},
	{0x1.5257de83f4eefp+00, -0x1.c998d43efef71p-56},
	{0x1.5342b569d4f82p+00, -0x1.07abe1db13cadp-55},
	{0x1.542e2f4f6ad27p+00, 0x1.7926d192d5f7ep-55},
	{0x1.551a4ca5d920fp+00, -0x1.d689cefede59bp-55},
	{0x1.56070dde910d2p+00, -0x1.0fb6e168eebfp-54},
	{0x1.56f4736b527dap+00, 0x1.9bb2c011d93adp-54},
	{0x1.57e27dbe2c4cfp+00, -0x1.0b98c8a57b9c4p-54},
	{0x1.58d12d497c7fdp+00, 0x1.295e15b9a1de8p-55},
	{0x1.59c0827ff07ccp+00, -0x1.7e2cee467e60fp-54},
	{0x1.5ab07dd485429p+00, 0x1.6324c054647adp-54},
	{0x1.5ba11fba87a03p+00, -0x1.b77a14c233e1ap-54},
	{0x1.5c9268a5946b7p+00, 0x1.c4b1b816986a2p-60},
	{0x1.5d84590998b93p+00, -0x1.cd6a7a8b45643p-54},
	{0x1.5e76f15ad2148p+00, 0x1.ba6f93080e65ep-54},
	{0x1.5f6a320dceb71p+00, -0x1.9eadde3cdcf92p-55},
	{0x1.605e1b976dc09p+00, -0x1.3e2429b56de47p-54},
	{0x1.6152ae6cdf6f4p+00, 0x1.e4b3e4ab84c27p-54},
	{0x1.6247eb03a5585p+00, -0x1.383c17e40b497p-54},
	{0x1.633dd1d1929fdp+00, 0x1.84710beb964e5p-54},
	{0x1.6434634ccc32p+00, -0x1.c483c759d8933p-55},
	{0x1.652b9febc8fb7p+00, -0x1.ae3d5c9a73e09p-54},
	{0x1.6623882552225p+00, -0x1.bb60987591c34p-54},
	{0x1.671c1c70833f6p+00, -0x1.e8732586c6134p-55},
	{0x1.68155d44ca973p+00, 0x1.038ae44f73e65p-57},
	{0x1.690f4b19e9538p+00, 0x1.804bd9aeb445dp-55},
	{0x1.6a09e667f3bcdp+00, -0x1.bdd3413b26456p-54},
	{0x1.6b052fa75173ep+00, 0x1.a38f52c9a9d0ep-56},
	{0x1.6c012750bdabfp+00, -0x1.2895667ff0b0dp-56},
	{0x1.6cfdcddd47645p+00, 0x1.c7aa9b6f17309p-54},
	{0x1.6dfb23c651a2fp+00, -0x1.bbe3a683c88abp-57},
	{0x1.6ef9298593ae5p+00, -0x1.0b9749e1ac8b2p-54},
	{0x1.6ff7df9519484p+00, -0x1.83c0f25860ef6p-55},
	{0x1.70f7466f42e87p+00, 0x1.9d644d45aa65fp-58},
	{0x1.71f75e8ec5f74p+00, -0x1.16e4786887a99p-55},
	{0x1.72f8286ead08ap+00, -0x1.20aa02cd62c72p-54},
	{0x1.73f9a48a58174p+00, -0x1.0a8d96c65d53cp-54},
	{0x1.74fbd35d7cbfdp+00, 0x1.047fd618a6e1cp-54},
	{0x1.75feb564267c9p+00, -0x1.0245957316dd3p-54},
	{0x1.77024b1ab6e09p+00, 0x1.b7877169147f8p-54},
	{0x1.780694fde5d3fp+00, 0x1.866b80a02162dp-54},
	{0x1.790b938ac1cf6p+00, 0x1.349a862aadd3ep-54},
	{0x1.7a11473eb0187p+00, -0x1.41577ee04992fp-55},
	{0x1.7b17b0976cfdbp+00, -0x1.bebb58468dc88p-54},
	{0x1.7c1ed0130c132p+00, 0x1.f124cd1164dd6p-54},
	{0x1.7d26a62ff86fp+00, 0x1.1bddbfb72b8b4p-54},
	{0x1.7e2f336cf4e62p+00, 0x1.05d02ba15797ep-56},
	{0x1.7f3878491c491p+00, -0x1.07f11cf9311aep-55},
	{0x1.80427543e1a12p+00, -0x1.27c86626d972bp-54},
	{0x1.814d2add106d9p+00, 0x1.464370d151d4dp-54},
	{0x1.82589994cce13p+00, -0x1.d4c1dd41532d8p-54},
	{0x1.8364c1eb941f7p+00, 0x1.99b9a31df2bd5p-54},
	{0x1.8471a4623c7adp+00, -0x1.8d684a341cdfbp-55},
	{0x1.857f4179f5b21p+00, -0x1.ba748f8b216dp-58},
	{0x1.868d99b4492edp+00, -0x1.fc6f89bd4f6bap-54},
	{0x1.879cad931a436p+00, 0x1.5d2d7d2db47bdp-55},
	{0x1.88ac7d98a6699p+00, 0x1.994c2f37cb53ap-54},
	{0x1.89bd0a478580fp+00, 0x1.d53954475202bp-54},
	{0x1.8ace5422aa0dbp+00, 0x1.6e9f156864b27p-54},
	{0x1.8be05bad61778p+00, 0x1.ecb5efc43446ep-54},
	{0x1.8cf3216b5448cp+00, -0x1.0d55e32e9e3aap-56},
	{0x1.8e06a5e0866d9p+00, -0x1.7114a6fc9b2e6p-54},
	{0x1.8f1ae99157736p+00, 0x1.5cc13a2e3976cp-55},
	{0x1.902fed0282c8ap+00, 0x1.592ca85fe3fd2p-54},
	{0x1.9145b0b91ffc6p+00, -0x1.dd6792e582524p-54},
	{0x1.925c353aa2fe2p+00, -0x1.3455fa639db7fp-55},
	{0x1.93737b0cdc5e5p+00, -0x1.75fc781b57ebcp-57},
	{0x1.948b82b5f98e5p+00, -0x1.dc3d6797d2d99p-55},
	{0x1.95a44cbc8520fp+00, -0x1.64b7c96a5f039p-56},
	{0x1.96bdd9a7670b3p+00, -0x1.ba5967f19c896p-58},
	{0x1.97d829fde4e5p+00, -0x1.d185b7c1b85d1p-54},
	{0x1.98f33e47a22a2p+00, 0x1.cabdaa24c78edp-56},
	{0x1.9a0f170ca07bap+00, -0x1.173bd91cee632p-54},
	{0x1.9b2bb4d53fe0dp+00, -0x1.dd84e4df6d518p-54},
	{0x1.9c49182a3f09p+00, 0x1.c7c46b071f2bep-56},
	{0x1.9d674194bb8d5p+00, -0x1.516bea3dd8233p-54},
	{0x1.9e86319e32323p+00, 0x1.824ca78e64c6ep-56},
	{0x1.9fa5e8d07f29ep+00, -0x1.4a9ceaaf1facep-55},
	{0x1.a0c667b5de565p+00, -0x1.359495d1cd533p-54},
	{0x1.a1e7aed8eb8bbp+00, 0x1.c6618ee8be70ep-54},
	{0x1.a309bec4a2d33p+00, 0x1.6305c7ddc36abp-54},
	{0x1.a42c980460ad8p+00, -0x1.aa780589fb12p-54},
	{0x1.a5503b23e255dp+00, -0x1.d2f6edb8d41e1p-54},
	{0x1.a674a8af46052p+00, 0x1.50f5630670366p-57},
	{0x1.a799e1330b358p+00, 0x1.bcb7ecac563c7p-54},
	{0x1.a8bfe53c12e59p+00, -0x1.4f867b2ba15a9p-54},
	{0x1.a9e6b5579fdbfp+00, 0x1.0fac90ef7fd31p-54},
	{0x1.ab0e521356ebap+00, 0x1.89c31dae94545p-55},
	{0x1.ac36bbfd3f37ap+00, -0x1.f9234cae76cdp-55},
	{0x1.ad5ff3a3c2774p+00, 0x1.7ef3bb6b1b8e5p-54},
	{0x1.ae89f995ad3adp+00, 0x1.7a1cd345dcc81p-54},
	{0x1.afb4ce622f2ffp+00, -0x1.4b2fc0f315ecdp-54},
	{0x1.b0e07298db666p+00, -0x1.bdef54c80e425p-54},
	{0x1.b20ce6c9a8952p+00, 0x1.4dd024a0756ccp-54},
	{0x1.b33a2b84f15fbp+00, -0x1.2805e3084d708p-57},
	{0x1.b468415b749b1p+00, -0x1.f763de9df7c9p-56},
	{0x1.b59728de5593ap+00, -0x1.c71dfbbba6de3p-54},
	{0x1.b6c6e29f1c52ap+00, 0x1.2a8f352883f6ep-54},
	{0x1.b7f76f2fb5e47p+00, -0x1.5584f7e54ac3bp-56},
	{0x1.b928cf22749e4p+00, -0x1.b721654cb65c6p-54},
	{0x1.ba5b030a1064ap+00, -0x1.efcd30e54292ep-54},
	{0x1.bb8e0b79a6f1fp+00, -0x1.f52d1c9696205p-60},
	{0x1.bcc1e904bc1d2p+00, 0x1.23dd07a2d9e84p-55},
	{0x1.bdf69c3f3a207p+00, -0x1.c262360ea5b52p-60},
	{0x1.bf2c25bd71e09p+00, -0x1.efdca3f6b9c73p-54},
	{0x1.c06286141b33dp+00, -0x1.d8a5aa1fbca34p-55},
	{0x1.c199bdd85529cp+00, 0x1.11065895048ddp-55},
	{0x1.c2d1cd9fa652cp+00, -0x1.6e51617c8a5d7p-54},
	{0x1.c40ab5fffd07ap+00, 0x1.b4537e083c60ap-54},
	{0x1.c544778fafb22p+00, 0x1.12f072493b5afp-54},
	{0x1.c67f12e57d14bp+00, 0x1.2884dff483cadp-54},
	{0x1.c7ba88988c933p+00, -0x1.e76bbbe255559p-55},
	{0x1.c8f6d9406e7b5p+00, 0x1.1acbc48805c44p-56},
	{0x1.ca3405751c4dbp+00, -0x1.7f2bed10d08f5p-55},
	{0x1.cb720dcef9069p+00, 0x1.503cbd1e949dbp-56},
	{0x1.ccb0f2e6d1675p+00, -0x1.d220f86009093p-56},
	{0x1.cdf0b555dc3fap+00, -0x1.dd83b53829d72p-55},
	{0x1.cf3155b5bab74p+00, -0x1.a08e9b86dff57p-54},
	{0x1.d072d4a07897cp+00, -0x1.cbc3743797a9cp-54},
	{0x1.d1b532b08c968p+00, 0x1.55636219a36eep-54},
	{0x1.d2f87080d89f2p+00, -0x1.d487b719d8578p-54},
	{0x1.d43c8eacaa1d6p+00, 0x1.3db53bf5a1614p-54},
	{0x1.d5818dcfba487p+00, 0x1.2ed02d75b3707p-55},
	{0x1.d6c76e862e6d3p+00, 0x1.fe87a4a8165ap-58},
	{0x1.d80e316c98398p+00, -0x1.11ec18beddfe8p-54},
	{0x1.d955d71ff6075p+00, 0x1.a052dbb9af6bep-54},
	{0x1.da9e603db3285p+00, 0x1.c2300696db532p-54},
	{0x1.dbe7cd63a8315p+00, -0x1.b76f1926b8be4p-54},
	{0x1.dd321f301b46p+00, 0x1.2da5778f018c3p-54},
	{0x1.de7d5641c0658p+00, -0x1.ca5528e79ba8fp-54},
	{0x1.dfc97337b9b5fp+00, -0x1.1a5cd4f184b5cp-54},
	{0x1.e11676b197d17p+00, -0x1.2b529bd5c7f44p-56},
	{0x1.e264614f5a129p+00, -0x1.7b627817a1496p-54},
	{0x1.e3b333b16ee12p+00, -0x1.9f4a431fdc68bp-54},
	{0x1.e502ee78b3ff6p+00, 0x1.39e8980a9cc8fp-55},
	{0x1.e653924676d76p+00, -0x1.63ff87522b735p-55},
	{0x1.e7a51fbc74c83p+00, 0x1.2d522ca0c8de2p-54},
	{0x1.e8f7977cdb74p+00, -0x1.1089480b054b1p-54},
	{0x1.ea4afa2a490dap+00, -0x1.e9c23179c2893p-54},
	{0x1.eb9f4867cca6ep+00, 0x1.4832f2293e4f2p-54},
	{0x1.ecf482d8e67f1p+00, -0x1.c93f3b411ad8cp-54},
	{0x1.ee4aaa218851p+00, 0x1.1c68da487568dp-54},
	{0x1.efa1bee615a27p+00, 0x1.dc7f486a4b6bp-54},
	{0x1.f0f9c1cb6412ap+00, -0x1.3220065181d45p-54},
	{0x1.f252b376bba97p+00, 0x1.3a1a5bf0d8e43p-54},
	{0x1.f3ac948dd7274p+00, -0x1.95a5a3ed837dep-56},
	{0x1.f50765b6e454p+00, 0x1.9d3e12dd8a18bp-54},
	{0x1.f6632798844f8p+00, 0x1.fa37b3539343ep-54},
	{0x1.f7bfdad9cbe14p+00, -0x1.dbb12d006350ap-54},
	{0x1.f91d802243c89p+00, -0x1.12ea8a779f689p-57},
	{0x1.fa7c1819e90d8p+00, 0x1.74853f3a5931ep-55},
	{0x1.fbdba3692d514p+00, -0x1.9677315098eb6p-56},
	{0x1.fd3c22b8f71f1p+00, 0x1.2eb74966579e7p-57},
	{0x1.fe9d96b2a23d9p+00, 0x1.4a6037442fde3p-56},
}
