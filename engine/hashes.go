package engine

// Hash commands (Redis's t_hash.c): HSET, HSETNX, HMSET, HGET, HMGET, HDEL, HLEN,
// HSTRLEN, HEXISTS, HKEYS, HVALS, HGETALL, HINCRBY, HINCRBYFLOAT, HRANDFIELD, HSCAN.
//
// Encodings, as Redis 7.0 has them (OBJECT ENCODING shows them):
//
//   - listpack while the hash has at most hash-max-listpack-entries fields and no
//     field or value is longer than hash-max-listpack-value bytes. The listpack
//     (engine/listpack: Redis's exact bytes, fields and values alternating in
//     insertion order) lives inline in the keyspace entry, after the key, in the
//     entry's one allocation; Entry.Obj is nil. A small hash therefore costs no
//     pointer and no allocation beyond its key's. A write copies the listpack into
//     the server's scratch buffer (hashEdit), edits it there and stores it back with
//     Entry.SetVal, which rewrites in place when the size did not change, so HSET of
//     a same-size value allocates nothing (Redis reallocs its listpack instead).
//   - hashtable past either limit, and never back, as Redis: Entry.Obj is a
//     *hashTable, an engine/fieldtable table: a 32-byte slab entry and one
//     allocation (field and value together) per field, with keyspace.Dict's design,
//     so HSCAN keeps Redis's cursor guarantee, resizing is incremental and
//     HRANDFIELD samples uniformly.
//
// Conversion happens where Redis converts: before HSET, HMSET and HSETNX write, when
// any argument is longer than the value limit (hashTypeTryConversion); when a field or
// value about to be written is too long (HINCRBY and HINCRBYFLOAT); after an insert
// that takes the count past the entries limit. Both limits are read from the live
// config, so CONFIG SET applies from the next write.
//
// For code outside this file (persistence, DUMP/RESTORE): hashListpack gives the
// listpack of a listpack-encoded hash (the RDB_TYPE_HASH_LISTPACK payload as is),
// hashTableOf the table of a hashtable-encoded one, hashEach walks either.

import (
	"math/big"
	"math/rand/v2"
	"strconv"
	"unsafe"

	"github.com/keygrid/keygrid/engine/fieldtable"
	"github.com/keygrid/keygrid/engine/glob"
	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/listpack"
)

// The specs (arity, flags, key specs, docs) are those Redis 7.0 reports in COMMAND
// INFO and COMMAND DOCS.
var hashCommands = []*Command{
	{Name: "hdel", Arity: -3, Flags: FlagWrite | FlagFast, Cats: CatHash, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "hash", Since: "2.0.0", Complexity: "O(N) where N is the number of fields to be removed.",
		Summary: "Delete one or more hash fields",
		Doc: &CmdDoc{History: [][2]string{{"2.4.0", "Accepts multiple `field` arguments."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "field", Type: "string", Multiple: true},
			}},
		Proc: hdelCommand},
	{Name: "hexists", Arity: 3, Flags: FlagReadonly | FlagFast, Cats: CatHash, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "hash", Since: "2.0.0", Complexity: "O(1)",
		Summary: "Determine if a hash field exists",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "field", Type: "string"},
		}},
		Proc: hexistsCommand},
	{Name: "hget", Arity: 3, Flags: FlagReadonly | FlagFast, Cats: CatHash, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "hash", Since: "2.0.0", Complexity: "O(1)",
		Summary: "Get the value of a hash field",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "field", Type: "string"},
		}},
		Proc: hgetCommand},
	{Name: "hgetall", Arity: 2, Flags: FlagReadonly, Cats: CatHash, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "hash", Since: "2.0.0", Complexity: "O(N) where N is the size of the hash.",
		Summary: "Get all the fields and values in a hash",
		Tips:    []string{"nondeterministic_output_order"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: hgetallCommand},
	{Name: "hincrby", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatHash, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "hash", Since: "2.0.0", Complexity: "O(1)",
		Summary: "Increment the integer value of a hash field by the given number",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "field", Type: "string"},
			{Name: "increment", Type: "integer"},
		}},
		Proc: hincrbyCommand},
	{Name: "hincrbyfloat", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatHash, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "hash", Since: "2.6.0", Complexity: "O(1)",
		Summary: "Increment the float value of a hash field by the given amount",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "field", Type: "string"},
			{Name: "increment", Type: "double"},
		}},
		Proc: hincrbyfloatCommand},
	{Name: "hkeys", Arity: 2, Flags: FlagReadonly, Cats: CatHash, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "hash", Since: "2.0.0", Complexity: "O(N) where N is the size of the hash.",
		Summary: "Get all the fields in a hash",
		Tips:    []string{"nondeterministic_output_order"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: hkeysCommand},
	{Name: "hlen", Arity: 2, Flags: FlagReadonly | FlagFast, Cats: CatHash, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "hash", Since: "2.0.0", Complexity: "O(1)",
		Summary: "Get the number of fields in a hash",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: hlenCommand},
	{Name: "hmget", Arity: -3, Flags: FlagReadonly | FlagFast, Cats: CatHash, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "hash", Since: "2.0.0", Complexity: "O(N) where N is the number of fields being requested.",
		Summary: "Get the values of all the given hash fields",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "field", Type: "string", Multiple: true},
		}},
		Proc: hmgetCommand},
	{Name: "hmset", Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatHash, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "hash", Since: "2.0.0", Complexity: "O(N) where N is the number of fields being set.",
		Summary: "Set multiple hash fields to multiple values",
		Doc: &CmdDoc{Flags: []string{"deprecated"},
			DeprecatedSince: "4.0.0",
			ReplacedBy:      "`HSET` with multiple field-value pairs",
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "field_value", Type: "block", Multiple: true, Args: []Arg{
					{Name: "field", Type: "string"},
					{Name: "value", Type: "string"},
				}},
			}},
		Proc: hmsetCommand},
	{Name: "hrandfield", Arity: -2, Flags: FlagReadonly, Cats: CatHash, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "hash", Since: "6.2.0", Complexity: "O(N) where N is the number of fields returned",
		Summary: "Get one or multiple random fields from a hash",
		Tips:    []string{"nondeterministic_output"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "options", Type: "block", Optional: true, Args: []Arg{
				{Name: "count", Type: "integer"},
				{Name: "withvalues", Type: "pure-token", Token: "WITHVALUES", Optional: true},
			}},
		}},
		Proc: hrandfieldCommand},
	{Name: "hscan", Arity: -3, Flags: FlagReadonly, Cats: CatHash, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "hash", Since: "2.8.0", Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
		Summary: "Incrementally iterate hash fields and associated values",
		Tips:    []string{"nondeterministic_output"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "cursor", Type: "integer"},
			{Name: "pattern", Type: "pattern", Token: "MATCH", Optional: true},
			{Name: "count", Type: "integer", Token: "COUNT", Optional: true},
		}},
		Proc: hscanCommand},
	{Name: "hset", Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatHash, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "hash", Since: "2.0.0", Complexity: "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
		Summary: "Set the string value of a hash field",
		Doc: &CmdDoc{History: [][2]string{{"4.0.0", "Accepts multiple `field` and `value` arguments."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "field_value", Type: "block", Multiple: true, Args: []Arg{
					{Name: "field", Type: "string"},
					{Name: "value", Type: "string"},
				}},
			}},
		Proc: hsetCommand},
	{Name: "hsetnx", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatHash, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "hash", Since: "2.0.0", Complexity: "O(1)",
		Summary: "Set the value of a hash field, only if the field does not exist",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "field", Type: "string"},
			{Name: "value", Type: "string"},
		}},
		Proc: hsetnxCommand},
	{Name: "hstrlen", Arity: 3, Flags: FlagReadonly | FlagFast, Cats: CatHash, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "hash", Since: "3.2.0", Complexity: "O(1)",
		Summary: "Get the length of the value of a hash field",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "field", Type: "string"},
		}},
		Proc: hstrlenCommand},
	{Name: "hvals", Arity: 2, Flags: FlagReadonly, Cats: CatHash, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "hash", Since: "2.0.0", Complexity: "O(N) where N is the size of the hash.",
		Summary: "Get all the values in a hash",
		Tips:    []string{"nondeterministic_output_order"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: hvalsCommand},
}

// Arguments of rewritten commands (propagation). Shared and read-only.
var argHSET = []byte("HSET")

// hashEmptyLP is an empty listpack, what a new hash starts from (Redis's lpNew).
var hashEmptyLP = []byte(listpack.New())

// --- representation -------------------------------------------------------------------

// hashTable is the hashtable encoding: one table entry per field, the value inline.
type hashTable struct {
	d *fieldtable.Table
	// kvBytes is the heap the entries' field+value allocations take, each rounded
	// to Go's size classes: a running count, so memSize is O(1).
	kvBytes int64
}

// hashTableOf returns the table of a hashtable-encoded hash, nil for a listpack.
func hashTableOf(e *keyspace.Entry) *hashTable {
	ht, _ := e.Obj.(*hashTable)
	return ht
}

// hashListpack returns the listpack of a listpack-encoded hash. It views the entry's
// bytes: read only, and valid until the hash next changes.
func hashListpack(e *keyspace.Entry) listpack.Listpack { return listpack.Listpack(e.ValBytes()) }

// hashLen is the number of fields.
func hashLen(e *keyspace.Entry) int {
	if ht := hashTableOf(e); ht != nil {
		return ht.d.Len()
	}
	return hashListpack(e).Len() / 2
}

// hashGet returns the value of field: a string view, or an integer for values a
// listpack stores as integers. Views are valid until the hash changes.
func hashGet(e *keyspace.Entry, field []byte) (listpack.Entry, bool) {
	if ht := hashTableOf(e); ht != nil {
		if r := ht.d.Find(field); r != 0 {
			return listpack.Entry{Str: ht.d.ValueBytes(r)}, true
		}
		return listpack.Entry{}, false
	}
	lp := hashListpack(e)
	if p := lp.Find(lp.First(), field, 1); p >= 0 {
		return lp.Get(lp.Next(p)), true
	}
	return listpack.Entry{}, false
}

// hashEach calls fn for every field and value, in listpack order or table order,
// until fn returns false. fn must not change the hash.
func hashEach(e *keyspace.Entry, fn func(f, v listpack.Entry) bool) {
	if ht := hashTableOf(e); ht != nil {
		d := ht.d
		d.Each(func(r fieldtable.Ref) bool {
			return fn(listpack.Entry{Str: bytesOf(d.Field(r))}, listpack.Entry{Str: d.ValueBytes(r)})
		})
		return
	}
	lp := hashListpack(e)
	for p := lp.First(); p >= 0; {
		vp := lp.Next(p)
		if !fn(lp.Get(p), lp.Get(vp)) {
			return
		}
		p = lp.Next(vp)
	}
}

// hashElemBytes returns the string form of a listpack element, formatting integers
// into buf.
func hashElemBytes(v listpack.Entry, buf *[20]byte) []byte {
	if v.IsInt {
		return strconv.AppendInt(buf[:0], v.Int, 10)
	}
	return v.Str
}

// replyHashElem replies a field or value as a bulk string.
func (c *Client) replyHashElem(v listpack.Entry) {
	if v.IsInt {
		c.ReplyBulkInt(v.Int)
	} else {
		c.ReplyBulk(v.Str)
	}
}

func newHashTable() *hashTable { return &hashTable{d: fieldtable.New()} }

// hashTableFromListpack builds the hashtable encoding of a listpack's pairs (Redis's
// hashTypeConvertListpack).
func hashTableFromListpack(lp listpack.Listpack) *hashTable {
	ht := newHashTable()
	ht.d.Expand(lp.Len() / 2)
	var fb, vb [20]byte
	for p := lp.First(); p >= 0; {
		vp := lp.Next(p)
		ht.insert(hashElemBytes(lp.Get(p), &fb), hashElemBytes(lp.Get(vp), &vb))
		p = lp.Next(vp)
	}
	return ht
}

// insert adds field, which must be absent, with value.
func (ht *hashTable) insert(field, value []byte) {
	ht.d.InsertNew(field, value)
	ht.kvBytes += goAllocSize(len(field) + len(value))
}

// set stores value at field; it reports whether the field existed (an update).
func (ht *hashTable) set(field, value []byte) bool {
	d := ht.d
	if r := d.Find(field); r != 0 {
		if old := d.KVLen(r); old != len(field)+len(value) {
			ht.kvBytes += goAllocSize(len(field)+len(value)) - goAllocSize(old)
		}
		d.SetValue(r, value)
		return true
	}
	ht.insert(field, value)
	return false
}

// del removes field and shrinks a table left sparse, as Redis's hashTypeDelete does.
func (ht *hashTable) del(field []byte) bool {
	d := ht.d
	r := d.Find(field)
	if r == 0 {
		return false
	}
	ht.kvBytes -= goAllocSize(d.KVLen(r))
	d.Delete(r)
	d.ShrinkIfNeeded()
	return true
}

// CloneValue implements valueCloner (COPY).
func (ht *hashTable) CloneValue() any {
	n := newHashTable()
	n.d.Expand(ht.d.Len())
	ht.d.Each(func(r fieldtable.Ref) bool {
		n.insert(bytesOf(ht.d.Field(r)), ht.d.ValueBytes(r))
		return true
	})
	return n
}

// memSize implements memSizer (maxmemory accounting): the table's structs, its slab
// entries and bucket arrays, and the field+value allocations.
func (ht *hashTable) memSize() int64 {
	b0, b1 := ht.d.Buckets()
	return goAllocSize(int(unsafe.Sizeof(*ht))) + goAllocSize(int(unsafe.Sizeof(fieldtable.Table{}))) +
		int64(ht.d.Slab())*int64(fieldtable.EntrySize) + int64(4*(b0+b1)) + ht.kvBytes
}

// redisDictSize is sizeof(dict) in Redis 7.0 (MEMORY USAGE counts it).
const redisDictSize = 56

// MemoryUsage implements memoryUser: Redis's objectComputeSize for a hashtable hash,
// the robj, the dict and its bucket arrays, plus the average of the first samples
// entries (two sds strings and a dictEntry each) times the count.
func (ht *hashTable) MemoryUsage(samples int) int64 {
	d := ht.d
	b0, b1 := d.Buckets()
	size := int64(robjSize + redisDictSize + 8*(b0+b1))
	n, elesize := 0, int64(0)
	d.Each(func(r fieldtable.Ref) bool {
		if samples > 0 && n >= samples {
			return false
		}
		k, v := len(d.Field(r)), len(d.Value(r))
		elesize += sdsAllocSize(k, k, k > 0) + sdsAllocSize(v, v, v > 0) + dictEntrySize
		n++
		return true
	})
	if n > 0 {
		size += int64(float64(elesize) / float64(n) * float64(d.Len()))
	}
	return size
}

// --- writing ----------------------------------------------------------------------------

// hashEdit is one command's changes to a hash. A listpack-encoded hash is edited in
// the server's scratch buffer (s.hashLP) and stored back by finish; a hashtable is
// changed in place. A new hash enters the keyspace only in finish (or when it
// converts), so a command that fails leaves no empty key behind. The scratch buffer
// is the server's: one hashEdit at a time.
type hashEdit struct {
	c   *Client
	key []byte
	e   *keyspace.Entry // nil while the hash is new
	ht  *hashTable      // nil while listpack encoded
	n   int             // fields, while listpack encoded
}

// hashEditStart begins changing the hash at key; e is its entry, nil for a new hash.
func (c *Client) hashEditStart(key []byte, e *keyspace.Entry) hashEdit {
	h := hashEdit{c: c, key: key, e: e}
	if e != nil {
		if h.ht = hashTableOf(e); h.ht != nil {
			return h
		}
	}
	s := c.srv
	if e != nil {
		s.hashLP = append(s.hashLP[:0], e.ValBytes()...)
	} else {
		s.hashLP = append(s.hashLP[:0], hashEmptyLP...)
	}
	h.n = listpack.Listpack(s.hashLP).Len() / 2
	return h
}

// lp is the listpack being edited (only while h.ht is nil).
func (h *hashEdit) lp() *listpack.Listpack { return (*listpack.Listpack)(&h.c.srv.hashLP) }

// len is the number of fields now.
func (h *hashEdit) len() int {
	if h.ht != nil {
		return h.ht.d.Len()
	}
	return h.n
}

// convert switches the hash to the hashtable encoding (Redis's hashTypeConvert).
func (h *hashEdit) convert() {
	ht := hashTableFromListpack(*h.lp())
	if h.e == nil {
		h.e = h.c.db.Add(h.key, TypeHash, EncHashtable)
	} else {
		h.e.ClearVal()
		setTypeEnc(h.e, TypeHash, EncHashtable)
	}
	h.e.Obj = ht
	h.ht = ht
}

// tryConversion converts a listpack before the arguments are written when one is
// longer than hash-max-listpack-value or all would not fit (hashTypeTryConversion).
func (h *hashEdit) tryConversion(args [][]byte) {
	if h.ht != nil {
		return
	}
	limit := h.c.srv.cfg.HashMaxListpackValue
	sum := 0
	for _, a := range args {
		if int64(len(a)) > limit {
			h.convert()
			return
		}
		sum += len(a)
	}
	if !h.lp().SafeToAdd(sum) {
		h.convert()
	}
}

// get returns field's current value (see hashGet).
func (h *hashEdit) get(field []byte) (listpack.Entry, bool) {
	if h.ht != nil {
		if r := h.ht.d.Find(field); r != 0 {
			return listpack.Entry{Str: h.ht.d.ValueBytes(r)}, true
		}
		return listpack.Entry{}, false
	}
	lp := *h.lp()
	if p := lp.Find(lp.First(), field, 1); p >= 0 {
		return lp.Get(lp.Next(p)), true
	}
	return listpack.Entry{}, false
}

// set stores value at field and reports whether the field existed (Redis's
// hashTypeSet): a listpack converts first if either is too long, and after an insert
// that takes it past hash-max-listpack-entries.
func (h *hashEdit) set(field, value []byte) bool {
	cfg := h.c.srv.cfg
	if h.ht == nil && (int64(len(field)) > cfg.HashMaxListpackValue || int64(len(value)) > cfg.HashMaxListpackValue) {
		h.convert()
	}
	if h.ht != nil {
		return h.ht.set(field, value)
	}
	lp := h.lp()
	if p := lp.Find(lp.First(), field, 1); p >= 0 {
		lp.Replace(lp.Next(p), value)
		return true
	}
	lp.Append(field)
	lp.Append(value)
	h.n++
	if int64(h.n) > cfg.HashMaxListpackEntries {
		h.convert()
	}
	return false
}

// del removes field and reports whether it was there.
func (h *hashEdit) del(field []byte) bool {
	if h.ht != nil {
		return h.ht.del(field)
	}
	lp := h.lp()
	p := lp.Find(lp.First(), field, 1)
	if p < 0 {
		return false
	}
	lp.Delete(p, 2)
	h.n--
	return true
}

// finish stores the edited listpack in the keyspace entry, creating the key for a
// new hash. Not called when the command changed nothing or emptied the hash.
func (h *hashEdit) finish() {
	s := h.c.srv
	if h.ht == nil {
		if h.e == nil {
			h.e = h.c.db.AddString(h.key, s.hashLP)
			setTypeEnc(h.e, TypeHash, EncListpack)
		} else {
			h.e.SetVal(s.hashLP)
		}
	}
	if cap(s.hashLP) > 64<<10 {
		s.hashLP = nil // do not keep a huge scratch buffer for small hashes
	}
}

// --- lookups ----------------------------------------------------------------------------

// lookupHashRead looks key up for reading; ok is false after replying WRONGTYPE, e is
// nil when the key does not exist.
func (c *Client) lookupHashRead(key []byte) (e *keyspace.Entry, ok bool) {
	e = c.db.LookupRead(key)
	if e != nil && metaType(e.Meta) != TypeHash {
		c.ReplyError(ErrWrongType)
		return nil, false
	}
	return e, true
}

// lookupHashWrite is lookupHashRead for commands about to modify the key.
func (c *Client) lookupHashWrite(key []byte) (e *keyspace.Entry, ok bool) {
	e = c.db.LookupWrite(key)
	if e != nil && metaType(e.Meta) != TypeHash {
		c.ReplyError(ErrWrongType)
		return nil, false
	}
	return e, true
}

// hashWritten does what every successful hash write does after it: signal watchers,
// publish the event, count the changes.
func (c *Client) hashWritten(event string, changes int) {
	key := c.argv[1]
	c.srv.signalModified(c.db, key)
	c.srv.notifyKeyspace(NotifyHash, event, key, c.db.id)
	c.srv.dirty += int64(changes)
}

// --- HSET, HMSET, HSETNX, HDEL ----------------------------------------------------------

// HSET key field value [field value ...]
func hsetCommand(c *Client) { c.hsetGeneric(false) }

// HMSET key field value [field value ...]
func hmsetCommand(c *Client) { c.hsetGeneric(true) }

func (c *Client) hsetGeneric(hmset bool) {
	argv := c.argv
	if len(argv)%2 == 1 {
		c.ReplyArityError()
		return
	}
	key := argv[1]
	e, ok := c.lookupHashWrite(key)
	if !ok {
		return
	}
	h := c.hashEditStart(key, e)
	h.tryConversion(argv[2:])
	created := 0
	for i := 2; i < len(argv); i += 2 {
		if !h.set(argv[i], argv[i+1]) {
			created++
		}
	}
	h.finish()
	if hmset {
		c.ReplyOK()
	} else {
		c.ReplyInt(int64(created))
	}
	c.hashWritten("hset", (len(argv)-2)/2)
}

// HSETNX key field value
func hsetnxCommand(c *Client) {
	argv := c.argv
	key := argv[1]
	e, ok := c.lookupHashWrite(key)
	if !ok {
		return
	}
	if e != nil {
		if _, exists := hashGet(e, argv[2]); exists {
			c.ReplyInt(0)
			return
		}
	}
	h := c.hashEditStart(key, e)
	h.tryConversion(argv[2:4])
	h.set(argv[2], argv[3])
	h.finish()
	c.ReplyInt(1)
	c.hashWritten("hset", 1)
}

// HDEL key field [field ...]
//
// The key goes when its last field does (and the remaining arguments are ignored).
func hdelCommand(c *Client) {
	argv := c.argv
	key := argv[1]
	e, ok := c.lookupHashWrite(key)
	if !ok {
		return
	}
	if e == nil {
		c.ReplyInt(0)
		return
	}
	h := c.hashEditStart(key, e)
	deleted, removed := 0, false
	for _, f := range argv[2:] {
		if h.del(f) {
			deleted++
			if h.len() == 0 {
				c.db.Delete(key)
				removed = true
				break
			}
		}
	}
	if deleted > 0 {
		if !removed {
			h.finish()
		}
		c.hashWritten("hdel", deleted)
		if removed {
			c.srv.notifyKeyspace(NotifyGeneric, "del", key, c.db.id)
		}
	}
	c.ReplyInt(int64(deleted))
}

// --- HINCRBY, HINCRBYFLOAT --------------------------------------------------------------

// HINCRBY key field increment
func hincrbyCommand(c *Client) {
	argv := c.argv
	incr, ok := parseInt(argv[3])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	key, field := argv[1], argv[2]
	e, ok := c.lookupHashWrite(key)
	if !ok {
		return
	}
	h := c.hashEditStart(key, e)
	var v int64
	if cur, exists := h.get(field); exists {
		if cur.IsInt {
			v = cur.Int
		} else if v, ok = parseInt(cur.Str); !ok {
			c.ReplyError("ERR hash value is not an integer")
			return
		}
	}
	if (incr < 0 && v < 0 && incr < -1<<63-v) || (incr > 0 && v > 0 && incr > 1<<63-1-v) {
		c.ReplyError(ErrOverflow)
		return
	}
	v += incr
	var buf [20]byte
	h.set(field, strconv.AppendInt(buf[:0], v, 10))
	h.finish()
	c.ReplyInt(v)
	c.hashWritten("hincrby", 1)
}

// HINCRBYFLOAT key field increment
//
// The sum is computed in x87 long double precision and formatted as Redis does
// (longdouble.go), and the command propagates as HSET of the result.
func hincrbyfloatCommand(c *Client) {
	argv := c.argv
	incrArg := argv[3]
	// The increment is checked before the key, as Redis does.
	var incr *big.Float
	if _, fast := parseExtFast(incrArg); !fast {
		var ok bool
		if incr, ok = parseLongDouble(incrArg); !ok {
			c.ReplyError(ErrNotFloat)
			return
		}
		if incr.IsInf() {
			c.ReplyError("ERR value is NaN or Infinity")
			return
		}
	}
	key, field := argv[1], argv[2]
	e, ok := c.lookupHashWrite(key)
	if !ok {
		return
	}
	h := c.hashEditStart(key, e)
	cur, exists := h.get(field)
	var buf [20]byte
	curb := hashElemBytes(cur, &buf)
	v, fast := incrLongDoubleFast(make([]byte, 0, 32), curb, incrArg, exists)
	if !fast {
		x := new(big.Float)
		if exists {
			if x, ok = parseLongDouble(curb); !ok {
				c.ReplyError("ERR hash value is not a float")
				return
			}
		}
		if incr == nil {
			incr, _ = parseLongDouble(incrArg)
		}
		sum, ok := longDoubleAdd(x, incr)
		if !ok {
			c.ReplyError("ERR increment would produce NaN or Infinity")
			return
		}
		v = appendLongDouble(v[:0], sum)
	}
	h.set(field, v)
	h.finish()
	c.ReplyBulk(v)
	c.hashWritten("hincrbyfloat", 1)
	// Propagate the result, not the increment: float formatting must not make
	// replicas or an AOF reload differ.
	c.rewriteArgv([][]byte{argHSET, key, field, v})
}

// --- reads ------------------------------------------------------------------------------

// HGET key field
func hgetCommand(c *Client) {
	e, ok := c.lookupHashRead(c.argv[1])
	if !ok {
		return
	}
	if e == nil {
		c.ReplyNull()
		return
	}
	if v, found := hashGet(e, c.argv[2]); found {
		c.replyHashElem(v)
	} else {
		c.ReplyNull()
	}
}

// HMGET key field [field ...]
func hmgetCommand(c *Client) {
	e, ok := c.lookupHashRead(c.argv[1])
	if !ok {
		return
	}
	fields := c.argv[2:]
	c.ReplyArray(len(fields))
	for _, f := range fields {
		if e == nil {
			c.ReplyNull()
		} else if v, found := hashGet(e, f); found {
			c.replyHashElem(v)
		} else {
			c.ReplyNull()
		}
	}
}

// HLEN key
func hlenCommand(c *Client) {
	e, ok := c.lookupHashRead(c.argv[1])
	if !ok {
		return
	}
	if e == nil {
		c.ReplyInt(0)
		return
	}
	c.ReplyInt(int64(hashLen(e)))
}

// HSTRLEN key field
func hstrlenCommand(c *Client) {
	e, ok := c.lookupHashRead(c.argv[1])
	if !ok {
		return
	}
	n := 0
	if e != nil {
		if v, found := hashGet(e, c.argv[2]); found {
			var buf [20]byte
			n = len(hashElemBytes(v, &buf))
		}
	}
	c.ReplyInt(int64(n))
}

// HEXISTS key field
func hexistsCommand(c *Client) {
	e, ok := c.lookupHashRead(c.argv[1])
	if !ok {
		return
	}
	found := false
	if e != nil {
		_, found = hashGet(e, c.argv[2])
	}
	if found {
		c.ReplyInt(1)
	} else {
		c.ReplyInt(0)
	}
}

// What hashGetAll replies.
const (
	hashWantKeys   = 1 << iota // fields
	hashWantValues             // values
)

// HKEYS key
func hkeysCommand(c *Client) { c.hashGetAll(hashWantKeys) }

// HVALS key
func hvalsCommand(c *Client) { c.hashGetAll(hashWantValues) }

// HGETALL key
func hgetallCommand(c *Client) { c.hashGetAll(hashWantKeys | hashWantValues) }

// hashGetAll is Redis's genericHgetallCommand: fields and values as a map (RESP3) or
// flat array, fields or values alone as an array.
func (c *Client) hashGetAll(want int) {
	e, ok := c.lookupHashRead(c.argv[1])
	if !ok {
		return
	}
	both := want == hashWantKeys|hashWantValues
	n := 0
	if e != nil {
		n = hashLen(e)
	}
	if both {
		c.ReplyMap(n)
	} else {
		c.ReplyArray(n)
	}
	if e == nil {
		return
	}
	hashEach(e, func(f, v listpack.Entry) bool {
		if want&hashWantKeys != 0 {
			c.replyHashElem(f)
		}
		if want&hashWantValues != 0 {
			c.replyHashElem(v)
		}
		return true
	})
}

// --- HRANDFIELD -------------------------------------------------------------------------

// Redis's HRANDFIELD_SUB_STRATEGY_MUL: up to this many times the count, copy the hash
// and remove random fields; above it, pick random fields until enough are distinct.
const hrandfieldSubStrategyMul = 3

// HRANDFIELD key [count [WITHVALUES]]
func hrandfieldCommand(c *Client) {
	argv := c.argv
	if len(argv) >= 3 {
		l, ok := parseInt(argv[2])
		if !ok {
			c.ReplyError(ErrNotInt)
			return
		}
		if l < -1<<63+1 {
			c.ReplyError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
			return
		}
		withValues := false
		if len(argv) > 4 || len(argv) == 4 && !eqFold(argv[3], "withvalues") {
			c.ReplyError(ErrSyntax)
			return
		} else if len(argv) == 4 {
			withValues = true
			// The reply holds two elements per field: keep the count in range.
			if l < -(1<<63-1)/2 || l > (1<<63-1)/2 {
				c.ReplyError("ERR value is out of range")
				return
			}
		}
		c.hrandfieldWithCount(l, withValues)
		return
	}
	e, ok := c.lookupHashRead(argv[1])
	if !ok {
		return
	}
	if e == nil {
		c.ReplyNull()
		return
	}
	if ht := hashTableOf(e); ht != nil {
		c.ReplyBulkString(ht.d.Field(ht.d.Random()))
		return
	}
	lp := hashListpack(e)
	c.replyHashElem(lp.Get(lp.Seek(2 * rand.IntN(lp.Len()/2))))
}

// hrandfieldWithCount is Redis's hrandfieldWithCountCommand, with its four cases.
func (c *Client) hrandfieldWithCount(l int64, withValues bool) {
	e, ok := c.lookupHashRead(c.argv[1])
	if !ok {
		return
	}
	if e == nil || l == 0 {
		c.ReplyArray(0)
		return
	}
	count, unique := uint64(l), true
	if l < 0 {
		count, unique = uint64(-l), false
	}
	size := uint64(hashLen(e))
	ht := hashTableOf(e)
	lp := hashListpack(e)
	// pairs holds the positions of the fields of a listpack, for picking by index.
	var pairs []int
	if ht == nil {
		pairs = make([]int, 0, size)
		for p := lp.First(); p >= 0; p = lp.Next(lp.Next(p)) {
			pairs = append(pairs, p)
		}
	}
	replyLP := func(p int) {
		if withValues && c.proto > 2 {
			c.ReplyArray(2)
		}
		c.replyHashElem(lp.Get(p))
		if withValues {
			c.replyHashElem(lp.Get(lp.Next(p)))
		}
	}
	replyHT := func(r fieldtable.Ref) {
		if withValues && c.proto > 2 {
			c.ReplyArray(2)
		}
		c.ReplyBulkString(ht.d.Field(r))
		if withValues {
			c.ReplyBulk(ht.d.ValueBytes(r))
		}
	}
	replyLen := func(n uint64) {
		if withValues && c.proto == 2 {
			n *= 2
		}
		c.ReplyArray(int(n))
	}

	// Case 1: a negative count (or 1): count independent picks, repeats allowed.
	if !unique || count == 1 {
		replyLen(count)
		for i := uint64(0); i < count; i++ {
			if ht != nil {
				replyHT(ht.d.Random())
			} else {
				replyLP(pairs[rand.IntN(len(pairs))])
			}
			// A reply this long may pass the output buffer limits: stop once the
			// client is being closed, as Redis checks CLIENT_CLOSE_ASAP.
			if i&1023 == 1023 && c.hashReplyAborted() {
				return
			}
		}
		return
	}

	// Case 2: the count covers the hash: all of it.
	if count >= size {
		replyLen(size)
		hashEach(e, func(f, v listpack.Entry) bool {
			if withValues && c.proto > 2 {
				c.ReplyArray(2)
			}
			c.replyHashElem(f)
			if withValues {
				c.replyHashElem(v)
			}
			return true
		})
		return
	}
	replyLen(count)

	// Case 3: the count is close to the size: take everything and drop random
	// elements until count remain.
	if count*hrandfieldSubStrategyMul > size {
		if ht != nil {
			refs := make([]fieldtable.Ref, 0, size)
			ht.d.Each(func(r fieldtable.Ref) bool { refs = append(refs, r); return true })
			for uint64(len(refs)) > count {
				i := rand.IntN(len(refs))
				refs[i] = refs[len(refs)-1]
				refs = refs[:len(refs)-1]
			}
			for _, r := range refs {
				replyHT(r)
			}
			return
		}
		for uint64(len(pairs)) > count {
			i := rand.IntN(len(pairs))
			pairs[i] = pairs[len(pairs)-1]
			pairs = pairs[:len(pairs)-1]
		}
		for _, p := range pairs {
			replyLP(p)
		}
		return
	}

	// Case 4: the hash is large compared to the count.
	if ht == nil {
		// Selection sampling in listpack order (Redis's lpRandomPairsUnique): each
		// field is taken with probability remaining/left.
		remaining := int(count)
		for i, p := range pairs {
			if remaining == 0 {
				break
			}
			if rand.IntN(len(pairs)-i) < remaining {
				replyLP(p)
				remaining--
			}
		}
		return
	}
	// Random picks, repeats skipped, until count distinct fields are out.
	seen := make(map[fieldtable.Ref]struct{}, count)
	for uint64(len(seen)) < count {
		r := ht.d.Random()
		if _, dup := seen[r]; dup {
			continue
		}
		seen[r] = struct{}{}
		replyHT(r)
	}
}

// hashReplyAborted checks the output buffer limits in the middle of a long reply and
// reports whether the client is being closed for passing them.
func (c *Client) hashReplyAborted() bool {
	lim := c.srv.cfg.ClientOutputBufferLimit[0]
	if lim.Hard == 0 && lim.Soft == 0 {
		return false
	}
	return !c.srv.checkOutputLimits(c) || c.flags&flagCloseASAP != 0
}

// --- HSCAN ------------------------------------------------------------------------------

// HSCAN key cursor [MATCH pattern] [COUNT count]
//
// A listpack is returned whole in one call with cursor 0, as Redis does; a hashtable
// is walked with the table's reverse-binary cursor (fieldtable.Table.Scan), so a full
// iteration returns every field present from start to end.
func hscanCommand(c *Client) {
	argv := c.argv
	cursor, ok := parseScanCursor(argv[2])
	if !ok {
		c.ReplyError("ERR invalid cursor")
		return
	}
	e, ok := c.lookupHashRead(argv[1])
	if !ok {
		return
	}
	if e == nil {
		c.out = append(c.out, "*2\r\n$1\r\n0\r\n*0\r\n"...) // Redis's shared.emptyscan
		return
	}
	// Options are parsed only for an existing key, as in Redis.
	count := int64(10)
	var pat []byte
	usePat := false
	for i := 3; i < len(argv); i += 2 {
		more := len(argv) - i
		switch {
		case eqFold(argv[i], "count") && more >= 2:
			n, ok := parseInt(argv[i+1])
			if !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			if n < 1 {
				c.ReplyError(ErrSyntax)
				return
			}
			count = n
		case eqFold(argv[i], "match") && more >= 2:
			pat = argv[i+1]
			usePat = !(len(pat) == 1 && pat[0] == '*')
		default:
			c.ReplyError(ErrSyntax)
			return
		}
	}
	ht := hashTableOf(e)
	if ht == nil {
		c.ReplyArray(2)
		c.ReplyBulkString("0")
		pos, n := len(c.out), 0
		var buf [20]byte
		hashEach(e, func(f, v listpack.Entry) bool {
			if usePat && !glob.GlobMatch(pat, hashElemBytes(f, &buf), false) {
				return true
			}
			c.replyHashElem(f)
			c.replyHashElem(v)
			n += 2
			return true
		})
		c.insertArrayLen(pos, n)
		return
	}
	// Collect fields and values (both count towards COUNT, as in Redis), then filter.
	d := ht.d
	items := make([]string, 0, 2*min(count, 512))
	collect := func(r fieldtable.Ref) {
		items = append(items, d.Field(r), d.Value(r))
	}
	maxIter := count * 10
	for {
		cursor = d.Scan(cursor, collect)
		if cursor == 0 || maxIter == 0 || int64(len(items)) >= count {
			break
		}
		maxIter--
	}
	c.ReplyArray(2)
	var cb [20]byte
	c.ReplyBulk(strconv.AppendUint(cb[:0], cursor, 10))
	if usePat {
		kept := items[:0]
		for i := 0; i < len(items); i += 2 {
			if glob.GlobMatch(pat, bytesOf(items[i]), false) {
				kept = append(kept, items[i], items[i+1])
			}
		}
		items = kept
	}
	c.ReplyArray(len(items))
	for _, s := range items {
		c.ReplyBulkString(s)
	}
}
