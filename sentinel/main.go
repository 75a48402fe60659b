// `keygrid sentinel [sentinel.conf] [--directive value ...]`.

package sentinel

import (
	"fmt"
	"github.com/keygrid/keygrid/engine"
	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/internal/daemon"
	"github.com/keygrid/keygrid/internal/redislog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Main runs a sentinel until SIGTERM/SIGINT or SHUTDOWN and returns the exit code.
func Main(args []string) int {
	// As redis-sentinel's initServer (here from the first line on): a hangup (a
	// closed terminal, a log-rotation HUP) does not stop the sentinel, and a write
	// to a closed stdout pipe is an error, not death by SIGPIPE (Go's default for
	// both is to exit).
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)
	path := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "--") {
		path, args = args[0], args[1:]
	}
	startDir, _ := os.Getwd() // a daemon starts where we did, to read the same paths
	cfg, err := LoadConfig(path, args)
	if err != nil {
		if !config.WriteReport(os.Stdout, os.Stderr, err, 'X') { // as redis-sentinel
			fmt.Fprintf(os.Stderr, "\n*** FATAL CONFIG FILE ERROR (keygrid sentinel) ***\n%v\n", err)
		}
		return 1
	}
	// Like Redis, the sentinel works in its `dir`: relative paths (logfile,
	// scripts) are relative to it.
	if path != "" {
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
	}
	if cfg.Dir != "" && cfg.Dir != "." {
		if err := os.MkdirAll(cfg.Dir, 0o755); err == nil {
			if err := os.Chdir(cfg.Dir); err != nil {
				fmt.Fprintf(os.Stderr, "Can't chdir to '%s': %v\n", cfg.Dir, err)
				return 1
			}
			cfg.Dir = "."
		}
	}
	var early atomic.Bool // the banner's lines, which redis-sentinel logs before openlog
	log, err := newLogger(cfg, early.Load)
	if err != nil {
		fmt.Fprintf(os.Stderr, "keygrid sentinel: can't open the log file: %v\n", err)
		return 1
	}
	defer log.Sync()
	// Supervision, then daemonizing, as redis-sentinel (internal/daemon).
	var sup *daemon.Supervisor
	background := daemon.Child()
	if !background {
		if sup = daemon.Supervise(cfg.Supervised, log); sup != nil {
			cfg.Supervised = sup.Mode()
		} else if cfg.Daemonize {
			log.Sync()
			if err := daemon.Daemonize(startDir); err != nil { // returns only on failure
				log.Warn("Can't daemonize: " + err.Error())
				return 1
			}
		}
	}
	if background && cfg.PidFile == "" {
		cfg.PidFile = daemon.DefaultPidFile
	}
	// redis-sentinel's first lines, as `keygrid server` logs them.
	early.Store(true)
	log.Warn("oO0OoO0OoO0Oo keygrid is starting oO0OoO0OoO0Oo")
	log.Warn(fmt.Sprintf("Redis version=%s, keygrid=%s, bits=64, go=%s, pid=%d, just started",
		engine.Version, engine.KeygridVersion, runtime.Version(), os.Getpid()))
	log.Warn("Configuration loaded")
	early.Store(false)
	// SIGTERM and SIGINT are caught from before the port is bound: one that comes
	// as soon as the sentinel answers is acted on after the ready notifications,
	// as redis-sentinel (which answers only from its event loop, after them) does.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	reg := prometheus.NewRegistry()
	// Start-up failures go to the log, as Redis's do (its logfile when set).
	s, err := New(cfg, path, log, reg)
	if err != nil {
		log.Warn(err.Error())
		return 1
	}
	if err := s.Start(); err != nil {
		log.Warn(err.Error())
		return 1
	}
	// redis-sentinel's tcp-backlog is 511 (Go listens with somaxconn): the same
	// warning where the kernel caps it lower.
	daemon.CheckTCPBacklog(log, 511)
	if cfg.PidFile != "" { // once the port is bound, as Redis's createPidFile
		daemon.WritePidFile(cfg.PidFile) // relative to dir, where we are now
	}
	if cfg.MetricsAddr != "" {
		s.metrics.serve(cfg.MetricsAddr, reg)
	}
	sup.Notify("STATUS=Ready to accept connections\n")
	sup.Notify("READY=1\n")
	select {
	case sig := <-sigs:
		name := "SIGTERM"
		if sig == syscall.SIGINT {
			name = "SIGINT"
		}
		log.Warn(redislog.FromHandler("Received "+name+" scheduling shutdown..."), redislog.Raw())
	case <-s.stopped:
	}
	// Redis's prepareForShutdown and finishShutdown, in sentinel mode.
	log.Warn("User requested shutdown...")
	sup.Notify("STOPPING=1\n")
	s.Shutdown()
	if cfg.Daemonize || cfg.PidFile != "" {
		log.Info("Removing the pid file.")
		if cfg.PidFile != "" {
			os.Remove(cfg.PidFile)
		}
	}
	log.Warn("Sentinel is now ready to exit, bye bye...")
	return 0
}

// newLogger is the sentinel's logger: its logfile (or standard output), and syslog
// too when syslog-enabled is set, where early says which lines go out before
// redis-sentinel's openlog.
func newLogger(cfg *Config, early func() bool) (*zap.Logger, error) {
	level := zapcore.InfoLevel
	switch strings.ToLower(cfg.LogLevel) {
	case "debug", "verbose":
		level = zapcore.DebugLevel
	case "warning":
		level = zapcore.WarnLevel
	}
	out := zapcore.Lock(os.Stdout)
	if cfg.LogFile != "" {
		f, err := os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, err
		}
		out = zapcore.Lock(f)
	}
	// redis-sentinel's line format, role mark X (internal/redislog).
	enc := redislog.NewEncoder(func() byte { return redislog.Sentinel })
	atom := zap.NewAtomicLevelAt(level)
	core := zapcore.NewCore(enc, out, atom)
	if cfg.SyslogEnabled {
		core = zapcore.NewTee(core, redislog.NewSyslogCore(atom,
			redislog.SyslogConfig{Ident: cfg.SyslogIdent, Facility: cfg.SyslogFacility, Early: early}))
	}
	return zap.New(core), nil
}
