package engine

// The shared replication buffer (repl_buffer.go): a model test of the block list
// against the whole stream kept aside, with simulated replicas that hold and move
// references as the write path does.

import (
	"bytes"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/internal/testutil"
)

// modelCursor is a replica's position, moved as replWriteClient moves it.
type modelCursor struct {
	blk *replBlock
	pos int
	off int64 // the offset of the next byte it sends (model side)
}

// send moves c forward by up to n bytes, checking each byte against the stream.
func (c *modelCursor) send(t *testing.T, b *replBacklog, stream []byte, base int64, n int) {
	t.Helper()
	for n > 0 && c.blk != nil {
		if c.pos < len(c.blk.buf) {
			k := min(n, len(c.blk.buf)-c.pos)
			want := stream[c.off-base-1 : c.off-base-1+int64(k)]
			if !bytes.Equal(c.blk.buf[c.pos:c.pos+k], want) {
				t.Fatalf("cursor at offset %d reads other bytes than the stream's", c.off)
			}
			c.pos += k
			c.off += int64(k)
			n -= k
			continue
		}
		if c.blk.next == nil {
			return
		}
		c.blk.refs--
		c.blk.next.refs++
		c.blk, c.pos = c.blk.next, 0
		b.trim(replTrimPerCall)
	}
}

// checkInvariants verifies the counts the buffer keeps against a walk of it.
func checkInvariants(t *testing.T, b *replBacklog, cursors []*modelCursor) {
	t.Helper()
	live := b.blocks[b.start:]
	var hist, mem int64
	refs := map[*replBlock]int{}
	for i, blk := range live {
		hist += int64(len(blk.buf))
		mem += int64(cap(blk.buf)) + replBlockOverhead
		if i > 0 && (live[i-1].next != blk || blk.id != live[i-1].id+1 ||
			blk.offset != live[i-1].offset+int64(len(live[i-1].buf))) {
			t.Fatalf("block %d does not follow block %d", blk.id, live[i-1].id)
		}
		if i < len(live)-1 && len(blk.buf) != cap(blk.buf) {
			t.Fatalf("block %d is not full but is not the tail", blk.id)
		}
	}
	if len(live) > 0 {
		refs[live[0]]++ // the backlog's
		if live[0].offset != b.FirstByteOffset() {
			t.Fatalf("head block at %d, first byte %d", live[0].offset, b.FirstByteOffset())
		}
	}
	for _, c := range cursors {
		if c.blk != nil {
			refs[c.blk]++
		}
	}
	for _, blk := range live {
		if blk.refs != refs[blk] {
			t.Fatalf("block %d: refs %d, referenced %d times", blk.id, blk.refs, refs[blk])
		}
	}
	if hist != b.histlen || mem != b.mem {
		t.Fatalf("histlen %d / mem %d, blocks hold %d / %d", b.histlen, b.mem, hist, mem)
	}
	for _, c := range cursors {
		if c.blk != nil && c.off < b.FirstByteOffset() {
			t.Fatalf("a cursor at %d lost its bytes (first byte %d)", c.off, b.FirstByteOffset())
		}
	}
}

// TestReplBufferModel: random feeds, replicas attaching (at the feed point, or
// from an offset the backlog holds, as PSYNC), sending at random speeds and
// leaving; every byte a replica reads and every PSYNC read must be the stream's,
// the backlog must never drop what a replica still needs, and once no replica is
// behind it the backlog must come back to repl-backlog-size plus at most a block.
func TestReplBufferModel(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, size := range []int64{16 << 10, 64 << 10, 256 << 10} {
		const base = 1000 // a backlog created at master_repl_offset 1000
		b := newReplBacklog(size, base)
		var stream []byte
		var cursors []*modelCursor
		feed := func(p []byte) {
			for len(p) > 0 {
				start, pos, n, _ := b.append(p)
				for _, c := range cursors {
					if c.blk == nil {
						c.blk, c.pos, c.off = start, pos, int64(base+len(stream))+1
						start.refs++
					}
				}
				stream = append(stream, p[:n]...)
				p = p[n:]
				b.trim(replTrimPerCall)
			}
		}
		for step := 0; step < 1000; step++ {
			switch op := rng.Intn(10); {
			case op < 5:
				p := make([]byte, 1+rng.Intn([]int{100, 5000, 70000}[rng.Intn(3)]))
				rng.Read(p)
				feed(p)
			case op < 7 && len(cursors) > 0:
				cursors[rng.Intn(len(cursors))].send(t, b, stream, base, rng.Intn(200000))
			case op == 7 && len(cursors) < 4:
				c := &modelCursor{}
				if rng.Intn(2) == 0 && b.HistLen() > 0 {
					// PSYNC from somewhere in the backlog.
					off := b.FirstByteOffset() + rng.Int63n(b.HistLen()+1)
					if got, want := b.AppendFrom(nil, off), stream[off-base-1:]; !bytes.Equal(got, want) {
						t.Fatalf("AppendFrom(%d): %d bytes, want %d", off, len(got), len(want))
					}
					c.blk, c.pos = b.blockFor(off)
					c.blk.refs++
					c.off = off
				}
				cursors = append(cursors, c)
			case op == 8 && len(cursors) > 0:
				i := rng.Intn(len(cursors))
				if c := cursors[i]; c.blk != nil {
					c.blk.refs--
					b.trim(replTrimPerCall)
				}
				cursors = append(cursors[:i], cursors[i+1:]...)
			case op == 9:
				b.trim(10 * replTrimPerCall)
			}
			checkInvariants(t, b, cursors)
			if b.offset != int64(base+len(stream)) {
				t.Fatalf("offset %d, stream ends at %d", b.offset, base+len(stream))
			}
		}
		// Every replica leaves: the backlog shrinks back, over several calls.
		for _, c := range cursors {
			if c.blk != nil {
				c.blk.refs--
			}
		}
		cursors = nil
		for range 1000 {
			b.trim(10 * replTrimPerCall)
		}
		checkInvariants(t, b, nil)
		maxBlock := int64(b.newBlockSize(1 << 30))
		if b.HistLen() > size+maxBlock || (int64(len(stream)) >= size && b.HistLen() < size) {
			t.Fatalf("size %d: %d bytes held once no replica is behind", size, b.HistLen())
		}
	}
}

// A big command is split into blocks of at most repl-backlog-size/16 (but never
// under 16 KB), so a replica that sent it holds one block, not the whole command
// (Redis 7.0.15's fix for replicas cut after a big key: the suite's "Replica
// client-output-buffer size is limited to backlog_limit/16").
func TestReplBufferBlockSize(t *testing.T) {
	b := newReplBacklog(16<<10, 0)
	p := make([]byte, 256<<10)
	c := &modelCursor{}
	for len(p) > 0 {
		start, pos, n, _ := b.append(p)
		if c.blk == nil {
			c.blk, c.pos, c.off = start, pos, 1
			start.refs++
		}
		p = p[n:]
		b.trim(replTrimPerCall)
	}
	if n := len(b.blocks) - b.start; n < 16 {
		t.Fatalf("256 KB in %d blocks", n)
	}
	c.send(t, b, make([]byte, 256<<10), 0, 1<<30)
	if c.blk != b.tail() {
		t.Fatal("a replica that sent everything is not on the tail block")
	}
	b.trim(10 * replTrimPerCall)
	if b.HistLen() > 32<<10 {
		t.Fatalf("backlog of 16 KB holds %d bytes once the replica sent everything", b.HistLen())
	}
}

// Feeding a backlog in steady state reuses trimmed blocks: no allocation.
func TestReplBufferFeedAllocs(t *testing.T) {
	b := newReplBacklog(1<<20, 0)
	cmd := []byte("*3\r\n$3\r\nSET\r\n$6\r\nkey:12\r\n$3\r\nabc\r\n")
	for range 100000 { // fill the backlog and the spare blocks
		b.append(cmd)
		b.trim(replTrimPerCall)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		for range 100 {
			for p := cmd; len(p) > 0; {
				_, _, n, _ := b.append(p)
				p = p[n:]
			}
			b.trim(replTrimPerCall)
		}
	})
	if allocs > 0 {
		t.Fatalf("%.2f allocations per 100 commands fed", allocs)
	}
}

func BenchmarkReplBufferFeed(b *testing.B) {
	bl := newReplBacklog(1<<20, 0)
	cmd := []byte("*3\r\n$3\r\nSET\r\n$16\r\nkey:000000012345\r\n$3\r\nabc\r\n")
	b.ReportAllocs()
	b.SetBytes(int64(len(cmd)))
	for range b.N {
		for p := cmd; len(p) > 0; {
			_, _, n, _ := bl.append(p)
			p = p[n:]
		}
		bl.trim(replTrimPerCall)
	}
}

// replInfoInt reads an integer INFO field.
func replInfoInt(t *testing.T, tc *testConn, section, field string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(infoField(tc, section, field), 10, 64)
	if err != nil {
		t.Fatalf("INFO %s %s: %v", section, field, err)
	}
	return v
}

// replClientField reads field of the CLIENT LIST line of the connection whose
// peer address is addr.
func replClientField(t *testing.T, tc *testConn, addr, field string) int64 {
	t.Helper()
	for _, line := range strings.Split(tc.do("CLIENT", "LIST"), "\n") {
		if !strings.Contains(line, " addr="+addr+" ") && !strings.HasPrefix(line, "addr="+addr+" ") {
			continue
		}
		for _, kv := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(kv, field+"="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				return n
			}
		}
	}
	t.Fatalf("no CLIENT LIST line for %s", addr)
	return 0
}

// Redis 7.0 (the suite's "All replicas share one global replication buffer" and
// "Replication buffer will become smaller when no replica uses"): two replicas
// waiting for the same snapshot share one copy of the stream, each is charged
// all of it as output memory, the backlog outgrows repl-backlog-size while they
// hold it, and the memory goes back once both are gone.
func TestReplBufferShared(t *testing.T) {
	_, addr := replTestServer(t, func(cfg *config.Config) {
		cfg.ReplBacklogSize = 16 << 10
		cfg.ReplDisklessSync = false // the second replica attaches to the first's BGSAVE
	})
	tc := dialTest(t, addr)
	for i := range 20 {
		tc.do("SET", "k"+strconv.Itoa(i), "v")
	}
	tc.do("CONFIG", "SET", "rdb-key-save-delay", "1000000") // a 20 s save: both replicas wait for it
	r1 := dialReplica(t, addr)
	full1 := r1.handshake("?", -1, "psync2")
	tc.do("SET", "between", "x") // r1 holds it; r2 starts from a copy of r1's position
	r2 := dialReplica(t, addr)
	if full2 := r2.handshake("?", -1, "psync2"); full2 != full1 || !strings.HasPrefix(full1, "+FULLRESYNC ") {
		t.Fatalf("PSYNC replies %q and %q: not the same sync", full1, full2)
	}
	start, _ := strconv.ParseInt(strings.Fields(full1)[2], 10, 64)
	val := strings.Repeat("v", 16<<10)
	for i := range 64 {
		tc.do("SET", "big"+strconv.Itoa(i), val)
	}
	stream := replInfoInt(t, tc, "replication", "master_repl_offset") - start
	mem := replInfoInt(t, tc, "memory", "mem_total_replication_buffers")
	if mem < stream || mem > stream+stream/4 {
		t.Fatalf("%d bytes of stream for two replicas take %d bytes of buffers: not stored once", stream, mem)
	}
	if h := replInfoInt(t, tc, "replication", "repl_backlog_histlen"); h < stream {
		t.Fatalf("repl_backlog_histlen %d: the backlog dropped what the replicas hold (%d bytes)", h, stream)
	}
	if got := replInfoInt(t, tc, "memory", "mem_clients_slaves"); got != mem-16384 {
		t.Fatalf("mem_clients_slaves %d, want the buffers beyond repl-backlog-size, %d", got, mem-16384)
	}
	if got := replInfoInt(t, tc, "memory", "mem_replication_backlog"); got != 16384 {
		t.Fatalf("mem_replication_backlog %d", got)
	}
	if got := replInfoInt(t, tc, "memory", "mem_not_counted_for_evict"); got != mem-16384-2*replBlockOverhead {
		t.Fatalf("mem_not_counted_for_evict %d, want %d", got, mem-16384-2*replBlockOverhead)
	}
	o1 := replClientField(t, tc, r1.c.LocalAddr().String(), "omem")
	o2 := replClientField(t, tc, r2.c.LocalAddr().String(), "omem")
	if o1 < stream || o1 != o2 {
		t.Fatalf("omem %d and %d for replicas that both hold %d bytes of stream", o1, o2, stream)
	}
	if tot := replClientField(t, tc, r1.c.LocalAddr().String(), "tot-mem"); tot < o1 {
		t.Fatalf("tot-mem %d < omem %d", tot, o1)
	}

	r1.c.Close()
	testutil.WaitFor(t, 20*time.Second, func() bool { return infoField(tc, "replication", "connected_slaves") == "1" }, "r1 is gone")
	if got := replInfoInt(t, tc, "memory", "mem_total_replication_buffers"); got != mem {
		t.Fatalf("one replica left: buffers %d, want %d (the other still holds them)", got, mem)
	}
	r2.c.Close()
	testutil.WaitFor(t, 20*time.Second, func() bool {
		return infoField(tc, "replication", "connected_slaves") == "0" &&
			replInfoInt(t, tc, "replication", "repl_backlog_histlen") <= 32<<10
	}, "the backlog is trimmed back once no replica holds it")
	if got := replInfoInt(t, tc, "memory", "mem_total_replication_buffers"); got > 2*(16<<10+replBlockOverhead) {
		t.Fatalf("no replica left: buffers %d", got)
	}
}

// Redis 7.0 (the suite's "Replica could use replication buffer (beyond backlog
// config) for partial resynchronization" and "Replication backlog memory will
// become smaller if disconnecting with replica"): while a replica waits for its
// RDB, the stream it holds serves another replica's PSYNC from far beyond
// repl-backlog-size; a replica that caught up holds only the tail block; the
// waiting one, cut by its output limit, gives the memory back.
func TestReplBufferPartialResyncBeyondBacklog(t *testing.T) {
	_, addr := replTestServer(t, func(cfg *config.Config) { cfg.ReplBacklogSize = 16 << 10 })
	tc := dialTest(t, addr)
	for i := range 20 {
		tc.do("SET", "k"+strconv.Itoa(i), "v")
	}
	r1 := dialReplica(t, addr)
	id := strings.Fields(r1.handshake("?", -1, "eof", "psync2"))[1]
	r1.readRDB()
	r1.send("REPLCONF", "ACK", "0")
	tc.do("SET", "a", "1")
	r1.expectStream([]string{"SELECT", "0"}, []string{"SET", "a", "1"})
	have := replInfoInt(t, tc, "replication", "master_repl_offset")

	tc.do("CONFIG", "SET", "rdb-key-save-delay", "1000000") // r2's RDB takes 20 s
	r2 := dialReplica(t, addr)
	if got := r2.handshake("?", -1, "eof", "psync2"); !strings.HasPrefix(got, "+FULLRESYNC ") {
		t.Fatalf("PSYNC: %q", got)
	}
	r1.c.Close()
	testutil.WaitFor(t, 20*time.Second, func() bool { return infoField(tc, "replication", "connected_slaves") == "1" }, "r1 is gone")
	// r2's sync reset the stream's db: the next write selects it again.
	cmds := [][]string{{"SELECT", "0"}}
	for i := range 100 {
		args := []string{"SET", "m" + strconv.Itoa(i), strings.Repeat("y", 1000)}
		tc.do(args...)
		cmds = append(cmds, args)
	}
	if h := replInfoInt(t, tc, "replication", "repl_backlog_histlen"); h < 100000 {
		t.Fatalf("repl_backlog_histlen %d while a replica holds 100 KB", h)
	}
	r1 = dialReplica(t, addr)
	if got := r1.handshake(id, have+1, "eof", "psync2"); got != "+CONTINUE "+id {
		t.Fatalf("PSYNC %s %d, 100 KB back with a 16 KB backlog: %q", id, have+1, got)
	}
	r1.expectStream(cmds...)
	if got := infoField(tc, "stats", "sync_partial_ok"); got != "1" {
		t.Fatalf("sync_partial_ok %q", got)
	}
	// Caught up: it holds the tail block only (Redis's omem for a replica counts
	// the whole block).
	me := r1.c.LocalAddr().String()
	if omem, oll := replClientField(t, tc, me, "omem"), replClientField(t, tc, me, "oll"); omem != 16<<10+replBlockOverhead || oll != 1 {
		t.Fatalf("caught-up replica: omem %d oll %d", omem, oll)
	}

	tc.do("CONFIG", "SET", "client-output-buffer-limit", "replica 65536 0 0")
	big := []string{"SET", "big", strings.Repeat("z", 32<<10)}
	tc.do(big...)
	testutil.WaitFor(t, 20*time.Second, func() bool { return infoField(tc, "replication", "connected_slaves") == "1" },
		"the waiting replica is cut by its output limit")
	testutil.WaitFor(t, 20*time.Second, func() bool {
		return replInfoInt(t, tc, "replication", "repl_backlog_histlen") <= 32<<10
	}, "the backlog is trimmed back once the waiting replica is gone")
	r1.expectStream(big) // the caught-up replica was not cut
}
