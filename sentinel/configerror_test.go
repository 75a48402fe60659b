package sentinel

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestSentinelConfigErrorOutputVsRedis: a sentinel that cannot start for its
// configuration prints what redis-sentinel prints, on the same stream, and exits 1:
// the "FATAL CONFIG FILE ERROR" banner with Redis's line number (a sentinel line's
// error is reported after the whole file is read; options follow the file's
// lines), and a configuration file it cannot read (a log line on stdout).
func TestSentinelConfigErrorOutputVsRedis(t *testing.T) {
	sides := sentinelSides(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	cases := [][]string{
		{write("a.conf", "port 26999\nfoo bar\nsentinel monitor m 127.0.0.1 1 2\n")},
		{write("b.conf", "port 26999\nsentinel monitor m 127.0.0.1 1 2\n\nsentinel foo\n")},
		{write("c.conf", "port 26999\nsentinel monitor m 127.0.0.1 1 2\n"), "--port", "1", "--nosuch", "2"},
		{write("d.conf", "port 26999\nsentinel down-after-milliseconds m 100\n")},
		{filepath.Join(dir, "missing.conf")},
	}
	norm := regexp.MustCompile(`(?m)^\d+:X \d\d \w{3} \d{4} [\d:.]{12} `)
	for _, args := range cases {
		var got [2][3]string
		for i, side := range sides {
			cmd := exec.Command(side.argv[0], append(side.argv[1:], args...)...)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			code := "0"
			if err := cmd.Run(); err != nil {
				code = err.Error()
			}
			got[i] = [3]string{norm.ReplaceAllString(out.String(), "PID:X DATE "), errb.String(), code}
		}
		if got[0][2] != "exit status 1" {
			t.Errorf("%q: redis-sentinel %q, this test expects exit status 1", args, got[0])
		}
		if got[1] != got[0] {
			t.Errorf("%q:\nredis-sentinel %q\nkeygrid        %q", args, got[0], got[1])
		}
	}
}
