package gossip

// DEBUG DROP-CLUSTER-PACKET-FILTER on keygrid's bus. Redis (cluster.c,
// clusterProcessPacket) drops every incoming bus packet of the filtered type
// before looking at it; the legacy cluster suite uses it to keep two nodes
// from ever exchanging their headers (27-endpoints: both drop PING, so
// neither answers the other, and each knows the other only from third
// parties' gossip: its id and address, not its slots).
//
// keygrid's messages are not Redis's packets, so each is mapped onto the
// Redis type that carries the same information:
//
//   - PING (0): what another node sends on its own initiative: its header
//     broadcasts, its claim requests, its failure reports (Redis's gossip
//     sections ride in pings).
//   - PONG (1): a header that answers our own claim request.
//   - MEET (2): the user state of a join (CLUSTER MEET from or to us).
//   - FAIL (3), PUBLISH (4), FAILOVER_AUTH_REQUEST (5), FAILOVER_AUTH_ACK (6),
//     MFSTART (8), PUBLISHSHARD (10): msgFail, msgPublish, msgAuthReq,
//     msgAuthAck, msgMFStart, msgPublishShard.
//
// Claims also travel relayed, in push/pull state (every header a node holds),
// which Redis never does: its gossip sections carry ids, addresses and flags
// only, so a node learns a node's slots from that node alone. While PING is
// filtered, relayed headers are therefore taken as gossip (meta without
// claim; the claim is then asked of its owner, a PING the owner may drop),
// and a join's own header (the first) in full.
//
// memberlist's probes are not filtered: they are the failure detector, and in
// Redis a node whose pings are dropped stays alive for everyone it pings
// (any data received counts as liveness), which memberlist has no notion of.

import "time"

// Redis's bus message types (cluster.h, CLUSTERMSG_TYPE_*): the values DEBUG
// DROP-CLUSTER-PACKET-FILTER takes.
const (
	redisPing         = 0
	redisPong         = 1
	redisMeet         = 2
	redisFail         = 3
	redisPublish      = 4
	redisAuthReq      = 5
	redisAuthAck      = 6
	redisMFStart      = 8
	redisPublishShard = 10
)

// redisTypes maps each message onto its Redis type (-1: none, never dropped).
// A header is PING when unsolicited (msgHeader, a broadcast that other nodes may
// relay) and PONG only as the direct reply to our claim request (msgHeaderReply):
// a relayed broadcast is never taken for an answer.
var redisTypes = [msgTypes]int{
	0: -1, msgHeader: redisPing, msgClaimReq: redisPing, msgPFail: redisPing, msgFail: redisFail,
	msgAuthReq: redisAuthReq, msgAuthAck: redisAuthAck, msgMFStart: redisMFStart,
	msgPublish: redisPublish, msgPublishShard: redisPublishShard, msgLeave: -1, msgMeet: redisMeet,
	msgHeaderReply: redisPong, msgSuspect: redisPing, msgPFails: redisPing,
}

// filtered reports whether DEBUG DROP-CLUSTER-PACKET-FILTER drops messages of
// Redis type t.
func (b *Bus) filtered(t int) bool {
	return t >= 0 && b.eng.ClusterDropPacketFilter() == int64(t)
}

// drop reports whether an incoming message of Redis type t is dropped, and
// logs it as Redis does.
func (b *Bus) drop(t int) bool {
	if !b.filtered(t) {
		return false
	}
	b.log.Warn("Dropping packet that matches debug drop filter")
	return true
}

// filterCron notices a new filter value: claim requests backed off while
// their answers were dropped are sent again at once, as a Redis node pings a
// node it has no pong from again within half the node timeout.
func (b *Bus) filterCron() {
	f := b.eng.ClusterDropPacketFilter()
	b.mu.Lock()
	defer b.mu.Unlock()
	if f == b.lastFilter {
		return
	}
	b.lastFilter = f
	for _, p := range b.peers {
		p.reqWait, p.lastReq = 0, p.lastReq.Add(-time.Hour)
	}
}
