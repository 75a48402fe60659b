package engine

// HyperLogLog commands (Redis's hyperloglog.c). An HLL is a string value: the bytes
// of engine/hyperloglog, which are Redis's own, kept in a growable *strBuf (raw
// encoding) because PFADD and PFCOUNT change them in place. A string set by SET
// that holds a valid HLL works too: the first command that may write it converts
// it to raw, as Redis's dbUnshareStringValue does (even PFCOUNT, which writes the
// cached cardinality).

import (
	"math/rand/v2"

	"github.com/keygrid/keygrid/engine/hyperloglog"
	"github.com/keygrid/keygrid/engine/keyspace"
)

// The specs (arity, flags, key specs, docs) are those Redis 7.0 reports in COMMAND
// INFO and COMMAND DOCS.
var hllCommands = []*Command{
	{Name: "pfadd", Arity: -2, Flags: FlagWrite | FlagDenyOOM | FlagFast, Cats: CatHyperLogLog, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "insert"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "hyperloglog", Since: "2.8.9", Complexity: "O(1) to add every element.",
		Summary: "Adds the specified elements to the specified HyperLogLog.",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "element", Type: "string", Optional: true, Multiple: true},
		}},
		Proc: pfaddCommand},
	{Name: "pfcount", Arity: -2, Flags: FlagReadonly | FlagMayReplicate, Cats: CatHyperLogLog, FirstKey: 1, LastKey: -1, Step: 1,
		KeySpecs: []KeySpec{{Notes: "RW because it may change the internal representation of the key, and propagate to replicas", Flags: []string{"RW", "access"}, Index: 1, Range: true, LastKey: -1, KeyStep: 1, Limit: 0}},
		Group:    "hyperloglog", Since: "2.8.9", Complexity: "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
		Summary: "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
		}},
		Proc: pfcountCommand},
	{Name: "pfmerge", Arity: -2, Flags: FlagWrite | FlagDenyOOM, Cats: CatHyperLogLog, FirstKey: 1, LastKey: -1, Step: 1,
		KeySpecs: []KeySpec{
			{Flags: []string{"RW", "access", "insert"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0},
			{Flags: []string{"RO", "access"}, Index: 2, Range: true, LastKey: -1, KeyStep: 1, Limit: 0},
		},
		Group: "hyperloglog", Since: "2.8.9", Complexity: "O(N) to merge N HyperLogLogs, but with high constant times.",
		Summary: "Merge N different HyperLogLogs into a single one.",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "destkey", Type: "key", KeySpecIndex: 0},
			{Name: "sourcekey", Type: "key", KeySpecIndex: 1, Multiple: true},
		}},
		Proc: pfmergeCommand},
	{Name: "pfdebug", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagAdmin, Cats: CatHyperLogLog, FirstKey: 2, LastKey: 2, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "hyperloglog", Since: "2.8.9", Complexity: "N/A",
		Summary: "Internal commands for debugging HyperLogLog values",
		Doc: &CmdDoc{Flags: []string{"syscmd"}, Args: []Arg{
			{Name: "subcommand", Type: "string"},
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: pfdebugCommand},
	{Name: "pfselftest", Arity: 1, Flags: FlagAdmin, Cats: CatHyperLogLog,
		Group: "hyperloglog", Since: "2.8.9", Complexity: "N/A",
		Summary: "An internal command for testing HyperLogLog values",
		Doc:     &CmdDoc{Flags: []string{"syscmd"}},
		Proc:    pfselftestCommand},
}

// HLL errors with Redis's wording.
const (
	errInvalidHLL = "INVALIDOBJ Corrupted HLL object detected"
	errNotHLL     = "WRONGTYPE Key is not a valid HyperLogLog string value."
)

// isHLLOrReply checks that e holds a string that is an HLL, replying Redis's errors
// otherwise (isHLLObjectOrReply).
func (c *Client) isHLLOrReply(e *keyspace.Entry) bool {
	if metaType(e.Meta) != TypeString {
		c.ReplyError(ErrWrongType)
		return false
	}
	if !hyperloglog.IsHLL(stringValue(e)) {
		c.ReplyError(errNotHLL)
		return false
	}
	return true
}

// hllSparseMax is hll-sparse-max-bytes.
func (c *Client) hllSparseMax() int64 { return c.srv.cfg.HLLSparseMaxBytes }

// addHLL creates key holding an empty HLL (Redis's createHLLObject + dbAdd).
func (c *Client) addHLL(key []byte) *strBuf {
	e := c.db.Add(key, TypeString, EncRaw)
	sb := newSdsBuf(hyperloglog.New())
	e.Obj = sb
	return sb
}

// hllSet sets register index to at least count as hyperloglog.Set does, keeping the
// buffer's sds model (strBuf) as Redis's hllSparseSet changes its sds: room for 3
// more bytes before any sparse update (sdsMakeRoomFor), unless count needs the dense
// form at once; a promotion to dense is a new exact sds.
func hllSet(sb *strBuf, index int, count uint8, limit int64) int {
	sparse := hyperloglog.Encoding(sb.b) == hyperloglog.Sparse
	if sparse && count <= 32 { // HLL_SPARSE_VAL_MAX_VALUE
		sb.sdsRoom(3)
	}
	var r int
	sb.b, r = hyperloglog.Set(sb.b, index, count, limit)
	if sparse && r >= 0 && hyperloglog.Encoding(sb.b) == hyperloglog.Dense {
		sb.setBytes(sb.b)
	}
	return r
}

// PFADD key [element [element ...]]
func pfaddCommand(c *Client) {
	key := c.argv[1]
	var sb *strBuf
	updated := 0
	if e := c.db.LookupWrite(key); e == nil {
		sb = c.addHLL(key)
		updated++
	} else {
		if !c.isHLLOrReply(e) {
			return
		}
		sb = mutableString(e)
	}
	limit := c.hllSparseMax()
	for _, ele := range c.argv[2:] {
		index, count := hyperloglog.PatLen(ele)
		r := hllSet(sb, index, count, limit)
		if r < 0 {
			c.ReplyError(errInvalidHLL)
			return
		}
		updated += r
	}
	if updated > 0 {
		hyperloglog.Invalidate(sb.b)
		c.srv.signalModified(c.db, key)
		c.srv.notifyKeyspace(NotifyString, "pfadd", key, c.db.id)
		c.srv.dirty += int64(updated)
		c.ReplyInt(1)
		return
	}
	c.ReplyInt(0)
}

// PFCOUNT key [key ...]
func pfcountCommand(c *Client) {
	if len(c.argv) > 2 {
		// The cardinality of the union; nothing is cached.
		regs := new(hyperloglog.Raw)
		for _, key := range c.argv[1:] {
			e := c.db.LookupRead(key)
			if e == nil {
				continue // a missing key is an empty HLL
			}
			if !c.isHLLOrReply(e) {
				return
			}
			if !regs.Merge(stringValue(e)) {
				c.ReplyError(errInvalidHLL)
				return
			}
		}
		c.ReplyInt(int64(regs.Count()))
		return
	}
	key := c.argv[1]
	e := c.db.LookupRead(key)
	if e == nil {
		c.ReplyInt(0)
		return
	}
	if !c.isHLLOrReply(e) {
		return
	}
	if _, raw := e.Obj.(*strBuf); !raw {
		c.srv.noteEntry(c.db, e) // read lookups are not accounted: measure the new buffer
	}
	sb := mutableString(e)
	card, ok := hyperloglog.Cached(sb.b)
	if !ok {
		if card, ok = hyperloglog.Count(sb.b); !ok {
			c.ReplyError(errInvalidHLL)
			return
		}
		// PFCOUNT is read-only, yet it changes the string: like Redis it signals the
		// change and counts it, so it propagates (it is flagged may_replicate).
		hyperloglog.SetCached(sb.b, card)
		c.srv.signalModified(c.db, key)
		c.srv.dirty++
	}
	c.ReplyInt(int64(card)) // a value with the top bit set prints negative, as in Redis
}

// PFMERGE destkey [sourcekey [sourcekey ...]]
func pfmergeCommand(c *Client) {
	regs := new(hyperloglog.Raw)
	dense := false
	// The destination is merged too: it is argv[1], the first "source".
	for _, key := range c.argv[1:] {
		e := c.db.LookupRead(key)
		if e == nil {
			continue
		}
		if !c.isHLLOrReply(e) {
			return
		}
		h := stringValue(e)
		// A dense input makes the result dense at once, saving the conversion.
		dense = dense || hyperloglog.Encoding(h) == hyperloglog.Dense
		if !regs.Merge(h) {
			c.ReplyError(errInvalidHLL)
			return
		}
	}
	key := c.argv[1]
	var sb *strBuf
	if e := c.db.LookupWrite(key); e == nil {
		sb = c.addHLL(key)
	} else {
		sb = mutableString(e) // its type was checked above
	}
	if dense && hyperloglog.Encoding(sb.b) == hyperloglog.Sparse {
		d, ok := hyperloglog.ToDense(sb.b)
		if !ok {
			c.ReplyError(errInvalidHLL)
			return
		}
		sb.setBytes(d)
	}
	limit := c.hllSparseMax()
	for i, v := range regs {
		if v != 0 {
			hllSet(sb, i, v, limit)
		}
	}
	hyperloglog.Invalidate(sb.b)
	c.srv.signalModified(c.db, key)
	// Redis sends a "pfadd" event: a merge is a mass add of elements.
	c.srv.notifyKeyspace(NotifyString, "pfadd", key, c.db.id)
	c.srv.dirty++
	c.ReplyOK()
}

// PFSELFTEST
func pfselftestCommand(c *Client) {
	if err := hyperloglog.SelfTest(rand.Uint64, c.hllSparseMax()); err != nil {
		c.ReplyError(err.Error())
		return
	}
	c.ReplyOK()
}

// PFDEBUG <GETREG|DECODE|ENCODING|TODENSE> key
func pfdebugCommand(c *Client) {
	sub, key := c.argv[1], c.argv[2]
	e := c.db.LookupWrite(key)
	if e == nil {
		c.ReplyError("ERR The specified key does not exist")
		return
	}
	if !c.isHLLOrReply(e) {
		return
	}
	sb := mutableString(e)
	switch {
	case eqFold(sub, "getreg"):
		if hyperloglog.Encoding(sb.b) == hyperloglog.Sparse {
			if !c.toDense(sb) {
				return
			}
		}
		c.ReplyArray(hyperloglog.Registers)
		for i := 0; i < hyperloglog.Registers; i++ {
			c.ReplyInt(int64(hyperloglog.Register(sb.b, i)))
		}
	case eqFold(sub, "decode"):
		if hyperloglog.Encoding(sb.b) != hyperloglog.Sparse {
			c.ReplyError("ERR HLL encoding is not sparse")
			return
		}
		c.ReplyBulkString(hyperloglog.Decode(sb.b))
	case eqFold(sub, "encoding"):
		if hyperloglog.Encoding(sb.b) == hyperloglog.Dense {
			c.ReplySimple("dense")
		} else {
			c.ReplySimple("sparse")
		}
	case eqFold(sub, "todense"):
		conv := false
		if hyperloglog.Encoding(sb.b) == hyperloglog.Sparse {
			if !c.toDense(sb) {
				return
			}
			conv = true
		}
		if conv {
			c.ReplyInt(1)
		} else {
			c.ReplyInt(0)
		}
	default:
		c.ReplyError("ERR Unknown PFDEBUG subcommand '" + sanitize(string(sub)) + "'")
	}
}

// toDense converts a sparse HLL in place for PFDEBUG. Redis counts the change so it
// propagates, without signalling the key.
func (c *Client) toDense(sb *strBuf) bool {
	d, ok := hyperloglog.ToDense(sb.b)
	if !ok {
		c.ReplyError(errInvalidHLL)
		return false
	}
	sb.setBytes(d)
	c.srv.dirty++
	return true
}
