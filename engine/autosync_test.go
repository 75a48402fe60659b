package engine

import (
	"os"
	"path/filepath"
	"testing"
)

// TestAutoSyncBlocks writes odd-sized pieces and checks that every whole 4 MB
// block, and only those, had its writeout started, as rio's autosync does.
func TestAutoSyncBlocks(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var a autoSync
	buf := make([]byte, 1_000_003)
	for total := 0; total < 11<<20; total += len(buf) {
		if _, err := f.Write(buf); err != nil {
			t.Fatal(err)
		}
		if err := a.wrote(f, len(buf)); err != nil {
			t.Fatalf("after %d bytes: %v", total+len(buf), err)
		}
		if want := a.written / aofAutoSyncBytes * aofAutoSyncBytes; a.started != want {
			t.Fatalf("after %d bytes: writeout started for %d bytes, want %d", a.written, a.started, want)
		}
	}
	// A single write of several blocks syncs each of them.
	var b autoSync
	if err := b.wrote(f, 3*aofAutoSyncBytes+1); err != nil || b.started != 3*aofAutoSyncBytes {
		t.Fatalf("one write of 3 blocks: started %d, err %v", b.started, err)
	}
}

// TestAutoSyncError: a descriptor sync_file_range refuses (a pipe) fails the
// write, as a failed fsync did: the save must not claim success.
func TestAutoSyncError(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	var a autoSync
	if err := a.wrote(w, aofAutoSyncBytes); err == nil {
		t.Fatal("sync_file_range on a pipe: no error")
	}
}
