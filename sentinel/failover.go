// Failover, run by the raft leader only: pick a replica, promote it, commit the new
// master to the raft log, then re-point the other replicas (sentinelFailover*).

package sentinel

import (
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// simulatedCrash ends the process for SENTINEL SIMULATE-FAILURE, as Redis does.
// Tests replace it to stop one in-process sentinel instead.
var simulatedCrash = func(*Sentinel) { os.Exit(99) }

// failover is a failover in progress on this sentinel.
type failover struct {
	state    string // Redis's failover-state name, for SENTINEL MASTER
	epoch    uint64
	forced   bool // SENTINEL FAILOVER: no ODOWN and no agreement needed
	promoted *instance
	start    time.Time
}

// maybeStartFailover starts a failover of an ODOWN master (mu held, leader only).
func (s *Sentinel) maybeStartFailover(m *master, now time.Time) {
	if m.fo != nil || !m.odown || !s.groupCanDecideLocked(m) {
		return
	}
	// Redis waits twice the failover timeout before trying again after an attempt.
	if !m.failoverStart.IsZero() && now.Sub(m.failoverStart) < 2*m.cfg.FailoverTimeout {
		return
	}
	s.startFailoverLocked(m, now, false)
}

func (s *Sentinel) startFailoverLocked(m *master, now time.Time, forced bool) {
	m.fo = &failover{state: "wait_start", forced: forced, start: now}
	m.failoverStart = now
	s.wg.Add(1)
	go s.runFailover(m, m.fo)
}

// selectReplica is sentinelSelectSlave: among healthy replicas, lowest priority
// first (0 means never), then the highest replication offset, then the smallest run
// id, so every sentinel would pick the same one from the same data.
func selectReplica(m *master, now time.Time) *instance {
	maxInfoAge := 3 * infoPeriod
	if m.sdown {
		maxInfoAge = 5 * pingPeriod
	}
	// A replica disconnected from its master for much longer than the master has
	// been down has stale data.
	maxLinkDown := 10 * m.cfg.DownAfter
	if m.sdown {
		maxLinkDown += now.Sub(m.sdownAt)
	}
	var cands []*instance
	for _, r := range m.replicas {
		switch {
		case r.sdown, !r.connected, m.instance.ip == r.ip && m.instance.port == r.port:
		case now.Sub(r.lastAvail) > 5*pingPeriod:
		case r.priority == 0:
		case r.infoRefresh.IsZero() || now.Sub(r.infoRefresh) > maxInfoAge:
		case r.masterLinkDownSince > maxLinkDown:
		default:
			cands = append(cands, r)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	sort.Slice(cands, func(i, j int) bool { return replicaLess(cands[i], cands[j]) })
	return cands[0]
}

func replicaLess(a, b *instance) bool {
	if a.priority != b.priority {
		return a.priority < b.priority
	}
	if a.replOffset != b.replOffset {
		return a.replOffset > b.replOffset
	}
	// A replica with no known run id sorts last.
	if (a.runid == "") != (b.runid == "") {
		return b.runid == ""
	}
	return strings.Compare(a.runid, b.runid) < 0
}

func (s *Sentinel) setFailoverState(fo *failover, st string) {
	s.mu.Lock()
	fo.state = st
	hook := s.failoverHook
	s.mu.Unlock()
	if hook != nil {
		hook(st)
	}
}

// abortFailover ends a failover that promoted nobody (sentinelAbortFailover):
// the -failover-abort-<reason> event here, and the abort committed to the log
// so that a sentinel that forwarded this failover leaves its failover state
// at once too (onFailoverAbort). After the epoch was committed only: before,
// there is nothing to abort elsewhere.
func (s *Sentinel) abortFailover(m *master, old *instance, epoch uint64, stats *failoverStats, reason string) {
	stats.Result = reason
	s.eventUnlocked("-failover-abort-"+reason, old, "")
	if err := s.apply(command{Op: opFailoverAbort, Epoch: epoch, Name: m.name, Value: reason, Leader: s.myid}); err != nil {
		s.log.Sugar().Warnf("failover of %s: cannot commit its abort: %v", m.name, err)
	}
}

// runFailover drives one failover to its end or to an abort.
func (s *Sentinel) runFailover(m *master, fo *failover) {
	defer s.wg.Done()
	stats := &failoverStats{Start: fo.start}
	defer func() {
		s.mu.Lock()
		m.fo = nil
		if stats.Result != "" {
			m.lastFailover = stats
			m.failoverCount++
		}
		s.mu.Unlock()
		if stats.Result != "" {
			s.metrics.failover(m.name, stats)
		}
	}()
	s.mu.Lock()
	old := m.instance
	lossAt := old.lastAvail
	oldOffset := old.replOffset
	odownAt := m.odownAt
	timeout := m.cfg.FailoverTimeout
	opTO := opTimeout(m)
	s.mu.Unlock()
	if fo.forced {
		lossAt = fo.start
		odownAt = fo.start
	}
	stats.ToODown = odownAt.Sub(lossAt)

	// A new epoch, committed: no other failover can ever claim it. The barrier
	// makes sure the FSM has applied everything an earlier leader committed, so
	// the epoch is really new (the FSM also refuses one that is not).
	if err := s.raft.Barrier(5 * time.Second).Error(); err != nil {
		stats.Result = "not-elected"
		s.eventUnlocked("-failover-abort-not-elected", old, "")
		return
	}
	epoch := s.fsm.currentEpoch() + 1
	if err := s.apply(command{Op: opEpoch, Epoch: epoch, Name: m.name, Leader: s.myid}); err != nil {
		s.log.Sugar().Warnf("failover of %s: cannot commit epoch %d: %v", m.name, epoch, err)
		stats.Result = "not-elected"
		s.eventUnlocked("-failover-abort-not-elected", old, "")
		return
	}
	stats.Epoch = epoch
	s.mu.Lock()
	fo.epoch = epoch
	simFail := s.simFail
	s.mu.Unlock()
	s.eventUnlocked("+try-failover", old, "")
	s.mu.Lock()
	s.eventm("+vote-for-leader", m, "%s %d", s.myid, epoch)
	s.mu.Unlock()
	s.eventUnlocked("+elected-leader", old, "")
	if simFail&simCrashAfterElection != 0 {
		s.log.Warn("Simulated crash after election")
		simulatedCrash(s)
	}
	s.setFailoverState(fo, "select_slave")
	s.eventUnlocked("+failover-state-select-slave", old, "")
	// Replicas' INFO is refreshed every second once the master is down; give a
	// replica whose last INFO predates that a moment to qualify.
	var r *instance
	for wait := time.Now().Add(min(timeout, 3*time.Second)); ; {
		s.mu.Lock()
		r = selectReplica(m, time.Now())
		s.mu.Unlock()
		if r != nil || time.Now().After(wait) || !s.sleepOrStop(old, 100*time.Millisecond) {
			break
		}
	}
	if r == nil {
		s.abortFailover(m, old, epoch, stats, "no-good-slave")
		return
	}
	s.mu.Lock()
	fo.promoted = r
	promotedOffset := r.replOffset
	rip, rport := r.ip, r.port
	s.mu.Unlock()
	stats.OffsetGap = max(oldOffset-promotedOffset, 0)
	s.eventUnlocked("+selected-slave", r, "")

	s.setFailoverState(fo, "send_slaveof_noone")
	s.eventUnlocked("+failover-state-send-slaveof-noone", r, "")
	deadline := fo.start.Add(timeout)
	var newOffset int64
	promoted := false
	for !promoted && time.Now().Before(deadline) {
		c, err := s.dialInstance(r, "failover")
		if err != nil {
			if !s.sleepOrStop(r, 200*time.Millisecond) {
				return
			}
			continue
		}
		if v, err := c.do(opTO, "REPLICAOF", "NO", "ONE"); err == nil && !v.IsError() {
			// Persist the new role where the server can, and drop clients that may
			// still believe it is a replica; failures here do not stop the failover.
			c.do(opTO, "CONFIG", "REWRITE")
			c.do(opTO, "CLIENT", "KILL", "TYPE", "normal")
			c.do(opTO, "CLIENT", "KILL", "TYPE", "pubsub")
			s.setFailoverState(fo, "wait_promotion")
			s.eventUnlocked("+failover-state-wait-promotion", r, "")
			for time.Now().Before(deadline) {
				v, err := c.do(opTO, "INFO", "replication")
				if err != nil {
					break
				}
				if role, off := infoRole(v.Str); role == "master" {
					promoted, newOffset = true, off
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		c.Close()
	}
	if !promoted {
		s.abortFailover(m, old, epoch, stats, "slave-timeout")
		return
	}
	stats.ToPromotion = time.Since(lossAt)
	s.mu.Lock()
	simFail = s.simFail
	s.mu.Unlock()
	s.eventUnlocked("+promoted-slave", r, "")
	if simFail&simCrashAfterPromotion != 0 {
		s.log.Warn("Simulated crash after promotion")
		simulatedCrash(s)
	}

	// Commit the outcome before anyone is told: the switch entry, once applied,
	// makes every sentinel answer the new address and publish +switch-master.
	s.mu.Lock()
	var replicas []string
	var others []*instance
	for _, o := range m.replicas {
		if o != r {
			replicas = append(replicas, o.name)
			others = append(others, o)
		}
	}
	replicas = append(replicas, old.addr())
	oldIP, oldPort := old.ip, old.port
	parallel := m.cfg.ParallelSyncs
	s.mu.Unlock()
	if err := s.apply(command{Op: opSwitch, Epoch: epoch, Name: m.name, IP: rip, Port: rport,
		Replicas: replicas, OldIP: oldIP, OldPort: oldPort, Leader: s.myid}); err != nil {
		s.log.Sugar().Warnf("failover of %s: cannot commit the switch: %v", m.name, err)
		s.abortFailover(m, old, epoch, stats, "not-elected")
		return
	}
	// The other sentinels apply the switch (and tell their clients) when they
	// learn that it committed, which raft tells them with its next
	// AppendEntries: at once when there is a new entry to send, otherwise up
	// to 2 x CommitTimeout (100 ms) later. An empty entry sends it now.
	s.raft.Barrier(time.Second)
	s.mu.Lock()
	newInst := m.instance
	s.mu.Unlock()
	// Measure the first write the new master accepts, without delaying the rest.
	s.wg.Add(1)
	go s.watchFirstWrite(m, newInst, lossAt, newOffset, deadline, stats)

	// Until the failover ends its events name the old master, as Redis's do
	// (Redis switches its own view only at the end).
	s.setFailoverState(fo, "reconf_slaves")
	s.eventAt("+failover-state-reconf-slaves", old, oldIP, oldPort)
	s.mu.Lock()
	s.clientReconfScriptLocked(m, "leader", "start", oldIP, oldPort, rip, rport)
	s.mu.Unlock()
	if !s.reconfReplicas(m, others, rip, rport, parallel, deadline, oldIP, oldPort) {
		s.eventAt("+failover-end-for-timeout", old, oldIP, oldPort)
	}
	stats.Result = "ok"
	s.eventAt("+failover-end", old, oldIP, oldPort)
	// Now every sentinel publishes +switch-master. If this entry is lost (this
	// sentinel lost the leadership), each announces it after the failover timeout.
	if err := s.apply(command{Op: opSwitchEnd, Epoch: epoch, Name: m.name}); err != nil {
		s.log.Sugar().Warnf("failover of %s: cannot commit its end: %v", m.name, err)
	}
}

// infoRole returns role and master_repl_offset from an INFO reply.
func infoRole(info string) (role string, offset int64) {
	for _, line := range strings.Split(info, "\n") {
		k, v, _ := strings.Cut(strings.TrimRight(line, "\r"), ":")
		switch k {
		case "role":
			role = v
		case "master_repl_offset":
			offset, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	return role, offset
}

// reconfReplicas points replicas at the new master, at most parallel at a time,
// waiting for each to report a working link (+slave-reconf-done). It reports
// whether every replica got there before the deadline.
func (s *Sentinel) reconfReplicas(m *master, reps []*instance, ip string, port int, parallel int, deadline time.Time, oldIP string, oldPort int) bool {
	sem := make(chan struct{}, max(parallel, 1))
	done := make(chan bool, len(reps))
	for _, r := range reps {
		sem <- struct{}{}
		go func(r *instance) {
			ok := false
			defer func() { <-sem; done <- ok }()
			s.mu.Lock()
			opTO := opTimeout(m)
			// Events name the replica under the old master, as Redis's do.
			ev := r
			auth := authArgs(m)
			ren := m.cfg.RenamedCommands
			addr := r.addr()
			// Redis does not wait for a replica that is down (it is re-pointed
			// when it returns): failing to reach one is not a timeout.
			ok = r.sdown
			s.mu.Unlock()
			c, err := s.dial(addr, opTO)
			if err != nil {
				return
			}
			c.rename = ren
			defer c.Close()
			if auth != nil {
				c.do(opTO, auth...)
			}
			if v, err := c.do(opTO, "REPLICAOF", ip, strconv.Itoa(port)); err != nil || v.IsError() {
				return
			}
			c.do(opTO, "CONFIG", "REWRITE")
			s.eventAt("+slave-reconf-sent", ev, oldIP, oldPort)
			inprog := false
			for time.Now().Before(deadline) {
				v, err := c.do(opTO, "INFO", "replication")
				if err != nil {
					return
				}
				host, p, up := infoMasterLink(v.Str)
				if host == ip && p == port {
					if !inprog {
						inprog = true
						s.eventAt("+slave-reconf-inprog", ev, oldIP, oldPort)
					}
					if up {
						s.eventAt("+slave-reconf-done", ev, oldIP, oldPort)
						ok = true
						return
					}
				}
				time.Sleep(100 * time.Millisecond)
			}
		}(r)
	}
	all := true
	for range reps {
		all = <-done && all
	}
	return all
}

func infoMasterLink(info string) (host string, port int, up bool) {
	for _, line := range strings.Split(info, "\n") {
		k, v, _ := strings.Cut(strings.TrimRight(line, "\r"), ":")
		switch k {
		case "master_host":
			host = v
		case "master_port":
			port, _ = strconv.Atoi(v)
		case "master_link_status":
			up = v == "up"
		}
	}
	return host, port, up
}

// watchFirstWrite polls the new master until its replication offset moves past the
// promotion point: a write (or an expiry) was accepted. That moment, relative to
// the master loss, is the failover's time to first write.
func (s *Sentinel) watchFirstWrite(m *master, ri *instance, lossAt time.Time, base int64, deadline time.Time, stats *failoverStats) {
	defer s.wg.Done()
	s.mu.Lock()
	auth := authArgs(m)
	ren := m.cfg.RenamedCommands
	addr := ri.addr()
	s.mu.Unlock()
	c, err := s.dial(addr, time.Second)
	if err != nil {
		return
	}
	c.rename = ren
	defer c.Close()
	if auth != nil {
		c.do(time.Second, auth...)
	}
	for time.Now().Before(deadline) {
		v, err := c.do(time.Second, "INFO", "replication")
		if err != nil {
			return
		}
		if _, off := infoRole(v.Str); off > base {
			d := time.Since(lossAt)
			s.mu.Lock()
			stats.ToWrite = d
			s.mu.Unlock()
			s.metrics.firstWrite(m.name, d)
			return
		}
		if !s.sleepOrStop(ri, 20*time.Millisecond) {
			return
		}
	}
}

// fixReplicaConfig re-points instances that disagree with the committed master:
// the old master when it comes back (+convert-to-slave) and replicas following
// someone else (+fix-slave-config). Leader only, mu held.
func (s *Sentinel) fixReplicaConfig(m *master, now time.Time) {
	if m.fo != nil || m.sdown {
		return
	}
	for _, r := range m.replicas {
		if r.sdown || !r.connected || r.infoRefresh.IsZero() || now.Sub(r.reconfSent) < 5*time.Second {
			continue
		}
		var ev string
		switch {
		case r.roleReported == "master" && now.Sub(r.roleReportedTime) > 4*time.Second:
			ev = "+convert-to-slave"
		case r.roleReported == "slave" && (r.masterHost != m.ip || r.masterPort != m.port) &&
			now.Sub(r.roleReportedTime) > 4*time.Second:
			ev = "+fix-slave-config"
		default:
			continue
		}
		r.reconfSent = now
		s.event(ev, r, "")
		addr, ip, port := r.addr(), m.ip, m.port
		auth := authArgs(m)
		ren := m.cfg.RenamedCommands
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			c, err := s.dial(addr, time.Second)
			if err != nil {
				return
			}
			c.rename = ren
			defer c.Close()
			if auth != nil {
				c.do(time.Second, auth...)
			}
			c.do(time.Second, "REPLICAOF", ip, strconv.Itoa(port))
			c.do(time.Second, "CONFIG", "REWRITE")
		}()
	}
}

// authArgs is the AUTH command for m's instances, or nil. mu held.
func authArgs(m *master) []string {
	switch {
	case m.cfg.AuthPass == "":
		return nil
	case m.cfg.AuthUser != "":
		return []string{"AUTH", m.cfg.AuthUser, m.cfg.AuthPass}
	}
	return []string{"AUTH", m.cfg.AuthPass}
}
