package engine

// ACL: the ACL command family, authentication against ACL users, the permission
// check of every command, the ACL log, and the users' persistence (the "user"
// directive, the aclfile, CONFIG REWRITE), as Redis 7.0's acl.c. The user model and
// the rule language are in acl_rules.go.
//
// Clients point at their user (Client.aclUser); a user that may run everything on
// every key and channel is not "restricted", and for its clients the dispatcher
// checks one boolean and nothing else. Internal clients with no user (nil) are never
// checked, as Redis's clients with a NULL user.

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

var aclSubFlags = FlagNoScript | FlagLoading | FlagStale | FlagSentinel

var aclCommands = []*Command{
	{Name: "acl", Arity: -2, Flags: FlagSentinel,
		Group: "server", Since: "6.0.0", Complexity: "Depends on subcommand.",
		Summary: "A container for Access List Control commands ",
		Subs: []*Command{
			{Name: "cat", Arity: -2, Flags: aclSubFlags,
				Group: "server", Since: "6.0.0", Complexity: "O(1) since the categories and commands are a fixed set.",
				Summary: "List the ACL categories or the commands inside a category",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "categoryname", Type: "string", Optional: true},
				}},
				Proc: aclCatCommand},
			{Name: "deluser", Arity: -3, Flags: FlagAdmin | aclSubFlags,
				Group: "server", Since: "6.0.0", Complexity: "O(1) amortized time considering the typical user.",
				Summary: "Remove the specified ACL users and the associated rules",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "username", Type: "string", Multiple: true},
				}},
				Proc: aclDeluserCommand},
			{Name: "dryrun", Arity: -4, Flags: FlagAdmin | aclSubFlags,
				Group: "server", Since: "7.0.0", Complexity: "O(1).",
				Summary: "Returns whether the user can execute the given command without executing the command.",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "username", Type: "string"},
					{Name: "command", Type: "string"},
					{Name: "arg", Type: "string", Optional: true, Multiple: true},
				}},
				Proc: aclDryrunCommand},
			{Name: "genpass", Arity: -2, Flags: aclSubFlags,
				Group: "server", Since: "6.0.0", Complexity: "O(1)",
				Summary: "Generate a pseudorandom secure password to use for ACL users",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "bits", Type: "integer", Optional: true},
				}},
				Proc: aclGenpassCommand},
			{Name: "getuser", Arity: 3, Flags: FlagAdmin | aclSubFlags,
				Group: "server", Since: "6.0.0", Complexity: "O(N). Where N is the number of password, command and pattern rules that the user has.",
				Summary: "Get the rules for a specific ACL user",
				Doc: &CmdDoc{History: [][2]string{
					{"6.2.0", "Added Pub/Sub channel patterns."},
					{"7.0.0", "Added selectors and changed the format of key and channel patterns from a list to their rule representation."},
				}, Args: []Arg{
					{Name: "username", Type: "string"},
				}},
				Proc: aclGetuserCommand},
			{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale | FlagSentinel,
				Group: "server", Since: "6.0.0", Complexity: "O(1)",
				Summary: "Show helpful text about the different subcommands",
				Proc:    aclHelpCommand},
			{Name: "list", Arity: 2, Flags: FlagAdmin | aclSubFlags,
				Group: "server", Since: "6.0.0", Complexity: "O(N). Where N is the number of configured users.",
				Summary: "List the current ACL rules in ACL config file format",
				Proc:    aclListCommand},
			{Name: "load", Arity: 2, Flags: FlagAdmin | aclSubFlags,
				Group: "server", Since: "6.0.0", Complexity: "O(N). Where N is the number of configured users.",
				Summary: "Reload the ACLs from the configured ACL file",
				Proc:    aclLoadCommand},
			{Name: "log", Arity: -2, Flags: FlagAdmin | aclSubFlags,
				Group: "server", Since: "6.0.0", Complexity: "O(N) with N being the number of entries shown.",
				Summary: "List latest events denied because of ACLs in place",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "operation", Type: "oneof", Optional: true, Args: []Arg{
						{Name: "count", Type: "integer"},
						{Name: "reset", Type: "pure-token", Token: "RESET"},
					}},
				}},
				Proc: aclLogCommand},
			{Name: "save", Arity: 2, Flags: FlagAdmin | aclSubFlags,
				Group: "server", Since: "6.0.0", Complexity: "O(N). Where N is the number of configured users.",
				Summary: "Save the current ACL rules in the configured ACL file",
				Proc:    aclSaveCommand},
			{Name: "setuser", Arity: -3, Flags: FlagAdmin | aclSubFlags,
				Group: "server", Since: "6.0.0", Complexity: "O(N). Where N is the number of rules provided.",
				Summary: "Modify or create the rules for a specific ACL user",
				Doc: &CmdDoc{History: [][2]string{
					{"6.2.0", "Added Pub/Sub channel patterns."},
					{"7.0.0", "Added selectors and key based permissions."},
				}, Args: []Arg{
					{Name: "username", Type: "string"},
					{Name: "rule", Type: "string", Optional: true, Multiple: true},
				}},
				Proc: aclSetuserCommand},
			{Name: "users", Arity: 2, Flags: FlagAdmin | aclSubFlags,
				Group: "server", Since: "6.0.0", Complexity: "O(N). Where N is the number of configured users.",
				Summary: "List the username of all the configured ACL rules",
				Proc:    aclUsersCommand},
			{Name: "whoami", Arity: 2, Flags: aclSubFlags,
				Group: "server", Since: "6.0.0", Complexity: "O(1)",
				Summary: "Return the name of the user associated to the current connection",
				Proc:    aclWhoamiCommand},
		},
	},
}

// ACL log contexts.
const (
	aclCtxToplevel = iota
	aclCtxMulti
	aclCtxLua
	aclCtxModule
)

// aclLogGroupMs is how close in time two denials must be to count as one entry.
const aclLogGroupMs = 60000

type aclLogEntry struct {
	count    int64
	reason   int
	context  int
	object   string
	username string
	ctime    int64 // unix ms of the last update
	cinfo    string
}

// aclState is the server's ACL: users by name and the log.
type aclState struct {
	rules aclRules
	users map[string]*aclUser
	def   *aclUser // the "default" user: never replaced, only changed in place
	log   []*aclLogEntry
	// subscriptions, set from the pub/sub part (acl_hooks.go), lists what a client is
	// subscribed to, so that ACL SETUSER can disconnect the clients whose channels
	// were revoked (Redis's ACLKillPubsubClientsIfNeeded). Without it every pub/sub
	// client of a user whose channel rules shrank is disconnected.
	subscriptions func(c *Client) (channels, patterns [][]byte)
}

// initACL creates the default user and loads the users of the configuration:
// requirepass first, then the "user" lines or the ACL file, as Redis does at
// startup. An error here stops the server from starting, as in Redis.
func (s *Server) initACL() error {
	a := &aclState{users: make(map[string]*aclUser)}
	a.rules = aclRules{cmds: s.commands, pubsubDefault: func() aclSelFlag {
		if s.cfg.ACLPubsubDefault == "allchannels" {
			return selAllChannels
		}
		return 0
	}, warn: func(msg string) { s.log.Warn(msg) }}
	s.acl = a
	a.def = a.rules.newDefaultUser("default")
	a.users["default"] = a.def
	s.aclSetRequirePass()

	if s.cfg.ACLFile != "" && len(s.cfg.Users) > 0 {
		return fmt.Errorf("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.")
	}
	if err := s.aclLoadConfigUsers(); err != nil {
		return err
	}
	if s.cfg.ACLFile != "" {
		if errs := s.aclLoadFile(s.cfg.ACLFile); errs != "" {
			return fmt.Errorf("Aborting Redis startup because of ACL errors: %s", errs)
		}
	}

	s.authenticator = s.aclAuthenticate
	s.authNeeded = func(c *Client) bool {
		return s.acl.def.flags&userNoPass == 0 || s.acl.def.flags&userDisabled != 0
	}
	s.userExists = func(name string) bool { return s.acl.users[name] != nil }
	s.onClientReset = append(s.onClientReset, func(c *Client) {
		if c.aclUser != nil {
			c.aclUser = s.acl.def
		}
	})
	s.configApplyHooks = append(s.configApplyHooks, s.aclConfigChanged)
	s.beforeRewriteHooks = append(s.beforeRewriteHooks, s.aclStoreUsersInConfig)
	s.aclWireParts()
	return nil
}

// newDefaultUser is a user allowed everything with no password.
func (r *aclRules) newDefaultUser(name string) *aclUser {
	u := r.newUser(name)
	for _, op := range []string{"+@all", "~*", "&*", "on", "nopass"} {
		r.setUser(u, op)
	}
	return u
}

// aclDefaultUser is the user new connections start as.
func (s *Server) aclDefaultUser() *aclUser { return s.acl.def }

// aclDefaultNoPass reports whether the default user has nopass: AUTH <password>
// is then refused as a configuration mistake.
func (s *Server) aclDefaultNoPass() bool { return s.acl.def.flags&userNoPass != 0 }

// aclSetRequirePass makes requirepass the default user's only password, or nopass
// when empty (Redis's ACLUpdateDefaultUserPassword).
func (s *Server) aclSetRequirePass() {
	r := &s.acl.rules
	r.setUser(s.acl.def, "resetpass")
	if s.cfg.RequirePass != "" {
		r.setUser(s.acl.def, ">"+s.cfg.RequirePass)
	} else {
		r.setUser(s.acl.def, "nopass")
	}
}

// aclConfigChanged follows CONFIG SET requirepass. A smaller acllog-max-len takes
// effect at the next denial, as in Redis, which trims the log only when it grows.
func (s *Server) aclConfigChanged(changed []string) error {
	for _, name := range changed {
		if name == "requirepass" {
			s.aclSetRequirePass()
		}
	}
	return nil
}

// aclLoadConfigUsers creates the users of the "user" directives (Redis's
// ACLAppendUserForLoading + ACLLoadConfiguredUsers).
func (s *Server) aclLoadConfigUsers() error {
	a := s.acl
	seen := make(map[string]bool)
	for _, line := range s.cfg.Users {
		u, err := a.rules.loadConfigUser(a.users, seen, line[0], line[1:])
		if err != nil {
			return err
		}
		if u.flags&userDisabled != 0 {
			s.log.Info("The user '" + u.name + "' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.")
		}
	}
	return nil
}

// loadConfigUser applies one "user name rules..." line of a configuration to users
// (Redis's ACLAppendUserForLoading): a user named twice is an error (seen records
// the names), one already there (the default) is reset first. Shared by the data
// node's "user" directives and ACLUsers.LoadUsers.
func (r *aclRules) loadConfigUser(users map[string]*aclUser, seen map[string]bool, name string, args []string) (*aclUser, error) {
	if seen[name] {
		return nil, fmt.Errorf("Error in user declaration '%s': Duplicate user found. A user can only be defined once in config files", name)
	}
	seen[name] = true
	if hasSpaces(name) {
		return nil, fmt.Errorf("Spaces not allowed in ACL usernames")
	}
	rules, bad := mergeSelectorArgs(args)
	if bad >= 0 {
		return nil, fmt.Errorf("Unmatched parenthesis in acl selector starting at '%s'.", args[bad])
	}
	u := users[name]
	if u == nil {
		u = r.newUser(name)
		users[name] = u
	} else {
		r.setUser(u, "reset")
	}
	for _, op := range rules {
		if err := r.setUser(u, op); err != nil {
			return nil, fmt.Errorf("Error loading ACL rule '%s' for the user named '%s': %s", op, name, err)
		}
	}
	return u, nil
}

// aclStoreUsersInConfig gives CONFIG REWRITE the users as "user" lines.
func (s *Server) aclStoreUsersInConfig() {
	var lines [][]string
	for _, u := range s.acl.sortedUsers() {
		lines = append(lines, append([]string{u.name}, strings.Split(s.acl.rules.describe(u), " ")...))
	}
	s.cfg.Users = lines
}

func (a *aclState) sortedUsers() []*aclUser { return sortedUsers(a.users) }

// sortedUsers lists users by name, the order ACL LIST and ACL USERS show.
func sortedUsers(users map[string]*aclUser) []*aclUser {
	out := make([]*aclUser, 0, len(users))
	for _, u := range users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// aclAuthenticate is the authenticator hook: AUTH and HELLO AUTH.
func (s *Server) aclAuthenticate(c *Client, user, pass string) bool {
	u := s.acl.users[user]
	if u != nil && u.checkPassword([]byte(pass)) {
		c.aclUser = u
		return true
	}
	s.aclAddLog(c, aclDeniedAuth, s.aclContext(c), string(c.argv[0]), user)
	return false
}

func (s *Server) aclContext(c *Client) int {
	if c.flags&flagMulti != 0 {
		return aclCtxMulti
	}
	return aclCtxToplevel
}

// --- permission checks -----------------------------------------------------------------

// aclDeny checks the command c is about to run against its user's permissions
// and, when denied, logs it and returns Redis's NOPERM error for the dispatcher to
// reply. The dispatcher calls it only for clients of restricted users.
func (s *Server) aclDeny(c *Client, cmd *Command) string {
	res, pos := c.aclUser.checkCmd(cmd, c.argv)
	if res == aclOK {
		return ""
	}
	s.aclLogDenial(c, res, s.aclContext(c), cmd, c.argv, pos)
	return aclNopermMessage(res, cmd)
}

// aclNopermMessage is the error processCommand replies for a denied command.
func aclNopermMessage(res int, cmd *Command) string {
	switch res {
	case aclDeniedCmd:
		return "NOPERM this user has no permissions to run the '" + cmd.Name + "' command"
	case aclDeniedKey:
		return "NOPERM this user has no permissions to access one of the keys used as arguments"
	}
	return "NOPERM this user has no permissions to access one of the channels used as arguments"
}

func (s *Server) aclLogDenial(c *Client, res, ctx int, cmd *Command, argv [][]byte, pos int) {
	object := cmd.Name
	if res == aclDeniedKey || res == aclDeniedChannel {
		object = string(argv[pos])
	}
	name := "default"
	if c.aclUser != nil {
		name = c.aclUser.name
	}
	s.aclAddLog(c, res, ctx, object, name)
}

// aclMessage is Redis's getAclErrorMessage.
func aclMessage(res int) string {
	switch res {
	case aclDeniedCmd:
		return "can't run this command or subcommand"
	case aclDeniedKey:
		return "can't access at least one of the keys mentioned in the command arguments"
	case aclDeniedChannel:
		return "can't publish to the channel mentioned in the command"
	}
	return "lacking the permissions for the command"
}

// aclCheckCommand checks a command a script runs through redis.call / pcall on
// behalf of client c (the script's caller): "" when allowed, else the message
// Redis's scripts raise ("The user executing the script can't run this command or
// subcommand"), logged in the ACL log with the "lua" context. For the scripting part.
func (s *Server) aclCheckCommand(c *Client, cmd *Command, argv [][]byte) (denied string) {
	if c.aclUser == nil || !c.aclUser.restricted {
		return ""
	}
	res, pos := c.aclUser.checkCmd(cmd, argv)
	if res == aclOK {
		return ""
	}
	s.aclLogDenial(c, res, aclCtxLua, cmd, argv, pos)
	return "The user executing the script " + aclMessage(res)
}

// aclCheckChannel reports whether c's user may publish or subscribe to ch (a
// PSUBSCRIBE pattern when pattern is set). For the pub/sub part; the dispatcher
// already checks PUBLISH, SPUBLISH, SUBSCRIBE, SSUBSCRIBE and PSUBSCRIBE.
func (s *Server) aclCheckChannel(c *Client, ch []byte, pattern bool) bool {
	return c.aclUser == nil || c.aclUser.checkChannel(ch, pattern)
}

// --- ACL log -----------------------------------------------------------------------------

// aclAddLog records a denial, folding it into a recent identical entry (same
// reason, context, object and user within a minute) among the last ten, as Redis's
// addACLLogEntry.
func (s *Server) aclAddLog(c *Client, reason, ctx int, object, username string) {
	now := s.wallMs(s.monoNow())
	e := &aclLogEntry{count: 1, reason: reason, context: ctx, object: object, username: username,
		ctime: now, cinfo: string(s.appendClientInfo(nil, c))}
	a := s.acl
	for i := 0; i < len(a.log) && i < 10; i++ {
		cur := a.log[i]
		d := cur.ctime - e.ctime
		if d < 0 {
			d = -d
		}
		if cur.reason == e.reason && cur.context == e.context && d <= aclLogGroupMs &&
			cur.object == e.object && cur.username == e.username {
			cur.cinfo, cur.ctime = e.cinfo, e.ctime
			cur.count++
			copy(a.log[1:i+1], a.log[:i])
			a.log[0] = cur
			return
		}
	}
	a.log = append(a.log, nil)
	copy(a.log[1:], a.log)
	a.log[0] = e
	s.aclTrimLog()
}

func (s *Server) aclTrimLog() {
	if max := s.cfg.ACLLogMaxLen; int64(len(s.acl.log)) > max {
		clear(s.acl.log[max:])
		s.acl.log = s.acl.log[:max]
	}
}

// --- users and clients -------------------------------------------------------------------

// aclDisconnectUser ends the connections authenticated as u (a deleted user): they
// go back to the default user, unauthenticated, and close; the calling client after
// its reply.
func (s *Server) aclDisconnectUser(caller *Client, u *aclUser) {
	for _, cl := range s.clientsByID() {
		if cl.aclUser != u {
			continue
		}
		cl.aclUser = s.acl.def
		cl.user = "default"
		cl.flags &^= flagAuthenticated
		if cl == caller {
			cl.flags |= flagCloseAfterReply
		} else {
			s.freeClient(cl)
		}
	}
}

// aclKillPubsubClients disconnects the pub/sub clients of old whose subscriptions
// the new rules no longer allow (Redis's ACLKillPubsubClientsIfNeeded).
func (s *Server) aclKillPubsubClients(caller *Client, newU, old *aclUser) {
	var upcoming []string
	for _, sel := range newU.selectors {
		if sel.flags&selAllChannels != 0 {
			return
		}
		upcoming = append(upcoming, sel.channels...)
	}
	superset := true
	for _, sel := range old.selectors {
		if sel.flags&selAllChannels != 0 {
			superset = false
			break
		}
		for _, ch := range sel.channels {
			if !containsString(upcoming, ch) {
				superset = false
			}
		}
	}
	if superset {
		return
	}
	check := &aclSelector{channels: upcoming}
	for _, cl := range s.clientsByID() {
		if cl.aclUser != old {
			continue
		}
		x := s.clientExtra(cl)
		if s.clientType(cl, &x) != clientTypePubSub {
			continue
		}
		kill := true
		if fn := s.acl.subscriptions; fn != nil {
			kill = false
			chans, pats := fn(cl)
			for _, p := range pats {
				kill = kill || !check.checkChannel(p, true)
			}
			for _, ch := range chans {
				kill = kill || !check.checkChannel(ch, false)
			}
		}
		if !kill {
			continue
		}
		if cl == caller {
			cl.flags |= flagCloseAfterReply
		} else {
			s.freeClient(cl)
		}
	}
}

// --- commands ----------------------------------------------------------------------------

// ACL SETUSER username [rule ...]
func aclSetuserCommand(c *Client) {
	s, a := c.srv, c.srv.acl
	for i := 2; i < len(c.argv); i++ {
		c.redactArg(i)
	}
	name := string(c.argv[2])
	args := make([]string, 0, len(c.argv)-3)
	for _, arg := range c.argv[3:] {
		args = append(args, string(arg))
	}
	u := a.users[name]
	temp, err := a.rules.applySetUser(u, name, args)
	if err != nil {
		c.ReplyError("ERR " + err.Error())
		return
	}
	if u != nil {
		s.aclKillPubsubClients(c, temp, u)
	}
	installUser(a.users, u, temp)
	c.ReplyOK()
}

// applySetUser is ACL SETUSER's rule application (Redis's ACLSetUser on a
// temporary copy): the rules apply to a copy of u (a new user when u is nil), so
// that nothing changes unless every rule is valid. The error text is Redis's reply
// without "ERR ". Shared by the data node and ACLUsers (sentinel).
func (r *aclRules) applySetUser(u *aclUser, name string, args []string) (*aclUser, error) {
	if hasSpaces(name) {
		return nil, errors.New("Usernames can't contain spaces or null characters")
	}
	rules, bad := mergeSelectorArgs(args)
	if bad >= 0 {
		return nil, errors.New("Unmatched parenthesis in acl selector starting at '" + sanitize(args[bad]) + "'.")
	}
	var temp *aclUser
	if u != nil {
		temp = u.clone()
	} else {
		temp = r.newUser(name)
	}
	for _, op := range rules {
		if err := r.setUser(temp, op); err != nil {
			return nil, errors.New(sanitize("Error in ACL SETUSER modifier '" + op + "': " + err.Error()))
		}
	}
	return temp, nil
}

// installUser makes temp (from applySetUser) the user: an existing user u is
// changed in place, since clients and the default-user pointer keep it.
func installUser(users map[string]*aclUser, u, temp *aclUser) {
	if u != nil {
		u.copyFrom(temp)
	} else {
		users[temp.name] = temp
	}
}

// ACL DELUSER username [username ...]
func aclDeluserCommand(c *Client) {
	s := c.srv
	for _, name := range c.argv[2:] {
		if string(name) == "default" {
			c.ReplyError("ERR The 'default' user cannot be removed")
			return
		}
	}
	deleted := 0
	for _, name := range c.argv[2:] {
		u := s.acl.users[string(name)]
		if u == nil {
			continue
		}
		delete(s.acl.users, u.name)
		s.aclDisconnectUser(c, u)
		deleted++
	}
	c.ReplyInt(int64(deleted))
}

// ACL GETUSER username
func aclGetuserCommand(c *Client) {
	r := &c.srv.acl.rules
	u := c.srv.acl.users[string(c.argv[2])]
	if u == nil {
		c.ReplyNull()
		return
	}
	c.ReplyMap(6)
	c.ReplyBulkString("flags")
	var flags []string
	for _, f := range aclUserFlagNames {
		if u.flags&f.f != 0 {
			flags = append(flags, f.name)
		}
	}
	c.ReplySet(len(flags))
	for _, f := range flags {
		c.ReplyBulkString(f)
	}
	c.ReplyBulkString("passwords")
	c.ReplyBulks(u.passwords)
	c.replySelector(r, u.root())
	c.ReplyBulkString("selectors")
	c.ReplyArray(len(u.selectors) - 1)
	for _, sel := range u.selectors[1:] {
		c.ReplyMap(3)
		c.replySelector(r, sel)
	}
}

func (c *Client) replySelector(r *aclRules, sel *aclSelector) {
	c.ReplyBulkString("commands")
	c.ReplyBulkString(r.describeCommands(sel))
	c.ReplyBulkString("keys")
	c.ReplyBulkString(sel.describeKeys())
	c.ReplyBulkString("channels")
	c.ReplyBulkString(sel.describeChannels())
}

// ACL LIST
func aclListCommand(c *Client) {
	a := c.srv.acl
	users := a.sortedUsers()
	c.ReplyArray(len(users))
	for _, u := range users {
		c.ReplyBulkString("user " + u.name + " " + a.rules.describe(u))
	}
}

// ACL USERS
func aclUsersCommand(c *Client) {
	users := c.srv.acl.sortedUsers()
	c.ReplyArray(len(users))
	for _, u := range users {
		c.ReplyBulkString(u.name)
	}
}

// ACL WHOAMI
func aclWhoamiCommand(c *Client) { c.ReplyBulkString(c.user) }

const aclNoFileError = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration."

// ACL LOAD
func aclLoadCommand(c *Client) {
	s := c.srv
	if s.cfg.ACLFile == "" {
		c.ReplyError(aclNoFileError)
		return
	}
	if errs := s.aclLoadFileReplacing(c, s.cfg.ACLFile); errs != "" {
		c.ReplyError("ERR " + sanitize(errs))
		return
	}
	c.ReplyOK()
}

// ACL SAVE
func aclSaveCommand(c *Client) {
	s := c.srv
	if s.cfg.ACLFile == "" {
		c.ReplyError(aclNoFileError)
		return
	}
	if err := s.aclSaveFile(s.cfg.ACLFile); err != nil {
		s.log.Warn("ACL SAVE: " + err.Error())
		c.ReplyError("ERR There was an error trying to save the ACLs. Please check the server logs for more information")
		return
	}
	c.ReplyOK()
}

// ACL CAT [category]
func aclCatCommand(c *Client) {
	switch len(c.argv) {
	case 2:
		c.ReplyArray(len(ACLCatNames))
		for _, cn := range ACLCatNames {
			c.ReplyBulkString(cn.Name)
		}
	case 3:
		cat, ok := aclCatByName(string(c.argv[2]))
		if !ok {
			c.ReplyError("ERR Unknown category '" + sanitize(truncate(string(c.argv[2]), 128)) + "'")
			return
		}
		var names []string
		for _, cmd := range c.srv.commands.list {
			if cmd.aclCategories()&cat != 0 {
				names = append(names, cmd.Name)
			}
			for _, sub := range cmd.Subs {
				if sub.aclCategories()&cat != 0 {
					names = append(names, sub.Name)
				}
			}
		}
		c.ReplyBulks(names)
	default:
		c.replySubcommandSyntaxError()
	}
}

// ACL GENPASS [bits]
func aclGenpassCommand(c *Client) {
	const maxBits = 4096
	bits := int64(256)
	switch len(c.argv) {
	case 2:
	case 3:
		n, ok := parseInt(c.argv[2])
		if !ok {
			c.ReplyError(ErrNotInt)
			return
		}
		bits = n
	default:
		c.replySubcommandSyntaxError()
		return
	}
	if bits <= 0 || bits > maxBits {
		c.ReplyError("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096")
		return
	}
	chars := (bits + 3) / 4
	buf := make([]byte, (chars+1)/2)
	rand.Read(buf)
	c.ReplyBulkString(hex.EncodeToString(buf)[:chars])
}

// ACL LOG [count|RESET]
func aclLogCommand(c *Client) {
	s := c.srv
	count := int64(10)
	switch len(c.argv) {
	case 2:
	case 3:
		if eqFold(c.argv[2], "reset") {
			s.acl.log = nil
			c.ReplyOK()
			return
		}
		n, ok := parseInt(c.argv[2])
		if !ok {
			c.ReplyError(ErrNotInt)
			return
		}
		count = max(n, 0)
	default:
		c.replySubcommandSyntaxError()
		return
	}
	count = min(count, int64(len(s.acl.log)))
	now := s.wallMs(s.monoNow())
	c.ReplyArray(int(count))
	for _, e := range s.acl.log[:count] {
		c.ReplyMap(7)
		c.ReplyBulkString("count")
		c.ReplyInt(e.count)
		c.ReplyBulkString("reason")
		c.ReplyBulkString([]string{aclDeniedCmd: "command", aclDeniedKey: "key", aclDeniedAuth: "auth", aclDeniedChannel: "channel"}[e.reason])
		c.ReplyBulkString("context")
		c.ReplyBulkString([]string{"toplevel", "multi", "lua", "module"}[e.context])
		c.ReplyBulkString("object")
		c.ReplyBulkString(e.object)
		c.ReplyBulkString("username")
		c.ReplyBulkString(e.username)
		c.ReplyBulkString("age-seconds")
		c.ReplyDouble(float64(now-e.ctime) / 1000)
		c.ReplyBulkString("client-info")
		c.ReplyBulkString(e.cinfo)
	}
}

// ACL DRYRUN username command [arg ...]
func aclDryrunCommand(c *Client) {
	s := c.srv
	u := s.acl.users[string(c.argv[2])]
	if u == nil {
		c.ReplyError("ERR User '" + sanitize(string(c.argv[2])) + "' not found")
		return
	}
	argv := c.argv[3:]
	cmd := s.commands.lookupArgv(argv)
	if cmd == nil {
		c.ReplyError("ERR Command '" + sanitize(string(argv[0])) + "' not found")
		return
	}
	if (cmd.Arity > 0 && cmd.Arity != len(argv)) || len(argv) < -cmd.Arity {
		c.ReplyError("ERR wrong number of arguments for '" + cmd.Name + "' command")
		return
	}
	res, pos := u.checkCmd(cmd, argv)
	switch res {
	case aclOK:
		c.ReplyOK()
	case aclDeniedCmd:
		c.ReplyBulkString("This user has no permissions to run the '" + cmd.Name + "' command")
	case aclDeniedKey:
		c.ReplyBulkString("This user has no permissions to access the '" + string(argv[pos]) + "' key")
	case aclDeniedChannel:
		c.ReplyBulkString("This user has no permissions to access the '" + string(argv[pos]) + "' channel")
	}
}

// ACL HELP
func aclHelpCommand(c *Client) { c.replyHelp(aclHelpLines) }

// aclHelpLines is ACL HELP's text between its first line and HELP.
var aclHelpLines = []string{
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
}

// ACLHelp returns ACL HELP's whole reply, for a program that answers ACL itself
// (keygrid's sentinel: Redis's sentinel runs the same aclCommand).
func ACLHelp() []string {
	lines := append([]string{"ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"}, aclHelpLines...)
	return append(lines, "HELP", "    Prints this help.")
}

// --- the ACL file ------------------------------------------------------------------------

// aclLoadFile loads users from an ACL file at startup: every line must be
// "user <name> rules...". It returns Redis's description of every problem, and
// changes nothing when there is one.
func (s *Server) aclLoadFile(path string) string {
	users, errs := s.aclParseFile(path)
	if errs != "" {
		return errs
	}
	s.aclInstallUsers(nil, users)
	return ""
}

// aclLoadFileReplacing is ACL LOAD: the same, and the connections of every user
// other than "default" are closed, as Redis frees its whole old user set.
func (s *Server) aclLoadFileReplacing(caller *Client, path string) string {
	users, errs := s.aclParseFile(path)
	if errs != "" {
		return errs
	}
	s.aclInstallUsers(caller, users)
	return ""
}

func (s *Server) aclInstallUsers(caller *Client, users map[string]*aclUser) {
	a := s.acl
	old := a.users
	if nd := users["default"]; nd != nil {
		a.def.copyFrom(nd)
	} else {
		a.def.copyFrom(a.rules.newDefaultUser("default"))
	}
	users["default"] = a.def
	a.users = users
	if caller == nil {
		return
	}
	for name, u := range old {
		if name != "default" {
			s.aclDisconnectUser(caller, u)
		}
	}
}

// aclFilePath is where the ACL file named path is: Redis changes its working
// directory to dir as soon as the directive is read, so a relative aclfile is
// relative to dir. keygrid keeps its working directory and joins the two.
func (s *Server) aclFilePath(path string) string { return s.cfg.ResolvePath(path) }

func (s *Server) aclParseFile(path string) (map[string]*aclUser, string) {
	data, err := os.ReadFile(s.aclFilePath(path))
	if err != nil {
		return nil, "Error loading ACLs, opening file '" + path + "': " + aclStrerror(err)
	}
	a := s.acl
	users := make(map[string]*aclUser)
	var errs strings.Builder
	fname := s.cfg.ACLFile
	for i, line := range strings.Split(string(data), "\n") {
		linenum := strconv.Itoa(i + 1)
		line = strings.Trim(line, " \t\r\n")
		if line == "" {
			continue
		}
		argv := strings.Split(line, " ")
		if argv[0] != "user" || len(argv) < 2 {
			errs.WriteString(fname + ":" + linenum + " should start with user keyword followed by the username. ")
			continue
		}
		if hasSpaces(argv[1]) {
			errs.WriteString("'" + fname + ":" + linenum + ": username '" + argv[1] + "' contains invalid characters. ")
			continue
		}
		if users[argv[1]] != nil {
			errs.WriteString("WARNING: Duplicate user '" + argv[1] + "' found on line " + linenum + ". ")
			continue
		}
		u := a.rules.newUser(argv[1])
		users[argv[1]] = u
		rules, bad := mergeSelectorArgs(argv[2:])
		if bad >= 0 {
			errs.WriteString(fname + ":" + linenum + ": Unmatched parenthesis in selector definition.")
		}
		syntaxErr := false
		for _, op := range rules {
			op = strings.Trim(op, "\t\r\n")
			if err := a.rules.setUser(u, op); err != nil {
				if err == errACLUnknown {
					errs.WriteString(fname + ":" + linenum + ": Error in applying operation '" + op + "': " + err.Error() + ". ")
				} else if !syntaxErr {
					errs.WriteString(fname + ":" + linenum + ": " + err.Error() + ". ")
					syntaxErr = true
				}
			}
		}
	}
	if errs.Len() > 0 {
		errs.WriteString("WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
		return nil, errs.String()
	}
	return users, ""
}

// aclSaveFile writes every user as a "user" line, through a temporary file renamed
// over the old one.
func (s *Server) aclSaveFile(path string) error {
	path = s.aclFilePath(path)
	var b strings.Builder
	for _, u := range s.acl.sortedUsers() {
		b.WriteString("user " + u.name + " " + s.acl.rules.describe(u) + "\n")
	}
	tmp := fmt.Sprintf("%s.tmp-%d-%d", path, os.Getpid(), s.wallMs(s.monoNow()))
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// aclStrerror renders an error as C's strerror does ("No such file or directory").
func aclStrerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if m := errno.Error(); m != "" {
			return strings.ToUpper(m[:1]) + m[1:]
		}
	}
	return err.Error()
}

// aclAllowed reports whether c's user may run the command, logging nothing (the
// scripts' redis.acl_check_cmd).
func (s *Server) aclAllowed(c *Client, cmd *Command, argv [][]byte) bool {
	if c.aclUser == nil || !c.aclUser.restricted {
		return true
	}
	res, _ := c.aclUser.checkCmd(cmd, argv)
	return res == aclOK
}
