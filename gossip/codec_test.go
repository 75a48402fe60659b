package gossip

import (
	"bytes"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
	"go.uber.org/zap"

	"github.com/keygrid/keygrid/slots"
)

func testHeader() header {
	h := header{meta: meta{NodeMeta: slots.NodeMeta{
		ID: slots.NewID(), IP: "10.0.0.7", Port: 6379, CPort: 16379, Hostname: "node-7.example",
		Flags: slots.FlagReplica | slots.FlagNoFailover, MasterID: slots.NewID(),
		ConfigEpoch: 7, CurrentEpoch: 12, ReplOffset: -1 << 40, MFPaused: true,
	}, Seq: 1 << 62, OffStamp: 1 << 61}}
	for s := 100; s < 5000; s++ {
		h.Claim.Set(s)
	}
	h.Claim.Set(16383)
	return h
}

func TestHeaderRoundTrip(t *testing.T) {
	h := testHeader()
	enc := appendHeader(nil, &h)
	r := reader{b: enc}
	got := r.header()
	if r.err != nil {
		t.Fatal(r.err)
	}
	if got.NodeMeta != h.NodeMeta || got.Seq != h.Seq || got.Claim != h.Claim || got.SlotCount != 4901 {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got.meta, h.meta)
	}
	// The meta alone, as memberlist carries it.
	m, err := decodeMeta(appendMeta(nil, &h.meta))
	if err != nil || m != h.meta {
		t.Fatalf("meta round trip: %v\n got %+v\nwant %+v", err, m, h.meta)
	}
}

// The meta of the largest node description still fits memberlist's 512 bytes.
func TestMetaSize(t *testing.T) {
	h := testHeader()
	h.IP = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"
	h.Hostname = string(bytes.Repeat([]byte("h"), 255))
	h.ConfigEpoch, h.CurrentEpoch, h.Seq, h.Port, h.CPort = ^uint64(0), ^uint64(0), ^uint64(0), 65535, 65535
	h.OffStamp, h.ReplOffset = ^uint64(0), -1<<63
	h.SlotCount = slots.Count
	if n := len(appendMeta(nil, &h.meta)); n > MetaMaxSize {
		t.Fatalf("meta is %d bytes", n)
	}
	// One master's contiguous claim is a few bytes; a broadcast fits a packet.
	var c slots.Bitmap
	for s := 5461; s <= 10922; s++ {
		c.Set(s)
	}
	if n := len(appendClaim(nil, &c)); n > 8 {
		t.Fatalf("one-range claim is %d bytes", n)
	}
}

func TestDecodeRejects(t *testing.T) {
	h := testHeader()
	enc := appendHeader(nil, &h)
	for i := 0; i < len(enc); i++ {
		r := reader{b: enc[:i]}
		r.header()
		if r.err == nil {
			t.Fatalf("truncated at %d accepted", i)
		}
	}
	// A claim that does not match the digest the meta announces.
	bad := append([]byte(nil), enc...)
	bad[len(bad)-1] ^= 1
	r := reader{b: bad}
	r.header()
	if r.err == nil {
		t.Fatal("claim with a wrong digest accepted")
	}
	// A range past the last slot.
	r = reader{b: []byte{1, 0x80, 0x80, 0x01, 0}}
	r.claim()
	if r.err == nil {
		t.Fatal("slot out of range accepted")
	}
}

// FuzzDecode feeds arbitrary bytes to the decoders: no panic, and whatever
// decodes re-encodes to a record that decodes the same.
func FuzzDecode(f *testing.F) {
	h := testHeader()
	f.Add(appendHeader(nil, &h))
	f.Add(appendMeta(nil, &h.meta))
	var empty header
	empty.ID = slots.NewID()
	f.Add(appendHeader(nil, &empty))
	f.Add([]byte{1, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := decodeMeta(b); err == nil {
			m2, err := decodeMeta(appendMeta(nil, &m))
			if err != nil || m2 != m {
				t.Fatalf("meta re-encoding: %v %+v %+v", err, m, m2)
			}
		}
		r := reader{b: b}
		if hd := r.header(); r.err == nil {
			r2 := reader{b: appendHeader(nil, &hd)}
			hd2 := r2.header()
			if r2.err != nil || hd2.meta != hd.meta || hd2.Claim != hd.Claim {
				t.Fatalf("header re-encoding: %v", r2.err)
			}
		}
		// Messages and push/pull state must not panic either.
		bus := &Bus{peers: map[string]*peer{}, members: map[string]*memberlist.Node{}, banned: map[string]time.Time{},
			eng: nopEngine{}, log: zap.NewNop()}
		if len(b) > 0 {
			bus.handle(append([]byte(nil), b...))
		}
		(*delegate)(bus).MergeRemoteState(b, false)
	})
}

// nopEngine ignores everything (for the fuzzer).
type nopEngine struct{}

func (nopEngine) ClusterMyself() *slots.NodeMeta                                { return &slots.NodeMeta{} }
func (nopEngine) ClusterNodeUpdate(slots.NodeMeta)                              {}
func (nopEngine) ClusterNodeUpdateFor(string, slots.NodeMeta)                   {}
func (nopEngine) ClusterNodeOffset(string, int64)                               {}
func (nopEngine) ClusterNodePong(string)                                        {}
func (nopEngine) ClusterNodeHealth(string, bool, bool)                          {}
func (nopEngine) ClusterNodePingSent(string, int64)                             {}
func (nopEngine) ClusterFailoverAuthRequest(string, uint64, slots.Bitmap, bool) {}
func (nopEngine) ClusterFailoverAuthAck(string, uint64)                         {}
func (nopEngine) ClusterManualFailoverRequest(string)                           {}
func (nopEngine) ClusterManualFailoverReady(int64)                              {}
func (nopEngine) ClusterPublish([]byte, []byte, bool)                           {}
func (nopEngine) ClusterUpdate(func(*slots.State) slots.Effects)                {}
func (nopEngine) ClusterDropPacketFilter() int64                                { return -1 }
func (nopEngine) ClusterNodeTimeout() time.Duration                             { return 0 }
func (nopEngine) ClusterSize() int                                              { return 0 }
func (nopEngine) ClusterLinkSendbufLimit() int64                                { return 0 }
func (nopEngine) ClusterLoopAlive() time.Time                                   { return time.Time{} }
func (nopEngine) ClusterLoopBlocked() bool                                      { return false }
