package gossip

// What the bus receives: memberlist's events (members and their metas), user
// messages, and push/pull state.

import (
	"encoding/binary"
	"net"
	"strconv"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/keygrid/keygrid/slots"
	"go.uber.org/zap"
)

// delegate is memberlist.Delegate on the bus.
type delegate Bus

func (d *delegate) NodeMeta(limit int) []byte {
	b := (*Bus)(d)
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.metaBuf) > limit {
		// Only a hostname far beyond Redis's limits could do this: announce
		// without it rather than not at all.
		m := b.mine.meta
		m.Hostname = ""
		return appendMeta(nil, &m)
	}
	return b.metaBuf
}

func (d *delegate) NotifyMsg(buf []byte) {
	if len(buf) == 0 {
		return
	}
	b := (*Bus)(d)
	if buf[0] == msgMeet {
		// Heard even by a fresh node: it is what admits the MEET's join.
		b.count(&b.recv, msgMeet)
		r := reader{b: buf[1:]}
		if id := r.id(); r.err == nil && id != "" && !b.drop(redisMeet) {
			now := time.Now()
			b.mu.Lock()
			for k, t := range b.meetFrom {
				if now.Sub(t) >= meetNoticeTTL {
					delete(b.meetFrom, k)
				}
			}
			b.meetFrom[id] = now
			// A MEET is heard even from a node we forgot less than 60 s ago:
			// Redis's blacklist only keeps gossip from bringing a node back,
			// and the node met makes a handshake node for a MEET's sender
			// whatever its name (redis-cli --cluster add-node of a node just
			// removed by del-node).
			delete(b.banned, id)
			delete(b.forgotten, id)
			b.mu.Unlock()
		}
		return
	}
	b.mu.Lock()
	fresh := b.fresh
	b.mu.Unlock()
	if fresh {
		// A hard-reset node hears only a MEET: the nodes of its old cluster still
		// send it their broadcasts (admission in bus.go).
		return
	}
	b.handle(append([]byte(nil), buf...))
}

func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte {
	b := (*Bus)(d)
	msgs := b.q.GetBroadcasts(overhead, limit)
	for _, m := range msgs {
		b.count(&b.sent, m[0])
	}
	return msgs
}

// LocalState is the push/pull payload: myself's header, and in a join every
// header we hold with its claim, so a joiner learns the whole slot map in one
// exchange. The periodic push/pull carries myself's only: a header we hold of
// another node is repaired from its owner (a meta whose claim digest we lack,
// a probe ack with a newer header sequence: msgClaimReq), and all of them in
// every exchange made its cost grow with the cluster's size.
func (d *delegate) LocalState(join bool) []byte {
	b := (*Bus)(d)
	b.mu.Lock()
	defer b.mu.Unlock()
	out := []byte{1}
	n := 1
	for _, p := range b.peers {
		if join && p.hasClaim && p.claimDig == p.meta.Digest {
			n++
		}
	}
	out = binary.AppendUvarint(out, uint64(n))
	add := func(h *header) {
		enc := appendHeader(nil, h)
		out = binary.AppendUvarint(out, uint64(len(enc)))
		out = append(out, enc...)
	}
	mine := b.mine
	add(&mine)
	for _, p := range b.peers {
		if join && p.hasClaim && p.claimDig == p.meta.Digest {
			add(&header{meta: p.meta, Claim: p.claim})
		}
	}
	return out
}

func (d *delegate) MergeRemoteState(buf []byte, join bool) {
	b := (*Bus)(d)
	if join && b.drop(redisMeet) {
		return
	}
	// While PING is filtered, relayed headers count as gossip (filter.go): a
	// claim is taken from its owner only, the first header of a join.
	gossipOnly := b.filtered(redisPing)
	r := reader{b: buf}
	if r.byte() != 1 {
		return
	}
	n := r.uvarint()
	var from string // the remote node: the first header is its own
	for i := uint64(0); i < n && r.err == nil; i++ {
		hr := reader{b: r.bytes(r.uvarint())}
		if r.err != nil {
			return
		}
		h := hr.header()
		if hr.err != nil {
			continue
		}
		if i == 0 {
			from = h.ID
		}
		if join && i == 0 {
			b.meetAnswered(&h.meta)
		}
		if gossipOnly && (i > 0 || !join) {
			b.learnMeta(&h.meta, "")
		} else {
			b.learnHeader(&h, "")
		}
		if i > 0 {
			b.mu.Lock()
			if p := b.peers[h.ID]; p != nil && p.via == "" {
				p.via = from
			}
			b.mu.Unlock()
		}
	}
	if join {
		// A CLUSTER MEET from or to us: a soft-reset node knows the others
		// again (in Redis it learns the met node, then the rest by its gossip).
		b.endAlone()
	}
}

// meetAnswered: m is the first header of a join's state, the remote node's
// own. If a CLUSTER MEET of ours is under way to its address, the join is that
// MEET: Redis's handshake node takes whichever node answers, even one it
// forgot (no ban, no forgotten mark stops it). The address it announces may
// differ from the one met (a hostname, cluster-announce-ip): the bus port then
// decides.
func (b *Bus) meetAnswered(m *meta) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.meetAddrs) == 0 || (!b.forgotten[m.ID] && b.banned[m.ID].IsZero()) {
		return
	}
	now := time.Now()
	mine := joinAddr(m.IP, m.CPort)
	for addr, until := range b.meetAddrs {
		if now.After(until) {
			continue
		}
		_, port, _ := net.SplitHostPort(addr)
		if addr == mine || port == strconv.Itoa(m.CPort) {
			delete(b.banned, m.ID)
			delete(b.forgotten, m.ID)
			return
		}
	}
}

// events is memberlist.EventDelegate on the bus.
type events Bus

func (e *events) NotifyJoin(n *memberlist.Node)   { (*Bus)(e).member(n, true) }
func (e *events) NotifyUpdate(n *memberlist.Node) { (*Bus)(e).member(n, true) }
func (e *events) NotifyLeave(n *memberlist.Node)  { (*Bus)(e).member(n, false) }

// member records memberlist's view of n (called with memberlist's lock held:
// no calls back into memberlist).
func (b *Bus) member(n *memberlist.Node, alive bool) {
	b.mu.Lock()
	if n.Name == b.id {
		b.mu.Unlock()
		return
	}
	if !alive {
		if n.State == memberlist.StateLeft {
			b.left[n.Name] = true
		}
		delete(b.members, n.Name)
		b.mu.Unlock()
		return
	}
	cp := *n
	delete(b.left, n.Name)
	if _, ok := b.members[n.Name]; !ok {
		b.joined[n.Name] = time.Now()
	}
	b.members[n.Name] = &cp
	b.lastNode[n.Name] = &cp
	b.mu.Unlock()
	m, err := decodeMeta(n.Meta)
	if err != nil || m.ID != n.Name {
		return
	}
	b.learnMeta(&m, n.Addr.String())
}

// learnMeta takes a node's meta (from memberlist). A digest we have no claim for
// makes us ask the node for its header.
func (b *Bus) learnMeta(m *meta, addr string) {
	now := time.Now()
	b.mu.Lock()
	p := b.peerLocked(m.ID, now)
	if p == nil || m.Seq < p.meta.Seq {
		b.mu.Unlock()
		return
	}
	p.meta = *m
	p.takeOffset(m.ReplOffset, m.OffStamp)
	if addr != "" {
		p.addr = addr
	}
	if m.SlotCount == 0 {
		p.claim, p.hasClaim, p.claimDig = slots.Bitmap{}, true, m.Digest
	}
	ask := p.askClaimLocked(now)
	nm := b.nodeMetaLocked(p)
	myID := b.id
	b.mu.Unlock()
	b.deliver(nm, p)
	if ask {
		b.sendTo(m.ID, appendID([]byte{msgClaimReq}, myID), false)
	}
}

// learnHeader takes a node's header (broadcast, reply, push/pull).
func (b *Bus) learnHeader(h *header, addr string) {
	now := time.Now()
	b.mu.Lock()
	p := b.peerLocked(h.ID, now)
	if p == nil || h.Seq < p.meta.Seq {
		b.mu.Unlock()
		return
	}
	p.meta = h.meta
	p.takeOffset(h.ReplOffset, h.OffStamp)
	if addr != "" {
		p.addr = addr
	}
	p.claim, p.hasClaim, p.claimDig, p.reqWait = h.Claim, true, h.Digest, 0
	nm := b.nodeMetaLocked(p)
	b.mu.Unlock()
	b.deliver(nm, p)
}

// peerLocked returns the peer id, created if new; nil for myself and banned ids,
// and for every id while the node is fresh: a hard-reset node keeps nothing it
// hears before a MEET. A periodic push/pull from a node of its old cluster (one
// not reset yet) carries that cluster's headers; a peer stored now would go out
// in this node's own push/pull state once it is met, and bring the old ids back
// into the new cluster (the legacy suite's "failed to join into a full mesh").
func (b *Bus) peerLocked(id string, now time.Time) *peer {
	if b.fresh || id == b.id || !slots.ValidID(id) {
		return nil
	}
	if t, ok := b.banned[id]; ok {
		if now.Before(t) {
			return nil
		}
		delete(b.banned, id)
	}
	p := b.peers[id]
	if p == nil && b.forgotten[id] {
		// Its own metas and headers (memberlist still reaches it) do not
		// bring it back: a MEET or a known node's report does (forgotten).
		return nil
	}
	if p == nil {
		p = &peer{firstSeen: now, reports: map[string]time.Time{}, verified: b.trusted[id]}
		b.peers[id] = p
	}
	return p
}

// nodeMetaLocked is what the engine gets for p: the meta, with the claim when it
// is the one the meta announces (a master's claim of unknown content is left
// empty: claims only add slots, so nothing is taken away by mistake).
func (b *Bus) nodeMetaLocked(p *peer) slots.NodeMeta {
	nm := p.meta.NodeMeta
	nm.ReplOffset = p.off
	nm.Slots = slots.Bitmap{}
	if p.hasClaim && p.claimDig == p.meta.Digest {
		nm.Slots = p.claim
	}
	if nm.IP == "" {
		nm.IP = p.addr
	}
	return nm
}

// deliver hands nm to the engine, then the health verdict (a meta update marks
// the node connected in the engine), then a manual failover's readiness.
func (b *Bus) deliver(nm slots.NodeMeta, p *peer) {
	b.hmu.Lock()
	defer b.hmu.Unlock()
	b.deliverHeld(nm, p)
}

// deliverHeld is deliver with hmu held. A gossiped meta (nm.Gossiped: p is
// listed from the others' reports, failureCron) goes to the engine though p
// has not answered.
func (b *Bus) deliverHeld(nm slots.NodeMeta, p *peer) {
	b.mu.Lock()
	pfail, fail, alone, fresh, busID, verified := p.pfail, p.fail, b.alone, b.fresh, b.id, p.verified
	current := b.peers[nm.ID] == p
	b.mu.Unlock()
	if !verified && !nm.Gossiped {
		return // verify delivers it once it answers
	}
	if !current {
		// p is of the peer table a hard reset replaced (restart) since nm was
		// read: what the old memberlist heard is the old cluster.
		return
	}
	if alone || fresh {
		return // soft or hard reset: myself knows nobody until a MEET
	}
	if me := b.eng.ClusterMyself(); me != nil && me.ID != busID {
		// A hard reset the bus has not caught up with (restart comes from the
		// next refresh): what the old memberlist still hears is the old cluster.
		return
	}
	// The engine applies it only if myself is still busID on its loop: a
	// hard reset may come between this check and then.
	b.eng.ClusterNodeUpdateFor(busID, nm)
	if pfail || fail {
		b.eng.ClusterNodeHealth(nm.ID, pfail, fail)
	}
	if nm.MFPaused {
		if me := b.eng.ClusterMyself(); me != nil && me.MasterID == nm.ID {
			b.eng.ClusterManualFailoverReady(nm.ReplOffset)
		}
	}
}

// verify records that node id answered myself under its id (a probe ack, our
// ping's ack, its link's hello: memberlist acks only a ping addressed to its
// own name) and, the first time, hands what the bus holds of it to the engine:
// Redis's handshake, which adds a gossiped node once its address answers.
func (b *Bus) verify(id string) {
	b.mu.Lock()
	p := b.peers[id]
	if p == nil || p.verified {
		b.mu.Unlock()
		return
	}
	p.verified = true
	known := p.meta.ID != ""
	var nm slots.NodeMeta
	if known {
		nm = b.nodeMetaLocked(p)
	}
	b.mu.Unlock()
	if known {
		b.deliver(nm, p)
	}
}

// trust marks the ids the engine knows (myID's engine: a hard reset since
// makes them strangers) as verified, and delivers what the bus holds of them.
func (b *Bus) trust(myID string, ids []string) {
	b.mu.Lock()
	// A hard reset (fresh) trusts nobody until its MEET. The id check alone
	// let a trust of the old cluster's ids, read from the engine before the
	// reset, land while restart had already cleared trusted but not yet taken
	// the new id: the old ids stayed trusted, and when the old nodes' buses,
	// still leaving, were heard after the MEET, they went to the engine (the
	// legacy suite's "failed to join into a full mesh", every stale id at once).
	if b.id != myID || b.fresh {
		b.mu.Unlock()
		return
	}
	var fresh []string
	for _, id := range ids {
		b.trusted[id] = true
		// A node the engine has only from the others' reports (gossiped)
		// stays as they described it until it answers.
		if p := b.peers[id]; p != nil && !p.verified && !p.gossiped {
			fresh = append(fresh, id)
		}
	}
	b.mu.Unlock()
	for _, id := range fresh {
		b.verify(id)
	}
}

// handle processes one user message.
func (b *Bus) handle(msg []byte) {
	t := msg[0]
	b.count(&b.recv, t)
	if t < msgTypes && b.drop(redisTypes[t]) {
		return
	}
	r := reader{b: msg[1:]}
	switch t {
	case msgHeader, msgHeaderReply:
		h := r.header()
		if r.err == nil {
			b.learnHeader(&h, "")
		}
	case msgClaimReq:
		from := r.id()
		if r.err != nil {
			return
		}
		b.mu.Lock()
		mine := b.mine
		b.mu.Unlock()
		b.sendTo(from, appendHeader([]byte{msgHeaderReply}, &mine), true)
	case msgPFail:
		reporter, failed := r.id(), r.id()
		if r.err == nil {
			b.failureReport(reporter, failed)
		}
	case msgPFails:
		reporter, n := r.id(), r.uvarint()
		for i := uint64(0); i < n && r.err == nil; i++ {
			if failed := r.id(); r.err == nil {
				b.failureReport(reporter, failed)
			}
		}
	case msgFail:
		sender, failed := r.id(), r.id()
		if r.err == nil {
			b.failMessage(sender, failed)
		}
	case msgAuthReq:
		epoch := r.uvarint()
		from := r.id()
		force := r.byte() == 1
		claimed := r.claim()
		if r.err != nil {
			return
		}
		// The request's epoch is the replica's new current epoch: observe it
		// first, as Redis does with every message's header, so the vote is
		// given in it.
		b.eng.ClusterUpdate(func(st *slots.State) slots.Effects {
			if epoch > st.CurrentEpoch {
				st.ObserveCurrentEpoch(epoch)
				return slots.Effects{Save: true}
			}
			return slots.Effects{}
		})
		b.eng.ClusterFailoverAuthRequest(from, epoch, claimed, force)
	case msgAuthAck:
		from := r.id()
		epoch := r.uvarint()
		if r.err == nil {
			b.eng.ClusterFailoverAuthAck(from, epoch)
		}
	case msgMFStart:
		from := r.id()
		if r.err != nil {
			return
		}
		b.mu.Lock()
		b.mfReplica = from
		b.mu.Unlock()
		b.eng.ClusterManualFailoverRequest(from)
	case msgLeave:
		id := r.id()
		if r.err == nil && id != b.currentID() {
			b.mu.Lock()
			b.left[id] = true
			b.mu.Unlock()
		}
	case msgSuspect:
		sender, id := r.id(), r.id()
		if r.err == nil {
			b.suspectNotice(sender, id)
		}
	case msgPublish, msgPublishShard:
		ch := r.bytes(r.uvarint())
		if r.err == nil {
			b.eng.ClusterPublish(ch, r.b, t == msgPublishShard)
		}
	default:
		b.log.Debug("unknown bus message", zap.Uint8("type", t))
	}
}
