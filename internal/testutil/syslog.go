package testutil

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// SyslogDaemon stands in for the local syslog daemon: it listens on /dev/log (where
// glibc's syslog(3), and so redis-server, sends) for the rest of the test and
// returns what reads the datagrams received so far. Test binaries running at the
// same time (go test runs packages in parallel) take turns through a lock file.
// The test is skipped when a real syslog daemon owns /dev/log: its socket is not
// this test's to replace.
func SyslogDaemon(t testing.TB) (read func() []string) {
	t.Helper()
	const path = "/dev/log"
	lock, err := os.OpenFile(os.TempDir()+"/keygrid-test-devlog.lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Close() }) // closing releases the lock
	if _, err := os.Lstat(path); err == nil {
		// Left by a test binary that was killed (the lock is ours now), or a daemon's.
		if c, err := net.Dial("unixgram", path); err == nil {
			c.Close()
			t.Skip("a syslog daemon listens on /dev/log")
		}
		os.Remove(path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Skipf("cannot listen on /dev/log: %v", err)
	}
	os.Chmod(path, 0o666)
	var (
		mu  sync.Mutex
		got []string
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64<<10)
		for {
			n, _, err := conn.ReadFromUnix(buf)
			if err != nil {
				return
			}
			mu.Lock()
			got = append(got, string(buf[:n]))
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		<-done
		os.Remove(path)
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}
