package engine

// CLIENT and its subcommands (Redis's clientCommand in networking.c). CLIENT LIST
// lines keep Redis 7.0's field order and names exactly: monitoring tools and
// client libraries split them on spaces and '='.

import (
	"strconv"
	"strings"
)

var clientCommands = []*Command{
	{Name: "client", Arity: -2,
		Group: "connection", Since: "2.4.0", Complexity: "Depends on subcommand.",
		Summary: "A container for client connection commands",
		Subs: []*Command{
			{Name: "getname", Arity: 2, Flags: FlagNoScript | FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
				Group: "connection", Since: "2.6.9", Complexity: "O(1)",
				Summary: "Get the current connection name",
				Proc:    clientGetnameCommand},
			{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
				Group: "connection", Since: "5.0.0", Complexity: "O(1)",
				Summary: "Show helpful text about the different subcommands",
				Proc:    clientHelpCommand},
			{Name: "id", Arity: 2, Flags: FlagNoScript | FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
				Group: "connection", Since: "5.0.0", Complexity: "O(1)",
				Summary: "Returns the client ID for the current connection",
				Proc:    clientIDCommand},
			{Name: "info", Arity: 2, Flags: FlagNoScript | FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
				Group: "connection", Since: "6.2.0", Complexity: "O(1)",
				Summary: "Returns information about the current client connection.",
				Tips:    []string{"nondeterministic_output"},
				Proc:    clientInfoCommand},
			{Name: "kill", Arity: -3, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
				Group: "connection", Since: "2.4.0", Complexity: "O(N) where N is the number of client connections",
				Summary: "Kill the connection of a client",
				Doc: &CmdDoc{History: [][2]string{{"2.8.12", "Added new filter format."}, {"2.8.12", "`ID` option."}, {"3.2.0", "Added `master` type in for `TYPE` option."}, {"5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."}, {"6.2.0", "`LADDR` option."}}, Args: []Arg{
					{Name: "filter", Type: "oneof", Args: []Arg{
						{Name: "ip:port", Type: "string", DeprecatedSince: "2.8.12"},
						{Name: "new-format", Type: "oneof", Multiple: true, Args: []Arg{
							{Name: "client-id", Type: "integer", Token: "ID", Since: "2.8.12", Optional: true},
							{Name: "normal_master_slave_pubsub", Type: "oneof", Token: "TYPE", Since: "2.8.12", Optional: true, Args: []Arg{
								{Name: "normal", Type: "pure-token", Token: "NORMAL"},
								{Name: "master", Type: "pure-token", Token: "MASTER", Since: "3.2.0"},
								{Name: "slave", Type: "pure-token", Token: "SLAVE"},
								{Name: "replica", Type: "pure-token", Token: "REPLICA", Since: "5.0.0"},
								{Name: "pubsub", Type: "pure-token", Token: "PUBSUB"},
							}},
							{Name: "username", Type: "string", Token: "USER", Optional: true},
							{Name: "ip:port", Type: "string", Token: "ADDR", Optional: true},
							{Name: "ip:port", Type: "string", Token: "LADDR", Since: "6.2.0", Optional: true},
							{Name: "yes/no", Type: "string", Token: "SKIPME", Optional: true},
						}},
					}},
				}},
				Proc: clientKillCommand},
			{Name: "list", Arity: -2, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
				Group: "connection", Since: "2.4.0", Complexity: "O(N) where N is the number of client connections",
				Summary: "Get the list of client connections",
				Tips:    []string{"nondeterministic_output"},
				Doc: &CmdDoc{History: [][2]string{{"2.8.12", "Added unique client `id` field."}, {"5.0.0", "Added optional `TYPE` filter."}, {"6.0.0", "Added `user` field."}, {"6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."}, {"7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."}, {"7.0.3", "Added `ssub` field."}}, Args: []Arg{
					{Name: "normal_master_replica_pubsub", Type: "oneof", Token: "TYPE", Since: "5.0.0", Optional: true, Args: []Arg{
						{Name: "normal", Type: "pure-token", Token: "NORMAL"},
						{Name: "master", Type: "pure-token", Token: "MASTER"},
						{Name: "replica", Type: "pure-token", Token: "REPLICA"},
						{Name: "pubsub", Type: "pure-token", Token: "PUBSUB"},
					}},
					{Name: "id", Type: "block", Token: "ID", Since: "6.2.0", Optional: true, Args: []Arg{
						{Name: "client-id", Type: "integer", Multiple: true},
					}},
				}},
				Proc: clientListCommand},
			{Name: "no-evict", Arity: 3, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
				Group: "connection", Since: "7.0.0", Complexity: "O(1)",
				Summary: "Set client eviction mode for the current connection",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "enabled", Type: "oneof", Args: []Arg{
						{Name: "on", Type: "pure-token", Token: "ON"},
						{Name: "off", Type: "pure-token", Token: "OFF"},
					}},
				}},
				Proc: clientNoEvictCommand},
			{Name: "pause", Arity: -3, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
				Group: "connection", Since: "2.9.50", Complexity: "O(1)",
				Summary: "Stop processing commands from clients for some time",
				Doc: &CmdDoc{History: [][2]string{{"6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option."}}, Args: []Arg{
					{Name: "timeout", Type: "integer"},
					{Name: "mode", Type: "oneof", Since: "6.2.0", Optional: true, Args: []Arg{
						{Name: "write", Type: "pure-token", Token: "WRITE"},
						{Name: "all", Type: "pure-token", Token: "ALL"},
					}},
				}},
				Proc: clientPauseCommand},
			{Name: "reply", Arity: 3, Flags: FlagNoScript | FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
				Group: "connection", Since: "3.2.0", Complexity: "O(1)",
				Summary: "Instruct the server whether to reply to commands",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "on_off_skip", Type: "oneof", Args: []Arg{
						{Name: "on", Type: "pure-token", Token: "ON"},
						{Name: "off", Type: "pure-token", Token: "OFF"},
						{Name: "skip", Type: "pure-token", Token: "SKIP"},
					}},
				}},
				Proc: clientReplyCommand},
			{Name: "setname", Arity: 3, Flags: FlagNoScript | FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
				Group: "connection", Since: "2.6.9", Complexity: "O(1)",
				Summary: "Set the current connection name",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "connection-name", Type: "string"},
				}},
				Proc: clientSetnameCommand},
			clientUnblockSpec, // blocking.go
			// tracking.go
			clientCachingSpec, clientGetredirSpec, clientTrackingSpec, clientTrackinginfoSpec,
			{Name: "unpause", Arity: 2, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale | FlagSentinel, Cats: CatConnection,
				Group: "connection", Since: "6.2.0", Complexity: "O(N) Where N is the number of paused clients",
				Summary: "Resume processing of clients that were paused",
				Proc:    clientUnpauseCommand},
		},
	},
}

// clientExtra is what parts other than the core know about a client: filled in by
// the clientInfoHooks (pub/sub, transactions, tracking, replication) for CLIENT LIST,
// CLIENT KILL TYPE and INFO.
type clientExtra struct {
	Sub, PSub, SSub int   // channels, patterns and shard channels subscribed
	Multi           int   // commands queued in MULTI, -1 when not in MULTI
	MultiMem        int64 // bytes of the queued commands' arguments
	// WatchMem is what the client's watched keys cost (in tot-mem and for
	// maxmemory-clients, not in multi-mem: Redis's multiStateMemOverhead).
	WatchMem int64
	Redir    int64  // CLIENT TRACKING redirection id, -1 when none
	Flags    string // CLIENT LIST letters the part owns (S M P x b t R B d u r)
	// Type is "master" or "replica" for replication links, "" otherwise.
	Type string
}

func (s *Server) clientExtra(c *Client) clientExtra {
	x := clientExtra{Multi: -1, Redir: -1}
	for _, h := range s.clientInfoHooks {
		h(c, &x)
	}
	return x
}

// Client types, as CLIENT LIST TYPE and CLIENT KILL TYPE name them.
const (
	clientTypeNormal = iota
	clientTypeReplica
	clientTypePubSub
	clientTypeMaster
)

// clientTypeByName is Redis's getClientTypeByName; -1 for an unknown name.
func clientTypeByName(name string) int {
	switch strings.ToLower(name) {
	case "normal":
		return clientTypeNormal
	case "slave", "replica":
		return clientTypeReplica
	case "pubsub":
		return clientTypePubSub
	case "master":
		return clientTypeMaster
	}
	return -1
}

// clientType is Redis's getClientType: master, then replica (a MONITOR client is
// normal), then pub/sub.
func (s *Server) clientType(c *Client, x *clientExtra) int {
	switch {
	case x.Type == "master":
		return clientTypeMaster
	case x.Type == "replica" && c.flags&flagMonitor == 0:
		return clientTypeReplica
	case x.Sub+x.PSub+x.SSub > 0 || s.isPubSubClient(c):
		return clientTypePubSub
	}
	return clientTypeNormal
}

// CLIENT ID
func clientIDCommand(c *Client) { c.ReplyInt(c.id) }

// CLIENT GETNAME
func clientGetnameCommand(c *Client) {
	if c.name == "" {
		c.ReplyNull()
		return
	}
	c.ReplyBulkString(c.name)
}

// CLIENT SETNAME connection-name
func clientSetnameCommand(c *Client) {
	name := c.argv[2]
	if msg := validClientName(name); msg != "" {
		c.ReplyError(msg)
		return
	}
	c.name = string(name) // "" removes the name, as in Redis
	c.ReplyOK()
}

// CLIENT INFO
func clientInfoCommand(c *Client) {
	c.ReplyVerbatim(string(c.srv.appendClientInfo(nil, c)) + "\n")
}

// CLIENT LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]
func clientListCommand(c *Client) {
	s := c.srv
	argv := c.argv
	typ := -1
	var out []byte
	switch {
	case len(argv) == 4 && eqFold(argv[2], "type"):
		if typ = clientTypeByName(string(argv[3])); typ < 0 {
			c.ReplyError("ERR Unknown client type '" + string(argv[3]) + "'")
			return
		}
	case len(argv) > 3 && eqFold(argv[2], "id"):
		out = []byte{}
		for _, a := range argv[3:] {
			id, ok := parseInt(a)
			if !ok {
				c.ReplyError("ERR Invalid client ID")
				return
			}
			if cl := s.clients[id]; cl != nil {
				out = s.appendClientInfo(out, cl)
				out = append(out, '\n')
			}
		}
	case len(argv) != 2:
		c.ReplyError(ErrSyntax)
		return
	}
	if out == nil {
		for _, cl := range s.clientsByID() {
			if typ >= 0 {
				x := s.clientExtra(cl)
				if s.clientType(cl, &x) != typ {
					continue
				}
			}
			out = s.appendClientInfo(out, cl)
			out = append(out, '\n')
		}
	}
	c.ReplyVerbatim(string(out))
}

// clientsByID returns the connected clients in id order (connection order), the
// order Redis keeps its client list in.
func (s *Server) clientsByID() []*Client {
	list := make([]*Client, 0, len(s.clients))
	for _, cl := range s.clients {
		list = append(list, cl)
	}
	sortClients(list)
	return list
}

func sortClients(list []*Client) {
	// Insertion sort on mostly small lists; ids are unique.
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && list[j].id < list[j-1].id; j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

// replyChunk is the size Redis reports for a client's static reply buffer (rbs) and
// the unit of its reply list (PROTO_REPLY_CHUNK_BYTES).
const replyChunk = 16 * 1024

// appendClientInfo appends one CLIENT LIST line for cl (Redis's catClientInfoString),
// without the trailing newline.
func (s *Server) appendClientInfo(b []byte, cl *Client) []byte {
	x := s.clientExtra(cl)
	nowSec := s.nowMs / 1000
	argvMem := 0
	for _, a := range cl.argv {
		argvMem += len(a)
	}
	pending := len(cl.out) - cl.sent
	rbs := cl.replyBufSize()
	obl, oll, omem := min(pending, rbs), 0, cl.replyListBytes()
	if omem > 0 {
		oll = (omem + replyChunk - 1) / replyChunk
	}
	qbuf := len(cl.qbuf)
	switch {
	case cl.argv != nil && qbuf == 0:
		// The request being executed was parsed from the loop's shared read buffer;
		// Redis would still hold it in the client's query buffer.
		qbuf = multibulkLen(cl.argv)
	case cl.argv == nil && qbuf > 0:
		// A request that arrived in part: Redis has moved its complete arguments
		// to argv and holds only the rest in the query buffer.
		parsed, _, argBytes := cl.req.Partial()
		qbuf -= parsed
		argvMem = argBytes
	}
	totMem := int(s.clientMemUsage(cl)) // client_evict.go
	if replMem, blocks := s.replClientOutput(cl); blocks > 0 {
		// A replica's output is the shared replication buffer from its block on
		// (repl_buffer.go); oll counts those blocks, as Redis 7.0 does.
		oll += int(blocks)
		omem += int(replMem)
	}

	b = append(b, "id="...)
	b = strconv.AppendInt(b, cl.id, 10)
	b = append(b, " addr="...)
	b = append(b, cl.addr...)
	b = append(b, " laddr="...)
	b = append(b, cl.laddr...)
	b = append(b, " fd="...)
	b = strconv.AppendInt(b, int64(cl.fd), 10)
	b = append(b, " name="...)
	b = append(b, cl.name...)
	b = append(b, " age="...)
	b = strconv.AppendInt(b, nowSec-cl.ctime/1000, 10)
	b = append(b, " idle="...)
	b = strconv.AppendInt(b, nowSec-cl.lastSeen/1000, 10)
	b = append(b, " flags="...)
	b = s.appendClientFlags(b, cl, &x)
	b = append(b, " db="...)
	b = strconv.AppendInt(b, int64(cl.db.id), 10)
	b = append(b, " sub="...)
	b = strconv.AppendInt(b, int64(x.Sub), 10)
	b = append(b, " psub="...)
	b = strconv.AppendInt(b, int64(x.PSub), 10)
	b = append(b, " ssub="...)
	b = strconv.AppendInt(b, int64(x.SSub), 10)
	b = append(b, " multi="...)
	b = strconv.AppendInt(b, int64(x.Multi), 10)
	b = append(b, " qbuf="...)
	b = strconv.AppendInt(b, int64(qbuf), 10)
	b = append(b, " qbuf-free="...)
	b = strconv.AppendInt(b, int64(cap(cl.qbuf)-len(cl.qbuf)), 10)
	b = append(b, " argv-mem="...)
	b = strconv.AppendInt(b, int64(argvMem), 10)
	b = append(b, " multi-mem="...)
	b = strconv.AppendInt(b, x.MultiMem, 10)
	b = append(b, " rbs="...)
	b = strconv.AppendInt(b, int64(rbs), 10)
	b = append(b, " rbp="...)
	b = strconv.AppendInt(b, int64(cl.replyBufPeak()), 10)
	b = append(b, " obl="...)
	b = strconv.AppendInt(b, int64(obl), 10)
	b = append(b, " oll="...)
	b = strconv.AppendInt(b, int64(oll), 10)
	b = append(b, " omem="...)
	b = strconv.AppendInt(b, int64(omem), 10)
	b = append(b, " tot-mem="...)
	b = strconv.AppendInt(b, int64(totMem), 10)
	b = append(b, " events="...)
	if cl.fd >= 0 {
		b = append(b, 'r')
		if cl.flags&flagWriteHandler != 0 {
			b = append(b, 'w')
		}
	}
	b = append(b, " cmd="...)
	if cl.last != nil {
		b = append(b, cl.last.Name...)
	} else {
		b = append(b, "NULL"...)
	}
	b = append(b, " user="...)
	b = append(b, cl.user...)
	b = append(b, " redir="...)
	b = strconv.AppendInt(b, x.Redir, 10)
	b = append(b, " resp="...)
	b = strconv.AppendInt(b, int64(cl.proto), 10)
	return b
}

// appendClientFlags appends the CLIENT LIST flags letters in Redis's order; "N" when
// there are none.
func (s *Server) appendClientFlags(b []byte, cl *Client, x *clientExtra) []byte {
	start := len(b)
	if cl.flags&flagMonitor != 0 {
		b = append(b, 'O')
	}
	b = append(b, x.Flags...)
	if s.isBlockedClient(cl) && !strings.ContainsRune(x.Flags, 'b') {
		b = append(b, 'b')
	}
	if cl.flags&flagCloseAfterReply != 0 {
		b = append(b, 'c')
	}
	if cl.flags&flagCloseASAP != 0 {
		b = append(b, 'A')
	}
	if cl.flags&flagUnixSocket != 0 {
		b = append(b, 'U')
	}
	if cl.flags&flagNoEvict != 0 {
		b = append(b, 'e')
	}
	if len(b) == start {
		b = append(b, 'N')
	}
	return b
}

// CLIENT KILL ip:port
// CLIENT KILL [ID client-id] [TYPE NORMAL|MASTER|SLAVE|REPLICA|PUBSUB] [USER username]
// [ADDR ip:port] [LADDR ip:port] [SKIPME yes|no] ...
func clientKillCommand(c *Client) {
	s := c.srv
	argv := c.argv
	var addr, laddr, user string
	var haveAddr, haveLaddr, haveUser bool
	typ := -1
	var id int64
	skipme := true
	if len(argv) == 3 {
		// The old form CLIENT KILL addr; it can kill the calling client too.
		addr, haveAddr = string(argv[2]), true
		skipme = false
	} else {
		for i := 2; i < len(argv); i += 2 {
			if i+1 >= len(argv) {
				c.ReplyError(ErrSyntax)
				return
			}
			val := argv[i+1]
			switch opt := argv[i]; {
			case eqFold(opt, "id"):
				n, ok := parseInt(val)
				if !ok || n < 1 {
					c.ReplyError("ERR client-id should be greater than 0")
					return
				}
				id = n
			case eqFold(opt, "type"):
				if typ = clientTypeByName(string(val)); typ < 0 {
					c.ReplyError("ERR Unknown client type '" + string(val) + "'")
					return
				}
			case eqFold(opt, "addr"):
				addr, haveAddr = string(val), true
			case eqFold(opt, "laddr"):
				laddr, haveLaddr = string(val), true
			case eqFold(opt, "user"):
				user, haveUser = string(val), true
				if !s.aclUserExists(user) {
					c.ReplyError("ERR No such user '" + user + "'")
					return
				}
			case eqFold(opt, "skipme"):
				switch {
				case eqFold(val, "yes"):
					skipme = true
				case eqFold(val, "no"):
					skipme = false
				default:
					c.ReplyError(ErrSyntax)
					return
				}
			default:
				c.ReplyError(ErrSyntax)
				return
			}
		}
	}
	killed := 0
	closeSelf := false
	for _, cl := range s.clientsByID() {
		if haveAddr && cl.addr != addr || haveLaddr && cl.laddr != laddr ||
			id != 0 && cl.id != id || haveUser && cl.user != user || cl == c && skipme {
			continue
		}
		if typ >= 0 {
			x := s.clientExtra(cl)
			if s.clientType(cl, &x) != typ {
				continue
			}
		}
		if cl == c {
			closeSelf = true
		} else {
			s.freeClient(cl)
		}
		killed++
	}
	if len(argv) == 3 {
		if killed == 0 {
			c.ReplyError("ERR No such client")
		} else {
			c.ReplyOK()
		}
	} else {
		c.ReplyInt(int64(killed))
	}
	// Flag only after the reply is queued, so that it is sent before closing.
	if closeSelf {
		c.flags |= flagCloseAfterReply
	}
}

// multibulkLen is the size of argv encoded as a RESP request.
func multibulkLen(argv [][]byte) int {
	n := 3 + len(strconv.Itoa(len(argv)))
	for _, a := range argv {
		n += 3 + len(strconv.Itoa(len(a))) + len(a) + 2
	}
	return n
}

func (s *Server) aclUserExists(name string) bool {
	if s.userExists != nil {
		return s.userExists(name)
	}
	return name == "default"
}

// CLIENT PAUSE timeout [WRITE|ALL]
func clientPauseCommand(c *Client) {
	argv := c.argv
	if len(argv) > 4 {
		c.replySubcommandSyntaxError()
		return
	}
	writeOnly := false
	if len(argv) == 4 {
		switch {
		case eqFold(argv[3], "write"):
			writeOnly = true
		case eqFold(argv[3], "all"):
		default:
			c.ReplyError("ERR CLIENT PAUSE mode must be WRITE or ALL")
			return
		}
	}
	ms, ok := c.timeoutArg(argv[2])
	if !ok {
		return
	}
	c.srv.Pause(ms, writeOnly)
	c.ReplyOK()
}

// timeoutArg parses a millisecond timeout as Redis's getTimeoutFromObjectOrReply,
// replying its errors.
func (c *Client) timeoutArg(arg []byte) (int64, bool) {
	n, ok := parseInt(arg)
	if !ok {
		c.ReplyError("ERR timeout is not an integer or out of range")
		return 0, false
	}
	if n < 0 {
		c.ReplyError("ERR timeout is negative")
		return 0, false
	}
	if n > 1<<63-1-c.srv.nowMs {
		c.ReplyError("ERR timeout is out of range")
		return 0, false
	}
	return n, true
}

// CLIENT UNPAUSE
func clientUnpauseCommand(c *Client) {
	c.srv.Unpause()
	c.ReplyOK()
}

// CLIENT REPLY ON|OFF|SKIP
func clientReplyCommand(c *Client) {
	switch a := c.argv[2]; {
	case eqFold(a, "on"):
		c.flags &^= flagReplyOff | flagReplySkip | flagReplySkipNext
		c.ReplyOK()
	case eqFold(a, "off"):
		c.flags |= flagReplyOff
	case eqFold(a, "skip"):
		if c.flags&flagReplyOff == 0 {
			c.flags |= flagReplySkipNext
		}
	default:
		c.ReplyError(ErrSyntax)
	}
}

// CLIENT NO-EVICT ON|OFF
func clientNoEvictCommand(c *Client) {
	switch a := c.argv[2]; {
	case eqFold(a, "on"):
		c.flags |= flagNoEvict
		c.srv.unbucketClient(c) // client_evict.go
		c.ReplyOK()
	case eqFold(a, "off"):
		c.flags &^= flagNoEvict
		c.srv.updateClientMemAndBucket(c)
		c.ReplyOK()
	default:
		c.ReplyError(ErrSyntax)
	}
}

// CLIENT HELP
func clientHelpCommand(c *Client) {
	c.replyHelp([]string{
		"CACHING (YES|NO)",
		"    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
		"GETREDIR",
		"    Return the client ID we are redirecting to when tracking is enabled.",
		"GETNAME",
		"    Return the name of the current connection.",
		"ID",
		"    Return the ID of the current connection.",
		"INFO",
		"    Return information about the current client connection.",
		"KILL <ip:port>",
		"    Kill connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]",
		"    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made to specified local address",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Kill connections by type.",
		"    * USER <username>",
		"      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)",
		"      Skip killing current connection (default: yes).",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Return clients of specified type.",
		"UNPAUSE",
		"    Stop the current client pause, resuming traffic.",
		"PAUSE <timeout> [WRITE|ALL]",
		"    Suspend all, or just write, clients for <timeout> milliseconds.",
		"REPLY (ON|OFF|SKIP)",
		"    Control the replies sent to the current connection.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]",
		"    Unblock the specified blocked client.",
		"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
		"         [OPTIN] [OPTOUT] [NOLOOP]",
		"    Control server assisted client side caching.",
		"TRACKINGINFO",
		"    Report tracking status for the current connection.",
		"NO-EVICT (ON|OFF)",
		"    Protect current client connection from eviction.",
	})
}
