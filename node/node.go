// Package node wires one keygrid data node: configuration, logging, the engine, the
// metrics endpoint and process lifecycle (signals). Later it also wires replication,
// gossip and persistence to the engine through the engine's small interfaces.
package node

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/keygrid/keygrid/engine"
	"github.com/keygrid/keygrid/engine/config"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/keygrid/keygrid/internal/redislog"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Main runs `keygrid server [config-file] [--directive value ...]` and returns the
// process exit code.
func Main(args []string) int {
	path := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "--") {
		path, args = args[0], args[1:]
	}
	cfg, err := config.Load(path, args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "\n*** FATAL CONFIG FILE ERROR (keygrid %s) ***\n%v\n", engine.KeygridVersion, err)
		return 1
	}
	log, level, closeLog, err := NewLogger(cfg.LogLevel, cfg.LogFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "keygrid: can't open the log file: %v\n", err)
		return 1
	}
	defer closeLog()
	n, err := New(cfg, path, log, level, prometheus.NewRegistry())
	if err != nil {
		log.Error("can't start", zap.Error(err))
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	mode := "standalone"
	if cfg.ClusterEnabled {
		mode = "cluster"
	}
	startupBanner(log, mode, cfg.Port, path, cfg.AlwaysShowLogo, cfg.LogFile == "")
	go func() {
		for sig := range sigs {
			// The engine logs it and shuts down as Redis does on the signal (waiting
			// for lagging replicas); a second SIGINT meanwhile means exit now.
			if n.Engine.ShutdownSignal(sig.(syscall.Signal)) {
				os.Exit(1)
			}
		}
	}()
	n.Run()
	return 0
}

// Node is one running data node.
type Node struct {
	Engine  *engine.Server
	cfg     *config.Config
	log     *zap.Logger
	metrics *http.Server
}

// New builds a node and opens its sockets. level, when not nil, is log's level, which
// CONFIG SET loglevel changes (see NewLogger); reg receives the node's metrics.
func New(cfg *config.Config, cfgPath string, log *zap.Logger, level *zap.AtomicLevel, reg *prometheus.Registry) (*Node, error) {
	srv, err := engine.New(engine.Options{Config: cfg, ConfigPath: cfgPath, Logger: log.Named("engine"), LogLevel: level})
	if err != nil {
		return nil, err
	}
	if err := srv.Start(); err != nil {
		return nil, err
	}
	// After Start, which loads the RDB/AOF: a load allocates its whole dataset at once,
	// and the default GOGC lets it run with fewer collections (see gcpolicy.go).
	startGCPolicy()
	n := &Node{Engine: srv, cfg: cfg, log: log}
	if err := startCluster(srv, cfg, log); err != nil { // cluster.go
	logRoleFrom.Store(srv.Metrics())
	log.Warn("Server initialized") // LL_WARNING in redis-server too
		srv.Shutdown()
		return nil, err
	}
	if cfg.MetricsPort > 0 {
		reg.MustRegister(NewCollector(srv))
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		ln, err := net.Listen("tcp", net.JoinHostPort(metricsHost(cfg), strconv.Itoa(cfg.MetricsPort)))
		if err != nil {
			srv.Shutdown()
			return nil, fmt.Errorf("metrics listener: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		n.metrics = &http.Server{Handler: mux}
		go n.metrics.Serve(ln)
	}
	log.Info("Ready to accept connections")
	return n, nil
}

func metricsHost(cfg *config.Config) string {
	for _, b := range cfg.Bind {
		b = strings.TrimPrefix(b, "-")
		if b != "*" && b != "::*" {
			return b
		}
	}
	return ""
}

// Run serves until the engine stops (SHUTDOWN, a signal, or Shutdown).
func (n *Node) Run() {
	n.Engine.Run()
	if n.metrics != nil {
		n.metrics.Close()
	}
	n.log.Sync()
}

// NewLogger builds the node's zap logger from Redis's loglevel and logfile directives
// (levels as engine.ZapLevel maps them); an empty logfile logs to standard output, as
// redis-server does. The logger's level is the returned AtomicLevel, so that CONFIG
// SET loglevel applies to the running logger.
func NewLogger(level, file string) (*zap.Logger, *zap.AtomicLevel, func(), error) {
	lvl, ok := engine.ZapLevel(level)
	if !ok {
		return nil, nil, nil, fmt.Errorf("unknown loglevel %q", level)
	}
	atom := zap.NewAtomicLevelAt(lvl)
	out := zapcore.Lock(os.Stdout)
	closer := func() {}
	if file != "" {
		f, err := os.OpenFile(file, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, nil, nil, err
		}
		out = zapcore.Lock(f)
		closer = func() { f.Close() }
	}
	core := zapcore.NewCore(redislog.NewEncoder(currentLogRole), out, atom) // logformat.go
	return zap.New(core), &atom, closer, nil
}
