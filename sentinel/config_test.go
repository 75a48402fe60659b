package sentinel

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// A sentinel.conf as Redis Sentinel 7.0 writes it after CONFIG REWRITE must load.
func TestParseConfig(t *testing.T) {
	text := `# comment
port 5000
bind 127.0.0.1
dir "/tmp/sentinel data"
sentinel myid 0123456789012345678901234567890123456789
sentinel monitor mymaster 10.0.0.1 6379 2
sentinel down-after-milliseconds mymaster 5000
sentinel failover-timeout mymaster 60000
sentinel parallel-syncs mymaster 3
sentinel auth-pass mymaster "s3cret pass"
sentinel auth-user mymaster app
sentinel monitor other 10.0.0.2 6380 1
sentinel announce-ip 1.2.3.4
sentinel announce-port 26000
sentinel resolve-hostnames yes
sentinel announce-hostnames no
sentinel raft-peers 10.0.0.5:26379,10.0.0.6:26379 10.0.0.7:26379@7000
sentinel raft-remove-after 90000
sentinel config-epoch mymaster 3
sentinel leader-epoch mymaster 3
sentinel current-epoch 3
sentinel known-replica mymaster 10.0.0.3 6379
sentinel known-sentinel mymaster 10.0.0.6 26379 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
daemonize no
latency-tracking-info-percentiles 50 99 99.9
user default on nopass ~* &* +@all
`
	cfg, err := ParseConfig(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != 5000 || cfg.Bind != "127.0.0.1" || cfg.Dir != "/tmp/sentinel data" {
		t.Errorf("port/bind/dir = %d %q %q", cfg.Port, cfg.Bind, cfg.Dir)
	}
	if cfg.MyID != "0123456789012345678901234567890123456789" || cfg.AnnounceIP != "1.2.3.4" ||
		cfg.AnnouncePort != 26000 || !cfg.ResolveHostnames || cfg.AnnounceHostnames {
		t.Errorf("sentinel globals = %+v", cfg)
	}
	if want := []string{"10.0.0.5:26379", "10.0.0.6:26379", "10.0.0.7:26379@7000"}; strings.Join(cfg.RaftPeers, " ") != strings.Join(want, " ") {
		t.Errorf("raft peers = %q", cfg.RaftPeers)
	}
	if cfg.RaftRemoveAfter != 90*time.Second {
		t.Errorf("raft-remove-after = %v", cfg.RaftRemoveAfter)
	}
	if d := DefaultConfig().RaftRemoveAfter; d != 10*time.Minute {
		t.Errorf("default raft-remove-after = %v", d)
	}
	if len(cfg.Masters) != 2 {
		t.Fatalf("masters = %d", len(cfg.Masters))
	}
	m := cfg.Master("mymaster")
	want := MasterConfig{Name: "mymaster", Host: "10.0.0.1", Port: 6379, Quorum: 2, DownAfter: 5 * time.Second,
		FailoverTimeout: time.Minute, ParallelSyncs: 3, AuthPass: "s3cret pass", AuthUser: "app",
		KnownReplicas: []string{"10.0.0.3:6379"}}
	if !reflect.DeepEqual(*m, want) {
		t.Errorf("mymaster = %+v, want %+v", *m, want)
	}
	o := cfg.Master("other")
	if o.DownAfter != 30*time.Second || o.FailoverTimeout != 3*time.Minute || o.ParallelSyncs != 1 {
		t.Errorf("other has no Redis defaults: %+v", *o)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct{ text, err string }{
		{"sentinel monitor m 1.2.3.4 6379 0", "Quorum must be 1 or greater."},
		{"sentinel monitor m 1.2.3.4 x 2", "Invalid port number"},
		{"sentinel monitor m 1.2.3.4 6379 2\nsentinel monitor m 1.2.3.4 6380 2", "Duplicated master name."},
		{"sentinel down-after-milliseconds nope 100", "No such master with specified name."},
		{"sentinel monitor m 1.2.3.4 6379 2\nsentinel down-after-milliseconds m 0", "negative or zero time parameter."},
		{"sentinel monitor m 1.2.3.4 6379 2\nsentinel parallel-syncs m 0", "parallel-syncs must be 1 or greater."},
		{"sentinel myid abc", "Malformed Sentinel id in myid option."},
		{"sentinel bogus 1", "Unrecognized sentinel configuration statement."},
		{"nonsense 1", "Bad directive or wrong number of arguments"},
		{`sentinel monitor "m 1.2.3.4 6379 2`, "Unbalanced quotes in configuration line"},
		{"sentinel resolve-hostnames maybe", "argument must be 'yes' or 'no'"},
		{"sentinel raft-remove-after -1", "argument must be a number"},
	} {
		_, err := ParseConfig(strings.NewReader(tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: err = %v, want %q", tc.text, err, tc.err)
		}
	}
}

// Command-line directives override the file, as with redis-sentinel.
func TestLoadConfigArgs(t *testing.T) {
	cfg, err := LoadConfig("", []string{"--port", "7000", "--sentinel", "monitor", "m", "127.0.0.1", "6379", "1"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != 7000 || cfg.Master("m") == nil || cfg.Master("m").Quorum != 1 {
		t.Errorf("cfg = %+v", cfg)
	}
}

func TestParsePeer(t *testing.T) {
	for _, tc := range []struct{ in, id, addr string }{
		{"10.0.0.1:26379", "10.0.0.1:26379", "10.0.0.1:26379"},
		{"10.0.0.1:26379@7000", "10.0.0.1:26379", "10.0.0.1:7000"},
		{"[::1]:26379", "[::1]:26379", "[::1]:26379"},
	} {
		p, err := parsePeer(tc.in)
		if err != nil || p.ID != tc.id || p.Addr != tc.addr {
			t.Errorf("parsePeer(%q) = %+v, %v", tc.in, p, err)
		}
	}
	if _, err := parsePeer("nohost"); err == nil {
		t.Error("parsePeer accepted an address without a port")
	}
}
