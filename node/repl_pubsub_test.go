package node_test

// PUBLISH across replication (engine/pubsub.go, engine/propagate.go): outside
// cluster mode Redis 7.0 propagates PUBLISH and SPUBLISH to the replicas only
// (PROPAGATE_REPL), so a replica's subscribers get what is published on its master,
// and the master's AOF never holds them. Every pairing of keygrid and redis-server
// is checked, the same way, against the same expectations.

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// replAOFText is every file of the server's appendonlydir, concatenated.
func replAOFText(t *testing.T, s *testutil.Server) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(s.Dir(), "appendonlydir", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no AOF files in %s: %v", s.Dir(), err)
	}
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

func TestReplPublishReachesReplicaSubscribers(t *testing.T) {
	start := map[string]func(testing.TB, ...string) *testutil.Server{
		"keygrid": testutil.StartKeygrid, "redis": testutil.StartRedis,
	}
	for _, pair := range [][2]string{{"keygrid", "redis"}, {"redis", "keygrid"}, {"keygrid", "keygrid"}, {"redis", "redis"}} {
		t.Run(pair[0]+"-to-"+pair[1], func(t *testing.T) {
			ctx := context.Background()
			ms := start[pair[0]](t, "--appendonly", "yes", "--appendfsync", "always",
				"--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0")
			rs := start[pair[1]](t, "--enable-debug-command", "yes", "--replicaof", "127.0.0.1", strconv.Itoa(ms.Port()))
			master, replica := client(t, ms), client(t, rs)
			master.Set(ctx, "k", "v", 0)
			replWaitInSync(t, master, replica)

			sub := replica.Subscribe(ctx, "news")
			defer sub.Close()
			psub := replica.PSubscribe(ctx, "ne*")
			defer psub.Close()
			if _, err := sub.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := psub.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			// The master's own subscriber count is its reply: none here.
			if n, err := master.Publish(ctx, "news", "hello").Result(); err != nil || n != 0 {
				t.Fatalf("PUBLISH on the master = %d, %v", n, err)
			}
			// In a transaction, with a write: both arrive, the write applied.
			pipe := master.TxPipeline()
			pipe.Publish(ctx, "news", "in-multi")
			pipe.Set(ctx, "k2", "v2", 0)
			if _, err := pipe.Exec(ctx); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"hello", "in-multi"} {
				m, err := sub.ReceiveTimeout(ctx, 20*time.Second)
				if err != nil {
					t.Fatalf("the replica's subscriber waits for %q: %v", want, err)
				}
				if msg, ok := m.(*redis.Message); !ok || msg.Channel != "news" || msg.Payload != want {
					t.Fatalf("the replica's subscriber got %#v, want %q", m, want)
				}
				pm, err := psub.ReceiveTimeout(ctx, 20*time.Second)
				if msg, ok := pm.(*redis.Message); err != nil || !ok || msg.Pattern != "ne*" || msg.Payload != want {
					t.Fatalf("the replica's pattern subscriber got %#v, %v, want %q", pm, err, want)
				}
			}
			replWaitInSync(t, master, replica)
			if v, _ := replica.Get(ctx, "k2").Result(); v != "v2" {
				t.Fatalf("k2 on the replica = %q", v)
			}
			// PUBLISH is PROPAGATE_REPL only: never in the master's AOF.
			aof := strings.ToLower(replAOFText(t, ms))
			if !strings.Contains(aof, "k2") || strings.Contains(aof, "publish") {
				t.Fatalf("the master's AOF:\n%q", aof)
			}
			// A PUBLISH from a client of the replica stays there: a replica only
			// relays its master's stream, so its offset stays the master's.
			if err := replica.Publish(ctx, "news", "local").Err(); err != nil {
				t.Fatal(err)
			}
			if m, err := sub.ReceiveTimeout(ctx, 20*time.Second); err != nil || m.(*redis.Message).Payload != "local" {
				t.Fatalf("local message: %#v, %v", m, err)
			}
			replWaitInSync(t, master, replica)
		})
	}
}
