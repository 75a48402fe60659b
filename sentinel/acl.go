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
	"sync"
	"time"

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

// checkAuth checks [username] password for the command cmd (AUTH or HELLO, as
// typed) and returns the error to reply, or "". A wrong pair is logged in ACL LOG
// as Redis's ACLAuthenticateUser does.
func (c *client) checkAuth(cmd string, cred []string) string {
	user := "default"
	if len(cred) == 2 {
		user = cred[0]
	} else if c.s.acl.NoPassDefault() {
		return "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	}
	if !c.s.acl.Authenticate(user, cred[len(cred)-1]) {
		c.s.aclLogAdd(c, "auth", cmd, user)
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

// aclPermitted checks the command against the client's user; the NOPERM error
// to reply, or "". A denial is logged in ACL LOG, as Redis's processCommand does.
func (c *client) aclPermitted(args []string) string {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	user := c.userName()
	d, ok := c.s.acl.Check(user, argv)
	if ok {
		return ""
	}
	c.s.aclLogAdd(c, d.Reason, d.Object, user)
	return d.Err
}

// aclLogGroup is how close in time two like denials must be to share an entry
// (Redis's ACL_LOG_GROUPING_MAX_TIME_DELTA).
const aclLogGroup = 60 * time.Second

// aclLogEntry is one ACL LOG entry (Redis's ACLLogEntry).
type aclLogEntry struct {
	count    int64
	reason   string // "auth", "command", "key" or "channel"
	object   string
	username string
	ctime    time.Time // the last denial folded into the entry
	cinfo    string    // CLIENT INFO of the last denied client
}

// aclLog is the sentinel's ACL LOG, newest first. The context is always
// "toplevel": a sentinel has no MULTI, scripts or modules.
type aclLog struct {
	mu      sync.Mutex
	entries []*aclLogEntry
}

// aclLogAdd records a denial of c, folded into a like entry among the ten newest
// when it is less than a minute apart (the entry then moves to the head), as
// Redis's addACLLogEntry.
func (s *Sentinel) aclLogAdd(c *client, reason, object, username string) {
	now := time.Now()
	cinfo := c.info(now)
	l := &s.acllog
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := 0; i < len(l.entries) && i < 10; i++ {
		e := l.entries[i]
		d := now.Sub(e.ctime)
		if d < 0 {
			d = -d
		}
		if e.reason == reason && e.object == object && e.username == username && d <= aclLogGroup {
			e.count++
			e.ctime, e.cinfo = now, cinfo
			copy(l.entries[1:i+1], l.entries[:i])
			l.entries[0] = e
			return
		}
	}
	l.entries = append(l.entries, nil)
	copy(l.entries[1:], l.entries)
	l.entries[0] = &aclLogEntry{count: 1, reason: reason, object: object, username: username, ctime: now, cinfo: cinfo}
	if max := s.cfg.ACLLogMaxLen; len(l.entries) > max {
		clear(l.entries[max:])
		l.entries = l.entries[:max]
	}
}

// ACL LOG [<count> | RESET]
func aclLogCommand(c *client, args []string, b []byte) []byte {
	l := &c.s.acllog
	count := int64(10)
	if len(args) == 3 {
		if strings.EqualFold(args[2], "reset") {
			l.mu.Lock()
			l.entries = nil
			l.mu.Unlock()
			return resp.AppendOK(b)
		}
		n, err := strconv.ParseInt(args[2], 10, 64)
		if err != nil {
			return resp.AppendError(b, "ERR value is not an integer or out of range")
		}
		count = max(n, 0)
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	count = min(count, int64(len(l.entries)))
	b = resp.AppendArray(b, int(count))
	for _, e := range l.entries[:count] {
		b = resp.AppendMap(b, 7, c.proto)
		b = resp.AppendBulkString(b, "count")
		b = resp.AppendInt(b, e.count)
		b = resp.AppendBulkString(b, "reason")
		b = resp.AppendBulkString(b, e.reason)
		b = resp.AppendBulkString(b, "context")
		b = resp.AppendBulkString(b, "toplevel")
		b = resp.AppendBulkString(b, "object")
		b = resp.AppendBulkString(b, e.object)
		b = resp.AppendBulkString(b, "username")
		b = resp.AppendBulkString(b, e.username)
		b = resp.AppendBulkString(b, "age-seconds")
		b = resp.AppendDouble(b, float64(now.Sub(e.ctime).Milliseconds())/1000, c.proto)
		b = resp.AppendBulkString(b, "client-info")
		b = resp.AppendBulkString(b, e.cinfo)
	}
	return b
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
		if len(args) > 3 {
			// ACL LOG's arity is -2: more arguments reach the subcommand's own
			// syntax error.
			return resp.AppendError(b, "ERR unknown subcommand or wrong number of arguments for '"+args[1]+"'. Try ACL HELP.")
		}
		return aclLogCommand(c, args, b)
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
		lines := engine.ACLHelp()
		b = resp.AppendArray(b, len(lines))
		for _, l := range lines {
			b = resp.AppendSimple(b, l)
		}
		return b
	}
	return badArity()
}
