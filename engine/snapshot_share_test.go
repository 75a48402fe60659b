package engine

import (
	"slices"
	"testing"
	"time"
)

// TestSnapShareBoundsTheWalk drives snapShare with a loop that serves for a fixed
// time between steps and slices that overrun their budget (the writer's turn),
// and checks the walk's part of the loop's time: at most 1/(1+snapServeRatio)
// under load, whatever the batch length (less after batches so long that a
// slice's cap binds; short batches count as load, not idleness), and whole slices
// when idle (no command since the last step).
func TestSnapShareBoundsTheWalk(t *testing.T) {
	want := 1 / float64(1+snapServeRatio)
	for _, served := range []time.Duration{
		10 * time.Microsecond, 50 * time.Microsecond, 150 * time.Microsecond, 400 * time.Microsecond,
		time.Millisecond, 5 * time.Millisecond,
	} {
		for _, overrun := range []float64{1, 1.3, 2} {
			var c snapShare
			var walk, serve time.Duration
			slices := 0
			for i := 0; i < 20000; i++ {
				serve += served
				b, busy := c.budget(served, 0, false)
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

	// Idle: slices from snapSliceMin doubling to whole ones with each idle step
	// in a row (an empty poll under load is not idleness), and an idle spell long
	// enough for whole slices forgets what was owed.
	var c snapShare
	c.budget(time.Millisecond, 0, false)
	c.spent(5 * time.Millisecond)
	var ramp []time.Duration
	for {
		b, busy := c.budget(10*time.Microsecond, 0, true)
		if busy {
			t.Fatalf("idle step %d: busy", len(ramp))
		}
		ramp = append(ramp, b)
		if b == snapSliceIdle || len(ramp) > 10 {
			break
		}
	}
	wantRamp := []time.Duration{snapSliceMin, 2 * snapSliceMin, 4 * snapSliceMin, 8 * snapSliceMin, 16 * snapSliceMin, snapSliceIdle}
	if !slices.Equal(ramp, wantRamp) {
		t.Fatalf("idle slices %v, want %v", ramp, wantRamp)
	}
	if b, _ := c.budget(8*snapSliceMin, 0, false); b != snapSliceMin {
		t.Fatalf("after idle: budget %v, want %v (no debt carried)", b, snapSliceMin)
	}
	// A busy step ends the ramp: the next empty poll starts small again.
	if b, _ := c.budget(0, 0, true); b != snapSliceMin {
		t.Fatalf("idle after busy: budget %v, want %v", b, snapSliceMin)
	}

	// What the writer took from the loop (other) is paid from the credit.
	c = snapShare{}
	if b, _ := c.budget(8*snapSliceBusy, 0, false); b != snapSliceBusy {
		t.Fatalf("budget %v, want %v", b, snapSliceBusy)
	}
	c = snapShare{}
	if b, _ := c.budget(8*snapSliceBusy, snapSliceBusy-snapSliceMin/2, false); b != 0 {
		t.Fatalf("budget with the writer's time paid %v, want 0", b)
	}

	// A long overrun is owed only up to snapMaxDebt: the save still progresses.
	c = snapShare{}
	c.budget(time.Millisecond, 0, false)
	c.spent(time.Second)
	if c.credit != -snapMaxDebt {
		t.Fatalf("credit after a 1 s overrun %v, want %v", c.credit, -snapMaxDebt)
	}
}
