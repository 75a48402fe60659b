package engine

// The propagation path: Redis's propagateNow / feedAppendOnlyFile /
// replicationFeedSlaves as one function. Every write that must reach the AOF or the
// replicas arrives at propagateCommand (through s.propagate, which call() in
// dispatch.go, expiry, eviction, blocked-client serving and alsoPropagate use). The
// command is encoded as RESP once; while a command runs (call() in dispatch.go) the
// encodings are held and sent when it returns, several wrapped in MULTI/EXEC as
// Redis 7.0's also_propagate does; each sink then gets those same bytes, preceded by
// a SELECT when the command's db differs from the last one that sink received. The
// AOF and the replication stream track their selected db separately, as Redis's
// aof_selected_db and slaveseldb do: an AOF rewrite resets one, a new replica the
// other. A command may also go to the replicas only (propagateReplOnly: PUBLISH,
// Redis's PROPAGATE_REPL target).
//
// When no sink is active s.propagate is nil, so the callers skip building the
// arguments of what they would propagate and the hot path does no work at all
// (BenchmarkHotPath: 0 allocs). With a sink, encoding reuses one scratch buffer and
// the sinks' buffers, so steady-state propagation allocates nothing either.

import (
	"bytes"
	"strconv"

	"github.com/keygrid/keygrid/engine/resp"
)

// ReplicationFeed receives the propagated command stream for replicas and the
// replication backlog: the RESP bytes of one write command, preceded by a SELECT when
// the command's database differs from that of the previous command fed (the first
// command after SetReplicationFeed or ResetReplicationDB always gets one). It is called
// on the loop goroutine, right after the command ran and before its reply is written;
// it must not block, and b is only valid during the call (copy what you keep). The
// replication part of keygrid sets it (node wires it); the engine knows nothing else
// about replicas.
type ReplicationFeed func(b []byte)

// propState is the propagation path's state (loop goroutine only).
type propState struct {
	// enc is scratch space: the command being propagated, encoded once.
	enc []byte
	// repl is the replication sink, nil without replicas or backlog.
	repl ReplicationFeed
	// replDB is the db of the last command fed to repl; -1 forces a SELECT.
	replDB int
	// replBuf holds SELECT + command for one repl call.
	replBuf []byte

	// depth counts the call()s in progress. What is propagated while one runs is
	// kept in ops and sent when the outermost returns, wrapped in MULTI/EXEC when
	// there is more than one command, as Redis 7.0's also_propagate and
	// propagatePendingCommands: an expired key deleted by a write command's lookup
	// goes out as MULTI, DEL, the command, EXEC.
	depth int
	ops   []pendingOp // pending commands: enc[start:end] against db
	pend  []byte      // their encodings
}

// pendingOp is one pending propagated command.
type pendingOp struct {
	db         int
	start, end int
	// replOnly: for the replicas, not the AOF (PUBLISH, Redis's PROPAGATE_REPL).
	replOnly bool
	// aofOnly: for the AOF, not the replicas (a script's redis.set_repl(REPL_AOF)).
	aofOnly bool
}

// SetReplicationFeed installs (or, with nil, removes) the replication sink. Call it
// on the loop goroutine (through Submit). The next command fed starts with a SELECT.
func (s *Server) SetReplicationFeed(f ReplicationFeed) {
	s.prop.repl = f
	s.prop.replDB = -1
	s.updatePropagate()
}

// ResetReplicationDB makes the next command fed to the replication sink start with
// a SELECT, as Redis does (slaveseldb = -1) when a replica attaches or the backlog is
// created. Loop goroutine only.
func (s *Server) ResetReplicationDB() { s.prop.replDB = -1 }

// updatePropagate points s.propagate at the propagation path when a sink wants
// commands (AOF on or being enabled, or a replication feed) and clears it otherwise,
// so that nothing is encoded, nor even built, when nobody listens.
func (s *Server) updatePropagate() {
	if s.aof.state != aofOff || s.prop.repl != nil {
		s.propagate = s.propagateCommand
	} else {
		s.propagate = nil
	}
}

// propagateCommand hands one command, executed against database db, to the AOF and
// to the replication sink. argv is read here and not kept.
func (s *Server) propagateCommand(db int, argv [][]byte) {
	if s.aof.loading {
		return // replaying the AOF: what it does is already in the files (Redis's server.loading)
	}
	if s.prop.depth > 0 {
		start := len(s.prop.pend)
		s.prop.pend = appendRESPCommand(s.prop.pend, argv)
		s.prop.ops = append(s.prop.ops, pendingOp{db: db, start: start, end: len(s.prop.pend)})
		return
	}
	enc := appendRESPCommand(s.prop.enc[:0], argv)
	s.prop.enc = enc
	s.feedSinks(db, enc, false)
}

// propagateReplOnly hands one command to the replicas only, not to the AOF: Redis
// 7.0's forceCommandPropagation(c, PROPAGATE_REPL), which PUBLISH and SPUBLISH
// use outside cluster mode so that a replica's subscribers get the messages
// published on its master, while the AOF, which replays data, never holds them.
// Inside a command it joins the pending commands in order (and so is wrapped in
// MULTI/EXEC with them, as Redis's also_propagate array is).
func (s *Server) propagateReplOnly(db int, argv [][]byte) {
	if s.prop.repl == nil || s.aof.loading {
		return
	}
	if r := s.script.capturing; r != nil {
		// Inside a script: in order with its other effects, and subject to its
		// redis.set_repl (script.go).
		if r.repl&replReplica != 0 {
			r.props = append(r.props, scriptEffect{db: db, argv: copyArgv(argv), target: replReplica})
		}
		return
	}
	if s.prop.depth > 0 {
		start := len(s.prop.pend)
		s.prop.pend = appendRESPCommand(s.prop.pend, argv)
		s.prop.ops = append(s.prop.ops, pendingOp{db: db, start: start, end: len(s.prop.pend), replOnly: true})
		return
	}
	enc := appendRESPCommand(s.prop.enc[:0], argv)
	s.prop.enc = enc
	s.feedSinks(db, enc, true)
}

// propagateTo hands one command to the sinks target names (replAOF, replReplica:
// Redis's PROPAGATE_AOF / PROPAGATE_REPL), as propagateCommand does for both. A
// script's effects go out this way, each with the redis.set_repl targets in force
// when it ran.
func (s *Server) propagateTo(db int, argv [][]byte, target int) {
	switch target {
	case replAOF | replReplica:
		s.propagateCommand(db, argv)
	case replReplica:
		s.propagateReplOnly(db, argv)
	case replAOF:
		if s.aof.state == aofOff || s.aof.loading {
			return
		}
		if s.prop.depth > 0 {
			start := len(s.prop.pend)
			s.prop.pend = appendRESPCommand(s.prop.pend, argv)
			s.prop.ops = append(s.prop.ops, pendingOp{db: db, start: start, end: len(s.prop.pend), aofOnly: true})
			return
		}
		enc := appendRESPCommand(s.prop.enc[:0], argv)
		s.prop.enc = enc
		s.feedAOF(db, enc)
	}
}

// propagates reports whether a command for target reaches any sink now (Redis's
// shouldPropagate): only such commands count when deciding to wrap a script's
// effects in MULTI/EXEC.
func (s *Server) propagates(target int) bool {
	if s.aof.loading {
		return false
	}
	return (target&replAOF != 0 && s.aof.state != aofOff) || (target&replReplica != 0 && s.prop.repl != nil)
}

// feedSinks hands one encoded command to each sink; replOnly skips the AOF.
func (s *Server) feedSinks(db int, enc []byte, replOnly bool) {
	if s.aof.state != aofOff && !replOnly {
		s.feedAOF(db, enc)
	}
	if s.prop.repl != nil {
		b := s.prop.replBuf[:0]
		if db != s.prop.replDB {
			b = appendSelect(b, db)
			s.prop.replDB = db
		}
		b = append(b, enc...)
		s.prop.replBuf = b
		s.prop.repl(b)
	}
}

// Encodings of the transaction markers.
var (
	encMulti = []byte("*1\r\n$5\r\nMULTI\r\n")
	encExec  = []byte("*1\r\n$4\r\nEXEC\r\n")
)

// propagatePending sends what the command that just returned (and the commands it
// ran) propagated. MULTI/EXEC markers already among them (a command's own
// alsoPropagate, an EXEC's transaction) are dropped and the whole is wrapped once,
// as Redis keeps one flat array; RANDOMKEY and SCAN, which may delete any number of
// expired keys, are never wrapped (CMD_TOUCHES_ARBITRARY_KEYS).
func (s *Server) propagatePending(cmd *Command) {
	ops := s.prop.ops[:0]
	for _, op := range s.prop.ops {
		e := s.prop.pend[op.start:op.end]
		if bytes.EqualFold(e, encMulti) || bytes.EqualFold(e, encExec) {
			continue
		}
		ops = append(ops, op)
	}
	wrap := len(ops) > 1 && cmd.Name != "randomkey" && cmd.Name != "scan"
	// The markers go to both sinks, as Redis's propagatePendingCommands sends them
	// (an AOF may so get an empty MULTI/EXEC around replica-only commands).
	if wrap {
		s.feedSinks(ops[0].db, encMulti, false)
	}
	for _, op := range ops {
		if op.aofOnly {
			if s.aof.state != aofOff {
				s.feedAOF(op.db, s.prop.pend[op.start:op.end])
			}
			continue
		}
		s.feedSinks(op.db, s.prop.pend[op.start:op.end], op.replOnly)
	}
	if wrap {
		s.feedSinks(ops[len(ops)-1].db, encExec, false)
	}
	s.prop.ops = s.prop.ops[:0]
	if cap(s.prop.pend) > 64<<10 {
		s.prop.pend = nil // a huge MSET once should not pin its buffer
	} else {
		s.prop.pend = s.prop.pend[:0]
	}
}

// appendRESPCommand encodes argv as a RESP array of bulk strings, as clients send
// commands and as the AOF stores them (Redis's catAppendOnlyGenericCommand).
func appendRESPCommand(b []byte, argv [][]byte) []byte {
	b = resp.AppendArray(b, len(argv))
	for _, a := range argv {
		b = resp.AppendBulk(b, a)
	}
	return b
}

// appendSelect encodes SELECT db.
func appendSelect(b []byte, db int) []byte {
	b = append(b, "*2\r\n$6\r\nSELECT\r\n$"...)
	var num [20]byte
	n := strconv.AppendInt(num[:0], int64(db), 10)
	b = strconv.AppendInt(b, int64(len(n)), 10)
	b = append(b, "\r\n"...)
	b = append(b, n...)
	return append(b, "\r\n"...)
}
