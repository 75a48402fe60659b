// Forming the raft group from hello messages, for deployments that do not list
// `sentinel raft-peers`: the sentinels of a master find each other as Redis
// Sentinels do, and the one with the smallest id starts a group that the others
// are added to. A sentinel's raft address is its announced address: raft shares
// the sentinel port (raftmux.go).

package sentinel

import (
	"net"
	"strconv"
	"time"

	"github.com/hashicorp/raft"
	"go.uber.org/zap"
)

// discoverySettle is how long a sentinel listens to hellos before it may start a
// group alone: long enough to hear every sentinel's hello (published every 2 s).
const discoverySettle = 3 * helloPeriod

// discoverRaftLocked bootstraps or grows the raft group. mu held.
func (s *Sentinel) discoverRaftLocked(now time.Time, leader bool) {
	if s.raft == nil || now.Sub(s.lastJoinCheck) < time.Second {
		return
	}
	s.lastJoinCheck = now
	known := map[string]*instance{} // run id -> any instance of that sentinel
	for _, m := range s.masters {
		for id, se := range m.sentinels {
			if now.Sub(se.lastHello) < 5*s.tm.get(tPublish) {
				known[id] = se
			}
		}
	}
	if s.raft.State() != raft.Leader && s.raft.Leader() == "" && s.raftEmpty() {
		// Hellos arrive only through a reachable master (or its replicas): a
		// sentinel that cannot reach any has heard nobody yet, and starting a
		// group of its own then would split the sentinels into several groups.
		linked := false
		for _, m := range s.masters {
			if m.instance.connected && !m.instance.infoRefresh.IsZero() {
				linked = true
			}
		}
		if !linked {
			s.linkedSince = time.Time{}
		} else if s.linkedSince.IsZero() {
			s.linkedSince = now
		}
		// Alone, wait to have heard hellos for a while; once others are heard,
		// the smallest id starts the group at once.
		if len(known) == 0 && (!linked || now.Sub(s.started) < discoverySettle || now.Sub(s.linkedSince) < discoverySettle) {
			return
		}
		for id := range known {
			if id < s.myid {
				return // the smallest id starts the group; we will be added
			}
		}
		_, self, err := s.raftPeers()
		if err != nil {
			return
		}
		s.log.Info("starting the sentinel raft group", zap.String("id", self.ID))
		go s.raft.BootstrapCluster(raft.Configuration{Servers: []raft.Server{
			{ID: raft.ServerID(self.ID), Address: raft.ServerAddress(self.Addr)}}})
		return
	}
	if !leader {
		return
	}
	members := map[string]bool{}
	if f := s.raft.GetConfiguration(); f.Error() == nil {
		for _, srv := range f.Configuration().Servers {
			members[string(srv.ID)] = true
		}
	}
	if s.joining == nil {
		s.joining = map[string]bool{}
	}
	for _, se := range known {
		id := net.JoinHostPort(se.ip, strconv.Itoa(se.port))
		if members[id] || s.joining[id] {
			continue
		}
		addr := id // raft shares the announced sentinel port (raftmux.go)
		s.joining[id] = true
		s.log.Info("adding sentinel to the raft group", zap.String("id", id), zap.String("raft", addr))
		go func() {
			err := s.raft.AddVoter(raft.ServerID(id), raft.ServerAddress(addr), 0, 5*time.Second).Error()
			s.mu.Lock()
			delete(s.joining, id)
			s.mu.Unlock()
			if err != nil {
				s.log.Warn("cannot add sentinel to the raft group", zap.String("id", id), zap.Error(err))
			}
		}()
	}
}

// raftEmpty reports whether this node has no raft configuration yet.
func (s *Sentinel) raftEmpty() bool {
	f := s.raft.GetConfiguration()
	return f.Error() == nil && len(f.Configuration().Servers) == 0
}

// groupCanDecideLocked is the guard against a raft group that does not stand for
// the sentinels of m (a group formed by discovery while some were unreachable):
// it must hold at least quorum voters and a majority of the sentinels known for m.
func (s *Sentinel) groupCanDecideLocked(m *master) bool {
	voters := s.raftVoters()
	return voters >= m.cfg.Quorum && voters >= (len(m.sentinels)+1)/2+1
}
