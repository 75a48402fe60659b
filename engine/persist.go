package engine

// persist.go: RDB persistence around the snapshot machinery (Redis's rdb.c commands
// and the persistence parts of server.c): SAVE, BGSAVE [SCHEDULE], save points in the
// cron with Redis's retry-after-error rule, stop-writes-on-bgsave-error (MISCONF), INFO
// persistence's loading and rdb_* fields, loading dump.rdb at start, the final save of
// SHUTDOWN / SIGTERM, DEBUG RELOAD, and the empty save after FLUSHALL.
//
// BGSAVE is a forkless snapshot (snapshot.go) into rdbFileSink: dir/temp-<pid>.rdb,
// fsynced and renamed over dir/dbfilename, so a save killed half-way leaves the old
// dump intact. SAVE and the other synchronous saves write the whole dataset with
// saveRDBSync into the same kind of temp file on the loop, as Redis's rdbSave does.
//
// INFO persistence: this part owns the section. info.go lays out every field of
// Redis 7.0 in order; infoPersistenceHook sets the loading/rdb_* values and the AOF
// part sets the aof_* ones through its own infoHook.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/keygrid/keygrid/engine/rdb"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// saveRetryDelay is Redis's CONFIG_BGSAVE_RETRY_DELAY: after a failed BGSAVE, save
// points wait this many seconds before trying again.
const saveRetryDelay = 5

// ErrMisconf is the error write commands get after a failed BGSAVE with
// stop-writes-on-bgsave-error (Redis's shared.bgsaveerr).
const ErrMisconf = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."

// persistState is the RDB persistence state (loop goroutine only).
type persistState struct {
	// running is the snapshot in progress, until its writer has finished; walk is
	// the one whose walk and copy-before-write are still active (snapshot.go). The
	// write paths test walk, a single pointer, when no snapshot runs.
	running *snapshot
	walk    *snapshot
	// bgsave is set while running is a BGSAVE to dbfilename.
	bgsave bool
	// killedAtExit is set while the shutdown stops the running RDB snapshot:
	// Redis kills its child and exits before reaping it, so the end is not logged.
	killedAtExit bool
	// lastCOW is the peak of bytes encoded but not yet written of the last
	// snapshot: keygrid's counterpart of the copy-on-write size of a fork.
	lastCOW int64

	bgsaveStart       time.Time // rdb_save_time_start
	lastBgsaveSecs    int64     // rdb_last_bgsave_time_sec, -1 before any
	lastBgsaveErr     bool      // lastbgsave_status == C_ERR
	lastBgsaveTry     int64     // unix seconds of the last BGSAVE attempt
	dirtyBeforeBgsave int64
	bgsaveScheduled   bool
	rdbSaves          int64 // stat_rdb_saves

	loading                     bool
	reloading                   bool // DEBUG RELOAD empties the keyspace: no FLUSHALL
	lastLoadKeys, lastLoadExpir int64
	// ld is the progress of the load in progress and whether it serves clients
	// (persist_loading.go).
	ld loadingState
	// skipChecksum is DEBUG SET-SKIP-CHECKSUM-VALIDATION: RDB files and RESTORE
	// payloads load without their CRC64 checked (the suite's corrupt payloads).
	skipChecksum bool
}

// initPersist registers this part's hooks; New calls it.
func (s *Server) initPersist() {
	s.persist.lastBgsaveSecs = -1
	s.persist.ld.replFD = -1
	s.cronHooks = append(s.cronHooks, s.persistCron)
	s.lateCommandChecks = append(s.lateCommandChecks, s.rdbDenyWrites)
	s.infoHooks = append(s.infoHooks, s.infoPersistenceHook)
	s.shutdownHooks = append(s.shutdownHooks, s.persistShutdown)
	s.onFlush = append(s.onFlush, func(dbid int) {
		// FLUSHALL kills an RDB child (Redis's flushAllDataAndResetRDB); FLUSHDB does
		// not, and neither disturbs an AOF rewrite: the walk keeps the detached dicts.
		if dbid == -1 && s.persist.bgsave && !s.persist.reloading {
			s.log.Warn("Background saving aborted by FLUSHALL")
			s.abortSnapshot()
		}
	})
	s.afterFlush = append(s.afterFlush, func(dbid int) {
		if dbid == -1 && len(s.cfg.Save) > 0 {
			s.rdbSaveSync() // the error is logged; FLUSHALL still replies OK, as Redis
		}
	})
}

var persistCommands = []*Command{
	{Name: "save", Arity: 1, Flags: FlagAdmin | FlagNoScript | FlagNoAsyncLoading | FlagNoMulti,
		Group: "server", Since: "1.0.0", Complexity: "O(N) where N is the total number of keys in all databases",
		Summary: "Synchronously save the dataset to disk",
		Proc:    saveCommand},
	{Name: "bgsave", Arity: -1, Flags: FlagAdmin | FlagNoScript | FlagNoAsyncLoading,
		Group: "server", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Asynchronously save the dataset to disk",
		Doc: &CmdDoc{History: [][2]string{{"3.2.2", "Added the `SCHEDULE` option."}}, Args: []Arg{
			{Name: "schedule", Type: "pure-token", Token: "SCHEDULE", Since: "3.2.2", Optional: true},
		}},
		Proc: bgsaveCommand},
}

// rdbPath is dir/dbfilename.
func (s *Server) rdbPath() string { return filepath.Join(s.cfg.Dir, s.cfg.DBFilename) }

// rdbTempPath is the temp file a save writes before renaming it: Redis's
// "temp-<pid>.rdb" in its working directory.
func (s *Server) rdbTempPath() string {
	return filepath.Join(s.cfg.Dir, "temp-"+strconv.Itoa(os.Getpid())+".rdb")
}

// SAVE
func saveCommand(c *Client) {
	s := c.srv
	if s.persist.bgsave {
		c.ReplyError("ERR Background save already in progress")
		return
	}
	s.persist.rdbSaves++
	if err := s.rdbSaveSync(); err != nil {
		c.ReplyError("ERR")
		return
	}
	c.ReplyOK()
}

// BGSAVE [SCHEDULE]
func bgsaveCommand(c *Client) {
	s := c.srv
	schedule := false
	if len(c.argv) > 1 {
		if len(c.argv) == 2 && eqFold(c.argv[1], "schedule") {
			schedule = true
		} else {
			c.ReplyError(ErrSyntax)
			return
		}
	}
	switch {
	case s.persist.bgsave || s.replSyncSaving(): // Redis's child_type == CHILD_TYPE_RDB
		c.ReplyError("ERR Background save already in progress")
	case s.saveChildActive() || s.tx.inExec:
		if schedule || s.tx.inExec {
			s.persist.bgsaveScheduled = true
			c.ReplySimple("Background saving scheduled")
		} else {
			c.ReplyError("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
		}
	default:
		if err := s.rdbSaveBackground(); err != nil {
			c.ReplyError("ERR")
			return
		}
		c.ReplySimple("Background saving started")
	}
}

// saveChildActive is Redis's hasActiveChildProcess: what stands for its fork
// children here is a snapshot of any kind or an AOF rewrite.
func (s *Server) saveChildActive() bool { return s.persist.running != nil || s.aof.rw != nil }

// rdbSaveBackground starts a BGSAVE (Redis's rdbSaveBackground).
func (s *Server) rdbSaveBackground() error {
	p := &s.persist
	if s.saveChildActive() {
		return errSnapshotBusy
	}
	p.rdbSaves++
	p.dirtyBeforeBgsave = s.dirty
	p.lastBgsaveTry = time.Now().Unix()
	sink := &rdbFileSink{tmp: s.rdbTempPath(), path: s.rdbPath(), incrFsync: s.cfg.RDBSaveIncrementalFsync, log: s.log}
	if err := s.startSnapshot(sink, snapshotOpts{Kind: snapshotRDB, Done: s.bgsaveDone}); err != nil {
		p.lastBgsaveErr = true
		s.log.Warn("Can't save in background: " + err.Error())
		return err
	}
	p.bgsave = true
	p.bgsaveStart = time.Now()
	s.log.Info("Background saving started by pid " + strconv.Itoa(os.Getpid()))
	return nil
}

// bgsaveDone is Redis's backgroundSaveDoneHandlerDisk, on the loop.
func (s *Server) bgsaveDone(err error) {
	p := &s.persist
	switch {
	case err == nil:
		s.log.Info("Background saving terminated with success")
		s.dirty -= p.dirtyBeforeBgsave
		s.lastSave = time.Now().Unix()
		p.lastBgsaveErr = false
	case errors.Is(err, errSnapshotAborted):
		// Redis kills its child with SIGUSR1 "without triggering an error condition".
		if !p.killedAtExit {
			s.log.Warn("Background saving terminated by signal 10")
		}
	default:
		s.log.Warn("Background saving error", zap.Error(err))
		p.lastBgsaveErr = true
	}
	p.bgsave = false
	p.lastBgsaveSecs = int64(time.Since(p.bgsaveStart) / time.Second)
}

// rdbSaveSync writes the whole dataset to dbfilename on the loop (Redis's rdbSave):
// SAVE, SHUTDOWN, FLUSHALL, DEBUG RELOAD.
func (s *Server) rdbSaveSync() error {
	if s.persist.bgsave {
		// Redis's SAVE-side and child temp files differ by pid; here both are
		// temp-<pid>.rdb, so a BGSAVE still writing (DEBUG RELOAD during one) stops
		// first. SAVE itself refuses to run during a BGSAVE, as Redis.
		s.log.Warn("Background saving aborted by a synchronous save")
		s.abortSnapshot()
	}
	tmp, path := s.rdbTempPath(), s.rdbPath()
	f, err := os.Create(tmp)
	if err != nil {
		s.log.Warn(fmt.Sprintf("Failed opening the temp RDB file %s (in server root dir %s) for saving: %s",
			filepath.Base(tmp), s.cfg.Dir, errnoText(err)))
		return err
	}
	op := "rdbSaveRio"
	bw := bufio.NewWriterSize(f, 1<<20)
	err = s.saveRDBSync(bw)
	if err == nil {
		op = "fflush"
		err = bw.Flush()
	}
	if err == nil {
		op = "fsync"
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		op, err = "fclose", cerr
	}
	if err == nil {
		if err = os.Rename(tmp, path); err != nil {
			s.log.Warn(fmt.Sprintf("Error moving temp DB file %s on the final destination %s (in server root dir %s): %s",
				filepath.Base(tmp), filepath.Base(path), s.cfg.Dir, errnoText(err)))
			os.Remove(tmp)
			return err
		}
		op = "fsyncFileDir"
		err = fsyncDir(filepath.Dir(path))
		if err == nil {
			s.log.Info("DB saved on disk")
			s.dirty = 0
			s.lastSave = time.Now().Unix()
			s.persist.lastBgsaveErr = false
			return nil
		}
	}
	s.log.Warn(fmt.Sprintf("Write error saving DB on disk(%s): %s", op, errnoText(err)))
	os.Remove(tmp)
	return err
}

// errnoText renders an os error as C's strerror does.
func errnoText(err error) string {
	var en syscall.Errno
	if errors.As(err, &en) {
		msg := en.Error()
		if msg != "" {
			return string(msg[0]-'a'+'A') + msg[1:]
		}
	}
	return err.Error()
}

func fsyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.EBADF) {
		return err
	}
	return nil
}

// dropCachedPages drops the page cache of the file at path (the dump a save is
// about to replace) a few megabytes at a time, a millisecond apart. The rename
// that replaces it frees the old inode's cached pages in one go, in the kernel:
// for a 110 MB dump that was 22 ms of CPU in renameat, on the loop's CPU when the
// node is pinned, and the longest stall of back-to-back saves (issue #5). Only
// clean cached pages are dropped, so a reader of the old file (a backup copy in
// progress) is not affected; best effort.
func dropCachedPages(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return
	}
	const step = 4 << 20
	for off := int64(0); off < st.Size(); off += step {
		if unix.Fadvise(int(f.Fd()), off, step, unix.FADV_DONTNEED) != nil {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// rdbFileSink is a BGSAVE's output: the temp file, renamed over dbfilename once
// complete. Its methods run on the snapshot's writer goroutine.
type rdbFileSink struct {
	tmp, path string
	incrFsync bool // rdb-save-incremental-fsync: sync every 4 MB (REDIS_AUTOSYNC_BYTES)
	log       *zap.Logger
	f         *os.File
	sync      autoSync
}

func (k *rdbFileSink) Write(p []byte) error {
	if k.f == nil {
		f, err := os.Create(k.tmp)
		if err != nil {
			k.log.Warn(fmt.Sprintf("Failed opening the temp RDB file %s (in server root dir %s) for saving: %s",
				filepath.Base(k.tmp), filepath.Dir(k.tmp), errnoText(err)))
			return err
		}
		k.f = f
	}
	if _, err := k.f.Write(p); err != nil {
		k.log.Warn("Write error saving DB on disk(rdbSaveRio): " + errnoText(err))
		return err
	}
	if k.incrFsync {
		if err := k.sync.wrote(k.f, len(p)); err != nil {
			k.log.Warn("Write error saving DB on disk(rdbSaveRio): " + errnoText(err))
			return err
		}
	}
	return nil
}

func (k *rdbFileSink) Finish(err error) error {
	if k.f == nil {
		if err == nil { // nothing was written: not even a header
			err = io.ErrShortWrite
		}
		return err
	}
	if err == nil {
		if err = k.f.Sync(); err != nil {
			k.log.Warn("Write error saving DB on disk(fsync): " + errnoText(err))
		}
	}
	if cerr := k.f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		os.Remove(k.tmp)
		return err
	}
	dropCachedPages(k.path)
	if err := os.Rename(k.tmp, k.path); err != nil {
		k.log.Warn(fmt.Sprintf("Error moving temp DB file %s on the final destination %s (in server root dir %s): %s",
			filepath.Base(k.tmp), filepath.Base(k.path), filepath.Dir(k.path), errnoText(err)))
		os.Remove(k.tmp)
		return err
	}
	if err := fsyncDir(filepath.Dir(k.path)); err != nil {
		return err
	}
	k.log.Info("DB saved on disk")
	return nil
}

// persistCron: save points and scheduled BGSAVEs (Redis's serverCron).
func (s *Server) persistCron() {
	p := &s.persist
	if s.saveChildActive() {
		return
	}
	now := time.Now().Unix()
	canRetry := now-p.lastBgsaveTry > saveRetryDelay || !p.lastBgsaveErr
	for _, sp := range s.cfg.Save {
		// At least sp[1] changes and more than sp[0] seconds since the last save;
		// after a failed BGSAVE, only once the retry delay has passed.
		if s.dirty >= sp[1] && now-s.lastSave > sp[0] && canRetry {
			s.log.Info(fmt.Sprintf("%d changes in %d seconds. Saving...", sp[1], sp[0]))
			s.rdbSaveBackground()
			return
		}
	}
	if p.bgsaveScheduled && canRetry {
		if s.rdbSaveBackground() == nil {
			p.bgsaveScheduled = false
		}
	}
}

// rdbDenyWrites refuses writes (and PING) after a failed BGSAVE when
// stop-writes-on-bgsave-error is on and save points exist (Redis's
// writeCommandsDeniedByDiskError, RDB case).
func (s *Server) rdbDenyWrites(c *Client, cmd *Command) string {
	if !s.persist.lastBgsaveErr || !s.cfg.StopWritesOnBgsaveError || len(s.cfg.Save) == 0 {
		return ""
	}
	if c.checkFlags(cmd)&FlagWrite == 0 && cmd.Name != "ping" || c.fd < 0 {
		return ""
	}
	return ErrMisconf
}

// infoPersistenceHook fills the loading and rdb_* fields of INFO persistence.
func (s *Server) infoPersistenceHook(section string, sec *InfoSection) {
	if section != "persistence" {
		return
	}
	p := &s.persist
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }
	sec.Set("loading", boolDigit(p.loading && !p.ld.async))
	sec.Set("async_loading", boolDigit(p.loading && p.ld.async))
	var cow, processed, total int64
	perc := 0.0
	if sn := p.running; sn != nil {
		cow = sn.inflight.Load()
		processed, total = sn.keysDone, sn.keysTotal
		if total > 0 {
			perc = float64(processed) * 100 / float64(total)
		}
		sec.Set("current_cow_peak", i64(sn.cowPeak))
	}
	sec.Set("current_cow_size", i64(cow))
	sec.Set("current_fork_perc", strconv.FormatFloat(perc, 'f', 2, 64))
	sec.Set("current_save_keys_processed", i64(processed))
	sec.Set("current_save_keys_total", i64(total))
	sec.Set("rdb_changes_since_last_save", i64(s.dirty))
	sec.Set("rdb_bgsave_in_progress", boolDigit(p.bgsave || s.replSyncSaving()))
	sec.Set("rdb_last_save_time", i64(s.lastSave))
	status := "ok"
	if p.lastBgsaveErr {
		status = "err"
	}
	sec.Set("rdb_last_bgsave_status", status)
	sec.Set("rdb_last_bgsave_time_sec", i64(p.lastBgsaveSecs))
	cur := int64(-1)
	if p.bgsave {
		cur = int64(time.Since(p.bgsaveStart) / time.Second)
	}
	sec.Set("rdb_current_bgsave_time_sec", i64(cur))
	sec.Set("rdb_saves", i64(p.rdbSaves))
	sec.Set("rdb_last_cow_size", i64(p.lastCOW))
	sec.Set("rdb_last_load_keys_expired", i64(p.lastLoadExpir))
	sec.Set("rdb_last_load_keys_loaded", i64(p.lastLoadKeys))
	if p.loading {
		s.infoLoading(sec) // after the aof_* and module_fork_* fields, as Redis
	}
}

// persistShutdown is the RDB part of Redis's prepareForShutdown: stop a BGSAVE in
// progress, then save when save points exist (unless NOSAVE) or SAVE was asked.
func (s *Server) persistShutdown(nosave, save bool) error {
	// Redis's child_type RDB: a BGSAVE or the snapshot of a full sync.
	if sn := s.persist.running; s.persist.bgsave || sn != nil && sn.opts.Kind == snapshotReplica {
		s.log.Warn("There is a child saving an .rdb. Killing it!")
		s.persist.killedAtExit = true
		s.abortSnapshot() // its Done ran: the flag is for it only
		s.persist.killedAtExit = false
	}
	if (len(s.cfg.Save) > 0 && !nosave) || save {
		s.log.Info("Saving the final RDB snapshot before exiting.")
		s.sup.Notify("STATUS=Saving the final RDB snapshot\n")
		if err := s.rdbSaveSync(); err != nil {
			s.log.Warn("Error trying to save the DB, can't exit.")
			s.sup.Notify("STATUS=Error trying to save the DB, can't exit.\n")
			return err
		}
	}
	return nil
}

// startupLogged is a start-up failure the engine has already logged in Redis's
// words (Redis logs the reason and exits): Start's caller exits with status 1
// without logging it again, so the suite's count of a line finds it once.
type startupLogged struct{ error }

func (e startupLogged) Unwrap() error { return e.error }

// IsStartupLogged reports whether Start's error was logged by the engine already.
func IsStartupLogged(err error) bool {
	var e startupLogged
	return errors.As(err, &e)
}

// loadDataAtStart loads dbfilename into the empty keyspace (Redis's
// loadDataFromDisk, RDB case). Start calls it with the listening sockets open:
// clients connecting meanwhile get -LOADING (persist_loading.go). A missing file is
// an empty dataset; a corrupt one is an error naming the offset and the reason, and
// the server must not start. With appendonly yes the AOF part loads the data instead.
func (s *Server) loadDataAtStart() error {
	if s.cfg.AppendOnly {
		return nil
	}
	start := time.Now()
	var err error
	s.loadServing(nil, func() { _, err = s.rdbLoadFile(s.rdbPath()) })
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if errors.Is(err, errShutdownWhileLoading) {
		return err
	}
	var re *rdb.Error
	if errors.As(err, &re) {
		s.rdbReportCorrupt(re)
		return startupLogged{fmt.Errorf("Fatal error loading the DB %s: %w", s.rdbPath(), err)}
	}
	if err != nil {
		s.log.Warn("Fatal error loading the DB: " + err.Error() + ". Exiting.")
		return startupLogged{fmt.Errorf("Fatal error loading the DB %s: %w", s.rdbPath(), err)}
	}
	s.log.Info(fmt.Sprintf("DB loaded from disk: %.3f seconds", time.Since(start).Seconds()))
	return nil
}

// rdbErrWhere fills the "function at" part of Redis's "Internal error in RDB
// reading" line: Redis names its C source line; keygrid names what it was reading.
func rdbErrWhere(e *rdb.Error) string {
	if e.Doing == "" {
		return "rdb-load"
	}
	return e.Doing
}

// rdbReportCorrupt is what Redis's rdbReportError does for a file being loaded at
// start: log the reason, print check-rdb's report of the file on stdout, and say
// the server terminates. Redis's checker exits by itself (without the last line)
// when it finds the error on its own, a bad checksum or a short file; a value that
// fails its integrity check gets the last line. The caller exits with status 1.
func (s *Server) rdbReportCorrupt(e *rdb.Error) {
	s.log.Warn(fmt.Sprintf("Internal error in RDB reading offset %d, function at %s -> %s", e.Offset, rdbErrWhere(e), e.Reason))
	os.Stdout.Sync()
	rdb.Check(s.rdbPath(), os.Stdout)
	if !rdb.IsChecksum(e) && !rdb.IsTruncated(e) {
		s.log.Warn("Terminating server after rdb file reading failure.")
	}
}

// rdbLoadFile loads an RDB file into the keyspace and returns the number of keys
// loaded (Redis's rdbLoad with its loading state around it).
func (s *Server) rdbLoadFile(path string) (int64, error) {
	return s.rdbLoadFileOpts(path, rdbLoadOpts{})
}

// rdbLoadFileOpts is rdbLoadFile with Redis's RDBFLAGS_* (DEBUG RELOAD MERGE).
func (s *Server) rdbLoadFileOpts(path string, opts rdbLoadOpts) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	p := &s.persist
	s.startLoading(size)
	st, err := s.loadRDBOpts(rdb.NewReader(f), opts)
	s.stopLoading()
	p.lastLoadKeys, p.lastLoadExpir = st.Loaded, st.Expired
	return st.Loaded, err
}

func (s *Server) totalKeys() int64 {
	var n int64
	for _, db := range s.dbs {
		n += int64(db.keys)
	}
	return n
}

// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]
// emptyData is Redis's emptyData(-1, ...) before DEBUG RELOAD and DEBUG LOADAOF:
// watchers see every key go, a BGSAVE in progress is not killed (it keeps walking
// the detached dicts), and the functions are dropped with the keys.
func (s *Server) emptyData() {
	s.persist.reloading = true
	for _, h := range s.onFlush {
		h(-1)
	}
	s.persist.reloading = false
	for _, db := range s.dbs {
		db.Flush()
	}
	s.flushFunctions()
}

func debugReload(c *Client) {
	s := c.srv
	if s.persist.loading {
		// DEBUG has the loading flag; a reload inside a load would nest two
		// loaders over one keyspace.
		c.ReplyError(errLoading)
		return
	}
	flush, save, merge := true, true, false
	for _, a := range c.argv[2:] {
		switch {
		case eqFold(a, "merge"):
			// RDBFLAGS_ALLOW_DUP: the file's keys and libraries replace those
			// already loaded (with NOFLUSH).
			merge = true
		case eqFold(a, "noflush"):
			flush = false
		case eqFold(a, "nosave"):
			save = false
		default:
			c.ReplyError("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
			return
		}
	}
	if save {
		if err := s.rdbSaveSync(); err != nil {
			c.ReplyError("ERR")
			return
		}
	}
	if flush {
		s.emptyData()
	}
	s.script.fn.loadReplace = merge
	defer func() { s.script.fn.loadReplace = false }()
	var err error
	// Other clients are served (-LOADING) while it loads; the caller waits.
	s.loadServing(c, func() { _, err = s.rdbLoadFileOpts(s.rdbPath(), rdbLoadOpts{allowDup: merge}) })
	if errors.Is(err, errShutdownWhileLoading) {
		return // the server is stopping: the dataset is partial, nothing is saved
	}
	if err != nil {
		s.log.Warn("Error loading the RDB dump: " + err.Error())
		c.ReplyError("ERR Error trying to load the RDB dump")
		return
	}
	s.log.Warn("DB reloaded by DEBUG RELOAD")
	c.ReplyOK()
}
