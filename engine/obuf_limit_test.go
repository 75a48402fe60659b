package engine

// client-output-buffer-limit (obuf_limit.go): Redis 7.0.15's rule and log line.

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestObufLimitRule: the hard limit at once; the soft one only once a later whole
// second than first-seen + soft-seconds (Redis counts server.unixtime); a
// replica's hard limit never under repl-backlog-size.
func TestObufLimitRule(t *testing.T) {
	cfg := config.Default()
	cfg.ClientOutputBufferLimit[config.ClientNormal] = config.OutputBufferLimit{Hard: 1 << 20, Soft: 256 << 10, SoftSeconds: 2}
	cfg.ClientOutputBufferLimit[config.ClientReplica] = config.OutputBufferLimit{Hard: 64 << 10}
	cfg.ReplBacklogSize = 1 << 20
	s, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	c := &Client{out: make([]byte, 1<<20)}
	s.nowMs = 10_500
	if !s.obufLimitReached(c, config.ClientNormal) {
		t.Fatal("1 MiB pending, hard 1 MiB: not reached")
	}
	c.out = c.out[:300<<10]
	c.obufSoftSince = 0
	for _, step := range []struct {
		nowMs int64
		want  bool
	}{
		{10_500, false}, // first seen over (second 10)
		{12_900, false}, // 12 - 10 = 2, not more than 2
		{13_000, true},  // 13 - 10 = 3 > 2
	} {
		s.nowMs = step.nowMs
		if got := s.obufLimitReached(c, config.ClientNormal); got != step.want {
			t.Fatalf("soft limit at %d ms: reached=%v, want %v", step.nowMs, got, step.want)
		}
	}
	c.out = c.out[:100<<10] // back under the soft limit: the clock resets
	if s.obufLimitReached(c, config.ClientNormal) || c.obufSoftSince != 0 {
		t.Fatal("under the soft limit: still counting")
	}
	r := &Client{out: make([]byte, 512<<10)}
	if s.obufLimitReached(r, config.ClientReplica) {
		t.Fatal("replica with 512 KiB pending cut at hard 64 KiB though repl-backlog-size is 1 MiB")
	}
	r.out = make([]byte, 1<<20)
	if !s.obufLimitReached(r, config.ClientReplica) {
		t.Fatal("replica with 1 MiB pending not cut (hard limit raised to repl-backlog-size, 1 MiB)")
	}
}

// TestObufSoftLimitCron: a client that asked for one big reply and then neither
// reads nor sends is cut by the clients cron once over the soft limit for more
// than soft-seconds (as Redis's clientsCron does), with Redis's line naming it.
func TestObufSoftLimitCron(t *testing.T) {
	core, logs := observer.New(zapcore.WarnLevel)
	var addr string
	for attempt := 0; ; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		cfg := config.Default()
		cfg.Port, cfg.Bind, cfg.Dir = port, []string{"127.0.0.1"}, t.TempDir()
		cfg.ClientOutputBufferLimit[config.ClientNormal] = config.OutputBufferLimit{Soft: 256 << 10, SoftSeconds: 1}
		s, err := New(Options{Config: cfg, Logger: zap.New(core)})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			if attempt < 10 {
				continue
			}
			t.Fatal(err)
		}
		go s.Run()
		t.Cleanup(s.Shutdown)
		addr = "127.0.0.1:" + strconv.Itoa(port)
		break
	}
	adm := dialTest(t, addr)
	adm.do("SET", "big", strings.Repeat("x", 4<<20))
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	slow, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	slow.Write([]byte("*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$4\r\nslow\r\n"))
	if line, err := bufio.NewReader(slow).ReadString('\n'); err != nil || line != "+OK\r\n" {
		t.Fatalf("CLIENT SETNAME: %q %v", line, err)
	}
	slow.Write([]byte("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n")) // 4 MiB it never reads
	t0 := time.Now()
	connected := func() bool { return strings.Contains(adm.do("CLIENT", "LIST"), " name=slow ") }
	for connected() {
		if time.Since(t0) > 10*time.Second {
			t.Fatal("the slow client is still connected 10 s after passing the soft limit of 1 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if took := time.Since(t0); took < time.Second {
		t.Fatalf("cut after %v, before the soft limit's 1 s", took)
	}
	// INFO's client_recent_max_output_buffer still shows the peak of the last
	// seconds (Redis's 8 one-second slots), though the client is gone.
	info := adm.do("INFO", "clients")
	_, v, _ := strings.Cut(info, "client_recent_max_output_buffer:")
	v, _, _ = strings.Cut(v, "\r\n")
	if n, err := strconv.Atoi(v); err != nil || n < 256<<10 {
		t.Fatalf("client_recent_max_output_buffer %q after the cut, want the peak (>= 256 KiB)", v)
	}
	found := false
	for _, e := range logs.All() {
		m := e.Message
		if strings.HasPrefix(m, "Client id=") && strings.Contains(m, " name=slow ") &&
			strings.HasSuffix(m, " closed for overcoming of output buffer limits.") {
			found = true
		}
	}
	if !found {
		var got []string
		for _, e := range logs.All() {
			got = append(got, e.Message)
		}
		t.Fatalf("no \"Client <client info> closed for overcoming of output buffer limits.\" line; warnings: %q", got)
	}
}
