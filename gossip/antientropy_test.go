package gossip

import (
	"testing"
	"time"
)

func TestPushPullEvery(t *testing.T) {
	// n members -> one periodic exchange out of every k goes out: the period
	// becomes about PushPullInterval x n/10 (memberlist's own log2 stretch
	// above 32 members included).
	for _, c := range []struct{ n, k int }{
		{1, 1}, {3, 1}, {10, 1}, {14, 1}, {15, 2}, {20, 2}, {30, 3}, {32, 3},
		{33, 2}, // memberlist doubles its period at 33: 3.3/2
		{64, 3}, {100, 3}, {1000, 17},
	} {
		if got := pushPullEvery(c.n); got != c.k {
			t.Errorf("pushPullEvery(%d) = %d, want %d", c.n, got, c.k)
		}
	}
}

// TestPushPullThinned runs 16 nodes with a 200 ms push/pull period: each node's
// periodic exchanges are recognised (a memberlist upgrade that renames its
// ticker's function fails here) and about one in two goes out, while joins and the
// cluster's convergence are untouched.
func TestPushPullThinned(t *testing.T) {
	configHook = func(c *Config) { c.PushPullInterval = 200 * time.Millisecond }
	defer func() { configHook = nil }()
	const n = 16
	ms, _ := cluster(t, 5*time.Second, n)
	waitFor(t, 60*time.Second, "every node to see every node", func() bool {
		for _, m := range ms {
			if m.bus.numNodes() != n {
				return false
			}
		}
		return true
	})
	gate := func(m *testNode) *pushPullGate { return m.bus.tr.Load().pushPull.Load() }
	tried0, sent0 := make([]int64, n), make([]int64, n)
	for i, m := range ms {
		tried0[i], sent0[i] = gate(m).tried.Load(), gate(m).sent.Load()
	}
	time.Sleep(3 * time.Second)
	var tried, sent int64
	for i, m := range ms {
		tr, se := gate(m).tried.Load()-tried0[i], gate(m).sent.Load()-sent0[i]
		if tr < 8 {
			t.Fatalf("node %d: %d periodic push/pulls seen in 3 s at a 200 ms period", i, tr)
		}
		tried, sent = tried+tr, sent+se
		if m.bus.numNodes() != n {
			t.Errorf("node %d sees %d members", i, m.bus.numNodes())
		}
	}
	// Each goes out with probability 1/2: about 240 tries, a standard
	// deviation of about 8 around half; the bounds are over 4 of them.
	if lo, hi := tried*2/5, tried*3/5; sent < lo || sent > hi {
		t.Errorf("%d of %d periodic push/pulls went out, want about half", sent, tried)
	}
	// A node that joins now (a Join's push/pull is never declined) learns
	// everyone at once.
	late := startNode(t, 5*time.Second, nil)
	late.bus.Meet("127.0.0.1", 0, ms[3].bus.Port())
	waitFor(t, 10*time.Second, "the late node to see all", func() bool { return late.bus.numNodes() == n+1 })
}
