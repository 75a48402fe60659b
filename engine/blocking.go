package engine

// Blocking operations: clients that wait for keys (BLPOP, BLMOVE, BLMPOP; BZPOPMIN,
// BZMPOP; XREAD and XREADGROUP with BLOCK) or only for a timeout, after Redis 7.0's
// blocked.c and timeout.c.
//
// The model, as in Redis 7.0:
//
//   - A command that must wait calls blockForKeys. The client is flagged blocked and
//     stops processing input: requests it pipelined after the blocking one stay in its
//     query buffer (more may arrive, and disconnects are still seen). It is queued, per
//     database and key, in a FIFO of waiters, and, with a timeout, in a deadline heap.
//   - A write that creates a key (DB.Add, and the RENAME/MOVE/COPY paths) or that gives
//     waiters something new (XADD) calls signalKeyAsReady. That is cheap: nothing
//     happens unless a client waits on that very key for that kind of value.
//   - After the command that signalled finishes (dispatchCommand, after call), and so
//     after a whole EXEC or script, whose inner commands go through call only,
//     handleClientsBlockedOnKeys serves the ready keys in the order they became ready,
//     each key's waiters in the order they blocked, through each waiter's Serve
//     callback: it pops what its command asks for, replies and propagates the effect as
//     the non-blocking command (BLPOP as LPOP, ...). Serving may make other keys ready
//     (BLMOVE pushes to its destination): those are served in the same call, as Redis's
//     loop over a fresh ready list does.
//   - A served, timed-out (null reply) or CLIENT UNBLOCKed client is unblocked and
//     queued for reprocessing: beforeSleep runs the requests it pipelined meanwhile.
//   - Timeouts are checked in every beforeSleep and cron tick, and a loop timer is armed
//     for the earliest deadline, so a 0.1 s timeout fires within a millisecond or two.
//   - A client that may not block (inside MULTI/EXEC and scripts: flagDenyBlocking,
//     set by their owners) gets what the command replies on timeout, immediately.
//
// Plugging in another type (zsets, streams). The command parses its arguments, tries
// to serve itself at once, and otherwise blocks with a Serve callback that does the
// same work later, on the receiver's behalf:
//
//	// BZPOPMIN key [key ...] timeout
//	func bzpopminCommand(c *Client) {
//		deadline, ok := c.blockTimeoutArg(c.argv[len(c.argv)-1], true)
//		if !ok {
//			return // replied "timeout is not a float or out of range" / "timeout is negative"
//		}
//		keys := c.argv[1 : len(c.argv)-1]
//		if served := zpopFromFirstNonEmpty(c, keys); served { // replies, or WRONGTYPE
//			return
//		}
//		if c.blockingDenied() { // MULTI, scripts: as if the timeout expired at once
//			c.ReplyNullArray()
//			return
//		}
//		c.srv.blockForKeys(c, &BlockSpec{
//			Type:    BlockZSet,
//			Keys:    keys, // copied
//			Timeout: deadline,
//			Data:    &zpopBlock{min: true, count: -1}, // your own state, read in Serve
//			Serve:   serveBlockedZpop,
//		})
//	}
//
//	// serveBlockedZpop runs when a key c waits on holds a zset (e is its entry, of
//	// the Type the spec named). It replies to c as BZPOPMIN would, propagates
//	// ZPOPMIN key (c.srv.propagateArgs), notifies and deletes an emptied key, and
//	// returns true: c is then unblocked. Returning false keeps c waiting: XREAD does
//	// that when the stream has nothing newer than the id c asked for.
//	func serveBlockedZpop(c *Client, key []byte, e *keyspace.Entry) bool {
//		zb := c.blockData().(*zpopBlock)
//		...
//		return true
//	}
//
// Whoever makes a key ready calls signalKeyAsReady: creating the key through DB.Add
// does it for every type; XADD on an existing stream calls it itself, as Redis's
// xaddCommand does. OnTimeout replaces the default timeout reply (a null array) and
// serves keyless waits (WAIT); OnKeyGone is for XREADGROUP, which fails with
// "-UNBLOCKED the stream key no longer exists" when its stream is deleted or
// replaced: DB.Delete and expiry signal a stream's key as ready when they remove it,
// and so do FLUSHDB/FLUSHALL and SWAPDB, as Redis's dbGenericDelete and
// scanDatabaseForDeletedStreams do. (Overwriting a stream in place with another type,
// SET k v over a stream, must signal it too: that is the writer's call.)

import (
	"container/heap"
	"math/big"
	"time"

	"github.com/keygrid/keygrid/engine/keyspace"
)

// BlockType is what a blocked client waits for. A ready key serves only the waiters
// whose type matches the value it holds (Redis's btype check).
type BlockType uint8

const (
	BlockNone   BlockType = iota // not blocked on keys: WAIT and other timeout-only waits
	BlockList                    // BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP
	BlockZSet                    // BZPOPMIN, BZPOPMAX, BZMPOP
	BlockStream                  // XREAD, XREADGROUP with BLOCK
	blockTypes
)

// blockTypeOf maps a value type to the waiters it can serve.
func blockTypeOf(typ uint32) BlockType {
	switch typ {
	case TypeList:
		return BlockList
	case TypeZSet:
		return BlockZSet
	case TypeStream:
		return BlockStream
	}
	return BlockNone
}

// BlockSpec describes what a client blocks for. blockForKeys copies what it keeps, so
// Keys may alias argv.
type BlockSpec struct {
	Type BlockType
	// Keys to wait on, in the client's database; duplicates count once.
	Keys [][]byte
	// Timeout is the absolute deadline in unix ms (blockTimeoutArg), 0 for none.
	Timeout int64
	// Serve serves c with key, whose entry e holds a value of Type; see the file
	// comment. It runs on the loop, outside any command, with c.db the key's database.
	Serve func(c *Client, key []byte, e *keyspace.Entry) bool
	// OnTimeout replies when the deadline passes or CLIENT UNBLOCK ... TIMEOUT is
	// used; nil replies a null array, Redis's reply for lists, zsets and streams.
	OnTimeout func(c *Client)
	// OnKeyGone, if set, is called when a key c waits on was signalled ready but no
	// longer holds a value of Type (deleted, or replaced). Returning true (after
	// replying) unblocks c; false keeps it waiting.
	OnKeyGone func(c *Client, key []byte) bool
	// Data is the command's own state, for Serve (c.blockData()).
	Data any
}

// blockState is a blocked client's side of the registry.
type blockState struct {
	spec BlockSpec
	cmd  *Command // the blocking command (stats)
	// argv is a copy of the blocking command as sent, and us the time its first
	// run took: SLOWLOG logs the command when it is unblocked (Redis keeps the
	// client's original_argv until then).
	argv  [][]byte
	us    int64
	db    *DB
	nodes []*waitNode // one per distinct key, in the per-key FIFOs
	// deadline in the timeout heap: the timeout as an unsigned number, as Redis's
	// radix tree keys it (a timeout that wrapped past the int64 range waits forever).
	deadline uint64
	heapIdx  int // index in the timeout heap, -1 when not in it
}

// waitNode is one client in one key's FIFO of waiters (Redis's per-key client list).
type waitNode struct {
	c          *Client
	key        string
	prev, next *waitNode
	list       *waitList
}

type waitList struct {
	head, tail *waitNode
	n          int
}

func (l *waitList) push(n *waitNode) {
	n.list = l
	n.prev = l.tail
	if l.tail != nil {
		l.tail.next = n
	} else {
		l.head = n
	}
	l.tail = n
	l.n++
}

func (l *waitList) remove(n *waitNode) {
	if n.prev != nil {
		n.prev.next = n.next
	} else {
		l.head = n.next
	}
	if n.next != nil {
		n.next.prev = n.prev
	} else {
		l.tail = n.prev
	}
	n.prev, n.next, n.list = nil, nil, nil
	l.n--
}

// readyKey is a key that may serve waiters (Redis's readyList).
type readyKey struct {
	db  *DB
	key string
}

// blockingState is the server's registry of blocked clients (a Server field).
type blockingState struct {
	count  int             // blocked clients
	byType [blockTypes]int // blocked clients per BlockType
	// waiters maps, per database id, a key to its FIFO of blocked clients
	// (db->blocking_keys); readySet the keys already queued in ready (db->ready_keys).
	waiters  []map[string]*waitList
	readySet []map[string]struct{}
	ready    []readyKey // server.ready_keys
	spare    []readyKey
	// unblocked are clients to reprocess in beforeSleep (server.unblocked_clients).
	unblocked []*Client
	timeouts  timeoutHeap
	// timerID is the loop timer armed for timerAt (unix ms), 0 when none.
	timerID int64
	timerAt int64
	// hold > 0 defers serving (holdBlockedServing); serving guards re-entry.
	hold    int
	serving bool
	scratch []*Client
	keyBuf  []byte
}

// initBlocking wires the registry into the server's hooks (New calls it).
func (s *Server) initBlocking() {
	b := &s.blocking
	b.waiters = make([]map[string]*waitList, len(s.dbs))
	b.readySet = make([]map[string]struct{}, len(s.dbs))
	// A client held by CLIENT PAUSE is blocked too (Redis's BLOCKED_POSTPONE): it
	// counts in INFO blocked_clients, shows 'b' in CLIENT LIST and is exempt from
	// the idle timeout.
	s.blockedFn = func(c *Client) bool { return c.flags&(flagBlocked|flagPaused) != 0 }
	s.onClientFree = append(s.onClientFree, func(c *Client) {
		if c.flags&flagBlocked != 0 {
			s.unblockClient(c, false)
		}
	})
	s.beforeSleepHooks = append(s.beforeSleepHooks, s.blockingBeforeSleep)
	s.cronHooks = append(s.cronHooks, func() { s.handleBlockedClientsTimeout() })
	s.onSwapDB = append(s.onSwapDB, s.blockingOnSwapDB)
	s.onFlush = append(s.onFlush, s.blockingOnFlush)
	s.infoHooks = append(s.infoHooks, func(section string, sec *InfoSection) {
		if section == "clients" {
			// Clients held by CLIENT PAUSE count too (BLOCKED_POSTPONE).
			n := b.count
			for _, c := range s.pausedClients {
				if c.fd >= 0 && c.flags&flagPaused != 0 {
					n++
				}
			}
			sec.Set("blocked_clients", itoa(int64(n)))
			sec.Set("clients_in_timeout_table", itoa(int64(len(b.timeouts))))
		}
	})
}

// BlockedClients is the number of clients blocked in a blocking command (INFO
// blocked_clients).
func (s *Server) BlockedClients() int { return s.blocking.count }

// blockingDenied reports whether c may not block: inside MULTI/EXEC and scripts a
// blocking command behaves as if its timeout had expired at once (Redis's
// CLIENT_DENY_BLOCKING, set by those parts with flagDenyBlocking).
func (c *Client) blockingDenied() bool { return c.flags&flagDenyBlocking != 0 }

// blockData returns the Data of the spec c is blocked with (for Serve callbacks).
func (c *Client) blockData() any {
	if c.bstate == nil {
		return nil
	}
	return c.bstate.spec.Data
}

// blockForKeys blocks c as spec says (Redis's blockForKeys + blockClient). The caller
// has replied nothing; it must have checked c.blockingDenied() first.
func (s *Server) blockForKeys(c *Client, spec *BlockSpec) {
	b := &s.blocking
	st := &blockState{spec: *spec, cmd: c.cmd, db: c.db, heapIdx: -1, argv: copyArgv(c.argv)}
	st.spec.Keys = nil
	id := c.db.id
	if len(spec.Keys) > 0 && b.waiters[id] == nil {
		b.waiters[id] = make(map[string]*waitList)
	}
	for _, k := range spec.Keys {
		key := string(k)
		dup := false
		for _, n := range st.nodes {
			if n.key == key {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		st.spec.Keys = append(st.spec.Keys, []byte(key))
		l := b.waiters[id][key]
		if l == nil {
			l = &waitList{}
			b.waiters[id][key] = l
		}
		n := &waitNode{c: c, key: key}
		l.push(n)
		st.nodes = append(st.nodes, n)
	}
	c.bstate = st
	c.flags |= flagBlocked
	b.count++
	b.byType[spec.Type]++
	if spec.Timeout != 0 {
		st.deadline = uint64(spec.Timeout)
		heap.Push(&b.timeouts, c)
		s.armBlockTimer()
	}
}

// unblockClient removes c from the registry (Redis's unblockClient). With requeue,
// c is queued for beforeSleep to run the requests it pipelined while blocked; a
// client going away is not.
func (s *Server) unblockClient(c *Client, requeue bool) {
	st := c.bstate
	if st == nil {
		return
	}
	b := &s.blocking
	id := st.db.id
	for _, n := range st.nodes {
		l := n.list
		if l == nil {
			continue
		}
		l.remove(n)
		if l.n == 0 {
			delete(b.waiters[id], n.key)
		}
	}
	if st.heapIdx >= 0 {
		heap.Remove(&b.timeouts, st.heapIdx)
	}
	b.count--
	b.byType[st.spec.Type]--
	c.bstate = nil
	c.flags &^= flagBlocked
	if requeue && c.fd >= 0 {
		if c.flags&flagUnblocked == 0 {
			c.flags |= flagUnblocked
			b.unblocked = append(b.unblocked, c)
		}
		s.queueWrite(c)
	}
}

// signalKeyAsReady notes that key in db may now serve clients blocked for values of
// type typ (Redis's signalKeyAsReady). Call it whenever a write creates such a key or
// adds what waiters wait for; it costs a counter test when nobody waits.
func (s *Server) signalKeyAsReady(db *DB, key []byte, typ uint32) {
	b := &s.blocking
	bt := blockTypeOf(typ)
	if bt == BlockNone || b.byType[bt] == 0 {
		return
	}
	w := b.waiters[db.id]
	if w == nil || w[string(key)] == nil {
		return
	}
	rs := b.readySet[db.id]
	if rs == nil {
		rs = make(map[string]struct{})
		b.readySet[db.id] = rs
	}
	if _, queued := rs[string(key)]; queued {
		return
	}
	k := string(key)
	rs[k] = struct{}{}
	b.ready = append(b.ready, readyKey{db: db, key: k})
}

// signalOverwrite is called before a write replaces e, the value at key, in place
// with a new value (SET over any key, the *STORE commands): a stream going away this
// way must fail its XREADGROUP waiters as a deleted one does (Redis's dbOverwrite).
func (s *Server) signalOverwrite(db *DB, key []byte, e *keyspace.Entry) {
	if metaType(e.Meta) == TypeStream {
		s.signalKeyAsReady(db, key, TypeStream)
	}
	if s.cfg.LazyfreeLazyServerDel {
		s.lazyfreeDrop(e) // the old value goes as dbOverwrite frees it
	}
}

// holdBlockedServing defers serving ready keys until the matching
// releaseBlockedServing: for a part that runs several commands as one unit and does
// not go through call alone (EXEC and scripts need not: see the file comment).
func (s *Server) holdBlockedServing()    { s.blocking.hold++ }
func (s *Server) releaseBlockedServing() { s.blocking.hold-- }

// handleClientsBlockedOnKeys serves the clients blocked on keys made ready since the
// last call (Redis's handleClientsBlockedOnKeys).
func (s *Server) handleClientsBlockedOnKeys() {
	b := &s.blocking
	// Not while a busy script serves other clients (Redis's
	// isInsideYieldingLongCommand): the keys are served once it returns.
	if b.serving || b.hold > 0 || s.script.run != nil {
		return
	}
	b.serving = true
	for len(b.ready) > 0 {
		// Swap in a fresh list: serving may signal more keys (BLMOVE's push), which
		// the next round serves.
		l := b.ready
		b.ready = b.spare[:0]
		for i := range l {
			rk := l[i]
			l[i] = readyKey{}
			delete(b.readySet[rk.db.id], rk.key)
			s.serveReadyKey(rk.db, rk.key)
		}
		b.spare = l[:0]
	}
	b.serving = false
}

// serveReadyKey serves the waiters of one ready key, in the order they blocked.
func (s *Server) serveReadyKey(db *DB, key string) {
	b := &s.blocking
	w := b.waiters[db.id]
	if w == nil || w[key] == nil {
		return
	}
	// Lookups expire keys against one fixed time, as Redis's fixed_time_expire does.
	s.nowMs = s.wallMs(s.monoNow())
	b.keyBuf = append(b.keyBuf[:0], key...)
	kb := b.keyBuf
	e := db.lookup(kb)
	bt := BlockNone
	if e != nil {
		bt = blockTypeOf(metaType(e.Meta))
	}
	// Snapshot the waiters: serving unblocks them, and a Serve callback must not see
	// the FIFO change under it.
	clients := b.scratch[:0]
	for n := w[key].head; n != nil; n = n.next {
		clients = append(clients, n.c)
	}
	b.scratch = clients
	if bt != BlockNone && b.byType[bt] > 0 {
		for _, c := range clients {
			st := c.bstate
			if st == nil || st.spec.Type != bt || st.spec.Serve == nil {
				continue
			}
			// The previous client may have emptied (and deleted) the key.
			if e = db.lookup(kb); e == nil || blockTypeOf(metaType(e.Meta)) != bt {
				break
			}
			s.serveBlocked(c, st, func() bool { return st.spec.Serve(c, kb, e) })
		}
	}
	// Waiters that give up when their key no longer holds their type (XREADGROUP).
	for _, c := range clients {
		st := c.bstate
		if st == nil || st.spec.OnKeyGone == nil {
			continue
		}
		if e = db.lookup(kb); e != nil && blockTypeOf(metaType(e.Meta)) == st.spec.Type {
			continue
		}
		s.serveBlocked(c, st, func() bool { return st.spec.OnKeyGone(c, kb) })
	}
	for i := range clients {
		clients[i] = nil
	}
}

// serveBlocked runs one serve attempt for c and, when it replied, unblocks c and
// accounts for the command as Redis's updateStatsOnUnblock does.
func (s *Server) serveBlocked(c *Client, st *blockState, serve func() bool) {
	prevCmd := c.cmd
	c.cmd = st.cmd
	errs := s.stats.errorReplies
	start := s.monoNow()
	// Client-side caching: invalidations the served command causes for c itself
	// (BLMOVE into a key c tracks) follow its reply, as for a command c runs.
	t := &s.tracking
	tracked := t.clients > 0 && c.trk != nil
	var prevCur *Client
	var prevPending int
	wasExecuting := c.flags & flagExecuting
	if tracked {
		prevCur, prevPending = t.current, len(t.pending)
		t.current = c
		c.flags |= flagExecuting
	}
	served := serve()
	if tracked {
		c.flags = c.flags&^flagExecuting | wasExecuting
		for _, key := range t.pending[prevPending:] {
			s.sendTrackingMessage(c, key, key == nil)
		}
		t.pending = t.pending[:prevPending]
		t.current = prevCur
	}
	if !served {
		c.cmd = prevCmd
		return
	}
	us := int64((s.monoNow() - start) / time.Microsecond)
	if cmd := st.cmd; cmd != nil {
		cmd.stats.Usec += us
		if s.stats.errorReplies != errs {
			cmd.stats.Failed++
		}
	}
	s.unblockClient(c, true)
	s.slowlogUnblocked(c, st, us)
}

// slowlogUnblocked logs a blocking command in SLOWLOG once it is unblocked (served,
// timed out or CLIENT UNBLOCKed), with the time of its first run and of the reply,
// as Redis's updateStatsOnUnblock; dispatch does not log a command that blocked.
func (s *Server) slowlogUnblocked(c *Client, st *blockState, replyUs int64) {
	if st.cmd == nil || st.cmd.Flags&FlagSkipSlowlog != 0 || st.argv == nil {
		return
	}
	argv, redacted := c.argv, c.redacted
	c.argv, c.redacted = st.argv, nil
	s.slowlogPush(c, st.us+replyUs)
	c.argv, c.redacted = argv, redacted
}

// propagateArgs hands a command to the propagation path (AOF, replicas) from outside
// call: what a served blocked client propagates (LPOP for BLPOP, ...).
func (s *Server) propagateArgs(dbid int, argv ...[]byte) {
	if s.propagate != nil {
		s.propagate(dbid, argv)
	}
}

// replyBlockedTimeout replies to c as its command does when its timeout expires.
func (s *Server) replyBlockedTimeout(c *Client) {
	st := c.bstate
	if st != nil && st.spec.OnTimeout != nil {
		st.spec.OnTimeout(c)
		return
	}
	c.ReplyNullArray()
}

// --- timeouts --------------------------------------------------------------------------

// timeoutHeap orders blocked clients by deadline, then by client id (Redis keys its
// radix tree by timeout and client).
type timeoutHeap []*Client

func (h timeoutHeap) Len() int { return len(h) }
func (h timeoutHeap) Less(i, j int) bool {
	a, b := h[i].bstate, h[j].bstate
	if a.deadline != b.deadline {
		return a.deadline < b.deadline
	}
	return h[i].id < h[j].id
}
func (h timeoutHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].bstate.heapIdx = i
	h[j].bstate.heapIdx = j
}
func (h *timeoutHeap) Push(x any) {
	c := x.(*Client)
	c.bstate.heapIdx = len(*h)
	*h = append(*h, c)
}
func (h *timeoutHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	c.bstate.heapIdx = -1
	return c
}

// handleBlockedClientsTimeout replies to and unblocks the clients whose deadline has
// passed (Redis's handleBlockedClientsTimeout: a client times out once the clock is
// past its deadline).
func (s *Server) handleBlockedClientsTimeout() {
	b := &s.blocking
	if len(b.timeouts) == 0 {
		return
	}
	now := uint64(s.wallMs(s.monoNow()))
	for len(b.timeouts) > 0 {
		c := b.timeouts[0]
		if c.bstate.deadline >= now {
			break
		}
		st := c.bstate
		s.replyBlockedTimeout(c)
		s.unblockClient(c, true)
		s.slowlogUnblocked(c, st, 0)
	}
	s.armBlockTimer()
}

// armBlockTimer makes sure a loop timer fires just after the earliest deadline.
func (s *Server) armBlockTimer() {
	b := &s.blocking
	if s.loop == nil || len(b.timeouts) == 0 {
		return
	}
	d := b.timeouts[0].bstate.deadline
	if d >= 1<<62 {
		return // wrapped or absurdly far: the cron's check is enough
	}
	at := int64(d) + 1
	if b.timerID != 0 {
		if b.timerAt <= at {
			return
		}
		s.loop.Cancel(b.timerID)
	}
	wait := time.Duration(at-s.wallMs(s.monoNow())) * time.Millisecond
	b.timerAt = at
	b.timerID = s.loop.After(max(wait, 0), func() {
		b.timerID = 0
		s.handleBlockedClientsTimeout()
	})
}

// blockTimeoutArg parses a blocking command's timeout (Redis's
// getTimeoutFromObjectOrReply): seconds as a long double rounded up to milliseconds,
// or whole milliseconds; 0 means none. It returns the absolute deadline in unix ms,
// or false after replying the error.
func (c *Client) blockTimeoutArg(arg []byte, seconds bool) (int64, bool) {
	var ms int64
	if seconds {
		x, ok := parseLongDouble(arg)
		if !ok {
			c.ReplyError("ERR timeout is not a float or out of range")
			return 0, false
		}
		ms = ceilMillis(x)
	} else {
		n, ok := parseInt(arg)
		if !ok {
			c.ReplyError("ERR timeout is not an integer or out of range")
			return 0, false
		}
		ms = n
	}
	if ms < 0 {
		c.ReplyError("ERR timeout is negative")
		return 0, false
	}
	if ms > 0 {
		ms += c.srv.wallMs(c.srv.monoNow()) // may wrap, as in Redis: then it never fires
	}
	return ms, true
}

// ceilMillis is (long long)ceill(x * 1000.0) on x86-64: the product rounded to the
// 64-bit significand of a long double, rounded up to an integer; a result outside the
// int64 range (infinities included) is the "integer indefinite" value, math.MinInt64.
func ceilMillis(x *big.Float) int64 {
	if x.IsInf() {
		return -1 << 63
	}
	p := new(big.Float).SetPrec(ldMantBits).SetMode(big.ToNearestEven)
	p.Mul(x, big.NewFloat(1000))
	i, acc := p.Int(nil)  // truncates toward zero
	if acc == big.Below { // p > i: not an integer and positive
		i.Add(i, big.NewInt(1))
	}
	if !i.IsInt64() {
		return -1 << 63
	}
	return i.Int64()
}

// --- beforeSleep, reprocessing ----------------------------------------------------------

// blockingBeforeSleep times clients out, runs what unblocked clients pipelined and
// serves keys made ready outside commands, in Redis's beforeSleep order.
func (s *Server) blockingBeforeSleep() {
	b := &s.blocking
	if len(b.timeouts) > 0 {
		s.handleBlockedClientsTimeout()
	}
	for {
		if len(b.unblocked) > 0 {
			s.processUnblockedClients()
		}
		if len(b.ready) == 0 || b.hold > 0 {
			return
		}
		s.handleClientsBlockedOnKeys()
	}
}

// processUnblockedClients runs the requests that clients pipelined while they were
// blocked (Redis's processUnblockedClients).
func (s *Server) processUnblockedClients() {
	b := &s.blocking
	for i := 0; i < len(b.unblocked); i++ {
		c := b.unblocked[i]
		b.unblocked[i] = nil
		c.flags &^= flagUnblocked
		if c.fd < 0 || c.flags&(flagBlocked|flagCloseASAP|flagPaused) != 0 || len(c.qbuf) == 0 {
			continue
		}
		used := s.processInput(c, c.qbuf)
		if c.flags&flagCloseASAP == 0 && c.fd >= 0 {
			c.qbuf = append(c.qbuf[:0], c.qbuf[used:]...)
		}
		s.queueWrite(c)
	}
	b.unblocked = b.unblocked[:0]
}

// --- SWAPDB, FLUSHDB, FLUSHALL ------------------------------------------------------------

// blockingOnSwapDB runs before SWAPDB exchanges the contents of a and b. Clients stay
// in their database, so a key waited on in a is ready if b holds it with a type that
// serves (Redis's scanDatabaseForReadyKeys), and a stream waited on in a that b does
// not hold as a stream is gone (scanDatabaseForDeletedStreams); and the same for b.
func (s *Server) blockingOnSwapDB(a, bdb *DB) {
	if s.blocking.count == 0 {
		return
	}
	s.signalSwapped(a, bdb)
	s.signalSwapped(bdb, a)
}

func (s *Server) signalSwapped(db, incoming *DB) {
	for key := range s.blocking.waiters[db.id] {
		kb := []byte(key)
		var was, now uint32 = 1 << 31, 1 << 31
		if _, r := db.find(kb); r != 0 {
			was = metaType(db.dictFor(kb).E(r).Meta)
		}
		if _, r := incoming.find(kb); r != 0 {
			now = metaType(incoming.dictFor(kb).E(r).Meta)
			s.signalKeyAsReady(db, kb, now)
		}
		if was == TypeStream && now != TypeStream {
			s.signalKeyAsReady(db, kb, TypeStream)
		}
	}
}

// blockingOnFlush runs before FLUSHDB (dbid) or FLUSHALL (-1): streams waited on are
// about to go.
func (s *Server) blockingOnFlush(dbid int) {
	if s.blocking.byType[BlockStream] == 0 {
		return
	}
	for _, db := range s.dbs {
		if dbid >= 0 && db.id != dbid {
			continue
		}
		for key := range s.blocking.waiters[db.id] {
			kb := []byte(key)
			if _, r := db.find(kb); r != 0 && metaType(db.dictFor(kb).E(r).Meta) == TypeStream {
				s.signalKeyAsReady(db, kb, TypeStream)
			}
		}
	}
}

// disconnectAllBlockedClients unblocks every blocked client with an -UNBLOCKED error
// and closes it after the reply, as Redis does when a master becomes a replica.
func (s *Server) disconnectAllBlockedClients() {
	for _, c := range s.clients {
		if c.flags&flagBlocked == 0 {
			continue
		}
		c.ReplyError("UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)")
		s.unblockClient(c, true)
		c.flags |= flagCloseAfterReply
	}
}

// --- CLIENT UNBLOCK -----------------------------------------------------------------

var clientUnblockSpec = &Command{Name: "unblock", Arity: -3, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
	Group: "connection", Since: "5.0.0", Complexity: "O(log N) where N is the number of client connections",
	Summary: "Unblock a client blocked in a blocking command from a different connection",
	Doc: &CmdDoc{Args: []Arg{
		{Name: "client-id", Type: "integer"},
		{Name: "timeout_error", Type: "oneof", Optional: true, Args: []Arg{
			{Name: "timeout", Type: "pure-token", Token: "TIMEOUT"},
			{Name: "error", Type: "pure-token", Token: "ERROR"},
		}},
	}},
	Proc: clientUnblockCommand}

// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]
func clientUnblockCommand(c *Client) {
	argv := c.argv
	if len(argv) > 4 {
		c.replySubcommandSyntaxError()
		return
	}
	asError := false
	if len(argv) == 4 {
		switch {
		case eqFold(argv[3], "timeout"):
		case eqFold(argv[3], "error"):
			asError = true
		default:
			c.ReplyError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	}
	id, ok := parseInt(argv[2])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	s := c.srv
	target := s.clients[id]
	if target == nil || target.flags&flagBlocked == 0 {
		c.ReplyInt(0)
		return
	}
	st := target.bstate
	prevCmd := target.cmd
	target.cmd = st.cmd
	if asError {
		target.ReplyError("UNBLOCKED client unblocked via CLIENT UNBLOCK")
	} else {
		s.replyBlockedTimeout(target)
	}
	target.cmd = prevCmd
	s.unblockClient(target, true)
	s.slowlogUnblocked(target, st, 0)
	// Redis counts the unblocked command as failed either way (updateStatsOnUnblock
	// with had_errors set).
	if st.cmd != nil {
		st.cmd.stats.Failed++
	}
	c.ReplyInt(1)
}
