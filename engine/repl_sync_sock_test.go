package engine

// Diskless full syncs written by the loop (repl_sync_sock.go): a slow replica
// holds back the walk instead of piling the snapshot up in memory, a replica that
// reads nothing is dropped after repl-timeout, and one that leaves mid-transfer
// does not disturb the others.

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
)

// readEOFPayload reads an EOF-marked payload ("$EOF:<mark>" already read as hdr)
// in reads of at most step bytes, pausing between them, and returns the RDB.
func (f *fakeReplica) readEOFPayload(hdr string, step int, pause time.Duration) []byte {
	f.t.Helper()
	mark, ok := strings.CutPrefix(hdr, "$EOF:")
	if !ok || len(mark) != 40 {
		f.t.Fatalf("payload header %q", hdr)
	}
	var data []byte
	buf := make([]byte, step)
	for !bytes.HasSuffix(data, []byte(mark)) {
		f.c.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := f.rd.Read(buf)
		data = append(data, buf[:n]...)
		if err != nil {
			f.t.Fatalf("reading the payload after %d bytes: %v", len(data), err)
		}
		time.Sleep(pause)
	}
	return data[:len(data)-len(mark)]
}

// syncTestServer is a master whose RDB stores strings uncompressed (DEBUG
// POPULATE's values would shrink to nothing), so a few thousand keys make
// megabytes of payload.
func syncTestServer(t *testing.T, mutate func(*config.Config)) string {
	_, addr := replTestServer(t, func(cfg *config.Config) {
		cfg.RDBCompression = false
		cfg.EnableDebugCommand = "yes"
		if mutate != nil {
			mutate(cfg)
		}
	})
	return addr
}

// fillForSync gives the master n keys of about size bytes each, stored
// uncompressed in the RDB.
func fillForSync(t *testing.T, tc *testConn, n, size int) {
	t.Helper()
	if got := tc.do("DEBUG", "POPULATE", strconv.Itoa(n), "key", strconv.Itoa(size)); got != "OK" {
		t.Fatalf("DEBUG POPULATE: %q", got)
	}
}

// A replica slower than the walk: the snapshot waits for its socket, holding
// about snapLoopMaxInflight (the writer goroutine held up to snapMaxInflight,
// here the whole 24 MB), and the RDB arrives whole.
func TestReplDisklessSlowReplica(t *testing.T) {
	addr := syncTestServer(t, nil)
	tc := dialTest(t, addr)
	const keys = 24000
	fillForSync(t, tc, keys, 1000)
	r := dialReplica(t, addr)
	if full := r.handshake("?", -1, "eof", "psync2"); !strings.HasPrefix(full, "+FULLRESYNC ") {
		t.Fatalf("PSYNC reply %q", full)
	}
	hdr := r.line()
	got := make(chan []byte, 1)
	go func() {
		defer close(got)
		got <- r.readEOFPayload(hdr, 64<<10, 2*time.Millisecond)
	}()
	peak := int64(0)
	var data []byte
	for done := false; !done; {
		select {
		case data = <-got:
			done = true
		case <-time.After(20 * time.Millisecond):
			if n, err := strconv.ParseInt(infoField(tc, "persistence", "current_cow_size"), 10, 64); err == nil {
				peak = max(peak, n)
			}
		}
	}
	if data == nil {
		t.Fatal("the payload did not arrive")
	}
	if ks, _ := rdbKeys(t, data); len(ks) != keys {
		t.Fatalf("%d keys in the RDB, want %d", len(ks), keys)
	}
	// The bound plus what one slice encodes past it.
	if limit := int64(snapLoopMaxInflight + 4<<20); peak > limit || peak == 0 {
		t.Fatalf("current_cow_size peaked at %d during the transfer, want 0 < peak <= %d", peak, limit)
	}
	r.send("REPLCONF", "ACK", "0")
	replWaitUntil(t, func() bool { return strings.Contains(infoField(tc, "replication", "slave0"), "state=online") },
		"the replica is online after its ACK")
}

// A replica that reads nothing holds the snapshot until repl-timeout, then is
// dropped (Redis's "Disconnecting timedout replica (full sync)"), and the
// snapshot ends.
func TestReplDisklessTimedOutReplica(t *testing.T) {
	addr := syncTestServer(t, func(cfg *config.Config) { cfg.ReplTimeout = 1 })
	tc := dialTest(t, addr)
	fillForSync(t, tc, 24000, 1000)
	r := dialReplica(t, addr)
	r.handshake("?", -1, "eof", "psync2")
	replWaitUntil(t, func() bool { return infoField(tc, "persistence", "rdb_bgsave_in_progress") == "1" },
		"the sync's snapshot runs")
	replWaitUntil(t, func() bool {
		return infoField(tc, "replication", "connected_slaves") == "0" &&
			infoField(tc, "persistence", "rdb_bgsave_in_progress") == "0"
	}, "the silent replica is dropped and the snapshot ends")
	// The master serves another full sync afterwards.
	r2 := dialReplica(t, addr)
	r2.handshake("?", -1, "eof", "psync2")
	if ks, _ := rdbKeys(t, r2.readEOFPayload(r2.line(), 1<<20, 0)); len(ks) != 24000 {
		t.Fatalf("%d keys in the second sync's RDB", len(ks))
	}
}

// Two replicas share a snapshot; one goes away half-way: the other gets the
// whole RDB and comes online.
func TestReplDisklessReplicaLeavesMidSync(t *testing.T) {
	addr := syncTestServer(t, func(cfg *config.Config) {
		cfg.ReplDisklessSyncDelay = 30
		cfg.ReplDisklessSyncMaxReplicas = 2 // both join the same snapshot
	})
	tc := dialTest(t, addr)
	const keys = 24000
	fillForSync(t, tc, keys, 1000)
	a, b := dialReplica(t, addr), dialReplica(t, addr)
	a.send("REPLCONF", "capa", "eof")
	b.send("REPLCONF", "capa", "eof")
	if a.line() != "+OK" || b.line() != "+OK" {
		t.Fatal("REPLCONF capa eof")
	}
	a.send("PSYNC", "?", "-1")
	b.send("PSYNC", "?", "-1")
	for _, f := range []*fakeReplica{a, b} {
		if l := f.line(); !strings.HasPrefix(l, "+FULLRESYNC ") {
			t.Fatalf("PSYNC reply %q", l)
		}
	}
	hdrA := a.line()
	if !strings.HasPrefix(hdrA, "$EOF:") {
		t.Fatalf("payload header %q", hdrA)
	}
	a.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(a.rd, make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	a.c.Close()
	data := b.readEOFPayload(b.line(), 256<<10, time.Millisecond)
	if ks, _ := rdbKeys(t, data); len(ks) != keys {
		t.Fatalf("%d keys in the RDB, want %d", len(ks), keys)
	}
	b.send("REPLCONF", "ACK", "0")
	replWaitUntil(t, func() bool {
		return infoField(tc, "replication", "connected_slaves") == "1" &&
			strings.Contains(infoField(tc, "replication", "slave0"), "state=online")
	}, "the remaining replica is online")
}
