package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/engine/config"
)

// TestRenameCommand: rename-command as redis-server 7.0.15 applies it (replies
// checked against it with --rename-command config xconfig --rename-command flushall ""):
// the old name is unknown, the new one runs the command under its own name in
// COMMAND's replies, a command renamed to "" is gone from COMMAND LIST and COUNT.
func TestRenameCommand(t *testing.T) {
	_, plain := startTestServer(t, nil)
	count := dialTest(t, plain).do("COMMAND", "COUNT")
	_, addr := startTestServer(t, func(c *config.Config) {
		c.RenameCommands = [][2]string{{"config", "xconfig"}, {"flushall", ""}}
	})
	tc := dialTest(t, addr)
	for _, step := range []struct {
		cmd  []string
		want string
	}{
		{[]string{"CONFIG", "GET", "port"}, "-ERR unknown command 'CONFIG', with args beginning with: 'GET' 'port' "},
		{[]string{"FLUSHALL"}, "-ERR unknown command 'FLUSHALL', with args beginning with: "},
		{[]string{"XCONFIG", "GET", "maxclients"}, "[maxclients 10000]"},
		{[]string{"XCONFIG", "xx"}, "-ERR unknown subcommand 'xx'. Try XCONFIG HELP."},
		{[]string{"COMMAND", "INFO", "config"}, "[(nil)]"},
	} {
		if got := tc.do(step.cmd...); got != step.want {
			t.Errorf("%v = %q, want %q", step.cmd, got, step.want)
		}
	}
	// The same connection, once CONFIG ran as XCONFIG, must not reach it by its old
	// name through the dispatcher's last-command shortcut.
	tc.do("XCONFIG", "GET", "port")
	if got := tc.do("CONFIG", "GET", "port"); !strings.HasPrefix(got, "-ERR unknown command 'CONFIG'") {
		t.Errorf("old name after the renamed one ran: %q", got)
	}
	if got := tc.do("COMMAND", "INFO", "xconfig"); !strings.HasPrefix(got, "[[config :-2 ") {
		t.Errorf("COMMAND INFO xconfig must describe config: %q", got)
	}
	list := tc.do("COMMAND", "LIST")
	names := strings.Fields(strings.Trim(list, "[]"))
	if slices.Contains(names, "flushall") || !slices.Contains(names, "config") || slices.Contains(names, "xconfig") {
		t.Errorf("COMMAND LIST: flushall must be gone, config listed under its own name")
	}
	var n, m int
	if _, err := fmtSscan(count, &n); err != nil {
		t.Fatal(err)
	}
	if _, err := fmtSscan(tc.do("COMMAND", "COUNT"), &m); err != nil || m != n-1 {
		t.Errorf("COMMAND COUNT %d, want %d", m, n-1)
	}
}

func fmtSscan(reply string, n *int) (int, error) {
	return fmt.Sscan(strings.TrimSpace(strings.TrimPrefix(reply, ":")), n)
}

// TestRenameCommandConfigErrors: the config file is checked line by line, with
// Redis's messages.
func TestRenameCommandConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--rename-command", "nosuch", "x"}, "No such command in rename-command"},
		{[]string{"--rename-command", "get", "set"}, "Target command name already exists"},
		{[]string{"--rename-command", "get", "g2", "--rename-command", "get", "g3"}, "No such command in rename-command"},
	} {
		_, err := config.Load("", tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	if _, err := config.Load("", []string{"--rename-command", "get", "g2", "--rename-command", "g2", "get"}); err != nil {
		t.Errorf("renaming back: %v", err)
	}
}
