package slots

import "testing"

// cluster3 returns myself's state of a 3-master cluster, each master with a
// third of the slots and config epochs 1, 2, 3, plus a replica of master a (myself).
func cluster3(t *testing.T) (st *State, a, b, c, r *Node) {
	t.Helper()
	st = NewState("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	a = st.Myself
	a.ConfigEpoch = 1
	b = &Node{ID: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", Flags: FlagMaster, ConfigEpoch: 2}
	c = &Node{ID: "cccccccccccccccccccccccccccccccccccccccc", Flags: FlagMaster, ConfigEpoch: 3}
	r = &Node{ID: "dddddddddddddddddddddddddddddddddddddddd", Flags: FlagReplica, MasterID: a.ID}
	for _, n := range []*Node{b, c, r} {
		st.AddNode(n)
	}
	for s := 0; s < Count; s++ {
		switch {
		case s <= 5460:
			st.SetOwner(s, a)
		case s <= 10922:
			st.SetOwner(s, b)
		default:
			st.SetOwner(s, c)
		}
	}
	st.CurrentEpoch = 3
	return
}

func TestApplyClaimHigherEpochWins(t *testing.T) {
	st, a, b, _, _ := cluster3(t)
	var claim Bitmap
	claim.Set(0)
	claim.Set(5461) // b's own slot: nothing changes
	// b claims slot 0 with an epoch not greater than a's: refused.
	b.ConfigEpoch = 1
	if res := st.ApplyClaim(b, 1, &claim, nil, true); res.Changed || st.Owner[0] != a {
		t.Fatalf("equal epoch took the slot: %+v owner %s", res, st.Owner[0].ID)
	}
	// With a greater epoch it wins, and a's key in slot 0 makes the slot dirty.
	b.ConfigEpoch = 4
	res := st.ApplyClaim(b, 4, &claim, func(s int) bool { return s == 0 }, true)
	if !res.Changed || st.Owner[0] != b || a.Slots.Has(0) || !b.Slots.Has(0) {
		t.Fatalf("greater epoch did not take the slot: %+v", res)
	}
	if len(res.DirtySlots) != 1 || res.DirtySlots[0] != 0 || res.FollowMaster != nil {
		t.Fatalf("dirty slots %v follow %v", res.DirtySlots, res.FollowMaster)
	}
}

func TestApplyClaimImportingIsLeftAlone(t *testing.T) {
	st, _, b, c, _ := cluster3(t)
	st.Importing[6000] = b
	var claim Bitmap
	claim.Set(6000)
	if res := st.ApplyClaim(c, 10, &claim, nil, true); res.Changed || st.Owner[6000] != b {
		t.Fatal("a claim rebound a slot being imported")
	}
}

func TestApplyClaimFailoverMakesOldMasterFollow(t *testing.T) {
	_, a, _, _, r := cluster3(t)
	// r (a's replica) won an election with epoch 4 and claims all of a's slots.
	r.Flags, r.MasterID, r.ConfigEpoch = FlagMaster, "", 4
	var claim Bitmap
	for s := 0; s <= 5460; s++ {
		claim.Set(s)
	}
	for _, allow := range []bool{false, true} {
		st2, _, _, _, _ := cluster3(t)
		r2 := st2.Node(r.ID)
		*r2 = *r
		r2.Slots = Bitmap{}
		res := st2.ApplyClaim(r2, 4, &claim, func(int) bool { return true }, allow)
		if res.FollowMaster != r2 || res.DirtySlots != nil {
			t.Fatalf("allow=%v: the failed-over master must follow the new one: %+v", allow, res)
		}
	}
	_ = a
}

func TestApplyClaimReshardOfLastSlot(t *testing.T) {
	// b takes all of a's slots by resharding (a claim that also holds b's own
	// slots): a follows b only with cluster-allow-replica-migration.
	for _, allow := range []bool{false, true} {
		st, _, b, _, _ := cluster3(t)
		var claim Bitmap
		for s := 0; s <= 10922; s++ {
			claim.Set(s)
		}
		res := st.ApplyClaim(b, 5, &claim, nil, allow)
		if (res.FollowMaster == b) != allow {
			t.Fatalf("allow=%v: follow=%v", allow, res.FollowMaster)
		}
	}
}

func TestApplyClaimOwnClaimIgnored(t *testing.T) {
	st, a, _, _, _ := cluster3(t)
	var claim Bitmap
	claim.Set(7000)
	if res := st.ApplyClaim(a, 99, &claim, nil, true); res.Changed {
		t.Fatal("our own claim changed our view")
	}
}

func TestHandleEpochCollision(t *testing.T) {
	st, a, b, _, _ := cluster3(t)
	b.ConfigEpoch = a.ConfigEpoch
	// a's id is smaller than b's: a moves to a new epoch, b stays.
	if !st.HandleEpochCollision(b) || a.ConfigEpoch != 4 || st.CurrentEpoch != 4 {
		t.Fatalf("a (smaller id) did not take a new epoch: %d/%d", a.ConfigEpoch, st.CurrentEpoch)
	}
	// Seen from b, the same collision is a's to resolve.
	stB := NewState(b.ID)
	stB.Myself.ConfigEpoch = 7
	other := &Node{ID: a.ID, Flags: FlagMaster, ConfigEpoch: 7}
	stB.AddNode(other)
	if stB.HandleEpochCollision(other) || stB.Myself.ConfigEpoch != 7 {
		t.Fatal("the node with the greater id acted")
	}
}

func TestBumpEpochWithoutConsensus(t *testing.T) {
	st, a, _, _, _ := cluster3(t)
	if !st.BumpEpochWithoutConsensus() || a.ConfigEpoch != 4 || st.CurrentEpoch != 4 {
		t.Fatalf("bump: %d/%d", a.ConfigEpoch, st.CurrentEpoch)
	}
	if st.BumpEpochWithoutConsensus() {
		t.Fatal("second bump with the greatest epoch already held")
	}
}

func TestBecomeMasterTakesOldMastersSlots(t *testing.T) {
	st, a, _, _, r := cluster3(t)
	// Seen from r: r is myself, a replica of a.
	st.Myself.Flags &^= FlagMyself
	r.Flags |= FlagMyself
	st.Myself = r
	st.BecomeMaster(5)
	if !r.IsMaster() || r.MasterID != "" || r.ConfigEpoch != 5 || st.CurrentEpoch != 5 {
		t.Fatalf("r: %+v", r)
	}
	if st.Owner[0] != r || a.Slots.Len() != 0 || r.Slots.Len() != 5461 {
		t.Fatal("slots not taken over")
	}
	st.SetMaster(a)
	if !r.IsReplica() || r.MasterID != a.ID {
		t.Fatal("SetMaster")
	}
}
