package engine

// Tests of SORT (sort.go): score parsing against the rules of glibc's strtod, the
// partial quicksort against a full sort, key extraction, and cluster-mode errors.
// sort.txt in internal/difftest and TestSortAgainstRedis compare with redis-server.

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/engine/config"
)

// TestSortScore checks sortScore with what glibc 2.36's strtod returned for each
// input (value, and whether SORT accepts it: whole string consumed, no ERANGE, not
// NaN).
func TestSortScore(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1", 1, true},
		{" 12", 12, true},
		{"\t\n\v\f\r 5", 5, true},
		{"12 ", 12, false},
		{"", 0, true},
		{"  ", 0, false},
		{"+", 0, false},
		{"-", 0, false},
		{".", 0, false},
		{"1e", 1, false},
		{"1e+", 1, false},
		{"1.5e3x", 1500, false},
		{"00012", 12, true},
		{"0b1", 0, false},
		{"1_000", 1, false},
		{"-0", math.Copysign(0, -1), true},
		{".5", 0.5, true},
		{"5.", 5, true},
		{"1e+2", 100, true},
		{"1E-2", 0.01, true},
		{"+5", 5, true},
		{"inf", math.Inf(1), true},
		{"-Infinity", math.Inf(-1), true},
		{"INF", math.Inf(1), true},
		{"infinit", 0, false},
		{"nan", 0, false},
		{"nan(123)", 0, false},
		{"0x", 0, false},
		{"0x10", 16, true},
		{"0X1P3", 8, true},
		{"0x1.8", 1.5, true},
		{"0x.8", 0.5, true},
		{"0x1p", 0, false},
		{"0x1p-1074", 0x1p-1074, true},
		{"0x1p-1030", 0x1p-1030, true},
		{"0x1.8p-1070", 0x1.8p-1070, true},
		{"0x1.fffffffffffff8p-1023", 0x1p-1022, true},
		{"0x1.fffffffffffff7p-1023", 0x1p-1022, false},
		{"1e-310", 0, false},
		{"4.9e-324", 0, false},
		{"1e-400", 0, false},
		{"0e-999", 0, true},
		{"2.2250738585072014e-308", 0x1p-1022, true},
		{"2.225073858507201e-308", 0, false},
		{"2.2250738585072011e-308", 0, false},
		{"2.2250738585072012e-308", 0, false},
		{"2.2250738585072013e-308", 0x1p-1022, true},
		{"1e309", 0, false},
		{"-1e309", 0, false},
		{"1.7976931348623157e308", math.MaxFloat64, true},
		{"1.7976931348623158e308", math.MaxFloat64, true},
		{"1.7976931348623159e308", 0, false},
		{"12\x00abc", 12, true},
		{"\x0012", 0, true},
		{"3\x00", 3, true},
	} {
		got, ok := sortScore([]byte(tc.in))
		if ok != tc.ok || ok && got != tc.want || ok && math.Signbit(got) != math.Signbit(tc.want) {
			t.Errorf("sortScore(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestPqsort checks that the partial sort leaves the requested range exactly as a
// full sort would (for distinct keys), and never loses or duplicates an element.
func TestPqsort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ord := &sortOrder{}
	for round := 0; round < 2000; round++ {
		n := r.IntN(200)
		items := make([]sortItem, n)
		for i := range items {
			items[i].obj = []byte(strconv.Itoa(i))
			items[i].score = float64(r.IntN(max(n/3, 1)))
		}
		full := slices.Clone(items)
		slices.SortStableFunc(full, func(a, b sortItem) int { return ord.compare(&a, &b) })
		lo := r.IntN(n+1) - 1
		hi := lo + r.IntN(n+1)
		perm := make([]int32, n)
		for i := range perm {
			perm[i] = int32(i)
		}
		pqsort(perm, &sortScratch{items: items, ord: *ord}, lo, hi)
		for i := max(lo, 0); i <= min(hi, n-1); i++ {
			// Equal scores compare by element, so every key is distinct.
			if got := items[perm[i]].obj; string(got) != string(full[i].obj) {
				t.Fatalf("n=%d range %d..%d: position %d is %s, want %s", n, lo, hi, i, got, full[i].obj)
			}
		}
		seen := map[int32]bool{}
		for _, k := range perm {
			seen[k] = true
		}
		if len(seen) != n {
			t.Fatalf("pqsort lost elements: %d of %d", len(seen), n)
		}
	}
}

func TestSortGetKeys(t *testing.T) {
	for _, tc := range []struct {
		argv string
		want []int
	}{
		{"sort k", []int{1}},
		{"sort k STORE d", []int{1, 3}},
		{"sort k store d limit 0 1", []int{1, 3}},
		{"sort k LIMIT 0 1 GET x STORE d BY y", []int{1, 8}},
		{"sort k STORE d1 STORE d2", []int{1, 5}},
		{"sort k GET STORE d", []int{1}},
		{"sort k STORE", []int{1}},
		{"sort k BY STORE x", []int{1}},
	} {
		var args [][]byte
		for _, a := range strings.Fields(tc.argv) {
			args = append(args, []byte(a))
		}
		if got := sortGetKeys(args); !slices.Equal(got, tc.want) {
			t.Errorf("%s: keys %v, want %v", tc.argv, got, tc.want)
		}
	}
}

// TestSortCluster: in cluster mode BY with a real pattern and every GET are refused
// (other keys may live on other nodes); BY with a constant still works.
func TestSortCluster(t *testing.T) {
	st := newKeysTester(t, func(c *config.Config) { c.ClusterEnabled = true })
	st.script(`
		RPUSH l 3 1 2 => :3
		SORT l => ["1" "2" "3"]
		SORT l BY w_* => -ERR BY option of SORT denied in Cluster mode.
		SORT l BY nosort => ["3" "1" "2"]
		SORT l GET # => -ERR GET option of SORT denied in Cluster mode.
		SORT_RO l BY w_* => -ERR BY option of SORT denied in Cluster mode.
		SORT l BY nosort GET # => -ERR GET option of SORT denied in Cluster mode.
		SORT l BY "w\x00*" => ["3" "1" "2"]
	`)
}

// TestSortStore: STORE replaces any value, drops the TTL, and the stored
// list holds copies (changing the source afterwards leaves it alone).
func TestSortStore(t *testing.T) {
	st := newKeysTester(t, nil)
	st.script(`
		RPUSH src c a b => :3
		SET dst x => OK
		EXPIRE dst 100 => :1
		SORT src ALPHA STORE dst => :3
		TTL dst => :-1
		LPOP src => "c"
		LRANGE dst 0 -1 => ["a" "b" "c"]
		SORT src STORE dst => -ERR One or more scores can't be converted into double
		LRANGE dst 0 -1 => ["a" "b" "c"]
		SORT nokey STORE dst => :0
		EXISTS dst => :0
	`)
	if len(st.propagated) == 0 || st.propagated[len(st.propagated)-1] != "SORT nokey STORE dst" {
		t.Errorf("propagated %q", st.propagated)
	}
}

func BenchmarkSort(b *testing.B) {
	for _, bc := range []struct{ name, args string }{
		{"numeric", "SORT l"},
		{"alpha", "SORT l ALPHA"},
		{"by-limit", "SORT l BY w_* LIMIT 0 10"},
		{"get", "SORT l LIMIT 0 10 GET w_*"},
		{"ro-20", "SORT_RO l20"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			st := newKeysTester(b, nil)
			for i := 0; i < 100; i++ {
				st.do("RPUSH", "l", strconv.Itoa((i*7919)%1000))
				st.do("SET", "w_"+strconv.Itoa((i*7919)%1000), strconv.Itoa(i%10))
			}
			st.do("RPUSH", "l20", "17", "3", "9", "12", "1", "20", "5", "8", "14", "2", "19", "7", "11", "4", "16", "6", "13", "18", "10", "15")
			args := splitArgs(b, bc.args)
			b.ReportAllocs()
			for b.Loop() {
				st.raw(args...)
			}
		})
	}
}
