package sentinel

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// TestSentinelSyslogVsRedis: a sentinel with syslog-enabled sends its log to the local
// syslog daemon as redis-sentinel does: the start-up lines before openlog under the
// program's name as LOG_USER, the rest as ident[pid] with the facility set, the
// signal handler's line to the log file only. A bad facility is refused.
func TestSentinelSyslogVsRedis(t *testing.T) {
	sides := sentinelSides(t)
	read := testutil.SyslogDaemon(t)
	frame := regexp.MustCompile(`(?s)^<(\d+)>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} ([^\[: ]+)(\[\d+\])?: (.*)$`)
	var got [2]map[string]string
	for i, side := range sides {
		dir := t.TempDir()
		port := testutil.FreePort(t)
		conf := filepath.Join(dir, "sentinel.conf")
		os.WriteFile(conf, []byte("port "+strconv.Itoa(port)+"\nbind 127.0.0.1\ndir "+dir+
			"\nlogfile "+filepath.Join(dir, "log")+"\nsyslog-enabled yes\nsyslog-ident stest\nsyslog-facility local5\n"+
			"sentinel monitor m 127.0.0.1 1 2\n"), 0o644)
		before := len(read())
		cmd := exec.Command(side.argv[0], append(side.argv[1:], conf)...)
		cmd.Env = supervisorFreeEnv()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		testutil.WaitFor(t, 20*time.Second, func() bool { return sentinelPing(port) }, side.name+": no PONG")
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		time.Sleep(100 * time.Millisecond)
		got[i] = map[string]string{}
		prog := filepath.Base(side.argv[0])
		for _, d := range read()[before:] {
			m := frame.FindStringSubmatch(d)
			if m == nil {
				t.Errorf("%s: not a syslog(3) datagram: %q", side.name, d)
				continue
			}
			tag := m[2]
			if tag == prog && m[3] == "" {
				tag = "PROG"
			} else if m[3] == "["+strconv.Itoa(cmd.Process.Pid)+"]" {
				tag += "[PID]"
			}
			for _, anchor := range []string{"Configuration loaded", "Sentinel ID is", "+monitor master m",
				"User requested shutdown...", "Sentinel is now ready to exit, bye bye...", "SIGTERM"} {
				if strings.Contains(m[4], anchor) {
					got[i][anchor] = m[1] + " " + tag
				}
			}
		}
		if log, _ := os.ReadFile(filepath.Join(dir, "log")); !strings.Contains(string(log), "Received SIGTERM") {
			t.Errorf("%s: no SIGTERM line in the log file", side.name)
		}
	}
	want := map[string]string{"Configuration loaded": "12 PROG", "Sentinel ID is": "172 stest[PID]",
		"+monitor master m": "172 stest[PID]", "User requested shutdown...": "172 stest[PID]",
		"Sentinel is now ready to exit, bye bye...": "172 stest[PID]"}
	for k, v := range want {
		if got[0][k] != v {
			t.Errorf("redis-sentinel sent %q as %q, this test expects %q", k, got[0][k], v)
		}
		if got[1][k] != got[0][k] {
			t.Errorf("%q: redis-sentinel %q, keygrid %q", k, got[0][k], got[1][k])
		}
	}
	if len(got[0]) != len(want) || len(got[1]) != len(want) {
		t.Errorf("more lines than expected (the signal's?): redis-sentinel %q, keygrid %q", got[0], got[1])
	}

	// A facility syslog does not have.
	for _, side := range sides {
		dir := t.TempDir()
		conf := filepath.Join(dir, "sentinel.conf")
		os.WriteFile(conf, []byte("syslog-facility local9\nsentinel monitor m 127.0.0.1 1 2\n"), 0o644)
		cmd := exec.Command(side.argv[0], append(side.argv[1:], conf)...)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "argument(s) must be one of the following: user, local0, local1, local2, local3, local4, local5, local6, local7") {
			t.Errorf("%s with syslog-facility local9: %v %s", side.name, err, out)
		}
	}
}
