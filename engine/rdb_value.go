package engine

// RDB serialization of values (Redis 7.0's rdbSaveObjectType, rdbSaveObject and
// rdbLoadObject): each engine value is written in the RDB type Redis 7.0 uses for
// the same type and encoding, and every RDB type any Redis up to 7.4 writes is
// loaded into the engine's objects, converting encodings by the *-max-listpack-*
// and set-max-intset-entries limits as Redis does on load.
//
// The byte-level work (encodings, legacy ziplists and zipmaps, validation) is
// engine/rdb's; this file maps its Values to the engine's objects and back.
// rdb_file.go has the whole-file side, dump.go DUMP and RESTORE.

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/keygrid/keygrid/engine/intset"
	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/listpack"
	"github.com/keygrid/keygrid/engine/quicklist"
	"github.com/keygrid/keygrid/engine/rdb"
	"github.com/keygrid/keygrid/engine/skiplist"
	"github.com/keygrid/keygrid/engine/stream"
	"github.com/keygrid/keygrid/engine/strset"
)

// rdbType is the RDB type Redis 7.0 saves a value of e's type and encoding as.
func rdbType(e *keyspace.Entry) byte {
	switch metaType(e.Meta) {
	case TypeString:
		return rdb.TypeString
	case TypeList:
		return rdb.TypeListQuicklist2
	case TypeSet:
		if setOf(e).ht == nil {
			return rdb.TypeSetIntset
		}
		return rdb.TypeSet
	case TypeZSet:
		if zsetOf(e).sl == nil {
			return rdb.TypeZSetListpack
		}
		return rdb.TypeZSet2
	case TypeHash:
		if hashTableOf(e) == nil {
			return rdb.TypeHashListpack
		}
		return rdb.TypeHash
	case TypeStream:
		return rdb.TypeStreamListpacks2
	}
	panic(fmt.Sprintf("rdb: unknown value type %d", metaType(e.Meta)))
}

// rdbSaveObject writes e's RDB type byte and value (not key, not expiry), as Redis
// 7.0's rdbSaveObjectType+rdbSaveObject would for the same value and encoding.
func (s *Server) rdbSaveObject(w *rdb.Writer, e *keyspace.Entry) error {
	if err := w.SaveType(rdbType(e)); err != nil {
		return err
	}
	return s.rdbSaveValue(w, e)
}

// rdbSaveValue writes the value of e without its type byte (rdbSaveObject).
func (s *Server) rdbSaveValue(w *rdb.Writer, e *keyspace.Entry) error {
	switch metaType(e.Meta) {
	case TypeString:
		v := stringValue(e)
		if metaEnc(e.Meta) == EncInt {
			// An int-encoded object is saved from its value, never compressed
			// (rdbSaveLongLongAsStringObject).
			if n, ok := parseInt(v); ok {
				return w.SaveInt(n)
			}
		}
		return w.SaveString(v)
	case TypeList:
		l := listOf(e)
		w.SaveLen(uint64(l.NodeCount()))
		for nd := range l.Nodes() {
			w.SaveLen(nodeContainer(nd))
			if nd.Compressed {
				w.SaveLZFBlob(nd.Data, nd.Size)
			} else {
				w.SaveString(nd.Data)
			}
		}
	case TypeSet:
		so := setOf(e)
		if so.ht == nil {
			return w.SaveString(so.is)
		}
		w.SaveLen(uint64(so.ht.Len()))
		so.ht.Each(func(r strset.Ref) bool {
			return w.SaveString(bytesOf(so.ht.Member(r))) == nil
		})
	case TypeZSet:
		z := zsetOf(e)
		if z.sl == nil {
			return w.SaveString(z.lp.Bytes())
		}
		// Greatest first, as Redis saves them: loading then always inserts at
		// the head of the skiplist.
		w.SaveLen(uint64(z.sl.Len()))
		for n := z.sl.Last(); n != 0; n = z.sl.Prev(n) {
			w.SaveString(z.sl.Member(n))
			w.SaveBinaryDouble(z.sl.Score(n))
		}
	case TypeHash:
		ht := hashTableOf(e)
		if ht == nil {
			return w.SaveString(hashListpack(e))
		}
		w.SaveLen(uint64(ht.d.Len()))
		var fb, vb [20]byte
		hashEach(e, func(f, v listpack.Entry) bool {
			w.SaveString(hashElemBytes(f, &fb))
			return w.SaveString(hashElemBytes(v, &vb)) == nil
		})
	case TypeStream:
		return rdbSaveStream(w, e)
	}
	return w.Err()
}

// rdbSaveStream writes a stream as RDB_TYPE_STREAM_LISTPACKS_2: the nodes (master
// ID as a 16-byte big-endian string, listpack), the metadata, and the consumer
// groups with their PELs and consumers.
func rdbSaveStream(w *rdb.Writer, e *keyspace.Entry) error {
	st := streamOf(e)
	w.SaveLen(uint64(st.NodeCount()))
	st.Nodes(func(master stream.ID, lp listpack.Listpack) bool {
		k := master.Key()
		w.SaveString(k[:])
		return w.SaveString(lp.Bytes()) == nil
	})
	w.SaveLen(st.Len())
	for _, id := range []stream.ID{st.LastID, st.FirstID, st.MaxDeletedID} {
		w.SaveLen(id.Ms)
		w.SaveLen(id.Seq)
	}
	w.SaveLen(st.EntriesAdded)
	groups := st.Groups()
	w.SaveLen(uint64(len(groups)))
	for _, g := range groups {
		w.SaveString([]byte(g.Name))
		w.SaveLen(g.LastID.Ms)
		w.SaveLen(g.LastID.Seq)
		// entries_read is a long long saved through an unsigned length: -1
		// (unknown) travels as 2^64-1.
		w.SaveLen(uint64(g.EntriesRead))
		w.SaveLen(uint64(g.PendingLen()))
		g.PendingAll(func(id stream.ID, n *stream.NACK) bool {
			k := id.Key()
			w.Write(k[:])
			w.SaveMillisecondTime(n.DeliveryTime)
			return w.SaveLen(n.DeliveryCount) == nil
		})
		cs := g.Consumers()
		w.SaveLen(uint64(len(cs)))
		for _, c := range cs {
			w.SaveString([]byte(c.Name))
			w.SaveMillisecondTime(c.SeenTime)
			w.SaveLen(uint64(c.PendingLen()))
			c.Pending(stream.ID{}, func(id stream.ID) bool {
				k := id.Key()
				_, err := w.Write(k[:])
				return err == nil
			})
		}
	}
	return w.Err()
}

// rdbLoadObject reads a value of RDB type typ and stores it as key in db
// (replacing nothing: the caller handles existing keys), returning the new entry.
// A value that decodes to an empty collection stores nothing and returns
// rdb.ErrEmptyKey.
func (s *Server) rdbLoadObject(r *rdb.Reader, typ byte, db *DB, key []byte) (*keyspace.Entry, error) {
	v, err := rdb.ReadValue(r, typ, rdb.Options{Now: s.nowMs})
	if err != nil {
		return nil, err
	}
	e, err := s.rdbStoreValue(db, key, v)
	if err != nil {
		return nil, r.Corrupt("%v", err)
	}
	return e, nil
}

// rdbStoreValue builds the engine object for a decoded value and adds it as key,
// which must not exist, choosing the encoding as Redis 7.0's rdbLoadObject does.
// On error (duplicates the decoder did not look for) nothing is stored.
func (s *Server) rdbStoreValue(db *DB, key []byte, v *rdb.Value) (*keyspace.Entry, error) {
	switch v.Kind {
	case rdb.KindString:
		val := v.Str
		var ib [20]byte
		if v.IsInt {
			val = strconv.AppendInt(ib[:0], v.Int, 10) // AddString copies it
		}
		return db.AddString(key, val), nil
	case rdb.KindList:
		l := s.rdbBuildList(v)
		e := db.Add(key, TypeList, EncQuicklist)
		e.Obj = l
		return e, nil
	case rdb.KindSet:
		so, err := s.rdbBuildSet(v)
		if err != nil {
			return nil, err
		}
		e := db.Add(key, TypeSet, so.enc())
		e.Obj = so
		return e, nil
	case rdb.KindZSet:
		z, err := s.rdbBuildZSet(v)
		if err != nil {
			return nil, err
		}
		e := db.Add(key, TypeZSet, z.enc())
		e.Obj = z
		return e, nil
	case rdb.KindHash:
		return s.rdbStoreHash(db, key, v)
	case rdb.KindStream:
		e := db.Add(key, TypeStream, EncStream)
		e.Obj = &streamObj{Stream: *v.Stream}
		return e, nil
	}
	return nil, errRDBType
}

// nodeContainer is a quicklist node's RDB container: PLAIN for a large element's
// node, PACKED for a listpack.
func nodeContainer(nd quicklist.Node) uint64 {
	if nd.Plain {
		return rdb.ContainerPlain
	}
	return rdb.ContainerPacked
}

// rdbBuildList: quicklist nodes are kept as they were saved
// (quicklistAppendListpack); the elements of an old ziplist or linked list are
// pushed one by one, so they take the current node size.
func (s *Server) rdbBuildList(v *rdb.Value) *listValue {
	l := s.newListValue()
	var buf [20]byte
	for _, nd := range v.Nodes {
		switch {
		case nd.Plain:
			// A node of its own whatever the packed threshold is now.
			l.AppendPlain(nd.Elem)
		case v.PushEach:
			lp := listpack.Listpack(nd.LP)
			for p := lp.First(); p >= 0; p = lp.Next(p) {
				l.PushTail(hashElemBytes(lp.Get(p), &buf))
			}
		default:
			l.AppendListpack(nd.LP)
		}
	}
	return l
}

var (
	errDupSetMember  = errors.New("Duplicate set members detected")
	errDupZSetMember = errors.New("Duplicate zset fields detected")
	errDupHashField  = errors.New("Duplicate hash fields detected")
)

// rdbBuildSet: an intset stays one unless it holds more than
// set-max-intset-entries; a set saved member by member starts as an intset when
// its size allows, converting at the first non-integer. (Redis 7.2's listpack
// sets load the same way, 7.0 having no such encoding.)
func (s *Server) rdbBuildSet(v *rdb.Value) (*setObj, error) {
	maxIntset := s.setMaxIntset()
	if v.Intset != nil {
		so := &setObj{is: v.Intset}
		if intset.Len(so.is) > maxIntset {
			so.convert()
		}
		return so, nil
	}
	members := v.Members
	if v.LP != nil {
		lp := listpack.Listpack(v.LP)
		members = make([][]byte, 0, lp.Len())
		for p := lp.First(); p >= 0; p = lp.Next(p) {
			members = append(members, lp.Get(p).AppendTo(nil))
		}
	}
	so := &setObj{is: intset.New()}
	if len(members) > maxIntset {
		so = &setObj{ht: strset.New()}
	}
	for _, m := range members {
		if so.ht == nil {
			if n, ok := parseInt(m); ok {
				var added bool
				if so.is, added = intset.Add(so.is, n); !added {
					return nil, errDupSetMember
				}
				continue
			}
			so.convert()
		}
		if !so.ht.Insert(m) {
			return nil, errDupSetMember
		}
	}
	return so, nil
}

// rdbBuildZSet: a listpack stays one unless it holds more than
// zset-max-listpack-entries; a set saved member by member is built as a
// skiplist and converted to a listpack afterwards when it fits.
func (s *Server) rdbBuildZSet(v *rdb.Value) (*zsetObj, error) {
	lim := s.zsetLimits()
	if v.LP != nil {
		lp := listpack.Listpack(v.LP)
		sorted, err := zsetListpackSorted(lp)
		if err != nil {
			return nil, err
		}
		if sorted {
			z := &zsetObj{lp: lp}
			if z.lp.Len()/2 > lim.entries {
				z.convertToSkiplist()
			}
			return z, nil
		}
		// Redis does not check the order of a loaded listpack, and its
		// commands misbehave on an unsorted one; the engine's would corrupt
		// the skiplist built from it, so such a set is sorted here instead.
		v = zsetPairs(lp)
	}
	z := &zsetObj{sl: skiplist.New()}
	total := 0
	for i, m := range v.Members {
		if _, dup := z.sl.Find(m); dup {
			return nil, errDupZSetMember
		}
		z.sl.Insert(v.Scores[i], m)
		total += len(m)
	}
	z.convertToListpackIfNeeded(v.MaxLen, total, lim)
	return z, nil
}

// zsetListpackSorted reports whether a zset listpack's pairs are in the order
// the engine keeps them: by score, then member bytes. A NaN score is an error.
func zsetListpackSorted(lp listpack.Listpack) (bool, error) {
	var prev []byte
	var prevScore float64
	var buf [20]byte
	sorted, first := true, true
	for p := lp.First(); p >= 0; {
		sp := lp.Next(p)
		m := zlpMember(lp.Get(p), &buf)
		score := zlpScore(lp.Get(sp))
		if math.IsNaN(score) {
			return false, errNaNScore
		}
		if !first && (score < prevScore || score == prevScore && bytes.Compare(m, prev) <= 0) {
			sorted = false
		}
		prev, prevScore, first = append(prev[:0], m...), score, false
		p = lp.Next(sp)
	}
	return sorted, nil
}

// zsetPairs turns a zset listpack into the member-by-member form.
func zsetPairs(lp listpack.Listpack) *rdb.Value {
	v := &rdb.Value{Kind: rdb.KindZSet}
	var buf [20]byte
	for p := lp.First(); p >= 0; {
		sp := lp.Next(p)
		m := append([]byte(nil), zlpMember(lp.Get(p), &buf)...)
		v.Members = append(v.Members, m)
		v.Scores = append(v.Scores, zlpScore(lp.Get(sp)))
		v.MaxLen = max(v.MaxLen, len(m))
		p = lp.Next(sp)
	}
	return v
}

var errNaNScore = errors.New("Zset with NAN score detected")

// rdbStoreHash: a listpack stays one unless it holds more than
// hash-max-listpack-entries (or, from a zipmap, an element is too long); a hash
// saved field by field is built as a listpack while it fits, converting to a
// table at the first element past hash-max-listpack-value.
func (s *Server) rdbStoreHash(db *DB, key []byte, v *rdb.Value) (*keyspace.Entry, error) {
	maxEntries := int(min(s.cfg.HashMaxListpackEntries, 1<<31))
	maxValue := int(min(s.cfg.HashMaxListpackValue, 1<<31))
	var lp listpack.Listpack
	var ht *hashTable
	if v.LP != nil {
		lp = listpack.Listpack(v.LP)
		if lp.Len()/2 > maxEntries || v.Type == rdb.TypeHashZipmap && v.MaxLen > maxValue {
			ht = hashTableFromListpack(lp)
		}
	} else {
		n := len(v.Members) / 2
		if n > maxEntries {
			ht = newHashTable()
			ht.d.Expand(n)
		} else {
			lp = listpack.New()
		}
		seen := make(map[string]struct{}, n)
		for i := 0; i < len(v.Members); i += 2 {
			f, val := v.Members[i], v.Members[i+1]
			if ht == nil {
				if _, dup := seen[string(f)]; dup {
					return nil, errDupHashField
				}
				seen[string(f)] = struct{}{}
				if len(f) > maxValue || len(val) > maxValue || !lp.SafeToAdd(len(f)+len(val)) {
					ht = hashTableFromListpack(lp)
				} else {
					lp.Append(f)
					lp.Append(val)
					continue
				}
			}
			if ht.d.Find(f) != 0 {
				return nil, errDupHashField
			}
			ht.insert(f, val)
		}
	}
	if ht != nil {
		e := db.Add(key, TypeHash, EncHashtable)
		e.Obj = ht
		return e, nil
	}
	e := db.AddString(key, lp)
	setTypeEnc(e, TypeHash, EncListpack)
	return e, nil
}

// errRDBType is returned for value types the engine cannot hold.
var errRDBType = errors.New("unsupported RDB value type")
