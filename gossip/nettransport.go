package gossip

// netTransport is memberlist's plain transport (UDP packets and TCP streams on
// the bus port), as memberlist.NetTransport, but for the garbage it makes.
// NetTransport reads every UDP packet into a fresh 64 KB buffer that memberlist
// keeps until it has handled the packet: a 20-node cluster's probes, acks and
// gossip made each process allocate megabytes a second, and an idle node spent
// most of its CPU in the collector (the legacy cluster suite's twenty processes
// kept two cores busy doing nothing). Here one buffer per listener takes the
// reads and each packet is copied out at its own size.

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-sockaddr"
	"github.com/hashicorp/memberlist"
	"go.uber.org/zap"
)

// udpReadBuf is the largest UDP payload (what memberlist's NetTransport reads).
const udpReadBuf = 65536

// udpSocketBuf is the receive buffer asked of the kernel for the bus's UDP
// socket (memberlist's udpRecvBufSize): a burst of gossip must not overflow it.
const udpSocketBuf = 2 * 1024 * 1024

type netTransport struct {
	bindAddr string
	tcp      *net.TCPListener
	udp      *net.UDPConn
	packetCh chan *memberlist.Packet
	streamCh chan net.Conn
	log      *zap.Logger
	shutdown atomic.Bool
	wg       sync.WaitGroup
}

var _ memberlist.NodeAwareTransport = (*netTransport)(nil)

// newNetTransport binds TCP and UDP on bindAddr:port (port 0: a free TCP port,
// then the same port for UDP).
func newNetTransport(bindAddr string, port int, log *zap.Logger) (*netTransport, error) {
	ip := net.ParseIP(bindAddr)
	if ip == nil {
		return nil, fmt.Errorf("invalid bind address %q", bindAddr)
	}
	tcp, err := net.ListenTCP("tcp", &net.TCPAddr{IP: ip, Port: port})
	if err != nil {
		return nil, fmt.Errorf("failed to start TCP listener on %q port %d: %v", bindAddr, port, err)
	}
	if port == 0 {
		port = tcp.Addr().(*net.TCPAddr).Port
	}
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: ip, Port: port})
	if err != nil {
		tcp.Close()
		return nil, fmt.Errorf("failed to start UDP listener on %q port %d: %v", bindAddr, port, err)
	}
	for size := udpSocketBuf; size > 0; size /= 2 {
		if udp.SetReadBuffer(size) == nil {
			break
		}
	}
	t := &netTransport{bindAddr: bindAddr, tcp: tcp, udp: udp, log: log,
		packetCh: make(chan *memberlist.Packet), streamCh: make(chan net.Conn)}
	t.wg.Add(2)
	go t.acceptLoop()
	go t.readLoop()
	return t, nil
}

// GetAutoBindPort is the port bound.
func (t *netTransport) GetAutoBindPort() int { return t.tcp.Addr().(*net.TCPAddr).Port }

// FinalAdvertiseAddr is ip:port when given; else, bound to every address, a
// private address of the host (memberlist's rule; node/cluster.go falls back
// to loopback on the "private IP" error), or the address bound.
func (t *netTransport) FinalAdvertiseAddr(ip string, port int) (net.IP, int, error) {
	if ip != "" {
		a := net.ParseIP(ip)
		if a == nil {
			return nil, 0, fmt.Errorf("failed to parse advertise address %q", ip)
		}
		if a4 := a.To4(); a4 != nil {
			a = a4
		}
		return a, port, nil
	}
	port = t.GetAutoBindPort()
	if t.bindAddr != "0.0.0.0" {
		return t.tcp.Addr().(*net.TCPAddr).IP, port, nil
	}
	priv, err := sockaddr.GetPrivateIP()
	if err != nil {
		return nil, 0, fmt.Errorf("failed to get interface addresses: %v", err)
	}
	if priv == "" {
		return nil, 0, errors.New("no private IP address found, and explicit IP not provided")
	}
	a := net.ParseIP(priv)
	if a == nil {
		return nil, 0, fmt.Errorf("failed to parse advertise address: %q", priv)
	}
	return a, port, nil
}

// WriteTo sends one packet.
func (t *netTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	return t.WriteToAddress(b, memberlist.Address{Addr: addr})
}

// WriteToAddress sends one packet to a.Addr ("ip:port", a name resolved).
func (t *netTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	if ap, err := netip.ParseAddrPort(a.Addr); err == nil {
		_, err = t.udp.WriteToUDPAddrPort(b, ap)
		return time.Now(), err
	}
	ua, err := net.ResolveUDPAddr("udp", a.Addr)
	if err != nil {
		return time.Time{}, err
	}
	_, err = t.udp.WriteTo(b, ua)
	return time.Now(), err
}

// PacketCh delivers the packets read.
func (t *netTransport) PacketCh() <-chan *memberlist.Packet { return t.packetCh }

// DialTimeout opens a stream.
func (t *netTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	return t.DialAddressTimeout(memberlist.Address{Addr: addr}, timeout)
}

// DialAddressTimeout opens a stream to a.Addr.
func (t *netTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	return d.Dial("tcp", a.Addr)
}

// StreamCh delivers the streams accepted.
func (t *netTransport) StreamCh() <-chan net.Conn { return t.streamCh }

// Shutdown closes both listeners and waits for their goroutines.
func (t *netTransport) Shutdown() error {
	t.shutdown.Store(true)
	t.tcp.Close()
	t.udp.Close()
	t.wg.Wait()
	return nil
}

// acceptLoop hands accepted streams to memberlist, backing off on errors
// (descriptors exhausted) as NetTransport does.
func (t *netTransport) acceptLoop() {
	defer t.wg.Done()
	var delay time.Duration
	for {
		c, err := t.tcp.AcceptTCP()
		if err != nil {
			if t.shutdown.Load() {
				return
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			t.log.Error("memberlist: Error accepting TCP connection", zap.Error(err))
			time.Sleep(delay)
			continue
		}
		delay = 0
		t.streamCh <- c
	}
}

// readLoop reads packets into one buffer and hands each to memberlist in a
// slice of its own size (memberlist keeps it while the packet is handled).
func (t *netTransport) readLoop() {
	defer t.wg.Done()
	buf := make([]byte, udpReadBuf)
	for {
		n, from, err := t.udp.ReadFromUDPAddrPort(buf)
		ts := time.Now()
		if err != nil {
			if t.shutdown.Load() {
				return
			}
			t.log.Error("memberlist: Error reading UDP packet", zap.Error(err))
			continue
		}
		if n < 1 {
			continue // memberlist needs a message type byte
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port()) // a dual-stack socket's v4 peers
		t.packetCh <- &memberlist.Packet{
			Buf:       append([]byte(nil), buf[:n]...),
			From:      net.UDPAddrFromAddrPort(from),
			Timestamp: ts,
		}
	}
}
