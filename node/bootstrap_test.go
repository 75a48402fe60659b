package node_test

// Self-bootstrap and stable identity with real keygrid processes (issue #10):
//   - TestClusterSelfBootstrap: nodes given cluster-bootstrap-* form the cluster
//     with no redis-cli, one of them deciding, once the last one starts; `keygrid
//     handoff` (the preStop hook) hands a master's slots to its replica; a restart
//     of them all assigns nothing; a seventh, empty node joins as a replica.
//   - TestClusterIdentityNewAddress: a master restarted with its data directory on
//     another address keeps its id and slots and everyone follows (clients through
//     MOVED, its replica's link); so does a replica killed with SIGKILL; and so do
//     all six restarted at once on new addresses, found again through the seeds.
//
// The nodes listen on 127.0.0.x addresses (Linux routes all of 127/8 to lo), all
// on one port, as the pods of a StatefulSet do.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// bootProc is one keygrid process of these tests, restartable on a new address.
type bootProc struct {
	t    *testing.T
	bin  string
	ip   string
	port int
	dir  string
	args []string
	cmd  *exec.Cmd
	out  *lockedBuf
	done chan struct{}
}

type lockedBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (p *bootProc) addr() string { return net.JoinHostPort(p.ip, strconv.Itoa(p.port)) }

func (p *bootProc) start() {
	p.t.Helper()
	p.launch()
	p.waitUp()
}

func (p *bootProc) launch() {
	p.t.Helper()
	args := append([]string{"server", "--bind", p.ip, "--port", strconv.Itoa(p.port), "--dir", p.dir,
		"--cluster-enabled", "yes", "--save", ""}, p.args...)
	p.cmd = exec.Command(p.bin, args...)
	p.out = &lockedBuf{}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.WaitDelay = time.Second
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(p.cmd, p.done)
}

func (p *bootProc) waitUp() {
	p.t.Helper()
	testutil.WaitFor(p.t, 60*time.Second, func() bool {
		select {
		case <-p.done:
			p.t.Fatalf("%s exited:\n%s", p.addr(), p.out.String())
		default:
		}
		v, err := bootDo(p.addr(), "PING")
		return err == nil && v == "PONG"
	}, "node "+p.addr()+" answers PING")
}

// stop ends the process with SIGTERM (a pod's eviction), SIGKILL after 15 s.
func (p *bootProc) stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// bootDo sends one command and returns its reply as a string ("" for nil);
// an error reply is an error.
func bootDo(addr string, args ...string) (string, error) {
	c, err := testutil.Dial(addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetTimeout(3 * time.Second)
	raw, err := c.Do(args...)
	if err != nil {
		return "", err
	}
	v, err := testutil.ParseReply(raw)
	if err != nil {
		return "", err
	}
	if v.IsError() {
		return "", fmt.Errorf("%s", v.Str)
	}
	if v.Kind == testutil.KindInt {
		return strconv.FormatInt(v.Int, 10), nil
	}
	return v.Str, nil
}

// bootPort picks a port free with its bus port (+10000) on every address. Both
// are below Linux's ephemeral range (32768 and up): a port there can be taken by
// any outgoing connection between this check and the node's bind (CI: a bus port
// 39954 "address already in use" while other tests dialled thousands of
// connections), one below it only by a listener.
func bootPort(t *testing.T) int {
	for range 100 {
		p := 12000 + rand.IntN(32768-10000-12000)
		a, err := net.Listen("tcp", ":"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		b, err := net.Listen("tcp", ":"+strconv.Itoa(p+10000))
		a.Close()
		if err != nil {
			continue
		}
		b.Close()
		return p
	}
	t.Fatal("no free port pair")
	return 0
}

// clusterNodes parses CLUSTER NODES into id → fields.
func bootClusterNodes(addr string) (map[string][]string, error) {
	s, err := bootDo(addr, "CLUSTER", "NODES")
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		f := strings.Fields(line)
		if len(f) >= 8 {
			out[f[0]] = f
		}
	}
	return out, nil
}

func bootClusterOK(addr string) bool {
	s, err := bootDo(addr, "CLUSTER", "INFO")
	return err == nil && strings.Contains(s, "cluster_state:ok") && strings.Contains(s, "cluster_slots_assigned:16384")
}

// topology is slot ranges by owner id and replica → master, as one node sees them.
func bootTopology(addr string) (owners map[string]string, replicaOf map[string]string, err error) {
	nodes, err := bootClusterNodes(addr)
	if err != nil {
		return nil, nil, err
	}
	owners, replicaOf = map[string]string{}, map[string]string{}
	for id, f := range nodes {
		if f[3] != "-" {
			replicaOf[id] = f[3]
		}
		if len(f) > 8 {
			owners[id] = strings.Join(f[8:], " ")
		}
	}
	return owners, replicaOf, nil
}

func startBootCluster(t *testing.T, ips []string, port int, extra func(i int) []string) []*bootProc {
	bin := testutil.BuildKeygrid(t)
	var procs []*bootProc
	for i, ip := range ips {
		p := &bootProc{t: t, bin: bin, ip: ip, port: port, dir: t.TempDir()}
		p.args = extra(i)
		procs = append(procs, p)
		t.Cleanup(p.stop)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range procs {
				if p.out != nil {
					log := p.out.String()
					t.Logf("--- %s log (tail):\n%s", p.addr(), log[max(0, len(log)-4000):])
				}
			}
		}
	})
	return procs
}

// bootDumpState logs every node's CLUSTER NODES and CLUSTER INFO when the test
// failed (cleanups run last-in first-out: this one before the processes stop).
func bootDumpState(t *testing.T, procs []*bootProc) {
	if !t.Failed() {
		return
	}
	for _, p := range procs {
		nodes, _ := bootDo(p.addr(), "CLUSTER", "NODES")
		info, _ := bootDo(p.addr(), "CLUSTER", "INFO")
		t.Logf("--- %s CLUSTER NODES:\n%s\nCLUSTER INFO:\n%s", p.addr(), nodes, info)
	}
}

// Six nodes, one replica each, seeds naming every node: five wait (no decision
// with fewer than the expected size), the sixth starting late completes the set,
// exactly one node decides, the slots are split as redis-cli --cluster create
// splits them, and restarting every node reassigns nothing.
func TestClusterSelfBootstrap(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six servers")
	}
	var ports []int
	var seeds []string
	for range 6 {
		p := bootPort(t)
		ports = append(ports, p)
		seeds = append(seeds, "127.0.0.1:"+strconv.Itoa(p))
	}
	// One seed by name: a DNS name is resolved like the headless Service's.
	seeds[5] = "localhost:" + strconv.Itoa(ports[5])
	bin := testutil.BuildKeygrid(t)
	var procs []*bootProc
	for i := range 6 {
		p := &bootProc{t: t, bin: bin, ip: "127.0.0.1", port: ports[i], dir: t.TempDir(), args: []string{
			"--cluster-node-timeout", "5000", "--appendonly", "yes",
			"--cluster-bootstrap-size", "6", "--cluster-bootstrap-replicas", "1",
			"--cluster-bootstrap-seeds", strings.Join(seeds, ","),
		}}
		procs = append(procs, p)
		t.Cleanup(p.stop)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range procs {
				if p.out != nil {
					log := p.out.String()
					t.Logf("--- %s log (tail):\n%s", p.addr(), log[max(0, len(log)-3000):])
				}
			}
		}
	})
	t.Cleanup(func() { bootDumpState(t, procs) })
	for _, p := range procs[:5] {
		p.start()
	}
	// The five meet each other through the seeds...
	testutil.WaitFor(t, 30*time.Second, func() bool {
		for _, p := range procs[:5] {
			if n, err := bootClusterNodes(p.addr()); err != nil || len(n) != 5 {
				return false
			}
		}
		return true
	}, "the first five nodes know each other")
	// ...and assign nothing while the sixth is missing (three bootstrap ticks).
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		for _, p := range procs[:5] {
			if s, _ := bootDo(p.addr(), "CLUSTER", "INFO"); !strings.Contains(s, "cluster_slots_assigned:0\r\n") {
				t.Fatalf("%s assigned slots with 5 of 6 nodes:\n%s", p.addr(), s)
			}
		}
	}
	procs[5].start()
	testutil.WaitFor(t, 60*time.Second, func() bool {
		for _, p := range procs {
			if !bootClusterOK(p.addr()) {
				return false
			}
		}
		return true
	}, "cluster_state:ok on all six nodes")
	deciders := 0
	for _, p := range procs {
		if strings.Contains(p.out.String(), "I decide the slot assignment") {
			deciders++
		}
	}
	if deciders != 1 {
		t.Fatalf("%d nodes decided the assignment, want 1", deciders)
	}
	var owners, replicaOf map[string]string
	testutil.WaitFor(t, 30*time.Second, func() bool {
		var err error
		owners, replicaOf, err = bootTopology(procs[0].addr())
		return err == nil && len(owners) == 3 && len(replicaOf) == 3
	}, "3 masters and 3 replicas")
	ranges := slices.Sorted(func(yield func(string) bool) {
		for _, r := range owners {
			if !yield(r) {
				return
			}
		}
	})
	sort.Slice(ranges, func(i, j int) bool {
		a, _ := strconv.Atoi(strings.Split(ranges[i], "-")[0])
		b, _ := strconv.Atoi(strings.Split(ranges[j], "-")[0])
		return a < b
	})
	if want := []string{"0-5460", "5461-10922", "10923-16383"}; !slices.Equal(ranges, want) {
		t.Fatalf("slot ranges %v, want redis-cli's %v", ranges, want)
	}
	perMaster := map[string]int{}
	for _, m := range replicaOf {
		perMaster[m]++
	}
	for id := range owners {
		if perMaster[id] != 1 {
			t.Fatalf("master %s has %d replicas: %v", id, perMaster[id], replicaOf)
		}
	}
	if cli, err := exec.LookPath("redis-cli"); err == nil {
		testutil.WaitFor(t, 30*time.Second, func() bool {
			out, _ := exec.Command(cli, "--cluster", "check", procs[0].addr()).CombinedOutput()
			return strings.Contains(string(out), "[OK] All nodes agree about slots configuration.") &&
				strings.Contains(string(out), "[OK] All 16384 slots covered.") && !strings.Contains(string(out), "[ERR]")
		}, "redis-cli --cluster check passes")
	}
	ctx := context.Background()
	var addrs []string
	for _, p := range procs {
		addrs = append(addrs, p.addr())
	}
	rc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, MaxRedirects: 16})
	defer rc.Close()
	for i := range 200 {
		if err := rc.Set(ctx, "k"+strconv.Itoa(i), i, 0).Err(); err != nil {
			t.Fatalf("SET: %v", err)
		}
	}

	// `keygrid handoff` (the StatefulSet's preStop) on a master: its replica takes
	// over by a manual failover; on a replica it has nothing to do.
	var master, replica *bootProc
	for _, p := range procs {
		id, _ := bootDo(p.addr(), "CLUSTER", "MYID")
		if _, ok := owners[id]; ok && master == nil {
			master = p
		} else if _, ok := replicaOf[id]; ok && replica == nil {
			replica = p
		}
	}
	out, err := exec.Command(bin, "handoff", "-p", strconv.Itoa(replica.port)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "nothing to hand over") {
		t.Fatalf("handoff on a replica: %v\n%s", err, out)
	}
	masterID, _ := bootDo(master.addr(), "CLUSTER", "MYID")
	out, err = exec.Command(bin, "handoff", "-p", strconv.Itoa(master.port), "--timeout", "60s").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "handed over to") {
		t.Fatalf("handoff on master %s: %v\n%s", masterID, err, out)
	}
	testutil.WaitFor(t, 30*time.Second, func() bool {
		o, r, err := bootTopology(procs[1].addr())
		if err != nil || len(o) != 3 || len(r) != 3 || r[masterID] == "" || o[r[masterID]] != owners[masterID] {
			return false
		}
		owners, replicaOf = o, r
		return true
	}, "the master's replica serves its slots and the master replicates it")
	for i := range 200 {
		if v, err := rc.Get(ctx, "k"+strconv.Itoa(i)).Int(); err != nil || v != i {
			t.Fatalf("GET k%d after the handoff: %v %v", i, v, err)
		}
	}

	// Restart everything, all at once as `docker compose restart` or a rollout
	// of every pod does: nodes.conf has the slots, so nothing is decided again
	// and every slot keeps its owner.
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() { defer wg.Done(); p.stop() }()
	}
	wg.Wait()
	for _, p := range procs {
		p.launch()
	}
	for _, p := range procs {
		p.waitUp()
	}
	testutil.WaitFor(t, 60*time.Second, func() bool {
		for _, p := range procs {
			if !bootClusterOK(p.addr()) {
				return false
			}
		}
		return true
	}, "cluster_state:ok on all six nodes after the restart")
	for _, p := range procs {
		if strings.Contains(p.out.String(), "I decide the slot assignment") {
			t.Fatalf("%s decided again after a restart", p.addr())
		}
	}
	owners2, _, err := bootTopology(procs[0].addr())
	if err != nil {
		t.Fatal(err)
	}
	// Each range is served by its master, or by that master's replica if a
	// failover happened while the nodes came back (not a reassignment: the
	// pair is the same).
	for id, r := range owners {
		if owners2[id] == r {
			continue
		}
		ok := false
		for rid, m := range replicaOf {
			if m == id && owners2[rid] == r {
				ok = true
				t.Logf("range %s failed over from %s to its replica %s during the restart", r, id, rid)
			}
		}
		if !ok {
			t.Fatalf("slot owners changed across the restart:\nbefore %v\nafter  %v", owners, owners2)
		}
	}
	rc.ReloadState(ctx)
	testutil.WaitFor(t, 30*time.Second, func() bool {
		for i := range 200 {
			if v, err := rc.Get(ctx, "k"+strconv.Itoa(i)).Int(); err != nil || v != i {
				return false
			}
		}
		return true
	}, "every key readable after the restart")

	// A seventh node, empty, finds the formed cluster through the seeds and makes
	// itself a replica (a pod that lost its volume, a StatefulSet scaled up).
	late := &bootProc{t: t, bin: bin, ip: "127.0.0.1", port: bootPort(t), dir: t.TempDir(), args: procs[0].args}
	t.Cleanup(late.stop)
	late.start()
	lateID, _ := bootDo(late.addr(), "CLUSTER", "MYID")
	testutil.WaitFor(t, 60*time.Second, func() bool {
		_, r, err := bootTopology(procs[0].addr())
		return err == nil && r[lateID] != "" && bootClusterOK(late.addr())
	}, "the late node is a replica")
	if strings.Contains(late.out.String(), "I decide the slot assignment") {
		t.Fatal("the late node decided an assignment")
	}
}

// A master restarted with its data directory on a new address (a rescheduled pod)
// keeps its id and slots; every node's CLUSTER NODES shows the new address, its
// replica follows it there, and clients following MOVED reach it and read the
// keys it had.
func TestClusterIdentityNewAddress(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six servers")
	}
	port := bootPort(t)
	ips := []string{"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7"}
	// Seeds without a port: every node listens on the same one, as in a StatefulSet.
	seeds := strings.Join(ips, " ")
	procs := startBootCluster(t, ips, port, func(i int) []string {
		// No automatic failover: keygrid's bus marks a node that left PFAIL at
		// once, so a replica would take the slots over while the master restarts;
		// this test is about the master keeping them across the move.
		return []string{"--cluster-node-timeout", "5000", "--appendonly", "yes", "--cluster-replica-no-failover", "yes",
			"--cluster-announce-hostname", fmt.Sprintf("keygrid-%d.keygrid", i),
			"--cluster-bootstrap-size", "6", "--cluster-bootstrap-replicas", "1",
			"--cluster-bootstrap-seeds", seeds}
	})
	t.Cleanup(func() { bootDumpState(t, procs) })
	for _, p := range procs {
		p.start()
	}
	allOK := func() bool {
		for _, p := range procs {
			if !bootClusterOK(p.addr()) {
				return false
			}
		}
		return true
	}
	testutil.WaitFor(t, 90*time.Second, allOK, "cluster_state:ok on all six nodes")
	var owners, replicaOf map[string]string
	testutil.WaitFor(t, 30*time.Second, func() bool {
		var err error
		owners, replicaOf, err = bootTopology(procs[0].addr())
		return err == nil && len(owners) == 3 && len(replicaOf) == 3
	}, "3 masters and 3 replicas")
	// The hostnames travel with the gossip (CLUSTER NODES' ip:port@cport,hostname).
	nodes, _ := bootClusterNodes(procs[0].addr())
	for _, f := range nodes {
		if !strings.Contains(f[1], ",keygrid-") {
			t.Fatalf("no hostname in %q", f[1])
		}
	}
	ctx := context.Background()
	var addrs []string
	for _, p := range procs {
		addrs = append(addrs, p.addr())
	}
	rc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, MaxRedirects: 16})
	defer rc.Close()
	const n = 300
	for i := range n {
		if err := rc.Set(ctx, "k"+strconv.Itoa(i), i, 0).Err(); err != nil {
			t.Fatalf("SET: %v", err)
		}
	}
	// A master and its replica.
	var victim *bootProc
	var victimID, replicaID string
	for _, p := range procs {
		id, err := bootDo(p.addr(), "CLUSTER", "MYID")
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := owners[id]; ok && victim == nil {
			victim, victimID = p, id
		}
	}
	for r, m := range replicaOf {
		if m == victimID {
			replicaID = r
		}
	}
	var replica *bootProc
	for _, p := range procs {
		if id, _ := bootDo(p.addr(), "CLUSTER", "MYID"); id == replicaID {
			replica = p
		}
	}
	// The replica has every key of its master before the master goes.
	if replica == nil {
		t.Fatalf("no replica of %s in %v", victimID, replicaOf)
	}
	testutil.WaitFor(t, 60*time.Second, func() bool {
		a, _ := bootDo(victim.addr(), "DBSIZE")
		b, _ := bootDo(replica.addr(), "DBSIZE")
		return a != "" && a == b
	}, "the replica caught up")

	victim.stop()
	victim.ip = "127.0.0.9"
	victim.start()
	if id, err := bootDo(victim.addr(), "CLUSTER", "MYID"); err != nil || id != victimID {
		t.Fatalf("restarted node is %q (%v), want %s", id, err, victimID)
	}
	newAddr := victim.addr() + "@" + strconv.Itoa(port+10000)
	testutil.WaitFor(t, 90*time.Second, func() bool {
		for _, p := range procs {
			nodes, err := bootClusterNodes(p.addr())
			if err != nil || nodes[victimID] == nil || !strings.HasPrefix(nodes[victimID][1], newAddr+",") {
				return false
			}
		}
		return allOK()
	}, "every node lists "+victimID+" at "+newAddr+" and the cluster is ok")
	owners2, replicaOf2, err := bootTopology(procs[1].addr())
	if err != nil {
		t.Fatal(err)
	}
	if owners2[victimID] != owners[victimID] {
		t.Fatalf("the restarted master serves %q, had %q", owners2[victimID], owners[victimID])
	}
	if replicaOf2[replicaID] != victimID {
		t.Fatalf("replica %s follows %q, want %s", replicaID, replicaOf2[replicaID], victimID)
	}
	testutil.WaitFor(t, 30*time.Second, func() bool {
		info, _ := bootDo(replica.addr(), "INFO", "replication")
		return strings.Contains(info, "master_host:127.0.0.9\r\n") && strings.Contains(info, "master_link_status:up")
	}, "the replica replicates from the new address")
	// A fresh client, seeded with the other nodes only, follows MOVED to it.
	var others []string
	for _, p := range procs {
		if p != victim {
			others = append(others, p.addr())
		}
	}
	rc2 := redis.NewClusterClient(&redis.ClusterOptions{Addrs: others, MaxRedirects: 16})
	defer rc2.Close()
	for i := range n {
		v, err := rc2.Get(ctx, "k"+strconv.Itoa(i)).Int()
		if err != nil || v != i {
			t.Fatalf("GET k%d after the move: %v, %v", i, v, err)
		}
	}
	if err := rc2.Set(ctx, "after", "move", 0).Err(); err != nil {
		t.Fatal(err)
	}

	// The replica killed (no goodbye to the bus: the others must declare the old
	// incarnation dead before they take the new address) and started on another
	// address: same id, every node follows, and it replicates again.
	replica.cmd.Process.Kill()
	<-replica.done
	replica.ip = "127.0.0.10"
	replica.start()
	if id, err := bootDo(replica.addr(), "CLUSTER", "MYID"); err != nil || id != replicaID {
		t.Fatalf("restarted replica is %q (%v), want %s", id, err, replicaID)
	}
	newAddr = replica.addr() + "@" + strconv.Itoa(port+10000)
	testutil.WaitFor(t, 90*time.Second, func() bool {
		for _, p := range procs {
			nodes, err := bootClusterNodes(p.addr())
			if err != nil || nodes[replicaID] == nil || !strings.HasPrefix(nodes[replicaID][1], newAddr+",") {
				return false
			}
		}
		info, _ := bootDo(replica.addr(), "INFO", "replication")
		return allOK() && strings.Contains(info, "master_link_status:up")
	}, "every node lists the killed replica "+replicaID+" at "+newAddr+" and it replicates")
	if v, err := bootDo(replica.addr(), "DBSIZE"); err != nil || v == "0" {
		t.Fatalf("the moved replica has no data: %q %v", v, err)
	}

	// Every node restarted at once on a new address (every pod of a StatefulSet
	// rescheduled): the addresses in every nodes.conf are stale, and only the
	// seeds (the headless Service's new A records) bring the nodes together.
	ids := map[*bootProc]string{}
	for _, p := range procs {
		ids[p], _ = bootDo(p.addr(), "CLUSTER", "MYID")
	}
	owners, _, _ = bootTopology(procs[0].addr())
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() { defer wg.Done(); p.stop() }()
	}
	wg.Wait()
	var newIPs []string
	for i, p := range procs {
		p.ip = "127.0.0." + strconv.Itoa(20+i)
		newIPs = append(newIPs, p.ip)
	}
	for _, p := range procs {
		p.args[len(p.args)-1] = strings.Join(newIPs, " ") // --cluster-bootstrap-seeds
		p.launch()
	}
	for _, p := range procs {
		p.waitUp()
	}
	testutil.WaitFor(t, 120*time.Second, func() bool {
		for _, p := range procs {
			nodes, err := bootClusterNodes(p.addr())
			if err != nil || len(nodes) != 6 {
				return false
			}
			for _, q := range procs {
				if f := nodes[ids[q]]; f == nil || !strings.HasPrefix(f[1], q.addr()+"@") {
					return false
				}
			}
		}
		return allOK()
	}, "every node at its new address in every CLUSTER NODES and the cluster ok")
	owners2, _, err = bootTopology(procs[0].addr())
	if err != nil || fmt.Sprint(owners2) != fmt.Sprint(owners) {
		t.Fatalf("slot owners changed across the move of every node (%v):\nbefore %v\nafter  %v", err, owners, owners2)
	}
	rc3 := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{procs[3].addr()}, MaxRedirects: 16})
	defer rc3.Close()
	for i := range n {
		if v, err := rc3.Get(ctx, "k"+strconv.Itoa(i)).Int(); err != nil || v != i {
			t.Fatalf("GET k%d after every node moved: %v, %v", i, v, err)
		}
	}
}
