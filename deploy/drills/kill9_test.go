package drills

// kill -9 under load (issue #11 part 2, first drill): unique-key SETs at 5,000/s,
// the server killed with SIGKILL and restarted on the same AOF, cycle after cycle.
// With appendfsync always an acknowledged write is in the file before its reply
// leaves (the AOF is written and fsynced in beforeSleep, before replies are
// flushed), so none may be lost. With everysec the write(2) still happens before
// the reply, so a process kill loses nothing either; the promise, as Redis's, is
// only that a loss (a power cut, or a write postponed behind a slow fsync) covers
// at most the last two seconds.

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/drill"
	"github.com/keygrid/keygrid/internal/testutil"
)

func TestDrillKill9Always(t *testing.T) {
	runKill9(t, "always", size(3, 20), 0)
}

func TestDrillKill9Everysec(t *testing.T) {
	runKill9(t, "everysec", size(2, 20), 2*time.Second)
}

// appendfsync no leaves fsync to the kernel, so a power cut loses what the page
// cache held; a process kill must still lose nothing, as the write(2) precedes
// the reply under every policy.
func TestDrillKill9FsyncNo(t *testing.T) {
	runKill9(t, "no", size(1, 5), 0)
}

// runKill9 runs cycles of load-kill-restart with appendfsync fsync and checks that
// no acknowledged write was lost, or (maxAge > 0) that every lost one was
// acknowledged less than maxAge before the kill that lost it.
func runKill9(t *testing.T, fsync string, cycles int, maxAge time.Duration) {
	const rate = 5000
	loadPerCycle := time.Duration(size(700, 3000)) * time.Millisecond
	srv := testutil.StartKeygrid(t, "--appendonly", "yes", "--appendfsync", fsync)
	res := &drill.Result{Drill: "kill9-" + fsync, Fault: "kill -9 under 5000 unique SET/s, appendfsync " + fsync,
		Started: time.Now(), Cycles: cycles}
	if maxAge == 0 {
		res.Bar = "0 acknowledged writes lost"
		if fsync == "no" {
			res.Bar += " to a process kill"
		}
	} else {
		res.Bar = fmt.Sprintf("every lost write acknowledged within %v of the kill", maxAge)
	}

	var h drill.History
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Timeout short: a write sent to the dying server must give up quickly, or
		// the client would not notice the restart.
		(&drill.UniqueWrites{Addr: srv.Addr, Clients: 16, Rate: rate, Timeout: 500 * time.Millisecond}).Run(ctx, &h)
	}()
	defer func() { cancel(); wg.Wait() }()

	var crashes []time.Time
	var maxRestart time.Duration
	for i := 0; i < cycles; i++ {
		time.Sleep(loadPerCycle) // the load runs meanwhile: this is the drill's duration, not a wait for an event
		crash := time.Now()
		srv.Kill()
		crashes = append(crashes, crash)
		srv.Restart()
		// Until the server answers PING again: the part of recovery that is the
		// process start and the AOF load, as opposed to clients reconnecting.
		maxRestart = max(maxRestart, time.Since(crash))
		// Recovery is over when a write sent after the kill is acknowledged.
		testutil.WaitFor(t, 15*time.Second, func() bool {
			_, ok := drill.RecoveryAfter(h.Ops(), crash)
			return ok
		}, "no write acknowledged after restart")
		d, _ := drill.RecoveryAfter(h.Ops(), crash)
		res.RecoveryMs = append(res.RecoveryMs, d.Milliseconds())
	}
	time.Sleep(200 * time.Millisecond) // some load after the last restart, checked too
	cancel()
	wg.Wait()

	ops := h.Ops()
	var keys []string
	for _, op := range ops {
		if op.Kind == drill.Write && op.Outcome == drill.OK {
			keys = append(keys, op.Key)
		}
	}
	got, err := fetch(context.Background(), client(t, srv.Addr()), keys)
	if err != nil {
		t.Fatalf("reading back: %v", err)
	}
	rep, err := drill.CheckDurabilityCrashes(ops, crashes, func(k string) (string, bool, error) {
		v, ok := got[k]
		return v, ok, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	res.Acked, res.Lost, res.MaxLostMs = rep.Acked, len(rep.Lost), rep.MaxLostAge.Milliseconds()
	elapsed := time.Duration(cycles)*loadPerCycle + 200*time.Millisecond
	res.Figures = map[string]float64{"acked_per_s": float64(rep.Acked) / elapsed.Seconds(), "max_restart_ms": float64(maxRestart.Milliseconds())}
	res.Pass = rep.Acked > 0 && (len(rep.Lost) == 0 || (maxAge > 0 && rep.MaxLostAge <= maxAge))
	for i, op := range rep.Lost {
		if i == 5 {
			break
		}
		t.Logf("lost: %s=%s acknowledged at %s", op.Key, op.Value, op.Return.Format(time.RFC3339Nano))
	}
	// The workload must have run near its rate, or "0 lost" would prove little.
	// Under `make test` two packages share two cores and appendfsync always
	// waits for an fsync per event-loop iteration, so the bounded run asks for a
	// quarter of the rate; DRILLS=full (a machine to itself) holds half.
	floor := 0.5
	if !full() {
		floor = 0.25
	}
	if float64(rep.Acked) < floor*rate*loadPerCycle.Seconds()*float64(cycles) {
		t.Errorf("only %d writes acknowledged over %d cycles of %v at %d/s (floor %.0f%% of the rate)", rep.Acked, cycles, loadPerCycle, rate, floor*100)
	}
	report(t, res)
}
