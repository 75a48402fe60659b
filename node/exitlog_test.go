package node

import (
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
