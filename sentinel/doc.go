// Package sentinel is `keygrid sentinel`: it monitors Redis-protocol master/replica
// groups the way Redis Sentinel does, speaks Redis Sentinel's protocol to clients
// and to the monitored nodes, and decides failovers through a raft group of
// sentinels (hashicorp/raft) instead of Redis's ad-hoc per-epoch voting.
//
// Main flow:
//
//	Main ─► ParseConfig ─► New ─► Start
//	  Start runs:
//	    - one link goroutine per monitored instance (monitor.go): PING every second,
//	      INFO every 10 s (1 s while a failover runs), hello PUBLISH every 2 s, and a
//	      pub/sub connection to masters and replicas that discovers other sentinels;
//	    - the timer goroutine (sentinel.go), ten times a second: SDOWN / ODOWN
//	      (asking the other sentinels with SENTINEL IS-MASTER-DOWN-BY-ADDR), TILT,
//	      and, on the raft leader only, the failover state machine (failover.go),
//	      started on the leader's own ODOWN; a follower that sees ODOWN while the
//	      leader does not see the master down gets the leadership (handover.go);
//	    - the client server (server.go, commands.go): SENTINEL, INFO, ROLE, PING,
//	      (P)SUBSCRIBE for the events of events.go.
//
// Raft (raft.go, fsm.go): the FSM holds the current epoch and, per monitored
// master, its address, config epoch and replica list. A failover's outcome is
// committed to the log before any client can see the new address, so the
// committed log is the single truth for which node is master in which epoch;
// +switch-master is published as in Redis: by the other sentinels as soon as the
// switch commits (Redis's learn it from the leader's hello right after the
// promotion), by the leader at the end of the failover, when it commits that
// end (or the failover timeout passed). A minority of
// sentinels has no leader and therefore never fails over. The leader removes
// sentinels unreachable for raft-remove-after from the group (membership.go).
// Raft shares the sentinel's port, over TLS with tls-replication (raftmux.go).
//
// The config file is only read, never rewritten: shared runtime state
// (failovers, the current epoch) lives in the raft log and snapshots under the
// data dir; each sentinel's own runtime configuration (SENTINEL MONITOR / SET /
// REMOVE / CONFIG SET, ACL users) in the data dir's sentinel-state.json
// (localstate.go, acl.go), applied and saved at once as Redis does.
package sentinel
