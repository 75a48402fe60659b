package loop

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A loop that never waits long gives the scheduler a turn every yieldEvery (so sysmon
// does not have to preempt it); a loop that parks between timers does not yield on
// top of its parks.
func TestBusyLoopYieldsIdleLoopDoesNot(t *testing.T) {
	l := runLoop(t)
	// An fd that stays readable (level-triggered, never read): every wait returns at
	// once, the loop is busy for as long as it is watched.
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	if _, err := unix.Write(fds[1], []byte("x")); err != nil {
		t.Fatal(err)
	}
	added := make(chan error, 1)
	l.Submit(func() { added <- l.AddFile(fds[0], Readable, func(int, Mask) {}, nil) })
	if err := <-added; err != nil {
		t.Fatal(err)
	}
	before := yields(l)
	const busy = 200 * time.Millisecond
	time.Sleep(busy)
	// Nominally busy/yieldEvery = 40; a loaded machine runs the loop less.
	if got := yields(l) - before; got < 5 {
		t.Errorf("a busy loop yielded %d times in %v (every %v expected)", got, busy, yieldEvery)
	}

	// Idle with a 20ms timer: the waits time out and park, and parks are yields.
	l.Submit(func() { l.DelFile(fds[0], Readable) })
	l.Submit(func() { l.Every(20*time.Millisecond, func() {}) })
	time.Sleep(50 * time.Millisecond) // the first waits after the busy spell
	before = yields(l)
	time.Sleep(200 * time.Millisecond)
	if got := yields(l) - before; got > 1 {
		t.Errorf("an idle loop that parks between timers yielded %d times in 200ms", got)
	}
	if parks(l) == 0 {
		t.Error("the idle loop never parked")
	}
}
