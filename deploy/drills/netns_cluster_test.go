package drills

// Cluster partition drill (issue #11): three masters and three replicas, each on
// a host of its own. One master and a client are cut off from everything else
// for twice cluster-node-timeout, while a client on each side writes unique keys
// of that master's slots:
//
//   - the minority master must stop acknowledging writes once it has seen no
//     majority for the node timeout (cluster_state:fail, -CLUSTERDOWN). Redis
//     flags a node PFAIL when a ping is unanswered for node-timeout, and pings a
//     node at the latest node-timeout/2 after its last pong, so its minority
//     master refuses up to 1.5 x node-timeout after the split (redis-server 7.0
//     took 5.3 s and 6.9 s with a 5 s timeout here): the bar is no acknowledged
//     write later than 1.5 x node-timeout + 1 s after the split;
//   - the majority promotes the master's replica and serves the slots again: the
//     bar is a write acknowledged by the new owner within node-timeout + 5 s;
//   - after the heal every node names one and the same owner for every slot,
//     and the old master has become a replica.
//
// The writes the minority master acknowledged after the split are lost (it
// resyncs from the promoted replica); the drill counts them, with their span.
// Under DRILLS=full the same drill also runs on redis-server 7.0 nodes, for
// comparison.

import (
	"context"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/drill"
	"github.com/keygrid/keygrid/internal/netns"
	"github.com/keygrid/keygrid/slots"
	"github.com/redis/go-redis/v9"
)

func TestDrillClusterPartition(t *testing.T) {
	runClusterPartition(t, "keygrid")
}

// TestDrillClusterPartitionRedis is the same drill on redis-server nodes: the
// reference figures, under DRILLS=full only.
func TestDrillClusterPartitionRedis(t *testing.T) {
	if !full() {
		t.Skip("the redis-server reference runs with DRILLS=full")
	}
	runClusterPartition(t, "redis")
}

// slotOwner polls CLUSTER SLOTS of the first of addrs that answers, from host
// from, every 100 ms, and publishes the owner of slot: a cluster client's slot
// map refresh.
type slotOwner struct {
	addr atomic.Value
	stop chan struct{}
	done chan struct{}
}

func newSlotOwner(lab *nsLab, from *netns.Host, addrs []string, slot int) *slotOwner {
	o := &slotOwner{stop: make(chan struct{}), done: make(chan struct{})}
	o.addr.Store("")
	var rcs []*redis.Client
	for _, a := range addrs {
		rcs = append(rcs, lab.redisFrom(from, a, 300*time.Millisecond))
	}
	go func() {
		defer close(o.done)
		for {
			for _, rc := range rcs {
				if owner, err := ownerOf(context.Background(), rc, slot); err == nil {
					o.addr.Store(owner)
					break
				}
			}
			select {
			case <-o.stop:
				return
			case <-time.After(100 * time.Millisecond): // the client's refresh period
			}
		}
	}()
	return o
}

func (o *slotOwner) get() string { return o.addr.Load().(string) }
func (o *slotOwner) halt()       { close(o.stop); <-o.done }

// ownerOf is the master of slot according to rc's CLUSTER SLOTS.
func ownerOf(ctx context.Context, rc *redis.Client, slot int) (string, error) {
	ss, err := rc.ClusterSlots(ctx).Result()
	if err != nil {
		return "", err
	}
	for _, s := range ss {
		if int(s.Start) <= slot && slot <= int(s.End) && len(s.Nodes) > 0 {
			return s.Nodes[0].Addr, nil
		}
	}
	return "", fmt.Errorf("slot %d not served", slot)
}

// slotMap is a node's CLUSTER SLOTS as "start-end=master" lines, sorted: two
// nodes agree on ownership when their maps are equal.
func slotMap(ctx context.Context, rc *redis.Client) (string, error) {
	ss, err := rc.ClusterSlots(ctx).Result()
	if err != nil {
		return "", err
	}
	var parts []string
	for _, s := range ss {
		if len(s.Nodes) > 0 {
			parts = append(parts, fmt.Sprintf("%d-%d=%s", s.Start, s.End, s.Nodes[0].Addr))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, " "), nil
}

// nsCluster starts six cluster nodes with start on hosts prefix1..prefix6
// (args after the cluster settings), makes them three masters and three
// replicas with redis-cli --cluster create, and waits until every node says
// cluster_state:ok and lists the three replicas.
func nsCluster(t *testing.T, lab *nsLab, start func(*netns.Host, int, ...string) *nsProc, prefix string, args ...string) []*nsProc {
	t.Helper()
	ctx := context.Background()
	args = append([]string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
		"--repl-diskless-sync-delay", "0"}, args...)
	var nodes []*nsProc
	for i := range 6 {
		nodes = append(nodes, start(lab.host(fmt.Sprintf("%s%d", prefix, i+1)), nsPort, args...))
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not found")
	}
	create := []string{"--cluster", "create"}
	for _, n := range nodes {
		create = append(create, n.addr())
	}
	create = append(create, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := lab.client.Command(cli, create...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	pollUntil(t, 60*time.Second, "cluster_state:ok everywhere, every replica known", func() bool {
		for _, n := range nodes {
			rc := lab.redis(n.addr(), time.Second)
			ci, err := rc.ClusterInfo(ctx).Result()
			if err != nil || !strings.Contains(ci, "cluster_state:ok") {
				return false
			}
			cn, err := rc.ClusterNodes(ctx).Result()
			if err != nil || strings.Count(cn, "slave") != 3 {
				return false
			}
		}
		return true
	})
	return nodes
}

func runClusterPartition(t *testing.T, kind string) {
	lab := newLab(t)
	ctx := context.Background()
	timeout := time.Duration(size(2000, 5000)) * time.Millisecond
	cmin, cmaj := lab.host("cmin"), lab.host("cmaj")
	args := []string{"--cluster-node-timeout", fmt.Sprint(timeout.Milliseconds()),
		// A replica that synced a moment ago must be allowed to take over.
		"--cluster-replica-validity-factor", "0"}
	start := lab.startServer
	if kind == "redis" {
		start = lab.startRedis
	}
	nodes := nsCluster(t, lab, start, "n", args...)

	// The victim: the master of slot 0, and a key tag of one of its slots.
	owner, err := ownerOf(ctx, lab.redis(nodes[0].addr(), time.Second), 0)
	if err != nil {
		t.Fatal(err)
	}
	victim := nodeByAddr(nodes, owner)
	tag := "{k0}"
	for i := 0; ; i++ {
		tag = fmt.Sprintf("{k%d}", i)
		if o, _ := ownerOf(ctx, lab.redis(nodes[0].addr(), time.Second), slots.Slot([]byte(tag))); o == owner {
			break
		}
	}
	slot := slots.Slot([]byte(tag))
	var majority []*netns.Host
	var majorityAddrs []string
	for _, n := range nodes {
		if n != victim {
			majority = append(majority, n.host)
			majorityAddrs = append(majorityAddrs, n.addr())
		}
	}
	majority = append(majority, cmaj)
	// The victim's replica must be online before the fault: its offset decides
	// what survives.
	waitOnline(t, lab, victim, 1)

	minorityBar := timeout*3/2 + time.Second
	res := &drill.Result{Drill: "cluster-partition", Started: time.Now(), Cycles: 1,
		Fault: fmt.Sprintf("a master and a client cut off from 5 nodes for 2 x cluster-node-timeout (%v), unique SETs to its slots from both sides", timeout),
		Bar: fmt.Sprintf("minority master acknowledges no write later than 1.5 x node-timeout + 1 s = %v after the split; the majority's new owner "+
			"acknowledges a write within node-timeout + 5 s = %v; after the heal one owner per slot on every node, the old master a replica",
			minorityBar, timeout+5*time.Second)}
	if kind == "redis" {
		res.Drill = "cluster-partition-redis"
		res.Fault += " (redis-server 7.0 nodes)"
	}
	majOwner := newSlotOwner(lab, cmaj, majorityAddrs, slot)
	defer majOwner.halt()
	pollUntil(t, 10*time.Second, "the majority client knows the slot owner", func() bool { return majOwner.get() == owner })
	minW := &nsWriter{From: cmin, Resolve: fixedAddr(owner), Prefix: tag + ":min:", Rate: 500}
	majW := &nsWriter{From: cmaj, Resolve: majOwner.get, Prefix: tag + ":maj:", Rate: 500}
	for _, w := range []*nsWriter{minW, majW} {
		w.start()
		defer w.halt()
	}
	time.Sleep(2 * time.Second) // load before the fault: the drill's schedule

	t0 := time.Now()
	if err := lab.net.Partition([]*netns.Host{victim.host, cmin}, majority); err != nil {
		t.Fatal(err)
	}
	// The partition lasts 2 x node-timeout, or until the majority has failed
	// over if that takes longer (healing first would measure no failover at all).
	var newOwner string
	failedOver := func() bool {
		newOwner = majOwner.get()
		if newOwner == owner {
			return false
		}
		_, ok := firstAckAfter(majW.log(), t0, newOwner)
		return ok
	}
	pollUntil(t, 2*timeout+30*time.Second, "a write acknowledged by the slot's new owner", failedOver)
	firstNew, _ := firstAckAfter(majW.log(), t0, newOwner)
	t.Logf("majority writer's errors from the split to its first write on %s: %v", newOwner, errorsBetween(majW.log(), t0, firstNew))
	for time.Since(t0) < 2*timeout {
		if _, _, ok := firstRefusedAfter(minW.log(), t0, "CLUSTERDOWN"); ok {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
	// The minority side's own view while cut off.
	minState := ""
	if ci, err := lab.redisFrom(cmin, owner, time.Second).ClusterInfo(ctx).Result(); err == nil {
		for _, line := range strings.Split(ci, "\r\n") {
			if strings.HasPrefix(line, "cluster_state:") {
				minState = line
			}
		}
	}
	if rest := 2*timeout - time.Since(t0); rest > 0 {
		time.Sleep(rest) // the partition lasts 2 x node-timeout: the drill's schedule
	}
	refused, refusedMsg, refusedOK := firstRefusedAfter(minW.log(), t0, "CLUSTERDOWN")
	// The minority master's view of the others just before the heal (through the
	// test's own unpartitioned host): which of them it had flagged.
	if cn, err := lab.redis(owner, time.Second).ClusterNodes(ctx).Result(); err == nil {
		var flags []string
		for _, line := range strings.Split(strings.TrimSpace(cn), "\n") {
			if f := strings.Fields(line); len(f) > 2 {
				flags = append(flags, f[1]+" "+f[2])
			}
		}
		t.Logf("minority master's CLUSTER NODES %v after the split: %s", time.Since(t0).Round(time.Millisecond), strings.Join(flags, "; "))
	}
	tHeal := time.Now()
	lab.heal()
	var maps []string
	converge := pollUntil(t, 60*time.Second, "one owner per slot on every node, old master a replica", func() bool {
		maps = maps[:0]
		for _, n := range nodes {
			m, err := slotMap(ctx, lab.redis(n.addr(), time.Second))
			if err != nil {
				return false
			}
			maps = append(maps, m)
		}
		for _, m := range maps[1:] {
			if m != maps[0] {
				return false
			}
		}
		im, err := info(ctx, lab.redis(victim.addr(), time.Second), "replication")
		return err == nil && im["role"] == "slave" && im["master_link_status"] == "up"
	})
	time.Sleep(time.Second) // load after the heal, checked too
	minW.halt()
	majW.halt()

	// Survivors, read from the slot's owner once its replica has caught up.
	final := lab.redis(newOwner, 5*time.Second)
	waitOnline(t, lab, nodeByAddr(nodes, newOwner), 1)
	var lost []nsWrite
	acked := 0
	for _, w := range []*nsWriter{minW, majW} {
		ws := w.log()
		got, err := fetch(ctx, final, ackedKeys(ws))
		if err != nil {
			t.Fatal(err)
		}
		acked += countAcked(ws, false)
		lost = append(lost, lostWrites(ws, got, false)...)
	}
	var lastMinAck time.Time
	for _, w := range minW.log() {
		if w.Outcome == drill.OK && w.Call.After(t0) && w.Acked.Before(tHeal) {
			lastMinAck = w.Acked
		}
	}
	res.Acked, res.Lost = acked, len(lost)
	res.RecoveryMs = []int64{firstNew.Sub(t0).Milliseconds()}
	res.Figures = map[string]float64{
		"first_write_new_owner_ms": float64(firstNew.Sub(t0).Milliseconds()),
		"heal_at_ms":               float64(tHeal.Sub(t0).Milliseconds()),
		"converge_after_heal_ms":   float64(converge.Milliseconds()),
		"node_timeout_ms":          float64(timeout.Milliseconds()),
	}
	res.Checker = fmt.Sprintf("minority %s, refused with %q", minState, refusedMsg)
	var firstLost, lastLost time.Time
	for _, l := range lost {
		if firstLost.IsZero() || l.Acked.Before(firstLost) {
			firstLost = l.Acked
		}
		if l.Acked.After(lastLost) {
			lastLost = l.Acked
		}
	}
	if !firstLost.IsZero() {
		res.MaxLostMs = max(0, t0.Sub(firstLost).Milliseconds())
		res.Figures["lost_span_from_ms"] = float64(firstLost.Sub(t0).Milliseconds())
		res.Figures["lost_span_to_ms"] = float64(lastLost.Sub(t0).Milliseconds())
	}
	if !lastMinAck.IsZero() {
		res.Figures["last_minority_ack_ms"] = float64(lastMinAck.Sub(t0).Milliseconds())
	}
	if refusedOK {
		res.Figures["minority_refused_ms"] = float64(refused.Sub(t0).Milliseconds())
	}
	res.Pass = true
	// FINDING (keygrid, open): the minority master does not detect the partition
	// in time: gossip/failure.go reads memberlist's Node.State, which memberlist
	// never sets, so peers look alive until declared dead (docs/reliability.md,
	// "a partitioned cluster master does not notice the partition").
	if !refusedOK {
		res.Fail("the minority master never refused a write (CLUSTERDOWN) in the %v of the partition", tHeal.Sub(t0))
	}
	if !lastMinAck.IsZero() && lastMinAck.Sub(t0) > minorityBar {
		res.Fail("the minority master acknowledged a write %v after the split (bar %v)", lastMinAck.Sub(t0), minorityBar)
	}
	if d := firstNew.Sub(t0); d > timeout+5*time.Second {
		res.Fail("the new owner acknowledged its first write %v after the split (bar %v)", d, timeout+5*time.Second)
	}
	if newOwner == owner {
		res.Fail("no failover: %s still owns slot %d", owner, slot)
	}
	for _, l := range lost {
		if l.Acked.Before(t0.Add(-time.Second)) {
			res.Fail("lost write %s acknowledged %v before the split", l.Key, t0.Sub(l.Acked))
			break
		}
	}
	report(t, res)
}
