package engine

// List commands (Redis 7.0's t_list.c). A list is always a quicklist (OBJECT ENCODING
// "quicklist", as in Redis 7.0): listpack nodes of at most list-max-listpack-size
// elements or bytes, the inner ones LZF-compressed beyond list-compress-depth, with
// the node shapes and bytes Redis produces (engine/quicklist). Both settings apply to
// lists created after they change, as in Redis.
//
// The value lives in Entry.Obj as a *listValue: the quicklist header by value, one
// allocation, and pointer-free node buffers. An emptied list is deleted at once, so a
// list key always holds at least one element.
//
// Node boundaries and sizes are Redis's after any sequence of commands (the
// differential test compares DEBUG OBJECT's ql_* fields and MEMORY USAGE after every
// step). One difference remains with list-compress-depth > 0: Redis compresses inner
// nodes lazily, at fixed points of its code (a node it decompressed for a read or a
// change is recompressed, one that was too small to compress and then grew in
// place is not until something else touches it), while the quicklist keeps every
// inner node compressed when that pays. The elements are the same; MEMORY USAGE and
// the RDB bytes of such a list can differ.
//
// The blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) first try to serve
// themselves as their non-blocking counterparts and propagate as those; otherwise
// they block through blocking.go, and serveBlockedList does the same work when a
// push makes one of their keys ready.

import (
	"fmt"
	"strconv"
	"unsafe"

	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/quicklist"
)

// The specs (arity, flags, key specs, docs) are those Redis 7.0 reports in COMMAND
// INFO and COMMAND DOCS.
var listCommands = []*Command{
	{Name: "lpush", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatList, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "1.0.0", Complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
		Summary: "Prepend one or multiple elements to a list",
		Doc: &CmdDoc{History: [][2]string{{"2.4.0", "Accepts multiple `element` arguments."}}, Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "element", Type: "string", Multiple: true},
		}},
		Proc: lpushCommand},
	{Name: "rpush", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatList, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "1.0.0", Complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
		Summary: "Append one or multiple elements to a list",
		Doc: &CmdDoc{History: [][2]string{{"2.4.0", "Accepts multiple `element` arguments."}}, Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "element", Type: "string", Multiple: true},
		}},
		Proc: rpushCommand},
	{Name: "lpushx", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatList, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "2.2.0", Complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
		Summary: "Prepend an element to a list, only if the list exists",
		Doc: &CmdDoc{History: [][2]string{{"4.0.0", "Accepts multiple `element` arguments."}}, Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "element", Type: "string", Multiple: true},
		}},
		Proc: lpushxCommand},
	{Name: "rpushx", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatList, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "2.2.0", Complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
		Summary: "Append an element to a list, only if the list exists",
		Doc: &CmdDoc{History: [][2]string{{"4.0.0", "Accepts multiple `element` arguments."}}, Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "element", Type: "string", Multiple: true},
		}},
		Proc: rpushxCommand},
	{Name: "lpop", Arity: -2, Flags: FlagWrite | FlagFast, Cats: CatList, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "1.0.0", Complexity: "O(N) where N is the number of elements returned",
		Summary: "Remove and get the first elements in a list",
		Doc: &CmdDoc{History: [][2]string{{"6.2.0", "Added the `count` argument."}}, Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "count", Type: "integer", Since: "6.2.0", Optional: true},
		}},
		Proc: lpopCommand},
	{Name: "rpop", Arity: -2, Flags: FlagWrite | FlagFast, Cats: CatList, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "1.0.0", Complexity: "O(N) where N is the number of elements returned",
		Summary: "Remove and get the last elements in a list",
		Doc: &CmdDoc{History: [][2]string{{"6.2.0", "Added the `count` argument."}}, Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "count", Type: "integer", Since: "6.2.0", Optional: true},
		}},
		Proc: rpopCommand},
	{Name: "llen", Arity: 2, Flags: FlagReadonly | FlagFast, Cats: CatList, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Get the length of a list",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: llenCommand},
	{Name: "lindex", Arity: 3, Flags: FlagReadonly, Cats: CatList, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "1.0.0", Complexity: "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
		Summary: "Get an element from a list by its index",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "index", Type: "integer"},
		}},
		Proc: lindexCommand},
	{Name: "linsert", Arity: 5, Flags: FlagWrite | FlagDenyOOM, Cats: CatList, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "2.2.0", Complexity: "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
		Summary: "Insert an element before or after another element in a list",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "where", Type: "oneof", Args: []Arg{
				{Name: "before", Type: "pure-token", Token: "BEFORE"},
				{Name: "after", Type: "pure-token", Token: "AFTER"},
			}},
			{Name: "pivot", Type: "string"},
			{Name: "element", Type: "string"},
		}},
		Proc: linsertCommand},
	{Name: "lset", Arity: 4, Flags: FlagWrite | FlagDenyOOM, Cats: CatList, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "1.0.0", Complexity: "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
		Summary: "Set the value of an element in a list by its index",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "index", Type: "integer"},
			{Name: "element", Type: "string"},
		}},
		Proc: lsetCommand},
	{Name: "lrange", Arity: 4, Flags: FlagReadonly, Cats: CatList, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "1.0.0", Complexity: "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
		Summary: "Get a range of elements from a list",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "start", Type: "integer"},
			{Name: "stop", Type: "integer"},
		}},
		Proc: lrangeCommand},
	{Name: "lrem", Arity: 4, Flags: FlagWrite, Cats: CatList, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "1.0.0", Complexity: "O(N+M) where N is the length of the list and M is the number of elements removed.",
		Summary: "Remove elements from a list",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "count", Type: "integer"},
			{Name: "element", Type: "string"},
		}},
		Proc: lremCommand},
	{Name: "ltrim", Arity: 4, Flags: FlagWrite, Cats: CatList, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "1.0.0", Complexity: "O(N) where N is the number of elements to be removed by the operation.",
		Summary: "Trim a list to the specified range",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "start", Type: "integer"},
			{Name: "stop", Type: "integer"},
		}},
		Proc: ltrimCommand},
	{Name: "lpos", Arity: -3, Flags: FlagReadonly, Cats: CatList, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "6.0.6", Complexity: "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
		Summary: "Return the index of matching elements on a list",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "element", Type: "string"},
			{Name: "rank", Type: "integer", Token: "RANK", Optional: true},
			{Name: "num-matches", Type: "integer", Token: "COUNT", Optional: true},
			{Name: "len", Type: "integer", Token: "MAXLEN", Optional: true},
		}},
		Proc: lposCommand},
	{Name: "lmove", Arity: 5, Flags: FlagWrite | FlagDenyOOM, Cats: CatList, FirstKey: 1, LastKey: 2, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}, {Flags: []string{"RW", "insert"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "6.2.0", Complexity: "O(1)",
		Summary: "Pop an element from a list, push it to another list and return it",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "source", Type: "key", KeySpecIndex: 0},
			{Name: "destination", Type: "key", KeySpecIndex: 1},
			{Name: "wherefrom", Type: "oneof", Args: []Arg{
				{Name: "left", Type: "pure-token", Token: "LEFT"},
				{Name: "right", Type: "pure-token", Token: "RIGHT"},
			}},
			{Name: "whereto", Type: "oneof", Args: []Arg{
				{Name: "left", Type: "pure-token", Token: "LEFT"},
				{Name: "right", Type: "pure-token", Token: "RIGHT"},
			}},
		}},
		Proc: lmoveCommand},
	{Name: "lmpop", Arity: -4, Flags: FlagWrite, Cats: CatList, Keys: lmpopKeys,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}},
		Group:    "list", Since: "7.0.0", Complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
		Summary: "Pop elements from a list",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "numkeys", Type: "integer"},
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
			{Name: "where", Type: "oneof", Args: []Arg{
				{Name: "left", Type: "pure-token", Token: "LEFT"},
				{Name: "right", Type: "pure-token", Token: "RIGHT"},
			}},
			{Name: "count", Type: "integer", Token: "COUNT", Optional: true},
		}},
		Proc: lmpopCommand},
	{Name: "rpoplpush", Arity: 3, Flags: FlagWrite | FlagDenyOOM, Cats: CatList, FirstKey: 1, LastKey: 2, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}, {Flags: []string{"RW", "insert"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "1.2.0", Complexity: "O(1)",
		Summary: "Remove the last element in a list, prepend it to another list and return it",
		Doc: &CmdDoc{Flags: []string{"deprecated"}, DeprecatedSince: "6.2.0", ReplacedBy: "`LMOVE` with the `RIGHT` and `LEFT` arguments", Args: []Arg{
			{Name: "source", Type: "key", KeySpecIndex: 0},
			{Name: "destination", Type: "key", KeySpecIndex: 1},
		}},
		Proc: rpoplpushCommand},
	{Name: "blpop", Arity: -3, Flags: FlagWrite | FlagNoScript | FlagBlocking, Cats: CatList, FirstKey: 1, LastKey: -2, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Range: true, LastKey: -2, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "2.0.0", Complexity: "O(N) where N is the number of provided keys.",
		Summary: "Remove and get the first element in a list, or block until one is available",
		Doc: &CmdDoc{History: [][2]string{{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}}, Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
			{Name: "timeout", Type: "double"},
		}},
		Proc: blpopCommand},
	{Name: "brpop", Arity: -3, Flags: FlagWrite | FlagNoScript | FlagBlocking, Cats: CatList, FirstKey: 1, LastKey: -2, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Range: true, LastKey: -2, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "2.0.0", Complexity: "O(N) where N is the number of provided keys.",
		Summary: "Remove and get the last element in a list, or block until one is available",
		Doc: &CmdDoc{History: [][2]string{{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}}, Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
			{Name: "timeout", Type: "double"},
		}},
		Proc: brpopCommand},
	{Name: "blmove", Arity: 6, Flags: FlagWrite | FlagDenyOOM | FlagNoScript | FlagBlocking, Cats: CatList, FirstKey: 1, LastKey: 2, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}, {Flags: []string{"RW", "insert"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "6.2.0", Complexity: "O(1)",
		Summary: "Pop an element from a list, push it to another list and return it; or block until one is available",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "source", Type: "key", KeySpecIndex: 0},
			{Name: "destination", Type: "key", KeySpecIndex: 1},
			{Name: "wherefrom", Type: "oneof", Args: []Arg{
				{Name: "left", Type: "pure-token", Token: "LEFT"},
				{Name: "right", Type: "pure-token", Token: "RIGHT"},
			}},
			{Name: "whereto", Type: "oneof", Args: []Arg{
				{Name: "left", Type: "pure-token", Token: "LEFT"},
				{Name: "right", Type: "pure-token", Token: "RIGHT"},
			}},
			{Name: "timeout", Type: "double"},
		}},
		Proc: blmoveCommand},
	{Name: "blmpop", Arity: -5, Flags: FlagWrite | FlagBlocking, Cats: CatList, Keys: blmpopKeys,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 2, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}},
		Group:    "list", Since: "7.0.0", Complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
		Summary: "Pop elements from a list, or block until one is available",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "timeout", Type: "double"},
			{Name: "numkeys", Type: "integer"},
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
			{Name: "where", Type: "oneof", Args: []Arg{
				{Name: "left", Type: "pure-token", Token: "LEFT"},
				{Name: "right", Type: "pure-token", Token: "RIGHT"},
			}},
			{Name: "count", Type: "integer", Token: "COUNT", Optional: true},
		}},
		Proc: blmpopCommand},
	{Name: "brpoplpush", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagNoScript | FlagBlocking, Cats: CatList, FirstKey: 1, LastKey: 2, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}, {Flags: []string{"RW", "insert"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "list", Since: "2.2.0", Complexity: "O(1)",
		Summary: "Pop an element from a list, push it to another list and return it; or block until one is available",
		Doc: &CmdDoc{Flags: []string{"deprecated"}, DeprecatedSince: "6.2.0", ReplacedBy: "`BLMOVE` with the `RIGHT` and `LEFT` arguments", History: [][2]string{{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}}, Args: []Arg{
			{Name: "source", Type: "key", KeySpecIndex: 0},
			{Name: "destination", Type: "key", KeySpecIndex: 1},
			{Name: "timeout", Type: "double"},
		}},
		Proc: brpoplpushCommand},
}

// --- the list value --------------------------------------------------------------------

// listValue is a list key's value (Entry.Obj).
type listValue struct {
	quicklist.Quicklist
}

// newListValue returns an empty list with the current list-max-listpack-size and
// list-compress-depth (Redis's createQuicklistObject + quicklistSetOptions).
func (s *Server) newListValue() *listValue {
	l := new(listValue)
	l.Init(s.cfg.ListMaxListpackSize, s.cfg.ListCompressDepth)
	return l
}

// CloneValue is COPY's deep copy (quicklistDup).
func (l *listValue) CloneValue() any {
	n := new(listValue)
	l.CloneInto(&n.Quicklist)
	return n
}

// memSize is the heap the list holds, in O(1), for memory accounting (evict.go).
func (l *listValue) memSize() int64 {
	return goAllocSize(int(unsafe.Sizeof(listValue{}))) + int64(l.MemBytes())
}

// Sizes of Redis 7.0's list structures (64-bit), for MEMORY USAGE.
const (
	quicklistSize     = 40 // sizeof(quicklist)
	quicklistNodeSize = 40 // sizeof(quicklistNode): 4 words and a 32-bit bitfield, padded
	quicklistLZFSize  = 8  // sizeof(quicklistLZF) before its data (a size_t)
)

// MemoryUsage is Redis's objectComputeSize for a list: the object and quicklist
// headers plus the average of the first samples nodes (node header and the
// allocation of its listpack, or of its LZF blob) times the number of nodes.
func (l *listValue) MemoryUsage(samples int) int64 {
	if samples <= 0 {
		samples = int(^uint(0) >> 1)
	}
	asize := int64(robjSize + quicklistSize)
	var elesize int64
	n := 0
	for nd := range l.Nodes() {
		if nd.Compressed {
			elesize += quicklistNodeSize + jemallocSize(int64(quicklistLZFSize+len(nd.Data)))
		} else {
			elesize += quicklistNodeSize + jemallocSize(int64(nd.Size))
		}
		n++
		if n >= samples {
			break
		}
	}
	if n == 0 {
		return asize
	}
	// size_t += double, as in C: the sum is computed in double and truncated.
	return int64(float64(asize) + float64(elesize)/float64(n)*float64(l.NodeCount()))
}

// DebugObjectExtra is what DEBUG OBJECT adds for a quicklist.
func (l *listValue) DebugObjectExtra() string {
	size := 0
	for nd := range l.Nodes() {
		size += nd.Size
	}
	compressed := 0
	if l.CompressDepth() != 0 {
		compressed = 1
	}
	return fmt.Sprintf(" ql_nodes:%d ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d ql_uncompressed_size:%d",
		l.NodeCount(), float64(l.Len())/float64(l.NodeCount()), l.Fill(), compressed, size)
}

func listOf(e *keyspace.Entry) *listValue { return e.Obj.(*listValue) }

// getList looks key up for reading; ok is false after replying WRONGTYPE, e is nil
// when the key does not exist.
func (c *Client) getList(key []byte) (e *keyspace.Entry, ok bool) {
	e = c.db.LookupRead(key)
	if e != nil && metaType(e.Meta) != TypeList {
		c.ReplyError(ErrWrongType)
		return nil, false
	}
	return e, true
}

// getListWrite is getList for commands about to modify the key.
func (c *Client) getListWrite(key []byte) (e *keyspace.Entry, ok bool) {
	e = c.db.LookupWrite(key)
	if e != nil && metaType(e.Meta) != TypeList {
		c.ReplyError(ErrWrongType)
		return nil, false
	}
	return e, true
}

// addList creates key as an empty list (the caller pushes at once).
func (c *Client) addList(key []byte) (*keyspace.Entry, *listValue) {
	e := c.db.Add(key, TypeList, EncQuicklist)
	l := c.srv.newListValue()
	e.Obj = l
	return e, l
}

// replyListEntry replies one element as a bulk string.
func (c *Client) replyListEntry(e quicklist.Entry) {
	if e.IsInt {
		c.ReplyBulkInt(e.Int)
	} else {
		c.ReplyBulk(e.Str)
	}
}

// entryBytes is an element's string form; integers are formatted into buf.
func entryBytes(e quicklist.Entry, buf []byte) []byte {
	if e.IsInt {
		return strconv.AppendInt(buf[:0], e.Int, 10)
	}
	return e.Str
}

func listPop(l *listValue, head bool) quicklist.Entry {
	var e quicklist.Entry
	if head {
		e, _ = l.PopHead()
	} else {
		e, _ = l.PopTail()
	}
	return e
}

func listPush(l *listValue, v []byte, head bool) {
	if head {
		l.PushHead(v)
	} else {
		l.PushTail(v)
	}
}

// addListRangeReply replies the elements from start to end (inclusive, negative
// from the tail, clamped), tail first when reverse (Redis's addListRangeReply).
func (c *Client) addListRangeReply(l *listValue, start, end int64, reverse bool) {
	llen := int64(l.Len())
	if start < 0 {
		start += llen
	}
	if end < 0 {
		end += llen
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= llen {
		c.ReplyArray(0)
		return
	}
	if end >= llen {
		end = llen - 1
	}
	n := end - start + 1
	c.ReplyArray(int(n))
	from := start
	if reverse {
		from = end
	}
	it := l.Iter(int(from), reverse)
	for ; n > 0; n-- {
		e, _ := it.Next()
		c.replyListEntry(e)
	}
}

// listElementsRemoved does the bookkeeping after count elements were popped from
// key: the event, deleting an emptied list, the change count (Redis's
// listElementsRemoved). It reports whether the key was deleted.
func (c *Client) listElementsRemoved(key []byte, head bool, l *listValue, count int64) bool {
	s, db := c.srv, c.db
	s.notifyKeyspace(NotifyList, popEvent(head), key, db.id)
	deleted := false
	if l.Len() == 0 {
		db.Delete(key)
		s.notifyKeyspace(NotifyGeneric, "del", key, db.id)
		deleted = true
	}
	s.signalModified(db, key)
	s.dirty += count
	return deleted
}

func popEvent(head bool) string {
	if head {
		return "lpop"
	}
	return "rpop"
}

func pushEvent(head bool) string {
	if head {
		return "lpush"
	}
	return "rpush"
}

// Arguments of the commands that propagate in place of others.
var (
	argLPOP      = []byte("LPOP")
	argRPOP      = []byte("RPOP")
	argLMOVE     = []byte("LMOVE")
	argRPOPLPUSH = []byte("RPOPLPUSH")
	argLeft      = []byte("left")
	argRight     = []byte("right")
)

func popArg(head bool) []byte {
	if head {
		return argLPOP
	}
	return argRPOP
}

func sideArg(head bool) []byte {
	if head {
		return argLeft
	}
	return argRight
}

// parseListSide parses LEFT or RIGHT (head is LEFT), replying a syntax error
// otherwise.
func (c *Client) parseListSide(arg []byte) (head, ok bool) {
	switch {
	case eqFold(arg, "left"):
		return true, true
	case eqFold(arg, "right"):
		return false, true
	}
	c.ReplyError(ErrSyntax)
	return false, false
}

// --- pushes ----------------------------------------------------------------------------

// LPUSH key element [element ...]
func lpushCommand(c *Client) { pushGeneric(c, true, false) }

// RPUSH key element [element ...]
func rpushCommand(c *Client) { pushGeneric(c, false, false) }

// LPUSHX key element [element ...]
func lpushxCommand(c *Client) { pushGeneric(c, true, true) }

// RPUSHX key element [element ...]
func rpushxCommand(c *Client) { pushGeneric(c, false, true) }

// pushGeneric is Redis's pushGenericCommand; xx pushes only to an existing list.
func pushGeneric(c *Client, head, xx bool) {
	key := c.argv[1]
	e, ok := c.getListWrite(key)
	if !ok {
		return
	}
	var l *listValue
	if e == nil {
		if xx {
			c.ReplyInt(0)
			return
		}
		_, l = c.addList(key)
	} else {
		l = listOf(e)
	}
	for _, v := range c.argv[2:] {
		listPush(l, v, head)
	}
	s := c.srv
	s.dirty += int64(len(c.argv) - 2)
	c.ReplyInt(int64(l.Len()))
	s.signalModified(c.db, key)
	s.notifyKeyspace(NotifyList, pushEvent(head), key, c.db.id)
}

// LINSERT key BEFORE|AFTER pivot element
func linsertCommand(c *Client) {
	var after bool
	switch {
	case eqFold(c.argv[2], "after"):
		after = true
	case eqFold(c.argv[2], "before"):
	default:
		c.ReplyError(ErrSyntax)
		return
	}
	key := c.argv[1]
	e, ok := c.getListWrite(key)
	if !ok {
		return
	}
	if e == nil {
		c.ReplyInt(0)
		return
	}
	l := listOf(e)
	if !l.Insert(c.argv[3], c.argv[4], after) {
		c.ReplyInt(-1)
		return
	}
	s := c.srv
	s.signalModified(c.db, key)
	s.notifyKeyspace(NotifyList, "linsert", key, c.db.id)
	s.dirty++
	c.ReplyInt(int64(l.Len()))
}

// --- reads -----------------------------------------------------------------------------

// LLEN key
func llenCommand(c *Client) {
	e, ok := c.getList(c.argv[1])
	if !ok {
		return
	}
	if e == nil {
		c.ReplyInt(0)
		return
	}
	c.ReplyInt(int64(listOf(e).Len()))
}

// LINDEX key index
func lindexCommand(c *Client) {
	e, ok := c.getList(c.argv[1])
	if !ok {
		return
	}
	if e == nil {
		c.ReplyNull()
		return
	}
	idx, ok := parseInt(c.argv[2])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	if v, found := listOf(e).Index(int(idx)); found {
		c.replyListEntry(v)
	} else {
		c.ReplyNull()
	}
}

// LRANGE key start stop
func lrangeCommand(c *Client) {
	start, ok1 := parseInt(c.argv[2])
	end, ok2 := parseInt(c.argv[3])
	if !ok1 || !ok2 {
		c.ReplyError(ErrNotInt)
		return
	}
	e, ok := c.getList(c.argv[1])
	if !ok {
		return
	}
	if e == nil {
		c.ReplyArray(0)
		return
	}
	c.addListRangeReply(listOf(e), start, end, false)
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
//
// RANK n returns the n-th match, counting from the tail when negative; COUNT n up to
// n matches as an array (0: all); MAXLEN n compares at most n elements. Indexes are
// LINDEX's, whichever the direction.
func lposCommand(c *Client) {
	argv := c.argv
	ele := argv[2]
	rank, count, maxlen := int64(1), int64(-1), int64(0) // count -1: no COUNT
	for j := 3; j < len(argv); j++ {
		more := len(argv) - 1 - j
		switch {
		case eqFold(argv[j], "rank") && more > 0:
			j++
			n, ok := parseInt(argv[j])
			if !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			if n == 0 {
				c.ReplyError("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
				return
			}
			rank = n
		case eqFold(argv[j], "count") && more > 0:
			j++
			n, ok := parseInt(argv[j])
			if !ok || n < 0 {
				c.ReplyError("ERR COUNT can't be negative")
				return
			}
			count = n
		case eqFold(argv[j], "maxlen") && more > 0:
			j++
			n, ok := parseInt(argv[j])
			if !ok || n < 0 {
				c.ReplyError("ERR MAXLEN can't be negative")
				return
			}
			maxlen = n
		default:
			c.ReplyError(ErrSyntax)
			return
		}
	}
	reverse := false
	if rank < 0 {
		rank = -rank // stays negative for the minimum int64, as in C: every match ranks
		reverse = true
	}
	e, ok := c.getList(argv[1])
	if !ok {
		return
	}
	if e == nil {
		if count != -1 {
			c.ReplyArray(0)
		} else {
			c.ReplyNull()
		}
		return
	}
	l := listOf(e)
	llen := int64(l.Len())
	start := 0
	if reverse {
		start = -1
	}
	it := l.Iter(start, reverse)
	var found []int64
	var index, matches int64
	matchIndex := int64(-1)
	for v, more := it.Next(); more && (maxlen == 0 || index < maxlen); v, more = it.Next() {
		if v.Equal(ele) {
			matches++
			matchIndex = index
			if reverse {
				matchIndex = llen - index - 1
			}
			if matches >= rank {
				if count == -1 {
					break
				}
				found = append(found, matchIndex)
				if count != 0 && matches-rank+1 >= count {
					break
				}
			}
		}
		index++
		matchIndex = -1 // remember leaving the loop without a match
	}
	switch {
	case count != -1:
		c.ReplyArray(len(found))
		for _, i := range found {
			c.ReplyInt(i)
		}
	case matchIndex != -1:
		c.ReplyInt(matchIndex)
	default:
		c.ReplyNull()
	}
}

// --- changes in place ------------------------------------------------------------------

// LSET key index element
func lsetCommand(c *Client) {
	key := c.argv[1]
	e, ok := c.getListWrite(key)
	if !ok {
		return
	}
	if e == nil {
		c.ReplyError(ErrNoSuchKey)
		return
	}
	idx, ok := parseInt(c.argv[2])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	if !listOf(e).Replace(int(idx), c.argv[3]) {
		c.ReplyError("ERR index out of range")
		return
	}
	c.ReplyOK()
	s := c.srv
	s.signalModified(c.db, key)
	s.notifyKeyspace(NotifyList, "lset", key, c.db.id)
	s.dirty++
}

// LREM key count element
func lremCommand(c *Client) {
	toRemove, ok := parseInt(c.argv[2])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	key := c.argv[1]
	e, ok := c.getListWrite(key)
	if !ok {
		return
	}
	if e == nil {
		c.ReplyInt(0)
		return
	}
	if toRemove == -1<<63 {
		toRemove = 0 // Redis negates it and never reaches the count: it removes all
	}
	l := listOf(e)
	removed := l.Remove(c.argv[3], int(toRemove))
	s, db := c.srv, c.db
	s.dirty += int64(removed)
	if removed > 0 {
		s.signalModified(db, key)
		s.notifyKeyspace(NotifyList, "lrem", key, db.id)
	}
	if l.Len() == 0 {
		db.Delete(key)
		s.notifyKeyspace(NotifyGeneric, "del", key, db.id)
	}
	c.ReplyInt(int64(removed))
}

// LTRIM key start stop
func ltrimCommand(c *Client) {
	start, ok1 := parseInt(c.argv[2])
	end, ok2 := parseInt(c.argv[3])
	if !ok1 || !ok2 {
		c.ReplyError(ErrNotInt)
		return
	}
	key := c.argv[1]
	e, ok := c.getListWrite(key)
	if !ok {
		return
	}
	if e == nil {
		c.ReplyOK()
		return
	}
	l := listOf(e)
	llen := int64(l.Len())
	if start < 0 {
		start += llen
	}
	if end < 0 {
		end += llen
	}
	if start < 0 {
		start = 0
	}
	var ltrim, rtrim int64
	if start > end || start >= llen {
		ltrim, rtrim = llen, 0 // an empty range empties the list
	} else {
		if end >= llen {
			end = llen - 1
		}
		ltrim, rtrim = start, llen-end-1
	}
	l.DelRange(0, int(ltrim))
	l.DelRange(int(-rtrim), int(rtrim))
	s, db := c.srv, c.db
	s.notifyKeyspace(NotifyList, "ltrim", key, db.id)
	if l.Len() == 0 {
		db.Delete(key)
		s.notifyKeyspace(NotifyGeneric, "del", key, db.id)
	}
	s.signalModified(db, key)
	s.dirty += ltrim + rtrim
	c.ReplyOK()
}

// --- pops ------------------------------------------------------------------------------

// LPOP key [count]
func lpopCommand(c *Client) { popGeneric(c, true) }

// RPOP key [count]
func rpopCommand(c *Client) { popGeneric(c, false) }

// popGeneric is Redis's popGenericCommand: one element as a bulk string, or with a
// count an array of up to count elements (a null array for a missing key).
func popGeneric(c *Client, head bool) {
	argv := c.argv
	if len(argv) > 3 {
		c.ReplyArityError()
		return
	}
	hasCount := len(argv) == 3
	var count int64
	if hasCount {
		n, ok := parseInt(argv[2])
		if !ok || n < 0 {
			c.ReplyError("ERR value is out of range, must be positive")
			return
		}
		count = n
	}
	key := argv[1]
	e := c.db.LookupWrite(key)
	if e == nil {
		if hasCount {
			c.ReplyNullArray()
		} else {
			c.ReplyNull()
		}
		return
	}
	if metaType(e.Meta) != TypeList {
		c.ReplyError(ErrWrongType)
		return
	}
	if hasCount && count == 0 {
		c.ReplyArray(0)
		return
	}
	l := listOf(e)
	if !hasCount {
		c.replyListEntry(listPop(l, head))
		c.listElementsRemoved(key, head, l, 1)
		return
	}
	llen := int64(l.Len())
	n := min(count, llen)
	start, end := int64(0), n-1
	if !head {
		start, end = -n, -1
	}
	c.addListRangeReply(l, start, end, !head)
	l.DelRange(int(start), int(n))
	c.listElementsRemoved(key, head, l, n)
}

// listPopRangeAndReplyWithKey pops up to count elements from one end and replies
// [key, [elements]] (LMPOP, BLMPOP). It reports whether the key was deleted.
func (c *Client) listPopRangeAndReplyWithKey(key []byte, l *listValue, head bool, count int64) bool {
	n := min(count, int64(l.Len()))
	start, end := int64(0), n-1
	if !head {
		start, end = -n, -1
	}
	c.ReplyArray(2)
	c.ReplyBulk(key)
	c.addListRangeReply(l, start, end, !head)
	l.DelRange(int(start), int(n))
	return c.listElementsRemoved(key, head, l, n)
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
func lmpopCommand(c *Client) { lmpopGeneric(c, 1, false) }

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
func blmpopCommand(c *Client) { lmpopGeneric(c, 2, true) }

// lmpopGeneric parses LMPOP and BLMPOP (numkeys at argv[numIdx]) in Redis's order:
// numkeys, the side, COUNT; BLMPOP's timeout comes after.
func lmpopGeneric(c *Client, numIdx int, block bool) {
	argv := c.argv
	numkeys, ok := parseInt(argv[numIdx])
	if !ok || numkeys < 1 {
		c.ReplyError("ERR numkeys should be greater than 0")
		return
	}
	if numkeys >= int64(len(argv)) || numIdx+int(numkeys)+1 >= len(argv) {
		c.ReplyError(ErrSyntax)
		return
	}
	whereIdx := numIdx + int(numkeys) + 1
	head, ok := c.parseListSide(argv[whereIdx])
	if !ok {
		return
	}
	count := int64(-1)
	for j := whereIdx + 1; j < len(argv); j++ {
		if count == -1 && eqFold(argv[j], "count") && j+1 < len(argv) {
			j++
			n, ok := parseInt(argv[j])
			if !ok || n < 1 {
				c.ReplyError("ERR count should be greater than 0")
				return
			}
			count = n
			continue
		}
		c.ReplyError(ErrSyntax)
		return
	}
	if count == -1 {
		count = 1
	}
	keys := argv[numIdx+1 : whereIdx]
	if block {
		blockingPopGeneric(c, keys, head, 1, count)
		return
	}
	for _, key := range keys {
		e, ok := c.getListWrite(key)
		if !ok {
			return
		}
		if e == nil {
			continue
		}
		l := listOf(e)
		n := min(count, int64(l.Len()))
		c.listPopRangeAndReplyWithKey(key, l, head, count)
		c.rewriteArgv([][]byte{popArg(head), key, strconv.AppendInt(nil, n, 10)})
		return
	}
	c.ReplyNullArray()
}

// lmpopKeys and blmpopKeys find the keys of LMPOP and BLMPOP as Redis's
// genericGetKeys does: none when numkeys (read with atoi) does not fit.
func lmpopKeys(argv [][]byte) []int  { return keynumKeys(argv, 1) }
func blmpopKeys(argv [][]byte) []int { return keynumKeys(argv, 2) }

func keynumKeys(argv [][]byte, numIdx int) []int {
	if numIdx >= len(argv) {
		return nil
	}
	n := atoi(string(argv[numIdx]))
	first := numIdx + 1
	if n < 1 || n > int64(len(argv)-first) {
		return nil
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = first + i
	}
	return idx
}

// --- moves -----------------------------------------------------------------------------

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
func lmoveCommand(c *Client) {
	from, ok := c.parseListSide(c.argv[3])
	if !ok {
		return
	}
	to, ok := c.parseListSide(c.argv[4])
	if !ok {
		return
	}
	lmoveGeneric(c, from, to, nil)
}

// RPOPLPUSH source destination
func rpoplpushCommand(c *Client) { lmoveGeneric(c, false, true, nil) }

// lmoveGeneric pops from argv[1] and pushes to argv[2] (Redis's lmoveGenericCommand).
// rewrite, when not nil, is the command it propagates as (BLMOVE as LMOVE, BRPOPLPUSH
// as RPOPLPUSH).
func lmoveGeneric(c *Client, from, to bool, rewrite [][]byte) {
	src, dst := c.argv[1], c.argv[2]
	se, ok := c.getListWrite(src)
	if !ok {
		return
	}
	if se == nil {
		c.ReplyNull()
		return
	}
	de, ok := c.getListWrite(dst)
	if !ok {
		return
	}
	sl := listOf(se)
	var nb [20]byte
	v := entryBytes(listPop(sl, from), nb[:])
	c.lmoveHandlePush(dst, de, v, to)
	s, db := c.srv, c.db
	s.notifyKeyspace(NotifyList, popEvent(from), src, db.id)
	if sl.Len() == 0 {
		db.Delete(src)
		s.notifyKeyspace(NotifyGeneric, "del", src, db.id)
	}
	s.signalModified(db, src)
	s.dirty++
	if rewrite != nil {
		c.rewriteArgv(rewrite)
	}
}

// lmoveHandlePush pushes v to dst (creating the list when de is nil) and replies v
// (Redis's lmoveHandlePush). v may be the source list's pop buffer: pushing does not
// touch it.
func (c *Client) lmoveHandlePush(dst []byte, de *keyspace.Entry, v []byte, head bool) {
	var dl *listValue
	if de == nil {
		_, dl = c.addList(dst)
	} else {
		dl = listOf(de)
	}
	s := c.srv
	s.signalModified(c.db, dst)
	listPush(dl, v, head)
	s.notifyKeyspace(NotifyList, pushEvent(head), dst, c.db.id)
	c.ReplyBulk(v)
}

// --- blocking pops and moves -----------------------------------------------------------

// listBlock is what a client blocked in a list command waits to do (Data of its
// BlockSpec).
type listBlock struct {
	from, to  bool   // pop from the head (LEFT); push to the head (BLMOVE)
	count     int64  // BLMPOP's count; -1 for BLPOP/BRPOP's single element
	target    []byte // BLMOVE/BRPOPLPUSH destination (a copy), nil otherwise
	rpoplpush bool   // propagate as RPOPLPUSH rather than LMOVE
}

// BLPOP key [key ...] timeout
func blpopCommand(c *Client) {
	blockingPopGeneric(c, c.argv[1:len(c.argv)-1], true, len(c.argv)-1, -1)
}

// BRPOP key [key ...] timeout
func brpopCommand(c *Client) {
	blockingPopGeneric(c, c.argv[1:len(c.argv)-1], false, len(c.argv)-1, -1)
}

// blockingPopGeneric is Redis's blockingPopGenericCommand: pop from the first
// non-empty list among keys (propagated as LPOP/RPOP, with BLMPOP's count), or block.
func blockingPopGeneric(c *Client, keys [][]byte, head bool, timeoutIdx int, count int64) {
	deadline, ok := c.blockTimeoutArg(c.argv[timeoutIdx], true)
	if !ok {
		return
	}
	for _, key := range keys {
		e, ok := c.getListWrite(key)
		if !ok {
			return
		}
		if e == nil {
			continue
		}
		l := listOf(e)
		if count != -1 {
			n := min(count, int64(l.Len()))
			c.listPopRangeAndReplyWithKey(key, l, head, count)
			c.rewriteArgv([][]byte{popArg(head), key, strconv.AppendInt(nil, n, 10)})
			return
		}
		v := listPop(l, head)
		c.ReplyArray(2)
		c.ReplyBulk(key)
		c.replyListEntry(v)
		c.listElementsRemoved(key, head, l, 1)
		c.rewriteArgv([][]byte{popArg(head), key})
		return
	}
	if c.blockingDenied() {
		c.ReplyNullArray()
		return
	}
	c.srv.blockForKeys(c, &BlockSpec{
		Type:    BlockList,
		Keys:    keys,
		Timeout: deadline,
		Data:    &listBlock{from: head, count: count},
		Serve:   serveBlockedList,
	})
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
func blmoveCommand(c *Client) {
	from, ok := c.parseListSide(c.argv[3])
	if !ok {
		return
	}
	to, ok := c.parseListSide(c.argv[4])
	if !ok {
		return
	}
	deadline, ok := c.blockTimeoutArg(c.argv[5], true)
	if !ok {
		return
	}
	blmoveGeneric(c, from, to, deadline, false)
}

// BRPOPLPUSH source destination timeout
func brpoplpushCommand(c *Client) {
	deadline, ok := c.blockTimeoutArg(c.argv[3], true)
	if !ok {
		return
	}
	blmoveGeneric(c, false, true, deadline, true)
}

// blmoveGeneric is LMOVE when the source exists, otherwise it blocks.
func blmoveGeneric(c *Client, from, to bool, deadline int64, rpoplpush bool) {
	se, ok := c.getListWrite(c.argv[1])
	if !ok {
		return
	}
	if se != nil {
		var rewrite [][]byte
		if rpoplpush {
			rewrite = [][]byte{argRPOPLPUSH, c.argv[1], c.argv[2]}
		} else {
			rewrite = [][]byte{argLMOVE, c.argv[1], c.argv[2], c.argv[3], c.argv[4]}
		}
		lmoveGeneric(c, from, to, rewrite)
		return
	}
	if c.blockingDenied() {
		c.ReplyNull()
		return
	}
	c.srv.blockForKeys(c, &BlockSpec{
		Type:    BlockList,
		Keys:    c.argv[1:2],
		Timeout: deadline,
		Data: &listBlock{from: from, to: to, count: -1,
			target: append([]byte(nil), c.argv[2]...), rpoplpush: rpoplpush},
		Serve: serveBlockedList,
	})
}

// serveBlockedList serves c, blocked in a list command, from the list at key
// (Redis's serveClientBlockedOnList): it pops as the command says, replies,
// propagates the non-blocking equivalent and deletes an emptied list. Like Redis it
// does not count a BLPOP served this way as a change, nor signal the key modified
// again (the push that made it ready did).
func serveBlockedList(c *Client, key []byte, e *keyspace.Entry) bool {
	lb := c.blockData().(*listBlock)
	s, db := c.srv, c.db
	l := listOf(e)
	k := append([]byte(nil), key...) // the propagated copy outlives key
	switch {
	case lb.target == nil && lb.count != -1: // BLMPOP
		n := min(lb.count, int64(l.Len()))
		s.propagateArgs(db.id, popArg(lb.from), k, strconv.AppendInt(nil, n, 10))
		c.listPopRangeAndReplyWithKey(key, l, lb.from, lb.count)
		return true
	case lb.target == nil: // BLPOP, BRPOP
		s.propagateArgs(db.id, popArg(lb.from), k)
		v := listPop(l, lb.from)
		c.ReplyArray(2)
		c.ReplyBulk(key)
		c.replyListEntry(v)
		s.notifyKeyspace(NotifyList, popEvent(lb.from), key, db.id)
	default: // BLMOVE, BRPOPLPUSH
		de := db.LookupWrite(lb.target)
		if de != nil && metaType(de.Meta) != TypeList {
			c.ReplyError(ErrWrongType)
			break
		}
		var nb [20]byte
		v := entryBytes(listPop(l, lb.from), nb[:])
		c.lmoveHandlePush(lb.target, de, v, lb.to)
		if lb.rpoplpush {
			s.propagateArgs(db.id, argRPOPLPUSH, k, append([]byte(nil), lb.target...))
		} else {
			s.propagateArgs(db.id, argLMOVE, k, append([]byte(nil), lb.target...), sideArg(lb.from), sideArg(lb.to))
		}
		s.notifyKeyspace(NotifyList, popEvent(lb.from), key, db.id)
	}
	if l.Len() == 0 {
		db.Delete(key)
		s.notifyKeyspace(NotifyGeneric, "del", key, db.id)
	}
	return true
}
