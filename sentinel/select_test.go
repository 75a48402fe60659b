package sentinel

import (
	"testing"
	"time"
)

// Replica selection follows sentinelSelectSlave: healthy replicas only, then
// priority (lower first, 0 never), replication offset (higher first), run id.
func TestSelectReplica(t *testing.T) {
	now := time.Now()
	mk := func(name string, prio int, off int64, runid string, mod func(*instance)) *instance {
		r := &instance{kind: kindReplica, name: name, ip: "10.0.0.9", port: len(name), priority: prio,
			replOffset: off, runid: runid, connected: true, lastAvail: now, infoRefresh: now}
		if mod != nil {
			mod(r)
		}
		return r
	}
	newMaster := func(reps ...*instance) *master {
		m := &master{cfg: *defaultMaster(), replicas: map[string]*instance{}}
		m.instance = &instance{kind: kindMaster, ip: "10.0.0.1", port: 6379, sdown: true, sdownAt: now.Add(-2 * time.Second)}
		m.cfg.DownAfter = time.Second
		for _, r := range reps {
			r.master = m
			m.replicas[r.name] = r
		}
		return m
	}
	for _, tc := range []struct {
		name string
		reps []*instance
		want string
	}{
		{"priority first", []*instance{mk("a", 100, 900, "x", nil), mk("bb", 50, 10, "y", nil)}, "bb"},
		{"offset next", []*instance{mk("a", 100, 10, "x", nil), mk("bb", 100, 20, "y", nil)}, "bb"},
		{"run id last", []*instance{mk("a", 100, 10, "b", nil), mk("bb", 100, 10, "a", nil)}, "bb"},
		{"unknown run id loses", []*instance{mk("a", 100, 10, "", nil), mk("bb", 100, 10, "z", nil)}, "bb"},
		{"priority 0 never", []*instance{mk("a", 0, 99, "a", nil)}, ""},
		{"sdown skipped", []*instance{mk("a", 1, 99, "a", func(r *instance) { r.sdown = true }), mk("bb", 100, 1, "b", nil)}, "bb"},
		{"disconnected skipped", []*instance{mk("a", 1, 99, "a", func(r *instance) { r.connected = false })}, ""},
		{"stale ping skipped", []*instance{mk("a", 1, 99, "a", func(r *instance) { r.lastAvail = now.Add(-6 * time.Second) })}, ""},
		{"stale info skipped", []*instance{mk("a", 1, 99, "a", func(r *instance) { r.infoRefresh = now.Add(-6 * time.Second) })}, ""},
		{"link down too long", []*instance{mk("a", 1, 99, "a", func(r *instance) { r.masterLinkDownSince = time.Minute })}, ""},
		{"link down recently ok", []*instance{mk("a", 1, 99, "a", func(r *instance) { r.masterLinkDownSince = 5 * time.Second })}, "a"},
	} {
		got := selectReplica(newMaster(tc.reps...), now)
		name := ""
		if got != nil {
			name = got.name
		}
		if name != tc.want {
			t.Errorf("%s: selected %q, want %q", tc.name, name, tc.want)
		}
	}
}

func TestInfoParsing(t *testing.T) {
	info := "# Replication\r\nrole:slave\r\nmaster_host:10.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:up\r\nmaster_repl_offset:1234\r\n"
	if role, off := infoRole(info); role != "slave" || off != 1234 {
		t.Errorf("infoRole = %q %d", role, off)
	}
	if h, p, up := infoMasterLink(info); h != "10.0.0.1" || p != 6379 || !up {
		t.Errorf("infoMasterLink = %q %d %v", h, p, up)
	}
}
