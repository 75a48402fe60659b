package drills

// Hostile frames (issue #11 part 3, the bad-frame table). Each frame goes to
// keygrid and to redis-server 7.0 on fresh connections; what comes back — the
// error bytes, whether the connection is closed, and what a PING sent afterwards
// gets if it is not — must be the same. Then 1,000 connections send such frames
// at once, and some hold half-sent big requests open: keygrid's RSS may grow by
// less than 100 MB and a PING on another connection must be answered within
// 100 ms throughout.

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/drill"
	"github.com/keygrid/keygrid/internal/testutil"
)

const framePass = "drill-pw"

type badFrame struct {
	name  string
	frame []byte
	auth  bool // authenticate first: the frame tests the general path, not the pre-AUTH limits
}

func cmd(args ...string) []byte { return testutil.AppendCommand(nil, args...) }

// badFrames is the table of part 3.
func badFrames() []badFrame {
	big := bytes.Repeat([]byte("a"), 16384)
	var flood []byte
	for len(flood) < 1<<20 {
		flood = append(flood, cmd("GET", "k")...)
	}
	return []badFrame{
		{"*-1 (ignored)", []byte("*-1\r\n"), true},
		{"*0 (ignored)", []byte("*0\r\n"), true},
		{"*abc", []byte("*abc\r\n"), true},
		{"*2147483648", []byte("*2147483648\r\n"), true},
		{"*1 then $-2", []byte("*1\r\n$-2\r\n"), true},
		{"*1 then $abc", []byte("*1\r\n$abc\r\n"), true},
		{"*1 then +x (expected $)", []byte("*1\r\n+x\r\n"), true},
		{"bulk over proto-max-bulk-len", []byte("*1\r\n$536870913\r\n"), true},
		{"mbulk count line over 64 KB", append([]byte("*"), bytes.Repeat([]byte("1"), 70000)...), true},
		{"bulk count line over 64 KB", append([]byte("*1\r\n$"), bytes.Repeat([]byte("1"), 70000)...), true},
		{"inline over 64 KB", bytes.Repeat([]byte("A"), 70000), true},
		{"inline unbalanced quotes", []byte("SET \"k v\r\n"), true},
		{"unauthenticated: 10 arguments", append([]byte("*10\r\n"), bytes.Repeat([]byte("$1\r\na\r\n"), 10)...), false},
		{"unauthenticated: 11 arguments", []byte("*11\r\n"), false},
		{"unauthenticated: 16 KB bulk", append(append([]byte("*2\r\n$3\r\nGET\r\n$16384\r\n"), big...), "\r\n"...), false},
		{"unauthenticated: 16 KB + 1 bulk", []byte("*2\r\n$3\r\nGET\r\n$16385\r\n"), false},
		{"unauthenticated: 1 MB of pipelined commands", flood, false},
		{"unauthenticated: 1 MB bulk", []byte("*2\r\n$3\r\nSET\r\n$1048576\r\n"), false},
		{"POST", []byte("POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n"), false},
		{"Host:", []byte("Host: example.com\r\n\r\n"), false},
		{"POST after AUTH", []byte("POST /\r\n"), true},
	}
}

// frameOutcome is what one server did with a frame.
type frameOutcome struct {
	reply      []byte // everything received after the frame
	closed     bool
	afterPing  []byte // what a following PING received, if the connection stayed open
	pingClosed bool
	err        error
}

func (o frameOutcome) String() string {
	s := fmt.Sprintf("reply=%q closed=%v", clip(o.reply), o.closed)
	if !o.closed {
		s += fmt.Sprintf(" then PING=%q closed=%v", clip(o.afterPing), o.pingClosed)
	}
	if o.err != nil {
		s += fmt.Sprintf(" err=%v", o.err)
	}
	return s
}

func clip(b []byte) []byte {
	if len(b) > 200 {
		return append(append(bytes.Clone(b[:100]), fmt.Sprintf("...(%d bytes)...", len(b))...), b[len(b)-100:]...)
	}
	return b
}

// idle is how long a connection must stay silent to count as "not closed, no
// more replies": the servers answer in microseconds, so this is generous.
const idle = 400 * time.Millisecond

func sendFrame(addr string, f badFrame) (o frameOutcome) {
	c, err := testutil.Dial(addr)
	if err != nil {
		return frameOutcome{err: err}
	}
	defer c.Close()
	if f.auth {
		if raw, err := c.Do("AUTH", framePass); err != nil || string(raw) != "+OK\r\n" {
			return frameOutcome{err: fmt.Errorf("AUTH: %q %v", raw, err)}
		}
	}
	if err := c.Send(f.frame); err != nil && !testutil.IsClosedError(err) {
		return frameOutcome{err: err}
	}
	if o.reply, o.closed, o.err = c.ReadUntilClose(idle); o.err != nil || o.closed {
		return o
	}
	if err := c.Send(cmd("PING")); err != nil {
		o.pingClosed = true
		return o
	}
	o.afterPing, o.pingClosed, o.err = c.ReadUntilClose(idle)
	return o
}

func TestDrillBadFrames(t *testing.T) {
	kg := testutil.StartKeygrid(t, "--requirepass", framePass)
	rs := testutil.StartRedis(t, "--requirepass", framePass)
	frames := badFrames()
	res := &drill.Result{Drill: "bad-frames", Fault: "the bad-frame table, sent to keygrid and redis-server 7.0",
		Started: time.Now(), Bar: "same reply bytes and close behaviour as redis-server", Pass: true}
	type pair struct{ kg, rs frameOutcome }
	out := make([]pair, len(frames))
	var wg sync.WaitGroup
	for i, f := range frames {
		wg.Add(2)
		go func() { defer wg.Done(); out[i].kg = sendFrame(kg.Addr(), f) }()
		go func() { defer wg.Done(); out[i].rs = sendFrame(rs.Addr(), f) }()
	}
	wg.Wait()
	for i, f := range frames {
		res.Cases++
		k, r := out[i].kg, out[i].rs
		if k.err != nil || r.err != nil {
			res.Fail("%s: I/O error: keygrid %v, redis %v", f.name, k.err, r.err)
			continue
		}
		if !bytes.Equal(k.reply, r.reply) || k.closed != r.closed || !bytes.Equal(k.afterPing, r.afterPing) || k.pingClosed != r.pingClosed {
			res.Fail("%s:\n  keygrid: %v\n  redis:   %v", f.name, k, r)
			continue
		}
		t.Logf("%-45s %v", f.name, r)
	}
	if !kg.Alive() {
		res.Fail("keygrid died")
	}
	report(t, res)
}

// rssKB returns the resident set size of pid, in KiB.
func rssKB(pid int) (int, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("reading the RSS: %v", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

func TestDrillBadFrameFlood(t *testing.T) {
	const conns = 1000
	frames := badFrames()
	// Requests left half-sent hold whatever the server buffers for them: a big
	// bulk announced and partly sent, an inline line with no end yet.
	frames = append(frames,
		badFrame{"half-sent 100 MB bulk", append([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000000\r\n"), bytes.Repeat([]byte("x"), 60000)...), false},
		badFrame{"half-sent inline", bytes.Repeat([]byte("B"), 60000), false},
		badFrame{"half-sent 1M-argument command", []byte("*1048576\r\n$3\r\nSET\r\n"), false},
	)
	if only := os.Getenv("DRILL_FRAME"); only != "" { // to find which frame costs what
		var sel []badFrame
		for _, f := range frames {
			if strings.Contains(f.name, only) {
				sel = append(sel, f)
			}
		}
		frames = sel
	}
	res := &drill.Result{Drill: "bad-frame-flood", Fault: fmt.Sprintf("%d connections sending bad or half-sent frames at once", conns),
		Started: time.Now(), Bar: "keygrid: RSS growth < 100 MB, PING answered within 100 ms throughout (bounded run: or within 3x redis-server's slowest PING under the same flood at the same time)", Pass: true}
	// The same flood against redis-server: on a shared machine its figures say
	// how much of a slow PING is the machine's. In the bounded run (beside the
	// other packages' tests) both floods run at once, so that both servers see the
	// same load from the rest of the machine; measured one after the other, a
	// burst of another test's work during one of them alone decided the ratio.
	// DRILLS=full floods keygrid alone, on a machine left to it, for the
	// absolute bar.
	rs := testutil.StartRedis(t, "--requirepass", framePass)
	kg := testutil.StartKeygrid(t, "--requirepass", framePass)
	var rf, kf floodFigures
	if full() {
		rf = flood(rs, frames, conns)
		kf = flood(kg, frames, conns)
	} else {
		done := make(chan struct{})
		go func() { defer close(done); rf = flood(rs, frames, conns) }()
		kf = flood(kg, frames, conns)
		<-done
	}
	if rf.err != nil {
		t.Fatalf("flooding redis-server: %v", rf.err)
	}
	res.Cases = conns
	res.Figures = map[string]float64{"rss_growth_mb": kf.growthMB, "max_ping_ms": kf.maxPingMs, "pings": float64(kf.pings),
		"redis_rss_growth_mb": rf.growthMB, "redis_max_ping_ms": rf.maxPingMs}
	if kf.err != nil {
		res.Fail("%v", kf.err)
	}
	if kf.growthMB >= 100 {
		res.Fail("RSS grew by %.1f MB", kf.growthMB)
	}
	// The bar is 100 ms. On a shared CI machine a scheduler hiccup alone exceeds
	// it (redis-server's own figure shows it), so the bounded run accepts up to
	// three times redis-server's slowest PING under the same flood; DRILLS=full holds
	// the absolute bar.
	if limit := max(100, 3*rf.maxPingMs); kf.maxPingMs >= 100 && (full() || kf.maxPingMs >= limit) {
		res.Fail("a PING took %.1f ms (redis-server: %.1f ms)", kf.maxPingMs, rf.maxPingMs)
	}
	if kf.opened < conns*9/10 {
		res.Fail("only %d of %d connections opened", kf.opened, conns)
	}
	if !kg.Alive() || panicked(kg.Log()) {
		res.Fail("keygrid died or panicked")
	}
	report(t, res)
}

type floodFigures struct {
	growthMB, maxPingMs float64
	pings, opened       int
	err                 error
}

// flood opens conns connections to srv, each sending one of frames (cycling) and
// staying open, while another connection PINGs every 10 ms; it measures srv's RSS
// growth once the server has read everything, and the slowest PING.
func flood(srv *testutil.Server, frames []badFrame, conns int) (f floodFigures) {
	pinger, err := testutil.Dial(srv.Addr())
	if err != nil {
		f.err = err
		return f
	}
	defer pinger.Close()
	if raw, err := pinger.Do("AUTH", framePass); err != nil || string(raw) != "+OK\r\n" {
		f.err = fmt.Errorf("AUTH: %q %v", raw, err)
		return f
	}
	before, err := rssKB(srv.Pid())
	if err != nil {
		f.err = err
		return f
	}
	stop := make(chan struct{})
	pingDone := make(chan struct{})
	var maxPing time.Duration
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
			d := time.Since(t0)
			if err != nil || string(raw) != "+PONG\r\n" {
				f.err = fmt.Errorf("PING: %q %v", raw, err)
				return
			}
			f.pings++
			maxPing = max(maxPing, d)
		}
	}()
	var mu sync.Mutex
	var open []*testutil.Conn
	var wg sync.WaitGroup
	sem := make(chan struct{}, 100) // dial in waves: the flood is the frames, not a SYN storm
	for i := 0; i < conns; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(fr badFrame) {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := testutil.Dial(srv.Addr())
			if err != nil {
				return
			}
			c.Send(fr.frame)
			mu.Lock()
			open = append(open, c) // kept open: the server holds what it buffered for it
			mu.Unlock()
		}(frames[i%len(frames)])
	}
	wg.Wait()
	time.Sleep(500 * time.Millisecond) // the server reads what was sent meanwhile: the measured state
	peak, rssErr := rssKB(srv.Pid())
	close(stop)
	<-pingDone
	if f.err == nil {
		f.err = rssErr
	}
	for _, c := range open {
		c.Close()
	}
	f.growthMB = float64(peak-before) / 1024
	f.maxPingMs = float64(maxPing.Microseconds()) / 1000
	f.opened = len(open)
	return f
}
