package node_test

// Multi-node clusters of real keygrid processes joined by the gossip bus: built
// by redis-cli --cluster create (ADDSLOTS, SET-CONFIG-EPOCH, MEET, REPLICATE),
// then a master is killed and its replica must take over (Redis Cluster spec,
// "Replica election and promotion").

import (
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/keygrid/keygrid/slots"
)

func TestClusterGossipCreateAndFailover(t *testing.T) {
	cl := testutil.StartCluster(t, "keygrid", 3, 1)
	// Every node knows the 6 nodes and the same owner for each slot.
	var ref *slots.State
	testutil.WaitFor(t, 20*time.Second, func() bool {
		ref = nil
		for _, s := range cl.Nodes {
			st := testutil.ClusterNodes(s)
			if st == nil || len(st.Nodes) != 6 {
				return false
			}
			if ref == nil {
				ref = st
				continue
			}
			for i := 0; i < slots.Count; i++ {
				if (st.Owner[i] == nil) != (ref.Owner[i] == nil) || st.Owner[i] != nil && st.Owner[i].ID != ref.Owner[i].ID {
					return false
				}
			}
		}
		return true
	}, "the same slot map on every node")

	// Kill the master of slot 0; its replica must own slot 0 everywhere.
	old := ref.Owner[0]
	var victim, replica *testutil.Server
	var replicaID string
	for _, s := range cl.Nodes {
		st := testutil.ClusterNodes(s)
		switch {
		case st.Myself.ID == old.ID:
			victim = s
		case st.Myself.MasterID == old.ID:
			replica, replicaID = s, st.Myself.ID
		}
	}
	if victim == nil || replica == nil {
		t.Fatalf("master %s or its replica not found", old.ID)
	}
	victim.Kill()
	start := time.Now()
	testutil.WaitFor(t, 30*time.Second, func() bool {
		for _, s := range cl.Nodes {
			if s == victim {
				continue
			}
			st := testutil.ClusterNodes(s)
			if st == nil || st.Owner[0] == nil || st.Owner[0].ID != replicaID {
				return false
			}
			if n := st.Nodes[old.ID]; n == nil || n.Flags&slots.FlagFail == 0 {
				return false
			}
		}
		return true
	}, "the replica to own the failed master's slots on every node")
	t.Logf("failover done on every node %v after the kill (node timeout 2s)", time.Since(start))
	testutil.WaitFor(t, 20*time.Second, func() bool {
		c, err := testutil.Dial(replica.Addr())
		if err != nil {
			return false
		}
		defer c.Close()
		raw, err := c.Do("CLUSTER", "INFO")
		return err == nil && strings.Contains(string(raw), "cluster_state:ok")
	}, "cluster_state:ok on the new master")

	// Manual failover (CLUSTER FAILOVER) in another shard: the replica asks its
	// master to pause (MFSTART over the bus), sees the pause in the master's
	// meta, and wins an election the masters vote in without a failure.
	st := testutil.ClusterNodes(replica)
	last := st.Owner[slots.Count-1]
	var mfReplica *testutil.Server
	var mfID string
	for _, s := range cl.Nodes {
		if s == victim {
			continue
		}
		if st := testutil.ClusterNodes(s); st != nil && st.Myself.MasterID == last.ID {
			mfReplica, mfID = s, st.Myself.ID
		}
	}
	if mfReplica == nil {
		t.Fatalf("no replica of %s", last.ID)
	}
	c := mfReplica.Conn(t)
	if raw, err := c.Do("CLUSTER", "FAILOVER"); err != nil || string(raw) != "+OK\r\n" {
		t.Fatalf("CLUSTER FAILOVER: %q %v", raw, err)
	}
	testutil.WaitFor(t, 20*time.Second, func() bool {
		for _, s := range cl.Nodes {
			if s == victim {
				continue
			}
			st := testutil.ClusterNodes(s)
			if st == nil || st.Owner[slots.Count-1] == nil || st.Owner[slots.Count-1].ID != mfID {
				return false
			}
		}
		return true
	}, "the manual failover's replica to own the slots on every node")
}
