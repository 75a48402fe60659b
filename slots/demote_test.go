package slots

import "testing"

const idC = "cccccccccccccccccccccccccccccccccccccccc"

// shardView is a third node's view of a shard: master A owns 10-19 with epoch
// 2, B is its replica; another master C owns 0-9 with epoch 1.
func shardView(t *testing.T, self string) *State {
	t.Helper()
	st := NewState(self)
	st.ApplyMeta(NodeMeta{ID: idC, Flags: FlagMaster, ConfigEpoch: 1, CurrentEpoch: 2, Slots: rangeBitmap(0, 9)}, nil, true)
	st.ApplyMeta(NodeMeta{ID: idA, Flags: FlagMaster, ConfigEpoch: 2, CurrentEpoch: 2, Slots: rangeBitmap(10, 19)}, nil, true)
	st.ApplyMeta(NodeMeta{ID: idB, Flags: FlagReplica, MasterID: idA, CurrentEpoch: 2}, nil, true)
	return st
}

// ownedBy reports whether every slot of lo-hi is owned by a master with id.
func ownedBy(st *State, lo, hi int, id string) bool {
	for s := lo; s <= hi; s++ {
		if o := st.Owner[s]; o == nil || o.ID != id || !o.IsMaster() {
			return false
		}
	}
	return true
}

// Issue #7: after B failed A over, A's announcement that it follows B can
// arrive before B's claim. The slots go to B, made a master (Redis 7.2's
// clusterMoveNodeSlots on a failover in the sender's shard), never unassigned;
// B's claim then changes no owner.
func TestApplyMetaDemotedMasterHandsSlotsToSuccessor(t *testing.T) {
	st := shardView(t, idM)
	eff := st.ApplyMeta(NodeMeta{ID: idA, Flags: FlagReplica, MasterID: idB, ConfigEpoch: 2, CurrentEpoch: 3}, nil, true)
	if !eff.Save || !eff.UpdateState {
		t.Fatalf("effects %+v", eff)
	}
	b := st.Node(idB)
	if !ownedBy(st, 10, 19, idB) || b.MasterID != "" || b.ConfigEpoch != 2 {
		t.Fatalf("B %+v owner of 10: %v", b, st.Owner[10])
	}
	if a := st.Node(idA); !a.IsReplica() || a.Slots.Len() != 0 {
		t.Fatalf("A %+v", a)
	}
	// B's claim with its new epoch: the owners stay, B's epoch is its own.
	eff = st.ApplyMeta(NodeMeta{ID: idB, Flags: FlagMaster, ConfigEpoch: 3, CurrentEpoch: 3, Slots: rangeBitmap(10, 19)}, nil, true)
	if !ownedBy(st, 10, 19, idB) || b.ConfigEpoch != 3 || eff.FollowMaster != nil || len(eff.DirtySlots) != 0 {
		t.Fatalf("after B's claim: %+v, B epoch %d", eff, b.ConfigEpoch)
	}
	// A later claim with a greater epoch still wins the slots from B.
	st.ApplyMeta(NodeMeta{ID: idC, Flags: FlagMaster, ConfigEpoch: 4, CurrentEpoch: 4, Slots: rangeBitmap(0, 10)}, nil, true)
	if st.Owner[10].ID != idC || !ownedBy(st, 11, 19, idB) {
		t.Fatalf("owner of 10 %s", st.Owner[10].ID)
	}
}

// B's meta as a master whose claim is not known yet (the bus delivers it
// empty) may come first: B, a master with no slot, is still A's successor.
func TestApplyMetaDemotedMasterSuccessorClaimUnknown(t *testing.T) {
	st := shardView(t, idM)
	st.ApplyMeta(NodeMeta{ID: idB, Flags: FlagMaster, ConfigEpoch: 3, CurrentEpoch: 3}, nil, true)
	if !ownedBy(st, 10, 19, idA) {
		t.Fatal("an empty claim took slots")
	}
	st.ApplyMeta(NodeMeta{ID: idA, Flags: FlagReplica, MasterID: idB, ConfigEpoch: 2, CurrentEpoch: 3}, nil, true)
	if !ownedBy(st, 10, 19, idB) || st.Node(idB).ConfigEpoch != 3 {
		t.Fatalf("owner of 10: %v, B epoch %d", st.Owner[10], st.Node(idB).ConfigEpoch)
	}
}

// A master that follows a master of another shard (one serving slots of its
// own) does not give it its slots: they are unassigned until their owner's
// claim comes, as in Redis.
func TestApplyMetaDemotedMasterOtherShard(t *testing.T) {
	st := shardView(t, idM)
	st.ApplyMeta(NodeMeta{ID: idA, Flags: FlagReplica, MasterID: idC, ConfigEpoch: 2, CurrentEpoch: 3}, nil, true)
	for s := 10; s < 20; s++ {
		if st.Owner[s] != nil {
			t.Fatalf("slot %d owned by %s", s, st.Owner[s].ID)
		}
	}
	if !ownedBy(st, 0, 9, idC) || !st.Node(idB).IsReplica() {
		t.Fatal("other shard changed")
	}
}

// A replica of A (a second one) sees its master follow B: B owns the slots at
// once, and B's next announcement makes the replica follow B (no chain of
// replicas), as when B's claim comes first.
func TestApplyMetaDemotedMasterOtherReplicaFollows(t *testing.T) {
	st := shardView(t, idM)
	st.SetMaster(st.Node(idA))
	st.ApplyMeta(NodeMeta{ID: idA, Flags: FlagReplica, MasterID: idB, ConfigEpoch: 2, CurrentEpoch: 3}, nil, true)
	if !ownedBy(st, 10, 19, idB) {
		t.Fatalf("owner of 10: %v", st.Owner[10])
	}
	eff := st.ApplyMeta(NodeMeta{ID: idB, Flags: FlagMaster, ConfigEpoch: 3, CurrentEpoch: 3, Slots: rangeBitmap(10, 19)}, nil, true)
	if eff.FollowMaster != st.Node(idB) {
		t.Fatalf("no follow: %+v", eff)
	}
}
