package engine

// Redis 7.0's multi-part append-only file: the AOF state machine, the AOF buffer and
// its write/fsync policies, the manifest's life at start and at runtime (CONFIG SET
// appendonly), INFO persistence's aof_* fields, and the MISCONF check after a write
// error. Loading is in aof_load.go, rewriting (BGREWRITEAOF) in aof_rewrite.go, the
// manifest format in aof_manifest.go, check-aof in aof_check.go.
//
// Flow of one write command with appendonly yes:
//
//	call → s.propagate (propagate.go) → feedAOF: RESP appended to s.aof.buf
//	beforeSleep → flushAOF: one write(2) of the whole buffer to the current incr
//	    file, then by appendfsync: always → fdatasync here, before any reply of this
//	    loop iteration is written (group commit); everysec → an fsync job for the
//	    background fsync goroutine at most once a second; no → nothing
//	handlePendingWrites → replies leave
//
// Files live in dir/appenddirname. Names, manifest and log texts are Redis's.

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"golang.org/x/sys/unix"
)

// aofStatus is Redis's aof_state.
type aofStatus int

const (
	aofOff         aofStatus = iota // appendonly no
	aofOn                           // appending to the current incr file
	aofWaitRewrite                  // appendonly just turned on: waiting for the first rewrite
)

// aofState is the AOF's state (loop goroutine only, except bio's atomics).
type aofState struct {
	state    aofStatus
	loading  bool // replaying the AOF at start: nothing propagates
	manifest *aofManifest
	fd       int    // current incr file (-1 when none)
	buf      []byte // commands not yet written (Redis's aof_buf)
	// flushSleep is DEBUG AOF-FLUSH-SLEEP: a pause before each write of a
	// non-empty buf, so tests can catch replies racing the AOF.
	flushSleep time.Duration

	selectedDB   int   // db of the last command in the AOF, -1 forces a SELECT
	curTimestamp int64 // unix seconds of the last #TS annotation

	currentSize         int64 // aof_current_size: base + incr files
	lastIncrSize        int64 // bytes in the current incr file
	lastIncrFsyncOffset int64 // lastIncrSize at the last fsync
	rewriteBaseSize     int64 // aof_current_size after the last rewrite (auto rewrite base)
	lastFsync           int64 // unix seconds of the last fsync (or fsync job)
	flushPostponedStart int64 // unix seconds since a write waits for a busy fsync (everysec)
	delayedFsync        int64 // aof_delayed_fsync

	writeErr      error // last write error (aof_last_write_status err), nil when ok
	lastErrLogged int64 // unix seconds of the last write error log line

	lastCOW             int64 // aof_last_cow_size: the last rewrite snapshot's buffered peak
	rewriteScheduled    bool
	rewriteTimeStart    int64 // unix seconds, -1 when no rewrite runs
	rewriteTimeLast     int64 // seconds the last rewrite took, -1 before any
	lastBgrewriteErr    bool
	rewrites            int64 // aof_rewrites
	consecutiveFailures int64 // aof_rewrites_consecutive_failures
	limitDelayMinutes   int64 // aofRewriteLimited's back-off
	limitNextTime       int64

	rw  *aofRewrite // the rewrite in progress (aof_rewrite.go), nil when none
	bio *aofBio     // background fsync worker, nil until AOF is first enabled
}

// aofBio is the background fsync worker (Redis's bio thread for BIO_AOF_FSYNC and
// BIO_CLOSE_AOF). Jobs come from the loop; the status is read back by the loop.
type aofBio struct {
	jobs    chan aofBioJob
	pending atomic.Int64
	// errno is the errno of the last failed fsync, 0 after a successful one
	// (aof_bio_fsync_status and aof_bio_fsync_errno).
	errno atomic.Int64
}

type aofBioJob struct {
	fd    int
	close bool // fsync, then close the descriptor (an incr file a rewrite left)
}

func (b *aofBio) run() {
	for j := range b.jobs {
		err := unix.Fdatasync(j.fd)
		if err != nil && err != unix.EBADF && err != unix.EINVAL {
			b.errno.Store(int64(err.(syscall.Errno)))
		} else if err == nil {
			b.errno.Store(0)
		}
		if j.close {
			unix.Close(j.fd)
		} else {
			b.pending.Add(-1)
		}
	}
}

// submit queues a job. Only fsyncs of the current file count as pending (Redis's
// aofFsyncInProgress ignores the close of a file a rewrite replaced).
func (b *aofBio) submit(j aofBioJob) {
	if !j.close {
		b.pending.Add(1)
	}
	b.jobs <- j
}

// aofAutoSyncBytes is how often a rewrite fsyncs the file it writes with
// aof-rewrite-incremental-fsync (Redis's REDIS_AUTOSYNC_BYTES).
const aofAutoSyncBytes = 4 << 20

// initAOF registers the AOF's hooks. Called once from New; the AOF itself starts
// with aofLoadAtStart (Start) or CONFIG SET appendonly yes.
func (s *Server) initAOF() {
	s.aof.fd = -1
	s.aof.manifest = &aofManifest{} // replaced by the one on disk at Start
	s.aof.selectedDB = -1
	s.aof.rewriteTimeStart = -1
	s.aof.rewriteTimeLast = -1
	s.prop.replDB = -1
	s.beforeSleepHooks = append(s.beforeSleepHooks, s.aofBeforeSleep)
	s.cronHooks = append(s.cronHooks, s.aofCron)
	s.configApplyHooks = append(s.configApplyHooks, s.aofConfigChanged)
	s.shutdownHooks = append(s.shutdownHooks, s.aofShutdown)
	s.infoHooks = append(s.infoHooks, s.aofInfo)
	s.lateCommandChecks = append(s.lateCommandChecks, s.aofDenyWrites)
}

// aofDir is dir/appenddirname.
func (s *Server) aofDir() string { return filepath.Join(s.cfg.Dir, s.cfg.AppendDirname) }

// aofPath is the path of one file of the AOF directory.
func (s *Server) aofPath(name string) string { return filepath.Join(s.aofDir(), name) }

func (s *Server) unixNow() int64 { return time.Now().Unix() }

// aofStrerror renders an error as C's strerror ("No such file or directory").
func aofStrerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		m := errno.Error()
		if m != "" {
			return string(m[0]-'a'+'A') + m[1:]
		}
	}
	return err.Error()
}

// feedAOF appends one encoded command (propagate.go) to the AOF buffer, preceded
// by a #TS annotation (aof-timestamp-enabled) and a SELECT when needed, as Redis's
// feedAppendOnlyFile.
func (s *Server) feedAOF(db int, cmd []byte) {
	if s.aof.state == aofWaitRewrite && s.aof.rw == nil {
		return // nothing to append to until the first rewrite starts
	}
	b := s.aof.buf
	if s.cfg.AOFTimestampEnabled {
		if now := s.nowMs / 1000; s.aof.curTimestamp < now {
			s.aof.curTimestamp = now
			b = append(b, "#TS:"...)
			b = strconv.AppendInt(b, now, 10)
			b = append(b, "\r\n"...)
		}
	}
	if db != s.aof.selectedDB {
		b = appendSelect(b, db)
		s.aof.selectedDB = db
	}
	s.aof.buf = append(b, cmd...)
}

// aofBeforeSleep writes (and with always, fsyncs) the buffer before the replies of
// this loop iteration are written. It runs after the blocked clients were served,
// as their pops propagate too.
func (s *Server) aofBeforeSleep() {
	if s.aof.state != aofOff {
		s.flushAOF(false)
	}
}

// aofFsyncInProgress reports a pending background fsync of the current file.
func (s *Server) aofFsyncInProgress() bool {
	return s.aof.bio != nil && s.aof.bio.pending.Load() != 0
}

// flushAOF writes the AOF buffer to the current incr file and fsyncs by policy:
// Redis's flushAppendOnlyFile, with its postponing rule under everysec (a write
// would block behind a slow background fsync: wait up to 2 s, then write anyway and
// count aof_delayed_fsync) and its error handling (always: exit; otherwise keep the
// data, refuse writes with MISCONF until a write succeeds).
func (s *Server) flushAOF(force bool) {
	if s.aof.fd < 0 || (len(s.aof.buf) == 0 && s.aof.lastIncrFsyncOffset == s.aof.lastIncrSize) {
		return // the common idle case: nothing to write, nothing owed to the disk
	}
	now := s.unixNow()
	syncInProgress := false
	if len(s.aof.buf) == 0 {
		// Nothing new, but an fsync may still be owed: everysec when the last
		// second's writes are not synced yet, always after a switch from everysec.
		switch {
		case s.cfg.AppendFsync == "everysec" && s.aof.lastIncrFsyncOffset != s.aof.lastIncrSize &&
			now > s.aof.lastFsync && !s.aofFsyncInProgress():
		case s.cfg.AppendFsync == "always" && s.aof.lastIncrFsyncOffset != s.aof.lastIncrSize:
		default:
			return
		}
		s.aofFsync(now, false)
		return
	}
	if s.cfg.AppendFsync == "everysec" {
		syncInProgress = s.aofFsyncInProgress()
		if !force && syncInProgress {
			if s.aof.flushPostponedStart == 0 {
				s.aof.flushPostponedStart = now
				return
			} else if now-s.aof.flushPostponedStart < 2 {
				return
			}
			s.aof.delayedFsync++
			s.log.Info("Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.")
		}
	}
	if s.aof.flushSleep > 0 && len(s.aof.buf) > 0 {
		time.Sleep(s.aof.flushSleep) // DEBUG AOF-FLUSH-SLEEP: stalls the loop, as Redis's usleep
	}
	start := time.Now()
	n, err := aofWrite(s.aof.fd, s.aof.buf)
	if ms := time.Since(start).Milliseconds(); s.cfg.LatencyMonitorThreshold > 0 && ms >= s.cfg.LatencyMonitorThreshold {
		if syncInProgress {
			s.latencyAdd("aof-write-pending-fsync", ms)
		} else {
			s.latencyAdd("aof-write-alone", ms)
		}
		s.latencyAdd("aof-write", ms)
	}
	s.aof.flushPostponedStart = 0
	if n != len(s.aof.buf) {
		canLog := now-s.aof.lastErrLogged > 30
		if canLog {
			s.aof.lastErrLogged = now
		}
		if n < 0 || err != nil && n == 0 {
			if canLog {
				s.log.Warn("Error writing to the AOF file: " + aofStrerror(err))
			}
			s.aof.writeErr = err
			n = -1
		} else {
			if canLog {
				s.log.Warn("Short write while writing to the AOF file: (nwritten=" + strconv.Itoa(n) + ", expected=" + strconv.Itoa(len(s.aof.buf)) + ")")
			}
			// Remove the partial command so the file still loads.
			if terr := unix.Ftruncate(s.aof.fd, s.aof.lastIncrSize); terr != nil {
				if canLog {
					s.log.Warn("Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next time it starts.  ftruncate: " + aofStrerror(terr))
				}
			} else {
				n = -1
			}
			s.aof.writeErr = unix.ENOSPC
		}
		if s.cfg.AppendFsync == "always" {
			// The replies are already in the output buffers and the writes can't be
			// undone: the promise that acknowledged writes are on disk forces exit.
			s.log.Warn("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...")
			s.log.Sync()
			os.Exit(1)
		}
		if n > 0 {
			s.aof.currentSize += int64(n)
			s.aof.lastIncrSize += int64(n)
			s.aof.buf = s.aof.buf[:copy(s.aof.buf, s.aof.buf[n:])]
		}
		return // retried from the cron
	}
	if s.aof.writeErr != nil {
		s.log.Warn("AOF write error looks solved, Redis can write again.")
		s.aof.writeErr = nil
	}
	s.aof.currentSize += int64(n)
	s.aof.lastIncrSize += int64(n)
	// Keep a small buffer for reuse; let a big one go.
	if cap(s.aof.buf) < 4000 {
		s.aof.buf = s.aof.buf[:0]
	} else {
		s.aof.buf = nil
	}
	s.aofFsync(now, syncInProgress)
}

// aofFsync is the fsync half of flushAOF (Redis's try_fsync label).
func (s *Server) aofFsync(now int64, syncInProgress bool) {
	if s.cfg.NoAppendfsyncOnRewrite && s.childActive() {
		return
	}
	switch s.cfg.AppendFsync {
	case "always":
		start := time.Now()
		if err := unix.Fdatasync(s.aof.fd); err != nil {
			s.log.Warn("Can't persist AOF for fsync error when the AOF fsync policy is 'always': " + aofStrerror(err) + ". Exiting...")
			s.log.Sync()
			os.Exit(1)
		}
		if ms := time.Since(start).Milliseconds(); s.cfg.LatencyMonitorThreshold > 0 && ms >= s.cfg.LatencyMonitorThreshold {
			s.latencyAdd("aof-fsync-always", ms)
		}
		s.aof.lastIncrFsyncOffset = s.aof.lastIncrSize
		s.aof.lastFsync = now
	case "everysec":
		if now > s.aof.lastFsync {
			if !syncInProgress && !s.aofFsyncInProgress() {
				s.aof.bio.submit(aofBioJob{fd: s.aof.fd})
				s.aof.lastIncrFsyncOffset = s.aof.lastIncrSize
			}
			s.aof.lastFsync = now
		}
	}
}

// childActive reports a background save or rewrite in progress (Redis's
// hasActiveChildProcess, for no-appendfsync-on-rewrite and the scheduling rules).
func (s *Server) childActive() bool {
	return s.aof.rw != nil || s.snapshotRunning()
}

// aofWrite writes all of b, retrying short writes and EINTR (Redis's aofWrite).
func aofWrite(fd int, b []byte) (int, error) {
	total := 0
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			if total == 0 {
				return -1, err
			}
			return total, err
		}
		b = b[n:]
		total += n
	}
	return total, nil
}

// aofCron runs the AOF's periodic work (serverCron's AOF blocks): scheduled and
// automatic rewrites, postponed flushes, and retrying after a write error.
func (s *Server) aofCron() {
	if !s.childActive() && s.aof.rewriteScheduled && !s.aofRewriteLimited() {
		s.rewriteAppendOnlyFileBackground()
	}
	if s.aof.state == aofOn && !s.childActive() && s.cfg.AutoAOFRewritePercentage > 0 &&
		s.aof.currentSize > s.cfg.AutoAOFRewriteMinSize {
		base := s.aof.rewriteBaseSize
		if base == 0 {
			base = 1
		}
		growth := s.aof.currentSize*100/base - 100
		if growth >= int64(s.cfg.AutoAOFRewritePercentage) && !s.aofRewriteLimited() {
			s.log.Info("Starting automatic rewriting of AOF on " + strconv.FormatInt(growth, 10) + "% growth")
			s.rewriteAppendOnlyFileBackground()
		}
	}
	if s.aof.state != aofOff && s.aof.flushPostponedStart != 0 {
		s.flushAOF(false)
	}
	if s.every(1000) && s.aof.state != aofOff && s.aof.writeErr != nil {
		s.flushAOF(false)
	}
}

// aofRewriteLimited delays automatic rewrites after repeated failures: 1, 2, 4 ...
// up to 60 minutes (Redis's aofRewriteLimited).
func (s *Server) aofRewriteLimited() bool {
	if s.aof.consecutiveFailures < 3 {
		s.aof.limitDelayMinutes = 0
		s.aof.limitNextTime = 0
		return false
	}
	now := s.unixNow()
	if s.aof.limitNextTime != 0 {
		if now < s.aof.limitNextTime {
			return true
		}
		s.aof.limitNextTime = 0
		return false
	}
	if s.aof.limitDelayMinutes == 0 {
		s.aof.limitDelayMinutes = 1
	} else {
		s.aof.limitDelayMinutes = min(s.aof.limitDelayMinutes*2, 60)
	}
	s.aof.limitNextTime = now + s.aof.limitDelayMinutes*60
	s.log.Warn("Background AOF rewrite has repeatedly failed and triggered the limit, will retry in " + strconv.FormatInt(s.aof.limitDelayMinutes, 10) + " minutes")
	return true
}

// aofDenyWrites refuses write commands (and PING) while the AOF can't be written,
// as Redis's writeCommandsDeniedByDiskError for DISK_ERROR_TYPE_AOF.
func (s *Server) aofDenyWrites(c *Client, cmd *Command) string {
	err := s.aofWriteError()
	if err == nil || (c.checkFlags(cmd)&FlagWrite == 0 && cmd.Name != "ping") || c.fd < 0 {
		return ""
	}
	return "MISCONF Errors writing to the AOF file: " + aofStrerror(err)
}

// aofWriteError is the last AOF write or fsync error while it lasts (Redis's
// aof_last_write_status == C_ERR), nil when the AOF is fine or off.
func (s *Server) aofWriteError() error {
	if s.aof.state == aofOff {
		return nil
	}
	err := s.aof.writeErr
	if err == nil && s.aof.bio != nil {
		if e := s.aof.bio.errno.Load(); e != 0 {
			err = syscall.Errno(e)
		}
	}
	return err
}

// startBio starts the background fsync worker once.
func (s *Server) startBio() {
	if s.aof.bio == nil {
		s.aof.bio = &aofBio{jobs: make(chan aofBioJob, 64)}
		go s.aof.bio.run()
	}
}

// aofCreateDir makes sure appenddirname exists.
func (s *Server) aofCreateDir() error {
	if err := os.Mkdir(s.aofDir(), 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return nil
}

// persistManifest writes m when it changed.
func (s *Server) persistManifest(m *aofManifest) error {
	if !m.dirty {
		return nil
	}
	if err := writeManifestFile(s.aofDir(), s.cfg.AppendFilename, m); err != nil {
		s.log.Warn(err.Error())
		return err
	}
	m.dirty = false
	return nil
}

// aofFileSize is the size of one file of the AOF directory (0 when missing).
func (s *Server) aofFileSize(name string) (int64, error) {
	fi, err := os.Stat(s.aofPath(name))
	if err != nil {
		s.log.Warn("Unable to obtain the AOF file " + name + " length. stat: " + aofStrerror(err))
		return 0, err
	}
	return fi.Size(), nil
}

// aofDelHistoryFiles deletes the history files (unless aof-disable-auto-gc) and
// persists the manifest without them (Redis's aofDelHistoryFiles). The unlinks run
// in the background, as Redis's bg_unlink.
func (s *Server) aofDelHistoryFiles() {
	m := s.aof.manifest
	if m == nil || s.cfg.AOFDisableAutoGC || len(m.history) == 0 {
		return
	}
	var paths []string
	for _, h := range m.history {
		s.log.Info("Removing the history file " + h.name + " in the background")
		paths = append(paths, s.aofPath(h.name))
	}
	go func() {
		for _, p := range paths {
			os.Remove(p)
		}
	}()
	m.history = nil
	m.dirty = true
	s.persistManifest(m)
}

// aofOpenOnStart opens the AOF for appending once the data is loaded (Redis's
// aofOpenIfNeededOnServerStart): an empty dataset with no files gets a base file
// first, then the last incr file is opened (or a new one created) and the manifest
// persisted. Errors are fatal to the start.
func (s *Server) aofOpenOnStart() error {
	if s.aof.state != aofOn {
		return nil
	}
	if err := s.aofCreateDir(); err != nil {
		return errors.New("Can't open or create append-only dir " + s.cfg.AppendDirname + ": " + aofStrerror(err))
	}
	m := s.aof.manifest
	hadIncr := len(m.incr) > 0
	if m.base == nil && !hadIncr {
		name := m.newBaseName(s.cfg.AppendFilename, s.cfg.AOFUseRDBPreamble)
		if err := s.rewriteAppendOnlyFileSync(s.aofPath(name)); err != nil {
			return err
		}
		s.log.Info("Creating AOF base file " + name + " on server start")
	}
	name := m.lastIncrName(s.cfg.AppendFilename)
	fd, err := unix.Open(s.aofPath(name), unix.O_WRONLY|unix.O_APPEND|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return errors.New("Can't open the append-only file " + name + ": " + aofStrerror(err))
	}
	s.aof.fd = fd
	if err := s.persistManifest(m); err != nil {
		return err
	}
	s.aof.lastIncrSize, _ = s.aofFileSize(name)
	s.aof.lastIncrFsyncOffset = s.aof.lastIncrSize
	if hadIncr {
		s.log.Info("Opening AOF incr file " + name + " on server start")
	} else {
		s.log.Info("Creating AOF incr file " + name + " on server start")
	}
	return nil
}

// startAppendOnly turns the AOF on at runtime (CONFIG SET appendonly yes): the
// state waits for a rewrite that writes the whole dataset as the new base, then
// appends (Redis's startAppendOnly).
func (s *Server) startAppendOnly() error {
	s.aof.state = aofWaitRewrite
	s.startBio()
	s.updatePropagate()
	if s.snapshotRunning() {
		s.aof.rewriteScheduled = true
		s.log.Warn("AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.")
	} else if s.tx.inExec {
		s.aof.rewriteScheduled = true
		s.log.Warn("AOF was enabled during a transaction. An AOF background was scheduled to start when possible.")
	} else {
		if s.aof.rw != nil {
			s.log.Warn("AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.")
			s.killAppendOnlyRewrite()
		}
		if err := s.rewriteAppendOnlyFileBackground(); err != nil {
			s.aof.state = aofOff
			s.updatePropagate()
			s.log.Warn("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.")
			return err
		}
	}
	s.aof.lastFsync = s.unixNow()
	if s.aof.bio.errno.Load() != 0 {
		s.log.Warn("AOF reopen, just ignore the AOF fsync error in bio job")
		s.aof.bio.errno.Store(0)
	}
	if s.aof.writeErr != nil {
		s.log.Warn("AOF reopen, just ignore the last error.")
		s.aof.writeErr = nil
	}
	return nil
}

// stopAppendOnly turns the AOF off at runtime (CONFIG SET appendonly no): flush,
// fsync and close the incr file, abandon a rewrite (Redis's stopAppendOnly).
func (s *Server) stopAppendOnly() {
	s.flushAOF(true)
	if s.aof.fd >= 0 {
		if err := unix.Fdatasync(s.aof.fd); err != nil {
			s.log.Warn("Fail to fsync the AOF file: " + aofStrerror(err))
		} else {
			s.aof.lastFsync = s.unixNow()
		}
		unix.Close(s.aof.fd)
	}
	s.aof.fd = -1
	s.aof.selectedDB = -1
	s.aof.state = aofOff
	s.aof.rewriteScheduled = false
	s.aof.lastIncrSize = 0
	s.aof.lastIncrFsyncOffset = 0
	s.killAppendOnlyRewrite()
	s.aof.buf = nil
	s.updatePropagate()
}

// aofConfigChanged follows CONFIG SET: appendonly starts or stops the AOF,
// aof-disable-auto-gc no deletes the history files now.
func (s *Server) aofConfigChanged(changed []string) error {
	for _, name := range changed {
		switch name {
		case "appendonly":
			if !s.cfg.AppendOnly && s.aof.state != aofOff {
				s.stopAppendOnly()
			} else if s.cfg.AppendOnly && s.aof.state == aofOff {
				if err := s.startAppendOnly(); err != nil {
					return config.SetError("appendonly", "Unable to turn on AOF. Check server logs.")
				}
			}
		case "aof-disable-auto-gc":
			if !s.cfg.AOFDisableAutoGC {
				s.aofDelHistoryFiles()
			}
		}
	}
	return nil
}

// aofShutdown runs at SHUTDOWN / SIGTERM: refuse while the first rewrite of a just
// enabled AOF runs (the dataset is in no file yet), else stop a rewrite, then flush
// and fsync the AOF (Redis's prepareForShutdown).
func (s *Server) aofShutdown(nosave, save bool) error {
	if s.aof.rw != nil {
		if s.aof.state == aofWaitRewrite {
			s.log.Warn("Writing initial AOF, can't exit.")
			return errors.New("Errors trying to SHUTDOWN. Check logs.")
		}
		s.log.Warn("There is a child rewriting the AOF. Killing it!")
		s.killAppendOnlyRewrite()
	}
	if s.aof.state != aofOff && s.aof.fd >= 0 {
		s.log.Info("Calling fsync() on the AOF file.")
		s.flushAOF(true)
		if err := unix.Fdatasync(s.aof.fd); err != nil {
			s.log.Warn("Fail to fsync the AOF file: " + aofStrerror(err) + ".")
		}
	}
	return nil
}

// aofInfo fills INFO persistence's aof_* fields (the section and the rdb_* fields
// are the snapshot part's) and INFO memory's mem_aof_buffer.
func (s *Server) aofInfo(section string, sec *InfoSection) {
	switch section {
	case "memory":
		if _, ok := sec.Get("mem_aof_buffer"); ok {
			sec.Set("mem_aof_buffer", strconv.Itoa(cap(s.aof.buf)))
		}
		return
	case "persistence":
	default:
		return
	}
	a := &s.aof
	sec.Set("aof_enabled", boolDigit(a.state != aofOff))
	sec.Set("aof_rewrite_in_progress", boolDigit(a.rw != nil))
	sec.Set("aof_rewrite_scheduled", boolDigit(a.rewriteScheduled))
	sec.Set("aof_last_rewrite_time_sec", strconv.FormatInt(a.rewriteTimeLast, 10))
	cur := int64(-1)
	if a.rewriteTimeStart != -1 {
		cur = s.unixNow() - a.rewriteTimeStart
	}
	sec.Set("aof_current_rewrite_time_sec", strconv.FormatInt(cur, 10))
	sec.Set("aof_last_bgrewrite_status", okErr(!a.lastBgrewriteErr))
	sec.Set("aof_rewrites", strconv.FormatInt(a.rewrites, 10))
	sec.Set("aof_rewrites_consecutive_failures", strconv.FormatInt(a.consecutiveFailures, 10))
	bioOK := a.bio == nil || a.bio.errno.Load() == 0
	sec.Set("aof_last_write_status", okErr(a.writeErr == nil && bioOK))
	sec.Set("aof_last_cow_size", strconv.FormatInt(a.lastCOW, 10))
	if s.cfg.AppendOnly {
		// Redis prints these when appendonly is configured on, after the
		// module_fork_* fields (and before the loading_* ones).
		var pending int64
		if a.bio != nil {
			pending = a.bio.pending.Load()
		}
		sec.insertAfter("module_fork_last_cow_size",
			[2]string{"aof_current_size", strconv.FormatInt(a.currentSize, 10)},
			[2]string{"aof_base_size", strconv.FormatInt(a.rewriteBaseSize, 10)},
			[2]string{"aof_pending_rewrite", boolDigit(a.rewriteScheduled)},
			[2]string{"aof_buffer_length", strconv.Itoa(len(a.buf))},
			[2]string{"aof_pending_bio_fsync", strconv.FormatInt(pending, 10)},
			[2]string{"aof_delayed_fsync", strconv.FormatInt(a.delayedFsync, 10)})
	}
}

func okErr(ok bool) string {
	if ok {
		return "ok"
	}
	return "err"
}

// insertAfter adds fields right after the field key (at the end when key is
// absent), replacing fields of the same names already present.
func (sec *InfoSection) insertAfter(key string, fields ...[2]string) {
	for _, f := range fields {
		for i := range sec.fields {
			if sec.fields[i][0] == f[0] {
				sec.fields = append(sec.fields[:i], sec.fields[i+1:]...)
				break
			}
		}
	}
	at := len(sec.fields)
	for i := range sec.fields {
		if sec.fields[i][0] == key {
			at = i + 1
			break
		}
	}
	rest := append([][2]string(nil), sec.fields[at:]...)
	sec.fields = append(append(sec.fields[:at], fields...), rest...)
}
