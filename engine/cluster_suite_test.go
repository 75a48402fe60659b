package engine

// Cases from Redis 7.0.15's cluster tests (tests/unit/cluster, tests/cluster)
// that keygrid failed.

import (
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/keygrid/keygrid/slots"
)

// unit/cluster/misc "Key lazy expires during key migration": in a migrating slot
// an expired key counts as missing (Redis's LOOKUP_NOEXPIRE reports it expired
// without deleting it), so the client is sent to the target with ASK.
func TestClusterExpiredKeyInMigratingSlotAsks(t *testing.T) {
	_, tc, _ := clusterWithPeer(t, func(c *config.Config) { c.EnableDebugCommand = "yes" })
	// "b" is in slot 3300, ours.
	for _, c := range []struct {
		cmd  []string
		want string
	}{
		{[]string{"DEBUG", "SET-ACTIVE-EXPIRE", "0"}, "OK"},
		{[]string{"SET", "b", "1", "PX", "10"}, "OK"},
		{[]string{"CLUSTER", "SETSLOT", "3300", "MIGRATING", otherID}, "OK"},
	} {
		if got := tc.do(c.cmd...); got != c.want {
			t.Fatalf("%q = %q, want %q", c.cmd, got, c.want)
		}
	}
	time.Sleep(30 * time.Millisecond)
	if got := tc.do("GET", "b"); got != "-ASK 3300 127.0.0.2:7001" {
		t.Fatalf("GET of an expired key in a migrating slot = %q, want -ASK", got)
	}
	// Not deleted by the routing check (NOEXPIRE): the key is still in the slot.
	if got := tc.do("CLUSTER", "COUNTKEYSINSLOT", "3300"); got != ":1" {
		t.Fatalf("COUNTKEYSINSLOT 3300 = %q, want :1", got)
	}
}

// With tls-cluster yes a node's port is its TLS port and its plaintext port
// travels beside it (Redis's pport, deriveAnnouncedPorts); a plaintext client
// is given plaintext ports (cluster.c's use_pport) in CLUSTER SLOTS, NODES,
// REPLICAS and MOVED, and CLUSTER SHARDS names both.
func TestClusterTLSPorts(t *testing.T) {
	f := testutil.WriteTLSFiles(t)
	s, tc, _ := clusterWithPeer(t, func(c *config.Config) {
		c.TLSCertFile, c.TLSKeyFile, c.TLSCACertFile = f.Cert, f.Key, f.CACert
		c.TLSCluster = true
		// Announced only (no TLS listener in this test): Redis's
		// cluster-announce-tls-port and cluster-announce-port.
		c.ClusterAnnounceTLSPort, c.ClusterAnnouncePort = 7443, 6443
		c.ClusterBusSecret = "x"
	})
	// The peer announces TLS port 7001 and plaintext port 6001.
	peer := slots.NodeMeta{ID: otherID, IP: "127.0.0.2", Port: 7001, PPort: 6001, CPort: 17001, Hostname: "peer.example",
		Flags: slots.FlagMaster, ConfigEpoch: 2, CurrentEpoch: 2}
	for i := 8192; i < slots.Count; i++ {
		peer.Slots.Set(i)
	}
	s.ClusterNodeUpdate(peer)
	onLoop(t, s, func() {})
	if got := tc.do("GET", "foo"); got != "-MOVED 12182 127.0.0.2:6001" {
		t.Errorf("plaintext client: GET foo = %q, want the plaintext port", got)
	}
	if got := tc.do("CLUSTER", "NODES"); !strings.Contains(got, " 127.0.0.2:6001@17001,peer.example ") {
		t.Errorf("plaintext client: CLUSTER NODES = %q, want the peer's plaintext port", got)
	}
	slotsReply := tc.do("CLUSTER", "SLOTS")
	if !strings.Contains(slotsReply, "6001") || strings.Contains(slotsReply, "7001") {
		t.Errorf("plaintext client: CLUSTER SLOTS = %q, want plaintext ports only", slotsReply)
	}
	shards := tc.do("CLUSTER", "SHARDS")
	if !strings.Contains(shards, "port :6001 tls-port :7001 ip 127.0.0.2") || !strings.Contains(shards, "port :6443 tls-port :7443") {
		t.Errorf("CLUSTER SHARDS = %q, want port and tls-port of both nodes", shards)
	}
	if m := s.ClusterMyself(); m.Port != 7443 || m.PPort != 6443 {
		t.Errorf("myself announces port %d pport %d, want 7443 and 6443", m.Port, m.PPort)
	}
}
