package engine

// Whole RDB files (Redis 7.0's rdbSaveRio and rdbLoadRioWithLoadingCtx): the
// header with its aux fields, one key at a time with its expiry and LRU/LFU
// opcodes, the footer with the CRC64; and loading a whole stream into the
// keyspace. SAVE, BGSAVE, SHUTDOWN, DEBUG RELOAD and full resyncs (persist.go,
// snapshot.go) drive these.

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/rdb"
)

// newRDBWriter returns an rdb.Writer to w with rdbcompression and rdbchecksum
// applied.
func (s *Server) newRDBWriter(w io.Writer) *rdb.Writer {
	rw := rdb.NewWriter(w)
	rw.Compress = s.cfg.RDBCompression
	rw.NoChecksum = !s.cfg.RDBChecksum
	return rw
}

// rdbWriteHeader writes "REDIS0010", the aux fields Redis 7.0 writes
// (redis-ver, redis-bits, ctime, used-mem, the repl-* fields when replication
// provides them, aof-base) and the function libraries.
func (s *Server) rdbWriteHeader(w *rdb.Writer, aofBase bool) error {
	w.WriteMagic(rdb.Version)
	w.SaveAux("redis-ver", Version)
	w.SaveAux("redis-bits", "64")
	w.SaveAux("ctime", strconv.FormatInt(time.Now().Unix(), 10))
	w.SaveAux("used-mem", strconv.FormatUint(s.usedMemory(), 10))
	if s.rdbReplInfo != nil {
		if db, id, off, ok := s.rdbReplInfo(); ok {
			w.SaveAux("repl-stream-db", strconv.Itoa(db))
			w.SaveAux("repl-id", id)
			w.SaveAux("repl-offset", strconv.FormatInt(off, 10))
		}
	}
	base := "0"
	if aofBase {
		base = "1"
	}
	w.SaveAux("aof-base", base)
	if s.functionLibraries != nil {
		for _, code := range s.functionLibraries() {
			w.SaveType(rdb.OpFunction2)
			w.SaveString(code)
		}
	}
	return w.Err()
}

// rdbWriteSelectDB starts a database's section: SELECTDB and the RESIZEDB hint
// (its key count and keys with a TTL).
func (s *Server) rdbWriteSelectDB(w *rdb.Writer, db *DB) error {
	w.SaveType(rdb.OpSelectDB)
	w.SaveLen(uint64(db.id))
	w.SaveType(rdb.OpResizeDB)
	w.SaveLen(uint64(db.Len()))
	w.SaveLen(uint64(db.VolatileLen()))
	return w.Err()
}

// rdbSaveKey writes one key (rdbSaveKeyValuePair): EXPIRETIME_MS when it has a
// TTL, IDLE under an LRU policy or FREQ under an LFU one, then type, key, value.
func (s *Server) rdbSaveKey(w *rdb.Writer, e *keyspace.Entry) error {
	s.rdbSaveKeyHeader(w, e)
	return s.rdbSaveValue(w, e)
}

// rdbSaveKeyHeader is rdbSaveKey up to the value: the expiry and LRU/LFU opcodes,
// the type and the key (a snapshot writes a big value's elements later, in slices).
func (s *Server) rdbSaveKeyHeader(w *rdb.Writer, e *keyspace.Entry) {
	if e.Expire != 0 {
		w.SaveType(rdb.OpExpireTimeMs)
		w.SaveMillisecondTime(e.Expire)
	}
	policy := s.cfg.MaxMemoryPolicy
	switch {
	case strings.HasSuffix(policy, "-lru"):
		w.SaveType(rdb.OpIdle)
		w.SaveLen(estimateIdleTime(s.lruClock(), metaLRU(e.Meta)) / 1000)
	case strings.HasSuffix(policy, "-lfu"):
		w.SaveType(rdb.OpFreq)
		w.WriteByte(byte(s.lfuDecayed(metaLRU(e.Meta))))
	}
	w.SaveType(rdbType(e))
	w.SaveString(bytesOf(e.Key()))
}

// rdbWriteFooter writes EOF and the CRC64, and flushes.
func (s *Server) rdbWriteFooter(w *rdb.Writer) error { return w.WriteFooter() }

// saveRDBSync writes the whole dataset, synchronously (SAVE, SHUTDOWN, DEBUG
// RELOAD, tests).
func (s *Server) saveRDBSync(dst io.Writer) error {
	w := s.newRDBWriter(dst)
	if err := s.rdbWriteHeader(w, false); err != nil {
		return err
	}
	for _, db := range s.dbs {
		if err := s.rdbSaveDB(w, db); err != nil {
			return err
		}
	}
	return s.rdbWriteFooter(w)
}

// rdbKeySaveDelay is rdb-key-save-delay after a key of a synchronous save (SAVE,
// the save at shutdown, DEBUG RELOAD): as Redis's debugDelay, the loop sleeps d
// microseconds, or, for a negative d, 1 µs once in -d keys. Tests make a save
// slow this way to act while it runs (unit/shutdown "Temp rdb will be deleted in
// signal handle"); background saves turn it into a rate instead (snapshot.go).
func rdbKeySaveDelay(d int) {
	if d < 0 {
		if rand.IntN(-d) != 0 {
			return
		}
		d = 1
	}
	time.Sleep(time.Duration(d) * time.Microsecond)
}

// rdbSaveDB writes one database's section (nothing for an empty one).
func (s *Server) rdbSaveDB(w *rdb.Writer, db *DB) error {
	if db.Len() == 0 {
		return nil
	}
	if err := s.rdbWriteSelectDB(w, db); err != nil {
		return err
	}
	var err error
	delay := s.cfg.RDBKeySaveDelay
	for _, d := range db.dicts {
		d.Each(func(r keyspace.Ref) bool {
			err = s.rdbSaveKey(w, d.E(r))
			if delay != 0 {
				rdbKeySaveDelay(delay)
			}
			return err == nil
		})
		if err != nil {
			return err
		}
	}
	return w.Err()
}

// rdbLoadStats counts what a load did (INFO's rdb_last_load_keys_*).
type rdbLoadStats struct {
	Loaded, Expired, EmptySkipped int64
	Version                       int
}

// loadRDB loads a whole RDB stream into the (empty) keyspace; errors name the
// offset and reason.
func (s *Server) loadRDB(r io.Reader) error {
	_, err := s.loadRDBStats(rdb.NewReader(r), false)
	return err
}

// loadRDBStats is loadRDB from an rdb.Reader (after it, r.Rest() is what
// follows the RDB, an AOF preamble's commands), with the counts; aofPreamble
// keeps keys whose TTL passed (the AOF tail decides their fate, as in Redis).
func (s *Server) loadRDBStats(r *rdb.Reader, aofPreamble bool) (rdbLoadStats, error) {
	return s.loadRDBOpts(r, rdbLoadOpts{aofPreamble: aofPreamble})
}

// rdbLoadOpts are Redis's RDBFLAGS_* that change loading.
type rdbLoadOpts struct {
	// aofPreamble (RDBFLAGS_AOF_PREAMBLE): keys whose TTL passed are kept.
	aofPreamble bool
	// allowDup (RDBFLAGS_ALLOW_DUP, DEBUG RELOAD MERGE): a key already in the
	// keyspace is replaced instead of failing the load.
	allowDup bool
	// dbs, when not nil, receive the keys instead of the keyspace (a replica's
	// swapdb load into temporary databases, Redis's rdbLoadingCtx.dbarray).
	dbs []*DB
	// function, when not nil, takes the function libraries instead of the
	// current ones (Redis's rdbLoadingCtx.functions_lib_ctx).
	function func(code []byte) error
}

// loadRDBOpts is loadRDBStats with all the options.
func (s *Server) loadRDBOpts(r *rdb.Reader, opts rdbLoadOpts) (rdbLoadStats, error) {
	aofPreamble := opts.aofPreamble
	var st rdbLoadStats
	// A replica keeps the expired keys of its file: its master's DELs remove
	// them (nodes.conf's role counts in cluster mode, as Redis's iAmMaster).
	master := (s.roleFn == nil || s.roleFn() == "master") && !s.clusterMyselfReplica()
	now := time.Now().UnixMilli()
	dbs := s.dbs
	if opts.dbs != nil {
		dbs = opts.dbs
	}
	db := dbs[0]
	ld := &s.persist.ld
	// storeKey stores one key of db, read at k.Offset.
	storeKey := func(db *DB, k *rdb.Key) error {
		if master && !aofPreamble && k.Expire != -1 && k.Expire < now {
			st.Expired++
			if opts.dbs == nil {
				s.replFeedLoadExpired(db.id, k.Key) // repl_master.go
			}
			return nil
		}
		if _, ref := db.find(k.Key); ref != 0 {
			if opts.allowDup {
				db.deleteGeneric(k.Key, false) // Redis's dbSyncDelete
			} else {
				return &rdb.Error{Offset: k.Offset, Type: -1, Reason: fmt.Sprintf("RDB has duplicated key '%s' in DB %d", k.Key, db.id)}
			}
		}
		e, err := s.rdbStoreValue(db, k.Key, k.Value)
		if err != nil {
			return &rdb.Error{Offset: k.Offset, Type: -1, Reason: err.Error()}
		}
		if k.Expire != -1 {
			db.SetExpire(k.Key, k.Expire)
		}
		s.rdbSetLRUOrLFU(e, k.Freq, k.Idle)
		st.Loaded++
		if d := s.cfg.KeyLoadDelay; d != 0 {
			keyLoadDelay(d) // repl_swapdb.go
		}
		if ld.events && k.Offset >= ld.nextAt {
			// Serve clients every loading-process-events-interval-bytes
			// (persist_loading.go); INFO shows the keys loaded so far.
			s.persist.lastLoadKeys, s.persist.lastLoadExpir = st.Loaded, st.Expired
			return s.loadingRDBProgress(r.Offset())
		}
		return nil
	}
	// String keys wait in a batch whose table memory is loaded ahead
	// (rdb_load_batch.go); every other record stores the batch first.
	batch := &rdbLoadBatch{}
	flush := func() error { return batch.flush(storeKey) }
	h := &rdb.Handler{
		SelectDB: func(id uint64) error {
			if err := flush(); err != nil {
				return err
			}
			if id >= uint64(len(dbs)) {
				return r.Corrupt("FATAL: Data file was created with a Redis server configured to handle more than %d databases", len(dbs))
			}
			db = dbs[id]
			return nil
		},
		ResizeDB: func(size, _ uint64) error {
			if err := flush(); err != nil {
				return err
			}
			// A hint only: capped so a corrupt count cannot allocate much ahead
			// of the keys actually read. A key takes at least 3 bytes of the
			// file, so when its size is known the cap follows it: a big file
			// fills a table sized once, without rehashing mid-load. A payload
			// streamed from a master has no size: 16M slots (64 MB) at most
			// then. (At 4M, a 5M-key full sync rehashed the whole table in the
			// middle of its load: 30% of the replica's CPU.)
			if len(db.dicts) == 1 && db.Len() == 0 {
				limit := uint64(1 << 24)
				if n := r.InputSize(); n > 0 {
					limit = max(limit, uint64(n)/3)
				}
				db.dicts[0].Expand(int(min(size, limit)))
			}
			return nil
		},
		Function: func(code []byte) error {
			if err := flush(); err != nil {
				return err
			}
			if opts.function != nil {
				if err := opts.function(code); err != nil {
					return r.Corrupt("Failed loading library, %v", err)
				}
				return nil
			}
			if s.loadFunctionLibrary == nil {
				return r.Corrupt("Failed loading library: functions are not supported")
			}
			if err := s.loadFunctionLibrary(code); err != nil {
				return r.Corrupt("Failed loading library, %v", err)
			}
			return nil
		},
		Aux: func(key, val []byte) error {
			if err := flush(); err != nil {
				return err
			}
			s.rdbLogAux(key, val)
			s.loadingAux(key, val)        // used-mem: INFO's loading_rdb_used_mem
			return s.rdbLoadAux(key, val) // repl-id / repl-offset (repl_master.go)
		},
		EmptyKey: func(_ uint64, key []byte) error {
			if err := flush(); err != nil {
				return err
			}
			if st.EmptySkipped++; st.EmptySkipped <= 10 && s.log != nil {
				s.log.Warn("rdbLoadObject skipping empty key: " + string(key)) // rdbLoadRio's first ten
			}
			return nil
		},
		Key: func(k *rdb.Key) error {
			if batch.add(db, k) {
				if batch.full() {
					return flush()
				}
				return nil
			}
			if err := flush(); err != nil {
				return err
			}
			return storeKey(db, k)
		},
	}
	// Transient: the handler above copies keys and string values into the
	// keyspace, so the parser need not allocate them per key.
	res, err := rdb.Parse(r, h, rdb.ParseOptions{Options: rdb.Options{Now: now}, SkipChecksum: !s.cfg.RDBChecksum || s.persist.skipChecksum, Transient: true})
	// The keys still batched come before where the parse stopped: their error,
	// if any, is the first one.
	if ferr := flush(); ferr != nil {
		err = ferr
	}
	st.Version = res.Version
	s.settleMem()
	if err != nil {
		if s.log != nil {
			// rdbLoadRio's lines before it reports the error.
			switch {
			case rdb.IsChecksum(err):
				s.log.Warn(fmt.Sprintf("Wrong RDB checksum expected: (%x) but got (%x). Aborting now.", res.Computed, res.Checksum))
			case rdb.IsTruncated(err):
				s.log.Warn("Short read or OOM loading DB. Unrecoverable error, aborting now.")
			}
		}
		return st, err
	}
	if s.log != nil {
		// rdbLoadRio's wording and levels (a warning when empty keys were skipped).
		if st.EmptySkipped > 0 {
			s.log.Warn(fmt.Sprintf("Done loading RDB, keys loaded: %d, keys expired: %d, empty keys skipped: %d.",
				st.Loaded, st.Expired, st.EmptySkipped))
		} else {
			s.log.Info(fmt.Sprintf("Done loading RDB, keys loaded: %d, keys expired: %d.", st.Loaded, st.Expired))
		}
	}
	return st, nil
}

// rdbLogAux logs the aux fields rdbLoadRio logs at NOTICE level while loading:
// the writer's version, the file's age, its memory then, and any "%name" field.
func (s *Server) rdbLogAux(key, val []byte) {
	if s.log == nil {
		return
	}
	switch k := string(key); {
	case len(k) > 0 && k[0] == '%':
		s.log.Info(fmt.Sprintf("RDB '%s': %s", key, val))
	case strings.EqualFold(k, "redis-ver"):
		s.log.Info(fmt.Sprintf("Loading RDB produced by version %s", val))
	case strings.EqualFold(k, "ctime"):
		ctime, _ := strconv.ParseInt(string(val), 10, 64)
		s.log.Info(fmt.Sprintf("RDB age %d seconds", max(time.Now().Unix()-ctime, 0)))
	case strings.EqualFold(k, "used-mem"):
		mem, _ := strconv.ParseInt(string(val), 10, 64)
		s.log.Info(fmt.Sprintf("RDB memory usage when created %.2f Mb", float64(mem)/(1024*1024)))
	}
}

// rdbSetLRUOrLFU applies a loaded key's FREQ or IDLE (objectSetLRUOrLFU): the
// LFU counter under an LFU policy, else the idle time as an LRU clock in the
// past. -1 means the file had none.
func (s *Server) rdbSetLRUOrLFU(e *keyspace.Entry, freq int, idle int64) bool {
	if s.policyLFU() {
		if freq < 0 {
			return false
		}
		e.Meta = e.Meta&0xff | (s.lfuTimeInMinutes()<<8|uint32(freq))<<8
		return true
	}
	if idle < 0 {
		return false
	}
	abs := int64(s.lruClock()) - idle
	if abs < 0 {
		abs += lruClockMax
	}
	e.Meta = e.Meta&0xff | uint32(abs)<<8
	return true
}

// loadRDBFile loads the RDB file at path (used by tests and DEBUG RELOAD's
// callers); a missing file is os.ErrNotExist.
func (s *Server) loadRDBFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := s.loadRDB(f); err != nil {
		var re *rdb.Error
		if errors.As(err, &re) {
			return fmt.Errorf("%s: %w", path, err)
		}
		return err
	}
	return nil
}

// rdbWriterPool are reusable writers for rdbSerializedLen and dumpPayload
// (Reset before use).
var rdbWriterPool = sync.Pool{New: func() any { return rdb.NewWriter(io.Discard) }}

// rdbSerializedLen is the size of e's value in an RDB file, compression
// included (rdbSavedObjectLen: DEBUG OBJECT's serializedlength).
func (s *Server) rdbSerializedLen(e *keyspace.Entry) int64 {
	w := rdbWriterPool.Get().(*rdb.Writer)
	w.Reset(io.Discard)
	w.Compress = s.cfg.RDBCompression
	w.NoChecksum = true
	s.rdbSaveValue(w, e)
	n := w.Written()
	rdbWriterPool.Put(w)
	return n
}

// initRDB attaches the RDB part to the core.
func (s *Server) initRDB() {
	s.rdbSavedLen = s.rdbSerializedLen
}
