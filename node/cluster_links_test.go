package node_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
)

// TestDebugClusterLinkVsRedis: DEBUG CLUSTERLINK KILL replies as redis-server
// 7.0's, its quirk included: an unknown direction gets the error and then +OK
// (debug.c falls through to its addReply), two replies to one command. A
// server not in cluster mode says so. Killing real links is tested with peers
// (gossip's TestLinks*, and Redis's own 24-links and unit/cluster/links).
func TestDebugClusterLinkVsRedis(t *testing.T) {
	type pair struct {
		name string
		s    *testutil.Server
		c    *testutil.Conn
	}
	for _, cluster := range []string{"yes", "no"} {
		servers := []pair{
			{name: "redis", s: testutil.StartRedis(t, "--cluster-enabled", cluster, "--enable-debug-command", "yes")},
			{name: "keygrid", s: testutil.StartKeygrid(t, "--cluster-enabled", cluster, "--enable-debug-command", "yes")},
		}
		for i := range servers {
			servers[i].c = dialNode(t, servers[i].s)
		}
		steps := [][]string{
			{"DEBUG", "CLUSTERLINK", "KILL", "to", "0123456789012345678901234567890123456789"},
			{"DEBUG", "CLUSTERLINK", "KILL", "to"},
			{"DEBUG", "CLUSTERLINK", "FOO", "to", "x"},
			// A real kill of myself's links segfaults redis-server 7.0.15
			// (freeClusterLink of myself's NULL link); keygrid replies +OK.
			{"DEBUG", "CLUSTERLINK", "KILL", "sideways", "<MYID>"},
			{"CLUSTER", "LINKS"},
		}
		for _, st := range steps {
			var replies [2]string
			for i, p := range servers {
				args := append([]string(nil), st...)
				id := ""
				if cluster == "yes" {
					v, _ := testutil.ParseReply(mustDo(t, p.c, "CLUSTER", "MYID"))
					id = v.Str
				}
				for j := range args {
					if args[j] == "<MYID>" {
						args[j] = id
					}
				}
				raw := mustDo(t, p.c, args...)
				if cluster == "yes" && len(st) == 5 && st[3] == "sideways" {
					more, err := p.c.ReadReply() // the second reply
					if err != nil {
						t.Fatalf("%s %q: second reply: %v", p.name, st, err)
					}
					raw = append(raw, more...)
				}
				if id != "" {
					raw = bytes.ReplaceAll(raw, []byte(id), []byte("<ID>"))
				}
				replies[i] = string(raw)
			}
			if replies[0] != replies[1] {
				t.Errorf("cluster-enabled %s, %q:\nredis:   %q\nkeygrid: %q", cluster, st, replies[0], replies[1])
			}
		}
		// Both still answer in step: no stray reply is left.
		for _, p := range servers {
			if got := string(mustDo(t, p.c, "PING")); !strings.HasPrefix(got, "+PONG") {
				t.Errorf("%s: PING after the steps read %q", p.name, got)
			}
		}
	}
}
