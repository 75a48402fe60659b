package engine

// The ACL user model (Redis 7.0's acl.c): users, their selectors, and the rule
// language of ACL SETUSER, the "user" directive and the ACL file. A user is a set of
// flags, a list of SHA-256 password hashes and one or more selectors; the first, the
// root selector, holds the rules written outside parentheses, each "(...)" adds one
// more. A command runs when any selector allows the command and all its keys and
// channels.
//
// Describing a user (ACL LIST, ACL GETUSER, ACL SAVE, CONFIG REWRITE) regenerates the
// rules from the permission bitmap, not from the rules that were typed, with Redis's
// greedy category fit, so the same SETUSER sequence gives the same text as Redis.
// The one difference is the order of single-command rules: Redis walks a hash table
// seeded at random per process (two redis-servers disagree with each other), keygrid
// walks its command table.

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/glob"
)

// aclUserFlag are the user flags, in the order ACL LIST prints them.
type aclUserFlag uint8

const (
	userEnabled             aclUserFlag = 1 << iota // on
	userDisabled                                    // off
	userNoPass                                      // nopass: any password works
	userSkipSanitizePayload                         // skip-sanitize-payload (RESTORE)
	userSanitizePayload                             // sanitize-payload
)

var aclUserFlagNames = []struct {
	f    aclUserFlag
	name string
}{
	{userEnabled, "on"}, {userDisabled, "off"}, {userNoPass, "nopass"},
	{userSkipSanitizePayload, "skip-sanitize-payload"}, {userSanitizePayload, "sanitize-payload"},
}

// aclSelFlag are selector flags.
type aclSelFlag uint8

const (
	selRoot        aclSelFlag = 1 << iota // the user's root selector
	selAllKeys                            // ~* / allkeys
	selAllChannels                        // &* / allchannels
	selAllCommands                        // +@all with no command removed since
)

// Key pattern permissions (%R~, %W~, ~ is both).
const (
	aclRead  = 1
	aclWrite = 2
	aclAll   = aclRead | aclWrite
)

// aclCmdBits is the command permission bitmap, indexed by Command.id. Like Redis's
// it has a reserved last bit that only +@all sets: it tells "+@all minus some" from
// "nothing plus some", which matters for commands added later (modules) and for how
// the rules are described.
const aclCmdBitsCount = 1024

const aclFutureBit = aclCmdBitsCount - 1

type aclCmdBits [aclCmdBitsCount / 64]uint64

func (b *aclCmdBits) get(id int) bool { return id < aclCmdBitsCount && b[id/64]&(1<<(id%64)) != 0 }

type keyPattern struct {
	pattern string
	perm    int // aclRead, aclWrite or aclAll
}

type aclSelector struct {
	flags aclSelFlag
	bits  aclCmdBits
	// firstArgs are the first arguments allowed for a command whose bit is clear
	// ("+select|0"), by command id.
	firstArgs map[int][]string
	keys      []keyPattern
	channels  []string
}

// aclUser is one ACL user. Clients point at it: changes apply to them at once.
type aclUser struct {
	name      string
	flags     aclUserFlag
	passwords []string // hex SHA-256 digests
	selectors []*aclSelector
	// descr caches the description (ACL LIST); "" when stale.
	descr string
	// restricted is false when the user may run every command on every key and
	// channel: the dispatcher then checks nothing (acl.go).
	restricted bool
}

// aclRuleError is the reason a rule was refused, with Redis's wording.
var (
	errACLUnknown      = errors.New("Unknown command or category name in ACL")
	errACLSyntax       = errors.New("Syntax error")
	errACLKeyAfterAll  = errors.New("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns")
	errACLChanAfterAll = errors.New("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels")
	errACLNoSuchPass   = errors.New("The password you are trying to remove from the user does not exist")
	errACLBadHash      = errors.New("The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters")
	errACLFirstArgSub  = errors.New("Allowing first-arg of a subcommand is not supported")
)

// aclRules applies rules to users against one command table.
type aclRules struct {
	cmds *CommandTable
	// pubsubDefault is selAllChannels when acl-pubsub-default is allchannels.
	pubsubDefault func() aclSelFlag
	// warn, when set, logs a deprecated rule ("+select|0").
	warn func(msg string)
}

func (r *aclRules) newSelector(flags aclSelFlag) *aclSelector {
	return &aclSelector{flags: flags | r.pubsubDefault()}
}

// newUser creates a user as Redis's ACLCreateUser: off, no passwords, a root
// selector with no permissions.
func (r *aclRules) newUser(name string) *aclUser {
	u := &aclUser{name: name, flags: userDisabled}
	u.selectors = []*aclSelector{r.newSelector(selRoot)}
	u.update()
	return u
}

func (s *aclSelector) clone() *aclSelector {
	n := *s
	n.keys = append([]keyPattern(nil), s.keys...)
	n.channels = append([]string(nil), s.channels...)
	n.firstArgs = nil
	for id, args := range s.firstArgs {
		if n.firstArgs == nil {
			n.firstArgs = make(map[int][]string)
		}
		n.firstArgs[id] = append([]string(nil), args...)
	}
	return &n
}

// copyFrom gives u the rules of src, keeping u's name (Redis's ACLCopyUser).
func (u *aclUser) copyFrom(src *aclUser) {
	u.flags = src.flags
	u.passwords = append([]string(nil), src.passwords...)
	u.selectors = make([]*aclSelector, len(src.selectors))
	for i, s := range src.selectors {
		u.selectors[i] = s.clone()
	}
	u.update()
}

func (u *aclUser) clone() *aclUser {
	n := &aclUser{name: u.name}
	n.copyFrom(u)
	return n
}

// update recomputes what is derived from the rules.
func (u *aclUser) update() {
	u.descr = ""
	u.restricted = true
	for _, s := range u.selectors {
		if s.flags&(selAllCommands|selAllKeys|selAllChannels) == selAllCommands|selAllKeys|selAllChannels {
			u.restricted = false
		}
	}
}

func (u *aclUser) root() *aclSelector { return u.selectors[0] }

// hashPassword is the hex SHA-256 that users store instead of the password.
func hashPassword(pass []byte) string {
	h := sha256.Sum256(pass)
	return hex.EncodeToString(h[:])
}

func validPasswordHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; (c < 'a' || c > 'f') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// checkPassword reports whether pass authenticates u. Every stored hash is compared
// in constant time, so the time taken says nothing about which one matched.
func (u *aclUser) checkPassword(pass []byte) bool {
	if u.flags&userDisabled != 0 {
		return false
	}
	if u.flags&userNoPass != 0 {
		return true
	}
	h := []byte(hashPassword(pass))
	ok := 0
	for _, p := range u.passwords {
		ok |= subtle.ConstantTimeCompare(h, []byte(p))
	}
	return ok == 1
}

// hasSpaces is Redis's ACLStringHasSpaces: user names and patterns may not contain
// white space or NUL, so that the rule text reads back unambiguously.
func hasSpaces(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\v', '\f', '\r', 0:
			return true
		}
	}
	return false
}

// setUser applies one rule to u (Redis's ACLSetUser).
func (r *aclRules) setUser(u *aclUser, op string) error {
	defer u.update()
	if op == "" {
		return nil
	}
	switch {
	case strings.EqualFold(op, "on"):
		u.flags = u.flags&^userDisabled | userEnabled
	case strings.EqualFold(op, "off"):
		u.flags = u.flags&^userEnabled | userDisabled
	case strings.EqualFold(op, "skip-sanitize-payload"):
		u.flags = u.flags&^userSanitizePayload | userSkipSanitizePayload
	case strings.EqualFold(op, "sanitize-payload"):
		u.flags = u.flags&^userSkipSanitizePayload | userSanitizePayload
	case strings.EqualFold(op, "nopass"):
		u.flags |= userNoPass
		u.passwords = nil
	case strings.EqualFold(op, "resetpass"):
		u.flags &^= userNoPass
		u.passwords = nil
	case op[0] == '>' || op[0] == '#':
		var h string
		if op[0] == '>' {
			h = hashPassword([]byte(op[1:]))
		} else {
			if !validPasswordHash(op[1:]) {
				return errACLBadHash
			}
			h = op[1:]
		}
		if !containsString(u.passwords, h) {
			u.passwords = append(u.passwords, h)
		}
		u.flags &^= userNoPass
	case op[0] == '<' || op[0] == '!':
		var h string
		if op[0] == '<' {
			h = hashPassword([]byte(op[1:]))
		} else {
			if !validPasswordHash(op[1:]) {
				return errACLBadHash
			}
			h = op[1:]
		}
		i := indexString(u.passwords, h)
		if i < 0 {
			return errACLNoSuchPass
		}
		u.passwords = append(u.passwords[:i:i], u.passwords[i+1:]...)
	case op[0] == '(' && op[len(op)-1] == ')':
		sel := r.newSelector(0)
		args, err := config.SplitArgs(op[1 : len(op)-1])
		if err != nil {
			return errACLSyntax
		}
		for _, a := range args {
			if err := r.setSelector(sel, a); err != nil {
				return err
			}
		}
		u.selectors = append(u.selectors, sel)
	case strings.EqualFold(op, "clearselectors"):
		u.selectors = u.selectors[:1]
	case strings.EqualFold(op, "reset"):
		for _, o := range []string{"resetpass", "resetkeys", "resetchannels"} {
			r.setUser(u, o)
		}
		if r.pubsubDefault()&selAllChannels != 0 {
			r.setUser(u, "allchannels")
		}
		for _, o := range []string{"off", "sanitize-payload", "clearselectors", "-@all"} {
			r.setUser(u, o)
		}
	default:
		return r.setSelector(u.root(), op)
	}
	return nil
}

func indexString(l []string, s string) int {
	for i, x := range l {
		if x == s {
			return i
		}
	}
	return -1
}

// setSelector applies one selector rule (Redis's ACLSetSelector): key and channel
// patterns and command permissions.
func (r *aclRules) setSelector(s *aclSelector, op string) error {
	switch {
	case strings.EqualFold(op, "allkeys") || op == "~*":
		s.flags |= selAllKeys
		s.keys = nil
	case strings.EqualFold(op, "resetkeys"):
		s.flags &^= selAllKeys
		s.keys = nil
	case strings.EqualFold(op, "allchannels") || op == "&*":
		s.flags |= selAllChannels
		s.channels = nil
	case strings.EqualFold(op, "resetchannels"):
		s.flags &^= selAllChannels
		s.channels = nil
	case strings.EqualFold(op, "allcommands") || strings.EqualFold(op, "+@all"):
		for i := range s.bits {
			s.bits[i] = ^uint64(0)
		}
		s.flags |= selAllCommands
		s.firstArgs = nil
	case strings.EqualFold(op, "nocommands") || strings.EqualFold(op, "-@all"):
		s.bits = aclCmdBits{}
		s.flags &^= selAllCommands
		s.firstArgs = nil
	case op[0] == '~' || op[0] == '%':
		if s.flags&selAllKeys != 0 {
			return errACLKeyAfterAll
		}
		perm, off := 0, 1
		if op[0] == '%' {
			for ; off < len(op); off++ {
				switch c := op[off]; {
				case (c == 'R' || c == 'r') && perm&aclRead == 0:
					perm |= aclRead
				case (c == 'W' || c == 'w') && perm&aclWrite == 0:
					perm |= aclWrite
				case c == '~':
					off++
					goto done
				default:
					return errACLSyntax
				}
			}
		done:
			// "%~x" grants nothing: refused (redis-server 7.0.15 does, though its
			// acl.c reads as if it would accept it).
			if perm == 0 {
				return errACLSyntax
			}
		} else {
			perm = aclAll
		}
		pat := op[min(off, len(op)):]
		if hasSpaces(pat) {
			return errACLSyntax
		}
		found := false
		for i := range s.keys {
			if s.keys[i].pattern == pat {
				s.keys[i].perm |= perm
				found = true
				break
			}
		}
		if !found {
			s.keys = append(s.keys, keyPattern{pattern: pat, perm: perm})
		}
		s.flags &^= selAllKeys
	case op[0] == '&':
		if s.flags&selAllChannels != 0 {
			return errACLChanAfterAll
		}
		pat := op[1:]
		if hasSpaces(pat) {
			return errACLSyntax
		}
		if !containsString(s.channels, pat) {
			s.channels = append(s.channels, pat)
		}
		s.flags &^= selAllChannels
	case op[0] == '+' && (len(op) < 2 || op[1] != '@'):
		name := op[1:]
		i := strings.LastIndexByte(name, '|')
		if i < 0 {
			cmd := r.lookup(name)
			if cmd == nil {
				return errACLUnknown
			}
			r.changePerm(s, cmd, true)
			return nil
		}
		cmd := r.lookup(name[:i])
		switch {
		case cmd == nil:
			return errACLUnknown
		case cmd.parent != nil:
			return errACLFirstArgSub
		case i == len(name)-1:
			return errACLSyntax
		case len(cmd.Subs) > 0:
			sub := r.lookup(name)
			if sub == nil {
				return errACLUnknown
			}
			r.changePerm(s, sub, true)
		default:
			// "+select|0": a first argument allowed for an otherwise denied command
			// (deprecated in Redis, kept for compatibility).
			arg := name[i+1:]
			if r.warn != nil {
				r.warn("Deprecation warning: Allowing a first arg of an otherwise blocked command is a misuse of ACL and may get disabled in the future (offender: " + op + ")")
			}
			for _, a := range s.firstArgs[cmd.id] {
				if strings.EqualFold(a, arg) {
					return nil
				}
			}
			if s.firstArgs == nil {
				s.firstArgs = make(map[int][]string)
			}
			s.firstArgs[cmd.id] = append(s.firstArgs[cmd.id], arg)
		}
	case op[0] == '-' && (len(op) < 2 || op[1] != '@'):
		cmd := r.lookup(op[1:])
		if cmd == nil {
			return errACLUnknown
		}
		r.changePerm(s, cmd, false)
	case (op[0] == '+' || op[0] == '-') && op[1] == '@':
		cat, ok := aclCatByName(op[2:])
		if !ok {
			return errACLUnknown
		}
		r.setCategory(s, cat, op[0] == '+')
	default:
		return errACLSyntax
	}
	return nil
}

// lookup finds a command by "name" or "container|sub" in the original table (rules
// survive rename-command, as in Redis).
func (r *aclRules) lookup(name string) *Command {
	if name == "" {
		return nil
	}
	return r.cmds.lookupFullName(strings.ToLower(name))
}

// setBit sets or clears one command's bit; clearing any bit ends "all commands".
func (s *aclSelector) setBit(id int, on bool) {
	if id >= aclCmdBitsCount {
		return
	}
	if on {
		s.bits[id/64] |= 1 << (id % 64)
	} else {
		s.bits[id/64] &^= 1 << (id % 64)
		s.flags &^= selAllCommands
	}
}

// changePerm allows or denies a command; for a container, all its subcommands too.
func (r *aclRules) changePerm(s *aclSelector, cmd *Command, on bool) {
	s.setBit(cmd.id, on)
	delete(s.firstArgs, cmd.id)
	for _, sub := range cmd.Subs {
		s.setBit(sub.id, on)
	}
}

// setCategory applies +@cat or -@cat: a container in the category takes all its
// subcommands with it, then subcommands in the category are applied one by one.
func (r *aclRules) setCategory(s *aclSelector, cat ACLCat, on bool) {
	for _, cmd := range r.cmds.list {
		if cmd.aclCategories()&cat != 0 {
			r.changePerm(s, cmd, on)
		}
		for _, sub := range cmd.Subs {
			if sub.aclCategories()&cat != 0 {
				r.changePerm(s, sub, on)
			}
		}
	}
}

// countCategory counts the commands of a category that bits allows and denies.
func (r *aclRules) countCategory(bits *aclCmdBits, cat ACLCat) (on, off int) {
	for _, cmd := range r.cmds.all {
		if cmd.aclCategories()&cat != 0 {
			if bits.get(cmd.id) {
				on++
			} else {
				off++
			}
		}
	}
	return on, off
}

// describeCommands regenerates the command rules of a selector (Redis's
// ACLDescribeSelectorCommandRules): +@all or -@all, then the categories that best
// fit what is left, chosen greedily, then single commands to fix the difference. The
// rules are replayed on a scratch selector as they are chosen, so each step sees
// what the previous ones already did.
func (r *aclRules) describeCommands(s *aclSelector) string {
	var b strings.Builder
	fake := &aclSelector{}
	additive := !s.bits.get(aclFutureBit)
	if additive {
		b.WriteString("-@all ")
		r.setSelector(fake, "-@all")
	} else {
		b.WriteString("+@all ")
		r.setSelector(fake, "+@all")
	}
	temp := &aclSelector{bits: s.bits}
	applied := make([]bool, len(ACLCatNames))
	for {
		best, minDiff, maxSame := -1, int(^uint(0)>>1), 0
		for j, cn := range ACLCatNames {
			if applied[j] {
				continue
			}
			on, off := r.countCategory(&temp.bits, cn.Cat)
			diff, same := on, off
			if additive {
				diff, same = off, on
			}
			if same > diff && (diff < minDiff || diff == minDiff && same > maxSame) {
				best, minDiff, maxSame = j, diff, same
			}
		}
		if best < 0 {
			break
		}
		cat := ACLCatNames[best].Cat
		r.setCategory(fake, cat, additive)
		r.setCategory(temp, cat, !additive)
		if additive {
			b.WriteString("+@")
		} else {
			b.WriteString("-@")
		}
		b.WriteString(ACLCatNames[best].Name)
		b.WriteByte(' ')
		applied[best] = true
	}
	for _, cmd := range r.cmds.list {
		r.describeSingle(&b, s, fake, cmd)
		for _, sub := range cmd.Subs {
			r.describeSingle(&b, s, fake, sub)
		}
	}
	out := b.String()
	return out[:len(out)-1]
}

func (r *aclRules) describeSingle(b *strings.Builder, s, fake *aclSelector, cmd *Command) {
	bit := s.bits.get(cmd.id)
	if bit != fake.bits.get(cmd.id) {
		if bit {
			b.WriteByte('+')
		} else {
			b.WriteByte('-')
		}
		b.WriteString(cmd.Name)
		b.WriteByte(' ')
		r.changePerm(fake, cmd, bit)
	}
	if !bit {
		for _, a := range s.firstArgs[cmd.id] {
			b.WriteByte('+')
			b.WriteString(cmd.Name)
			b.WriteByte('|')
			b.WriteString(a)
			b.WriteByte(' ')
		}
	}
}

func (p *keyPattern) String() string {
	switch p.perm {
	case aclRead:
		return "%R~" + p.pattern
	case aclWrite:
		return "%W~" + p.pattern
	}
	return "~" + p.pattern
}

// describeKeys is the "keys" field of ACL GETUSER.
func (s *aclSelector) describeKeys() string {
	if s.flags&selAllKeys != 0 {
		return "~*"
	}
	parts := make([]string, len(s.keys))
	for i := range s.keys {
		parts[i] = s.keys[i].String()
	}
	return strings.Join(parts, " ")
}

// describeChannels is the "channels" field of ACL GETUSER.
func (s *aclSelector) describeChannels() string {
	if s.flags&selAllChannels != 0 {
		return "&*"
	}
	parts := make([]string, len(s.channels))
	for i, ch := range s.channels {
		parts[i] = "&" + ch
	}
	return strings.Join(parts, " ")
}

// describeSelector is one selector as rules: keys, channels, commands.
func (r *aclRules) describeSelector(s *aclSelector) string {
	var b strings.Builder
	if s.flags&selAllKeys != 0 {
		b.WriteString("~* ")
	} else {
		for i := range s.keys {
			b.WriteString(s.keys[i].String())
			b.WriteByte(' ')
		}
	}
	if s.flags&selAllChannels != 0 {
		b.WriteString("&* ")
	} else {
		b.WriteString("resetchannels ")
		for _, ch := range s.channels {
			b.WriteString("&" + ch + " ")
		}
	}
	b.WriteString(r.describeCommands(s))
	return b.String()
}

// describe is the user as ACL LIST shows it (Redis's ACLDescribeUser), cached
// until the user changes.
func (r *aclRules) describe(u *aclUser) string {
	if u.descr != "" {
		return u.descr
	}
	var b strings.Builder
	for _, f := range aclUserFlagNames {
		if u.flags&f.f != 0 {
			b.WriteString(f.name + " ")
		}
	}
	for _, p := range u.passwords {
		b.WriteString("#" + p + " ")
	}
	for _, s := range u.selectors {
		if s.flags&selRoot != 0 {
			b.WriteString(r.describeSelector(s))
		} else {
			b.WriteString(" (" + r.describeSelector(s) + ")")
		}
	}
	u.descr = b.String()
	return u.descr
}

// mergeSelectorArgs joins rules a selector was split into ("(~a" "+get)"), as
// Redis's ACLMergeSelectorArguments. bad is the index of an unclosed "(" rule.
func mergeSelectorArgs(args []string) (merged []string, bad int) {
	open := -1
	var sel string
	for j, op := range args {
		if open == -1 && len(op) > 0 && op[0] == '(' && op[len(op)-1] != ')' {
			sel, open = op, j
			continue
		}
		if open != -1 {
			sel += " " + op
			if len(op) > 0 && op[len(op)-1] == ')' {
				open = -1
				merged = append(merged, sel)
			}
			continue
		}
		merged = append(merged, op)
	}
	if open != -1 {
		return nil, open
	}
	return merged, -1
}

// --- permission checks ---------------------------------------------------------------

// Results of a permission check, ordered as Redis orders them when picking the
// error to report across selectors.
const (
	aclOK = iota
	aclDeniedCmd
	aclDeniedKey
	aclDeniedAuth
	aclDeniedChannel
)

// keyPerm is what a key spec asks of a key: access reads it, insert/delete/update
// write it. Specs derived from a legacy key range carry only RW/RO: those read, or
// read and write, after the command's own flags.
func keyPerm(cmd *Command, flags []string) int {
	perm := 0
	for _, f := range flags {
		switch f {
		case "access":
			perm |= aclRead
		case "insert", "delete", "update":
			perm |= aclWrite
		}
	}
	if perm == 0 && len(cmd.KeySpecs) == 0 {
		if cmd.Flags&FlagWrite != 0 {
			perm = aclAll
		} else if cmd.Flags&FlagReadonly != 0 {
			perm = aclRead
		}
	}
	return perm
}

func (s *aclSelector) checkKey(key []byte, perm int) bool {
	if s.flags&selAllKeys != 0 {
		return true
	}
	for i := range s.keys {
		p := &s.keys[i]
		if p.perm&perm != perm {
			continue
		}
		if glob.GlobMatch([]byte(p.pattern), key, false) {
			return true
		}
	}
	return false
}

// checkChannel matches a channel against the selector's channel patterns; a
// PSUBSCRIBE pattern only matches a channel rule written exactly as it.
func (s *aclSelector) checkChannel(ch []byte, isPattern bool) bool {
	if s.flags&selAllChannels != 0 {
		return true
	}
	for _, p := range s.channels {
		if isPattern && p == string(ch) || !isPattern && glob.GlobMatch([]byte(p), ch, false) {
			return true
		}
	}
	return false
}

// channelArgs returns the argv indexes of the channels a command publishes or
// subscribes to, and whether they are patterns (Redis's commands_with_channels).
func channelArgs(cmd *Command, argc int) (first, last int, pattern bool) {
	switch cmd.Name {
	case "publish", "spublish":
		return 1, 1, false
	case "subscribe", "ssubscribe":
		return 1, argc - 1, false
	case "psubscribe":
		return 1, argc - 1, true
	}
	return 0, -1, false
}

// aclKeyCache holds the keys of a request across selectors.
type aclKeyCache struct {
	done bool
	keys []keyRef
}

// checkCmd checks a request against one selector (Redis's ACLSelectorCheckCmd).
// pos is the argv index of the denied key or channel.
func (s *aclSelector) checkCmd(cmd *Command, argv [][]byte, cache *aclKeyCache) (res, pos int) {
	if s.flags&selAllCommands == 0 && cmd.Flags&FlagNoAuth == 0 && !s.bits.get(cmd.id) {
		args := s.firstArgs[cmd.id]
		idx := 1
		if cmd.parent != nil {
			idx = 2
		}
		if len(argv) <= idx || len(args) == 0 {
			return aclDeniedCmd, 0
		}
		ok := false
		for _, a := range args {
			if strings.EqualFold(a, string(argv[idx])) {
				ok = true
				break
			}
		}
		if !ok {
			return aclDeniedCmd, 0
		}
	}
	if s.flags&selAllKeys == 0 && cmd.hasKeys() {
		if !cache.done {
			cache.keys = cmd.keysWithFlags(argv)
			cache.done = true
		}
		for _, k := range cache.keys {
			if !s.checkKey(argv[k.pos], keyPerm(cmd, k.flags)) {
				return aclDeniedKey, k.pos
			}
		}
	}
	if s.flags&selAllChannels == 0 {
		first, last, pattern := channelArgs(cmd, len(argv))
		for i := first; i <= last && i < len(argv); i++ {
			if !s.checkChannel(argv[i], pattern) {
				return aclDeniedChannel, i
			}
		}
	}
	return aclOK, 0
}

// checkCmd checks a request against every selector of u: allowed when one selector
// allows it all; otherwise the error reported is a command error if no selector got
// past the command, else the key or channel error at the highest position (Redis's
// ACLCheckAllUserCommandPerm).
func (u *aclUser) checkCmd(cmd *Command, argv [][]byte) (res, pos int) {
	var cache aclKeyCache
	res = aclDeniedCmd
	for _, s := range u.selectors {
		r, p := s.checkCmd(cmd, argv, &cache)
		if r == aclOK {
			return aclOK, 0
		}
		if r > res || r == res && p > pos {
			res, pos = r, p
		}
	}
	return res, pos
}

// hasUnrestrictedKeyAccess reports whether s reaches every key with perm: allkeys,
// or a "*" pattern granting perm (Redis's ACLSelectorHasUnrestrictedKeyAccess).
func (s *aclSelector) hasUnrestrictedKeyAccess(perm int) bool {
	if s.flags&selAllKeys != 0 {
		return true
	}
	for _, p := range s.keys {
		if p.perm&perm == perm && p.pattern == "*" {
			return true
		}
	}
	return false
}

// checkCmdUnrestrictedKeys reports whether one selector of u both allows the
// request and reaches every key with perm (Redis's
// ACLUserCheckCmdWithUnrestrictedKeyAccess): SORT's BY and GET patterns read
// keys that no rule can check one by one.
func (u *aclUser) checkCmdUnrestrictedKeys(cmd *Command, argv [][]byte, perm int) bool {
	var cache aclKeyCache
	for _, s := range u.selectors {
		if r, _ := s.checkCmd(cmd, argv, &cache); r == aclOK && s.hasUnrestrictedKeyAccess(perm) {
			return true
		}
	}
	return false
}

// checkChannel reports whether any selector of u allows the channel.
func (u *aclUser) checkChannel(ch []byte, isPattern bool) bool {
	for _, s := range u.selectors {
		if s.checkChannel(ch, isPattern) {
			return true
		}
	}
	return false
}
