package engine

// A corrupt dump.rdb at start: the server refuses to start and says why in
// redis-server's words (integration/rdb.tcl "Server should not start if RDB is
// corrupted" and integration/corrupt-dump.tcl wait for these lines).

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// corruptDumpStart writes dump.rdb with a few keys into a new dir, lets damage
// change its bytes, and starts a server on it: it returns Start's error and the
// log messages.
func corruptDumpStart(t *testing.T, damage func([]byte) []byte) (string, error, []string) {
	t.Helper()
	s, addr := startTestServer(t, func(c *config.Config) { c.Save = nil })
	tc := dialTest(t, addr)
	tc.do("SET", "a", "1")
	tc.do("RPUSH", "l", "x", "y")
	if got := tc.do("SAVE"); got != "OK" {
		t.Fatalf("SAVE = %q", got)
	}
	path := filepath.Join(s.cfg.Dir, s.cfg.DBFilename)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "dump.rdb"), damage(b), 0o644)
	core, logs := observer.New(zapcore.InfoLevel)
	cfg := config.Default()
	cfg.Port, cfg.Bind, cfg.Dir, cfg.Save = 0, []string{"127.0.0.1"}, dir, nil
	s2, err := New(Options{Config: cfg, Logger: zap.New(core)})
	if err != nil {
		t.Fatal(err)
	}
	err = s2.Start()
	if err == nil {
		go s2.Run()
		s2.Shutdown()
	}
	var msgs []string
	for _, e := range logs.All() {
		msgs = append(msgs, e.Message)
	}
	return dir, err, msgs
}

func hasLine(msgs []string, prefix string) bool {
	for _, m := range msgs {
		if strings.HasPrefix(m, prefix) {
			return true
		}
	}
	return false
}

func TestCorruptDumpChecksum(t *testing.T) {
	dir, err, msgs := corruptDumpStart(t, func(b []byte) []byte {
		copy(b[len(b)-8:], "foobar00") // rdb.tcl's corruption of the CRC
		return b
	})
	if err == nil {
		t.Fatal("the server started on a dump.rdb with a bad checksum")
	}
	for _, want := range []string{"Loading RDB produced by version ", "RDB age ", "RDB memory usage when created ",
		"Wrong RDB checksum expected: (", "Internal error in RDB reading offset "} {
		if !hasLine(msgs, want) {
			t.Errorf("no %q line in %q", want, msgs)
		}
	}
	if hasLine(msgs, "Terminating server after rdb file reading failure.") {
		t.Errorf("Terminating line after a checksum error (redis-check-rdb exits first): %q", msgs)
	}
	// redis-server logs the same checksum line for the same file.
	bin, lerr := exec.LookPath("redis-server")
	if lerr != nil {
		t.Skip("redis-server not installed")
	}
	var crcLine string
	for _, m := range msgs {
		if strings.HasPrefix(m, "Wrong RDB checksum") {
			crcLine = m
		}
	}
	if out := runRedisOn(t, bin, dir); !strings.Contains(string(out), crcLine) {
		t.Errorf("redis-server:\n%s\nkeygrid: %q", out, crcLine)
	}
}

// runRedisOn runs redis-server on dir with a listening port and returns its
// output once it exits (it must: the file is corrupt).
func runRedisOn(t *testing.T, bin, dir string) []byte {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--dir", dir, "--save", "")
	done := make(chan []byte, 1)
	go func() { out, _ := cmd.CombinedOutput(); done <- out }()
	select {
	case out := <-done:
		return out
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("redis-server did not exit on a corrupt dump")
	}
	return nil
}

func TestCorruptDumpTruncated(t *testing.T) {
	_, err, msgs := corruptDumpStart(t, func(b []byte) []byte { return b[:len(b)-12] })
	if err == nil {
		t.Fatal("the server started on a truncated dump.rdb")
	}
	for _, want := range []string{"Short read or OOM loading DB. Unrecoverable error, aborting now.",
		"Internal error in RDB reading offset "} {
		if !hasLine(msgs, want) {
			t.Errorf("no %q line in %q", want, msgs)
		}
	}
}

// SIGTERM is acted on by the next serverCron, as Redis's shutdown_asap: with the
// cron paused, SHUTDOWN ABORT cancels it (unit/shutdown "SHUTDOWN ABORT can
// cancel SIGTERM").
func TestShutdownAbortCancelsSignal(t *testing.T) {
	s, addr := startTestServer(t, func(c *config.Config) { c.Save = nil })
	tc := dialTest(t, addr)
	tc.do("DEBUG", "PAUSE-CRON", "1")
	if s.ShutdownSignal(syscall.SIGTERM) {
		t.Fatal("a first SIGTERM asked to exit now")
	}
	done := make(chan struct{})
	s.loop.Submit(func() { close(done) }) // after the signal's own submission
	<-done
	if got := tc.do("SHUTDOWN", "ABORT"); got != "OK" {
		t.Fatalf("SHUTDOWN ABORT = %q", got)
	}
	tc.do("DEBUG", "PAUSE-CRON", "0")
	for range 5 { // a few cron runs at hz 10
		time.Sleep(100 * time.Millisecond)
		if got := tc.do("PING"); got != "PONG" {
			t.Fatalf("PING after the aborted SIGTERM = %q", got)
		}
	}
	if got := tc.do("SHUTDOWN", "ABORT"); !strings.Contains(got, "ERR No shutdown in progress.") {
		t.Fatalf("SHUTDOWN ABORT with nothing to abort = %q", got)
	}
}
