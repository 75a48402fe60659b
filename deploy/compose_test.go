package deploy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// composeCommands returns every way to run Compose here: the v2 plugin (`docker
// compose`) if the engine's CLI has it, and the standalone `docker-compose`; the
// files are meant for both. deploy/install-compose-v2.sh installs the plugin.
func composeCommands(t *testing.T) [][]string {
	t.Helper()
	var cmds [][]string
	if exec.Command("docker", "compose", "version").Run() == nil {
		cmds = append(cmds, []string{"docker", "compose"})
	}
	if _, err := exec.LookPath("docker-compose"); err == nil {
		cmds = append(cmds, []string{"docker-compose"})
	}
	if len(cmds) == 0 {
		t.Skip("neither `docker compose` nor docker-compose installed")
	}
	return cmds
}

// composeCommand is the first of composeCommands: v2 where it is installed.
func composeCommand(t *testing.T) []string {
	t.Helper()
	return composeCommands(t)[0]
}

// composeProject is one `-p name -f file` instance of a compose file, with the
// environment that picks its image and ports.
type composeProject struct {
	t    *testing.T
	cmd  []string
	file string
	name string
	env  []string
}

func (p *composeProject) run(timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	argv := append(append(append([]string{}, p.cmd[1:]...), "-p", p.name, "-f", p.file), args...)
	c := exec.CommandContext(ctx, p.cmd[0], argv...)
	c.Env = append(os.Environ(), p.env...)
	out, err := c.CombinedOutput()
	return string(out), err
}

// up starts the project and registers its removal, volumes included, and a dump of
// its logs if the test failed.
func (p *composeProject) up() {
	p.t.Helper()
	p.t.Cleanup(func() {
		if p.t.Failed() {
			logs, _ := p.run(time.Minute, "logs", "--no-color", "--tail", "40")
			p.t.Logf("compose logs:\n%s", logs)
		}
		if out, err := p.run(2*time.Minute, "down", "-v", "--remove-orphans"); err != nil {
			p.t.Logf("compose down: %v\n%s", err, out)
		}
	})
	if out, err := p.run(2*time.Minute, "up", "-d"); err != nil {
		p.t.Fatalf("compose up: %v\n%s", err, out)
	}
}

// freePorts picks n ports on 127.0.0.1 that are free together with port+10000 (the
// cluster bus; sentinels' raft shares their port), since the compose files use the host's
// network and other tests run on this machine.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	free := func(p int) bool {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			return false
		}
		l.Close()
		return true
	}
	// Below the kernel's ephemeral range, port and bus port both: a port in it that is
	// free now can be taken by another test's outgoing connection before the node
	// binds it (CI: a node's bus port 48166 was "address already in use").
	base, span := 20000, 20000
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if lo, err := strconv.Atoi(f[0]); err == nil && lo-10000-10000 >= 2000 {
				base, span = 10000, lo-10000-10000
			}
		}
	}
	used := map[int]bool{}
	var ports []int
	for tries := 0; len(ports) < n; tries++ {
		if tries > 1000 {
			t.Fatal("no free ports")
		}
		p := base + rand.IntN(span)
		if used[p] || used[p+10000] || used[p-10000] || !free(p) || !free(p+10000) {
			continue
		}
		used[p] = true
		ports = append(ports, p)
	}
	return ports
}

// redisCLI runs the host's redis-cli, as a user of the compose files does.
func redisCLI(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// doUntil sends cmd to addr until the raw reply is want or the deadline passes.
func doUntil(t *testing.T, addr string, want string, d time.Duration, cmd ...string) {
	t.Helper()
	doUntilMatch(t, addr, want, func(got string) bool { return got == want }, d, cmd...)
}

// doUntilMatch is doUntil with a predicate on the raw reply; want describes it.
func doUntilMatch(t *testing.T, addr, want string, match func(string) bool, d time.Duration, cmd ...string) {
	t.Helper()
	var got []byte
	var err error
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		var c *testutil.Conn
		if c, err = testutil.Dial(addr); err != nil {
			continue
		}
		got, err = c.Do(cmd...)
		c.Close()
		if err == nil && match(string(got)) {
			return
		}
	}
	t.Fatalf("%s %v: %q %v, want %q", addr, cmd, got, err, want)
}

// TestCompose brings up deploy/compose/cluster.yml and sentinel.yml with the image
// built from this tree, waits for the cluster to bootstrap itself, and uses each
// from the host the way their header comments tell a user to, through one sentinel
// failover; with `docker compose` and with `docker-compose`, whichever are installed
// (side by side: distinct projects and ports).
func TestCompose(t *testing.T) {
	dockerOrSkip(t)
	cmds := composeCommands(t)
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Fatal("redis-cli not installed (make deps)")
	}
	tag := buildImage(t)
	t.Parallel() // with the drills: the package's Docker tests overlap
	for _, cmd := range cmds {
		t.Run(strings.Join(cmd, "_"), func(t *testing.T) { // docker_compose (v2), docker-compose (v1)
			t.Parallel()
			t.Logf("running the compose files with %q", strings.Join(cmd, " "))
			testComposeWith(t, cmd, tag)
		})
	}
}

func testComposeWith(t *testing.T, cmd []string, tag string) {
	root, err := testutil.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "deploy", "compose")
	project := func(t *testing.T, file string, env ...string) *composeProject {
		name := fmt.Sprintf("kgtest%s%d", strings.TrimSuffix(file, ".yml"), rand.IntN(1e6))
		return &composeProject{t: t, cmd: cmd, file: filepath.Join(dir, file), name: name,
			env: append(env, "KEYGRID_IMAGE="+tag)}
	}

	t.Run("cluster", func(t *testing.T) {
		ports := freePorts(t, 7)
		env := []string{fmt.Sprintf("KEYGRID_PROXY_PORT=%d", ports[0])}
		for i, p := range ports[1:] {
			env = append(env, fmt.Sprintf("KEYGRID_NODE%d_PORT=%d", i+1, p))
		}
		p := project(t, "cluster.yml", env...)
		p.up()

		// No cluster-create.sh: the nodes bootstrap themselves (cluster-bootstrap-*
		// in cluster.yml), so `up -d` alone must give a serving cluster. Generous:
		// the six containers start one after another on a loaded machine.
		for _, port := range ports[1:] {
			doUntilMatch(t, fmt.Sprintf("127.0.0.1:%d", port), "cluster_state:ok", func(got string) bool {
				return strings.Contains(got, "cluster_state:ok\r\n")
			}, 2*time.Minute, "CLUSTER", "INFO")
		}
		first := fmt.Sprintf("127.0.0.1:%d", ports[1])
		out := redisCLI(t, "--cluster", "check", first)
		if !strings.Contains(out, "[OK] All 16384 slots covered.") {
			t.Fatalf("cluster check:\n%s", out)
		}
		// 3 masters with 1 replica each, as --cluster-replicas 1 makes them.
		if n := strings.Count(out, "M: "); n != 3 || strings.Count(out, "S: ") != 3 {
			t.Fatalf("cluster check: %d masters, %d replicas, want 3 and 3:\n%s", n, strings.Count(out, "S: "), out)
		}
		// The script stays usable: on the formed cluster it is a no-op that succeeds.
		create := exec.Command(filepath.Join(dir, "cluster-create.sh"))
		create.Env = append(os.Environ(), env...)
		if out, err := create.CombinedOutput(); err != nil || !strings.Contains(string(out), "already created") {
			t.Fatalf("cluster-create.sh: %v\n%s", err, out)
		}

		// A redirection from a node names an address the host can use.
		c, err := testutil.Dial(first)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		moved := false
		for i := 0; i < 50 && !moved; i++ {
			key := fmt.Sprintf("key%d", i)
			raw, err := c.Do("GET", key)
			if err != nil {
				t.Fatal(err)
			}
			if f := strings.Fields(string(raw)); len(f) == 3 && f[0] == "-MOVED" {
				moved = true
				doUntil(t, f[2], "$-1\r\n", 5*time.Second, "GET", key)
			}
		}
		if !moved {
			t.Fatal("no key of 50 redirected away from the first node")
		}

		proxy := fmt.Sprintf("127.0.0.1:%d", ports[0])
		doUntil(t, proxy, "+OK\r\n", 20*time.Second, "SET", "greeting", "hello")
		doUntil(t, proxy, "$5\r\nhello\r\n", 5*time.Second, "GET", "greeting")
	})

	t.Run("sentinel", func(t *testing.T) {
		ports := freePorts(t, 6)
		names := []string{"MASTER", "REPLICA1", "REPLICA2", "SENTINEL1", "SENTINEL2", "SENTINEL3"}
		var env []string
		for i, n := range names {
			env = append(env, fmt.Sprintf("KEYGRID_%s_PORT=%d", n, ports[i]))
		}
		p := project(t, "sentinel.yml", env...)
		p.up()

		master := fmt.Sprintf("127.0.0.1:%d", ports[0])
		want := fmt.Sprintf("*2\r\n$9\r\n127.0.0.1\r\n$%d\r\n%d\r\n", len(strconv.Itoa(ports[0])), ports[0])
		for _, s := range ports[3:] {
			doUntil(t, fmt.Sprintf("127.0.0.1:%d", s), want, 30*time.Second, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")
		}
		doUntil(t, master, "+OK\r\n", 10*time.Second, "SET", "greeting", "hello")
		for _, r := range ports[1:3] {
			doUntil(t, fmt.Sprintf("127.0.0.1:%d", r), "$5\r\nhello\r\n", 20*time.Second, "GET", "greeting")
		}
		// The sentinels found both replicas through the master.
		numSlaves := "$10\r\nnum-slaves\r\n$1\r\n2\r\n"
		doUntilMatch(t, fmt.Sprintf("127.0.0.1:%d", ports[3]), "num-slaves 2", func(got string) bool {
			return strings.Contains(got, numSlaves)
		}, 30*time.Second, "SENTINEL", "MASTER", "mymaster")

		// Failover: with the master container stopped, the sentinels name a replica by
		// an address the host can write to.
		if out, err := p.run(time.Minute, "stop", "master"); err != nil {
			t.Fatalf("compose stop master: %v\n%s", err, out)
		}
		promoted := func(got string) bool {
			for _, r := range ports[1:3] {
				if strings.HasSuffix(got, fmt.Sprintf("\r\n%d\r\n", r)) {
					return true
				}
			}
			return false
		}
		sentinel := fmt.Sprintf("127.0.0.1:%d", ports[4])
		doUntilMatch(t, sentinel, "a replica's address", promoted, 40*time.Second, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")
		c, err := testutil.Dial(sentinel)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		raw, err := c.Do("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Split(string(raw), "\r\n") // *2 $9 127.0.0.1 $n port
		if len(f) < 5 {
			t.Fatalf("get-master-addr-by-name: %q", raw)
		}
		doUntil(t, net.JoinHostPort(f[2], f[4]), "+OK\r\n", 10*time.Second, "SET", "after", "failover")
	})
}
