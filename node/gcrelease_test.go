package node

// The releaser (gcpolicy.go): its decisions by table, and a real release of a
// freed heap with its cost.

import (
	"runtime"
	"testing"
	"time"
)

func TestReleaserDecisions(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var r releaser
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	if r.tick(0, 0, at(0)) {
		t.Fatal("released with no activity")
	}
	if r.tick(50<<20, 0, at(2)) {
		t.Fatal("released on a busy tick")
	}
	if !r.tick(0, 0, at(4)) {
		t.Fatal("no release on the first idle tick after activity")
	}
	r.released(100<<20, 99<<20, time.Millisecond, at(4)) // freed nothing: back off
	if r.tick(0, 0, at(6)) {
		t.Fatal("released again 2 s after a release that freed nothing (want 4 s)")
	}
	if !r.tick(0, 0, at(8)) {
		t.Fatal("no retry 4 s after a release that freed nothing")
	}
	r.released(100<<20, 10<<20, time.Millisecond, at(8)) // freed 90 MiB: retry soon
	if !r.tick(0, 0, at(10)) {
		t.Fatal("no retry 2 s after a release that freed memory")
	}
	// Releases that free nothing back off 4, 8, 16, 32, 64 s, then disarm.
	now := 10.0
	var gaps []float64
	for i := 0; i < releaseMaxTries+2; i++ {
		r.released(50<<20, 50<<20, time.Millisecond, at(now))
		next := now
		for !r.tick(0, 0, at(next)) {
			next += 2
			if next-now > 600 {
				break
			}
		}
		if next-now > 600 {
			break
		}
		gaps = append(gaps, next-now)
		now = next
	}
	want := []float64{4, 8, 16, 32, 64}
	if len(gaps) != len(want) {
		t.Fatalf("gaps between fruitless releases %v, want %v then none", gaps, want)
	}
	for i := range want {
		if gaps[i] != want[i] {
			t.Fatalf("gaps between fruitless releases %v, want %v", gaps, want)
		}
	}
	// New activity re-arms it.
	now += 1000
	if r.tick(8<<20, 0, at(now)) || !r.tick(0, 0, at(now+2)) {
		t.Fatal("activity after disarming did not re-arm the releaser")
	}
	// A release that took 3 s (a huge live heap) waits 30 s, even when it freed
	// memory: releases cost at most a tenth of a core.
	r.released(10<<30, 1<<30, 3*time.Second, at(now+5))
	if r.tick(0, 0, at(now+5+28)) || !r.tick(0, 0, at(now+5+30)) {
		t.Fatal("the gap after a 3 s release is not 30 s")
	}
	// Commands served without allocating (SET over existing keys) defer a
	// release: it waits for a quiet tick.
	r.released(100<<20, 10<<20, time.Millisecond, at(now+40))
	if r.tick(0, releaseIdleCommands, at(now+42)) || !r.tick(0, releaseIdleCommands-1, at(now+44)) {
		t.Fatal("a release ran on a tick that served commands, or not on the quiet tick after it")
	}
}

// TestReleaserReturnsFreedHeap frees 192 MiB (the aftermath of a flood), lets the
// watch see the activity and then an idle tick, and checks the heap's footprint
// (objects, unused span space, free pages not returned) is back near the live heap. It logs what the release cost, with 64 MiB still live.
func TestReleaserReturnsFreedHeap(t *testing.T) {
	footprint := func() uint64 { _, f := readHeap(heapSamples()); return f }
	live := make([][]byte, 64)
	for i := range live {
		live[i] = make([]byte, 1<<20)
	}
	h := newHeapWatch()
	garbage := make([][]byte, 192)
	for i := range garbage {
		garbage[i] = make([]byte, 1<<20)
		garbage[i][0] = 1
	}
	now := time.Now()
	if h.step(now) {
		t.Fatal("released during the activity")
	}
	garbage = nil
	base := footprint()
	n0, ns0 := releaseStats.n.Load(), releaseStats.nanos.Load()
	if !h.step(now.Add(releaseTick)) {
		t.Fatal("no release on the idle tick after the activity")
	}
	after := footprint()
	got := base - min(base, after)
	took := time.Duration(releaseStats.nanos.Load() - ns0)
	t.Logf("one release returned %d MiB in %v with 64 MiB live (%d release), footprint %d MiB after",
		got>>20, took, releaseStats.n.Load()-n0, after>>20)
	// What is left must be about the live 64 MiB. (How much the release itself
	// returned depends on whether a GC cycle or the runtime's scavenger ran between
	// garbage = nil and base: other tests of the package run meanwhile.)
	if after > 128<<20 {
		t.Fatalf("footprint %d MiB after the release (64 MiB live, 192 MiB freed)", after>>20)
	}
	runtime.KeepAlive(live)
	runtime.KeepAlive(garbage)
}
