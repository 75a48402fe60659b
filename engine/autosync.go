package engine

import (
	"os"

	"golang.org/x/sys/unix"
)

// autoSync is Redis's rio autosync (rio.c rioFileWrite), behind
// rdb-save-incremental-fsync and aof-rewrite-incremental-fsync: so that the page
// cache never holds much of a big file dirty at once, every aofAutoSyncBytes
// written it starts the writeout of that block (sync_file_range WRITE, which does
// not wait) and waits for the block before it to be on disk. A full fdatasync
// every 4 MB, as keygrid did, also waited for the file system's journal each
// time; with the node on one CPU the snapshot's writer then held the Go runtime's
// only P in the syscall while the loop waited for it (issue #5: saves back to
// back served a third as many requests with it).
type autoSync struct {
	written int64 // bytes written to the file
	started int64 // bytes whose writeout was started (a multiple of the block)
}

// wrote records n more bytes written to f and syncs whole blocks as above.
func (a *autoSync) wrote(f *os.File, n int) error {
	a.written += int64(n)
	for a.written-a.started >= aofAutoSyncBytes {
		fd := int(f.Fd())
		if err := unix.SyncFileRange(fd, a.started, aofAutoSyncBytes, unix.SYNC_FILE_RANGE_WRITE); err != nil {
			return err
		}
		if a.started >= aofAutoSyncBytes {
			// Keep the promise: the previous block is on disk before more is written.
			if err := unix.SyncFileRange(fd, a.started-aofAutoSyncBytes, aofAutoSyncBytes,
				unix.SYNC_FILE_RANGE_WAIT_BEFORE|unix.SYNC_FILE_RANGE_WRITE|unix.SYNC_FILE_RANGE_WAIT_AFTER); err != nil {
				return err
			}
		}
		a.started += aofAutoSyncBytes
	}
	return nil
}
