package slots

// The data that crosses between the engine (which owns the one State, on its loop)
// and the cluster bus (gossip/, which talks to other nodes). Both sides import
// slots and neither imports the other (node wires them), so the shared types live
// here. The contract itself, the ClusterBus interface and the engine's callback
// methods, is in engine/cluster_bus.go.

// NodeMeta is what a node announces about itself: the fields of a Redis Cluster
// ping/pong header that describe the sender. The bus may carry it in pieces (a
// compact memberlist meta plus claim broadcasts) but hands it to the engine whole.
type NodeMeta struct {
	ID   string
	IP   string // announced address (cluster-announce-ip, or the bus's source address)
	Port int    // client port (cluster-announce-port or port; with tls-cluster, the TLS port)
	// PPort is the plaintext client port of a node of a TLS cluster (tls-cluster
	// yes: Port is then its TLS port), 0 otherwise (Redis's pport).
	PPort    int
	CPort    int    // bus port (cluster-announce-bus-port or cluster-port)
	Hostname string // cluster-announce-hostname, "" if none
	// Flags: the role (FlagMaster or FlagReplica) and FlagNoFailover; the other
	// flags (PFail, Fail, Handshake, ...) are the receiver's view, never announced.
	Flags        NodeFlags
	MasterID     string // for replicas
	ConfigEpoch  uint64
	CurrentEpoch uint64
	// Slots is the claim: the slots the node serves as a master (empty for
	// replicas: a replica's claim is its master's).
	Slots Bitmap
	// ReplOffset is the replication offset (master: what it produced; replica:
	// what it processed), for failover ranking and manual failover.
	ReplOffset int64
	// MFPaused is set by a master that paused its clients for a manual failover
	// requested by one of its replicas (Redis's CLUSTERMSG_FLAG0_PAUSED).
	MFPaused bool
	// Alone is set by a node that knows no other node: a soft CLUSTER RESET
	// and no CLUSTER MEET since. A reset Redis node pings nobody, so no node
	// that forgot it (redis-cli --cluster del-node's CLUSTER FORGET) or never
	// knew it learns it again; ApplyMeta updates it only where it is known.
	Alone bool
	// Gossiped is set on what other nodes say of a node myself never heard
	// from: a node a majority of the masters report failing, met only in
	// their state (a dead replica, for a node that joins after it died).
	// Redis's clusterProcessGossipSection adds an unknown node that a known
	// one gossips about with what the gossip section carries: the id, the
	// address and the flags, no master, config epoch or slots. ApplyMeta
	// takes it for an unknown node only, and leaves MasterID (the master the
	// node's own header named) out: the engine reads it (migration targets).
	Gossiped bool
}

// MetaOf returns n's announced meta with the state's current epoch.
func (st *State) MetaOf(n *Node) NodeMeta {
	return NodeMeta{
		ID: n.ID, IP: n.IP, Port: n.Port, PPort: n.PPort, CPort: n.CPort, Hostname: n.Hostname,
		Flags:       n.Flags & (FlagMaster | FlagReplica | FlagNoFailover),
		MasterID:    n.MasterID,
		ConfigEpoch: n.ConfigEpoch, CurrentEpoch: st.CurrentEpoch,
		Slots: n.Slots,
	}
}

// Effects tell the engine what must follow a change of the State (Redis's
// clusterDoBeforeSleep flags plus the side effects of clusterUpdateSlotsConfigWith).
type Effects struct {
	Save bool // rewrite nodes.conf before the next sleep (CLUSTER_TODO_SAVE_CONFIG)
	// Fsync: save and fsync now, before anything is sent (a vote: lastVoteEpoch must
	// be on disk before the ack leaves).
	Fsync       bool
	UpdateState bool // recompute cluster_state (CLUSTER_TODO_UPDATE_STATE)
	// Broadcast: myself's meta or claim changed; the bus must gossip it soon.
	Broadcast bool
	// DirtySlots are slots whose keys this node must delete (it lost them).
	DirtySlots []int
	// FollowMaster: myself must become a replica of this node (replication
	// re-points to it).
	FollowMaster *Node
}

// Merge adds o's effects to e.
func (e *Effects) Merge(o Effects) {
	e.Save = e.Save || o.Save
	e.Fsync = e.Fsync || o.Fsync
	e.UpdateState = e.UpdateState || o.UpdateState
	e.Broadcast = e.Broadcast || o.Broadcast
	e.DirtySlots = append(e.DirtySlots, o.DirtySlots...)
	if o.FollowMaster != nil {
		e.FollowMaster = o.FollowMaster
	}
}

// ApplyMeta merges what node m.ID announced into the state, as Redis's
// clusterProcessPacket does with a ping/pong header: the node is added if new,
// its address, role and master are updated, the current epoch observed, config
// epoch collisions resolved, and a master's claim applied by config epoch
// (ApplyClaim). hasKeys and allowReplicaMigration are ApplyClaim's.
func (st *State) ApplyMeta(m NodeMeta, hasKeys func(slot int) bool, allowReplicaMigration bool) Effects {
	var eff Effects
	if m.ID == st.Myself.ID || !ValidID(m.ID) {
		return eff
	}
	n := st.Nodes[m.ID]
	if n == nil && m.Alone {
		return eff // heard only because the bus still reaches it: see Alone
	}
	if m.Gossiped {
		if n != nil {
			return eff // known: its own announcements say more
		}
		st.addNode(&Node{ID: m.ID, IP: m.IP, Port: m.Port, PPort: m.PPort, CPort: m.CPort,
			Flags: m.Flags & (FlagMaster | FlagReplica | FlagNoFailover)})
		eff.Save, eff.UpdateState = true, true
		return eff
	}
	if n == nil {
		n = &Node{ID: m.ID}
		st.addNode(n)
		eff.Save, eff.UpdateState = true, true
	}
	n.PPort = m.PPort // not in nodes.conf (as Redis's pport): no save
	if n.IP != m.IP || n.Port != m.Port || n.CPort != m.CPort || n.Hostname != m.Hostname {
		n.IP, n.Port, n.CPort, n.Hostname = m.IP, m.Port, m.CPort, m.Hostname
		n.Flags &^= FlagNoAddr
		eff.Save = true
	}
	if n.Flags&FlagHandshake != 0 {
		n.Flags &^= FlagHandshake
		eff.Save = true
	}
	n.Connected = true
	if before := st.CurrentEpoch; m.CurrentEpoch > before {
		st.ObserveCurrentEpoch(m.CurrentEpoch)
		eff.Save = true
	}
	role := m.Flags & (FlagMaster | FlagReplica | FlagNoFailover)
	if n.Flags&(FlagMaster|FlagReplica|FlagNoFailover) != role {
		if role&FlagReplica != 0 && n.IsMaster() {
			// A master turned replica: it serves no slot any more.
			st.demoteMaster(n, st.Nodes[m.MasterID])
		}
		n.Flags = n.Flags&^(FlagMaster|FlagReplica|FlagNoFailover) | role
		if role&FlagReplica == 0 {
			n.MasterID = "" // clusterSetNodeAsMaster: slaveof = NULL
		}
		eff.Save, eff.UpdateState = true, true
	}
	// The master a replica names is taken only if it is known: Redis's
	// clusterProcessPacket looks hdr->slaveof up (clusterLookupNode) and, if
	// it finds nothing, keeps the replica's slaveof as it was (NULL once its
	// master was forgotten: CLUSTER NODES shows "slave -") and creates no
	// node. An unknown master is learned like any node: a MEET, or a known
	// node's gossip about it; its replicas then follow it (above).
	n.namedMaster = m.MasterID
	if m.MasterID != "" && n.MasterID != m.MasterID && st.Nodes[m.MasterID] != nil {
		n.MasterID = m.MasterID
		eff.Save, eff.UpdateState = true, true
	}
	if n.ConfigEpoch != m.ConfigEpoch {
		n.ConfigEpoch = m.ConfigEpoch
		eff.Save = true
	}
	if n.IsMaster() {
		claimed := m.Slots
		res := st.ApplyClaim(n, m.ConfigEpoch, &claimed, hasKeys, allowReplicaMigration)
		if res.Changed {
			eff.Save, eff.UpdateState = true, true
		}
		eff.DirtySlots = res.DirtySlots
		eff.FollowMaster = res.FollowMaster
		if st.HandleEpochCollision(n) {
			eff.Save, eff.Broadcast = true, true
		}
	}
	return eff
}

// addNode adds n, learned from the bus. Replicas that named it while it was
// unknown follow it now, as a Redis node's replicas do at their next ping once
// it knows the master (here a replica's meta is not sent again unless it
// changes).
func (st *State) addNode(n *Node) {
	st.AddNode(n)
	for _, o := range st.Nodes {
		if o.namedMaster == n.ID && o.IsReplica() && o.MasterID != n.ID {
			o.MasterID = n.ID
		}
	}
}

// BusStats are the cluster bus counters and links the engine reports in CLUSTER
// INFO (cluster_stats_messages_<type>_sent/received) and CLUSTER LINKS.
type BusStats struct {
	// Sent and Received count messages per Redis message type name: "ping", "pong",
	// "meet", "fail", "publish", "publishshard", "auth-req", "auth-ack", "update",
	// "mfstart", "module". The bus maps its own messages onto these names so
	// tools reading CLUSTER INFO see familiar fields.
	Sent, Received map[string]int64
	Links          []Link
	// LinksBufferLimitExceeded counts links freed for exceeding
	// cluster-link-sendbuf-limit; LinksMemory is what the links take
	// (INFO's mem_cluster_links).
	LinksBufferLimitExceeded, LinksMemory int64
}

// Link is one row of CLUSTER LINKS.
type Link struct {
	Direction                           string // "to" or "from"
	Node                                string // the peer's id
	CreateTime                          int64  // unix ms
	Events                              string // "r", "w", "rw"
	SendBufferAllocated, SendBufferUsed int64
}
