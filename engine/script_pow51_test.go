package engine

// pow51 (script_pow51.go): C99's special cases, glibc's results
// (testdata/pow_glibc.txt), the tables; and ^ and math.pow against
// redis-server 7.0.15, whose Lua calls glibc's pow.

import (
	"bufio"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
	lua "github.com/yuin/gopher-lua"
)

// powTestPairs returns hand-picked and pseudo-random (x, y) pairs: bases near
// 1 with large exponents, integer and half-integer exponents, results near
// overflow and in the subnormal range, negative bases, special values.
func powTestPairs(n int) [][2]float64 {
	inf, nan := math.Inf(1), math.NaN()
	negz := math.Copysign(0, -1)
	specials := []float64{0, negz, 1, -1, 2, -2, 0.5, -0.5, 3, -3, 1.5, -1.5, 1e-310, -1e-310,
		math.SmallestNonzeroFloat64, math.MaxFloat64, -math.MaxFloat64, 0x1p-1022, inf, -inf, nan,
		1 + 0x1p-52, 1 - 0x1p-53, 10, 0.1, 7, -7, 1e300, 1e-300}
	var ps [][2]float64
	for _, x := range specials {
		for _, y := range specials {
			ps = append(ps, [2]float64{x, y})
		}
	}
	hand := [][2]float64{
		{1.1, 0.3}, {2, 0.5}, {10, -2}, {10, 22}, {10, 23}, {10, 308}, {10, -308}, {10, -323}, {10, -324},
		{2, 1023}, {2, 1024}, {2, -1074}, {2, -1075}, {2, -1075.5}, {2, -1074.5}, {4, -537.5}, {0.5, 1075},
		{3 * 0x1p-215, 5}, {134217727, 2}, {134217727, 3}, {3, 33}, {3, 34}, {3, 35}, {5, 22}, {5, 23},
		{9, 0.5}, {8, 1.0 / 3}, {27, 1.0 / 3}, {2, 0.1}, {math.E, 709.782712893384}, {math.E, 709.8},
		{math.E, -745.1332191019411}, {math.E, -745.2}, {-2, 1023}, {-2, 1024}, {-2, 1025}, {-2, -1075},
		{-2, -1074}, {-0.5, 1074}, {-0.5, 1075}, {1 + 0x1p-30, 0x1p40}, {1 - 0x1p-30, 0x1p40},
		{1 + 0x1p-52, 1e16}, {1 - 0x1p-53, 1e17}, {1.0000001, 7.09782712893384e9}, {0.9999999, -7.0978e9},
	}
	ps = append(ps, hand...)
	r := rand.New(rand.NewPCG(51, 7))
	uni := func(a, b float64) float64 { return a + (b-a)*r.Float64() }
	for len(ps) < n {
		var x, y float64
		switch r.IntN(10) {
		case 0: // moderate bases and exponents
			x, y = uni(0, 4), uni(-40, 40)
		case 1: // bases near 1, large exponents
			x = 1 + uni(-1, 1)*math.Ldexp(1, -r.IntN(50)-3)
			y = uni(-1, 1) * math.Ldexp(1, r.IntN(60))
		case 2: // integer exponents
			x, y = uni(-3, 3)*math.Ldexp(1, r.IntN(40)-20), float64(r.IntN(81)-40)
		case 3: // halves and quarters
			x, y = uni(0, 100), float64(r.IntN(200)-100)/4
		case 4: // results near overflow
			x = math.Exp(uni(0.01, 30))
			y = uni(700, 709.8) / math.Log(x)
		case 5: // results in the subnormal range and about it
			x = math.Exp(uni(-30, 30))
			y = uni(-746, -705) / math.Log(x)
		case 6: // negative bases, integer or not
			x = -uni(0, 10)
			if r.IntN(2) == 0 {
				y = float64(r.IntN(61) - 30)
			} else {
				y = uni(-10, 10)
			}
		case 7: // any bit patterns
			x, y = math.Float64frombits(r.Uint64()), math.Float64frombits(r.Uint64())
			if r.IntN(2) == 0 {
				y = math.Ldexp(uni(-1, 1), r.IntN(12)-4)
			}
		case 8: // small integers to any power
			x, y = float64(r.IntN(40)+2), uni(-300, 300)
		default: // wide ranges
			x = math.Ldexp(uni(0.5, 1), r.IntN(2000)-1000)
			y = uni(-1, 1) * math.Ldexp(1, r.IntN(8)-6)
		}
		ps = append(ps, [2]float64{x, y})
	}
	return ps
}

// powPairsScript formats x^y and math.pow(x, y) with %.17g for each pair of
// arguments.
const powPairsScript = `local r = {}
for i = 1, #ARGV, 2 do
  local x, y = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  r[#r + 1] = string.format('%.17g', x ^ y) .. ' ' .. string.format('%.17g', math.pow(x, y))
end
return r`

func powArg(x float64) string {
	switch {
	case x != x:
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

func powEvalPairs(t *testing.T, c *testutil.Conn, ps [][2]float64) []string {
	t.Helper()
	args := []string{"EVAL", powPairsScript, "0"}
	for _, p := range ps {
		args = append(args, powArg(p[0]), powArg(p[1]))
	}
	raw, err := c.Do(args...)
	if err != nil {
		t.Fatal(err)
	}
	v, err := testutil.ParseReply(raw)
	if err != nil {
		t.Fatal(err)
	}
	if v.Kind != testutil.KindArray || len(v.Elems) != len(ps) {
		t.Fatalf("reply %q", raw)
	}
	out := make([]string, len(ps))
	for i, e := range v.Elems {
		out[i] = e.Str
	}
	return out
}

// TestScriptPowDiffRedis compares every digit with redis-server's: pow51 is
// glibc's pow, so there is no difference to allow, not even where glibc's
// result is not the correctly rounded one.
func TestScriptPowDiffRedis(t *testing.T) {
	rc, kc := redisAndKeygrid(t)
	powDiff(t, rc, kc, powTestPairs(6000), "redis")
	// Constants: Lua 5.1 folds x^y at compile time.
	var scripts []string
	for _, s := range []string{"1.1^0.3", "2^0.5", "10^-5", "3^-0.25", "7^(1/3)", "(0.1)^7.5", "1.0000001^1e9",
		"2^-1074.5", "0.5^1074.25", "9^0.5", "-(2^0.3)", "(-8)^(1/3)", "1e300^1.1", "(1/0)^0.5", "(-0)^-3", "(-2)^-1075"} {
		scripts = append(scripts, "return string.format('%.17g', "+s+")", "return tostring("+s+")",
			"local x = "+s+" return string.format('%.17g', x)")
	}
	scripts = append(scripts, "local t = {} for i = 1, 50 do t[i] = string.format('%.17g', 1.1 ^ (i / 7)) end return t",
		"local t = {} for i = 1, 50 do t[i] = tostring(i ^ 0.5) .. ' ' .. tostring((i / 10) ^ -i) end return t",
		"local x = -0 return {tostring(x ^ 1), tostring(x ^ 3), tostring(x ^ 2), tostring(x ^ -1)}")
	evalDiff(t, rc, kc, scripts)
}

// powDiff evaluates ^ and math.pow of the pairs on both servers, 500 pairs a
// script, and reports every pair whose digits differ; name is redis's side in
// the messages.
func powDiff(t *testing.T, rc, kc *testutil.Conn, ps [][2]float64, name string) {
	t.Helper()
	same := 0
	for i := 0; i < len(ps); i += 500 {
		batch := ps[i:min(i+500, len(ps))]
		want, got := powEvalPairs(t, rc, batch), powEvalPairs(t, kc, batch)
		for j, p := range batch {
			if got[j] == want[j] {
				same++
				continue
			}
			t.Errorf("%s ^ %s: %s %q, keygrid %q", powArg(p[0]), powArg(p[1]), name, want[j], got[j])
		}
	}
	t.Logf("%d pairs: %d the same, %d different", len(ps), same, len(ps)-same)
}

// powSpecialCases are C99's special cases and hand-picked edges, with
// glibc's results (checked with a C program calling it).
func powSpecialCases() []struct{ x, y, want float64 } {
	inf, nan, nz := math.Inf(1), math.NaN(), math.Copysign(0, -1)
	tiny := math.SmallestNonzeroFloat64
	cases := []struct{ x, y, want float64 }{
		// pow(x, ±0) is 1 for any x, even a NaN; pow(+1, y) is 1 for any y.
		{nan, 0, 1}, {nan, nz, 1}, {inf, 0, 1}, {-inf, nz, 1}, {0, 0, 1}, {-3, 0, 1},
		{1, nan, 1}, {1, inf, 1}, {1, -inf, 1}, {1, 1e308, 1},
		// pow(±0, y): odd y < 0 gives ±inf, other y < 0 +inf, odd y > 0 ±0,
		// other y > 0 +0.
		{0, -3, inf}, {nz, -3, -inf}, {nz, -2, inf}, {nz, -0.5, inf}, {nz, -inf, inf}, {0, -inf, inf},
		{0, 3, 0}, {nz, 3, nz}, {nz, 2, 0}, {nz, 0.5, 0}, {nz, inf, 0}, {nz, 1e300, 0}, {nz, -1e300, inf},
		{nz, 0x1p53 + 1e-9, 0}, {nz, -(0x1p53 - 1), -inf},
		// pow(-1, ±inf) is 1; |x| < 1 and |x| > 1 to ±inf.
		{-1, inf, 1}, {-1, -inf, 1}, {0.5, -inf, inf}, {-0.5, -inf, inf}, {0.5, inf, 0}, {-0.5, inf, 0},
		{2, -inf, 0}, {-2, -inf, 0}, {2, inf, inf}, {-2, inf, inf}, {tiny, inf, 0}, {1 - 0x1p-53, -inf, inf},
		// pow(-inf, y): odd y < 0 -0, other y < 0 +0, odd y > 0 -inf, other +inf.
		{-inf, -3, nz}, {-inf, -2, 0}, {-inf, -0.5, 0}, {-inf, 3, -inf}, {-inf, 2, inf}, {-inf, 0.5, inf},
		{inf, -1, 0}, {inf, -0.5, 0}, {inf, 0.5, inf}, {inf, 3, inf},
		// A negative finite base to a finite non-integer: invalid.
		{-2, 0.5, nan}, {-1, 1.5, nan}, {-tiny, 1e-300, nan}, {-8, 1.0 / 3, nan},
		// A negative base to an integer.
		{-2, 3, -8}, {-2, 2, 4}, {-2, -1, -0.5}, {-1, 0x1p53 + 2, 1}, {-1, 0x1p53 - 1, -1}, {-3, 1e20, inf},
		{-0.5, 1075, nz}, {-0.5, 1074, tiny}, {-0.5, 1073, -2 * tiny}, {-2, 1025, -inf}, {-2, -1075, nz},
		// NaN operands.
		{nan, 1, nan}, {nan, -inf, nan}, {2, nan, nan}, {-1, nan, nan}, {0, nan, nan}, {inf, nan, nan},
		// Exact and rounded results at the edges. (3·2^-215)^5 is 121.5 times
		// the least subnormal, exactly: glibc's rounding of the subnormal
		// gives 121, not the even 122.
		{2, 1023, 0x1p1023}, {2, 1024, inf}, {2, -1074, tiny}, {2, -1075, 0}, {4, -537.5, 0}, {2, -1074.5, tiny},
		{0.5, 1075, 0}, {0.5, 1074.5, tiny}, {2, 0.5, math.Sqrt2}, {4, 0.5, 2}, {9, 1.5, 27}, {10, 22, 1e22},
		{10, -1, 0.1}, {10, 308, 1e308}, {10, 309, inf}, {tiny, 0.5, 0x1p-537}, {tiny, -1, inf},
		{3 * 0x1p-215, 5, 121 * tiny}, {5 * 0x1p-215, 5, 1562 * tiny}, {134217727, 2, 18014398241046528},
		{134217729, 2, 0x1.0000004p54}, {0x1.0000001p0, 2, 0x1.0000002p0},
		// Exactly halfway between two doubles: ties to even. Then two that
		// glibc does not round correctly: 1/(1-2^-53) = 1 + 2^-53 + 2^-106
		// and sqrt(1-2^-53), just below 1 - 2^-54, both within 2^-53 ULP of
		// halfway, give 1 (correctly rounded: 1 + 2^-52, 1 - 2^-53).
		{262143, 3, 18014192351838208}, {262143 * 262143, 1.5, 18014192351838208}, {-262143, 3, -18014192351838208},
		{262145, 3, 18014604668698624}, {4 * 262143 * 262143, -1.5, 6.938973313851883e-18},
		{1 - 0x1p-53, -1, 1}, {1 - 0x1p-53, 0.5, 1}, {1 + 0x1p-52, 1.5, 1 + 0x1p-51},
		{math.MaxFloat64, 1.0000001, inf}, {math.MaxFloat64, -1.0000001, math.Float64frombits(1125819995249572)},
		{0x1p-1022, 1.0000001, math.Float64frombits(4503280605285495)}, // subnormal
	}
	return cases
}

func TestPowSpecialCases(t *testing.T) {
	for _, c := range powSpecialCases() {
		got := pow51(c.x, c.y)
		if math.Float64bits(got) != math.Float64bits(c.want) && !(got != got && c.want != c.want) {
			t.Errorf("pow(%v, %v) = %v (%x), want %v (%x)", c.x, c.y, got, got, c.want, c.want)
		}
	}
}

// TestPowGlibc compares pow51 (through lua51Pow, for the NaNs' signs) with
// glibc's pow, bit for bit, on the triples of testdata/pow_glibc.txt; a NaN
// need only have glibc's sign.
func TestPowGlibc(t *testing.T) {
	// The triples are __pow_fma's (the file was written on a CPU with FMA
	// and AVX2): the FMA build is checked whatever this CPU has.
	defer func(v bool) { powFMA = v }(powFMA)
	powFMA = true
	f, err := os.Open("testdata/pow_glibc.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, bad := 0, 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		fs := strings.Fields(line)
		var b [3]uint64
		for i := range b {
			if len(fs) != 3 {
				break
			}
			b[i], err = strconv.ParseUint(fs[i], 16, 64)
		}
		if len(fs) != 3 || err != nil {
			t.Fatalf("bad line %q", line)
		}
		x, y, want := math.Float64frombits(b[0]), math.Float64frombits(b[1]), math.Float64frombits(b[2])
		got := lua51Pow(x, y)
		n++
		if math.Float64bits(got) == b[2] || want != want && got != got && math.Signbit(got) == math.Signbit(want) {
			continue
		}
		if bad++; bad <= 20 {
			t.Errorf("pow(%x, %x) = %x (%#016x), glibc %x (%#016x)", x, y, got, math.Float64bits(got), want, b[2])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d triples, %d different", n, bad)
	if n < 3000 {
		t.Errorf("only %d triples", n)
	}
}

// TestPowTables checks the tables against what their comments say, roughly
// (they are glibc's exactly; TestPowGlibc is what shows that).
func TestPowTables(t *testing.T) {
	for j := 0; j < 128; j++ {
		h := math.Float64frombits(powExpTab[2*j+1] + uint64(j)<<45)
		tl := math.Float64frombits(powExpTab[2*j])
		if want := math.Exp2(float64(j) / 128); math.Abs(h-want) > 0x1p-52 || math.Abs(tl) > 0x1p-53 {
			t.Errorf("powExpTab[%d]: %x·(1 + %x), want about %x", j, h, tl, want)
		}
	}
	for i, e := range powLogTab {
		c := 1 / e.invc
		l := e.logc + e.logctail
		if math.Abs(l-math.Log(c)) > 0x1p-52 || e.logc != math.Ldexp(math.Round(math.Ldexp(e.logc, 43)), -43) {
			t.Errorf("powLogTab[%d] = %x", i, e)
		}
		// z's subinterval i: bits from OFF + i·2^45 to OFF + (i+1)·2^45;
		// |z/c - 1| < 1/128 on it.
		lo := math.Float64frombits(powOff + uint64(i)<<45)
		hi := math.Float64frombits(powOff + uint64(i+1)<<45)
		if r1, r2 := lo*e.invc-1, hi*e.invc-1; math.Abs(r1) > 1.0/128 || math.Abs(r2) > 1.0/128 {
			t.Errorf("powLogTab[%d]: c = %x for [%x, %x)", i, c, lo, hi)
		}
	}
}

// TestPowNoAllocs: ^ stores its result through gopher-lua's number allocator
// (luaSetRANumber), so a loop of ^ allocates no more than gopher-lua's own
// POW did, and gives the values pow51 does.
func TestPowNoAllocs(t *testing.T) {
	if gopherArith[opPow] == nil || !luaNumAlloc.ok {
		t.Skip("gopher-lua's jump table or allocator is not as expected")
	}
	src := "local s, t = 0, {} for i = 1, 300 do local v = (i + 0.5) ^ 0.37 s = s + v + (-i) ^ 3 + i ^ 2 end " +
		"t[1], t[2], t[3] = 1.1 ^ 0.3, -0 ^ 1, (2 ^ 0.5) ^ 2 return s"
	L := lua.NewState()
	defer L.Close()
	fn, err := L.Load(strings.NewReader(src), "pow")
	if err != nil {
		t.Fatal(err)
	}
	ours := gopherJumpTable
	theirs := ours
	theirs[opPow] = gopherArith[opPow]
	count := func(table [opNop + 1]gopherInstr) (float64, float64) {
		gopherJumpTable = table
		defer func() { gopherJumpTable = ours }()
		var v float64
		n := testing.AllocsPerRun(20, func() {
			L.Push(fn)
			L.Call(0, 1)
			v = float64(L.Get(-1).(lua.LNumber))
			L.Pop(1)
		})
		return n, v
	}
	nOurs, v := count(ours)
	nTheirs, _ := count(theirs)
	want := 0.0
	for i := 1.0; i <= 300; i++ {
		want = want + pow51(i+0.5, 0.37) + pow51(-i, 3) + pow51(i, 2)
	}
	if v != want {
		t.Errorf("sum = %x, want %x", v, want)
	}
	t.Logf("allocations a run: %.0f, with gopher-lua's POW %.0f", nOurs, nTheirs)
	if nOurs > nTheirs+1 {
		t.Errorf("%.0f allocations a run, gopher-lua's POW %.0f", nOurs, nTheirs)
	}
}
