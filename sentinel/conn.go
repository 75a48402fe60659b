// A minimal blocking RESP client for talking to monitored instances and to other
// sentinels. Each conn is used by one goroutine at a time.

package sentinel

import (
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/keygrid/keygrid/engine/resp"
)

// conn is one connection to a Redis-protocol server.
type conn struct {
	nc  net.Conn
	buf []byte // unparsed input
	out []byte
	// rename: commands the instance knows by other names (SENTINEL SET
	// rename-command); gen: the instance's linkGen when dialed.
	rename map[string]string
	gen    uint64
}

func dialConn(addr string, timeout time.Duration) (*conn, error) {
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	return &conn{nc: nc}, nil
}

// dial connects to an instance or another sentinel: over TLS with
// tls-replication yes (Redis Sentinel uses it for every link it makes).
func (s *Sentinel) dial(addr string, timeout time.Duration) (*conn, error) {
	if s.tlsClient == nil {
		return dialConn(addr, timeout)
	}
	nc, err := tls.DialWithDialer(&net.Dialer{Timeout: timeout}, "tcp", addr, s.tlsClient)
	if err != nil {
		return nil, err
	}
	return &conn{nc: nc}, nil
}

func (c *conn) Close() error { return c.nc.Close() }

// send writes one command without waiting for its reply.
func (c *conn) send(timeout time.Duration, args ...string) error {
	if len(c.rename) > 0 && len(args) > 0 {
		// sentinelInstanceMapCommand: the instance knows this command by another name.
		if to, ok := c.rename[strings.ToLower(args[0])]; ok {
			args = append([]string{to}, args[1:]...)
		}
	}
	c.out = resp.AppendCommand(c.out[:0], args...)
	c.nc.SetWriteDeadline(time.Now().Add(timeout))
	_, err := c.nc.Write(c.out)
	return err
}

// read returns the next reply, waiting at most timeout.
func (c *conn) read(timeout time.Duration) (resp.Value, error) {
	deadline := time.Now().Add(timeout)
	for {
		if len(c.buf) > 0 {
			v, n, err := resp.ParseReplyPrefix(c.buf)
			if err == nil {
				c.buf = c.buf[n:]
				if len(c.buf) == 0 {
					c.buf = nil
				}
				return v, nil
			}
			if !errors.Is(err, resp.ErrIncomplete) {
				return resp.Value{}, err
			}
		}
		c.nc.SetReadDeadline(deadline)
		var tmp [16 << 10]byte
		n, err := c.nc.Read(tmp[:])
		c.buf = append(c.buf, tmp[:n]...)
		if err != nil && n == 0 {
			return resp.Value{}, err
		}
	}
}

// do sends one command and returns its reply. An error reply is returned as a
// value, not an error: only I/O and protocol failures are errors.
func (c *conn) do(timeout time.Duration, args ...string) (resp.Value, error) {
	if err := c.send(timeout, args...); err != nil {
		return resp.Value{}, err
	}
	return c.read(timeout)
}
