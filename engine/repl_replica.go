package engine

// repl_replica.go: the replica side of replication (Redis 7.0's replication.c,
// replica half): REPLICAOF / SLAVEOF, the link to the master, full and partial
// resyncs, the master's command stream applied through the engine, REPLCONF ACK,
// repl-timeout, replica-read-only, replica-serve-stale-data, ROLE and INFO for a
// replica.
//
// The link, as in Redis:
//
//	REPLICAOF host port     state connect: the cron (or the command itself) starts a link
//	link goroutine:         dial, replication.Handshake (PING, AUTH, REPLCONF, PSYNC)
//	  +CONTINUE [id]        → loop: the socket becomes the master client, stream continues
//	  +FULLRESYNC id off    → the RDB ("$<len>" or "$EOF:<mark>") to temp-<time>.<pid>.rdb,
//	                          → loop: flush, rename to dbfilename, load, master client
//	                          (diskless load: → loop: flush, load from the socket)
//	master client:          its stream runs through processCommand, replies dropped;
//	                        each applied command's bytes go to replFeedStream (the
//	                        backlog, the offset, and this node's own replicas: chained
//	                        replication passes on the exact bytes)
//	link lost:              the history (repl.id, repl.offset) is the cached master:
//	                        the next link asks PSYNC id offset+1
//
// The link goroutine blocks on the network and the temp file (the loop only on a
// diskless load's payload, below); it owns nothing of the server and hands each
// result to the loop with Submit. A result from a link the loop abandoned
// meanwhile (REPLICAOF to another master, NO ONE) is recognized by its job
// pointer and thrown away. Loading the RDB happens on the
// loop, which meanwhile serves clients -LOADING and sends the master a newline
// every second, as Redis's load does (persist_loading.go).
//
// repl-diskless-load: "disabled" stages the payload in the temp file (renamed to
// dbfilename, as Redis does); "swapdb", and "on-empty-db" when the dataset is
// empty, never touch the disk: once the payload's header arrived the link goroutine
// hands the socket to the loop, which parses the RDB from it as it arrives (reads
// bounded by repl-timeout), as Redis's diskless load does, so the payload is never
// held whole in memory. With swapdb the old dataset is kept aside during the load
// and comes back if the load fails, as Redis's swapdb does, and serves clients
// meanwhile when the master's history is ours (Redis 7.0's async_loading:
// repl_swapdb.go).

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/keygrid/keygrid/engine/loop"
	"github.com/keygrid/keygrid/engine/rdb"
	"github.com/keygrid/keygrid/replication"
	"golang.org/x/sys/unix"
)

var replicaofDoc = &CmdDoc{Args: []Arg{{Name: "args", Type: "oneof", Args: []Arg{
	{Name: "host-port", Type: "block", Args: []Arg{
		{Name: "host", Type: "string"},
		{Name: "port", Type: "integer"},
	}},
	{Name: "no-one", Type: "block", Args: []Arg{
		{Name: "no", Type: "pure-token", Token: "NO"},
		{Name: "one", Type: "pure-token", Token: "ONE"},
	}},
}}}}

var replReplicaCommands = []*Command{
	{Name: "replicaof", Arity: 3, Flags: FlagAdmin | FlagNoScript | FlagStale | FlagNoAsyncLoading,
		Group: "server", Since: "5.0.0", Complexity: "O(1)",
		Summary: "Make the server a replica of another instance, or promote it as master.",
		Doc:     replicaofDoc,
		Proc:    replicaofCommand},
	{Name: "slaveof", Arity: 3, Flags: FlagAdmin | FlagNoScript | FlagStale | FlagNoAsyncLoading,
		Group: "server", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Make the server a replica of another instance, or promote it as master.",
		Doc: &CmdDoc{Flags: []string{"deprecated"}, DeprecatedSince: "5.0.0", ReplacedBy: "`REPLICAOF`",
			Args: replicaofDoc.Args},
		Proc: replicaofCommand},
}

// replLinkState is where the link with the master is (Redis's REPL_STATE_*; the
// handshake's sub-states are the link goroutine's business).
type replLinkState int

const (
	replLinkNone       replLinkState = iota // not a replica
	replLinkConnect                         // must connect
	replLinkConnecting                      // dialing
	replLinkHandshake                       // PING ... PSYNC
	replLinkTransfer                        // receiving the RDB
	replLinkUp                              // the stream flows
)

// replicaSide is the replica side's state (loop goroutine only, except the
// transfer counters of a job, which are atomics).
type replicaSide struct {
	host string // "" when this node is a master
	port int
	// state of the link; master is the connected master client.
	state  replLinkState
	master *Client
	// cached: repl.id and repl.offset are a history the next PSYNC may continue
	// (Redis's cached_master); masterDB is the db the stream had selected.
	cached   bool
	masterDB int
	// job is the link goroutine at work, nil when none.
	job *replJob
	// downSince is when the link went down (unix s), 0 when it never was up.
	downSince int64
	// applied and parsed are positions in the master client's query buffer: bytes
	// before applied were fed to the stream; parsed bytes ran but are held back
	// (inside MULTI, the transaction goes on as a whole at EXEC, as in Redis).
	applied, parsed int
	// lastAck is when the last REPLCONF ACK went, lastIO when the master last
	// sent anything (unix ms; the master client's lastSeen is kept fresh instead,
	// since the master is exempt from the idle timeout).
	lastAck, lastIO int64
	// loadedChecked: the history of the RDB loaded at start was looked at.
	loadedChecked bool
	// failover is the FAILOVER in progress (repl_failover.go).
	failover replFailover
	// applying is set while the master's commands run: they see every key.
	applying bool
	// heldByScript: the stream waits for a busy script to end (its commands
	// would get -BUSY); beforeSleep resumes it once the script returned.
	heldByScript bool
	// expireKeys are keys given a TTL by clients of a writable replica, with a
	// bit per database (repl_expire.go).
	expireKeys map[string]uint64
}

// replJob is one link goroutine. The loop reads the counters for INFO.
type replJob struct {
	host    string
	port    int
	hs      replication.HandshakeConfig
	timeout time.Duration
	dir     string
	// source is bind-source-addr: the local address the link connects from.
	source string
	// diskless: the payload goes to memory (repl-diskless-load), not to a file.
	diskless bool

	mu        sync.Mutex
	conn      net.Conn
	cancelled bool

	// transfer progress: payload size (-1 unknown), bytes read, last read (unix s).
	size, read, lastIO atomic.Int64
}

// initReplica wires the replica side in (New, after initReplication).
func (s *Server) initReplica() {
	rs := &s.replica
	s.roleFn = func() string {
		if rs.host != "" {
			return "slave"
		}
		return "master"
	}
	s.repl.role = s.replicaRole
	s.repl.info = s.replicaInfo
	s.repl.failoverState = rs.failover.stateName
	s.repl.syncRefused = func() string {
		if rs.failover.state != failoverNone {
			return "NOMASTERLINK Can't SYNC while failing over"
		}
		if rs.host != "" && rs.state != replLinkUp {
			return "NOMASTERLINK Can't SYNC while not connected with my master"
		}
		return ""
	}
	s.cronHooks = append(s.cronHooks, s.failoverCron, s.replicaCron, s.replicaExpireKeys)
	s.beforeSleepHooks = append(s.beforeSleepHooks, func() {
		// The stream held by a busy script goes on as soon as the script ended
		// (Redis's exitScriptTimedoutMode queues the master for reprocessing).
		if c := rs.master; rs.heldByScript && c != nil && s.script.run == nil && s.pause.until == 0 {
			s.replicaProcessMaster(c)
		}
	})
	s.onClientFree = append(s.onClientFree, s.replicaClientFreed)
	s.lateCommandChecks = append(s.lateCommandChecks, s.replicaDeny)
	s.clientInfoHooks = append(s.clientInfoHooks, func(c *Client, x *clientExtra) {
		if c == rs.master && c != nil {
			x.Type = "master"
			x.Flags = insertClientFlag(x.Flags, 'M')
		}
	})
	s.shutdownHooks = append(s.shutdownHooks, func(bool, bool) error {
		s.replicaAbortLink()
		return nil
	})
	if s.cfg.ReplicaOfHost != "" {
		// The replicaof directive: the first cron connects (Redis's
		// replicationSetMaster at start, without the log of a user request).
		rs.host, rs.port = s.cfg.ReplicaOfHost, s.cfg.ReplicaOfPort
		rs.state = replLinkConnect
		s.replicaNoExpire = true
	}
}

// replicaUseLoadedHistory makes the history of the RDB loaded at start the cached
// master (Redis's loadDataFromDisk on a replica): a restarted replica continues with
// a partial resync.
func (s *Server) replicaUseLoadedHistory() {
	a := &s.repl.loaded
	if a.hasID && a.offset >= 0 && !s.replica.cached {
		s.repl.id, s.info.replID, s.repl.offset = a.id, a.id, a.offset
		s.replica.cached = true
		if a.streamDB >= 0 && a.streamDB < len(s.dbs) {
			s.replica.masterDB = a.streamDB
		}
	}
}

// --- commands --------------------------------------------------------------------------

// REPLICAOF host port | NO ONE
// SLAVEOF host port | NO ONE
func replicaofCommand(c *Client) {
	s := c.srv
	rs := &s.replica
	if s.cfg.ClusterEnabled {
		c.ReplyError("ERR REPLICAOF not allowed in cluster mode.")
		return
	}
	if rs.failover.state != failoverNone {
		c.ReplyError("ERR REPLICAOF not allowed while failing over.")
		return
	}
	if strings.EqualFold(string(c.argv[1]), "no") && strings.EqualFold(string(c.argv[2]), "one") {
		if rs.host != "" {
			s.replicaUnsetMaster()
			s.log.Warn("MASTER MODE enabled (user request from '" + s.clientInfoLine(c) + "')")
		}
		c.ReplyOK()
		return
	}
	if s.repl.links[c] != nil {
		c.ReplyError("ERR Command is not valid when client is a replica.")
		return
	}
	port, ok := parseInt(c.argv[2])
	if !ok || port < 0 || port > 65535 {
		c.ReplyError("ERR Invalid master port")
		return
	}
	host := string(c.argv[1])
	if rs.host != "" && strings.EqualFold(rs.host, host) && rs.port == int(port) {
		s.log.Info("REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.")
		c.ReplySimple("OK Already connected to specified master")
		return
	}
	s.replicaSetMaster(host, int(port))
	s.log.Info("REPLICAOF " + host + ":" + strconv.Itoa(int(port)) + " enabled (user request from '" + s.clientInfoLine(c) + "')")
	c.ReplyOK()
}

// clientInfoLine is how Redis's logs name the client of a request (CLIENT
// LIST's line for it).
func (s *Server) clientInfoLine(c *Client) string {
	return "id=" + strconv.FormatInt(c.id, 10) + " addr=" + c.addr + " laddr=" + c.laddr + " name=" + c.name
}

// replicaSetMaster makes this node a replica of host:port (Redis's
// replicationSetMaster).
func (s *Server) replicaSetMaster(host string, port int) {
	rs := &s.replica
	wasMaster := rs.host == ""
	rs.host = ""
	rs.loadedChecked = true // the history loaded at start, if any, is the master's own
	if rs.master != nil {
		s.freeClient(rs.master)
	}
	// Clients blocked while this node was a master must not pop what the new
	// master's stream pushes (the replica would diverge): -UNBLOCKED and closed.
	s.disconnectAllBlockedClients()
	s.replicaAbortLink()
	if wasMaster {
		// A master's own history is what it asks to continue with its new master
		// (replicationCacheMasterUsingMyself): after a failover, the old master
		// may partially resync with the promoted replica.
		rs.cached = true
		rs.masterDB = max(s.prop.replDB, 0)
		if s.repl.backlog == nil {
			// Its offset is only worth a PSYNC if a backlog was recording it.
			rs.cached = s.repl.offset > 0
		}
	}
	rs.host, rs.port = host, port
	s.metrics.Replica.Store(true) // the log lines' role mark, at once
	s.cfg.ReplicaOfHost, s.cfg.ReplicaOfPort = host, port
	s.replicaNoExpire = true
	rs.state = replLinkConnect
	s.log.Info("Connecting to MASTER " + host + ":" + strconv.Itoa(port))
	s.replicaConnect()
}

// replicaUnsetMaster makes this node a master again (Redis's
// replicationUnsetMaster): the inherited history becomes replid2, so the other
// replicas of the old master may continue with this node.
func (s *Server) replicaUnsetMaster() {
	rs := &s.replica
	if rs.host == "" {
		return
	}
	rs.host, rs.port = "", 0
	s.metrics.Replica.Store(false)
	s.cfg.ReplicaOfHost, s.cfg.ReplicaOfPort = "", 0
	if rs.master != nil {
		s.freeClient(rs.master)
	}
	rs.cached = false
	s.replicaAbortLink()
	s.replShiftID()
	s.replDisconnectReplicas()
	rs.state = replLinkNone
	s.replicaNoExpire = false
	// The new master's stream starts with a SELECT (slaveseldb = -1).
	s.ResetReplicationDB()
	s.repl.noReplicasSince = time.Now().Unix()
	rs.downSince = 0
}

// replicaAbortLink stops the link goroutine, if any (cancelReplicationHandshake).
func (s *Server) replicaAbortLink() {
	rs := &s.replica
	if j := rs.job; j != nil {
		j.mu.Lock()
		j.cancelled = true
		if j.conn != nil {
			j.conn.Close()
		}
		j.mu.Unlock()
		rs.job = nil
	}
	if rs.state != replLinkUp && rs.host != "" {
		rs.state = replLinkConnect
	}
}

// --- the link goroutine ----------------------------------------------------------------

// replicaConnect starts a link (connectWithMaster).
func (s *Server) replicaConnect() {
	rs := &s.replica
	if rs.host == "" || rs.job != nil || rs.master != nil {
		return
	}
	if !rs.loadedChecked {
		rs.loadedChecked = true
		s.replicaUseLoadedHistory()
	}
	port := s.cfg.ReplicaAnnouncePort
	if port == 0 && s.cfg.TLSReplication && s.cfg.TLSPort != 0 {
		port = s.cfg.TLSPort // the master and sentinels reach us with TLS (Redis's syncWithMaster)
	}
	if port == 0 {
		port = s.cfg.Port
	}
	j := &replJob{
		host:    rs.host,
		port:    rs.port,
		timeout: time.Duration(max(s.cfg.ReplTimeout, 1)) * time.Second,
		dir:     s.cfg.Dir,
		source:  s.cfg.BindSourceAddr,
		hs: replication.HandshakeConfig{
			User: s.cfg.MasterUser, Auth: s.cfg.MasterAuth,
			ListeningPort: port, AnnounceIP: s.cfg.ReplicaAnnounceIP,
		},
	}
	if rs.cached {
		j.hs.ReplID, j.hs.Offset = s.repl.id, s.repl.offset
	}
	// A master handing over (FAILOVER) tells its target to take over.
	j.hs.Failover = rs.failover.state == failoverInProgress
	switch s.cfg.ReplDisklessLoad {
	case "swapdb":
		j.diskless = true
	case "on-empty-db":
		j.diskless = s.totalKeys() == 0
	}
	j.size.Store(-1)
	rs.job = j
	rs.state = replLinkConnecting
	s.log.Info("MASTER <-> REPLICA sync started")
	go s.replicaLink(j)
}

// replicaLink runs one link attempt; everything it learns goes to the loop.
func (s *Server) replicaLink(j *replJob) {
	fail := func(msg string) {
		j.mu.Lock()
		if j.conn != nil {
			j.conn.Close()
		}
		cancelled := j.cancelled
		j.mu.Unlock()
		if msg != "" && !cancelled { // an abandoned link's errors are its closing
			s.log.Warn(msg)
		}
		s.Submit(func() { s.replicaLinkFailed(j, false) })
	}
	conn, err := s.dialMaster(net.JoinHostPort(j.host, strconv.Itoa(j.port)), j.source, j.timeout) // tls.go
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			fail("Timeout connecting to the MASTER...")
			return
		}
		fail("Unable to connect to MASTER: " + err.Error())
		return
	}
	j.mu.Lock()
	if j.cancelled {
		j.mu.Unlock()
		conn.Close()
		return
	}
	j.conn = conn
	j.mu.Unlock()
	s.log.Info("Non blocking connect for SYNC fired the event.")
	s.Submit(func() {
		if s.replica.job == j {
			s.replica.state = replLinkHandshake
		}
	})
	hs := replication.NewHandshake(j.hs)
	rd := &linkReader{conn: conn, timeout: j.timeout}
	if err := rd.write(hs.Start()); err != nil {
		fail("Error condition on socket for SYNC: " + err.Error())
		return
	}
	for {
		used, send, notes, done, err := hs.Feed(rd.pending())
		rd.consume(used)
		for _, n := range notes {
			if n.Warning {
				s.log.Warn(n.Text)
			} else {
				s.log.Info(n.Text)
			}
		}
		if err != nil {
			fail("")
			return
		}
		if len(send) > 0 {
			if bytes.Contains(send, psyncToken) && !s.replicaLoopBarrier(j) {
				fail("")
				return
			}
			if err := rd.write(send); err != nil {
				fail("Failed to send handshake to MASTER: " + err.Error())
				return
			}
		}
		if done {
			break
		}
		if err := rd.fill(); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// Redis's replicationCron: nothing heard for repl-timeout during
				// the handshake (the master's keepalive newlines count).
				fail("Timeout connecting to the MASTER...")
				return
			}
			fail("Master did not respond to command during SYNC handshake")
			return
		}
	}
	switch hs.Outcome {
	case replication.PartialResync:
		s.log.Info("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.")
		s.sup.Notify("STATUS=MASTER <-> REPLICA sync: Partial Resynchronization accepted. Ready to accept connections in read-write mode.\n")
		fd, err := dupSocket(conn)
		if err != nil {
			fail("Can't take over the MASTER link: " + err.Error())
			return
		}
		rest := append([]byte(nil), rd.pending()...)
		conn.Close()
		s.Submit(func() { s.replicaContinue(j, fd, rest, hs.ID) })
		return
	case replication.FullResync:
	default:
		conn.Close()
		s.Submit(func() { s.replicaLinkFailed(j, true) })
		return
	}
	s.Submit(func() {
		if s.replica.job == j {
			s.replica.state = replLinkTransfer
			if s.clusterEnabled() {
				s.clusterPublishMyself() // offset 0 until loaded (clusterMyOffset)
			}
			if s.replica.failover.state == failoverInProgress {
				s.clearFailover() // the target accepted: we are its replica now
			}
		}
	})
	log := func(msg string) { s.log.Info(msg) }
	hdr, err := j.receiveHeader(rd)
	if err != nil {
		fail(err.Error())
		return
	}
	if j.diskless {
		// The loop parses the payload from the socket as it arrives (Redis's
		// rdbLoadRioWithLoadingCtx on a connection rio): the socket is the loop's
		// from here on, and the payload never sits whole in memory.
		pl := j.newSyncPayload(rd, hdr, log)
		s.replicaLoadLater(j, &syncSource{fd: -1, conn: conn, stream: pl}, hs.ID, hs.Offset)
		return
	}
	path, err := j.receivePayloadToDisk(rd, hdr, log, &s.syncTemps)
	if err != nil {
		if path != "" {
			s.syncTemps.remove(path)
		}
		fail(err.Error())
		return
	}
	fd, err := dupSocket(conn)
	if err != nil {
		s.syncTemps.remove(path)
		fail("Can't take over the MASTER link: " + err.Error())
		return
	}
	rest := append([]byte(nil), rd.pending()...)
	conn.Close()
	s.replicaLoadLater(j, &syncSource{fd: fd, rest: rest, path: path}, hs.ID, hs.Offset)
}

// psyncToken marks the handshake step that sends PSYNC.
var psyncToken = []byte("$5\r\nPSYNC\r\n")

// replicaLoopBarrier waits, on the link goroutine, until the loop has run a
// function: Redis's handshake runs in its event loop, so a replica whose loop is
// busy (DEBUG SLEEP, a script) sends PSYNC only once it is free again, and
// the master's backlog has moved on meanwhile. It returns false when the link
// was abandoned, or the loop did not answer within repl-timeout.
func (s *Server) replicaLoopBarrier(j *replJob) bool {
	done := make(chan struct{})
	s.Submit(func() { close(done) })
	select {
	case <-done:
	case <-time.After(j.timeout):
		return false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return !j.cancelled
}

// replicaLoadLater hands a full sync's payload to the loop. The load serves clients
// (-LOADING) by polling the loop's file events, which a queued function may not do:
// it runs inside the mailbox's event handler, whose queue a nested drain would
// reuse. A 0 ms timer runs it on the loop outside any event handler instead.
func (s *Server) replicaLoadLater(j *replJob, src *syncSource, id string, offset int64) {
	s.Submit(func() {
		s.loop.After(0, func() { s.replicaFullSyncLoaded(j, src, id, offset) })
	})
}

// syncSource is where a full sync's RDB is: the temp file at path, the socket
// already duplicated as fd with rest read after the payload; or, for a diskless
// load, the payload still on conn, read through stream.
type syncSource struct {
	path   string
	fd     int
	rest   []byte
	conn   net.Conn
	stream *syncPayload
}

// receiveHeader reads the line that introduces the RDB after +FULLRESYNC
// ("$<len>" or "$EOF:<mark>"), skipping the master's keepalive newlines.
func (j *replJob) receiveHeader(rd *linkReader) (replication.PayloadHeader, error) {
	for {
		line, err := rd.line()
		if err != nil {
			return replication.PayloadHeader{}, errors.New("I/O error reading bulk count from MASTER: " + err.Error())
		}
		if len(line) == 0 {
			j.lastIO.Store(time.Now().Unix()) // a keepalive newline
			continue
		}
		return replication.ParsePayloadHeader(line)
	}
}

// receivePayloadToDisk reads the RDB (readSyncBulkPayload) into a temp file in
// dir, whose path it returns.
func (j *replJob) receivePayloadToDisk(rd *linkReader, hdr replication.PayloadHeader, log func(string), temps *syncTempFiles) (string, error) {
	to := "disk"
	path := filepath.Join(j.dir, "temp-"+strconv.FormatInt(time.Now().Unix(), 10)+"."+strconv.Itoa(os.Getpid())+".rdb")
	f, err := temps.create(path)
	if err != nil {
		return "", errors.New("Opening the temp file needed for MASTER <-> REPLICA synchronization: " + err.Error())
	}
	defer f.Close()
	write := func(b []byte) error {
		if len(b) == 0 {
			return nil
		}
		if _, err := f.Write(b); err != nil {
			return errors.New("Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: " + err.Error())
		}
		return nil
	}
	if hdr.Length >= 0 {
		log("MASTER <-> REPLICA sync: receiving " + strconv.FormatInt(hdr.Length, 10) + " bytes from master to " + to)
		j.size.Store(hdr.Length)
		left := hdr.Length
		for left > 0 {
			if len(rd.pending()) == 0 {
				if err := rd.fill(); err != nil {
					return path, errors.New("I/O error trying to sync with MASTER: " + err.Error())
				}
			}
			p := rd.pending()
			n := int(min(int64(len(p)), left))
			if err := write(p[:n]); err != nil {
				return path, err
			}
			rd.consume(n)
			left -= int64(n)
			j.read.Add(int64(n))
			j.lastIO.Store(time.Now().Unix())
		}
	} else {
		// Diskless: everything up to the mark is the RDB. The master sends nothing
		// after the mark until our first ACK, so the mark ends what we read.
		log("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to " + to)
		m := replication.NewEOFMatcher(hdr.EOF)
		var out []byte
		for !m.Done() {
			if len(rd.pending()) == 0 {
				if err := rd.fill(); err != nil {
					return path, errors.New("I/O error trying to sync with MASTER: " + err.Error())
				}
			}
			p := rd.pending()
			out = m.Write(out[:0], p)
			if err := write(out); err != nil {
				return path, err
			}
			rd.consume(len(p))
			j.read.Add(int64(len(p)))
			j.lastIO.Store(time.Now().Unix())
		}
	}
	if err := f.Sync(); err != nil {
		return path, errors.New("Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization: " + err.Error())
	}
	return path, nil
}

// syncPayload reads a diskless full sync's RDB from the socket, as an io.Reader
// that ends (io.EOF) where the payload does: after "$<len>" bytes, or before the
// "$EOF:<mark>" mark. The link goroutine creates it; the loop reads it while it
// loads, blocking on the socket for at most repl-timeout per read as Redis's
// diskless load does, so only the parser's buffers hold payload bytes.
type syncPayload struct {
	j  *replJob
	rd *linkReader
	// left is what remains of a "$<len>" payload; -1 for an EOF-marked one,
	// whose bytes m releases into out (read from outPos on).
	left   int64
	m      *replication.EOFMatcher
	out    []byte
	outPos int
	// released counts the bytes m released as payload; last holds the last
	// IDLen bytes m was given (those it holds back once it saw that many).
	released, seen int64
	last           [replication.IDLen]byte
	mark           []byte
}

// newSyncPayload starts reading the payload hdr announced.
func (j *replJob) newSyncPayload(rd *linkReader, hdr replication.PayloadHeader, log func(string)) *syncPayload {
	p := &syncPayload{j: j, rd: rd, left: hdr.Length}
	if hdr.Length >= 0 {
		log("MASTER <-> REPLICA sync: receiving " + strconv.FormatInt(hdr.Length, 10) + " bytes from master to parser")
		j.size.Store(hdr.Length)
	} else {
		log("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to parser")
		p.m = replication.NewEOFMatcher(hdr.EOF)
		p.mark = hdr.EOF
	}
	return p
}

// more reads from the socket into rd.
func (p *syncPayload) more() error {
	if err := p.rd.fill(); err != nil {
		return errors.New("I/O error trying to sync with MASTER: " + err.Error())
	}
	return nil
}

func (p *syncPayload) Read(b []byte) (int, error) {
	if p.m == nil {
		if p.left == 0 {
			return 0, io.EOF
		}
		if len(p.rd.pending()) == 0 {
			if err := p.more(); err != nil {
				return 0, err
			}
		}
		q := p.rd.pending()
		n := copy(b, q[:min(int64(len(q)), p.left)])
		p.rd.consume(n)
		p.left -= int64(n)
		p.progress(n)
		return n, nil
	}
	for p.outPos == len(p.out) {
		if p.m.Done() {
			return 0, io.EOF
		}
		if len(p.rd.pending()) == 0 {
			if err := p.more(); err != nil {
				return 0, err
			}
		}
		// The master sends nothing after the mark until our first ACK, so the
		// mark ends what we read.
		q := p.rd.pending()
		p.feed(q)
		p.rd.consume(len(q))
		p.progress(len(q))
	}
	n := copy(b, p.out[p.outPos:])
	p.outPos += n
	return n, nil
}

func (p *syncPayload) progress(n int) {
	p.j.read.Add(int64(n))
	p.j.lastIO.Store(time.Now().Unix())
}

// feed gives q to the EOF matcher; what it releases is payload for the parser.
func (p *syncPayload) feed(q []byte) {
	p.out, p.outPos = p.m.Write(p.out[:0], q), 0
	p.released += int64(len(p.out))
	p.seen += int64(len(q))
	if len(q) >= len(p.last) {
		copy(p.last[:], q[len(q)-len(p.last):])
	} else {
		n := copy(p.last[:], p.last[len(q):])
		copy(p.last[n:], q)
	}
}

// finish checks the end of the payload, the parser having consumed the RDB's
// consumed bytes, and hands over the socket: fd for the master client, with what
// already arrived after the payload. An EOF-marked payload must have its mark
// right after the RDB, as Redis reads it (errEOFMarkBroken otherwise, at once:
// a wrong mark is never waited for). A "$<len>" payload's unread rest is skipped.
func (p *syncPayload) finish(conn net.Conn, consumed int64) (fd int, rest []byte, err error) {
	if p.m != nil {
		for {
			if p.released > consumed {
				// Bytes between the RDB's end and the mark: the master sends
				// nothing after the mark until our first ACK, so the 40 bytes
				// after the RDB are not the mark.
				return -1, nil, errEOFMarkBroken
			}
			if p.seen-p.released >= int64(len(p.last)) {
				if string(p.last[:]) != string(p.mark) {
					return -1, nil, errEOFMarkBroken
				}
				break
			}
			if len(p.rd.pending()) == 0 {
				if err := p.more(); err != nil {
					return -1, nil, err
				}
			}
			q := p.rd.pending()
			p.feed(q)
			p.rd.consume(len(q))
			p.progress(len(q))
		}
	} else {
		var scratch [4096]byte
		for {
			_, err := p.Read(scratch[:])
			if err == io.EOF {
				break
			}
			if err != nil {
				return -1, nil, err
			}
		}
	}
	if fd, err = dupSocket(conn); err != nil {
		return -1, nil, errors.New("Can't take over the MASTER link: " + err.Error())
	}
	return fd, append([]byte(nil), p.rd.pending()...), nil
}

// linkReader is the link goroutine's buffered, deadline-bound socket.
type linkReader struct {
	conn    net.Conn
	timeout time.Duration
	buf     []byte
	pos     int
}

func (r *linkReader) pending() []byte { return r.buf[r.pos:] }
func (r *linkReader) consume(n int)   { r.pos += n }

// fill reads more, waiting at most the repl-timeout.
func (r *linkReader) fill() error {
	if r.pos > 0 {
		r.buf = append(r.buf[:0], r.buf[r.pos:]...)
		r.pos = 0
	}
	if cap(r.buf)-len(r.buf) < 16<<10 {
		nb := make([]byte, len(r.buf), len(r.buf)+64<<10)
		copy(nb, r.buf)
		r.buf = nb
	}
	r.conn.SetReadDeadline(time.Now().Add(r.timeout))
	n, err := r.conn.Read(r.buf[len(r.buf):cap(r.buf)])
	r.buf = r.buf[:len(r.buf)+n]
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// line reads one line without its "\n" (and "\r").
func (r *linkReader) line() ([]byte, error) {
	for {
		p := r.pending()
		for i, ch := range p {
			if ch == '\n' {
				l := p[:i]
				r.consume(i + 1)
				if len(l) > 0 && l[len(l)-1] == '\r' {
					l = l[:len(l)-1]
				}
				return l, nil
			}
		}
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
}

func (r *linkReader) write(b []byte) error {
	r.conn.SetWriteDeadline(time.Now().Add(r.timeout))
	_, err := r.conn.Write(b)
	return err
}

// dupSocket duplicates conn's descriptor for the loop, non-blocking and
// close-on-exec, so that conn can be closed.
func dupSocket(conn net.Conn) (int, error) {
	sc, ok := conn.(syscallConn)
	if !ok {
		return -1, errors.New("not a socket")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	var derr error
	cerr := rc.Control(func(s uintptr) {
		fd, derr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0)
	})
	if cerr != nil {
		return -1, cerr
	}
	if derr != nil {
		return -1, derr
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

type syscallConn interface {
	SyscallConn() (syscall.RawConn, error)
}

// --- results on the loop -----------------------------------------------------------------

// replicaLinkFailed: the attempt ended without a link; the cron tries again.
// refused: the master answered PSYNC with an error.
func (s *Server) replicaLinkFailed(j *replJob, refused bool) {
	rs := &s.replica
	if rs.job != j {
		return
	}
	rs.job = nil
	if rs.host != "" {
		rs.state = replLinkConnect
	}
	if refused && rs.failover.state == failoverInProgress {
		s.abortFailover("Failover target rejected psync request")
	}
}

// replicaContinue: +CONTINUE; the socket becomes the master client and the stream
// resumes where our history ends.
func (s *Server) replicaContinue(j *replJob, fd int, rest []byte, newID string) {
	rs := &s.replica
	if rs.job != j {
		unix.Close(fd)
		return
	}
	rs.job = nil
	if rs.failover.state == failoverInProgress {
		s.clearFailover()
	}
	if newID != "" && !strings.EqualFold(newID, s.repl.id) {
		// The master's history has a new id (it was promoted): ours continues under
		// it, and our replicas must learn it too.
		s.log.Warn("Master replication ID changed to " + newID)
		s.replSwitchID(newID)
		s.replDisconnectReplicas()
	}
	if s.repl.backlog == nil {
		s.replCreateBacklog()
	}
	s.replicaAttach(fd, rest)
}

// replicaFullSyncLoaded: the RDB is in the temp file, or for a diskless load
// still arriving on the socket, which the load reads as it goes; it replaces the
// dataset and the socket becomes the master client.
func (s *Server) replicaFullSyncLoaded(j *replJob, src *syncSource, id string, offset int64) {
	rs := &s.replica
	defer func() {
		// The payload bytes read (INFO stats' total_net_*input_bytes, as Redis's
		// readSyncBulkPayload counts them).
		n := j.read.Load()
		s.repl.netInput += n
		s.stats.netInput += n
	}()
	drop := func() { // the socket and the temp file are given up
		if src.conn != nil {
			src.conn.Close()
		}
		if src.fd >= 0 {
			unix.Close(src.fd)
		}
		if src.path != "" {
			s.syncTemps.remove(src.path)
		}
	}
	if rs.job != j {
		drop()
		return
	}
	rs.job = nil
	// A snapshot of the old dataset (BGSAVE) is worthless and must not walk a
	// keyspace being replaced (Redis kills its child here).
	s.abortSnapshot()
	// swapdb (repl_swapdb.go): the payload goes to temporary databases, the old
	// dataset stays until it loaded, and keeps serving clients meanwhile when the
	// master's history is ours (async_loading).
	var tmp *swapdbLoad
	async := false
	if j.diskless && s.cfg.ReplDisklessLoad == "swapdb" {
		tmp = s.newSwapdbLoad()
		async = id != "" && id == s.repl.id
	} else {
		// Our own replicas hold a history that is no more: they resync from scratch.
		s.replDisconnectReplicas()
		s.log.Info("MASTER <-> REPLICA sync: Flushing old data")
		s.replicaEmptyData()
	}
	s.repl.syncStreamDB = -1 // the RDB's repl-stream-db, set by rdbLoadAux
	var err error
	dst := filepath.Join(s.cfg.Dir, s.cfg.DBFilename)
	if !j.diskless {
		// Keep the master's RDB as our own, as Redis renames the temp file.
		s.syncTemps.forget(src.path)
		if err = os.Rename(src.path, dst); err != nil {
			s.log.Warn("Failed trying to rename the temp DB into " + s.cfg.DBFilename + " in MASTER <-> REPLICA synchronization: " + err.Error())
			drop()
			rs.state = replLinkConnect
			return
		}
		src.path = ""
	}
	// Clients are served -LOADING while it loads (persist_loading.go), and the
	// master link gets a newline every second so that the master, which hears
	// nothing else from us meanwhile, does not time us out (Redis's
	// replicationSendNewlineToMaster). A diskless load's socket is still the
	// net.Conn the payload is read from: a duplicate of it carries the newlines.
	keepAlive, ownKeepAlive := src.fd, false
	if j.diskless {
		if fd, derr := dupSocket(src.conn); derr == nil {
			keepAlive, ownKeepAlive = fd, true
		}
	}
	s.persist.ld.replFD = keepAlive
	s.log.Info("MASTER <-> REPLICA sync: Loading DB in memory")
	s.loadServing(nil, func() {
		if j.diskless {
			// startLoading around the parse, as rdbLoadFile does for the disk
			// load: loading:1 (or async_loading:1) and -LOADING; the size is
			// unknown (0) for "$EOF:".
			s.persist.ld.async = async
			s.startLoading(max(j.size.Load(), 0))
			var st rdbLoadStats
			opts := rdbLoadOpts{}
			if tmp != nil {
				opts.dbs, opts.function = tmp.dbs, tmp.addFunction
			}
			r := rdb.NewReader(src.stream)
			st, err = s.loadRDBOpts(r, opts)
			s.persist.lastLoadKeys, s.persist.lastLoadExpir = st.Loaded, st.Expired
			if err == nil {
				// The EOF mark must follow the RDB at once (readSyncBulkPayload).
				src.fd, src.rest, err = src.stream.finish(src.conn, r.Offset())
			}
			s.stopLoading()
		} else {
			_, err = s.rdbLoadFile(dst)
		}
	})
	s.persist.ld.replFD = -1
	s.persist.ld.async = false
	if ownKeepAlive {
		unix.Close(keepAlive)
	}
	if src.conn != nil {
		src.conn.Close() // the loop has its own descriptor (src.fd) when it worked
		src.conn = nil
	}
	if errors.Is(err, errShutdownWhileLoading) {
		// SHUTDOWN during the load: the server is stopping with a partial dataset.
		if src.fd >= 0 {
			unix.Close(src.fd)
		}
		return
	}
	if err == nil && tmp != nil {
		err = s.swapdbInstallFunctions(tmp)
	}
	if err != nil {
		from := "disk"
		if j.diskless {
			from = "socket"
		}
		var re *rdb.Error
		if errors.Is(err, errEOFMarkBroken) {
			s.log.Warn(err.Error())
		} else if j.diskless && errors.As(err, &re) && (rdb.IsTruncated(err) || strings.HasPrefix(re.Reason, "I/O error")) {
			// A short read from the socket (the master went away): Redis's
			// rdbLoadRio eoferr path, which resumes instead of exiting.
			s.log.Warn("Short read or OOM loading DB. Unrecoverable error, aborting now.")
			s.log.Warn("Internal error in RDB reading offset " + strconv.FormatInt(re.Offset, 10) +
				", function at rdb.c:3240 -> Unexpected EOF reading RDB file. Failure loading rdb format from socket, assuming connection error, resuming operation.")
			s.log.Warn("Failed trying to load the MASTER synchronization DB from socket: " + err.Error())
		} else {
			s.log.Warn("Failed trying to load the MASTER synchronization DB from " + from + ": " + err.Error())
		}
		if src.fd >= 0 {
			unix.Close(src.fd)
		}
		rs.state = replLinkConnect
		if tmp == nil {
			s.replicaEmptyData()
			rs.cached = false // what we have is no history of anything
		}
		// Try again at once, not at the next cron: the master's backlog may
		// move on meanwhile (Redis's cancelReplicationHandshake(1)).
		if rs.host != "" {
			s.log.Info("Reconnecting to MASTER " + rs.host + ":" + strconv.Itoa(rs.port) + " after failure")
			s.replicaConnect()
		}
		if tmp != nil {
			// swapdb: the old dataset, its functions and its history stay.
			tmp.discard()
			s.log.Info("MASTER <-> REPLICA sync: Discarding temporary DB in background")
		}
		return
	}
	if tmp != nil {
		// Our own replicas hold a history that is no more: they resync from scratch.
		s.replDisconnectReplicas()
		s.log.Info("MASTER <-> REPLICA sync: Swapping active DB with loaded DB")
		s.swapdbSwap(tmp)
		tmp.discard() // the old dataset now
		s.log.Info("MASTER <-> REPLICA sync: Discarding old DB in background")
	}
	if id == "" {
		id = replication.NoID // a malformed +FULLRESYNC: never a valid PSYNC id
	}
	s.replResetHistory(id, offset)
	rs.cached = true
	rs.masterDB = max(s.repl.syncStreamDB, 0)
	s.replicaAttach(src.fd, src.rest)
	s.log.Info("MASTER <-> REPLICA sync: Finished with success")
	s.sup.Notify("STATUS=MASTER <-> REPLICA sync: Finished with success. Ready to accept connections in read-write mode.\n")
	if s.aof.state != aofOff {
		// The AOF must describe the new dataset (Redis restarts the AOF after a sync).
		if err := s.rewriteAppendOnlyFileBackground(); err != nil {
			s.log.Warn("Failed to rewrite the AOF after MASTER <-> REPLICA synchronization: " + err.Error())
		}
	}
}

// replicaEmptyData empties every database and function before a new dataset
// (Redis's emptyData).
func (s *Server) replicaEmptyData() {
	for _, h := range s.onFlush {
		h(-1)
	}
	n := 0
	for _, db := range s.dbs {
		n += db.Flush()
	}
	if s.cfg.ReplicaLazyFlush {
		s.lazyfreeFlushed(n) // Redis's emptyData with EMPTYDB_ASYNC
		s.lazyfreeTable(len(s.script.fn.fns))
	}
	s.flushFunctions()
}

// replicaAttach makes fd the master client (replicationCreateMasterClient) and
// applies what already arrived after the handshake or the RDB.
func (s *Server) replicaAttach(fd int, rest []byte) {
	rs := &s.replica
	s.nextClientID++
	c := &Client{
		srv: s, fd: fd, id: s.nextClientID,
		db: s.dbs[min(rs.masterDB, len(s.dbs)-1)], proto: 2,
		// The master is obeyed: no auth, no ACL (aclUser nil, which CLIENT LIST
		// shows as Redis does a client without a user), never blocked.
		flags: flagAuthenticated | flagDenyBlocking, user: "(superuser)",
		ctime: s.nowMs, lastSeen: s.nowMs,
	}
	c.req.MaxBulk = s.cfg.ProtoMaxBulkLen
	c.req.Reset()
	if sa, err := unix.Getpeername(fd); err == nil {
		if _, pipe := sa.(*unix.SockaddrUnix); pipe {
			// A TLS link is a pipe to its bridge (tls.go): show the master's address.
			c.addr = net.JoinHostPort(rs.host, strconv.Itoa(rs.port))
		} else {
			c.addr = sockaddrString(sa)
		}
	}
	if sa, err := unix.Getsockname(fd); err == nil {
		c.laddr = sockaddrString(sa)
	}
	for fd >= len(s.byFD) {
		s.byFD = append(s.byFD, nil)
	}
	s.byFD[fd] = c
	s.clients[c.id] = c
	rs.master = c
	rs.state = replLinkUp
	s.prop.replDB = c.db.id // an RDB saved now records the stream's db
	rs.applied, rs.parsed = 0, 0
	rs.downSince = 0
	rs.lastIO = s.nowMs
	if err := s.loop.AddFile(fd, loop.Readable, s.onMasterReadable, nil); err != nil {
		s.freeClient(c)
		return
	}
	// The first ACK tells a diskless master the RDB arrived whole: it starts the
	// stream then.
	s.replicaSendAck()
	if len(rest) > 0 {
		s.repl.netInput += int64(len(rest)) // read by the link, not by readDone
		s.stats.netInput += int64(len(rest))
		c.qbuf = append(c.qbuf[:0], rest...)
		s.replicaProcessMaster(c)
	}
}

// --- the master's stream -----------------------------------------------------------------

// onMasterReadable reads the master's stream.
func (s *Server) onMasterReadable(fd int, _ loop.Mask) {
	c := s.byFD[fd]
	if c == nil || c != s.replica.master {
		return
	}
	if cap(c.qbuf)-len(c.qbuf) < readChunk {
		nb := make([]byte, len(c.qbuf), max(2*cap(c.qbuf), len(c.qbuf)+readChunk))
		copy(nb, c.qbuf)
		c.qbuf = nb
	}
	n, err := loop.Read(fd, c.qbuf[len(c.qbuf):cap(c.qbuf)])
	if !s.readDone(c, n, err) {
		return
	}
	c.qbuf = c.qbuf[:len(c.qbuf)+n]
	s.repl.netInput += int64(n) // readDone counted it in total_net_input_bytes
	c.lastSeen = s.nowMs
	s.replica.lastIO = s.nowMs
	s.replicaProcessMaster(c)
}

// replicaProcessMaster runs the complete commands of the master's stream
// (processInputBuffer for the master client, with commandProcessed's offset
// bookkeeping): replies are dropped, and the bytes of each applied command go to
// replFeedStream, which advances the offset and passes them on to our replicas.
func (s *Server) replicaProcessMaster(c *Client) {
	rs := &s.replica
	if s.pause.until != 0 {
		return // CLIENT PAUSE holds the master too; the cron resumes it
	}
	if run := s.script.run; run != nil && run.timedOut {
		// A busy script serves events, but the master's stream only accumulates
		// until it ends, as Redis's processInputBuffer holds the master client
		// while isInsideYieldingLongCommand.
		rs.heldByScript = true
		return
	}
	rs.heldByScript = false
	c.flags |= flagExecuting
	s.cmdStart = s.monoNow()
	rs.applying = true
	defer func() { rs.applying = false }()
	for c.flags&(flagCloseASAP|flagCloseAfterReply) == 0 {
		n, argv, err := c.req.Parse(c.qbuf[rs.parsed:])
		if err != nil {
			s.log.Warn("Protocol error from MASTER: " + err.Error())
			c.flags &^= flagExecuting
			s.freeClient(c)
			return
		}
		if n == 0 {
			break
		}
		rs.parsed += n
		if len(argv) == 0 {
			continue
		}
		if len(argv) >= 2 && eqFoldBytes(argv[0], "replconf") && eqFoldBytes(argv[1], "getack") {
			// REPLCONF GETACK: the ACK carries what was applied before it.
			s.replicaSendAck()
		} else {
			outLen := len(c.out)
			c.argv = argv
			s.processCommand(c)
			c.argv = nil
			if len(c.out) > outLen && c.out[outLen] == '-' {
				s.replicaErrorFromMaster(c, c.out[outLen:]) // repl_errors.go
			}
			c.out = c.out[:outLen] // the master gets no replies
		}
		if c.flags&flagMulti == 0 {
			s.replFeedStream(c.qbuf[rs.applied:rs.parsed])
			rs.applied = rs.parsed
			// On a replica the propagation sink's db is the stream's: it is what
			// an RDB made for our own replicas records as repl-stream-db.
			s.prop.replDB = c.db.id
		}
	}
	c.flags &^= flagExecuting
	if c.flags&flagCloseASAP != 0 {
		return
	}
	// Keep what was not applied (a partial command, an open MULTI).
	if rs.applied > 0 {
		rest := copy(c.qbuf, c.qbuf[rs.applied:])
		c.qbuf = c.qbuf[:rest]
		rs.parsed -= rs.applied
		rs.applied = 0
	}
	if cap(c.qbuf) > 1<<20 && len(c.qbuf) < readChunk {
		c.qbuf = append([]byte(nil), c.qbuf...)
	}
	if c.sent < len(c.out) {
		s.queueWrite(c)
	}
}

// replicaSendAck queues REPLCONF ACK <offset> to the master (replicationSendAck).
func (s *Server) replicaSendAck() {
	c := s.replica.master
	if c == nil {
		return
	}
	c.out = append(c.out, "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n"...)
	c.ReplyBulkInt(s.repl.offset)
	s.replica.lastAck = s.nowMs
	s.queueWrite(c)
}

// replicaClientFreed: the master link is gone; its history stays cached for the
// next PSYNC (replicationCacheMaster, replicationHandleMasterDisconnection).
func (s *Server) replicaClientFreed(c *Client) {
	rs := &s.replica
	if c != rs.master {
		return
	}
	rs.master = nil
	rs.masterDB = c.db.id
	rs.cached = true
	rs.applied, rs.parsed = 0, 0
	if rs.host == "" || s.exiting {
		return
	}
	s.log.Warn("Connection with master lost.")
	s.log.Info("Caching the disconnected master state.")
	rs.state = replLinkConnect
	rs.downSince = time.Now().Unix()
	s.log.Info("Reconnecting to MASTER " + rs.host + ":" + strconv.Itoa(rs.port))
	s.replicaConnect()
}

// replicaCron is the replica half of replicationCron.
func (s *Server) replicaCron() {
	rs := &s.replica
	if rs.host == "" {
		return
	}
	// A failed attempt is retried once a second, as Redis's replicationCron does.
	if rs.state == replLinkConnect && rs.job == nil && s.every(1000) {
		s.log.Info("Connecting to MASTER " + rs.host + ":" + strconv.Itoa(rs.port))
		s.replicaConnect()
	}
	c := rs.master
	if c == nil {
		s.replicaCheckTransferTimeout()
		return
	}
	if s.pause.until == 0 && len(c.qbuf) > rs.parsed {
		s.replicaProcessMaster(c) // held by CLIENT PAUSE until now
	}
	if !s.every(1000) {
		return
	}
	if timeout := int64(s.cfg.ReplTimeout) * 1000; s.nowMs-rs.lastIO > timeout {
		s.log.Warn("MASTER timeout: no data nor PING received...")
		s.freeClient(c)
		return
	}
	// The master client is exempt from the idle timeout (clientsCron).
	c.lastSeen = s.nowMs
	s.replicaSendAck()
}

// replicaCheckTransferTimeout gives up a transfer that stopped moving for
// repl-timeout (the handshake's reads time out in the link goroutine itself).
func (s *Server) replicaCheckTransferTimeout() {
	rs := &s.replica
	j := rs.job
	if j == nil || rs.state != replLinkTransfer {
		return
	}
	last := j.lastIO.Load()
	if last != 0 && time.Now().Unix()-last > int64(s.cfg.ReplTimeout) {
		s.log.Warn("Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.")
		s.replicaAbortLink()
	}
}

// --- checks, ROLE, INFO ---------------------------------------------------------------

// replicaDeny refuses writes on a read-only replica and, with
// replica-serve-stale-data no, most commands while the link is down (Redis's
// processCommand checks, in its order: READONLY, then MASTERDOWN).
func (s *Server) replicaDeny(c *Client, cmd *Command) string {
	rs := &s.replica
	if rs.host == "" || c == rs.master {
		return replicaKeyspaceDeny(c, cmd) // after the stale check, as Redis orders them
	}
	exec := cmd.Name == "exec" && c.tx != nil
	f := c.checkFlags(cmd) // a script with flags counts as what it declared
	if s.cfg.ReplicaReadOnly && (f&FlagWrite != 0 || exec && c.tx.flags&FlagWrite != 0) {
		return "READONLY You can't write against a read only replica."
	}
	if rs.state != replLinkUp && !s.cfg.ReplicaServeStaleData &&
		(f&FlagStale == 0 || exec && c.tx.invFlags&FlagStale != 0) {
		return "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
	}
	return replicaKeyspaceDeny(c, cmd)
}

// replicaHidesExpired reports whether a lookup must treat a key whose TTL passed
// as missing without deleting it: on a replica, for every client but the master,
// whose DEL will come (Redis's expireIfNeeded on a replica).
func (s *Server) replicaHidesExpired() bool {
	rs := &s.replica
	return rs.host != "" && !rs.applying && !s.aof.loading
}

// replicaStateName is ROLE's name of the link state.
func (s *Server) replicaStateName() string {
	switch s.replica.state {
	case replLinkConnect:
		return "connect"
	case replLinkConnecting:
		return "connecting"
	case replLinkHandshake:
		return "handshake"
	case replLinkTransfer:
		return "sync"
	case replLinkUp:
		return "connected"
	}
	return "none"
}

// replicaRole replies ROLE on a replica: slave, host, port, state, offset.
func (s *Server) replicaRole(c *Client) {
	rs := &s.replica
	c.ReplyArray(5)
	c.ReplyBulkString("slave")
	c.ReplyBulkString(rs.host)
	c.ReplyInt(int64(rs.port))
	c.ReplyBulkString(s.replicaStateName())
	if rs.master != nil {
		c.ReplyInt(s.repl.offset)
	} else {
		c.ReplyInt(-1)
	}
}

// replicaInfo adds INFO replication's replica fields, as Redis 7.0 lists them.
func (s *Server) replicaInfo(sec *InfoSection) {
	rs := &s.replica
	now := time.Now().Unix()
	sec.add("master_host", rs.host)
	sec.add("master_port", strconv.Itoa(rs.port))
	link := "down"
	if rs.state == replLinkUp {
		link = "up"
	}
	sec.add("master_link_status", link)
	lastIO := int64(-1)
	if rs.master != nil {
		lastIO = (s.nowMs - rs.lastIO) / 1000
	}
	sec.add("master_last_io_seconds_ago", itoa(lastIO))
	inSync := "0"
	if rs.state == replLinkTransfer {
		inSync = "1"
	}
	sec.add("master_sync_in_progress", inSync)
	// Without a link or a history Redis shows 1 for both offsets.
	off, readOff := int64(1), int64(1)
	if rs.master != nil || rs.cached {
		off = s.repl.offset
		readOff = off
		if rs.master != nil {
			readOff += int64(len(rs.master.qbuf) - rs.applied)
		}
	}
	sec.add("slave_read_repl_offset", itoa(readOff))
	sec.add("slave_repl_offset", itoa(off))
	if j := rs.job; rs.state == replLinkTransfer && j != nil {
		size, read := j.size.Load(), j.read.Load()
		perc := 0.0
		if size != 0 { // an EOF-marked payload's size is -1: Redis's perc goes negative
			perc = float64(read) / float64(size) * 100
		}
		sec.add("master_sync_total_bytes", itoa(size))
		sec.add("master_sync_read_bytes", itoa(read))
		sec.add("master_sync_left_bytes", itoa(size-read))
		sec.add("master_sync_perc", strconv.FormatFloat(perc, 'f', 2, 64))
		last := j.lastIO.Load()
		if last == 0 {
			last = now
		}
		sec.add("master_sync_last_io_seconds_ago", itoa(now-last))
	}
	if rs.state != replLinkUp {
		down := int64(-1)
		if rs.downSince != 0 {
			down = now - rs.downSince
		}
		sec.add("master_link_down_since_seconds", itoa(down))
	}
	sec.add("slave_priority", strconv.Itoa(s.cfg.ReplicaPriority))
	ro, announced := "0", "0"
	if s.cfg.ReplicaReadOnly {
		ro = "1"
	}
	if s.cfg.ReplicaAnnounced {
		announced = "1"
	}
	sec.add("slave_read_only", ro)
	sec.add("replica_announced", announced)
}

// syncTempFiles are the temp files of full syncs received to disk (Redis's
// repl_transfer_tmpfile). The link goroutine writes one off the loop; the loop
// loads and renames or removes it. A file received when the server is stopping
// would have no loop left to do that: finish removes every one still listed, and
// none is created after it (Redis unlinks its transfer file on exit too).
type syncTempFiles struct {
	mu      sync.Mutex
	paths   map[string]struct{}
	stopped bool
}

// create opens path for writing, new, unless the server has stopped.
func (t *syncTempFiles) create(path string) (*os.File, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return nil, errors.New("the server is shutting down")
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	if t.paths == nil {
		t.paths = make(map[string]struct{})
	}
	t.paths[path] = struct{}{}
	return f, nil
}

// forget stops tracking path (it was renamed into place).
func (t *syncTempFiles) forget(path string) {
	t.mu.Lock()
	delete(t.paths, path)
	t.mu.Unlock()
}

// remove deletes path and stops tracking it.
func (t *syncTempFiles) remove(path string) {
	t.forget(path)
	os.Remove(path)
}

// stop removes every listed file and refuses new ones.
func (t *syncTempFiles) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	for p := range t.paths {
		os.Remove(p)
	}
	t.paths = nil
}
