package loop

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func runLoop(t *testing.T) *Loop {
	t.Helper()
	l, err := New(64)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		l.Run()
		close(done)
	}()
	t.Cleanup(func() {
		l.Stop()
		<-done
		l.Close()
	})
	return l
}

// Submit from many goroutines: every function runs, on the loop, in per-sender order.
func TestSubmitOrderAndWakeup(t *testing.T) {
	l := runLoop(t)
	const senders, each = 8, 1000
	var last [senders]int
	var total atomic.Int64
	finished := make(chan struct{})
	for g := 0; g < senders; g++ {
		go func(g int) {
			for i := 1; i <= each; i++ {
				i := i
				l.Submit(func() {
					if last[g] != i-1 {
						t.Errorf("sender %d: got %d after %d", g, i, last[g])
					}
					last[g] = i
					if total.Add(1) == senders*each {
						close(finished)
					}
				})
			}
		}(g)
	}
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatalf("only %d of %d submitted functions ran", total.Load(), senders*each)
	}
}

func TestTimers(t *testing.T) {
	l := runLoop(t)
	var ticks atomic.Int64
	once := make(chan struct{})
	l.Submit(func() {
		l.Every(10*time.Millisecond, func() { ticks.Add(1) })
		l.After(30*time.Millisecond, func() { close(once) })
	})
	select {
	case <-once:
	case <-time.After(5 * time.Second):
		t.Fatal("one-shot timer did not fire")
	}
	deadline := time.Now().Add(5 * time.Second)
	for ticks.Load() < 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if ticks.Load() < 5 {
		t.Fatalf("periodic timer fired %d times", ticks.Load())
	}
}

// File events: readable fires for data, writable only while asked for.
func TestFileEvents(t *testing.T) {
	l := runLoop(t)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	got := make(chan string, 4)
	l.Submit(func() {
		l.AddFile(fds[0], Readable, func(fd int, _ Mask) {
			buf := make([]byte, 64)
			n, _ := Read(fd, buf)
			if n <= 0 { // EOF once the test closes the peer
				l.DelFile(fd, Readable)
				return
			}
			got <- string(buf[:n])
		}, nil)
	})
	time.Sleep(10 * time.Millisecond)
	unix.Write(fds[1], []byte("hello"))
	select {
	case s := <-got:
		if s != "hello" {
			t.Fatalf("read %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("readable handler did not run")
	}
	wrote := make(chan struct{}, 1)
	l.Submit(func() {
		l.AddFile(fds[0], Writable, nil, func(fd int, _ Mask) {
			l.DelFile(fd, Writable)
			wrote <- struct{}{}
		})
	})
	select {
	case <-wrote:
	case <-time.After(5 * time.Second):
		t.Fatal("writable handler did not run")
	}
	maskCh := make(chan Mask)
	l.Submit(func() { maskCh <- l.FileMask(fds[0]) })
	if m := <-maskCh; m != Readable {
		t.Fatalf("mask after DelFile(Writable) = %v", m)
	}
}

// BusyMax and BusyTotal count the handlers' work, not only beforeSleep's: a
// handler that works 30 ms makes an iteration of at least 30 ms. (They once
// spanned the end of the handlers to the end of beforeSleep, so a stall inside a
// handler never showed in the loop's stall metric.)
func TestBusyCountsHandlers(t *testing.T) {
	l := runLoop(t)
	worked := make(chan struct{})
	l.Submit(func() {
		time.Sleep(30 * time.Millisecond)
		close(worked)
	})
	<-worked
	got := make(chan [2]time.Duration)
	l.Submit(func() { got <- [2]time.Duration{l.BusyMax, l.BusyTotal} })
	select {
	case b := <-got:
		if b[0] < 30*time.Millisecond || b[1] < 30*time.Millisecond {
			t.Fatalf("after a 30 ms handler: BusyMax %v, BusyTotal %v", b[0], b[1])
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the loop did not run the second function")
	}
}

// Pending sees a descriptor that became readable without consuming its
// readiness: the handler still runs on the next ProcessEvents.
func TestPendingLeavesReadiness(t *testing.T) {
	l, err := New(64)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	reads := 0
	if err := l.AddFile(fds[0], Readable, func(fd int, _ Mask) {
		var buf [16]byte
		Read(fd, buf[:])
		reads++
	}, nil); err != nil {
		t.Fatal(err)
	}
	if l.Pending() {
		t.Fatal("Pending with nothing written")
	}
	unix.Write(fds[1], []byte("x"))
	if !l.Pending() || !l.Pending() {
		t.Fatal("Pending false after a write (or the first call consumed it)")
	}
	l.ProcessEvents(0)
	if reads != 1 {
		t.Fatalf("handler ran %d times, want 1", reads)
	}
	if l.Pending() {
		t.Fatal("Pending after the data was read")
	}
}
