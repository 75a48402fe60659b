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
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/keygrid/keygrid/engine"
	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/internal/daemon"
	"github.com/keygrid/keygrid/internal/redislog"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Main runs `keygrid server [config-file] [--directive value ...]` and returns the
// process exit code.
func Main(args []string) int {
	// As redis-server's initServer (here from the first line on): a hangup (a
	// closed terminal, a log-rotation HUP) does not stop the server, and a write
	// to a closed stdout pipe is an error, not death by SIGPIPE (Go's default for
	// both is to exit).
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)
	noArgs := len(args) == 0 // redis-server's "no config file specified" warning is for argc == 1
	path := ""
	if len(args) > 0 && args[0] != "-" && !strings.HasPrefix(args[0], "--") {
		path, args = args[0], args[1:] // "-" is standard input (config.Stdin), not a file
	}
	config.StdinNotice = func() {
		fmt.Printf("%d:C %s # Reading config from stdin\n", os.Getpid(), time.Now().Format("02 Jan 2006 15:04:05.000"))
	}
	// Defaults from the environment (the image's protected-mode no), overridden by
	// the file and the arguments.
	defaults, err := config.SplitArgs(os.Getenv(config.DefaultsEnv))
	if err != nil {
		fmt.Fprintf(os.Stderr, "\n*** FATAL CONFIG FILE ERROR (keygrid %s) ***\n%s: %v\n", engine.KeygridVersion, config.DefaultsEnv, err)
		return 1
	}
	cfg, err := config.LoadWithDefaults(defaults, path, args)
	if err != nil {
		reportConfigError(err)
		return 1
	}
	// Redis chdir()s to "dir" while it reads its configuration, so a relative
	// logfile is inside dir (the cluster test suite's "dir ./redis_0" and
	// "logfile log.txt" give each node its own log).
	logPath := cfg.LogFile
	if logPath != "" && cfg.Dir != "" && !filepath.IsAbs(logPath) {
		logPath = filepath.Join(cfg.Dir, logPath)
	}
	var sys *redislog.SyslogConfig
	if cfg.SyslogEnabled {
		sys = &redislog.SyslogConfig{Ident: cfg.SyslogIdent, Facility: cfg.SyslogFacility, Early: logEarly.Load}
	}
	log, level, closeLog, err := NewLogger(cfg.LogLevel, logPath, sys)
	if err != nil {
		// Redis opens the log file while it reads the configuration.
		reportConfigError(&config.LoadError{Msg: "Can't open the log file: " + config.Strerror(err)})
		return 1
	}
	defer closeLog()
	// Supervision, then daemonizing, in Redis's order: before the start-up banner,
	// the bind and the pid file (internal/daemon).
	var sup *daemon.Supervisor
	background := daemon.Child() // the copy a `daemonize yes` parent started
	if !background {
		if sup = daemon.Supervise(cfg.Supervised, log); sup != nil {
			cfg.Supervised = sup.Mode() // CONFIG GET supervised says what "auto" found, as in Redis
		} else if cfg.Daemonize {
			log.Sync()
			if err := daemon.Daemonize(""); err != nil { // returns only on failure
				log.Warn("Can't daemonize: " + err.Error())
				return 1
			}
		}
	}
	if background && cfg.PidFile == "" {
		cfg.PidFile = daemon.DefaultPidFile // createPidFile's default
	}
	mode := "standalone"
	if cfg.ClusterEnabled {
		mode = "cluster"
	}
	// The logo goes to a terminal on standard output, and not when syslog gets the log too.
	showLogo := startupBanner(log, mode, cfg.Port, noArgs, cfg.AlwaysShowLogo, cfg.LogFile == "" && !cfg.SyslogEnabled)
	// Signals are handled from before the dataset loads, as Redis installs its
	// handlers before loading: SIGTERM during the load exits at once, unsaved.
	var eng atomic.Pointer[engine.Server]
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGABRT)
	go func() {
		for sig := range sigs {
			srv := eng.Load()
			if sig == syscall.SIGABRT {
				if srv != nil {
					srv.CrashSignal(syscall.SIGABRT) // Redis's crash report, then die of it
				}
				signal.Reset(syscall.SIGABRT)
				syscall.Kill(os.Getpid(), syscall.SIGABRT)
				continue
			}
			if srv == nil {
				os.Exit(1) // no server yet: nothing to shut down cleanly
			}
			// The engine logs it and shuts down as Redis does on the signal (waiting
			// for lagging replicas); a second SIGINT meanwhile means exit now.
			if srv.ShutdownSignal(sig.(syscall.Signal)) {
				os.Exit(1)
			}
		}
	}()
	n, err := newNode(cfg, path, log, level, prometheus.NewRegistry(),
		process{created: eng.Store, showLogo: showLogo, sup: sup, procTitle: procTitleName()})
	if err != nil {
		if !engine.IsStartupLogged(err) { // else logged already, in Redis's words
			log.Error("can't start", zap.Error(err))
			if cfg.LogFile == "" {
				// With a logfile, redis-server writes nothing to stderr (the
				// cluster suite reads each node's stderr as crash reports).
				fmt.Fprintln(os.Stderr, err)
			}
		}
		return 1
	}
	n.Run()
	return 0
}

// Node is one running data node.
type Node struct {
	Engine  *engine.Server
	cfg     *config.Config
	log     *zap.Logger
	metrics *http.Server
	unwatch func()
}

// New builds a node and opens its sockets. level, when not nil, is log's level, which
// CONFIG SET loglevel changes (see NewLogger); reg receives the node's metrics.
func New(cfg *config.Config, cfgPath string, log *zap.Logger, level *zap.AtomicLevel, reg *prometheus.Registry) (*Node, error) {
	return newNode(cfg, cfgPath, log, level, reg, process{})
}

// process is what Main adds to a node that is the whole process: created gets the
// engine before it loads its dataset (Main's signal handling); showLogo logs the
// start-up logo once the ports are bound (startupBanner); sup is the init system to
// tell when the node is ready; procTitle is proc-title-template's {title}. A node
// built by New (inside a test binary, say) has none of them.
type process struct {
	created   func(*engine.Server)
	showLogo  func()
	sup       *daemon.Supervisor
	procTitle string
}

// procTitleName is how the process was run, for its title: redis-server's argv[0]
// when keygrid is installed as redis-server, else the program and its subcommand.
func procTitleName() string {
	if len(os.Args) > 1 && (os.Args[1] == "server" || os.Args[1] == "redis-server") {
		return os.Args[0] + " " + os.Args[1]
	}
	return os.Args[0]
}

// newNode is New, with what Main adds for a node that is the whole process.
func newNode(cfg *config.Config, cfgPath string, log *zap.Logger, level *zap.AtomicLevel, reg *prometheus.Registry, p process) (*Node, error) {
	showLogo, created, sup := p.showLogo, p.created, p.sup
	srv, err := engine.New(engine.Options{Config: cfg, ConfigPath: cfgPath, Logger: log.Named("engine"), LogLevel: level,
		Supervisor: sup, ProcTitle: p.procTitle,
		Listening: func() {
			// After the bind, as redis-server: the pid file (a daemon's, or the
			// pidfile directive's), its logo (or the mode line), then "Server
			// initialized" (LL_WARNING there too).
			if cfg.PidFile != "" {
				daemon.WritePidFile(cfg.ResolvePath(cfg.PidFile))
			}
			if showLogo != nil {
				showLogo()
				// redis-server's host checks, in its order (internal/daemon):
				// only for a node that is the whole process.
				daemon.CheckTCPBacklog(log, cfg.TCPBacklog)
				log.Warn("Server initialized")
				daemon.CheckMemoryAndClock(log, cfg.DisableTHP)
				return
			}
			log.Warn("Server initialized")
		}})
	if err != nil {
		return nil, err
	}
	if created != nil {
		created(srv)
	}
	logRoleFrom.Store(srv.Metrics())
	if err := srv.Start(); err != nil {
		return nil, err
	}
	// After Start, which loads the RDB/AOF: a load allocates its whole dataset at once,
	// and the default GOGC lets it run with fewer collections (see gcpolicy.go).
	startGCPolicy()
	n := &Node{Engine: srv, cfg: cfg, log: log}
	bus, err := startCluster(srv, cfg, log) // cluster.go
	if err != nil {
		// Shutdown waits for the loop, which only Run runs: run it to stop it
		// (the process would hang, not exit, on a bus port already taken).
		go srv.Run()
		srv.Shutdown()
		return nil, err
	}
	if cfg.MetricsPort > 0 {
		reg.MustRegister(NewCollector(srv))
		if bus != nil {
			reg.MustRegister(NewBusCollector(bus))
		}
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
	if !srv.StoppedDuringLoad() { // else a shutdown came during the load: Run returns at once
		log.Info("Ready to accept connections")
		if cfg.ReplicaOfHost != "" {
			sup.Notify("STATUS=Ready to accept connections in read-only mode. Waiting for MASTER <-> REPLICA sync\n")
		} else {
			sup.Notify("STATUS=Ready to accept connections\n")
		}
		sup.Notify("READY=1\n")
	}
	n.unwatch = watchCommands(srv.Metrics()) // the releaser's activity (gcpolicy.go)
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
	n.unwatch()
	if n.metrics != nil {
		n.metrics.Close()
	}
	n.log.Sync()
}

// NewLogger builds the node's zap logger from Redis's loglevel and logfile directives
// (levels as engine.ZapLevel maps them); an empty logfile logs to standard output, as
// redis-server does. The logger's level is the returned AtomicLevel, so that CONFIG
// SET loglevel applies to the running logger. sys, when not nil (syslog-enabled),
// also sends every line to the local syslog daemon, as redis-server does.
func NewLogger(level, file string, sys *redislog.SyslogConfig) (*zap.Logger, *zap.AtomicLevel, func(), error) {
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
		lf := &logFile{f: f}
		out = lf
		closer = lf.close
	}
	core := zapcore.NewCore(redislog.NewEncoder(currentLogRole), out, atom) // logformat.go
	if sys != nil {
		core = zapcore.NewTee(core, redislog.NewSyslogCore(atom, *sys))
	}
	return zap.New(core), &atom, closer, nil
}

// logFile is the logfile as a zap sink that can be closed while goroutines still
// log (memberlist, a replica link winding down at shutdown): a line written
// after the close is dropped, instead of zap reporting "write error: file already
// closed" on stderr.
type logFile struct {
	mu sync.Mutex
	f  *os.File
}

func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return len(p), nil
	}
	return l.f.Write(p)
}

func (l *logFile) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	return l.f.Sync()
}

func (l *logFile) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		l.f.Close()
		l.f = nil
	}
}

// reportConfigError prints a configuration error as redis-server does
// (config.WriteReport); an error in the image's defaults (KEYGRID_DEFAULTS) names
// the variable.
func reportConfigError(err error) {
	if !config.WriteReport(os.Stdout, os.Stderr, err, 'C') {
		fmt.Fprintf(os.Stderr, "\n*** FATAL CONFIG FILE ERROR (keygrid %s) ***\n%v\n", engine.KeygridVersion, err)
	}
}
