package node

import (
	"strconv"

	"github.com/keygrid/keygrid/engine"
	"github.com/keygrid/keygrid/gossip"
	"github.com/prometheus/client_golang/prometheus"
)

// Collector exports the figures the engine's loop publishes in atomics. It never
// touches engine state directly, so a scrape cannot slow the loop down.
type Collector struct {
	srv *engine.Server

	commands, clients, keys, expired, evicted *prometheus.Desc
	netIn, netOut, hits, misses, iterations   *prometheus.Desc
	cmdCalls, cmdUsec, cmdFailed, cmdRejected *prometheus.Desc
	dbKeys, usedMemory, loopBusy, loopMaxIter *prometheus.Desc
}

// NewCollector returns a collector for srv's metrics.
func NewCollector(srv *engine.Server) *Collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("keygrid_"+name, help, labels, nil)
	}
	return &Collector{
		srv:         srv,
		commands:    d("commands_processed_total", "Commands processed (INFO total_commands_processed)."),
		clients:     d("connected_clients", "Client connections (INFO connected_clients)."),
		keys:        d("keys", "Keys in all databases."),
		dbKeys:      d("db_keys", "Keys per database.", "db"),
		usedMemory:  d("used_memory_bytes", "Memory in use by data and buffers (INFO used_memory)."),
		loopBusy:    d("loop_busy_seconds_total", "Time the event loop spent working rather than waiting."),
		loopMaxIter: d("loop_max_iteration_seconds", "Longest event loop iteration in the last second."),
		expired:     d("expired_keys_total", "Keys removed because their TTL passed."),
		evicted:     d("evicted_keys_total", "Keys evicted by maxmemory."),
		netIn:       d("net_input_bytes_total", "Bytes read from clients."),
		netOut:      d("net_output_bytes_total", "Bytes written to clients."),
		hits:        d("keyspace_hits_total", "Successful key lookups."),
		misses:      d("keyspace_misses_total", "Failed key lookups."),
		iterations:  d("loop_iterations_total", "Event loop iterations."),
		cmdCalls:    d("command_calls_total", "Calls per command.", "cmd"),
		cmdUsec:     d("command_duration_seconds_total", "Time spent per command.", "cmd"),
		cmdFailed:   d("command_failed_calls_total", "Calls that replied an error, per command.", "cmd"),
		cmdRejected: d("command_rejected_calls_total", "Calls rejected before running, per command.", "cmd"),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.commands, c.clients, c.keys, c.dbKeys, c.expired, c.evicted,
		c.netIn, c.netOut, c.hits, c.misses, c.iterations, c.usedMemory, c.loopBusy, c.loopMaxIter, c.cmdCalls, c.cmdUsec, c.cmdFailed, c.cmdRejected} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	m := c.srv.Metrics()
	counter := func(d *prometheus.Desc, v int64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), l...)
	}
	gauge := func(d *prometheus.Desc, v int64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), l...)
	}
	counter(c.commands, m.Commands.Load())
	gauge(c.clients, m.Clients.Load())
	gauge(c.keys, m.Keys.Load())
	for i := range m.KeysPerDB {
		if v := m.KeysPerDB[i].Load(); v > 0 {
			gauge(c.dbKeys, v, strconv.Itoa(i))
		}
	}
	counter(c.expired, m.ExpiredKeys.Load())
	counter(c.evicted, m.EvictedKeys.Load())
	counter(c.netIn, m.NetInput.Load())
	counter(c.netOut, m.NetOutput.Load())
	counter(c.hits, m.KeyspaceHits.Load())
	counter(c.misses, m.KeyspaceMisses.Load())
	counter(c.iterations, m.LoopIterations.Load())
	gauge(c.usedMemory, m.UsedMemory.Load())
	ch <- prometheus.MustNewConstMetric(c.loopBusy, prometheus.CounterValue, float64(m.LoopBusyNanos.Load())/1e9)
	ch <- prometheus.MustNewConstMetric(c.loopMaxIter, prometheus.GaugeValue, float64(m.LoopMaxIterNanos.Load())/1e9)
	for name, st := range m.CommandStats() {
		counter(c.cmdCalls, st.Calls, name)
		ch <- prometheus.MustNewConstMetric(c.cmdUsec, prometheus.CounterValue, float64(st.Usec)/1e6, name)
		counter(c.cmdFailed, st.Failed, name)
		counter(c.cmdRejected, st.Rejected, name)
	}
}

// BusCollector exports what the cluster bus sends and receives (memberlist's
// packets and streams and the links, payload bytes): the gossip's cost per
// node, which internal/bench/cluster.sh reads from every process of a cluster.
// The counters restart with the bus after CLUSTER RESET HARD.
type BusCollector struct {
	bus                    *gossip.Bus
	bytes, packets, stream *prometheus.Desc
}

// NewBusCollector returns a collector for bus's traffic.
func NewBusCollector(bus *gossip.Bus) *BusCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("keygrid_cluster_bus_"+name, help, []string{"direction"}, nil)
	}
	return &BusCollector{
		bus:     bus,
		bytes:   d("bytes_total", "Payload bytes the cluster bus sent (out) and received (in), packets and streams."),
		packets: d("packets_total", "UDP packets the cluster bus sent (out) and received (in)."),
		stream:  d("streams_total", "TCP streams the cluster bus opened (out) and accepted (in)."),
	}
}

// Describe implements prometheus.Collector.
func (c *BusCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.bytes
	ch <- c.packets
	ch <- c.stream
}

// Collect implements prometheus.Collector.
func (c *BusCollector) Collect(ch chan<- prometheus.Metric) {
	t := c.bus.Traffic()
	for _, m := range []struct {
		d       *prometheus.Desc
		out, in int64
	}{{c.bytes, t.BytesOut, t.BytesIn}, {c.packets, t.PacketsOut, t.PacketsIn}, {c.stream, t.StreamsOut, t.StreamsIn}} {
		ch <- prometheus.MustNewConstMetric(m.d, prometheus.CounterValue, float64(m.out), "out")
		ch <- prometheus.MustNewConstMetric(m.d, prometheus.CounterValue, float64(m.in), "in")
	}
}
