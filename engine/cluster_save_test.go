package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
)

// waitNodesConf polls nodes.conf in dir until it contains every one of want.
func waitNodesConf(t *testing.T, dir string, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(filepath.Join(dir, "nodes.conf"))
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(string(data), w)
		}
		if ok {
			return string(data)
		}
		if time.Now().After(deadline) {
			t.Fatalf("nodes.conf = %q, want it to contain %q", data, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Every change of the configuration is saved (Redis's CLUSTER_TODO_SAVE_CONFIG),
// through the two files the save exchanges: after many saves nodes.conf holds the
// last state, is still locked against a second node, a file replaced behind the
// node's back is rewritten, and the temp file is gone once the node stops.
func TestClusterSaveEveryChange(t *testing.T) {
	dir := t.TempDir()
	s, addr := startClusterNode(t, dir, nil)
	tc := dialTest(t, addr)
	id := tc.do("CLUSTER", "MYID")
	tc.do("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
	tc.do("CLUSTER", "DELSLOTS", "7")
	for i := 0; i < 50; i++ {
		if got := tc.do("CLUSTER", "SETSLOT", "7", "IMPORTING", id); got != "OK" {
			t.Fatalf("SETSLOT IMPORTING = %q", got)
		}
		waitNodesConf(t, dir, "connected 0-6 8-16383 [7-<-"+id+"]\n")
		if got := tc.do("CLUSTER", "SETSLOT", "7", "STABLE"); got != "OK" {
			t.Fatalf("SETSLOT STABLE = %q", got)
		}
		if conf := waitNodesConf(t, dir, "connected 0-6 8-16383\n"); strings.Contains(conf, "[7-<-") {
			t.Fatalf("nodes.conf after STABLE = %q", conf)
		}
	}
	cfg := config.Default()
	cfg.ClusterEnabled, cfg.Dir, cfg.Port = true, dir, 0
	if _, err := New(Options{Config: cfg}); err == nil || !strings.Contains(err.Error(), "is already used by a different Redis Cluster node") {
		t.Fatalf("second node on the same file after 100 saves: %v", err)
	}

	// Replaced behind the node's back: an unchanged state is saved again.
	path := filepath.Join(dir, "nodes.conf")
	if err := os.WriteFile(path+".other", []byte("junk\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".other", path); err != nil {
		t.Fatal(err)
	}
	tc.do("CLUSTER", "SETSLOT", "7", "STABLE")
	waitNodesConf(t, dir, "connected 0-6 8-16383\n", "vars currentEpoch")

	onLoop(t, s, func() {})
	s.Shutdown()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left, _ := filepath.Glob(path + ".tmp-*")
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("temp files left after shutdown: %v", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, addr2 := startClusterNode(t, dir, nil)
	if nodes := dialTest(t, addr2).do("CLUSTER", "NODES"); !strings.Contains(nodes, id+" ") || !strings.Contains(nodes, "connected 0-6 8-16383") {
		t.Fatalf("CLUSTER NODES after restart = %q", nodes)
	}
}
