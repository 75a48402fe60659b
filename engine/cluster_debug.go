package engine

// DEBUG subcommands of cluster mode (Redis's debug.c keeps them with the others; they
// live here so the cluster's state stays in the cluster's files).

import (
	"slices"

	"github.com/keygrid/keygrid/engine/resp"
)

func init() {
	// DEBUG HELP lists it after OBJECT, as Redis's.
	drop := debugSub{"drop-cluster-packet-filter", 3, 3, []string{
		"DROP-CLUSTER-PACKET-FILTER <packet-type>",
		"    Drop all packets that match the filtered type. Set to -1 allow all packets.",
	}, debugDropClusterPacketFilter}
	at := len(debugSubs)
	for i, d := range debugSubs {
		if d.name == "object" {
			at = i + 1
		}
	}
	debugSubs = slices.Insert(debugSubs, at, drop)
	debugSubs = append(debugSubs, debugSub{"clusterlink", 5, 5, []string{
		"CLUSTERLINK KILL <to|from|all> <node-id>",
		"    Kills the link based on the direction to/from (both) with the provided node.",
	}, debugClusterLink})
}

// linkKiller is a bus whose links DEBUG CLUSTERLINK KILL can free (gossip.Bus).
type linkKiller interface {
	KillLink(id string, to, from bool)
}

// DEBUG CLUSTERLINK KILL to|from|all node-id
func debugClusterLink(c *Client) {
	if !eqFold(c.argv[2], "kill") {
		c.replySubcommandSyntaxError()
		return
	}
	cl := &c.srv.cluster
	if cl.st == nil {
		c.ReplyError("ERR Debug option only available for cluster mode enabled setup!")
		return
	}
	id := string(c.argv[4])
	if cl.st.Nodes[id] == nil {
		c.ReplyError("ERR Unknown node " + id)
		return
	}
	var to, from bool
	switch {
	case eqFold(c.argv[3], "from"):
		from = true
	case eqFold(c.argv[3], "to"):
		to = true
	case eqFold(c.argv[3], "all"):
		to, from = true, true
	default:
		// Redis 7.0 replies the error and then +OK as well (debug.c falls
		// through to its addReply): two replies to one command.
		c.ReplyError("ERR Unknown direction " + string(c.argv[3]))
	}
	if k, ok := cl.bus.(linkKiller); ok && id != cl.st.Myself.ID {
		k.KillLink(id, to, from)
	}
	c.ReplyOK()
}

// clusterLinksMemory is INFO's mem_cluster_links: what the bus's links take.
func (s *Server) clusterLinksMemory() int64 {
	if m, ok := s.cluster.bus.(interface{ LinksMemory() int64 }); ok {
		return m.LinksMemory()
	}
	return 0
}

// DEBUG DROP-CLUSTER-PACKET-FILTER packet-type
//
// Redis drops incoming bus packets of one type (0 is PING, -1 none). keygrid's bus is
// memberlist, whose messages are not Redis's packet types: the bus reads the value
// through ClusterDropPacketFilter and drops the messages it maps onto that type
// (gossip/filter.go).
func debugDropClusterPacketFilter(c *Client) {
	v, ok := resp.ParseInt(c.argv[2])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	c.srv.cluster.dropFilter.Store(v)
	c.ReplyOK()
}

// ClusterDropPacketFilter is the packet type DEBUG DROP-CLUSTER-PACKET-FILTER set (-1:
// none). Any goroutine.
func (s *Server) ClusterDropPacketFilter() int64 { return s.cluster.dropFilter.Load() }
