package engine

// Tests of CONFIG GET / SET / RESETSTAT / REWRITE and of what the engine does when a
// directive it uses at run time changes.

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestConfigGetSet(t *testing.T) {
	_, addr := startTestServer(t, nil)
	c := dialTest(t, addr)
	for _, tc := range []struct{ args, want string }{
		{"CONFIG GET hz", "[hz 10]"},
		{"CONFIG GET HZ", "[HZ 10]"},
		{"CONFIG GET nosuch", "[]"},
		{"CONFIG SET hz 20", "OK"},
		{"CONFIG GET hz", "[hz 20]"},
		{"CONFIG SET hz 12 maxmemory-samples 6", "OK"},
		{"CONFIG SET hz 13 hz 14", "-ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter"},
		{"CONFIG SET hz 13 nosuch 1", "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"},
		{"CONFIG SET hz 13 maxmemory-samples", "-ERR syntax error"},
		{"CONFIG SET databases 3", "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"},
		{"CONFIG GET hz", "[hz 12]"},
		{"CONFIG GET", "-ERR wrong number of arguments for 'config|get' command"},
		{"CONFIG SET hz", "-ERR wrong number of arguments for 'config|set' command"},
		{"CONFIG RESETSTAT x", "-ERR wrong number of arguments for 'config|resetstat' command"},
		{"CONFIG REWRITE", "-ERR The server is running without a config file"},
		{"CONFIG FOO", "-ERR unknown subcommand 'FOO'. Try CONFIG HELP."},
	} {
		if got := c.do(strings.Fields(tc.args)...); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.args, got, tc.want)
		}
	}
	help := c.do("CONFIG", "HELP")
	if !strings.HasPrefix(help, "[CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are: GET <pattern>") {
		t.Errorf("CONFIG HELP = %s", help)
	}
}

// TestConfigSetApplies checks the run-time effects of CONFIG SET.
func TestConfigSetApplies(t *testing.T) {
	s, addr := startTestServer(t, nil)
	c := dialTest(t, addr)

	// slowlog-max-len trims the log at once.
	c.do("CONFIG", "SET", "slowlog-log-slower-than", "0")
	for i := 0; i < 5; i++ {
		c.do("PING")
	}
	c.do("CONFIG", "SET", "slowlog-max-len", "2")
	if got := c.do("SLOWLOG", "LEN"); got != ":2" {
		t.Errorf("SLOWLOG LEN after slowlog-max-len 2 = %s", got)
	}

	// proto-max-bulk-len applies to clients already connected.
	if got := c.do("CONFIG", "SET", "proto-max-bulk-len", "1048576"); got != "OK" {
		t.Fatalf("CONFIG SET proto-max-bulk-len = %s", got)
	}
	c.raw("*2\r\n$4\r\nECHO\r\n$2000000\r\n")
	if got := c.read(); got != "-ERR Protocol error: invalid bulk length" {
		t.Errorf("bulk above the new proto-max-bulk-len: %s", got)
	}

	// Sensitive values are redacted in SLOWLOG, even when CONFIG SET fails.
	c2 := dialTest(t, addr)
	c2.do("CONFIG", "SET", "requirepass", "secret", "nosuch", "1")
	if got := c2.do("SLOWLOG", "GET", "1"); !strings.Contains(got, "CONFIG SET requirepass (redacted) nosuch 1") {
		t.Errorf("SLOWLOG after CONFIG SET requirepass: %s", got)
	}

	// hz changes the cron period: the cron loop counter advances faster.
	c2.do("CONFIG", "SET", "hz", "100")
	before := cronLoops(t, s)
	time.Sleep(300 * time.Millisecond)
	if n := cronLoops(t, s) - before; n < 10 {
		t.Errorf("hz 100: %d cron runs in 300ms", n)
	}
}

func cronLoops(t *testing.T, s *Server) int64 {
	done := make(chan int64)
	s.Submit(func() { done <- s.cronLoops })
	select {
	case n := <-done:
		return n
	case <-time.After(5 * time.Second):
		t.Fatal("server loop not answering")
	}
	return 0
}

// TestConfigSetPort moves the listener to another port, as CONFIG SET port does in Redis.
func TestConfigSetPort(t *testing.T) {
	_, addr := startTestServer(t, nil)
	c := dialTest(t, addr)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	// A port in use fails and leaves the old listener.
	if got := c.do("CONFIG", "SET", "port", strconv.Itoa(port)); got != "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs." {
		t.Errorf("CONFIG SET port (busy) = %s", got)
	}
	if got := c.do("CONFIG", "GET", "port"); got != "[port "+addr[strings.LastIndexByte(addr, ':')+1:]+"]" {
		t.Errorf("port after a failed change: %s", got)
	}
	dialTest(t, addr).do("PING")
	ln.Close()
	if got := c.do("CONFIG", "SET", "port", strconv.Itoa(port)); got != "OK" {
		t.Fatalf("CONFIG SET port = %s", got)
	}
	newAddr := "127.0.0.1:" + strconv.Itoa(port)
	if got := dialTest(t, newAddr).do("PING"); got != "PONG" {
		t.Errorf("PING on the new port: %s", got)
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Errorf("the old port still accepts connections")
	}
	// The client connected before the change keeps working.
	if got := c.do("PING"); got != "PONG" {
		t.Errorf("old client: %s", got)
	}
}

func TestConfigResetstat(t *testing.T) {
	_, addr := startTestServer(t, nil)
	c := dialTest(t, addr)
	c.do("PING")
	c.do("NOSUCHCOMMAND")
	if got := c.do("INFO", "errorstats"); !strings.Contains(got, "errorstat_ERR:count=1") {
		t.Fatalf("INFO errorstats = %q", got)
	}
	if got := c.do("CONFIG", "RESETSTAT"); got != "OK" {
		t.Fatalf("CONFIG RESETSTAT = %s", got)
	}
	if got := c.do("INFO", "errorstats"); got != "# Errorstats\r\n" {
		t.Errorf("INFO errorstats after RESETSTAT = %q", got)
	}
	// Only the INFO call itself was counted since the reset.
	if got := c.do("INFO", "commandstats"); strings.Contains(got, "cmdstat_ping") ||
		!strings.Contains(got, "cmdstat_info:calls=1,") {
		t.Errorf("INFO commandstats after RESETSTAT = %q", got)
	}
	if got := c.do("INFO", "stats"); !strings.Contains(got, "total_error_replies:0\r\n") {
		t.Errorf("INFO stats after RESETSTAT: %q", got)
	}
	// Counting goes on after the reset, codes interleaved (countError keeps the
	// last code's counter at hand: it must be the new table's).
	c.do("SET", "s", "v")
	c.do("NOSUCHCOMMAND")
	c.do("LPUSH", "s", "x")
	c.do("NOSUCHCOMMAND")
	c.do("NOSUCHCOMMAND")
	got := c.do("INFO", "errorstats")
	if !strings.Contains(got, "errorstat_ERR:count=3\r\n") || !strings.Contains(got, "errorstat_WRONGTYPE:count=1\r\n") {
		t.Errorf("INFO errorstats after RESETSTAT and 4 errors = %q", got)
	}
}

func TestConfigRewrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "redis.conf")
	if err := os.WriteFile(path, []byte("# my config\nhz 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var port int
	s, addr := startTestServer(t, func(cfg *config.Config) { port = cfg.Port })
	// As if started with this file (Options.ConfigPath); set on the loop, which owns it.
	set := make(chan struct{})
	s.Submit(func() { s.cfgPath = path; close(set) })
	<-set
	c := dialTest(t, addr)
	c.do("CONFIG", "SET", "hz", "25")
	if got := c.do("CONFIG", "REWRITE"); got != "OK" {
		t.Fatalf("CONFIG REWRITE = %s", got)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "# my config\nhz 25\n") || !strings.Contains(string(b), "port "+strconv.Itoa(port)) {
		t.Errorf("rewritten file:\n%s", b)
	}
}

// TestAdjustOpenFilesLimit: a limit already high enough is left alone.
func TestAdjustOpenFilesLimit(t *testing.T) {
	if got, err := adjustOpenFilesLimit(1); got != 1 || err != nil {
		t.Errorf("adjustOpenFilesLimit(1) = %d, %v", got, err)
	}
}

// TestConfigSetLoglevel checks that CONFIG SET loglevel changes the level of the
// running logger (Options.LogLevel), and that New applies the configured level.
func TestConfigSetLoglevel(t *testing.T) {
	atom := zap.NewAtomicLevelAt(zapcore.ErrorLevel)
	core, logs := observer.New(&atom)
	cfg := config.Default()
	cfg.LogLevel = "warning"
	s, err := New(Options{Config: cfg, Logger: zap.New(core), LogLevel: &atom})
	if err != nil {
		t.Fatal(err)
	}
	if got := atom.Level(); got != zapcore.WarnLevel {
		t.Fatalf("level after New with loglevel warning = %v, want warn", got)
	}
	st := &strTester{t: t, s: s}
	st.c = &Client{srv: s, fd: -1, id: 1, db: s.dbs[0], proto: 2, flags: flagAuthenticated}
	for _, tc := range []struct {
		level string
		want  zapcore.Level
	}{
		{"debug", zapcore.DebugLevel - 1}, // Redis's debug, below verbose (debugLevel)
		{"verbose", zapcore.DebugLevel},
		{"NOTICE", zapcore.InfoLevel},
		{"warning", zapcore.WarnLevel},
	} {
		if got := st.do("CONFIG", "SET", "loglevel", tc.level); got != "OK" {
			t.Fatalf("CONFIG SET loglevel %s: %s", tc.level, got)
		}
		if got := atom.Level(); got != tc.want {
			t.Errorf("CONFIG SET loglevel %s: level %v, want %v", tc.level, got, tc.want)
		}
	}
	s.log.Info("hidden at warning")
	st.do("CONFIG", "SET", "loglevel", "notice")
	s.log.Info("shown at notice")
	if got := logs.All(); len(got) != 1 || got[0].Message != "shown at notice" {
		t.Errorf("logged %v, want only the notice-level message", got)
	}
	// A refused value changes nothing.
	if got := st.do("CONFIG", "SET", "loglevel", "loud"); !strings.HasPrefix(got, "-ERR CONFIG SET failed") {
		t.Errorf("CONFIG SET loglevel loud: %s", got)
	}
	if got := atom.Level(); got != zapcore.InfoLevel {
		t.Errorf("level after a refused CONFIG SET = %v, want info", got)
	}
}
