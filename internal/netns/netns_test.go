package netns

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// echo serves one-line echoes on l until it is closed.
func echo(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() { io.Copy(c, c); c.Close() }()
	}
}

// roundTrip dials addr from h and checks an echo within timeout.
func roundTrip(h *Host, addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := h.Dial(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte("hi\n")); err != nil {
		return err
	}
	buf := make([]byte, 3)
	_, err = io.ReadFull(c, buf)
	return err
}

func TestNetPartitionCutHeal(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	n, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	a, err := n.AddHost("a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := n.AddHost("b")
	if err != nil {
		t.Fatal(err)
	}
	c, err := n.AddHost("c")
	if err != nil {
		t.Fatal(err)
	}
	l, err := a.Listen("tcp", a.Addr(7000))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go echo(l)

	// The address exists in a's namespace only, not in the caller's own network
	// (dialing it from here is no test: a default route may lead to a proxy).
	if l2, err := net.Listen("tcp", a.Addr(7001)); err == nil {
		l2.Close()
		t.Fatalf("%s exists in the test's own namespace", a.IP)
	}
	for _, h := range []*Host{b, c} {
		if err := roundTrip(h, a.Addr(7000), 10*time.Second); err != nil {
			t.Fatalf("from %s before any fault: %v", h.Name, err)
		}
	}

	// A partition {a} | {b}: c, in no group, still reaches a.
	if err := n.Partition([]*Host{a}, []*Host{b}); err != nil {
		t.Fatal(err)
	}
	if err := roundTrip(b, a.Addr(7000), 500*time.Millisecond); err == nil {
		t.Fatal("b reached a across the partition")
	}
	if err := roundTrip(c, a.Addr(7000), 10*time.Second); err != nil {
		t.Fatalf("c, outside the partition: %v", err)
	}
	if err := n.Heal(); err != nil {
		t.Fatal(err)
	}
	if err := roundTrip(b, a.Addr(7000), 10*time.Second); err != nil {
		t.Fatalf("after Heal: %v", err)
	}

	// A Reset cut breaks an established connection at its next segment.
	conn, err := b.Dial(context.Background(), "tcp", a.Addr(7000))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := Cut(a, b, Reset); err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	conn.Write([]byte("x\n"))
	_, err = conn.Read(make([]byte, 1))
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("read across a reset cut: %v, want a reset", err)
	}
	Uncut(a, b)
	if err := roundTrip(b, a.Addr(7000), 10*time.Second); err != nil {
		t.Fatalf("after Uncut: %v", err)
	}
	out, _ := exec.Command("ip", "netns", "exec", a.NS, "iptables", "-S", chain).Output()
	if strings.Count(string(out), "\n") != 1 { // only "-N KGDRILL"
		t.Fatalf("rules left after Uncut:\n%s", out)
	}

	if err := a.Netem("delay", "200ms"); errors.Is(err, ErrNoNetem) {
		t.Log("no netem in this kernel: delay not checked")
	} else if err != nil {
		t.Fatal(err)
	} else {
		start := time.Now()
		if err := roundTrip(b, a.Addr(7000), 10*time.Second); err != nil {
			t.Fatal(err)
		}
		// Connect and echo cross a's link twice each way: at least 2 delayed round trips.
		if d := time.Since(start); d < 400*time.Millisecond {
			t.Fatalf("round trip with 200ms netem took %v", d)
		}
		if err := a.Netem(); err != nil {
			t.Fatal(err)
		}
	}

	// Total loss through the statistic match: nothing gets through.
	if err := a.Loss(0.9999); err != nil {
		t.Fatal(err)
	}
	if err := roundTrip(b, a.Addr(7000), 500*time.Millisecond); err == nil {
		t.Fatal("a round trip survived 99.99% loss")
	}
	if err := n.Heal(); err != nil {
		t.Fatal(err)
	}
	if err := roundTrip(b, a.Addr(7000), 10*time.Second); err != nil {
		t.Fatalf("after healing the loss: %v", err)
	}

	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	list, _ := exec.Command("ip", "netns", "list").Output()
	if strings.Contains(string(list), n.tag) {
		t.Fatalf("namespaces left after Close:\n%s", list)
	}
}

// TestSweepRemovesDeadOwners: a namespace named for a pid that no longer runs
// (a test binary killed mid-drill) is removed by the next New; one of a live pid
// is left alone.
func TestSweepRemovesDeadOwners(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := fmt.Sprintf("%s%d-test-hub", prefix, dead.Process.Pid)
	live := fmt.Sprintf("%s%d-test-live", prefix, 1) // pid 1 always runs
	for _, ns := range []string{stale, live} {
		if err := run("ip", "netns", "add", ns); err != nil {
			t.Fatal(err)
		}
	}
	defer deleteNS(live)
	defer deleteNS(stale)
	Sweep()
	list, _ := exec.Command("ip", "netns", "list").Output()
	if strings.Contains(string(list), stale) {
		t.Errorf("%s (owner pid %d dead) survived the sweep", stale, dead.Process.Pid)
	}
	if !strings.Contains(string(list), live) {
		t.Errorf("%s (owner pid 1 alive) was swept", live)
	}
}
