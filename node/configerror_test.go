package node

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestConfigErrorOutputVsRedis: a server that cannot start for its configuration
// prints what redis-server prints, on the same stream, and exits 1: the "FATAL
// CONFIG FILE ERROR" banner with the line numbered as Redis numbers it (options
// after the file's lines), a log file it cannot open, and a configuration file it
// cannot read (a log line on stdout).
func TestConfigErrorOutputVsRedis(t *testing.T) {
	t.Parallel()
	sides := initSides(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.conf")
	os.WriteFile(bad, []byte("port 7000\n\n# comment\nfoo bar\n"), 0o644)
	ok := filepath.Join(dir, "ok.conf")
	os.WriteFile(ok, []byte("port 7000\nhz 10"), 0o644)
	cases := [][]string{
		{bad},
		{ok, "--hz", "abc"},
		{ok, "--port", "1", "--nosuch", "x", "y"},
		{"--port", "1", "--maxmemory", "1", "2"},
		{"--port", "1", "--logfile", filepath.Join(dir, "missing", "x.log")},
		{filepath.Join(dir, "missing.conf")},
	}
	norm := regexp.MustCompile(`(?m)^\d+:C \d\d \w{3} \d{4} [\d:.]{12} `)
	for _, args := range cases {
		var got [2][3]string // stdout, stderr, exit code
		for i, side := range sides {
			cmd := exec.Command(side.argv[0], append(side.argv[1:], args...)...)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			code := "0"
			if ee, isExit := err.(*exec.ExitError); isExit {
				code = ee.String()
			}
			got[i] = [3]string{norm.ReplaceAllString(out.String(), "PID:C DATE "), errb.String(), code}
		}
		if got[0][2] != "exit status 1" {
			t.Errorf("%q: redis-server %q, this test expects exit status 1", args, got[0][2])
		}
		if got[1] != got[0] {
			t.Errorf("%q:\nredis-server %q\nkeygrid      %q", args, got[0], got[1])
		}
	}
}
