package node_test

// repl-diskless-load on a keygrid replica (engine/repl_replica.go): with swapdb, or
// on-empty-db and an empty dataset, the RDB is parsed from the socket as it
// arrives, whether the master streams it ("$EOF:" with repl-diskless-sync yes) or
// sends a file ("$<len>"); the replica then matches the master's DEBUG DIGEST and
// follows the stream. Masters: redis-server 7.0 and keygrid.

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
)

func TestReplDisklessLoadFromSocket(t *testing.T) {
	start := map[string]func(testing.TB, ...string) *testutil.Server{
		"keygrid": testutil.StartKeygrid, "redis": testutil.StartRedis,
	}
	for _, mkind := range []string{"redis", "keygrid"} {
		for _, sync := range []string{"yes", "no"} {
			for _, load := range []string{"swapdb", "on-empty-db"} {
				t.Run(mkind+"/diskless-sync="+sync+"/"+load, func(t *testing.T) {
					ctx := context.Background()
					ms := start[mkind](t, "--enable-debug-command", "yes", "--save", "",
						"--repl-diskless-sync", sync, "--repl-diskless-sync-delay", "0")
					master := client(t, ms)
					// Several MB: the payload spans many socket reads.
					if err := master.Do(ctx, "DEBUG", "POPULATE", "100000", "pop", "20").Err(); err != nil {
						t.Fatal(err)
					}
					replWriteDataset(t, master, "types", 100)
					rs := testutil.StartKeygrid(t, "--enable-debug-command", "yes", "--save", "",
						"--repl-diskless-load", load)
					replica := client(t, rs)
					if load == "swapdb" {
						replica.Set(ctx, "old", "1", 0) // replaced by the master's dataset
					}
					if err := replica.Do(ctx, "REPLICAOF", "127.0.0.1", strconv.Itoa(ms.Port())).Err(); err != nil {
						t.Fatal(err)
					}
					replWaitInSync(t, master, replica)
					if !strings.Contains(rs.Log(), " to parser") || strings.Contains(rs.Log(), "to disk") {
						t.Fatalf("not a diskless load:\n%s", rs.Log())
					}
					if n, _ := replica.Exists(ctx, "old").Result(); n != 0 {
						t.Fatal("the old dataset survived the sync")
					}
					replWriteDataset(t, master, "after", 50)
					replWaitInSync(t, master, replica)
				})
			}
		}
	}
}
