package sentinel

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"go.uber.org/zap/zaptest"
)

// A replica that announces a name (replica-announce-ip, as the Kubernetes
// manifests and sentinel-net.yml configure) is taken as redis-sentinel takes it:
// with resolve-hostnames and announce-hostnames no, by the address the name
// resolves to; with announce-hostnames yes, by the name itself (so a node back on
// a new address is the same instance). Both sentinels watch the same group; their
// SENTINEL REPLICAS name and ip fields must be equal.
func TestReplicaAnnouncedByNameMatchesRedisSentinel(t *testing.T) {
	t.Parallel()
	for _, announce := range []bool{false, true} {
		t.Run(fmt.Sprintf("announce-hostnames-%v", announce), func(t *testing.T) {
			master := testutil.StartRedis(t)
			testutil.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(master.Port()),
				"--replica-announce-ip", "localhost")
			yn := map[bool]string{false: "no", true: "yes"}[announce]
			raddr := startRedisSentinels(t, 1, master.Port(), "sentinel resolve-hostnames yes",
				"sentinel announce-hostnames "+yn)[0]

			ports := freePorts(t, 2)
			cfg := DefaultConfig()
			cfg.Port, cfg.Bind, cfg.Dir = ports[0], "127.0.0.1", t.TempDir()
			cfg.RaftPort, cfg.RaftPeers = ports[1], []string{fmt.Sprintf("127.0.0.1:%d@%d", ports[0], ports[1])}
			cfg.ResolveHostnames, cfg.AnnounceHostnames = true, announce
			mc := defaultMaster()
			mc.Name, mc.Host, mc.Port, mc.Quorum = "mymaster", "127.0.0.1", master.Port(), 1
			cfg.Masters = []*MasterConfig{mc}
			ks, err := New(cfg, "", zaptest.NewLogger(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := ks.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(ks.Shutdown)

			replica := func(addr string) map[string]string {
				c, err := testutil.Dial(addr)
				if err != nil {
					return nil
				}
				defer c.Close()
				raw, err := c.Do("SENTINEL", "REPLICAS", "mymaster")
				if err != nil {
					return nil
				}
				v, err := testutil.ParseReply(raw)
				if err != nil || len(v.Elems) != 1 {
					return nil
				}
				m := map[string]string{}
				for i := 0; i+1 < len(v.Elems[0].Elems); i += 2 {
					m[v.Elems[0].Elems[i].Str] = v.Elems[0].Elems[i+1].Str
				}
				return m
			}
			var k, r map[string]string
			waitFor(t, 30*time.Second, "both sentinels to list the replica", func() bool {
				k, r = replica(ks.Addr()), replica(raddr)
				return k != nil && r != nil && k["flags"] == "slave" && r["flags"] == "slave"
			})
			for _, f := range []string{"name", "ip", "port"} {
				if k[f] != r[f] {
					t.Errorf("SENTINEL REPLICAS %s: keygrid %q, redis-sentinel %q", f, k[f], r[f])
				}
			}
			want := map[bool]string{false: "127.0.0.1", true: "localhost"}[announce]
			if k["ip"] != want {
				t.Errorf("replica ip %q, want %q", k["ip"], want)
			}
		})
	}
}
