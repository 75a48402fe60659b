// A client session on the event loop: the loop reads what the client pipelined, parses
// every complete request, queues each on the backend connection of its slot (or
// answers it), and appends the replies to the client's output in request order as they
// come back. Writes happen once per loop iteration, before the loop sleeps.
//
// A command that needs a connection of its own (MULTI, blocking, SUBSCRIBE) or asks
// every master (DBSIZE, SCAN, ...) moves the session to a goroutine (detached.go) once
// the replies before it are out; it comes back when that state ends.

package proxy

import (
	"bytes"
	"net"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/keygrid/keygrid/engine/loop"
	"github.com/keygrid/keygrid/engine/resp"
)

type session struct {
	p      *Proxy
	fd     int // the client socket, owned by the loop except while detached
	remote string
	id     int64

	rbuf      []byte
	rn        int
	parser    resp.Request
	wbuf      []byte
	wpos      int // wbuf[wpos:] is not written yet
	scr       []byte
	keyIdx    []int
	keySlots  []int       // scratch of split
	partSlot  []int       // scratch of split: each part's slot
	partKeys  []int       // scratch of split: each part's number of keys
	partIndex map[int]int // scratch of split: slot -> part, past 16 parts
	argEnds   []int       // scratch of split

	proto  int
	authed bool
	name   string

	// Loop mode.
	q     []*request // client requests waiting for replies, in order; q[qhead:] live
	qhead int
	start int64
	// rseq numbers the reads from the client; outSeq is the read of the last request
	// whose reply went to wbuf (see flush).
	rseq   uint32
	outSeq uint32
	slow   bool // a request for the detached mode waits in rbuf: reading stops until q drains
	readOn bool // registered for readability
	wantW  bool // registered for writability
	inList bool // in Proxy.wSessions
	// The loop handlers, bound once: DelFile of the last readiness forgets them, so
	// every AddFile passes them again.
	rh, wh   loop.Handler
	detached bool
	closed   bool
	merged   []*request // scratch of merge

	// Detached mode (detached.go, pinned.go, pubsub.go).
	conn net.Conn // a duplicate of fd with Go's blocking I/O
	tx   txState
	sub  *syncConn // pub/sub mode: the dedicated connection
	// subEvents carries the subscription count at each marker (pubsub.go); -1 when
	// the dedicated connection broke.
	subEvents chan int
	wmu       sync.Mutex // serializes client writes with the pub/sub forwarder
	// close asks for the connection to be closed once the replies so far are out
	// (QUIT, a protocol error, a client gone).
	close bool
}

// Limits past which the loop stops reading a client until it catches up: replies it
// does not read, or requests it sends faster than the nodes answer.
const (
	maxPendingOut  = 4 << 20
	maxPendingReqs = 16 << 10
)

func newSession(p *Proxy, fd int, remote string) *session {
	s := &session{p: p, fd: fd, remote: remote, id: p.nextID.Add(1), proto: 2,
		rbuf: make([]byte, 16<<10), authed: p.cfg.Password == ""}
	s.parser.MaxBulk = 512 << 20
	s.parser.Reset()
	s.tx.slot = -1
	s.rh, s.wh = s.onReadable, s.onWritable
	return s
}

func (s *session) onReadable(int, loop.Mask) {
	if s.rn == len(s.rbuf) {
		s.rbuf = append(s.rbuf, make([]byte, len(s.rbuf))...)
	}
	n, err := loop.Read(s.fd, s.rbuf[s.rn:])
	if err == unix.EAGAIN {
		return
	}
	if err != nil || n == 0 {
		s.closeLoop()
		return
	}
	s.rn += n
	s.rseq++
	s.process()
}

func (s *session) onWritable(int, loop.Mask) { s.flush() }

// process parses and routes every complete request in rbuf, stopping at one that
// needs the detached mode.
func (s *session) process() {
	s.start = nanotime()
	pos := 0
	for pos < s.rn && !s.close && !s.slow {
		s.parser.Unauth = !s.authed
		m, argv, err := s.parser.Parse(s.rbuf[pos:s.rn])
		if err != nil {
			s.localReply(resp.AppendError(nil, err.Error()), nil)
			s.close = true
			break
		}
		if m == 0 {
			break
		}
		if len(argv) > 0 && !s.handle(argv, s.rbuf[pos:pos+m]) {
			s.slow = true
			break
		}
		pos += m
	}
	s.rn = copy(s.rbuf, s.rbuf[pos:s.rn])
	if len(s.rbuf) > 1<<20 && s.rn < 16<<10 {
		s.rbuf = append(make([]byte, 0, 16<<10), s.rbuf[:s.rn]...)[:16<<10]
	}
	s.markWrite()
	s.updateRead()
}

// updateRead registers the client for reading unless it must wait: a request for
// the detached mode is pending, it is closing, or it is too far behind.
func (s *session) updateRead() {
	want := !s.slow && !s.close && len(s.wbuf)-s.wpos < maxPendingOut && len(s.q)-s.qhead < maxPendingReqs
	if want == s.readOn {
		return
	}
	s.readOn = want
	if want {
		s.p.loop.AddFile(s.fd, loop.Readable, s.rh, s.wh)
	} else {
		s.p.loop.DelFile(s.fd, loop.Readable)
	}
}

func (s *session) markWrite() {
	if !s.inList {
		s.inList = true
		s.p.wSessions = append(s.p.wSessions, s)
	}
}

// flush writes the client's output (once per loop iteration), then closes or detaches
// the session when that is what it waits for.
func (s *session) flush() {
	if s.closed || s.detached {
		return
	}
	if s.wpos < len(s.wbuf) {
		if s.batchPending() {
			s.updateRead()
			return
		}
		n, err := loop.Write(s.fd, s.wbuf[s.wpos:])
		if err != nil && err != unix.EAGAIN {
			s.closeLoop()
			return
		}
		s.wpos += max(n, 0)
	}
	if s.wpos == len(s.wbuf) {
		s.wbuf, s.wpos = s.wbuf[:0], 0
		if cap(s.wbuf) > 4<<20 {
			s.wbuf = nil
		}
		if s.wantW {
			s.wantW = false
			s.p.loop.DelFile(s.fd, loop.Writable)
		}
	} else if !s.wantW {
		s.wantW = true
		s.p.loop.AddFile(s.fd, loop.Writable, s.rh, s.wh)
	}
	idle := s.qhead == len(s.q)
	switch {
	case s.close && idle && s.wpos == len(s.wbuf):
		s.closeLoop()
	case s.slow && idle && !s.close:
		s.detach() // the detached goroutine writes what is left of wbuf first
	default:
		s.updateRead()
	}
}

// batchPending reports whether the output should wait for the rest of the read it
// answers: a pipeline whose requests went to several nodes gets its replies back over
// several loop iterations, and writing each part costs a write here and a read (and
// often a wake-up) at the client, which waits for the whole pipeline anyway. The wait
// is bounded by the slowest request of that one read (later reads never hold earlier
// replies back) and by deferMax bytes. Output already half written (a short write,
// waiting for writability) is not held back.
func (s *session) batchPending() bool {
	return !s.wantW && s.qhead < len(s.q) && s.q[s.qhead].rseq == s.outSeq && len(s.wbuf)-s.wpos < deferMax
}

// deferMax bounds the output that waits for the rest of its read (see batchPending).
const deferMax = 64 << 10

// closeLoop closes a session the loop owns.
func (s *session) closeLoop() {
	if s.closed {
		return
	}
	s.closed = true
	p := s.p
	p.loop.DelFile(s.fd, loop.Readable|loop.Writable)
	unix.Close(s.fd)
	for i := s.qhead; i < len(s.q); i++ {
		for r := s.q[i]; r != nil; {
			next := r.next
			if !r.inflight { // else the backend reply or the timer frees it
				p.putReq(r)
			}
			r = next
		}
		s.q[i] = nil
	}
	s.q, s.qhead = nil, 0
	s.tx.release()
	delete(p.lsessions, s)
	p.metrics.clients.Add(-1)
}

// localReply answers a request at the proxy: straight into the output when nothing
// is pending before it, else kept in order behind the pending ones.
func (s *session) localReply(b []byte, stats *cmdStats) {
	if s.qhead == len(s.q) {
		s.wbuf = append(s.wbuf, b...)
		s.outSeq = s.rseq
		if stats != nil {
			stats.latency.Observe(float64(nanotime()-s.start) / 1e9)
		}
		return
	}
	r := s.newHead(stats)
	r.reply = append(r.reply, b...)
	r.pending = 0
}

// newHead queues a new client request with one part.
func (s *session) newHead(stats *cmdStats) *request {
	r := s.p.getReq()
	r.s, r.head, r.kind, r.nparts, r.pending, r.stats, r.start, r.rseq = s, r, entSingle, 1, 1, stats, s.start, s.rseq
	s.q = append(s.q, r)
	return r
}

// isSlow reports whether a command is served in the detached mode.
func isSlow(k cmdKind) bool {
	return k == kindTxn || k == kindSubscribe || k == kindBlocking || k == kindAll
}

// check answers what the proxy refuses before routing: unknown commands, NOAUTH,
// wrong arity. It returns nil when the command may run.
func (s *session) check(ci *cmdInfo, argv [][]byte) []byte {
	if ci == nil {
		return errUnknown(argv)
	}
	if !s.authed && ci.name != "auth" && ci.name != "hello" && ci.name != "quit" {
		return []byte("-NOAUTH Authentication required.\r\n")
	}
	if ci.arity > 0 && len(argv) != ci.arity || ci.arity < 0 && len(argv) < -ci.arity {
		return []byte("-ERR wrong number of arguments for '" + ci.name + "' command\r\n")
	}
	return nil
}

// handle routes one request on the loop; false leaves it for the detached mode.
func (s *session) handle(argv [][]byte, raw []byte) bool {
	ci := s.p.cmds.lookup(argv[0], &s.scr)
	if ci != nil && isSlow(ci.kind) {
		return false
	}
	s.p.metrics.totalCommands.Add(1)
	if ci != nil {
		ci.stats.calls.Inc()
	}
	if e := s.check(ci, argv); e != nil {
		var st *cmdStats
		if ci != nil {
			st = ci.stats
		}
		s.localReply(e, st)
		return true
	}
	switch ci.kind {
	case kindLocal:
		s.local1(ci, argv)
	case kindDenied:
		s.localReply([]byte("-ERR command '"+ci.name+"' is not supported by keygrid proxy\r\n"), ci.stats)
	case kindSplit:
		s.split(ci, argv, raw)
	default:
		s.keyIdx = ci.keyIndexes(argv, s.keyIdx[:0])
		slot := slotOf(argv, s.keyIdx)
		if slot == -2 {
			s.localReply([]byte(errCrossSlot), ci.stats)
			return true
		}
		r := s.newHead(ci.stats)
		s.encode(r, argv, raw)
		r.slot = slot
		s.dispatch(r, ci.readonly)
	}
	return true
}

// encode sets r.cmd: the client's bytes when they are a multibulk, else argv encoded.
func (s *session) encode(r *request, argv [][]byte, raw []byte) {
	if s.parser.Inline {
		r.cmd = encodeArgs(r.cmd[:0], argv)
	} else {
		r.cmd = append(r.cmd[:0], raw...)
	}
}

func encodeArgs(dst []byte, argv [][]byte) []byte {
	dst = resp.AppendArray(dst, len(argv))
	for _, a := range argv {
		dst = resp.AppendBulk(dst, a)
	}
	return dst
}

const errCrossSlot = "-CROSSSLOT Keys in request don't hash to the same slot\r\n"

var errSlotUnserved = []byte("-CLUSTERDOWN Hash slot not served\r\n")

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

// dispatch queues r on the connection of the node serving its slot (any master when
// keyless).
func (s *session) dispatch(r *request, readonly bool) {
	b := s.p.backendFor(r.slot, readonly, s)
	if b == nil {
		s.p.now = nanotime()
		s.p.deliver(r, errSlotUnserved)
		return
	}
	b.enqueue(r)
}

// backendFor picks the shared connection for a slot: the master's, or a replica's for
// reads when the proxy was told to read from replicas. The masters' connections are
// cached per shard of the current map, so routing a request costs no map lookup.
func (p *Proxy) backendFor(slot int, readonly bool, s *session) *backend {
	m := p.topo.cur.Load()
	if m == nil || len(m.shards) == 0 {
		return nil
	}
	if readonly && p.cfg.ReadFrom != "master" {
		addr := p.pickAddr(slot, true, s.id)
		if addr == "" {
			return nil
		}
		return p.backends.get(addr, s.proto, addr != p.topo.owner(max(slot, 0)))
	}
	si := 0 // keyless: the first master
	if slot >= 0 {
		si = int(m.shardOf[slot]) - 1
		if si < 0 {
			return nil
		}
	}
	if m != p.lmap {
		p.lmap = m
		for i := range p.lcache {
			p.lcache[i] = append(p.lcache[i][:0], make([]*backend, len(m.shards))...)
		}
	}
	c := p.lcache[s.proto&1]
	b := c[si]
	if b == nil {
		b = p.backends.get(m.shards[si].master, s.proto, false)
		c[si] = b
	}
	return b
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

// deliver hands a backend's reply (or a synthetic error) to the request it answers.
// raw is only valid during the call. Loop goroutine only.
func (p *Proxy) deliver(r *request, raw []byte) {
	r.inflight = false
	s := r.s
	if r.skip || s == nil || s.closed {
		p.putReq(r)
		return
	}
	if raw[0] == '-' {
		if kind := redirectKind(raw); kind != "" && s.redirect(r, kind, raw) {
			return
		}
	}
	h := r.head
	if r == h && h.nparts == 1 && s.q[s.qhead] == h {
		// The common case: the oldest pending request of its client, in one part,
		// goes straight to the client's output.
		s.wbuf = append(s.wbuf, raw...)
		s.outSeq = h.rseq
		if h.stats != nil {
			h.stats.latency.Observe(float64(p.now-h.start) / 1e9)
		}
		s.q[s.qhead] = nil
		s.qhead++
		p.putReq(h)
	} else {
		if h.kind == entSplit {
			r.rbeg = len(h.reply)
			h.reply = append(h.reply, raw...)
			r.rend = len(h.reply)
		} else {
			r.reply = append(r.reply[:0], raw...)
		}
		h.pending--
		if h.pending > 0 || s.q[s.qhead] != h {
			return
		}
	}
	s.drain()
}

// drain moves the replies of the oldest requests, as long as they are complete, to the
// client's output.
func (s *session) drain() {
	p := s.p
	for s.qhead < len(s.q) {
		h := s.q[s.qhead]
		if h.pending > 0 {
			break
		}
		if h.kind == entSplit {
			s.wbuf = s.merge(s.wbuf, h)
		} else {
			s.wbuf = append(s.wbuf, h.reply...)
		}
		s.outSeq = h.rseq
		if h.stats != nil { // p.now: deliver's callers set it, as for the fast path
			h.stats.latency.Observe(float64(p.now-h.start) / 1e9)
		}
		s.q[s.qhead] = nil
		s.qhead++
		for r := h; r != nil; {
			next := r.next
			p.putReq(r)
			r = next
		}
	}
	if s.qhead == len(s.q) {
		s.q, s.qhead = s.q[:0], 0
	} else if s.qhead >= 4096 && s.qhead*2 >= len(s.q) {
		n := copy(s.q, s.q[s.qhead:])
		clear(s.q[n:])
		s.q, s.qhead = s.q[:n], 0
	}
	s.markWrite()
}

// redirect follows MOVED (refresh the map, resend), ASK (ASKING + resend on the same
// connection), TRYAGAIN, CLUSTERDOWN and unreachable nodes (back off, resend to the
// current owner) for up to the retry deadline. false: give the client the error.
func (s *session) redirect(r *request, kind string, raw []byte) bool {
	p := s.p
	now := nanotime()
	if r.deadline == 0 {
		r.deadline = now + int64(p.cfg.RetryDeadline)
	}
	if now > r.deadline {
		return false
	}
	p.metrics.redirects.WithLabelValues(kind).Inc()
	switch kind {
	case "moved", "ask":
		_, addr := parseRedirect(raw)
		if addr == "" {
			return false
		}
		b := p.backends.get(addr, s.proto, false)
		if kind == "moved" {
			p.topo.refreshSoon()
		} else {
			a := p.getReq()
			a.skip = true
			a.cmd = append(a.cmd, "*1\r\n$6\r\nASKING\r\n"...)
			b.enqueue(a)
		}
		b.enqueue(r)
	default: // tryagain, clusterdown, unreachable: wait, then ask the map again
		p.topo.refreshSoon()
		if r.backoff == 0 {
			r.backoff = 10 * time.Millisecond
		}
		d := r.backoff
		r.backoff = min(2*r.backoff, 200*time.Millisecond)
		r.inflight = true
		p.loop.After(d, func() {
			r.inflight = false
			if r.s.closed {
				p.putReq(r)
				return
			}
			r.s.dispatch(r, false)
		})
	}
	return true
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
