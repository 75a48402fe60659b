package testutil

import "syscall"

// sysProcAttr makes the kernel kill a server when the test binary dies, so a test
// killed by -timeout or a crash leaves no servers behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
