package engine

// Set commands (Redis 7.0's t_set.c). A set is a *setObj in Entry.Obj, in one of
// Redis 7.0's two encodings, which OBJECT ENCODING reports:
//
//   - intset while every member is a canonical integer (string2ll) and there are at
//     most set-max-intset-entries of them: an engine/intset blob, byte for byte
//     Redis's, sorted, so replies that walk it come out in ascending order as in
//     Redis;
//   - hashtable otherwise: an engine/strset table of the members, Redis's dict
//     slimmed to set members (24 bytes an entry where keyspace.Dict spends 64). It
//     gives SSCAN Redis's cursor guarantee, uniform random sampling for SPOP and
//     SRANDMEMBER, and incremental rehashing.
//
// A set converts from intset to hashtable when a non-integer is added or the count
// passes the limit, at the moments Redis converts, and never back, except that a set
// built anew (SINTERSTORE, SUNIONSTORE, SDIFFSTORE, the rest of SPOP with a large
// count) starts as an intset again, as in Redis.
//
// The multi-key commands follow Redis's algorithms, so results that Redis returns in
// a deterministic order (those that end up in an intset) come out in the same order:
// SINTER walks the smallest set and probes the others; SUNION and SDIFF build the
// result in a temporary set that starts as an intset; SDIFF picks between walking the
// first set (algorithm 1) and adding then removing everything (algorithm 2) by
// Redis's cost estimate.
//
// Propagation: SPOP becomes SREM of the popped member; SPOP with a count becomes one
// SREM per member in MULTI/EXEC (or DEL when it takes the whole set), as Redis 7.0
// replicates it.

import (
	"math/rand/v2"
	"sort"
	"strconv"
	"unsafe"

	"github.com/keygrid/keygrid/engine/glob"
	"github.com/keygrid/keygrid/engine/intset"
	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/engine/strset"
)

// The specs (arity, flags, key specs, docs) are those Redis 7.0 reports in COMMAND
// INFO and COMMAND DOCS.
var setCommands = []*Command{
	{Name: "sadd", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "set", Since: "1.0.0", Complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
		Summary: "Add one or more members to a set",
		Doc: &CmdDoc{History: [][2]string{{"2.4.0", "Accepts multiple `member` arguments."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "member", Type: "string", Multiple: true},
			}},
		Proc: saddCommand},
	{Name: "srem", Arity: -3, Flags: FlagWrite | FlagFast, Cats: CatSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "set", Since: "1.0.0", Complexity: "O(N) where N is the number of members to be removed.",
		Summary: "Remove one or more members from a set",
		Doc: &CmdDoc{History: [][2]string{{"2.4.0", "Accepts multiple `member` arguments."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "member", Type: "string", Multiple: true},
			}},
		Proc: sremCommand},
	{Name: "scard", Arity: 2, Flags: FlagReadonly | FlagFast, Cats: CatSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "set", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Get the number of members in a set",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: scardCommand},
	{Name: "sismember", Arity: 3, Flags: FlagReadonly | FlagFast, Cats: CatSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "set", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Determine if a given value is a member of a set",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "member", Type: "string"},
		}},
		Proc: sismemberCommand},
	{Name: "smismember", Arity: -3, Flags: FlagReadonly | FlagFast, Cats: CatSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "set", Since: "6.2.0", Complexity: "O(N) where N is the number of elements being checked for membership",
		Summary: "Returns the membership associated with the given elements for a set",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "member", Type: "string", Multiple: true},
		}},
		Proc: smismemberCommand},
	{Name: "smembers", Arity: 2, Flags: FlagReadonly, Cats: CatSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "set", Since: "1.0.0", Complexity: "O(N) where N is the set cardinality.",
		Summary: "Get all the members in a set",
		Tips:    []string{"nondeterministic_output_order"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: smembersCommand},
	{Name: "srandmember", Arity: -2, Flags: FlagReadonly, Cats: CatSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "set", Since: "1.0.0", Complexity: "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
		Summary: "Get one or multiple random members from a set",
		Tips:    []string{"nondeterministic_output"},
		Doc: &CmdDoc{History: [][2]string{{"2.6.0", "Added the optional `count` argument."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "count", Type: "integer", Since: "2.6.0", Optional: true},
			}},
		Proc: srandmemberCommand},
	{Name: "spop", Arity: -2, Flags: FlagWrite | FlagFast, Cats: CatSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "set", Since: "1.0.0", Complexity: "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
		Summary: "Remove and return one or multiple random members from a set",
		Tips:    []string{"nondeterministic_output"},
		Doc: &CmdDoc{History: [][2]string{{"3.2.0", "Added the `count` argument."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "count", Type: "integer", Since: "3.2.0", Optional: true},
			}},
		Proc: spopCommand},
	{Name: "smove", Arity: 4, Flags: FlagWrite | FlagFast, Cats: CatSet, FirstKey: 1, LastKey: 2, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0},
			{Flags: []string{"RW", "insert"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group: "set", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Move a member from one set to another",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "source", Type: "key", KeySpecIndex: 0},
			{Name: "destination", Type: "key", KeySpecIndex: 1},
			{Name: "member", Type: "string"},
		}},
		Proc: smoveCommand},
	{Name: "sinter", Arity: -2, Flags: FlagReadonly, Cats: CatSet, FirstKey: 1, LastKey: -1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: -1, KeyStep: 1, Limit: 0}},
		Group:    "set", Since: "1.0.0", Complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
		Summary: "Intersect multiple sets",
		Tips:    []string{"nondeterministic_output_order"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
		}},
		Proc: sinterCommand},
	{Name: "sintercard", Arity: -3, Flags: FlagReadonly, Cats: CatSet, FirstKey: 0, LastKey: 0, Step: 0,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}},
		Group:    "set", Since: "7.0.0", Complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
		Summary: "Intersect multiple sets and return the cardinality of the result",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "numkeys", Type: "integer"},
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
			{Name: "limit", Type: "integer", Token: "LIMIT", Optional: true},
		}},
		Keys: sintercardKeys,
		Proc: sintercardCommand},
	{Name: "sinterstore", Arity: -3, Flags: FlagWrite | FlagDenyOOM, Cats: CatSet, FirstKey: 1, LastKey: -1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0},
			{Flags: []string{"RO", "access"}, Index: 2, Range: true, LastKey: -1, KeyStep: 1, Limit: 0}},
		Group: "set", Since: "1.0.0", Complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
		Summary: "Intersect multiple sets and store the resulting set in a key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "destination", Type: "key", KeySpecIndex: 0},
			{Name: "key", Type: "key", KeySpecIndex: 1, Multiple: true},
		}},
		Proc: sinterstoreCommand},
	{Name: "sunion", Arity: -2, Flags: FlagReadonly, Cats: CatSet, FirstKey: 1, LastKey: -1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: -1, KeyStep: 1, Limit: 0}},
		Group:    "set", Since: "1.0.0", Complexity: "O(N) where N is the total number of elements in all given sets.",
		Summary: "Add multiple sets",
		Tips:    []string{"nondeterministic_output_order"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
		}},
		Proc: sunionCommand},
	{Name: "sunionstore", Arity: -3, Flags: FlagWrite | FlagDenyOOM, Cats: CatSet, FirstKey: 1, LastKey: -1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0},
			{Flags: []string{"RO", "access"}, Index: 2, Range: true, LastKey: -1, KeyStep: 1, Limit: 0}},
		Group: "set", Since: "1.0.0", Complexity: "O(N) where N is the total number of elements in all given sets.",
		Summary: "Add multiple sets and store the resulting set in a key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "destination", Type: "key", KeySpecIndex: 0},
			{Name: "key", Type: "key", KeySpecIndex: 1, Multiple: true},
		}},
		Proc: sunionstoreCommand},
	{Name: "sdiff", Arity: -2, Flags: FlagReadonly, Cats: CatSet, FirstKey: 1, LastKey: -1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: -1, KeyStep: 1, Limit: 0}},
		Group:    "set", Since: "1.0.0", Complexity: "O(N) where N is the total number of elements in all given sets.",
		Summary: "Subtract multiple sets",
		Tips:    []string{"nondeterministic_output_order"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
		}},
		Proc: sdiffCommand},
	{Name: "sdiffstore", Arity: -3, Flags: FlagWrite | FlagDenyOOM, Cats: CatSet, FirstKey: 1, LastKey: -1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0},
			{Flags: []string{"RO", "access"}, Index: 2, Range: true, LastKey: -1, KeyStep: 1, Limit: 0}},
		Group: "set", Since: "1.0.0", Complexity: "O(N) where N is the total number of elements in all given sets.",
		Summary: "Subtract multiple sets and store the resulting set in a key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "destination", Type: "key", KeySpecIndex: 0},
			{Name: "key", Type: "key", KeySpecIndex: 1, Multiple: true},
		}},
		Proc: sdiffstoreCommand},
	{Name: "sscan", Arity: -3, Flags: FlagReadonly, Cats: CatSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "set", Since: "2.8.0", Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
		Summary: "Incrementally iterate Set elements",
		Tips:    []string{"nondeterministic_output"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "cursor", Type: "integer"},
			{Name: "pattern", Type: "pattern", Token: "MATCH", Optional: true},
			{Name: "count", Type: "integer", Token: "COUNT", Optional: true},
		}},
		Proc: sscanCommand},
}

// Arguments of rewritten commands (propagation). Shared and read-only.
var argSREM = []byte("SREM")

// setObj is a set value. Exactly one of is and ht is in use, as the entry's encoding
// says.
type setObj struct {
	is []byte      // intset blob (EncIntset)
	ht *strset.Set // members (EncHashtable)
}

// setElem is one member as an encoding holds it: an integer of an intset, or the
// bytes of a hashtable member (a string shared with the dict entry, valid after the
// member is removed since members are never rewritten in place).
type setElem struct {
	s     string
	v     int64
	isInt bool
}

// bytes returns the member's bytes, formatting an integer into buf.
func (el setElem) bytes(buf *[20]byte) []byte {
	if el.isInt {
		return strconv.AppendInt(buf[:0], el.v, 10)
	}
	return bytesOf(el.s)
}

// owned returns the member's bytes in memory of their own (propagated arguments).
func (el setElem) owned() []byte {
	if el.isInt {
		return strconv.AppendInt(nil, el.v, 10)
	}
	return bytesOf(el.s)
}

// newIntsetSet is an empty intset-encoded set (Redis's createIntsetObject).
func newIntsetSet() *setObj { return &setObj{is: intset.New()} }

// newSetFor is an empty set able to hold member: an intset when it is an integer
// (Redis's setTypeCreate).
func newSetFor(member []byte) *setObj {
	if _, ok := parseInt(member); ok {
		return newIntsetSet()
	}
	return &setObj{ht: strset.New()}
}

// enc is the set's encoding (EncIntset or EncHashtable).
func (so *setObj) enc() uint32 {
	if so.ht != nil {
		return EncHashtable
	}
	return EncIntset
}

// size is the number of members.
func (so *setObj) size() int {
	if so.ht != nil {
		return so.ht.Len()
	}
	return intset.Len(so.is)
}

// setMaxIntset is set-max-intset-entries, capped at 2^30 as Redis caps it (intsets
// index elements with 32-bit sizes).
func (s *Server) setMaxIntset() int {
	return int(min(s.cfg.SetMaxIntsetEntries, 1<<30))
}

// add inserts member and reports whether it was absent (Redis's setTypeAdd): an
// intset converts on a non-integer or when it grows past maxIntset entries.
func (so *setObj) add(member []byte, maxIntset int) bool {
	if so.ht != nil {
		return so.ht.Insert(member)
	}
	if v, ok := parseInt(member); ok {
		return so.addInt(v, maxIntset)
	}
	so.convert()
	so.ht.Insert(member)
	return true
}

// addInt is add for an integer member.
func (so *setObj) addInt(v int64, maxIntset int) bool {
	if so.ht != nil {
		var buf [20]byte
		return so.ht.Insert(strconv.AppendInt(buf[:0], v, 10))
	}
	var added bool
	so.is, added = intset.Add(so.is, v)
	if added && intset.Len(so.is) > maxIntset {
		so.convert()
	}
	return added
}

// addElem is add for a member taken from another set.
func (so *setObj) addElem(el setElem, maxIntset int) bool {
	if el.isInt {
		return so.addInt(el.v, maxIntset)
	}
	return so.add(bytesOf(el.s), maxIntset)
}

// convert turns an intset into a hashtable (Redis's setTypeConvert).
func (so *setObj) convert() {
	d := strset.New()
	var buf [20]byte
	for i, n := 0, intset.Len(so.is); i < n; i++ {
		d.InsertNew(strconv.AppendInt(buf[:0], intset.Get(so.is, i), 10))
	}
	so.ht, so.is = d, nil
}

// remove deletes member and reports whether it was there (Redis's setTypeRemove).
func (so *setObj) remove(member []byte) bool {
	if so.ht != nil {
		if !so.ht.Remove(member) {
			return false
		}
		so.ht.ShrinkIfNeeded() // Redis's htNeedsResize + dictResize
		return true
	}
	v, ok := parseInt(member)
	if !ok {
		return false
	}
	var removed bool
	so.is, removed = intset.Remove(so.is, v)
	return removed
}

// removeElem is remove for a member taken from this or another set.
func (so *setObj) removeElem(el setElem) bool {
	if el.isInt && so.ht == nil {
		var removed bool
		so.is, removed = intset.Remove(so.is, el.v)
		return removed
	}
	var buf [20]byte
	return so.remove(el.bytes(&buf))
}

// has reports whether member is in the set (Redis's setTypeIsMember).
func (so *setObj) has(member []byte) bool {
	if so.ht != nil {
		return so.ht.Has(member)
	}
	v, ok := parseInt(member)
	return ok && intset.Find(so.is, v)
}

// hasElem is has for a member taken from another set.
func (so *setObj) hasElem(el setElem) bool {
	if el.isInt {
		if so.ht == nil {
			return intset.Find(so.is, el.v)
		}
		var buf [20]byte
		return so.ht.Has(strconv.AppendInt(buf[:0], el.v, 10))
	}
	return so.has(bytesOf(el.s))
}

// popRandom removes a uniformly chosen member of a non-empty set and returns it. It
// deletes the member where random found it: looking it up again by value would hash
// it a second time (or binary-search the intset).
func (so *setObj) popRandom() setElem {
	if d := so.ht; d != nil {
		d.Rehash(1) // the step the lookup by value took (Redis's dictDelete takes one)
		r := d.Random()
		el := setElem{s: d.Member(r)}
		d.Delete(r)
		d.ShrinkIfNeeded() // as remove does (Redis's htNeedsResize + dictResize)
		return el
	}
	i := rand.IntN(intset.Len(so.is))
	el := setElem{v: intset.Get(so.is, i), isInt: true}
	so.is = intset.RemoveAt(so.is, i)
	return el
}

// random returns a uniformly chosen member of a non-empty set.
func (so *setObj) random() setElem {
	if so.ht != nil {
		return setElem{s: so.ht.Member(so.ht.Random())}
	}
	return setElem{v: intset.Random(so.is), isInt: true}
}

// each calls fn for every member, in the encoding's order (ascending for an intset),
// until fn returns false. fn must not change the set.
func (so *setObj) each(fn func(el setElem) bool) {
	if so.ht != nil {
		d := so.ht
		d.Each(func(r strset.Ref) bool { return fn(setElem{s: d.Member(r)}) })
		return
	}
	for i, n := 0, intset.Len(so.is); i < n; i++ {
		if !fn(setElem{v: intset.Get(so.is, i), isInt: true}) {
			return
		}
	}
}

// CloneValue implements valueCloner (COPY): a copy with the same encoding, as Redis's
// setTypeDup.
func (so *setObj) CloneValue() any {
	if so.ht == nil {
		return &setObj{is: intset.Clone(so.is)}
	}
	d := strset.New()
	so.ht.Each(func(r strset.Ref) bool {
		d.InsertNew(bytesOf(so.ht.Member(r)))
		return true
	})
	return &setObj{ht: d}
}

// memSize implements memSizer (maxmemory accounting) in O(1). Without it the
// accounting after every write to a set would fall back to MemoryUsage, which samples
// members: a tenth of an SADD.
func (so *setObj) memSize() int64 {
	size := goAllocSize(int(unsafe.Sizeof(*so)))
	if so.ht != nil {
		return size + int64(so.ht.Bytes())
	}
	return size + goAllocSize(cap(so.is))
}

// setDictStructSize is sizeof(dict) in Redis 7.0, which MEMORY USAGE counts.
const setDictStructSize = 56

// MemoryUsage implements memoryUser with Redis's objectComputeSize for sets: the
// robj and the intset blob; or the robj, the dict and its bucket arrays, and the
// average of the first samples members (a dictEntry and an sds each) times the count.
func (so *setObj) MemoryUsage(samples int) int64 {
	if so.ht == nil {
		return robjSize + jemallocSize(int64(len(so.is)))
	}
	d := so.ht
	b0, b1 := d.Buckets()
	size := int64(robjSize + setDictStructSize + 8*(b0+b1))
	n, elesize := 0, int64(0)
	d.Each(func(r strset.Ref) bool {
		if samples > 0 && n >= samples {
			return false
		}
		k := len(d.Member(r))
		elesize += dictEntrySize + sdsAllocSize(k, k, true)
		n++
		return true
	})
	if n > 0 {
		size += int64(float64(elesize) / float64(n) * float64(d.Len()))
	}
	return size
}

// --- lookups and replies -----------------------------------------------------------------

// setOf returns the set held by an entry of type set.
func setOf(e *keyspace.Entry) *setObj { return e.Obj.(*setObj) }

// lookupSetRead looks key up for reading. It returns ok=false after replying
// WRONGTYPE; so is nil when the key does not exist.
func (c *Client) lookupSetRead(key []byte) (so *setObj, ok bool) {
	e := c.db.LookupRead(key)
	if e == nil {
		return nil, true
	}
	if metaType(e.Meta) != TypeSet {
		c.ReplyError(ErrWrongType)
		return nil, false
	}
	return setOf(e), true
}

// lookupSetWrite is lookupSetRead for commands about to modify the key; it returns
// the entry too.
func (c *Client) lookupSetWrite(key []byte) (e *keyspace.Entry, so *setObj, ok bool) {
	e = c.db.LookupWrite(key)
	if e == nil {
		return nil, nil, true
	}
	if metaType(e.Meta) != TypeSet {
		c.ReplyError(ErrWrongType)
		return nil, nil, false
	}
	return e, setOf(e), true
}

// unnoteUnchanged drops the memory re-measure that the write lookup of e queued
// (evict.go's noteEntry) when the command left e as it was. It drops only the last
// queued one, and only if it is e.
func (s *Server) unnoteUnchanged(e *keyspace.Entry) {
	p := s.evict.pending
	if n := len(p); n > 0 && p[n-1].e == e {
		p[n-1] = pendingEntry{}
		s.evict.pending = p[:n-1]
	}
}

// replySetElem replies one member as a bulk string.
func (c *Client) replySetElem(el setElem) {
	if el.isInt {
		c.ReplyBulkInt(el.v)
	} else {
		c.ReplyBulkString(el.s)
	}
}

// replySetMembers replies every member as a set (an array in RESP2), in the
// encoding's order.
func (c *Client) replySetMembers(so *setObj) {
	c.ReplySet(so.size())
	if so.ht == nil {
		for i, n := 0, intset.Len(so.is); i < n; i++ {
			c.ReplyBulkInt(intset.Get(so.is, i))
		}
		return
	}
	d := so.ht
	d.Each(func(r strset.Ref) bool {
		c.ReplyBulkString(d.Member(r))
		return true
	})
}

// insertSetLen inserts a set header (an array one in RESP2) for n elements at
// c.out[pos:], in front of the elements already written there (Redis's deferred
// length).
func (c *Client) insertSetLen(pos, n int) {
	var hb [24]byte
	h := resp.AppendSet(hb[:0], n, c.proto)
	c.out = append(c.out, h...)
	copy(c.out[pos+len(h):], c.out[pos:len(c.out)-len(h)])
	copy(c.out[pos:], h)
}

// setReplyAborted checks the output buffer limits in the middle of a long reply and
// reports whether the client is being closed for passing them (Redis stops such
// replies on CLIENT_CLOSE_ASAP).
func (c *Client) setReplyAborted() bool {
	lim := c.srv.cfg.ClientOutputBufferLimit[0]
	if lim.Hard == 0 && lim.Soft == 0 {
		return false
	}
	return !c.srv.checkOutputLimits(c) || c.flags&flagCloseASAP != 0
}

// setStore stores so at key as Redis's setKey does: whatever key held is replaced,
// and its TTL goes.
func (c *Client) setStore(key []byte, so *setObj) {
	db := c.db
	e := db.LookupWrite(key)
	if e == nil {
		e = db.Add(key, TypeSet, so.enc())
	} else {
		c.srv.signalOverwrite(db, key, e)
		e.ClearVal()
		if e.Expire != 0 {
			db.SetExpire(key, 0)
		}
		e.Meta = makeMeta(TypeSet, so.enc(), c.srv.lruClock())
	}
	e.Obj = so
	c.srv.signalModified(db, key)
}

// --- single-key commands -------------------------------------------------------------

// SADD key member [member ...]
func saddCommand(c *Client) {
	key := c.argv[1]
	e, so, ok := c.lookupSetWrite(key)
	if !ok {
		return
	}
	if e == nil {
		so = newSetFor(c.argv[2])
		e = c.db.Add(key, TypeSet, so.enc())
		e.Obj = so
	}
	maxIntset := c.srv.setMaxIntset()
	added := 0
	for _, m := range c.argv[2:] {
		if so.add(m, maxIntset) {
			added++
		}
	}
	if so.ht != nil {
		setTypeEnc(e, TypeSet, EncHashtable)
	}
	if added == 0 {
		// Nothing changed: the set need not be measured again after the command.
		c.srv.unnoteUnchanged(e)
	}
	if added > 0 {
		c.srv.signalModified(c.db, key)
		c.srv.notifyKeyspace(NotifySet, "sadd", key, c.db.id)
	}
	c.srv.dirty += int64(added)
	c.ReplyInt(int64(added))
}

// SREM key member [member ...]
func sremCommand(c *Client) {
	key := c.argv[1]
	e, so, ok := c.lookupSetWrite(key)
	if !ok {
		return
	}
	if e == nil {
		c.ReplyInt(0)
		return
	}
	deleted, keyRemoved := 0, false
	for _, m := range c.argv[2:] {
		if so.remove(m) {
			deleted++
			if so.size() == 0 {
				c.db.Delete(key)
				keyRemoved = true
				break
			}
		}
	}
	if deleted > 0 {
		c.srv.signalModified(c.db, key)
		c.srv.notifyKeyspace(NotifySet, "srem", key, c.db.id)
		if keyRemoved {
			c.srv.notifyKeyspace(NotifyGeneric, "del", key, c.db.id)
		}
		c.srv.dirty += int64(deleted)
	}
	c.ReplyInt(int64(deleted))
}

// SMOVE source destination member
func smoveCommand(c *Client) {
	src, dst, member := c.argv[1], c.argv[2], c.argv[3]
	db := c.db
	srcE := db.LookupWrite(src)
	dstE := db.LookupWrite(dst)
	if srcE == nil {
		c.ReplyInt(0)
		return
	}
	if metaType(srcE.Meta) != TypeSet || (dstE != nil && metaType(dstE.Meta) != TypeSet) {
		c.ReplyError(ErrWrongType)
		return
	}
	srcSet := setOf(srcE)
	if srcE == dstE {
		// Same key: nothing moves.
		if srcSet.has(member) {
			c.ReplyInt(1)
		} else {
			c.ReplyInt(0)
		}
		return
	}
	if !srcSet.remove(member) {
		c.ReplyInt(0)
		return
	}
	c.srv.notifyKeyspace(NotifySet, "srem", src, db.id)
	if srcSet.size() == 0 {
		db.Delete(src)
		c.srv.notifyKeyspace(NotifyGeneric, "del", src, db.id)
	}
	var dstSet *setObj
	if dstE == nil {
		dstSet = newSetFor(member)
		dstE = db.Add(dst, TypeSet, dstSet.enc())
		dstE.Obj = dstSet
	} else {
		dstSet = setOf(dstE)
	}
	c.srv.signalModified(db, src)
	c.srv.dirty++
	// The destination changes only if it did not hold the member already.
	if dstSet.add(member, c.srv.setMaxIntset()) {
		setTypeEnc(dstE, TypeSet, dstSet.enc())
		c.srv.dirty++
		c.srv.signalModified(db, dst)
		c.srv.notifyKeyspace(NotifySet, "sadd", dst, db.id)
	}
	c.ReplyInt(1)
}

// SISMEMBER key member
func sismemberCommand(c *Client) {
	so, ok := c.lookupSetRead(c.argv[1])
	if !ok {
		return
	}
	if so != nil && so.has(c.argv[2]) {
		c.ReplyInt(1)
	} else {
		c.ReplyInt(0)
	}
}

// SMISMEMBER key member [member ...]
//
// A missing key is an empty set: every answer is 0.
func smismemberCommand(c *Client) {
	so, ok := c.lookupSetRead(c.argv[1])
	if !ok {
		return
	}
	c.ReplyArray(len(c.argv) - 2)
	for _, m := range c.argv[2:] {
		if so != nil && so.has(m) {
			c.ReplyInt(1)
		} else {
			c.ReplyInt(0)
		}
	}
}

// SCARD key
func scardCommand(c *Client) {
	so, ok := c.lookupSetRead(c.argv[1])
	if !ok {
		return
	}
	if so == nil {
		c.ReplyInt(0)
		return
	}
	c.ReplyInt(int64(so.size()))
}

// SMEMBERS key
//
// Redis answers it as SINTER of one key: a set reply, empty for a missing key.
func smembersCommand(c *Client) {
	so, ok := c.lookupSetRead(c.argv[1])
	if !ok {
		return
	}
	if so == nil {
		c.ReplySet(0)
		return
	}
	c.replySetMembers(so)
}

// --- SPOP and SRANDMEMBER ------------------------------------------------------------

// SPOP key [count]
func spopCommand(c *Client) {
	if len(c.argv) == 3 {
		c.spopWithCount()
		return
	}
	if len(c.argv) > 3 {
		c.ReplyError(ErrSyntax)
		return
	}
	key := c.argv[1]
	e, so, ok := c.lookupSetWrite(key)
	if !ok {
		return
	}
	if e == nil {
		c.ReplyNull()
		return
	}
	el := so.popRandom()
	c.srv.notifyKeyspace(NotifySet, "spop", key, c.db.id)
	if c.srv.propagate != nil {
		c.rewriteArgv([][]byte{argSREM, key, el.owned()})
	}
	c.replySetElem(el)
	if so.size() == 0 {
		c.db.Delete(key)
		c.srv.notifyKeyspace(NotifyGeneric, "del", key, c.db.id)
	}
	c.srv.signalModified(c.db, key)
	c.srv.dirty++
}

// spopMoveStrategyMul is Redis's SPOP_MOVE_STRATEGY_MUL: when fewer than count/5
// members would remain, SPOP builds a new set from the ones that remain instead of
// removing the popped ones one by one.
const spopMoveStrategyMul = 5

// SPOP key count
func (c *Client) spopWithCount() {
	key := c.argv[1]
	l, ok := parseInt(c.argv[2])
	if !ok || l < 0 {
		c.ReplyError("ERR value is out of range, must be positive")
		return
	}
	count := uint64(l)
	e, so, ok := c.lookupSetWrite(key)
	if !ok {
		return
	}
	if e == nil || count == 0 {
		c.ReplySet(0)
		return
	}
	size := uint64(so.size())
	s := c.srv
	db := c.db
	s.notifyKeyspace(NotifySet, "spop", key, db.id)
	s.dirty += int64(min(count, size))

	// Case 1: the whole set goes. It propagates as DEL.
	if count >= size {
		c.replySetMembers(so)
		db.Delete(key)
		s.notifyKeyspace(NotifyGeneric, "del", key, db.id)
		c.rewriteArgv([][]byte{argDEL, key})
		s.signalModified(db, key)
		return
	}

	// Cases 2 and 3 propagate one SREM per popped member.
	prop := s.propagate != nil
	popped := func(el setElem) {
		c.replySetElem(el)
		if prop {
			c.alsoPropagate([][]byte{argSREM, key, el.owned()})
		}
	}
	c.ReplySet(int(count))
	remaining := size - count
	if remaining*spopMoveStrategyMul > count {
		// Case 2: few members go; pop them one at a time.
		for ; count > 0; count-- {
			popped(so.popRandom())
		}
	} else {
		// Case 3: most members go. Move the few that stay to a new set, which
		// starts as an intset again, as Redis's does; reply what is left.
		maxIntset := s.setMaxIntset()
		var kept *setObj
		var buf [20]byte
		for ; remaining > 0; remaining-- {
			el := so.popRandom()
			if kept == nil {
				kept = newSetFor(el.bytes(&buf))
			}
			kept.addElem(el, maxIntset)
		}
		so.each(func(el setElem) bool {
			popped(el)
			return true
		})
		e.Obj = kept
		setTypeEnc(e, TypeSet, kept.enc())
	}
	s.signalModified(db, key)
}

// srandmemberSubStrategyMul is Redis's SRANDMEMBER_SUB_STRATEGY_MUL: when count is
// more than a third of the set, the members to return are picked from a full copy.
const srandmemberSubStrategyMul = 3

// SRANDMEMBER key [count]
func srandmemberCommand(c *Client) {
	if len(c.argv) == 3 {
		c.srandmemberWithCount()
		return
	}
	if len(c.argv) > 3 {
		c.ReplyError(ErrSyntax)
		return
	}
	so, ok := c.lookupSetRead(c.argv[1])
	if !ok {
		return
	}
	if so == nil {
		c.ReplyNull()
		return
	}
	c.replySetElem(so.random())
}

// SRANDMEMBER key count
//
// The reply is an array in RESP3 too (Redis 7.0): with a negative count members may
// repeat.
func (c *Client) srandmemberWithCount() {
	l, ok := parseInt(c.argv[2])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	if l == -1<<63 {
		c.ReplyError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
		return
	}
	uniq := l >= 0
	count := l
	if !uniq {
		count = -l
	}
	so, ok := c.lookupSetRead(c.argv[1])
	if !ok {
		return
	}
	if so == nil || count == 0 {
		c.ReplyArray(0)
		return
	}
	size := int64(so.size())

	// Case 1: repetitions allowed (or a single member): count independent draws.
	if !uniq || count == 1 {
		c.ReplyArray(int(count))
		for i := int64(0); i < count; i++ {
			c.replySetElem(so.random())
			if i&1023 == 1023 && c.setReplyAborted() {
				break
			}
		}
		return
	}

	// Case 2: the whole set.
	if count >= size {
		c.ReplyArray(int(size))
		so.each(func(el setElem) bool {
			c.replySetElem(el)
			return true
		})
		return
	}

	// Cases 3 and 4: count distinct members, each subset equally likely.
	c.ReplyArray(int(count))
	if count*srandmemberSubStrategyMul > size {
		// Case 3: a partial Fisher-Yates shuffle of all the members.
		all := make([]setElem, 0, size)
		so.each(func(el setElem) bool {
			all = append(all, el)
			return true
		})
		for i := int64(0); i < count; i++ {
			j := i + rand.Int64N(size-i)
			all[i], all[j] = all[j], all[i]
			c.replySetElem(all[i])
		}
		return
	}
	// Case 4: draw until count distinct members came out.
	if so.ht != nil {
		d := so.ht
		seen := make(map[strset.Ref]struct{}, count)
		for int64(len(seen)) < count {
			r := d.Random()
			if _, dup := seen[r]; !dup {
				seen[r] = struct{}{}
				c.ReplyBulkString(d.Member(r))
			}
		}
		return
	}
	seen := make(map[int]struct{}, count)
	for int64(len(seen)) < count {
		i := rand.IntN(int(size))
		if _, dup := seen[i]; !dup {
			seen[i] = struct{}{}
			c.ReplyBulkInt(intset.Get(so.is, i))
		}
	}
}

// --- SINTER, SINTERCARD, SINTERSTORE -------------------------------------------------

// SINTER key [key ...]
func sinterCommand(c *Client) { c.sinterGeneric(c.argv[1:], nil, false, 0) }

// SINTERSTORE destination key [key ...]
func sinterstoreCommand(c *Client) { c.sinterGeneric(c.argv[2:], c.argv[1], false, 0) }

// SINTERCARD numkeys key [key ...] [LIMIT limit]
func sintercardCommand(c *Client) {
	argv := c.argv
	numkeys, ok := parseInt(argv[1])
	if !ok || numkeys < 1 {
		c.ReplyError("ERR numkeys should be greater than 0")
		return
	}
	if numkeys > int64(len(argv)-2) {
		c.ReplyError("ERR Number of keys can't be greater than number of args")
		return
	}
	var limit int64
	for j := 2 + int(numkeys); j < len(argv); j++ {
		if eqFold(argv[j], "limit") && j+1 < len(argv) {
			j++
			if limit, ok = parseInt(argv[j]); !ok || limit < 0 {
				c.ReplyError("ERR LIMIT can't be negative")
				return
			}
		} else {
			c.ReplyError(ErrSyntax)
			return
		}
	}
	c.sinterGeneric(argv[2:2+numkeys], nil, true, limit)
}

// sintercardKeys finds SINTERCARD's keys from numkeys (Redis's sintercardGetKeys).
func sintercardKeys(argv [][]byte) []int {
	if len(argv) < 2 {
		return nil
	}
	return keynumKeys(argv, 1) // genericGetKeys: numkeys read with atoi
}

// sinterGeneric is SINTER, SINTERSTORE (dst != nil) and SINTERCARD (cardOnly, with
// limit 0 meaning none), as Redis's sinterGenericCommand: a missing key makes the
// result empty at once; otherwise the smallest set is walked and each member probed
// in the others.
func (c *Client) sinterGeneric(keys [][]byte, dst []byte, cardOnly bool, limit int64) {
	sets := make([]*setObj, len(keys))
	empty := false
	for j, k := range keys {
		so, ok := c.lookupSetRead(k)
		if !ok {
			return
		}
		if so == nil {
			empty = true
		}
		sets[j] = so
	}
	s := c.srv
	if empty {
		switch {
		case dst != nil:
			if c.db.Delete(dst) {
				s.signalModified(c.db, dst)
				s.notifyKeyspace(NotifyGeneric, "del", dst, c.db.id)
				s.dirty++
			}
			c.ReplyInt(0)
		case cardOnly:
			c.ReplyInt(0)
		default:
			c.ReplySet(0)
		}
		return
	}
	// Smallest first; stable, as glibc's qsort (a merge sort) is for these sizes.
	sort.SliceStable(sets, func(a, b int) bool { return sets[a].size() < sets[b].size() })

	var out *setObj
	maxIntset := s.setMaxIntset()
	if dst != nil {
		out = newIntsetSet()
	}
	pos := len(c.out)
	var card int64
	first := sets[0]
	first.each(func(el setElem) bool {
		for _, other := range sets[1:] {
			if other != first && !other.hasElem(el) {
				return true
			}
		}
		switch {
		case cardOnly:
			card++
			return limit == 0 || card < limit
		case dst == nil:
			c.replySetElem(el)
			card++
		default:
			out.addElem(el, maxIntset)
		}
		return true
	})
	switch {
	case cardOnly:
		c.ReplyInt(card)
	case dst == nil:
		c.insertSetLen(pos, int(card))
	default:
		c.storeSetResult(dst, out, "sinterstore")
	}
}

// storeSetResult ends the *STORE commands: a non-empty result replaces dst, an empty
// one deletes it.
func (c *Client) storeSetResult(dst []byte, out *setObj, event string) {
	s, db := c.srv, c.db
	if n := out.size(); n > 0 {
		c.setStore(dst, out)
		c.ReplyInt(int64(n))
		s.notifyKeyspace(NotifySet, event, dst, db.id)
		s.dirty++
		return
	}
	c.ReplyInt(0)
	if db.Delete(dst) {
		s.dirty++
		s.signalModified(db, dst)
		s.notifyKeyspace(NotifyGeneric, "del", dst, db.id)
	}
}

// --- SUNION, SDIFF and their STORE forms ---------------------------------------------

// SUNION key [key ...]
func sunionCommand(c *Client) { c.sunionDiffGeneric(c.argv[1:], nil, false) }

// SUNIONSTORE destination key [key ...]
func sunionstoreCommand(c *Client) { c.sunionDiffGeneric(c.argv[2:], c.argv[1], false) }

// SDIFF key [key ...]
func sdiffCommand(c *Client) { c.sunionDiffGeneric(c.argv[1:], nil, true) }

// SDIFFSTORE destination key [key ...]
func sdiffstoreCommand(c *Client) { c.sunionDiffGeneric(c.argv[2:], c.argv[1], true) }

// sunionDiffGeneric is Redis's sunionDiffGenericCommand: the result is built in a
// new set that starts as an intset (so an all-integer result comes out sorted), then
// replied or stored at dst. Missing keys are empty sets.
func (c *Client) sunionDiffGeneric(keys [][]byte, dst []byte, diff bool) {
	sets := make([]*setObj, len(keys))
	sameSet := false
	for j, k := range keys {
		so, ok := c.lookupSetRead(k)
		if !ok {
			return
		}
		sets[j] = so
		if j > 0 && so != nil && so == sets[0] {
			sameSet = true
		}
	}
	// Pick the SDIFF algorithm by Redis's estimate. Algorithm 1 walks the first set
	// and probes the others: N*M. Algorithm 2 adds the first set and removes the
	// others: the sum of the sizes. Algorithm 1 has better constants and stops
	// early on common members, so its estimate is halved.
	algo := 1
	if diff && sets[0] != nil && !sameSet {
		var one, two int64
		for _, so := range sets {
			if so == nil {
				continue
			}
			one += int64(sets[0].size())
			two += int64(so.size())
		}
		one /= 2
		if one > two {
			algo = 2
		}
		if algo == 1 && len(sets) > 1 {
			// Largest first: a member found early is dropped early.
			rest := sets[1:]
			sort.SliceStable(rest, func(a, b int) bool { return setSizeOrZero(rest[a]) > setSizeOrZero(rest[b]) })
		}
	}

	maxIntset := c.srv.setMaxIntset()
	out := newIntsetSet()
	card := 0
	switch {
	case !diff:
		for _, so := range sets {
			if so == nil {
				continue
			}
			so.each(func(el setElem) bool {
				if out.addElem(el, maxIntset) {
					card++
				}
				return true
			})
		}
	case sameSet || sets[0] == nil:
		// The first set minus itself, or nothing minus anything: empty.
	case algo == 1:
		sets[0].each(func(el setElem) bool {
			for _, so := range sets[1:] {
				if so != nil && so.hasElem(el) {
					return true
				}
			}
			out.addElem(el, maxIntset)
			card++
			return true
		})
	default:
		for j, so := range sets {
			if so == nil {
				continue
			}
			so.each(func(el setElem) bool {
				if j == 0 {
					if out.addElem(el, maxIntset) {
						card++
					}
				} else if out.removeElem(el) {
					card--
				}
				return true
			})
			if card == 0 {
				break // nothing left to remove from
			}
		}
	}

	if dst == nil {
		c.replySetMembers(out)
		if c.srv.cfg.LazyfreeLazyServerDel {
			c.srv.lazyfreeDropObj(out) // Redis frees its result set the lazyfree way
		}
		return
	}
	event := "sunionstore"
	if diff {
		event = "sdiffstore"
	}
	c.storeSetResult(dst, out, event)
}

// setSizeOrZero is a set's size, 0 for a missing key.
func setSizeOrZero(so *setObj) int {
	if so == nil {
		return 0
	}
	return so.size()
}

// --- SSCAN -----------------------------------------------------------------------------

// SSCAN key cursor [MATCH pattern] [COUNT count]
//
// An intset is returned whole in one call with cursor 0, as Redis does; a hashtable
// is walked with the table's reverse-binary cursor (strset.Set.Scan), so a full
// iteration returns every member present from start to end.
func sscanCommand(c *Client) {
	argv := c.argv
	cursor, ok := parseScanCursor(argv[2])
	if !ok {
		c.ReplyError("ERR invalid cursor")
		return
	}
	so, ok := c.lookupSetRead(argv[1])
	if !ok {
		return
	}
	if so == nil {
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
	if so.ht == nil {
		c.ReplyArray(2)
		c.ReplyBulkString("0")
		pos, n := len(c.out), 0
		var buf [20]byte
		for i, cnt := 0, intset.Len(so.is); i < cnt; i++ {
			m := strconv.AppendInt(buf[:0], intset.Get(so.is, i), 10)
			if usePat && !glob.GlobMatch(pat, m, false) {
				continue
			}
			c.ReplyBulk(m)
			n++
		}
		c.insertArrayLen(pos, n)
		return
	}
	d := so.ht
	members := make([]string, 0, min(count, 1024))
	collect := func(r strset.Ref) { members = append(members, d.Member(r)) }
	maxIter := count * 10
	for {
		cursor = d.Scan(cursor, collect)
		if cursor == 0 || maxIter == 0 || int64(len(members)) >= count {
			break
		}
		maxIter--
	}
	if usePat {
		kept := members[:0]
		for _, m := range members {
			if glob.GlobMatch(pat, bytesOf(m), false) {
				kept = append(kept, m)
			}
		}
		members = kept
	}
	c.ReplyArray(2)
	var cb [20]byte
	c.ReplyBulk(strconv.AppendUint(cb[:0], cursor, 10))
	c.ReplyArray(len(members))
	for _, m := range members {
		c.ReplyBulkString(m)
	}
}
