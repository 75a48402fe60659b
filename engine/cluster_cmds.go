package engine

// CLUSTER subcommands, ASKING, READONLY and READWRITE's table, after Redis 7.0's
// clusterCommand (cluster.c). Every reply and error string is Redis's. The specs
// are Redis 7.0's command JSON files (src/commands/cluster-*.json) as Go literals.

import (
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/keygrid/keygrid/slots"
)

var clusterCommands = []*Command{
	{Name: "cluster", Arity: -2,
		Group: "cluster", Since: "3.0.0", Complexity: "Depends on subcommand.",
		Summary: "A container for cluster commands",
		Subs: []*Command{
			{Name: "addslots", Arity: -3, Flags: FlagNoAsyncLoading | FlagAdmin | FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(N) where N is the total number of hash slot arguments",
				Summary: "Assign new hash slots to receiving node",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "slot", Type: "integer", Multiple: true},
				}},
				Proc: clusterAddslotsCommand},
			{Name: "addslotsrange", Arity: -4, Flags: FlagNoAsyncLoading | FlagAdmin | FlagStale,
				Group: "cluster", Since: "7.0.0", Complexity: "O(N) where N is the total number of the slots between the start slot and end slot arguments.",
				Summary: "Assign new hash slots to receiving node",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "start-slot_end-slot", Type: "block", Multiple: true, Args: []Arg{{Name: "start-slot", Type: "integer"}, {Name: "end-slot", Type: "integer"}}},
				}},
				Proc: clusterAddslotsrangeCommand},
			{Name: "bumpepoch", Arity: 2, Flags: FlagNoAsyncLoading | FlagAdmin | FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(1)",
				Summary: "Advance the cluster config epoch", Tips: []string{"nondeterministic_output"},
				Proc: clusterBumpepochCommand},
			{Name: "count-failure-reports", Arity: 3, Flags: FlagAdmin | FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(N) where N is the number of failure reports",
				Summary: "Return the number of failure reports active for a given node", Tips: []string{"nondeterministic_output"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "node-id", Type: "string"},
				}},
				Proc: clusterCountFailureReportsCommand},
			{Name: "countkeysinslot", Arity: 3, Flags: FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(1)",
				Summary: "Return the number of local keys in the specified hash slot",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "slot", Type: "integer"},
				}},
				Proc: clusterCountkeysinslotCommand},
			{Name: "delslots", Arity: -3, Flags: FlagNoAsyncLoading | FlagAdmin | FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(N) where N is the total number of hash slot arguments",
				Summary: "Set hash slots as unbound in receiving node",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "slot", Type: "integer", Multiple: true},
				}},
				Proc: clusterDelslotsCommand},
			{Name: "delslotsrange", Arity: -4, Flags: FlagNoAsyncLoading | FlagAdmin | FlagStale,
				Group: "cluster", Since: "7.0.0", Complexity: "O(N) where N is the total number of the slots between the start slot and end slot arguments.",
				Summary: "Set hash slots as unbound in receiving node",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "start-slot_end-slot", Type: "block", Multiple: true, Args: []Arg{{Name: "start-slot", Type: "integer"}, {Name: "end-slot", Type: "integer"}}},
				}},
				Proc: clusterDelslotsrangeCommand},
			{Name: "failover", Arity: -2, Flags: FlagNoAsyncLoading | FlagAdmin | FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(1)",
				Summary: "Forces a replica to perform a manual failover of its master.",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "options", Type: "oneof", Optional: true, Args: []Arg{{Name: "force", Type: "pure-token", Token: "FORCE"}, {Name: "takeover", Type: "pure-token", Token: "TAKEOVER"}}},
				}},
				Proc: clusterFailoverCommand},
			{Name: "flushslots", Arity: 2, Flags: FlagNoAsyncLoading | FlagAdmin | FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(1)",
				Summary: "Delete a node's own slots information",
				Proc:    clusterFlushslotsCommand},
			{Name: "forget", Arity: 3, Flags: FlagNoAsyncLoading | FlagAdmin | FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(1)",
				Summary: "Remove a node from the nodes table",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "node-id", Type: "string"},
				}},
				Proc: clusterForgetCommand},
			{Name: "getkeysinslot", Arity: 4, Flags: FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(log(N)) where N is the number of requested keys",
				Summary: "Return local key names in the specified hash slot", Tips: []string{"nondeterministic_output"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "slot", Type: "integer"},
					{Name: "count", Type: "integer"},
				}},
				Proc: clusterGetkeysinslotCommand},
			{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale,
				Group: "cluster", Since: "5.0.0", Complexity: "O(1)",
				Summary: "Show helpful text about the different subcommands",
				Proc:    clusterHelpCommand},
			{Name: "info", Arity: 2, Flags: FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(1)",
				Summary: "Provides info about Redis Cluster node state", Tips: []string{"nondeterministic_output"},
				Proc: clusterInfoCommand},
			{Name: "keyslot", Arity: 3, Flags: FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(N) where N is the number of bytes in the key",
				Summary: "Returns the hash slot of the specified key",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "key", Type: "string"},
				}},
				Proc: clusterKeyslotCommand},
			{Name: "links", Arity: 2, Flags: FlagStale,
				Group: "cluster", Since: "7.0.0", Complexity: "O(N) where N is the total number of Cluster nodes",
				Summary: "Returns a list of all TCP links to and from peer nodes in cluster", Tips: []string{"nondeterministic_output"},
				Proc: clusterLinksCommand},
			{Name: "meet", Arity: -4, Flags: FlagNoAsyncLoading | FlagAdmin | FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(1)",
				Summary: "Force a node cluster to handshake with another node",
				Doc: &CmdDoc{History: [][2]string{{"4.0.0", "Added the optional `cluster_bus_port` argument."}}, Args: []Arg{
					{Name: "ip", Type: "string"},
					{Name: "port", Type: "integer"},
					{Name: "cluster_bus_port", Type: "integer", Since: "4.0.0", Optional: true},
				}},
				Proc: clusterMeetCommand},
			{Name: "myid", Arity: 2, Flags: FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(1)",
				Summary: "Return the node id",
				Proc:    clusterMyidCommand},
			{Name: "nodes", Arity: 2, Flags: FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(N) where N is the total number of Cluster nodes",
				Summary: "Get Cluster config for the node", Tips: []string{"nondeterministic_output"},
				Proc: clusterNodesCommand},
			{Name: "replicas", Arity: 3, Flags: FlagAdmin | FlagStale,
				Group: "cluster", Since: "5.0.0", Complexity: "O(1)",
				Summary: "List replica nodes of the specified master node", Tips: []string{"nondeterministic_output"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "node-id", Type: "string"},
				}},
				Proc: clusterReplicasCommand},
			{Name: "replicate", Arity: 3, Flags: FlagNoAsyncLoading | FlagAdmin | FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(1)",
				Summary: "Reconfigure a node as a replica of the specified master node",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "node-id", Type: "string"},
				}},
				Proc: clusterReplicateCommand},
			{Name: "reset", Arity: -2, Flags: FlagAdmin | FlagStale | FlagNoScript,
				Group: "cluster", Since: "3.0.0", Complexity: "O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side effect.",
				Summary: "Reset a Redis Cluster node",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "hard_soft", Type: "oneof", Optional: true, Args: []Arg{{Name: "hard", Type: "pure-token", Token: "HARD"}, {Name: "soft", Type: "pure-token", Token: "SOFT"}}},
				}},
				Proc: clusterResetCommand},
			{Name: "saveconfig", Arity: 2, Flags: FlagNoAsyncLoading | FlagAdmin | FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(1)",
				Summary: "Forces the node to save cluster state on disk",
				Proc:    clusterSaveconfigCommand},
			{Name: "set-config-epoch", Arity: 3, Flags: FlagNoAsyncLoading | FlagAdmin | FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(1)",
				Summary: "Set the configuration epoch in a new node",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "config-epoch", Type: "integer"},
				}},
				Proc: clusterSetConfigEpochCommand},
			{Name: "setslot", Arity: -4, Flags: FlagNoAsyncLoading | FlagAdmin | FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(1)",
				Summary: "Bind a hash slot to a specific node",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "slot", Type: "integer"},
					{Name: "subcommand", Type: "oneof", Args: []Arg{{Name: "node-id", Type: "string", Token: "IMPORTING"}, {Name: "node-id", Type: "string", Token: "MIGRATING"}, {Name: "node-id", Type: "string", Token: "NODE"}, {Name: "stable", Type: "pure-token", Token: "STABLE"}}},
				}},
				Proc: clusterSetslotCommand},
			{Name: "shards", Arity: 2, Flags: FlagStale,
				Group: "cluster", Since: "7.0.0", Complexity: "O(N) where N is the total number of cluster nodes",
				Summary: "Get array of cluster slots to node mappings", Tips: []string{"nondeterministic_output"},
				Proc: clusterShardsCommand},
			{Name: "slaves", Arity: 3, Flags: FlagAdmin | FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(1)",
				Summary: "List replica nodes of the specified master node", Tips: []string{"nondeterministic_output"},
				Doc: &CmdDoc{Flags: []string{"deprecated"}, DeprecatedSince: "5.0.0", ReplacedBy: "`CLUSTER REPLICAS`", Args: []Arg{
					{Name: "node-id", Type: "string"},
				}},
				Proc: clusterSlavesCommand},
			{Name: "slots", Arity: 2, Flags: FlagStale,
				Group: "cluster", Since: "3.0.0", Complexity: "O(N) where N is the total number of Cluster nodes",
				Summary: "Get array of Cluster slot to node mappings", Tips: []string{"nondeterministic_output"},
				Doc:  &CmdDoc{History: [][2]string{{"4.0.0", "Added node IDs."}, {"7.0.0", "Added additional networking metadata field."}}, Flags: []string{"deprecated"}, DeprecatedSince: "7.0.0", ReplacedBy: "`CLUSTER SHARDS`"},
				Proc: clusterSlotsCommand},
		},
	},
	{Name: "asking", Arity: 1, Flags: FlagFast, Cats: CatConnection,
		Group: "cluster", Since: "3.0.0", Complexity: "O(1)",
		Summary: "Sent by cluster clients after an -ASK redirect",
		Proc:    askingCommand},
	{Name: "readonly", Arity: 1, Flags: FlagFast | FlagLoading | FlagStale, Cats: CatConnection,
		Group: "cluster", Since: "3.0.0", Complexity: "O(1)",
		Summary: "Enables read queries for a connection to a cluster replica node",
		Proc:    readonlyCommand},
	{Name: "readwrite", Arity: 1, Flags: FlagFast | FlagLoading | FlagStale, Cats: CatConnection,
		Group: "cluster", Since: "3.0.0", Complexity: "O(1)",
		Summary: "Disables read queries for a connection to a cluster replica node",
		Proc:    readwriteCommand},
}

// clusterOn returns the cluster state, or replies Redis's error when cluster mode
// is off (every CLUSTER subcommand checks it first, HELP included).
func clusterOn(c *Client) *slots.State {
	st := c.srv.cluster.st
	if st == nil {
		c.ReplyError("ERR This instance has cluster support disabled")
	}
	return st
}

// getSlotOrReply parses a slot number (Redis's getSlotOrReply).
func getSlotOrReply(c *Client, a []byte) int {
	n, ok := parseInt(a)
	if !ok || n < 0 || n >= slots.Count {
		c.ReplyError("ERR Invalid or out of range slot")
		return -1
	}
	return int(n)
}

// CLUSTER HELP
func clusterHelpCommand(c *Client) {
	if clusterOn(c) == nil {
		return
	}
	c.replyHelp([]string{
		"ADDSLOTS <slot> [<slot> ...]",
		"    Assign slots to current node.",
		"ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
		"    Assign slots which are between <start-slot> and <end-slot> to current node.",
		"BUMPEPOCH",
		"    Advance the cluster config epoch.",
		"COUNT-FAILURE-REPORTS <node-id>",
		"    Return number of failure reports for <node-id>.",
		"COUNTKEYSINSLOT <slot>",
		"    Return the number of keys in <slot>.",
		"DELSLOTS <slot> [<slot> ...]",
		"    Delete slots information from current node.",
		"DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
		"    Delete slots information which are between <start-slot> and <end-slot> from current node.",
		"FAILOVER [FORCE|TAKEOVER]",
		"    Promote current replica node to being a master.",
		"FORGET <node-id>",
		"    Remove a node from the cluster.",
		"GETKEYSINSLOT <slot> <count>",
		"    Return key names stored by current node in a slot.",
		"FLUSHSLOTS",
		"    Delete current node own slots information.",
		"INFO",
		"    Return information about the cluster.",
		"KEYSLOT <key>",
		"    Return the hash slot for <key>.",
		"MEET <ip> <port> [<bus-port>]",
		"    Connect nodes into a working cluster.",
		"MYID",
		"    Return the node id.",
		"NODES",
		"    Return cluster configuration seen by node. Output format:",
		"    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
		"REPLICATE <node-id>",
		"    Configure current node as replica to <node-id>.",
		"RESET [HARD|SOFT]",
		"    Reset current node (default: soft).",
		"SET-CONFIG-EPOCH <epoch>",
		"    Set config epoch of current node.",
		"SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
		"    Set slot state.",
		"REPLICAS <node-id>",
		"    Return <node-id> replicas.",
		"SAVECONFIG",
		"    Force saving cluster configuration on disk.",
		"SLOTS",
		"    Return information about slots range mappings. Each range is made of:",
		"    start, end, master and replicas IP addresses, ports and ids",
		"SHARDS",
		"    Return information about slot range mappings and the nodes associated with them.",
		"LINKS",
		"    Return information about all network links between this node and its peers.",
		"    Output format is an array where each array element is a map containing attributes of a link",
	})
}

// CLUSTER MEET ip port [cluster-bus-port]
func clusterMeetCommand(c *Client) {
	if clusterOn(c) == nil {
		return
	}
	if len(c.argv) != 4 && len(c.argv) != 5 {
		c.replySubcommandSyntaxError()
		return
	}
	port, ok := parseInt(c.argv[3])
	if !ok {
		c.ReplyError("ERR Invalid TCP base port specified: " + string(c.argv[3]))
		return
	}
	cport := port + 10000
	if len(c.argv) == 5 {
		if cport, ok = parseInt(c.argv[4]); !ok {
			c.ReplyError("ERR Invalid TCP bus port specified: " + string(c.argv[4]))
			return
		}
	}
	ip := string(c.argv[2])
	// Redis's clusterStartHandshake refuses what is not an IP address (no names:
	// inet_pton) or not a port.
	if net.ParseIP(ip) == nil || port <= 0 || port > 65535 || cport <= 0 || cport > 65535 {
		c.ReplyError("ERR Invalid node address specified: " + ip + ":" + string(c.argv[3]))
		return
	}
	bus := c.srv.cluster.bus
	if bus == nil {
		c.ReplyError("ERR cluster bus not running: this node is a single-node cluster")
		return
	}
	if err := bus.Meet(ip, int(port), int(cport)); err != nil {
		c.ReplyError(err.Error())
		return
	}
	c.ReplyOK()
}

// CLUSTER NODES
func clusterNodesCommand(c *Client) {
	if st := clusterOn(c); st != nil {
		c.ReplyVerbatim(st.NodesTextFor(true, c.srv.clusterUsePPort(c)))
	}
}

// CLUSTER MYID
func clusterMyidCommand(c *Client) {
	if st := clusterOn(c); st != nil {
		c.ReplyBulkString(st.Myself.ID)
	}
}

// clusterShardID is a node's shard: Redis 7.2 gives each shard a random id shared
// by its master and replicas; keygrid's is the master's node id, the same for the
// whole shard and stable across failovers of the view it is read from.
func clusterShardID(st *slots.State, n *slots.Node) string {
	if n.IsReplica() && n.MasterID != "" {
		return n.MasterID
	}
	return n.ID
}

// CLUSTER SLOTS
func clusterSlotsCommand(c *Client) {
	st := clusterOn(c)
	if st == nil {
		return
	}
	type run struct {
		n          *slots.Node
		start, end int
	}
	var runs []run
	for i := 0; i < slots.Count; i++ {
		n := st.Owner[i]
		if n == nil {
			continue
		}
		if l := len(runs); l > 0 && runs[l-1].n == n && runs[l-1].end == i-1 {
			runs[l-1].end = i
			continue
		}
		runs = append(runs, run{n, i, i})
	}
	c.ReplyArray(len(runs))
	for _, r := range runs {
		var reps []*slots.Node
		for _, rep := range st.Replicas(r.n) {
			if c.srv.clusterReplicaAvailable(rep) {
				reps = append(reps, rep)
			}
		}
		c.ReplyArray(3 + len(reps))
		c.ReplyInt(int64(r.start))
		c.ReplyInt(int64(r.end))
		c.srv.replyClusterNode(c, r.n)
		for _, rep := range reps {
			c.srv.replyClusterNode(c, rep)
		}
	}
}

// clusterReplOffset is n's replication offset: ours, or the last one n announced.
func (s *Server) clusterReplOffset(n *slots.Node) int64 {
	if n == s.cluster.st.Myself {
		return s.repl.offset
	}
	return s.cluster.replOffsets[n.ID]
}

// clusterReplicaAvailable is Redis's isReplicaAvailable: a replica is listed in
// CLUSTER SLOTS once it is not failed and has data (a non-zero offset).
func (s *Server) clusterReplicaAvailable(n *slots.Node) bool {
	return n.Flags&slots.FlagFail == 0 && s.clusterReplOffset(n) != 0
}

// replyClusterNode is one node of CLUSTER SLOTS (Redis's addNodeToNodeReply):
// endpoint, port, id, and a map of the other known endpoints.
func (s *Server) replyClusterNode(c *Client, n *slots.Node) {
	c.ReplyArray(4)
	typ := s.cfg.ClusterPreferredEndpointType
	switch typ {
	case "hostname":
		if n.Hostname != "" {
			c.ReplyBulkString(n.Hostname)
		} else {
			c.ReplyBulkString("?")
		}
	case "unknown-endpoint":
		c.ReplyNull()
	default:
		c.ReplyBulkString(n.IP)
	}
	c.ReplyInt(int64(s.clusterClientPort(c, n)))
	c.ReplyBulkString(n.ID)
	extra := 0
	if typ != "ip" {
		extra++
	}
	if typ != "hostname" && n.Hostname != "" {
		extra++
	}
	c.ReplyMap(extra)
	if typ != "ip" {
		c.ReplyBulkString("ip")
		c.ReplyBulkString(n.IP)
	}
	if typ != "hostname" && n.Hostname != "" {
		c.ReplyBulkString("hostname")
		c.ReplyBulkString(n.Hostname)
	}
}

// CLUSTER SHARDS
func clusterShardsCommand(c *Client) {
	st := clusterOn(c)
	if st == nil {
		return
	}
	var masters []*slots.Node
	for _, n := range st.Sorted() {
		if n.IsMaster() {
			masters = append(masters, n)
		}
	}
	c.ReplyArray(len(masters))
	for _, m := range masters {
		c.ReplyMap(2)
		c.ReplyBulkString("slots")
		rs := m.Slots.Ranges()
		c.ReplyArray(2 * len(rs))
		for _, r := range rs {
			c.ReplyInt(int64(r.Start))
			c.ReplyInt(int64(r.End))
		}
		c.ReplyBulkString("nodes")
		nodes := append([]*slots.Node{m}, st.Replicas(m)...)
		c.ReplyArray(len(nodes))
		for _, n := range nodes {
			c.srv.replyShardNode(c, st, n)
		}
	}
}

// replyShardNode is Redis's addNodeDetailsToShardReply. In a TLS cluster
// (tls-cluster yes, Redis's proxy for "the nodes' port is their TLS port") a node
// has a "tls-port", and a "port" only if it has a plaintext one.
func (s *Server) replyShardNode(c *Client, st *slots.State, n *slots.Node) {
	plain, tlsPort := n.Port, 0
	if s.cfg.TLSCluster {
		plain, tlsPort = n.PPort, n.Port
	}
	fields := 6 // id, ip, endpoint, role, replication-offset, health
	if n.Hostname != "" {
		fields++
	}
	if plain != 0 {
		fields++
	}
	if tlsPort != 0 {
		fields++
	}
	c.ReplyMap(fields)
	c.ReplyBulkString("id")
	c.ReplyBulkString(n.ID)
	if plain != 0 {
		c.ReplyBulkString("port")
		c.ReplyInt(int64(plain))
	}
	if tlsPort != 0 {
		c.ReplyBulkString("tls-port")
		c.ReplyInt(int64(tlsPort))
	}
	c.ReplyBulkString("ip")
	c.ReplyBulkString(n.IP)
	c.ReplyBulkString("endpoint")
	c.ReplyBulkString(s.clusterEndpoint(n))
	if n.Hostname != "" {
		c.ReplyBulkString("hostname")
		c.ReplyBulkString(n.Hostname)
	}
	offset := s.clusterReplOffset(n)
	c.ReplyBulkString("role")
	if n.IsReplica() {
		c.ReplyBulkString("replica")
	} else {
		c.ReplyBulkString("master")
	}
	c.ReplyBulkString("replication-offset")
	c.ReplyInt(offset)
	c.ReplyBulkString("health")
	switch {
	case n.Flags&slots.FlagFail != 0:
		c.ReplyBulkString("fail")
	case n.IsReplica() && offset == 0:
		c.ReplyBulkString("loading")
	default:
		c.ReplyBulkString("online")
	}
}

// CLUSTER FLUSHSLOTS
func clusterFlushslotsCommand(c *Client) {
	st := clusterOn(c)
	if st == nil {
		return
	}
	if c.srv.dbs[0].Len() != 0 {
		c.ReplyError("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.")
		return
	}
	for i := 0; i < slots.Count; i++ {
		if st.Owner[i] == st.Myself {
			st.SetOwner(i, nil)
		}
	}
	c.srv.clusterChanged()
	c.ReplyOK()
}

// CLUSTER ADDSLOTS slot [slot ...]
func clusterAddslotsCommand(c *Client) { clusterSlotsGeneric(c, false, false) }

// CLUSTER DELSLOTS slot [slot ...]
func clusterDelslotsCommand(c *Client) { clusterSlotsGeneric(c, true, false) }

// CLUSTER ADDSLOTSRANGE start-slot end-slot [start-slot end-slot ...]
func clusterAddslotsrangeCommand(c *Client) { clusterSlotsGeneric(c, false, true) }

// CLUSTER DELSLOTSRANGE start-slot end-slot [start-slot end-slot ...]
func clusterDelslotsrangeCommand(c *Client) { clusterSlotsGeneric(c, true, true) }

// clusterSlotsGeneric assigns (or unassigns) slots to myself, all or none: every
// argument is checked before anything changes, as Redis does.
func clusterSlotsGeneric(c *Client, del, ranges bool) {
	st := clusterOn(c)
	if st == nil {
		return
	}
	argv := c.argv
	var seen [slots.Count]uint8
	check := func(lo, hi int) bool {
		for s := lo; s <= hi; s++ {
			if del && st.Owner[s] == nil {
				c.ReplyError("ERR Slot " + strconv.Itoa(s) + " is already unassigned")
				return false
			} else if !del && st.Owner[s] != nil {
				c.ReplyError("ERR Slot " + strconv.Itoa(s) + " is already busy")
				return false
			}
			if seen[s]++; seen[s] == 2 {
				c.ReplyError("ERR Slot " + strconv.Itoa(s) + " specified multiple times")
				return false
			}
		}
		return true
	}
	if ranges {
		if len(argv)%2 == 1 {
			c.ReplyArityError()
			return
		}
		for j := 2; j < len(argv); j += 2 {
			lo := getSlotOrReply(c, argv[j])
			if lo < 0 {
				return
			}
			hi := getSlotOrReply(c, argv[j+1])
			if hi < 0 {
				return
			}
			if lo > hi {
				c.ReplyError("ERR start slot number " + strconv.Itoa(lo) + " is greater than end slot number " + strconv.Itoa(hi))
				return
			}
			if !check(lo, hi) {
				return
			}
		}
	} else {
		for j := 2; j < len(argv); j++ {
			if getSlotOrReply(c, argv[j]) < 0 {
				return
			}
		}
		for j := 2; j < len(argv); j++ {
			s := getSlotOrReply(c, argv[j])
			if !check(s, s) {
				return
			}
		}
	}
	for s := 0; s < slots.Count; s++ {
		if seen[s] == 0 {
			continue
		}
		// Owning the slot ends its import: we are the real owner now.
		st.Importing[s] = nil
		if del {
			st.SetOwner(s, nil)
			st.Migrating[s] = nil
		} else {
			st.SetOwner(s, st.Myself)
		}
	}
	c.srv.clusterChanged()
	c.ReplyOK()
}

// CLUSTER SETSLOT slot IMPORTING node-id | MIGRATING node-id | NODE node-id | STABLE
func clusterSetslotCommand(c *Client) {
	st := clusterOn(c)
	if st == nil {
		return
	}
	s := c.srv
	if st.Myself.IsReplica() {
		c.ReplyError("ERR Please use SETSLOT only with masters.")
		return
	}
	slot := getSlotOrReply(c, c.argv[2])
	if slot < 0 {
		return
	}
	action := strings.ToLower(string(c.argv[3]))
	argc := len(c.argv)
	lookup := func(unknownFmt string) *slots.Node {
		n := st.Nodes[string(c.argv[4])]
		if n == nil {
			c.ReplyError("ERR " + unknownFmt + string(c.argv[4]))
			return nil
		}
		if n.IsReplica() {
			c.ReplyError("ERR Target node is not a master")
			return nil
		}
		return n
	}
	switch {
	case action == "migrating" && argc == 5:
		if st.Owner[slot] != st.Myself {
			c.ReplyError("ERR I'm not the owner of hash slot " + strconv.Itoa(slot))
			return
		}
		n := lookup("I don't know about node ")
		if n == nil {
			return
		}
		st.Migrating[slot] = n
	case action == "importing" && argc == 5:
		if st.Owner[slot] == st.Myself {
			c.ReplyError("ERR I'm already the owner of hash slot " + strconv.Itoa(slot))
			return
		}
		n := lookup("I don't know about node ")
		if n == nil {
			return
		}
		st.Importing[slot] = n
	case action == "stable" && argc == 4:
		st.Importing[slot], st.Migrating[slot] = nil, nil
	case action == "node" && argc == 5:
		n := lookup("Unknown node ")
		if n == nil {
			return
		}
		keys := s.dbs[0].dicts[slot].Len()
		if st.Owner[slot] == st.Myself && n != st.Myself && keys != 0 {
			c.ReplyError("ERR Can't assign hashslot " + strconv.Itoa(slot) + " to a different node while I still hold keys for this hash slot.")
			return
		}
		if keys == 0 && st.Migrating[slot] != nil {
			st.Migrating[slot] = nil
		}
		wasMine := st.Owner[slot] == st.Myself
		st.SetOwner(slot, n)
		if wasMine && n != st.Myself && st.Myself.Slots.Len() == 0 && s.cfg.ClusterAllowReplicaMigration {
			s.log.Warn("Configuration change detected. Reconfiguring myself as a replica of " + n.ID)
			s.clusterSetMaster(n)
			s.cluster.todo |= todoFsync
		}
		if n == st.Myself && st.Importing[slot] != nil {
			// The import is done: a new config epoch makes our claim win everywhere
			// (a collision, if a failover raced it, is resolved by the bus). The
			// epoch is on disk before the OK, as Redis's clusterBumpConfigEpoch-
			// WithoutConsensus asks for an fsync'ed save: only the first SETSLOT
			// NODE of an import run bumps, the others save without fsync.
			if st.BumpEpochWithoutConsensus() {
				s.log.Warn("configEpoch updated after importing slot " + strconv.Itoa(slot))
				s.cluster.todo |= todoFsync
			}
			st.Importing[slot] = nil
		}
	default:
		c.ReplyError("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP")
		return
	}
	if action == "node" {
		s.clusterChanged()
	} else {
		// Migrations are not announced (as in Redis, the bus carries claims):
		// save and recompute the state, as Redis's SETSLOT, and wake no gossip.
		s.cluster.todo |= todoSave | todoUpdateState
	}
	c.ReplyOK()
}

// clusterSetMaster makes myself a replica of n and points replication at it
// (Redis's clusterSetMaster).
func (s *Server) clusterSetMaster(n *slots.Node) {
	st := s.cluster.st
	wasMaster := st.Myself.IsMaster()
	if wasMaster {
		for i := 0; i < slots.Count; i++ {
			if st.Owner[i] == st.Myself {
				st.SetOwner(i, nil)
			}
		}
	}
	st.SetMaster(n)
	s.clusterResetManualFailover()
	if n.IP != "" && n.Port != 0 {
		s.clusterReplicateFrom(n)
	}
	s.clusterChanged()
}

// CLUSTER BUMPEPOCH
func clusterBumpepochCommand(c *Client) {
	st := clusterOn(c)
	if st == nil {
		return
	}
	word := "STILL"
	if st.BumpEpochWithoutConsensus() {
		word = "BUMPED"
		c.srv.clusterChanged()
		c.srv.cluster.todo |= todoFsync // on disk before the reply, as Redis
	}
	c.ReplySimple(word + " " + strconv.FormatUint(st.Myself.ConfigEpoch, 10))
}

// CLUSTER INFO
func clusterInfoCommand(c *Client) {
	st := clusterOn(c)
	if st == nil {
		return
	}
	c.ReplyVerbatim(c.srv.clusterInfoText())
}

// busMessageTypes are Redis's cluster bus message names in type order
// (clusterGetMessageTypeString), the order CLUSTER INFO lists their counters in.
var busMessageTypes = []string{"ping", "pong", "meet", "fail", "publish", "auth-req", "auth-ack", "update", "mfstart", "module", "publishshard"}

// clusterInfoText is CLUSTER INFO's text.
func (s *Server) clusterInfoText() string {
	cl := &s.cluster
	st := cl.st
	assigned, ok, pfail, fail := 0, 0, 0, 0
	for _, n := range st.Owner {
		if n == nil {
			continue
		}
		assigned++
		switch {
		case n.Flags&slots.FlagFail != 0:
			fail++
		case n.Flags&slots.FlagPFail != 0:
			pfail++
		default:
			ok++
		}
	}
	myEpoch := st.Myself.ConfigEpoch
	if st.Myself.IsReplica() {
		if m := st.Nodes[st.Myself.MasterID]; m != nil {
			myEpoch = m.ConfigEpoch
		}
	}
	state := "fail"
	if cl.ok {
		state = "ok"
	}
	var b strings.Builder
	line := func(k string, v any) {
		b.WriteString(k)
		b.WriteByte(':')
		switch x := v.(type) {
		case string:
			b.WriteString(x)
		case int:
			b.WriteString(strconv.Itoa(x))
		case int64:
			b.WriteString(strconv.FormatInt(x, 10))
		case uint64:
			b.WriteString(strconv.FormatUint(x, 10))
		}
		b.WriteString("\r\n")
	}
	line("cluster_state", state)
	line("cluster_slots_assigned", assigned)
	line("cluster_slots_ok", ok)
	line("cluster_slots_pfail", pfail)
	line("cluster_slots_fail", fail)
	line("cluster_known_nodes", len(st.Nodes))
	line("cluster_size", cl.size)
	line("cluster_current_epoch", st.CurrentEpoch)
	line("cluster_my_epoch", myEpoch)
	var stats slots.BusStats
	if cl.bus != nil {
		stats = cl.bus.Stats()
	}
	for _, dir := range []struct {
		name string
		m    map[string]int64
	}{{"sent", stats.Sent}, {"received", stats.Received}} {
		var total int64
		for _, t := range busMessageTypes {
			if n := dir.m[t]; n != 0 {
				total += n
				line("cluster_stats_messages_"+t+"_"+dir.name, n)
			}
		}
		line("cluster_stats_messages_"+dir.name, total)
	}
	line("total_cluster_links_buffer_limit_exceeded", stats.LinksBufferLimitExceeded)
	return b.String()
}

// CLUSTER SAVECONFIG
func clusterSaveconfigCommand(c *Client) {
	if clusterOn(c) == nil {
		return
	}
	if err := c.srv.clusterSave(true); err != nil {
		msg := err.Error()
		if pe, ok := err.(*os.PathError); ok {
			msg = pe.Err.Error()
		}
		c.ReplyError("ERR error saving the cluster node config: " + msg)
		return
	}
	c.ReplyOK()
}

// CLUSTER KEYSLOT key
func clusterKeyslotCommand(c *Client) {
	if clusterOn(c) != nil {
		c.ReplyInt(int64(slots.Slot(c.argv[2])))
	}
}

// CLUSTER COUNTKEYSINSLOT slot
func clusterCountkeysinslotCommand(c *Client) {
	if clusterOn(c) == nil {
		return
	}
	slot, ok := parseInt(c.argv[2])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	if slot < 0 || slot >= slots.Count {
		c.ReplyError("ERR Invalid slot")
		return
	}
	c.ReplyInt(int64(c.srv.dbs[0].dicts[slot].Len()))
}

// CLUSTER GETKEYSINSLOT slot count
func clusterGetkeysinslotCommand(c *Client) {
	if clusterOn(c) == nil {
		return
	}
	slot, ok := parseInt(c.argv[2])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	count, ok := parseInt(c.argv[3])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	if slot < 0 || slot >= slots.Count || count < 0 {
		c.ReplyError("ERR Invalid slot or number of keys")
		return
	}
	keys := c.srv.clusterKeysInSlot(int(slot), int(min(count, int64(1<<31))))
	c.ReplyArray(len(keys))
	for _, k := range keys {
		c.ReplyBulk(k)
	}
}

// CLUSTER FORGET node-id
func clusterForgetCommand(c *Client) {
	st := clusterOn(c)
	if st == nil {
		return
	}
	n := st.Nodes[string(c.argv[2])]
	switch {
	case n == nil:
		c.ReplyError("ERR Unknown node " + string(c.argv[2]))
		return
	case n == st.Myself:
		c.ReplyError("ERR I tried hard but I can't forget myself...")
		return
	case st.Myself.IsReplica() && st.Myself.MasterID == n.ID:
		c.ReplyError("ERR Can't forget my master!")
		return
	}
	if bus := c.srv.cluster.bus; bus != nil {
		bus.Forget(n.ID)
	}
	st.DelNode(n)
	c.srv.cluster.todo |= todoSave | todoUpdateState
	c.ReplyOK()
}

// CLUSTER REPLICATE node-id
func clusterReplicateCommand(c *Client) {
	st := clusterOn(c)
	if st == nil {
		return
	}
	n := st.Nodes[string(c.argv[2])]
	switch {
	case n == nil:
		c.ReplyError("ERR Unknown node " + string(c.argv[2]))
		return
	case n == st.Myself:
		c.ReplyError("ERR Can't replicate myself")
		return
	case n.IsReplica():
		c.ReplyError("ERR I can only replicate a master, not a replica.")
		return
	case st.Myself.IsMaster() && (st.Myself.Slots.Len() != 0 || c.srv.dbs[0].Len() != 0):
		c.ReplyError("ERR To set a master the node must be empty and without assigned slots.")
		return
	}
	c.srv.clusterSetMaster(n)
	c.ReplyOK()
}

// CLUSTER REPLICAS node-id
func clusterReplicasCommand(c *Client) {
	st := clusterOn(c)
	if st == nil {
		return
	}
	n := st.Nodes[string(c.argv[2])]
	if n == nil {
		c.ReplyError("ERR Unknown node " + string(c.argv[2]))
		return
	}
	if n.IsReplica() {
		c.ReplyError("ERR The specified node is not a master")
		return
	}
	reps := st.Replicas(n)
	c.ReplyArray(len(reps))
	for _, r := range reps {
		c.ReplyBulkString(st.DescribeFor(r, c.srv.clusterUsePPort(c)))
	}
}

// CLUSTER SLAVES node-id
func clusterSlavesCommand(c *Client) { clusterReplicasCommand(c) }

// CLUSTER COUNT-FAILURE-REPORTS node-id
func clusterCountFailureReportsCommand(c *Client) {
	st := clusterOn(c)
	if st == nil {
		return
	}
	n := st.Nodes[string(c.argv[2])]
	if n == nil {
		c.ReplyError("ERR Unknown node " + string(c.argv[2]))
		return
	}
	// Failure reports are the bus's business; a bus that keeps them says so.
	if fr, ok := c.srv.cluster.bus.(interface{ FailureReports(id string) int }); ok {
		c.ReplyInt(int64(fr.FailureReports(n.ID)))
		return
	}
	c.ReplyInt(0)
}

// CLUSTER FAILOVER [FORCE|TAKEOVER]
func clusterFailoverCommand(c *Client) {
	st := clusterOn(c)
	if st == nil {
		return
	}
	s := c.srv
	cl := &s.cluster
	if len(c.argv) > 3 {
		c.replySubcommandSyntaxError()
		return
	}
	force, takeover := false, false
	if len(c.argv) == 3 {
		switch {
		case eqFold(c.argv[2], "force"):
			force = true
		case eqFold(c.argv[2], "takeover"):
			force, takeover = true, true
		default:
			c.ReplyError(ErrSyntax)
			return
		}
	}
	me := st.Myself
	var master *slots.Node
	if me.IsReplica() {
		master = st.Nodes[me.MasterID]
	}
	switch {
	case me.IsMaster():
		c.ReplyError("ERR You should send CLUSTER FAILOVER to a replica")
		return
	case master == nil:
		c.ReplyError("ERR I'm a replica but my master is unknown to me")
		return
	case !force && (master.Flags&slots.FlagFail != 0 || !master.Connected):
		c.ReplyError("ERR Master is down or failed, please use CLUSTER FAILOVER FORCE")
		return
	}
	s.clusterResetManualFailover()
	cl.mfEnd = s.wallNow() + clusterMFTimeout
	switch {
	case takeover:
		// No agreement: a new epoch of our own and the master's slots.
		s.log.Warn("Taking over the master (user request).")
		st.BumpEpochWithoutConsensus()
		s.clusterFailoverReplaceMaster(me.ConfigEpoch)
	case force:
		s.log.Warn("Forced failover user request accepted.")
		cl.mfCanStart = true
	default:
		// The master pauses writes; once our offset matches its (the replication
		// part reports it), the election starts. Without replication offsets yet
		// (issue #6) the election starts as soon as the master confirms the pause.
		s.log.Warn("Manual failover user request accepted.")
		if cl.bus != nil {
			cl.bus.ManualFailoverStart(master.ID)
		}
	}
	c.ReplyOK()
}

// ClusterManualFailoverReady is the bus telling a replica in a manual failover
// that its master paused at offset: the election may start once our replication
// offset reached it (clusterHandleManualFailover). The first announcement of
// the pause counts, as Redis's mf_master_offset. Safe from any goroutine.
func (s *Server) ClusterManualFailoverReady(masterOffset int64) {
	s.Submit(func() {
		cl := &s.cluster
		if cl.st == nil || cl.mfEnd == 0 || cl.mfOffsetKnown {
			return
		}
		cl.mfOffsetKnown, cl.mfMasterOffset = true, masterOffset
		s.log.Warn("Received replication offset for paused master manual failover: " + strconv.FormatInt(masterOffset, 10))
		s.clusterHandleManualFailover()
	})
}

// CLUSTER SET-CONFIG-EPOCH config-epoch
func clusterSetConfigEpochCommand(c *Client) {
	st := clusterOn(c)
	if st == nil {
		return
	}
	epoch, ok := parseInt(c.argv[2])
	switch {
	case !ok:
		c.ReplyError(ErrNotInt)
	case epoch < 0:
		c.ReplyError("ERR Invalid config epoch specified: " + strconv.FormatInt(epoch, 10))
	case len(st.Nodes) > 1:
		c.ReplyError("ERR The user can assign a config epoch only when the node does not know any other node.")
	case st.Myself.ConfigEpoch != 0:
		c.ReplyError("ERR Node config epoch is already non-zero")
	default:
		st.Myself.ConfigEpoch = uint64(epoch)
		s := c.srv
		s.log.Warn("configEpoch set to " + strconv.FormatInt(epoch, 10) + " via CLUSTER SET-CONFIG-EPOCH")
		st.ObserveCurrentEpoch(uint64(epoch))
		s.clusterChanged()
		c.ReplyOK()
	}
}

// CLUSTER RESET [HARD|SOFT]
func clusterResetCommand(c *Client) {
	st := clusterOn(c)
	if st == nil {
		return
	}
	if len(c.argv) > 3 {
		c.replySubcommandSyntaxError()
		return
	}
	hard := false
	if len(c.argv) == 3 {
		switch {
		case eqFold(c.argv[2], "hard"):
			hard = true
		case eqFold(c.argv[2], "soft"):
		default:
			c.ReplyError(ErrSyntax)
			return
		}
	}
	s := c.srv
	if st.Myself.IsMaster() && c.db.Len() != 0 {
		c.ReplyError("ERR CLUSTER RESET can't be called with master nodes containing keys")
		return
	}
	s.clusterReset(hard)
	c.ReplyOK()
}

// clusterReset is Redis's clusterReset: myself becomes a master with no slots that
// knows no other node; a hard reset also zeroes the epochs and takes a new id.
func (s *Server) clusterReset(hard bool) {
	cl := &s.cluster
	st := cl.st
	me := st.Myself
	if me.IsReplica() {
		me.Flags = me.Flags&^slots.FlagReplica | slots.FlagMaster
		me.MasterID = ""
		s.replicaUnsetMaster()
		for _, db := range s.dbs {
			db.Flush()
		}
	}
	for i := 0; i < slots.Count; i++ {
		st.Migrating[i], st.Importing[i] = nil, nil
		st.SetOwner(i, nil)
	}
	s.clusterResetManualFailover()
	for _, n := range st.Sorted() {
		if n != me {
			st.DelNode(n)
		}
	}
	if hard {
		st.CurrentEpoch, st.LastVoteEpoch = 0, 0
		me.ConfigEpoch = 0
		delete(st.Nodes, me.ID)
		me.ID = slots.NewID()
		st.Nodes[me.ID] = me
		s.log.Warn("Node hard reset, now I'm " + me.ID)
	}
	s.clusterChanged()
	s.clusterApply(slots.Effects{Fsync: true})
	if r, ok := cl.bus.(interface{ SoftReset() }); ok && !hard {
		r.SoftReset()
	}
	if hard {
		cl.resetGen.Add(1)
		if r, ok := cl.bus.(interface{ HardReset() }); ok {
			r.HardReset()
		}
	}
}

// CLUSTER LINKS
func clusterLinksCommand(c *Client) {
	if clusterOn(c) == nil {
		return
	}
	var links []slots.Link
	if bus := c.srv.cluster.bus; bus != nil {
		links = bus.Stats().Links
	}
	c.ReplyArray(len(links))
	for _, l := range links {
		c.ReplyMap(6)
		c.ReplyBulkString("direction")
		c.ReplyBulkString(l.Direction)
		c.ReplyBulkString("node")
		c.ReplyBulkString(l.Node)
		c.ReplyBulkString("create-time")
		c.ReplyInt(l.CreateTime)
		c.ReplyBulkString("events")
		c.ReplyBulkString(l.Events)
		c.ReplyBulkString("send-buffer-allocated")
		c.ReplyInt(l.SendBufferAllocated)
		c.ReplyBulkString("send-buffer-used")
		c.ReplyInt(l.SendBufferUsed)
	}
}
