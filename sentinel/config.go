// Sentinel configuration: the sentinel.conf directives of Redis 7.0 Sentinel that
// keygrid understands, plus keygrid's raft directives.

package sentinel

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/tlsconf"
)

// MasterConfig is one `sentinel monitor` group and its per-master directives.
type MasterConfig struct {
	Name   string
	Host   string // as configured; resolved when resolve-hostnames is on
	Port   int
	Quorum int
	// DownAfter is how long an instance may not answer PING before it is SDOWN.
	// Redis's default: 30 s.
	DownAfter time.Duration
	// FailoverTimeout bounds each failover step; Redis's default: 3 minutes.
	FailoverTimeout time.Duration
	// ParallelSyncs is how many replicas are re-pointed at once after a failover.
	ParallelSyncs int
	AuthPass      string
	AuthUser      string
	// NotificationScript and ClientReconfigScript are kept and shown (keygrid
	// runs no scripts); RenamedCommands maps a command (lower case) to the name
	// the monitored instances know it by; RebootDownAfter is
	// master-reboot-down-after-period (0: off).
	NotificationScript   string            `json:",omitempty"`
	ClientReconfigScript string            `json:",omitempty"`
	RenamedCommands      map[string]string `json:",omitempty"`
	RebootDownAfter      time.Duration     `json:",omitempty"`
	// KnownReplicas are "ip:port" from `sentinel known-replica` lines (written by
	// Redis Sentinel): monitored from the start instead of after the first INFO.
	KnownReplicas []string
}

// Config is the whole sentinel configuration.
type Config struct {
	Port int    // client port; Redis Sentinel's default 26379
	Bind string // listen address; default all interfaces, like Redis
	// Dir holds the raft log and snapshots (relative paths are relative to the
	// working directory, as Redis's `dir`).
	Dir               string
	MyID              string // 40 hex characters; generated when empty
	AnnounceIP        string
	AnnouncePort      int
	ResolveHostnames  bool
	AnnounceHostnames bool
	LogFile           string
	LogLevel          string
	// Daemonize detaches the sentinel into the background at start ("daemonize");
	// PidFile is where its pid is written ("pidfile"; a daemon without one uses
	// /var/run/redis.pid, as Redis); Supervised is "upstart", "systemd", "auto" or
	// "no" ("supervised"). See internal/daemon.
	Daemonize  bool
	PidFile    string
	Supervised string
	// SyslogEnabled also sends the log to the local syslog daemon, as SyslogIdent
	// with facility SyslogFacility ("syslog-enabled", "syslog-ident",
	// "syslog-facility"; internal/redislog).
	SyslogEnabled  bool
	SyslogIdent    string
	SyslogFacility string
	// RaftPort gives the raft transport a port of its own; 0 (the default): raft
	// shares the sentinel's port (raftmux.go).
	RaftPort int
	// RaftPeers lists every sentinel of the raft group as "host:port" client
	// addresses (raft address = the same, unless given as host:port@raftport).
	// All sentinels must be given the same list; it is used once, to bootstrap.
	RaftPeers []string
	// RaftRemoveAfter: the raft leader removes a voter it has not reached for
	// this long (a sentinel replaced by one with a new id would otherwise count
	// as a missing vote forever); 0 never removes. Default 10 minutes.
	RaftRemoveAfter time.Duration
	// RequirePass, when set, is the password clients of this sentinel must AUTH
	// with (Redis's requirepass in sentinel mode).
	RequirePass string
	// ACLLogMaxLen bounds ACL LOG (acllog-max-len); Redis's default 128.
	ACLLogMaxLen int
	// Users are the `user <name> <rules...>` lines (ACL users).
	Users [][]string
	// SentinelUser/SentinelPass authenticate this sentinel to the other sentinels
	// (Redis's sentinel-user / sentinel-pass; requirepass is used when unset).
	SentinelUser string
	SentinelPass string
	// MetricsAddr serves Prometheus metrics over HTTP when not empty.
	MetricsAddr string
	// Masters in configuration order.
	Masters []*MasterConfig
	// TLSPort is the TLS client port, 0 = none ("tls-port"); TLS holds the other
	// tls-* directives. With TLS.Replication ("tls-replication yes") the sentinel
	// talks TLS to the instances it monitors and to the other sentinels, as Redis
	// Sentinel does.
	TLSPort int
	TLS     tlsconf.Settings
	// DenyScriptsReconfig: SENTINEL SET may not change script paths (Redis's
	// default yes).
	DenyScriptsReconfig bool

	// queued holds the `sentinel ...` lines read so far: as Redis 7.0 does, they
	// are applied after the whole file (and the command line) is read, the
	// pre-monitor ones first, then `sentinel monitor`, then the rest, so a
	// per-master directive may come before its `monitor` line.
	queued [3][]queuedLine
}

type queuedLine struct {
	line int
	text string
	argv []string
}

// preMonitor lists the `sentinel` directives Redis applies before the monitor lines.
var preMonitor = map[string]bool{"announce-ip": true, "announce-port": true, "deny-scripts-reconfig": true,
	"sentinel-user": true, "sentinel-pass": true, "current-epoch": true, "myid": true, "resolve-hostnames": true}

// DefaultConfig returns Redis Sentinel's defaults.
func DefaultConfig() *Config {
	// TLS defaults are Redis's: client certificates required, session caching on.
	return &Config{Port: 26379, Dir: ".", LogLevel: "notice", Supervised: "no", SyslogIdent: "redis", SyslogFacility: "local0", RaftRemoveAfter: 10 * time.Minute, DenyScriptsReconfig: true,
		ACLLogMaxLen: 128,
		TLS:          tlsconf.Settings{AuthClients: "yes", SessionCaching: true}}
}

func defaultMaster() *MasterConfig {
	return &MasterConfig{
		DownAfter:       30 * time.Second, // SENTINEL_DEFAULT_DOWN_AFTER
		FailoverTimeout: 3 * time.Minute,  // SENTINEL_DEFAULT_FAILOVER_TIMEOUT
		ParallelSyncs:   1,                // SENTINEL_DEFAULT_PARALLEL_SYNCS
	}
}

// Master returns the configured master called name, or nil.
func (c *Config) Master(name string) *MasterConfig {
	for _, m := range c.Masters {
		if strings.EqualFold(m.Name, name) {
			return m
		}
	}
	return nil
}

// LoadConfig reads path (may be empty) and then the "--directive value ..." args,
// as `redis-sentinel sentinel.conf --port 5000` does.
func LoadConfig(path string, args []string) (*Config, error) {
	cfg := DefaultConfig()
	// As redis-sentinel: the file, a newline and the options (one per line) are
	// read as one text, so an error's line number is Redis's for options too.
	var b strings.Builder
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, &config.LoadError{File: path, Open: true,
				Msg: fmt.Sprintf("Fatal error, can't open config file '%s': %s", path, config.Strerror(err))}
		}
		b.Write(data)
	}
	if len(args) > 0 {
		b.WriteByte('\n')
		for i, a := range args {
			if strings.HasPrefix(a, "--") {
				if i > 0 {
					b.WriteByte('\n')
				}
				b.WriteString(a[2:])
			} else {
				b.WriteByte(' ')
				b.WriteString(config.Quote(a))
			}
		}
	}
	if err := cfg.parse(strings.NewReader(b.String())); err != nil {
		return nil, err
	}
	if err := cfg.applyQueued(); err != nil {
		return nil, err
	}
	return cfg, cfg.Validate()
}

// ParseConfig parses sentinel.conf text onto the defaults.
func ParseConfig(r io.Reader) (*Config, error) {
	cfg := DefaultConfig()
	if err := cfg.parse(r); err != nil {
		return nil, err
	}
	if err := cfg.applyQueued(); err != nil {
		return nil, err
	}
	return cfg, cfg.Validate()
}

// Validate checks what a single directive cannot check on its own.
func (c *Config) Validate() error {
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("Invalid port")
	}
	if c.MyID != "" && len(c.MyID) != 40 {
		return fmt.Errorf("Malformed Sentinel id in myid option.")
	}
	return nil
}

func (c *Config) parse(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		argv, err := config.SplitArgs(text)
		if err != nil {
			return configError(line, text, "Unbalanced quotes in configuration line")
		}
		if len(argv) == 0 {
			continue
		}
		if strings.EqualFold(argv[0], "sentinel") && len(argv) >= 2 {
			q := 2
			if sub := strings.ToLower(argv[1]); sub == "monitor" {
				q = 1
			} else if preMonitor[sub] {
				q = 0
			}
			c.queued[q] = append(c.queued[q], queuedLine{line, text, argv})
			continue
		}
		if err := c.directive(argv); err != nil {
			return configError(line, text, err.Error())
		}
	}
	return sc.Err()
}

// applyQueued applies the queued `sentinel` lines in Redis's order.
func (c *Config) applyQueued() error {
	for i := range c.queued {
		for _, l := range c.queued[i] {
			if err := c.directive(l.argv); err != nil {
				return configError(l.line, l.text, err.Error())
			}
		}
		c.queued[i] = nil
	}
	return nil
}

// configError is an error of line number line, which redis-sentinel reports with
// its "FATAL CONFIG FILE ERROR" banner (config.LoadError.Report).
func configError(line int, text, msg string) error {
	return &config.LoadError{Line: line, RedisLine: line, Text: text, Msg: msg}
}

func atoi(s string, min, max int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		return 0, fmt.Errorf("argument must be a number between %d and %d", min, max)
	}
	return n, nil
}

func yesno(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "yes":
		return true, nil
	case "no":
		return false, nil
	}
	return false, fmt.Errorf("argument must be 'yes' or 'no'")
}

func (c *Config) directive(argv []string) error {
	name := strings.ToLower(argv[0])
	if name == "sentinel" {
		if len(argv) < 2 {
			return fmt.Errorf("Unrecognized sentinel configuration statement.")
		}
		return c.sentinelDirective(argv[1:])
	}
	if len(argv) != 2 {
		switch name {
		case "port", "bind", "dir", "logfile", "loglevel", "daemonize", "protected-mode", "requirepass", "acllog-max-len":
			return fmt.Errorf("wrong number of arguments")
		}
	}
	var err error
	switch name {
	case "port":
		c.Port, err = atoi(argv[1], 0, 65535)
	case "bind":
		c.Bind = strings.Join(argv[1:], " ")
	case "dir":
		c.Dir = argv[1]
	case "logfile":
		c.LogFile = argv[1]
	case "loglevel":
		c.LogLevel = argv[1]
	case "daemonize":
		c.Daemonize, err = yesno(argv[1])
	case "pidfile":
		c.PidFile = argv[1]
	case "supervised":
		switch v := strings.ToLower(argv[1]); v {
		case "upstart", "systemd", "auto", "no":
			c.Supervised = v
		default:
			err = fmt.Errorf("argument(s) must be one of the following: upstart, systemd, auto, no")
		}
	case "protected-mode":
		// Accepted for compatibility with existing sentinel.conf files: a sentinel
		// never binds outside `bind`.
	case "syslog-enabled":
		c.SyslogEnabled, err = yesno(argv[1])
	case "syslog-ident":
		c.SyslogIdent = argv[1]
	case "syslog-facility":
		switch v := strings.ToLower(argv[1]); v {
		case "user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7":
			c.SyslogFacility = v
		default:
			err = fmt.Errorf("argument(s) must be one of the following: user, local0, local1, local2, local3, local4, local5, local6, local7")
		}
	case "requirepass":
		c.RequirePass = argv[1]
	case "acllog-max-len":
		c.ACLLogMaxLen, err = atoi(argv[1], 0, 1<<31-1)
	case "tls-port":
		c.TLSPort, err = atoi(argv[1], 0, 65535)
	case "tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-client-cert-file", "tls-client-key-file",
		"tls-client-key-file-pass", "tls-ca-cert-file", "tls-ca-cert-dir", "tls-dh-params-file",
		"tls-protocols", "tls-ciphers", "tls-ciphersuites", "tls-auth-clients":
		c.tlsString(name, argv[1])
	case "tls-replication", "tls-cluster", "tls-prefer-server-ciphers", "tls-session-caching":
		var b bool
		if b, err = yesno(argv[1]); err == nil {
			switch name {
			case "tls-replication":
				c.TLS.Replication = b
			case "tls-cluster":
				c.TLS.Cluster = b
			case "tls-prefer-server-ciphers":
				c.TLS.PreferServerCiphers = b
			default:
				c.TLS.SessionCaching = b
			}
		}
	case "sentinel-metrics-addr", "metrics-addr":
		c.MetricsAddr = argv[1]
	case "user":
		// ACL users, as Redis writes them into sentinel.conf (acl.go).
		if len(argv) < 2 {
			return fmt.Errorf("wrong number of arguments")
		}
		c.Users = append(c.Users, argv[1:])
	default:
		// Server directives Redis writes into sentinel.conf on CONFIG REWRITE
		// (latency-tracking-info-percentiles, ...) mean nothing to a sentinel.
		if _, ok := config.Lookup(name); ok {
			return nil
		}
		return fmt.Errorf("Bad directive or wrong number of arguments")
	}
	return err
}

// tlsString stores a string tls-* directive.
func (c *Config) tlsString(name, v string) {
	t := &c.TLS
	*map[string]*string{
		"tls-cert-file": &t.CertFile, "tls-key-file": &t.KeyFile, "tls-key-file-pass": &t.KeyFilePass,
		"tls-client-cert-file": &t.ClientCertFile, "tls-client-key-file": &t.ClientKeyFile,
		"tls-client-key-file-pass": &t.ClientKeyFilePass, "tls-ca-cert-file": &t.CACertFile,
		"tls-ca-cert-dir": &t.CACertDir, "tls-dh-params-file": &t.DHParamsFile, "tls-protocols": &t.Protocols,
		"tls-ciphers": &t.Ciphers, "tls-ciphersuites": &t.Ciphersuites, "tls-auth-clients": &t.AuthClients,
	}[name] = v
}

func (c *Config) sentinelDirective(argv []string) error {
	sub := strings.ToLower(argv[0])
	n := len(argv)
	var err error
	need := func(k int) error {
		if n != k {
			return fmt.Errorf("Wrong number of arguments for sentinel %s", sub)
		}
		return nil
	}
	master := func() (*MasterConfig, error) {
		if n < 2 {
			return nil, fmt.Errorf("Wrong number of arguments for sentinel %s", sub)
		}
		m := c.Master(argv[1])
		if m == nil {
			return nil, fmt.Errorf("No such master with specified name.")
		}
		return m, nil
	}
	switch sub {
	case "monitor":
		if err = need(5); err != nil {
			return err
		}
		if c.Master(argv[1]) != nil {
			return fmt.Errorf("Duplicated master name.")
		}
		m := defaultMaster()
		m.Name, m.Host = argv[1], argv[2]
		if m.Port, err = atoi(argv[3], 1, 65535); err != nil {
			return fmt.Errorf("Invalid port number")
		}
		if m.Quorum, err = strconv.Atoi(argv[4]); err != nil || m.Quorum <= 0 {
			return fmt.Errorf("Quorum must be 1 or greater.")
		}
		c.Masters = append(c.Masters, m)
	case "down-after-milliseconds", "failover-timeout":
		if err = need(3); err != nil {
			return err
		}
		m, err := master()
		if err != nil {
			return err
		}
		ms, err := strconv.Atoi(argv[2])
		if err != nil || ms <= 0 {
			return fmt.Errorf("negative or zero time parameter.")
		}
		if sub == "down-after-milliseconds" {
			m.DownAfter = time.Duration(ms) * time.Millisecond
		} else {
			m.FailoverTimeout = time.Duration(ms) * time.Millisecond
		}
	case "parallel-syncs":
		if err = need(3); err != nil {
			return err
		}
		m, err := master()
		if err != nil {
			return err
		}
		if m.ParallelSyncs, err = strconv.Atoi(argv[2]); err != nil || m.ParallelSyncs <= 0 {
			return fmt.Errorf("parallel-syncs must be 1 or greater.")
		}
	case "auth-pass", "auth-user":
		if err = need(3); err != nil {
			return err
		}
		m, err := master()
		if err != nil {
			return err
		}
		if sub == "auth-pass" {
			m.AuthPass = argv[2]
		} else {
			m.AuthUser = argv[2]
		}
	case "quorum":
		if err = need(3); err != nil {
			return err
		}
		m, err := master()
		if err != nil {
			return err
		}
		if m.Quorum, err = strconv.Atoi(argv[2]); err != nil || m.Quorum <= 0 {
			return fmt.Errorf("Quorum must be 1 or greater.")
		}
	case "myid":
		if err = need(2); err != nil {
			return err
		}
		if len(argv[1]) != 40 {
			return fmt.Errorf("Malformed Sentinel id in myid option.")
		}
		c.MyID = argv[1]
	case "announce-ip":
		if err = need(2); err != nil {
			return err
		}
		c.AnnounceIP = argv[1]
	case "announce-port":
		if err = need(2); err != nil {
			return err
		}
		c.AnnouncePort, err = atoi(argv[1], 0, 65535)
	case "resolve-hostnames", "announce-hostnames":
		if err = need(2); err != nil {
			return err
		}
		v, err := yesno(argv[1])
		if err != nil {
			return err
		}
		if sub == "resolve-hostnames" {
			c.ResolveHostnames = v
		} else {
			c.AnnounceHostnames = v
		}
	case "sentinel-user", "sentinel-pass":
		if err = need(2); err != nil {
			return err
		}
		if sub == "sentinel-user" {
			c.SentinelUser = argv[1]
		} else {
			c.SentinelPass = argv[1]
		}
	case "raft-port":
		if err = need(2); err != nil {
			return err
		}
		c.RaftPort, err = atoi(argv[1], 1, 65535)
	case "raft-remove-after":
		// sentinel raft-remove-after <milliseconds>; 0 never removes.
		if err = need(2); err != nil {
			return err
		}
		var ms int
		ms, err = atoi(argv[1], 0, 1<<31-1)
		c.RaftRemoveAfter = time.Duration(ms) * time.Millisecond
	case "raft-peers":
		// sentinel raft-peers host:port [host:port ...] (or one comma-separated list)
		for _, a := range argv[1:] {
			for _, p := range strings.Split(a, ",") {
				if p = strings.TrimSpace(p); p != "" {
					c.RaftPeers = append(c.RaftPeers, p)
				}
			}
		}
	case "known-replica", "known-slave":
		if err = need(4); err != nil {
			return err
		}
		m, err := master()
		if err != nil {
			return err
		}
		if _, err := atoi(argv[3], 1, 65535); err != nil {
			return fmt.Errorf("Invalid port number")
		}
		m.KnownReplicas = append(m.KnownReplicas, net.JoinHostPort(argv[2], argv[3]))
	case "deny-scripts-reconfig":
		if err = need(2); err != nil {
			return err
		}
		c.DenyScriptsReconfig, err = yesno(argv[1])
	case "notification-script", "client-reconfig-script":
		if err = need(3); err != nil {
			return err
		}
		m, err := master()
		if err != nil {
			return err
		}
		if sub == "notification-script" {
			m.NotificationScript = argv[2]
		} else {
			m.ClientReconfigScript = argv[2]
		}
	case "rename-command":
		if err = need(4); err != nil {
			return err
		}
		m, err := master()
		if err != nil {
			return err
		}
		if m.RenamedCommands == nil {
			m.RenamedCommands = map[string]string{}
		}
		m.RenamedCommands[strings.ToLower(argv[2])] = argv[3]
	case "master-reboot-down-after-period":
		if err = need(3); err != nil {
			return err
		}
		m, err := master()
		if err != nil {
			return err
		}
		ms, err := strconv.Atoi(argv[2])
		if err != nil || ms < 0 {
			return fmt.Errorf("negative time parameter.")
		}
		m.RebootDownAfter = time.Duration(ms) * time.Millisecond
	case "config-epoch", "leader-epoch", "current-epoch", "known-sentinel":
		// State Redis Sentinel rewrites into its own config file, and features keygrid
		// does not run (scripts). keygrid keeps runtime state in raft, so these are
		// accepted and ignored: a Redis-written sentinel.conf still loads.
	default:
		return fmt.Errorf("Unrecognized sentinel configuration statement.")
	}
	return err
}
