package engine

// INFO (Redis's genRedisInfoString): sections of "field:value" lines with Redis 7.0's
// exact field names, order and number formats, so that redis-cli, redis_exporter and
// Sentinel parse keygrid as they parse Redis. Fields that belong to parts keygrid adds
// later (persistence, replication, scripting, pub/sub) show what a fresh standalone
// Redis shows until those parts set them through infoHooks.
//
// Memory figures come from runtime/metrics, sampled by the cron every 100 ms (never per
// command); RSS from /proc/self/statm on the same schedule.

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

var infoCommands = []*Command{
	{Name: "info", Arity: -1, Flags: FlagLoading | FlagStale | FlagSentinel, Cats: CatDangerous,
		Group: "server", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Get information and statistics about the server",
		Tips:    []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"},
		Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Added support for taking multiple section arguments."}}, Args: []Arg{
			{Name: "section", Type: "string", Optional: true, Multiple: true},
		}},
		Proc: infoCommand},
}

// InfoSection is one INFO section being built: its fields in order. infoHooks may
// change values (Set) or add fields (Set with a new key, appended).
type InfoSection struct {
	Name   string // lower case: "server", "persistence", ...
	fields [][2]string
}

// Set sets a field, replacing its value in place or appending it.
func (sec *InfoSection) Set(key, value string) {
	for i := range sec.fields {
		if sec.fields[i][0] == key {
			sec.fields[i][1] = value
			return
		}
	}
	sec.fields = append(sec.fields, [2]string{key, value})
}

// Get returns a field's value.
func (sec *InfoSection) Get(key string) (string, bool) {
	for _, f := range sec.fields {
		if f[0] == key {
			return f[1], true
		}
	}
	return "", false
}

// Reset removes every field, for a part that rebuilds a whole section (replication
// on a replica).
func (sec *InfoSection) Reset() { sec.fields = sec.fields[:0] }

func (sec *InfoSection) add(key, value string) {
	sec.fields = append(sec.fields, [2]string{key, value})
}
func (sec *InfoSection) addInt(key string, n int64) { sec.add(key, strconv.FormatInt(n, 10)) }

// infoSections lists the sections in the order INFO prints them, with their titles;
// def marks the "default" ones.
var infoSections = []struct {
	name, title string
	def         bool
}{
	{"server", "Server", true}, {"clients", "Clients", true}, {"memory", "Memory", true},
	{"persistence", "Persistence", true}, {"stats", "Stats", true},
	{"replication", "Replication", true}, {"cpu", "CPU", true}, {"modules", "Modules", true},
	{"commandstats", "Commandstats", false}, {"errorstats", "Errorstats", true},
	{"latencystats", "Latencystats", false}, {"cluster", "Cluster", true},
	{"keyspace", "Keyspace", true},
}

// infoState is what INFO needs between calls: memory samples taken by the cron, the
// peak, and the instantaneous-metrics rings.
type infoState struct {
	samples    []metrics.Sample
	heapObj    uint64 // bytes in live and not yet swept heap objects (allocator_allocated)
	heapActive uint64 // heapObj plus free space in in-use spans (allocator_active)
	resident   uint64 // memory mapped by the runtime and not released (allocator_resident)
	rss        uint64
	peak       uint64
	startup    uint64
	lastSample time.Time
	replID     string

	// Instantaneous metrics: Redis's trackInstantaneousMetric, 16 samples 100 ms apart.
	inst      [3]instMetric // ops, net input, net output
	lastInstT time.Time
}

type instMetric struct {
	last    int64
	samples [16]float64
	idx     int
}

const (
	instOps = iota
	instNetIn
	instNetOut
)

func (st *infoState) reset() {
	st.peak = st.heapObj
	st.inst = [3]instMetric{}
}

// infoCron samples memory and the instantaneous metrics at most every 100 ms (Redis's
// cronUpdateMemoryStats and trackInstantaneousMetric). Called from serverCron.
func (s *Server) infoCron() {
	st := &s.info
	now := time.Now()
	if now.Sub(st.lastSample) < 100*time.Millisecond {
		return
	}
	s.sampleMemory(now)
	if !st.lastInstT.IsZero() {
		ms := now.Sub(st.lastInstT).Milliseconds()
		st.inst[instOps].track(s.stats.numCommands, ms)
		st.inst[instNetIn].track(s.stats.netInput, ms)
		st.inst[instNetOut].track(s.stats.netOutput, ms)
	} else {
		st.inst[instOps].last = s.stats.numCommands
		st.inst[instNetIn].last = s.stats.netInput
		st.inst[instNetOut].last = s.stats.netOutput
	}
	st.lastInstT = now
}

func (m *instMetric) track(current, ms int64) {
	if ms <= 0 {
		ms = 1
	}
	m.samples[m.idx] = float64(current-m.last) * 1000 / float64(ms)
	m.idx = (m.idx + 1) % len(m.samples)
	m.last = current
}

func (m *instMetric) value() float64 {
	var sum float64
	for _, v := range m.samples {
		sum += v
	}
	return sum / float64(len(m.samples))
}

// sampleMemory reads the runtime's memory classes (no stop-the-world, unlike
// ReadMemStats) and the process RSS.
func (s *Server) sampleMemory(now time.Time) {
	st := &s.info
	if st.samples == nil {
		st.samples = []metrics.Sample{
			{Name: "/memory/classes/heap/objects:bytes"},
			{Name: "/memory/classes/heap/unused:bytes"},
			{Name: "/memory/classes/total:bytes"},
			{Name: "/memory/classes/heap/released:bytes"},
		}
	}
	metrics.Read(st.samples)
	val := func(i int) uint64 {
		if st.samples[i].Value.Kind() == metrics.KindUint64 {
			return st.samples[i].Value.Uint64()
		}
		return 0
	}
	st.heapObj = val(0)
	st.heapActive = st.heapObj + val(1)
	st.resident = val(2) - val(3)
	st.rss = processRSS()
	st.startup = memBaseline
	used := uint64(s.memUsed()) // the engine's accounting (evict.go), not the GC's heap
	st.peak = max(st.peak, used)
	st.lastSample = now
	s.metrics.UsedMemory.Store(int64(used))
}

// processRSS reads the resident set size from /proc/self/statm (0 where unavailable).
func processRSS() uint64 {
	statmOnce.Do(func() {
		if fd, err := unix.Open("/proc/self/statm", unix.O_RDONLY|unix.O_CLOEXEC, 0); err == nil {
			statmFD = fd
		}
	})
	if statmFD < 0 {
		return 0
	}
	// One pread of a descriptor kept open: the cron samples this ten times a
	// second, and open, fstat, read and close (os.ReadFile) took an idle
	// node's loop 140 µs each time, the largest part of what it cost idle.
	var buf [128]byte
	n, err := unix.Pread(statmFD, buf[:], 0)
	if err != nil || n <= 0 {
		return 0
	}
	// "size resident shared ...": the second field, in pages.
	i := bytes.IndexByte(buf[:n], ' ')
	if i < 0 {
		return 0
	}
	var pages uint64
	j := i + 1
	for ; j < n && buf[j] >= '0' && buf[j] <= '9'; j++ {
		pages = pages*10 + uint64(buf[j]-'0')
	}
	if j == i+1 {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// statmFD is /proc/self/statm, opened once (-1: could not be).
var (
	statmOnce sync.Once
	statmFD   = -1
)

// usedMemory is INFO's used_memory: the engine's accounting of its data, clients and
// baseline (evict.go), which follows every write and eviction at once (the Go heap
// lags until the next GC); allocator figures are the last sample, taken again if old.
func (s *Server) usedMemory() uint64 {
	if time.Since(s.info.lastSample) > time.Second {
		s.sampleMemory(time.Now())
	}
	s.settleMem()
	for _, c := range s.clients {
		s.clientMemCron(c) // the clients' buffers, now (client_evict.go)
	}
	return uint64(s.memUsed())
}

// INFO [section [section ...]]
func infoCommand(c *Client) {
	sections := make([]string, len(c.argv)-1)
	for i, a := range c.argv[1:] {
		sections[i] = string(a)
	}
	c.ReplyVerbatim(c.srv.InfoString(sections...))
}

// InfoString returns the INFO text for the given sections (none means "default"),
// as the INFO command replies it. Loop goroutine only.
func (s *Server) InfoString(args ...string) string {
	want := map[string]bool{}
	all := false
	if len(args) == 0 {
		args = []string{"default"}
	}
	for _, a := range args {
		switch a = strings.ToLower(a); a {
		case "all", "everything":
			all = true
		case "default":
			for _, sec := range infoSections {
				if sec.def {
					want[sec.name] = true
				}
			}
		case "module_list":
			want["modules"] = true
		default:
			want[a] = true
		}
	}
	var b strings.Builder
	n := 0
	for _, def := range infoSections {
		if !all && !want[def.name] {
			continue
		}
		sec := &InfoSection{Name: def.name}
		s.fillInfoSection(sec)
		for _, h := range s.infoHooks {
			h(def.name, sec)
		}
		if n > 0 {
			b.WriteString("\r\n")
		}
		n++
		b.WriteString("# " + def.title + "\r\n")
		for _, f := range sec.fields {
			b.WriteString(f[0])
			b.WriteByte(':')
			b.WriteString(f[1])
			b.WriteString("\r\n")
		}
	}
	return b.String()
}

func (s *Server) fillInfoSection(sec *InfoSection) {
	switch sec.Name {
	case "server":
		s.infoServer(sec)
	case "clients":
		s.infoClients(sec)
	case "memory":
		s.infoMemory(sec)
	case "persistence":
		s.infoPersistence(sec)
	case "stats":
		s.infoStats(sec)
	case "replication":
		s.infoReplication(sec)
	case "cpu":
		infoCPU(sec)
	case "commandstats":
		s.infoCommandStats(sec)
	case "errorstats":
		s.infoErrorStats(sec)
	case "latencystats":
		s.infoLatencyStats(sec)
	case "cluster":
		sec.add("cluster_enabled", boolDigit(s.cfg.ClusterEnabled))
	case "keyspace":
		s.infoKeyspace(sec)
	}
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// buildID stands in for Redis's redis_build_id: a hash of keygrid's version.
// VersionLine is what `redis-server --version` prints, with keygrid's allocator (the Go
// runtime, as INFO's mem_allocator) and build id: scripts read the version from "v=".
func VersionLine() string {
	return "Redis server v=" + Version + " sha=00000000:0 malloc=" + runtime.Version() + " bits=64 build=" + buildID()
}

func buildID() string {
	h := uint64(14695981039346656037)
	for i := 0; i < len(KeygridVersion); i++ {
		h = (h ^ uint64(KeygridVersion[i])) * 1099511628211
	}
	return strconv.FormatUint(h, 16)
}

func (s *Server) infoServer(sec *InfoSection) {
	var uts unix.Utsname
	unix.Uname(&uts)
	mode := "standalone"
	if s.cfg.ClusterEnabled {
		mode = "cluster"
	}
	now := time.Now()
	uptime := int64(now.Sub(s.startTime) / time.Second)
	exe, _ := os.Executable()
	cfgFile := ""
	if s.cfgPath != "" {
		cfgFile, _ = filepath.Abs(s.cfgPath)
	}
	supervised := s.sup.Mode() // the supervisor found at start, as Redis's server.supervised
	if supervised == "" {
		supervised = "no"
	}
	sec.add("redis_version", Version)
	sec.add("redis_git_sha1", "00000000")
	sec.add("redis_git_dirty", "0")
	sec.add("redis_build_id", buildID())
	sec.add("redis_mode", mode)
	sec.add("os", unix.ByteSliceToString(uts.Sysname[:])+" "+unix.ByteSliceToString(uts.Release[:])+" "+unix.ByteSliceToString(uts.Machine[:]))
	sec.add("arch_bits", strconv.Itoa(strconv.IntSize))
	sec.add("monotonic_clock", "POSIX clock_gettime")
	sec.add("multiplexing_api", "epoll")
	sec.add("atomicvar_api", "c11-builtin")
	sec.add("gcc_version", "0.0.0") // not built with gcc: what Redis prints then
	sec.addInt("process_id", int64(os.Getpid()))
	sec.add("process_supervised", supervised)
	sec.add("run_id", s.runID)
	sec.addInt("tcp_port", int64(s.cfg.Port))
	sec.addInt("server_time_usec", now.UnixMicro())
	sec.addInt("uptime_in_seconds", uptime)
	sec.addInt("uptime_in_days", uptime/86400)
	sec.addInt("hz", int64(s.hz))
	sec.addInt("configured_hz", int64(s.cfg.Hz))
	sec.addInt("lru_clock", int64(s.lruClock()))
	sec.add("executable", exe)
	sec.add("config_file", cfgFile)
	sec.add("io_threads_active", "0")
	sec.add("keygrid_version", KeygridVersion)
}

func (s *Server) infoClients(sec *InfoSection) {
	var maxIn, maxOut, blocked int
	normal := 0
	for _, c := range s.clients {
		maxIn = max(maxIn, cap(c.qbuf))
		maxOut = max(maxOut, c.replyListBytes())
		if mem, _ := s.replClientOutput(c); mem > 0 {
			maxOut = max(maxOut, int(mem))
		}
		if s.isBlockedClient(c) {
			blocked++
		}
		if x := s.clientExtra(c); x.Type != "replica" {
			normal++
		}
	}
	sec.addInt("connected_clients", int64(normal))
	sec.add("cluster_connections", "0")
	sec.addInt("maxclients", int64(s.cfg.MaxClients))
	// Recent, as Redis reports them: the peaks of the last seconds (obuf_limit.go),
	// or what is there now if the cron has not seen it yet.
	peakIn, peakOut := s.clientsPeakMax()
	sec.addInt("client_recent_max_input_buffer", max(int64(maxIn), peakIn))
	sec.addInt("client_recent_max_output_buffer", max(int64(maxOut), peakOut))
	sec.addInt("blocked_clients", int64(blocked))
	sec.add("tracking_clients", "0")
	sec.add("clients_in_timeout_table", "0")
}

// bytesToHuman formats n as Redis's bytesToHuman: "123B", "1.50K", "2.00M", ...
func bytesToHuman(n uint64) string {
	const k = 1024
	switch {
	case n < k:
		return strconv.FormatUint(n, 10) + "B"
	case n < k*k:
		return fmt.Sprintf("%.2fK", float64(n)/k)
	case n < k*k*k:
		return fmt.Sprintf("%.2fM", float64(n)/(k*k))
	case n < k*k*k*k:
		return fmt.Sprintf("%.2fG", float64(n)/(k*k*k))
	case n < k*k*k*k*k:
		return fmt.Sprintf("%.2fT", float64(n)/(k*k*k*k))
	case n < k*k*k*k*k*k:
		return fmt.Sprintf("%.2fP", float64(n)/(k*k*k*k*k))
	}
	return strconv.FormatUint(n, 10) + "B"
}

func ratio(a, b uint64) string {
	if b == 0 {
		return "0.00"
	}
	return strconv.FormatFloat(float64(a)/float64(b), 'f', 2, 64)
}

func (s *Server) infoMemory(sec *InfoSection) {
	st := &s.info
	mh := s.memoryOverheadData()
	used, overhead, dataset := mh.total, mh.overheadTotal, mh.datasetSize
	var sysinfo unix.Sysinfo_t
	var totalSys uint64
	if unix.Sysinfo(&sysinfo) == nil {
		totalSys = uint64(sysinfo.Totalram) * uint64(sysinfo.Unit)
	}
	datasetPerc, peakPerc := float64(mh.datasetPerc), float64(mh.peakPerc)
	clientMem := mh.clientsNormal
	diff := func(a, b uint64) string { return strconv.FormatInt(int64(a)-int64(b), 10) }
	u := func(n uint64) string { return strconv.FormatUint(n, 10) }
	sec.add("used_memory", u(used))
	sec.add("used_memory_human", bytesToHuman(used))
	sec.add("used_memory_rss", u(st.rss))
	sec.add("used_memory_rss_human", bytesToHuman(st.rss))
	sec.add("used_memory_peak", u(st.peak))
	sec.add("used_memory_peak_human", bytesToHuman(st.peak))
	sec.add("used_memory_peak_perc", strconv.FormatFloat(peakPerc, 'f', 2, 64)+"%")
	sec.add("used_memory_overhead", u(overhead))
	sec.add("used_memory_startup", u(st.startup))
	sec.add("used_memory_dataset", u(dataset))
	sec.add("used_memory_dataset_perc", strconv.FormatFloat(datasetPerc, 'f', 2, 64)+"%")
	sec.add("allocator_allocated", u(st.heapObj))
	sec.add("allocator_active", u(st.heapActive))
	sec.add("allocator_resident", u(st.resident))
	sec.add("total_system_memory", u(totalSys))
	sec.add("total_system_memory_human", bytesToHuman(totalSys))
	// Scripting and functions: a fresh Redis's figures until scripting reports its own.
	sec.add("used_memory_lua", "32768")
	sec.add("used_memory_vm_eval", "32768")
	sec.add("used_memory_lua_human", "32.00K")
	sec.add("used_memory_scripts_eval", "0")
	sec.add("number_of_cached_scripts", "0")
	sec.add("number_of_functions", "0")
	sec.add("number_of_libraries", "0")
	sec.add("used_memory_vm_functions", "33792")
	sec.add("used_memory_vm_total", "66560")
	sec.add("used_memory_vm_total_human", "65.00K")
	sec.add("used_memory_functions", "200")
	sec.add("used_memory_scripts", "200")
	sec.add("used_memory_scripts_human", "200B")
	sec.add("maxmemory", strconv.FormatInt(s.cfg.MaxMemory, 10))
	sec.add("maxmemory_human", bytesToHuman(uint64(s.cfg.MaxMemory)))
	sec.add("maxmemory_policy", s.cfg.MaxMemoryPolicy)
	sec.add("allocator_frag_ratio", ratio(st.heapActive, st.heapObj))
	sec.add("allocator_frag_bytes", diff(st.heapActive, st.heapObj))
	sec.add("allocator_rss_ratio", ratio(st.resident, st.heapActive))
	sec.add("allocator_rss_bytes", diff(st.resident, st.heapActive))
	sec.add("rss_overhead_ratio", ratio(st.rss, st.resident))
	sec.add("rss_overhead_bytes", diff(st.rss, st.resident))
	sec.add("mem_fragmentation_ratio", ratio(st.rss, used))
	sec.add("mem_fragmentation_bytes", diff(st.rss, used))
	sec.addInt("mem_not_counted_for_evict", s.memNotCounted())
	sec.add("mem_replication_backlog", u(mh.replBacklog))
	sec.addInt("mem_total_replication_buffers", s.replBufferMem())
	sec.add("mem_clients_slaves", u(mh.clientsSlaves))
	sec.add("mem_clients_normal", u(clientMem))
	sec.addInt("mem_cluster_links", s.clusterLinksMemory())
	sec.add("mem_aof_buffer", "0")
	sec.add("mem_allocator", runtime.Version())
	sec.add("active_defrag_running", "0")
	sec.add("lazyfree_pending_objects", "0")
	sec.addInt("lazyfreed_objects", s.stats.lazyfreed)
}

func (s *Server) infoPersistence(sec *InfoSection) {
	for _, f := range [...][2]string{
		{"loading", "0"}, {"async_loading", "0"}, {"current_cow_peak", "0"},
		{"current_cow_size", "0"}, {"current_cow_size_age", "0"}, {"current_fork_perc", "0.00"},
		{"current_save_keys_processed", "0"}, {"current_save_keys_total", "0"},
	} {
		sec.add(f[0], f[1])
	}
	sec.addInt("rdb_changes_since_last_save", s.dirty)
	sec.add("rdb_bgsave_in_progress", "0")
	sec.addInt("rdb_last_save_time", s.lastSave)
	for _, f := range [...][2]string{
		{"rdb_last_bgsave_status", "ok"}, {"rdb_last_bgsave_time_sec", "-1"},
		{"rdb_current_bgsave_time_sec", "-1"}, {"rdb_saves", "0"}, {"rdb_last_cow_size", "0"},
		{"rdb_last_load_keys_expired", "0"}, {"rdb_last_load_keys_loaded", "0"},
	} {
		sec.add(f[0], f[1])
	}
	sec.add("aof_enabled", boolDigit(s.cfg.AppendOnly))
	for _, f := range [...][2]string{
		{"aof_rewrite_in_progress", "0"}, {"aof_rewrite_scheduled", "0"},
		{"aof_last_rewrite_time_sec", "-1"}, {"aof_current_rewrite_time_sec", "-1"},
		{"aof_last_bgrewrite_status", "ok"}, {"aof_rewrites", "0"},
		{"aof_rewrites_consecutive_failures", "0"}, {"aof_last_write_status", "ok"},
		{"aof_last_cow_size", "0"}, {"module_fork_in_progress", "0"},
		{"module_fork_last_cow_size", "0"},
	} {
		sec.add(f[0], f[1])
	}
}

func (s *Server) infoStats(sec *InfoSection) {
	st := &s.stats
	kbps := func(m *instMetric) string { return strconv.FormatFloat(m.value()/1024, 'f', 2, 64) }
	sec.addInt("total_connections_received", st.numConnections)
	sec.addInt("total_commands_processed", st.numCommands)
	sec.addInt("instantaneous_ops_per_sec", int64(s.info.inst[instOps].value()))
	sec.addInt("total_net_input_bytes", st.netInput)
	sec.addInt("total_net_output_bytes", st.netOutput)
	sec.add("total_net_repl_input_bytes", "0")
	sec.add("total_net_repl_output_bytes", "0")
	sec.add("instantaneous_input_kbps", kbps(&s.info.inst[instNetIn]))
	sec.add("instantaneous_output_kbps", kbps(&s.info.inst[instNetOut]))
	sec.add("instantaneous_input_repl_kbps", "0.00")
	sec.add("instantaneous_output_repl_kbps", "0.00")
	sec.addInt("rejected_connections", st.rejectedConns)
	sec.add("sync_full", "0")
	sec.add("sync_partial_ok", "0")
	sec.add("sync_partial_err", "0")
	sec.addInt("expired_keys", st.expiredKeys)
	sec.add("expired_stale_perc", strconv.FormatFloat(st.expiredStalePerc, 'f', 2, 64))
	sec.addInt("expired_time_cap_reached_count", st.expiredTimeCapReached)
	sec.add("expire_cycle_cpu_milliseconds", "0")
	sec.addInt("evicted_keys", st.evictedKeys)
	sec.addInt("evicted_clients", s.evict.evictedClients)
	totalExceeded, curExceeded := s.exceededTimes()
	sec.addInt("total_eviction_exceeded_time", totalExceeded)
	sec.addInt("current_eviction_exceeded_time", curExceeded)
	sec.addInt("keyspace_hits", st.keyspaceHits)
	sec.addInt("keyspace_misses", st.keyspaceMisses)
	for _, k := range [...]string{"pubsub_channels", "pubsub_patterns", "pubsubshard_channels"} {
		sec.add(k, "0")
	}
	sec.addInt("latest_fork_usec", st.forkUsec)
	sec.addInt("total_forks", st.totalForks)
	sec.addInt("migrate_cached_sockets", int64(len(s.cluster.migrate)))
	sec.add("slave_expires_tracked_keys", "0")
	sec.addInt("active_defrag_hits", st.totalActiveDefragHits)
	for _, k := range [...]string{"active_defrag_misses", "active_defrag_key_hits", "active_defrag_key_misses",
		"total_active_defrag_time", "current_active_defrag_time", "tracking_total_keys",
		"tracking_total_items", "tracking_total_prefixes", "unexpected_error_replies"} {
		sec.add(k, "0")
	}
	sec.addInt("total_error_replies", st.errorReplies)
	sec.add("dump_payload_sanitizations", "0")
	sec.addInt("total_reads_processed", st.readsProcessed)
	sec.addInt("total_writes_processed", st.writesProcessed)
	sec.add("io_threaded_reads_processed", "0")
	sec.add("io_threaded_writes_processed", "0")
	sec.addInt("reply_buffer_shrinks", st.replyBufShrinks)
	sec.addInt("reply_buffer_expands", st.replyBufExpands)
}

// replicationID returns the node's replication id, made on first use; the
// replication part replaces the whole section.
func (s *Server) replicationID() string {
	if s.info.replID == "" {
		var b [20]byte
		rand.Read(b[:])
		s.info.replID = hex.EncodeToString(b[:])
	}
	return s.info.replID
}

func (s *Server) infoReplication(sec *InfoSection) {
	sec.add("role", s.roleName())
	sec.add("connected_slaves", "0")
	sec.add("master_failover_state", "no-failover")
	sec.add("master_replid", s.replicationID())
	sec.add("master_replid2", strings.Repeat("0", 40))
	sec.add("master_repl_offset", "0")
	sec.add("second_repl_offset", "-1")
	sec.add("repl_backlog_active", "0")
	sec.addInt("repl_backlog_size", s.cfg.ReplBacklogSize)
	sec.add("repl_backlog_first_byte_offset", "0")
	sec.add("repl_backlog_histlen", "0")
}

// infoCPU reports rusage of the process, its children and the calling (loop) thread,
// as seconds with microseconds.
func infoCPU(sec *InfoSection) {
	tv := func(t unix.Timeval) string {
		return strconv.FormatInt(int64(t.Sec), 10) + "." + fmt.Sprintf("%06d", t.Usec)
	}
	var self, children, thread unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &self)
	unix.Getrusage(unix.RUSAGE_CHILDREN, &children)
	unix.Getrusage(unix.RUSAGE_THREAD, &thread)
	sec.add("used_cpu_sys", tv(self.Stime))
	sec.add("used_cpu_user", tv(self.Utime))
	sec.add("used_cpu_sys_children", tv(children.Stime))
	sec.add("used_cpu_user_children", tv(children.Utime))
	sec.add("used_cpu_sys_main_thread", tv(thread.Stime))
	sec.add("used_cpu_user_main_thread", tv(thread.Utime))
}

func (s *Server) infoCommandStats(sec *InfoSection) {
	for _, cmd := range s.commands.all {
		st := &cmd.stats
		if st.Calls == 0 && st.Failed == 0 && st.Rejected == 0 {
			continue
		}
		perCall := 0.0
		if st.Calls > 0 {
			perCall = float64(st.Usec) / float64(st.Calls)
		}
		sec.add("cmdstat_"+cmd.Name, "calls="+itoa(st.Calls)+",usec="+itoa(st.Usec)+
			",usec_per_call="+strconv.FormatFloat(perCall, 'f', 2, 64)+
			",rejected_calls="+itoa(st.Rejected)+",failed_calls="+itoa(st.Failed))
	}
}

func (s *Server) infoErrorStats(sec *InfoSection) {
	codes := make([]string, 0, len(s.errorStats))
	for code := range s.errorStats {
		codes = append(codes, code)
	}
	sort.Strings(codes) // Redis keeps them in a radix tree: lexicographic order
	for _, code := range codes {
		sec.add("errorstat_"+code, "count="+itoa(*s.errorStats[code]))
	}
}

func (s *Server) infoKeyspace(sec *InfoSection) {
	for _, db := range s.dbs {
		keys, vkeys := db.Len(), db.VolatileLen()
		if keys == 0 && vkeys == 0 {
			continue
		}
		sec.add("db"+strconv.Itoa(db.id), "keys="+strconv.Itoa(keys)+",expires="+strconv.Itoa(vkeys)+
			",avg_ttl="+itoa(db.avgTTL))
	}
}

// infoLatencyStats writes each command's latency percentiles (latency-tracking-info-
// percentiles) as Redis's fillPercentileDistributionLatencies: "p50=7.007,p99=...".
func (s *Server) infoLatencyStats(sec *InfoSection) {
	if !s.cfg.LatencyTracking {
		return
	}
	for _, cmd := range s.commands.all {
		h := cmd.latency
		if h == nil {
			continue
		}
		var b strings.Builder
		for i, p := range s.cfg.LatencyTrackingInfoPercentiles {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("p" + trimFloat(p) + "=" +
				strconv.FormatFloat(float64(h.valueAtPercentile(p))/1000, 'f', 3, 64))
		}
		sec.add("latency_percentiles_usec_"+cmd.Name, b.String())
	}
}

// trimFloat formats f as "%f" with trailing zeros and dot removed (Redis's
// trimDoubleString): 50 → "50", 99.9 → "99.9".
func trimFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', 6, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
