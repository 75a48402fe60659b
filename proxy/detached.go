// The detached mode: a session whose next command needs a connection of its own
// (MULTI/WATCH, blocking commands, SUBSCRIBE) or asks every master (DBSIZE, SCAN,
// KEYS, INFO, FLUSHALL, ...) leaves the loop for a goroutine of its own. Those
// commands wait on a node for as long as they like, which the loop must never do,
// and they are rare, so a goroutine and Go's blocking I/O on a duplicate of the
// client's descriptor keep their code simple. The session returns to the loop as soon
// as it is in no transaction and no subscription.
//
// Ownership moves with the session: the loop hands it over only when every earlier
// request is answered (nothing of it is left in the loop), and takes it back through
// its mailbox; the two never touch a session at the same time.

package proxy

import (
	"golang.org/x/sys/unix"

	"github.com/keygrid/keygrid/engine/loop"
	"github.com/keygrid/keygrid/engine/resp"
)

// detach moves the session to a goroutine; loop goroutine, with q empty.
func (s *session) detach() {
	p := s.p
	p.loop.DelFile(s.fd, loop.Readable|loop.Writable)
	s.readOn, s.wantW = false, false
	conn, err := dupConn(s.fd)
	if err != nil {
		s.closeLoop()
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		conn.Close()
		s.closeLoop()
		return
	}
	s.detached = true
	s.conn = conn
	delete(p.lsessions, s)
	p.gsessions[s] = struct{}{}
	p.mu.Unlock()
	go s.runDetached()
}

// attach takes the session back on the loop and serves what it has buffered.
func (s *session) attach() {
	p := s.p
	s.detached, s.slow, s.close = false, false, false
	p.lsessions[s] = struct{}{}
	s.readOn = true
	if err := p.loop.AddFile(s.fd, loop.Readable, s.rh, s.wh); err != nil {
		s.closeLoop()
		return
	}
	if s.rn > 0 {
		s.process()
	}
}

// runDetached serves the session until it can go back to the loop or ends.
func (s *session) runDetached() {
	if s.wpos < len(s.wbuf) {
		s.wbuf = s.wbuf[s.wpos:]
	} else {
		s.wbuf = s.wbuf[:0]
	}
	s.wpos = 0
	for !s.close {
		pos := 0
		handoff := false
		for pos < s.rn && !s.close {
			s.parser.Unauth = !s.authed
			m, argv, err := s.parser.Parse(s.rbuf[pos:s.rn])
			if err != nil {
				s.wbuf = resp.AppendError(s.wbuf, err.Error())
				s.close = true
				break
			}
			if m == 0 {
				break
			}
			if len(argv) > 0 && !s.handleDetached(argv, s.rbuf[pos:pos+m]) {
				handoff = true
				break
			}
			pos += m
		}
		s.rn = copy(s.rbuf, s.rbuf[pos:s.rn])
		if !s.writeOut() {
			break
		}
		if s.close {
			break
		}
		if handoff || !s.tx.multi && s.sub == nil {
			s.reattach()
			return
		}
		if s.rn == len(s.rbuf) {
			s.rbuf = append(s.rbuf, make([]byte, len(s.rbuf))...)
		}
		n, err := s.conn.Read(s.rbuf[s.rn:])
		if err != nil {
			break
		}
		s.rn += n
	}
	s.endDetached()
}

// handleDetached runs one request in the detached mode; false hands it (and what
// follows) back to the loop.
func (s *session) handleDetached(argv [][]byte, raw []byte) bool {
	ci := s.p.cmds.lookup(argv[0], &s.scr)
	pinned := s.tx.multi || s.sub != nil
	if !pinned && (ci == nil || !isSlow(ci.kind)) {
		return false
	}
	s.p.metrics.totalCommands.Add(1)
	if ci != nil {
		ci.stats.calls.Inc()
	}
	if e := s.check(ci, argv); e != nil {
		s.wbuf = append(s.wbuf, e...)
		return true
	}
	switch {
	case s.sub != nil:
		s.subCommand(ci, argv, raw)
	case s.tx.multi || ci.kind == kindTxn:
		s.txCommand(ci, argv, raw)
	case ci.kind == kindSubscribe:
		s.subscribe(ci, argv, raw)
	case ci.kind == kindBlocking:
		s.blocking(ci, argv, raw)
	case ci.kind == kindAll:
		s.all(ci, argv, raw)
	}
	return true
}

// reattach gives the session back to the loop.
func (s *session) reattach() {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	s.conn.Close()
	s.conn = nil
	delete(p.gsessions, s)
	if p.closed {
		s.releaseDetached()
		return
	}
	p.loop.Submit(s.attach)
}

// endDetached closes a detached session.
func (s *session) endDetached() {
	p := s.p
	p.mu.Lock()
	s.conn.Close()
	s.conn = nil
	delete(p.gsessions, s)
	p.mu.Unlock()
	s.releaseDetached()
}

func (s *session) releaseDetached() {
	s.tx.release()
	if s.sub != nil {
		s.sub.Close()
		s.sub = nil
	}
	unix.Close(s.fd)
	s.closed = true
	s.p.metrics.clients.Add(-1)
}

// writeOut writes wbuf to the client in the detached mode; the lock orders it with the
// pub/sub forwarder.
func (s *session) writeOut() bool {
	if len(s.wbuf) == 0 {
		return true
	}
	s.wmu.Lock()
	_, err := s.conn.Write(s.wbuf)
	s.wmu.Unlock()
	s.wbuf = s.wbuf[:0]
	return err == nil
}
