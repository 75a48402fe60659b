package engine

// Cluster routing: which node serves a request, after Redis 7.0's getNodeByQuery and
// clusterRedirectClient (cluster.c). dispatchCommand calls clusterRoute after the ACL
// check, as Redis's processCommand does, and only in cluster mode: standalone pays
// one branch.

import (
	"bytes"
	"strconv"

	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/slots"
)

// Client cluster flags (Client.clusterFlags).
const (
	clientReadonly uint8 = 1 << iota // READONLY: reads of our master's slots are served here (CLIENT LIST 'r')
	clientAsking                     // ASKING: the next command may use an importing slot
)

// Redirection errors, with Redis's wording.
const (
	errCrossSlot     = "CROSSSLOT Keys in request don't hash to the same slot"
	errTryAgain      = "TRYAGAIN Multiple keys request during rehashing of slot"
	errClusterDown   = "CLUSTERDOWN The cluster is down"
	errClusterDownRO = "CLUSTERDOWN The cluster is down and only accepts read commands"
	errUnbound       = "CLUSTERDOWN Hash slot not served"
)

// clusterRoute decides whether this node serves c's command; when it does not, it
// replies the redirection (or error) and returns true. The ASKING flag lasts one
// command (or one transaction): Redis's resetClient clears it after every command
// that leaves the client outside MULTI, but ASKING itself; so ASKING before MULTI
// covers the queued commands and EXEC, and EXEC or DISCARD clears it.
func (s *Server) clusterRoute(c *Client, cmd *Command) bool {
	asking := c.clusterFlags&clientAsking != 0
	inMultiAfter := (c.flags&flagMulti != 0 && !isExec(cmd) && cmd.Name != "discard") || cmd.Name == "multi"
	if cmd.Proc != nil && cmd.Name != "asking" && !inMultiAfter {
		c.clusterFlags &^= clientAsking
	}
	if !isExec(cmd) && !cmd.hasKeys() && !isShardPubSub(cmd) {
		return false
	}
	// Our master's stream is obeyed whatever the slot map says (mustObeyClient).
	if c == s.replica.master {
		return false
	}
	msg := s.clusterRouteError(c, cmd, asking)
	if msg == "" {
		return false
	}
	cmd.stats.Rejected++
	if isExec(cmd) {
		// Redis discards the transaction and replies the redirection itself, not an
		// EXECABORT: the client retries the whole transaction on the right node.
		s.discardTransaction(c)
	} else {
		c.flagTransaction()
	}
	c.ReplyError(msg)
	s.queueWrite(c)
	return true
}

// isShardPubSub reports whether cmd is SSUBSCRIBE, SUNSUBSCRIBE or SPUBLISH, whose
// shard channels route as keys.
func isShardPubSub(cmd *Command) bool {
	switch cmd.Name {
	case "ssubscribe", "sunsubscribe", "spublish":
		return true
	}
	return false
}

// clusterRouteError is getNodeByQuery: "" when myself serves the request, else the
// error to reply (a -MOVED or -ASK redirection, or a cluster error).
func (s *Server) clusterRouteError(c *Client, cmd *Command, asking bool) string {
	st := s.cluster.st
	var (
		firstKey                  []byte
		owner                     *slots.Node
		slot                      int
		multipleKeys              bool
		migrating, importing      bool
		missingKeys, existingKeys int
		shardPubSub               = isShardPubSub(cmd)
		cmdFlags                  = c.checkFlags(cmd)
		one                       [1]multiCmd
		queue                     []multiCmd
	)
	if isExec(cmd) {
		if c.flags&flagMulti == 0 || c.tx == nil {
			return "" // EXEC without MULTI just errors
		}
		queue = c.tx.cmds
	} else {
		one[0] = multiCmd{cmd: cmd, argv: c.argv}
		queue = one[:]
	}
	db := s.dbs[0]
	for _, mc := range queue {
		for _, pos := range routeKeys(mc.cmd, mc.argv) {
			key := mc.argv[pos]
			thisSlot := slots.Slot(key)
			if firstKey == nil {
				firstKey, slot = key, thisSlot
				owner = st.Owner[slot]
				if owner == nil {
					return errUnbound
				}
				if owner == st.Myself && st.Migrating[slot] != nil {
					migrating = true
				} else if st.Importing[slot] != nil {
					importing = true
				}
			} else if !bytes.Equal(firstKey, key) {
				if thisSlot != slot {
					return errCrossSlot
				}
				multipleKeys = true
			}
			// An expired key counts as missing, but is not deleted here (Redis's
			// LOOKUP_NOEXPIRE: expireIfNeeded reports it expired and keeps it), so
			// a key that expired in a migrating slot is asked for on the target.
			if (migrating || importing) && !shardPubSub {
				// The command's own time (s.nowMs moves on in call, after this).
				if d, r := db.find(key); r != 0 && !expiredAt(d.E(r), s.wallMs(s.cmdStart)) {
					existingKeys++
				} else {
					missingKeys++
				}
			}
		}
	}
	if owner == nil {
		return "" // no keys: served locally
	}
	if !s.cluster.ok {
		switch {
		case shardPubSub:
			if !s.cfg.ClusterAllowPubsubshardWhenDown {
				return errClusterDown
			}
		case !s.cfg.ClusterAllowReadsWhenDown:
			return errClusterDown
		case cmdFlags&FlagWrite != 0:
			return errClusterDownRO
		}
	}
	if (migrating || importing) && cmd.Name == "migrate" {
		return ""
	}
	if migrating && missingKeys > 0 {
		if existingKeys > 0 {
			return errTryAgain
		}
		return s.clusterRedirect(c, "ASK", slot, st.Migrating[slot])
	}
	if importing && (asking || cmdFlags&FlagAsking != 0) {
		if multipleKeys && missingKeys > 0 {
			return errTryAgain
		}
		return ""
	}
	if (c.clusterFlags&clientReadonly != 0 || shardPubSub) && cmdFlags&FlagWrite == 0 &&
		st.Myself.IsReplica() && st.Myself.MasterID == owner.ID {
		return ""
	}
	if owner != st.Myself {
		return s.clusterRedirect(c, "MOVED", slot, owner)
	}
	return ""
}

// routeKeys returns the argv indexes of a request's keys as getKeysFromCommand does;
// shard Pub/Sub channels count as keys. The common single-key commands skip the key
// spec machinery.
func routeKeys(cmd *Command, argv [][]byte) []int {
	if cmd.Keys == nil && cmd.FirstKey == 1 && cmd.LastKey == 1 && len(argv) > 1 {
		return oneKeyIndex
	}
	if isShardPubSub(cmd) {
		if cmd.Name == "spublish" {
			return oneKeyIndex
		}
		idx := make([]int, 0, len(argv)-1)
		for i := 1; i < len(argv); i++ {
			idx = append(idx, i)
		}
		return idx
	}
	// Redis's getKeysFromCommand, not the key specs COMMAND GETKEYS prefers: the
	// command's getkeys proc when it has one (GEORADIUS ... STORE a STOREDIST b
	// routes by b alone, the one the command writes), else the legacy range.
	if cmd.Keys != nil {
		return cmd.Keys(argv)
	}
	return legacyRangeKeys(cmd, argv)
}

// legacyRangeKeys is Redis's getKeysUsingLegacyRangeSpec: FirstKey to LastKey
// (negative: from the end) by Step, as COMMAND INFO shows them; none when the
// request is too short for them (the command then answers the arity error).
func legacyRangeKeys(cmd *Command, argv [][]byte) []int {
	if cmd.FirstKey <= 0 || cmd.Step <= 0 {
		return nil
	}
	first, last := cmd.FirstKey, cmd.LastKey
	if last < 0 {
		last += len(argv)
	}
	var idx []int
	for j := first; j <= last; j += cmd.Step {
		if j >= len(argv) {
			return nil
		}
		idx = append(idx, j)
	}
	return idx
}

var oneKeyIndex = []int{1}

// clusterRedirect formats "-MOVED slot endpoint:port" or "-ASK ..." with the
// endpoint cluster-preferred-endpoint-type selects (Redis's getPreferredEndpoint).
// A plaintext client of a TLS cluster is sent to the plaintext port.
func (s *Server) clusterRedirect(c *Client, kind string, slot int, n *slots.Node) string {
	return kind + " " + strconv.Itoa(slot) + " " + s.clusterEndpoint(n) + ":" + strconv.Itoa(s.clusterClientPort(c, n))
}

// clusterUsePPort is Redis's use_pport: in a TLS cluster (whose nodes announce
// their TLS port) a plaintext client is given the nodes' plaintext ports.
func (s *Server) clusterUsePPort(c *Client) bool {
	return s.cfg.TLSCluster && c != nil && c.fd >= 0 && c.flags&flagTLS == 0
}

// clusterClientPort is the port of n that client c can connect to.
func (s *Server) clusterClientPort(c *Client, n *slots.Node) int {
	if n.PPort != 0 && s.clusterUsePPort(c) {
		return n.PPort
	}
	return n.Port
}

// clusterEndpoint is n's preferred endpoint: its IP, its hostname ("?" when it has
// none) or "" for unknown-endpoint.
func (s *Server) clusterEndpoint(n *slots.Node) string {
	switch s.cfg.ClusterPreferredEndpointType {
	case "hostname":
		if n.Hostname != "" {
			return n.Hostname
		}
		return "?"
	case "unknown-endpoint":
		return ""
	}
	return n.IP
}

// clusterRedirectBlocked unblocks, with a redirection, the clients blocked on keys
// this node no longer serves (Redis's clusterRedirectBlockedClientIfNeeded, run from
// the cron): a client blocked in a slot that moved would otherwise wait forever for
// a write that now happens elsewhere. A down cluster unblocks them all, even with
// cluster-allow-reads-when-down: only a write could unblock them.
func (s *Server) clusterRedirectBlocked() {
	if s.blocking.count == 0 {
		return
	}
	st := s.cluster.st
	for _, c := range s.clients {
		bs := c.bstate
		if c.flags&flagBlocked == 0 || bs == nil || bs.spec.Type == BlockNone || len(bs.nodes) == 0 {
			continue
		}
		msg := ""
		if !s.cluster.ok {
			msg = errClusterDown
		} else {
			// Every key of a blocking command is in one slot: the first decides.
			slot := slots.Slot([]byte(bs.nodes[0].key))
			n := st.Owner[slot]
			if c.clusterFlags&clientReadonly != 0 && bs.cmd != nil && bs.cmd.Flags&FlagWrite == 0 &&
				st.Myself.IsReplica() && n != nil && st.Myself.MasterID == n.ID {
				n = st.Myself
			}
			if n != st.Myself && st.Importing[slot] == nil {
				if n == nil {
					msg = errUnbound
				} else {
					msg = s.clusterRedirect(c, "MOVED", slot, n)
				}
			}
		}
		if msg != "" {
			c.ReplyError(msg)
			s.unblockClient(c, true)
		}
	}
}

// ASKING
func askingCommand(c *Client) {
	if !c.srv.clusterEnabled() {
		c.ReplyError("ERR This instance has cluster support disabled")
		return
	}
	c.clusterFlags |= clientAsking
	c.ReplyOK()
}

// READONLY
func readonlyCommand(c *Client) {
	if !c.srv.clusterEnabled() {
		c.ReplyError("ERR This instance has cluster support disabled")
		return
	}
	c.clusterFlags |= clientReadonly
	c.ReplyOK()
}

// READWRITE
func readwriteCommand(c *Client) {
	if !c.srv.clusterEnabled() {
		c.ReplyError("ERR This instance has cluster support disabled")
		return
	}
	c.clusterFlags &^= clientReadonly
	c.ReplyOK()
}

// expiredAt reports whether e's time has passed at now (unix ms).
func expiredAt(e *keyspace.Entry, now int64) bool { return e.Expire != 0 && e.Expire <= now }
