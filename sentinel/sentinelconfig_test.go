package sentinel

import (
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
	"go.uber.org/zap/zaptest"
)

// SENTINEL CONFIG SET changes this sentinel only (as in Redis) and is kept in
// the data dir's state file: the sentinel still has it after a restart,
// although its config file (never rewritten) says otherwise.
func TestSentinelConfigSetPersisted(t *testing.T) {
	t.Parallel()
	master := testutil.StartRedis(t)
	ss := startKeygridSentinels(t, 3, master.Port())
	waitFor(t, 10*time.Second, "a raft leader", func() bool { return ss[0].leaderClientAddr() != "" })
	// A follower: no raft leader is needed for a sentinel's own settings.
	var f *Sentinel
	for _, s := range ss {
		if !s.isLeader() {
			f = s
		}
	}
	c, err := testutil.Dial(f.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	do := func(want string, args ...string) {
		t.Helper()
		raw, err := c.Do(args...)
		if err != nil || string(raw) != want {
			t.Fatalf("%v = %q, %v; want %q", args, raw, err, want)
		}
	}
	// Errors as redis-sentinel 7.0 words them.
	do("-ERR Invalid argument 'nosuch' to SENTINEL CONFIG SET\r\n", "SENTINEL", "CONFIG", "SET", "nosuch", "1")
	do("-ERR Invalid value 'maybe' to SENTINEL CONFIG SET 'resolve-hostnames'\r\n", "SENTINEL", "CONFIG", "SET", "resolve-hostnames", "maybe")
	do("+OK\r\n", "SENTINEL", "CONFIG", "SET", "resolve-hostnames", "yes")
	do("+OK\r\n", "SENTINEL", "CONFIG", "SET", "announce-hostnames", "yes")
	do("*2\r\n$17\r\nresolve-hostnames\r\n$3\r\nyes\r\n", "SENTINEL", "CONFIG", "GET", "resolve-hostnames")
	// Each sentinel's own setting, as in Redis: the others do not change.
	time.Sleep(300 * time.Millisecond)
	for _, s := range ss {
		if s != f {
			s.mu.Lock()
			p := s.cfg.AnnounceHostnames
			s.mu.Unlock()
			if p {
				t.Errorf("sentinel %s applied another sentinel's announce-hostnames", s.Addr())
			}
		}
	}
	// Restart with the settings of the config file, which was not rewritten.
	f.Shutdown()
	cfg := *f.cfg
	cfg.ResolveHostnames, cfg.AnnounceHostnames = false, false
	r, err := New(&cfg, "", zaptest.NewLogger(t).Named("restarted"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Shutdown)
	waitFor(t, 10*time.Second, "the restarted sentinel to apply its CONFIG SET", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.cfg.ResolveHostnames && r.cfg.AnnounceHostnames
	})
	rc, err := testutil.Dial(r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	raw, err := rc.Do("SENTINEL", "CONFIG", "GET", "announce-hostnames")
	if want := "*2\r\n$18\r\nannounce-hostnames\r\n$3\r\nyes\r\n"; err != nil || string(raw) != want {
		t.Errorf("CONFIG GET announce-port after restart = %q, %v; want %q", raw, err, want)
	}
}
