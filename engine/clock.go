package engine

import "time"

// The engine's clock. Commands need the wall time in milliseconds (expiry, TTLs) and a
// duration (stats, SLOWLOG). Both come from one monotonic reading: time.Since on a
// fixed origin reads only the monotonic clock, which is far cheaper than time.Now on
// virtual machines, and the wall time is the origin's wall time plus the elapsed
// monotonic time. The cron re-anchors the origin so a stepped system clock (NTP, an
// operator) is followed within one cron period, as Redis's cached mstime is.

type clock struct {
	origin   time.Time     // wall and monotonic reading taken together
	originNs int64         // origin as unix ns (ms would lose up to 1 ms in wallMs)
	offset   time.Duration // monotonic time of origin relative to epochMono
	epoch    time.Time     // fixed monotonic origin for monoNow
}

// cmdStart (a Server field) is the monotonic time the next command starts: set when a
// batch of requests begins and advanced at the end of every command by call().

func (s *Server) initClock() {
	now := time.Now()
	s.clk.epoch = now
	s.clk.origin = now
	s.clk.originNs = now.UnixNano()
	s.clk.offset = 0
}

// resyncClock re-reads the wall clock (cron).
func (s *Server) resyncClock() {
	now := time.Now()
	s.clk.origin = now
	s.clk.originNs = now.UnixNano()
	s.clk.offset = now.Sub(s.clk.epoch)
}

// monoNow returns monotonic time since the server's epoch.
func (s *Server) monoNow() time.Duration { return time.Since(s.clk.epoch) }

// wallMs converts a monotonic reading to unix milliseconds.
func (s *Server) wallMs(mono time.Duration) int64 {
	// The sum is floored once: flooring the origin and the elapsed time apart
	// could put the result 1 ms behind the wall clock's millisecond, and a TTL
	// set from a client's clock would read 1 ms too long (unit/type/string
	// "GETEX PXAT option").
	return (s.clk.originNs + int64(mono-s.clk.offset)) / int64(time.Millisecond)
}
