package engine

import (
	"testing"
	"time"
)

// wallMs floors the origin's wall time plus the elapsed monotonic time once: an
// origin 0.9 ms into a millisecond plus 0.5 ms elapsed is the next millisecond.
// (Flooring each apart read 1 ms behind the wall clock, so a TTL set with PXAT
// from a client's clock read 10001 ms for 10000: unit/type/string "GETEX PXAT
// option".)
func TestWallMsFloorsOnce(t *testing.T) {
	s := &Server{}
	s.clk.originNs = time.Unix(1000, 900_000).UnixNano()
	s.clk.offset = 2 * time.Second
	for _, tt := range []struct {
		mono time.Duration
		want int64
	}{
		{2 * time.Second, 1_000_000},
		{2*time.Second + 99_999, 1_000_000},
		{2*time.Second + 100_000, 1_000_001},
		{2*time.Second + 500_000, 1_000_001},
		{3*time.Second + 100_000, 1_001_001},
	} {
		if got := s.wallMs(tt.mono); got != tt.want {
			t.Errorf("wallMs(%v) = %d, want %d", tt.mono, got, tt.want)
		}
	}
	// And against the wall clock itself. The wall and monotonic clocks are read
	// apart and may be slewed apart by a few ns, so a reading just across a
	// millisecond boundary may land on either side; flooring apart put about half
	// of all readings 1 ms behind. Never more than 1 ms off, and off only rarely.
	s.initClock()
	const n = 10000
	off := 0
	for range n {
		before := time.Now().UnixMilli()
		got := s.wallMs(s.monoNow())
		after := time.Now().UnixMilli()
		if got < before-1 || got > after+1 {
			t.Fatalf("wallMs %d more than 1 ms outside the wall clock's [%d, %d]", got, before, after)
		}
		if got < before || got > after {
			off++
		}
	}
	if off > n/100 {
		t.Fatalf("%d of %d readings outside the wall clock's millisecond", off, n)
	}
}
