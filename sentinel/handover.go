// Which sentinel fails a master over. In Redis a sentinel that sees its master
// ODOWN asks the other sentinels to vote for it (SENTINEL
// IS-MASTER-DOWN-BY-ADDR with its run id) and, once elected, runs the
// failover: the failover always follows the ODOWN of the sentinel that runs
// it, and the others vote whatever their own view of the master. In keygrid
// the raft leader runs failovers, on its own ODOWN (maybeStartFailover). A
// follower that sees the master ODOWN while the leader does not even see it
// SDOWN (the leader still reaches the master, or waits a longer
// down-after-milliseconds) would wait where Redis fails over. So the follower
// asks the leader as a Redis sentinel asks for votes, and a leader that does
// not see the master down hands its raft leadership to that follower, which
// then fails over on its own ODOWN, as Redis's elected sentinel does. A leader
// that sees the master SDOWN keeps the leadership: it reaches ODOWN itself
// from the same replies of the other sentinels.

package sentinel

import (
	"net"
	"strconv"
	"time"

	"github.com/hashicorp/raft"
)

// askLeaderLocked runs on a follower each tick: while it sees m ODOWN and no
// failover of m is known to run, it tells the leader, at most once per
// askPeriod. mu held.
func (s *Sentinel) askLeaderLocked(m *master, now time.Time) {
	if s.raft == nil || !m.odown || m.fo != nil || s.tilt || now.Sub(m.lastLeaderAsk) < askPeriod ||
		now.Before(m.forwardedFailover) {
		return
	}
	leader := s.leaderClientAddr()
	if leader == "" {
		return
	}
	m.lastLeaderAsk = now
	ip, port := m.ip, strconv.Itoa(m.port)
	epoch := strconv.FormatUint(s.fsm.currentEpoch(), 10)
	auth := s.sentinelAuth()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		c, err := s.dial(leader, time.Second)
		if err != nil {
			return
		}
		defer c.Close()
		if auth != nil {
			c.do(time.Second, auth...)
		}
		c.do(time.Second, "SENTINEL", "IS-MASTER-DOWN-BY-ADDR", ip, port, epoch, s.myid)
	}()
}

// failoverRequestLocked runs on the sentinel asked by runid (which sees m
// ODOWN, askLeaderLocked): a leader that does not see m SDOWN hands its
// leadership over to runid. mu held.
func (s *Sentinel) failoverRequestLocked(m *master, runid string, now time.Time) {
	if !s.isLeader() || m.sdown || m.fo != nil || s.tilt || s.handingOver.Load() {
		return
	}
	// Nor while this leader runs a failover of another master, which the
	// transfer would abort.
	for _, o := range s.masters {
		if o.fo != nil {
			return
		}
	}
	// Redis waits twice the failover timeout before trying again.
	if !m.failoverStart.IsZero() && now.Sub(m.failoverStart) < 2*m.cfg.FailoverTimeout {
		return
	}
	se := m.sentinels[runid]
	if se == nil {
		return
	}
	// A sentinel's raft id is its client address (raftPeers).
	id := raft.ServerID(net.JoinHostPort(se.ip, strconv.Itoa(se.port)))
	f := s.raft.GetConfiguration()
	if f.Error() != nil {
		return
	}
	var target *raft.Server
	for _, srv := range f.Configuration().Servers {
		if srv.ID == id && srv.Suffrage == raft.Voter {
			target = &srv
		}
	}
	if target == nil {
		return
	}
	s.handingOver.Store(true)
	s.log.Sugar().Warnf("Master %s is ODOWN for sentinel %s and not down for this one: handing the raft leadership over to it",
		m.name, runid)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.handingOver.Store(false)
		if err := s.raft.LeadershipTransferToServer(target.ID, target.Address).Error(); err != nil {
			s.log.Sugar().Warnf("raft leadership transfer to %s: %v", target.ID, err)
		}
	}()
}
