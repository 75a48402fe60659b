package node

// Self-bootstrap of a cluster (issue #10): with cluster-bootstrap-size and
// cluster-bootstrap-seeds, the nodes find each other and form the cluster with no
// operator running redis-cli --cluster create. The flow, once a second:
//
//   - Discover: resolve every seed (a DNS name may have many A records: a headless
//     Service gives one per pod) and CLUSTER MEET, through the bus, every address
//     no known node has (the bus itself re-dials the known ones). This keeps running
//     after the cluster formed, more slowly: when every pod of a StatefulSet
//     restarted with a new IP, the addresses in nodes.conf are all stale and only
//     the seeds find the others.
//   - Decide: a node that knows at least cluster-bootstrap-size nodes, none of them
//     with a slot or a master, the same set on two ticks in a row, and whose id is
//     the smallest of the set, is the one decider. It assigns slots and replicas as
//     redis-cli --cluster create --cluster-replicas N does (the same even split of
//     the 16384 slots, replicas on other hosts than their master when possible),
//     with the same commands, sent to each node's client port: ADDSLOTSRANGE and
//     BUMPEPOCH on the masters, REPLICATE on the replicas. The others do nothing:
//     they follow the claims that gossip brings. With as many nodes as the
//     expected size (a StatefulSet's replicas), exactly one node has the smallest
//     id, so there is one decider; ADDSLOTSRANGE refuses a slot already served, so
//     a second decider (more pods than the size, seen in different orders) cannot
//     assign a slot twice.
//   - Restart: a node whose nodes.conf has slots, a master, or knows nodes with
//     slots, never decides: bootstrap is a no-op on restart.
//   - Late joiner: an empty master that finds a cluster whose slots are all
//     served, and stays unassigned for lateJoinWait (the decider had time to make
//     it a replica), makes itself a replica of the master with the fewest replicas
//     (a pod that lost its volume, a StatefulSet scaled up), when replicas are
//     configured.
//
// It talks to its own engine only through ClusterUpdate (a read of the state on the
// loop) and to every node, itself included, as a client, authenticating with
// masteruser/masterauth (the cluster's password, which replicas use too) or
// requirepass.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keygrid/keygrid/engine"
	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/slots"
	"go.uber.org/zap"
)

const (
	// bootTick is how often discovery and the decision run before the cluster
	// formed: a second keeps DNS and the bus quiet and the cluster forms within
	// a few seconds of the last node starting.
	bootTick = time.Second
	// bootIdleTick is the discovery period once the node has a role: only a
	// mass restart on new addresses needs it, and then seconds do not matter.
	bootIdleTick = 5 * time.Second
	// lateJoinWait is how long an empty master waits, in a cluster whose slots
	// are all served, before it makes itself a replica: the decider sends its
	// REPLICATE commands right after the slots, within a second or two.
	lateJoinWait = 15 * time.Second
	// bootCmdTimeout bounds one command to another node.
	bootCmdTimeout = 5 * time.Second
)

// Meeter is the part of the cluster bus the bootstrap needs (gossip.Bus).
type Meeter interface {
	Meet(ip string, port, cport int) error
}

// bootstrap is one node's self-bootstrap.
type bootstrap struct {
	srv   *engine.Server
	bus   Meeter
	cfg   *config.Config
	log   *zap.Logger
	seeds []config.Seed
	// lastSet is the candidate set seen on the previous tick (the decision waits
	// for the same set twice).
	lastSet string
	// plan is the decider's assignment while it is being carried out.
	plan *bootPlan
	// fullSince is when myself, an empty master, first saw every slot served.
	fullSince time.Time
	// lookup resolves a seed host (net.DefaultResolver; tests may replace it).
	lookup func(ctx context.Context, host string) ([]string, error)
	// ownIPs are this host's addresses: a seed that resolves to one of them on
	// our port is myself.
	ownIPs map[string]bool
}

// startBootstrap runs the bootstrap of a cluster node configured with seeds until
// the engine stops. Without seeds it does nothing (manual redis-cli --cluster
// create, as Redis).
func startBootstrap(srv *engine.Server, bus Meeter, cfg *config.Config, log *zap.Logger) {
	if !cfg.ClusterEnabled || cfg.ClusterBootstrapSeeds == "" {
		return
	}
	seeds, msg := config.ParseSeeds(cfg.ClusterBootstrapSeeds)
	if msg != "" || len(seeds) == 0 {
		return // refused by the configuration check already
	}
	b := &bootstrap{srv: srv, bus: bus, cfg: cfg, log: log.Named("bootstrap"), seeds: seeds,
		lookup: net.DefaultResolver.LookupHost, ownIPs: localIPs()}
	go b.run()
}

func localIPs() map[string]bool {
	out := map[string]bool{}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok {
			out[ipn.IP.String()] = true
		}
	}
	return out
}

func (b *bootstrap) run() {
	if b.cfg.ClusterBootstrapSize > 0 {
		b.log.Info("Cluster self-bootstrap", zap.Int("size", b.cfg.ClusterBootstrapSize),
			zap.Int("replicas", b.cfg.ClusterBootstrapReplicas), zap.String("seeds", b.cfg.ClusterBootstrapSeeds))
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-b.srv.Done():
			return
		case <-t.C:
		}
		next := b.step()
		t.Reset(next)
	}
}

// step runs one round and returns when to run the next.
func (b *bootstrap) step() time.Duration {
	v, ok := b.view()
	if !ok {
		return bootTick
	}
	b.discover(v)
	if b.cfg.ClusterBootstrapSize == 0 {
		return bootIdleTick // seeds only: rediscovery after address changes
	}
	if b.plan != nil {
		if err := b.carryOut(b.plan); err != nil {
			b.log.Warn("Cluster bootstrap: retrying", zap.Error(err))
			if time.Since(b.plan.started) > 2*time.Minute {
				b.log.Error("Cluster bootstrap gave up; finish it with redis-cli --cluster fix", zap.Error(err))
				b.plan = nil
				return bootIdleTick
			}
			return bootTick
		}
		b.log.Warn("Cluster bootstrap: slots and replicas assigned", zap.Int("masters", len(b.plan.masters)),
			zap.Int("replicas", len(b.plan.replicas)))
		b.plan = nil
		return bootTick
	}
	if v.me.hasRole() {
		return bootIdleTick
	}
	if v.assigned > 0 {
		b.lateJoin(v)
		return bootTick
	}
	cands := v.candidates()
	if len(cands) < b.cfg.ClusterBootstrapSize {
		b.lastSet = ""
		return bootTick
	}
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = c.ID
	}
	slices.Sort(ids)
	set := strings.Join(ids, ",")
	stable := set == b.lastSet
	b.lastSet = set
	if !stable || ids[0] != v.me.ID {
		return bootTick // wait for a stable view, or for the decider
	}
	p, err := planCluster(cands, b.cfg.ClusterBootstrapReplicas)
	if err != nil {
		b.log.Error("Cluster bootstrap", zap.Error(err))
		return bootIdleTick
	}
	b.log.Warn("Cluster bootstrap: I decide the slot assignment", zap.Int("nodes", len(cands)))
	// Every node must still be unassigned and be who gossip says it is: this
	// catches a second decider (it assigned first) and a stale address.
	for _, n := range cands {
		if err := b.checkEmpty(n); err != nil {
			b.log.Warn("Cluster bootstrap: not deciding", zap.Error(err))
			return bootTick
		}
	}
	p.started = time.Now()
	b.plan = p
	return 0
}

// --- the view ---------------------------------------------------------------------

// bootNode is what the bootstrap knows of one node.
type bootNode struct {
	ID, IP, Hostname string
	Port, CPort      int
	Master           bool
	MasterID         string
	Slots            int
	Healthy          bool // connected, not failing, address known
}

// hasRole: the node serves slots or replicates: it was bootstrapped (or made by hand).
func (n bootNode) hasRole() bool { return n.Slots > 0 || !n.Master || n.MasterID != "" }

func (n bootNode) addr() string { return net.JoinHostPort(n.IP, strconv.Itoa(n.Port)) }

type bootView struct {
	me       bootNode
	others   []bootNode
	assigned int // slots with an owner
}

// candidates are the nodes an initial assignment covers: myself and every healthy
// empty master.
func (v *bootView) candidates() []bootNode {
	out := []bootNode{v.me}
	for _, n := range v.others {
		if n.Healthy && !n.hasRole() {
			out = append(out, n)
		}
	}
	return out
}

// view reads the cluster state on the engine's loop.
func (b *bootstrap) view() (*bootView, bool) {
	ch := make(chan *bootView, 1)
	b.srv.ClusterUpdate(func(st *slots.State) slots.Effects {
		v := &bootView{}
		for _, n := range st.Nodes {
			bn := bootNode{ID: n.ID, IP: n.IP, Hostname: n.Hostname, Port: n.Port, CPort: n.CPort,
				Master: n.IsMaster(), MasterID: n.MasterID, Slots: n.Slots.Len(),
				Healthy: n.Connected && n.IP != "" && n.Port != 0 &&
					n.Flags&(slots.FlagFail|slots.FlagPFail|slots.FlagNoAddr|slots.FlagHandshake) == 0}
			if n == st.Myself {
				bn.Healthy = true
				v.me = bn
			} else {
				v.others = append(v.others, bn)
			}
		}
		for _, o := range st.Owner {
			if o != nil {
				v.assigned++
			}
		}
		ch <- v
		return slots.Effects{}
	})
	select {
	case v := <-ch:
		return v, true
	case <-b.srv.Done():
	case <-time.After(10 * time.Second):
	}
	return nil, false
}

// --- discovery --------------------------------------------------------------------

// discover meets every seed address that is neither myself nor a known node.
func (b *bootstrap) discover(v *bootView) {
	myPort := v.me.Port
	if myPort == 0 {
		myPort = b.cfg.Port
	}
	// Addresses the state already has are the bus's business (it re-dials known
	// nodes, failing or not): only new ones are met.
	known := map[string]bool{}
	for _, n := range v.others {
		if n.IP != "" {
			known[n.addr()] = true
		}
	}
	for _, s := range b.seeds {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		ips, err := b.lookup(ctx, s.Host)
		cancel()
		if err != nil {
			b.log.Debug("seed lookup failed", zap.String("seed", s.Host), zap.Error(err))
			continue
		}
		port, cport := cmp.Or(s.Port, myPort), s.BusPort
		if cport == 0 {
			cport = port + 10000
		}
		for _, ip := range ips {
			// A name may resolve to both families (localhost: 127.0.0.1 and ::1);
			// the bus listens on one, the family of the address myself announces.
			if v.me.IP != "" && isIPv4(ip) != isIPv4(v.me.IP) {
				continue
			}
			addr := net.JoinHostPort(ip, strconv.Itoa(port))
			if known[addr] || (port == myPort && (b.ownIPs[ip] || ip == v.me.IP)) {
				continue
			}
			b.bus.Meet(ip, port, cport)
		}
	}
}

func isIPv4(s string) bool {
	ip := net.ParseIP(s)
	return ip != nil && ip.To4() != nil
}

// --- the decision -----------------------------------------------------------------

type bootMaster struct {
	node        bootNode
	first, last int
	slotsDone   bool // ADDSLOTSRANGE succeeded (a retry must not send it again)
	done        bool
}

type bootReplica struct {
	node   bootNode
	master string
	done   bool
}

// bootPlan is an initial assignment: masters with a slot range each, replicas with
// their master.
type bootPlan struct {
	masters  []*bootMaster
	replicas []*bootReplica
	started  time.Time
}

// planCluster assigns nodes as redis-cli --cluster create --cluster-replicas
// replicas: nodes ordered by their announced name (hostname, else address, so a
// StatefulSet's pod 0, 1, 2 are the masters), interleaved by host so masters land
// on different hosts, the first len/(replicas+1) of them masters with an even
// split of the slots, and each master given its replicas in turn, preferring
// nodes on another host; nodes left over become extra replicas, in turn.
func planCluster(nodes []bootNode, replicas int) (*bootPlan, error) {
	nm := len(nodes) / (replicas + 1)
	if nm < 3 {
		return nil, fmt.Errorf("%d nodes with %d replicas per master: Redis Cluster requires at least 3 master nodes", len(nodes), replicas)
	}
	sorted := slices.Clone(nodes)
	slices.SortFunc(sorted, func(a, c bootNode) int {
		return cmp.Or(cmp.Compare(a.Hostname, c.Hostname), cmp.Compare(a.IP, c.IP), cmp.Compare(a.Port, c.Port), cmp.Compare(a.ID, c.ID))
	})
	// Interleave hosts: one node of each host in turn.
	var hosts []string
	byHost := map[string][]bootNode{}
	for _, n := range sorted {
		if _, ok := byHost[n.IP]; !ok {
			hosts = append(hosts, n.IP)
		}
		byHost[n.IP] = append(byHost[n.IP], n)
	}
	var order []bootNode
	for len(order) < len(sorted) {
		for _, h := range hosts {
			if q := byHost[h]; len(q) > 0 {
				order = append(order, q[0])
				byHost[h] = q[1:]
			}
		}
	}
	p := &bootPlan{}
	per := float64(slots.Count) / float64(nm)
	first, cursor := 0, 0.0
	for i := 0; i < nm; i++ {
		last := int(math.Round(cursor + per - 1))
		if last > slots.Count-1 || i == nm-1 {
			last = slots.Count - 1
		}
		last = max(last, first)
		p.masters = append(p.masters, &bootMaster{node: order[i], first: first, last: last})
		first = last + 1
		cursor += per
	}
	rest := order[nm:]
	take := func(master bootNode) bootNode {
		// Another host than the master's if there is one.
		for i, n := range rest {
			if n.IP != master.IP {
				rest = slices.Delete(rest, i, i+1)
				return n
			}
		}
		n := rest[0]
		rest = rest[1:]
		return n
	}
	for r := 0; r < replicas; r++ {
		for _, m := range p.masters {
			n := take(m.node)
			p.replicas = append(p.replicas, &bootReplica{node: n, master: m.node.ID})
		}
	}
	for i := 0; len(rest) > 0; i++ {
		m := p.masters[i%nm]
		p.replicas = append(p.replicas, &bootReplica{node: take(m.node), master: m.node.ID})
	}
	// The greedy pass can leave the last masters only nodes of their own host:
	// swap such a replica with another master's when both end up on another host.
	hostOf := map[string]string{}
	for _, m := range p.masters {
		hostOf[m.node.ID] = m.node.IP
	}
	for _, r := range p.replicas {
		if r.node.IP != hostOf[r.master] {
			continue
		}
		for _, o := range p.replicas {
			if o != r && o.node.IP != hostOf[r.master] && r.node.IP != hostOf[o.master] {
				r.master, o.master = o.master, r.master
				break
			}
		}
	}
	return p, nil
}

// checkEmpty asks node n who it is and whether it serves any slot.
func (b *bootstrap) checkEmpty(n bootNode) error {
	rs, err := b.do(n, []string{"CLUSTER", "MYID"}, []string{"CLUSTER", "INFO"})
	if err != nil {
		return err
	}
	if rs[0].Str != n.ID {
		return fmt.Errorf("%s is %s, not %s", n.addr(), rs[0].Str, n.ID)
	}
	if !strings.Contains(rs[1].Str, "cluster_slots_assigned:0\r\n") {
		return fmt.Errorf("%s (%s) already has slots assigned", n.addr(), n.ID)
	}
	return nil
}

// carryOut sends what is left of the plan: slots and an epoch to each master,
// then REPLICATE to each replica (which must know its master by then: gossip
// spreads every node within a second or so, and a failure is retried next tick).
func (b *bootstrap) carryOut(p *bootPlan) error {
	for _, m := range p.masters {
		if m.done {
			continue
		}
		if !m.slotsDone {
			if _, err := b.do(m.node, []string{"CLUSTER", "ADDSLOTSRANGE", strconv.Itoa(m.first), strconv.Itoa(m.last)}); err != nil {
				return fmt.Errorf("master %s: %w", m.node.addr(), err)
			}
			m.slotsDone = true
		}
		// BUMPEPOCH gives each master its own config epoch, as redis-cli's
		// SET-CONFIG-EPOCH does before the nodes meet (here they already have);
		// epochs that still collide are resolved by the collision rule.
		if _, err := b.do(m.node, []string{"CLUSTER", "BUMPEPOCH"}); err != nil {
			return fmt.Errorf("master %s: %w", m.node.addr(), err)
		}
		m.done = true
	}
	for _, r := range p.replicas {
		if r.done {
			continue
		}
		if _, err := b.do(r.node, []string{"CLUSTER", "REPLICATE", r.master}); err != nil {
			return fmt.Errorf("replica %s of %s: %w", r.node.addr(), r.master, err)
		}
		r.done = true
	}
	return nil
}

// lateJoin makes myself, an empty master in a cluster whose slots are all served,
// a replica of the master with the fewest replicas once lateJoinWait has passed.
func (b *bootstrap) lateJoin(v *bootView) {
	if b.cfg.ClusterBootstrapReplicas == 0 || v.assigned < slots.Count {
		b.fullSince = time.Time{}
		return
	}
	if b.fullSince.IsZero() {
		b.fullSince = time.Now()
		return
	}
	if time.Since(b.fullSince) < lateJoinWait {
		return
	}
	count := map[string]int{}
	var masters []bootNode
	for _, n := range v.others {
		if n.Master && n.Slots > 0 && n.Healthy {
			masters = append(masters, n)
		}
		if !n.Master && n.MasterID != "" {
			count[n.MasterID]++
		}
	}
	if len(masters) == 0 {
		return
	}
	slices.SortFunc(masters, func(a, c bootNode) int {
		return cmp.Or(cmp.Compare(count[a.ID], count[c.ID]), cmp.Compare(a.ID, c.ID))
	})
	m := masters[0]
	b.log.Warn("Cluster bootstrap: the cluster exists; joining it as a replica", zap.String("master", m.ID))
	if _, err := b.do(v.me, []string{"CLUSTER", "REPLICATE", m.ID}); err != nil {
		b.log.Warn("Cluster bootstrap: CLUSTER REPLICATE failed", zap.Error(err))
	}
}

// --- a small client -------------------------------------------------------------------

// do sends cmds to node n in one round trip and returns their replies; an error
// reply is returned as an error. Myself is reached on its own listening address.
func (b *bootstrap) do(n bootNode, cmds ...[]string) ([]resp.Value, error) {
	addr := n.addr()
	if me := b.srv.ClusterMyself(); me != nil && me.ID == n.ID {
		addr = b.localAddr()
	}
	var reqs [][]string
	if b.cfg.MasterAuth != "" {
		if b.cfg.MasterUser != "" {
			reqs = append(reqs, []string{"AUTH", b.cfg.MasterUser, b.cfg.MasterAuth})
		} else {
			reqs = append(reqs, []string{"AUTH", b.cfg.MasterAuth})
		}
	} else if b.cfg.RequirePass != "" {
		reqs = append(reqs, []string{"AUTH", b.cfg.RequirePass})
	}
	skip := len(reqs)
	reqs = append(reqs, cmds...)
	nc, err := net.DialTimeout("tcp", addr, bootCmdTimeout)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(bootCmdTimeout))
	var out []byte
	for _, r := range reqs {
		out = resp.AppendCommand(out, r...)
	}
	if _, err := nc.Write(out); err != nil {
		return nil, err
	}
	replies, err := readN(nc, len(reqs))
	if err != nil {
		return nil, err
	}
	for i, v := range replies {
		if v.IsError() {
			return nil, fmt.Errorf("%s: %s", strings.Join(reqs[i][:min(2, len(reqs[i]))], " "), v.Str)
		}
	}
	return replies[skip:], nil
}

// localAddr is the address myself's clients dial: the listening address, with a
// wildcard bind replaced by loopback.
func (b *bootstrap) localAddr() string {
	host, port, err := net.SplitHostPort(b.srv.Addr())
	if err != nil {
		return b.srv.Addr()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// readN reads n replies from r.
func readN(r io.Reader, n int) ([]resp.Value, error) {
	var buf []byte
	var out []resp.Value
	chunk := make([]byte, 16<<10)
	for len(out) < n {
		v, used, err := resp.ParseReplyPrefix(buf)
		if err == nil {
			out = append(out, v)
			buf = buf[used:]
			continue
		}
		if !errors.Is(err, resp.ErrIncomplete) {
			return nil, err
		}
		k, err := r.Read(chunk)
		if k == 0 && err != nil {
			return nil, err
		}
		buf = append(buf, chunk[:k]...)
	}
	return out, nil
}
