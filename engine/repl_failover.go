package engine

// repl_failover.go: FAILOVER, the coordinated switch of a master with one of its
// replicas (Redis 7.0's failoverCommand and updateFailoverStatus):
//
//	master:  FAILOVER [TO host port [FORCE]] [TIMEOUT ms]
//	         writes are paused; the replicas are asked for ACKs
//	         (waiting-for-sync) until the target (or any replica) acknowledged
//	         everything: then (failover-in-progress) the master becomes a replica
//	         of it and opens the link with "PSYNC <replid> <offset> FAILOVER"
//	replica: PSYNC ... FAILOVER with its own replid → REPLICAOF NO ONE, then it
//	         serves that PSYNC as a master: "+CONTINUE" from its backlog
//	master:  +CONTINUE (or +FULLRESYNC) → done, writes resume (now -READONLY);
//	         anything else, or the timeout without FORCE, aborts: master again.
//
// No write acknowledged before the switch is lost: the switch waits until the
// target has every byte, and no write is accepted meanwhile.

import (
	"strconv"
	"strings"
	"time"
)

var replFailoverCommands = []*Command{
	{Name: "failover", Arity: -1, Flags: FlagAdmin | FlagNoScript | FlagStale,
		Group: "server", Since: "6.2.0", Complexity: "O(1)",
		Summary: "Start a coordinated failover between this server and one of its replicas.",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "target", Type: "block", Token: "TO", Optional: true, Args: []Arg{
				{Name: "host", Type: "string"},
				{Name: "port", Type: "integer"},
				{Name: "force", Type: "pure-token", Token: "FORCE", Optional: true},
			}},
			{Name: "abort", Type: "pure-token", Token: "ABORT", Optional: true},
			{Name: "milliseconds", Type: "integer", Token: "TIMEOUT", Optional: true},
		}},
		Proc: failoverCommand},
}

// failoverState is Redis's failover_state.
type failoverState int

const (
	failoverNone       failoverState = iota // no-failover
	failoverWaitSync                        // waiting-for-sync: the target catches up
	failoverInProgress                      // failover-in-progress: PSYNC FAILOVER sent
)

// replFailover is the FAILOVER in progress (loop goroutine only).
type replFailover struct {
	state      failoverState
	host       string // target, "" for any replica that caught up
	port       int
	endMs      int64 // deadline (unix ms), 0 for none
	force      bool
	pausedByUs bool
}

func (f *replFailover) stateName() string {
	switch f.state {
	case failoverWaitSync:
		return "waiting-for-sync"
	case failoverInProgress:
		return "failover-in-progress"
	}
	return "no-failover"
}

// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]
func failoverCommand(c *Client) {
	s := c.srv
	f := &s.replica.failover
	if s.cfg.ClusterEnabled {
		c.ReplyError("ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.")
		return
	}
	if len(c.argv) == 2 && strings.EqualFold(string(c.argv[1]), "abort") {
		if f.state == failoverNone {
			c.ReplyError("ERR No failover in progress.")
			return
		}
		s.abortFailover("Failover manually aborted")
		c.ReplyOK()
		return
	}
	var timeout, port int64
	force, host, hasHost := false, "", false
	for j := 1; j < len(c.argv); j++ {
		arg := string(c.argv[j])
		switch {
		case strings.EqualFold(arg, "timeout") && j+1 < len(c.argv) && timeout == 0:
			n, ok := parseInt(c.argv[j+1])
			if !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			if n <= 0 {
				c.ReplyError("ERR FAILOVER timeout must be greater than 0")
				return
			}
			timeout = n
			j++
		case strings.EqualFold(arg, "to") && j+2 < len(c.argv) && !hasHost:
			n, ok := parseInt(c.argv[j+2])
			if !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			host, port, hasHost = string(c.argv[j+1]), n, true
			j += 2
		case strings.EqualFold(arg, "force") && !force:
			force = true
		default:
			c.ReplyError(ErrSyntax)
			return
		}
	}
	if f.state != failoverNone {
		c.ReplyError("ERR FAILOVER already in progress.")
		return
	}
	if s.isReplica() {
		c.ReplyError("ERR FAILOVER is not valid when server is a replica.")
		return
	}
	if len(s.repl.replicas) == 0 {
		c.ReplyError("ERR FAILOVER requires connected replicas.")
		return
	}
	if force && (timeout == 0 || !hasHost) {
		c.ReplyError("ERR FAILOVER with force option requires both a timeout and target HOST and IP.")
		return
	}
	if hasHost {
		rl := s.replFindReplica(host, int(port))
		if rl == nil {
			c.ReplyError("ERR FAILOVER target HOST and PORT is not a replica.")
			return
		}
		if rl.state != replOnline {
			c.ReplyError("ERR FAILOVER target replica is not online.")
			return
		}
		s.log.Info("FAILOVER requested to " + host + ":" + strconv.FormatInt(port, 10) + ".")
	} else {
		s.log.Info("FAILOVER requested to any replica.")
	}
	*f = replFailover{state: failoverWaitSync, host: host, port: int(port), force: force}
	if timeout > 0 {
		f.endMs = time.Now().UnixMilli() + timeout
	}
	// Writes wait until the switch is done (or aborted): nothing acknowledged
	// here can be missing on the new master. keygrid has one CLIENT PAUSE, not
	// one per purpose as Redis: the end of the FAILOVER ends a user's pause too.
	f.pausedByUs = true
	s.Pause(1<<50, true)
	s.repl.getAck = true
	c.ReplyOK()
}

// replFindReplica finds the replica announced as host:port.
func (s *Server) replFindReplica(host string, port int) *replicaLink {
	for _, rl := range s.repl.replicas {
		if strings.EqualFold(s.replicaIP(rl), host) && rl.listeningPort == port {
			return rl
		}
	}
	return nil
}

// failoverCron moves a FAILOVER on (updateFailoverStatus).
func (s *Server) failoverCron() {
	f := &s.replica.failover
	if f.state != failoverWaitSync {
		return
	}
	if f.endMs != 0 && f.endMs <= time.Now().UnixMilli() {
		if f.force {
			s.log.Info("FAILOVER to " + f.host + ":" + strconv.Itoa(f.port) + " time out exceeded, failing over.")
			f.state = failoverInProgress
			s.replicaSetMaster(f.host, f.port)
			return
		}
		s.abortFailover("Replica never caught up before timeout")
		return
	}
	var target *replicaLink
	if f.host != "" {
		target = s.replFindReplica(f.host, f.port)
	} else {
		for _, rl := range s.repl.replicas {
			if rl.state == replOnline && rl.ackOff == s.repl.offset {
				target = rl
				f.host, f.port = s.replicaIP(rl), rl.listeningPort
				break
			}
		}
	}
	if target != nil && target.ackOff == s.repl.offset {
		f.state = failoverInProgress
		s.log.Info("Failover target " + f.host + ":" + strconv.Itoa(f.port) + " is synced, failing over.")
		s.replicaSetMaster(f.host, f.port)
		return
	}
	if s.every(100) {
		s.repl.getAck = true // keep the ACKs coming
	}
}

// clearFailover ends a FAILOVER and lets writes go on (clearFailoverState).
func (s *Server) clearFailover() {
	f := &s.replica.failover
	if f.pausedByUs {
		s.Unpause()
	}
	*f = replFailover{}
}

// abortFailover gives a FAILOVER up; a node that already started following the
// target is a master again.
func (s *Server) abortFailover(why string) {
	f := &s.replica.failover
	if f.state == failoverNone {
		return
	}
	if f.host != "" {
		s.log.Info("FAILOVER to " + f.host + ":" + strconv.Itoa(f.port) + " aborted: " + why)
	} else {
		s.log.Info("FAILOVER to any replica aborted: " + why)
	}
	if f.state == failoverInProgress {
		s.replicaUnsetMaster()
	}
	s.clearFailover()
}

// replicaFailoverRequest handles "PSYNC replid offset FAILOVER" on a replica: its
// master hands over; when replid is ours, this node becomes a master and the PSYNC
// goes on as a master's. It returns false after replying an error.
func (s *Server) replicaFailoverRequest(c *Client) bool {
	s.log.Warn("Failover request received for replid " + string(c.argv[1]) + ".")
	if !s.isReplica() {
		c.ReplyError("ERR PSYNC FAILOVER can't be sent to a master.")
		return false
	}
	if !strings.EqualFold(string(c.argv[1]), s.repl.id) {
		c.ReplyError("ERR PSYNC FAILOVER replid must match my replid.")
		return false
	}
	s.replicaUnsetMaster()
	s.log.Info("MASTER MODE enabled (failover request from '" + s.clientInfoLine(c) + "')")
	return true
}
