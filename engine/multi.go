package engine

// Transactions: MULTI, EXEC, DISCARD, WATCH and UNWATCH, after Redis 7.0's multi.c
// and the transaction steps of its processCommand.
//
// The flow:
//
//   - MULTI flags the client (flagMulti). From then on dispatchCommand runs its checks
//     (lookup, arity, auth, no-multi, ACL, OOM, ...) as for any command, in Redis's
//     order, but instead of calling the command it copies argv (which points into the
//     query buffer) into c.tx and replies +QUEUED (queueMulti). EXEC, DISCARD, MULTI,
//     WATCH, QUIT and RESET are never queued.
//   - A command refused at queue time goes through rejectCommand, which flags the
//     transaction (flagDirtyExec): EXEC then replies EXECABORT and runs nothing. A
//     refusal of EXEC itself (arity, OOM with a denyoom command queued, and the later
//     parts' checks: NOREPLICAS, READONLY, ...) aborts the transaction with the
//     reason in the EXECABORT error, as Redis's execCommandAbort does.
//   - WATCH records (db, key) pairs, per client and per database. Any modification of
//     a watched key (signalModified, the onModified hook), FLUSHDB/FLUSHALL (onFlush)
//     and SWAPDB (onSwapDB) flag the watchers (flagDirtyCAS); EXEC of a dirty client
//     replies a null array. A watched key that expires between WATCH and EXEC makes
//     EXEC fail too, unless it had already expired when it was watched (Redis 7.0's
//     watchedKey.expired rules, kept exactly, quirks included).
//   - EXEC runs the queue through call (stats, slowlog, MONITOR, propagation per
//     command) with flagDenyBlocking, so blocking commands answer as if they timed out.
//     Runtime errors do not roll anything back. What the commands propagate is
//     collected and sent once EXEC is done: alone when it is a single command, wrapped
//     in MULTI/EXEC when there are more (Redis 7.0's propagatePendingCommands), nothing
//     for a read-only transaction. Clients blocked on keys the transaction pushed to
//     are served after EXEC (dispatchCommand does that after call).
//
// Parts built later use:
//   - c.checkFlags(cmd) in their command checks, to see EXEC with the flags of the
//     commands it will run (a transaction holding a write is a write for NOREPLICAS,
//     READONLY and MISCONF; one holding a command without "stale" is refused on a stale
//     replica), as Redis's is_write_command / is_denystale_command do.
//   - s.tx.aclCheck: the ACL part sets it to re-check permissions of each queued
//     command at EXEC (Redis answers NOPERM "ACLs rules changed ..." for the ones no
//     longer allowed).
//   - cluster routing: EXEC's keys are those of the queued commands (c.tx.cmds, each
//     with its cmd and argv) and a command check that refuses EXEC with a redirection
//     (MOVED, ASK, TRYAGAIN, CROSSSLOT, CLUSTERDOWN) makes rejectCommand discard the
//     transaction and reply the redirection as is, as Redis's processCommand does;
//     a queued command redirected fails the transaction like any refusal.
//   - c.inMulti(): SUBSCRIBE and friends are allowed in a transaction (Redis 7.0
//     special-cases CLIENT_MULTI when it refuses them to deny-blocking clients).

import (
	"reflect"
	"strings"
)

var multiCommands = []*Command{
	{Name: "multi", Arity: 1, Flags: FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagAllowBusy, Cats: CatTransaction,
		Group: "transactions", Since: "1.2.0", Complexity: "O(1)",
		Summary: "Mark the start of a transaction block",
		Proc:    multiCommand},
	{Name: "exec", Arity: 1, Flags: FlagNoScript | FlagLoading | FlagStale | FlagSkipSlowlog, Cats: CatTransaction,
		Group: "transactions", Since: "1.2.0", Complexity: "Depends on commands in the transaction",
		Summary: "Execute all commands issued after MULTI",
		Proc:    execCommand},
	{Name: "discard", Arity: 1, Flags: FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagAllowBusy, Cats: CatTransaction,
		Group: "transactions", Since: "2.0.0", Complexity: "O(N), when N is the number of queued commands",
		Summary: "Discard all commands issued after MULTI",
		Proc:    discardCommand},
	{Name: "watch", Arity: -2, Flags: FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagAllowBusy, Cats: CatTransaction,
		FirstKey: 1, LastKey: -1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO"}, Index: 1, Range: true, LastKey: -1, KeyStep: 1, Limit: 0}},
		Group:    "transactions", Since: "2.2.0", Complexity: "O(1) for every key.",
		Summary: "Watch the given keys to determine execution of the MULTI/EXEC block",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0, Multiple: true},
		}},
		Proc: watchCommand},
	{Name: "unwatch", Arity: 1, Flags: FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagAllowBusy, Cats: CatTransaction,
		Group: "transactions", Since: "2.2.0", Complexity: "O(1)",
		Summary: "Forget about all watched keys",
		Proc:    unwatchCommand},
}

// Errors of the transaction commands, with Redis's wording.
const (
	errExecAbort     = "EXECABORT Transaction discarded because of previous errors."
	errNestedMulti   = "ERR MULTI calls can not be nested"
	errExecNoMulti   = "ERR EXEC without MULTI"
	errDiscardNoMult = "ERR DISCARD without MULTI"
	errWatchInMulti  = "ERR WATCH inside MULTI is not allowed"
	errNoMulti       = "ERR Command not allowed inside a transaction"
)

// multiCmd is one queued command; argv is the client's own copy.
type multiCmd struct {
	cmd  *Command
	argv [][]byte
}

// watchedKeyOverhead is what one watched key adds to a client's memory:
// Redis's sizeof(listNode) + sizeof(watchedKey) on 64-bit builds.
const watchedKeyOverhead = 24 + 32

// clientTx is a client's transaction state; c.tx is nil while the client is neither
// in MULTI nor watching keys, so other clients pay nothing for it.
type clientTx struct {
	cmds []multiCmd
	// flags is the union of the queued commands' flags and invFlags the union of
	// their complements: EXEC is a write if any queued command is, and is refused on
	// a stale replica if any queued command lacks "stale" (Redis's mstate.cmd_flags
	// and cmd_inv_flags).
	flags, invFlags CmdFlag
	// argvMem is CLIENT LIST multi-mem: the queued arguments' bytes plus a pointer per
	// argument (Redis's mstate.argv_len_sums).
	argvMem int64
	// watched are the keys this client watches, in WATCH order.
	watched []*watchedKey
}

// watchedKey is one (database, key) a client watches. It is in the client's list and
// in its database's map of watchers.
type watchedKey struct {
	key string
	db  int
	c   *Client
	// expired: the key had already expired (but was not yet deleted) when it was
	// watched; its deletion is then no change, and EXEC ignores it.
	expired bool
}

// txState is the server side of transactions (loop goroutine only).
type txState struct {
	// watched maps, per database id, each watched key to its watchers in the order
	// they watched it (Redis's db->watched_keys). Maps are made on first use.
	watched []map[string][]*watchedKey
	// inExec is set while EXEC runs the queue: the commands share EXEC's time, and
	// what they propagate is collected (Redis's server.in_exec).
	inExec bool
	// aclCheck, when set (by the ACL part), re-checks a queued command's permissions
	// at EXEC. It returns "" when allowed, else a NOPERM message as processCommand
	// would reply it; EXEC then replies Redis's "ACLs rules changed" error instead of
	// running the command.
	aclCheck func(c *Client, cmd *Command, argv [][]byte) string
	// dirtied is scratch space for touchWatchedKey.
	dirtied []*Client
}

// propOp is one command propagated by a command EXEC ran.
type propOp struct {
	db   int
	argv [][]byte
}

// initMulti wires transactions into the server's hooks (New calls it).
func (s *Server) initMulti() {
	s.tx.watched = make([]map[string][]*watchedKey, len(s.dbs))
	s.onModified = append(s.onModified, s.touchWatchedKey)
	s.onFlush = append(s.onFlush, func(dbid int) {
		for _, db := range s.dbs {
			if dbid == -1 || db.id == dbid {
				s.touchAllWatchedKeysInDB(db, nil)
			}
		}
	})
	s.onSwapDB = append(s.onSwapDB, func(a, b *DB) {
		s.touchAllWatchedKeysInDB(a, b)
		s.touchAllWatchedKeysInDB(b, a)
	})
	s.onClientReset = append(s.onClientReset, s.discardTransaction)
	s.onClientFree = append(s.onClientFree, s.discardTransaction)
	s.clientInfoHooks = append(s.clientInfoHooks, func(c *Client, x *clientExtra) {
		if c.flags&flagMulti != 0 {
			x.Multi = len(c.tx.cmds)
			x.MultiMem = c.tx.argvMem
			x.Flags = insertClientFlag(x.Flags, 'x')
		}
		if c.tx != nil {
			// Redis's multiStateMemOverhead counts a list node and a watchedKey
			// per watched key (what maxmemory-clients sees of a long WATCH list);
			// CLIENT LIST's multi-mem shows only the queued arguments.
			x.WatchMem = int64(len(c.tx.watched)) * watchedKeyOverhead
		}
		if c.flags&flagDirtyCAS != 0 {
			x.Flags = insertClientFlag(x.Flags, 'd')
		}
	})
	s.evict.oomReject = s.multiOOMReject
}

// inMulti reports whether c is inside MULTI (EXEC included, as Redis's CLIENT_MULTI,
// which stays set until the queue has run).
func (c *Client) inMulti() bool { return c.flags&flagMulti != 0 }

// isExec reports whether cmd is EXEC.
func isExec(cmd *Command) bool { return cmd != nil && cmd.Name == "exec" }

// checkFlags are the flags the checks of dispatchCommand see for cmd: for EXEC, also
// the flags of the commands it will run (write, readonly, denyoom, may_replicate,
// no_async_loading), and without loading or stale when any of them lacks it.
func (c *Client) checkFlags(cmd *Command) CmdFlag {
	f := cmd.Flags
	if f&FlagNoScript != 0 && cmd.Cats&CatScripting != 0 {
		f = c.srv.scriptCmdFlags(c, cmd, f) // EVAL*, FCALL* (script.go)
	}
	if c.tx != nil && isExec(cmd) {
		f |= c.tx.flags & (FlagWrite | FlagReadonly | FlagDenyOOM | FlagMayReplicate | FlagNoAsyncLoading)
		f &^= c.tx.invFlags & (FlagLoading | FlagStale)
	}
	return f
}

// flagTransaction makes the next EXEC fail: called whenever a command is refused
// while queueing (Redis's flagTransaction).
func (c *Client) flagTransaction() {
	if c.flags&flagMulti != 0 {
		c.flags |= flagDirtyExec
	}
}

// rejectCommand replies msg for a command that dispatchCommand refuses before it
// runs (Redis's rejectCommand): inside MULTI it flags the transaction, and a refused
// EXEC aborts the transaction with msg as the reason.
func (s *Server) rejectCommand(c *Client, cmd *Command, msg string) {
	cmd.stats.Rejected++
	c.flagTransaction()
	if isExec(cmd) {
		if isClusterRedirect(msg) {
			// Redis discards the transaction and redirects the client, without
			// EXECABORT: the client retries the whole transaction elsewhere.
			s.discardTransaction(c)
			c.ReplyError(msg)
		} else {
			s.execAbort(c, msg)
		}
	} else {
		c.ReplyError(msg)
	}
	s.queueWrite(c)
}

// isClusterRedirect reports whether msg is one of the errors of Redis's
// clusterRedirectClient.
func isClusterRedirect(msg string) bool {
	for _, code := range []string{"MOVED ", "ASK ", "TRYAGAIN ", "CROSSSLOT ", "CLUSTERDOWN "} {
		if strings.HasPrefix(msg, code) {
			return true
		}
	}
	return false
}

// execAbort discards the transaction and replies EXECABORT with the reason EXEC was
// refused (Redis's execCommandAbort). Redis formats most such reasons without the
// "ERR " code ("wrong number of arguments ...") and keeps the others' codes ("OOM
// command not allowed ..."), so "ERR " is the one code dropped. MONITOR sees the
// EXEC, closing the MULTI it saw.
func (s *Server) execAbort(c *Client, msg string) {
	s.discardTransaction(c)
	msg = strings.TrimPrefix(strings.TrimPrefix(msg, "-"), "ERR ")
	c.ReplyError("EXECABORT Transaction discarded because of: " + msg)
	if len(s.monitors) > 0 {
		s.feedMonitors(c, c.argv)
	}
}

// multiOOMReject decides, when memory cannot be freed under maxmemory, whether cmd
// is refused with OOM: denyoom commands, EXEC of a transaction holding one, and,
// inside MULTI, any command that would be queued, since queueing grows memory
// without bound (DISCARD, QUIT and RESET always pass, EXEC passes otherwise).
func (s *Server) multiOOMReject(c *Client, cmd *Command, denyoom bool) bool {
	if denyoom || c.checkFlags(cmd)&FlagDenyOOM != 0 {
		return true
	}
	if c.flags&flagMulti != 0 {
		switch cmd.Name {
		case "exec", "discard", "quit", "reset":
			return false
		}
		return true
	}
	return false
}

// execPaused reports whether EXEC must wait for CLIENT PAUSE WRITE because a queued
// command may write (Redis's is_may_replicate_command for EXEC); pausedFor has
// already seen EXEC's own flags.
func (s *Server) execPaused(c *Client, cmd *Command) bool {
	return s.pause.until != 0 && s.pause.writeOnly && isExec(cmd) &&
		c.checkFlags(cmd)&(FlagWrite|FlagMayReplicate) != 0
}

// queueMulti queues the command in c.argv and replies +QUEUED, unless cmd is one of
// those that run at once inside MULTI; it reports whether it queued.
func (s *Server) queueMulti(c *Client, cmd *Command) bool {
	switch cmd.Name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return false
	}
	// An aborted transaction will not run: keep nothing (a client pipelining a
	// transaction sees the errors only at the end).
	if c.flags&(flagDirtyCAS|flagDirtyExec) == 0 {
		tx := c.tx
		argv := copyArgv(c.argv)
		tx.cmds = append(tx.cmds, multiCmd{cmd: cmd, argv: argv})
		f := c.checkFlags(cmd) // a script with flags counts as what it declared
		tx.flags |= f
		tx.invFlags |= ^f
		tx.argvMem += int64(8 * len(argv))
		for _, a := range argv {
			tx.argvMem += int64(len(a))
		}
	}
	c.out = append(c.out, "+QUEUED\r\n"...)
	return true
}

// discardTransaction leaves MULTI, drops the queue and unwatches every key (Redis's
// discardTransaction); RESET and client close do it too.
func (s *Server) discardTransaction(c *Client) {
	c.flags &^= flagMulti | flagDirtyCAS | flagDirtyExec
	if c.tx == nil {
		return
	}
	s.unwatchAllKeys(c)
	c.tx = nil
}

// MULTI
func multiCommand(c *Client) {
	if c.flags&flagMulti != 0 {
		c.ReplyError(errNestedMulti)
		return
	}
	if c.tx == nil {
		c.tx = &clientTx{}
	}
	c.flags |= flagMulti
	c.ReplyOK()
}

// DISCARD
func discardCommand(c *Client) {
	if c.flags&flagMulti == 0 {
		c.ReplyError(errDiscardNoMult)
		return
	}
	c.srv.discardTransaction(c)
	c.ReplyOK()
}

// EXEC
func execCommand(c *Client) {
	s := c.srv
	if c.flags&flagMulti == 0 {
		c.ReplyError(errExecNoMulti)
		return
	}
	if s.isWatchedKeyExpired(c) {
		c.flags |= flagDirtyCAS
	}
	// A touched watched key fails EXEC with a null array (not an error: the client
	// retries); an error while queueing fails it with EXECABORT.
	if c.flags&(flagDirtyCAS|flagDirtyExec) != 0 {
		if c.flags&flagDirtyExec != 0 {
			c.ReplyError(errExecAbort)
		} else {
			c.ReplyNullArray()
		}
		s.discardTransaction(c)
		return
	}
	wasDenied := c.flags & flagDenyBlocking
	c.flags |= flagDenyBlocking
	s.unwatchAllKeys(c) // nothing can dirty the transaction now: stop tracking early

	// Collect what the commands propagate, to send it as one unit afterwards. A
	// command propagating several effects wraps them in MULTI/EXEC itself
	// (propagateAll): inside EXEC those markers are dropped, since the whole
	// transaction is wrapped once, as Redis's single also_propagate array is.
	prop := s.propagate
	var ops []propOp
	var capture func(db int, argv [][]byte)
	if prop != nil {
		capture = func(db int, argv [][]byte) {
			if len(argv) == 1 && (eqFold(argv[0], "multi") || eqFold(argv[0], "exec")) {
				return
			}
			ops = append(ops, propOp{db: db, argv: copyArgv(argv)})
		}
		s.propagate = capture
	}

	s.tx.inExec = true
	origArgv, origCmd := c.argv, c.cmd
	cmds := c.tx.cmds
	c.ReplyArray(len(cmds))
	for i := range cmds {
		mc := &cmds[i]
		c.argv, c.cmd = mc.argv, mc.cmd
		if s.tx.aclCheck != nil {
			if denied := s.tx.aclCheck(c, mc.cmd, mc.argv); denied != "" {
				c.ReplyError("NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: " + aclExecReason(denied))
				continue
			}
		}
		s.call(c, mc.cmd)
	}
	s.tx.inExec = false
	c.argv, c.cmd = origArgv, origCmd
	if wasDenied == 0 {
		c.flags &^= flagDenyBlocking
	}
	s.discardTransaction(c)

	if prop != nil {
		// CONFIG SET appendonly inside the transaction may have pointed s.propagate at
		// the propagation path anew: keep that one.
		if reflect.ValueOf(s.propagate).Pointer() == reflect.ValueOf(capture).Pointer() {
			s.propagate = prop
		}
		if p := s.propagate; p != nil && len(ops) > 0 {
			if len(ops) > 1 {
				p(ops[0].db, [][]byte{[]byte("MULTI")})
			}
			for _, op := range ops {
				p(op.db, op.argv)
			}
			if len(ops) > 1 {
				p(ops[len(ops)-1].db, [][]byte{[]byte("EXEC")})
			}
		}
	}
}

// aclExecReason turns the NOPERM error a command would get into the reason EXEC
// gives for a queued command that is no longer allowed.
func aclExecReason(denied string) string {
	switch {
	case strings.Contains(denied, "to run the"):
		return "no permission to execute the command or subcommand"
	case strings.Contains(denied, "one of the keys"):
		return "no permission to touch the specified keys"
	case strings.Contains(denied, "one of the channels"):
		return "no permission to access one of the channels used as arguments"
	}
	return "no permission"
}

// copyArgv copies argv into one allocation for the strings and one for the slice.
func copyArgv(argv [][]byte) [][]byte {
	n := 0
	for _, a := range argv {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	out := make([][]byte, len(argv))
	for i, a := range argv {
		buf = append(buf, a...)
		out[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	return out
}

// --- WATCH ----------------------------------------------------------------------------

// WATCH key [key ...]
func watchCommand(c *Client) {
	if c.flags&flagMulti != 0 {
		c.ReplyError(errWatchInMulti)
		return
	}
	// A dirty client's EXEC fails anyway: watching more changes nothing.
	if c.flags&flagDirtyCAS != 0 {
		c.ReplyOK()
		return
	}
	for _, key := range c.argv[1:] {
		c.srv.watchForKey(c, key)
	}
	c.ReplyOK()
}

// UNWATCH
func unwatchCommand(c *Client) {
	s := c.srv
	s.unwatchAllKeys(c)
	c.flags &^= flagDirtyCAS
	if c.tx != nil && c.flags&flagMulti == 0 {
		c.tx = nil
	}
	c.ReplyOK()
}

// watchForKey adds key, in c's current database, to what c watches.
func (s *Server) watchForKey(c *Client, key []byte) {
	if c.tx == nil {
		c.tx = &clientTx{}
	}
	for _, wk := range c.tx.watched {
		if wk.db == c.db.id && wk.key == string(key) {
			return
		}
	}
	m := s.tx.watched[c.db.id]
	if m == nil {
		m = make(map[string][]*watchedKey)
		s.tx.watched[c.db.id] = m
	}
	wk := &watchedKey{key: string(key), db: c.db.id, c: c, expired: s.keyIsExpired(c.db, key)}
	m[wk.key] = append(m[wk.key], wk)
	c.tx.watched = append(c.tx.watched, wk)
}

// unwatchAllKeys forgets every key c watches; clearing flagDirtyCAS is the caller's
// business.
func (s *Server) unwatchAllKeys(c *Client) {
	if c.tx == nil || len(c.tx.watched) == 0 {
		return
	}
	for _, wk := range c.tx.watched {
		m := s.tx.watched[wk.db]
		list := m[wk.key]
		for i, w := range list {
			if w == wk {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(m, wk.key)
		} else {
			m[wk.key] = list
		}
	}
	clear(c.tx.watched)
	c.tx.watched = c.tx.watched[:0]
}

// keyIsExpired reports whether key exists but its time has passed (Redis's
// keyIsExpired: a key waiting for lazy or active expiry).
func (s *Server) keyIsExpired(db *DB, key []byte) bool {
	d, r := db.find(key)
	return r != 0 && s.isExpired(d.E(r))
}

// keyInDict reports whether key is in db's dict, expired or not (Redis's dictFind).
func keyInDict(db *DB, key []byte) bool {
	_, r := db.find(key)
	return r != 0
}

// isWatchedKeyExpired reports whether a key c watches has expired since it was
// watched (a key already expired then does not count).
func (s *Server) isWatchedKeyExpired(c *Client) bool {
	if c.tx == nil {
		return false
	}
	for _, wk := range c.tx.watched {
		if !wk.expired && s.keyIsExpired(s.dbs[wk.db], []byte(wk.key)) {
			return true
		}
	}
	return false
}

// touchWatchedKey flags the clients watching key in db (Redis's touchWatchedKey,
// called through signalModified for every modification). A flagged client stops
// watching: its EXEC fails whatever happens next.
func (s *Server) touchWatchedKey(db *DB, key []byte) {
	m := s.tx.watched[db.id]
	if len(m) == 0 {
		return
	}
	list := m[string(key)]
	if len(list) == 0 {
		return
	}
	dirtied := s.tx.dirtied[:0]
	for _, wk := range list {
		if wk.expired {
			// Watched when already expired: its deletion is no logical change, and
			// then it is watched as a key that does not exist.
			if !keyInDict(db, key) {
				wk.expired = false
				continue
			}
			// Redis 7.0 leaves the loop here (a "break" meant for the if), so this
			// watcher and the ones after it are not flagged by this change.
			break
		}
		dirtied = append(dirtied, wk.c)
	}
	for _, c := range dirtied {
		c.flags |= flagDirtyCAS
		s.unwatchAllKeys(c)
	}
	clear(dirtied)
	s.tx.dirtied = dirtied[:0]
}

// touchAllWatchedKeysInDB flags the watchers of every key of emptied that exists
// there, or in replacedWith (SWAPDB), as Redis's touchAllWatchedKeysInDb does for
// FLUSHDB, FLUSHALL and SWAPDB: a watched key that exists in neither database is not
// changed by the flush or the swap. Clients are flagged but keep their keys.
func (s *Server) touchAllWatchedKeysInDB(emptied, replacedWith *DB) {
	m := s.tx.watched[emptied.id]
	if len(m) == 0 {
		return
	}
	for k, list := range m {
		key := []byte(k)
		inEmptied := keyInDict(emptied, key)
		inReplaced := replacedWith != nil && keyInDict(replacedWith, key)
		if !inEmptied && !inReplaced {
			continue
		}
		for _, wk := range list {
			if wk.expired {
				if !inReplaced {
					// An expired key deleted: no logical change, now a missing key.
					wk.expired = false
					continue
				} else if s.keyIsExpired(replacedWith, key) {
					continue // expired before, expired after
				}
			} else if !inEmptied && s.keyIsExpired(replacedWith, key) {
				// A missing key replaced by an expired one: still logically missing.
				wk.expired = true
				continue
			}
			wk.c.flags |= flagDirtyCAS
		}
	}
}
