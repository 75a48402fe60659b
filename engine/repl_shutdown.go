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

import (
	"strconv"
	"time"
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
		s.log.Warn("User requested shutdown...")
		s.repl.getAck = true
		// Until the shutdown ends or is aborted (the cron ends it by the deadline).
		s.Pause(int64(s.cfg.ShutdownTimeout)*1000+60_000, true)
		s.log.Info("Waiting for replicas before shutting down.")
	}
	s.blockForKeys(c, &BlockSpec{Type: BlockNone, Data: shutdownWaitMark{}})
	sd.clients = append(sd.clients, c)
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
	now := time.Now().Unix()
	for _, rl := range s.repl.replicas {
		if rl.ackOff != s.repl.offset {
			s.log.Warn("Lagging replica " + s.replicaName(rl) + " reported offset " + strconv.FormatInt(rl.ackOff, 10) +
				" behind master, lag=" + strconv.FormatInt(now-rl.ackTime, 10) + ", state=" + replicaStateName(rl.state) + ".")
		}
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
	if !s.repl.shutdown.active {
		return false
	}
	s.replShutdownCancel()
	s.log.Info("Shutdown manually aborted.")
	return true
}

// replShutdownCancel ends the wait: writes resume, the SHUTDOWNs get an error.
func (s *Server) replShutdownCancel() {
	sd := &s.repl.shutdown
	clients := sd.clients
	*sd = replShutdownState{}
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
