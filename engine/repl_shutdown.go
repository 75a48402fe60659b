package engine

// repl_shutdown.go: SHUTDOWN waits for lagging replicas (Redis 7.0's
// prepareForShutdown / isReadyToShutdown / finishShutdown / abortShutdown).
//
// A SHUTDOWN without NOW, on a master whose replicas have not all acknowledged
// master_repl_offset, does not stop at once: writes are paused, the replicas are
// asked for an ACK (REPLCONF GETACK), and the SHUTDOWN client blocks. The cron
// finishes the shutdown as soon as every replica caught up, or when
// shutdown-timeout seconds have passed (logging the replicas still behind). SHUTDOWN
// ABORT cancels the wait: the writes resume and the waiting SHUTDOWNs get an error.
// A shutdown that then fails (its save did) replies that error too and resumes.
//
// SIGTERM and SIGINT take the same path (Redis's shutdown_asap, handled by
// serverCron with prepareForShutdown): the flags come from shutdown-on-sigterm /
// shutdown-on-sigint, so unless those say "now" the signal also waits for lagging
// replicas, up to shutdown-timeout. A second SIGINT while that shutdown is pending
// makes the process exit at once with status 1 ("You insist... exiting now.").

import (
	"github.com/keygrid/keygrid/internal/redislog"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/keygrid/keygrid/engine/config"
)

// replShutdownState is a SHUTDOWN waiting for replicas.
type replShutdownState struct {
	active              bool
	deadline            int64 // unix ms
	nosave, save, force bool
	clients             []*Client
}

// shutdownWaitMark is the blocked SHUTDOWN clients' block data.
type shutdownWaitMark struct{}

const errShutdownFailed = "ERR Errors trying to SHUTDOWN. Check logs."

// shutdownRequested is the start of Redis's prepareForShutdown: the log line, and
// systemd told the service is stopping. A shutdown already waiting for its replicas
// does not come here again.
func (s *Server) shutdownRequested() {
	s.log.Warn("User requested shutdown...")
	s.sup.Notify("STOPPING=1\n")
}

// replReadyToShutdown reports whether every replica acknowledged everything.
func (s *Server) replReadyToShutdown() bool {
	for _, rl := range s.repl.replicas {
		if rl.ackOff != s.repl.offset {
			return false
		}
	}
	return true
}

// replShutdownWait blocks c, a SHUTDOWN without NOW, until the replicas caught up,
// and reports whether it did; false means the shutdown may proceed now.
func (s *Server) replShutdownWait(c *Client, nosave, save, force bool) bool {
	sd := &s.repl.shutdown
	if !sd.active {
		if s.cfg.ShutdownTimeout == 0 || s.isReplica() || s.replReadyToShutdown() {
			return false
		}
		*sd = replShutdownState{active: true, nosave: nosave, save: save, force: force,
			deadline: time.Now().UnixMilli() + int64(s.cfg.ShutdownTimeout)*1000}
		s.shutdownRequested()
		s.repl.getAck = true
		// Until the shutdown ends or is aborted (the cron ends it by the deadline).
		s.Pause(int64(s.cfg.ShutdownTimeout)*1000+60_000, true)
		s.log.Info("Waiting for replicas before shutting down.")
	}
	if c != nil { // nil: a signal's shutdown, which nobody waits on
		s.blockForKeys(c, &BlockSpec{Type: BlockNone, Data: shutdownWaitMark{}})
		sd.clients = append(sd.clients, c)
	}
	return true
}

// replShutdownCron finishes a waiting shutdown when it may (from the cron).
func (s *Server) replShutdownCron() {
	sd := &s.repl.shutdown
	if !sd.active {
		return
	}
	if !s.replReadyToShutdown() && time.Now().UnixMilli() < sd.deadline {
		return
	}
	nosave, save, force := sd.nosave, sd.save, sd.force
	err := s.prepareShutdownAndStop(nosave, save)
	if err != nil && force {
		err = s.prepareShutdownAndStop(true, false)
	}
	if err == nil {
		return // the loop stops: the blocked clients are closed with it
	}
	s.log.Warn("Errors trying to shut down the server. Check the logs for more information.")
	s.replShutdownCancel()
}

// replShutdownAbort is SHUTDOWN ABORT: false when no shutdown is waiting.
func (s *Server) replShutdownAbort() bool {
	if !s.repl.shutdown.active && s.sigPending != 0 {
		// A signal asked for a shutdown the cron has not started yet.
		s.sigPending = 0
		s.repl.signalled.Store(false)
		s.log.Info("Shutdown manually aborted.")
		return true
	}
	if !s.repl.shutdown.active {
		return false
	}
	s.replShutdownCancel()
	s.log.Info("Shutdown manually aborted.")
	return true
}

// replShutdownCancel ends the wait: writes resume, the SHUTDOWNs get an error.
// A signal's shutdown is over too (Redis's cancelShutdown clears shutdown_asap).
func (s *Server) replShutdownCancel() {
	sd := &s.repl.shutdown
	clients := sd.clients
	*sd = replShutdownState{}
	s.repl.signalled.Store(false)
	for _, c := range clients {
		if _, ok := c.blockData().(shutdownWaitMark); !ok || c.fd < 0 {
			continue
		}
		c.ReplyError(errShutdownFailed)
		s.unblockClient(c, true)
	}
	s.Unpause()
}

func replicaStateName(st replicaState) string {
	switch st {
	case replWaitBgsaveStart, replWaitBgsaveEnd:
		return "wait_bgsave"
	case replSendBulk:
		return "send_bulk"
	case replOnline:
		return "online"
	}
	return ""
}

// replShutdownLog is the first shutdown hook: every shutdown, waiting or not,
// first logs each replica that has not acknowledged master_repl_offset and how many
// are in sync (the start of Redis's finishShutdown).
func (s *Server) replShutdownLog(bool, bool) error {
	r := &s.repl
	if len(r.replicas) == 0 {
		return nil
	}
	now := time.Now().Unix()
	lagging := 0
	for _, rl := range r.replicas {
		if rl.ackOff == r.offset {
			continue
		}
		lagging++
		lag := int64(0) // Redis reports a lag for online replicas only
		if rl.state == replOnline {
			lag = now - rl.ackTime
		}
		s.log.Warn("Lagging replica " + s.replicaName(rl) + " reported offset " + strconv.FormatInt(r.offset-rl.ackOff, 10) +
			" behind master, lag=" + strconv.FormatInt(lag, 10) + ", state=" + replicaStateName(rl.state) + ".")
	}
	s.log.Info(strconv.Itoa(len(r.replicas)-lagging) + " of " + strconv.Itoa(len(r.replicas)) + " replicas are in sync when shutting down.")
	return nil
}

// ShutdownSignal handles a SIGTERM or SIGINT (the node's signal goroutine calls
// it; Redis's sigShutdownHandler): the loop starts a shutdown as SHUTDOWN would,
// with the flags of shutdown-on-sigterm / shutdown-on-sigint. It returns true when
// the caller must exit the process at once with status 1: a SIGINT while a
// signal's shutdown is still pending (the user insists).
func (s *Server) ShutdownSignal(sig syscall.Signal) (exitNow bool) {
	if sig == syscall.SIGINT && s.repl.signalled.Load() {
		s.log.Warn(redislog.FromHandler("You insist... exiting now."), redislog.Raw())
		// The save in progress is abandoned: its temp file goes (rdbRemoveTempFile).
		os.Remove(s.rdbTempPath())
		return true
	}
	switch {
	case s.repl.loading.Load():
		// Redis's sigShutdownHandler: the shutdown (unsaved) happens at the
		// load's next event processing.
		s.log.Warn(redislog.FromHandler("Received shutdown signal during loading, scheduling shutdown."), redislog.Raw())
	case sig == syscall.SIGINT:
		s.log.Warn(redislog.FromHandler("Received SIGINT scheduling shutdown..."), redislog.Raw())
	case sig == syscall.SIGTERM:
		s.log.Warn(redislog.FromHandler("Received SIGTERM scheduling shutdown..."), redislog.Raw())
	default:
		s.log.Warn(redislog.FromHandler("Received shutdown signal, scheduling shutdown..."), redislog.Raw())
	}
	s.repl.signalled.Store(true)
	s.loop.Submit(func() { s.sigPending = sig }) // serverCron acts on it, as on shutdown_asap
	return false
}

// signalShutdown is serverCron's shutdown_asap branch, on the loop.
func (s *Server) signalShutdown(sig syscall.Signal) {
	if s.repl.shutdown.active {
		return // a shutdown already waits for the replicas: the cron ends it
	}
	flags := s.cfg.ShutdownOnSigterm
	if sig == syscall.SIGINT {
		flags = s.cfg.ShutdownOnSigint
	}
	nosave, save := flags&config.ShutdownNoSave != 0, flags&config.ShutdownSave != 0
	now, force := flags&config.ShutdownNow != 0, flags&config.ShutdownForce != 0
	if !now && s.replShutdownWait(nil, nosave, save, force) {
		return // the cron finishes it (replShutdownCron)
	}
	s.shutdownRequested()
	err := s.prepareShutdownAndStop(nosave, save)
	if err != nil && force {
		err = s.prepareShutdownAndStop(true, false)
	}
	if err != nil {
		s.log.Warn("Errors trying to shut down the server. Check the logs for more information.")
		s.repl.signalled.Store(false)
	}
}
