package engine

// Per-command latency histograms (Redis 7.0's latency-tracking): what LATENCY
// HISTOGRAM and INFO latencystats report. Redis keeps an HdrHistogram per command
// (1 ns to 1 s, 2 significant figures) and records each call's duration, in
// microseconds times 1000. This is the same bucket layout, so percentiles and
// histogram buckets come out as Redis prints them, with only the counts stored:
// 128 sub-buckets per power of two, 3072 counters, allocated on a command's first call.

import "math/bits"

// HdrHistogram parameters for lowest 1, highest 1e9, 2 significant figures.
const (
	histSubBucketHalfMag = 7   // log2(sub_bucket_half_count)
	histSubBucketHalf    = 128 // sub_bucket_half_count
	histSubBucketMask    = 255 // (sub_bucket_count - 1) << unit_magnitude
	histBuckets          = 23  // buckets needed to cover 1e9 with 256 sub-buckets
	histCountsLen        = (histBuckets + 1) * histSubBucketHalf
	histMin              = 1             // LATENCY_HISTOGRAM_MIN_VALUE, ns
	histMax              = 1_000_000_000 // LATENCY_HISTOGRAM_MAX_VALUE, ns
)

// latencyHist counts durations in HdrHistogram buckets.
type latencyHist struct {
	counts [histCountsLen]int64
	total  int64
}

// record adds a call that took us microseconds.
func (h *latencyHist) record(us int64) {
	v := min(max(us*1000, histMin), histMax)
	h.counts[histIndex(v)]++
	h.total++
}

func histBucketIndex(v int64) int {
	pow2ceiling := 64 - bits.LeadingZeros64(uint64(v)|histSubBucketMask)
	return pow2ceiling - (histSubBucketHalfMag + 1)
}

// histIndex is HdrHistogram's counts_index_for.
func histIndex(v int64) int {
	b := histBucketIndex(v)
	sub := int(v >> uint(b))
	return (b+1)<<histSubBucketHalfMag + sub - histSubBucketHalf
}

// histValueAt is HdrHistogram's hdr_value_at_index: the lowest value of a counter.
func histValueAt(idx int) int64 {
	b := (idx >> histSubBucketHalfMag) - 1
	sub := (idx & (histSubBucketHalf - 1)) + histSubBucketHalf
	if b < 0 {
		sub -= histSubBucketHalf
		b = 0
	}
	return int64(sub) << uint(b)
}

// histHighestEquivalent is HdrHistogram's highest_equivalent_value: the largest value
// counted in the same counter as v.
func histHighestEquivalent(v int64) int64 {
	b := histBucketIndex(v)
	sub := v >> uint(b)
	size := int64(1) << uint(b)
	if sub >= 2*histSubBucketHalf {
		size <<= 1
	}
	lowest := sub << uint(b)
	return lowest + size - 1
}

// valueAtPercentile is hdr_value_at_percentile: the highest value equivalent to the
// counter where the cumulative count reaches the percentile.
func (h *latencyHist) valueAtPercentile(p float64) int64 {
	want := int64(min(p, 100)/100*float64(h.total) + 0.5)
	want = max(want, 1)
	var cum int64
	for i, n := range h.counts {
		cum += n
		if cum >= want {
			return histHighestEquivalent(histValueAt(i))
		}
	}
	return 0
}

// cdf is LATENCY HISTOGRAM's histogram_usec: for each power of two from 1024 ns, the
// bucket's highest value in microseconds and the cumulative count up to it, for the
// buckets where that count grows (Redis's fillCommandCDF over a log iterator, which
// ends at the last counter when a level lies beyond the histogram's range).
func (h *latencyHist) cdf() [][2]int64 {
	var out [][2]int64
	var cum, prev int64
	next := 0
	for level := int64(1024); cum < h.total; level *= 2 {
		last := histIndex(level)
		micros := histHighestEquivalent(level) / 1000
		if last >= histCountsLen {
			last = histCountsLen - 1
			micros = histHighestEquivalent(histValueAt(last)) / 1000
		}
		for ; next <= last; next++ {
			cum += h.counts[next]
		}
		if cum > prev {
			out = append(out, [2]int64{micros, cum})
		}
		prev = cum
		if last == histCountsLen-1 {
			break
		}
	}
	return out
}
