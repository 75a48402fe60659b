package engine

// repl_sync.go: full resynchronization, master side (Redis's startBgsaveForReplication,
// rdbSaveToSlavesSockets, updateSlavesWaitingBgsave, sendBulkToSlave).
//
// A replica that cannot continue from the backlog waits (replWaitBgsaveStart) until
// a snapshot can start for it: at once, or, with repl-diskless-sync, after
// repl-diskless-sync-delay seconds so that replicas arriving together share one
// snapshot (or as soon as repl-diskless-sync-max-replicas wait). When it starts,
// each waiting replica gets "+FULLRESYNC <replid> <offset>" with the offset of that
// instant, and from then on it references the stream in the shared buffer
// (repl_buffer.go), which the loop does not write to it yet. The RDB goes out through a dup of the replica's socket:
//
//   - diskless (every waiting replica has capa eof): the forkless snapshot streams
//     straight to the sockets as "$EOF:<40 random hex>\r\n" + RDB + the same 40
//     characters, written by the loop without blocking as the walk encodes it
//     (replSocketSink, repl_sync_sock.go); the stream then starts at the replica's
//     first REPLCONF ACK, so that the mark is the last thing the replica reads;
//   - disk: a BGSAVE to dbfilename (as Redis does), then each replica is sent the
//     file by a goroutine as "$<length>\r\n" + its bytes, and the stream follows
//     at once.
//
// A replica that goes away during the transfer has its dup closed, which fails the
// goroutine's next write (disk) or drops it from the sink (diskless); a diskless
// snapshot whose replicas all went away stops.

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/keygrid/keygrid/replication"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// replSync is the full-sync snapshot in progress and the replicas it serves.
type replSync struct {
	diskless bool
	links    []*replicaLink
	sink     *replSocketSink // diskless only
	path     string          // disk only: the file to send
}

// replSyncSaving reports whether a full sync's snapshot is being written. Redis
// makes it with the same kind of child as BGSAVE (CHILD_TYPE_RDB), so meanwhile
// BGSAVE replies that a save is in progress and INFO shows rdb_bgsave_in_progress:1.
func (s *Server) replSyncSaving() bool {
	sn := s.persist.running
	return sn != nil && sn.opts.Kind == snapshotReplica
}

// replMaybeStartSync starts a full sync for a replica that just asked, unless it
// must wait: for the diskless delay, or for a snapshot in progress to end (the
// cron starts it then).
func (s *Server) replMaybeStartSync(rl *replicaLink) {
	switch {
	case s.replAttachToSync(rl):
		s.log.Info("Waiting for end of BGSAVE for SYNC")
	case s.repl.sync != nil:
		s.log.Info("Current BGSAVE for SYNC is in progress. Waiting for next BGSAVE for SYNC")
	case s.saveChildActive():
		s.log.Info("No BGSAVE in progress, but another BG operation is active. BGSAVE for replication delayed")
	case s.cfg.ReplDisklessSync && rl.capa&capaEOF != 0 && s.cfg.ReplDisklessSyncDelay > 0:
		s.log.Info("Delay next BGSAVE for diskless SYNC")
	default:
		s.replStartSync()
	}
}

// replAttachToSync joins a replica to the disk-based sync in progress when
// another replica of it is still waiting for the file (Redis's "CASE 1"): the
// snapshot is the same, and that replica's output buffer holds exactly the stream
// since the snapshot's instant, so the newcomer gets a copy of it.
func (s *Server) replAttachToSync(rl *replicaLink) bool {
	sync := s.repl.sync
	if sync == nil || sync.diskless {
		return false
	}
	var peer *replicaLink
	for _, x := range sync.links {
		if s.repl.links[x.c] == x && x.state == replWaitBgsaveEnd && !x.rdbOnly {
			peer = x
			break
		}
	}
	if peer == nil {
		return false
	}
	conn, err := dupConn(rl.c.fd)
	if err != nil {
		return false
	}
	rl.conn = conn
	s.replSetupFullResync(rl, peer.initialOffset)
	if !rl.rdbOnly {
		s.replCopyRef(rl, peer) // the same stream, from the same point
	}
	sync.links = append(sync.links, rl)
	return true
}

// replStartPendingSync starts the full sync waiting replicas need, when the time
// has come (Redis's shouldStartChildReplication, from the cron).
func (s *Server) replStartPendingSync() {
	if s.repl.sync != nil || s.saveChildActive() {
		return
	}
	now := time.Now().Unix()
	n, maxIdle := 0, int64(0)
	for _, rl := range s.repl.replicas {
		if rl.state == replWaitBgsaveStart {
			n++
			maxIdle = max(maxIdle, now-rl.waitSince)
		}
	}
	if n == 0 {
		return
	}
	if !s.cfg.ReplDisklessSync || (s.cfg.ReplDisklessSyncMaxReplicas > 0 && n >= s.cfg.ReplDisklessSyncMaxReplicas) ||
		maxIdle >= int64(s.cfg.ReplDisklessSyncDelay) {
		s.replStartSync()
	}
}

// replStartSync starts one snapshot for every waiting replica.
func (s *Server) replStartSync() {
	r := &s.repl
	var waiting []*replicaLink
	mincapa := -1
	for _, rl := range r.replicas {
		if rl.state == replWaitBgsaveStart {
			waiting = append(waiting, rl)
			mincapa &= rl.capa
		}
	}
	if len(waiting) == 0 {
		return
	}
	diskless := s.cfg.ReplDisklessSync && mincapa&capaEOF != 0
	target := "disk"
	if diskless {
		target = "replicas sockets"
	}
	s.log.Info("Starting BGSAVE for SYNC with target: " + target)
	sync := &replSync{diskless: diskless}
	if diskless {
		sync.sink = newReplSocketSink(s)
	}
	for _, rl := range waiting {
		if diskless {
			fd, err := dupFD(rl.c.fd)
			if err != nil {
				s.log.Warn("Can't prepare the replica socket for the RDB transfer", zap.Error(err))
				s.freeClientAsync(rl.c)
				continue
			}
			rl.target = sync.sink.addTarget(rl, fd)
			sync.links = append(sync.links, rl)
			continue
		}
		conn, err := dupConn(rl.c.fd)
		if err != nil {
			s.log.Warn("Can't prepare the replica socket for the RDB transfer", zap.Error(err))
			s.freeClientAsync(rl.c)
			continue
		}
		rl.conn = conn
		sync.links = append(sync.links, rl)
	}
	if len(sync.links) == 0 {
		return
	}
	// +FULLRESYNC names the offset of the snapshot's instant: now, since nothing
	// runs between here and the snapshot's start.
	offset := r.offset
	var err error
	if diskless {
		for _, rl := range sync.links {
			s.replSetupFullResync(rl, offset)
		}
		err = s.startSnapshot(sync.sink, snapshotOpts{Kind: snapshotReplica, Done: func(err error) { s.replSyncDone(sync, err) }})
	} else {
		if err = s.rdbSaveBackground(); err == nil {
			sync.path = s.rdbPath()
			sn := s.persist.running
			bgsaveDone := sn.opts.Done
			sn.opts.Done = func(err error) {
				bgsaveDone(err)
				s.replSyncDone(sync, err)
			}
			for _, rl := range sync.links {
				s.replSetupFullResync(rl, offset)
			}
		}
	}
	if err != nil {
		s.log.Warn("BGSAVE for replication failed", zap.Error(err))
		for _, rl := range sync.links {
			if r.links[rl.c] == rl {
				if rl.state == replWaitBgsaveStart {
					rl.c.ReplyError("ERR BGSAVE failed, replication can't continue")
					s.flushNow(rl.c)
				}
				s.freeClientAsync(rl.c)
			}
		}
		return
	}
	r.sync = sync
	// The stream each replica accumulates from here starts with a SELECT.
	s.ResetReplicationDB()
}

// replSetupFullResync tells a replica its full sync started (Redis's
// replicationSetupSlaveForFullResync): from here its output buffer collects the
// stream, which the loop holds back until the RDB is through.
func (s *Server) replSetupFullResync(rl *replicaLink, offset int64) {
	c := rl.c
	rl.initialOffset = offset
	rl.state = replWaitBgsaveEnd
	// No handler is installed: the flag alone makes the pending-write path skip
	// the client, so its buffer waits behind the RDB.
	c.flags |= flagWriteHandler
	if rl.preSync {
		return
	}
	// Written now, as Redis does: the socket's buffer is empty, and it must
	// precede the RDB that the transfer goroutine writes.
	c.out = append(c.out[:0], "+FULLRESYNC "+s.repl.id+" "+strconv.FormatInt(offset, 10)+"\r\n"...)
	c.sent = 0
	if !s.flushNow(c) {
		s.freeClientAsync(c)
	}
}

// replSyncDone runs on the loop when the snapshot of a full sync has finished.
func (s *Server) replSyncDone(sync *replSync, err error) {
	r := &s.repl
	if r.sync == sync {
		r.sync = nil
	}
	for _, rl := range sync.links {
		if r.links[rl.c] != rl || rl.state != replWaitBgsaveEnd {
			continue // gone meanwhile
		}
		if err != nil {
			if !s.persist.killedAtExit { // Redis exits before it reaps the child
				s.log.Warn("SYNC failed. BGSAVE child returned an error", zap.Error(err))
			}
			s.freeClientAsync(rl.c)
			continue
		}
		if sync.diskless {
			t := rl.target
			s.replCountPayload(t.sent)
			failed := t.dead // a write failed: it is being freed already
			s.replCloseTransfer(rl)
			if failed {
				s.freeClientAsync(rl.c)
				continue
			}
			s.log.Info("Streamed RDB transfer with replica " + s.replicaName(rl) +
				" succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming")
			if s.replPutOnline(rl) {
				if rl.ackedEarly {
					s.replStartStream(rl)
				} else {
					rl.startOnAck = true
				}
			}
			continue
		}
		rl.state = replSendBulk
		conn, path := rl.conn, sync.path
		timeout := time.Duration(s.cfg.ReplTimeout) * time.Second
		go func() {
			n, err := sendRDBFile(conn, path, timeout)
			s.Submit(func() { s.replBulkDone(rl, n, err) })
		}()
	}
	// Replicas that arrived during this sync may start theirs now.
	s.replStartPendingSync()
}

// replFilteredSync serves a replica that asked for an RDB without the data
// (rdb-filter-only): such a file holds the header and at most the function
// libraries, so it is made at once, on the loop, and streamed EOF-marked like a
// diskless one; the stream follows the replica's first ACK.
func (s *Server) replFilteredSync(rl *replicaLink) {
	conn, err := dupConn(rl.c.fd)
	if err != nil {
		s.freeClientAsync(rl.c)
		return
	}
	rl.conn = conn
	var buf bytes.Buffer
	w := s.newRDBWriter(&buf)
	libs := s.functionLibraries
	if rl.filter&filterNoFunctions != 0 {
		s.functionLibraries = nil // the header writes the libraries it is given
	}
	err = s.rdbWriteHeader(w, false)
	s.functionLibraries = libs
	if err == nil {
		err = w.WriteFooter()
	}
	if err != nil {
		s.log.Warn("Can't make the filtered RDB for replica "+s.replicaName(rl), zap.Error(err))
		s.freeClientAsync(rl.c)
		return
	}
	mark := replication.NewID()
	payload := append(append([]byte("$EOF:"+mark+"\r\n"), buf.Bytes()...), mark...)
	s.log.Info("Starting BGSAVE for SYNC with target: replicas sockets")
	s.replSetupFullResync(rl, s.repl.offset)
	s.ResetReplicationDB()
	timeout := time.Duration(s.cfg.ReplTimeout) * time.Second
	go func() {
		conn.SetWriteDeadline(time.Now().Add(timeout))
		n, err := conn.Write(payload)
		s.Submit(func() {
			s.replCountPayload(int64(n))
			if s.repl.links[rl.c] != rl || rl.state != replWaitBgsaveEnd {
				return
			}
			s.replCloseTransfer(rl)
			if err != nil {
				s.log.Warn("Write error sending DB to replica " + s.replicaName(rl) + ": " + err.Error())
				s.freeClientAsync(rl.c)
				return
			}
			if s.replPutOnline(rl) {
				if rl.ackedEarly {
					s.replStartStream(rl)
				} else {
					rl.startOnAck = true
				}
			}
		})
	}()
}

// replBulkDone runs on the loop when a disk-based RDB transfer ended.
func (s *Server) replBulkDone(rl *replicaLink, n int64, err error) {
	s.replCountPayload(n)
	if s.repl.links[rl.c] != rl {
		return
	}
	s.replCloseTransfer(rl)
	if err != nil {
		s.log.Warn("Write error sending DB to replica " + s.replicaName(rl) + ": " + err.Error())
		s.freeClientAsync(rl.c)
		return
	}
	if s.replPutOnline(rl) {
		s.replStartStream(rl)
	}
}

// replPutOnline marks a replica that received its RDB as online (Redis's
// replicaPutOnline); false for an rdb-only one, which is closed instead.
func (s *Server) replPutOnline(rl *replicaLink) bool {
	if rl.rdbOnly {
		rl.state = replRDBTransmitted
		s.log.Info("RDB transfer completed, rdb only replica (" + s.replicaName(rl) + ") should be disconnected asap")
		s.freeClientAsync(rl.c)
		return false
	}
	rl.state = replOnline
	rl.ackTime = time.Now().Unix()
	s.replRefreshGood()
	s.log.Info("Synchronization with replica " + s.replicaName(rl) + " succeeded")
	return true
}

// replStartStream lets the loop write the stream accumulated for a replica.
func (s *Server) replStartStream(rl *replicaLink) {
	rl.startOnAck = false
	c := rl.c
	c.flags &^= flagWriteHandler
	s.queueWrite(c) // what accumulated in the shared buffer meanwhile
}

// replCloseTransfer closes the dup of a replica's socket used for its RDB. A
// diskless sync's sink stops writing to it: the bytes only that replica still
// needed go back to the snapshot.
func (s *Server) replCloseTransfer(rl *replicaLink) {
	if rl.conn != nil {
		rl.conn.Close()
		rl.conn = nil
	}
	if t := rl.target; t != nil {
		rl.target = nil
		t.k.close(t)
		t.k.settle()
	}
}

// dupConn returns a net.Conn on a duplicate of fd: a goroutine can then write to
// the socket with deadlines, and closing it never closes the loop's descriptor.
func dupConn(fd int) (net.Conn, error) {
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(nfd), "replica")
	conn, err := net.FileConn(f) // dups again: f is closed below either way
	f.Close()
	return conn, err
}

// sendRDBFile sends path as the bulk payload of a disk-based full sync.
func sendRDBFile(conn net.Conn, path string, timeout time.Duration) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	var sent int64
	write := func(p []byte) error {
		conn.SetWriteDeadline(time.Now().Add(timeout))
		n, err := conn.Write(p)
		sent += int64(n)
		return err
	}
	if err := write([]byte("$" + strconv.FormatInt(st.Size(), 10) + "\r\n")); err != nil {
		return sent, err
	}
	buf := make([]byte, 64<<10)
	for left := st.Size(); left > 0; {
		n, err := f.Read(buf[:min(int64(len(buf)), left)])
		if n > 0 {
			if werr := write(buf[:n]); werr != nil {
				return sent, werr
			}
			left -= int64(n)
		}
		if err != nil && left > 0 {
			if err == io.EOF {
				err = errors.New("premature EOF")
			}
			return sent, err
		}
	}
	return sent, nil
}

var errNoReplicaLeft = errors.New("diskless sync: every replica went away")
