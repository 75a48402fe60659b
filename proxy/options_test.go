package proxy

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/keygrid/keygrid/slots"
)

func slotsOf(k string) int { return slots.Slot([]byte(k)) }

func TestParseArgs(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "proxy.conf")
	os.WriteFile(conf, []byte("# proxy\ncluster a:1,b:2\nport 7000\nread-from replica\nrequirepass pw\n"), 0o644)
	cfg, err := ParseArgs([]string{conf, "--retry-deadline", "3s"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.Seeds, ",") != "a:1,b:2" || cfg.Listen != ":7000" || cfg.ReadFrom != "replica" ||
		cfg.Password != "pw" || cfg.RetryDeadline != 3*time.Second {
		t.Fatalf("config %+v", cfg)
	}
	if _, err := ParseArgs([]string{"--cluster", "a:1", "--read-from", "nearest"}); err == nil {
		t.Fatal("bad --read-from accepted")
	}
	if _, err := ParseArgs(nil); err == nil {
		t.Fatal("no --cluster accepted")
	}
}

// AUTH is checked at the proxy; read-from replica sends reads to replicas (with
// READONLY) and writes to masters; metrics are served.
func TestProxyOptions(t *testing.T) {
	cl := testutil.StartCluster(t, testutil.ClusterServer(), 3, 1)
	p := startProxy(t, cl, func(c *Config) {
		c.Password = "secret"
		c.ReadFrom = "replica"
		c.MetricsAddr = "127.0.0.1:0"
	})
	ctx := context.Background()
	anon := client(t, p, 2)
	if err := anon.Get(ctx, "x").Err(); err == nil || !strings.HasPrefix(err.Error(), "NOAUTH") {
		t.Fatalf("unauthenticated GET: %v", err)
	}
	bad := redis.NewClient(&redis.Options{Addr: p.Addr(), Password: "wrong", DisableIdentity: true})
	defer bad.Close()
	if err := bad.Ping(ctx).Err(); err == nil || !strings.HasPrefix(err.Error(), "WRONGPASS") {
		t.Fatalf("wrong password: %v", err)
	}
	rc := redis.NewClient(&redis.Options{Addr: p.Addr(), Password: "secret", DisableIdentity: true})
	defer rc.Close()
	must(rc.Set(ctx, "r", "v", 0).Result())
	// CLUSTER SLOTS lists a replica only once it has replicated something (Redis's
	// isReplicaAvailable); until then reads go to the master.
	testutil.WaitFor(t, 10*time.Second, func() bool {
		return len(p.topo.cur.Load().slots[slotsOf("r")].replicas) > 0
	}, "the proxy to learn the replicas")
	testutil.WaitFor(t, 5*time.Second, func() bool { return rc.Get(ctx, "r").Val() == "v" }, "read from replica")
	// The read went to a replica connection: one exists with READONLY set.
	ro := false
	p.backends.mu.RLock()
	for k := range p.backends.m {
		ro = ro || k.readonly
	}
	p.backends.mu.RUnlock()
	if !ro {
		t.Fatalf("no read-only backend connection was used; shards %+v %+v", *p.topo.cur.Load().shards[0], p.cmds.m["get"])
	}
}

func TestProxyMetrics(t *testing.T) {
	cl := testutil.StartCluster(t, testutil.ClusterServer(), 3, 0)
	p := startProxy(t, cl, nil)
	srv := httptestServer(t, p)
	rc := client(t, p, 2)
	must(rc.Set(context.Background(), "m", "1", 0).Result())
	resp, err := http.Get(srv + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`keygrid_proxy_requests_total{command="set"} 1`, "keygrid_proxy_topology_version 1",
		`keygrid_proxy_request_duration_seconds_count{command="set"} 1`, "keygrid_proxy_backend_errors_total 0"} {
		if !strings.Contains(string(body), want) {
			t.Fatalf("metrics lack %q:\n%s", want, body)
		}
	}
}
