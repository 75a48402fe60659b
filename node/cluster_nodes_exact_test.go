package node_test

// CLUSTER NODES, CLUSTER SLOTS and CLUSTER SHARDS field by field, the same
// scenario run on a redis-server 7.0 cluster and on a keygrid one, and the
// replies compared once normalised (nodesView, slotsView, shardsView): node
// ids and ports differ between the two clusters, so each node is named by
// its index in the cluster's list of servers; the config epochs, flags, link
// states, slots and migration markers must be the same.

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// clusterLabels names the nodes of a cluster by their index in nodes: ids and
// ports to "n<i>".
type clusterLabels struct {
	byPort map[int]string
	byID   map[string]string
}

func newClusterLabels(nodes []*testutil.Server) *clusterLabels {
	l := &clusterLabels{byPort: map[int]string{}, byID: map[string]string{}}
	for i, s := range nodes {
		l.byPort[s.Port()] = fmt.Sprintf("n%d", i)
	}
	return l
}

// learn names the ids of the lines of CLUSTER NODES by their address.
func (l *clusterLabels) learn(fields map[string][]string) {
	for id, f := range fields {
		addr := f[1]
		if i := strings.IndexByte(addr, '@'); i >= 0 {
			addr = addr[:i]
		}
		if i := strings.LastIndexByte(addr, ':'); i >= 0 {
			if p, err := strconv.Atoi(addr[i+1:]); err == nil && l.byPort[p] != "" {
				l.byID[id] = l.byPort[p]
			}
		}
	}
}

func (l *clusterLabels) id(id string) string {
	if id == "-" {
		return id
	}
	if n := l.byID[id]; n != "" {
		return n
	}
	return "?" + id
}

// nodesView is CLUSTER NODES of s normalised: one line per node, sorted,
// "label flags master ping pong epoch link slots...", where ping_sent is
// shown as 0 or T (a time) for a node that is failing or disconnected (a
// healthy node's outstanding ping lasts a millisecond on Redis: shown as -)
// and pong_received as 0 or T. Migration markers name the node by label.
func nodesView(s *testutil.Server, l *clusterLabels) []string {
	fields := cliNodes(s)
	l.learn(fields)
	var out []string
	for id, f := range fields {
		ping := "-"
		if strings.Contains(f[2], "fail") || f[7] != "connected" {
			ping = zeroOrT(f[4])
		}
		line := []string{l.id(id), f[2], l.id(f[3]), ping, zeroOrT(f[5]), f[6], f[7]}
		for _, sl := range f[8:] {
			if strings.HasPrefix(sl, "[") {
				// [slot->-id] or [slot-<-id]
				if i := strings.LastIndexByte(sl, '-'); i >= 0 {
					sl = sl[:i+1] + l.id(strings.TrimSuffix(sl[i+1:], "]")) + "]"
				}
			}
			line = append(line, sl)
		}
		out = append(out, strings.Join(line, " "))
	}
	sort.Strings(out)
	return out
}

// deadView is nodesView once no failing node shows a link: Redis's line
// says connected for a moment while it tries to reconnect to a dead node
// (the link exists until the connect fails), in one view of a few.
func deadView(s *testutil.Server, l *clusterLabels) []string {
	var v []string
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		v = nodesView(s, l)
		up := false
		for _, line := range v {
			f := strings.Fields(line)
			up = up || strings.Contains(f[1], "fail") && f[6] == "connected"
		}
		if !up {
			break
		}
	}
	return v
}

func zeroOrT(s string) string {
	if s == "0" {
		return "0"
	}
	return "T"
}

// slotsView is CLUSTER SLOTS of s normalised: "lo-hi owner replicas...".
func slotsView(s *testutil.Server, l *clusterLabels) []string {
	var out []string
	for _, r := range cliDo(s, "CLUSTER", "SLOTS").Elems {
		if len(r.Elems) < 3 {
			out = append(out, "short entry")
			continue
		}
		line := fmt.Sprintf("%d-%d", r.Elems[0].Int, r.Elems[1].Int)
		for _, n := range r.Elems[2:] {
			line += " " + l.byPort[int(n.Elems[1].Int)] + "/" + l.id(n.Elems[2].Str)
		}
		out = append(out, line)
	}
	sort.Strings(out)
	return out
}

// shardsView is CLUSTER SHARDS of s normalised: per shard its slot ranges,
// then each node's label, role and health (the replication offset as 0 or T).
func shardsView(s *testutil.Server, l *clusterLabels) []string {
	var out []string
	for _, sh := range cliDo(s, "CLUSTER", "SHARDS").Elems {
		var rng []string
		var nodes []string
		for i := 0; i+1 < len(sh.Elems); i += 2 {
			switch sh.Elems[i].Str {
			case "slots":
				v := sh.Elems[i+1].Elems
				for j := 0; j+1 < len(v); j += 2 {
					rng = append(rng, fmt.Sprintf("%d-%d", v[j].Int, v[j+1].Int))
				}
			case "nodes":
				for _, n := range sh.Elems[i+1].Elems {
					f := map[string]testutil.Value{}
					var keys []string
					for j := 0; j+1 < len(n.Elems); j += 2 {
						f[n.Elems[j].Str] = n.Elems[j+1]
						keys = append(keys, n.Elems[j].Str)
					}
					nodes = append(nodes, fmt.Sprintf("%s(%s) %s %s %s off=%s fields=%s", l.id(f["id"].Str),
						l.byPort[int(f["port"].Int)], f["ip"].Str, f["role"].Str, f["health"].Str,
						zeroOrT(strconv.FormatInt(f["replication-offset"].Int, 10)), strings.Join(keys, ",")))
				}
			}
		}
		sort.Strings(nodes)
		out = append(out, "slots "+strings.Join(rng, ",")+" | "+strings.Join(nodes, " | "))
	}
	sort.Strings(out)
	return out
}

// clusterViews collects the views of each kind's cluster, phase by phase, and
// compares them once both kinds ran.
type clusterViews struct {
	mu    sync.Mutex
	views map[string]map[string][]string // kind → "phase/what" → view
}

func (v *clusterViews) put(kind, key string, view []string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.views == nil {
		v.views = map[string]map[string][]string{}
	}
	if v.views[kind] == nil {
		v.views[kind] = map[string][]string{}
	}
	v.views[kind][key] = view
}

// compare fails t for every view keygrid shows otherwise than redis-server.
func (v *clusterViews) compare(t *testing.T) {
	t.Helper()
	r, k := v.views["redis"], v.views["keygrid"]
	if r == nil || k == nil {
		t.Fatal("a kind's run did not finish: nothing to compare")
	}
	var keys []string
	for key := range r {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if strings.Join(r[key], "\n") != strings.Join(k[key], "\n") {
			t.Errorf("%s differs:\nredis-server:\n  %s\nkeygrid:\n  %s", key,
				strings.Join(r[key], "\n  "), strings.Join(k[key], "\n  "))
		}
	}
	for key := range k {
		if r[key] == nil {
			t.Errorf("%s: keygrid only", key)
		}
	}
}

// eachKindCompared runs f on a redis-server cluster and a keygrid one at once,
// then compares the views f recorded.
func eachKindCompared(t *testing.T, f func(t *testing.T, kind string, v *clusterViews)) {
	v := &clusterViews{}
	t.Run("run", func(t *testing.T) {
		for _, kind := range clusterKinds {
			t.Run(kind, func(t *testing.T) {
				t.Parallel() // the two kinds' clusters are independent: wait for them at once
				f(t, kind, v)
			})
		}
	})
	if !t.Failed() {
		v.compare(t)
	}
}

// startPairedCluster is testutil.StartCluster with the servers reordered so
// that node masters+i is a replica of node i: redis-cli pairs replicas with
// masters in an order of its own, not the same from one run to the next.
func startPairedCluster(t *testing.T, kind string, masters, replicasPer int) *testutil.Cluster {
	t.Helper()
	cl := testutil.StartCluster(t, kind, masters, replicasPer)
	byID := testutil.ServersByID(t, cl.Nodes)
	ref := testutil.ClusterNodes(cl.Nodes[0])
	nodes := append([]*testutil.Server(nil), cl.Nodes[:masters]...)
	for r := range replicasPer {
		for _, m := range cl.Nodes[:masters] {
			reps := ref.Replicas(ref.Nodes[testutil.ClusterNodes(m).Myself.ID])
			if len(reps) != replicasPer {
				t.Fatalf("%s: a master has %d replicas", kind, len(reps))
			}
			nodes = append(nodes, byID[reps[r].ID])
		}
	}
	return &testutil.Cluster{Nodes: nodes}
}

// settled waits until every node in nodes lists n nodes, all connected and
// none failing, with cluster_state:ok, and all agree on each node's role,
// master, config epoch and slots.
func settled(t *testing.T, nodes []*testutil.Server, n int, what string) {
	t.Helper()
	waitWhy(t, 30*time.Second, func() string {
		var ref map[string]string
		for _, s := range nodes {
			f := cliNodes(s)
			if len(f) != n {
				return fmt.Sprintf("%s lists %d nodes", s.Addr(), len(f))
			}
			roles := map[string]string{}
			for id, l := range f {
				if strings.Contains(l[2], "fail") || l[7] != "connected" || l[5] == "0" {
					return s.Addr() + ": " + strings.Join(l, " ")
				}
				role := strings.TrimPrefix(l[2], "myself,") + " " + l[3] + " " + l[6]
				for _, sl := range l[8:] {
					if !strings.HasPrefix(sl, "[") { // myself's migrations are its own
						role += " " + sl
					}
				}
				roles[id] = role
			}
			if ref == nil {
				ref = roles
			} else if fmt.Sprint(roles) != fmt.Sprint(ref) {
				return s.Addr() + " disagrees on the roles"
			}
			if !stateOK(s) {
				return s.Addr() + " not ok"
			}
		}
		return ""
	}, what)
}

// The config epoch a replica's line shows is its master's, as Redis's
// clusterGenNodeDescription writes it: after redis-cli --cluster create (which
// gives the nodes epochs 1..6 in the order listed, replicas included), after a
// manual failover (the promoted replica takes a new epoch; its old master,
// now its replica, shows it) and after CLUSTER REPLICATE (the replica shows
// its new master's epoch, on itself and on every other node), and after a
// master dies and its replica takes over: the dead master keeps its own
// epoch, FAIL, and once back follows the new master, showing its epoch.
func TestClusterNodesReplicaEpoch(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six servers per kind")
	}
	eachKindCompared(t, func(t *testing.T, kind string, v *clusterViews) {
		cl := startPairedCluster(t, kind, 3, 1)
		l := newClusterLabels(cl.Nodes)
		record := func(phase string) {
			settled(t, cl.Nodes, 6, phase)
			for i, s := range cl.Nodes {
				v.put(kind, fmt.Sprintf("%s/n%d CLUSTER NODES", phase, i), nodesView(s, l))
			}
		}
		record("create")
		// Node 3 is a replica (masters come first): its manual failover.
		r := cl.Nodes[3]
		if got := cliDo(r, "CLUSTER", "FAILOVER").Str; got != "OK" {
			t.Fatalf("%s: CLUSTER FAILOVER = %q", kind, got)
		}
		rid := strings.TrimSpace(cliDo(r, "CLUSTER", "MYID").Str)
		testutil.WaitFor(t, 30*time.Second, func() bool {
			for _, s := range cl.Nodes {
				if f := cliNodes(s)[rid]; f == nil || !strings.Contains(f[2], "master") {
					return false
				}
			}
			return true
		}, kind+": the failover seen everywhere")
		record("failover")
		// Node 4, a replica, replicates the promoted node 3 now.
		if got := cliDo(cl.Nodes[4], "CLUSTER", "REPLICATE", rid).Str; got != "OK" {
			t.Fatalf("%s: CLUSTER REPLICATE = %q", kind, got)
		}
		r4 := strings.TrimSpace(cliDo(cl.Nodes[4], "CLUSTER", "MYID").Str)
		testutil.WaitFor(t, 30*time.Second, func() bool {
			for _, s := range cl.Nodes {
				if f := cliNodes(s)[r4]; f == nil || f[3] != rid {
					return false
				}
			}
			return true
		}, kind+": the replicate seen everywhere")
		record("replicate")
		// Node 2 dies: its replica, node 5, takes over. While node 2 is down
		// every node lists it FAIL, with its epoch and without its slots;
		// restarted, it learns it was replaced and follows node 5.
		id2 := strings.TrimSpace(cliDo(cl.Nodes[2], "CLUSTER", "MYID").Str)
		id5 := strings.TrimSpace(cliDo(cl.Nodes[5], "CLUSTER", "MYID").Str)
		cl.Nodes[2].Kill()
		live := []*testutil.Server{cl.Nodes[0], cl.Nodes[1], cl.Nodes[3], cl.Nodes[4], cl.Nodes[5]}
		testutil.WaitFor(t, 30*time.Second, func() bool {
			for _, s := range live {
				f := cliNodes(s)
				if f[id5] == nil || !strings.Contains(f[id5][2], "master") || len(f[id5]) < 9 ||
					f[id2] == nil || !strings.Contains(f[id2][2], "fail") || len(f[id2]) != 8 || !stateOK(s) {
					return false
				}
			}
			return true
		}, kind+": node 5 in node 2's place everywhere")
		for i, s := range cl.Nodes {
			if s != cl.Nodes[2] {
				v.put(kind, fmt.Sprintf("dead/n%d CLUSTER NODES", i), deadView(s, l))
			}
		}
		cl.Nodes[2].Restart()
		testutil.WaitFor(t, 30*time.Second, func() bool {
			for _, s := range cl.Nodes {
				if f := cliNodes(s)[id2]; f == nil || f[3] != id5 {
					return false
				}
			}
			return true
		}, kind+": node 2 a replica of node 5 everywhere")
		record("restarted")
	})
}

// Nodes that stop answering, on the node that watched them die and on a node
// that joins afterwards and never heard from them, and once they are back:
//
//   - Redis keeps a dead node's ping_sent, the time of the ping that went
//     unanswered (clusterCron pings only nodes with none outstanding, and a
//     reconnecting link keeps it), while the node is PFAIL or FAIL;
//   - two masters of three die: the third alone is no majority, so it sees
//     them PFAIL ("fail?") for good;
//   - a node that meets the survivor learns the dead ones from its gossip
//     sections: clusterProcessGossipSection adds an unknown node with the
//     gossiped flags as they are, PFAIL included, no slots, no pong.
func TestClusterNodesDeadPingSent(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four servers per kind")
	}
	eachKindCompared(t, func(t *testing.T, kind string, v *clusterViews) {
		cl := testutil.StartCluster(t, kind, 3, 0)
		var extra *testutil.Server
		if kind == "keygrid" {
			extra = testutil.StartKeygrid(t, clusterArgs...)
		} else {
			extra = testutil.StartRedis(t, clusterArgs...)
		}
		nodes := append(append([]*testutil.Server(nil), cl.Nodes...), extra)
		l := newClusterLabels(nodes)
		settled(t, cl.Nodes, 3, "the cluster")
		v.put(kind, "before/n0 CLUSTER NODES", nodesView(cl.Nodes[0], l))
		var ids []string
		for _, s := range cl.Nodes {
			ids = append(ids, strings.TrimSpace(cliDo(s, "CLUSTER", "MYID").Str))
		}
		cl.Nodes[1].Kill()
		cl.Nodes[2].Kill()
		survivor := cl.Nodes[0]
		pfail := func(s *testutil.Server, flag string) string {
			f := cliNodes(s)
			n := 0
			for _, line := range f {
				if strings.Contains(line[2], flag) {
					n++
				}
			}
			if n != 2 {
				return fmt.Sprintf("%s: %d nodes %s", s.Addr(), n, flag)
			}
			return ""
		}
		waitWhy(t, 20*time.Second, func() string { return pfail(survivor, "fail?") }, kind+": the two dead masters PFAIL")
		pings := func() string {
			var out []string
			for _, id := range []string{ids[1], ids[2]} {
				out = append(out, cliNodes(survivor)[id][4])
			}
			return strings.Join(out, " ")
		}
		first := pings()
		time.Sleep(3 * time.Second) // two node timeouts more: still PFAIL, not FAIL
		// ping_sent is the first unanswered ping's, not a later retry's.
		if again := pings(); again != first {
			v.put(kind, "dead/n0 ping_sent kept", []string{first + " then " + again})
		} else {
			v.put(kind, "dead/n0 ping_sent kept", []string{"kept"})
		}
		v.put(kind, "dead/n0 CLUSTER NODES", deadView(survivor, l))
		v.put(kind, "dead/n0 CLUSTER SHARDS", shardsView(survivor, l))
		if got := cliDo(extra, "CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(survivor.Port())).Str; got != "OK" {
			t.Fatalf("%s: CLUSTER MEET = %q", kind, got)
		}
		waitWhy(t, 20*time.Second, func() string {
			if f := cliNodes(extra); len(f) != 4 {
				return fmt.Sprintf("the new node lists %d nodes", len(f))
			}
			return ""
		}, kind+": the new node to know the dead ones")
		time.Sleep(5 * time.Second) // a few node timeouts
		v.put(kind, "joined/n0 CLUSTER NODES", deadView(survivor, l))
		v.put(kind, "joined/n3 CLUSTER NODES", deadView(extra, l))
		// Back: answered, ping_sent is 0 again, and FAIL clears (for a
		// master with slots, after twice the node timeout).
		cl.Nodes[1].Restart()
		cl.Nodes[2].Restart()
		settled(t, nodes, 4, kind+": the dead masters back")
		waitWhy(t, 5*time.Second, func() string {
			if p := pings(); p != "0 0" {
				return "ping_sent " + p
			}
			return ""
		}, kind+": ping_sent of the nodes back 0")
		v.put(kind, "back/n0 CLUSTER NODES", nodesView(survivor, l))
		v.put(kind, "back/n3 CLUSTER NODES", nodesView(extra, l))
	})
}

// A slot migration: node 0 migrating slot 100 to node 1, which imports it,
// and node 0 importing slot 12000 from node 2. Only each node's own line
// lists its migrations ([slot->-id], [slot-<-id]), and only in its own
// CLUSTER NODES (Redis's clusterGenNodeDescription writes them for myself);
// CLUSTER SLOTS and SHARDS show the owners as before, and a restart keeps
// them (nodes.conf has the myself line as CLUSTER NODES). Then the slot is
// handed over (SETSLOT NODE on both): the importing node takes a new epoch
// (clusterBumpConfigEpochWithoutConsensus) and every node sees it own the slot.
// Last, node 0's replica takes over (CLUSTER FAILOVER) while node 0 still
// imports slot 12000: a master that becomes a replica drops its migrations
// (Redis's clusterSetMaster closes all slots), the new master has none.
func TestClusterNodesMigrationMarkers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six servers per kind")
	}
	eachKindCompared(t, func(t *testing.T, kind string, v *clusterViews) {
		cl := startPairedCluster(t, kind, 3, 1)
		l := newClusterLabels(cl.Nodes)
		record := func(phase string) {
			settled(t, cl.Nodes, 6, phase)
			for i, s := range cl.Nodes {
				v.put(kind, fmt.Sprintf("%s/n%d CLUSTER NODES", phase, i), nodesView(s, l))
				v.put(kind, fmt.Sprintf("%s/n%d CLUSTER SLOTS", phase, i), slotsView(s, l))
				v.put(kind, fmt.Sprintf("%s/n%d CLUSTER SHARDS", phase, i), shardsView(s, l))
			}
		}
		record("before")
		var ids []string
		for _, s := range cl.Nodes {
			ids = append(ids, strings.TrimSpace(cliDo(s, "CLUSTER", "MYID").Str))
		}
		for _, c := range []struct {
			node int
			args []string
		}{
			{0, []string{"100", "MIGRATING", ids[1]}},
			{1, []string{"100", "IMPORTING", ids[0]}},
			{0, []string{"12000", "IMPORTING", ids[2]}},
		} {
			if got := cliDo(cl.Nodes[c.node], append([]string{"CLUSTER", "SETSLOT"}, c.args...)...).Str; got != "OK" {
				t.Fatalf("%s: CLUSTER SETSLOT %v on node %d = %q", kind, c.args, c.node, got)
			}
		}
		time.Sleep(500 * time.Millisecond) // nothing to gossip: the markers are local
		record("migrating")
		// The markers are in nodes.conf: a restart keeps them.
		cl.Nodes[0].Restart()
		cl.Nodes[1].Restart()
		record("migrating-restarted")
		for _, n := range []int{1, 0} {
			if got := cliDo(cl.Nodes[n], "CLUSTER", "SETSLOT", "100", "NODE", ids[1]).Str; got != "OK" {
				t.Fatalf("%s: CLUSTER SETSLOT 100 NODE on node %d = %q", kind, n, got)
			}
		}
		testutil.WaitFor(t, 20*time.Second, func() bool {
			for _, s := range cl.Nodes {
				if f := cliNodes(s)[ids[1]]; f == nil || !strings.Contains(strings.Join(f[8:], " "), "100") {
					return false
				}
			}
			return true
		}, kind+": slot 100 on node 1 everywhere")
		record("moved")
		// A replica may not set a migration.
		for _, s := range cl.Nodes[3:] {
			if got := cliDo(s, "CLUSTER", "SETSLOT", "100", "MIGRATING", ids[0]); got.Str != "ERR Please use SETSLOT only with masters." {
				t.Errorf("%s: CLUSTER SETSLOT on a replica = %q", kind, got.Str)
			}
		}
		var rep *testutil.Server
		for _, s := range cl.Nodes[3:] {
			if f := myselfFields(s); f != nil && f[3] == ids[0] {
				rep = s
			}
		}
		if rep == nil {
			t.Fatalf("%s: no replica of node 0", kind)
		}
		if got := cliDo(rep, "CLUSTER", "FAILOVER").Str; got != "OK" {
			t.Fatalf("%s: CLUSTER FAILOVER = %q", kind, got)
		}
		testutil.WaitFor(t, 20*time.Second, func() bool {
			for _, s := range cl.Nodes {
				if f := cliNodes(s)[ids[0]]; f == nil || !strings.Contains(f[2], "slave") {
					return false
				}
			}
			return true
		}, kind+": node 0 a replica everywhere")
		record("failover")
	})
}
