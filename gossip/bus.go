package gossip

// Bus: the cluster bus over memberlist. It implements engine.ClusterBus (the
// methods the engine calls on its loop, all non-blocking) and memberlist's
// Delegate and EventDelegate (called on memberlist's goroutines).
//
// Locking: b.mu guards the peer table and myself's encoded meta. memberlist calls
// the delegates while holding its own locks, so no code holding b.mu may call into
// memberlist; the engine is only called after b.mu is released.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/keygrid/keygrid/slots"
	"go.uber.org/zap"
)

// Message types (the first byte of a user message).
const (
	msgHeader       byte = iota + 1 // a node's header, unsolicited: broadcast on change (Redis's PING)
	msgClaimReq                     // "send me your header": the sender's claim digest was unknown
	msgPFail                        // reporter (a master) sees failed as PFAIL: a failure report (sent by older nodes; read still)
	msgFail                         // failed is FAIL (a majority of masters agreed)
	msgAuthReq                      // a replica asks for a vote (FAILOVER_AUTH_REQUEST)
	msgAuthAck                      // a master's vote (FAILOVER_AUTH_ACK)
	msgMFStart                      // a replica asks its master to pause (MFSTART)
	msgPublish                      // PUBLISH
	msgPublishShard                 // SPUBLISH
	msgLeave                        // the sender's id is going away (hard reset, shutdown)
	msgMeet                         // the sender is joining us by CLUSTER MEET (admission)
	msgHeaderReply                  // a node's header in reply to msgClaimReq (Redis's PONG)
	msgSuspect                      // the sender's ping of a node went unanswered: ping it too (failure.go)
	msgPFails                       // msgPFail for several failed nodes at once (a count, then their ids)
	msgTypes
)

// statNames maps message types onto Redis's bus message names for CLUSTER INFO.
var statNames = [msgTypes]string{
	msgHeader: "pong", msgClaimReq: "ping", msgPFail: "ping", msgFail: "fail",
	msgAuthReq: "auth-req", msgAuthAck: "auth-ack", msgMFStart: "mfstart", msgPublish: "publish",
	msgPublishShard: "publishshard", msgLeave: "pong", msgMeet: "meet", msgHeaderReply: "pong",
	msgSuspect: "ping", msgPFails: "ping",
}

// maxBroadcast is the largest message queued for gossip: memberlist sends
// broadcasts in UDP packets of at most UDPBufferSize (1400) with its own framing.
const maxBroadcast = 1100

// meetNoticeTTL is how long a msgMeet admits its sender's join: the MEET's
// join follows its notice at once, and is retried (with a new notice) for
// the node timeout.
const meetNoticeTTL = 10 * time.Second

// banTime is how long a forgotten node is ignored (CLUSTER FORGET's 60 s).
const banTime = 60 * time.Second

// peer is what the bus knows of another node.
type peer struct {
	// verified: the node answered myself under this id, or the engine
	// already knew it (trust) (a probe ack, a ping,
	// its link's hello). Until then it is not handed to the engine: a node
	// learned from gossip may be a stale id at an address where another node
	// runs now (a node that reset hard, announced by an old memberlist still
	// shutting down). Redis 7.0 adds a node a known node gossips about at
	// once, with the gossiped flags (clusterProcessGossipSection); a live
	// node answers within a probe here, so only a dead one is listed
	// without an answer (gossiped).
	verified bool
	// gossiped: not verified, but a majority of the masters report it
	// failing, so the engine lists it as their gossip would describe it
	// (failureCron), until it answers.
	gossiped bool
	// via: the node whose push/pull state first brought its header (the
	// node myself joined through, for a node learned in the join), "" if
	// it came from the node itself.
	via       string
	meta      meta
	addr      string // memberlist's address for it, the ip fallback
	claim     slots.Bitmap
	hasClaim  bool // claim matches claimDigest
	claimDig  uint64
	firstSeen time.Time
	lastReq   time.Time     // last claim request sent
	reqWait   time.Duration // backoff before the next request (doubles, up to 8 s)
	// Failure detection.
	pingSent  time.Time // our first unanswered ping (Redis's ping_sent), zero if none
	pingHeard time.Time // the last answer before pingSent: a newer one answers it
	// shownPing is the ping_sent the engine shows (ClusterNodePingSent):
	// pingSent while the node is PFAIL or FAIL and unreachable, else zero.
	// pingTold: the engine has had one (it may hold the one nodes.conf
	// gave it until then).
	shownPing time.Time
	pingTold  bool
	noticed   time.Time // when a msgSuspect about it was last sent or received
	suspect   bool      // a msgSuspect came: ping it at the next failureCron
	downSince time.Time
	pfail     bool
	fail      bool
	failTime  time.Time
	told      bool                 // the engine has had a verdict on it from this bus (failureCron)
	reports   map[string]time.Time // reporting master id → when
	// The node's replication offset, the freshest reading from any source
	// (its meta, its header, its probe acks: offset.go), by its stamp.
	off      int64
	offStamp uint64
}

func (p *peer) isMaster() bool { return p.meta.Flags&slots.FlagMaster != 0 }

// Bus is one node's cluster bus.
type Bus struct {
	cfg Config
	eng Engine
	log *zap.Logger

	ml atomic.Pointer[memberlist.Memberlist]
	tr atomic.Pointer[countingTransport] // replaced with ml by a hard reset
	q  *memberlist.TransmitLimitedQueue

	// hmu orders the verdicts the engine gets (ClusterNodeHealth) as the
	// peers' pfail/fail changed: each sender holds it from reading or
	// changing them (under mu) until its Submit. Without it a deliver that
	// read FAIL could reach the loop after failureCron's clearing verdict,
	// and leave the engine with a FAIL the bus no longer holds and never
	// sends again. Taken before mu.
	hmu     sync.Mutex
	mu      sync.Mutex
	id      string
	peers   map[string]*peer
	members map[string]*memberlist.Node // alive or suspect members (by id), from events
	joined  map[string]time.Time
	banned  map[string]time.Time
	// forgotten: the ids CLUSTER FORGET dropped, kept after their ban ends.
	// A Redis node adds a node it does not know only by a MEET, or by a
	// handshake started because a node it knows gossips about it; the
	// forgotten node's own pings are ignored. memberlist keeps the node as a
	// member (it still answers), so without this mark its metas would bring
	// it back when the ban ends. Cleared by a MEET (msgMeet from it, or our
	// CLUSTER MEET of its address: meetAddrs) or, once the ban is over, by a
	// known peer's ack that reports it (offset.go's gossip entries).
	forgotten map[string]bool
	// meetAddrs: the bus addresses of our CLUSTER MEETs under way, so the
	// join's state from the node met is taken as a MEET (it clears a ban and
	// the forgotten mark of the node answering there).
	meetAddrs map[string]time.Time
	// trusted: the ids the engine knows (nodes.conf, or delivered before):
	// their peers need no answer to reach it (verify), as Redis knows the
	// nodes of its nodes.conf without a handshake.
	trusted map[string]bool
	// moved: nodes memberlist still holds at an old address that answered
	// at a new one (readdress.go); pinged and dialed there until memberlist
	// takes it.
	moved map[string]*net.UDPAddr
	// linkKnown is linkCron's scratch map (the bus goroutine only).
	linkKnown map[string]time.Time
	// failState and failSpare: failureCron's scratch (the bus goroutine only).
	failState, failSpare map[string]net.Addr
	// lastAddrCheck: addrCron's last look at the host's addresses (run only).
	lastAddrCheck time.Time
	// left are the nodes that left memberlist gracefully (a hard CLUSTER RESET
	// restarts memberlist under a new id): rejoinKnown does not dial them back,
	// as a Redis node only pings the address of a node it knows, and the node
	// there now, reset, would take the rejoin for a MEET.
	left map[string]bool
	// former are the ids this node had before hard resets: a join whose state
	// still sees one of them alive comes from a node of the old cluster that
	// missed our leave (admission refuses it while fresh).
	former map[string]bool
	// meetFrom: when each node last announced a CLUSTER MEET of us (msgMeet):
	// a fresh node admits its join even if it carries a former id.
	meetFrom   map[string]time.Time
	mine       header
	mineSeq    atomic.Uint64 // mine.Seq, for probe acks (offset.go) without b.mu
	mineEnc    []byte        // mine's encoding without Seq, to notice changes
	metaBuf    []byte        // memberlist meta
	mfReplica  string
	ipSet      bool
	lastReport time.Time
	lastFilter int64 // the drop filter filterCron saw last
	// reportDerived: Config.ReportInterval was left to Validate, so it
	// follows the node timeout (reportInterval).
	reportDerived bool

	changed   chan struct{}
	stop      chan struct{}
	done      sync.WaitGroup
	closeOnce sync.Once

	// Links (links.go). lmu is taken after b.mu when both are held.
	lmu           sync.Mutex
	links         linkTable
	lastNode      map[string]*memberlist.Node // each member's last memberlist node, kept after it dies
	linksExceeded atomic.Int64                // total_cluster_links_buffer_limit_exceeded
	linksMem      atomic.Int64                // mem_cluster_links, as of the last linkCron
	sealer        linkSealer                  // frames (and seals) link messages

	sent, recv [msgTypes]atomic.Int64
	meets      atomic.Int64
	meeting    atomic.Int32 // CLUSTER MEETs of ours under way (admission)
	rejoining  atomic.Bool  // a rejoinKnown round is under way
	// live is when each peer last answered a probe (failure.go's PFAIL rule).
	live liveness
	// alarmUntil: a routine ping failed lately, Redis's full ping rule runs
	// until then; lastRoutine: the last routine ping (failure.go).
	alarmUntil, lastRoutine time.Time
	pings                   atomic.Int64 // pings of our own sent (memberlist.Ping)
	// trafficBase is what the transports replaced by restarts counted.
	trafficBase Traffic
	// alone: after a soft CLUSTER RESET, nothing learned about other nodes
	// reaches the engine until a join (a CLUSTER MEET from or to us).
	alone bool
	// fresh: after a hard CLUSTER RESET (a new id, a new memberlist), memberlist
	// admits no other node until a join (admission, below): the nodes of the
	// old cluster that have not reset yet keep pushing their member lists to
	// our address, and a reset Redis node ignores every packet but a MEET.
	fresh bool
	// learnedIP is myself's address as the last join showed it (noteJoinIP):
	// the local address of a join's stream, or of the route to a node we join.
	learnedIP string
}

// New starts the bus of the node the engine describes (ClusterMyself): memberlist
// binds cfg's port, and the bus joins the nodes the engine already knows
// (nodes.conf).
func New(cfg Config, eng Engine) (*Bus, error) {
	reportDerived := cfg.ReportInterval == 0
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	me := eng.ClusterMyself()
	if me == nil {
		return nil, errors.New("gossip: the engine is not in cluster mode")
	}
	b := &Bus{
		cfg: cfg, eng: eng, log: cfg.Logger,
		peers: map[string]*peer{}, members: map[string]*memberlist.Node{}, joined: map[string]time.Time{},
		left: map[string]bool{}, former: map[string]bool{}, meetFrom: map[string]time.Time{},
		banned: map[string]time.Time{}, forgotten: map[string]bool{}, meetAddrs: map[string]time.Time{}, trusted: map[string]bool{}, moved: map[string]*net.UDPAddr{}, lastFilter: -1, reportDerived: reportDerived,
		changed: make(chan struct{}, 1), stop: make(chan struct{}),
		links:    linkTable{to: map[string]*outLink{}, from: map[string]*inLink{}, killed: map[string]bool{}},
		lastNode: map[string]*memberlist.Node{},
	}
	var err error
	if b.sealer, err = newLinkSealer(cfg.SecretKey); err != nil {
		return nil, fmt.Errorf("gossip: %w", err)
	}
	b.q = &memberlist.TransmitLimitedQueue{NumNodes: b.numNodes, RetransmitMult: 4}
	if err := b.startMemberlist(me, ""); err != nil {
		return nil, err
	}
	b.done.Add(1)
	go b.run()
	b.Changed()
	b.rejoinKnown(false)
	return b, nil
}

// startMemberlist creates memberlist under myself's id (again after a hard reset).
// startMemberlist starts memberlist for me. seen, when not empty, is the address
// peers reached this node at before (a restart after CLUSTER RESET HARD): with the
// bus bound to every address and no cluster-announce-ip, memberlist advertises it
// rather than the first private address it finds (on a host whose only ones are,
// say, fd00::2, nodes met at 127.0.0.1 were then dialed at fd00::2, learned it as
// their own and were refused by the replicas' protected-mode masters).
func (b *Bus) startMemberlist(me *slots.NodeMeta, seen string) error {
	b.mu.Lock()
	b.id = me.ID
	b.setMineLocked(me, "", true)
	b.mu.Unlock()
	var nt interface {
		memberlist.NodeAwareTransport
		GetAutoBindPort() int
	}
	var err error
	if b.cfg.TLSServer != nil {
		nt, err = newTLSTransport(b.cfg.BindAddr, b.cfg.BindPort, b.cfg.TLSServer, b.cfg.TLSClient) // tls-cluster
	} else {
		nt, err = newNetTransport(b.cfg.BindAddr, b.cfg.BindPort, b.log.Named("memberlist")) // nettransport.go
	}
	if err != nil {
		return fmt.Errorf("gossip: can't listen on the cluster bus port %d: %w", b.cfg.BindPort, err)
	}
	tr := newCountingTransport(nt)
	accept := b.acceptLink
	tr.onLink.Store(&accept)
	tr.pushPull.Store(&pushPullGate{members: b.numNodes})
	b.mu.Lock()
	if old := b.tr.Load(); old != nil {
		b.trafficBase = b.trafficBase.add(old.traffic()) // a restart: counters go on
	}
	b.tr.Store(tr)
	b.mu.Unlock()
	mc := b.cfg.memberlistConfig(me.ID, tr)
	if a := net.ParseIP(b.cfg.BindAddr); seen != "" && mc.AdvertiseAddr == "" && (a == nil || a.IsUnspecified()) {
		mc.AdvertiseAddr = seen
	}
	if mc.BindPort == 0 {
		mc.BindPort = nt.GetAutoBindPort()
		if mc.AdvertisePort == 0 {
			mc.AdvertisePort = mc.BindPort
		}
	}
	mc.Delegate = (*delegate)(b)
	mc.Events = (*events)(b)
	mc.Ping = (*pinger)(b)
	mc.Conflict = (*conflicts)(b)
	mc.Merge = (*admission)(b)
	mc.Alive = (*admission)(b)
	ml, err := memberlist.Create(mc)
	if err != nil {
		tr.Shutdown()
		return fmt.Errorf("gossip: %w", err)
	}
	b.ml.Store(ml)
	return nil
}

// Port is the bus port memberlist listens on (useful with BindPort 0).
func (b *Bus) Port() int {
	if ml := b.ml.Load(); ml != nil {
		return int(ml.LocalNode().Port)
	}
	return 0
}

func (b *Bus) numNodes() int {
	if ml := b.ml.Load(); ml != nil {
		return ml.NumMembers()
	}
	return 1
}

// setMineLocked makes myself's header from the engine's meta; it reports whether
// it must be announced (then Seq moved on and metaBuf is fresh).
//
// The replication offset changes with every write: announcing each change would
// be a gossip broadcast per write. Only its going from zero to non-zero or back
// (a replica has data: CLUSTER SLOTS lists it) counts as a change by itself; the
// exact value rides in every probe ack (offset.go, as Redis carries it in every
// ping) and in whatever is announced anyway. withOffset (an explicit Changed:
// an election starting, a manual failover) announces a new offset too.
func (b *Bus) setMineLocked(m *slots.NodeMeta, ip string, withOffset bool) bool {
	h := header{meta: meta{NodeMeta: *m}, Claim: m.Slots}
	h.Slots = slots.Bitmap{}
	h.Alone = b.alone
	if h.IP == "" {
		h.IP = ip
	}
	h.ReplOffset = min(m.ReplOffset, 1) // zero or not, for the comparison
	enc := appendHeader(nil, &h)
	h.ReplOffset = m.ReplOffset
	now := uint64(time.Now().UnixNano())
	offMoved := b.mine.ReplOffset != m.ReplOffset
	if offMoved {
		b.mine.ReplOffset, b.mine.OffStamp = m.ReplOffset, max(b.mine.OffStamp+1, now)
	}
	if b.mineEnc != nil && string(enc) == string(b.mineEnc) && !(withOffset && offMoved) {
		return false
	}
	b.mineEnc = enc
	// Unix nanoseconds keep growing across restarts, so a restarted node's
	// metas are not taken for stale ones.
	h.Seq = max(b.mine.Seq+1, now)
	h.OffStamp = max(b.mine.OffStamp, now)
	b.mine = h
	b.mineSeq.Store(h.Seq)
	b.metaBuf = appendMeta(nil, &h.meta)
	return true
}

// --- engine.ClusterBus ---------------------------------------------------------------

// Meet joins the cluster of the node at ip (bus port cport), in the background as
// Redis's handshake: the reply is OK and the node shows up when it answers.
func (b *Bus) Meet(ip string, port, cport int) error {
	b.meets.Add(1)
	addr := joinAddr(ip, cport)
	b.noteJoinIP(routeIP(addr))
	go func() {
		// As Redis's handshake node, the MEET is retried until the node
		// timeout (at least a second) has passed: the node met may be
		// restarting its bus after a hard reset, or too loaded to answer.
		deadline := time.Now().Add(max(b.nodeTimeout(), time.Second))
		b.meeting.Add(1)
		defer b.meeting.Add(-1)
		b.mu.Lock()
		b.meetAddrs[addr] = deadline
		b.mu.Unlock()
		defer func() {
			b.mu.Lock()
			if b.meetAddrs[addr] == deadline {
				delete(b.meetAddrs, addr)
			}
			b.mu.Unlock()
		}()
		for {
			ml := b.ml.Load()
			if ml == nil {
				return
			}
			// A MEET, not a rejoin: a reset node admits the join on this notice
			// (admission), a packet ahead of every attempt.
			ml.SendToAddress(memberlist.Address{Addr: addr}, appendID([]byte{msgMeet}, b.currentID()))
			_, err := ml.Join([]string{addr})
			if err == nil {
				return
			}
			if time.Now().After(deadline) {
				b.log.Warn("CLUSTER MEET failed", zap.String("addr", addr), zap.Error(err))
				return
			}
			select {
			case <-b.stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	return nil
}

// SoftReset is a soft CLUSTER RESET: the engine forgot every other node, and
// myself must stay alone as a reset Redis node does: it answers the others'
// pings (memberlist keeps probing it, so they keep it, and learn its new role
// from its meta) but learns nothing from them, until a CLUSTER MEET from or to
// it (a memberlist join, MergeRemoteState with join set).
func (b *Bus) SoftReset() {
	b.mu.Lock()
	b.alone = true
	b.mfReplica = ""
	b.mu.Unlock()
	b.Changed() // announce Alone
	// What the bus delivered before it went alone may still be queued on the
	// engine's loop, ahead of this: forget those nodes again after it.
	b.eng.ClusterUpdate(func(st *slots.State) slots.Effects {
		b.mu.Lock()
		alone := b.alone
		b.mu.Unlock()
		if !alone || len(st.Nodes) == 1 {
			return slots.Effects{}
		}
		for _, n := range st.Sorted() {
			if n != st.Myself {
				st.DelNode(n)
			}
		}
		return slots.Effects{Save: true, UpdateState: true}
	})
}

// HardReset is a hard CLUSTER RESET (the engine took a new id and forgot every
// node): until memberlist restarts under the new id (the next refresh) and a
// CLUSTER MEET comes, nothing heard reaches the engine. Called on the engine's
// loop; it does not block.
func (b *Bus) HardReset() {
	b.mu.Lock()
	b.fresh = true
	b.mu.Unlock()
	// Until the bus goroutine has restarted memberlist, the old one must not
	// take a MEET meant for the new id (the joiner would then merge the whole
	// old cluster) nor push the old cluster to nodes already met again: Redis
	// resets synchronously, so no packet ever sees the old id after the reply.
	if tr := b.tr.Load(); tr != nil {
		tr.muted.Store(true)
	}
	b.Changed()
}

// endAlone ends a soft reset's isolation (a join): every node held is
// delivered again.
func (b *Bus) endAlone() {
	b.mu.Lock()
	if !b.alone {
		b.mu.Unlock()
		return
	}
	b.alone = false
	b.Changed() // no longer Alone
	var nms []slots.NodeMeta
	var ps []*peer
	for _, p := range b.peers {
		if p.meta.ID != "" {
			nms = append(nms, b.nodeMetaLocked(p))
			ps = append(ps, p)
		}
	}
	b.mu.Unlock()
	for i := range nms {
		b.deliver(nms[i], ps[i])
	}
}

// Forget ignores node id for 60 s (Config.ForgetBan), then keeps it forgotten
// until a MEET or a known node's report (forgotten).
func (b *Bus) Forget(id string) {
	b.mu.Lock()
	delete(b.peers, id)
	b.banned[id] = time.Now().Add(b.cfg.ForgetBan)
	b.forgotten[id] = true
	// Added again, it must answer under its id first (verify), as Redis's
	// handshake node does.
	delete(b.trusted, id)
	b.mu.Unlock()
}

// Changed wakes the bus to announce myself's new meta.
func (b *Bus) Changed() {
	select {
	case b.changed <- struct{}{}:
	default:
	}
}

// RequestFailoverAuth asks the masters for their votes in epoch. The claim sent is
// our master's slots, read on the loop.
func (b *Bus) RequestFailoverAuth(epoch uint64, force bool) {
	b.eng.ClusterUpdate(func(st *slots.State) slots.Effects {
		var claimed slots.Bitmap
		if m := st.Nodes[st.Myself.MasterID]; m != nil {
			claimed = m.Slots
		}
		go b.sendAuthRequest(epoch, force, &claimed)
		return slots.Effects{}
	})
}

func (b *Bus) sendAuthRequest(epoch uint64, force bool, claimed *slots.Bitmap) {
	msg := []byte{msgAuthReq}
	b.mu.Lock()
	msg = binary.AppendUvarint(msg, epoch)
	msg = appendID(msg, b.id)
	var targets []string
	for id, p := range b.peers {
		if p.verified && p.isMaster() && p.meta.SlotCount > 0 {
			targets = append(targets, id)
		}
	}
	b.mu.Unlock()
	if force {
		msg = append(msg, 1)
	} else {
		msg = append(msg, 0)
	}
	msg = appendClaim(msg, claimed)
	for _, id := range targets {
		b.sendTo(id, msg, true)
	}
}

// SendFailoverAuthAck sends myself's vote in epoch to replica id.
func (b *Bus) SendFailoverAuthAck(id string, epoch uint64) {
	b.mu.Lock()
	msg := appendID([]byte{msgAuthAck}, b.id)
	b.mu.Unlock()
	msg = binary.AppendUvarint(msg, epoch)
	b.sendTo(id, msg, true)
}

// ManualFailoverStart asks master id to pause for our manual failover.
func (b *Bus) ManualFailoverStart(masterID string) {
	b.mu.Lock()
	msg := appendID([]byte{msgMFStart}, b.id)
	b.mu.Unlock()
	b.sendTo(masterID, msg, true)
}

// Publish sends a (shard) message to the other nodes (of our shard).
func (b *Bus) Publish(channel, message []byte, shard bool) {
	msg := []byte{msgPublish}
	if shard {
		msg[0] = msgPublishShard
	}
	msg = binary.AppendUvarint(msg, uint64(len(channel)))
	msg = append(msg, channel...)
	msg = append(msg, message...)
	me := b.eng.ClusterMyself()
	b.mu.Lock()
	var targets []string
	shardMaster := me.ID
	if me.MasterID != "" {
		shardMaster = me.MasterID
	}
	if b.alone {
		b.mu.Unlock()
		return // a reset node knows nobody to send to
	}
	for id, p := range b.peers {
		if !p.verified || b.addrLocked(id) == nil {
			continue // Redis sends to every node with a link, a FAIL one too
		}
		if !shard || id == shardMaster || p.meta.MasterID == shardMaster {
			targets = append(targets, id)
		}
	}
	b.mu.Unlock()
	// Small messages go as one packet each (Redis's bus is TCP, but a lost
	// PUBLISH is as lost as one to a disconnected node); big ones by stream.
	for _, id := range targets {
		b.sendTo(id, msg, len(msg) > maxBroadcast)
	}
}

// Stats returns the message counters and one link per live member.
func (b *Bus) Stats() slots.BusStats {
	st := slots.BusStats{Sent: map[string]int64{}, Received: map[string]int64{}}
	for t := byte(1); t < msgTypes; t++ {
		st.Sent[statNames[t]] += b.sent[t].Load()
		st.Received[statNames[t]] += b.recv[t].Load()
	}
	if tr := b.tr.Load(); tr != nil {
		tf := tr.traffic()
		st.Sent["ping"] += tf.PacketsOut
		st.Received["ping"] += tf.PacketsIn
	}
	if n := b.meets.Load(); n > 0 {
		st.Sent["meet"] = n
	}
	st.Links = b.linkRows()
	st.LinksBufferLimitExceeded = b.linksExceeded.Load()
	st.LinksMemory = b.linksMem.Load()
	return st
}

// FailureReports is CLUSTER COUNT-FAILURE-REPORTS: valid reports about id.
func (b *Bus) FailureReports(id string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.peers[id]
	if p == nil {
		return 0
	}
	n := 0
	for _, t := range p.reports {
		if time.Since(t) <= 2*b.nodeTimeout() {
			n++
		}
	}
	return n
}

// Traffic returns the bytes and packets the bus sent and received since it
// started, across the memberlist restarts of hard resets.
func (b *Bus) Traffic() Traffic {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.trafficBase
	if tr := b.tr.Load(); tr != nil {
		t = t.add(tr.traffic())
	}
	return t
}

// Close leaves the cluster and stops the bus. Idempotent.
func (b *Bus) Close() error {
	b.closeOnce.Do(func() {
		close(b.stop)
		b.closeLinks()
		b.done.Wait()
		if ml := b.ml.Load(); ml != nil {
			b.announceLeave()
			ml.Leave(b.cfg.ProbeInterval)
			ml.Shutdown()
		}
	})
	return nil
}

func (b *Bus) count(c *[msgTypes]atomic.Int64, t byte) {
	if t < msgTypes {
		c[t].Add(1)
	}
}

// broadcast queues msg for gossip (name: a newer message of the same name
// replaces an older one still in the queue). It is counted as sent each time
// memberlist takes it (GetBroadcasts), so a lone node reports nothing sent.
func (b *Bus) broadcast(name string, msg []byte) {
	if len(msg) > maxBroadcast {
		return
	}
	b.q.QueueBroadcast(&bcast{name: name, msg: msg})
}

type bcast struct {
	name string
	msg  []byte
}

func (m *bcast) Invalidates(o memberlist.Broadcast) bool {
	ob, ok := o.(*bcast)
	return ok && m.name != "" && ob.name == m.name
}
func (m *bcast) Message() []byte { return m.msg }
func (m *bcast) Finished()       {}
func (m *bcast) Name() string    { return m.name }

// --- the bus goroutine -----------------------------------------------------------------

func (b *Bus) run() {
	defer b.done.Done()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	lastRejoin := time.Now()
	for {
		select {
		case <-b.stop:
			return
		case <-b.changed:
			b.refreshMine(true)
		case now := <-tick.C:
			// Cheap when nothing changed; catches a Changed lost before SetClusterBus.
			b.refreshMine(false)
			b.stallCron(now)
			b.filterCron()
			if !b.stalled() {
				// Redis's clusterCron does not run while its loop is stuck
				// (a long command, a load): no verdict on what a stuck
				// node could not hear.
				b.failureCron(now)
			}
			b.linkCron(now)
			b.addrCron(now)
			if now.Sub(lastRejoin) >= b.cfg.ReconnectInterval {
				lastRejoin = now
				b.rejoinKnown(true)
			}
		}
	}
}

// refreshMine announces myself's meta if it changed: a new memberlist meta (an
// alive message) and a header broadcast with the claim. explicit is the engine's
// Changed: a new replication offset alone is announced then (setMineLocked).
func (b *Bus) refreshMine(explicit bool) {
	m := b.eng.ClusterMyself()
	ml := b.ml.Load()
	if m == nil || ml == nil {
		return
	}
	if m.ID != b.currentID() {
		b.restart(m)
		return
	}
	b.mu.Lock()
	ip := b.learnedIP
	b.mu.Unlock()
	if ip == "" || b.cfg.AdvertiseAddr != "" {
		ip = advertiseIP(ml)
	}
	b.mu.Lock()
	prev := b.mine.meta
	changed := b.setMineLocked(m, ip, explicit)
	var hdr []byte
	var everyone []string
	if changed {
		hdr = appendHeader([]byte{msgHeader}, &b.mine)
		if newConfig(&prev, &b.mine.meta) {
			for id := range b.members {
				everyone = append(everyone, id)
			}
		}
	}
	mf := ""
	if b.mine.MFPaused {
		mf = b.mfReplica
	}
	// As Redis, myself's address is learned once another node is in touch
	// (a lone node lists itself as ":port@cport"). A node restarted on a new
	// address (a rescheduled pod, a recreated container) loaded its old one from
	// nodes.conf: unless cluster-announce-ip pins it, the address it is reached
	// at now replaces it, and the others learn it from the next announcement
	// (Redis: myself's ip follows what peers see, nodeUpdateAddressIfNeeded).
	needIP := !b.ipSet && ip != "" && len(b.members) > 0 && (m.IP == "" || m.IP != ip && b.cfg.AdvertiseAddr == "")
	b.ipSet = b.ipSet || needIP
	b.mu.Unlock()
	if needIP {
		// Redis learns myself's address from the local address of the MEET's
		// connection: here learnedIP (noteJoinIP), or memberlist's advertised
		// address when no join told us yet.
		old := m.IP
		b.eng.ClusterUpdate(func(st *slots.State) slots.Effects {
			if st.Myself.IP != old || old == ip { // changed meanwhile (CONFIG SET cluster-announce-ip)
				return slots.Effects{}
			}
			st.Myself.IP = ip
			return slots.Effects{Save: true, Broadcast: true}
		})
	}
	if !changed {
		return
	}
	go ml.UpdateNode(b.cfg.ProbeInterval * 5)
	b.broadcast("h", hdr)
	if mf != "" {
		b.sendTo(mf, hdr, true)
	}
	for _, id := range everyone {
		if id != mf {
			b.sendTo(id, hdr, len(hdr) > maxBroadcast)
		}
	}
}

// newConfig reports whether myself's announcement went from prev to cur as a
// master with a new configuration: promoted (a failover won), or its config
// epoch moved on (an import closed, a collision resolved). Redis pongs every
// node then (clusterBroadcastPong(CLUSTER_BROADCAST_ALL) in
// clusterFailoverReplaceYourMaster and CLUSTER SETSLOT NODE), and so does the
// bus, beside the gossip: the old master learns of its failover, and the
// other nodes of their new slot owner, in one hop rather than after a few
// gossip rounds or a claim request (issue #7).
func newConfig(prev, cur *meta) bool {
	if cur.Flags&slots.FlagMaster == 0 {
		return false
	}
	return prev.Flags&slots.FlagMaster == 0 || prev.ConfigEpoch != cur.ConfigEpoch
}

// noteJoinIP records ip as myself's address (a join from or to us showed it);
// a new one is announced at the next refresh, as Redis updates myself's address
// on every MEET.
func (b *Bus) noteJoinIP(ip string) {
	if ip == "" {
		return
	}
	if a := net.ParseIP(b.cfg.BindAddr); a != nil && !a.IsUnspecified() {
		// Bound to one address: that is the one peers see (Redis binds its
		// outgoing bus connections to it too), memberlist advertises it.
		return
	}
	b.mu.Lock()
	if b.learnedIP != ip {
		b.learnedIP, b.ipSet = ip, false
	}
	b.mu.Unlock()
}

// admission is memberlist's MergeDelegate and AliveDelegate on the bus: a fresh
// node (after a hard reset) admits other nodes only from a join.
type admission Bus

var errFresh = errors.New("gossip: reset node, waiting for a CLUSTER MEET")

// NotifyMerge is called before memberlist merges a join's state (either side):
// a CLUSTER MEET from or to a fresh node (old nodes do not rejoin a node that
// left: rejoinKnown).
func (a *admission) NotifyMerge(peers []*memberlist.Node) error {
	b := (*Bus)(a)
	b.mu.Lock()
	if b.fresh && b.meeting.Load() == 0 {
		// A join we did not start, carrying one of our former ids in any state
		// (left included), comes from a node of the old cluster: its periodic
		// rejoin of the address it knew, not a MEET of the new node. Redis's
		// old nodes would only PING that address, and a reset node ignores it.
		// But a node that announced a CLUSTER MEET of us (msgMeet) and saw our
		// former id leave is meeting us: the legacy suite's isolate_node
		// (27-endpoints: RESET HARD, FORGET on every node, then a MEET from
		// one of them).
		meet := false
		for _, p := range peers {
			if t, ok := b.meetFrom[p.Name]; ok && time.Since(t) < meetNoticeTTL {
				meet = true
			}
		}
		for _, p := range peers {
			if b.former[p.Name] && (!meet || p.State != memberlist.StateLeft) {
				b.mu.Unlock()
				return errFresh
			}
		}
	}
	b.fresh = false
	learned := b.learnedIP
	b.mu.Unlock()
	if learned == "" {
		// The joining side was dialed: the stream just accepted is the join's.
		if tr := b.tr.Load(); tr != nil {
			b.noteJoinIP(tr.lastInIP())
		}
	}
	return nil
}

// NotifyAlive vets each alive message (memberlist's lock held).
func (a *admission) NotifyAlive(n *memberlist.Node) error {
	b := (*Bus)(a)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fresh && n.Name != b.id {
		return errFresh
	}
	return nil
}

func (b *Bus) currentID() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.id
}

// restart rejoins under a new id after CLUSTER RESET HARD: the old memberlist
// leaves, and the node starts alone, as a reset Redis node that knows nobody.
func (b *Bus) restart(m *slots.NodeMeta) {
	if old := b.ml.Load(); old != nil {
		b.announceLeave()
		old.Leave(b.cfg.ProbeInterval)
		old.Shutdown()
	}
	b.closeLinks()
	b.mu.Lock()
	seen := b.learnedIP
	b.peers = map[string]*peer{}
	b.members = map[string]*memberlist.Node{}
	b.trusted = map[string]bool{}
	b.moved = map[string]*net.UDPAddr{}
	b.mineEnc, b.ipSet, b.alone = nil, false, false
	b.fresh, b.learnedIP = true, ""
	b.forgotten = map[string]bool{} // a reset node knows nobody: any node may be met
	b.former[b.id] = true
	b.mu.Unlock()
	if err := b.startMemberlist(m, seen); err != nil {
		b.log.Error("can't restart the cluster bus after a reset", zap.Error(err))
	}
}

// announceLeave queues a leave notice for the current id, gossiped with
// memberlist's own leave: memberlist tells its EventDelegate of a leave and of a
// death alike (the Node it passes keeps its alive state), and the others must
// know the id left on purpose, not to rejoin its address (rejoinKnown): a node
// that reset hard is there now under a new id.
func (b *Bus) announceLeave() {
	b.broadcast("leave", appendID([]byte{msgLeave}, b.currentID()))
}

// rejoinKnown joins the nodes the engine knows (nodes.conf, or learned) that
// memberlist does not see: after a restart, and periodically, as Redis re-dials
// every known node, so a partition that outlived memberlist's memory heals.
func (b *Bus) rejoinKnown(onlyMissing bool) {
	b.eng.ClusterUpdate(func(st *slots.State) slots.Effects {
		var addrs []string
		var ids, all []string
		for _, n := range st.Nodes {
			if n != st.Myself {
				all = append(all, n.ID)
			}
		}
		go b.trust(st.Myself.ID, all)
		for _, n := range st.Nodes {
			if n == st.Myself || n.IP == "" || n.CPort == 0 || n.Flags&slots.FlagNoAddr != 0 {
				continue
			}
			addrs = append(addrs, joinAddr(n.IP, n.CPort))
			ids = append(ids, n.ID)
		}
		if len(addrs) == 0 {
			return slots.Effects{}
		}
		if !b.rejoining.CompareAndSwap(false, true) {
			return slots.Effects{} // the previous round is still dialing dead nodes
		}
		// The nodes of this id's cluster: after a hard reset (a new id) they are
		// not ours to join any more (the reset node waits for a MEET).
		myID := st.Myself.ID
		go func() {
			defer b.rejoining.Store(false)
			var todo []string
			b.mu.Lock()
			for i, id := range ids {
				if b.left[id] {
					continue
				}
				if _, ok := b.members[id]; !ok || !onlyMissing {
					if t, banned := b.banned[id]; !banned || time.Now().After(t) {
						todo = append(todo, addrs[i])
					}
				}
			}
			b.mu.Unlock()
			if me := b.eng.ClusterMyself(); b.currentID() != myID || me == nil || me.ID != myID {
				return
			}
			if ml := b.ml.Load(); ml != nil && len(todo) > 0 {
				b.mu.Lock()
				known := b.learnedIP != ""
				b.mu.Unlock()
				if !known {
					b.noteJoinIP(routeIP(todo[0]))
				}
				ml.Join(todo)
			}
		}()
		return slots.Effects{}
	})
}

// askClaimLocked reports whether to ask p for its header now, and backs off:
// under load a request or its answer may be slow, and asking again every
// 500 ms would add to the load.
func (p *peer) askClaimLocked(now time.Time) bool {
	if p.hasClaim && p.claimDig == p.meta.Digest {
		p.reqWait = 0
		return false
	}
	if now.Sub(p.lastReq) <= max(p.reqWait, 500*time.Millisecond) {
		return false
	}
	p.lastReq = now
	p.reqWait = min(max(2*p.reqWait, 500*time.Millisecond), 8*time.Second)
	return true
}
