package replication

import "testing"

// window holds the offsets from first through last.
type window struct{ first, last int64 }

func (w window) Contains(off int64) bool { return off >= w.first && off <= w.last }

// Redis 7.0's masterTryPartialResynchronization cases.
func TestDecide(t *testing.T) {
	id, id2 := NewID(), NewID()
	b := window{1051, 1151} // a backlog holding offsets 1051..1150 (and the next one)
	h := History{ID: id, ID2: id2, SecondOffset: 1101}
	for _, tc := range []struct {
		id   string
		off  int64
		want Verdict
	}{
		{"?", -1, FullRequested},
		{NewID(), 1100, IDMismatch},
		{id, 1151, Continue},
		{id, 1051, Continue},
		{id, 1050, NoBacklog},
		{id, 1152, NoBacklog},
		{id2, 1101, Continue},
		{id2, 1102, PastSecondID},
		{NoID, 1100, IDMismatch},
	} {
		if got := Decide(h, tc.id, tc.off, b); got != tc.want {
			t.Errorf("PSYNC %s %d: %v, want %v", tc.id, tc.off, got, tc.want)
		}
	}
	if got := Decide(History{ID: id, ID2: NoID, SecondOffset: -1}, id, 1, nil); got != NoBacklog {
		t.Errorf("no backlog: %v", got)
	}
}
