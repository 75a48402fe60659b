package gossip

// fakeEngine stands in for engine.Server in the bus tests: one slots.State owned
// by one goroutine (its "loop", fed by submit, like the engine's mailbox), the
// engine's vote and election rules (engine/cluster.go: clusterVote,
// clusterReplicaFailoverCron), and records of what the bus delivered.

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keygrid/keygrid/slots"
)

type fakeEngine struct {
	st      *slots.State
	myself  atomic.Pointer[slots.NodeMeta]
	bus     atomic.Pointer[Bus]
	timeout time.Duration
	// linkLimit is cluster-link-sendbuf-limit (ClusterLinkSendbufLimit).
	linkLimit atomic.Int64

	qmu  sync.Mutex
	q    []func()
	wake chan struct{}
	quit chan struct{}
	done chan struct{}

	// Election (replica side) and votes (master side).
	authTime      time.Time
	authSent      bool
	authEpoch     uint64
	authCount     int
	lastVoteTimes map[string]time.Time
	wins          []uint64 // epochs this node won an election in
	votes         []uint64 // epochs this node voted in
	published     [][2]string
	offsets       map[string]int64 // what ClusterNodeOffset and ClusterNodeUpdate delivered
	replOffset    int64            // myself's, as the engine's s.repl.offset
	dropFilter    atomic.Int64     // DEBUG DROP-CLUSTER-PACKET-FILTER's value
	nodeTimeout   atomic.Int64     // a CONFIG SET cluster-node-timeout (ns), 0 for none
	clusterSize   atomic.Int64     // cluster_size (publishSize)
	stuckSince    atomic.Int64     // unix ns the loop got stuck at, 0 if it runs
	blocked       atomic.Bool      // the loop said it blocks (DEBUG SLEEP)
}

func (f *fakeEngine) ClusterDropPacketFilter() int64 { return f.dropFilter.Load() }

// ClusterLoopAlive is the time a test set in stuckSince (a loop stuck in DEBUG
// SLEEP), else now.
func (f *fakeEngine) ClusterLoopAlive() time.Time {
	if ns := f.stuckSince.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Now()
}

// ClusterLoopBlocked is what a test set in blocked (DEBUG SLEEP's notice).
func (f *fakeEngine) ClusterLoopBlocked() bool { return f.blocked.Load() }

// ClusterNodeTimeout is the timeout the fake was made with, or what a test set
// in nodeTimeout (CONFIG SET cluster-node-timeout).
func (f *fakeEngine) ClusterNodeTimeout() time.Duration {
	if d := f.nodeTimeout.Load(); d > 0 {
		return time.Duration(d)
	}
	return f.timeout
}

// ClusterLinkSendbufLimit is what a test set in linkLimit.
func (f *fakeEngine) ClusterLinkSendbufLimit() int64 { return f.linkLimit.Load() }

func newFakeEngine(timeout time.Duration) *fakeEngine {
	f := &fakeEngine{st: slots.NewState(slots.NewID()), timeout: timeout, wake: make(chan struct{}, 1),
		quit: make(chan struct{}), done: make(chan struct{}), lastVoteTimes: map[string]time.Time{}, offsets: map[string]int64{}}
	f.dropFilter.Store(-1)
	f.publishMyself()
	go f.loop()
	return f
}

func (f *fakeEngine) loop() {
	defer close(f.done)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-f.quit:
			return
		case <-tick.C:
			f.electionCron()
		case <-f.wake:
		}
		for {
			f.qmu.Lock()
			q := f.q
			f.q = nil
			f.qmu.Unlock()
			if len(q) == 0 {
				break
			}
			for _, fn := range q {
				fn()
			}
		}
		f.publishSize()
	}
}

// publishSize is the engine's clusterUpdateState's cluster_size: the masters
// serving at least one slot in this node's slot map (ClusterSize).
func (f *fakeEngine) publishSize() {
	n := 0
	for _, m := range f.st.Nodes {
		if m.IsMaster() && m.Slots.Len() > 0 {
			n++
		}
	}
	f.clusterSize.Store(int64(n))
}

// ClusterSize is what publishSize found last.
func (f *fakeEngine) ClusterSize() int { return int(f.clusterSize.Load()) }

func (f *fakeEngine) submit(fn func()) {
	f.qmu.Lock()
	f.q = append(f.q, fn)
	f.qmu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// do runs fn on the loop and waits for it.
func (f *fakeEngine) do(fn func(st *slots.State)) {
	ch := make(chan struct{})
	f.submit(func() { fn(f.st); close(ch) })
	select {
	case <-ch:
	case <-f.done:
	}
}

func (f *fakeEngine) stop() {
	close(f.quit)
	<-f.done
}

func (f *fakeEngine) publishMyself() {
	m := f.st.MetaOf(f.st.Myself)
	m.ReplOffset = f.replOffset
	f.myself.Store(&m)
}

// apply carries out effects as the engine's clusterApply does (no keys here).
func (f *fakeEngine) apply(e slots.Effects) {
	if e.FollowMaster != nil && e.FollowMaster != f.st.Myself {
		f.st.SetMaster(e.FollowMaster)
		e.Broadcast = true
	}
	f.changed(e.Broadcast)
}

func (f *fakeEngine) changed(broadcast bool) {
	f.publishMyself()
	if b := f.bus.Load(); b != nil && broadcast {
		b.Changed()
	}
}

func (f *fakeEngine) ClusterMyself() *slots.NodeMeta { return f.myself.Load() }

func (f *fakeEngine) ClusterNodeUpdateFor(myID string, m slots.NodeMeta) {
	f.submit(func() {
		if f.st.Myself.ID == myID {
			f.offsets[m.ID] = m.ReplOffset
			f.apply(f.st.ApplyMeta(m, nil, true))
		}
	})
}

func (f *fakeEngine) ClusterNodeUpdate(m slots.NodeMeta) {
	f.submit(func() {
		f.offsets[m.ID] = m.ReplOffset
		f.apply(f.st.ApplyMeta(m, nil, true))
	})
}

func (f *fakeEngine) ClusterNodeOffset(id string, offset int64) {
	f.submit(func() { f.offsets[id] = offset })
}

func (f *fakeEngine) ClusterNodePong(string) {}

func (f *fakeEngine) ClusterNodePingSent(id string, ms int64) {
	f.submit(func() {
		if n := f.st.Nodes[id]; n != nil && n != f.st.Myself {
			n.PingSent = ms
		}
	})
}

func (f *fakeEngine) ClusterNodeHealth(id string, pfail, fail bool) {
	f.submit(func() {
		n := f.st.Nodes[id]
		if n == nil || n == f.st.Myself {
			return
		}
		n.Flags &^= slots.FlagPFail | slots.FlagFail
		if fail {
			n.Flags |= slots.FlagFail
		} else if pfail {
			n.Flags |= slots.FlagPFail
		}
		n.Connected = !pfail && !fail
	})
}

func (f *fakeEngine) ClusterUpdate(fn func(st *slots.State) slots.Effects) {
	f.submit(func() { f.apply(fn(f.st)) })
}

func (f *fakeEngine) ClusterManualFailoverRequest(id string)  {}
func (f *fakeEngine) ClusterManualFailoverReady(offset int64) {}

func (f *fakeEngine) ClusterPublish(channel, message []byte, shard bool) {
	f.submit(func() { f.published = append(f.published, [2]string{string(channel), string(message)}) })
}

// size is the number of masters serving slots (cluster_size).
func (f *fakeEngine) size() int {
	n := 0
	for _, x := range f.st.Nodes {
		if x.IsMaster() && x.Slots.Len() > 0 {
			n++
		}
	}
	return n
}

// ClusterFailoverAuthRequest votes by the engine's rules (clusterVote).
func (f *fakeEngine) ClusterFailoverAuthRequest(id string, epoch uint64, claimed slots.Bitmap, force bool) {
	f.submit(func() {
		st := f.st
		if st.Myself.IsReplica() || st.Myself.Slots.Len() == 0 {
			return
		}
		node := st.Nodes[id]
		if node == nil || epoch < st.CurrentEpoch || st.LastVoteEpoch == st.CurrentEpoch || !node.IsReplica() {
			return
		}
		master := st.Nodes[node.MasterID]
		if master == nil || (master.Flags&slots.FlagFail == 0 && !force) {
			return
		}
		if t, ok := f.lastVoteTimes[master.ID]; ok && time.Since(t) < 2*f.timeout {
			return
		}
		for s := 0; s < slots.Count; s++ {
			if claimed.Has(s) {
				if o := st.Owner[s]; o != nil && o.ConfigEpoch > epoch {
					return
				}
			}
		}
		st.LastVoteEpoch = st.CurrentEpoch
		f.lastVoteTimes[master.ID] = time.Now()
		f.votes = append(f.votes, st.CurrentEpoch)
		f.bus.Load().SendFailoverAuthAck(id, st.CurrentEpoch)
	})
}

func (f *fakeEngine) ClusterFailoverAuthAck(id string, epoch uint64) {
	f.submit(func() {
		if !f.authSent || epoch < f.authEpoch {
			return
		}
		if n := f.st.Nodes[id]; n == nil || !n.IsMaster() || n.Slots.Len() == 0 {
			return
		}
		f.authCount++
		f.electionCron()
	})
}

// electionCron is the replica side of an election (clusterReplicaFailoverCron).
func (f *fakeEngine) electionCron() {
	st := f.st
	me := st.Myself
	if !me.IsReplica() {
		return
	}
	master := st.Nodes[me.MasterID]
	if master == nil || master.Flags&slots.FlagFail == 0 || master.Slots.Len() == 0 {
		return
	}
	now := time.Now()
	timeout := max(2*f.timeout, 2*time.Second)
	if f.authTime.IsZero() || now.Sub(f.authTime) > 2*timeout {
		f.authTime = now.Add(500*time.Millisecond + time.Duration(rand.Int64N(500))*time.Millisecond)
		f.authSent, f.authCount = false, 0
		return
	}
	if now.Before(f.authTime) || now.Sub(f.authTime) > timeout {
		return
	}
	if !f.authSent {
		st.CurrentEpoch++
		f.authEpoch, f.authSent = st.CurrentEpoch, true
		f.bus.Load().RequestFailoverAuth(f.authEpoch, false)
		return
	}
	if f.authCount >= f.size()/2+1 {
		st.BecomeMaster(f.authEpoch)
		f.wins = append(f.wins, f.authEpoch)
		f.authSent = false
		f.changed(true)
	}
}
