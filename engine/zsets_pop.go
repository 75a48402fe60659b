package engine

// Sorted set pops (ZPOPMIN, ZPOPMAX, ZMPOP and the blocking BZPOPMIN, BZPOPMAX,
// BZMPOP on the registry of blocking.go), ZRANDMEMBER and ZSCAN, after Redis 7.0's
// genericZpopCommand, blockingGenericZpopCommand, zrandmemberWithCountCommand and
// scanGenericCommand.

import (
	"math/rand/v2"
	"strconv"

	"github.com/keygrid/keygrid/engine/glob"
	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/engine/skiplist"
)

// Arguments of rewritten commands (propagation). Shared and read-only.
var (
	argZPOPMIN = []byte("ZPOPMIN")
	argZPOPMAX = []byte("ZPOPMAX")
)

func zpopArg(max bool) []byte {
	if max {
		return argZPOPMAX
	}
	return argZPOPMIN
}

// zpopReply says how a pop replies (Redis's emitkey, use_nested_array and
// reply_nil_when_empty).
type zpopReply struct {
	emitKey, nested, nilWhenEmpty bool
}

// zpopGeneric is Redis's genericZpopCommand: pop count members (-1: one, plain) from
// the first existing key among keys, at the top when max. It returns whether the key
// was deleted, having emptied.
func (c *Client) zpopGeneric(keys [][]byte, max bool, count int64, rf zpopReply) bool {
	var key []byte
	var z *zsetObj
	for _, k := range keys {
		_, zz, ok := c.lookupZsetWrite(k)
		if !ok {
			return false
		}
		if zz != nil {
			key, z = k, zz
			break
		}
	}
	if z == nil {
		if rf.nilWhenEmpty {
			c.ReplyNullArray()
		} else {
			c.ReplyArray(0)
		}
		return false
	}
	if count == 0 {
		c.ReplyArray(0)
		return false
	}
	if count == -1 {
		count = 1
	}
	llen := int64(z.length())
	n := min(count, llen)
	switch {
	case !rf.nested && !rf.emitKey:
		c.ReplyArray(int(2 * n))
	case rf.nested && !rf.emitKey:
		c.ReplyArray(int(n))
	case !rf.nested && rf.emitKey:
		c.ReplyArray(int(2*n + 1))
		c.ReplyBulk(key)
	default:
		c.ReplyArray(2)
		c.ReplyBulk(key)
		c.ReplyArray(int(n))
	}
	s := c.srv
	var nb [20]byte
	for i := int64(0); i < n; i++ {
		var p zpos
		if max {
			p = z.last()
		} else {
			p = z.first()
		}
		score := z.scoreAt(p)
		if rf.nested {
			c.ReplyArray(2)
		}
		c.ReplyBulk(z.memberAt(p, &nb))
		c.ReplyDouble(score)
		if z.sl != nil {
			z.sl.Delete(skiplist.Node(p))
		} else {
			z.lpDelete(p)
		}
		s.dirty++
		if i == 0 {
			ev := "zpopmin"
			if max {
				ev = "zpopmax"
			}
			s.notifyKeyspace(NotifyZSet, ev, key, c.db.id)
			s.signalModified(c.db, key)
		}
	}
	deleted := false
	if z.length() == 0 {
		c.zsetDeleteKey(key)
		s.notifyKeyspace(NotifyGeneric, "del", key, c.db.id)
		deleted = true
	}
	if c.cmd != nil && c.cmd.Name == "zmpop" {
		// Replicated as ZPOPMIN/ZPOPMAX with a count, whatever the input was.
		c.rewriteArgv([][]byte{zpopArg(max), key, strconv.AppendInt(nil, n, 10)})
	}
	return deleted
}

// ZPOPMIN key [count]
func zpopminCommand(c *Client) { c.zpopMinMax(false) }

// ZPOPMAX key [count]
func zpopmaxCommand(c *Client) { c.zpopMinMax(true) }

func (c *Client) zpopMinMax(max bool) {
	if len(c.argv) > 3 {
		c.ReplyError(ErrSyntax)
		return
	}
	count := int64(-1)
	if len(c.argv) == 3 {
		var ok bool
		if count, ok = c.zparsePositive(c.argv[2], ""); !ok {
			return
		}
	}
	// RESP3 nests pairs when a count was given.
	c.zpopGeneric(c.argv[1:2], max, count, zpopReply{nested: c.proto > 2 && count != -1})
}

// zmpopArgs parses ZMPOP's and BZMPOP's arguments from numkeys on (Redis's
// zmpopGenericCommand).
func (c *Client) zmpopArgs(numkeysIdx int) (keys [][]byte, max bool, count int64, ok bool) {
	argv := c.argv
	numkeys, ok := c.zparseRangeLong(argv[numkeysIdx], 1, 1<<63-1, "ERR numkeys should be greater than 0")
	if !ok {
		return nil, false, 0, false
	}
	if numkeys >= int64(len(argv)-numkeysIdx-1) {
		c.ReplyError(ErrSyntax)
		return nil, false, 0, false
	}
	whereIdx := numkeysIdx + int(numkeys) + 1
	switch {
	case eqFold(argv[whereIdx], "min"):
	case eqFold(argv[whereIdx], "max"):
		max = true
	default:
		c.ReplyError(ErrSyntax)
		return nil, false, 0, false
	}
	count = -1
	for j := whereIdx + 1; j < len(argv); j++ {
		if count == -1 && eqFold(argv[j], "count") && j+1 < len(argv) {
			j++
			if count, ok = c.zparseRangeLong(argv[j], 1, 1<<63-1, "ERR count should be greater than 0"); !ok {
				return nil, false, 0, false
			}
			continue
		}
		c.ReplyError(ErrSyntax)
		return nil, false, 0, false
	}
	if count == -1 {
		count = 1
	}
	return argv[numkeysIdx+1 : whereIdx], max, count, true
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
func zmpopCommand(c *Client) {
	keys, max, count, ok := c.zmpopArgs(1)
	if !ok {
		return
	}
	c.zpopGeneric(keys, max, count, zpopReply{emitKey: true, nested: true, nilWhenEmpty: true})
}

// zpopBlock is what a client blocked in BZPOPMIN, BZPOPMAX or BZMPOP waits to do.
type zpopBlock struct {
	max   bool
	count int64 // -1: one member, BZPOPMIN/BZPOPMAX style
	rf    zpopReply
}

// BZPOPMIN key [key ...] timeout
func bzpopminCommand(c *Client) {
	c.bzpopGeneric(c.argv[1:len(c.argv)-1], len(c.argv)-1, &zpopBlock{count: -1, rf: zpopReply{emitKey: true}})
}

// BZPOPMAX key [key ...] timeout
func bzpopmaxCommand(c *Client) {
	c.bzpopGeneric(c.argv[1:len(c.argv)-1], len(c.argv)-1, &zpopBlock{max: true, count: -1, rf: zpopReply{emitKey: true}})
}

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
func bzmpopCommand(c *Client) {
	keys, max, count, ok := c.zmpopArgs(2)
	if !ok {
		return
	}
	c.bzpopGeneric(keys, 1, &zpopBlock{max: max, count: count, rf: zpopReply{emitKey: true, nested: true, nilWhenEmpty: true}})
}

// bzpopGeneric is Redis's blockingGenericZpopCommand: pop from the first non-empty
// set among keys, propagated as ZPOPMIN/ZPOPMAX, or block until one is.
func (c *Client) bzpopGeneric(keys [][]byte, timeoutIdx int, zb *zpopBlock) {
	deadline, ok := c.blockTimeoutArg(c.argv[timeoutIdx], true)
	if !ok {
		return
	}
	for _, key := range keys {
		_, z, ok := c.lookupZsetWrite(key)
		if !ok {
			return
		}
		if z == nil || z.length() == 0 {
			continue
		}
		llen := int64(z.length())
		c.zpopGeneric([][]byte{key}, zb.max, zb.count, zb.rf)
		if zb.count == -1 {
			c.rewriteArgv([][]byte{zpopArg(zb.max), key})
		} else {
			c.rewriteArgv([][]byte{zpopArg(zb.max), key, strconv.AppendInt(nil, min(zb.count, llen), 10)})
		}
		return
	}
	if c.blockingDenied() {
		c.ReplyNullArray()
		return
	}
	c.srv.blockForKeys(c, &BlockSpec{
		Type:    BlockZSet,
		Keys:    keys,
		Timeout: deadline,
		Data:    zb,
		Serve:   serveBlockedZpop,
	})
}

// serveBlockedZpop serves a client blocked in BZPOPMIN, BZPOPMAX or BZMPOP from the
// zset at key (Redis's serveClientsBlockedOnSortedSetKey): it pops and replies as the
// command would have, and propagates ZPOPMIN/ZPOPMAX key [count].
func serveBlockedZpop(c *Client, key []byte, e *keyspace.Entry) bool {
	zb := c.blockData().(*zpopBlock)
	llen := int64(zsetOf(e).length())
	k := append([]byte(nil), key...) // the propagated copy outlives key
	c.zpopGeneric([][]byte{k}, zb.max, zb.count, zb.rf)
	if zb.count == -1 {
		c.srv.propagateArgs(c.db.id, zpopArg(zb.max), k)
	} else {
		c.srv.propagateArgs(c.db.id, zpopArg(zb.max), k, strconv.AppendInt(nil, min(zb.count, llen), 10))
	}
	return true
}

// --- ZRANDMEMBER ---------------------------------------------------------------------------

// zrandSampleLimit bounds how many members one batch of a negative count picks
// (Redis's ZRANDMEMBER_RANDOM_SAMPLE_LIMIT), checking output limits between batches.
const zrandSampleLimit = 1000

// ZRANDMEMBER key [count [WITHSCORES]]
func zrandmemberCommand(c *Client) {
	argv := c.argv
	if len(argv) >= 3 {
		l, ok := c.zparseRangeLong(argv[2], -(1<<63 - 1), 1<<63-1, "")
		if !ok {
			return
		}
		withscores := false
		if len(argv) > 4 || len(argv) == 4 && !eqFold(argv[3], "withscores") {
			c.ReplyError(ErrSyntax)
			return
		} else if len(argv) == 4 {
			withscores = true
			if l < -(1<<63-1)/2 || l > (1<<63-1)/2 {
				c.ReplyError("ERR value is out of range")
				return
			}
		}
		c.zrandmemberWithCount(l, withscores)
		return
	}
	z, ok := c.lookupZsetRead(argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.ReplyNull()
		return
	}
	var nb [20]byte
	c.ReplyBulk(z.memberAt(z.byRank(rand.IntN(z.length())), &nb))
}

// zrandmemberWithCount is Redis's zrandmemberWithCountCommand.
func (c *Client) zrandmemberWithCount(l int64, withscores bool) {
	z, ok := c.lookupZsetRead(c.argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.ReplyArray(0)
		return
	}
	size := z.length()
	uniq := l >= 0
	count := uint64(l)
	if !uniq {
		count = uint64(-l)
	}
	if count == 0 {
		c.ReplyArray(0)
		return
	}
	var nb [20]byte
	// Case 1: a negative count (repeats allowed) or a single member.
	if !uniq || count == 1 {
		c.zreplyArrayLen(int(count), withscores)
		for count > 0 {
			batch := min(count, zrandSampleLimit)
			count -= batch
			for ; batch > 0; batch-- {
				p := z.byRank(rand.IntN(size))
				c.zreplyMember(z.memberAt(p, &nb), z.scoreAt(p), withscores)
			}
			if c.setReplyAborted() {
				break
			}
		}
		return
	}
	// Case 2: at least the whole set: all of it, walked from the top as Redis's
	// zset iterator does.
	if count >= uint64(size) {
		c.zreplyArrayLen(size, withscores)
		for p := z.last(); p >= 0; p = z.prev(p) {
			c.zreplyMember(z.memberAt(p, &nb), z.scoreAt(p), withscores)
		}
		return
	}
	// Cases 3 and 4: count distinct members, count < size. Pick ranks: by removing
	// random ranks from all of them when count is close to size, by sampling
	// otherwise.
	n := int(count)
	c.zreplyArrayLen(n, withscores)
	var ranks []int
	if n*3 > size {
		ranks = make([]int, size)
		for i := range ranks {
			ranks[i] = i
		}
		for len(ranks) > n {
			i := rand.IntN(len(ranks))
			ranks[i] = ranks[len(ranks)-1]
			ranks = ranks[:len(ranks)-1]
		}
	} else {
		seen := make(map[int]struct{}, n)
		for len(ranks) < n {
			r := rand.IntN(size)
			if _, dup := seen[r]; dup {
				continue
			}
			seen[r] = struct{}{}
			ranks = append(ranks, r)
		}
	}
	for _, r := range ranks {
		p := z.byRank(r)
		c.zreplyMember(z.memberAt(p, &nb), z.scoreAt(p), withscores)
	}
}

// --- ZSCAN ------------------------------------------------------------------------------------

// ZSCAN key cursor [MATCH pattern] [COUNT count]
func zscanCommand(c *Client) {
	argv := c.argv
	cursor, ok := parseScanCursor(argv[2])
	if !ok {
		c.ReplyError("ERR invalid cursor")
		return
	}
	z, ok := c.lookupZsetRead(argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.out = append(c.out, "*2\r\n$1\r\n0\r\n*0\r\n"...)
		return
	}
	count := int64(10)
	var pat []byte
	for i := 3; i < len(argv); i += 2 {
		more := len(argv) - i
		switch {
		case eqFold(argv[i], "count") && more >= 2:
			n, ok := c.zparseLong(argv[i+1], "")
			if !ok {
				return
			}
			if n < 1 {
				c.ReplyError(ErrSyntax)
				return
			}
			count = n
		case eqFold(argv[i], "match") && more >= 2:
			pat = argv[i+1]
		default:
			c.ReplyError(ErrSyntax)
			return
		}
	}
	usePat := pat != nil && !(len(pat) == 1 && pat[0] == '*')
	// Collect the pairs (member and score text, as Redis lists them) into one buffer,
	// then filter by pattern and reply.
	type pair struct{ m, s, end int }
	var buf []byte
	var pairs []pair
	add := func(member, score []byte) {
		p := pair{m: len(buf)}
		buf = append(buf, member...)
		p.s = len(buf)
		buf = append(buf, score...)
		p.end = len(buf)
		if !usePat || glob.GlobMatch(pat, buf[p.m:p.s], false) {
			pairs = append(pairs, p)
		} else {
			buf = buf[:p.m]
		}
	}
	if z.sl != nil {
		// Members and scores come in pairs: COUNT counts both, as in Redis.
		count *= 2
		maxIter := count * 10
		var sb [32]byte
		seen := int64(0)
		for {
			cursor = z.sl.Scan(cursor, func(m []byte, s float64) {
				seen += 2
				add(m, resp.FormatDouble(sb[:0], s))
			})
			if cursor == 0 || maxIter == 0 || seen >= count {
				break
			}
			maxIter--
		}
	} else {
		// A listpack is returned whole, each entry as stored.
		var nb, sn [20]byte
		for p := z.lp.First(); p >= 0; p = z.lp.Next(z.lp.Next(p)) {
			add(zlpMember(z.lp.Get(p), &nb), zlpMember(z.lp.Get(z.lp.Next(p)), &sn))
		}
		cursor = 0
	}
	c.ReplyArray(2)
	var cb [20]byte
	c.ReplyBulk(strconv.AppendUint(cb[:0], cursor, 10))
	c.ReplyArray(2 * len(pairs))
	for _, p := range pairs {
		c.ReplyBulk(buf[p.m:p.s])
		c.ReplyBulk(buf[p.s:p.end])
	}
}
