package drills

// Flipped bytes in RDB files and DUMP payloads (issue #11 part 2, third drill).
// Both end in a CRC64 of everything before it, and a CRC64 catches every error
// burst up to 64 bits long, so any one flipped byte must be rejected: RESTORE
// answers an error, a server refuses to start on a dump.rdb. Two flipped bytes are
// caught unless they happen to cancel out in the CRC (probability 2^-64).
//
// With the checksum out of the way (rdbchecksum no for files; for payloads the
// drill recomputes the CRC after flipping, which is what a peer that skips the
// check would see) the parser meets the corruption itself: any reply is allowed,
// but no panic, the server keeps answering PING, and its goroutines come back to
// the baseline. For payloads that is checked with sanitize-dump-payload yes and no,
// and the restored keys are read back, since without deep sanitization a corrupt
// value can get past RESTORE and only fail when used.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/rdb"
	"github.com/keygrid/keygrid/internal/drill"
	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// fillDataset writes one small key of each type, and (big) a few larger ones, so
// that every encoding of the format is in the file or the payloads.
func fillDataset(t *testing.T, rc *redis.Client, big bool) {
	t.Helper()
	ctx := context.Background()
	p := rc.Pipeline()
	p.Set(ctx, "str", "hello world", 0)
	p.Set(ctx, "int", "12345", 0)
	p.Set(ctx, "exp", "v", time.Hour)
	p.RPush(ctx, "list", "a", "b", "123", "c")
	p.HSet(ctx, "hash", "f1", "v1", "f2", "2")
	p.SAdd(ctx, "intset", 1, 2, 3, 100000)
	p.SAdd(ctx, "set", "x", "y", "z")
	p.ZAdd(ctx, "zset", redis.Z{Score: 1.5, Member: "a"}, redis.Z{Score: 2, Member: "b"})
	p.XAdd(ctx, &redis.XAddArgs{Stream: "stream", ID: "1-1", Values: []any{"f", "v"}})
	p.XGroupCreate(ctx, "stream", "g", "0")
	if big {
		for i := 0; i < 300; i++ {
			s := strconv.Itoa(i)
			p.RPush(ctx, "biglist", "element-"+s)
			p.HSet(ctx, "bighash", "field-"+s, strings.Repeat("v", i%40))
			p.ZAdd(ctx, "bigzset", redis.Z{Score: float64(i) / 3, Member: "member-" + s})
			p.SAdd(ctx, "bigset", "m-"+s)
		}
		p.Set(ctx, "bigstr", strings.Repeat("compressible ", 200), 0)
	}
	if _, err := p.Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

// flip returns a copy of b with the bytes at positions flipped (XOR with a
// non-zero mask that varies with the position, so not always the same bit).
func flip(b []byte, positions ...int) []byte {
	c := bytes.Clone(b)
	for _, i := range positions {
		c[i] ^= byte(1 + (i*37)%255)
	}
	return c
}

// positions returns every position of [0, n) if n <= limit, else limit of them
// spread evenly (always including the first and last bytes).
func positions(n, limit int) []int {
	var out []int
	if n <= limit {
		for i := 0; i < n; i++ {
			out = append(out, i)
		}
		return out
	}
	for i := 0; i < limit; i++ {
		out = append(out, i*(n-1)/(limit-1))
	}
	return out
}

// pairs returns count pairs of distinct positions in [0, n), deterministic.
func pairs(n, count int) [][2]int {
	var out [][2]int
	x := uint32(2463534242)
	next := func() int { x ^= x << 13; x ^= x >> 17; x ^= x << 5; return int(x % uint32(n)) }
	for len(out) < count {
		a, b := next(), next()
		if a != b {
			out = append(out, [2]int{a, b})
		}
	}
	return out
}

// withCRC returns p with its last 8 bytes replaced by the CRC64 of the rest.
func withCRC(p []byte) []byte {
	c := bytes.Clone(p)
	binary.LittleEndian.PutUint64(c[len(c)-8:], rdb.CRC64(0, c[:len(c)-8]))
	return c
}

func TestDrillDumpFlip(t *testing.T) {
	srv := testutil.StartKeygrid(t)
	rc := client(t, srv.Addr())
	ctx := context.Background()
	fillDataset(t, rc, true)
	keys, err := rc.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	payloads := map[string][]byte{}
	for _, k := range keys {
		v, err := rc.Dump(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		payloads[k] = []byte(v)
	}
	res := &drill.Result{Drill: "dump-flip", Fault: "DUMP payloads with one or two flipped bytes, RESTOREd",
		Started: time.Now(), Bar: "every RESTORE refused with Redis's checksum error", Pass: true}
	const wantErr = "ERR DUMP payload version or checksum are wrong"
	limit, nPairs := size(256, 4096), size(64, 1024)
	restore := func(name string, p []byte) {
		res.Cases++
		err := rc.RestoreReplace(ctx, "target", 0, string(p)).Err()
		if err == nil || err.Error() != wantErr {
			res.Fail("%s: RESTORE replied %v, want %q", name, err, wantErr)
		}
	}
	for k, p := range payloads {
		for _, i := range positions(len(p), limit) {
			restore(fmt.Sprintf("%s (%d bytes) byte %d", k, len(p), i), flip(p, i))
		}
		for _, pr := range pairs(len(p), nPairs) {
			restore(fmt.Sprintf("%s (%d bytes) bytes %d,%d", k, len(p), pr[0], pr[1]), flip(p, pr[0], pr[1]))
		}
	}
	if n, _ := rc.Exists(ctx, "target").Result(); n != 0 {
		res.Fail("a corrupt payload was restored")
	}
	report(t, res)

	// The parser itself, behind a valid CRC, under both sanitization modes.
	for _, sanitize := range []string{"yes", "no"} {
		t.Run("sanitize-"+sanitize, func(t *testing.T) {
			corruptPayloads(t, payloads, sanitize)
		})
	}
}

// corruptPayloads RESTOREs flipped payloads whose CRC was recomputed and reads each
// restored key back, on a server with sanitize-dump-payload sanitize.
func corruptPayloads(t *testing.T, payloads map[string][]byte, sanitize string) {
	metrics := freePort(t)
	srv := testutil.StartKeygrid(t, "--sanitize-dump-payload", sanitize, "--metrics-port", strconv.Itoa(metrics))
	rc := client(t, srv.Addr())
	ctx := context.Background()
	base := goroutines(t, metrics)
	res := &drill.Result{Drill: "dump-flip-nocrc-sanitize-" + sanitize,
		Fault:   "flipped DUMP payloads with a recomputed CRC, sanitize-dump-payload " + sanitize,
		Started: time.Now(), Bar: "no panic, PING answers after every payload, goroutines back to baseline", Pass: true}
	restored := 0
	limit := size(128, 4096)
	for k, p := range payloads {
		for _, i := range positions(len(p)-10, limit) { // the body: flipping the footer is the CRC case
			res.Cases++
			bad := withCRC(flip(p, i))
			if err := rc.RestoreReplace(ctx, "target", 0, string(bad)).Err(); err == nil {
				restored++
				useKey(ctx, rc, "target")
			}
			if err := rc.Ping(ctx).Err(); err != nil || !srv.Alive() {
				res.Fail("%s byte %d: server down after the payload: %v", k, i, err)
				report(t, res)
				return
			}
		}
	}
	rc.Del(ctx, "target")
	now := settle(t, metrics, base)
	if now > base+2 {
		res.Fail("goroutines: %d before, %d after", base, now)
	}
	res.Figures = map[string]float64{"restored_corrupt": float64(restored), "goroutines_before": float64(base), "goroutines_after": float64(now)}
	if panicked(srv.Log()) {
		res.Fail("the server logged a panic")
	}
	report(t, res)
}

// settle polls the goroutine count for up to 5 s until it is back within 2 of
// base, and returns the last count.
func settle(t testing.TB, metricsPort, base int) int {
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := goroutines(t, metricsPort)
		if n <= base+2 || time.Now().After(deadline) {
			return n
		}
		time.Sleep(50 * time.Millisecond) // polling interval
	}
}

// useKey runs read commands of every type on key, whatever a corrupt value
// decoded to: a value that got past loading may only fail when used. Type errors
// are expected; only a dead server matters.
func useKey(ctx context.Context, rc *redis.Client, key string) {
	pp := rc.Pipeline()
	pp.Type(ctx, key)
	pp.Dump(ctx, key)
	pp.Do(ctx, "STRLEN", key)
	pp.LRange(ctx, key, 0, -1)
	pp.HGetAll(ctx, key)
	pp.SMembers(ctx, key)
	pp.ZRangeWithScores(ctx, key, 0, -1)
	pp.XRange(ctx, key, "-", "+")
	pp.Do(ctx, "XINFO", "STREAM", key, "FULL")
	pp.Do(ctx, "OBJECT", "ENCODING", key)
	pp.Exec(ctx)
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// goroutines reads go_goroutines from keygrid's Prometheus endpoint.
func goroutines(t testing.TB, metricsPort int) int {
	t.Helper()
	resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(metricsPort) + "/metrics")
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return int(n)
		}
	}
	t.Fatal("metrics: no go_goroutines")
	return 0
}

// rdbFixture writes the dataset to dump.rdb with SAVE and returns the file.
func rdbFixture(t *testing.T, args ...string) []byte {
	srv := testutil.StartKeygrid(t, args...)
	rc := client(t, srv.Addr())
	fillDataset(t, rc, false)
	if err := rc.Save(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(srv.Dir(), "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDrillRDBFlip(t *testing.T) {
	file := rdbFixture(t)
	res := &drill.Result{Drill: "rdb-flip", Fault: fmt.Sprintf("dump.rdb (%d bytes) with one or two flipped bytes", len(file)),
		Started: time.Now(), Bar: "every file refused: DEBUG RELOAD errors, a server started on it exits non-zero without a panic", Pass: true}

	// Every position through DEBUG RELOAD NOSAVE on one server: cheap enough to
	// cover the whole file in the bounded run.
	srv := testutil.StartKeygrid(t, "--enable-debug-command", "yes")
	rc := client(t, srv.Addr())
	ctx := context.Background()
	path := filepath.Join(srv.Dir(), "dump.rdb")
	reload := func(name string, b []byte) {
		res.Cases++
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := rc.Do(ctx, "DEBUG", "RELOAD", "NOSAVE").Err(); err == nil || !strings.HasPrefix(err.Error(), "ERR Error trying to load the RDB dump") {
			res.Fail("%s: DEBUG RELOAD replied %v, want a load error", name, err)
		}
		if !srv.Alive() {
			t.Fatalf("%s: the server died: %s", name, lastLines(srv.Log(), 10))
		}
	}
	for _, i := range positions(len(file), 1<<20) {
		reload(fmt.Sprintf("byte %d", i), flip(file, i))
	}
	for _, pr := range pairs(len(file), size(200, 2000)) {
		reload(fmt.Sprintf("bytes %d,%d", pr[0], pr[1]), flip(file, pr[0], pr[1]))
	}
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := rc.Do(ctx, "DEBUG", "RELOAD", "NOSAVE").Err(); err != nil {
		res.Fail("the intact file does not reload: %v", err)
	}

	// Starting on a damaged file: a sample (every byte in the full run).
	for _, i := range positions(len(file), size(6, 1<<20)) {
		res.Cases++
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "dump.rdb"), flip(file, i), 0o644); err != nil {
			t.Fatal(err)
		}
		p := startProc(t, dir)
		err := p.waitReady(15 * time.Second)
		code, _ := p.exitCode(5 * time.Second)
		out := p.out.String()
		if err != errExited || code <= 0 || panicked(out) {
			res.Fail("start on a file with byte %d flipped: %v, exit %d, panic %v: %s", i, err, code, panicked(out), lastLines(out, 3))
		}
		p.kill()
	}
	report(t, res)
}

func TestDrillRDBFlipNoChecksum(t *testing.T) {
	file := rdbFixture(t, "--rdbchecksum", "no")
	metrics := freePort(t)
	srv := testutil.StartKeygrid(t, "--rdbchecksum", "no", "--enable-debug-command", "yes", "--metrics-port", strconv.Itoa(metrics))
	rc := client(t, srv.Addr())
	ctx := context.Background()
	base := goroutines(t, metrics)
	res := &drill.Result{Drill: "rdb-flip-nocrc", Fault: fmt.Sprintf("dump.rdb (%d bytes) with a flipped byte, rdbchecksum no, DEBUG RELOAD", len(file)),
		Started: time.Now(), Bar: "no panic, PING answers after every file, goroutines back to baseline", Pass: true}
	path := filepath.Join(srv.Dir(), "dump.rdb")
	loaded := 0
	for _, i := range positions(len(file), 1<<20) {
		res.Cases++
		if err := os.WriteFile(path, flip(file, i), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := rc.Do(ctx, "DEBUG", "RELOAD", "NOSAVE").Err(); err == nil {
			loaded++
			keys, _ := rc.Keys(ctx, "*").Result()
			for _, k := range keys {
				useKey(ctx, rc, k)
			}
		} else if !strings.HasPrefix(err.Error(), "ERR Error trying to load the RDB dump") {
			res.Fail("byte %d: DEBUG RELOAD replied %v", i, err)
		}
		if err := rc.Ping(ctx).Err(); err != nil || !srv.Alive() {
			res.Fail("byte %d: server down after loading: %v: %s", i, err, lastLines(srv.Log(), 10))
			break
		}
	}
	rc.FlushAll(ctx)
	now := settle(t, metrics, base)
	if now > base+2 {
		res.Fail("goroutines: %d before, %d after", base, now)
	}
	res.Figures = map[string]float64{"loaded_corrupt": float64(loaded), "goroutines_before": float64(base), "goroutines_after": float64(now)}
	if panicked(srv.Log()) {
		res.Fail("the server logged a panic")
	}
	report(t, res)
}
