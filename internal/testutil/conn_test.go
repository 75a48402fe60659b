package testutil

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// fakeServer accepts one connection and hands it to serve.
func fakeServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		nc, err := l.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		serve(nc)
	}()
	return l.Addr().String()
}

// Replies that arrive one byte per write, several per command, are split exactly at
// reply boundaries.
func TestConnReadReplySplitWrites(t *testing.T) {
	// One reply of each RESP2/RESP3 type (engine/resp's tests parse each in depth).
	replies := []string{"+OK\r\n", "-ERR x\r\n", ":-12\r\n", "$6\r\na\r\n\x00b\n\r\n", "$-1\r\n",
		"*3\r\n$1\r\na\r\n:1\r\n$-1\r\n", "*-1\r\n", "_\r\n", ",1.5\r\n", "#t\r\n", "!3\r\nERR\r\n",
		"=7\r\ntxt:abc\r\n", "(12345678901234567890\r\n", "%1\r\n+k\r\n:1\r\n", "~1\r\n_\r\n",
		">2\r\n$7\r\nmessage\r\n$1\r\nm\r\n", "|1\r\n+ttl\r\n:3\r\n*1\r\n:2\r\n"}
	addr := fakeServer(t, func(nc net.Conn) {
		buf := make([]byte, 1024)
		if _, err := nc.Read(buf); err != nil { // wait for the command
			return
		}
		for _, b := range []byte(strings.Join(replies, "")) {
			if _, err := nc.Write([]byte{b}); err != nil {
				return
			}
		}
	})
	c, err := Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	first, err := c.Do("PING")
	if err != nil {
		t.Fatal(err)
	}
	if string(first) != replies[0] {
		t.Fatalf("reply 0 = %q, want %q", first, replies[0])
	}
	for i, want := range replies[1:] {
		got, err := c.ReadReply()
		if err != nil {
			t.Fatalf("reply %d: %v", i+1, err)
		}
		if string(got) != want {
			t.Fatalf("reply %d = %q, want %q", i+1, got, want)
		}
	}
	if _, err := c.ReadReply(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last reply: err = %v, want io.EOF", err)
	}
}

func TestConnTimeoutKeepsPartialReply(t *testing.T) {
	next := make(chan struct{})
	addr := fakeServer(t, func(nc net.Conn) {
		nc.Write([]byte("$5\r\nhel"))
		<-next
		nc.Write([]byte("lo\r\n"))
		time.Sleep(time.Second) // keep the connection open while the client reads
	})
	c, err := Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ReadReplyTimeout(50 * time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	close(next)
	raw, err := c.ReadReply()
	if err != nil || string(raw) != "$5\r\nhello\r\n" {
		t.Fatalf("ReadReply = %q, %v", raw, err)
	}
}

func TestConnUnexpectedEOF(t *testing.T) {
	addr := fakeServer(t, func(nc net.Conn) { nc.Write([]byte("*2\r\n:1\r\n")) })
	c, err := Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ReadReply(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("err = %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestConnReadUntilClose(t *testing.T) {
	addr := fakeServer(t, func(nc net.Conn) {
		nc.Write([]byte("-ERR Protocol error: x\r\n"))
	})
	c, err := Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	data, closed, err := c.ReadUntilClose(5 * time.Second)
	if err != nil || !closed || string(data) != "-ERR Protocol error: x\r\n" {
		t.Errorf("ReadUntilClose = %q, %v, %v", data, closed, err)
	}

	hold := make(chan struct{})
	defer close(hold)
	addr = fakeServer(t, func(nc net.Conn) {
		nc.Write([]byte("+OK\r\n"))
		<-hold
	})
	c2, err := Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	data, closed, err = c2.ReadUntilClose(100 * time.Millisecond)
	if err != nil || closed || string(data) != "+OK\r\n" {
		t.Errorf("ReadUntilClose on an open connection = %q, %v, %v", data, closed, err)
	}
}
