package sentinel

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/redis/go-redis/v9"
)

// The other sentinels learn a failover's switch as soon as it commits, not
// when raft next sends them something: with a CommitTimeout of an hour (raft
// would otherwise tell followers of a commit only with its next entry or after
// CommitTimeout) and the leader held right after the switch committed, every
// follower still answers the new master and publishes +switch-master.
func TestFollowersLearnSwitchAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	master, _ := redisGroup(t)
	held := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	ss := startKeygridSentinelsWith(t, 3, master.Port(), func(s *Sentinel) {
		s.raftConfHook = func(c *raft.Config) { c.CommitTimeout = time.Hour }
		s.failoverHook = func(state string) {
			if state == "reconf_slaves" {
				once.Do(func() { close(held) })
				<-release
			}
		}
	})
	t.Cleanup(func() { close(release) }) // before the sentinels' Shutdown
	waitDiscovered(t, ss)
	var subs []*redis.PubSub
	for _, s := range ss {
		c := redis.NewClient(&redis.Options{Addr: s.Addr()})
		defer c.Close()
		sub := c.Subscribe(ctx, "+switch-master")
		defer sub.Close()
		if _, err := sub.Receive(ctx); err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	master.Kill()
	select {
	case <-held:
	case <-time.After(60 * time.Second):
		t.Fatal("no failover reached reconf_slaves")
	}
	var leader *Sentinel
	for _, s := range ss {
		s.mu.Lock()
		if fo := s.masters["mymaster"].fo; fo != nil && fo.state == "reconf_slaves" {
			leader = s
		}
		s.mu.Unlock()
	}
	if leader == nil {
		t.Fatal("no sentinel holds the failover")
	}
	leader.mu.Lock()
	newAddr := leader.masters["mymaster"].instance.addr()
	leader.mu.Unlock()
	if newAddr == master.Addr() {
		t.Fatalf("the leader's master is still the old one, %s", newAddr)
	}
	for i, s := range ss {
		if s == leader {
			continue
		}
		select {
		case msg := <-subs[i].Channel():
			t.Logf("sentinel %d: +switch-master %s", i, msg.Payload)
		case <-time.After(30 * time.Second):
			t.Fatalf("sentinel %d published no +switch-master while the leader was held after the switch", i)
		}
		sc := redis.NewSentinelClient(&redis.Options{Addr: s.Addr()})
		addr, err := sc.GetMasterAddrByName(ctx, "mymaster").Result()
		sc.Close()
		if err != nil || addr[0]+":"+addr[1] != newAddr {
			t.Fatalf("sentinel %d names %v (%v), want %s", i, addr, err, newAddr)
		}
	}
}
