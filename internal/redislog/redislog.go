// Package redislog formats zap log entries as redis-server writes its log lines:
//
//	pid:role dd Mon yyyy hh:mm:ss.mmm L message
//
// role M (master), S (replica), X (sentinel), C (child); L one of Redis's level marks
// (. debug, - verbose, * notice, # warning). Operators' log parsers and alerting rules,
// and Redis's own test suite (which waits for lines such as "Ready to accept" and finds
// a started server by the logo's "PID: n" line), read keygrid's logs as they read
// Redis's. Structured fields, when a line has any, follow the message as one JSON
// object.
package redislog

import (
	"os"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/buffer"
	"go.uber.org/zap/zapcore"
	"golang.org/x/sys/unix"
)

// Role marks of a log line.
const (
	Master   = 'M'
	Replica  = 'S'
	Sentinel = 'X'
)

// RawKey marks an entry written verbatim, without the line prefix (the logo block,
// which Redis also writes raw): log it with Raw().
const RawKey = "raw"

// Raw is the field that makes an entry verbatim.
func Raw() zap.Field { return zap.Bool(RawKey, true) }

var pool = buffer.NewPool()

// mainName strips the main loggers' names.
var mainName = strings.NewReplacer("engine.", "", "sentinel.", "", "engine", "", "sentinel", "")

// encoder writes Redis's line format. The embedded encoder is zap's console encoder
// with every entry key off: it only renders the fields (With() context and the call's
// own), which this encoder appends after the message.
type encoder struct {
	zapcore.Encoder
	pid  int
	role func() byte
}

// NewEncoder returns an encoder whose lines carry this process's pid and the mark
// role returns at the time of each line.
func NewEncoder(role func() byte) zapcore.Encoder {
	return &encoder{Encoder: zapcore.NewConsoleEncoder(zapcore.EncoderConfig{}), pid: os.Getpid(), role: role}
}

func (e *encoder) Clone() zapcore.Encoder {
	return &encoder{Encoder: e.Encoder.Clone(), pid: e.pid, role: e.role}
}

// levelMark maps zap's levels to Redis's marks: Redis's verbose is zap's Debug, and its
// debug the level below (engine.ZapLevel).
func levelMark(l zapcore.Level) byte {
	switch {
	case l < zapcore.DebugLevel:
		return '.'
	case l == zapcore.DebugLevel:
		return '-'
	case l == zapcore.InfoLevel:
		return '*'
	}
	return '#'
}

func (e *encoder) EncodeEntry(ent zapcore.Entry, fields []zapcore.Field) (*buffer.Buffer, error) {
	if len(fields) == 1 && fields[0].Key == RawKey {
		line := pool.Get()
		line.AppendString(ent.Message)
		return line, nil
	}
	line := pool.Get()
	line.AppendInt(int64(e.pid))
	line.AppendByte(':')
	line.AppendByte(e.role())
	line.AppendByte(' ')
	line.AppendTime(ent.Time, "02 Jan 2006 15:04:05.000")
	line.AppendByte(' ')
	line.AppendByte(levelMark(ent.Level))
	line.AppendByte(' ')
	if err := e.appendBody(line, ent, fields); err != nil {
		line.Free()
		return nil, err
	}
	line.AppendByte('\n')
	return line, nil
}

// appendBody appends what follows a line's level mark: the speaker, the message,
// the fields and the stack.
func (e *encoder) appendBody(line *buffer.Buffer, ent zapcore.Entry, fields []zapcore.Field) error {
	fb, err := e.Encoder.EncodeEntry(zapcore.Entry{}, fields)
	if err != nil {
		return err
	}
	defer fb.Free()
	// Named loggers other than the process's main one (the engine's, or sentinel's)
	// say who speaks: gossip, bootstrap, raft, ...
	if name := mainName.Replace(ent.LoggerName); name != "" {
		line.AppendString(name)
		line.AppendString(": ")
	}
	line.AppendString(ent.Message)
	if f := strings.TrimSpace(fb.String()); f != "" {
		line.AppendByte(' ')
		line.AppendString(f)
	}
	if ent.Stack != "" {
		line.AppendByte('\n')
		line.AppendString(ent.Stack)
	}
	return nil
}

// IsTerminal reports whether f is a terminal (Redis shows its logo there).
func IsTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// FromHandler is the line Redis's serverLogFromHandler writes for msg, which is
// how redis-server and redis-sentinel log a shutdown signal: no date and no
// level mark, but "pid:signal-handler (unix seconds) msg". Log it with Raw.
func FromHandler(msg string) string {
	return handlerPrefix() + strconv.FormatInt(time.Now().Unix(), 10) + ") " + msg + "\n"
}

func handlerPrefix() string { return strconv.Itoa(os.Getpid()) + ":signal-handler (" }
