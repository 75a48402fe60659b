// config.go: the Config struct (one typed field per directive), Default,
// Clone and Validate.
//
// Every field below names the redis.conf directive it holds. Defaults live in
// the directive table (directives.go), beside each entry, as Redis keeps them
// beside each createXConfig call; Default() applies them.

package config

import (
	"fmt"
	"path/filepath"
	"slices"
)

// Config is every directive keygrid knows, as plain typed fields.
//
// A Config is not safe for concurrent use: the engine owns it on its loop and
// hands copies (Clone) to other goroutines. Field values normally come from
// Default, Load or Set, which keep them valid; code that assigns fields
// directly should call Validate.
//
// Relative paths (logfile, pidfile, unixsocket, aclfile, cluster-config-file,
// tls-*-file, dbfilename, appenddirname) are relative to Dir: Redis chdirs
// into its dir, keygrid never calls chdir and resolves them against Dir.
type Config struct {
	// ---- network ----

	// Port is the TCP port clients connect to ("port"); 0 disables TCP.
	Port int
	// Bind is the list of addresses to listen on ("bind"); empty means none.
	// A "-" prefix marks an address that may fail to bind.
	Bind []string
	// BindSourceAddr is the source address for outgoing connections ("bind-source-addr").
	BindSourceAddr string
	// ProtectedMode refuses non-loopback clients when no password and no
	// bind are set ("protected-mode").
	ProtectedMode bool
	// TCPBacklog is the listen(2) backlog ("tcp-backlog").
	TCPBacklog int
	// TCPKeepalive is the SO_KEEPALIVE interval in seconds, 0 = off ("tcp-keepalive").
	TCPKeepalive int
	// Timeout closes a client idle for this many seconds, 0 = never ("timeout").
	Timeout int
	// UnixSocket is the path of a Unix socket to listen on, "" = none ("unixsocket").
	UnixSocket string
	// UnixSocketPerm is the socket's permission bits, 0 = leave the umask's ("unixsocketperm", octal).
	UnixSocketPerm int
	// SocketMarkID is the SO_MARK set on listening sockets ("socket-mark-id").
	SocketMarkID int
	// MaxClients is the most simultaneous clients ("maxclients").
	MaxClients int

	// ---- general ----

	// Databases is the number of logical databases ("databases").
	Databases int
	// Hz is how often a second the cron runs ("hz"); Load and Set clamp it to 1..500 as Redis does.
	Hz int
	// DynamicHz raises the cron frequency with the number of clients ("dynamic-hz").
	DynamicHz bool
	// Dir is the working directory, absolute and with symlinks resolved ("dir").
	Dir string
	// Daemonize forks into the background at start ("daemonize").
	Daemonize bool
	// Supervised is the supervision mode: "no", "upstart", "systemd" or "auto" ("supervised").
	Supervised string
	// PidFile is where the pid is written, "" = none ("pidfile").
	PidFile string
	// LogLevel is "debug", "verbose", "notice" or "warning" ("loglevel").
	LogLevel string
	// LogFile is the log file path, "" = standard output ("logfile").
	LogFile string
	// SyslogEnabled also logs to syslog ("syslog-enabled").
	SyslogEnabled bool
	// SyslogIdent is the syslog identity ("syslog-ident").
	SyslogIdent string
	// SyslogFacility is "user" or "local0".."local7" ("syslog-facility").
	SyslogFacility string
	// AlwaysShowLogo prints the ASCII logo even when not on a TTY ("always-show-logo").
	AlwaysShowLogo bool
	// SetProcTitle changes the process title ("set-proc-title").
	SetProcTitle bool
	// ProcTitleTemplate is the process title, with {title} {listen-addr}
	// {server-mode} {port} {tls-port} {unixsocket} {config-file} ("proc-title-template").
	ProcTitleTemplate string
	// CrashLogEnabled installs the crash-report signal handlers ("crash-log-enabled").
	CrashLogEnabled bool
	// CrashMemcheckEnabled runs a memory check on crash ("crash-memcheck-enabled").
	CrashMemcheckEnabled bool
	// UseExitOnPanic exits instead of aborting on a panic; a test hook ("use-exit-on-panic", hidden).
	UseExitOnPanic bool
	// WatchdogPeriod is the software watchdog period in ms, 0 = off ("watchdog-period", hidden).
	WatchdogPeriod int
	// IOThreads is the number of I/O threads ("io-threads").
	IOThreads int
	// IOThreadsDoReads also uses the I/O threads for reads and parsing ("io-threads-do-reads").
	IOThreadsDoReads bool
	// ServerCPUList pins the main thread to CPUs, e.g. "0-3:2" ("server_cpulist").
	ServerCPUList string
	// BioCPUList pins the background I/O threads ("bio_cpulist").
	BioCPUList string
	// AOFRewriteCPUList pins the AOF rewrite worker ("aof_rewrite_cpulist").
	AOFRewriteCPUList string
	// BgsaveCPUList pins the BGSAVE worker ("bgsave_cpulist").
	BgsaveCPUList string
	// DisableTHP turns transparent huge pages off for the process ("disable-thp").
	DisableTHP bool
	// JemallocBgThread enables jemalloc's purging thread; kept for compatibility ("jemalloc-bg-thread").
	JemallocBgThread bool
	// OOMScoreAdj is how OOMScoreAdjValues are applied: "no", "yes" (= relative)
	// or "absolute" ("oom-score-adj"). "relative" is stored as "yes", as Redis reports it.
	OOMScoreAdj string
	// OOMScoreAdjValues are the oom_score_adj of master, replica and
	// background child ("oom-score-adj-values").
	OOMScoreAdjValues [3]int
	// IgnoreWarnings lists start-up warnings to suppress ("ignore-warnings").
	IgnoreWarnings string
	// ShutdownTimeout is how long SHUTDOWN waits for replicas, in seconds ("shutdown-timeout").
	ShutdownTimeout int
	// ShutdownOnSigint are the SHUTDOWN flags used on SIGINT ("shutdown-on-sigint").
	ShutdownOnSigint ShutdownFlags
	// ShutdownOnSigterm are the SHUTDOWN flags used on SIGTERM ("shutdown-on-sigterm").
	ShutdownOnSigterm ShutdownFlags
	// EnableProtectedConfigs lets CONFIG SET change protected directives (dir,
	// dbfilename): "no", "yes" or "local" (loopback clients only) ("enable-protected-configs").
	EnableProtectedConfigs string
	// EnableDebugCommand allows DEBUG: "no", "yes" or "local" ("enable-debug-command").
	EnableDebugCommand string
	// EnableModuleCommand allows MODULE: "no", "yes" or "local" ("enable-module-command").
	EnableModuleCommand string
	// MetricsPort is keygrid's Prometheus HTTP port, 0 = off ("metrics-port",
	// keygrid-specific; Redis has no such directive).
	MetricsPort int

	// ---- security ----

	// RequirePass is the default user's password, "" = none ("requirepass").
	RequirePass string
	// ACLFile is the external ACL file, "" = users come from "user" lines ("aclfile").
	ACLFile string
	// ACLLogMaxLen is the ACL LOG length ("acllog-max-len").
	ACLLogMaxLen int64
	// ACLPubsubDefault is the default channel permission of new users:
	// "resetchannels" or "allchannels" ("acl-pubsub-default").
	ACLPubsubDefault string
	// Users are the "user" lines of the configuration file, each the
	// arguments after "user" (name, then ACL rules). The ACL layer parses
	// them; before CONFIG REWRITE it should store its current users here, as
	// Redis rewrites them from its ACL state (ignored when ACLFile is set).
	Users [][]string
	// RenameCommands are the "rename-command old new" lines, in order; new ""
	// removes the command. CONFIG REWRITE leaves these lines as they are.
	RenameCommands [][2]string
	// LoadModules are the "loadmodule path [args...]" lines (path first).
	// keygrid has no module system; the engine decides what to do with them.
	LoadModules [][]string

	// ---- clients and limits ----

	// ClientOutputBufferLimit is the output buffer limit per client class,
	// indexed by ClientNormal, ClientReplica, ClientPubSub ("client-output-buffer-limit").
	ClientOutputBufferLimit [3]OutputBufferLimit
	// ClientQueryBufferLimit is the largest query buffer of one client, in bytes ("client-query-buffer-limit").
	ClientQueryBufferLimit int64
	// ProtoMaxBulkLen is the largest bulk string a client may send, in bytes ("proto-max-bulk-len").
	ProtoMaxBulkLen int64
	// MaxMemoryClients bounds the memory of all clients together; 0 = off,
	// positive = bytes, negative -N = N percent of maxmemory (Redis's own
	// encoding) ("maxmemory-clients").
	MaxMemoryClients int64
	// TrackingTableMaxKeys bounds the client-side-caching tracking table ("tracking-table-max-keys").
	TrackingTableMaxKeys int64
	// BusyReplyThreshold is how long (ms) a script or function runs before
	// others get BUSY ("busy-reply-threshold", alias "lua-time-limit").
	BusyReplyThreshold int64

	// ---- memory management ----

	// MaxMemory is the memory limit in bytes, 0 = none ("maxmemory").
	MaxMemory int64
	// MaxMemoryPolicy is the eviction policy, e.g. "noeviction", "allkeys-lru" ("maxmemory-policy").
	MaxMemoryPolicy string
	// MaxMemorySamples is how many keys eviction samples ("maxmemory-samples").
	MaxMemorySamples int
	// MaxMemoryEvictionTenacity is 0..100: how long one eviction pass may run ("maxmemory-eviction-tenacity").
	MaxMemoryEvictionTenacity int
	// LFULogFactor is the LFU counter's logarithm factor ("lfu-log-factor").
	LFULogFactor int
	// LFUDecayTime is the LFU decay period in minutes ("lfu-decay-time").
	LFUDecayTime int
	// ActiveExpireEffort is 1..10: how hard the active expire cycle works ("active-expire-effort").
	ActiveExpireEffort int
	// LazyfreeLazyEviction frees evicted values in the background ("lazyfree-lazy-eviction").
	LazyfreeLazyEviction bool
	// LazyfreeLazyExpire frees expired values in the background ("lazyfree-lazy-expire").
	LazyfreeLazyExpire bool
	// LazyfreeLazyServerDel frees values deleted by the server itself in the background ("lazyfree-lazy-server-del").
	LazyfreeLazyServerDel bool
	// LazyfreeLazyUserDel makes DEL behave like UNLINK ("lazyfree-lazy-user-del").
	LazyfreeLazyUserDel bool
	// LazyfreeLazyUserFlush makes FLUSHALL/FLUSHDB default to ASYNC ("lazyfree-lazy-user-flush").
	LazyfreeLazyUserFlush bool
	// ActiveRehashing spends cron time rehashing dictionaries ("activerehashing").
	ActiveRehashing bool
	// ActiveDefrag enables active defragmentation ("activedefrag"); it cannot
	// be turned on, as in a Redis built without Redis's jemalloc.
	ActiveDefrag bool
	// ActiveDefragIgnoreBytes is the fragmentation waste below which defrag is skipped ("active-defrag-ignore-bytes").
	ActiveDefragIgnoreBytes int64
	// ActiveDefragThresholdLower is the fragmentation percent that starts defrag ("active-defrag-threshold-lower").
	ActiveDefragThresholdLower int
	// ActiveDefragThresholdUpper is the fragmentation percent of maximum effort ("active-defrag-threshold-upper").
	ActiveDefragThresholdUpper int
	// ActiveDefragCycleMin is the minimum CPU percent for defrag ("active-defrag-cycle-min").
	ActiveDefragCycleMin int
	// ActiveDefragCycleMax is the maximum CPU percent for defrag ("active-defrag-cycle-max").
	ActiveDefragCycleMax int
	// ActiveDefragMaxScanFields is the collection size processed in its own pass ("active-defrag-max-scan-fields").
	ActiveDefragMaxScanFields int64

	// ---- compact encodings ----

	// HashMaxListpackEntries: a hash with more fields converts to a hashtable
	// ("hash-max-listpack-entries", alias "hash-max-ziplist-entries").
	HashMaxListpackEntries int64
	// HashMaxListpackValue: a field or value longer converts the hash
	// ("hash-max-listpack-value", alias "hash-max-ziplist-value").
	HashMaxListpackValue int64
	// ListMaxListpackSize is the quicklist node size: positive = entries,
	// -1..-5 = 4..64 KiB ("list-max-listpack-size", alias "list-max-ziplist-size").
	ListMaxListpackSize int
	// ListCompressDepth is how many quicklist nodes at each end stay uncompressed, 0 = none compressed ("list-compress-depth").
	ListCompressDepth int
	// SetMaxIntsetEntries: an integer set with more members converts to a hashtable ("set-max-intset-entries").
	SetMaxIntsetEntries int64
	// ZsetMaxListpackEntries: a sorted set with more members converts to a skiplist
	// ("zset-max-listpack-entries", alias "zset-max-ziplist-entries").
	ZsetMaxListpackEntries int64
	// ZsetMaxListpackValue: a longer member converts the sorted set
	// ("zset-max-listpack-value", alias "zset-max-ziplist-value").
	ZsetMaxListpackValue int64
	// HLLSparseMaxBytes: a sparse HyperLogLog larger than this becomes dense ("hll-sparse-max-bytes").
	HLLSparseMaxBytes int64
	// StreamNodeMaxBytes bounds one stream radix-tree node in bytes, 0 = unbounded ("stream-node-max-bytes").
	StreamNodeMaxBytes int64
	// StreamNodeMaxEntries bounds one stream node in entries, 0 = unbounded ("stream-node-max-entries").
	StreamNodeMaxEntries int64

	// ---- snapshots ----

	// Save are the save points (seconds, changes): snapshot when at least
	// changes writes happened within seconds. Empty = no automatic snapshots ("save").
	Save [][2]int64
	// StopWritesOnBgsaveError refuses writes after a failed background save ("stop-writes-on-bgsave-error").
	StopWritesOnBgsaveError bool
	// RDBCompression LZF-compresses strings in snapshots ("rdbcompression").
	RDBCompression bool
	// RDBChecksum appends a CRC64 to snapshots ("rdbchecksum").
	RDBChecksum bool
	// DBFilename is the snapshot file name inside Dir ("dbfilename").
	DBFilename string
	// RDBDelSyncFiles deletes snapshots used only for replication when persistence is off ("rdb-del-sync-files").
	RDBDelSyncFiles bool
	// RDBSaveIncrementalFsync fsyncs every 4 MB while saving ("rdb-save-incremental-fsync").
	RDBSaveIncrementalFsync bool
	// SanitizeDumpPayload checks RESTORE/RDB payloads deeply: "no", "yes" or "clients" ("sanitize-dump-payload").
	SanitizeDumpPayload string
	// RDBKeySaveDelay sleeps this many microseconds per saved key; a test hook ("rdb-key-save-delay", hidden).
	RDBKeySaveDelay int
	// KeyLoadDelay sleeps per loaded key; a test hook ("key-load-delay", hidden).
	KeyLoadDelay int
	// LoadingProcessEventsIntervalBytes is how often loading serves events ("loading-process-events-interval-bytes", hidden).
	LoadingProcessEventsIntervalBytes int64

	// ---- append-only file ----

	// AppendOnly enables the append-only file ("appendonly").
	AppendOnly bool
	// AppendFilename is the base name of the AOF files ("appendfilename").
	AppendFilename string
	// AppendDirname is the directory of the AOF files, inside Dir ("appenddirname").
	AppendDirname string
	// AppendFsync is "always", "everysec" or "no" ("appendfsync").
	AppendFsync string
	// NoAppendfsyncOnRewrite skips fsync while a rewrite or save runs ("no-appendfsync-on-rewrite").
	NoAppendfsyncOnRewrite bool
	// AutoAOFRewritePercentage is the growth in percent that triggers a rewrite, 0 = off ("auto-aof-rewrite-percentage").
	AutoAOFRewritePercentage int
	// AutoAOFRewriteMinSize is the smallest AOF size that auto-rewrites ("auto-aof-rewrite-min-size").
	AutoAOFRewriteMinSize int64
	// AOFLoadTruncated loads a truncated AOF instead of refusing to start ("aof-load-truncated").
	AOFLoadTruncated bool
	// AOFUseRDBPreamble writes the AOF base as an RDB ("aof-use-rdb-preamble").
	AOFUseRDBPreamble bool
	// AOFRewriteIncrementalFsync fsyncs every 4 MB while rewriting ("aof-rewrite-incremental-fsync").
	AOFRewriteIncrementalFsync bool
	// AOFTimestampEnabled writes timestamp annotations into the AOF ("aof-timestamp-enabled").
	AOFTimestampEnabled bool
	// AOFDisableAutoGC keeps old AOF history files ("aof-disable-auto-gc").
	AOFDisableAutoGC bool

	// ---- replication ----

	// ReplicaOfHost is the master's host, "" = this node is a master ("replicaof", alias "slaveof").
	ReplicaOfHost string
	// ReplicaOfPort is the master's port, meaningful when ReplicaOfHost is set.
	ReplicaOfPort int
	// MasterAuth is the password to authenticate to the master ("masterauth").
	MasterAuth string
	// MasterUser is the user to authenticate to the master as ("masteruser").
	MasterUser string
	// ReplicaServeStaleData answers reads while the link to the master is down
	// ("replica-serve-stale-data", alias "slave-serve-stale-data").
	ReplicaServeStaleData bool
	// ReplicaReadOnly refuses writes on replicas ("replica-read-only", alias "slave-read-only").
	ReplicaReadOnly bool
	// ReplicaIgnoreMaxMemory makes replicas leave eviction to their master
	// ("replica-ignore-maxmemory", alias "slave-ignore-maxmemory").
	ReplicaIgnoreMaxMemory bool
	// ReplicaLazyFlush flushes asynchronously before a full sync ("replica-lazy-flush", alias "slave-lazy-flush").
	ReplicaLazyFlush bool
	// ReplicaAnnounced lists this replica in Sentinel replies ("replica-announced").
	ReplicaAnnounced bool
	// ReplicaIgnoreDiskWriteErrors keeps replicating after a failed disk write ("replica-ignore-disk-write-errors").
	ReplicaIgnoreDiskWriteErrors bool
	// ReplicaPriority orders replicas for promotion, 0 = never ("replica-priority", alias "slave-priority").
	ReplicaPriority int
	// ReplicaAnnounceIP is the address announced to the master ("replica-announce-ip", alias "slave-announce-ip").
	ReplicaAnnounceIP string
	// ReplicaAnnouncePort is the port announced to the master, 0 = Port ("replica-announce-port", alias "slave-announce-port").
	ReplicaAnnouncePort int
	// ReplDisklessSync streams the full-sync snapshot instead of writing it to disk ("repl-diskless-sync").
	ReplDisklessSync bool
	// ReplDisklessSyncDelay waits this many seconds for more replicas before a diskless sync ("repl-diskless-sync-delay").
	ReplDisklessSyncDelay int
	// ReplDisklessSyncMaxReplicas starts the diskless sync early when this many replicas wait ("repl-diskless-sync-max-replicas").
	ReplDisklessSyncMaxReplicas int
	// ReplDisklessLoad is how a replica loads a full sync: "disabled", "on-empty-db" or "swapdb" ("repl-diskless-load").
	ReplDisklessLoad string
	// ReplPingReplicaPeriod is the seconds between master pings ("repl-ping-replica-period", alias "repl-ping-slave-period").
	ReplPingReplicaPeriod int
	// ReplTimeout is the replication link timeout in seconds ("repl-timeout").
	ReplTimeout int
	// ReplDisableTCPNodelay sets TCP_NODELAY off on replica links ("repl-disable-tcp-nodelay").
	ReplDisableTCPNodelay bool
	// ReplBacklogSize is the replication backlog in bytes ("repl-backlog-size"); Set raises it to 16 KiB as Redis does.
	ReplBacklogSize int64
	// ReplBacklogTTL frees the backlog this many seconds after the last replica left, 0 = never ("repl-backlog-ttl").
	ReplBacklogTTL int64
	// MinReplicasToWrite refuses writes with fewer good replicas, 0 = off ("min-replicas-to-write", alias "min-slaves-to-write").
	MinReplicasToWrite int
	// MinReplicasMaxLag is the lag in seconds of a good replica ("min-replicas-max-lag", alias "min-slaves-max-lag").
	MinReplicasMaxLag int
	// PropagationErrorBehavior is what a replica does with a failing
	// replicated command: "ignore", "panic" or "panic-on-replicas" ("propagation-error-behavior").
	PropagationErrorBehavior string

	// ---- cluster ----

	// ClusterEnabled runs the node in cluster mode ("cluster-enabled").
	ClusterEnabled bool
	// ClusterConfigFile is the node's cluster state file ("cluster-config-file").
	ClusterConfigFile string
	// ClusterNodeTimeout is the milliseconds before a node is considered failing ("cluster-node-timeout").
	ClusterNodeTimeout int64
	// ClusterPort is the cluster bus port, 0 = Port+10000 ("cluster-port").
	ClusterPort int
	// ClusterReplicaValidityFactor bounds the data age of a replica that may fail over, 0 = any
	// ("cluster-replica-validity-factor", alias "cluster-slave-validity-factor").
	ClusterReplicaValidityFactor int
	// ClusterMigrationBarrier is the replicas a master keeps before one migrates ("cluster-migration-barrier").
	ClusterMigrationBarrier int
	// ClusterAllowReplicaMigration lets replicas move to orphaned masters ("cluster-allow-replica-migration").
	ClusterAllowReplicaMigration bool
	// ClusterRequireFullCoverage stops serving when a slot is uncovered ("cluster-require-full-coverage").
	ClusterRequireFullCoverage bool
	// ClusterReplicaNoFailover stops this replica from failing over automatically
	// ("cluster-replica-no-failover", alias "cluster-slave-no-failover").
	ClusterReplicaNoFailover bool
	// ClusterAllowReadsWhenDown serves reads while the cluster is down ("cluster-allow-reads-when-down").
	ClusterAllowReadsWhenDown bool
	// ClusterAllowPubsubshardWhenDown serves shard pub/sub while down ("cluster-allow-pubsubshard-when-down").
	ClusterAllowPubsubshardWhenDown bool
	// ClusterLinkSendbufLimit bounds one cluster link's send buffer, 0 = none ("cluster-link-sendbuf-limit").
	ClusterLinkSendbufLimit int64
	// ClusterAnnounceHostname is the hostname announced to the cluster ("cluster-announce-hostname").
	ClusterAnnounceHostname string
	// ClusterAnnounceIP is the address announced to the cluster ("cluster-announce-ip").
	ClusterAnnounceIP string
	// ClusterAnnouncePort is the client port announced, 0 = Port ("cluster-announce-port").
	ClusterAnnouncePort int
	// ClusterAnnounceBusPort is the bus port announced, 0 = the bus port ("cluster-announce-bus-port").
	ClusterAnnounceBusPort int
	// ClusterAnnounceTLSPort is the TLS port announced, 0 = TLSPort ("cluster-announce-tls-port").
	ClusterAnnounceTLSPort int
	// ClusterPreferredEndpointType is what MOVED and CLUSTER SLOTS show:
	// "ip", "hostname" or "unknown-endpoint" ("cluster-preferred-endpoint-type").
	ClusterPreferredEndpointType string
	// ClusterBootstrapSize is how many nodes form the cluster by themselves, 0 =
	// off: the cluster is made by hand (redis-cli --cluster create) ("cluster-bootstrap-size",
	// keygrid-specific; see node/bootstrap.go).
	ClusterBootstrapSize int
	// ClusterBootstrapReplicas is the replicas per master of a self-bootstrapped
	// cluster, as redis-cli's --cluster-replicas ("cluster-bootstrap-replicas", keygrid-specific).
	ClusterBootstrapReplicas int
	// ClusterBootstrapSeeds are where the other nodes are found: host, host:port or
	// host:port@busport, separated by spaces or commas; every address a host name
	// resolves to is one candidate, so a Kubernetes headless Service name finds every
	// pod ("cluster-bootstrap-seeds", keygrid-specific).
	ClusterBootstrapSeeds string
	// ClusterBusSecret, when set, authenticates and encrypts the cluster bus: its
	// SHA-256 is memberlist's AES-256-GCM key, and a node with another secret (or
	// none) is never heard ("cluster-bus-secret", keygrid-specific; docs/tls.md).
	ClusterBusSecret string

	// ---- monitoring ----

	// SlowlogLogSlowerThan logs commands slower than this many microseconds; 0 = all, -1 = none ("slowlog-log-slower-than").
	SlowlogLogSlowerThan int64
	// SlowlogMaxLen is the slow log length ("slowlog-max-len").
	SlowlogMaxLen int64
	// LatencyMonitorThreshold records events slower than this many ms, 0 = off ("latency-monitor-threshold").
	LatencyMonitorThreshold int64
	// LatencyTracking keeps per-command latency histograms ("latency-tracking").
	LatencyTracking bool
	// LatencyTrackingInfoPercentiles are the percentiles INFO latencystats shows ("latency-tracking-info-percentiles").
	LatencyTrackingInfoPercentiles []float64
	// NotifyKeyspaceEvents selects the keyspace notifications ("notify-keyspace-events").
	NotifyKeyspaceEvents NotifyFlags

	// ---- TLS ----

	// TLSPort is the TLS port, 0 = off ("tls-port").
	TLSPort int
	// TLSCertFile is the server certificate ("tls-cert-file").
	TLSCertFile string
	// TLSKeyFile is the server private key ("tls-key-file").
	TLSKeyFile string
	// TLSKeyFilePass is the private key's passphrase ("tls-key-file-pass").
	TLSKeyFilePass string
	// TLSClientCertFile is the certificate used when connecting out ("tls-client-cert-file").
	TLSClientCertFile string
	// TLSClientKeyFile is the key used when connecting out ("tls-client-key-file").
	TLSClientKeyFile string
	// TLSClientKeyFilePass is its passphrase ("tls-client-key-file-pass").
	TLSClientKeyFilePass string
	// TLSDHParamsFile is the DH parameters file ("tls-dh-params-file").
	TLSDHParamsFile string
	// TLSCACertFile is the CA bundle ("tls-ca-cert-file").
	TLSCACertFile string
	// TLSCACertDir is the CA directory ("tls-ca-cert-dir").
	TLSCACertDir string
	// TLSProtocols lists the TLS versions allowed, e.g. "TLSv1.2 TLSv1.3" ("tls-protocols").
	TLSProtocols string
	// TLSCiphers are the TLS 1.2 ciphers ("tls-ciphers").
	TLSCiphers string
	// TLSCiphersuites are the TLS 1.3 suites ("tls-ciphersuites").
	TLSCiphersuites string
	// TLSPreferServerCiphers prefers the server's cipher order ("tls-prefer-server-ciphers").
	TLSPreferServerCiphers bool
	// TLSSessionCaching enables session resumption ("tls-session-caching").
	TLSSessionCaching bool
	// TLSSessionCacheSize is the session cache size ("tls-session-cache-size").
	TLSSessionCacheSize int
	// TLSSessionCacheTimeout is the session cache timeout in seconds ("tls-session-cache-timeout").
	TLSSessionCacheTimeout int
	// TLSCluster uses TLS on the cluster bus ("tls-cluster").
	TLSCluster bool
	// TLSReplication uses TLS to replicate from a master ("tls-replication").
	TLSReplication bool
	// TLSAuthClients requires client certificates: "yes", "no" or "optional" ("tls-auth-clients").
	TLSAuthClients string
}

// OutputBufferLimit is one client class's output buffer limit: the client is
// closed when its buffer exceeds Hard bytes, or stays above Soft bytes for
// SoftSeconds seconds. 0 disables a limit.
type OutputBufferLimit struct{ Hard, Soft, SoftSeconds int64 }

// Client classes, the indexes of Config.ClientOutputBufferLimit.
const (
	ClientNormal  = 0 // ordinary clients
	ClientReplica = 1 // replicas (Redis's "slave" class)
	ClientPubSub  = 2 // clients subscribed to a channel or pattern
)

// ShutdownFlags are the SHUTDOWN modifiers used on a signal
// ("shutdown-on-sigint", "shutdown-on-sigterm"); 0 is Redis's "default".
type ShutdownFlags int

const (
	ShutdownSave   ShutdownFlags = 1 << iota // "save": save a snapshot even without save points
	ShutdownNoSave                           // "nosave": do not save even with save points
	ShutdownNow                              // "now": do not wait for replicas to catch up
	ShutdownForce                            // "force": exit even if saving fails
)

// NotifyFlags select keyspace notifications ("notify-keyspace-events"); each
// flag is the class letter of that directive.
type NotifyFlags int

const (
	NotifyKeyspace NotifyFlags = 1 << iota // K: __keyspace@<db>__ events
	NotifyKeyevent                         // E: __keyevent@<db>__ events
	NotifyGeneric                          // g: DEL, EXPIRE, RENAME, ...
	NotifyString                           // $: string commands
	NotifyList                             // l: list commands
	NotifySet                              // s: set commands
	NotifyHash                             // h: hash commands
	NotifyZset                             // z: sorted set commands
	NotifyExpired                          // x: a key expired
	NotifyEvicted                          // e: a key was evicted
	NotifyStream                           // t: stream commands
	NotifyKeyMiss                          // m: a key was read and missing (not part of A)
	NotifyLoaded                           // a key was loaded (module-only, no letter)
	NotifyModule                           // d: module events
	NotifyNew                              // n: a key was created (not part of A)

	// NotifyAll is the "A" alias: every class but m and n.
	NotifyAll = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash |
		NotifyZset | NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule
)

// Default returns Redis 7.0's built-in defaults: what `redis-server` started
// with no configuration reports in CONFIG GET *. Each default, and why Redis
// chose it, is next to its directive in the table in directives.go. Dir is
// the process's working directory, as for Redis.
func Default() *Config {
	c := &Config{}
	for _, s := range specs {
		s.init(c)
	}
	return c
}

// ResolvePath is where a relative path of the configuration (pidfile, aclfile,
// logfile) is: Redis chdirs into dir as soon as it reads the directive, keygrid
// keeps its working directory and joins the two.
func (c *Config) ResolvePath(path string) string {
	if path == "" || filepath.IsAbs(path) || c.Dir == "" {
		return path
	}
	return filepath.Join(c.Dir, path)
}

// Clone returns a deep copy of c.
func (c *Config) Clone() *Config {
	n := *c
	n.Bind = slices.Clone(c.Bind)
	n.Save = slices.Clone(c.Save)
	n.LatencyTrackingInfoPercentiles = slices.Clone(c.LatencyTrackingInfoPercentiles)
	n.RenameCommands = slices.Clone(c.RenameCommands)
	n.Users = cloneLines(c.Users)
	n.LoadModules = cloneLines(c.LoadModules)
	return &n
}

func cloneLines(l [][]string) [][]string {
	if l == nil {
		return nil
	}
	n := make([][]string, len(l))
	for i, a := range l {
		n[i] = slices.Clone(a)
	}
	return n
}

// Validate checks every field against the rules Load and Set apply (ranges,
// enum values, file names), plus the checks Redis makes once the whole
// configuration is read. It does no I/O: it does not check that Dir exists.
func (c *Config) Validate() error {
	for _, s := range specs {
		if msg := s.check(c); msg != "" {
			return fmt.Errorf("config: %s: %s", s.name, msg)
		}
	}
	if c.Hz < minHz || c.Hz > maxHz {
		return fmt.Errorf("config: hz: argument must be between %d and %d inclusive", minHz, maxHz)
	}
	if c.Dir == "" {
		return fmt.Errorf("config: dir: must not be empty")
	}
	if msg := c.finalCheck(); msg != "" {
		return fmt.Errorf("config: %s", msg)
	}
	return nil
}

// finalCheck holds the checks Redis makes after reading the whole
// configuration (loadServerConfigFromString's "Sanity checks").
func (c *Config) finalCheck() string {
	if c.ClusterEnabled && c.ReplicaOfHost != "" {
		return "replicaof directive not allowed in cluster mode"
	}
	if msg := c.bootstrapCheck(); msg != "" {
		return msg
	}
	return ""
}

// Redis clamps hz into this range (CONFIG_MIN_HZ, CONFIG_MAX_HZ) after
// loading and after CONFIG SET: a higher rate burns CPU for nothing, a lower
// one would stall expiry and timeouts.
const (
	minHz = 1
	maxHz = 500
)

// replBacklogMinSize is the smallest backlog CONFIG SET leaves
// (CONFIG_REPL_BACKLOG_MIN_SIZE): smaller ones make partial resyncs useless.
const replBacklogMinSize = 16 * 1024
