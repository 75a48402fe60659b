package engine

// Tests of CLIENT: the exact CLIENT LIST line layout, KILL in both forms, PAUSE and
// UNPAUSE, REPLY ON/OFF/SKIP, names.

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// clientLineRE is a CLIENT LIST line as Redis 7.0 writes it, field by field.
var clientLineRE = regexp.MustCompile(`^id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name=\S* age=\d+ idle=\d+ ` +
	`flags=[A-Za-z]+ db=\d+ sub=\d+ psub=\d+ ssub=\d+ multi=-?\d+ qbuf=\d+ qbuf-free=\d+ argv-mem=\d+ multi-mem=\d+ ` +
	`rbs=\d+ rbp=\d+ obl=\d+ oll=\d+ omem=\d+ tot-mem=\d+ events=r?w? cmd=\S+ user=\S+ redir=-?\d+ resp=[23]$`)

func TestClientList(t *testing.T) {
	_, addr := startTestServer(t, nil)
	a := dialTest(t, addr)
	b := dialTest(t, addr)
	a.do("CLIENT", "SETNAME", "alpha")
	b.do("SELECT", "3")
	b.do("HELLO", "3")
	list := a.do("CLIENT", "LIST")
	lines := strings.Split(strings.TrimSuffix(list, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("CLIENT LIST: %d lines:\n%s", len(lines), list)
	}
	for _, l := range lines {
		if !clientLineRE.MatchString(l) {
			t.Errorf("line does not have Redis's layout:\n%s", l)
		}
	}
	if !strings.Contains(lines[0], " name=alpha ") || !strings.Contains(lines[0], " cmd=client|list ") ||
		!strings.Contains(lines[0], " flags=N ") || !strings.Contains(lines[0], " argv-mem=10 ") {
		t.Errorf("first client: %s", lines[0])
	}
	if !strings.Contains(lines[1], " db=3 ") || !strings.HasSuffix(lines[1], " resp=3") || !strings.Contains(lines[1], " cmd=hello ") {
		t.Errorf("second client: %s", lines[1])
	}
	id := regexp.MustCompile(`^id=(\d+)`).FindStringSubmatch(lines[1])[1]
	if got := a.do("CLIENT", "LIST", "ID", id, "999999"); !strings.HasPrefix(got, "id="+id+" ") || strings.Count(got, "\n") != 1 {
		t.Errorf("CLIENT LIST ID %s 999999 = %q", id, got)
	}
	for _, tc := range []struct{ args, want string }{
		{"CLIENT LIST TYPE pubsub", ""},
		{"CLIENT LIST TYPE foo", "-ERR Unknown client type 'foo'"},
		{"CLIENT LIST ID x", "-ERR Invalid client ID"},
		{"CLIENT LIST ID 999999", ""},
		{"CLIENT LIST foo", "-ERR syntax error"},
		{"CLIENT LIST TYPE normal x", "-ERR syntax error"},
	} {
		if got := a.do(strings.Fields(tc.args)...); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.args, got, tc.want)
		}
	}
	if got := a.do("CLIENT", "LIST", "TYPE", "normal"); strings.Count(got, "\n") != 2 {
		t.Errorf("CLIENT LIST TYPE normal: %q", got)
	}
	info := a.do("CLIENT", "INFO")
	if !clientLineRE.MatchString(strings.TrimSuffix(info, "\n")) || !strings.Contains(info, " cmd=client|info ") {
		t.Errorf("CLIENT INFO = %q", info)
	}
	if got := b.do("CLIENT", "INFO"); !strings.HasPrefix(got, "txt:id=") || !strings.HasSuffix(got, " resp=3\n") {
		t.Errorf("CLIENT INFO over RESP3 = %q", got)
	}
}

func TestClientNames(t *testing.T) {
	_, addr := startTestServer(t, nil)
	c := dialTest(t, addr)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"CLIENT", "GETNAME"}, "(nil)"},
		{[]string{"CLIENT", "SETNAME", "foo"}, "OK"},
		{[]string{"CLIENT", "GETNAME"}, "foo"},
		{[]string{"CLIENT", "SETNAME", "a b"}, "-ERR Client names cannot contain spaces, newlines or special characters."},
		{[]string{"CLIENT", "SETNAME", "a\nb"}, "-ERR Client names cannot contain spaces, newlines or special characters."},
		{[]string{"CLIENT", "GETNAME"}, "foo"},
		{[]string{"CLIENT", "SETNAME", ""}, "OK"},
		{[]string{"CLIENT", "GETNAME"}, "(nil)"},
		{[]string{"CLIENT", "SETNAME"}, "-ERR wrong number of arguments for 'client|setname' command"},
		{[]string{"CLIENT", "ID", "x"}, "-ERR wrong number of arguments for 'client|id' command"},
		{[]string{"CLIENT"}, "-ERR wrong number of arguments for 'client' command"},
		{[]string{"CLIENT", "SETINFO", "lib-name", "x"}, "-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP."},
		{[]string{"CLIENT", "NO-EVICT", "on"}, "OK"},
		{[]string{"CLIENT", "NO-EVICT", "maybe"}, "-ERR syntax error"},
	} {
		if got := c.do(tc.args...); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.args, got, tc.want)
		}
	}
	if got := c.do("CLIENT", "INFO"); !strings.Contains(got, " flags=e ") {
		t.Errorf("NO-EVICT flag not shown: %s", got)
	}
	if id := c.do("CLIENT", "ID"); !regexp.MustCompile(`^:\d+$`).MatchString(id) {
		t.Errorf("CLIENT ID = %s", id)
	}
}

func clientID(t *testing.T, c *testConn) string {
	t.Helper()
	return strings.TrimPrefix(c.do("CLIENT", "ID"), ":")
}

func TestClientKill(t *testing.T) {
	_, addr := startTestServer(t, nil)
	a := dialTest(t, addr)
	b := dialTest(t, addr)
	bid := clientID(t, b)
	for _, tc := range []struct{ args, want string }{
		{"CLIENT KILL 1.2.3.4:5", "-ERR No such client"},
		{"CLIENT KILL ID 0", "-ERR client-id should be greater than 0"},
		{"CLIENT KILL ID x", "-ERR client-id should be greater than 0"},
		{"CLIENT KILL TYPE foo", "-ERR Unknown client type 'foo'"},
		{"CLIENT KILL USER nobody", "-ERR No such user 'nobody'"},
		{"CLIENT KILL SKIPME maybe", "-ERR syntax error"},
		{"CLIENT KILL FOO bar", "-ERR syntax error"},
		{"CLIENT KILL ID 1 TYPE", "-ERR syntax error"},
		{"CLIENT KILL ID 999999", ":0"},
		{"CLIENT KILL TYPE master", ":0"},
		{"CLIENT KILL", "-ERR wrong number of arguments for 'client|kill' command"},
	} {
		if got := a.do(strings.Fields(tc.args)...); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.args, got, tc.want)
		}
	}
	// New form by id: the victim's connection is closed.
	if got := a.do("CLIENT", "KILL", "ID", bid); got != ":1" {
		t.Fatalf("CLIENT KILL ID %s = %s", bid, got)
	}
	expectClosed(t, b)

	// Old form by address.
	c := dialTest(t, addr)
	c.do("PING") // accepted by now
	caddr := c.c.LocalAddr().String()
	if got := a.do("CLIENT", "KILL", caddr); got != "OK" {
		t.Fatalf("CLIENT KILL %s = %s", caddr, got)
	}
	expectClosed(t, c)

	// SKIPME yes (the default) spares the caller; SKIPME no kills it after the reply.
	d := dialTest(t, addr)
	d.do("PING")
	if got := a.do("CLIENT", "KILL", "TYPE", "normal"); got != ":1" {
		t.Errorf("CLIENT KILL TYPE normal = %s", got)
	}
	expectClosed(t, d)
	if got := a.do("CLIENT", "KILL", "USER", "default", "SKIPME", "no"); got != ":1" {
		t.Errorf("CLIENT KILL USER default SKIPME no = %s", got)
	}
	expectClosed(t, a)
}

func expectClosed(t *testing.T, c *testConn) {
	t.Helper()
	c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var buf [64]byte
	if n, err := c.c.Read(buf[:]); err == nil {
		t.Errorf("connection still open, read %q", buf[:n])
	}
}

func TestClientPause(t *testing.T) {
	_, addr := startTestServer(t, nil)
	a := dialTest(t, addr)
	b := dialTest(t, addr)
	for _, tc := range []struct{ args, want string }{
		{"CLIENT PAUSE x", "-ERR timeout is not an integer or out of range"},
		{"CLIENT PAUSE -1", "-ERR timeout is negative"},
		{"CLIENT PAUSE 10 foo", "-ERR CLIENT PAUSE mode must be WRITE or ALL"},
		{"CLIENT PAUSE 10 all x", "-ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP."},
		{"CLIENT UNPAUSE x", "-ERR wrong number of arguments for 'client|unpause' command"},
	} {
		if got := a.do(strings.Fields(tc.args)...); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.args, got, tc.want)
		}
	}
	// PAUSE ALL holds every command, CLIENT UNPAUSE included (as in Redis), until
	// the timeout.
	if got := a.do("CLIENT", "PAUSE", "300"); got != "OK" {
		t.Fatalf("CLIENT PAUSE = %s", got)
	}
	start := time.Now()
	b.raw("*1\r\n$4\r\nPING\r\n")
	b.c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	var buf [16]byte
	if n, err := b.c.Read(buf[:]); err == nil {
		t.Fatalf("paused client got a reply: %q", buf[:n])
	}
	b.c.SetReadDeadline(time.Time{})
	if got := b.read(); got != "PONG" || time.Since(start) < 250*time.Millisecond {
		t.Errorf("after the pause: %s after %v", got, time.Since(start))
	}
	// PAUSE WRITE lets reads and CLIENT UNPAUSE through and holds writes.
	a.do("CLIENT", "PAUSE", "100000", "WRITE")
	if got := b.do("PING"); got != "PONG" {
		t.Errorf("PING during PAUSE WRITE: %s", got)
	}
	b.raw("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")
	b.c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := b.c.Read(buf[:]); err == nil {
		t.Fatalf("write during PAUSE WRITE got a reply: %q", buf[:n])
	}
	b.c.SetReadDeadline(time.Time{})
	if got := dialTest(t, addr).do("CLIENT", "UNPAUSE"); got != "OK" {
		t.Fatalf("CLIENT UNPAUSE = %s", got)
	}
	if got := b.read(); got != "OK" {
		t.Errorf("SET after UNPAUSE: %s", got)
	}
}

func TestClientReply(t *testing.T) {
	_, addr := startTestServer(t, nil)
	c := dialTest(t, addr)
	if got := c.do("CLIENT", "REPLY", "foo"); got != "-ERR syntax error" {
		t.Errorf("CLIENT REPLY foo = %s", got)
	}
	// SKIP drops the next reply only; OFF drops all until ON, which replies OK.
	c.raw("*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n")
	c.raw("*2\r\n$4\r\nECHO\r\n$1\r\na\r\n")
	c.raw("*2\r\n$4\r\nECHO\r\n$1\r\nb\r\n")
	if got := c.read(); got != "b" {
		t.Errorf("after SKIP: %s, want b", got)
	}
	c.raw("*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$3\r\nOFF\r\n")
	c.raw("*2\r\n$4\r\nECHO\r\n$1\r\nc\r\n")
	c.raw("*1\r\n$3\r\nGET\r\n") // rejected (arity): its error is dropped too
	c.raw("*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$2\r\nON\r\n")
	if got := c.read(); got != "OK" {
		t.Errorf("after OFF then ON: %s, want OK", got)
	}
	if got := c.do("ECHO", "d"); got != "d" {
		t.Errorf("after ON: %s", got)
	}
	// SKIP applies to the next command even when it is rejected.
	c.raw("*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n")
	c.raw("*1\r\n$3\r\nGET\r\n")
	if got := c.do("ECHO", "e"); got != "e" {
		t.Errorf("after SKIP and a rejected command: %s, want e", got)
	}
}

func TestMultibulkLen(t *testing.T) {
	argv := [][]byte{[]byte("client"), []byte("list")}
	if got, want := multibulkLen(argv), len("*2\r\n$6\r\nclient\r\n$4\r\nlist\r\n"); got != want {
		t.Errorf("multibulkLen = %d, want %d", got, want)
	}
	big := [][]byte{make([]byte, 12345)}
	if got, want := multibulkLen(big), len("*1\r\n$12345\r\n")+12345+2; got != want {
		t.Errorf("multibulkLen = %d, want %d", got, want)
	}
}
