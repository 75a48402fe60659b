// Package replication holds the pure protocol pieces of Redis-compatible
// replication, with no I/O and no engine: replication ids, the replica's handshake,
// and the PSYNC decision (may this replica continue from its replid and offset, or
// does it need a full sync?). The engine (engine/repl_*.go) owns the sockets, the
// loop and the backlog (Redis 7.0's replication buffer shared with the replicas,
// engine/repl_buffer.go) and uses these.
//
// The master side's flow, as in Redis 7.0's replication.c:
//
//	replica: PSYNC <replid> <offset>      (or PSYNC ? -1 for a fresh replica)
//	master:  Decide(history, replid, offset, backlog)
//	           → Continue: "+CONTINUE <replid>", then the stream from offset
//	           → full sync: "+FULLRESYNC <replid> <offset>", an RDB, then the stream
//	every write: stored once in the shared buffer the backlog and replicas read
//
// The replica's side (handshake.go; the engine's repl_replica.go drives it from a
// goroutine that owns the socket until the stream starts):
//
//	h := NewHandshake(cfg); send h.Start()            PING
//	loop: h.Feed(replies) → bytes to send, log notes  AUTH, REPLCONF ..., PSYNC
//	h.Outcome: FullResync → ParsePayloadHeader, then the RDB ($len, or EOFMatcher
//	           for "$EOF:<mark>"); PartialResync → the stream follows at once
package replication
