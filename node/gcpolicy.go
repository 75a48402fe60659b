package node

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keygrid/keygrid/engine"
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
	go runReleaser(releaseTick)
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

// Returning memory once a load has gone.
//
// Freed heap stays mapped: the runtime learns that memory is garbage only when a
// collection runs, and a collection runs only when the program allocates (or after
// the runtime's own two minutes). An idle server after a connection flood, a big
// MGET burst or a FLUSHALL therefore kept its peak RSS until MEMORY PURGE. The
// releaser does what MEMORY PURGE does (debug.FreeOSMemory: one full collection,
// then every free page back to the OS), on its own goroutine, never the event
// loop's, and only when the process has gone quiet after activity:
//
//   - every releaseTick it reads how much the heap allocated since the last tick;
//     under releaseIdleAlloc the process counts as idle (a PING allocates nothing,
//     so a monitoring client does not keep it busy) unless its nodes processed
//     releaseIdleCommands commands or more: overwriting strings or counters
//     allocates nothing either, and a release (a collection of the whole live
//     heap, 0.2 s for 5M keys, a quarter of the loop's one CPU when the node is
//     pinned) in the middle of such a load showed in its p99 (issue #5);
//   - a busy tick arms it; the first idle tick after that releases;
//   - a release that found memory still in use (the footprint did not fall by
//     releaseGain) doubles the wait before the next try, up to releaseMaxGap; after
//     releaseMaxTries such tries in a row it disarms until the next busy tick. So a
//     large dataset loaded and then left alone costs a handful of collections, no
//     more than the runtime's own forced collection every two minutes;
//   - after any release the next waits at least ten times as long as it took.
//
// The cost is one collection of the live heap (keygrid's heap is mostly
// pointer-free slabs, cheap to mark) and the madvise of the free pages:
// TestReleaserReturnsFreedHeap measured 2 ms (idle machine) to 58 ms (loaded) of
// wall time to return 192 MiB with 64 MiB live.
const (
	releaseTick      = 2 * time.Second
	releaseIdleAlloc = 1 << 20 // bytes allocated in one tick under which the process is idle
	// releaseIdleCommands: commands processed in one tick from which the process is
	// serving, not idle (a monitoring client sends a few a second).
	releaseIdleCommands = 1000
	releaseGain         = 4 << 20 // a release that freed less than this found nothing to return
	releaseMaxGap       = 2 * time.Minute
	releaseMaxTries     = 6
	// releaseCostFactor: the least gap after a release, in multiples of its duration.
	releaseCostFactor = 10
)

// releaser is the decision half of the releaser, without I/O (tested by table).
type releaser struct {
	armed bool          // activity since the last release that freed nothing
	tries int           // releases in a row that freed nothing
	last  time.Time     // the last release
	gap   time.Duration // the least time between releases now
}

// tick is called once per releaseTick with the bytes allocated and the commands
// processed since the last call; it reports whether to release now.
func (r *releaser) tick(allocated, commands uint64, now time.Time) bool {
	if allocated >= releaseIdleAlloc {
		r.armed, r.tries, r.gap = true, 0, 0
		return false
	}
	if commands >= releaseIdleCommands {
		return false // serving: the release waits for a quiet tick
	}
	return r.armed && now.Sub(r.last) >= r.gap
}

// releaseNodes are the running nodes' published engine figures: the commands
// they process are activity for the releaser.
var releaseNodes struct {
	mu sync.Mutex
	m  map[*engine.Metrics]struct{}
}

// watchCommands adds a node's figures to what the releaser reads; the returned
// func removes them (the node stopped).
func watchCommands(m *engine.Metrics) func() {
	releaseNodes.mu.Lock()
	defer releaseNodes.mu.Unlock()
	if releaseNodes.m == nil {
		releaseNodes.m = make(map[*engine.Metrics]struct{})
	}
	releaseNodes.m[m] = struct{}{}
	return func() {
		releaseNodes.mu.Lock()
		delete(releaseNodes.m, m)
		releaseNodes.mu.Unlock()
	}
}

// commandsProcessed is the sum of the watched nodes' command counts.
func commandsProcessed() uint64 {
	releaseNodes.mu.Lock()
	defer releaseNodes.mu.Unlock()
	var n int64
	for m := range releaseNodes.m {
		n += m.Commands.Load()
	}
	return uint64(max(n, 0))
}

// released records a release at now that took the heap footprint from before to
// after bytes and lasted took. Whatever it found, the next one waits at least
// releaseCostFactor times as long as this one took, so releases never cost more
// than a tenth of a core, however large the live heap.
func (r *releaser) released(before, after uint64, took time.Duration, now time.Time) {
	r.last = now
	if before > after && before-after >= releaseGain {
		r.tries, r.gap = 0, max(releaseTick, releaseCostFactor*took) // something was freed: maybe more is on its way
		return
	}
	r.tries++
	r.gap = max(min(releaseTick<<r.tries, releaseMaxGap), releaseCostFactor*took)
	if r.tries >= releaseMaxTries {
		r.armed = false
	}
}

// heapSamples are the metrics the releaser reads: cumulative allocations and the
// heap's footprint (objects, unused span space and free pages not yet returned).
func heapSamples() []metrics.Sample {
	return []metrics.Sample{
		{Name: "/gc/heap/allocs:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
	}
}

// readHeap returns the cumulative allocations and the footprint.
func readHeap(s []metrics.Sample) (allocs, footprint uint64) {
	metrics.Read(s)
	for i := range s {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0, 0
		}
	}
	return s[0].Value.Uint64(), s[1].Value.Uint64() + s[2].Value.Uint64() + s[3].Value.Uint64()
}

// releaseStats counts the releaser's work (read by tests).
var releaseStats struct {
	n     atomic.Int64 // releases
	nanos atomic.Int64 // time spent in them
}

// runReleaser is the releaser's goroutine; it runs for the life of the process.
func runReleaser(every time.Duration) {
	h := newHeapWatch()
	for range time.Tick(every) {
		h.step(time.Now())
	}
}

// heapWatch ties a releaser to the runtime's metrics.
type heapWatch struct {
	r        releaser
	s        []metrics.Sample
	prev     uint64 // cumulative allocations at the last step
	prevCmds uint64 // commandsProcessed at the last step
}

func newHeapWatch() *heapWatch {
	h := &heapWatch{s: heapSamples(), prevCmds: commandsProcessed()}
	h.prev, _ = readHeap(h.s)
	return h
}

// step is one tick: it releases when the releaser says so and reports whether it did.
func (h *heapWatch) step(now time.Time) bool {
	allocs, before := readHeap(h.s)
	delta := allocs - h.prev
	h.prev = allocs
	cmds := commandsProcessed()
	served := cmds - min(cmds, h.prevCmds) // a node that stopped takes its count away
	h.prevCmds = cmds
	if !h.r.tick(delta, served, now) {
		return false
	}
	t0 := time.Now()
	debug.FreeOSMemory()
	took := time.Since(t0)
	releaseStats.nanos.Add(int64(took))
	releaseStats.n.Add(1)
	var after uint64
	h.prev, after = readHeap(h.s) // the collection's own allocations are not activity
	h.r.released(before, after, took, time.Now())
	return true
}
