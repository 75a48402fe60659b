package node_test

// Replication interop, master side: a real redis-server 7.0 replicates from a
// keygrid master (engine/repl_master.go, engine/repl_sync.go). It must reach the
// master's DEBUG DIGEST after its full sync, follow the stream, and after a short
// disconnect continue with a partial resync (its log says so), as issue #6 asks.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// replWriteDataset writes keys of every type, in two databases, with TTLs.
func replWriteDataset(t *testing.T, c *redis.Client, tag string, n int) {
	t.Helper()
	ctx := context.Background()
	pipe := c.Pipeline()
	for i := 0; i < n; i++ {
		pipe.Set(ctx, fmt.Sprint(tag, ":str:", i), fmt.Sprint("v", i), 0)
		pipe.HSet(ctx, tag+":hash", fmt.Sprint("f", i), i)
		pipe.ZAdd(ctx, tag+":zset", redis.Z{Score: float64(i), Member: fmt.Sprint("m", i)})
		pipe.SAdd(ctx, tag+":set", i)
		pipe.RPush(ctx, tag+":list", i)
	}
	pipe.Set(ctx, tag+":ttl", "x", time.Hour)
	pipe.XAdd(ctx, &redis.XAddArgs{Stream: tag + ":stream", Values: []any{"a", 1}})
	pipe.Incr(ctx, tag+":counter")
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	conn := c.Conn()
	defer conn.Close()
	for _, cmd := range [][]any{{"SELECT", "5"}, {"SET", tag + ":db5", "x"}, {"EXPIRE", tag + ":db5", "1000"}, {"SELECT", "0"}} {
		if err := conn.Do(ctx, cmd...).Err(); err != nil {
			t.Fatalf("%v: %v", cmd, err)
		}
	}
}

func replDigest(t *testing.T, c *redis.Client) string {
	t.Helper()
	d, err := c.Do(context.Background(), "DEBUG", "DIGEST").Text()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func replInfo(c *redis.Client, field string) string {
	info, _ := c.Info(context.Background(), "replication").Result()
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return v
		}
	}
	return ""
}

// replWaitInSync waits until the replica applied everything the master produced
// and both have the same DEBUG DIGEST.
func replWaitInSync(t *testing.T, master, replica *redis.Client) {
	t.Helper()
	testutil.WaitFor(t, 20*time.Second, func() bool {
		return replInfo(replica, "master_link_status") == "up" &&
			replInfo(replica, "slave_repl_offset") == replInfo(master, "master_repl_offset")
	}, "the replica catches up with the master's offset")
	if m, r := replDigest(t, master), replDigest(t, replica); m != r {
		t.Fatalf("DEBUG DIGEST master %s, replica %s", m, r)
	}
}

func TestReplRedisReplicaOfKeygrid(t *testing.T) {
	for _, mode := range []string{"diskless", "disk"} {
		t.Run(mode, func(t *testing.T) {
			diskless := "yes"
			if mode == "disk" {
				diskless = "no"
			}
			ms := testutil.StartKeygrid(t, "--enable-debug-command", "yes", "--repl-diskless-sync", diskless,
				"--repl-diskless-sync-delay", "0")
			master := client(t, ms)
			replWriteDataset(t, master, "before", 200)

			rs := testutil.StartRedis(t, "--enable-debug-command", "yes", "--replicaof", "127.0.0.1", strconv.Itoa(ms.Port()))
			replica := client(t, rs)
			replWaitInSync(t, master, replica)
			if mode == "diskless" && !strings.Contains(rs.Log(), "receiving streamed RDB from master with EOF") {
				t.Fatalf("the replica did not receive an EOF-marked RDB:\n%s", rs.Log())
			}

			// The stream: writes of every kind after the sync.
			replWriteDataset(t, master, "after", 100)
			ctx := context.Background()
			master.Del(ctx, "before:list")
			master.Expire(ctx, "before:hash", time.Hour)
			replWaitInSync(t, master, replica)
			if n, err := master.Do(ctx, "WAIT", "1", "5000").Int(); err != nil || n != 1 {
				t.Fatalf("WAIT 1 5000 = %d, %v", n, err)
			}

			// A short disconnect: the replica continues from the backlog.
			if err := master.Do(ctx, "CLIENT", "KILL", "TYPE", "replica").Err(); err != nil {
				t.Fatal(err)
			}
			replWriteDataset(t, master, "during", 50)
			replWaitInSync(t, master, replica)
			testutil.WaitFor(t, 10*time.Second, func() bool {
				return strings.Contains(rs.Log(), "Successful partial resynchronization with master")
			}, "the replica logs a partial resync")
			if strings.Count(rs.Log(), "Full resync from master") != 1 {
				t.Fatalf("the replica did more than one full sync:\n%s", rs.Log())
			}
			if got := infoStat(master, "sync_partial_ok"); got != "1" {
				t.Fatalf("sync_partial_ok %q", got)
			}
			role, err := master.Do(ctx, "ROLE").Slice()
			if err != nil || len(role) != 3 || role[0] != "master" || len(role[2].([]any)) != 1 {
				t.Fatalf("ROLE = %v, %v", role, err)
			}
		})
	}
}

func infoStat(c *redis.Client, field string) string {
	info, _ := c.Info(context.Background(), "stats").Result()
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return v
		}
	}
	return ""
}

// A restarted master keeps its history (RDB aux fields) as its secondary id: the
// replica of the previous run continues with a partial resync.
func TestReplKeygridRestartPartialResync(t *testing.T) {
	// No PING between the SAVE and the restart: the replica's offset must be the
	// file's.
	ms := testutil.StartKeygrid(t, "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0",
		"--repl-ping-replica-period", "3600")
	master := client(t, ms)
	replWriteDataset(t, master, "a", 50)
	rs := testutil.StartRedis(t, "--enable-debug-command", "yes", "--replicaof", "127.0.0.1", strconv.Itoa(ms.Port()))
	replica := client(t, rs)
	replWaitInSync(t, master, replica)
	ctx := context.Background()
	if err := master.Save(ctx).Err(); err != nil {
		t.Fatalf("SAVE: %v", err)
	}
	ms.Restart() // SIGTERM: no save points, so the file is the SAVE's
	master = client(t, ms)
	replWriteDataset(t, master, "b", 20)
	replWaitInSync(t, master, replica)
	testutil.WaitFor(t, 10*time.Second, func() bool {
		return strings.Contains(rs.Log(), "Successful partial resynchronization with master")
	}, "the replica logs a partial resync after the master's restart")
}

// Writes keep coming while the replica does its full sync (the snapshot is slowed
// down with rdb-key-save-delay so that they overlap it) and afterwards: the
// replica still ends with the master's exact dataset.
func TestReplFullSyncUnderWriteLoad(t *testing.T) {
	ms := testutil.StartKeygrid(t, "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0",
		"--rdb-key-save-delay", "100")
	master := client(t, ms)
	replWriteDataset(t, master, "base", 2000)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		ctx := context.Background()
		w := client(t, ms)
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			k := fmt.Sprint("base:str:", i%2500)
			var err error
			switch i % 4 {
			case 0:
				err = w.Set(ctx, k, i, 0).Err()
			case 1:
				err = w.Del(ctx, k).Err()
			case 2:
				err = w.HIncrBy(ctx, "base:hash", fmt.Sprint("f", i%300), 1).Err()
			case 3:
				err = w.LPush(ctx, "load:list", i).Err()
			}
			if err != nil {
				done <- err
				return
			}
		}
	}()
	rs := testutil.StartRedis(t, "--enable-debug-command", "yes", "--replicaof", "127.0.0.1", strconv.Itoa(ms.Port()))
	replica := client(t, rs)
	testutil.WaitFor(t, 30*time.Second, func() bool {
		return replInfo(replica, "master_link_status") == "up"
	}, "the replica finishes its full sync")
	time.Sleep(200 * time.Millisecond) // some writes after the sync, too
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	replWaitInSync(t, master, replica)
}

// PSYNC2 topology: a keygrid master with two keygrid replicas and a redis-server
// one. A replica is promoted (REPLICAOF NO ONE) and the others, the old master
// included, are repointed to it: every one continues with a partial resync
// thanks to the promoted node's replid2, and all end with the same data.
func TestReplPromoteReplicaPSYNC2(t *testing.T) {
	ctx := context.Background()
	ms := testutil.StartKeygrid(t, "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0")
	master := client(t, ms)
	port := strconv.Itoa(ms.Port())
	a := testutil.StartKeygrid(t, "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0", "--replicaof", "127.0.0.1", port)
	b := testutil.StartKeygrid(t, "--enable-debug-command", "yes", "--replicaof", "127.0.0.1", port)
	r := testutil.StartRedis(t, "--enable-debug-command", "yes", "--replicaof", "127.0.0.1", port)
	ca, cb, cr := client(t, a), client(t, b), client(t, r)
	replWriteDataset(t, master, "one", 100)
	for _, c := range []*redis.Client{ca, cb, cr} {
		replWaitInSync(t, master, c)
	}

	if err := ca.Do(ctx, "REPLICAOF", "NO", "ONE").Err(); err != nil {
		t.Fatal(err)
	}
	aPort := strconv.Itoa(a.Port())
	for _, c := range []*redis.Client{cb, cr, master} {
		if err := c.Do(ctx, "REPLICAOF", "127.0.0.1", aPort).Err(); err != nil {
			t.Fatal(err)
		}
	}
	replWriteDataset(t, ca, "two", 50)
	for _, c := range []*redis.Client{cb, cr, master} {
		replWaitInSync(t, ca, c)
	}
	if got := infoStat(ca, "sync_partial_ok"); got != "3" {
		t.Fatalf("sync_partial_ok on the promoted replica = %s, want 3 (sync_full %s)", got, infoStat(ca, "sync_full"))
	}
	if !strings.Contains(r.Log(), "Successful partial resynchronization with master") {
		t.Fatalf("redis-server did not resync partially:\n%s", r.Log())
	}
}

// A replica stopped (SIGSTOP) for longer than repl-timeout is dropped by the
// master; once it runs again it reconnects and continues from the backlog.
func TestReplStoppedReplicaDropped(t *testing.T) {
	ms := testutil.StartKeygrid(t, "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0", "--repl-timeout", "2")
	master := client(t, ms)
	rs := testutil.StartRedis(t, "--enable-debug-command", "yes", "--replicaof", "127.0.0.1", strconv.Itoa(ms.Port()))
	replica := client(t, rs)
	replWriteDataset(t, master, "a", 20)
	replWaitInSync(t, master, replica)
	if err := syscall.Kill(rs.Pid(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := true
	defer func() {
		if stopped {
			syscall.Kill(rs.Pid(), syscall.SIGCONT)
		}
	}()
	testutil.WaitFor(t, 10*time.Second, func() bool { return replInfo(master, "connected_slaves") == "0" },
		"the stopped replica is dropped after repl-timeout")
	ms.WaitLog(t, 5*time.Second, "Disconnecting timedout replica (streaming sync)")
	replWriteDataset(t, master, "b", 20)
	syscall.Kill(rs.Pid(), syscall.SIGCONT)
	stopped = false
	replWaitInSync(t, master, replica)
	if strings.Count(rs.Log(), "Full resync from master") != 1 {
		t.Fatalf("the replica needed another full sync:\n%s", rs.Log())
	}
}
