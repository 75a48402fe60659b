package engine

// Serving clients during a load, against redis-server 7.0: both open their sockets
// before loading, refuse what lacks the loading flag with the same bytes, answer
// INFO with loading:1 and the same loading_* fields, and serve everything after.

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// loadProbe is what a client saw while a server was loading.
type loadProbe struct {
	ping, get, echo, dbsize string
	multiGet, exec          string
	info                    string // INFO persistence
	err                     error
}

// probeDuringLoad connects to addr as soon as it accepts, while the server loads,
// and sends a few commands; the result arrives on the channel.
func probeDuringLoad(addr string) <-chan loadProbe {
	ch := make(chan loadProbe, 1)
	go func() {
		var p loadProbe
		defer func() { ch <- p }()
		deadline := time.Now().Add(60 * time.Second)
		var c *testutil.Conn
		for {
			var err error
			if c, err = testutil.Dial(addr); err == nil {
				break
			}
			if time.Now().After(deadline) {
				p.err = err
				return
			}
			time.Sleep(time.Millisecond) // polling for the listener, not synchronising
		}
		defer c.Close()
		c.SetTimeout(30 * time.Second)
		do := func(dst *string, args ...string) {
			if p.err != nil {
				return
			}
			var raw []byte
			raw, p.err = c.Do(args...)
			*dst = string(raw)
		}
		do(&p.ping, "PING")
		do(&p.get, "GET", "key:1")
		do(&p.echo, "ECHO", "x")
		do(&p.dbsize, "DBSIZE")
		var ok string
		do(&ok, "MULTI")
		do(&p.multiGet, "GET", "key:1")
		do(&p.exec, "EXEC")
		do(&p.info, "INFO", "persistence")
	}()
	return ch
}

// infoFields returns the field names of an INFO reply, in order, and the values.
func infoFields(raw string) ([]string, map[string]string) {
	var names []string
	vals := map[string]string{}
	for _, line := range strings.Split(raw, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "$") {
			names = append(names, k)
			vals[k] = v
		}
	}
	return names, vals
}

func mustDo(t *testing.T, c *testutil.Conn, args ...string) string {
	t.Helper()
	raw, err := c.Do(args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return string(raw)
}

const loadingReply = "-LOADING Redis is loading the dataset in memory\r\n"

// checkLoadProbe checks what a client saw during a load.
func checkLoadProbe(t *testing.T, name string, p loadProbe) []string {
	t.Helper()
	if p.err != nil {
		t.Fatalf("%s: probe: %v", name, p.err)
	}
	for what, got := range map[string]string{"PING": p.ping, "GET": p.get, "DBSIZE": p.dbsize, "GET in MULTI": p.multiGet} {
		if got != loadingReply {
			t.Errorf("%s: %s during the load: %q, want %q", name, what, got, loadingReply)
		}
	}
	if p.echo != "$1\r\nx\r\n" { // ECHO has the loading flag
		t.Errorf("%s: ECHO during the load: %q", name, p.echo)
	}
	if want := "-EXECABORT Transaction discarded because of previous errors.\r\n"; p.exec != want {
		t.Errorf("%s: EXEC: %q, want %q", name, p.exec, want)
	}
	names, vals := infoFields(p.info)
	if vals["loading"] != "1" {
		t.Errorf("%s: INFO persistence during the load: loading:%s\n%s", name, vals["loading"], p.info)
	}
	if vals["loading_total_bytes"] == "" || vals["loading_total_bytes"] == "0" {
		t.Errorf("%s: loading_total_bytes %q", name, vals["loading_total_bytes"])
	}
	return names
}

// A 1M-key dump written by redis-server: redis-server and keygrid each restart on
// it; a client connecting during the load gets the same replies from both.
func TestLoadingServesClientsRDB(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and loads a 1M-key dump")
	}
	const keys = "1000000"
	r := testutil.StartRedis(t, "--enable-debug-command", "yes")
	rc := r.Conn(t)
	rc.SetTimeout(120 * time.Second)
	mustDo(t, rc, "DEBUG", "POPULATE", keys, "key", "64")
	if got := mustDo(t, rc, "SAVE"); got != "+OK\r\n" {
		t.Fatalf("SAVE: %q", got)
	}
	dump, err := os.ReadFile(filepath.Join(r.Dir(), "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()

	r.Stop() // first, so that the probe cannot reach the old process
	probeR := probeDuringLoad(r.Addr())
	r.Restart() // returns once PING answers PONG: the load is over
	pr := <-probeR
	redisNames := checkLoadProbe(t, "redis-server", pr)

	k := testutil.StartKeygrid(t, "--enable-debug-command", "yes")
	if err := os.WriteFile(filepath.Join(k.Dir(), "dump.rdb"), dump, 0o644); err != nil {
		t.Fatal(err)
	}
	k.Stop()
	probeK := probeDuringLoad(k.Addr())
	k.Restart()
	pk := <-probeK
	kgNames := checkLoadProbe(t, "keygrid", pk)
	if strings.Join(kgNames, ",") != strings.Join(redisNames, ",") {
		t.Errorf("INFO persistence fields during the load differ:\nkeygrid %v\nredis   %v", kgNames, redisNames)
	}
	_, kv := infoFields(pk.info)
	if kv["loading_rdb_used_mem"] == "0" || kv["loading_total_bytes"] != "0" && kv["loading_total_bytes"] != strconv.Itoa(len(dump)) {
		t.Errorf("keygrid loading fields: used_mem %s total %s (file %d)", kv["loading_rdb_used_mem"], kv["loading_total_bytes"], len(dump))
	}

	// After the load everything serves, the same data as Redis's.
	kc := k.Conn(t)
	if got := mustDo(t, kc, "DBSIZE"); got != ":"+keys+"\r\n" {
		t.Errorf("keygrid DBSIZE after the load: %q", got)
	}
	rc = r.Conn(t)
	if a, b := mustDo(t, kc, "GET", "key:12345"), mustDo(t, rc, "GET", "key:12345"); a != b {
		t.Errorf("GET after the load: keygrid %q, redis %q", a, b)
	}
	if got := mustDo(t, kc, "INFO", "persistence"); !strings.Contains(got, "loading:0\r\n") || strings.Contains(got, "loading_total_bytes") {
		t.Errorf("INFO persistence after the load:\n%s", got)
	}
	if got := mustDo(t, kc, "PING"); got != "+PONG\r\n" {
		t.Errorf("PING after the load: %q", got)
	}
}

// A multi-part AOF (a base of commands and an incremental file) loads the same way.
func TestLoadingServesClientsAOF(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and loads a big AOF")
	}
	k := testutil.StartKeygrid(t, "--enable-debug-command", "yes", "--appendonly", "yes", "--aof-use-rdb-preamble", "no")
	kc := k.Conn(t)
	kc.SetTimeout(120 * time.Second)
	mustDo(t, kc, "DEBUG", "POPULATE", "300000", "key", "64")
	mustDo(t, kc, "BGREWRITEAOF")
	testutil.WaitFor(t, 120*time.Second, func() bool {
		info := mustDo(t, kc, "INFO", "persistence")
		return strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0")
	}, "BGREWRITEAOF to finish")
	for i := range 3000 {
		mustDo(t, kc, "SET", "incr:"+strconv.Itoa(i), "v")
	}
	kc.Close()
	k.Stop()
	probe := probeDuringLoad(k.Addr())
	k.Restart()
	p := <-probe
	checkLoadProbe(t, "keygrid AOF", p)
	kc = k.Conn(t)
	if got := mustDo(t, kc, "DBSIZE"); got != ":303000\r\n" {
		t.Errorf("DBSIZE after the AOF load: %q", got)
	}
	if got := mustDo(t, kc, "GET", "incr:2999"); got != "$1\r\nv\r\n" {
		t.Errorf("GET incr:2999 after the AOF load: %q", got)
	}
}

// DEBUG RELOAD serves the other clients (-LOADING) while it loads; its caller waits,
// protected, and its pipelined request runs after the reply.
func TestLoadingDebugReload(t *testing.T) {
	if testing.Short() {
		t.Skip("reloads a 1M-key dataset")
	}
	k := testutil.StartKeygrid(t, "--enable-debug-command", "yes")
	a := k.Conn(t)
	a.SetTimeout(120 * time.Second)
	mustDo(t, a, "DEBUG", "POPULATE", "1000000", "key", "64")
	b := k.Conn(t)
	b.SetTimeout(60 * time.Second)
	if err := a.Send([]byte("DEBUG RELOAD\r\nGET key:7\r\n")); err != nil {
		t.Fatal(err)
	}
	// The reload first saves (no events), then loads serving events: poll until the
	// other client sees -LOADING, which must happen before the reload is over.
	sawLoading := false
	deadline := time.Now().Add(60 * time.Second)
	for !sawLoading && time.Now().Before(deadline) {
		got := mustDo(t, b, "PING")
		if got == loadingReply {
			sawLoading = true
			break
		}
		if got != "+PONG\r\n" {
			t.Fatalf("PING during DEBUG RELOAD: %q", got)
		}
		info := mustDo(t, b, "INFO", "persistence")
		if strings.Contains(info, "rdb_last_load_keys_loaded:1000000") {
			break // reloaded already: PONG before and after, never in between
		}
	}
	if got, err := a.ReadReply(); err != nil || string(got) != "+OK\r\n" {
		t.Fatalf("DEBUG RELOAD: %q %v", got, err)
	}
	// DEBUG POPULATE pads the value to the size asked with zero bytes.
	if got, err := a.ReadReply(); err != nil || !strings.HasPrefix(string(got), "$64\r\nvalue:7\x00") {
		t.Fatalf("GET after DEBUG RELOAD: %q %v", got, err)
	}
	if !sawLoading {
		t.Errorf("another client never saw -LOADING during DEBUG RELOAD of 1M keys")
	}
	if got := mustDo(t, b, "DBSIZE"); got != ":1000000\r\n" {
		t.Errorf("DBSIZE after DEBUG RELOAD: %q", got)
	}
}

// SHUTDOWN during the load at start stops the server without saving the partial
// dataset (Redis's prepareForShutdown turns SAVE into NOSAVE while loading).
func TestLoadingShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and loads a 1M-key dump")
	}
	k := testutil.StartKeygrid(t, "--enable-debug-command", "yes", "--save", "3600 1")
	kc := k.Conn(t)
	kc.SetTimeout(120 * time.Second)
	mustDo(t, kc, "DEBUG", "POPULATE", "1000000", "key", "64")
	mustDo(t, kc, "SAVE")
	kc.Close()
	if err := k.Stop(); err != nil { // saves again: save points are set
		t.Fatal(err)
	}
	path := filepath.Join(k.Dir(), "dump.rdb")
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Launched by hand: testutil's Restart would wait for the load to finish.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	l.Close()
	cmd := exec.Command(testutil.BuildKeygrid(t), "server", "--port", port, "--bind", "127.0.0.1",
		"--save", "3600 1", "--appendonly", "no", "--dir", k.Dir())
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		<-exited
	}()
	var c *testutil.Conn
	deadline := time.Now().Add(60 * time.Second)
	for c == nil {
		if c, err = testutil.Dial(addr); err != nil && time.Now().After(deadline) {
			t.Fatalf("no connection: %v\n%s", err, out.String())
		}
		time.Sleep(time.Millisecond) // polling for the listener
	}
	defer c.Close()
	c.SetTimeout(30 * time.Second)
	if got := mustDo(t, c, "PING"); got != loadingReply {
		t.Fatalf("PING at start: %q (the load of 1M keys should still run)", got)
	}
	if err := c.Send([]byte("SHUTDOWN SAVE\r\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err
	case <-time.After(60 * time.Second):
		t.Fatalf("keygrid did not exit after SHUTDOWN during the load\n%s", out.String())
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Errorf("SHUTDOWN SAVE during the load rewrote dump.rdb (%d bytes, was %d)", len(after), len(before))
	}
}
