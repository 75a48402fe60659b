package node

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestProcTitleVsRedis: the process title (/proc/<pid>/cmdline, what ps shows) is
// redis-server's, from proc-title-template at start and after CONFIG SET, including a
// title longer than the arguments (it takes the environment's space, as Redis's
// setproctitle); keygrid runs here as redis-server (a symlink), so {title} is the same
// program path. unit/other's "Process title set as expected" checks the same fields.
func TestProcTitleVsRedis(t *testing.T) {
	t.Parallel() // processes of its own: it waits alongside the other slow tests
	sides := initSides(t)
	link := filepath.Join(t.TempDir(), "redis-server")
	if err := os.Symlink(sides[1].argv[0], link); err != nil {
		t.Fatal(err)
	}
	sides[1].argv = []string{link}
	var got [][]string
	for _, side := range sides {
		dir := t.TempDir()
		conf := filepath.Join(dir, "redis.conf")
		sock := filepath.Join(dir, "socket")
		os.WriteFile(conf, []byte("unixsocket "+sock+"\n"), 0o644)
		side.argv = append(side.argv, conf)
		cmd, _, port := startInit(t, side, nil)
		c := waitPing(t, port)
		norm := func() string { // the title, with this side's own paths and port as names
			b, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/cmdline")
			if err != nil {
				t.Fatal(err)
			}
			s := strings.TrimRight(string(b), "\x00")
			s = strings.ReplaceAll(s, "\x00", " ")
			for _, r := range [][2]string{{conf, "CONF"}, {sock, "SOCK"}, {side.argv[0], "PROG"}, {strconv.Itoa(port), "PORT"}} {
				s = strings.ReplaceAll(s, r[0], r[1])
			}
			return s
		}
		titles := []string{norm()}
		r, _ := c.Do("CONFIG", "SET", "proc-title-template", "TEST {title} {listen-addr} {port} {tls-port} {unixsocket} {config-file} {server-mode}")
		titles = append(titles, string(r), norm())
		r, _ = c.Do("CONFIG", "SET", "proc-title-template", "{invalid-var}")
		titles = append(titles, string(r), norm())
		r, _ = c.Do("CONFIG", "SET", "proc-title-template", "{title}")
		titles = append(titles, string(r), norm())
		got = append(got, titles)
		c.Do("SHUTDOWN", "NOSAVE")
		cmd.Wait()
	}
	if strings.Join(got[0], "\n") != strings.Join(got[1], "\n") {
		t.Errorf("process titles:\nredis-server %q\nkeygrid      %q", got[0], got[1])
	}
	if want := "TEST PROG 127.0.0.1:PORT PORT 0 SOCK CONF"; got[0][2] != want {
		t.Errorf("redis-server's title %q, the test expects %q", got[0][2], want)
	}
}
