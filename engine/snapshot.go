package engine

// snapshot.go: point-in-time snapshots of the whole keyspace without fork and without
// stopping the world (BGSAVE; AOF rewrite and replication full sync consume the same
// stream).
//
// Redis forks and lets the kernel's copy-on-write keep the parent's image frozen for
// the child. keygrid does the same work in user space:
//
//   - At start, every non-empty keyspace dict gets a bitset with one bit per slab index
//     (keyspace.Dict.SlabLen), all set: "not written yet". Setting them is a memset, a
//     few hundred microseconds for millions of keys. The dicts are remembered by
//     pointer, so FLUSHDB (which replaces a db's dicts) and SWAPDB do not disturb the
//     walk: a detached dict is no longer changed and is simply walked to its end.
//   - The walker runs from the loop in time slices (snapStep, about 1 ms, re-armed as a
//     0 ms timer so it alternates with event processing): it walks each dict in slab
//     order, skipping clear bits a word at a time, and encodes every pending live
//     entry with rdbSaveKey into an rdb.Writer whose output is cut into chunks.
//   - Copy-before-write: before an entry with its bit set is changed or deleted (a
//     write command's lookup, DB.Delete, expiry, eviction, SetExpire), it is encoded
//     first and its bit cleared (snapBeforeChange). Entries created after the start
//     clear their bit (snapNewEntry, for a reused slab slot) or lie beyond the bitset,
//     so they are never written. Out-of-order records are preceded by SELECTDB when
//     they belong to another db than the previous record, which RDB allows.
//   - Chunks go to a writer goroutine (no I/O on the loop) that computes the CRC64,
//     hands them to a snapshotSink (the file sink writes, fsyncs and renames) and posts
//     completion back to the loop through the mailbox (Submit).
//
// A big hash, set, sorted set (skiplist), list or stream (thousands of elements) is
// not encoded in one go, by the walk or by copy-before-write: it keeps its own
// point-in-time view (elements or nodes copied before they change) and is written
// in later slices (snapshot_big.go). The longest copy-before-write (sampled, one
// in 16) is recorded in snapshot.maxStall and logged at the end.
//
// For consumers (AOF rewrite, replication): call
//
//	s.startSnapshot(sink, snapshotOpts{Kind: snapshotAOF, AOFBase: true, Done: func(err error) {...}})
//
// on the loop. sink.Write receives the RDB bytes in order on the snapshot's writer
// goroutine (it may block; the chunk is only valid during the call); sink.Finish(nil)
// follows the last byte (commit: fsync, rename), sink.Finish(err) an abort or failure
// (discard). Done then runs on the loop with the final error. Only one snapshot runs
// at a time (Redis's one child at a time): startSnapshot fails with errSnapshotBusy.
// The data is the keyspace at the moment startSnapshot returns: commands propagated
// after it are not in the snapshot, so an AOF rewrite starts its new incremental file
// at that point.

import (
	"encoding/binary"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/rdb"
	"github.com/keygrid/keygrid/engine/snapbits"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// snapshotKind says who consumes a snapshot: FLUSHALL aborts RDB snapshots (Redis
// kills an RDB child there) but not AOF rewrites.
type snapshotKind int

const (
	snapshotRDB     snapshotKind = iota // BGSAVE, save points: dump.rdb
	snapshotAOF                         // AOF rewrite with an RDB preamble (aof engineer)
	snapshotReplica                     // replication full sync (later)
)

// snapshotSink receives a snapshot's bytes. Its methods run on the snapshot's writer
// goroutine, never on the loop, and may block.
type snapshotSink interface {
	// Write receives the next chunk of the stream; p is only valid during the call.
	// An error ends the snapshot (Finish follows with it).
	Write(p []byte) error
	// Finish is called once, last: with nil when every byte was written (commit),
	// with the failure otherwise (errSnapshotAborted when aborted). Its error, if
	// any, becomes the snapshot's result.
	Finish(err error) error
}

// loopSink is a sink the loop feeds itself, with non-blocking writes, instead of
// the writer goroutine (a diskless full sync's sockets, as Redis's parent relays
// its child's pipe from its event loop). A process pinned to one CPU runs Go with
// one P, which the loop holds while it walks: a writer goroutine then ran only
// when the scheduler preempted the loop, and the replicas waited for it.
type loopSink interface {
	// loopStart is called once, on the loop, before anything else.
	loopStart(sn *snapshot)
	// loopWrite takes chunk b, which the sink gives back with sn.loopWritten
	// once it is written (or dropped).
	loopWrite(b []byte)
	// loopEnd says no chunk follows. With nil the sink writes what it holds, then
	// its trailer; with an error it drops everything. Either way it calls
	// sn.loopDone once, when it is through.
	loopEnd(err error)
}

// snapshotOpts configure startSnapshot.
type snapshotOpts struct {
	Kind snapshotKind
	// AOFBase writes the aof-base aux field (an AOF base file with an RDB preamble).
	AOFBase bool
	// Done runs on the loop when the sink has finished, with nil on success.
	Done func(err error)
	// SliceKeys, when > 0, also bounds a slice to that many keys (tests use it to
	// interleave many writes with the walk).
	SliceKeys int
}

var (
	errSnapshotBusy    = errors.New("a snapshot is already in progress")
	errSnapshotAborted = errors.New("snapshot aborted")
)

const (
	// snapChunk is the size at which encoded bytes are handed to the writer.
	snapChunk = 256 << 10
	// snapMaxInflight pauses the walker (not copy-before-write, which cannot wait)
	// while this much is encoded but not yet written: it bounds the memory a slow
	// disk costs.
	snapMaxInflight = 64 << 20
	// snapLoopMaxInflight is that bound for a loopSink: the sockets' own buffers
	// hold megabytes already, and the walk resumes as soon as half of this went.
	snapLoopMaxInflight = 8 << 20
	// Slice budgets. A full slice when the loop has had nothing else to do for a
	// few steps. Under client load the snapshot gets a share of the loop, not
	// turns: it earns an eighth of the time the loop spends on everything else
	// (so at most a ninth of the loop's time) and spends it, writer included
	// (snapYield), in slices of snapSliceMin to snapSliceBusy; an overrun is
	// owed. Taking turns, a slice after every event batch, took half the loop
	// under redis-benchmark -P 16 (its batches are short). Under a saturating
	// pipelined load a request's latency is what is in flight divided by the
	// rate served, so the share is what p99 grows by during a BGSAVE (issue #5's
	// bar); the save lasts longer instead. 5M keys under -P 16, pinned: a save
	// costs ~0.7 s of CPU (walk, copies before write, CRC64 and the writes) and
	// serving slows ~1.4x meanwhile (the walk's cache misses); a quarter share
	// made back-to-back saves of 1.3 s that halved the rate served, an eighth
	// saves of ~2 s at 0.55 of it (redis-server's fork: ~6 s per save).
	snapSliceIdle  = time.Millisecond
	snapSliceBusy  = 500 * time.Microsecond
	snapSliceMin   = 50 * time.Microsecond
	snapServeRatio = 8
	snapMaxDebt    = 10 * time.Millisecond
)

// snapShare keeps the walk to its share of a busy loop: credit is the loop time
// it has earned and not spent (negative: owed after an overrun).
type snapShare struct {
	credit  time.Duration
	idleRun uint // idle steps in a row (see budget)
}

// budget is how long the next slice may run when the loop spent served on
// commands since the last step, the snapshot's writer took other meanwhile (CPU
// taken from the loop, see snapClock) and idle says no command ran; 0: none now
// (the step is re-armed). busy says the slice is paid from the credit (spent must
// follow it). Idleness is whether commands ran, not how long the gap was: under
// -P 16 many event batches are a few clients' pipelines, tens of microseconds.
//
// An idle step is not proof that the loop is free: under a saturating pipelined
// load the poll after a round of replies is often empty, the clients still
// reading them. So idle slices start at snapSliceMin and double with each idle
// step in a row up to snapSliceIdle; whole 1 ms slices after every empty poll
// were a third of the walk during back-to-back saves, and the requests that
// arrived meanwhile waited for them.
func (c *snapShare) budget(served, other time.Duration, idle bool) (budget time.Duration, busy bool) {
	if idle {
		d := min(snapSliceMin<<c.idleRun, snapSliceIdle)
		if d < snapSliceIdle {
			c.idleRun++
		} else {
			c.credit = 0 // idle for a while: what was owed is forgotten
		}
		return d, false
	}
	c.idleRun = 0
	c.credit = max(min(c.credit+served/snapServeRatio-other, snapSliceBusy), -snapMaxDebt)
	if c.credit < snapSliceMin {
		return 0, true
	}
	return c.credit, true
}

// spent pays for a busy slice that took d, the writer's turn included.
func (c *snapShare) spent(d time.Duration) { c.credit = max(c.credit-d, -snapMaxDebt) }

// snapYield says whether a slice ends by yielding the processor to the writer
// goroutine. With GOMAXPROCS 1 (a node pinned to one CPU, as the benchmarks run
// it) the loop, which never blocks under load, holds the only P: the writer got
// it only when the runtime preempted the loop after 10 ms, then wrote everything
// queued meanwhile, and a command waited that long (max_slice 10-24 ms, issue
// #5). Yielding after each slice lets it write that slice's bytes at once, and
// the time it takes counts in the snapshot's share. With more Ps it runs beside
// the loop and yielding would only cost two thread switches.
func snapYield() bool { return runtime.GOMAXPROCS(0) == 1 }

// snapClock measures the share in CPU time when the node has one CPU (snapYield):
// the loop thread's own CPU clock for what it served, the process's for what the
// save cost. Wall time counted the writer's file writes (CRC64 on the P it is
// yielded, then the kernel copying into the page cache on its own thread, which
// the scheduler runs on the loop's CPU) as time served: with 5M keys under -P 16
// the walk and writer took 55 % of the CPU, not a fifth, and a request's latency
// during back-to-back saves tripled (perf, issue #5). With more CPUs the writer
// runs beside the loop and wall time is right.
type snapClock struct {
	on           bool
	thread, proc time.Duration // at the last step's end
}

func cpuClock(id int32) time.Duration {
	var ts unix.Timespec
	if unix.ClockGettime(id, &ts) != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// read returns the clocks now (zero when off).
func (k *snapClock) read() (thread, proc time.Duration) {
	if !k.on {
		return 0, 0
	}
	return cpuClock(unix.CLOCK_THREAD_CPUTIME_ID), cpuClock(unix.CLOCK_PROCESS_CPUTIME_ID)
}

// since returns what the loop served and what the rest of the process took since
// the last mark, given the clocks now; wall is the wall time (used when off).
func (k *snapClock) since(wall, thread, proc time.Duration) (served, other time.Duration) {
	if !k.on {
		return wall, 0
	}
	served = thread - k.thread
	other = max(proc-k.proc-served, 0)
	return served, other
}

func (k *snapClock) mark(thread, proc time.Duration) { k.thread, k.proc = thread, proc }

// snapDict is the walk state of one keyspace dict.
type snapDict struct {
	d       *keyspace.Dict
	db      int
	pending snapbits.Set // bit i: the entry at slab index i (Ref i+1) is still to be written
}

func (sd *snapDict) isPending(r keyspace.Ref) bool { return sd.pending.Has(int32(r) - 1) }

func (sd *snapDict) clear(r keyspace.Ref) { sd.pending.Clear(int32(r) - 1) }

// nextPending returns the next Ref at or after the walk position whose bit is set
// (clearing it), or 0 at the end, skipping clear bits 64 at a time.
func (sd *snapDict) nextPending() keyspace.Ref { return keyspace.Ref(sd.pending.Next() + 1) }

// snapshot is one running snapshot. Fields above the writer's are loop-only.
type snapshot struct {
	s      *Server
	opts   snapshotOpts
	sink   snapshotSink
	dicts  []*snapDict
	byDict map[*keyspace.Dict]*snapDict
	cur    int // index in dicts of the walk
	w      *rdb.Writer
	out    chunkOut
	// selected is the db of the last SELECTDB written; resized[db] whether its
	// RESIZEDB hint went out (only with its first SELECTDB, as Redis writes it).
	selected          int
	resized           []bool
	dbKeys, dbExpires []int
	keysTotal         int64
	keysDone          int64
	start             time.Time
	timer             int64
	lastStepEnd       time.Time
	lastCmds          int64     // s.stats.numCommands at the last step: none since means idle
	clock             snapClock // the share in CPU time, on one CPU
	yield             bool      // snapYield at the start
	share             snapShare // the walk's share of a busy loop
	completed         bool
	// maxStall is the longest single copy-before-write encoding (one entry);
	// maxSlice the longest walk slice. Both are how long a command can wait behind
	// the snapshot, logged at the end.
	maxStall time.Duration
	maxSlice time.Duration
	// walkTime is the loop's time in walk slices (the writer's turns included),
	// cows the entries written ahead of a change: with took, what the save cost
	// the loop.
	walkTime time.Duration
	walkIdle time.Duration // the part in slices taken while no command ran
	cows     int64
	cowPeak  int64
	// Big hashes and sets written in slices (snapshot_big.go): the queue, the one
	// being written, and the records deferred meanwhile with their SELECTDB state.
	bigQ        []*snapBig
	big         *snapBig
	dw          *rdb.Writer
	defOut      byteSink
	defSelected int

	// Shared with the writer goroutine.
	checksum   bool
	mu         sync.Mutex
	cond       *sync.Cond
	queue      [][]byte
	spare      [][]byte
	ended      bool // the last chunk is queued
	abortReq   bool
	inflight   atomic.Int64 // bytes queued and not yet written
	writeErr   atomic.Bool  // the sink failed: stop walking
	exited     chan struct{}
	result     error
	bufMu      sync.Mutex
	freeChunks [][]byte

	// ls is the sink when the loop writes it (loopSink; no writer goroutine),
	// with the CRC64 kept here; waitRoom: the walk paused until it writes.
	ls       loopSink
	crc      uint64
	waitRoom bool
}

// chunkOut collects the rdb.Writer's output and hands it to the writer goroutine in
// chunks of about snapChunk bytes.
type chunkOut struct {
	sn  *snapshot
	buf []byte
}

func (o *chunkOut) Write(p []byte) (int, error) {
	o.buf = append(o.buf, p...)
	if len(o.buf) >= snapChunk {
		o.sn.send()
	}
	return len(p), nil
}

// snapshotRunning reports whether a snapshot (of any kind) is in progress, walking
// or still being written.
func (s *Server) snapshotRunning() bool { return s.persist.running != nil }

// startSnapshot starts a snapshot of every database into sink (see the file
// comment). Loop goroutine only.
func (s *Server) startSnapshot(sink snapshotSink, opts snapshotOpts) error {
	if s.persist.running != nil {
		return errSnapshotBusy
	}
	sn := &snapshot{
		s: s, opts: opts, sink: sink,
		byDict:    make(map[*keyspace.Dict]*snapDict),
		selected:  -1,
		resized:   make([]bool, len(s.dbs)),
		dbKeys:    make([]int, len(s.dbs)),
		dbExpires: make([]int, len(s.dbs)),
		start:     time.Now(),
		checksum:  s.cfg.RDBChecksum,
		exited:    make(chan struct{}),
		yield:     snapYield(),
	}
	sn.cond = sync.NewCond(&sn.mu)
	sn.out = chunkOut{sn: sn, buf: sn.getChunk()}
	sn.w = rdb.NewWriter(&sn.out)
	sn.w.Compress = s.cfg.RDBCompression
	sn.w.NoChecksum = true // the writer goroutine computes it, off the loop
	for _, db := range s.dbs {
		sn.dbKeys[db.id] = db.keys
		sn.dbExpires[db.id] = db.VolatileLen()
		sn.keysTotal += int64(db.keys)
		for _, d := range db.dicts {
			if d.Len() == 0 {
				continue // keys added to it later are not in the snapshot
			}
			sd := &snapDict{d: d, db: db.id, pending: snapbits.New(d.SlabLen())}
			sn.dicts = append(sn.dicts, sd)
			sn.byDict[d] = sd
		}
	}
	if err := s.rdbWriteHeader(sn.w, opts.AOFBase); err != nil {
		return err
	}
	s.persist.running = sn
	s.persist.walk = sn
	s.stats.totalForks++
	s.stats.forkUsec = time.Since(sn.start).Microseconds()
	if ls, ok := sink.(loopSink); ok {
		sn.ls = ls
		ls.loopStart(sn)
	} else {
		go sn.writerLoop()
	}
	sn.lastStepEnd = time.Now()
	sn.lastCmds = s.stats.numCommands
	sn.clock.on = sn.yield && sn.ls == nil
	sn.clock.mark(sn.clock.read())
	sn.arm(0)
	return nil
}

func (sn *snapshot) arm(d time.Duration) {
	sn.timer = sn.s.loop.After(d, sn.step)
}

// step is one time slice of the walk.
func (sn *snapshot) step() {
	sn.timer = 0
	sn.waitRoom = false
	s := sn.s
	if s.persist.walk != sn {
		return
	}
	if sn.writeErr.Load() {
		sn.endStream(false)
		return
	}
	if sn.ls != nil && sn.inflight.Load() > snapLoopMaxInflight {
		// loopWritten re-arms at once when the sockets took half of it; the
		// timer is only a fallback.
		sn.waitRoom = true
		sn.arm(10 * time.Millisecond)
		return
	}
	if sn.inflight.Load() > snapMaxInflight {
		sn.flushOut()
		sn.arm(time.Millisecond)
		return
	}
	now := time.Now()
	thread, proc := sn.clock.read()
	budget, busy := snapSliceIdle, false
	if sn.s.cfg.RDBKeySaveDelay == 0 {
		cmds := s.stats.numCommands
		served, other := sn.clock.since(now.Sub(sn.lastStepEnd), thread, proc)
		budget, busy = sn.share.budget(served, other, cmds == sn.lastCmds)
		sn.lastCmds = cmds
		sn.clock.mark(thread, proc)
		if budget == 0 {
			sn.lastStepEnd = now
			sn.arm(0)
			return
		}
	}
	deadline := now.Add(budget)
	// rdb-key-save-delay (a test hook that makes saves slow) is Redis's per-key
	// sleep in the child; here it becomes a rate: as many keys as the time since
	// the last slice allows, so the loop itself never sleeps.
	limit, next := -1, time.Duration(0)
	if sn.opts.SliceKeys > 0 {
		limit = sn.opts.SliceKeys
	}
	if d := sn.s.cfg.RDBKeySaveDelay; d > 0 {
		per := time.Duration(d) * time.Microsecond
		limit = max(1, int(now.Sub(sn.lastStepEnd)/per))
		// The next slice no sooner than one key's delay: one key per slice every
		// millisecond was 1000 keys a second whatever the delay.
		next = max(time.Millisecond, per)
	}
	n := 0
	pause := func() {
		sn.flushOut()
		if sn.ls == nil && sn.yield && sn.inflight.Load() > 0 {
			runtime.Gosched()
		}
		sn.lastStepEnd = time.Now()
		thread2, proc2 := sn.clock.read()
		// An idle slice short of a whole one is charged too: the loop was not
		// known to be free, only its last poll empty.
		if busy || budget < snapSliceIdle {
			// The slice costs the whole process's CPU meanwhile (the writer's
			// turn included), or its wall time.
			cost := sn.lastStepEnd.Sub(now)
			if sn.clock.on {
				cost = proc2 - proc
			}
			sn.share.spent(cost)
		}
		sn.clock.mark(thread2, proc2)
		sn.maxSlice = max(sn.maxSlice, sn.lastStepEnd.Sub(now))
		sn.walkTime += sn.lastStepEnd.Sub(now)
		if !busy {
			sn.walkIdle += sn.lastStepEnd.Sub(now)
		}
		sn.arm(next)
	}
	for {
		// Big values first (snapshot_big.go): their tables keep copies of what
		// changes until they are written.
		if sn.big == nil && len(sn.bigQ) > 0 {
			sn.bigStart()
		}
		if sn.big != nil {
			if !sn.bigStep(deadline) {
				pause()
				return
			}
			continue
		}
		if sn.cur >= len(sn.dicts) {
			break
		}
		sd := sn.dicts[sn.cur]
		r := sd.nextPending()
		if r == 0 {
			sd.pending = snapbits.Set{} // done: free the bitset now
			sn.cur++
			continue
		}
		if sd.d.InUse(r) {
			if e := sd.d.E(r); !sn.bigJob(sd.db, e) {
				sn.writeEntry(sd, e)
			}
		}
		n++
		if n == limit || n&31 == 0 && (time.Now().After(deadline) || !busy && n&255 == 0 && s.loop.Pending()) {
			pause()
			return
		}
	}
	if d := sn.s.cfg.RDBKeySaveDelay; d > 0 {
		// Keys that writes saved ahead of the walk (copy-before-write) cost their
		// delay too: Redis's child sleeps for every key whatever the parent
		// writes, and tests count on such a save lasting keys × delay.
		left := time.Duration(sn.keysDone)*time.Duration(d)*time.Microsecond - time.Since(sn.start)
		if left > 0 {
			next = min(left, 100*time.Millisecond)
			pause()
			return
		}
	}
	sn.endStream(true)
}

// writeEntry encodes one entry of sd's dict.
func (sn *snapshot) writeEntry(sd *snapDict, e *keyspace.Entry) {
	w, selected := sn.w, &sn.selected
	if sn.big != nil {
		// A big value's elements are being written: this record follows them.
		w, selected = sn.dw, &sn.defSelected
	}
	sn.selectDB(w, selected, sd.db)
	if err := sn.s.rdbSaveKey(w, e); err != nil {
		// Only an encoder bug gets here (the writer never fails: chunkOut does
		// not); the snapshot must not claim success.
		sn.s.log.Warn("snapshot: can't encode a key", zap.String("key", e.Key()), zap.Error(err))
		sn.writeErr.Store(true)
	}
	sn.keysDone++
}

// flushOut moves everything encoded so far to the writer goroutine.
func (sn *snapshot) flushOut() {
	sn.w.Flush()
	sn.send()
}

// send queues the collected bytes for the writer goroutine.
func (sn *snapshot) send() {
	b := sn.out.buf
	if len(b) == 0 {
		return
	}
	sn.out.buf = sn.getChunk()
	n := sn.inflight.Add(int64(len(b)))
	if n > sn.cowPeak {
		sn.cowPeak = n
	}
	if sn.ls != nil {
		if sn.checksum {
			sn.crc = rdb.CRC64(sn.crc, b)
		}
		sn.ls.loopWrite(b)
		return
	}
	sn.mu.Lock()
	sn.queue = append(sn.queue, b)
	sn.mu.Unlock()
	sn.cond.Signal()
}

func (sn *snapshot) getChunk() []byte {
	sn.bufMu.Lock()
	defer sn.bufMu.Unlock()
	if n := len(sn.freeChunks); n > 0 {
		b := sn.freeChunks[n-1]
		sn.freeChunks = sn.freeChunks[:n-1]
		return b[:0]
	}
	return make([]byte, 0, snapChunk+64<<10)
}

func (sn *snapshot) putChunk(b []byte) {
	sn.bufMu.Lock()
	// Enough to cover what a slow disk keeps in flight: a chunk allocated anew
	// costs the loop GC assist work during the save.
	if len(sn.freeChunks) < 32 {
		sn.freeChunks = append(sn.freeChunks, b)
	}
	sn.bufMu.Unlock()
}

// endStream stops the walk and copy-before-write; complete says the walk reached
// the end, so the EOF opcode goes out and the writer adds the checksum.
func (sn *snapshot) endStream(complete bool) {
	s := sn.s
	if s.persist.walk == sn {
		s.persist.walk = nil
	}
	if sn.timer != 0 {
		s.loop.Cancel(sn.timer)
		sn.timer = 0
	}
	sn.bigAbort() // nothing left when complete; else the tables are released
	if complete {
		sn.w.SaveType(rdb.OpEOF)
	}
	sn.flushOut()
	sn.dicts, sn.byDict = nil, nil
	if sn.ls != nil {
		sn.ended = true
		if !complete {
			sn.ls.loopEnd(errSnapshotAborted)
			return
		}
		// The CRC64 of everything before it, as writerLoop writes it.
		b := binary.LittleEndian.AppendUint64(sn.getChunk(), sn.crc)
		sn.inflight.Add(int64(len(b)))
		sn.ls.loopWrite(b)
		sn.ls.loopEnd(nil)
		return
	}
	sn.mu.Lock()
	sn.ended = true
	if !complete {
		sn.abortReq = true
	}
	sn.mu.Unlock()
	sn.cond.Signal()
}

// writerLoop runs on the snapshot's own goroutine: checksum, sink, completion.
func (sn *snapshot) writerLoop() {
	defer close(sn.exited)
	var crc uint64
	var err error
	for {
		sn.mu.Lock()
		for len(sn.queue) == 0 && !sn.ended && !sn.abortReq {
			sn.cond.Wait()
		}
		q := sn.queue
		sn.queue = sn.spare[:0]
		ended, aborted := sn.ended, sn.abortReq
		sn.mu.Unlock()
		if aborted && err == nil {
			err = errSnapshotAborted
		}
		for i, c := range q {
			if err == nil {
				if sn.checksum {
					crc = rdb.CRC64(crc, c)
				}
				if err = sn.sink.Write(c); err != nil {
					sn.writeErr.Store(true)
				}
			}
			sn.inflight.Add(-int64(len(c)))
			sn.putChunk(c)
			q[i] = nil
		}
		sn.mu.Lock()
		sn.spare = q[:0]
		sn.mu.Unlock()
		if aborted || ended && err != nil {
			break
		}
		if ended {
			sn.mu.Lock()
			more := len(sn.queue) > 0
			sn.mu.Unlock()
			if !more {
				break
			}
		}
	}
	if err == nil {
		// The CRC64 of everything before it, little-endian; 0 with rdbchecksum no,
		// which loaders take as "not checked".
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], crc)
		err = sn.sink.Write(b[:])
	}
	if ferr := sn.sink.Finish(err); err == nil {
		err = ferr
	}
	sn.result = err
	sn.s.Submit(func() { sn.complete(err) })
}

// loopWritten: the loop sink is done with chunk b. A walk paused for room
// resumes once half of what it may hold is out.
func (sn *snapshot) loopWritten(b []byte) {
	sn.inflight.Add(-int64(len(b)))
	sn.putChunk(b)
	if sn.waitRoom && sn.timer != 0 && sn.inflight.Load() <= snapLoopMaxInflight/2 {
		sn.waitRoom = false
		sn.s.loop.Cancel(sn.timer)
		sn.arm(0)
	}
}

// loopDone: the loop sink is through (err nil: every byte written). It plays
// the part of writerLoop's end, completion included: through the mailbox, never
// inside the sink's caller (a walk slice, an event handler, abortSnapshot).
func (sn *snapshot) loopDone(err error) {
	select {
	case <-sn.exited:
		return
	default:
	}
	sn.result = err
	close(sn.exited)
	sn.s.Submit(func() { sn.complete(err) })
}

// complete runs on the loop once the writer goroutine is done (or from abort, which
// waits for it); the first call wins.
func (sn *snapshot) complete(err error) {
	if sn.completed {
		return
	}
	sn.completed = true
	s := sn.s
	if s.persist.walk == sn {
		s.persist.walk = nil // the sink failed while the walk was still running
		if sn.timer != 0 {
			s.loop.Cancel(sn.timer)
		}
	}
	if s.persist.running == sn {
		s.persist.running = nil
	}
	s.persist.lastCOW = sn.cowPeak
	s.log.Info("snapshot finished",
		zap.Int64("keys", sn.keysDone), zap.Duration("took", time.Since(sn.start)),
		zap.Duration("walk", sn.walkTime), zap.Duration("walk_idle", sn.walkIdle), zap.Int64("copies_before_write", sn.cows),
		zap.Duration("max_slice", sn.maxSlice), zap.Duration("max_copy_before_write", sn.maxStall),
		zap.Int64("peak_buffered", sn.cowPeak), zap.Error(err))
	if sn.opts.Done != nil {
		sn.opts.Done(err)
	}
}

// abortSnapshot stops the running snapshot, if any, and waits for its writer to
// finish (the sink discards its output: a BGSAVE removes its temp file), so a save
// that follows cannot meet its leftovers. Done runs before it returns.
func (s *Server) abortSnapshot() {
	sn := s.persist.running
	if sn == nil {
		return
	}
	if s.persist.walk == sn {
		sn.endStream(false)
	} else if sn.ls != nil {
		sn.ls.loopEnd(errSnapshotAborted)
	} else {
		sn.mu.Lock()
		sn.abortReq = true
		sn.mu.Unlock()
		sn.cond.Signal()
	}
	<-sn.exited
	sn.complete(sn.result)
}

// snapBeforeChange is copy-before-write: entry r of d is about to change or go, so
// if the running snapshot still has to write it, it is written now. Callers test
// s.persist.walk != nil first, so this costs nothing when no snapshot runs.
func (s *Server) snapBeforeChange(d *keyspace.Dict, r keyspace.Ref) {
	sn := s.persist.walk
	sd := sn.byDict[d]
	if sd == nil || !sd.isPending(r) {
		return
	}
	sd.clear(r)
	sn.cows++
	// One copy in 16 is timed: two clock reads per copy were 3 % of the loop
	// under -P 16 writes during a save, and the longest copies are the big
	// values (snapshot_big.go), whose own slices are timed.
	var start time.Time
	timed := sn.cows&15 == 1
	if timed {
		start = time.Now()
	}
	if e := d.E(r); !sn.bigJob(sd.db, e) {
		sn.writeEntry(sd, e)
	}
	if timed {
		sn.maxStall = max(sn.maxStall, time.Since(start))
	}
}

// snapBeforeChangeEntry is snapBeforeChange for an entry known by pointer.
func (s *Server) snapBeforeChangeEntry(db *DB, e *keyspace.Entry) {
	d := db.dictFor(bytesOf(e.Key()))
	if _, ok := s.persist.walk.byDict[d]; !ok {
		return
	}
	if r := d.RefOf(e); r != 0 {
		s.snapBeforeChange(d, r)
	}
}

// snapNewEntry marks an entry created after the snapshot started as not part of
// it: it may reuse the slab slot of an entry deleted since.
func (s *Server) snapNewEntry(d *keyspace.Dict, r keyspace.Ref) {
	if sd := s.persist.walk.byDict[d]; sd != nil {
		sd.clear(r)
	}
}
