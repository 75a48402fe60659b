package engine

// Shared test helpers for package engine: an in-process server on a free loopback
// port and a raw RESP connection to it. Every _test.go file in this package uses these
// (do not define other server starters here, so names never collide).

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/slots"
)

// startTestServer runs a Server on 127.0.0.1 with a free port. mutate, if not nil,
// adjusts the configuration first. The server is shut down when the test ends.
func startTestServer(t testing.TB, mutate func(*config.Config)) (*Server, string) {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 20; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		cfg := config.Default()
		cfg.Port = port
		cfg.Bind = []string{"127.0.0.1"}
		// A data directory of its own: FLUSHALL and SHUTDOWN save dump.rdb there
		// (default save points), and Start loads what it finds.
		cfg.Dir = t.TempDir()
		if mutate != nil {
			mutate(cfg)
		}
		s, err := New(Options{Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			lastErr = err
			continue
		}
		go s.Run()
		t.Cleanup(s.Shutdown)
		return s, "127.0.0.1:" + strconv.Itoa(port)
	}
	t.Fatalf("could not start a test server: %v", lastErr)
	return nil, ""
}

// testConn is a raw RESP connection for tests.
type testConn struct {
	t  testing.TB
	c  net.Conn
	rd *bufio.Reader
}

func dialTest(t testing.TB, addr string) *testConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &testConn{t: t, c: c, rd: bufio.NewReader(c)}
}

// do sends a command and returns its reply in a compact readable form: simple strings
// and bulks as their text, errors prefixed with "ERR:"-style "-" kept, integers as
// ":n", nulls as "(nil)", arrays as "[a b c]" — enough to write assertions tersely.
func (tc *testConn) do(args ...string) string {
	tc.t.Helper()
	var b []byte
	b = resp.AppendArray(b, len(args))
	for _, a := range args {
		b = resp.AppendBulkString(b, a)
	}
	tc.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := tc.c.Write(b); err != nil {
		tc.t.Fatal(err)
	}
	return tc.read()
}

// raw sends bytes as they are.
func (tc *testConn) raw(b string) {
	tc.t.Helper()
	if _, err := tc.c.Write([]byte(b)); err != nil {
		tc.t.Fatal(err)
	}
}

func (tc *testConn) read() string {
	tc.t.Helper()
	s, err := readReply(tc.rd)
	if err != nil {
		tc.t.Fatalf("reading reply: %v", err)
	}
	return s
}

func readReply(rd *bufio.Reader) (string, error) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("empty line")
	}
	switch line[0] {
	case '+', '(':
		return line[1:], nil
	case '-':
		return line, nil
	case ':':
		return line, nil
	case ',':
		return line[1:], nil
	case '#':
		return line, nil
	case '_':
		return "(nil)", nil
	case '$', '=':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return "(nil)", nil
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(rd, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	case '*', '~', '%', '>':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return "(nil)", nil
		}
		if line[0] == '%' {
			n *= 2
		}
		parts := make([]string, n)
		for i := range parts {
			if parts[i], err = readReply(rd); err != nil {
				return "", err
			}
		}
		return "[" + strings.Join(parts, " ") + "]", nil
	}
	return "", fmt.Errorf("bad reply line %q", line)
}

func ioReadFull(rd *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := rd.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// ownAllSlots makes a cluster-mode server the one master of every slot with
// cluster_state ok at once, skipping Redis's 2 s writable delay: for tests of
// cluster-mode keyspace behaviour (per-slot dicts, SCAN, eviction, expiry) that are
// not about the cluster. Call it before the loop runs, or through onLoop
// (rdb_interop_test.go).
func (s *Server) ownAllSlots() {
	if !s.cfg.ClusterEnabled {
		return
	}
	st := s.cluster.st
	for i := 0; i < slots.Count; i++ {
		st.SetOwner(i, st.Myself)
	}
	s.cluster.firstUpdate = 1 // long before now: the writable delay has passed
	s.clusterUpdateState()
}
