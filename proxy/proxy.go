// The Proxy: listener, shared state and lifecycle.

package proxy

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Proxy is one `keygrid proxy` process.
type Proxy struct {
	cfg      *Config
	topo     *topology
	backends *backends
	cmds     *cmdTable
	metrics  *metrics
	blocked  blockPool

	ln       net.Listener
	httpSrv  *http.Server
	nextID   atomic.Int64
	mu       sync.Mutex // guards sessions and closed
	sessions map[*session]struct{}
	closed   bool
	wg       sync.WaitGroup
}

// New validates cfg; Start connects.
func New(cfg *Config) (*Proxy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Proxy{cfg: cfg, metrics: newMetrics(), sessions: map[*session]struct{}{}}
	p.topo = newTopology(p)
	p.backends = &backends{p: p, m: map[backendKey]*backend{}}
	return p, nil
}

// Start learns the slot map and the command table, then accepts clients.
func (p *Proxy) Start() error {
	if err := p.topo.refresh(); err != nil {
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
		return fmt.Errorf("proxy: reading COMMAND: %w", cmdErr)
	}
	ln, err := net.Listen("tcp", p.cfg.Listen)
	if err != nil {
		return err
	}
	p.ln = ln
	go p.topo.watch()
	if p.cfg.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("/metrics", p.metrics.handler())
		p.httpSrv = &http.Server{Addr: p.cfg.MetricsAddr, Handler: mux}
		go p.httpSrv.ListenAndServe()
	}
	p.wg.Add(1)
	go p.accept()
	return nil
}

// Addr is the address clients connect to.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetNoDelay(true)
		}
		s := newSession(p, c)
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			return
		}
		p.sessions[s] = struct{}{}
		p.mu.Unlock()
		p.metrics.clients.Add(1)
		go func() {
			s.serve()
			p.metrics.clients.Add(-1)
			p.mu.Lock()
			delete(p.sessions, s)
			p.mu.Unlock()
		}()
	}
}

// Shutdown stops accepting, closes every connection. It is idempotent.
func (p *Proxy) Shutdown() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	for s := range p.sessions {
		s.conn.Close()
	}
	p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
	}
	if p.httpSrv != nil {
		p.httpSrv.Close()
	}
	p.topo.close()
	p.backends.closeAll()
	p.wg.Wait()
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
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	p.Shutdown()
	return 0
}
