package engine

// Memory accounting, maxmemory and key eviction (Redis's evict.c).
//
// # Why the engine counts its own memory
//
// Redis compares zmalloc's count of allocated bytes with maxmemory before every
// command and evicts until it is under the limit; each deletion lowers the count at
// once, so the loop stops as soon as enough is freed. Go's heap figures cannot play
// that part: a deleted value stays in runtime/metrics' live heap until the next GC
// cycle finishes (tens of milliseconds to seconds later), so a loop driven by them
// would keep evicting long after enough was freed and empty the keyspace. keygrid
// therefore keeps its own count of the memory its data takes:
//
//   - every keyspace entry carries its accounted size (Entry.Mem, in 8-byte words):
//     its slot in the dict's slab and a share of the bucket arrays, the key and inline
//     value bytes rounded up to Go's size classes, and the value object (Obj) as its
//     type reports it (memSizer, falling back to MEMORY USAGE's memoryUser);
//   - the total is the sum of those sizes, kept per database (DB.mem) and overall
//     (evictState.used) by adjusting it by the difference whenever an entry is
//     measured again, and subtracting an entry's size when it is deleted (DEL,
//     expiry, eviction, FLUSHDB/FLUSHALL);
//   - an entry is measured again after each command that may have changed it: the
//     lookups of write commands (and LookupWrite, Add and AddString anywhere) note the
//     entry in a short pending list, and call() settles the list when the command
//     returns (so does the serving of blocked clients, and beforeSleep for anything
//     else). Settling computes a few additions per entry; read commands note
//     nothing, so GET pays one predictable branch, SET one append and one measurement
//     (about 5 ns, measured). Code that changes a value it found through a read
//     lookup outside a write command calls noteEntry itself (PFCOUNT's cache, SORT).
//
// Why not measure at the command's key positions before and after it, or keep a
// running count inside each type: key positions miss what commands change beyond
// them (MOVE and COPY ... DB into another database, blocked clients served by a
// push), and a running count in every type multiplies the places that can drift.
// Noting what lookups return catches every entry a command can reach, in any
// database, and settling by difference makes drift impossible.
//
// Because the total is exactly the sum of the stored per-entry sizes, it never drifts,
// whatever the quality of a type's size estimate: a value is always un-counted by the
// same amount it was counted with. INFO used_memory is that total plus the clients'
// buffers (measured as they change, client_evict.go) plus a fixed baseline for the
// server's own structures; used_memory_rss still comes from /proc.
//
// Types that keep values in Entry.Obj implement memSizer (O(1): the heap bytes the
// value holds, rounded with goAllocSize); until they do, the sampled MEMORY USAGE
// estimate (memoryUser, 5 samples) stands in, and failing that a constant.
//
// # Eviction
//
// With maxmemory set, processCommand calls performEvictions before every command (as
// Redis does, after the ACL and cluster checks): when the accounted memory is over the
// limit it deletes keys chosen by maxmemory-policy until it is under, spending at most
// the time maxmemory-eviction-tenacity allows, the rest continuing from a zero-delay
// timer (evictionTimeProc). When nothing can be evicted, commands flagged denyoom are
// refused with -OOM. The LRU, LFU and TTL policies use Redis's approximation:
// maxmemory-samples random keys of every database (keys with a TTL for volatile-*)
// feed a pool of the 16 best candidates kept across calls, ordered by idle time,
// inverse LFU frequency or TTL, and the best one still present is evicted.

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
	"unsafe"

	"github.com/keygrid/keygrid/engine/keyspace"
	"go.uber.org/zap"
)

// ErrOOM is Redis's shared.oomerr.
const ErrOOM = "OOM command not allowed when used memory > 'maxmemory'."

// memBaseline is the heap a fresh keygrid server holds before any key (the command
// table with its docs, config, dicts, buffers): INFO used_memory_startup. Measured as
// allocator_allocated after MEMORY PURGE on an idle server (about 510 KB with Go 1.26;
// redis-server 7.0 starts at about 860 KB). A constant rather than a measurement at
// start-up so that used_memory does not depend on what else the process holds (tests
// run many servers in one process).
const memBaseline = 512 << 10

// Accounting constants (bytes).
const (
	// entryMemOverhead is a key's fixed cost: its 64-byte Entry in the dict's slab
	// and its share of the bucket arrays (4 bytes per bucket, 1-2 buckets per key,
	// both tables during a rehash).
	entryMemOverhead = int64(unsafe.Sizeof(keyspace.Entry{})) + 8
	// volatileMemOverhead is the key's Ref in the dict's TTL list, with the list's
	// spare capacity.
	volatileMemOverhead = 8
	// unknownObjMem stands for a value object that reports no size.
	unknownObjMem = 64
	// pendingSettleAt bounds the pending list when keys are created outside commands
	// (noteNewEntry).
	pendingSettleAt   = 1024
	pendingKeepNewest = 16
)

// memSizer is implemented by value objects (Entry.Obj) to report the heap bytes they
// hold in O(1): their structs and buffers, each rounded up with goAllocSize. It is
// called after every write command that touched the key, so it must be cheap: types
// keep a running count where the size is not simply a buffer's capacity.
type memSizer interface{ memSize() int64 }

// Eviction policies (maxmemory-policy).
type evictPolicy uint8

const (
	policyNoEviction evictPolicy = iota
	policyVolatileLRU
	policyVolatileLFU
	policyVolatileRandom
	policyVolatileTTL
	policyAllkeysLRU
	policyAllkeysLFU
	policyAllkeysRandom
)

var policyByName = map[string]evictPolicy{
	"noeviction": policyNoEviction, "volatile-lru": policyVolatileLRU,
	"volatile-lfu": policyVolatileLFU, "volatile-random": policyVolatileRandom,
	"volatile-ttl": policyVolatileTTL, "allkeys-lru": policyAllkeysLRU,
	"allkeys-lfu": policyAllkeysLFU, "allkeys-random": policyAllkeysRandom,
}

// Results of performEvictions (Redis's EVICT_*).
const (
	evictOK      = iota // under the limit (or eviction not allowed now)
	evictRunning        // over the limit, eviction continues from a timer
	evictFail           // over the limit and nothing can be evicted
)

// evpoolSize is Redis's EVPOOL_SIZE; evpoolCachedKey its EVPOOL_CACHED_SDS_SIZE, the
// longest key whose buffer a pool slot keeps for reuse.
const (
	evpoolSize      = 16
	evpoolCachedKey = 255
)

// poolEntry is one eviction candidate (Redis's evictionPoolEntry). key is a buffer
// reused across candidates.
type poolEntry struct {
	idle uint64 // higher is a better candidate: idle ms, 255-LFU counter, or -TTL
	key  []byte
	dbid int
	// slot and ref say where the key was sampled: when the entry there still holds
	// the key, eviction needs no hash lookup (a cache miss or two per candidate).
	slot int
	ref  keyspace.Ref
	set  bool
}

type pendingEntry struct {
	db *DB
	e  *keyspace.Entry
}

// evictState is the server's memory accounting and eviction state.
type evictState struct {
	// The policy, decoded from cfg.MaxMemoryPolicy by refreshPolicy.
	policy       evictPolicy
	allkeys      bool
	lru, lfu     bool // lfu also decides what touch and new keys store in Meta
	volatileTTL  bool
	randomPolicy bool

	// writing is set while a write command runs: its lookups note entries.
	writing bool
	// pending are entries a command may have changed, measured when it returns.
	pending []pendingEntry
	// used is the accounted size of every entry of every database.
	used int64
	// clientTypeMem is the clients' memory by client type, as last measured
	// (Redis's stat_clients_type_memory, client_evict.go).
	clientTypeMem [4]int64
	// clientBuckets hold the clients maxmemory-clients may evict, by size.
	clientBuckets [clientMemBuckets]clientMemBucket
	// trackClients: maxmemory-clients or maxmemory is set, so clients are
	// measured as their buffers change, not only by the cron.
	trackClients bool
	// replyBufNoResize is DEBUG REPLYBUFFER RESIZING 0: the cron leaves idle
	// clients' reply buffers as they are.
	replyBufNoResize bool
	// replyPeakReset is DEBUG REPLYBUFFER PEAK-RESET-TIME in ms, -1 for never.
	replyPeakReset int64

	pool        [evpoolSize]poolEntry
	nextDB      int // where volatile-random / allkeys-random resume
	procRunning bool
	// Time spent over the limit (INFO total/current_eviction_exceeded_time).
	exceededSince time.Time
	exceededTotal time.Duration

	// lastOOM is the out-of-memory verdict of the last processCommand check; scripts
	// and EXEC use it for the writes they run (Redis's pre_command_oom_state).
	lastOOM bool
	// oomReject, when set by the transactions part, decides whether a command is
	// refused when memory cannot be freed, given whether it is denyoom: Redis also
	// refuses commands queued in MULTI and EXEC of a transaction holding denyoom
	// commands, but never DISCARD, QUIT or RESET.
	oomReject func(c *Client, cmd *Command, denyoom bool) bool
	// notCounted report memory that eviction must not count (replica output buffers
	// beyond the backlog, the AOF buffer: Redis's freeMemoryGetNotCountedMemory), set
	// by the replication and persistence parts.
	notCounted []func() int64

	// evictedClients counts clients closed by maxmemory-clients (INFO evicted_clients).
	evictedClients int64
	// slotLists are the cluster-mode databases' slots holding keys, by db id.
	slotLists []slotList
}

// initEvict sets up accounting and eviction; New calls it.
func (s *Server) initEvict() {
	s.evict.pending = make([]pendingEntry, 0, pendingSettleAt)
	s.refreshPolicy()
	s.configApplyHooks = append(s.configApplyHooks, s.evictConfigChanged)
	s.evict.trackClients = s.cfg.MaxMemoryClients != 0 || s.cfg.MaxMemory != 0
	s.evict.replyPeakReset = replyPeakResetDefault
	s.beforeSleepHooks = append(s.beforeSleepHooks, func() {
		if len(s.evict.pending) > 0 {
			s.settleMem()
		}
	})
	s.resetStatHooks = append(s.resetStatHooks, func() {
		s.evict.evictedClients = 0
		s.evict.exceededTotal = 0
		s.evict.exceededSince = time.Time{}
		s.info.peak = uint64(s.memUsed()) // Redis resets the peak to the current use
	})
}

// refreshPolicy decodes maxmemory-policy.
func (s *Server) refreshPolicy() {
	ev := &s.evict
	p := policyByName[s.cfg.MaxMemoryPolicy]
	ev.policy = p
	ev.allkeys = p == policyAllkeysLRU || p == policyAllkeysLFU || p == policyAllkeysRandom
	ev.lru = p == policyAllkeysLRU || p == policyVolatileLRU
	ev.lfu = p == policyAllkeysLFU || p == policyVolatileLFU
	ev.volatileTTL = p == policyVolatileTTL
	ev.randomPolicy = p == policyAllkeysRandom || p == policyVolatileRandom
}

// evictConfigChanged follows CONFIG SET: a new policy applies at once; a lower
// maxmemory evicts right after the command (Redis's updateMaxmemory); a new
// maxmemory-clients takes clients in or out of eviction (client_evict.go).
func (s *Server) evictConfigChanged(changed []string) error {
	if containsString(changed, "maxmemory-policy") {
		s.refreshPolicy()
	}
	if containsString(changed, "maxmemory-clients") || containsString(changed, "maxmemory") {
		s.clientEvictionConfigChanged() // client_evict.go
	}
	if containsString(changed, "maxmemory") && s.cfg.MaxMemory > 0 {
		s.settleMem()
		if used := s.memUsed() - s.memNotCounted(); used > s.cfg.MaxMemory {
			s.log.Warn("WARNING: the new maxmemory value set via CONFIG SET (" +
				strconv.FormatInt(s.cfg.MaxMemory, 10) + ") is smaller than the current memory usage (" +
				strconv.FormatInt(used, 10) + "). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.")
		}
		// Evict from a timer, once the command is over (Redis 7.0's
		// startEvictionTimeProc): CONFIG SET inside MULTI or a script must not
		// delete keys the rest of the transaction uses, and the DELs follow the
		// transaction in the replication stream.
		if s.loop == nil {
			s.performEvictions() // no loop to run a timer (tests driving the engine directly)
		} else if !s.evict.procRunning {
			s.evict.procRunning = true
			s.loop.After(0, s.evictionTimeProc)
		}
	}
	return nil
}

// --- accounting ----------------------------------------------------------------------

// memUsed is INFO used_memory: the baseline, the data and the clients' buffers.
func (s *Server) memUsed() int64 {
	return memBaseline + max(s.evict.used, 0) + s.clientsMem() + s.replBufferMem() // repl_buffer.go
}

// memNotCounted is INFO mem_not_counted_for_evict.
func (s *Server) memNotCounted() int64 {
	var n int64
	for _, f := range s.evict.notCounted {
		n += f()
	}
	return n
}

// noteEntry records that e, an entry of db, may change during this command. Small
// enough to be inlined in the lookups.
func (s *Server) noteEntry(db *DB, e *keyspace.Entry) {
	s.evict.pending = append(s.evict.pending, pendingEntry{db, e})
}

// noteNewEntry is noteEntry for a key just created. A loader creating millions of
// keys outside any command settles as it goes, keeping the newest few entries (they
// may still be being filled in).
func (s *Server) noteNewEntry(db *DB, e *keyspace.Entry) {
	ev := &s.evict
	ev.pending = append(ev.pending, pendingEntry{db, e})
	if len(ev.pending) >= pendingSettleAt {
		s.settlePending(len(ev.pending) - pendingKeepNewest)
	}
}

// settleMem measures the pending entries again and adjusts the totals (call() runs
// it after every command that noted entries).
func (s *Server) settleMem() {
	ev := &s.evict
	p := ev.pending
	for i := range p {
		db, e := p[i].db, p[i].e
		p[i] = pendingEntry{} // hold no entry of a dict that FLUSHALL may drop
		if !e.Live() {
			continue // deleted: its size was subtracted then
		}
		if w := memWords(entryMem(e)); w != e.Mem {
			delta := (int64(w) - int64(e.Mem)) * 8
			e.Mem = w
			db.mem += delta
			ev.used += delta
		}
	}
	ev.pending = p[:0]
}

// settlePending settles the first n pending entries and keeps the rest.
func (s *Server) settlePending(n int) {
	p := s.evict.pending
	for i := 0; i < n; i++ {
		s.settleEntry(p[i].db, p[i].e)
	}
	rest := copy(p, p[n:])
	clear(p[rest:])
	s.evict.pending = p[:rest]
}

// settleEntry measures e, an entry of db, and adjusts the totals by the change.
func (s *Server) settleEntry(db *DB, e *keyspace.Entry) {
	if !e.Live() {
		return // deleted: its size was subtracted then
	}
	if w := memWords(entryMem(e)); w != e.Mem {
		delta := (int64(w) - int64(e.Mem)) * 8
		e.Mem = w
		db.mem += delta
		s.evict.used += delta
	}
}

// unaccount subtracts the size of e, an entry of db about to be deleted.
func (s *Server) unaccount(db *DB, e *keyspace.Entry) {
	n := int64(e.Mem) * 8
	db.mem -= n
	s.evict.used -= n
}

func memWords(n int64) uint32 {
	w := (n + 7) / 8
	if w > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(w)
}

// entryMem is the memory keygrid accounts to an entry (see the file comment).
func entryMem(e *keyspace.Entry) int64 {
	n := entryMemOverhead + goAllocSize(len(e.Key())+len(e.Val()))
	if e.Expire != 0 {
		n += volatileMemOverhead
	}
	if e.Obj != nil {
		n += objMem(e.Obj)
	}
	return n
}

// objMem is the heap a value object holds.
func objMem(o any) int64 {
	switch v := o.(type) {
	case *strBuf:
		return goAllocSize(int(unsafe.Sizeof(*v))) + goAllocSize(cap(v.b))
	case memSizer:
		return v.memSize()
	case memoryUser:
		return v.MemoryUsage(5)
	}
	return unknownObjMem
}

// Go's allocator size classes (internal/runtime/gc.SizeClassToSize); objects larger
// than the last class take whole 8 KiB pages.
var goSizeClasses = [...]uint16{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176,
	192, 208, 224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768,
	896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096,
	4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568,
	14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768}

// sizeClass8 maps ceil(n/8) to the size class for n <= 1024, sizeClass128 maps
// ceil((n-1024)/128) for 1024 < n <= 32768 (the runtime's own two-level lookup).
var sizeClass8, sizeClass128 = func() (a [129]uint16, b [249]uint16) {
	class := func(n int) uint16 {
		for _, c := range goSizeClasses {
			if int(c) >= n {
				return c
			}
		}
		return 0
	}
	for i := range a {
		a[i] = class(i * 8)
	}
	for i := range b {
		b[i] = class(1024 + i*128)
	}
	return
}()

// goAllocSize is the size Go's allocator gives a request of n bytes.
func goAllocSize(n int) int64 {
	switch {
	case n <= 0:
		return 0
	case n <= 1024:
		return int64(sizeClass8[(n+7)>>3])
	case n <= 32768:
		return int64(sizeClass128[(n-1024+127)>>7])
	}
	return int64((n + 8191) &^ 8191)
}

// --- maxmemory ------------------------------------------------------------------------

// safeToEvict is Redis's isSafeToPerformEvictions: not while clients are paused (the
// dataset must stay still), and not on a replica that leaves eviction to its master.
func (s *Server) safeToEvict() bool {
	if s.persist.loading {
		return false // clients served during a load must not evict from it (Redis's isSafeToPerformEvictions)
	}
	if s.pause.until != 0 && s.pause.until > time.Now().UnixMilli() {
		return false
	}
	if s.cfg.ReplicaIgnoreMaxMemory && s.roleFn != nil && s.roleFn() == "slave" {
		return false
	}
	return true
}

// maxmemoryState is Redis's getMaxmemoryState: it reports whether memory is within
// maxmemory and, if not, how much must be freed.
func (s *Server) maxmemoryState() (tofree int64, ok bool) {
	limit := s.cfg.MaxMemory
	used := s.memUsed()
	if limit == 0 || used <= limit {
		return 0, true
	}
	used -= s.memNotCounted()
	if used <= limit {
		return 0, true
	}
	return used - limit, false
}

// oomRejected runs the maxmemory step of processCommand: evict as needed, then refuse
// cmd if memory is still over the limit and cmd may grow it.
func (s *Server) oomRejected(c *Client, cmd *Command) bool {
	oom := s.performEvictions() == evictFail
	s.evict.lastOOM = oom
	if !oom {
		return false
	}
	denyoom := cmd.Flags&FlagDenyOOM != 0
	if f := s.evict.oomReject; f != nil {
		return f(c, cmd, denyoom)
	}
	return denyoom
}

// evictionTimeLimit is how long one performEvictions may run (Redis's
// evictionTimeLimitUs): 0-500 µs linearly for tenacity 0-10, then 15% more per step
// (about two minutes at 99), unlimited at 100.
func (s *Server) evictionTimeLimit() time.Duration {
	t := s.cfg.MaxMemoryEvictionTenacity
	switch {
	case t <= 10:
		return time.Duration(50*t) * time.Microsecond
	case t < 100:
		return time.Duration(500.0*math.Pow(1.15, float64(t)-10)) * time.Microsecond
	}
	return math.MaxInt64
}

// performEvictions is Redis's performEvictions: evict keys until memory is within
// maxmemory, or the time limit is reached (then a timer continues), or nothing is
// left to evict.
func (s *Server) performEvictions() int {
	if !s.safeToEvict() {
		return evictOK // as if eviction were not needed (Redis does the same)
	}
	ev := &s.evict
	if len(ev.pending) > 0 {
		s.settleMem()
	}
	tofree, ok := s.maxmemoryState()
	result := evictFail
	if ok {
		result = evictOK
	} else if ev.policy != policyNoEviction {
		from := len(s.prop.ops)
		result = s.evictLoop(tofree)
		s.propagateEvictions(from)
	}
	// INFO total/current_eviction_exceeded_time.
	if result == evictOK {
		if !ev.exceededSince.IsZero() {
			ev.exceededTotal += time.Since(ev.exceededSince)
			ev.exceededSince = time.Time{}
		}
	} else if ev.exceededSince.IsZero() {
		ev.exceededSince = time.Now()
	}
	return result
}

func (s *Server) evictLoop(tofree int64) int {
	ev := &s.evict
	limit := s.evictionTimeLimit()
	start := time.Now()
	var freed int64
	keys := 0
	for freed < tofree {
		db, d, r := s.evictionCandidate()
		if r == 0 {
			s.evictLatency(start)
			return evictFail // nothing left to evict
		}
		freed += s.evictEntry(db, d, r)
		keys++
		// After some time, stop even if the limit is not reached: a sudden need to
		// free a lot must not stall the server; a timer carries on.
		if keys%16 == 0 && time.Since(start) > limit {
			if !ev.procRunning && s.loop != nil {
				ev.procRunning = true
				s.loop.After(0, s.evictionTimeProc)
			}
			break
		}
	}
	s.evictLatency(start)
	if ev.procRunning {
		return evictRunning
	}
	return evictOK
}

// evictLatency records an "eviction-cycle" latency sample (LATENCY LATEST).
func (s *Server) evictLatency(start time.Time) {
	if t := s.cfg.LatencyMonitorThreshold; t > 0 {
		if ms := time.Since(start).Milliseconds(); ms >= t {
			s.latencyAdd("eviction-cycle", ms)
		}
	}
}

// evictionTimeProc continues an eviction that ran out of time (Redis's
// evictionTimeProc): again at the next loop iteration while memory is still over.
func (s *Server) evictionTimeProc() {
	if s.performEvictions() == evictRunning && s.loop != nil {
		s.loop.After(0, s.evictionTimeProc)
		return
	}
	s.evict.procRunning = false
}

// evictionCandidate picks the key to evict by the policy; r is 0 when there is none.
func (s *Server) evictionCandidate() (*DB, *keyspace.Dict, keyspace.Ref) {
	ev := &s.evict
	volatile := !ev.allkeys
	if ev.randomPolicy {
		// Visit the databases in turn, one key from each.
		for range s.dbs {
			ev.nextDB++
			db := s.dbs[ev.nextDB%len(s.dbs)]
			if d, _ := s.sampleDict(db, volatile); d != nil {
				if r := randomRef(d, volatile); r != 0 {
					return db, d, r
				}
			}
		}
		return nil, nil, 0
	}
	pool := &ev.pool
	for {
		// Sample every database: eviction makes no per-database choices.
		sampled := 0
		for i, db := range s.dbs {
			sampled += s.evictionPoolPopulate(i, db)
		}
		if sampled == 0 {
			return nil, nil, 0
		}
		// From the best candidate down; entries for keys gone since (ghosts) are
		// dropped, and the pool is filled again when only ghosts were left.
		for k := evpoolSize - 1; k >= 0; k-- {
			pe := &pool[k]
			if !pe.set {
				continue
			}
			pe.set, pe.idle = false, 0
			db := s.dbs[pe.dbid]
			var d *keyspace.Dict
			var r keyspace.Ref
			if pe.slot < len(db.dicts) {
				// Whatever dict is now at that slot (FLUSHDB and SWAPDB replace
				// them), an entry in use there holding this key is the key.
				if d = db.dicts[pe.slot]; d.InUse(pe.ref) && d.E(pe.ref).Key() == string(pe.key) {
					r = pe.ref
				}
			}
			if r == 0 {
				d, r = db.find(pe.key)
			}
			if r != 0 && (ev.allkeys || d.E(r).Expire != 0) {
				return db, d, r
			}
		}
	}
}

// randomRef is a random entry of d (with a TTL when volatile).
func randomRef(d *keyspace.Dict, volatile bool) keyspace.Ref {
	if volatile {
		return d.RandomVolatile()
	}
	return d.Random()
}

// slotList lists, for a cluster-mode database, the slots whose dicts held keys (and
// keys with a TTL) when it was built: with 16384 per-slot dicts and keys in only a
// few of them, probing slots at random would mostly miss.
type slotList struct {
	all, volatile []int32
	builtMs       int64
}

// slotListTTL is how long a slot list serves before it is rebuilt, so that slots
// that gained keys since are sampled too.
const slotListTTL = 100

// sampleDict returns a dict of db holding keys (keys with a TTL when volatile) and
// its index, chosen at random among the per-slot dicts in cluster mode, or nil when
// there is none.
func (s *Server) sampleDict(db *DB, volatile bool) (*keyspace.Dict, int) {
	has := func(d *keyspace.Dict) bool {
		if volatile {
			return d.VolatileLen() > 0
		}
		return d.Len() > 0
	}
	if len(db.dicts) == 1 {
		if has(db.dicts[0]) {
			return db.dicts[0], 0
		}
		return nil, 0
	}
	if db.keys == 0 {
		return nil, 0
	}
	ev := &s.evict
	if len(ev.slotLists) != len(s.dbs) {
		ev.slotLists = make([]slotList, len(s.dbs))
	}
	sl := &ev.slotLists[db.id]
	for attempt := 0; attempt < 2; attempt++ {
		if attempt == 1 || s.nowMs-sl.builtMs >= slotListTTL {
			sl.rebuild(db, s.nowMs)
		}
		list := sl.all
		if volatile {
			list = sl.volatile
		}
		if len(list) == 0 {
			continue
		}
		for i := 0; i < 16; i++ {
			j := int(list[rand.IntN(len(list))])
			if d := db.dicts[j]; has(d) {
				return d, j
			}
		}
	}
	return nil, 0
}

// rebuild lists db's slots that hold keys.
func (sl *slotList) rebuild(db *DB, nowMs int64) {
	sl.all, sl.volatile = sl.all[:0], sl.volatile[:0]
	for i, d := range db.dicts {
		if d.Len() > 0 {
			sl.all = append(sl.all, int32(i))
			if d.VolatileLen() > 0 {
				sl.volatile = append(sl.volatile, int32(i))
			}
		}
	}
	sl.builtMs = nowMs
}

// evictionPoolPopulate is Redis's evictionPoolPopulate: sample maxmemory-samples
// keys of db and insert those better than the pool's worst, keeping the pool sorted
// by ascending score. It returns how many keys it sampled.
func (s *Server) evictionPoolPopulate(dbid int, db *DB) int {
	ev := &s.evict
	pool := &ev.pool
	volatile := !ev.allkeys
	sampled := 0
	for j := 0; j < s.cfg.MaxMemorySamples; j++ {
		d, slot := s.sampleDict(db, volatile)
		if d == nil {
			break
		}
		r := randomRef(d, volatile)
		if r == 0 {
			break
		}
		sampled++
		e := d.E(r)
		idle := s.evictionScore(e)
		// The first empty slot, or the first whose score is not below ours.
		k := 0
		for k < evpoolSize && pool[k].set && pool[k].idle < idle {
			k++
		}
		switch {
		case k == 0 && pool[evpoolSize-1].set:
			continue // worse than every candidate of a full pool
		case k < evpoolSize && !pool[k].set:
			// An empty slot: insert there.
		case !pool[evpoolSize-1].set:
			// Room on the right: shift k.. right, reusing the last slot's buffer.
			buf := pool[evpoolSize-1].key
			copy(pool[k+1:], pool[k:evpoolSize-1])
			pool[k].key = buf
		default:
			// Full: insert at k-1, dropping the worst candidate on the left.
			k--
			buf := pool[0].key
			copy(pool[:k], pool[1:k+1])
			pool[k].key = buf
		}
		pe := &pool[k]
		if cap(pe.key) > evpoolCachedKey {
			pe.key = nil // do not keep a long key's buffer (EVPOOL_CACHED_SDS_SIZE)
		}
		pe.key = append(pe.key[:0], e.Key()...)
		pe.idle = idle
		pe.dbid = dbid
		pe.slot, pe.ref = slot, r
		pe.set = true
	}
	return sampled
}

// evictionScore is a key's score as an eviction candidate, higher is better: idle
// milliseconds (LRU), 255 minus the LFU counter, or the inverse of the expire time.
func (s *Server) evictionScore(e *keyspace.Entry) uint64 {
	ev := &s.evict
	switch {
	case ev.lru:
		return estimateIdleTime(s.lruClock(), metaLRU(e.Meta))
	case ev.lfu:
		return 255 - uint64(s.lfuDecayed(metaLRU(e.Meta)))
	}
	return math.MaxUint64 - uint64(e.Expire) // volatile-ttl: the sooner the better
}

// lruClockMax is Redis's LRU_CLOCK_MAX.
const lruClockMax = 1<<24 - 1

// estimateIdleTime is Redis's estimateObjectIdleTime in milliseconds, for an entry
// whose LRU clock is lru (the clock wraps every 194 days).
func estimateIdleTime(clock, lru uint32) uint64 {
	if clock >= lru {
		return uint64(clock-lru) * 1000
	}
	return uint64(clock+(lruClockMax-lru)) * 1000
}

// evictEntry deletes an entry chosen for eviction as Redis does: the deletion is
// counted in evicted_keys, signalled to watchers, notified as an "evicted" keyspace
// event and propagated as DEL (UNLINK with lazyfree-lazy-eviction). It returns the
// accounted bytes freed.
func (s *Server) evictEntry(db *DB, d *keyspace.Dict, r keyspace.Ref) int64 {
	var start time.Time
	threshold := s.cfg.LatencyMonitorThreshold
	if threshold > 0 {
		start = time.Now()
	}
	e := d.E(r)
	// The key's bytes stay valid after the entry is released: strings are never
	// written again once their entry is gone.
	key := bytesOf(e.Key())
	freed := int64(e.Mem) * 8
	s.unaccount(db, e)
	if s.persist.walk != nil {
		s.snapBeforeChange(d, r) // copy-before-write (snapshot.go)
	}
	if s.cfg.LazyfreeLazyEviction {
		s.lazyfreeDrop(e)
	}
	d.Delete(r)
	db.keys--
	if threshold > 0 {
		if ms := time.Since(start).Milliseconds(); ms >= threshold {
			s.latencyAdd("eviction-del", ms)
		}
	}
	s.stats.evictedKeys++
	s.signalModified(db, key)
	s.notifyKeyspace(NotifyEvicted, "evicted", key, db.id)
	if s.propagate != nil {
		name := "DEL"
		if s.cfg.LazyfreeLazyEviction {
			name = "UNLINK"
		}
		s.propagate(db.id, [][]byte{[]byte(name), append([]byte(nil), key...)})
	}
	if ce := s.log.Check(zap.DebugLevel, "evicted"); ce != nil {
		ce.Write(zap.ByteString("key", key), zap.Int("db", db.id))
	}
	return freed
}

// propagateEvictions sends the DELs of the evictions just made inside a command
// (CONFIG SET maxmemory, a script) at once and unwrapped, ahead of the command's
// own effects: Redis's performEvictions propagates its deletions itself with
// propagate_no_multi. from is where they start among the pending ops.
func (s *Server) propagateEvictions(from int) {
	if s.prop.depth == 0 || len(s.prop.ops) <= from {
		return
	}
	for _, op := range s.prop.ops[from:] {
		if op.aofOnly {
			if s.aof.state != aofOff {
				s.feedAOF(op.db, s.prop.pend[op.start:op.end])
			}
			continue
		}
		s.feedSinks(op.db, s.prop.pend[op.start:op.end], op.replOnly)
	}
	s.prop.ops = s.prop.ops[:from] // their bytes in pend are dropped with the rest
}

// exceededTimes returns INFO's total_eviction_exceeded_time and
// current_eviction_exceeded_time, in milliseconds.
func (s *Server) exceededTimes() (total, current int64) {
	ev := &s.evict
	var cur time.Duration
	if !ev.exceededSince.IsZero() {
		cur = time.Since(ev.exceededSince)
	}
	return (ev.exceededTotal + cur).Milliseconds(), cur.Milliseconds()
}
