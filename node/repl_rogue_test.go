package node_test

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// A client that turned into a replica (SYNC/PSYNC) and then sends a command that
// replies is disconnected, with redis-server 7.0.15's log lines; keyspace commands
// are refused first ("Replica can't interact with the keyspace"). The Tcl suite's
// "replica do not write the reply to the replication link" tests.
func TestRogueReplicaDisconnected(t *testing.T) {
	cases := []struct {
		sync, cmd string
		logs      []string
	}{
		{"SYNC", "PING", []string{"Replica generated a reply to command 'ping', disconnecting it: id="}},
		{"SYNC", "XINFO HELP", []string{"Replica generated a reply to command 'xinfo|help', disconnecting it: "}},
		{"PSYNC replicationid -1", "GET foo", []string{
			"Replica generated a reply to command 'get', disconnecting it: ",
			"== CRITICAL == This master is sending an error to its replica: 'Replica can't interact with the keyspace' after processing the command 'get'",
		}},
	}
	for _, kind := range []string{"redis", "keygrid"} {
		t.Run(kind, func(t *testing.T) {
			var s *testutil.Server
			if kind == "redis" {
				s = testutil.StartRedis(t, "--repl-diskless-sync", "no")
			} else {
				s = testutil.StartKeygrid(t, "--repl-diskless-sync", "no")
			}
			for _, c := range cases {
				conn, err := net.Dial("tcp", s.Addr())
				if err != nil {
					t.Fatal(err)
				}
				conn.Write([]byte(c.sync + "\r\n"))
				rd := bufio.NewReader(conn)
				conn.SetReadDeadline(time.Now().Add(10 * time.Second))
				if _, err := rd.ReadString('\n'); err != nil { // +FULLRESYNC or the RDB's $len
					t.Fatalf("%s: %v", c.sync, err)
				}
				time.Sleep(200 * time.Millisecond)
				conn.Write([]byte(c.cmd + "\r\n"))
				// The link is closed: read until EOF (the RDB may come first).
				conn.SetReadDeadline(time.Now().Add(10 * time.Second))
				buf := make([]byte, 64<<10)
				for {
					if _, err := conn.Read(buf); err != nil {
						if ne, ok := err.(net.Error); ok && ne.Timeout() {
							t.Fatalf("%s then %s: the link stayed open", c.sync, c.cmd)
						}
						break
					}
				}
				conn.Close()
				for _, want := range c.logs {
					testutil.WaitFor(t, 5*time.Second, func() bool { return strings.Contains(s.Log(), want) }, "log line "+want)
				}
			}
			if v := do(s, "PING"); v == nil || v.Str != "PONG" {
				t.Fatalf("server not answering after the rogue replicas: %+v", v)
			}
		})
	}
}
