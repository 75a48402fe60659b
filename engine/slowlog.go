package engine

// SLOWLOG and LATENCY bookkeeping (slowlog.c, latency.c): the data structures the
// dispatcher feeds after every command. The commands that read them live in server.go.

import (
	"strconv"
	"time"
)

type slowlogEntry struct {
	id       int64
	time     int64 // unix seconds
	duration int64 // microseconds
	argv     []string
	addr     string
	name     string
}

type slowlog struct {
	entries []slowlogEntry // newest last
	nextID  int64
}

const (
	slowlogMaxArgc = 32  // SLOWLOG_ENTRY_MAX_ARGC
	slowlogMaxArg  = 128 // SLOWLOG_ENTRY_MAX_STRING
)

// slowlogPush records the command in c.argv if it ran for at least
// slowlog-log-slower-than microseconds (negative disables, 0 logs everything).
func (s *Server) slowlogPush(c *Client, us int64) {
	th := s.cfg.SlowlogLogSlowerThan
	if th < 0 || us < th {
		return
	}
	argc := len(c.argv)
	n := min(argc, slowlogMaxArgc)
	args := make([]string, n)
	for i := 0; i < n; i++ {
		if n < argc && i == n-1 {
			args[i] = "... (" + strconv.Itoa(argc-slowlogMaxArgc+1) + " more arguments)"
			break
		}
		a := c.argv[i]
		if c.isRedacted(i) {
			args[i] = redactedArg
		} else if len(a) > slowlogMaxArg {
			args[i] = string(a[:slowlogMaxArg]) + "... (" + strconv.Itoa(len(a)-slowlogMaxArg) + " more bytes)"
		} else {
			args[i] = string(a)
		}
	}
	s.slowlog.entries = append(s.slowlog.entries, slowlogEntry{
		id: s.slowlog.nextID, time: s.nowMs / 1000, duration: us, argv: args, addr: c.addr, name: c.name,
	})
	s.slowlog.nextID++
	s.slowlogTrim()
}

func (s *Server) slowlogTrim() {
	max := int(s.cfg.SlowlogMaxLen)
	if max < 0 {
		max = 0
	}
	if over := len(s.slowlog.entries) - max; over > 0 {
		s.slowlog.entries = append(s.slowlog.entries[:0], s.slowlog.entries[over:]...)
	}
}

// latencySeries is one LATENCY event's history: the last 160 samples, one per second.
type latencySeries struct {
	samples []latencySample
	max     int64
}

type latencySample struct {
	time  int64 // unix seconds
	value int64 // milliseconds
}

const latencyHistoryLen = 160 // LATENCY_TS_LEN

// latencyAdd records a latency spike of ms milliseconds for event, merging samples
// that fall in the same second (keeping the max), as Redis's latencyAddSample.
func (s *Server) latencyAdd(event string, ms int64) {
	ls := s.latency[event]
	if ls == nil {
		ls = &latencySeries{}
		s.latency[event] = ls
	}
	now := time.Now().Unix()
	if ms > ls.max {
		ls.max = ms
	}
	if n := len(ls.samples); n > 0 && ls.samples[n-1].time == now {
		if ms > ls.samples[n-1].value {
			ls.samples[n-1].value = ms
		}
		return
	}
	ls.samples = append(ls.samples, latencySample{time: now, value: ms})
	if len(ls.samples) > latencyHistoryLen {
		ls.samples = ls.samples[1:]
	}
}

// LatencyAddSampleIfNeeded records ms for event when latency monitoring is on and the
// threshold is reached (for other parts: fsync, expire cycle, fork-less snapshots).
func (s *Server) LatencyAddSampleIfNeeded(event string, ms int64) {
	if t := s.cfg.LatencyMonitorThreshold; t > 0 && ms >= t {
		s.latencyAdd(event, ms)
	}
}

// --- MONITOR --------------------------------------------------------------------------

// feedMonitors sends a command to every MONITOR client, in Redis's format:
// +1339518083.107412 [0 127.0.0.1:60866] "keys" "*"
func (s *Server) feedMonitors(c *Client, argv [][]byte) {
	now := time.Now()
	line := make([]byte, 0, 64)
	line = append(line, '+')
	line = strconv.AppendInt(line, now.Unix(), 10)
	line = append(line, '.')
	us := now.Nanosecond() / 1000
	us6 := strconv.Itoa(us)
	for i := len(us6); i < 6; i++ {
		line = append(line, '0')
	}
	line = append(line, us6...)
	line = append(line, " ["...)
	line = strconv.AppendInt(line, int64(c.db.id), 10)
	line = append(line, ' ')
	if c.flags&flagUnixSocket != 0 {
		line = append(line, "unix:"...)
		line = append(line, s.cfg.UnixSocket...)
	} else {
		line = append(line, c.addr...)
	}
	line = append(line, ']')
	for i, a := range argv {
		line = append(line, ' ')
		if c.isRedacted(i) {
			a = []byte(redactedArg)
		}
		line = appendRepr(line, a)
	}
	line = append(line, '\r', '\n')
	for _, m := range s.monitors {
		if m == c {
			continue
		}
		m.out = append(m.out, line...)
		s.queueWrite(m)
	}
}

// appendRepr quotes b the way Redis's sdscatrepr does.
func appendRepr(dst, b []byte) []byte {
	dst = append(dst, '"')
	for _, ch := range b {
		switch ch {
		case '\\', '"':
			dst = append(dst, '\\', ch)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\a':
			dst = append(dst, '\\', 'a')
		case '\b':
			dst = append(dst, '\\', 'b')
		default:
			if ch >= 32 && ch < 127 {
				dst = append(dst, ch)
			} else {
				const hex = "0123456789abcdef"
				dst = append(dst, '\\', 'x', hex[ch>>4], hex[ch&15])
			}
		}
	}
	return append(dst, '"')
}

func (s *Server) addMonitor(c *Client) {
	c.flags |= flagMonitor
	s.monitors = append(s.monitors, c)
}

func (s *Server) removeMonitor(c *Client) {
	c.flags &^= flagMonitor
	for i, m := range s.monitors {
		if m == c {
			s.monitors = append(s.monitors[:i], s.monitors[i+1:]...)
			return
		}
	}
}

// --- CLIENT PAUSE ---------------------------------------------------------------------

type pauseState struct {
	until     int64 // unix ms; 0 when not paused
	writeOnly bool
}

// pausedFor reports whether cmd must wait because of CLIENT PAUSE: ALL pauses every
// command, WRITE pauses writes and commands that may write (EVAL, PUBLISH, ...).
func (s *Server) pausedFor(c *Client, cmd *Command) bool {
	if s.pause.until == 0 {
		return false
	}
	if !s.pause.writeOnly {
		return true
	}
	return c.checkFlags(cmd)&(FlagWrite|FlagMayReplicate) != 0
}

// Pause starts CLIENT PAUSE for ms milliseconds.
func (s *Server) Pause(ms int64, writeOnly bool) {
	now := time.Now().UnixMilli()
	until := now + ms
	if s.pause.until == 0 || s.pause.until <= now {
		s.pause = pauseState{until: until, writeOnly: writeOnly}
		return
	}
	// A pause already running merges with the new one as in Redis's pauseClients:
	// the more restrictive mode (ALL over WRITE) and the later end win.
	if !writeOnly {
		s.pause.writeOnly = false
	}
	if until > s.pause.until {
		s.pause.until = until
	}
}

// Unpause ends CLIENT PAUSE and resumes the waiting clients.
func (s *Server) Unpause() {
	s.pause = pauseState{}
	waiting := s.pausedClients
	s.pausedClients = nil
	for _, c := range waiting {
		c.flags &^= flagPaused
		if c.fd < 0 {
			continue
		}
		// Run the held request, which processInput left at the start of c.qbuf.
		if len(c.qbuf) > 0 {
			used := s.processInput(c, c.qbuf)
			c.qbuf = append(c.qbuf[:0], c.qbuf[used:]...)
			s.queueWrite(c)
		}
	}
}

func (s *Server) pauseCron() {
	if s.pause.until != 0 && time.Now().UnixMilli() >= s.pause.until {
		s.Unpause()
	}
}
