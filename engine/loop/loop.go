// Package loop is keygrid's event loop: Redis's "ae" on epoll, in Go.
//
// One goroutine, locked to its OS thread, calls Run. It waits in epoll_wait for file
// events (readable / writable descriptors) and for the nearest time event, runs their
// handlers, and calls the before-sleep hook before every wait, which is where replies are
// flushed. Everything registered with a Loop runs on that goroutine, so the state those
// handlers touch needs no locks.
//
// Other goroutines never touch that state: they Submit a function, which is queued under
// a mutex and wakes the loop through an eventfd that sits in the same epoll set.
//
//	for !stopped {
//		beforeSleep()
//		n := epoll_wait(timeout = nearest timer)
//		for each ready fd: read handler, then write handler
//		run due timers
//	}
package loop

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Mask says which readiness a file event waits for.
type Mask uint32

const (
	// Readable fires when the descriptor has data (or a new connection, or EOF).
	Readable Mask = 1 << iota
	// Writable fires when a write would not block.
	Writable
)

// Handler handles readiness of one descriptor. It runs on the loop goroutine.
type Handler func(fd int, mask Mask)

type fileEvent struct {
	mask  Mask
	read  Handler
	write Handler
}

type timeEvent struct {
	id     int64
	when   time.Time
	period time.Duration
	proc   func()
}

// Loop is a single-threaded epoll loop. Its methods, except Submit and Stop, must be
// called from the loop goroutine (or before Run starts).
type Loop struct {
	epfd   int
	evfd   int
	events []unix.EpollEvent
	// nested is the event buffer of a ProcessFileEvents called from inside an event
	// handler (a long script serving other clients), which must not overwrite the
	// events the outer call is still going through.
	nested   []unix.EpollEvent
	handling bool
	// rawWait and busy: see SetRawWait.
	rawWait bool
	busy    bool
	// parkable says parkWait can wait in the Go runtime's netpoller (checked
	// once, in New), and idle that the last wait timed out or lasted over
	// parkAfter.
	parkable bool
	idle     bool
	waitFrom time.Duration // since epoch, when the current wait started
	yieldAt  time.Duration // since epoch, the last yield (yieldEvery)
	yields   int64         // yields so far (read by tests); loop goroutine only
	// parks counts the waits that parked (parkWait; read by tests); loop goroutine only.
	parks int64

	files []fileEvent // indexed by fd

	timers []*timeEvent
	nextID int64

	beforeSleep func()
	afterSleep  func()

	// Busy time: from the return of epoll_wait to the start of the next wait, the part
	// of each iteration spent working. Read by the owner for metrics.
	epoch    time.Time
	busyFrom time.Duration
	// BusyTotal is the total time spent working; BusyMax the longest iteration since
	// the owner last reset it. Loop goroutine only.
	BusyTotal time.Duration
	BusyMax   time.Duration

	mu      sync.Mutex
	queue   []func()
	spare   []func()
	woken   bool // an eventfd write is pending; coalesces wake-ups
	stopped bool
}

// New creates a loop able to wait for up to maxEvents events per epoll_wait.
func New(maxEvents int) (*Loop, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	evfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	l := &Loop{epfd: epfd, evfd: evfd, events: make([]unix.EpollEvent, maxEvents)}
	if err := l.AddFile(evfd, Readable, func(int, Mask) { l.drainMailbox() }, nil); err != nil {
		l.Close()
		return nil, err
	}
	if f, _ := pollableDup(epfd); f != nil {
		l.parkable = true
		f.Close()
	}
	return l, nil
}

// pollableDup returns a duplicate of the epoll descriptor epfd registered with the Go
// runtime's netpoller (an epoll set is readable while it has events ready), or nil
// when the runtime cannot poll it. The duplicate shares epfd's epoll instance; only
// its readiness is used, never its events. The caller closes it, which takes it out
// of the netpoller again: while it is in, every event of the loop's set also wakes
// the runtime's netpoller thread (a busy loop under redis-benchmark switched
// contexts twice as often with it registered for good).
func pollableDup(epfd int) (*os.File, syscall.RawConn) {
	fd, err := unix.FcntlInt(uintptr(epfd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, nil
	}
	// O_NONBLOCK belongs to the open file, so epfd gets it too; epoll_wait ignores it.
	// os.NewFile registers a non-blocking descriptor with the netpoller.
	if unix.SetNonblock(fd, true) != nil {
		unix.Close(fd)
		return nil, nil
	}
	f := os.NewFile(uintptr(fd), "epoll")
	// A file the netpoller does not watch has no deadlines: that is the test.
	if f.SetReadDeadline(time.Time{}) != nil {
		f.Close()
		return nil, nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, nil
	}
	return f, rc
}

// parkAfter is how long a wait must have lasted for the next one to park (parkWait):
// events further apart than this are sparse enough that a thread hand-off per event
// costs less than the sysmon polling a syscall wait brings.
const parkAfter = time.Millisecond

// parkWait is the wait of an idle loop: it polls the epoll set without blocking and,
// when nothing is ready, parks the goroutine in the Go runtime's netpoller (on the
// duplicate descriptor's readiness, with the timeout as a deadline) instead of
// blocking the thread in epoll_wait.
//
// Why: a goroutine blocked in a syscall keeps its P in the syscall state, and while
// any P is not idle the runtime's sysmon thread cannot sleep deeply: it polls every
// 20µs to 10ms until it takes the P away after 10ms, then again after every wake-up.
// For an idle node woken at hz and by its cluster bus that was about 350 sysmon
// wake-ups a second, 40% of the process's idle CPU (perf, 10-node cluster). A parked
// goroutine holds no P, so sysmon sleeps until the next timer. The price is a thread
// hand-off when an event ends the park (the netpoller's thread wakes this locked one),
// so it is used only after a wait that timed out or lasted over parkAfter: a serving
// loop, whose waits end with events within microseconds, never parks; an idle one, or
// one woken now and then by a timer or the cluster bus, does. The duplicate is in the
// netpoller for the park only (pollableDup): a handful of syscalls per park.
func (l *Loop) parkWait(events []unix.EpollEvent, timeoutMs int) (int, error) {
	var deadline time.Time
	if timeoutMs > 0 {
		deadline = time.Now().Add(time.Duration(timeoutMs) * time.Millisecond)
	}
	f, rc := pollableDup(l.epfd)
	if f == nil {
		return unix.EpollWait(l.epfd, events, timeoutMs)
	}
	defer f.Close()
	if f.SetReadDeadline(deadline) != nil {
		return unix.EpollWait(l.epfd, events, timeoutMs)
	}
	l.parks++
	var n int
	var err error
	perr := rc.Read(func(uintptr) bool {
		n, err = epollWaitRaw(l.epfd, events, 0)
		return n > 0 || err != nil && err != unix.EINTR
	})
	if perr != nil && n == 0 && err == nil && !os.IsTimeout(perr) {
		// Not a timeout: the runtime could not wait; wait the usual way.
		return unix.EpollWait(l.epfd, events, timeoutMs)
	}
	return n, err
}

// SetRawWait makes a busy loop wait with a raw epoll_pwait, which keeps the Go
// scheduler's P while it blocks, instead of the scheduler-aware syscall.
//
// Why: a loop that serves a request/response ping-pong blocks for tens of
// microseconds thousands of times a second. Each scheduler-aware wait that blocks
// more than 20µs lets sysmon take the P away, which keeps sysmon polling every 20µs
// and adds futex hand-offs: on a small or virtualized machine those wake-ups cost
// as much as the requests (perf, 2-core VM: sysmon's sleeps and the switches around
// blocking waits were 12% of the proxy's CPU, 30% of a node's serving the proxy's
// batches). A raw wait costs none of that. It is used only
// while the previous wait returned events: a loop that goes idle blocks the usual
// way again after at most one preemption signal (sysmon signals a P that runs one
// goroutine for 10ms; epoll_pwait returns EINTR), so an idle process does not wake
// a hundred times a second. Only with GOMAXPROCS > 1, and for at most GOMAXPROCS-1
// loops of the process at once (rawWaiters): the P a loop holds while blocked is not
// there for other goroutines, which then run on the others.
// Call before Run.
func (l *Loop) SetRawWait(on bool) { l.rawWait = on && runtime.GOMAXPROCS(0) > 1 }

// rawWaiters counts the loops of the process blocked in a raw wait, each holding a
// P: at most GOMAXPROCS-1 of them, so one P is always left for every other goroutine
// (several loops in one process, as in tests, would otherwise hold them all).
var rawWaiters atomic.Int32

// rawSlot reserves one of the raw waits; the caller gives it back after waiting.
func rawSlot() bool {
	if int(rawWaiters.Add(1)) < runtime.GOMAXPROCS(0) {
		return true
	}
	rawWaiters.Add(-1)
	return false
}

// SetBeforeSleep installs the hook run before every wait for events.
func (l *Loop) SetBeforeSleep(f func()) { l.beforeSleep = f }

// SetAfterSleep installs the hook run when a wait for events returns, before
// they are handled (Redis's aftersleep), but not for the nested waits of
// ProcessFileEvents called from a handler.
func (l *Loop) SetAfterSleep(f func()) { l.afterSleep = f }

func toEpoll(m Mask) uint32 {
	var ev uint32
	if m&Readable != 0 {
		ev |= unix.EPOLLIN
	}
	if m&Writable != 0 {
		ev |= unix.EPOLLOUT
	}
	return ev
}

// AddFile starts watching fd for mask, calling read and/or write when ready. Calling it
// again for the same fd adds to the mask; a nil handler keeps the one installed.
func (l *Loop) AddFile(fd int, mask Mask, read, write Handler) error {
	for fd >= len(l.files) {
		l.files = append(l.files, fileEvent{})
	}
	fe := &l.files[fd]
	op := unix.EPOLL_CTL_ADD
	if fe.mask != 0 {
		op = unix.EPOLL_CTL_MOD
	}
	newMask := fe.mask | mask
	ev := unix.EpollEvent{Events: toEpoll(newMask), Fd: int32(fd)}
	if err := unix.EpollCtl(l.epfd, op, fd, &ev); err != nil {
		return err
	}
	fe.mask = newMask
	if read != nil {
		fe.read = read
	}
	if write != nil {
		fe.write = write
	}
	return nil
}

// DelFile stops watching fd for mask; with no readiness left, fd leaves the epoll set.
func (l *Loop) DelFile(fd int, mask Mask) {
	if fd >= len(l.files) || l.files[fd].mask == 0 {
		return
	}
	fe := &l.files[fd]
	newMask := fe.mask &^ mask
	if newMask == 0 {
		unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, fd, nil)
		*fe = fileEvent{}
		return
	}
	ev := unix.EpollEvent{Events: toEpoll(newMask), Fd: int32(fd)}
	unix.EpollCtl(l.epfd, unix.EPOLL_CTL_MOD, fd, &ev)
	fe.mask = newMask
}

// FileMask reports what fd is watched for.
func (l *Loop) FileMask(fd int) Mask {
	if fd >= len(l.files) {
		return 0
	}
	return l.files[fd].mask
}

// Every runs proc every period, first after one period, until the loop stops or the
// timer is cancelled. It returns the timer's id.
func (l *Loop) Every(period time.Duration, proc func()) int64 {
	l.nextID++
	l.timers = append(l.timers, &timeEvent{id: l.nextID, when: time.Now().Add(period), period: period, proc: proc})
	return l.nextID
}

// After runs proc once after d.
func (l *Loop) After(d time.Duration, proc func()) int64 {
	l.nextID++
	l.timers = append(l.timers, &timeEvent{id: l.nextID, when: time.Now().Add(d), proc: proc})
	return l.nextID
}

// SetPeriod changes a periodic timer's period (used when `hz` changes at run time).
func (l *Loop) SetPeriod(id int64, period time.Duration) {
	for _, t := range l.timers {
		if t.id == id {
			t.period = period
			t.when = time.Now().Add(period)
		}
	}
}

// Cancel removes a timer.
func (l *Loop) Cancel(id int64) {
	for i, t := range l.timers {
		if t.id == id {
			l.timers = append(l.timers[:i], l.timers[i+1:]...)
			return
		}
	}
}

// Submit queues f to run on the loop goroutine and wakes the loop. Safe from any
// goroutine; never blocks on the loop. Functions run in submission order.
func (l *Loop) Submit(f func()) {
	l.mu.Lock()
	l.queue = append(l.queue, f)
	wake := !l.woken
	l.woken = true
	l.mu.Unlock()
	if wake {
		var one = [8]byte{1}
		unix.Write(l.evfd, one[:])
	}
}

func (l *Loop) drainMailbox() {
	var buf [8]byte
	unix.Read(l.evfd, buf[:])
	l.mu.Lock()
	q := l.queue
	l.queue = l.spare[:0]
	l.woken = false
	l.mu.Unlock()
	for i, f := range q {
		f()
		q[i] = nil
	}
	l.spare = q[:0]
}

// Stop makes Run return after the current iteration. Safe from any goroutine.
func (l *Loop) Stop() {
	l.Submit(func() { l.stopped = true })
}

// StopNow makes Run return after the current iteration; loop goroutine only.
func (l *Loop) StopNow() { l.stopped = true }

func (l *Loop) nextTimeout() int {
	if len(l.timers) == 0 {
		return 1000
	}
	now := time.Now()
	nearest := l.timers[0].when
	for _, t := range l.timers[1:] {
		if t.when.Before(nearest) {
			nearest = t.when
		}
	}
	d := nearest.Sub(now)
	if d <= 0 {
		return 0
	}
	ms := int((d + time.Millisecond - 1) / time.Millisecond)
	return ms
}

func (l *Loop) runTimers() {
	if len(l.timers) == 0 {
		return
	}
	now := time.Now()
	// Iterate over a snapshot of due timers: a proc may add or cancel timers.
	for i := 0; i < len(l.timers); i++ {
		t := l.timers[i]
		if t.when.After(now) {
			continue
		}
		if t.period > 0 {
			t.when = now.Add(t.period)
		} else {
			l.timers = append(l.timers[:i], l.timers[i+1:]...)
			i--
		}
		t.proc()
	}
}

// Run processes events until Stop. It must be called on a goroutine locked to its
// thread (runtime.LockOSThread) when the caller wants Redis's one-thread guarantee.
func (l *Loop) Run() {
	l.epoch = time.Now()
	for !l.stopped {
		if l.beforeSleep != nil {
			l.beforeSleep()
		}
		l.waitFrom = time.Since(l.epoch)
		if l.busyFrom != 0 {
			busy := l.waitFrom - l.busyFrom
			l.BusyTotal += busy
			if busy > l.BusyMax {
				l.BusyMax = busy
			}
		}
		if l.waitFrom-l.yieldAt >= yieldEvery {
			l.yieldAt = l.waitFrom
			l.yields++
			runtime.Gosched()
		}
		l.ProcessEvents(l.nextTimeout())
	}
}

// yieldEvery is how often a loop that never parks gives the Go scheduler a turn.
//
// Why: the runtime's sysmon preempts a goroutine that has run for 10ms without being
// rescheduled (a signal, then the locked thread's hand-off), and each such preemption
// counts as work found, which sends sysmon back to polling every 20µs. Waiting in a
// syscall does not reschedule the goroutine, so a serving loop is never rescheduled:
// on a node of a 3-master cluster under redis-benchmark at pipeline 1, sysmon's thread
// woke 1,700 times and used 22ms of CPU a second (perf: 5.6% of the node's samples),
// and the nodes spent 8.9-11.0µs per request against redis-server's 8.2-9.9µs. A
// yield every few milliseconds costs one hand-off and lets sysmon back off to its 10ms
// sleeps: 120 wake-ups and under 1ms a second, 8.1-9.1µs per request (redis-server
// 8.8-9.3µs in the same run). A loop that parks (parkWait) is rescheduled by the
// park, and does not yield on top of it.
const yieldEvery = 5 * time.Millisecond

// ProcessEvents waits up to timeoutMs for events and handles them and due timers once.
func (l *Loop) ProcessEvents(timeoutMs int) {
	l.ProcessFileEvents(timeoutMs)
	l.runTimers()
}

// ProcessFileEvents waits up to timeoutMs for file events and handles them, without
// running timers: what the engine uses to keep serving clients from inside a long
// script (Redis's processEventsWhileBlocked).
func (l *Loop) ProcessFileEvents(timeoutMs int) {
	events := l.events
	if l.handling {
		if l.nested == nil {
			l.nested = make([]unix.EpollEvent, 64)
		}
		events = l.nested
	}
	var n int
	var err error
	if l.rawWait && (timeoutMs == 0 || l.busy && rawSlot()) {
		n, err = epollWaitRaw(l.epfd, events, timeoutMs)
		if timeoutMs != 0 {
			rawWaiters.Add(-1)
		}
	} else if l.idle && timeoutMs != 0 && !l.handling && l.parkable {
		n, err = l.parkWait(events, timeoutMs)
		// A park reschedules the goroutine: that is a yield (yieldEvery), so an
		// idle loop woken by its timers never yields on top of it.
		l.yieldAt = time.Since(l.epoch)
	} else {
		n, err = unix.EpollWait(l.epfd, events, timeoutMs)
	}
	if timeoutMs != 0 {
		l.busy = n > 0
	}
	if !l.handling {
		// The iteration's work starts here: the handlers, the timers and the
		// next beforeSleep all count (a nested wait is part of the work around it).
		l.busyFrom = max(time.Since(l.epoch), 1)
		if timeoutMs != 0 && err == nil {
			l.idle = n == 0 || l.busyFrom-l.waitFrom > parkAfter
		}
		if l.afterSleep != nil {
			l.afterSleep()
		}
	}
	if err != nil && err != unix.EINTR {
		return
	}
	wasHandling := l.handling
	l.handling = true
	defer func() { l.handling = wasHandling }()
	for i := 0; i < n; i++ {
		ev := events[i]
		fd := int(ev.Fd)
		if fd >= len(l.files) {
			continue
		}
		fe := &l.files[fd]
		// Errors and hang-ups are reported to both handlers: a read sees EOF or the
		// error, a write sees EPIPE.
		ready := ev.Events
		if ready&(unix.EPOLLERR|unix.EPOLLHUP) != 0 {
			ready |= unix.EPOLLIN | unix.EPOLLOUT
		}
		if ready&unix.EPOLLIN != 0 && fe.mask&Readable != 0 && fe.read != nil {
			fe.read(fd, Readable)
		}
		// The read handler may have closed fd or changed its mask; look again.
		if fd < len(l.files) {
			fe = &l.files[fd]
			if ready&unix.EPOLLOUT != 0 && fe.mask&Writable != 0 && fe.write != nil {
				fe.write(fd, Writable)
			}
		}
	}
}

// Stopped reports whether the loop was asked to stop (loop goroutine only).
func (l *Loop) Stopped() bool { return l.stopped }

// Pending reports whether a registered descriptor is ready now (a client wrote,
// the mailbox has work): one epoll_pwait that does not block. Readiness is
// level-triggered, so the next ProcessEvents still sees it. For work that runs
// in the loop's idle time and should give way to clients as soon as they need it.
func (l *Loop) Pending() bool {
	var ev [1]unix.EpollEvent
	n, err := epollWaitRaw(l.epfd, ev[:], 0)
	return err == nil && n > 0
}

// Close releases the loop's descriptors. Registered descriptors are not closed.
func (l *Loop) Close() {
	unix.Close(l.evfd)
	unix.Close(l.epfd)
}
