package engine

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
)

// zsetDo runs a script of "COMMAND args => reply" lines (fmtReply's form).
func zsetScript(t *testing.T, st *strTester, steps string) {
	t.Helper()
	for _, line := range strings.Split(steps, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		cmd, want, _ := strings.Cut(line, " => ")
		if got := st.do(strings.Fields(cmd)...); got != want {
			t.Errorf("%s:\n got  %s\n want %s", cmd, got, want)
		}
	}
}

// TestZsetEncodings: the listpack limits and the moments Redis converts (Redis 7.0's
// zaddGenericCommand, zsetAdd, zsetConvertToListpackIfNeeded, zrangeResultBeginStore).
func TestZsetEncodings(t *testing.T) {
	st := newKeysTester(t, nil)
	args := []string{"ZADD", "z"}
	for i := 0; i < 128; i++ {
		args = append(args, strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	st.do(args...)
	if e := st.enc("z"); e != "listpack" {
		t.Fatalf("128 members: %s", e)
	}
	st.do("ZADD", "z", "0", "m0") // an update converts nothing
	st.do("ZADD", "z", "XX", "1", "new")
	if e := st.enc("z"); e != "listpack" {
		t.Fatalf("XX add of a new member: %s", e)
	}
	st.do("ZADD", "z", "1000", "m128")
	if e := st.enc("z"); e != "skiplist" {
		t.Fatalf("129 members: %s", e)
	}
	st.do("ZREMRANGEBYRANK", "z", "0", "-3")
	if e := st.enc("z"); e != "skiplist" {
		t.Fatalf("a skiplist never converts back by itself: %s", e)
	}
	// The result of a store is created small again.
	st.do("ZUNIONSTORE", "u", "1", "z")
	if e := st.enc("u"); e != "listpack" {
		t.Fatalf("small union: %s", e)
	}
	st.do("ZRANGESTORE", "r", "z", "0", "-1")
	if e := st.enc("r"); e != "listpack" {
		t.Fatalf("small range store: %s", e)
	}
	long := strings.Repeat("x", 65)
	st.do("ZADD", "v", "1", strings.Repeat("y", 64))
	if e := st.enc("v"); e != "listpack" {
		t.Fatalf("64-byte member: %s", e)
	}
	st.do("ZADD", "v", "1", long)
	if e := st.enc("v"); e != "skiplist" {
		t.Fatalf("65-byte member: %s", e)
	}
	st.do("ZADD", "w", "1", long)
	if e := st.enc("w"); e != "skiplist" {
		t.Fatalf("created with a long first member: %s", e)
	}
	// COPY keeps the encoding and shares nothing.
	st.do("COPY", "v", "vc")
	if e := st.enc("vc"); e != "skiplist" {
		t.Fatalf("copy: %s", e)
	}
	st.do("ZADD", "vc", "5", "only-in-copy")
	if got := st.do("ZSCORE", "v", "only-in-copy"); got != "(nil)" {
		t.Fatalf("copy shares the skiplist: %s", got)
	}
	st.do("COPY", "u", "uc")
	st.do("ZADD", "uc", "5", "only-in-copy")
	if got := st.do("ZCARD", "u"); got != ":2" {
		t.Fatalf("copy shares the listpack: %s", got)
	}
}

func TestZsetEncodingsConfigured(t *testing.T) {
	st := newKeysTester(t, func(c *config.Config) { c.ZsetMaxListpackEntries = 0 })
	st.do("ZADD", "z", "1", "a")
	if e := st.enc("z"); e != "skiplist" {
		t.Fatalf("zset-max-listpack-entries 0: %s", e)
	}
	st.do("ZRANGESTORE", "d", "z", "0", "-1")
	if e := st.enc("d"); e != "skiplist" {
		t.Fatalf("store with zset-max-listpack-entries 0: %s", e)
	}
}

// TestZsetScores covers Redis's score parsing (strtod as getDoubleFromObject and
// zslParseRange use it) and formatting (%.17g, inf, -0 by encoding).
func TestZsetScores(t *testing.T) {
	st := newKeysTester(t, nil)
	zsetScript(t, st, `
		ZADD s 0x1p3 a => :1
		ZSCORE s a => "8"
		ZADD s 1e-320 b => :1
		ZSCORE s b => "9.9998886718268301e-321"
		ZADD s 1e-400 c => -ERR value is not a valid float
		ZADD s 1e400 c => -ERR value is not a valid float
		ZADD s Infinity c => :1
		ZSCORE s c => "inf"
		ZADD s -INF d => :1
		ZSCORE s d => "-inf"
		ZADD s nan(123) e => -ERR value is not a valid float
		ZADD s 0.1 e => :1
		ZSCORE s e => "0.10000000000000001"
		ZADD s -0 f => :1
		ZSCORE s f => "0"
		ZCOUNT s (0x1p2 +Infinity => :2
		ZCOUNT s 1e999 1e999 => :1
		ZCOUNT s (nan 1 => -ERR min or max is not a float
	`)
	// A skiplist keeps -0; a listpack stores it as the integer 0.
	st2 := newKeysTester(t, func(c *config.Config) { c.ZsetMaxListpackEntries = 0 })
	zsetScript(t, st2, `
		ZADD s -0 f => :1
		ZSCORE s f => "-0"
	`)
	for _, c := range []struct {
		in    string
		v     float64
		n     int
		erang bool
	}{
		{"", 0, 0, false},
		{"  12abc", 12, 4, false},
		{"+.5e", 0.5, 3, false},
		{"0x", 0, 1, false},
		{"-0x1.8p1", -3, 8, false},
		{"0X10", 16, 4, false},
		{"1e5x", 1e5, 3, false},
		{"1e+", 1, 1, false},
		{"infinityx", math.Inf(1), 8, false},
		{"-infx", math.Inf(-1), 4, false},
		{"1e999", math.Inf(1), 5, true},
		{"1e-999", 0, 6, true},
		{"0e-999", 0, 6, false},
		{"4.9e-324", 5e-324, 8, false},
		{".", 0, 0, false},
		{"-", 0, 0, false},
	} {
		v, n, erange := zstrtod([]byte(c.in))
		if v != c.v || n != c.n || erange != c.erang || math.Signbit(v) != math.Signbit(c.v) {
			t.Errorf("zstrtod(%q) = %v %d %v, want %v %d %v", c.in, v, n, erange, c.v, c.n, c.erang)
		}
	}
	if v, _, _ := zstrtod([]byte("nan")); !math.IsNaN(v) {
		t.Error("nan")
	}
}

func TestZsetGeoDistanceFormat(t *testing.T) {
	for _, c := range []struct {
		d    float64
		want string
	}{
		{0, "0.0000"}, {1, "1.0000"}, {0.00005, "0.0000"}, {0.00015, "0.0001"}, {0.00025, "0.0002"},
		{0.7750, "0.7750"}, {12345.67891, "12345.6789"}, {166274.1516, "166274.1516"},
		{0.0001, "0.0001"}, {-1.5, "-1.5000"},
	} {
		if got := string(geoAppendDistance(nil, c.d)); got != c.want {
			t.Errorf("%v: %s, want %s", c.d, got, c.want)
		}
	}
}

// TestZsetBlockedServe: a blocked BZPOPMIN/BZMPOP is served by a later ZADD, replies
// as the command, and propagates ZPOPMIN/ZPOPMAX key [count] as Redis does.
func TestZsetBlockedServe(t *testing.T) {
	s, addr := startTestServer(t, nil)
	got := capturePropagation(t, s)
	ctl := dialTest(t, addr)
	c1, c2 := dialTest(t, addr), dialTest(t, addr)
	bsend(c1, "BZPOPMIN", "z", "0")
	waitBlocked(t, ctl, 1)
	bsend(c2, "BZMPOP", "0", "1", "z", "MAX", "COUNT", "5")
	waitBlocked(t, ctl, 2)
	if r := ctl.do("ZADD", "z", "1", "a", "2", "b", "3", "c"); r != ":3" {
		t.Fatal(r)
	}
	if r := bread(c1, time.Second); r != "[z a 1]" {
		t.Fatalf("c1: %s", r)
	}
	if r := bread(c2, time.Second); r != "[z [[c 3] [b 2]]]" {
		t.Fatalf("c2: %s", r)
	}
	waitBlocked(t, ctl, 0)
	if r := ctl.do("EXISTS", "z"); r != ":0" {
		t.Fatalf("emptied key left: %s", r)
	}
	want := []string{"ZADD z 1 a 2 b 3 c", "ZPOPMIN z", "ZPOPMAX z 2"}
	deadline := time.Now().Add(2 * time.Second)
	for {
		p := got()
		if fmt.Sprint(p) == fmt.Sprint(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("propagated %q, want %q", p, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Served at once: the command propagates rewritten.
	ctl.do("ZADD", "y", "1", "a", "2", "b")
	ctl.do("BZPOPMAX", "nokey", "y", "0")
	ctl.do("BZMPOP", "0", "1", "y", "MIN", "COUNT", "9")
	ctl.do("ZADD", "y", "1", "a", "2", "b")
	ctl.do("ZMPOP", "1", "y", "MAX")
	want = append(want, "ZADD y 1 a 2 b", "ZPOPMAX y", "ZPOPMIN y 1", "ZADD y 1 a 2 b", "ZPOPMAX y 1")
	deadline = time.Now().Add(2 * time.Second)
	for {
		p := got()
		if fmt.Sprint(p) == fmt.Sprint(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("propagated %q, want %q", p, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestZscanGuarantee: a full ZSCAN of a skiplist-encoded set returns every member
// that was present throughout, while members come and go between calls.
func TestZscanGuarantee(t *testing.T) {
	st := newKeysTester(t, nil)
	args := []string{"ZADD", "z"}
	for i := 0; i < 1000; i++ {
		args = append(args, strconv.Itoa(i), "s"+strconv.Itoa(i))
	}
	st.do(args...)
	seen := map[string]bool{}
	cursor := "0"
	round := 0
	for {
		v := st.do("ZSCAN", "z", cursor, "COUNT", "7")
		// [ "cursor" [ "m" "score" ... ] ]
		parts := strings.SplitN(strings.TrimSuffix(strings.TrimPrefix(v, "["), "]"), " ", 2)
		cursor, _ = strconv.Unquote(parts[0])
		items := strings.Fields(strings.Trim(parts[1], "[]"))
		for i := 0; i < len(items); i += 2 {
			m, _ := strconv.Unquote(items[i])
			seen[m] = true
		}
		round++
		// Grow, then shrink, the set between calls.
		if round%3 == 0 {
			a := []string{"ZADD", "z"}
			for k := 0; k < 200; k++ {
				a = append(a, "1", fmt.Sprintf("x%d-%d", round, k))
			}
			st.do(a...)
		} else if round%3 == 1 {
			st.do("ZREMRANGEBYSCORE", "z", "1", "1")
		}
		if cursor == "0" {
			break
		}
	}
	for i := 0; i < 1000; i++ {
		if m := "s" + strconv.Itoa(i); !seen[m] && i != 1 {
			t.Fatalf("ZSCAN missed %s", m)
		}
	}
}

// TestZsetMemory: MEMORY USAGE for a listpack is Redis's exact figure; the
// accounting of a big set follows its size.
func TestZsetMemory(t *testing.T) {
	st := newKeysTester(t, nil)
	st.do("ZADD", "z", "1", "a", "2", "b", "3.5", "c")
	if got := st.do("MEMORY", "USAGE", "z"); got != ":80" { // redis-server 7.0.15
		t.Errorf("MEMORY USAGE of a small zset: %s", got)
	}
	args := []string{"ZADD", "big"}
	for i := 0; i < 10000; i++ {
		args = append(args, strconv.Itoa(i), "member:"+strconv.Itoa(i))
	}
	st.do(args...)
	e := st.c.db.lookup([]byte("big"))
	if n := zsetOf(e).memSize(); n < 10000*40 || n > 10000*200 {
		t.Errorf("memSize of 10000 members: %d", n)
	}
}
