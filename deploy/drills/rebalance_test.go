package drills

// Rebalance under load (issue #7, "How it is checked"): a 3-master cluster serves
// a go-redis ClusterClient writer and reader while `redis-cli --cluster reshard`
// moves 1,000 slots from one master to another and `redis-cli --cluster
// rebalance` then evens the masters out again. The writers own disjoint keys and
// write each key's versions in order (v1, v2, ...); the readers read random keys.
// Bars:
//
//   - 0 acknowledged writes lost: afterwards every key holds its last acknowledged
//     version (or a later one whose SET returned an error, so whose outcome is
//     unknown);
//   - no stale read: each GET returned at least the version acknowledged before it
//     was sent;
//   - no error surfaced beyond what the client retries itself (MOVED, ASK,
//     TRYAGAIN, CLUSTERDOWN are handled inside go-redis);
//   - reshard and rebalance succeed and `redis-cli --cluster check` passes (every
//     slot covered, nodes agree, no open slot).
//
// The bounded run does one reshard and one rebalance, DRILLS=full three of each.
// The same runs against a redis-server cluster as the reference.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/drill"
	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// rebalanceOutcome is one cluster's run.
type rebalanceOutcome struct {
	acked, writeErrs, reads, stale, readErrs int
	lost                                     int
	firstErr                                 string
	reshardS, rebalanceS                     float64 // summed over the cycles
	movedSlots                               int     // slots the reshard gave the target (the first cycle's, or one that missed)
	check                                    bool
	toolErr                                  string
}

const (
	rbWriters     = 2
	rbKeysPer     = 500 // keys per writer
	rbReaders     = 2
	rbReshardSize = 1000
)

func rbKey(w, i int) string { return "rb:" + strconv.Itoa(w) + ":" + strconv.Itoa(i) }

// nodeIDs returns each node's CLUSTER MYID, in cl.Nodes order.
func nodeIDs(t *testing.T, cl *testutil.Cluster) []string {
	var ids []string
	for _, s := range cl.Nodes {
		c := s.Conn(t)
		raw, err := c.Do("CLUSTER", "MYID")
		if err != nil {
			t.Fatal(err)
		}
		v, err := testutil.ParseReply(raw)
		if err != nil {
			t.Fatalf("CLUSTER MYID: %q", raw)
		}
		ids = append(ids, v.Str)
		c.Close()
	}
	return ids
}

// ownedSlots counts the slots CLUSTER NODES (as seen by addr) gives to id.
func ownedSlots(t *testing.T, s *testutil.Server, id string) int {
	c := s.Conn(t)
	defer c.Close()
	raw, err := c.Do("CLUSTER", "NODES")
	if err != nil {
		return -1
	}
	v, _ := testutil.ParseReply(raw)
	n := 0
	for line := range strings.SplitSeq(v.Str, "\n") {
		f := strings.Fields(line)
		if len(f) < 8 || f[0] != id {
			continue
		}
		for _, r := range f[8:] {
			if strings.HasPrefix(r, "[") {
				continue // a migrating/importing mark
			}
			lo, hi, ok := strings.Cut(r, "-")
			a, _ := strconv.Atoi(lo)
			b := a
			if ok {
				b, _ = strconv.Atoi(hi)
			}
			n += b - a + 1
		}
	}
	return n
}

func redisCli(args ...string) (string, error) {
	out, err := exec.Command("redis-cli", args...).CombinedOutput()
	return string(out), err
}

func runRebalance(t *testing.T, kind string) (o rebalanceOutcome) {
	cl := testutil.StartCluster(t, kind, 3, 0)
	ids := nodeIDs(t, cl)
	entry := cl.Nodes[0].Addr()
	rc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs(), Protocol: 2,
		MaxRedirects: 16, MaxRetries: 10, MinRetryBackoff: 8 * time.Millisecond, MaxRetryBackoff: 256 * time.Millisecond,
		DialTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second})
	defer rc.Close()
	ctx := context.Background()

	// acked[w][i] is the last acknowledged version of rbKey(w, i); tried[w][i] the
	// last version sent (an error leaves its outcome unknown).
	var acked, tried [rbWriters][rbKeysPer]atomic.Int64
	var stop atomic.Bool
	var mu sync.Mutex
	var errCount atomic.Int64
	noteErr := func(what string, err error) {
		errCount.Add(1)
		mu.Lock()
		if o.firstErr == "" {
			o.firstErr = what + ": " + err.Error()
		}
		mu.Unlock()
	}
	var ackedN, writeErrs, reads, stale, readErrs atomic.Int64
	var wg sync.WaitGroup
	for w := range rbWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stop.Load(); n++ {
				i := n % rbKeysPer
				v := tried[w][i].Load() + 1
				tried[w][i].Store(v)
				if err := rc.Set(ctx, rbKey(w, i), strconv.FormatInt(v, 10), 0).Err(); err != nil {
					writeErrs.Add(1)
					noteErr("SET", err)
					continue
				}
				acked[w][i].Store(v)
				ackedN.Add(1)
			}
		}()
	}
	for r := range rbReaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(r), 7))
			for !stop.Load() {
				w, i := rnd.IntN(rbWriters), rnd.IntN(rbKeysPer)
				before := acked[w][i].Load()
				got, err := rc.Get(ctx, rbKey(w, i)).Result()
				reads.Add(1)
				if errors.Is(err, redis.Nil) {
					got, err = "0", nil
				}
				if err != nil {
					readErrs.Add(1)
					noteErr("GET", err)
					continue
				}
				if v, _ := strconv.ParseInt(got, 10, 64); v < before {
					stale.Add(1)
					noteErr("GET", fmt.Errorf("%s returned version %d after %d was acknowledged", rbKey(w, i), v, before))
				}
			}
		}()
	}
	// Let the load run, then move slots under it.
	time.Sleep(time.Second)
	// Bounded: one reshard and one rebalance; DRILLS=full: three of each.
	for cycle := range size(1, 3) {
		before := ownedSlots(t, cl.Nodes[1], ids[1])
		t0 := time.Now()
		out, err := redisCli("--cluster", "reshard", entry, "--cluster-from", ids[0], "--cluster-to", ids[1],
			"--cluster-slots", strconv.Itoa(rbReshardSize), "--cluster-yes")
		o.reshardS += time.Since(t0).Seconds()
		if err != nil {
			o.toolErr = fmt.Sprintf("reshard: %v\n%s", err, tailString(out, 1500))
			break
		}
		if moved := ownedSlots(t, cl.Nodes[1], ids[1]) - before; cycle == 0 || moved != rbReshardSize {
			o.movedSlots = moved
		}
		t0 = time.Now()
		out, err = redisCli("--cluster", "rebalance", entry)
		o.rebalanceS += time.Since(t0).Seconds()
		if err != nil {
			o.toolErr = fmt.Sprintf("rebalance: %v\n%s", err, tailString(out, 1500))
			break
		}
	}
	time.Sleep(500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()

	// Every key's final value: its last acknowledged version, or a later try.
	for w := range rbWriters {
		for i := range rbKeysPer {
			got, err := rc.Get(ctx, rbKey(w, i)).Result()
			if errors.Is(err, redis.Nil) {
				got, err = "0", nil
			}
			v, _ := strconv.ParseInt(got, 10, 64)
			if err != nil || v < acked[w][i].Load() || v > tried[w][i].Load() {
				o.lost++
				if o.lost <= 3 {
					noteErr("final GET", fmt.Errorf("%s = %q (%v), last acknowledged %d, last sent %d",
						rbKey(w, i), got, err, acked[w][i].Load(), tried[w][i].Load()))
				}
			}
		}
	}
	out, err := redisCli("--cluster", "check", entry)
	o.check = err == nil && strings.Contains(out, "[OK] All 16384 slots covered.") &&
		!strings.Contains(out, "[ERR]") && !strings.Contains(out, "[WARNING]")
	if !o.check && o.toolErr == "" {
		o.toolErr = fmt.Sprintf("check: %v\n%s", err, tailString(out, 1500))
	}
	o.acked, o.writeErrs = int(ackedN.Load()), int(writeErrs.Load())
	o.reads, o.stale, o.readErrs = int(reads.Load()), int(stale.Load()), int(readErrs.Load())
	return o
}

func TestDrillRebalance(t *testing.T) {
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("redis-cli not found")
	}
	res := &drill.Result{Drill: "rebalance", Started: time.Now(), Pass: true,
		Fault:   fmt.Sprintf("redis-cli --cluster reshard of %d slots, then --cluster rebalance, under a ClusterClient writer and reader (3 masters)", rbReshardSize),
		Bar:     "0 acknowledged writes lost, 0 stale reads, 0 errors surfaced to the client, reshard/rebalance/check succeed",
		Figures: map[string]float64{}}
	k := runRebalance(t, "keygrid")
	r := runRebalance(t, "redis")
	res.Acked, res.Lost, res.Cycles = k.acked, k.lost, 2
	res.Checker = fmt.Sprintf("register versions: acked=%d lost=%d stale_reads=%d of %d", k.acked, k.lost, k.stale, k.reads)
	f := res.Figures
	f["acked_writes"], f["write_errors"], f["reads"], f["stale_reads"], f["read_errors"] = float64(k.acked), float64(k.writeErrs), float64(k.reads), float64(k.stale), float64(k.readErrs)
	f["reshard_s"], f["rebalance_s"], f["moved_slots"] = k.reshardS, k.rebalanceS, float64(k.movedSlots)
	f["redis_acked_writes"], f["redis_lost"], f["redis_stale_reads"], f["redis_errors"] = float64(r.acked), float64(r.lost), float64(r.stale), float64(r.writeErrs+r.readErrs)
	f["redis_reshard_s"], f["redis_rebalance_s"] = r.reshardS, r.rebalanceS
	t.Logf("keygrid: %+v", k)
	t.Logf("redis-server: %+v", r)
	if k.toolErr != "" {
		res.Fail("keygrid: %s", k.toolErr)
	}
	if k.movedSlots != rbReshardSize {
		res.Fail("keygrid: reshard moved %d slots, want %d", k.movedSlots, rbReshardSize)
	}
	if k.lost > 0 || k.stale > 0 || k.writeErrs > 0 || k.readErrs > 0 {
		res.Fail("keygrid: %d acknowledged writes lost, %d stale reads, %d write and %d read errors surfaced (first: %s)",
			k.lost, k.stale, k.writeErrs, k.readErrs, k.firstErr)
	}
	if k.acked < 100 {
		res.Fail("keygrid: only %d writes acknowledged: the load did not run", k.acked)
	}
	if r.toolErr != "" || r.lost > 0 || r.stale > 0 {
		res.Fail("redis-server (the reference): %s lost=%d stale=%d (first error: %s)", r.toolErr, r.lost, r.stale, r.firstErr)
	}
	report(t, res)
}
