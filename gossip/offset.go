package gossip

// Replication offsets between the nodes. Redis carries the sender's offset in
// every ping and pong; CLUSTER SLOTS lists a replica once its offset is not zero
// (isReplicaAvailable), CLUSTER SHARDS shows it, and a replica's rank in a
// failover election is the number of its siblings with a greater one.
//
// Here the offset rides in memberlist's probe acks (PingDelegate): the probed
// node appends its offset to the ack, the prober learns it. Every member probes
// each other member once per round of ProbeInterval × N, so each node's offset
// reaches every other within that, at no extra packet and about 12 bytes per
// ack: the bus's cost per node stays flat as the cluster grows, where announcing
// every change in the meta would gossip one broadcast per write. The meta and
// headers carry the offset too, stamped, so the freshest reading wins whatever
// route it took (a push/pull relays old headers).
//
// The ack also carries the sequence number of the node's header. Redis puts the
// sender's whole header (epochs, role, slots) in every ping and pong, so a node
// that missed a change (a failover's new owner, announced by a gossip that was
// dropped under load) learns it at the next exchange with that node. Here a
// prober that sees a newer sequence than the header it holds asks the node for
// its header (msgClaimReq), instead of waiting for the next push/pull.

import (
	"encoding/binary"
	"math/rand/v2"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/keygrid/keygrid/slots"
)

// ackVersion is the first byte of an ack payload.
const ackVersion = 1

// ackGossip is how many other nodes an ack reports (Redis's minimum of gossip
// sections per ping, max(3, N/10): a fixed few keeps the ack's cost flat).
const ackGossip = 3

// Gossip entries. After the sequence number an ack carries a count and that
// many entries (a node id, then when the acking node last heard that node
// answer, unix seconds), as Redis's ping carries gossip sections with each
// node's pong_received in seconds. The acking node does not know who probed it
// (memberlist's PingDelegate is not told), so it reports up to ackGossip of
// the nodes it knows at random: in a small cluster that is every node, the
// prober included; in a cluster of N nodes an ack reports the prober with a
// chance of about 3/N, so myself's pong_received there lags more than Redis's
// (whose pings carry N/10 entries), the price of an ack whose size does not
// grow with N. The prober, if it knows the acking node (Redis processes
// the gossip of known senders only), takes:
//
//   - an entry about myself as myself's pong_received, if newer and not more
//     than 500 ms in the future (clusterProcessGossipSection updates any known
//     node's, myself included, from the gossip: a healthy Redis node's myself
//     line shows a recent time, not 0). The engine keeps its own reading of
//     the other nodes' pong times (its probes' acks), which is fresher;
//   - an entry about a node it forgot, once the ban is over: a known node
//     gossips about it, so Redis would start a handshake with it (forgotten).
//
// Nodes seen as PFAIL or FAIL are not reported: Redis's receiver ignores the
// pong time of a node gossiped with those flags. A node of an older version
// stops reading after the sequence number.

// pinger is memberlist.PingDelegate on the bus.
type pinger Bus

// AckPayload is myself's offset and when it was read, for the prober.
func (d *pinger) AckPayload() []byte {
	b := (*Bus)(d)
	me := b.eng.ClusterMyself()
	if me == nil {
		return nil
	}
	out := make([]byte, 0, 1+3*binary.MaxVarintLen64)
	out = append(out, ackVersion)
	out = binary.AppendUvarint(out, uint64(time.Now().UnixNano()))
	out = binary.AppendVarint(out, me.ReplOffset)
	out = binary.AppendUvarint(out, b.mineSeq.Load())
	return b.appendAckGossip(out)
}

// appendAckGossip appends the ack's gossip entries.
func (b *Bus) appendAckGossip(out []byte) []byte {
	b.mu.Lock()
	ids := make([]string, 0, len(b.peers))
	for id, p := range b.peers {
		if p.verified && !p.pfail && !p.fail && p.meta.ID != "" {
			ids = append(ids, id)
		}
	}
	alone := b.alone || b.fresh
	b.mu.Unlock()
	if alone {
		ids = nil // a reset node knows nobody
	}
	type entry struct {
		id   string
		secs int64
	}
	var es [ackGossip]entry
	n := 0
	for len(ids) > 0 && n < ackGossip {
		i := rand.IntN(len(ids))
		id := ids[i]
		ids[i] = ids[len(ids)-1]
		ids = ids[:len(ids)-1]
		if t := b.live.lastHeard(id); !t.IsZero() {
			es[n] = entry{id, t.Unix()}
			n++
		}
	}
	out = binary.AppendUvarint(out, uint64(n))
	for _, e := range es[:n] {
		out = appendID(out, e.id)
		out = binary.AppendUvarint(out, uint64(e.secs))
	}
	return out
}

// takeAckGossip reads the gossip entries of an ack from node from.
func (b *Bus) takeAckGossip(from string, r *reader) {
	n := r.uvarint()
	if r.err != nil || n > 64 {
		return
	}
	b.mu.Lock()
	p := b.peers[from]
	known := p != nil && p.verified && !b.alone && !b.fresh
	myID := b.id
	b.mu.Unlock()
	if !known {
		return
	}
	for range n {
		id := r.id()
		secs := r.uvarint()
		if r.err != nil {
			return
		}
		if id == myID {
			b.myselfPong(myID, int64(secs)*1000)
		} else if id != "" {
			b.reported(id)
		}
	}
}

// myselfPong makes at (unix ms) myself's pong_received if it is newer and not
// in the future by more than 500 ms (clusterProcessGossipSection's rule).
func (b *Bus) myselfPong(myID string, at int64) {
	b.eng.ClusterUpdate(func(st *slots.State) slots.Effects {
		if st.Myself.ID == myID && at <= time.Now().UnixMilli()+500 && at > st.Myself.PongRecv {
			st.Myself.PongRecv = at
		}
		return slots.Effects{}
	})
}

// reported: a known node reported node id. If myself forgot id and its ban is
// over, it may come back (Redis starts a handshake with a node a known node
// gossips about, unless it is banned): what memberlist holds of it is learned
// again.
func (b *Bus) reported(id string) {
	b.mu.Lock()
	if !b.forgotten[id] || b.peers[id] != nil {
		b.mu.Unlock()
		return
	}
	if t, ok := b.banned[id]; ok && time.Now().Before(t) {
		b.mu.Unlock()
		return
	}
	delete(b.forgotten, id)
	n := b.members[id]
	if n == nil {
		n = b.lastNode[id]
	}
	var m meta
	var addr string
	ok := false
	if n != nil {
		var err error
		m, err = decodeMeta(n.Meta)
		ok = err == nil && m.ID == id
		addr = n.Addr.String()
	}
	b.mu.Unlock()
	if ok {
		b.learnMeta(&m, addr) // it is delivered once it answers (verify)
	}
}

// NotifyPingComplete takes the probed node's offset from its ack.
func (d *pinger) NotifyPingComplete(other *memberlist.Node, _ time.Duration, payload []byte) {
	if other == nil {
		return
	}
	(*Bus)(d).live.heard(other.Name, time.Now()) // a pong (failure.go)
	(*Bus)(d).verify(other.Name)
	if len(payload) == 0 || payload[0] != ackVersion {
		return
	}
	r := reader{b: payload[1:]}
	stamp := r.uvarint()
	off := r.varint()
	if r.err != nil {
		return
	}
	b := (*Bus)(d)
	b.learnOffset(other.Name, off, stamp)
	if len(r.b) > 0 { // a node of an older version sends no sequence
		if seq := r.uvarint(); r.err == nil {
			b.learnSeq(other.Name, seq)
		}
	}
	if len(r.b) > 0 { // nor gossip entries
		b.takeAckGossip(other.Name, &r)
	}
}

// learnSeq asks node id for its header when its ack shows a sequence newer than
// the header we hold (backing off as askClaimLocked does).
func (b *Bus) learnSeq(id string, seq uint64) {
	now := time.Now()
	b.mu.Lock()
	p := b.peers[id]
	ask := false
	if p != nil && seq > p.meta.Seq && now.Sub(p.lastReq) > max(p.reqWait, 500*time.Millisecond) {
		p.lastReq = now
		p.reqWait = min(max(2*p.reqWait, 500*time.Millisecond), 8*time.Second)
		ask = true
	}
	myID := b.id
	b.mu.Unlock()
	if ask {
		b.sendTo(id, appendID([]byte{msgClaimReq}, myID), false)
	}
}

// learnOffset records node id's offset read at stamp (its clock) and tells the
// engine if it is news.
func (b *Bus) learnOffset(id string, off int64, stamp uint64) {
	b.mu.Lock()
	p := b.peers[id]
	verified := p != nil && p.verified
	if p != nil {
		p.takeOffset(off, stamp)
		off = p.off
	}
	b.mu.Unlock()
	if verified {
		// Every ack: the engine's pong time moves too (CLUSTER NODES shows
		// when the node last answered, as Redis's pong_received).
		b.eng.ClusterNodeOffset(id, off)
	}
}

// takeOffset keeps off if it was read after the offset p holds (stamps are the
// node's own clock, so only the node's readings are compared with each other).
func (p *peer) takeOffset(off int64, stamp uint64) bool {
	if stamp < p.offStamp || (stamp == 0 && p.offStamp != 0) {
		return false
	}
	p.off, p.offStamp = off, stamp
	return true
}
