package sentinel

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// masterFlags is the flags field of SENTINEL MASTER mymaster on s.
func masterFlags(t *testing.T, s *Sentinel) string {
	t.Helper()
	c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr()})
	defer c.Close()
	m, err := c.Master(context.Background(), "mymaster").Result()
	if err != nil {
		t.Fatal(err)
	}
	return m["flags"]
}

// A SENTINEL FAILOVER sent to a follower runs on the raft leader. When the
// leader aborts it (here -failover-abort-no-good-slave: both replicas turned
// replica-priority 0 once the failover started), the follower leaves its
// failover state at once, as Redis's sentinelAbortFailover clears
// SRI_FAILOVER_IN_PROGRESS, instead of at the failover timeout (60 s here); it
// tells its own subscribers, and a new SENTINEL FAILOVER is no longer INPROG.
func TestForwardedFailoverAbortEndsAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	master, reps := keygridGroup(t)
	ss := startKeygridSentinels(t, 3, master.Port())
	waitDiscovered(t, ss)
	for _, s := range ss {
		c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr()})
		if err := c.Set(ctx, "mymaster", "failover-timeout", "60000").Err(); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	for _, s := range ss {
		s.mu.Lock()
		s.failoverHook = func(state string) {
			if state != "select_slave" {
				return
			}
			for _, r := range reps {
				rc := redis.NewClient(&redis.Options{Addr: r.Addr()})
				rc.ConfigSet(ctx, "replica-priority", "0")
				rc.Close()
			}
			// What the next INFO of each replica will say, known at once.
			s.mu.Lock()
			for _, r := range s.masters["mymaster"].replicas {
				r.priority = 0
			}
			s.mu.Unlock()
		}
		s.mu.Unlock()
	}
	_, follower := raftLeaderOf(t, ss)
	fc := redis.NewSentinelClient(&redis.Options{Addr: follower.Addr()})
	defer fc.Close()
	sub := fc.Subscribe(ctx, "-failover-abort-no-good-slave")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := fc.Failover(ctx, "mymaster").Err(); err != nil {
		t.Fatalf("SENTINEL FAILOVER on a follower: %v", err)
	}
	if f := masterFlags(t, follower); !strings.Contains(f, "failover_in_progress") {
		t.Fatalf("flags right after the forwarded failover: %s", f)
	}
	// The leader waits up to 3 s for a replica to qualify, then aborts.
	waitFor(t, 15*time.Second, "the follower to leave failover state", func() bool {
		return !strings.Contains(masterFlags(t, follower), "failover_in_progress")
	})
	t.Logf("forwarded failover aborted on the follower after %v (failover-timeout 60 s)", time.Since(start).Round(time.Millisecond))
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	msg, err := sub.ReceiveMessage(rctx)
	if err != nil {
		// Without a raft leader the abort cannot be committed; the follower then
		// leaves its failover state because the leader it forwarded to is gone.
		if n := follower.leaderChanges.Load(); n > 1 {
			t.Logf("no -failover-abort-no-good-slave from the follower (%v): the raft leader changed (%d elections)", err, n)
			return
		}
		t.Fatalf("-failover-abort-no-good-slave from the follower: %v", err)
	}
	if want := "master mymaster 127.0.0.1 " + strings.Split(master.Addr(), ":")[1]; msg.Payload != want {
		t.Errorf("-failover-abort-no-good-slave: %q, want %q", msg.Payload, want)
	}
	if err := fc.Failover(ctx, "mymaster").Err(); err == nil || strings.HasPrefix(err.Error(), "INPROG") {
		t.Errorf("SENTINEL FAILOVER after the abort: %v, want NOGOODSLAVE", err)
	}
	for _, s := range ss {
		if addr, _ := masterAddrOf(s); addr != master.Addr() {
			t.Errorf("sentinel %s: master %s after an aborted failover, want %s", s.Addr(), addr, master.Addr())
		}
	}
}
