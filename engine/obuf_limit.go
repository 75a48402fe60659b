package engine

// client-output-buffer-limit: the one rule for every class (Redis 7.0.15's
// checkClientOutputBufferLimits and closeClientOnOutputBufferLimitReached), shared by
// the reply path (client.go), pubsub delivery (pubsub.go), the replication stream
// (repl_master.go) and the clients cron.
//
// The hard limit closes a client as soon as its unsent output reaches it. The soft
// limit closes it once the output has stayed at or over it for more than
// soft-seconds, counted as Redis counts them, in whole seconds of the server clock:
// first seen over at second T, closed at the first check in a second later than
// T + soft-seconds. The cron checks every client too, so a reader that stopped
// reading is cut even when no new output arrives for it.

import (
	"github.com/keygrid/keygrid/engine/config"
)

// obufLimitReached reports whether c's unsent output is past the limits of class,
// and keeps c's soft-limit clock. A replica's hard limit is never below
// repl-backlog-size (Redis ignores a lower one: a partial resync would succeed and
// the replica then be cut).
func (s *Server) obufLimitReached(c *Client, class int) bool {
	pending := int64(len(c.out) - c.sent)
	if c.flags&flagReplica != 0 {
		mem, _ := s.replClientOutput(c) // its part of the shared replication buffer
		pending += mem
	}
	lim := s.cfg.ClientOutputBufferLimit[class]
	hardLimit := lim.Hard
	if class == config.ClientReplica && hardLimit > 0 && hardLimit < s.cfg.ReplBacklogSize {
		hardLimit = s.cfg.ReplBacklogSize
	}
	hard := hardLimit > 0 && pending >= hardLimit
	soft := false
	if lim.Soft > 0 && pending >= lim.Soft {
		if c.obufSoftSince == 0 {
			c.obufSoftSince = s.nowMs // first seen over: not yet
		} else if s.nowMs/1000-c.obufSoftSince/1000 > lim.SoftSeconds {
			soft = true
		}
	} else {
		c.obufSoftSince = 0
	}
	return hard || soft
}

// logObufClose logs Redis's warning for a client closed for its output buffer,
// with its CLIENT LIST line: "scheduled to be closed ASAP" where a reply or a
// message pushed it over, "closed" where the cron found it over.
func (s *Server) logObufClose(c *Client, async bool) {
	b := make([]byte, 0, 320)
	b = append(b, "Client "...)
	b = s.appendClientInfo(b, c)
	if async {
		b = append(b, " scheduled to be closed ASAP for overcoming of output buffer limits."...)
	} else {
		b = append(b, " closed for overcoming of output buffer limits."...)
	}
	s.log.Warn(string(b))
}

// obufCron is the clients cron's check (Redis's clientsCron calls
// closeClientOnOutputBufferLimitReached synchronously): it reports whether c was
// closed.
func (s *Server) obufCron(c *Client) bool {
	// A replica's output is in the shared replication buffer: always checked.
	if (len(c.out) == c.sent && c.flags&flagReplica == 0) || c.flags&flagCloseASAP != 0 || c.fd < 0 { // fake clients are never cut (Redis: !c->conn)
		return false
	}
	class := s.outputLimitClass(c)
	lim := s.cfg.ClientOutputBufferLimit[class]
	if lim.Hard == 0 && lim.Soft == 0 {
		return false
	}
	if !s.obufLimitReached(c, class) {
		return false
	}
	s.logObufClose(c, false)
	// Freed by beforeSleep, in this loop iteration: the cron is walking the clients.
	c.out = c.out[:c.sent]
	s.freeClientAsync(c)
	return true
}

// clientsPeakSlots is how many seconds INFO's client_recent_max_input_buffer and
// client_recent_max_output_buffer look back (Redis's CLIENTS_PEAK_MEM_USAGE_SLOTS).
const clientsPeakSlots = 8

// clientsPeakRing is Redis's ClientsPeakMemInput/Output: slot unixtime % 8 holds
// the largest buffers the cron saw in that second; the slot after it is cleared
// each cron, so a peak is reported for up to 8 seconds after the client went.
type clientsPeakRing struct {
	in, out [clientsPeakSlots]int64
}

// clientsPeakStart is called once per clients cron, before clientsPeakTrack.
func (s *Server) clientsPeakStart() int {
	idx := int((s.nowMs / 1000) % clientsPeakSlots)
	next := (idx + 1) % clientsPeakSlots
	s.clientsPeak.in[next], s.clientsPeak.out[next] = 0, 0
	return idx
}

// clientsPeakTrack records c's buffers in slot idx. The output counts as Redis's
// does: what is beyond the static reply buffer (omem in CLIENT LIST), and
// for a replica its share of the replication buffer (getClientOutputBufferMemoryUsage).
func (s *Server) clientsPeakTrack(c *Client, idx int) {
	in := int64(cap(c.qbuf))
	out := int64(c.replyListBytes())
	if mem, _ := s.replClientOutput(c); mem > 0 {
		out = mem
	}
	s.clientsPeak.in[idx] = max(s.clientsPeak.in[idx], in)
	s.clientsPeak.out[idx] = max(s.clientsPeak.out[idx], out)
}

// clientsPeakMax returns the recent peaks for INFO.
func (s *Server) clientsPeakMax() (in, out int64) {
	for i := range clientsPeakSlots {
		in, out = max(in, s.clientsPeak.in[i]), max(out, s.clientsPeak.out[i])
	}
	return in, out
}
