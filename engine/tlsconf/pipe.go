// The bridge between a TLS connection and a descriptor the event loop can read.

package tlsconf

import (
	"io"
	"net"
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// pumpBuf is a TLS record's largest plaintext: one read fills at most one record.
const pumpBuf = 16 << 10

// Pipe bridges conn (a TLS connection whose handshake is done) to a new
// non-blocking, close-on-exec socket and returns that socket's descriptor: bytes
// read from conn come out of it, bytes written to it go to conn. The caller owns
// the descriptor; closing it (after its writes) closes conn, and conn's end (the
// peer closed, or an error) shows as end-of-file on it.
func Pipe(conn net.Conn) (int, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	f := os.NewFile(uintptr(fds[1]), "tls-pipe")
	pc, err := net.FileConn(f) // a duplicate, registered with Go's poller
	f.Close()
	if err != nil {
		unix.Close(fds[0])
		return -1, err
	}
	pump(conn, pc.(*net.UnixConn))
	return fds[0], nil
}

// PipeConn is Pipe for Go code that wants a net.Conn: the plain side comes back
// as a *net.UnixConn, whose descriptor can be duplicated for the loop (the
// replica's link to its master is read by Go code first, then by the loop).
func PipeConn(conn net.Conn) (net.Conn, error) {
	fd, err := Pipe(conn)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "tls-pipe")
	defer f.Close()
	return net.FileConn(f)
}

// pump copies both ways between the TLS connection and the pipe's far end.
// Network to loop: when the peer is done, the loop sees end-of-file (shutdown of
// the write side) and frees its client. Loop to network: when every copy of the
// loop's end is closed, the TLS connection is closed (close_notify), which also
// ends the other direction. The last of the two closes the pipe.
func pump(conn net.Conn, pc *net.UnixConn) {
	var left atomic.Int32
	left.Store(2)
	done := func() {
		if left.Add(-1) == 0 {
			pc.Close()
		}
	}
	go func() {
		buf := make([]byte, pumpBuf)
		io.CopyBuffer(writerOnly{pc}, readerOnly{conn}, buf)
		pc.CloseWrite()
		done()
	}()
	go func() {
		buf := make([]byte, pumpBuf)
		io.CopyBuffer(writerOnly{conn}, readerOnly{pc}, buf)
		conn.Close()
		done()
	}()
}

// writerOnly and readerOnly hide ReadFrom/WriteTo so that CopyBuffer uses its
// buffer (and no splice attempt on a TLS connection).
type writerOnly struct{ io.Writer }
type readerOnly struct{ io.Reader }
