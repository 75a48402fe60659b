package engine

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/internal/redislog"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// DEBUG SEGFAULT really faults, logs Redis's crash report ("crashed by signal",
// which integration/logging.tcl waits for) and the process dies of SIGSEGV. The
// crash happens in a child process: this test binary run again.
func TestDebugSegfaultCrashReport(t *testing.T) {
	if os.Getenv("KEYGRID_CRASH_CHILD") == "1" {
		crashChild(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDebugSegfaultCrashReport$", "-test.count=1")
	cmd.Env = append(os.Environ(), "KEYGRID_CRASH_CHILD=1")
	out, err := cmd.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("the child did not crash: %v\n%s", err, out)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Logf("died of %v", ws.Signal())
	}
	for _, want := range []string{"=== REDIS BUG REPORT START", "crashed by signal: 11, si_code: 2",
		"Accessing address: 0x", "------ STACK TRACE ------", "debugSegfault", "=== REDIS BUG REPORT END"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no %q in the report:\n%s", want, out)
		}
	}
}

func crashChild(t *testing.T) {
	log := zap.New(zapcore.NewCore(redislog.NewEncoder(func() byte { return 'M' }), zapcore.Lock(os.Stdout), zapcore.InfoLevel))
	cfg := config.Default()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfg.Port, cfg.Bind, cfg.Dir, cfg.Save = port, []string{"127.0.0.1"}, t.TempDir(), nil
	cfg.EnableDebugCommand = "yes"
	s, err := New(Options{Config: cfg, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	go s.Run()
	tc := dialTest(t, "127.0.0.1:"+strconv.Itoa(port))
	tc.do("DEBUG", "SEGFAULT") // does not return a reply: the process dies
	t.Fatal("still alive after DEBUG SEGFAULT")
}
