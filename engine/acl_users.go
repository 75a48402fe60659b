package engine

// ACLUsers: Redis's ACL users and rules (acl_rules.go) over a reduced command
// table, for a program that is not a data node: keygrid's sentinel, whose
// commands are Redis Sentinel's (ACL SETUSER there knows only those).

import (
	"errors"
	"sort"
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
	def := a.rules.newUser("default")
	for _, op := range []string{"+@all", "~*", "&*", "on", "nopass"} {
		a.rules.setUser(def, op)
	}
	a.users["default"] = def
	return a
}

// SetUser is ACL SETUSER: the rules apply to a copy, installed only if all are
// valid. The error text is Redis's reply without "ERR ".
func (a *ACLUsers) SetUser(name string, args []string) error {
	if hasSpaces(name) {
		return errors.New("Usernames can't contain spaces or null characters")
	}
	rules, bad := mergeSelectorArgs(args)
	if bad >= 0 {
		return errors.New("Unmatched parenthesis in acl selector starting at '" + sanitize(args[bad]) + "'.")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	u := a.users[name]
	var temp *aclUser
	if u != nil {
		temp = u.clone()
	} else {
		temp = a.rules.newUser(name)
	}
	for _, op := range rules {
		if err := a.rules.setUser(temp, op); err != nil {
			return errors.New(sanitize("Error in ACL SETUSER modifier '" + op + "': " + err.Error()))
		}
	}
	if u != nil {
		u.copyFrom(temp)
	} else {
		a.users[name] = temp
	}
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

func (a *ACLUsers) sorted() []*aclUser {
	out := make([]*aclUser, 0, len(a.users))
	for _, u := range a.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// Users is ACL USERS.
func (a *ACLUsers) Users() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, u := range a.sorted() {
		out = append(out, u.name)
	}
	return out
}

// List is ACL LIST: "user <name> <rules>" lines, also the form to save them in.
func (a *ACLUsers) List() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, u := range a.sorted() {
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
	fresh := struct{ users map[string]*aclUser }{map[string]*aclUser{}}
	def := a.rules.newUser("default")
	for _, op := range []string{"+@all", "~*", "&*", "on", "nopass"} {
		a.rules.setUser(def, op)
	}
	fresh.users["default"] = def
	seen := map[string]bool{}
	for _, l := range lines {
		if len(l) < 1 {
			continue
		}
		name := l[0]
		if seen[name] {
			return errors.New("Error in user declaration '" + name + "': Duplicate user found. A user can only be defined once in config files")
		}
		seen[name] = true
		if hasSpaces(name) {
			return errors.New("Spaces not allowed in ACL usernames")
		}
		rules, bad := mergeSelectorArgs(l[1:])
		if bad >= 0 {
			return errors.New("Unmatched parenthesis in acl selector starting at '" + l[1+bad] + "'.")
		}
		u := fresh.users[name]
		if u == nil {
			u = a.rules.newUser(name)
			fresh.users[name] = u
		} else {
			a.rules.setUser(u, "reset")
		}
		for _, op := range rules {
			if err := a.rules.setUser(u, op); err != nil {
				return errors.New("Error loading ACL rule '" + op + "' for the user named '" + name + "': " + err.Error())
			}
		}
	}
	a.mu.Lock()
	a.users = fresh.users
	a.mu.Unlock()
	return nil
}
