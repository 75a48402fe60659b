package gossip

import (
	"testing"
	"time"

	"github.com/keygrid/keygrid/slots"
)

// Every node learns every other node's replication offset, and keeps learning
// it as it moves, without the moves being announced (no new meta, no broadcast):
// the offsets ride in probe acks.
func TestClusterOffsetsTravel(t *testing.T) {
	ms, rs := cluster(t, time.Second, 3, 1, 1, 1)
	all := allNodes(ms, rs)
	waitFor(t, 10*time.Second, "convergence", func() bool { return converged(all, masterOf(ms)) })
	setOffset := func(n *testNode, off int64) {
		n.view(func(*slots.State) { n.eng.replOffset = off; n.eng.publishMyself() })
	}
	learned := func(want func(i int) int64) func() bool {
		return func() bool {
			for _, n := range all {
				ok := true
				n.view(func(*slots.State) {
					for i, o := range all {
						if o != n && n.eng.offsets[o.id] != want(i) {
							ok = false
						}
					}
				})
				if !ok {
					return false
				}
			}
			return true
		}
	}
	// Zero to non-zero is announced (CLUSTER SLOTS lists a replica from then on).
	for i, n := range all {
		setOffset(n, int64(100+i))
	}
	d := waitFor(t, 10*time.Second, "the first offsets", learned(func(i int) int64 { return int64(100 + i) }))
	t.Logf("first offsets known everywhere in %v", d)
	seqs := make([]uint64, len(all))
	for i, n := range all {
		n.bus.mu.Lock()
		seqs[i] = n.bus.mine.Seq
		n.bus.mu.Unlock()
	}
	// Later moves are not announced, yet arrive (6 nodes, 100 ms probes).
	for round := int64(1); round <= 3; round++ {
		for i, n := range all {
			setOffset(n, 1000*round+int64(i))
		}
		d := waitFor(t, 15*time.Second, "moved offsets", learned(func(i int) int64 { return 1000*round + int64(i) }))
		t.Logf("round %d: offsets known everywhere in %v", round, d)
	}
	for i, n := range all {
		n.bus.mu.Lock()
		seq := n.bus.mine.Seq
		n.bus.mu.Unlock()
		if seq != seqs[i] {
			t.Errorf("node %d announced its meta again (seq %d → %d) for an offset change", i, seqs[i], seq)
		}
	}
	// A relayed header with an older stamp does not take a fresher offset back.
	n, o := all[0], all[1]
	o.bus.mu.Lock()
	old := o.bus.mine
	o.bus.mu.Unlock()
	old.ReplOffset, old.OffStamp = 5, 1
	n.bus.learnHeader(&header{meta: old.meta, Claim: old.Claim}, "")
	n.bus.mu.Lock()
	got := n.bus.peers[o.id].off
	n.bus.mu.Unlock()
	if got != 3001 {
		t.Errorf("a stale header set the offset to %d, want 3001", got)
	}
}

// configHook, when set, adjusts the configuration of the nodes a test starts.
var configHook func(*Config)

// A node that missed another's change (its gossip dropped) learns it at the next
// probe of that node, whose ack carries the sequence of its header, as Redis's
// every ping carries the sender's header; not only at the next push/pull, here
// made too rare to help.
func TestClusterProbeAckRefreshesStaleHeader(t *testing.T) {
	configHook = func(c *Config) { c.PushPullInterval = time.Hour }
	defer func() { configHook = nil }()
	ms, _ := cluster(t, time.Second, 3)
	waitFor(t, 10*time.Second, "convergence", func() bool { return converged(ms, masterOf(ms)) })
	a, b := ms[0], ms[1]
	time.Sleep(3 * time.Second) // let the start-up announcements die down
	epochOf := func() uint64 {
		a.bus.mu.Lock()
		defer a.bus.mu.Unlock()
		return a.bus.peers[b.id].meta.ConfigEpoch
	}
	want := epochOf()
	if want == 0 {
		t.Fatal("no config epoch known for the peer")
	}
	// Make a's copy of b's header an older one, as if b's last announcement had
	// been lost on its way to a.
	a.bus.mu.Lock()
	p := a.bus.peers[b.id]
	p.meta.Seq--
	p.meta.ConfigEpoch = 0
	a.bus.mu.Unlock()
	d := waitFor(t, 20*time.Second, "the peer's header again", func() bool { return epochOf() == want })
	t.Logf("stale header refreshed in %v", d)
}

// Redis takes myself's pong_received from what the others gossip about it
// (clusterProcessGossipSection): the acks' gossip entries carry it, in whole
// seconds.
func TestAckGossipMyselfPong(t *testing.T) {
	ms, _ := cluster(t, time.Second, 3)
	for _, n := range ms {
		waitFor(t, 10*time.Second, "myself's pong_received", func() bool {
			var pong int64
			n.view(func(st *slots.State) { pong = st.Myself.PongRecv })
			age := time.Now().UnixMilli() - pong
			return pong != 0 && pong%1000 == 0 && age > -1000 && age < 5000
		})
	}
}
