package node_test

// BGSAVE while a full sync's snapshot is being written (engine/repl_sync.go,
// engine/persist.go): Redis 7.0 makes that snapshot with the same kind of child as
// BGSAVE, so BGSAVE (with or without SCHEDULE) replies that a save is in progress
// and INFO persistence shows rdb_bgsave_in_progress:1, for a disk-based sync and a
// diskless one alike.

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
)

func TestReplBgsaveDuringSync(t *testing.T) {
	start := map[string]func(testing.TB, ...string) *testutil.Server{
		"keygrid": testutil.StartKeygrid, "redis": testutil.StartRedis,
	}
	for _, kind := range []string{"redis", "keygrid"} {
		for _, diskless := range []string{"yes", "no"} {
			t.Run(kind+"/diskless="+diskless, func(t *testing.T) {
				ctx := context.Background()
				// 20,000 keys at 100 µs each: the snapshot takes about 2 s.
				ms := start[kind](t, "--save", "", "--enable-debug-command", "yes", "--rdb-key-save-delay", "100",
					"--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0")
				master := client(t, ms)
				if err := master.Do(ctx, "DEBUG", "POPULATE", "20000").Err(); err != nil {
					t.Fatal(err)
				}
				rs := testutil.StartRedis(t, "--save", "", "--replicaof", "127.0.0.1", strconv.Itoa(ms.Port()))
				testutil.WaitFor(t, 20e9, func() bool {
					return strings.Contains(replInfo(master, "slave0"), "state=wait_bgsave")
				}, "the sync's snapshot starts")
				for _, args := range [][]any{{"BGSAVE"}, {"BGSAVE", "SCHEDULE"}} {
					if err := master.Do(ctx, args...).Err(); err == nil || err.Error() != "ERR Background save already in progress" {
						t.Fatalf("%v during the sync: %v", args, err)
					}
				}
				info, _ := master.Info(ctx, "persistence").Result()
				if !strings.Contains(info, "rdb_bgsave_in_progress:1\r\n") {
					t.Fatalf("INFO persistence during the sync:\n%s", info)
				}
				replica := client(t, rs)
				testutil.WaitFor(t, 60e9, func() bool { return replInfo(replica, "master_link_status") == "up" },
					"the sync ends")
			})
		}
	}
}
