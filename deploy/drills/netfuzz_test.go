package drills

// The network fuzzer (issue #11 part 3): random streams of valid and invalid
// RESP and inline requests go to a real keygrid twice, once in one write and once
// split at random byte boundaries (one byte at a time, random cuts, cuts around
// every CRLF), and the two runs must get the same reply bytes and the same close.
// The parser keeps state across reads (a count line, a bulk length, a bulk half
// read): a boundary it mishandles shows up as a different reply or a hang. A
// separate client PINGs every 10 ms throughout; at the end keygrid must be
// alive, without a panic in its log, and answer PING.
//
// Bounded in `make test` (a few seconds); NETFUZZ_TIME=10m (any Go duration) for
// a long run, NETFUZZ_SEED to replay one, NETFUZZ_AGAINST=redis to run it on
// redis-server (a check of the fuzzer: it must pass there as well).

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/drill"
	"github.com/keygrid/keygrid/internal/testutil"
)

const netfuzzPass = "fuzz-pw"

// genFrame returns one request, valid or not. Streams are kept small (see
// genStream) so that no run reaches the unauthenticated output cap, whose
// trigger depends on how fast replies leave, not on the bytes.
func genFrame(r *rand.Rand) []byte {
	args := func() [][]byte {
		cmds := [][]string{
			{"PING"}, {"PING", "hi"}, {"ECHO", randWord(r)}, {"SET", "k" + strconv.Itoa(r.IntN(4)), randWord(r)},
			{"GET", "k" + strconv.Itoa(r.IntN(4))}, {"INCR", "n"}, {"RPUSH", "l", randWord(r)}, {"LRANGE", "l", "0", "-1"},
			{"DEL", "k0", "k1"}, {"EXISTS", "k1"}, {"APPEND", "k2", randWord(r)}, {"STRLEN", "k2"},
			{"NOSUCHCMD", "x"}, {"GET"}, {"HSET", "h", "f", randWord(r)}, {"HGETALL", "h"},
			{"MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5"}, {"ECHO", strings.Repeat("z", 16384)},
			{"ECHO", strings.Repeat("y", 16385)}, // over the pre-AUTH bulk limit
		}
		c := cmds[r.IntN(len(cmds))]
		out := make([][]byte, len(c))
		for i, a := range c {
			out[i] = []byte(a)
		}
		return out
	}
	switch k := r.IntN(100); {
	case k < 45: // a well-formed multibulk request
		return testutil.AppendCommand(nil, toStrings(args())...)
	case k < 60: // an inline request
		a := args()
		var b []byte
		for i, x := range a {
			if i > 0 {
				b = append(b, " \t"[r.IntN(2)])
			}
			if len(x) > 100 {
				x = x[:100]
			}
			if r.IntN(5) == 0 {
				b = append(append(append(b, '"'), x...), '"')
			} else {
				b = append(b, x...)
			}
		}
		if r.IntN(2) == 0 {
			return append(b, "\r\n"...)
		}
		return append(b, '\n')
	case k < 65: // counts and lengths that are skipped or wait for more
		return []byte([]string{"*0\r\n", "*-1\r\n", "*-7\r\n", "\r\n", "\n"}[r.IntN(5)])
	case k < 85: // a frame that is a protocol error
		bad := []string{
			"*abc\r\n", "*2147483648\r\n", "*1\r\n$-2\r\n", "*1\r\n$abc\r\n", "*1\r\n+x\r\n", "*1\r\n$536870913\r\n",
			"*+1\r\n", "*\r\n", "*1\r\n$\r\n", "*1\r\n:4\r\n", "*11\r\n", "*2\r\n$4\r\nECHO\r\n$16385\r\n",
			"SET k \"abc\r\n", "ECHO 'a'b\r\n", "ECHO \"a\"b\r\n",
		}
		return []byte(bad[r.IntN(len(bad))])
	case k < 87: // HTTP: a close with no reply
		return []byte([]string{"POST / HTTP/1.1\r\n", "Host: x\r\n", "*1\r\n$4\r\nPOST\r\n"}[r.IntN(3)])
	case k < 89: // over 64 KB without a newline: far over, so the error does not
		// depend on whether the next newline arrives in the same read
		return bytes.Repeat([]byte{"a*$"[r.IntN(3)]}, 200<<10)
	case k < 94: // a valid request with a random byte changed
		b := testutil.AppendCommand(nil, toStrings(args())...)
		b[r.IntN(len(b))] = byte(r.IntN(256))
		return b
	default: // random bytes ending in a newline
		b := make([]byte, 1+r.IntN(40))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return append(b, "\r\n"...)
	}
}

func toStrings(a [][]byte) []string {
	s := make([]string, len(a))
	for i, x := range a {
		s[i] = string(x)
	}
	return s
}

func randWord(r *rand.Rand) string {
	const letters = "abcdefghij\r\n \"'\\$*"
	b := make([]byte, r.IntN(12))
	for i := range b {
		b[i] = letters[r.IntN(len(letters))]
	}
	return string(b)
}

// genStream is one connection's bytes: optionally AUTH, then a few frames.
func genStream(r *rand.Rand) []byte {
	var b []byte
	if r.IntN(2) == 0 {
		b = testutil.AppendCommand(b, "AUTH", netfuzzPass)
	}
	for n := 1 + r.IntN(20); n > 0; n-- {
		b = append(b, genFrame(r)...)
	}
	return b
}

// split cuts b into the pieces one run writes.
func split(r *rand.Rand, b []byte) (string, [][]byte) {
	var cuts []int
	mode := 1 + r.IntN(3) // whole vs whole only checks that the runs are repeatable
	switch mode {
	case 1: // one byte at a time (big streams in small random pieces instead)
		step := 1
		if len(b) > 4096 {
			step = 1 + r.IntN(len(b)/500)
		}
		for i := step; i < len(b); i += step {
			cuts = append(cuts, i)
		}
	case 2: // random cuts, about 500 pieces at most: a 200 KB frame is still cut at lengths' digits
		for i := r.IntN(len(b) + 1); i < len(b); i += 1 + r.IntN(max(64, len(b)/250)) {
			cuts = append(cuts, i)
		}
	case 3: // around every CR and LF: the boundaries a line parser gets wrong
		for i, c := range b {
			if (c == '\r' || c == '\n') && i+1 < len(b) {
				cuts = append(cuts, i+r.IntN(2))
			}
		}
	}
	var parts [][]byte
	last := 0
	for _, c := range cuts {
		if c > last && c < len(b) {
			parts = append(parts, b[last:c])
			last = c
		}
	}
	parts = append(parts, b[last:])
	return [...]string{"whole", "bytewise", "random", "crlf"}[mode], parts
}

// runOutcome is what a connection received, and whether the server closed it.
type runOutcome struct {
	reply  []byte
	closed bool
}

// replay sends parts on a fresh connection, then an ECHO of marker, and returns
// everything received until the marker's reply, the close, or idle of silence
// (a request left waiting for more swallows the marker).
func replay(addr string, parts [][]byte, marker string, pause bool, idle time.Duration) (runOutcome, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return runOutcome{}, err
	}
	defer nc.Close()
	end := bulkReply(marker)
	var (
		mu   sync.Mutex
		got  []byte
		eof  bool
		done = make(chan struct{})
	)
	go func() { // read all along, so an error reply is read before a reset can drop it
		defer close(done)
		buf := make([]byte, 64<<10)
		for {
			n, err := nc.Read(buf)
			mu.Lock()
			got = append(got, buf[:n]...)
			if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				eof = true // EOF or a reset: the server closed; the deadline is ours
			}
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	for i, p := range parts {
		if _, err := nc.Write(p); err != nil {
			break // closed by the server: what it sent is still read
		}
		if pause && i%64 == 63 {
			time.Sleep(50 * time.Microsecond) // let the server read a piece on its own now and then
		}
	}
	nc.Write(testutil.AppendCommand(nil, "ECHO", marker))
	last, lastLen := time.Now(), -1
	for {
		mu.Lock()
		n, closed, finished := len(got), eof, bytes.HasSuffix(got, end)
		mu.Unlock()
		if closed || finished {
			break
		}
		if n != lastLen {
			last, lastLen = time.Now(), n
		} else if time.Since(last) > idle {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	nc.SetReadDeadline(time.Now()) // stop the reader
	<-done
	mu.Lock()
	defer mu.Unlock()
	return runOutcome{reply: bytes.Clone(got), closed: eof}, nil
}

func bulkReply(s string) []byte { return []byte("$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n") }

func TestDrillNetFuzz(t *testing.T) {
	dur := 4 * time.Second
	if full() {
		dur = time.Minute
	}
	if v := os.Getenv("NETFUZZ_TIME"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("NETFUZZ_TIME=%q: %v", v, err)
		}
		dur = d
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("NETFUZZ_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("NETFUZZ_SEED=%d", seed)
	r := rand.New(rand.NewPCG(seed, 0))

	var kg *testutil.Server
	if os.Getenv("NETFUZZ_AGAINST") == "redis" {
		// The fuzzer itself checked on the reference: it must pass there too.
		kg = testutil.StartRedis(t, "--requirepass", netfuzzPass)
	} else {
		kg = testutil.StartKeygrid(t, "--requirepass", netfuzzPass)
	}
	ctl := kg.Conn(t)
	if raw, err := ctl.Do("AUTH", netfuzzPass); err != nil || string(raw) != "+OK\r\n" {
		t.Fatalf("AUTH: %q %v", raw, err)
	}
	res := &drill.Result{Drill: "net-fuzz", Fault: "random RESP/inline streams, whole and fragmented, " + dur.String(),
		Started: time.Now(), Bar: "fragmented replies equal the whole-stream replies; no panic; PING answered throughout", Pass: true}

	pinger := kg.Conn(t)
	if raw, err := pinger.Do("AUTH", netfuzzPass); err != nil || string(raw) != "+OK\r\n" {
		t.Fatalf("AUTH: %q %v", raw, err)
	}
	stop, pingDone := make(chan struct{}), make(chan struct{})
	var maxPing time.Duration
	var pingErr error
	go func() {
		defer close(pingDone)
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			t0 := time.Now()
			raw, err := pinger.Do("PING")
			if err != nil || string(raw) != "+PONG\r\n" {
				pingErr = fmt.Errorf("PING: %q %v", raw, err)
				return
			}
			maxPing = max(maxPing, time.Since(t0))
		}
	}()

	flush := func() {
		if raw, err := ctl.Do("FLUSHALL"); err != nil || string(raw) != "+OK\r\n" {
			t.Fatalf("FLUSHALL: %q %v", raw, err)
		}
	}
	modes := map[string]int{}
	stalled := 0 // streams whose marker was swallowed by a request waiting for more
	deadline := time.Now().Add(dur)
	for i := 0; time.Now().Before(deadline) && len(res.Failures) < 5; i++ {
		stream := genStream(r)
		mode, parts := split(r, stream)
		marker := "netfuzz-end-" + strconv.Itoa(i)
		t0 := time.Now()
		var whole, frag runOutcome
		var err error
		for _, idle := range []time.Duration{400 * time.Millisecond, 3 * time.Second} {
			// A stream that leaves a request waiting for more swallows the marker
			// and is cut by the idle time; a short one keeps the bounded run
			// busy, and a difference is checked again with a long one before it
			// counts, so a slow server on a loaded machine is not a mismatch.
			flush()
			if whole, err = replay(kg.Addr(), [][]byte{stream}, marker, false, idle); err != nil {
				break
			}
			flush()
			if frag, err = replay(kg.Addr(), parts, marker, true, idle); err != nil || sameOutcome(stream, whole, frag) {
				break
			}
		}
		if err != nil {
			res.Fail("stream %d: %v", i, err)
			continue
		}
		if os.Getenv("NETFUZZ_DEBUG") != "" {
			t.Logf("stream %d %s len=%d parts=%d took %v", i, mode, len(stream), len(parts), time.Since(t0))
		}
		res.Cases++
		modes[mode]++
		if !whole.closed && !bytes.HasSuffix(whole.reply, bulkReply(marker)) {
			stalled++
		}
		if !sameOutcome(stream, whole, frag) {
			res.Fail("stream %d (%s, %d pieces) %q:\n  whole: %q closed=%v\n  split: %q closed=%v",
				i, mode, len(parts), clip(stream), clip(whole.reply), whole.closed, clip(frag.reply), frag.closed)
		}
	}
	close(stop)
	<-pingDone
	if pingErr != nil {
		res.Fail("%v", pingErr)
	}
	if raw, err := ctl.Do("PING"); err != nil || string(raw) != "+PONG\r\n" {
		res.Fail("PING at the end: %q %v", raw, err)
	}
	if !kg.Alive() || panicked(kg.Log()) {
		res.Fail("keygrid died or panicked")
	}
	res.Figures = map[string]float64{"streams": float64(res.Cases), "stalled": float64(stalled), "max_ping_ms": float64(maxPing.Microseconds()) / 1000}
	for m, n := range modes {
		res.Figures["streams_"+m] = float64(n)
	}
	report(t, res)
}

// sameOutcome says whether the fragmented run got what the whole one did.
func sameOutcome(stream []byte, whole, frag runOutcome) bool {
	if bytes.Equal(whole.reply, frag.reply) && whole.closed == frag.closed {
		return true
	}
	// POST and Host: close dropping the replies not yet written, and how many
	// were written before depends on the reads (Redis does the same): one reply
	// must then be a prefix of the other.
	return isHTTP(stream) && whole.closed && frag.closed &&
		(bytes.HasPrefix(whole.reply, frag.reply) || bytes.HasPrefix(frag.reply, whole.reply))
}

// isHTTP says whether the stream holds a POST or Host: request, which closes
// the connection dropping unwritten replies.
func isHTTP(b []byte) bool {
	l := bytes.ToLower(b)
	return bytes.Contains(l, []byte("post")) || bytes.Contains(l, []byte("host:"))
}
