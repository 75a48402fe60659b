// Links to monitored instances: PING, INFO and hello publishing on a command
// connection, and a pub/sub connection that hears other sentinels' hellos.

package sentinel

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/keygrid/keygrid/engine/resp"
)

const helloChannel = "__sentinel__:hello"

// startLinks starts the goroutines that watch ri. Call with mu held.
func (s *Sentinel) startLinks(ri *instance) {
	s.wg.Add(1)
	go s.runLink(ri)
	if ri.kind != kindSentinel {
		s.wg.Add(1)
		go s.runPubsubLink(ri)
	}
}

// sleepOrStop waits d; it reports false when ri or the sentinel is stopping.
func (s *Sentinel) sleepOrStop(ri *instance, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ri.stop:
	case <-s.stopped:
	}
	return false
}

// opTimeout bounds one request on a link. SDOWN does not wait for it: the timer
// measures the pending PING on its own.
func opTimeout(m *master) time.Duration {
	return max(m.cfg.DownAfter, time.Second)
}

// dialInstance connects and authenticates a link to ri.
func (s *Sentinel) dialInstance(ri *instance, role string) (*conn, error) {
	s.mu.Lock()
	addr := ri.addr()
	m := ri.master
	auth := authArgs(m)
	if ri.kind == kindSentinel {
		auth = s.sentinelAuth()
	}
	timeout := opTimeout(m)
	gen := ri.linkGen
	var rename map[string]string
	if ri.kind != kindSentinel {
		rename = m.cfg.RenamedCommands // never changed in place (SENTINEL SET copies)
	}
	s.mu.Unlock()
	c, err := s.dial(addr, timeout)
	if err != nil {
		return nil, err
	}
	c.gen, c.rename = gen, rename
	if auth != nil {
		if v, err := c.do(timeout, auth...); err != nil {
			c.Close()
			return nil, err
		} else if v.IsError() {
			// Ignored, as Redis does (an instance without a password refuses
			// AUTH <pass>); one that needs credentials refuses CLIENT SETNAME below.
			s.log.Sugar().Warnf("AUTH failed on %s: %s", addr, v.Str)
		}
	}
	// Named like Redis Sentinel's links, so CLIENT LIST shows who is connected.
	v, err := c.do(timeout, "CLIENT", "SETNAME", "sentinel-"+s.myid[:8]+"-"+role)
	if err != nil {
		c.Close()
		return nil, err
	}
	if v.IsError() && (strings.HasPrefix(v.Str, "NOAUTH") || strings.HasPrefix(v.Str, "WRONGPASS")) {
		// The instance wants credentials this sentinel does not have: the link
		// is not usable and counts as disconnected.
		c.Close()
		return nil, errors.New(v.Str)
	}
	return c, nil
}

// errRelink ends a link that must reconnect with new settings.
var errRelink = errors.New("link settings changed")

// dropLinksLocked has the links of m and its replicas reconnect (Redis's
// dropInstanceConnections). mu held.
func (s *Sentinel) dropLinksLocked(m *master) {
	m.instance.linkGen++
	for _, r := range m.replicas {
		r.linkGen++
	}
}

// runLink is the command link of one instance.
func (s *Sentinel) runLink(ri *instance) {
	defer s.wg.Done()
	for {
		c, err := s.dialInstance(ri, "cmd")
		if err != nil {
			s.mu.Lock()
			ri.connected = false
			s.mu.Unlock()
			if !s.sleepOrStop(ri, s.tm.get(tPing)) {
				return
			}
			continue
		}
		s.mu.Lock()
		ri.connected = true
		s.mu.Unlock()
		err = s.linkLoop(ri, c)
		c.Close()
		s.mu.Lock()
		ri.connected = false
		s.mu.Unlock()
		if err == nil { // stopping
			return
		}
		if !s.sleepOrStop(ri, 100*time.Millisecond) {
			return
		}
	}
}

// linkLoop does the periodic work on c until an I/O error (returned) or a stop (nil).
func (s *Sentinel) linkLoop(ri *instance, c *conn) error {
	var lastHello, lastAsk time.Time
	// The first round runs at once: a replica just discovered is PINGed and
	// asked for INFO right away, as Redis does on connect.
	for first := true; ; first = false {
		if !first && !s.sleepOrStop(ri, 100*time.Millisecond) {
			return nil
		}
		now := time.Now()
		s.mu.Lock()
		if ri.linkGen != c.gen {
			// SENTINEL SET changed credentials or renamed commands: reconnect.
			s.mu.Unlock()
			return errRelink
		}
		m := ri.master
		timeout := opTimeout(m)
		pingEvery := min(s.tm.get(tPing), m.cfg.DownAfter)
		doPing := now.Sub(ri.lastPingSent) >= pingEvery
		period := s.tm.get(tInfo)
		if m.sdown || m.fo != nil {
			period = time.Second
		}
		doInfo := ri.kind != kindSentinel && (ri.infoRefresh.IsZero() || now.Sub(ri.infoRefresh) >= period)
		// Hellos go to other sentinels too (PUBLISH on their port), as Redis
		// does, so sentinels keep hearing each other while a master is down.
		doHello := now.Sub(lastHello) >= s.tm.get(tPublish)
		// A sentinel that last said the master is up is asked again ten times as
		// often: it usually just has not reached down-after yet, and its "down"
		// is what completes the quorum (Redis asks once per ASK-PERIOD, which
		// left up to a second between the last SDOWN and ODOWN here).
		askEvery := s.tm.get(tAsk)
		if !ri.masterDownSays {
			askEvery /= 10
		}
		doAsk := ri.kind == kindSentinel && m.sdown && now.Sub(lastAsk) >= askEvery
		if doPing {
			if ri.pingPending.IsZero() {
				ri.pingPending = now
			}
			ri.lastPingSent = now
		}
		mip, mport := m.ip, m.port
		s.mu.Unlock()

		if doPing {
			v, err := c.do(timeout, "PING")
			if err != nil {
				return err
			}
			s.pingReply(ri, v)
		}
		if doInfo {
			v, err := c.do(timeout, "INFO")
			if err != nil {
				return err
			}
			if !v.IsError() {
				s.refreshInfo(ri, v.Str)
			}
		}
		if doHello {
			lastHello = now
			if _, err := c.do(timeout, "PUBLISH", helloChannel, s.helloMessage(ri, c.nc.LocalAddr())); err != nil {
				return err
			}
		}
		if doAsk {
			lastAsk = now
			epoch := strconv.FormatUint(s.fsm.currentEpoch(), 10)
			v, err := c.do(timeout, "SENTINEL", "is-master-down-by-addr", mip, strconv.Itoa(mport), epoch, "*")
			if err != nil {
				return err
			}
			if len(v.Elems) == 3 && v.Elems[0].Kind == resp.KindInt {
				s.mu.Lock()
				ri.masterDownSays = v.Elems[0].Int == 1
				ri.masterDownReplied = time.Now()
				s.mu.Unlock()
			}
		}
	}
}

// pingReply records a PING reply. LOADING and MASTERDOWN count as alive, as in Redis:
// the instance is up, just not serving yet.
func (s *Sentinel) pingReply(ri *instance, v resp.Value) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	ri.lastPong = now
	ri.connected = true
	if (v.Kind == resp.KindSimple && v.Str == "PONG") ||
		(v.IsError() && (strings.HasPrefix(v.Str, "LOADING") || strings.HasPrefix(v.Str, "MASTERDOWN"))) {
		ri.lastAvail = now
		ri.pingPending = time.Time{}
		if v.Kind == resp.KindSimple {
			ri.rebooting = false
		}
	}
}

// helloMessage is "ip,port,runid,current_epoch,master_name,master_ip,master_port,master_config_epoch".
func (s *Sentinel) helloMessage(ri *instance, local net.Addr) string {
	s.mu.Lock()
	ip, port := s.announce(local)
	m := ri.master
	msg := fmt.Sprintf("%s,%d,%s,%d,%s,%s,%d,%d", ip, port, s.myid, s.fsm.currentEpoch(),
		m.name, m.ip, m.port, m.configEpoch)
	s.mu.Unlock()
	return msg
}

// runPubsubLink listens to the hello channel of a master or replica.
func (s *Sentinel) runPubsubLink(ri *instance) {
	defer s.wg.Done()
	for {
		if err := s.pubsubOnce(ri); err == nil {
			return
		}
		if !s.sleepOrStop(ri, s.tm.get(tPing)) {
			return
		}
	}
}

func (s *Sentinel) pubsubOnce(ri *instance) error {
	c, err := s.dialInstance(ri, "pubsub")
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.send(time.Second, "SUBSCRIBE", helloChannel); err != nil {
		return err
	}
	for {
		select {
		case <-ri.stop:
			return nil
		case <-s.stopped:
			return nil
		default:
		}
		s.mu.Lock()
		relink := ri.linkGen != c.gen
		s.mu.Unlock()
		if relink {
			return errRelink
		}
		v, err := c.read(time.Second)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// The instance closed the connection (crashed, or was killed): count
			// it as disconnected now, as Redis's async link does, instead of
			// waiting for the command link's next PING to notice.
			s.mu.Lock()
			ri.connected = false
			s.mu.Unlock()
			return err
		}
		if len(v.Elems) == 3 && v.Elems[0].Str == "message" && v.Elems[1].Str == helloChannel {
			s.processHello(v.Elems[2].Str)
		}
	}
}

// processHello learns about another sentinel from its hello message.
func (s *Sentinel) processHello(msg string) {
	f := strings.Split(msg, ",")
	if len(f) != 8 {
		return
	}
	port, err1 := strconv.Atoi(f[1])
	_, err2 := strconv.Atoi(f[6]) // the master's port: validated, the name identifies it
	if err1 != nil || err2 != nil {
		return
	}
	runid, mname := f[2], f[4]
	if runid == s.myid {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.masters[mname]
	if m == nil {
		return
	}
	se := m.sentinels[runid]
	if se == nil {
		// A sentinel that restarted with a new id at the same address replaces the
		// old entry, as Redis does.
		for id, o := range m.sentinels {
			if o.ip == f[0] && o.port == port {
				s.event("-dup-sentinel", o, "#duplicate of %s:%d or %s", f[0], port, runid)
				stopInstance(o)
				delete(m.sentinels, id)
			}
		}
		se = newInstance(kindSentinel, runid, f[0], port, m)
		se.runid = runid
		m.sentinels[runid] = se
		s.event("+sentinel", se, "")
		s.startLinks(se)
	} else if se.ip != f[0] || se.port != port {
		se.ip, se.port = f[0], port
		s.event("+sentinel-address-update", se, "%d additional matching instances", 1)
	}
	se.lastHello = time.Now()
}

// refreshInfo applies an INFO reply (sentinelRefreshInstanceInfo).
func (s *Sentinel) refreshInfo(ri *instance, info string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	ri.infoRefresh = now
	ri.infoText = info
	role := ""
	var newReplicas [][2]string
	for _, line := range strings.Split(info, "\n") {
		line = strings.TrimRight(line, "\r")
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch k {
		case "run_id":
			if ri.runid != "" && ri.runid != v {
				s.event("+reboot", ri, "")
				// master-reboot-down-after-period: a master that restarted is
				// down if it does not answer PONG (only LOADING) for that long.
				if ri.kind == kindMaster && ri.master.cfg.RebootDownAfter != 0 {
					ri.rebooting, ri.rebootSince = true, now
				}
			}
			ri.runid = v
		case "role":
			role = v
		case "master_repl_offset":
			if ri.kind == kindMaster || role == "master" {
				ri.replOffset, _ = strconv.ParseInt(v, 10, 64)
			}
		case "master_host":
			ri.masterHost = v
		case "master_port":
			ri.masterPort, _ = strconv.Atoi(v)
		case "master_link_status":
			ri.masterLinkUp = v == "up"
		case "master_link_down_since_seconds":
			n, _ := strconv.ParseInt(v, 10, 64)
			ri.masterLinkDownSince = time.Duration(n) * time.Second
		case "slave_priority", "replica_priority":
			ri.priority, _ = strconv.Atoi(v)
		case "slave_repl_offset":
			ri.replOffset, _ = strconv.ParseInt(v, 10, 64)
		case "replica_announced":
			ri.announced = v == "1"
		default:
			// slave0:ip=127.0.0.1,port=6380,state=online,offset=42,lag=0
			if strings.HasPrefix(k, "slave") && strings.Contains(v, "ip=") {
				var ip, port string
				for _, kv := range strings.Split(v, ",") {
					a, b, _ := strings.Cut(kv, "=")
					switch a {
					case "ip":
						ip = b
					case "port":
						port = b
					}
				}
				if ip != "" && port != "" {
					newReplicas = append(newReplicas, [2]string{ip, port})
				}
			}
		}
	}
	if role != "slave" {
		ri.masterLinkDownSince = 0
	}
	if role != "" && role != ri.roleReported {
		if ri.roleReported != "" {
			s.event("-role-change", ri, "new reported role is %s", role)
		}
		ri.roleReported = role
		ri.roleReportedTime = now
	}
	if ri.kind == kindMaster && role == "master" {
		for _, r := range newReplicas {
			// A replica announced by name (replica-announce-ip) is taken as
			// Redis's createSentinelAddr takes it: resolved to its address
			// unless announce-hostnames keeps the name (then every connection
			// resolves it again, so a node back on a new address is found);
			// refused without resolve-hostnames.
			host, err := s.resolve(r[0])
			if err != nil {
				continue
			}
			s.addReplicaLocked(ri.master, host, r[1], true)
		}
	}
}

// addReplicaLocked adds a replica of m if it is new.
func (s *Sentinel) addReplicaLocked(m *master, ip, port string, announce bool) *instance {
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil
	}
	key := net.JoinHostPort(ip, port)
	if r := m.replicas[key]; r != nil {
		return r
	}
	if ip == m.ip && p == m.port {
		return nil
	}
	r := newInstance(kindReplica, key, ip, p, m)
	m.replicas[key] = r
	if announce {
		s.event("+slave", r, "")
	}
	if s.running {
		s.startLinks(r)
	}
	return r
}

// sentinelAuth is the AUTH command for other sentinels (sentinel-user and
// sentinel-pass, or this sentinel's own requirepass, as Redis does), or nil.
func (s *Sentinel) sentinelAuth() []string {
	pass := s.cfg.SentinelPass
	if pass == "" {
		pass = s.cfg.RequirePass
	}
	switch {
	case pass == "":
		return nil
	case s.cfg.SentinelUser != "":
		return []string{"AUTH", s.cfg.SentinelUser, pass}
	}
	return []string{"AUTH", pass}
}
