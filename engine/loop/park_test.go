package loop

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// onLoop reads a counter that only the loop goroutine writes, on that goroutine.
func onLoop(l *Loop, counter *int64) int64 {
	ch := make(chan int64, 1)
	l.Submit(func() { ch <- *counter })
	return <-ch
}

// parks reads l.parks (parkWait), yields l.yields (yieldEvery).
func parks(l *Loop) int64  { return onLoop(l, &l.parks) }
func yields(l *Loop) int64 { return onLoop(l, &l.yields) }

// An idle loop parks in the Go netpoller (parkWait) and still runs its timers on time
// and its file events at once; a loop whose events come microseconds apart never
// parks.
func TestIdleLoopParks(t *testing.T) {
	l := runLoop(t)
	if !l.parkable {
		t.Fatal("the epoll descriptor could not be registered with the netpoller")
	}
	// Timers: a 20ms period keeps firing on time while the loop parks in between.
	fired := make(chan time.Time, 64)
	l.Submit(func() { l.Every(20*time.Millisecond, func() { fired <- time.Now() }) })
	var prev time.Time
	for i := 0; i < 10; i++ {
		at := <-fired
		if i > 1 && at.Sub(prev) > 60*time.Millisecond {
			t.Errorf("timer %d fired %v after the previous one (period 20ms)", i, at.Sub(prev))
		}
		prev = at
	}
	// Each timer wait after the first times out: the loop is idle and parks.
	if p := parks(l); p < 5 {
		t.Fatalf("an idle loop with a 20ms timer parked %d times in 200ms", p)
	}

	// File events end a park: a write to an idle loop's socket is answered.
	peer := echoPair(t, l)
	var buf [8]byte
	for i := 0; i < 5; i++ {
		time.Sleep(30 * time.Millisecond) // idle again: the next wait parks
		before := parks(l)
		time.Sleep(5 * time.Millisecond)
		start := time.Now()
		if _, err := unix.Write(peer, []byte("ping")); err != nil {
			t.Fatal(err)
		}
		if n, err := unix.Read(peer, buf[:]); err != nil || string(buf[:n]) != "ping" {
			t.Fatalf("echo through a parked loop: %q, %v", buf[:n], err)
		}
		if d := time.Since(start); d > 15*time.Millisecond {
			t.Errorf("a parked loop answered after %v (its timer is due in under 20ms, the event came first)", d)
		}
		if parks(l) <= before {
			t.Errorf("round %d: the loop did not park while idle", i)
		}
	}

	// A ping-pong: each wait ends with the next request within microseconds, so
	// after the first the loop waits in epoll_wait, never parked.
	before := parks(l)
	for i := 0; i < 2000; i++ {
		if _, err := unix.Write(peer, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if _, err := unix.Read(peer, buf[:]); err != nil {
			t.Fatal(err)
		}
	}
	// The timer's own timeouts park (about 1 per 20ms); the 2000 requests must not.
	if got := parks(l) - before; got > 200 {
		t.Errorf("a loop serving a ping-pong parked %d times in 2000 requests", got)
	}
}
