// Shared, pipelined backend connections: many sessions queue requests on one
// connection per (node, protocol, readonly) and get their replies in FIFO order.

package proxy

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"time"

	"github.com/keygrid/keygrid/engine/resp"
)

// request is one command sent to a backend on behalf of a session. Sessions reuse
// them from batch to batch, so the steady state allocates nothing.
type request struct {
	s     *session
	cmd   []byte // the encoded command, kept for resending after a redirection
	reply []byte // the raw reply, filled by the backend reader
	addr  string // the node it was last sent to
	slot  int    // -1 for keyless commands
	skip  bool   // an ASKING whose +OK nobody wants
}

// complete hands the reply to the session; the last completion of a batch wakes it.
func (r *request) complete() {
	if r.s != nil && r.s.pending.Add(-1) == 0 {
		r.s.done <- struct{}{}
	}
}

type backendKey struct {
	addr     string
	proto    int
	readonly bool
}

// backend is one multiplexed connection to a node. It is (re)dialed lazily: a broken
// connection fails the requests in flight and the next send dials again.
type backend struct {
	key backendKey
	p   *Proxy

	mu    sync.Mutex // guards everything below
	conn  net.Conn
	out   []byte     // bytes not yet written
	spare []byte     // the writer's buffer, swapped with out
	queue []*request // waiting for replies, oldest first
	head  int        // queue[head:] are live
	gen   int        // connection generation, so an old goroutine does not kill a new conn
	// writing is set while a sending session writes out; the others only append.
	// Writing from the sender saves the handoff to a writer goroutine per batch.
	writing bool
}

var errBackendDown = errors.New("connection lost")

func newBackend(p *Proxy, key backendKey) *backend {
	return &backend{key: key, p: p}
}

// send queues reqs (already encoded in their cmd) in order on this connection; they
// leave at the next flush.
func (b *backend) send(reqs ...*request) {
	b.mu.Lock()
	if b.conn == nil {
		if err := b.dialLocked(); err != nil {
			b.mu.Unlock()
			b.p.metrics.backendErrors.Add(1)
			for _, r := range reqs {
				// Nothing was sent, so the request is safe to retry once the map changes.
				r.reply = fmt.Appendf(r.reply[:0], "%s%s: %v\r\n", unreachable, b.key.addr, err)
				r.complete()
			}
			return
		}
	}
	for _, r := range reqs {
		b.out = append(b.out, r.cmd...)
		b.queue = append(b.queue, r)
	}
	b.mu.Unlock()
}

// flush writes what is queued, unless a session is already writing: that one picks
// these bytes up before it stops, so requests of concurrent sessions coalesce into
// one write. Sessions queue a whole batch with send, then flush each backend once.
func (b *backend) flush() {
	b.mu.Lock()
	if b.writing || b.conn == nil || len(b.out) == 0 {
		b.mu.Unlock()
		return
	}
	b.writing = true
	b.mu.Unlock()
	runtime.Gosched() // let other runnable sessions add their requests to this write
	b.mu.Lock()
	if b.conn == nil {
		b.writing = false
		b.mu.Unlock()
		return
	}
	b.flushLocked(b.conn, b.gen, 8)
}

// flushLocked writes b.out until it is empty, at most rounds writes; then a goroutine
// takes over, so one session is not kept writing others' requests forever. Called with
// b.mu held and b.writing set; returns with b.mu released.
func (b *backend) flushLocked(c net.Conn, gen int, rounds int) {
	for len(b.out) > 0 {
		if rounds == 0 {
			b.mu.Unlock()
			go func() {
				b.mu.Lock()
				b.flushLocked(c, gen, -1)
			}()
			return
		}
		rounds--
		buf := b.out
		b.out = b.spare[:0]
		b.mu.Unlock()
		_, err := c.Write(buf)
		b.mu.Lock()
		b.spare = buf[:0]
		if err != nil || b.gen != gen {
			b.writing = false
			b.mu.Unlock()
			if err != nil {
				b.fail(c, gen, err)
			}
			return
		}
	}
	b.writing = false
	b.mu.Unlock()
}

// dialLocked connects and runs the handshake (AUTH, HELLO 3, READONLY) synchronously,
// before the reader and writer goroutines take over.
func (b *backend) dialLocked() error {
	c, err := dialHandshake(b.p.cfg, b.key.addr, b.key.proto, b.key.readonly)
	if err != nil {
		return err
	}
	b.conn = c
	b.gen++
	b.out, b.queue, b.head = b.out[:0], b.queue[:0], 0
	go b.reader(c, b.gen)
	return nil
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

func (b *backend) reader(c net.Conn, gen int) {
	buf := make([]byte, 64<<10)
	n := 0
	for {
		if n == len(buf) {
			buf = append(buf, make([]byte, len(buf))...)
		}
		m, err := c.Read(buf[n:])
		if err != nil {
			b.fail(c, gen, err)
			return
		}
		n += m
		pos := 0
		b.mu.Lock()
		for pos < n {
			l, err := replyLen(buf[pos:n])
			if err != nil {
				b.mu.Unlock()
				b.fail(c, gen, err)
				return
			}
			if l == 0 {
				break
			}
			if b.head >= len(b.queue) {
				b.mu.Unlock()
				b.fail(c, gen, errors.New("reply without a request"))
				return
			}
			r := b.queue[b.head]
			b.queue[b.head] = nil
			b.head++
			r.reply = append(r.reply[:0], buf[pos:pos+l]...)
			r.complete()
			pos += l
		}
		if b.head == len(b.queue) {
			b.queue, b.head = b.queue[:0], 0
		}
		b.mu.Unlock()
		n = copy(buf, buf[pos:n])
		if n == 0 && len(buf) > 1<<20 {
			buf = make([]byte, 64<<10) // give back a buffer grown by one huge reply
		}
	}
}

// fail closes the connection of generation gen and fails its requests in flight.
func (b *backend) fail(c net.Conn, gen int, err error) {
	c.Close()
	b.mu.Lock()
	if b.gen != gen {
		b.mu.Unlock()
		return
	}
	q := b.queue[b.head:]
	b.conn = nil
	b.gen++
	b.queue, b.head, b.out = nil, 0, b.out[:0]
	b.mu.Unlock()
	b.p.metrics.backendErrors.Add(1)
	b.p.topo.refreshSoon()
	msg := fmt.Sprintf("ERR proxy: backend %s: %v", b.key.addr, errBackendDown)
	for _, r := range q {
		r.reply = resp.AppendError(r.reply[:0], msg)
		r.complete()
	}
}

func (b *backend) close() {
	b.mu.Lock()
	c := b.conn
	b.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// backends is the set of shared connections, one per key.
type backends struct {
	p  *Proxy
	mu sync.RWMutex
	m  map[backendKey]*backend
}

func (bs *backends) get(addr string, proto int, readonly bool) *backend {
	k := backendKey{addr, proto, readonly}
	bs.mu.RLock()
	b := bs.m[k]
	bs.mu.RUnlock()
	if b != nil {
		return b
	}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if b = bs.m[k]; b == nil {
		b = newBackend(bs.p, k)
		bs.m[k] = b
	}
	return b
}

// prune closes the idle connections to nodes that left the slot map, so a proxy that
// outlives many topology changes does not keep sockets to nodes long gone. A busy one
// is left alone: it fails or drains on its own, and the next refresh retries.
func (bs *backends) prune(m *slotMap) {
	keep := map[string]bool{}
	for _, sh := range m.shards {
		keep[sh.master] = true
		for _, r := range sh.replicas {
			keep[r] = true
		}
	}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	for k, b := range bs.m {
		if keep[k.addr] {
			continue
		}
		b.mu.Lock()
		idle := !b.writing && b.head == len(b.queue) && len(b.out) == 0
		b.mu.Unlock()
		if idle {
			b.close()
			delete(bs.m, k)
		}
	}
}

func (bs *backends) closeAll() {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	for _, b := range bs.m {
		b.close()
	}
}

var nanotimeBase = time.Now()

func nanotime() int64 { return int64(time.Since(nanotimeBase)) }
