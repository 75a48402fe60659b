package lualib

// Differential test: every case in the *Cases tables runs through
// redis-server 7.0's EVAL (Lua 5.1 with the C libraries) and through
// gopher-lua with this package, and the canonical dumps must be equal.

import (
	"os"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
)

// diffCase is a Lua chunk body returning the values to compare.
type diffCase = string

func allDiffCases() map[string][]diffCase {
	return map[string][]diffCase{
		"bit":      bitCases,
		"struct":   structCases,
		"cjson":    cjsonCases,
		"order":    cjsonOrderCases,
		"cmsgpack": cmsgpackCases,
	}
}

// evalRedis runs a wrapped case through EVAL.
func evalRedis(t testing.TB, c *testutil.Conn, body string) string {
	t.Helper()
	raw, err := c.Do("EVAL", wrapCase(body), "0")
	if err != nil {
		t.Fatalf("EVAL: %v", err)
	}
	v, err := testutil.ParseReply(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	if v.IsError() {
		return "script error: " + v.Str
	}
	return v.Str
}

// TestDiffKeygrid runs the same cases through a keygrid binary's EVAL, which
// checks how the scripting engine wires these libraries (sandbox proxies,
// registry size, error positions). It builds the binary, so it only runs
// when LUALIB_DIFF_KEYGRID=1.
func TestDiffKeygrid(t *testing.T) {
	if os.Getenv("LUALIB_DIFF_KEYGRID") != "1" {
		t.Skip("set LUALIB_DIFF_KEYGRID=1 to compare through keygrid's EVAL")
	}
	rs := testutil.StartRedis(t)
	ks := testutil.StartKeygrid(t)
	rc, err := testutil.Dial(rs.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	kc, err := testutil.Dial(ks.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	only := os.Getenv("LUALIB_DIFF_LIB")
	for lib, cases := range allDiffCases() {
		if only != "" && !strings.Contains(only, lib) {
			continue
		}
		t.Run(lib, func(t *testing.T) {
			for _, body := range cases {
				if want, got := evalRedis(t, rc, body), evalRedis(t, kc, body); got != want {
					t.Errorf("case:\n%s\nredis:   %s\nkeygrid: %s", body, want, got)
				}
			}
		})
	}
}

func TestDiffRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server")
	}
	srv := testutil.StartRedis(t)
	c, err := testutil.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	only := os.Getenv("LUALIB_DIFF_LIB")
	total := 0
	for lib, cases := range allDiffCases() {
		if only != "" && !strings.Contains(only, lib) {
			continue
		}
		t.Run(lib, func(t *testing.T) {
			L := newTestState()
			defer L.Close()
			for _, body := range cases {
				total++
				want := evalRedis(t, c, body)
				got := runLocal(t, L, body)
				if got != want {
					t.Errorf("case:\n%s\nredis:   %s\nkeygrid: %s", body, want, got)
				}
			}
		})
	}
	// The expectations of the unit tables must be Redis's too.
	for _, cases := range [][]libCase{unitBitCases, unitStructCases, unitCJSONCases, unitCMsgpackCases} {
		for _, lc := range cases {
			total++
			if got := evalRedis(t, c, lc.body); got != lc.want {
				t.Errorf("unit expectation differs from redis:\n%s\nredis: %s\nwant:  %s", lc.body, got, lc.want)
			}
		}
	}
	t.Logf("%d cases compared", total)
}
