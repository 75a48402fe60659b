package gossip

// Cluster bus links: what CLUSTER LINKS lists, DEBUG CLUSTERLINK KILL frees and
// cluster-link-sendbuf-limit bounds.
//
// Redis keeps two TCP connections between every pair of nodes: the link "to" a
// peer, which myself dialed and writes its messages on, and the link "from" it,
// which the peer dialed. keygrid's bus has them too, beside memberlist (whose
// probes and gossip are packets, and whose reliable messages open one stream
// each): every node dials every node it knows on its bus port, the connection
// starting with linkMagic (the transport hands such streams to acceptLink
// instead of memberlist), then frames: a 4-byte big-endian length and that many
// bytes. The first frame is the hello (linkVersion and the dialer's id), each
// next one a message of the dialer's to that peer, in order. With a
// cluster-bus-secret every frame is sealed with AES-GCM under the bus's key
// (linkSealer), as memberlist seals its own traffic: a link neither carries
// plaintext nor accepts a message from a node without the key.
//
//   - The "to" link is the connection myself dialed and its send buffer: the
//     messages queued and not yet written. A peer that stops reading (SIGSTOP)
//     fills the kernel's buffers and then this one, as Redis's sndbuf grows, and
//     cluster-link-sendbuf-limit frees it. Small messages with nothing queued
//     ahead of them still go as one packet (memberlist's), at once.
//   - The "from" link is the connection the peer dialed.
//
// A link freed (killed, over the limit, broken, or dropped by Redis's reconnect
// rule) loses what it buffered; the next linkCron (100 ms) dials again. While a
// to-link is killed and not yet re-created, messages to the peer are dropped, as
// Redis drops them with no link. Links exist for the nodes the bus knows
// (b.peers, Redis's node table), not only memberlist's live members: a peer
// memberlist declared dead keeps its links, as Redis keeps a FAIL node's.

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sort"
	"time"
	"unsafe"

	"github.com/hashicorp/memberlist"
	"github.com/keygrid/keygrid/slots"
	"go.uber.org/zap"
)

// linkVersion starts the hello frame.
const linkVersion = 1

// maxLinkMsg bounds one framed message (a PUBLISH of a 512 MB string fits).
const maxLinkMsg = 1 << 30

// outLink is myself's link to one peer.
type outLink struct {
	ctime time.Time
	conn  net.Conn // nil while dialing
	queue [][]byte
	// used is the bytes queued or being written: send-buffer-used. alloc is
	// the buffer's size: it grows with used and shrinks when mostly empty
	// (linkCron), as Redis resizes an sds send buffer.
	used, alloc int
	freed       bool          // its goroutine closes the connection and ends
	wake        chan struct{} // a message was queued, or the link freed
}

// inLink is a link a peer opened to myself.
type inLink struct {
	ctime time.Time
	conn  net.Conn
}

// linkOverhead is what one link costs beyond its buffer, for mem_cluster_links.
const linkOverhead = int(unsafe.Sizeof(outLink{}))

// linkTable is the bus's links, under b.lmu.
type linkTable struct {
	to   map[string]*outLink
	from map[string]*inLink
	// killed: to-links DEBUG CLUSTERLINK KILL freed; the next linkCron re-creates
	// them (Redis's clusterCron reconnects), until then messages are dropped.
	killed map[string]bool
}

// linkForLocked returns the to-link of peer id, created (and dialing) if
// missing; nil while it is killed. Called with b.lmu held.
func (b *Bus) linkForLocked(id string, now time.Time) *outLink {
	if b.links.killed[id] {
		return nil
	}
	l := b.links.to[id]
	if l == nil {
		l = &outLink{ctime: now, wake: make(chan struct{}, 1)}
		b.links.to[id] = l
		go b.runLink(id, l)
	}
	return l
}

// sendTo sends msg to node id: one packet at once when it is small and nothing
// is queued ahead of it, else on the to-link, in order.
func (b *Bus) sendTo(id string, msg []byte, reliable bool) {
	n := b.nodeAddr(id)
	ml := b.ml.Load()
	if n == nil || ml == nil {
		return
	}
	b.lmu.Lock()
	l := b.linkForLocked(id, time.Now())
	if l == nil {
		b.lmu.Unlock()
		return // no link: lost, as in Redis
	}
	b.count(&b.sent, msg[0])
	if !reliable && len(l.queue) == 0 {
		b.lmu.Unlock()
		if err := ml.SendBestEffort(n, msg); err != nil {
			b.log.Debug("send failed", zap.String("node", id), zap.Error(err))
		}
		return
	}
	l.queue = append(l.queue, msg)
	l.used += len(msg)
	l.alloc = max(l.alloc, l.used)
	b.lmu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// nodeAddr is where to send to peer id: memberlist's member, or for a known
// peer memberlist dropped as dead (not one that left: it may be a reset node
// under a new id now), its last address.
func (b *Bus) nodeAddr(id string) *memberlist.Node {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.addrLocked(id)
}

func (b *Bus) addrLocked(id string) *memberlist.Node {
	if a := b.moved[id]; a != nil {
		return &memberlist.Node{Name: id, Addr: a.IP, Port: uint16(a.Port)}
	}
	if n := b.members[id]; n != nil {
		return n
	}
	if _, known := b.peers[id]; known && !b.left[id] {
		return b.lastNode[id]
	}
	return nil
}

// linkTimeout bounds a link's dial and each write: the node timeout (at most
// memberlist's 10 s stream timeout), after which Redis's reconnect rule would
// have dropped the link anyway.
func (b *Bus) linkTimeout() time.Duration {
	return min(max(b.nodeTimeout(), time.Second), 10*time.Second)
}

// runLink dials l's peer and writes its queue until the link is freed.
func (b *Bus) runLink(id string, l *outLink) {
	conn := b.dialLink(id)
	b.lmu.Lock()
	if conn == nil || l.freed {
		if !l.freed {
			b.freeLocked(id, l) // the next linkCron dials again
		}
		b.lmu.Unlock()
		if conn != nil {
			conn.Close()
		}
		return
	}
	l.conn = conn
	b.lmu.Unlock()
	// The peer writes nothing on it: a read returns when it closes the
	// connection (its DEBUG CLUSTERLINK KILL FROM, a restart).
	go func() {
		io.Copy(io.Discard, conn)
		b.lmu.Lock()
		if !l.freed {
			b.freeLocked(id, l)
		}
		b.lmu.Unlock()
	}()
	var out []byte
	for {
		b.lmu.Lock()
		for !l.freed && len(l.queue) == 0 {
			b.lmu.Unlock()
			select {
			case <-l.wake:
			case <-b.stop:
				conn.Close()
				return
			}
			b.lmu.Lock()
		}
		if l.freed {
			b.lmu.Unlock()
			conn.Close()
			return
		}
		batch := l.queue
		b.lmu.Unlock()

		out = out[:0]
		size := 0
		for _, m := range batch {
			out = b.sealer.appendFrame(out, m)
			size += len(m)
		}
		conn.SetWriteDeadline(time.Now().Add(b.linkTimeout()))
		_, err := conn.Write(out)
		if cap(out) > 1<<20 {
			out = nil // a big PUBLISH's buffer is not kept
		}

		b.lmu.Lock()
		if !l.freed {
			if err != nil {
				b.log.Debug("cluster link write failed", zap.String("node", id), zap.Error(err))
				b.freeLocked(id, l)
			} else {
				clear(l.queue[:len(batch)])
				l.queue = l.queue[len(batch):]
				l.used -= size
			}
		}
		b.lmu.Unlock()
	}
}

// dialLink opens a link connection to peer id and introduces myself on it;
// nil if the peer can't be reached.
func (b *Bus) dialLink(id string) net.Conn {
	n, tr := b.nodeAddr(id), b.tr.Load()
	if n == nil || tr == nil {
		return nil
	}
	timeout := b.linkTimeout()
	conn, err := tr.DialAddressTimeout(n.FullAddress(), timeout)
	if err != nil {
		return nil
	}
	hello := b.sealer.appendFrame([]byte{linkMagic}, appendID([]byte{linkVersion}, b.currentID()))
	conn.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := conn.Write(hello); err != nil {
		conn.Close()
		return nil
	}
	return conn
}

// acceptLink serves a link a peer opened (the transport's onLink): its
// messages are handled as memberlist's, until it closes.
func (b *Bus) acceptLink(c net.Conn) {
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	hello, err := b.sealer.readFrame(c, 64)
	if err != nil || len(hello) != 1+slots.IDLen/2 || hello[0] != linkVersion {
		c.Close()
		return
	}
	r := reader{b: hello[1:]}
	id := r.id()
	if id == "" {
		c.Close()
		return
	}
	c.SetReadDeadline(time.Time{})
	b.verify(id) // only a running node dials with its id
	in := &inLink{ctime: time.Now(), conn: c}
	b.lmu.Lock()
	if old := b.links.from[id]; old != nil {
		old.conn.Close() // the peer dialed again: its old link is dead to it
	}
	b.links.from[id] = in
	b.lmu.Unlock()
	defer func() {
		c.Close()
		b.lmu.Lock()
		if b.links.from[id] == in {
			delete(b.links.from, id)
		}
		b.lmu.Unlock()
	}()
	for {
		msg, err := b.sealer.readFrame(c, maxLinkMsg)
		if err != nil || len(msg) == 0 {
			return
		}
		// A stuck loop reads nothing (stall.go), as Redis's one thread.
		for b.stalled() {
			select {
			case <-b.stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
		(*delegate)(b).NotifyMsg(msg)
	}
}

// linkSealer frames link messages, sealed with AES-GCM when the bus has a
// key (cluster-bus-secret); a nil aead frames them in the clear.
type linkSealer struct{ aead cipher.AEAD }

func newLinkSealer(key []byte) (linkSealer, error) {
	if len(key) == 0 {
		return linkSealer{}, nil
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		return linkSealer{}, err
	}
	aead, err := cipher.NewGCM(blk)
	return linkSealer{aead}, err
}

// appendFrame appends msg's frame to out.
func (s linkSealer) appendFrame(out, msg []byte) []byte {
	n := len(msg)
	if s.aead != nil {
		n += s.aead.NonceSize() + s.aead.Overhead()
	}
	out = binary.BigEndian.AppendUint32(out, uint32(n))
	if s.aead == nil {
		return append(out, msg...)
	}
	at := len(out)
	out = append(out, make([]byte, s.aead.NonceSize())...)
	nonce := out[at:]
	rand.Read(nonce)
	return s.aead.Seal(out, nonce, msg, nil)
}

var errLinkFrame = errors.New("gossip: bad cluster link frame")

// readFrame reads one frame of at most limit bytes and returns its message.
// Memory grows with the bytes that arrive, not with the length announced.
func (s linkSealer) readFrame(r io.Reader, limit int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(hdr[:]))
	if n > limit {
		return nil, errLinkFrame
	}
	buf := bytes.NewBuffer(make([]byte, 0, min(n, 64<<10)))
	if _, err := io.CopyN(buf, r, int64(n)); err != nil {
		return nil, err
	}
	frame := buf.Bytes()
	if s.aead == nil {
		return frame, nil
	}
	ns := s.aead.NonceSize()
	if len(frame) < ns+s.aead.Overhead() {
		return nil, errLinkFrame
	}
	return s.aead.Open(frame[ns:ns], frame[:ns], frame[ns:], nil)
}

// stalled reports whether the transport holds incoming traffic (stall.go).
func (b *Bus) stalled() bool {
	tr := b.tr.Load()
	return tr != nil && tr.stalled.Load()
}

// KillLink is DEBUG CLUSTERLINK KILL: it frees myself's link to id (to), the
// one from it (from), or both. The to-link comes back at the next cron with a
// new create time; the from-link when the peer dials again.
func (b *Bus) KillLink(id string, to, from bool) {
	b.lmu.Lock()
	defer b.lmu.Unlock()
	if to {
		if l := b.links.to[id]; l != nil {
			b.freeLocked(id, l)
		}
		b.links.killed[id] = true
	}
	if from {
		if in := b.links.from[id]; in != nil {
			in.conn.Close()
			delete(b.links.from, id)
		}
	}
}

// freeLocked frees to-link l of id: what it buffered is dropped and its
// connection closed (a write blocked on it returns).
func (b *Bus) freeLocked(id string, l *outLink) {
	l.freed = true
	l.queue, l.used, l.alloc = nil, 0, 0
	if l.conn != nil {
		l.conn.Close()
	}
	if b.links.to[id] == l {
		delete(b.links.to, id)
	}
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// closeLinks frees every link (the bus stops, or restarts under a new id).
func (b *Bus) closeLinks() {
	b.lmu.Lock()
	defer b.lmu.Unlock()
	for id, l := range b.links.to {
		b.freeLocked(id, l)
	}
	for id, in := range b.links.from {
		in.conn.Close()
		delete(b.links.from, id)
	}
}

// linkCron runs every 100 ms, as the link steps of Redis's clusterCron: a link
// dialed to every node known and none kept to others, buffers shrunk, links
// over cluster-link-sendbuf-limit freed (and dialed again at once), a link to
// a node silent past the reconnect rule freed, and the memory of all of them
// summed for INFO's mem_cluster_links.
func (b *Bus) linkCron(now time.Time) {
	if b.stalled() {
		return // Redis's cron does not run while its loop is stuck
	}
	limit := b.eng.ClusterLinkSendbufLimit()
	timeout := b.nodeTimeout()
	b.mu.Lock()
	// id → its unanswered ping; kept between runs (this goroutine only), as a
	// map allocated ten times a second showed in an idle node's profile.
	if b.linkKnown == nil {
		b.linkKnown = make(map[string]time.Time, len(b.peers))
	}
	known := b.linkKnown
	clear(known)
	if !b.alone && !b.fresh {
		for id, p := range b.peers {
			if p.verified && p.meta.ID != "" && b.addrLocked(id) != nil {
				known[id] = p.pingSent
			}
		}
	}
	b.mu.Unlock()

	b.lmu.Lock()
	defer b.lmu.Unlock()
	clear(b.links.killed)
	for id, l := range b.links.to {
		if _, ok := known[id]; !ok {
			b.freeLocked(id, l)
		}
	}
	mem := 0
	for id, pingSent := range known {
		l := b.linkForLocked(id, now)
		if l.alloc > 4*l.used {
			l.alloc = l.used // Redis frees an sds buffer's spare room past a quarter
		}
		if limit > 0 && int64(l.alloc) > limit {
			b.log.Warn("Freeing cluster link due to exceeding send buffer memory limit",
				zap.String("direction", "to"), zap.String("node", id), zap.Int("used_memory", l.alloc))
			b.freeLocked(id, l)
			b.linksExceeded.Add(1)
			l = b.linkForLocked(id, now)
		}
		// Redis's reconnect rule: a link older than the node timeout to a node
		// whose ping has waited half of it, silent as long, is freed and dialed
		// again.
		if now.Sub(l.ctime) > timeout && !pingSent.IsZero() && now.Sub(pingSent) > timeout/2 &&
			now.Sub(b.live.lastHeard(id)) > timeout/2 {
			b.freeLocked(id, l)
			l = b.linkForLocked(id, now)
		}
		mem += linkOverhead + l.alloc
	}
	for id := range b.links.from {
		if _, ok := known[id]; ok {
			mem += linkOverhead
		}
	}
	b.linksMem.Store(int64(mem))
}

// linkRows is CLUSTER LINKS: for each node known its to-link then its
// from-link (a link from a node not known yet is not listed, as Redis lists
// an inbound link only once a PING tied it to a node).
func (b *Bus) linkRows() []slots.Link {
	b.mu.Lock()
	ids := make([]string, 0, len(b.peers))
	if !b.alone && !b.fresh {
		for id, p := range b.peers {
			if p.verified {
				ids = append(ids, id)
			}
		}
	}
	b.mu.Unlock()
	sort.Strings(ids)
	b.lmu.Lock()
	defer b.lmu.Unlock()
	var rows []slots.Link
	for _, id := range ids {
		if l := b.links.to[id]; l != nil {
			ev := "r"
			if l.used > 0 {
				ev = "rw" // a write is pending, as Redis's write handler
			}
			rows = append(rows, slots.Link{Direction: "to", Node: id, CreateTime: l.ctime.UnixMilli(),
				Events: ev, SendBufferAllocated: int64(l.alloc), SendBufferUsed: int64(l.used)})
		}
		if in := b.links.from[id]; in != nil {
			rows = append(rows, slots.Link{Direction: "from", Node: id, CreateTime: in.ctime.UnixMilli(), Events: "r"})
		}
	}
	return rows
}

// LinksMemory is INFO's mem_cluster_links: what the links took at the last
// linkCron.
func (b *Bus) LinksMemory() int64 { return b.linksMem.Load() }
