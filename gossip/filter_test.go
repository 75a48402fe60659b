package gossip

import (
	"testing"
	"time"

	"github.com/keygrid/keygrid/slots"
	"go.uber.org/zap"
)

// DEBUG DROP-CLUSTER-PACKET-FILTER 0 (PING) on two nodes keeps them from ever
// exchanging their headers, as in Redis, where neither answers the other's
// pings: the legacy suite's 27-endpoints isolates a node this way. The
// isolated node learns the master that drops PINGs from third parties (its id)
// but not its slots, learns every other master's slots, and learns the
// missing ones once the filter is cleared.
func TestClusterDropPacketFilterPing(t *testing.T) {
	const timeout = 2 * time.Second
	ms, _ := cluster(t, timeout, 3)
	waitFor(t, 20*time.Second, "convergence", func() bool { return converged(ms, masterOf(ms)) })
	lone := startNode(t, timeout, nil)
	ms[0].eng.dropFilter.Store(redisPing)
	lone.eng.dropFilter.Store(redisPing)
	lone.bus.Meet("127.0.0.1", 0, ms[1].bus.Port())

	// owners reports, in lone's view, whether it knows ms[i] and whether it
	// has ms[i]'s first slot as ms[i]'s.
	owners := func() (known, owned [3]bool) {
		lone.view(func(st *slots.State) {
			for i, m := range ms {
				known[i] = st.Nodes[m.id] != nil
				first := i * slots.Count / len(ms)
				owned[i] = st.Owner[first] != nil && st.Owner[first].ID == m.id
			}
		})
		return
	}
	waitFor(t, 20*time.Second, "the isolated node knows the 3 masters and the slots of the 2 it can talk to", func() bool {
		known, owned := owners()
		return known[0] && known[1] && known[2] && owned[1] && owned[2]
	})
	// Relayed state (push/pull, joins) and claim requests keep coming for a
	// while: the slots of ms[0] must not arrive by any of them.
	for end := time.Now().Add(2 * timeout); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if _, owned := owners(); owned[0] {
			t.Fatal("the isolated node learned the slots of the master that drops its PINGs")
		}
	}
	if n := lone.bus.recv[msgHeader].Load() + lone.bus.recv[msgHeaderReply].Load(); n == 0 {
		t.Fatal("the isolated node received no header at all")
	}
	ms[0].eng.dropFilter.Store(-1)
	lone.eng.dropFilter.Store(-1)
	waitFor(t, 20*time.Second, "the slots of ms[0] once the filters are cleared", func() bool {
		_, owned := owners()
		return owned[0]
	})
}

// Each Redis type drops the messages mapped onto it, and only those; -1 drops
// nothing.
func TestDropFilterTypes(t *testing.T) {
	f := newFakeEngine(time.Second)
	defer f.stop()
	b := &Bus{eng: f, peers: map[string]*peer{}, log: zap.NewNop()}
	for rt := -1; rt <= 10; rt++ {
		f.dropFilter.Store(int64(rt))
		for mt := byte(1); mt < msgTypes; mt++ {
			want := redisTypes[mt] == rt && rt >= 0
			if got := b.drop(redisTypes[mt]); got != want {
				t.Errorf("filter %d, message %d: dropped %v, want %v", rt, mt, got, want)
			}
		}
	}
	// A header is a PONG only as the direct reply to a claim request; a broadcast
	// (which other nodes relay) is a PING.
	if redisTypes[msgHeader] != redisPing || redisTypes[msgHeaderReply] != redisPong {
		t.Errorf("header types: broadcast %d, reply %d; want PING, PONG", redisTypes[msgHeader], redisTypes[msgHeaderReply])
	}
}
