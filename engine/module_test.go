package engine

import (
	"testing"

	"github.com/keygrid/keygrid/engine/config"
)

// MODULE with enable-module-command allowed: no library loads, the replies are
// redis-server 7.0.15's for a path that fails to load and a name never loaded.
// (With the default "no", internal/difftest/testdata/server.txt compares the
// refusals with redis-server.)
func TestModuleCommand(t *testing.T) {
	for _, setting := range []string{"yes", "local"} {
		_, addr := startTestServer(t, func(cfg *config.Config) { cfg.EnableModuleCommand = setting })
		c := dialTest(t, addr)
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"MODULE", "LIST"}, "[]"},
			{[]string{"MODULE", "LOAD", "/path/to/non-existent-library.so"}, "-ERR Error loading the extension. Please check the server logs."},
			{[]string{"MODULE", "LOADEX", "/path/to/non-existent-library.so", "CONFIG", "param1", "value1", "ARGS", "arg1"}, "-ERR Error loading the extension. Please check the server logs."},
			{[]string{"MODULE", "UNLOAD", "nosuch"}, "-ERR Error unloading module: no such module with that name"},
			{[]string{"MODULE", "LOAD"}, "-ERR wrong number of arguments for 'module|load' command"},
			{[]string{"MODULE", "LIST", "x"}, "-ERR wrong number of arguments for 'module|list' command"},
		} {
			if got := c.do(tc.args...); got != tc.want {
				t.Errorf("enable-module-command %s: %q = %q, want %q", setting, tc.args, got, tc.want)
			}
		}
	}
}
