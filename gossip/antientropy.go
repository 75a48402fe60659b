package gossip

// Thinning memberlist's periodic push/pull so that a node's gossip cost stays
// flat as the cluster grows.
//
// memberlist's anti-entropy is a push/pull: every PushPullInterval a node opens
// a stream to one random member and both send their whole member list (about
// 115 bytes a member each way here: address, incarnation and our node meta).
// One exchange costs O(N) bytes, and every node starts one per interval, so each
// node's share is O(N) and the cluster's O(N²): at 30 nodes it was two thirds
// of what an idle node sent (docs/benchmarks.md, session 11). memberlist reads
// the interval once at start and stretches it only by log2(N/32) above 32
// members. A flat cost needs the interval to grow like N; memberlist has no knob
// for that, so the transport declines all but one in pushPullEvery(N), at
// random, of the periodic exchanges a node starts (a Join's exchange, the TCP fallback of a probe and
// the bus's own links are never declined). With pushPullPeers members or fewer
// nothing changes; with N members a node starts an exchange about every
// PushPullInterval x N / pushPullPeers.
//
// Anti-entropy only repairs what gossip missed (memberlist's alive, suspect and
// dead messages, our headers broadcast on change); failure detection and slot
// claims never wait for it. A declined exchange costs nothing but one line of
// memberlist's log, which zapWriter turns into a debug entry.

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
)

// pushPullPeers is the cluster size up to which every periodic push/pull goes
// out: the cost per node of a 10-node cluster is the flat level kept above it.
const pushPullPeers = 10

// memberlistPushPull is the function memberlist's push/pull ticker calls (not
// Join, which calls pushPullNode directly). TestPushPullThinned fails if a
// memberlist upgrade renames it: the exchanges would then all go out again.
const memberlistPushPull = "github.com/hashicorp/memberlist.(*Memberlist).pushPull"

var errPushPullThinned = errors.New("gossip: periodic push/pull declined (thinned for cluster size)")

// pushPullGate decides which periodic exchanges go out.
type pushPullGate struct {
	members func() int // alive members, myself included
	// tried and sent count periodic exchanges started and let through.
	tried, sent atomic.Int64
}

// admit reports whether this periodic exchange goes out: each does with
// probability 1/pushPullEvery(n). A coin, not every k-th: nodes started
// together tick in step, and a counter would let them all exchange in the
// same period and none in the next ones (seen at 100 nodes: 8 exchanges in a
// minute instead of 67).
func (g *pushPullGate) admit() bool {
	g.tried.Add(1)
	if every := pushPullEvery(g.members()); every > 1 && rand.IntN(every) != 0 {
		return false
	}
	g.sent.Add(1)
	return true
}

// pushPullEvery is how many of memberlist's periodic exchanges make one that
// goes out with n members: the wanted period (PushPullInterval x
// n/pushPullPeers) over memberlist's own (PushPullInterval, times
// ceil(log2(n) - log2(32)) + 1 above 32 members: its pushPullScale).
func pushPullEvery(n int) int {
	if n <= pushPullPeers {
		return 1
	}
	scale := 1.0
	if n > 32 {
		scale = math.Ceil(math.Log2(float64(n))-5) + 1
	}
	return max(1, int(math.Round(float64(n)/pushPullPeers/scale)))
}

// fromPeriodicPushPull reports whether the calling goroutine is memberlist's
// push/pull ticker (it looks for memberlistPushPull on the stack; dials are
// rare, a few a minute, so the walk costs nothing that matters).
func fromPeriodicPushPull() bool {
	var pcs [24]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs[:])])
	for {
		f, more := frames.Next()
		if f.Function == memberlistPushPull {
			return true
		}
		if !more {
			return false
		}
	}
}
