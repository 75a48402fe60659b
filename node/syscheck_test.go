package node

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestHostChecksVsRedis: the host checks redis-server logs at start-up. A
// tcp-backlog above the kernel's somaxconn gets its warning, between the mode line
// and "Server initialized"; transparent huge pages are left on or turned off for
// the process (/proc/PID/status THP_enabled) as redis-server leaves them on this
// host (turned off by disable-thp only where the kernel has them always on).
func TestHostChecksVsRedis(t *testing.T) {
	t.Parallel() // processes of its own
	type result struct {
		lines []string
		thp   string
	}
	var got []result
	for _, side := range initSides(t) {
		cmd, dir, port := startInit(t, side, nil, "--tcp-backlog", "1000000")
		c := waitPing(t, port)
		var r result
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status"); err == nil {
			if m := regexp.MustCompile(`THP_enabled:\s*(\d)`).FindSubmatch(b); m != nil {
				r.thp = string(m[1])
			}
		}
		c.Do("SHUTDOWN", "NOSAVE")
		cmd.Wait()
		on := false
		for _, l := range logLines(t, dir) {
			on = on || strings.Contains(l, "Running mode=")
			if strings.Contains(l, "Server initialized") {
				break
			}
			if on && strings.Contains(l, "TCP backlog") {
				r.lines = append(r.lines, l)
			}
		}
		got = append(got, r)
	}
	b, _ := os.ReadFile("/proc/sys/net/core/somaxconn")
	if n, _ := strconv.Atoi(strings.TrimSpace(string(b))); n > 0 && n < 1000000 {
		want := "# WARNING: The TCP backlog setting of 1000000 cannot be enforced because /proc/sys/net/core/somaxconn is set to the lower value of " + strconv.Itoa(n) + "."
		if len(got[0].lines) != 1 || got[0].lines[0] != want {
			t.Errorf("redis-server logged %q, this test expects %q", got[0].lines, want)
		}
	}
	if strings.Join(got[1].lines, "\n") != strings.Join(got[0].lines, "\n") {
		t.Errorf("backlog warning: redis-server %q, keygrid %q", got[0].lines, got[1].lines)
	}
	if got[1].thp != got[0].thp {
		t.Errorf("THP_enabled: redis-server %q, keygrid %q", got[0].thp, got[1].thp)
	}
}
