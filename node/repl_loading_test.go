package node_test

// A keygrid replica loading a full sync (engine/repl_replica.go, persist_loading.go)
// serves clients while it loads, as Redis 7.0 does: commands without the "loading"
// flag get the exact -LOADING error, INFO shows loading:1, and the master link gets
// a newline (Redis's replicationSendNewlineToMaster) so the master does not time
// the replica out. Both the disk load and the diskless (on-empty-db) load, from
// keygrid and redis-server masters; a redis-server replica is the reference.

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

const replLoadingErr = "-LOADING Redis is loading the dataset in memory\r\n"

// replLoadingKeys is the size of the dataset the replicas load.
const replLoadingKeys = 500000

func TestReplLoadingServesClients(t *testing.T) {
	start := map[string]func(testing.TB, ...string) *testutil.Server{
		"keygrid": testutil.StartKeygrid, "redis": testutil.StartRedis,
	}
	// The last case is the reference: a redis-server replica, same checks.
	for _, kinds := range [][2]string{{"keygrid", "keygrid"}, {"redis", "keygrid"}, {"keygrid", "redis"}} {
		mkind, rkind := kinds[0], kinds[1]
		for _, load := range []string{"disabled", "on-empty-db"} {
			t.Run(mkind+"-to-"+rkind+"/"+load, func(t *testing.T) {
				ctx := context.Background()
				ms := start[mkind](t, "--enable-debug-command", "yes", "--save", "",
					"--repl-diskless-sync", "no")
				// A minute per reply: DEBUG DIGEST and DBSIZE on half a million keys, on
				// two cores shared with other test packages, may take longer than
				// go-redis's 3 s default.
				slow := func(o *redis.Options) { o.ReadTimeout = time.Minute }
				master := client(t, ms, slow)
				// 500k keys (~12 MB of RDB, ~45 event polls at 256 KB): the load
				// lasts hundreds of PING round trips even on a quiet machine.
				if err := master.Do(ctx, "DEBUG", "POPULATE", strconv.Itoa(replLoadingKeys)).Err(); err != nil {
					t.Fatal(err)
				}
				rs := start[rkind](t, "--enable-debug-command", "yes", "--save", "",
					"--repl-diskless-load", load, "--loading-process-events-interval-bytes", "262144")
				replica := client(t, rs, slow)
				cn, err := testutil.Dial(rs.Addr()) // connected before the load: served during it
				if err != nil {
					t.Fatal(err)
				}
				defer cn.Close()
				cn.SetTimeout(30 * time.Second)
				if err := replica.Do(ctx, "REPLICAOF", "127.0.0.1", strconv.Itoa(ms.Port())).Err(); err != nil {
					t.Fatal(err)
				}
				// Poll until a PING is refused with -LOADING; then GET and INFO are
				// asked during the same load (it lasts many event polls).
				seen := false
				deadline := time.Now().Add(60 * time.Second)
				for !seen && time.Now().Before(deadline) {
					raw, err := cn.Do("PING")
					if err != nil {
						t.Fatal(err)
					}
					switch string(raw) {
					case "+PONG\r\n":
						continue // before or after the load
					case replLoadingErr:
						seen = true
					default:
						t.Fatalf("PING during the sync: %q", raw)
					}
					if raw, err := cn.Do("GET", "key:1"); err != nil || string(raw) != replLoadingErr {
						t.Fatalf("GET during the load: %q, %v", raw, err)
					}
					raw, err = cn.Do("INFO", "persistence")
					if err != nil {
						t.Fatal(err)
					}
					v, err := testutil.ParseReply(raw)
					if err != nil || v.Kind != testutil.KindBulk {
						t.Fatalf("INFO during the load: %q, %v", raw, err)
					}
					if !strings.Contains(v.Str, "\r\nloading:1\r\n") || !strings.Contains(v.Str, "loading_loaded_bytes:") {
						t.Fatalf("INFO persistence during the load:\n%s", v.Str)
					}
				}
				if !seen {
					t.Fatalf("never saw -LOADING during the sync; replica log:\n%s", rs.Log())
				}
				replWaitInSync(t, master, replica)
				if raw, err := cn.Do("PING"); err != nil || string(raw) != "+PONG\r\n" {
					t.Fatalf("PING after the load: %q, %v", raw, err)
				}
				if raw, err := cn.Do("INFO", "persistence"); err != nil || !bytes.Contains(raw, []byte("\r\nloading:0\r\n")) {
					t.Fatalf("INFO after the load: %q, %v", raw, err)
				}
				if n, _ := replica.DBSize(ctx).Result(); n != replLoadingKeys {
					t.Fatalf("DBSIZE after the sync = %d", n)
				}
			})
		}
	}
}

// TestReplLoadingNewlineToMaster plays the master: after the payload, the first
// bytes the replica sends while it loads must be the keep-alive newline, before its
// first REPLCONF ACK.
func TestReplLoadingNewlineToMaster(t *testing.T) {
	src := testutil.StartKeygrid(t, "--enable-debug-command", "yes", "--save", "")
	srcc := client(t, src)
	ctx := context.Background()
	if err := srcc.Do(ctx, "DEBUG", "POPULATE", "300000").Err(); err != nil {
		t.Fatal(err)
	}
	if err := srcc.Do(ctx, "SAVE").Err(); err != nil {
		t.Fatal(err)
	}
	rdb, err := os.ReadFile(filepath.Join(src.Dir(), "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	for _, load := range []string{"disabled", "on-empty-db"} {
		t.Run(load, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			rs := testutil.StartKeygrid(t, "--save", "", "--repl-diskless-load", load,
				"--loading-process-events-interval-bytes", "65536")
			replica := client(t, rs)
			port := ln.Addr().(*net.TCPAddr).Port
			if err := replica.Do(ctx, "REPLICAOF", "127.0.0.1", strconv.Itoa(port)).Err(); err != nil {
				t.Fatal(err)
			}
			ln.(*net.TCPListener).SetDeadline(time.Now().Add(30 * time.Second))
			conn, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(60 * time.Second))
			var buf []byte
			chunk := make([]byte, 4096)
			// The handshake: answer each command until PSYNC.
			for psync := false; !psync; {
				v, n, err := testutil.ParseReplyPrefix(buf)
				if err == testutil.ErrIncomplete {
					m, rerr := conn.Read(chunk)
					if rerr != nil {
						t.Fatal(rerr)
					}
					buf = append(buf, chunk[:m]...)
					continue
				}
				if err != nil || v.Kind != testutil.KindArray || len(v.Elems) == 0 {
					t.Fatalf("handshake command %q: %v", buf, err)
				}
				buf = buf[n:]
				reply := "+OK\r\n"
				switch strings.ToUpper(v.Elems[0].Str) {
				case "PING":
					reply = "+PONG\r\n"
				case "PSYNC":
					reply = "+FULLRESYNC " + strings.Repeat("a", 40) + " 0\r\n"
					psync = true
				}
				if _, err := conn.Write([]byte(reply)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := conn.Write(append([]byte("$"+strconv.Itoa(len(rdb))+"\r\n"), rdb...)); err != nil {
				t.Fatal(err)
			}
			// The replica says nothing else before its load ends (then REPLCONF ACK).
			m, err := conn.Read(chunk)
			if err != nil {
				t.Fatal(err)
			}
			if chunk[0] != '\n' {
				t.Fatalf("first bytes after the payload: %q (want the keep-alive newline first)", chunk[:m])
			}
			if len(buf) != 0 {
				t.Fatalf("unexpected bytes before the payload: %q", buf)
			}
			// And the load completes: the ACK follows.
			testutil.WaitFor(t, 30*time.Second, func() bool {
				return replInfo(replica, "master_link_status") == "up"
			}, "the replica attaches the link after its load")
			if n, _ := replica.DBSize(ctx).Result(); n != 300000 {
				t.Fatalf("DBSIZE after the sync = %d", n)
			}
		})
	}
}
