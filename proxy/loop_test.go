package proxy

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// One pipeline mixing loop-served commands with ones the detached mode serves
// (DBSIZE asks every master, MULTI pins a connection, BLPOP blocks): the session
// moves off the loop and back several times, and every reply comes back in order.
func TestProxyModeSwitch(t *testing.T) {
	cl := testutil.StartCluster(t, testutil.ClusterServer(), 3, 0)
	p := startProxy(t, cl, nil)
	c, err := testutil.Dial(p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var req []byte
	var want []string
	add := func(reply string, args ...string) {
		req = testutil.AppendCommand(req, args...)
		want = append(want, reply)
	}
	add("+OK\r\n", "SET", "a", "1")
	add("$1\r\n1\r\n", "GET", "a")
	add(":1\r\n", "DBSIZE")
	add("$1\r\n1\r\n", "GET", "a")
	add("+OK\r\n", "MULTI")
	add("+QUEUED\r\n", "SET", "{t}x", "2")
	add("+QUEUED\r\n", "INCR", "{t}x")
	add("*2\r\n+OK\r\n:3\r\n", "EXEC")
	add("+PONG\r\n", "PING")
	add("+OK\r\n", "SET", "b", "2")
	add(":1\r\n", "RPUSH", "list", "x")
	add("*2\r\n$4\r\nlist\r\n$1\r\nx\r\n", "BLPOP", "list", "1")
	add("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", "MGET", "a", "b", "{t}x")
	add(":3\r\n", "DBSIZE")
	for round := range 3 { // also as separate writes split at every request
		if round == 1 {
			c.Send(req)
		} else {
			for i := 0; i < len(req); {
				j := bytes.Index(req[i+1:], []byte("\r\n*"))
				if j < 0 {
					j = len(req) - i - 1
				} else {
					j += 3
				}
				c.Send(req[i : i+1+j])
				i += 1 + j
			}
		}
		for i, w := range want {
			raw, err := c.ReadReply()
			if err != nil || string(raw) != w {
				t.Fatalf("round %d reply %d: %q %v, want %q", round, i, raw, err, w)
			}
		}
		c.Send(testutil.AppendCommand(nil, "DEL", "a", "b", "{t}x"))
		if raw, err := c.ReadReply(); err != nil || string(raw) != ":3\r\n" {
			t.Fatalf("DEL %q %v", raw, err)
		}
	}
}

// A client that pipelines far more than it reads: the loop stops reading it while
// its replies pile up, resumes when it catches up, and loses nothing.
func TestProxyBackpressure(t *testing.T) {
	cl := testutil.StartCluster(t, testutil.ClusterServer(), 3, 0)
	p := startProxy(t, cl, nil)
	c, err := testutil.Dial(p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	val := strings.Repeat("v", 4000)
	for i := range 3 {
		c.Send(testutil.AppendCommand(nil, "SET", fmt.Sprintf("bp%d", i), val))
		if raw, err := c.ReadReply(); err != nil || string(raw) != "+OK\r\n" {
			t.Fatalf("SET %q %v", raw, err)
		}
	}
	const n = 5000 // 20 MB of replies, well past the loop's 4 MB output limit
	var req []byte
	for i := range n {
		req = testutil.AppendCommand(req, "GET", fmt.Sprintf("bp%d", i%3))
	}
	sent := make(chan error, 1)
	go func() { sent <- c.Send(req) }()
	time.Sleep(300 * time.Millisecond) // let the replies pile up unread
	one := fmt.Sprintf("$%d\r\n%s\r\n", len(val), val)
	for i := range n {
		if raw, err := c.ReadReply(); err != nil || string(raw) != one {
			t.Fatalf("reply %d: %q %v", i, raw[:min(len(raw), 40)], err)
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	c.Send(testutil.AppendCommand(nil, "PING"))
	if raw, err := c.ReadReply(); err != nil || string(raw) != "+PONG\r\n" {
		t.Fatalf("PING after the flood %q %v", raw, err)
	}
}
