package node_test

// cluster-bus-secret (issue #11 part 5): nodes sharing the secret meet; a node
// with another secret, or none, is never heard by them, whichever side sends
// the MEET. Real processes, real memberlist traffic.

import (
	"crypto/tls"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// knownNodes is the number of lines of s's CLUSTER NODES.
// linkCount is how many rows CLUSTER LINKS lists (-1: no answer).
func linkCount(s *testutil.Server) int {
	v := do(s, "CLUSTER", "LINKS")
	if v == nil {
		return -1
	}
	return len(v.Elems)
}

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
	testutil.WaitFor(t, 10*time.Second, func() bool { return linkCount(a) == 2 && linkCount(b) == 2 },
		"a link to and from each other, sealed with the secret")
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

// tls-cluster yes: the bus is TLS with the nodes' certificates, as Redis's: nodes
// whose certificates the CA issued meet, a node with another CA's certificate is never
// heard, whichever side sends the MEET, and the bus port speaks TLS.
func TestClusterTLSBus(t *testing.T) {
	ours, theirs := testutil.WriteTLSFiles(t), testutil.WriteTLSFiles(t)
	start := func(f testutil.TLSFiles) *testutil.Server {
		return testutil.StartKeygrid(t, "--cluster-enabled", "yes", "--cluster-node-timeout", "2000",
			"--tls-cluster", "yes", "--tls-cert-file", f.Cert, "--tls-key-file", f.Key, "--tls-ca-cert-file", f.CACert)
	}
	a, b, stranger := start(ours), start(ours), start(theirs)
	meet := func(from, to *testutil.Server) {
		if v := do(from, "CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(to.Port())); v == nil || v.Str != "OK" {
			t.Fatalf("CLUSTER MEET: %+v", v)
		}
	}
	meet(a, b)
	testutil.WaitFor(t, 30*time.Second, func() bool { return knownNodes(a) == 2 && knownNodes(b) == 2 },
		"the two nodes with the same CA to know each other over the TLS bus")
	testutil.WaitFor(t, 10*time.Second, func() bool { return linkCount(a) == 2 && linkCount(b) == 2 },
		"a link to and from each other over TLS")
	meet(stranger, a)
	meet(b, stranger)
	deadline := time.Now().Add(6 * time.Second)
	for time.Now().Before(deadline) {
		if n := knownNodes(a); n != 2 {
			t.Fatalf("a knows %d nodes, want 2 (a node of another CA joined):\n%s", n, do(a, "CLUSTER", "NODES").Str)
		}
		if n := knownNodes(stranger); n != 1 {
			t.Fatalf("the stranger knows %d nodes, want 1", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The bus port completes a TLS handshake with our certificate; plain bytes get
	// no memberlist answer.
	cfg := ours.ClientConfig(t, true)
	cfg.InsecureSkipVerify = true
	conn, err := tls.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(a.Port()+10000)), cfg)
	if err != nil {
		t.Fatalf("TLS handshake with the bus port: %v", err)
	}
	conn.Close()
}
