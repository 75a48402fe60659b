package engine

// DEBUG subcommands of cluster mode (Redis's debug.c keeps them with the others; they
// live here so the cluster's state stays in the cluster's files).

import "github.com/keygrid/keygrid/engine/resp"

func init() {
	debugSubs = append(debugSubs, debugSub{"drop-cluster-packet-filter", 3, 3, []string{
		"DROP-CLUSTER-PACKET-FILTER <packet-type>",
		"    Drop all packets that match the filtered type. Set to -1 allow all packets.",
	}, debugDropClusterPacketFilter})
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
