package node

import (
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestClientsCronShareVsRedis: serverCron visits a share of the clients per tick
// (numclients/hz, at least 5), so idle clients past `timeout` are closed over about
// a second, a few per tick, not all in one tick: 60 idle clients at hz 10 are cut
// over ~0.9 s on redis-server, and must be on keygrid too (it used to walk every
// client on every tick).
func TestClientsCronShareVsRedis(t *testing.T) {
	t.Parallel() // processes of its own
	spread := map[string]time.Duration{}
	for _, side := range initSides(t) {
		cmd, _, port := startInit(t, side, nil, "--timeout", "1")
		waitPing(t, port).Close()
		var mu sync.Mutex
		var closed []time.Time
		var wg sync.WaitGroup
		for range 60 {
			nc, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer nc.Close()
				nc.SetReadDeadline(time.Now().Add(10 * time.Second))
				nc.Read(make([]byte, 1)) // EOF when the server closes it
				mu.Lock()
				closed = append(closed, time.Now())
				mu.Unlock()
			}()
		}
		wg.Wait()
		first, last := closed[0], closed[0]
		for _, c := range closed {
			if c.Before(first) {
				first = c
			}
			if c.After(last) {
				last = c
			}
		}
		spread[side.name] = last.Sub(first)
		cmd.Process.Kill()
		cmd.Wait()
	}
	t.Logf("idle clients cut over: %v", spread)
	if spread["redis-server"] < 500*time.Millisecond {
		t.Errorf("redis-server cut them over %v, this test expects about a second", spread["redis-server"])
	}
	if spread["keygrid"] < 500*time.Millisecond || spread["keygrid"] > 3*time.Second {
		t.Errorf("keygrid cut them over %v (redis-server %v)", spread["keygrid"], spread["redis-server"])
	}
}
