package slots

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// applyClaimBySlot is ApplyClaim as it was written first, one slot at a time
// (Redis's clusterUpdateSlotsConfigWith loop): the reference for the
// word-by-word version.
func applyClaimBySlot(st *State, sender *Node, senderEpoch uint64, claimed *Bitmap, hasKeys func(int) bool, allowReplicaMigration bool) ClaimResult {
	var res ClaimResult
	if sender == st.Myself {
		return res
	}
	cur := st.Myself
	if st.Myself.IsReplica() && st.Myself.MasterID != "" {
		if m := st.Nodes[st.Myself.MasterID]; m != nil {
			cur = m
		}
	}
	movedOurs, senderSlots := 0, 0
	for s := 0; s < Count; s++ {
		if !claimed.Has(s) {
			continue
		}
		senderSlots++
		owner := st.Owner[s]
		if owner == sender || st.Importing[s] != nil || owner != nil && owner.ConfigEpoch >= senderEpoch {
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
	switch {
	case movedOurs > 0 && cur.Slots.Len() == 0 && (allowReplicaMigration || senderSlots == movedOurs):
		res.FollowMaster = sender
		res.DirtySlots = nil
	case st.Myself.IsReplica() && cur != st.Myself && cur.IsReplica() && cur.MasterID != "":
		if m := st.Nodes[cur.MasterID]; m != nil {
			res.FollowMaster = m
		}
	}
	return res
}

// randomClaimState builds the same random cluster twice (one per
// implementation): five masters with random epochs sharing the slots in
// random runs, some unassigned and importing slots, myself a master or a
// replica of the first.
func randomClaimState(seed int64) (*State, []*Node) {
	r := rand.New(rand.NewSource(seed))
	st := NewState(strings.Repeat("0", 40))
	nodes := []*Node{st.Myself}
	for i := 1; i < 5; i++ {
		n := &Node{ID: strings.Repeat(string(rune('0'+i)), 40), Flags: FlagMaster, ConfigEpoch: uint64(r.Intn(6))}
		st.AddNode(n)
		nodes = append(nodes, n)
	}
	st.Myself.ConfigEpoch = uint64(r.Intn(6))
	if r.Intn(3) == 0 {
		st.Myself.Flags = FlagReplica
		st.Myself.MasterID = nodes[1].ID
	}
	for s := 0; s < Count; {
		run := 1 + r.Intn(3000)
		var owner *Node
		if r.Intn(8) != 0 {
			owner = nodes[r.Intn(len(nodes))]
		}
		for ; run > 0 && s < Count; run, s = run-1, s+1 {
			st.SetOwner(s, owner)
		}
	}
	for i := 0; i < r.Intn(20); i++ {
		st.Importing[r.Intn(Count)] = nodes[r.Intn(len(nodes))]
	}
	return st, nodes
}

func TestApplyClaimWordsMatchesSlotBySlot(t *testing.T) {
	for seed := int64(0); seed < 200; seed++ {
		a, an := randomClaimState(seed)
		b, bn := randomClaimState(seed)
		r := rand.New(rand.NewSource(seed * 7919))
		sender := r.Intn(len(an))
		epoch := uint64(r.Intn(8))
		var claimed Bitmap
		switch r.Intn(3) {
		case 0: // what sender owns already: the usual header
			claimed = an[sender].Slots
		case 1: // its slots and a random run more
			claimed = an[sender].Slots
			lo := r.Intn(Count)
			for s := lo; s < min(Count, lo+r.Intn(4000)); s++ {
				claimed.Set(s)
			}
		default: // random bits
			for i := 0; i < r.Intn(5000); i++ {
				claimed.Set(r.Intn(Count))
			}
		}
		keys := func(s int) bool { return s%3 == 0 }
		allow := r.Intn(2) == 0
		c1 := claimed
		got := a.ApplyClaim(an[sender], epoch, &c1, keys, allow)
		c2 := claimed
		want := applyClaimBySlot(b, bn[sender], epoch, &c2, keys, allow)
		if got.Changed != want.Changed || !reflect.DeepEqual(got.DirtySlots, want.DirtySlots) ||
			(got.FollowMaster == nil) != (want.FollowMaster == nil) ||
			got.FollowMaster != nil && got.FollowMaster.ID != want.FollowMaster.ID {
			t.Fatalf("seed %d: got %+v, want %+v", seed, got, want)
		}
		for s := 0; s < Count; s++ {
			if (a.Owner[s] == nil) != (b.Owner[s] == nil) || a.Owner[s] != nil && a.Owner[s].ID != b.Owner[s].ID {
				t.Fatalf("seed %d: slot %d owned by %v, want %v", seed, s, a.Owner[s], b.Owner[s])
			}
		}
	}
}

func BenchmarkApplyClaimUnchanged(b *testing.B) {
	st, nodes := randomClaimState(1)
	claimed := nodes[2].Slots
	for b.Loop() {
		st.ApplyClaim(nodes[2], nodes[2].ConfigEpoch, &claimed, nil, true)
	}
}
