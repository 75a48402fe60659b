package engine

// The output cap of unauthenticated clients. Redis 7.0.15 (checkClientOutputBufferLimits)
// closes a client that must still authenticate as soon as its reply list holds more
// than 1 KB beyond the 16 KB static reply buffer, whatever client-output-buffer-limit
// says: otherwise anyone who can connect could pipeline commands, never read the
// NOAUTH errors, and make the server buffer them without bound. keygrid has one
// output buffer per client, so the same cap is 16 KB + 1 KB of unsent bytes.

import (
	"sync/atomic"
	"time"
)

const unauthOutputMax = 16<<10 + 1<<10

// limitUnauthOutput closes c, dropping its pending replies as Redis does (the
// client is freed asynchronously and never written to), when c is unauthenticated
// and over the cap. Called where an unauthenticated client is refused, the only
// place its output grows unboundedly.
func (s *Server) limitUnauthOutput(c *Client) {
	if len(c.out)-c.sent <= unauthOutputMax || c.flags&flagCloseASAP != 0 {
		return
	}
	s.logObufClose(c, true) // obuf_limit.go
	c.out = c.out[:c.sent]
	c.flags |= flagCloseASAP
	s.closeASAP = append(s.closeASAP, c)
}

// securityWarnedAt is when the POST / Host: warning was last logged (Unix
// seconds). Package-wide like Redis's function-static: several servers in one
// process (tests) only share how often they log.
var securityWarnedAt atomic.Int64

// securityWarning logs the cross-protocol-scripting warning at most once a
// minute, as Redis 7.0.15 does (securityWarningCommand): a flood of HTTP
// requests must not turn into a flood of synchronous log writes, which would
// stall the event loop for everyone else.
func (s *Server) securityWarning() {
	now := time.Now().Unix()
	// Either direction: a clock stepped back must not silence it for good.
	if last := securityWarnedAt.Load(); last != 0 && now-last <= 60 && last-now <= 60 {
		return
	}
	securityWarnedAt.Store(now)
	s.log.Warn("Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.")
}
