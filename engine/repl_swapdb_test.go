package engine

// A replica's swapdb load (repl_swapdb.go) and the EOF mark of a diskless payload,
// checked against what Redis 7.0.15's readSyncBulkPayload does (replication.c;
// the Tcl suite's integration/replication "Diskless load swapdb" tests).

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/replication"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// startLoggedServer is startTestServer with the log lines kept.
func startLoggedServer(t *testing.T, mutate func(*config.Config)) (*observer.ObservedLogs, string) {
	t.Helper()
	core, logs := observer.New(zapcore.InfoLevel)
	for attempt := 0; attempt < 20; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		cfg := config.Default()
		cfg.Port, cfg.Bind, cfg.Dir, cfg.Save = port, []string{"127.0.0.1"}, t.TempDir(), nil
		if mutate != nil {
			mutate(cfg)
		}
		s, err := New(Options{Config: cfg, Logger: zap.New(core)})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			continue
		}
		go s.Run()
		t.Cleanup(s.Shutdown)
		return logs, "127.0.0.1:" + strconv.Itoa(port)
	}
	t.Fatal("no test server")
	return nil, ""
}

func countLog(logs *observer.ObservedLogs, msg string) int {
	return logs.FilterMessage(msg).Len()
}

// rdbOf is the RDB of a dataset made by cmds on a fresh server.
func rdbOf(t *testing.T, cmds ...[]string) []byte {
	t.Helper()
	s, addr := startTestServer(t, func(c *config.Config) { c.Save = nil })
	tc := dialTest(t, addr)
	for _, c := range cmds {
		tc.do(c...)
	}
	var buf bytes.Buffer
	done := make(chan error, 1)
	s.Submit(func() { done <- s.saveRDBSync(&buf) })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fakeMasterTail answers the handshake with +FULLRESYNC id 0, then
// "$EOF:<mark>" and wire; the connection stays open (a wrong mark is never
// followed by the right one). It returns its port.
func fakeMasterTail(t *testing.T, id, mark string, wire []byte) string {
	return fakeMasterClose(t, id, mark, wire, false)
}

// fakeMasterClose is fakeMasterTail; with hangUp the connection closes after wire.
func fakeMasterClose(t *testing.T, id, mark string, wire []byte, hangUp bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				rd := bufio.NewReader(c)
				for i := 0; i < 4; i++ { // PING, listening-port, capa, PSYNC
					line, err := rd.ReadString('\n')
					if err != nil || len(line) < 2 {
						return
					}
					n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
					for j := 0; j < 2*n; j++ {
						if _, err := rd.ReadString('\n'); err != nil {
							return
						}
					}
					switch i {
					case 0:
						c.Write([]byte("+PONG\r\n"))
					case 3:
						c.Write([]byte("+FULLRESYNC " + id + " 0\r\n$EOF:" + mark + "\r\n"))
						c.Write(wire)
						if hangUp {
							return
						}
					default:
						c.Write([]byte("+OK\r\n"))
					}
				}
				io.Copy(io.Discard, rd)
			}(c)
		}
	}()
	return rrpPort(ln.Addr().String())
}

// The payload reader ends an EOF-marked payload at the RDB's end: the next 40
// bytes must be the mark, and when they are not the sync fails at once with
// Redis's "Replication stream EOF marker is broken" (it never waits for a mark
// that will not come).
func TestSyncPayloadBrokenEOFMark(t *testing.T) {
	payload := bytes.Repeat([]byte("rdb bytes "), 1000)
	mark := strings.Repeat("m", replication.IDLen)
	for name, tail := range map[string]string{
		"wrong mark":        strings.Repeat("x", replication.IDLen),
		"bytes before mark": "junk" + mark,
		"mark one off":      mark[:replication.IDLen-1] + "n",
	} {
		for _, chunk := range []int{1, 41, 1 << 20} {
			cl, sv := tcpPair(t)
			wire := append(append([]byte(nil), payload...), tail...)
			go func() {
				for b := wire; len(b) > 0; {
					n := min(chunk, len(b))
					if _, err := sv.Write(b[:n]); err != nil {
						return
					}
					b = b[n:]
				}
			}()
			j := &replJob{}
			hdr := replication.PayloadHeader{Length: -1, EOF: []byte(mark)}
			// A timeout far longer than the test: an error here that is not the
			// broken mark would be the read giving up.
			p := j.newSyncPayload(&linkReader{conn: cl, timeout: time.Minute}, hdr, func(string) {})
			got := make([]byte, len(payload))
			if _, err := io.ReadFull(p, got); err != nil || !bytes.Equal(got, payload) {
				t.Fatalf("%s/%d: payload %v", name, chunk, err)
			}
			if _, _, err := p.finish(cl, int64(len(payload))); err != errEOFMarkBroken {
				t.Fatalf("%s/%d: finish: %v, want the broken mark", name, chunk, err)
			}
		}
	}
}

// A diskless sync whose RDB is whole but whose mark differs fails, logged as
// Redis logs it: the replica loads nothing (on-empty-db), or keeps its dataset
// (swapdb).
func TestReplicaBrokenEOFMark(t *testing.T) {
	payload := rdbOf(t, []string{"SET", "k", "v"}, []string{"SET", "k2", "v2"})
	mark := strings.Repeat("a", replication.IDLen)
	wire := append(append([]byte(nil), payload...), strings.Repeat("b", replication.IDLen)...)
	for _, mode := range []string{"on-empty-db", "swapdb"} {
		t.Run(mode, func(t *testing.T) {
			logs, addr := startLoggedServer(t, func(c *config.Config) { c.ReplDisklessLoad = mode })
			tc := dialTest(t, addr)
			want := ":0"
			if mode == "swapdb" {
				tc.do("SET", "old", "1")
				want = ":1"
			}
			tc.do("REPLICAOF", "127.0.0.1", fakeMasterTail(t, strings.Repeat("f", 40), mark, wire))
			rrpWait(t, "the broken mark logged", func() bool {
				return countLog(logs, "Replication stream EOF marker is broken") > 0
			})
			rrpWait(t, "the load over", func() bool { return infoField(tc, "persistence", "loading") == "0" })
			if got := tc.do("DBSIZE"); got != want {
				t.Fatalf("DBSIZE %s after a broken mark, want %s", got, want)
			}
			if got := tc.do("EXISTS", "k"); got != ":0" {
				t.Fatalf("a key of the rejected payload is there: %s", got)
			}
			if n := countLog(logs, "MASTER <-> REPLICA sync: Finished with success"); n != 0 {
				t.Fatalf("the sync succeeded %d times", n)
			}
			if mode == "swapdb" && countLog(logs, "MASTER <-> REPLICA sync: Discarding temporary DB in background") == 0 {
				t.Fatal("no discarding of the temporary DB logged")
			}
		})
	}
	// The same payload with its right mark loads (the check is not over-strict).
	logs, addr := startLoggedServer(t, func(c *config.Config) { c.ReplDisklessLoad = "swapdb" })
	tc := dialTest(t, addr)
	tc.do("REPLICAOF", "127.0.0.1", fakeMasterTail(t, strings.Repeat("f", 40), mark, append(append([]byte(nil), payload...), mark...)))
	rrpWait(t, "the sync done", func() bool {
		return countLog(logs, "MASTER <-> REPLICA sync: Finished with success") > 0
	})
	if got := tc.do("DBSIZE"); got != ":2" {
		t.Fatalf("DBSIZE %s after a good payload", got)
	}
	if countLog(logs, "MASTER <-> REPLICA sync: Swapping active DB with loaded DB") == 0 {
		t.Fatal("no swap logged")
	}
}

// asyncPair is a master and a swapdb replica in sync, whose next sync is a full
// one with the same replication id (the replica's link killed while the backlog
// overflows), slow enough to watch (rdb-key-save-delay).
func asyncPair(t *testing.T, keys int) (master, replica *testConn, logs *observer.ObservedLogs) {
	t.Helper()
	_, maddr := startTestServer(t, func(c *config.Config) {
		c.ReplDisklessSync = true
		c.ReplDisklessSyncDelay = 0
		c.EnableDebugCommand = "yes"
		c.Save = nil
		c.RDBCompression = false
	})
	logs, raddr := startLoggedServer(t, func(c *config.Config) {
		c.ReplDisklessLoad = "swapdb"
		c.ReplicaReadOnly = false
		c.EnableDebugCommand = "yes"
		c.LoadingProcessEventsIntervalBytes = 1024
	})
	master, replica = dialTest(t, maddr), dialTest(t, raddr)
	replica.do("REPLICAOF", "127.0.0.1", rrpPort(maddr))
	rrpWait(t, "first sync", func() bool { return rrpInfo(replica, "master_link_status") == "up" })
	replica.do("DEBUG", "POPULATE", "200", "slave", "10")
	master.do("DEBUG", "POPULATE", strconv.Itoa(keys), "master", "1000")
	replica.do("SET", "mykey", "myvalue")
	replica.do("FUNCTION", "LOAD", "#!lua name=test\nredis.register_function('test', function() return 'hello1' end)")
	master.do("FUNCTION", "LOAD", "#!lua name=test\nredis.register_function('test', function() return 'hello2' end)")
	master.do("CONFIG", "SET", "rdb-key-save-delay", "2000") // µs per key
	master.do("MULTI")
	master.do("CLIENT", "KILL", "TYPE", "replica")
	master.do("CONFIG", "SET", "repl-backlog-size", "16384")
	for i := 0; i < 10; i++ {
		master.do("SET", "big"+strconv.Itoa(i), strings.Repeat("A", 16384))
	}
	master.do("EXEC")
	return master, replica, logs
}

// Redis 7.0's async_loading: during a swapdb full sync of the same history the
// replica serves the old dataset and functions (loading:0, async_loading:1),
// refuses only the no-async-loading commands and the configs that may not change
// while loading, and swaps at the end.
func TestReplicaAsyncLoading(t *testing.T) {
	master, replica, logs := asyncPair(t, 2000)
	rrpWait(t, "async_loading", func() bool { return infoField(replica, "persistence", "async_loading") == "1" })
	if got := infoField(replica, "persistence", "loading"); got != "0" {
		t.Fatalf("loading:%s during async loading", got)
	}
	checks := [][2]string{
		{"GET mykey", "myvalue"},
		{"DBSIZE", ":201"},
		{"FCALL test 0", "hello1"},
		{"SET other 1", "OK"}, // a writable replica takes writes into the old dataset
		{"REPLICAOF no one", "-LOADING Redis is loading the dataset in memory"},
		{"CONFIG SET appendonly no", "-LOADING Redis is loading the dataset in memory"},
		{"CONFIG SET loglevel notice", "OK"},
	}
	for _, c := range checks {
		if got := replica.do(strings.Fields(c[0])...); got != c[1] {
			t.Fatalf("%s during async loading: %q, want %q", c[0], got, c[1])
		}
	}
	if got := infoField(replica, "persistence", "async_loading"); got != "1" {
		t.Fatalf("the load ended too early for the checks (async_loading:%s)", got)
	}
	master.do("CONFIG", "SET", "rdb-key-save-delay", "0")
	rrpWait(t, "the swap", func() bool { return rrpInfo(replica, "master_link_status") == "up" })
	if got := replica.do("GET", "mykey"); got != "(nil)" {
		t.Fatalf("GET mykey after the swap: %q", got)
	}
	if got := replica.do("DBSIZE"); got != ":2010" {
		t.Fatalf("DBSIZE after the swap %s", got)
	}
	if got := replica.do("FCALL", "test", "0"); got != "hello2" {
		t.Fatalf("FCALL after the swap %q", got)
	}
	if countLog(logs, "MASTER <-> REPLICA sync: Swapping active DB with loaded DB") == 0 {
		t.Fatal("no swap logged")
	}
}

// An async load that fails (the master drops the link) leaves the old dataset,
// functions included, as Redis discards its temporary db.
func TestReplicaAsyncLoadingAborted(t *testing.T) {
	master, replica, _ := asyncPair(t, 2000)
	rrpWait(t, "async_loading", func() bool { return infoField(replica, "persistence", "async_loading") == "1" })
	master.do("CONFIG", "SET", "repl-diskless-sync-delay", "5")
	master.do("CLIENT", "KILL", "TYPE", "replica")
	rrpWait(t, "the load fails", func() bool { return infoField(replica, "persistence", "async_loading") == "0" })
	if got := replica.do("GET", "mykey"); got != "myvalue" {
		t.Fatalf("GET mykey after a failed async load: %q", got)
	}
	if got := replica.do("DBSIZE"); got != ":201" {
		t.Fatalf("DBSIZE after a failed async load: %s", got)
	}
	if got := replica.do("FCALL", "test", "0"); got != "hello1" {
		t.Fatalf("FCALL after a failed async load: %q", got)
	}
	master.do("CONFIG", "SET", "rdb-key-save-delay", "0")
}

// A swapdb sync from another history (a different replication id) is a plain
// load: loading:1, -LOADING, and the old dataset back if it fails.
func TestReplicaSwapdbOtherHistory(t *testing.T) {
	_, maddr := startTestServer(t, func(c *config.Config) {
		c.ReplDisklessSync = true
		c.ReplDisklessSyncDelay = 0
		c.EnableDebugCommand = "yes"
		c.Save = nil
		c.RDBCompression = false
	})
	_, raddr := startTestServer(t, func(c *config.Config) {
		c.ReplDisklessLoad = "swapdb"
		c.EnableDebugCommand = "yes"
		c.LoadingProcessEventsIntervalBytes = 1024
		c.Save = nil
	})
	master, replica := dialTest(t, maddr), dialTest(t, raddr)
	replica.do("DEBUG", "POPULATE", "200", "slave", "10")
	replica.do("SET", "mykey", "myvalue")
	master.do("DEBUG", "POPULATE", "1000", "master", "1000")
	master.do("CONFIG", "SET", "rdb-key-save-delay", "5000")
	replica.do("REPLICAOF", "127.0.0.1", rrpPort(maddr))
	rrpWait(t, "loading", func() bool { return infoField(replica, "persistence", "loading") == "1" })
	if got := infoField(replica, "persistence", "async_loading"); got != "0" {
		t.Fatalf("async_loading:%s for another history", got)
	}
	if got := replica.do("GET", "mykey"); !strings.HasPrefix(got, "-LOADING") {
		t.Fatalf("GET during the load: %q", got)
	}
	master.do("CONFIG", "SET", "repl-diskless-sync-delay", "5")
	master.do("CLIENT", "KILL", "TYPE", "replica")
	rrpWait(t, "the load fails", func() bool { return infoField(replica, "persistence", "loading") == "0" })
	if got := replica.do("GET", "mykey"); got != "myvalue" {
		t.Fatalf("GET mykey after the failed load: %q", got)
	}
	if got := replica.do("DBSIZE"); got != ":201" {
		t.Fatalf("DBSIZE after the failed load: %s", got)
	}
	master.do("CONFIG", "SET", "rdb-key-save-delay", "0")
}

// A master that goes away in the middle of a diskless payload: Redis logs the
// short read as a resumable error (rdbReportError), which the Tcl suite's
// "diskless loading short read" waits for, and the replica tries again.
func TestReplicaDisklessShortReadLog(t *testing.T) {
	payload := rdbOf(t, []string{"SET", "k", strings.Repeat("v", 1000)}, []string{"SET", "k2", "v2"})
	logs, addr := startLoggedServer(t, func(c *config.Config) { c.ReplDisklessLoad = "swapdb" })
	tc := dialTest(t, addr)
	tc.do("SET", "old", "1")
	tc.do("REPLICAOF", "127.0.0.1", fakeMasterClose(t, strings.Repeat("f", 40), strings.Repeat("a", 40), payload[:len(payload)/2], true))
	rrpWait(t, "the short read logged", func() bool {
		for _, e := range logs.All() {
			if strings.HasPrefix(e.Message, "Internal error in RDB reading offset ") &&
				strings.HasSuffix(e.Message, " -> Unexpected EOF reading RDB file. Failure loading rdb format from socket, assuming connection error, resuming operation.") {
				return true
			}
		}
		return false
	})
	if got := tc.do("GET", "old"); got != "1" {
		t.Fatalf("GET old after a short read: %q", got)
	}
}
