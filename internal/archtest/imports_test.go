// Package archtest checks that imports point the way ARCHITECTURE.md says: down the
// layout, never up (cmd → node → {replication, gossip, engine} → slots).
package archtest

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/keygrid/keygrid"

// forbidden lists, for each package prefix, the packages of ours it must not import.
var forbidden = map[string][]string{
	"slots":           {"engine", "node", "gossip", "replication", "sentinel", "proxy", "cmd"},
	"engine/resp":     {"engine/", "node", "gossip", "replication", "sentinel", "proxy", "cmd", "slots"},
	"engine/loop":     {"engine/", "node", "gossip", "replication", "sentinel", "proxy", "cmd", "slots"},
	"engine/keyspace": {"engine/", "node", "gossip", "replication", "sentinel", "proxy", "cmd"},
	"engine/config":   {"engine/", "node", "gossip", "replication", "sentinel", "proxy", "cmd", "slots"},
	"engine":          {"node", "gossip", "sentinel", "proxy", "cmd"}, // may use replication's pure pieces (backlog, PSYNC)
	"gossip":          {"engine", "node", "replication", "sentinel", "proxy", "cmd"},
	"replication":     {"engine", "node", "gossip", "sentinel", "proxy", "cmd", "slots"},
	"sentinel":        {"node", "gossip", "replication", "proxy", "cmd", "engine/keyspace"},
	"proxy":           {"node", "gossip", "replication", "sentinel", "cmd", "engine/keyspace"},
	"node":            {"cmd", "sentinel", "proxy"},
}

// allowed are exceptions to forbidden: replication uses the RESP codec.
var allowed = map[string][]string{"replication": {"engine/resp"}}

// pureDataStructures import nothing of ours but each other (STYLE.md: pure data
// structures in their own package, importing nothing of the engine).
var pureDataStructures = []string{"engine/listpack", "engine/lzf", "engine/quicklist", "engine/intset",
	"engine/strset", "engine/fieldtable", "engine/skiplist", "engine/geohash", "engine/hyperloglog",
	"engine/stream", "engine/glob", "engine/keyspace", "engine/snapbits"}

func init() {
	for _, p := range pureDataStructures {
		forbidden[p] = []string{"=engine", "engine/config", "engine/loop", "engine/resp", "engine/internal",
			"node", "gossip", "replication", "sentinel", "proxy", "cmd"}
	}
}

type pkg struct {
	ImportPath string
	Imports    []string
}

func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		rules := rulesFor(rel)
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			irel := strings.TrimPrefix(imp, module+"/")
			for _, bad := range rules {
				if matches(irel, bad) && !strings.HasPrefix(irel, rel+"/") && !isAllowed(rel, irel) {
					t.Errorf("%s imports %s: the layout forbids %s → %s", rel, irel, rel, bad)
				}
			}
		}
		checked++
	}
	if checked < 5 {
		t.Fatalf("only %d packages checked", checked)
	}
}

// rulesFor returns the rules of the most specific prefix that applies to rel.
func rulesFor(rel string) []string {
	best := ""
	for prefix := range forbidden {
		if (rel == prefix || strings.HasPrefix(rel, prefix+"/")) && len(prefix) > len(best) {
			best = prefix
		}
	}
	return forbidden[best]
}

func matches(imp, rule string) bool {
	if exact, ok := strings.CutPrefix(rule, "="); ok {
		return imp == exact
	}
	if strings.HasSuffix(rule, "/") {
		return strings.HasPrefix(imp, rule)
	}
	return imp == rule || strings.HasPrefix(imp, rule+"/")
}

// isAllowed reports whether an exception lets package rel import irel.
func isAllowed(rel, irel string) bool {
	for prefix, imps := range allowed {
		if rel == prefix || strings.HasPrefix(rel, prefix+"/") {
			for _, imp := range imps {
				if matches(irel, imp) {
					return true
				}
			}
		}
	}
	return false
}
