package sentinel

// Sentinel with TLS (issue #11 part 4): tls-port serves clients over TLS, and
// with tls-replication yes the sentinel monitors TLS-only nodes, as Redis
// Sentinel does. The nodes are real keygrid processes whose replication is TLS
// too.

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap/zaptest"
)

func TestSentinelTLS(t *testing.T) {
	f := testutil.WriteTLSFiles(t)
	tlsNode := func(port int, extra ...string) *testutil.Server {
		return testutil.StartKeygrid(t, append([]string{"--tls-port", strconv.Itoa(port), "--tls-cert-file", f.Cert,
			"--tls-key-file", f.Key, "--tls-ca-cert-file", f.CACert, "--tls-replication", "yes"}, extra...)...)
	}
	mport, rport := testutil.FreePort(t), testutil.FreePort(t)
	tlsNode(mport)
	tlsNode(rport, "--replicaof", "127.0.0.1", strconv.Itoa(mport))

	ports := freePorts(t, 3)
	cfg := DefaultConfig()
	cfg.Port, cfg.Bind, cfg.Dir = ports[0], "127.0.0.1", t.TempDir()
	cfg.RaftPort, cfg.RaftPeers = ports[1], []string{"127.0.0.1:" + strconv.Itoa(ports[0]) + "@" + strconv.Itoa(ports[1])}
	cfg.TLSPort = ports[2]
	cfg.TLS.CertFile, cfg.TLS.KeyFile, cfg.TLS.CACertFile, cfg.TLS.Replication = f.Cert, f.Key, f.CACert, true
	mc := defaultMaster()
	mc.Name, mc.Host, mc.Port, mc.Quorum = "mymaster", "127.0.0.1", mport, 1
	mc.DownAfter, mc.FailoverTimeout = drillDownAfter, 10*time.Second
	cfg.Masters = []*MasterConfig{mc}
	s, err := New(cfg, "", zaptest.NewLogger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)

	ctx := context.Background()
	sc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(cfg.TLSPort), TLSConfig: f.ClientConfig(t, true),
		DialTimeout: 10 * time.Second, ReadTimeout: 10 * time.Second, MaxRetries: -1, Protocol: 2, DisableIdentity: true})
	defer sc.Close()
	if err := sc.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING on the sentinel's tls-port: %v", err)
	}
	// Monitoring works through TLS: the master is not down, and its replica
	// (which announces its tls-port) is found from the master's INFO.
	waitFor(t, 30*time.Second, "the sentinel to see the master up and its replica over TLS", func() bool {
		v, err := sc.Do(ctx, "SENTINEL", "MASTER", "mymaster").Slice()
		if err != nil {
			return false
		}
		m := map[string]string{}
		for i := 0; i+1 < len(v); i += 2 {
			m[v[i].(string)] = v[i+1].(string)
		}
		if m["flags"] != "master" || m["num-slaves"] != "1" {
			return false
		}
		reps, err := sc.Do(ctx, "SENTINEL", "REPLICAS", "mymaster").Slice()
		if err != nil || len(reps) != 1 {
			return false
		}
		r := reps[0].([]any)
		fields := map[string]string{}
		for i := 0; i+1 < len(r); i += 2 {
			fields[r[i].(string)] = r[i+1].(string)
		}
		return fields["port"] == strconv.Itoa(rport) && !strings.Contains(fields["flags"], "disconnected") &&
			!strings.Contains(fields["flags"], "s_down")
	})
	// A client without a certificate is refused (tls-auth-clients yes, Redis's default).
	bad := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(cfg.TLSPort), TLSConfig: f.ClientConfig(t, false),
		DialTimeout: 10 * time.Second, ReadTimeout: 10 * time.Second, MaxRetries: -1, Protocol: 2, DisableIdentity: true})
	defer bad.Close()
	if err := bad.Ping(ctx).Err(); err == nil {
		t.Fatal("the sentinel served a TLS client without a certificate")
	}
}
