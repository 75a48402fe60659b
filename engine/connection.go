package engine

// Connection commands: PING, ECHO, SELECT, HELLO, AUTH, QUIT, RESET.

import (
	"crypto/sha256"
	"crypto/subtle"
	"strconv"
)

var connectionCommands = []*Command{
	{Name: "ping", Arity: -1, Flags: FlagFast | FlagSentinel, Cats: CatConnection,
		Group: "connection", Since: "1.0.0", Complexity: "O(1)", Summary: "Ping the server",
		Tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"},
		Doc:  &CmdDoc{Args: []Arg{{Name: "message", Type: "string", Optional: true}}}, Proc: pingCommand},
	{Name: "echo", Arity: 2, Flags: FlagLoading | FlagStale | FlagFast, Cats: CatConnection,
		Group: "connection", Since: "1.0.0", Complexity: "O(1)", Summary: "Echo the given string",
		Doc: &CmdDoc{Args: []Arg{{Name: "message", Type: "string"}}}, Proc: echoCommand},
	{Name: "select", Arity: 2, Flags: FlagLoading | FlagStale | FlagFast, Cats: CatConnection,
		Group: "connection", Since: "1.0.0", Complexity: "O(1)", Summary: "Change the selected database for the current connection",
		Doc: &CmdDoc{Args: []Arg{{Name: "index", Type: "integer"}}}, Proc: selectCommand},
	{Name: "hello", Arity: -1, Flags: FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagNoAuth | FlagSentinel | FlagAllowBusy, Cats: CatConnection,
		Group: "connection", Since: "6.0.0", Complexity: "O(1)", Summary: "Handshake with Redis",
		Doc: &CmdDoc{History: [][2]string{{"6.2.0", "`protover` made optional; when called without arguments the command reports the current connection's context."}}, Args: []Arg{
			{Name: "arguments", Type: "block", Optional: true, Args: []Arg{
				{Name: "protover", Type: "integer"},
				{Name: "username_password", Type: "block", Token: "AUTH", Optional: true, Args: []Arg{
					{Name: "username", Type: "string"},
					{Name: "password", Type: "string"},
				}},
				{Name: "clientname", Type: "string", Token: "SETNAME", Optional: true},
			}},
		}},
		Proc: helloCommand},
	{Name: "auth", Arity: -2, Flags: FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagNoAuth | FlagSentinel | FlagAllowBusy, Cats: CatConnection,
		Group: "connection", Since: "1.0.0", Complexity: "O(N) where N is the number of passwords defined for the user", Summary: "Authenticate to the server",
		Doc: &CmdDoc{History: [][2]string{{"6.0.0", "Added ACL style (username and password)."}}, Args: []Arg{
			{Name: "username", Type: "string", Since: "6.0.0", Optional: true},
			{Name: "password", Type: "string"},
		}},
		Proc: authCommand},
	{Name: "quit", Arity: -1, Flags: FlagAllowBusy | FlagNoAuth | FlagLoading | FlagStale | FlagFast | FlagNoScript, Cats: CatConnection,
		Group: "connection", Since: "1.0.0", Complexity: "O(1)", Summary: "Close the connection", Proc: quitCommand},
	{Name: "reset", Arity: 1, Flags: FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagNoAuth | FlagAllowBusy, Cats: CatConnection,
		Group: "connection", Since: "6.2.0", Complexity: "O(1)", Summary: "Reset the connection", Proc: resetCommand},
}

// PING [message]
func pingCommand(c *Client) {
	if len(c.argv) > 2 {
		c.ReplyArityError()
		return
	}
	if c.srv.isPubSubClient(c) && c.proto == 2 {
		// RESP2 subscribers get ["pong", message] (Redis's pubsub-mode PING).
		c.ReplyArray(2)
		c.ReplyBulkString("pong")
		if len(c.argv) == 2 {
			c.ReplyBulk(c.argv[1])
		} else {
			c.ReplyBulkString("")
		}
		return
	}
	if len(c.argv) == 2 {
		c.ReplyBulk(c.argv[1])
		return
	}
	c.out = append(c.out, "+PONG\r\n"...)
}

// ECHO message
func echoCommand(c *Client) { c.ReplyBulk(c.argv[1]) }

// SELECT index
func selectCommand(c *Client) {
	n, ok := parseInt(c.argv[1])
	if !ok {
		c.ReplyError("ERR value is not an integer or out of range")
		return
	}
	if n < -(1<<31) || n > 1<<31-1 {
		c.ReplyError("ERR value is out of range, value must between -2147483648 and 2147483647")
		return
	}
	if c.srv.cfg.ClusterEnabled && n != 0 {
		c.ReplyError("ERR SELECT is not allowed in cluster mode")
		return
	}
	if n < 0 || int(n) >= len(c.srv.dbs) {
		c.ReplyError(ErrDBIndex)
		return
	}
	c.db = c.srv.dbs[n]
	c.ReplyOK()
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
func helloCommand(c *Client) {
	argv := c.argv
	ver := int64(0)
	next := 1
	if len(argv) >= 2 {
		v, ok := parseInt(argv[1])
		if !ok {
			c.ReplyError("ERR Protocol version is not an integer or out of range")
			return
		}
		next = 2
		if v < 2 || v > 3 {
			c.ReplyError("NOPROTO unsupported protocol version")
			return
		}
		ver = v
	}
	var user, pass, name []byte
	haveName := false
	for i := next; i < len(argv); i++ {
		more := len(argv) - i - 1
		switch {
		case eqFold(argv[i], "auth") && more >= 2:
			c.redactArg(i + 1)
			c.redactArg(i + 2)
			user, pass = argv[i+1], argv[i+2]
			i += 2
		case eqFold(argv[i], "setname") && more >= 1:
			name = argv[i+1]
			haveName = true
			i++
		default:
			c.ReplyError("ERR Syntax error in HELLO option '" + sanitize(string(argv[i])) + "'")
			return
		}
	}
	if user != nil {
		if !c.srv.checkPassword(c, string(user), string(pass)) {
			return
		}
	}
	if c.flags&flagAuthenticated == 0 && c.srv.authRequired(c) {
		c.ReplyError("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if haveName {
		if msg := validClientName(name); msg != "" {
			c.ReplyError(msg)
			return
		}
		c.name = string(name)
	}
	if ver != 0 {
		c.proto = int(ver)
	}
	c.ReplyMap(7)
	c.ReplyBulkString("server")
	c.ReplyBulkString("redis")
	c.ReplyBulkString("version")
	c.ReplyBulkString(Version)
	c.ReplyBulkString("proto")
	c.ReplyInt(int64(c.proto))
	c.ReplyBulkString("id")
	c.ReplyInt(c.id)
	c.ReplyBulkString("mode")
	if c.srv.cfg.ClusterEnabled {
		c.ReplyBulkString("cluster")
	} else {
		c.ReplyBulkString("standalone")
	}
	c.ReplyBulkString("role")
	c.ReplyBulkString(c.srv.roleName())
	c.ReplyBulkString("modules")
	c.ReplyArray(0)
}

// validClientName checks a name for CLIENT SETNAME / HELLO SETNAME: no spaces,
// newlines or other special characters (Redis's validateClientName).
func validClientName(name []byte) string {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			return "ERR Client names cannot contain spaces, newlines or special characters."
		}
	}
	return ""
}

// AUTH [username] password
func authCommand(c *Client) {
	argv := c.argv
	if len(argv) > 3 {
		c.ReplyError(ErrSyntax)
		return
	}
	// Passwords never reach SLOWLOG or MONITOR (Redis redacts both AUTH forms).
	c.redactArg(1)
	user, pass := "default", string(argv[1])
	if len(argv) == 3 {
		c.redactArg(2)
		user, pass = string(argv[1]), string(argv[2])
	} else if c.srv.aclDefaultNoPass() {
		c.ReplyError("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
		return
	}
	if c.srv.checkPassword(c, user, pass) {
		c.ReplyOK()
	}
}

// checkPassword authenticates c as user, replying WRONGPASS on failure.
func (s *Server) checkPassword(c *Client, user, pass string) bool {
	if s.authenticator != nil {
		if s.authenticator(c, user, pass) {
			c.user = user
			c.flags |= flagAuthenticated
			return true
		}
	} else if user == "default" {
		want := s.cfg.RequirePass
		// Compare digests so the time taken does not depend on the password.
		a, b := sha256.Sum256([]byte(want)), sha256.Sum256([]byte(pass))
		if want == "" || subtle.ConstantTimeCompare(a[:], b[:]) == 1 {
			c.user = user
			c.flags |= flagAuthenticated
			return true
		}
	}
	c.ReplyError("WRONGPASS invalid username-password pair or user is disabled.")
	return false
}

// authRequired reports whether c must authenticate before running commands.
func (s *Server) authRequired(c *Client) bool {
	if c.flags&flagAuthenticated != 0 {
		return false
	}
	if s.authNeeded != nil {
		return s.authNeeded(c)
	}
	return s.cfg.RequirePass != ""
}

// QUIT
func quitCommand(c *Client) {
	c.ReplyOK()
	c.flags |= flagCloseAfterReply
}

// RESET
func resetCommand(c *Client) {
	s := c.srv
	for _, h := range s.onClientReset {
		h(c)
	}
	c.db = s.dbs[0]
	c.proto = 2
	c.name = ""
	c.flags &^= flagReplyOff | flagReplySkip | flagReplySkipNext | flagNoEvict
	if c.flags&flagMonitor != 0 {
		s.removeMonitor(c)
	}
	if s.authRequired(c) || c.user != "default" {
		c.flags &^= flagAuthenticated
		c.user = "default"
		if !s.authRequired(c) {
			c.flags |= flagAuthenticated
		}
	}
	c.ReplySimple("RESET")
}

func (s *Server) roleName() string {
	if s.roleFn != nil {
		return s.roleFn()
	}
	return "master"
}

const protectedModeError = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"

func itoaInt(n int) string { return strconv.Itoa(n) }
