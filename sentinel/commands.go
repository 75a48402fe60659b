// SENTINEL subcommands and INFO, with Redis Sentinel 7.0's replies.

package sentinel

import (
	"bytes"
	"fmt"
	"golang.org/x/sys/unix"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
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
		b = resp.AppendBulkString(b, s.reportedHost(m.ip))
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
			if m.ip == args[2] && m.port == port {
				if m.sdown && !s.tilt {
					down = 1
				}
				if args[5] != "*" {
					// A sentinel that sees m ODOWN asks for the failover
					// (handover.go).
					s.failoverRequestLocked(m, args[5], now)
				}
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
		return s.appendPendingScripts(b, c.proto)
	case "flushconfig":
		// The config file is never rewritten: this sentinel's runtime
		// configuration is saved in its state file (localstate.go).
		if err := s.saveLocalStateLocked(); err != nil {
			return flushError(b, err)
		}
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
	add("ip", s.reportedHost(ri.ip))
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
	} else if ri.kind == kindMaster && now.Before(m.forwardedFailover) {
		flags = append(flags, "failover_in_progress", "force_failover")
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
	mc.DownAfter, mc.FailoverTimeout = s.tm.get(tDefaultDownAfter), s.tm.get(tDefaultFailoverTimeout)
	// This sentinel's own configuration, as in Redis (localstate.go).
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.masters[mc.Name]; dup {
		return resp.AppendError(b, "ERR Duplicate master name.")
	}
	m, err := s.addMaster(mc)
	if err != nil {
		return resp.AppendError(b, "ERR Invalid IP address or hostname specified")
	}
	// Failovers of an earlier group of this name are not this one's.
	m.baseEpoch = s.fsm.currentEpoch()
	err = s.recordMonitorLocked(mc.Name, &mc, m.baseEpoch)
	if s.running {
		s.startLinks(m.instance)
		s.event("+monitor", m.instance, "quorum %d", m.cfg.Quorum)
	}
	if err != nil {
		return flushError(b, err)
	}
	return resp.AppendOK(b)
}

// SENTINEL REMOVE master
func (s *Sentinel) removeCommand(args []string, b []byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.masters[args[2]]
	if m == nil {
		return errNoMaster(b)
	}
	s.event("-monitor", m.instance, "")
	s.dropMasterLocked(args[2])
	if err := s.recordMonitorLocked(args[2], nil, 0); err != nil {
		return flushError(b, err)
	}
	return resp.AppendOK(b)
}

// SENTINEL SET master option value [option value ...]
func (s *Sentinel) setCommand(args []string, b []byte) (out []byte) {
	var saveErr error
	defer func() {
		if saveErr != nil && len(out) > len(b) && out[len(b)] == '+' {
			out = flushError(b, saveErr)
		}
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.masters[args[2]]
	if m == nil {
		return errNoMaster(b)
	}
	// Options apply one by one, and those before a bad one stay applied (and
	// saved), as in Redis.
	changes := 0
	defer func() {
		if changes > 0 {
			cfg := m.cfg
			saveErr = s.recordMonitorLocked(args[2], &cfg, m.baseEpoch)
		}
	}()
	for j := 3; j < len(args); j++ {
		opt := args[j]
		more := len(args) - 1 - j
		old := j
		redacted := false
		bad := func(k int) []byte {
			return resp.AppendError(b, fmt.Sprintf("ERR Invalid argument '%s' for SENTINEL SET '%s'", args[k], opt))
		}
		num := func(min int64) (int64, bool) {
			j++
			n, err := strconv.ParseInt(args[j], 10, 64)
			return n, err == nil && n >= min
		}
		switch o := strings.ToLower(opt); {
		case more > 0 && (o == "down-after-milliseconds" || o == "failover-timeout" || o == "parallel-syncs" || o == "quorum"):
			n, ok := num(1)
			if !ok {
				return bad(j)
			}
			switch o {
			case "down-after-milliseconds":
				m.cfg.DownAfter = time.Duration(n) * time.Millisecond
			case "failover-timeout":
				m.cfg.FailoverTimeout = time.Duration(n) * time.Millisecond
			case "parallel-syncs":
				m.cfg.ParallelSyncs = int(n)
			default:
				m.cfg.Quorum = int(n)
			}
		case more > 0 && o == "master-reboot-down-after-period":
			n, ok := num(0)
			if !ok {
				return bad(j)
			}
			m.cfg.RebootDownAfter = time.Duration(n) * time.Millisecond
		case more > 0 && (o == "notification-script" || o == "client-reconfig-script"):
			j++
			v := args[j]
			if s.cfg.DenyScriptsReconfig {
				return resp.AppendError(b, "ERR Reconfiguration of scripts path is denied for security reasons. "+
					"Check the deny-scripts-reconfig configuration directive in your Sentinel configuration")
			}
			if v != "" && !isExecutable(v) {
				if o == "notification-script" {
					return resp.AppendError(b, "ERR Notification script seems non existing or non executable")
				}
				return resp.AppendError(b, "ERR Client reconfiguration script seems non existing or non executable")
			}
			if o == "notification-script" {
				m.cfg.NotificationScript = v
			} else {
				m.cfg.ClientReconfigScript = v
			}
		case more > 0 && (o == "auth-pass" || o == "auth-user"):
			j++
			if o == "auth-pass" {
				m.cfg.AuthPass = args[j]
				redacted = true
			} else {
				m.cfg.AuthUser = args[j]
			}
			// New credentials take effect on new links (dropInstanceConnections).
			s.dropLinksLocked(m)
		case more > 1 && o == "rename-command":
			from, to := args[j+1], args[j+2]
			j += 2
			if from == "" || to == "" {
				if to != "" {
					return bad(j - 1)
				}
				return bad(j)
			}
			// Copy on write: links hold the map they were made with.
			rn := map[string]string{}
			for k, v := range m.cfg.RenamedCommands {
				rn[k] = v
			}
			delete(rn, strings.ToLower(from))
			if !strings.EqualFold(from, to) {
				rn[strings.ToLower(from)] = to
			}
			m.cfg.RenamedCommands = rn
			s.dropLinksLocked(m)
		default:
			return resp.AppendError(b, fmt.Sprintf("ERR Unknown option or number of arguments for SENTINEL SET '%s'", opt))
		}
		changes++
		switch j - old + 1 {
		case 2:
			v := args[old+1]
			if redacted {
				v = "******"
			}
			s.event("+set", m.instance, "%s %s", args[old], v)
		case 3:
			s.event("+set", m.instance, "%s %s %s", args[old], args[old+1], args[old+2])
		default:
			s.event("+set", m.instance, "%s", args[old])
		}
	}
	cfg := m.cfg
	changes = 0
	if err := s.recordMonitorLocked(args[2], &cfg, m.baseEpoch); err != nil {
		return flushError(b, err)
	}
	return resp.AppendOK(b)
}

// flushError is Redis's reply when the changed configuration cannot be saved
// (the cause is in the log, as Redis's).
func flushError(b []byte, _ error) []byte {
	return resp.AppendError(b, "ERR Failed to save config file. Check server logs.")
}

// isExecutable is access(path, X_OK).
func isExecutable(path string) bool {
	return unix.Access(path, unix.X_OK) == nil
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
	{"sentinel-user", func(cfg *Config) string { return cfg.SentinelUser }, func(cfg *Config, v string) bool { cfg.SentinelUser = v; return true }},
	{"sentinel-pass", func(cfg *Config) string { return cfg.SentinelPass }, func(cfg *Config, v string) bool { cfg.SentinelPass = v; return true }},
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
// config file, the change is kept in the data dir's state file (localstate.go),
// so it survives a restart with a read-only config file.
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
	s.mu.Lock()
	defer s.mu.Unlock()
	p.set(s.cfg, args[4])
	s.local.Config[p.name] = args[4]
	if p.name == "sentinel-user" || p.name == "sentinel-pass" {
		// New credentials: every link reconnects (sentinelDropConnections).
		for _, m := range s.masters {
			s.dropLinksLocked(m)
			for _, se := range m.sentinels {
				se.linkGen++
			}
		}
	}
	if err := s.saveLocalStateLocked(); err != nil {
		return flushError(b, err)
	}
	return resp.AppendOK(b)
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
		if e := s.tm.setDebug(args[2:]); e != "" {
			return resp.AppendError(b, e)
		}
		return resp.AppendOK(b)
	}
	b = resp.AppendMap(b, nTimings, c.proto)
	for k := 0; k < nTimings; k++ {
		b = resp.AppendBulkString(b, timingNames[k])
		b = resp.AppendBulkString(b, strconv.FormatInt(s.tm.get(k).Milliseconds(), 10))
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
	if m.fo != nil || time.Now().Before(m.forwardedFailover) {
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
	base := m.configEpoch
	s.mu.Unlock()
	n := len(b)
	sent := time.Now()
	b = s.forward(b, "SENTINEL", "FAILOVER", name)
	if bytes.HasPrefix(b[n:], []byte("+OK")) {
		s.mu.Lock()
		// An abort applied since the request left ended this failover already.
		if s.masters[name] == m && m.abortSeen.Before(sent) {
			m.forwardedFailover = time.Now().Add(m.cfg.FailoverTimeout)
			m.forwardedTo = s.leaderClientAddr()
			m.forwardedBase = base
		}
		s.mu.Unlock()
	}
	return b
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
		// As Redis Sentinel's: the sentinel's own clients; nothing blocks here.
		fmt.Fprintf(&sb, "connected_clients:%d\r\ncluster_connections:0\r\nmaxclients:%d\r\n"+
			"client_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\nblocked_clients:0\r\n"+
			"tracking_clients:0\r\nclients_in_timeout_table:0\r\n", connectedClients.Load(), sentinelMaxClients)
	}
	if section("Stats") {
		chans, pats := s.ps.counts()
		fmt.Fprintf(&sb, "total_connections_received:%d\r\ntotal_commands_processed:%d\r\n"+
			"rejected_connections:0\r\nexpired_keys:0\r\nevicted_keys:0\r\nkeyspace_hits:0\r\nkeyspace_misses:0\r\n"+
			"pubsub_channels:%d\r\npubsub_patterns:%d\r\ntotal_error_replies:%d\r\n",
			clientIDs.Load(), commandsProcessed.Load(), chans, pats, errorReplies.Load())
	}
	if section("CPU") {
		var ru, rc syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		syscall.Getrusage(syscall.RUSAGE_CHILDREN, &rc)
		tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
		fmt.Fprintf(&sb, "used_cpu_sys:%.6f\r\nused_cpu_user:%.6f\r\nused_cpu_sys_children:%.6f\r\n"+
			"used_cpu_user_children:%.6f\r\n", tv(ru.Stime), tv(ru.Utime), tv(rc.Stime), tv(rc.Utime))
	}
	if section("Sentinel") {
		tilt, since := 0, int64(-1)
		runningScripts, queuedScripts := s.scriptCounts()
		if s.tilt {
			tilt, since = 1, int64(time.Since(s.tiltAt).Seconds())
		}
		fmt.Fprintf(&sb, "sentinel_masters:%d\r\nsentinel_tilt:%d\r\nsentinel_tilt_since_seconds:%d\r\n"+
			"sentinel_running_scripts:%d\r\nsentinel_scripts_queue_length:%d\r\nsentinel_simulate_failure_flags:%d\r\n",
			len(s.order), tilt, since, runningScripts, queuedScripts, s.simFail)
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

// reportedHost is how an instance's address is shown to clients: a hostname
// as is with announce-hostnames yes, otherwise its IP address (Redis's
// announceSentinelAddr), so turning announce-hostnames off shows IPs again.
func (s *Sentinel) reportedHost(host string) string {
	if s.cfg.AnnounceHostnames || net.ParseIP(host) != nil {
		return host
	}
	addrs, err := net.LookupHost(host)
	if err != nil || len(addrs) == 0 {
		return host
	}
	for _, a := range addrs {
		if ip := net.ParseIP(a); ip != nil && ip.To4() != nil {
			return a
		}
	}
	return addrs[0]
}

// sentinelMaxClients is the client limit INFO reports (Redis's default
// maxclients; keygrid's sentinel does not refuse clients below the fd limit).
const sentinelMaxClients = 10000
