package engine

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
)

// replWait polls fn until it holds (the link runs on its own goroutine).
func rrpWait(t *testing.T, what string, fn func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !fn() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// infoField reads one field of INFO replication.
func rrpInfo(tc *testConn, field string) string {
	for _, l := range strings.Split(tc.do("INFO", "replication"), "\r\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return v
		}
	}
	return ""
}

func rrpPort(addr string) string { return addr[strings.LastIndexByte(addr, ':')+1:] }

func rrpPair(t *testing.T, mutate func(*config.Config)) (master, replica *testConn, maddr, raddr string) {
	_, maddr = startTestServer(t, func(c *config.Config) {
		c.ReplDisklessSyncDelay = 0
		c.EnableDebugCommand = "yes"
		c.Save = nil
	})
	_, raddr = startTestServer(t, func(c *config.Config) {
		c.EnableDebugCommand = "yes"
		c.Save = nil
		if mutate != nil {
			mutate(c)
		}
	})
	master, replica = dialTest(t, maddr), dialTest(t, raddr)
	return
}

func rrpInSync(t *testing.T, master, replica *testConn) {
	t.Helper()
	rrpWait(t, "replica in sync", func() bool {
		return rrpInfo(replica, "master_link_status") == "up" &&
			rrpInfo(replica, "slave_repl_offset") == rrpInfo(master, "master_repl_offset")
	})
	if m, r := master.do("DEBUG", "DIGEST"), replica.do("DEBUG", "DIGEST"); m != r {
		t.Fatalf("digest master %s replica %s", m, r)
	}
}

// Replies and errors of REPLICAOF / SLAVEOF as redis-server 7.0 gives them.
func TestReplicaofReplies(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	if got := tc.do("REPLICAOF", "NO", "ONE"); got != "OK" {
		t.Fatalf("NO ONE on a master: %q", got)
	}
	for _, port := range []string{"abc", "-1", "65536"} {
		if got := tc.do("REPLICAOF", "127.0.0.1", port); got != "-ERR Invalid master port" {
			t.Fatalf("port %s: %q", port, got)
		}
	}
	// A master that is not there: the node is a replica, the link down.
	if got := tc.do("SLAVEOF", "127.0.0.1", "1"); got != "OK" {
		t.Fatalf("SLAVEOF: %q", got)
	}
	if got := tc.do("REPLICAOF", "127.0.0.1", "1"); got != "OK Already connected to specified master" {
		t.Fatalf("same master: %q", got)
	}
	if got := rrpInfo(tc, "role"); got != "slave" {
		t.Fatalf("role %q", got)
	}
	for field, want := range map[string]string{"master_host": "127.0.0.1", "master_port": "1",
		"master_link_status": "down", "master_last_io_seconds_ago": "-1", "master_sync_in_progress": "0",
		"slave_repl_offset": "1", "slave_priority": "100", "slave_read_only": "1", "replica_announced": "1"} {
		if got := rrpInfo(tc, field); got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	if got := tc.do("SET", "k", "v"); got != "-READONLY You can't write against a read only replica." {
		t.Fatalf("write on a replica: %q", got)
	}
	tc.do("MULTI")
	if got := tc.do("SET", "k", "v"); !strings.HasPrefix(got, "-READONLY") {
		t.Fatalf("queued write: %q", got)
	}
	if got := tc.do("EXEC"); !strings.HasPrefix(got, "-EXECABORT") {
		t.Fatalf("EXEC: %q", got)
	}
	if got := tc.do("CONFIG", "SET", "replica-serve-stale-data", "no"); got != "OK" {
		t.Fatal(got)
	}
	if got := tc.do("GET", "k"); got != "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'." {
		t.Fatalf("stale read: %q", got)
	}
	if got := tc.do("INFO", "server"); strings.HasPrefix(got, "-") { // INFO is "stale"
		t.Fatalf("INFO: %q", got)
	}
	role := tc.do("ROLE")
	if !strings.HasPrefix(role, "[slave 127.0.0.1 :1 ") || !strings.HasSuffix(role, " :-1]") {
		t.Fatalf("ROLE %q", role)
	}
	if got := tc.do("CONFIG", "GET", "replicaof"); got != "[replicaof 127.0.0.1 1]" {
		t.Fatalf("CONFIG GET replicaof %q", got)
	}
	// NO ONE: master again, the inherited history kept as replid2.
	id := rrpInfo(tc, "master_replid")
	if got := tc.do("REPLICAOF", "NO", "ONE"); got != "OK" {
		t.Fatal(got)
	}
	if got := rrpInfo(tc, "role"); got != "master" {
		t.Fatalf("role %q", got)
	}
	if got := rrpInfo(tc, "master_replid2"); got != id {
		t.Fatalf("replid2 %q, want %q", got, id)
	}
	if got := tc.do("SET", "k", "v"); got != "OK" {
		t.Fatalf("write on a master: %q", got)
	}
}

// A keygrid replica of a keygrid master: full sync, the stream, a partial resync
// after a lost link, and promotion with REPLICAOF NO ONE.
func TestReplicaSyncAndStream(t *testing.T) {
	for _, diskless := range []bool{true, false} {
		t.Run("diskless="+strconv.FormatBool(diskless), func(t *testing.T) {
			master, replica, maddr, _ := rrpPair(t, nil)
			if !diskless {
				master.do("CONFIG", "SET", "repl-diskless-sync", "no")
			}
			master.do("SET", "a", "1")
			master.do("SELECT", "3")
			master.do("HSET", "h", "f", "v")
			master.do("SET", "ttl", "x", "EX", "1000")
			if got := replica.do("REPLICAOF", "127.0.0.1", rrpPort(maddr)); got != "OK" {
				t.Fatal(got)
			}
			rrpInSync(t, master, replica)
			// The stream, with SELECTs, transactions and rewritten commands.
			master.do("RPUSH", "l", "1", "2", "3")
			master.do("MULTI")
			master.do("INCR", "n")
			master.do("SPOP", "nosuch")
			master.do("EXPIRE", "l", "100")
			master.do("EXEC")
			master.do("SELECT", "0")
			master.do("DEL", "a")
			rrpInSync(t, master, replica)
			if got := replica.do("ROLE"); !strings.HasPrefix(got, "[slave 127.0.0.1 :"+rrpPort(maddr)+" connected :") {
				t.Fatalf("ROLE %q", got)
			}
			// WAIT counts the replica's ACKs.
			if got := master.do("WAIT", "1", "5000"); got != ":1" {
				t.Fatalf("WAIT %q", got)
			}
			// The link breaks: the replica continues from the master's backlog.
			if got := master.do("CLIENT", "KILL", "TYPE", "replica"); got != ":1" {
				t.Fatalf("CLIENT KILL %q", got)
			}
			master.do("SET", "during", "x")
			rrpInSync(t, master, replica)
			rrpWait(t, "a partial resync", func() bool {
				for _, l := range strings.Split(master.do("INFO", "stats"), "\r\n") {
					if l == "sync_partial_ok:1" {
						return true
					}
				}
				return false
			})
			// The replica drops its master link (CLIENT KILL TYPE master): the
			// same, from its side.
			if got := replica.do("CLIENT", "KILL", "TYPE", "master"); got != ":1" {
				t.Fatalf("CLIENT KILL TYPE master %q", got)
			}
			master.do("SET", "during2", "x")
			rrpInSync(t, master, replica)
			rrpWait(t, "a second partial resync", func() bool {
				return strings.Contains(master.do("INFO", "stats"), "sync_partial_ok:2\r\n")
			})
			// Promotion: writes allowed, the old history kept as replid2.
			oldID := rrpInfo(replica, "master_replid")
			off := rrpInfo(replica, "master_repl_offset")
			replica.do("REPLICAOF", "NO", "ONE")
			if got := rrpInfo(replica, "master_replid2"); got != oldID {
				t.Fatalf("replid2 %q want %q", got, oldID)
			}
			n, _ := strconv.ParseInt(off, 10, 64)
			if got := rrpInfo(replica, "second_repl_offset"); got != strconv.FormatInt(n+1, 10) {
				t.Fatalf("second_repl_offset %q, offset was %s", got, off)
			}
			if got := replica.do("SET", "new", "1"); got != "OK" {
				t.Fatal(got)
			}
		})
	}
}

// Chained replication: a replica passes its master's stream on byte for byte, so
// its own replica reaches the same dataset and offset; after the middle node is
// promoted, the old master becomes its replica with a partial resync (PSYNC2).
func TestReplicaChainAndFailoverPSYNC2(t *testing.T) {
	master, mid, maddr, midAddr := rrpPair(t, nil)
	_, leafAddr := startTestServer(t, func(c *config.Config) {
		c.EnableDebugCommand = "yes"
		c.Save = nil
	})
	leaf := dialTest(t, leafAddr)
	master.do("SET", "k", "v")
	mid.do("CONFIG", "SET", "repl-diskless-sync-delay", "0")
	mid.do("REPLICAOF", "127.0.0.1", rrpPort(maddr))
	rrpInSync(t, master, mid)
	leaf.do("REPLICAOF", "127.0.0.1", rrpPort(midAddr))
	rrpInSync(t, mid, leaf)
	master.do("SELECT", "2")
	master.do("LPUSH", "list", "a", "b")
	master.do("SELECT", "0")
	master.do("INCRBY", "c", "5")
	rrpInSync(t, master, mid)
	rrpInSync(t, master, leaf)
	if a, b := rrpInfo(master, "master_replid"), rrpInfo(leaf, "master_replid"); a != b {
		t.Fatalf("replid master %s leaf %s", a, b)
	}

	// Failover: mid is promoted, master follows it; the leaf stays on mid.
	mid.do("REPLICAOF", "NO", "ONE")
	master.do("REPLICAOF", "127.0.0.1", rrpPort(midAddr))
	mid.do("SET", "after", "failover")
	rrpInSync(t, mid, master)
	rrpInSync(t, mid, leaf)
	full := 0
	for _, l := range strings.Split(mid.do("INFO", "stats"), "\r\n") {
		if v, ok := strings.CutPrefix(l, "sync_full:"); ok {
			full, _ = strconv.Atoi(v)
		}
	}
	if full != 1 { // the leaf's first sync only: the rest were partial
		t.Fatalf("sync_full on the promoted node = %d", full)
	}
}

// FAILOVER: the master waits for its replica, hands over with PSYNC ... FAILOVER
// and follows it; nothing written before is lost, and the switch is a partial
// resync both ways.
func TestReplicaFailoverCommand(t *testing.T) {
	master, replica, maddr, raddr := rrpPair(t, nil)
	for i := 0; i < 100; i++ {
		master.do("SET", "k"+strconv.Itoa(i), "v")
	}
	replica.do("REPLICAOF", "127.0.0.1", rrpPort(maddr))
	rrpInSync(t, master, replica)
	if got := master.do("FAILOVER", "TO", "127.0.0.1", "1"); got != "-ERR FAILOVER target HOST and PORT is not a replica." {
		t.Fatalf("unknown target: %q", got)
	}
	if got := replica.do("FAILOVER"); got != "-ERR FAILOVER is not valid when server is a replica." {
		t.Fatalf("on a replica: %q", got)
	}
	if got := master.do("FAILOVER", "TO", "127.0.0.1", rrpPort(raddr), "TIMEOUT", "5000"); got != "OK" {
		t.Fatalf("FAILOVER: %q", got)
	}
	rrpWait(t, "roles swapped", func() bool {
		return rrpInfo(master, "role") == "slave" && rrpInfo(replica, "role") == "master" &&
			rrpInfo(master, "master_link_status") == "up"
	})
	if got := rrpInfo(master, "master_failover_state"); got != "no-failover" {
		t.Fatalf("failover state %q", got)
	}
	if got := replica.do("SET", "after", "1"); got != "OK" {
		t.Fatalf("write on the new master: %q", got)
	}
	rrpInSync(t, replica, master)
	for _, l := range strings.Split(replica.do("INFO", "stats"), "\r\n") {
		if strings.HasPrefix(l, "sync_full:") && l != "sync_full:0" {
			t.Fatalf("the old master needed a full sync: %s", l)
		}
	}
	if got := master.do("SET", "x", "1"); !strings.HasPrefix(got, "-READONLY") {
		t.Fatalf("write on the old master: %q", got)
	}
}

// A replica leaves expiry to its master: a key whose TTL passed is missing for
// its clients but stays until the master's DEL arrives (Redis's expireIfNeeded).
func TestReplicaExpiredKeysWaitForMaster(t *testing.T) {
	master, replica, maddr, _ := rrpPair(t, nil)
	master.do("DEBUG", "SET-ACTIVE-EXPIRE", "0")
	replica.do("REPLICAOF", "127.0.0.1", rrpPort(maddr))
	master.do("SET", "k", "v", "PX", "100")
	rrpInSync(t, master, replica)
	time.Sleep(150 * time.Millisecond)
	if got := replica.do("GET", "k"); got != "(nil)" {
		t.Fatalf("GET of an expired key on the replica: %q", got)
	}
	if got := replica.do("DBSIZE"); got != ":1" {
		t.Fatalf("DBSIZE %q: the replica deleted the key itself", got)
	}
	master.do("GET", "k") // the master expires it and propagates DEL
	rrpWait(t, "the master's DEL", func() bool { return replica.do("DBSIZE") == ":0" })
}

// A replica with the AOF on rewrites it after a full sync, so that the AOF holds
// the master's dataset plus the stream (DEBUG LOADAOF reloads the same digest).
func TestReplicaAOFAfterFullSync(t *testing.T) {
	master, replica, maddr, _ := rrpPair(t, func(c *config.Config) { c.AppendOnly = true })
	for i := 0; i < 50; i++ {
		master.do("SET", "k"+strconv.Itoa(i), "v")
	}
	replica.do("REPLICAOF", "127.0.0.1", rrpPort(maddr))
	rrpInSync(t, master, replica)
	master.do("RPUSH", "after", "1", "2")
	rrpInSync(t, master, replica)
	rrpWait(t, "the AOF rewrite", func() bool {
		for _, l := range strings.Split(replica.do("INFO", "persistence"), "\r\n") {
			if l == "aof_rewrite_in_progress:0" {
				return !strings.Contains(replica.do("INFO", "persistence"), "aof_rewrite_scheduled:1")
			}
		}
		return false
	})
	want := master.do("DEBUG", "DIGEST")
	if got := replica.do("DEBUG", "LOADAOF"); got != "OK" {
		t.Fatalf("DEBUG LOADAOF %q", got)
	}
	if got := replica.do("DEBUG", "DIGEST"); got != want {
		t.Fatalf("digest after reloading the replica's AOF %s, master %s", got, want)
	}
}

// fakeMaster answers a replica's handshake with +FULLRESYNC and sends payload as
// an EOF-marked RDB; it returns its port. Every connection gets the same.
func fakeMaster(t *testing.T, payload string) string { return fakeMasterMark(t, payload, true) }

// fakeMasterMark is fakeMaster; without the mark the transfer never ends.
func fakeMasterMark(t *testing.T, payload string, withMark bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	mark := strings.Repeat("e", 40)
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
					if err != nil {
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
						end := mark
						if !withMark {
							end = ""
						}
						c.Write([]byte("+FULLRESYNC " + strings.Repeat("f", 40) + " 0\r\n$EOF:" + mark + "\r\n" + payload + end))
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

// repl-diskless-load: a payload that does not load keeps the old dataset with
// swapdb, and leaves an empty one otherwise (disabled, or on-empty-db with keys,
// which loads from disk); a diskless load writes no file.
func TestReplicaDisklessLoadModes(t *testing.T) {
	for _, tc := range []struct {
		mode     string
		keepsOld bool
	}{{"disabled", false}, {"on-empty-db", false}, {"swapdb", true}} {
		t.Run(tc.mode, func(t *testing.T) {
			dir := ""
			_, addr := startTestServer(t, func(c *config.Config) {
				c.ReplDisklessLoad = tc.mode
				c.Save = nil
				dir = c.Dir
			})
			tc2 := dialTest(t, addr)
			tc2.do("SET", "old", "1")
			tc2.do("REPLICAOF", "127.0.0.1", fakeMaster(t, "REDIS0010garbage"))
			rrpWait(t, "a failed load", func() bool { return tc2.do("EXISTS", "old") == ":0" || tc.keepsOld })
			time.Sleep(300 * time.Millisecond) // a few attempts
			want := ":0"
			if tc.keepsOld {
				want = ":1"
			}
			if got := tc2.do("EXISTS", "old"); got != want {
				t.Fatalf("EXISTS old = %s after a failed load", got)
			}
			if got := rrpInfo(tc2, "master_link_status"); got != "down" {
				t.Fatalf("link %s", got)
			}
			_, err := os.Stat(filepath.Join(dir, "dump.rdb"))
			if disk := err == nil; disk != (tc.mode != "swapdb") {
				t.Fatalf("dump.rdb written: %v", disk)
			}
		})
	}
	// A good payload through swapdb: the new dataset, no file.
	master, replica, maddr, _ := rrpPair(t, func(c *config.Config) { c.ReplDisklessLoad = "swapdb" })
	replica.do("SET", "old", "1")
	master.do("SET", "new", "1")
	replica.do("REPLICAOF", "127.0.0.1", rrpPort(maddr))
	rrpInSync(t, master, replica)
	if got := replica.do("EXISTS", "old"); got != ":0" {
		t.Fatalf("the old dataset survived a successful swapdb load: %s", got)
	}
}

// On a writable replica a write command deletes a key whose TTL passed (Redis 7.0's
// LOOKUP_WRITE forcing the deletion) rather than trip over it.
func TestReplicaWritableExpiredKey(t *testing.T) {
	master, replica, maddr, _ := rrpPair(t, nil)
	master.do("DEBUG", "SET-ACTIVE-EXPIRE", "0")
	replica.do("CONFIG", "SET", "replica-read-only", "no")
	replica.do("REPLICAOF", "127.0.0.1", rrpPort(maddr))
	master.do("SADD", "s", "a")
	master.do("PEXPIRE", "s", "50")
	rrpInSync(t, master, replica)
	time.Sleep(100 * time.Millisecond)
	if got := replica.do("SADD", "s", "b"); got != ":1" {
		t.Fatalf("SADD %q", got)
	}
	if got := replica.do("SMEMBERS", "s"); got != "[b]" {
		t.Fatalf("SMEMBERS %q", got)
	}
}

// INFO replication during a transfer: Redis 7.0's master_sync_* fields, and ROLE's
// "sync" state.
func TestReplicaInfoDuringTransfer(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	tc.do("REPLICAOF", "127.0.0.1", fakeMasterMark(t, "REDIS0010 and then nothing", false))
	rrpWait(t, "the transfer", func() bool { return rrpInfo(tc, "master_sync_read_bytes") == "26" })
	var fields []string
	for _, l := range strings.Split(tc.do("INFO", "replication"), "\r\n") {
		if name, val, ok := strings.Cut(l, ":"); ok && strings.HasPrefix(name, "master_") {
			fields = append(fields, name+"="+val)
		}
	}
	want := "master_host=127.0.0.1 master_port=" + rrpInfo(tc, "master_port") + " master_link_status=down " +
		"master_last_io_seconds_ago=-1 master_sync_in_progress=1 master_sync_total_bytes=-1 " +
		"master_sync_read_bytes=26 master_sync_left_bytes=-27 master_sync_perc=-2600.00 " +
		"master_sync_last_io_seconds_ago=0 master_link_down_since_seconds=-1"
	if got := strings.Join(fields[:len(fields)-4], " "); got != want { // then failover state, replids
		t.Fatalf("INFO replication\n got %s\nwant %s", got, want)
	}
	if role := tc.do("ROLE"); !strings.Contains(role, " sync :-1]") {
		t.Fatalf("ROLE %q", role)
	}
}

// FAILOVER TIMEOUT without FORCE gives up when the replica does not catch up, and
// writes resume on the master; FAILOVER ABORT likewise.
func TestReplicaFailoverTimeoutAndAbort(t *testing.T) {
	master, replica, maddr, raddr := rrpPair(t, nil)
	replica.do("REPLICAOF", "127.0.0.1", rrpPort(maddr))
	rrpInSync(t, master, replica)
	replica.do("CLIENT", "PAUSE", "3000", "WRITE") // holds the master's stream too
	master.do("SET", "k", "v")
	if got := master.do("FAILOVER", "TIMEOUT", "300"); got != "OK" {
		t.Fatal(got)
	}
	if got := rrpInfo(master, "master_failover_state"); got != "waiting-for-sync" {
		t.Fatalf("state %q", got)
	}
	if got := master.do("FAILOVER"); got != "-ERR FAILOVER already in progress." {
		t.Fatalf("second FAILOVER %q", got)
	}
	rrpWait(t, "the timeout", func() bool { return rrpInfo(master, "master_failover_state") == "no-failover" })
	if got := master.do("SET", "k2", "v"); got != "OK" {
		t.Fatalf("write after the aborted FAILOVER %q", got)
	}
	if got := rrpInfo(master, "role"); got != "master" {
		t.Fatalf("role %q", got)
	}
	if got := master.do("FAILOVER", "TO", "127.0.0.1", rrpPort(raddr)); got != "OK" {
		t.Fatal(got)
	}
	if got := master.do("FAILOVER", "ABORT"); got != "OK" {
		t.Fatalf("ABORT %q", got)
	}
	if got := master.do("SET", "k3", "v"); got != "OK" {
		t.Fatalf("write after ABORT %q", got)
	}
	replica.do("CLIENT", "UNPAUSE")
	rrpInSync(t, master, replica)
}
