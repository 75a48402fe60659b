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
	"time"

	"github.com/hashicorp/memberlist"
)

// ackVersion is the first byte of an ack payload.
const ackVersion = 1

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
	return binary.AppendUvarint(out, b.mineSeq.Load())
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
