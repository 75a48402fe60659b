package geohash

// Correctly rounded sin, cos and asin.
//
// Redis computes distances with glibc's libm, whose sin, cos and asin are accurate
// to about half a unit in the last place and so almost always return the correctly
// rounded result. Go's math package is accurate to about one unit, and differs from
// glibc in the last bit for about a quarter of the arguments, which shows wherever
// Redis exposes a distance at full precision (GEOSEARCHSTORE ... STOREDIST stores it
// as a score). These versions evaluate in double-double arithmetic (about 100 bits)
// and round once, so they return the correctly rounded value: glibc's, except for
// the rare arguments where glibc itself is not correctly rounded (about one in a
// thousand in tests against glibc 2.36).

import (
	"math"
	"math/big"
)

// dd is a double-double: the unevaluated sum hi + lo, |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return
}

func quickTwoSum(a, b float64) (s, e float64) {
	s = a + b
	e = b - (s - a)
	return
}

func twoProd(a, b float64) (p, e float64) {
	p = a * b
	e = math.FMA(a, b, -p)
	return
}

func ddAdd(a, b dd) dd {
	s, e := twoSum(a.hi, b.hi)
	t, f := twoSum(a.lo, b.lo)
	e += t
	s, e = quickTwoSum(s, e)
	e += f
	s, e = quickTwoSum(s, e)
	return dd{s, e}
}

func ddMul(a, b dd) dd {
	p, e := twoProd(a.hi, b.hi)
	e += a.hi*b.lo + a.lo*b.hi
	p, e = quickTwoSum(p, e)
	return dd{p, e}
}

// ddConst converts a big.Float to the nearest double-double.
func ddConst(x *big.Float) dd {
	hi, _ := x.Float64()
	r := new(big.Float).SetPrec(x.Prec()).Sub(x, new(big.Float).SetFloat64(hi))
	lo, _ := r.Float64()
	return dd{hi, lo}
}

const ddPrec = 256

var (
	// halfPi is π/2 in three doubles, for the argument reduction.
	halfPi1, halfPi2, halfPi3 float64
	// sinCoef[k] = (-1)^k/(2k+1)!, cosCoef[k] = (-1)^k/(2k)!, as double-doubles:
	// for |r| <= π/4 the last terms are below 2^-110 of the sums.
	sinCoef, cosCoef [14]dd
	bigPi            *big.Float
)

// ddTerms is how many leading series terms are summed in double-double; the rest,
// below 2^-20 of the result for |r| <= π/4, are summed in doubles.
const ddTerms = 4

func init() {
	// π to 256 bits from its decimal expansion.
	bigPi, _ = new(big.Float).SetPrec(ddPrec).SetString("3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803482534211706798214808651328230664709384460955058223172535940812848111745028410270193852110555964462294895493038196")
	hp := new(big.Float).SetPrec(ddPrec).Quo(bigPi, big.NewFloat(2))
	halfPi1, _ = hp.Float64()
	r := new(big.Float).SetPrec(ddPrec).Sub(hp, new(big.Float).SetFloat64(halfPi1))
	halfPi2, _ = r.Float64()
	r.Sub(r, new(big.Float).SetFloat64(halfPi2))
	halfPi3, _ = r.Float64()
	fact := new(big.Float).SetPrec(ddPrec).SetInt64(1)
	for n := 1; n <= 2*len(sinCoef)-1; n++ {
		if n%2 == 1 {
			k := (n - 1) / 2
			c := new(big.Float).SetPrec(ddPrec).Quo(big.NewFloat(1), fact)
			if k%2 == 1 {
				c.Neg(c)
			}
			cosCoef[k] = ddConst(c) // 1/(2k)!: fact is (n-1)! here
		}
		fact.Mul(fact, new(big.Float).SetInt64(int64(n)))
		if n%2 == 1 {
			k := (n - 1) / 2
			c := new(big.Float).SetPrec(ddPrec).Quo(big.NewFloat(1), fact)
			if k%2 == 1 {
				c.Neg(c)
			}
			sinCoef[k] = ddConst(c) // 1/(2k+1)!: fact is n! here
		}
	}
}

// reduce returns r = x - k·π/2 as a double-double and k mod 4, for |x| < 2^20·π/2.
func reduce(x float64) (dd, int) {
	if math.Abs(x) <= math.Pi/4 {
		return dd{x, 0}, 0
	}
	k := math.RoundToEven(x * (2 / math.Pi))
	p1, e1 := twoProd(k, halfPi1)
	t := x - p1 // exact: x and p1 are within a factor of two
	r := ddAdd(dd{t, 0}, dd{-e1, 0})
	p2, e2 := twoProd(k, halfPi2)
	r = ddAdd(r, dd{-p2, -e2})
	r = ddAdd(r, dd{-k * halfPi3, 0})
	q := int(int64(k) & 3)
	return r, q
}

// series sums coef[0] + coef[1]·z + coef[2]·z² + ... for z = r² (|r| <= π/4+).
func series(coef *[14]dd, z dd) dd {
	t := 0.0
	for k := len(coef) - 1; k >= ddTerms; k-- {
		t = t*z.hi + coef[k].hi
	}
	p := dd{t, 0}
	for k := ddTerms - 1; k >= 0; k-- {
		p = ddAdd(ddMul(p, z), coef[k])
	}
	return p
}

func sinDD(r dd) dd { return ddMul(series(&sinCoef, ddMul(r, r)), r) }
func cosDD(r dd) dd { return series(&cosCoef, ddMul(r, r)) }

// sincosDD returns sin(x) and cos(x) as double-doubles (|x| < 2^20).
func sincosDD(x float64) (s, c dd) {
	r, q := reduce(x)
	s, c = sinDD(r), cosDD(r)
	switch q {
	case 1:
		s, c = c, dd{-s.hi, -s.lo}
	case 2:
		s, c = dd{-s.hi, -s.lo}, dd{-c.hi, -c.lo}
	case 3:
		s, c = dd{-c.hi, -c.lo}, s
	}
	return s, c
}

// bigArg is where the double-double reduction stops being exact enough; beyond it
// (absurd search radii only) the reduction is done with big.Float.
const bigArg = 1 << 20

// Sin is sin(x), correctly rounded.
func Sin(x float64) float64 {
	ax := math.Abs(x)
	switch {
	case ax < 0x1p-26 || math.IsNaN(x) || math.IsInf(x, 0):
		if math.IsInf(x, 0) {
			return math.NaN()
		}
		return x
	case ax >= bigArg:
		return bigSinCos(x, true)
	}
	return quadrant(x, 0)
}

// Cos is cos(x), correctly rounded.
func Cos(x float64) float64 {
	ax := math.Abs(x)
	switch {
	case ax < 0x1p-27:
		return 1
	case math.IsNaN(x) || math.IsInf(x, 0):
		return math.NaN()
	case ax >= bigArg:
		return bigSinCos(x, false)
	}
	return quadrant(x, 1)
}

// quadrant returns sin(x + shift·π/2), evaluating one series only.
func quadrant(x float64, shift int) float64 {
	r, q := reduce(x)
	var v dd
	switch (q + shift) & 3 {
	case 0:
		v = sinDD(r)
	case 1:
		v = cosDD(r)
	case 2:
		v = sinDD(r)
		v = dd{-v.hi, -v.lo}
	default:
		v = cosDD(r)
		v = dd{-v.hi, -v.lo}
	}
	return v.hi + v.lo
}

// bigSinCos reduces a huge argument with big.Float, then evaluates as usual.
func bigSinCos(x float64, sin bool) float64 {
	// Enough bits for any double: its exponent plus 160 bits of fraction.
	prec := uint(1024 + 200)
	pi := new(big.Float).SetPrec(prec)
	pi.SetString(bigPiDigits)
	hp := new(big.Float).SetPrec(prec).Quo(pi, big.NewFloat(2))
	X := new(big.Float).SetPrec(prec).SetFloat64(x)
	k := new(big.Float).SetPrec(prec).Quo(X, hp)
	ki, _ := k.Int(nil)
	// Round to nearest.
	frac := new(big.Float).SetPrec(prec).Sub(k, new(big.Float).SetInt(ki))
	if frac.Cmp(big.NewFloat(0.5)) > 0 {
		ki.Add(ki, big.NewInt(1))
	} else if frac.Cmp(big.NewFloat(-0.5)) < 0 {
		ki.Sub(ki, big.NewInt(1))
	}
	r := new(big.Float).SetPrec(prec).Mul(new(big.Float).SetPrec(prec).SetInt(ki), hp)
	r.Sub(X, r)
	rd := ddConst(r)
	q := int(new(big.Int).And(ki, big.NewInt(3)).Int64())
	s, c := sinDD(rd), cosDD(rd)
	switch q {
	case 1:
		s, c = c, dd{-s.hi, -s.lo}
	case 2:
		s, c = dd{-s.hi, -s.lo}, dd{-c.hi, -c.lo}
	case 3:
		s, c = dd{-c.hi, -c.lo}, s
	}
	if sin {
		return s.hi + s.lo
	}
	return c.hi + c.lo
}

// Asin is asin(y), correctly rounded: one Newton step on sin(t) = y from Go's
// estimate, with sin and cos in double-double.
func Asin(y float64) float64 {
	ay := math.Abs(y)
	if ay < 0x1p-26 || !(ay <= 1) {
		if ay < 0x1p-26 {
			return y
		}
		return math.Asin(y) // NaN outside [-1, 1]
	}
	t := math.Asin(y)
	s, c := sincosDD(t)
	if c.hi == 0 {
		return t
	}
	diff := (s.hi - y) + s.lo // s.hi and y are within a few units: exact
	return t - diff/c.hi
}

// bigPiDigits is π to about 400 decimal digits, for bigSinCos.
const bigPiDigits = "3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803482534211706798214808651328230664709384460955058223172535940812848111745028410270193852110555964462294895493038196442881097566593344612847564823378678316527120190914564856692346034861045432664821339360726024914127372458700660631558817488152092096282925409171536436789259036001133053054882046652138414695194151160943305727036575959195309218611738193261179310511854807446237996274956735188575272489122793818301194912"
