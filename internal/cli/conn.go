package cli

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/keygrid/keygrid/engine/resp"
)

// conn is one connection to the server: commands out, replies in.
type conn struct {
	nc  net.Conn
	r   *bufio.Reader
	buf []byte
	out []byte
}

// dial connects to a unix socket if path is set, else to host:port; the error's
// text is hiredis's (redis-cli prints it after "Could not connect to Redis at").
func dial(host string, port int, path string) (*conn, error) {
	var nc net.Conn
	var err error
	if path != "" {
		nc, err = net.Dial("unix", path)
	} else {
		nc, err = net.Dial("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	}
	if err != nil {
		return nil, errors.New(errText(err))
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetKeepAlive(true)
		tc.SetKeepAlivePeriod(15 * time.Second)
	}
	return &conn{nc: nc, r: bufio.NewReaderSize(nc, 16<<10)}, nil
}

var errProtocol = errors.New("Protocol error")

// errText is an error as C's strerror or getaddrinfo's gai_strerror says it.
func errText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return capitalize(errno.Error())
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsTemporary || dnsErr.IsTimeout {
			return "Temporary failure in name resolution"
		}
		return "Name or service not known"
	}
	if errors.Is(err, io.EOF) {
		return "Server closed the connection"
	}
	return err.Error()
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (c *conn) close() { c.nc.Close() }

// send writes one command.
func (c *conn) send(args []string) error {
	c.out = resp.AppendCommand(c.out[:0], args...)
	_, err := c.nc.Write(c.out)
	return err
}

// read reads the next reply (attributes before it are dropped, as hiredis does).
func (c *conn) read() (resp.Value, error) {
	for {
		if len(c.buf) > 0 {
			v, n, err := resp.ParseReplyPrefix(c.buf)
			if err == nil {
				c.buf = c.buf[n:]
				return v, nil
			}
			if !errors.Is(err, resp.ErrIncomplete) {
				return resp.Value{}, errProtocol
			}
		}
		// Read at least as much as is buffered, so that a large reply is parsed
		// O(log n) times, not once per 16 KiB.
		want := max(16<<10, len(c.buf))
		if cap(c.buf)-len(c.buf) < want {
			c.buf = append(make([]byte, 0, len(c.buf)+want), c.buf...)
		}
		n, err := c.r.Read(c.buf[len(c.buf):cap(c.buf)])
		if n > 0 {
			c.buf = c.buf[:len(c.buf)+n]
			continue
		}
		if err != nil {
			return resp.Value{}, err
		}
	}
}

// do sends a command and reads its reply.
func (c *conn) do(args ...string) (resp.Value, error) {
	if err := c.send(args); err != nil {
		return resp.Value{}, err
	}
	return c.read()
}
