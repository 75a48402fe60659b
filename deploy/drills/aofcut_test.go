package drills

// AOF damage (issue #11 part 2, second drill). A crash mid-write leaves the last
// record of the incr file short; keygrid, as Redis with aof-load-truncated yes,
// must load every whole record before it, cut the file there and say where. A
// MULTI whose EXEC never reached the file counts as short from the MULTI: none of
// the transaction may be applied. A damaged record in the middle is not a crash
// artefact: the server must refuse to start and name the file and the offset, and
// with aof-load-truncated no even a short tail is refused.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/drill"
	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/redis/go-redis/v9"
)

const incrName = "appendonly.aof.1.incr.aof"

// aofFixture is an AOF directory written by a real keygrid, and the offsets of its
// records in the incr file.
type aofFixture struct {
	dir     string  // a data directory holding appendonlydir
	incr    []byte  // the incr file
	records []int64 // start offset of each record in incr, then len(incr)
	// The records, in order: SELECT, the plain SETs, MULTI, txnKeys' SETs, EXEC,
	// the big SET. plain[i] is "k:<i>" = "v:<i>".
	plain    int
	txnKeys  []string
	bigKey   string
	multiRec int // index of the MULTI record
}

// keysBefore returns what the dataset holds after replaying records [0, rec).
func (f *aofFixture) keysBefore(rec int) map[string]string {
	want := map[string]string{}
	for i := 0; i < f.plain && 1+i < rec; i++ {
		want["k:"+strconv.Itoa(i)] = "v:" + strconv.Itoa(i)
	}
	if rec > f.multiRec+len(f.txnKeys)+1 { // past the EXEC
		for _, k := range f.txnKeys {
			want[k] = k
		}
	}
	if rec > f.multiRec+len(f.txnKeys)+2 {
		want[f.bigKey] = bigValue
	}
	return want
}

var bigValue = strings.Repeat("x", 300)

func makeAOFFixture(t *testing.T) *aofFixture {
	t.Helper()
	srv := testutil.StartKeygrid(t, "--appendonly", "yes", "--appendfsync", "always")
	rc := client(t, srv.Addr())
	ctx := context.Background()
	f := &aofFixture{plain: 50, txnKeys: []string{"t:0", "t:1"}, bigKey: "big"}
	for i := 0; i < f.plain; i++ {
		if err := rc.Set(ctx, "k:"+strconv.Itoa(i), "v:"+strconv.Itoa(i), 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rc.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range f.txnKeys {
			p.Set(ctx, k, k, 0)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := rc.Set(ctx, f.bigKey, bigValue, 0).Err(); err != nil {
		t.Fatal(err)
	}
	srv.Kill() // the files as a crash leaves them (appendfsync always: all there)
	f.dir = srv.Dir()
	var err error
	if f.incr, err = os.ReadFile(filepath.Join(f.dir, "appendonlydir", incrName)); err != nil {
		t.Fatal(err)
	}
	if f.records, err = recordOffsets(f.incr); err != nil {
		t.Fatalf("parsing the incr file: %v\n%q", err, f.incr)
	}
	f.multiRec = 1 + f.plain
	if n := len(f.records) - 1; n != f.plain+len(f.txnKeys)+4 ||
		!bytes.Contains(f.incr[f.records[f.multiRec]:f.records[f.multiRec+1]], []byte("MULTI")) {
		t.Fatalf("unexpected incr file layout (%d records):\n%q", n, f.incr)
	}
	return f
}

// recordOffsets returns the start offset of every RESP command of an AOF made of
// whole commands, and the length of b last.
func recordOffsets(b []byte) ([]int64, error) {
	var offs []int64
	line := func(i int) (string, int, error) {
		j := bytes.Index(b[i:], []byte("\r\n"))
		if j < 0 {
			return "", 0, fmt.Errorf("no CRLF after offset %d", i)
		}
		return string(b[i : i+j]), i + j + 2, nil
	}
	for i := 0; i < len(b); {
		offs = append(offs, int64(i))
		l, next, err := line(i)
		if err != nil || l == "" || l[0] != '*' {
			return nil, fmt.Errorf("offset %d: not an array header (%v)", i, err)
		}
		n, _ := strconv.Atoi(l[1:])
		i = next
		for ; n > 0; n-- {
			l, next, err := line(i)
			if err != nil || l == "" || l[0] != '$' {
				return nil, fmt.Errorf("offset %d: not a bulk header (%v)", i, err)
			}
			size, _ := strconv.Atoi(l[1:])
			i = next + size + 2
		}
	}
	return append(offs, int64(len(b))), nil
}

// damaged writes a copy of the fixture whose incr file is incr, and returns its dir.
func (f *aofFixture) damaged(t *testing.T, incr []byte) string {
	t.Helper()
	dir := t.TempDir()
	copyDir(t, f.dir, dir)
	if err := os.WriteFile(filepath.Join(dir, "appendonlydir", incrName), incr, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// loadCut starts keygrid on the fixture cut at off and checks that it loaded
// exactly the records before validRec, truncated the file there and logged the
// offset (and revert when a MULTI was reverted). It returns a failure or "".
func (f *aofFixture) loadCut(t *testing.T, off int64, validRec int, revert bool) string {
	dir := f.damaged(t, f.incr[:off])
	p := startProc(t, dir, "--appendonly", "yes", "--appendfsync", "always")
	defer p.kill()
	if err := p.waitReady(15 * time.Second); err != nil {
		return fmt.Sprintf("cut at %d: did not start: %v: %s", off, err, lastLines(p.out.String(), 5))
	}
	want := f.keysBefore(validRec)
	rc := redis.NewClient(&redis.Options{Addr: p.addr(), MaxRetries: -1})
	defer rc.Close()
	ctx := context.Background()
	keys, err := rc.Keys(ctx, "*").Result()
	if err != nil {
		return fmt.Sprintf("cut at %d: KEYS: %v", off, err)
	}
	got, err := fetch(ctx, rc, keys)
	if err != nil {
		return fmt.Sprintf("cut at %d: MGET: %v", off, err)
	}
	if len(got) != len(want) {
		return fmt.Sprintf("cut at %d: %d keys loaded, the prefix holds %d", off, len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			return fmt.Sprintf("cut at %d: %s = %q, the prefix holds %q", off, k, got[k], v)
		}
	}
	cutAt := f.records[validRec]
	log := p.out.String()
	if msg := fmt.Sprintf("Truncating the AOF %s at offset %d", incrName, cutAt); !strings.Contains(log, msg) {
		return fmt.Sprintf("cut at %d: the log lacks %q: %s", off, msg, lastLines(log, 5))
	}
	if revert && !strings.Contains(log, "Revert incomplete MULTI/EXEC transaction") {
		return fmt.Sprintf("cut at %d: the log does not say the MULTI was reverted", off)
	}
	if fi, err := os.Stat(filepath.Join(dir, "appendonlydir", incrName)); err != nil || fi.Size() != cutAt {
		return fmt.Sprintf("cut at %d: the file was not truncated to %d (%v)", off, cutAt, err)
	}
	// The repaired file must take new writes safely: one acknowledged now must
	// survive the next crash (a MULTI left in the file would swallow it).
	if err := rc.Set(ctx, "after-repair", "1", 0).Err(); err != nil {
		return fmt.Sprintf("cut at %d: SET after the repair: %v", off, err)
	}
	p.kill()
	p2 := startProc(t, dir, "--appendonly", "yes")
	defer p2.kill()
	if err := p2.waitReady(15 * time.Second); err != nil {
		return fmt.Sprintf("cut at %d: no restart after the repair: %v: %s", off, err, lastLines(p2.out.String(), 5))
	}
	rc2 := redis.NewClient(&redis.Options{Addr: p2.addr(), MaxRetries: -1})
	defer rc2.Close()
	if n, err := rc2.DBSize(ctx).Result(); err != nil || n != int64(len(want)+1) {
		return fmt.Sprintf("cut at %d: after repair, a write and kill -9: %d keys (%v), want %d", off, n, err, len(want)+1)
	}
	if v, err := rc2.Get(ctx, "after-repair").Result(); err != nil || v != "1" {
		return fmt.Sprintf("cut at %d: the write acknowledged after the repair was lost by the next kill -9 (%q, %v)", off, v, err)
	}
	return ""
}

// redisCut starts redis-server 7.0 on the fixture cut at off: the reference for
// the prefix (its keys) and for where the file is cut (its log).
func (f *aofFixture) redisCut(t *testing.T, off int64, validRec int) string {
	dir := f.damaged(t, f.incr[:off])
	rs := testutil.StartRedis(t, "--dir", dir, "--appendonly", "yes")
	defer rs.Kill()
	rc := redis.NewClient(&redis.Options{Addr: rs.Addr(), MaxRetries: -1})
	defer rc.Close()
	n, err := rc.DBSize(context.Background()).Result()
	if want := len(f.keysBefore(validRec)); err != nil || n != int64(want) {
		return fmt.Sprintf("cut at %d: redis-server loaded %d keys (%v), the prefix holds %d", off, n, err, want)
	}
	if msg := fmt.Sprintf("Truncating the AOF %s at offset %d", incrName, f.records[validRec]); !strings.Contains(rs.Log(), msg) {
		return fmt.Sprintf("cut at %d: redis-server's log lacks %q", off, msg)
	}
	return ""
}

func TestDrillAOFTailCut(t *testing.T) {
	f := makeAOFFixture(t)
	last := len(f.records) - 2 // the big SET
	start, end := f.records[last], f.records[last+1]
	n := size(10, 100)
	res := &drill.Result{Drill: "aof-tail-cut", Fault: fmt.Sprintf("AOF cut at %d offsets within its last record (%d bytes)", n, end-start),
		Started: time.Now(), Bar: "the exact prefix loads (as in redis-server 7.0, for a sample), the file is truncated there, the log names the offset; a write acknowledged after survives the next kill -9", Pass: true}
	for i := 0; i < n; i++ {
		// Spread over the record: its header, the key, the value, the final CRLF.
		off := start + 1 + int64(i)*(end-start-1)/int64(n)
		res.Cases++
		if msg := f.loadCut(t, off, last, false); msg != "" {
			res.Fail("%s", msg)
		}
		if i%size(5, 10) == 0 { // a sample: redis-server reads keygrid's AOF the same way
			if msg := f.redisCut(t, off, last); msg != "" {
				res.Fail("%s", msg)
			}
		}
	}
	report(t, res)
}

func TestDrillAOFUnfinishedMulti(t *testing.T) {
	f := makeAOFFixture(t)
	m := f.multiRec
	exec := m + len(f.txnKeys) + 1
	// Cuts that leave a MULTI without its EXEC: right after the MULTI, after a
	// whole queued command, inside one, inside the EXEC.
	cuts := []int64{f.records[m+1], f.records[m+2], (f.records[m+2] + f.records[m+3]) / 2, f.records[exec] + 5, f.records[exec+1] - 1}
	res := &drill.Result{Drill: "aof-unfinished-multi", Fault: "AOF cut inside a MULTI/EXEC transaction",
		Started: time.Now(), Bar: "nothing of the transaction applied, the prefix before MULTI loads, the file is cut at the MULTI; a write acknowledged after survives the next kill -9", Pass: true}
	for _, off := range cuts {
		res.Cases++
		if msg := f.loadCut(t, off, m, true); msg != "" {
			res.Fail("%s", msg)
		}
	}
	report(t, res)
}

func TestDrillAOFCorrupt(t *testing.T) {
	f := makeAOFFixture(t)
	mid := 1 + f.plain/2
	recStart := f.records[mid]
	res := &drill.Result{Drill: "aof-corrupt", Fault: "one flipped byte mid-file; a short tail with aof-load-truncated no",
		Started: time.Now(), Bar: "refuses to start: exit status non-zero, the file and offset in its output", Pass: true}
	refused := func(name string, incr []byte, wantInLog []string, args ...string) {
		res.Cases++
		p := startProc(t, f.damaged(t, incr), append([]string{"--appendonly", "yes"}, args...)...)
		defer p.kill()
		if err := p.waitReady(15 * time.Second); err != errExited {
			res.Fail("%s: expected the server to refuse to start, got %v", name, err)
			return
		}
		code, _ := p.exitCode(5 * time.Second)
		out := p.out.String()
		if code <= 0 || panicked(out) {
			res.Fail("%s: exit code %d (panic: %v)", name, code, panicked(out))
		}
		for _, w := range wantInLog {
			if !strings.Contains(out, w) {
				res.Fail("%s: output lacks %q: %s", name, w, lastLines(out, 5))
			}
		}
	}
	// Each flip breaks the record's framing: the '*' of the array header, the
	// '$' of its first bulk header. (A flipped byte inside a value is not
	// detectable in an AOF, which has no checksum: Redis loads it as written.)
	for _, flip := range []struct {
		name string
		at   int64
	}{{"'*' of a mid-file record", recStart}, {"'$' of a mid-file record", recStart + 4}} {
		b := bytes.Clone(f.incr)
		b[flip.at] ^= 0x20
		refused("flipped "+flip.name, b, []string{"Bad file format reading the append only file " + incrName,
			"offset " + strconv.FormatInt(recStart, 10)})
	}
	last := len(f.records) - 2
	refused("tail cut with aof-load-truncated no", f.incr[:f.records[last]+10],
		[]string{"Unexpected end of file reading the append only file " + incrName}, "--aof-load-truncated", "no")
	report(t, res)
}

// lastLines returns the last n lines of s, for failure messages.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
