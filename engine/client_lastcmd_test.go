package engine

import (
	"strings"
	"testing"
)

// TestClientListLastCmdVsRedis: CLIENT LIST's cmd= is Redis's c->lastcmd, set when the
// command is looked up: NULL after an unknown command or subcommand, the refused
// command after an arity error, the queued command inside MULTI, "exec" after EXEC
// (whose commands do not change it), and the caller's own CLIENT LIST/INFO.
func TestClientListLastCmdVsRedis(t *testing.T) {
	sides := bothServers(t, nil)
	steps := [][]string{
		{"PING"},
		{"NOSUCHCOMMAND", "x"},
		{"GET", "k"},
		{"CONFIG", "NOSUCHSUB"},
		{"GET"}, // wrong number of arguments: still looked up
		{"SET", "k", "v"},
		{"MULTI"},
		{"INCR", "n"},
		{"GET", "k", "extra"}, // refused at queue time (arity)
		{"DISCARD"},
		{"MULTI"},
		{"SET", "k", "w"},
		{"GET", "k"},
		{"EXEC"},
		{"CLIENT", "NOSUCH"},
		{"OBJECT", "ENCODING", "k"},
	}
	var got [2][]string
	for i, side := range sides {
		ctl := dialTest(t, side.addr)
		tc := dialTest(t, side.addr)
		tc.do("CLIENT", "SETNAME", "tc")
		for _, st := range steps {
			tc.do(st...)
			got[i] = append(got[i], strings.Join(st, " ")+" -> "+fieldOf(ctl.do("CLIENT", "LIST"), "tc", "cmd"))
		}
		// The caller's own line, inside and outside EXEC.
		got[i] = append(got[i], "own CLIENT INFO -> "+fieldOf(tc.do("CLIENT", "INFO"), "tc", "cmd"))
		tc.do("MULTI")
		tc.do("CLIENT", "LIST")
		ex := tc.do("EXEC")
		got[i] = append(got[i], "own CLIENT LIST in EXEC -> "+fieldOf(ex, "tc", "cmd"))
	}
	for j := range got[0] {
		if j >= len(got[1]) || got[0][j] != got[1][j] {
			t.Errorf("redis-server %q, keygrid %q", got[0][j], got[1][min(j, len(got[1])-1)])
		}
	}
}

// fieldOf returns field's text in the CLIENT LIST line of the client named name.
func fieldOf(list, name, field string) string {
	for _, line := range strings.Split(list, "\n") {
		if !strings.Contains(line, " name="+name+" ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, field+"="); ok {
				return strings.TrimSuffix(v, "]")
			}
		}
	}
	return "(no line)"
}
