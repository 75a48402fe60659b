package engine

// MIGRATE's socket I/O (migrate.go reads and writes the descriptor with poll(2),
// as Redis's syncReadLine/syncWrite): the outcomes of a target that never
// answers, of a cached connection the target closed, and of keys larger than one
// 64 KB write, each compared with redis-server 7.0.

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
)

// silentTarget accepts connections and reads them without ever answering.
func silentTarget(t *testing.T) (host, port string) {
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
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			}()
		}
	}()
	host, port, _ = net.SplitHostPort(ln.Addr().String())
	return host, port
}

// killRestoreClients closes, on the target, the connections a MIGRATE left
// cached (the clients whose last command was RESTORE or RESTORE-ASKING).
func killRestoreClients(t *testing.T, target *testConn) int {
	t.Helper()
	n := 0
	for _, l := range strings.Split(target.do("CLIENT", "LIST"), "\n") {
		if !strings.Contains(l, " cmd=restore") {
			continue
		}
		for _, f := range strings.Fields(l) {
			if id, ok := strings.CutPrefix(f, "id="); ok {
				if got := target.do("CLIENT", "KILL", "ID", id); got == ":1" {
					n++
				}
			}
		}
	}
	return n
}

func TestMigrateSocketOutcomesVsRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	var outcomes []string
	for _, kind := range []string{"redis-server", "keygrid"} {
		start := testutil.StartKeygrid
		if kind == "redis-server" {
			start = testutil.StartRedis
		}
		src, dst := start(t), start(t)
		c, tc := dialTest(t, src.Addr()), dialTest(t, dst.Addr())
		host, port, _ := net.SplitHostPort(dst.Addr())
		var out []string
		note := func(what, got string) { out = append(out, what+": "+got) }

		// A target that never answers: the read times out, the keys stay.
		shost, sport := silentTarget(t)
		c.do("SET", "a", "1")
		note("silent target", c.do("MIGRATE", shost, sport, "a", "0", "200"))
		note("key kept", c.do("EXISTS", "a"))

		// Moved, the connection cached; the target closes it; the next MIGRATE
		// retries once on a fresh connection, transparently.
		c.do("SET", "b", "2")
		note("first", c.do("MIGRATE", host, port, "", "0", "5000", "KEYS", "a", "b"))
		note("cached", strconv.FormatInt(infoInt(t, c, "migrate_cached_sockets"), 10))
		if n := killRestoreClients(t, tc); n != 1 {
			t.Fatalf("%s: %d cached MIGRATE connections killed on the target, want 1", kind, n)
		}
		c.do("SET", "c", "3")
		note("after the target closed it", c.do("MIGRATE", host, port, "c", "0", "5000"))
		note("on target", tc.do("MGET", "a", "b", "c"))
		note("left on source", c.do("EXISTS", "a", "b", "c"))

		// Keys bigger than a 64 KB chunk, several per call, and a reply read in
		// pieces: every key arrives whole.
		big := strings.Repeat("x", 150_000)
		args := []string{"MIGRATE", host, port, "", "0", "5000", "KEYS"}
		for i := 0; i < 20; i++ {
			k := "big" + strconv.Itoa(i)
			c.do("SET", k, big+k)
			args = append(args, k)
		}
		note("big keys", c.do(args...))
		ok := true
		for i := 0; i < 20; i++ {
			k := "big" + strconv.Itoa(i)
			ok = ok && tc.do("GET", k) == big+k
		}
		note("big keys whole", strconv.FormatBool(ok))
		// An error from the target for one key: the others still move.
		tc.do("SET", "dup", "target")
		c.do("SET", "dup", "source")
		c.do("SET", "fresh", "source")
		note("one key refused", c.do("MIGRATE", host, port, "", "0", "5000", "KEYS", "dup", "fresh"))
		note("after refusal", c.do("MGET", "dup", "fresh")+" / "+tc.do("MGET", "dup", "fresh"))
		outcomes = append(outcomes, strings.Join(out, "\n"))
	}
	if outcomes[0] != outcomes[1] {
		t.Fatalf("redis-server:\n%s\n\nkeygrid:\n%s", outcomes[0], outcomes[1])
	}
	t.Logf("both:\n%s", outcomes[1])
	if !strings.Contains(outcomes[1], "silent target: -IOERR error or timeout reading to target instance") {
		t.Fatalf("outcomes:\n%s", outcomes[1])
	}
}
