package node_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
)

// A port already taken: redis-server logs why and the suites' matched line, exits 1,
// and never prints its logo (whose "PID:" line the Tcl suite takes for a started
// server). keygrid must do the same, word for word.
func TestListenFailureLikeRedis(t *testing.T) {
	ln, err := net.Listen("tcp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	bin := testutil.BuildKeygrid(t)
	run := func(name string, argv ...string) (int, []string) {
		dir := t.TempDir()
		cmd := exec.Command(argv[0], append(argv[1:], "--port", port, "--save", "", "--always-show-logo", "yes",
			"--dir", dir, "--logfile", "log.txt")...)
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		raw, err := os.ReadFile(filepath.Join(dir, "log.txt"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.Contains(string(raw), "PID:") {
			t.Errorf("%s printed its logo although it could not bind:\n%s", name, raw)
		}
		// "pid:role dd Mon yyyy hh:mm:ss.mmm # text" -> "# text"
		stamp := regexp.MustCompile(`^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ `)
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
			lines = append(lines, stamp.ReplaceAllString(l, ""))
		}
		return code, lines
	}
	code, lines := run("keygrid", bin, "server")
	if code != 1 {
		t.Fatalf("keygrid exited %d, want 1", code)
	}
	want := []string{
		"# Warning: Could not create server TCP listening socket *:" + port + ": bind: Address already in use",
		"# Failed listening on port " + port + " (TCP), aborting.",
	}
	if len(lines) < 2 || lines[len(lines)-2] != want[0] || lines[len(lines)-1] != want[1] {
		t.Fatalf("keygrid's log ends with\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	rs, err := exec.LookPath("redis-server")
	if err != nil {
		t.Log("redis-server not found: the wording is checked against the text above only")
		return
	}
	rcode, rlines := run("redis-server", rs)
	if rcode != code || len(rlines) < 2 || rlines[len(rlines)-2] != want[0] || rlines[len(rlines)-1] != want[1] {
		t.Fatalf("redis-server (exit %d) ends its log with\n%s\nwant (keygrid's)\n%s", rcode, strings.Join(rlines, "\n"), strings.Join(want, "\n"))
	}
}
