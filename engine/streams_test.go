package engine

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/stream"
	"github.com/keygrid/keygrid/internal/testutil"
)

// TestStreamsBlockingAgainstRedis runs blocking XREAD / XREADGROUP scenarios with
// several connections on a real redis-server and on keygrid, and compares every
// reply and what each propagates when blocked clients are served (Redis's
// replication stream, read as a replica, against the propagate hook).
func TestStreamsBlockingAgainstRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	rsrv := testutil.StartRedis(t, "--repl-diskless-sync", "no")
	repl := newRawReader(t, rsrv.Addr())
	repl.startReplica()

	ks, kaddr := startTestServer(t, nil)
	var mu sync.Mutex
	var propagated []string
	done := make(chan struct{})
	ks.Submit(func() {
		ks.propagate = func(db int, argv [][]byte) {
			parts := []string{strconv.Itoa(db)}
			for _, a := range argv {
				parts = append(parts, string(a))
			}
			mu.Lock()
			propagated = append(propagated, strings.Join(parts, " "))
			mu.Unlock()
		}
		close(done)
	})
	<-done

	type side struct {
		conns map[string]*testConn
		addr  string
	}
	sides := []*side{{map[string]*testConn{}, rsrv.Addr()}, {map[string]*testConn{}, kaddr}}
	conn := func(s *side, name string) *testConn {
		if c := s.conns[name]; c != nil {
			return c
		}
		c := dialTest(t, s.addr)
		s.conns[name] = c
		return c
	}
	// Steps: "name> CMD" sends and reads; "name< CMD" only sends (it blocks);
	// "name?" reads a pending reply ("name? *": not compared). A pause after each send lets the server
	// block the client before the next step.
	script := `
main> XGROUP CREATE s grp $ MKSTREAM
a< XREADGROUP GROUP grp alice BLOCK 0 STREAMS s >
b< XREADGROUP GROUP grp bob NOACK BLOCK 0 STREAMS s >
main> XADD s 1-0 f v
a?
main> XADD s 2-0 f v
b?
c< XREADGROUP GROUP grp carol NOACK BLOCK 0 COUNT 10 STREAMS s >
main> XADD s 3-0 f v
c?
a< XREAD BLOCK 0 STREAMS s $
main> XADD s MAXLEN ~ 1 * f v
a? *
a< XREADGROUP GROUP grp alice BLOCK 0 STREAMS s2 >
main> XGROUP CREATE s2 grp $ MKSTREAM
main> XADD s2 1-0 f v
main> XPENDING s grp
main> XINFO GROUPS s
`
	for _, line := range strings.Split(strings.TrimSpace(script), "\n") {
		var name, op, cmd string
		if i := strings.IndexAny(line, "<>?"); i > 0 {
			name, op, cmd = line[:i], line[i:i+1], strings.TrimSpace(line[i+1:])
		}
		var replies [2]string
		for i, s := range sides {
			c := conn(s, name)
			switch op {
			case ">":
				replies[i] = c.do(strings.Fields(cmd)...)
			case "<":
				var b []byte
				b = testutil.AppendCommand(b, strings.Fields(cmd)...)
				c.raw(string(b))
				time.Sleep(20 * time.Millisecond)
			case "?":
				c.c.SetDeadline(time.Now().Add(5 * time.Second))
				replies[i] = c.read()
			}
		}
		// "*" marks steps whose replies hold time-based IDs.
		if op != "<" && !strings.Contains(cmd, "*") && replies[0] != replies[1] {
			t.Errorf("%s:\nredis   %q\nkeygrid %q", line, replies[0], replies[1])
		}
	}
	// XADD s2 above was served to nobody (alice waited on s2 before the group
	// existed, and XREADGROUP needs the group when it blocks): its reply is an
	// error, already compared. End marker:
	for _, s := range sides {
		conn(s, "main").do("SET", "end-marker", "1")
	}
	var refProp []string
	for {
		argv := repl.readValue()
		if strings.EqualFold(argv[0], "PING") || strings.EqualFold(argv[0], "SELECT") {
			continue
		}
		if len(argv) == 3 && argv[1] == "end-marker" {
			break
		}
		refProp = append(refProp, "0 "+strings.Join(argv, " "))
	}
	mu.Lock()
	got := append([]string(nil), propagated...)
	mu.Unlock()
	if len(got) > 0 && strings.Contains(got[len(got)-1], "end-marker") {
		got = got[:len(got)-1]
	}
	// XADD * generates time-based IDs, which differ: compare its shape only.
	norm := func(l []string) []string {
		out := make([]string, len(l))
		for i, s := range l {
			f := strings.Fields(s)
			for j, x := range f {
				if id, _, ok := stream.ParseID([]byte(x), 0, stream.Strict); ok && id.Ms > 1e12 {
					f[j] = "<time-id>"
				}
			}
			out[i] = strings.Join(f, " ")
		}
		return out
	}
	t.Logf("%d propagated commands compared", len(got))
	if a, b := norm(refProp), norm(got); !propagationEqual(a, b) {
		t.Errorf("propagated commands differ:\nredis   %q\nkeygrid %q", a, b)
	}
}

// TestStreamUnit covers what the scripts cannot: encodings, MEMORY USAGE and COPY
// independence of the in-memory structure.
func TestStreamUnit(t *testing.T) {
	st := newKeysTester(t, nil)
	st.script(`
		XADD s 1-0 a 1 => "1-0"
		OBJECT ENCODING s => "stream"
		TYPE s => stream
		XGROUP CREATE s g 0 => OK
		XREADGROUP GROUP g c STREAMS s > => [["s" [["1-0" ["a" "1"]]]]]
		COPY s t => :1
		XACK t g 1-0 => :1
		XPENDING s g => [:1 "1-0" "1-0" [["c" "1"]]]
		XPENDING t g => [:0 (nil) (nil) (nil)]
	`)
	v := st.parsed("MEMORY", "USAGE", "s")
	if v.Int < 100 {
		t.Errorf("MEMORY USAGE s = %d", v.Int)
	}
}

// An approximate trim with LIMIT reaches the AOF as an exact trim with LIMIT kept
// (XADD ... MAXLEN = 71 LIMIT 30): loading it must apply it as written, whatever the
// node sizes are then, and only a normal client is refused "= ... LIMIT". Redis's
// unit/type/stream "XADD with ~ MAXLEN and LIMIT can propagate correctly".
func TestStreamTrimLimitAOFReplay(t *testing.T) {
	_, tc := aofTestServer(t, t.TempDir(), func(c *config.Config) {
		c.EnableDebugCommand = "yes"
		c.StreamNodeMaxEntries = 10
	})
	for i := 0; i < 100; i++ {
		tc.do("XADD", "s", "*", "f", "v")
	}
	tc.do("XADD", "s", "MAXLEN", "~", "55", "LIMIT", "30", "*", "f", "v")
	if got := tc.do("XLEN", "s"); got != ":71" {
		t.Fatalf("XLEN after the trim = %s, want 71", got)
	}
	tc.do("CONFIG", "SET", "stream-node-max-entries", "1")
	if got := tc.do("DEBUG", "LOADAOF"); got != "OK" {
		t.Fatalf("DEBUG LOADAOF = %q", got)
	}
	if got := tc.do("XLEN", "s"); got != ":71" {
		t.Fatalf("XLEN after DEBUG LOADAOF = %s, want 71", got)
	}
	want := "-ERR syntax error, LIMIT cannot be used without the special ~ option"
	if got := tc.do("XADD", "s", "MAXLEN", "=", "5", "LIMIT", "3", "*", "f", "v"); got != want {
		t.Fatalf("XADD MAXLEN = LIMIT from a client = %q, want %q", got, want)
	}
}

func BenchmarkXADD(b *testing.B) {
	st := newKeysTester(b, nil)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		st.raw("XADD", "s", "*", "field", "value")
	}
}
