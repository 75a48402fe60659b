package slots

import "testing"

const (
	idA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	idB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	idM = "1111111111111111111111111111111111111111"
)

func rangeBitmap(lo, hi int) Bitmap {
	var b Bitmap
	for s := lo; s <= hi; s++ {
		b.Set(s)
	}
	return b
}

// A ping's header adds an unknown node, its claim and the current epoch it saw
// (Redis's clusterProcessPacket on a node's first pong).
func TestApplyMetaNewNode(t *testing.T) {
	st := NewState(idM)
	eff := st.ApplyMeta(NodeMeta{ID: idA, IP: "10.0.0.1", Port: 7000, CPort: 17000, Flags: FlagMaster,
		ConfigEpoch: 3, CurrentEpoch: 5, Slots: rangeBitmap(0, 99)}, nil, true)
	if !eff.Save || !eff.UpdateState {
		t.Fatalf("effects %+v", eff)
	}
	a := st.Node(idA)
	if a == nil || a.Addr() != "10.0.0.1:7000@17000" || !a.IsMaster() || a.ConfigEpoch != 3 {
		t.Fatalf("node %+v", a)
	}
	if st.CurrentEpoch != 5 || st.Owner[0] != a || st.Owner[99] != a || st.Owner[100] != nil {
		t.Fatalf("epoch %d owners %v %v %v", st.CurrentEpoch, st.Owner[0], st.Owner[99], st.Owner[100])
	}
	// The same header again changes nothing.
	if eff := st.ApplyMeta(st.MetaOf(a), nil, true); eff.Save || eff.UpdateState {
		t.Fatalf("repeated meta: %+v", eff)
	}
	// Our own meta coming back is ignored.
	if eff := st.ApplyMeta(NodeMeta{ID: idM, Flags: FlagReplica}, nil, true); eff.Save || !st.Myself.IsMaster() {
		t.Fatalf("own meta applied: %+v", eff)
	}
}

// Cluster spec, "Replica migration" / failover: a replica that took its master's
// slots with a greater config epoch wins them; a node that had keys in a slot it
// lost to another master reports it dirty.
func TestApplyMetaFailoverAndDirtySlots(t *testing.T) {
	st := NewState(idM)
	for s := 0; s < 10; s++ {
		st.SetOwner(s, st.Myself)
	}
	st.Myself.ConfigEpoch = 1
	st.ApplyMeta(NodeMeta{ID: idA, Flags: FlagMaster, ConfigEpoch: 2, Slots: rangeBitmap(10, 19)}, nil, true)
	st.ApplyMeta(NodeMeta{ID: idB, Flags: FlagReplica, MasterID: idA, ConfigEpoch: 2}, nil, true)
	if b := st.Node(idB); !b.IsReplica() || b.MasterID != idA {
		t.Fatalf("replica %+v", b)
	}
	// B fails over A: it claims 10-19 with epoch 3.
	eff := st.ApplyMeta(NodeMeta{ID: idB, Flags: FlagMaster, ConfigEpoch: 3, CurrentEpoch: 3, Slots: rangeBitmap(10, 19)}, nil, true)
	if !eff.UpdateState || st.Owner[10] != st.Node(idB) || st.Owner[19] != st.Node(idB) {
		t.Fatalf("failover not applied: %+v owner %v", eff, st.Owner[10])
	}
	// A comes back as B's replica: its old claim (lower epoch) does not matter.
	st.ApplyMeta(NodeMeta{ID: idA, Flags: FlagReplica, MasterID: idB, ConfigEpoch: 2, CurrentEpoch: 3}, nil, true)
	if st.Node(idA).IsMaster() || st.Owner[10] != st.Node(idB) {
		t.Fatal("old master still owns slots")
	}
	// B takes slot 5, where we hold keys: dirty. We keep other slots: no follow.
	eff = st.ApplyMeta(NodeMeta{ID: idB, Flags: FlagMaster, ConfigEpoch: 4, CurrentEpoch: 4, Slots: func() Bitmap {
		b := rangeBitmap(10, 19)
		b.Set(5)
		return b
	}()}, func(s int) bool { return s == 5 }, true)
	if len(eff.DirtySlots) != 1 || eff.DirtySlots[0] != 5 || eff.FollowMaster != nil {
		t.Fatalf("dirty slots %+v", eff)
	}
	// B takes all our remaining slots: we follow it.
	eff = st.ApplyMeta(NodeMeta{ID: idB, Flags: FlagMaster, ConfigEpoch: 5, CurrentEpoch: 5, Slots: rangeBitmap(0, 19)}, nil, true)
	if eff.FollowMaster != st.Node(idB) {
		t.Fatalf("no follow: %+v", eff)
	}
}

// Two masters with the same config epoch: the one with the smaller id moves on
// (Redis's clusterHandleConfigEpochCollision), and must gossip it.
func TestApplyMetaEpochCollision(t *testing.T) {
	st := NewState(idM) // "1111..." < "aaaa...": we are the one that bumps
	st.Myself.ConfigEpoch, st.CurrentEpoch = 4, 4
	eff := st.ApplyMeta(NodeMeta{ID: idA, Flags: FlagMaster, ConfigEpoch: 4, CurrentEpoch: 4}, nil, true)
	if !eff.Broadcast || st.Myself.ConfigEpoch != 5 || st.CurrentEpoch != 5 {
		t.Fatalf("collision: %+v my epoch %d current %d", eff, st.Myself.ConfigEpoch, st.CurrentEpoch)
	}
}

func TestEffectsMerge(t *testing.T) {
	var e Effects
	n := &Node{ID: idA}
	e.Merge(Effects{Save: true, DirtySlots: []int{1}})
	e.Merge(Effects{Fsync: true, FollowMaster: n, DirtySlots: []int{2}})
	if !e.Save || !e.Fsync || e.UpdateState || e.FollowMaster != n || len(e.DirtySlots) != 2 {
		t.Fatalf("%+v", e)
	}
}

// A replica's header naming a master the receiver does not know (forgotten,
// or not heard of yet) adds no node: Redis's clusterProcessPacket looks
// hdr->slaveof up and does nothing if it is unknown, so CLUSTER NODES shows
// the replica as "slave -" (or with the master it had). Once the master is
// known, the replica follows it (Redis: at the replica's next ping).
func TestApplyMetaUnknownMasterAddsNoNode(t *testing.T) {
	st := NewState(idM)
	st.ApplyMeta(NodeMeta{ID: idA, Flags: FlagMaster, ConfigEpoch: 1, Slots: rangeBitmap(0, 9)}, nil, true)
	st.ApplyMeta(NodeMeta{ID: idB, Flags: FlagReplica, MasterID: idA, ConfigEpoch: 1}, nil, true)
	if b := st.Node(idB); b.MasterID != idA {
		t.Fatalf("replica %+v", b)
	}
	// CLUSTER FORGET A: B loses its master.
	st.DelNode(st.Node(idA))
	b := st.Node(idB)
	if b.MasterID != "" {
		t.Fatalf("replica of the forgotten master: %q", b.MasterID)
	}
	// B keeps naming A (and announces a change): nothing is added.
	eff := st.ApplyMeta(NodeMeta{ID: idB, Hostname: "b.example", Flags: FlagReplica, MasterID: idA, ConfigEpoch: 1}, nil, true)
	if st.Node(idA) != nil || len(st.Nodes) != 2 {
		t.Fatalf("the forgotten master is back: %+v", st.Node(idA))
	}
	if got := st.DescribeFor(b, false); got != "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb :0@0,b.example slave - 0 0 1 connected" {
		t.Fatalf("replica line %q", got)
	}
	if eff.UpdateState {
		t.Fatalf("effects %+v", eff)
	}
	// The same meta again changes nothing.
	if eff := st.ApplyMeta(NodeMeta{ID: idB, Hostname: "b.example", Flags: FlagReplica, MasterID: idA, ConfigEpoch: 1}, nil, true); eff.Save || eff.UpdateState {
		t.Fatalf("repeated meta: %+v", eff)
	}
	// A master turned replica of an unknown master loses its slots, names no master.
	eff = st.ApplyMeta(NodeMeta{ID: idA, Flags: FlagMaster, ConfigEpoch: 2, Slots: rangeBitmap(0, 9)}, nil, true)
	if a := st.Node(idA); a == nil || b.MasterID != idA || !eff.Save {
		t.Fatalf("A learned again: %+v, B's master %q", a, b.MasterID)
	}
	const idX = "cccccccccccccccccccccccccccccccccccccccc"
	st.ApplyMeta(NodeMeta{ID: idA, Flags: FlagReplica, MasterID: idX, ConfigEpoch: 2}, nil, true)
	if a := st.Node(idA); !a.IsReplica() || a.MasterID != "" || st.Owner[0] != nil || st.Node(idX) != nil {
		t.Fatalf("A %+v owner %v X %v", a, st.Owner[0], st.Node(idX))
	}
	// B, a replica of A, naming an unknown master keeps A (Redis keeps slaveof).
	st.ApplyMeta(NodeMeta{ID: idB, Hostname: "b.example", Flags: FlagReplica, MasterID: idX, ConfigEpoch: 1}, nil, true)
	if b.MasterID != idA || st.Node(idX) != nil {
		t.Fatalf("B's master %q, X %v", b.MasterID, st.Node(idX))
	}
	// X is learned: A and B follow it.
	st.ApplyMeta(NodeMeta{ID: idX, Flags: FlagMaster, ConfigEpoch: 3}, nil, true)
	if st.Node(idA).MasterID != idX || b.MasterID != idX {
		t.Fatalf("masters after X is known: A %q, B %q", st.Node(idA).MasterID, b.MasterID)
	}
}

// A gossiped meta (a dead node met only in the others' state) adds the node
// as Redis's clusterProcessGossipSection does: id, address and role, no
// master, epoch or slots; a known node is left as it is. A replica that names
// it as master follows it (Redis: at the replica's next ping).
func TestApplyMetaGossiped(t *testing.T) {
	st := NewState(idM)
	st.ApplyMeta(NodeMeta{ID: idA, Flags: FlagMaster, ConfigEpoch: 1, Slots: rangeBitmap(0, 9)}, nil, true)
	eff := st.ApplyMeta(NodeMeta{ID: idB, IP: "10.0.0.2", Port: 7001, CPort: 17001, Flags: FlagReplica,
		MasterID: idA, ConfigEpoch: 4, CurrentEpoch: 9, Gossiped: true}, nil, true)
	b := st.Node(idB)
	if b == nil || !eff.Save || b.MasterID != "" || b.ConfigEpoch != 0 || st.CurrentEpoch == 9 || b.Connected {
		t.Fatalf("gossiped node %+v, effects %+v, current epoch %d", b, eff, st.CurrentEpoch)
	}
	if got := st.DescribeFor(b, false); got != idB+" 10.0.0.2:7001@17001 slave - 0 0 0 disconnected" {
		t.Fatalf("line %q", got)
	}
	// Known: a gossiped meta changes nothing.
	if eff := st.ApplyMeta(NodeMeta{ID: idA, Flags: FlagReplica, Gossiped: true}, nil, true); eff.Save || !st.Node(idA).IsMaster() {
		t.Fatalf("known node changed: %+v", eff)
	}
	// A gossiped master: its named replicas follow it.
	const idX = "cccccccccccccccccccccccccccccccccccccccc"
	st.ApplyMeta(NodeMeta{ID: idB, IP: "10.0.0.2", Port: 7001, CPort: 17001, Flags: FlagReplica, MasterID: idX}, nil, true)
	st.ApplyMeta(NodeMeta{ID: idX, IP: "10.0.0.3", Port: 7002, CPort: 17002, Flags: FlagMaster, Gossiped: true}, nil, true)
	if b.MasterID != idX || st.Node(idX).Slots.Len() != 0 {
		t.Fatalf("B's master %q", b.MasterID)
	}
}
