package node_test

// cluster-bus-secret (issue #11 part 5): nodes sharing the secret meet; a node
// with another secret, or none, is never heard by them, whichever side sends
// the MEET. Real processes, real memberlist traffic.

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// knownNodes is the number of lines of s's CLUSTER NODES.
func knownNodes(s *testutil.Server) int {
	v := do(s, "CLUSTER", "NODES")
	if v == nil {
		return -1
	}
	return strings.Count(strings.TrimSpace(v.Str), "\n") + 1
}

func TestClusterBusSecret(t *testing.T) {
	start := func(secret string) *testutil.Server {
		args := []string{"--cluster-enabled", "yes", "--cluster-node-timeout", "2000"}
		if secret != "" {
			args = append(args, "--cluster-bus-secret", secret)
		}
		return testutil.StartKeygrid(t, args...)
	}
	a, b := start("sesame"), start("sesame")
	other, none := start("another secret"), start("")
	meet := func(from, to *testutil.Server) {
		if v := do(from, "CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(to.Port())); v == nil || v.Str != "OK" {
			t.Fatalf("CLUSTER MEET: %+v", v)
		}
	}
	meet(a, b)
	testutil.WaitFor(t, 30*time.Second, func() bool { return knownNodes(a) == 2 && knownNodes(b) == 2 },
		"the two nodes with the same secret to know each other")
	meet(a, other)
	meet(none, a)
	meet(other, b)
	meet(a, none)
	// The bus gossips every 100 ms and probes every ~200 ms: several seconds are
	// dozens of rounds in which an intruder would have been merged.
	deadline := time.Now().Add(6 * time.Second)
	for time.Now().Before(deadline) {
		if n := knownNodes(a); n != 2 {
			t.Fatalf("a knows %d nodes, want 2 (a node without the secret joined):\n%s", n, do(a, "CLUSTER", "NODES").Str)
		}
		if n := knownNodes(b); n != 2 {
			t.Fatalf("b knows %d nodes, want 2", n)
		}
		if n := knownNodes(other); n != 1 {
			t.Fatalf("the node with another secret knows %d nodes, want 1:\n%s", n, do(other, "CLUSTER", "NODES").Str)
		}
		if n := knownNodes(none); n != 1 {
			t.Fatalf("the node without a secret knows %d nodes, want 1:\n%s", n, do(none, "CLUSTER", "NODES").Str)
		}
		time.Sleep(100 * time.Millisecond) // sampling period of a negative check
	}
}

// tls-cluster maps to the bus encryption, which needs the secret.
func TestClusterTLSNeedsSecret(t *testing.T) {
	bin := testutil.BuildKeygrid(t)
	f := testutil.WriteTLSFiles(t)
	cmd := exec.Command(bin, "server", "--port", "0", "--save", "", "--dir", t.TempDir(), "--cluster-enabled", "yes",
		"--tls-cluster", "yes", "--tls-cert-file", f.Cert, "--tls-key-file", f.Key, "--tls-ca-cert-file", f.CACert)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "tls-cluster yes needs cluster-bus-secret") {
		t.Fatalf("tls-cluster without cluster-bus-secret: %v\n%s", err, out)
	}
}
