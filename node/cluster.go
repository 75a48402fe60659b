package node

// Cluster mode wiring: with cluster-enabled yes, the node runs the gossip bus
// (gossip/, over memberlist) on the cluster bus port and gives it to the engine as
// its engine.ClusterBus. The engine's cluster methods are the bus's gossip.Engine.

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/keygrid/keygrid/engine"
	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/tlsconf"
	"github.com/keygrid/keygrid/gossip"
	"go.uber.org/zap"
)

// startCluster starts the bus of a cluster-enabled node whose engine is running
// (its client port is known); the engine closes the bus when it shuts down.
func startCluster(srv *engine.Server, cfg *config.Config, log *zap.Logger) (*gossip.Bus, error) {
	if !cfg.ClusterEnabled {
		return nil, nil
	}
	port := cfg.Port
	if port == 0 {
		if _, p, err := net.SplitHostPort(srv.Addr()); err == nil {
			port, _ = strconv.Atoi(p)
		}
	}
	if cfg.TLSCluster && cfg.TLSPort != 0 {
		port = cfg.TLSPort // Redis: the bus port follows the TLS port in a TLS cluster
	}
	busPort := cfg.ClusterPort
	if busPort == 0 {
		busPort = port + 10000
	}
	gc := gossip.DefaultConfig(busBindAddr(cfg), busPort, cfg.ClusterNodeTimeout)
	gc.AdvertiseAddr = cfg.ClusterAnnounceIP
	gc.AdvertisePort = cfg.ClusterAnnounceBusPort
	gc.Logger = log.Named("gossip")
	gc.SecretKey = gossip.KeyFromSecret(cfg.ClusterBusSecret)
	// A test hook, not a directive: Redis's CLUSTER FORGET ban is a fixed
	// 60 s, and the multi-process tests cannot wait that long.
	if d, err := time.ParseDuration(os.Getenv("KEYGRID_TEST_FORGET_BAN")); err == nil && d > 0 {
		gc.ForgetBan = d
	}
	if cfg.TLSCluster {
		// The bus is TLS with the node's certificates, as Redis's (tls-cluster).
		srvCfg, cliCfg, err := tlsconf.Build(engine.TLSSettings(cfg))
		if err != nil {
			return nil, fmt.Errorf("cluster bus TLS: %w", err)
		}
		gc.TLSServer, gc.TLSClient = tlsconf.PeerServer(srvCfg), cliCfg
	}
	b, err := gossip.New(gc, srv)
	if err != nil && gc.AdvertiseAddr == "" && strings.Contains(err.Error(), "private IP") {
		// Bound to every interface on a host with no private address (a laptop
		// on a public network, a bare container): announce loopback, as a
		// single-host cluster would.
		gc.AdvertiseAddr = "127.0.0.1"
		b, err = gossip.New(gc, srv)
	}
	if err != nil {
		return nil, err
	}
	srv.SetClusterBus(b)
	log.Info("Cluster bus listening", zap.Int("port", b.Port()))
	startBootstrap(srv, b, cfg, log) // bootstrap.go: cluster-bootstrap-* directives
	return b, nil
}

// busBindAddr is the address the bus binds: the first bind address, or every
// interface for "*" (memberlist binds one address).
func busBindAddr(cfg *config.Config) string {
	for _, a := range cfg.Bind {
		a = strings.TrimPrefix(a, "-")
		switch a {
		case "*", "::*", "":
			return "0.0.0.0"
		}
		return a
	}
	return "0.0.0.0"
}
