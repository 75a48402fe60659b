package engine

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/loop"
	"github.com/keygrid/keygrid/internal/daemon"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// Version is the Redis version keygrid implements; HELLO and INFO report it so clients
// and tools that gate features on the server version treat keygrid as Redis 7.0.
const Version = "7.0.15"

// KeygridVersion is keygrid's own version, stamped at build time.
var KeygridVersion = "0.1.0-dev"

// Options are the dependencies of a Server. Nothing here is global: each Server gets its
// own logger and configuration.
type Options struct {
	Config     *config.Config
	ConfigPath string      // the config file, for CONFIG REWRITE ("" when none)
	Logger     *zap.Logger // nil means no logging
	// LogLevel, when set, is the level of Logger's core: the engine sets it from the
	// loglevel directive at New and whenever CONFIG SET changes it.
	LogLevel *zap.AtomicLevel
	// Listening, when set, is called by Start once the listening sockets are open
	// and before the dataset loads: redis-server prints its logo and "Server
	// initialized" there, after a successful bind (a suite that waits for the
	// logo's PID line must not take a server that could not bind for started).
	Listening func()
	// Supervisor is the init system supervising the process (internal/daemon), or
	// nil: systemd is told of shutdowns and replication syncs as Redis tells it,
	// and INFO's process_supervised names it.
	Supervisor *daemon.Supervisor
	// ProcTitle is the program as it was run, proc-title-template's {title}
	// ("keygrid server", or "/usr/bin/redis-server" for keygrid installed so);
	// "" leaves the process title alone (an engine inside a test binary).
	ProcTitle string
}

// Server is one data node's engine: its event loop, clients and keyspace. All of its
// state is owned by the loop goroutine; other goroutines use Submit.
type Server struct {
	// syncTemps are full-sync files being received (repl_replica.go).
	syncTemps syncTempFiles

	cfg     *config.Config
	cfgPath string
	log     *zap.Logger
	logLvl  *zap.AtomicLevel // the logger's level (Options.LogLevel), or nil
	// listening is Options.Listening.
	listening func()
	// procTitle is Options.ProcTitle.
	procTitle string
	// watchdog is the software watchdog (watchdog.go).
	watchdog watchdog
	// sup is Options.Supervisor (nil: not supervised).
	sup  *daemon.Supervisor
	loop *loop.Loop

	listeners []int
	unixFD    int
	byFD      []*Client
	clients   map[int64]*Client
	readBuf   []byte
	// prefetch is the lookahead batch of processInput (prefetch.go), made on first use.
	prefetch *prefetchBatch

	// clientsPeak holds, per second of the last 8, the largest input and output
	// buffers the clients cron saw (INFO's client_recent_max_*; obuf_limit.go).
	clientsPeak clientsPeakRing

	pendingWrite  []*Client
	closeASAP     []*Client
	pausedClients []*Client
	monitors      []*Client
	nextClientID  int64

	commands *CommandTable
	// commandChecks run after arity and auth checks; a non-empty result rejects the
	// command with that error (later parts add OOM, read-only replica, cluster, ...).
	commandChecks []func(c *Client, cmd *Command) string
	// lateCommandChecks run after the maxmemory (OOM) step, for the checks Redis makes
	// after it: MISCONF, NOREPLICAS, READONLY, MASTERDOWN, LOADING, BUSY.
	lateCommandChecks []func(c *Client, cmd *Command) string
	// propagate receives every write command that changed data (AOF, replicas).
	propagate func(db int, argv [][]byte)
	// onClientFree hooks run when a client goes away.
	onClientFree []func(c *Client)

	dbs   []*DB
	dirty int64
	nowMs int64 // cached unix ms, refreshed per command and per cron

	runID     string
	startTime time.Time
	cronID    int64
	cronLoops int64
	// hz is how often serverCron runs now: hz, or more with many clients
	// (dynamic-hz, adaptHz); run_with_period's periods count in its ticks.
	hz int
	// clientsCronFD is where clientsCron's round robin over byFD resumes.
	clientsCronFD int

	stats      serverStats
	errorStats map[string]*int64 // INFO errorstats; countError
	replyBufs  [][]byte          // freed clients' reply buffers, for new ones (client.go)
	// replyBufTaken is when a kept reply buffer was last taken (ms).
	replyBufTaken int64
	// countError's last code and its counter.
	lastErrCode  string
	lastErrCount *int64
	slowlog      slowlog
	latency      map[string]*latencySeries

	pause pauseState
	clk   clock
	// cmdStart is the monotonic time the next command starts (see clock.go).
	cmdStart time.Duration
	// errMark is the error count call compares with once a command returns; the calls
	// nested in it (EXEC's commands) move it, so a command counts as failed only for
	// errors it replied itself (Redis's prev_err_count).
	errMark int64
	hookSet

	lastSave     int64
	activeExpire bool
	// cronPaused stops serverCron's work (DEBUG PAUSE-CRON, for tests).
	cronPaused bool
	// sigPending is Redis's shutdown_asap: a SIGTERM/SIGINT the next unpaused
	// serverCron acts on, unless SHUTDOWN ABORT clears it first (repl_shutdown.go).
	sigPending unix.Signal
	// oom is the oom-score-adj state (oomscore.go).
	oom          oomScoreState
	expireStats  expireStats
	shutdownOnce sync.Once
	// exiting is set once the loop has stopped: the clients freed then are
	// dropped silently (Redis exits with them connected, logging nothing after
	// its "bye bye").
	exiting        bool
	done           chan struct{}
	started        chan struct{}
	metrics        Metrics
	statResetTime  time.Time
	lastCronTime   time.Time
	loopIterations int64
	info           infoState // INFO's memory samples and instantaneous metrics (info.go)
	// hashLP is the scratch copy of the listpack a hash command is editing (hashes.go).
	hashLP []byte
	evict  evictState // memory accounting, maxmemory and eviction (evict.go)
	// blocking is the registry of clients blocked on keys or timeouts (blocking.go).
	blocking blockingState
	// acl holds the ACL users and log (acl.go).
	acl *aclState
	// pubsub holds channel and pattern subscriptions (pubsub.go).
	pubsub pubsubState
	// tracking is the client-side caching state (tracking.go).
	tracking trackingState
	// script is EVAL and FUNCTION state: interpreters, caches, the running script (script.go).
	script scriptState
	// tx holds the WATCHed keys of every database and the EXEC state (multi.go).
	tx txState
	// aof is the append-only file (aof.go); prop the propagation path (propagate.go).
	aof  aofState
	prop propState
	// persist is RDB persistence and the forkless snapshot (persist.go, snapshot.go).
	persist persistState
	// repl is replication: ids, offset, backlog, replicas (repl_master.go).
	repl replState
	// cluster is cluster mode (cluster.go), nil state when off.
	cluster clusterState
	// replica is the replica side: the link with the master (repl_replica.go).
	replica replicaSide
	// tls is the tls-port listeners and TLS configurations (tls.go).
	tls tlsState
}

type serverStats struct {
	numCommands, numConnections, rejectedConns int64
	expiredKeys, evictedKeys, keyspaceHits     int64
	keyspaceMisses, netInput, netOutput        int64
	unknownCmd, errorReplies                   int64
	expiredStalePerc                           float64
	expiredTimeCapReached                      int64
	totalActiveDefragHits                      int64
	readsProcessed, writesProcessed            int64 // INFO total_reads/writes_processed
	replyBufShrinks, replyBufExpands           int64 // INFO reply_buffer_shrinks/expands
	// totalForks counts the background snapshots started (BGSAVE, AOF rewrites,
	// full syncs): each is where Redis forks, and INFO total_forks is how clients
	// see one start. forkUsec is what starting the last one took (latest_fork_usec).
	totalForks, forkUsec int64
	// lazyfreed is INFO lazyfreed_objects (lazyfree.go).
	lazyfreed int64
}

// New builds a server from its options. It does not listen yet; Start does.
func New(opts Options) (*Server, error) {
	cfg := opts.Config
	if cfg == nil {
		cfg = config.Default()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	s := &Server{
		hz:           max(cfg.Hz, 1),
		cfg:          cfg,
		cfgPath:      opts.ConfigPath,
		log:          log,
		logLvl:       opts.LogLevel,
		listening:    opts.Listening,
		sup:          opts.Supervisor,
		procTitle:    opts.ProcTitle,
		clients:      make(map[int64]*Client),
		readBuf:      make([]byte, readChunk),
		errorStats:   make(map[string]*int64),
		latency:      make(map[string]*latencySeries),
		runID:        newRunID(),
		unixFD:       -1,
		activeExpire: true,
		done:         make(chan struct{}),
		started:      make(chan struct{}),
	}
	s.applyLogLevel()
	s.commands = newCommandTable(commandFamilies()...)
	for _, r := range cfg.RenameCommands {
		if err := s.commands.Rename(r[0], r[1]); err != nil {
			return nil, err
		}
	}
	s.dbs = make([]*DB, cfg.Databases)
	for i := range s.dbs {
		s.dbs[i] = newDB(s, i)
	}
	s.initEvict()
	s.initBlocking()
	if err := s.initACL(); err != nil {
		return nil, err
	}
	s.initPubSub()
	s.initProcTitle()
	s.initWatchdog()
	s.initTracking()
	s.initMulti()
	// After initMulti: scripting wraps the OOM decision that multi installs.
	s.initScripting()
	s.initPersist() // before initAOF: MISCONF for RDB is checked before AOF's, as Redis
	s.initAOF()
	s.initRDB()
	s.initReplication()
	if err := s.initCluster(); err != nil {
		return nil, err
	}
	s.initReplica()  // after initReplication: it fills the replica hooks
	s.initOOMScore() // after initReplica: the class follows the role
	s.initTLS()
	s.lastSave = time.Now().Unix()
	s.initClock()
	s.nowMs = s.wallMs(s.monoNow())
	return s, nil
}

func newRunID() string {
	var b [20]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Start opens the listening sockets and the event loop, then loads the dataset
// (serving -LOADING meanwhile). Errors are returned, not logged: the caller decides
// how to report a port already in use.
func (s *Server) Start() error {
	if err := s.openFilesAtStart(); err != nil { // config_cmd.go
		return err
	}
	l, err := loop.New(1024)
	if err != nil {
		return err
	}
	s.loop = l
	if s.cfg.Port != 0 {
		// bind "" listens on no TCP address (Redis's listenToPort with no
		// addresses): only the unix socket or TLS, if any.
		for _, b := range s.cfg.Bind {
			fd, err := listenTCP(b, s.cfg.Port, s.cfg.TCPBacklog)
			if err != nil {
				// Redis's listenToPort: every failure is logged; an optional
				// ("-addr") address that is not available here, or a protocol the
				// host lacks, is skipped; anything else aborts the start.
				optional := len(b) > 0 && b[0] == '-'
				addr := strings.TrimPrefix(b, "-")
				s.log.Warn(fmt.Sprintf("Warning: Could not create server TCP listening socket %s:%d: %s", addr, s.cfg.Port, netErr(err)))
				var errno unix.Errno
				if errors.As(err, &errno) && (errno == unix.EADDRNOTAVAIL && optional ||
					errno == unix.ENOPROTOOPT || errno == unix.EPROTONOSUPPORT || errno == unix.ESOCKTNOSUPPORT ||
					errno == unix.EPFNOSUPPORT || errno == unix.EAFNOSUPPORT) {
					continue
				}
				s.closeListeners()
				l.Close()
				// The suites match this line.
				s.log.Warn(fmt.Sprintf("Failed listening on port %d (TCP), aborting.", s.cfg.Port))
				return startupLogged{fmt.Errorf("Could not create server TCP listening socket %s:%d: %w", addr, s.cfg.Port, err)}
			}
			s.listeners = append(s.listeners, fd)
		}
		if len(s.listeners) == 0 && s.cfg.UnixSocket == "" && s.cfg.TLSPort == 0 {
			l.Close()
			s.log.Warn("Configured to not listen anywhere, exiting.")
			return startupLogged{fmt.Errorf("no listening socket on port %d", s.cfg.Port)}
		}
	}
	if s.cfg.UnixSocket != "" {
		fd, err := listenUnix(s.cfg.UnixSocket, s.cfg.UnixSocketPerm, s.cfg.TCPBacklog)
		if err != nil {
			s.closeListeners()
			l.Close()
			return fmt.Errorf("Failed opening Unix socket %s: %w", s.cfg.UnixSocket, err)
		}
		s.unixFD = fd
	}
	for _, fd := range s.listeners {
		if err := s.loop.AddFile(fd, loop.Readable, s.onAccept, nil); err != nil {
			return err
		}
	}
	if s.unixFD >= 0 {
		s.loop.AddFile(s.unixFD, loop.Readable, s.onAcceptUnix, nil)
	}
	if err := s.startTLS(); err != nil { // tls.go
		s.closeListeners()
		l.Close()
		return err
	}
	if s.listening != nil {
		s.listening()
	}
	if err := s.setProcTitle(); err != nil {
		s.log.Debug("can't set the process title: " + err.Error())
	}
	// Redis's moduleLoadFromQueue: a loadmodule line that does not load aborts the
	// start. keygrid loads no module, so a configuration that needs one cannot run
	// as its author expects.
	if len(s.cfg.LoadModules) > 0 {
		path := s.cfg.LoadModules[0][0]
		s.log.Warn("Module " + path + " failed to load: " + moduleLoadError(path))
		s.log.Warn("Can't load module from " + path + ": server aborting")
		s.closeListeners()
		l.Close()
		return startupLogged{fmt.Errorf("loadmodule %s: keygrid does not load Redis modules", path)}
	}
	s.startTime = time.Now()
	s.statResetTime = s.startTime
	s.nowMs = s.startTime.UnixMilli()
	// The sockets are open before the dataset loads, as Redis's: clients that connect
	// meanwhile are served -LOADING (persist_loading.go) instead of being refused.
	s.persist.ld.atStartup = true
	err = s.loadDataAtStart()
	if err == nil {
		// With appendonly yes the AOF is the dataset instead (aof_load.go).
		err = s.aofLoadAtStart()
	}
	s.persist.ld.atStartup = false
	if errors.Is(err, errShutdownWhileLoading) {
		// SHUTDOWN during the load: the loop is stopped, Run finishes at once.
		return nil
	}
	if err != nil {
		for _, c := range s.clients {
			s.unlinkClient(c)
		}
		s.closeListeners()
		l.Close()
		return err
	}
	s.clusterListening()
	s.loop.SetBeforeSleep(s.beforeSleep)
	s.loop.SetAfterSleep(s.clusterAfterSleep) // cluster.go: the bus's stall check
	// No raw epoll wait here (loop.SetRawWait), unlike the proxy: measured for a node
	// serving 50 redis-benchmark clients directly (GET/SET/INCR, P1 and P16, CPU per
	// request from /proc/PID/stat, medians of 3 on the shared 2-core machine) it was no
	// clear win (16% less to 11% more CPU by test and run, within the spread), and PING p99/max
	// during back-to-back BGSAVEs was no better; pinned to one CPU (compare.sh) it is off
	// anyway (GOMAXPROCS 1). The proxy's gain came from its many short waits per batch.
	s.hz = max(s.cfg.Hz, 1)
	s.cronID = s.loop.Every(time.Second/time.Duration(s.hz), s.serverCron)
	return nil
}

func (s *Server) closeListeners() {
	for _, fd := range s.listeners {
		unix.Close(fd)
	}
	s.listeners = nil
	s.closeTLSListeners()
	if s.unixFD >= 0 {
		unix.Close(s.unixFD)
		os.Remove(s.cfg.UnixSocket)
		s.unixFD = -1
	}
}

// Run runs the event loop on the calling goroutine, locked to its thread, until
// Shutdown. Everything the server owns is touched only from here.
func (s *Server) Run() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	close(s.started)
	s.loop.Run()
	s.finish()
}

// Submit runs f on the loop goroutine. Safe from any goroutine; never blocks.
func (s *Server) Submit(f func()) { s.loop.Submit(f) }

// Shutdown asks the loop to stop (as SHUTDOWN NOSAVE would) and waits until it has.
// It is idempotent and safe from any goroutine.
func (s *Server) Shutdown() {
	s.shutdownOnce.Do(func() {
		s.loop.Submit(func() { s.loop.StopNow() })
	})
	<-s.done
}

// Done is closed when the loop has stopped and every socket is closed.
func (s *Server) Done() <-chan struct{} { return s.done }

func (s *Server) finish() {
	// A snapshot's writer goroutine (BGSAVE, a disk-based full sync, an AOF
	// rewrite) must not outlive the server: stop it and let its sink remove its
	// temp file, as Redis kills its child on exit.
	s.killAppendOnlyRewrite()
	s.abortSnapshot()
	if s.watchdog.stop != nil { // watchdog.go
		close(s.watchdog.stop)
		s.watchdog.stop = nil
	}
	s.syncTemps.stop() // repl_replica.go: full-sync files received but not loaded
	// Listeners first, as Redis closes its listening sockets before exiting: a
	// client that sees its connection close must find the port refusing (the
	// suite's "SHUTDOWN NOSAVE can kill a timedout script anyway").
	s.closeListeners()
	s.exiting = true
	for _, c := range s.clients {
		s.writeClient(c)
	}
	for _, c := range s.clients {
		s.unlinkClient(c)
	}
	s.clusterRelease() // cluster.go: the nodes.conf lock and MIGRATE connections
	s.loop.Close()
	close(s.done)
}

// Addr returns the first TCP listening address (useful with port 0 in tests).
func (s *Server) Addr() string {
	if len(s.listeners) == 0 {
		return ""
	}
	sa, err := unix.Getsockname(s.listeners[0])
	if err != nil {
		return ""
	}
	return sockaddrString(sa)
}

// beforeSleep runs before every wait for events: free clients that asked for it,
// expire a little, then write every pending reply.
func (s *Server) beforeSleep() {
	s.loopIterations++
	if len(s.closeASAP) > 0 {
		s.freeClientsASAP()
	}
	if s.activeExpire && s.expireStats.timeLimitHit {
		s.activeExpireCycle(true)
	}
	for _, h := range s.beforeSleepHooks {
		h()
	}
	s.handlePendingWrites()
	if len(s.closeASAP) > 0 {
		s.freeClientsASAP()
	}
	if s.cfg.MaxMemoryClients != 0 {
		s.evictClients() // client_evict.go: after the writes, as Redis's beforeSleep
	}
	s.publishMetrics()
	if s.cluster.st != nil {
		s.cluster.loopAsleep.Store(true) // the wait for events: until clusterAfterSleep
	}
}

// serverCron runs hz times a second: expiry, client timeouts, rehashing, stats.
func (s *Server) serverCron() {
	now := time.Now()
	s.resyncClock()
	s.nowMs = now.UnixMilli()
	s.cronLoops++
	s.lastCronTime = now
	s.adaptHz()
	if s.watchdog.period.Load() != 0 {
		s.watchdog.rearm() // watchdog.go
	}
	if s.cronPaused {
		return
	}
	if sig := s.sigPending; sig != 0 {
		s.sigPending = 0
		s.signalShutdown(sig)
	}
	if s.activeExpire {
		s.activeExpireCycle(false)
	}
	s.logCronStats() // client_log.go
	s.databasesCron()
	s.clientsCron()
	s.dropReplyBufs() // client.go
	s.pauseCron()
	if s.every(1000) {
		s.publishCommandStats()
		s.metrics.LoopMaxIterNanos.Store(int64(s.loop.BusyMax))
		s.loop.BusyMax = 0
	}
	s.infoCron()
	for _, h := range s.cronHooks {
		h()
	}
}

// adaptHz is serverCron's dynamic-hz: with more than 200 clients per tick the cron
// runs twice as often, and again, up to 500 times a second (CONFIG_MAX_HZ), so that
// clientsCron's share of the clients per call stays small; INFO's hz shows it.
func (s *Server) adaptHz() {
	hz := max(s.cfg.Hz, 1)
	if s.cfg.DynamicHz {
		for len(s.clients)/hz > 200 {
			if hz *= 2; hz > 500 {
				hz = 500
				break
			}
		}
	}
	if hz != s.hz {
		s.hz = hz
		s.loop.SetPeriod(s.cronID, time.Second/time.Duration(hz))
	}
}

// every runs f when the cron has run for ms milliseconds since the last time (Redis's
// run_with_period).
func (s *Server) every(ms int64) bool {
	period := int64(1000 / s.hz)
	return ms <= period || s.cronLoops%(ms/period) == 0
}

// databasesCron resizes tables that became sparse and moves rehashing forward.
func (s *Server) databasesCron() {
	for _, db := range s.dbs {
		db.cron(s.cfg.ActiveRehashing)
	}
}

// RequestShutdown asks for a shutdown as SIGTERM does (ShutdownSignal,
// repl_shutdown.go): the loop waits for lagging replicas, saves if configured and
// stops.
func (s *Server) RequestShutdown() { s.ShutdownSignal(unix.SIGTERM) }

// prepareShutdownAndStop stops the server: flush replies, run shutdown hooks (save,
// AOF fsync, telling replicas), then stop the loop.
func (s *Server) prepareShutdownAndStop(nosave, save bool) error {
	if s.persist.loading {
		nosave, save = true, false // a partial dataset is never saved (as Redis)
	}
	for _, h := range s.shutdownHooks {
		if err := h(nosave, save); err != nil {
			return err
		}
	}
	// As Redis's finishShutdown: a daemonized server without a pidfile directive
	// logs it too (its pidfile became the default one when it daemonized).
	if s.cfg.Daemonize || s.cfg.PidFile != "" {
		s.log.Info("Removing the pid file.")
		if s.cfg.PidFile != "" {
			os.Remove(s.cfg.ResolvePath(s.cfg.PidFile))
		}
	}
	s.log.Warn("Redis is now ready to exit, bye bye...")
	s.loop.StopNow()
	return nil
}

// listenError tells which step of opening a listening socket failed, for Redis's
// wording of it (anet.c: "creating socket: ...", "bind: ...", "listen: ...").
type listenError struct {
	step string
	err  error
}

func (e *listenError) Error() string { return e.step + ": " + e.err.Error() }
func (e *listenError) Unwrap() error { return e.err }

// netErr is err as anet.c words it in server.neterr: the step, then strerror.
func netErr(err error) string {
	var le *listenError
	if errors.As(err, &le) {
		return le.step + ": " + aofStrerror(le.err)
	}
	return err.Error()
}

func listenTCP(addr string, port, backlog int) (int, error) {
	optional := false
	if len(addr) > 0 && addr[0] == '-' {
		optional = true
		addr = addr[1:]
	}
	_ = optional
	var sa unix.Sockaddr
	family := unix.AF_INET
	switch addr {
	case "*", "0.0.0.0":
		sa = &unix.SockaddrInet4{Port: port}
	case "::*", "::":
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: port}
	default:
		ip := net.ParseIP(addr)
		if ip == nil {
			return -1, fmt.Errorf("invalid bind address %q", addr)
		}
		if ip4 := ip.To4(); ip4 != nil {
			a := &unix.SockaddrInet4{Port: port}
			copy(a.Addr[:], ip4)
			sa = a
		} else {
			family = unix.AF_INET6
			a := &unix.SockaddrInet6{Port: port}
			copy(a.Addr[:], ip.To16())
			sa = a
		}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, &listenError{"creating socket", err}
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if family == unix.AF_INET6 {
		unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, &listenError{"bind", err}
	}
	if backlog <= 0 {
		backlog = 511
	}
	if err := unix.Listen(fd, backlog); err != nil {
		unix.Close(fd)
		return -1, &listenError{"listen", err}
	}
	return fd, nil
}

func listenUnix(path string, perm int, backlog int) (int, error) {
	os.Remove(path)
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if perm != 0 {
		os.Chmod(path, os.FileMode(perm))
	}
	if backlog <= 0 {
		backlog = 511
	}
	if err := unix.Listen(fd, backlog); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func (s *Server) onAcceptUnix(lfd int, _ loop.Mask) {
	for i := 0; i < 1000; i++ {
		fd, sa, err := unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			if err != unix.EAGAIN && err != unix.EINTR && err != unix.ECONNABORTED {
				s.log.Warn("Accepting client connection: accept: " + config.Strerror(err))
			}
			return
		}
		s.acceptClient(fd, sa, true)
	}
}

func netIPString(b []byte) string { return net.IP(b).String() }

// countError records an error reply for INFO errorstats.
func (s *Server) countError(code string, cmd *Command) {
	s.stats.errorReplies++
	// One error code usually follows another (a client refused NOAUTH for a
	// whole pipeline): the last one's counter is kept at hand.
	if n := s.lastErrCount; n != nil && code == s.lastErrCode {
		*n++
		return
	}
	n, ok := s.errorStats[code]
	if !ok {
		if len(s.errorStats) >= 128 {
			// Redis caps distinct error codes at 128 and stops tracking new ones.
			return
		}
		n = new(int64)
		s.errorStats[code] = n
	}
	*n++
	s.lastErrCode, s.lastErrCount = code, n
}

// Metrics are figures the loop publishes for other goroutines (Prometheus) to read.
type Metrics struct {
	Commands       atomic.Int64
	Clients        atomic.Int64
	Keys           atomic.Int64
	ExpiredKeys    atomic.Int64
	EvictedKeys    atomic.Int64
	NetInput       atomic.Int64
	NetOutput      atomic.Int64
	LoopIterations atomic.Int64
	LastCronNanos  atomic.Int64
	UsedMemory     atomic.Int64
	// LoopBusyNanos is the event loop's total working time; LoopMaxIterNanos the
	// longest single iteration in the last second (a stall indicator).
	LoopBusyNanos    atomic.Int64
	LoopMaxIterNanos atomic.Int64
	KeyspaceHits     atomic.Int64
	KeyspaceMisses   atomic.Int64
	KeysPerDB        [16]atomic.Int64
	// Replica is true while the node replicates a master (the log lines' role mark).
	Replica  atomic.Bool
	mu       sync.Mutex
	cmdCalls map[string]CmdStats
}

// MetricsSnapshot is read by the metrics exporter.
func (s *Server) Metrics() *Metrics { return &s.metrics }

// CommandStats returns a copy of the per-command counters published by the loop.
func (m *Metrics) CommandStats() map[string]CmdStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]CmdStats, len(m.cmdCalls))
	for k, v := range m.cmdCalls {
		out[k] = v
	}
	return out
}

// publishMetrics stores figures in atomics. Cheap counters every iteration, the rest
// at most ten times a second.
func (s *Server) publishMetrics() {
	m := &s.metrics
	m.LoopBusyNanos.Store(int64(s.loop.BusyTotal))
	m.Commands.Store(s.stats.numCommands)
	m.LoopIterations.Store(s.loopIterations)
	if s.loopIterations%64 != 0 {
		return
	}
	m.Clients.Store(int64(len(s.clients)))
	m.ExpiredKeys.Store(s.stats.expiredKeys)
	m.EvictedKeys.Store(s.stats.evictedKeys)
	m.NetInput.Store(s.stats.netInput)
	m.NetOutput.Store(s.stats.netOutput)
	m.KeyspaceHits.Store(s.stats.keyspaceHits)
	m.KeyspaceMisses.Store(s.stats.keyspaceMisses)
	m.Replica.Store(s.isReplica())
	var keys int64
	for i, db := range s.dbs {
		n := int64(db.Len())
		keys += n
		if i < len(m.KeysPerDB) {
			m.KeysPerDB[i].Store(n)
		}
	}
	m.Keys.Store(keys)
}

// publishCommandStats copies per-command counters for the exporter (cron).
func (s *Server) publishCommandStats() {
	m := &s.metrics
	m.mu.Lock()
	if m.cmdCalls == nil {
		m.cmdCalls = make(map[string]CmdStats)
	}
	for _, cmd := range s.commands.all {
		if cmd.stats.Calls > 0 || cmd.stats.Rejected > 0 {
			m.cmdCalls[cmd.Name] = cmd.stats
		}
	}
	m.mu.Unlock()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
