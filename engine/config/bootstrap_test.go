package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSeeds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Seed
		bad  bool
	}{
		{in: "keygrid", want: []Seed{{Host: "keygrid"}}},
		{in: "a:7000, b:7001@17777  10.0.0.3", want: []Seed{{Host: "a", Port: 7000}, {Host: "b", Port: 7001, BusPort: 17777}, {Host: "10.0.0.3"}}},
		{in: "[::1]:7000,keygrid-0.keygrid.default.svc:6379", want: []Seed{{Host: "::1", Port: 7000}, {Host: "keygrid-0.keygrid.default.svc", Port: 6379}}},
		{in: "", want: nil},
		{in: "a:", bad: true},
		{in: ":7000", bad: true},
		{in: "a:70000", bad: true},
		{in: "a@17000", bad: true},
		{in: "a:7000@x", bad: true},
		{in: "[::1]", bad: true},
	} {
		got, msg := ParseSeeds(tc.in)
		if tc.bad != (msg != "") || !tc.bad && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseSeeds(%q) = %+v, %q", tc.in, got, msg)
		}
	}
}

// The bootstrap directives load from a file and the command line, and the checks
// made once everything is read refuse what redis-cli --cluster create would.
func TestBootstrapDirectives(t *testing.T) {
	c, err := Load("", []string{"--cluster-enabled", "yes", "--cluster-bootstrap-size", "6",
		"--cluster-bootstrap-replicas", "1", "--cluster-bootstrap-seeds", "keygrid"})
	if err != nil || c.ClusterBootstrapSize != 6 || c.ClusterBootstrapReplicas != 1 || c.ClusterBootstrapSeeds != "keygrid" {
		t.Fatalf("%+v %v", c, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--cluster-bootstrap-size", "6", "--cluster-bootstrap-seeds", "k"}, "needs cluster-enabled yes"},
		{[]string{"--cluster-enabled", "yes", "--cluster-bootstrap-size", "6"}, "needs cluster-bootstrap-seeds"},
		{[]string{"--cluster-enabled", "yes", "--cluster-bootstrap-size", "5", "--cluster-bootstrap-replicas", "1",
			"--cluster-bootstrap-seeds", "k"}, "requires at least 3 master nodes"},
		{[]string{"--cluster-bootstrap-seeds", "a:x"}, "Invalid seed"},
	} {
		if _, err := Load("", tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%v) = %v, want %q", tc.args, err, tc.want)
		}
	}
	// Seeds without a size: rediscovery only, accepted.
	if _, err := Load("", []string{"--cluster-enabled", "yes", "--cluster-bootstrap-seeds", "a b"}); err != nil {
		t.Error(err)
	}
	// Immutable, as the other directives that shape the node's start.
	if _, err := c.Set([][2]string{{"cluster-bootstrap-size", "3"}}); err == nil {
		t.Error("CONFIG SET cluster-bootstrap-size must be refused")
	}
}
