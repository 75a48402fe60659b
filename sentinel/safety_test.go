package sentinel

import (
	"context"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
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

// The raft leader dies right after committing the failover's epoch (SENTINEL
// SIMULATE-FAILURE crash-after-election): the survivors elect a new leader, which
// fails over with the next epoch. The dead leader's epoch is never reused.
func TestLeaderCrashAfterElection(t *testing.T) {
	master, reps := redisGroup(t)
	ss := startKeygridSentinels(t, 3, master.Port())
	crashed := make(chan *Sentinel, 1)
	simulatedCrash = func(s *Sentinel) {
		crashed <- s
		go s.Shutdown()
		runtime.Goexit()
	}
	defer func() { simulatedCrash = func(*Sentinel) { os.Exit(99) } }()
	waitDiscovered(t, ss)
	var leader *Sentinel
	waitFor(t, 10*time.Second, "a raft leader", func() bool {
		for _, s := range ss {
			if s.isLeader() {
				leader = s
				return true
			}
		}
		return false
	})
	c, err := testutil.Dial(leader.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if raw, err := c.Do("SENTINEL", "SIMULATE-FAILURE", "crash-after-election"); err != nil || string(raw) != "+OK\r\n" {
		t.Fatalf("SIMULATE-FAILURE = %q, %v", raw, err)
	}
	c.Close()
	master.Kill()
	select {
	case s := <-crashed:
		if s != leader {
			t.Fatal("the wrong sentinel crashed")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the leader never started the failover")
	}
	var survivors []*Sentinel
	for _, s := range ss {
		if s != leader {
			survivors = append(survivors, s)
		}
	}
	waitFor(t, 15*time.Second, "the failover by the new leader", func() bool {
		for _, s := range survivors {
			addr, epoch := masterAddrOf(s)
			if (addr != reps[0].Addr() && addr != reps[1].Addr()) || epoch != 2 {
				return false
			}
		}
		return true
	})
}

// A master frozen well past down-after-milliseconds (the nearest a loopback test
// gets to isolating it) is failed over; when it wakes up it is demoted, and no
// write it takes in between is acknowledged by a replica (WAIT 1), so no
// acknowledged write can be lost.
func TestFrozenMasterDemotedOnReturn(t *testing.T) {
	t.Parallel()
	master, reps := redisGroup(t, "--min-replicas-to-write", "1", "--min-replicas-max-lag", "10")
	ss := startKeygridSentinels(t, 3, master.Port())
	// Hellos travel through the master: once it is frozen, sentinels that have not
	// met yet never will.
	waitDiscovered(t, ss)
	pid := master.Pid()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	var newMaster string
	waitFor(t, 10*time.Second, "the failover", func() bool {
		addr, _ := masterAddrOf(ss[0])
		newMaster = addr
		return addr == reps[0].Addr() || addr == reps[1].Addr()
	})
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	oc := redis.NewClient(&redis.Options{Addr: master.Addr()})
	defer oc.Close()
	// Whatever the old master still accepts, no replica acknowledges it.
	if err := oc.Set(ctx, "stale", "1", 0).Err(); err == nil {
		if n, err := oc.Do(ctx, "WAIT", 1, 500).Int64(); err == nil && n > 0 {
			t.Errorf("a write on the old master was acknowledged by %d replicas", n)
		}
	}
	newPort := newMaster[strings.LastIndex(newMaster, ":")+1:]
	waitFor(t, 20*time.Second, "the old master to be demoted", func() bool {
		s, err := oc.Info(ctx, "replication").Result()
		return err == nil && strings.Contains(s, "role:slave") && strings.Contains(s, "master_port:"+newPort)
	})
}

// waitDiscovered waits until every sentinel knows both replicas and the other
// sentinels, and a raft leader exists.
func waitDiscovered(t *testing.T, ss []*Sentinel) {
	t.Helper()
	waitFor(t, 15*time.Second, "replicas and sentinels discovered", func() bool {
		for _, s := range ss {
			s.mu.Lock()
			m := s.masters["mymaster"]
			ok := len(m.replicas) == 2 && len(m.sentinels) == len(ss)-1
			s.mu.Unlock()
			if !ok || s.leaderClientAddr() == "" {
				return false
			}
		}
		return true
	})
}
