package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/engine/config"
)

func testRules(t *testing.T) *aclRules {
	t.Helper()
	return &aclRules{cmds: newCommandTable(commandFamilies()...), pubsubDefault: func() aclSelFlag { return 0 }}
}

// TestACLDescribe checks the text ACL LIST shows for rule sequences against what
// redis-server 7.0.15 shows for the same ACL SETUSER (each case was run there; only
// cases with at most one single-command rule, whose order Redis does not fix).
func TestACLDescribe(t *testing.T) {
	r := testRules(t)
	// Command ids index the permission bitmap, whose last bit is reserved.
	if n := len(r.cmds.all); n >= aclFutureBit {
		t.Fatalf("%d commands do not fit the ACL bitmap", n)
	}
	for _, tc := range []struct{ rules, want string }{
		{"", "off resetchannels -@all"},
		{"on nopass ~* &* +@all", "on nopass ~* &* +@all"},
		{"on >p1 >p2 ~k* %R~r* %W~w* %RW~x* &ch* -@all +@read",
			"on #P1 #P2 ~k* %R~r* %W~w* ~x* resetchannels &ch* -@all +@read"},
		{"+@all -@dangerous", "off resetchannels +@all -@dangerous"},
		{"+@all -@dangerous -@admin -@keyspace", "off resetchannels +@all -@dangerous -@keyspace"},
		{"-@all +@string +@hash -hset", "off resetchannels -@all +@string +@hash -hset"},
		{"+@all -@write +set", "off resetchannels +@all -@write +set"},
		{"-@all +@slow", "off resetchannels -@all +@slow"},
		{"+@all -@slow", "off resetchannels +@all -@slow"},
		{"-@all +client -client|kill", "off resetchannels -@all +client -client|kill"},
		{"-@all +select|0 +select|1 +SELECT|1", "off resetchannels -@all +select|0 +select|1"},
		{"reset", "off sanitize-payload resetchannels -@all"},
		{"nopass allkeys allchannels allcommands (~foo +get) (%R~bar +@read)",
			"off nopass ~* &* +@all (~foo resetchannels -@all +get) (%R~bar resetchannels -@all +@read)"},
		{"-@all +@geo +@stream +@hyperloglog +@bitmap +@blocking", "off resetchannels -@all +@stream +@geo +@bitmap +@hyperloglog +@blocking"},
		{"+@all -@read -@write", "off resetchannels +@all -@write -@read"},
		{"-@all +@keyspace -del", "off resetchannels -@all +@keyspace -del"},
		{"+@all -config +config|get", "off resetchannels +@all -config +config|get"},
		{"-@all +select|0 +@keyspace", "off resetchannels -@all +@keyspace +select|0"},
		{"-@all +select|0 +select", "off resetchannels -@all +select"},
		{"%R~a %W~a", "off ~a resetchannels -@all"},
		{"on off skip-sanitize-payload", "off skip-sanitize-payload resetchannels -@all"},
	} {
		u := r.newUser("u")
		rules, bad := mergeSelectorArgs(strings.Fields(tc.rules))
		if bad >= 0 {
			t.Fatalf("%q: unmatched parenthesis", tc.rules)
		}
		for _, op := range rules {
			if err := r.setUser(u, op); err != nil {
				t.Fatalf("%q: %s: %v", tc.rules, op, err)
			}
		}
		got := r.describe(u)
		tc.want = strings.NewReplacer("#P1", "#"+hashPassword([]byte("p1")), "#P2", "#"+hashPassword([]byte("p2"))).Replace(tc.want)
		if got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.rules, got, tc.want)
		}
		// The description is itself a rule list that rebuilds the same user.
		again := r.newUser("again")
		rules, _ = mergeSelectorArgs(strings.Split(got, " "))
		for _, op := range rules {
			if strings.HasPrefix(op, "#") {
				continue
			}
			if err := r.setUser(again, op); err != nil {
				t.Fatalf("%q: replaying %q: %v", tc.rules, op, err)
			}
		}
		if u.root().bits != again.root().bits {
			t.Errorf("%q: replaying %q gives other permissions", tc.rules, got)
		}
	}
}

func TestACLRuleErrors(t *testing.T) {
	r := testRules(t)
	for _, tc := range []struct {
		rules []string
		want  error
	}{
		{[]string{"+nosuch"}, errACLUnknown},
		{[]string{"-@nosuch"}, errACLUnknown},
		{[]string{"+config|nosuch"}, errACLUnknown},
		{[]string{"+config|get|x"}, errACLFirstArgSub},
		{[]string{"+select|"}, errACLSyntax},
		{[]string{"~a", "~*", "~b"}, errACLKeyAfterAll},
		{[]string{"&*", "&b"}, errACLChanAfterAll},
		{[]string{"<nopass"}, errACLNoSuchPass},
		{[]string{"#abc"}, errACLBadHash},
		{[]string{"%X~a"}, errACLSyntax},
		{[]string{"%RR~a"}, errACLSyntax},
		{[]string{"~a b"}, errACLSyntax},
		{[]string{"(on)"}, errACLSyntax},
		{[]string{"foo"}, errACLSyntax},
	} {
		u := r.newUser("u")
		var err error
		for _, op := range tc.rules {
			if err = r.setUser(u, op); err != nil {
				break
			}
		}
		if err != tc.want {
			t.Errorf("%q: got %v, want %v", tc.rules, err, tc.want)
		}
	}
	if _, bad := mergeSelectorArgs([]string{"on", "(~a", "+get"}); bad != 1 {
		t.Errorf("unclosed selector: bad = %d, want 1", bad)
	}
}

// aclArgv builds a request for cmd that passes its arity check.
func aclArgv(cmd *Command) []string {
	var argv []string
	if cmd.parent != nil {
		argv = []string{cmd.parent.Name, cmd.subName()}
	} else {
		argv = []string{cmd.Name}
	}
	n := cmd.Arity
	if n < 0 {
		n = -n
	}
	for len(argv) < n {
		argv = append(argv, "x")
	}
	return argv
}

// TestACLDeniesEveryCommandNotGranted runs every command of the table, subcommands
// included, as a user granted only GET: each one must be refused with the
// command's NOPERM error before it runs, whatever it would do (SHUTDOWN, FLUSHALL,
// DEBUG ... included). Commands allowed before AUTH (AUTH, HELLO, QUIT, RESET) are
// exempt from command rules in Redis and are not sent.
func TestACLDeniesEveryCommandNotGranted(t *testing.T) {
	s, addr := startTestServer(t, nil)
	admin := dialTest(t, addr)
	if got := admin.do("ACL", "SETUSER", "limited", "on", ">pw", "-@all", "+get", "~*", "&*"); got != "OK" {
		t.Fatal(got)
	}
	c := dialTest(t, addr)
	if got := c.do("AUTH", "limited", "pw"); got != "OK" {
		t.Fatal(got)
	}
	checked := 0
	for _, cmd := range s.commands.all {
		if len(cmd.Subs) > 0 || cmd.Flags&FlagNoAuth != 0 || cmd.Name == "get" {
			continue
		}
		argv := aclArgv(cmd)
		want := "-NOPERM this user has no permissions to run the '" + cmd.Name + "' command"
		if cmd.Name == "exec" { // a refused EXEC aborts, in or out of MULTI
			want = "-EXECABORT Transaction discarded because of: " + want[1:]
		}
		if got := c.do(argv...); got != want {
			t.Errorf("%q: got %q, want %q", argv, got, want)
		}
		checked++
	}
	if checked < 200 {
		t.Fatalf("only %d commands checked", checked)
	}
	if got := c.do("GET", "k"); got != "(nil)" {
		t.Errorf("GET: %q", got)
	}
	if got := admin.do("PING"); got != "PONG" {
		t.Errorf("the server is not answering after the run: %q", got)
	}
}

// TestACLKeyPermissions: %R~ patterns allow reading, %W~ writing, ~ both; the key
// spec flags of each key decide which is needed (COPY reads its source and writes
// its destination).
func TestACLKeyPermissions(t *testing.T) {
	_, addr := startTestServer(t, nil)
	admin := dialTest(t, addr)
	admin.do("ACL", "SETUSER", "k", "on", "nopass", "+@all", "~k*", "%R~r*", "%W~w*")
	admin.do("MSET", "r1", "v", "w1", "v", "k1", "v")
	c := dialTest(t, addr)
	c.do("AUTH", "k", "x")
	const denied = "-NOPERM this user has no permissions to access one of the keys used as arguments"
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"GET", "k1"}, "v"},
		{[]string{"GET", "r1"}, "v"},
		{[]string{"GET", "w1"}, denied},
		{[]string{"SET", "w2", "v"}, "OK"},
		{[]string{"SET", "r2", "v"}, denied},
		{[]string{"APPEND", "w1", "x"}, ":2"}, // RW insert: writes only
		{[]string{"INCR", "w1"}, denied},      // RW access update: reads too
		{[]string{"COPY", "r1", "w3"}, ":1"},
		{[]string{"COPY", "w1", "r3"}, denied},
		{[]string{"MGET", "k1", "r1", "other"}, denied},
		{[]string{"EXISTS", "w1"}, ":1"}, // RO without access: no read needed
		{[]string{"DEL", "w2"}, ":1"},
		{[]string{"DEL", "r1"}, denied},
		{[]string{"SET", "k2", "v", "GET"}, "(nil)"},
	} {
		if got := c.do(tc.argv...); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.argv, got, tc.want)
		}
	}
	if got := c.do("ACL", "LOG", "1"); !strings.Contains(got, "reason key context toplevel object r1 username k") {
		t.Errorf("ACL LOG: %q", got)
	}
}

// TestACLMulti: a denied command is refused while queued and fails the transaction;
// a queued command whose permission is revoked before EXEC is refused by EXEC.
func TestACLMulti(t *testing.T) {
	_, addr := startTestServer(t, nil)
	admin := dialTest(t, addr)
	admin.do("ACL", "SETUSER", "tx", "on", "nopass", "-@all", "+multi", "+exec", "+get", "+set", "~k*")
	c := dialTest(t, addr)
	c.do("AUTH", "tx", "x")
	c.do("MULTI")
	if got := c.do("GET", "other"); !strings.HasPrefix(got, "-NOPERM") {
		t.Errorf("queued GET other: %q", got)
	}
	if got := c.do("EXEC"); !strings.HasPrefix(got, "-EXECABORT") {
		t.Errorf("EXEC: %q", got)
	}
	c.do("MULTI")
	c.do("SET", "k1", "v")
	c.do("GET", "k1")
	admin.do("ACL", "SETUSER", "tx", "-set")
	want := "[-NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: no permission to execute the command or subcommand (nil)]"
	if got := c.do("EXEC"); got != want {
		t.Errorf("EXEC:\n got %q\nwant %q", got, want)
	}
	if got := admin.do("ACL", "LOG", "1"); !strings.Contains(got, "reason command context multi object set") {
		t.Errorf("ACL LOG: %q", got)
	}
}

// TestACLScripts: redis.call inside EVAL runs with the caller's permissions.
func TestACLScripts(t *testing.T) {
	_, addr := startTestServer(t, nil)
	admin := dialTest(t, addr)
	admin.do("ACL", "SETUSER", "sc", "on", "nopass", "-@all", "+eval", "+get", "~k*")
	c := dialTest(t, addr)
	c.do("AUTH", "sc", "x")
	if got := c.do("EVAL", "return redis.call('get', 'k1')", "0"); got != "(nil)" {
		t.Errorf("allowed GET: %q", got)
	}
	if got := c.do("EVAL", "return redis.call('get', 'other')", "0"); !strings.Contains(got, "The user executing the script can't access at least one of the keys mentioned in the command arguments") {
		t.Errorf("denied key: %q", got)
	}
	if got := c.do("EVAL", "return redis.call('set', 'k1', 'v')", "0"); !strings.Contains(got, "The user executing the script can't run this command or subcommand") {
		t.Errorf("denied command: %q", got)
	}
	if got := admin.do("ACL", "LOG", "1"); !strings.Contains(got, "context lua object set") {
		t.Errorf("ACL LOG: %q", got)
	}
}

// TestACLUsersAndConnections: AUTH, RESET, DELUSER disconnecting the user's clients,
// requirepass as the default user's password.
func TestACLUsersAndConnections(t *testing.T) {
	_, addr := startTestServer(t, nil)
	admin := dialTest(t, addr)
	admin.do("ACL", "SETUSER", "alice", "on", ">pw", "+@all", "~*")
	c := dialTest(t, addr)
	if got := c.do("AUTH", "alice", "bad"); got != "-WRONGPASS invalid username-password pair or user is disabled." {
		t.Errorf("bad password: %q", got)
	}
	c.do("AUTH", "alice", "pw")
	if got := c.do("ACL", "WHOAMI"); got != "alice" {
		t.Errorf("WHOAMI: %q", got)
	}
	if got := c.do("CLIENT", "INFO"); !strings.Contains(got, " user=alice ") {
		t.Errorf("CLIENT INFO: %q", got)
	}
	if got := admin.do("ACL", "DELUSER", "alice"); got != ":1" {
		t.Errorf("DELUSER: %q", got)
	}
	// The connection was closed by the server.
	c.c.Write([]byte("*1\r\n$4\r\nPING\r\n"))
	if _, err := readReply(c.rd); err == nil {
		t.Errorf("the deleted user's connection is still open")
	}

	admin.do("CONFIG", "SET", "requirepass", "sesame")
	n := dialTest(t, addr)
	if got := n.do("GET", "k"); got != "-NOAUTH Authentication required." {
		t.Errorf("before AUTH: %q", got)
	}
	if got := n.do("AUTH", "sesame"); got != "OK" {
		t.Errorf("AUTH sesame: %q", got)
	}
	admin.do("ACL", "SETUSER", "default", "nopass")
	if got := dialTest(t, addr).do("GET", "k"); got != "(nil)" {
		t.Errorf("after nopass: %q", got)
	}
}

// TestACLFile: users load from the aclfile at start, ACL SAVE writes them in
// Redis's format, ACL LOAD reads them back and refuses a bad file as a whole.
func TestACLFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "users.acl")
	os.WriteFile(path, []byte("user default on nopass ~* &* +@all\nuser bob on #"+hashPassword([]byte("pw"))+" ~b* -@all +get\n"), 0o644)
	_, addr := startTestServer(t, func(c *config.Config) { c.ACLFile = path })
	admin := dialTest(t, addr)
	want := "[user bob on #" + hashPassword([]byte("pw")) + " ~b* resetchannels -@all +get user default on nopass ~* &* +@all]"
	if got := admin.do("ACL", "LIST"); got != want {
		t.Errorf("ACL LIST:\n got %q\nwant %q", got, want)
	}
	admin.do("ACL", "SETUSER", "carol", "on", "nopass", "+@read")
	if got := admin.do("ACL", "SAVE"); got != "OK" {
		t.Fatal(got)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "user carol on nopass resetchannels -@all +@read\n") {
		t.Errorf("saved file:\n%s", data)
	}
	bob := dialTest(t, addr)
	bob.do("AUTH", "bob", "pw")
	os.WriteFile(path, []byte("user default on nopass ~* &* +@all\nuser dave on +nosuch\nfoo\n"), 0o644)
	wantErr := "-ERR " + path + ":2: Error in applying operation '+nosuch': Unknown command or category name in ACL. " + path + ":3 should start with user keyword followed by the username. WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
	if got := admin.do("ACL", "LOAD"); got != wantErr {
		t.Errorf("ACL LOAD of a bad file:\n got %q\nwant %q", got, wantErr)
	}
	if got := bob.do("ACL", "WHOAMI"); got != "-NOPERM this user has no permissions to run the 'acl|whoami' command" {
		t.Errorf("bob after a failed load: %q", got)
	}
	os.WriteFile(path, []byte("user default on nopass ~* &* +@all\nuser bob on nopass ~* +@all\n"), 0o644)
	if got := admin.do("ACL", "LOAD"); got != "OK" {
		t.Errorf("ACL LOAD: %q", got)
	}
	// ACL LOAD replaces every user: their connections close.
	bob.c.Write([]byte("*1\r\n$4\r\nPING\r\n"))
	if _, err := readReply(bob.rd); err == nil {
		t.Errorf("bob's connection is still open after ACL LOAD")
	}
	if got := admin.do("ACL", "USERS"); got != "[bob default]" {
		t.Errorf("ACL USERS: %q", got)
	}
}

// TestACLConfigUsers: "user" directives create users at start; CONFIG REWRITE
// writes the users back as Redis does.
func TestACLConfigUsers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "redis.conf")
	os.WriteFile(path, []byte("user alice on >pw ~a* (~b* +get) +@read\n"), 0o644)
	cfg, err := config.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Config: cfg, ConfigPath: path})
	if err != nil {
		t.Fatal(err)
	}
	want := "on #" + hashPassword([]byte("pw")) + " ~a* resetchannels -@all +@read (~b* resetchannels -@all +get)"
	if got := s.acl.rules.describe(s.acl.users["alice"]); got != want {
		t.Errorf("alice:\n got %q\nwant %q", got, want)
	}
	s.aclStoreUsersInConfig()
	if err := s.cfg.Rewrite(path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "user alice "+want+"\n") || !strings.Contains(string(data), "user default on nopass ~* &* +@all\n") {
		t.Errorf("rewritten config:\n%s", data)
	}
	// Users in the config file and an aclfile together are refused, as in Redis.
	cfg.ACLFile = filepath.Join(dir, "users.acl")
	if _, err := New(Options{Config: cfg}); err == nil {
		t.Errorf("user lines with an aclfile were accepted")
	}
	// A bad rule stops the server from starting.
	cfg, _ = config.Load("", nil)
	cfg.Users = [][]string{{"bob", "+nosuch"}}
	if _, err := New(Options{Config: cfg}); err == nil || !strings.Contains(err.Error(), "Unknown command or category name in ACL") {
		t.Errorf("bad rule: %v", err)
	}
}

// FuzzACLRules applies arbitrary rules to a user: no rule may panic, and a user
// without selectors described and rebuilt from its description has the same
// permissions, keys and channels.
func FuzzACLRules(f *testing.F) {
	for _, seed := range []string{
		"on >p ~k* %R~r* &ch -@all +@read",
		"+@all -@dangerous -get +config|get",
		"-@all +select|0 +@keyspace %RW~x",
		"(~a +get) (%W~b", "reset allkeys nocommands +client -client|kill",
		"%R~ %W", "+@all -@slow +client|id",
	} {
		f.Add(seed)
	}
	r := &aclRules{cmds: newCommandTable(commandFamilies()...), pubsubDefault: func() aclSelFlag { return 0 }}
	f.Fuzz(func(t *testing.T, rules string) {
		u := r.newUser("u")
		for _, op := range strings.Fields(rules) {
			r.setUser(u, op)
		}
		d := r.describe(u)
		if len(u.selectors) > 1 || strings.ContainsAny(d, "()") {
			return
		}
		again := r.newUser("u")
		for _, op := range strings.Split(d, " ") {
			if strings.HasPrefix(op, "#") {
				continue
			}
			if err := r.setUser(again, op); err != nil {
				t.Fatalf("%q: replaying %q of %q: %v", rules, op, d, err)
			}
		}
		noHashes := func(d string) string {
			var keep []string
			for _, op := range strings.Split(d, " ") {
				if !strings.HasPrefix(op, "#") {
					keep = append(keep, op)
				}
			}
			return strings.Join(keep, " ")
		}
		if got := r.describe(again); got != noHashes(d) {
			t.Fatalf("%q: described %q, rebuilt as %q", rules, d, got)
		}
		if u.root().bits != again.root().bits {
			t.Fatalf("%q: %q rebuilds other permissions", rules, d)
		}
	})
}

// TestACLLog: identical denials within a minute share one entry with a count; the
// log keeps acllog-max-len entries, newest first.
func TestACLLog(t *testing.T) {
	_, addr := startTestServer(t, nil)
	admin := dialTest(t, addr)
	admin.do("ACL", "SETUSER", "lg", "on", "nopass", "-@all", "+get", "~k*")
	c := dialTest(t, addr)
	c.do("AUTH", "lg", "x")
	for i := 0; i < 3; i++ {
		c.do("GET", "other")
	}
	got := admin.do("ACL", "LOG")
	if !strings.HasPrefix(got, "[[count :3 reason key context toplevel object other username lg age-seconds ") ||
		!strings.Contains(got, " user=lg ") {
		t.Errorf("grouped entry: %q", got)
	}
	admin.do("CONFIG", "SET", "acllog-max-len", "2")
	c.do("SET", "k1", "v")
	c.do("DEL", "k1")
	c.do("AUTH", "lg", "x") // nopass: succeeds, not logged
	c.do("AUTH", "nosuch", "x")
	got = admin.do("ACL", "LOG")
	if !strings.HasPrefix(got, "[[count :1 reason auth context toplevel object AUTH username nosuch ") ||
		!strings.Contains(got, "] [count :1 reason command context toplevel object del username lg ") ||
		strings.Contains(got, "object set") {
		t.Errorf("trimmed log: %q", got)
	}
	if got := admin.do("ACL", "LOG", "RESET"); got != "OK" {
		t.Error(got)
	}
	if got := admin.do("ACL", "LOG"); got != "[]" {
		t.Errorf("after RESET: %q", got)
	}
}
