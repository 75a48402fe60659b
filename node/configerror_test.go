package node

import (
	"bytes"
	"github.com/keygrid/keygrid/internal/testutil"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
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
	type tc struct {
		args  []string
		stdin string // with "-" among the arguments: the configuration read from standard input
	}
	cases := []tc{
		{[]string{bad}, ""},
		{[]string{ok, "--hz", "abc"}, ""},
		{[]string{ok, "--port", "1", "--nosuch", "x", "y"}, ""},
		{[]string{"--port", "1", "--maxmemory", "1", "2"}, ""},
		{[]string{"--port", "1", "--logfile", filepath.Join(dir, "missing", "x.log")}, ""},
		{[]string{filepath.Join(dir, "missing.conf")}, ""},
		// Standard input after the file, before the options: lines numbered on.
		{[]string{ok, "--hz", "5", "-"}, "port 7000\nfoo bar\n"},
		{[]string{"-", "--hz", "5", "--bad", "1"}, "port 7000\n\n"},
		{[]string{"-"}, "hz 10\nmaxmemory x\n"},
	}
	norm := regexp.MustCompile(`(?m)^\d+:C \d\d \w{3} \d{4} [\d:.]{12} `)
	for _, c := range cases {
		args := c.args
		var got [2][3]string // stdout, stderr, exit code
		for i, side := range sides {
			cmd := exec.Command(side.argv[0], append(side.argv[1:], args...)...)
			cmd.Stdin = strings.NewReader(c.stdin)
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

// TestConfigFromStdinVsRedis: "-" reads the configuration from standard input
// (after the file, before the options), logging "Reading config from stdin" first.
func TestConfigFromStdinVsRedis(t *testing.T) {
	t.Parallel() // processes of its own
	for _, side := range initSides(t) {
		port := testutil.FreePort(t)
		cmd := exec.Command(side.argv[0], append(side.argv[1:], "-", "--bind", "127.0.0.1")...)
		cmd.Stdin = strings.NewReader("port " + strconv.Itoa(port) + "\nsave \"\"\ndir " + t.TempDir() + "\n")
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		c := waitPing(t, port)
		c.Do("SHUTDOWN", "NOSAVE")
		cmd.Wait()
		if first, _, _ := strings.Cut(out.String(), "\n"); !strings.HasSuffix(first, " # Reading config from stdin") {
			t.Errorf("%s: first line %q", side.name, first)
		}
	}
}
