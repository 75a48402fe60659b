package gossip

import (
	"time"

	"github.com/keygrid/keygrid/slots"
)

// Engine is what the bus needs of the engine: engine.(*Server)'s cluster methods
// (engine/cluster_bus.go is the contract). Every method may be called from any of
// the bus's goroutines and must not block: the engine queues the work onto its
// loop, in call order.
type Engine interface {
	// ClusterMyself returns what myself announces (never modified by the bus).
	ClusterMyself() *slots.NodeMeta
	// ClusterNodeUpdate merges another node's meta and claim (its header).
	ClusterNodeUpdate(m slots.NodeMeta)
	// ClusterNodeUpdateFor is ClusterNodeUpdate for the bus of myself myID:
	// dropped if myself has another id by the time it runs (a hard reset).
	ClusterNodeUpdateFor(myID string, m slots.NodeMeta)
	// ClusterNodeOffset records node id's replication offset (from a probe ack,
	// between its meta updates).
	ClusterNodeOffset(id string, offset int64)
	// ClusterNodePong records that node id answered a ping of the bus's own
	// (CLUSTER NODES's pong-recv).
	ClusterNodePong(id string)
	// ClusterNodeHealth sets the bus's verdict on a node: pfail is myself's
	// suspicion, fail the majority's.
	ClusterNodeHealth(id string, pfail, fail bool)
	// ClusterNodePingSent sets CLUSTER NODES's ping_sent of node id: the unix
	// ms of the ping it has not answered while it is PFAIL or FAIL and
	// unreachable, 0 otherwise.
	ClusterNodePingSent(id string, ms int64)
	// ClusterFailoverAuthRequest is replica id asking myself for a vote in epoch.
	ClusterFailoverAuthRequest(id string, epoch uint64, claimed slots.Bitmap, force bool)
	// ClusterFailoverAuthAck is master id's vote for myself in epoch.
	ClusterFailoverAuthAck(id string, epoch uint64)
	// ClusterManualFailoverRequest is replica id asking myself, its master, to
	// pause for a manual failover.
	ClusterManualFailoverRequest(id string)
	// ClusterManualFailoverReady tells a replica in a manual failover that its
	// master paused at replication offset.
	ClusterManualFailoverReady(offset int64)
	// ClusterPublish delivers a message published on another node.
	ClusterPublish(channel, message []byte, shard bool)
	// ClusterUpdate runs f on the engine's loop with the cluster state; f must
	// not block and must not keep st.
	ClusterUpdate(f func(st *slots.State) slots.Effects)
	// ClusterDropPacketFilter is the Redis bus message type DEBUG
	// DROP-CLUSTER-PACKET-FILTER set, -1 for none (filter.go maps keygrid's
	// messages onto those types).
	ClusterDropPacketFilter() int64
	// ClusterSize is cluster_size: the masters serving at least one slot in
	// myself's slot map, whose majority a FAIL needs (0: the bus counts the
	// masters whose own headers claim slots).
	ClusterSize() int
	// ClusterNodeTimeout is cluster-node-timeout now (CONFIG SET changes it;
	// 0: Config.NodeTimeout).
	ClusterNodeTimeout() time.Duration
	// ClusterLinkSendbufLimit is cluster-link-sendbuf-limit now (bytes, 0:
	// none): a link whose send buffer grows past it is freed (links.go).
	ClusterLinkSendbufLimit() int64
	// ClusterLoopAlive is when the engine's loop last ran (zero: unknown):
	// while it is stuck the bus answers nothing (stall.go).
	ClusterLoopAlive() time.Time
	// ClusterLoopBlocked reports whether the loop said it is blocking on
	// purpose (DEBUG SLEEP) and has not run since: the bus stops answering
	// at once (stall.go).
	ClusterLoopBlocked() bool
}
