package gossip

// A stuck engine stops the bus from answering. Redis serves its cluster bus on
// the thread that runs commands: a node blocked in a long command (DEBUG SLEEP,
// a slow MIGRATE) answers no ping, so its peers find it PFAIL after the node
// timeout and fail it over (the legacy suite's 10-manual-failover: a master in
// DEBUG SLEEP 10 is replaced by its replica). keygrid's bus runs on its own
// goroutines and would keep acking probes for a frozen node: while the
// engine's loop has not run for stallAfter, nothing that arrives is handed to
// memberlist (no ack, no push/pull), as if the process were frozen. What the
// node sends still leaves, as a frozen Redis's kernel still flushes its
// socket buffers.

import (
	"time"

	"go.uber.org/zap"
)

// stallAfter is how long the loop may go without running before the bus stops
// answering: many times the cron period (100 ms), so a loaded machine's
// scheduling delays do not count, and far below any node timeout.
const stallAfter = 500 * time.Millisecond

// stallCron (the bus goroutine, every 100 ms) mutes or unmutes the transport
// with the loop's state.
func (b *Bus) stallCron(now time.Time) {
	tr := b.tr.Load()
	if tr == nil {
		return
	}
	alive := b.eng.ClusterLoopAlive()
	stalled := b.eng.ClusterLoopBlocked() || !alive.IsZero() && now.Sub(alive) > stallAfter
	if tr.stalled.Swap(stalled) != stalled {
		if stalled {
			b.log.Warn("The event loop is stuck: the cluster bus stops answering", zap.Duration("since", now.Sub(alive)))
		} else {
			b.log.Info("The event loop runs again: the cluster bus answers")
			b.refreshPings(now)
		}
	}
}

// refreshPings gives every ping still unanswered when the loop got stuck a
// fresh node timeout: the answers that came meanwhile were dropped (Redis
// would find them in its socket buffers once running again), so the peers
// are not PFAIL for a silence that was ours (the legacy suite's
// 17-diskless-load-swapdb: a replica loading for a minute must not find the
// whole cluster failed when it stops).
func (b *Bus) refreshPings(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.peers {
		if !p.pingSent.IsZero() {
			p.pingSent = now
		}
	}
}
