package node_test

// Replicas as the rest of the cluster sees them, on real processes, keygrid
// side by side with redis-server: CLUSTER SLOTS and SHARDS list a replica once
// its replication offset, which travels on the bus, is not zero; replica
// migration moves a replica to an orphaned master within
// cluster-migration-barrier and cluster-allow-replica-migration.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/keygrid/keygrid/slots"
)

// clusterKinds are the servers a differential cluster test runs on.
var clusterKinds = []string{"redis", "keygrid"}

// do sends one command to s and parses the reply (nil if s does not answer).
func do(s *testutil.Server, args ...string) *testutil.Value {
	c, err := testutil.Dial(s.Addr())
	if err != nil {
		return nil
	}
	defer c.Close()
	raw, err := c.Do(args...)
	if err != nil {
		return nil
	}
	v, err := testutil.ParseReply(raw)
	if err != nil {
		return nil
	}
	return &v
}

// slotsReplicas checks CLUSTER SLOTS of s against st (its CLUSTER NODES): every
// range lists exactly the master's replicas, by id. It returns why not, or "".
func slotsReplicas(s *testutil.Server, st *slots.State) string {
	v := do(s, "CLUSTER", "SLOTS")
	if v == nil || v.Kind != testutil.KindArray {
		return "no CLUSTER SLOTS"
	}
	for _, r := range v.Elems {
		if len(r.Elems) < 3 {
			return "short CLUSTER SLOTS entry"
		}
		master := st.Nodes[r.Elems[2].Elems[2].Str]
		if master == nil {
			return "unknown master " + r.Elems[2].Elems[2].Str
		}
		want := map[string]bool{}
		for _, rep := range st.Replicas(master) {
			want[rep.ID] = true
		}
		got := map[string]bool{}
		for _, n := range r.Elems[3:] {
			got[n.Elems[2].Str] = true
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Sprintf("slots %d-%d list replicas %v, CLUSTER NODES has %v", r.Elems[0].Int, r.Elems[1].Int, got, want)
		}
	}
	return ""
}

// shardsHealthy reports whether CLUSTER SHARDS of s shows every node online
// with a non-zero replication offset.
func shardsHealthy(s *testutil.Server) string {
	v := do(s, "CLUSTER", "SHARDS")
	if v == nil || v.Kind != testutil.KindArray {
		return "no CLUSTER SHARDS"
	}
	for _, sh := range v.Elems {
		for i := 0; i+1 < len(sh.Elems); i += 2 {
			if sh.Elems[i].Str != "nodes" {
				continue
			}
			for _, n := range sh.Elems[i+1].Elems {
				f := map[string]testutil.Value{}
				for j := 0; j+1 < len(n.Elems); j += 2 {
					f[n.Elems[j].Str] = n.Elems[j+1]
				}
				if f["health"].Str != "online" || f["replication-offset"].Int == 0 {
					return fmt.Sprintf("node %s: health %s offset %d", f["id"].Str, f["health"].Str, f["replication-offset"].Int)
				}
			}
		}
	}
	return ""
}

// After redis-cli --cluster create with one replica per master, every node's
// CLUSTER SLOTS lists every replica and CLUSTER SHARDS shows every node online,
// on keygrid as on redis-server (where it takes the first replication PING,
// about ten seconds: the replicas' offsets are zero until then).
func TestClusterSlotsListReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six servers per kind")
	}
	for _, kind := range clusterKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel() // the two kinds' clusters are independent: wait for them at once
			cl := testutil.StartCluster(t, kind, 3, 1)
			start := time.Now()
			waitWhy(t, 60*time.Second, func() string {
				why := ""
				for _, s := range cl.Nodes {
					st := testutil.ClusterNodes(s)
					if st == nil || len(st.Nodes) != 6 {
						return "CLUSTER NODES incomplete"
					}
					if why = slotsReplicas(s, st); why != "" {
						return s.Addr() + ": " + why
					}
					if v := do(s, "CLUSTER", "SLOTS"); v == nil || len(v.Elems) != 3 || len(v.Elems[0].Elems) != 4 {
						return s.Addr() + ": CLUSTER SLOTS without the replicas"
					}
					if why = shardsHealthy(s); why != "" {
						return s.Addr() + ": " + why
					}
				}
				return ""
			}, "every node to list every replica")
			t.Logf("%s: replicas listed everywhere %v after the cluster was ok", kind, time.Since(start).Round(100*time.Millisecond))
		})
	}
}

// clusterArgs are StartCluster's server arguments, for a node added later.
var clusterArgs = []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
	"--cluster-node-timeout", "2000", "--appendonly", "no", "--cluster-replica-validity-factor", "0"}

// Replica migration (Redis 7.0's clusterHandleSlaveMigration): three masters,
// A with two replicas, B and C with one. B's replica dies: B is orphaned. One
// replica of A (the one with the smaller id) moves to B, but only when A keeps
// more than cluster-migration-barrier working replicas and
// cluster-allow-replica-migration is yes; redis-server the same.
func TestClusterReplicaMigration(t *testing.T) {
	if testing.Short() {
		t.Skip("starts seven servers per kind")
	}
	for _, kind := range clusterKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel() // the two kinds' clusters are independent: wait for them at once
			cl := testutil.StartCluster(t, kind, 3, 1)
			var extra *testutil.Server
			if kind == "keygrid" {
				extra = testutil.StartKeygrid(t, clusterArgs...)
			} else {
				extra = testutil.StartRedis(t, clusterArgs...)
			}
			all := append(append([]*testutil.Server(nil), cl.Nodes...), extra)
			byID := testutil.ServersByID(t, cl.Nodes)
			ref := testutil.ClusterNodes(cl.Nodes[0])
			masters := testutil.SortedMasters(ref)
			a, b := masters[0], masters[1]
			bReplica := byID[ref.Replicas(b)[0].ID]
			// The barrier forbids the move first (A would keep 1 < 2).
			for _, s := range all {
				if v := do(s, "CONFIG", "SET", "cluster-migration-barrier", "2"); v == nil || v.Str != "OK" {
					t.Fatalf("CONFIG SET cluster-migration-barrier on %s: %+v", s.Addr(), v)
				}
			}
			if v := do(extra, "CLUSTER", "MEET", "127.0.0.1", fmt.Sprint(cl.Nodes[0].Port())); v == nil || v.Str != "OK" {
				t.Fatalf("CLUSTER MEET: %+v", v)
			}
			testutil.WaitFor(t, 30*time.Second, func() bool {
				st := testutil.ClusterNodes(extra)
				return st != nil && len(st.Nodes) == 7 && st.Nodes[a.ID] != nil && st.Nodes[a.ID].IsMaster()
			}, "the new node to know the cluster")
			if v := do(extra, "CLUSTER", "REPLICATE", a.ID); v == nil || v.Str != "OK" {
				t.Fatalf("CLUSTER REPLICATE: %+v", v)
			}
			extraID := testutil.ClusterNodes(extra).Myself.ID
			byID[extraID] = extra
			aReplicas := func(st *slots.State) []string {
				var ids []string
				for _, r := range st.Replicas(st.Nodes[a.ID]) {
					ids = append(ids, r.ID)
				}
				return ids
			}
			testutil.WaitFor(t, 30*time.Second, func() bool {
				for _, s := range all {
					st := testutil.ClusterNodes(s)
					if st == nil || len(st.Nodes) != 7 || len(aReplicas(st)) != 2 || !stateOK(s) {
						return false
					}
				}
				return true
			}, "every node to see A with two replicas")
			mover := aReplicas(testutil.ClusterNodes(cl.Nodes[0]))[0] // the smaller id

			bReplicaID := testutil.ClusterNodes(bReplica).Myself.ID
			bReplica.Kill()
			var live []*testutil.Server
			for _, s := range all {
				if s != bReplica {
					live = append(live, s)
				}
			}
			testutil.WaitFor(t, 30*time.Second, func() bool {
				for _, s := range live {
					st := testutil.ClusterNodes(s)
					if st == nil || st.Nodes[bReplicaID] == nil || st.Nodes[bReplicaID].Flags&slots.FlagFail == 0 {
						return false
					}
				}
				return true
			}, "B's replica to be FAIL everywhere")
			// Redis waits 5 s of orphaned master before a replica moves: watch
			// for twice that that nobody moves. Once B has been orphaned that
			// long, a move would follow within a cron tick (100 ms), so the
			// later window is shorter.
			stays := func(why string, d time.Duration) {
				deadline := time.Now().Add(d)
				for time.Now().Before(deadline) {
					for _, s := range live {
						if st := testutil.ClusterNodes(s); st != nil && len(st.Replicas(st.Nodes[b.ID])) != 1 {
							t.Fatalf("%s: a replica moved to B:\n%s", why, do(s, "CLUSTER", "NODES").Str)
						}
					}
					time.Sleep(200 * time.Millisecond)
				}
			}
			stays("cluster-migration-barrier 2", 10*time.Second)
			for _, s := range live {
				do(s, "CONFIG", "SET", "cluster-migration-barrier", "1")
				do(s, "CONFIG", "SET", "cluster-allow-replica-migration", "no")
			}
			stays("cluster-allow-replica-migration no", 3*time.Second)
			for _, s := range live {
				do(s, "CONFIG", "SET", "cluster-allow-replica-migration", "yes")
			}
			start := time.Now()
			testutil.WaitFor(t, 40*time.Second, func() bool {
				for _, s := range live {
					st := testutil.ClusterNodes(s)
					if st == nil || st.Nodes[mover] == nil || st.Nodes[mover].MasterID != b.ID || len(aReplicas(st)) != 1 {
						return false
					}
				}
				return true
			}, "A's replica "+mover+" to move to B on every node")
			t.Logf("%s: replica migrated, seen everywhere %v after it was allowed", kind, time.Since(start).Round(100*time.Millisecond))
			// The mover replicates from B now.
			testutil.WaitFor(t, 30*time.Second, func() bool {
				v := do(byID[mover], "INFO", "replication")
				return v != nil && strings.Contains(v.Str, fmt.Sprintf("master_port:%d", byID[b.ID].Port())) &&
					strings.Contains(v.Str, "master_link_status:up")
			}, "the mover to replicate from B")
		})
	}
}

// stateOK reports whether s says cluster_state:ok.
func stateOK(s *testutil.Server) bool {
	v := do(s, "CLUSTER", "INFO")
	return v != nil && strings.Contains(v.Str, "cluster_state:ok")
}

// A soft CLUSTER RESET of a replica: the node forgets every other node and
// stays alone though they keep gossiping to it; they keep it, now a master with
// no slots. A CLUSTER MEET brings the whole cluster back to it. redis-server
// the same.
func TestClusterSoftReset(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six servers per kind")
	}
	for _, kind := range clusterKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel() // the two kinds' clusters are independent: wait for them at once
			cl := testutil.StartCluster(t, kind, 3, 1)
			var reset *testutil.Server
			var id string
			for _, s := range cl.Nodes {
				if st := testutil.ClusterNodes(s); st != nil && st.Myself.IsReplica() {
					reset, id = s, st.Myself.ID
					break
				}
			}
			if v := do(reset, "CLUSTER", "RESET", "SOFT"); v == nil || v.Str != "OK" {
				t.Fatalf("CLUSTER RESET SOFT: %+v", v)
			}
			seen := func() string {
				st := testutil.ClusterNodes(reset)
				if st == nil || len(st.Nodes) != 1 || !st.Myself.IsMaster() || st.Myself.ID != id {
					return "the reset node's CLUSTER NODES: " + do(reset, "CLUSTER", "NODES").Str
				}
				for _, s := range cl.Nodes {
					if s == reset {
						continue
					}
					st := testutil.ClusterNodes(s)
					if st == nil || len(st.Nodes) != 6 {
						return s.Addr() + " lost nodes"
					}
					n := st.Nodes[id]
					if n == nil || !n.IsMaster() || n.MasterID != "" || n.Slots.Len() != 0 || n.Flags&(slots.FlagFail|slots.FlagPFail) != 0 {
						return s.Addr() + " sees: " + st.Describe(n)
					}
					// ParseConfig leaves the link state out: read it from the line.
					for _, line := range strings.Split(do(s, "CLUSTER", "NODES").Str, "\n") {
						if strings.HasPrefix(line, id) && !strings.Contains(line, " connected") {
							return s.Addr() + " sees: " + line
						}
					}
				}
				return ""
			}
			waitWhy(t, 20*time.Second, seen, "the reset seen everywhere")
			// It lasts: gossip from the others does not teach the reset node
			// anything (a push/pull round, 10 s, included).
			for end := time.Now().Add(12 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
				if why := seen(); why != "" {
					t.Fatalf("after the reset: %s", why)
				}
			}
			if v := do(reset, "CLUSTER", "MEET", "127.0.0.1", fmt.Sprint(cl.Nodes[0].Port())); v == nil || v.Str != "OK" {
				t.Fatalf("CLUSTER MEET: %+v", v)
			}
			testutil.WaitFor(t, 30*time.Second, func() bool {
				st := testutil.ClusterNodes(reset)
				return st != nil && len(st.Nodes) == 6 && stateOK(reset)
			}, "the reset node to know the cluster again after MEET")
		})
	}
}

// waitWhy polls cond (which says what is still wrong, or "") until it holds or
// timeout passes, and fails with the last answer.
func waitWhy(t *testing.T, timeout time.Duration, cond func() string, what string) {
	t.Helper()
	why := ""
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if why = cond(); why == "" {
			return
		}
	}
	t.Fatalf("timed out after %v waiting for %s: %s", timeout, what, why)
}
