package engine

// repl_sync_sock.go: the sockets of a diskless full sync, written by the loop
// (Redis's rdbPipeReadHandler / rdbPipeWriteHandler, which relay the child's
// pipe to the replicas from the parent's event loop).
//
// The snapshot hands its chunks to replSocketSink on the loop (a loopSink,
// snapshot.go) as the walk encodes them; each replica's socket (a duplicate of its
// descriptor, so that the loop's own registration of the client is untouched) is
// written without blocking, right away and then whenever it turns writable, and a
// chunk goes back to the snapshot once every replica still there has it. The walk
// pauses while too much is held (snapLoopMaxInflight) and resumes as the sockets
// drain.
//
// Why not a goroutine: a master pinned to one CPU runs Go with a single P, which
// the loop keeps while it walks; a writer goroutine then ran only when the
// scheduler preempted the loop (every 10 ms at best), and between those turns
// the replica had nothing to read (issue #6: 5M keys, keygrid's replica idle three
// quarters of the sync).

import (
	"time"

	"github.com/keygrid/keygrid/engine/loop"
	"github.com/keygrid/keygrid/replication"
	"golang.org/x/sys/unix"
)

// replSocketSink streams a snapshot to the replicas of a diskless sync, in the
// EOF-marked format: "$EOF:<mark>\r\n", the RDB, the mark. Loop goroutine only.
type replSocketSink struct {
	s       *Server
	sn      *snapshot
	mark    string
	targets []*replTarget
	// q holds the bytes not yet written to every live target, from stream
	// offset qBase on; qEnd is the offset after the last byte queued.
	q           []sinkChunk
	qBase, qEnd int64
	ended       bool  // loopEnd(nil) came: the mark is queued
	done        bool  // loopDone was called
	err         error // the first failure (every replica gone)
}

// sinkChunk is a run of the stream; pooled ones are the snapshot's chunks, given
// back with loopWritten.
type sinkChunk struct {
	b      []byte
	pooled bool
}

// replTarget is one replica of a diskless sync.
type replTarget struct {
	k  *replSocketSink
	rl *replicaLink
	fd int // dup of the replica's socket; -1 once closed
	// sent is how much of the stream it was written (INFO's repl output bytes).
	sent int64
	dead bool
	// watching: fd is in the loop's epoll set for writability.
	watching bool
	// lastPartial is when a write last left bytes behind (unix s), 0 once it
	// caught up: Redis's repl_last_partial_write, for repl-timeout.
	lastPartial int64
}

func newReplSocketSink(s *Server) *replSocketSink {
	return &replSocketSink{s: s, mark: replication.NewID()}
}

// addTarget adds the replica whose socket is fd (a duplicate the sink closes).
func (k *replSocketSink) addTarget(rl *replicaLink, fd int) *replTarget {
	t := &replTarget{k: k, rl: rl, fd: fd}
	k.targets = append(k.targets, t)
	return t
}

func (k *replSocketSink) Write([]byte) error {
	panic("replSocketSink is fed by the loop (loopSink), not by a writer goroutine")
}

func (k *replSocketSink) Finish(error) error {
	panic("replSocketSink is fed by the loop (loopSink), not by a writer goroutine")
}

func (k *replSocketSink) loopStart(sn *snapshot) {
	k.sn = sn
	k.push([]byte("$EOF:"+k.mark+"\r\n"), false)
}

func (k *replSocketSink) loopWrite(b []byte) {
	if k.done || k.err != nil {
		k.sn.loopWritten(b)
		return
	}
	k.push(b, true)
	k.pumpAll()
}

func (k *replSocketSink) loopEnd(err error) {
	if k.done {
		return
	}
	if err != nil || k.err != nil {
		if k.err != nil {
			err = k.err
		}
		k.finish(err)
		return
	}
	k.ended = true
	k.push([]byte(k.mark), false)
	k.pumpAll()
}

func (k *replSocketSink) push(b []byte, pooled bool) {
	k.q = append(k.q, sinkChunk{b: b, pooled: pooled})
	k.qEnd += int64(len(b))
}

// pumpAll writes to every target, then settles what that allows.
func (k *replSocketSink) pumpAll() {
	for _, t := range k.targets {
		k.pump(t)
	}
	k.settle()
}

// pump writes t as much as its socket takes without blocking; when it takes
// less than there is, the loop calls again once it is writable.
func (k *replSocketSink) pump(t *replTarget) {
	if t.dead {
		return
	}
	// Find the chunk t continues in.
	i, off := 0, t.sent-k.qBase
	for i < len(k.q) && off >= int64(len(k.q[i].b)) {
		off -= int64(len(k.q[i].b))
		i++
	}
	progressed := false
	for i < len(k.q) {
		p := k.q[i].b[off:]
		n, err := loop.Write(t.fd, p)
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			if progressed || t.lastPartial == 0 {
				t.lastPartial = time.Now().Unix()
			}
			if !t.watching {
				if werr := k.s.loop.AddFile(t.fd, loop.Writable, nil, func(int, loop.Mask) {
					k.pump(t)
					k.settle()
				}); werr != nil {
					k.fail(t, werr.Error())
					return
				}
				t.watching = true
			}
			return
		}
		if err != nil || n <= 0 {
			msg := "connection closed"
			if err != nil {
				msg = err.Error()
			}
			k.fail(t, msg)
			return
		}
		t.sent += int64(n)
		progressed = true
		if n < len(p) {
			off += int64(n)
			continue
		}
		i, off = i+1, 0
	}
	// Caught up.
	t.lastPartial = 0
	k.unwatch(t)
}

func (k *replSocketSink) unwatch(t *replTarget) {
	if t.watching {
		k.s.loop.DelFile(t.fd, loop.Writable)
		t.watching = false
	}
}

// fail drops a replica whose socket failed (Redis frees it at once).
func (k *replSocketSink) fail(t *replTarget, msg string) {
	k.s.log.Warn("Diskless rdb transfer, write error sending DB to replica: " + msg)
	k.close(t)
	k.s.freeClientAsync(t.rl.c)
}

// close stops writing t and closes its descriptor (the replica went away, or
// the transfer is over).
func (k *replSocketSink) close(t *replTarget) {
	if t.fd < 0 {
		return
	}
	k.unwatch(t)
	unix.Close(t.fd)
	t.fd = -1
	t.dead = true
}

// settle gives back the chunks every live target has, and ends the transfer
// when all is written or nobody is left.
func (k *replSocketSink) settle() {
	if k.done || k.sn == nil { // nil: the snapshot never started
		return
	}
	low, alive := k.qEnd, 0
	for _, t := range k.targets {
		if !t.dead {
			alive++
			low = min(low, t.sent)
		}
	}
	if alive == 0 {
		if k.err == nil {
			k.err = errNoReplicaLeft
			k.s.log.Warn("Diskless rdb transfer, last replica dropped, killing fork child.")
		}
		k.sn.writeErr.Store(true) // the walk stops at its next slice
		if k.ended {
			k.finish(k.err)
		} else {
			k.release(k.qEnd)
		}
		return
	}
	k.release(low)
	if k.ended && low == k.qEnd {
		k.finish(nil)
	}
}

// release gives back the chunks wholly before stream offset upTo.
func (k *replSocketSink) release(upTo int64) {
	n := 0
	for n < len(k.q) && k.qBase+int64(len(k.q[n].b)) <= upTo {
		c := k.q[n]
		k.qBase += int64(len(c.b))
		k.q[n] = sinkChunk{}
		if c.pooled {
			k.sn.loopWritten(c.b)
		}
		n++
	}
	if n > 0 {
		k.q = append(k.q[:0], k.q[n:]...)
	}
}

// finish ends the transfer: the queue is dropped (it is empty on success) and
// the snapshot told. The targets' descriptors stay open until replSyncDone.
func (k *replSocketSink) finish(err error) {
	if k.done {
		return
	}
	k.done = true
	for _, t := range k.targets {
		k.unwatch(t)
	}
	k.release(k.qEnd)
	k.sn.loopDone(err)
}

// replCheckSyncTimeouts drops the replicas of a diskless sync that took nothing
// for longer than repl-timeout (Redis's "Disconnecting timedout replica (full
// sync)"): the snapshot would otherwise wait for them.
func (s *Server) replCheckSyncTimeouts(now int64) {
	sync := s.repl.sync
	if sync == nil || sync.sink == nil {
		return
	}
	for _, t := range sync.sink.targets {
		if t.dead || t.lastPartial == 0 || now-t.lastPartial <= int64(s.cfg.ReplTimeout) {
			continue
		}
		if s.repl.links[t.rl.c] != t.rl {
			continue
		}
		s.log.Warn("Disconnecting timedout replica (full sync): " + s.replicaName(t.rl))
		sync.sink.close(t)
		s.freeClientAsync(t.rl.c)
	}
	sync.sink.settle()
}

// dupFD duplicates a socket descriptor for the sink (close-on-exec; the
// duplicate shares the original's non-blocking mode).
func dupFD(fd int) (int, error) {
	return unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
}
