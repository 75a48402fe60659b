// A minimal raw RESP client: it returns replies as the exact bytes the server sent,
// so tests can compare servers byte for byte.

package testutil

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// DefaultTimeout bounds every read and write of a Conn unless SetTimeout changes it,
// so a server that does not answer fails the test instead of hanging it.
const DefaultTimeout = 10 * time.Second

// Conn is a raw RESP connection. It is not safe for concurrent use.
type Conn struct {
	nc      net.Conn
	buf     []byte // bytes read but not yet returned as a reply
	timeout time.Duration
}

// Dial connects to addr ("host:port").
func Dial(addr string) (*Conn, error) {
	nc, err := net.DialTimeout("tcp", addr, DefaultTimeout)
	if err != nil {
		return nil, err
	}
	return &Conn{nc: nc, timeout: DefaultTimeout}, nil
}

// SetTimeout sets the deadline of each later Do, Send and ReadReply.
func (c *Conn) SetTimeout(d time.Duration) { c.timeout = d }

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.nc }

// Do sends args as one command and returns the raw bytes of its reply. An error
// reply from the server is a reply, not an error: err is only for I/O and protocol
// failures.
func (c *Conn) Do(args ...string) (raw []byte, err error) {
	if err := c.Send(AppendCommand(nil, args...)); err != nil {
		return nil, err
	}
	return c.ReadReply()
}

// Send writes raw as is: several commands, a partial command, or garbage.
func (c *Conn) Send(raw []byte) error {
	if err := c.nc.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return err
	}
	_, err := c.nc.Write(raw)
	return err
}

// ReadReply returns the raw bytes of the next complete reply (an attribute and the
// value it annotates count as one reply).
func (c *Conn) ReadReply() ([]byte, error) {
	return c.ReadReplyTimeout(c.timeout)
}

// ReadReplyTimeout is ReadReply with its own deadline. On a timeout the error
// satisfies errors.Is(err, os.ErrDeadlineExceeded) and the bytes of a partly
// received reply are kept for the next read.
func (c *Conn) ReadReplyTimeout(d time.Duration) ([]byte, error) {
	deadline := time.Now().Add(d)
	for {
		if len(c.buf) > 0 {
			_, n, err := ParseReplyPrefix(c.buf)
			if err == nil {
				raw := append([]byte(nil), c.buf[:n]...)
				c.buf = c.buf[n:]
				return raw, nil
			}
			if !errors.Is(err, ErrIncomplete) {
				return nil, err
			}
		}
		if err := c.fill(deadline); err != nil {
			if errors.Is(err, io.EOF) && len(c.buf) > 0 {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// fill reads at least one byte into c.buf, or fails.
func (c *Conn) fill(deadline time.Time) error {
	if err := c.nc.SetReadDeadline(deadline); err != nil {
		return err
	}
	// Read in chunks that grow with the reply, so a large reply is not re-parsed
	// once per small read.
	size := max(16<<10, len(c.buf))
	if cap(c.buf)-len(c.buf) < size {
		nb := make([]byte, len(c.buf), len(c.buf)+size)
		copy(nb, c.buf)
		c.buf = nb
	}
	n, err := c.nc.Read(c.buf[len(c.buf):cap(c.buf)])
	c.buf = c.buf[:len(c.buf)+n]
	if n > 0 {
		return nil
	}
	return err
}

// ReadUntilClose reads everything the server sends until it closes the connection
// or sends nothing for idle. It returns the bytes (including any left unparsed by
// earlier reads) and whether the connection was closed (by FIN or RST).
func (c *Conn) ReadUntilClose(idle time.Duration) (data []byte, closed bool, err error) {
	for {
		err := c.fill(time.Now().Add(idle))
		switch {
		case err == nil:
			continue
		case errors.Is(err, os.ErrDeadlineExceeded):
			closed = false
		case IsClosedError(err):
			closed = true
		default:
			return nil, false, err
		}
		data = c.buf
		c.buf = nil
		return data, closed, nil
	}
}

// IsClosedError reports whether err means the peer closed or reset the connection.
func IsClosedError(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, net.ErrClosed)
}

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }
