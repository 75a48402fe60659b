package config

// bootstrap.go: keygrid's own cluster-bootstrap-* directives (issue #10). A node
// given an expected size and seeds forms the cluster by itself (node/bootstrap.go);
// here are only their syntax and the checks made once the whole file is read.

import (
	"net"
	"strconv"
	"strings"
)

// Seed is one entry of cluster-bootstrap-seeds. Port 0 is the node's own port
// (every node of a StatefulSet listens on the same one); BusPort 0 is Port+10000,
// Redis's default bus port.
type Seed struct {
	Host    string
	Port    int
	BusPort int
}

// ParseSeeds splits a cluster-bootstrap-seeds value: entries separated by spaces
// or commas, each host, host:port or host:port@busport (an IPv6 address in
// brackets when a port follows). The error text is the one CONFIG SET and the
// config file report.
func ParseSeeds(v string) ([]Seed, string) {
	var out []Seed
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' }) {
		s, msg := parseSeed(f)
		if msg != "" {
			return nil, msg
		}
		out = append(out, s)
	}
	return out, ""
}

func parseSeed(f string) (Seed, string) {
	bad := "Invalid seed '" + f + "': expected host, host:port or host:port@busport"
	var s Seed
	if at := strings.LastIndexByte(f, '@'); at >= 0 {
		p, err := strconv.Atoi(f[at+1:])
		if err != nil || p <= 0 || p > 65535 {
			return s, bad
		}
		s.BusPort, f = p, f[:at]
	}
	host, port := f, ""
	if h, p, err := net.SplitHostPort(f); err == nil {
		if p == "" {
			return s, bad // "host:"
		}
		host, port = h, p
	} else if strings.Count(f, ":") == 1 || strings.HasPrefix(f, "[") {
		// One colon is host:port that failed to split (an empty part), and a
		// bracket opens an IPv6 address that must be followed by a port.
		return s, bad
	}
	if host == "" {
		return s, bad
	}
	if port != "" {
		p, err := strconv.Atoi(port)
		if err != nil || p <= 0 || p > 65535 {
			return s, bad
		}
		s.Port = p
	} else if s.BusPort != 0 {
		return s, bad // "host@busport": the bus port of which client port?
	}
	s.Host = host
	return s, ""
}

// validSeeds is cluster-bootstrap-seeds' check.
func validSeeds(_ *Config, v string) string {
	_, msg := ParseSeeds(v)
	return msg
}

// bootstrapCheck is the sanity check of the bootstrap directives together: the
// assignment is redis-cli --cluster create's, which refuses fewer than 3 masters
// (a majority of masters must survive one failure for a failover to be elected).
func (c *Config) bootstrapCheck() string {
	if c.ClusterBootstrapSize == 0 {
		return ""
	}
	if !c.ClusterEnabled {
		return "cluster-bootstrap-size needs cluster-enabled yes"
	}
	if c.ClusterBootstrapSeeds == "" {
		return "cluster-bootstrap-size needs cluster-bootstrap-seeds (host names, addresses, or a DNS name that resolves to every node)"
	}
	if c.ClusterBootstrapSize/(c.ClusterBootstrapReplicas+1) < 3 {
		return "cluster-bootstrap-size " + strconv.Itoa(c.ClusterBootstrapSize) + " with " +
			strconv.Itoa(c.ClusterBootstrapReplicas) + " replicas per master: Redis Cluster requires at least 3 master nodes"
	}
	return ""
}
