package sentinel

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
	"go.uber.org/zap/zaptest"
)

// A change that cannot be saved is refused with Redis's reply, as the suite's
// 03-runtime-reconf checks by turning the config file into a directory; once
// the file is back, saving works again. keygrid against redis-sentinel.
func TestFlushConfigFailureMatchesRedis(t *testing.T) {
	t.Parallel()
	master := testutil.StartRedis(t)
	raddr, rconf := startRedisSentinelConf(t, master.Port())

	dir := t.TempDir()
	kconf := filepath.Join(dir, "sentinel.conf")
	if err := os.WriteFile(kconf, []byte("sentinel monitor mymaster 127.0.0.1 "+strconv.Itoa(master.Port())+" 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(kconf, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Port, cfg.Bind, cfg.Dir = freePorts(t, 1)[0], "127.0.0.1", dir
	cfg.RaftPeers = []string{"127.0.0.1:" + strconv.Itoa(cfg.Port)}
	ks, err := New(cfg, kconf, zaptest.NewLogger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ks.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ks.Shutdown)

	type side struct{ addr, conf string }
	run := func(sd side) []string {
		c, err := testutil.Dial(sd.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var out []string
		do := func(args ...string) {
			raw, err := c.Do(args...)
			if err != nil {
				t.Fatalf("%s %v: %v", sd.addr, args, err)
			}
			out = append(out, string(raw))
		}
		if err := os.Rename(sd.conf, sd.conf+".bak"); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(sd.conf, 0o755); err != nil {
			t.Fatal(err)
		}
		do("SENTINEL", "SET", "mymaster", "quorum", "2")
		do("SENTINEL", "FLUSHCONFIG")
		do("SENTINEL", "SET", "mymaster", "quorum", "3", "nosuch", "1")
		do("SENTINEL", "MONITOR", "other", "127.0.0.1", strconv.Itoa(master.Port()), "1")
		do("SENTINEL", "REMOVE", "other")
		if err := os.Remove(sd.conf); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(sd.conf+".bak", sd.conf); err != nil {
			t.Fatal(err)
		}
		do("SENTINEL", "SET", "mymaster", "quorum", "2")
		do("SENTINEL", "FLUSHCONFIG")
		return out
	}
	want := run(side{raddr, rconf})
	got := run(side{ks.Addr(), kconf})
	if len(got) != len(want) {
		t.Fatalf("keygrid %q, redis %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("reply %d: keygrid %q, redis %q", i, got[i], want[i])
		}
	}
	if want[0] != "-ERR Failed to save config file. Check server logs.\r\n" || want[len(want)-1] != "+OK\r\n" {
		t.Errorf("redis-sentinel's replies are not the expected ones: %q", want)
	}
}
