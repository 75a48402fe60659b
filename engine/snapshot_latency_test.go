package engine

// Command latency during a BGSAVE of one huge value (real binary): a client writes
// into the value while it is being saved and another PINGs; neither may wait for a
// whole encoding of the value. KEYGRID_BIN picks the binary, so the same test
// measures an older build for comparison.

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// bigValueLatency fills key with n elements through build (a Lua loop), then runs
// BGSAVE while one client sends write(i) commands to the key and another PINGs. It
// returns the worst latency of each and how long the save took.
func bigValueLatency(t *testing.T, build string, write func(i int) []string) (worstWrite, worstPing, save time.Duration) {
	k := testutil.StartKeygrid(t)
	c := k.Conn(t)
	c.SetTimeout(300 * time.Second)
	if got := mustDo(t, c, "EVAL", build, "1", "big"); strings.HasPrefix(got, "-") {
		t.Fatalf("building the value: %s", got)
	}
	// Warm up both connections, then save.
	w, p := k.Conn(t), k.Conn(t)
	w.SetTimeout(60 * time.Second)
	p.SetTimeout(60 * time.Second)
	mustDo(t, w, "PING")
	mustDo(t, p, "PING")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	measure := func(conn *testutil.Conn, cmd func(i int) []string, worst *time.Duration) {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			t0 := time.Now()
			if _, err := conn.Do(cmd(i)...); err != nil {
				t.Error(err)
				return
			}
			*worst = max(*worst, time.Since(t0))
		}
	}
	// The clients run before BGSAVE is sent: the first slices of the save run in
	// the same loop iteration as the command, before its reply leaves.
	wg.Add(2)
	go measure(w, write, &worstWrite)
	go measure(p, func(int) []string { return []string{"PING"} }, &worstPing)
	start := time.Now()
	if got := mustDo(t, c, "BGSAVE"); !strings.Contains(got, "started") {
		t.Fatalf("BGSAVE: %s", got)
	}
	testutil.WaitFor(t, 300*time.Second, func() bool {
		return strings.Contains(mustDo(t, c, "INFO", "persistence"), "rdb_bgsave_in_progress:0")
	}, "BGSAVE to finish")
	save = time.Since(start)
	close(stop)
	wg.Wait()
	if got := mustDo(t, c, "INFO", "persistence"); !strings.Contains(got, "rdb_last_bgsave_status:ok") {
		t.Fatalf("BGSAVE failed:\n%s", got)
	}
	fi, err := os.Stat(filepath.Join(k.Dir(), "dump.rdb"))
	if err != nil || fi.Size() < 4<<20 {
		t.Fatalf("dump.rdb: %v, %d bytes: the value was not saved", err, fi.Size())
	}
	t.Logf("dump.rdb: %d bytes", fi.Size())
	return
}

// TestSnapshotBigValueLatency reports the worst latencies while a million-element
// hash, set, sorted set, list and stream are saved and written to. All are
// written in slices (snapshot_big.go): their writes must not wait for the whole
// value. The bound is generous (a loaded machine); the figures are logged.
func TestSnapshotBigValueLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("builds million-element values")
	}
	const n = 1000000
	rng := rand.New(rand.NewPCG(1, 2))
	field := func() string { return strconv.Itoa(rng.IntN(2 * n)) }
	cases := []struct {
		name, build string
		write       func(i int) []string
		bound       time.Duration
	}{
		{"hash", "for i=1,1000000 do redis.call('hset',KEYS[1],'field:'..i,'value:'..i) end",
			func(int) []string { return []string{"HSET", "big", "field:" + field(), "v"} }, 200 * time.Millisecond},
		{"set", // In batches: a million single-member SADDs from one script are slow.
			"for j=0,999 do local b={} for i=1,1000 do b[i]='member:'..(j*1000+i) end redis.call('sadd',KEYS[1],unpack(b)) end",
			func(int) []string { return []string{"SADD", "big", "member:" + field()} }, 200 * time.Millisecond},
		{"zset", "for i=1,1000000 do redis.call('zadd',KEYS[1],i,'member:'..i) end",
			func(i int) []string {
				if i%2 == 1 {
					return []string{"ZREM", "big", "member:" + field()}
				}
				return []string{"ZADD", "big", strconv.Itoa(i), "member:" + field()}
			}, 250 * time.Millisecond},
		{"list", "for j=0,999 do local b={} for i=1,1000 do b[i]='element:'..(j*1000+i) end redis.call('rpush',KEYS[1],unpack(b)) end",
			func(i int) []string {
				switch i % 3 {
				case 1: // a node anywhere
					return []string{"LSET", "big", strconv.Itoa(rng.IntN(n / 2)), "y"}
				case 2:
					return []string{"LPOP", "big"}
				}
				return []string{"RPUSH", "big", "x"}
			}, 250 * time.Millisecond},
		{"stream", "for i=1,1000000 do redis.call('xadd',KEYS[1],i..'-1','f','value:'..i) end",
			func(i int) []string {
				if i%2 == 1 {
					return []string{"XDEL", "big", strconv.Itoa(1+rng.IntN(n)) + "-1"}
				}
				return []string{"XADD", "big", "*", "f", "x"}
			}, 250 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ww, wp, save := bigValueLatency(t, tc.build, tc.write)
			t.Logf("1M-element %s: BGSAVE %v, worst %s latency %v, worst PING latency %v (loaded machine)",
				tc.name, save.Round(time.Millisecond), tc.write(0)[0], ww.Round(time.Microsecond), wp.Round(time.Microsecond))
			if ww > tc.bound || wp > tc.bound {
				t.Errorf("%s: worst latency %v / %v over %v", tc.name, ww, wp, tc.bound)
			}
		})
	}
}
