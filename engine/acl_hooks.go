package engine

// The ACL's links to the parts that run commands or hold channels besides the
// dispatcher: EXEC re-checks queued commands (multi.go), and ACL SETUSER looks at
// what a client is subscribed to (pubsub.go) before disconnecting it.

// aclWireParts registers the ACL with the transactions and pub/sub parts.
func (s *Server) aclWireParts() {
	s.tx.aclCheck = s.aclExecCheck
	s.acl.subscriptions = func(c *Client) (channels, patterns [][]byte) {
		if c.ps == nil {
			return nil, nil
		}
		for _, ch := range c.ps.channels.names {
			channels = append(channels, []byte(ch))
		}
		for _, ch := range c.ps.shard.names {
			channels = append(channels, []byte(ch))
		}
		for _, p := range c.ps.patterns.names {
			patterns = append(patterns, []byte(p))
		}
		return channels, patterns
	}
}

// aclExecCheck re-checks a queued command when EXEC runs it, in case the rules
// changed since it was queued: "" when allowed, else the NOPERM error the dispatcher
// would have replied, which EXEC turns into Redis's "ACLs rules changed" error. The
// denial is logged with the "multi" context.
func (s *Server) aclExecCheck(c *Client, cmd *Command, argv [][]byte) string {
	if c.aclUser == nil || !c.aclUser.restricted {
		return ""
	}
	res, pos := c.aclUser.checkCmd(cmd, argv)
	if res == aclOK {
		return ""
	}
	s.aclLogDenial(c, res, aclCtxMulti, cmd, argv, pos)
	return aclNopermMessage(res, cmd)
}
