package sentinel

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// eventLog collects, per sentinel address, the events it publishes.
type eventLog struct {
	mu  sync.Mutex
	evs map[string][]sentinelEvent
}

func watchEvents(t *testing.T, addrs []string) *eventLog {
	t.Helper()
	l := &eventLog{evs: map[string][]sentinelEvent{}}
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		t.Cleanup(func() { c.Close() })
		sub := c.PSubscribe(context.Background(), "*")
		t.Cleanup(func() { sub.Close() })
		if _, err := sub.Receive(context.Background()); err != nil {
			t.Fatal(err)
		}
		go func() {
			for m := range sub.Channel() {
				l.mu.Lock()
				l.evs[a] = append(l.evs[a], sentinelEvent{m.Channel, m.Payload})
				l.mu.Unlock()
			}
		}()
	}
	return l
}

// first returns the index of the first event of addr on channel ch (about the
// master when ch is +sdown), or -1.
func (l *eventLog) first(addr, ch string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, e := range l.evs[addr] {
		if e.ch == ch && (ch != "+sdown" || strings.HasPrefix(e.msg, "master ")) {
			return i
		}
	}
	return -1
}

// The master is down for a quorum of sentinels, but not for the one that
// would lead (it still has down-after-milliseconds to wait). Redis fails
// over: a sentinel that saw ODOWN asks the others for votes and wins,
// whatever their own view of the master. keygrid too: the raft leader hands
// its leadership to a follower that reports ODOWN, which then runs the
// failover on its own ODOWN. In both, the sentinel that ran the failover
// published +odown before +try-failover, and the one that did not see the
// master down never published +odown or +try-failover.
func TestODownOnFollowersOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	setDownAfter := func(addr string) {
		sc := redis.NewSentinelClient(&redis.Options{Addr: addr})
		defer sc.Close()
		if err := sc.Set(ctx, "mymaster", "down-after-milliseconds", "600000").Err(); err != nil {
			t.Fatal(err)
		}
	}
	check := func(t *testing.T, addrs []string, blind string, kill func(), l *eventLog) {
		kill()
		var leader string
		waitFor(t, 90*time.Second, "a sentinel to run the failover to +switch-master", func() bool {
			for _, a := range addrs {
				if a != blind && l.first(a, "+elected-leader") >= 0 && l.first(a, "+switch-master") >= 0 {
					leader = a
					return true
				}
			}
			return false
		})
		if i, j := l.first(leader, "+odown"), l.first(leader, "+try-failover"); i < 0 || i > j {
			t.Errorf("the leader %s published +odown at %d, +try-failover at %d", leader, i, j)
		}
		for _, ch := range []string{"+odown", "+try-failover", "+elected-leader"} {
			if l.first(blind, ch) >= 0 {
				t.Errorf("the sentinel that did not see the master down published %s", ch)
			}
		}
		// The start of the failover on the leader, in Redis's order (an
		// attempt lost under load may come first), its vote for itself, and
		// the vote for it of the sentinel that did not see the master down.
		c := redis.NewClient(&redis.Options{Addr: leader})
		id, err := c.Do(ctx, "SENTINEL", "MYID").Text()
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		l.mu.Lock()
		evs := l.evs[leader]
		at, vote := 0, ""
		for _, ch := range []string{"+odown", "+new-epoch", "+try-failover", "+vote-for-leader", "+elected-leader"} {
			for at < len(evs) && evs[at].ch != ch {
				at++
			}
			if at == len(evs) {
				t.Errorf("the leader's events lack %s in Redis's order", ch)
				break
			}
			if ch == "+vote-for-leader" {
				vote = evs[at].msg
			}
		}
		if !strings.HasPrefix(vote, id+" ") {
			t.Errorf("the leader voted %q, not for itself (%s)", vote, id)
		}
		voted := false
		for _, e := range l.evs[blind] {
			voted = voted || e.ch == "+vote-for-leader" && strings.HasPrefix(e.msg, id+" ")
		}
		l.mu.Unlock()
		if !voted {
			t.Errorf("the sentinel that did not see the master down published no +vote-for-leader %s", id)
		}
		if t.Failed() {
			l.mu.Lock()
			for a, evs := range l.evs {
				t.Logf("%s: %q", a, evs)
			}
			l.mu.Unlock()
		}
	}
	t.Run("redis-sentinel", func(t *testing.T) {
		t.Parallel()
		master, _ := redisGroup(t)
		addrs := startRedisSentinels(t, 3, master.Port())
		for _, a := range addrs {
			sc := redis.NewSentinelClient(&redis.Options{Addr: a})
			waitFor(t, 30*time.Second, "sentinel "+a+" to know the group", func() bool {
				m, err := sc.Master(ctx, "mymaster").Result()
				return err == nil && m["num-slaves"] == "2" && m["num-other-sentinels"] == "2"
			})
			sc.Close()
		}
		setDownAfter(addrs[0])
		check(t, addrs, addrs[0], master.Kill, watchEvents(t, addrs))
	})
	t.Run("keygrid-sentinel", func(t *testing.T) {
		t.Parallel()
		master, _ := redisGroup(t)
		ss := startKeygridSentinels(t, 3, master.Port())
		waitDiscovered(t, ss)
		leader, _ := raftLeaderOf(t, ss)
		setDownAfter(leader.Addr())
		addrs := sentinelAddrs(ss)
		check(t, addrs, leader.Addr(), master.Kill, watchEvents(t, addrs))
	})
}
