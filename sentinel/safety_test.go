package sentinel

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func masterAddrOf(s *Sentinel) (string, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.masters["mymaster"]
	return m.addr(), m.configEpoch
}

// Issue #8: "A sentinel minority can never fail over." With quorum 1 the lone
// surviving sentinel does see the master ODOWN, but without a raft majority it
// has no leader, so nothing is promoted.
func TestMinorityNeverFailsOver(t *testing.T) {
	// Mostly waiting on timers: runs beside the other waiting tests.
	t.Parallel()
	master, reps := redisGroup(t)
	ss := startKeygridSentinels(t, 3, master.Port())
	for _, s := range ss {
		s.mu.Lock()
		s.masters["mymaster"].cfg.Quorum = 1
		s.mu.Unlock()
	}
	waitFor(t, 10*time.Second, "a raft leader", func() bool { return ss[0].leaderClientAddr() != "" })
	waitFor(t, 10*time.Second, "replicas discovered", func() bool {
		ss[0].mu.Lock()
		defer ss[0].mu.Unlock()
		return len(ss[0].masters["mymaster"].replicas) == 2
	})
	ss[1].Shutdown()
	ss[2].Shutdown()
	waitFor(t, 5*time.Second, "the survivor to lose leadership", func() bool { return !ss[0].isLeader() })
	old := master.Addr()
	master.Kill()
	waitFor(t, 10*time.Second, "the survivor to see ODOWN", func() bool {
		ss[0].mu.Lock()
		defer ss[0].mu.Unlock()
		return ss[0].masters["mymaster"].odown
	})
	time.Sleep(3 * time.Second)
	if addr, epoch := masterAddrOf(ss[0]); addr != old || epoch != 0 {
		t.Fatalf("minority switched to %s (epoch %d)", addr, epoch)
	}
	for _, r := range reps {
		rc := redis.NewClient(&redis.Options{Addr: r.Addr()})
		info, err := rc.Info(context.Background(), "replication").Result()
		rc.Close()
		if err != nil || !strings.Contains(info, "role:slave") {
			t.Fatalf("replica %s was promoted by a minority: %q %v", r.Addr(), info, err)
		}
	}
}

// Issue #8: "SIGSTOP the master for half of down-after-milliseconds: no failover."
func TestPausedMasterNoFailover(t *testing.T) {
	// Mostly waiting on timers: runs beside the other waiting tests.
	t.Parallel()
	master, _ := redisGroup(t)
	ss := startKeygridSentinels(t, 3, master.Port())
	waitFor(t, 10*time.Second, "a raft leader", func() bool { return ss[0].leaderClientAddr() != "" })
	pid := master.Pid()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(drillDownAfter / 2)
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * drillDownAfter)
	for _, s := range ss {
		s.mu.Lock()
		m := s.masters["mymaster"]
		sdown, epoch := m.sdown, m.configEpoch
		s.mu.Unlock()
		if sdown || epoch != 0 {
			t.Fatalf("sentinel %s: sdown=%v epoch=%d after a pause shorter than down-after", s.Addr(), sdown, epoch)
		}
	}
	if addr, _ := masterAddrOf(ss[0]); addr != master.Addr() {
		t.Fatalf("failed over to %s", addr)
	}
}

// TILT: a timer run much later than expected (clock jump, process stall) stops all
// acting for tilt-period, and is reported as +tilt.
func TestTilt(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Dir = t.TempDir()
	s, err := New(cfg, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.lastRun = time.Now().Add(-3 * time.Second)
	s.tick()
	if !s.tilt {
		t.Fatal("no TILT after a 3 s timer gap")
	}
	s.lastRun = time.Now().Add(time.Hour) // the clock went backwards
	s.tiltAt = time.Now().Add(-time.Hour)
	s.tick()
	if !s.tilt {
		t.Fatal("TILT left although the clock went backwards")
	}
	s.lastRun = time.Now()
	s.tiltAt = time.Now().Add(-tiltPeriod - time.Second)
	s.tick()
	if s.tilt {
		t.Fatal("TILT not left after tilt-period")
	}
}
