package node

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"
)

// TestNewLoggerLevel checks that NewLogger maps Redis's log levels and that its
// AtomicLevel (the one CONFIG SET loglevel changes) controls the running logger.
func TestNewLoggerLevel(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keygrid.log")
	log, level, closeLog, err := NewLogger("warning", file, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeLog()
	if level.Level() != zapcore.WarnLevel {
		t.Fatalf("level = %v, want warn", level.Level())
	}
	log.Info("before")
	level.SetLevel(zapcore.DebugLevel)
	log.Debug("after")
	log.Sync()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); strings.Contains(s, "before") || !strings.Contains(s, "after") {
		t.Errorf("log file:\n%s\nwant only the message logged after the level changed", s)
	}
	if _, _, _, err := NewLogger("loud", "", nil); err == nil {
		t.Error("NewLogger accepted an unknown level")
	}
}

// A line logged after the logfile was closed (goroutines still winding down at
// shutdown) is dropped: nothing reaches stderr, as zap would report a write to a
// closed file there.
func TestLoggerAfterClose(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = w // zap takes its error output from os.Stderr when the logger is made
	log, _, closeLog, err := NewLogger("notice", filepath.Join(t.TempDir(), "keygrid.log"), nil)
	os.Stderr = stderr
	if err != nil {
		t.Fatal(err)
	}
	closeLog()
	log.Warn("late")
	log.Sync()
	w.Close()
	b, _ := io.ReadAll(r)
	if len(b) != 0 {
		t.Fatalf("stderr after logging to a closed logfile: %q", b)
	}
}
