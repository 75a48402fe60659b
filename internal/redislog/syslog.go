package redislog

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap/zapcore"
)

// SyslogPath is the local syslog daemon's socket, glibc's _PATH_LOG.
var SyslogPath = "/dev/log"

// Syslog facilities by their syslog-facility names (syslog.h's LOG_USER,
// LOG_LOCAL0..7, already shifted).
var syslogFacilities = map[string]int{
	"user": 1 << 3, "local0": 16 << 3, "local1": 17 << 3, "local2": 18 << 3, "local3": 19 << 3,
	"local4": 20 << 3, "local5": 21 << 3, "local6": 22 << 3, "local7": 23 << 3,
}

// SyslogConfig is the syslog-* directives.
type SyslogConfig struct {
	Ident    string // syslog-ident
	Facility string // syslog-facility: user, local0..local7
	// Early reports whether a line is logged before the point where redis-server
	// calls openlog (initServer): those lines go out as syslog(3) sends them
	// without openlog, under the program's name, with no pid, as LOG_USER.
	Early func() bool
}

// NewSyslogCore is a core that sends every entry enabled at lvl to the local syslog
// daemon as redis-server's serverLogRaw does (syslog_enabled): the message alone,
// without the line prefix (a raw entry, the logo, as it is), at the syslog
// severity of its Redis level (debug, info for verbose, notice, warning), framed as
// glibc's syslog(3) frames it after openlog(ident, LOG_PID|LOG_NDELAY, facility):
// "<pri>Mmm dd hh:mm:ss ident[pid]: message". With no daemon listening the lines
// are dropped, as syslog(3) drops them (Redis does not set LOG_CONS).
func NewSyslogCore(lvl zapcore.LevelEnabler, cfg SyslogConfig) zapcore.Core {
	fac, ok := syslogFacilities[cfg.Facility]
	if !ok {
		fac = syslogFacilities["local0"]
	}
	early := cfg.Early
	if early == nil {
		early = func() bool { return false }
	}
	return &syslogCore{LevelEnabler: lvl, enc: &encoder{Encoder: zapcore.NewConsoleEncoder(zapcore.EncoderConfig{})},
		w: &syslogWriter{ident: cfg.Ident, facility: fac, early: early, prog: filepath.Base(os.Args[0]), pid: os.Getpid()}}
}

type syslogCore struct {
	zapcore.LevelEnabler
	enc *encoder
	w   *syslogWriter
}

func (c *syslogCore) With(fields []zapcore.Field) zapcore.Core {
	enc := c.enc.Clone().(*encoder)
	for i := range fields {
		fields[i].AddTo(enc)
	}
	return &syslogCore{LevelEnabler: c.LevelEnabler, enc: enc, w: c.w}
}

func (c *syslogCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(ent.Level) {
		return ce.AddCore(ent, c)
	}
	return ce
}

func (c *syslogCore) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	msg := pool.Get()
	defer msg.Free()
	if len(fields) == 1 && fields[0].Key == RawKey {
		if strings.HasPrefix(ent.Message, handlerPrefix()) {
			return nil // serverLogFromHandler writes to the log file only
		}
		msg.AppendString(ent.Message)
	} else if err := c.enc.appendBody(msg, ent, fields); err != nil {
		return err
	}
	// syslog.h severities: LOG_WARNING 4, LOG_NOTICE 5, LOG_INFO 6, LOG_DEBUG 7.
	sev := map[byte]int{'#': 4, '*': 5, '-': 6, '.': 7}[levelMark(ent.Level)]
	c.w.send(sev, msg.Bytes())
	return nil
}

func (c *syslogCore) Sync() error { return nil }

// syslogWriter is glibc's syslog(3) client side: a datagram socket to
// SyslogPath (a stream socket when the daemon listens on one, each message then
// ended by a NUL), connected on first use and once more after a failed send.
type syslogWriter struct {
	mu       sync.Mutex
	conn     net.Conn
	stream   bool
	ident    string
	facility int
	early    func() bool
	prog     string // the program's name, syslog(3)'s tag before openlog
	pid      int
}

func (w *syslogWriter) dial() {
	if c, err := net.Dial("unixgram", SyslogPath); err == nil {
		w.conn, w.stream = c, false
	} else if c, err := net.Dial("unix", SyslogPath); err == nil {
		w.conn, w.stream = c, true
	}
}

func (w *syslogWriter) send(sev int, msg []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := pool.Get()
	defer b.Free()
	pri, tag, withPid := w.facility|sev, w.ident, true
	if w.early() {
		pri, tag, withPid = syslogFacilities["user"]|sev, w.prog, false
	}
	b.AppendByte('<')
	b.AppendInt(int64(pri))
	b.AppendByte('>')
	b.AppendTime(time.Now(), time.Stamp) // glibc's "%h %e %T", local time
	b.AppendByte(' ')
	b.AppendString(tag)
	if withPid {
		b.AppendByte('[')
		b.AppendString(strconv.Itoa(w.pid))
		b.AppendByte(']')
	}
	b.AppendString(": ")
	b.Write(msg)
	for try := 0; try < 2; try++ {
		if w.conn == nil {
			w.dial()
			if w.conn == nil {
				return
			}
		}
		out := b.Bytes()
		if w.stream {
			out = append(out[:len(out):len(out)], 0)
		}
		if _, err := w.conn.Write(out); err == nil {
			return
		}
		w.conn.Close()
		w.conn = nil
	}
}
