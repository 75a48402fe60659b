package node

import (
	"net"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// TestDynamicHzVsRedis: with dynamic-hz (the default) the cron runs twice as often
// once there are more than 200 clients per tick, and INFO's hz says so (2,100
// clients at hz 10: 20), then back to hz when they leave; with dynamic-hz no it
// stays. As redis-server.
func TestDynamicHzVsRedis(t *testing.T) {
	t.Parallel() // processes of its own
	hzOf := func(c *testutil.Conn) string {
		info, _ := c.Do("INFO", "server")
		m := regexp.MustCompile(`\r\nhz:(\d+)\r\n`).FindSubmatch(info)
		if m == nil {
			return "?"
		}
		return string(m[1])
	}
	type result struct{ before, many, after, fixed string }
	var got []result
	for _, side := range initSides(t) {
		var r result
		for _, dyn := range []string{"yes", "no"} {
			cmd, _, port := startInit(t, side, nil, "--dynamic-hz", dyn)
			c := waitPing(t, port)
			r.before = hzOf(c)
			var conns []net.Conn
			for range 2100 {
				nc, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
				if err != nil {
					t.Fatalf("%s: connection %d: %v", side.name, len(conns), err)
				}
				conns = append(conns, nc)
			}
			testutil.WaitFor(t, 10*time.Second, func() bool {
				info, _ := c.Do("INFO", "clients")
				return regexp.MustCompile(`connected_clients:210[01]\r\n`).Match(info)
			}, side.name+": the clients did not connect")
			if dyn == "no" {
				time.Sleep(500 * time.Millisecond) // a few cron ticks
				r.fixed = hzOf(c)
			} else {
				// The next cron tick adapts it.
				testutil.WaitFor(t, 5*time.Second, func() bool { return hzOf(c) != r.before }, side.name+": hz did not change")
				r.many = hzOf(c)
			}
			for _, nc := range conns {
				nc.Close()
			}
			if dyn == "yes" {
				testutil.WaitFor(t, 10*time.Second, func() bool { return hzOf(c) == r.before }, side.name+": hz did not come back")
				r.after = hzOf(c)
			}
			c.Do("SHUTDOWN", "NOSAVE")
			cmd.Wait()
		}
		got = append(got, r)
	}
	if want := (result{"10", "20", "10", "10"}); got[0] != want {
		t.Errorf("redis-server: %+v, this test expects %+v", got[0], want)
	}
	if got[1] != got[0] {
		t.Errorf("redis-server %+v, keygrid %+v", got[0], got[1])
	}
}
