package gossip

import (
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"time"

	"github.com/hashicorp/memberlist"
	"go.uber.org/zap"
)

// Config is the bus's configuration. DefaultConfig fills it from Redis's
// directives; the zero tuning fields are derived from NodeTimeout.
type Config struct {
	// BindAddr and BindPort are where memberlist listens (UDP and TCP): the
	// cluster bus port (cluster-port, default port+10000).
	BindAddr string
	BindPort int
	// AdvertiseAddr and AdvertisePort are what other nodes dial
	// (cluster-announce-ip, cluster-announce-bus-port); "" and 0 mean the bound
	// ones.
	AdvertiseAddr string
	AdvertisePort int
	// NodeTimeout is cluster-node-timeout: a node that does not answer for about
	// this long is PFAIL, and failure reports older than twice it are dropped.
	NodeTimeout time.Duration
	// SecretKey, when set (16, 24 or 32 bytes), encrypts all bus traffic with
	// memberlist's AES-GCM (issue #11).
	SecretKey []byte
	// TLSServer and TLSClient, when set (tls-cluster yes), carry all bus traffic
	// over TLS connections with these configurations (tlstransport.go).
	TLSServer, TLSClient *tls.Config
	// Logger receives the bus's log lines (memberlist's own at debug/warn/error).
	Logger *zap.Logger

	// ProbeInterval is how often memberlist probes a random node; 0 derives
	// NodeTimeout/10 within [200ms, 1s]: a dead node is noticed well within the
	// node timeout, and a loopback or compose network answers a probe in
	// microseconds.
	ProbeInterval time.Duration
	// ProbeTimeout is how long a probe waits for its ack before indirect probes;
	// 0 derives ProbeInterval/2.
	ProbeTimeout time.Duration
	// GossipInterval is how often queued broadcasts are sent to a few random
	// nodes; 0 derives 100ms, a LAN value: claims and FAIL spread in a few hops.
	GossipInterval time.Duration
	// PushPullInterval is the period of full-state anti-entropy with one random
	// node; 0 derives 10s. Above 10 members only one in N/10 of memberlist's
	// exchanges goes out (antientropy.go).
	PushPullInterval time.Duration
	// ReconnectInterval is how often nodes the engine knows (nodes.conf) but
	// memberlist does not see alive are joined again, as Redis keeps re-dialing
	// every known node; 0 derives max(1s, NodeTimeout/2).
	ReconnectInterval time.Duration
	// ReportInterval is how often a master re-sends its failure reports for the
	// nodes it sees PFAIL; 0 derives NodeTimeout/4 (reports live 2×NodeTimeout).
	ReportInterval time.Duration
	// ForgetBan is how long CLUSTER FORGET keeps a node from coming back
	// through gossip; 0 derives Redis's fixed 60 s. Only tests shorten it
	// (node/: $KEYGRID_TEST_FORGET_BAN).
	ForgetBan time.Duration
}

// DefaultConfig returns a Config for a node with cluster-node-timeout nodeTimeout
// (ms) listening on busPort of bindAddr.
func DefaultConfig(bindAddr string, busPort int, nodeTimeout int64) Config {
	return Config{BindAddr: bindAddr, BindPort: busPort, NodeTimeout: time.Duration(nodeTimeout) * time.Millisecond}
}

// Validate checks c and fills the derived fields.
func (c *Config) Validate() error {
	if c.BindPort < 0 || c.BindPort > 65535 || c.AdvertisePort < 0 || c.AdvertisePort > 65535 {
		return errors.New("gossip: bad port")
	}
	if c.NodeTimeout <= 0 {
		return errors.New("gossip: node timeout must be positive")
	}
	if n := len(c.SecretKey); n != 0 && n != 16 && n != 24 && n != 32 {
		return errors.New("gossip: secret key must be 16, 24 or 32 bytes")
	}
	if c.BindAddr == "" {
		c.BindAddr = "0.0.0.0"
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	if c.ProbeInterval == 0 {
		c.ProbeInterval = min(max(c.NodeTimeout/10, 200*time.Millisecond), time.Second)
	}
	if c.ProbeTimeout == 0 {
		c.ProbeTimeout = c.ProbeInterval / 2
	}
	if c.GossipInterval == 0 {
		c.GossipInterval = 100 * time.Millisecond
	}
	if c.PushPullInterval == 0 {
		c.PushPullInterval = 10 * time.Second
	}
	if c.ReconnectInterval == 0 {
		c.ReconnectInterval = max(time.Second, c.NodeTimeout/2)
	}
	if c.ReportInterval == 0 {
		c.ReportInterval = max(c.NodeTimeout/4, 50*time.Millisecond)
	}
	if c.ForgetBan <= 0 {
		c.ForgetBan = banTime
	}
	return nil
}

// KeyFromSecret derives SecretKey from a cluster-bus-secret passphrase: its
// SHA-256, a 32-byte AES-256 key, so any length of secret can be configured.
func KeyFromSecret(secret string) []byte {
	if secret == "" {
		return nil
	}
	k := sha256.Sum256([]byte(secret))
	return k[:]
}

// memberlistConfig is memberlist's configuration for node name on transport t.
func (c *Config) memberlistConfig(name string, t memberlist.Transport) *memberlist.Config {
	mc := memberlist.DefaultLANConfig()
	mc.Name = name
	mc.Transport = t
	mc.BindAddr, mc.BindPort = c.BindAddr, c.BindPort
	mc.AdvertiseAddr, mc.AdvertisePort = c.AdvertiseAddr, c.AdvertisePort
	if mc.AdvertisePort == 0 {
		mc.AdvertisePort = c.BindPort
	}
	mc.ProbeInterval = c.ProbeInterval
	mc.ProbeTimeout = c.ProbeTimeout
	mc.GossipInterval = c.GossipInterval
	mc.PushPullInterval = c.PushPullInterval
	// A dead node is still gossiped to for a while, so a short partition heals
	// by itself; the reconnect loop covers longer ones.
	mc.GossipToTheDeadTime = max(2*c.NodeTimeout, 10*time.Second)
	// Suspicion lasts about the node timeout (4 probe intervals at the minimum,
	// up to 6 times that without confirmations) before memberlist declares the
	// node dead; PFAIL/FAIL do not wait for it.
	mc.SuspicionMult = 4
	// A node restarted on a new address (a container rescheduled) takes its
	// id back as soon as memberlist declared the old incarnation dead: ids are
	// 160 random bits, so the same name is the same node.
	mc.DeadNodeReclaimTime = time.Millisecond // (0 would disable reclaiming)
	mc.TCPTimeout = min(max(c.NodeTimeout, time.Second), 10*time.Second)
	mc.SecretKey = c.SecretKey
	// With a key, nothing unencrypted is sent or accepted: a node without the key
	// (or with another) cannot join or be heard (memberlist's defaults, made
	// explicit because the promise depends on them).
	mc.GossipVerifyIncoming = len(c.SecretKey) > 0
	mc.GossipVerifyOutgoing = len(c.SecretKey) > 0
	mc.Logger = log.New(&zapWriter{c.Logger}, "", 0)
	// No LZW: the bus's messages are a few hundred bytes, which LZW makes larger
	// (an idle 10-node cluster sent 673 B/s per node compressed, 586 without), and
	// each compressed message allocated a 64 KB table (7% of an idle node's CPU
	// with the collections it caused). Peers that compress are still understood.
	mc.EnableCompression = false
	return mc
}

// zapWriter turns memberlist's "[LEVEL] memberlist: ..." lines into zap entries.
type zapWriter struct{ l *zap.Logger }

func (w *zapWriter) Write(p []byte) (int, error) {
	s := strings.TrimSpace(string(p))
	switch {
	case strings.Contains(s, errPushPullThinned.Error()):
		w.l.Debug(s) // by design (antientropy.go)
	case strings.HasPrefix(s, "[ERR]"):
		w.l.Error(strings.TrimSpace(s[5:]))
	case strings.Contains(s, errFresh.Error()):
		w.l.Debug(s) // expected while a reset node waits for its MEET
	case strings.HasPrefix(s, "[WARN]"):
		w.l.Warn(strings.TrimSpace(s[6:]))
	default:
		w.l.Debug(s)
	}
	return len(p), nil
}

var _ io.Writer = (*zapWriter)(nil)

// advertiseIP returns the address other nodes reach this one at, for myself's
// announced ip when cluster-announce-ip is not set.
func advertiseIP(ml *memberlist.Memberlist) string {
	n := ml.LocalNode()
	if n == nil || n.Addr == nil || n.Addr.IsUnspecified() {
		return ""
	}
	return n.Addr.String()
}

// joinAddr formats ip:port for memberlist's Join.
func joinAddr(ip string, port int) string { return net.JoinHostPort(ip, fmt.Sprint(port)) }
