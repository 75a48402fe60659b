package gossip

import (
	"testing"
	"time"

	"github.com/keygrid/keygrid/slots"
)

// Issue #7: a replica that won a failover tells every node at once (Redis's
// clusterBroadcastPong(CLUSTER_BROADCAST_ALL) in
// clusterFailoverReplaceYourMaster), not only by gossip. With gossip, probes,
// push/pull and rejoins an hour apart (and pings of silent nodes 10 s), the
// old master learns of its failover from that push alone, and follows its
// replica.
func TestPromotionPushedToEveryNode(t *testing.T) {
	configHook = func(c *Config) {
		c.GossipInterval, c.ProbeInterval, c.PushPullInterval, c.ReconnectInterval = time.Hour, time.Hour, time.Hour, time.Hour
	}
	defer func() { configHook = nil }()
	m := startNode(t, 20*time.Second, func(st *slots.State) {
		for s := 0; s < slots.Count; s++ {
			st.SetOwner(s, st.Myself)
		}
		st.Myself.ConfigEpoch, st.CurrentEpoch = 1, 1
	})
	r := startNode(t, 20*time.Second, func(st *slots.State) {
		st.AddNode(&slots.Node{ID: m.id, Flags: slots.FlagMaster | slots.FlagNoAddr})
		st.SetMaster(st.Nodes[m.id])
	})
	// Closing would wait a probe interval for the leave to be gossiped.
	t.Cleanup(func() { m.crash(); r.crash() })
	r.bus.Meet("127.0.0.1", 0, m.bus.Port())
	waitFor(t, 5*time.Second, "the join", func() bool {
		ok := false
		m.view(func(st *slots.State) { ok = st.Nodes[r.id] != nil && st.Nodes[r.id].MasterID == m.id })
		r.view(func(st *slots.State) { ok = ok && st.Owner[0] != nil && st.Owner[0].ID == m.id })
		return ok && len(r.bus.Stats().Links) == 2 // to and from m
	})
	r.view(func(st *slots.State) {
		st.BecomeMaster(2)
		r.eng.changed(true)
	})
	waitFor(t, 3*time.Second, "the old master to follow its promoted replica", func() bool {
		ok := false
		m.view(func(st *slots.State) {
			ok = st.Owner[0] != nil && st.Owner[0].ID == r.id && st.Myself.MasterID == r.id
		})
		return ok
	})
}

// Which changes of myself's announcement are pushed to every node.
func TestNewConfig(t *testing.T) {
	master := meta{NodeMeta: slots.NodeMeta{Flags: slots.FlagMaster, ConfigEpoch: 3}}
	replica := meta{NodeMeta: slots.NodeMeta{Flags: slots.FlagReplica, MasterID: "x", ConfigEpoch: 3}}
	bumped := master
	bumped.ConfigEpoch = 4
	offset := master
	offset.ReplOffset = 100
	for _, c := range []struct {
		name      string
		prev, cur meta
		want      bool
	}{
		{"promoted", replica, master, true},
		{"epoch bumped", master, bumped, true},
		{"demoted", master, replica, false},
		{"replica's epoch", replica, func() meta { r := replica; r.ConfigEpoch = 5; return r }(), false},
		{"offset only", master, offset, false},
	} {
		if got := newConfig(&c.prev, &c.cur); got != c.want {
			t.Errorf("%s: newConfig = %v, want %v", c.name, got, c.want)
		}
	}
}
