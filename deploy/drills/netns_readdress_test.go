package drills

// A cluster node whose address changes while it runs (issue #7): the master of
// slot 0, listening on every address, loses its address and gets another one
// on the same network (a container reconnected elsewhere, a new lease). Redis
// copes because the node's pings reach the others from the new address
// (nodeUpdateAddressIfNeeded); keygrid's bus notices the address is gone from
// the host and moves memberlist to the new one (gossip/readdress.go). The bar:
// within 2 x node-timeout + 5 s every node lists the node at its new address,
// cluster_state is ok everywhere, the node still owns its slots (no failover)
// and serves them at the new address, and its replica follows it there.

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/drill"
)

func TestDrillClusterAddressChange(t *testing.T) {
	lab := newLab(t)
	ctx := context.Background()
	const timeout = 2 * time.Second
	nodes := nsCluster(t, lab, lab.startServer, "a", "--cluster-node-timeout", fmt.Sprint(timeout.Milliseconds()),
		"--bind", "0.0.0.0") // on every address: the node's own can change under it
	owner, err := ownerOf(ctx, lab.redis(nodes[0].addr(), time.Second), 0)
	if err != nil {
		t.Fatal(err)
	}
	victim := nodeByAddr(nodes, owner)
	vid, err := lab.redis(victim.addr(), time.Second).ClusterMyID(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	waitOnline(t, lab, victim, 1)
	var replica *nsProc
	for _, n := range nodes {
		cn, err := lab.redis(n.addr(), time.Second).ClusterNodes(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(cn, "\n") {
			if f := strings.Fields(line); len(f) > 3 && strings.Contains(f[2], "myself") && f[3] == vid {
				replica = n
			}
		}
	}
	if replica == nil {
		t.Fatal("no replica of the master of slot 0")
	}

	oldIP, newIP := victim.host.IP, "10.88.0.250"
	res := &drill.Result{Drill: "cluster-address-change", Started: time.Now(), Cycles: 1,
		Fault: fmt.Sprintf("the master of slot 0 loses its address %s and gets %s while it runs", oldIP, newIP),
		Bar: fmt.Sprintf("within 2 x node-timeout + 5 s (%v): every node lists it at the new address, cluster_state ok, "+
			"no failover, its slots served there, its replica following it; all of it still so 3 x node-timeout later", 2*timeout+5*time.Second)}
	t0 := time.Now()
	for _, step := range [][]string{
		{"ip", "-n", victim.host.NS, "addr", "del", oldIP + "/24", "dev", "eth0"},
		{"ip", "-n", victim.host.NS, "addr", "add", newIP + "/24", "dev", "eth0"},
	} {
		if out, err := exec.Command(step[0], step[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v: %s", step, err, out)
		}
	}
	victim.host.IP = newIP
	newAddr := victim.addr()
	why := ""
	settled := func() bool {
		for _, n := range nodes {
			rc := lab.redis(n.addr(), time.Second)
			ci, err := rc.ClusterInfo(ctx).Result()
			if err != nil || !strings.Contains(ci, "cluster_state:ok") {
				why = fmt.Sprintf("%s: cluster_state not ok (%v)", n.addr(), err)
				return false
			}
			cn, err := rc.ClusterNodes(ctx).Result()
			if err != nil {
				why = fmt.Sprintf("%s: CLUSTER NODES: %v", n.addr(), err)
				return false
			}
			for _, line := range strings.Split(cn, "\n") {
				f := strings.Fields(line)
				if len(f) < 8 || f[0] != vid {
					continue
				}
				if !strings.HasPrefix(f[1], newAddr+"@") || !strings.Contains(f[2], "master") ||
					strings.Contains(f[2], "fail") {
					why = fmt.Sprintf("%s lists it as %q", n.addr(), line)
					return false
				}
			}
		}
		o, err := ownerOf(ctx, lab.redis(nodes[0].addr(), time.Second), 0)
		if err != nil || o != newAddr {
			why = fmt.Sprintf("slot 0's owner is %q (%v)", o, err)
			return false
		}
		// Its replica follows it to the new address. (The master may list the
		// replica twice until the connection that came to its old address
		// times out, as redis-server would: the replica's close never reached it.)
		for _, n := range nodes {
			im, err := info(ctx, lab.redis(n.addr(), time.Second), "replication")
			if err != nil {
				why = fmt.Sprintf("%s: INFO: %v", n.addr(), err)
				return false
			}
			if im["role"] == "slave" && im["master_port"] == fmt.Sprint(nsPort) && n == replica &&
				(im["master_host"] != newIP || im["master_link_status"] != "up") {
				why = fmt.Sprintf("its replica %s: master %s link %s", n.addr(), im["master_host"], im["master_link_status"])
				return false
			}
		}
		return true
	}
	var took time.Duration
	for !settled() {
		if took = time.Since(t0); took > 2*timeout+5*time.Second {
			for _, n := range nodes {
				cn, err := lab.redis(n.addr(), time.Second).ClusterNodes(ctx).Result()
				t.Logf("CLUSTER NODES of %s (%v):\n%s", n.addr(), err, cn)
			}
			t.Logf("the moved node's log:\n%s", tailString(victim.out.String(), 4000))
			res.Failures = append(res.Failures, fmt.Sprintf("not settled %v after the change: %s", took, why))
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(res.Failures) == 0 {
		res.RecoveryMs = append(res.RecoveryMs, took.Milliseconds())
		t.Logf("%s moved to %s: settled after %v", vid[:8], newAddr, took)
		if err := lab.redis(newAddr, time.Second).Set(ctx, "{06S}k", "v", 0).Err(); err != nil {
			res.Failures = append(res.Failures, fmt.Sprintf("a write to slot 0 at the new address: %v", err))
		}
		// And it stays so while the others' memberlist gives up the old
		// address (suspect, dead) and takes the new one: no late failover.
		for hold := time.Now(); time.Since(hold) < 3*timeout; time.Sleep(200 * time.Millisecond) {
			if !settled() {
				res.Failures = append(res.Failures, fmt.Sprintf("%v after the change: %s", time.Since(t0), why))
				break
			}
		}
	}
	res.Pass = len(res.Failures) == 0
	report(t, res)
}
