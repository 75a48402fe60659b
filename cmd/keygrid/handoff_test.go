package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
)

// TestHandoffNothingToDo: outside cluster mode, and on a cluster master without
// slots, the preStop hook has nothing to hand over and succeeds; with nothing
// listening it fails. The hand-over itself runs in node's TestClusterSelfBootstrap.
func TestHandoffNothingToDo(t *testing.T) {
	srv := testutil.StartKeygrid(t)
	var out, errb bytes.Buffer
	if rc := handoffMain([]string{"-p", strconv.Itoa(srv.Port())}, &out, &errb); rc != 0 || !strings.Contains(out.String(), "not in cluster mode") {
		t.Fatalf("standalone: rc=%d out=%q err=%q", rc, out.String(), errb.String())
	}
	cl := testutil.StartKeygrid(t, "--cluster-enabled", "yes")
	out.Reset()
	if rc := handoffMain([]string{"-p", strconv.Itoa(cl.Port())}, &out, &errb); rc != 0 || !strings.Contains(out.String(), "not a master serving slots") {
		t.Fatalf("empty cluster node: rc=%d out=%q err=%q", rc, out.String(), errb.String())
	}
	port := strconv.Itoa(srv.Port())
	srv.Stop()
	errb.Reset()
	if rc := handoffMain([]string{"-p", port, "--timeout", "1s"}, &out, &errb); rc != 1 {
		t.Fatalf("nothing listening: rc=%d", rc)
	}
}
