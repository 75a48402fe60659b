package engine

// CONFIG GET / SET / RESETSTAT / REWRITE / HELP (Redis's config.c commands) on top of
// engine/config, which owns parsing, formatting and the rewrite. This file owns what
// the engine does when a directive it uses at run time changes: the cron frequency,
// the log level, listening sockets, the open-files limit, the slow log length,
// request limits.

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/loop"
	"go.uber.org/zap/zapcore"
	"golang.org/x/sys/unix"
)

var configCommands = []*Command{
	{Name: "config", Arity: -2,
		Group: "server", Since: "2.0.0", Complexity: "Depends on subcommand.",
		Summary: "A container for server configuration commands",
		Subs: []*Command{
			{Name: "get", Arity: -3, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
				Group: "server", Since: "2.0.0", Complexity: "O(N) when N is the number of configuration parameters provided",
				Summary: "Get the values of configuration parameters",
				Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Added the ability to pass multiple pattern parameters in one call"}}, Args: []Arg{
					{Name: "parameter", Type: "block", Multiple: true, Args: []Arg{
						{Name: "parameter", Type: "string"},
					}},
				}},
				Proc: configGetCommand},
			{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale,
				Group: "server", Since: "5.0.0", Complexity: "O(1)",
				Summary: "Show helpful text about the different subcommands",
				Proc:    configHelpCommand},
			{Name: "resetstat", Arity: 2, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
				Group: "server", Since: "2.0.0", Complexity: "O(1)",
				Summary: "Reset the stats returned by INFO",
				Proc:    configResetstatCommand},
			{Name: "rewrite", Arity: 2, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
				Group: "server", Since: "2.8.0", Complexity: "O(1)",
				Summary: "Rewrite the configuration file with the in memory configuration",
				Proc:    configRewriteCommand},
			{Name: "set", Arity: -4, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
				Group: "server", Since: "2.0.0", Complexity: "O(N) when N is the number of configuration parameters provided",
				Summary: "Set configuration parameters to the given values",
				Tips:    []string{"request_policy:all_nodes", "response_policy:all_succeeded"},
				Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Added the ability to set multiple parameters in one call."}}, Args: []Arg{
					{Name: "parameter_value", Type: "block", Multiple: true, Args: []Arg{
						{Name: "parameter", Type: "string"},
						{Name: "value", Type: "string"},
					}},
				}},
				Proc: configSetCommand},
		},
	},
}

// CONFIG GET parameter [parameter ...]
func configGetCommand(c *Client) {
	patterns := make([]string, len(c.argv)-2)
	for i, a := range c.argv[2:] {
		patterns[i] = string(a)
	}
	pairs := c.srv.cfg.Get(patterns)
	c.ReplyMap(len(pairs))
	for _, p := range pairs {
		c.ReplyBulkString(p[0])
		c.ReplyBulkString(p[1])
	}
}

// CONFIG SET parameter value [parameter value ...]
func configSetCommand(c *Client) {
	s := c.srv
	if len(c.argv)%2 != 0 {
		c.ReplyError(ErrSyntax)
		return
	}
	pairs := make([][2]string, 0, (len(c.argv)-2)/2)
	for i := 2; i < len(c.argv); i += 2 {
		name := string(c.argv[i])
		// Redact before anything can fail, so that no error path logs a password.
		if info, ok := config.Lookup(name); ok && info.Sensitive {
			c.redactArg(i + 1)
		}
		pairs = append(pairs, [2]string{name, string(c.argv[i+1])})
	}
	if s.configSetDeniedLoading(c.argv) { // persist_loading.go
		c.ReplyError(errLoading)
		return
	}
	old := s.cfg.Clone()
	changed, err := s.cfg.SetWith(pairs, config.SetOptions{LocalClient: c.isLocal()})
	if err != nil {
		c.ReplyError(err.Error())
		return
	}
	if err := s.applyConfig(old, changed); err != nil {
		// Undo everything, as Redis's restoreBackupConfig, and re-apply the old values.
		s.log.Warn("Failed applying new configuration. Restoring previous settings.")
		*s.cfg = *old
		s.applyConfig(nil, changed)
		c.ReplyError(err.Error())
		return
	}
	c.ReplyOK()
}

// isLocal reports whether c is connected over a unix socket or from 127.0.0.1 or ::1
// (enable-protected-configs / enable-debug-command "local"), as Redis 7.0's
// islocalClient: other loopback addresses such as 127.0.0.2 are not local.
func (c *Client) isLocal() bool {
	if c.flags&flagUnixSocket != 0 {
		return true
	}
	host, _, err := net.SplitHostPort(c.addr)
	return err == nil && (host == "127.0.0.1" || host == "::1")
}

// applyConfig makes the engine follow the directives CONFIG SET changed; old is the
// configuration before (nil when restoring after a failure, where errors are
// ignored). It returns the first failure in Redis's CONFIG SET wording.
func (s *Server) applyConfig(old *config.Config, changed []string) error {
	has := func(name string) bool { return containsString(changed, name) }
	if has("hz") && s.loop != nil {
		s.hz = max(s.cfg.Hz, 1)
		s.loop.SetPeriod(s.cronID, time.Second/time.Duration(s.hz))
	}
	if has("maxclients") {
		if got, _ := adjustOpenFilesLimit(s.cfg.MaxClients); got < s.cfg.MaxClients && old != nil {
			s.log.Warn("maxclients reduced to compensate for a low open files limit: " + strconv.Itoa(got))
			return config.SetError("maxclients", "The operating system is not able to handle the specified number of clients, try with "+strconv.Itoa(got))
		}
	}
	if has("loglevel") {
		s.applyLogLevel()
	}
	if has("slowlog-max-len") {
		s.slowlogTrim()
	}
	if has("proto-max-bulk-len") {
		// The limit applies to requests parsed from now on, on every connection.
		for _, c := range s.clients {
			c.req.MaxBulk = s.cfg.ProtoMaxBulkLen
		}
	}
	// When restoring after a failed change, the listeners may never have moved.
	if (has("port") || has("bind")) && s.loop != nil && (old != nil || s.listeningPort() != s.cfg.Port) {
		if err := s.rebindListeners(); err != nil && old != nil {
			if has("port") && (!has("bind") || old.Port != s.cfg.Port) {
				return config.SetError("port", "Unable to listen on this port. Check server logs.")
			}
			return config.SetError("bind", "Failed to bind to specified addresses.")
		}
	}
	for _, h := range s.configApplyHooks {
		if err := h(changed); err != nil && old != nil {
			return err
		}
	}
	return nil
}

// ZapLevel is the zap level that logs what Redis's loglevel directive asks for:
// verbose is zap's debug and debug the level below it (debugLevel), notice is info,
// warning is warn, and nothing (Redis 7.2) is above every level. ok is false for any
// other name.
func ZapLevel(loglevel string) (lvl zapcore.Level, ok bool) {
	switch strings.ToLower(loglevel) {
	case "debug":
		return debugLevel, true
	case "verbose":
		return zapcore.DebugLevel, true
	case "notice", "":
		return zapcore.InfoLevel, true
	case "warning":
		return zapcore.WarnLevel, true
	case "nothing":
		return zapcore.FatalLevel + 1, true
	}
	return zapcore.InfoLevel, false
}

// applyLogLevel sets the logger's level from the loglevel directive, when the server
// was given the level (Options.LogLevel).
func (s *Server) applyLogLevel() {
	if s.logLvl == nil {
		return
	}
	if lvl, ok := ZapLevel(s.cfg.LogLevel); ok {
		s.logLvl.SetLevel(lvl)
	}
}

// reservedFDs are the descriptors Redis keeps for itself beyond maxclients
// (CONFIG_MIN_RESERVED_FDS): listeners, log and persistence files.
const reservedFDs = 32

// adjustOpenFilesLimit raises RLIMIT_NOFILE to maxclients plus the reserved
// descriptors as Redis's adjustOpenFilesLimit does: when the full amount is refused
// it settles for the highest limit it can get, stepping down by 16, and returns the
// number of clients that limit allows, with the error of a refused attempt.
func adjustOpenFilesLimit(maxclients int) (int, error) {
	want := uint64(maxclients) + reservedFDs
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return maxclients, nil // cannot tell: assume it fits
	}
	if lim.Cur >= want {
		return maxclients, nil
	}
	var refused error
	try := func(n uint64) bool {
		l := unix.Rlimit{Cur: n, Max: max(lim.Max, n)}
		err := unix.Setrlimit(unix.RLIMIT_NOFILE, &l)
		if err != nil {
			refused = err
		}
		return err == nil
	}
	if try(want) {
		return maxclients, nil
	}
	// The limits that can be set form a prefix of want, want-16, want-32, ...:
	// binary search it instead of Redis's linear walk.
	lo, hi := uint64(0), (want-lim.Cur)/16 // steps down from want
	for lo < hi {
		mid := (lo + hi) / 2
		if try(want - mid*16) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	best := want - lo*16
	if best < lim.Cur || !try(best) {
		best = lim.Cur
		try(best)
	}
	return int(best) - reservedFDs, refused
}

// openFilesAtStart is Redis's adjustOpenFilesLimit as its initServer runs it, with
// its lines: the limit raised to maxclients plus the reserved descriptors, or else
// maxclients lowered to what the limit allows (so that a client past it is refused
// with "max number of clients reached", not left in the backlog by an accept that
// fails with EMFILE), and a limit too low for any client an error. (The Go runtime
// has already raised the soft limit to the hard one, so Redis's "Increased maximum
// number of open files" line shows only when the hard limit itself was raised.)
func (s *Server) openFilesAtStart() error {
	want := uint64(s.cfg.MaxClients) + reservedFDs
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		s.log.Warn("Unable to obtain the current NOFILE limit (" + config.Strerror(err) + "), assuming 1024 and setting the max clients configuration accordingly.")
		s.cfg.MaxClients = 1024 - reservedFDs
		return nil
	}
	if lim.Cur >= want {
		return nil
	}
	got, err := adjustOpenFilesLimit(s.cfg.MaxClients)
	if got >= s.cfg.MaxClients {
		s.log.Info(fmt.Sprintf("Increased maximum number of open files to %d (it was originally set to %d).", want, lim.Cur))
		return nil
	}
	best := got + reservedFDs
	if best <= reservedFDs {
		s.log.Warn(fmt.Sprintf("Your current 'ulimit -n' of %d is not enough for the server to start. Please increase your open file limit to at least %d. Exiting.", lim.Cur, want))
		return startupLogged{fmt.Errorf("the open files limit %d is below %d", lim.Cur, reservedFDs+1)}
	}
	s.log.Warn(fmt.Sprintf("You requested maxclients of %d requiring at least %d max file descriptors.", s.cfg.MaxClients, want))
	why := "Success"
	if err != nil {
		why = config.Strerror(err)
	}
	s.log.Warn(fmt.Sprintf("Server can't set maximum open files to %d because of OS error: %s.", want, why))
	s.cfg.MaxClients = got
	s.log.Warn(fmt.Sprintf("Current maximum open files is %d. maxclients has been reduced to %d to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.", best, got))
	return nil
}

// rebindListeners closes the listeners and opens new ones for the current port
// and bind addresses (Redis's changeListenPort): the old ones go first, since the
// new addresses may be the same ones ("bind *" again). On failure there are none;
// CONFIG SET restores the old settings and calls it again. An empty bind list
// listens on no TCP address.
func (s *Server) rebindListeners() error {
	for _, fd := range s.listeners {
		s.loop.DelFile(fd, loop.Readable)
		unix.Close(fd)
	}
	s.listeners = nil
	var fds []int
	if s.cfg.Port != 0 {
		for _, b := range s.cfg.Bind {
			fd, err := listenTCP(b, s.cfg.Port, s.cfg.TCPBacklog)
			if err != nil {
				if len(b) > 0 && b[0] == '-' {
					continue
				}
				s.log.Warn("Could not create server TCP listening socket " + b + ":" + strconv.Itoa(s.cfg.Port) + ": " + err.Error())
				for _, fd := range fds {
					unix.Close(fd)
				}
				return err
			}
			fds = append(fds, fd)
		}
	}
	s.listeners = fds
	for _, fd := range fds {
		s.loop.AddFile(fd, loop.Readable, s.onAccept, nil)
	}
	return nil
}

// listeningPort is the port of the first TCP listener, 0 when there is none.
func (s *Server) listeningPort() int {
	addr := s.Addr() // "ip:port", IPv6 addresses without brackets
	n, _ := strconv.Atoi(addr[strings.LastIndexByte(addr, ':')+1:])
	return n
}

// CONFIG RESETSTAT
func configResetstatCommand(c *Client) {
	c.srv.resetStats()
	c.ReplyOK()
}

// resetStats zeroes what INFO stats, commandstats and errorstats count (Redis's
// resetServerStats, resetCommandTableStats and resetErrorTableStats).
func (s *Server) resetStats() {
	s.stats = serverStats{}
	s.expireStats.stalePerc = 0
	for _, cmd := range s.commands.all {
		cmd.stats = CmdStats{}
		cmd.latency = nil
	}
	clear(s.errorStats)
	s.lastErrCode, s.lastErrCount = "", nil
	s.info.reset()
	s.statResetTime = time.Now()
	for _, h := range s.resetStatHooks {
		h()
	}
}

// CONFIG REWRITE
func configRewriteCommand(c *Client) {
	s := c.srv
	for _, h := range s.beforeRewriteHooks {
		h()
	}
	if err := s.cfg.Rewrite(s.cfgPath); err != nil {
		s.log.Warn("CONFIG REWRITE failed: " + err.Error())
		c.ReplyError(err.Error())
		return
	}
	s.log.Info("CONFIG REWRITE executed with success.")
	c.ReplyOK()
}

// CONFIG HELP
func configHelpCommand(c *Client) {
	c.replyHelp([]string{
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
		"REWRITE",
		"    Rewrite the configuration file.",
	})
}
