package rdb

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// check-rdb reports what redis-check-rdb reports for a sound file: the aux
// fields, databases, checksum and counts, line for line.
func TestCheckMatchesRedisCheckRDB(t *testing.T) {
	path := filepath.Join("testdata", "redis70-all.rdb")
	var out bytes.Buffer
	if CheckMain([]string{path}, &out) != 0 {
		t.Fatalf("check failed:\n%s", out.String())
	}
	if _, err := exec.LookPath("redis-check-rdb"); err != nil {
		t.Skip("redis-check-rdb not installed")
	}
	want, err := exec.Command("redis-check-rdb", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != string(want) {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

// A corrupt file: exit status 1, and the offset and reason of the error.
func TestCheckCorrupt(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "redis70-all.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cut.rdb")
	os.WriteFile(path, b[:len(b)/2], 0o644)
	var out bytes.Buffer
	if CheckMain([]string{path}, &out) != 1 {
		t.Fatalf("truncated file passed:\n%s", out.String())
	}
	s := out.String()
	if !strings.Contains(s, "--- RDB ERROR DETECTED ---") || !strings.Contains(s, "Unexpected EOF reading RDB file") ||
		!strings.Contains(s, "[additional info] Reading key") {
		t.Fatalf("report:\n%s", s)
	}
}

// Truncated files: the same report as redis-check-rdb's, offset, what was
// being read and counts included.
func TestCheckTruncatedMatchesRedis(t *testing.T) {
	if _, err := exec.LookPath("redis-check-rdb"); err != nil {
		t.Skip("redis-check-rdb not installed")
	}
	b, err := os.ReadFile(filepath.Join("testdata", "redis70-all.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cut.rdb")
	for _, n := range []int{5, 10, 50, 300, 3000, 12000, len(b) - 6} {
		os.WriteFile(path, b[:n], 0o644)
		var out bytes.Buffer
		Check(path, &out)
		want, _ := exec.Command("redis-check-rdb", path).Output()
		if out.String() != string(want) {
			t.Errorf("cut at %d:\ngot:\n%s\nwant:\n%s", n, out.String(), want)
		}
	}
}

// A bad checksum: redis-check-rdb's "RDB CRC error" at the end of the file
// (integration/rdb.tcl "Server should not start if RDB is corrupted" waits for
// it in the server's output).
func TestCheckBadChecksumMatchesRedis(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "redis70-all.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "crc.rdb")
	copy(b[len(b)-8:], "foobar00")
	os.WriteFile(path, b, 0o644)
	var out bytes.Buffer
	if CheckMain([]string{path}, &out) != 1 {
		t.Fatalf("bad checksum passed:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "] RDB CRC error\n") {
		t.Fatalf("report:\n%s", out.String())
	}
	if _, err := exec.LookPath("redis-check-rdb"); err != nil {
		t.Skip("redis-check-rdb not installed")
	}
	want, _ := exec.Command("redis-check-rdb", path).Output()
	if out.String() != string(want) {
		t.Fatalf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}
