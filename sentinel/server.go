// The client port: one goroutine per connection (sentinels have few clients),
// Redis's request parser, and the commands a sentinel accepts.

package sentinel

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/keygrid/keygrid/engine/resp"
)

// client is one connection to the sentinel port.
type client struct {
	s      *Sentinel
	nc     net.Conn
	id     int64
	wmu    sync.Mutex // guards writes: replies and published messages interleave
	out    []byte
	proto  int
	name   string
	authed bool   // AUTH succeeded
	user   string // the authenticated user ("" = default)
	// closeAfterReply: CLIENT KILL (or ACL DELUSER) selected this connection.
	closeAfterReply bool
	chans           map[string]bool
	pats            map[string]bool
	// Published messages are queued and written by their own goroutine (started
	// on the first message), so a slow subscriber never stalls the sentinel.
	outq       chan []byte
	done       chan struct{}
	writerOnce sync.Once
	// For CLIENT INFO and ACL LOG's client-info, set by the client's goroutine:
	// the socket's fd, when it connected and last sent a command, the full name of
	// that command ("NULL" when unknown, as Redis's lastcmd), and the query buffer
	// as the command began to run.
	fd              int
	ctime, lastSeen time.Time
	lastCmd         string
	qbuf, qfree     int
	argvMem         int
}

var clientIDs atomic.Int64

// commandsProcessed and errorReplies count for INFO stats.
var commandsProcessed, errorReplies atomic.Int64

// connectedClients counts open client connections, for INFO.
var connectedClients atomic.Int64

func (s *Sentinel) serve() { s.serveOn(s.ln) }

// serveOn accepts clients on ln (the port, or tls-port) until Shutdown.
func (s *Sentinel) serveOn(ln net.Listener) {
	defer s.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-s.stopped:
				return
			default:
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		go s.accepted(nc, ln == s.tlsLn)
	}
}

// accepted tells raft connections (raftmux.go) from clients and serves either.
func (s *Sentinel) accepted(nc net.Conn, viaTLS bool) {
	cn, isRaft, err := sniffRaft(nc)
	if err != nil {
		nc.Close()
		return
	}
	if isRaft {
		// With TLS for sentinel links, raft is accepted only over TLS.
		if s.rstream == nil || s.cfg.RaftPort != 0 || (s.tlsClient != nil && !viaTLS) || !s.rstream.offer(cn) {
			nc.Close()
		}
		return
	}
	now := time.Now()
	c := &client{s: s, nc: cn, id: clientIDs.Add(1), proto: 2, chans: map[string]bool{}, pats: map[string]bool{},
		outq: make(chan []byte, 1024), done: make(chan struct{}), fd: connFD(nc), ctime: now, lastSeen: now, lastCmd: "NULL"}
	// As Redis's createClient: a new connection is authenticated (as default)
	// while the default user is "on nopass".
	c.authed = s.acl.NoPassDefault()
	s.clientsMu.Lock()
	s.clients[c] = struct{}{}
	s.clientsMu.Unlock()
	c.run()
	s.clientsMu.Lock()
	delete(s.clients, c)
	s.clientsMu.Unlock()
}

func (c *client) run() {
	connectedClients.Add(1)
	defer func() {
		connectedClients.Add(-1)
		close(c.done)
		for ch := range c.chans {
			c.s.ps.unsubscribe(c, ch, false)
		}
		for p := range c.pats {
			c.s.ps.unsubscribe(c, p, true)
		}
		c.nc.Close()
	}()
	var req resp.Request
	req.Reset()
	req.MaxBulk = 512 << 20
	buf := make([]byte, 0, 16<<10)
	tmp := make([]byte, 16<<10)
	for {
		n, err := c.nc.Read(tmp)
		if n > 0 {
			buf = append(buf, tmp[:n]...)
		}
		for len(buf) > 0 {
			used, argv, perr := req.Parse(buf)
			if perr != nil {
				c.reply(resp.AppendError(nil, "ERR "+perr.Error()))
				return
			}
			if used == 0 {
				break
			}
			args := make([]string, len(argv))
			c.argvMem = 0
			for i, a := range argv {
				args[i] = string(a)
				c.argvMem += len(a)
			}
			c.qbuf, c.qfree, c.lastSeen = len(buf), cap(buf)-len(buf), time.Now()
			buf = buf[used:]
			req.Reset()
			if len(args) > 0 {
				quit := c.exec(args)
				if quit {
					return
				}
			}
		}
		if len(buf) == 0 {
			buf = buf[:0]
		}
		if err != nil {
			return
		}
	}
}

// reply writes b to the client.
func (c *client) reply(b []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	c.nc.Write(b)
}

// subscribed reports whether c is in RESP2 pub/sub mode, where only a few
// commands are allowed.
func (c *client) subscribed() bool { return len(c.chans)+len(c.pats) > 0 }

// exec runs one command and reports whether the connection must close.
func (c *client) exec(args []string) bool {
	name := strings.ToLower(args[0])
	var b []byte
	if c.subscribed() && c.proto == 2 {
		switch name {
		case "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ping", "quit", "reset":
		default:
			c.reply(resp.AppendError(nil, fmt.Sprintf("ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context", name)))
			return false
		}
	}
	spec, ok := sentinelCommandTable[name]
	c.lastCmd = fullCommandName(args)
	if !ok {
		var sb strings.Builder
		for _, a := range args[1:] {
			if sb.Len() >= 128 {
				break
			}
			fmt.Fprintf(&sb, "'%s' ", a)
		}
		c.reply(resp.AppendError(nil, fmt.Sprintf("ERR unknown command '%s', with args beginning with: %s", args[0], sb.String())))
		return false
	}
	if (spec.arity > 0 && len(args) != spec.arity) || (spec.arity < 0 && len(args) < -spec.arity) {
		c.reply(resp.AppendError(nil, fmt.Sprintf("ERR wrong number of arguments for '%s' command", name)))
		return false
	}
	if name == "sentinel" {
		if e := sentinelArityError(args); e != "" {
			c.reply(resp.AppendError(nil, e))
			return false
		}
	}
	// As in Redis, lookup and arity errors come before authentication.
	if c.authRequired() {
		switch name {
		case "auth", "hello", "quit":
		default:
			c.reply(resp.AppendError(nil, "NOAUTH Authentication required."))
			return false
		}
	}
	switch name {
	case "auth", "hello", "quit":
	default:
		if e := c.aclPermitted(args); e != "" {
			c.reply(resp.AppendError(nil, e))
			return false
		}
	}
	b = spec.proc(c, args, b)
	commandsProcessed.Add(1)
	if b != nil {
		if b[0] == '-' {
			errorReplies.Add(1)
		}
		c.reply(b)
	}
	return name == "quit" || name == "shutdown" || c.closeAfterReply
}

// commandSpec is one entry of the sentinel's own command table.
type commandSpec struct {
	arity int
	proc  func(c *client, args []string, b []byte) []byte
}

var sentinelCommandTable map[string]commandSpec

func init() {
	sentinelCommandTable = map[string]commandSpec{
		"ping":         {-1, pingCommand},
		"sentinel":     {-2, sentinelCommand},
		"info":         {-1, infoCommand},
		"role":         {1, roleCommand},
		"subscribe":    {-2, subscribeCommand},
		"psubscribe":   {-2, subscribeCommand},
		"unsubscribe":  {-1, unsubscribeCommand},
		"punsubscribe": {-1, unsubscribeCommand},
		"publish":      {3, publishCommand},
		"client":       {-2, clientCommand},
		"hello":        {-1, helloCommand},
		"auth":         {-2, authCommand},
		"quit":         {-1, func(c *client, _ []string, b []byte) []byte { return resp.AppendOK(b) }},
		"shutdown":     {-1, shutdownCommand},
		"command":      {-1, commandCommand},
		"reset":        {1, resetCommand},
		"acl":          {-2, aclCommand},
	}
}

// PING [message]
func pingCommand(c *client, args []string, b []byte) []byte {
	if len(args) > 2 {
		return resp.AppendError(b, "ERR wrong number of arguments for 'ping' command")
	}
	if c.subscribed() && c.proto == 2 {
		b = resp.AppendArray(b, 2)
		b = resp.AppendBulkString(b, "pong")
		if len(args) == 2 {
			return resp.AppendBulkString(b, args[1])
		}
		return resp.AppendBulkString(b, "")
	}
	if len(args) == 2 {
		return resp.AppendBulkString(b, args[1])
	}
	return resp.AppendSimple(b, "PONG")
}

// ROLE: "sentinel" and the names of the monitored masters.
func roleCommand(c *client, _ []string, b []byte) []byte {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	b = resp.AppendArray(b, 2)
	b = resp.AppendBulkString(b, "sentinel")
	b = resp.AppendArray(b, len(s.order))
	for _, n := range s.order {
		b = resp.AppendBulkString(b, n)
	}
	return b
}

// SUBSCRIBE channel [channel ...] / PSUBSCRIBE pattern [pattern ...]
func subscribeCommand(c *client, args []string, b []byte) []byte {
	pattern := strings.EqualFold(args[0], "psubscribe")
	kind := "subscribe"
	set := c.chans
	if pattern {
		kind, set = "psubscribe", c.pats
	}
	// Replies go out under the write lock, so an event published meanwhile cannot
	// overtake the subscription confirmation.
	c.wmu.Lock()
	defer c.wmu.Unlock()
	for _, ch := range args[1:] {
		if !set[ch] {
			set[ch] = true
			c.s.ps.subscribe(c, ch, pattern)
		}
		b = resp.AppendPush(b, 3, c.proto)
		b = resp.AppendBulkString(b, kind)
		b = resp.AppendBulkString(b, ch)
		b = resp.AppendInt(b, int64(len(c.chans)+len(c.pats)))
	}
	c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	c.nc.Write(b)
	return nil
}

// UNSUBSCRIBE [channel ...] / PUNSUBSCRIBE [pattern ...]
func unsubscribeCommand(c *client, args []string, b []byte) []byte {
	pattern := strings.EqualFold(args[0], "punsubscribe")
	kind := "unsubscribe"
	set := c.chans
	if pattern {
		kind, set = "punsubscribe", c.pats
	}
	names := args[1:]
	if len(names) == 0 {
		for ch := range set {
			names = append(names, ch)
		}
	}
	if len(names) == 0 {
		b = resp.AppendPush(b, 3, c.proto)
		b = resp.AppendBulkString(b, kind)
		b = resp.AppendNull(b, c.proto)
		return resp.AppendInt(b, int64(len(c.chans)+len(c.pats)))
	}
	for _, ch := range names {
		if set[ch] {
			delete(set, ch)
			c.s.ps.unsubscribe(c, ch, pattern)
		}
		b = resp.AppendPush(b, 3, c.proto)
		b = resp.AppendBulkString(b, kind)
		b = resp.AppendBulkString(b, ch)
		b = resp.AppendInt(b, int64(len(c.chans)+len(c.pats)))
	}
	return b
}

// PUBLISH channel message: Redis Sentinel accepts only hello messages this way
// (sentinels may deliver hellos directly to each other).
func publishCommand(c *client, args []string, b []byte) []byte {
	if args[1] != helloChannel {
		return resp.AppendError(b, "ERR Only HELLO messages are accepted by Sentinel instances.")
	}
	c.s.processHello(args[2])
	return resp.AppendInt(b, 1)
}

// CLIENT SETNAME|GETNAME|ID|KILL|LIST|INFO|SETINFO ...
func clientCommand(c *client, args []string, b []byte) []byte {
	sub := strings.ToLower(args[1])
	switch {
	case sub == "setname" && len(args) == 3:
		if strings.ContainsAny(args[2], " \n") {
			return resp.AppendError(b, "ERR Client names cannot contain spaces, newlines or special characters.")
		}
		c.name = args[2]
		return resp.AppendOK(b)
	case sub == "getname" && len(args) == 2:
		if c.name == "" {
			return resp.AppendNull(b, c.proto)
		}
		return resp.AppendBulkString(b, c.name)
	case sub == "id" && len(args) == 2:
		return resp.AppendInt(b, c.id)
	case (sub == "info" && len(args) == 2) || (sub == "list" && len(args) == 2):
		return resp.AppendBulkString(b, c.info(time.Now())+"\n")
	}
	if sub == "kill" && len(args) >= 3 {
		return clientKill(c, args, b)
	}
	return resp.AppendError(b, subcommandError("client", args[1]))
}

// subcommandError is Redis's reply to a container command's subcommand that it
// cannot run: the arity error for a known subcommand, else "unknown subcommand".
func subcommandError(cmd, sub string) string {
	lsub := strings.ToLower(sub)
	for _, c := range redisSentinelCommands {
		if c.name == cmd && slices.Contains(c.subs, lsub) {
			return "ERR wrong number of arguments for '" + cmd + "|" + lsub + "' command"
		}
	}
	if len(sub) > 128 {
		sub = sub[:128]
	}
	return "ERR unknown subcommand '" + sub + "'. Try " + strings.ToUpper(cmd) + " HELP."
}

// killClients closes the connections match selects; how many. The caller's
// own connection (self) closes after its reply, as Redis's
// CLIENT_CLOSE_AFTER_REPLY.
func (s *Sentinel) killClients(self *client, match func(*client) bool) int {
	s.clientsMu.Lock()
	defer s.clientsMu.Unlock()
	n := 0
	for o := range s.clients {
		if match(o) {
			if o == self {
				o.closeAfterReply = true
			} else {
				o.nc.Close()
			}
			n++
		}
	}
	return n
}

// CLIENT KILL addr | CLIENT KILL <filter> <value> ... (ID, TYPE, USER, ADDR,
// LADDR, SKIPME), as Redis.
func clientKill(c *client, args []string, b []byte) []byte {
	if len(args) == 3 {
		addr := args[2]
		if c.s.killClients(c, func(o *client) bool { return o.nc.RemoteAddr().String() == addr }) == 0 {
			return resp.AppendError(b, "ERR No such client")
		}
		return resp.AppendOK(b)
	}
	if len(args)%2 != 0 {
		return resp.AppendError(b, "ERR syntax error")
	}
	var filters []func(*client) bool
	skipme := true
	for i := 2; i+1 < len(args); i += 2 {
		v := args[i+1]
		switch strings.ToLower(args[i]) {
		case "id":
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				return resp.AppendError(b, "ERR client-id should be greater than 0")
			}
			filters = append(filters, func(o *client) bool { return o.id == id })
		case "type":
			t := strings.ToLower(v)
			switch t {
			case "normal", "pubsub", "master", "replica", "slave":
			default:
				return resp.AppendError(b, "ERR Unknown client type '"+v+"'")
			}
			filters = append(filters, func(o *client) bool {
				if t == "pubsub" {
					return o.subscribed()
				}
				return t == "normal" && !o.subscribed()
			})
		case "user":
			if !c.s.acl.Exists(v) {
				return resp.AppendError(b, "ERR No such user '"+v+"'")
			}
			filters = append(filters, func(o *client) bool { return o.userName() == v })
		case "addr":
			filters = append(filters, func(o *client) bool { return o.nc.RemoteAddr().String() == v })
		case "laddr":
			filters = append(filters, func(o *client) bool { return o.nc.LocalAddr().String() == v })
		case "skipme":
			switch strings.ToLower(v) {
			case "yes":
				skipme = true
			case "no":
				skipme = false
			default:
				return resp.AppendError(b, "ERR syntax error")
			}
		default:
			return resp.AppendError(b, "ERR syntax error")
		}
	}
	n := c.s.killClients(c, func(o *client) bool {
		if skipme && o == c {
			return false
		}
		for _, f := range filters {
			if !f(o) {
				return false
			}
		}
		return true
	})
	return resp.AppendInt(b, int64(n))
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
func helloCommand(c *client, args []string, b []byte) []byte {
	proto := c.proto
	if len(args) >= 2 {
		v, err := strconv.Atoi(args[1])
		if err != nil {
			return resp.AppendError(b, "ERR Protocol version is not an integer or out of range")
		}
		if v < 2 || v > 3 {
			return resp.AppendError(b, "NOPROTO unsupported protocol version")
		}
		proto = v
	}
	for i := 2; i < len(args); i++ {
		switch strings.ToLower(args[i]) {
		case "auth":
			if i+2 >= len(args) {
				return resp.AppendError(b, fmt.Sprintf("ERR Syntax error in HELLO option '%s'", args[i]))
			}
			if err := c.checkAuth(args[0], args[i+1:i+3]); err != "" {
				return resp.AppendError(b, err)
			}
			i += 2
		case "setname":
			if i+1 < len(args) {
				c.name = args[i+1]
			}
			i++
		default:
			return resp.AppendError(b, fmt.Sprintf("ERR Syntax error in HELLO option '%s'", args[i]))
		}
	}
	if c.authRequired() {
		return resp.AppendError(b, "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
	}
	c.proto = proto
	// No "role" in sentinel mode (Redis's helloCommand adds it only outside it).
	b = resp.AppendMap(b, 6, proto)
	b = resp.AppendBulkString(b, "server")
	b = resp.AppendBulkString(b, "redis")
	b = resp.AppendBulkString(b, "version")
	b = resp.AppendBulkString(b, redisVersion)
	b = resp.AppendBulkString(b, "proto")
	b = resp.AppendInt(b, int64(proto))
	b = resp.AppendBulkString(b, "id")
	b = resp.AppendInt(b, c.id)
	b = resp.AppendBulkString(b, "mode")
	b = resp.AppendBulkString(b, "sentinel")
	b = resp.AppendBulkString(b, "modules")
	return resp.AppendArray(b, 0)
}

// AUTH [username] password, against requirepass (user "default").
func authCommand(c *client, args []string, b []byte) []byte {
	if len(args) > 3 {
		return resp.AppendError(b, "ERR syntax error")
	}
	if err := c.checkAuth(args[0], args[1:]); err != "" {
		return resp.AppendError(b, err)
	}
	return resp.AppendOK(b)
}

// SHUTDOWN [NOSAVE|SAVE] ...
func shutdownCommand(c *client, _ []string, b []byte) []byte {
	go c.s.Shutdown()
	return nil
}

// COMMAND: sentinel-aware clients call COMMAND only for discovery; an empty list is
// a valid reply that makes them fall back to sending everything as is.
func commandCommand(c *client, args []string, b []byte) []byte {
	if len(args) > 1 && strings.EqualFold(args[1], "count") {
		return resp.AppendInt(b, int64(len(redisSentinelCommands)))
	}
	if len(args) > 1 && strings.EqualFold(args[1], "list") {
		n := 0
		for _, cmd := range redisSentinelCommands {
			n += 1 + len(cmd.subs)
		}
		b = resp.AppendArray(b, n)
		for _, cmd := range redisSentinelCommands {
			b = resp.AppendBulkString(b, cmd.name)
			for _, sub := range cmd.subs {
				b = resp.AppendBulkString(b, cmd.name+"|"+sub)
			}
		}
		return b
	}
	return resp.AppendArray(b, 0)
}

// redisSentinelCommands is Redis 7.0 Sentinel's command table (the commands
// flagged SENTINEL), as COMMAND COUNT and COMMAND LIST show it.
var redisSentinelCommands = []struct {
	name string
	subs []string
}{
	{"acl", []string{"cat", "deluser", "dryrun", "genpass", "getuser", "help", "list", "load", "log", "save", "setuser", "users", "whoami"}},
	{"auth", nil},
	{"client", []string{"caching", "getname", "getredir", "help", "id", "info", "kill", "list", "no-evict", "pause", "reply", "setname", "tracking", "trackinginfo", "unblock", "unpause"}},
	{"command", []string{"count", "docs", "getkeys", "getkeysandflags", "help", "info", "list"}},
	{"hello", nil}, {"info", nil}, {"ping", nil}, {"psubscribe", nil}, {"publish", nil}, {"punsubscribe", nil},
	{"role", nil},
	{"sentinel", []string{"ckquorum", "config", "debug", "failover", "flushconfig", "get-master-addr-by-name", "help",
		"info-cache", "is-master-down-by-addr", "master", "masters", "monitor", "myid", "pending-scripts", "remove",
		"replicas", "reset", "sentinels", "set", "simulate-failure", "slaves"}},
	{"shutdown", nil}, {"subscribe", nil}, {"unsubscribe", nil},
}

// RESET: leave pub/sub mode and return to RESP2 defaults.
func resetCommand(c *client, _ []string, b []byte) []byte {
	for ch := range c.chans {
		c.s.ps.unsubscribe(c, ch, false)
	}
	for p := range c.pats {
		c.s.ps.unsubscribe(c, p, true)
	}
	c.chans, c.pats = map[string]bool{}, map[string]bool{}
	c.proto, c.name = 2, ""
	return resp.AppendSimple(b, "RESET")
}

// redisVersion is the Redis version keygrid sentinel speaks.
const redisVersion = "7.0.15"

// fullCommandName is Redis's fullname of the command args names: "name", or
// "name|sub" for a container command; "NULL" when there is no such command.
func fullCommandName(args []string) string {
	name := strings.ToLower(args[0])
	for _, cmd := range redisSentinelCommands {
		if cmd.name != name {
			continue
		}
		if len(cmd.subs) == 0 || len(args) < 2 {
			return name
		}
		sub := strings.ToLower(args[1])
		if slices.Contains(cmd.subs, sub) {
			return name + "|" + sub
		}
		return "NULL"
	}
	if _, ok := sentinelCommandTable[name]; ok {
		return name // RESET, QUIT: not in Redis Sentinel's table, but answered
	}
	return "NULL"
}

// info is c's CLIENT INFO line with Redis 7.0's fields (catClientInfoString). A
// sentinel client has no MULTI, no shard channels, no tracking and one reply
// buffer; the memory figures are what this connection holds. Called by c's own
// goroutine.
func (c *client) info(now time.Time) string {
	flags := "N"
	if c.subscribed() {
		flags = "P"
	}
	user := c.userName()
	if !c.authed {
		user = "default"
	}
	totMem := c.qbuf + c.qfree + c.argvMem + cap(c.out) + 16<<10
	return fmt.Sprintf("id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=0 sub=%d psub=%d ssub=0 multi=-1 "+
		"qbuf=%d qbuf-free=%d argv-mem=%d multi-mem=0 rbs=16384 rbp=%d obl=0 oll=0 omem=0 tot-mem=%d events=r cmd=%s user=%s redir=-1 resp=%d",
		c.id, c.nc.RemoteAddr(), c.nc.LocalAddr(), c.fd, c.name, int64(now.Sub(c.ctime).Seconds()), int64(now.Sub(c.lastSeen).Seconds()),
		flags, len(c.chans), len(c.pats), c.qbuf, c.qfree, c.argvMem, max(cap(c.out), 0), totMem, c.lastCmd, user, c.proto)
}

// connFD is the file descriptor of a TCP (or Unix) connection, for CLIENT INFO;
// -1 for other kinds (TLS shows the fd of the socket under it).
func connFD(nc net.Conn) int {
	if t, ok := nc.(interface{ NetConn() net.Conn }); ok {
		nc = t.NetConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return -1
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	rc.Control(func(f uintptr) { fd = int(f) })
	return fd
}
