package engine

import (
	"strings"
	"testing"
	"time"
)

// A manual failover whose replica is still behind when its paused master's
// offset arrives starts its election once the replication stream caught up,
// without another announcement from the master (Redis's mf_master_offset,
// checked by clusterHandleManualFailover on every cron and before each sleep).
// Under load the stream routinely arrives after the master's announcement of
// its pause (10-manual-failover, "during load"); the master announces once.
func TestClusterManualFailoverWaitsForOffset(t *testing.T) {
	s, tc, bus := startStubReplica(t)
	// The master's announcements mark it connected, as the bus's do.
	s.ClusterNodeHealth(otherID, false, false)
	onLoop(t, s, func() { s.repl.offset = 1000 })
	if got := tc.do("CLUSTER", "FAILOVER"); got != "OK" {
		t.Fatal(got)
	}
	requests := func() (epochs []uint64, forced []bool) {
		bus.mu.Lock()
		defer bus.mu.Unlock()
		return append(epochs, bus.authReq...), append(forced, bus.forced...)
	}
	// The master paused at 1500; we processed 1000 of its stream.
	s.ClusterManualFailoverReady(1500)
	time.Sleep(500 * time.Millisecond) // five crons
	if epochs, _ := requests(); len(epochs) != 0 {
		t.Fatalf("election started at offset 1000 of the master's 1500: %v", epochs)
	}
	// A later announcement of the same pause does not move the target (Redis
	// takes the first one).
	s.ClusterManualFailoverReady(2000)
	// The rest of the stream arrives; no new announcement.
	onLoop(t, s, func() { s.repl.offset = 1500 })
	deadline := time.Now().Add(5 * time.Second)
	for {
		epochs, forced := requests()
		if len(epochs) > 0 {
			if !forced[0] {
				t.Errorf("the manual failover's vote request is not forced")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no election once the replica reached the master's offset: %s", tc.do("CLUSTER", "NODES"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(tc.do("CLUSTER", "NODES"), "myself,slave "+otherID) {
		t.Errorf("still a replica until the votes come: %s", tc.do("CLUSTER", "NODES"))
	}
}

// A replica asked for a manual failover whose master fails before the failover
// could start (the master stuck in DEBUG SLEEP: 10-manual-failover expects its
// replica promoted within 5 s) runs its election at once, rank 0 and forced,
// as Redis, whose clusterHandleSlaveFailover skips the delay whenever mf_end is
// set: not after the 500-1000 ms of an automatic failover.
func TestClusterManualFailoverMasterFailedNoDelay(t *testing.T) {
	s, tc, bus := startStubReplica(t)
	if got := tc.do("CLUSTER", "FAILOVER"); got != "OK" {
		t.Fatal(got)
	}
	var failedAt int64
	onLoop(t, s, func() { failedAt = s.wallNow() })
	s.ClusterNodeHealth(otherID, false, true)
	deadline := time.Now().Add(5 * time.Second)
	for {
		bus.mu.Lock()
		n := len(bus.authReq)
		forced := n > 0 && bus.forced[0]
		bus.mu.Unlock()
		if n > 0 {
			if !forced {
				t.Errorf("the vote request during a manual failover is not forced (FORCEACK)")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no election after the master failed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	var authTime int64
	var rank int
	onLoop(t, s, func() { authTime, rank = s.cluster.authTime, s.cluster.authRank })
	if authTime < failedAt || authTime >= failedAt+500 || rank != 0 {
		t.Errorf("election scheduled %d ms after the FAIL (rank %d), want at once (rank 0)", authTime-failedAt, rank)
	}
}

// An election won or lost to replace another master (before a CLUSTER RESET or a
// REPLICATE) does not hold back this master's manual failover for the retry
// time: in 10-manual-failover the replica promoted in the first part is reset,
// follows the other node and must take over within 5 s while it sleeps.
func TestClusterManualFailoverNotHeldByOldElection(t *testing.T) {
	s, tc, bus := startStubReplica(t)
	// An election to replace another master started a second ago.
	onLoop(t, s, func() {
		s.cluster.authTime = s.wallNow() - 1000
		s.cluster.authMaster = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
		s.cluster.authSent = true
	})
	if got := tc.do("CLUSTER", "FAILOVER"); got != "OK" {
		t.Fatal(got)
	}
	s.ClusterNodeHealth(otherID, false, true)
	deadline := time.Now().Add(3 * time.Second)
	for {
		bus.mu.Lock()
		n := len(bus.authReq)
		bus.mu.Unlock()
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no election 3 s after the master failed during a manual failover: held by the other master's")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
