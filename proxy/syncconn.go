// Synchronous connections: topology queries, handshakes and the dedicated connections
// of sessions in MULTI, blocking or pub/sub mode.

package proxy

import (
	"net"
	"time"

	"github.com/keygrid/keygrid/engine/resp"
)

// syncConn reads whole replies off a connection, keeping what it read past one reply
// for the next call (pub/sub messages arrive back to back).
type syncConn struct {
	net.Conn
	buf []byte // buf[:n] holds unread bytes
	n   int
}

// readReply returns the next raw reply; it is valid until the next call.
func (c *syncConn) readReply() ([]byte, error) {
	// Drop the reply returned by the previous call.
	if c.buf == nil {
		c.buf = make([]byte, 16<<10)
	}
	for {
		if c.n > 0 {
			l, err := replyLen(c.buf[:c.n])
			if err != nil {
				return nil, err
			}
			if l > 0 {
				out := make([]byte, l)
				copy(out, c.buf[:l])
				c.n = copy(c.buf, c.buf[l:c.n])
				return out, nil
			}
		}
		if c.n == len(c.buf) {
			c.buf = append(c.buf, make([]byte, len(c.buf))...)
		}
		m, err := c.Read(c.buf[c.n:])
		if err != nil {
			return nil, err
		}
		c.n += m
	}
}

// buffered reports whether a complete or partial reply is already read.
func (c *syncConn) buffered() bool { return c.n > 0 }

// do sends one command and returns its parsed reply.
func (c *syncConn) do(timeout time.Duration, args ...string) (resp.Value, error) {
	if timeout > 0 {
		c.SetDeadline(time.Now().Add(timeout))
		defer c.SetDeadline(time.Time{})
	}
	if _, err := c.Write(resp.AppendCommand(nil, args...)); err != nil {
		return resp.Value{}, err
	}
	raw, err := c.readReply()
	if err != nil {
		return resp.Value{}, err
	}
	return resp.ParseReply(raw)
}
