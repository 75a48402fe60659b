// iter.go: iterating entries in an ID range, forwards or backwards.

package stream

import "github.com/keygrid/keygrid/engine/listpack"

// Iterator walks the entries of a stream whose IDs are in [start, end], in ID
// order or, with rev, in reverse (Redis's streamIterator). It allocates nothing:
// declare one and call Start.
//
//	var it stream.Iterator
//	it.Start(s, start, end, false)
//	for id, n, ok := it.Next(); ok; id, n, ok = it.Next() {
//		for ; n > 0; n-- {
//			f, v := it.Field()
//		}
//	}
//
// The stream must not change while the iterator is in use; the elements Field
// returns view the node and are valid until then.
type Iterator struct {
	s          *Stream
	start, end ID
	rev        bool
	// SkipTombstones is set by Start; clear it to see deleted entries too.
	SkipTombstones bool

	cur    cursor[listpack.Listpack] // next node to load
	lp     listpack.Listpack         // current node; nil: load the next one
	master ID
	// masterFields is the count of master fields, masterStart the position of
	// the first one.
	masterFields int64
	masterStart  int
	// pos is where the walk resumes in lp: forwards, the next entry's flags
	// (-1: node done); backwards, the lp-count of the next entry to look at.
	pos int
	// The entry returned last: its flags, and the positions of the next field
	// and value to return.
	flags     int64
	fieldPos  int
	valuePos  int
	remaining int64
}

// Start positions the iterator before the first entry of [start, end].
func (it *Iterator) Start(s *Stream, start, end ID, rev bool) {
	*it = Iterator{s: s, start: start, end: end, rev: rev, SkipTombstones: true}
	if !rev {
		// The node holding start is the last one whose master ID is <= start.
		it.cur = s.nodes.SeekLE(start)
		if !it.cur.Valid() {
			it.cur = s.nodes.First()
		}
	} else {
		// Nodes after the one holding end have only larger IDs.
		it.cur = s.nodes.SeekLE(end)
	}
}

// loadNode makes the cursor's node current; false when there is none left.
func (it *Iterator) loadNode() bool {
	if !it.cur.Valid() {
		return false
	}
	it.master = it.cur.Key()
	it.lp = *it.cur.Val()
	if it.rev {
		it.cur.Prev()
	} else {
		it.cur.Next()
	}
	lp := it.lp
	p := lp.Next(lp.Next(lp.First()))
	it.masterFields = getInt(lp, p)
	it.masterStart = lp.Next(p)
	if !it.rev {
		p = it.masterStart
		for i := int64(0); i < it.masterFields; i++ {
			p = lp.Next(p)
		}
		it.pos = lp.Next(p) // first entry's flags, or -1
	} else {
		it.pos = lp.Last() // last entry's lp-count, or the master's 0
	}
	return true
}

// Next moves to the next entry in range and returns its ID and number of
// field-value pairs; ok is false when the range is exhausted.
func (it *Iterator) Next() (id ID, numFields int64, ok bool) {
	for {
		if it.lp == nil {
			if !it.loadNode() {
				return ID{}, 0, false
			}
		}
		lp := it.lp
		var p int
		if !it.rev {
			if it.pos < 0 {
				it.lp = nil
				continue
			}
			p = it.pos
		} else {
			n := getInt(lp, it.pos)
			if n == 0 { // the master entry's terminator: node done
				it.lp = nil
				continue
			}
			p = it.pos
			for ; n > 0; n-- {
				p = lp.Prev(p)
			}
		}
		// p is at the entry's flags.
		flags := getInt(lp, p)
		q := lp.Next(p)
		id = it.master
		id.Ms += uint64(getInt(lp, q))
		q = lp.Next(q)
		id.Seq += uint64(getInt(lp, q))
		q = lp.Next(q)
		if flags&flagSameFields != 0 {
			numFields = it.masterFields
		} else {
			numFields = getInt(lp, q)
			q = lp.Next(q)
		}
		// Where the walk goes on from.
		if !it.rev {
			e := q
			n := numFields
			if flags&flagSameFields == 0 {
				n *= 2
			}
			for ; n > 0; n-- {
				e = lp.Next(e)
			}
			it.pos = lp.Next(e) // past the lp-count
		} else {
			it.pos = lp.Prev(p) // the previous entry's lp-count
		}
		if flags&flagDeleted != 0 && it.SkipTombstones {
			continue
		}
		if !it.rev {
			if id.Less(it.start) {
				continue
			}
			if it.end.Less(id) {
				it.lp, it.cur = nil, cursor[listpack.Listpack]{m: &it.s.nodes, ci: -1}
				return ID{}, 0, false
			}
		} else {
			if it.end.Less(id) {
				continue
			}
			if id.Less(it.start) {
				it.lp, it.cur = nil, cursor[listpack.Listpack]{m: &it.s.nodes, ci: -1}
				return ID{}, 0, false
			}
		}
		it.flags = flags
		it.remaining = numFields
		if flags&flagSameFields != 0 {
			it.fieldPos = it.masterStart
			it.valuePos = q
		} else {
			it.fieldPos = q
		}
		return id, numFields, true
	}
}

// Field returns the next field-value pair of the current entry. Call it exactly
// as many times as Next's numFields said, or not at all.
func (it *Iterator) Field() (field, value listpack.Entry) {
	lp := it.lp
	it.remaining--
	if it.flags&flagSameFields != 0 {
		field = lp.Get(it.fieldPos)
		value = lp.Get(it.valuePos)
		if it.remaining > 0 {
			it.fieldPos = lp.Next(it.fieldPos)
			it.valuePos = lp.Next(it.valuePos)
		}
		return field, value
	}
	field = lp.Get(it.fieldPos)
	vp := lp.Next(it.fieldPos)
	value = lp.Get(vp)
	if it.remaining > 0 {
		it.fieldPos = lp.Next(vp)
	}
	return field, value
}

// Deleted reports whether the current entry is a tombstone (seen only with
// SkipTombstones cleared).
func (it *Iterator) Deleted() bool { return it.flags&flagDeleted != 0 }
