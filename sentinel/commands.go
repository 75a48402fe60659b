// SENTINEL subcommands and INFO, with Redis Sentinel 7.0's replies.

package sentinel

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/raft"
	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/resp"
)

// sentinelSubcommands maps each subcommand to its arity (Redis's command table).
var sentinelSubcommands = map[string]int{
	"masters": 2, "master": 3, "replicas": 3, "slaves": 3, "sentinels": 3,
	"get-master-addr-by-name": 3, "ckquorum": 3, "failover": 3, "reset": 3,
	"monitor": 6, "remove": 3, "set": -5, "config": -4, "myid": 2, "info-cache": -3,
	"is-master-down-by-addr": 6, "simulate-failure": -3, "debug": -2,
	"pending-scripts": 2, "flushconfig": 2, "help": 2,
	// Internal: a follower hands its CONFIG SET to the raft leader to commit
	// (SENTINEL CONFIG-COMMIT <run id> <param> <value>).
	"config-commit": 5,
}

// sentinelArityError checks the subcommand name and arity, before authentication
// as Redis does; it returns the error to reply, or "".
func sentinelArityError(args []string) string {
	sub := strings.ToLower(args[1])
	ar, ok := sentinelSubcommands[sub]
	if !ok {
		return fmt.Sprintf("ERR unknown subcommand '%s'. Try SENTINEL HELP.", args[1])
	}
	if (ar > 0 && len(args) != ar) || (ar < 0 && len(args) < -ar) {
		return fmt.Sprintf("ERR wrong number of arguments for 'sentinel|%s' command", sub)
	}
	return ""
}

func errNoMaster(b []byte) []byte { return resp.AppendError(b, "ERR No such master with that name") }

// SENTINEL <subcommand> [arg ...]
func sentinelCommand(c *client, args []string, b []byte) []byte {
	sub := strings.ToLower(args[1])
	s := c.s
	switch sub {
	case "failover":
		return s.failoverCommand(c, args[2], b)
	case "monitor":
		return s.monitorCommand(c, args, b)
	case "remove":
		return s.removeCommand(args, b)
	case "set":
		return s.setCommand(args, b)
	case "config":
		if strings.EqualFold(args[2], "set") && len(args) == 5 {
			return s.configSetCommand(args, b)
		}
	case "config-commit":
		return s.commitConfig(b, command{Op: opSentinelConfig, Name: args[2], Param: args[3], Value: args[4]}, args)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	switch sub {
	case "masters":
		b = resp.AppendArray(b, len(s.order))
		for _, n := range s.order {
			b = s.appendInstance(b, c.proto, s.masters[n].instance, now)
		}
	case "master", "replicas", "slaves", "sentinels":
		m := s.masters[args[2]]
		if m == nil {
			return errNoMaster(b)
		}
		switch sub {
		case "master":
			return s.appendInstance(b, c.proto, m.instance, now)
		case "sentinels":
			list := sortedSentinels(m)
			b = resp.AppendArray(b, len(list))
			for _, ri := range list {
				b = s.appendInstance(b, c.proto, ri, now)
			}
		default:
			// Replicas started with replica-announced no are not shown, as in Redis.
			var list []*instance
			for _, ri := range sortedReplicas(m) {
				if ri.announced {
					list = append(list, ri)
				}
			}
			b = resp.AppendArray(b, len(list))
			for _, ri := range list {
				b = s.appendInstance(b, c.proto, ri, now)
			}
		}
	case "get-master-addr-by-name":
		m := s.masters[args[2]]
		if m == nil {
			return resp.AppendNullArray(b, c.proto)
		}
		b = resp.AppendArray(b, 2)
		b = resp.AppendBulkString(b, m.ip)
		return resp.AppendBulkString(b, strconv.Itoa(m.port))
	case "ckquorum":
		m := s.masters[args[2]]
		if m == nil {
			return errNoMaster(b)
		}
		return s.ckquorumLocked(m, b)
	case "reset":
		n := 0
		for _, name := range s.order {
			if config.Match(args[2], name, false) {
				s.resetMasterLocked(s.masters[name])
				n++
			}
		}
		// Reset is how Redis forgets a dead sentinel; the raft leader also drops
		// the voters it cannot reach now (membership.go).
		if n > 0 && s.isLeader() {
			s.pruneRaftLocked(now, 0)
		}
		return resp.AppendInt(b, int64(n))
	case "config":
		return s.configCommandLocked(c, args, b)
	case "myid":
		return resp.AppendBulkString(b, s.myid)
	case "info-cache":
		return s.infoCacheLocked(c, args[2:], b, now)
	case "is-master-down-by-addr":
		// SENTINEL IS-MASTER-DOWN-BY-ADDR ip port current-epoch runid
		port, err := strconv.Atoi(args[3])
		if err != nil {
			return resp.AppendError(b, "ERR value is not an integer or out of range")
		}
		down := int64(0)
		for _, m := range s.masters {
			if m.ip == args[2] && m.port == port && m.sdown && !s.tilt {
				down = 1
			}
		}
		// Leadership is raft's business, not a per-epoch vote: keygrid never votes
		// in Redis's election, so a mixed group cannot elect two leaders.
		b = resp.AppendArray(b, 3)
		b = resp.AppendInt(b, down)
		b = resp.AppendBulkString(b, "*")
		return resp.AppendInt(b, 0)
	case "simulate-failure":
		for _, a := range args[2:] {
			switch strings.ToLower(a) {
			case "crash-after-election":
				s.simFail |= simCrashAfterElection
			case "crash-after-promotion":
				s.simFail |= simCrashAfterPromotion
			case "help":
				b = resp.AppendArray(b, 2)
				b = resp.AppendBulkString(b, "crash-after-election")
				return resp.AppendBulkString(b, "crash-after-promotion")
			default:
				return resp.AppendError(b, "ERR Unknown failure simulation specified")
			}
		}
		return resp.AppendOK(b)
	case "debug":
		return s.debugLocked(c, args, b)
	case "pending-scripts":
		return resp.AppendArray(b, 0)
	case "flushconfig":
		// The config file is never rewritten: runtime state lives in raft.
		return resp.AppendOK(b)
	case "help":
		// The reply text is Redis Sentinel's, which tools may show verbatim.
		lines := []string{
			"SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
			"CKQUORUM <master-name>",
			"    Check if the current Sentinel configuration is able to reach the quorum",
			"    needed to failover a master and the majority needed to authorize the",
			"    failover.",
			"CONFIG SET <param> <value>",
			"    Set a global Sentinel configuration parameter.",
			"CONFIG GET <param>",
			"    Get global Sentinel configuration parameter.",
			"DEBUG [<param> <value> ...]",
			"    Show a list of configurable time parameters and their values (milliseconds).",
			"    Or update current configurable parameters values (one or more).",
			"GET-MASTER-ADDR-BY-NAME <master-name>",
			"    Return the ip and port number of the master with that name.",
			"FAILOVER <master-name>",
			"    Manually failover a master node without asking for agreement from other",
			"    Sentinels",
			"FLUSHCONFIG",
			"    Force Sentinel to rewrite its configuration on disk, including the current",
			"    Sentinel state.",
			"INFO-CACHE <master-name>",
			"    Return last cached INFO output from masters and all its replicas.",
			"IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>",
			"    Check if the master specified by ip:port is down from current Sentinel's",
			"    point of view.",
			"MASTER <master-name>",
			"    Show the state and info of the specified master.",
			"MASTERS",
			"    Show a list of monitored masters and their state.",
			"MONITOR <name> <ip> <port> <quorum>",
			"    Start monitoring a new master with the specified name, ip, port and quorum.",
			"MYID",
			"    Return the ID of the Sentinel instance.",
			"PENDING-SCRIPTS",
			"    Get pending scripts information.",
			"REMOVE <master-name>",
			"    Remove master from Sentinel's monitor list.",
			"REPLICAS <master-name>",
			"    Show a list of replicas for this master and their state.",
			"RESET <pattern>",
			"    Reset masters for specific master name matching this pattern.",
			"SENTINELS <master-name>",
			"    Show a list of Sentinel instances for this master and their state.",
			"SET <master-name> <option> <value> [<option> <value> ...]",
			"    Set configuration parameters for certain masters.",
			"SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]",
			"    Simulate a Sentinel crash.",
			"HELP",
			"    Prints this help.",
		}
		b = resp.AppendArray(b, len(lines))
		for _, l := range lines {
			b = resp.AppendSimple(b, l)
		}
	}
	return b
}

// appendInstance is addReplySentinelRedisInstance: a map of fields.
func (s *Sentinel) appendInstance(b []byte, proto int, ri *instance, now time.Time) []byte {
	type kv struct{ k, v string }
	ms := func(t time.Time) string { return strconv.FormatInt(now.Sub(t).Milliseconds(), 10) }
	var f []kv
	add := func(k, v string) { f = append(f, kv{k, v}) }
	m := ri.master
	add("name", ri.name)
	add("ip", ri.ip)
	add("port", strconv.Itoa(ri.port))
	add("runid", ri.runid)
	var flags []string
	if ri.sdown {
		flags = append(flags, "s_down")
	}
	if ri.kind == kindMaster && m.odown {
		flags = append(flags, "o_down")
	}
	flags = append(flags, ri.kind.String())
	if !ri.connected {
		flags = append(flags, "disconnected")
	}
	if ri.kind == kindSentinel && ri.masterDownSays {
		flags = append(flags, "master_down")
	}
	if ri.kind == kindMaster && m.fo != nil {
		flags = append(flags, "failover_in_progress")
		if m.fo.forced {
			flags = append(flags, "force_failover")
		}
	}
	if ri.kind == kindReplica && m.fo != nil && m.fo.promoted == ri {
		flags = append(flags, "promoted")
	}
	add("flags", strings.Join(flags, ","))
	add("link-pending-commands", "0")
	add("link-refcount", "1")
	if ri.kind == kindMaster && m.fo != nil {
		add("failover-state", m.fo.state)
	}
	if ri.pingPending.IsZero() {
		add("last-ping-sent", "0")
	} else {
		add("last-ping-sent", ms(ri.pingPending))
	}
	add("last-ok-ping-reply", ms(ri.lastAvail))
	if ri.lastPong.IsZero() {
		add("last-ping-reply", ms(ri.created))
	} else {
		add("last-ping-reply", ms(ri.lastPong))
	}
	if ri.sdown {
		add("s-down-time", ms(ri.sdownAt))
	}
	if ri.kind == kindMaster && m.odown {
		add("o-down-time", ms(m.odownAt))
	}
	add("down-after-milliseconds", strconv.FormatInt(m.cfg.DownAfter.Milliseconds(), 10))
	if ri.kind != kindSentinel {
		if ri.infoRefresh.IsZero() {
			add("info-refresh", "0")
		} else {
			add("info-refresh", ms(ri.infoRefresh))
		}
		role := ri.roleReported
		if role == "" {
			role = ri.kind.String()
		}
		add("role-reported", role)
		if ri.roleReportedTime.IsZero() {
			add("role-reported-time", ms(ri.created))
		} else {
			add("role-reported-time", ms(ri.roleReportedTime))
		}
	}
	if ri.kind == kindMaster {
		add("config-epoch", strconv.FormatUint(m.configEpoch, 10))
		add("num-slaves", strconv.Itoa(len(m.replicas)))
		add("num-other-sentinels", strconv.Itoa(len(m.sentinels)))
		add("quorum", strconv.Itoa(m.cfg.Quorum))
		add("failover-timeout", strconv.FormatInt(m.cfg.FailoverTimeout.Milliseconds(), 10))
		add("parallel-syncs", strconv.Itoa(m.cfg.ParallelSyncs))
		// keygrid's failover measurements (issue point 5), after Redis's fields so
		// clients that read Redis's ignore them.
		if st := m.lastFailover; st != nil {
			add("failover-count", strconv.FormatInt(m.failoverCount, 10))
			add("last-failover-epoch", strconv.FormatUint(st.Epoch, 10))
			add("last-failover-result", st.Result)
			add("last-failover-odown-ms", strconv.FormatInt(st.ToODown.Milliseconds(), 10))
			add("last-failover-promotion-ms", strconv.FormatInt(st.ToPromotion.Milliseconds(), 10))
			add("last-failover-first-write-ms", strconv.FormatInt(st.ToWrite.Milliseconds(), 10))
			add("last-failover-offset-gap", strconv.FormatInt(st.OffsetGap, 10))
		}
	}
	if ri.kind == kindReplica {
		add("master-link-down-time", strconv.FormatInt(ri.masterLinkDownSince.Milliseconds(), 10))
		if ri.masterLinkUp {
			add("master-link-status", "ok")
		} else {
			add("master-link-status", "err")
		}
		host := ri.masterHost
		if host == "" {
			host = "?"
		}
		add("master-host", host)
		add("master-port", strconv.Itoa(ri.masterPort))
		add("slave-priority", strconv.Itoa(ri.priority))
		add("slave-repl-offset", strconv.FormatInt(ri.replOffset, 10))
		if ri.announced {
			add("replica-announced", "1")
		} else {
			add("replica-announced", "0")
		}
	}
	if ri.kind == kindSentinel {
		add("last-hello-message", ms(ri.lastHello))
		add("voted-leader", "?")
		add("voted-leader-epoch", "0")
	}
	b = resp.AppendMap(b, len(f), proto)
	for _, p := range f {
		b = resp.AppendBulkString(b, p.k)
		b = resp.AppendBulkString(b, p.v)
	}
	return b
}

// raftVoters is the number of voting members of the raft group.
func (s *Sentinel) raftVoters() int {
	if s.raft == nil {
		return 1
	}
	f := s.raft.GetConfiguration()
	if f.Error() != nil {
		return 1
	}
	n := 0
	for _, srv := range f.Configuration().Servers {
		if srv.Suffrage == raft.Voter {
			n++
		}
	}
	return max(n, 1)
}

// ckquorumLocked is SENTINEL CKQUORUM: the quorum must be reachable among healthy
// sentinels, and a raft majority must be reachable to authorize a failover.
func (s *Sentinel) ckquorumLocked(m *master, b []byte) []byte {
	usable := 1
	for _, se := range m.sentinels {
		if !se.sdown {
			usable++
		}
	}
	voters := max(s.raftVoters(), len(m.sentinels)+1)
	noQuorum := usable < m.cfg.Quorum
	noAuth := usable < voters/2+1
	if !noQuorum && !noAuth {
		return append(b, fmt.Sprintf("+OK %d usable Sentinels. Quorum and failover authorization can be reached\r\n", usable)...)
	}
	e := fmt.Sprintf("NOQUORUM %d usable Sentinels. ", usable)
	if noQuorum {
		e += "Not enough available Sentinels to reach the specified quorum for this master"
	}
	if noAuth {
		if noQuorum {
			e += ". "
		}
		e += "Not enough available Sentinels to reach the majority and authorize a failover"
	}
	return resp.AppendError(b, e)
}

// resetMasterLocked is SENTINEL RESET for one master: forget replicas, sentinels
// and failover state; they are rediscovered from INFO and hello messages.
func (s *Sentinel) resetMasterLocked(m *master) {
	s.event("+reset-master", m.instance, "")
	s.stopMasterLinksLocked(m)
	m.instance = newInstance(kindMaster, m.name, m.ip, m.port, m)
	m.replicas = map[string]*instance{}
	m.sentinels = map[string]*instance{}
	m.odown = false
	m.failoverStart = time.Time{}
	if s.running {
		s.startLinks(m.instance)
	}
}

// SENTINEL MONITOR name ip port quorum
func (s *Sentinel) monitorCommand(c *client, args []string, b []byte) []byte {
	quorum, err := strconv.ParseInt(args[5], 10, 64)
	if err != nil {
		return resp.AppendError(b, "ERR Invalid quorum")
	}
	port, err := strconv.ParseInt(args[4], 10, 64)
	if err != nil {
		return resp.AppendError(b, "ERR Invalid port")
	}
	if quorum <= 0 {
		return resp.AppendError(b, "ERR Quorum must be 1 or greater.")
	}
	if net.ParseIP(args[3]) == nil {
		if !s.cfg.ResolveHostnames {
			return resp.AppendError(b, "ERR Invalid IP address or hostname specified")
		}
		if _, err := net.LookupHost(args[3]); err != nil {
			return resp.AppendError(b, "ERR Invalid IP address or hostname specified")
		}
	}
	if port <= 0 || port > 65535 {
		return resp.AppendError(b, "ERR Invalid port number.")
	}
	mc := *defaultMaster()
	mc.Name, mc.Host, mc.Port, mc.Quorum = args[2], args[3], int(port), int(quorum)
	// The leader's state decides (a follower may not have applied the latest
	// changes yet), so followers hand the whole command over.
	if !s.isLeader() {
		return s.forward(b, args...)
	}
	s.mu.Lock()
	_, dup := s.masters[mc.Name]
	s.mu.Unlock()
	if dup {
		return resp.AppendError(b, "ERR Duplicate master name.")
	}
	return s.commitConfig(b, command{Op: opMonitor, Monitor: &mc}, args)
}

// commitConfig commits a configuration change on the leader, or has the leader
// run the same command. The reply comes once a majority stored the change.
func (s *Sentinel) commitConfig(b []byte, c command, args []string) []byte {
	if !s.isLeader() {
		return s.forward(b, args...)
	}
	if err := s.apply(c); err != nil {
		return resp.AppendError(b, "NOQUORUM cannot commit the change: "+err.Error())
	}
	return resp.AppendOK(b)
}

// SENTINEL REMOVE master
func (s *Sentinel) removeCommand(args []string, b []byte) []byte {
	if !s.isLeader() {
		return s.forward(b, args...)
	}
	s.mu.Lock()
	m := s.masters[args[2]]
	s.mu.Unlock()
	if m == nil {
		return errNoMaster(b)
	}
	return s.commitConfig(b, command{Op: opRemove, Name: args[2]}, args)
}

// SENTINEL SET master option value [option value ...]
func (s *Sentinel) setCommand(args []string, b []byte) []byte {
	if !s.isLeader() {
		return s.forward(b, args...)
	}
	s.mu.Lock()
	m := s.masters[args[2]]
	if m == nil {
		s.mu.Unlock()
		return errNoMaster(b)
	}
	cfg := m.cfg
	s.mu.Unlock()
	if (len(args)-3)%2 != 0 {
		return resp.AppendError(b, fmt.Sprintf("ERR Unknown option or number of arguments for SENTINEL SET '%s'", args[len(args)-1]))
	}
	for i := 3; i+1 < len(args); i += 2 {
		opt, val := strings.ToLower(args[i]), args[i+1]
		bad := func() []byte {
			return resp.AppendError(b, fmt.Sprintf("ERR Invalid argument '%s' for SENTINEL SET '%s'", val, args[i]))
		}
		n, nerr := strconv.ParseInt(val, 10, 64)
		switch opt {
		case "down-after-milliseconds", "failover-timeout":
			if nerr != nil || n <= 0 {
				return bad()
			}
			if opt == "down-after-milliseconds" {
				cfg.DownAfter = time.Duration(n) * time.Millisecond
			} else {
				cfg.FailoverTimeout = time.Duration(n) * time.Millisecond
			}
		case "parallel-syncs", "quorum":
			if nerr != nil || n <= 0 {
				return bad()
			}
			if opt == "quorum" {
				cfg.Quorum = int(n)
			} else {
				cfg.ParallelSyncs = int(n)
			}
		case "auth-pass":
			cfg.AuthPass = val
		case "auth-user":
			cfg.AuthUser = val
		default:
			return resp.AppendError(b, fmt.Sprintf("ERR Unknown option or number of arguments for SENTINEL SET '%s'", args[i]))
		}
	}
	out := s.commitConfig(b, command{Op: opMonitor, Monitor: &cfg}, args)
	if s.isLeader() && bytes.HasPrefix(out[len(b):], []byte("+OK")) {
		s.mu.Lock()
		if m := s.masters[args[2]]; m != nil {
			for i := 3; i+1 < len(args); i += 2 {
				s.event("+set", m.instance, "%s %s", args[i], args[i+1])
			}
		}
		s.mu.Unlock()
	}
	return out
}

// sentinelParam is one SENTINEL CONFIG parameter (those of Redis 7.0).
type sentinelParam struct {
	name string
	get  func(cfg *Config) string
	set  func(cfg *Config, v string) bool
}

var sentinelParams = []sentinelParam{
	{"resolve-hostnames", func(cfg *Config) string { return yn(cfg.ResolveHostnames) }, func(cfg *Config, v string) bool {
		x, err := yesno(v)
		if err == nil {
			cfg.ResolveHostnames = x
		}
		return err == nil
	}},
	{"announce-hostnames", func(cfg *Config) string { return yn(cfg.AnnounceHostnames) }, func(cfg *Config, v string) bool {
		x, err := yesno(v)
		if err == nil {
			cfg.AnnounceHostnames = x
		}
		return err == nil
	}},
	{"announce-ip", func(cfg *Config) string { return cfg.AnnounceIP }, func(cfg *Config, v string) bool { cfg.AnnounceIP = v; return true }},
	{"announce-port", func(cfg *Config) string { return strconv.Itoa(cfg.AnnouncePort) }, func(cfg *Config, v string) bool {
		n, err := atoi(v, 0, 65535)
		if err == nil {
			cfg.AnnouncePort = n
		}
		return err == nil
	}},
}

func findSentinelParam(name string) *sentinelParam {
	for i := range sentinelParams {
		if strings.EqualFold(sentinelParams[i].name, name) {
			return &sentinelParams[i]
		}
	}
	return nil
}

// configSetCommand is SENTINEL CONFIG SET. Unlike Redis, which rewrites its
// config file, the change is committed to the raft log (keyed by this
// sentinel's run id), so it survives a restart with a read-only file; it is
// applied here once committed, and needs a raft majority.
func (s *Sentinel) configSetCommand(args []string, b []byte) []byte {
	p := findSentinelParam(args[3])
	if p == nil {
		return resp.AppendError(b, fmt.Sprintf("ERR Invalid argument '%s' to SENTINEL CONFIG SET", args[3]))
	}
	s.mu.Lock()
	probe := *s.cfg
	s.mu.Unlock()
	if !p.set(&probe, args[4]) {
		return resp.AppendError(b, fmt.Sprintf("ERR Invalid value '%s' to SENTINEL CONFIG SET '%s'", args[4], args[3]))
	}
	out := s.commitConfig(b, command{Op: opSentinelConfig, Name: s.myid, Param: p.name, Value: args[4]},
		[]string{"SENTINEL", "CONFIG-COMMIT", s.myid, p.name, args[4]})
	if bytes.HasPrefix(out[len(b):], []byte("+OK")) {
		// The entry is committed; apply it now rather than when this
		// follower's FSM catches up, so that CONFIG GET right after sees it.
		s.mu.Lock()
		p.set(s.cfg, args[4])
		s.mu.Unlock()
	}
	return out
}

// applySentinelConfigLocked applies this sentinel's committed CONFIG SET
// parameters (after a restart, from the raft log or a snapshot). mu held.
func (s *Sentinel) applySentinelConfigLocked() {
	for name, v := range s.fsm.sentinelConfig(s.myid) {
		if p := findSentinelParam(name); p != nil {
			p.set(s.cfg, v)
		}
	}
}

// SENTINEL CONFIG GET param (SET is configSetCommand)
func (s *Sentinel) configCommandLocked(c *client, args []string, b []byte) []byte {
	op := strings.ToLower(args[2])
	switch {
	case op == "get" && len(args) == 4:
		var out []string
		for _, p := range sentinelParams {
			if config.Match(args[3], p.name, true) {
				out = append(out, p.name, p.get(s.cfg))
			}
		}
		b = resp.AppendMap(b, len(out)/2, c.proto)
		for _, x := range out {
			b = resp.AppendBulkString(b, x)
		}
		return b
	}
	return resp.AppendError(b, "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.")
}

func yn(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

// SENTINEL INFO-CACHE [master ...]: the last INFO of each master and replica.
func (s *Sentinel) infoCacheLocked(c *client, names []string, b []byte, now time.Time) []byte {
	var ms []*master
	if len(names) == 0 {
		for _, n := range s.order {
			ms = append(ms, s.masters[n])
		}
	} else {
		for _, n := range names {
			if m := s.masters[n]; m != nil {
				ms = append(ms, m)
			}
		}
	}
	b = resp.AppendMap(b, len(ms), c.proto)
	for _, m := range ms {
		b = resp.AppendBulkString(b, m.name)
		insts := append([]*instance{m.instance}, sortedReplicas(m)...)
		b = resp.AppendArray(b, len(insts))
		for _, ri := range insts {
			b = resp.AppendArray(b, 2)
			if ri.infoRefresh.IsZero() {
				b = resp.AppendInt(b, 0)
				b = resp.AppendNull(b, c.proto)
				continue
			}
			b = resp.AppendInt(b, now.Sub(ri.infoRefresh).Milliseconds())
			b = resp.AppendBulkString(b, ri.infoText)
		}
	}
	return b
}

// SENTINEL DEBUG: the timing parameters, in milliseconds.
func (s *Sentinel) debugLocked(c *client, args []string, b []byte) []byte {
	if len(args) > 2 {
		return resp.AppendError(b, fmt.Sprintf("ERR Invalid argument '%s' for SENTINEL DEBUG '%s'", args[2], args[2]))
	}
	p := []struct {
		k string
		v time.Duration
	}{
		{"INFO-PERIOD", infoPeriod}, {"PING-PERIOD", pingPeriod}, {"ASK-PERIOD", askPeriod},
		{"PUBLISH-PERIOD", helloPeriod}, {"DEFAULT-DOWN-AFTER", 30 * time.Second},
		{"DEFAULT-FAILOVER-TIMEOUT", 3 * time.Minute}, {"TILT-TRIGGER", tiltTrigger},
		{"TILT-PERIOD", tiltPeriod}, {"SLAVE-RECONF-TIMEOUT", 10 * time.Second},
		{"MIN-LINK-RECONNECT-PERIOD", minLinkReconnect}, {"ELECTION-TIMEOUT", electionTimeout},
		// keygrid runs no scripts; Redis's defaults, for tools that read them.
		{"SCRIPT-MAX-RUNTIME", time.Minute}, {"SCRIPT-RETRY-DELAY", 30 * time.Second},
	}
	b = resp.AppendMap(b, len(p), c.proto)
	for _, x := range p {
		b = resp.AppendBulkString(b, x.k)
		b = resp.AppendBulkString(b, strconv.FormatInt(x.v.Milliseconds(), 10))
	}
	return b
}

// SENTINEL FAILOVER master: forced, no agreement needed, but only the raft leader
// runs it; any other sentinel hands the request to the leader.
func (s *Sentinel) failoverCommand(c *client, name string, b []byte) []byte {
	s.mu.Lock()
	m := s.masters[name]
	if m == nil {
		s.mu.Unlock()
		return errNoMaster(b)
	}
	if m.fo != nil {
		s.mu.Unlock()
		return resp.AppendError(b, "INPROG Failover already in progress")
	}
	if s.isLeader() {
		defer s.mu.Unlock()
		if selectReplica(m, time.Now()) == nil {
			return resp.AppendError(b, "NOGOODSLAVE No suitable replica to promote")
		}
		s.log.Warn("Executing user requested FAILOVER of '" + name + "'")
		s.startFailoverLocked(m, time.Now(), true)
		return resp.AppendOK(b)
	}
	s.mu.Unlock()
	return s.forward(b, "SENTINEL", "FAILOVER", name)
}

// INFO [section ...]
func infoCommand(c *client, args []string, b []byte) []byte {
	s := c.s
	want := map[string]bool{}
	for _, a := range args[1:] {
		want[strings.ToLower(a)] = true
	}
	all := len(want) == 0 || want["all"] || want["default"] || want["everything"]
	var sb strings.Builder
	section := func(name string) bool {
		if !all && !want[strings.ToLower(name)] {
			return false
		}
		if sb.Len() > 0 {
			sb.WriteString("\r\n")
		}
		sb.WriteString("# " + name + "\r\n")
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	up := time.Since(s.started)
	if section("Server") {
		exe, _ := os.Executable()
		fmt.Fprintf(&sb, "redis_version:%s\r\nredis_mode:sentinel\r\nos:%s %s\r\narch_bits:64\r\n"+
			"multiplexing_api:epoll\r\ngo_version:%s\r\nprocess_id:%d\r\nrun_id:%s\r\ntcp_port:%d\r\n"+
			"server_time_usec:%d\r\nuptime_in_seconds:%d\r\nuptime_in_days:%d\r\nhz:10\r\nconfigured_hz:10\r\n"+
			"executable:%s\r\nconfig_file:%s\r\n",
			redisVersion, runtime.GOOS, runtime.GOARCH, runtime.Version(), os.Getpid(), s.runID, s.cfg.Port,
			time.Now().UnixMicro(), int64(up.Seconds()), int64(up.Hours()/24), exe, s.path)
	}
	if section("Clients") {
		fmt.Fprintf(&sb, "connected_clients:%d\r\n", connectedClients.Load())
	}
	if section("Sentinel") {
		tilt, since := 0, int64(-1)
		if s.tilt {
			tilt, since = 1, int64(time.Since(s.tiltAt).Seconds())
		}
		fmt.Fprintf(&sb, "sentinel_masters:%d\r\nsentinel_tilt:%d\r\nsentinel_tilt_since_seconds:%d\r\n"+
			"sentinel_running_scripts:0\r\nsentinel_scripts_queue_length:0\r\nsentinel_simulate_failure_flags:%d\r\n",
			len(s.order), tilt, since, s.simFail)
		for i, n := range s.order {
			m := s.masters[n]
			status := "ok"
			if m.odown {
				status = "odown"
			} else if m.sdown {
				status = "sdown"
			}
			fmt.Fprintf(&sb, "master%d:name=%s,status=%s,address=%s,slaves=%d,sentinels=%d\r\n",
				i, m.name, status, m.addr(), len(m.replicas), len(m.sentinels)+1)
		}
	}
	return resp.AppendBulkString(b, sb.String())
}
