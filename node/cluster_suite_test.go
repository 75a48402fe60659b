package node_test

// Regressions found by running Redis 7.0.15's legacy cluster test suite
// (tests/cluster, runtest-cluster) against keygrid: the suite's set-up
// (init-tests.tcl) and its cluster client depend on each of these.

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/keygrid/keygrid/slots"
)

// suiteDo runs one command on s and returns the reply's string form.
func suiteDo(t *testing.T, s *testutil.Server, args ...string) string {
	t.Helper()
	return suiteValue(t, s, args...).Str
}

// The suite writes "dir ./redis_N" then "logfile log.txt" and reads
// redis_N/log.txt: Redis chdir()s to dir while reading its configuration, so a
// relative logfile is inside dir.
func TestClusterSuiteLogfileInDir(t *testing.T) {
	bin := testutil.BuildKeygrid(t)
	top := t.TempDir()
	if err := os.Mkdir(filepath.Join(top, "redis_0"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "server", "--port", strconv.Itoa(testutil.FreePort(t)), "--bind", "127.0.0.1",
		"--save", "", "--dir", "./redis_0", "--logfile", "log.txt")
	cmd.Dir = top
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	testutil.WaitFor(t, 15*time.Second, func() bool {
		b, err := os.ReadFile(filepath.Join(top, "redis_0", "log.txt"))
		return err == nil && strings.Contains(string(b), "Ready to accept connections")
	}, "the log in redis_0/log.txt")
	if _, err := os.Stat(filepath.Join(top, "log.txt")); err == nil {
		t.Fatal("log.txt written in the working directory, not in dir")
	}
}

// A node bound to every interface learns its address from the CLUSTER MEET, as
// Redis does (the local address of the MEET's connection), rather than
// announcing a private address guessed from the interfaces: the suite's
// cluster client connects to what CLUSTER NODES says, and expects 127.0.0.1.
func TestClusterSuiteMeetAddress(t *testing.T) {
	a := testutil.StartKeygrid(t, "--bind", "* -::*", "--cluster-enabled", "yes", "--cluster-node-timeout", "3000")
	b := testutil.StartKeygrid(t, "--bind", "* -::*", "--cluster-enabled", "yes", "--cluster-node-timeout", "3000")
	if got := suiteDo(t, a, "CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(b.Port())); got != "OK" {
		t.Fatalf("CLUSTER MEET = %q", got)
	}
	for _, s := range []*testutil.Server{a, b} {
		testutil.WaitFor(t, 20*time.Second, func() bool {
			st := testutil.ClusterNodes(s)
			if st == nil || len(st.Nodes) != 2 {
				return false
			}
			for _, n := range st.Nodes {
				if n.IP != "127.0.0.1" {
					return false
				}
			}
			return true
		}, "both nodes at 127.0.0.1 in CLUSTER NODES of "+s.Addr())
	}
}

// DEBUG DROP-CLUSTER-PACKET-FILTER exists (the suite's set-up resets it to -1
// on every node) and parses its argument as Redis does.
func TestClusterSuiteDropPacketFilter(t *testing.T) {
	for _, kind := range []string{"keygrid", "redis"} {
		var s *testutil.Server
		args := []string{"--cluster-enabled", "yes", "--enable-debug-command", "yes"}
		if kind == "keygrid" {
			s = testutil.StartKeygrid(t, args...)
		} else {
			s = testutil.StartRedis(t, args...)
		}
		for _, tc := range []struct{ arg, want string }{
			{"-1", "OK"}, {"0", "OK"}, {"-1", "OK"},
			{"x", "ERR value is not an integer or out of range"},
		} {
			if got := suiteDo(t, s, "DEBUG", "DROP-CLUSTER-PACKET-FILTER", tc.arg); got != tc.want {
				t.Errorf("%s: DEBUG DROP-CLUSTER-PACKET-FILTER %s = %q, want %q", kind, tc.arg, got, tc.want)
			}
		}
	}
}

// A node whose bus port is taken exits with the error (as redis-server does when
// it cannot bind the cluster port), instead of hanging: the suite then starts it
// on another port. keygrid's bus (memberlist) needs the UDP port as well.
func TestClusterSuiteBusPortTakenExits(t *testing.T) {
	bin := testutil.BuildKeygrid(t)
	port := testutil.FreePort(t)
	udp, err := net.ListenPacket("udp", "0.0.0.0:"+strconv.Itoa(port+10000))
	if err != nil {
		t.Skipf("bus port taken by someone else: %v", err)
	}
	defer udp.Close()
	cmd := exec.Command(bin, "server", "--port", strconv.Itoa(port), "--cluster-enabled", "yes", "--save", "", "--dir", t.TempDir())
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("keygrid exited 0 with its bus port taken")
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("keygrid hung with its bus port taken")
	}
}

// init-tests.tcl hard-resets every node of the previous unit's cluster, one after
// the other, then joins them with CLUSTER MEET and expects exactly the met
// nodes: a hard-reset node must not learn its old cluster again from the nodes
// not reset yet (memberlist's broadcasts, push/pull and rejoins), as a reset
// Redis node ignores every packet but a MEET.
func TestClusterSuiteHardResetForgets(t *testing.T) {
	var nodes []*testutil.Server
	for range 4 {
		nodes = append(nodes, testutil.StartKeygrid(t, "--cluster-enabled", "yes", "--cluster-node-timeout", "3000"))
	}
	meet := func() {
		for i := 1; i < len(nodes); i++ {
			suiteDo(t, nodes[i-1], "CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(nodes[i].Port()))
		}
	}
	meshed := func() bool {
		for _, s := range nodes {
			if st := testutil.ClusterNodes(s); st == nil || len(st.Nodes) != len(nodes) {
				return false
			}
		}
		return true
	}
	meetAll := func() {
		meet()
		testutil.WaitFor(t, 30*time.Second, meshed, "every node knows the 4 nodes")
	}
	meetAll()
	for _, s := range nodes {
		if got := suiteDo(t, s, "CLUSTER", "RESET", "HARD"); got != "OK" {
			t.Fatalf("CLUSTER RESET HARD = %q", got)
		}
		time.Sleep(100 * time.Millisecond) // the others keep gossiping meanwhile
	}
	time.Sleep(3 * time.Second)
	for i, s := range nodes {
		if st := testutil.ClusterNodes(s); st == nil || len(st.Nodes) != 1 {
			t.Fatalf("node %d knows other nodes after CLUSTER RESET HARD:\n%s", i, suiteDo(t, s, "CLUSTER", "NODES"))
		}
	}
	// Meeting again after the resets: exactly the 4 new ids, no stale ones (the
	// MEETs may reach a node whose bus is still restarting under its new id: they
	// are retried, as Redis's handshake).
	meetAll()
	ids := map[string]bool{}
	for _, n := range nodes {
		ids[strings.TrimSpace(suiteDo(t, n, "CLUSTER", "MYID"))] = true
	}
	for i, s := range nodes {
		for id := range testutil.ClusterNodes(s).Nodes {
			if !ids[id] {
				t.Fatalf("node %d knows a stale id %s after the resets", i, id)
			}
		}
	}
}

// suiteValue runs one command on s and returns the parsed reply.
func suiteValue(t *testing.T, s *testutil.Server, args ...string) testutil.Value {
	t.Helper()
	c, err := testutil.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	raw, err := c.Do(args...)
	if err != nil {
		t.Fatal(err)
	}
	v, err := testutil.ParseReply(raw)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// startSuiteNodes starts n cluster-enabled servers of kind with
// cluster-node-timeout ms, joined by nothing yet.
func startSuiteNodes(t *testing.T, kind string, n int, timeout string) []*testutil.Server {
	var out []*testutil.Server
	args := []string{"--cluster-enabled", "yes", "--cluster-node-timeout", timeout, "--enable-debug-command", "yes",
		"--appendonly", "no", "--cluster-config-file", "nodes.conf"}
	for range n {
		if kind == "keygrid" {
			out = append(out, testutil.StartKeygrid(t, args...))
		} else {
			out = append(out, testutil.StartRedis(t, args...))
		}
	}
	return out
}

// createSuiteCluster gives nodes the slots in equal ranges (redis-cli --cluster
// create, no replicas) and waits for cluster_state:ok everywhere.
func createSuiteCluster(t *testing.T, nodes []*testutil.Server) {
	createSuiteClusterReplicas(t, nodes, 0)
}

// createSuiteClusterReplicas is createSuiteCluster with replicas replicas per
// master, and waits until every node knows every replica too.
func createSuiteClusterReplicas(t *testing.T, nodes []*testutil.Server, replicas int) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not found")
	}
	args := []string{"--cluster", "create"}
	for _, s := range nodes {
		args = append(args, s.Addr())
	}
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	want := len(nodes) / (1 + replicas) * replicas
	testutil.WaitFor(t, 60*time.Second, func() bool {
		for _, s := range nodes {
			if !strings.Contains(suiteDo(t, s, "CLUSTER", "INFO"), "cluster_state:ok") ||
				strings.Count(suiteDo(t, s, "CLUSTER", "NODES"), "slave") != want {
				return false
			}
		}
		return true
	}, "cluster_state:ok and every replica known on every node")
}

// flagged reports whether s flags node id with flag in its CLUSTER NODES.
func flagged(s *testutil.Server, id string, flag slots.NodeFlags) bool {
	st := testutil.ClusterNodes(s)
	return st != nil && st.Nodes[id] != nil && st.Nodes[id].Flags&flag != 0
}

// 27-endpoints' isolate_node: a node reset hard, forgotten by every node, then
// met by one of them, learns the whole cluster again (a node that saw the old
// id leave sends a MEET, not a rejoin of the old cluster). Compared with
// redis-server.
func TestClusterSuiteMeetAfterResetAndForget(t *testing.T) {
	for _, kind := range []string{"keygrid", "redis"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel() // the two kinds' nodes are independent: wait for them at once
			nodes := startSuiteNodes(t, kind, 4, "3000")
			for i := 1; i < len(nodes); i++ {
				suiteDo(t, nodes[0], "CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(nodes[i].Port()))
			}
			knowsAll := func(s *testutil.Server) bool {
				st := testutil.ClusterNodes(s)
				return st != nil && len(st.Nodes) == len(nodes)
			}
			testutil.WaitFor(t, 30*time.Second, func() bool {
				for _, s := range nodes {
					if !knowsAll(s) {
						return false
					}
				}
				return true
			}, "a full mesh")
			lone := nodes[3]
			old := strings.TrimSpace(suiteDo(t, lone, "CLUSTER", "MYID"))
			if got := suiteDo(t, lone, "CLUSTER", "RESET", "HARD"); got != "OK" {
				t.Fatalf("CLUSTER RESET HARD = %q", got)
			}
			for _, s := range nodes[:3] {
				if got := suiteDo(t, s, "CLUSTER", "FORGET", old); got != "OK" {
					t.Fatalf("CLUSTER FORGET = %q", got)
				}
			}
			suiteDo(t, nodes[1], "CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(lone.Port()))
			testutil.WaitFor(t, 30*time.Second, func() bool { return knowsAll(lone) }, "the reset node knows the 4 nodes again")
			for i, s := range nodes {
				if st := testutil.ClusterNodes(s); st != nil && st.Nodes[old] != nil {
					t.Errorf("node %d still knows the old id", i)
				}
			}
		})
	}
}

// DEBUG DROP-CLUSTER-PACKET-FILTER 0 (PING) on a master and on a node joining
// the cluster keeps the two from exchanging their headers: the joining node
// lists the master (learned from the others' gossip) but not its slots, and
// learns them once the filters are cleared (27-endpoints). Compared with
// redis-server.
func TestClusterSuiteDropPacketFilterIsolates(t *testing.T) {
	for _, kind := range []string{"keygrid", "redis"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel() // the two kinds' nodes are independent: wait for them at once
			nodes := startSuiteNodes(t, kind, 4, "3000")
			createSuiteCluster(t, nodes[:3])
			lone := nodes[3]
			m0 := strings.TrimSpace(suiteDo(t, nodes[0], "CLUSTER", "MYID"))
			for _, s := range []*testutil.Server{nodes[0], lone} {
				if got := suiteDo(t, s, "DEBUG", "DROP-CLUSTER-PACKET-FILTER", "0"); got != "OK" {
					t.Fatalf("DEBUG DROP-CLUSTER-PACKET-FILTER 0 = %q", got)
				}
			}
			suiteDo(t, nodes[1], "CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(lone.Port()))
			shards := func() int { return len(suiteValue(t, lone, "CLUSTER", "SLOTS").Elems) }
			testutil.WaitFor(t, 30*time.Second, func() bool {
				st := testutil.ClusterNodes(lone)
				return st != nil && len(st.Nodes) == 4 && shards() == 2
			}, "the joining node knows the 4 nodes and the slots of the 2 masters it can talk to")
			if !strings.Contains(suiteDo(t, lone, "CLUSTER", "NODES"), m0) {
				t.Fatal("the joining node does not list the master that drops its PINGs")
			}
			for _, s := range []*testutil.Server{nodes[0], lone} {
				suiteDo(t, s, "DEBUG", "DROP-CLUSTER-PACKET-FILTER", "-1")
			}
			testutil.WaitFor(t, 30*time.Second, func() bool { return shards() == 3 }, "the 3 shards once the filters are cleared")
		})
	}
}

// CONFIG SET cluster-node-timeout takes effect on failure detection (the
// legacy suite starts its nodes with the default and sets 3000 ms): nodes
// started with 60 s, then set to 1 s, fail a stopped master well before 60 s.
// Compared with redis-server.
func TestClusterSuiteNodeTimeoutConfigSet(t *testing.T) {
	for _, kind := range []string{"keygrid", "redis"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel() // the two kinds' nodes are independent: wait for them at once
			nodes := startSuiteNodes(t, kind, 3, "60000")
			createSuiteCluster(t, nodes)
			testutil.WaitFor(t, 30*time.Second, func() bool {
				for _, s := range nodes {
					if st := testutil.ClusterNodes(s); st == nil || len(st.Nodes) != 3 {
						return false
					}
				}
				return true
			}, "every node knows the 3 masters")
			for _, s := range nodes {
				suiteDo(t, s, "CONFIG", "SET", "cluster-node-timeout", "1000")
			}
			dead := strings.TrimSpace(suiteDo(t, nodes[2], "CLUSTER", "MYID"))
			nodes[2].Stop()
			start := time.Now()
			testutil.WaitFor(t, 30*time.Second, func() bool {
				return flagged(nodes[0], dead, slots.FlagFail) && flagged(nodes[1], dead, slots.FlagFail)
			}, "the stopped master FAIL on both live masters")
			t.Logf("%s: FAIL %v after the stop (node timeout 1 s, 60 s at start)", kind, time.Since(start))
		})
	}
}

// shardNodeField returns field of node id in s's CLUSTER SHARDS ("" if absent).
func shardNodeField(t *testing.T, s *testutil.Server, id, field string) string {
	for _, shard := range suiteValue(t, s, "CLUSTER", "SHARDS").Elems {
		for i := 0; i+1 < len(shard.Elems); i += 2 {
			if shard.Elems[i].Str != "nodes" {
				continue
			}
			for _, n := range shard.Elems[i+1].Elems {
				f := map[string]testutil.Value{}
				for j := 0; j+1 < len(n.Elems); j += 2 {
					f[n.Elems[j].Str] = n.Elems[j+1]
				}
				if f["id"].Str == id {
					if v := f[field]; v.Kind == testutil.KindInt {
						return strconv.FormatInt(v.Int, 10)
					}
					return f[field].Str
				}
			}
		}
	}
	return ""
}

// A replica in a full sync announces replication offset 0 until its new
// dataset is loaded (Redis discards its cached master on +FULLRESYNC), so its
// master's CLUSTER SHARDS shows it "loading", then "online" (28-cluster-shards).
// Compared with redis-server.
func TestClusterSuiteShardsLoadingHealth(t *testing.T) {
	for _, kind := range []string{"keygrid", "redis"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel() // the two kinds' nodes are independent: wait for them at once
			cl := &testutil.Cluster{Nodes: startSuiteNodes(t, kind, 6, "3000")}
			createSuiteClusterReplicas(t, cl.Nodes, 1)
			master, replica, _, replicaID := masterAndReplica(t, cl)
			health := func() string { return shardNodeField(t, master, replicaID, "health") }
			testutil.WaitFor(t, 30*time.Second, func() bool { return health() == "online" }, "the replica online")
			if got := suiteDo(t, master, "DEBUG", "POPULATE", "1000", "key", "1000"); got != "OK" {
				t.Fatalf("DEBUG POPULATE = %q", got)
			}
			suiteDo(t, master, "CONFIG", "SET", "repl-backlog-size", "16384")
			suiteDo(t, replica, "CONFIG", "SET", "key-load-delay", "5000")
			suiteDo(t, replica, "CONFIG", "SET", "loading-process-events-interval-bytes", "1024")
			// The replica's link is cut while more than the backlog is written:
			// it can only resync in full.
			c, err := testutil.Dial(master.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			val := strings.Repeat("A", 1024)
			// A hash tag of the master's own slots (the suite's {ch3} is of its
			// primary's): writes elsewhere are MOVED and abort the transaction.
			tag := ""
			for i := 0; tag == ""; i++ {
				if i > 1000 {
					t.Fatal("no hash tag of the master's slots")
				}
				if suiteDo(t, master, "SET", "{t"+strconv.Itoa(i)+"}probe", "x") == "OK" {
					tag = "{t" + strconv.Itoa(i) + "}"
				}
			}
			syncPartial := func() string {
				for _, l := range strings.Split(suiteDo(t, master, "INFO", "stats"), "\r\n") {
					if v, ok := strings.CutPrefix(l, "sync_partial_ok:"); ok {
						return v
					}
				}
				return ""
			}
			// redis-server 7.0 trims its shared replication buffer to the
			// backlog size lazily: the replica may resume by a partial sync
			// (no load at all). Cut the link again until it resyncs in full.
			loading := false
			for attempt := 0; attempt < 5 && !loading; attempt++ {
				before := syncPartial()
				c.Do("MULTI")
				c.Do("CLIENT", "KILL", "TYPE", "replica")
				for j := range 100 {
					c.Do("SET", tag+strconv.Itoa(j), val)
				}
				if _, err := c.Do("EXEC"); err != nil {
					t.Fatal(err)
				}
				seen := map[string]bool{}
				t.Cleanup(func() {
					if t.Failed() {
						t.Logf("health seen: %v", seen)
					}
				})
				testutil.WaitFor(t, 60*time.Second, func() bool {
					h := health()
					seen[h+"/"+shardNodeField(t, master, replicaID, "replication-offset")] = true
					if h == "loading" {
						loading = true
						return true
					}
					// A partial resync, counted by the master.
					return syncPartial() != before
				}, "the replica loading in its master's CLUSTER SHARDS, or resynced in part")
			}
			if !loading {
				t.Fatal("the replica never resynced in full")
			}
			suiteDo(t, replica, "CONFIG", "SET", "key-load-delay", "0")
			testutil.WaitFor(t, 60*time.Second, func() bool { return health() == "online" }, "the replica online again")
		})
	}
}

// masterAndReplica finds a master of cl and one of its replicas (with its id).
func masterAndReplica(t *testing.T, cl *testutil.Cluster) (master, replica *testutil.Server, masterID, replicaID string) {
	t.Helper()
	testutil.WaitFor(t, 30*time.Second, func() bool {
		st := testutil.ClusterNodes(cl.Nodes[0])
		if st == nil {
			return false
		}
		for _, n := range st.Nodes {
			m := st.Nodes[n.MasterID]
			if !n.IsReplica() || m == nil {
				continue
			}
			master, replica = nil, nil
			for _, s := range cl.Nodes {
				if s.Port() == n.Port {
					replica, replicaID = s, n.ID
				}
				if s.Port() == m.Port {
					master, masterID = s, m.ID
				}
			}
			return master != nil && replica != nil
		}
		return false
	}, "a master and its replica")
	return
}

// CONFIG SET cluster-replica-no-failover yes shows as the replica's nofailover
// flag on every node (Redis's clusterUpdateMyselfFlags; 13-no-failover-option).
// Compared with redis-server.
func TestClusterSuiteNoFailoverFlagPropagates(t *testing.T) {
	for _, kind := range []string{"keygrid", "redis"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel() // the two kinds' nodes are independent: wait for them at once
			cl := testutil.StartCluster(t, kind, 3, 1)
			_, replica, _, id := masterAndReplica(t, cl)
			suiteDo(t, replica, "CONFIG", "SET", "cluster-replica-no-failover", "yes")
			testutil.WaitFor(t, 30*time.Second, func() bool {
				for _, s := range cl.Nodes {
					if !flagged(s, id, slots.FlagNoFailover) {
						return false
					}
				}
				return true
			}, "the nofailover flag on every node")
			suiteDo(t, replica, "CONFIG", "SET", "cluster-replica-no-failover", "no")
			testutil.WaitFor(t, 30*time.Second, func() bool {
				for _, s := range cl.Nodes {
					if flagged(s, id, slots.FlagNoFailover) {
						return false
					}
				}
				return true
			}, "the nofailover flag gone from every node")
		})
	}
}

// A master stuck in DEBUG SLEEP answers no ping, as a Redis node whose one
// thread serves its bus: its replica takes over (10-manual-failover). Compared
// with redis-server.
func TestClusterSuiteStuckMasterFailedOver(t *testing.T) {
	for _, kind := range []string{"keygrid", "redis"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel() // the two kinds' nodes are independent: wait for them at once
			cl := &testutil.Cluster{Nodes: startSuiteNodes(t, kind, 6, "2000")}
			for _, s := range cl.Nodes {
				// A replica that synced seconds ago must still be allowed to take over.
				suiteDo(t, s, "CONFIG", "SET", "cluster-replica-validity-factor", "0")
			}
			createSuiteClusterReplicas(t, cl.Nodes, 1)
			master, replica, _, _ := masterAndReplica(t, cl)
			conn, err := net.Dial("tcp", master.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// Not waited for: the master sleeps 10 s (the cluster's node timeout is 2 s).
			if _, err := conn.Write(testutil.AppendCommand(nil, "DEBUG", "SLEEP", "10")); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			testutil.WaitFor(t, 30*time.Second, func() bool {
				return strings.Contains(suiteDo(t, replica, "ROLE"), "master") ||
					strings.Contains(suiteDo(t, replica, "INFO", "replication"), "role:master")
			}, "the replica of the stuck master promoted")
			t.Logf("%s: replica promoted %v after the master got stuck (node timeout 2 s)", kind, time.Since(start))
		})
	}
}
