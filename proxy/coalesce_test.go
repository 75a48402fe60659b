package proxy

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/keygrid/keygrid/engine/loop"
)

// A client's output waits for the rest of the read it answers (one write for a
// pipeline whose parts come back from several nodes in several loop turns), but never
// for requests of a later read, nor past deferMax bytes.
func TestSessionWritesPipelineOnce(t *testing.T) {
	l, err := loop.New(16)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[1])
	p := &Proxy{cfg: DefaultConfig(), loop: l, metrics: newMetrics(), lsessions: map[*session]struct{}{}}
	s := newSession(p, fds[0], "test")
	p.lsessions[s] = struct{}{}
	defer s.closeLoop()
	buf := make([]byte, 1<<20)
	received := func() string { // what the client can read now
		var got []byte
		for {
			n, err := unix.Read(fds[1], buf)
			if n <= 0 || err != nil {
				return string(got)
			}
			got = append(got, buf[:n]...)
		}
	}
	turn := func(want string) { // one loop turn's writes, then what the client got
		t.Helper()
		p.beforeSleep()
		if got := received(); got != want {
			t.Fatalf("client got %q, want %q", got[:min(len(got), 60)], want[:min(len(want), 60)])
		}
	}

	// One read of three requests, answered over three turns: one write at the end.
	s.rseq++
	r1, r2, r3 := s.newHead(nil), s.newHead(nil), s.newHead(nil)
	p.deliver(r2, []byte("+2\r\n")) // a later part first: kept in order
	turn("")
	p.deliver(r1, []byte("+1\r\n"))
	turn("")
	p.deliver(r3, []byte("+3\r\n"))
	turn("+1\r\n+2\r\n+3\r\n")

	// Two reads: the first one's reply does not wait for the second one's.
	s.rseq++
	r4 := s.newHead(nil)
	s.rseq++
	r5 := s.newHead(nil)
	p.deliver(r4, []byte("+4\r\n"))
	turn("+4\r\n")
	p.deliver(r5, []byte("+5\r\n"))
	turn("+5\r\n")

	// Past deferMax, the output leaves without the rest of its read.
	s.rseq++
	r6, r7 := s.newHead(nil), s.newHead(nil)
	big := "$70000\r\n" + strings.Repeat("x", 70000) + "\r\n"
	p.deliver(r6, []byte(big))
	turn(big)
	p.deliver(r7, []byte("+7\r\n"))
	turn("+7\r\n")
}
