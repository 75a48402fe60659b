// Prometheus metrics of failovers (issue point 5) and of the sentinel's state.

package sentinel

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	failovers   *prometheus.CounterVec
	toODown     *prometheus.GaugeVec
	toPromotion *prometheus.GaugeVec
	toWrite     *prometheus.GaugeVec
	offsetGap   *prometheus.GaugeVec
	promotion   *prometheus.HistogramVec
	http        *http.Server
}

// newMetrics registers the sentinel's metrics on reg (nil: metrics are kept but
// not exported).
func newMetrics(s *Sentinel, reg prometheus.Registerer) *metrics {
	m := &metrics{
		failovers: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "keygrid_sentinel_failovers_total",
			Help: "Failovers run by this sentinel, by master and result (ok or the abort reason)."}, []string{"master", "result"}),
		toODown: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "keygrid_sentinel_last_failover_odown_seconds",
			Help: "Last failover: time from the master's last valid reply to ODOWN."}, []string{"master"}),
		toPromotion: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "keygrid_sentinel_last_failover_promotion_seconds",
			Help: "Last failover: time from the master's last valid reply to the replica reporting role master."}, []string{"master"}),
		toWrite: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "keygrid_sentinel_last_failover_first_write_seconds",
			Help: "Last failover: time from the master's last valid reply to the first write on the new master."}, []string{"master"}),
		offsetGap: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "keygrid_sentinel_last_failover_offset_gap_bytes",
			Help: "Last failover: old master's replication offset minus the promoted replica's (an upper bound on lost writes)."}, []string{"master"}),
		promotion: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "keygrid_sentinel_failover_promotion_seconds",
			Help: "Time from master loss to promotion, per failover.", Buckets: prometheus.ExponentialBuckets(0.25, 2, 10)}, []string{"master"}),
	}
	if reg != nil {
		reg.MustRegister(m.failovers, m.toODown, m.toPromotion, m.toWrite, m.offsetGap, m.promotion)
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "keygrid_sentinel_raft_leader",
			Help: "1 if this sentinel leads the raft group and so runs failovers."}, func() float64 {
			if s.isLeader() {
				return 1
			}
			return 0
		}))
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "keygrid_sentinel_raft_leader_changes_total",
			Help: "Raft leaders this sentinel has seen elected, the first included; more than one while nothing failed is election churn."},
			func() float64 { return float64(s.leaderChanges.Load()) }))
		reg.MustRegister(&stateCollector{s: s})
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "keygrid_sentinel_current_epoch",
			Help: "The committed current epoch."}, func() float64 { return float64(s.fsm.currentEpoch()) }))
	}
	return m
}

func (m *metrics) failover(master string, st *failoverStats) {
	m.failovers.WithLabelValues(master, st.Result).Inc()
	if st.Result != "ok" {
		return
	}
	m.toODown.WithLabelValues(master).Set(st.ToODown.Seconds())
	m.toPromotion.WithLabelValues(master).Set(st.ToPromotion.Seconds())
	m.offsetGap.WithLabelValues(master).Set(float64(st.OffsetGap))
	m.promotion.WithLabelValues(master).Observe(st.ToPromotion.Seconds())
}

func (m *metrics) firstWrite(master string, d time.Duration) {
	m.toWrite.WithLabelValues(master).Set(d.Seconds())
}

// serve exposes reg on addr at /metrics.
func (m *metrics) serve(addr string, g prometheus.Gatherer) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	m.http = &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go m.http.ListenAndServe()
}

func (m *metrics) close() {
	if m.http != nil {
		m.http.Close()
	}
}

// stateCollector exports each monitored master's state at scrape time.
type stateCollector struct{ s *Sentinel }

var (
	descMasterDown = prometheus.NewDesc("keygrid_sentinel_master_down",
		"1 while this sentinel sees the master down, by kind: sdown (subjective) or odown (objective).", []string{"master", "kind"}, nil)
	descReplicas = prometheus.NewDesc("keygrid_sentinel_master_replicas",
		"Replicas known for the master.", []string{"master"}, nil)
	descSentinels = prometheus.NewDesc("keygrid_sentinel_master_sentinels",
		"Sentinels monitoring the master, this one included.", []string{"master"}, nil)
	descConfigEpoch = prometheus.NewDesc("keygrid_sentinel_master_config_epoch",
		"Epoch of the master's last committed failover.", []string{"master"}, nil)
	descTilt = prometheus.NewDesc("keygrid_sentinel_tilt", "1 while in TILT mode.", nil, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descMasterDown, descReplicas, descSentinels, descConfigEpoch, descTilt} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	ch <- prometheus.MustNewConstMetric(descTilt, prometheus.GaugeValue, b(s.tilt))
	for _, name := range s.order {
		m := s.masters[name]
		ch <- prometheus.MustNewConstMetric(descMasterDown, prometheus.GaugeValue, b(m.sdown), name, "sdown")
		ch <- prometheus.MustNewConstMetric(descMasterDown, prometheus.GaugeValue, b(m.odown), name, "odown")
		ch <- prometheus.MustNewConstMetric(descReplicas, prometheus.GaugeValue, float64(len(m.replicas)), name)
		ch <- prometheus.MustNewConstMetric(descSentinels, prometheus.GaugeValue, float64(len(m.sentinels)+1), name)
		ch <- prometheus.MustNewConstMetric(descConfigEpoch, prometheus.GaugeValue, float64(m.configEpoch), name)
	}
}
