package engine

// Tests of the latency histograms against numbers redis-server 7.0 printed.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/engine/config"
)

// TestHistHighestEquivalent: each value is one Redis reported in INFO latencystats
// (divided by 1000 there) for a duration of whole microseconds.
func TestHistHighestEquivalent(t *testing.T) {
	for _, tc := range []struct{ v, want int64 }{
		{1000, 1003}, {2000, 2007}, {7000, 7007}, {8000, 8031}, {37000, 37119},
		{815000, 815103}, {1_000_000_000, 1_002_438_655}, {1024, 1031}, {32768, 33023},
		{1048576, 1056767},
	} {
		if got := histHighestEquivalent(tc.v); got != tc.want {
			t.Errorf("histHighestEquivalent(%d) = %d, want %d", tc.v, got, tc.want)
		}
		if got := histHighestEquivalent(histValueAt(histIndex(tc.v))); got != tc.want {
			t.Errorf("through the index, %d gives %d, want %d", tc.v, got, tc.want)
		}
	}
	if idx := histIndex(histMax); idx >= histCountsLen {
		t.Errorf("histIndex(max) = %d, beyond %d counters", idx, histCountsLen)
	}
}

func TestLatencyHist(t *testing.T) {
	var h latencyHist
	for _, us := range []int64{1, 1, 3, 5, 30, 1000, 0} {
		h.record(us)
	}
	if got := fmt.Sprint(h.cdf()); got != "[[1 3] [4 4] [8 5] [33 6] [1056 7]]" {
		t.Errorf("cdf = %s", got)
	}
	for _, tc := range []struct {
		p    float64
		want int64
	}{{0, 1}, {50, 3007}, {99, 1003519}, {99.9, 1003519}, {100, 1003519}} {
		if got := h.valueAtPercentile(tc.p); got != tc.want {
			t.Errorf("p%v = %d, want %d", tc.p, got, tc.want)
		}
	}
	// A call slower than a second counts as one second, in the last bucket.
	var slow latencyHist
	slow.record(5_000_000)
	if got := fmt.Sprint(slow.cdf()); got != "[[1073741 1]]" {
		t.Errorf("cdf of a 5 s call = %s", got)
	}
}

func TestLatencyHistogramCommand(t *testing.T) {
	_, addr := startTestServer(t, nil)
	c := dialTest(t, addr)
	c.do("PING")
	c.do("PING")
	c.do("CONFIG", "GET", "hz")
	if got := c.do("LATENCY", "HISTOGRAM", "ping", "nosuch"); !strings.HasPrefix(got, "[ping [calls :2 histogram_usec [") {
		t.Errorf("LATENCY HISTOGRAM ping = %s", got)
	}
	if got := c.do("LATENCY", "HISTOGRAM", "config"); !strings.HasPrefix(got, "[config|get [calls :1 histogram_usec [") {
		t.Errorf("LATENCY HISTOGRAM config = %s", got)
	}
	if got := c.do("LATENCY", "HISTOGRAM", "nosuch"); got != "[]" {
		t.Errorf("LATENCY HISTOGRAM nosuch = %s", got)
	}
	info := c.do("INFO", "latencystats")
	if !strings.Contains(info, "\r\nlatency_percentiles_usec_ping:p50=") || !strings.Contains(info, ",p99.9=") {
		t.Errorf("INFO latencystats = %q", info)
	}
	c.do("CONFIG", "RESETSTAT")
	if got := c.do("LATENCY", "HISTOGRAM", "ping"); got != "[]" {
		t.Errorf("after RESETSTAT: %s", got)
	}
	_, addr = startTestServer(t, func(cfg *config.Config) { cfg.LatencyTracking = false })
	c = dialTest(t, addr)
	c.do("PING")
	if got := c.do("INFO", "latencystats"); got != "# Latencystats\r\n" {
		t.Errorf("INFO latencystats without tracking = %q", got)
	}
}
