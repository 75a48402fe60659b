package engine

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// TestReplicaBusyScriptHoldsStreamVsRedis: while a script on a replica is busy
// (past busy-reply-threshold, serving other clients with -BUSY) the master's
// stream waits instead of running: its commands, the master's PINGs included,
// would fail with -BUSY, which propagation-error-behavior panic (the suite's
// default.conf) turns into a crash. Once the script ends the held stream runs.
// integration/replication "Master stream is correctly processed while the
// replica has a script in -BUSY state".
func TestReplicaBusyScriptHoldsStreamVsRedis(t *testing.T) {
	// A script busy for 1.5 s whatever the machine's speed.
	const script = `local t = redis.call('time') local s = t[1]*1000000 + t[2]
while true do local n = redis.call('time') if n[1]*1000000 + n[2] - s > 1500000 then break end end
return 1`
	for _, kind := range []string{"redis-server", "keygrid"} {
		t.Run(kind, func(t *testing.T) {
			start := testutil.StartKeygrid
			if kind == "redis-server" {
				if testing.Short() {
					t.Skip("redis-server skipped with -short")
				}
				start = testutil.StartRedis
			}
			master := start(t, "--repl-ping-replica-period", "1")
			replica := start(t, "--busy-reply-threshold", "100", "--propagation-error-behavior", "panic")
			r := dialTest(t, replica.Addr())
			_, port, _ := net.SplitHostPort(master.Addr())
			r.do("REPLICAOF", "127.0.0.1", port)
			m := dialTest(t, master.Addr())
			testutil.WaitFor(t, 60*time.Second, func() bool {
				return strings.Contains(r.do("INFO", "replication"), "master_link_status:up")
			}, kind+": the replica did not connect")
			r.raw("*3\r\n$4\r\nEVAL\r\n$" + strconv.Itoa(len(script)) + "\r\n" + script + "\r\n$1\r\n0\r\n")
			// The script is busy once another client gets -BUSY.
			other := dialTest(t, replica.Addr())
			testutil.WaitFor(t, 10*time.Second, func() bool {
				return strings.HasPrefix(other.do("GET", "x"), "-BUSY")
			}, kind+": the script did not get busy")
			m.do("SET", "k", "v") // reaches the replica during the script, with a PING
			time.Sleep(1200 * time.Millisecond)
			r.c.SetDeadline(time.Now().Add(10 * time.Second))
			if got := r.read(); got != ":1" {
				t.Fatalf("%s: EVAL: %q", kind, got)
			}
			testutil.WaitFor(t, 10*time.Second, func() bool { return r.do("GET", "k") == "v" },
				kind+": the SET held during the script did not run after it")
			if n := infoInt(t, r, "unexpected_error_replies"); n != 0 {
				t.Errorf("%s: unexpected_error_replies:%d on the replica", kind, n)
			}
		})
	}
}
