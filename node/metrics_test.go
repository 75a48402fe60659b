package node_test

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// The Prometheus endpoint serves the engine's figures: commands by name, clients,
// keys per db, memory and loop time.
func TestMetricsEndpoint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mport := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := testutil.StartKeygrid(t, "--metrics-port", strconv.Itoa(mport))
	c := s.Conn(t)
	for i := 0; i < 10; i++ {
		c.Do("SET", "k"+strconv.Itoa(i), "v")
	}
	c.Do("GET", "k1")
	var body string
	testutil.WaitFor(t, 10*time.Second, func() bool {
		resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(mport) + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		// Command stats are published once a second, keys every few iterations.
		return strings.Contains(body, `keygrid_command_calls_total{cmd="set"} 10`) &&
			strings.Contains(body, `keygrid_db_keys{db="0"} 10`)
	}, "metrics never showed the commands and keys")
	for _, want := range []string{"keygrid_connected_clients", "keygrid_used_memory_bytes", "keygrid_loop_busy_seconds_total",
		"keygrid_loop_max_iteration_seconds", "keygrid_commands_processed_total", `keygrid_command_duration_seconds_total{cmd="get"}`,
		"keygrid_expired_keys_total", "keygrid_evicted_keys_total", "go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
