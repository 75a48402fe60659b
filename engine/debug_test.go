package engine

// Tests of DEBUG (gating and subcommands) and MEMORY.

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
)

const debugRefused = "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."

func TestDebugGate(t *testing.T) {
	for _, tc := range []struct{ setting, want string }{
		{"no", debugRefused},
		{"local", "OK"}, // the test client connects over loopback
		{"yes", "OK"},
	} {
		_, addr := startTestServer(t, func(cfg *config.Config) { cfg.EnableDebugCommand = tc.setting })
		c := dialTest(t, addr)
		if got := c.do("DEBUG", "SLEEP", "0"); got != tc.want {
			t.Errorf("enable-debug-command %s: %s", tc.setting, got)
		}
		if got := c.do("DEBUG"); got != "-ERR wrong number of arguments for 'debug' command" {
			t.Errorf("DEBUG alone: %s", got)
		}
	}
}

func debugServer(t *testing.T) *testConn {
	_, addr := startTestServer(t, func(cfg *config.Config) { cfg.EnableDebugCommand = "yes" })
	return dialTest(t, addr)
}

func TestDebugSubcommands(t *testing.T) {
	c := debugServer(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"DEBUG", "FOO"}, "-ERR unknown subcommand or wrong number of arguments for 'FOO'. Try DEBUG HELP."},
		{[]string{"DEBUG", "SLEEP"}, "-ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP."},
		{[]string{"DEBUG", "SLEEP", "x"}, "OK"},
		{[]string{"DEBUG", "OBJECT", "nosuch"}, "-ERR no such key"},
		{[]string{"DEBUG", "SET-ACTIVE-EXPIRE", "0"}, "OK"},
		{[]string{"DEBUG", "SET-ACTIVE-EXPIRE", "1"}, "OK"},
		{[]string{"DEBUG", "POPULATE", "x"}, "-ERR value is out of range, must be positive"},
		{[]string{"DEBUG", "POPULATE", "-1"}, "-ERR value is out of range, must be positive"},
		{[]string{"DEBUG", "POPULATE", "1", "p", "x"}, "-ERR value is out of range, must be positive"},
		{[]string{"DEBUG", "POPULATE", "1", "2", "3", "4"}, "-ERR unknown subcommand or wrong number of arguments for 'POPULATE'. Try DEBUG HELP."},
		{[]string{"DEBUG", "POPULATE", "3"}, "OK"},
		{[]string{"GET", "key:2"}, "value:2"},
		{[]string{"DEBUG", "POPULATE", "2", "p", "10"}, "OK"},
		{[]string{"GET", "p:1"}, "value:1\x00\x00\x00"},
		{[]string{"DEBUG", "POPULATE", "1", "q", "3"}, "OK"},
		{[]string{"GET", "q:0"}, "val"},
		{[]string{"DEBUG", "LOG", "hello"}, "OK"},
		{[]string{"DEBUG", "ERROR", "FOO bar"}, "-FOO bar"},
		{[]string{"DEBUG", "PROTOCOL", "double"}, "3.141"},
		{[]string{"DEBUG", "PROTOCOL", "map"}, "[:0 :0 :1 :1 :2 :0]"},
		{[]string{"DEBUG", "PROTOCOL", "push"}, "-ERR RESP2 is not supported by this command"},
		{[]string{"DEBUG", "PROTOCOL", "nope"}, "-ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"},
	} {
		if got := c.do(tc.args...); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.args, got, tc.want)
		}
	}
	// POPULATE does not overwrite existing keys.
	c.do("SET", "key:0", "mine")
	c.do("DEBUG", "POPULATE", "1")
	if got := c.do("GET", "key:0"); got != "mine" {
		t.Errorf("POPULATE overwrote key:0: %s", got)
	}
	c.do("SET", "n", "123")
	c.do("SET", "s", "hello")
	objRE := regexp.MustCompile(`^Value at:0x[0-9a-f]+ refcount:(\d+) encoding:(\w+) serializedlength:(\d+) lru:\d+ lru_seconds_idle:\d+$`)
	for key, want := range map[string][3]string{
		"n": {"2147483647", "int", "2"},
		"s": {"1", "embstr", "6"},
	} {
		m := objRE.FindStringSubmatch(c.do("DEBUG", "OBJECT", key))
		if m == nil || m[1] != want[0] || m[2] != want[1] || m[3] != want[2] {
			t.Errorf("DEBUG OBJECT %s = %v, want refcount/encoding/length %v", key, m, want)
		}
	}
	start := time.Now()
	c.do("DEBUG", "SLEEP", "0.1")
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("DEBUG SLEEP 0.1 took %v", d)
	}
	help := c.do("DEBUG", "HELP")
	if !strings.HasPrefix(help, "[DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are: AOF-FLUSH-SLEEP <microsec> ") { // Redis 7.0.15 starts there too
		t.Errorf("DEBUG HELP = %s", help)
	}
}

// TestMemoryUsageStrings compares MEMORY USAGE with what Redis 7.0 (jemalloc)
// reports for the same strings under the one-byte key "k".
func TestMemoryUsageStrings(t *testing.T) {
	c := debugServer(t)
	for _, tc := range []struct {
		value string
		want  string
	}{
		{"1", ":48"}, {"-5", ":48"}, {"10000", ":48"}, {"abc", ":64"},
		{strings.Repeat("x", 20), ":80"}, {strings.Repeat("x", 44), ":96"},
		{strings.Repeat("x", 45), ":112"}, {strings.Repeat("x", 100), ":160"},
		{strings.Repeat("x", 1000), ":1072"}, {strings.Repeat("x", 100000), ":114736"},
	} {
		c.do("SET", "k", tc.value)
		if got := c.do("MEMORY", "USAGE", "k"); got != tc.want {
			t.Errorf("MEMORY USAGE of a %d-byte value = %s, want %s", len(tc.value), got, tc.want)
		}
	}
	for _, tc := range []struct{ args, want string }{
		{"MEMORY USAGE nosuch", "(nil)"},
		{"MEMORY USAGE k SAMPLES x", "-ERR value is not an integer or out of range"},
		{"MEMORY USAGE k SAMPLES", "-ERR syntax error"},
		{"MEMORY USAGE k SAMPLES -1", "-ERR syntax error"},
		{"MEMORY USAGE k FOO 1", "-ERR syntax error"},
		{"MEMORY USAGE k SAMPLES 0", ":114736"},
		{"MEMORY USAGE", "-ERR wrong number of arguments for 'memory|usage' command"},
		{"MEMORY MALLOC-STATS", "Stats not supported for the current allocator"},
		{"MEMORY PURGE", "OK"},
		{"MEMORY FOO", "-ERR unknown subcommand 'FOO'. Try MEMORY HELP."},
	} {
		if got := c.do(strings.Fields(tc.args)...); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestJemallocSize(t *testing.T) {
	for _, tc := range []struct{ n, want int64 }{
		{1, 8}, {8, 8}, {9, 16}, {23, 32}, {128, 128}, {129, 160}, {1006, 1024}, {1025, 1280},
		{100010, 114688}, {1 << 20, 1 << 20}, {1<<20 + 1, 1310720},
	} {
		if got := jemallocSize(tc.n); got != tc.want {
			t.Errorf("jemallocSize(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}

func TestMemoryStatsAndDoctor(t *testing.T) {
	c := debugServer(t)
	c.do("SET", "a", "1")
	stats := c.do("MEMORY", "STATS")
	for _, k := range []string{"[peak.allocated :", " total.allocated :", " startup.allocated :",
		" replication.backlog :0 clients.slaves :0 clients.normal :", " cluster.links :0 aof.buffer :0 lua.caches :0 functions.caches :200 db.0 [overhead.hashtable.main :",
		" overhead.hashtable.expires :0 overhead.hashtable.slot-to-keys :0] overhead.total :", " keys.count :1 keys.bytes-per-key :",
		" dataset.bytes :", " dataset.percentage ", " peak.percentage ", " allocator.allocated :", " allocator.active :",
		" allocator.resident :", " allocator-fragmentation.ratio ", " allocator-fragmentation.bytes :",
		" allocator-rss.ratio ", " allocator-rss.bytes :", " rss-overhead.ratio ", " rss-overhead.bytes :",
		" fragmentation ", " fragmentation.bytes :"} {
		if !strings.Contains(stats, k) {
			t.Errorf("MEMORY STATS lacks %q:\n%s", k, stats)
		}
	}
	if got := c.do("MEMORY", "DOCTOR"); !strings.HasPrefix(got, "Hi Sam, ") {
		t.Errorf("MEMORY DOCTOR = %q", got)
	}
}

// DEBUG SET-DISABLE-DENY-SCRIPTS lets scripts call noscript commands (Redis's
// unit/scripting uses it to reach DEBUG PROTOCOL from Lua).
func TestDebugSetDisableDenyScripts(t *testing.T) {
	c := debugServer(t)
	script := "return redis.call('debug', 'protocol', 'integer')"
	denied := "-ERR This Redis command is not allowed from script script: " + sha1hex([]byte(script)) + ", on @user_script:1."
	if got := c.do("EVAL", script, "0"); got != denied {
		t.Fatalf("EVAL DEBUG before = %q, want %q", got, denied)
	}
	if got := c.do("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "1"); got != "OK" {
		t.Fatalf("DEBUG SET-DISABLE-DENY-SCRIPTS 1 = %q", got)
	}
	if got := c.do("EVAL", script, "0"); got != ":12345" {
		t.Fatalf("EVAL DEBUG PROTOCOL integer = %q, want :12345", got)
	}
	c.do("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0")
	if got := c.do("EVAL", script, "0"); got != denied {
		t.Fatalf("EVAL DEBUG after = %q, want %q", got, denied)
	}
}

// DEBUG RELOAD empties the functions with the keys (Redis's emptyData), and MERGE
// lets the file's keys and libraries replace those loaded: Redis's unit/functions
// "test loading from rdb", "debug reload different options" and "debug reload with
// nosave and noflush".
func TestDebugReloadFunctions(t *testing.T) {
	_, addr := startTestServer(t, func(cfg *config.Config) {
		cfg.EnableDebugCommand = "yes"
		cfg.Dir = t.TempDir()
		cfg.Save = nil
	})
	c := dialTest(t, addr)
	lib := func(name string) string {
		return "#!lua name=" + name + "\nredis.register_function('" + name + "', function() return 'hello' end)"
	}
	c.do("FUNCTION", "LOAD", lib("test"))
	if got := c.do("DEBUG", "RELOAD"); got != "OK" {
		t.Fatalf("DEBUG RELOAD = %q", got)
	}
	if got := c.do("FCALL", "test", "0"); got != "hello" {
		t.Fatalf("FCALL after DEBUG RELOAD = %q", got)
	}
	if got := c.do("DEBUG", "RELOAD", "NOFLUSH"); got != "-ERR Error trying to load the RDB dump" {
		t.Fatalf("DEBUG RELOAD NOFLUSH = %q", got)
	}
	if got := c.do("DEBUG", "RELOAD", "NOFLUSH", "MERGE"); got != "OK" {
		t.Fatalf("DEBUG RELOAD NOFLUSH MERGE = %q", got)
	}
	c.do("FUNCTION", "DELETE", "test")
	c.do("SET", "x", "1")
	c.do("FUNCTION", "LOAD", lib("test1"))
	c.do("DEBUG", "RELOAD")
	c.do("FUNCTION", "LOAD", lib("test2"))
	if got := c.do("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"); got != "OK" {
		t.Fatalf("DEBUG RELOAD NOSAVE NOFLUSH MERGE = %q", got)
	}
	for _, f := range []string{"test1", "test2"} {
		if got := c.do("FCALL", f, "0"); got != "hello" {
			t.Errorf("FCALL %s = %q", f, got)
		}
	}
	if got := c.do("GET", "x"); got != "1" {
		t.Errorf("GET x = %q", got)
	}
}
