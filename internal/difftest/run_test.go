package difftest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests run the harness against two fake servers, to check what it reports
// when replies differ, without needing redis-server.

// fakeServer answers each command (a RESP array of bulk strings) with reply(args);
// a nil reply means no answer.
func fakeServer(t *testing.T, reply func(args []string) []byte) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				r := bufio.NewReader(nc)
				for {
					args, err := readCommand(r)
					if err != nil {
						return
					}
					if b := reply(args); b != nil {
						nc.Write(b)
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

func readCommand(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "*")))
	if err != nil {
		return nil, err
	}
	args := make([]string, n)
	for i := range args {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		size, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "$")))
		if err != nil {
			return nil, err
		}
		b := make([]byte, size+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		args[i] = string(b[:size])
	}
	return args, nil
}

// recorder is a testing.TB that keeps what the harness reports.
type recorder struct {
	testing.TB
	errors []string
	fatal  string
}

var errFatal = errors.New("fatal")

func (r *recorder) Helper()             {}
func (r *recorder) Logf(string, ...any) {}
func (r *recorder) Errorf(f string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(f, args...))
}
func (r *recorder) Fatalf(f string, args ...any) {
	r.fatal = fmt.Sprintf(f, args...)
	panic(errFatal)
}

func runFake(t *testing.T, script string, ref, got func([]string) []byte, opts Options) *recorder {
	t.Helper()
	sc, err := ParseScript("testdata/x.txt", []byte(script))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{TB: t}
	func() {
		defer func() {
			if p := recover(); p != nil && p != errFatal {
				panic(p)
			}
		}()
		Run(rec, sc, Side{"ref", fakeServer(t, ref)}, Side{"sut", fakeServer(t, got)}, opts)
	}()
	return rec
}

// answer replies +OK to everything except the commands in m.
func answer(m map[string]string) func([]string) []byte {
	return func(args []string) []byte {
		if r, ok := m[strings.Join(args, " ")]; ok {
			if r == "" {
				return nil
			}
			return []byte(r)
		}
		return []byte("+OK\r\n")
	}
}

func TestRunReportsMismatches(t *testing.T) {
	ref := answer(map[string]string{"GET k": "$1\r\nv\r\n", "KEYS *": "*2\r\n$1\r\na\r\n$1\r\nb\r\n"})
	got := answer(map[string]string{"GET k": "$1\r\nw\r\n", "KEYS *": "*2\r\n$1\r\nb\r\n$1\r\na\r\n"})
	rec := runFake(t, "SET k v\nGET k\n!ignore GET k\n!type GET k\n!sort KEYS *\nKEYS *\n", ref, got, Options{})
	if rec.fatal != "" {
		t.Fatal(rec.fatal)
	}
	if len(rec.errors) != 2 {
		t.Fatalf("%d errors, want 2:\n%s", len(rec.errors), strings.Join(rec.errors, "\n"))
	}
	for _, want := range []string{"testdata/x.txt:2: GET k", `ref:       "$1\r\nv\r\n"`, `sut:       "$1\r\nw\r\n"`, "from byte 4"} {
		if !strings.Contains(rec.errors[0], want) {
			t.Errorf("report lacks %q:\n%s", want, rec.errors[0])
		}
	}
	if !strings.HasPrefix(rec.errors[1], "testdata/x.txt:6: KEYS *") {
		t.Errorf("second report: %s", rec.errors[1])
	}
}

// A side that does not answer is reported, the connections are reopened, and the
// script goes on; too many such failures end it.
func TestRunTimeouts(t *testing.T) {
	ref := answer(nil)
	got := answer(map[string]string{"SLOW": ""})
	rec := runFake(t, "SLOW\nPING\n", ref, got, Options{ReplyTimeout: 50 * time.Millisecond})
	if rec.fatal != "" || len(rec.errors) != 1 {
		t.Fatalf("fatal %q, errors %q", rec.fatal, rec.errors)
	}
	if !strings.Contains(rec.errors[0], "sut:       error:") || !strings.Contains(rec.errors[0], "reopened") {
		t.Errorf("report: %s", rec.errors[0])
	}

	rec = runFake(t, strings.Repeat("SLOW\n", maxIOFailures+3), ref, got, Options{ReplyTimeout: 20 * time.Millisecond})
	if len(rec.errors) != maxIOFailures || !strings.Contains(rec.fatal, "giving up") {
		t.Errorf("%d errors, fatal %q", len(rec.errors), rec.fatal)
	}
}

func TestRunNoReply(t *testing.T) {
	rec := runFake(t, "!send SET k v\n!noreply 30ms\n!send BLOCK\n!noreply 30ms\n",
		answer(map[string]string{"BLOCK": ""}), answer(map[string]string{"BLOCK": ""}), Options{})
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "x.txt:2: !noreply 30ms") {
		t.Errorf("errors %q", rec.errors)
	}
}

func TestRunScanAll(t *testing.T) {
	// ref returns {a, b} in two pages, sut {b, a} in one: equal. Then sut misses c.
	ref := func(args []string) []byte {
		switch strings.Join(args, " ") {
		case "SCAN 0":
			return []byte("*2\r\n$1\r\n7\r\n*1\r\n$1\r\na\r\n")
		case "SCAN 7":
			return []byte("*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\nc\r\n")
		}
		return []byte("+OK\r\n")
	}
	got := answer(map[string]string{"SCAN 0": "*2\r\n$1\r\n0\r\n*3\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\na\r\n"})
	rec := runFake(t, "!scanall SCAN 0\n", ref, got, Options{})
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], `only on ref: "$1\r\nc\r\n"`) {
		t.Errorf("errors %q", rec.errors)
	}
}
