package node

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// TestReplicationExitLogVsRedis: a replica and a master, each shut down with
// SHUTDOWN NOSAVE while a replication link is up, end their logs with "Redis is now ready to
// exit, bye bye...", as redis-server: the link closed by the exit is not logged
// as lost, and the replica does not start reconnecting to its master.
func TestReplicationExitLogVsRedis(t *testing.T) {
	t.Parallel() // processes of its own
	sides := initSides(t)
	var tails [2][2]string
	for i, side := range sides {
		_, mdir, mport := startInit(t, side, nil)
		_, rdir, rport := startInit(t, side, nil)
		_, _, r2port := startInit(t, side, nil)
		m := waitPing(t, mport)
		rs := []*testutil.Conn{waitPing(t, rport), waitPing(t, r2port)}
		for _, r := range rs {
			if _, err := r.Do("REPLICAOF", "127.0.0.1", strconv.Itoa(mport)); err != nil {
				t.Fatal(err)
			}
			testutil.WaitFor(t, 30*time.Second, func() bool {
				b, err := r.Do("INFO", "replication")
				return err == nil && strings.Contains(string(b), "master_link_status:up")
			}, side.name+": a replica did not connect")
		}
		m.Do("SET", "k", "v")
		// The first replica, its link up; then the master, the second replica's up.
		rs[0].Do("SHUTDOWN", "NOSAVE") // the connection closes without a reply
		m.Do("SHUTDOWN", "NOSAVE")
		for j, dir := range []string{rdir, mdir} {
			testutil.WaitFor(t, 10*time.Second, func() bool {
				return strings.Contains(strings.Join(logLines(t, dir), "\n"), "bye bye")
			}, side.name+": no exit line")
			time.Sleep(300 * time.Millisecond) // anything logged after it
			l := logLines(t, dir)
			tails[i][j] = l[len(l)-1]
		}
	}
	for j, who := range []string{"replica", "master"} {
		if tails[0][j] != "# Redis is now ready to exit, bye bye..." || tails[1][j] != tails[0][j] {
			t.Errorf("%s's last line: redis-server %q, keygrid %q", who, tails[0][j], tails[1][j])
		}
	}
}

// TestShutdownKillsSnapshotLogVsRedis: SHUTDOWN NOSAVE during a BGSAVE, and on a
// master during a diskless full sync, logs "There is a child saving an .rdb.
// Killing it!" and then only the exit, as redis-server, which exits without
// reaping its child: no "Background saving terminated by signal", no "SYNC
// failed", and the sync's snapshot is stopped too. keygrid's own "snapshot
// finished" notice line and the line of Redis's dying child are left out.
// embeddedLine is a log line written into the middle of a signal handler's line.
var embeddedLine = regexp.MustCompile(`^signal-handler \d+:[MSCX] \d{2} \w{3} \d{4} [\d:.]{12} ([.\-*#] .*)$`)

// childLine is redis-server's dying snapshot child's line, which its signal
// handler writes in six pieces (pid, ":signal-handler (", seconds, ") ", the
// message, the newline): the parent's exit line, written meanwhile, can land
// between any two of them (CI saw "24855:signal-handler (24845:M ... bye
// bye...\n1795857807) Received SIGUSR1 in child, exiting now.").
var childLine = regexp.MustCompile(`\d+(` + parentLine + `)?:signal-handler \((` + parentLine + `)?\d+(` +
	parentLine + `)?\) (` + parentLine + `)?Received SIGUSR1 in child, exiting now\.(` + parentLine + `)?\n`)

const parentLine = `\d+:[MSCX] [^\n]*\n`

// childFreeLogLines is logLines with the child's line taken out and the parent's
// lines it held put back.
func childFreeLogLines(dir string) []string {
	b, _ := os.ReadFile(filepath.Join(dir, "log"))
	return parseLogLines(childLine.ReplaceAllString(string(b), "$1$2$3$4$5"))
}

func TestShutdownKillsSnapshotLogVsRedis(t *testing.T) {
	t.Parallel() // processes of its own
	sides := initSides(t)
	var got [2][2][]string
	for i, side := range sides {
		for j, sync := range []bool{false, true} {
			_, dir, port := startInit(t, side, nil, "--enable-debug-command", "yes",
				"--rdb-key-save-delay", "100000", "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0")
			m := waitPing(t, port)
			m.Do("DEBUG", "POPULATE", "100")
			if sync {
				_, _, rport := startInit(t, side, nil)
				if _, err := waitPing(t, rport).Do("REPLICAOF", "127.0.0.1", strconv.Itoa(port)); err != nil {
					t.Fatal(err)
				}
			} else if b, err := m.Do("BGSAVE"); err != nil || !strings.Contains(string(b), "Background saving started") {
				t.Fatalf("%s: BGSAVE: %q %v", side.name, b, err)
			}
			testutil.WaitFor(t, 30*time.Second, func() bool {
				b, err := m.Do("INFO", "persistence")
				return err == nil && strings.Contains(string(b), "rdb_bgsave_in_progress:1")
			}, side.name+": no snapshot in progress")
			m.Do("SHUTDOWN", "NOSAVE")
			testutil.WaitFor(t, 10*time.Second, func() bool {
				return strings.Contains(strings.Join(childFreeLogLines(dir), "\n"), "bye bye")
			}, side.name+": no exit line")
			time.Sleep(300 * time.Millisecond) // anything logged after it
			for _, l := range linesFrom(childFreeLogLines(dir), "User requested shutdown") {
				// redis-server's dying child writes its signal-handler line in
				// pieces: the parent's exit line can land inside it (CI:
				// "signal-handler 21786:M 28 Nov 2026 09:12:33.081 # Redis is now
				// ready to exit, bye bye..."). Take the parent's line back out.
				if m := embeddedLine.FindStringSubmatch(l); m != nil {
					l = m[1]
				}
				// The child's own line, whenever it dies: keygrid has no child.
				if !strings.Contains(l, "snapshot finished") && !strings.Contains(l, "Received SIGUSR1 in child") {
					got[i][j] = append(got[i][j], l)
				}
			}
		}
	}
	for j, what := range []string{"BGSAVE", "full sync"} {
		want := []string{"# User requested shutdown...", "# There is a child saving an .rdb. Killing it!",
			"# Redis is now ready to exit, bye bye..."}
		if j == 1 { // a replica waiting for its RDB counts as in sync
			want = slices.Insert(want, 1, "* 1 of 1 replicas are in sync when shutting down.")
		}
		if strings.Join(got[0][j], "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: redis-server logged %q, the test expects %q", what, got[0][j], want)
		}
		if strings.Join(got[1][j], "\n") != strings.Join(got[0][j], "\n") {
			t.Errorf("%s: redis-server logged %q, keygrid %q", what, got[0][j], got[1][j])
		}
	}
}
