// Dedicated connections: transactions (MULTI/EXEC with WATCH), blocking commands and
// pub/sub need server-side state tied to one connection, so such a client gets a
// backend connection of its own for as long as the state lives.

package proxy

import (
	"errors"
	"net"
	"sync"
	"time"
)

// txState is a session's transaction: the commands of a MULTI go to one node, on a
// connection pinned at the first keyed command (or at WATCH), and must share a slot.
type txState struct {
	conn     *syncConn
	slot     int // the transaction's slot, -1 until a keyed command fixes it
	multi    bool
	watching bool
	dirty    bool     // a command was refused at the proxy: EXEC must abort
	queued   [][]byte // keyless commands queued before the node was known
}

func (t *txState) active() bool { return t.multi }

func (t *txState) release() {
	if t.conn != nil {
		t.conn.Close()
	}
	*t = txState{slot: -1}
}

// pin opens the dedicated connection to the node serving slot (any master for -1).
func (s *session) pin(slot int) error {
	c, err := dialHandshake(s.p.cfg, s.p.pickAddr(slot, false, 0), s.proto, false)
	if err != nil {
		return err
	}
	s.tx.conn = &syncConn{Conn: c}
	s.tx.slot = slot
	return nil
}

// roundTrip sends cmds on the pinned connection and returns the last reply.
func (s *session) roundTrip(cmds ...[]byte) []byte {
	var all []byte
	for _, c := range cmds {
		all = append(all, c...)
	}
	if _, err := s.tx.conn.Write(all); err != nil {
		return []byte("-ERR proxy: transaction connection lost\r\n")
	}
	var last []byte
	for range cmds {
		r, err := s.tx.conn.readReply()
		if err != nil {
			return []byte("-ERR proxy: transaction connection lost\r\n")
		}
		last = r
	}
	return last
}

var (
	cmdMulti   = []byte("*1\r\n$5\r\nMULTI\r\n")
	cmdDiscard = []byte("*1\r\n$7\r\nDISCARD\r\n")
)

// startMulti pins to slot and replays MULTI and the keyless commands queued so far.
func (s *session) startMulti(slot int) []byte {
	if err := s.pin(slot); err != nil {
		return []byte("-ERR proxy: " + err.Error() + "\r\n")
	}
	cmds := append([][]byte{cmdMulti}, s.tx.queued...)
	s.tx.queued = nil
	return s.roundTrip(cmds...)
}

func (s *session) txCommand(ci *cmdInfo, argv [][]byte, raw []byte) {
	t := &s.tx
	if t.conn == nil && !t.multi && !t.watching {
		t.slot = -1
	}
	if s.parser.Inline {
		raw = encodeArgs(nil, argv)
	} else {
		raw = append([]byte(nil), raw...)
	}
	out := func(b []byte) { s.wbuf = append(s.wbuf, b...) }
	keySlot := func() int {
		s.keyIdx = ci.keyIndexes(argv, s.keyIdx[:0])
		return slotOf(argv, s.keyIdx)
	}
	switch ci.name {
	case "multi":
		if t.multi {
			out([]byte("-ERR MULTI calls can not be nested\r\n"))
			return
		}
		t.multi = true
		if t.conn != nil {
			out(s.roundTrip(raw))
			return
		}
		out([]byte("+OK\r\n"))
	case "exec":
		if !t.multi {
			out([]byte("-ERR EXEC without MULTI\r\n"))
			return
		}
		defer t.release()
		if t.dirty {
			if t.conn != nil {
				s.roundTrip(cmdDiscard)
			}
			out([]byte("-EXECABORT Transaction discarded because of previous errors.\r\n"))
			return
		}
		if t.conn == nil {
			if r := s.startMulti(-1); r[0] == '-' {
				out(r)
				return
			}
		}
		out(s.roundTrip(raw))
	case "discard":
		if !t.multi {
			out([]byte("-ERR DISCARD without MULTI\r\n"))
			return
		}
		if t.conn != nil {
			s.roundTrip(raw)
		}
		t.release()
		out([]byte("+OK\r\n"))
	case "watch":
		if t.multi {
			out([]byte("-ERR WATCH inside MULTI is not allowed\r\n"))
			return
		}
		slot := keySlot()
		if slot == -2 || t.slot >= 0 && slot != t.slot {
			out([]byte(errCrossSlot))
			return
		}
		if t.conn == nil {
			if err := s.pin(slot); err != nil {
				out([]byte("-ERR proxy: " + err.Error() + "\r\n"))
				return
			}
		}
		t.watching = true
		out(s.roundTrip(raw))
	case "unwatch":
		if t.conn != nil && !t.multi {
			out(s.roundTrip(raw))
			t.release()
			return
		}
		out([]byte("+OK\r\n"))
	default: // a command inside MULTI
		slot := keySlot()
		if slot == -2 || slot >= 0 && t.slot >= 0 && slot != t.slot {
			t.dirty = true
			out([]byte(errCrossSlot))
			return
		}
		if t.conn == nil {
			if slot < 0 {
				t.queued = append(t.queued, raw)
				out([]byte("+QUEUED\r\n"))
				return
			}
			if r := s.startMulti(slot); r[0] == '-' {
				t.dirty = true
				out(r)
				return
			}
		}
		out(s.roundTrip(raw))
	}
}

// blockPool keeps idle dedicated connections for blocking commands, per node and
// protocol, so a BLPOP does not cost a dial each time.
type blockPool struct {
	mu   sync.Mutex
	idle map[backendKey][]*syncConn
}

func (bp *blockPool) get(p *Proxy, k backendKey) (*syncConn, error) {
	bp.mu.Lock()
	if l := bp.idle[k]; len(l) > 0 {
		c := l[len(l)-1]
		bp.idle[k] = l[:len(l)-1]
		bp.mu.Unlock()
		return c, nil
	}
	bp.mu.Unlock()
	c, err := dialHandshake(p.cfg, k.addr, k.proto, false)
	if err != nil {
		return nil, err
	}
	return &syncConn{Conn: c}, nil
}

// closeAll closes the idle connections (at shutdown).
func (bp *blockPool) closeAll() {
	bp.mu.Lock()
	defer bp.mu.Unlock()
	for k, l := range bp.idle {
		for _, c := range l {
			c.Close()
		}
		delete(bp.idle, k)
	}
}

func (bp *blockPool) put(k backendKey, c *syncConn) {
	bp.mu.Lock()
	defer bp.mu.Unlock()
	if bp.idle == nil {
		bp.idle = map[backendKey][]*syncConn{}
	}
	if len(bp.idle[k]) >= 16 || c.buffered() {
		c.Close()
		return
	}
	bp.idle[k] = append(bp.idle[k], c)
}

// blocking runs a blocking command on a dedicated connection, following redirections.
func (s *session) blocking(ci *cmdInfo, argv [][]byte, raw []byte) {
	s.keyIdx = ci.keyIndexes(argv, s.keyIdx[:0])
	slot := slotOf(argv, s.keyIdx)
	if slot == -2 {
		s.wbuf = append(s.wbuf, errCrossSlot...)
		return
	}
	cmd := raw
	if s.parser.Inline {
		cmd = encodeArgs(nil, argv)
	}
	addr := s.p.pickAddr(slot, false, 0)
	var asking bool
	for range 5 {
		k := backendKey{addr: addr, proto: s.proto}
		c, err := s.p.blocked.get(s.p, k)
		if err != nil {
			s.wbuf = append(s.wbuf, "-ERR proxy: "+err.Error()+"\r\n"...)
			return
		}
		out := cmd
		if asking {
			out = append([]byte("*1\r\n$6\r\nASKING\r\n"), cmd...)
		}
		var reply []byte
		_, err = c.Write(out)
		stop := s.watchClient(c)
		if err == nil && asking {
			_, err = c.readReply()
		}
		if err == nil {
			reply, err = c.readReply()
		}
		gone := stop()
		if err != nil {
			c.Close()
			if gone {
				s.close = true
				return
			}
			s.wbuf = append(s.wbuf, "-ERR proxy: blocking connection lost\r\n"...)
			return
		}
		s.p.blocked.put(k, c)
		switch redirectKind(reply) {
		case "moved":
			_, addr = parseRedirect(reply)
			asking = false
			s.p.topo.refreshSoon()
			continue
		case "ask":
			_, addr = parseRedirect(reply)
			asking = true
			continue
		}
		s.wbuf = append(s.wbuf, reply...)
		return
	}
	s.wbuf = append(s.wbuf, "-ERR proxy: too many redirections\r\n"...)
}

// watchClient notices the client leaving while it waits for a blocking command: it
// then closes the dedicated connection, which ends the command on the node too (else a
// BLPOP k 0 of a vanished client would hold a connection forever). Bytes the client
// pipelines meanwhile are kept for the session. stop ends the watch and reports
// whether the client is gone.
func (s *session) watchClient(c *syncConn) (stop func() bool) {
	type result struct {
		data []byte
		gone bool
	}
	done := make(chan result, 1)
	go func() {
		buf := make([]byte, 4096)
		n, err := s.conn.Read(buf)
		if err != nil && !isTimeout(err) {
			c.Close()
			done <- result{gone: true}
			return
		}
		done <- result{data: buf[:n]}
	}()
	return func() bool {
		s.conn.SetReadDeadline(time.Now()) // interrupt the watcher's read
		r := <-done
		s.conn.SetReadDeadline(time.Time{})
		if len(r.data) > 0 {
			s.rbuf = append(s.rbuf[:s.rn], r.data...)
			s.rn += len(r.data)
			s.rbuf = s.rbuf[:cap(s.rbuf)]
		}
		return r.gone
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
