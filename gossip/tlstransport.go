package gossip

// tlsTransport carries memberlist over TLS, for `tls-cluster yes`: Redis's cluster
// bus is TLS then, and a keygrid node must be as private and as authenticated with
// the same certificates (tls-cert-file, tls-ca-cert-file, tls-auth-clients). Every
// byte goes over TCP+TLS on the bus port; nothing is sent over UDP:
//
//   - a stream (push/pull, joins, reliable messages) is one TLS connection whose
//     first byte is 'S', then handed to memberlist as is;
//   - packets (probes, acks, gossip) to a peer share one long-lived TLS connection
//     whose first byte is 'P', followed by the sender's advertised address (the
//     "from" memberlist replies to) and then length-prefixed packets. Each peer has
//     a bounded queue and one writer goroutine: a full queue or a broken
//     connection drops packets, which is UDP's contract that memberlist expects
//     (it never blocks a probe on a dead peer's dial).
//
// Redis verifies the bus peer's certificate against the CA without a host name
// check; the client configuration from engine/tlsconf does the same.

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

const (
	tlsKindStream = 'S'
	tlsKindPacket = 'P'
	// tlsMaxPacket bounds one packet; memberlist's are under 64 KB (UDP).
	tlsMaxPacket = 1 << 20
	// tlsPeerQueue is how many packets may wait for one peer's writer.
	tlsPeerQueue = 256
	// tlsPeerIdle closes a peer's packet connection after this long unused.
	tlsPeerIdle = 2 * time.Minute
	// tlsHandshakeTimeout bounds an accepted connection's handshake and preface.
	tlsHandshakeTimeout = 10 * time.Second
)

type tlsTransport struct {
	ln        net.Listener
	server    *tls.Config
	client    *tls.Config
	bindAddr  string
	port      int
	advertise string // "ip:port" sent in packet prefaces; set by FinalAdvertiseAddr
	packetCh  chan *memberlist.Packet
	streamCh  chan net.Conn

	mu       sync.Mutex
	peers    map[string]*tlsPeer
	accepted map[net.Conn]struct{}
	shut     bool
	done     chan struct{}
	wg       sync.WaitGroup
}

// newTLSTransport listens on bindAddr:port (port 0: any) with server.
func newTLSTransport(bindAddr string, port int, server, client *tls.Config) (*tlsTransport, error) {
	if server == nil || client == nil {
		return nil, errors.New("gossip: TLS transport needs server and client configurations")
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(bindAddr, strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	t := &tlsTransport{
		ln: ln, server: server, client: client, bindAddr: bindAddr,
		port:     ln.Addr().(*net.TCPAddr).Port,
		packetCh: make(chan *memberlist.Packet), streamCh: make(chan net.Conn),
		peers: make(map[string]*tlsPeer), accepted: make(map[net.Conn]struct{}), done: make(chan struct{}),
	}
	t.wg.Add(1)
	go t.acceptLoop()
	return t, nil
}

// GetAutoBindPort is the port listened on (what port 0 became).
func (t *tlsTransport) GetAutoBindPort() int { return t.port }

func (t *tlsTransport) FinalAdvertiseAddr(ip string, port int) (net.IP, int, error) {
	var addr net.IP
	switch {
	case ip != "":
		addr = net.ParseIP(ip)
	case t.bindAddr != "" && !net.ParseIP(t.bindAddr).IsUnspecified():
		addr = net.ParseIP(t.bindAddr)
	default:
		ipStr, err := privateIP()
		if err != nil || ipStr == "" {
			return nil, 0, fmt.Errorf("no private IP address found, and explicit IP not provided")
		}
		addr = net.ParseIP(ipStr)
	}
	if addr == nil {
		return nil, 0, fmt.Errorf("failed to parse advertise address %q", ip)
	}
	if port == 0 {
		port = t.port
	}
	t.mu.Lock()
	t.advertise = net.JoinHostPort(ipString(addr), strconv.Itoa(port))
	t.mu.Unlock()
	return addr, port, nil
}

// privateIP is an address of this host in a private range, as memberlist's own
// transport picks one when bound to every interface.
func privateIP() (string, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", err
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.IsPrivate() {
			return n.IP.String(), nil
		}
	}
	return "", nil
}

func (t *tlsTransport) PacketCh() <-chan *memberlist.Packet { return t.packetCh }
func (t *tlsTransport) StreamCh() <-chan net.Conn           { return t.streamCh }

func (t *tlsTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	return t.WriteToAddress(b, memberlist.Address{Addr: addr})
}

// WriteToAddress queues b for addr's writer and returns at once (UDP-like).
func (t *tlsTransport) WriteToAddress(b []byte, addr memberlist.Address) (time.Time, error) {
	if len(b) > tlsMaxPacket {
		return time.Time{}, fmt.Errorf("gossip: packet of %d bytes too large", len(b))
	}
	p := t.peer(addr.Addr)
	if p == nil {
		return time.Time{}, errors.New("gossip: transport shut down")
	}
	buf := make([]byte, len(b)) // memberlist reuses b after the call
	copy(buf, b)
	select {
	case p.q <- buf:
	default: // the peer is not keeping up: drop, as a full socket buffer would
	}
	return time.Now(), nil
}

func (t *tlsTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	return t.DialAddressTimeout(memberlist.Address{Addr: addr}, timeout)
}

// DialAddressTimeout opens a stream: a TLS connection that starts with 'S'.
func (t *tlsTransport) DialAddressTimeout(addr memberlist.Address, timeout time.Duration) (net.Conn, error) {
	c, err := t.dial(addr.Addr, timeout)
	if err != nil {
		return nil, err
	}
	c.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte{tlsKindStream}); err != nil {
		c.Close()
		return nil, err
	}
	c.SetWriteDeadline(time.Time{})
	return c, nil
}

func (t *tlsTransport) dial(addr string, timeout time.Duration) (*tls.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	return tls.DialWithDialer(d, "tcp", addr, t.client)
}

func (t *tlsTransport) Shutdown() error {
	t.mu.Lock()
	if t.shut {
		t.mu.Unlock()
		return nil
	}
	t.shut = true
	close(t.done)
	for _, p := range t.peers {
		p.close()
	}
	for c := range t.accepted {
		c.Close()
	}
	t.mu.Unlock()
	err := t.ln.Close()
	t.wg.Wait()
	return err
}

func (t *tlsTransport) acceptLoop() {
	defer t.wg.Done()
	for {
		c, err := t.ln.Accept()
		if err != nil {
			select {
			case <-t.done:
				return
			default:
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		t.wg.Add(1)
		go t.serve(c)
	}
}

// serve handshakes an accepted connection, reads its kind and hands a stream to
// memberlist or reads packets from it until it closes.
func (t *tlsTransport) serve(raw net.Conn) {
	defer t.wg.Done()
	c := tls.Server(raw, t.server)
	c.SetDeadline(time.Now().Add(tlsHandshakeTimeout))
	var kind [1]byte
	if err := c.Handshake(); err != nil {
		c.Close()
		return
	}
	if _, err := io.ReadFull(c, kind[:]); err != nil {
		c.Close()
		return
	}
	switch kind[0] {
	case tlsKindStream:
		c.SetDeadline(time.Time{})
		select {
		case t.streamCh <- c:
		case <-t.done:
			c.Close()
		}
	case tlsKindPacket:
		if !t.track(c) {
			return
		}
		defer t.untrack(c)
		t.readPackets(c)
	default:
		c.Close()
	}
}

func (t *tlsTransport) track(c net.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.shut {
		c.Close()
		return false
	}
	t.accepted[c] = struct{}{}
	return true
}

func (t *tlsTransport) untrack(c net.Conn) {
	t.mu.Lock()
	delete(t.accepted, c)
	t.mu.Unlock()
	c.Close()
}

// readPackets reads the preface (the sender's advertised address) and then
// packets, each a 4-byte big-endian length and its bytes.
func (t *tlsTransport) readPackets(c *tls.Conn) {
	r := bufio.NewReader(c)
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:2]); err != nil {
		return
	}
	n := int(binary.BigEndian.Uint16(hdr[:2]))
	from := make([]byte, n)
	if _, err := io.ReadFull(r, from); err != nil {
		return
	}
	fromAddr, err := net.ResolveTCPAddr("tcp", string(from))
	if err != nil {
		return
	}
	c.SetDeadline(time.Time{})
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return
		}
		size := binary.BigEndian.Uint32(hdr[:])
		if size > tlsMaxPacket {
			return
		}
		buf := make([]byte, size)
		if _, err := io.ReadFull(r, buf); err != nil {
			return
		}
		select {
		case t.packetCh <- &memberlist.Packet{Buf: buf, From: fromAddr, Timestamp: time.Now()}:
		case <-t.done:
			return
		}
	}
}

// tlsPeer is the packet connection to one address and its writer.
type tlsPeer struct {
	t    *tlsTransport
	addr string
	q    chan []byte
	stop chan struct{}
	once sync.Once
}

func (p *tlsPeer) close() { p.once.Do(func() { close(p.stop) }) }

// peer returns addr's packet writer, starting it if needed (nil once shut down).
func (t *tlsTransport) peer(addr string) *tlsPeer {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.shut {
		return nil
	}
	if p := t.peers[addr]; p != nil {
		return p
	}
	p := &tlsPeer{t: t, addr: addr, q: make(chan []byte, tlsPeerQueue), stop: make(chan struct{})}
	t.peers[addr] = p
	t.wg.Add(1)
	go p.run()
	return p
}

// run writes queued packets to the peer, dialing when needed; it ends when idle
// (the next packet starts a new writer) or at shutdown.
func (p *tlsPeer) run() {
	t := p.t
	defer t.wg.Done()
	var c *tls.Conn
	var w *bufio.Writer
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	idle := time.NewTimer(tlsPeerIdle)
	defer idle.Stop()
	var hdr [4]byte
	for {
		select {
		case <-p.stop:
			return
		case <-t.done:
			return
		case <-idle.C:
			t.mu.Lock()
			if len(p.q) == 0 {
				delete(t.peers, p.addr)
				t.mu.Unlock()
				return
			}
			t.mu.Unlock()
			idle.Reset(tlsPeerIdle)
		case b := <-p.q:
			idle.Reset(tlsPeerIdle)
			if c == nil {
				var err error
				if c, err = p.connect(); err != nil {
					c = nil
					continue // dropped, as a packet to an unreachable host
				}
				w = bufio.NewWriter(c)
			}
			binary.BigEndian.PutUint32(hdr[:], uint32(len(b)))
			c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			w.Write(hdr[:])
			w.Write(b)
			// Write what is queued behind it in the same flush.
			for more := true; more; {
				select {
				case b2 := <-p.q:
					binary.BigEndian.PutUint32(hdr[:], uint32(len(b2)))
					w.Write(hdr[:])
					w.Write(b2)
				default:
					more = false
				}
			}
			if err := w.Flush(); err != nil {
				c.Close()
				c, w = nil, nil
			}
		}
	}
}

// connect dials the peer and writes the packet preface.
func (p *tlsPeer) connect() (*tls.Conn, error) {
	c, err := p.t.dial(p.addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	p.t.mu.Lock()
	from := p.t.advertise
	p.t.mu.Unlock()
	pre := make([]byte, 0, 3+len(from))
	pre = append(pre, tlsKindPacket)
	pre = binary.BigEndian.AppendUint16(pre, uint16(len(from)))
	pre = append(pre, from...)
	c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write(pre); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
