package engine

// Issue #7: redis-cli --cluster reshard/rebalance moved slots 5-17x slower on
// keygrid than on redis-server. This benchmark replays redis-cli 7.0's per-slot
// sequence (clusterManagerMoveSlot) against a 3-master keygrid cluster and a
// 3-master redis-server cluster in the same run, and reports the time per slot
// and per command kind, so the two can be compared on one loaded machine.
//
//	go test ./engine/ -run '^$' -bench 'ClusterSlotMove' -benchtime 1000x -count 3
//
// KEYGRID_SLOTMOVE_KEYS=n puts n keys in every moved slot (default 0: the
// sequence of an empty cluster, GETKEYSINSLOT then no MIGRATE).

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/keygrid/keygrid/slots"
)

func BenchmarkClusterSlotMove(b *testing.B) {
	keys, _ := strconv.Atoi(os.Getenv("KEYGRID_SLOTMOVE_KEYS"))
	// A hash tag per slot, so keys of a given slot can be made.
	tags := make([]string, slots.Count)
	for i, left := 0, slots.Count; left > 0; i++ {
		t := strconv.Itoa(i)
		if s := slots.Slot([]byte(t)); tags[s] == "" {
			tags[s] = t
			left--
		}
	}
	for _, kind := range []string{"keygrid", "redis"} {
		cl := testutil.StartCluster(b, kind, 3, 0)
		b.Run(kind, func(b *testing.B) { benchSlotMove(b, cl, tags, keys) })
	}
}

// slotMoveNode is one master of the benchmark's cluster.
type slotMoveNode struct {
	c     *testutil.Conn
	id    string
	host  string
	port  string
	slots []int
}

func benchSlotMove(b *testing.B, cl *testutil.Cluster, tags []string, keys int) {
	var nodes []*slotMoveNode
	owner := map[string]*slotMoveNode{}
	for _, s := range cl.Nodes {
		c := s.Conn(b)
		r, err := testutil.ParseReply(slotMoveDo(b, c, "CLUSTER", "MYID"))
		if err != nil {
			b.Fatal(err)
		}
		id := r.Str
		n := &slotMoveNode{c: c, id: id, host: "127.0.0.1", port: strconv.Itoa(s.Port())}
		nodes = append(nodes, n)
		owner[id] = n
	}
	// Who owns what, from the first node's CLUSTER NODES.
	r, err := testutil.ParseReply(slotMoveDo(b, nodes[0].c, "CLUSTER", "NODES"))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(r.Str, "\n") {
		f := strings.Fields(line)
		if len(f) < 9 || owner[f[0]] == nil {
			continue
		}
		for _, r := range f[8:] {
			lo, hi, ok := strings.Cut(r, "-")
			if !ok {
				hi = lo
			}
			l, _ := strconv.Atoi(lo)
			h, _ := strconv.Atoi(hi)
			for s := l; s <= h; s++ {
				owner[f[0]].slots = append(owner[f[0]].slots, s)
			}
		}
	}
	src, dst, other := nodes[0], nodes[1], nodes[2]
	if b.N > len(src.slots) {
		b.Fatalf("b.N %d > %d slots of the source", b.N, len(src.slots))
	}
	moving := src.slots[:b.N]
	src.slots = src.slots[b.N:]
	for _, slot := range moving {
		for k := 0; k < keys; k++ {
			slotMoveDo(b, src.c, "SET", "{"+tags[slot]+"}"+strconv.Itoa(k), "v")
		}
	}
	var perCmd [5]time.Duration // importing, migrating, getkeys, migrate, node
	timed := func(i int, n *slotMoveNode, args ...string) []byte {
		t0 := time.Now()
		r := slotMoveDo(b, n.c, args...)
		perCmd[i] += time.Since(t0)
		return r
	}
	b.ResetTimer()
	for _, slot := range moving {
		s := strconv.Itoa(slot)
		timed(0, dst, "CLUSTER", "SETSLOT", s, "IMPORTING", src.id)
		timed(1, src, "CLUSTER", "SETSLOT", s, "MIGRATING", dst.id)
		for {
			r, err := testutil.ParseReply(timed(2, src, "CLUSTER", "GETKEYSINSLOT", s, "10"))
			if err != nil {
				b.Fatal(err)
			}
			if len(r.Elems) == 0 {
				break
			}
			args := []string{"MIGRATE", dst.host, dst.port, "", "0", "60000", "KEYS"}
			for _, e := range r.Elems {
				args = append(args, e.Str)
			}
			timed(3, src, args...)
		}
		timed(4, dst, "CLUSTER", "SETSLOT", s, "NODE", dst.id)
		timed(4, src, "CLUSTER", "SETSLOT", s, "NODE", dst.id)
		timed(4, other, "CLUSTER", "SETSLOT", s, "NODE", dst.id)
	}
	b.StopTimer()
	per := func(d time.Duration, n int) float64 { return float64(d.Microseconds()) / float64(n) }
	b.ReportMetric(per(perCmd[0], b.N), "us-importing/slot")
	b.ReportMetric(per(perCmd[1], b.N), "us-migrating/slot")
	b.ReportMetric(per(perCmd[2], b.N), "us-getkeys/slot")
	b.ReportMetric(per(perCmd[3], b.N), "us-migrate/slot")
	b.ReportMetric(per(perCmd[4], 3*b.N), "us-node/cmd")
}

// slotMoveDo sends one command and fails on an error reply.
func slotMoveDo(b *testing.B, c *testutil.Conn, args ...string) []byte {
	r, err := c.Do(args...)
	if err != nil {
		b.Fatalf("%q: %v", args, err)
	}
	if len(r) > 0 && r[0] == '-' {
		b.Fatalf("%q: %s", args, r)
	}
	return r
}
