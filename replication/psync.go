package replication

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// IDLen is the length of a replication id (and of a diskless EOF mark): 40 hex
// characters (Redis's CONFIG_RUN_ID_SIZE, RDB_EOF_MARK_SIZE).
const IDLen = 40

// NoID is the replication id of "no secondary history" (Redis clears replid2 to
// forty zeros).
var NoID = strings.Repeat("0", IDLen)

// NewID returns a fresh random replication id.
func NewID() string {
	var b [IDLen / 2]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// History is what a node knows of its replication history (PSYNC2): its current
// id, and the id it had before its last promotion with the first offset that id
// is no longer valid for.
type History struct {
	ID  string
	ID2 string
	// SecondOffset is the first offset ID2 does not cover (Redis's
	// second_replid_offset: the old master_repl_offset+1), -1 when ID2 is NoID.
	SecondOffset int64
}

// Verdict is the outcome of a PSYNC request.
type Verdict int

const (
	// Continue: a partial resync from the backlog.
	Continue Verdict = iota
	// FullRequested: the replica asked for a full sync (replid "?").
	FullRequested
	// IDMismatch: neither of our ids is the replica's.
	IDMismatch
	// PastSecondID: the replica has our old id but asks beyond where it ended.
	PastSecondID
	// NoBacklog: the id matches but the backlog does not hold the offset.
	NoBacklog
)

// Window is what a backlog answers for the PSYNC decision: whether it still holds
// offset (the engine's is Redis 7.0's shared replication buffer, repl_buffer.go).
type Window interface {
	Contains(offset int64) bool
}

// Decide is the master's PSYNC decision (Redis's masterTryPartialResynchronization):
// the replica, which has every byte of history id before offset, may continue
// when id is our current id, or our previous one up to where it stopped being
// ours, and the backlog still holds offset. b may be nil (no backlog).
func Decide(h History, id string, offset int64, b Window) Verdict {
	// Redis compares ids case-insensitively.
	cur := strings.EqualFold(id, h.ID)
	old := !cur && h.ID2 != NoID && strings.EqualFold(id, h.ID2)
	switch {
	case id == "?":
		return FullRequested
	case !cur && !old:
		return IDMismatch
	case old && offset > h.SecondOffset:
		return PastSecondID
	case b == nil || !b.Contains(offset):
		return NoBacklog
	}
	return Continue
}
