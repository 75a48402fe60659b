package engine

// What CLUSTER SETSLOT and BUMPEPOCH persist before they reply (issue #7), after
// Redis 7.0.15's cluster.c: every SETSLOT asks for a save in beforeSleep
// (CLUSTER_TODO_SAVE_CONFIG), which runs before the replies are written; a new
// config epoch (clusterBumpConfigEpochWithoutConsensus) and a master turned
// replica (clusterSetMaster) also ask for an fsync (CLUSTER_TODO_FSYNC_CONFIG).

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/keygrid/keygrid/slots"
)

// clusterSaveCounts reads the node's save and fsync counters on its loop.
func clusterSaveCounts(t *testing.T, s *Server) (saves, fsyncs int64) {
	t.Helper()
	onLoop(t, s, func() { saves, fsyncs = s.cluster.saves, s.cluster.fsyncs })
	return saves, fsyncs
}

// nodesConfNow reads nodes.conf once, without waiting: the tests read it right
// after the reply, when the save must already be done.
func nodesConfNow(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "nodes.conf"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// The SETSLOT NODE that ends an import bumps the config epoch: one save, fsync'ed,
// before the OK. The next ones of the same import do not bump: one save each,
// without fsync. BUMPEPOCH fsyncs when it bumps, and saves nothing when it does not.
func TestClusterSetslotNodeEpochFsyncedBeforeReply(t *testing.T) {
	dir := t.TempDir()
	var s *Server
	var tc *testConn
	s, tc, _ = clusterWithPeerDir(t, dir)
	me := tc.do("CLUSTER", "MYID")

	saves0, fsyncs0 := clusterSaveCounts(t, s)
	for _, slot := range []string{"8192", "8193", "8194"} {
		if got := tc.do("CLUSTER", "SETSLOT", slot, "IMPORTING", otherID); got != "OK" {
			t.Fatalf("SETSLOT %s IMPORTING = %q", slot, got)
		}
	}
	saves1, fsyncs1 := clusterSaveCounts(t, s)
	if saves1-saves0 != 3 || fsyncs1 != fsyncs0 {
		t.Fatalf("3 SETSLOT IMPORTING: %d saves, %d fsyncs; want 3 saves, no fsync", saves1-saves0, fsyncs1-fsyncs0)
	}
	if got := tc.do("CLUSTER", "SETSLOT", "8192", "NODE", me); got != "OK" {
		t.Fatalf("SETSLOT 8192 NODE myself = %q", got)
	}
	conf := nodesConfNow(t, dir) // before anything else runs on the loop
	saves2, fsyncs2 := clusterSaveCounts(t, s)
	if saves2-saves1 != 1 || fsyncs2-fsyncs1 != 1 {
		t.Fatalf("SETSLOT NODE with a new epoch: %d saves, %d fsyncs; want one fsync'ed save", saves2-saves1, fsyncs2-fsyncs1)
	}
	// The peer has epoch 2: ours becomes 3, and the slot is ours, no longer importing.
	if !strings.Contains(conf, " myself,master - 0 0 3 connected 0-8192 [8193-<-"+otherID+"] [8194-<-"+otherID+"]\n") ||
		!strings.Contains(conf, "vars currentEpoch 3 ") {
		t.Fatalf("nodes.conf right after the reply:\n%s", conf)
	}

	if got := tc.do("CLUSTER", "SETSLOT", "8193", "NODE", me); got != "OK" {
		t.Fatalf("SETSLOT 8193 NODE myself = %q", got)
	}
	conf = nodesConfNow(t, dir)
	saves3, fsyncs3 := clusterSaveCounts(t, s)
	if saves3-saves2 != 1 || fsyncs3 != fsyncs2 {
		t.Fatalf("SETSLOT NODE without a new epoch: %d saves, %d fsyncs; want one save, no fsync", saves3-saves2, fsyncs3-fsyncs2)
	}
	if !strings.Contains(conf, " myself,master - 0 0 3 connected 0-8193 [8194-<-"+otherID+"]\n") {
		t.Fatalf("nodes.conf right after the second reply:\n%s", conf)
	}

	if got := tc.do("CLUSTER", "BUMPEPOCH"); got != "STILL 3" {
		t.Fatalf("BUMPEPOCH with the greatest epoch = %q", got)
	}
	if saves, fsyncs := clusterSaveCounts(t, s); saves != saves3 || fsyncs != fsyncs3 {
		t.Fatalf("BUMPEPOCH STILL: %d saves, %d fsyncs; want none", saves-saves3, fsyncs-fsyncs3)
	}
	// The peer moves to epoch 5 (its claim without our slots): BUMPEPOCH takes 6.
	peer := slots.NodeMeta{ID: otherID, IP: "127.0.0.2", Port: 7001, CPort: 17001,
		Flags: slots.FlagMaster, ConfigEpoch: 5, CurrentEpoch: 5}
	for i := 8194; i < slots.Count; i++ {
		peer.Slots.Set(i)
	}
	s.ClusterNodeUpdate(peer)
	onLoop(t, s, func() {})
	saves4, fsyncs4 := clusterSaveCounts(t, s)
	if got := tc.do("CLUSTER", "BUMPEPOCH"); got != "BUMPED 6" {
		t.Fatalf("BUMPEPOCH = %q, want BUMPED 6", got)
	}
	conf = nodesConfNow(t, dir)
	if saves, fsyncs := clusterSaveCounts(t, s); saves-saves4 != 1 || fsyncs-fsyncs4 != 1 {
		t.Fatalf("BUMPEPOCH BUMPED: %d saves, %d fsyncs; want one fsync'ed save", saves-saves4, fsyncs-fsyncs4)
	}
	if !strings.Contains(conf, " myself,master - 0 0 6 connected") || !strings.Contains(conf, "vars currentEpoch 6 ") {
		t.Fatalf("nodes.conf right after BUMPEPOCH:\n%s", conf)
	}
}

// clusterWithPeerDir is clusterWithPeer with nodes.conf in dir.
func clusterWithPeerDir(t *testing.T, dir string) (*Server, *testConn, *stubBus) {
	t.Helper()
	bus := &stubBus{}
	s, addr := startClusterNode(t, dir, nil)
	s.SetClusterBus(bus)
	tc := dialTest(t, addr)
	if got := tc.do("CLUSTER", "ADDSLOTSRANGE", "0", "8191"); got != "OK" {
		t.Fatal(got)
	}
	m := slots.NodeMeta{ID: otherID, IP: "127.0.0.2", Port: 7001, CPort: 17001,
		Flags: slots.FlagMaster, ConfigEpoch: 2, CurrentEpoch: 2}
	for i := 8192; i < slots.Count; i++ {
		m.Slots.Set(i)
	}
	s.ClusterNodeUpdate(m)
	onLoop(t, s, func() {})
	return s, tc, bus
}

// A master whose last slot SETSLOT NODE gives away turns replica of the new owner,
// with one fsync'ed save before the OK (Redis: SAVE|UPDATE_STATE|FSYNC).
func TestClusterSetslotNodeLastSlotFsyncedBeforeReply(t *testing.T) {
	dir := t.TempDir()
	s, addr := startClusterNode(t, dir, nil)
	s.SetClusterBus(&stubBus{})
	tc := dialTest(t, addr)
	if got := tc.do("CLUSTER", "ADDSLOTS", "5"); got != "OK" {
		t.Fatal(got)
	}
	m := slots.NodeMeta{ID: otherID, IP: "127.0.0.2", Port: 7001, CPort: 17001,
		Flags: slots.FlagMaster, ConfigEpoch: 2, CurrentEpoch: 2}
	s.ClusterNodeUpdate(m)
	onLoop(t, s, func() {})
	saves0, fsyncs0 := clusterSaveCounts(t, s)
	if got := tc.do("CLUSTER", "SETSLOT", "5", "NODE", otherID); got != "OK" {
		t.Fatalf("SETSLOT 5 NODE peer = %q", got)
	}
	conf := nodesConfNow(t, dir)
	if saves, fsyncs := clusterSaveCounts(t, s); saves-saves0 != 1 || fsyncs-fsyncs0 != 1 {
		t.Fatalf("last slot given away: %d saves, %d fsyncs; want one fsync'ed save", saves-saves0, fsyncs-fsyncs0)
	}
	if !strings.Contains(conf, " myself,slave "+otherID+" ") || !strings.Contains(conf, " 2 connected 5\n") {
		t.Fatalf("nodes.conf right after the reply:\n%s", conf)
	}
}

// A node killed (SIGKILL) right after the OK of the SETSLOT NODE that ended an
// import restarts owning the slot with its new epoch: the save came before the reply.
func TestClusterSetslotNodeSurvivesKillAfterReply(t *testing.T) {
	args := []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--appendonly", "no"}
	a, b := testutil.StartKeygrid(t, args...), testutil.StartKeygrid(t, args...)
	ca, cb := a.Conn(t), b.Conn(t)
	do := func(c *testutil.Conn, args ...string) string {
		t.Helper()
		raw, err := c.Do(args...)
		if err != nil {
			t.Fatal(err)
		}
		v, err := testutil.ParseReply(raw)
		if err != nil || v.IsError() {
			t.Fatalf("%q = %q (%v)", args, raw, err)
		}
		return v.Str
	}
	idA, idB := do(ca, "CLUSTER", "MYID"), do(cb, "CLUSTER", "MYID")
	do(cb, "CLUSTER", "ADDSLOTSRANGE", "0", "16383")
	do(cb, "CLUSTER", "BUMPEPOCH")
	do(ca, "CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(b.Port()))
	testutil.WaitFor(t, 10*time.Second, func() bool {
		return strings.Contains(do(ca, "CLUSTER", "NODES"), idB+" 127.0.0.1:") &&
			strings.Contains(do(ca, "CLUSTER", "NODES"), "connected 0-16383")
	}, "A knows B and its slots")
	do(cb, "CLUSTER", "SETSLOT", "100", "MIGRATING", idA)
	do(ca, "CLUSTER", "SETSLOT", "100", "IMPORTING", idB)
	do(ca, "CLUSTER", "SETSLOT", "100", "NODE", idA)
	a.Kill()
	conf, err := os.ReadFile(filepath.Join(a.Dir(), "nodes.conf"))
	if err != nil {
		t.Fatal(err)
	}
	// B bumped to 1; A's new epoch is 2, greater than any other.
	var mine string
	for _, l := range strings.Split(string(conf), "\n") {
		if strings.HasPrefix(l, idA+" ") {
			mine = l
		}
	}
	if f := strings.Fields(mine); len(f) < 9 || !strings.Contains(f[2], "myself") || f[6] != "2" || f[8] != "100" {
		t.Fatalf("A's line in nodes.conf after the kill = %q, want myself with epoch 2 and slot 100\n%s", mine, conf)
	}
	if !strings.Contains(string(conf), "vars currentEpoch 2 ") {
		t.Fatalf("nodes.conf after the kill:\n%s", conf)
	}
}
