package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// TestHostCheckWarnings drives the checks with stand-in host files: the lines are
// redis-server 7.0.15's (server.c, syscheck.c), logged only for the settings
// Redis warns about. (The THP prctl itself is not exercised: it would turn huge
// pages off for this test binary.)
func TestHostCheckWarnings(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	defer func(a, b, c string) { somaxconnPath, thpPath, clocksourcePath = a, b, c }(somaxconnPath, thpPath, clocksourcePath)
	for _, tc := range []struct {
		somaxconn, thp, clock string
		backlog               int
		want                  []string
	}{
		{"4096\n", "always madvise [never]\n", "tsc\n", 511, nil},
		{"128\n", "always [madvise] never\n", "tsc\n", 511, []string{"WARNING: The TCP backlog setting of 511 cannot be enforced because " + dir + "/somaxconn is set to the lower value of 128."}},
		{"511\n", "[always] madvise never\n", "xen\n", 511, []string{"WARNING You have Transparent Huge Pages (THP) support enabled in your kernel. ",
			"WARNING Your system is configured to use the 'xen' clocksource which might lead to degraded performance. "}},
	} {
		somaxconnPath, thpPath, clocksourcePath = write("somaxconn", tc.somaxconn), write("thp", tc.thp), write("clock", tc.clock)
		core, logs := observer.New(zap.InfoLevel)
		log := zap.New(core)
		CheckTCPBacklog(log, tc.backlog)
		CheckMemoryAndClock(log, false) // disable-thp no: the warning instead of the prctl
		var got []string
		for _, e := range logs.All() {
			got = append(got, e.Message)
		}
		if len(got) != len(tc.want) {
			t.Fatalf("%+v: logged %q", tc, got)
		}
		for i := range got {
			if !strings.HasPrefix(got[i], tc.want[i]) {
				t.Errorf("%+v: line %d %q, want %q...", tc, i, got[i], tc.want[i])
			}
		}
	}
}
