package engine

// Tests of protected mode and of the connection counters around it.

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"

	"golang.org/x/sys/unix"
)

// TestProtectedModeDenied checks Redis 7.0's conditions on synthetic peer addresses:
// only 127.0.0.1, ::1 and unix sockets are local; protected mode applies whatever
// the bind addresses, and only while the default user has no password.
func TestProtectedModeDenied(t *testing.T) {
	v6 := func(s string) *unix.SockaddrInet6 {
		a := &unix.SockaddrInet6{Port: 5000}
		copy(a.Addr[:], net.ParseIP(s).To16())
		return a
	}
	v4 := func(a, b, c, d byte) *unix.SockaddrInet4 {
		return &unix.SockaddrInet4{Port: 5000, Addr: [4]byte{a, b, c, d}}
	}
	peers := []struct {
		name  string
		sa    unix.Sockaddr
		unix  bool
		local bool
	}{
		{"127.0.0.1", v4(127, 0, 0, 1), false, true},
		{"::1", v6("::1"), false, true},
		{"unix socket", &unix.SockaddrUnix{Name: "/tmp/x.sock"}, true, true},
		{"127.0.0.2", v4(127, 0, 0, 2), false, false},
		{"127.1.2.3", v4(127, 1, 2, 3), false, false},
		{"10.0.0.1", v4(10, 0, 0, 1), false, false},
		{"::ffff:127.0.0.1", v6("::ffff:127.0.0.1"), false, false},
		{"fe80::1", v6("fe80::1"), false, false},
		{"0.0.0.0", v4(0, 0, 0, 0), false, false},
	}
	for _, tc := range []struct {
		name    string
		mutate  func(*config.Config)
		applies bool
	}{
		{"default", nil, true},
		{"bind set", func(c *config.Config) { c.Bind = []string{"127.0.0.1", "10.0.0.1"} }, true},
		{"protected-mode no", func(c *config.Config) { c.ProtectedMode = false }, false},
		{"requirepass", func(c *config.Config) { c.RequirePass = "secret" }, false},
	} {
		cfg := config.Default()
		if tc.mutate != nil {
			tc.mutate(cfg)
		}
		s, err := New(Options{Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range peers {
			c := &Client{srv: s, fd: -1}
			if p.unix {
				c.flags |= flagUnixSocket
			}
			want := tc.applies && !p.local
			if got := s.protectedModeDenied(c, p.sa); got != want {
				t.Errorf("%s, peer %s: denied=%v, want %v", tc.name, p.name, got, want)
			}
		}
	}
	// With ACL users, it is the default user's need for a password that counts.
	s, _ := New(Options{})
	c := &Client{srv: s, fd: -1}
	s.authNeeded = func(*Client) bool { return true }
	if s.protectedModeDenied(c, v4(10, 0, 0, 1)) {
		t.Error("denied although the default user has a password")
	}
	s.authNeeded = func(*Client) bool { return false }
	if !s.protectedModeDenied(c, v4(10, 0, 0, 1)) {
		t.Error("not denied although the default user has no password")
	}
}

// TestProtectedModeTCP connects from 127.0.0.2, which Redis 7.0 does not count as
// local: the server writes the DENIED error, closes the connection and counts it in
// rejected_connections but not in total_connections_received.
func TestProtectedModeTCP(t *testing.T) {
	_, addr := startTestServer(t, func(c *config.Config) { c.ProtectedMode = true })
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 5 * time.Second}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Skipf("cannot connect from 127.0.0.2: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	conn.Write([]byte("PING\r\n"))
	got, err := io.ReadAll(conn)
	if err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("reading: %v", err)
	}
	if string(got) != protectedModeError {
		t.Errorf("127.0.0.2 got %q, want the DENIED error", got)
	}

	local := dialTest(t, addr)
	stats := local.do("INFO", "stats")
	for _, want := range []string{"total_connections_received:1\r\n", "rejected_connections:1\r\n"} {
		if !strings.Contains(stats, want) {
			t.Errorf("INFO stats lacks %q", strings.TrimSpace(want))
		}
	}
	if got := local.do("PING"); got != "PONG" {
		t.Errorf("PING from 127.0.0.1 = %s", got)
	}

	// With protected mode off, 127.0.0.2 is served.
	local.do("CONFIG", "SET", "protected-mode", "no")
	conn2, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	conn2.SetDeadline(time.Now().Add(5 * time.Second))
	conn2.Write([]byte("CLIENT INFO\r\n"))
	buf := make([]byte, 512)
	n, _ := conn2.Read(buf)
	if !strings.Contains(string(buf[:n]), " addr=127.0.0.2:") {
		t.Errorf("CLIENT INFO from 127.0.0.2 = %q", buf[:n])
	}
}

// TestSockaddrString checks the addr= form of CLIENT LIST: IPv6 addresses are in
// brackets, as Redis writes them.
func TestSockaddrString(t *testing.T) {
	a6 := &unix.SockaddrInet6{Port: 6379}
	copy(a6.Addr[:], net.ParseIP("::1").To16())
	for _, tc := range []struct {
		sa   unix.Sockaddr
		want string
	}{
		{&unix.SockaddrInet4{Port: 6379, Addr: [4]byte{127, 0, 0, 1}}, "127.0.0.1:6379"},
		{a6, "[::1]:6379"},
	} {
		if got := sockaddrString(tc.sa); got != tc.want {
			t.Errorf("sockaddrString = %q, want %q", got, tc.want)
		}
	}
	for _, tc := range []struct {
		addr  string
		local bool
	}{
		{"127.0.0.1:5000", true}, {"[::1]:5000", true}, {"127.0.0.2:5000", false},
		{"10.0.0.1:5000", false}, {"", false},
	} {
		c := &Client{addr: tc.addr}
		if got := c.isLocal(); got != tc.local {
			t.Errorf("isLocal(%q) = %v, want %v", tc.addr, got, tc.local)
		}
	}
}
