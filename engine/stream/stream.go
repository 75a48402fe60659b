// stream.go: the Stream type: appending entries into node listpacks in Redis's
// layout, deleting (tombstones), trimming, and the edge-ID bookkeeping that
// XINFO and consumer-group lag rely on.

package stream

import (
	"errors"

	"github.com/keygrid/keygrid/engine/listpack"
)

// Flags of an entry in a node listpack (STREAM_ITEM_FLAG_*).
const (
	flagDeleted    = 1 << 0 // a tombstone: skipped by readers
	flagSameFields = 1 << 1 // the entry's fields are the master entry's: only values stored
)

// MaxListpackSize bounds a node's listpack and the total size of one entry's
// fields and values (STREAM_LISTPACK_MAX_SIZE).
const MaxListpackSize = 1 << 30

// Errors of Add.
var (
	// ErrIDTooSmall: the ID is not greater than the stream's last ID (Redis's EDOM
	// case: "The ID specified in XADD is equal or smaller than the target stream
	// top item").
	ErrIDTooSmall = errors.New("stream: ID is equal or smaller than the top item")
	// ErrSeqExhausted: "<ms>-*" with <ms> equal to the last ID's and its sequence
	// already the largest. Redis fails this case without setting errno, so its
	// reply depends on a stale errno; see Add.
	ErrSeqExhausted = errors.New("stream: sequence exhausted for this millisecond")
	// ErrTooLarge: the fields and values together exceed MaxListpackSize ("Elements
	// are too large to be stored").
	ErrTooLarge = errors.New("stream: elements are too large to be stored")
)

// Limits are the node size limits (stream-node-max-bytes, stream-node-max-entries);
// zero means no limit.
type Limits struct {
	NodeMaxBytes   int64
	NodeMaxEntries int64
}

// Stream is a Redis stream: entries ordered by ID, stored in nodes (listpacks in
// Redis's stream layout keyed by their master entry's ID), plus consumer groups.
// The exported fields are the metadata Redis keeps and persists (RDB type
// STREAM_LISTPACKS_2 and later); change them only as XSETID and RDB loading do.
type Stream struct {
	nodes  idMap[listpack.Listpack]
	length uint64
	// LastID is the largest ID ever added (or set by XSETID); 0-0 for a new stream.
	LastID ID
	// FirstID is the first live entry's ID, 0-0 when empty ("recorded-first-entry-id").
	FirstID ID
	// MaxDeletedID is the largest ID ever deleted by XDEL (or set by XSETID).
	MaxDeletedID ID
	// EntriesAdded counts every entry ever added.
	EntriesAdded uint64
	groups       []*Group // sorted by name
	// lpCap is the total capacity of the node listpacks, kept as they change so
	// HeapBytes is cheap (it runs after every write for maxmemory accounting).
	lpCap int64
	// prealloc is the room Redis would have allocated for the last node when it
	// created it (0 once that node is gone): see OpenNodePrealloc.
	prealloc int
	// cow, while a snapshot writes the nodes in slices, names the nodes whose
	// bytes it still holds (snapshot.go).
	cow *cowState
}

// OpenNodePrealloc is the allocation Redis makes for a new node
// (min(stream-node-max-bytes, 4096)), which the stream's last node still holds
// if this stream created it: Redis shrinks a node to fit only when the next one
// starts, and copies (COPY, loading) are exact. 0 when the last node is not one
// this stream created. MEMORY USAGE counts it.
func (s *Stream) OpenNodePrealloc() int { return s.prealloc }

// New returns an empty stream.
func New() *Stream { return &Stream{} }

// Len is the number of live entries.
func (s *Stream) Len() uint64 { return s.length }

// NodeCount is the number of nodes (XINFO STREAM radix-tree-keys).
func (s *Stream) NodeCount() int { return s.nodes.Len() }

// getInt reads an integer element of a node listpack (lpGetInteger). Stream
// metadata elements are always integer-encoded; a string one is parsed.
func getInt(lp listpack.Listpack, p int) int64 {
	e := lp.Get(p)
	if e.IsInt {
		return e.Int
	}
	v, _ := parseLL(e.Str)
	return v
}

// NextID returns the ID XADD * generates at time nowMs after last (streamNextID):
// nowMs-0 when the clock is ahead of last, else last's successor.
func NextID(last ID, nowMs uint64) ID {
	if nowMs > last.Ms {
		return ID{nowMs, 0}
	}
	id, _ := last.Incr()
	return id
}

// Add appends an entry with the field-value pairs fv (len(fv) even, > 0) and
// returns its ID (Redis's streamAppendItem). With id nil the ID is generated from
// nowMs; with seqGiven false only id.Ms is used and the sequence is generated.
// The stream's node limits decide when a new node starts.
func (s *Stream) Add(fv [][]byte, id *ID, seqGiven bool, nowMs int64, lim Limits) (ID, error) {
	var nid ID
	switch {
	case id == nil:
		nid = NextID(s.LastID, uint64(nowMs))
	case seqGiven:
		nid = *id
	case s.LastID.Ms == id.Ms:
		if s.LastID.Seq == MaxID.Seq {
			return ID{}, ErrSeqExhausted
		}
		nid = ID{s.LastID.Ms, s.LastID.Seq + 1}
	default:
		nid = *id
	}
	if nid.Cmp(s.LastID) <= 0 {
		return ID{}, ErrIDTooSmall
	}
	total := 0
	for _, b := range fv {
		total += len(b)
	}
	if total > MaxListpackSize {
		return ID{}, ErrTooLarge
	}
	nf := len(fv) / 2

	// Append to the last node unless it is full.
	var lp *listpack.Listpack
	var master ID
	if s.nodes.Len() > 0 {
		cur := s.nodes.Last()
		lp, master = cur.Val(), cur.Key()
		maxBytes := lim.NodeMaxBytes
		if maxBytes <= 0 || maxBytes > MaxListpackSize {
			maxBytes = MaxListpackSize
		}
		full := int64(len(*lp)+total) >= maxBytes
		if !full && lim.NodeMaxEntries > 0 {
			p := lp.First()
			full = getInt(*lp, p)+getInt(*lp, lp.Next(p)) >= lim.NodeMaxEntries
		}
		if full {
			// The node is closed: drop its growth headroom (lpShrinkToFit).
			if cap(*lp) > len(*lp) {
				s.lpCap -= int64(cap(*lp))
				*lp = lp.Clone()
				s.lpCap += int64(cap(*lp))
			}
			lp = nil
		}
	}

	flags := int64(0)
	if lp == nil {
		// A new node: its master entry is count 1, deleted 0, the field names and
		// a 0 terminator; the first entry always has the master's fields.
		master = nid
		s.prealloc = 4096 // STREAM_LISTPACK_MAX_PRE_ALLOCATE
		if lim.NodeMaxBytes > 0 && lim.NodeMaxBytes < 4096 {
			s.prealloc = int(lim.NodeMaxBytes)
		}
		nl := listpack.New()
		nl.Grow(min(total+16*nf+32, 4096))
		nl.AppendInt(1)
		nl.AppendInt(0)
		nl.AppendInt(int64(nf))
		for i := 0; i < nf; i++ {
			nl.Append(fv[2*i])
		}
		nl.AppendInt(0)
		s.nodes.Set(master, nl)
		lp = s.nodes.Get(master)
		flags = flagSameFields
	} else {
		if s.cow != nil {
			s.own(master, lp)
		}
		s.lpCap -= int64(cap(*lp))
		p := lp.First()
		p = lp.ReplaceInt(p, getInt(*lp, p)+1)
		p = lp.Next(lp.Next(p)) // num-fields
		if getInt(*lp, p) == int64(nf) {
			same := true
			for i := 0; i < nf; i++ {
				p = lp.Next(p)
				// By string form, as Redis's lpGet+memcmp: integer 12 is "12".
				if !lp.Get(p).Equal(fv[2*i]) {
					same = false
					break
				}
			}
			if same {
				flags = flagSameFields
			}
		}
	}

	// Encode the entry apart and append it in one move.
	var sb [256]byte
	buf := listpack.AppendIntElement(sb[:0], flags)
	buf = listpack.AppendIntElement(buf, int64(nid.Ms-master.Ms))
	buf = listpack.AppendIntElement(buf, int64(nid.Seq-master.Seq))
	elems := 4 // flags, the two deltas, lp-count
	if flags&flagSameFields == 0 {
		buf = listpack.AppendIntElement(buf, int64(nf))
		elems++
	}
	for i := 0; i < nf; i++ {
		if flags&flagSameFields == 0 {
			buf = listpack.AppendElement(buf, fv[2*i])
			elems++
		}
		buf = listpack.AppendElement(buf, fv[2*i+1])
		elems++
	}
	// lp-count: the elements before it in the entry.
	buf = listpack.AppendIntElement(buf, int64(elems-1))
	lp.AppendElements(buf, elems)
	s.lpCap += int64(cap(*lp))

	s.length++
	s.EntriesAdded++
	s.LastID = nid
	if s.length == 1 {
		s.FirstID = nid
	}
	return nid, nil
}

// masterSkip returns the position of the master entry's 0 terminator and the
// number of master fields.
func masterSkip(lp listpack.Listpack) (term int, nfields int64) {
	p := lp.Next(lp.Next(lp.First())) // num-fields
	nfields = getInt(lp, p)
	p = lp.Next(p)
	for i := int64(0); i < nfields; i++ {
		p = lp.Next(p)
	}
	return p, nfields
}

// entrySkip returns the position of the lp-count element of the entry whose
// flags are at p, reading its flags and ID deltas.
func entrySkip(lp listpack.Listpack, p int, masterFields int64) (lpCount int, flags, msDelta, seqDelta int64) {
	flags = getInt(lp, p)
	p = lp.Next(p)
	msDelta = getInt(lp, p)
	p = lp.Next(p)
	seqDelta = getInt(lp, p)
	p = lp.Next(p)
	n := masterFields
	if flags&flagSameFields == 0 {
		n = getInt(lp, p) * 2
		p = lp.Next(p)
	}
	for ; n > 0; n-- {
		p = lp.Next(p)
	}
	return p, flags, msDelta, seqDelta
}

// lastEntryID returns the ID of a node's last entry, tombstone or not
// (lpGetEdgeStreamID with first=0); ok is false for a node without entries.
func lastEntryID(lp listpack.Listpack, master ID) (ID, bool) {
	p := lp.Last()
	n := getInt(lp, p)
	if n == 0 {
		return ID{}, false
	}
	for ; n > 0; n-- {
		p = lp.Prev(p)
	}
	p = lp.Next(p)
	id := master
	id.Ms += uint64(getInt(lp, p))
	id.Seq += uint64(getInt(lp, lp.Next(p)))
	return id, true
}

// Delete removes the live entry id, reporting whether it was there. The entry
// becomes a tombstone in its node; a node left with no live entry is removed.
// Delete does not touch FirstID or MaxDeletedID: XDEL maintains those.
func (s *Stream) Delete(id ID) bool {
	cur := s.nodes.SeekLE(id)
	if !cur.Valid() {
		return false
	}
	master, lp := cur.Key(), cur.Val()
	term, mf := masterSkip(*lp)
	for p := lp.Next(term); p >= 0; {
		end, flags, dms, dseq := entrySkip(*lp, p, mf)
		eid := ID{master.Ms + uint64(dms), master.Seq + uint64(dseq)}
		if c := eid.Cmp(id); c > 0 {
			return false
		} else if c == 0 {
			if flags&flagDeleted != 0 {
				return false
			}
			s.markDeleted(&cur, p, flags)
			return true
		}
		p = lp.Next(end)
	}
	return false
}

// markDeleted turns the entry whose flags (value flags) are at p into a
// tombstone, updating the node's counters or removing the node when it held the
// last live entry (streamIteratorRemoveEntry).
func (s *Stream) markDeleted(cur *cursor[listpack.Listpack], p int, flags int64) {
	lp := cur.Val()
	if s.cow != nil {
		s.own(cur.Key(), lp)
	}
	s.lpCap -= int64(cap(*lp))
	first := lp.First()
	if live := getInt(*lp, first); live == 1 {
		s.dropNode(cur)
	} else {
		// Flags first: they follow the counters, whose width may change.
		lp.ReplaceInt(p, flags|flagDeleted)
		first = lp.ReplaceInt(first, live-1)
		dp := lp.Next(first)
		lp.ReplaceInt(dp, getInt(*lp, dp)+1)
		s.lpCap += int64(cap(*lp))
	}
	s.length--
}

// dropNode removes the node at cur (which moves to the next one). When it was
// the last node, the new last one is a shrunk one: no preallocation left.
func (s *Stream) dropNode(cur *cursor[listpack.Listpack]) {
	last := s.nodes.Last()
	if last.Key() == cur.Key() {
		s.prealloc = 0
	}
	cur.Delete()
}

// Exists reports whether id is a live entry.
func (s *Stream) Exists(id ID) bool {
	var it Iterator
	it.Start(s, id, id, false)
	_, _, ok := it.Next()
	return ok
}

// EdgeID returns the first (first=true) or last entry's ID, tombstones included
// unless skipTombstones. For a stream with no entry it returns the largest ID
// when asked for the first and 0-0 for the last (streamGetEdgeID).
func (s *Stream) EdgeID(first, skipTombstones bool) ID {
	var it Iterator
	it.Start(s, ID{}, MaxID, !first)
	it.SkipTombstones = skipTombstones
	id, _, ok := it.Next()
	if !ok {
		if first {
			return MaxID
		}
		return ID{}
	}
	return id
}

// LastValidID is the last live entry's ID (0-0 for an empty stream).
func (s *Stream) LastValidID() ID { return s.EdgeID(false, true) }

// TrimStrategy selects how Trim trims.
type TrimStrategy uint8

const (
	TrimNone   TrimStrategy = iota
	TrimMaxLen              // keep at most MaxLen entries
	TrimMinID               // drop entries with IDs below MinID
)

// TrimArgs are the trimming options of XADD and XTRIM.
type TrimArgs struct {
	Strategy TrimStrategy
	MaxLen   int64
	MinID    ID
	// Approx ("~") removes whole nodes only.
	Approx bool
	// Limit caps the entries removed (0: no cap). Checked per node.
	Limit int64
}

// Trim removes entries from the head as args says and returns how many it
// removed (Redis's streamTrim): whole nodes while they fit entirely; then, unless
// Approx, entries of the next node become tombstones one by one.
func (s *Stream) Trim(args TrimArgs) int64 {
	if args.Strategy == TrimNone {
		return 0
	}
	maxlen := uint64(args.MaxLen)
	var deleted int64
	cur := s.nodes.First()
	for cur.Valid() {
		if args.Strategy == TrimMaxLen && s.length <= maxlen {
			break
		}
		master, lp := cur.Key(), cur.Val()
		first := lp.First()
		entries := getInt(*lp, first)
		if args.Limit != 0 && deleted+entries > args.Limit {
			break
		}
		var remove bool
		if args.Strategy == TrimMaxLen {
			remove = s.length-uint64(entries) >= maxlen
		} else {
			last, _ := lastEntryID(*lp, master)
			remove = last.Less(args.MinID)
		}
		if remove {
			s.lpCap -= int64(cap(*lp))
			s.dropNode(&cur)
			s.length -= uint64(entries)
			deleted += entries
			continue
		}
		if args.Approx {
			break
		}
		if s.cow != nil {
			s.own(master, lp)
		}
		// Mark entries of this node deleted until the condition holds.
		var fromNode int64
		term, mf := masterSkip(*lp)
		for p := lp.Next(term); p >= 0; {
			end, flags, dms, dseq := entrySkip(*lp, p, mf)
			var stop bool
			if args.Strategy == TrimMaxLen {
				stop = s.length <= maxlen
			} else {
				eid := ID{master.Ms + uint64(dms), master.Seq + uint64(dseq)}
				stop = !eid.Less(args.MinID)
			}
			if stop {
				break
			}
			next := lp.Next(end)
			if flags&flagDeleted == 0 {
				// The flags keep their width (0..3 are 7-bit integers): positions
				// after p stay valid.
				lp.ReplaceInt(p, flags|flagDeleted)
				fromNode++
				s.length--
			}
			p = next
		}
		deleted += fromNode
		s.lpCap -= int64(cap(*lp))
		first = lp.ReplaceInt(lp.First(), entries-fromNode)
		dp := lp.Next(first)
		lp.ReplaceInt(dp, getInt(*lp, dp)+fromNode)
		s.lpCap += int64(cap(*lp))
		break
	}
	if s.length == 0 {
		s.FirstID = ID{}
	} else if deleted > 0 {
		s.FirstID = s.EdgeID(true, true)
	}
	return deleted
}
