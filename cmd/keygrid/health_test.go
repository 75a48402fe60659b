package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
)

// TestHealth runs the health check against a real keygrid: healthy when it answers,
// unhealthy (with the reason) with a wrong password or nothing listening.
func TestHealth(t *testing.T) {
	srv := testutil.StartKeygrid(t, "--requirepass", "s3cret")
	port := strconv.Itoa(srv.Port())
	var out, errb bytes.Buffer
	if rc := healthMain([]string{"-p", port, "-a", "s3cret"}, &out, &errb); rc != 0 || out.String() != "PONG\n" {
		t.Fatalf("healthy node: rc=%d out=%q err=%q", rc, out.String(), errb.String())
	}
	errb.Reset()
	if rc := healthMain([]string{"-p", port}, &out, &errb); rc != 1 || !strings.Contains(errb.String(), "NOAUTH") {
		t.Fatalf("no password: rc=%d err=%q", rc, errb.String())
	}
	errb.Reset()
	if rc := healthMain([]string{"-p", port, "-a", "wrong"}, &out, &errb); rc != 1 || !strings.Contains(errb.String(), "WRONGPASS") {
		t.Fatalf("wrong password: rc=%d err=%q", rc, errb.String())
	}
	errb.Reset()
	if rc := healthMain([]string{"-p", port, "-a", "s3cret", "--cluster"}, &out, &errb); rc != 1 {
		t.Fatalf("--cluster on a standalone node must be unhealthy: rc=%d err=%q", rc, errb.String())
	}
	srv.Stop()
	errb.Reset()
	if rc := healthMain([]string{"-p", port, "-a", "s3cret", "--timeout", "500ms"}, &out, &errb); rc != 1 {
		t.Fatalf("stopped node: rc=%d", rc)
	}
}
