package engine

// The software watchdog (watchdog-period, a hidden directive): Redis arms a SIGALRM
// timer of that period at every serverCron; a loop stuck in one command for longer
// lets it fire, and the handler logs "--- WATCHDOG TIMER EXPIRED ---" with the stack
// of what is stuck, once per stall. keygrid's loop leaves the time of its last cron
// in an atomic, and a goroutine plays the timer: it logs the same lines with every
// goroutine's stack (the loop's shows the command that holds it).

import (
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/keygrid/keygrid/internal/redislog"
)

type watchdog struct {
	armed  atomic.Int64 // unix nanoseconds of the last cron, 0: not armed
	period atomic.Int64 // milliseconds, 0: off
	fired  atomic.Bool  // this stall was reported
	stop   chan struct{}
}

func (s *Server) initWatchdog() {
	s.applyWatchdogPeriod()
	s.configApplyHooks = append(s.configApplyHooks, func(changed []string) error {
		if slices.Contains(changed, "watchdog-period") || slices.Contains(changed, "hz") {
			s.applyWatchdogPeriod()
		}
		return nil
	})
}

// applyWatchdogPeriod is Redis's: off at 0; else at least two cron periods (a
// shorter one would fire between two crons of a loop that is fine), which
// CONFIG GET then shows.
func (s *Server) applyWatchdogPeriod() {
	w := &s.watchdog
	if s.cfg.WatchdogPeriod == 0 {
		w.period.Store(0)
		if w.stop != nil {
			close(w.stop)
			w.stop = nil
		}
		return
	}
	if minPeriod := 1000 / max(s.hz, 1) * 2; s.cfg.WatchdogPeriod < minPeriod {
		s.cfg.WatchdogPeriod = minPeriod
	}
	w.period.Store(int64(s.cfg.WatchdogPeriod))
	w.rearm()
	if w.stop == nil {
		w.stop = make(chan struct{})
		go w.run(s, w.stop)
	}
}

// rearm is watchdogScheduleSignal, from the cron.
func (w *watchdog) rearm() {
	w.armed.Store(time.Now().UnixNano())
	w.fired.Store(false)
}

// run fires when the loop has not rearmed for a period (its own goroutine).
func (w *watchdog) run(s *Server, stop chan struct{}) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-tick.C:
			p := w.period.Load()
			if p == 0 || w.fired.Load() || now.UnixNano()-w.armed.Load() < p*int64(time.Millisecond) {
				continue
			}
			w.fired.Store(true)
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			s.log.Warn(redislog.FromHandler("\n--- WATCHDOG TIMER EXPIRED ---"), redislog.Raw())
			s.log.Warn("\n------ STACK TRACE ------\n\nBacktrace:\n"+string(buf), redislog.Raw())
			s.log.Warn(redislog.FromHandler("--------\n"), redislog.Raw())
		}
	}
}
