package proxy

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/keygrid/keygrid/engine/resp"
)

// benchLoop is a proxy without sockets: a session and three backends marked up whose
// output nobody writes, so a benchmark runs the loop's user-space path alone (parse,
// route, split, queue, scan nothing, deliver, merge) without the kernel's TCP cost
// or the nodes, which on a shared machine swamp a change to that path.
type benchLoop struct {
	p     *Proxy
	s     *session
	ss    []*session // clients, s the first
	bs    []*backend
	reply []byte
}

func newBenchLoop(clients int) *benchLoop {
	p := &Proxy{cfg: DefaultConfig(), metrics: newMetrics(), lsessions: map[*session]struct{}{}}
	p.topo = newTopology(p)
	p.backends = &backends{p: p, m: map[backendKey]*backend{}}
	m := &slotMap{}
	for i := range 3 {
		m.shards = append(m.shards, &shard{master: fmt.Sprintf("node%d", i), idx: i})
	}
	for sl := range m.slots {
		sh := m.shards[sl*3/len(m.slots)]
		m.slots[sl], m.shardOf[sl] = sh, uint16(sh.idx+1)
	}
	p.topo.cur.Store(m)
	t := &cmdTable{m: map[string]*cmdInfo{}}
	for _, ci := range []*cmdInfo{
		{name: "get", arity: 2, first: 1, last: 1, step: 1, readonly: true},
		{name: "mget", arity: -2, first: 1, last: -1, step: 1, readonly: true, kind: kindSplit, merge: mergeArray, keyStep: 1},
	} {
		ci.stats = p.metrics.forCommand(ci.name)
		t.m[ci.name] = ci
	}
	p.cmds = t
	l := &benchLoop{p: p}
	for _, sh := range m.shards {
		b := p.backends.get(sh.master, 2, false)
		b.state = beUp
		l.bs = append(l.bs, b)
	}
	for range clients {
		s := newSession(p, -1, "bench")
		s.readOn = true // no loop to register with
		l.ss = append(l.ss, s)
	}
	l.s = l.ss[0]
	return l
}

// round feeds one read to each client, then answers every request they queued, each
// key with value, as the nodes would: all clients' requests are in flight at once, as
// under redis-benchmark -c 50.
func (l *benchLoop) round(reads [][]byte, value []byte) {
	p := l.p
	for i, s := range l.ss {
		if len(s.rbuf) < len(reads[i]) {
			s.rbuf = make([]byte, len(reads[i]))
		}
		s.rn = copy(s.rbuf, reads[i])
		s.rseq++
		s.process()
	}
	reply := l.reply
	for _, b := range l.bs {
		p.now = nanotime()
		for _, r := range b.queue[b.head:] {
			n, _, _ := lineInt(r.cmd, 1)
			reply = reply[:0]
			if r.cmd[len("*2\r\n$4\r\n")] == 'M' {
				reply = resp.AppendArray(reply, int(n-1))
			} else {
				n = 2
			}
			for range n - 1 {
				reply = resp.AppendBulk(reply, value)
			}
			p.deliver(r, reply)
		}
		clear(b.queue)
		b.queue, b.head, b.out, b.inList = b.queue[:0], 0, b.out[:0], false
	}
	l.reply = reply
	p.wBackends = p.wBackends[:0]
	for _, s := range l.ss {
		s.wbuf, s.wpos, s.inList = s.wbuf[:0], 0, false
	}
	p.wSessions = p.wSessions[:0]
}

// pipelines returns 1024 reads of pipe commands each, args random keys of a
// 100000-key space as redis-benchmark -r 100000 makes them.
func benchReads(pipe int, name string, keys int) [][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	reads := make([][]byte, 1024)
	for i := range reads {
		for range pipe {
			args := []string{name}
			for range keys {
				args = append(args, fmt.Sprintf("key:%012d", rng.IntN(100000)))
			}
			reads[i] = resp.AppendCommand(reads[i], args...)
		}
	}
	return reads
}

// BenchmarkLoopSplitMGET: one op is one read of 16 MGETs of 3 random keys
// (proxy.sh's MGET) from each of 50 clients, split, queued, answered and merged;
// ns/op ÷ 800 is the proxy's user-space time per MGET.
func BenchmarkLoopSplitMGET(b *testing.B) { benchLoopRun(b, "MGET", 3) }

// BenchmarkLoopGET: the same for GETs, the unsplit path.
func BenchmarkLoopGET(b *testing.B) { benchLoopRun(b, "GET", 1) }

func benchLoopRun(b *testing.B, name string, keys int) {
	const clients = 50
	l := newBenchLoop(clients)
	reads := benchReads(16, name, keys)
	value := []byte("xxx")
	next := func(i int) [][]byte {
		j := i * clients % (len(reads) - clients)
		return reads[j : j+clients]
	}
	for i := range 64 { // warm the pools
		l.round(next(i), value)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		l.round(next(i), value)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*clients*16), "ns/req")
}

// The benchmark's loop answers what a cluster would: one merged array per MGET.
func TestBenchLoopReplies(t *testing.T) {
	l := newBenchLoop(1)
	read := resp.AppendCommand(nil, "MGET", "a", "b", "c", "a")
	read = resp.AppendCommand(read, "GET", "b")
	l.s.rn = copy(l.s.rbuf, read)
	l.s.rseq++
	l.s.process()
	parts := 0
	for _, b := range l.bs {
		for _, r := range b.queue[b.head:] {
			parts++
			n, _, _ := lineInt(r.cmd, 1)
			var reply []byte
			if r.cmd[len("*2\r\n$4\r\n")] == 'M' {
				reply = resp.AppendArray(reply, int(n-1))
			} else {
				n = 2
			}
			for k := range n - 1 {
				reply = resp.AppendBulk(reply, fmt.Appendf(nil, "%c%d", b.key.addr[4], k))
			}
			l.p.deliver(r, reply)
		}
	}
	// a, b, c are in slots 15495, 3300, 7365: nodes 2, 0, 1; each part has one key
	// but a, which has two.
	want := "*4\r\n$2\r\n20\r\n$2\r\n00\r\n$2\r\n10\r\n$2\r\n21\r\n$2\r\n00\r\n"
	if parts != 4 || string(l.s.wbuf) != want {
		t.Fatalf("%d parts, client got %q, want %q", parts, l.s.wbuf, want)
	}
}

// BenchmarkLoopSplitMGET1000: one MGET of 1000 random keys (about 1000 parts) from one
// client: finding and encoding the parts must not cost keys × parts.
func BenchmarkLoopSplitMGET1000(b *testing.B) {
	l := newBenchLoop(1)
	reads := benchReads(1, "MGET", 1000)[:64]
	value := []byte("xxx")
	for i := range reads {
		l.round(reads[i:i+1], value)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		j := i % len(reads)
		l.round(reads[j:j+1], value)
	}
}
