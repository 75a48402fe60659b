package node

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"

	"github.com/keygrid/keygrid/engine"
	"github.com/keygrid/keygrid/internal/redislog"
	"go.uber.org/zap"
)

// The log is in redis-server's line format (internal/redislog); the role mark follows
// the engine's published replication role once a node runs.
var (
	logRoleFrom atomic.Pointer[engine.Metrics]
	// logEarly marks the first start-up lines, which redis-server writes before its
	// initServer records the server's pid and so marks as a child's (C).
	logEarly atomic.Bool
)

func currentLogRole() byte {
	if logEarly.Load() {
		return 'C'
	}
	if m := logRoleFrom.Load(); m != nil && m.Replica.Load() {
		return redislog.Replica
	}
	return redislog.Master
}

// startupBanner logs what redis-server logs as it starts: the starting line, the
// version line and the configuration line. It returns what logs the logo block (only
// when always-show-logo is set or the log is a terminal, as Redis; otherwise the
// one-line mode summary), which the caller runs once the ports are bound. noArgs:
// the server was started with no argument at all (neither a file nor an option).
func startupBanner(log *zap.Logger, mode string, port int, noArgs bool, alwaysShowLogo, toStdout bool) (logo func()) {
	// Levels and marks as redis-server's main() logs these lines.
	logEarly.Store(true)
	log.Warn("oO0OoO0OoO0Oo keygrid is starting oO0OoO0OoO0Oo")
	log.Warn(fmt.Sprintf("Redis version=%s, keygrid=%s, bits=64, go=%s, pid=%d, just started",
		engine.Version, engine.KeygridVersion, runtime.Version(), os.Getpid()))
	if noArgs {
		log.Warn("Warning: no config file specified, using the default config. In order to specify a config file use keygrid server /path/to/keygrid.conf")
	} else {
		log.Warn("Configuration loaded")
	}
	logEarly.Store(false)
	return func() { startupLogo(log, mode, port, alwaysShowLogo, toStdout) }
}

// startupLogo logs the logo (or, when not on a terminal, the mode line), which
// redis-server prints once its ports are bound.
func startupLogo(log *zap.Logger, mode string, port int, alwaysShowLogo, toStdout bool) {
	if !alwaysShowLogo && !(toStdout && redislog.IsTerminal(os.Stdout)) {
		log.Info(fmt.Sprintf("Running mode=%s, port=%d.", mode, port))
		return
	}
	// Our own logo; the fields are where redis-server's logo has them.
	log.Info(fmt.Sprintf(`
    .-------------------------.
    |  k e y g r i d          |   keygrid %s (Redis %s compatible) 64 bit
    |  [][][][]  [][][][]     |
    |  [][][][]  [][][][]     |   Running in %s mode
    |  [][][][]  [][][][]     |   Port: %d
    |  [][][][]  [][][][]     |   PID: %d
    '-------------------------'

`, engine.KeygridVersion, engine.Version, mode, port, os.Getpid()), redislog.Raw())
}
