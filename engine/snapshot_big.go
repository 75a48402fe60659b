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
// Sorted sets in the skiplist encoding work the same way (skiplist.Snap: a bit per
// node, a member and score copied aside before it changes or goes; written in slab
// order, which loading does not mind). Lists and streams are written node by node:
// the job takes the node list at once (O(nodes), a few thousand for a million
// elements) and the quicklist or stream copies a node before it first changes its
// bytes (copy-on-write at node granularity). A stream's metadata is encoded when
// its job is made; its consumer groups are frozen then (their PEL chunks copied
// before they change) and written in slices after the nodes.

import (
	"time"

	"github.com/keygrid/keygrid/engine/fieldtable"
	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/quicklist"
	"github.com/keygrid/keygrid/engine/rdb"
	"github.com/keygrid/keygrid/engine/skiplist"
	"github.com/keygrid/keygrid/engine/stream"
	"github.com/keygrid/keygrid/engine/strset"
)

// snapBigMin is the element count from which a hash or set table is written in
// slices (about a millisecond of encoding).
var snapBigMin = 4096

// snapBigSlice is how many elements a job writes between two clock reads;
// snapBigNodes how many list or stream nodes (each up to a few KiB).
const (
	snapBigSlice = 256
	snapBigNodes = 4
)

// snapBig is one big value waiting to be written, or being written.
type snapBig struct {
	db   int
	head []byte // RDB bytes before the elements
	ft   *fieldtable.Table
	fs   *fieldtable.Snap
	ss   *strset.Set
	sss  *strset.Snap
	zl   *skiplist.List // sorted set
	zs   *skiplist.Snap
	ql   *quicklist.Quicklist // list: its nodes as they were
	qn   []quicklist.Node
	st   *stream.Stream // stream: its nodes, then meta, then its groups
	sn   []stream.SnapNode
	meta []byte
	gs   *stream.GroupsSnap
	pos  int // next node of qn or sn
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
	case TypeZSet:
		z := zsetOf(e)
		if z.sl == nil || z.sl.Len() < snapBigMin {
			return false
		}
		zs := z.sl.StartSnap()
		if zs == nil {
			return false
		}
		j = &snapBig{zl: z.sl, zs: zs}
	case TypeList:
		l := listOf(e)
		if l.Len() < snapBigMin {
			return false
		}
		j = &snapBig{ql: &l.Quicklist, qn: l.SnapNodes()}
	case TypeStream:
		st := streamOf(e)
		pending := 0
		for _, g := range st.Groups() {
			pending += g.PendingLen()
		}
		if st.Len() < uint64(snapBigMin) && st.NodeCount() < max(1, snapBigMin/64) && pending < snapBigMin {
			return false
		}
		j = &snapBig{st: st, sn: st.SnapNodes(), gs: st.SnapGroups()}
		// The metadata as it is now (rdbSaveStream's), then the group count.
		var mb byteSink
		w := sn.elemWriter(&mb)
		w.SaveLen(st.Len())
		for _, id := range []stream.ID{st.LastID, st.FirstID, st.MaxDeletedID} {
			w.SaveLen(id.Ms)
			w.SaveLen(id.Seq)
		}
		w.SaveLen(st.EntriesAdded)
		w.SaveLen(uint64(j.gs.Len()))
		w.Flush()
		rdbWriterPool.Put(w)
		j.meta = mb.b
	default:
		return false
	}
	j.db = db
	// The header as the key is now: its TTL or LRU may change before the job runs.
	var hb byteSink
	w := sn.elemWriter(&hb)
	sn.s.rdbSaveKeyHeader(w, e)
	switch {
	case j.fs != nil:
		w.SaveLen(uint64(j.fs.Left()))
	case j.sss != nil:
		w.SaveLen(uint64(j.sss.Left()))
	case j.zs != nil:
		w.SaveLen(uint64(j.zs.Left()))
	case j.ql != nil:
		w.SaveLen(uint64(len(j.qn)))
	default:
		w.SaveLen(uint64(len(j.sn)))
	}
	w.Flush()
	rdbWriterPool.Put(w)
	j.head = hb.b
	sn.bigQ = append(sn.bigQ, j)
	sn.keysDone++
	return true
}

// elemWriter returns a pooled writer appending to b with the snapshot's settings
// (return it to rdbWriterPool after Flush).
func (sn *snapshot) elemWriter(b *byteSink) *rdb.Writer {
	w := rdbWriterPool.Get().(*rdb.Writer)
	w.Reset(b)
	w.Compress = sn.s.cfg.RDBCompression
	w.NoChecksum = true
	return w
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
	nodes := snapBigNodes
	if sn.opts.SliceKeys > 0 {
		nodes = sn.opts.SliceKeys
	}
	for {
		var done bool
		switch {
		case j.fs != nil:
			done = j.fs.Next(j.ft, batch, func(f, v string) {
				w.SaveString(bytesOf(f))
				w.SaveString(bytesOf(v))
			})
		case j.sss != nil:
			done = j.sss.Next(j.ss, batch, func(m string) {
				w.SaveString(bytesOf(m))
			})
		case j.zs != nil:
			done = j.zs.Next(j.zl, batch, func(m []byte, score float64) {
				w.SaveString(m)
				w.SaveBinaryDouble(score)
			})
		case j.ql != nil:
			end := min(len(j.qn), j.pos+nodes)
			for ; j.pos < end; j.pos++ {
				nd := &j.qn[j.pos]
				w.SaveLen(nodeContainer(*nd))
				if nd.Compressed {
					w.SaveLZFBlob(nd.Data, nd.Size)
				} else {
					w.SaveString(nd.Data)
				}
				*nd = quicklist.Node{} // written: its bytes may go
			}
			done = j.pos == len(j.qn)
		case j.pos < len(j.sn):
			end := min(len(j.sn), j.pos+nodes)
			for ; j.pos < end; j.pos++ {
				nd := &j.sn[j.pos]
				k := nd.Master.Key()
				w.SaveString(k[:])
				w.SaveString(nd.LP.Bytes())
				*nd = stream.SnapNode{}
			}
			if j.pos == len(j.sn) {
				w.Write(j.meta)
				j.meta = nil
			}
		default:
			// The stream's nodes are out (an empty stream has none): its groups.
			if j.meta != nil {
				w.Write(j.meta)
				j.meta = nil
			}
			done = j.gs.Next(batch, streamGroupsOut{w})
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
	switch {
	case j.fs != nil:
		j.ft.EndSnap(j.fs)
	case j.sss != nil:
		j.ss.EndSnap(j.sss)
	case j.zs != nil:
		j.zl.EndSnap(j.zs)
	case j.ql != nil:
		j.ql.EndSnap()
		j.qn = nil
	case j.st != nil:
		j.st.EndSnap()
		j.sn, j.meta, j.gs = nil, nil, nil
	}
}

// streamGroupsOut encodes a stream's consumer groups as rdbSaveStream does.
type streamGroupsOut struct{ w *rdb.Writer }

func (o streamGroupsOut) Group(name string, lastID stream.ID, entriesRead int64, pending int) {
	o.w.SaveString(bytesOf(name))
	o.w.SaveLen(lastID.Ms)
	o.w.SaveLen(lastID.Seq)
	o.w.SaveLen(uint64(entriesRead)) // -1 travels as 2^64-1
	o.w.SaveLen(uint64(pending))
}

func (o streamGroupsOut) NACK(id stream.ID, deliveryTime int64, deliveryCount uint64) {
	k := id.Key()
	o.w.Write(k[:])
	o.w.SaveMillisecondTime(deliveryTime)
	o.w.SaveLen(deliveryCount)
}

func (o streamGroupsOut) Consumers(n int) { o.w.SaveLen(uint64(n)) }

func (o streamGroupsOut) Consumer(name string, seenTime int64, pending int) {
	o.w.SaveString(bytesOf(name))
	o.w.SaveMillisecondTime(seenTime)
	o.w.SaveLen(uint64(pending))
}

func (o streamGroupsOut) ConsumerPending(id stream.ID) {
	k := id.Key()
	o.w.Write(k[:])
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
