package gossip

// Failure detection, after Redis 7.0's cluster.c (markNodeAsFailingIfNeeded,
// clearNodeFailureIfNeeded, clusterNodeAddFailureReport), with memberlist as the
// pinger:
//
//   - PFAIL: memberlist does not see the node alive (suspect, dead, or gone) —
//     its probes, indirect probes and TCP fallback all failed.
//   - A master that sees a node PFAIL gossips a failure report about it every
//     ReportInterval; reports older than 2×node-timeout are void.
//   - FAIL: a node that sees a node PFAIL and holds reports from a majority of
//     the masters with slots (counting itself if it is a master) marks it FAIL
//     and broadcasts FAIL, which every receiver applies at once.
//   - FAIL clears when the node is reachable again: at once for a replica or a
//     master without slots; for a master with slots only after 2×node-timeout
//     (no replica took over, so it serves again).

import (
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/keygrid/keygrid/slots"
)

// health is one verdict to pass to the engine.
type health struct {
	id          string
	pfail, fail bool
}

// failureCron runs every 100 ms on the bus goroutine; it also re-asks for
// claims we lack.
func (b *Bus) failureCron(now time.Time) {
	ml := b.ml.Load()
	if ml == nil {
		return
	}
	state := map[string]memberlist.NodeStateType{}
	for _, n := range ml.Members() {
		state[n.Name] = n.State
	}
	me := b.eng.ClusterMyself()
	iAmMaster := me != nil && me.Flags&slots.FlagMaster != 0

	var verdicts []health
	var failed []string
	var report []string
	var askClaim []string
	b.mu.Lock()
	myID := b.id
	validity := 2 * b.cfg.NodeTimeout
	size := 0
	if me != nil && iAmMaster && me.Slots.Len() > 0 {
		size++
	}
	for _, p := range b.peers {
		if p.isMaster() && p.meta.SlotCount > 0 {
			size++
		}
	}
	needed := size/2 + 1
	for id, p := range b.peers {
		// A claim we still lack (the request or its answer was lost, or the
		// node was not a member yet when we asked): ask again.
		if p.askClaimLocked(now) {
			askClaim = append(askClaim, id)
		}
		before := health{id, p.pfail, p.fail}
		st, known := state[id]
		alive := known && st == memberlist.StateAlive
		if !known && now.Sub(p.firstSeen) < 2*b.cfg.ProbeInterval {
			// Learned from someone else's state before memberlist saw it.
			continue
		}
		for r, t := range p.reports {
			if now.Sub(t) > validity {
				delete(p.reports, r)
			}
		}
		if alive {
			p.downSince = time.Time{}
			p.pfail = false
			if p.fail && (!p.isMaster() || p.meta.SlotCount == 0 || now.Sub(p.failTime) > 2*b.cfg.NodeTimeout) {
				p.fail = false
			}
		} else {
			if p.downSince.IsZero() {
				p.downSince = now
			}
			if !p.fail {
				p.pfail = true
			}
		}
		if p.pfail && !p.fail {
			reports := 0
			for r := range p.reports {
				if rp := b.peers[r]; rp != nil && rp.isMaster() {
					reports++
				}
			}
			if iAmMaster {
				reports++
			}
			if reports >= needed {
				p.fail, p.pfail, p.failTime = true, false, now
				failed = append(failed, id)
			}
		}
		if p.pfail && iAmMaster {
			report = append(report, id)
		}
		if after := (health{id, p.pfail, p.fail}); after != before {
			verdicts = append(verdicts, after)
		}
	}
	sendReports := len(report) > 0 && (now.Sub(b.lastReport) >= b.cfg.ReportInterval || len(verdicts) > 0)
	if sendReports {
		b.lastReport = now
	}
	b.mu.Unlock()

	for _, v := range verdicts {
		b.eng.ClusterNodeHealth(v.id, v.pfail, v.fail)
	}
	for _, id := range askClaim {
		b.sendTo(id, appendID([]byte{msgClaimReq}, myID), false)
	}
	if sendReports {
		for _, id := range report {
			b.broadcast("r"+id, appendID(appendID([]byte{msgPFail}, myID), id))
		}
	}
	for _, id := range failed {
		b.sendFail(myID, id)
	}
}

// sendFail tells every node that id is FAIL: a packet to each live member now,
// and a gossip broadcast for the ones a packet missed (Redis sends FAIL to all).
func (b *Bus) sendFail(myID, id string) {
	msg := appendID(appendID([]byte{msgFail}, myID), id)
	b.mu.Lock()
	var targets []string
	for m := range b.members {
		targets = append(targets, m)
	}
	b.mu.Unlock()
	for _, t := range targets {
		b.sendTo(t, msg, false)
	}
	b.broadcast("f"+id, msg)
}

// failureReport records reporter's report that failed is PFAIL (only a master's
// report counts, as in Redis).
func (b *Bus) failureReport(reporter, failed string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	rp := b.peers[reporter]
	p := b.peers[failed]
	if rp == nil || p == nil || !rp.isMaster() {
		return
	}
	p.reports[reporter] = time.Now()
}

// failMessage applies another node's FAIL verdict.
func (b *Bus) failMessage(sender, failed string) {
	b.mu.Lock()
	p := b.peers[failed]
	if b.peers[sender] == nil || p == nil || p.fail {
		b.mu.Unlock()
		return
	}
	p.fail, p.pfail, p.failTime = true, false, time.Now()
	b.mu.Unlock()
	b.eng.ClusterNodeHealth(failed, false, true)
}
