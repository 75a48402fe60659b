// The raft transport's stream layer. Redis Sentinel has one port, and tools and
// test suites place other servers right next to it (Redis's own sentinel suite
// runs sentinels on 20000+ and servers on 30000+, where a port+10000 raft
// listener would collide), so by default raft shares the sentinel's client port:
// a raft connection opens with a preamble no RESP or inline command can start
// with, and the accept loop hands such connections to raft.
//
// With TLS for sentinel links (tls-replication yes) raft is encrypted too: it
// dials with the same client configuration the sentinel links use and is
// accepted only on the tls-port (the plain port refuses raft connections), so
// a sentinel whose certificate does not chain to the CA can neither join the
// group nor be reached by it. `sentinel raft-port` still gives raft a port of
// its own (TLS-wrapped the same way).

package sentinel

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// raftPreamble opens every raft connection. It starts with a NUL byte: a RESP
// request starts with '*' and an inline command with text.
const raftPreamble = "\x00keygrid-raft\n"

// raftStream implements raft.StreamLayer over connections accepted by the
// sentinel (or by a dedicated raft-port listener).
type raftStream struct {
	addr      net.Addr
	tlsClient *tls.Config // nil: plain TCP
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
	ln        net.Listener // the raft-port listener, if any
}

func newRaftStream(adv net.Addr, tlsClient *tls.Config) *raftStream {
	return &raftStream{addr: adv, tlsClient: tlsClient, conns: make(chan net.Conn, 16), done: make(chan struct{})}
}

// Accept returns the next raft connection.
func (r *raftStream) Accept() (net.Conn, error) {
	select {
	case c := <-r.conns:
		return c, nil
	case <-r.done:
		return nil, errors.New("raft stream layer closed")
	}
}

// Close stops Accept (and the raft-port listener).
func (r *raftStream) Close() error {
	r.closeOnce.Do(func() {
		close(r.done)
		if r.ln != nil {
			r.ln.Close()
		}
	})
	return nil
}

// Addr is the advertised raft address.
func (r *raftStream) Addr() net.Addr { return r.addr }

// Dial opens a raft connection to address, over TLS when configured.
func (r *raftStream) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	var nc net.Conn
	var err error
	if r.tlsClient != nil {
		nc, err = tls.DialWithDialer(d, "tcp", string(address), r.tlsClient)
	} else {
		nc, err = d.Dial("tcp", string(address))
	}
	if err != nil {
		return nil, err
	}
	nc.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(nc, raftPreamble); err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetWriteDeadline(time.Time{})
	return nc, nil
}

// offer hands an accepted raft connection to raft; false if raft is closed.
func (r *raftStream) offer(c net.Conn) bool {
	select {
	case r.conns <- c:
		return true
	case <-r.done:
		return false
	}
}

// serveListener accepts raft connections on a raft-port listener.
func (r *raftStream) serveListener(ln net.Listener) {
	r.ln = ln
	r.serveLegacy(ln)
}

// serveLegacy accepts raft connections on ln until the stream closes (closing
// ln then).
func (r *raftStream) serveLegacy(ln net.Listener) {
	go func() {
		<-r.done
		ln.Close()
	}()
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-r.done:
				return
			default:
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		go func() {
			c, isRaft, err := sniffRaft(nc)
			if err != nil || !isRaft || !r.offer(c) {
				nc.Close()
			}
		}()
	}
}

// prefixConn is a connection whose first bytes were already read.
type prefixConn struct {
	net.Conn
	pre []byte
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.pre) > 0 {
		n := copy(b, p.pre)
		p.pre = p.pre[n:]
		return n, nil
	}
	return p.Conn.Read(b)
}

// sniffRaft reads the start of nc: isRaft when it is the raft preamble (then c
// reads on after it); otherwise c replays what was read.
func sniffRaft(nc net.Conn) (c net.Conn, isRaft bool, err error) {
	buf := make([]byte, 0, 64)
	tmp := make([]byte, 64)
	for {
		n, rerr := nc.Read(tmp)
		buf = append(buf, tmp[:n]...)
		if len(buf) > 0 && buf[0] != raftPreamble[0] {
			return &prefixConn{Conn: nc, pre: buf}, false, nil
		}
		if len(buf) >= len(raftPreamble) {
			if !bytes.HasPrefix(buf, []byte(raftPreamble)) {
				return &prefixConn{Conn: nc, pre: buf}, false, nil
			}
			return &prefixConn{Conn: nc, pre: buf[len(raftPreamble):]}, true, nil
		}
		if !bytes.HasPrefix([]byte(raftPreamble), buf) {
			return &prefixConn{Conn: nc, pre: buf}, false, nil
		}
		if rerr != nil {
			return nil, false, rerr
		}
	}
}
