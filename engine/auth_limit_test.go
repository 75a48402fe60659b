package engine

import (
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/keygrid/keygrid/engine/config"
)

// TestSecurityWarningOncePerMinute: a burst of POST / Host: requests logs the
// warning once, as Redis 7.0.15 does, so an HTTP flood is not also a flood of
// synchronous log writes on the event loop.
func TestSecurityWarningOncePerMinute(t *testing.T) {
	core, logs := observer.New(zapcore.WarnLevel)
	s, err := New(Options{Config: config.Default(), Logger: zap.New(core)})
	if err != nil {
		t.Fatal(err)
	}
	securityWarnedAt.Store(0)
	t.Cleanup(func() { securityWarnedAt.Store(0) })
	for range 1000 {
		s.securityWarning()
	}
	if n := logs.FilterMessageSnippet("Possible SECURITY ATTACK").Len(); n != 1 {
		t.Fatalf("1,000 warnings in a burst logged %d times, want 1", n)
	}
	securityWarnedAt.Add(-61) // a minute later
	s.securityWarning()
	if n := logs.FilterMessageSnippet("Possible SECURITY ATTACK").Len(); n != 2 {
		t.Fatalf("a warning a minute later: logged %d times in all, want 2", n)
	}
}
