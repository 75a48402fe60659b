package node

import (
	"fmt"
	"testing"
)

// planCluster must split the slots as redis-cli --cluster create does (for 3
// masters: 0-5460, 5461-10922, 10923-16383; the same for any count, from its
// float cursor), give every master its replicas, and prefer other hosts.
func TestBootstrapPlan(t *testing.T) {
	nodes := func(n int, hosts int) []bootNode {
		var out []bootNode
		for i := 0; i < n; i++ {
			out = append(out, bootNode{ID: fmt.Sprintf("%040x", 100-i), IP: fmt.Sprintf("10.0.0.%d", i%hosts+1), Port: 7000 + i})
		}
		return out
	}
	p, err := planCluster(nodes(6, 1), 1)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]int{{0, 5460}, {5461, 10922}, {10923, 16383}}
	if len(p.masters) != 3 || len(p.replicas) != 3 {
		t.Fatalf("masters %d replicas %d", len(p.masters), len(p.replicas))
	}
	for i, m := range p.masters {
		if [2]int{m.first, m.last} != want[i] {
			t.Errorf("master %d: %d-%d, want %v", i, m.first, m.last, want[i])
		}
		// One host: ordered by port, so the first three ports are the masters.
		if m.node.Port != 7000+i {
			t.Errorf("master %d is port %d", i, m.node.Port)
		}
	}
	perMaster := map[string]int{}
	for _, r := range p.replicas {
		perMaster[r.master]++
	}
	for _, m := range p.masters {
		if perMaster[m.node.ID] != 1 {
			t.Errorf("master %s has %d replicas", m.node.ID, perMaster[m.node.ID])
		}
	}

	// 5 masters: redis-cli's ranges 0-3276, 3277-6553, 6554-9829, 9830-13106, 13107-16383.
	p, err = planCluster(nodes(5, 5), 0)
	if err != nil {
		t.Fatal(err)
	}
	want5 := [][2]int{{0, 3276}, {3277, 6553}, {6554, 9829}, {9830, 13106}, {13107, 16383}}
	for i, m := range p.masters {
		if [2]int{m.first, m.last} != want5[i] {
			t.Errorf("5 masters: master %d: %d-%d, want %v", i, m.first, m.last, want5[i])
		}
	}

	// Three hosts, 6 nodes, 1 replica: no replica on its master's host.
	p, err = planCluster(nodes(6, 3), 1)
	if err != nil {
		t.Fatal(err)
	}
	ipOf := map[string]string{}
	for _, m := range p.masters {
		ipOf[m.node.ID] = m.node.IP
	}
	for _, r := range p.replicas {
		if ipOf[r.master] == r.node.IP {
			t.Errorf("replica %s on its master's host %s", r.node.ID, r.node.IP)
		}
	}

	// 7 nodes, 1 replica: 3 masters, the 7th node an extra replica.
	p, err = planCluster(nodes(7, 1), 1)
	if err != nil || len(p.masters) != 3 || len(p.replicas) != 4 {
		t.Fatalf("7 nodes: %v, %d masters, %d replicas", err, len(p.masters), len(p.replicas))
	}
	if _, err := planCluster(nodes(5, 1), 1); err == nil {
		t.Error("5 nodes with 1 replica each (2 masters) must be refused")
	}
}
