package engine

// Tests of FUNCTION and FCALL: loading, calling with flags, listing, deleting,
// DUMP/RESTORE round trips and policies, the load timeout, and FUNCTION KILL /
// FUNCTION STATS while a function is busy.

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/engine/rdb"
)

const testLib = "#!lua name=mylib\n" +
	"redis.register_function('echo', function(keys, args) return args[1] end)\n" +
	"redis.register_function{function_name='setit', callback=function(keys, args) return redis.call('set', keys[1], args[1]) end, description='sets a key'}\n" +
	"redis.register_function{function_name='getit', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}}\n"

func TestFunctionLoadAndCall(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	if got := tc.do("FUNCTION", "LOAD", testLib); got != "mylib" {
		t.Fatalf("FUNCTION LOAD = %q", got)
	}
	if got := tc.do("FCALL", "echo", "0", "hi"); got != "hi" {
		t.Errorf("FCALL echo = %q", got)
	}
	if got := tc.do("FCALL", "setit", "1", "k", "v"); got != "OK" {
		t.Errorf("FCALL setit = %q", got)
	}
	if got := tc.do("FCALL_RO", "getit", "1", "k"); got != "v" {
		t.Errorf("FCALL_RO getit = %q", got)
	}
	if got := tc.do("FCALL_RO", "setit", "1", "k", "v"); got != "-ERR Can not execute a script with write flag using *_ro command." {
		t.Errorf("FCALL_RO of a writing function = %q", got)
	}
	if got := tc.do("FUNCTION", "LOAD", testLib); got != "-ERR Library 'mylib' already exists" {
		t.Errorf("second LOAD = %q", got)
	}
	if got := tc.do("FUNCTION", "LOAD", "REPLACE", strings.Replace(testLib, "args[1] end)", "'v2' end)", 1)); got != "mylib" {
		t.Errorf("LOAD REPLACE = %q", got)
	}
	if got := tc.do("FCALL", "echo", "0", "hi"); got != "v2" {
		t.Errorf("replaced function = %q", got)
	}
	if got := tc.do("FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('echo', function() return 1 end)"); got != "-ERR Function echo already exists" {
		t.Errorf("a function name taken by another library = %q", got)
	}
	if got := tc.do("FUNCTION", "LIST"); got != "[[library_name mylib engine LUA functions [[name echo description (nil) flags []] [name setit description sets a key flags []] [name getit description (nil) flags [no-writes]]]]]" {
		t.Errorf("FUNCTION LIST = %q", got)
	}
	if got := tc.do("FUNCTION", "LIST", "LIBRARYNAME", "nomatch*"); got != "[]" {
		t.Errorf("FUNCTION LIST LIBRARYNAME = %q", got)
	}
	if got := tc.do("FUNCTION", "STATS"); got != "[running_script (nil) engines [LUA [libraries_count :1 functions_count :3]]]" {
		t.Errorf("FUNCTION STATS = %q", got)
	}
	if got := tc.do("FCALL", "nosuch", "0"); got != "-ERR Function not found" {
		t.Errorf("FCALL unknown = %q", got)
	}
	if got := tc.do("FUNCTION", "DELETE", "mylib"); got != "OK" {
		t.Errorf("DELETE = %q", got)
	}
	if got := tc.do("FCALL", "echo", "0"); got != "-ERR Function not found" {
		t.Errorf("FCALL after DELETE = %q", got)
	}
}

func TestFunctionLoadErrors(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	cases := []struct{ code, want string }{
		{"return 1", "-ERR Missing library metadata"},
		{"#!lua\nreturn 1", "-ERR Library name was not given"},
		{"#!lua name=a name=b\nreturn 1", "-ERR Invalid metadata value, name argument was given multiple times"},
		{"#!lua foo=bar\nreturn 1", "-ERR Invalid metadata value given: foo=bar"},
		{"#!lua name=bad-name\nreturn 1", "-ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"},
		{"#!js name=x\nreturn 1", "-ERR Engine 'js' not found"},
		{"#!lua name=x\nreturn 1", "-ERR No functions registered"},
		{"#!lua name=x\nredis.call('ping')", "-ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'"},
		{"#!lua name=x\nlocal l = string.len", "-ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'string'"},
		{"#!lua name=x\nredis.register_function('f', 1)", "-ERR Error registering functions: ERR second argument to redis.register_function must be a function"},
		{"#!lua name=x\nredis.register_function{function_name='f', callback=function() end, flags={'bad'}}", "-ERR Error registering functions: ERR unknown flag given"},
		{"#!lua name=x\nwhile true do end", "-ERR Error registering functions: ERR FUNCTION LOAD timeout"},
	}
	for _, c := range cases {
		if got := tc.do("FUNCTION", "LOAD", c.code); got != c.want {
			t.Errorf("FUNCTION LOAD %q =\n %q, want\n %q", c.code, got, c.want)
		}
	}
	// A function cannot register others once loaded, nor write globals.
	tc.do("FUNCTION", "LOAD", "#!lua name=y\nredis.register_function('reg', function() redis.register_function('z', function() end) end)\nredis.register_function('glob', function() x = 1 end)")
	// Redis's message is Lua's "attempt to call field 'register_function' (a nil value)".
	if got := tc.do("FCALL", "reg", "0"); !strings.HasPrefix(got, "-ERR user_function:2: ") {
		t.Errorf("register_function at run time = %q", got)
	}
	if got := tc.do("FCALL", "glob", "0"); !strings.HasPrefix(got, "-ERR user_function:3: Attempt to modify a readonly table script: glob, on @user_function:3.") {
		t.Errorf("global write in a function = %q", got)
	}
}

func TestFunctionDumpRestore(t *testing.T) {
	_, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	tc.do("FUNCTION", "LOAD", testLib)
	dump := tc.do("FUNCTION", "DUMP")
	if got := tc.do("FUNCTION", "RESTORE", dump); got != "-ERR Library mylib already exists" {
		t.Errorf("RESTORE APPEND onto itself = %q", got)
	}
	if got := tc.do("FUNCTION", "RESTORE", dump, "REPLACE"); got != "OK" {
		t.Errorf("RESTORE REPLACE = %q", got)
	}
	tc.do("FUNCTION", "FLUSH")
	if got := tc.do("FUNCTION", "LIST"); got != "[]" {
		t.Errorf("LIST after FLUSH = %q", got)
	}
	if got := tc.do("FUNCTION", "RESTORE", dump); got != "OK" {
		t.Errorf("RESTORE = %q", got)
	}
	if got := tc.do("FCALL", "echo", "0", "back"); got != "back" {
		t.Errorf("restored function = %q", got)
	}
	tc.do("FUNCTION", "LOAD", "#!lua name=extra\nredis.register_function('extra', function() return 1 end)")
	if got := tc.do("FUNCTION", "RESTORE", dump, "FLUSH"); got != "OK" {
		t.Errorf("RESTORE FLUSH = %q", got)
	}
	if got := tc.do("FCALL", "extra", "0"); got != "-ERR Function not found" {
		t.Errorf("RESTORE FLUSH kept another library: %q", got)
	}
	bad := dump[:len(dump)-1] + "x"
	if got := tc.do("FUNCTION", "RESTORE", bad); got != "-ERR DUMP payload version or checksum are wrong" {
		t.Errorf("RESTORE of a corrupt payload = %q", got)
	}
	if got := tc.do("FUNCTION", "RESTORE", dump, "BAD"); got != "-ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE." {
		t.Errorf("RESTORE bad policy = %q", got)
	}
}

// The libraries travel in RDB files through the functionLibraries and
// loadFunctionLibrary hooks.
func TestFunctionLibrariesForRDB(t *testing.T) {
	s, addr := startTestServer(t, nil)
	tc := dialTest(t, addr)
	tc.do("FUNCTION", "LOAD", testLib)
	var codes [][]byte
	done := make(chan struct{})
	s.Submit(func() { codes = s.functionLibraries(); close(done) })
	<-done
	if len(codes) != 1 || string(codes[0]) != testLib {
		t.Fatalf("functionLibraries = %q", codes)
	}
	tc.do("FUNCTION", "FLUSH")
	done = make(chan struct{})
	var err error
	s.Submit(func() { err = s.loadFunctionLibrary(codes[0]); close(done) })
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if got := tc.do("FCALL", "echo", "0", "rdb"); got != "rdb" {
		t.Errorf("after loading from the hook: %q", got)
	}
}

func TestFunctionBusyKill(t *testing.T) {
	_, addr := startTestServer(t, func(c *config.Config) { c.BusyReplyThreshold = 50 })
	a := dialTest(t, addr)
	b := dialTest(t, addr)
	a.do("FUNCTION", "LOAD", "#!lua name=spin\nredis.register_function('spin', function() while true do end end)")
	a.raw("*3\r\n$5\r\nFCALL\r\n$4\r\nspin\r\n$1\r\n0\r\n")
	waitBusy(t, b)
	if got := b.do("GET", "x"); got != "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE." {
		t.Errorf("BUSY during a function = %q", got)
	}
	if got := b.do("FUNCTION", "STATS"); !strings.HasPrefix(got, "[running_script [name spin command [FCALL spin 0] duration_ms :") {
		t.Errorf("FUNCTION STATS while busy = %q", got)
	}
	if got := b.do("SCRIPT", "KILL"); !strings.HasPrefix(got, "-BUSY Redis is busy running a script. You can only call FUNCTION KILL") {
		t.Errorf("SCRIPT KILL of a function = %q", got)
	}
	if got := b.do("FUNCTION", "KILL"); got != "OK" {
		t.Fatalf("FUNCTION KILL = %q", got)
	}
	if got := a.read(); got != "-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2." {
		t.Errorf("killed function replied %q", got)
	}
	if got := b.do("PING"); got != "PONG" {
		t.Errorf("after FUNCTION KILL: %q", got)
	}
}

// FuzzFunctionPayload feeds FUNCTION RESTORE's payload parser arbitrary bodies with a
// valid trailer, so the fuzzer gets past the checksum; it must never panic, and a
// payload made by FUNCTION DUMP must parse back to its libraries.
func FuzzFunctionPayload(f *testing.F) {
	f.Add([]byte("\xf5\x0a#!lua name=x"))
	f.Add([]byte("\xf5\xc3\x05\x05\x00abcde"))
	f.Add([]byte("\xf6\x00"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, body []byte) {
		p := append([]byte(nil), body...)
		p = binary.LittleEndian.AppendUint16(p, rdb.Version)
		p = binary.LittleEndian.AppendUint64(p, rdb.CRC64(0, p))
		codes, errMsg := parseFunctionPayload(p)
		if errMsg == "" && len(body) > 0 && len(codes) == 0 {
			t.Fatalf("a non-empty body parsed to no library and no error")
		}
		// Corrupting the checksum is always refused.
		p[len(p)-1] ^= 1
		if _, errMsg := parseFunctionPayload(p); errMsg != "ERR DUMP payload version or checksum are wrong" {
			t.Fatalf("bad checksum accepted: %q", errMsg)
		}
	})
}
