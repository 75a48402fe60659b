package gossip

// Failure detection, after Redis 7.0's cluster.c (markNodeAsFailingIfNeeded,
// clearNodeFailureIfNeeded, clusterNodeAddFailureReport), with memberlist as the
// pinger:
//
//   - PFAIL: a ping of ours has gone unanswered for node-timeout (Redis's rule),
//     whatever memberlist thinks of it meanwhile. Answers are memberlist's direct
//     probe acks (PingDelegate) and the acks of our own pings (memberlist.Ping).
//     memberlist's own verdict alone is not enough: a node cut off from everyone
//     keeps seeing its peers as merely suspect for many rounds (its suspicions
//     are never confirmed), and memberlist.Node.State is never filled in (always
//     "alive"), so an isolated master would keep serving writes the majority has
//     already given to its replica.
//   - Which nodes are pinged, and when, is where the cost is (see schedule
//     below): Redis pings every node whose last pong is older than
//     node-timeout/2, so each node's pings grow with the cluster. Here that rule
//     holds only while something failed (alarm); otherwise at most one such
//     node per probe interval is pinged, the one silent longest, and the first
//     ping of a healthy node that goes unanswered is told to every member
//     (msgSuspect), who ping it too. A dead node is pinged by someone within
//     about a probe interval, and every node's ping of it then starts its node
//     timeout; the cost per node stays flat as the cluster grows.
//   - A master that sees a node PFAIL (or FAIL, while it stays unreachable)
//     gossips a failure report about it every ReportInterval; reports older than
//     2×node-timeout are void.
//   - FAIL: a node that sees a node PFAIL and holds reports from a majority of
//     the masters with slots (counting itself if it is a master) marks it FAIL
//     and broadcasts FAIL, which every receiver applies at once.
//   - FAIL clears when the node is reachable again: at once for a replica or a
//     master without slots; for a master with slots only after 2×node-timeout
//     (no replica took over, so it serves again).

import (
	"encoding/binary"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/keygrid/keygrid/slots"
)

// liveness is when each peer last answered a ping, and which pings of our own
// are under way. It has its own lock: acks arrive on memberlist's goroutines.
type liveness struct {
	mu      sync.Mutex
	last    map[string]time.Time
	pinging map[string]bool
}

func (l *liveness) heard(id string, t time.Time) {
	l.mu.Lock()
	if l.last == nil {
		l.last = map[string]time.Time{}
	}
	if t.After(l.last[id]) {
		l.last[id] = t
	}
	l.mu.Unlock()
}

func (l *liveness) lastHeard(id string) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last[id]
}

// startPing reports whether a ping of id may start (none is under way) and
// marks one under way.
func (l *liveness) startPing(id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pinging[id] {
		return false
	}
	if l.pinging == nil {
		l.pinging = map[string]bool{}
	}
	l.pinging[id] = true
	return true
}

func (l *liveness) endPing(id string) {
	l.mu.Lock()
	delete(l.pinging, id)
	l.mu.Unlock()
}

// pingPeer pings id at addr with memberlist's ping and records the answer.
// routine: the ping was the probe interval's one (not an alarm's, not a
// notice's), so a failure is news to tell the others.
func (b *Bus) pingPeer(ml *memberlist.Memberlist, id string, addr net.Addr, routine bool) {
	defer b.done.Done()
	defer b.live.endPing(id)
	select {
	case <-b.stop:
		return
	default:
	}
	b.pings.Add(1)
	if _, err := ml.Ping(id, addr); err == nil {
		b.live.heard(id, time.Now())
		b.verify(id)
		b.eng.ClusterNodePong(id)
		return
	}
	if routine {
		b.pingFailed(id)
	}
}

// pingFailed handles a routine ping of id that went unanswered: the node may be
// down, or we may be cut off. Redis's full rule runs for two node timeouts
// (alarm), which pings every silent node and finds us cut off if we are; the
// other members are told (msgSuspect) unless they were told already, so each
// starts its node timeout on id now instead of when its own turn comes.
func (b *Bus) pingFailed(id string) {
	now := time.Now()
	timeout := b.nodeTimeout()
	b.mu.Lock()
	p := b.peers[id]
	if p == nil || p.pfail || p.fail || now.Sub(p.noticed) < timeout {
		b.mu.Unlock()
		return
	}
	p.noticed = now
	b.alarmUntil = now.Add(2 * timeout)
	myID := b.id
	var targets []string
	for m := range b.members {
		if m != id && m != myID {
			targets = append(targets, m)
		}
	}
	b.mu.Unlock()
	msg := appendID(appendID([]byte{msgSuspect}, myID), id)
	for _, t := range targets {
		b.sendTo(t, msg, false)
	}
}

// suspectNotice handles another node's msgSuspect: its ping of id went
// unanswered; ping id ourselves at the next failureCron.
func (b *Bus) suspectNotice(sender, id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.peers[sender] == nil || id == b.id {
		return
	}
	if p := b.peers[id]; p != nil {
		p.noticed, p.suspect = time.Now(), true
	}
}

// nodeTimeout is cluster-node-timeout now: the suites (and operators) change it
// with CONFIG SET, and Redis's failure detection reads it on every clusterCron.
// memberlist's own intervals stay those derived at start.
func (b *Bus) nodeTimeout() time.Duration {
	if d := b.eng.ClusterNodeTimeout(); d > 0 {
		return d
	}
	return b.cfg.NodeTimeout
}

// reportInterval is Config.ReportInterval, or when it was derived, the same
// derivation from the node timeout now.
func (b *Bus) reportInterval(timeout time.Duration) time.Duration {
	if !b.reportDerived {
		return b.cfg.ReportInterval
	}
	return max(timeout/4, 50*time.Millisecond)
}

// pingShown is a node's ping_sent to pass to the engine.
type pingShown struct {
	id string
	ms int64
}

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
	// The members memberlist has not dropped (alive or suspect), with the
	// address to ping them at.
	// Two maps kept between runs (the bus goroutine only), each address reused
	// while it does not change: this runs ten times a second.
	prev, state := b.failState, b.failSpare
	if state == nil {
		state = map[string]net.Addr{}
	}
	clear(state)
	for _, n := range ml.Members() {
		a, _ := prev[n.Name].(*net.UDPAddr)
		if a == nil || !a.IP.Equal(n.Addr) || a.Port != int(n.Port) {
			a = &net.UDPAddr{IP: n.Addr, Port: int(n.Port)}
		}
		state[n.Name] = a
	}
	b.failState, b.failSpare = state, prev
	me := b.eng.ClusterMyself()
	iAmMaster := me != nil && me.Flags&slots.FlagMaster != 0

	b.hmu.Lock() // until the verdicts are submitted
	var verdicts []health
	var failed []string
	var report []string
	var askClaim []string
	var gossiped []*peer
	var pings []pingShown
	// showPing records the ping_sent the engine is to show for p, when it
	// changes.
	showPing := func(id string, p *peer, at time.Time) {
		if !p.pingTold || !at.Equal(p.shownPing) {
			p.shownPing, p.pingTold = at, true
			ms := int64(0)
			if !at.IsZero() {
				ms = at.UnixMilli()
			}
			pings = append(pings, pingShown{id, ms})
		}
	}
	b.mu.Lock()
	myID := b.id
	timeout := b.nodeTimeout()
	validity := 2 * timeout
	// The majority is of the masters serving slots in myself's slot map (the
	// engine's cluster_size, as Redis's server.cluster->size). Counting the
	// masters whose own headers claim slots included those failed over: a dead
	// master's last header still claims the slots its replica took, so after
	// a few failovers in a row a majority of live masters was no longer
	// enough (Redis's legacy 05-slave-selection, "New Master down
	// consecutively": the fourth dead master never became FAIL).
	size := b.eng.ClusterSize()
	if size <= 0 {
		if me != nil && iAmMaster && me.Slots.Len() > 0 {
			size++
		}
		for _, p := range b.peers {
			if p.isMaster() && p.meta.SlotCount > 0 {
				size++
			}
		}
	}
	needed := size/2 + 1
	// Redis's full ping rule while something failed lately; otherwise one
	// routine ping per probe interval, of the node silent longest (schedule).
	alarm := now.Before(b.alarmUntil)
	routineDue := now.Sub(b.lastRoutine) >= b.cfg.ProbeInterval
	var routineID string
	var routineSilent time.Duration
	var routineAddr net.Addr
	var routineHeard time.Time
	// ping marks p's first unanswered ping (Redis's ping_sent: the node
	// timeout runs from it) and pings it, unless memberlist has no address for
	// it or a ping is already under way.
	ping := func(id string, p *peer, addr net.Addr, heard time.Time, known, routine bool) {
		if p.pingSent.IsZero() {
			p.pingSent, p.pingHeard = now, heard
		}
		if known && id != myID && b.live.startPing(id) {
			b.done.Add(1)
			go b.pingPeer(ml, id, addr, routine)
		}
	}
	for id, p := range b.peers {
		// A claim we still lack (the request or its answer was lost, or the
		// node was not a member yet when we asked): ask again.
		if p.askClaimLocked(now) {
			askClaim = append(askClaim, id)
		}
		before := health{id, p.pfail, p.fail}
		addr, known := state[id]
		if a := b.moved[id]; a != nil {
			if known && addr.String() == a.String() {
				delete(b.moved, id) // memberlist took the new address
			} else {
				addr, known = a, true
			}
		}
		if !known && now.Sub(p.firstSeen) < 2*b.cfg.ProbeInterval {
			// Learned from someone else's state before memberlist saw it.
			continue
		}
		if !p.verified {
			// Not answered yet: ping it now (Redis's handshake), no verdict.
			if known && id != myID && b.live.startPing(id) {
				b.done.Add(1)
				go b.pingPeer(ml, id, addr, false)
			}
			// Unless a majority of the masters report it failing: a node
			// that died before myself joined (its header came with the
			// join's state) never answers, and Redis lists it anyway, as the
			// gossip sections of the others describe it, FAIL
			// (clusterProcessGossipSection adds an unknown node with the
			// gossiped flags). Only a node memberlist does not see (a live
			// one answers soon: a report then is a passing suspicion, not a
			// verdict to copy). A node the engine knows already (trusted:
			// nodes.conf) is left to trust and this cron's own verdicts.
			if !known && !p.gossiped && p.meta.ID != "" && !b.trusted[id] && !b.alone && !b.fresh {
				// Only masters serving slots count: while the cluster has
				// none (nodes just reset and met, the majority is then one)
				// a single report would list any stale id it still hears.
				reports := 0
				for r, t := range p.reports {
					if rp := b.peers[r]; rp != nil && rp.verified && rp.isMaster() && rp.meta.SlotCount > 0 && now.Sub(t) <= validity {
						reports++
					}
				}
				if reports >= needed {
					p.gossiped, p.fail, p.pfail, p.failTime = true, true, false, now
					gossiped = append(gossiped, p)
					// Redis's FAIL verdict is broadcast whoever reaches
					// it (markNodeAsFailingIfNeeded): a node that joins
					// a cluster whose survivors are too few for a
					// majority brings the FAIL to them.
					failed = append(failed, id)
					// And it tries to reach it: the connect fails, so
					// ping_sent is set (clusterCron) and kept.
					if p.pingSent.IsZero() {
						p.pingSent, p.pingHeard = now, time.Time{}
					}
					showPing(id, p, p.pingSent)
				}
			}
			continue
		}
		heard := b.live.lastHeard(id)
		answered := !heard.IsZero() // since this bus started
		if heard.Before(p.firstSeen) {
			heard = p.firstSeen // a node met recently has node-timeout to answer
		}
		silent := now.Sub(heard)
		// Redis's rule (clusterCron): a node is pinged once its last pong is
		// older than half the node timeout, and is PFAIL when that ping has
		// gone unanswered for the node timeout, so a node that stops
		// answering is PFAIL between 1 and 1.5 node timeouts after its last
		// answer, never sooner: a node paused for less than the node timeout
		// is not failed over. pingSent is the first unanswered ping's time
		// (Redis's ping_sent); it is set for a node memberlist already
		// dropped too (Redis would queue the ping on a reconnecting link): a
		// node that left (a restart, a rolling upgrade) must not trigger a
		// failover before then either.
		if !p.pingSent.IsZero() && heard.After(p.pingHeard) {
			p.pingSent = time.Time{} // answered (a probe ack or our ping's)
		}
		// Which silent nodes are pinged now: all of them during an alarm or
		// when memberlist dropped the node (Redis's rule: it pings every node
		// silent for half the node timeout); one that another node could not
		// reach (msgSuspect); otherwise only the one silent longest, once per
		// probe interval, after the loop.
		switch {
		case p.suspect:
			p.suspect = false
			ping(id, p, addr, heard, known, false)
		case silent <= timeout/2:
		case alarm || !known || !p.pingSent.IsZero():
			ping(id, p, addr, heard, known, false)
		case routineDue && silent > routineSilent && id != myID:
			routineID, routineSilent, routineAddr, routineHeard = id, silent, addr, heard
		}
		alive := p.pingSent.IsZero() || now.Sub(p.pingSent) <= timeout
		for r, t := range p.reports {
			if now.Sub(t) > validity {
				delete(p.reports, r)
			}
		}
		if alive {
			p.downSince = time.Time{}
			p.pfail = false
			if p.fail && (!p.isMaster() || p.meta.SlotCount == 0 || now.Sub(p.failTime) > 2*timeout) {
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
		// Redis keeps ping_sent, the unanswered ping's time, while the node
		// is unreachable (a ping is sent only when none is outstanding, and
		// a reconnecting link keeps it); shown once the node is PFAIL or
		// FAIL, as a healthy node's outstanding ping lasts a round trip.
		if !alive && (p.pfail || p.fail) {
			showPing(id, p, p.pingSent)
		} else {
			showPing(id, p, time.Time{})
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
		// A master keeps reporting a node it cannot reach after its own FAIL
		// verdict, as Redis's gossip sections carry FAIL as well as PFAIL flags
		// (both count as failure reports): a node that missed the FAIL message
		// (a dropped packet under load) still gathers a majority of reports and
		// reaches FAIL itself, instead of waiting for reports that stopped.
		if !alive && (p.pfail || p.fail) && iAmMaster {
			report = append(report, id)
		}
		// The engine gets the verdict when it changes, and once when the node
		// first answers this bus: a node restarted with nodes.conf holds the
		// flags it saved (Redis's clusterLoadConfig loads fail and fail?), and
		// a node flagged FAIL then that answers again as a replica, while the
		// bus's own view of it never changed, kept the flag for good (the
		// legacy 03-failover-loop: a restarted node kept a FAIL on the replica
		// that then won the next election, and stayed cluster_state:fail).
		if after := (health{id, p.pfail, p.fail}); after != before || (!p.told && answered) {
			verdicts = append(verdicts, after)
			p.told = true
		}
	}
	if routineID != "" {
		ping(routineID, b.peers[routineID], routineAddr, routineHeard, true, true)
		b.lastRoutine = now
	}
	sendReports := len(report) > 0 && (now.Sub(b.lastReport) >= b.reportInterval(timeout) || len(verdicts) > 0)
	if sendReports {
		b.lastReport = now
	}
	var gossipedMetas []slots.NodeMeta
	for _, p := range gossiped {
		gossipedMetas = append(gossipedMetas, gossipedMeta(p))
	}
	b.mu.Unlock()

	for i, nm := range gossipedMetas {
		b.deliverHeld(nm, gossiped[i]) // then its FAIL
	}
	for _, v := range verdicts {
		b.eng.ClusterNodeHealth(v.id, v.pfail, v.fail)
	}
	for _, ps := range pings {
		b.eng.ClusterNodePingSent(ps.id, ps.ms)
	}
	b.hmu.Unlock()
	for _, id := range askClaim {
		b.sendTo(id, appendID([]byte{msgClaimReq}, myID), false)
	}
	if sendReports {
		// A packet to every member, not a gossip broadcast: a broadcast
		// reaches a given node only with the probability of being among the
		// few random targets of its retransmissions (about a third of the
		// nodes of a 20-node cluster), so the majority of reports the node
		// deciding FAIL needs took several report intervals to gather. Redis
		// pings every node at least every node-timeout/2, each ping carrying
		// every PFAIL node in its gossip section; this is the same cost, paid
		// only while a node is PFAIL. All the reports go in one message to
		// each member (a packet per pfailBatch nodes): a packet per member per
		// failed node made a cluster in trouble N times busier, N² packets a
		// report interval per node when most nodes were PFAIL, which kept an
		// overloaded 100-node cluster from ever recovering.
		for len(report) > 0 {
			k := min(len(report), pfailBatch)
			msg := binary.AppendUvarint(appendID([]byte{msgPFails}, myID), uint64(k))
			for _, id := range report[:k] {
				msg = appendID(msg, id)
			}
			b.sendAll(msg)
			report = report[k:]
		}
	}
	for _, id := range failed {
		b.sendFail(myID, id)
	}
}

// gossipedMeta is what Redis's gossip section says of p: its id, address and
// flags (the role and nofailover; FAIL follows as a verdict), with the master
// its header named (see slots.NodeMeta.Gossiped): for the node whose state
// carried that header, that master has a replica, the dead one, so it is a
// target of replica migration (CLUSTER_NODE_MIGRATE_TO), a flag its gossip
// hands on to myself with the master's entry. Not when that node is the
// master itself: a Redis node gossips about the others, never about itself,
// and the node myself met has only the flags myself gives it.
func gossipedMeta(p *peer) slots.NodeMeta {
	m := &p.meta.NodeMeta
	nm := slots.NodeMeta{ID: m.ID, IP: m.IP, Port: m.Port, PPort: m.PPort, CPort: m.CPort,
		Flags: m.Flags & (slots.FlagMaster | slots.FlagReplica | slots.FlagNoFailover), Gossiped: true}
	if p.via != m.MasterID {
		nm.MasterID = m.MasterID
	}
	if nm.IP == "" {
		nm.IP = p.addr
	}
	return nm
}

// pfailBatch is the most failure reports in one msgPFails: 21 + 50×20 bytes stay
// within one UDP packet (maxBroadcast).
const pfailBatch = 50

// sendFail tells every node that id is FAIL: a packet to each live member now,
// and a gossip broadcast for the ones a packet missed (Redis sends FAIL to all).
func (b *Bus) sendFail(myID, id string) {
	msg := appendID(appendID([]byte{msgFail}, myID), id)
	b.sendAll(msg)
	b.broadcast("f"+id, msg)
}

// sendAll sends msg to every live member, a packet each.
func (b *Bus) sendAll(msg []byte) {
	b.mu.Lock()
	var targets []string
	for m := range b.members {
		targets = append(targets, m)
	}
	b.mu.Unlock()
	for _, t := range targets {
		b.sendTo(t, msg, false)
	}
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
	b.hmu.Lock()
	defer b.hmu.Unlock()
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

// conflicts is memberlist's ConflictDelegate. A node restarted on a new address
// while memberlist still holds the old one (suspect, or just declared dead) is
// refused as a conflicting address, and would be heard again only at the next
// push/pull (PushPullInterval). Now that PFAIL and FAIL come at node-timeout,
// before memberlist's own verdict, such a restart is common: joining the new
// address ourselves, every probe interval until memberlist takes it, brings
// the node back within about a suspicion timeout.
type conflicts Bus

// NotifyConflict runs with memberlist's lock held: the join is left to a goroutine.
func (d *conflicts) NotifyConflict(existing, other *memberlist.Node) {
	if existing == nil || other == nil || existing.Name != other.Name {
		return
	}
	b := (*Bus)(d)
	addr := net.JoinHostPort(other.Addr.String(), strconv.Itoa(int(other.Port)))
	if !b.live.startPing("join " + other.Name) {
		return // already retrying
	}
	b.done.Add(1)
	go b.rejoinConflicting(other.Name, addr)
}

func (b *Bus) rejoinConflicting(id, addr string) {
	defer b.done.Done()
	defer b.live.endPing("join " + id)
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if p, err := strconv.Atoi(port); err == nil {
			if ml := b.ml.Load(); ml != nil {
				b.confirmMove(ml, id, host, uint16(p))
			}
		}
	}
	limit := time.Now().Add(4*b.nodeTimeout() + 10*b.cfg.ProbeInterval)
	for time.Now().Before(limit) {
		select {
		case <-b.stop:
			return
		case <-time.After(b.cfg.ProbeInterval):
		}
		ml := b.ml.Load()
		if ml == nil {
			return
		}
		for _, n := range ml.Members() {
			if n.Name == id && net.JoinHostPort(n.Addr.String(), strconv.Itoa(int(n.Port))) == addr {
				return // memberlist has the new address
			}
		}
		ml.Join([]string{id + "/" + addr})
	}
}
