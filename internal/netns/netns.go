// Package netns builds small virtual networks of Linux network namespaces for the
// fault drills (issue #11): one namespace per host, all joined to one bridge, so
// that processes started inside them talk over real TCP/UDP through links the
// drill can cut, flap or make lossy.
//
// Layout of a Net (New, then AddHost per host):
//
//	kgd<pid>-<run>-hub             a namespace holding only the bridge br0
//	kgd<pid>-<run>-<host>  eth0 10.88.0.N/24 ─ veth ─ hN on br0 in the hub
//
// Nothing is created in the caller's own namespace (no interface, no address, no
// route), so concurrent test binaries, or a machine's real network, are never
// touched; the same 10.88.0.0/24 can exist in every Net at once. The test process
// reaches hosts by dialing from inside a namespace (Host.Dial), and starts
// servers with `ip netns exec` (Host.Command).
//
// Faults are iptables rules in a chain of our own (KGDRILL, hooked into INPUT)
// inside each host's namespace, on the receiving side only, so that senders see
// nothing (a DROP in OUTPUT would fail their sends with EPERM at once):
// Partition drops everything between groups of hosts, Isolate between one host
// and the rest, Cut/Uncut one pair (DROP, or REJECT with a TCP reset so that
// connections break at once instead of stalling), Loss drops a random fraction,
// Heal flushes them all. Netem adds tc netem delay or loss where the kernel has
// it.
//
// Cleanup: Close kills every process still inside the Net's namespaces and
// deletes them (the veth pairs go with them). A test binary that died before its
// Close leaves namespaces named with its pid; New sweeps those of dead pids.
package netns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// prefix starts every namespace name this package creates; the pid of the creating
// process follows, so a sweep can tell leftovers from a live run's namespaces.
const prefix = "kgd"

// chain is our iptables chain in each host namespace.
const chain = "KGDRILL"

// Available reports why namespaces cannot be used here (nil if they can): the
// drills that need them skip with this message.
func Available() error {
	if os.Geteuid() != 0 {
		return errors.New("network-namespace drills need root (ip netns, iptables)")
	}
	for _, tool := range []string{"ip", "iptables"} { // tc only for Netem, which reports its own error
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("network-namespace drills need %s: %v", tool, err)
		}
	}
	name := fmt.Sprintf("%s%d-probe", prefix, os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		return fmt.Errorf("ip netns add failed: %v: %s", err, strings.TrimSpace(string(out)))
	}
	defer exec.Command("ip", "netns", "del", name).Run()
	if out, err := exec.Command("ip", "netns", "exec", name, "iptables", "-L", "-n").CombinedOutput(); err != nil {
		return fmt.Errorf("iptables inside a namespace failed: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Net is a bridge and the hosts attached to it.
type Net struct {
	tag string // e.g. "kgd1234-" : every namespace name starts with it
	hub string

	mu     sync.Mutex
	hosts  []*Host
	closed bool
}

// Host is one namespace with one address on the Net.
type Host struct {
	Name string // as given to AddHost
	NS   string // the namespace's name (for `ip netns exec`)
	IP   string // its address on the bridge
	net  *Net
	idx  int
}

// New sweeps namespaces left by dead processes, then creates an empty Net.
func New() (*Net, error) {
	Sweep()
	n := &Net{tag: fmt.Sprintf("%s%d-", prefix, os.Getpid())}
	// Several Nets in one process (sequential tests) must not collide either.
	n.tag += strconv.FormatInt(time.Now().UnixNano()%1e6, 36) + "-"
	n.hub = n.tag + "hub"
	steps := [][]string{
		{"ip", "netns", "add", n.hub},
		{"ip", "-n", n.hub, "link", "set", "lo", "up"},
		{"ip", "-n", n.hub, "link", "add", "br0", "type", "bridge"},
		{"ip", "-n", n.hub, "link", "set", "br0", "up"},
	}
	for _, s := range steps {
		if err := run(s...); err != nil {
			n.Close()
			return nil, err
		}
	}
	return n, nil
}

// AddHost creates a namespace named after name, linked to the bridge, with the
// next address of 10.88.0.0/24 (from .11), and our iptables chain hooked in.
func (n *Net) AddHost(name string) (*Host, error) {
	n.mu.Lock()
	idx := len(n.hosts)
	if idx >= 200 {
		n.mu.Unlock()
		return nil, errors.New("netns: at most 200 hosts per Net")
	}
	h := &Host{Name: name, NS: n.tag + name, IP: fmt.Sprintf("10.88.0.%d", 11+idx), net: n, idx: idx}
	// Listed at once, so a concurrent AddHost takes the next address and Close
	// removes a half-made host.
	n.hosts = append(n.hosts, h)
	n.mu.Unlock()
	peer := fmt.Sprintf("h%d", idx)
	steps := [][]string{
		{"ip", "netns", "add", h.NS},
		{"ip", "-n", h.NS, "link", "set", "lo", "up"},
		// Both ends are created directly inside their namespaces: no name is ever
		// taken in the caller's namespace.
		{"ip", "-n", h.NS, "link", "add", "eth0", "type", "veth", "peer", "name", peer, "netns", n.hub},
		{"ip", "-n", n.hub, "link", "set", peer, "master", "br0"},
		{"ip", "-n", n.hub, "link", "set", peer, "up"},
		{"ip", "-n", h.NS, "addr", "add", h.IP + "/24", "dev", "eth0"},
		{"ip", "-n", h.NS, "link", "set", "eth0", "up"},
		{"ip", "netns", "exec", h.NS, "iptables", "-N", chain},
		{"ip", "netns", "exec", h.NS, "iptables", "-I", "INPUT", "-j", chain},
	}
	for _, s := range steps {
		if err := run(s...); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// Hosts returns the hosts in the order they were added.
func (n *Net) Hosts() []*Host {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]*Host(nil), n.hosts...)
}

// Close kills every process left in the Net's namespaces and deletes them. It is
// idempotent.
func (n *Net) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	names := []string{}
	for _, h := range n.hosts {
		names = append(names, h.NS)
	}
	names = append(names, n.hub)
	n.mu.Unlock()
	var errs []error
	for _, ns := range names {
		if err := deleteNS(ns); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Sweep deletes the namespaces this package created in processes that no longer
// run (a test binary killed by a timeout never ran its Close).
func Sweep() {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], prefix) {
			continue
		}
		rest := strings.TrimPrefix(f[0], prefix)
		i := strings.IndexByte(rest, '-')
		if i <= 0 {
			continue
		}
		pid, err := strconv.Atoi(rest[:i])
		if err != nil || pid == os.Getpid() || alive(pid) {
			continue
		}
		deleteNS(f[0])
	}
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// deleteNS kills the processes inside ns (SIGKILL, then waits for them to go) and
// deletes it.
func deleteNS(ns string) error {
	for range 50 {
		out, err := exec.Command("ip", "netns", "pids", ns).Output()
		if err != nil {
			break // the namespace does not exist (any more)
		}
		pids := strings.Fields(string(out))
		if len(pids) == 0 {
			break
		}
		for _, p := range pids {
			if pid, err := strconv.Atoi(p); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		time.Sleep(20 * time.Millisecond) // the killed processes are reaped by their parents
	}
	out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "No such file") {
		return fmt.Errorf("ip netns del %s: %v: %s", ns, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Command returns a command that runs name with args inside h's namespace.
func (h *Host) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", h.NS, name}, args...)...)
}

// Addr is h's address with port.
func (h *Host) Addr(port int) string { return net.JoinHostPort(h.IP, strconv.Itoa(port)) }

// Dial connects to addr from inside h's namespace. A socket belongs to the
// namespace of the thread that created it and keeps it for life, so the dial runs
// on a thread moved into h's namespace, and the connection is then used from any
// goroutine. Usable as go-redis's Options.Dialer.
func (h *Host) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var c net.Conn
	err := h.Do(func() error {
		var d net.Dialer
		var err error
		c, err = d.DialContext(ctx, network, addr)
		return err
	})
	return c, err
}

// Listen listens on addr inside h's namespace.
func (h *Host) Listen(network, addr string) (net.Listener, error) {
	var l net.Listener
	err := h.Do(func() error {
		var err error
		l, err = net.Listen(network, addr)
		return err
	})
	return l, err
}

// Do runs fn on an OS thread that is inside h's namespace for the call: sockets
// fn creates belong to h's network.
func (h *Host) Do(fn func() error) error {
	ch := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// Unlocked only if the thread is back in its own namespace: otherwise the
		// runtime must throw the thread away when this goroutine ends.
		restored := true
		defer func() {
			if restored {
				runtime.UnlockOSThread()
			}
		}()
		self, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			ch <- err
			return
		}
		defer self.Close()
		target, err := os.Open("/var/run/netns/" + h.NS)
		if err != nil {
			ch <- err
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- fmt.Errorf("setns %s: %w", h.NS, err)
			return
		}
		restored = false
		err = fn()
		restored = unix.Setns(int(self.Fd()), unix.CLONE_NEWNET) == nil
		ch <- err
	}()
	return <-ch
}

// Partition drops every packet between hosts of different groups; hosts in no
// group keep reaching everyone. It adds to the rules in force.
func (n *Net) Partition(groups ...[]*Host) error {
	for i, g := range groups {
		for j, other := range groups {
			if i == j {
				continue
			}
			for _, a := range g {
				for _, b := range other {
					if err := a.block(b); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// Isolate cuts h off from every other host of the Net but those in keep (for
// instance the test's client host).
func (n *Net) Isolate(h *Host, keep ...*Host) error {
	var others []*Host
outer:
	for _, o := range n.Hosts() {
		if o == h {
			continue
		}
		for _, k := range keep {
			if o == k {
				continue outer
			}
		}
		others = append(others, o)
	}
	return n.Partition([]*Host{h}, others)
}

// Heal removes every cut and partition rule (not netem).
func (n *Net) Heal() error {
	var errs []error
	for _, h := range n.Hosts() {
		if err := run("ip", "netns", "exec", h.NS, "iptables", "-F", chain); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// CutMode is how Cut breaks a link.
type CutMode int

const (
	// Drop loses packets silently: connections stall and TCP retransmits, as
	// when a cable or a switch fails; only timeouts notice.
	Drop CutMode = iota
	// Reset answers TCP with a reset (other packets are dropped): established
	// connections break at their next segment, either way, as when a firewall or
	// a NAT forgets a flow; new connections are refused.
	Reset
)

// Cut breaks the link between a and b in both directions.
func Cut(a, b *Host, mode CutMode) error {
	for _, p := range [][2]*Host{{a, b}, {b, a}} {
		specs := dropSpecs(p[1])
		if mode == Reset {
			specs = resetSpecs(p[1])
		}
		for _, spec := range specs {
			if err := run(append([]string{"ip", "netns", "exec", p[0].NS, "iptables", "-A", chain}, spec...)...); err != nil {
				return err
			}
		}
	}
	return nil
}

// Uncut removes the rules between a and b that Cut (or Partition) added.
func Uncut(a, b *Host) {
	for _, p := range [][2]*Host{{a, b}, {b, a}} {
		for _, spec := range append(dropSpecs(p[1]), resetSpecs(p[1])...) {
			// -D removes one copy and fails once none is left.
			for run(append([]string{"ip", "netns", "exec", p[0].NS, "iptables", "-D", chain}, spec...)...) == nil {
			}
		}
	}
}

// dropSpecs drop everything h receives from o. Only incoming packets are
// dropped: a DROP in OUTPUT fails the sender's own send with EPERM at once, which
// a real partition never does; with both sides dropping what they receive,
// nothing crosses and every send vanishes silently.
func dropSpecs(o *Host) [][]string {
	return [][]string{{"-s", o.IP, "-j", "DROP"}}
}

// resetSpecs answer every TCP segment from o with a reset and let o's resets in
// (a DROP of them would keep our own sockets from learning the link broke); other
// protocols are dropped. Each side of a cut rejects what it receives,
// so nothing TCP crosses, and both ends' connections break at their next segment.
// Like dropSpecs, only what h receives is filtered.
func resetSpecs(o *Host) [][]string {
	return [][]string{
		{"-s", o.IP, "-p", "tcp", "--tcp-flags", "RST", "RST", "-j", "RETURN"},
		{"-s", o.IP, "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"},
		{"-s", o.IP, "!", "-p", "tcp", "-j", "DROP"},
	}
}

// block drops what h receives from o (the caller blocks the other way on o).
func (h *Host) block(o *Host) error {
	for _, spec := range dropSpecs(o) {
		if err := run(append([]string{"ip", "netns", "exec", h.NS, "iptables", "-A", chain}, spec...)...); err != nil {
			return err
		}
	}
	return nil
}

// ErrNoNetem is returned by Netem when the kernel has no netem qdisc (some VM
// kernels are built without sch_netem); Loss still works there.
var ErrNoNetem = errors.New("the kernel has no netem qdisc (sch_netem)")

// Netem applies a tc netem qdisc to h's link (args as tc's, e.g. "delay",
// "100ms", "20ms", or "loss", "5%"); no args removes it.
func (h *Host) Netem(args ...string) error {
	if len(args) == 0 {
		out, err := exec.Command("ip", "netns", "exec", h.NS, "tc", "qdisc", "del", "dev", "eth0", "root").CombinedOutput()
		if err != nil && !strings.Contains(string(out), "No such file") && !strings.Contains(string(out), "handle of zero") {
			return fmt.Errorf("tc qdisc del: %v: %s", err, out)
		}
		return nil
	}
	out, err := exec.Command("ip", append([]string{"netns", "exec", h.NS, "tc", "qdisc", "replace", "dev", "eth0", "root", "netem"}, args...)...).CombinedOutput()
	if err != nil && strings.Contains(string(out), "qdisc kind is unknown") {
		return ErrNoNetem
	}
	if err != nil {
		return fmt.Errorf("tc netem %v: %v: %s", args, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Loss drops a random fraction p (0 < p < 1) of the packets h receives, with
// iptables' statistic match, which needs no netem; Heal removes it.
func (h *Host) Loss(p float64) error {
	return run("ip", "netns", "exec", h.NS, "iptables", "-A", chain, "-i", "eth0", "-m", "statistic",
		"--mode", "random", "--probability", strconv.FormatFloat(p, 'f', 4, 64), "-j", "DROP")
}

func run(argv ...string) error {
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
