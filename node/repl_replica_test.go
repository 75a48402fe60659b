package node_test

// Replication interop, replica side (engine/repl_replica.go): keygrid replicates
// from a real redis-server 7.0, under a write load, reaches its DEBUG DIGEST, and
// continues with a partial resync after a short disconnect; chained behind keygrid,
// a redis-server replica gets the exact stream; promoted with REPLICAOF NO ONE,
// keygrid lets the old master follow it with a partial resync (PSYNC2).

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// replLoad writes to c until stop is closed (a write load during syncs).
func replLoad(c *redis.Client, stop chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	ctx := context.Background()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		pipe := c.Pipeline()
		for j := 0; j < 16; j++ {
			pipe.Set(ctx, fmt.Sprint("load:", (i*16+j)%500), i, 0)
			pipe.Incr(ctx, "load:counter")
			pipe.LPush(ctx, "load:list", i)
			pipe.LTrim(ctx, "load:list", 0, 99)
		}
		pipe.Exec(ctx)
	}
}

func TestReplKeygridReplicaOfRedis(t *testing.T) {
	for _, mode := range []string{"diskless", "disk"} {
		t.Run(mode, func(t *testing.T) {
			diskless := "yes"
			if mode == "disk" {
				diskless = "no"
			}
			ms := testutil.StartRedis(t, "--enable-debug-command", "yes", "--repl-diskless-sync", diskless,
				"--repl-diskless-sync-delay", "0")
			master := client(t, ms)
			replWriteDataset(t, master, "before", 200)

			var wg sync.WaitGroup
			stop := make(chan struct{})
			wg.Add(1)
			go replLoad(master, stop, &wg)
			rs := testutil.StartKeygrid(t, "--enable-debug-command", "yes", "--replicaof", "127.0.0.1", strconv.Itoa(ms.Port()))
			replica := client(t, rs)
			testutil.WaitFor(t, 20*time.Second, func() bool {
				return replInfo(replica, "master_link_status") == "up"
			}, "the link comes up")
			time.Sleep(300 * time.Millisecond) // the stream under load
			close(stop)
			wg.Wait()
			replWaitInSync(t, master, replica)

			replWriteDataset(t, master, "after", 100)
			ctx := context.Background()
			master.Del(ctx, "before:list")
			master.Expire(ctx, "before:hash", time.Hour)
			replWaitInSync(t, master, replica)
			if n, err := master.Do(ctx, "WAIT", "1", "5000").Int(); err != nil || n != 1 {
				t.Fatalf("WAIT 1 5000 = %d, %v (the replica's ACKs)", n, err)
			}
			if err := replica.Set(ctx, "x", "y", 0).Err(); err == nil || err.Error() != "READONLY You can't write against a read only replica." {
				t.Fatalf("write on the replica: %v", err)
			}

			// A short disconnect: the replica continues from the master's backlog.
			if err := master.Do(ctx, "CLIENT", "KILL", "TYPE", "replica").Err(); err != nil {
				t.Fatal(err)
			}
			replWriteDataset(t, master, "during", 50)
			replWaitInSync(t, master, replica)
			testutil.WaitFor(t, 10*time.Second, func() bool {
				return strings.Contains(ms.Log(), "Partial resynchronization request from") &&
					strings.Contains(rs.Log(), "Successful partial resynchronization with master")
			}, "a partial resync, in both logs")
			if strings.Count(rs.Log(), "Full resync from master") != 1 {
				t.Fatalf("more than one full sync:\n%s", rs.Log())
			}
			role, err := replica.Do(ctx, "ROLE").Slice()
			if err != nil || len(role) != 5 || role[0] != "slave" || role[3] != "connected" {
				t.Fatalf("ROLE = %v, %v", role, err)
			}
		})
	}
}

// redis-server → keygrid → redis-server, then keygrid promoted and the old master
// repointed to it.
func TestReplChainThroughKeygridAndPromote(t *testing.T) {
	ms := testutil.StartRedis(t, "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0")
	master := client(t, ms)
	replWriteDataset(t, master, "a", 100)
	mid := testutil.StartKeygrid(t, "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0",
		"--replicaof", "127.0.0.1", strconv.Itoa(ms.Port()))
	midc := client(t, mid)
	replWaitInSync(t, master, midc)
	leaf := testutil.StartRedis(t, "--enable-debug-command", "yes", "--replicaof", "127.0.0.1", strconv.Itoa(mid.Port()))
	leafc := client(t, leaf)
	replWaitInSync(t, midc, leafc)
	// The stream passes through keygrid byte for byte: same offsets, same data.
	replWriteDataset(t, master, "b", 50)
	replWaitInSync(t, master, midc)
	replWaitInSync(t, master, leafc)
	if a, b := replInfo(master, "master_replid"), replInfo(leafc, "master_replid"); a != b {
		t.Fatalf("replid: master %s, leaf %s", a, b)
	}

	ctx := context.Background()
	if err := midc.Do(ctx, "REPLICAOF", "NO", "ONE").Err(); err != nil {
		t.Fatal(err)
	}
	if err := master.Do(ctx, "REPLICAOF", "127.0.0.1", strconv.Itoa(mid.Port())).Err(); err != nil {
		t.Fatal(err)
	}
	midc.Set(ctx, "promoted", "1", 0)
	replWaitInSync(t, midc, master)
	replWaitInSync(t, midc, leafc)
	testutil.WaitFor(t, 10*time.Second, func() bool {
		return strings.Contains(ms.Log(), "Successful partial resynchronization with master") &&
			strings.Count(leaf.Log(), "Successful partial resynchronization with master") >= 1
	}, "the old master and the leaf continue with partial resyncs")
}

// FAILOVER both ways between redis-server and keygrid: the master waits for the
// replica, hands over with PSYNC ... FAILOVER, and follows it with a partial resync.
func TestReplFailoverInterop(t *testing.T) {
	for _, keygridMaster := range []bool{false, true} {
		name := "redis-to-keygrid"
		if keygridMaster {
			name = "keygrid-to-redis"
		}
		t.Run(name, func(t *testing.T) {
			start := func(args ...string) *testutil.Server {
				args = append([]string{"--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"}, args...)
				if keygridMaster == (len(args) == 4) {
					return testutil.StartKeygrid(t, args...)
				}
				return testutil.StartRedis(t, args...)
			}
			ms := start()
			master := client(t, ms)
			replWriteDataset(t, master, "a", 100)
			rs := start("--replicaof", "127.0.0.1", strconv.Itoa(ms.Port()))
			replica := client(t, rs)
			replWaitInSync(t, master, replica)

			ctx := context.Background()
			if err := master.Do(ctx, "FAILOVER", "TIMEOUT", "10000").Err(); err != nil {
				t.Fatal(err)
			}
			testutil.WaitFor(t, 15*time.Second, func() bool {
				return replInfo(master, "role") == "slave" && replInfo(replica, "role") == "master" &&
					replInfo(master, "master_link_status") == "up" &&
					replInfo(master, "master_failover_state") == "no-failover"
			}, "the roles are swapped")
			if err := replica.Set(ctx, "after", "failover", 0).Err(); err != nil {
				t.Fatal(err)
			}
			replWaitInSync(t, replica, master)
			// The old master followed with a partial resync.
			if full, ok := infoStat(replica, "sync_full"), infoStat(replica, "sync_partial_ok"); full != "0" || ok != "1" {
				t.Fatalf("on the new master: sync_full %s, sync_partial_ok %s", full, ok)
			}
		})
	}
}

// A restarted keygrid replica continues from the history in its RDB (aux fields
// repl-id, repl-offset, repl-stream-db) with a partial resync.
func TestReplKeygridReplicaRestartPartialResync(t *testing.T) {
	ms := testutil.StartRedis(t, "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0")
	master := client(t, ms)
	ctx := context.Background()
	// The stream continues in db 5: after the restart, the replica must apply it
	// there without a new SELECT.
	conn := master.Conn()
	defer conn.Close()
	conn.Do(ctx, "SELECT", "5")
	conn.Do(ctx, "SET", "x", "1")
	rs := testutil.StartKeygrid(t, "--enable-debug-command", "yes", "--replicaof", "127.0.0.1", strconv.Itoa(ms.Port()))
	replica := client(t, rs)
	replWaitInSync(t, master, replica)
	conn.Do(ctx, "SET", "y", "2")
	replWaitInSync(t, master, replica)
	if err := replica.Save(ctx).Err(); err != nil {
		t.Fatalf("SAVE on the replica: %v", err)
	}
	conn.Do(ctx, "SET", "z", "3") // after the replica's RDB: comes from the backlog
	rs.Restart()
	replica = client(t, rs)
	conn.Do(ctx, "INCR", "x")
	replWaitInSync(t, master, replica)
	testutil.WaitFor(t, 10*time.Second, func() bool {
		return strings.Contains(rs.Log(), "Successful partial resynchronization with master") &&
			strings.Contains(ms.Log(), "Partial resynchronization request from")
	}, "the restarted replica continues with a partial resync")
}

// A master that stops answering (SIGSTOP) for longer than repl-timeout: the
// keygrid replica drops the link, reconnects when the master is back, and
// continues with a partial resync.
func TestReplKeygridReplicaMasterTimeout(t *testing.T) {
	ms := testutil.StartRedis(t, "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0")
	master := client(t, ms)
	replWriteDataset(t, master, "a", 20)
	rs := testutil.StartKeygrid(t, "--enable-debug-command", "yes", "--repl-timeout", "2",
		"--replicaof", "127.0.0.1", strconv.Itoa(ms.Port()))
	replica := client(t, rs)
	replWaitInSync(t, master, replica)
	if err := syscall.Kill(ms.Pid(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := true
	defer func() {
		if stopped {
			syscall.Kill(ms.Pid(), syscall.SIGCONT)
		}
	}()
	testutil.WaitFor(t, 10*time.Second, func() bool {
		return replInfo(replica, "master_link_status") == "down"
	}, "the replica notices the silent master")
	rs.WaitLog(t, 5*time.Second, "MASTER timeout: no data nor PING received...")
	syscall.Kill(ms.Pid(), syscall.SIGCONT)
	stopped = false
	replWriteDataset(t, master, "b", 20)
	replWaitInSync(t, master, replica)
	if strings.Count(rs.Log(), "Full resync from master") != 1 {
		t.Fatalf("the replica needed a second full sync:\n%s", rs.Log())
	}
}

// masteruser / masterauth: the replica authenticates as an ACL user of the
// master; with a wrong password the link stays down and the log says why.
func TestReplKeygridReplicaAuth(t *testing.T) {
	ms := testutil.StartRedis(t, "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0",
		"--requirepass", "adminpw")
	master := client(t, ms, func(o *redis.Options) { o.Password = "adminpw" })
	ctx := context.Background()
	if err := master.Do(ctx, "ACL", "SETUSER", "repl", "on", ">replpw", "+psync", "+replconf", "+ping").Err(); err != nil {
		t.Fatal(err)
	}
	master.Set(ctx, "k", "v", 0)
	rs := testutil.StartKeygrid(t, "--enable-debug-command", "yes", "--masteruser", "repl", "--masterauth", "replpw",
		"--replicaof", "127.0.0.1", strconv.Itoa(ms.Port()))
	replica := client(t, rs)
	replWaitInSync(t, master, replica)

	bad := testutil.StartKeygrid(t, "--masteruser", "repl", "--masterauth", "wrong",
		"--replicaof", "127.0.0.1", strconv.Itoa(ms.Port()))
	testutil.WaitFor(t, 10*time.Second, func() bool {
		return strings.Contains(bad.Log(), "Unable to AUTH to MASTER: -WRONGPASS")
	}, "the failed AUTH is logged")
	if got := replInfo(client(t, bad), "master_link_status"); got != "down" {
		t.Fatalf("link %q with a wrong password", got)
	}
}

// The master dies (kill -9) in the middle of a full sync: the keygrid replica keeps
// its old dataset (a disk-staged load flushes only once the RDB is whole), removes
// its temp file, and keeps trying.
func TestReplKeygridReplicaMasterKilledDuringSync(t *testing.T) {
	ms := testutil.StartRedis(t, "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0",
		"--rdb-key-save-delay", "100") // 100 µs a key: the transfer takes seconds
	master := client(t, ms)
	ctx := context.Background()
	if err := master.Do(ctx, "DEBUG", "POPULATE", "50000").Err(); err != nil {
		t.Fatal(err)
	}
	rs := testutil.StartKeygrid(t, "--enable-debug-command", "yes")
	replica := client(t, rs)
	replica.Set(ctx, "old", "1", 0)
	if err := replica.Do(ctx, "REPLICAOF", "127.0.0.1", strconv.Itoa(ms.Port())).Err(); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, 10*time.Second, func() bool {
		n, _ := strconv.Atoi(replInfo(replica, "master_sync_read_bytes"))
		return n > 0
	}, "the transfer starts")
	ms.Kill()
	testutil.WaitFor(t, 10*time.Second, func() bool {
		return replInfo(replica, "master_sync_in_progress") == "0"
	}, "the transfer is given up")
	if n, err := replica.Exists(ctx, "old").Result(); err != nil || n != 1 {
		t.Fatalf("the old dataset is gone: %d, %v", n, err)
	}
	testutil.WaitFor(t, 5*time.Second, func() bool {
		tmp, _ := filepath.Glob(filepath.Join(rs.Dir(), "temp-*.rdb"))
		return len(tmp) == 0
	}, "the temp file is removed")
	if got := replInfo(replica, "master_link_status"); got != "down" {
		t.Fatalf("link %s", got)
	}
}
