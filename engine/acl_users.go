package engine

// ACLUsers: Redis's ACL users and rules (acl_rules.go) over a reduced command
// table, for a program that is not a data node: keygrid's sentinel, whose
// commands are Redis Sentinel's (ACL SETUSER there knows only those).

import (
	"errors"
	"strings"
	"sync"
)

// ACLUsers is a set of users. Its methods are safe for concurrent use.
type ACLUsers struct {
	mu    sync.Mutex
	rules aclRules
	cmds  *CommandTable
	users map[string]*aclUser
}

// ACLUserInfo is what ACL GETUSER shows of a user (selectors beyond the root
// are flattened to their three descriptions).
type ACLUserInfo struct {
	Flags     []string
	Passwords []string
	Commands  string
	Keys      string
	Channels  string
	Selectors [][3]string // commands, keys, channels
}

// NewACLUsers builds a user set over the engine's commands named in keep (each
// with the subcommands listed, or all when the list is nil) plus extra
// commands, and the default user "on nopass ~* &* +@all".
func NewACLUsers(keep map[string][]string, extra []*Command) *ACLUsers {
	var fam []*Command
	for _, f := range commandFamilies() {
		for _, cmd := range f {
			subs, ok := keep[cmd.Name]
			if !ok {
				continue
			}
			c := *cmd
			if subs != nil {
				c.Subs = nil
				for _, sub := range cmd.Subs {
					name := sub.Name
					if i := strings.IndexByte(name, '|'); i >= 0 {
						name = name[i+1:]
					}
					if containsString(subs, name) {
						c.Subs = append(c.Subs, sub)
					}
				}
			}
			fam = append(fam, &c)
		}
	}
	fam = append(fam, extra...)
	a := &ACLUsers{cmds: newCommandTable(fam), users: map[string]*aclUser{}}
	a.rules = aclRules{cmds: a.cmds, pubsubDefault: func() aclSelFlag { return 0 }}
	a.users["default"] = a.rules.newDefaultUser("default")
	return a
}

// SetUser is ACL SETUSER: the rules apply to a copy, installed only if all are
// valid. The error text is Redis's reply without "ERR ".
func (a *ACLUsers) SetUser(name string, args []string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	u := a.users[name]
	temp, err := a.rules.applySetUser(u, name, args)
	if err != nil {
		return err
	}
	installUser(a.users, u, temp)
	return nil
}

// DelUser is ACL DELUSER: the number of users deleted.
func (a *ACLUsers) DelUser(names []string) (int, error) {
	for _, n := range names {
		if n == "default" {
			return 0, errors.New("The 'default' user cannot be removed")
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, name := range names {
		if _, ok := a.users[name]; ok {
			delete(a.users, name)
			n++
		}
	}
	return n, nil
}

// Users is ACL USERS.
func (a *ACLUsers) Users() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, u := range sortedUsers(a.users) {
		out = append(out, u.name)
	}
	return out
}

// List is ACL LIST: "user <name> <rules>" lines, also the form to save them in.
func (a *ACLUsers) List() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, u := range sortedUsers(a.users) {
		out = append(out, "user "+u.name+" "+a.rules.describe(u))
	}
	return out
}

// GetUser is ACL GETUSER.
func (a *ACLUsers) GetUser(name string) (ACLUserInfo, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	u := a.users[name]
	if u == nil {
		return ACLUserInfo{}, false
	}
	var inf ACLUserInfo
	for _, f := range aclUserFlagNames {
		if u.flags&f.f != 0 {
			inf.Flags = append(inf.Flags, f.name)
		}
	}
	inf.Passwords = append([]string(nil), u.passwords...)
	root := u.root()
	inf.Commands, inf.Keys, inf.Channels = a.rules.describeCommands(root), root.describeKeys(), root.describeChannels()
	for _, sel := range u.selectors[1:] {
		inf.Selectors = append(inf.Selectors, [3]string{a.rules.describeCommands(sel), sel.describeKeys(), sel.describeChannels()})
	}
	return inf, true
}

// Authenticate reports whether user exists, is on, and pass is one of its
// passwords (any with nopass).
func (a *ACLUsers) Authenticate(user, pass string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	u := a.users[user]
	return u != nil && u.checkPassword([]byte(pass))
}

// Enabled reports whether user exists and is on.
func (a *ACLUsers) Enabled(user string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	u := a.users[user]
	return u != nil && u.flags&userEnabled != 0
}

// NoPassDefault reports whether the default user is on with nopass, the state
// in which new connections start authenticated.
func (a *ACLUsers) NoPassDefault() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	u := a.users["default"]
	return u != nil && u.flags&userEnabled != 0 && u.flags&userNoPass != 0
}

// Exists reports whether the user exists.
func (a *ACLUsers) Exists(user string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.users[user] != nil
}

// Allowed reports whether user may run argv (command, subcommand, keys and
// channels as Redis checks them). Unknown commands are allowed: the caller
// reports them.
func (a *ACLUsers) Allowed(user string, argv [][]byte) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	u := a.users[user]
	if u == nil || len(argv) == 0 {
		return false
	}
	cmd := a.cmds.lookupArgv(argv)
	if cmd == nil {
		return true
	}
	res, _ := u.checkCmd(cmd, argv)
	return res == aclOK
}

// Cat is ACL CAT [category]: the names of the categories, or of the commands in
// one (false when the category does not exist).
func (a *ACLUsers) Cat(category string) ([]string, bool) {
	if category == "" {
		var out []string
		for _, cn := range ACLCatNames {
			out = append(out, cn.Name)
		}
		return out, true
	}
	cat, ok := aclCatByName(category)
	if !ok {
		return nil, false
	}
	var names []string
	for _, cmd := range a.cmds.list {
		if cmd.aclCategories()&cat != 0 {
			names = append(names, cmd.Name)
		}
		for _, sub := range cmd.Subs {
			if sub.aclCategories()&cat != 0 {
				names = append(names, sub.Name)
			}
		}
	}
	return names, true
}

// LoadUsers replaces the users with "user <name> <rules...>" lines (ACL LIST's
// form, or the config file's split lines); on an error nothing changes.
func (a *ACLUsers) LoadUsers(lines [][]string) error {
	users := map[string]*aclUser{"default": a.rules.newDefaultUser("default")}
	seen := map[string]bool{}
	for _, l := range lines {
		if len(l) < 1 {
			continue
		}
		if _, err := a.rules.loadConfigUser(users, seen, l[0], l[1:]); err != nil {
			return err
		}
	}
	a.mu.Lock()
	a.users = users
	a.mu.Unlock()
	return nil
}

// ACLDenial is why Check refused a command, as Redis's processCommand reports it.
type ACLDenial struct {
	Reason string // ACL LOG's reason: "command", "key" or "channel"
	Object string // ACL LOG's object: the command's full name, or the key or channel
	Err    string // the NOPERM error to reply
}

// Check is Allowed with the reason for a refusal, so that the caller can reply
// Redis's NOPERM error and log the denial in its ACL LOG. ok is true when user
// may run argv (unknown commands included: the caller reports them).
func (a *ACLUsers) Check(user string, argv [][]byte) (d ACLDenial, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(argv) == 0 {
		return ACLDenial{}, false
	}
	cmd := a.cmds.lookupArgv(argv)
	if cmd == nil {
		return ACLDenial{}, true
	}
	u := a.users[user]
	if u == nil {
		return ACLDenial{Reason: "command", Object: cmd.Name, Err: aclNopermMessage(aclDeniedCmd, cmd)}, false
	}
	res, pos := u.checkCmd(cmd, argv)
	if res == aclOK {
		return ACLDenial{}, true
	}
	d = ACLDenial{Reason: "command", Object: cmd.Name, Err: aclNopermMessage(res, cmd)}
	switch res {
	case aclDeniedKey:
		d.Reason, d.Object = "key", string(argv[pos])
	case aclDeniedChannel:
		d.Reason, d.Object = "channel", string(argv[pos])
	}
	return d, false
}
