package gossip

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/slots"
)

// TestGossipCostSplit is TestGossipCost for clusters too big for one process:
// every node keeps a link (two TCP sockets) to every other, so 100 in-process
// nodes need about 20,000 descriptors, this machine's hard limit. The nodes
// are spread over GOSSIP_COST_WORKERS (4) copies of this test binary
// (TestGossipCostWorker), all on loopback; each worker reports what its nodes
// sent during the same window, and how many peers its nodes hold PFAIL or FAIL
// at its end (0 in a healthy cluster). Run with
// GOSSIP_COST=1 go test -v -run TestGossipCostSplit ./gossip
// (GOSSIP_COST_SPLIT lists the sizes, "3 10 30 100" by default;
// GOSSIP_COST_SECONDS sets the window, 60 s by default: the thinned push/pull
// comes about every 90 s per node at 100 nodes).
func TestGossipCostSplit(t *testing.T) {
	if os.Getenv("GOSSIP_COST") == "" {
		t.Skip("set GOSSIP_COST=1 to measure the gossip cost")
	}
	sizes := strings.Fields(os.Getenv("GOSSIP_COST_SPLIT"))
	if len(sizes) == 0 {
		sizes = []string{"3", "10", "30", "100"}
	}
	for _, size := range sizes {
		total, _ := strconv.Atoi(size)
		t.Run(size, func(t *testing.T) { gossipCostSplit(t, total) })
	}
}

func gossipCostSplit(t *testing.T, total int) {
	workers, window := envInt("GOSSIP_COST_WORKERS", 4), envInt("GOSSIP_COST_SECONDS", 60)
	type worker struct {
		cmd   *exec.Cmd
		in    io.WriteCloser
		lines chan string
	}
	start := func(first, count, seed int) *worker {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestGossipCostWorker$", "-test.timeout", "30m")
		cmd.Env = append(os.Environ(), "GOSSIP_COST_WORKER="+fmt.Sprintf("%d,%d,%d,%d,%d", total, first, count, seed, window))
		cmd.Stderr = os.Stderr
		in, _ := cmd.StdinPipe()
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		w := &worker{cmd: cmd, in: in, lines: make(chan string, 16)}
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if l := sc.Text(); strings.HasPrefix(l, "GOSSIP ") {
					w.lines <- strings.TrimPrefix(l, "GOSSIP ")
				}
			}
			close(w.lines)
		}()
		t.Cleanup(func() { in.Close(); cmd.Process.Kill(); cmd.Wait() })
		return w
	}
	expect := func(w *worker, prefix string, within time.Duration) string {
		select {
		case l, ok := <-w.lines:
			if !ok || !strings.HasPrefix(l, prefix) {
				t.Fatalf("worker: got %q, want %s", l, prefix)
			}
			return strings.TrimSpace(strings.TrimPrefix(l, prefix))
		case <-time.After(within):
			t.Fatalf("worker: no %s within %v", prefix, within)
		}
		return ""
	}
	per := (total + workers - 1) / workers
	ws := []*worker{start(0, per, 0)}
	seed, _ := strconv.Atoi(expect(ws[0], "SEED", time.Minute))
	for first := per; first < total; first += per {
		ws = append(ws, start(first, min(per, total-first), seed))
	}
	began := time.Now()
	for _, w := range ws {
		expect(w, "READY", 10*time.Minute)
	}
	t.Logf("%d nodes in %d processes: every node sees every node after %v", total, len(ws), time.Since(began).Round(time.Second))
	for _, w := range ws {
		fmt.Fprintln(w.in, "GO")
	}
	var sum [7]int64
	for _, w := range ws {
		f := strings.Fields(expect(w, "RESULT", time.Duration(window+120)*time.Second))
		for i := range sum {
			v, _ := strconv.ParseInt(f[i], 10, 64)
			sum[i] += v
		}
	}
	for _, w := range ws {
		fmt.Fprintln(w.in, "STOP")
	}
	n, sec := float64(total), float64(window)
	t.Logf("N=%3d per node: %7.0f bytes/s sent (%.0f on streams), %5.2f packets/s, %5.3f streams/s, periodic push/pulls %.4f/s of %.4f/s started (window %ds); peers held PFAIL/FAIL at the end: %d",
		total, float64(sum[0])/n/sec, float64(sum[1])/n/sec, float64(sum[2])/n/sec, float64(sum[3])/n/sec,
		float64(sum[6])/n/sec, float64(sum[5])/n/sec, window, sum[4])
	if sum[4] != 0 {
		t.Errorf("the idle cluster is not healthy: %d PFAIL/FAIL verdicts", sum[4])
	}
}

// TestGossipCostWorker runs a share of TestGossipCostSplit's nodes; it talks to
// the parent on stdin and stdout.
func TestGossipCostWorker(t *testing.T) {
	spec := os.Getenv("GOSSIP_COST_WORKER")
	if spec == "" {
		t.Skip("started by TestGossipCostSplit")
	}
	var total, first, count, seed, window int
	fmt.Sscanf(spec, "%d,%d,%d,%d,%d", &total, &first, &count, &seed, &window)
	var nodes []*testNode
	for i := first; i < first+count; i++ {
		nodes = append(nodes, startNode(t, 15*time.Second, func(st *slots.State) {
			for s := i * slots.Count / total; s < (i+1)*slots.Count/total; s++ {
				st.SetOwner(s, st.Myself)
			}
			st.Myself.ConfigEpoch = uint64(i + 1)
			st.CurrentEpoch = uint64(total)
		}))
	}
	joiners := nodes
	if seed == 0 {
		seed, joiners = nodes[0].bus.Port(), nodes[1:]
		fmt.Println("GOSSIP SEED", seed)
	}
	for _, n := range joiners {
		n.bus.Meet("127.0.0.1", 0, seed)
		time.Sleep(20 * time.Millisecond)
	}
	waitFor(t, 10*time.Minute, "every node to see every node", func() bool {
		for _, n := range nodes {
			if n.bus.numNodes() != total {
				return false
			}
		}
		return true
	})
	fmt.Println("GOSSIP READY")
	in := bufio.NewScanner(os.Stdin)
	if !in.Scan() || in.Text() != "GO" {
		t.Fatal("no GO from the parent")
	}
	before := make([]Traffic, len(nodes))
	var tried, sent int64
	gate := func(n *testNode) *pushPullGate { return n.bus.tr.Load().pushPull.Load() }
	for i, n := range nodes {
		before[i] = n.bus.Traffic()
		tried, sent = tried-gate(n).tried.Load(), sent-gate(n).sent.Load()
	}
	time.Sleep(time.Duration(window) * time.Second)
	var bytes, streamBytes, packets, streams, bad int64
	for i, n := range nodes {
		a := n.bus.Traffic()
		bytes += a.BytesOut - before[i].BytesOut
		streamBytes += a.StreamBytesOut - before[i].StreamBytesOut
		packets += a.PacketsOut - before[i].PacketsOut
		streams += a.StreamsOut - before[i].StreamsOut
		tried, sent = tried+gate(n).tried.Load(), sent+gate(n).sent.Load()
		n.view(func(st *slots.State) {
			for _, p := range st.Nodes {
				if p.Flags&(slots.FlagPFail|slots.FlagFail) != 0 {
					bad++
				}
			}
		})
	}
	fmt.Println("GOSSIP RESULT", bytes, streamBytes, packets, streams, bad, tried, sent)
	in.Scan() // STOP: every worker measured; the nodes may leave
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
