package loop

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// runRawLoop is runLoop with SetRawWait, on at least two Ps (the raw wait is off with one).
func runRawLoop(t *testing.T) *Loop {
	t.Helper()
	if runtime.GOMAXPROCS(0) < 2 {
		prev := runtime.GOMAXPROCS(2)
		t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
	}
	l, err := New(64)
	if err != nil {
		t.Fatal(err)
	}
	l.SetRawWait(true)
	if !l.rawWait {
		t.Fatal("SetRawWait(true) with GOMAXPROCS >= 2 left the raw wait off")
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

// echoPair registers one end of a socketpair with l, echoing what it reads; the
// other end is returned, blocking.
func echoPair(t *testing.T, l *Loop) int {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[1]) })
	unix.SetNonblock(fds[0], true)
	added := make(chan error, 1)
	l.Submit(func() {
		added <- l.AddFile(fds[0], Readable, func(fd int, _ Mask) {
			var b [64]byte
			n, err := Read(fd, b[:])
			if err == nil && n > 0 {
				Write(fd, b[:n])
			}
		}, nil)
	})
	if err := <-added; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		l.Submit(func() { l.DelFile(fds[0], Readable); unix.Close(fds[0]) })
	})
	return fds[1]
}

func roundTrip(t *testing.T, fd int) {
	t.Helper()
	if _, err := unix.Write(fd, []byte("x")); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	if n, err := unix.Read(fd, b[:]); n != 1 || err != nil {
		t.Fatalf("echo: %d, %v", n, err)
	}
}

// A loop that waits raw while busy still serves its files, runs its timers and
// mailbox, lets the rest of the program (GC stop-the-world included) run while it
// blocks holding its P, and goes back to the scheduler-aware wait once idle.
func TestRawWait(t *testing.T) {
	l := runRawLoop(t)
	fd := echoPair(t, l)
	for range 1000 {
		roundTrip(t, fd)
	}
	// Busy now: the loop blocks raw. A collection must stop the world through it (the
	// preemption signal ends the wait), and other goroutines keep running.
	roundTrip(t, fd)
	gcDone := make(chan struct{})
	go func() {
		runtime.GC()
		close(gcDone)
	}()
	select {
	case <-gcDone:
	case <-time.After(10 * time.Second):
		t.Fatal("runtime.GC did not finish while the loop waited raw")
	}
	tick := make(chan struct{})
	go func() {
		time.Sleep(time.Millisecond)
		close(tick)
	}()
	select {
	case <-tick:
	case <-time.After(10 * time.Second):
		t.Fatal("a sleeping goroutine did not wake while the loop waited raw")
	}
	// A timer of the loop fires after a wait that timed out with no event: by then the
	// loop is idle and waits the usual way.
	roundTrip(t, fd)
	busy := make(chan bool, 1)
	l.Submit(func() { l.After(20*time.Millisecond, func() { busy <- l.busy }) })
	select {
	case b := <-busy:
		if b {
			t.Fatal("the loop still counted itself busy after an idle wait")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the loop's timer did not fire")
	}
	for range 100 { // and it serves again, raw
		roundTrip(t, fd)
	}
}

// With one P the raw wait stays off: blocking while holding the only P would stall
// every other goroutine until the next preemption.
func TestRawWaitNeedsTwoPs(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	l, err := New(8)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.SetRawWait(true)
	if l.rawWait {
		t.Fatal("raw wait on with GOMAXPROCS=1")
	}
}

// Raw waits leave one P free: with two Ps, a second loop waits the usual way while
// the first holds its P.
func TestRawWaitLeavesOneP(t *testing.T) {
	prev := runtime.GOMAXPROCS(2)
	defer runtime.GOMAXPROCS(prev)
	if n := rawWaiters.Load(); n != 0 { // the loops of earlier tests are stopped
		t.Fatalf("%d raw waits still counted", n)
	}
	if !rawSlot() {
		t.Fatal("no raw wait for the first loop")
	}
	if rawSlot() {
		rawWaiters.Add(-1)
		rawWaiters.Add(-1)
		t.Fatal("a second raw wait with GOMAXPROCS=2 would hold both Ps")
	}
	rawWaiters.Add(-1)
}
