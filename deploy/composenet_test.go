package deploy

// The bridge-network compose files (cluster-net.yml, sentinel-net.yml): helpers to
// run them from the host, which on Linux reaches every container's address
// directly, and to act on their containers with plain docker (kill, pause,
// disconnect, recreate on a new address), which works the same under
// `docker-compose` and `docker compose`.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// netProject is a running cluster-net.yml or sentinel-net.yml project.
type netProject struct {
	*composeProject
	network   string // the docker network of the project (<project>_keygrid)
	oldIP     string // the address of the container removeForNewIP removed
	squatters int    // squatter containers started (name-squatterN)
	faultIP   string // the address of the container the partition fault cut off
}

// startNetProject brings file up as a fresh project with the test image and env,
// and registers its removal (composeProject.up).
func startNetProject(t *testing.T, cmd []string, file, image string, env ...string) *netProject {
	t.Helper()
	root, err := testutil.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	// Letters and digits only: v1 and v2 derive container and network names from
	// the project name differently when it has other characters.
	name := fmt.Sprintf("kgnet%s%d", strings.TrimSuffix(strings.ReplaceAll(file, "-net", ""), ".yml"), rand.IntN(1e6))
	p := &netProject{composeProject: &composeProject{t: t, cmd: cmd, file: filepath.Join(root, "deploy", "compose", file),
		name: name, env: append(env, "KEYGRID_IMAGE="+image)}}
	p.up()
	// Whatever a drill left behind (a squatter container, a paused node) must not
	// keep `down` from removing the network.
	t.Cleanup(func() {
		for _, id := range p.containers() {
			exec.Command("docker", "unpause", id).Run()
		}
		for i := 1; i <= p.squatters; i++ {
			exec.Command("docker", "rm", "-f", fmt.Sprintf("%s-squatter%d", p.name, i)).Run()
		}
	})
	return p
}

// containerOf is the id of service's container (running or not), "" if none.
func (p *netProject) containerOf(service string) string {
	out, _ := dockerOut(30*time.Second, "ps", "-a", "-q", "--filter", "label=com.docker.compose.project="+p.name,
		"--filter", "label=com.docker.compose.service="+service)
	return strings.TrimSpace(out)
}

// containers are the ids of all the project's containers.
func (p *netProject) containers() []string {
	out, _ := dockerOut(30*time.Second, "ps", "-a", "-q", "--filter", "label=com.docker.compose.project="+p.name)
	return strings.Fields(out)
}

// ipOf is service's address on the project network ("" while it has none: stopped,
// disconnected), and records the network's name.
func (p *netProject) ipOf(service string) string {
	id := p.containerOf(service)
	if id == "" {
		return ""
	}
	out, err := dockerOut(30*time.Second, "inspect", "-f", `{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{$v.IPAddress}}{{"\n"}}{{end}}`, id)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 2 && strings.HasSuffix(f[0], "_keygrid") {
			p.network = f[0]
			return f[1]
		}
	}
	return ""
}

// dockerOut runs docker with a timeout and returns its combined output.
func dockerOut(timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("docker %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// waitFor polls cond every 250 ms until it holds (nil) or d passes (its last error).
func waitFor(d time.Duration, cond func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := cond()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(250 * time.Millisecond) // polling interval
	}
}

// do sends one command to addr and returns the raw reply.
func do(addr string, cmd ...string) (string, error) {
	c, err := testutil.Dial(addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetTimeout(3 * time.Second)
	raw, err := c.Do(cmd...)
	return string(raw), err
}

// bulk is the text of a bulk-string or status reply.
func bulk(raw string) string {
	if strings.HasPrefix(raw, "+") {
		return strings.TrimSuffix(raw[1:], "\r\n")
	}
	if i := strings.Index(raw, "\r\n"); i >= 0 && strings.HasPrefix(raw, "$") {
		return strings.TrimSuffix(raw[i+2:], "\r\n")
	}
	return raw
}

// ---- cluster-net.yml ----

const netNodes = 6

func nodeService(i int) string { return fmt.Sprintf("keygrid-%d", i) }

// clusterNode is one line of CLUSTER NODES.
type clusterNode struct {
	id, addr, hostname, flags, master, slots string
}

func clusterNodes(addr string) (map[string]clusterNode, error) {
	raw, err := do(addr, "CLUSTER", "NODES")
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(raw, "-") {
		return nil, fmt.Errorf("%s: %s", addr, strings.TrimSpace(raw))
	}
	nodes := map[string]clusterNode{}
	for _, line := range strings.Split(bulk(raw), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		n := clusterNode{id: f[0], flags: f[2], master: f[3], slots: strings.Join(f[8:], " ")}
		n.addr, n.hostname, _ = strings.Cut(f[1], ",")
		n.addr, _, _ = strings.Cut(n.addr, "@")
		nodes[n.id] = n
	}
	return nodes, nil
}

// clusterState is what a drill knows of the cluster-net project at one moment.
type clusterState struct {
	ip map[int]string // container index → address on the network
	id map[int]string // container index → node id
}

// clusterHealthy checks the cluster-net project from the host: every node answers
// at its container's current address with cluster_state:ok, knows six nodes at
// their current addresses with their hostnames (keygrid-N.keygrid) and no fail or
// handshake flag, and `redis-cli --cluster check` finds every slot covered, all
// nodes agreeing, 3 masters and 3 replicas. It returns the addresses and node ids.
func (p *netProject) clusterHealthy() (clusterState, error) {
	st := clusterState{ip: map[int]string{}, id: map[int]string{}}
	for i := 0; i < netNodes; i++ {
		ip := p.ipOf(nodeService(i))
		if ip == "" {
			return st, fmt.Errorf("%s has no address", nodeService(i))
		}
		st.ip[i] = ip
		addr := ip + ":6379"
		raw, err := do(addr, "CLUSTER", "INFO")
		if err != nil {
			return st, err
		}
		if !strings.Contains(raw, "cluster_state:ok\r\n") {
			return st, fmt.Errorf("%s (%s): cluster_state not ok", nodeService(i), addr)
		}
		raw, err = do(addr, "CLUSTER", "MYID")
		if err != nil {
			return st, err
		}
		st.id[i] = bulk(raw)
	}
	for i := 0; i < netNodes; i++ {
		nodes, err := clusterNodes(st.ip[i] + ":6379")
		if err != nil {
			return st, err
		}
		if len(nodes) != netNodes {
			return st, fmt.Errorf("%s knows %d nodes", nodeService(i), len(nodes))
		}
		for j := 0; j < netNodes; j++ {
			n, ok := nodes[st.id[j]]
			switch {
			case !ok:
				return st, fmt.Errorf("%s does not know %s (%s)", nodeService(i), nodeService(j), st.id[j])
			case n.addr != st.ip[j]+":6379":
				return st, fmt.Errorf("%s lists %s at %s, it is at %s", nodeService(i), nodeService(j), n.addr, st.ip[j])
			case n.hostname != nodeService(j)+".keygrid":
				return st, fmt.Errorf("%s lists %s with hostname %q", nodeService(i), nodeService(j), n.hostname)
			case strings.Contains(n.flags, "fail") || strings.Contains(n.flags, "handshake") || strings.Contains(n.flags, "noaddr"):
				return st, fmt.Errorf("%s flags %s %s", nodeService(i), nodeService(j), n.flags)
			}
		}
	}
	return st, clusterCheck(st.ip[0] + ":6379")
}

// clusterCheck runs the host's `redis-cli --cluster check` against addr.
func clusterCheck(addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	outb, err := exec.CommandContext(ctx, "redis-cli", "--cluster", "check", addr).CombinedOutput()
	out := string(outb)
	if err != nil {
		return fmt.Errorf("redis-cli --cluster check %s: %v\n%s", addr, err, out)
	}
	for _, want := range []string{"[OK] All nodes agree about slots configuration.", "[OK] All 16384 slots covered."} {
		if !strings.Contains(out, want) {
			return fmt.Errorf("redis-cli --cluster check %s: no %q\n%s", addr, want, out)
		}
	}
	if m, s := strings.Count(out, "M: "), strings.Count(out, "S: "); m != 3 || s != 3 {
		return fmt.Errorf("redis-cli --cluster check %s: %d masters, %d replicas, want 3 and 3\n%s", addr, m, s, out)
	}
	return nil
}

// waitClusterHealthy waits for clusterHealthy and fails the test with its last error.
func (p *netProject) waitClusterHealthy(t *testing.T, d time.Duration) clusterState {
	t.Helper()
	var st clusterState
	err := waitFor(d, func() error {
		var err error
		st, err = p.clusterHealthy()
		return err
	})
	if err != nil {
		t.Fatalf("cluster not healthy after %v: %v", d, err)
	}
	return st
}

// sameIDs fails unless the two states have the same node id for every container.
func sameIDs(t *testing.T, before, after clusterState) {
	t.Helper()
	for i := 0; i < netNodes; i++ {
		if before.id[i] != after.id[i] {
			t.Errorf("%s was node %s, is now %s", nodeService(i), before.id[i], after.id[i])
		}
	}
}

// removeForNewIP stops and removes service's container (its volume stays) and
// starts a squatter container that takes the address it had, as another pod would
// in Kubernetes, so that Docker cannot hand the same one back (it gives out the
// lowest free address). The squatter listens on no port a node uses.
func (p *netProject) removeForNewIP(t *testing.T, service string) {
	t.Helper()
	p.oldIP = p.ipOf(service)
	if out, err := p.run(2*time.Minute, "rm", "-f", "-s", service); err != nil {
		t.Fatalf("compose rm %s: %v\n%s", service, err, out)
	}
	p.squatters++
	if _, err := dockerOut(2*time.Minute, "run", "-d", "--name", fmt.Sprintf("%s-squatter%d", p.name, p.squatters), "--network", p.network,
		p.envValue("KEYGRID_IMAGE"), "server", "--port", "6390", "--save", ""); err != nil {
		t.Fatal(err)
	}
}

// recreateOnNewIP creates service's container again after removeForNewIP and
// returns the old and the new address. The squatter stays until the project goes:
// a hole in the addresses would be the next container's address when it
// reconnects (Docker gives the lowest free one), and a running node that changes
// its address is another matter (see the partition fault).
func (p *netProject) recreateOnNewIP(t *testing.T, service string) (string, string) {
	t.Helper()
	if out, err := p.run(2*time.Minute, "up", "-d", "--no-deps", service); err != nil {
		t.Fatalf("compose up %s: %v\n%s", service, err, out)
	}
	now := p.ipOf(service)
	if now == "" || now == p.oldIP {
		t.Fatalf("%s recreated at %q, had %s: no new address", service, now, p.oldIP)
	}
	return p.oldIP, now
}

func (p *netProject) envValue(key string) string {
	for _, kv := range p.env {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v
		}
	}
	return os.Getenv(key)
}

// ---- sentinel-net.yml ----

func dataService(i int) string     { return fmt.Sprintf("keygrid-data-%d", i) }
func sentinelService(i int) string { return fmt.Sprintf("keygrid-sentinel-%d", i) }

// sentinelMaster is the master address sentinel i names ("" if it names none).
func (p *netProject) sentinelMaster(i int) (string, error) {
	ip := p.ipOf(sentinelService(i))
	if ip == "" {
		return "", fmt.Errorf("%s has no address", sentinelService(i))
	}
	raw, err := do(ip+":26379", "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")
	if err != nil {
		return "", err
	}
	f := strings.Split(raw, "\r\n") // *2 $n ip $n port
	if len(f) < 5 || f[0] != "*2" {
		return "", fmt.Errorf("%s: get-master-addr-by-name: %q", sentinelService(i), raw)
	}
	return p.dataIP(f[2]) + ":" + f[4], nil
}

// dataIP is the address of a data node the sentinels name: host itself if it is
// an address, the container's current address if it is a data node's DNS name
// (announce-hostnames yes), which the host cannot resolve.
func (p *netProject) dataIP(host string) string {
	for i := 0; i < 3; i++ {
		if host == dataService(i)+".keygrid-data" || host == dataService(i) {
			return p.ipOf(dataService(i))
		}
	}
	return host
}

// sentinelHealthy is the sentinel drills' counterpart of `redis-cli --cluster
// check`: the three sentinels name one master, which is a data container's current
// address, says role:master and has the two others as online replicas whose links
// are up; SENTINEL CKQUORUM passes and every sentinel sees 2 replicas and 2 other
// sentinels. It returns the master's service index.
func (p *netProject) sentinelHealthy() (int, error) {
	master := ""
	for i := 0; i < 3; i++ {
		m, err := p.sentinelMaster(i)
		if err != nil {
			return -1, err
		}
		if master != "" && m != master {
			return -1, fmt.Errorf("%s names %s, another names %s", sentinelService(i), m, master)
		}
		master = m
	}
	idx := -1
	var replicas []string
	var replicaIdx []int
	for i := 0; i < 3; i++ {
		ip := p.ipOf(dataService(i))
		if ip+":6379" == master {
			idx = i
		} else {
			replicas = append(replicas, ip)
			replicaIdx = append(replicaIdx, i)
		}
	}
	if idx < 0 {
		return -1, fmt.Errorf("the sentinels name %s, no data container is there", master)
	}
	info, err := do(master, "INFO", "replication")
	if err != nil {
		return idx, err
	}
	if !strings.Contains(info, "role:master\r\n") || !strings.Contains(info, "connected_slaves:2\r\n") {
		return idx, fmt.Errorf("master %s: %q", master, info)
	}
	for j, r := range replicas {
		// The replicas announce their names (replica-announce-ip).
		name := dataService(replicaIdx[j]) + ".keygrid-data"
		if !strings.Contains(info, "ip="+r+",port=6379,state=online") && !strings.Contains(info, "ip="+name+",port=6379,state=online") {
			return idx, fmt.Errorf("master %s lists no online replica %s (%s): %q", master, r, name, info)
		}
		rinfo, err := do(r+":6379", "INFO", "replication")
		if err != nil {
			return idx, err
		}
		// The first replicas follow the master by name (--replicaof in the file);
		// the ones the sentinels reconfigured, by the address they name.
		byIP := strings.Contains(rinfo, "master_host:"+strings.TrimSuffix(master, ":6379")+"\r\n")
		byName := strings.Contains(rinfo, "master_host:"+dataService(idx)+".keygrid-data\r\n")
		if !(byIP || byName) || !strings.Contains(rinfo, "master_link_status:up\r\n") {
			return idx, fmt.Errorf("replica %s: %q", r, rinfo)
		}
	}
	for i := 0; i < 3; i++ {
		addr := p.ipOf(sentinelService(i)) + ":26379"
		raw, err := do(addr, "SENTINEL", "CKQUORUM", "mymaster")
		if err != nil || !strings.HasPrefix(raw, "+OK 3 usable Sentinels") {
			return idx, fmt.Errorf("%s ckquorum: %q %v", sentinelService(i), raw, err)
		}
		raw, err = do(addr, "SENTINEL", "MASTER", "mymaster")
		if err != nil {
			return idx, err
		}
		if !strings.Contains(raw, "$10\r\nnum-slaves\r\n$1\r\n2\r\n") || !strings.Contains(raw, "$19\r\nnum-other-sentinels\r\n$1\r\n2\r\n") {
			return idx, fmt.Errorf("%s sentinel master: %q", sentinelService(i), raw)
		}
		if strings.Contains(raw, "s_down") || strings.Contains(raw, "o_down") {
			return idx, fmt.Errorf("%s sees the master down: %q", sentinelService(i), raw)
		}
	}
	return idx, nil
}

func (p *netProject) waitSentinelHealthy(t *testing.T, d time.Duration) int {
	t.Helper()
	var idx int
	err := waitFor(d, func() error {
		var err error
		idx, err = p.sentinelHealthy()
		return err
	})
	if err != nil {
		t.Fatalf("sentinel group not healthy after %v: %v", d, err)
	}
	return idx
}

// sortedValues is m's values, sorted (for messages).
func sortedValues(m map[int]string) []string {
	var v []string
	for _, s := range m {
		v = append(v, s)
	}
	sort.Strings(v)
	return v
}
