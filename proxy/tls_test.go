package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keygrid/keygrid/internal/testutil"
)

// tlsClient is a go-redis client of p's TLS listener.
func tlsClient(t *testing.T, p *Proxy, cfg *tls.Config) *redis.Client {
	rc := redis.NewClient(&redis.Options{Addr: p.TLSAddr(), TLSConfig: cfg, DisableIdentity: true,
		MaxRetries: -1})
	t.Cleanup(func() { rc.Close() })
	return rc
}

// exerciseTLS runs, through rc, commands that take each of the proxy's paths: the
// loop (SET/GET, MGET split over slots) and a detached session (MULTI/EXEC).
func exerciseTLS(t *testing.T, rc *redis.Client, prefix string) {
	t.Helper()
	ctx := context.Background()
	var keys []string
	for i := range 50 {
		k := fmt.Sprintf("%s:%d", prefix, i)
		keys = append(keys, k)
		if err := rc.Set(ctx, k, i, 0).Err(); err != nil {
			t.Fatalf("SET %s: %v", k, err)
		}
	}
	vals, err := rc.MGet(ctx, keys...).Result()
	if err != nil {
		t.Fatalf("MGET: %v", err)
	}
	for i, v := range vals {
		if v != strconv.Itoa(i) {
			t.Fatalf("MGET[%d] = %v, want %d", i, v, i)
		}
	}
	k := "{" + prefix + "}tx"
	cmds, err := rc.TxPipelined(ctx, func(pl redis.Pipeliner) error {
		pl.Incr(ctx, k)
		pl.Incr(ctx, k)
		return nil
	})
	if err != nil || cmds[1].(*redis.IntCmd).Val() != 2 {
		t.Fatalf("MULTI/EXEC: %v %v", cmds, err)
	}
	// Back on the loop after EXEC.
	if v, err := rc.Get(ctx, keys[7]).Result(); err != nil || v != "7" {
		t.Fatalf("GET after EXEC = %q %v", v, err)
	}
}

// TestProxyTLSClients serves clients over TLS (tls-port beside the plain port) in
// front of a 3-master keygrid cluster, with client certificates required.
func TestProxyTLSClients(t *testing.T) {
	cl := testutil.StartCluster(t, "keygrid", 3, 0)
	f := testutil.WriteTLSFiles(t)
	p := startProxy(t, cl, func(c *Config) {
		c.TLSListen = "127.0.0.1:0"
		c.TLSCertFile, c.TLSKeyFile, c.TLSCACertFile = f.Cert, f.Key, f.CACert
	})
	ctx := context.Background()

	rc := tlsClient(t, p, f.ClientConfig(t, true))
	exerciseTLS(t, rc, "tls")
	// The plain listener still serves, and sees the same data.
	if v, err := client(t, p, 2).Get(ctx, "tls:3").Result(); err != nil || v != "3" {
		t.Fatalf("plain GET tls:3 = %q %v", v, err)
	}

	t.Run("no client certificate", func(t *testing.T) {
		rc := tlsClient(t, p, f.ClientConfig(t, false))
		if err := rc.Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("PING without a client certificate: %v; tls-auth-clients yes must refuse it", err)
		}
	})
	t.Run("wrong CA", func(t *testing.T) {
		cfg := f.ClientConfig(t, true)
		ca, err := os.ReadFile(f.OtherCACert)
		if err != nil {
			t.Fatal(err)
		}
		cfg.RootCAs = x509.NewCertPool()
		cfg.RootCAs.AppendCertsFromPEM(ca)
		if err := tlsClient(t, p, cfg).Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("PING trusting another CA: %v; the proxy's certificate must be refused", err)
		}
	})
	t.Run("redis-cli", func(t *testing.T) {
		cli, err := exec.LookPath("redis-cli")
		if err != nil {
			t.Skip("redis-cli not found")
		}
		_, port, _ := strings.Cut(p.TLSAddr(), ":")
		base := []string{"--tls", "--cacert", f.CACert, "--cert", f.ClientCert, "--key", f.ClientKey,
			"-h", "127.0.0.1", "-p", port}
		out, err := exec.Command(cli, append(base, "SET", "cli:k", "v1")...).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "OK" {
			t.Fatalf("redis-cli --tls SET: %v %q", err, out)
		}
		out, err = exec.Command(cli, append(base, "GET", "tls:42")...).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "42" {
			t.Fatalf("redis-cli --tls GET: %v %q", err, out)
		}
		// A plaintext client on the TLS port gets no reply (the handshake fails).
		out, _ = exec.Command(cli, "-h", "127.0.0.1", "-p", port, "PING").CombinedOutput()
		if strings.Contains(string(out), "PONG") {
			t.Fatalf("plaintext PING on the TLS port: %q", out)
		}
	})
	t.Run("auth-clients optional", func(t *testing.T) {
		p2 := startProxy(t, cl, func(c *Config) {
			c.TLSListen = "127.0.0.1:0"
			c.TLSCertFile, c.TLSKeyFile, c.TLSCACertFile = f.Cert, f.Key, f.CACert
			c.TLSAuthClients = "optional"
		})
		if v, err := tlsClient(t, p2, f.ClientConfig(t, false)).Get(ctx, "tls:5").Result(); err != nil || v != "5" {
			t.Fatalf("GET without a certificate, optional: %q %v", v, err)
		}
	})
}

// TestProxyTLSConfigErrors checks that the server's TLS start-up checks apply.
func TestProxyTLSConfigErrors(t *testing.T) {
	f := testutil.WriteTLSFiles(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--tls-port", "7778"}, "No tls-cert-file configured!"},
		{[]string{"--tls-port", "7778", "--tls-cert-file", f.Cert}, "No tls-key-file configured!"},
		{[]string{"--tls-port", "7778", "--tls-cert-file", f.Cert, "--tls-key-file", f.Key},
			"Either tls-ca-cert-file or tls-ca-cert-dir must be specified"},
		{[]string{"--tls-backends", "yes", "--tls-cert-file", f.Cert, "--tls-key-file", f.Key, "--tls-auth-clients", "no"},
			"Either tls-ca-cert-file or tls-ca-cert-dir must be specified"},
		{[]string{"--tls-port", "7778", "--tls-cert-file", f.Cert, "--tls-key-file", f.Key, "--tls-auth-clients", "no"}, ""},
		{[]string{"--tls-backends", "maybe"}, "--tls-backends must be yes or no"},
		{[]string{"--tls-auth-clients", "sometimes"}, "--tls-auth-clients must be yes, no or optional"},
	} {
		cfg, err := ParseArgs(append([]string{"--cluster", "127.0.0.1:1"}, tc.args...))
		if err == nil {
			_, err = New(cfg)
		}
		if tc.want == "" {
			if err != nil {
				t.Errorf("%v: %v", tc.args, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
	}

	// The config file takes the same names; tls-port lands on the listen host.
	conf := filepath.Join(t.TempDir(), "proxy.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("cluster 127.0.0.1:1\nlisten 127.0.0.2:7000\ntls-port 7001\n"+
		"tls-cert-file %s\ntls-key-file %s\ntls-ca-cert-file %s\ntls-auth-clients optional\ntls-backends yes\n",
		f.Cert, f.Key, f.CACert)), 0o600)
	cfg, err := ParseArgs([]string{conf})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLSListen != "127.0.0.2:7001" || cfg.TLSAuthClients != "optional" || !cfg.TLSBackends || cfg.TLSCACertFile != f.CACert {
		t.Fatalf("config file: %+v", cfg)
	}
	if _, err := New(cfg); err != nil {
		t.Fatal(err)
	}
}

// TestProxyTLSBackends runs the proxy with --tls-backends yes in front of a
// 3-master redis-server cluster whose nodes speak TLS among themselves
// (tls-cluster yes), so CLUSTER SLOTS over a TLS connection names TLS ports.
// testutil.StartCluster has no TLS option, so the cluster is built here.
func TestProxyTLSBackends(t *testing.T) {
	testProxyTLSBackends(t, func(args ...string) *testutil.Server {
		return testutil.StartRedis(t, args...)
	})
}

// TestProxyTLSBackendsKeygrid is TestProxyTLSBackends with keygrid nodes (issues
// #7/#9): with tls-cluster yes a keygrid node announces its TLS port as its port
// and its plaintext port beside it (Redis's pport), so TLS clients (the proxy
// with --tls-backends) are sent to TLS ports and plaintext clients to plaintext
// ports, as by redis-server. keygrid's bus is memberlist encrypted with a shared
// secret rather than TLS: cluster-bus-secret is what tls-cluster needs.
func TestProxyTLSBackendsKeygrid(t *testing.T) {
	testProxyTLSBackends(t, func(args ...string) *testutil.Server {
		return testutil.StartKeygrid(t, append(args, "--cluster-bus-secret", "tls-backends-test")...)
	})
}

func testProxyTLSBackends(t *testing.T, start func(args ...string) *testutil.Server) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not found")
	}
	f := testutil.WriteTLSFiles(t)
	var tlsAddrs []string
	var nodes []*testutil.Server
	for range 3 {
		port := testutil.FreePort(t)
		nodes = append(nodes, start("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "2000", "--appendonly", "no",
			"--tls-port", strconv.Itoa(port), "--tls-cert-file", f.Cert, "--tls-key-file", f.Key,
			"--tls-ca-cert-file", f.CACert, "--tls-cluster", "yes", "--tls-replication", "yes",
			// The nodes present their server certificate when they dial each other;
			// its usage is server authentication only, which OpenSSL refuses as a
			// client certificate.
			"--tls-auth-clients", "no"))
		tlsAddrs = append(tlsAddrs, "127.0.0.1:"+strconv.Itoa(port))
	}
	tlsArgs := []string{"--tls", "--cacert", f.CACert}
	create := append(append([]string{}, tlsArgs...), "--cluster", "create")
	create = append(append(create, tlsAddrs...), "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, create...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	testutil.WaitFor(t, 30*time.Second, func() bool {
		for _, a := range tlsAddrs {
			h, port, _ := strings.Cut(a, ":")
			out, err := exec.Command(cli, append(tlsArgs, "-h", h, "-p", port, "CLUSTER", "INFO")...).Output()
			if err != nil || !strings.Contains(string(out), "cluster_state:ok") {
				return false
			}
		}
		return true
	}, "TLS cluster state ok")
	checkTLSClusterPorts(t, f, nodes, tlsAddrs)

	p := startProxyAt(t, tlsAddrs[:1], func(c *Config) {
		c.TLSBackends = true
		c.TLSListen = "127.0.0.1:0"
		c.TLSCertFile, c.TLSKeyFile, c.TLSCACertFile = f.Cert, f.Key, f.CACert
	})
	exerciseTLS(t, tlsClient(t, p, f.ClientConfig(t, true)), "be")
	// Plain clients of the proxy reach the same TLS backends.
	if v, err := client(t, p, 2).Get(context.Background(), "be:9").Result(); err != nil || v != "9" {
		t.Fatalf("plain GET be:9 = %q %v", v, err)
	}
	// Every key really went to a TLS port: the nodes' data, read over TLS.
	total := 0
	for _, a := range tlsAddrs {
		h, port, _ := strings.Cut(a, ":")
		out, err := exec.Command(cli, append(tlsArgs, "-h", h, "-p", port, "DBSIZE")...).Output()
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
		total += n
	}
	if total != 51 { // 50 keys and the MULTI counter
		t.Fatalf("nodes hold %d keys, want 51", total)
	}

	// Without --tls-backends the proxy cannot speak to TLS-only addresses.
	cfg := DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	cfg.Seeds = tlsAddrs[:1]
	cfg.DialTimeout = 2 * time.Second
	px, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := px.Start(); err == nil {
		px.Shutdown()
		t.Fatal("a plaintext proxy started against TLS-only nodes")
	}
}

// checkTLSClusterPorts checks, on every node of a tls-cluster cluster, the ports
// Redis 7.0.15 gives by connection type (cluster.c's use_pport): over TLS, CLUSTER
// SLOTS, CLUSTER NODES and MOVED name each node's TLS port; over plaintext, its
// plaintext port; CLUSTER SHARDS gives both ("port" and "tls-port") either way.
func checkTLSClusterPorts(t *testing.T, f testutil.TLSFiles, nodes []*testutil.Server, tlsAddrs []string) {
	t.Helper()
	ctx := context.Background()
	type ports struct{ plain, tls int64 }
	byID := map[string]ports{}
	var plainC, tlsC []*redis.Client
	for i, n := range nodes {
		pc := redis.NewClient(&redis.Options{Addr: n.Addr(), DisableIdentity: true, MaxRetries: -1})
		tc := redis.NewClient(&redis.Options{Addr: tlsAddrs[i], TLSConfig: f.ClientConfig(t, false),
			DisableIdentity: true, MaxRetries: -1})
		t.Cleanup(func() { pc.Close(); tc.Close() })
		plainC, tlsC = append(plainC, pc), append(tlsC, tc)
		_, tp, _ := strings.Cut(tlsAddrs[i], ":")
		tport, _ := strconv.Atoi(tp)
		byID[must(pc.Do(ctx, "CLUSTER", "MYID").Text())] = ports{int64(n.Port()), int64(tport)}
	}
	for i := range nodes {
		for _, tlsConn := range []bool{false, true} {
			c, kind := plainC[i], "plaintext"
			if tlsConn {
				c, kind = tlsC[i], "TLS"
			}
			want := func(id string) int64 {
				p, ok := byID[id]
				if !ok {
					t.Fatalf("node %d: unknown node id %q", i, id)
				}
				if tlsConn {
					return p.tls
				}
				return p.plain
			}
			// Every node sees all three masters in CLUSTER SLOTS.
			testutil.WaitFor(t, 10*time.Second, func() bool {
				return len(must(c.ClusterSlots(ctx).Result())) == 3
			}, "3 slot ranges in CLUSTER SLOTS")
			for _, sl := range must(c.ClusterSlots(ctx).Result()) {
				for _, n := range sl.Nodes {
					port, _ := strconv.Atoi(n.Addr[strings.LastIndexByte(n.Addr, ':')+1:])
					if int64(port) != want(n.ID) {
						t.Errorf("node %d over %s: CLUSTER SLOTS names %s for %s, want port %d", i, kind, n.Addr, n.ID, want(n.ID))
					}
				}
			}
			for _, line := range strings.Split(strings.TrimSpace(must(c.ClusterNodes(ctx).Result())), "\n") {
				fs := strings.Fields(line)
				addr := strings.SplitN(fs[1], "@", 2)[0]
				if addr != "127.0.0.1:"+strconv.FormatInt(want(fs[0]), 10) {
					t.Errorf("node %d over %s: CLUSTER NODES address %s for %s, want port %d", i, kind, fs[1], fs[0], want(fs[0]))
				}
			}
			for _, sh := range must(c.ClusterShards(ctx).Result()) {
				for _, n := range sh.Nodes {
					if p := byID[n.ID]; n.Port != p.plain || n.TLSPort != p.tls {
						t.Errorf("node %d over %s: CLUSTER SHARDS port %d tls-port %d for %s, want %d %d", i, kind, n.Port, n.TLSPort, n.ID, p.plain, p.tls)
					}
				}
			}
			// A key this node does not serve: MOVED names the owner's port for
			// this connection type.
			for k := 0; ; k++ {
				key := "moved:" + strconv.Itoa(k)
				err := c.Get(ctx, key).Err()
				if err == nil || err == redis.Nil {
					continue
				}
				msg := err.Error()
				if !strings.HasPrefix(msg, "MOVED ") {
					t.Fatalf("node %d over %s: GET %s: %v", i, kind, key, err)
				}
				addr := strings.Fields(msg)[2]
				port, _ := strconv.Atoi(addr[strings.LastIndexByte(addr, ':')+1:])
				found := false
				for id := range byID {
					if int64(port) == want(id) {
						found = true
					}
				}
				if !found {
					t.Errorf("node %d over %s: %s names no %s port of the cluster", i, kind, msg, kind)
				}
				break
			}
		}
	}
}

// startProxyAt starts an in-process proxy with the given seeds.
func startProxyAt(t *testing.T, seeds []string, mutate func(*Config)) *Proxy {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	cfg.Seeds = seeds
	mutate(cfg)
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Shutdown)
	return p
}
