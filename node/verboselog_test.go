package node

import (
	"github.com/keygrid/keygrid/internal/testutil"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestVerboseClientLogVsRedis: at loglevel verbose a server logs each client's
// accept, its close, a reset connection and a protocol error (with the client's
// CLIENT LIST line and a sample of its query buffer), in redis-server's words.
func TestVerboseClientLogVsRedis(t *testing.T) {
	t.Parallel() // processes of its own
	sides := initSides(t)
	long := "*2\r\n$3\r\nSET\r\n$x" + strings.Repeat("ab\x01", 60) + "\r\n"
	cases := []string{
		"*1\r\n$abc\r\n",             // invalid bulk length
		"*x\r\n",                     // invalid mbulk count
		"*1\r\nfoo\r\n",              // expected $
		"SET \"a\r\n",                // unbalanced quotes
		"*2\r\n$3\r\nGET\r\n$-5\r\n", // a bad bulk after a good one
		long,                         // a sample cut in two
		"*1\r\n$q\x00hidden\r\n",     // a NUL ends the sample
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*1\r\n$z\r\n", // after a whole command
	}
	clientLine := regexp.MustCompile(`id=\d+ addr=\S+ laddr=\S+ fd=\d+ name=\S* age=\d+ idle=\d+ flags=\S+ db=\d+ .*? user=default redir=-1 resp=2`)
	var got [2][]string
	var dbLine [2]string
	for i, side := range sides {
		cmd, dir, port := startInit(t, side, nil, "--loglevel", "verbose")
		waitPing(t, port).Close()
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		for _, req := range cases {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			c.Write([]byte(req))
			c.SetReadDeadline(time.Now().Add(time.Second)) // the NUL case is left waiting
			buf := make([]byte, 4096)
			for { // until the server closes it
				if _, err := c.Read(buf); err != nil {
					break
				}
			}
			c.Close()
		}
		// A connection reset by the peer.
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("PING\r\n"))
		time.Sleep(50 * time.Millisecond)
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
		// Every 5 s serverCron logs the databases that hold keys (one, from the last case).
		testutil.WaitFor(t, 12*time.Second, func() bool {
			return slices.ContainsFunc(logLines(t, dir), func(l string) bool { return strings.HasPrefix(l, "- DB 0:") })
		}, side.name+": no DB line")
		cmd.Process.Kill()
		cmd.Wait()
		for _, l := range logLines(t, dir) {
			if !strings.HasPrefix(l, "- ") {
				continue
			}
			l = regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllString(l, "127.0.0.1:P")
			if strings.Contains(l, "Client closed connection") || strings.Contains(l, "Protocol error") {
				if !clientLine.MatchString(l) {
					t.Errorf("%s: no CLIENT LIST line in %q", side.name, l)
				}
				l = clientLine.ReplaceAllString(l, "CLIENT")
			}
			if strings.HasPrefix(l, "- DB 0:") {
				dbLine[i] = l // when it comes among the others depends on the clock
				continue
			}
			got[i] = append(got[i], l)
		}
	}
	want := []string{"- Accepted 127.0.0.1:P", "- Client closed connection CLIENT",
		"- Protocol error (invalid bulk length) from client: CLIENT. Query buffer during protocol error: '$abc..'",
		"- Reading from client: Connection reset by peer"}
	for _, w := range want {
		if !strings.Contains(strings.Join(got[0], "\n"), w) {
			t.Errorf("redis-server did not log %q: %q", w, got[0])
		}
	}
	if dbLine[0] != "- DB 0: 1 keys (0 volatile) in 4 slots HT." || dbLine[1] != dbLine[0] {
		t.Errorf("DB lines: redis-server %q, keygrid %q", dbLine[0], dbLine[1])
	}
	// As sets: when a close and the next accept are ready in the same loop
	// iteration, either server may log them in either order.
	slices.Sort(got[0])
	slices.Sort(got[1])
	if strings.Join(got[0], "\n") != strings.Join(got[1], "\n") {
		t.Errorf("verbose lines differ:\nredis-server %q\nkeygrid      %q", got[0], got[1])
	}
}
