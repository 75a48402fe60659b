package node

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadModuleAbortsVsRedis: a loadmodule line whose module does not load stops
// the start-up with redis-server's two log lines and exit status 1 (keygrid loads
// no module at all, so it can never run a configuration that needs one).
func TestLoadModuleAbortsVsRedis(t *testing.T) {
	t.Parallel() // processes of its own: it waits alongside the other slow tests
	var got [][]string
	for _, side := range initSides(t) {
		mod := filepath.Join(t.TempDir(), "nosuch.so")
		cmd, dir, _ := startInit(t, side, nil, "--loadmodule", mod)
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Errorf("%s: exit %v, want status 1", side.name, err)
		}
		var lines []string
		for _, l := range logLines(t, dir) {
			if strings.Contains(l, "module") || strings.Contains(l, "Module") {
				lines = append(lines, strings.ReplaceAll(l, mod, "MOD"))
			}
		}
		got = append(got, lines)
	}
	if len(got[0]) != 2 || strings.Join(got[0], "\n") != strings.Join(got[1], "\n") {
		t.Errorf("redis-server %q\nkeygrid      %q", got[0], got[1])
	}
}
