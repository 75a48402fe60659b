package engine

// repl_rogue.go: a client that became a replica (SYNC/PSYNC) receives the
// replication stream on its connection, so nothing else may be written there: a
// reply would be read by the replica as part of the stream. Redis 7.0 refuses a
// replica's commands that touch the keyspace ("Replica can't interact with the
// keyspace", which also keeps replicas from dodging CLIENT PAUSE), and disconnects a
// replica whose command produced any reply, logging it (and, for an error, the
// "== CRITICAL ==" line of afterErrorReply).

import "strings"

const errReplicaKeyspace = "ERR Replica can't interact with the keyspace"

// replicaKeyspaceDeny is processCommand's check for replica clients.
func replicaKeyspaceDeny(c *Client, cmd *Command) string {
	if c.flags&flagReplica != 0 && cmd.Flags&(FlagWrite|FlagReadonly|FlagMayReplicate) != 0 {
		return errReplicaKeyspace
	}
	return ""
}

// processReplicaCommand runs a command a replica sent on its link and drops the
// replica if the command replied. REPLCONF (ACK, GETACK, capa) is how replicas talk
// to their master and never replies on an established link.
func (s *Server) processReplicaCommand(c *Client) {
	outBefore := len(c.out)
	s.dispatchCommand(c)
	if c.flags&flagReplica == 0 || len(c.out) <= outBefore || c.cmd == nil || c.cmd.Name == "replconf" {
		return
	}
	name := c.cmd.Name
	if reply := c.out[outBefore:]; reply[0] == '-' {
		msg := string(reply[1:])
		if i := strings.IndexAny(msg, "\r\n"); i >= 0 {
			msg = msg[:i]
		}
		msg = strings.TrimPrefix(msg, "ERR ")
		if len(msg) > 4096 {
			msg = msg[:4096]
		}
		s.log.Warn("== CRITICAL == This master is sending an error to its replica: '" + msg +
			"' after processing the command '" + name + "'")
		s.repl.unexpectedErrors++
	}
	c.out = c.out[:outBefore]
	s.log.Warn("Replica generated a reply to command '" + name + "', disconnecting it: " +
		string(s.appendClientInfo(nil, c)))
	if c.flags&flagCloseASAP == 0 {
		c.flags |= flagCloseASAP
		s.closeASAP = append(s.closeASAP, c)
	}
}
