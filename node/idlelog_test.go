package node

import (
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestIdleClientTimeoutLogVsRedis: with `timeout` set, the cron closes a client
// idle for longer and logs "Closing idle client" at loglevel verbose, in
// redis-server's words; a Pub/Sub client is exempt and stays connected.
func TestIdleClientTimeoutLogVsRedis(t *testing.T) {
	t.Parallel() // processes of its own
	sides := initSides(t)
	keep := regexp.MustCompile(`Accepted|Client closed connection|Closing idle client`)
	clientLine := regexp.MustCompile(`id=\d+ addr=\S+ laddr=\S+ fd=\d+ name=\S* age=\d+ idle=\d+ flags=\S+ db=\d+ .*? user=default redir=-1 resp=2`)
	var got [2][]string
	for i, side := range sides {
		cmd, dir, port := startInit(t, side, nil, "--loglevel", "verbose", "--timeout", "1")
		waitPing(t, port).Close()
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		dial := func(req, want string) net.Conn {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			c.Write([]byte(req))
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 256)
			n, err := c.Read(buf)
			if err != nil || !strings.HasPrefix(string(buf[:n]), want) {
				t.Fatalf("%s: %q: read %q, %v", side.name, req, buf[:n], err)
			}
			return c
		}
		idle := dial("PING\r\n", "+PONG")
		sub := dial("SUBSCRIBE ch\r\n", "*3\r\n")
		// The idle client is closed within a few seconds (Redis counts whole seconds).
		idle.SetReadDeadline(time.Now().Add(8 * time.Second))
		if n, err := idle.Read(make([]byte, 16)); err == nil {
			t.Fatalf("%s: the idle client read %d bytes, not its close", side.name, n)
		} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("%s: the idle client was not closed", side.name)
		}
		// The subscriber, as idle, is still served.
		sub.Write([]byte("PING\r\n"))
		sub.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 64)
		if n, err := sub.Read(buf); err != nil || !strings.Contains(string(buf[:n]), "pong") {
			t.Fatalf("%s: the subscriber: %q, %v", side.name, buf[:n], err)
		}
		cmd.Process.Kill()
		cmd.Wait()
		for _, l := range logLines(t, dir) {
			if strings.HasPrefix(l, "- ") && keep.MatchString(l) {
				l = regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllString(l, "127.0.0.1:P")
				got[i] = append(got[i], clientLine.ReplaceAllString(l, "CLIENT"))
			}
		}
	}
	want := []string{"- Accepted 127.0.0.1:P", "- Client closed connection CLIENT", "- Accepted 127.0.0.1:P",
		"- Accepted 127.0.0.1:P", "- Closing idle client"}
	if strings.Join(got[0], "\n") != strings.Join(want, "\n") {
		t.Errorf("redis-server logged %q, the test expects %q", got[0], want)
	}
	if strings.Join(got[0], "\n") != strings.Join(got[1], "\n") {
		t.Errorf("verbose lines differ:\nredis-server %q\nkeygrid      %q", got[0], got[1])
	}
}

// TestIdleClientTimeoutWholeSecondsVsRedis: the idle time is counted in whole
// seconds, as Redis compares unixtime with the second of the last interaction: with
// timeout 1, a client last heard from just after a second began is closed when
// the second after the next begins, near 2 s later, not 1 s later.
func TestIdleClientTimeoutWholeSecondsVsRedis(t *testing.T) {
	t.Parallel() // processes of its own
	for _, side := range initSides(t) {
		_, _, port := startInit(t, side, nil, "--timeout", "1")
		waitPing(t, port).Close()
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for { // just after a second begins
			if ns := time.Now().Nanosecond(); ns > 20e6 && ns < 150e6 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		start := time.Now()
		c.Write([]byte("PING\r\n"))
		c.SetReadDeadline(time.Now().Add(8 * time.Second))
		buf := make([]byte, 64)
		if n, err := c.Read(buf); err != nil || string(buf[:n]) != "+PONG\r\n" {
			t.Fatalf("%s: PING: %q %v", side.name, buf[:n], err)
		}
		if _, err := c.Read(buf); err == nil {
			t.Fatalf("%s: a reply instead of the close", side.name)
		} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("%s: the idle client was not closed", side.name)
		}
		// The second of the PING plus 2: at least 1.85 s (a loaded machine only
		// closes it later).
		if d := time.Since(start); d < 1850*time.Millisecond {
			t.Errorf("%s: the idle client was closed after %v", side.name, d)
		}
	}
}

// TestIdleAfterWriteVsRedis: what the server writes to a client counts as an
// interaction (Redis's writeToClient sets lastinteraction): a subscriber that
// has sent nothing for 2 s but was just sent a message shows idle=0 in CLIENT LIST.
func TestIdleAfterWriteVsRedis(t *testing.T) {
	t.Parallel() // processes of its own
	idleRe := regexp.MustCompile(`name=sub age=\d+ idle=(\d+)`)
	var got [2]string
	for i, side := range initSides(t) {
		_, _, port := startInit(t, side, nil)
		ctl := waitPing(t, port)
		sub, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		sub.Write([]byte("CLIENT SETNAME sub\r\nSUBSCRIBE ch\r\n"))
		time.Sleep(2200 * time.Millisecond)
		ctl.Do("PUBLISH", "ch", "m")
		sub.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 256)
		for n := 0; !strings.Contains(string(buf[:n]), "\r\nm\r\n"); { // the message arrived
			k, err := sub.Read(buf[n:])
			if err != nil {
				t.Fatalf("%s: %v after %q", side.name, err, buf[:n])
			}
			n += k
		}
		b, err := ctl.Do("CLIENT", "LIST")
		m := idleRe.FindStringSubmatch(string(b))
		if err != nil || m == nil {
			t.Fatalf("%s: CLIENT LIST: %q %v", side.name, b, err)
		}
		got[i] = m[1]
	}
	if got[0] != "0" || got[1] != got[0] {
		t.Errorf("the subscriber's idle: redis-server %s, keygrid %s", got[0], got[1])
	}
}
