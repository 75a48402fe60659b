package gossip

import (
	"fmt"
	"testing"
	"time"

	"github.com/keygrid/keygrid/slots"
)

// failedOn waits until every node of on flags dead FAIL, and returns how long
// that took.
func failedOn(t *testing.T, on []*testNode, dead *testNode, deadline time.Duration) time.Duration {
	t.Helper()
	return waitFor(t, deadline, "FAIL on every live master", func() bool {
		for _, n := range on {
			ok := false
			n.view(func(st *slots.State) { ok = st.Nodes[dead.id].Flags&slots.FlagFail != 0 })
			if !ok {
				return false
			}
		}
		return true
	})
}

// A master that shuts down (SIGTERM: memberlist leaves gracefully, as the
// legacy suite's kill_instance does) is failed like a crashed one: PFAIL once
// a ping has gone unanswered for the node timeout, then FAIL by the majority's
// reports (28-cluster-shards: 4 masters with slots and their replicas).
func TestClusterLeaveDetection(t *testing.T) {
	const timeout = 2 * time.Second
	ms, rs := cluster(t, timeout, 4, 1, 1, 1, 1)
	all := allNodes(ms, rs)
	waitFor(t, 30*time.Second, "convergence", func() bool { return converged(all, masterOf(ms)) })
	ms[0].stop()
	took := failedOn(t, ms[1:], ms[0], 10*timeout)
	t.Logf("FAIL on the 3 live masters %v after the leave (node timeout %v)", took, timeout)
	most := 0
	for _, n := range ms[1:] {
		most = max(most, n.bus.FailureReports(ms[0].id))
	}
	if most < 2 {
		t.Errorf("failure reports about the dead master: at most %d on a live master, want 2", most)
	}
}

// CONFIG SET cluster-node-timeout reaches the bus: the legacy suite starts its
// nodes with the default 15 s and sets 3 s, and Redis's failure detection reads
// the value on every clusterCron. Nodes started with a long timeout, then
// given a short one, fail a crashed master long before the long one passed.
func TestClusterNodeTimeoutFollowsConfig(t *testing.T) {
	const long, short = time.Minute, time.Second
	ms, _ := cluster(t, long, 3)
	waitFor(t, 20*time.Second, "convergence", func() bool { return converged(ms, masterOf(ms)) })
	for _, n := range ms {
		n.eng.nodeTimeout.Store(int64(short))
	}
	ms[2].crash()
	took := failedOn(t, ms[:2], ms[2], long/2)
	t.Logf("FAIL %v after the crash (node timeout %v, %v at start)", took, short, long)
}

// A master whose event loop is stuck (DEBUG SLEEP) answers no ping, as a Redis
// node serving its bus on its one thread: the others fail it (10-manual-failover
// replaces a master in DEBUG SLEEP 10 by its replica). Once the loop runs again
// it answers, and its FAIL clears (a master with slots after 2×node-timeout,
// Redis's clearNodeFailureIfNeeded).
func TestClusterStuckLoopFailed(t *testing.T) {
	const timeout = time.Second
	ms, _ := cluster(t, timeout, 3)
	waitFor(t, 20*time.Second, "convergence", func() bool { return converged(ms, masterOf(ms)) })
	ms[2].eng.stuckSince.Store(time.Now().UnixNano())
	took := failedOn(t, ms[:2], ms[2], 30*timeout)
	t.Logf("FAIL %v after the loop got stuck (node timeout %v)", took, timeout)
	// The stuck node itself passed no verdict on the nodes it could not hear
	// (Redis's clusterCron does not run meanwhile), and once running it gives
	// each a fresh node timeout to answer.
	peersOK := func() bool {
		ok := true
		ms[2].view(func(st *slots.State) {
			for _, n := range ms[:2] {
				ok = ok && st.Nodes[n.id].Flags&(slots.FlagFail|slots.FlagPFail) == 0
			}
		})
		return ok
	}
	if !peersOK() {
		t.Fatal("the stuck node failed its peers")
	}
	ms[2].eng.stuckSince.Store(0)
	for end := time.Now().Add(timeout / 2); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if !peersOK() {
			t.Fatal("the node failed its peers as soon as its loop ran again")
		}
	}
	waitFor(t, 30*timeout, "FAIL cleared once the loop runs", func() bool {
		for _, n := range ms[:2] {
			var fl slots.NodeFlags
			n.view(func(st *slots.State) { fl = st.Nodes[ms[2].id].Flags })
			if fl&(slots.FlagFail|slots.FlagPFail) != 0 {
				return false
			}
		}
		return true
	})
}

// In a cluster larger than the node timeout covers with memberlist's probe
// rounds (20 nodes, each probed by a given node every 19 probe intervals, 3.8 s
// against half a 2 s node timeout), Redis's rule would ping every peer each
// second from every node. The bus pings at most one silent node per probe
// interval while nothing fails, so its pings per node stay flat as N grows;
// a crashed master is still pinged by someone within about a probe interval,
// and the notice (msgSuspect) makes every node start its node timeout then: it
// is FAIL everywhere within about the node timeout plus a few probe intervals.
func TestClusterFlatPingsDetectCrash(t *testing.T) {
	const timeout = 2 * time.Second
	const n = 20
	ms, _ := cluster(t, timeout, n)
	waitFor(t, 60*time.Second, "convergence", func() bool { return converged(ms, masterOf(ms)) })
	time.Sleep(2 * timeout) // the joins' pings are over
	before := make([]int64, n)
	for i, m := range ms {
		before[i] = m.bus.pings.Load()
	}
	const window = 3 * time.Second
	time.Sleep(window)
	var pings int64
	for i, m := range ms {
		pings += m.bus.pings.Load() - before[i]
	}
	probe := ms[0].bus.cfg.ProbeInterval
	perNode := float64(pings) / n / window.Seconds()
	// One routine ping per probe interval at most, plus room for the pings a
	// late answer under load sets off; Redis's rule would be about n-1 per
	// half node timeout (19/s here).
	limit := 1.5 / probe.Seconds()
	t.Logf("own pings per node per second while idle: %.2f (probe interval %v, limit %.1f)", perNode, probe, limit)
	if perNode > limit {
		t.Errorf("own pings per node per second %.2f, want at most %.1f", perNode, limit)
	}
	dead := ms[n-1]
	dead.crash()
	start := time.Now()
	took := failedOn(t, ms[:n-1], dead, 10*timeout)
	t.Logf("FAIL on all %d live masters %v after the crash (node timeout %v)", n-1, took, timeout)
	if since := time.Since(start); since > timeout+timeout/2+10*probe {
		t.Errorf("FAIL everywhere after %v, want within 1.5 node timeouts + 10 probe intervals (%v)", since, timeout+timeout/2+10*probe)
	}
}

// Masters killed one after another, each right after it won its election (Redis's
// legacy 05-slave-selection, "New Master down consecutively"): each time one of
// the remaining replicas takes the slots. A FAIL needs the reports of a majority
// of the masters serving slots in the slot map (cluster_size); the dead masters
// failed over before no longer count, though their last headers still claim the
// slots their replicas took.
func TestClusterConsecutiveFailovers(t *testing.T) {
	const timeout = time.Second
	ms, rs := cluster(t, timeout, 3, 3)
	all := allNodes(ms, rs)
	waitFor(t, 30*time.Second, "convergence", func() bool { return converged(all, masterOf(ms)) })
	dead := map[*testNode]bool{}
	owner := ms[0]
	for round := range 3 {
		owner.crash()
		dead[owner] = true
		var live []*testNode
		for _, n := range all {
			if !dead[n] {
				live = append(live, n)
			}
		}
		start := time.Now()
		var next *testNode
		waitFor(t, 15*time.Second, fmt.Sprintf("round %d: a new owner of slot 0 on every live node", round), func() bool {
			id := ""
			for i, n := range live {
				var o string
				n.view(func(st *slots.State) {
					if x := st.Owner[0]; x != nil {
						o = x.ID
					}
				})
				if o == owner.id || o == "" || (i > 0 && o != id) {
					return false
				}
				id = o
			}
			for _, r := range rs[0] {
				if r.id == id && !dead[r] {
					next = r
				}
			}
			return next != nil
		})
		t.Logf("round %d: %s failed over to %s in %v", round, owner.id[:8], next.id[:8], time.Since(start).Round(time.Millisecond))
		owner = next
	}
}

// A node restarted with its nodes.conf holds the flags it saved: a FAIL there on a
// node that answers again must be cleared, as Redis clears it on the node's first
// pong (clearNodeFailureIfNeeded: at once for a replica or a master without
// slots). The bus's own view of the node starts healthy and never changes, so
// the engine gets its verdict once the node first answers.
func TestClusterLoadedFailClearedWhenAnswered(t *testing.T) {
	const timeout = time.Second
	x := startNode(t, timeout, nil) // a master without slots
	y := startNode(t, timeout, func(st *slots.State) {
		st.AddNode(&slots.Node{ID: x.id, Flags: slots.FlagMaster | slots.FlagFail | slots.FlagNoAddr})
	})
	y.bus.Meet("127.0.0.1", 0, x.bus.Port())
	waitFor(t, 10*time.Second, "y to clear its loaded FAIL on x", func() bool {
		var flags slots.NodeFlags
		known := false
		y.view(func(st *slots.State) {
			if n := st.Nodes[x.id]; n != nil {
				flags, known = n.Flags, true
			}
		})
		return known && flags&(slots.FlagFail|slots.FlagPFail) == 0
	})
}

// Several masters crashing at once are reported together: each live master
// sends one failure-report message per member per report interval, whatever the
// number of PFAIL nodes (a message per member per failed node made a cluster in
// trouble N times busier: an overloaded 100-node cluster never recovered), and
// every crashed master still becomes FAIL everywhere.
func TestClusterFailureReportsBatched(t *testing.T) {
	const timeout = 2 * time.Second
	const n, dead = 9, 3
	ms, _ := cluster(t, timeout, n)
	waitFor(t, 60*time.Second, "convergence", func() bool { return converged(ms, masterOf(ms)) })
	live := ms[:n-dead]
	before := make([][msgTypes]int64, len(live))
	for i, m := range live {
		for k := range msgTypes {
			before[i][k] = m.bus.sent[k].Load()
		}
	}
	start := time.Now()
	for _, m := range ms[n-dead:] {
		m.crash()
	}
	for _, m := range ms[n-dead:] {
		failedOn(t, live, m, 10*timeout)
	}
	elapsed := time.Since(start)
	var single, batched int64
	for i, m := range live {
		single += m.bus.sent[msgPFail].Load() - before[i][msgPFail]
		batched += m.bus.sent[msgPFails].Load() - before[i][msgPFails]
	}
	// One message to each of the other members per report interval while
	// anything is PFAIL: rounds × (n-1) per live master at most, with a round
	// for each verdict change on top.
	rounds := int64(elapsed/live[0].bus.reportInterval(timeout)) + 2*dead + 1
	limit := int64(len(live)) * rounds * (n - 1)
	t.Logf("FAIL on all after %v; failure-report messages sent: %d batched, %d single (limit %d)", elapsed, batched, single, limit)
	if single != 0 {
		t.Errorf("%d single-node failure reports sent; all should be batched", single)
	}
	if batched == 0 || batched > limit {
		t.Errorf("%d batched failure-report messages for %d dead masters, want 1..%d", batched, dead, limit)
	}
}

// CLUSTER NODES's ping_sent of a crashed master: Redis keeps the time of the
// ping that went unanswered while the node is PFAIL or FAIL, the same value
// from one cron to the next, and shows 0 for a node that answers.
func TestClusterPingSentKeptWhileFailing(t *testing.T) {
	const timeout = time.Second
	ms, _ := cluster(t, timeout, 3)
	waitFor(t, 20*time.Second, "convergence", func() bool { return converged(ms, masterOf(ms)) })
	pingSent := func(n *testNode, id string) (ms int64) {
		n.view(func(st *slots.State) { ms = st.Nodes[id].PingSent })
		return ms
	}
	for _, n := range ms {
		for _, o := range ms {
			if o != n && pingSent(n, o.id) != 0 {
				t.Fatalf("a healthy node's ping_sent is not 0")
			}
		}
	}
	crashed := time.Now()
	ms[2].crash()
	failedOn(t, ms[:2], ms[2], 20*timeout)
	for _, n := range ms[:2] {
		first := pingSent(n, ms[2].id)
		if first == 0 || first < crashed.Add(-timeout).UnixMilli() || first > time.Now().UnixMilli() {
			t.Fatalf("ping_sent of the FAIL node: %d (crashed at %d)", first, crashed.UnixMilli())
		}
		time.Sleep(500 * time.Millisecond)
		if again := pingSent(n, ms[2].id); again != first {
			t.Errorf("ping_sent of the FAIL node moved from %d to %d", first, again)
		}
	}
}
