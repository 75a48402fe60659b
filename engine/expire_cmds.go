package engine

// The EXPIRE family and the TTL readers (Redis's expire.c commands): EXPIRE, PEXPIRE,
// EXPIREAT, PEXPIREAT with NX|XX|GT|LT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.
// Deleting keys whose time has come is in expire.go (active) and db.go (lazy).

import (
	"strconv"
)

// The specs (arity, flags, key specs, docs) are those Redis 7.0 reports in COMMAND
// INFO and COMMAND DOCS.
var expireCommands = []*Command{
	{Name: "expire", Arity: -3, Flags: FlagWrite | FlagFast, Cats: CatKeyspace, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Set a key's time to live in seconds",
		Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "seconds", Type: "integer"},
				{Name: "condition", Type: "oneof", Since: "7.0.0", Optional: true, Args: []Arg{
					{Name: "nx", Type: "pure-token", Token: "NX"},
					{Name: "xx", Type: "pure-token", Token: "XX"},
					{Name: "gt", Type: "pure-token", Token: "GT"},
					{Name: "lt", Type: "pure-token", Token: "LT"},
				}},
			}},
		Proc: expireCommand},
	{Name: "pexpire", Arity: -3, Flags: FlagWrite | FlagFast, Cats: CatKeyspace, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "2.6.0", Complexity: "O(1)",
		Summary: "Set a key's time to live in milliseconds",
		Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "milliseconds", Type: "integer"},
				{Name: "condition", Type: "oneof", Since: "7.0.0", Optional: true, Args: []Arg{
					{Name: "nx", Type: "pure-token", Token: "NX"},
					{Name: "xx", Type: "pure-token", Token: "XX"},
					{Name: "gt", Type: "pure-token", Token: "GT"},
					{Name: "lt", Type: "pure-token", Token: "LT"},
				}},
			}},
		Proc: pexpireCommand},
	{Name: "expireat", Arity: -3, Flags: FlagWrite | FlagFast, Cats: CatKeyspace, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "1.2.0", Complexity: "O(1)",
		Summary: "Set the expiration for a key as a UNIX timestamp",
		Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "unix-time-seconds", Type: "unix-time"},
				{Name: "condition", Type: "oneof", Since: "7.0.0", Optional: true, Args: []Arg{
					{Name: "nx", Type: "pure-token", Token: "NX"},
					{Name: "xx", Type: "pure-token", Token: "XX"},
					{Name: "gt", Type: "pure-token", Token: "GT"},
					{Name: "lt", Type: "pure-token", Token: "LT"},
				}},
			}},
		Proc: expireatCommand},
	{Name: "pexpireat", Arity: -3, Flags: FlagWrite | FlagFast, Cats: CatKeyspace, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "2.6.0", Complexity: "O(1)",
		Summary: "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
		Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "unix-time-milliseconds", Type: "unix-time"},
				{Name: "condition", Type: "oneof", Since: "7.0.0", Optional: true, Args: []Arg{
					{Name: "nx", Type: "pure-token", Token: "NX"},
					{Name: "xx", Type: "pure-token", Token: "XX"},
					{Name: "gt", Type: "pure-token", Token: "GT"},
					{Name: "lt", Type: "pure-token", Token: "LT"},
				}},
			}},
		Proc: pexpireatCommand},
	{Name: "ttl", Arity: 2, Flags: FlagReadonly | FlagFast, Cats: CatKeyspace, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Get the time to live for a key in seconds",
		Tips:    []string{"nondeterministic_output"},
		Doc: &CmdDoc{History: [][2]string{{"2.8.0", "Added the -2 reply."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
			}},
		Proc: ttlCommand},
	{Name: "pttl", Arity: 2, Flags: FlagReadonly | FlagFast, Cats: CatKeyspace, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "2.6.0", Complexity: "O(1)",
		Summary: "Get the time to live for a key in milliseconds",
		Tips:    []string{"nondeterministic_output"},
		Doc: &CmdDoc{History: [][2]string{{"2.8.0", "Added the -2 reply."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
			}},
		Proc: pttlCommand},
	{Name: "expiretime", Arity: 2, Flags: FlagReadonly | FlagFast, Cats: CatKeyspace, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "7.0.0", Complexity: "O(1)",
		Summary: "Get the expiration Unix timestamp for a key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: expiretimeCommand},
	{Name: "pexpiretime", Arity: 2, Flags: FlagReadonly | FlagFast, Cats: CatKeyspace, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "7.0.0", Complexity: "O(1)",
		Summary: "Get the expiration Unix timestamp for a key in milliseconds",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: pexpiretimeCommand},
	{Name: "persist", Arity: 2, Flags: FlagWrite | FlagFast, Cats: CatKeyspace, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "2.2.0", Complexity: "O(1)",
		Summary: "Remove the expiration from a key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: persistCommand},
}

// expireCond is the condition option of the EXPIRE family.
type expireCond uint8

const (
	expireNX expireCond = 1 << iota // only if the key has no TTL
	expireXX                        // only if the key has a TTL
	expireGT                        // only if the new TTL is greater (no TTL is infinite)
	expireLT                        // only if the new TTL is less (no TTL is infinite)
)

// parseExpireCond parses the options after the time, replying Redis's errors. Unknown
// options are reported before incompatible ones, and both before the time is parsed.
func (c *Client) parseExpireCond(args [][]byte) (expireCond, bool) {
	var cond expireCond
	for _, a := range args {
		switch {
		case eqFold(a, "nx"):
			cond |= expireNX
		case eqFold(a, "xx"):
			cond |= expireXX
		case eqFold(a, "gt"):
			cond |= expireGT
		case eqFold(a, "lt"):
			cond |= expireLT
		default:
			c.ReplyError("ERR Unsupported option " + string(a))
			return 0, false
		}
	}
	if cond&expireNX != 0 && cond&(expireXX|expireGT|expireLT) != 0 {
		c.ReplyError("ERR NX and XX, GT or LT options at the same time are not compatible")
		return 0, false
	}
	if cond&expireGT != 0 && cond&expireLT != 0 {
		c.ReplyError("ERR GT and LT options at the same time are not compatible")
		return 0, false
	}
	return cond, true
}

// EXPIRE key seconds [NX|XX|GT|LT]
func expireCommand(c *Client) { expireGeneric(c, true, true) }

// PEXPIRE key milliseconds [NX|XX|GT|LT]
func pexpireCommand(c *Client) { expireGeneric(c, true, false) }

// EXPIREAT key unix-time-seconds [NX|XX|GT|LT]
func expireatCommand(c *Client) { expireGeneric(c, false, true) }

// PEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT]
func pexpireatCommand(c *Client) { expireGeneric(c, false, false) }

// expireGeneric implements the EXPIRE family: relative times add the command's time,
// seconds are scaled to ms. Negative times are allowed (they delete the key); only
// overflow of the conversion or the addition is an error. The command propagates as
// PEXPIREAT with the absolute time (or as DEL when it deleted the key), so replicas and
// the AOF reach the same state whenever they apply it.
func expireGeneric(c *Client, relative, seconds bool) {
	key := c.argv[1]
	cond, ok := c.parseExpireCond(c.argv[3:])
	if !ok {
		return
	}
	when, ok := parseInt(c.argv[2])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	const maxInt64, minInt64 = 1<<63 - 1, -1 << 63
	if seconds {
		if when > maxInt64/1000 || when < minInt64/1000 {
			c.replyInvalidExpire()
			return
		}
		when *= 1000
	}
	s := c.srv
	if relative {
		if when > maxInt64-s.nowMs {
			c.replyInvalidExpire()
			return
		}
		when += s.nowMs
	}
	db := c.db
	e := db.LookupWrite(key)
	if e == nil {
		c.ReplyInt(0)
		return
	}
	if cond != 0 {
		cur := e.Expire // 0: no TTL, which GT and LT treat as infinite
		if (cond&expireNX != 0 && cur != 0) ||
			(cond&expireXX != 0 && cur == 0) ||
			(cond&expireGT != 0 && (cur == 0 || when <= cur)) ||
			(cond&expireLT != 0 && cur != 0 && when >= cur) {
			c.ReplyInt(0)
			return
		}
	}
	if when <= s.nowMs && s.expireAllowed() {
		// Already past: delete now. A replica (or a loading server) sets the TTL
		// instead and waits for its master's DEL.
		db.deleteGeneric(key, s.cfg.LazyfreeLazyExpire)
		s.dirty++
		if s.propagate != nil {
			del := argDEL
			if s.cfg.LazyfreeLazyExpire {
				del = argUNLINK
			}
			c.rewriteArgv([][]byte{del, key})
		}
		s.signalModified(db, key)
		s.notifyKeyspace(NotifyGeneric, "del", key, db.id)
		c.ReplyInt(1)
		return
	}
	db.SetExpire(key, when)
	c.ReplyInt(1)
	if (relative || seconds) && s.propagate != nil {
		argv := make([][]byte, len(c.argv))
		copy(argv, c.argv)
		argv[0] = argPEXPIREAT
		argv[2] = strconv.AppendInt(nil, when, 10)
		c.rewriteArgv(argv)
	}
	s.signalModified(db, key)
	s.notifyKeyspace(NotifyGeneric, "expire", key, db.id)
	s.dirty++
}

// argUNLINK is what an EXPIRE in the past propagates as under lazyfree-lazy-expire.
var argUNLINK = []byte("UNLINK")

// TTL key
func ttlCommand(c *Client) { ttlGeneric(c, false, false) }

// PTTL key
func pttlCommand(c *Client) { ttlGeneric(c, true, false) }

// EXPIRETIME key
func expiretimeCommand(c *Client) { ttlGeneric(c, false, true) }

// PEXPIRETIME key
func pexpiretimeCommand(c *Client) { ttlGeneric(c, true, true) }

// ttlGeneric replies -2 for a missing key, -1 for a key without TTL, else the time
// left (or, with abs, the expiry time), in ms or in seconds rounded to the nearest.
func ttlGeneric(c *Client, ms, abs bool) {
	e := c.db.lookupReadNoTouch(c.argv[1])
	if e == nil {
		c.ReplyInt(-2)
		return
	}
	if e.Expire == 0 {
		c.ReplyInt(-1)
		return
	}
	t := e.Expire
	if !abs {
		t -= c.srv.nowMs
	}
	if t < 0 {
		t = 0
	}
	if !ms {
		// Unsigned, as redis-server computes it: t is known not negative, so the
		// compiler divides (t+500) as an unsigned number, and an expiry near
		// INT64_MAX (SET k v PXAT 9223372036854775807) gives 9223372036854776, not
		// a negative number.
		t = int64((uint64(t) + 500) / 1000)
	}
	c.ReplyInt(t)
}

// PERSIST key
func persistCommand(c *Client) {
	db, s := c.db, c.srv
	key := c.argv[1]
	e := db.LookupWrite(key)
	if e == nil || e.Expire == 0 {
		c.ReplyInt(0)
		return
	}
	db.SetExpire(key, 0)
	s.signalModified(db, key)
	s.notifyKeyspace(NotifyGeneric, "persist", key, db.id)
	c.ReplyInt(1)
	s.dirty++
}
