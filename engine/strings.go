package engine

// String commands (Redis's t_string.c). The value of a string key lives inline in its
// keyspace entry (one allocation with the key) unless it has been grown in place by
// APPEND, SETRANGE or SETBIT, in which case Obj holds a *strBuf with spare capacity.

import (
	"strconv"

	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/resp"
)

var stringCommands = []*Command{
	{Name: "get", Arity: 2, Flags: FlagReadonly | FlagFast, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		Group: "string", Since: "1.0.0", Complexity: "O(1)", Summary: "Get the value of a key", Proc: getCommand},
	{Name: "set", Arity: -3, Flags: FlagWrite | FlagDenyOOM, Cats: CatString, FirstKey: 1, LastKey: 1, Step: 1,
		Group: "string", Since: "1.0.0", Complexity: "O(1)", Summary: "Set the string value of a key", Proc: setCommand},
}

// strBuf is a string value that grows in place (APPEND, SETRANGE, SETBIT), like an sds
// with free space: repeated appends cost amortised O(1) per byte.
type strBuf struct{ b []byte }

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
	e.Obj = nil
	e.SetVal(v)
	setTypeEnc(e, TypeString, stringEncoding(v))
}

// mutableString returns the growable buffer of a string entry, converting it first.
// The encoding becomes raw, as in Redis after APPEND/SETRANGE/SETBIT.
func mutableString(e *keyspace.Entry) *strBuf {
	if sb, ok := e.Obj.(*strBuf); ok {
		return sb
	}
	v := e.ValBytes()
	sb := &strBuf{b: make([]byte, len(v), max(len(v), 16))}
	copy(sb.b, v)
	e.ClearVal()
	e.Obj = sb
	setTypeEnc(e, TypeString, EncRaw)
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

// GET key
func getCommand(c *Client) {
	e, ok := c.getString(c.argv[1])
	if !ok {
		return
	}
	if e == nil {
		c.ReplyNull()
		return
	}
	c.ReplyBulk(stringValue(e))
}

// setFlags are the options of SET and its relatives.
type setFlags uint8

const (
	setNX setFlags = 1 << iota
	setXX
	setGet
	setKeepTTL
	setEX // one of EX, PX, EXAT, PXAT was given
	setPersist
)

// expireUnit says how a SET/GETEX expire argument is read.
type expireUnit uint8

const (
	unitSeconds expireUnit = iota
	unitMillis
	unitUnixSeconds
	unitUnixMillis
)

// parseSetArgs parses SET's options (from argv[3]); it replies and returns ok=false on
// error. Redis's rules: NX/XX exclusive, one expire form, KEEPTTL exclusive with an
// expire, GET allowed with NX since 7.0.
func (c *Client) parseSetArgs(argv [][]byte) (flags setFlags, unit expireUnit, expArg []byte, ok bool) {
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		var next []byte
		if i+1 < len(argv) {
			next = argv[i+1]
		}
		switch {
		case eqFold(a, "nx") && flags&setXX == 0:
			flags |= setNX
		case eqFold(a, "xx") && flags&setNX == 0:
			flags |= setXX
		case eqFold(a, "get"):
			flags |= setGet
		case eqFold(a, "keepttl") && flags&setEX == 0:
			flags |= setKeepTTL
		case (eqFold(a, "ex") || eqFold(a, "px") || eqFold(a, "exat") || eqFold(a, "pxat")) &&
			flags&(setKeepTTL|setEX) == 0 && next != nil:
			flags |= setEX
			switch {
			case eqFold(a, "ex"):
				unit = unitSeconds
			case eqFold(a, "px"):
				unit = unitMillis
			case eqFold(a, "exat"):
				unit = unitUnixSeconds
			default:
				unit = unitUnixMillis
			}
			expArg = next
			i++
		default:
			c.ReplyError(ErrSyntax)
			return 0, 0, nil, false
		}
	}
	return flags, unit, expArg, true
}

// expireAt converts an expire argument to absolute unix ms, replying Redis's errors
// ("value is not an integer", "invalid expire time in 'set' command") on failure.
func (c *Client) expireAt(arg []byte, unit expireUnit) (int64, bool) {
	n, ok := parseInt(arg)
	if !ok {
		c.ReplyError(ErrNotInt)
		return 0, false
	}
	if n <= 0 {
		c.ReplyError("ERR invalid expire time in '" + c.cmd.Name + "' command")
		return 0, false
	}
	const maxMs = 1<<63 - 1
	switch unit {
	case unitSeconds, unitUnixSeconds:
		if n > maxMs/1000 {
			c.ReplyError("ERR invalid expire time in '" + c.cmd.Name + "' command")
			return 0, false
		}
		n *= 1000
	}
	if unit == unitSeconds || unit == unitMillis {
		if n > maxMs-c.srv.nowMs {
			c.ReplyError("ERR invalid expire time in '" + c.cmd.Name + "' command")
			return 0, false
		}
		n += c.srv.nowMs
	}
	return n, true
}

// SET key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]
func setCommand(c *Client) {
	argv := c.argv
	var flags setFlags
	var unit expireUnit
	var expArg []byte
	if len(argv) > 3 {
		var ok bool
		if flags, unit, expArg, ok = c.parseSetArgs(argv[3:]); !ok {
			return
		}
	}
	c.setGeneric(argv[1], argv[2], flags, unit, expArg)
}

// setGeneric implements SET and its variants (SETNX, SETEX, PSETEX).
func (c *Client) setGeneric(key, val []byte, flags setFlags, unit expireUnit, expArg []byte) {
	var when int64
	if flags&setEX != 0 {
		var ok bool
		if when, ok = c.expireAt(expArg, unit); !ok {
			return
		}
	}
	db := c.db
	e := db.LookupWrite(key)
	if flags&setGet != 0 {
		if e != nil && metaType(e.Meta) != TypeString {
			c.ReplyError(ErrWrongType)
			return
		}
		if e == nil {
			c.ReplyNull()
		} else {
			c.ReplyBulk(stringValue(e))
		}
	}
	if (flags&setNX != 0 && e != nil) || (flags&setXX != 0 && e == nil) {
		if flags&setGet == 0 {
			c.ReplyNull()
		}
		return
	}
	if e == nil {
		e = db.AddString(key, val)
	} else {
		c.srv.signalModified(db, key)
		setStringValue(e, val)
		if flags&setKeepTTL == 0 && e.Expire != 0 {
			db.SetExpire(key, 0)
		}
	}
	if flags&setEX != 0 {
		db.SetExpire(key, when)
	}
	c.srv.dirty++
	c.srv.notifyKeyspace(NotifyString, "set", key, db.id)
	if flags&setEX != 0 {
		c.srv.notifyKeyspace(NotifyGeneric, "expire", key, db.id)
	}
	if flags&setGet == 0 {
		c.ReplyOK()
	}
	if flags&setEX != 0 && c.srv.propagate != nil && (unit == unitSeconds || unit == unitMillis) {
		// Propagate relative expires as absolute ones so replicas and the AOF agree
		// (Redis rewrites SET ... EX to SET ... PXAT).
		c.rewriteArgv(c.setArgvPXAT(key, val, flags, when))
	}
}

// setArgvPXAT builds the deterministic form of a SET with a relative expire.
func (c *Client) setArgvPXAT(key, val []byte, flags setFlags, when int64) [][]byte {
	argv := [][]byte{[]byte("SET"), key, val}
	if flags&setNX != 0 {
		argv = append(argv, []byte("NX"))
	}
	if flags&setXX != 0 {
		argv = append(argv, []byte("XX"))
	}
	if flags&setGet != 0 {
		argv = append(argv, []byte("GET"))
	}
	return append(argv, []byte("PXAT"), strconv.AppendInt(nil, when, 10))
}

// rewriteArgv replaces the arguments propagated for the current command.
func (c *Client) rewriteArgv(argv [][]byte) { c.argv = argv }

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
