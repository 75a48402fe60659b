package engine

// The reply buffers of freed clients, kept for new ones (client.go).

import (
	"strings"
	"testing"
	"time"
)

// Reply buffers of freed clients are kept for new clients (client.go): a new
// client gets a clean one (nothing of the last owner's replies leaks into its
// own), at most replyBufKeep are kept, and they are let go once none was taken
// for replyBufIdleMs.
func TestReplyBufsKeptAndDropped(t *testing.T) {
	s, addr := startTestServer(t, nil)
	c := dialTest(t, addr)
	big := strings.Repeat("v", 20000) // a 20 KB reply grows a buffer past replyBufMin
	if got := c.do("SET", "big", big); got != "OK" {
		t.Fatalf("SET: %s", got)
	}
	const n = replyBufKeep + 10
	for range n {
		x := dialTest(t, addr)
		if got := x.do("GET", "big"); got != big {
			t.Fatalf("GET big: %d bytes", len(got))
		}
		x.c.Close()
	}
	// The server frees them as it reads their EOFs.
	deadline := time.Now().Add(5 * time.Second)
	var kept, clients int
	for {
		onLoop(t, s, func() { kept, clients = len(s.replyBufs), len(s.clients) })
		if clients == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if kept == 0 || kept > replyBufKeep {
		t.Fatalf("%d reply buffers kept after %d clients with 20 KB replies went (want 1..%d)", kept, n, replyBufKeep)
	}
	// A new client takes one and sees only its own replies, in order.
	y := dialTest(t, addr)
	for i := range 3 {
		if got := y.do("ECHO", strings.Repeat("e", i+1)); got != strings.Repeat("e", i+1) {
			t.Fatalf("ECHO %d on a kept buffer: %q", i, got)
		}
	}
	if got := y.do("GET", "big"); got != big {
		t.Fatalf("GET big on a kept buffer: %d bytes", len(got))
	}
	var after int
	onLoop(t, s, func() { after = len(s.replyBufs) })
	if after != kept-1 {
		t.Errorf("kept buffers: %d before the new client, %d after (want one taken)", kept, after)
	}
	// Idle: dropped.
	onLoop(t, s, func() {
		s.replyBufTaken = s.nowMs - replyBufIdleMs
		s.dropReplyBufs()
		after = len(s.replyBufs)
	})
	if after != 0 {
		t.Errorf("%d reply buffers still kept after %d ms without a taker", after, replyBufIdleMs)
	}
}
