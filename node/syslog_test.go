package node

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// syslogLine is one datagram as glibc's syslog(3) frames it:
// "<pri>Mmm dd hh:mm:ss tag: message", the tag "ident[pid]" after openlog or the
// program's name before it.
var syslogLine = regexp.MustCompile(`(?s)^<(\d+)>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} ([^\[: ]+)(?:\[(\d+)\])?: (.*)$`)

// syslogSummary is what a server sent to syslog: for each message, its priority and
// tag with the program's name and the pid generalised, so that redis-server's and
// keygrid's compare.
type syslogSummary struct {
	byMsg map[string]string // message -> "pri tag"
	msgs  []string          // the single-line messages, sorted
}

func summariseSyslog(t *testing.T, dgrams []string, prog string, pid int) syslogSummary {
	t.Helper()
	s := syslogSummary{byMsg: map[string]string{}}
	for _, d := range dgrams {
		m := syslogLine.FindStringSubmatch(d)
		if m == nil {
			t.Errorf("%s: not a syslog(3) datagram: %q", prog, d)
			continue
		}
		tag := m[2]
		switch {
		case tag == prog && m[3] == "":
			tag = "PROG"
		case m[3] == strconv.Itoa(pid):
			tag += "[PID]"
		default:
			tag += "[" + m[3] + "]"
		}
		s.byMsg[m[4]] = m[1] + " " + tag
		if !strings.Contains(m[4], "\n") {
			s.msgs = append(s.msgs, m[4])
		}
	}
	slices.Sort(s.msgs)
	return s
}

// TestSyslogVsRedis: with syslog-enabled, every line of the log also goes to the
// local syslog daemon as redis-server sends it: the message alone, at the syslog
// severity of its level, with the facility and ident set, the pid, and the start-up
// lines logged before redis-server's openlog under the program's name as LOG_USER;
// loglevel filters both; a signal handler's line goes to the log file only.
func TestSyslogVsRedis(t *testing.T) {
	sides := initSides(t)
	read := testutil.SyslogDaemon(t)
	anchors := []string{"Configuration loaded", "Server initialized", "Ready to accept connections",
		"User requested shutdown...", "is now ready to exit, bye bye..."}
	var got [2]map[string]string
	for i, side := range sides {
		prog := filepath.Base(side.argv[0])
		// 1: verbose, SHUTDOWN from a client.
		before := len(read())
		cmd, dir, port := startInit(t, side, nil, "--syslog-enabled", "yes", "--syslog-ident", "kgtest",
			"--syslog-facility", "local3", "--loglevel", "verbose")
		c := waitPing(t, port)
		cfg, _ := c.Do("CONFIG", "GET", "syslog-*")
		if want := "*6\r\n$14\r\nsyslog-enabled\r\n$3\r\nyes\r\n$12\r\nsyslog-ident\r\n$6\r\nkgtest\r\n$15\r\nsyslog-facility\r\n$6\r\nlocal3\r\n"; !sameConfigPairs(string(cfg), want) {
			t.Errorf("%s: CONFIG GET syslog-* = %q", side.name, cfg)
		}
		c.Do("SHUTDOWN", "NOSAVE")
		cmd.Wait()
		time.Sleep(100 * time.Millisecond) // the last datagrams
		sum := summariseSyslog(t, read()[before:], prog, cmd.Process.Pid)
		got[i] = map[string]string{}
		for _, a := range anchors {
			for m, v := range sum.byMsg {
				if strings.Contains(m, a) {
					got[i][a] = v
				}
			}
			if got[i][a] == "" {
				t.Errorf("%s: no %q in syslog: %q", side.name, a, sum.msgs)
			}
		}
		for m, v := range sum.byMsg {
			if strings.HasPrefix(m, "Accepted 127.0.0.1:") {
				got[i]["Accepted"] = v
			}
		}
		// The same lines as the log file (the ones of one line: the file is read by lines).
		var file []string
		for _, l := range logLines(t, dir) {
			file = append(file, l[2:])
		}
		slices.Sort(file)
		if !slices.Equal(file, sum.msgs) {
			t.Errorf("%s: the log file's lines and syslog's differ:\nfile   %q\nsyslog %q", side.name, file, sum.msgs)
		}

		// 2: loglevel warning, SIGTERM: only warnings, and not the signal's line.
		before = len(read())
		cmd, dir, port = startInit(t, side, nil, "--syslog-enabled", "yes", "--loglevel", "warning")
		waitPing(t, port)
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		time.Sleep(100 * time.Millisecond)
		sum = summariseSyslog(t, read()[before:], prog, cmd.Process.Pid)
		var sevs []string
		for m, v := range sum.byMsg {
			if strings.Contains(m, "SIGTERM") {
				t.Errorf("%s: the signal handler's line went to syslog: %q", side.name, m)
			}
			pri, _ := strconv.Atoi(strings.Fields(v)[0])
			sevs = append(sevs, fmt.Sprint(pri&7))
			if tag := strings.Fields(v)[1]; tag != "PROG" && tag != "redis[PID]" {
				t.Errorf("%s: %q sent as %q (want the default ident redis)", side.name, m, v)
			}
			if pri>>3 != 1 && pri>>3 != 16 {
				t.Errorf("%s: %q sent with facility %d (want local0, or user before openlog)", side.name, m, pri>>3)
			}
		}
		if !slices.ContainsFunc(logLines(t, dir), func(l string) bool { return strings.Contains(l, "signal-handler Received SIGTERM") }) {
			t.Errorf("%s: no SIGTERM line in the log file", side.name)
		}
		slices.Sort(sevs)
		if len(sevs) == 0 || sevs[0] != "4" || sevs[len(sevs)-1] != "4" {
			t.Errorf("%s: loglevel warning sent severities %v", side.name, sevs)
		}
	}
	// Redis's own framing, as this test expects it.
	want := map[string]string{"Configuration loaded": "12 PROG", "Server initialized": "156 kgtest[PID]",
		"Ready to accept connections": "157 kgtest[PID]", "Accepted": "158 kgtest[PID]",
		"User requested shutdown...": "156 kgtest[PID]", "is now ready to exit, bye bye...": "156 kgtest[PID]"}
	for k, v := range want {
		if got[0][k] != v {
			t.Errorf("redis-server sent %q as %q, this test expects %q", k, got[0][k], v)
		}
		if got[1][k] != got[0][k] {
			t.Errorf("%q: redis-server %q, keygrid %q", k, got[0][k], got[1][k])
		}
	}
}

// sameConfigPairs compares two CONFIG GET replies as sets of pairs.
func sameConfigPairs(a, b string) bool {
	pairs := func(s string) []string {
		f := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
		if len(f) == 0 {
			return nil
		}
		f = f[1:]
		var out []string
		for i := 0; i+3 < len(f); i += 4 {
			out = append(out, f[i+1]+"="+f[i+3])
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(pairs(a), pairs(b))
}
