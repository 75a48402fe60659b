// Starting a Redis Cluster of real server processes for tests (the proxy's, first).

package testutil

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/slots"
)

// Cluster is a cluster of server processes built by StartCluster.
type Cluster struct {
	Nodes []*Server // masters first, then replicas, in the order redis-cli paired them
}

// ClusterServer names the server binary clusters are made of: "redis" (redis-server,
// the default while keygrid's cluster mode is being built) or "keygrid", from
// $KEYGRID_CLUSTER_SERVER.
func ClusterServer() string {
	if os.Getenv("KEYGRID_CLUSTER_SERVER") == "keygrid" {
		return "keygrid"
	}
	return "redis"
}

// StartCluster starts masters*(1+replicasPer) cluster-enabled servers of kind
// ("redis" or "keygrid"), joins them with `redis-cli --cluster create`, and waits
// until every node reports cluster_state:ok and knows every replica.
func StartCluster(t testing.TB, kind string, masters, replicasPer int) *Cluster {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not found")
	}
	n := masters * (1 + replicasPer)
	cl := &Cluster{}
	args := []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", "2000", "--appendonly", "no",
		// A replica that synced seconds ago must still be allowed to take over.
		"--cluster-replica-validity-factor", "0"}
	for range n {
		var s *Server
		if kind == "keygrid" {
			s = StartKeygrid(t, args...)
		} else {
			s = StartRedis(t, args...)
		}
		cl.Nodes = append(cl.Nodes, s)
	}
	create := []string{"--cluster", "create"}
	for _, s := range cl.Nodes {
		create = append(create, s.Addr())
	}
	create = append(create, "--cluster-replicas", strconv.Itoa(replicasPer), "--cluster-yes")
	out, err := exec.Command(cli, create...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	WaitFor(t, 30*time.Second, func() bool {
		for _, s := range cl.Nodes {
			c, err := Dial(s.Addr())
			if err != nil {
				return false
			}
			raw, err := c.Do("CLUSTER", "INFO")
			if err != nil || !strings.Contains(string(raw), "cluster_state:ok") {
				c.Close()
				return false
			}
			// Every node must also know every replica, so CLUSTER SLOTS lists them.
			raw, err = c.Do("CLUSTER", "NODES")
			c.Close()
			if err != nil || strings.Count(string(raw), "slave") != masters*replicasPer {
				return false
			}
		}
		return true
	}, "cluster state ok on every node")
	return cl
}

// Addrs lists every node's address.
func (cl *Cluster) Addrs() []string {
	var out []string
	for _, s := range cl.Nodes {
		out = append(out, s.Addr())
	}
	return out
}

// ClusterNodes returns CLUSTER NODES of s parsed, or nil if s does not answer
// (tests poll it while nodes fail and recover).
func ClusterNodes(s *Server) *slots.State {
	c, err := Dial(s.Addr())
	if err != nil {
		return nil
	}
	defer c.Close()
	raw, err := c.Do("CLUSTER", "NODES")
	if err != nil {
		return nil
	}
	v, err := ParseReply(raw)
	if err != nil {
		return nil
	}
	st, err := slots.ParseConfig([]byte(v.Str), 0)
	if err != nil {
		return nil
	}
	return st
}

// ServersByID maps the node id of each of servers (its CLUSTER NODES myself
// line) to the server.
func ServersByID(t testing.TB, servers []*Server) map[string]*Server {
	t.Helper()
	byID := map[string]*Server{}
	for _, s := range servers {
		st := ClusterNodes(s)
		if st == nil {
			t.Fatalf("testutil: no CLUSTER NODES from %s", s.Addr())
		}
		byID[st.Myself.ID] = s
	}
	return byID
}

// SortedMasters returns the masters st lists, ordered by id.
func SortedMasters(st *slots.State) []*slots.Node {
	var masters []*slots.Node
	for _, n := range st.Sorted() {
		if n.IsMaster() {
			masters = append(masters, n)
		}
	}
	return masters
}
