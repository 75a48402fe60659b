package node

import (
	"os/exec"
	"strconv"

	"github.com/keygrid/keygrid/internal/testutil"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHangupAndBrokenPipeVsRedis: SIGHUP does not stop the server, and a log line
// written to a standard output whose reader has gone is not death by SIGPIPE:
// redis-server ignores both signals (initServer); Go's default for both is to exit.
func TestHangupAndBrokenPipeVsRedis(t *testing.T) {
	t.Parallel() // processes of its own
	for _, side := range initSides(t) {
		// SIGHUP.
		cmd, _, port := startInit(t, side, nil)
		c := waitPing(t, port)
		cmd.Process.Signal(syscall.SIGHUP)
		time.Sleep(300 * time.Millisecond)
		if r, err := c.Do("PING"); err != nil || string(r) != "+PONG\r\n" {
			t.Errorf("%s: after SIGHUP, PING: %q %v", side.name, r, err)
		}
		c.Do("SHUTDOWN", "NOSAVE")
		cmd.Wait()

		// Standard output a pipe whose reader is gone, then log lines (verbose:
		// one per connection).
		port = testutil.FreePort(t)
		args := append(append([]string(nil), side.argv[1:]...), "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--dir", t.TempDir(), "--loglevel", "verbose")
		cmd = exec.Command(side.argv[0], args...)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		c = waitPing(t, port)
		out.Close() // the reader goes away
		for range 5 {
			if d := waitPing(t, port); d != nil {
				d.Close() // "Accepted ..." and "Client closed connection ..." go to the closed pipe
			}
		}
		time.Sleep(300 * time.Millisecond)
		if r, err := c.Do("PING"); err != nil || !strings.HasPrefix(string(r), "+PONG") {
			t.Errorf("%s: after logging to a closed pipe, PING: %q %v", side.name, r, err)
		}
		c.Do("SHUTDOWN", "NOSAVE")
	}
}
