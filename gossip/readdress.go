package gossip

import (
	"net"
	"strconv"
	"time"

	"github.com/hashicorp/memberlist"
	"go.uber.org/zap"
)

// A node's address can change while it runs: a container reconnected to its
// network on another address, a VM given a new lease. Redis copes because a
// node's pings reach the others from its new address and they take the
// connection's peer address as the node's (nodeUpdateAddressIfNeeded).
// memberlist instead keeps advertising the address it started with, so the
// others would probe a dead address and fail the node over.
//
// So, when the bus listens on every address and no cluster-announce-ip pins
// one, addrCron checks every addrCheckInterval that the advertised address is
// still one of the host's; when it is gone, readdress restarts memberlist
// under the same id on the address the host now reaches its peers from,
// keeping what it knows of them, and joins them. They see the same name on a
// new address: their conflict handler (NotifyConflict) checks that it answers
// there under that id and from then on pings it there (moved), so it is not
// failed over meanwhile, and joins it until memberlist takes the new address.
// Myself's announced ip follows (learnedIP), as after a restart on a new
// address.

// addrCheckInterval is how often addrCron looks at the host's addresses.
const addrCheckInterval = time.Second

// addrCron is run on the bus goroutine (run) every tick; it does its work every
// addrCheckInterval.
func (b *Bus) addrCron(now time.Time) {
	if now.Sub(b.lastAddrCheck) < addrCheckInterval {
		return
	}
	b.lastAddrCheck = now
	if b.cfg.AdvertiseAddr != "" {
		return // cluster-announce-ip: the operator's address, kept
	}
	if a := net.ParseIP(b.cfg.BindAddr); a != nil && !a.IsUnspecified() {
		return // bound to one address: it cannot move without a restart
	}
	ml := b.ml.Load()
	if ml == nil {
		return
	}
	cur := ml.LocalNode().Addr
	if cur == nil || cur.IsLoopback() || cur.IsUnspecified() || hostHasIP(cur) {
		return // the usual case: one cheap look at the interfaces, nothing else
	}
	b.mu.Lock()
	var peers []string
	if !b.fresh && !b.alone {
		for id, n := range b.members {
			if id != b.id && n.Addr != nil && !n.Addr.IsLoopback() {
				peers = append(peers, joinAddr(n.Addr.String(), int(n.Port)))
			}
		}
		if len(peers) == 0 {
			for id, p := range b.peers {
				if n := b.addrLocked(id); n != nil && p.verified && n.Addr != nil {
					peers = append(peers, joinAddr(n.Addr.String(), int(n.Port)))
				}
			}
		}
	}
	b.mu.Unlock()
	if len(peers) == 0 {
		return
	}
	ip := routeIP(peers[0])
	if ip == "" || ip == cur.String() {
		return // no route yet (the new address not configured): next check
	}
	b.readdress(ip, peers)
}

// hostHasIP reports whether ip is one of the host's interface addresses (true
// when they can't be read: no change is assumed then).
func hostHasIP(ip net.IP) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return true
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// readdress restarts memberlist under the same id advertising ip, keeps the
// peers (and their verdicts), and joins the nodes at peers.
func (b *Bus) readdress(ip string, peers []string) {
	me := b.eng.ClusterMyself()
	old := b.ml.Load()
	if me == nil || old == nil || me.ID != b.currentID() {
		return
	}
	b.log.Warn("this node's address is gone from the host: the cluster bus moves to the new one",
		zap.String("old", old.LocalNode().Addr.String()), zap.String("new", ip))
	// No Leave: the others must not take the node for gone (a left node is
	// not rejoined, rejoinKnown); they learn the new address from the join.
	old.Shutdown()
	b.closeLinks()
	b.mu.Lock()
	b.members = map[string]*memberlist.Node{}
	b.learnedIP, b.ipSet = ip, false
	b.mineEnc = nil
	b.mu.Unlock()
	if err := b.startMemberlist(me, ip); err != nil {
		b.log.Error("can't restart the cluster bus on the new address", zap.Error(err))
		return
	}
	if ml := b.ml.Load(); ml != nil {
		b.done.Add(1)
		go func() {
			defer b.done.Done()
			ml.Join(peers)
		}()
	}
}

// confirmMove pings node id at addr (ip:port) under its id; if it answers, the
// failure detector pings it there until memberlist takes the address
// (conflicts.NotifyConflict).
func (b *Bus) confirmMove(ml *memberlist.Memberlist, id, ip string, port uint16) {
	ua := &net.UDPAddr{IP: net.ParseIP(ip), Port: int(port)}
	if ua.IP == nil {
		return
	}
	if _, err := ml.Ping(id, ua); err != nil {
		return
	}
	b.live.heard(id, time.Now())
	b.mu.Lock()
	b.moved[id] = ua
	b.mu.Unlock()
	b.log.Info("node answers at a new address", zap.String("node", id), zap.String("addr", net.JoinHostPort(ip, strconv.Itoa(int(port)))))
}
