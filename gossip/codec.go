package gossip

// The wire format of what the bus sends. Everything is little binary records:
// uvarints for numbers, a uvarint length before strings, node ids as 20 raw bytes
// (they are 40 hex digits). Every record starts with a version byte so a newer
// node can add fields at the end and an older one still reads what it knows.
//
// Two records describe a node:
//
//   - meta: what memberlist carries in its alive messages (Delegate.NodeMeta,
//     at most 512 bytes): the node's role, epochs, addresses, a sequence number
//     and a digest of its slot claim, but not the claim itself (up to 2 KiB as a
//     bitmap, far more as ranges).
//   - header: meta followed by the claim as slot ranges. It travels in broadcasts
//     when it fits a packet, in replies to a claim request, and in push/pull.
//
// A receiver whose stored claim does not match a meta's digest asks the node for
// its header (a reliable message), so a lost broadcast costs one round trip, not
// a wrong slot map.

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/fnv"

	"github.com/keygrid/keygrid/slots"
)

// metaVersion is the version of the meta record this code writes. Version 2
// appends the replication offset's stamp, version 3 the plaintext port of a TLS
// cluster's node (Redis's pport).
const metaVersion = 3

// MetaMaxSize is memberlist's limit on node meta.
const MetaMaxSize = 512

// Meta flag bits (one byte).
const (
	mfMaster     = 1 << iota // the node is a master
	mfReplica                // the node is a replica
	mfNoFailover             // cluster-replica-no-failover
	mfPaused                 // a master paused for a manual failover
	mfHasMaster              // a master id follows
	mfAlone                  // the node knows no other node (NodeMeta.Alone)
)

var errShort = errors.New("gossip: truncated record")

// meta is a node's announced meta as the bus handles it: the engine's
// slots.NodeMeta without the claim, plus the claim's digest and size and the
// sender's sequence number, which orders metas and headers of one node.
type meta struct {
	slots.NodeMeta        // Slots unused here
	Seq            uint64 // grows with every change of the sender (unix ns at change)
	Digest         uint64 // claimDigest of the claim
	SlotCount      int    // number of slots claimed
	// OffStamp orders the sender's ReplOffset readings (unix ns when read): an
	// offset also travels in probe acks (offset.go), and a relayed header must
	// not replace a fresher one.
	OffStamp uint64
}

// claimDigest is FNV-1a over the bitmap: equal claims, equal digests.
func claimDigest(b *slots.Bitmap) uint64 {
	h := fnv.New64a()
	var buf [8]byte
	for _, w := range b {
		binary.LittleEndian.PutUint64(buf[:], w)
		h.Write(buf[:])
	}
	return h.Sum64()
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendID writes a 40-hex-digit node id as 20 bytes (zeros if id is not valid:
// the decoder turns an all-zero id back into "").
func appendID(b []byte, id string) []byte {
	var raw [slots.IDLen / 2]byte
	if slots.ValidID(id) {
		hex.Decode(raw[:], []byte(id))
	}
	return append(b, raw[:]...)
}

// appendMeta encodes m.
func appendMeta(b []byte, m *meta) []byte {
	b = append(b, metaVersion)
	var fl byte
	if m.Flags&slots.FlagMaster != 0 {
		fl |= mfMaster
	}
	if m.Flags&slots.FlagReplica != 0 {
		fl |= mfReplica
	}
	if m.Flags&slots.FlagNoFailover != 0 {
		fl |= mfNoFailover
	}
	if m.MFPaused {
		fl |= mfPaused
	}
	if m.MasterID != "" {
		fl |= mfHasMaster
	}
	if m.Alone {
		fl |= mfAlone
	}
	b = append(b, fl)
	b = appendID(b, m.ID)
	if m.MasterID != "" {
		b = appendID(b, m.MasterID)
	}
	b = binary.AppendUvarint(b, m.Seq)
	b = binary.AppendUvarint(b, m.ConfigEpoch)
	b = binary.AppendUvarint(b, m.CurrentEpoch)
	b = binary.AppendVarint(b, m.ReplOffset)
	b = binary.AppendUvarint(b, uint64(m.Port))
	b = binary.AppendUvarint(b, uint64(m.CPort))
	b = appendString(b, m.IP)
	b = appendString(b, m.Hostname)
	b = binary.LittleEndian.AppendUint64(b, m.Digest)
	b = binary.AppendUvarint(b, uint64(m.SlotCount))
	b = binary.AppendUvarint(b, m.OffStamp)
	b = binary.AppendUvarint(b, uint64(m.PPort))
	return b
}

// reader decodes a record; the first error sticks.
type reader struct {
	b   []byte
	err error
}

func (r *reader) byte() byte {
	if r.err != nil || len(r.b) < 1 {
		r.err = errShort
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShort
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errShort
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes(n uint64) []byte {
	if r.err != nil || uint64(len(r.b)) < n {
		r.err = errShort
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) string() string { return string(r.bytes(r.uvarint())) }

func (r *reader) id() string {
	raw := r.bytes(slots.IDLen / 2)
	if raw == nil {
		return ""
	}
	for _, c := range raw {
		if c != 0 {
			return hex.EncodeToString(raw)
		}
	}
	return ""
}

func (r *reader) u64() uint64 {
	v := r.bytes(8)
	if v == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(v)
}

// port reads a port number, rejecting what is not one.
func (r *reader) port() int {
	v := r.uvarint()
	if v > 65535 && r.err == nil {
		r.err = errors.New("gossip: bad port")
	}
	return int(v)
}

// readMeta decodes a meta record. Fields a newer version appends are skipped by
// the caller's framing (meta is last in memberlist's meta; headers know where
// the claim starts because the claim is read after the known fields).
func (r *reader) meta() meta {
	var m meta
	v := r.byte()
	if r.err == nil && v < 1 {
		r.err = errors.New("gossip: bad meta version")
	}
	fl := r.byte()
	m.ID = r.id()
	if fl&mfHasMaster != 0 {
		m.MasterID = r.id()
	}
	if fl&mfMaster != 0 {
		m.Flags |= slots.FlagMaster
	}
	if fl&mfReplica != 0 {
		m.Flags |= slots.FlagReplica
	}
	if fl&mfNoFailover != 0 {
		m.Flags |= slots.FlagNoFailover
	}
	m.MFPaused = fl&mfPaused != 0
	m.Alone = fl&mfAlone != 0
	m.Seq = r.uvarint()
	m.ConfigEpoch = r.uvarint()
	m.CurrentEpoch = r.uvarint()
	m.ReplOffset = r.varint()
	m.Port = r.port()
	m.CPort = r.port()
	m.IP = r.string()
	m.Hostname = r.string()
	m.Digest = r.u64()
	m.SlotCount = int(r.uvarint())
	if v >= 2 {
		m.OffStamp = r.uvarint()
	}
	if v >= 3 {
		m.PPort = r.port()
	}
	if r.err == nil && (m.ID == "" || m.SlotCount > slots.Count) {
		r.err = errors.New("gossip: bad meta")
	}
	return m
}

// decodeMeta decodes memberlist's node meta.
func decodeMeta(b []byte) (meta, error) {
	r := reader{b: b}
	m := r.meta()
	return m, r.err
}

// appendClaim writes a claim as its ranges: a count, then for each range the gap
// from the previous range's end and the length minus one. One range per master
// is the common case: a handful of bytes.
func appendClaim(b []byte, c *slots.Bitmap) []byte {
	rs := c.Ranges()
	b = binary.AppendUvarint(b, uint64(len(rs)))
	prev := 0
	for _, rg := range rs {
		b = binary.AppendUvarint(b, uint64(rg.Start-prev))
		b = binary.AppendUvarint(b, uint64(rg.End-rg.Start))
		prev = rg.End + 1
	}
	return b
}

func (r *reader) claim() slots.Bitmap {
	var c slots.Bitmap
	n := r.uvarint()
	if n > slots.Count/2+1 && r.err == nil {
		r.err = errors.New("gossip: bad claim")
	}
	pos := uint64(0)
	for i := uint64(0); i < n && r.err == nil; i++ {
		start := pos + r.uvarint()
		end := start + r.uvarint()
		if r.err != nil {
			break
		}
		if end >= slots.Count || end < start {
			r.err = errors.New("gossip: claim out of range")
			break
		}
		for s := start; s <= end; s++ {
			c.Set(int(s))
		}
		pos = end + 1
	}
	return c
}

// header is a node's meta with its claim.
type header struct {
	meta
	Claim slots.Bitmap
}

// appendHeader encodes h; the claim's digest and count are recomputed. The meta
// is length-prefixed so that fields a newer version appends to it are skipped.
func appendHeader(b []byte, h *header) []byte {
	h.Digest, h.SlotCount = claimDigest(&h.Claim), h.Claim.Len()
	mb := appendMeta(make([]byte, 0, 128), &h.meta)
	b = binary.AppendUvarint(b, uint64(len(mb)))
	b = append(b, mb...)
	return appendClaim(b, &h.Claim)
}

func (r *reader) header() header {
	var h header
	mr := reader{b: r.bytes(r.uvarint())}
	if r.err != nil {
		return h
	}
	h.meta = mr.meta()
	if mr.err != nil {
		r.err = mr.err
		return h
	}
	h.Claim = r.claim()
	if r.err == nil && (claimDigest(&h.Claim) != h.Digest || h.Claim.Len() != h.SlotCount) {
		r.err = errors.New("gossip: claim does not match its digest")
	}
	return h
}

// nodeMeta returns the engine's form of h.
func (h *header) nodeMeta() slots.NodeMeta {
	m := h.NodeMeta
	m.Slots = h.Claim
	return m
}
