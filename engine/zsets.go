package engine

// Sorted set commands (Redis 7.0's t_zset.c). The value type, its encodings and the
// parsing of scores and ranges are in zsets_type.go; the range commands (ZRANGE and
// its variants, ZRANGESTORE, ZREMRANGEBY*) in zsets_range.go; ZUNION, ZINTER, ZDIFF,
// their STORE forms and ZINTERCARD in zsets_setops.go; the pops, blocking pops,
// ZRANDMEMBER and ZSCAN in zsets_pop.go.
//
// Replies follow Redis 7.0: scores are doubles ("%.17g", RESP3 doubles); WITHSCORES
// is a flat array in RESP2 and an array of [member, score] pairs in RESP3. Events:
// zadd, zincr, zrem, zremrangebyrank/score/lex, zpopmin/zpopmax, zunionstore,
// zinterstore, zdiffstore, zrangestore, and del when a set empties. Propagation:
// commands propagate as sent (they are deterministic), except ZMPOP and the blocking
// pops, which propagate as ZPOPMIN/ZPOPMAX (with a COUNT where Redis adds one).

import (
	"strconv"

	"github.com/keygrid/keygrid/engine/skiplist"
)

// The specs (arity, flags, key specs, docs) are those Redis 7.0 reports in COMMAND
// INFO and COMMAND DOCS.
var zsetCommands = []*Command{
	{Name: "zadd", Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "1.2.0", Complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
		Summary: "Add one or more members to a sorted set, or update its score if it already exists",
		Doc: &CmdDoc{History: [][2]string{{"2.4.0", "Accepts multiple elements."}, {"3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."}, {"6.2.0", "Added the `GT` and `LT` options."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "condition", Type: "oneof", Since: "3.0.2", Optional: true, Args: []Arg{
					{Name: "nx", Type: "pure-token", Token: "NX"},
					{Name: "xx", Type: "pure-token", Token: "XX"},
				}},
				{Name: "comparison", Type: "oneof", Since: "6.2.0", Optional: true, Args: []Arg{
					{Name: "gt", Type: "pure-token", Token: "GT"},
					{Name: "lt", Type: "pure-token", Token: "LT"},
				}},
				{Name: "change", Type: "pure-token", Token: "CH", Since: "3.0.2", Optional: true},
				{Name: "increment", Type: "pure-token", Token: "INCR", Since: "3.0.2", Optional: true},
				{Name: "score_member", Type: "block", Multiple: true, Args: []Arg{
					{Name: "score", Type: "double"},
					{Name: "member", Type: "string"},
				}},
			}},
		Proc: zaddCommand},
	{Name: "zincrby", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "1.2.0", Complexity: "O(log(N)) where N is the number of elements in the sorted set.",
		Summary: "Increment the score of a member in a sorted set",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "increment", Type: "integer"},
			{Name: "member", Type: "string"},
		}},
		Proc: zincrbyCommand},
	{Name: "zrem", Arity: -3, Flags: FlagWrite | FlagFast, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "1.2.0", Complexity: "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
		Summary: "Remove one or more members from a sorted set",
		Doc: &CmdDoc{History: [][2]string{{"2.4.0", "Accepts multiple elements."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "member", Type: "string", Multiple: true},
			}},
		Proc: zremCommand},
	{Name: "zcard", Arity: 2, Flags: FlagReadonly | FlagFast, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "1.2.0", Complexity: "O(1)",
		Summary: "Get the number of members in a sorted set",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: zcardCommand},
	{Name: "zscore", Arity: 3, Flags: FlagReadonly | FlagFast, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "1.2.0", Complexity: "O(1)",
		Summary: "Get the score associated with the given member in a sorted set",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "member", Type: "string"},
		}},
		Proc: zscoreCommand},
	{Name: "zmscore", Arity: -3, Flags: FlagReadonly | FlagFast, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "6.2.0", Complexity: "O(N) where N is the number of members being requested.",
		Summary: "Get the score associated with the given members in a sorted set",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "member", Type: "string", Multiple: true},
		}},
		Proc: zmscoreCommand},
	{Name: "zrank", Arity: 3, Flags: FlagReadonly | FlagFast, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "2.0.0", Complexity: "O(log(N))",
		Summary: "Determine the index of a member in a sorted set",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "member", Type: "string"},
		}},
		Proc: zrankCommand},
	{Name: "zrevrank", Arity: 3, Flags: FlagReadonly | FlagFast, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "2.0.0", Complexity: "O(log(N))",
		Summary: "Determine the index of a member in a sorted set, with scores ordered from high to low",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "member", Type: "string"},
		}},
		Proc: zrevrankCommand},
	{Name: "zcount", Arity: 4, Flags: FlagReadonly | FlagFast, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "2.0.0", Complexity: "O(log(N)) with N being the number of elements in the sorted set.",
		Summary: "Count the members in a sorted set with scores within the given values",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "min", Type: "double"},
			{Name: "max", Type: "double"},
		}},
		Proc: zcountCommand},
	{Name: "zlexcount", Arity: 4, Flags: FlagReadonly | FlagFast, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "2.8.9", Complexity: "O(log(N)) with N being the number of elements in the sorted set.",
		Summary: "Count the number of members in a sorted set between a given lexicographical range",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "min", Type: "string"},
			{Name: "max", Type: "string"},
		}},
		Proc: zlexcountCommand},
	{Name: "zrange", Arity: -4, Flags: FlagReadonly, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "1.2.0", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
		Summary: "Return a range of members in a sorted set",
		Doc: &CmdDoc{History: [][2]string{{"6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "start", Type: "string"},
				{Name: "stop", Type: "string"},
				{Name: "sortby", Type: "oneof", Since: "6.2.0", Optional: true, Args: []Arg{
					{Name: "byscore", Type: "pure-token", Token: "BYSCORE"},
					{Name: "bylex", Type: "pure-token", Token: "BYLEX"},
				}},
				{Name: "rev", Type: "pure-token", Token: "REV", Since: "6.2.0", Optional: true},
				{Name: "offset_count", Type: "block", Token: "LIMIT", Since: "6.2.0", Optional: true, Args: []Arg{
					{Name: "offset", Type: "integer"},
					{Name: "count", Type: "integer"},
				}},
				{Name: "withscores", Type: "pure-token", Token: "WITHSCORES", Optional: true},
			}},
		Proc: zrangeCommand},
	{Name: "zrangestore", Arity: -5, Flags: FlagWrite | FlagDenyOOM, Cats: CatSortedSet, FirstKey: 1, LastKey: 2, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}, {Flags: []string{"RO", "access"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "6.2.0", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
		Summary: "Store a range of members from sorted set into another key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "dst", Type: "key", KeySpecIndex: 0},
			{Name: "src", Type: "key", KeySpecIndex: 1},
			{Name: "min", Type: "string"},
			{Name: "max", Type: "string"},
			{Name: "sortby", Type: "oneof", Optional: true, Args: []Arg{
				{Name: "byscore", Type: "pure-token", Token: "BYSCORE"},
				{Name: "bylex", Type: "pure-token", Token: "BYLEX"},
			}},
			{Name: "rev", Type: "pure-token", Token: "REV", Optional: true},
			{Name: "offset_count", Type: "block", Token: "LIMIT", Optional: true, Args: []Arg{
				{Name: "offset", Type: "integer"},
				{Name: "count", Type: "integer"},
			}},
		}},
		Proc: zrangestoreCommand},
	{Name: "zrangebyscore", Arity: -4, Flags: FlagReadonly, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "1.0.5", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
		Summary: "Return a range of members in a sorted set, by score",
		Doc: &CmdDoc{History: [][2]string{{"2.0.0", "Added the `WITHSCORES` modifier."}},
			Flags:           []string{"deprecated"},
			DeprecatedSince: "6.2.0",
			ReplacedBy:      "`ZRANGE` with the `BYSCORE` argument",
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "min", Type: "double"},
				{Name: "max", Type: "double"},
				{Name: "withscores", Type: "pure-token", Token: "WITHSCORES", Since: "2.0.0", Optional: true},
				{Name: "offset_count", Type: "block", Token: "LIMIT", Optional: true, Args: []Arg{
					{Name: "offset", Type: "integer"},
					{Name: "count", Type: "integer"},
				}},
			}},
		Proc: zrangebyscoreCommand},
	{Name: "zrevrangebyscore", Arity: -4, Flags: FlagReadonly, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "2.2.0", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
		Summary: "Return a range of members in a sorted set, by score, with scores ordered from high to low",
		Doc: &CmdDoc{History: [][2]string{{"2.1.6", "`min` and `max` can be exclusive."}},
			Flags:           []string{"deprecated"},
			DeprecatedSince: "6.2.0",
			ReplacedBy:      "`ZRANGE` with the `REV` and `BYSCORE` arguments",
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "max", Type: "double"},
				{Name: "min", Type: "double"},
				{Name: "withscores", Type: "pure-token", Token: "WITHSCORES", Optional: true},
				{Name: "offset_count", Type: "block", Token: "LIMIT", Optional: true, Args: []Arg{
					{Name: "offset", Type: "integer"},
					{Name: "count", Type: "integer"},
				}},
			}},
		Proc: zrevrangebyscoreCommand},
	{Name: "zrangebylex", Arity: -4, Flags: FlagReadonly, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "2.8.9", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
		Summary: "Return a range of members in a sorted set, by lexicographical range",
		Doc: &CmdDoc{Flags: []string{"deprecated"},
			DeprecatedSince: "6.2.0",
			ReplacedBy:      "`ZRANGE` with the `BYLEX` argument",
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "min", Type: "string"},
				{Name: "max", Type: "string"},
				{Name: "offset_count", Type: "block", Token: "LIMIT", Optional: true, Args: []Arg{
					{Name: "offset", Type: "integer"},
					{Name: "count", Type: "integer"},
				}},
			}},
		Proc: zrangebylexCommand},
	{Name: "zrevrangebylex", Arity: -4, Flags: FlagReadonly, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "2.8.9", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
		Summary: "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
		Doc: &CmdDoc{Flags: []string{"deprecated"},
			DeprecatedSince: "6.2.0",
			ReplacedBy:      "`ZRANGE` with the `REV` and `BYLEX` arguments",
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "max", Type: "string"},
				{Name: "min", Type: "string"},
				{Name: "offset_count", Type: "block", Token: "LIMIT", Optional: true, Args: []Arg{
					{Name: "offset", Type: "integer"},
					{Name: "count", Type: "integer"},
				}},
			}},
		Proc: zrevrangebylexCommand},
	{Name: "zrevrange", Arity: -4, Flags: FlagReadonly, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "1.2.0", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
		Summary: "Return a range of members in a sorted set, by index, with scores ordered from high to low",
		Doc: &CmdDoc{Flags: []string{"deprecated"},
			DeprecatedSince: "6.2.0",
			ReplacedBy:      "`ZRANGE` with the `REV` argument",
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "start", Type: "integer"},
				{Name: "stop", Type: "integer"},
				{Name: "withscores", Type: "pure-token", Token: "WITHSCORES", Optional: true},
			}},
		Proc: zrevrangeCommand},
	{Name: "zremrangebyrank", Arity: 4, Flags: FlagWrite, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "2.0.0", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
		Summary: "Remove all members in a sorted set within the given indexes",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "start", Type: "integer"},
			{Name: "stop", Type: "integer"},
		}},
		Proc: zremrangebyrankCommand},
	{Name: "zremrangebyscore", Arity: 4, Flags: FlagWrite, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "1.2.0", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
		Summary: "Remove all members in a sorted set within the given scores",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "min", Type: "double"},
			{Name: "max", Type: "double"},
		}},
		Proc: zremrangebyscoreCommand},
	{Name: "zremrangebylex", Arity: 4, Flags: FlagWrite, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "2.8.9", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
		Summary: "Remove all members in a sorted set between the given lexicographical range",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "min", Type: "string"},
			{Name: "max", Type: "string"},
		}},
		Proc: zremrangebylexCommand},
	{Name: "zpopmin", Arity: -2, Flags: FlagWrite | FlagFast, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "5.0.0", Complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
		Summary: "Remove and return members with the lowest scores in a sorted set",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "count", Type: "integer", Optional: true},
		}},
		Proc: zpopminCommand},
	{Name: "zpopmax", Arity: -2, Flags: FlagWrite | FlagFast, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "5.0.0", Complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
		Summary: "Remove and return members with the highest scores in a sorted set",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "count", Type: "integer", Optional: true},
		}},
		Proc: zpopmaxCommand},
	{Name: "zmpop", Arity: -4, Flags: FlagWrite, Cats: CatSortedSet, FirstKey: 0, LastKey: 0, Step: 0,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}},
		Group:    "sorted-set", Since: "7.0.0", Complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
		Summary: "Remove and return members with scores in a sorted set",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "numkeys", Type: "integer"},
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
			{Name: "where", Type: "oneof", Args: []Arg{
				{Name: "min", Type: "pure-token", Token: "MIN"},
				{Name: "max", Type: "pure-token", Token: "MAX"},
			}},
			{Name: "count", Type: "integer", Token: "COUNT", Optional: true},
		}},
		Keys: znumkeysGetKeys,
		Proc: zmpopCommand},
	{Name: "zunion", Arity: -3, Flags: FlagReadonly, Cats: CatSortedSet, FirstKey: 0, LastKey: 0, Step: 0,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}},
		Group:    "sorted-set", Since: "6.2.0", Complexity: "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
		Summary: "Add multiple sorted sets",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "numkeys", Type: "integer"},
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
			{Name: "weight", Type: "integer", Token: "WEIGHTS", Optional: true, Multiple: true},
			{Name: "aggregate", Type: "oneof", Token: "AGGREGATE", Optional: true, Args: []Arg{
				{Name: "sum", Type: "pure-token", Token: "SUM"},
				{Name: "min", Type: "pure-token", Token: "MIN"},
				{Name: "max", Type: "pure-token", Token: "MAX"},
			}},
			{Name: "withscores", Type: "pure-token", Token: "WITHSCORES", Optional: true},
		}},
		Keys: znumkeysGetKeys,
		Proc: zunionCommand},
	{Name: "zinter", Arity: -3, Flags: FlagReadonly, Cats: CatSortedSet, FirstKey: 0, LastKey: 0, Step: 0,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}},
		Group:    "sorted-set", Since: "6.2.0", Complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
		Summary: "Intersect multiple sorted sets",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "numkeys", Type: "integer"},
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
			{Name: "weight", Type: "integer", Token: "WEIGHTS", Optional: true, Multiple: true},
			{Name: "aggregate", Type: "oneof", Token: "AGGREGATE", Optional: true, Args: []Arg{
				{Name: "sum", Type: "pure-token", Token: "SUM"},
				{Name: "min", Type: "pure-token", Token: "MIN"},
				{Name: "max", Type: "pure-token", Token: "MAX"},
			}},
			{Name: "withscores", Type: "pure-token", Token: "WITHSCORES", Optional: true},
		}},
		Keys: znumkeysGetKeys,
		Proc: zinterCommand},
	{Name: "zdiff", Arity: -3, Flags: FlagReadonly, Cats: CatSortedSet, FirstKey: 0, LastKey: 0, Step: 0,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}},
		Group:    "sorted-set", Since: "6.2.0", Complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
		Summary: "Subtract multiple sorted sets",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "numkeys", Type: "integer"},
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
			{Name: "withscores", Type: "pure-token", Token: "WITHSCORES", Optional: true},
		}},
		Keys: znumkeysGetKeys,
		Proc: zdiffCommand},
	{Name: "zunionstore", Arity: -4, Flags: FlagWrite | FlagDenyOOM, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}, {Flags: []string{"RO", "access"}, Index: 2, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}},
		Group:    "sorted-set", Since: "2.0.0", Complexity: "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
		Summary: "Add multiple sorted sets and store the resulting sorted set in a new key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "destination", Type: "key", KeySpecIndex: 0},
			{Name: "numkeys", Type: "integer"},
			{Name: "key", Type: "key", KeySpecIndex: 1, Multiple: true},
			{Name: "weight", Type: "integer", Token: "WEIGHTS", Optional: true, Multiple: true},
			{Name: "aggregate", Type: "oneof", Token: "AGGREGATE", Optional: true, Args: []Arg{
				{Name: "sum", Type: "pure-token", Token: "SUM"},
				{Name: "min", Type: "pure-token", Token: "MIN"},
				{Name: "max", Type: "pure-token", Token: "MAX"},
			}},
		}},
		Keys: zstoreGetKeys,
		Proc: zunionstoreCommand},
	{Name: "zinterstore", Arity: -4, Flags: FlagWrite | FlagDenyOOM, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}, {Flags: []string{"RO", "access"}, Index: 2, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}},
		Group:    "sorted-set", Since: "2.0.0", Complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
		Summary: "Intersect multiple sorted sets and store the resulting sorted set in a new key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "destination", Type: "key", KeySpecIndex: 0},
			{Name: "numkeys", Type: "integer"},
			{Name: "key", Type: "key", KeySpecIndex: 1, Multiple: true},
			{Name: "weight", Type: "integer", Token: "WEIGHTS", Optional: true, Multiple: true},
			{Name: "aggregate", Type: "oneof", Token: "AGGREGATE", Optional: true, Args: []Arg{
				{Name: "sum", Type: "pure-token", Token: "SUM"},
				{Name: "min", Type: "pure-token", Token: "MIN"},
				{Name: "max", Type: "pure-token", Token: "MAX"},
			}},
		}},
		Keys: zstoreGetKeys,
		Proc: zinterstoreCommand},
	{Name: "zdiffstore", Arity: -4, Flags: FlagWrite | FlagDenyOOM, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}, {Flags: []string{"RO", "access"}, Index: 2, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}},
		Group:    "sorted-set", Since: "6.2.0", Complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
		Summary: "Subtract multiple sorted sets and store the resulting sorted set in a new key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "destination", Type: "key", KeySpecIndex: 0},
			{Name: "numkeys", Type: "integer"},
			{Name: "key", Type: "key", KeySpecIndex: 1, Multiple: true},
		}},
		Keys: zstoreGetKeys,
		Proc: zdiffstoreCommand},
	{Name: "zintercard", Arity: -3, Flags: FlagReadonly, Cats: CatSortedSet, FirstKey: 0, LastKey: 0, Step: 0,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}},
		Group:    "sorted-set", Since: "7.0.0", Complexity: "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
		Summary: "Intersect multiple sorted sets and return the cardinality of the result",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "numkeys", Type: "integer"},
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
			{Name: "limit", Type: "integer", Token: "LIMIT", Optional: true},
		}},
		Keys: znumkeysGetKeys,
		Proc: zintercardCommand},
	{Name: "zrandmember", Arity: -2, Flags: FlagReadonly, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "6.2.0", Complexity: "O(N) where N is the number of elements returned",
		Summary: "Get one or multiple random elements from a sorted set",
		Tips:    []string{"nondeterministic_output"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "options", Type: "block", Optional: true, Args: []Arg{
				{Name: "count", Type: "integer"},
				{Name: "withscores", Type: "pure-token", Token: "WITHSCORES", Optional: true},
			}},
		}},
		Proc: zrandmemberCommand},
	{Name: "zscan", Arity: -3, Flags: FlagReadonly, Cats: CatSortedSet, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "2.8.0", Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
		Summary: "Incrementally iterate sorted sets elements and associated scores",
		Tips:    []string{"nondeterministic_output"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "cursor", Type: "integer"},
			{Name: "pattern", Type: "pattern", Token: "MATCH", Optional: true},
			{Name: "count", Type: "integer", Token: "COUNT", Optional: true},
		}},
		Proc: zscanCommand},
	{Name: "bzpopmin", Arity: -3, Flags: FlagWrite | FlagNoScript | FlagBlocking | FlagFast, Cats: CatSortedSet, FirstKey: 1, LastKey: -2, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Range: true, LastKey: -2, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "5.0.0", Complexity: "O(log(N)) with N being the number of elements in the sorted set.",
		Summary: "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
		Doc: &CmdDoc{History: [][2]string{{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
				{Name: "timeout", Type: "double"},
			}},
		Proc: bzpopminCommand},
	{Name: "bzpopmax", Arity: -3, Flags: FlagWrite | FlagNoScript | FlagBlocking | FlagFast, Cats: CatSortedSet, FirstKey: 1, LastKey: -2, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 1, Range: true, LastKey: -2, KeyStep: 1, Limit: 0}},
		Group:    "sorted-set", Since: "5.0.0", Complexity: "O(log(N)) with N being the number of elements in the sorted set.",
		Summary: "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
		Doc: &CmdDoc{History: [][2]string{{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
				{Name: "timeout", Type: "double"},
			}},
		Proc: bzpopmaxCommand},
	{Name: "bzmpop", Arity: -5, Flags: FlagWrite | FlagBlocking, Cats: CatSortedSet, FirstKey: 0, LastKey: 0, Step: 0,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, Index: 2, KeyNumIdx: 0, FirstKeyNum: 1, KeyNumStep: 1}},
		Group:    "sorted-set", Since: "7.0.0", Complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
		Summary: "Remove and return members with scores in a sorted set or block until one is available",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "timeout", Type: "double"},
			{Name: "numkeys", Type: "integer"},
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
			{Name: "where", Type: "oneof", Args: []Arg{
				{Name: "min", Type: "pure-token", Token: "MIN"},
				{Name: "max", Type: "pure-token", Token: "MAX"},
			}},
			{Name: "count", Type: "integer", Token: "COUNT", Optional: true},
		}},
		Keys: bzmpopGetKeys,
		Proc: bzmpopCommand},
}

// Key extractors for the commands whose keys move (Redis's getkeys procs, which
// COMMAND GETKEYS falls back to when the key specs cannot be resolved).

// zgenericGetKeys is Redis's genericGetKeys: numkeys at countIdx, then the keys from
// firstIdx, then the store key (storeIdx > 0) last.
func zgenericGetKeys(argv [][]byte, storeIdx, countIdx, firstIdx int) []int {
	if countIdx >= len(argv) {
		return nil
	}
	// Redis reads numkeys here with atoi: "1.5" is 1 and "abc" 0 (no keys). The
	// key specs refuse such a numkeys, and this is what cluster routing and
	// COMMAND GETKEYS fall back to (ZUNIONSTORE d 1.5 a: CROSSSLOT over d and a).
	n := atoi(string(argv[countIdx]))
	if n < 1 || n > int64(len(argv)-firstIdx) {
		return nil
	}
	keys := make([]int, 0, n+1)
	for i := 0; i < int(n); i++ {
		keys = append(keys, firstIdx+i)
	}
	if storeIdx > 0 {
		keys = append(keys, storeIdx)
	}
	return keys
}

func zstoreGetKeys(argv [][]byte) []int   { return zgenericGetKeys(argv, 1, 2, 3) }
func znumkeysGetKeys(argv [][]byte) []int { return zgenericGetKeys(argv, 0, 1, 2) }
func bzmpopGetKeys(argv [][]byte) []int   { return zgenericGetKeys(argv, 0, 2, 3) }

// zparseLong is Redis's getLongFromObjectOrReply: an integer, else msg (or the
// generic integer error) is replied and ok is false.
func (c *Client) zparseLong(b []byte, msg string) (int64, bool) {
	n, ok := parseInt(b)
	if !ok {
		if msg == "" {
			msg = ErrNotInt
		}
		c.ReplyError(msg)
	}
	return n, ok
}

// zparseRangeLong is Redis's getRangeLongFromObjectOrReply: an integer in [lo, hi],
// else msg (or Redis's messages) is replied.
func (c *Client) zparseRangeLong(b []byte, lo, hi int64, msg string) (int64, bool) {
	n, ok := c.zparseLong(b, msg)
	if !ok {
		return 0, false
	}
	if n < lo || n > hi {
		if msg == "" {
			msg = "ERR value is out of range, value must between " + strconv.FormatInt(lo, 10) + " and " + strconv.FormatInt(hi, 10)
		}
		c.ReplyError(msg)
		return 0, false
	}
	return n, true
}

// zparsePositive is Redis's getPositiveLongFromObjectOrReply.
func (c *Client) zparsePositive(b []byte, msg string) (int64, bool) {
	if msg == "" {
		msg = "ERR value is out of range, must be positive"
	}
	return c.zparseRangeLong(b, 0, 1<<63-1, msg)
}

// zreplyScores starts a reply of n members with or without scores: a flat array in
// RESP2, pairs in RESP3 (each pair's header comes with its member, zreplyMember).
func (c *Client) zreplyArrayLen(n int, withscores bool) {
	if withscores && c.proto == 2 {
		c.ReplyArray(2 * n)
	} else {
		c.ReplyArray(n)
	}
}

// zreplyMember replies one member of a range reply, and its score when withscores.
func (c *Client) zreplyMember(member []byte, score float64, withscores bool) {
	if withscores && c.proto > 2 {
		c.ReplyArray(2)
	}
	c.ReplyBulk(member)
	if withscores {
		c.ReplyDouble(score)
	}
}

// --- ZADD, ZINCRBY, ZREM ----------------------------------------------------------------

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
func zaddCommand(c *Client) { c.zaddGeneric(0) }

// ZINCRBY key increment member
func zincrbyCommand(c *Client) { c.zaddGeneric(zaddIncr) }

// zaddGeneric is Redis's zaddGenericCommand, for ZADD and ZINCRBY (which parses the
// same options, so "ZINCRBY k nx m" is a syntax error there too).
func (c *Client) zaddGeneric(fl zaddFlags) {
	argv := c.argv
	key := argv[1]
	ch := false
	scoreidx := 2
opts:
	for ; scoreidx < len(argv); scoreidx++ {
		a := argv[scoreidx]
		switch {
		case eqFold(a, "nx"):
			fl |= zaddNX
		case eqFold(a, "xx"):
			fl |= zaddXX
		case eqFold(a, "ch"):
			ch = true
		case eqFold(a, "incr"):
			fl |= zaddIncr
		case eqFold(a, "gt"):
			fl |= zaddGT
		case eqFold(a, "lt"):
			fl |= zaddLT
		default:
			break opts
		}
	}
	incr, nx, xx, gt, lt := fl&zaddIncr != 0, fl&zaddNX != 0, fl&zaddXX != 0, fl&zaddGT != 0, fl&zaddLT != 0
	elements := len(argv) - scoreidx
	if elements%2 != 0 || elements == 0 {
		c.ReplyError(ErrSyntax)
		return
	}
	elements /= 2
	if nx && xx {
		c.ReplyError("ERR XX and NX options at the same time are not compatible")
		return
	}
	if gt && nx || lt && nx || gt && lt {
		c.ReplyError("ERR GT, LT, and/or NX options at the same time are not compatible")
		return
	}
	if incr && elements > 1 {
		c.ReplyError("ERR INCR option supports a single increment-element pair")
		return
	}
	// Parse every score first: the command either runs fully or not at all.
	var sbuf [16]float64
	scores := sbuf[:0]
	for j := 0; j < elements; j++ {
		f, ok := zparseDouble(argv[scoreidx+2*j])
		if !ok {
			c.ReplyError(ErrNotFloat)
			return
		}
		scores = append(scores, f)
	}
	e, z, ok := c.lookupZsetWrite(key)
	if !ok {
		return
	}
	s := c.srv
	lim := s.zsetLimits()
	if z == nil {
		if xx {
			if incr {
				c.ReplyNull()
			} else {
				c.ReplyInt(0)
			}
			return
		}
		z = newZsetFor(len(argv[scoreidx+1]), lim)
		e = c.db.Add(key, TypeZSet, z.enc())
		e.Obj = z
	}
	added, updated, processed := 0, 0, 0
	var score float64
	nan := false
	for j := 0; j < elements; j++ {
		out, ns := z.add(scores[j], argv[scoreidx+1+2*j], fl, lim)
		if out&zaddOutNaN != 0 {
			nan = true
			break
		}
		if out&zaddOutAdded != 0 {
			added++
		}
		if out&zaddOutUpdated != 0 {
			updated++
		}
		if out&zaddOutNop == 0 {
			processed++
		}
		score = ns
	}
	zsetSyncEnc(e, z)
	if nan {
		c.ReplyError("ERR resulting score is not a number (NaN)")
	} else {
		s.dirty += int64(added + updated)
		switch {
		case !incr && ch:
			c.ReplyInt(int64(added + updated))
		case !incr:
			c.ReplyInt(int64(added))
		case processed > 0:
			c.ReplyDouble(score)
		default:
			c.ReplyNull()
		}
	}
	if added > 0 || updated > 0 {
		s.signalModified(c.db, key)
		ev := "zadd"
		if incr {
			ev = "zincr"
		}
		s.notifyKeyspace(NotifyZSet, ev, key, c.db.id)
	}
}

// ZREM key member [member ...]
func zremCommand(c *Client) {
	key := c.argv[1]
	_, z, ok := c.lookupZsetWrite(key)
	if !ok {
		return
	}
	if z == nil {
		c.ReplyInt(0)
		return
	}
	deleted, removed := 0, false
	for _, m := range c.argv[2:] {
		if z.del(m) {
			deleted++
		}
		if z.length() == 0 {
			c.zsetDeleteKey(key)
			removed = true
			break
		}
	}
	if deleted > 0 {
		s := c.srv
		s.notifyKeyspace(NotifyZSet, "zrem", key, c.db.id)
		if removed {
			s.notifyKeyspace(NotifyGeneric, "del", key, c.db.id)
		}
		s.signalModified(c.db, key)
		s.dirty += int64(deleted)
	}
	c.ReplyInt(int64(deleted))
}

// --- single-member reads ----------------------------------------------------------------

// ZCARD key
func zcardCommand(c *Client) {
	z, ok := c.lookupZsetRead(c.argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.ReplyInt(0)
		return
	}
	c.ReplyInt(int64(z.length()))
}

// ZSCORE key member
func zscoreCommand(c *Client) {
	z, ok := c.lookupZsetRead(c.argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.ReplyNull()
		return
	}
	if s, found := z.score(c.argv[2]); found {
		c.ReplyDouble(s)
	} else {
		c.ReplyNull()
	}
}

// ZMSCORE key member [member ...]
func zmscoreCommand(c *Client) {
	z, ok := c.lookupZsetRead(c.argv[1])
	if !ok {
		return
	}
	c.ReplyArray(len(c.argv) - 2)
	for _, m := range c.argv[2:] {
		if z == nil {
			c.ReplyNull()
			continue
		}
		if s, found := z.score(m); found {
			c.ReplyDouble(s)
		} else {
			c.ReplyNull()
		}
	}
}

// ZRANK key member
func zrankCommand(c *Client) { c.zrankGeneric(false) }

// ZREVRANK key member
func zrevrankCommand(c *Client) { c.zrankGeneric(true) }

func (c *Client) zrankGeneric(reverse bool) {
	z, ok := c.lookupZsetRead(c.argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.ReplyNull()
		return
	}
	if r := z.rank(c.argv[2], reverse); r >= 0 {
		c.ReplyInt(int64(r))
	} else {
		c.ReplyNull()
	}
}

// ZCOUNT key min max
func zcountCommand(c *Client) {
	r, ok := zparseRange(c.argv[2], c.argv[3])
	if !ok {
		c.ReplyError("ERR min or max is not a float")
		return
	}
	z, ok := c.lookupZsetRead(c.argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.ReplyInt(0)
		return
	}
	c.ReplyInt(int64(z.countBetween(z.firstInRange(&r), z.lastInRange(&r))))
}

// ZLEXCOUNT key min max
func zlexcountCommand(c *Client) {
	r, ok := zparseLexRange(c.argv[2], c.argv[3])
	if !ok {
		c.ReplyError("ERR min or max not valid string range item")
		return
	}
	z, ok := c.lookupZsetRead(c.argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.ReplyInt(0)
		return
	}
	c.ReplyInt(z.lexCount(&r))
}

// lexCount is ZLEXCOUNT's count, computed as Redis does, which matters when the
// members do not all have the same score (the order is then not the lex order): in a
// listpack it walks from the first member in range while members stay below max (min
// is not checked again); in a skiplist it subtracts the ranks of the first and the
// last member in range, and without a last one counts to the end.
func (z *zsetObj) lexCount(r *skiplist.LexRange) int64 {
	first := z.firstInLex(r)
	if first < 0 {
		return 0
	}
	if z.sl != nil {
		n := int64(z.length()) - int64(z.sl.Rank(skiplist.Node(first))) + 1
		if last := z.lastInLex(r); last >= 0 {
			n -= int64(z.length()) - int64(z.sl.Rank(skiplist.Node(last)))
		}
		return n
	}
	var n int64
	var nb [20]byte
	for p := first; p >= 0 && r.LteMax(z.memberAt(p, &nb)); p = z.next(p) {
		n++
	}
	return n
}

// countBetween counts the members from first to last inclusive (-1: none): by ranks
// in a skiplist, by walking a listpack.
func (z *zsetObj) countBetween(first, last zpos) int {
	if first < 0 || last < 0 {
		return 0
	}
	if z.sl != nil {
		return z.sl.Rank(skiplist.Node(last)) - z.sl.Rank(skiplist.Node(first)) + 1
	}
	n := 1
	for p := first; p != last; p = z.next(p) {
		n++
	}
	return n
}
