package engine

import (
	"time"

	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/slots"
)

// Value types, with Redis's OBJ_* numbers (DEBUG OBJECT, RDB).
const (
	TypeString = 0
	TypeList   = 1
	TypeSet    = 2
	TypeZSet   = 3
	TypeHash   = 4
	TypeStream = 6
)

// Encodings, with Redis's OBJ_ENCODING_* numbers.
const (
	EncRaw       = 0
	EncInt       = 1
	EncHashtable = 2
	EncZipmap    = 3
	EncLinked    = 4
	EncZiplist   = 5
	EncIntset    = 6
	EncSkiplist  = 7
	EncEmbstr    = 8
	EncQuicklist = 9
	EncStream    = 10
	EncListpack  = 11
)

var typeNames = map[uint32]string{
	TypeString: "string", TypeList: "list", TypeSet: "set", TypeZSet: "zset",
	TypeHash: "hash", TypeStream: "stream",
}

var encNames = map[uint32]string{
	EncRaw: "raw", EncInt: "int", EncHashtable: "hashtable", EncZipmap: "zipmap",
	EncLinked: "linkedlist", EncZiplist: "ziplist", EncIntset: "intset",
	EncSkiplist: "skiplist", EncEmbstr: "embstr", EncQuicklist: "quicklist",
	EncStream: "stream", EncListpack: "listpack",
}

// Meta layout of a keyspace entry: type in bits 0-2, metaPrivateInt in bit 3,
// encoding in bits 4-7, and the 24-bit LRU clock or LFU data (Redis's LRU_BITS) in
// bits 8-31.
func metaType(m uint32) uint32 { return m & 0x7 }
func metaEnc(m uint32) uint32  { return m >> 4 & 0xf }
func metaLRU(m uint32) uint32  { return m >> 8 }
func makeMeta(typ, enc, lru uint32) uint32 {
	return typ&0x7 | (enc&0xf)<<4 | (lru&0xffffff)<<8
}

// metaPrivateInt marks an int-encoded string that Redis would hold in an object of
// its own even when its value is one of the shared integers: COPY's duplicate
// (dupStringObject). OBJECT REFCOUNT reports 1 for it. Every change of the value
// (makeMeta, setTypeEnc) clears it; RENAME and MOVE keep it with the Meta.
const metaPrivateInt = 1 << 3

// setTypeEnc changes an entry's type and encoding, keeping its LRU/LFU field.
func setTypeEnc(e *keyspace.Entry, typ, enc uint32) {
	e.Meta = makeMeta(typ, enc, metaLRU(e.Meta))
}

// DB is one numbered database. In cluster mode its keys are split into one dict per
// hash slot, so one slot's keys are counted, listed, migrated or flushed without
// touching the others; in standalone mode there is one dict.
type DB struct {
	srv   *Server
	id    int
	dicts []*keyspace.Dict
	// keys is the total across dicts.
	keys   int
	avgTTL int64
	// expireSlot is where the active expire cycle resumes across per-slot dicts.
	expireSlot int
	// rehashSlot is where cron rehashing resumes.
	rehashSlot int
	// mem is the memory accounted to this database's entries (evict.go).
	mem int64
}

func newDB(s *Server, id int) *DB {
	n := 1
	// Only db 0 is used in cluster mode (SELECT, MOVE, SWAPDB and COPY DB are
	// refused), so only it is split by slot: sixteen split databases cost about
	// 2.6 MB of empty dicts each, 42 MB of live heap on an empty node that every
	// collection marked.
	if s.cfg.ClusterEnabled && id == 0 {
		n = slots.Count
	}
	db := &DB{srv: s, id: id, dicts: make([]*keyspace.Dict, n)}
	for i := range db.dicts {
		db.dicts[i] = keyspace.New()
	}
	return db
}

// ID is the database number.
func (db *DB) ID() int { return db.id }

// Len is the number of keys (expired ones not yet collected included, as DBSIZE).
func (db *DB) Len() int { return db.keys }

// Dicts returns the per-slot dicts (one in standalone mode).
func (db *DB) Dicts() []*keyspace.Dict { return db.dicts }

// dictFor returns the dict that holds key.
func (db *DB) dictFor(key []byte) *keyspace.Dict {
	if len(db.dicts) == 1 {
		return db.dicts[0]
	}
	return db.dicts[slots.Slot(key)]
}

// VolatileLen is the number of keys with a TTL.
func (db *DB) VolatileLen() int {
	n := 0
	for _, d := range db.dicts {
		n += d.VolatileLen()
	}
	return n
}

// find returns key's entry without expiring it.
func (db *DB) find(key []byte) (*keyspace.Dict, keyspace.Ref) {
	d := db.dictFor(key)
	return d, d.Find(key)
}

// lookup returns key's live entry, deleting it first if its TTL has passed, or nil.
func (db *DB) lookup(key []byte) *keyspace.Entry {
	d := db.dictFor(key)
	r := d.Find(key)
	if r == 0 {
		return nil
	}
	e := d.E(r)
	if e.Expire != 0 && e.Expire <= db.srv.nowMs {
		// A replica hides such keys from its clients; the write commands of a
		// writable replica delete them (repl_replica.go).
		hide := db.srv.replicaHidesExpired()
		if db.srv.expireAllowed() || hide && db.srv.evict.writing {
			if db.srv.expirePaused() {
				return nil // expired, but deleted only after CLIENT UNPAUSE
			}
			db.expireEntry(d, r, key)
			return nil
		}
		if hide {
			return nil
		}
	}
	if db.srv.evict.writing {
		db.srv.noteEntry(db, e) // a write command may change it: measure it after
		if db.srv.persist.walk != nil {
			db.srv.snapBeforeChange(d, r) // copy-before-write (snapshot.go)
		}
	}
	return e
}

// LookupRead is lookup for commands that read the key: it counts keyspace hits and
// misses, raises a keymiss event (notify-keyspace-events m) on a miss, and touches the
// LRU/LFU clock.
func (db *DB) LookupRead(key []byte) *keyspace.Entry {
	e := db.lookup(key)
	if e == nil {
		db.srv.stats.keyspaceMisses++
		db.srv.notifyKeyspace(NotifyKeyMiss, "keymiss", key, db.id)
		return nil
	}
	db.srv.stats.keyspaceHits++
	if db.srv.evict.lfu {
		db.srv.touchLFU(e)
	} else {
		db.srv.touch(e)
	}
	return e
}

// LookupWrite is lookup for commands about to modify the key.
func (db *DB) LookupWrite(key []byte) *keyspace.Entry {
	e := db.lookup(key)
	if e != nil {
		if db.srv.evict.lfu {
			db.srv.touchLFU(e)
		} else {
			db.srv.touch(e)
		}
		if !db.srv.evict.writing {
			db.srv.noteEntry(db, e) // outside a write command (lookup noted it inside)
			if db.srv.persist.walk != nil {
				db.srv.snapBeforeChangeEntry(db, e)
			}
		}
	}
	return e
}

// Exists reports whether key is present (and not expired).
func (db *DB) Exists(key []byte) bool { return db.lookup(key) != nil }

// Add creates key, which must not exist, and returns its entry with type t.
func (db *DB) Add(key []byte, typ, enc uint32) *keyspace.Entry {
	d := db.dictFor(key)
	r, _ := d.Insert(key)
	db.keys++
	if db.srv.persist.walk != nil {
		db.srv.snapNewEntry(d, r) // not in the running snapshot
	}
	e := d.E(r)
	e.Meta = makeMeta(typ, enc, db.srv.newObjClock())
	db.srv.noteNewEntry(db, e)
	// Keyspace event "new", as Redis's dbAdd raises it (notify.go).
	db.srv.notifyNewKey(db, key)
	db.srv.signalKeyAsReady(db, key, typ) // clients blocked on key (blocking.go)
	return e
}

// AddString creates key, which must not exist, with a string value.
func (db *DB) AddString(key, val []byte) *keyspace.Entry {
	d := db.dictFor(key)
	r := d.InsertWithValue(key, val)
	db.keys++
	if db.srv.persist.walk != nil {
		db.srv.snapNewEntry(d, r) // not in the running snapshot
	}
	e := d.E(r)
	e.Meta = makeMeta(TypeString, stringEncoding(val), db.srv.newObjClock())
	db.srv.noteNewEntry(db, e)
	// Keyspace event "new", as Redis's dbAdd raises it (notify.go).
	db.srv.notifyNewKey(db, key)
	return e
}

// Delete removes key; it reports whether it was there (expired keys count as absent).
// It is Redis's dbDelete: the value goes the lazyfree way under
// lazyfree-lazy-server-del.
func (db *DB) Delete(key []byte) bool {
	return db.deleteGeneric(key, db.srv.cfg.LazyfreeLazyServerDel)
}

// deleteGeneric is Delete; async says the deletion path is an asynchronous one in
// Redis (Redis's dbAsyncDelete), which counts big values in lazyfreed_objects.
func (db *DB) deleteGeneric(key []byte, async bool) bool {
	d := db.dictFor(key)
	r := d.Find(key)
	if r == 0 {
		return false
	}
	e := d.E(r)
	if e.Expire != 0 && e.Expire <= db.srv.nowMs && db.srv.expireAllowed() {
		if !db.srv.expirePaused() {
			db.expireEntry(d, r, key)
		}
		return false
	}
	db.srv.unaccount(db, e)
	if metaType(e.Meta) == TypeStream {
		db.srv.signalKeyAsReady(db, key, TypeStream) // XREADGROUP waiters fail (blocking.go)
	}
	if db.srv.persist.walk != nil {
		db.srv.snapBeforeChange(d, r) // copy-before-write (snapshot.go)
	}
	if async {
		db.srv.lazyfreeDrop(e)
	}
	d.Delete(r)
	db.keys--
	return true
}

// SetExpire sets key's absolute expiry in unix ms (0 removes it).
func (db *DB) SetExpire(key []byte, ms int64) {
	d := db.dictFor(key)
	if r := d.Find(key); r != 0 {
		if db.srv.persist.walk != nil {
			db.srv.snapBeforeChange(d, r) // copy-before-write (snapshot.go)
		}
		d.SetExpire(r, ms)
		if ms > 0 && db.srv.replica.host != "" {
			db.srv.replicaRememberExpire(db, key) // a writable replica's own TTLs (repl_expire.go)
		}
	}
}

// expireEntry deletes an entry whose TTL passed, propagating a DEL (Redis's
// deleteExpiredKeyAndPropagate) so replicas and the AOF stay consistent.
func (db *DB) expireEntry(d *keyspace.Dict, r keyspace.Ref, key []byte) {
	s := db.srv
	if s.propagate != nil {
		k := append([]byte(nil), key...)
		del := argDEL
		if s.cfg.LazyfreeLazyExpire {
			del = argUNLINK // Redis's propagateDeletion(db, key, lazyfree_lazy_expire)
		}
		s.propagate(db.id, [][]byte{del, k})
	}
	for _, h := range s.onExpired {
		h(db, key)
	}
	s.unaccount(db, d.E(r))
	if metaType(d.E(r).Meta) == TypeStream {
		s.signalKeyAsReady(db, key, TypeStream) // XREADGROUP waiters fail (blocking.go)
	}
	if s.persist.walk != nil {
		s.snapBeforeChange(d, r) // copy-before-write: an expired key is still in it
	}
	if s.cfg.LazyfreeLazyExpire {
		s.lazyfreeDrop(d.E(r))
	}
	d.Delete(r)
	db.keys--
	s.stats.expiredKeys++
	s.notifyKeyspace(NotifyExpired, "expired", key, db.id)
	s.signalModified(db, key)
	// No dirty++: Redis does not count expirations as changes (save points), and a
	// command that merely found its key expired must not be propagated for it.
}

// Flush removes every key.
func (db *DB) Flush() int {
	n := db.keys
	db.srv.settleMem() // pending entries may be in these dicts
	db.srv.evict.used -= db.mem
	db.mem = 0
	for i, d := range db.dicts {
		// Keep dicts never used (most slots in cluster mode): FLUSHALL then allocates
		// nothing for them.
		if b0, b1 := d.Buckets(); b0 > 0 || b1 > 0 {
			db.dicts[i] = keyspace.New()
		}
	}
	db.keys = 0
	db.avgTTL = 0
	return n
}

// swap exchanges the contents of two databases (SWAPDB).
func (db *DB) swap(o *DB) {
	db.srv.settleMem() // pending entries are noted with their database
	db.mem, o.mem = o.mem, db.mem
	db.dicts, o.dicts = o.dicts, db.dicts
	db.keys, o.keys = o.keys, db.keys
	db.avgTTL, o.avgTTL = o.avgTTL, db.avgTTL
}

// cron resizes sparse dicts and spends up to 1 ms rehashing (activerehashing).
func (db *DB) cron(activeRehashing bool) {
	if db.keys == 0 && len(db.dicts) > 1 {
		return
	}
	for _, d := range db.dicts {
		if len(db.dicts) > 1 && d.Len() == 0 {
			continue
		}
		d.ShrinkIfNeeded()
	}
	if !activeRehashing {
		return
	}
	deadline := time.Now().Add(time.Millisecond)
	for i := 0; i < len(db.dicts); i++ {
		d := db.dicts[(db.rehashSlot+i)%len(db.dicts)]
		for d.Rehash(100) { // false when done, or paused by a walk in progress
			if time.Now().After(deadline) {
				db.rehashSlot = (db.rehashSlot + i) % len(db.dicts)
				return
			}
		}
	}
}

// expireAllowed reports whether lookups may delete expired keys: not while loading,
// and (later) not on replicas, which wait for the master's DEL.
func (s *Server) expireAllowed() bool {
	// In cluster mode myself's role in the state counts from the start, before
	// the replica link is set up (Redis's iAmMaster reads nodes.conf).
	return !s.replicaNoExpire && !s.clusterMyselfReplica()
}

// expirePaused reports a CLIENT PAUSE in effect: the dataset must not change, so
// expired keys read as missing but are not deleted (nor propagated) until it ends
// (Redis's checkClientPauseTimeoutAndReturnIfPaused in expireIfNeeded and
// activeExpireCycle).
func (s *Server) expirePaused() bool { return s.pause.until != 0 && s.pause.until > s.nowMs }

// touch updates the entry's LRU clock after an access. Under an LFU maxmemory-policy
// the lookups call touchLFU instead (Redis's lookupKey: updateLFU under an LFU policy,
// the LRU clock otherwise, with or without maxmemory); the two stay apart so that
// touch, on every lookup, is inlined.
func (s *Server) touch(e *keyspace.Entry) {
	if s.noTouch {
		return
	}
	e.Meta = e.Meta&0xff | s.lruClock()<<8
}

// lruClock is Redis's LRU clock: seconds, 24 bits, wrapping.
func (s *Server) lruClock() uint32 {
	return uint32(s.nowMs/1000) & 0xffffff
}

// stringEncoding is the encoding Redis gives a string value it stores (tryObjectEncoding):
// int for a canonical integer of up to 20 characters, embstr up to 44 bytes, raw above.
func stringEncoding(v []byte) uint32 {
	if len(v) <= 20 {
		if _, ok := parseInt(v); ok {
			return EncInt
		}
	}
	if len(v) <= 44 {
		return EncEmbstr
	}
	return EncRaw
}
