package engine

// Bit commands on string values (Redis's bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS,
// BITOP, BITFIELD and BITFIELD_RO. Bits are numbered from the most significant bit of
// the first byte. Writes go through the string's growable buffer (mutableString), so
// the value becomes raw encoded, as in Redis.

import (
	"encoding/binary"
	"math/bits"
)

// The specs are those Redis 7.0 reports in COMMAND INFO and COMMAND DOCS.
var bitmapCommands = []*Command{
	{Name: "setbit", Arity: 4, Flags: FlagWrite | FlagDenyOOM, Cats: CatBitmap, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "bitmap", Since: "2.2.0", Complexity: "O(1)",
		Summary: "Sets or clears the bit at offset in the string value stored at key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "offset", Type: "integer"},
			{Name: "value", Type: "integer"},
		}},
		Proc: setbitCommand},
	{Name: "getbit", Arity: 3, Flags: FlagReadonly | FlagFast, Cats: CatBitmap, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "bitmap", Since: "2.2.0", Complexity: "O(1)",
		Summary: "Returns the bit value at offset in the string value stored at key",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "offset", Type: "integer"},
		}},
		Proc: getbitCommand},
	{Name: "bitcount", Arity: -2, Flags: FlagReadonly, Cats: CatBitmap, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "bitmap", Since: "2.6.0", Complexity: "O(N)",
		Summary: "Count set bits in a string",
		Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Added the `BYTE|BIT` option."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "index", Type: "block", Optional: true, Args: []Arg{
					{Name: "start", Type: "integer"},
					{Name: "end", Type: "integer"},
					{Name: "index_unit", Type: "oneof", Since: "7.0.0", Optional: true, Args: []Arg{
						{Name: "byte", Type: "pure-token", Token: "BYTE"},
						{Name: "bit", Type: "pure-token", Token: "BIT"},
					}},
				}},
			}},
		Proc: bitcountCommand},
	{Name: "bitpos", Arity: -3, Flags: FlagReadonly, Cats: CatBitmap, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "bitmap", Since: "2.8.7", Complexity: "O(N)",
		Summary: "Find first bit set or clear in a string",
		Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Added the `BYTE|BIT` option."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "bit", Type: "integer"},
				{Name: "index", Type: "block", Optional: true, Args: []Arg{
					{Name: "start", Type: "integer"},
					{Name: "end_index", Type: "block", Optional: true, Args: []Arg{
						{Name: "end", Type: "integer"},
						{Name: "index_unit", Type: "oneof", Since: "7.0.0", Optional: true, Args: []Arg{
							{Name: "byte", Type: "pure-token", Token: "BYTE"},
							{Name: "bit", Type: "pure-token", Token: "BIT"},
						}},
					}},
				}},
			}},
		Proc: bitposCommand},
	{Name: "bitop", Arity: -4, Flags: FlagWrite | FlagDenyOOM, Cats: CatBitmap, FirstKey: 2, LastKey: -1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}, {Flags: []string{"RO", "access"}, Index: 3, Range: true, LastKey: -1, KeyStep: 1, Limit: 0}},
		Group:    "bitmap", Since: "2.6.0", Complexity: "O(N)",
		Summary: "Perform bitwise operations between strings",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "operation", Type: "string"},
			{Name: "destkey", Type: "key", KeySpecIndex: 0},
			{Name: "key", Type: "key", KeySpecIndex: 1, Multiple: true},
		}},
		Proc: bitopCommand},
	{Name: "bitfield", Arity: -2, Flags: FlagWrite | FlagDenyOOM, Cats: CatBitmap, FirstKey: 1, LastKey: 1, Step: 1,
		KeyFlags: bitfieldKeyFlags,
		KeySpecs: []KeySpec{{Notes: "This command allows both access and modification of the key", Flags: []string{"RW", "access", "update", "variable_flags"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "bitmap", Since: "3.2.0", Complexity: "O(1) for each subcommand specified",
		Summary: "Perform arbitrary bitfield integer operations on strings",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "operation", Type: "oneof", Optional: true, Multiple: true, Args: []Arg{
				{Name: "encoding_offset", Type: "block", Token: "GET", Args: []Arg{
					{Name: "encoding", Type: "string"},
					{Name: "offset", Type: "integer"},
				}},
				{Name: "write", Type: "block", Args: []Arg{
					{Name: "wrap_sat_fail", Type: "oneof", Token: "OVERFLOW", Optional: true, Args: []Arg{
						{Name: "wrap", Type: "pure-token", Token: "WRAP"},
						{Name: "sat", Type: "pure-token", Token: "SAT"},
						{Name: "fail", Type: "pure-token", Token: "FAIL"},
					}},
					{Name: "write_operation", Type: "oneof", Args: []Arg{
						{Name: "encoding_offset_value", Type: "block", Token: "SET", Args: []Arg{
							{Name: "encoding", Type: "string"},
							{Name: "offset", Type: "integer"},
							{Name: "value", Type: "integer"},
						}},
						{Name: "encoding_offset_increment", Type: "block", Token: "INCRBY", Args: []Arg{
							{Name: "encoding", Type: "string"},
							{Name: "offset", Type: "integer"},
							{Name: "increment", Type: "integer"},
						}},
					}},
				}},
			}},
		}},
		Proc: bitfieldCommand},
	{Name: "bitfield_ro", Arity: -2, Flags: FlagReadonly | FlagFast, Cats: CatBitmap, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "bitmap", Since: "6.0.0", Complexity: "O(1) for each subcommand specified",
		Summary: "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "encoding_offset", Type: "block", Token: "GET", Optional: true, Multiple: true, MultipleToken: true, Args: []Arg{
				{Name: "encoding", Type: "string"},
				{Name: "offset", Type: "integer"},
			}},
		}},
		Proc: bitfieldROCommand},
}

const errBitOffset = "ERR bit offset is not an integer or out of range"

// BITOP operations.
const (
	bitopAnd = iota
	bitopOr
	bitopXor
	bitopNot
)

// bitOffset parses a bit offset argument: a non-negative integer whose byte is below
// proto-max-bulk-len. With hash (BITFIELD) "#n" means n*width.
func (c *Client) bitOffset(arg []byte, hash bool, width int) (uint64, bool) {
	useHash := hash && width > 0 && len(arg) > 0 && arg[0] == '#'
	if useHash {
		arg = arg[1:]
	}
	n, ok := parseInt(arg)
	if !ok {
		c.ReplyError(errBitOffset)
		return 0, false
	}
	if useHash {
		n *= int64(width) // wraps on overflow like Redis, and is then refused as negative or too far
	}
	if n < 0 || n>>3 >= c.srv.cfg.ProtoMaxBulkLen {
		c.ReplyError(errBitOffset)
		return 0, false
	}
	return uint64(n), true
}

// lookupStringForBits returns the writable buffer of the string at c.argv[1], created
// or zero-padded so that bit maxBit exists. grown reports whether the key was created
// or lengthened.
func (c *Client) lookupStringForBits(maxBit uint64) (sb *strBuf, grown bool, ok bool) {
	key := c.argv[1]
	n := int(maxBit>>3) + 1
	e, ok := c.lookupStringWrite(key)
	if !ok {
		return nil, false, false
	}
	if e == nil {
		return addZeroString(c.db, key, n), true, true
	}
	sb = mutableString(e)
	old := len(sb.b)
	sb.growZero(n)
	return sb, len(sb.b) != old, true
}

// SETBIT key offset value
func setbitCommand(c *Client) {
	argv := c.argv
	off, ok := c.bitOffset(argv[2], false, 0)
	if !ok {
		return
	}
	on, ok := parseInt(argv[3])
	if !ok || on&^1 != 0 {
		c.ReplyError("ERR bit is not an integer or out of range")
		return
	}
	sb, grown, ok := c.lookupStringForBits(off)
	if !ok {
		return
	}
	i, shift := off>>3, 7-off&7
	old := sb.b[i] >> shift & 1
	// Nothing changes (no event, nothing propagated) when an existing bit already
	// holds the value.
	if grown || int64(old) != on {
		sb.b[i] = sb.b[i]&^(1<<shift) | byte(on)<<shift
		c.srv.signalModified(c.db, argv[1])
		c.srv.notifyKeyspace(NotifyString, "setbit", argv[1], c.db.id)
		c.srv.dirty++
	}
	c.ReplyInt(int64(old))
}

// GETBIT key offset
func getbitCommand(c *Client) {
	off, ok := c.bitOffset(c.argv[2], false, 0)
	if !ok {
		return
	}
	e, ok := c.getString(c.argv[1])
	if !ok {
		return
	}
	var v byte
	if e != nil {
		if s := stringValue(e); off>>3 < uint64(len(s)) {
			v = s[off>>3] >> (7 - off&7) & 1
		}
	}
	c.ReplyInt(int64(v))
}

// bitRange resolves a start/end range of BITCOUNT or BITPOS over a string of n bytes,
// in bytes or (isBit) in bits, as Redis does: negative indexes count from the end, and
// both ends are clamped into the string. For bit ranges the result is converted to
// bytes plus masks of the bits outside the range in the first and last byte.
func bitRange(start, end, n int64, isBit bool) (s, e int64, firstMask, lastMask byte) {
	total := n
	if isBit {
		total <<= 3
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), max(end, 0)
	if end >= total {
		end = total - 1
	}
	if isBit && start <= end {
		firstMask = ^byte(0xff >> (start & 7))
		lastMask = byte(0xff >> (end&7 + 1))
		start >>= 3
		end >>= 3
	}
	return start, end, firstMask, lastMask
}

// bitPopcount counts the set bits of p.
func bitPopcount(p []byte) int64 {
	var n int
	for len(p) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(p))
		p = p[8:]
	}
	for _, b := range p {
		n += bits.OnesCount8(b)
	}
	return int64(n)
}

// BITCOUNT key [start end [BYTE|BIT]]
func bitcountCommand(c *Client) {
	argv := c.argv
	// Redis 7.0 looks the key up before it parses the range: a missing key is 0
	// whatever the arguments.
	e, ok := c.getString(argv[1])
	if !ok {
		return
	}
	if e == nil {
		c.ReplyInt(0)
		return
	}
	p := stringValue(e)
	var start, end int64
	var firstMask, lastMask byte
	switch len(argv) {
	case 4, 5:
		if start, ok = parseInt(argv[2]); !ok {
			c.ReplyError(ErrNotInt)
			return
		}
		if end, ok = parseInt(argv[3]); !ok {
			c.ReplyError(ErrNotInt)
			return
		}
		if start < 0 && end < 0 && start > end {
			c.ReplyInt(0)
			return
		}
		isBit := false
		if len(argv) == 5 {
			switch {
			case eqFold(argv[4], "bit"):
				isBit = true
			case eqFold(argv[4], "byte"):
			default:
				c.ReplyError(ErrSyntax)
				return
			}
		}
		start, end, firstMask, lastMask = bitRange(start, end, int64(len(p)), isBit)
	case 2:
		start, end = 0, int64(len(p))-1
	default:
		c.ReplyError(ErrSyntax)
		return
	}
	if start > end {
		c.ReplyInt(0)
		return
	}
	n := bitPopcount(p[start : end+1])
	n -= int64(bits.OnesCount8(p[start]&firstMask) + bits.OnesCount8(p[end]&lastMask))
	c.ReplyInt(n)
}

// findBit returns the position of the first bit equal to bit in p. Not found, it is
// -1 when looking for a 1, and the bit just past p when looking for a 0 (the string is
// taken as followed by zeros), as Redis's redisBitpos.
func findBit(p []byte, bit int64) int64 {
	skip := byte(0)
	if bit == 0 {
		skip = 0xff
	}
	i := 0
	for i+8 <= len(p) && binary.LittleEndian.Uint64(p[i:]) == uint64(skip)*0x0101010101010101 {
		i += 8
	}
	for ; i < len(p); i++ {
		if b := p[i]; b != skip {
			if bit == 0 {
				b = ^b
			}
			return int64(i)*8 + int64(bits.LeadingZeros8(b))
		}
	}
	if bit == 1 {
		return -1
	}
	return int64(len(p)) * 8
}

// BITPOS key bit [start [end [BYTE|BIT]]]
func bitposCommand(c *Client) {
	argv := c.argv
	bit, ok := parseInt(argv[2])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	if bit != 0 && bit != 1 {
		c.ReplyError("ERR The bit argument must be 1 or 0.")
		return
	}
	// A missing key is an endless run of zeros.
	e := c.db.LookupRead(argv[1])
	if e == nil {
		c.ReplyInt(-bit)
		return
	}
	if metaType(e.Meta) != TypeString {
		c.ReplyError(ErrWrongType)
		return
	}
	p := stringValue(e)
	strlen := int64(len(p))
	var start, end int64
	var firstMask, lastMask byte
	endGiven := false
	switch len(argv) {
	case 4, 5, 6:
		if start, ok = parseInt(argv[3]); !ok {
			c.ReplyError(ErrNotInt)
			return
		}
		isBit := false
		if len(argv) == 6 {
			switch {
			case eqFold(argv[5], "bit"):
				isBit = true
			case eqFold(argv[5], "byte"):
			default:
				c.ReplyError(ErrSyntax)
				return
			}
		}
		if len(argv) >= 5 {
			if end, ok = parseInt(argv[4]); !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			endGiven = true
		} else if isBit {
			end = strlen<<3 + 7
		} else {
			end = strlen - 1
		}
		start, end, firstMask, lastMask = bitRange(start, end, strlen, isBit)
	case 3:
		start, end = 0, strlen-1
	default:
		c.ReplyError(ErrSyntax)
		return
	}
	if start > end {
		c.ReplyInt(-1) // an empty range holds neither a 0 nor a 1
		return
	}
	// Search the first byte (bits before the range masked out), the whole bytes, then
	// the last byte (bits after the range masked out), in Redis's steps: its results
	// at the edges (a clear bit just past an explicit end is "not found") follow.
	n := end - start + 1
	var pos int64
	masked := func(b, mask byte) byte {
		if bit == 1 {
			return b &^ mask
		}
		return b | mask
	}
	done := false
	if firstMask != 0 {
		b := masked(p[start], firstMask)
		if lastMask != 0 && n == 1 {
			b = masked(b, lastMask)
		}
		pos = findBit([]byte{b}, bit)
		if n == 1 || (pos != -1 && pos != 8) {
			done = true
		} else {
			start++
			n--
		}
	}
	if !done {
		whole := n
		if lastMask != 0 {
			whole--
		}
		if whole > 0 {
			pos = findBit(p[start:start+whole], bit)
			if n == whole || (pos != -1 && pos != whole<<3) {
				done = true
			} else {
				start += whole
				n -= whole
			}
		}
	}
	if !done {
		pos = findBit([]byte{masked(p[end], lastMask)}, bit)
	}
	if endGiven && bit == 0 && pos == n<<3 {
		c.ReplyInt(-1)
		return
	}
	if pos != -1 {
		pos += start << 3
	}
	c.ReplyInt(pos)
}

// BITOP AND|OR|XOR|NOT destkey key [key ...]
func bitopCommand(c *Client) {
	argv := c.argv
	var op int
	switch {
	case eqFold(argv[1], "and"):
		op = bitopAnd
	case eqFold(argv[1], "or"):
		op = bitopOr
	case eqFold(argv[1], "xor"):
		op = bitopXor
	case eqFold(argv[1], "not"):
		op = bitopNot
	default:
		c.ReplyError(ErrSyntax)
		return
	}
	if op == bitopNot && len(argv) != 4 {
		c.ReplyError("ERR BITOP NOT must be called with a single source key.")
		return
	}
	target, keys := argv[2], argv[3:]
	srcs := make([][]byte, len(keys)) // missing keys stay nil: empty strings
	maxLen := 0
	for j, k := range keys {
		e := c.db.LookupRead(k)
		if e == nil {
			continue
		}
		if metaType(e.Meta) != TypeString {
			c.ReplyError(ErrWrongType)
			return
		}
		srcs[j] = stringValue(e)
		maxLen = max(maxLen, len(srcs[j]))
	}
	db := c.db
	if maxLen == 0 {
		// An empty result deletes the destination.
		if db.Delete(target) {
			c.srv.signalModified(db, target)
			c.srv.notifyKeyspace(NotifyGeneric, "del", target, db.id)
			c.srv.dirty++
		}
		c.ReplyInt(0)
		return
	}
	res := make([]byte, maxLen)
	copy(res, srcs[0])
	switch op {
	case bitopNot:
		for i := range res {
			res[i] = ^res[i]
		}
	default:
		for _, src := range srcs[1:] {
			bitopWords(res, src, op)
			if op == bitopAnd {
				clear(res[len(src):]) // missing bytes are zeros
			}
		}
	}
	// The destination is replaced whatever its type, loses its TTL, and holds a raw
	// string.
	e := db.LookupWrite(target)
	if e == nil {
		e = db.Add(target, TypeString, EncRaw)
	} else {
		c.srv.signalOverwrite(db, target, e)
		e.ClearVal()
		setTypeEnc(e, TypeString, EncRaw)
		if e.Expire != 0 {
			db.SetExpire(target, 0)
		}
	}
	e.Obj = newSdsBuf(res)
	c.srv.signalModified(db, target)
	c.srv.notifyKeyspace(NotifyString, "set", target, db.id)
	c.srv.dirty++
	c.ReplyInt(int64(maxLen))
}

// bitopWords combines src into dst (AND, OR or XOR) over src's length, eight bytes
// at a time.
func bitopWords(dst, src []byte, op int) {
	n := len(src)
	i := 0
	for ; i+8 <= n; i += 8 {
		x, y := binary.LittleEndian.Uint64(dst[i:]), binary.LittleEndian.Uint64(src[i:])
		switch op {
		case bitopAnd:
			x &= y
		case bitopOr:
			x |= y
		default:
			x ^= y
		}
		binary.LittleEndian.PutUint64(dst[i:], x)
	}
	for ; i < n; i++ {
		switch op {
		case bitopAnd:
			dst[i] &= src[i]
		case bitopOr:
			dst[i] |= src[i]
		default:
			dst[i] ^= src[i]
		}
	}
}

// --- BITFIELD ----------------------------------------------------------------------

// Overflow behaviours of BITFIELD SET and INCRBY.
const (
	bfWrap = iota // wrap around (modular arithmetic)
	bfSat         // saturate at the type's minimum or maximum
	bfFail        // do nothing and reply null
)

// Operations of BITFIELD.
const (
	bfGet = iota
	bfSet
	bfIncrBy
)

// bitfieldOp is one GET, SET or INCRBY of a BITFIELD call, parsed before any runs.
type bitfieldOp struct {
	offset   uint64
	value    int64 // SET value or INCRBY increment
	op       uint8
	overflow uint8
	width    uint8
	signed   bool
}

// bitfieldType parses a field type: "i1".."i64" or "u1".."u63" (lower case only).
func (c *Client) bitfieldType(arg []byte) (signed bool, width int, ok bool) {
	if len(arg) > 0 && (arg[0] == 'i' || arg[0] == 'u') {
		signed = arg[0] == 'i'
		n, good := parseInt(arg[1:])
		if good && n >= 1 && (signed && n <= 64 || !signed && n <= 63) {
			return signed, int(n), true
		}
	}
	c.ReplyError("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.")
	return false, 0, false
}

// bitfieldGet reads the width-bit unsigned field at bit offset off of p.
func bitfieldGet(p []byte, off uint64, width int) uint64 {
	var v uint64
	for i := 0; i < width; i++ {
		v = v<<1 | uint64(p[off>>3]>>(7-off&7)&1)
		off++
	}
	return v
}

// bitfieldGetSigned reads a two's complement field, sign-extended.
func bitfieldGetSigned(p []byte, off uint64, width int) int64 {
	v := int64(bitfieldGet(p, off, width))
	if width < 64 && v&(1<<(width-1)) != 0 {
		v |= -1 << width
	}
	return v
}

// bitfieldSet writes the low width bits of v at bit offset off of p.
func bitfieldSet(p []byte, off uint64, width int, v uint64) {
	for i := width - 1; i >= 0; i-- {
		shift := 7 - off&7
		p[off>>3] = p[off>>3]&^(1<<shift) | byte(v>>i&1)<<shift
		off++
	}
}

// unsignedOverflow checks value+incr against a width-bit unsigned field; when it
// overflows it returns the value to store under wrap or sat (Redis's
// checkUnsignedBitfieldOverflow, whose quirks it keeps: a negative SET value reads as
// a huge one, so it saturates at the maximum).
func unsignedOverflow(value uint64, incr int64, width int, overflow uint8) (bool, uint64) {
	maxv := uint64(1)<<width - 1
	maxIncr := int64(maxv - value)
	minIncr := -int64(value)
	wrap := func() uint64 { return (value + uint64(incr)) & maxv }
	switch {
	case value > maxv || (incr > 0 && incr > maxIncr):
		if overflow == bfWrap {
			return true, wrap()
		}
		return true, maxv
	case incr < 0 && incr < minIncr:
		if overflow == bfWrap {
			return true, wrap()
		}
		return true, 0
	}
	return false, 0
}

// signedOverflow is unsignedOverflow for a two's complement field (Redis's
// checkSignedBitfieldOverflow).
func signedOverflow(value, incr int64, width int, overflow uint8) (bool, int64) {
	maxv := int64(1<<63 - 1)
	if width < 64 {
		maxv = 1<<(width-1) - 1
	}
	minv := -maxv - 1
	maxIncr := int64(uint64(maxv) - uint64(value))
	minIncr := minv - value
	wrap := func() int64 {
		v := uint64(value) + uint64(incr)
		if width < 64 {
			mask := ^uint64(0) << width
			if v&(1<<(width-1)) != 0 {
				v |= mask
			} else {
				v &^= mask
			}
		}
		return int64(v)
	}
	switch {
	case value > maxv || (width != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr):
		if overflow == bfWrap {
			return true, wrap()
		}
		return true, maxv
	case value < minv || (width != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr):
		if overflow == bfWrap {
			return true, wrap()
		}
		return true, minv
	}
	return false, 0
}

// Per-call key flags of BITFIELD (COMMAND GETKEYSANDFLAGS).
var (
	bitfieldFlagsRO = []string{"RO", "access"}
	bitfieldFlagsRW = []string{"RW", "access", "update"}
)

// bitfieldKeyFlags gives BITFIELD's key RO/access when every subcommand is a complete
// GET or OVERFLOW, else RW/access/update (a SET, an INCRBY or anything malformed), as
// Redis's bitfieldGetKeys.
func bitfieldKeyFlags(argv [][]byte, pos int) []string {
	for i := 2; i < len(argv); i++ {
		rem := len(argv) - i - 1
		switch {
		case eqFold(argv[i], "get") && rem >= 2:
			i += 2
		case eqFold(argv[i], "overflow") && rem >= 1:
			i++
		default: // SET, INCRBY or a syntax error: assume a write
			return bitfieldFlagsRW
		}
	}
	return bitfieldFlagsRO
}

// BITFIELD key [GET encoding offset|[OVERFLOW WRAP|SAT|FAIL] SET encoding offset value|INCRBY encoding offset increment ...]
func bitfieldCommand(c *Client) { c.bitfieldGeneric(false) }

// BITFIELD_RO key [GET encoding offset ...]
func bitfieldROCommand(c *Client) { c.bitfieldGeneric(true) }

// bitfieldGeneric parses every operation first (any error aborts the whole command),
// then runs them in order against one buffer.
func (c *Client) bitfieldGeneric(readOnlyCmd bool) {
	argv := c.argv
	var opsBuf [4]bitfieldOp
	ops := opsBuf[:0]
	overflow := uint8(bfWrap)
	readonly := true
	var highest uint64
	for j := 2; j < len(argv); j++ {
		rem := len(argv) - j - 1
		var op uint8
		switch sub := argv[j]; {
		case eqFold(sub, "get") && rem >= 2:
			op = bfGet
		case eqFold(sub, "set") && rem >= 3:
			op = bfSet
		case eqFold(sub, "incrby") && rem >= 3:
			op = bfIncrBy
		case eqFold(sub, "overflow") && rem >= 1:
			j++
			switch a := argv[j]; {
			case eqFold(a, "wrap"):
				overflow = bfWrap
			case eqFold(a, "sat"):
				overflow = bfSat
			case eqFold(a, "fail"):
				overflow = bfFail
			default:
				c.ReplyError("ERR Invalid OVERFLOW type specified")
				return
			}
			continue
		default:
			c.ReplyError(ErrSyntax)
			return
		}
		signed, width, ok := c.bitfieldType(argv[j+1])
		if !ok {
			return
		}
		off, ok := c.bitOffset(argv[j+2], true, width)
		if !ok {
			return
		}
		var v int64
		if op != bfGet {
			readonly = false
			highest = max(highest, off+uint64(width)-1)
			if v, ok = parseInt(argv[j+3]); !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			j++
		}
		j += 2
		ops = append(ops, bitfieldOp{offset: off, value: v, op: op, overflow: overflow, width: uint8(width), signed: signed})
	}

	var sb *strBuf // the buffer written to, when some operation writes
	var val []byte // the value read, when none does
	var grown bool
	if readonly {
		e := c.db.LookupRead(argv[1])
		if e != nil {
			if metaType(e.Meta) != TypeString {
				c.ReplyError(ErrWrongType)
				return
			}
			val = stringValue(e)
		}
	} else {
		if readOnlyCmd {
			c.ReplyError("ERR BITFIELD_RO only supports the GET subcommand")
			return
		}
		var ok bool
		if sb, grown, ok = c.lookupStringForBits(highest); !ok {
			return
		}
	}

	c.ReplyArray(len(ops))
	changes := 0
	for i := range ops {
		op := &ops[i]
		width := int(op.width)
		if op.op == bfGet {
			if sb != nil {
				val = sb.b
			}
			// Read through a zero-padded copy of the (up to) nine bytes the field
			// spans, so fields past the end of the string read as zeros.
			var buf [9]byte
			first := op.offset >> 3
			if first < uint64(len(val)) {
				copy(buf[:], val[first:])
			}
			off := op.offset - first*8
			if op.signed {
				c.ReplyInt(bitfieldGetSigned(buf[:], off, width))
			} else {
				c.ReplyInt(int64(bitfieldGet(buf[:], off, width)))
			}
			continue
		}
		var oldv, newv, ret uint64
		var over bool
		if op.signed {
			old := bitfieldGetSigned(sb.b, op.offset, width)
			var nv, wrapped int64
			if op.op == bfIncrBy {
				over, wrapped = signedOverflow(old, op.value, width, op.overflow)
				nv = old + op.value
				if over {
					nv = wrapped
				}
				ret = uint64(nv)
			} else {
				nv = op.value
				if over, wrapped = signedOverflow(nv, 0, width, op.overflow); over {
					nv = wrapped
				}
				ret = uint64(old)
			}
			oldv, newv = uint64(old), uint64(nv)
		} else {
			oldv = bitfieldGet(sb.b, op.offset, width)
			var wrapped uint64
			if op.op == bfIncrBy {
				newv = oldv + uint64(op.value)
				if over, wrapped = unsignedOverflow(oldv, op.value, width, op.overflow); over {
					newv = wrapped
				}
				ret = newv
			} else {
				newv = uint64(op.value)
				if over, wrapped = unsignedOverflow(newv, 0, width, op.overflow); over {
					newv = wrapped
				}
				ret = oldv
			}
		}
		if over && op.overflow == bfFail {
			c.ReplyNull()
			continue
		}
		c.ReplyInt(int64(ret))
		bitfieldSet(sb.b, op.offset, width, newv)
		if grown || oldv != newv {
			changes++
		}
	}
	if changes > 0 {
		c.srv.signalModified(c.db, argv[1])
		c.srv.notifyKeyspace(NotifyString, "setbit", argv[1], c.db.id)
		c.srv.dirty += int64(changes)
	}
}
