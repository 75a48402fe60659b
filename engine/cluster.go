package engine

// Cluster mode (cluster-enabled yes), after Redis 7.0's cluster.c: the node's view of
// the cluster (a slots.State owned by the loop), nodes.conf, cluster_state and the
// periodic work. The flow:
//
//   - New → initCluster: lock cluster-config-file (flock, as Redis: two nodes must
//     never share one), load it, or create myself with a fresh id and save it.
//   - Start → clusterListening: myself's ports are known; keys loaded from disk in
//     slots we do not own are claimed or marked importing (verifyClusterConfigWithData).
//   - Every change goes through clusterApply with slots.Effects: what to save, whether
//     cluster_state must be recomputed, keys to delete, a master to follow, whether
//     myself must be gossiped. The work is coalesced into beforeSleep, as Redis's
//     clusterBeforeSleep (CLUSTER_TODO_*), fsync'ed saves of commands included
//     (todoFsync: done before the reply is written); an fsync'ed save the bus asks
//     for (a vote) is done at once, as the bus does not wait for beforeSleep.
//   - clusterCron (every 100 ms): cluster_state, manual failover timeout, the replica
//     side of failover elections.
//
// Commands are in cluster_cmds.go, routing in cluster_route.go, MIGRATE in
// migrate.go, the bus contract in cluster_bus.go.

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/slots"
	"golang.org/x/sys/unix"
)

// clusterTodo are the deferred cluster actions (Redis's CLUSTER_TODO_*).
type clusterTodo uint8

const (
	todoSave        clusterTodo = 1 << iota // rewrite nodes.conf
	todoUpdateState                         // recompute cluster_state
	todoBroadcast                           // refresh myself's meta and tell the bus
	// todoFsync: the save must also reach the disk (CLUSTER_TODO_FSYNC_CONFIG), as
	// after a new config epoch: beforeSleep runs before the replies are written,
	// so the client's OK comes after the fsync, and one fsync covers every change
	// of the iteration.
	todoFsync
)

// Redis's delays for cluster_state (cluster.c): a master waits before it turns ok
// after start or after being in a minority partition, so it learns the new
// configuration before it accepts writes.
const (
	clusterWritableDelay  = 2000
	clusterMinRejoinDelay = 500
	clusterMaxRejoinDelay = 5000
	clusterMFTimeout      = 5000 // a manual failover's time limit (CLUSTER_MF_TIMEOUT)
	clusterMFPauseMult    = 2    // the master pauses clients mf_timeout*2
	clusterRankDelay      = 1000 // ms of extra election delay per rank of replica
)

// clusterState is the engine's cluster mode (loop goroutine only, except myself).
type clusterState struct {
	st     *slots.State
	bus    ClusterBus
	myself clusterMyself
	ok     bool // cluster_state:ok
	todo   clusterTodo
	path   string
	lockFD int
	// The save path (clusterSave): the encoding buffer, the temp file's name, and
	// what the last save wrote (contents, and the file's identity as written) when
	// savedValid.
	saveBuf, saved []byte
	tmpPath        string
	savedStat      unix.Stat_t
	savedValid     bool
	spareFD        int  // the previous file, at tmpPath, locked: rewritten by the next save (-1: none)
	noExchange     bool // RENAME_EXCHANGE is not supported here
	// saves counts the saves that wrote the file, fsyncs those that also flushed
	// it (the tests check that changes are coalesced and flushed where Redis does).
	saves, fsyncs int64
	// size is the number of masters serving at least one slot (cluster_size).
	size int
	// firstUpdate and minorityTime drive the writable and rejoin delays.
	firstUpdate, minorityTime int64
	// Failover election of myself, a replica (clusterHandleSlaveFailover).
	authTime      int64  // when the election may start / started
	authMaster    string // the master that election was to replace
	authCount     int    // votes received
	authSent      bool   // the request went out
	authEpoch     uint64 // the epoch of our request
	authRank      int
	lastVoteTimes map[string]int64 // master side: id of a failed master → when we voted for one of its replicas
	// Manual failover (CLUSTER FAILOVER): on the replica, mfEnd, mfCanStart and
	// the offset the paused master announced (mfMasterOffset, once mfOffsetKnown);
	// on the master, mfReplica (who asked) and the client pause.
	mfEnd          int64
	mfCanStart     bool
	mfOffsetKnown  bool
	mfMasterOffset int64
	mfReplica      string
	// migrate caches MIGRATE's connections (migrate.go).
	migrate     map[string]*migrateConn
	migrateCron bool // migrateCron is installed
	// replOffsets are the replication offsets other nodes announce (CLUSTER SLOTS
	// lists a replica only once it has data; SHARDS shows them).
	replOffsets map[string]int64
	// Replica migration: the masters that are valid targets (Redis's
	// CLUSTER_NODE_MIGRATE_TO flag: migrateCron), what the last cron saw of
	// each node to notice the transitions that set and clear it, and since
	// when each target has had no working replica.
	// served: the slots myself's shard served at the last state change
	// (clusterDropLostShardChannels).
	served        slots.Bitmap
	migrateTo     map[string]bool
	migrateSeen   map[string]migrateSeen
	replicaCount  map[string]int // migrateFlagsCron's scratch: master id → replicas
	orphanedSince map[string]int64
	// dropFilter is DEBUG DROP-CLUSTER-PACKET-FILTER's packet type, -1 for none
	// (cluster_debug.go); the bus reads it from its own goroutines.
	dropFilter atomic.Int64
	// nodeTimeout is cluster-node-timeout for the bus (ClusterNodeTimeout),
	// republished by clusterCron after a CONFIG SET.
	nodeTimeout atomic.Int64
	// linkSendbufLimit is cluster-link-sendbuf-limit for the bus
	// (ClusterLinkSendbufLimit), republished with nodeTimeout.
	linkSendbufLimit atomic.Int64
	// sizePub is size for the bus (ClusterSize), published when a state update
	// computes it; 0 until then (the bus counts for itself: a master just
	// started must not take its own PFAIL for a FAIL in a cluster of size 1).
	sizePub atomic.Int64
	// loopAlive is when the loop last went to sleep, woke, or served events
	// while blocked (unix ms): the bus stops answering while it is stuck
	// (ClusterLoopAlive), as a Redis node's bus is served by its one thread.
	loopAlive atomic.Int64
	// loopAsleep: the loop waits for events. It is not stuck then, however
	// long the kernel takes to run it again: on a machine short of CPU (twenty
	// nodes on two cores) a wake-up late by half a second muted the bus of an
	// idle node, and its peers failed it.
	loopAsleep atomic.Bool
	// loopBlocked: the loop is about to block on purpose (DEBUG SLEEP) until
	// its next heartbeat; the bus stops answering at once (ClusterLoopBlocked).
	loopBlocked atomic.Bool
	// resetGen counts hard resets: a node update the bus submitted before one
	// is dropped when it runs after it (ClusterNodeUpdate), as a reset Redis
	// node has forgotten its old cluster.
	resetGen atomic.Uint64
}

// clusterEnabled reports whether the node runs in cluster mode.
func (s *Server) clusterEnabled() bool { return s.cluster.st != nil }

// initCluster loads or creates the node's cluster state (Redis's clusterInit).
func (s *Server) initCluster() error {
	if !s.cfg.ClusterEnabled {
		return nil
	}
	cl := &s.cluster
	cl.lockFD, cl.spareFD = -1, -1
	cl.dropFilter.Store(-1)
	cl.nodeTimeout.Store(s.cfg.ClusterNodeTimeout)
	cl.linkSendbufLimit.Store(s.cfg.ClusterLinkSendbufLimit)
	cl.size = 1 // Redis's clusterInit starts with a size of 1 until the first state update
	cl.replOffsets = map[string]int64{}
	cl.migrateTo = map[string]bool{}
	cl.migrateSeen = map[string]migrateSeen{}
	cl.orphanedSince = map[string]int64{}
	cl.lastVoteTimes = map[string]int64{}
	cl.path = s.cfg.ClusterConfigFile
	if !filepath.IsAbs(cl.path) {
		cl.path = filepath.Join(s.cfg.Dir, cl.path)
	}
	if err := s.clusterLock(); err != nil {
		return err
	}
	data, err := os.ReadFile(cl.path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("Unrecoverable error opening the cluster config file %s: %w", cl.path, err)
	}
	if len(data) == 0 {
		// No configuration yet (or an empty file, which Redis treats the same): we
		// are a fresh master that knows only itself.
		cl.st = slots.NewState(slots.NewID())
		s.log.Info("No cluster configuration found, I'm " + cl.st.Myself.ID)
		s.clusterSetMyselfAddr()
		if err := s.clusterSave(true); err != nil {
			return err
		}
	} else {
		st, err := slots.ParseConfig(data, s.wallNow())
		if err != nil {
			return err
		}
		cl.st = st
		s.log.Info("Node configuration loaded, I'm " + st.Myself.ID)
		s.clusterSetMyselfAddr()

	}
	s.cronHooks = append(s.cronHooks, s.clusterCron)
	s.beforeSleepHooks = append(s.beforeSleepHooks, s.clusterBeforeSleep)
	s.onClientReset = append(s.onClientReset, func(c *Client) { c.clusterFlags = 0 })
	s.clientInfoHooks = append(s.clientInfoHooks, func(c *Client, x *clientExtra) {
		if c.clusterFlags&clientReadonly != 0 {
			x.Flags = insertClientFlag(x.Flags, 'r')
		}
	})
	// CONFIG SET of what myself announces takes effect at once and is gossiped.
	s.configApplyHooks = append(s.configApplyHooks, func(changed []string) error {
		for _, name := range changed {
			if strings.HasPrefix(name, "cluster-announce-") {
				s.clusterSetMyselfAddr()
				s.clusterChanged()
				break
			}
		}
		return nil
	})
	s.shutdownHooks = append(s.shutdownHooks, func(nosave, save bool) error {
		s.clusterShutdown()
		return nil
	})
	cl.todo |= todoUpdateState | todoBroadcast
	s.clusterPublishMyself()
	return nil
}

// wallNow is the wall clock in unix ms (usable before the loop runs).
func (s *Server) wallNow() int64 {
	if s.nowMs != 0 {
		return s.nowMs
	}
	return time.Now().UnixMilli()
}

// clusterSetMyselfAddr sets the ports and names myself announces from the
// configuration (Redis's clusterUpdateMyselfAnnouncedPorts and Hostname). The IP
// stays what the bus learned unless cluster-announce-ip is set.
func (s *Server) clusterSetMyselfAddr() {
	me := s.cluster.st.Myself
	port := s.cfg.Port
	if port == 0 {
		if a := s.Addr(); a != "" {
			if i := lastColon(a); i >= 0 {
				port, _ = strconv.Atoi(a[i+1:])
			}
		}
	}
	// Redis's deriveAnnouncedPorts: in a TLS cluster the port is the TLS port
	// and the plaintext one travels beside it (pport), for plaintext clients.
	pport := 0
	if s.cfg.TLSCluster && s.cfg.TLSPort != 0 {
		port, pport = s.cfg.TLSPort, port
	}
	cport := s.cfg.ClusterPort
	if cport == 0 {
		cport = port + 10000
	}
	if s.cfg.TLSCluster && s.cfg.ClusterAnnounceTLSPort != 0 {
		port, pport = s.cfg.ClusterAnnounceTLSPort, s.cfg.ClusterAnnouncePort
	} else if s.cfg.ClusterAnnouncePort != 0 {
		port = s.cfg.ClusterAnnouncePort
	}
	if s.cfg.ClusterAnnounceBusPort != 0 {
		cport = s.cfg.ClusterAnnounceBusPort
	}
	me.Port, me.PPort, me.CPort = port, pport, cport
	me.Hostname = s.cfg.ClusterAnnounceHostname
	if s.cfg.ClusterAnnounceIP != "" {
		me.IP = s.cfg.ClusterAnnounceIP
	}
}

func lastColon(a string) int {
	for i := len(a) - 1; i >= 0; i-- {
		if a[i] == ':' {
			return i
		}
	}
	return -1
}

// clusterListening runs once the sockets are open and the data is loaded: myself's
// port is known (port 0 in tests), and keys in slots we do not serve are reconciled.
func (s *Server) clusterListening() {
	if !s.clusterEnabled() {
		return
	}
	s.clusterSetMyselfAddr()
	s.clusterVerifyData()
	s.clusterPublishMyself()
	s.cluster.todo |= todoSave
}

// clusterVerifyData is Redis's verifyClusterConfigWithData: keys loaded for a slot
// nobody serves make myself its owner; keys for a slot another node serves mark
// the slot importing from it, so redis-cli --cluster fix sees and repairs it.
func (s *Server) clusterVerifyData() {
	st := s.cluster.st
	if st.Myself.IsReplica() {
		return
	}
	db := s.dbs[0]
	changed := false
	for slot := 0; slot < slots.Count; slot++ {
		if db.dicts[slot].Len() == 0 || st.Owner[slot] == st.Myself || st.Importing[slot] != nil {
			continue
		}
		changed = true
		if st.Owner[slot] == nil {
			s.log.Warn("I have keys for unassigned slot " + strconv.Itoa(slot) + ". Taking responsibility for it.")
			st.SetOwner(slot, st.Myself)
		} else {
			s.log.Warn("I have keys for slot " + strconv.Itoa(slot) + ", but the slot is assigned to another node. Setting it to importing state.")
			st.Importing[slot] = st.Owner[slot]
		}
	}
	if changed {
		s.cluster.todo |= todoSave | todoUpdateState
	}
}

// clusterLock takes an exclusive flock on the config file, as Redis's
// clusterLockConfig, so two nodes never share one.
func (s *Server) clusterLock() error {
	cl := &s.cluster
	fd, err := unix.Open(cl.path, unix.O_WRONLY|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return fmt.Errorf("Can't open %s in order to acquire a lock: %w", cl.path, err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		unix.Close(fd)
		if err == unix.EWOULDBLOCK {
			return fmt.Errorf("Sorry, the cluster configuration file %s is already used by a different Redis Cluster node. Please make sure that different nodes use different cluster configuration files.", cl.path)
		}
		return fmt.Errorf("Impossible to lock %s: %w", cl.path, err)
	}
	if cl.lockFD >= 0 {
		unix.Close(cl.lockFD)
	}
	cl.lockFD = fd
	return nil
}

// clusterSave writes nodes.conf atomically: the contents go to a temp file that
// then takes the path's place in one step; when fsync is asked (votes, failovers,
// resets: Redis's CLUSTER_TODO_FSYNC_CONFIG) the file and then the directory are
// fsync'ed. Redis 7.0 rewrites in place with padding; this never leaves a
// half-written file. Without fsync (SETSLOT, ADDSLOTS, gossip updates, as Redis) a
// resharding of thousands of slots costs no disk flush per slot.
//
// Redis saves on every change of the configuration (a resharding saves once per
// CLUSTER SETSLOT), so the save is kept cheap:
//   - the contents are encoded into a reused buffer;
//   - the step is an exchange (renameat2 RENAME_EXCHANGE) of two files this node
//     keeps open and locked: the old file becomes the next temp file, rewritten in
//     place. A rename over the old file instead creates and frees an inode per
//     save, and ext4 starts writeback of the new file at each such rename
//     (auto_da_alloc): 0.3-0.5 ms a SETSLOT here. Where the exchange is not
//     supported, or no file is at the path, a plain rename;
//   - the lock is on the temp file before it takes the path, so the new file is
//     never unlocked (Redis's clusterLockConfig);
//   - a save without fsync whose contents are those of the file still in place
//     (same inode, size and mtime as written) writes nothing.
func (s *Server) clusterSave(fsync bool) error {
	cl := &s.cluster
	cl.saveBuf = cl.st.AppendConfigFile(cl.saveBuf[:0])
	data := cl.saveBuf
	var cur unix.Stat_t
	ours := cl.savedValid && unix.Stat(cl.path, &cur) == nil &&
		cur.Dev == cl.savedStat.Dev && cur.Ino == cl.savedStat.Ino
	if ours && !fsync && cur.Size == cl.savedStat.Size && cur.Mtim == cl.savedStat.Mtim &&
		string(data) == string(cl.saved) {
		return nil
	}
	if cl.tmpPath == "" {
		cl.tmpPath = cl.path + ".tmp-" + strconv.Itoa(os.Getpid())
	}
	tmp := cl.tmpPath
	cl.savedValid = false
	fd := cl.spareFD
	cl.spareFD = -1
	var err error
	if fd < 0 {
		fd, err = unix.Open(tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_CLOEXEC, 0o644)
		if err != nil {
			s.log.Warn("Could not save the cluster configuration: " + (&os.PathError{Op: "open", Path: tmp, Err: err}).Error())
			return err
		}
		// A fresh inode nobody else has opened: the lock cannot be refused.
		err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
	}
	for off := 0; err == nil && off < len(data); {
		var n int
		n, err = unix.Pwrite(fd, data[off:], int64(off))
		if err == unix.EINTR {
			err = nil
		}
		off += max(n, 0)
	}
	if err == nil {
		err = unix.Ftruncate(fd, int64(len(data)))
	}
	if err == nil && fsync {
		err = unix.Fsync(fd)
	}
	var saved unix.Stat_t
	if err == nil {
		err = unix.Fstat(fd, &saved)
	}
	exchanged := false
	if err == nil && !cl.noExchange {
		err = unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, cl.path, unix.RENAME_EXCHANGE)
		switch err {
		case nil:
			exchanged = true
		case unix.EINVAL, unix.ENOSYS, unix.EOPNOTSUPP:
			cl.noExchange = true // this filesystem or kernel cannot: rename from now on
			err = nil
		case unix.ENOENT: // no file at the path (removed): a rename creates it
			err = nil
		}
	}
	if err == nil && !exchanged {
		err = unix.Rename(tmp, cl.path)
	}
	if err != nil {
		unix.Close(fd)
		unix.Unlink(tmp)
		s.log.Warn("Could not save the cluster configuration: " + err.Error())
		return err
	}
	if fsync {
		if d, err := os.Open(filepath.Dir(cl.path)); err == nil {
			d.Sync()
			d.Close()
		}
	}
	old := cl.lockFD
	cl.lockFD = fd
	switch {
	case exchanged && ours:
		cl.spareFD = old // the previous file, now at the temp path: the next save's
	case exchanged:
		// What was at the path was not our last save (the first save, or the file
		// was replaced): drop it from the temp path; the next save starts afresh.
		unix.Unlink(tmp)
		fallthrough
	default:
		if old >= 0 {
			unix.Close(old)
		}
	}
	cl.saved = append(cl.saved[:0], data...)
	cl.savedStat = saved
	cl.savedValid = true
	cl.saves++
	if fsync {
		cl.fsyncs++
	}
	return nil
}

// clusterApply carries out what a change of the state requires.
func (s *Server) clusterApply(e slots.Effects) {
	cl := &s.cluster
	if e.Save {
		cl.todo |= todoSave
	}
	if e.UpdateState {
		cl.todo |= todoUpdateState
	}
	if e.Broadcast {
		cl.todo |= todoBroadcast
	}
	for _, slot := range e.DirtySlots {
		s.clusterDelKeysInSlot(slot)
	}
	if e.FollowMaster != nil && e.FollowMaster != cl.st.Myself {
		s.log.Warn("Configuration change detected. Reconfiguring myself as a replica of " + e.FollowMaster.ID)
		s.clusterSetMaster(e.FollowMaster)
		e.Fsync = true
	}
	if e.Fsync {
		s.clusterSave(true)
		cl.todo &^= todoSave | todoFsync
	}
}

// clusterChanged marks myself's configuration changed: save, state, gossip.
func (s *Server) clusterChanged() {
	s.cluster.todo |= todoSave | todoUpdateState | todoBroadcast
}

// clusterBeforeSleep does the deferred work (Redis's clusterBeforeSleep).
func (s *Server) clusterBeforeSleep() {
	// Every loop iteration, the cron's included even under DEBUG PAUSE-CRON
	// (Redis's bus is served by file events, not by the cron).
	s.clusterHeartbeat()
	cl := &s.cluster
	if cl.mfOffsetKnown && !cl.mfCanStart {
		s.clusterHandleManualFailover()
	}
	if cl.todo == 0 {
		return
	}
	todo := cl.todo
	cl.todo = 0
	s.clusterDropLostShardChannels()
	if todo&todoUpdateState != 0 {
		s.clusterUpdateState()
	}
	if todo&(todoSave|todoFsync) != 0 {
		s.clusterSave(todo&todoFsync != 0)
	}
	// Any change may touch myself (epochs, role, address): refresh what the bus
	// reads, and tell it when myself's announcement changed.
	s.clusterPublishMyself()
	if todo&todoBroadcast != 0 && cl.bus != nil {
		cl.bus.Changed()
	}
}

// clusterDropLostShardChannels is Redis's removeChannelsInSlot, which
// clusterDelSlot runs when a slot served by myself's shard (myself's, or my
// master's) leaves it: every client subscribed to a shard channel of such a
// slot is unsubscribed, with a "sunsubscribe" message, and the channel is gone.
// Any state change passes here (its todo flags), so the slots served are
// compared with those of the last pass.
func (s *Server) clusterDropLostShardChannels() {
	cl := &s.cluster
	st := cl.st
	shard := st.Myself
	if !shard.IsMaster() {
		shard = st.Nodes[shard.MasterID]
	}
	var served slots.Bitmap
	if shard != nil {
		served = shard.Slots
	}
	prev := cl.served
	cl.served = served
	if len(s.pubsub.shard) == 0 || prev == served {
		return
	}
	var lost []string
	for name := range s.pubsub.shard {
		if sl := slots.Slot([]byte(name)); prev.Has(sl) && !served.Has(sl) {
			lost = append(lost, name)
		}
	}
	for _, name := range lost {
		subs := s.pubsub.shard[name]
		if subs == nil {
			continue
		}
		for _, c := range append([]*Client(nil), subs.clients...) {
			s.unsubscribeShard(c, subs.name, true)
			s.queueWrite(c) // not the client of a command: its reply goes out now
		}
	}
}

// clusterPublishMyself refreshes the meta the bus reads from any goroutine.
func (s *Server) clusterPublishMyself() {
	st := s.cluster.st
	m := st.MetaOf(st.Myself)
	m.MFPaused = s.cluster.mfReplica != "" && s.pause.until != 0
	m.ReplOffset = s.clusterMyOffset()
	s.cluster.myself.Store(&m)
}

// clusterMyOffset is the replication offset myself announces (Redis's
// replicationGetSlaveOffset for a replica): 0 during a full sync, as Redis
// discards its cached master on +FULLRESYNC, so the master's CLUSTER SHARDS
// shows the replica "loading" until the new dataset is loaded.
func (s *Server) clusterMyOffset() int64 {
	if s.cluster.st.Myself.IsReplica() && s.replica.state == replLinkTransfer {
		return 0
	}
	return s.repl.offset
}

// clusterUpdateState recomputes cluster_state (Redis's clusterUpdateState).
func (s *Server) clusterUpdateState() {
	cl := &s.cluster
	st := cl.st
	now := s.wallNow()
	if cl.firstUpdate == 0 {
		cl.firstUpdate = now
	}
	if st.Myself.IsMaster() && !cl.ok && now-cl.firstUpdate < clusterWritableDelay {
		cl.todo |= todoUpdateState // try again: nothing else may trigger it
		return
	}
	ok := true
	if s.cfg.ClusterRequireFullCoverage && !st.Covered() {
		ok = false
	}
	size, reachable := 0, 0
	for _, n := range st.Nodes {
		if n.IsMaster() && n.Slots.Len() > 0 {
			size++
			if n.Flags&(slots.FlagFail|slots.FlagPFail) == 0 {
				reachable++
			}
		}
	}
	cl.size = size
	cl.sizePub.Store(int64(size))
	if reachable < size/2+1 {
		ok = false
		cl.minorityTime = now
	}
	if ok != cl.ok {
		delay := s.cfg.ClusterNodeTimeout
		if delay > clusterMaxRejoinDelay {
			delay = clusterMaxRejoinDelay
		}
		if delay < clusterMinRejoinDelay {
			delay = clusterMinRejoinDelay
		}
		if ok && st.Myself.IsMaster() && now-cl.minorityTime < delay {
			cl.todo |= todoUpdateState
			return
		}
		if ok {
			s.log.Warn("Cluster state changed: ok")
		} else {
			s.log.Warn("Cluster state changed: fail")
		}
		cl.ok = ok
	}
}

// clusterCron is the periodic cluster work (part of Redis's clusterCron that is
// not the bus's: the bus pings and detects failures).
func (s *Server) clusterCron() {
	if !s.every(100) {
		return
	}
	// As Redis's clusterCron: the state is computed again here only while it
	// is fail (the rejoin and writable delays run out by themselves); a change
	// (a verdict, a slot, a node) asks for it through todoUpdateState. Walking
	// the slot map ten times a second was most of an idle node's cluster cost.
	if !s.cluster.ok {
		s.clusterUpdateState()
	}
	s.cluster.nodeTimeout.Store(s.cfg.ClusterNodeTimeout)
	s.cluster.linkSendbufLimit.Store(s.cfg.ClusterLinkSendbufLimit)
	// Redis's clusterUpdateMyselfFlags: cluster-replica-no-failover (CONFIG SET
	// included) is myself's nofailover flag, which the others see.
	if me := s.cluster.st.Myself; (me.Flags&slots.FlagNoFailover != 0) != s.cfg.ClusterReplicaNoFailover {
		me.Flags ^= slots.FlagNoFailover
		s.clusterApply(slots.Effects{Save: true, UpdateState: true, Broadcast: true})
	}
	// The bus reads myself's offset from the published meta (probe acks carry
	// it): keep it current, ten times a second at most.
	if me := s.cluster.myself.Load(); me != nil && me.ReplOffset != s.clusterMyOffset() {
		s.clusterPublishMyself()
	}
	// A replica whose replication is off (restarted from nodes.conf, or its
	// master's address was unknown when it was told to follow it) starts it once
	// the address is known, as Redis's clusterCron.
	if me := s.cluster.st.Myself; me.IsReplica() && s.replica.host == "" {
		if m := s.cluster.st.Nodes[me.MasterID]; m != nil && m.IP != "" && m.Port != 0 && m.Flags&slots.FlagNoAddr == 0 {
			s.clusterReplicateFrom(m)
		}
	}
	s.clusterManualFailoverCron()
	s.clusterHandleManualFailover()
	s.clusterReplicaFailoverCron()
	s.clusterReplicaMigrationCron()
	s.clusterRedirectBlocked()
}

// clusterHeartbeat notes that the loop runs (before each sleep, or events served
// during a load or a busy script): see ClusterLoopAlive.
func (s *Server) clusterHeartbeat() {
	if s.cluster.st != nil {
		s.cluster.loopAlive.Store(time.Now().UnixMilli())
		if s.cluster.loopBlocked.Load() {
			s.cluster.loopBlocked.Store(false)
		}
	}
}

// clusterAfterSleep notes that the loop woke to serve events: busy from now.
func (s *Server) clusterAfterSleep() {
	if s.cluster.st != nil {
		s.cluster.loopAlive.Store(time.Now().UnixMilli())
		s.cluster.loopAsleep.Store(false)
	}
}

// clusterLoopBlocks says the loop is about to block for long (DEBUG SLEEP):
// a Redis node stops answering its bus from the first instant, so its peers'
// failure detection counts from then, not from when the bus would notice the
// stall by itself (half a second later: gossip/stall.go).
func (s *Server) clusterLoopBlocks() {
	if s.cluster.st != nil {
		s.cluster.loopBlocked.Store(true)
	}
}

// clusterSlotHasKeys reports whether this node holds keys in slot.
func (s *Server) clusterSlotHasKeys(slot int) bool { return s.dbs[0].dicts[slot].Len() > 0 }

// clusterKeysInSlot returns up to max keys of slot (CLUSTER GETKEYSINSLOT, MIGRATE
// of a whole slot by redis-cli).
func (s *Server) clusterKeysInSlot(slot, max int) [][]byte {
	d := s.dbs[0].dicts[slot]
	out := make([][]byte, 0, min(max, d.Len()))
	d.Each(func(r keyspace.Ref) bool {
		if len(out) >= max {
			return false
		}
		out = append(out, []byte(d.E(r).Key()))
		return true
	})
	return out
}

// clusterDelKeysInSlot deletes every key of slot (a slot this node lost while it
// still held keys: Redis's delKeysInSlot for dirty slots), propagating DELs.
func (s *Server) clusterDelKeysInSlot(slot int) int {
	db := s.dbs[0]
	keys := s.clusterKeysInSlot(slot, db.dicts[slot].Len())
	for _, k := range keys {
		if db.Delete(k) {
			s.signalModified(db, k)
			s.notifyKeyspace(NotifyGeneric, "del", k, 0)
			if s.propagate != nil {
				s.propagate(0, [][]byte{[]byte("DEL"), k})
			}
			s.dirty++
		}
	}
	return len(keys)
}

// clusterShutdown leaves the bus and saves the configuration (Redis saves
// nodes.conf on shutdown too).
func (s *Server) clusterShutdown() {
	cl := &s.cluster
	if cl.st == nil {
		return
	}
	s.clusterSave(true)
	if cl.bus != nil {
		cl.bus.Close()
	}
	for _, mc := range cl.migrate {
		mc.close()
	}
	cl.migrate = nil
}

// clusterRelease closes the nodes.conf lock and the MIGRATE connections once the
// loop has stopped (any shutdown path), so the same process may start a node on
// the same file again (tests, embedding).
func (s *Server) clusterRelease() {
	cl := &s.cluster
	for _, mc := range cl.migrate {
		mc.close()
	}
	cl.migrate = nil
	if cl.lockFD >= 0 && cl.st != nil {
		unix.Close(cl.lockFD)
		cl.lockFD = -1
	}
	// Only a cluster node opened these: the zero value is fd 0, which in a process
	// without stdin may be another server's epoll fd (tests run many servers).
	if cl.spareFD >= 0 && cl.st != nil {
		unix.Close(cl.spareFD)
		unix.Unlink(cl.tmpPath)
		cl.spareFD = -1
	}
}

// clusterPublishOut sends a PUBLISH (or SPUBLISH) to the other nodes, as Redis's
// pubsubPublishMessageAndPropagateToCluster: subscribers on any node of the cluster
// (of the shard, for SPUBLISH) receive it. Nothing without a bus.
func (s *Server) clusterPublishOut(channel, message []byte, shard bool) {
	if s.cluster.bus != nil {
		s.cluster.bus.Publish(channel, message, shard)
	}
}

// clusterReplicateFrom points replication at master n. In cluster mode the master
// is the cluster's business, never a replicaof directive: the configuration keeps
// none, so CONFIG REWRITE writes none (as Redis) and the config stays valid.
func (s *Server) clusterReplicateFrom(n *slots.Node) {
	s.replicaSetMaster(n.IP, n.Port)
	s.cfg.ReplicaOfHost, s.cfg.ReplicaOfPort = "", 0
}

// clusterDeliver delivers a message published on another node.
func (s *Server) clusterDeliver(channel, message []byte, shard bool) {
	s.Publish(channel, message, shard)
}

// --- failover -----------------------------------------------------------------------

// clusterVote decides myself's vote for replica id (Redis's
// clusterSendFailoverAuthIfNeeded): myself must be a master with slots, the epoch
// current, no vote given in it yet, the replica's master failed (or force), no
// vote for a replica of that master in the last 2×node-timeout, and no claimed slot
// owned by a master with a greater config epoch.
func (s *Server) clusterVote(id string, reqEpoch uint64, claimed *slots.Bitmap, force bool) {
	cl := &s.cluster
	st := cl.st
	if st == nil || st.Myself.IsReplica() || st.Myself.Slots.Len() == 0 {
		return
	}
	node := st.Nodes[id]
	if node == nil || reqEpoch < st.CurrentEpoch || st.LastVoteEpoch == st.CurrentEpoch {
		return
	}
	if !node.IsReplica() || node.MasterID == "" {
		return
	}
	master := st.Nodes[node.MasterID]
	if master == nil || (master.Flags&slots.FlagFail == 0 && !force) {
		return
	}
	now := s.wallNow()
	if now-cl.lastVoteTimes[master.ID] < s.cfg.ClusterNodeTimeout*2 {
		return
	}
	for slot := 0; slot < slots.Count; slot++ {
		if !claimed.Has(slot) {
			continue
		}
		if o := st.Owner[slot]; o != nil && o.ConfigEpoch > reqEpoch {
			return
		}
	}
	st.LastVoteEpoch = st.CurrentEpoch
	cl.lastVoteTimes[master.ID] = now
	s.log.Warn("Failover auth granted to " + id + " for epoch " + strconv.FormatUint(st.CurrentEpoch, 10))
	// The vote is on disk before it leaves: a restarted master must not vote twice
	// in one epoch.
	s.clusterSave(true)
	if cl.bus != nil {
		cl.bus.SendFailoverAuthAck(id, st.CurrentEpoch)
	}
}

// clusterAuthAck counts a vote for myself (Redis's FAILOVER_AUTH_ACK handling).
func (s *Server) clusterAuthAck(id string, epoch uint64) {
	cl := &s.cluster
	st := cl.st
	if st == nil || !cl.authSent || epoch < cl.authEpoch {
		return
	}
	if n := st.Nodes[id]; n == nil || !n.IsMaster() || n.Slots.Len() == 0 {
		return
	}
	cl.authCount++
	s.clusterReplicaFailoverCron() // may have the majority now
}

// clusterMFStart is the master side of a manual failover: pause writes for twice
// the manual failover timeout so the replica can catch up (Redis's MFSTART).
func (s *Server) clusterMFStart(id string) {
	cl := &s.cluster
	st := cl.st
	if st == nil {
		return
	}
	n := st.Nodes[id]
	if n == nil || n.MasterID != st.Myself.ID {
		return
	}
	cl.mfReplica = id
	cl.mfEnd = s.wallNow() + clusterMFTimeout
	s.Pause(clusterMFTimeout*clusterMFPauseMult, true)
	cl.todo |= todoBroadcast
}

// clusterManualFailoverCron ends a manual failover that timed out.
func (s *Server) clusterManualFailoverCron() {
	cl := &s.cluster
	if cl.mfEnd != 0 && s.wallNow() > cl.mfEnd {
		s.log.Warn("Manual failover timed out.")
		s.clusterResetManualFailover()
	}
}

func (s *Server) clusterResetManualFailover() {
	cl := &s.cluster
	if cl.mfReplica != "" {
		s.Unpause()
	}
	cl.mfEnd, cl.mfCanStart, cl.mfReplica = 0, false, ""
	cl.mfOffsetKnown, cl.mfMasterOffset = false, 0
	cl.todo |= todoBroadcast
}

// clusterHandleManualFailover is the replica waiting in a manual failover
// (Redis's clusterHandleManualFailover): once its master paused and announced
// its offset, the election may start as soon as the replication stream reached
// it. The stream arrives after the announcement as often as before it, so this
// is checked on every loop iteration until then, not only when the bus
// delivers the master's announcement.
func (s *Server) clusterHandleManualFailover() {
	cl := &s.cluster
	if cl.mfEnd == 0 || cl.mfCanStart || !cl.mfOffsetKnown || !cl.st.Myself.IsReplica() {
		return
	}
	if s.repl.offset >= cl.mfMasterOffset {
		cl.mfCanStart = true
		s.log.Warn("All master replication stream processed, manual failover can start.")
		s.clusterReplicaFailoverCron()
	}
}

// clusterReplicaFailoverCron is the replica side of an election (Redis's
// clusterHandleSlaveFailover): when our master is FAIL (or a manual failover may
// start), wait the rank delay, ask for votes in a new epoch, and take over with a
// majority of the masters.
func (s *Server) clusterReplicaFailoverCron() {
	cl := &s.cluster
	st := cl.st
	me := st.Myself
	if !me.IsReplica() || me.MasterID == "" {
		return
	}
	master := st.Nodes[me.MasterID]
	manual := cl.mfEnd != 0 && cl.mfCanStart
	if master == nil || (master.Flags&slots.FlagFail == 0 && !manual) || master.Slots.Len() == 0 {
		return
	}
	if s.cfg.ClusterReplicaNoFailover && !manual {
		return
	}
	now := s.wallNow()
	// A replica whose data is too old must not take over (cluster-replica-validity-
	// factor), unless the operator asked: the age counts from the last byte of the
	// master, minus the node timeout it took to declare the master failed.
	if f := int64(s.cfg.ClusterReplicaValidityFactor); f > 0 && !manual {
		age := s.clusterDataAge(now)
		if age > s.cfg.ClusterNodeTimeout {
			age -= s.cfg.ClusterNodeTimeout
		}
		if age > int64(s.cfg.ReplPingReplicaPeriod)*1000+s.cfg.ClusterNodeTimeout*f {
			return
		}
	}
	timeout := max(s.cfg.ClusterNodeTimeout*2, 2000)
	retry := timeout * 2
	if cl.authMaster != me.MasterID {
		// The retry pacing is between elections to replace one master. Redis
		// keeps its failover_auth_time across masters too, so a replica that won
		// an election and, within the retry time (4x the node timeout), follows
		// another master whose manual failover must run at once (the master
		// stuck in DEBUG SLEEP: 10-manual-failover after its reset) waited for
		// the old timer; on redis-server that test passes as its steps are slower.
		cl.authTime, cl.authMaster = 0, me.MasterID
	}
	if now-cl.authTime > retry {
		// A new election: delay 500 ms + random + rank. During a manual
		// failover (CLUSTER FAILOVER in progress, whether it may start or our
		// master failed meanwhile), no delay and rank 0, as Redis's test of
		// mf_end: the operator asked for this replica.
		cl.authTime = now + 500 + rand.Int64N(500)
		cl.authCount, cl.authSent = 0, false
		cl.authRank = s.clusterReplicaRank()
		cl.authTime += int64(cl.authRank * clusterRankDelay)
		if cl.mfEnd != 0 {
			cl.authTime, cl.authRank = now, 0
		}
		s.log.Warn(fmt.Sprintf("Start of election delayed for %d milliseconds (rank #%d, offset %d).",
			cl.authTime-now, cl.authRank, s.clusterMyOffset()))
		// Tell the others (our sibling replicas above all) our exact offset now:
		// their ranks depend on it (Redis broadcasts a pong to the local replicas).
		cl.todo |= todoBroadcast
		if cl.mfEnd == 0 {
			return
		}
		// No delay: the request goes now, not at the next cron (Redis runs the
		// election again before it sleeps, CLUSTER_TODO_HANDLE_FAILOVER).
	}
	// A sibling's offset learned during the delay may show it is better placed:
	// step back by the ranks lost, as Redis does (not in a manual failover).
	if !cl.authSent && cl.mfEnd == 0 {
		if r := s.clusterReplicaRank(); r > cl.authRank {
			cl.authTime += int64((r - cl.authRank) * clusterRankDelay)
			cl.authRank = r
		}
	}
	if now < cl.authTime || now-cl.authTime > timeout {
		return
	}
	if !cl.authSent {
		st.CurrentEpoch++
		cl.authEpoch = st.CurrentEpoch
		cl.authSent = true
		s.log.Warn("Starting a failover election for epoch " + strconv.FormatUint(cl.authEpoch, 10) + ".")
		s.clusterSave(true)
		if cl.bus != nil {
			// FORCEACK whenever a manual failover is in progress (Redis's
			// clusterRequestFailoverAuth tests mf_end).
			cl.bus.RequestFailoverAuth(cl.authEpoch, cl.mfEnd != 0)
		}
		return
	}
	needed := cl.size/2 + 1
	if cl.authCount >= needed {
		s.log.Warn("Failover election won: I'm the new master.")
		s.clusterFailoverReplaceMaster(cl.authEpoch)
	}
}

// clusterDataAge is how old our copy of the master's data is, in ms: since the
// master last sent anything while the link is up, else since the link went down
// (forever if it never was up), as Redis's data_age.
func (s *Server) clusterDataAge(now int64) int64 {
	rs := &s.replica
	if rs.master != nil {
		return now - rs.master.lastSeen
	}
	return now - rs.downSince*1000
}

// clusterReplicaRank is Redis's clusterGetSlaveRank: how many other replicas of our
// master have processed more of its stream than we have. The best replica (rank 0)
// asks for votes first, so it usually wins.
func (s *Server) clusterReplicaRank() int {
	st := s.cluster.st
	m := st.Nodes[st.Myself.MasterID]
	if m == nil {
		return 0
	}
	mine, rank := s.repl.offset, 0
	for _, r := range st.Replicas(m) {
		if r != st.Myself && r.Flags&slots.FlagNoFailover == 0 && s.cluster.replOffsets[r.ID] > mine {
			rank++
		}
	}
	return rank
}

// clusterReplicaMigrationDelay is how long a master must stay orphaned before a
// replica migrates to it (CLUSTER_SLAVE_MIGRATION_DELAY): during a failover its
// own replicas need a moment to announce they follow the new master.
const clusterReplicaMigrationDelay = 5000

// okReplicas counts m's replicas that are not failed (Redis's
// clusterCountNonFailingSlaves); with strict, not suspected (PFAIL) either, as
// Redis counts the replicas its own master keeps for the migration barrier.
func okReplicas(st *slots.State, m *slots.Node, strict bool) int {
	bad := slots.FlagFail
	if strict {
		bad |= slots.FlagPFail
	}
	n := 0
	for _, r := range st.Replicas(m) {
		if r.Flags&bad == 0 {
			n++
		}
	}
	return n
}

// clusterReplicaMigrationCron is Redis's replica migration (clusterCron and
// clusterHandleSlaveMigration): when a master with slots has lost every working
// replica, one replica of the master with the most replicas moves to it — the one
// with the smallest id, so only one moves — as long as its own master keeps more
// than cluster-migration-barrier replicas.
func (s *Server) clusterReplicaMigrationCron() {
	cl := &s.cluster
	st := cl.st
	me := st.Myself
	s.migrateFlagsCron()
	if !me.IsReplica() || !s.cfg.ClusterAllowReplicaMigration || !cl.ok {
		return
	}
	mine := st.Nodes[me.MasterID]
	if mine == nil {
		return
	}
	orphans, maxOK, mineOK := 0, 0, 0
	for _, n := range st.Nodes {
		if !n.IsMaster() || n.Flags&slots.FlagFail != 0 {
			continue
		}
		ok := okReplicas(st, n, false)
		if ok == 0 && n.Slots.Len() > 0 && cl.migrateTo[n.ID] {
			orphans++
		}
		maxOK = max(maxOK, ok)
		if n == mine {
			mineOK = ok
		}
	}
	if orphans == 0 || maxOK < 2 || mineOK != maxOK {
		return
	}
	// Our master must keep more than the barrier of working replicas.
	if okReplicas(st, mine, true) <= s.cfg.ClusterMigrationBarrier {
		return
	}
	now := s.wallNow()
	candidate := me
	var target *slots.Node
	for _, n := range st.Sorted() {
		ok := 0
		if n.IsMaster() {
			ok = okReplicas(st, n, false)
		}
		if n.IsMaster() && n.Flags&slots.FlagFail == 0 && cl.migrateTo[n.ID] && ok == 0 {
			if target == nil && n.Slots.Len() > 0 {
				target = n
			}
			if cl.orphanedSince[n.ID] == 0 {
				cl.orphanedSince[n.ID] = now
			}
		} else {
			delete(cl.orphanedSince, n.ID)
		}
		if n.IsMaster() && ok == maxOK {
			for _, r := range st.Replicas(n) {
				if r.ID < candidate.ID {
					candidate = r
				}
			}
		}
	}
	if target != nil && candidate == me && now-cl.orphanedSince[target.ID] > clusterReplicaMigrationDelay {
		s.log.Info("Migrating to orphaned master " + target.ID)
		s.clusterSetMaster(target)
		s.clusterApply(slots.Effects{Fsync: true})
	}
}

// migrateSeen is what migrateFlagsCron saw of a node last time.
type migrateSeen struct {
	replica         bool
	slots, replicas int
}

// migrateFlagsCron keeps Redis's CLUSTER_NODE_MIGRATE_TO flag, which makes a
// master a target of replica migration once it has no working replica. Redis
// sets it when a master gains a replica (clusterNodeAddSlave), when another
// node's replica becomes a master (clusterSetNodeAsMaster: a replica that
// failed over its master inherits the role of a master that had replicas),
// and when a master gets its first slot while some master has replicas
// (clusterNodeSetSlotBit); it clears it when a master's last replica is
// removed (not failed: clusterNodeRemoveSlave). The state changes come from
// the bus in batches, so the cron compares each node with what it saw.
func (s *Server) migrateFlagsCron() {
	cl := &s.cluster
	st := cl.st
	// Each master's replicas counted in one pass (st.Replicas per master made this
	// cron, ten times a second, quadratic in the cluster's size).
	if cl.replicaCount == nil {
		cl.replicaCount = map[string]int{}
	}
	clear(cl.replicaCount)
	for _, n := range st.Nodes {
		if n.IsReplica() {
			cl.replicaCount[n.MasterID]++
		}
	}
	anyReplicas := false
	for id := range cl.replicaCount {
		if m := st.Nodes[id]; m != nil && m.IsMaster() {
			anyReplicas = true
			break
		}
	}
	for id, n := range st.Nodes {
		now := migrateSeen{replica: n.IsReplica(), slots: n.Slots.Len()}
		if n.IsMaster() {
			now.replicas = cl.replicaCount[id]
		}
		prev := cl.migrateSeen[id] // a node not seen before: a master without slots
		switch {
		case !n.IsMaster():
		case now.replicas > 0:
			cl.migrateTo[id] = true
		case prev.replicas > 0:
			delete(cl.migrateTo, id) // its last replica left it
		}
		if n.IsMaster() && prev.replica && n != st.Myself {
			cl.migrateTo[id] = true
		}
		if n.IsMaster() && prev.slots == 0 && now.slots > 0 && anyReplicas {
			cl.migrateTo[id] = true
		}
		cl.migrateSeen[id] = now
	}
	for id := range cl.migrateSeen {
		if st.Nodes[id] == nil {
			delete(cl.migrateSeen, id)
			delete(cl.migrateTo, id)
		}
	}
}

// clusterFailoverReplaceMaster turns myself into the master of our old master's
// slots with epoch (Redis's clusterFailoverReplaceYourMaster).
func (s *Server) clusterFailoverReplaceMaster(epoch uint64) {
	cl := &s.cluster
	if epoch > cl.st.Myself.ConfigEpoch {
		cl.st.BecomeMaster(epoch)
	} else {
		cl.st.BecomeMaster(cl.st.Myself.ConfigEpoch)
	}
	cl.authSent = false
	s.clusterResetManualFailover()
	// Stop replicating: our history continues as the master's (PSYNC2 lets the old
	// master's other replicas follow us).
	s.replicaUnsetMaster()
	s.clusterSave(true)
	s.clusterChanged()
}
