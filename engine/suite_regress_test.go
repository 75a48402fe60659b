package engine

// Regressions found by running Redis 7.0's own Tcl suite in external mode
// (internal/redissuite): behaviour of blocked, paused and tracking clients that the
// differential scripts cannot observe (INFO values, SLOWLOG contents, push order).

import (
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
)

// A client held by CLIENT PAUSE counts as blocked (Redis's BLOCKED_POSTPONE), and
// expired keys read as missing but are not deleted until the pause ends (unit/pause
// "Test write commands are paused by RO", "both active and passive expires are
// skipped during client pause").
func TestPauseBlockedCountAndExpires(t *testing.T) {
	_, addr := startTestServer(t, nil)
	ctl, c1 := dialTest(t, addr), dialTest(t, addr)
	ctl.do("SET", "e", "v", "PX", "20")
	ctl.do("CLIENT", "PAUSE", "60000", "WRITE")
	bsend(c1, "SET", "foo", "bar")
	waitBlocked(t, ctl, 1) // polls INFO blocked_clients (5 s)
	if list := ctl.do("CLIENT", "LIST"); !strings.Contains(list, "flags=b ") {
		t.Errorf("paused client without flag b:\n%s", list)
	}
	before := infoField(ctl, "stats", "expired_keys")
	deadline := time.Now().Add(10 * time.Second)
	for ctl.do("GET", "e") != "(nil)" {
		if time.Now().After(deadline) {
			t.Fatal("key e never read as expired")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := infoField(ctl, "stats", "expired_keys"); got != before {
		t.Errorf("expired_keys %s -> %s during the pause", before, got)
	}
	ctl.do("CLIENT", "UNPAUSE")
	if got := bread(c1, 10*time.Second); got != "OK" {
		t.Fatalf("paused SET = %q", got)
	}
	waitBlocked(t, ctl, 0)
	ctl.do("GET", "e")
	if got := infoField(ctl, "stats", "expired_keys"); got == before {
		t.Errorf("expired_keys still %s after the pause", got)
	}
}

// A blocking command is logged in SLOWLOG when it is unblocked, not when it blocks
// (unit/slowlog "Rewritten commands are logged as their original command").
func TestSlowlogBlockedCommandOnUnblock(t *testing.T) {
	_, addr := startTestServer(t, nil)
	ctl, c1 := dialTest(t, addr), dialTest(t, addr)
	ctl.do("CONFIG", "SET", "slowlog-log-slower-than", "0")
	bsend(c1, "BLPOP", "l", "0")
	waitBlocked(t, ctl, 1)
	ctl.do("SLOWLOG", "RESET")
	ctl.do("LPUSH", "l", "foo")
	if got := bread(c1, 10*time.Second); got != "[l foo]" {
		t.Fatalf("BLPOP = %q", got)
	}
	log := ctl.do("SLOWLOG", "GET")
	if !strings.Contains(log, "[BLPOP l 0]") {
		t.Errorf("SLOWLOG GET has no BLPOP entry: %s", log)
	}
	if strings.Index(log, "[BLPOP l 0]") > strings.Index(log, "[LPUSH l foo]") {
		t.Errorf("BLPOP is not the newest entry: %s", log)
	}
}

// The invalidation a served BLMOVE causes for its own client follows its reply
// (unit/tracking "Unblocked BLMOVE gets notification after response").
func TestTrackingServedBlockedClientOrder(t *testing.T) {
	_, addr := startTestServer(t, nil)
	ctl, c1 := dialTest(t, addr), dialTest(t, addr)
	ctl.do("RPUSH", "list2", "a")
	c1.do("HELLO", "3")
	c1.do("CLIENT", "TRACKING", "on")
	c1.do("LRANGE", "list2", "0", "-1")
	bsend(c1, "BLMOVE", "list1", "list2", "left", "left", "0")
	waitBlocked(t, ctl, 1)
	ctl.do("RPUSH", "list1", "foo")
	if got := bread(c1, 10*time.Second); got != "foo" {
		t.Fatalf("first reply %q, want the BLMOVE reply foo", got)
	}
	if got := bread(c1, 10*time.Second); got != "[invalidate [list2]]" {
		t.Fatalf("second reply %q, want the invalidation of list2", got)
	}
}

// DEBUG PAUSE-CRON stops the cron's work: with it on, the tracking table is not cut
// down to a lowered tracking-table-max-keys until a command runs; with it off the
// cron does it on an idle server (unit/tracking "Regression test for #11715",
// "Tracking gets notification on tracking table key eviction").
func TestDebugPauseCronAndTrackingLimit(t *testing.T) {
	_, addr := startTestServer(t, func(cfg *config.Config) { cfg.EnableDebugCommand = "yes"; cfg.Hz = 100 })
	ctl, c1 := dialTest(t, addr), dialTest(t, addr)
	c1.do("HELLO", "3")
	c1.do("CLIENT", "TRACKING", "on")
	c1.do("MGET", "k1", "k2")
	if got := ctl.do("DEBUG", "PAUSE-CRON", "1"); got != "OK" {
		t.Fatalf("DEBUG PAUSE-CRON 1 = %q", got)
	}
	ctl.do("CONFIG", "SET", "tracking-table-max-keys", "1")
	bnone(c1, 100*time.Millisecond) // cron paused: nothing evicted yet
	ctl.do("DEBUG", "PAUSE-CRON", "0")
	got := bread(c1, 10*time.Second)
	if got != "[invalidate [k1]]" && got != "[invalidate [k2]]" {
		t.Fatalf("after the cron resumed: %q, want an invalidation of k1 or k2", got)
	}
}

// DEBUG QUICKLIST-PACKED-THRESHOLD: large elements get nodes of their own; lists
// behave the same (unit/type/list "plain node" tests).
func TestDebugQuicklistPackedThreshold(t *testing.T) {
	c := debugServer(t)
	for _, bad := range []string{"5gb", "-1", "x"} {
		if got := c.do("DEBUG", "QUICKLIST-PACKED-THRESHOLD", bad); got != "-ERR argument must be a memory value bigger than 1 and smaller than 4gb" {
			t.Errorf("threshold %s: %q", bad, got)
		}
	}
	if got := c.do("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "5b"); got != "OK" {
		t.Fatalf("DEBUG QUICKLIST-PACKED-THRESHOLD 5b = %q", got)
	}
	defer c.do("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")
	c.do("RPUSH", "l", "aa", "bb", "cc", "dd", "ee")
	c.do("LSET", "l", "2", "eeeeeeeeee")
	if got := c.do("LRANGE", "l", "0", "-1"); got != "[aa bb eeeeeeeeee dd ee]" {
		t.Fatalf("LRANGE = %s", got)
	}
	if got := c.do("DEBUG", "OBJECT", "l"); !strings.Contains(got, "ql_nodes:3") {
		t.Errorf("DEBUG OBJECT after LSET of a large element: %s", got)
	}
}
