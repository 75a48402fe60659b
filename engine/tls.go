// TLS for clients and replication (Redis's tls-* directives).
//
// The loop keeps working on raw descriptors, so the plaintext path is untouched:
// the tls-port listeners are Go listeners, each accepted connection is
// handshaken on its own goroutine, then tlsconf.Pipe hands the loop one end of a
// socketpair that two goroutines bridge to the TLS connection. The loop registers
// that descriptor as a client with the peer's real addresses (acceptConn), so
// CLIENT LIST, CLIENT KILL ADDR and protected mode see the TCP peer, not the pipe.
//
// The configurations are built once at start (when tls-port, tls-replication or
// tls-cluster is on, as Redis's tlsConfigure) and again by CONFIG SET tls-*; they
// live in atomic pointers because handshakes and the replica's dial read them on
// other goroutines.

package engine

import (
	"crypto/tls"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/tlsconf"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// tlsHandshakeTimeout bounds a handshake. Redis has none (a silent client holds
// its connection until `timeout`), but here each pending handshake is a
// goroutine, so a peer that never speaks is dropped after this long.
const tlsHandshakeTimeout = 30 * time.Second

// errTLSConfigure is Start's error when the tls-* directives are unusable; the
// reason was logged first, as Redis does.
var errTLSConfigure = errors.New("Failed to configure TLS. Check logs for more info.")

type tlsState struct {
	server atomic.Pointer[tls.Config] // for accepted connections
	client atomic.Pointer[tls.Config] // for connections we make (replication)
	// repl is client while tls-replication is on, else nil: the replica's link
	// goroutine reads it instead of the loop's Config.
	repl atomic.Pointer[tls.Config]
	lns  []net.Listener // the tls-port listeners (loop goroutine only)
	// keepalive is tcp-keepalive for the handshake goroutines, which must not
	// read the loop's Config.
	keepalive atomic.Int64
}

// initTLS makes CONFIG SET tls-* rebuild the configurations and move tls-port.
func (s *Server) initTLS() {
	s.configApplyHooks = append(s.configApplyHooks, s.applyTLSConfig)
}

// tlsWanted reports whether TLS must be configured (Redis: tls-port,
// tls-replication or tls-cluster).
func (s *Server) tlsWanted() bool {
	return s.cfg.TLSPort != 0 || s.cfg.TLSReplication || s.cfg.TLSCluster
}

// TLSSettings converts the tls-* directives of cfg for tlsconf.Build.
func TLSSettings(cfg *config.Config) tlsconf.Settings {
	return tlsconf.Settings{
		CertFile: cfg.TLSCertFile, KeyFile: cfg.TLSKeyFile, KeyFilePass: cfg.TLSKeyFilePass,
		ClientCertFile: cfg.TLSClientCertFile, ClientKeyFile: cfg.TLSClientKeyFile,
		ClientKeyFilePass: cfg.TLSClientKeyFilePass,
		CACertFile:        cfg.TLSCACertFile, CACertDir: cfg.TLSCACertDir, DHParamsFile: cfg.TLSDHParamsFile,
		Protocols: cfg.TLSProtocols, Ciphers: cfg.TLSCiphers, Ciphersuites: cfg.TLSCiphersuites,
		AuthClients: cfg.TLSAuthClients, PreferServerCiphers: cfg.TLSPreferServerCiphers,
		SessionCaching: cfg.TLSSessionCaching, Cluster: cfg.TLSCluster, Replication: cfg.TLSReplication,
	}
}

// configureTLS builds and installs the configurations, logging the reason of a
// failure as Redis's tlsConfigure does.
func (s *Server) configureTLS() error {
	srv, cli, err := tlsconf.Build(TLSSettings(s.cfg))
	if err != nil {
		s.log.Warn(err.Error())
		return err
	}
	s.tls.server.Store(srv)
	s.tls.client.Store(cli)
	s.syncReplTLS()
	return nil
}

// syncReplTLS publishes whether (and how) the replica dials its master with TLS.
func (s *Server) syncReplTLS() {
	if s.cfg.TLSReplication {
		s.tls.repl.Store(s.tls.client.Load())
	} else {
		s.tls.repl.Store(nil)
	}
}

// startTLS runs in Start after the plaintext listeners opened.
func (s *Server) startTLS() error {
	s.tls.keepalive.Store(int64(s.cfg.TCPKeepalive))
	if !s.tlsWanted() {
		return nil
	}
	if s.configureTLS() != nil {
		s.log.Warn(errTLSConfigure.Error())
		return errTLSConfigure
	}
	if s.cfg.TLSPort == 0 {
		return nil
	}
	lns, err := s.listenTLS(s.cfg.TLSPort)
	if err != nil {
		return err
	}
	s.tls.lns = lns
	return nil
}

// listenTLS opens tls-port on every bind address (the same rules as port: "-"
// addresses are optional) and starts accepting.
func (s *Server) listenTLS(port int) ([]net.Listener, error) {
	binds := s.cfg.Bind
	if len(binds) == 0 {
		return nil, nil // bind "": no TCP address, TLS or not
	}
	var lns []net.Listener
	for _, b := range binds {
		fd, err := listenTCP(b, port, s.cfg.TCPBacklog)
		if err != nil {
			if len(b) > 0 && b[0] == '-' {
				continue
			}
			closeAll(lns)
			return nil, errors.New("Could not create server TLS listening socket " + b + ":" + strconv.Itoa(port) + ": " + err.Error())
		}
		f := os.NewFile(uintptr(fd), "tls-listener")
		ln, err := net.FileListener(f)
		f.Close()
		if err != nil {
			closeAll(lns)
			return nil, err
		}
		lns = append(lns, ln)
	}
	if len(lns) == 0 {
		return nil, errors.New("Could not create server TLS listening socket on port " + strconv.Itoa(port))
	}
	for _, ln := range lns {
		go s.acceptTLS(ln)
	}
	return lns, nil
}

// dialFrom connects to addr from the local address source ("" for any), as
// Redis's anetTcpNonBlockBestEffortBindConnect: an address that cannot be bound
// is given up and the connection is made from any.
func dialFrom(addr, source string, timeout time.Duration) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	if source == "" {
		return d.Dial("tcp", addr)
	}
	ip := net.ParseIP(source)
	if ip == nil {
		return d.Dial("tcp", addr)
	}
	from := *d
	from.LocalAddr = &net.TCPAddr{IP: ip}
	conn, err := from.Dial("tcp", addr)
	if err != nil && (errors.Is(err, unix.EADDRNOTAVAIL) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EAFNOSUPPORT)) {
		return d.Dial("tcp", addr)
	}
	return conn, err
}

func closeAll(lns []net.Listener) {
	for _, ln := range lns {
		ln.Close()
	}
}

func (s *Server) closeTLSListeners() {
	closeAll(s.tls.lns)
	s.tls.lns = nil
}

// acceptTLS is a listener's goroutine; it ends when the listener is closed.
func (s *Server) acceptTLS(ln net.Listener) {
	delay := time.Millisecond
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// EMFILE and the like: back off instead of spinning.
			s.log.Warn("Accepting client connection: " + err.Error())
			time.Sleep(delay)
			delay = min(2*delay, time.Second)
			continue
		}
		delay = time.Millisecond
		go s.handshakeTLS(conn)
	}
}

// handshakeTLS completes the handshake, then hands the loop the plain end.
func (s *Server) handshakeTLS(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
		if ka := s.tls.keepalive.Load(); ka > 0 {
			tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: time.Duration(ka) * time.Second,
				Interval: time.Duration(max(ka/3, 1)) * time.Second, Count: 3})
		}
	}
	cc := &countingConn{Conn: conn}
	t := tls.Server(cc, s.tls.server.Load())
	t.SetDeadline(time.Now().Add(tlsHandshakeTimeout))
	if err := t.Handshake(); err != nil {
		// Redis logs failed handshakes at verbose level.
		s.log.Debug("Error accepting a client connection: "+err.Error(), zap.String("addr", conn.RemoteAddr().String()))
		// A plaintext client (a RESP request on the TLS port): OpenSSL reads the
		// five bytes of a record header, rejects them without an alert, and Redis
		// closes with the rest of the request unread, so the kernel answers with
		// a reset, which clients report as "Connection reset by peer" (redis-py's
		// test_ssl_connection_without_ssl sees it). Go has read everything, so
		// the close would be an orderly FIN: reset it the same way.
		var rhe tls.RecordHeaderError
		if tc, ok := conn.(*net.TCPConn); ok && errors.As(err, &rhe) && rhe.Conn != nil && cc.n > 5 {
			tc.SetLinger(0)
		}
		conn.Close()
		return
	}
	t.SetDeadline(time.Time{})
	fd, err := tlsconf.Pipe(t)
	if err != nil {
		s.log.Warn("TLS client pipe: " + err.Error())
		t.Close()
		return
	}
	sa := tcpSockaddr(conn.RemoteAddr())
	laddr := sockaddrString(tcpSockaddr(conn.LocalAddr()))
	select {
	case <-s.done:
		unix.Close(fd) // the loop is gone: nobody would register it
		return
	default:
	}
	s.Submit(func() { s.acceptConn(fd, sa, false, laddr) })
}

// countingConn counts the bytes read through it: how much a failed handshake
// consumed (handshakeTLS).
type countingConn struct {
	net.Conn
	n int64 // written by the handshake goroutine, then by tlsconf.Pipe's reader
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.n += int64(n)
	return n, err
}

// tcpSockaddr converts a Go TCP address to the form acceptConn and protected
// mode work with.
func tcpSockaddr(a net.Addr) unix.Sockaddr {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return &unix.SockaddrInet4{}
	}
	if ip4 := ta.IP.To4(); ip4 != nil {
		sa := &unix.SockaddrInet4{Port: ta.Port}
		copy(sa.Addr[:], ip4)
		return sa
	}
	sa := &unix.SockaddrInet6{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To16())
	return sa
}

// dialMaster connects to a master for replication: plain TCP, or, with
// tls-replication yes, TLS through a pipe, so that the link code (which
// duplicates the descriptor for the loop once synced) reads plaintext. source,
// when set (bind-source-addr), is the local address to connect from.
func (s *Server) dialMaster(addr, source string, timeout time.Duration) (net.Conn, error) {
	raw, err := dialFrom(addr, source, timeout)
	if err != nil {
		return nil, err
	}
	cfg := s.tls.repl.Load()
	if cfg == nil {
		return raw, nil
	}
	t := tls.Client(raw, cfg)
	t.SetDeadline(time.Now().Add(timeout))
	if err := t.Handshake(); err != nil {
		raw.Close()
		return nil, err
	}
	t.SetDeadline(time.Time{})
	conn, err := tlsconf.PipeConn(t)
	if err != nil {
		t.Close()
		return nil, err
	}
	return conn, nil
}

// applyTLSConfig is the CONFIG SET hook: any tls-* change reconfigures (when TLS
// is in use), and a new tls-port moves the listeners, as Redis's applyTlsCfg and
// applyTLSPort.
func (s *Server) applyTLSConfig(changed []string) error {
	s.tls.keepalive.Store(int64(s.cfg.TCPKeepalive))
	first := ""
	portChanged := false
	for _, name := range changed {
		if strings.HasPrefix(name, "tls-") {
			if first == "" {
				first = name
			}
			portChanged = portChanged || name == "tls-port"
		}
	}
	if containsString(changed, "bind") && s.cfg.TLSPort != 0 {
		// The TLS listeners follow bind as the plain ones do (Redis's changeBindAddr).
		portChanged = true
		if first == "" {
			first = "bind"
		}
	}
	if first == "" {
		return nil
	}
	if first != "bind" && s.tlsWanted() && s.configureTLS() != nil {
		return config.SetError(first, "Unable to update TLS configuration. Check server logs.")
	}
	s.syncReplTLS()
	if portChanged && s.loop != nil {
		// Same port on new addresses: the old sockets must go first (two listeners
		// cannot share an address); a new port opens before the old one closes, so
		// a failure leaves the old one serving.
		bindOnly := !containsString(changed, "tls-port")
		if bindOnly {
			s.closeTLSListeners()
		}
		var lns []net.Listener
		if s.cfg.TLSPort != 0 {
			var err error
			if lns, err = s.listenTLS(s.cfg.TLSPort); err != nil {
				s.log.Warn(err.Error())
				if bindOnly {
					return config.SetError("bind", "Failed to bind to specified addresses.")
				}
				return config.SetError("tls-port", "Unable to listen on this port. Check server logs.")
			}
		}
		s.closeTLSListeners()
		s.tls.lns = lns
	}
	return nil
}
