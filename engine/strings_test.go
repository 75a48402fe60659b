package engine

// Tests of the string commands (strings.go) and the long double arithmetic of
// INCRBYFLOAT (longdouble.go). Most run against an in-process client with no socket
// (strTester), which shows the exact reply bytes, encodings and propagated commands;
// the differential tests at the end compare keygrid with a real redis-server.

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/internal/testutil"
)

// strTester drives a Server through a Client that has no socket, the way the
// benchmarks do: requests go through processCommand, replies accumulate in c.out.
type strTester struct {
	t          testing.TB
	s          *Server
	c          *Client
	propagated []string // commands handed to the propagate hook, space-joined
}

func newStrTester(t testing.TB) *strTester {
	t.Helper()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.cfg.Dir = t.TempDir() // FLUSHALL saves dump.rdb there (default save points)
	st := &strTester{t: t, s: s}
	st.c = &Client{srv: s, fd: -1, id: 1, db: s.dbs[0], proto: 2, flags: flagAuthenticated}
	s.propagate = func(db int, argv [][]byte) {
		parts := make([]string, len(argv))
		for i, a := range argv {
			parts[i] = string(a)
		}
		st.propagated = append(st.propagated, strings.Join(parts, " "))
	}
	return st
}

// raw runs one command and returns the exact reply bytes.
func (st *strTester) raw(args ...string) string {
	st.t.Helper()
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	st.c.out = st.c.out[:0]
	st.c.argv = argv
	st.s.processCommand(st.c)
	st.c.argv = nil
	return string(st.c.out)
}

// do runs one command and returns its reply in a compact form (see fmtReply).
func (st *strTester) do(args ...string) string {
	st.t.Helper()
	return fmtReply(st.t, st.raw(args...))
}

// fmtReply renders a reply compactly: "OK", "-ERR ...", ":1", "(nil)", bulks as
// their text in quotes, aggregates as [a b].
func fmtReply(t testing.TB, raw string) string {
	t.Helper()
	s, rest := fmtReplyPrefix(raw)
	if rest != "" {
		t.Fatalf("trailing bytes after reply: %q", raw)
	}
	return s
}

func fmtReplyPrefix(raw string) (string, string) {
	i := strings.Index(raw, "\r\n")
	if i < 0 {
		return "<incomplete " + raw + ">", ""
	}
	line, rest := raw[:i], raw[i+2:]
	switch line[0] {
	case '+':
		return line[1:], rest
	case '-', ':', ',', '#':
		return line, rest
	case '_':
		return "(nil)", rest
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return "(nil)", rest
		}
		return strconv.Quote(rest[:n]), rest[n+2:]
	case '*', '%', '~':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return "(nil)", rest
		}
		if line[0] == '%' {
			n *= 2
		}
		parts := make([]string, n)
		for k := range parts {
			parts[k], rest = fmtReplyPrefix(rest)
		}
		return "[" + strings.Join(parts, " ") + "]", rest
	}
	return "<bad " + line + ">", rest
}

// enc is the OBJECT ENCODING name of key's value, or "" when absent.
func (st *strTester) enc(key string) string {
	e := st.c.db.lookup([]byte(key))
	if e == nil {
		return ""
	}
	return encNames[metaEnc(e.Meta)]
}

// ttl is key's absolute expiry in ms (0: none, -1: no key).
func (st *strTester) ttl(key string) int64 {
	e := st.c.db.lookup([]byte(key))
	if e == nil {
		return -1
	}
	return e.Expire
}

// script runs steps of "command args... => expected" (expected in fmtReply form).
func (st *strTester) script(steps string) {
	st.t.Helper()
	for _, line := range strings.Split(steps, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cmd, want, ok := strings.Cut(line, "=>")
		if !ok {
			st.t.Fatalf("bad step %q", line)
		}
		args := splitArgs(st.t, strings.TrimSpace(cmd))
		if got := st.do(args...); got != strings.TrimSpace(want) {
			st.t.Errorf("%s: got %s, want %s", strings.TrimSpace(cmd), got, strings.TrimSpace(want))
		}
	}
}

// splitArgs splits a command line at spaces; "double quoted" arguments may hold
// spaces and Go escapes.
func splitArgs(t testing.TB, s string) []string {
	var args []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] == '"' {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				t.Fatalf("bad quoting in %q", s)
			}
			a, _ := strconv.Unquote(q)
			args = append(args, a)
			s = s[len(q):]
			continue
		}
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			i = len(s)
		}
		args = append(args, s[:i])
		s = s[i:]
	}
	return args
}

func TestSetOptions(t *testing.T) {
	st := newStrTester(t)
	st.script(`
		SET k v => OK
		GET k => "v"
		SET k v2 NX => (nil)
		SET k v2 XX => OK
		SET nokey v XX => (nil)
		SET k v NX XX => -ERR syntax error
		SET k v XX NX => -ERR syntax error
		SET k v NX NX => (nil)
		SET k v EX 10 EX 20 => OK
		SET k v EX 10 PX 20 => -ERR syntax error
		SET k v EX 10 KEEPTTL => -ERR syntax error
		SET k v KEEPTTL EX 10 => -ERR syntax error
		SET k v KEEPTTL KEEPTTL => OK
		SET k v PERSIST => -ERR syntax error
		SET k v EX => -ERR syntax error
		SET k v EX abc => -ERR value is not an integer or out of range
		SET k v EX 0 => -ERR invalid expire time in 'set' command
		SET k v PX -1 => -ERR invalid expire time in 'set' command
		SET k v EX 9223372036854775807 => -ERR invalid expire time in 'set' command
		SET k v PX 9223372036854775807 => -ERR invalid expire time in 'set' command
		SET k v EXAT 9223372036854775 => OK
		SET g old => OK
		SET g new GET => "old"
		SET g2 new GET => (nil)
		SET g3 v GET NX => (nil)
		SET g3 v2 GET NX => "v"
		GET g3 => "v"
		SET g4 v GET XX => (nil)
	`)
	st.c.db.Add([]byte("list"), TypeList, EncQuicklist)
	st.script(`
		SET list v GET => -WRONGTYPE Operation against a key holding the wrong kind of value
		SET list v => OK
		GET list => "v"
		SETNX list x => :0
		SETNX fresh x => :1
		SETEX se 0 v => -ERR invalid expire time in 'setex' command
		PSETEX pse 0 v => -ERR invalid expire time in 'psetex' command
		SETEX se x v => -ERR value is not an integer or out of range
		SETEX se 100 v => OK
		GET se => "v"
	`)
}

func TestSetTTLAndPropagation(t *testing.T) {
	st := newStrTester(t)
	st.do("SET", "k", "v", "EX", "100")
	exp := st.ttl("k")
	if d := exp - st.s.nowMs; d < 99000 || d > 100000 {
		t.Fatalf("EX 100 gave expiry %d ms away", d)
	}
	want := "SET k v PXAT " + strconv.FormatInt(exp, 10)
	if got := st.propagated[len(st.propagated)-1]; got != want {
		t.Errorf("SET EX propagated %q, want %q", got, want)
	}
	st.do("SET", "k", "v2", "KEEPTTL")
	if st.ttl("k") != exp {
		t.Errorf("KEEPTTL lost the TTL")
	}
	if got := st.propagated[len(st.propagated)-1]; got != "SET k v2 KEEPTTL" {
		t.Errorf("SET KEEPTTL propagated %q", got)
	}
	st.do("SET", "k", "v3")
	if st.ttl("k") != 0 {
		t.Errorf("SET kept the TTL")
	}
	st.do("SET", "k", "v4", "get", "XX", "GET")
	if got := st.propagated[len(st.propagated)-1]; got != "SET k v4 XX" {
		t.Errorf("SET GET propagated %q", got)
	}
	st.do("SETEX", "k", "5", "v5")
	if got := st.propagated[len(st.propagated)-1]; got != "SET k v5 PXAT "+strconv.FormatInt(st.ttl("k"), 10) {
		t.Errorf("SETEX propagated %q", got)
	}
	st.do("SET", "k", "v6", "NX", "GET", "PXAT", "99999999999999")
	if got := st.propagated[len(st.propagated)-1]; got == "" || strings.Contains(got, "v6") {
		t.Errorf("an aborted SET NX was propagated: %q", got)
	}
	st.do("SET", "k", "v7", "XX", "GET", "PXAT", "99999999999999")
	if got := st.propagated[len(st.propagated)-1]; got != "SET k v7 PXAT 99999999999999" {
		t.Errorf("SET XX GET PXAT propagated %q", got)
	}
	st.do("GETSET", "k", "v8")
	if got := st.propagated[len(st.propagated)-1]; got != "SET k v8" || st.ttl("k") != 0 {
		t.Errorf("GETSET propagated %q, ttl %d", got, st.ttl("k"))
	}
	n := len(st.propagated)
	st.do("GETEX", "k")
	st.do("GETEX", "k", "PERSIST") // no TTL: nothing changes
	st.do("GET", "k")
	if len(st.propagated) != n {
		t.Errorf("read-only calls propagated %q", st.propagated[n:])
	}
	st.do("GETEX", "k", "PX", "5000")
	if got := st.propagated[len(st.propagated)-1]; got != "PEXPIREAT k "+strconv.FormatInt(st.ttl("k"), 10) {
		t.Errorf("GETEX PX propagated %q", got)
	}
	st.do("GETEX", "k", "PERSIST")
	if got := st.propagated[len(st.propagated)-1]; got != "PERSIST k" || st.ttl("k") != 0 {
		t.Errorf("GETEX PERSIST propagated %q", got)
	}
	if got := st.do("GETEX", "k", "EXAT", "1"); got != `"v8"` {
		t.Errorf("GETEX EXAT past replied %s", got)
	}
	if got := st.propagated[len(st.propagated)-1]; got != "DEL k" || st.ttl("k") != -1 {
		t.Errorf("GETEX EXAT past propagated %q, key left: %v", got, st.ttl("k") != -1)
	}
	st.do("SET", "k", "1.5")
	st.do("INCRBYFLOAT", "k", "1")
	if got := st.propagated[len(st.propagated)-1]; got != "SET k 2.5 KEEPTTL" {
		t.Errorf("INCRBYFLOAT propagated %q", got)
	}
	st.do("GETDEL", "k")
	if got := st.propagated[len(st.propagated)-1]; got != "DEL k" {
		t.Errorf("GETDEL propagated %q", got)
	}
	st.s.cfg.LazyfreeLazyUserDel = true
	st.do("SET", "k", "v")
	st.do("GETDEL", "k")
	if got := st.propagated[len(st.propagated)-1]; got != "UNLINK k" {
		t.Errorf("GETDEL with lazyfree-lazy-user-del propagated %q", got)
	}
	n = len(st.propagated)
	st.do("GETDEL", "k")
	if len(st.propagated) != n {
		t.Errorf("GETDEL of a missing key propagated %q", st.propagated[n:])
	}
}

func TestGetexErrors(t *testing.T) {
	st := newStrTester(t)
	st.script(`
		GETEX nokey EX abc => (nil)
		GETEX nokey NX => -ERR syntax error
		SET k v => OK
		GETEX k EX abc => -ERR value is not an integer or out of range
		GETEX k EX 0 => -ERR invalid expire time in 'getex' command
		GETEX k KEEPTTL => -ERR syntax error
		GETEX k PERSIST EX 1 => -ERR syntax error
		GETEX k EX 1 PERSIST => -ERR syntax error
		GETEX k GET => -ERR syntax error
		GETEX k EX 10 EX 20 => "v"
		GETEX k PERSIST PERSIST => "v"
	`)
}

func TestEncodings(t *testing.T) {
	st := newStrTester(t)
	long := strings.Repeat("x", 45)
	for _, c := range []struct {
		cmd  []string
		key  string
		want string
	}{
		{[]string{"SET", "a", "123"}, "a", "int"},
		{[]string{"SET", "a", "-9223372036854775808"}, "a", "int"},
		{[]string{"SET", "a", "9223372036854775808"}, "a", "embstr"},
		{[]string{"SET", "a", "0123"}, "a", "embstr"},
		{[]string{"SET", "a", "+1"}, "a", "embstr"},
		{[]string{"SET", "a", strings.Repeat("x", 44)}, "a", "embstr"},
		{[]string{"SET", "a", long}, "a", "raw"},
		{[]string{"APPEND", "a", "x"}, "a", "raw"},
		{[]string{"SET", "a", "12"}, "a", "int"},
		{[]string{"APPEND", "a", ""}, "a", "raw"},
		{[]string{"APPEND", "new1", "12"}, "new1", "int"},
		{[]string{"APPEND", "new2", "ab"}, "new2", "embstr"},
		{[]string{"INCR", "new1"}, "new1", "int"},
		{[]string{"INCR", "a"}, "a", "int"},
		{[]string{"SETRANGE", "a", "0", "9"}, "a", "raw"},
		{[]string{"INCRBY", "a", "5"}, "a", "int"},
		{[]string{"INCRBYFLOAT", "a", "1"}, "a", "embstr"},
		{[]string{"INCRBYFLOAT", "f", "5.0e3"}, "f", "embstr"},
		{[]string{"INCRBYFLOAT", "big", "1e50"}, "big", "raw"},
		{[]string{"SETRANGE", "new3", "2", "x"}, "new3", "raw"},
		{[]string{"SET", "b", "1"}, "b", "int"},
		{[]string{"SETBIT", "b", "0", "0"}, "b", "raw"},
		{[]string{"SET", "b", "ab"}, "b", "embstr"},
		{[]string{"GETBIT", "b", "1"}, "b", "embstr"},
		{[]string{"BITFIELD", "b", "GET", "u8", "0"}, "b", "embstr"},
		{[]string{"BITFIELD", "b", "SET", "u8", "0", "97"}, "b", "raw"},
		{[]string{"BITOP", "NOT", "c", "a"}, "c", "raw"},
		{[]string{"MSET", "m1", "1", "m2", "x"}, "m1", "int"},
		{[]string{"GETSET", "m2", "77"}, "m2", "int"},
		{[]string{"SETEX", "m3", "100", "77"}, "m3", "int"},
	} {
		st.do(c.cmd...)
		if got := st.enc(c.key); got != c.want {
			t.Errorf("after %v: encoding of %s is %q, want %q", c.cmd, c.key, got, c.want)
		}
	}
}

func TestCounters(t *testing.T) {
	st := newStrTester(t)
	st.script(`
		INCR c => :1
		INCRBY c 10 => :11
		DECR c => :10
		DECRBY c 20 => :-10
		INCRBY c abc => -ERR value is not an integer or out of range
		INCRBY c " 1" => -ERR value is not an integer or out of range
		SET c 9223372036854775806 => OK
		INCR c => :9223372036854775807
		INCR c => -ERR increment or decrement would overflow
		SET c -9223372036854775807 => OK
		DECR c => :-9223372036854775808
		DECR c => -ERR increment or decrement would overflow
		DECRBY c -9223372036854775808 => -ERR decrement would overflow
		SET c 0 => OK
		DECRBY c -9223372036854775807 => :9223372036854775807
		SET s abc => OK
		INCR s => -ERR value is not an integer or out of range
		SET s "" => OK
		INCR s => -ERR value is not an integer or out of range
		SET s 01 => OK
		INCR s => -ERR value is not an integer or out of range
		SET s " 1" => OK
		INCR s => -ERR value is not an integer or out of range
		SET s 5 => OK
		SETRANGE s 1 0 => :2
		INCR s => :51
	`)
	st.do("SET", "t", "5", "EX", "100")
	exp := st.ttl("t")
	st.do("INCR", "t")
	st.do("INCRBYFLOAT", "t", "1.5")
	if st.ttl("t") != exp {
		t.Errorf("INCR/INCRBYFLOAT dropped the TTL")
	}
}

func TestIncrByFloat(t *testing.T) {
	st := newStrTester(t)
	// Expected values checked against redis-server 7.0.15 (x86-64, 80-bit long double).
	for _, c := range []struct{ start, incr, want string }{
		{"10.50", "0.1", "10.6"},
		{"", "5.0e3", "5000"},
		{"", "0.1", "0.1"},
		{"0.1", "0.2", "0.3"},
		{"1", "-1", "0"},
		{"", "-0", "0"},
		{"-0", "-0", "0"},
		{"3", "1.1", "4.1"},
		{"", "1e-18", "0"},
		{"", "0.000003814697265625", "0.00000381469726562"},
		{"", "0.000011444091796875", "0.00001144409179688"},
		{"", "1.5e17", "150000000000000000"},
		{"", "123456789012345678901234567890", "123456789012345678899921813504"},
		{"", "0x10", "16"},
		{"", "0x1p-2", "0.25"},
		{"", "0X.8", "0.5"},
		{"", "+1.", "1"},
		{"", ".5", "0.5"},
		{"", "1E2", "100"},
		{"", "1e4000", "9999999999999999999965463873099623784932492583506957631301508333043261943306342..."},
		{"", "3.3621031431120935063e-4932", "0"},
		{"", "inf", "-ERR increment would produce NaN or Infinity"},
		{"", "-Infinity", "-ERR increment would produce NaN or Infinity"},
		{"", "nan", "-ERR value is not a valid float"},
		{"", "1e5000", "-ERR value is not a valid float"},
		{"", "1e-5000", "-ERR value is not a valid float"},
		{"", "0e-5000", "0"},
		{"", "1e", "-ERR value is not a valid float"},
		{"", " 1", "-ERR value is not a valid float"},
		{"", "1 ", "-ERR value is not a valid float"},
		{"", "", "-ERR value is not a valid float"},
		{"", "1_0", "-ERR value is not a valid float"},
		{"", "0x", "-ERR value is not a valid float"},
		{"", "0b1", "-ERR value is not a valid float"},
		{"abc", "1", "-ERR value is not a valid float"},
		{"1.1.1", "1", "-ERR value is not a valid float"},
		{"1e4932", "1e4932", "-ERR increment would produce NaN or Infinity"},
	} {
		st.c.db.Delete([]byte("f"))
		if c.start != "" {
			st.do("SET", "f", c.start)
		}
		got := st.do("INCRBYFLOAT", "f", c.incr)
		if strings.HasPrefix(got, `"`) {
			got, _ = strconv.Unquote(got)
		}
		if prefix, ok := strings.CutSuffix(c.want, "..."); ok && len(got) > len(prefix) {
			got = got[:len(prefix)] + "..." // only the first digits are listed
		}
		if got != c.want {
			t.Errorf("%q + %q = %.60s, want %.60s", c.start, c.incr, got, c.want)
		}
	}
	st.c.db.Add([]byte("list"), TypeList, EncQuicklist)
	if got := st.do("INCRBYFLOAT", "list", "1"); !strings.HasPrefix(got, "-WRONGTYPE") {
		t.Errorf("INCRBYFLOAT on a list: %s", got)
	}
}

func TestLongDoubleRounding(t *testing.T) {
	// 1 + 2^-64 is a tie between 1 and 1+2^-63: it rounds to even (1); 1 + 3·2^-65 is
	// above the tie. Both parsed from exact decimal expansions.
	tie := new(big.Float).SetMantExp(big.NewFloat(1), -64)
	tie.SetPrec(200).Add(tie, big.NewFloat(1))
	x, ok := parseLongDouble([]byte(tie.Text('f', 80)))
	if !ok || x.Cmp(big.NewFloat(1)) != 0 {
		t.Errorf("1+2^-64 parsed to %v, want 1", x)
	}
	// The largest finite extended value parses; twice it overflows when added.
	maxLD := new(big.Float).SetPrec(64).SetMantExp(new(big.Float).SetPrec(64).Sub(big.NewFloat(1), new(big.Float).SetMantExp(big.NewFloat(1), -64)), 16384)
	m, ok := parseLongDouble([]byte(maxLD.Text('e', 30)))
	if !ok {
		t.Fatalf("largest long double did not parse")
	}
	if _, ok := longDoubleAdd(m, m); ok {
		t.Errorf("max+max did not overflow")
	}
	// Subnormals keep fewer bits: the smallest one plus its own half stays itself
	// (ties to even), plus three quarters of it rounds up.
	minSub := new(big.Float).SetMantExp(big.NewFloat(1), -16445)
	s, ok := parseLongDouble([]byte(minSub.Text('e', 60)))
	if !ok || s.Cmp(minSub) != 0 {
		t.Fatalf("smallest subnormal parsed to %v", s)
	}
	if v, ok := parseLongDouble([]byte(new(big.Float).SetMantExp(big.NewFloat(1), -16447).Text('e', 60))); ok {
		t.Errorf("a quarter of the smallest subnormal parsed to %v, want underflow", v)
	}
}

func TestAppendStrlenRanges(t *testing.T) {
	st := newStrTester(t)
	st.script(`
		APPEND k hello => :5
		APPEND k " world" => :11
		GET k => "hello world"
		STRLEN k => :11
		STRLEN nokey => :0
		SET n 12345 => OK
		STRLEN n => :5
		GETRANGE k 0 4 => "hello"
		GETRANGE k -5 -1 => "world"
		GETRANGE k 6 100 => "world"
		GETRANGE k -1 -5 => ""
		GETRANGE k 5 3 => ""
		GETRANGE k -100 2 => "hel"
		GETRANGE k 0 -100 => "h"
		GETRANGE n 1 2 => "23"
		GETRANGE nokey 0 -1 => ""
		GETRANGE k a 1 => -ERR value is not an integer or out of range
		SUBSTR k 0 4 => "hello"
		SETRANGE k 6 there => :11
		GET k => "hello there"
		SETRANGE k 15 "!" => :16
		GET k => "hello there\x00\x00\x00\x00!"
		SETRANGE k -1 x => -ERR offset is out of range
		SETRANGE k 1 "" => :16
		SETRANGE new 0 "" => :0
		SETRANGE new 3 ab => :5
		GET new => "\x00\x00\x00ab"
		SETRANGE k 536870911 x => :536870912
		SETRANGE k 536870912 x => -ERR string exceeds maximum allowed size (proto-max-bulk-len)
		SETRANGE other 536870912 "" => :0
		SETRANGE other 536870912 x => -ERR string exceeds maximum allowed size (proto-max-bulk-len)
	`)
	st.s.cfg.ProtoMaxBulkLen = 10
	st.script(`
		SET a 12345 => OK
		APPEND a 67890 => :10
		APPEND a 1 => -ERR string exceeds maximum allowed size (proto-max-bulk-len)
		APPEND b 12345678901 => :11
	`)
}

func TestMsetMget(t *testing.T) {
	st := newStrTester(t)
	st.c.db.Add([]byte("list"), TypeList, EncQuicklist)
	st.script(`
		MSET a 1 b 2 => OK
		MSET a 1 b => -ERR wrong number of arguments for 'mset' command
		MGET a b nokey list => ["1" "2" (nil) (nil)]
		MSETNX a 1 c 3 => :0
		MSETNX c 3 d 4 => :1
		MSETNX e 1 e 2 => :1
		GET e => "2"
		MSETNX x 1 y => -ERR wrong number of arguments for 'msetnx' command
		MSET list x => OK
		GET list => "x"
	`)
	st.do("SET", "t", "v", "EX", "100")
	st.do("MSET", "t", "w")
	if st.ttl("t") != 0 {
		t.Errorf("MSET kept the TTL")
	}
}

func TestLCS(t *testing.T) {
	st := newStrTester(t)
	st.c.db.Add([]byte("list"), TypeList, EncQuicklist)
	st.script(`
		MSET key1 ohmytext key2 mynewtext => OK
		LCS key1 key2 => "mytext"
		LCS key1 key2 LEN => :6
		LCS key1 key2 IDX => ["matches" [[[:4 :7] [:5 :8]] [[:2 :3] [:0 :1]]] "len" :6]
		LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN => ["matches" [[[:4 :7] [:5 :8] :4]] "len" :6]
		LCS key1 key2 IDX MINMATCHLEN -4 WITHMATCHLEN => ["matches" [[[:4 :7] [:5 :8] :4] [[:2 :3] [:0 :1] :2]] "len" :6]
		LCS key1 key2 LEN IDX => -ERR If you want both the length and indexes, please just use IDX.
		LCS key1 key2 MINMATCHLEN => -ERR syntax error
		LCS key1 key2 MINMATCHLEN x => -ERR value is not an integer or out of range
		LCS key1 key2 FOO => -ERR syntax error
		LCS key1 nokey => ""
		LCS nokey nokey IDX => ["matches" [] "len" :0]
		LCS key1 list => -ERR The specified keys must contain string values
		LCS list key1 FOO => -ERR The specified keys must contain string values
	`)
	st.raw("HELLO", "3")
	st.c.proto = 3
	st.script(`
		LCS key1 key2 IDX => ["matches" [[[:4 :7] [:5 :8]] [[:2 :3] [:0 :1]]] "len" :6]
	`)
	if got := st.raw("LCS", "key1", "key2", "IDX"); !strings.HasPrefix(got, "%2\r\n") {
		t.Errorf("RESP3 LCS IDX is not a map: %q", got)
	}
}

// TestStringsAgainstRedis runs the same random string commands against redis-server
// and keygrid and compares the replies byte for byte.
func TestStringsAgainstRedis(t *testing.T) {
	ref, st := redisForDiff(t), newStrTester(t)
	rng := newDiffRand(t)
	keys := []string{"a", "b", "c"}
	vals := []string{"", "0", "1", "-1", "10.5", "abc", "hello world", "12345678901234567890", "3.0e3",
		"\x00\xff", "1e400", "0x1p3", " 1", "99999999999999999999", "-0", ".5"}
	ints := []string{"0", "1", "-1", "2", "-2", "5", "-5", "100", "-100", "x", "9223372036854775807", "-9223372036854775808"}
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	for i := 0; i < 4000; i++ {
		if i%1000 == 0 {
			diffProto(t, ref, st, 2+i/1000%2) // RESP2 and RESP3 in turn
		}
		k := pick(keys)
		var cmd []string
		switch rng.IntN(15) {
		case 0:
			cmd = []string{"SET", k, pick(vals)}
		case 1:
			cmd = []string{"GETRANGE", k, pick(ints), pick(ints)}
		case 2:
			cmd = []string{"SETRANGE", k, pick(ints[:8]), pick(vals)}
		case 3:
			cmd = []string{"APPEND", k, pick(vals)}
		case 4:
			cmd = []string{"INCRBYFLOAT", k, pick(append(vals, "0.1", "-0.3", "1e-3", "7"))}
		case 5:
			cmd = []string{"INCRBY", k, pick(ints)}
		case 6:
			cmd = []string{"STRLEN", k}
		case 7:
			cmd = []string{"LCS", k, pick(keys)}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "IDX", "WITHMATCHLEN", "MINMATCHLEN", pick(ints[:5]))
			}
		case 8:
			cmd = []string{"GETDEL", k}
		case 9:
			cmd = []string{"MGET", k, pick(keys), "nokey"}
		case 10:
			cmd = []string{"GETSET", k, pick(vals)}
		case 11:
			cmd = []string{"DECRBY", k, pick(ints)}
		case 12:
			cmd = []string{"MSETNX", k, pick(vals), pick(keys), pick(vals)}
		case 13:
			// SET and GETEX with random options; times are far off or long past, so
			// both servers see the same keys.
			opts := []string{"NX", "XX", "GET", "KEEPTTL", "PERSIST", "EX", "PX", "EXAT", "PXAT", "FOO"}
			// ("1" is a time long past as EXAT or PXAT; relative times stay long,
			// or a key could expire between the two servers' commands.)
			times := []string{"100000", "1", "0", "-1", "x", "4102444800", "4102444800000"}
			cmd = []string{"SET", k, pick(vals)}
			if rng.IntN(3) == 0 {
				cmd = []string{"GETEX", k}
			}
			for n := rng.IntN(4); n > 0; n-- {
				o := pick(opts)
				cmd = append(cmd, o)
				if strings.HasPrefix(o, "E") || strings.HasPrefix(o, "P") && o != "PERSIST" {
					if rng.IntN(8) > 0 {
						tm := pick(times)
						if tm == "1" && (o == "EX" || o == "PX") {
							tm = "100000"
						}
						cmd = append(cmd, tm)
					}
				}
			}
		default:
			cmd = []string{"GET", k}
		}
		diffStep(t, ref, st, cmd)
	}
}

// TestIncrByFloatAgainstRedis compares INCRBYFLOAT results for random decimal and
// hexadecimal operands, where x87 rounding and "%.17Lf" formatting matter.
func TestIncrByFloatAgainstRedis(t *testing.T) {
	ref, st := redisForDiff(t), newStrTester(t)
	rng := newDiffRand(t)
	randNum := func() string {
		switch rng.IntN(8) {
		case 6, 7: // short decimals: the 128-bit fast path
			return fmt.Sprintf("%d.%0*d", rng.IntN(2000)-1000, 1+rng.IntN(4), rng.IntN(1000))
		case 0:
			return strconv.FormatFloat(rng.NormFloat64()*1e6, 'g', -1, 64)
		case 1:
			return fmt.Sprintf("%d.%0*d", rng.IntN(1000)-500, 1+rng.IntN(25), rng.Int64N(1e18))
		case 2:
			return fmt.Sprintf("%de%d", rng.Int64N(1e6)-5e5, rng.IntN(80)-40)
		case 3:
			return fmt.Sprintf("0x%x.%xp%d", rng.Int64N(1<<40), rng.Int64N(1<<40), rng.IntN(200)-100)
		case 4:
			return fmt.Sprintf("1e%d", 4900+rng.IntN(60))
		default:
			return fmt.Sprintf("%.25g", rng.Float64()/float64(1+rng.IntN(1e6)))
		}
	}
	for i := 0; i < 3000; i++ {
		if i%1000 == 0 {
			diffProto(t, ref, st, 2+i/1000%2)
		}
		if i%7 == 0 {
			diffStep(t, ref, st, []string{"SET", "f", randNum()})
		}
		diffStep(t, ref, st, []string{"INCRBYFLOAT", "f", randNum()})
	}
}

// redisForDiff starts a redis-server for a differential test and returns a raw
// connection to it. Differential tests are skipped with -short.
func redisForDiff(t *testing.T) *testutil.Conn {
	t.Helper()
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	srv := testutil.StartRedis(t)
	conn, err := testutil.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// newDiffRand returns the random source of a randomized test, seeded from
// STRINGS_SEED when set so that a failure can be replayed.
func newDiffRand(t *testing.T) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("STRINGS_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (STRINGS_SEED=%d replays it)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed))
}

// diffProto switches both sides to RESP version proto (HELLO; the replies differ
// in ids and versions, so they are not compared).
func diffProto(t *testing.T, ref *testutil.Conn, st *strTester, proto int) {
	t.Helper()
	v := strconv.Itoa(proto)
	if _, err := ref.Do("HELLO", v); err != nil {
		t.Fatal(err)
	}
	if got := st.raw("HELLO", v); strings.HasPrefix(got, "-") || st.c.proto != proto {
		t.Fatalf("HELLO %s: %q", v, got)
	}
}

// diffStep runs cmd on redis-server and on st and fails the test unless both reply
// the same bytes.
func diffStep(t *testing.T, ref *testutil.Conn, st *strTester, cmd []string) {
	t.Helper()
	want, err := ref.Do(cmd...)
	if err != nil {
		t.Fatalf("%q on redis-server: %v", cmd, err)
	}
	if got := st.raw(cmd...); got != string(want) {
		t.Fatalf("%q:\nredis   %.300q\nkeygrid %.300q", cmd, want, got)
	}
}

// TestKeyspaceHitsMisses checks which commands count keyspace hits and misses (INFO
// stats): the read lookups do, write lookups do not. The totals are redis-server
// 7.0.15's for the same sequence.
func TestKeyspaceHitsMisses(t *testing.T) {
	st := newStrTester(t)
	for _, line := range strings.Split(`SET a 1
		GET a
		GET nokey
		MGET a nokey a
		SET a 2 GET
		GETEX a
		GETEX nokey
		GETDEL nokey
		GETRANGE a 0 -1
		GETRANGE nokey 0 -1
		STRLEN a
		STRLEN nokey
		LCS a nokey
		BITCOUNT a
		BITCOUNT nokey
		BITPOS a 1
		BITPOS nokey 1
		GETBIT a 0
		GETBIT nokey 0
		BITOP AND d a nokey
		BITFIELD a GET u8 0
		BITFIELD nokey GET u8 0
		BITFIELD_RO a GET u8 0
		BITFIELD x SET u8 0 1
		INCR a
		APPEND a x
		SETRANGE a 0 y
		SETBIT a 0 1
		INCRBYFLOAT z 1
		GETSET a 3
		SETNX a 1
		MSETNX a 1 q 2`, "\n") {
		st.do(strings.Fields(line)...)
	}
	if h, m := st.s.stats.keyspaceHits, st.s.stats.keyspaceMisses; h != 15 || m != 12 {
		t.Errorf("keyspace hits %d misses %d, want 15 and 12", h, m)
	}
}

// TestDirtyCounts checks how many changes each command counts (the dirty counter
// behind save points and propagation; INFO's rdb_changes_since_last_save). The
// running totals are redis-server 7.0.15's for the same sequence; arguments are split
// at spaces, so "" is two quote characters.
func TestDirtyCounts(t *testing.T) {
	st := newStrTester(t)
	for _, c := range []struct {
		cmd   string
		dirty int64
	}{
		{`SET a 1`, 1},
		{`SET a 2 NX`, 1},
		{`SET a 2 XX GET`, 2},
		{`GETEX a`, 2},
		{`GETEX a PERSIST`, 2},
		{`GETEX a EX 100`, 3},
		{`GETEX a PERSIST`, 4},
		{`GETDEL nokey`, 4},
		{`GETDEL a`, 5},
		{`MSET a 1 b 2 c 3`, 8},
		{`MSETNX a 1 z 2`, 8},
		{`MSETNX y 1 z 2`, 10},
		{`INCR a`, 11},
		{`INCRBYFLOAT a 1.5`, 12},
		{`APPEND a x`, 13},
		{`APPEND a ""`, 14},
		{`SETRANGE a 0 ""`, 15},
		{`SETRANGE a 0 q`, 16},
		{`SETBIT b 0 0`, 16},
		{`SETBIT b 0 0`, 16},
		{`SETBIT b 100 0`, 17},
		{`SETBIT b 100 1`, 18},
		{`BITOP AND d nokey`, 18},
		{`BITOP AND d a`, 19},
		{`BITOP AND d nokey`, 20},
		{`BITFIELD bf SET u8 0 0`, 21},
		{`BITFIELD bf SET u8 0 0`, 21},
		{`BITFIELD bf SET u8 0 1 SET u8 8 0 INCRBY u8 0 0`, 24},
		{`BITFIELD bf OVERFLOW FAIL INCRBY u8 0 1000`, 24},
		{`BITFIELD bf2 OVERFLOW FAIL INCRBY u8 0 1000`, 24},
		{`GETSET a 1`, 25},
		{`SETNX a 1`, 25},
		{`SETNX n 1`, 26},
	} {
		st.do(strings.Fields(c.cmd)...)
		if st.s.dirty != c.dirty {
			t.Fatalf("after %s: dirty %d, want %d", c.cmd, st.s.dirty, c.dirty)
		}
	}
}

// TestKeyspaceEvents checks the keyspace notifications the commands raise, in order.
// The expected events are what redis-server 7.0.15 published (notify-keyspace-events
// KEA, keyevent channel) for the same commands.
func TestKeyspaceEvents(t *testing.T) {
	st := newStrTester(t)
	var got []string
	st.s.onNotify = func(class NotifyClass, event string, key []byte, db int) {
		got = append(got, event+","+string(key))
	}
	for _, line := range strings.Split(strings.TrimSpace(`
		SET a 1
		SET a 2 NX
		SET a 2 XX GET EX 100
		SET a 3 KEEPTTL
		GETEX a
		GETEX a PERSIST
		GETEX a EX 100
		GETEX a PERSIST
		GETEX a PXAT 1
		GETDEL nokey
		SET a 1
		GETDEL a
		MSET a 1 b 2
		MSETNX a 1 z 2
		MSETNX y 1 z 2
		INCR a
		INCRBY a 5
		DECR a
		DECRBY a 2
		INCRBYFLOAT a 1.5
		APPEND a x
		SETRANGE a 0 q
		SETRANGE a 0 ""
		SETBIT b 0 0
		SETBIT b 0 0
		SETBIT b 100 1
		BITOP AND d nokey
		BITOP AND d a
		BITOP OR d nokey
		BITFIELD bf SET u8 0 1
		BITFIELD bf SET u8 0 1
		BITFIELD bf2 OVERFLOW FAIL INCRBY u8 0 1000
		GETSET a 1
		SETNX a 1
		SETNX n 1
		SETEX e 100 v
		PSETEX e 100000 v
		INCR a`), "\n") {
		st.do(strings.Fields(line)...)
	}
	// As redis-server 7.0 publishes them with notify-keyspace-events KEAm: read lookups
	// of missing keys (GETDEL, BITOP's sources) raise keymiss.
	want := strings.Fields(`set,a set,a expire,a set,a persist,a expire,a persist,a del,a keymiss,nokey set,a del,a set,a set,b set,y set,z incrby,a incrby,a incrby,a incrby,a incrbyfloat,a append,a setrange,a setrange,a setbit,b keymiss,nokey set,d keymiss,nokey del,d setbit,bf set,a set,n set,e expire,e set,e expire,e incrby,a`)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("events:\n got %q\nwant %q", got, want)
	}
}

// TestKeymissEvents checks which lookups of a missing key raise keymiss: those of
// commands that read the key (Redis's lookupKeyRead), not those that write it
// (lookupKeyWrite), nor OBJECT, MEMORY USAGE or DEBUG OBJECT. The expected events are
// what redis-server 7.0 publishes for each command.
func TestKeymissEvents(t *testing.T) {
	st := newStrTester(t)
	var got []string
	st.s.onNotify = func(class NotifyClass, event string, key []byte, db int) {
		if event == "keymiss" && class != NotifyKeyMiss {
			t.Errorf("keymiss with class %v", class)
		}
		got = append(got, event+","+string(key))
	}
	for _, tc := range []struct{ cmd, events string }{
		{"GET nk", "keymiss,nk"},
		{"MGET nk1 nk2", "keymiss,nk1 keymiss,nk2"},
		{"STRLEN nk", "keymiss,nk"},
		{"GETRANGE nk 0 1", "keymiss,nk"},
		{"SUBSTR nk 0 1", "keymiss,nk"},
		{"GETEX nk", "keymiss,nk"},
		{"GETEX nk EX 10", "keymiss,nk"},
		{"GETDEL nk", "keymiss,nk"},
		{"SET nk v GET", "keymiss,nk set,nk"},
		{"DEL nk", "del,nk"},
		{"SET nk v NX GET", "keymiss,nk set,nk"},
		{"DEL nk", "del,nk"},
		{"SET nk v XX GET", "keymiss,nk"},
		{"SET nk v XX", ""},
		{"SETNX nk v", "set,nk"},
		{"DEL nk", "del,nk"},
		{"LCS nk1 nk2", "keymiss,nk1 keymiss,nk2"},
		{"GETBIT nk 0", "keymiss,nk"},
		{"BITCOUNT nk", "keymiss,nk"},
		{"BITPOS nk 1", "keymiss,nk"},
		{"BITFIELD_RO nk GET u8 0", "keymiss,nk"},
		{"BITFIELD nk GET u8 0", "keymiss,nk"},
		{"BITFIELD nk SET u8 0 1", "setbit,nk"},
		{"DEL nk", "del,nk"},
		{"BITOP NOT d nk", "keymiss,nk"},
		{"EXISTS nk", "keymiss,nk"},
		{"TYPE nk", "keymiss,nk"},
		{"TTL nk", "keymiss,nk"},
		{"PTTL nk", "keymiss,nk"},
		{"EXPIRETIME nk", "keymiss,nk"},
		{"PEXPIRETIME nk", "keymiss,nk"},
		{"PERSIST nk", ""},
		{"EXPIRE nk 10", ""},
		{"OBJECT ENCODING nk", ""},
		{"OBJECT FREQ nk", ""},
		{"TOUCH nk", "keymiss,nk"},
		{"RENAME nk x", ""},
		{"RENAMENX nk x", ""},
		{"COPY nk x", "keymiss,nk"},
		{"MOVE nk 1", ""},
		{"MEMORY USAGE nk", ""},
		{"DEBUG OBJECT nk", ""},
		{"INCR nk", "incrby,nk"},
		{"INCRBYFLOAT nk 1", "incrbyfloat,nk"},
		{"DEL nk", "del,nk"},
	} {
		got = got[:0]
		st.do(strings.Fields(tc.cmd)...)
		if g := strings.Join(got, " "); g != tc.events {
			t.Errorf("%s: events %q, want %q", tc.cmd, g, tc.events)
		}
	}
}

// TestStringsOverTCP runs the commands through a real server and socket: a pipeline
// of mixed commands, a value larger than the read buffer, and RESP3 nulls.
func TestStringsOverTCP(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	big := strings.Repeat("0123456789", 10000) // 100 KB: spans several reads
	var pipe []byte
	for _, cmd := range [][]string{
		{"SET", "k", "v"}, {"APPEND", "k", big}, {"STRLEN", "k"}, {"GETRANGE", "k", "0", "4"},
		{"INCR", "n"}, {"INCRBYFLOAT", "n", "0.5"}, {"SETBIT", "b", "9", "1"}, {"BITCOUNT", "b"},
		{"BITFIELD", "b", "GET", "u16", "0"}, {"MGET", "k", "nokey", "n"},
	} {
		pipe = resp.AppendArray(pipe, len(cmd))
		for _, a := range cmd {
			pipe = resp.AppendBulkString(pipe, a)
		}
	}
	tc.raw(string(pipe))
	for _, want := range []string{"OK", ":100001", ":100001", "v0123", ":1", "1.5", ":0", ":1", "[:64]"} {
		if got := tc.read(); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	if got := tc.read(); got != "[v"+big+" (nil) 1.5]" {
		t.Fatalf("MGET reply of %d bytes is wrong", len(got))
	}
	tc.do("HELLO", "3")
	if got := tc.do("GET", "nokey"); got != "(nil)" {
		t.Errorf("RESP3 GET nokey = %q", got)
	}
	if got := tc.do("GETRANGE", "k", "-3", "-1"); got != "789" {
		t.Errorf("GETRANGE = %q", got)
	}
}

// TestLongDoubleFastPath checks the 128-bit INCRBYFLOAT path against math/big (itself
// checked against redis-server above) on random short decimals, including values
// whose sums cancel, carry or land on rounding ties.
func TestLongDoubleFastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	randDec := func() string {
		var b []byte
		if rng.IntN(2) == 0 {
			b = append(b, '-')
		}
		n := 1 + rng.IntN(19)
		if rng.IntN(3) == 0 {
			n = 1 + rng.IntN(40) // up to the fast path's 38 digits, and beyond
		}
		digits := make([]byte, n)
		for i := range digits {
			digits[i] = byte('0' + rng.IntN(10))
			if rng.IntN(4) == 0 {
				digits[i] = "09"[rng.IntN(2)] // runs of 0s and 9s reach the edges
			}
		}
		dot := rng.IntN(n + 2)
		if dot <= n {
			b = append(b, digits[:dot]...)
			b = append(b, '.')
			b = append(b, digits[dot:]...)
		} else {
			b = append(b, digits...)
		}
		return string(b)
	}
	bigIncr := func(cur, incr string) string {
		x, ok := parseLongDouble([]byte(cur))
		y, ok2 := parseLongDouble([]byte(incr))
		if !ok || !ok2 {
			return "invalid"
		}
		s, ok := longDoubleAdd(x, y)
		if !ok {
			return "overflow"
		}
		return string(appendLongDouble(nil, s))
	}
	fastHits := 0
	const n = 300000
	for i := 0; i < n; i++ {
		a, b := randDec(), randDec()
		if i%5 == 0 {
			b = "-" + strings.TrimPrefix(a, "-") // near-cancellation
			if rng.IntN(2) == 0 {
				b += "1"
			}
		}
		got, ok := incrLongDoubleFast(nil, []byte(a), []byte(b), true)
		if !ok {
			continue
		}
		fastHits++
		if want := bigIncr(a, b); string(got) != want {
			t.Fatalf("%s + %s: fast path %s, math/big %s", a, b, got, want)
		}
	}
	// Dyadic decimals (k/2^j written out exactly): sums that are exactly halfway
	// between two 17-digit outputs, where printf rounds to even.
	for j := 1; j <= 19; j++ {
		for i := 0; i < 2000; i++ {
			k := rng.Int64N(1 << 20)
			a := new(big.Rat).SetFrac64(k, 1<<j).FloatString(j)
			b := []string{"0", "1", "-3", "0.5", randDec()}[rng.IntN(5)]
			got, ok := incrLongDoubleFast(nil, []byte(b), []byte(a), true)
			if want := bigIncr(b, a); ok && string(got) != want {
				t.Fatalf("%s + %s: fast path %s, math/big %s", b, a, got, want)
			}
		}
	}
	if fastHits < n/2 {
		t.Errorf("the fast path took only %d of %d sums", fastHits, n)
	}
	for _, c := range [][2]string{{"10.50", "0.1"}, {"0.000003814697265625", "0"}, {"1", "-1"}, {"-0", "-0"},
		{"9999999999999999999", "9999999999999999999"}, {"0.0000000000000000001", "0"}, {"18446744073709551615", "1"}} {
		got, ok := incrLongDoubleFast(nil, []byte(c[0]), []byte(c[1]), true)
		if want := bigIncr(c[0], c[1]); ok && string(got) != want {
			t.Errorf("%s + %s: fast path %s, math/big %s", c[0], c[1], got, want)
		}
	}
}

// TestRewriteKeepsOriginal checks that a command rewritten for propagation still
// shows as sent in SLOWLOG (and MONITOR), as in Redis.
func TestRewriteKeepsOriginal(t *testing.T) {
	st := newStrTester(t)
	st.s.cfg.SlowlogLogSlowerThan = 0
	st.do("SET", "k", "v", "EX", "100")
	got := st.do("SLOWLOG", "GET", "1")
	if !strings.Contains(got, `["SET" "k" "v" "EX" "100"]`) {
		t.Errorf("SLOWLOG shows %s", got)
	}
	if p := st.propagated[len(st.propagated)-1]; !strings.HasPrefix(p, "SET k v PXAT ") {
		t.Errorf("propagated %q", p)
	}
}
