// The slot map: which node serves each slot, learned from CLUSTER SLOTS and kept
// current by a cheap epoch check, a periodic full fetch and MOVED replies.

package proxy

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keygrid/keygrid/engine/resp"
)

// shard is one master and its replicas.
type shard struct {
	master   string
	replicas []string
	idx      int // position in slotMap.shards
}

// slotMap is immutable once published; a refresh publishes a new one.
type slotMap struct {
	version uint64
	slots   [16384]*shard
	shards  []*shard // masters in the order of their first slot: the SCAN cursor order
	// shardOf is slots as 1 + the shard's idx (0: not served): the data path's
	// lookup. 32 KiB of it stays in cache where 128 KiB of pointers, read at a random
	// slot per key, miss (a tenth of the proxy's user time on cross-slot MGET).
	shardOf [16384]uint16
}

type topology struct {
	p       *Proxy
	cur     atomic.Pointer[slotMap]
	version atomic.Uint64
	kick    chan struct{}
	stop    chan struct{}

	mu    sync.Mutex // guards ctl and epoch
	ctl   *syncConn
	epoch int64
}

func newTopology(p *Proxy) *topology {
	return &topology{p: p, kick: make(chan struct{}, 1), stop: make(chan struct{})}
}

// owner returns the master address of slot, or "" if the slot is unassigned.
func (t *topology) owner(slot int) string {
	m := t.cur.Load()
	if m == nil || m.slots[slot] == nil {
		return ""
	}
	return m.slots[slot].master
}

// refreshSoon asks the watcher for a refresh without waiting for it.
func (t *topology) refreshSoon() {
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// watch keeps the map current until stop is closed.
func (t *topology) watch() {
	epochTick := time.NewTicker(t.p.cfg.EpochInterval)
	full := time.NewTicker(t.p.cfg.RefreshInterval)
	defer epochTick.Stop()
	defer full.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-t.kick:
			t.refresh()
		case <-full.C:
			t.refresh()
		case <-epochTick.C:
			if t.epochChanged() {
				t.refresh()
			}
		}
	}
}

// epochChanged asks one node for its current epoch: a failover or a slot handover
// bumps it, which is what makes this check enough between full fetches.
func (t *topology) epochChanged() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, err := t.controlLocked()
	if err != nil {
		return true
	}
	v, err := c.do(t.p.cfg.DialTimeout, "CLUSTER", "INFO")
	if err != nil || v.IsError() {
		c.Close()
		t.ctl = nil
		return true
	}
	var epoch int64 = -1
	ok := true
	for _, line := range strings.Split(v.Str, "\r\n") {
		if s, found := strings.CutPrefix(line, "cluster_current_epoch:"); found {
			epoch, _ = strconv.ParseInt(s, 10, 64)
		}
		if s, found := strings.CutPrefix(line, "cluster_state:"); found && s != "ok" {
			ok = false
		}
	}
	changed := epoch != t.epoch || !ok
	t.epoch = epoch
	return changed
}

// controlLocked returns the control connection, dialing a known node if needed.
func (t *topology) controlLocked() (*syncConn, error) {
	if t.ctl != nil {
		return t.ctl, nil
	}
	var lastErr error = errors.New("no node known")
	for _, a := range t.candidates() {
		c, err := dialHandshake(t.p.cfg, a, 2, false)
		if err != nil {
			lastErr = err
			continue
		}
		t.ctl = &syncConn{Conn: c}
		return t.ctl, nil
	}
	return nil, lastErr
}

// candidates lists the nodes to ask: masters of the current map, then the seeds.
func (t *topology) candidates() []string {
	var out []string
	if m := t.cur.Load(); m != nil {
		for _, s := range m.shards {
			out = append(out, s.master)
		}
	}
	return append(out, t.p.cfg.Seeds...)
}

// refresh fetches CLUSTER SLOTS and publishes the new map if it differs.
func (t *topology) refresh() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	select {
	case <-t.stop: // the proxy is shutting down: the loop may be gone
		return nil
	default:
	}
	var lastErr error
	for range 2 { // a second try after the control connection broke
		c, err := t.controlLocked()
		if err != nil {
			return err
		}
		v, err := c.do(t.p.cfg.DialTimeout, "CLUSTER", "SLOTS")
		if err == nil && v.IsError() {
			err = errors.New(v.Str)
		}
		if err != nil {
			c.Close()
			t.ctl = nil
			lastErr = err
			continue
		}
		host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
		m, err := parseSlots(v, host)
		if err != nil {
			return err
		}
		if old := t.cur.Load(); old == nil || !sameMap(old, m) {
			m.version = t.version.Add(1)
			t.cur.Store(m)
			t.p.metrics.topologyVersion.Store(m.version)
		} else {
			m = old
		}
		// Every refresh, not only a new map: a connection busy when the map changed
		// is idle by the next one. The backends belong to the loop.
		t.p.loop.Submit(func() { t.p.backends.prune(m) })
		return nil
	}
	return lastErr
}

func parseSlots(v resp.Value, host string) (*slotMap, error) {
	m := &slotMap{}
	byMaster := map[string]*shard{}
	addr := func(n resp.Value) (string, error) {
		if len(n.Elems) < 2 {
			return "", fmt.Errorf("proxy: bad CLUSTER SLOTS node %s", n)
		}
		ip := n.Elems[0].Str
		if ip == "" || ip == "?" {
			ip = host
		}
		return net.JoinHostPort(ip, strconv.FormatInt(n.Elems[1].Int, 10)), nil
	}
	for _, r := range v.Elems {
		if len(r.Elems) < 3 {
			return nil, fmt.Errorf("proxy: bad CLUSTER SLOTS entry %s", r)
		}
		lo, hi := int(r.Elems[0].Int), int(r.Elems[1].Int)
		if lo < 0 || hi > 16383 || lo > hi {
			return nil, fmt.Errorf("proxy: bad slot range %d-%d", lo, hi)
		}
		ma, err := addr(r.Elems[2])
		if err != nil {
			return nil, err
		}
		s := byMaster[ma]
		if s == nil {
			s = &shard{master: ma}
			for _, rep := range r.Elems[3:] {
				ra, err := addr(rep)
				if err != nil {
					return nil, err
				}
				s.replicas = append(s.replicas, ra)
			}
			byMaster[ma] = s
			m.shards = append(m.shards, s)
		}
		for i := lo; i <= hi; i++ {
			m.slots[i] = s
		}
	}
	// Order shards by their first slot so a composite SCAN cursor stays meaningful
	// across refreshes that do not move slots.
	m.shards = m.shards[:0]
	seen := map[*shard]bool{}
	for _, s := range m.slots {
		if s != nil && !seen[s] {
			seen[s] = true
			s.idx = len(m.shards)
			m.shards = append(m.shards, s)
		}
	}
	for i, s := range m.slots {
		if s != nil {
			m.shardOf[i] = uint16(s.idx + 1)
		}
	}
	return m, nil
}

func sameMap(a, b *slotMap) bool {
	for i := range a.slots {
		x, y := a.slots[i], b.slots[i]
		if (x == nil) != (y == nil) {
			return false
		}
		if x != nil && (x.master != y.master || !slices.Equal(x.replicas, y.replicas)) {
			return false
		}
	}
	return true
}

func (t *topology) close() {
	close(t.stop)
	t.mu.Lock()
	if t.ctl != nil {
		t.ctl.Close()
	}
	t.mu.Unlock()
}
