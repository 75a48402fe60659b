// Shared, pipelined backend connections, owned by the proxy's event loop: the requests
// of all clients queue on one connection per (node, protocol, readonly), leave in one
// write per loop iteration and get their replies back in FIFO order.

package proxy

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/keygrid/keygrid/engine/loop"
	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/engine/tlsconf"
)

// request is one command sent to a backend on behalf of a session, or, for the first
// part of a client request (its head), also the bookkeeping of that client request.
// They come from the proxy's free list and go back to it once answered, so the steady
// state allocates nothing. Loop goroutine only.
type request struct {
	s     *session
	head  *request // the client request this part belongs to (itself for a head)
	next  *request // the next part of a split command
	cmd   []byte   // the encoded command, kept for resending after a redirection
	reply []byte   // the raw reply, once it arrived and is not yet merged
	// A part of a split command keeps its reply in its head's reply buffer, at
	// [rbeg, rend): the merge then reads one buffer, not one per part.
	rbeg, rend int
	slot       int // -1 for keyless commands
	// inflight is set while a backend queue or a retry timer holds the request: it
	// must not return to the free list before.
	inflight bool
	skip     bool  // an ASKING whose +OK nobody wants
	deadline int64 // nanotime after which redirections are no longer followed
	backoff  time.Duration

	// Head only.
	kind    uint8 // entSingle or entSplit
	merge   uint8
	pending int // parts without a reply yet
	nparts  int
	nkeys   int
	keySub  []int // the part (index in the chain) each key went to
	stats   *cmdStats
	start   int64
	rseq    uint32 // the client read it came in (session.rseq)
}

// Head kinds.
const (
	entSingle = iota // the reply of the head itself (or a local reply kept in it)
	entSplit         // the merge of the chain's replies
)

// getReq takes a request from the free list.
func (p *Proxy) getReq() *request {
	if n := len(p.free); n > 0 {
		r := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		return r
	}
	return &request{slot: -1}
}

// putReq returns r to the free list; buffers grown by a huge value are dropped so
// one big MGET does not keep megabytes per pooled request.
func (p *Proxy) putReq(r *request) {
	cmd, reply, ks := r.cmd[:0], r.reply[:0], r.keySub[:0]
	if cap(cmd) > 64<<10 {
		cmd = nil
	}
	if cap(reply) > 64<<10 {
		reply = nil
	}
	*r = request{cmd: cmd, reply: reply, keySub: ks, slot: -1}
	if len(p.free) < 1<<16 {
		p.free = append(p.free, r)
	}
}

type backendKey struct {
	addr     string
	proto    int
	readonly bool
}

// Backend connection states.
const (
	beIdle    = iota // no connection; the next request dials
	beDialing        // a goroutine dials; requests queue meanwhile
	beUp             // connected, registered with the loop
)

// backend is one multiplexed connection to a node. It is (re)dialed lazily: a broken
// connection fails the requests in flight and the next request dials again. Every
// field is owned by the loop goroutine.
type backend struct {
	key   backendKey
	p     *Proxy
	state uint8
	fd    int
	gen   int // bumped when a connection ends, so a late dial result is dropped

	out   []byte // requests not yet written; out[wpos:] is left
	wpos  int
	queue []*request // waiting for replies, oldest first; queue[head:] are live
	head  int

	rbuf []byte
	rn   int

	inList    bool // in Proxy.wBackends, to be written before the next wait
	wantWrite bool // registered for writability after a short write
}

var errBackendDown = errors.New("connection lost")

// enqueue appends r to the connection's output; it leaves at the end of the loop
// iteration, in one write with every other request queued meanwhile.
func (b *backend) enqueue(r *request) {
	if b.state == beIdle {
		b.dial()
	}
	r.inflight = true
	b.out = append(b.out, r.cmd...)
	b.queue = append(b.queue, r)
	if !b.inList && b.state == beUp {
		b.inList = true
		b.p.wBackends = append(b.p.wBackends, b)
	}
}

// dial connects in a goroutine (a dial or a handshake must not stall the loop); the
// result comes back through the loop's mailbox.
func (b *backend) dial() {
	b.state = beDialing
	b.gen++
	gen := b.gen
	p := b.p
	go func() {
		fd := -1
		c, err := dialHandshake(p.cfg, b.key.addr, b.key.proto, b.key.readonly)
		if err == nil {
			if tc, ok := c.(*tls.Conn); ok {
				// As a replica's TLS link to its master: the loop gets the plain end
				// of a socketpair, goroutines encrypt (engine/tlsconf).
				fd, err = tlsconf.Pipe(tc)
				if err != nil {
					tc.Close()
				}
			} else {
				fd, err = dupSocket(c.(*net.TCPConn))
				c.Close()
			}
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.closed {
			if fd >= 0 {
				unix.Close(fd)
			}
			return
		}
		p.loop.Submit(func() { b.dialed(gen, fd, err) })
	}()
}

func (b *backend) dialed(gen, fd int, err error) {
	if gen != b.gen || b.state != beDialing {
		if fd >= 0 {
			unix.Close(fd)
		}
		return
	}
	if err == nil {
		err = b.p.loop.AddFile(fd, loop.Readable, b.onReadable, b.onWritable)
		if err != nil {
			unix.Close(fd)
		}
	}
	if err != nil {
		b.state = beIdle
		b.p.metrics.backendErrors.Add(1)
		b.p.topo.refreshSoon()
		// Nothing was sent, so the requests are safe to retry once the map changes.
		msg := fmt.Appendf(nil, "%s%s: %v\r\n", unreachable, b.key.addr, err)
		b.failQueued(msg)
		return
	}
	b.state = beUp
	b.fd = fd
	if b.rbuf == nil {
		b.rbuf = make([]byte, 64<<10)
	}
	b.rn = 0
	if len(b.out) > b.wpos && !b.inList {
		b.inList = true
		b.p.wBackends = append(b.p.wBackends, b)
	}
}

// failQueued answers every queued request with reply and empties the connection.
func (b *backend) failQueued(reply []byte) {
	q := append([]*request(nil), b.queue[b.head:]...)
	clear(b.queue)
	b.queue, b.head, b.out, b.wpos = b.queue[:0], 0, b.out[:0], 0
	b.p.now = nanotime()
	for _, r := range q {
		b.p.deliver(r, reply)
	}
}

// flush writes what is queued: one write per loop iteration. A short write waits for
// writability; the rest stays in out.
func (b *backend) flush() {
	if b.state != beUp || b.wpos == len(b.out) {
		return
	}
	n, err := loop.Write(b.fd, b.out[b.wpos:])
	if err != nil && err != unix.EAGAIN {
		b.fail()
		return
	}
	b.wpos += max(n, 0)
	if b.wpos == len(b.out) {
		b.out, b.wpos = b.out[:0], 0
		if cap(b.out) > 4<<20 {
			b.out = nil
		}
		if b.wantWrite {
			b.wantWrite = false
			b.p.loop.DelFile(b.fd, loop.Writable)
		}
		return
	}
	if !b.wantWrite {
		b.wantWrite = true
		b.p.loop.AddFile(b.fd, loop.Writable, nil, nil) // Readable stays registered: the handlers are kept
	}
}

func (b *backend) onWritable(int, loop.Mask) { b.flush() }

// onReadable reads once and hands every complete reply to its request.
func (b *backend) onReadable(int, loop.Mask) {
	if b.rn == len(b.rbuf) {
		b.rbuf = append(b.rbuf, make([]byte, len(b.rbuf))...)
	}
	n, err := loop.Read(b.fd, b.rbuf[b.rn:])
	if err == unix.EAGAIN {
		return
	}
	if err != nil || n == 0 {
		b.fail()
		return
	}
	b.rn += n
	p := b.p
	p.now = nanotime()
	pos := 0
	gen := b.gen
	for pos < b.rn {
		l, err := replyLen(b.rbuf[pos:b.rn])
		if err != nil || l > 0 && b.head >= len(b.queue) {
			b.fail() // garbage or a reply without a request: the stream is lost
			return
		}
		if l == 0 {
			break
		}
		r := b.queue[b.head]
		b.queue[b.head] = nil
		b.head++
		p.deliver(r, b.rbuf[pos:pos+l])
		pos += l
		if b.gen != gen { // delivering cannot close this connection, but be safe
			return
		}
	}
	if b.head == len(b.queue) {
		b.queue, b.head = b.queue[:0], 0
	}
	b.rn = copy(b.rbuf, b.rbuf[pos:b.rn])
	if b.rn == 0 && len(b.rbuf) > 1<<20 {
		b.rbuf = make([]byte, 64<<10) // give back a buffer grown by one huge reply
	}
}

// fail closes the connection and fails its requests in flight: they may have run, so
// they are not retried.
func (b *backend) fail() {
	b.closeConn()
	b.p.metrics.backendErrors.Add(1)
	b.p.topo.refreshSoon()
	msg := resp.AppendError(nil, fmt.Sprintf("ERR proxy: backend %s: %v", b.key.addr, errBackendDown))
	b.failQueued(msg)
}

// closeConn drops the connection (any state), leaving the queue to the caller.
func (b *backend) closeConn() {
	if b.state == beUp {
		b.p.loop.DelFile(b.fd, loop.Readable|loop.Writable)
		unix.Close(b.fd)
	}
	b.state = beIdle
	b.gen++
	b.fd = -1
	b.wantWrite = false
	b.rn = 0
}

func (b *backend) idle() bool {
	return b.state != beDialing && b.head == len(b.queue) && len(b.out) == b.wpos
}

// backends is the set of shared connections, one per key. The loop goroutine is the
// only writer; the lock lets other goroutines (tests, metrics) look.
type backends struct {
	p  *Proxy
	mu sync.RWMutex
	m  map[backendKey]*backend
}

// get returns the backend for a key, creating it; loop goroutine only.
func (bs *backends) get(addr string, proto int, readonly bool) *backend {
	k := backendKey{addr, proto, readonly}
	if b := bs.m[k]; b != nil {
		return b
	}
	b := &backend{key: k, p: bs.p, fd: -1}
	bs.mu.Lock()
	bs.m[k] = b
	bs.mu.Unlock()
	return b
}

// prune closes the idle connections to nodes that left the slot map, so a proxy that
// outlives many topology changes does not keep sockets to nodes long gone. A busy one
// is left alone: it fails or drains on its own, and the next refresh retries. Loop
// goroutine only.
func (bs *backends) prune(m *slotMap) {
	keep := map[string]bool{}
	for _, sh := range m.shards {
		keep[sh.master] = true
		for _, r := range sh.replicas {
			keep[r] = true
		}
	}
	for k, b := range bs.m {
		if keep[k.addr] || !b.idle() {
			continue
		}
		b.closeConn()
		bs.mu.Lock()
		delete(bs.m, k)
		bs.mu.Unlock()
	}
}

// closeAll drops every connection; loop goroutine only (at shutdown).
func (bs *backends) closeAll() {
	for _, b := range bs.m {
		b.closeConn()
	}
}

// dialHandshake opens a connection to addr ready for commands.
func dialHandshake(cfg *Config, addr string, proto int, readonly bool) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, cfg.DialTimeout)
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	if cfg.backendTLS != nil {
		tc := tls.Client(c, cfg.backendTLS)
		tc.SetDeadline(time.Now().Add(cfg.DialTimeout))
		if err := tc.Handshake(); err != nil {
			c.Close()
			return nil, fmt.Errorf("TLS handshake: %w", err)
		}
		tc.SetDeadline(time.Time{})
		c = tc
	}
	var hs []byte
	n := 0
	if cfg.BackendPassword != "" {
		if cfg.BackendUser != "" {
			hs = resp.AppendCommand(hs, "AUTH", cfg.BackendUser, cfg.BackendPassword)
		} else {
			hs = resp.AppendCommand(hs, "AUTH", cfg.BackendPassword)
		}
		n++
	}
	if proto == 3 {
		hs = resp.AppendCommand(hs, "HELLO", "3")
		n++
	}
	if readonly {
		hs = resp.AppendCommand(hs, "READONLY")
		n++
	}
	if n == 0 {
		return c, nil
	}
	c.SetDeadline(time.Now().Add(cfg.DialTimeout))
	if _, err := c.Write(hs); err != nil {
		c.Close()
		return nil, err
	}
	sc := &syncConn{Conn: c}
	for range n {
		raw, err := sc.readReply()
		if err != nil {
			c.Close()
			return nil, err
		}
		if raw[0] == '-' {
			c.Close()
			return nil, fmt.Errorf("handshake: %s", raw[1:len(raw)-2])
		}
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// dupSocket duplicates conn's descriptor for the loop, non-blocking and close-on-exec,
// so that conn (and its registration with Go's poller) can be closed.
func dupSocket(conn syscall.Conn) (int, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	var derr error
	if cerr := rc.Control(func(s uintptr) { fd, derr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0) }); cerr != nil {
		return -1, cerr
	}
	if derr != nil {
		return -1, derr
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// dupConn returns a net.Conn on a duplicate of the loop's descriptor fd: a session
// that leaves the loop (MULTI, blocking, pub/sub) then uses Go's blocking I/O and
// deadlines, and closing that conn never closes the loop's descriptor.
func dupConn(fd int) (net.Conn, error) {
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(nfd), "client")
	conn, err := net.FileConn(f) // dups again: f is closed either way
	f.Close()
	return conn, err
}

var nanotimeBase = time.Now()

func nanotime() int64 { return int64(time.Since(nanotimeBase)) }
