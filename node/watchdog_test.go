package node

import (
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// TestWatchdogVsRedis: watchdog-period (raised to two cron periods, as CONFIG GET
// then shows) reports a loop stuck in a command for longer: "--- WATCHDOG TIMER
// EXPIRED ---" and a stack trace naming the command's handler (integration/logging's
// "Server is able to generate a stack trace" looks for debugCommand), once per stall.
func TestWatchdogVsRedis(t *testing.T) {
	t.Parallel() // processes of its own: it waits alongside the other slow tests
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	for _, srv := range []*testutil.Server{
		testutil.StartRedis(t, "--enable-debug-command", "yes"),
		testutil.StartKeygrid(t, "--enable-debug-command", "yes"),
	} {
		c := srv.Conn(t)
		if r, err := c.Do("CONFIG", "SET", "watchdog-period", "50"); err != nil || string(r) != "+OK\r\n" {
			t.Fatalf("CONFIG SET: %q %v", r, err)
		}
		if r, _ := c.Do("CONFIG", "GET", "watchdog-period"); string(r) != "*2\r\n$15\r\nwatchdog-period\r\n$3\r\n200\r\n" {
			t.Errorf("CONFIG GET watchdog-period: %q", r)
		}
		c.SetTimeout(10 * time.Second)
		c.Do("DEBUG", "SLEEP", "1")
		srv.WaitLog(t, 10*time.Second, "--- WATCHDOG TIMER EXPIRED ---")
		srv.WaitLog(t, 10*time.Second, "debugCommand")
		if n := strings.Count(srv.Log(), "WATCHDOG TIMER EXPIRED"); n != 1 {
			t.Errorf("%d reports for one stall", n)
		}
		c.Do("CONFIG", "SET", "watchdog-period", "0")
	}
}
