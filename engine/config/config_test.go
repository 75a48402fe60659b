// config_test.go: table tests of the parsers, Load, Get, Set, Rewrite and
// Validate, none needing redis-server (see redis_test.go for those).

package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{"", nil, false},
		{"   \t ", nil, false},
		{"port 6379", []string{"port", "6379"}, false},
		{"  set   a\tb  ", []string{"set", "a", "b"}, false},
		{`save ""`, []string{"save", ""}, false},
		{`a "b c" 'd e'`, []string{"a", "b c", "d e"}, false},
		{`"\x41\x7a\n\r\t\b\a\"\\\q"`, []string{"Az\n\r\t\b\a\"\\q"}, false},
		{`"\x4"`, []string{"x4"}, false}, // not two hex digits: \x is x
		{`'it\'s' '\n'`, []string{"it's", `\n`}, false},
		{`ab"cd"`, []string{"abcd"}, false}, // quotes inside a word open a quoted part
		{`"unterminated`, nil, true},
		{`'unterminated`, nil, true},
		{`"a"b`, nil, true}, // a closing quote must end the argument
		{`'a'b`, nil, true},
		{`"a"` + "\v" + `b`, []string{"a", "b"}, false},
		{"a\x00b c", []string{"a"}, false}, // a C string ends at NUL
		{"a\vb", []string{"a\vb"}, false},  // \v separates only at the start of an argument
		{`"\"`, nil, true},
	} {
		got, err := SplitArgs(tc.in)
		if (err != nil) != tc.err || !slices.Equal(got, tc.want) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q, err %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{"dump.rdb", `"dump.rdb"`},
		{"a b\"c\\", `"a b\"c\\"`},
		{"\n\r\t\a\b", `"\n\r\t\a\b"`},
		{"\x00\x7f\xff", `"\x00\x7f\xff"`},
	} {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %s, want %s", tc.in, got, tc.want)
		}
		if back, err := SplitArgs(Quote(tc.in)); err != nil || !slices.Equal(back, []string{tc.in}) {
			t.Errorf("SplitArgs(Quote(%q)) = %q, %v", tc.in, back, err)
		}
	}
}

func TestParseMemory(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true},
		{"100", 100, true},
		{"1b", 1, true},
		{"1k", 1000, true},
		{"1K", 1000, true},
		{"1kb", 1024, true},
		{"1KB", 1024, true},
		{"1m", 1000000, true},
		{"1mb", 1 << 20, true},
		{"1Mb", 1 << 20, true},
		{"1g", 1000000000, true},
		{"1gb", 1 << 30, true},
		{"2GB", 2 << 30, true},
		{"", 0, true}, // as Redis: strtoull("") is 0
		{"kb", 0, true},
		{"-1", 0, false},
		{"+1", 0, false},
		{"1 mb", 0, false},
		{"1tb", 0, false},
		{"1.5mb", 0, false},
		{"0x10", 0, false},
		{"18446744073709551615", 1<<64 - 1, true},
		{"18446744073709551616", 1<<64 - 1, true}, // saturates, as strtoull
	} {
		got, ok := parseMemory(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseMemory(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseInt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"-1", -1, true},
		{"123", 123, true},
		{"9223372036854775807", 1<<63 - 1, true},
		{"-9223372036854775808", -1 << 63, true},
		{"9223372036854775808", 0, false},
		{"", 0, false},
		{"-", 0, false},
		{"-0", 0, false},
		{"01", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"1e3", 0, false},
	} {
		got, ok := parseInt(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseInt(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestStrtoll(t *testing.T) {
	for _, tc := range []struct {
		in, rest string
		base     int
		want     int64
	}{
		{"", "", 10, 0},
		{"  -12x", "x", 10, -12},
		{"+7", "", 10, 7},
		{"007", "", 10, 7},
		{"777", "", 8, 511},
		{"9", "9", 8, 0},
		{"99999999999999999999", "", 10, 1<<63 - 1},
	} {
		got, rest, _ := strtoll(tc.in, tc.base)
		if got != tc.want || rest != tc.rest {
			t.Errorf("strtoll(%q, %d) = %d, %q; want %d, %q", tc.in, tc.base, got, rest, tc.want, tc.rest)
		}
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pat, s string
		nocase bool
		want   bool
	}{
		{"*", "", true, false}, // as Redis: an empty string matches only an empty pattern
		{"*", "anything", true, true},
		{"max*", "maxmemory", true, true},
		{"MAX*", "maxmemory", true, true},
		{"MAX*", "maxmemory", false, false},
		{"*memory", "maxmemory", true, true},
		{"*-*-*", "a-b-c", true, true},
		{"*-*-*", "a-b", true, false},
		{"h?", "hz", true, true},
		{"h?", "h", true, false},
		{"[a-c]*", "bind", true, true},
		{"[c-a]*", "bind", true, true}, // reversed range
		{"[^a-c]*", "bind", true, false},
		{"[A-C]*", "bind", true, true},
		{"[xb]ind", "bind", true, true},
		{`[\]]`, "]", true, true},
		{`\*`, "*", true, true},
		{`\*`, "a", true, false},
		{"[", "", true, false},
		{"[abc", "a", true, true}, // an unterminated class ends the pattern
		{"[abc", "ab", true, false},
		{"a**b", "ab", true, true},
		{"a*", "a", true, true},
		{"", "", true, true},
		{"", "a", true, false},
		{"a\\", "a\\", true, true},
		{"*a*a*a*a*a*a*a*a*a*a*b", strings.Repeat("a", 40), true, false},
	} {
		if got := Match(tc.pat, tc.s, tc.nocase); got != tc.want {
			t.Errorf("Match(%q, %q, %v) = %v, want %v", tc.pat, tc.s, tc.nocase, got, tc.want)
		}
	}
}

// writeFile writes content to name in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "inc.conf", "maxmemory 2mb\n")
	if err := os.Mkdir(filepath.Join(dir, "conf.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "conf.d/a.conf", "hz 20\n")
	writeFile(t, dir, "conf.d/b.conf", "hz 30\n")
	main := writeFile(t, dir, "redis.conf", `
# comment
  PORT 7000
save 900 1
save "300 10"
slave-priority 5
bind 127.0.0.1 ::1
maxmemory 1mb
dir `+dir+`
include inc.conf
include conf.d/*.conf
include nomatch/*.conf
rename-command FLUSHALL ""
rename-command CONFIG cfg
user alice on >pw ~* +@all
loadmodule /x/mod.so arg1
list-max-ziplist-entries 7
lua-replicate-commands yes
sentinel
requirepass "p w"
client-output-buffer-limit replica 1gb 512mb 30 pubsub 0 0 0
notify-keyspace-events Ex
`)
	c, err := Load(main, nil)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		got, want any
	}{
		{c.Port, 7000},
		{c.Save, [][2]int64{{900, 1}, {300, 10}}},
		{c.ReplicaPriority, 5},
		{c.Bind, []string{"127.0.0.1", "::1"}},
		{c.MaxMemory, int64(2 << 20)}, // the include comes later
		{c.Hz, 30},                    // glob includes are read in sorted order
		{c.RenameCommands, [][2]string{{"FLUSHALL", ""}, {"CONFIG", "cfg"}}},
		{c.Users, [][]string{{"alice", "on", ">pw", "~*", "+@all"}}},
		{c.LoadModules, [][]string{{"/x/mod.so", "arg1"}}},
		{c.RequirePass, "p w"},
		{c.ClientOutputBufferLimit, [3]OutputBufferLimit{{0, 0, 0}, {1 << 30, 512 << 20, 30}, {0, 0, 0}}},
		{c.NotifyKeyspaceEvents, NotifyKeyevent | NotifyExpired},
	}
	for i, ck := range checks {
		if !reflect.DeepEqual(ck.got, ck.want) {
			t.Errorf("check %d: got %v, want %v", i, ck.got, ck.want)
		}
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

func TestLoadArgs(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		check func(c *Config) bool
	}{
		{[]string{"--port", "7000"}, func(c *Config) bool { return c.Port == 7000 }},
		{[]string{"--port 7001"}, func(c *Config) bool { return c.Port == 7001 }},
		{[]string{"--save", ""}, func(c *Config) bool { return len(c.Save) == 0 }},
		{[]string{"--save"}, func(c *Config) bool { return len(c.Save) == 0 }},
		{[]string{"--save", "--port", "1"}, func(c *Config) bool { return len(c.Save) == 0 && c.Port == 1 }},
		{[]string{"--save", "900 1 300 10"}, func(c *Config) bool { return len(c.Save) == 2 && c.Save[1] == [2]int64{300, 10} }},
		{[]string{"--save", "900", "1", "--save", "60", "5"}, func(c *Config) bool { return len(c.Save) == 2 && c.Save[1] == [2]int64{60, 5} }},
		{[]string{"--bind", "127.0.0.1", "::1"}, func(c *Config) bool { return slices.Equal(c.Bind, []string{"127.0.0.1", "::1"}) }},
		{[]string{"--requirepass", "a \"b\"\n"}, func(c *Config) bool { return c.RequirePass == "a \"b\"\n" }},
		{[]string{"--logfile", "--weird"}, func(c *Config) bool { return c.LogFile == "--weird" }}, // a bare option's first argument is a value
		{[]string{"--slaveof", "127.0.0.1", "6380"}, func(c *Config) bool { return c.ReplicaOfHost == "127.0.0.1" && c.ReplicaOfPort == 6380 }},
		{[]string{"--hz", "0"}, func(c *Config) bool { return c.Hz == 1 }}, // clamped after loading
		{[]string{"--hz", "100000"}, func(c *Config) bool { return c.Hz == 500 }},
		{[]string{"--MAXMEMORY", "1Gb"}, func(c *Config) bool { return c.MaxMemory == 1<<30 }},
		{[]string{"--maxmemory-clients", "10%"}, func(c *Config) bool { return c.MaxMemoryClients == -10 }},
		{[]string{"--oom-score-adj", "relative"}, func(c *Config) bool { return c.OOMScoreAdj == "yes" }},
		{[]string{"--shutdown-on-sigterm", "now", "force"}, func(c *Config) bool { return c.ShutdownOnSigterm == ShutdownNow|ShutdownForce }},
		{[]string{"--unixsocketperm", "700"}, func(c *Config) bool { return c.UnixSocketPerm == 0o700 }},
		{[]string{"--dir", "."}, func(c *Config) bool { wd, _ := os.Getwd(); r, _ := filepath.EvalSymlinks(wd); return c.Dir == r }},
		{nil, func(c *Config) bool { return c.Port == 6379 }},
	} {
		c, err := Load("", tc.args)
		if err != nil {
			t.Errorf("Load(%q): %v", tc.args, err)
			continue
		}
		if !tc.check(c) {
			t.Errorf("Load(%q): unexpected result %+v", tc.args, c.Get([]string{"port", "save", "bind", "hz", "dir"}))
		}
		if err := c.Validate(); err != nil {
			t.Errorf("Load(%q): Validate: %v", tc.args, err)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	inc := writeFile(t, dir, "inc.conf", "port 1\nhz x\n")
	loop := filepath.Join(dir, "loop.conf")
	writeFile(t, dir, "loop.conf", "include "+loop+"\n")
	for _, tc := range []struct {
		file string // content, "" for none
		args []string
		want string // Error()
	}{
		{"port 1\nfoo bar\n", nil, "{file}:2: 'foo bar': Bad directive or wrong number of arguments"},
		{"\n\nport 1 2\n", nil, "{file}:3: 'port 1 2': wrong number of arguments"},
		{"port \"1\n", nil, "{file}:1: 'port \"1': Unbalanced quotes in configuration line"},
		{"include " + inc + "\n", nil, inc + ":2: 'hz x': argument couldn't be parsed into an integer"},
		{"include " + loop + "\n", nil, loop + ":1: 'include " + loop + "': include nesting too deep (include loop?)"},
		{"", []string{"--port", "1", "--maxmemory", "1", "2"}, `command line, option 2: 'maxmemory "1" "2"': wrong number of arguments`},
		{"", []string{"foo"}, `command line, option 1: '"foo"': Bad directive or wrong number of arguments`},
		{"", []string{"--port", "--x"}, `command line, option 1: 'port "--x"': argument couldn't be parsed into an integer`},
		{"", []string{"--cluster-enabled", "yes", "--replicaof", "h", "1"}, "replicaof directive not allowed in cluster mode"},
		// "-": standard input (here "hz x\n") after the file, before the options.
		{"", []string{"-"}, "(stdin):1: 'hz x': argument couldn't be parsed into an integer"},
		{"port 1\n", []string{"--port", "2", "-"}, "{file}:2: 'hz x': argument couldn't be parsed into an integer"},
	} {
		path := ""
		if tc.file != "" {
			path = writeFile(t, dir, "main.conf", tc.file)
		}
		Stdin = strings.NewReader("hz x\n")
		_, err := Load(path, tc.args)
		want := strings.ReplaceAll(tc.want, "{file}", path)
		var le *LoadError
		if err == nil || err.Error() != want || !errors.As(err, &le) {
			t.Errorf("Load(%q, %q) = %v, want %s", tc.file, tc.args, err, want)
		}
	}
	_, err := Load(filepath.Join(dir, "missing.conf"), nil)
	if err == nil || !strings.Contains(err.Error(), "can't open config file") || !strings.Contains(err.Error(), "No such file or directory") {
		t.Errorf("missing file: %v", err)
	}
	var le *LoadError
	if _, err := Load(writeFile(t, dir, "bad.conf", "foo\n"), nil); !errors.As(err, &le) ||
		!strings.Contains(le.Report(), "*** FATAL CONFIG FILE ERROR") || !strings.Contains(le.Report(), ">>> 'foo'") {
		t.Errorf("Report: %v", err)
	}
}

func TestGet(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		pats []string
		want [][2]string
	}{
		{[]string{"MaxMemory"}, [][2]string{{"MaxMemory", "0"}}}, // exact names come back as written
		{[]string{"maxmemory", "MAXMEMORY"}, [][2]string{{"maxmemory", "0"}}},
		{[]string{"watchdog-period"}, [][2]string{{"watchdog-period", "0"}}}, // hidden, but exact
		{[]string{"watchdog*"}, nil},
		{[]string{"slaveof", "replicaof"}, [][2]string{{"slaveof", ""}, {"replicaof", ""}}},
		{[]string{"hz", "h?"}, [][2]string{{"hz", "10"}}},
		{[]string{"save"}, [][2]string{{"save", "3600 1 300 100 60 10000"}}},
		{[]string{"client-output-buffer-limit"}, [][2]string{{"client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"}}},
		{[]string{"nosuch", ""}, nil},
	} {
		if got := c.Get(tc.pats); !slices.Equal(got, tc.want) {
			t.Errorf("Get(%q) = %q, want %q", tc.pats, got, tc.want)
		}
	}
	all := c.Get([]string{"*", "*"})
	seen := map[string]bool{}
	for _, kv := range all {
		if seen[kv[0]] {
			t.Errorf("Get(*) returns %s twice", kv[0])
		}
		seen[kv[0]] = true
	}
	// All names but the hidden ones: Redis's 5 test hooks and keygrid's own 5
	// (metrics-port, cluster-bootstrap-*, cluster-bus-secret).
	if len(all) != len(entries)-10 {
		t.Errorf("Get(*) returned %d names, want %d", len(all), len(entries)-10)
	}
}

func TestSet(t *testing.T) {
	c := Default()
	changed, err := c.Set([][2]string{{"maxmemory", "1mb"}, {"HZ", "1000"}, {"slave-priority", "3"}, {"replica-priority", "4"}, {"tls-cert-file", ""}, {"timeout", "0"}})
	if err != nil {
		t.Fatal(err)
	}
	// Canonical names, once each, only if changed (tls-cert-file is volatile: always).
	if want := []string{"maxmemory", "hz", "replica-priority", "tls-cert-file"}; !slices.Equal(changed, want) {
		t.Errorf("changed = %q, want %q", changed, want)
	}
	if c.MaxMemory != 1<<20 || c.Hz != 500 || c.ReplicaPriority != 4 {
		t.Errorf("values not set: %d %d %d", c.MaxMemory, c.Hz, c.ReplicaPriority)
	}

	// All or nothing: a bad second value leaves the first one unset.
	before := c.Clone()
	_, err = c.Set([][2]string{{"maxmemory", "2mb"}, {"save", "1 2"}, {"bind", "1.2.3.4"}, {"maxmemory-policy", "nope"}})
	if err == nil || !strings.Contains(err.Error(), "'maxmemory-policy'") {
		t.Fatalf("err = %v", err)
	}
	if !slices.Equal(c.Get([]string{"*"}), before.Get([]string{"*"})) {
		t.Error("a failed Set changed the configuration")
	}

	for _, tc := range []struct {
		pairs [][2]string
		opts  SetOptions
		prot  string
		want  string
	}{
		{[][2]string{{"dir", "/"}}, SetOptions{}, "no", "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"},
		{[][2]string{{"dir", "/"}}, SetOptions{}, "local", "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"},
		{[][2]string{{"dir", "/"}}, SetOptions{LocalClient: true}, "local", ""},
		{[][2]string{{"dir", "/"}}, SetOptions{}, "yes", ""},
		{[][2]string{{"dir", "/nonexistent"}}, SetOptions{}, "yes", "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory"},
		{[][2]string{{"dir", "/"}}, SetOptions{Loading: true}, "yes", ErrLoading.Error()},
		{[][2]string{{"appendonly", "yes"}}, SetOptions{Loading: true}, "no", ErrLoading.Error()},
		{[][2]string{{"hz", "5"}}, SetOptions{Loading: true}, "no", ""},
		{[][2]string{{"port", "1"}, {"Port", "2"}}, SetOptions{}, "no", "ERR CONFIG SET failed (possibly related to argument 'Port') - duplicate parameter"},
		{[][2]string{{"x", "1"}, {"daemonize", "yes"}}, SetOptions{}, "no", "ERR Unknown option or number of arguments for CONFIG SET - 'x'"},
		{[][2]string{{"metrics-port", "9121"}}, SetOptions{}, "no", "ERR CONFIG SET failed (possibly related to argument 'metrics-port') - can't set immutable config"},
	} {
		c := Default()
		c.EnableProtectedConfigs = tc.prot
		_, err := c.SetWith(tc.pairs, tc.opts)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("SetWith(%q, %+v) with enable-protected-configs %s = %q, want %q", tc.pairs, tc.opts, tc.prot, got, tc.want)
		}
	}
}

func TestSetDirIsRelativeToDir(t *testing.T) {
	base := t.TempDir()
	if err := os.Mkdir(filepath.Join(base, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := Load("", []string{"--dir", base, "--enable-protected-configs", "yes"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set([][2]string{{"dir", "sub"}}); err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.EvalSymlinks(filepath.Join(base, "sub"))
	if c.Dir != want {
		t.Errorf("Dir = %q, want %q", c.Dir, want)
	}
	if _, err := c.Set([][2]string{{"dir", "sub"}}); err == nil || !strings.HasSuffix(err.Error(), "No such file or directory") {
		t.Errorf("second Set(dir sub) = %v", err)
	}
	f := writeFile(t, base, "file", "")
	if _, err := c.Set([][2]string{{"dir", f}}); err == nil || !strings.HasSuffix(err.Error(), "Not a directory") {
		t.Errorf("Set(dir file) = %v", err)
	}
}

func TestRewrite(t *testing.T) {
	if err := Default().Rewrite(""); err == nil || err.Error() != "ERR The server is running without a config file" {
		t.Errorf("Rewrite(\"\") = %v", err)
	}
	dir := t.TempDir()

	// A missing file is created with only what differs from the defaults.
	c, err := Load("", []string{"--dir", dir, "--maxmemory", "3mb", "--requirepass", "x y"})
	if err != nil {
		t.Fatal(err)
	}
	c.Users = [][]string{{"default", "on", ">x y", "~*"}}
	c.LoadModules = [][]string{{"/m.so"}}
	p := filepath.Join(dir, "new.conf")
	if err := c.Rewrite(p); err != nil {
		t.Fatal(err)
	}
	want := rewriteSignature + "\n" +
		"dir " + Quote(c.Dir) + "\n" +
		"requirepass \"x y\"\n" +
		"maxmemory 3mb\n" +
		"save 3600 1\nsave 300 100\nsave 60 10000\n" + // always written, even at the default
		"latency-tracking-info-percentiles 50 99 99.9\n" +
		"user default on \">x y\" ~*\n" +
		"loadmodule /m.so\n"
	if got := read(t, p); got != want {
		t.Errorf("new file:\n%s\nwant:\n%s", got, want)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm()&0o600 != 0o600 {
		t.Errorf("mode: %v %v", fi, err)
	}

	// In place: comments, unknown and file-only lines kept; duplicates and
	// unset values blanked; appended lines after the marker.
	old := "# keep me\nport 6379\nbogus 1\nsave 1 1\nsave 2 2\nrequirepass old\nhz 10\nhz 11\ninclude /dev/null\nrename-command A B\nuser bob on\n"
	p = writeFile(t, dir, "old.conf", old)
	c = Default()
	c.Dir = "/"
	c.Hz = 12
	c.Save = [][2]int64{{5, 5}}
	c.ACLFile = "/acl" // users live in the ACL file: user lines go
	c.Users = [][]string{{"bob", "on"}}
	if err := c.Rewrite(p); err != nil {
		t.Fatal(err)
	}
	want = "# keep me\nport 6379\n# ??? bogus 1\nsave 5 5\n\nhz 12\n\ninclude /dev/null\nrename-command A B\n\n" +
		rewriteSignature + "\ndir \"/\"\naclfile \"/acl\"\nlatency-tracking-info-percentiles 50 99 99.9\n"
	if got := read(t, p); got != want {
		t.Errorf("rewritten:\n%s\nwant:\n%s", got, want)
	}
	// Stable, but for one blank line: the old file's final newline reads as
	// one more, empty line, as in Redis.
	if err := c.Rewrite(p); err != nil {
		t.Fatal(err)
	}
	want += "\n"
	if got := read(t, p); got != want {
		t.Errorf("second rewrite:\n%s\nwant:\n%s", got, want)
	}
	// Unreadable directory: Redis's error text.
	if err := c.Rewrite(filepath.Join(dir, "nodir", "x.conf")); err == nil || !strings.HasPrefix(err.Error(), "ERR Rewriting config file: ") {
		t.Errorf("Rewrite into a missing directory = %v", err)
	}
}

func TestValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	for _, tc := range []struct {
		mod  func(c *Config)
		want string
	}{
		{func(c *Config) { c.Port = 70000 }, "config: port: argument must be between 0 and 65535 inclusive"},
		{func(c *Config) { c.MaxMemoryPolicy = "lru" }, "config: maxmemory-policy: argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"},
		{func(c *Config) { c.OOMScoreAdj = "relative" }, "config: oom-score-adj: argument(s) must be one of the following: no, yes, relative, absolute"},
		{func(c *Config) { c.DBFilename = "a/b" }, "config: dbfilename: dbfilename can't be a path, just a filename"},
		{func(c *Config) { c.Hz = 0 }, "config: hz: argument must be between 1 and 500 inclusive"},
		{func(c *Config) { c.MaxMemory = -1 }, "config: maxmemory: argument must be between 0 and 9223372036854775807 inclusive"},
		{func(c *Config) { c.MaxMemoryClients = -101 }, "config: maxmemory-clients: percentage argument must be less or equal to 100"},
		{func(c *Config) { c.Save = [][2]int64{{0, 1}} }, "config: save: Invalid save parameters"},
		{func(c *Config) { c.ShutdownOnSigint = ShutdownSave | ShutdownNoSave }, "config: shutdown-on-sigint: shutdown options SAVE and NOSAVE can't be used simultaneously"},
		{func(c *Config) { c.ShutdownOnSigint = 1 << 10 }, "config: shutdown-on-sigint: argument(s) must be one of the following: default, save, nosave, now, force"},
		{func(c *Config) { c.ClusterEnabled, c.ReplicaOfHost, c.ReplicaOfPort = true, "h", 1 }, "config: replicaof directive not allowed in cluster mode"},
		{func(c *Config) { c.LatencyTrackingInfoPercentiles = []float64{101} }, "config: latency-tracking-info-percentiles: latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"},
		{func(c *Config) { c.Dir = "" }, "config: dir: must not be empty"},
		{func(c *Config) { c.ActiveDefrag = true }, "config: activedefrag: Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution"},
	} {
		c := Default()
		tc.mod(c)
		if err := c.Validate(); err == nil || err.Error() != tc.want {
			t.Errorf("Validate() = %v, want %s", err, tc.want)
		}
	}
}

func TestClone(t *testing.T) {
	c := Default()
	c.Users = [][]string{{"a", "on"}}
	c.RenameCommands = [][2]string{{"A", "B"}}
	c.LoadModules = [][]string{{"/m.so"}}
	n := c.Clone()
	n.Bind[0] = "x"
	n.Save[0][0] = 1
	n.LatencyTrackingInfoPercentiles[0] = 1
	n.Users[0][0] = "b"
	n.RenameCommands[0][0] = "C"
	n.LoadModules[0][0] = "/n.so"
	if c.Bind[0] != "*" || c.Save[0][0] != 3600 || c.LatencyTrackingInfoPercentiles[0] != 50 ||
		c.Users[0][0] != "a" || c.RenameCommands[0][0] != "A" || c.LoadModules[0][0] != "/m.so" {
		t.Error("Clone shares memory with the original")
	}
}

// TestDirectiveTable checks the table itself: names, aliases, and that
// every directive's default formats and parses back to itself through
// CONFIG SET's path.
func TestDirectiveTable(t *testing.T) {
	d := Default()
	for _, s := range specs {
		if s.name != strings.ToLower(s.name) || s.alias != strings.ToLower(s.alias) {
			t.Errorf("%s: names must be lower case", s.name)
		}
		if s.init == nil || s.get == nil || s.set == nil || s.check == nil || s.rewrite == nil {
			t.Errorf("%s: incomplete spec", s.name)
			continue
		}
		info, ok := Lookup(strings.ToUpper(s.name))
		if !ok || info.Name != s.name {
			t.Errorf("Lookup(%s) = %+v, %v", s.name, info, ok)
		}
		if s.alias != "" {
			if info, ok := Lookup(s.alias); !ok || info.Name != s.name {
				t.Errorf("Lookup(%s) = %+v, %v", s.alias, info, ok)
			}
		}
		if s.name == "replicaof" {
			continue // "" is not an argument list: it cannot be set back, nor in Redis
		}
		v := s.get(d)
		args := []string{v}
		if s.has(multiArg) {
			args = splitSpaces(v)
		}
		c := Default()
		if msg := s.set(c, args, &loadState{}); msg != "" || s.get(c) != v {
			t.Errorf("%s: setting its default %q: %q, then %q", s.name, v, msg, s.get(c))
		}
	}
	if len(Directives()) != len(specs) {
		t.Error("Directives() is incomplete")
	}
	info, _ := Lookup("requirepass")
	if !info.Sensitive || info.Immutable {
		t.Errorf("requirepass: %+v", info)
	}
}

func TestNotifyFlags(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"", ""},
		{"KEA", "AKE"},
		{"Kx", "xK"},
		{"g$lshzxetdKEm", "AKEm"},
		{"An", "A"}, // as Redis: n is hidden behind A
		{"n", "n"},
		{"Em", "Em"},
	} {
		f, ok := ParseNotifyFlags(tc.in)
		if !ok || f.String() != tc.out {
			t.Errorf("ParseNotifyFlags(%q) = %v (%q), want %q", tc.in, ok, f.String(), tc.out)
		}
	}
	if _, ok := ParseNotifyFlags("KEq"); ok {
		t.Error("q accepted")
	}
}

func TestExpandProcTitle(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		tmpl, want string
		ok         bool
	}{
		{"{title} {listen-addr} {server-mode}", "keygrid *:6379", true},
		{"{title} {port} {{x}", "keygrid 6379 {x}", true},
		{"{config-file}", "/etc/k.conf", true},
		{"{nosuch}", "", false},
		{"{title", "", false},
		{"abc{", "", false},
	} {
		got, ok := ExpandProcTitle(c, tc.tmpl, "keygrid", "/etc/k.conf")
		if got != tc.want || ok != tc.ok {
			t.Errorf("ExpandProcTitle(%q) = %q, %v; want %q, %v", tc.tmpl, got, ok, tc.want, tc.ok)
		}
	}
}
