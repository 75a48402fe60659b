package sentinel

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Every failover's measurements reach Prometheus (issue #8 point 5).
func TestFailoverMetrics(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader("sentinel monitor mymaster 10.0.0.1 6379 2"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Dir = t.TempDir()
	reg := prometheus.NewRegistry()
	s, err := New(cfg, "", nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	s.masters["mymaster"].sdown = true
	s.metrics.failover("mymaster", &failoverStats{Result: "ok", ToODown: 1500 * time.Millisecond,
		ToPromotion: 2 * time.Second, OffsetGap: 42})
	s.metrics.failover("mymaster", &failoverStats{Result: "no-good-slave"})
	s.metrics.firstWrite("mymaster", 2500*time.Millisecond)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" || l.GetName() == "kind" {
					key += "/" + l.GetValue()
				}
			}
			switch {
			case m.Counter != nil:
				got[key] = m.Counter.GetValue()
			case m.Gauge != nil:
				got[key] = m.Gauge.GetValue()
			case m.Histogram != nil:
				got[key] = float64(m.Histogram.GetSampleCount())
			}
		}
	}
	for k, v := range map[string]float64{
		"keygrid_sentinel_failovers_total/ok":                1,
		"keygrid_sentinel_failovers_total/no-good-slave":     1,
		"keygrid_sentinel_last_failover_odown_seconds":       1.5,
		"keygrid_sentinel_last_failover_promotion_seconds":   2,
		"keygrid_sentinel_last_failover_first_write_seconds": 2.5,
		"keygrid_sentinel_last_failover_offset_gap_bytes":    42,
		"keygrid_sentinel_failover_promotion_seconds":        1,
		"keygrid_sentinel_raft_leader":                       0,
	} {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}
