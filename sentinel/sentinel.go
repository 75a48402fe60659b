// The Sentinel object: state, lifecycle, and the timer that turns link state into
// SDOWN/ODOWN and starts failovers (Redis's sentinelTimer).

package sentinel

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	"github.com/keygrid/keygrid/engine"
	"github.com/keygrid/keygrid/engine/tlsconf"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// Sentinel is one running sentinel process.
type Sentinel struct {
	cfg  *Config
	path string // config file, for INFO
	log  *zap.Logger

	mu      sync.Mutex
	myid    string
	runID   string // process run id, INFO run_id
	masters map[string]*master
	order   []string // master names, in monitor order
	tilt    bool
	tiltAt  time.Time
	lastRun time.Time
	started time.Time
	simFail int // SENTINEL SIMULATE-FAILURE flags
	// discovery is set when no raft-peers are configured: the raft group is
	// formed from the sentinels heard in hello messages (discovery.go).
	discovery     bool
	lastJoinCheck time.Time
	linkedSince   time.Time       // since when a master has answered (discovery.go)
	joining       map[string]bool // raft IDs being added by this leader
	// peerDownSince: voters this leader fails to heartbeat, since when
	// (membership.go); removing: those being removed.
	peerDownSince map[string]time.Time
	removing      map[string]bool
	// running is set once Start has started the links; before that, adding an
	// instance only records it.
	running bool

	fsm   *fsm
	raft  *raft.Raft
	trans *raft.NetworkTransport
	// rstream feeds raft the connections that open with its preamble (raftmux.go).
	rstream *raftStream
	store   *fileStore

	ps *pubsub
	ln net.Listener
	// tlsLn is the tls-port listener, tlsClient the configuration of the links
	// this sentinel makes with tls-replication yes (both nil without TLS).
	tlsLn     net.Listener
	tlsClient *tls.Config
	metrics   *metrics
	// tm: the timing parameters SENTINEL DEBUG changes (timing.go).
	tm *timings
	// local is this sentinel's runtime configuration (localstate.go).
	local localState
	// acl: the users (acl.go).
	acl *engine.ACLUsers
	// leaderChanges counts the raft leaders this sentinel has seen elected
	// (the first one included); lastLeader is the latest (mu).
	leaderChanges atomic.Int64
	lastLeader    raft.ServerID
	// failoverHook, when set (tests), is called with each state a failover this
	// sentinel runs enters, outside mu.
	failoverHook func(state string)
	// handingOver: a raft leadership transfer asked by a follower that sees
	// a master ODOWN is under way (handover.go).
	handingOver atomic.Bool
	// raftConfHook, when set (tests) before Start, adjusts the raft config.
	raftConfHook func(*raft.Config)
	// acllog is ACL LOG (acl.go).
	acllog aclLog
	// scripts: the notification and client-reconfig script queue (scripts.go).
	scripts scriptQueue
	// clients: open client connections, for CLIENT KILL and ACL DELUSER.
	clientsMu sync.Mutex
	clients   map[*client]struct{}

	stopOnce sync.Once
	stopped  chan struct{}
	wg       sync.WaitGroup
}

// Simulated failures (SENTINEL SIMULATE-FAILURE), as Redis's flags.
const (
	simCrashAfterElection  = 1 << iota // exit right after winning leadership
	simCrashAfterPromotion             // exit right after promoting the replica
)

// New builds a sentinel from cfg; Start runs it. reg may be nil.
func New(cfg *Config, path string, log *zap.Logger, reg prometheus.Registerer) (*Sentinel, error) {
	if log == nil {
		log = zap.NewNop()
	}
	s := &Sentinel{cfg: cfg, path: path, log: log, masters: map[string]*master{},
		stopped: make(chan struct{}), ps: newPubsub(), started: time.Now(), tm: newTimings()}
	s.runID = randomID()
	s.myid = cfg.MyID
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, err
	}
	if s.myid == "" {
		// The id must survive restarts (other sentinels know us by it), and the
		// config file may be read-only: keep it in the data dir.
		idFile := filepath.Join(cfg.Dir, "sentinel-myid")
		if b, err := os.ReadFile(idFile); err == nil && len(b) >= 40 {
			s.myid = string(b[:40])
		} else {
			s.myid = randomID()
			if err := os.WriteFile(idFile, []byte(s.myid+"\n"), 0o644); err != nil {
				return nil, err
			}
		}
	}
	s.fsm = newFSM()
	for _, mc := range cfg.Masters {
		if _, err := s.addMaster(*mc); err != nil {
			return nil, err
		}
	}
	if err := s.loadLocalState(); err != nil {
		return nil, err
	}
	if err := s.applyLocalStateLocked(); err != nil {
		return nil, err
	}
	if err := s.initACL(); err != nil {
		return nil, err
	}
	s.clients = map[*client]struct{}{}
	s.metrics = newMetrics(s, reg)
	return s, nil
}

func randomID() string {
	var b [20]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// resolve turns a configured host into an address, as Redis does with
// resolve-hostnames (without it, only IP addresses are accepted).
func (s *Sentinel) resolve(host string) (string, error) {
	if net.ParseIP(host) != nil {
		return host, nil
	}
	if !s.cfg.ResolveHostnames {
		return "", errors.New("Can't resolve instance hostname.")
	}
	if s.cfg.AnnounceHostnames {
		return host, nil
	}
	addrs, err := net.LookupHost(host)
	if err != nil || len(addrs) == 0 {
		return "", errors.New("Can't resolve instance hostname.")
	}
	return addrs[0], nil
}

// addMaster registers a group. Call with mu held, or before Start.
func (s *Sentinel) addMaster(mc MasterConfig) (*master, error) {
	if _, ok := s.masters[mc.Name]; ok {
		return nil, errors.New("Duplicated master name")
	}
	ip, err := s.resolve(mc.Host)
	if err != nil {
		return nil, err
	}
	m := &master{cfg: mc, replicas: map[string]*instance{}, sentinels: map[string]*instance{}}
	m.instance = newInstance(kindMaster, mc.Name, ip, mc.Port, nil)
	m.instance.master = m
	s.masters[mc.Name] = m
	s.order = append(s.order, mc.Name)
	for _, r := range mc.KnownReplicas {
		if h, p, err := net.SplitHostPort(r); err == nil {
			s.addReplicaLocked(m, h, p, false)
		}
	}
	return m, nil
}

// Start opens the raft group and the client port and starts monitoring.
func (s *Sentinel) Start() error {
	addr := net.JoinHostPort(s.cfg.Bind, strconv.Itoa(s.cfg.Port))
	if s.cfg.Bind == "" {
		addr = ":" + strconv.Itoa(s.cfg.Port)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("Could not create server TCP listening socket %s: %v", addr, err)
	}
	s.ln = ln
	if s.cfg.Port == 0 {
		s.cfg.Port = ln.Addr().(*net.TCPAddr).Port
	}
	// What redis-sentinel logs once bound, in place of its logo off a terminal.
	s.log.Info(fmt.Sprintf("Running mode=sentinel, port=%d.", s.cfg.Port))
	if err := s.startTLS(); err != nil {
		ln.Close()
		return err
	}
	if err := s.startRaft(); err != nil {
		ln.Close()
		if s.tlsLn != nil {
			s.tlsLn.Close()
		}
		return err
	}
	s.mu.Lock()
	s.running = true
	// The committed log overrides the config file: a failover that happened before
	// a restart is not undone by a stale `sentinel monitor` line.
	for _, m := range s.masters {
		s.syncFromFSMLocked(m)
		s.startLinks(m.instance)
		for _, r := range m.replicas {
			s.startLinks(r)
		}
	}
	s.lastRun = time.Now()
	s.mu.Unlock()
	s.wg.Add(2)
	go s.serve()
	go s.timer()
	if s.tlsLn != nil {
		s.wg.Add(1)
		go s.serveOn(s.tlsLn)
	}
	s.log.Warn("Sentinel ID is " + s.myid)
	for _, n := range s.order {
		m := s.masters[n]
		s.event("+monitor", m.instance, "quorum %d", m.cfg.Quorum)
	}
	return nil
}

// Addr is the client address the sentinel listens on.
func (s *Sentinel) Addr() string { return s.ln.Addr().String() }

// Shutdown stops everything; it is idempotent.
func (s *Sentinel) Shutdown() {
	s.stopOnce.Do(func() {
		close(s.stopped)
		if s.tlsLn != nil {
			s.tlsLn.Close()
		}
		if s.ln != nil {
			s.ln.Close()
		}
		s.mu.Lock()
		for _, m := range s.masters {
			s.stopMasterLinksLocked(m)
		}
		s.mu.Unlock()
		s.ps.closeAll()
		if s.raft != nil {
			// A snapshot of the committed state is restored as soon as the next
			// start opens raft, before any leader is reachable.
			s.raft.Snapshot().Error()
			s.raft.Shutdown().Error()
		}
		if s.trans != nil {
			s.trans.Close()
		}
		if s.metrics != nil {
			s.metrics.close()
		}
		s.wg.Wait()
	})
}

func stopInstance(ri *instance) {
	select {
	case <-ri.stop:
	default:
		close(ri.stop)
	}
}

func (s *Sentinel) stopMasterLinksLocked(m *master) {
	stopInstance(m.instance)
	for _, r := range m.replicas {
		stopInstance(r)
	}
	for _, se := range m.sentinels {
		stopInstance(se)
	}
}

// announce returns the address this sentinel gives in hello messages.
func (s *Sentinel) announce(local net.Addr) (string, int) {
	ip := s.cfg.AnnounceIP
	if ip == "" && local != nil {
		if ta, ok := local.(*net.TCPAddr); ok {
			ip = ta.IP.String()
		}
	}
	port := s.cfg.AnnouncePort
	if port == 0 && s.cfg.TLS.Replication && s.cfg.TLSPort != 0 {
		port = s.cfg.TLSPort // the other sentinels dial us with TLS (Redis's sentinelSendHello)
	}
	if port == 0 {
		port = s.cfg.Port
	}
	return ip, port
}

// timer runs ten times a second, like Redis's sentinelTimer at hz 10.
func (s *Sentinel) timer() {
	defer s.wg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.stopped:
			return
		case <-t.C:
		}
		s.tick()
		s.scriptsTick()
	}
}

func (s *Sentinel) tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	// TILT: the timer ran far too late or the clock went backwards. State measured
	// in such a period is not trusted, so nothing is acted upon for 30 s.
	delta := now.Sub(s.lastRun)
	s.lastRun = now
	if delta < 0 || delta > s.tm.get(tTiltTrigger) {
		if !s.tilt {
			s.tilt = true
			s.tiltAt = now
			s.eventf("+tilt", "#tilt mode entered")
		} else {
			s.tiltAt = now
		}
	}
	if s.tilt {
		if now.Sub(s.tiltAt) < s.tm.get(tTiltPeriod) {
			return
		}
		s.tilt = false
		s.eventf("-tilt", "#tilt mode exited")
	}
	leader := s.isLeader()
	for _, m := range s.masters {
		// A forwarded SENTINEL FAILOVER dies with the leadership of the
		// sentinel that ran it (a new leader does not resume it).
		if !m.forwardedFailover.IsZero() && s.leaderClientAddr() != m.forwardedTo {
			m.forwardedFailover, m.forwardedTo = time.Time{}, ""
		}
	}
	if s.discovery {
		s.discoverRaftLocked(now, leader)
	}
	if leader {
		if !s.discovery {
			s.readdRaftPeersLocked(now)
		}
		if s.cfg.RaftRemoveAfter > 0 {
			s.pruneRaftLocked(now, s.cfg.RaftRemoveAfter)
		}
	}
	for _, name := range s.order {
		m := s.masters[name]
		s.checkSDown(m.instance, now)
		for _, r := range m.replicas {
			s.checkSDown(r, now)
		}
		for _, se := range m.sentinels {
			s.checkSDown(se, now)
		}
		s.checkODown(m, now)
		if ps := m.pendingSwitch; ps != nil && now.After(ps.deadline) {
			s.announceSwitchLocked(m)
		}
		if leader {
			s.maybeStartFailover(m, now)
			s.fixReplicaConfig(m, now)
		} else {
			s.askLeaderLocked(m, now)
		}
	}
}

// checkSDown is sentinelCheckSubjectivelyDown.
func (s *Sentinel) checkSDown(ri *instance, now time.Time) {
	down := ri.cfgDownAfter()
	// Without a link, the instance has not answered since its last valid reply;
	// with one, it has not answered the oldest pending PING. (The first check
	// comes first so that a crash is timed from the last reply, not from the
	// PING that found the connection dead.)
	var elapsed time.Duration
	if !ri.connected {
		elapsed = now.Sub(ri.lastAvail)
	} else if !ri.pingPending.IsZero() {
		elapsed = now.Sub(ri.pingPending)
	}
	sdown := elapsed > down
	// A master that keeps reporting itself as a replica is down too: it cannot take
	// writes (Redis: down_after + 2 INFO periods).
	if ri.kind == kindMaster && ri.roleReported == "slave" &&
		now.Sub(ri.roleReportedTime) > down+2*s.tm.get(tInfo) {
		sdown = true
	}
	if ri.rebooting && now.Sub(ri.rebootSince) > ri.master.cfg.RebootDownAfter {
		sdown = true
	}
	if sdown && !ri.sdown {
		ri.sdown = true
		ri.sdownAt = now
		s.event("+sdown", ri, "")
	} else if !sdown && ri.sdown {
		ri.sdown = false
		s.event("-sdown", ri, "")
	}
}

func (ri *instance) cfgDownAfter() time.Duration { return ri.master.cfg.DownAfter }

// checkODown is sentinelCheckObjectivelyDown: quorum counts this sentinel and
// every other one that recently replied that the master is down.
func (s *Sentinel) checkODown(m *master, now time.Time) {
	votes := 0
	if m.sdown {
		votes = 1
		for _, se := range m.sentinels {
			if se.masterDownSays && now.Sub(se.masterDownReplied) < 5*s.tm.get(tAsk) {
				votes++
			}
		}
	}
	odown := m.sdown && votes >= m.cfg.Quorum
	if odown && !m.odown {
		m.odown = true
		m.odownAt = now
		s.event("+odown", m.instance, "#quorum %d/%d", votes, m.cfg.Quorum)
	} else if !odown && m.odown {
		m.odown = false
		s.event("-odown", m.instance, "")
	}
}

// sortedReplicas lists m's replicas by address, for stable replies.
func sortedReplicas(m *master) []*instance {
	out := make([]*instance, 0, len(m.replicas))
	for _, r := range m.replicas {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func sortedSentinels(m *master) []*instance {
	out := make([]*instance, 0, len(m.sentinels))
	for _, r := range m.sentinels {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// startTLS configures TLS when tls-port or tls-replication asks for it, with
// Redis's start-up checks, and opens tls-port.
func (s *Sentinel) startTLS() error {
	if s.cfg.TLSPort == 0 && !s.cfg.TLS.Replication {
		return nil
	}
	srv, cli, err := tlsconf.Build(s.cfg.TLS)
	if err != nil {
		s.log.Warn(err.Error())
		return errors.New("Failed to configure TLS. Check logs for more info.")
	}
	if s.cfg.TLS.Replication {
		s.tlsClient = cli
	}
	if s.cfg.TLSPort == 0 {
		return nil
	}
	addr := net.JoinHostPort(s.cfg.Bind, strconv.Itoa(s.cfg.TLSPort))
	if s.cfg.Bind == "" {
		addr = ":" + strconv.Itoa(s.cfg.TLSPort)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("Could not create server TLS listening socket %s: %v", addr, err)
	}
	s.tlsLn = tls.NewListener(ln, srv)
	return nil
}
