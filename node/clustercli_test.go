package node_test

// Every `redis-cli --cluster` subcommand, run the same way against a cluster of
// keygrid nodes and a cluster of redis-server 7.0 nodes, and compared: the exit
// status, the lines that carry the verdict ([OK], [ERR], [WARNING], ***, >>>,
// with addresses and node ids replaced by the nodes' roles in the scenario) and
// the state the command leaves (roles, slots, keys, replication links).
//
// redis-cli.c (7.0.15) says what each subcommand sends: add-node checks the
// cluster, refuses a node that knows others or has keys, sends CLUSTER MEET
// (and CLUSTER REPLICATE for --cluster-slave); del-node refuses a node with
// slots, re-points the node's replicas, sends CLUSTER FORGET to every other node
// and CLUSTER RESET SOFT to the node; call sends a command to every node;
// set-timeout is CONFIG SET cluster-node-timeout plus CONFIG REWRITE; import
// SCANs a standalone server and MIGRATEs each key (COPY, REPLACE); backup
// writes nodes.json and each master's RDB through SYNC; fix closes open slots,
// covers unassigned ones and (with --cluster-search-multiple-owners) gives a
// slot with keys on several nodes one owner; rebalance and reshard move slots
// with CLUSTER SETSLOT and MIGRATE.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// cliClusterArgs are StartCluster's server arguments, for the nodes a test adds.
var cliClusterArgs = []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
	"--cluster-node-timeout", "2000", "--appendonly", "no", "--cluster-replica-validity-factor", "0"}

// cliWait bounds every wait for a cluster to settle: generous, for a loaded
// 2-core machine; a healthy run waits well under a second each time.
const cliWait = 30 * time.Second

// cliRun is one scenario's record, compared between the two kinds of server.
type cliRun struct {
	t     *testing.T
	kind  string
	cli   string
	label map[string]string // address, node id, and data directory → role name
	steps []string          // step names in order
	out   map[string]string // step → exit status, verdict lines and notes
}

func newCLIRun(t *testing.T, kind string) *cliRun {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not found")
	}
	return &cliRun{t: t, kind: kind, cli: cli, label: map[string]string{}, out: map[string]string{}}
}

// name gives s the role name role in every output (its address and its id).
func (r *cliRun) name(s *testutil.Server, role string) {
	r.label[s.Addr()] = role
	if id := cliNodeID(s); id != "" {
		r.label[id] = role
	}
}

func cliNodeID(s *testutil.Server) string {
	v := cliDo(s, "CLUSTER", "MYID")
	return v.Str
}

// id returns the node id of s.
func (r *cliRun) id(s *testutil.Server) string {
	id := cliNodeID(s)
	if id == "" {
		r.t.Fatalf("%s: no CLUSTER MYID", s.Addr())
	}
	return id
}

// cliDo sends one command to s on a fresh connection; a zero Value if it fails.
func cliDo(s *testutil.Server, args ...string) testutil.Value {
	c, err := testutil.Dial(s.Addr())
	if err != nil {
		return testutil.Value{}
	}
	defer c.Close()
	raw, err := c.Do(args...)
	if err != nil {
		return testutil.Value{}
	}
	v, _ := testutil.ParseReply(raw)
	return v
}

var (
	ansiRE  = regexp.MustCompile(`\x1b\[[0-9;]*m`)
	addrRE  = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	idRE    = regexp.MustCompile(`\b[0-9a-f]{40}\b`)
	shortRE = regexp.MustCompile(`\(([0-9a-f]{8})\.\.\.\)`)
	// migratingRE is import's "Migrating key to node: " before its verdict.
	migratingRE = regexp.MustCompile(`^Migrating \S+ to \S+: `)
)

// norm strips colours and replaces addresses and ids by role names.
func (r *cliRun) norm(s string) string {
	s = ansiRE.ReplaceAllString(s, "")
	for k, v := range r.label {
		if strings.HasPrefix(k, "/") {
			s = strings.ReplaceAll(s, k, v)
		}
	}
	s = idRE.ReplaceAllStringFunc(s, func(id string) string {
		if l, ok := r.label[id]; ok {
			return l
		}
		return "ID"
	})
	s = shortRE.ReplaceAllStringFunc(s, func(m string) string {
		p := m[1:9]
		for k, v := range r.label {
			if len(k) == 40 && strings.HasPrefix(k, p) {
				return "(" + v + ")"
			}
		}
		return "(ID)"
	})
	return addrRE.ReplaceAllStringFunc(s, func(a string) string {
		if l, ok := r.label[a]; ok {
			return l
		}
		return "ADDR"
	})
}

// cliOpts says which output lines of a step are compared besides the verdicts.
type cliOpts struct {
	stdin string
	keep  []string // more substrings that make a line count
	drop  []string // substrings of lines left out (random choices, timing)
}

// run runs `redis-cli --cluster args...` and records the exit status and the
// verdict lines, sorted (redis-cli lists nodes in CLUSTER NODES order, which
// differs), under step. It returns the normalized output and the exit status.
func (r *cliRun) run(step string, o cliOpts, args ...string) (string, int) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.cli, append([]string{"--cluster"}, args...)...)
	cmd.Stdin = strings.NewReader(o.stdin)
	raw, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok || ctx.Err() != nil {
			r.t.Fatalf("%s: redis-cli --cluster %v: %v\n%s", step, args, err, raw)
		}
		code = ee.ExitCode()
	}
	out := r.norm(string(raw))
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimRight(l, "\r ")
		// import: which key comes first is SCAN's order, the server's own.
		l = migratingRE.ReplaceAllString(l, "")
		// fix lists the nodes of an open slot in CLUSTER NODES order.
		for _, p := range []string{"Set as importing in: ", "Set as migrating in: "} {
			if rest, ok := strings.CutPrefix(l, p); ok {
				names := strings.Split(rest, ",")
				sort.Strings(names)
				l = p + strings.Join(names, ",")
			}
		}
		keep := strings.Contains(l, "[OK]") || strings.Contains(l, "[ERR]") || strings.Contains(l, "[WARNING]") ||
			strings.HasPrefix(l, "*** ") || strings.HasPrefix(l, ">>> ")
		for _, k := range o.keep {
			keep = keep || strings.Contains(l, k)
		}
		for _, d := range o.drop {
			keep = keep && !strings.Contains(l, d)
		}
		if keep {
			lines = append(lines, l)
		}
	}
	sort.Strings(lines)
	r.record(step, fmt.Sprintf("exit %d\n%s", code, strings.Join(lines, "\n")))
	r.t.Logf("%s %s (exit %d):\n%s", r.kind, step, code, out)
	return out, code
}

// note records a fact about the state under step (compared like run's output).
func (r *cliRun) note(step, format string, args ...any) {
	n := r.norm(fmt.Sprintf(format, args...))
	r.t.Logf("%s %s: %s", r.kind, step, n)
	r.record(step, n)
}

func (r *cliRun) record(step, s string) {
	if _, ok := r.out[step]; ok {
		r.out[step] += "\n" + s
		return
	}
	r.steps = append(r.steps, step)
	r.out[step] = s
}

// want fails the test now if step's output lacks substr: a step that went
// wrong makes the later ones meaningless.
func (r *cliRun) want(step, out, substr string) {
	r.t.Helper()
	if !strings.Contains(out, substr) {
		r.t.Fatalf("%s %s: output lacks %q:\n%s", r.kind, step, substr, out)
	}
}

// cliCompare runs scenario against a keygrid cluster and a redis-server
// cluster, side by side, and reports every step whose record differs.
func cliCompare(t *testing.T, scenario func(r *cliRun)) {
	if testing.Short() {
		t.Skip("starts clusters of keygrid and redis-server nodes")
	}
	kinds := []string{"keygrid", "redis"}
	runs := make([]*cliRun, len(kinds))
	t.Run("kinds", func(t *testing.T) {
		for i, kind := range kinds {
			t.Run(kind, func(t *testing.T) {
				t.Parallel()
				runs[i] = newCLIRun(t, kind)
				scenario(runs[i])
			})
		}
	})
	if t.Failed() || runs[0] == nil || runs[1] == nil {
		return
	}
	k, r := runs[0], runs[1]
	for _, step := range r.steps {
		if k.out[step] != r.out[step] {
			t.Errorf("%s: keygrid differs from redis-server\n--- keygrid:\n%s\n--- redis-server:\n%s", step, k.out[step], r.out[step])
		}
	}
	if len(k.steps) != len(r.steps) {
		t.Errorf("steps: keygrid %v, redis-server %v", k.steps, r.steps)
	}
}

// cliNodes parses CLUSTER NODES of s: id → fields, nil if s does not answer.
func cliNodes(s *testutil.Server) map[string][]string {
	v := cliDo(s, "CLUSTER", "NODES")
	if v.Str == "" {
		return nil
	}
	out := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(v.Str), "\n") {
		if f := strings.Fields(line); len(f) >= 8 {
			out[f[0]] = f
		}
	}
	return out
}

// waitKnown waits until every node in nodes lists exactly the ids of nodes,
// none of them in handshake, agrees on each one's role and master, and has
// cluster_state:ok.
func (r *cliRun) waitKnown(nodes ...*testutil.Server) {
	r.t.Helper()
	ids := map[string]bool{}
	for _, s := range nodes {
		ids[r.id(s)] = true
	}
	testutil.WaitFor(r.t, cliWait, func() bool {
		var ref map[string]string
		for _, s := range nodes {
			view := cliNodes(s)
			if len(view) != len(ids) {
				return false
			}
			roles := map[string]string{}
			for id, f := range view {
				if !ids[id] || strings.Contains(f[2], "handshake") || strings.Contains(f[2], "noaddr") {
					return false
				}
				role := "master"
				if strings.Contains(f[2], "slave") {
					role = "slave " + f[3]
				}
				roles[id] = role
			}
			// A node just met serves (takes MIGRATE's keys) once its
			// cluster state is ok.
			if !strings.Contains(cliDo(s, "CLUSTER", "INFO").Str, "cluster_state:ok") {
				return false
			}
			if ref == nil {
				ref = roles
			} else if fmt.Sprint(ref) != fmt.Sprint(roles) {
				return false
			}
		}
		return true
	}, r.kind+": every node knows exactly the others, with the same roles")
}

// waitAgree waits until redis-cli --cluster check passes from addr: every node
// agrees on the slots, all covered, no open slot.
func (r *cliRun) waitAgree(addr string) {
	r.t.Helper()
	var out []byte
	ok := testutil.Eventually(cliWait, func() bool {
		var err error
		out, err = exec.Command(r.cli, "--cluster", "check", addr).CombinedOutput()
		return err == nil && strings.Contains(string(out), "[OK] All nodes agree about slots configuration.") &&
			strings.Contains(string(out), "[OK] All 16384 slots covered.")
	})
	if !ok {
		r.t.Fatalf("%s: cluster check from %s never passed:\n%s", r.kind, addr, out)
	}
}

// waitSynced waits until replica s follows master m with its link up and the
// same number of keys.
func (r *cliRun) waitSynced(s, m *testutil.Server) {
	r.t.Helper()
	mport := strconv.Itoa(m.Port())
	testutil.WaitFor(r.t, cliWait, func() bool {
		info := cliDo(s, "INFO", "replication").Str
		return strings.Contains(info, "master_port:"+mport+"\r\n") &&
			strings.Contains(info, "master_link_status:up") &&
			cliDo(s, "DBSIZE").Int == cliDo(m, "DBSIZE").Int
	}, r.kind+": replica "+s.Addr()+" synced with "+m.Addr())
}

// startNodes starts n more cluster-enabled nodes of the run's kind.
func (r *cliRun) startNodes(n int) []*testutil.Server {
	var out []*testutil.Server
	for range n {
		if r.kind == "keygrid" {
			out = append(out, testutil.StartKeygrid(r.t, cliClusterArgs...))
		} else {
			out = append(out, testutil.StartRedis(r.t, cliClusterArgs...))
		}
	}
	return out
}

// fill writes n keys key:0..key:n-1 through a cluster client.
func (r *cliRun) fill(addrs []string, n int) {
	r.t.Helper()
	ctx := context.Background()
	rc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, MaxRedirects: 16})
	defer rc.Close()
	for i := range n {
		if err := rc.Set(ctx, fmt.Sprintf("key:%d", i), i, 0).Err(); err != nil {
			r.t.Fatalf("%s: SET key:%d: %v", r.kind, i, err)
		}
	}
}

// masterKeys sums DBSIZE over the masters.
func masterKeys(ms ...*testutil.Server) int64 {
	var n int64
	for _, m := range ms {
		n += cliDo(m, "DBSIZE").Int
	}
	return n
}

// myLine returns the "myself" line of s's CLUSTER NODES from the flags on.
func myLine(s *testutil.Server) string {
	for _, f := range cliNodes(s) {
		if strings.Contains(f[2], "myself") {
			return strings.Join(append([]string{f[2], f[3]}, f[8:]...), " ")
		}
	}
	return ""
}

// add-node as master, as a replica of a chosen master and of the master with
// the fewest replicas; what add-node refuses; info, call, set-timeout;
// del-node of a replica and of an empty master, what it refuses, and adding
// back a node just deleted.
func TestClusterCLIAddDelNode(t *testing.T) {
	cliCompare(t, func(r *cliRun) {
		t := r.t
		// Every master has a replica, so the master with the fewest replicas
		// (add-node --cluster-slave without a master id) is the new empty one.
		cl := testutil.StartCluster(t, r.kind, 3, 1)
		m0, m1, m2 := cl.Nodes[0], cl.Nodes[1], cl.Nodes[2]
		sp := r.startNodes(3)
		s0, s1, s2 := sp[0], sp[1], sp[2]
		for i, s := range []*testutil.Server{m0, m1, m2, s0, s1, s2} {
			r.name(s, []string{"m0", "m1", "m2", "s0", "s1", "s2"}[i])
		}
		r.nameReplicas(cl)
		base := cl.Nodes
		with := func(more ...*testutil.Server) []*testutil.Server {
			return append(append([]*testutil.Server(nil), base...), more...)
		}
		r.fill(cl.Addrs(), 200)
		ref := m0.Addr()

		// A new master.
		out, _ := r.run("add-node master", cliOpts{}, "add-node", s0.Addr(), ref)
		r.want("add-node master", out, "[OK] New node added correctly.")
		r.waitKnown(with(s0)...)
		r.note("add-node master", "s0: %s", myLine(s0))
		r.waitAgree(ref)

		// A replica of the master with the fewest replicas: s0.
		out, _ = r.run("add-node replica auto", cliOpts{keep: []string{"Automatically selected master"}},
			"add-node", s2.Addr(), ref, "--cluster-slave")
		r.want("add-node replica auto", out, "[OK] New node added correctly.")
		r.waitKnown(with(s0, s2)...)
		r.waitSynced(s2, s0)
		r.note("add-node replica auto", "s2: %s", myLine(s2))
		r.waitAgree(ref)

		// A replica of m0, named.
		out, _ = r.run("add-node replica of m0", cliOpts{}, "add-node", s1.Addr(), ref,
			"--cluster-slave", "--cluster-master-id", r.id(m0))
		r.want("add-node replica of m0", out, "[OK] New node added correctly.")
		r.waitKnown(with(s0, s1, s2)...)
		r.waitSynced(s1, m0)
		r.note("add-node replica of m0", "s1: %s keys %d", myLine(s1), cliDo(s1, "DBSIZE").Int)
		r.waitAgree(ref)

		// A node that already knows other nodes is not empty.
		r.run("add-node refuses a cluster member", cliOpts{keep: []string{"is not empty"}}, "add-node", m1.Addr(), ref)

		// info and call.
		r.run("info", cliOpts{keep: []string{" -> ", "keys per slot"}}, "info", ref)
		r.run("call", cliOpts{keep: []string{": "}}, "call", ref, "DBSIZE")
		r.run("call masters", cliOpts{keep: []string{": "}}, "call", ref, "DBSIZE", "--cluster-only-masters")
		r.run("call replicas", cliOpts{keep: []string{": "}}, "call", ref, "ROLE", "--cluster-only-replicas")

		// set-timeout: CONFIG SET works, CONFIG REWRITE fails without a config
		// file (the servers here have none), on both.
		r.run("set-timeout", cliOpts{keep: []string{"ERR setting node-timeout"}}, "set-timeout", ref, "3000")
		var set []string
		for _, s := range with(s0, s1, s2) {
			v := cliDo(s, "CONFIG", "GET", "cluster-node-timeout")
			set = append(set, r.norm(fmt.Sprintf("%s: %v", s.Addr(), len(v.Elems) == 2 && v.Elems[1].Str == "3000")))
		}
		sort.Strings(set)
		r.note("set-timeout", "%s", strings.Join(set, "\n"))

		// del-node refuses a master with slots and an unknown id.
		r.run("del-node refuses a master with slots", cliOpts{}, "del-node", ref, r.id(m1))
		r.run("del-node refuses an unknown id", cliOpts{}, "del-node", ref, strings.Repeat("0", 40))

		// del-node of a replica, then of the empty master: the others forget
		// it, it is reset (a master alone, the replica's data flushed).
		for _, d := range []struct {
			step string
			node *testutil.Server
			left []*testutil.Server
		}{{"del-node replica", s2, with(s0, s1)}, {"del-node empty master", s0, with(s1)}} {
			out, _ = r.run(d.step, cliOpts{}, "del-node", ref, r.id(d.node))
			r.want(d.step, out, ">>> Sending CLUSTER RESET SOFT to the deleted node.")
			r.waitKnown(d.left...)
			testutil.WaitFor(t, cliWait, func() bool { return len(cliNodes(d.node)) == 1 }, r.kind+": the deleted node knows only itself")
			info := cliDo(d.node, "CLUSTER", "INFO").Str
			r.note(d.step, "%s: %s keys %d state-fail %v", d.step, myLine(d.node), cliDo(d.node, "DBSIZE").Int,
				strings.Contains(info, "cluster_state:fail"))
			r.waitAgree(ref)
		}

		// Adding back the node just deleted (within CLUSTER FORGET's 60 s ban):
		// the node it meets (the first redis-cli knows: ref) takes it at once,
		// as Redis takes any MEET; the others learn it once their ban ends.
		out, _ = r.run("add-node again", cliOpts{}, "add-node", s0.Addr(), ref)
		r.want("add-node again", out, "[OK] New node added correctly.")
		testutil.WaitFor(t, cliWait, func() bool {
			f := cliNodes(m0)[r.id(s0)]
			return f != nil && !strings.Contains(f[2], "handshake") && cliNodes(s0)[r.id(m0)] != nil
		}, r.kind+": m0 and the node added again know each other")
	})
}

// fix of open slots, of uncovered slots and of a slot with several owners;
// rebalance with --cluster-use-empty-masters, --cluster-weight and
// --cluster-threshold; reshard --cluster-from all.
func TestClusterCLIFixRebalance(t *testing.T) {
	cliCompare(t, func(r *cliRun) {
		t := r.t
		cl := testutil.StartCluster(t, r.kind, 3, 0)
		m0, m1, m2 := cl.Nodes[0], cl.Nodes[1], cl.Nodes[2]
		s0 := r.startNodes(1)[0]
		for i, s := range []*testutil.Server{m0, m1, m2, s0} {
			r.name(s, []string{"m0", "m1", "m2", "s0"}[i])
		}
		ref := m0.Addr()
		r.fill(cl.Addrs(), 200)
		masters := []*testutil.Server{m0, m1, m2}
		owned := func(s *testutil.Server, slot int) int64 {
			return cliDo(s, "CLUSTER", "COUNTKEYSINSLOT", strconv.Itoa(slot)).Int
		}

		// Open slots. Slot 0 ({06S}) is m0's: MIGRATING on m0, IMPORTING on m1,
		// two of its five keys moved already; slot 1 MIGRATING on m0 only.
		for i := range 5 {
			cliDo(m0, "SET", fmt.Sprintf("{06S}k%d", i), "v")
		}
		cliDo(m1, "CLUSTER", "SETSLOT", "0", "IMPORTING", r.id(m0))
		cliDo(m0, "CLUSTER", "SETSLOT", "0", "MIGRATING", r.id(m1))
		if v := cliDo(m0, "MIGRATE", "127.0.0.1", strconv.Itoa(m1.Port()), "", "0", "5000", "KEYS", "{06S}k0", "{06S}k1"); v.Str != "OK" {
			t.Fatalf("%s: MIGRATE KEYS: %+v", r.kind, v)
		}
		cliDo(m0, "CLUSTER", "SETSLOT", "1", "MIGRATING", r.id(m1))
		// Slot 5 ({axh}, three keys on m0) MIGRATING to m2, IMPORTING there:
		// fix finishes the move (its case 1). Slot 6 ({wq5}, two keys on m0)
		// MIGRATING to m1, IMPORTING on m1 and on m2: fix moves it to m1 and
		// closes it on m2 (case 3).
		for i := range 3 {
			cliDo(m0, "SET", fmt.Sprintf("{axh}%d", i), "v")
		}
		cliDo(m2, "CLUSTER", "SETSLOT", "5", "IMPORTING", r.id(m0))
		cliDo(m0, "CLUSTER", "SETSLOT", "5", "MIGRATING", r.id(m2))
		cliDo(m0, "SET", "{wq5}0", "v")
		cliDo(m0, "SET", "{wq5}1", "v")
		cliDo(m1, "CLUSTER", "SETSLOT", "6", "IMPORTING", r.id(m0))
		cliDo(m2, "CLUSTER", "SETSLOT", "6", "IMPORTING", r.id(m0))
		cliDo(m0, "CLUSTER", "SETSLOT", "6", "MIGRATING", r.id(m1))
		r.run("check open slots", cliOpts{}, "check", ref)
		out, _ := r.run("fix open slots", cliOpts{keep: []string{"Set as", "Moving slot"}}, "fix", ref)
		r.want("fix open slots", out, ">>> Case 2: Moving all the 0 slot keys to its owner m0")
		r.waitAgree(ref)
		r.want("fix open slots", out, ">>> Case 1: Moving slot 5 from m0 to m2")
		r.want("fix open slots", out, ">>> Case 3: Moving slot 6 from m0 to m1 and closing it on all the other importing nodes.")
		r.note("fix open slots", "slot 0 keys: m0 %d m1 %d; slot 5 keys: m0 %d m2 %d; slot 6 keys: m0 %d m1 %d; m0: %s; m1: %s; m2: %s",
			owned(m0, 0), owned(m1, 0), owned(m0, 5), owned(m2, 5), owned(m0, 6), owned(m1, 6), myLine(m0), myLine(m1), myLine(m2))

		// Uncovered slots: 0 (with keys on m0), 2 and 3 (empty) unassigned on
		// every master. fix asks twice; --cluster-yes does not answer these.
		unassign := func(owner *testutil.Server, slotList ...string) {
			// The owner first: a master that dropped a slot takes it back from a
			// claim of its owner's still on the way (Redis's bus does the same),
			// so it is dropped again until every master sees it unassigned.
			order := []*testutil.Server{owner}
			for _, m := range masters {
				if m != owner {
					order = append(order, m)
				}
			}
			want := fmt.Sprintf("cluster_slots_assigned:%d\r\n", 16384-len(slotList))
			testutil.WaitFor(t, cliWait, func() bool {
				done := true
				for _, m := range order {
					if !strings.Contains(cliDo(m, "CLUSTER", "INFO").Str, want) {
						for _, sl := range slotList {
							cliDo(m, "CLUSTER", "DELSLOTS", sl)
						}
						done = false
					}
				}
				return done
			}, r.kind+": slots "+strings.Join(slotList, ",")+" unassigned everywhere")
		}
		unassign(m0, "0", "2", "3")
		out, _ = r.run("fix uncovered slots", cliOpts{stdin: "yes\nyes\n", keep: []string{"uncovered slots", "[0]", "[2-3]"},
			drop: []string{"agree", "Covering slot 2", "Covering slot 3"}}, "fix", ref)
		r.want("fix uncovered slots", out, ">>> Covering slot 0 with m0")
		r.waitAgree(ref)
		// Slots 2 and 3 went to a random master: only slot 0's owner is compared.
		r.note("fix uncovered slots", "m0 owns slot 0: %v; slot 0 keys on m0 %d",
			owns(m0, 0), owned(m0, 0))

		// A slot with keys on a node that does not own it: "a" (slot 15495, m2's)
		// written on m1 while importing, then the slot set stable there.
		cliDo(m1, "CLUSTER", "SETSLOT", "15495", "IMPORTING", r.id(m2))
		c1, err := testutil.Dial(m1.Addr())
		if err != nil {
			t.Fatal(err)
		}
		c1.Do("ASKING")
		if raw, _ := c1.Do("SET", "a", "stray"); string(raw) != "+OK\r\n" {
			t.Fatalf("%s: ASKING SET on the importing node: %q", r.kind, raw)
		}
		c1.Close()
		cliDo(m1, "CLUSTER", "SETSLOT", "15495", "STABLE")
		r.run("check multiple owners", cliOpts{keep: []string{"    m"}}, "check", ref, "--cluster-search-multiple-owners")
		out, _ = r.run("fix multiple owners", cliOpts{keep: []string{"    m"}}, "fix", ref, "--cluster-search-multiple-owners")
		r.want("fix multiple owners", out, "[OK] No multiple owners found.")
		r.waitAgree(ref)
		r.note("fix multiple owners", "keys in 15495: m1 %d m2 %d; m1 owns it: %v", owned(m1, 15495), owned(m2, 15495),
			owns(m1, 15495))

		// An unassigned slot with keys on two masters: fix gives it to the one
		// with the most keys ({d} is slot 11298, m2's) and moves the others there.
		cliDo(m2, "SET", "{d}1", "v")
		cliDo(m2, "SET", "{d}2", "v")
		cliDo(m1, "CLUSTER", "SETSLOT", "11298", "IMPORTING", r.id(m2))
		c1, err = testutil.Dial(m1.Addr())
		if err != nil {
			t.Fatal(err)
		}
		c1.Do("ASKING")
		c1.Do("SET", "{d}x", "v")
		c1.Close()
		cliDo(m1, "CLUSTER", "SETSLOT", "11298", "STABLE")
		unassign(m2, "11298")
		out, _ = r.run("fix slot with keys on two nodes", cliOpts{stdin: "yes\n", keep: []string{"uncovered slots", "[11298]", "Moving slot"},
			drop: []string{"agree"}}, "fix", ref)
		r.want("fix slot with keys on two nodes", out, ">>> Covering slot 11298 moving keys to m2")
		r.waitAgree(ref)
		r.note("fix slot with keys on two nodes", "keys in 11298: m1 %d m2 %d; m2 owns it: %v", owned(m1, 11298), owned(m2, 11298),
			owns(m2, 11298))

		// An empty master: rebalance leaves it alone unless told to use it.
		r.run("add-node", cliOpts{}, "add-node", s0.Addr(), ref)
		r.waitKnown(m0, m1, m2, s0)
		r.waitAgree(ref)
		slotCounts := func() string {
			var c []string
			for _, s := range []*testutil.Server{m0, m1, m2, s0} {
				n := 0
				if f := cliNodes(s)[r.id(s)]; f != nil {
					for _, rg := range f[8:] {
						if lo, hi, ok := strings.Cut(rg, "-"); ok {
							a, _ := strconv.Atoi(lo)
							b, _ := strconv.Atoi(hi)
							n += b - a + 1
						} else if !strings.HasPrefix(rg, "[") {
							n++
						}
					}
				}
				c = append(c, fmt.Sprintf("%5d", n))
			}
			// Sorted: which master gets the odd slots of an uneven split follows
			// the slots fix gave a random master.
			sort.Strings(c)
			return strings.Join(c, " ")
		}
		// Which master's slots move where depends on the order redis-cli lists
		// the nodes in: only the verdicts and the counts are compared.
		moves := cliOpts{drop: []string{"Moving "}}
		r.run("rebalance ignores empty master", moves, "rebalance", ref)
		out, _ = r.run("rebalance weight", moves, "rebalance", ref, "--cluster-use-empty-masters",
			"--cluster-weight", r.id(s0)+"=2")
		r.want("rebalance weight", out, ">>> Rebalancing across 4 nodes. Total weight = 5.00")
		r.waitAgree(ref)
		r.note("rebalance weight", "slots %s keys %d", slotCounts(), masterKeys(m0, m1, m2, s0))
		// Now s0 has 60% more slots than an equal share, the others 20% fewer.
		r.run("rebalance threshold", moves, "rebalance", ref, "--cluster-threshold", "70")
		r.run("rebalance", moves, "rebalance", ref)
		r.waitAgree(ref)
		r.note("rebalance", "slots %s keys %d", slotCounts(), masterKeys(m0, m1, m2, s0))
		out, _ = r.run("reshard from all", moves, "reshard", ref, "--cluster-from", "all", "--cluster-to", r.id(m0),
			"--cluster-slots", "300", "--cluster-yes")
		r.want("reshard from all", out, "Moving slot")
		r.waitAgree(ref)
		r.note("reshard from all", "slots %s keys %d", slotCounts(), masterKeys(m0, m1, m2, s0))
		ctx := context.Background()
		rc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs(), MaxRedirects: 16})
		defer rc.Close()
		for i := 0; i < 200; i += 17 {
			if v, err := rc.Get(ctx, fmt.Sprintf("key:%d", i)).Int(); err != nil || v != i {
				t.Errorf("%s: key:%d = %d, %v after the moves", r.kind, i, v, err)
			}
		}
	})
}

// import from a standalone server of the same kind (COPY and REPLACE, and
// what plain MIGRATE refuses), then backup: nodes.json and each master's RDB.
func TestClusterCLIImportBackup(t *testing.T) {
	cliCompare(t, func(r *cliRun) {
		t := r.t
		cl := testutil.StartCluster(t, r.kind, 3, 1)
		// The source wants a password: --cluster-from-pass gives it.
		var src *testutil.Server
		if r.kind == "keygrid" {
			src = testutil.StartKeygrid(t, "--requirepass", "srcpw")
		} else {
			src = testutil.StartRedis(t, "--requirepass", "srcpw")
		}
		srcDo := func(args ...string) testutil.Value {
			c, err := testutil.Dial(src.Addr())
			if err != nil {
				t.Fatalf("%s: %v", r.kind, err)
			}
			defer c.Close()
			c.Do("AUTH", "srcpw")
			raw, err := c.Do(args...)
			if err != nil {
				t.Fatalf("%s: %v: %v", r.kind, args, err)
			}
			v, _ := testutil.ParseReply(raw)
			return v
		}
		ms := cl.Nodes[:3]
		for i, s := range ms {
			r.name(s, fmt.Sprintf("m%d", i))
		}
		r.nameReplicas(cl)
		r.label[src.Addr()] = "src"
		ref := cl.Nodes[0].Addr()
		ctx := context.Background()
		rc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs(), MaxRedirects: 16})
		defer rc.Close()
		if err := rc.Set(ctx, "key:1", "incluster", 0).Err(); err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			srcDo("SET", fmt.Sprintf("imp:%d", i), fmt.Sprintf("v%d", i))
		}
		srcDo("SET", "key:1", "fromsrc")
		srcDo("RPUSH", "lst", "a", "b", "c")
		srcDo("SET", "ttlkey", "x", "EX", "1000")
		state := func() string {
			lst, _ := rc.LRange(ctx, "lst", 0, -1).Result()
			ttl, _ := rc.TTL(ctx, "ttlkey").Result()
			return fmt.Sprintf("src keys %d, cluster keys %d, key:1 %q, lst %v, ttl ok %v, imp:7 %q", srcDo("DBSIZE").Int,
				masterKeys(ms...), rc.Get(ctx, "key:1").Val(), lst, ttl > 900*time.Second && ttl <= 1000*time.Second, rc.Get(ctx, "imp:7").Val())
		}
		migrateErr := cliOpts{keep: []string{"replied with error", "BUSYKEY", "NOAUTH"}}
		r.run("import without the source's password", migrateErr, "import", ref, "--cluster-from", src.Addr())
		r.run("import copy replace", migrateErr, "import", ref, "--cluster-from", src.Addr(), "--cluster-from-pass", "srcpw", "--cluster-copy", "--cluster-replace")
		r.note("import copy replace", "%s", state())
		// Every key exists in the cluster now: a plain MIGRATE, or COPY alone,
		// fails on the first.
		r.run("import", migrateErr, "import", ref, "--cluster-from", src.Addr(), "--cluster-from-pass", "srcpw")
		r.run("import copy", migrateErr, "import", ref, "--cluster-from", src.Addr(), "--cluster-from-pass", "srcpw", "--cluster-copy")
		r.note("import copy", "%s", state())
		srcDo("SET", "imp:7", "changed")
		r.run("import replace", migrateErr, "import", ref, "--cluster-from", src.Addr(), "--cluster-from-pass", "srcpw", "--cluster-replace")
		r.note("import replace", "%s", state())
		// A cluster node is no source.
		r.run("import from a cluster node", cliOpts{}, "import", ref, "--cluster-from", cl.Nodes[1].Addr())

		// Replicas must have every key before the backup's check.
		for i := range 3 {
			r.waitSynced(cl.Nodes[3+i], replicaMaster(cl, r, cl.Nodes[3+i]))
		}
		dir := t.TempDir()
		r.label[dir] = "DIR"
		out, _ := r.run("backup", cliOpts{}, "backup", ref, dir)
		r.want("backup", out, "[OK] Backup created into: DIR")
		raw, err := os.ReadFile(filepath.Join(dir, "nodes.json"))
		if err != nil {
			t.Fatalf("%s: %v", r.kind, err)
		}
		var nodes []struct {
			Name         string  `json:"name"`
			Host         string  `json:"host"`
			Port         int     `json:"port"`
			Replicate    *string `json:"replicate"`
			Slots        [][]int `json:"slots"`
			SlotsCount   int     `json:"slots_count"`
			Flags        string  `json:"flags"`
			CurrentEpoch int     `json:"current_epoch"`
		}
		if err := json.Unmarshal(raw, &nodes); err != nil {
			t.Fatalf("%s: nodes.json: %v\n%s", r.kind, err, raw)
		}
		var lines []string
		for _, n := range nodes {
			rep := "null"
			if n.Replicate != nil {
				rep = r.norm(*n.Replicate)
			}
			lines = append(lines, fmt.Sprintf("%s %s replicate %s slots %v (%d) %s epoch %d", r.norm(n.Name),
				r.norm(fmt.Sprintf("%s:%d", n.Host, n.Port)), rep, n.Slots, n.SlotsCount, n.Flags, n.CurrentEpoch))
		}
		sort.Strings(lines)
		r.note("backup nodes.json", "%s", strings.Join(lines, "\n"))
		t.Logf("%s nodes.json:\n%s", r.kind, strings.Join(lines, "\n"))
		check, lookErr := exec.LookPath("redis-check-rdb")
		for _, m := range ms {
			name := filepath.Join(dir, fmt.Sprintf("redis-node-127.0.0.1-%d-%s.rdb", m.Port(), r.id(m)))
			if _, err := os.Stat(name); err != nil {
				t.Errorf("%s: %v", r.kind, err)
				continue
			}
			if lookErr != nil { // no redis-check-rdb
				continue
			}
			out, cerr := exec.Command(check, name).CombinedOutput()
			keys := regexp.MustCompile(`keys read: \d+|\d+ keys read`).FindString(string(out))
			r.note("backup rdb", "%s: check ok %v, %s (DBSIZE %d)", m.Addr(), cerr == nil, keys, cliDo(m, "DBSIZE").Int)
		}
	})
}

// replicaMaster returns the master of replica s in the cluster.
func replicaMaster(cl *testutil.Cluster, r *cliRun, s *testutil.Server) *testutil.Server {
	f := cliNodes(s)[r.id(s)]
	for _, m := range cl.Nodes {
		if f != nil && f[3] == r.id(m) {
			return m
		}
	}
	r.t.Fatalf("%s: no master for %s", r.kind, s.Addr())
	return nil
}

// nameReplicas names the replicas of a StartCluster cluster after their
// masters (m0's is r0): redis-cli --cluster create pairs them in an order of
// its own.
func (r *cliRun) nameReplicas(cl *testutil.Cluster) {
	for _, s := range cl.Nodes {
		if _, ok := r.label[s.Addr()]; ok {
			continue
		}
		m := replicaMaster(cl, r, s)
		r.name(s, "r"+strings.TrimPrefix(r.label[m.Addr()], "m"))
	}
}

// owns reports whether s claims slot in its own CLUSTER NODES line.
func owns(s *testutil.Server, slot int) bool {
	st := testutil.ClusterNodes(s)
	return st != nil && st.Myself != nil && st.Myself.Slots.Has(slot)
}
