package geohash

import (
	"bufio"
	"compress/gzip"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

func hexf(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("bad float %q: %v", s, err)
	}
	return f
}

func u64(t *testing.T, s string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("bad uint %q", s)
	}
	return n
}

func same(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

// near reports whether a and b agree to 1e-12 (relative, or absolute near 0). Values
// that go through sin, cos and asin may differ from glibc's in the last bits (Go's
// math package is not glibc's libm; a few ULPs, more where a subtraction cancels or
// asin nears 1), far below what replies show (4 decimals of a distance); everything
// else must be identical, and inexact counts how often these were not.
func near(a, b float64) bool {
	if !same(a, b) {
		inexact++
	}
	return math.Abs(a-b) <= 1e-12*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

var inexact int

// TestRedisVectors compares everything with values computed by Redis's C code (see
// testdata/README.md).
func TestRedisVectors(t *testing.T) {
	var r io.Reader
	if p := os.Getenv("GEOHASH_VECTORS"); p != "" {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r = f
	} else {
		f, err := os.Open("testdata/redis-vectors.txt.gz")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = gz
	}
	sc := bufio.NewScanner(r)
	lines, bad := 0, 0
	fail := func(format string, args ...any) {
		bad++
		if bad < 20 {
			t.Errorf(format, args...)
		}
	}
	for sc.Scan() {
		lines++
		f := strings.Fields(sc.Text())
		switch f[0] {
		case "E":
			lon, lat := hexf(t, f[1]), hexf(t, f[2])
			h, ok := EncodeWGS84(lon, lat, StepMax)
			score := Align52Bits(h)
			if !ok || score != u64(t, f[3]) {
				fail("line %d: encode %v %v = %d, want %s", lines, lon, lat, score, f[3])
			}
			dlon, dlat := DecodeScore(float64(score))
			if !same(dlon, hexf(t, f[4])) || !same(dlat, hexf(t, f[5])) {
				fail("line %d: decode %d = %v %v, want %s %s", lines, score, dlon, dlat, f[4], f[5])
			}
			sh, _ := Encode(Range{-180, 180}, Range{-90, 90}, dlon, dlat, StepMax)
			if sh.Bits != u64(t, f[6]) {
				fail("line %d: standard hash %d, want %s", lines, sh.Bits, f[6])
			}
		case "D":
			lon1, lat1, lon2, lat2 := hexf(t, f[1]), hexf(t, f[2]), hexf(t, f[3]), hexf(t, f[4])
			d := Distance(lon1, lat1, lon2, lat2)
			if !near(d, hexf(t, f[5])) {
				fail("line %d: distance = %x, want %s (%v vs %v)", lines, d, f[5], d, hexf(t, f[5]))
			}
		case "A":
			s := Shape{Kind: int(u64(t, f[1])), Lon: hexf(t, f[2]), Lat: hexf(t, f[3]), Conversion: hexf(t, f[4])}
			if s.Kind == Circle {
				s.Radius = hexf(t, f[5])
			} else {
				s.Width, s.Height = hexf(t, f[5]), hexf(t, f[6])
			}
			r := AreasByShape(&s)
			cells := r.Cells()
			for i, c := range cells {
				parts := strings.Split(f[8+i], ":")
				if c.Bits != u64(t, parts[0]) || uint64(c.Step) != u64(t, parts[1]) {
					fail("line %d: cell %d = %d:%d, want %s", lines, i, c.Bits, c.Step, f[8+i])
				}
			}
			for i := 0; i < 4; i++ {
				if !near(s.Bounds[i], hexf(t, f[17+i])) {
					fail("line %d: bound %d = %v, want %v", lines, i, s.Bounds[i], hexf(t, f[17+i]))
				}
			}
		case "I":
			kind := int(u64(t, f[1]))
			lon, lat, lon2, lat2 := hexf(t, f[2]), hexf(t, f[3]), hexf(t, f[4]), hexf(t, f[5])
			conv, a, b := hexf(t, f[6]), hexf(t, f[7]), hexf(t, f[8])
			var d float64
			var in bool
			if kind == Circle {
				d, in = InRadius(lon, lat, lon2, lat2, a*conv)
			} else {
				d, in = InRectangle(a*conv, b*conv, lon, lat, lon2, lat2)
			}
			if in != (f[9] == "1") || in && !near(d, hexf(t, f[10])) {
				fail("line %d: in-shape = %v %v, want %s %s", lines, in, d, f[9], f[10])
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if lines == 0 {
		t.Fatal("no vectors")
	}
	if bad > 0 {
		t.Errorf("%d of %d lines differ", bad, lines)
	}
	t.Logf("%d lines; %d trigonometric values not bit-identical to glibc's (within 1e-12)", lines, inexact)
}

func TestString11(t *testing.T) {
	// GEOADD Sicily 13.361389 38.115556 "Palermo" 15.087269 37.502669 "Catania";
	// GEOHASH gives sqc8b49rny0 and sqdtr74hyu0 (Redis's documentation).
	for _, c := range []struct {
		lon, lat float64
		want     string
	}{
		{13.361389, 38.115556, "sqc8b49rny0"},
		{15.087269, 37.502669, "sqdtr74hyu0"},
	} {
		h, _ := EncodeWGS84(c.lon, c.lat, StepMax)
		got := String11(float64(Align52Bits(h)))
		if string(got[:]) != c.want {
			t.Errorf("%v,%v: %s, want %s", c.lon, c.lat, got[:], c.want)
		}
	}
}

func TestEncodeLimits(t *testing.T) {
	for _, c := range [][2]float64{{180.0001, 0}, {-180.0001, 0}, {0, 85.06}, {0, -85.06}} {
		if _, ok := EncodeWGS84(c[0], c[1], StepMax); ok {
			t.Errorf("%v accepted", c)
		}
	}
	if _, ok := EncodeWGS84(0, 0, 0); ok {
		t.Error("step 0 accepted")
	}
}

func TestScoreToBits(t *testing.T) {
	// C's (uint64_t) cast on x86-64.
	if b := ScoreToBits(-1).Bits; b != math.MaxUint64 {
		t.Errorf("-1 -> %x", b)
	}
	if b := ScoreToBits(1 << 63).Bits; b != 1<<63 {
		t.Errorf("2^63 -> %x", b)
	}
	if b := ScoreToBits(12345).Bits; b != 12345 {
		t.Errorf("12345 -> %d", b)
	}
}

func BenchmarkDistance(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Distance(13.361389, 38.115556, 15.087269+float64(i&7), 37.502669)
	}
}

func BenchmarkAreasByShape(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s := Shape{Kind: Circle, Lon: 15, Lat: 37, Radius: 200, Conversion: 1000}
		AreasByShape(&s)
	}
}
