package sentinel

import (
	"strings"
	"testing"
)

// The config parser never panics, and what it accepts validates.
func FuzzParseConfig(f *testing.F) {
	for _, seed := range []string{
		"port 26379\nsentinel monitor mymaster 127.0.0.1 6379 2\n",
		"sentinel down-after-milliseconds mymaster 5000",
		"sentinel raft-peers a:1,b:2@3\nsentinel myid 0123456789012345678901234567890123456789",
		`sentinel auth-pass m "a\x00b"`,
		"sentinel monitor m 1.2.3.4 6379 2\nsentinel parallel-syncs m 5\nsentinel set m quorum 1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cfg, err := ParseConfig(strings.NewReader(text))
		if err != nil {
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted config fails Validate: %v", err)
		}
		for _, m := range cfg.Masters {
			if m.Quorum <= 0 || m.Port <= 0 || m.DownAfter <= 0 || m.ParallelSyncs <= 0 {
				t.Fatalf("accepted invalid master %+v", *m)
			}
		}
	})
}
