// Monitored instances: masters, their replicas and the other sentinels that
// monitor them, with the link state Redis Sentinel keeps per instance.

package sentinel

import (
	"net"
	"strconv"
	"time"
)

// instKind is what an instance is, as Redis's SRI_MASTER/SRI_SLAVE/SRI_SENTINEL.
type instKind int

const (
	kindMaster instKind = iota
	kindReplica
	kindSentinel
)

func (k instKind) String() string {
	switch k {
	case kindMaster:
		return "master"
	case kindReplica:
		return "slave"
	}
	return "sentinel"
}

// instance is one monitored server. Every field is guarded by Sentinel.mu.
type instance struct {
	kind   instKind
	name   string // master name; "ip:port" for replicas; run id for sentinels
	ip     string
	port   int
	runid  string
	master *master // the group this instance belongs to (itself for a master)

	created time.Time
	sdown   bool
	sdownAt time.Time

	// Link state (Redis's instanceLink).
	connected bool
	linkGen   uint64 // bumped to make the links reconnect (dropLinksLocked)
	// rebooting: a master whose run id changed, until it answers PONG
	// (master-reboot-down-after-period; Redis's SRI_MASTER_REBOOT).
	rebooting   bool
	rebootSince time.Time
	// pingPending is when the oldest unanswered PING was sent (act_ping_time).
	pingPending  time.Time
	lastPingSent time.Time
	lastAvail    time.Time // last valid PING reply (last_avail_time)
	lastPong     time.Time // last PING reply of any kind
	infoRefresh  time.Time
	infoPeriod   time.Duration
	infoText     string // last INFO reply, for SENTINEL INFO-CACHE

	roleReported     string // "master" or "slave", from INFO
	roleReportedTime time.Time
	replOffset       int64 // master_repl_offset (masters) or slave_repl_offset (replicas)

	// Replica fields from INFO replication.
	masterLinkDownSince time.Duration
	masterLinkUp        bool
	masterHost          string
	masterPort          int
	priority            int
	announced           bool
	// reconfSent is when a REPLICAOF was last sent to re-point this instance.
	reconfSent time.Time

	// Sentinel fields.
	lastHello         time.Time
	masterDownReplied time.Time // when it last said our master is down
	masterDownSays    bool

	stop chan struct{} // closed to end the link goroutines
}

func (ri *instance) addr() string { return net.JoinHostPort(ri.ip, strconv.Itoa(ri.port)) }

// master is a monitored group: its master instance and what hangs off it.
type master struct {
	*instance
	cfg         MasterConfig
	configEpoch uint64
	// baseEpoch: committed failovers up to this epoch predate the MONITOR.
	baseEpoch uint64
	odown     bool
	odownAt   time.Time
	replicas  map[string]*instance // by "ip:port"
	sentinels map[string]*instance // by run id

	// Failover state; fo is non-nil while this sentinel runs a failover.
	fo *failover
	// forwardedFailover: this sentinel handed a SENTINEL FAILOVER to the raft
	// leader, which runs it; until that failover ends (its switch end or abort
	// committed, or the failover timeout) this sentinel reports it in progress,
	// as the Redis sentinel that was asked does until its +failover-end: clients
	// poll the flags for the end, then may ask for the next failover.
	forwardedFailover time.Time
	forwardedTo       string // the leader that accepted it; a new leader ends it
	// forwardedBase: the config epoch when it was forwarded; only the end of
	// a failover of a newer epoch ends it.
	forwardedBase uint64
	// abortSeen: when the last committed failover abort of this master was
	// applied here; one applied while a SENTINEL FAILOVER was being forwarded
	// ended that failover already.
	abortSeen     time.Time
	failoverStart time.Time // last attempt, for the retry delay
	lastLeaderAsk time.Time // a follower's last request to the leader (handover.go)
	lastFailover  *failoverStats
	failoverCount int64

	// pendingSwitch is a committed switch whose +switch-master is not published
	// yet: Redis announces it at the end of the failover, after the replicas were
	// re-pointed, and so does keygrid (see announceSwitchLocked).
	pendingSwitch *pendingSwitch
}

// pendingSwitch is what +switch-master and the +slave events after it will say.
type pendingSwitch struct {
	epoch            uint64
	oldIP, newIP     string
	oldPort, newPort int
	leader           string   // run id of the sentinel that ran the failover
	replicas         []string // the new master's replicas, in the leader's order
	// deadline: if the leader never commits the failover's end (it crashed while
	// re-pointing replicas), every sentinel announces the switch by itself once
	// the failover timeout passed, as a Redis leader does after failover-timeout.
	deadline time.Time
}

// failoverStats is what one failover measured (issue point 5).
type failoverStats struct {
	Epoch       uint64
	Start       time.Time
	ToODown     time.Duration // master loss (last valid reply) to ODOWN
	ToPromotion time.Duration // master loss to the promoted replica reporting role master
	ToWrite     time.Duration // master loss to the first write seen on the new master; 0 if none yet
	OffsetGap   int64         // old master's last offset minus the promoted replica's
	Result      string        // "ok" or the abort reason
}

func newInstance(kind instKind, name, ip string, port int, m *master) *instance {
	now := time.Now()
	return &instance{kind: kind, name: name, ip: ip, port: port, master: m, created: now,
		pingPending: now, lastAvail: now, infoPeriod: infoPeriod, priority: 100, announced: true,
		stop: make(chan struct{})}
}

// Timing constants of Redis Sentinel (sentinel.c).
const (
	infoPeriod       = 10 * time.Second
	pingPeriod       = 1 * time.Second
	helloPeriod      = 2 * time.Second
	askPeriod        = 1 * time.Second
	tiltTrigger      = 2 * time.Second
	tiltPeriod       = 30 * time.Second
	minLinkReconnect = 15 * time.Second
	electionTimeout  = 10 * time.Second
)
