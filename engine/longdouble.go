package engine

// x87 "long double" arithmetic, as INCRBYFLOAT and HINCRBYFLOAT need it.
//
// Redis 7.0 on x86-64 parses both operands with strtold, adds them in 80-bit extended
// precision (64-bit significand, 15-bit exponent, subnormals) and prints the sum with
// "%.17Lf", trailing zeros trimmed. Doing the sum in float64 gives different digits
// (10.5 + 0.1 is "10.6" in Redis, "10.59999999999999964" with float64), so keygrid
// emulates the extended format with math/big: every result is rounded once, to nearest
// even, to the precision the 80-bit format would have at that magnitude.
//
// Use (INCRBYFLOAT, HINCRBYFLOAT): try incrLongDoubleFast, a 128-bit integer path for
// plain short decimals; when it declines, parseLongDouble each operand (Redis's
// string2ld, which gives each command its own error), longDoubleAdd them and format
// with appendLongDouble. Both paths give identical results.

import (
	"math/big"
	"math/bits"
	"strconv"
)

const (
	// ldMaxChars is Redis's MAX_LONG_DOUBLE_CHARS: longer inputs are not floats.
	ldMaxChars = 5 * 1024
	// ldMantBits is the significand width of the x87 extended format.
	ldMantBits = 64
	// ldMaxExp and ldMinNormExp bound big.Float's MantExp exponent (x = m·2^e with
	// 0.5 <= |m| < 1) for normal extended values: 2^-16382 <= |x| < 2^16384.
	ldMaxExp     = 16384
	ldMinNormExp = -16381
	// ldMinExp is the exponent of the lowest significand bit of every extended value
	// (the smallest subnormal is 2^-16445).
	ldMinExp = ldMinNormExp - ldMantBits
)

// ldStatus says how a value fits the extended format.
type ldStatus int8

const (
	ldOK        ldStatus = iota
	ldOverflow           // rounds to ±Inf
	ldUnderflow          // a non-zero value that rounds to zero
)

// parseLongDouble parses s as Redis's string2ld does (strtold on the whole string, no
// leading space, no NaN, no overflow, no underflow to zero) and returns the value
// rounded to extended precision. Infinities ("inf", "-Infinity") are accepted, as
// strtold accepts them; adding to them fails later.
func parseLongDouble(s []byte) (*big.Float, bool) {
	if len(s) == 0 || len(s) >= ldMaxChars || ldIsSpace(s[0]) {
		return nil, false
	}
	neg := false
	i := 0
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		i++
	}
	rest := s[i:]
	if eqFold(rest, "inf") || eqFold(rest, "infinity") {
		return new(big.Float).SetInf(neg), true
	}
	var x *big.Float
	var st ldStatus
	var ok bool
	if len(rest) > 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X') {
		x, st, ok = parseHexLongDouble(rest[2:])
	} else {
		x, st, ok = parseDecLongDouble(rest)
	}
	if !ok || st != ldOK {
		return nil, false
	}
	if neg {
		x.Neg(x)
	}
	return x, true
}

// ldIsSpace is C's isspace in the "C" locale.
func ldIsSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

// ldScanDigits returns the length of the run of digits (hex digits when hex) at the
// start of s.
func ldScanDigits(s []byte, hex bool) int {
	n := 0
	for n < len(s) {
		c := s[n]
		if c >= '0' && c <= '9' || hex && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			n++
			continue
		}
		break
	}
	return n
}

// ldScanMantissa splits "ddd.ddd" at the start of s into its integer and fraction digits
// and returns how many bytes it used; ok is false without any digit.
func ldScanMantissa(s []byte, hex bool) (intPart, frac []byte, n int, ok bool) {
	a := ldScanDigits(s, hex)
	intPart = s[:a]
	n = a
	if n < len(s) && s[n] == '.' {
		b := ldScanDigits(s[n+1:], hex)
		frac = s[n+1 : n+1+b]
		n += 1 + b
	}
	return intPart, frac, n, len(intPart)+len(frac) > 0
}

// ldScanExponent parses an exponent "[+-]digits" that must make up all of s, saturating
// far beyond any exponent that matters.
func ldScanExponent(s []byte) (int64, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 || ldScanDigits(s, false) != len(s) {
		return 0, false
	}
	var e int64
	for _, c := range s {
		if e < 1e12 {
			e = e*10 + int64(c-'0')
		}
	}
	if neg {
		e = -e
	}
	return e, true
}

// ldMantissaInt returns the integer whose digits are intPart followed by frac, leading
// zeros removed, and its number of significant digits.
func ldMantissaInt(intPart, frac []byte, base int) (*big.Int, int) {
	digits := make([]byte, 0, len(intPart)+len(frac))
	digits = append(digits, intPart...)
	digits = append(digits, frac...)
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
	}
	m := new(big.Int)
	if len(digits) > 0 {
		m.SetString(string(digits), base)
	}
	return m, len(digits)
}

// parseDecLongDouble parses an unsigned decimal float ("1.5", ".5", "3.", "2e-3").
func parseDecLongDouble(s []byte) (*big.Float, ldStatus, bool) {
	intPart, frac, n, ok := ldScanMantissa(s, false)
	if !ok {
		return nil, ldOK, false
	}
	var exp int64
	if n < len(s) {
		if s[n] != 'e' && s[n] != 'E' {
			return nil, ldOK, false
		}
		if exp, ok = ldScanExponent(s[n+1:]); !ok {
			return nil, ldOK, false
		}
	}
	m, nd := ldMantissaInt(intPart, frac, 10)
	if nd == 0 {
		return new(big.Float), ldOK, true
	}
	// The value is m·10^k, between 10^(nd-1+k) and 10^(nd+k).
	k := exp - int64(len(frac))
	switch {
	case int64(nd)-1+k > 4932: // at least 1e4933, above the largest extended value
		return nil, ldOverflow, true
	case int64(nd)+k <= -4951: // below 1e-4951, under half the smallest subnormal
		return nil, ldUnderflow, true
	}
	ten := big.NewInt(10)
	if k >= 0 {
		m.Mul(m, new(big.Int).Exp(ten, big.NewInt(k), nil))
		x, st := roundLongDouble(new(big.Float).SetInt(m))
		return x, st, true
	}
	den := new(big.Int).Exp(ten, big.NewInt(-k), nil)
	x, st := quoLongDouble(m, den)
	return x, st, true
}

// parseHexLongDouble parses the part after "0x" of a hexadecimal float ("1.8p3").
func parseHexLongDouble(s []byte) (*big.Float, ldStatus, bool) {
	intPart, frac, n, ok := ldScanMantissa(s, true)
	if !ok {
		return nil, ldOK, false
	}
	var exp int64
	if n < len(s) {
		if s[n] != 'p' && s[n] != 'P' {
			return nil, ldOK, false
		}
		if exp, ok = ldScanExponent(s[n+1:]); !ok {
			return nil, ldOK, false
		}
	}
	m, nd := ldMantissaInt(intPart, frac, 16)
	if nd == 0 {
		return new(big.Float), ldOK, true
	}
	shift := exp - 4*int64(len(frac))
	top := int64(m.BitLen()) + shift // the value is below 2^top, at least 2^(top-1)
	switch {
	case top > ldMaxExp:
		return nil, ldOverflow, true
	case top < ldMinExp:
		return nil, ldUnderflow, true
	}
	x := new(big.Float).SetInt(m)
	x.SetMantExp(x, int(shift))
	r, st := roundLongDouble(x)
	return r, st, true
}

// ldPrec is the significand precision the extended format has for a value whose
// MantExp exponent is e: 64 bits for normal values, fewer for subnormals.
func ldPrec(e int) int {
	if e < ldMinNormExp {
		return ldMantBits - (ldMinNormExp - e)
	}
	return ldMantBits
}

// roundLongDouble rounds an exact value to the extended format, to nearest even.
func roundLongDouble(x *big.Float) (*big.Float, ldStatus) {
	if x.IsInf() {
		return x, ldOverflow
	}
	if x.Sign() == 0 {
		return x, ldOK
	}
	e := x.MantExp(nil)
	if e > ldMaxExp {
		return nil, ldOverflow
	}
	p := ldPrec(e)
	if p <= 0 {
		return tinyLongDouble(x, e)
	}
	r := new(big.Float).SetMode(big.ToNearestEven).SetPrec(uint(p)).Set(x)
	if r.MantExp(nil) > ldMaxExp {
		return nil, ldOverflow
	}
	return r, ldOK
}

// tinyLongDouble rounds a value below the smallest subnormal's bit: it becomes that
// subnormal when above half of it, zero otherwise (ties go to the even zero).
func tinyLongDouble(x *big.Float, e int) (*big.Float, ldStatus) {
	half := new(big.Float).SetMantExp(big.NewFloat(1), ldMinExp-1)
	if e == ldMinExp && new(big.Float).Abs(x).Cmp(half) > 0 {
		r := new(big.Float).SetMantExp(big.NewFloat(1), ldMinExp)
		if x.Sign() < 0 {
			r.Neg(r)
		}
		return r, ldOK
	}
	return nil, ldUnderflow
}

// quoLongDouble returns num/den (both positive) rounded once to the extended format.
func quoLongDouble(num, den *big.Int) (*big.Float, ldStatus) {
	// Find e with 2^(e-1) <= num/den < 2^e, then divide at the precision the format
	// has at that magnitude: big.Float's Quo is correctly rounded.
	e := num.BitLen() - den.BitLen()
	var a, b big.Int
	if e >= 0 {
		a.Set(num)
		b.Lsh(den, uint(e))
	} else {
		a.Lsh(num, uint(-e))
		b.Set(den)
	}
	if a.Cmp(&b) >= 0 {
		e++
	}
	if e > ldMaxExp {
		return nil, ldOverflow
	}
	nf := new(big.Float).SetInt(num)
	df := new(big.Float).SetInt(den)
	p := ldPrec(e)
	if p <= 0 {
		exact := new(big.Float).SetPrec(uint(num.BitLen()+den.BitLen()+64)).Quo(nf, df)
		return tinyLongDouble(exact, e)
	}
	r := new(big.Float).SetMode(big.ToNearestEven).SetPrec(uint(p)).Quo(nf, df)
	if r.MantExp(nil) > ldMaxExp {
		return nil, ldOverflow
	}
	return r, ldOK
}

// longDoubleAdd returns x+y in extended precision; ok is false when the sum is NaN or
// infinite (Redis: "increment would produce NaN or Infinity").
func longDoubleAdd(x, y *big.Float) (*big.Float, bool) {
	if x.IsInf() || y.IsInf() {
		return nil, false
	}
	if x.Sign() == 0 || y.Sign() == 0 {
		// Signed zeros follow IEEE: -0 + -0 is -0, any other zero sum is +0.
		return new(big.Float).Add(x, y), true
	}
	// Both operands are multiples of 2^ldMinExp below 2^ldMaxExp, so the exact sum
	// fits in this many bits; round it once.
	ex, ey := x.MantExp(nil), y.MantExp(nil)
	prec := max(ex, ey) - ldMinExp + 2
	sum := new(big.Float).SetPrec(uint(prec)).Add(x, y)
	r, st := roundLongDouble(sum)
	return r, st == ldOK
}

// appendLongDouble appends x as Redis's ld2string in human mode: "%.17Lf" with trailing
// zeros and a trailing dot removed, and "-0" printed as "0".
func appendLongDouble(b []byte, x *big.Float) []byte {
	if x.IsInf() {
		if x.Sign() < 0 {
			return append(b, "-inf"...)
		}
		return append(b, "inf"...)
	}
	start := len(b)
	b = x.Append(b, 'f', 17)
	end := len(b)
	for end > start && b[end-1] == '0' {
		end--
	}
	if end > start && b[end-1] == '.' {
		end--
	}
	b = b[:end]
	if string(b[start:]) == "-0" {
		b = append(b[:start], '0')
	}
	return b
}

// --- fast path ---------------------------------------------------------------------
//
// Most INCRBYFLOAT calls add short plain decimals ("10.5", "0.1", "-3"). For those the
// extended-precision arithmetic fits in 128-bit integers: each operand is rounded once
// to a 64-bit significand, the sum is rounded once, and "%.17Lf" is computed exactly
// from the binary value. Anything else (exponents, hex, long mantissas, results of
// 2^64 or more) goes through math/big. TestLongDoubleFastPath checks both agree.

// ext is a finite extended-precision value: (-1)^neg · mant · 2^exp, mant normalized
// (top bit set) unless it is zero.
type ext struct {
	mant uint64
	exp  int
	neg  bool
}

// pow10u64 holds 10^0 .. 10^19.
var pow10u64 = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// parseExtFast parses a plain decimal ("-12.50", "3", ".5", "7.") with at most 38
// digits, of which at most 19 after the point, rounding it to extended precision.
// That covers every result the fast path formats, so repeated INCRBYFLOATs stay on
// it. ok is false for anything else.
func parseExtFast(s []byte) (x ext, ok bool) {
	if len(s) == 0 {
		return x, false
	}
	if s[0] == '-' || s[0] == '+' {
		x.neg = s[0] == '-'
		s = s[1:]
	}
	var mHi, mLo uint64 // the digits as a 128-bit integer
	digits, frac := 0, -1
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
			if digits > 38 { // 10^38 < 2^127
				return x, false
			}
			hi, lo := bits.Mul64(mLo, 10)
			lo, carry := bits.Add64(lo, uint64(c-'0'), 0)
			mHi, mLo = mHi*10+hi+carry, lo
		case c == '.' && frac < 0:
			frac = len(s) - i - 1
		default:
			return x, false
		}
	}
	if frac < 0 {
		frac = 0
	}
	if digits == 0 || frac > 19 {
		return x, false
	}
	if mHi == 0 && mLo == 0 {
		return x, true
	}
	// The value m/10^frac as a 256-bit fixed-point number w (w[0] weighs 2^64, w[1]
	// 2^0, w[2] 2^-64, w[3] 2^-128) plus a sticky bit for the remainder below.
	d := pow10u64[frac]
	var w [4]uint64
	var r uint64
	w[0], r = bits.Div64(0, mHi, d)
	w[1], r = bits.Div64(r, mLo, d)
	w[2], r = bits.Div64(r, 0, d)
	w[3], r = bits.Div64(r, 0, d)
	// m >= 1 and d < 2^64 make the value at least 2^-64: its top bit is in w[0..2].
	i := 0
	for w[i] == 0 {
		i++
	}
	n := bits.LeadingZeros64(w[i])
	word := func(k int) uint64 {
		if k < len(w) {
			return w[k]
		}
		return 0
	}
	mant := w[i]<<n | word(i+1)>>(64-n)
	rest := word(i+1)<<n | word(i+2)>>(64-n)
	sticky := r != 0 || word(i+2)<<n != 0 || (i+3 < len(w) && w[3] != 0)
	exp := 64*(1-i) - n
	x.mant, x.exp = roundExt(mant, rest, sticky, exp)
	return x, true
}

// roundExt rounds a 64-bit significand to nearest even given the next 64 bits (rest)
// and whether any bit below those is set; exp is the significand's exponent.
func roundExt(mant, rest uint64, sticky bool, exp int) (uint64, int) {
	const half = 1 << 63
	if rest > half || (rest == half && (sticky || mant&1 == 1)) {
		mant++
		if mant == 0 { // carried out: 2^64
			mant, exp = 1<<63, exp+1
		}
	}
	return mant, exp
}

// shl128 returns m<<n as a 128-bit value, for 0 <= n < 128.
func shl128(m uint64, n int) (hi, lo uint64) {
	switch {
	case n == 0:
		return 0, m
	case n < 64:
		return m >> (64 - n), m << n
	default:
		return m << (n - 64), 0
	}
}

// addExt returns x+y rounded to nearest even.
func addExt(x, y ext) ext {
	if x.mant == 0 || y.mant == 0 {
		if x.mant == 0 && y.mant == 0 {
			return ext{neg: x.neg && y.neg}
		}
		if x.mant == 0 {
			return y
		}
		return x
	}
	// a is the operand of larger magnitude.
	a, b := x, y
	if b.exp > a.exp || (b.exp == a.exp && b.mant > a.mant) {
		a, b = b, a
	}
	// Place a.mant in the high word and b shifted right by the exponent difference,
	// remembering in sticky whether bits of b fell off the end.
	aHi, aLo := a.mant, uint64(0)
	var bHi, bLo uint64
	sticky := false
	switch d := a.exp - b.exp; {
	case d == 0:
		bHi = b.mant
	case d < 64:
		bHi, bLo = b.mant>>d, b.mant<<(64-d)
	case d < 128:
		bLo = b.mant >> (d - 64)
		sticky = d > 64 && b.mant<<(128-d) != 0
	default:
		sticky = true
	}
	exp := a.exp - 64 // of the lowest bit of the 128-bit sum
	var hi, lo, carry uint64
	if a.neg == b.neg {
		lo, carry = bits.Add64(aLo, bLo, 0)
		hi, carry = bits.Add64(aHi, bHi, carry)
	} else {
		var borrow uint64
		lo, borrow = bits.Sub64(aLo, bLo, 0)
		hi, _ = bits.Sub64(aHi, bHi, borrow)
		if sticky {
			// The true difference lies strictly between this minus one unit and
			// this: keep one unit less, with sticky set.
			lo, borrow = bits.Sub64(lo, 1, 0)
			hi -= borrow
		}
		if hi == 0 && lo == 0 && !sticky {
			return ext{} // exact cancellation is +0
		}
	}
	// Normalize to a 64-bit significand plus the bits below it.
	var mant, rest uint64
	switch {
	case carry != 0: // 129 bits: shift right by one
		sticky = sticky || lo&1 != 0
		mant, rest = 1<<63|hi>>1, hi<<63|lo>>1
		exp++
	case hi != 0:
		n := bits.LeadingZeros64(hi)
		mant, rest = hi<<n|lo>>(64-n), lo<<n // lo>>64 is 0 in Go
		exp -= n
	default:
		n := bits.LeadingZeros64(lo)
		mant, rest = lo<<n, 0
		exp -= 64 + n
	}
	mant, exp = roundExt(mant, rest, sticky, exp+64)
	return ext{mant: mant, exp: exp, neg: a.neg}
}

func boolU64(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// appendExtFast appends x as "%.17Lf" trimmed (appendLongDouble); ok is false when
// |x| >= 2^64, which is left to math/big.
func appendExtFast(b []byte, x ext) ([]byte, bool) {
	if x.mant == 0 {
		return append(b, '0'), true
	}
	if x.exp > 0 {
		return b, false
	}
	// f = round(|x|·10^17), exactly, rounding half to even like printf.
	const p17 = 100000000000000000
	hi, lo := bits.Mul64(x.mant, p17)
	if k := -x.exp; k > 0 {
		var rest, halfHi, halfLo uint64 // the bits shifted out, and half a unit
		switch {
		case k >= 128:
			hi, lo = 0, 0 // below 2^121 / 2^128: rounds to zero
		case k >= 64:
			restHi, restLo := hi&(1<<(k-64)-1), lo
			if k == 64 {
				restHi = 0
			}
			lo, hi = hi>>(k-64), 0
			halfHi, halfLo = shl128(1, k-1)
			rest = cmp128(restHi, restLo, halfHi, halfLo)
		default:
			restLo := lo & (1<<k - 1)
			lo, hi = lo>>k|hi<<(64-k), hi>>k
			rest = cmp128(0, restLo, 0, 1<<(k-1))
		}
		// rest: 0 below half, 1 exactly half, 2 above half.
		if rest == 2 || (rest == 1 && lo&1 == 1) {
			var c uint64
			lo, c = bits.Add64(lo, 1, 0)
			hi += c
		}
	}
	if hi >= p17 {
		return b, false
	}
	ip, fp := bits.Div64(hi, lo, p17)
	if ip == 0 && fp == 0 {
		return append(b, '0'), true // "-0" prints as "0"
	}
	if x.neg {
		b = append(b, '-')
	}
	b = strconv.AppendUint(b, ip, 10)
	if fp != 0 {
		var frac [17]byte
		for i := 16; i >= 0; i-- {
			frac[i] = byte('0' + fp%10)
			fp /= 10
		}
		n := 17
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, '.')
		b = append(b, frac[:n]...)
	}
	return b, true
}

// cmp128 compares two 128-bit values: 0 if a < b, 1 if equal, 2 if a > b.
func cmp128(aHi, aLo, bHi, bLo uint64) uint64 {
	switch {
	case aHi != bHi:
		return 2 * boolU64(aHi > bHi)
	case aLo != bLo:
		return 2 * boolU64(aLo > bLo)
	}
	return 1
}

// incrLongDoubleFast adds incr to cur (nil: a missing value, 0) and appends the result
// formatted as INCRBYFLOAT does. ok is false when an operand or the result is outside
// the fast path; the caller then uses parseLongDouble, longDoubleAdd and
// appendLongDouble, which also produce the errors.
func incrLongDoubleFast(dst, cur, incr []byte, exists bool) (out []byte, ok bool) {
	var x ext
	if exists {
		if x, ok = parseExtFast(cur); !ok {
			return dst, false
		}
	}
	y, ok := parseExtFast(incr)
	if !ok {
		return dst, false
	}
	return appendExtFast(dst, addExt(x, y))
}
