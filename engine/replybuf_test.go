package engine

// The static reply buffer Redis resizes by its peak (clientsCronResizeOutputBuffer),
// as CLIENT LIST rbs/rbp and INFO reply_buffer_shrinks/expands show it: Redis's
// unit/replybufsize, run on redis-server and keygrid side by side.

import (
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/internal/testutil"
)

func TestReplyBufferResizeVsRedis(t *testing.T) {
	sides := bothServers(t, func(c *config.Config) { c.EnableDebugCommand = "yes" },
		"--enable-debug-command", "yes")
	type result struct {
		idleRbs, idleRbp, busyRbs int64
		totMemDrop                bool
		shrinks, expands          bool
	}
	var got []result
	for _, side := range sides {
		var r result
		ctl := dialTest(t, side.addr)
		field := func(f string) int64 { return clientField(t, ctl.do("CLIENT", "LIST"), "tc", f) }
		if ok := ctl.do("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "100"); ok != "OK" {
			t.Fatalf("%s: DEBUG REPLYBUFFER: %q", side.name, ok)
		}
		tc := dialTest(t, side.addr)
		tc.do("CLIENT", "SETNAME", "tc")
		// A new client has the whole 16 KB buffer (and it is its peak until the
		// first reset).
		totMem := field("tot-mem")
		if rbs := field("rbs"); rbs != 16384 {
			t.Errorf("%s: new client rbs=%d", side.name, rbs)
		}
		// Idle, it shrinks to the 1 KB floor, and its memory with it.
		testutil.WaitFor(t, 30*time.Second, func() bool { return field("rbs") < 2046 },
			side.name+": idle client's reply buffer did not shrink")
		r.idleRbs, r.idleRbp = field("rbs"), field("rbp")
		r.totMemDrop = field("tot-mem") <= totMem-15000
		// Busy with replies bigger than its buffer, it doubles back to 16 KB, and
		// no further.
		ctl.do("SET", "bigval", strings.Repeat("x", 32768))
		ctl.do("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "never")
		testutil.WaitFor(t, 30*time.Second, func() bool {
			if v := tc.do("GET", "bigval"); len(v) != 32768 {
				t.Fatalf("%s: GET: %d bytes", side.name, len(v))
			}
			return field("rbs") >= 16384
		}, side.name+": busy client's reply buffer did not grow")
		r.busyRbs = field("rbs")
		r.shrinks = infoInt(t, ctl, "reply_buffer_shrinks") > 0
		r.expands = infoInt(t, ctl, "reply_buffer_expands") >= 4 // 1 KB to 16 KB
		ctl.do("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "reset")
		got = append(got, r)
	}
	want := result{idleRbs: 1024, idleRbp: 0, busyRbs: 16384, totMemDrop: true, shrinks: true, expands: true}
	for i, side := range sides {
		if got[i] != want {
			t.Errorf("%s: %+v, want %+v", side.name, got[i], want)
		}
	}
}
