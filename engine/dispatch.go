package engine

import (
	"strings"
	"time"
)

// processCommand runs the command in c.argv (dispatchCommand) and applies CLIENT
// REPLY OFF / SKIP to whatever it replied, errors of rejected commands included, as
// Redis's reply suppression and resetClient do.
func (s *Server) processCommand(c *Client) {
	if c.flags&flagReplica != 0 {
		s.processReplicaCommand(c) // repl_rogue.go
		return
	}
	if c.flags&(flagReplyOff|flagReplySkip) == 0 {
		s.dispatchCommand(c)
	} else {
		outBefore := len(c.out)
		c.pushEnd = 0
		s.dispatchCommand(c)
		if c.flags&flagPaused != 0 {
			return // held by CLIENT PAUSE: runs again, and is skipped, later
		}
		// CLIENT REPLY ON clears both flags before replying its OK, which then stays.
		// Pub/Sub pushes are delivered all the same: SUBSCRIBE's confirmations, a
		// message published to the client itself.
		if c.flags&(flagReplyOff|flagReplySkip) != 0 {
			c.out = c.out[:max(outBefore, c.pushEnd)]
		}
		c.flags &^= flagReplySkip
	}
	if c.flags&flagReplySkipNext != 0 {
		c.flags = c.flags&^flagReplySkipNext | flagReplySkip
	}
	if s.tracking.clients > 0 { // client-side caching (tracking.go)
		s.trackingAfterCommand(c)
	}
}

// isReadOnlyScriptCmd reports EVAL_RO, EVALSHA_RO and FCALL_RO, which Redis's call()
// leaves out of key tracking: the commands their script runs are tracked instead.
func isReadOnlyScriptCmd(cmd *Command) bool {
	switch cmd.Name {
	case "eval_ro", "evalsha_ro", "fcall_ro":
		return true
	}
	return false
}

// dispatchCommand looks up, checks and runs the command in c.argv, as Redis's
// processCommand does: the checks come in Redis's order, so the same bad request gets
// the same error from keygrid as from redis-server.
func (s *Server) dispatchCommand(c *Client) {
	argv := c.argv
	// Clients repeat commands (pipelines, benchmarks, pollers): try the last one first,
	// which costs a short compare instead of a map lookup.
	cmd := c.lastTop
	if cmd == nil || !eqFold(argv[0], cmd.key) {
		cmd = s.commands.Lookup(argv[0])
	}
	if cmd == nil {
		// "POST" and "Host:" are what a browser or a cross-protocol attack sends
		// first: Redis logs a warning and drops the connection without replying.
		if strings.EqualFold(string(argv[0]), "post") || strings.EqualFold(string(argv[0]), "host:") {
			s.securityWarning()
			c.out = c.out[:c.sent]
			c.flags |= flagCloseASAP
			s.closeASAP = append(s.closeASAP, c)
			return
		}
		s.rejectUnknown(c, argv)
		return
	}
	if len(cmd.Subs) > 0 && len(argv) >= 2 {
		sub := cmd.LookupSub(argv[1])
		if sub == nil {
			c.cmd = cmd
			c.last = nil // Redis's lookupCommand found no command: CLIENT LIST says cmd=NULL
			s.stats.unknownCmd++
			c.flagTransaction()
			// The name the client typed: CONFIG renamed to XCONFIG says "Try XCONFIG HELP."
			c.ReplyError("ERR unknown subcommand '" + truncate(sanitize(string(argv[1])), 128) +
				"'. Try " + strings.ToUpper(string(argv[0])) + " HELP.")
			s.queueWrite(c)
			return
		}
		c.lastTop = cmd
		cmd = sub
	} else {
		c.lastTop = cmd
	}
	// c.last is Redis's c->lastcmd, set at lookup: CLIENT LIST's cmd= names a command
	// refused by its checks too, and stays "exec" for the commands EXEC runs.
	c.cmd, c.last = cmd, cmd
	// Refusals go through rejectCommand, which also fails a transaction being queued
	// (and aborts a refused EXEC), as Redis's rejectCommand (multi.go).
	if (cmd.Arity > 0 && cmd.Arity != len(argv)) || len(argv) < -cmd.Arity {
		s.rejectCommand(c, cmd, "ERR wrong number of arguments for '"+cmd.Name+"' command")
		return
	}
	if c.flags&flagAuthenticated == 0 && cmd.Flags&FlagNoAuth == 0 && s.authRequired(c) {
		s.rejectCommand(c, cmd, ErrNoAuth)
		s.limitUnauthOutput(c) // auth_limit.go
		return
	}
	if c.flags&flagMulti != 0 && cmd.Flags&FlagNoMulti != 0 {
		s.rejectCommand(c, cmd, errNoMulti)
		return
	}
	// ACL (acl.go): clients of a user allowed everything skip it.
	if c.aclUser != nil && c.aclUser.restricted {
		if msg := s.aclDeny(c, cmd); msg != "" {
			s.rejectCommand(c, cmd, msg)
			return
		}
	}
	// Cluster redirection (cluster_route.go), where Redis's processCommand does it.
	if s.cluster.st != nil && s.clusterRoute(c, cmd) {
		return
	}
	for _, check := range s.commandChecks {
		if msg := check(c, cmd); msg != "" {
			s.rejectCommand(c, cmd, msg)
			return
		}
	}
	// maxmemory-clients: close the biggest clients when clients together use too
	// much, before key eviction; a client that evicted itself gets no reply (evict.go).
	if s.cfg.MaxMemoryClients != 0 && s.evictClientsBeforeCommand(c) {
		return
	}
	// maxmemory: evict what the policy allows, then refuse commands that may grow
	// memory if it is still over the limit (evict.go).
	if s.cfg.MaxMemory > 0 && s.oomRejected(c, cmd) {
		s.rejectCommand(c, cmd, ErrOOM)
		return
	}
	for _, check := range s.lateCommandChecks {
		if msg := check(c, cmd); msg != "" {
			s.rejectCommand(c, cmd, msg)
			return
		}
	}
	if s.pausedFor(c, cmd) || (c.tx != nil && s.execPaused(c, cmd)) {
		c.flags |= flagPaused
		s.pausedClients = append(s.pausedClients, c)
		// Keep the request: it runs again on unpause.
		c.req.Reset()
		return
	}
	if c.flags&flagMulti != 0 && s.queueMulti(c, cmd) { // MULTI: queue instead (multi.go)
		s.queueWrite(c)
		return
	}
	s.call(c, cmd)
	// Serve clients blocked on keys this command (a whole EXEC or script included)
	// made ready, before the next command runs (blocking.go).
	if len(s.blocking.ready) > 0 {
		s.evict.writing = true // serving pops values: note the entries it changes (evict.go)
		s.handleClientsBlockedOnKeys()
		s.evict.writing = false
		s.settleMem()
	}
	s.queueWrite(c)
}

// call runs cmd and accounts for it (INFO commandstats, SLOWLOG, LATENCY, MONITOR).
func (s *Server) call(c *Client, cmd *Command) {
	// One monotonic clock read per command: the wall clock is derived from it (see
	// clock.go), because on virtual machines a clock read costs tens of nanoseconds
	// and this runs for every command.
	// Commands run back to back share readings: a command starts when the previous one
	// in the same batch ended (processInput takes the first reading after its read).
	start := s.cmdStart
	// The commands of an EXEC or a script share its time (Redis's fixed_time_expire).
	if !s.tx.inExec && s.script.run == nil {
		s.nowMs = s.wallMs(start)
	}
	s.errMark = s.stats.errorReplies
	dirtyBefore := s.dirty
	// The lookups of a write command note the entries it may change; they are
	// measured again once it returns (memory accounting, evict.go).
	wasWriting := s.evict.writing
	s.evict.writing = cmd.Flags&FlagWrite != 0
	s.prop.depth++ // what propagates until the outermost call returns is sent as one unit
	cmd.Proc(c)
	s.evict.writing = wasWriting
	// Only while some client tracks keys, so the common case costs one compare; the
	// name test runs only for the no-script (EVAL*/FCALL*) commands.
	if s.tracking.clients > 0 && cmd.Flags&FlagReadonly != 0 &&
		(cmd.Flags&FlagNoScript == 0 || !isReadOnlyScriptCmd(cmd)) {
		// Client-side caching (tracking.go): a read inside a script is remembered
		// for the client that ran the script, and, as 7.0's call() does, what is
		// remembered is the script's declared keys (EVAL's KEYS), not the keys the
		// read touched. The *_RO script commands track only through their reads.
		tc, tcmd, targv := c, cmd, c.argv
		if c == s.script.fake && s.script.run != nil {
			tc = s.script.run.caller
			tcmd, targv = tc.cmd, tc.argv
		}
		if tc.trk != nil && tc.trk.flags&trackBcast == 0 && tcmd != nil {
			s.trackingRememberKeys(tc, tcmd, targv)
		}
	}
	if len(s.evict.pending) > 0 {
		s.settleMem()
	}
	end := s.monoNow()
	s.cmdStart = end
	us := int64((end - start) / time.Microsecond)
	cmd.stats.Calls++
	cmd.stats.Usec += us
	if s.cfg.LatencyTracking { // LATENCY HISTOGRAM, INFO latencystats
		if cmd.latency == nil {
			cmd.latency = new(latencyHist)
		}
		cmd.latency.record(us)
	}
	if s.stats.errorReplies != s.errMark {
		cmd.stats.Failed++
	}
	s.errMark = s.stats.errorReplies
	s.stats.numCommands++
	c.cmdCount++
	// may_replicate covers PFCOUNT, which writes the cached cardinality into the HLL
	// and propagates when it did (Redis propagates any call that changed dirty).
	if (s.dirty != dirtyBefore || c.flags&flagForcePropagate != 0) && s.propagate != nil && cmd.Flags&(FlagWrite|FlagMayReplicate) != 0 {
		argv := c.argv
		if c.rewritten != nil {
			argv = c.rewritten // see rewriteArgv
		}
		if c.propagateMany != nil {
			s.propagateAll(c.db.id, c.propagateMany)
		} else if c.flags&flagNoPropagate == 0 {
			s.propagate(c.db.id, argv)
		}
	}
	c.rewritten = nil
	c.propagateMany = nil
	c.flags &^= flagForcePropagate | flagNoPropagate
	if s.prop.depth--; s.prop.depth == 0 && len(s.prop.ops) > 0 {
		s.propagatePending(cmd) // propagate.go
		c.woff = s.repl.offset  // WAIT waits for this offset (repl_master.go)
	}
	if c.flags&flagBlocked != 0 {
		c.bstate.us = us // logged when unblocked (blocking.go)
	} else if cmd.Flags&FlagSkipSlowlog == 0 {
		s.slowlogPush(c, us)
	}
	// As Redis 7.0, MONITOR sees a command after it ran (so SELECT shows the new db),
	// never admin commands, and redacted arguments as "(redacted)".
	if len(s.monitors) > 0 && cmd.Flags&(FlagSkipMonitor|FlagAdmin) == 0 {
		s.feedMonitors(c, c.argv)
	}
	c.redacted = c.redacted[:0]
	if t := s.cfg.LatencyMonitorThreshold; t > 0 && us/1000 >= t {
		if cmd.Flags&FlagFast != 0 {
			s.latencyAdd("fast-command", us/1000)
		} else {
			s.latencyAdd("command", us/1000)
		}
	}
}

// alsoPropagate makes the current command propagate as argv instead of itself; called
// several times, the commands go out in order, wrapped in MULTI/EXEC (Redis's
// alsoPropagate with preventCommandPropagation). argv is read when the command
// returns, as rewriteArgv's is, so it may point into the query buffer.
func (c *Client) alsoPropagate(argv [][]byte) {
	c.propagateMany = append(c.propagateMany, argv)
}

// propagateAll propagates the commands of one call as Redis 7.0 does: one alone as
// it is, several inside MULTI/EXEC so replicas and the AOF apply them atomically.
func (s *Server) propagateAll(db int, cmds [][][]byte) {
	if len(cmds) > 1 {
		s.propagate(db, [][]byte{[]byte("MULTI")})
	}
	for _, argv := range cmds {
		s.propagate(db, argv)
	}
	if len(cmds) > 1 {
		s.propagate(db, [][]byte{[]byte("EXEC")})
	}
}

// rejectUnknown replies Redis's unknown-command error, quoting the first arguments.
func (s *Server) rejectUnknown(c *Client, argv [][]byte) {
	var args strings.Builder
	for i := 1; i < len(argv) && args.Len() < 128; i++ {
		room := 128 - args.Len()
		a := string(argv[i])
		if len(a) > room {
			a = a[:room]
		}
		args.WriteByte('\'')
		args.WriteString(a)
		args.WriteString("' ")
	}
	c.cmd, c.last = nil, nil
	s.stats.unknownCmd++
	c.flagTransaction()
	c.ReplyError("ERR unknown command '" + truncate(sanitize(string(argv[0])), 128) +
		"', with args beginning with: " + sanitize(args.String()))
	s.queueWrite(c)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// sanitize replaces CR and LF, which would break the reply framing, with spaces.
func sanitize(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		return strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, s)
	}
	return s
}
