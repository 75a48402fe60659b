// The Proxy: listener, event loop, shared state and lifecycle.

package proxy

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/keygrid/keygrid/engine/loop"
	"github.com/keygrid/keygrid/engine/tlsconf"
)

// Proxy is one `keygrid proxy` process.
type Proxy struct {
	cfg      *Config
	topo     *topology
	backends *backends
	cmds     *cmdTable
	metrics  *metrics
	blocked  blockPool

	loop     *loop.Loop
	loopDone chan struct{}
	lfd      int // the listening socket, accepted from on the loop
	addr     string
	httpSrv  *http.Server
	nextID   atomic.Int64

	tlsServer *tls.Config  // accepted TLS clients; nil without a TLS listener
	tlsLn     net.Listener // the TLS listener, accepted from by a goroutine
	tlsAddr   string

	// Loop goroutine only.
	lsessions map[*session]struct{} // sessions on the loop
	wSessions []*session            // sessions with output to write before the next wait
	wBackends []*backend            // backends with requests to write before the next wait
	free      []*request
	now       int64         // nanotime of the current backend read
	lmap      *slotMap      // the map lcache was built for
	lcache    [2][]*backend // master connections per shard of lmap, per RESP version

	mu        sync.Mutex            // guards gsessions and closed
	gsessions map[*session]struct{} // detached sessions
	closed    bool
}

// New validates cfg; Start connects.
func New(cfg *Config) (*Proxy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Proxy{cfg: cfg, metrics: newMetrics(), lfd: -1,
		lsessions: map[*session]struct{}{}, gsessions: map[*session]struct{}{}}
	p.topo = newTopology(p)
	p.backends = &backends{p: p, m: map[backendKey]*backend{}}
	srv, cli, err := cfg.tlsConfigs()
	if err != nil {
		return nil, err
	}
	p.tlsServer = srv
	if cfg.TLSBackends {
		cfg.backendTLS = cli
	}
	return p, nil
}

// Start learns the slot map and the command table, then accepts clients.
func (p *Proxy) Start() error {
	l, err := loop.New(1024)
	if err != nil {
		return err
	}
	p.loop = l
	l.SetBeforeSleep(p.beforeSleep)
	// At one request per client round trip the loop blocks for a few microseconds
	// tens of thousands of times a second: the raw wait saves the scheduler's P
	// hand-offs and sysmon's wake-ups around each (a quarter fewer context switches
	// per request, measured with `perf stat` under redis-benchmark -c 50 -P 1).
	l.SetRawWait(true)
	p.loopDone = make(chan struct{})
	go func() {
		// The loop is the proxy's data path: one thread serves every client and every
		// shared backend connection, as Redis's does its clients.
		runtime.LockOSThread()
		l.Run()
		close(p.loopDone)
	}()
	if err := p.topo.refresh(); err != nil {
		p.stopLoop()
		return fmt.Errorf("proxy: learning the slot map from %v: %w", p.cfg.Seeds, err)
	}
	p.topo.mu.Lock()
	c, err := p.topo.controlLocked()
	var cmdErr error
	if err == nil {
		v, err := c.do(5*time.Second, "COMMAND")
		if err == nil && v.IsError() {
			err = errors.New(v.Str)
		}
		if err == nil {
			p.cmds = buildTable(v, p.metrics)
		}
		cmdErr = err
	} else {
		cmdErr = err
	}
	p.topo.mu.Unlock()
	if cmdErr != nil {
		p.stopLoop()
		return fmt.Errorf("proxy: reading COMMAND: %w", cmdErr)
	}
	// net.Listen parses the address (ports, wildcards, IPv6); the loop accepts on a
	// duplicate of its socket, which Go's poller does not watch.
	ln, err := net.Listen("tcp", p.cfg.Listen)
	if err != nil {
		p.stopLoop()
		return err
	}
	p.addr = ln.Addr().String()
	lfd, err := dupSocket(ln.(*net.TCPListener))
	ln.Close()
	if err != nil {
		p.stopLoop()
		return err
	}
	p.lfd = lfd
	done := make(chan error, 1)
	l.Submit(func() { done <- l.AddFile(lfd, loop.Readable, p.onAccept, nil) })
	if err := <-done; err != nil {
		p.stopLoop()
		return err
	}
	if p.cfg.TLSListen != "" {
		tln, err := net.Listen("tcp", p.cfg.TLSListen)
		if err != nil {
			p.stopLoop() // the loop's registration of lfd goes with it
			unix.Close(p.lfd)
			p.lfd = -1
			return err
		}
		p.tlsLn = tln
		p.tlsAddr = tln.Addr().String()
		go p.acceptTLS(tln)
	}
	go p.topo.watch()
	if p.cfg.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("/metrics", p.metrics.handler())
		p.httpSrv = &http.Server{Addr: p.cfg.MetricsAddr, Handler: mux}
		go p.httpSrv.ListenAndServe()
	}
	return nil
}

// Addr is the address clients connect to.
func (p *Proxy) Addr() string { return p.addr }

// TLSAddr is the address TLS clients connect to ("" without a TLS listener).
func (p *Proxy) TLSAddr() string { return p.tlsAddr }

// tlsHandshakeTimeout bounds a client's TLS handshake: a peer that connects and
// never completes it would otherwise hold a goroutine and a socket forever.
const tlsHandshakeTimeout = 10 * time.Second

// acceptTLS serves the TLS listener as the server's tls-port is served
// (docs/tls.md): crypto/tls does the handshake on a goroutine per connection,
// then tlsconf.Pipe gives the loop one end of a socketpair carrying the
// plaintext, and the loop treats it as any client.
func (p *Proxy) acceptTLS(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return // closed by Shutdown
		}
		go func() {
			tc := tls.Server(c, p.tlsServer)
			tc.SetDeadline(time.Now().Add(tlsHandshakeTimeout))
			if err := tc.Handshake(); err != nil {
				tc.Close()
				return
			}
			tc.SetDeadline(time.Time{})
			fd, err := tlsconf.Pipe(tc)
			if err != nil {
				tc.Close()
				return
			}
			remote := c.RemoteAddr().String()
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.closed {
				unix.Close(fd) // ends the pump, which closes tc
				return
			}
			p.loop.Submit(func() { p.addSession(fd, remote) })
		}()
	}
}

// onAccept takes new clients onto the loop.
func (p *Proxy) onAccept(lfd int, _ loop.Mask) {
	for range 1000 {
		fd, sa, err := unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			return
		}
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		p.addSession(fd, sockaddrString(sa))
	}
}

// addSession puts a new client, plain or TLS-bridged, on the loop.
func (p *Proxy) addSession(fd int, remote string) {
	s := newSession(p, fd, remote)
	if err := p.loop.AddFile(fd, loop.Readable, s.rh, s.wh); err != nil {
		unix.Close(fd)
		return
	}
	s.readOn = true
	p.lsessions[s] = struct{}{}
	p.metrics.clients.Add(1)
}

func sockaddrString(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	case *unix.SockaddrInet6:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	}
	return "?"
}

// beforeSleep writes, once per loop iteration, every backend with queued requests,
// then every client with replies: the requests that a read of many clients produced
// leave in one write per node.
func (p *Proxy) beforeSleep() {
	for i, b := range p.wBackends {
		b.inList = false
		b.flush()
		p.wBackends[i] = nil
	}
	p.wBackends = p.wBackends[:0]
	for i, s := range p.wSessions {
		s.inList = false
		s.flush()
		p.wSessions[i] = nil
	}
	p.wSessions = p.wSessions[:0]
}

// stopLoop stops the loop goroutine and waits for it.
func (p *Proxy) stopLoop() {
	p.loop.Stop()
	<-p.loopDone
	p.loop.Close()
	p.loop = nil
}

// Shutdown stops accepting, closes every connection. It is idempotent.
func (p *Proxy) Shutdown() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	if p.tlsLn != nil {
		p.tlsLn.Close()
	}
	for s := range p.gsessions {
		s.conn.Close() // the session's goroutine then ends it
	}
	p.mu.Unlock()
	// The watcher submits to the loop: it stops first.
	p.topo.close()
	if p.loop != nil {
		p.loop.Submit(func() {
			for s := range p.lsessions {
				s.closeLoop()
			}
			p.backends.closeAll()
			if p.lfd >= 0 {
				p.loop.DelFile(p.lfd, loop.Readable)
				unix.Close(p.lfd)
			}
		})
		p.stopLoop()
	}
	if p.httpSrv != nil {
		p.httpSrv.Close()
	}
	p.blocked.closeAll()
}

// Main is `keygrid proxy [config-file] --cluster host:port[,...] [flags]`.
func Main(args []string) int {
	cfg, err := ParseArgs(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "keygrid proxy: %v\n", err)
		return 1
	}
	p, err := New(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "keygrid proxy: %v\n", err)
		return 1
	}
	if err := p.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "keygrid proxy: %v\n", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "keygrid proxy: listening on %s, cluster %v\n", p.Addr(), cfg.Seeds)
	if p.TLSAddr() != "" {
		fmt.Fprintf(os.Stderr, "keygrid proxy: TLS on %s\n", p.TLSAddr())
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	// Like the nodes (and redis-server): a hangup or a closed stderr pipe does not
	// stop the proxy (Go's default for both is to exit).
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)
	<-sig
	p.Shutdown()
	return 0
}
