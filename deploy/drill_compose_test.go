package deploy

// Compose drills (issue #10): the bridge-network compose files under faults that
// Docker can inject — `docker kill`, `docker pause`, a partition (`docker network
// disconnect`), `docker restart`, and a container recreated on a new address —
// while a writer on the host runs. Each drill prints, per fault, the time
// until the writer's first acknowledged write to the affected master's data after
// the fault (recovery), and at the end the acknowledged writes that are missing
// (lost), as a drill.Result: one line on stdout and JSON in $DRILL_OUT (a temporary
// directory by default; `make drill-cluster` / `make drill-sentinel` use
// bin/drills). After every fault, once the container is back, the cluster must pass
// `redis-cli --cluster check` with the same six node ids at their current
// addresses, and the sentinel group its counterpart (sentinelHealthy).
//
// `go test ./deploy` (make test) runs the bounded drills: the cluster's IP change
// and kill, the sentinel group's IP change of its master after a failover (the
// container removed; once writes resume on a new master, created again on a new
// address, where the sentinels must find it by name and make it a replica).
// DRILLS=full runs every fault twice.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/drill"
	"github.com/keygrid/keygrid/slots"
	"github.com/redis/go-redis/v9"
)

const (
	// drillNodeTimeout is the cluster's node timeout in the drills (ms): failures are
	// noticed after it, so it bounds recovery from below.
	drillNodeTimeout = 4000
	// drillDownAfter is the sentinels' down-after-milliseconds in the drills.
	drillDownAfter = 4000
	// recoveryBar: every fault must let the writer write to the affected data again
	// within this (the node timeout or down-after, an election, a client refresh,
	// and a machine that may be loaded).
	recoveryBar = 45 * time.Second
	// lostAgeBar: replication is asynchronous, so the writes a master acknowledged
	// just before a fault and had not yet sent may be lost; a lost write is
	// accepted from this long before a fault until the group is healthy again.
	lostAgeBar = 3 * time.Second
)

func drillsFull() bool { return os.Getenv("DRILLS") == "full" }

// quietLogger drops go-redis's log lines (a dial error a second while a node is
// down); the drill records every outcome itself.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

func init() { redis.SetLogger(quietLogger{}) }

// composeFault is one fault on one container and how to end it. The fault's time is
// when inject returns (the kill delivered, the container frozen or cut off): writes
// sent after it cannot have reached the container before it.
type composeFault struct {
	name    string
	inject  func(t *testing.T, p *netProject, service string)
	restore func(t *testing.T, p *netProject, service string)
	// restoreFirst: restore at once and then wait for the writes to recover (a
	// restart or a recreation: the container is meant to come back by itself);
	// otherwise the drill waits for recovery (a failover) before restoring.
	restoreFirst bool
}

func mustDocker(t *testing.T, args ...string) {
	t.Helper()
	if _, err := dockerOut(2*time.Minute, args...); err != nil {
		t.Fatal(err)
	}
}

// composeFaults are the faults of both drills; aliases gives a service's names on
// the network, which a reconnected container must get back.
func composeFaults(aliases func(service string) []string) map[string]composeFault {
	return map[string]composeFault{
		"kill": {name: "kill",
			inject:  func(t *testing.T, p *netProject, s string) { mustDocker(t, "kill", p.containerOf(s)) },
			restore: func(t *testing.T, p *netProject, s string) { mustDocker(t, "start", p.containerOf(s)) }},
		"pause": {name: "pause",
			inject:  func(t *testing.T, p *netProject, s string) { mustDocker(t, "pause", p.containerOf(s)) },
			restore: func(t *testing.T, p *netProject, s string) { mustDocker(t, "unpause", p.containerOf(s)) }},
		// The container loses its only network: cut off from the other nodes and
		// from the host's clients alike.
		"partition": {name: "partition",
			inject: func(t *testing.T, p *netProject, s string) {
				p.faultIP = p.ipOf(s) // and records p.network
				mustDocker(t, "network", "disconnect", p.network, p.containerOf(s))
			},
			restore: func(t *testing.T, p *netProject, s string) {
				args := []string{"network", "connect"}
				for _, a := range aliases(s) {
					args = append(args, "--alias", a)
				}
				mustDocker(t, append(args, p.network, p.containerOf(s))...)
				// Docker gives the lowest free address; the drills leave no hole
				// (recreateOnNewIP's squatters stay), so it is the same one. A node
				// whose address changes while it runs is not what this fault is
				// about: deploy/drills' TestDrillClusterAddressChange drills that.
				if now := p.ipOf(s); now != p.faultIP {
					t.Errorf("%s reconnected on %s, had %s", s, now, p.faultIP)
				}
			}},
		// SIGTERM (a clean shutdown), then a start: the restart of a container.
		"restart": {name: "restart", restoreFirst: true,
			inject:  func(t *testing.T, p *netProject, s string) { mustDocker(t, "stop", "-t", "10", p.containerOf(s)) },
			restore: func(t *testing.T, p *netProject, s string) { mustDocker(t, "start", p.containerOf(s)) }},
		// Stopped and removed, then created again with its volume on another address.
		"ipchange": {name: "ipchange", restoreFirst: true,
			inject: func(t *testing.T, p *netProject, s string) { p.removeForNewIP(t, s) },
			restore: func(t *testing.T, p *netProject, s string) {
				old, now := p.recreateOnNewIP(t, s)
				t.Logf("%s moved from %s to %s", s, old, now)
			}},
		// The same, but created again only once the writes resumed elsewhere (a
		// failover): the old master comes back on a new address, where it must be
		// found and made a replica, not left serving as a second master.
		"ipchange-failover": {name: "ipchange-failover",
			inject: func(t *testing.T, p *netProject, s string) { p.removeForNewIP(t, s) },
			restore: func(t *testing.T, p *netProject, s string) {
				old, now := p.recreateOnNewIP(t, s)
				t.Logf("%s moved from %s to %s", s, old, now)
			}},
	}
}

// drillPlan is the faults a drill injects, in order.
func drillPlan(bounded, all []string) []string {
	if !drillsFull() {
		return bounded
	}
	return append(append([]string{}, all...), all...)
}

// faultRun is one injected fault, for the result.
type faultRun struct {
	name     string
	service  string
	at       time.Time
	recovery time.Duration
	healthy  time.Time // checked healthy again after the restore
}

// finishDrill fills r from the faults and the writer's history (get reads a key
// back), prints and saves it, and fails t if it missed its bar. Replication is
// asynchronous, as in Redis: a write the old master acknowledged shortly before a
// fault, or while the clients still reached it during the fault (a paused master
// thawed, a restarted one, before the failover demoted it), may be lost. Such a loss
// is counted and reported (lost_<fault>); a lost write outside every fault's window
// (from lostAgeBar before it until the group was healthy again) fails the drill.
func finishDrill(t *testing.T, r *drill.Result, runs []faultRun, ops []drill.Op, get func(string) (string, bool, error)) {
	t.Helper()
	var crashes []time.Time
	for _, f := range runs {
		crashes = append(crashes, f.at)
		r.RecoveryMs = append(r.RecoveryMs, f.recovery.Milliseconds())
		key := "recovery_ms_" + f.name
		r.Figures[key] = max(r.Figures[key], float64(f.recovery.Milliseconds()))
		r.Figures["lost_"+f.name] += 0
	}
	r.Cycles = len(runs)
	rep, err := drill.CheckDurabilityCrashes(ops, crashes, get)
	if err != nil {
		r.Fail("reading the writes back: %v", err)
	}
	r.Acked, r.Lost, r.MaxLostMs = rep.Acked, len(rep.Lost), rep.MaxLostAge.Milliseconds()
	for _, op := range rep.Lost {
		in := -1
		for k, f := range runs {
			if !op.Return.Before(f.at.Add(-lostAgeBar)) && !op.Return.After(f.healthy) {
				in = k
				break
			}
		}
		if in < 0 {
			r.Fail("lost write %s acknowledged at %s, outside every fault's window", op.Key, op.Return.Format("15:04:05.000"))
			continue
		}
		r.Figures["lost_"+runs[in].name]++
		if d := op.Return.Sub(runs[in].at); d > 0 {
			r.Figures["lost_after_fault_"+runs[in].name]++
		}
	}
	if r.Acked == 0 {
		r.Fail("no write acknowledged")
	}
	reportDrill(t, r)
}

// reportDrill prints r's summary, saves its JSON ($DRILL_OUT or a temporary
// directory), and fails t if r did not pass.
func reportDrill(t *testing.T, r *drill.Result) {
	t.Helper()
	if drillsFull() {
		r.Drill += "-full"
	}
	fmt.Println(r.Summary()) // on stdout even without -v: the figures are the product
	dir := os.Getenv("DRILL_OUT")
	if dir == "" {
		dir = t.TempDir()
	}
	dir, err := filepath.Abs(dir)
	if err == nil {
		var path string
		if path, err = r.Save(dir); err == nil {
			t.Logf("result saved to %s", path)
		}
	}
	if err != nil {
		t.Errorf("saving the result: %v", err)
	}
	for _, f := range r.Failures {
		t.Errorf("%s", f)
	}
	if !r.Pass {
		t.Errorf("drill %s failed its bar (%s)", r.Drill, r.Bar)
	}
}

// waitRecovery waits until a write among ops(), sent after at, was acknowledged.
func waitRecovery(ops func() []drill.Op, at time.Time) (time.Duration, bool) {
	var d time.Duration
	err := waitFor(recoveryBar+30*time.Second, func() error {
		var ok bool
		if d, ok = drill.RecoveryAfter(ops(), at); !ok {
			return errors.New("no write acknowledged yet")
		}
		return nil
	})
	return d, err == nil
}

// ---- cluster ----

// clusterWriter writes unique keys from the host the way a cluster client does:
// a slot map refreshed every 100 ms from the nodes (CLUSTER SLOTS; each slot's
// owner is the one most answering nodes name, so a stale node just back from a
// pause does not mislead it), and per hash tag a drill.UniqueWrites sending to the
// tag's owner. There is one tag in each master's slots, so the writes to the master
// a fault hits are told apart (their recovery), and each tag has its own history.
// (Not go-redis's ClusterClient: its refresh after a node stops answering depends
// on its retry heuristics, which the drill would then measure instead of keygrid.)
type clusterWriter struct {
	tags   []string
	hist   map[string]*drill.History
	mu     sync.Mutex
	owner  map[string]string // tag → "ip:port" of its master
	seeds  map[string]bool   // every node address seen
	stop   context.CancelFunc
	wg     sync.WaitGroup
	halted bool
}

func startClusterWriter(addrs []string, tags []string, perTag, ratePerTag int) *clusterWriter {
	w := &clusterWriter{tags: tags, hist: map[string]*drill.History{}, owner: map[string]string{}, seeds: map[string]bool{}}
	for _, a := range addrs {
		w.seeds[a] = true
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.stop = cancel
	w.refresh()
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		for ctx.Err() == nil {
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond): // the client's refresh period
				w.refresh()
			}
		}
	}()
	for _, tag := range tags {
		h := &drill.History{}
		w.hist[tag] = h
		u := &drill.UniqueWrites{Addr: func() string { return w.ownerOf(tag) }, Clients: perTag, Rate: ratePerTag,
			Timeout: time.Second, Prefix: "{" + tag + "}:"}
		w.wg.Add(1)
		go func() { defer w.wg.Done(); u.Run(ctx, h) }()
	}
	return w
}

func (w *clusterWriter) ownerOf(tag string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.owner[tag]
}

// refresh asks every known node for CLUSTER SLOTS (in parallel, 300 ms each) and
// takes, per tag, the owner most of them name.
func (w *clusterWriter) refresh() {
	w.mu.Lock()
	var seeds []string
	for a := range w.seeds {
		seeds = append(seeds, a)
	}
	w.mu.Unlock()
	type answer struct{ ss []redis.ClusterSlot }
	answers := make(chan answer, len(seeds))
	for _, a := range seeds {
		go func() {
			rc := redis.NewClient(&redis.Options{Addr: a, Protocol: 2, MaxRetries: -1, DialTimeout: 300 * time.Millisecond,
				ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond, PoolSize: 1})
			defer rc.Close()
			ss, err := rc.ClusterSlots(context.Background()).Result()
			if err != nil {
				ss = nil
			}
			answers <- answer{ss}
		}()
	}
	votes := map[string]map[string]int{}
	for range seeds {
		ans := <-answers
		for _, s := range ans.ss {
			if len(s.Nodes) == 0 {
				continue
			}
			w.mu.Lock()
			for _, n := range s.Nodes {
				w.seeds[n.Addr] = true
			}
			w.mu.Unlock()
			for _, tag := range w.tags {
				if sl := slots.Slot([]byte(tag)); int(s.Start) <= sl && sl <= int(s.End) {
					if votes[tag] == nil {
						votes[tag] = map[string]int{}
					}
					votes[tag][s.Nodes[0].Addr]++
				}
			}
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for tag, v := range votes {
		best, n := "", 0
		for addr, c := range v {
			if c > n || (c == n && addr < best) {
				best, n = addr, c
			}
		}
		w.owner[tag] = best
	}
}

// opsOf is the recorded operations on tag's keys.
func (w *clusterWriter) opsOf(tag string) []drill.Op { return w.hist[tag].Ops() }

// ops is every recorded operation.
func (w *clusterWriter) ops() []drill.Op {
	var out []drill.Op
	for _, tag := range w.tags {
		out = append(out, w.hist[tag].Ops()...)
	}
	return out
}

func (w *clusterWriter) halt() {
	if !w.halted {
		w.halted = true
		w.stop()
		w.wg.Wait()
	}
}

// readBack reads every acknowledged key with pipelined GETs through a go-redis
// cluster client (the cluster is healthy by then); get answers from it.
func (w *clusterWriter) readBack(addrs []string) (func(string) (string, bool, error), error) {
	rc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, Protocol: 2, ReadTimeout: 5 * time.Second})
	defer rc.Close()
	var keys []string
	for _, op := range w.ops() {
		if op.Kind == drill.Write && op.Outcome == drill.OK {
			keys = append(keys, op.Key)
		}
	}
	got := make(map[string]string, len(keys))
	for i := 0; i < len(keys); i += 500 {
		part := keys[i:min(i+500, len(keys))]
		var cmds []*redis.StringCmd
		var err error
		for try := 0; try < 5; try++ {
			cmds = nil
			_, err = rc.Pipelined(context.Background(), func(pp redis.Pipeliner) error {
				for _, k := range part {
					cmds = append(cmds, pp.Get(context.Background(), k))
				}
				return nil
			})
			if err == nil || errors.Is(err, redis.Nil) {
				break
			}
			time.Sleep(time.Second)
		}
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, err
		}
		for j, c := range cmds {
			if v, err := c.Result(); err == nil {
				got[part[j]] = v
			}
		}
	}
	return func(k string) (string, bool, error) { v, ok := got[k]; return v, ok, nil }, nil
}

// tagsFor returns one hash tag in the slot ranges of each master that addr knows.
func tagsFor(t *testing.T, addr string) []string {
	t.Helper()
	nodes, err := clusterNodes(addr)
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, n := range nodes {
		if n.slots == "" {
			continue
		}
		for i := 0; ; i++ {
			tag := "t" + strconv.Itoa(i)
			if slotIn(slots.Slot([]byte(tag)), n.slots) {
				tags = append(tags, tag)
				break
			}
		}
	}
	if len(tags) != 3 {
		t.Fatalf("%d masters with slots, want 3", len(tags))
	}
	return tags
}

// slotIn reports whether slot is in CLUSTER NODES' slot list ranges ("0-5460 ...").
func slotIn(slot int, ranges string) bool {
	for _, r := range strings.Fields(ranges) {
		lo, hi, found := strings.Cut(r, "-")
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if !found {
			b, err2 = a, err1
		}
		if err1 == nil && err2 == nil && a <= slot && slot <= b {
			return true
		}
	}
	return false
}

// masterOfTag is the container index of the master serving tag's slot.
func masterOfTag(t *testing.T, st clusterState, tag string) int {
	t.Helper()
	nodes, err := clusterNodes(st.ip[0] + ":6379")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if strings.Contains(n.flags, "master") && slotIn(slots.Slot([]byte(tag)), n.slots) {
			for i, id := range st.id {
				if id == n.id {
					return i
				}
			}
		}
	}
	t.Fatalf("no master serves {%s}", tag)
	return -1
}

// TestDrillComposeCluster runs cluster-net.yml and drills it: each fault hits the
// master of one third of the slots while the writer writes to all of them. The IP
// change is the issue's check "a restart of one container with a changed IP keeps
// the cluster healthy with the same node ids".
func TestDrillComposeCluster(t *testing.T) {
	dockerOrSkip(t)
	cmd := composeCommand(t)
	requireRedisCLI(t)
	image := buildImage(t)
	t.Parallel()
	ports := freePorts(t, 1)
	p := startNetProject(t, cmd, "cluster-net.yml", image,
		fmt.Sprintf("KEYGRID_PROXY_PORT=%d", ports[0]), fmt.Sprintf("KEYGRID_NODE_TIMEOUT=%d", drillNodeTimeout))
	start := time.Now()
	first := p.waitClusterHealthy(t, 3*time.Minute)
	t.Logf("cluster formed by itself and checked in %v (%s)", time.Since(start).Round(time.Millisecond), strings.Join(cmd, " "))
	var addrs []string
	for _, ip := range sortedValues(first.ip) {
		addrs = append(addrs, ip+":6379")
	}
	tags := tagsFor(t, addrs[0])
	w := startClusterWriter(addrs, tags, 2, 100)
	defer w.halt()

	faults := composeFaults(func(s string) []string { return []string{s + ".keygrid", "keygrid"} })
	r := &drill.Result{Drill: "compose-cluster", Started: time.Now(), Figures: map[string]float64{}, Pass: true,
		Bar: fmt.Sprintf("writes to the hit master's slots acknowledged again within %v of every fault; after it, "+
			"redis-cli --cluster check OK with the same 6 node ids at their current addresses; lost writes "+
			"only in a fault's window (from %v before it until healthy again)", recoveryBar, lostAgeBar)}
	plan := drillPlan([]string{"ipchange", "kill"}, []string{"kill", "pause", "partition", "restart", "ipchange"})
	r.Fault = strings.Join(plan, ",") + " of a master (cluster-net.yml, " + strings.Join(cmd, " ") + ")"
	var runs []faultRun
	st := first
	for k, name := range plan {
		f := faults[name]
		// Let the writer run on a healthy cluster first.
		time.Sleep(time.Second)
		tag := tags[k%len(tags)]
		before := st
		victim := nodeService(masterOfTag(t, st, tag))
		f.inject(t, p, victim)
		run := faultRun{name: name, service: victim, at: time.Now()}
		if f.restoreFirst {
			f.restore(t, p, victim)
		}
		d, ok := waitRecovery(func() []drill.Op { return w.opsOf(tag) }, run.at)
		run.recovery = d
		if !ok || d > recoveryBar {
			r.Fail("%s of %s: no write to its slots acknowledged within %v", name, victim, recoveryBar)
			run.recovery = recoveryBar
		}
		if !f.restoreFirst {
			f.restore(t, p, victim)
		}
		restored := time.Now()
		st = p.waitClusterHealthy(t, 3*time.Minute)
		run.healthy = time.Now()
		sameIDs(t, first, st)
		fmt.Printf("compose-cluster: %s of %s (master of {%s}): recovery %v, cluster check OK %v after the restore\n",
			name, victim, tag, run.recovery.Round(time.Millisecond), time.Since(restored).Round(time.Millisecond))
		runs = append(runs, run)
		if i := masterIndex(victim); name == "ipchange" && st.ip[i] == before.ip[i] {
			t.Errorf("%s kept its address %s", victim, st.ip[i])
		}
	}
	time.Sleep(time.Second)
	w.halt()
	var now []string
	for _, ip := range sortedValues(st.ip) {
		now = append(now, ip+":6379")
	}
	get, err := w.readBack(now)
	if err != nil {
		t.Fatal(err)
	}
	finishDrill(t, r, runs, w.ops(), get)
}

// masterIndex is the container index of a keygrid-N service.
func masterIndex(service string) int {
	i, _ := strconv.Atoi(strings.TrimPrefix(service, "keygrid-"))
	return i
}

func requireRedisCLI(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Fatal("redis-cli not installed (make deps)")
	}
}

// ---- sentinel ----

// TestDrillComposeSentinel runs sentinel-net.yml and drills it: each fault hits the
// master the sentinels name while a writer on the host writes to whichever master
// they name (polled every 100 ms, as a Sentinel-aware client does).
func TestDrillComposeSentinel(t *testing.T) {
	dockerOrSkip(t)
	cmd := composeCommand(t)
	image := buildImage(t)
	t.Parallel()
	// Nodes known by name (announce-hostnames yes, replica-announce-ip), as the
	// Kubernetes manifests run them: a node recreated on a new address (the
	// ipchange fault) is the same instance to the sentinels, and an old master
	// that comes back there is turned into a replica, not left a second master.
	p := startNetProject(t, cmd, "sentinel-net.yml", image,
		fmt.Sprintf("KEYGRID_DOWN_AFTER=%d", drillDownAfter), "KEYGRID_FAILOVER_TIMEOUT=20000",
		"KEYGRID_ANNOUNCE_HOSTNAMES=yes")
	start := time.Now()
	p.waitSentinelHealthy(t, 3*time.Minute)
	t.Logf("sentinel group up and checked in %v (%s)", time.Since(start).Round(time.Millisecond), strings.Join(cmd, " "))
	var sentinels []string
	for i := 0; i < 3; i++ {
		sentinels = append(sentinels, p.ipOf(sentinelService(i))+":26379")
	}
	var master atomic.Value
	m0, err := p.sentinelMaster(0)
	if err != nil {
		t.Fatal(err)
	}
	master.Store(m0)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the client's view of the master: what the sentinels name
		defer wg.Done()
		// The host cannot resolve the names the sentinels give: each is looked
		// up in Docker when it changes, and again every second (an address
		// change keeps the name).
		var name string
		var looked time.Time
		for ctx.Err() == nil {
			for _, s := range sentinels {
				raw, err := do(s, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")
				if f := strings.Split(raw, "\r\n"); err == nil && len(f) >= 5 && f[0] == "*2" {
					if f[2] != name || time.Since(looked) > time.Second {
						if ip := p.dataIP(f[2]); ip != "" {
							master.Store(ip + ":" + f[4])
							name, looked = f[2], time.Now()
						}
					}
					break
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	var h drill.History
	writer := &drill.UniqueWrites{Addr: func() string { return master.Load().(string) }, Clients: 4, Rate: 200, Timeout: time.Second}
	wg.Add(1)
	go func() { defer wg.Done(); writer.Run(ctx, &h) }()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			wg.Wait()
		}
	}
	defer stop()

	faults := composeFaults(func(s string) []string { return []string{s + ".keygrid-data", "keygrid-data"} })
	r := &drill.Result{Drill: "compose-sentinel", Started: time.Now(), Figures: map[string]float64{}, Pass: true,
		Bar: fmt.Sprintf("writes acknowledged again within %v of every fault; after it, the 3 sentinels agree on a "+
			"master with 2 online replicas and CKQUORUM OK; lost writes only in a fault's window (from %v before it until healthy again)",
			recoveryBar, lostAgeBar)}
	plan := drillPlan([]string{"ipchange-failover"}, []string{"kill", "pause", "partition", "restart", "ipchange", "ipchange-failover"})
	r.Fault = strings.Join(plan, ",") + " of the master (sentinel-net.yml, announce-hostnames yes, " + strings.Join(cmd, " ") + ")"
	var runs []faultRun
	for _, name := range plan {
		f := faults[name]
		time.Sleep(time.Second)
		idx := p.waitSentinelHealthy(t, time.Minute)
		victim := dataService(idx)
		f.inject(t, p, victim)
		run := faultRun{name: name, service: victim, at: time.Now()}
		if f.restoreFirst {
			f.restore(t, p, victim)
		}
		d, ok := waitRecovery(h.Ops, run.at)
		run.recovery = d
		if !ok || d > recoveryBar {
			r.Fail("%s of %s: no write acknowledged within %v", name, victim, recoveryBar)
			run.recovery = recoveryBar
		}
		if !f.restoreFirst {
			f.restore(t, p, victim)
		}
		restored := time.Now()
		now := p.waitSentinelHealthy(t, 3*time.Minute)
		run.healthy = time.Now()
		fmt.Printf("compose-sentinel: %s of %s: recovery %v, master now %s, group healthy %v after the restore\n",
			name, victim, run.recovery.Round(time.Millisecond), dataService(now), time.Since(restored).Round(time.Millisecond))
		runs = append(runs, run)
	}
	time.Sleep(time.Second)
	stop()
	rc := redis.NewClient(&redis.Options{Addr: master.Load().(string), Protocol: 2, ReadTimeout: 5 * time.Second})
	defer rc.Close()
	var keys []string
	for _, op := range h.Acked(drill.Write) {
		keys = append(keys, op.Key)
	}
	got := map[string]string{}
	for i := 0; i < len(keys); i += 500 {
		part := keys[i:min(i+500, len(keys))]
		vals, err := rc.MGet(context.Background(), part...).Result()
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range vals {
			if s, ok := v.(string); ok {
				got[part[j]] = s
			}
		}
	}
	finishDrill(t, r, runs, h.Ops(), func(k string) (string, bool, error) { v, ok := got[k]; return v, ok, nil })
}
