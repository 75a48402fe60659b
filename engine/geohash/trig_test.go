package geohash

import (
	"bufio"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// bigSeries evaluates sin or cos of x with a 300-bit Taylor series (|x| <= 4).
func bigSeries(x float64, sin bool) float64 {
	const prec = 300
	X := new(big.Float).SetPrec(prec).SetFloat64(x)
	x2 := new(big.Float).SetPrec(prec).Mul(X, X)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	n := int64(0)
	if sin {
		term.Set(X)
		n = 1
	}
	sum := new(big.Float).SetPrec(prec).Set(term)
	for i := 0; i < 80; i++ {
		term.Mul(term, x2)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64((n+1)*(n+2)))
		term.Neg(term)
		n += 2
		sum.Add(sum, term)
	}
	f, _ := sum.Float64()
	return f
}

// TestTrigCorrectlyRounded checks Sin and Cos against a 300-bit reference, and Asin
// through it (asin(y) = t exactly when sin(t) brackets y best).
func TestTrigCorrectlyRounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 3000; i++ {
		x := (rng.Float64()*2 - 1) * 3.3
		if i%5 == 0 {
			x = (rng.Float64()*2 - 1) * 1e-3
		}
		if got, want := Sin(x), bigSeries(x, true); got != want {
			t.Fatalf("Sin(%x) = %x, want %x", x, got, want)
		}
		if got, want := Cos(x), bigSeries(x, false); got != want {
			t.Fatalf("Cos(%x) = %x, want %x", x, got, want)
		}
	}
	for i := 0; i < 2000; i++ {
		y := rng.Float64()
		if i%7 == 0 {
			y = 1 - rng.Float64()*1e-12
		}
		a := Asin(y)
		// a is correctly rounded when y lies between sin of the midpoints around a.
		lo := bigSinMid(a, math.Nextafter(a, 0))
		hi := bigSinMid(a, math.Nextafter(a, 2))
		Y := new(big.Float).SetPrec(300).SetFloat64(y)
		if Y.Cmp(lo) < 0 || Y.Cmp(hi) > 0 {
			t.Fatalf("Asin(%x) = %x is not correctly rounded", y, a)
		}
	}
	if Sin(0) != 0 || Cos(0) != 1 || Asin(1) != math.Pi/2 || Asin(0) != 0 {
		t.Error("special values")
	}
	if !math.IsNaN(Asin(1.0000000000000002)) || !math.IsNaN(Sin(math.Inf(1))) {
		t.Error("NaN cases")
	}
	// Huge arguments reduce with big.Float.
	for _, x := range []float64{1e22, -3e300, 1 << 21} {
		if d := math.Abs(Sin(x) - math.Sin(x)); d > 1e-15 {
			t.Errorf("Sin(%v) = %v, math.Sin %v", x, Sin(x), math.Sin(x))
		}
		if d := math.Abs(Cos(x) - math.Cos(x)); d > 1e-15 {
			t.Errorf("Cos(%v) = %v, math.Cos %v", x, Cos(x), math.Cos(x))
		}
	}
}

// bigSinMid returns sin((a+b)/2) with 300 bits (a, b adjacent doubles below π/2).
func bigSinMid(a, b float64) *big.Float {
	const prec = 300
	m := new(big.Float).SetPrec(prec).Add(new(big.Float).SetFloat64(a), new(big.Float).SetFloat64(b))
	m.Quo(m, big.NewFloat(2))
	// sin via the series on the big argument.
	x2 := new(big.Float).SetPrec(prec).Mul(m, m)
	term := new(big.Float).SetPrec(prec).Set(m)
	sum := new(big.Float).SetPrec(prec).Set(m)
	n := int64(1)
	for i := 0; i < 80; i++ {
		term.Mul(term, x2)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64((n+1)*(n+2)))
		term.Neg(term)
		n += 2
		sum.Add(sum, term)
	}
	return sum
}

// TestTrigAgainstGlibc reports how often the functions differ from glibc's on a file
// of "x sin(x) cos(x) y asin(y)" lines in %a form (LIBM_VECTORS=file; see
// testdata/README.md).
func TestTrigAgainstGlibc(t *testing.T) {
	p := os.Getenv("LIBM_VECTORS")
	if p == "" {
		t.Skip("LIBM_VECTORS not set")
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var n, ds, dc, da, gs, gc, ga int
	for sc.Scan() {
		v := strings.Fields(sc.Text())
		x, _ := strconv.ParseFloat(v[0], 64)
		s, _ := strconv.ParseFloat(v[1], 64)
		c, _ := strconv.ParseFloat(v[2], 64)
		y, _ := strconv.ParseFloat(v[3], 64)
		a, _ := strconv.ParseFloat(v[4], 64)
		n++
		if Sin(x) != s {
			ds++
		}
		if Cos(x) != c {
			dc++
		}
		if Asin(y) != a {
			da++
		}
		if math.Sin(x) != s {
			gs++
		}
		if math.Cos(x) != c {
			gc++
		}
		if math.Asin(y) != a {
			ga++
		}
	}
	t.Logf("%d arguments; differ from glibc: Sin %d Cos %d Asin %d (Go's math: %d %d %d)", n, ds, dc, da, gs, gc, ga)
}

func BenchmarkSin(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Sin(float64(i&1023) * 0.003)
	}
}

func BenchmarkAsin(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Asin(float64(i&1023) * 0.000976)
	}
}
