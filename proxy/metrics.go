// Prometheus metrics of the proxy: requests and latency by command, backend errors,
// redirections followed, topology version. Per-command collectors are bound once when
// the command table is built, so counting a request is an atomic add.

package proxy

import (
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type cmdStats struct {
	calls   prometheus.Counter
	latency prometheus.Observer
}

type metrics struct {
	reg             *prometheus.Registry
	calls           *prometheus.CounterVec
	latency         *prometheus.HistogramVec
	backendErrors   atomic.Int64
	redirects       *prometheus.CounterVec
	topologyVersion atomic.Uint64
	clients         atomic.Int64
	totalCommands   atomic.Int64
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.calls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "keygrid_proxy_requests_total", Help: "Requests received from clients, by command.",
	}, []string{"command"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "keygrid_proxy_request_duration_seconds", Help: "Time from a request's arrival to its reply being ready, by command.",
		Buckets: []float64{50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 50e-3, 0.25, 1},
	}, []string{"command"})
	m.redirects = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "keygrid_proxy_redirections_total", Help: "Redirections and retries followed, by kind.",
	}, []string{"kind"})
	m.reg.MustRegister(m.calls, m.latency, m.redirects,
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "keygrid_proxy_backend_errors_total", Help: "Backend connections that failed or broke.",
		}, func() float64 { return float64(m.backendErrors.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "keygrid_proxy_topology_version", Help: "Slot maps published since start.",
		}, func() float64 { return float64(m.topologyVersion.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "keygrid_proxy_connected_clients", Help: "Client connections open.",
		}, func() float64 { return float64(m.clients.Load()) }))
	return m
}

func (m *metrics) forCommand(name string) *cmdStats {
	return &cmdStats{calls: m.calls.WithLabelValues(name), latency: m.latency.WithLabelValues(name)}
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
