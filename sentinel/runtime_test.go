package sentinel

import (
	"strconv"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// SENTINEL MONITOR / SET / REMOVE sent to any sentinel are committed through raft:
// every sentinel applies them, and they survive a restart although the config
// file is never rewritten.
func TestRuntimeConfigReplicated(t *testing.T) {
	t.Parallel()
	group, _ := redisGroup(t)
	other := testutil.StartRedis(t)
	ss := startKeygridSentinels(t, 3, group.Port())
	waitFor(t, 10*time.Second, "a raft leader", func() bool { return ss[0].leaderClientAddr() != "" })
	// Send to a follower, so the forwarding path is used too.
	var follower *Sentinel
	for _, s := range ss {
		if !s.isLeader() {
			follower = s
		}
	}
	c, err := testutil.Dial(follower.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	do := func(want string, args ...string) {
		t.Helper()
		raw, err := c.Do(args...)
		if err != nil || string(raw) != want {
			t.Fatalf("%v = %q, %v; want %q", args, raw, err, want)
		}
	}
	do("+OK\r\n", "SENTINEL", "MONITOR", "other", "127.0.0.1", strconv.Itoa(other.Port()), "2")
	do("-ERR Duplicate master name.\r\n", "SENTINEL", "MONITOR", "other", "127.0.0.1", strconv.Itoa(other.Port()), "2")
	do("+OK\r\n", "SENTINEL", "SET", "other", "quorum", "3", "down-after-milliseconds", "1234")
	quorumEverywhere := func(name string, q int) func() bool {
		return func() bool {
			for _, s := range ss {
				s.mu.Lock()
				m := s.masters[name]
				ok := m != nil && m.cfg.Quorum == q
				s.mu.Unlock()
				if !ok {
					return false
				}
			}
			return true
		}
	}
	waitFor(t, 5*time.Second, "MONITOR and SET on every sentinel", quorumEverywhere("other", 3))
	do("+OK\r\n", "SENTINEL", "SET", "mymaster", "quorum", "3")
	do("+OK\r\n", "SENTINEL", "REMOVE", "other")
	waitFor(t, 5*time.Second, "REMOVE on every sentinel", func() bool {
		for _, s := range ss {
			s.mu.Lock()
			_, ok := s.masters["other"]
			s.mu.Unlock()
			if ok {
				return false
			}
		}
		return true
	})
	do("+OK\r\n", "SENTINEL", "MONITOR", "again", "127.0.0.1", strconv.Itoa(other.Port()), "1")
	waitFor(t, 5*time.Second, "MONITOR on every sentinel", quorumEverywhere("again", 1))

	// A restart reads the old config file (mymaster with quorum 2, no "again"),
	// then the raft state.
	// The snapshot taken at shutdown makes it immediate.
	r := restartSentinel(t, ss[0])
	r.mu.Lock()
	m, again := r.masters["mymaster"], r.masters["again"]
	r.mu.Unlock()
	if m == nil || m.cfg.Quorum != 3 || again == nil || again.cfg.Quorum != 1 {
		t.Fatalf("after restart: mymaster %+v, again %+v", m, again)
	}
}
