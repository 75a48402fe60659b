package node

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// The Go heap's headroom policy.
//
// With the default GOGC=100 the collector lets the heap grow to twice the live data
// before it runs, and RSS follows that peak. A Redis user reads RSS against
// used_memory and expects a fragmentation ratio near 1.1, not 2: a dataset built by
// many small reallocations (HSET one field at a time grows every listpack) showed
// RSS 1.5x redis-server's under GOGC=100. Most of keygrid's live heap is
// pointer-free (keyspace slabs, listpacks, intsets), so marking it is cheap and a
// tighter goal costs little CPU; on a small heap, though, a fixed headroom is what
// keeps the collector from running every few writes.
//
// So the goal is live + max(gcMinHeadroom, live × gcMinPercent%): GOGC 100 while the
// live heap is under 8 MiB, falling to 25 as it grows past 32 MiB (100,000 small
// hashes built field by field: RSS 1.45x redis-server's with a 64 MiB floor, 1.11x
// with this one). It is set again after every collection. A GOGC or GOMEMLIMIT in the environment means the operator
// chose, and the policy stays out of the way.
const (
	gcMinHeadroom = 8 << 20
	gcMinPercent  = 25
	gcMaxPercent  = 100
)

// gcPercentFor returns the GOGC value the policy wants for a live heap of live bytes.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return gcMaxPercent
	}
	p := int(gcMinHeadroom * 100 / live)
	if p > gcMaxPercent {
		return gcMaxPercent
	}
	if p < gcMinPercent {
		return gcMinPercent
	}
	return p
}

var gcPolicyStarted atomic.Bool

// startGCPolicy installs the policy for the process (once; tests start many nodes).
func startGCPolicy() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if !gcPolicyStarted.CompareAndSwap(false, true) {
		return
	}
	p := &gcTuner{sample: []metrics.Sample{sampleLive()}}
	p.current.Store(gcMaxPercent)
	p.arm()
}

// gcTuner re-reads the live heap after each collection. It learns of a finished
// cycle from the finalizer of an object it drops on purpose: finalizers run after
// the cycle that found the object unreachable, and the finalizer arms the next one.
type gcTuner struct {
	current atomic.Int32 // the GOGC it set last
	sample  []metrics.Sample
}

type gcCanary struct{ t *gcTuner }

func (p *gcTuner) arm() {
	c := &gcCanary{t: p}
	runtime.SetFinalizer(c, func(c *gcCanary) { c.t.afterGC() })
}

func (p *gcTuner) afterGC() {
	metrics.Read(p.sample)
	if p.sample[0].Value.Kind() == metrics.KindUint64 {
		want := gcPercentFor(p.sample[0].Value.Uint64())
		cur := int(p.current.Load())
		// Small moves are not worth a pacer update.
		if d := want - cur; d > 2 || d < -2 || (want != cur && (want == gcMinPercent || want == gcMaxPercent)) {
			debug.SetGCPercent(want)
			p.current.Store(int32(want))
		}
	}
	p.arm()
}

func sampleLive() metrics.Sample { return metrics.Sample{Name: "/gc/heap/live:bytes"} }
