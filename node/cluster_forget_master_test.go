package node_test

// CLUSTER FORGET of a master that has a replica, on every node but the master
// and its replica (a replica cannot forget its own master), run on a
// redis-server 7.0 cluster and on a keygrid one with the same steps and checks.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// The replica goes on naming the forgotten master in every ping. Redis's
// clusterProcessPacket looks hdr->slaveof up (clusterLookupNode) and, not
// finding it, leaves the replica's slaveof as clusterDelNode left it, NULL:
// CLUSTER NODES shows "slave -" and no line for the master. keygrid added the
// master back as a placeholder ("<id> :0@0 master,noaddr - 0 0 0
// disconnected") when the replica's header next arrived.
//
// Once the ban is over (keygrid's shortened here; Redis's is 60 s) the
// replica's gossip section names the master, so the others add it
// (clusterProcessGossipSection: an unknown node gossiped by a known one is
// added with the gossiped id, address and flags) and connect to it: it is
// back with its slots, and the replica follows it again. Checked on keygrid
// only (a minute's wait on Redis); Redis did the same by hand: 62 s after the
// FORGETs every node listed the master, and the replica as its slave.
func TestClusterForgottenMasterNoPlaceholder(t *testing.T) {
	const ban = 4 * time.Second
	eachClusterKind(t, func(t *testing.T, kind string) {
		if kind == "keygrid" {
			t.Setenv("KEYGRID_TEST_FORGET_BAN", ban.String())
		}
		cl := testutil.StartCluster(t, kind, 3, 1)
		m, r, mid, rid := masterAndReplica(t, cl)
		var others []*testutil.Server
		for _, s := range cl.Nodes {
			if s != m && s != r {
				others = append(others, s)
			}
		}
		if got := cliDo(r, "CLUSTER", "FORGET", mid).Str; got != "ERR Can't forget my master!" {
			t.Fatalf("%s: CLUSTER FORGET of its master on the replica = %q", kind, got)
		}
		// What is left once the master's slots are unassigned.
		assigned := 16384
		for _, rg := range cliNodes(others[0])[mid][8:] {
			var lo, hi int
			if n, _ := fmt.Sscanf(rg, "%d-%d", &lo, &hi); n == 2 {
				assigned -= hi - lo + 1
			}
		}
		// The replica's line shows its master's config epoch while it has one,
		// then its own: redis-cli --cluster create gave the nodes epochs 1, 2,
		// ... in the order they are listed. Redis keeps the greatest epoch a
		// node's header carried, and a replica's header carries its master's:
		// the replica's own if it was heard before it replicated, else the
		// master's (timing); keygrid shows its own.
		epoch := 0
		for i, s := range cl.Nodes {
			if s == r {
				epoch = i + 1
			}
		}
		mepoch := cliNodes(others[0])[mid][6]
		start := time.Now()
		for _, s := range others {
			if got := cliDo(s, "CLUSTER", "FORGET", mid).Str; got != "OK" {
				t.Fatalf("%s: CLUSTER FORGET = %q", kind, got)
			}
		}
		// The replica announces a change: keygrid sends its header again (Redis
		// sends it in every ping anyway).
		if got := cliDo(r, "CONFIG", "SET", "cluster-announce-hostname", "r.example").Str; got != "OK" {
			t.Fatalf("%s: CONFIG SET cluster-announce-hostname = %q", kind, got)
		}
		testutil.WaitFor(t, 5*time.Second, func() bool {
			for _, s := range others {
				if f := cliNodes(s)[rid]; f == nil || !strings.HasSuffix(f[1], ",r.example") {
					return false
				}
			}
			return true
		}, kind+": the replica's hostname known everywhere")
		// Until just before keygrid's ban ends: no line for the master, and
		// the replica has none.
		for time.Since(start) < ban-500*time.Millisecond {
			for i, s := range others {
				ns := cliNodes(s)
				if f := ns[mid]; f != nil {
					t.Fatalf("%s: node %d lists the forgotten master: %s", kind, i, strings.Join(f, " "))
				}
				f := ns[rid]
				// flags, master, config epoch, link
				got := fmt.Sprintf("%s %s %s %s", f[2], f[3], f[6], f[7])
				if got != fmt.Sprintf("slave - %d connected", epoch) && (kind == "keygrid" || got != "slave - "+mepoch+" connected") {
					t.Fatalf("%s: node %d: the replica's line: %s", kind, i, strings.Join(f, " "))
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		if st := cliDo(others[0], "CLUSTER", "INFO").Str; !strings.Contains(st, "cluster_state:fail") ||
			!strings.Contains(st, fmt.Sprintf("cluster_slots_assigned:%d\r\n", assigned)) || !strings.Contains(st, "cluster_known_nodes:5") {
			t.Errorf("%s: CLUSTER INFO:\n%s", kind, st)
		}
		// CLUSTER SHARDS: the two masters left (Redis lists a shard per master
		// it knows; the replica of none is in none).
		if sh := cliDo(others[0], "CLUSTER", "SHARDS").Elems; len(sh) != 2 {
			t.Errorf("%s: CLUSTER SHARDS lists %d shards, want 2", kind, len(sh))
		}
		if kind == "redis" {
			return
		}
		// Past the ban: the master is back, whole, and the replica follows it.
		testutil.WaitFor(t, 15*time.Second, func() bool {
			for _, s := range others {
				ns := cliNodes(s)
				f, rf := ns[mid], ns[rid]
				if f == nil || f[1] != fmt.Sprintf("127.0.0.1:%d@%d", m.Port(), m.Port()+10000) ||
					f[2] != "master" || len(f) != 9 || rf == nil || rf[3] != mid {
					return false
				}
			}
			return true
		}, kind+": the master back on every node with its replica")
	})
}
