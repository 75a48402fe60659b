package redislog

import (
	"errors"
	"regexp"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func TestEncoderLines(t *testing.T) {
	role := byte(Master)
	enc := NewEncoder(func() byte { return role })
	at := time.Date(2026, 11, 26, 3, 4, 5, 678_000_000, time.UTC)
	cases := []struct {
		ent    zapcore.Entry
		fields []zapcore.Field
		role   byte
		want   string
	}{
		{zapcore.Entry{Level: zapcore.InfoLevel, Time: at, Message: "Ready to accept connections", LoggerName: "engine"}, nil, Master,
			`^\d+:M 26 Nov 2026 03:04:05\.678 \* Ready to accept connections\n$`},
		{zapcore.Entry{Level: zapcore.WarnLevel, Time: at, Message: "Server initialized"}, nil, Replica,
			`^\d+:S 26 Nov 2026 03:04:05\.678 # Server initialized\n$`},
		{zapcore.Entry{Level: zapcore.DebugLevel, Time: at, Message: "Accepted 127.0.0.1:5"}, nil, Sentinel,
			`^\d+:X 26 Nov 2026 03:04:05\.678 - Accepted 127\.0\.0\.1:5\n$`},
		{zapcore.Entry{Level: zapcore.DebugLevel - 1, Time: at, Message: "x"}, nil, Master, `^\d+:M .* \. x\n$`},
		{zapcore.Entry{Level: zapcore.InfoLevel, Time: at, Message: "Sentinel ID is ab", LoggerName: "sentinel"}, nil, Sentinel,
			`^\d+:X .* \* Sentinel ID is ab\n$`},
		{zapcore.Entry{Level: zapcore.InfoLevel, Time: at, Message: "m", LoggerName: "engine.gossip"}, nil, Master, `^\d+:M .* \* gossip: m\n$`},
		{zapcore.Entry{Level: zapcore.ErrorLevel, Time: at, Message: "join failed", LoggerName: "gossip"},
			[]zapcore.Field{zap.Error(errors.New("boom")), zap.Int("n", 3)}, Master,
			`^\d+:M .* # gossip: join failed \{"error": "boom", "n": 3\}\n$`},
		{zapcore.Entry{Level: zapcore.InfoLevel, Time: at, Message: "\n  logo\n  PID: 1\n\n"}, []zapcore.Field{Raw()}, Master,
			"^\n  logo\n  PID: 1\n\n$"},
	}
	for _, c := range cases {
		role = c.role
		b, err := enc.EncodeEntry(c.ent, c.fields)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(c.want).Match(b.Bytes()) {
			t.Errorf("line %q does not match %q", b.String(), c.want)
		}
		b.Free()
	}
	// With() context goes through Clone and shows on every line.
	ctx := enc.Clone()
	ctx.AddString("node", "abc")
	b, _ := ctx.EncodeEntry(zapcore.Entry{Level: zapcore.InfoLevel, Time: at, Message: "m"}, nil)
	if !regexp.MustCompile(`\* m \{"node": "abc"\}\n$`).Match(b.Bytes()) {
		t.Errorf("context line %q", b.String())
	}
}
