// A client session: reads a batch of requests, routes them, waits for their replies
// (following redirections) and writes them back in order in one write.

package proxy

import (
	"bytes"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keygrid/keygrid/engine/resp"
)

// Entry kinds: what one client request turns into.
const (
	entLocal  = iota // a reply already in s.local[lo:hi]
	entSingle        // the reply of s.reqs[lo]
	entSplit         // the merge of s.reqs[lo:hi]
)

type entry struct {
	kind   uint8
	merge  uint8
	lo, hi int // reqs or local bytes
	klo    int // s.keySub[klo:klo+nkeys]: the part each key went to (MGET)
	nkeys  int
	stats  *cmdStats
}

type session struct {
	p    *Proxy
	conn net.Conn
	id   int64

	rbuf   []byte
	rn     int
	parser resp.Request
	wbuf   []byte
	local  []byte
	scr    []byte
	keyIdx []int

	proto  int
	authed bool
	name   string

	reqs    []*request // pool; reqs[:nreq] are in use this batch
	nreq    int
	entries []entry
	keySub  []int
	start   int64

	dirty   []*backend // backends with requests of this batch not yet flushed
	pending atomic.Int32
	done    chan struct{}

	tx  txState
	sub *syncConn // pub/sub mode: the dedicated connection
	// subEvents carries the subscription count at each marker (pubsub.go); -1 when
	// the dedicated connection broke.
	subEvents chan int
	wmu       sync.Mutex // serializes client writes with the pub/sub forwarder
	close     bool
}

func newSession(p *Proxy, c net.Conn) *session {
	s := &session{p: p, conn: c, id: p.nextID.Add(1), proto: 2, done: make(chan struct{}, 1),
		rbuf: make([]byte, 16<<10), authed: p.cfg.Password == ""}
	s.parser.MaxBulk = 512 << 20
	s.parser.Reset()
	s.pending.Store(1)
	s.tx.slot = -1
	return s
}

func (s *session) serve() {
	defer s.cleanup()
	for !s.close {
		if s.rn == len(s.rbuf) {
			s.rbuf = append(s.rbuf, make([]byte, len(s.rbuf))...)
		}
		n, err := s.conn.Read(s.rbuf[s.rn:])
		if err != nil {
			return
		}
		s.rn += n
		pos := 0
		s.start = nanotime()
		for pos < s.rn && !s.close {
			s.parser.Unauth = !s.authed
			m, argv, err := s.parser.Parse(s.rbuf[pos:s.rn])
			if err != nil {
				s.finishBatch()
				s.wbuf = resp.AppendError(s.wbuf, err.Error())
				s.close = true
				break
			}
			if m == 0 {
				break
			}
			if len(argv) > 0 {
				s.handle(argv, s.rbuf[pos:pos+m])
			}
			pos += m
		}
		s.rn = copy(s.rbuf, s.rbuf[pos:s.rn])
		s.finishBatch()
		if !s.writeOut() {
			return
		}
		if len(s.rbuf) > 1<<20 && s.rn < 16<<10 {
			s.rbuf = append(make([]byte, 0, 16<<10), s.rbuf[:s.rn]...)[:16<<10]
		}
	}
}

func (s *session) cleanup() {
	s.conn.Close()
	s.tx.release()
	if s.sub != nil {
		s.sub.Close()
	}
}

// writeOut writes wbuf to the client; the lock orders it with the pub/sub forwarder.
func (s *session) writeOut() bool {
	if len(s.wbuf) == 0 {
		return true
	}
	s.wmu.Lock()
	_, err := s.conn.Write(s.wbuf)
	s.wmu.Unlock()
	s.wbuf = s.wbuf[:0]
	return err == nil
}

// newReq takes a request from the pool for this batch.
func (s *session) newReq() *request {
	if s.nreq == len(s.reqs) {
		s.reqs = append(s.reqs, &request{s: s})
	}
	r := s.reqs[s.nreq]
	s.nreq++
	r.skip, r.addr, r.cmd, r.slot = false, "", r.cmd[:0], -1
	return r
}

// encode sets r.cmd: the client's bytes when they are a multibulk, else argv encoded.
func encodeArgs(dst []byte, argv [][]byte) []byte {
	dst = resp.AppendArray(dst, len(argv))
	for _, a := range argv {
		dst = resp.AppendBulk(dst, a)
	}
	return dst
}

func (s *session) localReply(b []byte, stats *cmdStats) {
	lo := len(s.local)
	s.local = append(s.local, b...)
	s.entries = append(s.entries, entry{kind: entLocal, lo: lo, hi: len(s.local), stats: stats})
}

// handle routes one request.
func (s *session) handle(argv [][]byte, raw []byte) {
	ci := s.p.cmds.lookup(argv[0], &s.scr)
	s.p.metrics.totalCommands.Add(1)
	if ci == nil {
		s.localReply(errUnknown(argv), nil)
		return
	}
	ci.stats.calls.Inc()
	if !s.authed && ci.name != "auth" && ci.name != "hello" && ci.name != "quit" {
		s.localReply([]byte("-NOAUTH Authentication required.\r\n"), ci.stats)
		return
	}
	if ci.arity > 0 && len(argv) != ci.arity || ci.arity < 0 && len(argv) < -ci.arity {
		s.localReply([]byte("-ERR wrong number of arguments for '"+ci.name+"' command\r\n"), ci.stats)
		return
	}
	if s.sub != nil {
		s.subCommand(ci, argv, raw)
		return
	}
	if s.tx.active() && ci.kind != kindTxn {
		s.finishBatch()
		s.txCommand(ci, argv, raw)
		return
	}
	switch ci.kind {
	case kindLocal:
		s.local1(ci, argv)
	case kindTxn:
		s.finishBatch()
		s.txCommand(ci, argv, raw)
	case kindSubscribe:
		s.finishBatch()
		s.subscribe(ci, argv, raw)
	case kindBlocking:
		s.finishBatch()
		s.blocking(ci, argv, raw)
	case kindAll:
		s.finishBatch()
		s.all(ci, argv, raw)
	case kindDenied:
		s.localReply([]byte("-ERR command '"+ci.name+"' is not supported by keygrid proxy\r\n"), ci.stats)
	case kindSplit:
		s.split(ci, argv, raw)
	default:
		s.keyIdx = ci.keyIndexes(argv, s.keyIdx[:0])
		slot := slotOf(argv, s.keyIdx)
		if slot == -2 {
			s.localReply([]byte(errCrossSlot), ci.stats)
			return
		}
		r := s.newReq()
		if s.parser.Inline {
			r.cmd = encodeArgs(r.cmd, argv)
		} else {
			r.cmd = append(r.cmd, raw...)
		}
		r.slot = slot
		s.entries = append(s.entries, entry{kind: entSingle, lo: s.nreq - 1, hi: s.nreq, stats: ci.stats})
		s.dispatch(r, ci.readonly)
	}
}

const errCrossSlot = "-CROSSSLOT Keys in request don't hash to the same slot\r\n"

func errUnknown(argv [][]byte) []byte {
	var b bytes.Buffer
	b.WriteString("-ERR unknown command '")
	b.Write(argv[0])
	b.WriteString("', with args beginning with: ")
	for _, a := range argv[1:] {
		b.WriteString("'")
		b.Write(a)
		b.WriteString("' ")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// dispatch sends r to the node serving its slot (any master when keyless).
func (s *session) dispatch(r *request, readonly bool) {
	addr := s.p.pickAddr(r.slot, readonly, s.id)
	ro := readonly && addr != s.p.topo.owner(max(r.slot, 0))
	s.sendTo(r, addr, ro)
}

func (s *session) sendTo(r *request, addr string, ro bool, pre ...*request) {
	r.addr = addr
	s.pending.Add(int32(1 + len(pre)))
	if addr == "" {
		r.reply = append(r.reply[:0], "-CLUSTERDOWN Hash slot not served\r\n"...)
		r.complete()
		return
	}
	b := s.p.backends.get(addr, s.proto, ro)
	if !slices.Contains(s.dirty, b) {
		s.dirty = append(s.dirty, b)
	}
	if len(pre) > 0 {
		b.send(append(pre, r)...)
	} else {
		b.send(r)
	}
}

// pickAddr chooses the node for a slot: the master, or a replica for reads when the
// proxy was told to read from replicas (spread over replicas by salt, the session id,
// so one client keeps reading from one replica and sees its writes in order there).
// Both replica modes fall back to the master while the slot lists no replica.
func (p *Proxy) pickAddr(slot int, readonly bool, salt int64) string {
	m := p.topo.cur.Load()
	if m == nil || len(m.shards) == 0 {
		return ""
	}
	var sh *shard
	if slot < 0 {
		sh = m.shards[0]
	} else {
		sh = m.slots[slot]
	}
	if sh == nil {
		return ""
	}
	if readonly && p.cfg.ReadFrom != "master" && len(sh.replicas) > 0 {
		return sh.replicas[int(salt)%len(sh.replicas)]
	}
	return sh.master
}

// finishBatch waits for every request of the batch, follows redirections, and
// appends the replies to wbuf in request order.
func (s *session) finishBatch() {
	if len(s.entries) == 0 {
		return
	}
	s.wait()
	s.redirects()
	now := nanotime()
	for i := range s.entries {
		e := &s.entries[i]
		switch e.kind {
		case entLocal:
			s.wbuf = append(s.wbuf, s.local[e.lo:e.hi]...)
		case entSingle:
			s.wbuf = append(s.wbuf, s.reqs[e.lo].reply...)
		case entSplit:
			s.wbuf = s.merge(s.wbuf, e)
		}
		if e.stats != nil {
			e.stats.latency.Observe(float64(now-s.start) / 1e9)
		}
	}
	s.entries = s.entries[:0]
	s.local = s.local[:0]
	s.keySub = s.keySub[:0]
	s.nreq = 0
}

// wait blocks until every request dispatched since the last wait has its reply.
func (s *session) wait() {
	for i, b := range s.dirty {
		b.flush()
		s.dirty[i] = nil
	}
	s.dirty = s.dirty[:0]
	if s.pending.Add(-1) != 0 {
		<-s.done
	}
	s.pending.Store(1)
}

// redirects resends the requests that got MOVED, ASK, TRYAGAIN or CLUSTERDOWN (or
// could not reach their node) until none did or the retry deadline passes.
func (s *session) redirects() {
	var deadline time.Time
	backoff := 10 * time.Millisecond
	for {
		var redo bool
		var sleep bool
		for _, r := range s.reqs[:s.nreq] {
			if r.skip || len(r.reply) == 0 || r.reply[0] != '-' {
				continue
			}
			kind := redirectKind(r.reply)
			if kind == "" {
				continue
			}
			if deadline.IsZero() {
				deadline = time.Now().Add(s.p.cfg.RetryDeadline)
			}
			if time.Now().After(deadline) {
				return
			}
			s.p.metrics.redirects.WithLabelValues(kind).Inc()
			redo = true
			switch kind {
			case "moved":
				_, addr := parseRedirect(r.reply)
				s.p.topo.refreshSoon()
				s.sendTo(r, addr, false)
			case "ask":
				_, addr := parseRedirect(r.reply)
				a := s.newReq()
				a.skip = true
				a.cmd = append(a.cmd, "*1\r\n$6\r\nASKING\r\n"...)
				s.sendTo(r, addr, false, a)
			default: // tryagain, clusterdown, unreachable: wait, then ask the map again
				sleep = true
				s.p.topo.refreshSoon()
			}
		}
		if !redo {
			return
		}
		if sleep {
			s.wait()
			time.Sleep(backoff)
			backoff = min(2*backoff, 200*time.Millisecond)
			for _, r := range s.reqs[:s.nreq] {
				if !r.skip && len(r.reply) > 0 && r.reply[0] == '-' {
					switch redirectKind(r.reply) {
					case "tryagain", "clusterdown", "unreachable":
						s.dispatch(r, false)
					}
				}
			}
		}
		s.wait()
	}
}

const unreachable = "-ERR proxy: unreachable "

func redirectKind(reply []byte) string {
	switch {
	case bytes.HasPrefix(reply, []byte("-MOVED ")):
		return "moved"
	case bytes.HasPrefix(reply, []byte("-ASK ")):
		return "ask"
	case bytes.HasPrefix(reply, []byte("-TRYAGAIN")):
		return "tryagain"
	case bytes.HasPrefix(reply, []byte("-CLUSTERDOWN")):
		return "clusterdown"
	case bytes.HasPrefix(reply, []byte(unreachable)):
		return "unreachable"
	}
	return ""
}

// parseRedirect splits "-MOVED 3999 127.0.0.1:6381\r\n" into slot and address.
func parseRedirect(reply []byte) (int, string) {
	f := bytes.Fields(reply[1:])
	if len(f) < 3 {
		return -1, ""
	}
	slot, _ := strconv.Atoi(string(f[1]))
	return slot, string(f[2])
}
