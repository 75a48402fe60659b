package gossip

import (
	"testing"
	"time"

	"github.com/keygrid/keygrid/slots"
)

// redis-cli --cluster del-node: every other node FORGETs the node, which then
// gets a soft CLUSTER RESET and knows nobody. A reset Redis node pings nobody,
// so once the 60 s ban is over nothing brings it back; here memberlist still
// reaches it, and its announcements must not make the others add it again
// (they did: a deleted node reappeared in CLUSTER NODES a minute later).
func TestForgottenSoftResetNodeStaysForgotten(t *testing.T) {
	ms, _ := cluster(t, time.Second, 3)
	waitFor(t, 10*time.Second, "convergence", func() bool { return converged(ms, masterOf(ms)) })
	gone := ms[2]
	// Its slots go to the first master first (del-node refuses a node with slots).
	for _, n := range ms[:2] {
		n.view(func(st *slots.State) {
			for s := 0; s < slots.Count; s++ {
				if o := st.Owner[s]; o != nil && o.ID == gone.id {
					st.SetOwner(s, st.Nodes[ms[0].id])
				}
			}
		})
	}
	gone.view(func(st *slots.State) {
		for _, n := range st.Sorted() {
			if n != st.Myself {
				st.DelNode(n)
			}
		}
		for s := 0; s < slots.Count; s++ {
			st.SetOwner(s, nil)
		}
	})
	gone.bus.SoftReset()
	// The reset node announces a change (its epoch moved on), as it would when
	// anything of it changes: heard, it must still not be added.
	forgetPastBan(ms[:2], gone)
	staysForgotten(t, ms[:2], gone, "master %d added the forgotten, reset node again")
}

// forgetPastBan makes every node of others FORGET gone, as if its 60 s ban were
// already over, then has gone announce a change (its epoch moved on), as it does
// when anything of it changes.
func forgetPastBan(others []*testNode, gone *testNode) {
	for _, n := range others {
		n.bus.Forget(gone.id)
		n.view(func(st *slots.State) { st.DelNode(st.Nodes[gone.id]) })
		n.bus.mu.Lock()
		n.bus.banned[gone.id] = time.Now().Add(-time.Second)
		n.bus.mu.Unlock()
	}
	gone.view(func(st *slots.State) { st.CurrentEpoch++; gone.eng.changed(true) })
}

// staysForgotten fails (msg, with the node's index) if any of others adds gone
// again within 3 s.
func staysForgotten(t *testing.T, others []*testNode, gone *testNode, msg string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		for i, n := range others {
			n.view(func(st *slots.State) {
				if st.Nodes[gone.id] != nil {
					t.Fatalf(msg, i)
				}
			})
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// CLUSTER FORGET of a node on every other node, the node neither reset nor
// stopped: in Redis it stays forgotten after the 60 s ban (its own pings do not
// add it, and nobody gossips about it). memberlist still reaches it, and its
// announcements brought it back as soon as the ban was over.
func TestForgottenRunningNodeStaysForgotten(t *testing.T) {
	ms, _ := cluster(t, time.Second, 3)
	waitFor(t, 10*time.Second, "convergence", func() bool { return converged(ms, masterOf(ms)) })
	gone := ms[2]
	forgetPastBan(ms[:2], gone)
	staysForgotten(t, ms[:2], gone, "node %d added the forgotten node again")
	// A CLUSTER MEET of it brings it back.
	ms[0].bus.Meet("127.0.0.1", 0, gone.bus.Port())
	waitFor(t, 10*time.Second, "the node met again", func() bool {
		known := false
		ms[0].view(func(st *slots.State) { known = st.Nodes[gone.id] != nil })
		return known
	})
}

// Forgotten on one node only: once the ban is over, the nodes that still know
// it report it (Redis's gossip section), and it comes back.
func TestForgottenNodeReportedComesBack(t *testing.T) {
	ms, _ := cluster(t, time.Second, 3)
	waitFor(t, 10*time.Second, "convergence", func() bool { return converged(ms, masterOf(ms)) })
	gone, n := ms[2], ms[0]
	n.bus.Forget(gone.id)
	n.view(func(st *slots.State) { st.DelNode(st.Nodes[gone.id]) })
	time.Sleep(time.Second) // banned: reports do not count
	n.view(func(st *slots.State) {
		if st.Nodes[gone.id] != nil {
			t.Fatal("the forgotten node came back within the ban")
		}
	})
	n.bus.mu.Lock()
	n.bus.banned[gone.id] = time.Now().Add(-time.Second)
	n.bus.mu.Unlock()
	waitFor(t, 10*time.Second, "the reported node back", func() bool {
		known := false
		n.view(func(st *slots.State) { known = st.Nodes[gone.id] != nil })
		return known
	})
}

// A master forgotten by every node but its replica (which cannot forget it):
// the replica's headers go on naming it. Within the ban that adds nothing (it
// added a "master,noaddr" placeholder: Redis's clusterProcessPacket only looks
// the named master up), and the replica's master is unknown ("slave -"). Once
// the ban is over the replica, a known node, reports it: it comes back, and
// the replica follows it again.
func TestForgottenMasterNamedByReplica(t *testing.T) {
	ms, rs := cluster(t, time.Second, 2, 0, 1)
	all := allNodes(ms, rs)
	waitFor(t, 10*time.Second, "convergence", func() bool { return converged(all, masterOf(ms)) })
	gone, n, r := ms[1], ms[0], rs[1][0]
	n.bus.Forget(gone.id)
	n.view(func(st *slots.State) { st.DelNode(st.Nodes[gone.id]) })
	// The replica announces a change: its header names the forgotten master.
	r.view(func(st *slots.State) { st.CurrentEpoch++; r.eng.changed(true) })
	waitFor(t, 5*time.Second, "the replica's header", func() bool {
		seen := false
		n.view(func(st *slots.State) { seen = st.CurrentEpoch == r.eng.ClusterMyself().CurrentEpoch })
		return seen
	})
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		bad := "" // t.Fatal is for the test's goroutine, not the loop's
		n.view(func(st *slots.State) {
			if m := st.Nodes[gone.id]; m != nil {
				bad = "the forgotten master is listed: " + st.DescribeFor(m, false)
			} else if rn := st.Nodes[r.id]; rn == nil || !rn.IsReplica() || rn.MasterID != "" {
				bad = "the replica's master is not unknown"
			}
		})
		if bad != "" {
			t.Fatal(bad)
		}
		time.Sleep(50 * time.Millisecond)
	}
	n.bus.mu.Lock()
	n.bus.banned[gone.id] = time.Now().Add(-time.Second)
	n.bus.mu.Unlock()
	waitFor(t, 10*time.Second, "the master back, followed by its replica", func() bool {
		ok := false
		n.view(func(st *slots.State) {
			m, rn := st.Nodes[gone.id], st.Nodes[r.id]
			ok = m != nil && m.IsMaster() && m.IP != "" && m.Flags&slots.FlagNoAddr == 0 &&
				rn != nil && rn.MasterID == gone.id && st.Owner[slots.Count-1] == m
		})
		return ok
	})
}

// A node that joins after a replica died gets the dead replica's header with
// the join's state, and never an answer from it. Redis's joiner lists it all
// the same, as the gossip sections of the others describe it
// (clusterProcessGossipSection adds an unknown node with the gossiped id,
// address and flags): "slave,fail", no master, config epoch 0. Here a majority
// of the masters reporting it failing stands for that gossip.
func TestJoinerListsDeadNodeAsGossiped(t *testing.T) {
	ms, rs := cluster(t, time.Second, 3, 0, 1)
	all := allNodes(ms, rs)
	waitFor(t, 10*time.Second, "convergence", func() bool { return converged(all, masterOf(ms)) })
	dead := rs[1][0]
	dead.crash()
	waitFor(t, 15*time.Second, "the replica FAIL on every master", func() bool {
		for _, m := range ms {
			failed := false
			m.view(func(st *slots.State) { n := st.Nodes[dead.id]; failed = n != nil && n.Flags&slots.FlagFail != 0 })
			if !failed {
				return false
			}
		}
		return true
	})
	j := startNode(t, time.Second, nil)
	j.bus.Meet("127.0.0.1", 0, ms[0].bus.Port())
	var last string
	waitFor(t, 10*time.Second, "the joiner to list the dead replica as gossiped", func() bool {
		ok := false
		j.view(func(st *slots.State) {
			n := st.Nodes[dead.id]
			if n == nil {
				return
			}
			last = st.DescribeFor(n, false)
			ok = n.Flags == slots.FlagReplica|slots.FlagFail && n.MasterID == "" && n.ConfigEpoch == 0 &&
				n.IP == "127.0.0.1" && n.CPort == dead.bus.Port() && n.PongRecv == 0 && !n.Connected
		})
		return ok
	})
	// Its master (known) keeps no replica here, and the others' views are
	// untouched.
	time.Sleep(500 * time.Millisecond)
	j.view(func(st *slots.State) {
		if rep := st.Replicas(st.Nodes[ms[1].id]); len(rep) != 0 || st.DescribeFor(st.Nodes[dead.id], false) != last {
			t.Errorf("the joiner's dead replica: %s, its master's replicas %d", st.DescribeFor(st.Nodes[dead.id], false), len(rep))
		}
	})
}
