package engine

// Tests of TIME, LASTSAVE, SLOWLOG, LATENCY, MONITOR and SHUTDOWN.

import (
	"bufio"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/config"
)

func TestTimeLastsave(t *testing.T) {
	_, addr := startTestServer(t, nil)
	c := dialTest(t, addr)
	if got := c.do("TIME"); !regexp.MustCompile(`^\[\d{10} \d{1,6}\]$`).MatchString(got) {
		t.Errorf("TIME = %s", got)
	}
	if got := c.do("LASTSAVE"); !regexp.MustCompile(`^:\d{10}$`).MatchString(got) {
		t.Errorf("LASTSAVE = %s", got)
	}
	if got := c.do("TIME", "x"); got != "-ERR wrong number of arguments for 'time' command" {
		t.Errorf("TIME x = %s", got)
	}
}

func TestSlowlog(t *testing.T) {
	_, addr := startTestServer(t, func(cfg *config.Config) { cfg.SlowlogLogSlowerThan = 0 })
	c := dialTest(t, addr)
	c.do("SLOWLOG", "RESET")
	c.do("CLIENT", "SETNAME", "me")
	c.do("ECHO", strings.Repeat("x", 200))
	c.do("GET") // an arity error: rejected before running, never logged
	got := c.do("SLOWLOG", "GET", "2")
	re := regexp.MustCompile(`^\[\[:2 :\d+ :\d+ \[ECHO x{128}\.\.\. \(72 more bytes\)\] 127\.0\.0\.1:\d+ me\] ` +
		`\[:1 :\d+ :\d+ \[CLIENT SETNAME me\] 127\.0\.0\.1:\d+ me\]\]$`)
	if !re.MatchString(got) {
		t.Errorf("SLOWLOG GET 2 = %s", got)
	}
	// PING replies its own arity error: it ran, so it is logged, with 32 arguments at most.
	many := []string{"PING"}
	for i := 0; i < 40; i++ {
		many = append(many, "a")
	}
	c.do(many...)
	if got := c.do("SLOWLOG", "GET", "1"); !strings.Contains(got, " a a ... (10 more arguments)] ") {
		t.Errorf("SLOWLOG of 41 arguments = %s", got)
	}
	for _, tc := range []struct{ args, want string }{
		{"SLOWLOG GET x", "-ERR count should be greater than or equal to -1"},
		{"SLOWLOG GET -2", "-ERR count should be greater than or equal to -1"},
		{"SLOWLOG GET 1 2", "-ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP."},
		{"SLOWLOG LEN x", "-ERR wrong number of arguments for 'slowlog|len' command"},
		{"SLOWLOG RESET", "OK"},
		{"SLOWLOG GET 0", "[]"},
		{"SLOWLOG LEN", ":2"}, // the RESET and the GET after it
	} {
		if got := c.do(strings.Fields(tc.args)...); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.args, got, tc.want)
		}
	}
	if got := c.do("SLOWLOG", "GET", "-1"); strings.Count(got, "127.0.0.1:") != 3 {
		t.Errorf("SLOWLOG GET -1 = %s", got)
	}
}

func TestLatencyCommands(t *testing.T) {
	c := debugServer(t)
	if got := c.do("LATENCY", "DOCTOR"); !strings.HasPrefix(got, "I'm sorry, Dave, I can't do that. Latency monitoring is disabled") {
		t.Errorf("LATENCY DOCTOR while disabled = %q", got)
	}
	c.do("CONFIG", "SET", "latency-monitor-threshold", "5")
	if got := c.do("LATENCY", "DOCTOR"); got != "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n" {
		t.Errorf("LATENCY DOCTOR with no events = %q", got)
	}
	c.do("DEBUG", "SLEEP", "0.02")
	c.do("PING") // fast, below the threshold
	if got := c.do("LATENCY", "LATEST"); !regexp.MustCompile(`^\[\[command :\d{10} :(2\d|[3-9]\d) :(2\d|[3-9]\d)\]\]$`).MatchString(got) {
		t.Errorf("LATENCY LATEST = %s", got)
	}
	if got := c.do("LATENCY", "HISTORY", "command"); !regexp.MustCompile(`^\[\[:\d{10} :\d+\]\]$`).MatchString(got) {
		t.Errorf("LATENCY HISTORY command = %s", got)
	}
	if got := c.do("LATENCY", "GRAPH", "command"); !strings.HasPrefix(got, "command - high ") {
		t.Errorf("LATENCY GRAPH command = %q", got)
	}
	doctor := c.do("LATENCY", "DOCTOR")
	if !strings.Contains(doctor, "1. command: 1 latency spikes (average ") ||
		!strings.Contains(doctor, "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than 5000'.") {
		t.Errorf("LATENCY DOCTOR = %q", doctor)
	}
	for _, tc := range []struct{ args, want string }{
		{"LATENCY HISTORY nosuch", "[]"},
		{"LATENCY GRAPH nosuch", "-ERR No samples available for event 'nosuch'"},
		{"LATENCY RESET nosuch", ":0"},
		{"LATENCY RESET command nosuch", ":1"},
		{"LATENCY LATEST", "[]"},
		{"LATENCY RESET", ":0"},
		{"LATENCY FOO", "-ERR unknown subcommand 'FOO'. Try LATENCY HELP."},
	} {
		if got := c.do(strings.Fields(tc.args)...); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.args, got, tc.want)
		}
	}
}

// TestLatencyGraph compares the sparkline with one redis-server 7.0 drew for the same
// samples (LATENCY HISTORY command, then LATENCY GRAPH command one second after the
// last sample).
func TestLatencyGraph(t *testing.T) {
	ls := &latencySeries{max: 200, samples: []latencySample{
		{1795632584, 6}, {1795632585, 200}, {1795632586, 30}, {1795632588, 80},
		{1795632589, 12}, {1795632590, 150}, {1795632591, 50},
	}}
	want := "command - high 200 ms, low 6 ms (all time high 200 ms)\n" +
		strings.Repeat("-", 80) + "\n" +
		" #     \n" +
		" |   # \n" +
		" | o | \n" +
		"_|o|_|#\n" +
		"       \n" +
		"8764321\n" +
		"sssssss\n"
	if got := latencyGraph("command", ls, 1795632592); got != want {
		t.Errorf("graph:\n%s\nwant:\n%s", got, want)
	}
	// Three samples, the last two minutes old.
	ls = &latencySeries{max: 50, samples: []latencySample{{1000, 20}, {1002, 50}, {1003, 10}}}
	want = "command - high 50 ms, low 10 ms (all time high 50 ms)\n" + strings.Repeat("-", 80) + "\n" +
		" # \n | \n_| \n||_\n   \n222\nmmm\n"
	if got := latencyGraph("command", ls, 1003+150); got != want {
		t.Errorf("graph:\n%s\nwant:\n%s", got, want)
	}
}

func TestMonitor(t *testing.T) {
	_, addr := startTestServer(t, nil)
	m := dialTest(t, addr)
	if got := m.do("MONITOR"); got != "OK" {
		t.Fatalf("MONITOR = %s", got)
	}
	c := dialTest(t, addr)
	c.do("AUTH", "secret")                      // redacted
	c.do("GET")                                 // rejected: never shown
	c.do("ECHO", "a \"b\"\n\x01")               // quoted as sdscatrepr does
	c.do("CONFIG", "GET", "hz")                 // admin: never shown
	c.do("HELLO", "2", "AUTH", "default", "pw") // both redacted
	c.do("SELECT", "1")                         // shows the new database
	m.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	rd := bufio.NewReader(m.c)
	var lines []string
	for i := 0; i < 4; i++ {
		l, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("reading MONITOR output: %v (got %q)", err, lines)
		}
		lines = append(lines, strings.TrimSuffix(l, "\r\n"))
	}
	prefix := `^\+\d{10}\.\d{6} \[%s 127\.0\.0\.1:\d+\] `
	for i, want := range []string{
		`"AUTH" "\(redacted\)"$`,
		`"ECHO" "a \\"b\\"\\n\\x01"$`,
		`"HELLO" "2" "AUTH" "\(redacted\)" "\(redacted\)"$`,
		`"SELECT" "1"$`,
	} {
		db := "0"
		if i == 3 {
			db = "1"
		}
		if !regexp.MustCompile(strings.Replace(prefix, "%s", db, 1) + want).MatchString(lines[i]) {
			t.Errorf("MONITOR line %d = %q, want %s", i, lines[i], want)
		}
	}
}

func TestShutdown(t *testing.T) {
	s, addr := startTestServer(t, nil)
	c := dialTest(t, addr)
	for _, tc := range []struct{ args, want string }{
		{"SHUTDOWN FOO", "-ERR syntax error"},
		{"SHUTDOWN SAVE NOSAVE", "-ERR syntax error"},
		{"SHUTDOWN ABORT NOW", "-ERR syntax error"},
		{"SHUTDOWN ABORT", "-ERR No shutdown in progress."},
	} {
		if got := c.do(strings.Fields(tc.args)...); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.args, got, tc.want)
		}
	}
	// A failing shutdown hook (a save that fails) keeps the server up, unless FORCE.
	fail := make(chan struct{})
	s.Submit(func() {
		s.shutdownHooks = append(s.shutdownHooks, func(nosave, save bool) error {
			if !nosave {
				return errTest
			}
			return nil
		})
		close(fail)
	})
	<-fail
	if got := c.do("SHUTDOWN"); got != "-ERR Errors trying to SHUTDOWN. Check logs." {
		t.Errorf("SHUTDOWN with a failing save = %s", got)
	}
	c.raw("*2\r\n$8\r\nSHUTDOWN\r\n$5\r\nFORCE\r\n")
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SHUTDOWN FORCE did not stop the server")
	}
	expectClosed(t, c)
}

type testError string

func (e testError) Error() string { return string(e) }

const errTest = testError("save failed")

// TestLatencyDoctorFastCommand: the report redis-server 7.0 gave for one 95 ms
// fast-command spike (a huge MGET) with latency-monitor-threshold 1.
func TestLatencyDoctorFastCommand(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.cfg.LatencyMonitorThreshold = 1
	now := time.Now().Unix()
	s.latency["fast-command"] = &latencySeries{max: 95, samples: []latencySample{{now, 95}}}
	want := "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n" +
		"1. fast-command: 1 latency spikes (average 95ms, mean deviation 0ms, period 1.00 sec). Worst all time event 95ms.\n\n" +
		"I have a few advices for you:\n\n" +
		"- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n" +
		"  1) Lower the system load.\n" +
		"  2) Use a computer / VM just for Redis if you are running other software in the same system.\n" +
		"  3) Check if you have a \"noisy neighbour\" problem.\n" +
		"  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
		"  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n"
	if got := s.latencyReport(); got != want {
		t.Errorf("report:\n%s\nwant:\n%s", got, want)
	}
}
