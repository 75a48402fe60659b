package engine

// AOF rewrite (BGREWRITEAOF, automatic rewrites, CONFIG SET appendonly yes) without
// fork, following Redis 7.0's multi-part design:
//
//  1. On the loop: flush the AOF buffer and open a new incr file (persisting the
//     manifest that lists it), so every write from now on lands in the new file.
//  2. The base — the dataset as of step 1 — is produced from a point-in-time view
//     of the keyspace: an RDB (aof-use-rdb-preamble yes) or the commands that
//     rebuild it (no; rewriteAOFBase below, Redis's rewriteAppendOnlyFileRio). It
//     is written to dir/temp-rewriteaof-bg-<pid>.aof by a goroutine, fsynced
//     (every 4 MB too with aof-rewrite-incremental-fsync).
//  3. Back on the loop (Submit): rename the temp file to the next base name in
//     appenddirname, turn the old base and the covered incr files into history,
//     persist the manifest (temp + fsync + rename + fsync dir), delete history.
//
// The point-in-time view is the snapshot part's forkless, copy-before-write walk
// (snapshot.go's startSnapshot): its RDB stream is the base as it is, or, with
// aof-use-rdb-preamble no, is loaded off the loop into a private server whose
// dataset is written out as commands (aofConvertSink). Only the base created at
// start for an empty dataset is written synchronously.

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/keygrid/keygrid/engine/intset"
	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/listpack"
	"github.com/keygrid/keygrid/engine/rdb"
	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/engine/stream"
	"github.com/keygrid/keygrid/engine/strset"
	"golang.org/x/sys/unix"
)

// aofRewrite is a rewrite in progress.
type aofRewrite struct {
	tmp string // dir/temp-rewriteaof-bg-<pid>.aof
	// cancel, when set, stops the base's writer early (the AOF-format converter,
	// which may still be writing after the snapshot's last byte).
	cancel func()
}

// aofRewriteItemsPerCmd is how many elements one rebuilding command carries
// (Redis's AOF_REWRITE_ITEMS_PER_CMD).
const aofRewriteItemsPerCmd = 64

var errRewriteInProgress = errors.New("Background append only file rewriting already in progress")

// BGREWRITEAOF
func bgrewriteaofCommand(c *Client) {
	s := c.srv
	switch {
	case s.aof.rw != nil:
		c.ReplyError("ERR Background append only file rewriting already in progress")
	case s.childActive() || s.tx.inExec:
		s.aof.rewriteScheduled = true
		// A manual request runs even when failures limited automatic ones.
		s.aof.consecutiveFailures = 0
		c.ReplySimple("Background append only file rewriting scheduled")
	default:
		if s.rewriteAppendOnlyFileBackground() == nil {
			c.ReplySimple("Background append only file rewriting started")
		} else {
			c.ReplyError("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.")
		}
	}
}

// rewriteAppendOnlyFileBackground starts a rewrite (Redis's function of that name).
func (s *Server) rewriteAppendOnlyFileBackground() error {
	if s.childActive() {
		return errRewriteInProgress
	}
	if err := s.aofCreateDir(); err != nil {
		s.log.Warn("Can't open or create append-only dir " + s.cfg.AppendDirname + ": " + aofStrerror(err))
		s.aof.lastBgrewriteErr = true
		return err
	}
	// The new incr file starts with a SELECT.
	s.aof.selectedDB = -1
	s.flushAOF(true)
	if err := s.openNewIncrAofForAppend(); err != nil {
		s.aof.lastBgrewriteErr = true
		return err
	}
	s.aof.rewrites++
	rw := &aofRewrite{tmp: filepath.Join(s.cfg.Dir, "temp-rewriteaof-bg-"+strconv.Itoa(os.Getpid())+".aof")}
	if s.cfg.AOFUseRDBPreamble {
		// The RDB base comes from the forkless snapshot (snapshot.go): the keyspace
		// as of now, encoded in slices on the loop, written by its goroutine.
		sink := &aofFileSink{path: rw.tmp, incremental: s.cfg.AOFRewriteIncrementalFsync}
		err := s.startSnapshot(sink, snapshotOpts{Kind: snapshotAOF, AOFBase: true, Done: func(err error) {
			if err == nil {
				s.log.Info("Successfully created the temporary AOF base file " + filepath.Base(rw.tmp))
			}
			s.aofRewriteDone(rw, err)
		}})
		if err != nil {
			s.log.Warn("Can't rewrite append only file in background: " + err.Error())
			s.aof.lastBgrewriteErr = true
			return err
		}
	} else {
		// The AOF-format base comes from the same snapshot: its RDB stream is
		// loaded into a private server off the loop and written out as commands.
		sink, err := s.newAOFConvertSink(rw.tmp, s.cfg.AOFRewriteIncrementalFsync)
		if err == nil {
			err = s.startSnapshot(sink, snapshotOpts{Kind: snapshotAOF, AOFBase: true, Done: func(err error) {
				if err == nil {
					s.log.Info("Successfully created the temporary AOF base file " + filepath.Base(rw.tmp))
				}
				s.aofRewriteDone(rw, err)
			}})
			if err != nil {
				sink.Finish(err)
			}
			rw.cancel = func() { sink.canceled.Store(true) }
		}
		if err != nil {
			s.log.Warn("Can't rewrite append only file in background: " + err.Error())
			s.aof.lastBgrewriteErr = true
			return err
		}
	}
	s.aof.rw = rw
	s.aof.rewriteScheduled = false
	s.aof.rewriteTimeStart = s.unixNow()
	s.log.Info("Background append only file rewriting started by pid " + strconv.Itoa(os.Getpid()))
	return nil
}

// aofBaseBytes serializes the dataset as the base file's contents.
func (s *Server) aofBaseBytes() ([]byte, error) {
	var buf bytes.Buffer
	if err := s.writeAOFBase(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeAOFBase writes the whole dataset in the base format aof-use-rdb-preamble
// selects (Redis's rewriteAppendOnlyFile body).
func (s *Server) writeAOFBase(w io.Writer) error {
	if s.cfg.AOFUseRDBPreamble {
		return s.aofWriteRDBBase(w)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := s.rewriteAOFBase(bw); err != nil {
		return err
	}
	return bw.Flush()
}

// writeFileSynced writes data to path and fsyncs it, every 4 MB as well when
// incremental (aof-rewrite-incremental-fsync: no huge fsync at the end).
func writeFileSynced(path string, data []byte, incremental bool) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	for len(data) > 0 {
		n := min(len(data), aofAutoSyncBytes)
		if _, err := f.Write(data[:n]); err != nil {
			f.Close()
			return err
		}
		data = data[n:]
		if incremental && len(data) > 0 {
			if err := unix.Fdatasync(int(f.Fd())); err != nil {
				f.Close()
				return err
			}
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// openNewIncrAofForAppend switches appends to a new incr file (the manifest lists
// it before anything is written there), or, while the AOF waits for its first
// rewrite, to a temporary incr file that the rewrite's end renames. The old file is
// fsynced and closed in the background.
func (s *Server) openNewIncrAofForAppend() error {
	if s.aof.state == aofOff {
		return nil
	}
	var name string
	var m *aofManifest
	if s.aof.state == aofWaitRewrite {
		name = aofTempPrefix + s.cfg.AppendFilename + aofIncrSuffix
	} else {
		m = s.aof.manifest.clone()
		name = m.newIncrName(s.cfg.AppendFilename)
	}
	fd, err := unix.Open(s.aofPath(name), unix.O_WRONLY|unix.O_TRUNC|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
	if err != nil {
		s.log.Warn("Can't open the append-only file " + name + ": " + aofStrerror(err))
		return err
	}
	if m != nil {
		if err := s.persistManifest(m); err != nil {
			unix.Close(fd)
			return err
		}
	}
	s.log.Info("Creating AOF incr file " + name + " on background rewrite")
	if s.aof.fd >= 0 {
		// everysec may fsync late as long as it happens; always already synced.
		s.aof.bio.submit(aofBioJob{fd: s.aof.fd, close: true})
		s.aof.lastFsync = s.unixNow()
	}
	s.aof.fd = fd
	s.aof.lastIncrSize = 0
	s.aof.lastIncrFsyncOffset = 0
	if m != nil {
		s.aof.manifest = m
	}
	return nil
}

// aofRewriteDone finishes a rewrite on the loop (Redis's backgroundRewriteDoneHandler).
func (s *Server) aofRewriteDone(rw *aofRewrite, werr error) {
	if s.aof.rw != rw {
		os.Remove(rw.tmp) // killed meanwhile
		return
	}
	if werr == nil {
		// What the snapshot held in memory at most stands for Redis's child CoW.
		s.aof.lastCOW = s.persist.lastCOW
		s.log.Info("Background AOF rewrite terminated with success")
		s.aofInstallRewrite(rw)
	} else {
		s.log.Warn("Write error writing append only file on disk: " + aofStrerror(werr))
		s.aof.lastBgrewriteErr = true
		s.aof.consecutiveFailures++
		s.log.Warn("Background AOF rewrite terminated with error")
	}
	os.Remove(rw.tmp)
	if s.aof.state == aofWaitRewrite {
		s.aof.buf = nil
		tmp := s.aofPath(aofTempPrefix + s.cfg.AppendFilename + aofIncrSuffix)
		s.log.Info("Removing the temp incr aof file " + filepath.Base(tmp) + " in the background")
		os.Remove(tmp)
	}
	s.aof.rewriteTimeLast = s.unixNow() - s.aof.rewriteTimeStart
	s.aof.rewriteTimeStart = -1
	s.aof.rw = nil
	if s.aof.state == aofWaitRewrite {
		s.aof.rewriteScheduled = true
	}
}

// aofInstallRewrite makes a written base the AOF's: rename, manifest, history.
func (s *Server) aofInstallRewrite(rw *aofRewrite) {
	fail := func() {
		s.aof.lastBgrewriteErr = true
		s.aof.consecutiveFailures++
	}
	m := s.aof.manifest.clone()
	baseName := m.newBaseName(s.cfg.AppendFilename, s.cfg.AOFUseRDBPreamble)
	basePath := s.aofPath(baseName)
	start := time.Now()
	if err := os.Rename(rw.tmp, basePath); err != nil {
		s.log.Warn("Error trying to rename the temporary AOF base file " + filepath.Base(rw.tmp) + " into " + basePath + ": " + aofStrerror(err))
		fail()
		return
	}
	s.aofLatency("aof-rename", start)
	s.log.Info("Successfully renamed the temporary AOF base file " + filepath.Base(rw.tmp) + " into " + baseName)
	newIncrPath := ""
	if s.aof.state == aofWaitRewrite {
		tmpIncr := aofTempPrefix + s.cfg.AppendFilename + aofIncrSuffix
		incrName := m.newIncrName(s.cfg.AppendFilename)
		newIncrPath = s.aofPath(incrName)
		if err := os.Rename(s.aofPath(tmpIncr), newIncrPath); err != nil {
			s.log.Warn("Error trying to rename the temporary AOF incr file " + s.aofPath(tmpIncr) + " into " + newIncrPath + ": " + aofStrerror(err))
			os.Remove(basePath)
			fail()
			return
		}
		s.log.Info("Successfully renamed the temporary AOF incr file " + tmpIncr + " into " + incrName)
	}
	m.markIncrHistory(s.aof.fd >= 0)
	if err := s.persistManifest(m); err != nil {
		os.Remove(basePath)
		if newIncrPath != "" {
			os.Remove(newIncrPath)
		}
		fail()
		return
	}
	s.aof.manifest = m
	if s.aof.state != aofOff {
		size, _ := s.aofFileSize(baseName)
		s.aof.currentSize = size + s.aof.lastIncrSize
		s.aof.rewriteBaseSize = s.aof.currentSize
	}
	s.aofDelHistoryFiles()
	s.aof.lastBgrewriteErr = false
	s.aof.consecutiveFailures = 0
	s.log.Info("Background AOF rewrite finished successfully")
	if s.aof.state == aofWaitRewrite {
		s.aof.state = aofOn
	}
}

func (s *Server) aofLatency(event string, start time.Time) {
	if ms := time.Since(start).Milliseconds(); s.cfg.LatencyMonitorThreshold > 0 && ms >= s.cfg.LatencyMonitorThreshold {
		s.latencyAdd(event, ms)
	}
}

// killAppendOnlyRewrite abandons a rewrite in progress (CONFIG SET appendonly no,
// SHUTDOWN, a restart of the rewrite), as Redis kills its child.
func (s *Server) killAppendOnlyRewrite() {
	rw := s.aof.rw
	if rw == nil {
		return
	}
	s.log.Info("Killing running AOF rewrite child: " + strconv.Itoa(os.Getpid()))
	if rw.cancel != nil {
		rw.cancel()
	}
	s.aof.rw = nil
	s.aof.rewriteTimeStart = -1
	// Only one snapshot runs at a time: while a rewrite runs, the running one is its.
	if s.snapshotRunning() {
		s.abortSnapshot() // its Done finds s.aof.rw changed and only cleans up
	}
	os.Remove(rw.tmp)
}

// aofFileSink writes a snapshot's RDB stream to the rewrite's temp file (on the
// snapshot's writer goroutine), syncing every 4 MB with
// aof-rewrite-incremental-fsync (autoSync) and fsyncing at the end.
type aofFileSink struct {
	path        string
	incremental bool
	f           *os.File
	sync        autoSync
}

func (k *aofFileSink) Write(p []byte) error {
	if k.f == nil {
		f, err := os.OpenFile(k.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		k.f = f
	}
	if _, err := k.f.Write(p); err != nil {
		return err
	}
	if k.incremental {
		return k.sync.wrote(k.f, len(p))
	}
	return nil
}

func (k *aofFileSink) Finish(err error) error {
	if k.f == nil {
		if err != nil {
			return err
		}
		if err := k.Write(nil); err != nil {
			return err
		}
	}
	if err == nil {
		err = k.f.Sync()
	}
	if cerr := k.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(k.path)
	}
	return err
}

// aofConvertSink turns a snapshot's RDB stream into an AOF-format base file: a
// goroutine loads the stream into a private server that has no loop and no
// sockets, then writes the commands that rebuild it (rewriteAOFBase). So the
// aof-use-rdb-preamble no base comes from the same copy-before-write walk as the
// RDB one, and its encoding runs off the loop; the price is a second copy of the
// dataset in memory while it is written.
type aofConvertSink struct {
	pw       *io.PipeWriter
	done     chan error
	canceled atomic.Bool // the rewrite was abandoned: stop writing the file
}

// newConvertServer is New, reached through a variable set by init: the command
// table (initialized before init runs) leads here through BGREWRITEAOF, and New
// reads the command table, which would otherwise be an initialization cycle.
var newConvertServer func(Options) (*Server, error)

func init() { newConvertServer = New }

func (s *Server) newAOFConvertSink(path string, incremental bool) (*aofConvertSink, error) {
	cfg := s.cfg.Clone()
	// A plain standalone server: no nodes.conf, no ACL file, no persistence of its
	// own, no memory limit.
	cfg.ClusterEnabled = false
	cfg.AppendOnly = false
	cfg.Save = nil
	cfg.ACLFile = ""
	cfg.MaxMemory = 0
	tmp, err := newConvertServer(Options{Config: cfg})
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	k := &aofConvertSink{pw: pw, done: make(chan error, 1)}
	go func() {
		_, err := tmp.loadRDBStats(rdb.NewReader(pr), true)
		if err == nil {
			err = writeAOFBaseFile(tmp, path, incremental, &k.canceled)
		}
		pr.CloseWithError(err) // a failed load must not leave the snapshot's writes blocked
		k.done <- err
	}()
	return k, nil
}

func (k *aofConvertSink) Write(p []byte) error {
	_, err := k.pw.Write(p)
	return err
}

func (k *aofConvertSink) Finish(err error) error {
	if err != nil {
		k.pw.CloseWithError(err)
		<-k.done
		return err
	}
	k.pw.Close()
	return <-k.done
}

// writeAOFBaseFile writes tmp's dataset as commands to path, fsynced (every 4 MB
// too when incremental).
func writeAOFBaseFile(tmp *Server, path string, incremental bool, canceled *atomic.Bool) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	sw := &syncWriter{f: f, incremental: incremental, canceled: canceled}
	bw := bufio.NewWriterSize(sw, 64<<10)
	err = tmp.rewriteAOFBase(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// syncWriter writes to a file, synced every 4 MB when incremental
// (aof-rewrite-incremental-fsync, autoSync).
type syncWriter struct {
	f           *os.File
	incremental bool
	sync        autoSync
	canceled    *atomic.Bool
}

var errRewriteCanceled = errors.New("AOF rewrite canceled")

func (w *syncWriter) Write(p []byte) (int, error) {
	if w.canceled.Load() {
		return 0, errRewriteCanceled
	}
	n, err := w.f.Write(p)
	if err == nil && w.incremental {
		err = w.sync.wrote(w.f, n)
	}
	return n, err
}

// aofWriteRDBBase writes the dataset as an RDB with the aof-base aux field,
// synchronously (the base created at start; the background rewrite uses the
// snapshot instead).
func (s *Server) aofWriteRDBBase(out io.Writer) error {
	w := s.newRDBWriter(out)
	if err := s.rdbWriteHeader(w, true); err != nil {
		return err
	}
	for _, db := range s.dbs {
		if err := s.rdbSaveDB(w, db); err != nil {
			return err
		}
	}
	return s.rdbWriteFooter(w)
}

// rewriteAppendOnlyFileSync writes the base to path synchronously (the empty base
// created at start; Redis's rewriteAppendOnlyFile): a temp file in dir, fsync,
// rename.
func (s *Server) rewriteAppendOnlyFileSync(path string) error {
	tmp := filepath.Join(s.cfg.Dir, "temp-rewriteaof-"+strconv.Itoa(os.Getpid())+".aof")
	data, err := s.aofBaseBytes()
	if err == nil {
		err = writeFileSynced(tmp, data, s.cfg.AOFRewriteIncrementalFsync)
	}
	if err != nil {
		os.Remove(tmp)
		return errors.New("Write error writing append only file on disk: " + aofStrerror(err))
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return errors.New("Error moving temp append only file on the final destination: " + aofStrerror(err))
	}
	return nil
}

// --- the AOF-format base: commands that rebuild the dataset ---------------------------

// aofWriter appends RESP commands to a buffered writer.
type aofWriter struct {
	w   *bufio.Writer
	buf []byte
}

func (a *aofWriter) flushBuf() error {
	_, err := a.w.Write(a.buf)
	a.buf = a.buf[:0]
	return err
}

func (a *aofWriter) array(n int)     { a.buf = resp.AppendArray(a.buf, n) }
func (a *aofWriter) bulk(b []byte)   { a.buf = resp.AppendBulk(a.buf, b) }
func (a *aofWriter) bulkS(s string)  { a.buf = resp.AppendBulkString(a.buf, s) }
func (a *aofWriter) bulkInt(n int64) { a.buf = resp.AppendBulkInt(a.buf, n) }
func (a *aofWriter) bulkID(id stream.ID) {
	var b [48]byte
	v := strconv.AppendUint(b[:0], id.Ms, 10)
	v = append(v, '-')
	v = strconv.AppendUint(v, id.Seq, 10)
	a.bulk(v)
}

// bulkDouble writes a score as Redis's rioWriteBulkDouble ("%.17g").
func (a *aofWriter) bulkDouble(f float64) {
	var b [40]byte
	var v []byte
	switch {
	case math.IsInf(f, 1):
		v = append(b[:0], "inf"...)
	case math.IsInf(f, -1):
		v = append(b[:0], "-inf"...)
	default:
		v = resp.AppendG17(b[:0], f)
	}
	a.bulk(v)
}

func (a *aofWriter) bulkElem(e listpack.Entry) {
	if e.IsInt {
		a.bulkInt(e.Int)
	} else {
		a.bulk(e.Str)
	}
}

// chunk starts a variadic command when count is at a boundary: name key then up
// to 64 items of per arguments each (Redis's cmd_items computation).
func (a *aofWriter) chunk(count *int, items *int, per int, name string, key []byte) {
	if *count == 0 {
		n := min(*items, aofRewriteItemsPerCmd)
		a.array(2 + n*per)
		a.bulkS(name)
		a.bulk(key)
	}
}

func (a *aofWriter) next(count *int, items *int) {
	*count++
	if *count == aofRewriteItemsPerCmd {
		*count = 0
	}
	*items--
}

// rewriteAOFBase writes the commands that rebuild every database (Redis's
// rewriteAppendOnlyFileRio): SELECT per non-empty db, then per key SET / RPUSH /
// SADD / ZADD / HMSET / XADD... and PEXPIREAT for keys with a TTL.
func (s *Server) rewriteAOFBase(w *bufio.Writer) error {
	a := &aofWriter{w: w}
	if s.cfg.AOFTimestampEnabled {
		now := time.Now().Unix()
		s.aof.curTimestamp = now
		a.buf = append(a.buf, "#TS:"...)
		a.buf = strconv.AppendInt(a.buf, now, 10)
		a.buf = append(a.buf, "\r\n"...)
	}
	// Function libraries first (Redis's rewriteFunctions).
	if s.functionLibraries != nil {
		for _, code := range s.functionLibraries() {
			a.buf = append(a.buf, "*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n"...)
			a.bulk(code)
		}
	}
	for _, db := range s.dbs {
		if db.Len() == 0 {
			continue
		}
		a.buf = append(a.buf, "*2\r\n$6\r\nSELECT\r\n"...)
		a.bulkInt(int64(db.id))
		for _, d := range db.dicts {
			var err error
			d.Each(func(r keyspace.Ref) bool {
				err = s.rewriteKey(a, d.E(r))
				if err == nil && len(a.buf) > 32<<10 {
					err = a.flushBuf()
				}
				return err == nil
			})
			if err != nil {
				return err
			}
		}
	}
	return a.flushBuf()
}

// rewriteKey writes the commands that rebuild one key.
func (s *Server) rewriteKey(a *aofWriter, e *keyspace.Entry) error {
	key := bytesOf(e.Key())
	count, items := 0, 0
	switch metaType(e.Meta) {
	case TypeString:
		a.buf = append(a.buf, "*3\r\n$3\r\nSET\r\n"...)
		a.bulk(key)
		a.bulk(stringValue(e))
	case TypeList:
		l := listOf(e)
		items = l.Len()
		it := l.Iter(0, false)
		for v, ok := it.Next(); ok; v, ok = it.Next() {
			a.chunk(&count, &items, 1, "RPUSH", key)
			a.bulkElem(v)
			a.next(&count, &items)
		}
	case TypeSet:
		so := setOf(e)
		if so.ht == nil {
			n := intset.Len(so.is)
			items = n
			for i := 0; i < n; i++ {
				a.chunk(&count, &items, 1, "SADD", key)
				a.bulkInt(intset.Get(so.is, i))
				a.next(&count, &items)
			}
		} else {
			items = so.ht.Len()
			so.ht.Each(func(r strset.Ref) bool {
				a.chunk(&count, &items, 1, "SADD", key)
				a.bulkS(so.ht.Member(r))
				a.next(&count, &items)
				return true
			})
		}
	case TypeZSet:
		z := zsetOf(e)
		if z.sl == nil {
			lp := z.lp
			items = lp.Len() / 2
			for p := lp.First(); p >= 0; {
				m := lp.Get(p)
				p = lp.Next(p)
				sc := lp.Get(p)
				p = lp.Next(p)
				a.chunk(&count, &items, 2, "ZADD", key)
				a.bulkDouble(zlpScore(sc))
				a.bulkElem(m)
				a.next(&count, &items)
			}
		} else {
			items = z.sl.Len()
			for n := z.sl.First(); n != 0; n = z.sl.Next(n) {
				a.chunk(&count, &items, 2, "ZADD", key)
				a.bulkDouble(z.sl.Score(n))
				a.bulk(z.sl.Member(n))
				a.next(&count, &items)
			}
		}
	case TypeHash:
		items = hashLen(e)
		hashEach(e, func(f, v listpack.Entry) bool {
			a.chunk(&count, &items, 2, "HMSET", key)
			a.bulkElem(f)
			a.bulkElem(v)
			a.next(&count, &items)
			return true
		})
	case TypeStream:
		rewriteStream(a, key, streamOf(e))
	}
	if e.Expire != 0 {
		a.buf = append(a.buf, "*3\r\n$9\r\nPEXPIREAT\r\n"...)
		a.bulk(key)
		a.bulkInt(e.Expire)
	}
	return nil
}

// rewriteStream writes a stream as Redis's rewriteStreamObject: its entries as
// XADDs (an empty stream through the XADD MAXLEN 0 trick), XSETID for the last,
// max-deleted ID and entries-added counter, then each group with XGROUP CREATE,
// XCLAIM ... JUSTID FORCE per pending entry and XGROUP CREATECONSUMER for
// consumers without any.
func rewriteStream(a *aofWriter, key []byte, st *stream.Stream) {
	if st.Len() > 0 {
		var it stream.Iterator
		it.Start(st, stream.ID{}, stream.MaxID, false)
		for id, n, ok := it.Next(); ok; id, n, ok = it.Next() {
			a.array(int(3 + n*2))
			a.bulkS("XADD")
			a.bulk(key)
			a.bulkID(id)
			for ; n > 0; n-- {
				f, v := it.Field()
				a.bulkElem(f)
				a.bulkElem(v)
			}
		}
	} else {
		a.array(7)
		a.bulkS("XADD")
		a.bulk(key)
		a.bulkS("MAXLEN")
		a.bulkS("0")
		a.bulkID(stream.ID{Ms: 0, Seq: 1})
		a.bulkS("x")
		a.bulkS("y")
	}
	a.array(7)
	a.bulkS("XSETID")
	a.bulk(key)
	a.bulkID(st.LastID)
	a.bulkS("ENTRIESADDED")
	a.bulkInt(int64(st.EntriesAdded))
	a.bulkS("MAXDELETEDID")
	a.bulkID(st.MaxDeletedID)
	for _, g := range st.Groups() {
		a.array(7)
		a.bulkS("XGROUP")
		a.bulkS("CREATE")
		a.bulk(key)
		a.bulkS(g.Name)
		a.bulkID(g.LastID)
		a.bulkS("ENTRIESREAD")
		a.bulkInt(g.EntriesRead)
		for _, c := range g.Consumers() {
			if c.PendingLen() == 0 {
				a.array(5)
				a.bulkS("XGROUP")
				a.bulkS("CREATECONSUMER")
				a.bulk(key)
				a.bulkS(g.Name)
				a.bulkS(c.Name)
				continue
			}
			c.Pending(stream.ID{}, func(id stream.ID) bool {
				nack := g.Pending(id)
				a.array(12)
				a.bulkS("XCLAIM")
				a.bulk(key)
				a.bulkS(g.Name)
				a.bulkS(c.Name)
				a.bulkS("0")
				a.bulkID(id)
				a.bulkS("TIME")
				a.bulkInt(nack.DeliveryTime)
				a.bulkS("RETRYCOUNT")
				a.bulkInt(int64(nack.DeliveryCount))
				a.bulkS("JUSTID")
				a.bulkS("FORCE")
				return true
			})
		}
	}
}

// aofCommands is the AOF's command family.
var aofCommands = []*Command{
	{Name: "bgrewriteaof", Arity: 1, Flags: FlagAdmin | FlagNoScript | FlagNoAsyncLoading, Cats: CatAdmin | CatDangerous,
		Group: "server", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Asynchronously rewrite the append-only file",
		Proc:    bgrewriteaofCommand},
}
