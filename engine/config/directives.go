// directives.go: the table of every directive keygrid accepts: Redis 7.0's
// (as built with TLS) plus keygrid's own. One entry per directive: name,
// flags, bounds or words, default, the field it lives in, and its alias.
// Each default is Redis 7.0's (from its config.c table) unless marked
// keygrid; the comment says why it is what it is.

package config

import "strings"

// Enum words, in Redis's order (the order its error messages list them).
var (
	maxmemoryPolicyWords = words("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
		"allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction")
	syslogFacilityWords = words("user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7")
	loglevelWords       = words("debug", "verbose", "notice", "warning")
	supervisedWords     = words("upstart", "systemd", "auto", "no")
	appendfsyncWords    = words("everysec", "always", "no")
	disklessLoadWords   = words("disabled", "on-empty-db", "swapdb")
	tlsAuthClientsWords = words("no", "yes", "optional")
	// "yes" and "relative" are one mode; Redis reports it as "yes".
	oomScoreAdjWords      = []enumWord{{"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}}
	aclPubsubDefaultWords = words("allchannels", "resetchannels")
	sanitizeDumpWords     = words("no", "yes", "clients")
	protectedActionWords  = words("no", "yes", "local")
	endpointTypeWords     = words("ip", "hostname", "unknown-endpoint")
	propagationErrorWords = words("ignore", "panic", "panic-on-replicas")
	shutdownOnSignalWords = []enumWord{{"default", 0}, {"save", int(ShutdownSave)}, {"nosave", int(ShutdownNoSave)}, {"now", int(ShutdownNow)}, {"force", int(ShutdownForce)}}
)

// specs is every directive, in the order CONFIG GET and CONFIG REWRITE walk them.
var specs = []*spec{
	// ---- network ----
	// IANA-registered Redis port.
	integer("port", 0, 0, 65535, 6379, func(c *Config) *int { return &c.Port }),
	bindSpec,
	// The kernel picks.
	str("bind-source-addr", nullable, "", func(c *Config) *string { return &c.BindSourceAddr }, nil),
	// An open server without a password is refused to the network.
	boolean("protected-mode", 0, true, func(c *Config) *bool { return &c.ProtectedMode }, nil),
	// High enough for bursts of connects; Linux caps it at somaxconn.
	integer("tcp-backlog", immutable, 0, intMax, 511, func(c *Config) *int { return &c.TCPBacklog }),
	// Detects dead peers within minutes, cheap.
	integer("tcp-keepalive", 0, 0, intMax, 300, func(c *Config) *int { return &c.TCPKeepalive }),
	// Idle clients are kept: pools keep connections open.
	integer("timeout", 0, 0, intMax, 0, func(c *Config) *int { return &c.Timeout }),
	// No Unix socket unless asked.
	str("unixsocket", immutable|nullable, "", func(c *Config) *string { return &c.UnixSocket }, nil),
	// 0: leave the umask's permissions.
	number(kindOctal, "unixsocketperm", immutable|unsigned, 0, 0o777, 0, func(c *Config) *int { return &c.UnixSocketPerm }),
	// No SO_MARK.
	integer("socket-mark-id", immutable|unsigned, 0, uintMax, 0, func(c *Config) *int { return &c.SocketMarkID }),
	// Fits a common 10032-file limit with Redis's 32 reserved descriptors.
	integer("maxclients", unsigned, 1, uintMax, 10000, func(c *Config) *int { return &c.MaxClients }),

	// ---- general ----
	// Enough logical databases for most setups, cheap when empty.
	integer("databases", immutable, 1, intMax, 16, func(c *Config) *int { return &c.Databases }),
	// CONFIG_DEFAULT_HZ: timely expiry and timeouts at little idle CPU.
	integer("hz", 0, 0, intMax, 10, func(c *Config) *int { return &c.Hz }).then(clampHz),
	// Many clients need a faster cron to time them out promptly.
	boolean("dynamic-hz", 0, true, func(c *Config) *bool { return &c.DynamicHz }, nil),
	dirSpec,
	// Stay in the foreground, for supervisors and containers.
	boolean("daemonize", immutable, false, func(c *Config) *bool { return &c.Daemonize }, nil),
	// No supervisor handshake unless asked.
	enum("supervised", immutable, supervisedWords, "no", func(c *Config) *string { return &c.Supervised }),
	// None: with daemonize Redis falls back to /var/run/redis.pid.
	str("pidfile", immutable|nullable, "", func(c *Config) *string { return &c.PidFile }, nil),
	// What an operator needs in production, not more.
	enum("loglevel", 0, loglevelWords, "notice", func(c *Config) *string { return &c.LogLevel }),
	// "": standard output.
	str("logfile", immutable, "", func(c *Config) *string { return &c.LogFile }, nil),
	// Logging goes to logfile only.
	boolean("syslog-enabled", immutable, false, func(c *Config) *bool { return &c.SyslogEnabled }, nil),
	// The program name syslog shows (Redis's).
	str("syslog-ident", immutable, "redis", func(c *Config) *string { return &c.SyslogIdent }, nil),
	// The facility for local daemons.
	enum("syslog-facility", immutable, syslogFacilityWords, "local0", func(c *Config) *string { return &c.SyslogFacility }),
	// The logo only on a terminal.
	boolean("always-show-logo", immutable, false, func(c *Config) *bool { return &c.AlwaysShowLogo }, nil),
	// Ps shows the address served.
	boolean("set-proc-title", immutable, true, func(c *Config) *bool { return &c.SetProcTitle }, nil),
	// CONFIG_DEFAULT_PROC_TITLE_TEMPLATE.
	str("proc-title-template", 0, "{title} {listen-addr} {server-mode}", func(c *Config) *string { return &c.ProcTitleTemplate }, validProcTitle),
	// A stack trace in the log helps bug reports.
	boolean("crash-log-enabled", 0, true, func(c *Config) *bool { return &c.CrashLogEnabled }, nil),
	// Tells hardware faults from bugs.
	boolean("crash-memcheck-enabled", 0, true, func(c *Config) *bool { return &c.CrashMemcheckEnabled }, nil),
	// Test hook, off.
	boolean("use-exit-on-panic", hidden, false, func(c *Config) *bool { return &c.UseExitOnPanic }, nil),
	// Debugging aid, off.
	integer("watchdog-period", hidden, 0, intMax, 0, func(c *Config) *int { return &c.WatchdogPeriod }),
	// Single-threaded I/O unless tuned.
	integer("io-threads", immutable, 1, 128, 1, func(c *Config) *int { return &c.IOThreads }),
	// Threads only write unless asked.
	boolean("io-threads-do-reads", immutable, false, func(c *Config) *bool { return &c.IOThreadsDoReads }, nil),
	// No CPU pinning unless asked.
	str("server_cpulist", immutable|nullable, "", func(c *Config) *string { return &c.ServerCPUList }, nil),
	// No pinning of background I/O threads.
	str("bio_cpulist", immutable|nullable, "", func(c *Config) *string { return &c.BioCPUList }, nil),
	// No pinning of the AOF rewrite worker.
	str("aof_rewrite_cpulist", immutable|nullable, "", func(c *Config) *string { return &c.AOFRewriteCPUList }, nil),
	// No pinning of the snapshot worker.
	str("bgsave_cpulist", immutable|nullable, "", func(c *Config) *string { return &c.BgsaveCPUList }, nil),
	// Huge pages make copy-on-write and latency worse.
	boolean("disable-thp", immutable, true, func(c *Config) *bool { return &c.DisableTHP }, nil),
	// Redis's default; no effect in keygrid.
	boolean("jemalloc-bg-thread", 0, true, func(c *Config) *bool { return &c.JemallocBgThread }, nil),
	// Leave the OOM score alone unless asked.
	enum("oom-score-adj", 0, oomScoreAdjWords, "no", func(c *Config) *string { return &c.OOMScoreAdj }),
	oomScoreAdjValuesSpec,
	// Every start-up warning is shown.
	str("ignore-warnings", 0, "", func(c *Config) *string { return &c.IgnoreWarnings }, nil),
	// Time for replicas to catch up before exit.
	integer("shutdown-timeout", 0, 0, intMax, 10, func(c *Config) *int { return &c.ShutdownTimeout }),
	// Plain SHUTDOWN: save if save points are set.
	flagSet("shutdown-on-sigint", 0, shutdownOnSignalWords, 0, func(c *Config) *ShutdownFlags { return &c.ShutdownOnSigint }, validShutdownFlags),
	// Likewise.
	flagSet("shutdown-on-sigterm", 0, shutdownOnSignalWords, 0, func(c *Config) *ShutdownFlags { return &c.ShutdownOnSigterm }, validShutdownFlags),
	// Dir and dbfilename are attack vectors: CONFIG SET may not change them.
	enum("enable-protected-configs", immutable, protectedActionWords, "no", func(c *Config) *string { return &c.EnableProtectedConfigs }),
	// DEBUG can crash or stall the server.
	enum("enable-debug-command", immutable, protectedActionWords, "no", func(c *Config) *string { return &c.EnableDebugCommand }),
	// MODULE LOAD runs arbitrary code.
	enum("enable-module-command", immutable, protectedActionWords, "no", func(c *Config) *string { return &c.EnableModuleCommand }),
	// Keygrid: no metrics listener unless asked.
	// keygrid's own directives are hidden from CONFIG GET patterns (exact names
	// still work), so CONFIG GET * lists Redis's set: tools that set back every
	// directive they read (Redis's "CONFIG sanity" test) meet no unknown immutable one.
	integer("metrics-port", immutable|hidden, 0, 65535, 0, func(c *Config) *int { return &c.MetricsPort }),

	// ---- security ----
	// No password, protected-mode guards instead.
	str("requirepass", sensitive|nullable, "", func(c *Config) *string { return &c.RequirePass }, nil),
	// Users come from the config file.
	str("aclfile", immutable, "", func(c *Config) *string { return &c.ACLFile }, nil),
	// Enough recent denials to debug, bounded memory.
	integer("acllog-max-len", 0, 0, longMax, 128, func(c *Config) *int64 { return &c.ACLLogMaxLen }),
	// New users get no channels (changed in Redis 7).
	enum("acl-pubsub-default", 0, aclPubsubDefaultWords, "resetchannels", func(c *Config) *string { return &c.ACLPubsubDefault }),

	// ---- clients and limits ----
	outputBufferLimitSpec,
	// 1 GB: big pipelines pass, runaway clients do not.
	memory("client-query-buffer-limit", unsigned, 1<<20, longMax, 1<<30, func(c *Config) *int64 { return &c.ClientQueryBufferLimit }),
	// 512 MB, the largest string value.
	memory("proto-max-bulk-len", 0, 1<<20, longMax, 512<<20, func(c *Config) *int64 { return &c.ProtoMaxBulkLen }),
	// Client eviction off.
	number(kindMemoryPercent, "maxmemory-clients", 0, -100, longMax, 0, func(c *Config) *int64 { return &c.MaxMemoryClients }),
	// A million tracked keys bounds the table.
	integer("tracking-table-max-keys", unsigned, 0, longMax, 1000000, func(c *Config) *int64 { return &c.TrackingTableMaxKeys }),
	// 5 s before others get BUSY.
	integer("busy-reply-threshold", 0, 0, longMax, 5000, func(c *Config) *int64 { return &c.BusyReplyThreshold }).aka("lua-time-limit"),

	// ---- memory management ----
	// No limit (Redis allows up to 2^64-1; keygrid int64).
	memory("maxmemory", unsigned, 0, llongMax, 0, func(c *Config) *int64 { return &c.MaxMemory }),
	// Never lose data silently: writes fail instead.
	enum("maxmemory-policy", 0, maxmemoryPolicyWords, "noeviction", func(c *Config) *string { return &c.MaxMemoryPolicy }),
	// Good LRU approximation at low CPU.
	integer("maxmemory-samples", 0, 1, intMax, 5, func(c *Config) *int { return &c.MaxMemorySamples }),
	// Bounded eviction latency per command.
	integer("maxmemory-eviction-tenacity", 0, 0, 100, 10, func(c *Config) *int { return &c.MaxMemoryEvictionTenacity }),
	// The counter saturates around a million hits.
	integer("lfu-log-factor", 0, 0, intMax, 10, func(c *Config) *int { return &c.LFULogFactor }),
	// Halve the counter every minute idle.
	integer("lfu-decay-time", 0, 0, intMax, 1, func(c *Config) *int { return &c.LFUDecayTime }),
	// The least CPU spent on expiry.
	integer("active-expire-effort", 0, 1, 10, 1, func(c *Config) *int { return &c.ActiveExpireEffort }),
	// Redis 7.0 frees synchronously by default.
	boolean("lazyfree-lazy-eviction", 0, false, func(c *Config) *bool { return &c.LazyfreeLazyEviction }, nil),
	// Synchronous: expiry frees small values faster inline.
	boolean("lazyfree-lazy-expire", 0, false, func(c *Config) *bool { return &c.LazyfreeLazyExpire }, nil),
	// Synchronous, as in Redis 7.0.
	boolean("lazyfree-lazy-server-del", 0, false, func(c *Config) *bool { return &c.LazyfreeLazyServerDel }, nil),
	// DEL stays synchronous, as clients expect; UNLINK is the lazy one.
	boolean("lazyfree-lazy-user-del", 0, false, func(c *Config) *bool { return &c.LazyfreeLazyUserDel }, nil),
	// FLUSHALL/FLUSHDB stay synchronous unless ASYNC is given.
	boolean("lazyfree-lazy-user-flush", 0, false, func(c *Config) *bool { return &c.LazyfreeLazyUserFlush }, nil),
	// Give memory back from idle dictionaries.
	boolean("activerehashing", 0, true, func(c *Config) *bool { return &c.ActiveRehashing }, nil),
	// Off (and cannot be turned on).
	boolean("activedefrag", 0, false, func(c *Config) *bool { return &c.ActiveDefrag }, validActiveDefrag),
	// Ignore less than 100 MB of waste.
	memory("active-defrag-ignore-bytes", unsigned, 1, llongMax, 100<<20, func(c *Config) *int64 { return &c.ActiveDefragIgnoreBytes }),
	// Start at 10% fragmentation.
	integer("active-defrag-threshold-lower", 0, 0, 1000, 10, func(c *Config) *int { return &c.ActiveDefragThresholdLower }),
	// Full effort at 100%.
	integer("active-defrag-threshold-upper", 0, 0, 1000, 100, func(c *Config) *int { return &c.ActiveDefragThresholdUpper }),
	// 1% CPU at the lower threshold.
	integer("active-defrag-cycle-min", 0, 1, 99, 1, func(c *Config) *int { return &c.ActiveDefragCycleMin }),
	// 25% CPU at the upper threshold.
	integer("active-defrag-cycle-max", 0, 1, 99, 25, func(c *Config) *int { return &c.ActiveDefragCycleMax }),
	// Larger collections are done in their own pass.
	integer("active-defrag-max-scan-fields", 0, 1, longMax, 1000, func(c *Config) *int64 { return &c.ActiveDefragMaxScanFields }),

	// ---- compact encodings: small collections stay compact, large ones get fast structures ----
	integer("hash-max-listpack-entries", unsigned, 0, longMax, 512, func(c *Config) *int64 { return &c.HashMaxListpackEntries }).aka("hash-max-ziplist-entries"),
	// Fields up to 64 bytes keep a hash compact.
	memory("hash-max-listpack-value", unsigned, 0, longMax, 64, func(c *Config) *int64 { return &c.HashMaxListpackValue }).aka("hash-max-ziplist-value"),
	// 8 KiB nodes.
	integer("list-max-listpack-size", 0, intMin, intMax, -2, func(c *Config) *int { return &c.ListMaxListpackSize }).aka("list-max-ziplist-size"),
	// No compression: CPU over memory.
	integer("list-compress-depth", 0, 0, intMax, 0, func(c *Config) *int { return &c.ListCompressDepth }),
	// Integer sets up to 512 members stay an intset.
	integer("set-max-intset-entries", unsigned, 0, longMax, 512, func(c *Config) *int64 { return &c.SetMaxIntsetEntries }),
	// Sorted sets up to 128 members stay compact.
	integer("zset-max-listpack-entries", unsigned, 0, longMax, 128, func(c *Config) *int64 { return &c.ZsetMaxListpackEntries }).aka("zset-max-ziplist-entries"),
	// Members up to 64 bytes keep a sorted set compact.
	memory("zset-max-listpack-value", unsigned, 0, longMax, 64, func(c *Config) *int64 { return &c.ZsetMaxListpackValue }).aka("zset-max-ziplist-value"),
	// Past ~3 KB the dense form is as small and faster.
	memory("hll-sparse-max-bytes", unsigned, 0, longMax, 3000, func(c *Config) *int64 { return &c.HLLSparseMaxBytes }),
	// One page per node.
	memory("stream-node-max-bytes", unsigned, 0, longMax, 4096, func(c *Config) *int64 { return &c.StreamNodeMaxBytes }),
	// 100 entries per node keeps XRANGE scans short.
	integer("stream-node-max-entries", 0, 0, llongMax, 100, func(c *Config) *int64 { return &c.StreamNodeMaxEntries }),

	// ---- snapshots ----
	saveSpec,
	// Make a failing disk visible to clients.
	boolean("stop-writes-on-bgsave-error", 0, true, func(c *Config) *bool { return &c.StopWritesOnBgsaveError }, nil),
	// LZF is cheap and saves disk.
	boolean("rdbcompression", 0, true, func(c *Config) *bool { return &c.RDBCompression }, nil),
	// Detect corrupt snapshots, ~10% save cost.
	boolean("rdbchecksum", immutable, true, func(c *Config) *bool { return &c.RDBChecksum }, nil),
	// Redis's file name, so existing files load.
	str("dbfilename", protected, "dump.rdb", func(c *Config) *string { return &c.DBFilename }, validDBFilename),
	// Keep files: they may be backups.
	boolean("rdb-del-sync-files", 0, false, func(c *Config) *bool { return &c.RDBDelSyncFiles }, nil),
	// Avoid one huge fsync stall.
	boolean("rdb-save-incremental-fsync", 0, true, func(c *Config) *bool { return &c.RDBSaveIncrementalFsync }, nil),
	// Deep checks cost RESTORE time.
	enum("sanitize-dump-payload", 0, sanitizeDumpWords, "no", func(c *Config) *string { return &c.SanitizeDumpPayload }),
	// Test hook, off.
	integer("rdb-key-save-delay", hidden, intMin, intMax, 0, func(c *Config) *int { return &c.RDBKeySaveDelay }),
	// Test hook, off.
	integer("key-load-delay", hidden, intMin, intMax, 0, func(c *Config) *int { return &c.KeyLoadDelay }),
	// Serve events every 2 MB loaded.
	integer("loading-process-events-interval-bytes", hidden, 1024, intMax, 2<<20, func(c *Config) *int64 { return &c.LoadingProcessEventsIntervalBytes }),

	// ---- append-only file ----
	// Snapshots only unless asked.
	boolean("appendonly", denyLoading, false, func(c *Config) *bool { return &c.AppendOnly }, nil),
	// Redis's names, so existing files load.
	str("appendfilename", immutable, "appendonly.aof", func(c *Config) *string { return &c.AppendFilename }, validAOFFilename),
	// Redis 7's multi-part AOF directory name.
	str("appenddirname", immutable, "appendonlydir", func(c *Config) *string { return &c.AppendDirname }, validAOFDirname),
	// Lose at most a second, at little cost.
	enum("appendfsync", 0, appendfsyncWords, "everysec", func(c *Config) *string { return &c.AppendFsync }),
	// Durability first.
	boolean("no-appendfsync-on-rewrite", 0, false, func(c *Config) *bool { return &c.NoAppendfsyncOnRewrite }, nil),
	// Rewrite when the AOF doubled.
	integer("auto-aof-rewrite-percentage", 0, 0, intMax, 100, func(c *Config) *int { return &c.AutoAOFRewritePercentage }),
	// Small AOFs are not worth rewriting.
	memory("auto-aof-rewrite-min-size", 0, 0, llongMax, 64<<20, func(c *Config) *int64 { return &c.AutoAOFRewriteMinSize }),
	// A crash mid-write should not block restart.
	boolean("aof-load-truncated", 0, true, func(c *Config) *bool { return &c.AOFLoadTruncated }, nil),
	// Faster rewrites and loads.
	boolean("aof-use-rdb-preamble", 0, true, func(c *Config) *bool { return &c.AOFUseRDBPreamble }, nil),
	// Avoid one huge fsync stall at the end of a rewrite.
	boolean("aof-rewrite-incremental-fsync", 0, true, func(c *Config) *bool { return &c.AOFRewriteIncrementalFsync }, nil),
	// Older tools cannot read annotations.
	boolean("aof-timestamp-enabled", 0, false, func(c *Config) *bool { return &c.AOFTimestampEnabled }, nil),
	// Old AOF files are deleted.
	boolean("aof-disable-auto-gc", 0, false, func(c *Config) *bool { return &c.AOFDisableAutoGC }, nil),

	// ---- replication ----
	replicaofSpec,
	// No password to send to a master.
	str("masterauth", sensitive|nullable, "", func(c *Config) *string { return &c.MasterAuth }, nil),
	// Authenticate to the master as the default user.
	str("masteruser", sensitive|nullable, "", func(c *Config) *string { return &c.MasterUser }, nil),
	// Availability over freshness.
	boolean("replica-serve-stale-data", 0, true, func(c *Config) *bool { return &c.ReplicaServeStaleData }, nil).aka("slave-serve-stale-data"),
	// Writes to a replica would be lost.
	boolean("replica-read-only", 0, true, func(c *Config) *bool { return &c.ReplicaReadOnly }, nil).aka("slave-read-only"),
	// The master evicts for both.
	boolean("replica-ignore-maxmemory", 0, true, func(c *Config) *bool { return &c.ReplicaIgnoreMaxMemory }, nil).aka("slave-ignore-maxmemory"),
	// Synchronous flush before loading a full sync.
	boolean("replica-lazy-flush", 0, false, func(c *Config) *bool { return &c.ReplicaLazyFlush }, nil).aka("slave-lazy-flush"),
	// Sentinel lists every replica unless told otherwise.
	boolean("replica-announced", 0, true, func(c *Config) *bool { return &c.ReplicaAnnounced }, nil),
	// A failing disk stops the replica.
	boolean("replica-ignore-disk-write-errors", 0, false, func(c *Config) *bool { return &c.ReplicaIgnoreDiskWriteErrors }, nil),
	// Every replica eligible, equally.
	integer("replica-priority", 0, 0, intMax, 100, func(c *Config) *int { return &c.ReplicaPriority }).aka("slave-priority"),
	// Announce the address the master sees.
	str("replica-announce-ip", nullable, "", func(c *Config) *string { return &c.ReplicaAnnounceIP }, nil).aka("slave-announce-ip"),
	// 0: announce the listening port.
	integer("replica-announce-port", 0, 0, 65535, 0, func(c *Config) *int { return &c.ReplicaAnnouncePort }).aka("slave-announce-port"),
	// Networks are faster than disks (Redis 7 default).
	boolean("repl-diskless-sync", 0, true, func(c *Config) *bool { return &c.ReplDisklessSync }, nil),
	// Let more replicas join one transfer.
	integer("repl-diskless-sync-delay", 0, 0, intMax, 5, func(c *Config) *int { return &c.ReplDisklessSyncDelay }),
	// 0: always wait the full delay.
	integer("repl-diskless-sync-max-replicas", 0, 0, intMax, 0, func(c *Config) *int { return &c.ReplDisklessSyncMaxReplicas }),
	// Load from disk: safe if the transfer fails.
	enum("repl-diskless-load", denyLoading, disklessLoadWords, "disabled", func(c *Config) *string { return &c.ReplDisklessLoad }),
	// Ten seconds: well inside repl-timeout.
	integer("repl-ping-replica-period", 0, 1, intMax, 10, func(c *Config) *int { return &c.ReplPingReplicaPeriod }).aka("repl-ping-slave-period"),
	// Well above the ping period.
	integer("repl-timeout", 0, 1, intMax, 60, func(c *Config) *int { return &c.ReplTimeout }),
	// Low replication lag over bandwidth.
	boolean("repl-disable-tcp-nodelay", 0, false, func(c *Config) *bool { return &c.ReplDisableTCPNodelay }, nil),
	// 1 MB covers short disconnects.
	memory("repl-backlog-size", 0, 1, llongMax, 1<<20, func(c *Config) *int64 { return &c.ReplBacklogSize }).then(clampBacklog),
	// Free it an hour after the last replica left.
	integer("repl-backlog-ttl", 0, 0, longMax, 3600, func(c *Config) *int64 { return &c.ReplBacklogTTL }),
	// Off.
	integer("min-replicas-to-write", 0, 0, intMax, 0, func(c *Config) *int { return &c.MinReplicasToWrite }).aka("min-slaves-to-write"),
	// A replica that acked within 10 s counts as good.
	integer("min-replicas-max-lag", 0, 0, intMax, 10, func(c *Config) *int { return &c.MinReplicasMaxLag }).aka("min-slaves-max-lag"),
	// Compatible with older Redis.
	enum("propagation-error-behavior", 0, propagationErrorWords, "ignore", func(c *Config) *string { return &c.PropagationErrorBehavior }),

	// ---- cluster ----
	boolean("cluster-enabled", immutable, false, func(c *Config) *bool { return &c.ClusterEnabled }, nil),
	// Redis's name for the node state file.
	str("cluster-config-file", immutable, "nodes.conf", func(c *Config) *string { return &c.ClusterConfigFile }, nil),
	// 15 s: few false failovers.
	integer("cluster-node-timeout", 0, 0, llongMax, 15000, func(c *Config) *int64 { return &c.ClusterNodeTimeout }),
	// 0: port + 10000.
	integer("cluster-port", immutable, 0, 65535, 0, func(c *Config) *int { return &c.ClusterPort }),
	// A replica disconnected for 10 node timeouts may not fail over.
	integer("cluster-replica-validity-factor", 0, 0, intMax, 10, func(c *Config) *int { return &c.ClusterReplicaValidityFactor }).aka("cluster-slave-validity-factor"),
	// A master keeps one replica before giving others away.
	integer("cluster-migration-barrier", 0, 0, intMax, 1, func(c *Config) *int { return &c.ClusterMigrationBarrier }),
	// Orphaned masters get replicas back automatically.
	boolean("cluster-allow-replica-migration", 0, true, func(c *Config) *bool { return &c.ClusterAllowReplicaMigration }, nil),
	// Consistency over availability.
	boolean("cluster-require-full-coverage", 0, true, func(c *Config) *bool { return &c.ClusterRequireFullCoverage }, nil),
	// Replicas fail over automatically.
	boolean("cluster-replica-no-failover", 0, false, func(c *Config) *bool { return &c.ClusterReplicaNoFailover }, nil).aka("cluster-slave-no-failover"),
	// Consistency first: no reads while the cluster is down.
	boolean("cluster-allow-reads-when-down", 0, false, func(c *Config) *bool { return &c.ClusterAllowReadsWhenDown }, nil),
	// Shard pub/sub holds no data, so it may keep working.
	boolean("cluster-allow-pubsubshard-when-down", 0, true, func(c *Config) *bool { return &c.ClusterAllowPubsubshardWhenDown }, nil),
	// No limit.
	memory("cluster-link-sendbuf-limit", unsigned, 0, llongMax, 0, func(c *Config) *int64 { return &c.ClusterLinkSendbufLimit }),
	// No hostname announced.
	str("cluster-announce-hostname", nullable, "", func(c *Config) *string { return &c.ClusterAnnounceHostname }, validHostname),
	// Announce the address peers see.
	str("cluster-announce-ip", nullable, "", func(c *Config) *string { return &c.ClusterAnnounceIP }, nil),
	// 0: announce port.
	integer("cluster-announce-port", 0, 0, 65535, 0, func(c *Config) *int { return &c.ClusterAnnouncePort }),
	// 0: announce the bus port.
	integer("cluster-announce-bus-port", 0, 0, 65535, 0, func(c *Config) *int { return &c.ClusterAnnounceBusPort }),
	// 0: announce tls-port.
	integer("cluster-announce-tls-port", 0, 0, 65535, 0, func(c *Config) *int { return &c.ClusterAnnounceTLSPort }),
	// Clients get IP addresses, which need no DNS.
	enum("cluster-preferred-endpoint-type", 0, endpointTypeWords, "ip", func(c *Config) *string { return &c.ClusterPreferredEndpointType }),
	// Keygrid: no self-bootstrap unless asked; the cluster is made by hand, as Redis's.
	integer("cluster-bootstrap-size", immutable|hidden, 0, 1000, 0, func(c *Config) *int { return &c.ClusterBootstrapSize }),
	// Keygrid: redis-cli --cluster create's default, masters only.
	integer("cluster-bootstrap-replicas", immutable|hidden, 0, 100, 0, func(c *Config) *int { return &c.ClusterBootstrapReplicas }),
	// Keygrid: no seeds; a node that has some keeps resolving them (addresses change).
	str("cluster-bootstrap-seeds", immutable|nullable|hidden, "", func(c *Config) *string { return &c.ClusterBootstrapSeeds }, validSeeds),
	// No secret: the bus is plain, as Redis's is without tls-cluster. Immutable:
	// memberlist's keyring is fixed when the bus starts.
	str("cluster-bus-secret", immutable|sensitive|nullable|hidden, "", func(c *Config) *string { return &c.ClusterBusSecret }, nil),

	// ---- monitoring ----
	// 10 ms is slow for Redis.
	integer("slowlog-log-slower-than", 0, -1, llongMax, 10000, func(c *Config) *int64 { return &c.SlowlogLogSlowerThan }),
	// 128 entries: recent history at little memory.
	integer("slowlog-max-len", 0, 0, longMax, 128, func(c *Config) *int64 { return &c.SlowlogMaxLen }),
	// Off.
	integer("latency-monitor-threshold", 0, 0, llongMax, 0, func(c *Config) *int64 { return &c.LatencyMonitorThreshold }),
	// Per-command latency histograms are cheap and useful.
	boolean("latency-tracking", 0, true, func(c *Config) *bool { return &c.LatencyTracking }, nil),
	percentilesSpec,
	notifySpec,

	// ---- TLS: everything off until certificates are given ----
	integer("tls-port", 0, 0, 65535, 0, func(c *Config) *int { return &c.TLSPort }),
	// No certificates: TLS stays off.
	str("tls-cert-file", volatile|nullable, "", func(c *Config) *string { return &c.TLSCertFile }, nil),
	str("tls-key-file", volatile|nullable, "", func(c *Config) *string { return &c.TLSKeyFile }, nil),
	// Unencrypted keys unless a passphrase is given.
	str("tls-key-file-pass", nullable, "", func(c *Config) *string { return &c.TLSKeyFilePass }, nil),
	str("tls-client-cert-file", volatile|nullable, "", func(c *Config) *string { return &c.TLSClientCertFile }, nil),
	str("tls-client-key-file", volatile|nullable, "", func(c *Config) *string { return &c.TLSClientKeyFile }, nil),
	str("tls-client-key-file-pass", nullable, "", func(c *Config) *string { return &c.TLSClientKeyFilePass }, nil),
	str("tls-dh-params-file", volatile|nullable, "", func(c *Config) *string { return &c.TLSDHParamsFile }, nil),
	str("tls-ca-cert-file", volatile|nullable, "", func(c *Config) *string { return &c.TLSCACertFile }, nil),
	str("tls-ca-cert-dir", volatile|nullable, "", func(c *Config) *string { return &c.TLSCACertDir }, nil),
	// The TLS library's default versions.
	str("tls-protocols", nullable, "", func(c *Config) *string { return &c.TLSProtocols }, nil),
	// The TLS library's default ciphers.
	str("tls-ciphers", nullable, "", func(c *Config) *string { return &c.TLSCiphers }, nil),
	str("tls-ciphersuites", nullable, "", func(c *Config) *string { return &c.TLSCiphersuites }, nil),
	// The client's order, the TLS library's default.
	boolean("tls-prefer-server-ciphers", 0, false, func(c *Config) *bool { return &c.TLSPreferServerCiphers }, nil),
	// Cheap reconnects.
	boolean("tls-session-caching", 0, true, func(c *Config) *bool { return &c.TLSSessionCaching }, nil),
	// OpenSSL's own default.
	integer("tls-session-cache-size", 0, 0, intMax, 20*1024, func(c *Config) *int { return &c.TLSSessionCacheSize }),
	// Five minutes, OpenSSL's own default.
	integer("tls-session-cache-timeout", 0, 0, intMax, 300, func(c *Config) *int { return &c.TLSSessionCacheTimeout }),
	// The cluster bus stays plain unless asked.
	boolean("tls-cluster", 0, false, func(c *Config) *bool { return &c.TLSCluster }, nil),
	// Replication stays plain unless asked.
	boolean("tls-replication", 0, false, func(c *Config) *bool { return &c.TLSReplication }, nil),
	// Mutual TLS once TLS is on.
	enum("tls-auth-clients", 0, tlsAuthClientsWords, "yes", func(c *Config) *string { return &c.TLSAuthClients }),
}

// clampHz is Redis's updateHZ: out-of-range values are accepted and clamped.
func clampHz(c *Config) {
	c.Hz = min(max(c.Hz, minHz), maxHz)
}

// clampBacklog is what Redis's resizeReplicationBacklog does to the value.
func clampBacklog(c *Config) {
	c.ReplBacklogSize = max(c.ReplBacklogSize, replBacklogMinSize)
}

// entry is one name CONFIG GET and CONFIG SET know: a directive's canonical
// name or its alias. Redis registers them as separate entries, which shows:
// CONFIG SET of both names in one call is not a duplicate.
type entry struct {
	name  string
	spec  *spec
	alias bool
}

var (
	entries []entry          // every name, each directive followed by its alias
	byName  map[string]entry // lower-case name -> entry
)

func init() {
	byName = make(map[string]entry, 2*len(specs))
	for _, s := range specs {
		for _, e := range []entry{{s.name, s, false}, {s.alias, s, true}} {
			if e.name == "" {
				continue
			}
			if _, dup := byName[e.name]; dup {
				panic("config: directive " + e.name + " listed twice")
			}
			entries = append(entries, e)
			byName[e.name] = e
		}
	}
}

// lookup finds a directive by name, case-insensitively.
func lookup(name string) (entry, bool) {
	e, ok := byName[strings.ToLower(name)]
	return e, ok
}

// Info describes one directive, for the engine (for instance to redact
// sensitive CONFIG SET arguments) and for documentation.
type Info struct {
	Name        string // canonical name
	Alias       string // the other accepted name, "" if none
	Immutable   bool   // CONFIG SET refuses it
	Protected   bool   // CONFIG SET refuses it unless enable-protected-configs allows it
	Sensitive   bool   // its value must not be logged (SLOWLOG, MONITOR)
	DenyLoading bool   // CONFIG SET refuses it while loading a dataset
	Hidden      bool   // CONFIG GET patterns do not match it
	MultiArg    bool   // takes several arguments
}

func (s *spec) info() Info {
	return Info{Name: s.name, Alias: s.alias, Immutable: s.has(immutable), Protected: s.has(protected),
		Sensitive: s.has(sensitive), DenyLoading: s.has(denyLoading), Hidden: s.has(hidden), MultiArg: s.has(multiArg)}
}

// Lookup describes the directive called name (canonical or alias, any case).
func Lookup(name string) (Info, bool) {
	e, ok := lookup(name)
	if !ok {
		return Info{}, false
	}
	return e.spec.info(), true
}

// Directives describes every directive, in table order.
func Directives() []Info {
	out := make([]Info, len(specs))
	for i, s := range specs {
		out[i] = s.info()
	}
	return out
}
