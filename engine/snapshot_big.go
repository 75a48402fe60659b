package engine

// snapshot_big.go: big hashes and sets in a snapshot, written in slices.
//
// Encoding a million-field hash takes hundreds of milliseconds; done in one go, by
// the walk or by copy-before-write when its first change comes, it stalls the loop
// that long. Instead, such a value becomes a job: its table is put under a snapshot
// of its own (fieldtable.Snap / strset.Snap: every element as it is now, elements
// changed or deleted later are copied aside first, an O(1) cost per element), its
// record header (expiry, LRU/LFU, type, key, element count) is encoded at once, and
// the elements are written later from the walk's time slices, a bounded number per
// slice. The key itself is done for the snapshot (its bit cleared), so later writes
// to it, a DEL, a RENAME or its expiry cost nothing more here: a value that leaves
// its key is no longer changed, and the job keeps it alive until written.
//
// An RDB stream is sequential: while a job's elements are being written, records
// of other keys encoded by copy-before-write go to a side buffer (deferred), which
// follows the job's last element. Jobs are written one at a time, before the walk
// continues, so the copies their tables keep live only as long as one job.
//
// Lists, sorted sets and streams are still encoded whole (their encoders copy
// packed nodes or walk a skiplist: about 20 ms for a million members).

import (
	"time"

	"github.com/keygrid/keygrid/engine/fieldtable"
	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/rdb"
	"github.com/keygrid/keygrid/engine/strset"
)

// snapBigMin is the element count from which a hash or set table is written in
// slices (about a millisecond of encoding).
var snapBigMin = 4096

// snapBigSlice is how many elements a job writes between two clock reads.
const snapBigSlice = 256

// snapBig is one big value waiting to be written, or being written.
type snapBig struct {
	db   int
	head []byte // RDB bytes before the elements
	ft   *fieldtable.Table
	fs   *fieldtable.Snap
	ss   *strset.Set
	sss  *strset.Snap
}

// byteSink is an io.Writer appending to a slice (the deferred records).
type byteSink struct{ b []byte }

func (b *byteSink) Write(p []byte) (int, error) {
	b.b = append(b.b, p...)
	return len(p), nil
}

// bigJob makes e a job if it is a big hash or set table, and reports whether it did.
// e's bit is already cleared; db is its database.
func (sn *snapshot) bigJob(db int, e *keyspace.Entry) bool {
	var j *snapBig
	switch metaType(e.Meta) {
	case TypeHash:
		ht := hashTableOf(e)
		if ht == nil || ht.d.Len() < snapBigMin {
			return false
		}
		fs := ht.d.StartSnap()
		if fs == nil {
			return false
		}
		j = &snapBig{ft: ht.d, fs: fs}
	case TypeSet:
		so := setOf(e)
		if so.ht == nil || so.ht.Len() < snapBigMin {
			return false
		}
		sss := so.ht.StartSnap()
		if sss == nil {
			return false
		}
		j = &snapBig{ss: so.ht, sss: sss}
	default:
		return false
	}
	j.db = db
	// The header as the key is now: its TTL or LRU may change before the job runs.
	var hb byteSink
	w := rdbWriterPool.Get().(*rdb.Writer)
	w.Reset(&hb)
	w.Compress = sn.s.cfg.RDBCompression
	w.NoChecksum = true
	sn.s.rdbSaveKeyHeader(w, e)
	if j.fs != nil {
		w.SaveLen(uint64(j.fs.Left()))
	} else {
		w.SaveLen(uint64(j.sss.Left()))
	}
	w.Flush()
	rdbWriterPool.Put(w)
	j.head = hb.b
	sn.bigQ = append(sn.bigQ, j)
	sn.keysDone++
	return true
}

// bigStart begins writing the next job: SELECTDB if needed, then its header. Records
// encoded by copy-before-write from now on are deferred until the job ends, and they
// follow its records, so their SELECTDB state starts at its db.
func (sn *snapshot) bigStart() {
	j := sn.bigQ[0]
	sn.bigQ = sn.bigQ[1:]
	sn.selectDB(sn.w, &sn.selected, j.db)
	sn.w.Write(j.head)
	j.head = nil
	sn.big = j
	sn.defSelected = j.db
	if sn.dw == nil {
		sn.dw = rdb.NewWriter(&sn.defOut)
		sn.dw.NoChecksum = true
	}
	sn.dw.Compress = sn.w.Compress
}

// bigStep writes the current job's elements until deadline; it reports whether the
// job is done (then the deferred records follow it).
func (sn *snapshot) bigStep(deadline time.Time) bool {
	j, w := sn.big, sn.w
	batch := snapBigSlice
	if sn.opts.SliceKeys > 0 {
		batch = sn.opts.SliceKeys // tests: one small batch per slice
	}
	for {
		var done bool
		if j.fs != nil {
			done = j.fs.Next(j.ft, batch, func(f, v string) {
				w.SaveString(bytesOf(f))
				w.SaveString(bytesOf(v))
			})
		} else {
			done = j.sss.Next(j.ss, batch, func(m string) {
				w.SaveString(bytesOf(m))
			})
		}
		if done {
			sn.bigEnd()
			return true
		}
		if sn.opts.SliceKeys > 0 || time.Now().After(deadline) {
			return false
		}
	}
}

// bigEnd finishes the current job: its table is released and the deferred records
// join the stream.
func (sn *snapshot) bigEnd() {
	j := sn.big
	sn.big = nil
	sn.detachBig(j)
	sn.dw.Flush()
	if len(sn.defOut.b) > 0 {
		sn.w.Write(sn.defOut.b)
		sn.defOut.b = sn.defOut.b[:0]
		sn.selected = sn.defSelected
	}
	if cap(sn.defOut.b) > 1<<20 {
		sn.defOut.b = nil // a burst of deferred records does not stay allocated
	}
}

func (sn *snapshot) detachBig(j *snapBig) {
	if j.fs != nil {
		j.ft.EndSnap(j.fs)
	} else if j.sss != nil {
		j.ss.EndSnap(j.sss)
	}
}

// bigAbort releases every job's table (the snapshot ends without writing them).
func (sn *snapshot) bigAbort() {
	if sn.big != nil {
		sn.detachBig(sn.big)
		sn.big = nil
	}
	for _, j := range sn.bigQ {
		sn.detachBig(j)
	}
	sn.bigQ = nil
	sn.defOut.b = nil
}

// selectDB writes SELECTDB (and the db's RESIZEDB hint with its first one) to w
// when *selected is another db.
func (sn *snapshot) selectDB(w *rdb.Writer, selected *int, db int) {
	if *selected == db {
		return
	}
	w.SaveType(rdb.OpSelectDB)
	w.SaveLen(uint64(db))
	if !sn.resized[db] {
		sn.resized[db] = true
		w.SaveType(rdb.OpResizeDB)
		w.SaveLen(uint64(sn.dbKeys[db]))
		w.SaveLen(uint64(sn.dbExpires[db]))
	}
	*selected = db
}
