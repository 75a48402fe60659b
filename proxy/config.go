// Proxy configuration: a plain struct with defaults, parsed from flags and an
// optional Redis-style config file ("directive value" lines).

package proxy

import (
	"bufio"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/keygrid/keygrid/engine/tlsconf"
)

// Config is everything `keygrid proxy` can be told.
type Config struct {
	// Listen is the client address. 7777 is the port ARCHITECTURE.md gives the proxy.
	Listen string
	// Seeds are cluster nodes to learn the slot map from; any one answering is enough.
	Seeds []string
	// ReadFrom is master, replica or prefer-replica: where read-only commands go.
	ReadFrom string
	// Password, when set, is required from clients (AUTH) as requirepass is by Redis.
	Password string
	// BackendUser and BackendPassword authenticate the proxy's own backend connections.
	BackendUser, BackendPassword string
	// DialTimeout bounds connecting to a node; nodes are local-network peers, so a
	// second is generous.
	DialTimeout time.Duration
	// RetryDeadline bounds how long a request is retried through MOVED, ASK, TRYAGAIN
	// and CLUSTERDOWN before its error is returned: long enough to ride out a
	// failover (node timeout plus election), short enough that clients are not stuck.
	RetryDeadline time.Duration
	// EpochInterval is how often the cluster's current epoch is checked: a cheap
	// CLUSTER INFO that tells a failover or a slot handover without fetching the map.
	EpochInterval time.Duration
	// RefreshInterval is how often the whole slot map is fetched regardless, as a
	// safety net for changes that do not bump the epoch.
	RefreshInterval time.Duration
	// MetricsAddr, when set, serves Prometheus metrics on http://MetricsAddr/metrics.
	MetricsAddr string

	// TLSListen, when set, is a second client address served over TLS. --tls-port
	// sets it to the --listen host with that port (Redis's tls-port beside port).
	TLSListen string
	// TLSCertFile, TLSKeyFile, TLSCACertFile and TLSAuthClients are the server's
	// tls-* directives with Redis's meaning: the proxy's certificate, the CA that
	// verifies clients (and backends), and yes/optional/no for client certificates.
	TLSCertFile, TLSKeyFile, TLSCACertFile, TLSAuthClients string
	// TLSBackends makes the proxy dial the cluster nodes with TLS, presenting
	// TLSCertFile and verifying the nodes against TLSCACertFile, as tls-replication
	// does for a replica's link to its master.
	TLSBackends bool

	// tlsPort is tls-port from the file or flags; ParseArgs turns it into TLSListen
	// once the --listen host is known.
	tlsPort int
	// backendTLS is built by New from the tls-* settings when TLSBackends is set.
	backendTLS *tls.Config
}

// DefaultConfig returns the defaults of `keygrid proxy`.
func DefaultConfig() *Config {
	return &Config{
		Listen:          ":7777",
		ReadFrom:        "master",
		DialTimeout:     time.Second,
		RetryDeadline:   10 * time.Second,
		EpochInterval:   100 * time.Millisecond,
		RefreshInterval: 2 * time.Second,
		TLSAuthClients:  "yes",
	}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if len(c.Seeds) == 0 {
		return errors.New("no cluster node given (--cluster host:port[,host:port...])")
	}
	switch c.ReadFrom {
	case "master", "replica", "prefer-replica":
	default:
		return fmt.Errorf("--read-from must be master, replica or prefer-replica, not %q", c.ReadFrom)
	}
	if c.DialTimeout <= 0 || c.RetryDeadline <= 0 || c.EpochInterval <= 0 || c.RefreshInterval <= 0 {
		return errors.New("timeouts and intervals must be positive")
	}
	switch c.TLSAuthClients {
	case "yes", "no", "optional":
	default:
		return fmt.Errorf("--tls-auth-clients must be yes, no or optional, not %q", c.TLSAuthClients)
	}
	return nil
}

// tlsConfigs builds the TLS configurations when TLS is asked for (a TLS listener
// or TLS backends), with the server's checks and messages (engine/tlsconf): the
// first for accepted clients, the second for dialling nodes.
func (c *Config) tlsConfigs() (server, client *tls.Config, err error) {
	if c.TLSListen == "" && !c.TLSBackends {
		return nil, nil, nil
	}
	server, client, err = tlsconf.Build(tlsconf.Settings{
		CertFile: c.TLSCertFile, KeyFile: c.TLSKeyFile, CACertFile: c.TLSCACertFile,
		AuthClients: c.TLSAuthClients, Replication: c.TLSBackends,
		// Redis's default (tls-session-caching yes).
		SessionCaching: true,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("failed to configure TLS: %v", err)
	}
	return server, client, nil
}

// ParseArgs parses `keygrid proxy` arguments: an optional config file first, then flags.
func ParseArgs(args []string) (*Config, error) {
	cfg := DefaultConfig()
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		if err := cfg.loadFile(args[0]); err != nil {
			return nil, err
		}
		args = args[1:]
	}
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	seeds := fs.String("cluster", strings.Join(cfg.Seeds, ","), "cluster nodes, host:port[,host:port...]")
	fs.StringVar(&cfg.Listen, "listen", cfg.Listen, "client address")
	port := fs.Int("port", 0, "client port (shorthand for --listen :PORT)")
	fs.StringVar(&cfg.ReadFrom, "read-from", cfg.ReadFrom, "master, replica or prefer-replica")
	fs.StringVar(&cfg.Password, "requirepass", cfg.Password, "password clients must AUTH with")
	fs.StringVar(&cfg.BackendUser, "backend-user", cfg.BackendUser, "user for backend connections")
	fs.StringVar(&cfg.BackendPassword, "backend-password", cfg.BackendPassword, "password for backend connections")
	fs.DurationVar(&cfg.RetryDeadline, "retry-deadline", cfg.RetryDeadline, "how long to retry redirections")
	fs.StringVar(&cfg.MetricsAddr, "metrics", cfg.MetricsAddr, "Prometheus metrics address (host:port)")
	tlsPort := fs.Int("tls-port", 0, "client port served over TLS (on the --listen host)")
	fs.StringVar(&cfg.TLSCertFile, "tls-cert-file", cfg.TLSCertFile, "PEM certificate (chain) of the proxy")
	fs.StringVar(&cfg.TLSKeyFile, "tls-key-file", cfg.TLSKeyFile, "PEM private key of the proxy")
	fs.StringVar(&cfg.TLSCACertFile, "tls-ca-cert-file", cfg.TLSCACertFile, "CA certificates that verify clients and nodes")
	fs.StringVar(&cfg.TLSAuthClients, "tls-auth-clients", cfg.TLSAuthClients, "yes, optional or no: client certificates")
	tlsBackends := fs.String("tls-backends", yesNo(cfg.TLSBackends), "yes: connect to the cluster nodes with TLS")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	cfg.Seeds = splitList(*seeds)
	if *port != 0 {
		cfg.Listen = fmt.Sprintf(":%d", *port)
	}
	if *tlsPort != 0 {
		cfg.tlsPort = *tlsPort
	}
	if cfg.tlsPort != 0 {
		cfg.TLSListen = tlsAddr(cfg.Listen, cfg.tlsPort)
	}
	var err error
	if cfg.TLSBackends, err = parseYesNo("--tls-backends", *tlsBackends); err != nil {
		return nil, err
	}
	return cfg, cfg.Validate()
}

// tlsAddr is the --listen host with the TLS port.
func tlsAddr(listen string, port int) string {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		host = ""
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func parseYesNo(name, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "yes":
		return true, nil
	case "no":
		return false, nil
	}
	return false, fmt.Errorf("%s must be yes or no, not %q", name, v)
}

func splitList(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// loadFile reads directives named like the flags: "cluster a:1,b:2", "port 7777", ...
func (c *Config) loadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if len(fields) != 2 {
			return fmt.Errorf("%s:%d: want \"directive value\"", path, line)
		}
		v := fields[1]
		switch strings.ToLower(fields[0]) {
		case "cluster":
			c.Seeds = splitList(v)
		case "listen":
			c.Listen = v
		case "port":
			c.Listen = ":" + v
		case "read-from":
			c.ReadFrom = v
		case "requirepass":
			c.Password = v
		case "backend-user":
			c.BackendUser = v
		case "backend-password":
			c.BackendPassword = v
		case "metrics":
			c.MetricsAddr = v
		case "tls-port":
			if c.tlsPort, err = strconv.Atoi(v); err != nil || c.tlsPort < 0 || c.tlsPort > 65535 {
				return fmt.Errorf("%s:%d: bad tls-port %q", path, line, v)
			}
		case "tls-cert-file":
			c.TLSCertFile = v
		case "tls-key-file":
			c.TLSKeyFile = v
		case "tls-ca-cert-file":
			c.TLSCACertFile = v
		case "tls-auth-clients":
			c.TLSAuthClients = strings.ToLower(v)
		case "tls-backends":
			if c.TLSBackends, err = parseYesNo("tls-backends", v); err != nil {
				return fmt.Errorf("%s:%d: %v", path, line, err)
			}
		case "retry-deadline":
			if c.RetryDeadline, err = time.ParseDuration(v); err != nil {
				return fmt.Errorf("%s:%d: %v", path, line, err)
			}
		default:
			return fmt.Errorf("%s:%d: unknown directive %q", path, line, fields[0])
		}
	}
	return sc.Err()
}
