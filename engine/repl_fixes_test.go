package engine

// Replication behaviours found by Redis 7.0.15's Tcl units in local mode
// (integration/replication, replication-2, replication-3, replication-4,
// psync2-master-restart), each checked against what redis-server does there.

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
)

// replication-2 "If min-slaves-to-write is honored, write is accepted": CONFIG SET
// min-replicas-to-write counts the good replicas at once (updateGoodSlaves), so
// the very next write is accepted.
func TestMinReplicasConfigSetCountsAtOnce(t *testing.T) {
	master, replica, maddr, _ := rrpPair(t, nil)
	replica.do("REPLICAOF", "127.0.0.1", rrpPort(maddr))
	rrpInSync(t, master, replica)
	rrpWait(t, "replica online", func() bool { return strings.Contains(master.do("INFO", "replication"), "state=online") })
	master.do("CONFIG", "SET", "min-replicas-to-write", "1")
	master.do("CONFIG", "SET", "min-replicas-max-lag", "10")
	if got := master.do("SET", "foo", "1"); got != "OK" {
		t.Fatalf("SET right after CONFIG SET min-replicas-to-write 1: %q", got)
	}
	master.do("CONFIG", "SET", "min-replicas-to-write", "2")
	if got := master.do("SET", "foo", "1"); !strings.HasPrefix(got, "-NOREPLICAS") {
		t.Fatalf("SET with 2 required and 1 replica: %q", got)
	}
}

// replication-3 "Slave is able to evict keys created in writable slaves": keys a
// writable replica's own clients gave a TTL expire there (expireSlaveKeys); the
// master's keys still wait for the master's DEL.
func TestWritableReplicaExpiresItsOwnKeys(t *testing.T) {
	master, replica, maddr, _ := rrpPair(t, nil)
	replica.do("REPLICAOF", "127.0.0.1", rrpPort(maddr))
	rrpInSync(t, master, replica)
	master.do("DEBUG", "SET-ACTIVE-EXPIRE", "0")
	master.do("SET", "frommaster", "1", "PX", "50")
	rrpInSync(t, master, replica)
	replica.do("CONFIG", "SET", "replica-read-only", "no")
	replica.do("SELECT", "5")
	for i := 1; i <= 3; i++ {
		replica.do("SET", "key"+strconv.Itoa(i), "1", "PX", "100")
	}
	if got := replica.do("DBSIZE"); got != ":3" {
		t.Fatalf("DBSIZE %s", got)
	}
	rrpWait(t, "the replica's own keys expire", func() bool { return replica.do("DBSIZE") == ":0" })
	replica.do("SELECT", "0")
	if got := replica.do("DBSIZE"); got != ":1" {
		t.Fatalf("the master's key went without its DEL: DBSIZE %s", got)
	}
}

// replication "BLPOP followed by role change, issue #2473": a client blocked while
// the node was a master gets -UNBLOCKED and is closed when it becomes a replica,
// so it cannot pop what the new master pushes.
func TestBlockedClientsDisconnectedOnReplicaof(t *testing.T) {
	master, replica, maddr, raddr := rrpPair(t, nil)
	_ = master
	conn, err := net.Dial("tcp", raddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("*3\r\n$5\r\nBLPOP\r\n$3\r\nfoo\r\n$1\r\n0\r\n"))
	rrpWait(t, "BLPOP blocked", func() bool { return infoField(replica, "clients", "blocked_clients") == "1" })
	replica.do("REPLICAOF", "127.0.0.1", rrpPort(maddr))
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 256)
	n, _ := conn.Read(buf)
	want := "-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n"
	if string(buf[:n]) != want {
		t.Fatalf("blocked client got %q", buf[:n])
	}
	if _, err := conn.Read(buf); err == nil {
		t.Fatal("the unblocked client was not closed")
	}
}

// replication-4 "Data divergence can happen under default conditions": DEBUG
// REPLICATE puts a command in the stream only; the replica, which fails it,
// logs Redis's critical line and counts unexpected_error_replies.
func TestReplicaLogsErrorsFromMaster(t *testing.T) {
	_, maddr := startTestServer(t, func(c *config.Config) {
		c.ReplDisklessSyncDelay = 0
		c.EnableDebugCommand = "yes"
		c.Save = nil
	})
	logs, raddr := startLoggedServer(t, func(c *config.Config) { c.EnableDebugCommand = "yes" })
	master, replica := dialTest(t, maddr), dialTest(t, raddr)
	replica.do("REPLICAOF", "127.0.0.1", rrpPort(maddr))
	rrpInSync(t, master, replica)
	if got := master.do("DEBUG", "REPLICATE", "fake-command-1"); got != "OK" {
		t.Fatalf("DEBUG REPLICATE: %q", got)
	}
	if got := master.do("EXISTS", "fake-command-1"); got != ":0" {
		t.Fatalf("DEBUG REPLICATE changed the master: %q", got)
	}
	rrpWait(t, "the critical line", func() bool {
		return logs.FilterMessage("== CRITICAL == This replica is sending an error to its master: "+
			"'unknown command 'fake-command-1', with args beginning with: ' after processing the command '<unknown>'").Len() == 1
	})
	if got := infoField(replica, "stats", "unexpected_error_replies"); got != "1" {
		t.Fatalf("unexpected_error_replies %s", got)
	}
	// A writable replica's own key makes the master's INCRBY fail there.
	replica.do("CONFIG", "SET", "replica-read-only", "no")
	replica.do("SET", "number2", "foo")
	master.do("INCRBY", "number2", "1")
	rrpWait(t, "the incrby line", func() bool {
		n := 0
		for _, e := range logs.All() {
			if strings.Contains(e.Message, "incrby") {
				n++
			}
		}
		return n == 1
	})
	if got := replica.do("GET", "number2"); got != "foo" {
		t.Fatalf("GET number2 on the replica %q", got)
	}
}

// psync2-master-restart "when offset is 0": the first PING to the replicas waits
// a whole repl-ping-replica-period, as Redis's first replicationCron runs at
// start-up with no replica yet.
func TestFirstReplicaPingWaitsAPeriod(t *testing.T) {
	master, replica, maddr, _ := rrpPair(t, nil)
	master.do("CONFIG", "SET", "repl-ping-replica-period", "3600")
	replica.do("REPLICAOF", "127.0.0.1", rrpPort(maddr))
	rrpInSync(t, master, replica)
	time.Sleep(2500 * time.Millisecond) // two replicationCron runs
	if got := rrpInfo(master, "master_repl_offset"); got != "0" {
		t.Fatalf("master_repl_offset %s with no write and a 3600 s ping period", got)
	}
}

// replication "Slave is able to detect timeout during handshake": a master that
// says nothing for repl-timeout during the handshake is logged as Redis's
// replicationCron does.
func TestReplicaHandshakeTimeoutLog(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // silent: never answers PING
		}
	}()
	logs, raddr := startLoggedServer(t, func(c *config.Config) { c.ReplTimeout = 1 })
	replica := dialTest(t, raddr)
	replica.do("REPLICAOF", "127.0.0.1", rrpPort(ln.Addr().String()))
	rrpWait(t, "the timeout line", func() bool { return logs.FilterMessage("Timeout connecting to the MASTER...").Len() > 0 })
}

// replication-psync "no backlog": a replica whose loop is busy (here DEBUG SLEEP
// in the same transaction that killed its master link) sends PSYNC only when the
// loop is free again, as Redis's in-loop handshake does; a master whose backlog
// moved past the replica's offset meanwhile answers with a full resync.
func TestReplicaPSYNCWaitsForItsLoop(t *testing.T) {
	master, replica, maddr, raddr := rrpPair(t, nil)
	master.do("CONFIG", "SET", "repl-backlog-size", "16384")
	replica.do("REPLICAOF", "127.0.0.1", rrpPort(maddr))
	rrpInSync(t, master, replica)
	conn, err := net.Dial("tcp", raddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("*1\r\n$5\r\nMULTI\r\n*4\r\n$6\r\nCLIENT\r\n$4\r\nKILL\r\n$4\r\nTYPE\r\n$6\r\nmaster\r\n" +
		"*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$1\r\n1\r\n*1\r\n$4\r\nEXEC\r\n"))
	rrpWait(t, "the link killed", func() bool {
		return strings.Contains(master.do("INFO", "replication"), "connected_slaves:0")
	})
	for i := 0; i < 3; i++ { // 60 KB past the replica's offset, in a 16 KB backlog
		master.do("SET", "k"+strconv.Itoa(i), strings.Repeat("x", 20000))
	}
	rrpInSync(t, master, replica)
	if got := infoField(master, "stats", "sync_partial_ok"); got != "0" {
		t.Fatalf("sync_partial_ok %s: the PSYNC went while the replica slept", got)
	}
	if got := infoField(master, "stats", "sync_partial_err"); got != "1" {
		t.Fatalf("sync_partial_err %s", got)
	}
}

// psync2-master-restart: CONFIG RESETSTAT clears the replication counters of INFO
// stats, as Redis's resetServerStats.
func TestResetstatClearsReplicationStats(t *testing.T) {
	master, replica, maddr, _ := rrpPair(t, nil)
	replica.do("REPLICAOF", "127.0.0.1", rrpPort(maddr))
	rrpInSync(t, master, replica)
	if got := infoField(master, "stats", "sync_full"); got != "1" {
		t.Fatalf("sync_full %s after one full sync", got)
	}
	master.do("CONFIG", "RESETSTAT")
	for _, f := range []string{"sync_full", "sync_partial_ok", "sync_partial_err", "total_net_repl_output_bytes"} {
		if got := infoField(master, "stats", f); got != "0" {
			t.Fatalf("%s %s after CONFIG RESETSTAT", f, got)
		}
	}
}

// replication "Kill rdb child process if its dumping RDB is not useful": a full
// sync's snapshot with rdb-key-save-delay takes about the delay per key (Redis
// sleeps that long per key in its child), so the replica is seen in
// wait_bgsave; a delay above a millisecond used to write a key a millisecond.
func TestRDBKeySaveDelaySlowsTheSyncSnapshot(t *testing.T) {
	master, replica, maddr, _ := rrpPair(t, nil)
	master.do("CONFIG", "SET", "repl-diskless-sync", "no")
	master.do("DEBUG", "POPULATE", "10", "master2", "10")
	master.do("CONFIG", "SET", "rdb-key-save-delay", "300000") // 0.3 s per key: about 3 s
	replica.do("REPLICAOF", "127.0.0.1", rrpPort(maddr))
	rrpWait(t, "the sync's snapshot", func() bool { return infoField(master, "persistence", "rdb_bgsave_in_progress") == "1" })
	time.Sleep(500 * time.Millisecond) // a lower bound only: a loaded machine is slower, never faster
	if got := infoField(master, "persistence", "rdb_bgsave_in_progress"); got != "1" {
		t.Fatalf("rdb_bgsave_in_progress %s half a second into a 3 s snapshot", got)
	}
	if got := infoField(master, "replication", "slave0"); !strings.Contains(got, "state=wait_bgsave") {
		t.Fatalf("slave0 %q during the snapshot", got)
	}
	master.do("CONFIG", "SET", "rdb-key-save-delay", "0")
	rrpInSync(t, master, replica)
}
