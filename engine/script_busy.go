package engine

// Long-running scripts (Redis's scriptInterrupt, SCRIPT KILL, FUNCTION KILL and the
// BUSY state). A script runs on the loop goroutine, so while it runs nobody else is
// served. Past busy-reply-threshold Redis re-enters the event loop from the Lua
// count hook, serving other clients in a restricted mode: only commands flagged
// allow-busy run (SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE, AUTH, ...), everything
// else gets -BUSY.
//
// gopher-lua has no instruction hook, but it checks its context's Done() when a
// context is set: scriptHook is that context. It is a lua.PeriodicContext
// (KEYGRID.md change 16 in internal/third_party/gopher-lua): gopher-lua counts
// its instructions down on the hook's countdown (left) and calls Done() every
// scriptHookPeriod instructions instead of before every one, which cost a tight
// loop more than the instructions themselves. Done() counts instructions and, every
// 1024, looks at the clock; past the threshold it polls the loop for file events (no
// timers: the cron must not run in the middle of a script). To kill the script it
// returns a closed channel, which makes gopher-lua raise an error at once, and
// leaves the countdown below 0, so that Done() is called again before every
// instruction after it, all of them raising: pcall cannot hold it. Coroutines share
// the hook, so a loop inside one is counted and killed too.
//
// While busy, the caller is protected (Redis's protectClient): its socket is taken
// out of the epoll set so its next requests wait, and the loop's shared read buffer,
// which the caller's pending requests still point into, is replaced by a fresh one.

import (
	"context"
	"strconv"
	"time"

	"github.com/keygrid/keygrid/engine/loop"
	"go.uber.org/zap"
)

// scriptHook is the context.Context gopher-lua polls; see the file comment.
type scriptHook struct {
	e    *luaEnv
	n    uint32
	left int // instructions before gopher-lua calls Done again, less one
	done chan struct{}
	// idle is set between the runs that use the hook: a coroutine created
	// while it was set keeps it (gopher-lua's NewThread), and may be resumed
	// by a later run that does not use it (busy-reply-threshold 0, the
	// debugger, a function library's upvalue): it is then never interrupted.
	idle bool
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (h *scriptHook) reset() { h.n, h.left, h.done, h.idle = 0, 0, nil, false }

// release marks the hook idle once a run that used it removed it.
func (h *scriptHook) release() { h.left, h.done, h.idle = scriptHookIdlePeriod, nil, true }

// scriptHookIdlePeriod is how many instructions an idle hook lets run between
// two calls of Done.
const scriptHookIdlePeriod = 1 << 30

func (h *scriptHook) Deadline() (time.Time, bool) { return time.Time{}, false }
func (h *scriptHook) Value(any) any               { return nil }
func (h *scriptHook) Err() error                  { return context.Canceled }

// scriptHookPeriod is how many instructions gopher-lua runs between two calls of
// scriptHook.Done; a power of two dividing 1024.
const scriptHookPeriod = 64

// DoneCountdown makes scriptHook a lua.PeriodicContext: gopher-lua calls Done
// once left goes below 0, and decrements it before every instruction.
func (h *scriptHook) DoneCountdown() *int { return &h.left }

func (h *scriptHook) Done() <-chan struct{} {
	if h.idle {
		h.left = scriptHookIdlePeriod
		return nil
	}
	if h.done != nil {
		return h.done // killed: left stays below 0, every instruction raises
	}
	h.left = scriptHookPeriod - 1
	h.n += scriptHookPeriod
	if h.n&1023 == 0 {
		h.e.s.scriptInterrupt(h)
		if h.done != nil {
			h.left = -1
		}
	}
	return h.done
}

// Messages Redis replies while a script is busy (shared.slowevalerr / slowscripterr).
const (
	errBusyEval     = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	errBusyFunction = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
)

// scriptInterrupt is Redis's scriptInterrupt, called from the hook.
func (s *Server) scriptInterrupt(h *scriptHook) {
	run := s.script.run
	if run != nil && !run.oomKilled && s.script.mem.over() {
		run.oomKilled = true
		s.log.Warn("Lua script killed: it allocated more than " + strconv.FormatInt(s.script.mem.limitBytes(), 10) +
			" bytes. Script name is: " + run.name + ".")
		h.done = closedChan
		return
	}
	if run == nil {
		if s.loadLibraryTimedOut() {
			h.done = closedChan // FUNCTION LOAD timeout
		}
		return
	}
	now := s.monoNow()
	if !run.timedOut {
		elapsed := int64((now - run.start) / time.Millisecond)
		if elapsed < s.cfg.BusyReplyThreshold {
			return
		}
		kill := "SCRIPT KILL"
		if !run.eval {
			kill = "FUNCTION KILL"
		}
		s.log.Warn("Slow script detected: still in execution after " + strconv.FormatInt(elapsed, 10) +
			" milliseconds. You can try killing the script using the " + kill + " command. Script name is: " + run.name + ".")
		s.enterScriptBusy(run)
	} else if now-run.lastPoll < time.Millisecond {
		return
	}
	run.lastPoll = now
	s.processEventsWhileBlocked()
	if run.killed {
		s.log.Warn("Lua script killed by user with SCRIPT KILL.")
		h.done = closedChan
	} else if s.loop != nil && s.loop.Stopped() {
		// SHUTDOWN NOSAVE: end the script so the loop can stop.
		run.killed = true
		h.done = closedChan
	}
}

// processEventsWhileBlocked serves other clients once from inside a script: pending
// replies out, one non-blocking poll for file events, their replies out.
func (s *Server) processEventsWhileBlocked() {
	if s.loop == nil {
		return
	}
	s.clusterHeartbeat() // the bus answers while a busy script serves events
	s.handlePendingWrites()
	s.loop.ProcessFileEvents(0)
	s.handlePendingWrites()
}

// enterScriptBusy puts the server in the BUSY state for run.
func (s *Server) enterScriptBusy(run *scriptRun) {
	run.timedOut = true
	c := run.caller
	if c.fd >= 0 && s.loop != nil {
		s.loop.DelFile(c.fd, loop.Readable)
	}
	s.readBuf = make([]byte, readChunk)
	// The caller's argv points into the old read buffer, which stays its own.
	msg := errBusyEval
	if !run.eval {
		msg = errBusyFunction
	}
	s.script.busyCheck = func(c *Client, cmd *Command) string {
		if cmd.Flags&FlagAllowBusy == 0 {
			return msg
		}
		// SHUTDOWN runs during a busy script only with NOSAVE (Redis's shutdownCommand).
		if cmd.Name == "shutdown" {
			for _, a := range c.argv[1:] {
				if eqFold(a, "nosave") {
					return ""
				}
			}
			return msg
		}
		return ""
	}
	s.script.busyIndex = len(s.lateCommandChecks)
	s.lateCommandChecks = append(s.lateCommandChecks, s.script.busyCheck)
}

// exitScriptBusy leaves the BUSY state once the script returned.
func (s *Server) exitScriptBusy(run *scriptRun) {
	if i := s.script.busyIndex; i < len(s.lateCommandChecks) {
		s.lateCommandChecks = append(s.lateCommandChecks[:i:i], s.lateCommandChecks[i+1:]...)
	}
	s.script.busyCheck = nil
	c := run.caller
	if c.fd >= 0 && s.loop != nil && c.flags&flagCloseASAP == 0 {
		if err := s.loop.AddFile(c.fd, loop.Readable, s.onReadable, nil); err != nil {
			s.log.Warn("restoring a client after a busy script", zap.Error(err))
		}
	}
}

// scriptKill is SCRIPT KILL (eval true) and FUNCTION KILL (Redis's scriptKill).
func (s *Server) scriptKill(c *Client, eval bool) {
	run := s.script.run
	switch {
	case run == nil:
		c.ReplyError("NOTBUSY No scripts in execution right now.")
	case run.dirty:
		c.ReplyError("UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.")
	case eval && !run.eval:
		c.ReplyError(errBusyFunction)
	case !eval && run.eval:
		c.ReplyError(errBusyEval)
	default:
		run.killed = true
		c.ReplyOK()
	}
}
