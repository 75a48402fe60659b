package sentinel

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"go.uber.org/zap/zaptest"
)

// portsWithRaft returns n free ports (raft shares the sentinel port).
func portsWithRaft(t *testing.T, n int) []int {
	t.Helper()
	return freePorts(t, n)
}

// Without `sentinel raft-peers`, sentinels find each other through hello
// messages and form one raft group, which then fails the master over.
func TestRaftGroupFromHello(t *testing.T) {
	// Mostly waiting on timers: runs beside the other waiting tests.
	t.Parallel()
	master, reps := redisGroup(t)
	var ss []*Sentinel
	for i, p := range portsWithRaft(t, 3) {
		cfg := DefaultConfig()
		cfg.Port, cfg.Bind, cfg.Dir = p, "127.0.0.1", t.TempDir()
		mc := defaultMaster()
		mc.Name, mc.Host, mc.Port, mc.Quorum = "mymaster", "127.0.0.1", master.Port(), 2
		mc.DownAfter, mc.FailoverTimeout = drillDownAfter, 10*time.Second
		cfg.Masters = []*MasterConfig{mc}
		s, err := New(cfg, "", zaptest.NewLogger(t).Named(fmt.Sprint(i)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Shutdown)
		ss = append(ss, s)
	}
	waitFor(t, 25*time.Second, "one raft group of 3", func() bool {
		for _, s := range ss {
			if s.raft.State() == raft.Leader && s.raftVoters() == 3 {
				return true
			}
		}
		return false
	})
	master.Kill()
	waitFor(t, 10*time.Second, "the failover", func() bool {
		for _, s := range ss {
			if addr, _ := masterAddrOf(s); addr != reps[0].Addr() && addr != reps[1].Addr() {
				return false
			}
		}
		return true
	})
}
