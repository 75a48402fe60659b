package engine

// repl_swapdb.go: a replica's diskless load with repl-diskless-load swapdb (Redis
// 7.0's disklessLoadInitTempDb, swapMainDbWithTempDb and async_loading).
//
//	+FULLRESYNC id off, "$EOF:<mark>" or "$<len>"
//	  temporary databases and an empty function set receive the payload
//	  id == our replication id   async_loading: the old dataset keeps serving
//	                             clients (reads, and writes on a writable replica);
//	                             only no-async-loading commands get -LOADING
//	  otherwise                  loading: every command without the loading flag
//	                             gets -LOADING, as any load
//	  the load fails             the temporary databases go; the old dataset, its
//	                             functions and its history stay (and our replicas)
//	  the load succeeds          the functions are installed, our replicas are
//	                             dropped (they resync), the databases swap, and
//	                             the old ones go
//
// Async loading is only safe when the replication id did not change: the old
// dataset is then an earlier point of the very history being received (Redis's
// readSyncBulkPayload). A master that restarted, or a new master, has another id.

import (
	"errors"
	"math/rand/v2"
	"time"
)

// errEOFMarkBroken: the 40 bytes after a "$EOF:" payload's RDB were not its mark.
var errEOFMarkBroken = errors.New("Replication stream EOF marker is broken")

// swapdbLoad is a swapdb load's temporary dataset (loop goroutine only).
type swapdbLoad struct {
	dbs []*DB
	// libs are the payload's function libraries, installed when the keys loaded:
	// until then the old functions keep serving FCALL.
	libs [][]byte
}

// newSwapdbLoad makes empty temporary databases, one per database.
func (s *Server) newSwapdbLoad() *swapdbLoad {
	t := &swapdbLoad{dbs: make([]*DB, len(s.dbs))}
	for i := range t.dbs {
		t.dbs[i] = newDB(s, i)
	}
	return t
}

// addFunction keeps a library of the payload (rdbLoadOpts.function).
func (t *swapdbLoad) addFunction(code []byte) error {
	t.libs = append(t.libs, append([]byte(nil), code...))
	return nil
}

// discard drops the temporary databases (after the swap: the old dataset), so
// their memory leaves the accounting ("Discarding ... DB in background").
func (t *swapdbLoad) discard() {
	for _, db := range t.dbs {
		// Redis's discardTempDb always frees them asynchronously: every key counts.
		db.srv.lazyfreeFlushed(db.Flush())
	}
}

// swapdbInstallFunctions replaces the functions with the payload's; on an error
// the old ones stay.
func (s *Server) swapdbInstallFunctions(t *swapdbLoad) error {
	if s.loadFunctionLibrary == nil && len(t.libs) > 0 {
		return errors.New("Failed loading library: functions are not supported")
	}
	old := s.script.fn
	s.flushFunctions()
	for _, code := range t.libs {
		if err := s.loadFunctionLibrary(code); err != nil {
			s.script.fn = old
			return errors.New("Failed loading library, " + err.Error())
		}
	}
	return nil
}

// swapdbSwap makes the loaded databases the keyspace (swapMainDbWithTempDb):
// watchers of keys that change are flagged, clients blocked on keys that now
// exist (or on streams that went) are signalled, and tracking clients get the
// flush invalidation. t then holds the old dataset.
func (s *Server) swapdbSwap(t *swapdbLoad) {
	for i, db := range s.dbs {
		incoming := t.dbs[i]
		s.touchAllWatchedKeysInDB(db, incoming)
		if s.blocking.count > 0 {
			s.signalSwapped(db, incoming) // blocking.go
		}
		db.swap(incoming)
	}
	s.trackingInvalidateKeysOnFlush()
}

// keyLoadDelay is the key-load-delay test hook (Redis's debugDelay, per loaded
// key): usec microseconds, or for a negative value 1 µs one time in -usec, so
// that loads can be made slow enough to watch (async_loading, SIGTERM during a
// load).
func keyLoadDelay(usec int) {
	if usec < 0 {
		if rand.IntN(-usec) != 0 {
			return
		}
		usec = 1
	}
	time.Sleep(time.Duration(usec) * time.Microsecond)
}
