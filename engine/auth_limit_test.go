package engine

import (
	"errors"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/keygrid/keygrid/engine/config"
)

// Redis 7.0.15 closes an unauthenticated client whose unread replies pass 16 KB +
// 1 KB, without sending them (checkClientOutputBufferLimits); a client that
// authenticated is not limited. deploy/drills' bad-frames drill compares the bytes
// with redis-server.
func TestUnauthOutputLimit(t *testing.T) {
	_, addr := startTestServer(t, func(c *config.Config) { c.RequirePass = "pw" })
	flood := strings.Repeat("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", 40000) // ~1 MB, 40,000 NOAUTH replies

	tc := dialTest(t, addr)
	// The server may close the connection before all of the flood is written:
	// that is the limit working, so a reset or broken pipe while writing is fine.
	if _, err := tc.c.Write([]byte(flood)); err != nil && !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Fatal(err)
	}
	tc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	// Closed with requests still unread, so a reset rather than a FIN.
	got, err := io.ReadAll(tc.c)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) || len(got) > unauthOutputMax {
		t.Fatalf("unauthenticated flood: read %d bytes (%v), want the connection closed within %d", len(got), err, unauthOutputMax)
	}

	authed := dialTest(t, addr)
	if r := authed.do("AUTH", "pw"); r != "OK" {
		t.Fatalf("AUTH: %s", r)
	}
	authed.raw(flood)
	for i := 0; i < 40000; i++ {
		if r := authed.read(); r != "(nil)" {
			t.Fatalf("reply %d: %s", i, r)
		}
	}
}

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
