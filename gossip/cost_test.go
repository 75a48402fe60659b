package gossip

import (
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
)

// TestGossipCost measures what one node sends per second in an idle, converged
// cluster of 3, 10, 30 and 100 in-process nodes with the default timing
// (cluster-node-timeout 15000: probe every second, push/pull every 10 s,
// stretched by memberlist above 32 nodes). memberlist is O(1) per node per
// interval, so the per-node cost must stay about flat as N grows (Redis's bus
// pings grow with N). Run with GOSSIP_COST=1 go test -v -run TestGossipCost
// (GOSSIP_COST_SECONDS sets the window, 10 s by default).
func TestGossipCost(t *testing.T) {
	if os.Getenv("GOSSIP_COST") == "" {
		t.Skip("set GOSSIP_COST=1 to measure the gossip cost")
	}
	window := 10 * time.Second
	if s := os.Getenv("GOSSIP_COST_SECONDS"); s != "" {
		var n int
		fmt.Sscan(s, &n)
		window = time.Duration(n) * time.Second
	}
	// Each node dials a link to every other (links.go): 100 in-process nodes
	// hold about 2 x 100 x 99 link sockets, beyond a 20,000-descriptor limit.
	// Root (CAP_SYS_RESOURCE) may raise the hard limit too.
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < 1<<16 {
		want := syscall.Rlimit{Cur: 1 << 16, Max: max(lim.Max, 1<<16)}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			t.Logf("can't raise the descriptor limit from %d: %v", lim.Cur, err)
		}
	}
	for _, n := range []int{3, 10, 30, 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ms, _ := cluster(t, 15*time.Second, n)
			waitFor(t, 60*time.Second, "every node to see every node", func() bool {
				for _, m := range ms {
					if m.bus.numNodes() != n {
						return false
					}
				}
				return true
			})
			waitFor(t, 60*time.Second, "the slot map everywhere", func() bool { return converged(ms, masterOf(ms)) })
			before := make([]Traffic, n)
			var reqBefore int64
			for _, m := range ms {
				reqBefore += m.bus.sent[msgClaimReq].Load()
			}
			msgsBefore := map[string]int64{}
			for i, m := range ms {
				before[i] = m.bus.Traffic()
				for k, v := range m.bus.Stats().Sent {
					msgsBefore[k] += v
				}
			}
			time.Sleep(window)
			var bytes, packets, streams, streamBytes int64
			for i, m := range ms {
				a := m.bus.Traffic()
				bytes += a.BytesOut - before[i].BytesOut
				streamBytes += a.StreamBytesOut - before[i].StreamBytesOut
				packets += a.PacketsOut - before[i].PacketsOut
				streams += a.StreamsOut - before[i].StreamsOut
			}
			sec := window.Seconds()
			var reqs int64
			for _, m := range ms {
				reqs += m.bus.sent[msgClaimReq].Load()
			}
			t.Logf("claim requests per node per second: %.3f", float64(reqs-reqBefore)/float64(n)/sec)
			msgs := map[string]float64{}
			for _, m := range ms {
				for k, v := range m.bus.Stats().Sent {
					msgs[k] += float64(v)
				}
			}
			for k := range msgs {
				msgs[k] = (msgs[k] - float64(msgsBefore[k])) / float64(n) / sec
			}
			t.Logf("N=%3d per node: %7.0f bytes/s sent (%.0f on streams), %5.2f packets/s, %5.3f streams/s (window %v); messages/s by type %v",
				n, float64(bytes)/float64(n)/sec, float64(streamBytes)/float64(n)/sec, float64(packets)/float64(n)/sec, float64(streams)/float64(n)/sec, window, msgs)
		})
	}
}
