package engine

// persist_loading.go: serving clients while the dataset loads (Redis's startLoading,
// loadingAbsProgress, processEventsWhileBlocked and the -LOADING refusal).
//
// Redis opens its listening sockets before it loads the RDB or the AOF, and every
// loading-process-events-interval-bytes of RDB input (every 1024 AOF commands) it
// handles pending file events: clients connect and get -LOADING for every command
// without the "loading" flag, while INFO, CONFIG, CLIENT, ... answer, INFO
// persistence showing loading:1 and the loading_* progress fields. keygrid does the
// same from the loaders' callbacks (rdb_file.go's Key handler, aof_load.go's replay
// loop): the loop's file events are polled without waiting and without timers, as a
// busy script does (script_busy.go), so the cron, expiry and eviction never run in
// the middle of a load.
//
// A client that started a load (DEBUG RELOAD, DEBUG LOADAOF) is protected while it
// runs, as Redis's protectClient: its socket leaves the epoll set and the shared read
// buffer, which its pending requests still point into, is replaced.
//
// A replica's full sync loads the same way (repl_replica.go), from a timer, never
// from a queued function: those run inside the mailbox's event handler. ld.replFD
// is then its master link, which gets the keep-alive newlines.
//
// Loads that must not serve events (a temp server converting a snapshot, tests
// without a loop) simply never enable them: ld.events is false unless a caller
// asked for it with loadServing.

import (
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/keygrid/keygrid/engine/loop"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// errLoading is Redis's shared.loadingerr.
const errLoading = "LOADING Redis is loading the dataset in memory"

// errShutdownWhileLoading ends a load when SHUTDOWN arrived during it: Redis exits
// at once there (no save: the dataset is partial).
var errShutdownWhileLoading = errors.New("shutdown requested while loading")

// loadingState is the progress of the load in progress (loop goroutine only).
type loadingState struct {
	startTime   int64 // loading_start_time (unix seconds)
	totalBytes  int64 // loading_total_bytes: the input's size, 0 when unknown
	loadedBytes int64 // loading_loaded_bytes
	base        int64 // input bytes before the current file (multi-part AOF)
	rdbUsedMem  uint64
	// events: this load serves clients; nextAt is the offset in the current file
	// at which it next does (RDB input; the AOF counts commands instead).
	events bool
	nextAt int64
	// serve is set by loadServing around a load that may serve clients, which
	// startLoading turns into events.
	serve bool
	// checkIndex is where the -LOADING check sits in lateCommandChecks.
	checkIndex int
	// replFD, when >= 0, is the master link of a replica loading a full sync:
	// Redis sends it a newline every second so the master does not time it out.
	replFD       int
	lastNewline  time.Time
	atStartup    bool // the load of Start (the repl-* aux fields count only there)
	shutdownSeen bool
	// async: a replica's swapdb load of the same history (Redis 7.0's
	// async_loading): the old dataset keeps serving, only the commands flagged
	// no-async-loading are refused, and INFO says async_loading:1, loading:0.
	async bool
}

// loadServing runs load with client events served during it; caller, when not nil,
// is the client whose command started the load and is protected meanwhile.
func (s *Server) loadServing(caller *Client, load func()) {
	ld := &s.persist.ld
	if s.loop == nil || s.persist.loading {
		// No loop (tests), or a load inside a load: nothing to serve from here.
		load()
		return
	}
	protected := caller != nil && caller.fd >= 0
	if protected {
		s.loop.DelFile(caller.fd, loop.Readable)
		// The caller's argv and pipelined requests point into the read buffer;
		// clients served meanwhile read into a new one.
		s.readBuf = make([]byte, readChunk)
	}
	ld.serve = true
	load()
	ld.serve = false
	if protected && caller.fd >= 0 && caller.flags&flagCloseASAP == 0 {
		if err := s.loop.AddFile(caller.fd, loop.Readable, s.onReadable, nil); err != nil {
			s.log.Warn("restoring a client after a load", zap.Error(err))
		}
	}
}

// startLoading is Redis's startLoading: loading:1 in INFO, the progress fields reset,
// and, inside loadServing, the -LOADING refusal installed.
func (s *Server) startLoading(total int64) {
	p := &s.persist
	p.loading = true
	s.repl.loading.Store(true)
	p.ld = loadingState{
		startTime:  time.Now().Unix(),
		totalBytes: total,
		events:     p.ld.serve,
		serve:      p.ld.serve,
		replFD:     p.ld.replFD,
		atStartup:  p.ld.atStartup,
		async:      p.ld.async,
		nextAt:     s.loadingInterval(),
	}
	if p.ld.events {
		p.ld.checkIndex = len(s.lateCommandChecks)
		// Last: Redis checks loading after MISCONF, min-replicas, the read-only
		// replica and the stale-data refusals.
		s.lateCommandChecks = append(s.lateCommandChecks, s.loadingDeny)
	}
}

// stopLoading is Redis's stopLoading.
func (s *Server) stopLoading() {
	p := &s.persist
	if p.ld.events {
		if i := p.ld.checkIndex; i < len(s.lateCommandChecks) {
			s.lateCommandChecks = append(s.lateCommandChecks[:i:i], s.lateCommandChecks[i+1:]...)
		}
		p.ld.events = false
	}
	p.loading = false
	p.ld.async = false
	s.repl.loading.Store(false)
}

func (s *Server) loadingInterval() int64 {
	if n := s.cfg.LoadingProcessEventsIntervalBytes; n > 0 {
		return n
	}
	return 2 << 20
}

// loadingDeny refuses what may not run during a load (a late command check).
func (s *Server) loadingDeny(c *Client, cmd *Command) string {
	f := c.checkFlags(cmd)
	if s.persist.ld.async {
		// async_loading: the old dataset serves everything but what would
		// disturb the load (REPLICAOF, DEBUG RELOAD, ...: no-async-loading).
		if f&FlagNoAsyncLoading != 0 {
			return errLoading
		}
		return ""
	}
	if f&FlagLoading == 0 {
		return errLoading
	}
	return ""
}

// loadingDenyConfigs are the directives CONFIG SET refuses during a load
// (Redis's DENY_LOADING_CONFIG): they would change where or how it loads.
var loadingDenyConfigs = []string{"appendonly", "dir", "repl-diskless-load"}

// configSetDeniedLoading reports whether CONFIG SET's argv names a directive
// that may not change while loading (async_loading included).
func (s *Server) configSetDeniedLoading(argv [][]byte) bool {
	if !s.persist.loading {
		return false
	}
	for i := 2; i < len(argv); i += 2 {
		for _, name := range loadingDenyConfigs {
			if eqFold(argv[i], name) {
				return true
			}
		}
	}
	return false
}

// loadingFile starts the next file of a load: base is the size of the files before.
func (s *Server) loadingFile(base int64) {
	ld := &s.persist.ld
	ld.base = base
	ld.nextAt = s.loadingInterval()
}

// loadingRDBProgress is called by the RDB loader after each key with the offset in
// its file; every loading-process-events-interval-bytes it serves clients.
func (s *Server) loadingRDBProgress(off int64) error {
	ld := &s.persist.ld
	if off < ld.nextAt {
		return nil
	}
	ld.nextAt = off + s.loadingInterval()
	return s.loadingServe(off)
}

// loadingServe records the progress (off in the current file) and handles pending
// events: replies out, up to four non-blocking polls, replies out (Redis's
// processEventsWhileBlocked). SHUTDOWN during it ends the load.
func (s *Server) loadingServe(off int64) error {
	ld := &s.persist.ld
	ld.loadedBytes = ld.base + off
	if !ld.events {
		return nil
	}
	if ld.replFD >= 0 {
		if now := time.Now(); now.Sub(ld.lastNewline) >= time.Second {
			ld.lastNewline = now
			unix.Write(ld.replFD, []byte{'\n'}) // best effort, as Redis's
		}
	}
	s.clusterHeartbeat() // the bus answers while a load serves events
	s.handlePendingWrites()
	for range 4 {
		s.loop.ProcessFileEvents(0)
		if s.loop.Stopped() {
			break
		}
	}
	if sig := s.sigPending; sig != 0 {
		// A SIGTERM during the load: whileBlockedCron's shutdown_asap branch.
		s.sigPending = 0
		s.signalShutdown(sig)
	}
	s.handlePendingWrites()
	if s.loop.Stopped() {
		ld.shutdownSeen = true
		return errShutdownWhileLoading
	}
	return nil
}

// StoppedDuringLoad reports whether Start's load ended in a shutdown (SHUTDOWN, or
// a SIGTERM during the load, which Redis obeys at once, unsaved): the server
// never became ready. Call it after Start, before Run.
func (s *Server) StoppedDuringLoad() bool { return s.persist.ld.shutdownSeen }

// loadingAux notes the used-mem aux field of the RDB being loaded
// (loading_rdb_used_mem).
func (s *Server) loadingAux(key, val []byte) {
	if s.persist.loading && string(key) == "used-mem" {
		if n, err := strconv.ParseUint(string(val), 10, 64); err == nil {
			s.persist.ld.rdbUsedMem = n
		}
	}
}

// infoLoading appends the loading_* fields of INFO persistence while loading.
func (s *Server) infoLoading(sec *InfoSection) {
	ld := &s.persist.ld
	perc := float64(ld.loadedBytes) / float64(ld.totalBytes+1) * 100
	remaining := ld.totalBytes - ld.loadedBytes
	elapsed := time.Now().Unix() - ld.startTime
	eta := int64(1) // Redis's placeholder before a second has passed
	if elapsed > 0 {
		eta = elapsed * remaining / (ld.loadedBytes + 1)
	}
	if eta < 0 || eta > math.MaxInt32 {
		eta = 0 // an input larger than announced (a replica's stream)
	}
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }
	sec.Set("loading_start_time", i64(ld.startTime))
	sec.Set("loading_total_bytes", i64(ld.totalBytes))
	sec.Set("loading_rdb_used_mem", strconv.FormatUint(ld.rdbUsedMem, 10))
	sec.Set("loading_loaded_bytes", i64(ld.loadedBytes))
	sec.Set("loading_loaded_perc", strconv.FormatFloat(perc, 'f', 2, 64))
	sec.Set("loading_eta_seconds", i64(eta))
}
