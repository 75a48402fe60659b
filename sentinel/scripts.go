// User scripts: notification-script and client-reconfig-script, run with the
// queue rules of Redis Sentinel 7.0: at most 16 running at once, at most 256
// queued (the oldest waiting one is dropped), a job that exits 1 or dies by a
// signal is retried up to 10 times with a doubling delay, any other non-zero
// exit is reported as -script-error and dropped, and a job running longer than
// SCRIPT-MAX-RUNTIME is killed. The queue is driven from the sentinel's timer.

package sentinel

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/keygrid/keygrid/engine/resp"
)

const (
	scriptMaxQueue   = 256
	scriptMaxRunning = 16
	scriptMaxRetry   = 10
)

type scriptJob struct {
	argv     []string // argv[0] is the script's path
	running  bool
	start    time.Time // run start, or (not running) earliest next run; zero: now
	retryNum int
	pid      int
	proc     *os.Process
	// Set by the waiter goroutine when the process ended.
	exited   bool
	exitCode int
	signal   int
}

type scriptQueue struct {
	mu      sync.Mutex
	jobs    []*scriptJob
	running int
}

// scheduleScript queues path with args (Redis's sentinelScheduleScriptExecution).
func (s *Sentinel) scheduleScript(path string, args ...string) {
	if path == "" {
		return
	}
	q := &s.scripts
	j := &scriptJob{argv: append([]string{path}, args...)}
	q.mu.Lock()
	q.jobs = append(q.jobs, j)
	if len(q.jobs) > scriptMaxQueue {
		for i, o := range q.jobs {
			if !o.running {
				q.jobs = append(q.jobs[:i], q.jobs[i+1:]...)
				break
			}
		}
	}
	q.mu.Unlock()
}

// clientReconfScript schedules m's client-reconfig-script:
// <master-name> <role> <state> <from-ip> <from-port> <to-ip> <to-port>.
// The caller holds s.mu.
func (s *Sentinel) clientReconfScriptLocked(m *master, role, state, fromIP string, fromPort int, toIP string, toPort int) {
	if m.cfg.ClientReconfigScript == "" {
		return
	}
	s.scheduleScript(m.cfg.ClientReconfigScript, m.name, role, state, fromIP, strconv.Itoa(fromPort),
		toIP, strconv.Itoa(toPort))
}

// scriptsTick runs pending jobs, collects the ended ones and kills those over
// their run time, in that order, as Redis's timer does. Events are emitted after
// the queue's lock is released.
func (s *Sentinel) scriptsTick() {
	type ev struct{ typ, msg string }
	var evs []ev
	q := &s.scripts
	now := time.Now()
	q.mu.Lock()
	// Run pending jobs, oldest first.
	for _, j := range q.jobs {
		if q.running >= scriptMaxRunning {
			break
		}
		if j.running || (!j.start.IsZero() && j.start.After(now)) {
			continue
		}
		j.running, j.start, j.exited = true, time.Now(), false
		j.retryNum++
		q.running++
		// No shell and no PATH look-up: the path is executed as given (relative
		// to dir), as execve does.
		cmd := &exec.Cmd{Path: j.argv[0], Args: j.argv, Stdout: os.Stdout, Stderr: os.Stderr}
		if err := cmd.Start(); err != nil {
			// Redis's child exits 2 when execve fails: an error not retried.
			j.pid, j.exited, j.exitCode = 0, true, 2
			continue
		}
		j.pid, j.proc = cmd.Process.Pid, cmd.Process
		s.log.Debug("+script-child " + strconv.Itoa(j.pid))
		go func(j *scriptJob, cmd *exec.Cmd) {
			err := cmd.Wait()
			code, sig := 0, 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok {
					code = ws.ExitStatus()
					if ws.Signaled() {
						code, sig = 0, int(ws.Signal())
					}
				}
			} else if err != nil {
				code = 2
			}
			q.mu.Lock()
			j.exited, j.exitCode, j.signal = true, code, sig
			q.mu.Unlock()
		}(j, cmd)
	}
	// Collect the ended ones.
	kept := q.jobs[:0]
	for _, j := range q.jobs {
		if !j.running || !j.exited {
			kept = append(kept, j)
			continue
		}
		s.log.Debug("-script-child " + strconv.Itoa(j.pid) + " " + strconv.Itoa(j.exitCode) + " " + strconv.Itoa(j.signal))
		q.running--
		if (j.signal != 0 || j.exitCode == 1) && j.retryNum != scriptMaxRetry {
			j.running, j.exited, j.pid, j.proc = false, false, 0, nil
			j.start = time.Now().Add(s.scriptRetryDelay(j.retryNum))
			kept = append(kept, j)
			continue
		}
		if j.signal != 0 || j.exitCode != 0 {
			evs = append(evs, ev{"-script-error", j.argv[0] + " " + strconv.Itoa(j.signal) + " " + strconv.Itoa(j.exitCode)})
		}
	}
	for i := len(kept); i < len(q.jobs); i++ {
		q.jobs[i] = nil
	}
	q.jobs = kept
	// Kill those running too long; the waiter reports their end.
	max := s.tm.get(tScriptMaxRuntime)
	for _, j := range q.jobs {
		if j.running && !j.exited && j.proc != nil && now.Sub(j.start) > max {
			evs = append(evs, ev{"-script-timeout", j.argv[0] + " " + strconv.Itoa(j.pid)})
			_ = j.proc.Signal(syscall.SIGKILL)
		}
	}
	q.mu.Unlock()
	for _, e := range evs {
		s.emit(e.typ, e.msg, "")
	}
}

// scriptRetryDelay is SCRIPT-RETRY-DELAY doubled for every retry after the first.
func (s *Sentinel) scriptRetryDelay(retryNum int) time.Duration {
	d := s.tm.get(tScriptRetryDelay)
	for ; retryNum > 1; retryNum-- {
		d *= 2
	}
	return d
}

// scriptCounts returns the running jobs and the queue length, for INFO.
func (s *Sentinel) scriptCounts() (running, queued int) {
	s.scripts.mu.Lock()
	defer s.scripts.mu.Unlock()
	return s.scripts.running, len(s.scripts.jobs)
}

// appendPendingScripts is SENTINEL PENDING-SCRIPTS's reply.
func (s *Sentinel) appendPendingScripts(b []byte, proto int) []byte {
	q := &s.scripts
	q.mu.Lock()
	defer q.mu.Unlock()
	now := time.Now()
	b = resp.AppendArray(b, len(q.jobs))
	for _, j := range q.jobs {
		b = resp.AppendMap(b, 5, proto)
		b = resp.AppendBulkString(b, "argv")
		b = resp.AppendArray(b, len(j.argv))
		for _, a := range j.argv {
			b = resp.AppendBulkString(b, a)
		}
		b = resp.AppendBulkString(b, "flags")
		if j.running {
			b = resp.AppendBulkString(b, "running")
		} else {
			b = resp.AppendBulkString(b, "scheduled")
		}
		b = resp.AppendBulkString(b, "pid")
		b = resp.AppendBulkInt(b, int64(j.pid))
		if j.running {
			b = resp.AppendBulkString(b, "run-time")
			b = resp.AppendBulkInt(b, now.Sub(j.start).Milliseconds())
		} else {
			var d int64
			if !j.start.IsZero() {
				d = j.start.Sub(now).Milliseconds()
			}
			if d < 0 {
				d = 0
			}
			b = resp.AppendBulkString(b, "run-delay")
			b = resp.AppendBulkInt(b, d)
		}
		b = resp.AppendBulkString(b, "retry-num")
		b = resp.AppendBulkInt(b, int64(j.retryNum))
	}
	return b
}
