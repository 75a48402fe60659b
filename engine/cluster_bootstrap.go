package engine

// Stable identity across address changes (issue #10): a node restarted with its
// data directory on a new IP keeps its id and slots (nodes.conf is keyed by node
// id), announces the new address (gossip/), and the others take it (slots.ApplyMeta).
// What is left for the engine is a replica whose master moved: its replication
// link still dials the old address. The self-bootstrap itself runs in node/
// (bootstrap.go): it is a client of the nodes, as redis-cli --cluster create is.

import (
	"net"
	"strconv"

	"github.com/keygrid/keygrid/slots"
)

// clusterFollowMasterAddr re-points replication when node id, myself's master,
// announces an address other than the one the link dials (Redis's
// nodeUpdateAddressIfNeeded: replicationSetMaster to the new ip and port).
func (s *Server) clusterFollowMasterAddr(id string) {
	st := s.cluster.st
	me := st.Myself
	if !me.IsReplica() || me.MasterID != id || s.replica.host == "" {
		return
	}
	m := st.Nodes[id]
	if m == nil || m.IP == "" || m.Port == 0 || m.Flags&slots.FlagNoAddr != 0 {
		return
	}
	if s.replica.host == m.IP && s.replica.port == m.Port {
		return
	}
	s.log.Warn("Address of my master " + id + " changed to " + net.JoinHostPort(m.IP, strconv.Itoa(m.Port)))
	s.clusterReplicateFrom(m)
}
