package engine

// Tests of INFO: section selection and order, Redis's field names and formats.

import (
	"regexp"
	"strings"
	"testing"
)

// infoSectionNames returns the "# Title" lines of an INFO reply, in order.
func infoSectionNames(info string) []string {
	var out []string
	for _, l := range strings.Split(info, "\r\n") {
		if strings.HasPrefix(l, "# ") {
			out = append(out, l[2:])
		}
	}
	return out
}

func TestInfoSections(t *testing.T) {
	_, addr := startTestServer(t, nil)
	c := dialTest(t, addr)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"INFO"}, "Server Clients Memory Persistence Stats Replication CPU Modules Errorstats Cluster Keyspace"},
		{[]string{"INFO", "default"}, "Server Clients Memory Persistence Stats Replication CPU Modules Errorstats Cluster Keyspace"},
		{[]string{"INFO", "all"}, "Server Clients Memory Persistence Stats Replication CPU Modules Commandstats Errorstats Latencystats Cluster Keyspace"},
		{[]string{"INFO", "everything"}, "Server Clients Memory Persistence Stats Replication CPU Modules Commandstats Errorstats Latencystats Cluster Keyspace"},
		// Sections come in Redis's order whatever the order asked, each once.
		{[]string{"INFO", "keyspace", "CPU", "server", "cpu"}, "Server CPU Keyspace"},
		{[]string{"INFO", "commandstats"}, "Commandstats"},
		{[]string{"INFO", "nosuch"}, ""},
		{[]string{"INFO", "nosuch", "cluster"}, "Cluster"},
		{[]string{"INFO", "default", "commandstats"}, "Server Clients Memory Persistence Stats Replication CPU Modules Commandstats Errorstats Cluster Keyspace"},
	} {
		if got := strings.Join(infoSectionNames(c.do(tc.args...)), " "); got != tc.want {
			t.Errorf("%q: sections %q, want %q", tc.args, got, tc.want)
		}
	}
	if got := c.do("INFO", "cluster", "keyspace"); got != "# Cluster\r\ncluster_enabled:0\r\n\r\n# Keyspace\r\n" {
		t.Errorf("INFO cluster keyspace = %q", got)
	}
	if got := c.do("INFO", "nosuch"); got != "" {
		t.Errorf("INFO nosuch = %q", got)
	}
}

// fieldRE matches every INFO field line keygrid writes: Redis's syntax.
var fieldRE = regexp.MustCompile(`^[A-Za-z0-9_|.-]+:[^\r\n]*$`)

func TestInfoFields(t *testing.T) {
	_, addr := startTestServer(t, nil)
	c := dialTest(t, addr)
	c.do("SET", "a", "1")
	c.do("SET", "b", "2")
	c.do("NOSUCH")
	info := c.do("INFO", "everything")
	fields := map[string]string{}
	for _, l := range strings.Split(info, "\r\n") {
		if l == "" || strings.HasPrefix(l, "# ") {
			continue
		}
		if !fieldRE.MatchString(l) {
			t.Errorf("malformed line %q", l)
			continue
		}
		k, v, _ := strings.Cut(l, ":")
		if _, dup := fields[k]; dup {
			t.Errorf("field %s twice", k)
		}
		fields[k] = v
	}
	for k, re := range map[string]string{
		"redis_version":                  `^7\.0\.\d+$`,
		"redis_mode":                     `^standalone$`,
		"run_id":                         `^[0-9a-f]{40}$`,
		"tcp_port":                       `^\d+$`,
		"uptime_in_seconds":              `^\d+$`,
		"connected_clients":              `^1$`,
		"maxclients":                     `^10000$`,
		"used_memory":                    `^\d+$`,
		"used_memory_human":              `^\d+(\.\d\d[KMGTP]|B)$`,
		"used_memory_peak_perc":          `^\d+\.\d\d%$`,
		"mem_fragmentation_ratio":        `^\d+\.\d\d$`,
		"maxmemory_policy":               `^noeviction$`,
		"loading":                        `^0$`,
		"rdb_changes_since_last_save":    `^\d+$`,
		"rdb_last_bgsave_status":         `^ok$`,
		"aof_enabled":                    `^0$`,
		"total_commands_processed":       `^\d+$`,
		"instantaneous_input_kbps":       `^\d+\.\d\d$`,
		"expired_stale_perc":             `^\d+\.\d\d$`,
		"total_error_replies":            `^1$`,
		"role":                           `^master$`,
		"connected_slaves":               `^0$`,
		"master_replid":                  `^[0-9a-f]{40}$`,
		"master_replid2":                 `^0{40}$`,
		"master_repl_offset":             `^0$`,
		"second_repl_offset":             `^-1$`,
		"used_cpu_sys":                   `^\d+\.\d{6}$`,
		"used_cpu_user_main_thread":      `^\d+\.\d{6}$`,
		"cmdstat_set":                    `^calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0$`,
		"errorstat_ERR":                  `^count=1$`,
		"cluster_enabled":                `^0$`,
		"db0":                            `^keys=2,expires=0,avg_ttl=0$`,
		"client_recent_max_input_buffer": `^\d+$`,
	} {
		v, ok := fields[k]
		if !ok {
			t.Errorf("no field %s", k)
			continue
		}
		if !regexp.MustCompile(re).MatchString(v) {
			t.Errorf("%s:%s does not match %s", k, v, re)
		}
	}
	// Field order inside a section is Redis's: spot-check the replication section.
	repl := c.do("INFO", "replication")
	want := "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\nmaster_replid:"
	if !strings.HasPrefix(repl, want) {
		t.Errorf("INFO replication = %q", repl)
	}
	// The replication id stays the same between calls.
	if again := c.do("INFO", "replication"); again != repl {
		t.Errorf("INFO replication changed:\n%q\n%q", repl, again)
	}
	c.do("HELLO", "3")
	if got := c.do("INFO", "cluster"); got != "txt:# Cluster\r\ncluster_enabled:0\r\n" {
		t.Errorf("INFO over RESP3: %q", got)
	}
}

// TestInfoHooks: a later part sets fields in place and appends new ones.
func TestInfoHooks(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.infoHooks = append(s.infoHooks, func(section string, sec *InfoSection) {
		if section == "persistence" {
			sec.Set("loading", "1")
			sec.Set("aof_current_size", "42")
		}
	})
	info := s.InfoString("persistence")
	if !strings.HasPrefix(info, "# Persistence\r\nloading:1\r\n") || !strings.HasSuffix(info, "aof_current_size:42\r\n") {
		t.Errorf("InfoString with hook = %q", info)
	}
}

func TestBytesToHuman(t *testing.T) {
	for _, tc := range []struct {
		n    uint64
		want string
	}{
		{0, "0B"}, {1023, "1023B"}, {1024, "1.00K"}, {1536, "1.50K"}, {1908688, "1.82M"},
		{25276502016, "23.54G"}, {1 << 40, "1.00T"}, {1 << 50, "1.00P"}, {1 << 60, "1152921504606846976B"},
	} {
		if got := bytesToHuman(tc.n); got != tc.want {
			t.Errorf("bytesToHuman(%d) = %s, want %s", tc.n, got, tc.want)
		}
	}
}
