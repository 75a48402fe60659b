package engine

// The contract between the engine's cluster mode and the cluster bus (issue #7).
//
// The engine owns the one *slots.State, on its loop goroutine. The bus (gossip/,
// over hashicorp/memberlist) talks to the other nodes. Neither package imports the
// other: node/ wires them (node/cluster.go), and the data they exchange is in slots
// (slots.NodeMeta, slots.Effects, slots.BusStats).
//
//	engine ──ClusterBus──► bus          actions that need the network
//	bus ──(*Server).Cluster*──► engine  what the network learned, run on the loop via Submit
//
// With no bus (SetClusterBus never called, or nil) the node is a single-node
// cluster: ADDSLOTS, SETSLOT, routing all work; CLUSTER MEET replies an error.

import (
	"sync/atomic"
	"time"

	"github.com/keygrid/keygrid/slots"
)

// ClusterBus is what the engine asks of the cluster bus. The engine calls every
// method on its loop goroutine, so none may block for long: queue the work and
// return. Implementations must be safe to call while their own goroutines call the
// engine's Cluster* methods.
type ClusterBus interface {
	// Meet joins the cluster that the node at ip:port (bus port cport) belongs to
	// (CLUSTER MEET). An error is replied to the client as is, so it should be
	// Redis's wording ("Invalid node address specified: ip:port") when it applies.
	// The joined node's meta arrives later through ClusterNodeUpdate.
	Meet(ip string, port, cport int) error
	// Forget drops node id from the bus's membership and ignores it for 60 s
	// (CLUSTER FORGET's ban), so gossip from others does not re-add it; after
	// the ban, as in Redis, only a MEET or another known node's gossip about
	// it re-adds it, not the node's own messages.
	Forget(id string)
	// Changed says myself's meta or slot claim changed (read it with
	// (*Server).ClusterMyself): gossip it soon (Redis's clusterBroadcastPong /
	// CLUSTER_TODO flags). Coalesce: it is called on every change.
	Changed()
	// RequestFailoverAuth asks every master for its vote for myself, a replica
	// whose master failed, in epoch (Redis's FAILOVER_AUTH_REQUEST; force is the
	// CLUSTERMSG_FLAG0_FORCEACK of a manual failover). Votes come back through
	// (*Server).ClusterFailoverAuthAck.
	RequestFailoverAuth(epoch uint64, force bool)
	// SendFailoverAuthAck gives myself's vote to replica id (a master answering a
	// request, after the engine saved lastVoteEpoch).
	SendFailoverAuthAck(id string, epoch uint64)
	// ManualFailoverStart asks master id to pause its clients for a manual failover
	// by myself (MFSTART); the master's meta then carries MFPaused and its offset.
	ManualFailoverStart(masterID string)
	// Publish sends a PUBLISH (shard false: to every node) or SPUBLISH (shard true:
	// to the nodes of myself's shard) to the other nodes, which deliver it through
	// (*Server).ClusterPublish. The slices are valid only during the call: copy
	// them.
	Publish(channel, message []byte, shard bool)
	// Stats returns the message counters and links for CLUSTER INFO and LINKS.
	Stats() slots.BusStats
	// Close leaves the cluster and stops the bus (CLUSTER RESET, shutdown).
	Close() error
}

// Optional: a bus that keeps Redis's failure reports (PFAIL reports from other
// masters) also implements
//
//	FailureReports(id string) int
//
// for CLUSTER COUNT-FAILURE-REPORTS (0 otherwise). A bus must notice a hard
// CLUSTER RESET (myself's id changes: ClusterMyself().ID) and rejoin under the new id.
// A bus that also implements
//
//	SoftReset()
//
// is told of a soft CLUSTER RESET: myself forgot every other node (the engine
// already deleted them) and must stay alone, as a reset Redis node, which
// ignores the gossip of nodes it does not know, until a CLUSTER MEET from or to
// it; the others keep knowing it and learn its new role from its meta. One that
// implements
//
//	HardReset()
//
// is told of a hard one at once (before its next look at ClusterMyself), so what
// its old membership still hears is not delivered under the new id.
//
// Manual failover (CLUSTER FAILOVER without FORCE): the replica's engine calls
// ManualFailoverStart(master); the master's bus delivers it with
// (*Server).ClusterManualFailoverRequest, the master pauses writes and announces
// MFPaused with its ReplOffset; the replica's bus then calls
// (*Server).ClusterManualFailoverReady(offset), and the election starts once the
// replica's offset reached it.

// clusterMyself is myself's meta, refreshed on the loop after every change of the
// cluster state, so the bus reads it from any goroutine without a round trip.
type clusterMyself = atomic.Pointer[slots.NodeMeta]

// SetClusterBus installs the bus. Call it before Start, or later from any goroutine
// (it is applied on the loop).
func (s *Server) SetClusterBus(b ClusterBus) {
	if s.loop == nil {
		s.cluster.bus = b
		return
	}
	s.Submit(func() { s.cluster.bus = b })
}

// ClusterMyself returns what myself announces. Safe from any goroutine; the value
// must not be modified.
func (s *Server) ClusterMyself() *slots.NodeMeta { return s.cluster.myself.Load() }

// ClusterLoopAlive is when the event loop last showed it runs (zero before the
// first cron). A Redis node serves its bus on its one thread: stuck in a long
// command (DEBUG SLEEP, a slow script before lua-time-limit), it answers no ping,
// and its peers fail it over; the bus stops answering too while this is old.
// Safe from any goroutine.
func (s *Server) ClusterLoopAlive() time.Time {
	if s.cluster.loopAsleep.Load() {
		return time.Now() // waiting for events is not being stuck
	}
	if ms := s.cluster.loopAlive.Load(); ms != 0 {
		return time.UnixMilli(ms)
	}
	return time.Time{}
}

// ClusterLoopBlocked reports whether the event loop said it blocks on purpose
// (DEBUG SLEEP) and has not run since: the bus stops answering at once. Safe
// from any goroutine.
func (s *Server) ClusterLoopBlocked() bool { return s.cluster.loopBlocked.Load() }

// ClusterNodeTimeout is cluster-node-timeout as it is now (CONFIG SET changes it;
// the bus's failure detection follows, as Redis's clusterCron reads it on every
// run). Safe from any goroutine.
func (s *Server) ClusterNodeTimeout() time.Duration {
	return time.Duration(s.cluster.nodeTimeout.Load()) * time.Millisecond
}

// ClusterSize is cluster_size as the last state update computed it: the masters
// serving at least one slot in myself's slot map, 0 before the first update. A
// failure needs the reports of a majority of them (Redis's
// markNodeAsFailingIfNeeded reads server.cluster->size). Safe from any goroutine.
func (s *Server) ClusterSize() int { return int(s.cluster.sizePub.Load()) }

// ClusterLinkSendbufLimit is cluster-link-sendbuf-limit in bytes, 0 for none, as
// it is now (CONFIG SET changes it). Safe from any goroutine.
func (s *Server) ClusterLinkSendbufLimit() int64 { return s.cluster.linkSendbufLimit.Load() }

// ClusterNodeUpdate merges what node m.ID announced (a ping/pong's header: meta
// and claim) into the state: new nodes are added, roles, epochs and claims applied
// (slots.State.ApplyMeta). Safe from any goroutine.
func (s *Server) ClusterNodeUpdate(m slots.NodeMeta) { s.ClusterNodeUpdateFor("", m) }

// ClusterNodeUpdateFor is ClusterNodeUpdate from the bus of myself myID ("":
// any): dropped if myself's id is another when it runs on the loop. The bus
// read m before; a hard reset (a new id) since means m is the old cluster's.
func (s *Server) ClusterNodeUpdateFor(myID string, m slots.NodeMeta) {
	gen := s.cluster.resetGen.Load()
	s.Submit(func() {
		if s.cluster.st == nil || s.cluster.resetGen.Load() != gen ||
			myID != "" && s.cluster.st.Myself.ID != myID {
			return
		}
		s.cluster.replOffsets[m.ID] = m.ReplOffset
		if m.Gossiped && m.MasterID != "" && s.cluster.st.Nodes[m.ID] == nil {
			// Redis's gossip section carries the node's flags as the sender
			// sees them, CLUSTER_NODE_MIGRATE_TO included, and a node that
			// joins takes them for the nodes it adds from it: a master whose
			// replica died before myself joined is a target of replica
			// migration for the others (the dead replica is still in its
			// replica list), so it is for myself. Here the dead replica's
			// own header, relayed, names that master.
			s.cluster.migrateTo[m.MasterID] = true
		}
		s.clusterApply(s.cluster.st.ApplyMeta(m, s.clusterSlotHasKeys, s.cfg.ClusterAllowReplicaMigration))
		s.clusterFollowMasterAddr(m.ID) // cluster_bootstrap.go: my master moved
		// An announcement is the bus's pong: CLUSTER NODES shows when it came
		// (a gossiped meta is not the node's: it never answered).
		if n := s.cluster.st.Nodes[m.ID]; n != nil && !m.Gossiped {
			n.PongRecv = time.Now().UnixMilli()
		}
	})
}

// ClusterNodePong records that node id answered one of the bus's own pings:
// CLUSTER NODES's pong-recv. Safe from any goroutine.
func (s *Server) ClusterNodePong(id string) {
	at := time.Now().UnixMilli()
	s.Submit(func() {
		if s.cluster.st != nil {
			if n := s.cluster.st.Nodes[id]; n != nil && at > n.PongRecv {
				n.PongRecv = at
			}
		}
	})
}

// ClusterNodeOffset records node id's replication offset, which the bus learns
// between meta updates (Redis reads it from every ping's header). Safe from any
// goroutine.
func (s *Server) ClusterNodeOffset(id string, offset int64) {
	s.Submit(func() {
		if s.cluster.st != nil {
			if n := s.cluster.st.Nodes[id]; n != nil {
				s.cluster.replOffsets[id] = offset
				n.PongRecv = time.Now().UnixMilli() // a probe's ack is the bus's pong
			}
		}
	})
}

// ClusterNodeGone removes node id (it left, or the bus forgot it). Safe from any
// goroutine.
func (s *Server) ClusterNodeGone(id string) {
	s.Submit(func() {
		st := s.cluster.st
		if st == nil || id == st.Myself.ID {
			return
		}
		if n := st.Nodes[id]; n != nil {
			st.DelNode(n)
			s.clusterApply(slots.Effects{Save: true, UpdateState: true})
		}
	})
}

// ClusterNodePingSent sets node id's ping_sent (unix ms, 0: none), which the
// bus keeps while the node is PFAIL or FAIL and unreachable, as Redis keeps
// the time of the ping that went unanswered. Safe from any goroutine.
func (s *Server) ClusterNodePingSent(id string, ms int64) {
	s.Submit(func() {
		if st := s.cluster.st; st != nil {
			if n := st.Nodes[id]; n != nil && n != st.Myself {
				n.PingSent = ms
			}
		}
	})
}

// ClusterNodeHealth sets the bus's verdict on node id: pfail is myself's own
// suspicion (memberlist suspect/dead), fail the majority's (Redis's FAIL). Clearing
// both marks it healthy again. Safe from any goroutine.
func (s *Server) ClusterNodeHealth(id string, pfail, fail bool) {
	s.Submit(func() {
		st := s.cluster.st
		if st == nil {
			return
		}
		n := st.Nodes[id]
		if n == nil || n == st.Myself {
			return
		}
		old := n.Flags
		n.Flags &^= slots.FlagPFail | slots.FlagFail
		if fail {
			n.Flags |= slots.FlagFail
		} else if pfail {
			n.Flags |= slots.FlagPFail
		}
		n.Connected = !pfail && !fail
		if n.Flags != old {
			s.clusterApply(slots.Effects{Save: old&slots.FlagFail != n.Flags&slots.FlagFail, UpdateState: true})
		}
	})
}

// ClusterUpdate runs f on the loop with the cluster state, for bus logic that is
// easier to write against slots.State directly (failure reports, elections); the
// engine then carries out the returned effects (save, state update, dirty slots,
// following a new master, gossip). f must not keep st. Safe from any goroutine.
func (s *Server) ClusterUpdate(f func(st *slots.State) slots.Effects) {
	s.Submit(func() {
		if s.cluster.st != nil {
			s.clusterApply(f(s.cluster.st))
		}
	})
}

// ClusterFailoverAuthRequest is replica id asking myself (a master) for its vote in
// epoch; force skips the "master not failed" check (manual failover). The engine
// decides by Redis's rules (clusterSendFailoverAuthIfNeeded), saves lastVoteEpoch
// with fsync, then calls bus.SendFailoverAuthAck. Safe from any goroutine.
func (s *Server) ClusterFailoverAuthRequest(id string, epoch uint64, claimed slots.Bitmap, force bool) {
	s.Submit(func() { s.clusterVote(id, epoch, &claimed, force) })
}

// ClusterFailoverAuthAck is master id's vote for myself in epoch. Safe from any
// goroutine.
func (s *Server) ClusterFailoverAuthAck(id string, epoch uint64) {
	s.Submit(func() { s.clusterAuthAck(id, epoch) })
}

// ClusterManualFailoverRequest is replica id asking myself, its master, to pause
// clients for a manual failover (MFSTART). Safe from any goroutine.
func (s *Server) ClusterManualFailoverRequest(id string) {
	s.Submit(func() { s.clusterMFStart(id) })
}

// ClusterPublish delivers a message another node published (PUBLISH or SPUBLISH)
// to this node's subscribers. Safe from any goroutine; the slices may be kept.
func (s *Server) ClusterPublish(channel, message []byte, shard bool) {
	s.Submit(func() { s.clusterDeliver(channel, message, shard) })
}
