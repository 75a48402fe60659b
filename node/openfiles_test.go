package node

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestOpenFilesLimitVsRedis: under a low `ulimit -n` (soft and hard, which the Go
// runtime cannot raise) the server lowers maxclients to what the limit allows and
// says so in redis-server's three lines, and under one too low for any client it
// exits 1 with redis-server's line, as redis-server's adjustOpenFilesLimit.
func TestOpenFilesLimitVsRedis(t *testing.T) {
	t.Parallel() // processes of its own
	limited := func(side initSide, n string) initSide {
		// sh's `ulimit -n` sets the soft and the hard limit.
		return initSide{side.name, append([]string{"sh", "-c", `ulimit -n ` + n + ` && exec "$0" "$@"`}, side.argv...)}
	}
	var lines [2][]string
	var maxclients [2]string
	var low [2]string
	for i, side := range initSides(t) {
		cmd, dir, port := startInit(t, limited(side, "1024"), nil)
		c := waitPing(t, port)
		r, _ := c.Do("CONFIG", "GET", "maxclients")
		maxclients[i] = string(r)
		c.Do("SHUTDOWN", "NOSAVE")
		cmd.Wait()
		for _, l := range logLines(t, dir) {
			if strings.Contains(l, "maxclients") || strings.Contains(l, "open files") {
				lines[i] = append(lines[i], l)
			}
		}

		cmd, dir, _ = startInit(t, limited(side, "30"), nil)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
				t.Errorf("%s with ulimit -n 30: %v, want exit status 1", side.name, err)
			}
		case <-time.After(5 * time.Second):
			// Where the test may raise the hard limit (CAP_SYS_RESOURCE) the server
			// raises it and runs: its line says so.
			low[i] = "running: "
			cmd.Process.Kill()
			<-done
		}
		for _, l := range logLines(t, dir) {
			if strings.Contains(l, "ulimit") || strings.Contains(l, "open files") {
				low[i] += l
			}
		}
	}
	want := []string{"# You requested maxclients of 10000 requiring at least 10032 max file descriptors.",
		"# Server can't set maximum open files to 10032 because of OS error: Operation not permitted.",
		"# Current maximum open files is 1024. maxclients has been reduced to 992 to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'."}
	if strings.Join(lines[0], "\n") != strings.Join(want, "\n") {
		// As root with CAP_SYS_RESOURCE the limit can be raised: then both raise it.
		t.Logf("redis-server logged %q (this test expected %q)", lines[0], want)
	}
	if strings.Join(lines[1], "\n") != strings.Join(lines[0], "\n") || maxclients[1] != maxclients[0] {
		t.Errorf("ulimit -n 1024:\nredis-server %q, %q\nkeygrid      %q, %q", lines[0], maxclients[0], lines[1], maxclients[1])
	}
	if low[0] == "" || low[1] != low[0] {
		t.Errorf("ulimit -n 30: redis-server %q, keygrid %q", low[0], low[1])
	}
}
