package sentinel

import (
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/keygrid/keygrid/internal/testutil"
	"go.uber.org/zap/zaptest"
)

func raftMembers(s *Sentinel) map[raft.ServerID]bool {
	out := map[raft.ServerID]bool{}
	if f := s.raft.GetConfiguration(); f.Error() == nil {
		for _, srv := range f.Configuration().Servers {
			out[srv.ID] = true
		}
	}
	return out
}

func raftLeaderOf(t *testing.T, ss []*Sentinel) (leader, follower *Sentinel) {
	t.Helper()
	waitFor(t, 15*time.Second, "a raft leader", func() bool {
		leader, follower = nil, nil
		for _, s := range ss {
			if s.isLeader() {
				leader = s
			} else {
				follower = s
			}
		}
		return leader != nil && follower != nil
	})
	return leader, follower
}

// A sentinel unreachable for raft-remove-after is removed from the raft group by
// the leader, and added back when it returns (its hellos are heard again).
func TestDeadSentinelRemovedFromRaft(t *testing.T) {
	t.Parallel()
	master := testutil.StartRedis(t)
	ss := startKeygridSentinels(t, 3, master.Port())
	for _, s := range ss {
		s.mu.Lock()
		s.cfg.RaftRemoveAfter = 2 * time.Second
		s.mu.Unlock()
	}
	leader, dead := raftLeaderOf(t, ss)
	id := raft.ServerID(dead.Addr())
	if !raftMembers(leader)[id] {
		t.Fatalf("%s is not a raft member: %v", id, raftMembers(leader))
	}
	start := time.Now()
	dead.Shutdown()
	waitFor(t, 30*time.Second, "the dead sentinel removed from the raft group", func() bool {
		m := raftMembers(leader)
		return len(m) == 2 && !m[id]
	})
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("removed after %v, before raft-remove-after (2s)", d)
	}
	// Back with the same id and data dir (a pod restarted, not replaced).
	cfg := *dead.cfg
	back, err := New(&cfg, "", zaptest.NewLogger(t).Named("back"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := back.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(back.Shutdown)
	waitFor(t, 40*time.Second, "the returning sentinel added back", func() bool {
		return len(raftMembers(leader)) == 3 && raftMembers(leader)[id]
	})
}

// With automatic removal off (raft-remove-after 0), SENTINEL RESET on the leader
// removes the voters it cannot reach, as Redis's RESET forgets dead sentinels.
func TestSentinelResetRemovesDeadRaftVoter(t *testing.T) {
	t.Parallel()
	master := testutil.StartRedis(t)
	ss := startKeygridSentinels(t, 3, master.Port())
	for _, s := range ss {
		s.mu.Lock()
		s.cfg.RaftRemoveAfter = 0
		s.cfg.RaftPeers = nil // not re-added: this test is about the removal only
		s.mu.Unlock()
	}
	leader, dead := raftLeaderOf(t, ss)
	id := dead.Addr()
	dead.Shutdown()
	waitFor(t, 15*time.Second, "the leader to notice the dead voter", func() bool {
		leader.mu.Lock()
		defer leader.mu.Unlock()
		_, ok := leader.peerDownSince[id]
		return ok
	})
	// Not removed without RESET.
	time.Sleep(time.Second)
	if len(raftMembers(leader)) != 3 {
		t.Fatalf("removed without SENTINEL RESET: %v", raftMembers(leader))
	}
	c, err := testutil.Dial(leader.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if raw, err := c.Do("SENTINEL", "RESET", "*"); err != nil || string(raw) != ":1\r\n" {
		t.Fatalf("SENTINEL RESET * = %q, %v", raw, err)
	}
	waitFor(t, 15*time.Second, "the dead voter removed", func() bool {
		m := raftMembers(leader)
		return len(m) == 2 && !m[raft.ServerID(id)]
	})
}
