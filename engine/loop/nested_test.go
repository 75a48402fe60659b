package loop

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A handler that calls ProcessFileEvents (a long script serving other clients) gets
// the events of other descriptors handled, without timers running, and the outer
// call still handles the events it had already received.
func TestNestedProcessFileEvents(t *testing.T) {
	l, err := New(64)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var pairs [3][2]int
	for i := range pairs {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
		if err != nil {
			t.Fatal(err)
		}
		pairs[i] = [2]int{fds[0], fds[1]}
		defer unix.Close(fds[0])
		defer unix.Close(fds[1])
	}
	var order []int
	timerRan := false
	l.After(0, func() { timerRan = true })
	// An event the nested call handled may be reported again by the outer one (as in
	// Redis's ae): handlers read until EAGAIN, and count only what they read.
	drain := func(fd int) bool {
		buf := make([]byte, 16)
		n, _ := Read(fd, buf)
		return n > 0
	}
	// fd 0 blocks "for a long time", polling; fds 1 and 2 become readable meanwhile.
	l.AddFile(pairs[0][0], Readable, func(fd int, _ Mask) {
		if !drain(fd) {
			return
		}
		order = append(order, 0)
		unix.Write(pairs[1][1], []byte("b"))
		for i := 0; i < 10 && len(order) < 2; i++ {
			l.ProcessFileEvents(10)
		}
		if timerRan {
			t.Error("a timer ran inside a handler")
		}
	}, nil)
	l.AddFile(pairs[1][0], Readable, func(fd int, _ Mask) {
		if drain(fd) {
			order = append(order, 1)
		}
	}, nil)
	l.AddFile(pairs[2][0], Readable, func(fd int, _ Mask) {
		if drain(fd) {
			order = append(order, 2)
		}
	}, nil)
	unix.Write(pairs[0][1], []byte("a"))
	unix.Write(pairs[2][1], []byte("c"))
	time.Sleep(5 * time.Millisecond)
	l.ProcessEvents(100)
	for i := 0; i < 10 && len(order) < 3; i++ {
		l.ProcessEvents(10)
	}
	if len(order) != 3 || order[0] != 0 || order[1] == order[2] {
		t.Fatalf("handlers ran in order %v, want 0 first then 1 and 2 once each", order)
	}
	if !timerRan {
		t.Error("the timer did not run after the handler returned")
	}
}
