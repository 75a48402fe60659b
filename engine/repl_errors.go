package engine

// repl_errors.go: errors a replica's master stream causes (Redis's
// afterErrorReply for the master client, showLatestBacklog) and DEBUG REPLICATE,
// the test hook that puts an arbitrary command in the stream.
//
// A command from the master that fails on the replica means the two datasets may
// have diverged (a writable replica's own writes, a command the replica does not
// know): Redis logs it as critical with the last bytes of the backlog, and counts
// it in INFO stats' unexpected_error_replies.

import (
	"strconv"

	"github.com/keygrid/keygrid/engine/resp"
)

// replicaErrorFromMaster logs the error reply (without its "-" and CRLF) that
// the master's command got, as Redis 7.0 words it.
func (s *Server) replicaErrorFromMaster(c *Client, reply []byte) {
	s.propagationError(c, reply, "replica", "master")
}

// propagationError is afterErrorReply for a command this server must not refuse:
// from its master (from "replica", to "master") or from the AOF it loads (from
// "server", to "AOF-loading-client"). It logs the error as critical, and with
// propagation-error-behavior panic (panic-on-replicas: only from a master, to a
// read-only replica) stops the server, as the datasets diverge from here.
func (s *Server) propagationError(c *Client, reply []byte, from, to string) {
	msg := reply
	if len(msg) > 0 && msg[0] == '-' {
		msg = msg[1:]
	}
	for i, ch := range msg {
		if ch == '\r' || ch == '\n' {
			msg = msg[:i]
			break
		}
	}
	// Redis logs the text its addReplyError got: "ERR " is the reply's prefix,
	// not part of it (other codes, WRONGTYPE, ..., are).
	if len(msg) > 4 && string(msg[:4]) == "ERR " {
		msg = msg[4:]
	}
	if len(msg) > 4096 {
		msg = msg[:4096]
	}
	name := "<unknown>"
	if c.cmd != nil {
		name = c.cmd.Name
	}
	s.log.Warn("== CRITICAL == This " + from + " is sending an error to its " + to + ": '" + string(msg) +
		"' after processing the command '" + name + "'")
	fromMaster := to == "master"
	if b := s.repl.backlog; fromMaster && b != nil && b.HistLen() > 0 {
		n := min(b.HistLen(), 256)
		tail := b.AppendFrom(nil, b.Offset()-n+1)
		s.log.Warn("Latest backlog is: '" + catRepr(string(tail)) + "'")
	}
	s.repl.unexpectedErrors++
	behavior := s.cfg.PropagationErrorBehavior
	if fromMaster && s.cfg.ReplicaReadOnly && (behavior == "panic" || behavior == "panic-on-replicas") ||
		!fromMaster && behavior == "panic" {
		s.serverPanic("This " + from + " panicked sending an error to its " + to +
			" after processing the command '" + name + "'")
	}
}

// DEBUG REPLICATE command [arg ...]
//
// Feeds the command to the replicas only (not the AOF, not this dataset).
func debugReplicate(c *Client) {
	s := c.srv
	b := []byte("*" + strconv.Itoa(len(c.argv)-2) + "\r\n")
	for _, a := range c.argv[2:] {
		b = resp.AppendBulk(b, a)
	}
	s.replFeed(b)
	c.ReplyOK()
}
