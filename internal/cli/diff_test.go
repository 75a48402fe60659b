package cli_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// The differential tests run the same invocation through Debian's redis-cli 7.0
// and keygrid's (the keygrid binary under the name redis-cli) against the same
// server, with the same data before each, and want the same standard output,
// standard error and exit status.

// clis returns the reference redis-cli and keygrid's.
func clis(t *testing.T) (ref, ours string) {
	t.Helper()
	ref, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli (redis-tools) not installed: nothing to compare with")
	}
	if out, _ := exec.Command(ref, "-v").Output(); !bytes.HasPrefix(out, []byte("redis-cli 7.0.")) {
		t.Skipf("reference redis-cli is %q, not 7.0", out)
	}
	dir := t.TempDir()
	ours = filepath.Join(dir, "redis-cli")
	if err := os.Symlink(testutil.BuildKeygrid(t), ours); err != nil {
		t.Fatal(err)
	}
	return ref, ours
}

// invocation is one run: arguments, standard input, extra environment.
type invocation struct {
	args  []string
	stdin string
	env   []string
	// tty runs it under a pseudo-terminal (script(1), TERM=dumb so that Redis's
	// redis-cli prompts without line editing): stdin and stdout are terminals.
	tty bool
}

func (in invocation) String() string {
	s := fmt.Sprintf("%q", in.args)
	if in.stdin != "" {
		s += fmt.Sprintf(" <%q", in.stdin)
	}
	if len(in.env) > 0 {
		s += fmt.Sprintf(" env%q", in.env)
	}
	if in.tty {
		s += " (tty)"
	}
	return s
}

type result struct {
	stdout, stderr string
	code           int
}

func runCLI(t *testing.T, bin string, in invocation) result {
	t.Helper()
	// script(1) does not pass the end of its input on: TTY inputs end with quit.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var cmd *exec.Cmd
	if in.tty {
		line := bin
		for _, a := range in.args {
			line += " '" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		cmd = exec.CommandContext(ctx, "script", "-q", "-e", "-E", "never", "-c", line, "/dev/null")
		cmd.Env = append(filterEnv(os.Environ()), "TERM=dumb")
	} else {
		cmd = exec.CommandContext(ctx, bin, in.args...)
		cmd.Env = filterEnv(os.Environ())
	}
	cmd.Env = append(cmd.Env, in.env...)
	cmd.Stdin = strings.NewReader(in.stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", bin, err)
	}
	return result{out.String(), errb.String(), code}
}

// filterEnv drops what would change redis-cli's behaviour from the test's own
// environment.
func filterEnv(env []string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, "REDISCLI_") && !strings.HasPrefix(e, "FAKETTY=") && !strings.HasPrefix(e, "TERM=") {
			out = append(out, e)
		}
	}
	return out
}

// compare runs in through both (reset restores the data before each) and reports
// any difference.
func compare(t *testing.T, ref, ours string, reset func(), in invocation) {
	t.Helper()
	reset()
	want := runCLI(t, ref, in)
	reset()
	got := runCLI(t, ours, in)
	if got != want {
		t.Errorf("%s:\nredis-cli: stdout %q\n           stderr %q\n           exit %d\nkeygrid:   stdout %q\n           stderr %q\n           exit %d",
			in, want.stdout, want.stderr, want.code, got.stdout, got.stderr, got.code)
	}
}

// fixture empties the server and loads data every reply type can be read from.
func fixture(t *testing.T, s *testutil.Server) func() {
	return func() {
		c := s.Conn(t)
		defer c.Close()
		for _, cmd := range [][]string{
			{"FLUSHALL"},
			{"SET", "str", "value"},
			{"SET", "bin", "a\x00b\r\n\t\"\\\x07\x08\x7f\xff é 日本"},
			{"SET", "empty", ""},
			{"SET", "n", "41"},
			{"RPUSH", "list", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"},
			{"HSET", "hash", "f1", "v1", "f2", "v2"},
			{"SADD", "set", "m"},
			{"XADD", "stream", "1-1", "f", "v"},
			{"XADD", "stream", "2-1", "f", "w", "g", "x"},
			{"ZADD", "zset", "1.5", "a", "2", "b"},
			{"SELECT", "2"},
			{"SET", "db2", "in db 2"},
		} {
			if _, err := c.Do(cmd...); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// replyCommands read every reply type; each runs in RESP2 and RESP3, raw and
// human.
var replyCommands = [][]string{
	{"PING"}, {"PING", "hello world"}, {"SET", "k", "v"}, {"GET", "str"}, {"GET", "bin"},
	{"GET", "empty"}, {"GET", "missing"}, {"INCR", "n"}, {"INCR", "str"}, {"NOSUCHCOMMAND", "x"},
	{"LRANGE", "list", "0", "-1"}, {"LRANGE", "missing", "0", "-1"}, {"HGETALL", "hash"},
	{"HGETALL", "missing"}, {"SMEMBERS", "set"}, {"SMEMBERS", "missing"},
	{"ZRANGE", "zset", "0", "-1", "WITHSCORES"}, {"ZSCORE", "zset", "a"},
	{"MGET", "str", "missing", "bin"}, {"GET", "db2"}, {"TYPE", "hash"},
	{"EVAL", "return {1, 'two', {3, {'four', {}}}, false, {err='ERR inner'}, {ok='fine'}}", "0"},
	{"EVAL", "return {1,2,3,4,5,6,7,8,9,10,{11,{12,13}}}", "0"},
	{"EVAL", "return redis.error_reply('MYERR custom')", "0"},
	{"EVAL", "return {}", "0"},
	{"XINFO", "STREAM", "stream"},
	{"EVAL", "redis.setresp(3); return {map={a={1,{2,3}}, b={map={}}, c={double=1.5}, d={1}}}", "0"},
	{"EVAL", "redis.setresp(3); return {map={x={map={y={1,2}}}}}", "0"},
	{"CONFIG", "GET", "maxmemory-polic*"}, {"XADD", "s", "1-1", "f", "v"}, {"XRANGE", "s", "-", "+"},
	{"DEBUG", "PROTOCOL", "string"}, {"DEBUG", "PROTOCOL", "integer"}, {"DEBUG", "PROTOCOL", "double"},
	{"DEBUG", "PROTOCOL", "bignum"}, {"DEBUG", "PROTOCOL", "null"}, {"DEBUG", "PROTOCOL", "array"},
	{"DEBUG", "PROTOCOL", "set"}, {"DEBUG", "PROTOCOL", "map"}, {"DEBUG", "PROTOCOL", "attrib"},
	{"DEBUG", "PROTOCOL", "push"}, {"DEBUG", "PROTOCOL", "verbatim"}, {"DEBUG", "PROTOCOL", "true"},
	{"DEBUG", "PROTOCOL", "false"},
}

// TestDiffReplies: every reply type, RESP2 and RESP3, raw (a pipe) and human
// (FAKETTY, as redis-cli reads it), against redis-server and keygrid.
func TestDiffReplies(t *testing.T) {
	ref, ours := clis(t)
	for _, kind := range []string{"redis", "keygrid"} {
		t.Run(kind, func(t *testing.T) {
			var s *testutil.Server
			if kind == "redis" {
				s = testutil.StartRedis(t, "--enable-debug-command", "yes")
			} else {
				s = testutil.StartKeygrid(t, "--enable-debug-command", "yes")
			}
			reset := fixture(t, s)
			port := strconv.Itoa(s.Port())
			for _, cmd := range replyCommands {
				for _, proto := range []string{"-2", "-3"} {
					for _, env := range [][]string{nil, {"FAKETTY=1"}} {
						compare(t, ref, ours, reset, invocation{args: append([]string{"-p", port, proto}, cmd...), env: env})
					}
				}
			}
			// INFO and CLIENT LIST print as they are, on a terminal too.
			compare(t, ref, ours, reset, invocation{args: []string{"-p", port, "INFO", "keyspace"}, env: []string{"FAKETTY=1"}})
		})
	}
}

// TestDiffOptions: the options health checks and scripts use, against redis-server.
func TestDiffOptions(t *testing.T) {
	ref, ours := clis(t)
	s := testutil.StartRedis(t)
	reset := fixture(t, s)
	port := strconv.Itoa(s.Port())
	p := []string{"-p", port}
	with := func(a ...string) []string { return append(append([]string(nil), p...), a...) }
	tty := []string{"FAKETTY=1"}
	for _, in := range []invocation{
		{args: with("ping")},
		{args: with("-h", "127.0.0.1", "ping")},
		{args: with("-n", "2", "get", "db2")},
		{args: with("-n", "2", "-3", "get", "db2"), env: tty},
		{args: with("-n", "99", "ping")},
		{args: with("-e", "incr", "str")},
		{args: with("-e", "get", "str")},
		{args: with("incr", "str")},
		{args: with("-x", "set", "fromstdin"), stdin: "line one\nline two\n"},
		{args: with("-x", "set", "fromstdin"), stdin: ""},
		{args: with("-r", "3", "incr", "n")},
		{args: with("-r", "3", "-i", "0.05", "incr", "n"), env: tty},
		{args: with("-r", "2", "lrange", "list", "0", "2")},
		{args: with("--raw", "get", "bin"), env: tty},
		{args: with("--no-raw", "get", "bin")},
		{args: with("-d", ",", "lrange", "list", "0", "3")},
		{args: with("-D", "|", "-r", "2", "ping")},
		{args: []string{"-u", "redis://127.0.0.1:" + port + "/2", "get", "db2"}},
		{args: []string{"-u", "redis://127.0.0.1:" + port, "ping"}},
		{args: []string{"-u", "redis://localhost:" + port + "/0", "ping"}},
		{args: []string{"-u", "http://127.0.0.1:" + port, "ping"}},
		{args: []string{"-u", "redis://a%zz@127.0.0.1:" + port, "ping"}},
		{args: with("-a", "pw", "ping")},
		{args: with("--pass", "pw", "--no-auth-warning", "ping")},
		{args: with("--user", "default", "-a", "pw", "ping")},
		{args: with("ping"), env: []string{"REDISCLI_AUTH=pw"}},
		{args: with("-3", "hgetall", "hash"), env: tty},
		{args: []string{"-p", "1", "ping"}},
		{args: []string{"-p", "1", "-e", "ping"}},
		{args: []string{"-s", "/nonexistent/redis.sock", "ping"}},
		{args: []string{"-s", "/x.sock", "-c", "ping"}},
		{args: []string{"-2", "-3", "ping"}},
		{args: with("--nosuchoption", "ping")},
		{args: with("-p")},
		{args: with("-n")},
		// Commands from standard input, one per line.
		{args: p, stdin: "set a 1\nincr a\nget a\nnosuch\n\n  \n\"unbalanced\n3 incr a\n0 incr a\nget \"x\\x41y\" 'it''s'\nselect 2\nget db2\nquit\nping\n"},
		{args: p, stdin: "set a 1\nincr a\nget a\nnosuch\nlrange list 0 3\nhgetall hash\n", env: tty},
		{args: append([]string{"-3"}, p...), stdin: "hgetall hash\nsmembers set\n", env: tty},
		{args: p, stdin: "ping"},
		{args: []string{"-p", "1"}, stdin: "ping\nping\n"},
	} {
		compare(t, ref, ours, reset, in)
	}
}

// TestDiffAuth: a server with a password: the failure texts and statuses.
func TestDiffAuth(t *testing.T) {
	ref, ours := clis(t)
	s := testutil.StartRedis(t, "--requirepass", "secret")
	port := strconv.Itoa(s.Port())
	reset := func() {}
	for _, in := range []invocation{
		{args: []string{"-p", port, "ping"}},
		{args: []string{"-p", port, "-e", "ping"}},
		{args: []string{"-p", port, "-a", "secret", "ping"}},
		{args: []string{"-p", port, "-a", "wrong", "ping"}},
		{args: []string{"-p", port, "-a", "wrong", "-e", "ping"}},
		{args: []string{"-p", port, "--user", "default", "--pass", "secret", "ping"}},
		{args: []string{"-p", port, "ping"}, env: []string{"REDISCLI_AUTH=secret"}},
		{args: []string{"-p", port, "ping"}, env: []string{"REDISCLI_AUTH=wrong"}},
		{args: []string{"-p", port, "ping"}, env: []string{"REDISCLI_AUTH="}},
		{args: []string{"-p", port, "-a", "secret", "ping"}, env: []string{"REDISCLI_AUTH=wrong"}},
		{args: []string{"-u", "redis://:secret@127.0.0.1:" + port, "ping"}},
		{args: []string{"-u", "redis://default:secret@127.0.0.1:" + port + "/1", "ping"}},
		{args: []string{"-u", "redis://secret@127.0.0.1:" + port, "ping"}},
		{args: []string{"-p", port}, stdin: "ping\nauth secret\nping\n"},
	} {
		compare(t, ref, ours, reset, in)
	}
}

// TestDiffTTY: on a terminal, the prompt (host:port, [db], (TX), "not connected"),
// the human format, redis-cli's quoting in the lines typed.
func TestDiffTTY(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) (util-linux) not installed")
	}
	ref, ours := clis(t)
	s := testutil.StartRedis(t)
	reset := fixture(t, s)
	port := strconv.Itoa(s.Port())
	for _, in := range []invocation{
		{args: []string{"-p", port}, tty: true, stdin: "ping\nset a \"x y\"\nget a\nget bin\nlrange list 0 2\nselect 2\nmulti\nget db2\nexec\n3 ping\nbad\"\n0 ping\nhgetall missing\nquit\n"},
		{args: []string{"-p", port, "-3"}, tty: true, stdin: "hgetall hash\nzrange zset 0 -1 withscores\nexit\n"},
		{args: []string{"-p", port, "-n", "2"}, tty: true, stdin: "get db2\nquit\n"},
		{args: []string{"-p", "1"}, tty: true, stdin: "ping\nquit\n"},
		{args: []string{"-p", port, "get", "bin"}, tty: true},
	} {
		compare(t, ref, ours, reset, in)
	}
}

// TestDiffCluster: -c follows MOVED to the node that owns the key; interactively
// it says so.
func TestDiffCluster(t *testing.T) {
	ref, ours := clis(t)
	cl := testutil.StartCluster(t, "redis", 3, 0)
	port := strconv.Itoa(cl.Nodes[0].Port())
	reset := func() {
		for _, n := range cl.Nodes {
			c := n.Conn(t)
			c.Do("FLUSHALL")
			c.Close()
		}
	}
	// Keys owned by each of the three masters' slot ranges, so some move.
	for _, in := range []invocation{
		{args: []string{"-p", port, "-c", "set", "foo", "1"}},
		{args: []string{"-p", port, "-c", "set", "bar", "1"}},
		{args: []string{"-p", port, "-c", "set", "hello", "1"}},
		{args: []string{"-p", port, "set", "foo", "1"}},
		{args: []string{"-p", port, "-c"}, stdin: "set foo 1\nget foo\nset bar 2\nget bar\nset hello 3\nget foo\n"},
		{args: []string{"-p", port, "-c"}, stdin: "set foo 1\nget foo\nset bar 2\n", env: []string{"FAKETTY=1"}},
	} {
		compare(t, ref, ours, reset, in)
	}
}

// TestDiffUnixSocket: -s, in commands and on the prompt ("redis /path> ").
func TestDiffUnixSocket(t *testing.T) {
	ref, ours := clis(t)
	sock := filepath.Join(t.TempDir(), "redis.sock")
	s := testutil.StartRedis(t, "--unixsocket", sock, "--unixsocketperm", "700")
	reset := fixture(t, s)
	ins := []invocation{
		{args: []string{"-s", sock, "ping"}},
		{args: []string{"-s", sock, "-n", "2", "get", "db2"}, env: []string{"FAKETTY=1"}},
		{args: []string{"-s", sock}, stdin: "get str\nselect 2\nget db2\n"},
	}
	if _, err := exec.LookPath("script"); err == nil {
		ins = append(ins, invocation{args: []string{"-s", sock}, tty: true, stdin: "get str\nselect 2\nquit\n"})
	}
	for _, in := range ins {
		compare(t, ref, ours, reset, in)
	}
}
