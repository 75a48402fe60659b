package drills

// Slow readers (issue #11 part 3): for each client-output-buffer-limit class, a
// client that stops reading while the server keeps producing output for it.
//
//   - normal: the client pipelines LRANGE of a 100 KB list and never reads;
//   - pubsub: the client subscribes, then stops reading while a publisher sends;
//   - replica: a fake replica that sends PSYNC and never reads, while a writer
//     loads the master; and a real replica of the same server stopped with SIGSTOP.
//
// Each class runs with a hard limit (4 MB, no soft) and, but for the stopped
// replica, a soft one (2 MB for 2 s): Redis 7.0.15 closes a client as soon as its
// output reaches the hard limit, and once it has stayed over the soft limit for
// more than soft-seconds (checked on new output and by the clients cron). Every
// case runs against keygrid and redis-server with the same producer and the same
// client socket (4 KB receive buffer), so the kernel's buffering is the same on
// both sides; redis-server's cut time is the reference. Bars, per case:
//
//   - the slow client is closed, within max(1.5 s, half of redis-server's time)
//     of when redis-server closed it; a soft-limit case never before soft-seconds;
//   - the log has Redis's line: "Client <CLIENT LIST line> scheduled to be closed
//     ASAP for overcoming of output buffer limits." (or "closed for overcoming
//     ..." when the cron found it), naming the slow client;
//   - another client's PING stays under 100 ms throughout. A busy process on a
//     loaded 2-core machine is descheduled for 100 ms and more now and then, so
//     the bounded run (in `make test`) fails only on a pattern: three PINGs or more
//     over 100 ms, the slowest over 3x both the idle control server's slowest in
//     the same seconds and redis-server's in the same case. DRILLS=full holds
//     the plain 100 ms bar;
//   - INFO: connected_clients back to its start, evicted_clients unchanged (an
//     output-buffer cut is not a client eviction), client_recent_max_output_buffer
//     showing the slow client's peak just after the cut, as on redis-server;
//   - keygrid's RSS back within slowRSSSlackMB of its start, on its own;
//   - the stopped replica, once continued, reconnects and ends with the master's
//     dataset.

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/drill"
	"github.com/keygrid/keygrid/internal/testutil"
)

// obufCase is one slow-reader case.
type obufCase struct {
	name  string
	class string // normal, pubsub, replica (the directive's class names)
	kind  string // "normal", "pubsub", "fake-replica", "stopped-replica"
	hard  int64  // bytes, 0 = none
	soft  int64
	secs  int
}

func (c obufCase) directive() string {
	// Every class back to its default, then this case's.
	lim := map[string]string{"normal": "0 0 0", "replica": "256mb 64mb 60", "pubsub": "32mb 8mb 60"}
	lim[c.class] = fmt.Sprintf("%d %d %d", c.hard, c.soft, c.secs)
	return "normal " + lim["normal"] + " replica " + lim["replica"] + " pubsub " + lim["pubsub"]
}

const (
	obufHard = 4 << 20
	obufSoft = 2 << 20
	obufSecs = 2
	// produceRate is what the producer sends toward the slow client, about 2.5 MB/s:
	// the hard limit is reached in under two seconds, the soft one in one.
	produceChunk = 8 << 10
	produceEvery = 50 * time.Millisecond
	producePer   = 16 // chunks per tick
	slowName     = "slowreader"
	// slowRSSSlackMB is how far over its start keygrid's RSS may stay after a
	// case. Measured: a peak 17-33 MB over the start comes back to 2-6.5 MB over
	// it within 2-4 s (the first case of a fresh server keeps the most: its
	// start is before any warm-up); without the releaser it stays at the peak.
	slowRSSSlackMB = 8
)

// obufOutcome is one case's run against one server.
type obufOutcome struct {
	cutS        float64 // from the first output to the slow client's close (-1: never)
	maxOmem     int64   // the largest omem CLIENT LIST showed for it
	logLine     bool    // Redis's line, naming the client, in the log
	maxPingMs   float64 // the other client's slowest PING
	maxPingAtS  float64 // when it was sent, from the first output
	ctlPingMs   float64 // the idle control's slowest PING in the same time
	slowPings   int
	clientsBack bool // connected_clients back to its start
	// recentMaxOut is INFO's client_recent_max_output_buffer read just after the
	// cut: Redis reports the peak of the last 8 seconds, so the slow client's.
	recentMaxOut int
	evictedDiff  int // evicted_clients after - before
	baseRSSMB    float64
	peakRSSMB    float64
	afterRSSMB   float64
	rssBack      bool // within rssSlackMB of the start on its own
	rssBackS     float64
	resynced     bool // stopped replica: reconnected and equal to the master
	err          error
}

// slowDial connects to addr with a 4 KB receive buffer, set before the handshake so
// the advertised window stays small.
func slowDial(addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 2 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	return d.Dial("tcp", addr)
}

// clientLine returns the CLIENT LIST line whose name is name ("" if none).
func clientLine(adm *testutil.Conn, name string) (string, error) {
	raw, err := adm.Do("CLIENT", "LIST")
	if err != nil {
		return "", err
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if strings.Contains(line, " name="+name+" ") {
			return line, nil
		}
	}
	return "", nil
}

// lineField reads a numeric field of a CLIENT LIST line.
func lineField(line, field string) int64 {
	for f := range strings.FieldsSeq(line) {
		if v, ok := strings.CutPrefix(f, field+"="); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// replicaCount reads connected_slaves.
func replicaCount(adm *testutil.Conn) (int, error) {
	return infoField(adm, "replication", "connected_slaves")
}

// obufLogRE matches Redis's line for a client closed for its output buffer,
// naming the slow client (a stopped replica has no name: its flags say S).
func obufLogRE(named bool) *regexp.Regexp {
	who := `name=` + slowName + ` `
	if !named {
		who = `flags=S `
	}
	return regexp.MustCompile(`Client id=\d+ addr=\S+ .*` + who + `.*(scheduled to be closed ASAP|closed) for overcoming of output buffer limits\.`)
}

// runObufCase runs c against srv (ctl: the idle control for PING, may be nil;
// replica: the real replica for "stopped-replica"; ref: srv is redis-server, whose
// RSS is reported, not waited for).
func runObufCase(t *testing.T, srv, ctl, replica *testutil.Server, c obufCase, ref bool) (o obufOutcome) {
	o.cutS = -1
	adm := srv.Conn(t)
	adm.SetTimeout(10 * time.Second)
	if raw, err := adm.Do("CONFIG", "SET", "client-output-buffer-limit", c.directive()); err != nil || string(raw) != "+OK\r\n" {
		o.err = fmt.Errorf("CONFIG SET client-output-buffer-limit %q: %q %v", c.directive(), raw, err)
		return o
	}
	if c.kind == "normal" {
		// The big list: 100 elements of 1 KB (a 100 KB reply).
		args := []string{"RPUSH", "biglist"}
		for i := 0; i < 100; i++ {
			args = append(args, strings.Repeat(string(rune('a'+i%26)), 1024))
		}
		if _, err := adm.Do("DEL", "biglist"); err != nil {
			o.err = err
			return o
		}
		if _, err := adm.Do(args...); err != nil {
			o.err = err
			return o
		}
	}
	baseClients, err := infoField(adm, "clients", "connected_clients")
	if err != nil {
		o.err = err
		return o
	}
	baseEvicted, err := infoField(adm, "stats", "evicted_clients")
	if err != nil {
		o.err = err
		return o
	}
	pid := srv.Pid()
	o.baseRSSMB = float64(procField(pid, "VmRSS")) / 1024
	pc := srv.Conn(t)
	defer pc.Close()
	ping := startPinger(pc)
	var ctlPing *pingStats
	if ctl != nil {
		ctlPing = startPinger(ctl.Conn(t))
	}

	// The slow client, set up; from here on it never reads.
	var slow net.Conn
	present := func() (bool, error) { // is the slow client still connected?
		line, err := clientLine(adm, slowName)
		if err == nil && line != "" {
			o.maxOmem = max(o.maxOmem, lineField(line, "omem"))
		}
		return line != "", err
	}
	if c.kind == "stopped-replica" {
		present = func() (bool, error) {
			n, err := replicaCount(adm)
			return n > 0, err
		}
	} else {
		if slow, err = slowDial(srv.Addr()); err != nil {
			o.err = err
			return o
		}
		defer slow.Close()
		br := bufio.NewReader(slow)
		setup := [][]string{{"CLIENT", "SETNAME", slowName}}
		switch c.kind {
		case "pubsub":
			setup = append(setup, []string{"SUBSCRIBE", "slowch"})
		case "fake-replica":
			setup = append(setup, []string{"REPLCONF", "listening-port", "1"}, []string{"REPLCONF", "capa", "eof", "capa", "psync2"})
		}
		for _, cmd := range setup {
			slow.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := slow.Write(testutil.AppendCommand(nil, cmd...)); err != nil {
				o.err = err
				return o
			}
			if _, err := br.ReadString('\n'); err != nil {
				o.err = fmt.Errorf("%v: %v", cmd, err)
				return o
			}
			if cmd[0] == "SUBSCRIBE" { // *3 (read above), $9 subscribe $6 slowch :1
				for range 5 {
					if _, err := br.ReadString('\n'); err != nil {
						o.err = fmt.Errorf("SUBSCRIBE: %v", err)
						return o
					}
				}
			}
		}
		slow.SetDeadline(time.Time{})
		if c.kind == "fake-replica" {
			slow.Write(testutil.AppendCommand(nil, "PSYNC", "?", "-1")) // and never read
		}
	}
	if c.kind == "stopped-replica" {
		if err := syscall.Kill(replica.Pid(), syscall.SIGSTOP); err != nil {
			o.err = err
			return o
		}
	}

	// The producer.
	var stop atomic.Bool
	var prodErr error
	var wg sync.WaitGroup
	wg.Add(1)
	t0 := time.Now()
	go func() {
		defer wg.Done()
		payload := strings.Repeat("p", produceChunk)
		var w *testutil.Conn
		if c.kind != "normal" {
			var err error
			if w, err = testutil.Dial(srv.Addr()); err != nil {
				prodErr = err
				return
			}
			defer w.Close()
			w.SetTimeout(10 * time.Second)
		}
		var batch []byte
		for i := 0; !stop.Load(); i++ {
			if c.kind == "normal" {
				// A 100 KB reply every 40 ms, never read.
				slow.SetWriteDeadline(time.Now().Add(time.Second))
				if _, err := slow.Write(testutil.AppendCommand(nil, "LRANGE", "biglist", "0", "-1")); err != nil {
					return // closed: the server's answer
				}
				time.Sleep(40 * time.Millisecond)
				continue
			}
			batch = batch[:0]
			for j := range producePer {
				if c.kind == "pubsub" {
					batch = testutil.AppendCommand(batch, "PUBLISH", "slowch", payload)
				} else {
					batch = testutil.AppendCommand(batch, "SET", "k"+strconv.Itoa((i*producePer+j)%500), payload)
				}
			}
			if err := w.Send(batch); err != nil {
				prodErr = err
				return
			}
			for range producePer {
				if _, err := w.ReadReply(); err != nil {
					prodErr = err
					return
				}
			}
			time.Sleep(produceEvery)
		}
	}()

	// Watch for the cut.
	deadline := t0.Add(time.Duration(size(15, 30)) * time.Second)
	for time.Now().Before(deadline) {
		ok, err := present()
		if err != nil {
			o.err = err
			break
		}
		if !ok {
			o.cutS = time.Since(t0).Seconds()
			o.recentMaxOut, _ = infoField(adm, "clients", "client_recent_max_output_buffer")
			break
		}
		o.peakRSSMB = max(o.peakRSSMB, float64(procField(pid, "VmRSS"))/1024)
		time.Sleep(20 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	if prodErr != nil && o.err == nil {
		o.err = fmt.Errorf("producer: %v", prodErr)
	}
	o.maxPingMs, _, o.slowPings, err = ping.finish()
	o.maxPingAtS = ping.maxAt.Sub(t0).Seconds()
	if err != nil && o.err == nil {
		o.err = err
	}
	if ctlPing != nil {
		o.ctlPingMs, _, _, _ = ctlPing.finish()
	}
	if c.kind == "stopped-replica" {
		syscall.Kill(replica.Pid(), syscall.SIGCONT)
	}
	if slow != nil {
		slow.Close()
	}
	pc.Close()

	// The log line (a file for redis-server: give it a moment).
	re := obufLogRE(c.kind != "stopped-replica")
	for end := time.Now().Add(2 * time.Second); ; {
		if o.logLine = re.MatchString(srv.Log()); o.logLine || time.Now().After(end) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	// INFO back where it was.
	for end := time.Now().Add(5 * time.Second); ; {
		n, err := infoField(adm, "clients", "connected_clients")
		if err == nil && n <= baseClients {
			o.clientsBack = true
			break
		}
		if time.Now().After(end) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if ev, err := infoField(adm, "stats", "evicted_clients"); err == nil {
		o.evictedDiff = ev - baseEvicted
	}
	// RSS back near the start, on its own.
	t1 := time.Now()
	for end := t1.Add(time.Duration(size(20, 60)) * time.Second); ; {
		o.afterRSSMB = float64(procField(pid, "VmRSS")) / 1024
		if o.afterRSSMB <= o.baseRSSMB+slowRSSSlackMB {
			o.rssBack, o.rssBackS = true, time.Since(t1).Seconds()
			break
		}
		if time.Now().After(end) || ref {
			break // redis-server's figure is reported, not waited for
		}
		time.Sleep(250 * time.Millisecond)
	}
	if c.kind == "stopped-replica" {
		o.resynced = replicaCaughtUp(t, srv, replica)
	}
	return o
}

// replicaCaughtUp waits for replica to be linked to srv again with the same
// dataset (DBSIZE and the values of the written keys).
func replicaCaughtUp(t *testing.T, srv, replica *testutil.Server) bool {
	m, r := client(t, srv.Addr()), client(t, replica.Addr())
	ctx := context.Background()
	keys := make([]string, 500)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i)
	}
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		info, err := r.Info(ctx, "replication").Result()
		if err != nil || !strings.Contains(info, "master_link_status:up") {
			continue
		}
		mo, err1 := m.Do(ctx, "DBSIZE").Int64()
		ro, err2 := r.Do(ctx, "DBSIZE").Int64()
		if err1 != nil || err2 != nil || mo != ro {
			continue
		}
		mv, err1 := fetch(ctx, m, keys)
		rv, err2 := fetch(ctx, r, keys)
		if err1 != nil || err2 != nil || len(mv) != len(rv) {
			continue
		}
		same := true
		for k, v := range mv {
			if rv[k] != v {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

var obufCases = map[string][]obufCase{
	"Normal": {
		{name: "normal-hard", class: "normal", kind: "normal", hard: obufHard},
		{name: "normal-soft", class: "normal", kind: "normal", soft: obufSoft, secs: obufSecs},
	},
	"PubSub": {
		{name: "pubsub-hard", class: "pubsub", kind: "pubsub", hard: obufHard},
		{name: "pubsub-soft", class: "pubsub", kind: "pubsub", soft: obufSoft, secs: obufSecs},
	},
	"Replica": {
		{name: "fake-replica-hard", class: "replica", kind: "fake-replica", hard: obufHard},
		{name: "fake-replica-soft", class: "replica", kind: "fake-replica", soft: obufSoft, secs: obufSecs},
		{name: "stopped-replica-hard", class: "replica", kind: "stopped-replica", hard: obufHard},
	},
}

func TestDrillSlowReaderNormal(t *testing.T)  { slowReaderDrill(t, "Normal") }
func TestDrillSlowReaderPubSub(t *testing.T)  { slowReaderDrill(t, "PubSub") }
func TestDrillSlowReaderReplica(t *testing.T) { slowReaderDrill(t, "Replica") }

func slowReaderDrill(t *testing.T, group string) {
	cases := obufCases[group]
	// Full sync without the 5 s diskless delay, for the fake and the real replica.
	args := []string{"--repl-diskless-sync-delay", "0"}
	kg := testutil.StartKeygrid(t, args...)
	rs := testutil.StartRedis(t, args...)
	ctl := testutil.StartKeygrid(t)
	var kgRep, rsRep *testutil.Server
	if group == "Replica" {
		kgRep = testutil.StartKeygrid(t, "--replicaof", "127.0.0.1 "+strconv.Itoa(kg.Port()))
		rsRep = testutil.StartRedis(t, "--replicaof", "127.0.0.1 "+strconv.Itoa(rs.Port()))
		// The dataset the writer keeps overwriting, there before the RSS baseline.
		for _, m := range []*testutil.Server{kg, rs} {
			mc := client(t, m.Addr())
			for i := range 500 {
				if err := mc.Set(context.Background(), "k"+strconv.Itoa(i), strings.Repeat("p", produceChunk), 0).Err(); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, r := range []*testutil.Server{kgRep, rsRep} {
			rc := r.Conn(t)
			testutil.WaitFor(t, 20*time.Second, func() bool {
				raw, err := rc.Do("INFO", "replication")
				return err == nil && strings.Contains(string(raw), "master_link_status:up")
			}, "replica linked")
		}
	}
	res := &drill.Result{Drill: "slowreader-" + strings.ToLower(group), Started: time.Now(), Pass: true,
		Fault: "a client that stops reading while the server produces ~2.5 MB/s for it: " + group + " class, hard " +
			strconv.Itoa(obufHard>>20) + " MB / soft " + strconv.Itoa(obufSoft>>20) + " MB for " + strconv.Itoa(obufSecs) + " s",
		Bar: "closed within max(1.5 s, 50%) of redis-server's time (soft: never before soft-seconds), Redis's log line, " +
			"PING < 100 ms, connected_clients back, evicted_clients unchanged, RSS back near baseline, a stopped replica resyncs",
		Figures: map[string]float64{}}
	for _, c := range cases {
		k := runObufCase(t, kg, ctl, kgRep, c, false)
		r := runObufCase(t, rs, nil, rsRep, c, true)
		res.Cases++
		f := res.Figures
		f[c.name+"_cut_s"], f[c.name+"_redis_cut_s"] = k.cutS, r.cutS
		f[c.name+"_max_omem_mb"], f[c.name+"_redis_max_omem_mb"] = float64(k.maxOmem)/(1<<20), float64(r.maxOmem)/(1<<20)
		f[c.name+"_max_ping_ms"], f[c.name+"_redis_max_ping_ms"] = k.maxPingMs, r.maxPingMs
		f[c.name+"_control_max_ping_ms"] = k.ctlPingMs
		f[c.name+"_rss_base_mb"], f[c.name+"_rss_peak_mb"], f[c.name+"_rss_after_mb"] = k.baseRSSMB, k.peakRSSMB, k.afterRSSMB
		f[c.name+"_rss_back_s"] = k.rssBackS
		t.Logf("%s: keygrid cut at %.2f s (omem seen %.1f MB, PING max %.1f ms at %.2f s, control %.1f ms, RSS %.1f→%.1f→%.1f MB back in %.1f s), redis-server at %.2f s (omem seen %.1f MB, PING max %.1f ms)",
			c.name, k.cutS, float64(k.maxOmem)/(1<<20), k.maxPingMs, k.maxPingAtS, k.ctlPingMs, k.baseRSSMB, k.peakRSSMB, k.afterRSSMB, k.rssBackS,
			r.cutS, float64(r.maxOmem)/(1<<20), r.maxPingMs)
		if k.err != nil {
			res.Fail("%s: keygrid: %v", c.name, k.err)
		}
		if r.err != nil {
			res.Fail("%s: redis-server: %v", c.name, r.err)
		}
		switch {
		case r.cutS < 0:
			res.Fail("%s: redis-server never closed the slow client (the reference is broken)", c.name)
		case k.cutS < 0:
			res.Fail("%s: keygrid never closed the slow client (redis-server did at %.2f s)", c.name, r.cutS)
		default:
			if d := k.cutS - r.cutS; d > max(1.5, r.cutS/2) || -d > max(1.5, r.cutS/2) {
				res.Fail("%s: keygrid closed the slow client at %.2f s, redis-server at %.2f s", c.name, k.cutS, r.cutS)
			}
			if c.secs > 0 && k.cutS < float64(c.secs) {
				res.Fail("%s: closed at %.2f s, before the soft limit's %d s", c.name, k.cutS, c.secs)
			}
		}
		if !k.logLine {
			res.Fail("%s: keygrid's log has no %q line", c.name, obufLogRE(c.kind != "stopped-replica"))
		}
		if !r.logLine {
			res.Fail("%s: redis-server's log has no %q line (the reference is broken)", c.name, obufLogRE(c.kind != "stopped-replica"))
		}
		if k.maxPingMs >= 100 && (full() || k.slowPings >= 3 && k.maxPingMs >= 3*max(k.ctlPingMs, r.maxPingMs, 34)) {
			res.Fail("%s: a PING took %.1f ms (%d over 100 ms; the idle control's slowest %.1f ms)", c.name, k.maxPingMs, k.slowPings, k.ctlPingMs)
		}
		f[c.name+"_recent_max_output_mb"], f[c.name+"_redis_recent_max_output_mb"] = float64(k.recentMaxOut)/(1<<20), float64(r.recentMaxOut)/(1<<20)
		if r.recentMaxOut >= 1<<20 && k.recentMaxOut < 1<<20 {
			res.Fail("%s: client_recent_max_output_buffer just after the cut %d on keygrid, %d on redis-server", c.name, k.recentMaxOut, r.recentMaxOut)
		}
		if !k.clientsBack {
			res.Fail("%s: keygrid's connected_clients did not come back", c.name)
		}
		if k.evictedDiff != r.evictedDiff {
			res.Fail("%s: evicted_clients moved by %d on keygrid, %d on redis-server", c.name, k.evictedDiff, r.evictedDiff)
		}
		if !k.rssBack {
			res.Fail("%s: keygrid's RSS %.1f MB, not back within %d MB of its start %.1f MB (peak %.1f)", c.name, k.afterRSSMB, slowRSSSlackMB, k.baseRSSMB, k.peakRSSMB)
		}
		if c.kind == "stopped-replica" {
			if !k.resynced {
				res.Fail("%s: keygrid's replica did not resync to the master's dataset after SIGCONT", c.name)
			}
			if !r.resynced {
				res.Fail("%s: redis-server's replica did not resync (the reference is broken)", c.name)
			}
		}
	}
	if !kg.Alive() || panicked(kg.Log()) {
		res.Fail("keygrid died or panicked")
	}
	report(t, res)
}
