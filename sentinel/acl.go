// ACL in sentinel mode, as Redis 7.0 Sentinel: users from `user` lines and
// requirepass (the default user's password), ACL SETUSER / GETUSER / DELUSER /
// LIST / USERS / WHOAMI / CAT / LOG / GENPASS / DRYRUN / HELP, AUTH and HELLO
// AUTH with users, and command permissions over Redis Sentinel's command table.
// The rules are the engine's (engine.ACLUsers). Runtime changes are kept in the
// data dir's state file (localstate.go), so they survive a restart with a
// read-only config file.

package sentinel

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/keygrid/keygrid/engine"
	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/resp"
)

// newSentinelACL builds the user set over the sentinel's commands.
func newSentinelACL() *engine.ACLUsers {
	keep := map[string][]string{}
	for _, c := range redisSentinelCommands {
		if c.name != "sentinel" {
			keep[c.name] = c.subs
		}
	}
	sentinelCmd := &engine.Command{Name: "sentinel", Arity: -2,
		Flags: engine.FlagAdmin | engine.FlagSentinel | engine.FlagOnlySentinel}
	for _, c := range redisSentinelCommands {
		if c.name == "sentinel" {
			for _, sub := range c.subs {
				sentinelCmd.Subs = append(sentinelCmd.Subs, &engine.Command{Name: sub, Arity: -2,
					Flags: engine.FlagAdmin | engine.FlagSentinel | engine.FlagOnlySentinel})
			}
		}
	}
	return engine.NewACLUsers(keep, []*engine.Command{sentinelCmd})
}

// initACL loads the config file's users and requirepass, then the users saved
// by ACL changes at run time. Before Start.
func (s *Sentinel) initACL() error {
	s.acl = newSentinelACL()
	if err := s.acl.LoadUsers(s.cfg.Users); err != nil {
		return err
	}
	if s.cfg.RequirePass != "" {
		// requirepass is the default user's password (Redis's
		// ACLUpdateDefaultUserPassword).
		if err := s.acl.SetUser("default", []string{"resetpass", ">" + s.cfg.RequirePass}); err != nil {
			return err
		}
	}
	if s.local.ACL != nil {
		var lines [][]string
		for _, l := range s.local.ACL {
			argv, err := config.SplitArgs(l)
			if err != nil || len(argv) < 2 || argv[0] != "user" {
				continue
			}
			lines = append(lines, argv[1:])
		}
		if err := s.acl.LoadUsers(lines); err != nil {
			return fmt.Errorf("Bad ACL users in %s: %v", s.statePath(), err)
		}
	}
	return nil
}

// saveACL records the users after an ACL change.
func (s *Sentinel) saveACL() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.local.ACL = s.acl.List()
	if err := s.saveLocalStateLocked(); err != nil {
		s.log.Warn("cannot save the sentinel state: " + err.Error())
	}
}

// authRequired is Redis's authRequired(): the client has not authenticated and
// the default user is not "on nopass".
func (c *client) authRequired() bool {
	return !c.authed && !c.s.acl.NoPassDefault()
}

// checkAuth checks [username] password and returns the error to reply, or "".
func (c *client) checkAuth(cred []string) string {
	user := "default"
	if len(cred) == 2 {
		user = cred[0]
	} else if c.s.acl.NoPassDefault() {
		return "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	}
	if !c.s.acl.Authenticate(user, cred[len(cred)-1]) {
		return "WRONGPASS invalid username-password pair or user is disabled."
	}
	c.authed, c.user = true, user
	return ""
}

// userName is the client's user.
func (c *client) userName() string {
	if c.user == "" {
		return "default"
	}
	return c.user
}

// aclPermitted checks the command against the client's user; the error to
// reply, or "".
func (c *client) aclPermitted(args []string) string {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	if c.s.acl.Allowed(c.userName(), argv) {
		return ""
	}
	name := strings.ToLower(args[0])
	if len(args) > 1 {
		for _, cmd := range redisSentinelCommands {
			if cmd.name == name && len(cmd.subs) > 0 {
				name += "|" + strings.ToLower(args[1])
			}
		}
	}
	return fmt.Sprintf("NOPERM this user has no permissions to run the '%s' command", name)
}

const aclNoFile = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration."

// ACL <subcommand> ...
func aclCommand(c *client, args []string, b []byte) []byte {
	s := c.s
	sub := strings.ToLower(args[1])
	badArity := func() []byte {
		return resp.AppendError(b, subcommandError("acl", args[1]))
	}
	switch sub {
	case "setuser":
		if len(args) < 3 {
			return badArity()
		}
		if err := s.acl.SetUser(args[2], args[3:]); err != nil {
			return resp.AppendError(b, "ERR "+err.Error())
		}
		s.saveACL()
		return resp.AppendOK(b)
	case "deluser":
		if len(args) < 3 {
			return badArity()
		}
		n, err := s.acl.DelUser(args[2:])
		if err != nil {
			return resp.AppendError(b, "ERR "+err.Error())
		}
		if n > 0 {
			for _, name := range args[2:] {
				s.killClients(c, func(o *client) bool { return o.userName() == name })
			}
			s.saveACL()
		}
		return resp.AppendInt(b, int64(n))
	case "getuser":
		if len(args) != 3 {
			return badArity()
		}
		u, ok := s.acl.GetUser(args[2])
		if !ok {
			return resp.AppendNull(b, c.proto)
		}
		b = resp.AppendMap(b, 6, c.proto)
		b = resp.AppendBulkString(b, "flags")
		b = resp.AppendArray(b, len(u.Flags))
		for _, f := range u.Flags {
			b = resp.AppendBulkString(b, f)
		}
		b = resp.AppendBulkString(b, "passwords")
		b = resp.AppendArray(b, len(u.Passwords))
		for _, p := range u.Passwords {
			b = resp.AppendBulkString(b, p)
		}
		for _, kv := range [][2]string{{"commands", u.Commands}, {"keys", u.Keys}, {"channels", u.Channels}} {
			b = resp.AppendBulkString(b, kv[0])
			b = resp.AppendBulkString(b, kv[1])
		}
		b = resp.AppendBulkString(b, "selectors")
		b = resp.AppendArray(b, len(u.Selectors))
		for _, sel := range u.Selectors {
			b = resp.AppendMap(b, 3, c.proto)
			for i, k := range []string{"commands", "keys", "channels"} {
				b = resp.AppendBulkString(b, k)
				b = resp.AppendBulkString(b, sel[i])
			}
		}
		return b
	case "list", "users":
		if len(args) != 2 {
			return badArity()
		}
		l := s.acl.List()
		if sub == "users" {
			l = s.acl.Users()
		}
		b = resp.AppendArray(b, len(l))
		for _, x := range l {
			b = resp.AppendBulkString(b, x)
		}
		return b
	case "whoami":
		if len(args) != 2 {
			return badArity()
		}
		return resp.AppendBulkString(b, c.userName())
	case "cat":
		if len(args) > 3 {
			return badArity()
		}
		cat := ""
		if len(args) == 3 {
			cat = args[2]
		}
		l, ok := s.acl.Cat(cat)
		if !ok {
			return resp.AppendError(b, "ERR Unknown category '"+cat+"'")
		}
		b = resp.AppendArray(b, len(l))
		for _, x := range l {
			b = resp.AppendBulkString(b, x)
		}
		return b
	case "log":
		// Denials are not logged by the sentinel: the log is always empty.
		if len(args) == 3 && strings.EqualFold(args[2], "reset") {
			return resp.AppendOK(b)
		}
		if len(args) == 3 {
			if n, err := strconv.ParseInt(args[2], 10, 64); err != nil || n < 0 {
				return resp.AppendError(b, "ERR value is out of range, must be positive")
			}
		}
		if len(args) > 3 {
			return badArity()
		}
		return resp.AppendArray(b, 0)
	case "save", "load":
		if len(args) != 2 {
			return badArity()
		}
		return resp.AppendError(b, aclNoFile)
	case "genpass":
		bits := 256
		if len(args) == 3 {
			n, err := strconv.Atoi(args[2])
			if err != nil || n <= 0 || n > 4096 {
				return resp.AppendError(b, "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096")
			}
			bits = n
		} else if len(args) > 3 {
			return badArity()
		}
		buf := make([]byte, (bits+7)/8)
		rand.Read(buf)
		return resp.AppendBulkString(b, hex.EncodeToString(buf)[:(bits+3)/4])
	case "dryrun":
		if len(args) < 4 {
			return badArity()
		}
		if !s.acl.Exists(args[2]) {
			return resp.AppendError(b, "ERR User '"+args[2]+"' not found")
		}
		if _, ok := sentinelCommandTable[strings.ToLower(args[3])]; !ok {
			return resp.AppendError(b, "ERR Command '"+args[3]+"' not found")
		}
		argv := make([][]byte, len(args)-3)
		for i, a := range args[3:] {
			argv[i] = []byte(a)
		}
		if s.acl.Allowed(args[2], argv) {
			return resp.AppendOK(b)
		}
		return resp.AppendBulkString(b, fmt.Sprintf("This user has no permissions to run the '%s' command", strings.ToLower(args[3])))
	case "help":
		lines := []string{
			"ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
			"CAT [<category>]",
			"    List all commands that belong to <category>, or all command categories",
			"    when no category is specified.",
			"DELUSER <username> [<username> ...]",
			"    Delete a list of users.",
			"DRYRUN <username> <command> [<arg> ...]",
			"    Returns whether the user can execute the given command without executing the command.",
			"GETUSER <username>",
			"    Get the user's details.",
			"GENPASS [<bits>]",
			"    Generate a secure 256-bit user password. The optional `bits` argument can",
			"    be used to specify a different size.",
			"LIST",
			"    Show users details in config file format.",
			"LOAD",
			"    Reload users from the ACL file.",
			"LOG [<count> | RESET]",
			"    Show the ACL log entries.",
			"SAVE",
			"    Save the current config to the ACL file.",
			"SETUSER <username> <attribute> [<attribute> ...]",
			"    Create or modify a user with the specified attributes.",
			"USERS",
			"    List all the registered usernames.",
			"WHOAMI",
			"    Return the current connection username.",
			"HELP",
			"    Prints this help.",
		}
		b = resp.AppendArray(b, len(lines))
		for _, l := range lines {
			b = resp.AppendSimple(b, l)
		}
		return b
	}
	return badArity()
}
