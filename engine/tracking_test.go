package engine

// CLIENT TRACKING tests (Redis's tracking.c): default mode, NOLOOP, OPTIN/OPTOUT,
// BCAST prefixes, RESP2 redirection to __redis__:invalidate, broken redirection,
// flushes, tracking-table-max-keys, and what CLIENT LIST and INFO report.

import (
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
)

func invalidatePush(keys ...string) string {
	if keys == nil {
		return ">2\r\n$10\r\ninvalidate\r\n_\r\n"
	}
	b := ">2\r\n$10\r\ninvalidate\r\n*" + itoa(int64(len(keys))) + "\r\n"
	for _, k := range keys {
		b += "$" + itoa(int64(len(k))) + "\r\n" + k + "\r\n"
	}
	return b
}

func TestTrackingDefaultMode(t *testing.T) {
	_, addr := startTestServer(t, nil)
	c := dialPS(t, addr)
	other := dialPS(t, addr)
	c.do("HELLO", "3")
	if got := c.do("CLIENT", "TRACKING", "on"); got != "+OK\r\n" {
		t.Fatalf("CLIENT TRACKING on: %q", got)
	}
	other.do("SET", "k", "1")
	c.do("GET", "k")
	c.do("MGET", "a", "b")
	other.do("SET", "k", "2")
	if got := c.next(); got != invalidatePush("k") {
		t.Fatalf("invalidation: %q", got)
	}
	// Invalidated once: the key is forgotten until read again.
	other.do("SET", "k", "3")
	other.do("SET", "a", "x")
	if got := c.next(); got != invalidatePush("a") {
		t.Fatalf("invalidation of a: %q", got)
	}
	// A client's own write: the reply first, then the invalidation.
	c.do("GET", "b")
	if got := c.do("SET", "b", "x"); got != "+OK\r\n" {
		t.Fatalf("SET: %q", got)
	}
	if got := c.next(); got != invalidatePush("b") {
		t.Fatalf("own invalidation: %q", got)
	}
	// NOLOOP: own writes are not reported, others' are.
	c.do("CLIENT", "TRACKING", "on", "NOLOOP")
	c.do("GET", "b")
	c.do("SET", "b", "y")
	c.silent(50 * time.Millisecond)
	c.do("GET", "b")
	other.do("SET", "b", "z")
	if got := c.next(); got != invalidatePush("b") {
		t.Fatalf("invalidation with NOLOOP: %q", got)
	}
	// A flush invalidates everything with a null.
	other.do("FLUSHALL")
	if got := c.next(); got != invalidatePush() {
		t.Fatalf("flush invalidation: %q", got)
	}
	if got := c.do("CLIENT", "TRACKING", "off"); got != "+OK\r\n" {
		t.Fatalf("CLIENT TRACKING off: %q", got)
	}
	c.do("GET", "k")
	other.do("SET", "k", "4")
	c.silent(50 * time.Millisecond)
}

func TestTrackingOptinOptout(t *testing.T) {
	_, addr := startTestServer(t, nil)
	c := dialPS(t, addr)
	other := dialPS(t, addr)
	c.do("HELLO", "3")
	c.do("CLIENT", "TRACKING", "on", "OPTIN")
	c.do("GET", "a") // not cached: no CACHING yes before it
	c.do("CLIENT", "CACHING", "yes")
	c.do("GET", "b")
	c.do("GET", "c") // CACHING applies to one command only
	other.do("MSET", "a", "1", "b", "1", "c", "1")
	if got := c.next(); got != invalidatePush("b") {
		t.Fatalf("OPTIN invalidation: %q", got)
	}
	c.silent(50 * time.Millisecond)
	if got := c.do("CLIENT", "CACHING", "no"); got != "-ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.\r\n" {
		t.Fatalf("CACHING no in OPTIN: %q", got)
	}
	if got := c.do("CLIENT", "TRACKING", "on", "OPTOUT"); !strings.HasPrefix(got, "-ERR You can't switch OPTIN/OPTOUT mode") {
		t.Fatalf("switching to OPTOUT: %q", got)
	}
	c.do("CLIENT", "TRACKING", "off")
	c.do("CLIENT", "TRACKING", "on", "OPTOUT")
	c.do("CLIENT", "CACHING", "no")
	c.do("GET", "a") // not cached
	c.do("GET", "b")
	other.do("MSET", "a", "2", "b", "2")
	if got := c.next(); got != invalidatePush("b") {
		t.Fatalf("OPTOUT invalidation: %q", got)
	}
	c.silent(50 * time.Millisecond)
}

func TestTrackingBcast(t *testing.T) {
	_, addr := startTestServer(t, nil)
	c := dialPS(t, addr)
	other := dialPS(t, addr)
	c.do("HELLO", "3")
	if got := c.do("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "PREFIX", "obj:"); got != "+OK\r\n" {
		t.Fatalf("BCAST: %q", got)
	}
	// The keys modified in one event loop cycle arrive together, sorted.
	other.do("MSET", "user:2", "x", "user:1", "y", "other", "z")
	if got := c.next(); got != invalidatePush("user:1", "user:2") {
		t.Fatalf("broadcast: %q", got)
	}
	other.do("SET", "obj:9", "1")
	if got := c.next(); got != invalidatePush("obj:9") {
		t.Fatalf("broadcast obj: %q", got)
	}
	if got := c.do("CLIENT", "TRACKINGINFO"); got != "%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$5\r\nbcast\r\n$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*2\r\n$4\r\nobj:\r\n$5\r\nuser:\r\n" {
		t.Fatalf("TRACKINGINFO: %q", got)
	}
	if got := c.do("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "use"); got != "-ERR Prefix 'use' overlaps with an existing prefix 'user:'. Prefixes for a single client must not overlap.\r\n" {
		t.Fatalf("overlapping prefix: %q", got)
	}
	if got := c.do("CLIENT", "TRACKING", "on"); !strings.HasPrefix(got, "-ERR You can't switch BCAST mode") {
		t.Fatalf("leaving BCAST without OFF: %q", got)
	}
	info := c.do("INFO", "stats")
	if !strings.Contains(info, "tracking_total_prefixes:2\r\n") {
		t.Fatalf("INFO tracking_total_prefixes: %q", info)
	}
	c.do("CLIENT", "TRACKING", "off")
	if info := c.do("INFO", "stats"); !strings.Contains(info, "tracking_total_prefixes:0\r\n") {
		t.Fatalf("prefixes left after OFF")
	}
}

func TestTrackingRedirectRESP2(t *testing.T) {
	_, addr := startTestServer(t, nil)
	rcv := dialPS(t, addr)
	c := dialTest(t, addr)
	other := dialTest(t, addr)
	id := strings.TrimPrefix(strings.TrimSuffix(rcv.do("CLIENT", "ID"), "\r\n"), ":")
	rcv.do("SUBSCRIBE", "__redis__:invalidate")
	if got := c.do("CLIENT", "TRACKING", "on", "REDIRECT", id); got != "OK" {
		t.Fatalf("REDIRECT: %q", got)
	}
	if got := c.do("CLIENT", "GETREDIR"); got != ":"+id {
		t.Fatalf("GETREDIR: %q", got)
	}
	c.do("GET", "k")
	other.do("SET", "k", "v")
	if got, want := rcv.next(), "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nk\r\n"; got != want {
		t.Fatalf("redirected invalidation: %q, want %q", got, want)
	}
	other.do("FLUSHDB")
	if got, want := rcv.next(), "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n"; got != want {
		t.Fatalf("redirected flush: %q, want %q", got, want)
	}
	list := other.do("CLIENT", "LIST")
	if !strings.Contains(list, " flags=t ") || !strings.Contains(list, " redir="+id+" ") {
		t.Fatalf("CLIENT LIST: %q", list)
	}
	// The redirection client goes away: the tracking client is marked R.
	rcv.c.Close()
	c.do("GET", "k")
	pubsubWaitFor(t, 2*time.Second, func() bool {
		other.do("SET", "k", "v2")
		c.do("GET", "k")
		return strings.Contains(other.do("CLIENT", "LIST"), " flags=tR ")
	})
	if got := c.do("CLIENT", "TRACKINGINFO"); got != "[flags [on broken_redirect] redirect :"+id+" prefixes []]" {
		t.Fatalf("TRACKINGINFO: %q", got)
	}
	if got := c.do("CLIENT", "TRACKING", "on", "REDIRECT", "999999"); got != "-ERR The client ID you want redirect to does not exist" {
		t.Fatalf("REDIRECT to nobody: %q", got)
	}
}

func TestTrackingBrokenRedirectRESP3(t *testing.T) {
	_, addr := startTestServer(t, nil)
	rcv := dialTest(t, addr)
	id := strings.TrimPrefix(rcv.do("CLIENT", "ID"), ":")
	c := dialPS(t, addr)
	other := dialPS(t, addr)
	c.do("HELLO", "3")
	c.do("CLIENT", "TRACKING", "on", "REDIRECT", id)
	c.do("GET", "k")
	rcv.c.Close()
	pubsubWaitFor(t, 2*time.Second, func() bool {
		return !strings.Contains(other.do("CLIENT", "LIST"), "id="+id+" ")
	})
	other.do("SET", "k", "1")
	if got, want := c.next(), ">2\r\n$21\r\ntracking-redir-broken\r\n:"+id+"\r\n"; got != want {
		t.Fatalf("broken redirection: %q, want %q", got, want)
	}
}

func TestTrackingTableMaxKeys(t *testing.T) {
	_, addr := startTestServer(t, func(cfg *config.Config) { cfg.TrackingTableMaxKeys = 2 })
	c := dialPS(t, addr)
	c.do("HELLO", "3")
	c.do("CLIENT", "TRACKING", "on")
	c.do("MGET", "a", "b", "c", "d")
	// The next command brings the table back to its limit, invalidating keys as if
	// they had changed.
	c.send("PING")
	got := map[string]bool{}
	for len(got) < 3 {
		r := c.next()
		if r == "+PONG\r\n" {
			got["pong"] = true
			continue
		}
		if !strings.HasPrefix(r, ">2\r\n$10\r\ninvalidate\r\n*1\r\n") {
			t.Fatalf("unexpected %q", r)
		}
		got[r] = true
	}
	info := c.do("INFO", "stats")
	if !strings.Contains(info, "tracking_total_keys:2\r\n") || !strings.Contains(info, "tracking_total_items:2\r\n") {
		t.Fatalf("INFO after trimming: %q", info)
	}
	if clients := c.do("INFO", "clients"); !strings.Contains(clients, "tracking_clients:1\r\n") {
		t.Fatalf("INFO tracking_clients: %q", clients)
	}
}

func TestTrackingErrors(t *testing.T) {
	_, addr := startTestServer(t, nil)
	c := dialTest(t, addr)
	for _, tc := range []struct{ cmd, want string }{
		{"CLIENT TRACKING maybe", "-ERR syntax error"},
		{"CLIENT TRACKING on foo", "-ERR syntax error"},
		{"CLIENT TRACKING on PREFIX a", "-ERR PREFIX option requires BCAST mode to be enabled"},
		{"CLIENT TRACKING on BCAST OPTIN", "-ERR OPTIN and OPTOUT are not compatible with BCAST"},
		{"CLIENT TRACKING on OPTIN OPTOUT", "-ERR You can't specify both OPTIN mode and OPTOUT mode"},
		{"CLIENT TRACKING on BCAST PREFIX ab PREFIX a", "-ERR Prefix 'ab' overlaps with another provided prefix 'a'. Prefixes for a single client must not overlap."},
		{"CLIENT TRACKING on REDIRECT x", "-ERR value is not an integer or out of range"},
		{"CLIENT CACHING yes", "-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"},
		{"CLIENT GETREDIR", ":-1"},
		{"CLIENT TRACKINGINFO", "[flags [off] redirect :-1 prefixes []]"},
	} {
		if got := c.do(strings.Fields(tc.cmd)...); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.cmd, got, tc.want)
		}
	}
}
