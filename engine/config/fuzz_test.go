// fuzz_test.go: fuzz targets. Load must never panic on any file; what it
// accepts must be valid and survive CONFIG REWRITE unchanged. SplitArgs must
// read back what Quote writes. Match must agree with a plain backtracking
// matcher.
//
//	go test -fuzz=FuzzLoad ./engine/config/

package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		"",
		"port 7000\nsave 900 1\nsave \"300 10\"\n",
		"bind 127.0.0.1 -::1\nmaxmemory 1gb\nmaxmemory-policy allkeys-lru\n",
		"client-output-buffer-limit replica 1gb 512mb 30 pubsub 0 0 0\n",
		"requirepass \"a\\x00b\\n\"\nnotify-keyspace-events KEA\n",
		"slaveof 10.0.0.1 6379\nshutdown-on-sigterm now force\nmaxmemory-clients 5%\n",
		"rename-command CONFIG \"\"\nuser alice on >x ~* +@all\nloadmodule /m.so a b\n",
		"latency-tracking-info-percentiles 1 2.5 99.999\noom-score-adj-values -1 0 1\n",
		"save \"\"\nsave 1 1\nlist-max-ziplist-entries 5\nsentinel\nunixsocketperm 755\n",
		"# comment\n\n  \t\r\nhz 0\nport \"7000\n",
		"proc-title-template \"{title} {{ {port}\"\ncluster-enabled yes\nreplicaof h 1\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, content string) {
		// Includes could name any file (/dev/zero): not for a fuzzer.
		if strings.Contains(strings.ToLower(content), "include") {
			return
		}
		dir := t.TempDir()
		p := filepath.Join(dir, "f.conf")
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Load(p, nil)
		if err != nil {
			if _, ok := err.(*LoadError); !ok {
				t.Fatalf("Load returned %T, want *LoadError: %v", err, err)
			}
			_ = err.Error()
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Load accepted an invalid configuration: %v\n%q", err, content)
		}
		// Rewrite, then load the result: the same configuration.
		if err := c.Rewrite(p); err != nil {
			t.Fatal(err)
		}
		back, err := Load(p, nil)
		if err != nil {
			t.Fatalf("rewritten file does not load: %v\n%s", err, read(t, p))
		}
		if got, want := back.Get([]string{"*"}), c.Get([]string{"*"}); !slices.Equal(got, want) {
			t.Fatalf("rewrite changed the configuration:\n%q\nrewritten:\n%s", content, read(t, p))
		}
	})
}

func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{"", "a b", `"a\x41" 'b\'c'`, `"unterminated`, "x\x00y", "\"\xff\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		SplitArgs(s) // must not panic
		args, err := SplitArgs(Quote(s))
		if err != nil || !slices.Equal(args, []string{s}) {
			t.Fatalf("SplitArgs(Quote(%q)) = %q, %v", s, args, err)
		}
	})
}

func FuzzMatch(f *testing.F) {
	for _, s := range [][2]string{{"*", "abc"}, {"[a-c]?*", "bz"}, {`\[x*`, "[xy"}, {"[^", "a"}, {"a*b*c", "aabbcc"}} {
		f.Add(s[0], s[1], true)
	}
	f.Fuzz(func(t *testing.T, pat, s string, nocase bool) {
		got := Match(pat, s, nocase) // must not panic, whatever the size
		if len(pat) > 24 || len(s) > 24 || strings.Count(pat, "*") > 4 {
			return // the reference below is exponential in the stars
		}
		if want := match(pat, s, nocase, nil); got != want {
			t.Fatalf("Match(%q, %q, %v) = %v, without the shortcut %v", pat, s, nocase, got, want)
		}
	})
}
