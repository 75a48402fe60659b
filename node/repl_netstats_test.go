package node_test

// INFO stats' network counters around replication (engine/repl_master.go,
// engine/repl_sync.go, engine/repl_replica.go), as Redis 7.0 keeps them:
// total_net_repl_output_bytes counts what the master sent its replicas (the RDB
// payload and the stream), total_net_repl_input_bytes what a replica received from
// its master, and total_net_output_bytes / total_net_input_bytes include those
// (clients' bytes plus replication's). The same relations are checked on
// redis-server and keygrid, which write RDBs of different sizes.

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
)

func TestReplNetworkCounters(t *testing.T) {
	start := map[string]func(testing.TB, ...string) *testutil.Server{
		"keygrid": testutil.StartKeygrid, "redis": testutil.StartRedis,
	}
	n := func(s string) int64 { v, _ := strconv.ParseInt(s, 10, 64); return v }
	for _, kind := range []string{"redis", "keygrid"} {
		for _, diskless := range []string{"yes", "no"} {
			t.Run(kind+"/diskless="+diskless, func(t *testing.T) {
				ctx := context.Background()
				ms := start[kind](t, "--save", "", "--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0")
				master := client(t, ms)
				// Random bytes: an RDB's LZF compression leaves them at their size.
				buf := make([]byte, 100_000)
				rand.NewChaCha8([32]byte{1}).Read(buf)
				big := string(buf)
				master.Set(ctx, "before", big, 0) // in the RDB payload
				rs := start[kind](t, "--save", "", "--replicaof", "127.0.0.1", strconv.Itoa(ms.Port()))
				replica := client(t, rs)
				testutil.WaitFor(t, 20e9, func() bool { return replInfo(replica, "master_link_status") == "up" },
					"the link is up: what follows goes in the stream")
				for i := 0; i < 5; i++ {
					master.Set(ctx, "after"+strconv.Itoa(i), big, 0) // in the stream
				}
				testutil.WaitFor(t, 20e9, func() bool {
					return replInfo(replica, "master_link_status") == "up" &&
						replInfo(replica, "slave_repl_offset") == replInfo(master, "master_repl_offset")
				}, "the replica is in sync")
				testutil.WaitFor(t, 20e9, func() bool {
					return n(infoStat(master, "total_net_repl_output_bytes")) >= 600_000
				}, "the master counts the payload and the stream it sent")
				mOut, mReplOut := n(infoStat(master, "total_net_output_bytes")), n(infoStat(master, "total_net_repl_output_bytes"))
				rIn, rReplIn := n(infoStat(replica, "total_net_input_bytes")), n(infoStat(replica, "total_net_repl_input_bytes"))
				// Sent: one RDB with one big value, five in the stream: about 6 x 100 kB,
				// counted once (not twice) and included in the total.
				if mReplOut > 650_000 || mOut < mReplOut || mOut > mReplOut+50_000 {
					t.Fatalf("master: total_net_output_bytes %d, total_net_repl_output_bytes %d", mOut, mReplOut)
				}
				if rReplIn < 600_000 || rReplIn > 650_000 || rIn < rReplIn || rIn > rReplIn+50_000 {
					t.Fatalf("replica: total_net_input_bytes %d, total_net_repl_input_bytes %d", rIn, rReplIn)
				}
			})
		}
	}
}
