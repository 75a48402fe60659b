package node

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 100}, {1 << 20, 100}, {8 << 20, 100}, {16 << 20, 50}, {32 << 20, 25}, {8 << 30, 25},
	} {
		if got := gcPercentFor(c.live); got != c.want {
			t.Errorf("gcPercentFor(%d MiB) = %d, want %d", c.live>>20, got, c.want)
		}
	}
}

// TestGCTunerFollowsLiveHeap runs the tuner's cycle for real: with 40 MiB live, the
// finalizer after the next collections must have lowered GOGC to the floor.
func TestGCTunerFollowsLiveHeap(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	p := &gcTuner{sample: []metrics.Sample{sampleLive()}}
	p.current.Store(100)
	p.arm()
	live := make([][]byte, 40)
	for i := range live {
		live[i] = make([]byte, 1<<20)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
		if p.current.Load() == gcMinPercent {
			break
		}
	}
	got := debug.SetGCPercent(100) // reads the percent the tuner set
	if got != gcMinPercent {
		t.Fatalf("GOGC with 40 MiB live = %d, want %d", got, gcMinPercent)
	}
	runtime.KeepAlive(live)
}
