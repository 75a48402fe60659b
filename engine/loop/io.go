package loop

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Read and Write are read(2) and write(2) for non-blocking descriptors. They use the
// raw syscall entry, skipping the Go scheduler's enter/exit bookkeeping that a
// possibly-blocking call needs: on a non-blocking socket the call returns at once,
// and on the hot path that bookkeeping is a measurable share of each request.
// Never use them on a descriptor that may block.
func Read(fd int, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	n, _, e := syscall.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(ptr), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// Write is write(2) for a non-blocking descriptor; see Read.
func Write(fd int, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	n, _, e := syscall.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(ptr), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// epollWaitRaw is epoll_pwait(2) without the scheduler's syscall bookkeeping; see
// Loop.SetRawWait for why and when it may block.
func epollWaitRaw(epfd int, events []unix.EpollEvent, timeoutMs int) (int, error) {
	n, _, e := syscall.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])),
		uintptr(len(events)), uintptr(timeoutMs), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
