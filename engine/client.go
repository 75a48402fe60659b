package engine

import (
	"slices"
	"strconv"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/loop"
	"github.com/keygrid/keygrid/engine/resp"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// clientFlag records a client's state, with Redis's CLIENT LIST letters where they exist.
type clientFlag uint32

const (
	flagCloseAfterReply clientFlag = 1 << iota // close once the pending reply is written
	flagCloseASAP                              // close in beforeSleep, reply dropped
	flagPendingWrite                           // in the server's pending-write list
	flagWriteHandler                           // EPOLLOUT is being watched
	flagAuthenticated                          // passed AUTH (or no password is needed)
	flagMonitor                                // MONITOR: receives every command
	flagReplyOff                               // CLIENT REPLY OFF
	flagReplySkip                              // CLIENT REPLY SKIP: skip the next reply
	flagReplySkipNext                          // set by SKIP, becomes flagReplySkip after it
	flagNoEvict                                // CLIENT NO-EVICT on
	flagPaused                                 // waiting for CLIENT UNPAUSE
	flagUnixSocket                             // connected over a unix socket
	flagExecuting                              // inside processInput (do not free)
	flagForcePropagate                         // propagate the command even if it changed nothing (FLUSHDB)
	flagBlocked                                // waiting in a blocking command (blocking.go); input is not processed
	flagUnblocked                              // just unblocked: queued to run what it pipelined meanwhile
	flagDenyBlocking                           // may not block (MULTI/EXEC, scripts): blocking commands time out at once
	flagNoPropagate                            // propagate only what the command passed to alsoPropagate (XREADGROUP)
	flagMulti                                  // inside MULTI: commands are queued (multi.go)
	flagDirtyCAS                               // a WATCHed key changed: EXEC will fail (multi.go)
	flagDirtyExec                              // a command was refused while queueing: EXEC will abort (multi.go)
	flagLuaDebugSync                           // SCRIPT DEBUG SYNC: the next EVAL runs in the Lua debugger (script_ldb.go)
	flagTLS                                    // connected over TLS (tls-port): cluster replies name TLS ports
	flagReplica                                // a replica of ours: its link carries the stream (repl_rogue.go)
)

// readChunk is how much one read asks for (Redis's PROTO_IOBUF_LEN).
const readChunk = 16 * 1024

// Client is one connection. Only the event loop touches it.
type Client struct {
	srv   *Server
	fd    int
	id    int64
	flags clientFlag

	// qbuf holds a request that arrived in part; complete requests are parsed straight
	// from the loop's shared read buffer, so idle clients hold no query buffer.
	qbuf []byte
	req  resp.Request
	argv [][]byte
	cmd  *Command // command being executed
	last *Command // Redis's lastcmd: the command last looked up, nil if unknown (CLIENT LIST cmd=)
	// lastTop is the last top-level command looked up, tried first by the dispatcher.
	lastTop *Command
	// rewritten, set by rewriteArgv, is what the current command propagates instead
	// of argv (SET EX as SET PXAT, ...); SLOWLOG and MONITOR show argv, the command as
	// sent, as Redis does. call clears it.
	rewritten [][]byte
	// propagateMany, set by alsoPropagate, replaces the command's own propagation
	// with several commands, wrapped in MULTI/EXEC when there is more than one
	// (Redis's alsoPropagate + preventCommandPropagation: SPOP with a count
	// propagates one SREM per member). call clears it.
	propagateMany [][][]byte
	// redacted lists argv indexes that SLOWLOG and MONITOR show as "(redacted)"
	// (passwords); handlers add to it with redactArg, call clears it.
	redacted []int

	out  []byte // reply bytes not yet written
	sent int    // bytes of out already written
	// pushEnd is where the last Pub/Sub message or (un)subscribe confirmation
	// appended to out ends: CLIENT REPLY OFF/SKIP drop a command's reply but not
	// those (Redis's CLIENT_PUSHING), so processCommand keeps out up to here.
	pushEnd int

	db    *DB
	proto int // 2 or 3

	name    string
	user    string
	libName string
	libVer  string
	addr    string
	laddr   string

	ctime    int64 // creation, unix ms
	lastSeen int64 // last interaction, unix ms
	// obufSoftSince is when the output buffer first exceeded the soft limit (unix ms).
	obufSoftSince int64
	// outPeak is the largest reply seen waiting to be written since outPeakReset
	// (unix ms), CLIENT LIST rbp (client_evict.go's replyBufResizeCron).
	outPeak      int
	outPeakReset int64
	// rbufSize is the size of the static reply buffer Redis would give this
	// client (buf_usable_size: CLIENT LIST rbs, counted in tot-mem), resized by
	// the cron as the peak goes (client_evict.go's replyBufResizeCron); 0 until
	// the cron first sees the client, which counts as replyChunk.
	rbufSize int
	// Totals for CLIENT LIST / INFO.
	netIn, netOut int64
	cmdCount      int64
	closeReason   string
	// bstate is set while the client is blocked (blocking.go).
	bstate *blockState
	// aclUser is the ACL user the client is authenticated as (acl.go); nil for
	// internal clients, which ACL never restricts.
	aclUser *aclUser
	// ps holds the client's Pub/Sub subscriptions (pubsub.go), nil before the first.
	ps *clientPubSub
	// trk is the client's CLIENT TRACKING state (tracking.go), nil while tracking is off.
	trk *clientTracking
	// tx is the MULTI queue and the WATCHed keys (multi.go); nil when neither.
	tx *clientTx
	// woff is the replication offset right after its last propagated write (WAIT).
	woff int64
	// clusterFlags are READONLY and ASKING (cluster_route.go).
	clusterFlags uint8

	// Memory accounting (client_evict.go): what the client was last measured to
	// use and the type it was counted under (Redis's last_memory_usage and
	// last_memory_type), and its place in the maxmemory-clients buckets: memBucket
	// is the bucket's index plus one, 0 while in none.
	memLast          int64
	memType          uint8
	memBucket        uint8
	memPrev, memNext *Client
}

// redactArg hides argv[i] of the current command from SLOWLOG and MONITOR, as
// Redis's redactClientCommandArgument (AUTH and HELLO passwords, sensitive CONFIG SET
// values).
func (c *Client) redactArg(i int) { c.redacted = append(c.redacted, i) }

func (c *Client) isRedacted(i int) bool {
	for _, r := range c.redacted {
		if r == i {
			return true
		}
	}
	return false
}

// redactedArg replaces redacted arguments in SLOWLOG and MONITOR.
const redactedArg = "(redacted)"

// ID is the client's unique id (CLIENT ID).
func (c *Client) ID() int64 { return c.id }

// --- replies --------------------------------------------------------------------------

// Proto is the client's protocol version, 2 or 3.
func (c *Client) Proto() int { return c.proto }

func (c *Client) ReplyOK()                 { c.out = append(c.out, "+OK\r\n"...) }
func (c *Client) ReplySimple(s string)     { c.out = resp.AppendSimple(c.out, s) }
func (c *Client) ReplyInt(n int64)         { c.out = resp.AppendInt(c.out, n) }
func (c *Client) ReplyBulk(b []byte)       { c.out = resp.AppendBulk(c.out, b) }
func (c *Client) ReplyBulkString(s string) { c.out = resp.AppendBulkString(c.out, s) }
func (c *Client) ReplyBulkInt(n int64)     { c.out = resp.AppendBulkInt(c.out, n) }
func (c *Client) ReplyNull()               { c.out = resp.AppendNull(c.out, c.proto) }
func (c *Client) ReplyNullArray()          { c.out = resp.AppendNullArray(c.out, c.proto) }
func (c *Client) ReplyArray(n int)         { c.out = resp.AppendArray(c.out, n) }
func (c *Client) ReplyMap(n int)           { c.out = resp.AppendMap(c.out, n, c.proto) }
func (c *Client) ReplySet(n int)           { c.out = resp.AppendSet(c.out, n, c.proto) }
func (c *Client) ReplyBool(v bool)         { c.out = resp.AppendBool(c.out, v, c.proto) }
func (c *Client) ReplyDouble(f float64)    { c.out = resp.AppendDouble(c.out, f, c.proto) }
func (c *Client) ReplyVerbatim(s string)   { c.out = resp.AppendVerbatim(c.out, s, "txt", c.proto) }

// ReplyBulks replies an array of bulk strings.
func (c *Client) ReplyBulks(items []string) {
	c.ReplyArray(len(items))
	for _, s := range items {
		c.ReplyBulkString(s)
	}
}

// ReplyError replies an error. msg starts with its code ("ERR ...", "WRONGTYPE ...");
// one without a code gets "ERR ". Errors are counted for INFO errorstats and for the
// command's failed_calls.
func (c *Client) ReplyError(msg string) {
	if len(msg) > 0 && msg[0] == '-' {
		msg = msg[1:]
	}
	code := msg
	for i := 0; i < len(msg); i++ {
		if msg[i] == ' ' {
			code = msg[:i]
			break
		}
	}
	if code == "" || !isErrorCode(code) {
		msg = "ERR " + msg
		code = "ERR"
	}
	c.out = resp.AppendError(c.out, msg)
	c.srv.countError(code, c.cmd)
}

func isErrorCode(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// Common errors with Redis's wording.
const (
	ErrSyntax        = "ERR syntax error"
	ErrWrongType     = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrNotInt        = "ERR value is not an integer or out of range"
	ErrNotFloat      = "ERR value is not a valid float"
	ErrOverflow      = "ERR increment or decrement would overflow"
	ErrNoSuchKey     = "ERR no such key"
	ErrDBIndex       = "ERR DB index is out of range"
	ErrInvalidExpire = "ERR invalid expire time in '%s' command"
	ErrNoAuth        = "NOAUTH Authentication required."
)

// ReplyArityError replies Redis's wrong-number-of-arguments error for the current command.
func (c *Client) ReplyArityError() {
	c.ReplyError("ERR wrong number of arguments for '" + c.cmd.Name + "' command")
}

// --- reading and dispatch -------------------------------------------------------------

// onReadable reads what the socket has and runs every complete request in it.
func (s *Server) onReadable(fd int, _ loop.Mask) {
	c := s.byFD[fd]
	if c == nil {
		return
	}
	var buf []byte
	if len(c.qbuf) == 0 {
		// Common case: nothing pending, read into the loop's shared buffer.
		buf = s.readBuf
		n, err := loop.Read(fd, buf)
		if !s.readDone(c, n, err) {
			return
		}
		buf = buf[:n]
	} else {
		// A partial request is pending: append to the client's own buffer, sized for
		// the bulk it is waiting for (bounded per read, so a lying length costs little).
		room := readChunk
		p := c.req.Pending(len(c.qbuf))
		if p > int64(room) {
			room = int(min(p, 1<<20))
		}
		if p > 0 && int64(cap(c.qbuf)-len(c.qbuf)) >= p && cap(c.qbuf) >= readChunk {
			room = 0 // the rest of the request fits: no need to grow
		}
		if cap(c.qbuf)-len(c.qbuf) < room {
			// Doubling, but never past the end of a big bulk being read: its
			// buffer ends up its size, as Redis's does, and maxmemory-clients
			// sees what the client holds (client_evict.go).
			n := max(2*cap(c.qbuf), len(c.qbuf)+room)
			if p > readChunk {
				n = min(n, len(c.qbuf)+int(p))
			}
			nb := make([]byte, len(c.qbuf), n)
			copy(nb, c.qbuf)
			c.qbuf = nb
		}
		n, err := loop.Read(fd, c.qbuf[len(c.qbuf):cap(c.qbuf)])
		if !s.readDone(c, n, err) {
			return
		}
		c.qbuf = c.qbuf[:len(c.qbuf)+n]
		buf = c.qbuf
	}
	c.lastSeen = s.nowMs
	if cap(c.out) == 0 {
		c.out = s.takeReplyBuf()
	}
	used := s.processInput(c, buf)
	if c.flags&(flagCloseASAP) != 0 {
		// Closed before the next client is read (Redis's beforeNextClient): a
		// client cut for its output buffer must not count in the clients'
		// memory when the next one runs a command (client_evict.go).
		s.freeClientNow(c)
		return
	}
	rest := buf[used:]
	switch {
	case len(rest) == 0:
		c.qbuf = c.qbuf[:0]
		if cap(c.qbuf) > 64*1024 {
			c.qbuf = nil
		}
	case len(c.qbuf) == 0 || used > 0:
		// Keep the unparsed tail in the client's own buffer.
		nb := c.qbuf[:0]
		if cap(nb) < len(rest) || len(c.qbuf) == 0 {
			nb = make([]byte, 0, max(len(rest)+readChunk, 2*readChunk))
		}
		c.qbuf = append(nb, rest...)
	}
	if limit := s.cfg.ClientQueryBufferLimit; limit > 0 && int64(len(c.qbuf)) > limit {
		s.log.Warn("closing client that reached max query buffer length",
			zap.Int64("id", c.id), zap.String("addr", c.addr), zap.Int("qbuf", len(c.qbuf)))
		s.freeClient(c)
		return
	}
	// A request left in part in the query buffer counts now (client_evict.go).
	s.clientMemChanged(c)
}

// readDone handles the result of a read; it returns false when there is nothing to
// process (would block, EOF or error; the latter two free the client).
func (s *Server) readDone(c *Client, n int, err error) bool {
	if err != nil {
		if err == unix.EAGAIN || err == unix.EINTR {
			return false
		}
		s.logClientGone(c, err)
		s.freeClient(c)
		return false
	}
	if n == 0 {
		s.logClientGone(c, nil)
		s.freeClient(c)
		return false
	}
	c.netIn += int64(n)
	s.stats.netInput += int64(n)
	s.stats.readsProcessed++
	return true
}

// processInput runs the complete requests at the start of buf and returns how many
// bytes they used.
func (s *Server) processInput(c *Client, buf []byte) int {
	used := 0
	if c.flags&(flagPaused|flagBlocked) != 0 {
		return 0 // CLIENT PAUSE, or blocked (blocking.go): keep buffering, run nothing
	}
	c.flags |= flagExecuting
	defer func() { c.flags &^= flagExecuting }()
	s.cmdStart = s.monoNow()
	// With a big keyspace the keys of the next few requests are loaded together before
	// they run (prefetch.go); ahead is where the last lookahead window ended. Decided
	// once per batch: the check stays off the per-request path of small keyspaces.
	ahead := len(buf)
	if c.db.keys >= prefetchMinKeys && c.flags&flagAuthenticated != 0 {
		ahead = 0
	}
	for used < len(buf) {
		if c.flags&(flagCloseAfterReply|flagCloseASAP) != 0 {
			// Redis stops reading from a client that is going away.
			return len(buf)
		}
		if used >= ahead {
			if ahead = used + s.prefetchAhead(c, buf[used:]); ahead == used {
				ahead = len(buf) // nothing worth it ahead: not again in this batch
			}
		}
		c.req.Unauth = s.authRequired(c)
		n, argv, err := c.req.Parse(buf[used:])
		if err != nil {
			s.logProtocolError(c, err, buf[used+c.req.Pos():])
			c.req.Reset()
			c.out = resp.AppendError(c.out, "ERR "+err.Error())
			s.countError("ERR", nil)
			c.flags |= flagCloseAfterReply
			s.queueWrite(c)
			return len(buf)
		}
		if n == 0 {
			break
		}
		used += n
		if len(argv) == 0 {
			continue
		}
		c.argv = argv
		s.processCommand(c)
		c.argv = nil
		s.clientMemChanged(c) // with the reply it queued (client_evict.go)
		// Enforce the hard output limit as replies grow, as Redis does on every
		// reply, so a pipeline of big replies cannot balloon memory before the
		// first write.
		if hard := s.cfg.ClientOutputBufferLimit[0].Hard; hard > 0 && int64(len(c.out)-c.sent) > hard {
			s.checkOutputLimits(c)
		}
		if c.flags&flagPaused != 0 {
			used -= n // the held request stays buffered and runs on unpause
			break
		}
		if c.flags&flagBlocked != 0 {
			break // what follows waits until the client is unblocked
		}
	}
	return used
}

// queueWrite puts c in the list of clients whose replies beforeSleep writes.
func (s *Server) queueWrite(c *Client) {
	if c.flags&(flagPendingWrite|flagWriteHandler) == 0 {
		c.flags |= flagPendingWrite
		s.pendingWrite = append(s.pendingWrite, c)
	}
}

// writeClient writes as much of c's reply as the socket takes. It returns false if
// the client was freed.
func (s *Server) writeClient(c *Client) bool {
	if c.flags&flagReplica != 0 {
		return s.replWriteClient(c) // the shared replication buffer (repl_buffer.go)
	}
	s.stats.writesProcessed++
	if p := len(c.out) - c.sent; p > c.outPeak {
		c.outPeak = p // what the commands since the last write queued
	}
	for c.sent < len(c.out) {
		n, err := loop.Write(c.fd, c.out[c.sent:])
		if err != nil {
			if err == unix.EAGAIN {
				break
			}
			if err == unix.EINTR {
				continue
			}
			s.logWriteError(err)
			s.freeClient(c)
			return false
		}
		c.sent += n
		c.netOut += int64(n)
		s.stats.netOutput += int64(n)
		// A write is an interaction too (writeToClient's lastinteraction), but
		// for the master's link: its ACKs say nothing of the master's health.
		if n > 0 && c != s.replica.master {
			c.lastSeen = s.nowMs
		}
	}
	if c.sent == len(c.out) {
		c.sent = 0
		if cap(c.out) > 64*1024 {
			c.out = nil
		} else {
			c.out = c.out[:0]
		}
		c.obufSoftSince = 0
		if c.flags&flagWriteHandler != 0 {
			s.loop.DelFile(c.fd, loop.Writable)
			c.flags &^= flagWriteHandler
		}
		if c.flags&flagCloseAfterReply != 0 {
			s.freeClient(c)
			return false
		}
		s.clientMemChanged(c) // client_evict.go
		return true
	}
	// The socket is full: wait for it to drain.
	if c.flags&flagWriteHandler == 0 {
		s.loop.AddFile(c.fd, loop.Writable, nil, s.onWritable)
		c.flags |= flagWriteHandler
	}
	if !s.checkOutputLimits(c) {
		return false
	}
	s.clientMemChanged(c) // client_evict.go
	return true
}

func (s *Server) onWritable(fd int, _ loop.Mask) {
	// appendfsync always: replies of commands whose AOF records are not yet written
	// and fsynced (beforeSleep does it) must wait; the socket stays writable, so the
	// next iteration sends them (Redis's AE_BARRIER).
	if len(s.aof.buf) > 0 && s.cfg.AppendFsync == "always" {
		return
	}
	if c := s.byFD[fd]; c != nil {
		s.writeClient(c)
	}
}

// checkOutputLimits enforces client-output-buffer-limit for c's class (obuf_limit.go):
// the hard limit closes at once, the soft one after it has been exceeded for more
// than soft-seconds.
func (s *Server) checkOutputLimits(c *Client) bool {
	if !s.obufLimitReached(c, s.outputLimitClass(c)) { // pubsub.go
		return true
	}
	s.logObufClose(c, true)
	s.freeClient(c)
	return false
}

// handlePendingWrites is the first thing beforeSleep does: one write per client with
// new replies, a write handler only for sockets that would block.
//
// Newest first, as Redis 7.0 does (putClientInPendingWriteQueue links a client at the
// head of clients_pending_write). It matters when one command queues replies for many
// clients: a PUBLISH queues its subscribers' messages and then its own reply, so the
// publisher hears back before the fifty subscriber writes rather than after them and
// its next request is on its way while they go out.
func (s *Server) handlePendingWrites() {
	for i := len(s.pendingWrite) - 1; i >= 0; i-- {
		c := s.pendingWrite[i]
		s.pendingWrite[i] = nil
		if c.flags&flagPendingWrite == 0 {
			continue // freed meanwhile
		}
		c.flags &^= flagPendingWrite
		if c.flags&flagWriteHandler != 0 {
			continue
		}
		s.writeClient(c)
	}
	s.pendingWrite = s.pendingWrite[:0]
}

// --- connection lifecycle -------------------------------------------------------------

func (s *Server) onAccept(lfd int, _ loop.Mask) {
	// Accept a few per event, like Redis's MAX_ACCEPTS_PER_CALL, so a connection storm
	// cannot starve the clients already connected.
	for i := 0; i < 1000; i++ {
		fd, sa, err := unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			if err != unix.EAGAIN && err != unix.EINTR && err != unix.ECONNABORTED {
				s.log.Warn("Accepting client connection: accept: " + config.Strerror(err))
			}
			return
		}
		s.acceptClient(fd, sa, false)
	}
}

func (s *Server) acceptClient(fd int, sa unix.Sockaddr, unixSock bool) {
	s.acceptConn(fd, sa, unixSock, "")
}

// acceptConn registers fd as a client whose peer is sa. laddr, when set, is the
// local address to show (a TLS client's fd is a pipe, tls.go): the socket
// options and getsockname apply to a real TCP socket only.
func (s *Server) acceptConn(fd int, sa unix.Sockaddr, unixSock bool, laddr string) {
	s.logAccepted(sa, unixSock)
	if len(s.clients) >= s.cfg.MaxClients {
		// Redis writes the error straight to the socket, best effort, and closes.
		if s.cfg.ClusterEnabled {
			unix.Write(fd, []byte("-ERR max number of clients + cluster connections reached\r\n"))
		} else {
			unix.Write(fd, []byte("-ERR max number of clients reached\r\n"))
		}
		unix.Close(fd)
		s.stats.rejectedConns++
		return
	}
	if !unixSock && laddr == "" {
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		if ka := s.cfg.TCPKeepalive; ka > 0 {
			unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1)
			unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, ka)
			unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, max(ka/3, 1))
			unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPCNT, 3)
		}
	}
	s.nextClientID++
	c := &Client{
		srv:      s,
		fd:       fd,
		id:       s.nextClientID,
		db:       s.dbs[0],
		proto:    2,
		user:     "default",
		aclUser:  s.aclDefaultUser(),
		ctime:    s.nowMs,
		lastSeen: s.nowMs,
	}
	c.req.MaxBulk = s.cfg.ProtoMaxBulkLen
	c.req.Reset()
	if unixSock {
		c.flags |= flagUnixSocket
		c.addr = s.cfg.UnixSocket + ":0"
		c.laddr = s.cfg.UnixSocket + ":0" // as Redis shows it in CLIENT LIST laddr=
	} else {
		c.addr = sockaddrString(sa)
		if laddr != "" {
			c.flags |= flagTLS // only tls.go's handshake passes laddr
			c.laddr = laddr
		} else if lsa, err := unix.Getsockname(fd); err == nil {
			c.laddr = sockaddrString(lsa)
		}
	}
	if !s.authRequired(c) {
		c.flags |= flagAuthenticated
	}
	if deny := s.protectedModeDenied(c, sa); deny {
		unix.Write(fd, []byte(protectedModeError))
		unix.Close(fd)
		s.stats.rejectedConns++
		return
	}
	// Counted once admitted: Redis counts neither maxclients nor protected-mode
	// rejections in total_connections_received.
	s.stats.numConnections++
	for fd >= len(s.byFD) {
		s.byFD = append(s.byFD, nil)
	}
	s.byFD[fd] = c
	s.clients[c.id] = c
	if err := s.loop.AddFile(fd, loop.Readable, s.onReadable, nil); err != nil {
		s.freeClient(c)
	}
}

func sockaddrString(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		b := make([]byte, 0, 24)
		for i, x := range a.Addr {
			if i > 0 {
				b = append(b, '.')
			}
			b = strconv.AppendInt(b, int64(x), 10)
		}
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(a.Port), 10)
		return string(b)
	case *unix.SockaddrInet6:
		// "[::1]:6379", as Redis's anetFormatAddr writes an IPv6 address.
		ip := make([]byte, 0, 48)
		ip = append(ip, '[')
		ip = append(ip, netIPString(a.Addr[:])...)
		ip = append(ip, ']', ':')
		ip = strconv.AppendInt(ip, int64(a.Port), 10)
		return string(ip)
	case *unix.SockaddrUnix:
		return a.Name
	}
	return "?"
}

// freeClient closes c now unless it is executing a command, in which case it is closed
// in beforeSleep (Redis's freeClientAsync).
func (s *Server) freeClient(c *Client) {
	if c.fd < 0 {
		return
	}
	if c.flags&flagExecuting != 0 {
		if c.flags&flagCloseASAP == 0 {
			c.flags |= flagCloseASAP
			s.closeASAP = append(s.closeASAP, c)
		}
		return
	}
	s.unlinkClient(c)
}

func (s *Server) unlinkClient(c *Client) {
	if c.fd < 0 {
		return
	}
	s.loop.DelFile(c.fd, loop.Readable|loop.Writable)
	unix.Close(c.fd)
	s.byFD[c.fd] = nil
	c.fd = -1
	c.flags &^= flagPendingWrite
	delete(s.clients, c.id)
	if c.flags&flagMonitor != 0 {
		s.removeMonitor(c)
	}
	for _, h := range s.onClientFree {
		h(c)
	}
	s.forgetClientMem(c) // client_evict.go
	s.recycleReplyBuf(c.out)
	c.qbuf, c.out, c.argv = nil, nil, nil
}

// Reply buffers.
//
// A client's replies go to c.out, grown by append. A buffer that ends at 17 KB
// was allocated and copied a dozen times on the way: measured, a third of the
// cost of a client refused NOAUTH for a pipeline until its cap (auth_limit.go;
// TestDrillBadFrameFlood's costliest frame, where a thousand such clients come
// and go). So the grown buffers of freed clients are kept, up to replyBufKeep of
// them, and a client about to run commands with no buffer takes one. Only kept
// ones: a fresh buffer of Redis's 16 KB for every client would be resident
// memory (Go zeroes it) for clients whose replies are a few bytes. Kept ones
// nobody took for replyBufIdleMs are let go (dropReplyBufs): after a burst of
// connections the server's memory goes back to what it was.
const (
	replyBufKeep   = 64
	replyBufMin    = replyChunk     // smaller buffers are cheap to grow again
	replyBufMax    = 2 * replyChunk // bigger ones are not kept
	replyBufIdleMs = 2000
)

// takeReplyBuf returns a kept reply buffer, or nil.
func (s *Server) takeReplyBuf() []byte {
	n := len(s.replyBufs)
	if n == 0 {
		return nil
	}
	s.replyBufTaken = s.nowMs
	b := s.replyBufs[n-1]
	s.replyBufs[n-1] = nil
	s.replyBufs = s.replyBufs[:n-1]
	return b
}

// recycleReplyBuf keeps b, the reply buffer of a client that no longer needs it.
func (s *Server) recycleReplyBuf(b []byte) {
	if c := cap(b); c >= replyBufMin && c <= replyBufMax && len(s.replyBufs) < replyBufKeep {
		if len(s.replyBufs) == 0 {
			s.replyBufTaken = s.nowMs // the idle time counts from the first kept
		}
		s.replyBufs = append(s.replyBufs, b[:0])
	}
}

// dropReplyBufs lets the kept reply buffers go once none was taken for
// replyBufIdleMs (serverCron).
func (s *Server) dropReplyBufs() {
	if len(s.replyBufs) > 0 && s.nowMs-s.replyBufTaken >= replyBufIdleMs {
		clear(s.replyBufs)
		s.replyBufs = nil
	}
}

// freeClientsASAP closes the clients that asked to be closed while executing.
func (s *Server) freeClientsASAP() {
	for i, c := range s.closeASAP {
		s.closeASAP[i] = nil
		s.closeMarked(c)
	}
	s.closeASAP = s.closeASAP[:0]
}

// freeClientNow closes c, marked to be closed, at once rather than in beforeSleep.
func (s *Server) freeClientNow(c *Client) {
	if i := slices.Index(s.closeASAP, c); i >= 0 {
		s.closeASAP = slices.Delete(s.closeASAP, i, i+1)
	}
	s.closeMarked(c)
}

func (s *Server) closeMarked(c *Client) {
	c.flags &^= flagExecuting
	if c.flags&flagCloseAfterReply != 0 && c.sent < len(c.out) && c.fd >= 0 {
		// Best effort: let a final error reply leave before closing.
		unix.Write(c.fd, c.out[c.sent:])
	}
	s.unlinkClient(c)
}

// clientsCron closes idle clients (timeout) and those past client-output-buffer-limit
// (obuf_limit.go), tracks the recent buffer peaks and trims buffers of idle ones.
// As Redis's, each call visits a share of the clients, numclients/hz of them (at
// least 5), taking up where the last call stopped, so that every client is seen
// about once a second and a tick's work stays bounded with many clients
// (dynamic-hz raises hz with them: server.go's adaptHz).
func (s *Server) clientsCron() {
	n := len(s.clients)
	iterations := n / s.hz
	if iterations < clientsCronMinIterations {
		iterations = min(n, clientsCronMinIterations)
	}
	// Redis counts the idle time in whole seconds (unixtime against the second of
	// the last interaction): timeout 1 closes a client after 1 to 2 seconds.
	timeout, nowSec := int64(s.cfg.Timeout), s.nowMs/1000
	peakIdx := s.clientsPeakStart() // obuf_limit.go
	// Round robin over the descriptors: one pass over byFD at most.
	for scanned := 0; iterations > 0 && scanned < len(s.byFD); scanned++ {
		if s.clientsCronFD >= len(s.byFD) {
			s.clientsCronFD = 0
		}
		c := s.byFD[s.clientsCronFD]
		s.clientsCronFD++
		if c == nil {
			continue
		}
		iterations--
		if timeout > 0 && nowSec-c.lastSeen/1000 > timeout && !s.isBlockedClient(c) && c.flags&flagMonitor == 0 && !s.isPubSubClient(c) {
			s.log.Debug("Closing idle client") // clientsCronHandleTimeout's verbose line
			s.freeClient(c)
			continue
		}
		s.clientsPeakTrack(c, peakIdx)
		// client_evict.go; obuf_limit.go
		s.replyBufResizeCron(c)
		if s.obufCron(c) {
			continue
		}
		// DEBUG REPLYBUFFER RESIZING 0 keeps reply buffers as they are, so
		// that tests can compare clients' memory.
		if len(c.out) == 0 && cap(c.out) > 0 && s.nowMs-c.lastSeen > 2000 && !s.evict.replyBufNoResize {
			s.recycleReplyBuf(c.out)
			c.out = nil
		}
		if len(c.qbuf) == 0 && cap(c.qbuf) > 0 && s.nowMs-c.lastSeen > 2000 {
			c.qbuf = nil
		}
		s.clientMemCron(c) // client_evict.go
	}
}

// clientsCronMinIterations is the fewest clients a clientsCron call visits
// (CLIENTS_CRON_MIN_ITERATIONS).
const clientsCronMinIterations = 5

// nowDuration is a helper for timing commands.
func since(t time.Time) int64 { return int64(time.Since(t) / time.Microsecond) }
