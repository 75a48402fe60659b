package engine

// crash.go: Redis's crash report (debug.c's sigsegvHandler and bugReportEnd) for the
// ways keygrid can be made to crash on purpose: SIGABRT (node forwards it here) and
// DEBUG SEGFAULT, which really writes to a read-only page. The report goes to the
// log — the header, "crashed by signal", the goroutines' stacks — then the process
// dies of the same signal, as Redis re-raises it with the default handler. With
// crash-log-enabled no (CONFIG SET applies at once) Redis installs no handler for
// these signals, so the process dies of them with nothing logged; so does keygrid.
// serverPanic is not a signal: it reports either way, as Redis's _serverPanic.

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"unsafe"

	"github.com/keygrid/keygrid/internal/redislog"
	"golang.org/x/sys/unix"
)

// siCode values of the report's "si_code" (Linux's siginfo).
const (
	siUser      = 0 // sent by kill(2)
	segvAccErr  = 2 // SEGV_ACCERR: a write to a page mapped read-only
	crashRawEnd = "\n=== REDIS BUG REPORT END. Make sure to include from START to END. ===\n\n"
)

// CrashSignal logs the crash report of a fatal signal received from outside
// (SIGABRT) and kills the process with it. Any goroutine; it does not return.
func (s *Server) CrashSignal(sig unix.Signal) {
	if s.cfg.CrashLogEnabled {
		s.crashReport(sig, siUser, 0)
	}
	s.die(sig)
}

// crashReport writes Redis's bug report header and the stacks to the log.
func (s *Server) crashReport(sig unix.Signal, code int, addr uintptr) {
	s.log.Warn("\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===\n", redislog.Raw())
	s.log.Warn(fmt.Sprintf("Redis %s crashed by signal: %d, si_code: %d", Version, int(sig), code))
	if sig == unix.SIGSEGV || sig == unix.SIGBUS {
		s.log.Warn(fmt.Sprintf("Accessing address: %#x", addr))
	}
	s.bugReportEnd()
}

// bugReportEnd logs every goroutine's stack and the report's end, and removes the
// pid file of a daemon that is about to die, as Redis's logStackTrace and
// bugReportEnd.
func (s *Server) bugReportEnd() {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	s.log.Warn("\n------ STACK TRACE ------\n\n"+string(buf)+"\n", redislog.Raw())
	s.log.Warn(crashRawEnd, redislog.Raw())
	s.log.Sync()
	if s.cfg.Daemonize && s.sup == nil && s.cfg.PidFile != "" {
		os.Remove(s.cfg.ResolvePath(s.cfg.PidFile))
	}
}

// serverPanic is Redis's serverPanic: the bug report with the reason ("Guru
// Meditation") and the stacks, then the process aborts. It does not return.
func (s *Server) serverPanic(msg string) {
	where := "?"
	if _, file, line, ok := runtime.Caller(1); ok {
		where = filepath.Base(file) + ":" + strconv.Itoa(line)
	}
	s.log.Warn("\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===\n", redislog.Raw())
	s.log.Warn("------------------------------------------------")
	s.log.Warn("!!! Software Failure. Press left mouse button to continue")
	s.log.Warn("Guru Meditation: " + msg + " #" + where)
	s.bugReportEnd()
	s.die(unix.SIGABRT)
}

// die ends the process by sig with its default action, as Redis's handler does
// after the report: a supervisor sees the process killed by the signal (and a core
// dump where they are on). The Go runtime keeps a handler of its own for every
// signal, which would print its traceback and exit with status 2, so the kernel's
// default action is put back first (rt_sigaction with SIG_DFL, no flags, an empty
// mask: an all-zero struct sigaction) and the signal raised on this thread.
func (s *Server) die(sig unix.Signal) {
	signal.Reset(sig)
	runtime.LockOSThread()
	var act [4]uint64
	unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
	unix.Tgkill(unix.Getpid(), unix.Gettid(), sig)
	unix.Kill(os.Getpid(), sig)
	select {} // the signal is on its way
}

// DEBUG SEGFAULT
func debugSegfault(c *Client) {
	page, err := unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		c.ReplyError("ERR " + err.Error())
		return
	}
	debug.SetPanicOnFault(true) // the fault becomes a recoverable panic with its address
	defer func() {
		r := recover()
		var addr uintptr
		if e, ok := r.(interface{ Addr() uintptr }); ok {
			addr = e.Addr()
		}
		if c.srv.cfg.CrashLogEnabled {
			c.srv.crashReport(unix.SIGSEGV, segvAccErr, addr)
		}
		c.srv.die(unix.SIGSEGV)
	}()
	page[0] = 'x'
}
