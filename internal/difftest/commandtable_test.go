package difftest

import (
	"slices"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
)

// TestCommandTableMatchesRedis asks redis-server and keygrid for COMMAND INFO and
// COMMAND DOCS of every command and subcommand redis-server lists, in RESP2 and RESP3,
// and compares the replies. Clients build their command tables from these (go-redis
// reads COMMAND INFO's key positions; redis-cli's hints and cluster-aware clients read
// DOCS and key specs), so a missing argument or key spec is a user-visible difference.
//
// Only one thing is normalised: the order of a container's subcommands, which Redis
// takes from a dict seeded at random on every start (it differs between two
// redis-servers), so no client can depend on it.
func TestCommandTableMatchesRedis(t *testing.T) {
	ref := testutil.StartRedis(t).Conn(t)
	got := testutil.StartKeygrid(t).Conn(t)
	names := commandNames(t, ref, "COMMAND", "LIST")
	if len(names) < 200 {
		t.Fatalf("redis-server lists %d commands", len(names))
	}
	if kg := commandNames(t, got, "COMMAND", "LIST"); !slices.Equal(kg, names) {
		t.Errorf("COMMAND LIST differs:\nredis   %v\nkeygrid %v", names, kg)
	}
	// Subcommands, named as COMMAND DOCS accepts them ("acl|cat").
	var all []string
	for _, name := range names {
		all = append(all, name)
		info := parse(t, do(t, ref, "COMMAND", "INFO", name))
		if len(info.Elems) == 1 && len(info.Elems[0].Elems) > 9 {
			for _, sub := range info.Elems[0].Elems[9].Elems {
				all = append(all, sub.Elems[0].Str)
			}
		}
	}
	for _, proto := range []string{"2", "3"} {
		do(t, ref, "HELLO", proto)
		do(t, got, "HELLO", proto)
		for _, name := range all {
			for _, sub := range []string{"INFO", "DOCS"} {
				want := normalCommandReply(t, do(t, ref, "COMMAND", sub, name))
				have := normalCommandReply(t, do(t, got, "COMMAND", sub, name))
				if want != have {
					t.Errorf("RESP%s COMMAND %s %s:\nredis   %s\nkeygrid %s", proto, sub, name, want, have)
				}
			}
		}
	}
}

func do(t *testing.T, c *testutil.Conn, args ...string) []byte {
	t.Helper()
	raw, err := c.Do(args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return raw
}

func parse(t *testing.T, raw []byte) testutil.Value {
	t.Helper()
	v, err := testutil.ParseReply(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	return v
}

func commandNames(t *testing.T, c *testutil.Conn, args ...string) []string {
	var out []string
	for _, e := range parse(t, do(t, c, args...)).Elems {
		out = append(out, e.Str)
	}
	slices.Sort(out)
	return out
}

// normalCommandReply renders a COMMAND INFO or DOCS reply with every subcommand list
// sorted: INFO's tenth field (an array of entries, each named first) and DOCS's
// "subcommands" map (name, docs pairs).
func normalCommandReply(t *testing.T, raw []byte) string {
	v := parse(t, raw)
	var norm func(v testutil.Value) string
	norm = func(v testutil.Value) string {
		if !v.IsAggregate() {
			return v.String()
		}
		parts := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			parts[i] = norm(e)
		}
		switch {
		case v.Kind == testutil.KindMap || isFlatDocs(v):
			// Find "subcommands" among the keys; sort its pairs.
			for i := 0; i+1 < len(v.Elems); i += 2 {
				if v.Elems[i].Str == "subcommands" {
					parts[i+1] = sortedPairs(v.Elems[i+1], norm)
				}
			}
		case len(v.Elems) == 10 && v.Elems[9].IsAggregate() && v.Elems[0].Kind == testutil.KindBulk:
			// A COMMAND INFO entry: its subcommand entries in name order.
			subs := make([]string, len(v.Elems[9].Elems))
			for i, e := range v.Elems[9].Elems {
				subs[i] = norm(e)
			}
			slices.Sort(subs)
			parts[9] = "[" + strings.Join(subs, " ") + "]"
		}
		return string(v.Kind) + "[" + strings.Join(parts, " ") + "]"
	}
	return norm(v)
}

// isFlatDocs reports whether v is a RESP2 flattened DOCS map: it starts "summary".
func isFlatDocs(v testutil.Value) bool {
	return v.Kind == testutil.KindArray && len(v.Elems)%2 == 0 && len(v.Elems) > 0 && v.Elems[0].Str == "summary"
}

func sortedPairs(v testutil.Value, norm func(testutil.Value) string) string {
	var pairs []string
	for i := 0; i+1 < len(v.Elems); i += 2 {
		pairs = append(pairs, norm(v.Elems[i])+"="+norm(v.Elems[i+1]))
	}
	slices.Sort(pairs)
	return string(v.Kind) + "{" + strings.Join(pairs, " ") + "}"
}
