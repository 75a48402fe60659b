package engine

// Cluster mode in one process: a node with no bus (a single-node cluster) or a stub
// bus; other nodes exist only as what the stub "gossips" through the engine's
// exported callbacks. Multi-process clusters are tested in node/.

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/slots"
)

// stubBus records what the engine asks of the bus.
type stubBus struct {
	mu      sync.Mutex
	meets   []string
	forgets []string
	changed int
	authReq []uint64
	forced  []bool // each request's force flag (a manual failover's)
	acks    []string
	mfStart []string
}

func (b *stubBus) Meet(ip string, port, cport int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.meets = append(b.meets, ip+":"+strconv.Itoa(port)+"@"+strconv.Itoa(cport))
	return nil
}
func (b *stubBus) Forget(id string) { b.mu.Lock(); b.forgets = append(b.forgets, id); b.mu.Unlock() }
func (b *stubBus) Changed()         { b.mu.Lock(); b.changed++; b.mu.Unlock() }
func (b *stubBus) RequestFailoverAuth(epoch uint64, force bool) {
	b.mu.Lock()
	b.authReq = append(b.authReq, epoch)
	b.forced = append(b.forced, force)
	b.mu.Unlock()
}
func (b *stubBus) SendFailoverAuthAck(id string, epoch uint64) {
	b.mu.Lock()
	b.acks = append(b.acks, id)
	b.mu.Unlock()
}
func (b *stubBus) ManualFailoverStart(id string) {
	b.mu.Lock()
	b.mfStart = append(b.mfStart, id)
	b.mu.Unlock()
}
func (b *stubBus) Publish(channel, message []byte, shard bool) {}
func (b *stubBus) Stats() slots.BusStats {
	return slots.BusStats{Sent: map[string]int64{"ping": 3, "pong": 2}, Received: map[string]int64{"pong": 5}}
}
func (b *stubBus) Close() error { return nil }

// startClusterNode starts a cluster-enabled server in dir (a fresh one if "").
func startClusterNode(t *testing.T, dir string, mutate func(*config.Config)) (*Server, string) {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	return startTestServer(t, func(c *config.Config) {
		c.ClusterEnabled = true
		c.Dir = dir
		c.Save = nil
		if mutate != nil {
			mutate(c)
		}
	})
}

// waitClusterOK polls CLUSTER INFO until cluster_state:ok: a master waits Redis's
// writable delay (2 s) after start before it turns ok.
func waitClusterOK(t *testing.T, tc *testConn) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(tc.do("CLUSTER", "INFO"), "cluster_state:ok") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("cluster_state never ok: %s", tc.do("CLUSTER", "INFO"))
}

// Redis Cluster spec, "Keys distribution model" and the single-node cluster that
// redis-cli --cluster create starts from: slots assigned with ADDSLOTS, keys in
// their slot's dict, state ok once every slot is covered.
func TestClusterSingleNode(t *testing.T) {
	dir := t.TempDir()
	s, addr := startClusterNode(t, dir, nil)
	tc := dialTest(t, addr)
	id := tc.do("CLUSTER", "MYID")
	if !slots.ValidID(id) {
		t.Fatalf("MYID = %q", id)
	}
	if got := tc.do("SET", "foo", "bar"); got != "-CLUSTERDOWN Hash slot not served" {
		t.Fatalf("SET before ADDSLOTS = %q", got)
	}
	if got := tc.do("CLUSTER", "ADDSLOTSRANGE", "0", "16383"); got != "OK" {
		t.Fatal(got)
	}
	waitClusterOK(t, tc)
	for _, kv := range [][2]string{{"foo", "bar"}, {"{user1}.a", "1"}, {"{user1}.b", "2"}} {
		if got := tc.do("SET", kv[0], kv[1]); got != "OK" {
			t.Fatal(got)
		}
	}
	checks := []struct {
		cmd  []string
		want string
	}{
		{[]string{"GET", "foo"}, "bar"},
		{[]string{"CLUSTER", "KEYSLOT", "foo"}, ":12182"},
		{[]string{"CLUSTER", "COUNTKEYSINSLOT", "12182"}, ":1"},
		{[]string{"CLUSTER", "GETKEYSINSLOT", "12182", "10"}, "[foo]"},
		{[]string{"MGET", "{user1}.a", "{user1}.b"}, "[1 2]"},
		{[]string{"MGET", "foo", "{user1}.a"}, "-CROSSSLOT Keys in request don't hash to the same slot"},
		{[]string{"CLUSTER", "ADDSLOTS", "5"}, "-ERR Slot 5 is already busy"},
		{[]string{"CLUSTER", "MEET", "127.0.0.1", "7000"}, "-ERR cluster bus not running: this node is a single-node cluster"},
		{[]string{"CLUSTER", "FLUSHSLOTS"}, "-ERR DB must be empty to perform CLUSTER FLUSHSLOTS."},
		{[]string{"CLUSTER", "RESET"}, "-ERR CLUSTER RESET can't be called with master nodes containing keys"},
		{[]string{"CLUSTER", "SETSLOT", "12182", "NODE", id}, "OK"},
		{[]string{"CLUSTER", "BUMPEPOCH"}, "BUMPED 1"},
		{[]string{"CLUSTER", "BUMPEPOCH"}, "STILL 1"},
		{[]string{"SELECT", "1"}, "-ERR SELECT is not allowed in cluster mode"},
	}
	for _, c := range checks {
		if got := tc.do(c.cmd...); got != c.want {
			t.Errorf("%v = %q, want %q", c.cmd, got, c.want)
		}
	}
	info := tc.do("CLUSTER", "INFO")
	for _, f := range []string{"cluster_slots_assigned:16384", "cluster_known_nodes:1", "cluster_size:1", "cluster_my_epoch:1", "cluster_stats_messages_sent:0"} {
		if !strings.Contains(info, f+"\r\n") {
			t.Errorf("CLUSTER INFO lacks %s:\n%s", f, info)
		}
	}
	if got := s.ClusterSize(); got != 1 {
		t.Errorf("ClusterSize (the bus's FAIL majority) = %d, want cluster_size 1", got)
	}
	nodes := tc.do("CLUSTER", "NODES")
	if !strings.HasPrefix(nodes, id+" :") || !strings.Contains(nodes, "myself,master - 0 0 1 connected 0-16383\n") {
		t.Errorf("CLUSTER NODES = %q", nodes)
	}
	// nodes.conf is written in beforeSleep after every change.
	deadline := time.Now().Add(5 * time.Second)
	for {
		data, _ := os.ReadFile(filepath.Join(dir, "nodes.conf"))
		if strings.Contains(string(data), "0-16383") && strings.Contains(string(data), "vars currentEpoch 1 lastVoteEpoch 0\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("nodes.conf = %q", data)
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = s
}

// A second node on the same nodes.conf is refused (Redis's clusterLockConfig), and
// a restarted node keeps its id, slots and epochs.
func TestClusterConfigLockAndReload(t *testing.T) {
	dir := t.TempDir()
	s, addr := startClusterNode(t, dir, nil)
	tc := dialTest(t, addr)
	id := tc.do("CLUSTER", "MYID")
	tc.do("CLUSTER", "ADDSLOTS", "1", "2", "3")
	tc.do("CLUSTER", "SET-CONFIG-EPOCH", "7")

	cfg := config.Default()
	cfg.ClusterEnabled, cfg.Dir, cfg.Port = true, dir, 0
	if _, err := New(Options{Config: cfg}); err == nil || !strings.Contains(err.Error(), "is already used by a different Redis Cluster node") {
		t.Fatalf("second node on the same file: %v", err)
	}
	onLoop(t, s, func() {}) // let beforeSleep save
	s.Shutdown()

	_, addr2 := startClusterNode(t, dir, nil)
	tc2 := dialTest(t, addr2)
	if got := tc2.do("CLUSTER", "MYID"); got != id {
		t.Fatalf("id after restart %q, want %q", got, id)
	}
	nodes := tc2.do("CLUSTER", "NODES")
	if !strings.Contains(nodes, "myself,master - 0 0 7 connected 1-3") {
		t.Fatalf("CLUSTER NODES after restart = %q", nodes)
	}
	if info := tc2.do("CLUSTER", "INFO"); !strings.Contains(info, "cluster_current_epoch:7\r\n") {
		t.Fatalf("CLUSTER INFO after restart = %q", info)
	}
}

// A corrupt nodes.conf stops the node, with Redis's message.
func TestClusterCorruptConfig(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "nodes.conf"), []byte("garbage line\n"), 0o644)
	cfg := config.Default()
	cfg.ClusterEnabled, cfg.Dir, cfg.Port = true, dir, 0
	if _, err := New(Options{Config: cfg}); err == nil || !strings.Contains(err.Error(), "corrupted cluster config file") {
		t.Fatalf("New with a corrupt nodes.conf: %v", err)
	}
}

const (
	otherID   = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	replicaID = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// clusterWithPeer starts a node that owns slots 0-8191, and tells it (as the bus
// would) of a peer at 127.0.0.2:7001 owning 8192-16383.
func clusterWithPeer(t *testing.T, mutate func(*config.Config)) (*Server, *testConn, *stubBus) {
	t.Helper()
	bus := &stubBus{}
	s, addr := startClusterNode(t, "", mutate)
	s.SetClusterBus(bus)
	tc := dialTest(t, addr)
	if got := tc.do("CLUSTER", "ADDSLOTSRANGE", "0", "8191"); got != "OK" {
		t.Fatal(got)
	}
	m := slots.NodeMeta{ID: otherID, IP: "127.0.0.2", Port: 7001, CPort: 17001, Hostname: "peer.example",
		Flags: slots.FlagMaster, ConfigEpoch: 2, CurrentEpoch: 2}
	for i := 8192; i < slots.Count; i++ {
		m.Slots.Set(i)
	}
	s.ClusterNodeUpdate(m)
	onLoop(t, s, func() {})
	waitClusterOK(t, tc)
	return s, tc, bus
}

// Redis Cluster spec, "Redirection and resharding": MOVED, ASK, ASKING, TRYAGAIN.
func TestClusterRedirections(t *testing.T) {
	s, tc, bus := clusterWithPeer(t, nil)
	tc.do("SET", "{b}tmp", "bar")
	payload := tc.do("DUMP", "{b}tmp")
	tc.do("DEL", "{b}tmp")
	// "foo" is in 12182 (the peer's), "a" in 15495 (the peer's), "b" in 3300 (ours).
	checks := []struct {
		cmd  []string
		want string
	}{
		{[]string{"GET", "foo"}, "-MOVED 12182 127.0.0.2:7001"},
		{[]string{"SET", "b", "1"}, "OK"},
		{[]string{"CLUSTER", "COUNTKEYSINSLOT", "3300"}, ":1"},
		{[]string{"PING"}, "PONG"},
		{[]string{"DBSIZE"}, ":1"},
		// EVAL routes by its declared keys.
		{[]string{"EVAL", "return 1", "1", "foo"}, "-MOVED 12182 127.0.0.2:7001"},
		{[]string{"EVAL", "return 1", "0"}, ":1"},
		{[]string{"SPUBLISH", "foo", "m"}, "-MOVED 12182 127.0.0.2:7001"},
		{[]string{"CLUSTER", "SETSLOT", "3300", "MIGRATING", otherID}, "OK"},
		{[]string{"GET", "b"}, "1"},                                                                 // present: served here
		{[]string{"GET", "{b}x"}, "-ASK 3300 127.0.0.2:7001"},                                       // missing: ASK
		{[]string{"MGET", "b", "{b}x"}, "-TRYAGAIN Multiple keys request during rehashing of slot"}, // some here
		{[]string{"CLUSTER", "SETSLOT", "3300", "STABLE"}, "OK"},
		{[]string{"CLUSTER", "SETSLOT", "12182", "IMPORTING", otherID}, "OK"},
		{[]string{"GET", "foo"}, "-MOVED 12182 127.0.0.2:7001"}, // no ASKING
		{[]string{"ASKING"}, "OK"},
		{[]string{"GET", "foo"}, "(nil)"},                       // served after ASKING
		{[]string{"GET", "foo"}, "-MOVED 12182 127.0.0.2:7001"}, // ASKING lasts one command
		{[]string{"RESTORE-ASKING", "foo", "0", payload}, "OK"},
		{[]string{"ASKING"}, "OK"},
		{[]string{"MGET", "foo", "{foo}2"}, "-TRYAGAIN Multiple keys request during rehashing of slot"},
		{[]string{"CLUSTER", "SETSLOT", "12182", "NODE", "nope"}, "-ERR Unknown node nope"},
		{[]string{"CLUSTER", "SETSLOT", "12182", "MIGRATING", otherID}, "-ERR I'm not the owner of hash slot 12182"},
		{[]string{"CLUSTER", "SETSLOT", "3300", "IMPORTING", otherID}, "-ERR I'm already the owner of hash slot 3300"},
		{[]string{"CLUSTER", "SETSLOT", "3300", "NODE", otherID}, "-ERR Can't assign hashslot 3300 to a different node while I still hold keys for this hash slot."},
		{[]string{"CLUSTER", "MEET", "127.0.0.1", "7002"}, "OK"},
		{[]string{"CLUSTER", "FORGET", otherID}, "OK"},
		{[]string{"GET", "a"}, "-CLUSTERDOWN Hash slot not served"},
	}
	for _, c := range checks {
		if got := tc.do(c.cmd...); got != c.want {
			t.Errorf("%q = %q, want %q", c.cmd, got, c.want)
		}
	}
	bus.mu.Lock()
	if len(bus.meets) != 1 || bus.meets[0] != "127.0.0.1:7002@17002" || len(bus.forgets) != 1 || bus.changed == 0 {
		t.Errorf("bus saw meets %v forgets %v changed %d", bus.meets, bus.forgets, bus.changed)
	}
	bus.mu.Unlock()
	if m := s.ClusterMyself(); m == nil || m.Slots.Len() == 0 {
		t.Errorf("ClusterMyself = %+v", m)
	}
}

// The endpoint MOVED names follows cluster-preferred-endpoint-type.
func TestClusterPreferredEndpoint(t *testing.T) {
	for _, c := range []struct{ typ, want string }{
		{"hostname", "-MOVED 12182 peer.example:7001"},
		{"unknown-endpoint", "-MOVED 12182 :7001"},
	} {
		_, tc, _ := clusterWithPeer(t, func(cfg *config.Config) { cfg.ClusterPreferredEndpointType = c.typ })
		if got := tc.do("GET", "foo"); got != c.want {
			t.Errorf("%s: %q, want %q", c.typ, got, c.want)
		}
	}
}

// MULTI/EXEC: queued commands' slots are checked at EXEC; a redirection discards
// the transaction (Redis replies the redirection, not EXECABORT).
func TestClusterTransactions(t *testing.T) {
	_, tc, _ := clusterWithPeer(t, nil)
	for _, c := range []struct {
		cmd  []string
		want string
	}{
		{[]string{"MULTI"}, "OK"},
		{[]string{"SET", "b", "1"}, "QUEUED"},
		{[]string{"GET", "foo"}, "-MOVED 12182 127.0.0.2:7001"},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of previous errors."},
		{[]string{"MULTI"}, "OK"},
		{[]string{"SET", "b", "1"}, "QUEUED"},
		{[]string{"GET", "b"}, "QUEUED"},
		{[]string{"EXEC"}, "[OK 1]"},
		// One ASKING before MULTI covers the whole transaction on an importing slot
		// (Redis's resetClient keeps the flag while the client is in MULTI): how
		// go-redis retries a transaction that got -ASK.
		{[]string{"CLUSTER", "SETSLOT", "12182", "IMPORTING", otherID}, "OK"},
		{[]string{"ASKING"}, "OK"},
		{[]string{"MULTI"}, "OK"},
		{[]string{"SET", "foo", "v"}, "QUEUED"},
		{[]string{"GET", "foo"}, "QUEUED"},
		{[]string{"EXEC"}, "[OK v]"},
		{[]string{"GET", "foo"}, "-MOVED 12182 127.0.0.2:7001"}, // cleared by EXEC
		{[]string{"ASKING"}, "OK"},
		{[]string{"MULTI"}, "OK"},
		{[]string{"DISCARD"}, "OK"},
		{[]string{"GET", "foo"}, "-MOVED 12182 127.0.0.2:7001"}, // cleared by DISCARD
	} {
		if got := tc.do(c.cmd...); got != c.want {
			t.Errorf("%q = %q, want %q", c.cmd, got, c.want)
		}
	}
}

// A replica serves reads of its master's slots to READONLY clients; writes and
// other clients are redirected.
func TestClusterReadonlyReplica(t *testing.T) {
	s, addr := startClusterNode(t, "", nil)
	s.SetClusterBus(&stubBus{})
	tc := dialTest(t, addr)
	m := slots.NodeMeta{ID: otherID, IP: "127.0.0.2", Port: 7001, CPort: 17001, Flags: slots.FlagMaster, ConfigEpoch: 1, CurrentEpoch: 1}
	for i := 0; i < slots.Count; i++ {
		m.Slots.Set(i)
	}
	s.ClusterNodeUpdate(m)
	onLoop(t, s, func() {})
	// Replicating needs the replication part to reach 127.0.0.2:7001, which does not
	// exist: the role is what this test is about.
	if got := tc.do("CLUSTER", "REPLICATE", otherID); got != "OK" {
		t.Fatal(got)
	}
	// No replicaof in the configuration of a cluster node: CONFIG SET still
	// validates, CONFIG GET shows none.
	if got := tc.do("CONFIG", "SET", "maxmemory-samples", "6"); got != "OK" {
		t.Errorf("CONFIG SET on a cluster replica: %q", got)
	}
	if got := tc.do("CONFIG", "GET", "replicaof"); got != "[replicaof ]" {
		t.Errorf("CONFIG GET replicaof = %q", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(tc.do("CLUSTER", "INFO"), "cluster_state:ok") {
		if time.Now().After(deadline) {
			t.Fatal("state never ok")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, c := range []struct {
		cmd  []string
		want string
	}{
		{[]string{"GET", "foo"}, "-MOVED 12182 127.0.0.2:7001"},
		{[]string{"READONLY"}, "OK"},
		{[]string{"GET", "foo"}, "(nil)"},
		{[]string{"SET", "foo", "1"}, "-MOVED 12182 127.0.0.2:7001"},
		{[]string{"READWRITE"}, "OK"},
		{[]string{"GET", "foo"}, "-MOVED 12182 127.0.0.2:7001"},
		{[]string{"CLUSTER", "FORGET", otherID}, "-ERR Can't forget my master!"},
		{[]string{"CLUSTER", "SETSLOT", "1", "STABLE"}, "-ERR Please use SETSLOT only with masters."},
		{[]string{"CLUSTER", "FAILOVER", "TAKEOVER"}, "OK"},
		{[]string{"GET", "foo"}, "(nil)"},
	} {
		if got := tc.do(c.cmd...); got != c.want {
			t.Errorf("%q = %q, want %q", c.cmd, got, c.want)
		}
	}
	if nodes := tc.do("CLUSTER", "NODES"); !strings.Contains(nodes, "myself,master - 0 0 2 connected 0-16383") {
		t.Errorf("after TAKEOVER: %s", nodes)
	}
}

// A master votes once per epoch, for a replica of a failed master, and saves the
// vote before it acks (Redis's clusterSendFailoverAuthIfNeeded).
func TestClusterFailoverVote(t *testing.T) {
	s, tc, bus := clusterWithPeer(t, nil)
	s.ClusterNodeUpdate(slots.NodeMeta{ID: replicaID, IP: "127.0.0.3", Port: 7002, CPort: 17002,
		Flags: slots.FlagReplica, MasterID: otherID, CurrentEpoch: 3})
	var claim slots.Bitmap
	for i := 8192; i < slots.Count; i++ {
		claim.Set(i)
	}
	s.ClusterFailoverAuthRequest(replicaID, 3, claim, false) // master not failed: no vote
	onLoop(t, s, func() {})
	s.ClusterNodeHealth(otherID, false, true)
	s.ClusterFailoverAuthRequest(replicaID, 3, claim, false)
	s.ClusterFailoverAuthRequest(replicaID, 3, claim, false) // same epoch: no second vote
	onLoop(t, s, func() {})
	bus.mu.Lock()
	acks := append([]string(nil), bus.acks...)
	bus.mu.Unlock()
	if len(acks) != 1 || acks[0] != replicaID {
		t.Fatalf("acks = %v", acks)
	}
	if got := tc.do("CLUSTER", "REPLICAS", otherID); !strings.Contains(got, replicaID) {
		t.Errorf("CLUSTER REPLICAS = %q", got)
	}
	if info := tc.do("CLUSTER", "INFO"); !strings.Contains(info, "cluster_slots_fail:8192\r\n") ||
		!strings.Contains(info, "cluster_stats_messages_ping_sent:3\r\ncluster_stats_messages_pong_sent:2\r\ncluster_stats_messages_sent:5\r\n") {
		t.Errorf("CLUSTER INFO = %q", info)
	}
	// The peer took over our claim with a greater epoch: we lose those slots.
	var all slots.Bitmap
	for i := 0; i < slots.Count; i++ {
		all.Set(i)
	}
	s.ClusterNodeHealth(otherID, false, false)
	tc.do("FLUSHALL")
	s.ClusterNodeUpdate(slots.NodeMeta{ID: otherID, IP: "127.0.0.2", Port: 7001, CPort: 17001,
		Flags: slots.FlagMaster, ConfigEpoch: 9, CurrentEpoch: 9, Slots: all})
	onLoop(t, s, func() {})
	if got := tc.do("CLUSTER", "NODES"); !strings.Contains(got, "myself,slave "+otherID) {
		t.Errorf("after losing every slot: %s", got)
	}
}

// A client blocked on a key of a slot that moves away is unblocked with a MOVED
// (Redis's clusterRedirectBlockedClientIfNeeded).
func TestClusterBlockedRedirect(t *testing.T) {
	s, tc, _ := clusterWithPeer(t, nil)
	blocked := dialTest(t, s.Addr())
	blocked.raw("*3\r\n$5\r\nBLPOP\r\n$1\r\nb\r\n$1\r\n0\r\n") // "b" is in slot 3300, ours
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(tc.do("INFO", "clients"), "blocked_clients:1") {
		if time.Now().After(deadline) {
			t.Fatal("BLPOP never blocked")
		}
		time.Sleep(10 * time.Millisecond)
	}
	m := slots.NodeMeta{ID: otherID, IP: "127.0.0.2", Port: 7001, CPort: 17001, Flags: slots.FlagMaster, ConfigEpoch: 5, CurrentEpoch: 5}
	for i := 3300; i < slots.Count; i++ {
		m.Slots.Set(i)
	}
	s.ClusterNodeUpdate(m)
	if got := blocked.read(); got != "-MOVED 3300 127.0.0.2:7001" {
		t.Fatalf("blocked client got %q", got)
	}
	if got := tc.do("CLIENT", "LIST"); strings.Contains(got, "flags=r") {
		t.Errorf("no READONLY client expected: %s", got)
	}
	tc.do("READONLY")
	if got := tc.do("CLIENT", "INFO"); !strings.Contains(got, "flags=r ") {
		t.Errorf("CLIENT INFO of a READONLY client: %s", got)
	}
}

// stubMasters are the masters startStubReplica's node knows.
var stubMasters = [3]string{otherID, "cccccccccccccccccccccccccccccccccccccccc", "dddddddddddddddddddddddddddddddddddddddd"}

// startStubReplica starts a cluster node on a stub bus that knows three masters
// sharing the slots (otherID first, epochs 1-3) and replicates otherID. Its
// cluster-replica-validity-factor is 0: it never synced (no master runs), and
// may fail over anyway.
func startStubReplica(t *testing.T) (*Server, *testConn, *stubBus) {
	t.Helper()
	bus := &stubBus{}
	s, addr := startClusterNode(t, "", func(c *config.Config) { c.ClusterReplicaValidityFactor = 0 })
	s.SetClusterBus(bus)
	tc := dialTest(t, addr)
	for i, id := range stubMasters {
		m := slots.NodeMeta{ID: id, IP: "127.0.0.2", Port: 7001 + i, CPort: 17001 + i, Flags: slots.FlagMaster,
			ConfigEpoch: uint64(i + 1), CurrentEpoch: 3}
		for sl := i * 5462; sl < min((i+1)*5462, slots.Count); sl++ {
			m.Slots.Set(sl)
		}
		s.ClusterNodeUpdate(m)
	}
	onLoop(t, s, func() {})
	if got := tc.do("CLUSTER", "REPLICATE", otherID); got != "OK" {
		t.Fatal(got)
	}
	return s, tc, bus
}

// Redis Cluster spec, "Replica election and promotion": a replica of a FAIL master
// waits its delay, asks for votes in a new epoch, and with a majority of the
// masters takes over its master's slots.
func TestClusterReplicaElection(t *testing.T) {
	s, tc, bus := startStubReplica(t)
	if got := tc.do("CLUSTER", "FAILOVER"); got != "OK" {
		t.Fatal(got)
	}
	bus.mu.Lock()
	mf := append([]string(nil), bus.mfStart...)
	bus.mu.Unlock()
	if len(mf) != 1 || mf[0] != otherID {
		t.Fatalf("manual failover start sent to %v", mf)
	}
	s.ClusterNodeHealth(otherID, false, true)
	var epoch uint64
	deadline := time.Now().Add(10 * time.Second)
	for epoch == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no vote requested")
		}
		time.Sleep(20 * time.Millisecond)
		bus.mu.Lock()
		if len(bus.authReq) > 0 {
			epoch = bus.authReq[0]
		}
		bus.mu.Unlock()
	}
	if epoch != 4 {
		t.Fatalf("election epoch %d, want 4 (current epoch 3 + 1)", epoch)
	}
	s.ClusterFailoverAuthAck(stubMasters[1], epoch)
	s.ClusterFailoverAuthAck(stubMasters[2], epoch)
	deadline = time.Now().Add(5 * time.Second)
	for !strings.Contains(tc.do("CLUSTER", "NODES"), "myself,master - 0 0 4 connected 0-5461") {
		if time.Now().After(deadline) {
			t.Fatalf("not promoted: %s", tc.do("CLUSTER", "NODES"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Redis Cluster spec, "Live reconfiguration": moving a slot between two nodes with
// the steps redis-cli --cluster reshard runs (SETSLOT IMPORTING/MIGRATING, MIGRATE
// with RESTORE-ASKING, SETSLOT NODE), the two nodes' views exchanged by hand as a
// bus would.
func TestClusterResharding(t *testing.T) {
	announce := func(c *config.Config) { c.ClusterAnnounceIP = "127.0.0.1" }
	a, addrA := startClusterNode(t, "", announce)
	b, addrB := startClusterNode(t, "", announce)
	a.SetClusterBus(&stubBus{})
	b.SetClusterBus(&stubBus{})
	ca, cb := dialTest(t, addrA), dialTest(t, addrB)
	ca.do("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
	ca.do("CLUSTER", "SET-CONFIG-EPOCH", "1")
	exchange := func() {
		onLoop(t, a, func() {})
		onLoop(t, b, func() {})
		ma, mb := *a.ClusterMyself(), *b.ClusterMyself()
		a.ClusterNodeUpdate(mb)
		b.ClusterNodeUpdate(ma)
		onLoop(t, a, func() {})
		onLoop(t, b, func() {})
	}
	exchange()
	waitClusterOK(t, ca)
	waitClusterOK(t, cb)
	idA, idB := ca.do("CLUSTER", "MYID"), cb.do("CLUSTER", "MYID")
	portB := addrB[strings.LastIndexByte(addrB, ':')+1:]
	// "foo" and "{foo}2" are in slot 12182.
	ca.do("SET", "foo", "1")
	ca.do("SET", "{foo}2", "2")
	ca.do("PEXPIRE", "{foo}2", "100000")
	steps := []struct {
		c    *testConn
		cmd  []string
		want string
	}{
		{cb, []string{"GET", "foo"}, "-MOVED 12182 127.0.0.1:" + addrA[strings.LastIndexByte(addrA, ':')+1:]},
		{cb, []string{"CLUSTER", "SETSLOT", "12182", "IMPORTING", idA}, "OK"},
		{ca, []string{"CLUSTER", "SETSLOT", "12182", "MIGRATING", idB}, "OK"},
		{ca, []string{"CLUSTER", "COUNTKEYSINSLOT", "12182"}, ":2"},
		{ca, []string{"MIGRATE", "127.0.0.1", portB, "foo", "0", "5000"}, "OK"},
		{ca, []string{"GET", "foo"}, "-ASK 12182 127.0.0.1:" + portB},
		{ca, []string{"GET", "{foo}2"}, "2"},
		{ca, []string{"MGET", "foo", "{foo}2"}, "-TRYAGAIN Multiple keys request during rehashing of slot"},
		{cb, []string{"ASKING"}, "OK"},
		{cb, []string{"GET", "foo"}, "1"},
		{ca, []string{"MIGRATE", "127.0.0.1", portB, "", "0", "5000", "KEYS", "{foo}2"}, "OK"},
		{ca, []string{"CLUSTER", "COUNTKEYSINSLOT", "12182"}, ":0"},
		{cb, []string{"CLUSTER", "COUNTKEYSINSLOT", "12182"}, ":2"},
		{cb, []string{"CLUSTER", "SETSLOT", "12182", "NODE", idB}, "OK"},
		{ca, []string{"CLUSTER", "SETSLOT", "12182", "NODE", idB}, "OK"},
		{cb, []string{"GET", "foo"}, "1"},
		{ca, []string{"GET", "foo"}, "-MOVED 12182 127.0.0.1:" + portB},
	}
	for i, st := range steps {
		if got := st.c.do(st.cmd...); got != st.want {
			t.Errorf("step %d %q = %q, want %q", i, st.cmd, got, st.want)
		}
	}
	// The TTL left (all 100000 ms of it if the steps took less than a millisecond).
	if ttl, err := strconv.Atoi(strings.TrimPrefix(cb.do("PTTL", "{foo}2"), ":")); err != nil || ttl > 100000 || ttl < 90000 {
		t.Errorf("TTL after MIGRATE: %d %v", ttl, err)
	}
	// B bumped its epoch when the import ended: once the views are exchanged, both
	// agree that B owns the slot, whoever they heard it from first.
	exchange()
	for _, c := range []*testConn{ca, cb} {
		nodes := c.do("CLUSTER", "NODES")
		if !strings.Contains(nodes, idB+" 127.0.0.1:"+portB) || !strings.Contains(nodes, " 12182\n") && !strings.Contains(nodes, " 12182 ") {
			t.Errorf("views after the move:\n%s", nodes)
		}
	}
	if got := cb.do("CLUSTER", "INFO"); !strings.Contains(got, "cluster_my_epoch:2\r\n") {
		t.Errorf("B's epoch after the import: %s", got)
	}
}

// cluster-replica-validity-factor: a replica that never got data from its master
// does not stand for election when the master fails.
func TestClusterReplicaTooOldForElection(t *testing.T) {
	bus := &stubBus{}
	s, addr := startClusterNode(t, "", nil) // validity factor 10 (Redis's default)
	s.SetClusterBus(bus)
	tc := dialTest(t, addr)
	for i, id := range []string{otherID, "cccccccccccccccccccccccccccccccccccccccc", "dddddddddddddddddddddddddddddddddddddddd"} {
		m := slots.NodeMeta{ID: id, IP: "127.0.0.2", Port: 7001 + i, CPort: 17001 + i, Flags: slots.FlagMaster, ConfigEpoch: uint64(i + 1)}
		for sl := i * 5462; sl < min((i+1)*5462, slots.Count); sl++ {
			m.Slots.Set(sl)
		}
		s.ClusterNodeUpdate(m)
	}
	onLoop(t, s, func() {})
	tc.do("CLUSTER", "REPLICATE", otherID)
	s.ClusterNodeHealth(otherID, false, true)
	time.Sleep(1500 * time.Millisecond) // longer than the 500-1000 ms election delay
	bus.mu.Lock()
	defer bus.mu.Unlock()
	if len(bus.authReq) != 0 {
		t.Fatalf("a replica with no data asked for votes: %v", bus.authReq)
	}
}

// startMigrationCluster is a node replicating otherID, which has a second
// replica, beside master masterB (the other half of the slots) with one
// replica, its own: the set-up of the replica migration tests.
func startMigrationCluster(t *testing.T, masterB, replicaB string) (*Server, *testConn) {
	s, addr := startClusterNode(t, "", nil)
	s.SetClusterBus(&stubBus{})
	tc := dialTest(t, addr)
	for i, id := range []string{otherID, masterB} {
		m := slots.NodeMeta{ID: id, IP: "127.0.0.2", Port: 7001 + i, CPort: 17001 + i, Flags: slots.FlagMaster, ConfigEpoch: uint64(i + 1)}
		for sl := i * 8192; sl < (i+1)*8192; sl++ {
			m.Slots.Set(sl)
		}
		s.ClusterNodeUpdate(m)
	}
	s.ClusterNodeUpdate(slots.NodeMeta{ID: strings.Repeat("f", 40), IP: "127.0.0.3", Port: 7010, CPort: 17010, Flags: slots.FlagReplica, MasterID: otherID})
	s.ClusterNodeUpdate(slots.NodeMeta{ID: replicaB, IP: "127.0.0.3", Port: 7011, CPort: 17011, Flags: slots.FlagReplica, MasterID: masterB})
	onLoop(t, s, func() {})
	if got := tc.do("CLUSTER", "REPLICATE", otherID); got != "OK" {
		t.Fatal(got)
	}
	return s, tc
}

// Redis Cluster spec, "Replica migration": a master left without working replicas
// gets one from the master with the most, after a delay.
func TestClusterReplicaMigration(t *testing.T) {
	masterB := strings.Repeat("c", 40)
	s, tc := startMigrationCluster(t, masterB, strings.Repeat("e", 40))
	onLoop(t, s, func() {}) // one cron pass sees B with a replica
	time.Sleep(200 * time.Millisecond)
	s.ClusterNodeHealth(strings.Repeat("e", 40), false, true)
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(tc.do("CLUSTER", "NODES"), "myself,slave "+masterB) {
		if time.Now().After(deadline) {
			t.Fatalf("no migration to the orphaned master:\n%s", tc.do("CLUSTER", "NODES"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Redis's legacy unit 07-replica-migration, second part: a replica that fails
// over its master becomes a valid migration target for the others (Redis's
// clusterSetNodeAsMaster flags it MIGRATE_TO) though as a master it never had a
// replica: a replica of the master with the most moves to it.
func TestClusterReplicaMigrationToPromotedReplica(t *testing.T) {
	masterB, promoted := strings.Repeat("c", 40), strings.Repeat("e", 40)
	s, tc := startMigrationCluster(t, masterB, promoted)
	onLoop(t, s, func() {})
	time.Sleep(200 * time.Millisecond) // crons see the replica of B as a replica
	// B fails and its replica takes its slots with a new epoch.
	s.ClusterNodeHealth(masterB, false, true)
	m := slots.NodeMeta{ID: promoted, IP: "127.0.0.3", Port: 7011, CPort: 17011, Flags: slots.FlagMaster, ConfigEpoch: 3}
	for sl := 8192; sl < slots.Count; sl++ {
		m.Slots.Set(sl)
	}
	s.ClusterNodeUpdate(m)
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(tc.do("CLUSTER", "NODES"), "myself,slave "+promoted) {
		if time.Now().After(deadline) {
			t.Fatalf("no migration to the promoted replica:\n%s", tc.do("CLUSTER", "NODES"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The bus stops answering while the loop is stuck (gossip's stall check reads
// ClusterLoopAlive), but a loop waiting for events is not stuck, however long
// it waits or the kernel takes to run it again: with hz 1 an idle node's loop
// sleeps about a second between crons, and its bus must keep answering. A
// script busy for a second (below lua-time-limit, so no events are served) is
// stuck.
func TestClusterLoopAliveWhileWaiting(t *testing.T) {
	s, addr := startClusterNode(t, "", func(c *config.Config) { c.Hz = 1 })
	tc := dialTest(t, addr)
	tc.do("PING")
	worst := time.Duration(0)
	for end := time.Now().Add(2500 * time.Millisecond); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		worst = max(worst, time.Since(s.ClusterLoopAlive()))
	}
	// The bus takes a loop silent for more than 500 ms (gossip's stallAfter) for
	// stuck: an idle loop must stay under it, with room for a loaded machine's
	// scheduling delays (the whole suite runs two packages at once on two cores).
	if worst > 450*time.Millisecond {
		t.Errorf("an idle loop looked stuck for %v", worst)
	}
	done := make(chan string)
	go func() {
		done <- dialTest(t, addr).do("EVAL", "local t = redis.call('TIME') local e = t[1] * 1000000 + t[2] + 1200000 "+
			"while true do local n = redis.call('TIME') if n[1] * 1000000 + n[2] > e then return 1 end end", "0")
	}()
	// Sampled until the script returns: a late start (a loaded machine) must
	// not end the watch before the loop got busy.
	stuck := time.Duration(0)
	for got := ""; got == ""; time.Sleep(20 * time.Millisecond) {
		stuck = max(stuck, time.Since(s.ClusterLoopAlive()))
		select {
		case got = <-done:
			if got != ":1" {
				t.Fatalf("EVAL = %q", got)
			}
		default:
		}
	}
	if stuck < 600*time.Millisecond {
		t.Errorf("a loop busy in a script for 1.2 s looked alive (at most %v old)", stuck)
	}
}
