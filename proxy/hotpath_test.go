package proxy

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// hotPath is a client of an in-process proxy that sends one fixed pipeline of GETs,
// SETs and a cross-slot MGET (the split path) and reads its fixed replies, with
// buffers allocated once: whatever the process allocates per round is the proxy's.
type hotPath struct {
	conn net.Conn
	req  []byte
	want []byte
	got  []byte
	n    int // requests per round
}

func startHotPath(tb testing.TB) *hotPath {
	cl := testutil.StartCluster(tb, testutil.ClusterServer(), 3, 0)
	cfg := DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	cfg.Seeds = cl.Addrs()[:1]
	// No topology checks during the measurement: they allocate (off the data path).
	cfg.EpochInterval, cfg.RefreshInterval = time.Hour, time.Hour
	p, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if err := p.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.Shutdown)
	conn, err := net.Dial("tcp", p.Addr())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	h := &hotPath{conn: conn}
	var want bytes.Buffer
	for i := range 16 { // keys on all three masters
		k := fmt.Sprintf("hot:%d", i)
		h.req = testutil.AppendCommand(h.req, "SET", k, "v"+k)
		want.WriteString("+OK\r\n")
		h.req = testutil.AppendCommand(h.req, "GET", k)
		fmt.Fprintf(&want, "$%d\r\nv%s\r\n", len(k)+1, k)
		h.n += 2
	}
	h.req = testutil.AppendCommand(h.req, "MGET", "hot:0", "hot:1", "hot:2", "hot:3")
	want.WriteString("*4\r\n$6\r\nvhot:0\r\n$6\r\nvhot:1\r\n$6\r\nvhot:2\r\n$6\r\nvhot:3\r\n")
	h.req = testutil.AppendCommand(h.req, "PING")
	want.WriteString("+PONG\r\n")
	h.n += 2
	h.want = want.Bytes()
	h.got = make([]byte, len(h.want))
	h.round(tb) // connects the backends
	return h
}

func (h *hotPath) round(tb testing.TB) {
	if _, err := h.conn.Write(h.req); err != nil {
		tb.Fatal(err)
	}
	if _, err := io.ReadFull(h.conn, h.got); err != nil {
		tb.Fatal(err)
	}
	if !bytes.Equal(h.got, h.want) {
		tb.Fatalf("replies\n%q\nwant\n%q", h.got, h.want)
	}
}

// The data path allocates nothing per request once warm: reading, parsing, routing,
// splitting a cross-slot MGET, queueing on the backends, scanning and merging replies.
func TestProxyHotPathAllocs(t *testing.T) {
	h := startHotPath(t)
	for range 200 {
		h.round(t)
	}
	const rounds = 2000
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range rounds {
		h.round(t)
	}
	runtime.ReadMemStats(&after)
	perReq := float64(after.Mallocs-before.Mallocs) / float64(rounds*h.n)
	t.Logf("%d allocations over %d requests (%.4f per request)", after.Mallocs-before.Mallocs, rounds*h.n, perReq)
	// A stray runtime allocation (a timer, the race detector) is not the data path:
	// one per request would be 68000 here.
	if perReq > 0.001 {
		t.Fatalf("%.4f allocations per request", perReq)
	}
}

// BenchmarkProxyHotPath: one op is one pipeline of 34 requests through the proxy
// (client, proxy and nodes share the machine; allocs/op counts the whole process).
func BenchmarkProxyHotPath(b *testing.B) {
	h := startHotPath(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		h.round(b)
	}
	b.ReportMetric(float64(h.n), "reqs/op")
}
