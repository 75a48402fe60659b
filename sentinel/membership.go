// Removing dead sentinels from the raft group. Redis Sentinel never forgets a
// sentinel by itself (SENTINEL RESET does); keygrid's raft group must also drop
// a sentinel that is gone for good — a Kubernetes pod replaced by one with a new
// id — or the group stays one vote short forever, and one more loss leaves it
// without a majority. The leader removes a voter it has failed to heartbeat for
// `sentinel raft-remove-after` milliseconds, or right away on SENTINEL RESET; a
// removed sentinel that comes back is added again when its hellos are heard
// (discovery.go, and re-addition of raft-peers members below).

package sentinel

import (
	"net"
	"strconv"
	"time"

	"github.com/hashicorp/raft"
	"go.uber.org/zap"
)

// watchRaftPeers follows the leader's heartbeat failures and recoveries.
func (s *Sentinel) watchRaftPeers() {
	ch := make(chan raft.Observation, 64)
	obs := raft.NewObserver(ch, false, func(o *raft.Observation) bool {
		switch o.Data.(type) {
		case raft.FailedHeartbeatObservation, raft.ResumedHeartbeatObservation, raft.LeaderObservation:
			return true
		}
		return false
	})
	s.raft.RegisterObserver(obs)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.raft.DeregisterObserver(obs)
		for {
			select {
			case <-s.stopped:
				return
			case o := <-ch:
				s.mu.Lock()
				switch d := o.Data.(type) {
				case raft.FailedHeartbeatObservation:
					if s.peerDownSince == nil {
						s.peerDownSince = map[string]time.Time{}
					}
					id := string(d.PeerID)
					if _, ok := s.peerDownSince[id]; !ok {
						since := time.Now()
						// A peer this leader never reached counts from the
						// first failure it saw.
						if !d.LastContact.IsZero() && d.LastContact.Before(since) {
							since = d.LastContact
						}
						s.peerDownSince[id] = since
					}
				case raft.ResumedHeartbeatObservation:
					delete(s.peerDownSince, string(d.PeerID))
				case raft.LeaderObservation:
					// Another leader (or none): what this one saw is stale.
					s.peerDownSince = nil
					// Counted and logged: a leader change while nothing failed
					// (election churn) delays the next failover by an election.
					// Leaderless in between counts as a change even when the
					// same sentinel wins again: an election ran.
					if d.LeaderID == "" {
						s.lastLeader = ""
					} else if d.LeaderID != s.lastLeader {
						s.lastLeader = d.LeaderID
						n := s.leaderChanges.Add(1)
						s.log.Info("raft leader is now "+string(d.LeaderID),
							zap.Int64("leader_changes", n), zap.Bool("self", string(d.LeaderID) == s.myid))
					}
				}
				s.mu.Unlock()
			}
		}
	}()
}

// pruneRaftLocked removes voters unreachable for longer than after (leader
// only, mu held); this sentinel is never among them. The timer removes one
// voter at a time (a second is looked at once the first is out); SENTINEL
// RESET (after 0) removes every voter that is unreachable now.
func (s *Sentinel) pruneRaftLocked(now time.Time, after time.Duration) {
	if after > 0 && len(s.removing) > 0 {
		return
	}
	self := s.raft.State()
	if self != raft.Leader {
		return
	}
	f := s.raft.GetConfiguration()
	if f.Error() != nil {
		return
	}
	members := map[raft.ServerID]bool{}
	for _, srv := range f.Configuration().Servers {
		members[srv.ID] = true
	}
	for id, since := range s.peerDownSince {
		if !members[raft.ServerID(id)] {
			delete(s.peerDownSince, id)
			continue
		}
		if now.Sub(since) < after || s.removing[id] {
			continue
		}
		if s.removing == nil {
			s.removing = map[string]bool{}
		}
		s.removing[id] = true
		s.log.Warn("removing unreachable sentinel from the raft group", zap.String("id", id),
			zap.Duration("unreachable", now.Sub(since)))
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			err := s.raft.RemoveServer(raft.ServerID(id), 0, 5*time.Second).Error()
			s.mu.Lock()
			delete(s.removing, id)
			if err == nil {
				delete(s.peerDownSince, id)
			}
			s.mu.Unlock()
			if err != nil {
				s.log.Warn("cannot remove sentinel from the raft group", zap.String("id", id), zap.Error(err))
			}
		}()
		if after > 0 {
			return
		}
	}
}

// readdRaftPeersLocked is the leader adding back a member of `sentinel
// raft-peers` that was removed while unreachable, once its hellos are heard
// again (discovery mode does this for every sentinel it hears). mu held.
func (s *Sentinel) readdRaftPeersLocked(now time.Time) {
	if len(s.cfg.RaftPeers) == 0 || now.Sub(s.lastJoinCheck) < time.Second {
		return
	}
	s.lastJoinCheck = now
	heard := map[string]bool{}
	for _, m := range s.masters {
		for _, se := range m.sentinels {
			if now.Sub(se.lastHello) < 5*s.tm.get(tPublish) {
				heard[net.JoinHostPort(se.ip, strconv.Itoa(se.port))] = true
			}
		}
	}
	f := s.raft.GetConfiguration()
	if f.Error() != nil {
		return
	}
	members := map[string]bool{}
	for _, srv := range f.Configuration().Servers {
		members[string(srv.ID)] = true
	}
	if s.joining == nil {
		s.joining = map[string]bool{}
	}
	for _, p := range s.cfg.RaftPeers {
		rp, err := parsePeer(p)
		if err != nil || members[rp.ID] || !heard[rp.ID] || s.joining[rp.ID] {
			continue
		}
		s.joining[rp.ID] = true
		s.log.Info("adding sentinel back to the raft group", zap.String("id", rp.ID), zap.String("raft", rp.Addr))
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			err := s.raft.AddVoter(raft.ServerID(rp.ID), raft.ServerAddress(rp.Addr), 0, 5*time.Second).Error()
			s.mu.Lock()
			delete(s.joining, rp.ID)
			s.mu.Unlock()
			if err != nil {
				s.log.Warn("cannot add sentinel to the raft group", zap.String("id", rp.ID), zap.Error(err))
			}
		}()
	}
}
