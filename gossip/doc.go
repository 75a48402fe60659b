// Package gossip is keygrid's cluster bus: membership, failure detection, slot
// claim propagation and failover elections between the nodes of a cluster, over
// hashicorp/memberlist (SWIM) on the cluster bus port. The engine knows nothing
// of it: it talks to the engine through Engine (engine.(*Server)'s Cluster*
// methods) and is the engine's engine.ClusterBus; node/cluster.go wires them.
//
// # Flow
//
//	engine change ─Changed()─► refreshMine: new meta (memberlist alive message)
//	                                        + header broadcast (claim as ranges)
//	memberlist join/update ─► learnMeta ─► ClusterNodeUpdate (claim if digest known,
//	                                        else ask the node: msgClaimReq)
//	broadcast/reply/push-pull ─► learnHeader ─► ClusterNodeUpdate (meta + claim)
//	every 100 ms: failureCron ─► PFAIL/FAIL verdicts ─► ClusterNodeHealth,
//	                             a failing node's ping_sent ─► ClusterNodePingSent,
//	                             failure reports and FAIL messages to the others
//	election: engine ─RequestFailoverAuth─► msgAuthReq to masters
//	          ─► ClusterFailoverAuthRequest ─(vote saved)─► SendFailoverAuthAck
//	          ─► msgAuthAck ─► ClusterFailoverAuthAck
//
// # What a node sends
//
//   - memberlist's own traffic: a probe (ping/ack, indirect probes on failure)
//     per ProbeInterval, piggybacked gossip every GossipInterval when there is
//     something to say, a push/pull every PushPullInterval (one in N/10 of
//     them above 10 members: the member list it carries grows with N;
//     antientropy.go). Its node meta is
//     ours: id, role, master id, config and current epochs, replication offset,
//     manual-failover pause flag, announced ip/port/bus port/hostname, a sequence
//     number and the digest and size of the slot claim (≤ 512 bytes; codec.go).
//     Its probe acks carry our replication offset, header sequence and up to
//     three gossip entries (a known node and when we last heard it, in
//     seconds: Redis's gossip sections), which give the prober myself's
//     pong_received and bring back a node it forgot once its ban is over
//     (offset.go).
//   - msgHeader (meta + claim ranges): broadcast when myself changes, and the
//     content of push/pull (every header we hold, so a joiner learns the whole
//     map in one exchange); msgHeaderReply, the same sent in reply to
//     msgClaimReq (Redis's PONG for DROP-CLUSTER-PACKET-FILTER, filter.go).
//   - msgPFails (failure reports, masters only: one message to every member
//     every ReportInterval naming every node that is PFAIL, or FAIL and still
//     unreachable; msgPFail, one node a message, is still read from older
//     nodes) and msgFail (to every member and broadcast when FAIL is reached).
//   - msgMeet (a packet ahead of each CLUSTER MEET's join: a hard-reset node
//     admits that join), msgAuthReq / msgAuthAck (reliable), msgMFStart (reliable),
//     msgPublish / msgPublishShard (a packet per target, reliable when large).
//
// Reliable messages go on the link to their peer (links.go): as Redis, every
// node keeps a TCP connection to every node it knows and writes its messages
// to that peer there, in order, behind a send buffer that
// cluster-link-sendbuf-limit bounds; CLUSTER LINKS lists the link to and the
// link from each peer. A small message with nothing queued ahead goes as one
// packet instead. The link's connections use the bus port (and its TLS), and
// are sealed with the cluster-bus-secret's key like memberlist's traffic.
//
//   - pings of our own (memberlist.Ping) for the failure detector: while
//     nothing fails, at most one per ProbeInterval, to the node silent longest;
//     msgSuspect to every member when such a ping of a healthy node goes
//     unanswered; Redis's rule (every node silent for half the node timeout)
//     for two node timeouts after that (failure.go).
//
// Idle, a node's cost is memberlist's probing, the one routine ping per probe
// interval and the thinned push/pull (the links carry nothing when there is
// nothing to say): about constant per node whatever the cluster size, where Redis's bus pings every
// node each half node timeout with gossip about N/10 nodes, O(N) per node.
//
// CLUSTER INFO's counters map our messages onto Redis's names: memberlist
// packets and claim requests and failure reports count as "ping", headers as
// "pong", then "fail", "auth-req", "auth-ack", "mfstart", "publish",
// "publishshard", and CLUSTER MEET as "meet".
package gossip
