package cli

import (
	"bytes"
	"testing"

	"github.com/keygrid/keygrid/engine/resp"
)

// These outputs are Debian's redis-cli 7.0.15's for the same replies (the
// differential tests compare with it directly where it is installed).
func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		raw      string
		tty, out string
	}{
		{"+OK\r\n", "OK\n", "OK\n"},
		{"-ERR bad\r\n", "(error) ERR bad\n", "ERR bad\n\n"},
		{":-3\r\n", "(integer) -3\n", "-3\n"},
		{"$-1\r\n", "(nil)\n", "\n"},
		{"_\r\n", "(nil)\n", "\n"},
		{"$0\r\n\r\n", "\"\"\n", "\n"},
		{"$12\r\na\"\\\n\x00\xc3\xa9\x7f\t\a\b\r\r\n", "\"a\\\"\\\\\\n\\x00\\xc3\\xa9\\x7f\\t\\a\\b\\r\"\n", "a\"\\\n\x00\xc3\xa9\x7f\t\a\b\r\n"},
		{",1.5\r\n", "(double) 1.5\n", "1.5\n"},
		{"#t\r\n", "(true)\n", "(true)\n"},
		{"=15\r\ntxt:Some string\r\n", "Some string\n", "Some string\n"},
		{"*0\r\n", "(empty array)\n", "\n"},
		{"%0\r\n", "(empty hash)\n", "\n"},
		{"~0\r\n", "(empty set)\n", "\n"},
		{"*2\r\n:1\r\n*2\r\n$1\r\na\r\n*0\r\n", "1) (integer) 1\n2) 1) \"a\"\n   2) (empty array)\n", "1\na\n\n"},
		{"~1\r\n:7\r\n", "1~ (integer) 7\n", "7\n"},
		{"%2\r\n$1\r\nk\r\n*2\r\n:1\r\n:2\r\n$1\r\nj\r\n*1\r\n:3\r\n",
			"1# \"k\" => \n   1) (integer) 1\n   2) (integer) 2\n2# \"j\" => 1) (integer) 3\n", "k 1\n2\nj 3\n"},
		{"*10\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n:6\r\n:7\r\n:8\r\n:9\r\n*1\r\n:10\r\n",
			" 1) (integer) 1\n 2) (integer) 2\n 3) (integer) 3\n 4) (integer) 4\n 5) (integer) 5\n" +
				" 6) (integer) 6\n 7) (integer) 7\n 8) (integer) 8\n 9) (integer) 9\n10) 1) (integer) 10\n",
			"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n"},
	} {
		v, err := resp.ParseReply([]byte(tc.raw))
		if err != nil {
			t.Fatalf("%q: %v", tc.raw, err)
		}
		var b bytes.Buffer
		if err := formatTTY(&b, v, ""); err != nil || b.String() != tc.tty {
			t.Errorf("%q human: %q %v, want %q", tc.raw, b.String(), err, tc.tty)
		}
		b.Reset()
		if err := formatRaw(&b, v, "\n"); err != nil || b.String()+"\n" != tc.out {
			t.Errorf("%q raw: %q %v, want %q", tc.raw, b.String()+"\n", err, tc.out)
		}
	}
	v, _ := resp.ParseReply([]byte("(12345678901234567890\r\n"))
	var b bytes.Buffer
	if err := formatTTY(&b, v, ""); err == nil || err.Error() != "Unknown reply type: 13" {
		t.Errorf("big number: %v, want redis-cli's unknown type 13", err)
	}
}

func TestParseURI(t *testing.T) {
	for _, tc := range []struct {
		uri              string
		host, user, auth string
		port, db         int
		hasUser, hasAuth bool
	}{
		{uri: "redis://", host: "127.0.0.1", port: 6379},
		{uri: "redis://h", host: "h", port: 6379},
		{uri: "redis://h:7000/3", host: "h", port: 7000, db: 3},
		{uri: "REDIS://pw@h", host: "h", port: 6379, auth: "pw", hasAuth: true},
		{uri: "redis://:p%40w@h:1", host: "h", port: 1, auth: "p@w", hasAuth: true, hasUser: true},
		{uri: "redis://u:p@/2", host: "127.0.0.1", port: 6379, db: 2, user: "u", auth: "p", hasUser: true, hasAuth: true},
	} {
		c := config{host: "127.0.0.1", port: 6379}
		if err := parseURI(&c, tc.uri, &bytes.Buffer{}); err != nil {
			t.Errorf("%s: %v", tc.uri, err)
			continue
		}
		if c.host != tc.host || c.port != tc.port || c.db != tc.db || c.user != tc.user || c.auth != tc.auth ||
			c.hasUser != tc.hasUser || c.hasAuth != tc.hasAuth {
			t.Errorf("%s: %+v", tc.uri, c)
		}
	}
}

func TestSplitLine(t *testing.T) {
	got, ok := splitLine(`set "a\x41\n b" 'it\'s' plain`)
	if !ok || len(got) != 4 || got[1] != "aA\n b" || got[2] != "it's" || got[3] != "plain" {
		t.Errorf("%q %v", got, ok)
	}
	if _, ok := splitLine(`get "unbalanced`); ok {
		t.Error("unbalanced quotes accepted")
	}
	if _, ok := splitLine(`get "a"b`); ok {
		t.Error("a closing quote followed by a letter accepted")
	}
}
