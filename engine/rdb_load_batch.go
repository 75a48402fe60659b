package engine

// rdb_load_batch.go: the string keys of an RDB load are stored a batch at a time,
// after a lookahead over the batch's table memory (keyspace.Prefetch).
//
// Loading a big keyspace is bound by memory latency, not by parsing: each key's
// duplicate check reads a bucket slot and the entry it names, two cache misses in a
// table of hundreds of megabytes, and they came one key after the other (perf of a
// replica loading 2M keys from its master's socket: half of its CPU in Dict.find,
// on those two loads). Holding a few parsed keys back lets their misses overlap:
// the lookahead touches every bucket of the batch, then every chain head, so the
// stores that follow find them in cache. Keys are stored in stream order, with the
// same checks and errors as one at a time; anything other than a plain string key,
// and every other record (SELECTDB, RESIZEDB, aux fields, functions), stores the
// batch first.

import (
	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/rdb"
)

// rdbBatchMaxBytes bounds the key and value bytes a batch copies: a big value
// costs more to copy than its lookup saves.
const rdbBatchMaxBytes = 4 << 10

// rdbPending is one parsed key waiting in the batch; its bytes are in the
// batch's arena (the parser reuses its own buffers for the next key).
type rdbPending struct {
	db               *DB
	koff, klen, vlen int
	k                rdb.Key
	v                rdb.Value
}

// rdbLoadBatch holds the keys parsed but not yet stored.
type rdbLoadBatch struct {
	pf    keyspace.Prefetch
	n     int
	keys  [keyspace.PrefetchMax]rdbPending
	arena []byte
}

// add takes k (to be stored in db) when it is a string key small enough; false
// leaves it to the caller, who must flush first.
func (b *rdbLoadBatch) add(db *DB, k *rdb.Key) bool {
	v := k.Value
	if v == nil || v.Kind != rdb.KindString || len(k.Key)+len(v.Str) > rdbBatchMaxBytes {
		return false
	}
	p := &b.keys[b.n]
	p.db = db
	p.koff, p.klen, p.vlen = len(b.arena), len(k.Key), 0
	b.arena = append(b.arena, k.Key...)
	if !v.IsInt {
		p.vlen = len(v.Str)
		b.arena = append(b.arena, v.Str...)
	}
	p.k = *k
	p.v = *v
	b.pf.Add(db.dictFor(k.Key), k.Key)
	b.n++
	return true
}

func (b *rdbLoadBatch) full() bool { return b.n == len(b.keys) }

// flush stores the batch in order with store; the first error ends it (the
// keys after it are dropped, as the load fails).
func (b *rdbLoadBatch) flush(store func(db *DB, k *rdb.Key) error) error {
	if b.n == 0 {
		return nil
	}
	b.pf.Run()
	var err error
	for i := 0; i < b.n && err == nil; i++ {
		p := &b.keys[i]
		p.k.Key = b.arena[p.koff : p.koff+p.klen]
		if p.v.IsInt {
			p.v.Str = nil
		} else {
			p.v.Str = b.arena[p.koff+p.klen : p.koff+p.klen+p.vlen]
		}
		p.k.Value = &p.v
		err = store(p.db, &p.k)
	}
	for i := 0; i < b.n; i++ {
		b.keys[i] = rdbPending{} // no db or arena bytes kept alive
	}
	b.n = 0
	b.arena = b.arena[:0]
	return err
}
