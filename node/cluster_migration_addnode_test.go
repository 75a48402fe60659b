package node_test

// Replica migration right after `redis-cli --cluster add-node --cluster-slave`,
// on redis-server 7.0 and keygrid with the same steps and checks.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/keygrid/keygrid/slots"
)

// Three masters with a replica each; B's replica dies, so B is orphaned, and
// stays so well past the 5 s delay. A new node is added as a second replica of
// A. Redis's clusterCron calls clusterHandleSlaveMigration only on a replica
// of a master with the most working replicas, at least two, and the orphan's
// orphaned_time is set there, on its first call: the 5 s
// (CLUSTER_SLAVE_MIGRATION_DELAY) count from when A's replicas see A with
// two, not from when B lost its replica. The replica that moves is the one of
// A's with the smallest id, the new one or the old one: the new node is given
// the smallest or the largest id possible (its nodes.conf) to see both. On
// Redis the move was seen everywhere 5-6 s after add-node returned.
//
// The new node takes the CLUSTER_NODE_MIGRATE_TO flag of each node it learns
// from the gossip of the node it met (clusterProcessGossipSection creates it
// with the gossiped flags): B is a target for it as for the others. Not when
// add-node's existing node is B itself: B, met, comes with no flags (a node
// gossips about the others, not itself), and its dead replica, learned from
// its gossip, is never attached to it (gossip carries no master), so the new
// node, the replica that would move, never sees B as a target: nobody moves.
func TestClusterReplicaMigrationAfterAddNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts seven servers per case")
	}
	low, high := strings.Repeat("0", 39)+"1", strings.Repeat("f", 40)
	cases := []struct {
		name, newID string
		meetB       bool // add-node's existing node is B, not A
	}{{"new-moves", low, false}, {"old-moves", high, false}, {"met-orphan", low, true}}
	for _, c := range cases {
		newID := c.newID
		for _, kind := range clusterKinds {
			t.Run(kind+"/"+c.name, func(t *testing.T) {
				t.Parallel() // the clusters are independent: wait for them at once
				cl := testutil.StartCluster(t, kind, 3, 1)
				byID := testutil.ServersByID(t, cl.Nodes)
				ref := testutil.ClusterNodes(cl.Nodes[0])
				masters := testutil.SortedMasters(ref)
				a, b := masters[0], masters[1]
				oldID, deadID := ref.Replicas(a)[0].ID, ref.Replicas(b)[0].ID
				byID[deadID].Kill()
				var live []*testutil.Server
				for _, s := range cl.Nodes {
					if s != byID[deadID] {
						live = append(live, s)
					}
				}
				testutil.WaitFor(t, 30*time.Second, func() bool {
					for _, s := range live {
						st := testutil.ClusterNodes(s)
						if st == nil || st.Nodes[deadID] == nil || st.Nodes[deadID].Flags&slots.FlagFail == 0 {
							return false
						}
					}
					return true
				}, "B's replica to be FAIL everywhere")
				time.Sleep(6 * time.Second) // B orphaned for longer than the delay

				conf := filepath.Join(t.TempDir(), "nodes.conf")
				if err := os.WriteFile(conf, []byte(newID+" :0@0 myself,master - 0 0 0 connected\nvars currentEpoch 0 lastVoteEpoch 0\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				args := append([]string(nil), clusterArgs...)
				for i := range args {
					if args[i] == "nodes.conf" {
						args[i] = conf
					}
				}
				var n *testutil.Server
				if kind == "keygrid" {
					n = testutil.StartKeygrid(t, args...)
				} else {
					n = testutil.StartRedis(t, args...)
				}
				if got := testutil.ClusterNodes(n); got == nil || got.Myself.ID != newID {
					t.Fatalf("%s: the new node's id is not %s", kind, newID)
				}
				live = append(live, n)
				existing := byID[a.ID]
				if c.meetB {
					existing = byID[b.ID]
				}
				out, err := exec.Command("redis-cli", "--cluster", "add-node", n.Addr(), existing.Addr(),
					"--cluster-slave", "--cluster-master-id", a.ID).CombinedOutput()
				if err != nil {
					t.Fatalf("%s: add-node: %v\n%s", kind, err, out)
				}
				added := time.Now()
				mover := min(newID, oldID)
				// B's working replicas and A's replicas as node s sees them.
				view := func(s *testutil.Server) (bs, as string) {
					st := testutil.ClusterNodes(s)
					if st == nil || st.Nodes[a.ID] == nil || st.Nodes[b.ID] == nil {
						return "?", "?"
					}
					var bl, al []string
					for _, r := range st.Replicas(st.Nodes[b.ID]) {
						if r.Flags&slots.FlagFail == 0 {
							bl = append(bl, r.ID)
						}
					}
					for _, r := range st.Replicas(st.Nodes[a.ID]) {
						al = append(al, r.ID)
					}
					return strings.Join(bl, ","), strings.Join(al, ",")
				}
				// Nobody moves for the first 4 s (at all when B was met).
				quiet := 4 * time.Second
				if c.meetB {
					quiet = 12 * time.Second
				}
				for time.Since(added) < quiet {
					for i, s := range live {
						if bs, _ := view(s); bs != "" && bs != "?" {
							t.Fatalf("%s: node %d sees %s move to B %v after add-node", kind, i, bs, time.Since(added).Round(100*time.Millisecond))
						}
					}
					time.Sleep(100 * time.Millisecond)
				}
				want := fmt.Sprintf("%s %s", mover, max(newID, oldID))
				if c.meetB {
					want = " " + min(newID, oldID) + "," + max(newID, oldID)
				}
				if !testutil.Eventually(10*time.Second, func() bool {
					for _, s := range live {
						if bs, as := view(s); bs+" "+as != want {
							return false
						}
					}
					return true
				}) {
					for i, s := range live {
						t.Logf("node %d:\n%s", i, cliDo(s, "CLUSTER", "NODES").Str)
					}
					t.Logf("new node: %s", cliDo(n, "CLUSTER", "INFO").Str)
					t.Fatalf("%s: B's replicas and A's are not %q everywhere", kind, want)
				}
				if !c.meetB {
					t.Logf("%s: %s moved, seen everywhere %v after add-node", kind, mover, time.Since(added).Round(100*time.Millisecond))
				}
				// The new node never heard from B's dead replica, yet lists it
				// as the others' gossip describes it (Redis's
				// clusterProcessGossipSection: id, address and flags, no master,
				// no epoch, no pong).
				dead := byID[deadID]
				var last string
				if !testutil.Eventually(5*time.Second, func() bool {
					f := cliNodes(n)[deadID]
					if f == nil {
						return false
					}
					last = strings.Join(f, " ")
					return f[1] == fmt.Sprintf("127.0.0.1:%d@%d", dead.Port(), dead.Port()+10000) &&
						strings.Join(append(f[2:4:4], f[5:]...), " ") == "slave,fail - 0 0 disconnected"
				}) {
					t.Errorf("%s: the new node's line of the dead replica: %q", kind, last)
				}
			})
		}
	}
}
