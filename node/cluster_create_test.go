package node_test

// A cluster of keygrid processes built and driven by Redis's own tools: redis-cli
// --cluster create (3 masters, 3 replicas), a go-redis ClusterClient, redis-cli
// --cluster reshard, then a master killed and its replica promoted.

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

func TestKeygridClusterCreateReshardFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six servers")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not found")
	}
	cl := testutil.StartCluster(t, "keygrid", 3, 1)
	ctx := context.Background()
	rc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs(), MaxRedirects: 16})
	t.Cleanup(func() { rc.Close() })
	const n = 300
	for i := 0; i < n; i++ {
		if err := rc.Set(ctx, fmt.Sprintf("key:%d", i), i, 0).Err(); err != nil {
			t.Fatalf("SET key:%d: %v", i, err)
		}
	}
	readAll := func() error {
		for i := 0; i < n; i++ {
			v, err := rc.Get(ctx, fmt.Sprintf("key:%d", i)).Int()
			if err != nil {
				return fmt.Errorf("GET key:%d: %w", i, err)
			}
			if v != i {
				return fmt.Errorf("GET key:%d = %d", i, v)
			}
		}
		return nil
	}
	if err := readAll(); err != nil {
		t.Fatal(err)
	}
	check := func() string {
		out, _ := exec.Command(cli, "--cluster", "check", cl.Nodes[0].Addr()).CombinedOutput()
		return string(out)
	}
	if out := check(); !strings.Contains(out, "[OK] All nodes agree about slots configuration.") || !strings.Contains(out, "[OK] All 16384 slots covered.") {
		t.Fatalf("redis-cli --cluster check:\n%s", out)
	}

	// Move 500 slots (and their keys) from the first master to the second.
	id := func(s *testutil.Server) string {
		c := s.Conn(t)
		defer c.Close()
		v, err := testutil.ParseReply(mustDo(t, c, "CLUSTER", "MYID"))
		if err != nil {
			t.Fatal(err)
		}
		return v.Str
	}
	out, err := exec.Command(cli, "--cluster", "reshard", cl.Nodes[0].Addr(), "--cluster-from", id(cl.Nodes[0]),
		"--cluster-to", id(cl.Nodes[1]), "--cluster-slots", "500", "--cluster-yes").CombinedOutput()
	if err != nil {
		t.Fatalf("reshard: %v\n%s", err, out)
	}
	testutil.WaitFor(t, 20*time.Second, func() bool {
		out := check()
		return strings.Contains(out, "[OK] All nodes agree about slots configuration.") && !strings.Contains(out, "[ERR]")
	}, "agreement after reshard")
	if err := readAll(); err != nil {
		t.Fatalf("after reshard: %v", err)
	}

	// Kill the third master: its replica takes over within the node timeout (2 s
	// here) plus the election.
	victim := cl.Nodes[2]
	victimID := id(victim)
	c0 := cl.Nodes[0].Conn(t)
	defer c0.Close()
	// Replication is asynchronous, as in Redis Cluster: only writes the replica has
	// acknowledged survive a master's death. Wait until it acknowledged everything
	// (its offset in the master's INFO replication equals master_repl_offset).
	vc := victim.Conn(t)
	testutil.WaitFor(t, 20*time.Second, func() bool {
		raw, err := vc.Do("INFO", "replication")
		if err != nil {
			return false
		}
		var master, acked int64 = -1, -2
		for _, line := range strings.Split(string(raw), "\r\n") {
			if v, ok := strings.CutPrefix(line, "master_repl_offset:"); ok {
				fmt.Sscan(v, &master)
			}
			if strings.HasPrefix(line, "slave0:") {
				for _, kv := range strings.Split(line[len("slave0:"):], ",") {
					if v, ok := strings.CutPrefix(kv, "offset="); ok {
						fmt.Sscan(v, &acked)
					}
				}
			}
		}
		return master == acked
	}, "the victim's replica acknowledging every write")
	vc.Close()
	victim.Kill()
	start := time.Now()
	// cluster_state:ok with full coverage means no slot is owned by a FAIL node:
	// the victim's slots moved to its replica.
	testutil.WaitFor(t, 20*time.Second, func() bool {
		raw, err := c0.Do("CLUSTER", "NODES")
		if err != nil {
			return false
		}
		victimFailed := false
		for _, line := range strings.Split(string(raw), "\n") {
			if f := strings.Fields(line); len(f) >= 8 && f[0] == victimID {
				victimFailed = strings.Contains(f[2], "fail") && !strings.Contains(f[2], "fail?") && len(f) == 8
			}
		}
		info, err := c0.Do("CLUSTER", "INFO")
		return err == nil && victimFailed && strings.Contains(string(info), "cluster_state:ok")
	}, "failover of the killed master")
	t.Logf("failover took %v after the kill (cluster-node-timeout 2000)", time.Since(start))
	rc.ReloadState(ctx)
	// Under a busy machine (the whole suite in parallel) clients may need a few
	// topology reloads; the last read error says what was wrong if it never settles.
	var lastErr error
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if lastErr = readAll(); lastErr == nil {
			return
		}
		rc.ReloadState(ctx)
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("keys not all readable 30 s after the failover: %v", lastErr)
}
