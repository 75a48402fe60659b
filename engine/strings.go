package engine

// String commands (Redis's t_string.c). The value of a string key lives inline in its
// keyspace entry (one allocation with the key) unless it has been grown in place by
// APPEND, SETRANGE or SETBIT, in which case Obj holds a *strBuf with spare capacity.
//
// Encodings follow Redis exactly, since OBJECT ENCODING shows them: a value stored
// from a client argument (SET, MSET, GETSET, APPEND on a new key) is int, embstr or
// raw by its content (stringEncoding); INCR and friends always leave int; INCRBYFLOAT
// leaves embstr or raw (Redis stores its formatted result without trying int); APPEND
// on an existing key, SETRANGE and the bit commands leave raw.

import (
	"math/big"
	"strconv"

	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/resp"
)

// The specs (arity, flags, key specs, docs) are those Redis 7.0 reports in COMMAND
// INFO and COMMAND DOCS.
var stringCommands = []*Command{
	{Name: "get", Arity: 2, Flags: FlagReadonly | FlagFast, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Get the value of a key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: getCommand},
	{Name: "getex", Arity: -2, Flags: FlagWrite | FlagFast, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Notes: "RW and UPDATE because it changes the TTL", Flags: []string{"RW", "access", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "6.2.0", Complexity: "O(1)",
		Summary: "Get the value of a key and optionally set its expiration",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "expiration", Type: "oneof", Optional: true, Args: []Arg{
				{Name: "seconds", Type: "integer", Token: "EX"},
				{Name: "milliseconds", Type: "integer", Token: "PX"},
				{Name: "unix-time-seconds", Type: "unix-time", Token: "EXAT"},
				{Name: "unix-time-milliseconds", Type: "unix-time", Token: "PXAT"},
				{Name: "persist", Type: "pure-token", Token: "PERSIST"},
			}},
		}},
		Proc: getexCommand},
	{Name: "getdel", Arity: 2, Flags: FlagWrite | FlagFast, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "6.2.0", Complexity: "O(1)",
		Summary: "Get the value of a key and delete the key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: getdelCommand},
	{Name: "getset", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Set the string value of a key and return its old value",
		Doc: &CmdDoc{Flags: []string{"deprecated"},
			DeprecatedSince: "6.2.0",
			ReplacedBy:      "`SET` with the `!GET` argument",
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "value", Type: "string"},
			}},
		Proc: getsetCommand},
	{Name: "set", Arity: -3, Flags: FlagWrite | FlagDenyOOM, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		KeyFlags: setKeyFlags,
		KeySpecs: []KeySpec{{Notes: "RW and ACCESS due to the optional `GET` argument", Flags: []string{"RW", "access", "update", "variable_flags"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Set the string value of a key",
		Doc: &CmdDoc{History: [][2]string{{"2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."}, {"6.0.0", "Added the `KEEPTTL` option."}, {"6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."}, {"7.0.0", "Allowed the `NX` and `GET` options to be used together."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "value", Type: "string"},
				{Name: "condition", Type: "oneof", Since: "2.6.12", Optional: true, Args: []Arg{
					{Name: "nx", Type: "pure-token", Token: "NX"},
					{Name: "xx", Type: "pure-token", Token: "XX"},
				}},
				{Name: "get", Type: "pure-token", Token: "GET", Since: "6.2.0", Optional: true},
				{Name: "expiration", Type: "oneof", Optional: true, Args: []Arg{
					{Name: "seconds", Type: "integer", Token: "EX", Since: "2.6.12"},
					{Name: "milliseconds", Type: "integer", Token: "PX", Since: "2.6.12"},
					{Name: "unix-time-seconds", Type: "unix-time", Token: "EXAT", Since: "6.2.0"},
					{Name: "unix-time-milliseconds", Type: "unix-time", Token: "PXAT", Since: "6.2.0"},
					{Name: "keepttl", Type: "pure-token", Token: "KEEPTTL", Since: "6.0.0"},
				}},
			}},
		Proc: setCommand},
	{Name: "setnx", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"OW", "insert"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Set the value of a key, only if the key does not exist",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "value", Type: "string"},
		}},
		Proc: setnxCommand},
	{Name: "setex", Arity: 4, Flags: FlagWrite | FlagDenyOOM, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "2.0.0", Complexity: "O(1)",
		Summary: "Set the value and expiration of a key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "seconds", Type: "integer"},
			{Name: "value", Type: "string"},
		}},
		Proc: setexCommand},
	{Name: "psetex", Arity: 4, Flags: FlagWrite | FlagDenyOOM, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "2.6.0", Complexity: "O(1)",
		Summary: "Set the value and expiration in milliseconds of a key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "milliseconds", Type: "integer"},
			{Name: "value", Type: "string"},
		}},
		Proc: psetexCommand},
	{Name: "mset", Arity: -3, Flags: FlagWrite | FlagDenyOOM, Cats: CatString, FirstKey: 1, LastKey: -1, Step: 2,
		KeySpecs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, Range: true, LastKey: -1, KeyStep: 2, Limit: 0}},
		Group:    "string", Since: "1.0.1", Complexity: "O(N) where N is the number of keys to set.",
		Summary: "Set multiple keys to multiple values",
		Tips:    []string{"request_policy:multi_shard", "response_policy:all_succeeded"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key_value", Type: "block", Multiple: true, Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "value", Type: "string"},
			}},
		}},
		Proc: msetCommand},
	{Name: "msetnx", Arity: -3, Flags: FlagWrite | FlagDenyOOM, Cats: CatString, FirstKey: 1, LastKey: -1, Step: 2,
		KeySpecs: []KeySpec{{Flags: []string{"OW", "insert"}, Index: 1, Range: true, LastKey: -1, KeyStep: 2, Limit: 0}},
		Group:    "string", Since: "1.0.1", Complexity: "O(N) where N is the number of keys to set.",
		Summary: "Set multiple keys to multiple values, only if none of the keys exist",
		Tips:    []string{"request_policy:multi_shard", "response_policy:agg_min"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key_value", Type: "block", Multiple: true, Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "value", Type: "string"},
			}},
		}},
		Proc: msetnxCommand},
	{Name: "mget", Arity: -2, Flags: FlagReadonly | FlagFast, Cats: CatString, FirstKey: 1, LastKey: -1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: -1, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "1.0.0", Complexity: "O(N) where N is the number of keys to retrieve.",
		Summary: "Get the values of all the given keys",
		Tips:    []string{"request_policy:multi_shard"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
		}},
		Proc: mgetCommand},
	{Name: "incr", Arity: 2, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Increment the integer value of a key by one",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: incrCommand},
	{Name: "decr", Arity: 2, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Decrement the integer value of a key by one",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: decrCommand},
	{Name: "incrby", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Increment the integer value of a key by the given amount",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "increment", Type: "integer"},
		}},
		Proc: incrbyCommand},
	{Name: "decrby", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Decrement the integer value of a key by the given number",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "decrement", Type: "integer"},
		}},
		Proc: decrbyCommand},
	{Name: "incrbyfloat", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "2.6.0", Complexity: "O(1)",
		Summary: "Increment the float value of a key by the given amount",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "increment", Type: "double"},
		}},
		Proc: incrbyfloatCommand},
	{Name: "append", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "2.0.0", Complexity: "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
		Summary: "Append a value to a key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "value", Type: "string"},
		}},
		Proc: appendCommand},
	{Name: "strlen", Arity: 2, Flags: FlagReadonly | FlagFast, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "2.2.0", Complexity: "O(1)",
		Summary: "Get the length of the value stored in a key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: strlenCommand},
	{Name: "getrange", Arity: 4, Flags: FlagReadonly, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "2.4.0", Complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
		Summary: "Get a substring of the string stored at a key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "start", Type: "integer"},
			{Name: "end", Type: "integer"},
		}},
		Proc: getrangeCommand},
	{Name: "setrange", Arity: 4, Flags: FlagWrite | FlagDenyOOM, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "2.2.0", Complexity: "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
		Summary: "Overwrite part of a string at key starting at the specified offset",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "offset", Type: "integer"},
			{Name: "value", Type: "string"},
		}},
		Proc: setrangeCommand},
	{Name: "substr", Arity: 4, Flags: FlagReadonly, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "1.0.0", Complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
		Summary: "Get a substring of the string stored at a key",
		Doc: &CmdDoc{Flags: []string{"deprecated"},
			DeprecatedSince: "2.0.0",
			ReplacedBy:      "`GETRANGE`",
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "start", Type: "integer"},
				{Name: "end", Type: "integer"},
			}},
		Proc: getrangeCommand},
	{Name: "lcs", Arity: -3, Flags: FlagReadonly, Cats: CatString, FirstKey: 1, LastKey: 2, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 1, KeyStep: 1, Limit: 0}},
		Group:    "string", Since: "7.0.0", Complexity: "O(N*M) where N and M are the lengths of s1 and s2, respectively",
		Summary: "Find longest common substring",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key1", Type: "key", KeySpecIndex: 0},
			{Name: "key2", Type: "key", KeySpecIndex: 0},
			{Name: "len", Type: "pure-token", Token: "LEN", Optional: true},
			{Name: "idx", Type: "pure-token", Token: "IDX", Optional: true},
			{Name: "len", Type: "integer", Token: "MINMATCHLEN", Optional: true},
			{Name: "withmatchlen", Type: "pure-token", Token: "WITHMATCHLEN", Optional: true},
		}},
		Proc: lcsCommand},
}

// Arguments of rewritten commands (propagation). Shared and read-only: never append to
// or write into them.
var (
	argSET       = []byte("SET")
	argDEL       = []byte("DEL")
	argPXAT      = []byte("PXAT")
	argKEEPTTL   = []byte("KEEPTTL")
	argPERSIST   = []byte("PERSIST")
	argPEXPIREAT = []byte("PEXPIREAT")
)

// strBuf is a string value that grows in place (APPEND, SETRANGE, SETBIT), like an sds
// with free space: repeated appends cost amortised O(1) per byte. Bytes past len(b)
// are always zero: a strBuf never shrinks.
//
// zsize and alloc follow the sds Redis would hold, for MEMORY USAGE: zsize is its
// allocation (jemalloc's size class), alloc its header's alloc field (the content
// it has room for). newSdsBuf, sdsRoom and growZero change them as sdsnewlen,
// sdsMakeRoomFor and sdsgrowzero do; b's own capacity is Go's business.
type strBuf struct {
	b     []byte
	zsize int64
	alloc int
}

// sdsMaxPrealloc is SDS_MAX_PREALLOC: growth doubles up to 1 MB, then adds 1 MB.
const sdsMaxPrealloc = 1 << 20

// sdsType returns the header size and the largest alloc of the sds type Redis picks
// for a string of n bytes (sdsReqType); noType5 is for strings meant to grow.
func sdsType(n int, noType5 bool) (hdr, maxAlloc int) {
	switch {
	case n < 1<<5 && !noType5:
		return 1, 1<<5 - 1
	case n < 1<<8:
		return 3, 1<<8 - 1
	case n < 1<<16:
		return 5, 1<<16 - 1
	case n < 1<<32:
		return 9, 1<<32 - 1
	}
	return 17, int(^uint(0) >> 1)
}

// newSdsBuf makes b a strBuf allocated as sdsnewlen(len(b)) allocates: exactly,
// type 5 for short strings (which has no room to spare), type 8 at least when empty.
func newSdsBuf(b []byte) *strBuf {
	sb := &strBuf{b: b}
	n := len(b)
	hdr, maxAlloc := sdsType(n, n == 0)
	sb.zsize = jemallocSize(int64(hdr + n + 1))
	sb.alloc = n
	if hdr > 1 {
		sb.alloc = min(int(sb.zsize)-hdr-1, maxAlloc)
	}
	return sb
}

// sdsRoom makes room for add more bytes as sdsMakeRoomFor does: nothing if the
// sds has it, else a new allocation for twice the needed length (1 MB more past
// 1 MB), never of type 5.
func (sb *strBuf) sdsRoom(add int) {
	if sb.alloc-len(sb.b) >= add {
		return
	}
	n := len(sb.b) + add
	if n < sdsMaxPrealloc {
		n *= 2
	} else {
		n += sdsMaxPrealloc
	}
	hdr, maxAlloc := sdsType(n, true)
	sb.zsize = jemallocSize(int64(hdr + n + 1))
	sb.alloc = min(int(sb.zsize)-hdr-1, maxAlloc)
}

// appendBytes appends v as sdscatlen does.
func (sb *strBuf) appendBytes(v []byte) {
	sb.sdsRoom(len(v))
	sb.b = append(sb.b, v...)
}

// setBytes replaces the content with b, a new sds of exactly its size (an HLL
// made dense, say).
func (sb *strBuf) setBytes(b []byte) {
	*sb = *newSdsBuf(b)
}

// stringValue returns the value of a string entry. Read-only: never write to it.
func stringValue(e *keyspace.Entry) []byte {
	if sb, ok := e.Obj.(*strBuf); ok {
		return sb.b
	}
	return e.ValBytes()
}

// setStringValue replaces a string entry's value with a copy of v and re-derives its
// encoding, as Redis's tryObjectEncoding does on SET.
func setStringValue(e *keyspace.Entry, v []byte) {
	setStringValueEnc(e, v, stringEncoding(v))
}

// setStringValueEnc replaces a string entry's value with a copy of v stored with the
// given encoding.
func setStringValueEnc(e *keyspace.Entry, v []byte, enc uint32) {
	e.Obj = nil
	e.SetVal(v)
	setTypeEnc(e, TypeString, enc)
}

// bytesEncoding is the encoding of a string object Redis creates from bytes without
// trying the int encoding (createStringObject): embstr up to 44 bytes, raw above.
func bytesEncoding(v []byte) uint32 {
	if len(v) <= 44 {
		return EncEmbstr
	}
	return EncRaw
}

// mutableString returns the growable buffer of a string entry, converting it first.
// The encoding becomes raw, as in Redis after APPEND/SETRANGE/SETBIT. Redis's
// dbUnshareStringValue copies an int or embstr value into a new exact sds; a raw
// one is its own sds already, which SET and RESTORE (tryObjectEncoding) trimmed to
// its length when it had more than a tenth spare.
func mutableString(e *keyspace.Entry) *strBuf {
	if sb, ok := e.Obj.(*strBuf); ok {
		return sb
	}
	v := e.ValBytes()
	b := make([]byte, len(v), max(len(v), 16))
	copy(b, v)
	sb := newSdsBuf(b)
	if metaEnc(e.Meta) == EncRaw && sb.alloc-len(v) > len(v)/10 {
		sb.alloc = len(v)
	}
	e.ClearVal()
	e.Obj = sb
	setTypeEnc(e, TypeString, EncRaw)
	return sb
}

// growZero extends the buffer with zero bytes to n bytes (Redis's sdsgrowzero).
func (sb *strBuf) growZero(n int) {
	if n <= len(sb.b) {
		return
	}
	sb.sdsRoom(n - len(sb.b))
	if n <= cap(sb.b) {
		old := len(sb.b)
		sb.b = sb.b[:n]
		clear(sb.b[old:])
		return
	}
	sb.b = append(sb.b, make([]byte, n-len(sb.b))...)
}

// addZeroString creates key holding n zero bytes, raw encoded (a new SETRANGE or
// SETBIT target).
func addZeroString(db *DB, key []byte, n int) *strBuf {
	e := db.Add(key, TypeString, EncRaw)
	sb := newSdsBuf(make([]byte, n))
	e.Obj = sb
	return sb
}

// getString looks key up for reading and checks it is a string. It returns ok=false
// after replying WRONGTYPE; e is nil when the key does not exist.
func (c *Client) getString(key []byte) (e *keyspace.Entry, ok bool) {
	e = c.db.LookupRead(key)
	if e != nil && metaType(e.Meta) != TypeString {
		c.ReplyError(ErrWrongType)
		return nil, false
	}
	return e, true
}

// lookupStringWrite is getString for commands about to modify the key.
func (c *Client) lookupStringWrite(key []byte) (e *keyspace.Entry, ok bool) {
	e = c.db.LookupWrite(key)
	if e != nil && metaType(e.Meta) != TypeString {
		c.ReplyError(ErrWrongType)
		return nil, false
	}
	return e, true
}

// getGeneric replies the string value of key, or null; it returns false after
// replying WRONGTYPE (Redis's getGenericCommand).
func (c *Client) getGeneric(key []byte) bool {
	e, ok := c.getString(key)
	if !ok {
		return false
	}
	if e == nil {
		c.ReplyNull()
	} else {
		c.ReplyBulk(stringValue(e))
	}
	return true
}

// checkStringLength refuses a string that would grow past proto-max-bulk-len.
func (c *Client) checkStringLength(size, add int64) bool {
	total := size + add
	if total > c.srv.cfg.ProtoMaxBulkLen || total < size || total < add {
		c.ReplyError("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
		return false
	}
	return true
}

// setKeyValue stores val at key as SET does without options: the value replaces any
// old one of any type, and the TTL goes (Redis's setKey).
func (c *Client) setKeyValue(key, val []byte) {
	db := c.db
	if e := db.LookupWrite(key); e == nil {
		db.AddString(key, val)
	} else {
		c.srv.signalOverwrite(db, key, e)
		setStringValue(e, val)
		if e.Expire != 0 {
			db.SetExpire(key, 0)
		}
	}
	c.srv.signalModified(db, key)
}

// GET key
func getCommand(c *Client) {
	c.getGeneric(c.argv[1])
}

// strOpts are the options of SET and GETEX.
type strOpts uint16

const (
	strOptNX      strOpts = 1 << iota // set only if absent
	strOptXX                          // set only if present
	strOptGet                         // SET ... GET: reply the old value
	strOptKeepTTL                     // keep the TTL
	strOptPersist                     // GETEX PERSIST: remove the TTL
	strOptEX                          // relative seconds
	strOptPX                          // relative milliseconds
	strOptEXAT                        // absolute unix seconds
	strOptPXAT                        // absolute unix milliseconds

	strOptExpire = strOptEX | strOptPX | strOptEXAT | strOptPXAT
)

// parseStringOpts parses the options of SET (set=true) or GETEX, replying a syntax
// error and returning ok=false on failure. Redis's rules: NX and XX exclude each
// other; KEEPTTL and PERSIST exclude every expire; the four expire forms exclude each
// other but one may repeat (the last value wins); GET combines with anything.
func (c *Client) parseStringOpts(args [][]byte, set bool) (opts strOpts, expArg []byte, ok bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		more := i+1 < len(args)
		// expOK reports whether expire form f may follow what was seen so far.
		expOK := func(f strOpts) bool { return more && opts&(strOptKeepTTL|strOptPersist|strOptExpire&^f) == 0 }
		var exp strOpts
		switch {
		case set && eqFold(a, "nx") && opts&strOptXX == 0:
			opts |= strOptNX
		case set && eqFold(a, "xx") && opts&strOptNX == 0:
			opts |= strOptXX
		case set && eqFold(a, "get"):
			opts |= strOptGet
		case set && eqFold(a, "keepttl") && opts&(strOptPersist|strOptExpire) == 0:
			opts |= strOptKeepTTL
		case !set && eqFold(a, "persist") && opts&(strOptExpire|strOptKeepTTL) == 0:
			opts |= strOptPersist
		case eqFold(a, "ex") && expOK(strOptEX):
			exp = strOptEX
		case eqFold(a, "px") && expOK(strOptPX):
			exp = strOptPX
		case eqFold(a, "exat") && expOK(strOptEXAT):
			exp = strOptEXAT
		case eqFold(a, "pxat") && expOK(strOptPXAT):
			exp = strOptPXAT
		default:
			c.ReplyError(ErrSyntax)
			return 0, nil, false
		}
		if exp != 0 {
			opts |= exp
			i++
			expArg = args[i]
		}
	}
	return opts, expArg, true
}

// expireMillis converts the expire argument of SET or GETEX to absolute unix ms, with
// Redis's errors: not an integer, not positive, or overflowing.
func (c *Client) expireMillis(arg []byte, opts strOpts) (int64, bool) {
	n, ok := parseInt(arg)
	if !ok {
		c.ReplyError(ErrNotInt)
		return 0, false
	}
	seconds := opts&(strOptEX|strOptEXAT) != 0
	if n <= 0 || (seconds && n > (1<<63-1)/1000) {
		c.replyInvalidExpire()
		return 0, false
	}
	if seconds {
		n *= 1000
	}
	if opts&(strOptEX|strOptPX) != 0 {
		n += c.srv.nowMs // may wrap to negative: caught below, as in Redis
	}
	if n <= 0 {
		c.replyInvalidExpire()
		return 0, false
	}
	return n, true
}

func (c *Client) replyInvalidExpire() {
	c.ReplyError("ERR invalid expire time in '" + c.cmd.Name + "' command")
}

// Per-call key flags of SET (COMMAND GETKEYSANDFLAGS): with GET the old value is read.
var (
	setFlagsGet   = []string{"RW", "access", "update"}
	setFlagsNoGet = []string{"OW", "update"}
)

// setKeyFlags gives SET's key RW/access/update when a GET argument follows the value,
// else OW/update, as Redis's setGetKeys.
func setKeyFlags(argv [][]byte, pos int) []string {
	for _, a := range argv[min(3, len(argv)):] {
		if eqFold(a, "get") {
			return setFlagsGet
		}
	}
	return setFlagsNoGet
}

// SET key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]
func setCommand(c *Client) {
	argv := c.argv
	var opts strOpts
	var expArg []byte
	if len(argv) > 3 {
		var ok bool
		if opts, expArg, ok = c.parseStringOpts(argv[3:], true); !ok {
			return
		}
	}
	c.setGeneric(argv[1], argv[2], opts, expArg, false)
}

// SETNX key value
func setnxCommand(c *Client) {
	c.setGeneric(c.argv[1], c.argv[2], strOptNX, nil, true)
}

// SETEX key seconds value
func setexCommand(c *Client) {
	c.setGeneric(c.argv[1], c.argv[3], strOptEX, c.argv[2], false)
}

// PSETEX key milliseconds value
func psetexCommand(c *Client) {
	c.setGeneric(c.argv[1], c.argv[3], strOptPX, c.argv[2], false)
}

// setGeneric implements SET and its variants (Redis's setGenericCommand). intReply
// makes it answer 1/0 instead of OK/null (SETNX).
func (c *Client) setGeneric(key, val []byte, opts strOpts, expArg []byte, intReply bool) {
	var when int64
	if opts&strOptExpire != 0 {
		var ok bool
		if when, ok = c.expireMillis(expArg, opts); !ok {
			return
		}
	}
	if opts&strOptGet != 0 && !c.getGeneric(key) {
		return
	}
	db := c.db
	e := db.LookupWrite(key)
	if (opts&strOptNX != 0 && e != nil) || (opts&strOptXX != 0 && e == nil) {
		if opts&strOptGet == 0 {
			if intReply {
				c.ReplyInt(0)
			} else {
				c.ReplyNull()
			}
		}
		return
	}
	if e == nil {
		db.AddString(key, val)
	} else {
		c.srv.signalOverwrite(db, key, e)
		setStringValue(e, val)
		if e.Expire != 0 && opts&strOptKeepTTL == 0 {
			db.SetExpire(key, 0)
		}
	}
	c.srv.signalModified(db, key)
	c.srv.dirty++
	c.srv.notifyKeyspace(NotifyString, "set", key, db.id)
	if opts&strOptExpire != 0 {
		db.SetExpire(key, when)
		// Every expire form propagates as an absolute PXAT, so replicas and the AOF
		// agree whatever their clocks; NX, XX and GET are dropped (the set happened).
		c.rewriteArgv([][]byte{argSET, key, val, argPXAT, strconv.AppendInt(nil, when, 10)})
		c.srv.notifyKeyspace(NotifyGeneric, "expire", key, db.id)
	}
	if opts&strOptGet == 0 {
		if intReply {
			c.ReplyInt(1)
		} else {
			c.ReplyOK()
		}
	} else if opts&strOptExpire == 0 {
		// Propagate without GET, which may be repeated.
		argv := make([][]byte, 0, len(c.argv)-1)
		for j, a := range c.argv {
			if j >= 3 && eqFold(a, "get") {
				continue
			}
			argv = append(argv, a)
		}
		c.rewriteArgv(argv)
	}
}

// GETEX key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]
func getexCommand(c *Client) {
	argv := c.argv
	opts, expArg, ok := c.parseStringOpts(argv[2:], false)
	if !ok {
		return
	}
	key := argv[1]
	e, ok := c.getString(key)
	if !ok {
		return
	}
	if e == nil {
		c.ReplyNull()
		return
	}
	var when int64
	if opts&strOptExpire != 0 {
		if when, ok = c.expireMillis(expArg, opts); !ok {
			return
		}
	}
	c.ReplyBulk(stringValue(e))
	db := c.db
	switch {
	case opts&(strOptEXAT|strOptPXAT) != 0 && when <= c.srv.nowMs && !c.srv.replicaNoExpire:
		// An absolute time already past deletes the key (a replica keeps it and waits
		// for its master's DEL).
		db.Delete(key)
		c.rewriteArgv([][]byte{delOrUnlink(c.srv.cfg.LazyfreeLazyExpire), key})
		c.srv.signalModified(db, key)
		c.srv.notifyKeyspace(NotifyGeneric, "del", key, db.id)
		c.srv.dirty++
	case opts&strOptExpire != 0:
		db.SetExpire(key, when)
		c.rewriteArgv([][]byte{argPEXPIREAT, key, strconv.AppendInt(nil, when, 10)})
		c.srv.signalModified(db, key)
		c.srv.notifyKeyspace(NotifyGeneric, "expire", key, db.id)
		c.srv.dirty++
	case opts&strOptPersist != 0 && e.Expire != 0:
		db.SetExpire(key, 0)
		c.srv.signalModified(db, key)
		c.rewriteArgv([][]byte{argPERSIST, key})
		c.srv.notifyKeyspace(NotifyGeneric, "persist", key, db.id)
		c.srv.dirty++
	}
}

// delOrUnlink is the command a deletion propagates as: UNLINK when the matching
// lazyfree option is on, as in Redis.
func delOrUnlink(lazy bool) []byte {
	if lazy {
		return argUNLINK
	}
	return argDEL
}

// GETDEL key
func getdelCommand(c *Client) {
	key := c.argv[1]
	if !c.getGeneric(key) {
		return
	}
	if c.db.Delete(key) {
		c.rewriteArgv([][]byte{delOrUnlink(c.srv.cfg.LazyfreeLazyUserDel), key})
		c.srv.signalModified(c.db, key)
		c.srv.notifyKeyspace(NotifyGeneric, "del", key, c.db.id)
		c.srv.dirty++
	}
}

// GETSET key value
func getsetCommand(c *Client) {
	key := c.argv[1]
	if !c.getGeneric(key) {
		return
	}
	c.setKeyValue(key, c.argv[2])
	c.srv.notifyKeyspace(NotifyString, "set", key, c.db.id)
	c.srv.dirty++
	argv := append([][]byte{argSET}, c.argv[1:]...) // propagate as SET
	c.rewriteArgv(argv)
}

// MSET key value [key value ...]
func msetCommand(c *Client) { c.msetGeneric(false) }

// MSETNX key value [key value ...]
func msetnxCommand(c *Client) { c.msetGeneric(true) }

func (c *Client) msetGeneric(nx bool) {
	argv := c.argv
	if len(argv)%2 == 0 {
		c.ReplyArityError()
		return
	}
	// MSETNX sets nothing if any key exists.
	if nx {
		for j := 1; j < len(argv); j += 2 {
			if c.db.LookupWrite(argv[j]) != nil {
				c.ReplyInt(0)
				return
			}
		}
	}
	for j := 1; j < len(argv); j += 2 {
		c.setKeyValue(argv[j], argv[j+1])
		c.srv.notifyKeyspace(NotifyString, "set", argv[j], c.db.id)
	}
	c.srv.dirty += int64(len(argv) / 2)
	if nx {
		c.ReplyInt(1)
	} else {
		c.ReplyOK()
	}
}

// MGET key [key ...]
func mgetCommand(c *Client) {
	argv := c.argv
	c.ReplyArray(len(argv) - 1)
	for _, key := range argv[1:] {
		e := c.db.LookupRead(key)
		if e == nil || metaType(e.Meta) != TypeString {
			c.ReplyNull()
		} else {
			c.ReplyBulk(stringValue(e))
		}
	}
}

// INCR key
func incrCommand(c *Client) { c.incrDecr(1) }

// DECR key
func decrCommand(c *Client) { c.incrDecr(-1) }

// INCRBY key increment
func incrbyCommand(c *Client) {
	incr, ok := parseInt(c.argv[2])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	c.incrDecr(incr)
}

// DECRBY key decrement
func decrbyCommand(c *Client) {
	incr, ok := parseInt(c.argv[2])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	if incr == -1<<63 {
		c.ReplyError("ERR decrement would overflow")
		return
	}
	c.incrDecr(-incr)
}

// incrDecr adds incr to the integer at c.argv[1] (Redis's incrDecrCommand). The TTL
// is kept; the result is int encoded.
func (c *Client) incrDecr(incr int64) {
	key := c.argv[1]
	e, ok := c.lookupStringWrite(key)
	if !ok {
		return
	}
	var v int64
	if e != nil {
		if v, ok = parseInt(stringValue(e)); !ok {
			c.ReplyError(ErrNotInt)
			return
		}
	}
	if (incr < 0 && v < 0 && incr < -1<<63-v) || (incr > 0 && v > 0 && incr > 1<<63-1-v) {
		c.ReplyError(ErrOverflow)
		return
	}
	v += incr
	var buf [20]byte
	s := strconv.AppendInt(buf[:0], v, 10)
	if e == nil {
		c.db.AddString(key, s)
	} else {
		setStringValueEnc(e, s, EncInt)
	}
	c.srv.signalModified(c.db, key)
	c.srv.notifyKeyspace(NotifyString, "incrby", key, c.db.id)
	c.srv.dirty++
	// The reply is the stored digits (ReplyInt would format v a second time).
	c.out = append(append(append(c.out, ':'), s...), '\r', '\n')
}

// INCRBYFLOAT key increment
func incrbyfloatCommand(c *Client) {
	key := c.argv[1]
	e, ok := c.lookupStringWrite(key)
	if !ok {
		return
	}
	var cur []byte
	if e != nil {
		cur = stringValue(e)
	}
	v, fast := incrLongDoubleFast(make([]byte, 0, 32), cur, c.argv[2], e != nil)
	if !fast {
		x := new(big.Float)
		if e != nil {
			if x, ok = parseLongDouble(cur); !ok {
				c.ReplyError(ErrNotFloat)
				return
			}
		}
		incr, ok := parseLongDouble(c.argv[2])
		if !ok {
			c.ReplyError(ErrNotFloat)
			return
		}
		sum, ok := longDoubleAdd(x, incr)
		if !ok {
			c.ReplyError("ERR increment would produce NaN or Infinity")
			return
		}
		v = appendLongDouble(v[:0], sum)
	}
	if e == nil {
		e = c.db.AddString(key, v)
	}
	// Redis stores the formatted sum as a plain string object: embstr or raw, never
	// int, even for "5000". An existing key keeps its TTL.
	setStringValueEnc(e, v, bytesEncoding(v))
	if metaEnc(e.Meta) == EncRaw {
		// A raw one is an exact sds that nothing trimmed (createStringObject):
		// its spare room stays for an APPEND.
		e.ClearVal()
		e.Obj = newSdsBuf(append([]byte(nil), v...))
	}
	c.srv.signalModified(c.db, key)
	c.srv.notifyKeyspace(NotifyString, "incrbyfloat", key, c.db.id)
	c.srv.dirty++
	c.ReplyBulk(v)
	// Propagate the result, not the increment: float formatting must not make
	// replicas or an AOF reload differ.
	c.rewriteArgv([][]byte{argSET, key, v, argKEEPTTL})
}

// APPEND key value
func appendCommand(c *Client) {
	key, val := c.argv[1], c.argv[2]
	e, ok := c.lookupStringWrite(key)
	if !ok {
		return
	}
	var n int
	if e == nil {
		c.db.AddString(key, val)
		n = len(val)
	} else {
		if !c.checkStringLength(int64(len(stringValue(e))), int64(len(val))) {
			return
		}
		sb := mutableString(e)
		sb.appendBytes(val)
		n = len(sb.b)
	}
	c.srv.signalModified(c.db, key)
	c.srv.notifyKeyspace(NotifyString, "append", key, c.db.id)
	c.srv.dirty++
	c.ReplyInt(int64(n))
}

// STRLEN key
func strlenCommand(c *Client) {
	e, ok := c.getString(c.argv[1])
	if !ok {
		return
	}
	if e == nil {
		c.ReplyInt(0)
		return
	}
	c.ReplyInt(int64(len(stringValue(e))))
}

// GETRANGE key start end (and SUBSTR, its old name)
func getrangeCommand(c *Client) {
	argv := c.argv
	start, ok := parseInt(argv[2])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	end, ok := parseInt(argv[3])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	e, ok := c.getString(argv[1])
	if !ok {
		return
	}
	if e == nil {
		c.ReplyBulk(nil)
		return
	}
	s := stringValue(e)
	n := int64(len(s))
	if start < 0 && end < 0 && start > end {
		c.ReplyBulk(nil)
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.ReplyBulk(nil)
		return
	}
	c.ReplyBulk(s[start : end+1])
}

// SETRANGE key offset value
func setrangeCommand(c *Client) {
	argv := c.argv
	key, val := argv[1], argv[3]
	offset, ok := parseInt(argv[2])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	if offset < 0 {
		c.ReplyError("ERR offset is out of range")
		return
	}
	e, ok := c.lookupStringWrite(key)
	if !ok {
		return
	}
	var sb *strBuf
	if e == nil {
		if len(val) == 0 {
			c.ReplyInt(0)
			return
		}
		if !c.checkStringLength(offset, int64(len(val))) {
			return
		}
		sb = addZeroString(c.db, key, int(offset)+len(val))
	} else {
		if len(val) == 0 {
			c.ReplyInt(int64(len(stringValue(e))))
			return
		}
		if !c.checkStringLength(offset, int64(len(val))) {
			return
		}
		sb = mutableString(e)
		sb.growZero(int(offset) + len(val))
	}
	copy(sb.b[offset:], val)
	c.srv.signalModified(c.db, key)
	c.srv.notifyKeyspace(NotifyString, "setrange", key, c.db.id)
	c.srv.dirty++
	c.ReplyInt(int64(len(sb.b)))
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
func lcsCommand(c *Client) {
	argv := c.argv
	ea := c.db.LookupRead(argv[1])
	eb := c.db.LookupRead(argv[2])
	if (ea != nil && metaType(ea.Meta) != TypeString) || (eb != nil && metaType(eb.Meta) != TypeString) {
		c.ReplyError("ERR The specified keys must contain string values")
		return
	}
	var a, b []byte
	if ea != nil {
		a = stringValue(ea)
	}
	if eb != nil {
		b = stringValue(eb)
	}
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(argv); j++ {
		switch opt := argv[j]; {
		case eqFold(opt, "idx"):
			getIdx = true
		case eqFold(opt, "len"):
			getLen = true
		case eqFold(opt, "withmatchlen"):
			withMatchLen = true
		case eqFold(opt, "minmatchlen") && j+1 < len(argv):
			n, ok := parseInt(argv[j+1])
			if !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			minMatchLen = max(n, 0)
			j++
		default:
			c.ReplyError(ErrSyntax)
			return
		}
	}
	if getLen && getIdx {
		c.ReplyError("ERR If you want both the length and indexes, please just use IDX.")
		return
	}
	if uint64(len(a)) >= 1<<32-1 || uint64(len(b)) >= 1<<32-1 {
		c.ReplyError("ERR String too long for LCS")
		return
	}
	// Redis refuses a table (uint32 per cell) larger than proto-max-bulk-len.
	if cells := uint64(len(a)+1) * uint64(len(b)+1); cells*4 > uint64(c.srv.cfg.ProtoMaxBulkLen) {
		c.ReplyError("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
		return
	}
	if getLen {
		c.ReplyInt(int64(lcsLength(a, b)))
		return
	}
	lcsReply(c, a, b, getIdx, withMatchLen, minMatchLen)
}

// lcsLength is the length of the longest common subsequence, in two rows of the
// dynamic-programming table.
func lcsLength(a, b []byte) uint32 {
	prev := make([]uint32, len(b)+1)
	cur := make([]uint32, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			switch {
			case a[i-1] == b[j-1]:
				cur[j] = prev[j-1] + 1
			case prev[j] > cur[j-1]:
				cur[j] = prev[j]
			default:
				cur[j] = cur[j-1]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// lcsReply computes the full table and walks it back from the end, as Redis does, so
// that among equally long subsequences the same one (and the same ranges) is chosen.
func lcsReply(c *Client, a, b []byte, getIdx, withMatchLen bool, minMatchLen int64) {
	alen, blen := len(a), len(b)
	w := blen + 1
	t := make([]uint32, (alen+1)*w)
	for i := 1; i <= alen; i++ {
		row, up := t[i*w:(i+1)*w], t[(i-1)*w:i*w]
		for j := 1; j <= blen; j++ {
			switch {
			case a[i-1] == b[j-1]:
				row[j] = up[j-1] + 1
			case up[j] > row[j-1]:
				row[j] = up[j]
			default:
				row[j] = row[j-1]
			}
		}
	}
	total := t[alen*w+blen]
	idx := total
	result := make([]byte, total)

	// Matches are emitted while walking back; their count is known only at the end,
	// so they are collected first.
	type match struct{ aStart, aEnd, bStart, bEnd int }
	var matches []match
	const unset = -1
	aStart, aEnd, bStart, bEnd := unset, 0, 0, 0
	for i, j := alen, blen; i > 0 && j > 0; {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			if aStart == unset {
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			} else if aStart == i && bStart == j {
				// Contiguous with the current range: extend it backwards.
				aStart--
				bStart--
			} else {
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if t[(i-1)*w+j] > t[i*w+j-1] {
				i--
			} else {
				j--
			}
			if aStart != unset {
				emit = true
			}
		}
		if emit {
			if getIdx && (minMatchLen == 0 || int64(aEnd-aStart+1) >= minMatchLen) {
				matches = append(matches, match{aStart, aEnd, bStart, bEnd})
			}
			aStart = unset
		}
	}
	if !getIdx {
		c.ReplyBulk(result)
		return
	}
	c.ReplyMap(2)
	c.ReplyBulkString("matches")
	c.ReplyArray(len(matches))
	for _, m := range matches {
		if withMatchLen {
			c.ReplyArray(3)
		} else {
			c.ReplyArray(2)
		}
		c.ReplyArray(2)
		c.ReplyInt(int64(m.aStart))
		c.ReplyInt(int64(m.aEnd))
		c.ReplyArray(2)
		c.ReplyInt(int64(m.bStart))
		c.ReplyInt(int64(m.bEnd))
		if withMatchLen {
			c.ReplyInt(int64(m.aEnd - m.aStart + 1))
		}
	}
	c.ReplyBulkString("len")
	c.ReplyInt(int64(total))
}

// rewriteArgv sets the arguments the current command propagates to the AOF and
// replicas instead of the ones it was called with (Redis's rewriteClientCommandVector).
// c.argv stays as sent, for SLOWLOG and MONITOR.
func (c *Client) rewriteArgv(argv [][]byte) { c.rewritten = argv }

// eqFold compares an argument with a lower-case ASCII keyword, case-insensitively.
func eqFold(a []byte, lower string) bool {
	if len(a) != len(lower) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ch := a[i]
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != lower[i] {
			return false
		}
	}
	return true
}

func parseInt(b []byte) (int64, bool) { return resp.ParseInt(b) }
