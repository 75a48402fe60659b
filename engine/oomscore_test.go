package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// oom-score-adj as unit/oom-score-adj.tcl checks it, on a stand-in for
// /proc/self/oom_score_adj: relative to the value found first, absolute, the
// replica class after REPLICAOF, and the original value back when turned off.
func TestOOMScoreAdj(t *testing.T) {
	file := filepath.Join(t.TempDir(), "oom_score_adj")
	os.WriteFile(file, []byte("9\n"), 0o644)
	saved := oomScoreFile
	oomScoreFile = file
	t.Cleanup(func() { oomScoreFile = saved })
	read := func() string {
		b, _ := os.ReadFile(file)
		return strings.TrimSpace(string(b))
	}
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	tc.do("CONFIG", "SET", "oom-score-adj-values", "10 20 30")
	if read() != "9" {
		t.Fatalf("changed with oom-score-adj no: %s", read())
	}
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"CONFIG", "SET", "oom-score-adj", "yes"}, "19"},
		{[]string{"CONFIG", "SET", "oom-score-adj-values", "15 20 30"}, "24"},
		{[]string{"REPLICAOF", "127.0.0.1", "1"}, "29"},
		{[]string{"REPLICAOF", "NO", "ONE"}, "24"},
		{[]string{"CONFIG", "SET", "oom-score-adj", "absolute"}, "15"},
		{[]string{"CONFIG", "SET", "oom-score-adj-values", "2000 2000 2000"}, "1000"},
		{[]string{"CONFIG", "SET", "oom-score-adj", "no"}, "9"},
	}
	for _, st := range steps {
		if got := tc.do(st.args...); got != "OK" {
			t.Fatalf("%v = %q", st.args, got)
		}
		if got := read(); got != st.want {
			t.Fatalf("after %v: oom_score_adj %s, want %s", st.args, got, st.want)
		}
	}
	// A file that cannot be written: CONFIG SET fails in Redis's words and the
	// directive stays off.
	oomScoreFile = filepath.Join(t.TempDir(), "missing", "oom_score_adj")
	got := tc.do("CONFIG", "SET", "oom-score-adj", "yes")
	if !strings.Contains(got, "Failed to set current oom_score_adj. Check server logs.") {
		t.Fatalf("CONFIG SET with no file = %q", got)
	}
	if got := tc.do("CONFIG", "GET", "oom-score-adj"); !strings.Contains(got, "no") {
		t.Fatalf("oom-score-adj after the failure: %q", got)
	}
}
