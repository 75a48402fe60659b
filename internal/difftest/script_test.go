package difftest

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// Cases checked against redis-cli's sdssplitargs (Redis sds.c).
func TestSplitArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   \t ", nil},
		{"SET k v", []string{"SET", "k", "v"}},
		{"  SET   k\tv  ", []string{"SET", "k", "v"}},
		{`SET "a b" 'c d'`, []string{"SET", "a b", "c d"}},
		{`"" ''`, []string{"", ""}},
		{`"\x41\x4a\x4A" "\xZZ"`, []string{"AJJ", "xZZ"}},
		{`"\n\r\t\b\a\\\"\q"`, []string{"\n\r\t\b\a\\\"q"}},
		{`'it\'s' 'a\nb' 'c"d'`, []string{"it's", `a\nb`, `c"d`}},
		{`a"b c" d`, []string{"ab c", "d"}},
		{`a'b c'`, []string{"ab c"}},
		{`"\x00"`, []string{"\x00"}},
		{`"a"`, []string{"a"}},
		{`k#1 #`, []string{"k#1", "#"}},
	} {
		got, err := SplitArgs(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{`"abc`, `'abc`, `"a"b`, `'a'b`, `"abc\"`, `"a\`} {
		if got, err := SplitArgs(in); err == nil {
			t.Errorf("SplitArgs(%q) = %q, want an error", in, got)
		}
	}
}

func TestParseRaw(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`"*1\r\n$4\r\nPING\r\n"`, "*1\r\n$4\r\nPING\r\n"},
		{`"PING" "\r\n"`, "PING\r\n"},
		{`'SET k "a\x41"' "\r\n"`, "SET k \"a\\x41\"\r\n"},
		{`3*"ab" "c"`, "abababc"},
		{`2*'x'`, "xx"},
		{`0*"x" "y"`, "y"},
	} {
		got, err := ParseRaw(tc.in)
		if err != nil || string(got) != tc.want {
			t.Errorf("ParseRaw(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{`PING`, `"a" b`, `3*x`, `3*`, `"a`, `3 * "a"`} {
		if got, err := ParseRaw(in); err == nil {
			t.Errorf("ParseRaw(%q) = %q, want an error", in, got)
		}
	}
}

func TestParseScript(t *testing.T) {
	src := `
# comment
  # indented comment

SET k "a b"
!sort KEYS *
!sortpairs CONFIG GET hz maxmemory-samples
!type TIME
!shape HELLO 3
!errprefix FOO
!ignore DEBUG SLEEP 0
!resp3
!resp2
!sleep 120ms
!newconn
!conn other
!send BLPOP l 0
!recv
!type !recv
!noreply 50ms
!rawidle 300ms
!raw "PING\r\n" 2*"x"
!rawsend "PING\r\n"
!scanall SCAN 0 MATCH k* COUNT 2
!scanall HSCAN h 0
`
	sc, err := ParseScript("testdata/demo.txt", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "demo" {
		t.Errorf("Name = %q", sc.Name)
	}
	want := []Step{
		{Line: 5, Op: OpCommand, Args: []string{"SET", "k", "a b"}},
		{Line: 6, Op: OpCommand, Mode: ModeSort, Args: []string{"KEYS", "*"}},
		{Line: 7, Op: OpCommand, Mode: ModeSortPairs, Args: []string{"CONFIG", "GET", "hz", "maxmemory-samples"}},
		{Line: 8, Op: OpCommand, Mode: ModeType, Args: []string{"TIME"}},
		{Line: 9, Op: OpCommand, Mode: ModeShape, Args: []string{"HELLO", "3"}},
		{Line: 10, Op: OpCommand, Mode: ModeErrPrefix, Args: []string{"FOO"}},
		{Line: 11, Op: OpCommand, Mode: ModeIgnore, Args: []string{"DEBUG", "SLEEP", "0"}},
		{Line: 12, Op: OpProto, Proto: 3},
		{Line: 13, Op: OpProto, Proto: 2},
		{Line: 14, Op: OpSleep, Dur: 120 * time.Millisecond},
		{Line: 15, Op: OpNewConn},
		{Line: 16, Op: OpConn, Name: "other"},
		{Line: 17, Op: OpSend, Args: []string{"BLPOP", "l", "0"}},
		{Line: 18, Op: OpRecv},
		{Line: 19, Op: OpRecv, Mode: ModeType},
		{Line: 20, Op: OpNoReply, Dur: 50 * time.Millisecond},
		{Line: 21, Op: OpRawIdle, Dur: 300 * time.Millisecond},
		{Line: 22, Op: OpRaw, Raw: []byte("PING\r\nxx")},
		{Line: 23, Op: OpRawSend, Raw: []byte("PING\r\n")},
		{Line: 24, Op: OpScanAll, Args: []string{"SCAN", "0", "MATCH", "k*", "COUNT", "2"}},
		{Line: 25, Op: OpScanAll, Args: []string{"HSCAN", "h", "0"}},
	}
	if len(sc.Steps) != len(want) {
		t.Fatalf("%d steps, want %d", len(sc.Steps), len(want))
	}
	for i, st := range sc.Steps {
		st.Text = ""
		if !reflect.DeepEqual(st, want[i]) {
			t.Errorf("step %d:\n got %+v\nwant %+v", i, st, want[i])
		}
	}
}

func TestParseScriptErrors(t *testing.T) {
	for _, line := range []string{
		`SET "k`,
		`!bogus`,
		`!sort`,
		`!sort !type GET k`,
		`!sort !resp3`,
		`!resp3 x`,
		`!sleep`,
		`!sleep soon`,
		`!sleep -1s`,
		`!conn`,
		`!conn a b`,
		`!raw PING`,
		`!raw`,
		`!rawsend x`,
		`!type !rawsend "x"`,
		`!send`,
		`!scanall GET k`,
		`!scanall SCAN`,
		`!scanall SSCAN s`,
	} {
		_, err := ParseScript("x.txt", []byte("PING\n"+line+"\n"))
		if err == nil {
			t.Errorf("%q: no error", line)
		} else if !strings.HasPrefix(err.Error(), "x.txt:2: ") {
			t.Errorf("%q: error %q lacks file:line", line, err)
		}
	}
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		mode Mode
		a, b string
		ok   bool
	}{
		{ModeExact, "+OK\r\n", "+OK\r\n", true},
		{ModeExact, "+OK\r\n", "+Ok\r\n", false},
		{ModeIgnore, "+OK\r\n", "-ERR\r\n", true},
		{ModeSort, "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "*2\r\n$1\r\nb\r\n$1\r\na\r\n", true},
		{ModeSort, "*2\r\n$1\r\na\r\n$1\r\na\r\n", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", false},
		{ModeSort, "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "~2\r\n$1\r\nb\r\n$1\r\na\r\n", false}, // kind matters
		{ModeSort, "%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n", "%2\r\n+b\r\n:2\r\n+a\r\n:1\r\n", true},
		{ModeSort, "%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n", "%2\r\n+b\r\n:1\r\n+a\r\n:2\r\n", false},
		{ModeSort, "-ERR x\r\n", "-ERR x\r\n", true},
		{ModeSort, "$-1\r\n", "*-1\r\n", false},
		{ModeSortPairs, "*4\r\n+a\r\n:1\r\n+b\r\n:2\r\n", "*4\r\n+b\r\n:2\r\n+a\r\n:1\r\n", true},
		{ModeSortPairs, "*4\r\n+a\r\n:1\r\n+b\r\n:2\r\n", "*4\r\n+a\r\n:2\r\n+b\r\n:1\r\n", false},
		{ModeType, "*2\r\n$1\r\n1\r\n$1\r\n2\r\n", "*1\r\n:1\r\n", true},
		{ModeType, "$1\r\nk\r\n", "$-1\r\n", false},
		{ModeType, "-ERR a\r\n", "-WRONGTYPE b\r\n", true},
		{ModeShape, "*2\r\n$2\r\n10\r\n$1\r\n5\r\n", "*2\r\n$1\r\n9\r\n$3\r\n123\r\n", true},
		{ModeShape, "*2\r\n$2\r\n10\r\n$1\r\n5\r\n", "*2\r\n$2\r\n10\r\n:5\r\n", false},
		{ModeShape, "%1\r\n$1\r\na\r\n:1\r\n", "%1\r\n$1\r\na\r\n:2\r\n", true},
		{ModeShape, "%1\r\n$1\r\na\r\n:1\r\n", "%1\r\n$1\r\nb\r\n:1\r\n", false},
		{ModeFields, "$20\r\n# S\r\na:1\r\nb:2\r\n\r\nc:x\r\n", "$21\r\n# S\r\na:10\r\nb:2\r\n\r\nc:y\r\n", true},
		{ModeFields, "$13\r\n# S\r\na:1\r\nb:2\r\n", "$13\r\n# S\r\nb:1\r\na:2\r\n", false}, // order matters
		{ModeFields, "$8\r\n# S\r\na:1\r\n", "$13\r\n# S\r\na:1\r\nb:2\r\n", false},
		{ModeFields, "$8\r\n# S\r\na:1\r\n", "*1\r\n$8\r\n# S\r\na:1\r\n", false},
		{ModeErrPrefix, "-ERR a\r\n", "-ERR b\r\n", true},
		{ModeErrPrefix, "-ERR a\r\n", "-WRONGTYPE a\r\n", false},
		{ModeErrPrefix, "+OK\r\n", "+OK\r\n", false},
		{ModeType, "garbage", "garbage", true},
		{ModeType, "garbage", "+OK\r\n", false},
	} {
		if ok, why := Compare(tc.mode, []byte(tc.a), []byte(tc.b)); ok != tc.ok {
			t.Errorf("Compare(%v, %q, %q) = %v (%s), want %v", tc.mode, tc.a, tc.b, ok, why, tc.ok)
		}
	}
}
