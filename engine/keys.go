package engine

// Generic keyspace commands (Redis's db.c and object.c): DEL, UNLINK, EXISTS, TYPE,
// KEYS, SCAN, RENAME, RENAMENX, COPY, MOVE, RANDOMKEY, TOUCH and OBJECT. The EXPIRE
// family is in expire_cmds.go, the whole-database commands (FLUSHDB, FLUSHALL,
// SWAPDB, DBSIZE) in db_cmds.go.
//
// Keys that move (RENAME, MOVE) take their whole entry along: the inline bytes, Obj,
// Meta (type, encoding, LRU/LFU clock) and TTL, like Redis moving the same robj to a
// new dict entry. COPY duplicates the value (cloneValue) with a fresh LRU/LFU clock,
// like Redis's dup*Object functions.

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"unsafe"

	"github.com/keygrid/keygrid/engine/glob"
	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/resp"
)

// The specs (arity, flags, key specs, docs) are those Redis 7.0 reports in COMMAND
// INFO and COMMAND DOCS.
var keyCommands = []*Command{
	{Name: "del", Arity: -2, Flags: FlagWrite, Cats: CatKeyspace, FirstKey: 1, LastKey: -1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RM", "delete"}, Index: 1, Range: true, LastKey: -1, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "1.0.0", Complexity: "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).",
		Summary: "Delete a key",
		Tips:    []string{"request_policy:multi_shard", "response_policy:agg_sum"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
		}},
		Proc: delCommand},
	{Name: "unlink", Arity: -2, Flags: FlagWrite | FlagFast, Cats: CatKeyspace, FirstKey: 1, LastKey: -1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RM", "delete"}, Index: 1, Range: true, LastKey: -1, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "4.0.0", Complexity: "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.",
		Summary: "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
		Tips:    []string{"request_policy:multi_shard", "response_policy:agg_sum"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
		}},
		Proc: unlinkCommand},
	{Name: "exists", Arity: -2, Flags: FlagReadonly | FlagFast, Cats: CatKeyspace, FirstKey: 1, LastKey: -1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 1, Range: true, LastKey: -1, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "1.0.0", Complexity: "O(N) where N is the number of keys to check.",
		Summary: "Determine if a key exists",
		Tips:    []string{"request_policy:multi_shard", "response_policy:agg_sum"},
		Doc: &CmdDoc{History: [][2]string{{"3.0.3", "Accepts multiple `key` arguments."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
			}},
		Proc: existsCommand},
	{Name: "type", Arity: 2, Flags: FlagReadonly | FlagFast, Cats: CatKeyspace, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Determine the type stored at key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: typeCommand},
	{Name: "keys", Arity: 2, Flags: FlagReadonly, Cats: CatKeyspace | CatDangerous,
		Group: "generic", Since: "1.0.0", Complexity: "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
		Summary: "Find all keys matching the given pattern",
		Tips:    []string{"request_policy:all_shards", "nondeterministic_output_order"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "pattern", Type: "pattern"},
		}},
		Proc: keysCommand},
	{Name: "scan", Arity: -2, Flags: FlagReadonly, Cats: CatKeyspace,
		Group: "generic", Since: "2.8.0", Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
		Summary: "Incrementally iterate the keys space",
		Tips:    []string{"nondeterministic_output", "request_policy:special"},
		Doc: &CmdDoc{History: [][2]string{{"6.0.0", "Added the `TYPE` subcommand."}},
			Args: []Arg{
				{Name: "cursor", Type: "integer"},
				{Name: "pattern", Type: "pattern", Token: "MATCH", Optional: true},
				{Name: "count", Type: "integer", Token: "COUNT", Optional: true},
				{Name: "type", Type: "string", Token: "TYPE", Since: "6.0.0", Optional: true},
			}},
		Proc: scanCommand},
	{Name: "rename", Arity: 3, Flags: FlagWrite, Cats: CatKeyspace, FirstKey: 1, LastKey: 2, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}, {Flags: []string{"OW", "update"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Rename a key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "newkey", Type: "key", KeySpecIndex: 1},
		}},
		Proc: renameCommand},
	{Name: "renamenx", Arity: 3, Flags: FlagWrite | FlagFast, Cats: CatKeyspace, FirstKey: 1, LastKey: 2, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}, {Flags: []string{"OW", "insert"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Rename a key, only if the new key does not exist",
		Doc: &CmdDoc{History: [][2]string{{"3.2.0", "The command no longer returns an error when source and destination names are the same."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "newkey", Type: "key", KeySpecIndex: 1},
			}},
		Proc: renamenxCommand},
	{Name: "copy", Arity: -3, Flags: FlagWrite | FlagDenyOOM, Cats: CatKeyspace, FirstKey: 1, LastKey: 2, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}, {Flags: []string{"OW", "update"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "6.2.0", Complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
		Summary: "Copy a key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "source", Type: "key", KeySpecIndex: 0},
			{Name: "destination", Type: "key", KeySpecIndex: 1},
			{Name: "destination-db", Type: "integer", Token: "DB", Optional: true},
			{Name: "replace", Type: "pure-token", Token: "REPLACE", Optional: true},
		}},
		Proc: copyCommand},
	{Name: "move", Arity: 3, Flags: FlagWrite | FlagFast, Cats: CatKeyspace, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Move a key to another database",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "db", Type: "integer"},
		}},
		Proc: moveCommand},
	{Name: "randomkey", Arity: 1, Flags: FlagReadonly, Cats: CatKeyspace,
		Group: "generic", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Return a random key from the keyspace",
		Tips:    []string{"request_policy:all_shards", "nondeterministic_output"},
		Proc:    randomkeyCommand},
	{Name: "touch", Arity: -2, Flags: FlagReadonly | FlagFast, Cats: CatKeyspace, FirstKey: 1, LastKey: -1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 1, Range: true, LastKey: -1, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "3.2.1", Complexity: "O(N) where N is the number of keys that will be touched.",
		Summary: "Alters the last access time of a key(s). Returns the number of existing keys specified.",
		Tips:    []string{"request_policy:multi_shard", "response_policy:agg_sum"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
		}},
		Proc: touchCommand},
	{Name: "object", Arity: -2, Flags: 0,
		Group: "generic", Since: "2.2.3", Complexity: "Depends on subcommand.",
		Summary: "A container for object introspection commands",
		Subs: []*Command{
			{Name: "freq", Arity: 3, Flags: FlagReadonly, Cats: CatKeyspace, FirstKey: 2, LastKey: 2, Step: 1,
				KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
				Group:    "generic", Since: "4.0.0", Complexity: "O(1)",
				Summary: "Get the logarithmic access frequency counter of a Redis object",
				Tips:    []string{"nondeterministic_output"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "key", Type: "key", KeySpecIndex: 0},
				}},
				Proc: freqObjectCommand},
			{Name: "idletime", Arity: 3, Flags: FlagReadonly, Cats: CatKeyspace, FirstKey: 2, LastKey: 2, Step: 1,
				KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
				Group:    "generic", Since: "2.2.3", Complexity: "O(1)",
				Summary: "Get the time since a Redis object was last accessed",
				Tips:    []string{"nondeterministic_output"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "key", Type: "key", KeySpecIndex: 0},
				}},
				Proc: idletimeObjectCommand},
			{Name: "encoding", Arity: 3, Flags: FlagReadonly, Cats: CatKeyspace, FirstKey: 2, LastKey: 2, Step: 1,
				KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
				Group:    "generic", Since: "2.2.3", Complexity: "O(1)",
				Summary: "Inspect the internal encoding of a Redis object",
				Tips:    []string{"nondeterministic_output"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "key", Type: "key", KeySpecIndex: 0},
				}},
				Proc: encodingObjectCommand},
			{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, Cats: CatKeyspace,
				Group: "generic", Since: "6.2.0", Complexity: "O(1)",
				Summary: "Show helpful text about the different subcommands",
				Proc:    helpObjectCommand},
			{Name: "refcount", Arity: 3, Flags: FlagReadonly, Cats: CatKeyspace, FirstKey: 2, LastKey: 2, Step: 1,
				KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
				Group:    "generic", Since: "2.2.3", Complexity: "O(1)",
				Summary: "Get the number of references to the value of the key",
				Tips:    []string{"nondeterministic_output"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "key", Type: "key", KeySpecIndex: 0},
				}},
				Proc: refcountObjectCommand},
		},
	},
}

// --- lookups and entry helpers --------------------------------------------------------

// lookupReadNoTouch is LookupRead without the LRU/LFU update (Redis's LOOKUP_NOTOUCH),
// for commands that inspect a key without using its value: EXISTS, TYPE, TTL, SCAN's
// TYPE filter. It counts keyspace hits and misses and raises keymiss events.
func (db *DB) lookupReadNoTouch(key []byte) *keyspace.Entry {
	e := db.lookup(key)
	if e == nil {
		db.srv.stats.keyspaceMisses++
		db.srv.notifyKeyspace(NotifyKeyMiss, "keymiss", key, db.id)
		return nil
	}
	db.srv.stats.keyspaceHits++
	return e
}

// lookupObject is OBJECT's lookup (LOOKUP_NOTOUCH|LOOKUP_NONOTIFY): no LRU update, so
// OBJECT IDLETIME does not reset what it measures, and no keymiss event.
func (db *DB) lookupObject(key []byte) *keyspace.Entry {
	e := db.lookup(key)
	if e == nil {
		db.srv.stats.keyspaceMisses++
		return nil
	}
	db.srv.stats.keyspaceHits++
	return e
}

// entryTypeName is the name TYPE, SCAN TYPE and errors use for an entry's type.
func entryTypeName(e *keyspace.Entry) string {
	if e == nil {
		return "none"
	}
	switch metaType(e.Meta) {
	case TypeString:
		return "string"
	case TypeList:
		return "list"
	case TypeSet:
		return "set"
	case TypeZSet:
		return "zset"
	case TypeHash:
		return "hash"
	case TypeStream:
		return "stream"
	}
	return "unknown"
}

// isExpired reports whether an entry's TTL has passed, whether or not this server may
// delete it (replicas wait for their master's DEL but still hide the key from KEYS).
func (s *Server) isExpired(e *keyspace.Entry) bool {
	return e.Expire != 0 && e.Expire <= s.nowMs
}

// valueCloner is implemented by the value types kept in Entry.Obj (lists, sets,
// hashes, sorted sets, streams, ...): CloneValue returns a deep copy that shares no
// mutable memory with the original. COPY calls it through cloneValue.
type valueCloner interface {
	CloneValue() any
}

// cloneValue is the per-type clone hook COPY uses for Entry.Obj: the string buffer of
// strings.go is copied here, collection types implement valueCloner. ok is false for
// a value that cannot be copied (a type without CloneValue), which COPY reports as an
// error instead of sharing mutable state between two keys.
func cloneValue(obj any) (v any, ok bool) {
	switch o := obj.(type) {
	case nil:
		return nil, true
	case *strBuf:
		c := *o
		c.b = bytes.Clone(o.b)
		return &c, true
	case valueCloner:
		return o.CloneValue(), true
	}
	return nil, false
}

// addEntryFrom creates key in db (it must not exist there) holding the value of src,
// an entry of this or another database, with src's TTL.
//
// With move (RENAME, MOVE) the value changes hands: Obj is taken as is and Meta
// (type, encoding, LRU/LFU clock) kept; the caller then deletes src, after clearing
// src.Obj so nothing freeing the old entry can reach the moved value. Without move
// (COPY) the value is duplicated and the new key gets a fresh LRU/LFU clock, as a new
// object does in Redis. It returns nil when the value cannot be copied.
func (db *DB) addEntryFrom(key []byte, src *keyspace.Entry, move bool) *keyspace.Entry {
	obj := src.Obj
	inline := src.ValBytes()
	if !move {
		if metaType(src.Meta) == TypeString && metaEnc(src.Meta) == EncRaw {
			// A raw string's copy is a new exact sds (dupStringObject), with no
			// spare room and no trim.
			b := append([]byte(nil), stringValue(src)...)
			inline, obj = nil, newSdsBuf(b)
		} else {
			var ok bool
			if obj, ok = cloneValue(obj); !ok {
				return nil
			}
		}
	}
	// AddString copies the inline bytes (the value of strings, or whatever a type
	// keeps inline) and does the keyspace bookkeeping of a new key.
	e := db.AddString(key, inline)
	e.Obj = obj
	if move {
		e.Meta = src.Meta
	} else {
		setTypeEnc(e, metaType(src.Meta), metaEnc(src.Meta))
		if metaType(e.Meta) == TypeString && metaEnc(e.Meta) == EncInt {
			e.Meta |= metaPrivateInt // a new object, never a shared integer
		}
	}
	if src.Expire != 0 {
		db.SetExpire(key, src.Expire)
	}
	db.srv.signalKeyAsReady(db, key, metaType(e.Meta)) // as Redis's dbAdd (blocking.go)
	return e
}

// insertArrayLen inserts an array header for n elements at c.out[pos:], in front of
// the elements already written there (Redis's deferred length): one move of the reply
// bytes instead of a buffer of keys.
func (c *Client) insertArrayLen(pos, n int) {
	var hb [24]byte
	h := resp.AppendArray(hb[:0], n)
	c.out = append(c.out, h...)
	copy(c.out[pos+len(h):], c.out[pos:len(c.out)-len(h)])
	copy(c.out[pos:], h)
}

// bytesOf views a string as bytes without copying. The result must not be written.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// parseDBIndex parses a database number as Redis's getIntFromObjectOrReply: an integer
// that fits in 32 bits. Errors reply msg if given, else Redis's two messages.
func (c *Client) parseDBIndex(arg []byte, msg string) (int, bool) {
	n, ok := parseInt(arg)
	switch {
	case ok && n >= -1<<31 && n <= 1<<31-1:
		return int(n), true
	case msg != "":
		c.ReplyError(msg)
	case !ok:
		c.ReplyError(ErrNotInt)
	default:
		c.ReplyError("ERR value is out of range, value must between -2147483648 and 2147483647")
	}
	return 0, false
}

// errSameObject is Redis's shared.sameobjecterr.
const errSameObject = "ERR source and destination objects are the same"

// --- DEL, UNLINK, EXISTS, TOUCH, TYPE -------------------------------------------------

// DEL key [key ...]
func delCommand(c *Client) { delGeneric(c, c.srv.cfg.LazyfreeLazyUserDel) }

// UNLINK key [key ...]
//
// UNLINK is DEL: dropping the last reference to a value is already O(1) for the loop,
// the garbage collector frees it in the background (Redis's lazyfree thread).
func unlinkCommand(c *Client) { delGeneric(c, true) }

// delGeneric is DEL and UNLINK; lazy is whether Redis frees the values the lazyfree
// way (lazyfreed_objects counts the big ones).
func delGeneric(c *Client, lazy bool) {
	db, s := c.db, c.srv
	n := int64(0)
	for _, key := range c.argv[1:] {
		// Delete expires the key first if its time has passed (that counts as absent).
		if db.deleteGeneric(key, lazy) {
			s.signalModified(db, key)
			s.notifyKeyspace(NotifyGeneric, "del", key, db.id)
			s.dirty++
			n++
		}
	}
	c.ReplyInt(n)
}

// EXISTS key [key ...]
//
// A key named twice counts twice.
func existsCommand(c *Client) {
	n := int64(0)
	for _, key := range c.argv[1:] {
		if c.db.lookupReadNoTouch(key) != nil {
			n++
		}
	}
	c.ReplyInt(n)
}

// TOUCH key [key ...]
func touchCommand(c *Client) {
	n := int64(0)
	for _, key := range c.argv[1:] {
		if c.db.LookupRead(key) != nil {
			n++
		}
	}
	c.ReplyInt(n)
}

// TYPE key
func typeCommand(c *Client) {
	c.ReplySimple(entryTypeName(c.db.lookupReadNoTouch(c.argv[1])))
}

// --- KEYS, SCAN, RANDOMKEY ------------------------------------------------------------

// KEYS pattern
//
// Expired keys are skipped, not deleted (Redis's keyIsExpired).
func keysCommand(c *Client) {
	pat := string(c.argv[1])
	all := pat == "*"
	s := c.srv
	pos := len(c.out)
	n := 0
	for _, d := range c.db.dicts {
		if d.Len() == 0 {
			continue
		}
		d.Each(func(r keyspace.Ref) bool {
			e := d.E(r)
			k := e.Key()
			if (all || glob.GlobMatchString(pat, k, false)) && !s.isExpired(e) {
				c.out = resp.AppendBulkString(c.out, k)
				n++
			}
			return true
		})
	}
	c.insertArrayLen(pos, n)
}

// scanSlotBits is how many low bits of a cluster-mode SCAN cursor hold the slot.
const scanSlotBits = 14

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
//
// The cursor is the dict's reverse-binary cursor (keyspace.Dict.Scan), so SCAN keeps
// Redis's guarantee. In cluster mode a database is one dict per hash slot and the
// cursor is composed: the low 14 bits are the slot being walked, the bits above are
// that slot dict's own cursor (tables would need 2^50 buckets to overflow it). The walk
// goes through the slots in order, skipping empty ones; cursor 0 is slot 0 from the
// start, and the end. This is the layout Redis 7.2 chose for its per-slot dicts, so
// cursors look alike; in Redis 7.0 a cluster node has one dict and plain cursors.
func scanCommand(c *Client) {
	cursor, ok := parseScanCursor(c.argv[1])
	if !ok {
		c.ReplyError("ERR invalid cursor")
		return
	}
	count := int64(10)
	var pat []byte
	var typ []byte
	argv := c.argv
	for i := 2; i < len(argv); i += 2 {
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
		case eqFold(argv[i], "type") && more >= 2:
			typ = argv[i+1]
		default:
			c.ReplyError(ErrSyntax)
			return
		}
	}
	usePat := pat != nil && !(len(pat) == 1 && pat[0] == '*')
	db := c.db
	keys := make([]string, 0, min(count, 1024))
	// Collect first, filter after: the dict must not change during Scan, and filtering
	// may delete expired keys. Key strings stay valid after their entry is deleted.
	collect := func(d *keyspace.Dict) func(keyspace.Ref) {
		return func(r keyspace.Ref) { keys = append(keys, d.E(r).Key()) }
	}
	maxIter := count * 10
	if len(db.dicts) == 1 {
		d := db.dicts[0]
		fn := collect(d)
		for {
			cursor = d.Scan(cursor, fn)
			if cursor == 0 || maxIter == 0 || int64(len(keys)) >= count {
				break
			}
			maxIter--
		}
	} else {
		slot := int(cursor & (1<<scanSlotBits - 1))
		dc := cursor >> scanSlotBits
		for slot < len(db.dicts) {
			d := db.dicts[slot]
			if d.Len() > 0 {
				dc = d.Scan(dc, collect(d))
			} else {
				dc = 0
			}
			if dc == 0 {
				slot++
				if d.Len() == 0 {
					continue // empty slots cost no iteration
				}
			}
			if maxIter == 0 || int64(len(keys)) >= count {
				break
			}
			maxIter--
		}
		if slot >= len(db.dicts) {
			cursor = 0
		} else {
			cursor = dc<<scanSlotBits | uint64(slot)
		}
	}
	// Filter as Redis does: pattern, then type (a read lookup: it counts keyspace hits
	// and expires the key), then expiry.
	s := c.srv
	patStr, typStr := string(pat), string(typ)
	kept := keys[:0]
	for _, k := range keys {
		if usePat && !glob.GlobMatchString(patStr, k, false) {
			continue
		}
		kb := bytesOf(k)
		if typ != nil && !strings.EqualFold(typStr, entryTypeName(db.lookupReadNoTouch(kb))) {
			continue
		}
		d, r := db.find(kb)
		if r == 0 {
			// Only possible when the TYPE lookup just expired the key and the type
			// asked for was "none": Redis keeps such a key in the reply.
			kept = append(kept, k)
			continue
		}
		if e := d.E(r); s.isExpired(e) {
			if s.expireAllowed() {
				db.expireEntry(d, r, kb)
			}
			continue
		}
		kept = append(kept, k)
	}
	c.ReplyArray(2)
	var cb [20]byte
	c.ReplyBulk(strconv.AppendUint(cb[:0], cursor, 10))
	c.ReplyArray(len(kept))
	for _, k := range kept {
		c.ReplyBulkString(k)
	}
}

// parseScanCursor reads a cursor as Redis's strtoul: an optional sign (a minus negates
// modulo 2^64, so "-1" is 2^64-1), decimal digits, nothing after; no leading space;
// "" is 0; more than 64 bits is an error.
func parseScanCursor(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	neg := false
	i := 0
	switch b[0] {
	case '-':
		neg, i = true, 1
	case '+':
		i = 1
	}
	if i == len(b) {
		// strtoul parses no number from a lone sign: the rest ("-") is left over.
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		ch := b[i]
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false // ERANGE
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

// RANDOMKEY
func randomkeyCommand(c *Client) {
	db, s := c.db, c.srv
	allVolatile := db.VolatileLen() == db.Len()
	tries := 100
	for db.Len() > 0 {
		d, r := db.randomEntry()
		if r == 0 {
			break
		}
		e := d.E(r)
		if s.isExpired(e) {
			if s.expireAllowed() {
				// Redis's expireIfNeeded: the key goes, try another.
				db.expireEntry(d, r, bytesOf(e.Key()))
				continue
			}
			// A replica cannot delete expired keys; if all keys have a TTL they may
			// all be logically expired, so give up after some tries and return one.
			if tries--; !allVolatile || tries > 0 {
				continue
			}
		}
		c.ReplyBulkString(e.Key())
		return
	}
	c.ReplyNull()
}

// randomEntry returns a uniformly chosen entry of the database, across its slot dicts
// in cluster mode.
func (db *DB) randomEntry() (*keyspace.Dict, keyspace.Ref) {
	if len(db.dicts) == 1 {
		d := db.dicts[0]
		return d, d.Random()
	}
	if db.keys == 0 {
		return nil, 0
	}
	i := rand.IntN(db.keys)
	for _, d := range db.dicts {
		if i < d.Len() {
			return d, d.Random()
		}
		i -= d.Len()
	}
	return nil, 0
}

// --- RENAME, RENAMENX, COPY, MOVE -----------------------------------------------------

// RENAME key newkey
func renameCommand(c *Client) { renameGeneric(c, false) }

// RENAMENX key newkey
func renamenxCommand(c *Client) { renameGeneric(c, true) }

func renameGeneric(c *Client, nx bool) {
	db, s := c.db, c.srv
	src, dst := c.argv[1], c.argv[2]
	e := db.LookupWrite(src)
	if e == nil {
		c.ReplyError(ErrNoSuchKey)
		return
	}
	if bytes.Equal(src, dst) {
		// Nothing to do, but a missing key was still an error above.
		if nx {
			c.ReplyInt(0)
		} else {
			c.ReplyOK()
		}
		return
	}
	if db.LookupWrite(dst) != nil {
		if nx {
			c.ReplyInt(0)
			return
		}
		db.Delete(dst)
	}
	db.addEntryFrom(dst, e, true)
	e.Obj = nil // the value now belongs to dst
	db.Delete(src)
	s.signalModified(db, src)
	s.signalModified(db, dst)
	s.notifyKeyspace(NotifyGeneric, "rename_from", src, db.id)
	s.notifyKeyspace(NotifyGeneric, "rename_to", dst, db.id)
	s.dirty++
	if nx {
		c.ReplyInt(1)
	} else {
		c.ReplyOK()
	}
}

// COPY source destination [DB destination-db] [REPLACE]
func copyCommand(c *Client) {
	s := c.srv
	src, dst := c.db, c.db
	key, newkey := c.argv[1], c.argv[2]
	replace := false
	argv := c.argv
	for i := 3; i < len(argv); i++ {
		switch {
		case eqFold(argv[i], "replace"):
			replace = true
		case eqFold(argv[i], "db") && i+1 < len(argv):
			id, ok := c.parseDBIndex(argv[i+1], "")
			if !ok {
				return
			}
			if id < 0 || id >= len(s.dbs) {
				c.ReplyError(ErrDBIndex)
				return
			}
			dst = s.dbs[id]
			i++
		default:
			c.ReplyError(ErrSyntax)
			return
		}
	}
	if s.cfg.ClusterEnabled && (src.id != 0 || dst.id != 0) {
		c.ReplyError("ERR Copying to another database is not allowed in cluster mode")
		return
	}
	if src == dst && bytes.Equal(key, newkey) {
		c.ReplyError(errSameObject)
		return
	}
	e := src.LookupRead(key)
	if e == nil {
		c.ReplyInt(0)
		return
	}
	if dst.LookupWrite(newkey) != nil {
		if !replace {
			c.ReplyInt(0)
			return
		}
		dst.Delete(newkey)
	}
	if dst.addEntryFrom(newkey, e, false) == nil {
		c.ReplyError("ERR COPY is not supported for the value of this key")
		return
	}
	s.signalModified(dst, newkey)
	s.notifyKeyspace(NotifyGeneric, "copy_to", newkey, dst.id)
	s.dirty++
	c.ReplyInt(1)
}

// MOVE key db
func moveCommand(c *Client) {
	s := c.srv
	if s.cfg.ClusterEnabled {
		c.ReplyError("ERR MOVE is not allowed in cluster mode")
		return
	}
	src := c.db
	key := c.argv[1]
	id, ok := c.parseDBIndex(c.argv[2], "")
	if !ok {
		return
	}
	if id < 0 || id >= len(s.dbs) {
		c.ReplyError(ErrDBIndex)
		return
	}
	dst := s.dbs[id]
	if src == dst {
		c.ReplyError(errSameObject)
		return
	}
	e := src.LookupWrite(key)
	if e == nil {
		c.ReplyInt(0)
		return
	}
	if dst.LookupWrite(key) != nil {
		c.ReplyInt(0)
		return
	}
	dst.addEntryFrom(key, e, true)
	e.Obj = nil // the value now belongs to the destination
	src.Delete(key)
	s.signalModified(src, key)
	s.signalModified(dst, key)
	s.notifyKeyspace(NotifyGeneric, "move_from", key, src.id)
	s.notifyKeyspace(NotifyGeneric, "move_to", key, dst.id)
	s.dirty++
	c.ReplyInt(1)
}

// --- OBJECT ---------------------------------------------------------------------------

// objectHelp is the text of OBJECT HELP, as redis-server 7.0 replies it.
var objectHelp = []string{
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
}

// OBJECT HELP
func helpObjectCommand(c *Client) { c.replyHelp(objectHelp) }

// OBJECT ENCODING key
func encodingObjectCommand(c *Client) {
	e := c.db.lookupObject(c.argv[2])
	if e == nil {
		c.ReplyNull()
		return
	}
	c.ReplyBulkString(encNames[metaEnc(e.Meta)])
}

// OBJECT REFCOUNT key
func refcountObjectCommand(c *Client) {
	e := c.db.lookupObject(c.argv[2])
	if e == nil {
		c.ReplyNull()
		return
	}
	c.ReplyInt(c.srv.objectRefcount(e))
}

// objectRefcount is the reference count Redis would report for the value. keygrid
// does not share values, but Redis shares the integers 0..9999 (OBJ_SHARED_INTEGERS)
// between keys unless maxmemory is set with an LRU or LFU policy (which needs a clock
// per object), and reports INT_MAX for them; every other value has one reference, as
// has COPY of a small integer (a private object in Redis: metaPrivateInt). Redis
// decides when the value is created, keygrid when asked: they differ for a value
// stored under another maxmemory setting.
func (s *Server) objectRefcount(e *keyspace.Entry) int64 {
	if metaType(e.Meta) != TypeString || metaEnc(e.Meta) != EncInt || e.Meta&metaPrivateInt != 0 {
		return 1
	}
	if s.cfg.MaxMemory != 0 && (s.policyLRU() || s.policyLFU()) {
		return 1
	}
	if n, ok := parseInt(stringValue(e)); ok && n >= 0 && n < sharedIntegers {
		return 2147483647 // OBJ_SHARED_REFCOUNT
	}
	return 1
}

func (s *Server) policyLFU() bool { return strings.HasSuffix(s.cfg.MaxMemoryPolicy, "-lfu") }
func (s *Server) policyLRU() bool { return strings.HasSuffix(s.cfg.MaxMemoryPolicy, "-lru") }

// OBJECT IDLETIME key
func idletimeObjectCommand(c *Client) {
	e := c.db.lookupObject(c.argv[2])
	if e == nil {
		c.ReplyNull()
		return
	}
	if c.srv.policyLFU() {
		c.ReplyError("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
		return
	}
	// The LRU clock counts seconds in 24 bits and wraps (Redis's estimateObjectIdleTime).
	c.ReplyInt(int64((c.srv.lruClock() - metaLRU(e.Meta)) & 0xffffff))
}

// OBJECT FREQ key
func freqObjectCommand(c *Client) {
	e := c.db.lookupObject(c.argv[2])
	if e == nil {
		c.ReplyNull()
		return
	}
	if !c.srv.policyLFU() {
		c.ReplyError("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
		return
	}
	c.ReplyInt(int64(c.srv.lfuDecayed(metaLRU(e.Meta))))
}

// lfuDecayed returns the LFU counter of a Meta clock field, decayed by the time since
// its last decrement (Redis's LFUDecrAndReturn). Under an LFU policy the 24-bit field
// holds Redis's layout: the last decrement time in minutes (16 bits) above an 8-bit
// logarithmic counter.
func (s *Server) lfuDecayed(field uint32) uint32 {
	ldt := field >> 8
	counter := field & 0xff
	if s.cfg.LFUDecayTime <= 0 {
		return counter
	}
	now := uint32(s.nowMs/60000) & 0xffff
	elapsed := now - ldt
	if now < ldt {
		elapsed = 0xffff - ldt + now
	}
	periods := elapsed / uint32(s.cfg.LFUDecayTime)
	if periods >= counter {
		return 0
	}
	return counter - periods
}
