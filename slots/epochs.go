package slots

// The configuration-epoch rules of Redis Cluster (cluster spec, "Configuration
// handling, propagation, and failovers"). Every slot claim carries the claiming
// master's config epoch; a claim with a greater epoch than the current owner's wins.
// Epochs only grow, so the cluster converges on one owner per slot whatever order
// the claims arrive in.

import bits64 "math/bits"

// ObserveCurrentEpoch raises the current epoch to one seen in a message, as every
// Redis Cluster message does (currentEpoch is the cluster's logical clock).
func (st *State) ObserveCurrentEpoch(e uint64) {
	if e > st.CurrentEpoch {
		st.CurrentEpoch = e
	}
}

// ClaimResult says what a slot claim changed for this node.
type ClaimResult struct {
	Changed bool // some slot changed owner: save the config, update the state
	// FollowMaster is set when the master this node is (or follows) lost its last
	// slot to the claimer: the node must become a replica of it (a failover
	// happened while we were away, or our master's slots were all moved).
	FollowMaster *Node
	// DirtySlots are slots this node owned and still holds keys of, now owned by
	// another node: the keys must be deleted (Redis's dirty slots).
	DirtySlots []int
}

// ApplyClaim applies sender's claim, with its config epoch, to the slots in claimed
// (Redis's clusterUpdateSlotsConfigWith). hasKeys reports whether this node holds
// keys in a slot. allowReplicaMigration is cluster-allow-replica-migration: when it
// is off, a master emptied of slots follows the claimer only if the claim is exactly
// its old slots (a failover of it), not when resharding moved its last slot away.
func (st *State) ApplyClaim(sender *Node, senderEpoch uint64, claimed *Bitmap, hasKeys func(slot int) bool, allowReplicaMigration bool) ClaimResult {
	var res ClaimResult
	if sender == st.Myself {
		return res // our own claims come back to us through gossip: nothing to learn
	}
	cur := st.Myself // the master whose slots matter to us: us, or the one we follow
	if st.Myself.IsReplica() && st.Myself.MasterID != "" {
		if m := st.Nodes[st.Myself.MasterID]; m != nil {
			cur = m
		}
	}
	// Word by word, and only the claimed slots sender does not own yet
	// (n.Slots mirrors Owner, SetOwner keeps both): a node receives every
	// master's claim on every header, and a claim usually changes nothing, so
	// this is a few hundred word tests instead of 16384 slot tests per header
	// (12% of a node's CPU in a 100-node cluster going through failovers).
	movedOurs, senderSlots := 0, 0
	for w, bits := range claimed {
		if bits == 0 {
			continue
		}
		senderSlots += bits64.OnesCount64(bits)
		for bits &^= sender.Slots[w]; bits != 0; bits &= bits - 1 {
			s := w<<6 | bits64.TrailingZeros64(bits)
			owner := st.Owner[s]
			// A slot being imported is under the operator's control (redis-cli
			// --cluster reshard): no claim rebinds it until CLUSTER SETSLOT ends it.
			if st.Importing[s] != nil {
				continue
			}
			if owner != nil && owner.ConfigEpoch >= senderEpoch {
				continue
			}
			if owner == st.Myself && hasKeys != nil && hasKeys(s) {
				res.DirtySlots = append(res.DirtySlots, s)
			}
			if owner == cur {
				movedOurs++
			}
			st.SetOwner(s, sender)
			res.Changed = true
		}
	}
	switch {
	case movedOurs > 0 && cur.Slots.Len() == 0 && (allowReplicaMigration || senderSlots == movedOurs):
		// Our master (or we) lost its last slot to sender: follow sender, and the
		// dirty keys go with the full resync from it.
		res.FollowMaster = sender
		res.DirtySlots = nil
	case st.Myself.IsReplica() && cur != st.Myself && cur.IsReplica() && cur.MasterID != "":
		// Our master became a replica itself: no chains of replicas, follow its
		// master (Redis's sub-replica safeguard).
		if m := st.Nodes[cur.MasterID]; m != nil {
			res.FollowMaster = m
		}
	}
	return res
}

// HandleEpochCollision resolves two masters with the same config epoch (possible
// after manual changes, or two failovers at once): the one with the lexicographically
// smaller id takes a new, greater epoch, so the tie can't stay (Redis's
// clusterHandleConfigEpochCollision). It reports whether our epoch changed.
func (st *State) HandleEpochCollision(sender *Node) bool {
	me := st.Myself
	if sender.ConfigEpoch != me.ConfigEpoch || !sender.IsMaster() || !me.IsMaster() {
		return false
	}
	if sender.ID <= me.ID {
		return false // the other node acts
	}
	st.CurrentEpoch++
	me.ConfigEpoch = st.CurrentEpoch
	return true
}

// BumpEpochWithoutConsensus gives this node the greatest config epoch in the cluster
// unless it already has it alone, without asking the other masters (Redis's
// clusterBumpConfigEpochWithoutConsensus: CLUSTER SETSLOT NODE at the end of an
// import, CLUSTER FAILOVER TAKEOVER). It reports whether the epoch changed.
func (st *State) BumpEpochWithoutConsensus() bool {
	max := st.MaxEpoch()
	me := st.Myself
	if me.ConfigEpoch != 0 && me.ConfigEpoch == max {
		return false
	}
	st.CurrentEpoch++
	me.ConfigEpoch = st.CurrentEpoch
	return true
}

// SetMaster makes this node a replica of m (CLUSTER REPLICATE, or following a master
// that took our slots): its own migrations end, as in Redis's clusterSetMaster.
func (st *State) SetMaster(m *Node) {
	me := st.Myself
	if me.IsMaster() {
		me.Flags = me.Flags&^FlagMaster | FlagReplica
		for s := 0; s < Count; s++ {
			st.Migrating[s], st.Importing[s] = nil, nil
		}
	}
	me.MasterID = m.ID
}

// BecomeMaster turns this replica into a master (after a won failover election or
// CLUSTER FAILOVER): it takes over all of its old master's slots with epoch, which
// the caller obtained (from the election, or BumpEpochWithoutConsensus).
func (st *State) BecomeMaster(epoch uint64) {
	me := st.Myself
	old := st.Nodes[me.MasterID]
	me.Flags = me.Flags&^FlagReplica | FlagMaster
	me.MasterID = ""
	me.ConfigEpoch = epoch
	st.ObserveCurrentEpoch(epoch)
	if old == nil {
		return
	}
	for s := 0; s < Count; s++ {
		if st.Owner[s] == old {
			st.SetOwner(s, me)
		}
	}
}

// demoteMaster takes the slots of old, a master that now announces itself a
// replica of succ (nil: unknown), when its announcement arrives.
//
// In a failover of its shard old follows the replica that replaced it, and it
// learned of the failover from that node's claim; but that claim may reach us
// after old's announcement (claims are gossiped, and fetched by request when
// only their digest is known). Redis 7.0 unbinds old's slots here
// (clusterDelNodeSlots on "master turned into a slave") and lives with the
// cluster being down until the claim comes, a window its new master's PONG to
// every node makes rare; keygrid's gossip made it 2-1000 ms, a CLUSTERDOWN on
// every node it reached (issue #7). As Redis 7.2 (clusterMoveNodeSlots on a
// failover in the sender's shard), the slots go to the successor instead, made
// a master: it is their owner, and its claim, when it arrives, changes
// nothing. The successor is old's replica, or a master we know no slot of
// (its claim not arrived yet: a master with slots is another shard, to which
// old would not give its slots by turning replica). It gets old's config
// epoch, the one it holds the slots by in our view: its own greater one
// comes with its claim, and any newer claim than old's still wins them.
// Otherwise the slots are unassigned until their owner claims them.
func (st *State) demoteMaster(old, succ *Node) {
	handOver := succ != nil && succ != st.Myself && succ != old &&
		(succ.IsReplica() && succ.MasterID == old.ID || succ.IsMaster() && succ.Slots.Len() == 0)
	if handOver && old.Slots.Len() > 0 {
		succ.Flags = succ.Flags&^FlagReplica | FlagMaster
		succ.MasterID = ""
		succ.ConfigEpoch = max(succ.ConfigEpoch, old.ConfigEpoch)
	} else {
		succ = nil
	}
	for s := 0; s < Count; s++ {
		if st.Owner[s] == old {
			st.SetOwner(s, succ)
		}
	}
}
