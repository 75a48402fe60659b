// The sentinels' raft group: bootstrap from `sentinel raft-peers`, the durable
// store in the data dir, and what happens on every sentinel when an entry commits.

package sentinel

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	"github.com/keygrid/keygrid/engine/tlsconf"
	"go.uber.org/zap"
)

// raftPeer is one member of the group: ID is its client address (so any sentinel
// can reach the leader's SENTINEL port), Addr its raft transport address.
type raftPeer struct {
	ID   string
	Addr string
}

// parsePeer reads "host:port" or "host:port@raftport".
func parsePeer(s string) (raftPeer, error) {
	client, rport, hasRaft := strings.Cut(s, "@")
	host, port, err := net.SplitHostPort(client)
	if err != nil {
		return raftPeer{}, fmt.Errorf("bad raft peer %q: %v", s, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return raftPeer{}, fmt.Errorf("bad raft peer %q", s)
	}
	if !hasRaft {
		rport = strconv.Itoa(p) // raft shares the sentinel's port (raftmux.go)
	}
	return raftPeer{ID: client, Addr: net.JoinHostPort(host, rport)}, nil
}

// raftPeers returns the group and which member this sentinel is.
func (s *Sentinel) raftPeers() ([]raftPeer, raftPeer, error) {
	port := s.cfg.AnnouncePort
	if port == 0 && s.cfg.TLS.Replication && s.cfg.TLSPort != 0 {
		port = s.cfg.TLSPort // the address other sentinels reach us at, as announce()
	}
	if port == 0 {
		port = s.cfg.Port
	}
	host := s.cfg.AnnounceIP
	if host == "" {
		host = "127.0.0.1"
		if s.cfg.Bind != "" {
			host = strings.Fields(s.cfg.Bind)[0]
		}
	}
	if len(s.cfg.RaftPeers) == 0 {
		// Discovery mode: the group forms from hello messages (discovery.go).
		self := raftPeer{ID: net.JoinHostPort(host, strconv.Itoa(port))}
		rp := s.cfg.RaftPort
		if rp == 0 {
			rp = port
		}
		self.Addr = net.JoinHostPort(host, strconv.Itoa(rp))
		return []raftPeer{self}, self, nil
	}
	var peers []raftPeer
	var self raftPeer
	found := false
	for _, p := range s.cfg.RaftPeers {
		rp, err := parsePeer(p)
		if err != nil {
			return nil, raftPeer{}, err
		}
		peers = append(peers, rp)
		h, pp, _ := net.SplitHostPort(rp.ID)
		mine := pp == strconv.Itoa(port) || (s.cfg.AnnouncePort == 0 && pp == strconv.Itoa(s.cfg.Port))
		if mine && (h == host || h == s.cfg.AnnounceIP || h == "localhost") && !found {
			self, found = rp, true
		}
	}
	if !found {
		return nil, raftPeer{}, fmt.Errorf("this sentinel (%s:%d) is not in sentinel raft-peers", host, port)
	}
	if s.cfg.RaftPort != 0 {
		h, _, _ := net.SplitHostPort(self.Addr)
		self.Addr = net.JoinHostPort(h, strconv.Itoa(s.cfg.RaftPort))
	}
	return peers, self, nil
}

func (s *Sentinel) startRaft() error {
	peers, self, err := s.raftPeers()
	if err != nil {
		return err
	}
	dir := filepath.Join(s.cfg.Dir, "sentinel-raft")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Raft's own messages go to the sentinel's log (its logfile), not to
	// stderr: Redis writes nothing to stderr once started, and tools (Redis's
	// test suite among them) treat output there as an error.
	hlog := hclog.New(&hclog.LoggerOptions{Name: "raft", Level: hclog.Warn, Output: logWriter{s.log},
		DisableTime: true})
	conf := raft.DefaultConfig()
	conf.LocalID = raft.ServerID(self.ID)
	conf.Logger = hlog
	// Faster than raft's WAN-friendly defaults (a dead leader is replaced in
	// 2-4 s, well under usual down-after-milliseconds), but not so fast that a
	// loaded host makes leaders come and go while nothing fails: each election
	// is a window in which no failover can start or commit. The leader
	// heartbeats every HeartbeatTimeout/10 (200 ms); a follower stands for
	// election after 2-4 s without one; a leader steps down after 1 s without
	// reaching a majority, so a deposed leader has stopped acting (re-pointing
	// replicas) before the majority can elect another. At 500/500/250 ms, and
	// still at 1000/1000/500 ms, a stall of the sentinel process on a busy 2-core
	// machine (load average 28) deposed healthy leaders in the middle of a
	// failover ("failed to contact quorum of nodes, stepping down").
	conf.HeartbeatTimeout = 2 * time.Second
	conf.ElectionTimeout = 2 * time.Second
	conf.LeaderLeaseTimeout = time.Second
	// The log is a few entries per failover: snapshot often so the store stays tiny.
	conf.SnapshotThreshold = 32
	conf.TrailingLogs = 32
	conf.SnapshotInterval = 30 * time.Second
	if s.raftConfHook != nil {
		s.raftConfHook(conf)
	}

	bindHost := "0.0.0.0"
	if s.cfg.Bind != "" {
		bindHost = strings.Fields(s.cfg.Bind)[0]
	}
	_, rport, _ := net.SplitHostPort(self.Addr)
	adv, err := net.ResolveTCPAddr("tcp", self.Addr)
	if err != nil {
		return err
	}
	stream := newRaftStream(adv, s.tlsClient)
	if s.cfg.RaftPort != 0 {
		ln, err := net.Listen("tcp", net.JoinHostPort(bindHost, rport))
		if err != nil {
			return fmt.Errorf("raft transport on %s: %v", self.Addr, err)
		}
		if s.tlsClient != nil {
			srv, _, err := tlsconf.Build(s.cfg.TLS)
			if err != nil {
				ln.Close()
				return err
			}
			ln = tls.NewListener(ln, srv)
		}
		go stream.serveListener(ln)
	}
	s.rstream = stream
	trans := raft.NewNetworkTransportWithLogger(stream, 3, 2*time.Second, hlog)
	store, err := openFileStore(filepath.Join(dir, "raft-log.json"))
	if err != nil {
		trans.Close()
		return err
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(dir, 2, hlog)
	if err != nil {
		trans.Close()
		return err
	}
	s.fsm.onSwitch = s.onSwitch
	s.fsm.onSwitchEnd = func(c command) {
		s.mu.Lock()
		defer s.mu.Unlock()
		m := s.masters[c.Name]
		if m == nil {
			return
		}
		if m.pendingSwitch != nil && m.pendingSwitch.epoch == c.Epoch {
			s.announceSwitchLocked(m)
		}
		// A SENTINEL FAILOVER this sentinel forwarded ends with the leader's
		// +failover-end, not with the switch (announced here at the promotion):
		// the Redis sentinel that was asked shows failover_in_progress, and
		// answers INPROG, until its replicas are reconfigured.
		if !m.forwardedFailover.IsZero() && c.Epoch > m.forwardedBase {
			m.forwardedFailover, m.forwardedTo = time.Time{}, ""
		}
	}
	// Runtime configuration is each sentinel's own (localstate.go): entries
	// of the monitor and sentinel-config kinds that older versions committed
	// are kept in the state machine but no longer applied.
	s.fsm.onRestore = func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, m := range s.masters {
			s.syncFromFSMLocked(m)
		}
	}
	s.fsm.onFailoverAbort = s.onFailoverAbort
	s.fsm.onEpoch = func(epoch uint64, name, leader string) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.eventm("+new-epoch", s.masters[name], "%d", epoch)
		// Committing the epoch is this sentinel's vote for the sentinel that
		// proposed it, as Redis's sentinels vote for the first asker of an
		// epoch. That sentinel publishes its own vote after +try-failover,
		// as Redis's candidate does (runFailover).
		if leader != "" && leader != s.myid {
			s.eventm("+vote-for-leader", s.masters[name], "%s %d", leader, epoch)
		}
	}
	has, err := raft.HasExistingState(store, store, snaps)
	if err != nil {
		trans.Close()
		return err
	}
	s.discovery = len(s.cfg.RaftPeers) == 0
	if !has && !s.discovery {
		var servers []raft.Server
		for _, p := range peers {
			servers = append(servers, raft.Server{ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.Addr)})
		}
		// Every sentinel bootstraps with the same list, which raft allows: the
		// first election settles the leader.
		if err := raft.BootstrapCluster(conf, store, store, snaps, trans, raft.Configuration{Servers: servers}); err != nil {
			trans.Close()
			return err
		}
	}
	r, err := raft.NewRaft(conf, s.fsm, store, store, snaps, trans)
	if err != nil {
		trans.Close()
		return err
	}
	s.raft, s.trans, s.store = r, trans, store
	s.listenLegacyRaftAddr(self, bindHost, stream)
	s.watchRaftPeers()
	return nil
}

// listenLegacyRaftAddr keeps a group formed by an older keygrid working: its
// raft configuration names this sentinel at a separate raft port (the old
// default, port+10000), which the other members keep dialing; listen there too.
func (s *Sentinel) listenLegacyRaftAddr(self raftPeer, bindHost string, stream *raftStream) {
	f := s.raft.GetConfiguration()
	if f.Error() != nil {
		return
	}
	for _, srv := range f.Configuration().Servers {
		if string(srv.ID) != self.ID || string(srv.Address) == self.Addr {
			continue
		}
		_, port, err := net.SplitHostPort(string(srv.Address))
		if err != nil {
			return
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(bindHost, port))
		if err != nil {
			s.log.Warn("cannot listen on the raft address the group knows this sentinel by (" +
				string(srv.Address) + "): " + err.Error())
			return
		}
		if s.tlsClient != nil {
			srvCfg, _, err := tlsconf.Build(s.cfg.TLS)
			if err != nil {
				ln.Close()
				return
			}
			ln = tls.NewListener(ln, srvCfg)
		}
		s.log.Warn("raft: also listening on " + string(srv.Address) + ", this sentinel's address in the existing group")
		go stream.serveLegacy(ln)
		return
	}
}

// isLeader reports whether this sentinel leads the raft group.
func (s *Sentinel) isLeader() bool { return s.raft != nil && s.raft.State() == raft.Leader }

// leaderClientAddr is the SENTINEL port of the current raft leader, or "".
func (s *Sentinel) leaderClientAddr() string {
	if s.raft == nil {
		return ""
	}
	_, id := s.raft.LeaderWithID()
	return string(id)
}

// apply commits c and returns the FSM's verdict. Never call with mu held: the FSM
// callbacks take it.
func (s *Sentinel) apply(c command) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	f := s.raft.Apply(b, 5*time.Second)
	if err := f.Error(); err != nil {
		return err
	}
	if e, ok := f.Response().(error); ok && e != nil {
		return e
	}
	return nil
}

// onSwitch runs on every sentinel when a failover's outcome commits: from now on
// clients asking for the master get the new address. The other sentinels tell
// it at once (+config-update-from, +switch-master), as Redis's do when the
// leader's hello right after the promotion (sentinelForceHelloUpdateForMaster)
// carries the new epoch; the leader tells it at the failover's end
// (opSwitchEnd or the failover timeout), where Redis's leader does. Waiting
// for the end everywhere made clients that follow +switch-master learn of the
// new master seconds after Redis Sentinel's would (the replicas' resync).
func (s *Sentinel) onSwitch(c command) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.masters[c.Name]
	if m == nil {
		return
	}
	s.switchMasterLocked(m, c.IP, c.Port, c.Replicas, c.Epoch, c.Leader, c.Leader == s.myid)
}

// onFailoverAbort runs on every sentinel when the leader's failover of a master
// ended without a promotion. A sentinel that handed a SENTINEL FAILOVER of that
// master to the leader shows it in progress until then: as Redis's
// sentinelAbortFailover, it leaves that state at once (and tells its own
// subscribers, who asked it for the failover), instead of at the failover
// timeout. An abort of an earlier failover applied late by a lagging follower
// can end the state early; it never starts or blocks a failover.
func (s *Sentinel) onFailoverAbort(c command) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.masters[c.Name]
	if m == nil || c.Leader == s.myid {
		return
	}
	m.abortSeen = time.Now()
	if m.forwardedFailover.IsZero() {
		return
	}
	m.forwardedFailover, m.forwardedTo = time.Time{}, ""
	if s.running {
		s.event("-failover-abort-"+c.Value, m.instance, "")
	}
}

// switchMasterLocked points m at a new address (sentinelResetMasterAndChangeAddress).
// With later set, the announcement (+switch-master, then +slave for each
// replica) is kept in m.pendingSwitch for announceSwitchLocked; otherwise it is
// published now. leader is the sentinel that ran the failover ("" if unknown).
func (s *Sentinel) switchMasterLocked(m *master, ip string, port int, replicas []string, epoch uint64, leader string, later bool) {
	if epoch > m.configEpoch {
		m.configEpoch = epoch
	}
	if m.ip == ip && m.port == port {
		return
	}
	// An older switch still unannounced is told first, so subscribers see every
	// address change in order.
	s.announceSwitchLocked(m)
	oldIP, oldPort := m.ip, m.port
	s.stopMasterLinksLocked(m)
	m.instance = newInstance(kindMaster, m.name, ip, port, m)
	m.odown = false
	m.replicas = map[string]*instance{}
	sentinels := m.sentinels
	m.sentinels = map[string]*instance{}
	if s.running {
		s.startLinks(m.instance)
	}
	for _, se := range sentinels {
		n := newInstance(kindSentinel, se.name, se.ip, se.port, m)
		n.runid, n.lastHello = se.runid, se.lastHello
		m.sentinels[se.name] = n
		if s.running {
			s.startLinks(n)
		}
	}
	for _, r := range replicas {
		h, p, err := net.SplitHostPort(r)
		if err != nil {
			continue
		}
		s.addReplicaLocked(m, h, p, false)
	}
	m.pendingSwitch = &pendingSwitch{epoch: epoch, oldIP: oldIP, oldPort: oldPort, newIP: ip, newPort: port,
		leader: leader, replicas: replicas, deadline: time.Now().Add(m.cfg.FailoverTimeout)}
	if !later {
		s.announceSwitchLocked(m)
	}
}

// announceSwitchLocked publishes m's pending switch, as Redis does at the end of
// a failover: +config-update-from (on sentinels other than the one that ran it),
// +switch-master, then +slave for each replica of the new master.
func (s *Sentinel) announceSwitchLocked(m *master) {
	ps := m.pendingSwitch
	if ps == nil {
		return
	}
	m.pendingSwitch = nil
	if ps.leader != "" && ps.leader != s.myid {
		if se := m.sentinels[ps.leader]; se != nil {
			s.event("+config-update-from", se, "")
		}
	}
	s.eventm("+switch-master", m, "%s %s %d %s %d", m.name, ps.oldIP, ps.oldPort, ps.newIP, ps.newPort)
	if ps.leader != s.myid {
		// Sentinels that did not run the failover learn of it here, as Redis's
		// do from the hello that carries the new configuration.
		s.clientReconfScriptLocked(m, "observer", "start", ps.oldIP, ps.oldPort, ps.newIP, ps.newPort)
	}
	if !s.running {
		return
	}
	for _, r := range ps.replicas {
		if ri := m.replicas[r]; ri != nil {
			s.event("+slave", ri, "")
		}
	}
}

// syncFromFSMLocked applies what the restored raft state says about m.
func (s *Sentinel) syncFromFSMLocked(m *master) {
	rec, ok := s.fsm.master(m.name)
	if !ok || rec.ConfigEpoch <= m.configEpoch || rec.ConfigEpoch <= m.baseEpoch {
		return
	}
	s.switchMasterLocked(m, rec.IP, rec.Port, rec.Replicas, rec.ConfigEpoch, rec.Leader, false)
}

// forward sends a command to the raft leader and returns its raw reply.
func (s *Sentinel) forward(b []byte, args ...string) []byte {
	// Right after an election a follower may not have heard from the new leader.
	leader := s.leaderClientAddr()
	for deadline := time.Now().Add(3 * time.Second); leader == "" && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		leader = s.leaderClientAddr()
	}
	if leader == "" {
		return append(b, "-NOQUORUM no raft leader: a majority of sentinels is not reachable\r\n"...)
	}
	lc, err := s.dial(leader, 2*time.Second)
	if err != nil {
		return append(b, ("-NOQUORUM cannot reach the raft leader " + leader + "\r\n")...)
	}
	defer lc.Close()
	if auth := s.sentinelAuth(); auth != nil {
		lc.do(2*time.Second, auth...)
	}
	v, err := lc.do(10*time.Second, args...)
	if err != nil {
		return append(b, ("-NOQUORUM cannot reach the raft leader " + leader + "\r\n")...)
	}
	return append(b, v.Raw...)
}

// logWriter hands hclog's lines to the sentinel's logger.
type logWriter struct{ log *zap.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	line := strings.TrimSpace(string(p))
	if strings.HasPrefix(line, "[ERROR]") || strings.HasPrefix(line, "[WARN]") {
		w.log.Warn(line)
	} else {
		w.log.Info(line)
	}
	return len(p), nil
}
