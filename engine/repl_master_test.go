package engine

// Master-side replication tests with a hand-driven replica: a raw connection that
// speaks the replica's half of the protocol (REPLCONF, PSYNC, reading the RDB and
// the stream), so each step of Redis 7.0's replication.c master path is checked
// byte for byte. Interop with a real redis-server replica is in node/repl_test.go.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/rdb"
)

// fakeReplica is the replica end of a replication link.
type fakeReplica struct {
	t  *testing.T
	c  net.Conn
	rd *bufio.Reader
}

func dialReplica(t *testing.T, addr string) *fakeReplica {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &fakeReplica{t: t, c: c, rd: bufio.NewReader(c)}
}

func (f *fakeReplica) send(args ...string) {
	f.t.Helper()
	var b []byte
	b = appendRESPCommand(b, bytesArgs(args))
	if _, err := f.c.Write(b); err != nil {
		f.t.Fatal(err)
	}
}

func bytesArgs(args []string) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = []byte(a)
	}
	return out
}

// line reads one CRLF-terminated line, skipping the newlines a master sends to a
// replica waiting for its snapshot.
func (f *fakeReplica) line() string {
	f.t.Helper()
	f.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		l, err := f.rd.ReadString('\n')
		if err != nil {
			f.t.Fatalf("reading a line: %v (got %q)", err, l)
		}
		if l == "\n" {
			continue
		}
		return strings.TrimSuffix(l, "\r\n")
	}
}

// exactly reads n bytes.
func (f *fakeReplica) exactly(n int) []byte {
	f.t.Helper()
	f.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b := make([]byte, n)
	if _, err := io.ReadFull(f.rd, b); err != nil {
		f.t.Fatalf("reading %d bytes: %v", n, err)
	}
	return b
}

// handshake announces the replica and asks PSYNC id off; it returns the first
// reply line.
func (f *fakeReplica) handshake(id string, off int64, capas ...string) string {
	f.t.Helper()
	f.send("REPLCONF", "listening-port", "6390")
	if l := f.line(); l != "+OK" {
		f.t.Fatalf("REPLCONF listening-port: %q", l)
	}
	for _, capa := range capas {
		f.send("REPLCONF", "capa", capa)
		if l := f.line(); l != "+OK" {
			f.t.Fatalf("REPLCONF capa: %q", l)
		}
	}
	f.send("PSYNC", id, strconv.FormatInt(off, 10))
	return f.line()
}

// readRDB reads a full sync's payload, in either format, and returns the RDB.
func (f *fakeReplica) readRDB() []byte {
	f.t.Helper()
	hdr := f.line()
	if mark, ok := strings.CutPrefix(hdr, "$EOF:"); ok {
		if len(mark) != 40 {
			f.t.Fatalf("EOF mark %q", mark)
		}
		var data []byte
		for !bytes.HasSuffix(data, []byte(mark)) {
			data = append(data, f.exactly(1)...)
		}
		return data[:len(data)-40]
	}
	n, err := strconv.Atoi(strings.TrimPrefix(hdr, "$"))
	if err != nil || hdr[0] != '$' {
		f.t.Fatalf("payload header %q", hdr)
	}
	return f.exactly(n)
}

// rdbKeys parses an RDB and returns its keys as "db:key" and its aux fields.
func rdbKeys(t *testing.T, data []byte) ([]string, map[string]string) {
	t.Helper()
	var keys []string
	aux := map[string]string{}
	_, err := rdb.Parse(rdb.NewReader(bytes.NewReader(data)), &rdb.Handler{
		Aux: func(k, v []byte) error { aux[string(k)] = string(v); return nil },
		Key: func(k *rdb.Key) error { keys = append(keys, fmt.Sprint(k.DB, ":", string(k.Key))); return nil },
	}, rdb.ParseOptions{})
	if err != nil {
		t.Fatalf("the RDB of the full sync does not parse: %v", err)
	}
	return keys, aux
}

// expectStream reads exactly the RESP encoding of cmds from the replication stream.
func (f *fakeReplica) expectStream(cmds ...[]string) {
	f.t.Helper()
	var want []byte
	for _, c := range cmds {
		want = appendRESPCommand(want, bytesArgs(c))
	}
	if got := f.exactly(len(want)); !bytes.Equal(got, want) {
		f.t.Fatalf("stream:\n got %q\nwant %q", got, want)
	}
}

func replTestServer(t *testing.T, mutate func(*config.Config)) (*Server, string) {
	return startTestServer(t, func(cfg *config.Config) {
		cfg.ReplDisklessSyncDelay = 0
		cfg.Save = nil
		if mutate != nil {
			mutate(cfg)
		}
	})
}

// Redis 7.0: PSYNC ? -1 gets +FULLRESYNC <replid> <offset>, the RDB of that
// instant (diskless: EOF-marked), and, after the replica's first ACK, what was
// written meanwhile, starting with a SELECT.
func TestReplFullSyncDiskless(t *testing.T) {
	_, addr := replTestServer(t, nil)
	tc := dialTest(t, addr)
	tc.do("SET", "a", "1")
	tc.do("SELECT", "2")
	tc.do("RPUSH", "l", "x", "y")
	if got := infoField(tc, "replication", "repl_backlog_active"); got != "0" {
		t.Fatalf("backlog before any replica: %q", got)
	}

	r := dialReplica(t, addr)
	full := r.handshake("?", -1, "eof", "psync2")
	parts := strings.Fields(full)
	if len(parts) != 3 || parts[0] != "+FULLRESYNC" || len(parts[1]) != 40 || parts[2] != "0" {
		t.Fatalf("PSYNC reply %q", full)
	}
	keys, aux := rdbKeys(t, r.readRDB())
	if strings.Join(keys, ",") != "0:a,2:l" {
		t.Fatalf("RDB keys %v", keys)
	}
	if aux["repl-id"] != parts[1] || aux["repl-offset"] != "0" {
		t.Fatalf("RDB aux %v", aux)
	}
	// Written after the snapshot: held until the replica's first ACK.
	tc.do("SET", "b", "2")
	r.send("REPLCONF", "ACK", "0")
	r.expectStream([]string{"SELECT", "2"}, []string{"SET", "b", "2"})

	if got := infoField(tc, "replication", "slave0"); !strings.HasPrefix(got, "ip=127.0.0.1,port=6390,state=online,offset=0,lag=") {
		t.Fatalf("slave0:%s", got)
	}
	if got := infoField(tc, "replication", "master_replid"); got != parts[1] {
		t.Fatalf("master_replid %q, FULLRESYNC said %q", got, parts[1])
	}
	off := infoField(tc, "replication", "master_repl_offset")
	if want := len(appendRESPCommand(appendSelect(nil, 2), bytesArgs([]string{"SET", "b", "2"}))); off != strconv.Itoa(want) {
		t.Fatalf("master_repl_offset %s, want %d", off, want)
	}
	if got := infoField(tc, "stats", "sync_full"); got != "1" {
		t.Fatalf("sync_full %q", got)
	}
	// The replica connection is not an ordinary client.
	if got := infoField(tc, "clients", "connected_clients"); got != "1" {
		t.Fatalf("connected_clients %q", got)
	}
	if got := tc.do("CLIENT", "LIST", "TYPE", "replica"); !strings.Contains(got, "flags=S ") {
		t.Fatalf("CLIENT LIST TYPE replica: %q", got)
	}
	r.send("REPLCONF", "ACK", off)
	replWaitUntil(t, func() bool { return tc.do("ROLE") == "[master :"+off+" [[127.0.0.1 6390 "+off+"]]]" }, "ROLE lists the replica with its ACK: "+tc.do("ROLE"))
}

func replWaitUntil(t *testing.T, fn func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second) // generous: the machine may be loaded
	for !fn() {
		if time.Now().After(deadline) {
			t.Fatal("timed out: " + msg)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Disk-based: a BGSAVE to dbfilename, sent as "$<length>\r\n" + the file, and the
// stream right after it. A replica without capa eof gets this even with
// repl-diskless-sync yes.
func TestReplFullSyncDisk(t *testing.T) {
	for _, diskless := range []bool{false, true} {
		t.Run(fmt.Sprint("diskless=", diskless), func(t *testing.T) {
			_, addr := replTestServer(t, func(cfg *config.Config) { cfg.ReplDisklessSync = diskless })
			tc := dialTest(t, addr)
			tc.do("SET", "k", "v")
			r := dialReplica(t, addr)
			if full := r.handshake("?", -1, "psync2"); !strings.HasPrefix(full, "+FULLRESYNC ") {
				t.Fatalf("PSYNC reply %q", full)
			}
			if keys, _ := rdbKeys(t, r.readRDB()); strings.Join(keys, ",") != "0:k" {
				t.Fatalf("RDB keys %v", keys)
			}
			tc.do("DEL", "k")
			r.expectStream([]string{"SELECT", "0"}, []string{"DEL", "k"})
			if got := infoField(tc, "persistence", "rdb_bgsave_in_progress"); got != "0" {
				t.Fatalf("rdb_bgsave_in_progress %q", got)
			}
		})
	}
}

// Writes made while the snapshot is being taken are in the stream, not the RDB:
// the replica ends with exactly the master's data (copy-before-write keeps the
// snapshot at its instant).
func TestReplFullSyncUnderWrites(t *testing.T) {
	s, addr := replTestServer(t, func(cfg *config.Config) { cfg.RDBKeySaveDelay = 200 }) // µs per key
	tc := dialTest(t, addr)
	for i := 0; i < 300; i++ {
		tc.do("SET", "k"+strconv.Itoa(i), "old")
	}
	r := dialReplica(t, addr)
	if full := r.handshake("?", -1, "eof", "psync2"); !strings.HasPrefix(full, "+FULLRESYNC ") {
		t.Fatalf("PSYNC reply %q", full)
	}
	done := make(chan []string)
	go func() {
		keys, _ := rdbKeys(t, r.readRDB())
		done <- keys
	}()
	for i := 0; i < 300; i += 3 {
		tc.do("SET", "k"+strconv.Itoa(i), "new") // overwrites
		tc.do("DEL", "k"+strconv.Itoa(i+1))      // deletes
	}
	tc.do("SET", "fresh", "1") // created after the snapshot's instant
	keys := <-done
	if len(keys) != 300 {
		t.Fatalf("the RDB has %d keys, want the 300 of the snapshot's instant", len(keys))
	}
	for _, k := range keys {
		if k == "0:fresh" {
			t.Fatal("a key created after the snapshot is in it")
		}
	}
	r.send("REPLCONF", "ACK", "0")
	want := [][]string{{"SELECT", "0"}}
	for i := 0; i < 300; i += 3 {
		want = append(want, []string{"SET", "k" + strconv.Itoa(i), "new"}, []string{"DEL", "k" + strconv.Itoa(i+1)})
	}
	r.expectStream(append(want, []string{"SET", "fresh", "1"})...)
	_ = s
}

// PSYNC2: a replica that lost its link continues from the backlog with
// +CONTINUE <replid>; one whose offset the backlog no longer holds, or with
// another history, gets a full sync (and sync_partial_err counts it).
func TestReplPartialResync(t *testing.T) {
	_, addr := replTestServer(t, func(cfg *config.Config) { cfg.ReplBacklogSize = 16 << 10 })
	tc := dialTest(t, addr)
	r := dialReplica(t, addr)
	id := strings.Fields(r.handshake("?", -1, "eof", "psync2"))[1]
	r.readRDB()
	r.send("REPLCONF", "ACK", "0")
	tc.do("SET", "a", "1")
	r.expectStream([]string{"SELECT", "0"}, []string{"SET", "a", "1"})
	have, _ := strconv.ParseInt(infoField(tc, "replication", "master_repl_offset"), 10, 64)
	r.c.Close()
	replWaitUntil(t, func() bool { return infoField(tc, "replication", "connected_slaves") == "0" }, "the replica is gone")

	tc.do("SET", "b", "2") // missed while disconnected
	r = dialReplica(t, addr)
	if got := r.handshake(id, have+1, "eof", "psync2"); got != "+CONTINUE "+id {
		t.Fatalf("PSYNC %s %d: %q", id, have+1, got)
	}
	// No SELECT: the replica keeps the db of its previous link.
	r.expectStream([]string{"SET", "b", "2"})
	tc.do("SET", "c", "3")
	r.expectStream([]string{"SET", "c", "3"})
	if got := infoField(tc, "stats", "sync_partial_ok"); got != "1" {
		t.Fatalf("sync_partial_ok %q", got)
	}

	// Without psync2 the reply names no id.
	r2 := dialReplica(t, addr)
	off, _ := strconv.ParseInt(infoField(tc, "replication", "master_repl_offset"), 10, 64)
	if got := r2.handshake(id, off+1); got != "+CONTINUE" {
		t.Fatalf("PSYNC without psync2: %q", got)
	}

	// Past the end, and an unknown history: full syncs.
	r3 := dialReplica(t, addr)
	if got := r3.handshake(id, off+100, "psync2"); !strings.HasPrefix(got, "+FULLRESYNC "+id+" ") {
		t.Fatalf("PSYNC past the end: %q", got)
	}
	r4 := dialReplica(t, addr)
	if got := r4.handshake(strings.Repeat("a", 40), 1, "psync2"); !strings.HasPrefix(got, "+FULLRESYNC "+id+" ") {
		t.Fatalf("PSYNC of another history: %q", got)
	}
	// Beyond the backlog's window. The replicas still waiting for their sync hold
	// the stream from their snapshot on (Redis 7.0's shared buffer keeps it in the
	// backlog then: repl_buffer.go), so they go first.
	r2.c.Close()
	r3.c.Close()
	r4.c.Close()
	replWaitUntil(t, func() bool { return infoField(tc, "replication", "connected_slaves") == "1" }, "only the first replica is left")
	tc.do("SET", "big", strings.Repeat("x", 40<<10))
	r5 := dialReplica(t, addr)
	if got := r5.handshake(id, have+1, "psync2"); !strings.HasPrefix(got, "+FULLRESYNC ") {
		t.Fatalf("PSYNC of an offset out of the backlog: %q", got)
	}
	if got := infoField(tc, "stats", "sync_partial_err"); got != "3" {
		t.Fatalf("sync_partial_err %q", got)
	}
}

// WAIT counts the replicas that acknowledged the writes so far; it blocks until
// enough do or the timeout passes, and asks them with REPLCONF GETACK *.
func TestReplWait(t *testing.T) {
	_, addr := replTestServer(t, nil)
	tc := dialTest(t, addr)
	if got := tc.do("WAIT", "0", "0"); got != ":0" {
		t.Fatalf("WAIT 0 0: %q", got)
	}
	start := time.Now()
	if got := tc.do("WAIT", "1", "50"); got != ":0" || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("WAIT 1 50: %q after %v", got, time.Since(start))
	}
	r := dialReplica(t, addr)
	r.handshake("?", -1, "eof", "psync2")
	r.readRDB()
	r.send("REPLCONF", "ACK", "0")
	w := dialTest(t, addr)
	w.do("SET", "k", "v")
	r.expectStream([]string{"SELECT", "0"}, []string{"SET", "k", "v"})
	off := infoField(tc, "replication", "master_repl_offset")
	// WAIT is about the client's own writes: tc wrote nothing yet.
	if got := tc.do("WAIT", "1", "0"); got != ":1" {
		t.Fatalf("WAIT of a client without writes: %q", got)
	}

	w.raw("*3\r\n$4\r\nWAIT\r\n$1\r\n1\r\n$1\r\n0\r\n")
	r.expectStream([]string{"REPLCONF", "GETACK", "*"})
	w.c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := w.rd.ReadByte(); err == nil {
		t.Fatal("WAIT replied before the replica acknowledged")
	}
	w.c.SetReadDeadline(time.Time{})
	w.rd = bufio.NewReader(w.c)
	r.send("REPLCONF", "ACK", off)
	if got := w.read(); got != ":1" {
		t.Fatalf("WAIT 1 0 after the ACK: %q", got)
	}
	// Inside MULTI, WAIT does not block.
	tc.do("MULTI")
	tc.do("WAIT", "5", "0")
	if got := tc.do("EXEC"); got != "[:1]" {
		t.Fatalf("WAIT in MULTI: %q", got)
	}
}

// min-replicas-to-write: writes need that many replicas acknowledged within
// min-replicas-max-lag seconds.
func TestReplMinReplicas(t *testing.T) {
	_, addr := replTestServer(t, func(cfg *config.Config) { cfg.MinReplicasToWrite = 1 })
	tc := dialTest(t, addr)
	if got := tc.do("SET", "k", "v"); got != "-NOREPLICAS Not enough good replicas to write." {
		t.Fatalf("SET without replicas: %q", got)
	}
	if got := tc.do("GET", "k"); got != "(nil)" {
		t.Fatalf("GET: %q", got)
	}
	// Queued writes are refused as they are queued, which aborts the EXEC.
	tc.do("MULTI")
	if got := tc.do("SET", "k", "v"); got != "-NOREPLICAS Not enough good replicas to write." {
		t.Fatalf("SET in MULTI without replicas: %q", got)
	}
	if got := tc.do("EXEC"); got != "-EXECABORT Transaction discarded because of previous errors." {
		t.Fatalf("EXEC: %q", got)
	}
	if got := infoField(tc, "replication", "min_slaves_good_slaves"); got != "0" {
		t.Fatalf("min_slaves_good_slaves %q", got)
	}
	r := dialReplica(t, addr)
	r.handshake("?", -1, "eof", "psync2")
	r.readRDB()
	r.send("REPLCONF", "ACK", "0")
	replWaitUntil(t, func() bool { return tc.do("SET", "k", "v") == "OK" }, "a write is accepted with a good replica")
	if got := infoField(tc, "replication", "min_slaves_good_slaves"); got != "1" {
		t.Fatalf("min_slaves_good_slaves %q", got)
	}
}

// The replication id and offset are saved in the RDB (repl-id, repl-offset) and,
// after a restart, become the secondary history: a replica of the previous run
// continues with a partial resync (Redis 7.0's loadDataFromDisk).
func TestReplHistorySurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s1, addr := replTestServer(t, func(cfg *config.Config) { cfg.Dir = dir })
	tc := dialTest(t, addr)
	r := dialReplica(t, addr)
	id := strings.Fields(r.handshake("?", -1, "eof", "psync2"))[1]
	r.readRDB()
	r.send("REPLCONF", "ACK", "0")
	tc.do("SET", "k", "v")
	r.expectStream([]string{"SELECT", "0"}, []string{"SET", "k", "v"})
	off := infoField(tc, "replication", "master_repl_offset")
	if got := tc.do("SAVE"); got != "OK" {
		t.Fatalf("SAVE: %q", got)
	}
	s1.Shutdown()

	_, addr2 := replTestServer(t, func(cfg *config.Config) { cfg.Dir = dir })
	tc2 := dialTest(t, addr2)
	n, _ := strconv.ParseInt(off, 10, 64)
	if got := infoField(tc2, "replication", "master_replid2"); got != id {
		t.Fatalf("master_replid2 %q, want %q", got, id)
	}
	if got := infoField(tc2, "replication", "second_repl_offset"); got != strconv.FormatInt(n+1, 10) {
		t.Fatalf("second_repl_offset %q, want %d", got, n+1)
	}
	if got := infoField(tc2, "replication", "master_repl_offset"); got != off {
		t.Fatalf("master_repl_offset %q, want %s", got, off)
	}
	newID := infoField(tc2, "replication", "master_replid")
	r2 := dialReplica(t, addr2)
	if got := r2.handshake(id, n+1, "eof", "psync2"); got != "+CONTINUE "+newID {
		t.Fatalf("PSYNC with the previous run's id: %q", got)
	}
	tc2.do("SET", "k2", "v")
	r2.expectStream([]string{"SELECT", "0"}, []string{"SET", "k2", "v"})
}

// Replicas get a PING every repl-ping-replica-period; it is part of the stream
// and of the offset.
func TestReplPing(t *testing.T) {
	_, addr := replTestServer(t, func(cfg *config.Config) { cfg.ReplPingReplicaPeriod = 1 })
	r := dialReplica(t, addr)
	r.handshake("?", -1, "eof", "psync2")
	r.readRDB()
	r.send("REPLCONF", "ACK", "0")
	r.expectStream([]string{"PING"})
}

// REPLCONF's replies and errors, as Redis 7.0's replconfCommand.
func TestReplconf(t *testing.T) {
	_, addr := replTestServer(t, nil)
	tc := dialTest(t, addr)
	for _, tt := range []struct{ args, want string }{
		{"REPLCONF listening-port", "-ERR syntax error"},
		{"REPLCONF foo bar", "-ERR Unrecognized REPLCONF option: foo"},
		{"REPLCONF listening-port abc", "-ERR value is not an integer or out of range"},
		{"REPLCONF rdb-only 2", "-ERR value is out of range, value must between 0 and 1"},
		{"REPLCONF capa zz capa eof ip-address 10.0.0.1", "OK"},
		{"REPLCONF GETACK *", ""},
		{"REPLCONF", "OK"},
		{"PSYNC a b", "-ERR value is not an integer or out of range"},
	} {
		args := strings.Fields(tt.args)
		if tt.want == "" { // no reply: the next command's reply comes first
			tc.raw(string(appendRESPCommand(nil, bytesArgs(args))))
			if got := tc.do("PING"); got != "PONG" {
				t.Errorf("%s replied: %q", tt.args, got)
			}
			continue
		}
		if got := tc.do(args...); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.args, got, tt.want)
		}
	}
}

// A replica arriving during a disk-based sync joins it: the same +FULLRESYNC
// offset, the same RDB, and the stream since the snapshot's instant.
func TestReplAttachToDiskSync(t *testing.T) {
	_, addr := replTestServer(t, func(cfg *config.Config) {
		cfg.ReplDisklessSync = false
		cfg.RDBKeySaveDelay = 1000 // µs per key: the BGSAVE takes about 0.2 s
	})
	tc := dialTest(t, addr)
	for i := 0; i < 200; i++ {
		tc.do("SET", "k"+strconv.Itoa(i), "v")
	}
	r1 := dialReplica(t, addr)
	full1 := r1.handshake("?", -1, "psync2")
	tc.do("SET", "during", "1")
	r2 := dialReplica(t, addr)
	full2 := r2.handshake("?", -1, "psync2")
	if full1 != full2 || !strings.HasPrefix(full1, "+FULLRESYNC ") {
		t.Fatalf("PSYNC replies %q and %q", full1, full2)
	}
	if got := infoField(tc, "stats", "rdb_saves"); got != "" && got != "1" {
		t.Fatalf("rdb_saves %q: the second replica started its own BGSAVE", got)
	}
	tc.do("SET", "after", "2")
	for _, r := range []*fakeReplica{r1, r2} {
		if keys, _ := rdbKeys(t, r.readRDB()); len(keys) != 200 {
			t.Fatalf("RDB with %d keys", len(keys))
		}
		r.expectStream([]string{"SELECT", "0"}, []string{"SET", "during", "1"}, []string{"SET", "after", "2"})
	}
}

// client-output-buffer-limit replica: a replica whose pending stream passes the
// hard limit is dropped (it will resync) instead of holding memory without bound.
func TestReplOutputBufferLimit(t *testing.T) {
	_, addr := replTestServer(t, func(cfg *config.Config) {
		cfg.ClientOutputBufferLimit[config.ClientReplica] = config.OutputBufferLimit{Hard: 16 << 10}
		cfg.ReplBacklogSize = 16 << 10 // a replica's hard limit is never under the backlog (obuf_limit.go)
		cfg.RDBKeySaveDelay = 5000     // µs per key: the sync lasts while the stream grows
	})
	tc := dialTest(t, addr)
	for i := 0; i < 100; i++ {
		tc.do("SET", "k"+strconv.Itoa(i), "v")
	}
	r := dialReplica(t, addr)
	r.handshake("?", -1, "eof", "psync2")
	tc.do("SET", "big", strings.Repeat("x", 32<<10))
	replWaitUntil(t, func() bool { return infoField(tc, "replication", "connected_slaves") == "0" },
		"the replica over its output limit is dropped")
}

// A replica that stops acknowledging for longer than repl-timeout is dropped
// (Redis's "Disconnecting timedout replica (streaming sync)").
func TestReplTimeout(t *testing.T) {
	_, addr := replTestServer(t, func(cfg *config.Config) { cfg.ReplTimeout = 1 })
	tc := dialTest(t, addr)
	r := dialReplica(t, addr)
	r.handshake("?", -1, "eof", "psync2")
	r.readRDB()
	r.send("REPLCONF", "ACK", "0")
	replWaitUntil(t, func() bool {
		return strings.Contains(infoField(tc, "replication", "slave0"), "state=online")
	}, "the replica is online")
	replWaitUntil(t, func() bool { return infoField(tc, "replication", "connected_slaves") == "0" },
		"the silent replica is dropped after repl-timeout")
}

// rdb-filter-only (redis-cli --replica, --functions-rdb): the RDB has no data, and
// no functions unless asked; the stream follows the first ACK.
func TestReplFilteredSync(t *testing.T) {
	_, addr := replTestServer(t, nil)
	tc := dialTest(t, addr)
	tc.do("SET", "k", "v")
	for _, filter := range []string{"", "functions"} {
		r := dialReplica(t, addr)
		r.send("REPLCONF", "rdb-filter-only", filter)
		if l := r.line(); l != "+OK" {
			t.Fatalf("REPLCONF rdb-filter-only %q: %q", filter, l)
		}
		if full := r.handshake("?", -1, "eof"); !strings.HasPrefix(full, "+FULLRESYNC ") {
			t.Fatalf("PSYNC reply %q", full)
		}
		if keys, _ := rdbKeys(t, r.readRDB()); len(keys) != 0 {
			t.Fatalf("filter %q: the RDB has keys %v", filter, keys)
		}
		r.send("REPLCONF", "ACK", "0")
		tc.do("SET", "k2", filter)
		r.expectStream([]string{"SELECT", "0"}, []string{"SET", "k2", filter})
	}
}

// SHUTDOWN waits (writes paused) for replicas to acknowledge everything before it
// stops; SHUTDOWN ABORT cancels the wait (Redis 7.0's shutdown-timeout).
func TestReplShutdownWaitsForReplicas(t *testing.T) {
	for _, abort := range []bool{true, false} {
		t.Run(fmt.Sprint("abort=", abort), func(t *testing.T) {
			_, addr := replTestServer(t, nil)
			tc := dialTest(t, addr)
			r := dialReplica(t, addr)
			r.handshake("?", -1, "eof", "psync2")
			r.readRDB()
			r.send("REPLCONF", "ACK", "0")
			tc.do("SET", "k", "v")
			r.expectStream([]string{"SELECT", "0"}, []string{"SET", "k", "v"})
			off := infoField(tc, "replication", "master_repl_offset")

			sd := dialTest(t, addr)
			sd.raw("*1\r\n$8\r\nSHUTDOWN\r\n")
			r.expectStream([]string{"REPLCONF", "GETACK", "*"})
			w := dialTest(t, addr)
			w.raw("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n") // paused
			if got := tc.do("GET", "k"); got != "v" {
				t.Fatalf("reads go on during the wait: %q", got)
			}
			if abort {
				if got := tc.do("SHUTDOWN", "ABORT"); got != "OK" {
					t.Fatalf("SHUTDOWN ABORT: %q", got)
				}
				if got := sd.read(); got != "-ERR Errors trying to SHUTDOWN. Check logs." {
					t.Fatalf("the aborted SHUTDOWN: %q", got)
				}
				if got := w.read(); got != "OK" {
					t.Fatalf("the paused write: %q", got)
				}
				if got := tc.do("SHUTDOWN", "ABORT"); got != "-ERR No shutdown in progress." {
					t.Fatalf("second SHUTDOWN ABORT: %q", got)
				}
				return
			}
			// The replica acknowledges the offset (the GETACK included): the
			// server stops, closing the connections.
			n, _ := strconv.Atoi(off)
			r.send("REPLCONF", "ACK", strconv.Itoa(n+len("*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n")))
			sd.c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := sd.rd.ReadByte(); err == nil {
				t.Fatal("SHUTDOWN replied instead of closing the connection")
			}
		})
	}
}
