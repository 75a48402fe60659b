package gossip

// countingTransport wraps memberlist's network transport to count what the bus
// sends and receives: packets (UDP: probes, gossip, broadcasts) and stream bytes
// (TCP: push/pull, reliable messages). CLUSTER INFO's ping counters and the gossip
// cost benchmark read them.

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

type countingTransport struct {
	memberlist.NodeAwareTransport
	packetsOut, packetsIn atomic.Int64
	bytesOut, bytesIn     atomic.Int64 // packets and streams together
	streamsOut, streamsIn atomic.Int64
	streamBytesOut        atomic.Int64 // of bytesOut, what went on streams
	pch                   chan *memberlist.Packet
	sch                   chan net.Conn
	// stop closes when Shutdown starts: the forwarders then drop what the
	// inner transport still hands over; innerDone when the inner transport's
	// listeners are gone and the forwarders may return.
	stop, innerDone chan struct{}
	// lastIn is the local IP of the last stream (TCP) accepted: the address a
	// peer reached us at. When memberlist merges a join it reads it (the join's
	// stream was just accepted): Redis learns myself's address from the local
	// address of the MEET's connection.
	lastIn atomic.Pointer[string]
	// muted: the memberlist on this transport is being replaced (a hard CLUSTER
	// RESET): it may still send its leave (packets), but no stream goes in or
	// out, so it can neither answer a MEET meant for the reset node nor push its
	// old cluster's state to a node of the new one.
	muted atomic.Bool
	// stalled: the engine's loop is stuck (stall.go): nothing that comes in is
	// handed to memberlist, so no probe is acked and no state exchanged.
	stalled atomic.Bool
	// onLink takes the cluster link connections a peer opens (links.go).
	onLink atomic.Pointer[func(net.Conn)]
	// pushPull thins memberlist's periodic push/pulls (antientropy.go).
	pushPull atomic.Pointer[pushPullGate]
}

var errMuted = errors.New("gossip: this bus is being reset")

// noteIncoming remembers c's local IP.
func (t *countingTransport) noteIncoming(c net.Conn) {
	if a, ok := c.LocalAddr().(*net.TCPAddr); ok {
		if ip := ipString(a.IP); ip != "" {
			t.lastIn.Store(&ip)
		}
	}
}

// lastInIP is what noteIncoming saw last, or "".
func (t *countingTransport) lastInIP() string {
	if p := t.lastIn.Load(); p != nil {
		return *p
	}
	return ""
}

// ipString formats ip (IPv4 in its short form), "" for none or unspecified.
func ipString(ip net.IP) string {
	if ip == nil || ip.IsUnspecified() {
		return ""
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return ip.String()
}

// routeIP is the local address this host would send from to reach addr
// ("ip:port"), "" if unknown: what the peer at addr sees us as (Redis learns
// it from the connection). A UDP "connect" sends nothing.
func routeIP(addr string) string {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return ""
	}
	defer c.Close()
	if a, ok := c.LocalAddr().(*net.UDPAddr); ok {
		return ipString(a.IP)
	}
	return ""
}

func newCountingTransport(inner memberlist.NodeAwareTransport) *countingTransport {
	t := &countingTransport{NodeAwareTransport: inner, pch: make(chan *memberlist.Packet), sch: make(chan net.Conn), stop: make(chan struct{}), innerDone: make(chan struct{})}
	go t.forwardPackets()
	go t.forwardStreams()
	return t
}

func (t *countingTransport) forwardPackets() {
	in := t.NodeAwareTransport.PacketCh()
	for {
		select {
		case p := <-in:
			t.packetsIn.Add(1)
			t.bytesIn.Add(int64(len(p.Buf)))
			// Muted: the memberlist being replaced after a hard reset hears
			// nothing either, so it acks no probe under the old id (a node
			// that pinged the old id would take it for alive: verify).
			if t.stalled.Load() || t.muted.Load() {
				continue
			}
			select {
			case t.pch <- p:
			case <-t.stop:
			}
		case <-t.innerDone:
			return
		}
	}
}

func (t *countingTransport) forwardStreams() {
	in := t.NodeAwareTransport.StreamCh()
	for {
		select {
		case c := <-in:
			if t.muted.Load() || t.stalled.Load() {
				c.Close()
				continue
			}
			t.streamsIn.Add(1)
			t.noteIncoming(c)
			go t.classify(&countingConn{Conn: c, t: t})
		case <-t.innerDone:
			return
		}
	}
}

// linkMagic starts a cluster link's connection (links.go); memberlist's
// streams start with one of its message types, all below it or 244.
const linkMagic = 'K'

// classify reads a stream's first byte: a cluster link goes to the bus
// (onLink), anything else to memberlist with the byte put back.
func (t *countingTransport) classify(c net.Conn) {
	var first [1]byte
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, first[:]); err != nil {
		c.Close()
		return
	}
	c.SetReadDeadline(time.Time{})
	if first[0] == linkMagic {
		if f := t.onLink.Load(); f != nil {
			(*f)(c)
		} else {
			c.Close()
		}
		return
	}
	select {
	case t.sch <- &prefixConn{Conn: c, first: first[0], has: true}:
	case <-t.stop:
		c.Close()
	}
}

// prefixConn is a conn whose first byte was read already.
type prefixConn struct {
	net.Conn
	first byte
	has   bool
}

func (c *prefixConn) Read(b []byte) (int, error) {
	if c.has && len(b) > 0 {
		b[0], c.has = c.first, false
		return 1, nil
	}
	return c.Conn.Read(b)
}

func (t *countingTransport) PacketCh() <-chan *memberlist.Packet { return t.pch }
func (t *countingTransport) StreamCh() <-chan net.Conn           { return t.sch }

func (t *countingTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	t.packetsOut.Add(1)
	t.bytesOut.Add(int64(len(b)))
	return t.NodeAwareTransport.WriteTo(b, addr)
}

func (t *countingTransport) WriteToAddress(b []byte, addr memberlist.Address) (time.Time, error) {
	t.packetsOut.Add(1)
	t.bytesOut.Add(int64(len(b)))
	return t.NodeAwareTransport.WriteToAddress(b, addr)
}

func (t *countingTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	if t.muted.Load() {
		return nil, errMuted
	}
	if g := t.pushPull.Load(); g != nil && fromPeriodicPushPull() && !g.admit() {
		return nil, errPushPullThinned
	}
	c, err := t.NodeAwareTransport.DialTimeout(addr, timeout)
	if err != nil {
		return nil, err
	}
	t.streamsOut.Add(1)
	return &countingConn{Conn: c, t: t}, nil
}

func (t *countingTransport) DialAddressTimeout(addr memberlist.Address, timeout time.Duration) (net.Conn, error) {
	if t.muted.Load() {
		return nil, errMuted
	}
	if g := t.pushPull.Load(); g != nil && fromPeriodicPushPull() && !g.admit() {
		return nil, errPushPullThinned
	}
	c, err := t.NodeAwareTransport.DialAddressTimeout(addr, timeout)
	if err != nil {
		return nil, err
	}
	t.streamsOut.Add(1)
	return &countingConn{Conn: c, t: t}, nil
}

func (t *countingTransport) Shutdown() error {
	select {
	case <-t.stop:
		return nil
	default:
		close(t.stop)
	}
	err := t.NodeAwareTransport.Shutdown()
	close(t.innerDone)
	return err
}

// countingConn counts a stream's bytes both ways.
type countingConn struct {
	net.Conn
	t *countingTransport
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.t.bytesIn.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.t.bytesOut.Add(int64(n))
	c.t.streamBytesOut.Add(int64(n))
	return n, err
}

// Traffic is what a bus sent and received since it started.
type Traffic struct {
	PacketsOut, PacketsIn int64
	BytesOut, BytesIn     int64
	StreamsOut, StreamsIn int64
	StreamBytesOut        int64 // of BytesOut, on streams (push/pull, links)
}

func (a Traffic) add(b Traffic) Traffic {
	return Traffic{
		PacketsOut: a.PacketsOut + b.PacketsOut, PacketsIn: a.PacketsIn + b.PacketsIn,
		BytesOut: a.BytesOut + b.BytesOut, BytesIn: a.BytesIn + b.BytesIn,
		StreamsOut: a.StreamsOut + b.StreamsOut, StreamsIn: a.StreamsIn + b.StreamsIn,
		StreamBytesOut: a.StreamBytesOut + b.StreamBytesOut,
	}
}

func (t *countingTransport) traffic() Traffic {
	return Traffic{
		PacketsOut: t.packetsOut.Load(), PacketsIn: t.packetsIn.Load(),
		BytesOut: t.bytesOut.Load(), BytesIn: t.bytesIn.Load(),
		StreamsOut: t.streamsOut.Load(), StreamsIn: t.streamsIn.Load(),
		StreamBytesOut: t.streamBytesOut.Load(),
	}
}
