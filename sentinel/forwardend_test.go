package sentinel

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestForwardedFailoverEndsWithFailoverEnd: a SENTINEL FAILOVER sent to a
// follower is run by the raft leader. The follower learns of the promotion at
// once (+switch-master), but it must keep reporting the failover in progress,
// and answer INPROG to another SENTINEL FAILOVER, until the leader's failover
// ends (+failover-end, after the replicas are reconfigured), as the Redis
// sentinel that was asked does: it runs the failover itself and keeps
// SRI_FAILOVER_IN_PROGRESS until then. go-redis's suite ("Sentinel Failover
// with Conns") polls the flags of the asked sentinel for the end of one
// failover and then asks for the next one; it got INPROG from the leader,
// still reconfiguring replicas, while the follower already showed none.
// The leader is held in reconf_slaves here so that the window is certain.
func TestForwardedFailoverEndsWithFailoverEnd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	master, _ := keygridGroup(t)
	ss := startKeygridSentinels(t, 3, master.Port())
	waitDiscovered(t, ss)
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock)
	reached := make(chan struct{}, len(ss))
	for _, s := range ss {
		s.mu.Lock()
		s.failoverHook = func(state string) {
			if state != "reconf_slaves" {
				return
			}
			reached <- struct{}{}
			select {
			case <-release:
			case <-time.After(2 * time.Minute):
			}
		}
		s.mu.Unlock()
	}
	_, follower := raftLeaderOf(t, ss)
	fc := redis.NewSentinelClient(&redis.Options{Addr: follower.Addr()})
	defer fc.Close()
	sub := fc.Subscribe(ctx, "+switch-master")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	if err := fc.Failover(ctx, "mymaster").Err(); err != nil {
		t.Fatalf("SENTINEL FAILOVER on a follower: %v", err)
	}
	select {
	case <-reached:
	case <-time.After(60 * time.Second):
		t.Fatal("the leader's failover never reached reconf_slaves")
	}
	// The follower applies the committed switch and tells its subscribers.
	msgCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	msg, err := sub.ReceiveMessage(msgCtx)
	cancel()
	if err != nil {
		t.Fatalf("no +switch-master on the follower: %v", err)
	}
	t.Logf("follower: +switch-master %s", msg.Payload)
	// The leader is still reconfiguring the replicas: the failover goes on.
	if f := masterFlags(t, follower); !strings.Contains(f, "failover_in_progress") {
		t.Fatalf("follower's flags during the leader's reconf_slaves: %s", f)
	}
	if err := fc.Failover(ctx, "mymaster").Err(); err == nil || err.Error() != "INPROG Failover already in progress" {
		t.Fatalf("second FAILOVER during the leader's reconf_slaves: %v", err)
	}
	unblock()
	waitFor(t, 90*time.Second, "the follower to leave failover state after the leader's end", func() bool {
		return !strings.Contains(masterFlags(t, follower), "failover_in_progress")
	})
}
