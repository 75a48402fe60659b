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
)

// suiteDo runs one command on s and returns the reply's string form.
func suiteDo(t *testing.T, s *testutil.Server, args ...string) string {
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
	return v.Str
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
			st := clusterNodes(s)
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
			if st := clusterNodes(s); st == nil || len(st.Nodes) != len(nodes) {
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
		if st := clusterNodes(s); st == nil || len(st.Nodes) != 1 {
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
		for id := range clusterNodes(s).Nodes {
			if !ids[id] {
				t.Fatalf("node %d knows a stale id %s after the resets", i, id)
			}
		}
	}
}
