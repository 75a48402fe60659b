package engine

// Stream commands (Redis's t_stream.c), part one: the stream itself (XADD, XRANGE,
// XREVRANGE, XLEN, XDEL, XTRIM, XREAD, XSETID, XINFO). Consumer groups are in
// streams_cg.go, blocking XREAD/XREADGROUP in streams_block.go, and the data
// structure in engine/stream.
//
// A stream key's Entry.Obj is a *streamObj, which embeds the stream; its encoding is
// always "stream". Replies, errors and propagation follow Redis 7.0: XADD propagates
// the ID it generated ("*" and "<ms>-*" become the actual ID) and approximate
// trimming ("~") as the exact trim it did ("=" with the resulting length or first
// ID), so replicas and the AOF end up with the same entries.
//
// For code outside these files (persistence: RDB_TYPE_STREAM_LISTPACKS_2, DUMP,
// AOF rewrite): streamOf(e) gives a stream key's *stream.Stream and addStream
// creates one. Writing: Stream.Nodes yields each node's master ID (the 16-byte
// big-endian key is ID.Key) and its listpack in Redis's exact bytes; Len,
// LastID, FirstID, MaxDeletedID and EntriesAdded are the metadata; Groups (name,
// LastID, EntriesRead), Group.PendingAll (ID, delivery time and count) and
// Group.Consumers (Name, SeenTime, Consumer.Pending IDs) the consumer groups;
// stream.Iterator walks entries for XADD-based AOF rewriting. Loading: AddNode
// per node (it validates, deeply under sanitize-dump-payload), SetLength and the
// metadata fields, CreateGroup, Group.LoadPending, Group.CreateConsumer with
// LoadConsumerPending, and Group.Orphans to reject a PEL entry no consumer owns.

import (
	"strconv"

	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/listpack"
	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/engine/stream"
)

// The specs (arity, flags, key specs, docs) are those Redis 7.0 reports in COMMAND
// INFO and COMMAND DOCS.
var streamCommands = []*Command{
	{Name: "xadd", Arity: -5, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatStream, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Notes: "UPDATE instead of INSERT because of the optional trimming feature", Flags: []string{"RW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "stream", Since: "5.0.0", Complexity: "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.",
		Summary: "Appends a new entry to a stream",
		Tips:    []string{"nondeterministic_output"},
		Doc: &CmdDoc{History: [][2]string{{"6.2.0", "Added the `NOMKSTREAM` option, `MINID` trimming strategy and the `LIMIT` option."}, {"7.0.0", "Added support for the `<ms>-*` explicit ID form."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "nomkstream", Type: "pure-token", Token: "NOMKSTREAM", Since: "6.2.0", Optional: true},
				{Name: "trim", Type: "block", Optional: true, Args: []Arg{
					{Name: "strategy", Type: "oneof", Args: []Arg{
						{Name: "maxlen", Type: "pure-token", Token: "MAXLEN"},
						{Name: "minid", Type: "pure-token", Token: "MINID", Since: "6.2.0"},
					}},
					{Name: "operator", Type: "oneof", Optional: true, Args: []Arg{
						{Name: "equal", Type: "pure-token", Token: "="},
						{Name: "approximately", Type: "pure-token", Token: "~"},
					}},
					{Name: "threshold", Type: "string"},
					{Name: "count", Type: "integer", Token: "LIMIT", Since: "6.2.0", Optional: true},
				}},
				{Name: "id_or_auto", Type: "oneof", Args: []Arg{
					{Name: "auto_id", Type: "pure-token", Token: "*"},
					{Name: "id", Type: "string"},
				}},
				{Name: "field_value", Type: "block", Multiple: true, Args: []Arg{
					{Name: "field", Type: "string"},
					{Name: "value", Type: "string"},
				}},
			}},
		Proc: xaddCommand},
	{Name: "xrange", Arity: -4, Flags: FlagReadonly, Cats: CatStream, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "stream", Since: "5.0.0", Complexity: "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
		Summary: "Return a range of elements in a stream, with IDs matching the specified IDs interval",
		Doc: &CmdDoc{History: [][2]string{{"6.2.0", "Added exclusive ranges."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "start", Type: "string"},
				{Name: "end", Type: "string"},
				{Name: "count", Type: "integer", Token: "COUNT", Optional: true},
			}},
		Proc: xrangeCommand},
	{Name: "xrevrange", Arity: -4, Flags: FlagReadonly, Cats: CatStream, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "stream", Since: "5.0.0", Complexity: "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
		Summary: "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE",
		Doc: &CmdDoc{History: [][2]string{{"6.2.0", "Added exclusive ranges."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "end", Type: "string"},
				{Name: "start", Type: "string"},
				{Name: "count", Type: "integer", Token: "COUNT", Optional: true},
			}},
		Proc: xrevrangeCommand},
	{Name: "xlen", Arity: 2, Flags: FlagReadonly | FlagFast, Cats: CatStream, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "stream", Since: "5.0.0", Complexity: "O(1)",
		Summary: "Return the number of entries in a stream",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: xlenCommand},
	{Name: "xdel", Arity: -3, Flags: FlagWrite | FlagFast, Cats: CatStream, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "stream", Since: "5.0.0", Complexity: "O(1) for each single item to delete in the stream, regardless of the stream size.",
		Summary: "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "id", Type: "string", Multiple: true},
		}},
		Proc: xdelCommand},
	{Name: "xtrim", Arity: -4, Flags: FlagWrite, Cats: CatStream, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "stream", Since: "5.0.0", Complexity: "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.",
		Summary: "Trims the stream to (approximately if '~' is passed) a certain size",
		Tips:    []string{"nondeterministic_output"},
		Doc: &CmdDoc{History: [][2]string{{"6.2.0", "Added the `MINID` trimming strategy and the `LIMIT` option."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "trim", Type: "block", Args: []Arg{
					{Name: "strategy", Type: "oneof", Args: []Arg{
						{Name: "maxlen", Type: "pure-token", Token: "MAXLEN"},
						{Name: "minid", Type: "pure-token", Token: "MINID", Since: "6.2.0"},
					}},
					{Name: "operator", Type: "oneof", Optional: true, Args: []Arg{
						{Name: "equal", Type: "pure-token", Token: "="},
						{Name: "approximately", Type: "pure-token", Token: "~"},
					}},
					{Name: "threshold", Type: "string"},
					{Name: "count", Type: "integer", Token: "LIMIT", Since: "6.2.0", Optional: true},
				}},
			}},
		Proc: xtrimCommand},
	{Name: "xread", Arity: -4, Flags: FlagReadonly | FlagBlocking, Cats: CatStream, Keys: xreadKeys,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Keyword: "STREAMS", StartFrom: 1, Range: true, LastKey: -1, KeyStep: 1, Limit: 2}},
		Group:    "stream", Since: "5.0.0", Complexity: "For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.",
		Summary: "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "count", Type: "integer", Token: "COUNT", Optional: true},
			{Name: "milliseconds", Type: "integer", Token: "BLOCK", Optional: true},
			{Name: "streams", Type: "block", Token: "STREAMS", Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
				{Name: "id", Type: "string", Multiple: true},
			}},
		}},
		Proc: xreadCommand},
	{Name: "xreadgroup", Arity: -7, Flags: FlagWrite | FlagBlocking, Cats: CatStream, Keys: xreadKeys,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Keyword: "STREAMS", StartFrom: 4, Range: true, LastKey: -1, KeyStep: 1, Limit: 2}},
		Group:    "stream", Since: "5.0.0", Complexity: "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.",
		Summary: "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "group_consumer", Type: "block", Token: "GROUP", Args: []Arg{
				{Name: "group", Type: "string"},
				{Name: "consumer", Type: "string"},
			}},
			{Name: "count", Type: "integer", Token: "COUNT", Optional: true},
			{Name: "milliseconds", Type: "integer", Token: "BLOCK", Optional: true},
			{Name: "noack", Type: "pure-token", Token: "NOACK", Optional: true},
			{Name: "streams", Type: "block", Token: "STREAMS", Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
				{Name: "id", Type: "string", Multiple: true},
			}},
		}},
		Proc: xreadgroupCommand},
	{Name: "xgroup", Arity: -2,
		Group: "stream", Since: "5.0.0", Complexity: "Depends on subcommand.",
		Summary: "A container for consumer groups commands",
		Subs: []*Command{
			{Name: "create", Arity: -5, Flags: FlagWrite | FlagDenyOOM, Cats: CatStream, FirstKey: 2, LastKey: 2, Step: 1,
				KeySpecs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
				Group:    "stream", Since: "5.0.0", Complexity: "O(1)",
				Summary: "Create a consumer group.",
				Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Added the `entries_read` named argument."}},
					Args: []Arg{
						{Name: "key", Type: "key", KeySpecIndex: 0},
						{Name: "groupname", Type: "string"},
						{Name: "id", Type: "oneof", Args: []Arg{
							{Name: "id", Type: "string"},
							{Name: "new_id", Type: "pure-token", Token: "$"},
						}},
						{Name: "mkstream", Type: "pure-token", Token: "MKSTREAM", Optional: true},
						{Name: "entries_read", Type: "integer", Token: "ENTRIESREAD", Optional: true},
					}},
				Proc: xgroupCommand},
			{Name: "createconsumer", Arity: 5, Flags: FlagWrite | FlagDenyOOM, Cats: CatStream, FirstKey: 2, LastKey: 2, Step: 1,
				KeySpecs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
				Group:    "stream", Since: "6.2.0", Complexity: "O(1)",
				Summary: "Create a consumer in a consumer group.",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "key", Type: "key", KeySpecIndex: 0},
					{Name: "groupname", Type: "string"},
					{Name: "consumername", Type: "string"},
				}},
				Proc: xgroupCommand},
			{Name: "delconsumer", Arity: 5, Flags: FlagWrite, Cats: CatStream, FirstKey: 2, LastKey: 2, Step: 1,
				KeySpecs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
				Group:    "stream", Since: "5.0.0", Complexity: "O(1)",
				Summary: "Delete a consumer from a consumer group.",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "key", Type: "key", KeySpecIndex: 0},
					{Name: "groupname", Type: "string"},
					{Name: "consumername", Type: "string"},
				}},
				Proc: xgroupCommand},
			{Name: "setid", Arity: -5, Flags: FlagWrite, Cats: CatStream, FirstKey: 2, LastKey: 2, Step: 1,
				KeySpecs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
				Group:    "stream", Since: "5.0.0", Complexity: "O(1)",
				Summary: "Set a consumer group to an arbitrary last delivered ID value.",
				Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Added the optional `entries_read` argument."}},
					Args: []Arg{
						{Name: "key", Type: "key", KeySpecIndex: 0},
						{Name: "groupname", Type: "string"},
						{Name: "id", Type: "oneof", Args: []Arg{
							{Name: "id", Type: "string"},
							{Name: "new_id", Type: "pure-token", Token: "$"},
						}},
						{Name: "entries_read", Type: "integer", Token: "ENTRIESREAD", Optional: true},
					}},
				Proc: xgroupCommand},
			{Name: "destroy", Arity: 4, Flags: FlagWrite, Cats: CatStream, FirstKey: 2, LastKey: 2, Step: 1,
				KeySpecs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
				Group:    "stream", Since: "5.0.0", Complexity: "O(N) where N is the number of entries in the group's pending entries list (PEL).",
				Summary: "Destroy a consumer group.",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "key", Type: "key", KeySpecIndex: 0},
					{Name: "groupname", Type: "string"},
				}},
				Proc: xgroupCommand},
			{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, Cats: CatStream,
				Group: "stream", Since: "5.0.0", Complexity: "O(1)",
				Summary: "Show helpful text about the different subcommands",
				Proc:    xgroupCommand},
		},
	},
	{Name: "xack", Arity: -4, Flags: FlagWrite | FlagFast, Cats: CatStream, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "stream", Since: "5.0.0", Complexity: "O(1) for each message ID processed.",
		Summary: "Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "group", Type: "string"},
			{Name: "id", Type: "string", Multiple: true},
		}},
		Proc: xackCommand},
	{Name: "xpending", Arity: -3, Flags: FlagReadonly, Cats: CatStream, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "stream", Since: "5.0.0", Complexity: "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.",
		Summary: "Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.",
		Tips:    []string{"nondeterministic_output"},
		Doc: &CmdDoc{History: [][2]string{{"6.2.0", "Added the `IDLE` option and exclusive range intervals."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "group", Type: "string"},
				{Name: "filters", Type: "block", Optional: true, Args: []Arg{
					{Name: "min-idle-time", Type: "integer", Token: "IDLE", Since: "6.2.0", Optional: true},
					{Name: "start", Type: "string"},
					{Name: "end", Type: "string"},
					{Name: "count", Type: "integer"},
					{Name: "consumer", Type: "string", Optional: true},
				}},
			}},
		Proc: xpendingCommand},
	{Name: "xclaim", Arity: -6, Flags: FlagWrite | FlagFast, Cats: CatStream, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "stream", Since: "5.0.0", Complexity: "O(log N) with N being the number of messages in the PEL of the consumer group.",
		Summary: "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.",
		Tips:    []string{"nondeterministic_output"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "group", Type: "string"},
			{Name: "consumer", Type: "string"},
			{Name: "min-idle-time", Type: "string"},
			{Name: "id", Type: "string", Multiple: true},
			{Name: "ms", Type: "integer", Token: "IDLE", Optional: true},
			{Name: "unix-time-milliseconds", Type: "unix-time", Token: "TIME", Optional: true},
			{Name: "count", Type: "integer", Token: "RETRYCOUNT", Optional: true},
			{Name: "force", Type: "pure-token", Token: "FORCE", Optional: true},
			{Name: "justid", Type: "pure-token", Token: "JUSTID", Optional: true},
			{Name: "id", Type: "string", Token: "LASTID", Optional: true},
		}},
		Proc: xclaimCommand},
	{Name: "xautoclaim", Arity: -6, Flags: FlagWrite | FlagFast, Cats: CatStream, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "stream", Since: "6.2.0", Complexity: "O(1) if COUNT is small.",
		Summary: "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.",
		Tips:    []string{"nondeterministic_output"},
		Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Added an element to the reply array, containing deleted entries the command cleared from the PEL"}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "group", Type: "string"},
				{Name: "consumer", Type: "string"},
				{Name: "min-idle-time", Type: "string"},
				{Name: "start", Type: "string"},
				{Name: "count", Type: "integer", Token: "COUNT", Optional: true},
				{Name: "justid", Type: "pure-token", Token: "JUSTID", Optional: true},
			}},
		Proc: xautoclaimCommand},
	{Name: "xinfo", Arity: -2,
		Group: "stream", Since: "5.0.0", Complexity: "Depends on subcommand.",
		Summary: "A container for stream introspection commands",
		Subs: []*Command{
			{Name: "stream", Arity: -3, Flags: FlagReadonly, Cats: CatStream, FirstKey: 2, LastKey: 2, Step: 1,
				KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
				Group:    "stream", Since: "5.0.0", Complexity: "O(1)",
				Summary: "Get information about a stream",
				Doc: &CmdDoc{History: [][2]string{{"6.0.0", "Added the `FULL` modifier."}, {"7.0.0", "Added the `max-deleted-entry-id`, `entries-added`, `recorded-first-entry-id`, `entries-read` and `lag` fields"}},
					Args: []Arg{
						{Name: "key", Type: "key", KeySpecIndex: 0},
						{Name: "full", Type: "block", Token: "FULL", Optional: true, Args: []Arg{
							{Name: "count", Type: "integer", Token: "COUNT", Optional: true},
						}},
					}},
				Proc: xinfoCommand},
			{Name: "groups", Arity: 3, Flags: FlagReadonly, Cats: CatStream, FirstKey: 2, LastKey: 2, Step: 1,
				KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
				Group:    "stream", Since: "5.0.0", Complexity: "O(1)",
				Summary: "List the consumer groups of a stream",
				Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Added the `entries-read` and `lag` fields"}},
					Args: []Arg{
						{Name: "key", Type: "key", KeySpecIndex: 0},
					}},
				Proc: xinfoCommand},
			{Name: "consumers", Arity: 4, Flags: FlagReadonly, Cats: CatStream, FirstKey: 2, LastKey: 2, Step: 1,
				KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
				Group:    "stream", Since: "5.0.0", Complexity: "O(1)",
				Summary: "List the consumers in a consumer group",
				Tips:    []string{"nondeterministic_output"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "key", Type: "key", KeySpecIndex: 0},
					{Name: "groupname", Type: "string"},
				}},
				Proc: xinfoCommand},
			{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, Cats: CatStream,
				Group: "stream", Since: "5.0.0", Complexity: "O(1)",
				Summary: "Show helpful text about the different subcommands",
				Proc:    xinfoCommand},
		},
	},
	{Name: "xsetid", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatStream, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "stream", Since: "5.0.0", Complexity: "O(1)",
		Summary: "An internal command for replicating stream values",
		Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Added the `entries_added` and `max_deleted_entry_id` arguments."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "last-id", Type: "string"},
				{Name: "entries_added", Type: "integer", Token: "ENTRIESADDED", Since: "7.0.0", Optional: true},
				{Name: "max_deleted_entry_id", Type: "string", Token: "MAXDELETEDID", Since: "7.0.0", Optional: true},
			}},
		Proc: xsetidCommand},
}

// streamObj is the value of a stream key.
type streamObj struct {
	stream.Stream
}

// CloneValue is COPY's deep copy.
func (o *streamObj) CloneValue() any { return &streamObj{*o.Stream.Clone()} }

// streamOf returns the stream of a stream key's entry.
func streamOf(e *keyspace.Entry) *stream.Stream { return &e.Obj.(*streamObj).Stream }

// addStream creates key holding an empty stream.
func addStream(db *DB, key []byte) *stream.Stream {
	e := db.Add(key, TypeStream, EncStream)
	o := &streamObj{}
	e.Obj = o
	return &o.Stream
}

// streamLimits are the node limits from the live config.
func (s *Server) streamLimits() stream.Limits {
	return stream.Limits{NodeMaxBytes: s.cfg.StreamNodeMaxBytes, NodeMaxEntries: s.cfg.StreamNodeMaxEntries}
}

// checkStream turns a looked-up entry into its stream: nil for a missing key, and
// ok=false after replying WRONGTYPE for another type (Redis's checkType).
func (c *Client) checkStream(e *keyspace.Entry) (s *stream.Stream, ok bool) {
	if e == nil {
		return nil, true
	}
	if metaType(e.Meta) != TypeStream {
		c.ReplyError(ErrWrongType)
		return nil, false
	}
	return streamOf(e), true
}

// Stream errors with Redis's wording.
const (
	errStreamID       = "ERR Invalid stream ID specified as stream command argument"
	errStreamIDSmall  = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
	errStreamIDZero   = "ERR The ID specified in XADD must be greater than 0-0"
	errStreamTooLarge = "ERR Elements are too large to be stored"
	errStreamStart    = "ERR invalid start ID for the interval"
	errStreamEnd      = "ERR invalid end ID for the interval"
)

// parseStreamID parses an ID argument, replying the error when it is invalid.
func (c *Client) parseStreamID(arg []byte, missingSeq uint64, strict bool) (stream.ID, bool) {
	mode := stream.ParseMode(0)
	if strict {
		mode = stream.Strict
	}
	id, _, ok := stream.ParseID(arg, missingSeq, mode)
	if !ok {
		c.ReplyError(errStreamID)
	}
	return id, ok
}

// parseIntervalID parses a range bound, where "(" makes it exclusive (then "-" and
// "+" are refused), as Redis's streamParseIntervalIDOrReply.
func (c *Client) parseIntervalID(arg []byte, missingSeq uint64) (id stream.ID, exclusive, ok bool) {
	if len(arg) > 1 && arg[0] == '(' {
		id, ok = c.parseStreamID(arg[1:], missingSeq, true)
		return id, true, ok
	}
	id, ok = c.parseStreamID(arg, missingSeq, false)
	return id, false, ok
}

// parseRangeStart parses a start bound: exclusive means the next ID.
func (c *Client) parseRangeStart(arg []byte) (stream.ID, bool) {
	id, ex, ok := c.parseIntervalID(arg, 0)
	if !ok {
		return id, false
	}
	if ex {
		if id, ok = id.Incr(); !ok {
			c.ReplyError(errStreamStart)
			return id, false
		}
	}
	return id, true
}

// parseRangeEnd parses an end bound: exclusive means the previous ID.
func (c *Client) parseRangeEnd(arg []byte) (stream.ID, bool) {
	id, ex, ok := c.parseIntervalID(arg, stream.MaxID.Seq)
	if !ok {
		return id, false
	}
	if ex {
		if id, ok = id.Decr(); !ok {
			c.ReplyError(errStreamEnd)
			return id, false
		}
	}
	return id, true
}

// --- replies --------------------------------------------------------------------------

// replyStreamID replies an ID as a bulk string "<ms>-<seq>".
func (c *Client) replyStreamID(id stream.ID) {
	var buf [48]byte
	c.out = resp.AppendBulk(c.out, id.AppendTo(buf[:0]))
}

// replyStreamElem replies a field or value.
func (c *Client) replyStreamElem(e listpack.Entry) {
	if e.IsInt {
		c.out = resp.AppendBulkInt(c.out, e.Int)
	} else {
		c.out = resp.AppendBulk(c.out, e.Str)
	}
}

// replyStreamEntry replies the entry the iterator is at: [id, [f1, v1, ...]].
func (c *Client) replyStreamEntry(it *stream.Iterator, id stream.ID, n int64) {
	c.out = resp.AppendArray(c.out, 2)
	c.replyStreamID(id)
	c.out = resp.AppendArray(c.out, int(2*n))
	for ; n > 0; n-- {
		f, v := it.Field()
		c.replyStreamElem(f)
		c.replyStreamElem(v)
	}
}

// streamDeferred is where an aggregate header will go once its length is known
// (Redis's addReplyDeferredLen).
type streamDeferred int

func (c *Client) deferLen() streamDeferred { return streamDeferred(len(c.out)) }

// setDeferred inserts the header of an aggregate of n elements (an array, or a map
// of n pairs with isMap) at the position d, in front of the elements written since.
func (c *Client) setDeferred(d streamDeferred, n int, isMap bool) {
	var hb [24]byte
	var h []byte
	if isMap {
		h = resp.AppendMap(hb[:0], n, c.proto)
	} else {
		h = resp.AppendArray(hb[:0], n)
	}
	c.insertAt(int(d), h)
}

// insertAt inserts b into the reply at position pos.
func (c *Client) insertAt(pos int, b []byte) {
	c.out = append(c.out, b...)
	copy(c.out[pos+len(b):], c.out[pos:len(c.out)-len(b)])
	copy(c.out[pos:], b)
}

// replyStreamRange replies the entries of s in [start, end] (at most count, 0: all)
// and returns how many it sent (streamReplyWithRange without a group). With raw,
// only the entries are written, without the array header.
func (c *Client) replyStreamRange(s *stream.Stream, start, end stream.ID, count int64, rev, raw bool) int64 {
	var d streamDeferred
	if !raw {
		d = c.deferLen()
	}
	var it stream.Iterator
	it.Start(s, start, end, rev)
	var sent int64
	for id, n, ok := it.Next(); ok; id, n, ok = it.Next() {
		c.replyStreamEntry(&it, id, n)
		sent++
		if sent == count {
			break
		}
	}
	if !raw {
		c.setDeferred(d, int(sent), false)
	}
	return sent
}

// --- XADD and XTRIM -----------------------------------------------------------------

// addTrimArgs are the parsed options of XADD and XTRIM.
type addTrimArgs struct {
	trim       stream.TrimArgs
	trimIdx    int // argv index of the MAXLEN/MINID threshold (for the rewrite)
	id         stream.ID
	idGiven    bool // an ID other than "*"
	seqGiven   bool // not "<ms>-*"
	noMkStream bool // NOMKSTREAM
}

// parseAddTrimArgs parses the options of XADD (xadd) or XTRIM, replying on error,
// and returns the index of XADD's ID argument, or -1 after an error (Redis's
// streamParseAddOrTrimArgsOrReply).
func (c *Client) parseAddTrimArgs(a *addTrimArgs, xadd bool) int {
	argv := c.argv
	a.seqGiven = true
	limitGiven := false
	i := 2
	for ; i < len(argv); i++ {
		more := len(argv) - 1 - i
		opt := argv[i]
		switch {
		case xadd && len(opt) == 1 && opt[0] == '*':
			// Auto ID: the fast path of the common case.
			return c.finishAddTrimArgs(a, xadd, limitGiven, i)
		case eqFold(opt, "maxlen") && more > 0, eqFold(opt, "minid") && more > 0:
			if a.trim.Strategy != stream.TrimNone {
				c.ReplyError("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
				return -1
			}
			maxlen := eqFold(opt, "maxlen")
			a.trim.Approx = false
			if next := argv[i+1]; more >= 2 && len(next) == 1 && (next[0] == '~' || next[0] == '=') {
				a.trim.Approx = next[0] == '~'
				i++
			}
			if maxlen {
				n, ok := parseInt(argv[i+1])
				if !ok {
					c.ReplyError(ErrNotInt)
					return -1
				}
				if n < 0 {
					c.ReplyError("ERR The MAXLEN argument must be >= 0.")
					return -1
				}
				a.trim.MaxLen = n
				a.trim.Strategy = stream.TrimMaxLen
			} else {
				id, ok := c.parseStreamID(argv[i+1], 0, true)
				if !ok {
					return -1
				}
				a.trim.MinID = id
				a.trim.Strategy = stream.TrimMinID
			}
			i++
			a.trimIdx = i
		case eqFold(opt, "limit") && more > 0:
			n, ok := parseInt(argv[i+1])
			if !ok {
				c.ReplyError(ErrNotInt)
				return -1
			}
			if n < 0 {
				c.ReplyError("ERR The LIMIT argument must be >= 0.")
				return -1
			}
			a.trim.Limit = n
			limitGiven = true
			i++
		case xadd && eqFold(opt, "nomkstream"):
			a.noMkStream = true
		case xadd:
			// The ID (or a syntax error that parses as an invalid ID).
			id, seqGiven, ok := stream.ParseID(opt, 0, stream.Strict|stream.SeqStar)
			if !ok {
				c.ReplyError(errStreamID)
				return -1
			}
			a.id, a.seqGiven, a.idGiven = id, seqGiven, true
			return c.finishAddTrimArgs(a, xadd, limitGiven, i)
		default:
			c.ReplyError(ErrSyntax)
			return -1
		}
	}
	return c.finishAddTrimArgs(a, xadd, limitGiven, i)
}

// finishAddTrimArgs checks the option combinations and sets the default LIMIT of
// approximate trimming.
func (c *Client) finishAddTrimArgs(a *addTrimArgs, xadd, limitGiven bool, i int) int {
	if a.trim.Limit != 0 && a.trim.Strategy == stream.TrimNone {
		c.ReplyError("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
		return -1
	}
	if !xadd && a.trim.Strategy == stream.TrimNone {
		c.ReplyError("ERR syntax error, XTRIM must be called with a trimming strategy")
		return -1
	}
	if limitGiven {
		if !a.trim.Approx {
			if !c.mustObey() {
				c.ReplyError("ERR syntax error, LIMIT cannot be used without the special ~ option")
				return -1
			}
			// The AOF and the master send the exact trim that an approximate one
			// with LIMIT did, LIMIT kept (trimRewrite): it must do the same here,
			// whatever the node sizes, so LIMIT is dropped as Redis drops it.
			a.trim.Limit = 0
		}
	} else if a.trim.Approx {
		// Bound the work of "~": at most 100 nodes' worth of entries.
		l := 100 * c.srv.cfg.StreamNodeMaxEntries
		if l <= 0 || l/100 != c.srv.cfg.StreamNodeMaxEntries {
			l = 10000
		}
		a.trim.Limit = min(l, 1000000)
	} else {
		a.trim.Limit = 0
	}
	return i
}

// mustObey reports whether c is the AOF loader (the client of id -1, aof_load.go) or
// our master: their commands were checked where they first ran and are applied as
// sent (Redis's mustObeyClient).
func (c *Client) mustObey() bool {
	return c.id == -1 || c == c.srv.replica.master
}

// trimRewrite returns argv with an approximate trim rewritten as the exact trim
// that happened: "~" becomes "=" and the threshold the resulting length (MAXLEN) or
// first ID, tombstones included (MINID), as Redis's streamRewriteTrimArgument.
func trimRewrite(argv [][]byte, a *addTrimArgs, s *stream.Stream) [][]byte {
	out := append([][]byte(nil), argv...)
	out[a.trimIdx-1] = argEquals
	if a.trim.Strategy == stream.TrimMaxLen {
		out[a.trimIdx] = strconv.AppendUint(nil, s.Len(), 10)
	} else {
		out[a.trimIdx] = s.EdgeID(true, false).AppendTo(nil)
	}
	return out
}

var argEquals = []byte("=")

// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]
func xaddCommand(c *Client) {
	var a addTrimArgs
	idpos := c.parseAddTrimArgs(&a, true)
	if idpos < 0 {
		return
	}
	argv := c.argv
	fieldPos := idpos + 1
	if n := len(argv) - fieldPos; n < 2 || n%2 == 1 {
		c.ReplyArityError()
		return
	}
	// Refuse 0-0 before creating the key, which would otherwise stay empty.
	if a.idGiven && a.seqGiven && a.id.IsZero() {
		c.ReplyError(errStreamIDZero)
		return
	}
	key := argv[1]
	db := c.db
	e := db.LookupWrite(key)
	s, ok := c.checkStream(e)
	if !ok {
		return
	}
	if s == nil {
		if a.noMkStream {
			c.ReplyNull()
			return
		}
		s = addStream(db, key)
	}
	if s.LastID == stream.MaxID {
		c.ReplyError("ERR The stream has exhausted the last possible ID, unable to add more items")
		return
	}
	var idp *stream.ID
	if a.idGiven {
		idp = &a.id
	}
	id, err := s.Add(argv[fieldPos:], idp, a.seqGiven, c.srv.nowMs, c.srv.streamLimits())
	switch err {
	case nil:
	case stream.ErrIDTooSmall:
		c.ReplyError(errStreamIDSmall)
		return
	default:
		// Redis replies this also for "<ms>-*" past the last sequence, where its
		// errno is stale.
		c.ReplyError(errStreamTooLarge)
		return
	}
	c.replyStreamID(id)
	c.srv.signalModified(db, key)
	c.srv.notifyKeyspace(NotifyStream, "xadd", key, db.id)
	c.srv.dirty++

	var prop [][]byte
	propagating := c.srv.propagate != nil // the rewrites below only matter then
	if a.trim.Strategy != stream.TrimNone {
		if s.Trim(a.trim) > 0 {
			c.srv.notifyKeyspace(NotifyStream, "xtrim", key, db.id)
		}
		if a.trim.Approx && propagating {
			prop = trimRewrite(argv, &a, s)
		}
	}
	if (!a.idGiven || !a.seqGiven) && propagating {
		if prop == nil {
			prop = append([][]byte(nil), argv...)
		}
		prop[idpos] = id.AppendTo(nil)
	}
	if prop != nil {
		c.rewriteArgv(prop)
	}
	c.srv.signalStreamReady(db, key)
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
func xtrimCommand(c *Client) {
	var a addTrimArgs
	if c.parseAddTrimArgs(&a, false) < 0 {
		return
	}
	key := c.argv[1]
	db := c.db
	s, ok := c.checkStream(db.LookupWrite(key))
	if !ok {
		return
	}
	if s == nil {
		c.ReplyInt(0)
		return
	}
	n := s.Trim(a.trim)
	if n > 0 {
		c.srv.notifyKeyspace(NotifyStream, "xtrim", key, db.id)
		if a.trim.Approx {
			c.rewriteArgv(trimRewrite(c.argv, &a, s))
		}
		c.srv.signalModified(db, key)
		c.srv.dirty += n
	}
	c.ReplyInt(n)
}

// --- XRANGE, XREVRANGE, XLEN ----------------------------------------------------------

// XRANGE key start end [COUNT count]
func xrangeCommand(c *Client) { c.xrangeGeneric(false) }

// XREVRANGE key end start [COUNT count]
func xrevrangeCommand(c *Client) { c.xrangeGeneric(true) }

func (c *Client) xrangeGeneric(rev bool) {
	argv := c.argv
	startArg, endArg := argv[2], argv[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	start, ok := c.parseRangeStart(startArg)
	if !ok {
		return
	}
	end, ok := c.parseRangeEnd(endArg)
	if !ok {
		return
	}
	count := int64(-1)
	for j := 4; j < len(argv); j++ {
		if eqFold(argv[j], "count") && j+1 < len(argv) {
			n, ok := parseInt(argv[j+1])
			if !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			count = max(n, 0)
			j++
		} else {
			c.ReplyError(ErrSyntax)
			return
		}
	}
	e := c.db.LookupRead(argv[1])
	if e == nil {
		c.ReplyArray(0)
		return
	}
	s, ok := c.checkStream(e)
	if !ok {
		return
	}
	if count == 0 {
		c.ReplyNullArray()
		return
	}
	c.replyStreamRange(s, start, end, max(count, 0), rev, false)
}

// XLEN key
func xlenCommand(c *Client) {
	e := c.db.LookupRead(c.argv[1])
	if e == nil {
		c.ReplyInt(0)
		return
	}
	if s, ok := c.checkStream(e); ok {
		c.ReplyInt(int64(s.Len()))
	}
}

// --- XDEL ---------------------------------------------------------------------------

// XDEL key id [id ...]
func xdelCommand(c *Client) {
	argv := c.argv
	key := argv[1]
	db := c.db
	e := db.LookupWrite(key)
	if e == nil {
		c.ReplyInt(0)
		return
	}
	s, ok := c.checkStream(e)
	if !ok {
		return
	}
	// Parse every ID first: a bad one must not leave the command half done.
	var small [8]stream.ID
	ids := small[:0]
	for _, arg := range argv[2:] {
		id, ok := c.parseStreamID(arg, 0, true)
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	deleted := int64(0)
	firstDeleted := false
	for _, id := range ids {
		if !s.Delete(id) {
			continue
		}
		if id == s.FirstID {
			firstDeleted = true
		}
		if s.MaxDeletedID.Less(id) {
			s.MaxDeletedID = id
		}
		deleted++
	}
	if deleted > 0 {
		if s.Len() == 0 {
			s.FirstID = stream.ID{}
		} else if firstDeleted {
			s.FirstID = s.EdgeID(true, true)
		}
		c.srv.signalModified(db, key)
		c.srv.notifyKeyspace(NotifyStream, "xdel", key, db.id)
		c.srv.dirty += deleted
	}
	c.ReplyInt(deleted)
}

// --- XSETID -------------------------------------------------------------------------

// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
func xsetidCommand(c *Client) {
	argv := c.argv
	id, ok := c.parseStreamID(argv[2], 0, true)
	if !ok {
		return
	}
	entriesAdded := int64(-1)
	var maxDel stream.ID
	for i := 3; i < len(argv); i++ {
		more := len(argv) - 1 - i
		switch {
		case eqFold(argv[i], "entriesadded") && more > 0:
			n, ok := parseInt(argv[i+1])
			if !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			if n < 0 {
				c.ReplyError("ERR entries_added must be positive")
				return
			}
			entriesAdded = n
			i++
		case eqFold(argv[i], "maxdeletedid") && more > 0:
			if maxDel, ok = c.parseStreamID(argv[i+1], 0, true); !ok {
				return
			}
			if id.Less(maxDel) {
				c.ReplyError("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
				return
			}
			i++
		default:
			c.ReplyError(ErrSyntax)
			return
		}
	}
	key := argv[1]
	e := c.db.LookupWrite(key)
	if e == nil {
		c.ReplyError(ErrNoSuchKey)
		return
	}
	s, ok := c.checkStream(e)
	if !ok {
		return
	}
	if s.Len() > 0 {
		if id.Less(s.LastValidID()) {
			c.ReplyError("ERR The ID specified in XSETID is smaller than the target stream top item")
			return
		}
		if entriesAdded != -1 && s.Len() > uint64(entriesAdded) {
			c.ReplyError("ERR The entries_added specified in XSETID is smaller than the target stream length")
			return
		}
	}
	s.LastID = id
	if entriesAdded != -1 {
		s.EntriesAdded = uint64(entriesAdded)
	}
	if !maxDel.IsZero() {
		s.MaxDeletedID = maxDel
	}
	c.ReplyOK()
	c.srv.dirty++
	c.srv.notifyKeyspace(NotifyStream, "xsetid", key, c.db.id)
}
