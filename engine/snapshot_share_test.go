package engine

import (
	"testing"
	"time"
)

// TestSnapShareBoundsTheWalk drives snapShare with a loop that serves for a fixed
// time between steps and slices that overrun their budget (the writer's turn),
// and checks the walk's part of the loop's time: at most 1/(1+snapServeRatio)
// under load, whatever the batch length (less after batches so long that a
// slice's cap binds), and whole slices when idle.
func TestSnapShareBoundsTheWalk(t *testing.T) {
	want := 1 / float64(1+snapServeRatio)
	for _, served := range []time.Duration{
		snapIdleGap, 150 * time.Microsecond, 400 * time.Microsecond,
		time.Millisecond, 5 * time.Millisecond,
	} {
		for _, overrun := range []float64{1, 1.3, 2} {
			var c snapShare
			var walk, serve time.Duration
			slices := 0
			for i := 0; i < 20000; i++ {
				serve += served
				b, busy := c.budget(served)
				if !busy {
					t.Fatalf("served %v: a step after serving was not busy", served)
				}
				if b == 0 {
					continue
				}
				if b < snapSliceMin || b > snapSliceBusy {
					t.Fatalf("served %v: budget %v outside [%v, %v]", served, b, snapSliceMin, snapSliceBusy)
				}
				d := time.Duration(float64(b) * overrun)
				walk += d
				slices++
				c.spent(d)
			}
			// A slice is at most snapSliceBusy: after long batches the share is less.
			low := min(want, float64(snapSliceBusy)/float64(snapSliceBusy+served))
			share := float64(walk) / float64(walk+serve)
			if share < low*0.9 || share > want*1.05 {
				t.Errorf("served %v per step, slices %.1fx their budget: walk took %.3f of the loop, want %.3f to %.3f",
					served, overrun, share, low, want)
			}
			if slices == 0 {
				t.Errorf("served %v: no slice ran", served)
			}
		}
	}

	// Idle: full slices, and an idle spell forgets what was owed.
	var c snapShare
	c.budget(time.Millisecond)
	c.spent(5 * time.Millisecond)
	if b, busy := c.budget(10 * time.Microsecond); busy || b != snapSliceIdle {
		t.Fatalf("idle step: budget %v busy %v, want %v and not busy", b, busy, snapSliceIdle)
	}
	if b, _ := c.budget(4 * snapSliceMin); b != snapSliceMin {
		t.Fatalf("after idle: budget %v, want %v (no debt carried)", b, snapSliceMin)
	}

	// A long overrun is owed only up to snapMaxDebt: the save still progresses.
	c = snapShare{}
	c.budget(time.Millisecond)
	c.spent(time.Second)
	if c.credit != -snapMaxDebt {
		t.Fatalf("credit after a 1 s overrun %v, want %v", c.credit, -snapMaxDebt)
	}
}
