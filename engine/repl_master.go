package engine

// repl_master.go: the master side of replication (Redis 7.0's replication.c, master
// half): SYNC / PSYNC, REPLCONF, the replication stream fed to the backlog and to
// every replica, partial resyncs from the backlog, WAIT, min-replicas-to-write, ROLE
// and INFO replication. Full syncs (the RDB part) are in repl_sync.go.
//
// The flow, as in Redis:
//
//	replica: REPLCONF listening-port 6380 / capa eof / capa psync2   → +OK each
//	replica: PSYNC <replid> <offset>
//	master:  replication.Decide: +CONTINUE <replid> and the backlog from offset, or
//	         a full sync: +FULLRESYNC <replid> <offset>, the RDB (length-prefixed
//	         from a file, or "$EOF:<mark>" streamed), then what was written meanwhile
//	then:    every write, encoded once by propagate.go, goes to replFeed: stored
//	         once in the shared replication buffer that is both the backlog and
//	         every replica's output (repl_buffer.go); the replica acknowledges
//	         with REPLCONF ACK <offset> every second (WAIT, lag).
//
// All of this runs on the loop. A replica is an ordinary client with a *replicaLink
// (s.repl.links) that points into the shared buffer; writeClient sends from there.
// During a full sync the loop does not write it (flagWriteHandler is set without a
// handler, so the pending-write path skips the client) while a goroutine sends the
// RDB through a dup of the socket, and the stream accumulated meanwhile follows
// when the RDB is done.
//
// For the replica side (repl_replica.go). The replication history is one: a
// replica keeps replid = its master's, and master_repl_offset = what it applied, so
// that it can serve PSYNC for its own replicas (chained replication) and after a
// promotion. The replica side uses:
//
//	s.repl.id, s.repl.offset              its PSYNC arguments (offset+1) and ROLE
//	s.replResetHistory(id, offset)        after +FULLRESYNC id offset: new history, fresh backlog
//	s.replSwitchID(newID)                 after +CONTINUE newID from a promoted master (PSYNC2)
//	s.replShiftID()                       REPLICAOF NO ONE: the old id becomes replid2
//	s.replFeedStream(b)                   the master's stream as applied: to the backlog and sub-replicas
//	s.replDisconnectReplicas()            force sub-replicas to resync
//	s.repl.replicaHooks                   ROLE / INFO / SYNC-allowed answers of a replica
//
// While roleName() is "slave", propagate's feed is ignored here: a replica passes
// its master's stream on byte for byte (replFeedStream) instead of its own
// propagation, as Redis's replicationFeedSlaves returns early when masterhost is set.

import (
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/replication"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

var replMasterCommands = []*Command{
	{Name: "sync", Arity: 1, Flags: FlagNoAsyncLoading | FlagAdmin | FlagNoMulti | FlagNoScript,
		Group: "server", Since: "1.0.0",
		Summary: "Internal command used for replication",
		Proc:    syncCommand},
	{Name: "psync", Arity: -3, Flags: FlagNoAsyncLoading | FlagAdmin | FlagNoMulti | FlagNoScript,
		Group: "server", Since: "2.8.0",
		Summary: "Internal command used for replication",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "replicationid", Type: "string"},
			{Name: "offset", Type: "integer"},
		}},
		Proc: syncCommand},
	{Name: "replconf", Arity: -1, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale | FlagAllowBusy,
		Group: "server", Since: "3.0.0", Complexity: "O(1)",
		Summary: "An internal command for configuring the replication stream",
		Doc:     &CmdDoc{Flags: []string{"syscmd"}},
		Proc:    replconfCommand},
	{Name: "wait", Arity: 3, Flags: FlagNoScript, Cats: CatConnection,
		Group: "generic", Since: "3.0.0", Complexity: "O(1)",
		Summary: "Wait for the synchronous replication of all the write commands sent in the context of the current connection",
		Tips:    []string{"request_policy:all_shards", "response_policy:agg_min"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "numreplicas", Type: "integer"},
			{Name: "timeout", Type: "integer"},
		}},
		Proc: waitCommand},
	{Name: "role", Arity: 1, Flags: FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagSentinel, Cats: CatAdmin | CatDangerous,
		Group: "server", Since: "2.8.12", Complexity: "O(1)",
		Summary: "Return the role of the instance in the context of replication",
		Proc:    roleCommand},
}

// replicaState is where a replica is in its synchronization (Redis's
// SLAVE_STATE_*).
type replicaState int

const (
	replWaitBgsaveStart replicaState = iota // needs a full sync; no snapshot for it yet
	replWaitBgsaveEnd                       // its snapshot is being made (diskless: streamed)
	replSendBulk                            // the RDB file is being sent
	replOnline                              // receiving the command stream
	replRDBTransmitted                      // rdb-only replica: RDB sent, closing
)

// rdb-filter-only filters (Redis's SLAVE_REQ_RDB_EXCLUDE_*).
const (
	filterNoData = 1 << iota
	filterNoFunctions
)

// Replica capabilities (REPLCONF capa).
const (
	capaEOF    = 1 << iota // understands "$EOF:<mark>" diskless payloads
	capaPSYNC2             // understands "+CONTINUE <replid>"
)

// replicaLink is the master's view of one replica connection.
type replicaLink struct {
	c     *Client
	state replicaState
	capa  int
	// listeningPort and ipAddr are what the replica announced (REPLCONF
	// listening-port / ip-address); ipAddr "" means its peer address.
	listeningPort int
	ipAddr        string
	// ackOff and ackTime are its last REPLCONF ACK (offset, unix seconds).
	ackOff  int64
	ackTime int64
	// preSync marks a replica that used SYNC: no +FULLRESYNC, no ACKs expected.
	preSync bool
	// rdbOnly (REPLCONF rdb-only 1): the RDB and nothing after it.
	rdbOnly bool
	// filter is REPLCONF rdb-filter-only: the RDB leaves out the data, and the
	// functions too unless "functions" is included (0: no filter).
	filter int
	// startOnAck: a diskless transfer ended; the stream starts at the first ACK,
	// so the replica can find the EOF mark at the very end of what it read.
	startOnAck bool
	// ackedEarly: it acknowledged before the loop learnt its diskless transfer
	// had ended, so the stream may start at once.
	ackedEarly bool
	// initialOffset is the offset its +FULLRESYNC named.
	initialOffset int64
	// conn is the dup of its socket a transfer goroutine writes the RDB to;
	// closed (by the loop, under transferMu of the sync) when the replica goes.
	conn net.Conn
	// target is its socket in a diskless sync's sink (repl_sync_sock.go).
	target *replTarget
	// waitSince is when it started waiting for a full sync (unix seconds), for
	// repl-diskless-sync-delay.
	waitSince int64
	// ref and refPos are where in the shared replication buffer its stream
	// continues (repl_buffer.go); nil until it is first fed.
	ref    *replBlock
	refPos int
}

// replicaHooks are the replica side's answers; nil functions mean this node is
// a master (or the replica side is not wired).
type replicaHooks struct {
	// role replies ROLE for a replica.
	role func(c *Client)
	// info adds the replica fields of INFO replication (master_host ...
	// replica_announced), after role.
	info func(sec *InfoSection)
	// syncRefused returns a non-empty error when a replica may not serve SYNC
	// now (its own master link is down: "-NOMASTERLINK ...").
	syncRefused func() string
	// failoverState is INFO's master_failover_state (FAILOVER), "no-failover"
	// when nil.
	failoverState func() string
}

// replState is the replication state of the node (loop goroutine only).
type replState struct {
	// id and id2 are the replication ids (master_replid, master_replid2);
	// secondOffset is second_repl_offset (-1 without id2).
	id, id2      string
	secondOffset int64
	// offset is master_repl_offset: bytes of replication stream produced (or, on a
	// replica, applied) in this history.
	offset int64
	// backlog is the shared replication buffer (repl_buffer.go), nil without a
	// backlog.
	backlog *replBacklog
	// replicas in the order they attached (INFO slaveN); links maps clients.
	replicas []*replicaLink
	links    map[*Client]*replicaLink
	// noReplicasSince is when the last replica left (unix s), for repl-backlog-ttl.
	noReplicasSince int64
	goodReplicas    int
	// unexpectedErrors counts the master's commands that failed here (INFO
	// stats' unexpected_error_replies, repl_errors.go).
	unexpectedErrors int64
	// getAck asks beforeSleep to send REPLCONF GETACK * to the replicas (WAIT).
	getAck bool
	// pendingCapa holds what REPLCONF said on connections not yet replicas.
	pendingCapa map[*Client]*pendingLink
	// waiting are the clients blocked in WAIT.
	waiting []*Client
	// sync is the full-sync snapshot in progress (repl_sync.go).
	sync      *replSync
	cronLoops int64

	syncFull, syncPartialOK, syncPartialErr int64
	// netOutput is total_net_repl_output_bytes: RDB payloads sent and stream
	// bytes queued to replicas (Redis counts the stream as written). The write
	// path counts the stream in total_net_output_bytes as well, and
	// replCountPayload the payloads: Redis's total is clients' plus replication's.
	netOutput int64
	// netInput is total_net_repl_input_bytes on a replica: the master's payloads
	// and stream (also in total_net_input_bytes, as in Redis).
	netInput int64

	// shutdown is a SHUTDOWN waiting for the replicas (repl_shutdown.go).
	shutdown replShutdownState
	// signalled is Redis's shutdown_asap: a SIGTERM or SIGINT asked for a shutdown
	// that has not ended (or failed) yet. The signal goroutine reads it.
	signalled atomic.Bool
	// loading mirrors persist.loading for the signal goroutine (the log line
	// of a signal received during a load).
	loading atomic.Bool

	// loaded is the repl-* aux fields of the RDB loaded at start (rdbLoadAux).
	loaded rdbReplAux
	// syncStreamDB is the repl-stream-db of the last RDB loaded (-1 without): after
	// a full sync, the db the master's stream had selected when its snapshot was
	// taken (a chained master sends no SELECT before continuing in it).
	syncStreamDB int

	replicaHooks
}

// rdbReplAux are an RDB's repl-stream-db, repl-id and repl-offset aux fields.
type rdbReplAux struct {
	streamDB int
	id       string
	offset   int64
	hasID    bool
}

// waitBlock is the state of a client blocked in WAIT.
type waitBlock struct {
	offset int64
	num    int64
}

// initReplication wires the master side into the core (New calls it).
func (s *Server) initReplication() {
	r := &s.repl
	r.id = s.replicationID()
	r.id2 = replication.NoID
	r.secondOffset = -1
	r.links = make(map[*Client]*replicaLink)
	r.loaded = rdbReplAux{streamDB: -1, offset: -1}
	r.noReplicasSince = time.Now().Unix()
	// Redis's first replicationCron runs at start-up (cron loop 0, no replica
	// yet), so the first PING to replicas waits a whole repl-ping-replica-period;
	// ours first runs a second later: it counts as loop 1.
	r.cronLoops = 1
	s.rdbReplInfo = s.replRDBInfo
	s.cronHooks = append(s.cronHooks, s.replShutdownCron, s.replCron)
	s.resetStatHooks = append(s.resetStatHooks, func() {
		// CONFIG RESETSTAT clears them, as Redis's resetServerStats.
		r.syncFull, r.syncPartialOK, r.syncPartialErr = 0, 0, 0
		r.netInput, r.netOutput, r.unexpectedErrors = 0, 0, 0
	})
	// Before the other shutdown hooks (save, AOF): the lagging replicas are logged
	// first, as Redis's finishShutdown does.
	s.shutdownHooks = append([]func(bool, bool) error{s.replShutdownLog}, s.shutdownHooks...)
	s.beforeSleepHooks = append(s.beforeSleepHooks, s.replBeforeSleep)
	s.onClientFree = append(s.onClientFree, s.replClientFreed)
	s.infoHooks = append(s.infoHooks, s.replInfoHook)
	s.lateCommandChecks = append(s.lateCommandChecks, s.replDenyWrite)
	s.configApplyHooks = append(s.configApplyHooks, s.replConfigChanged)
	s.evict.notCounted = append(s.evict.notCounted, s.replNotCounted) // repl_buffer.go
	s.clientInfoHooks = append(s.clientInfoHooks, func(c *Client, x *clientExtra) {
		if r.links[c] != nil {
			x.Type = "replica"
			x.Flags = insertClientFlag(x.Flags, 'S')
		}
	})
}

// isReplica reports whether this node replicates from a master.
func (s *Server) isReplica() bool { return s.roleName() == "slave" }

// --- history and backlog ---------------------------------------------------------------

// replCreateBacklog creates the backlog and starts feeding it (Redis's
// createReplicationBacklog): its first byte will be offset+1. A backlog of an
// older history is dropped with it: the replicas still pointing into it are
// being disconnected.
func (s *Server) replCreateBacklog() {
	r := &s.repl
	s.replDetachAll()
	r.backlog = newReplBacklog(s.cfg.ReplBacklogSize, r.offset)
	s.SetReplicationFeed(s.replFeed)
}

// replFreeBacklog drops the backlog and stops the feed.
func (s *Server) replFreeBacklog() {
	s.replDetachAll()
	s.repl.backlog = nil
	s.SetReplicationFeed(nil)
}

// replChangeID starts a new history (Redis's changeReplicationId).
func (s *Server) replChangeID() {
	s.repl.id = replication.NewID()
	s.info.replID = s.repl.id
}

// replClearID2 forgets the previous history (clearReplicationId2).
func (s *Server) replClearID2() {
	s.repl.id2 = replication.NoID
	s.repl.secondOffset = -1
}

// replShiftID keeps the current history as the secondary one, valid up to the
// current offset, and starts a new one (shiftReplicationId): a promoted replica
// lets its former master's other replicas continue with it.
func (s *Server) replShiftID() {
	r := &s.repl
	r.id2 = r.id
	r.secondOffset = r.offset + 1
	s.replChangeID()
	s.log.Warn("Setting secondary replication ID to " + r.id2 + ", valid up to offset: " +
		strconv.FormatInt(r.secondOffset, 10) + ". New replication ID is " + r.id)
}

// replSwitchID adopts newID as the current id, keeping the old one as replid2 up
// to the current offset (a replica told "+CONTINUE newID" by a promoted master).
func (s *Server) replSwitchID(newID string) {
	r := &s.repl
	r.id2 = r.id
	r.secondOffset = r.offset + 1
	r.id = newID
	s.info.replID = newID
}

// replResetHistory starts history id at offset with a fresh backlog (a replica
// after +FULLRESYNC id offset: Redis's replica sets replid and master_repl_offset
// from the master and recreates its backlog).
func (s *Server) replResetHistory(id string, offset int64) {
	r := &s.repl
	r.id = id
	s.info.replID = id
	s.replClearID2()
	r.offset = offset
	s.replCreateBacklog()
}

// replDisconnectReplicas closes every replica link (Redis's disconnectSlaves).
func (s *Server) replDisconnectReplicas() {
	for _, rl := range append([]*replicaLink(nil), s.repl.replicas...) {
		s.freeClientAsync(rl.c)
	}
}

// freeClientAsync closes c in beforeSleep, never under the caller's feet (Redis's
// freeClientAsync): the feed runs inside other clients' commands.
func (s *Server) freeClientAsync(c *Client) {
	if c.fd < 0 || c.flags&flagCloseASAP != 0 {
		return
	}
	c.flags |= flagCloseASAP
	s.closeASAP = append(s.closeASAP, c)
}

// --- the stream ------------------------------------------------------------------------

// replFeed is the propagation path's replication sink: b is one command, with its
// SELECT when needed. A replica ignores it (it relays its master's stream).
func (s *Server) replFeed(b []byte) {
	if s.isReplica() {
		return
	}
	s.replFeedStream(b)
}

// replFeedStream appends b to the replication stream: the backlog, the offset and
// every replica that takes the stream (Redis's feedReplicationBuffer). On a
// replica, the replica side calls it with the master's stream as applied.
//
// b is stored once, in the shared buffer (repl_buffer.go); a replica that had
// nothing pending starts referencing it where b starts. The output limits are
// checked when a block is added, the only time a replica's output memory grows.
func (s *Server) replFeedStream(b []byte) {
	r := &s.repl
	bl := r.backlog
	if bl == nil {
		return
	}
	for len(b) > 0 {
		start, pos, n, added := bl.append(b)
		b = b[n:]
		r.offset += int64(n)
		for _, rl := range r.replicas {
			if !rl.takesStream() {
				continue // a replica waiting for its snapshot starts from its point
			}
			if rl.ref == nil {
				rl.ref, rl.refPos = start, pos
				start.refs++
			}
			if added {
				s.replCheckOutputLimits(rl)
			}
		}
		if added {
			// Trimming here keeps the backlog near its size; waiting for a new
			// block avoids trying after every small command.
			bl.trim(replTrimPerCall)
		}
	}
	for _, rl := range r.replicas {
		if rl.ref != nil && rl.streaming() {
			s.queueWrite(rl.c)
		}
	}
}

// replCountPayload counts n bytes of an RDB payload sent to a replica (by a
// transfer goroutine, not the write path): Redis 7.0 counts them in
// total_net_repl_output_bytes, and total_net_output_bytes is the sum of the
// clients' and the replication's bytes.
func (s *Server) replCountPayload(n int64) {
	s.repl.netOutput += n
	s.stats.netOutput += n
}

// replCheckOutputLimits applies client-output-buffer-limit replica: a replica too
// far behind is dropped (and will resync) rather than holding unbounded memory.
func (s *Server) replCheckOutputLimits(rl *replicaLink) {
	c := rl.c
	if c.flags&flagCloseASAP != 0 || !s.obufLimitReached(c, config.ClientReplica) { // obuf_limit.go
		return
	}
	s.logObufClose(c, true)
	s.freeClientAsync(c)
}

var encPing = []byte("*1\r\n$4\r\nPING\r\n")

// replBeforeSleep sends REPLCONF GETACK when a WAIT asked for it and replies to the
// WAITs that have their acknowledgements (Redis's beforeSleep).
func (s *Server) replBeforeSleep() {
	r := &s.repl
	if r.backlog != nil {
		// Blocks released by replicas that went or caught up (Redis trims ten
		// calls' worth here, to give memory back soon).
		r.backlog.trim(10 * replTrimPerCall)
	}
	if r.getAck {
		r.getAck = false
		if len(r.replicas) > 0 && !s.isReplica() {
			s.replFeedStream([]byte("*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"))
		}
	}
	if len(r.waiting) > 0 {
		s.replServeWaiting()
	}
}

// --- commands --------------------------------------------------------------------------

// SYNC
// PSYNC replicationid offset
func syncCommand(c *Client) {
	s := c.srv
	r := &s.repl
	if r.links[c] != nil {
		return // already a replica: ignored, as Redis does
	}
	psync := strings.EqualFold(string(c.argv[0]), "psync")
	if psync && len(c.argv) > 3 && strings.EqualFold(string(c.argv[3]), "failover") {
		// PSYNC ... FAILOVER is sent by a master handing over to this replica
		// (FAILOVER): the replica side owns that (repl_failover.go); once it made
		// this node a master, the PSYNC goes on as any other.
		if !s.replicaFailoverRequest(c) {
			return
		}
	}
	if r.syncRefused != nil {
		if msg := r.syncRefused(); msg != "" {
			c.ReplyError(msg)
			return
		}
	}
	if pending := r.pendingCapa[c]; pending != nil && pending.filter != 0 && pending.capa&capaEOF == 0 {
		// A filtered RDB is always streamed (never the dump file's content).
		c.ReplyError("ERR Filtered replica requires EOF capability")
		return
	}
	// The replica's earlier replies must not mix with what follows: send them now
	// (a replica normally waits for each one, so this is empty).
	if c.sent < len(c.out) && !s.flushNow(c) {
		c.ReplyError("ERR SYNC and PSYNC are invalid with pending output")
		return
	}
	rl := &replicaLink{c: c, ackTime: time.Now().Unix()}
	if pending := r.pendingCapa[c]; pending != nil {
		rl.capa, rl.listeningPort, rl.ipAddr, rl.rdbOnly, rl.filter = pending.capa, pending.listeningPort, pending.ipAddr, pending.rdbOnly, pending.filter
	}
	s.log.Info("Replica " + s.replicaName(rl) + " asks for synchronization")
	if psync {
		off, ok := parseInt(c.argv[2])
		if !ok {
			s.log.Warn("Replica " + s.replicaName(rl) + " asks for synchronization but with a wrong offset")
			c.ReplyError(ErrNotInt)
			return
		}
		id := string(c.argv[1])
		if s.replTryPartial(rl, id, off) {
			r.syncPartialOK++
			return
		}
		if id != "?" {
			r.syncPartialErr++
		}
	} else {
		rl.preSync = true
	}
	r.syncFull++
	rl.state = replWaitBgsaveStart
	rl.waitSince = time.Now().Unix()
	s.replAddReplica(rl)
	if s.cfg.ReplDisableTCPNodelay {
		unix.SetsockoptInt(c.fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 0)
	}
	if len(r.replicas) == 1 && r.backlog == nil {
		// A backlog created from scratch starts a new history: nothing before it
		// can be continued.
		s.replChangeID()
		s.replClearID2()
		s.replCreateBacklog()
		s.log.Info("Replication backlog created, my new replication IDs are '" + r.id + "' and '" + r.id2 + "'")
	}
	if rl.filter != 0 {
		s.replFilteredSync(rl)
		return
	}
	s.replMaybeStartSync(rl)
}

// replAddReplica registers rl as a replica of this node.
func (s *Server) replAddReplica(rl *replicaLink) {
	r := &s.repl
	r.replicas = append(r.replicas, rl)
	r.links[rl.c] = rl
	rl.c.flags |= flagReplica
	delete(r.pendingCapa, rl.c)
}

// replTryPartial serves PSYNC from the backlog when the history allows (Redis's
// masterTryPartialResynchronization); false means a full sync is needed.
func (s *Server) replTryPartial(rl *replicaLink, id string, off int64) bool {
	r := &s.repl
	h := replication.History{ID: r.id, ID2: r.id2, SecondOffset: r.secondOffset}
	name := s.replicaName(rl)
	var window replication.Window
	if r.backlog != nil {
		window = r.backlog
	}
	verdict := replication.Decide(h, id, off, window)
	switch verdict {
	case replication.FullRequested:
		s.log.Info("Full resync requested by replica " + name)
		return false
	case replication.IDMismatch:
		s.log.Info("Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '" +
			id + "', my replication IDs are '" + r.id + "' and '" + r.id2 + "')")
		return false
	case replication.PastSecondID:
		s.log.Info("Partial resynchronization not accepted: Requested offset for second ID was " +
			strconv.FormatInt(off, 10) + ", but I can reply up to " + strconv.FormatInt(r.secondOffset, 10))
		return false
	case replication.NoBacklog:
		s.log.Info("Unable to partial resync with replica " + name + " for lack of backlog (Replica request was: " +
			strconv.FormatInt(off, 10) + ").")
		if off > r.offset {
			s.log.Warn("Warning: replica " + name + " tried to PSYNC with an offset that is greater than the master replication offset.")
		}
		return false
	}
	c := rl.c
	rl.state = replOnline
	rl.ackTime = time.Now().Unix()
	s.replAddReplica(rl)
	if rl.capa&capaPSYNC2 != 0 {
		c.out = append(c.out, "+CONTINUE "+r.id+"\r\n"...)
	} else {
		c.out = append(c.out, "+CONTINUE\r\n"...)
	}
	// The backlog is not copied: the replica sends from the shared buffer.
	n := s.replSetRef(rl, off)
	s.queueWrite(c)
	s.log.Info("Partial resynchronization request from " + name + " accepted. Sending " +
		strconv.FormatInt(n, 10) + " bytes of backlog starting from offset " + strconv.FormatInt(off, 10) + ".")
	// The replica's db is the one of its previous link: no SELECT needed.
	s.replRefreshGood()
	return true
}

// flushNow writes c's pending replies synchronously, as far as the socket takes
// them; it reports whether all were written.
func (s *Server) flushNow(c *Client) bool {
	for c.sent < len(c.out) {
		n, err := unix.Write(c.fd, c.out[c.sent:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			return false
		}
		c.sent += n
		c.netOut += int64(n)
		s.stats.netOutput += int64(n)
	}
	c.out, c.sent = c.out[:0], 0
	return true
}

// pendingLink is what REPLCONF told about a connection before its SYNC/PSYNC.
type pendingLink struct {
	capa, listeningPort int
	ipAddr              string
	rdbOnly             bool
	filter              int
}

// REPLCONF option value [option value ...]
func replconfCommand(c *Client) {
	s := c.srv
	r := &s.repl
	if len(c.argv)%2 == 0 {
		c.ReplyError(ErrSyntax)
		return
	}
	rl := r.links[c]
	// Before SYNC the options are kept aside; they become the link's at SYNC.
	var p *pendingLink
	if rl == nil {
		if p = r.pendingCapa[c]; p == nil {
			p = &pendingLink{}
		}
	} else {
		p = &pendingLink{capa: rl.capa, listeningPort: rl.listeningPort, ipAddr: rl.ipAddr, rdbOnly: rl.rdbOnly, filter: rl.filter}
	}
	for j := 1; j < len(c.argv); j += 2 {
		opt, val := strings.ToLower(string(c.argv[j])), c.argv[j+1]
		switch opt {
		case "listening-port":
			port, ok := parseInt(val)
			if !ok || port != int64(int(port)) {
				c.ReplyError(ErrNotInt)
				return
			}
			p.listeningPort = int(port)
		case "ip-address":
			if len(val) >= 256 { // NET_HOST_STR_LEN: a hostname may be announced
				c.ReplyError("ERR REPLCONF ip-address provided by replica instance is too long: " + strconv.Itoa(len(val)) + " bytes")
				return
			}
			p.ipAddr = string(val)
		case "capa":
			switch strings.ToLower(string(val)) {
			case "eof":
				p.capa |= capaEOF
			case "psync2":
				p.capa |= capaPSYNC2
			} // others are ignored: a newer replica's capabilities
		case "ack":
			// Sent by replicas only, and never answered.
			if rl == nil {
				return
			}
			off, ok := parseInt(val)
			if !ok {
				return
			}
			if off > rl.ackOff {
				rl.ackOff = off
			}
			rl.ackTime = time.Now().Unix()
			if rl.startOnAck && rl.state == replOnline {
				s.replStartStream(rl)
			} else if rl.state == replWaitBgsaveEnd {
				// It read the whole RDB before the transfer's completion reached
				// the loop (Redis checks for the child's exit here); only streamed
				// transfers wait for an ACK, and they look at this flag.
				rl.ackedEarly = true
			}
			return
		case "getack":
			// A master asks its replica for an ACK: the replica side's business;
			// nothing is replied either way.
			return
		case "rdb-only":
			v, ok := parseInt(val)
			if !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			if v < 0 || v > 1 {
				c.ReplyError("ERR value is out of range, value must between 0 and 1")
				return
			}
			p.rdbOnly = v == 1
		case "rdb-filter-only":
			// Include filters of the RDB (redis-cli --replica sends "", and
			// --functions-rdb "functions"): data is always left out. The value is
			// split at spaces (Redis's sdssplitargs, quotes aside).
			p.filter = filterNoData | filterNoFunctions
			for _, f := range strings.Fields(string(val)) {
				if !strings.EqualFold(f, "functions") {
					c.ReplyError("ERR Unsupported rdb-filter-only option: " + f)
					return
				}
				p.filter &^= filterNoFunctions
			}
		default:
			c.ReplyError("ERR Unrecognized REPLCONF option: " + string(c.argv[j]))
			return
		}
	}
	if rl == nil {
		if r.pendingCapa == nil {
			r.pendingCapa = make(map[*Client]*pendingLink)
		}
		r.pendingCapa[c] = p
	} else {
		rl.capa, rl.listeningPort, rl.ipAddr, rl.rdbOnly, rl.filter = p.capa, p.listeningPort, p.ipAddr, p.rdbOnly, p.filter
	}
	c.ReplyOK()
}

// WAIT numreplicas timeout
func waitCommand(c *Client) {
	s := c.srv
	if s.isReplica() {
		c.ReplyError("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.")
		return
	}
	num, ok := parseInt(c.argv[1])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	deadline, ok := c.blockTimeoutArg(c.argv[2], false)
	if !ok {
		return
	}
	// The offset right after this client's last write (call sets it).
	offset := c.woff
	acked := s.replCountAcks(offset)
	if acked >= num || c.flags&flagMulti != 0 || c.blockingDenied() {
		c.ReplyInt(acked)
		return
	}
	s.blockForKeys(c, &BlockSpec{
		Type:    BlockNone,
		Timeout: deadline,
		Data:    &waitBlock{offset: offset, num: num},
		OnTimeout: func(c *Client) {
			wb, _ := c.blockData().(*waitBlock)
			if wb == nil {
				c.ReplyInt(0)
				return
			}
			c.ReplyInt(c.srv.replCountAcks(wb.offset))
		},
	})
	s.repl.waiting = append(s.repl.waiting, c)
	s.repl.getAck = true
}

// replCountAcks counts the online replicas that acknowledged offset.
func (s *Server) replCountAcks(offset int64) int64 {
	var n int64
	for _, rl := range s.repl.replicas {
		if rl.state == replOnline && rl.ackOff >= offset {
			n++
		}
	}
	return n
}

// replServeWaiting replies to the WAITs whose replicas acknowledged enough
// (Redis's processClientsWaitingReplicas); clients no longer blocked in WAIT
// (timed out, unblocked, gone) are dropped from the list.
func (s *Server) replServeWaiting() {
	r := &s.repl
	keep := r.waiting[:0]
	for _, c := range r.waiting {
		wb, _ := c.blockData().(*waitBlock)
		if wb == nil || c.fd < 0 {
			continue
		}
		if n := s.replCountAcks(wb.offset); n >= wb.num {
			c.ReplyInt(n)
			s.unblockClient(c, true)
			continue
		}
		keep = append(keep, c)
	}
	for i := len(keep); i < len(r.waiting); i++ {
		r.waiting[i] = nil
	}
	r.waiting = keep
}

// ROLE
func roleCommand(c *Client) {
	s := c.srv
	if s.isReplica() && s.repl.role != nil {
		s.repl.role(c)
		return
	}
	r := &s.repl
	c.ReplyArray(3)
	c.ReplyBulkString("master")
	c.ReplyInt(r.offset)
	n := 0
	for _, rl := range r.replicas {
		if rl.state == replOnline {
			n++
		}
	}
	c.ReplyArray(n)
	for _, rl := range r.replicas {
		if rl.state != replOnline {
			continue
		}
		c.ReplyArray(3)
		c.ReplyBulkString(s.replicaIP(rl))
		c.ReplyBulkString(strconv.Itoa(rl.listeningPort))
		c.ReplyBulkString(strconv.FormatInt(rl.ackOff, 10))
	}
}

// replicaIP is the address a replica announced, or its peer address.
func (s *Server) replicaIP(rl *replicaLink) string {
	if rl.ipAddr != "" {
		return rl.ipAddr
	}
	addr := rl.c.addr
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		addr = addr[:i]
	}
	return strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
}

// replicaName is how logs name a replica (Redis's replicationGetSlaveName).
func (s *Server) replicaName(rl *replicaLink) string {
	ip := s.replicaIP(rl)
	if rl.listeningPort != 0 {
		if strings.IndexByte(ip, ':') >= 0 {
			return "[" + ip + "]:" + strconv.Itoa(rl.listeningPort)
		}
		return ip + ":" + strconv.Itoa(rl.listeningPort)
	}
	return "client id #" + strconv.FormatInt(rl.c.id, 10)
}

// --- min-replicas-to-write ---------------------------------------------------------------

const errNoReplicas = "NOREPLICAS Not enough good replicas to write."

// replDenyWrite refuses writes without enough good replicas (Redis's
// checkGoodReplicasStatus in processCommand).
func (s *Server) replDenyWrite(c *Client, cmd *Command) string {
	if s.cfg.MinReplicasToWrite == 0 || s.cfg.MinReplicasMaxLag == 0 {
		return ""
	}
	write := c.checkFlags(cmd)&FlagWrite != 0 // EXEC: its queued commands; scripts: their flags
	if !write || s.isReplica() || s.repl.goodReplicas >= s.cfg.MinReplicasToWrite {
		return ""
	}
	return errNoReplicas
}

// replRefreshGood counts the replicas acknowledged within min-replicas-max-lag
// (refreshGoodSlavesCount).
func (s *Server) replRefreshGood() {
	if s.cfg.MinReplicasToWrite == 0 || s.cfg.MinReplicasMaxLag == 0 {
		return
	}
	now := time.Now().Unix()
	good := 0
	for _, rl := range s.repl.replicas {
		if rl.state == replOnline && now-rl.ackTime <= int64(s.cfg.MinReplicasMaxLag) {
			good++
		}
	}
	s.repl.goodReplicas = good
}

// --- cron, client lifecycle, config ------------------------------------------------------

// replCron is replicationCron, once a second.
func (s *Server) replCron() {
	if !s.every(1000) {
		return
	}
	r := &s.repl
	now := time.Now().Unix()
	failingOver := r.failoverState != nil && r.failoverState() != "no-failover"
	if period := int64(max(s.cfg.ReplPingReplicaPeriod, 1)); r.cronLoops%period == 0 && len(r.replicas) > 0 &&
		!s.isReplica() && !failingOver {
		// The PING goes into the stream (and the offset) without a SELECT, so
		// replicas can tell a silent master from a dead link. Not during a
		// FAILOVER: the target must reach the offset writes stopped at.
		s.replFeedStream(encPing)
	}
	for _, rl := range append([]*replicaLink(nil), r.replicas...) {
		c := rl.c
		c.lastSeen = s.nowMs // replicas are exempt from the idle timeout
		switch rl.state {
		case replWaitBgsaveStart:
			// A newline keeps a waiting replica's read timeout at bay; it does
			// not count in the offset.
			unix.Write(c.fd, []byte("\n"))
		case replWaitBgsaveEnd:
			if r.sync != nil && !r.sync.diskless {
				unix.Write(c.fd, []byte("\n"))
			}
		case replOnline:
			if !rl.preSync && now-rl.ackTime > int64(s.cfg.ReplTimeout) {
				s.log.Warn("Disconnecting timedout replica (streaming sync): " + s.replicaName(rl))
				s.freeClientAsync(c)
			}
		}
	}
	if len(r.replicas) == 0 && s.cfg.ReplBacklogTTL > 0 && r.backlog != nil && !s.isReplica() &&
		now-r.noReplicasSince > s.cfg.ReplBacklogTTL {
		// A new id too: writes made without a backlog must not look like part of
		// this history to a replica of ours that gets promoted later.
		s.replChangeID()
		s.replClearID2()
		s.replFreeBacklog()
		s.log.Info("Replication backlog freed after " + strconv.FormatInt(s.cfg.ReplBacklogTTL, 10) + " seconds without connected replicas.")
	}
	s.replCheckSyncTimeouts(now) // repl_sync_sock.go
	s.replStartPendingSync()
	s.replRefreshGood()
	r.cronLoops++
}

// replClientFreed forgets a replica, a WAIT or a pending REPLCONF of a closed
// client.
func (s *Server) replClientFreed(c *Client) {
	r := &s.repl
	delete(r.pendingCapa, c)
	rl := r.links[c]
	if rl == nil {
		return
	}
	delete(r.links, c)
	c.flags &^= flagReplica
	for i, x := range r.replicas {
		if x == rl {
			r.replicas = append(r.replicas[:i], r.replicas[i+1:]...)
			break
		}
	}
	s.replCloseTransfer(rl)
	s.replRelease(rl)
	if rl.state == replOnline && !s.exiting {
		s.log.Warn("Connection with replica " + s.replicaName(rl) + " lost.")
	}
	if len(r.replicas) == 0 {
		r.noReplicasSince = time.Now().Unix()
	}
	s.replRefreshGood()
}

// replConfigChanged applies CONFIG SET repl-backlog-size.
func (s *Server) replConfigChanged(changed []string) error {
	for _, name := range changed {
		if name == "repl-backlog-size" && s.repl.backlog != nil {
			// Shrinking trims as the stream goes (Redis's resizeReplicationBacklog).
			s.repl.backlog.size = s.cfg.ReplBacklogSize
			s.repl.backlog.trim(replTrimPerCall)
		}
		if name == "min-replicas-to-write" || name == "min-replicas-max-lag" {
			s.replRefreshGood() // at once, as Redis's updateGoodSlaves
		}
	}
	return nil
}

// --- INFO, RDB aux -----------------------------------------------------------------------

// replInfoHook writes INFO replication as Redis 7.0 does, and the replication
// counters of INFO stats.
func (s *Server) replInfoHook(section string, sec *InfoSection) {
	r := &s.repl
	switch section {
	case "stats":
		sec.Set("total_net_repl_output_bytes", itoa(r.netOutput))
		sec.Set("total_net_repl_input_bytes", itoa(r.netInput))
		sec.Set("sync_full", itoa(r.syncFull))
		sec.Set("sync_partial_ok", itoa(r.syncPartialOK))
		sec.Set("sync_partial_err", itoa(r.syncPartialErr))
		sec.Set("unexpected_error_replies", itoa(r.unexpectedErrors))
		return
	case "replication":
	default:
		return
	}
	sec.Reset()
	sec.add("role", s.roleName())
	if s.isReplica() && r.info != nil {
		r.info(sec)
	}
	sec.add("connected_slaves", strconv.Itoa(len(r.replicas)))
	if s.cfg.MinReplicasToWrite > 0 && s.cfg.MinReplicasMaxLag > 0 {
		sec.add("min_slaves_good_slaves", strconv.Itoa(r.goodReplicas))
	}
	now := time.Now().Unix()
	id := 0
	for _, rl := range r.replicas {
		state := replicaStateName(rl.state)
		if state == "" {
			continue
		}
		lag := int64(0)
		if rl.state == replOnline {
			lag = now - rl.ackTime
		}
		sec.add("slave"+strconv.Itoa(id), "ip="+s.replicaIP(rl)+",port="+strconv.Itoa(rl.listeningPort)+
			",state="+state+",offset="+itoa(rl.ackOff)+",lag="+itoa(lag))
		id++
	}
	fs := "no-failover"
	if r.failoverState != nil {
		fs = r.failoverState()
	}
	sec.add("master_failover_state", fs)
	sec.add("master_replid", r.id)
	sec.add("master_replid2", r.id2)
	sec.add("master_repl_offset", itoa(r.offset))
	sec.add("second_repl_offset", itoa(r.secondOffset))
	active, first, hist := "0", int64(0), int64(0)
	if r.backlog != nil {
		active, first, hist = "1", r.backlog.FirstByteOffset(), r.backlog.HistLen()
	}
	sec.add("repl_backlog_active", active)
	sec.addInt("repl_backlog_size", s.cfg.ReplBacklogSize)
	sec.add("repl_backlog_first_byte_offset", itoa(first))
	sec.add("repl_backlog_histlen", itoa(hist))
}

// replRDBInfo gives an RDB file's repl-* aux fields (Redis's rdbPopulateSaveInfo):
// only with a backlog, whose history the file then belongs to, so that a restart
// can continue it.
func (s *Server) replRDBInfo() (int, string, int64, bool) {
	r := &s.repl
	if r.backlog == nil {
		return 0, "", 0, false
	}
	db := s.prop.replDB
	if db < 0 {
		db = 0
	}
	return db, r.id, r.offset, true
}

// replFeedLoadExpired: a master restarting from an RDB that carries its history
// (rdbLoadAux created the backlog) drops the keys whose TTL passed while it was
// down; their DELs go to the backlog, so replicas that continue the history with
// a partial resync drop them too (Redis's RDBFLAGS_FEED_REPL). The offset grows
// by them, as Redis's rebased backlog does.
func (s *Server) replFeedLoadExpired(dbid int, key []byte) {
	if !s.persist.ld.atStartup || s.repl.backlog == nil || s.isReplica() || s.cfg.AppendOnly {
		return
	}
	del := "DEL"
	if s.cfg.LazyfreeLazyExpire {
		del = "UNLINK"
	}
	s.feedSinks(dbid, resp.AppendCommand(nil, del, string(key)), true)
}

// clusterMyselfReplica reports whether myself is a replica in the cluster
// state: from nodes.conf at start, before the replica link is set up after
// the dataset loads.
func (s *Server) clusterMyselfReplica() bool {
	return s.cluster.st != nil && s.cluster.st.Myself.IsReplica()
}

// rdbLoadAux reads the repl-* aux fields of an RDB being loaded. At start, a master
// whose file has them keeps that history as its secondary one (Redis's
// loadDataFromDisk): replicas of the previous run continue with a partial resync.
func (s *Server) rdbLoadAux(key, val []byte) error {
	if string(key) == "repl-stream-db" {
		if n, ok := parseInt(val); ok {
			s.repl.syncStreamDB = int(n)
		}
	}
	if !s.persist.ld.atStartup || s.cfg.AppendOnly {
		return nil // only the dataset loaded at start carries the history
	}
	a := &s.repl.loaded
	switch string(key) {
	case "repl-stream-db":
		if n, ok := parseInt(val); ok {
			a.streamDB = int(n)
		}
	case "repl-id":
		if len(val) == replication.IDLen {
			a.id, a.hasID = string(val), true
		}
	case "repl-offset":
		if n, ok := parseInt(val); ok {
			a.offset = n
		}
		if a.hasID && a.offset != -1 && a.streamDB != -1 && s.clusterMyselfReplica() {
			// Redis's iAmMaster() reads myself's role in nodes.conf in cluster
			// mode: a replica keeps the file's history as its own, and the link
			// the cluster sets up next continues it (replicaSetMaster caches
			// myself: PSYNC with the master's replid, or a full resync under the
			// same replid, which swapdb loads asynchronously).
			s.repl.id, s.info.replID, s.repl.offset = a.id, a.id, a.offset
			s.prop.replDB = a.streamDB
			s.log.Info("Restored replication history from the RDB file", zap.String("replid", a.id), zap.Int64("offset", a.offset))
		} else if a.hasID && a.offset != -1 && a.streamDB != -1 && !s.isReplica() {
			r := &s.repl
			r.id2 = a.id
			r.secondOffset = a.offset + 1
			r.offset = a.offset
			s.replCreateBacklog()
			r.noReplicasSince = time.Now().Unix()
			s.log.Info("Restored replication history from the RDB file", zap.String("replid2", a.id), zap.Int64("offset", a.offset))
		}
	}
	return nil
}
