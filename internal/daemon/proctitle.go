package daemon

// The process title (`set-proc-title`, `proc-title-template`): what ps, top and
// /proc/<pid>/cmdline show. Redis rewrites its argv in place, moving the environment
// aside to lend its space to a long title (setproctitle.c). A Go program has no
// pointer to argv, and its os.Args and environment strings are views of that very
// memory, as is every string taken from them (a config path, a password given as an
// argument). So main calls DetachArgsAndEnv first thing, which copies them into the
// Go heap; SetProcTitle then writes through /proc/self/mem over the region the kernel
// reads the command line from: the arguments, followed by the environment strings.

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
)

var title struct {
	sync.Mutex
	start, end int64 // the argv + environ strings region, once detached from Go's strings
	err        error // why there is no region
}

// DetachArgsAndEnv copies os.Args and the environment into Go's heap, so that the
// memory they were read from can take a process title. main calls it before
// anything reads either; it is a no-op the second time.
func DetachArgsAndEnv() {
	title.Lock()
	defer title.Unlock()
	if title.end != 0 || title.err != nil {
		return
	}
	start, end, err := cmdlineRegion()
	if err != nil {
		title.err = err
		return
	}
	detachArgsAndEnv()
	title.start, title.end = start, end
}

// SetProcTitle makes the process's command line read t (cut to the space the
// arguments and the environment had). It fails unless DetachArgsAndEnv ran: a
// title written over strings still in use would change them. Safe from any
// goroutine.
func SetProcTitle(t string) error {
	title.Lock()
	defer title.Unlock()
	if title.end == 0 {
		if title.err != nil {
			return title.err
		}
		return errors.New("the command line is still in use (DetachArgsAndEnv was not called)")
	}
	buf := make([]byte, title.end-title.start)
	copy(buf[:len(buf)-1], t) // the last byte stays NUL: the title ends there at the latest
	f, err := os.OpenFile("/proc/self/mem", os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteAt(buf, title.start)
	return err
}

// cmdlineRegion reads arg_start and env_end from /proc/self/stat (fields 48 and
// 51): the strings of argv then of the environment, contiguous as the kernel laid
// them out at exec.
func cmdlineRegion() (start, end int64, err error) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, 0, err
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, 0, errors.New("unreadable /proc/self/stat")
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3 (state)
	const argStart, argEnd, envStart, envEnd = 48 - 3, 49 - 3, 50 - 3, 51 - 3
	if len(f) <= envEnd {
		return 0, 0, errors.New("/proc/self/stat has no arg_start..env_end (Linux < 3.5)")
	}
	v := func(k int) int64 { x, _ := strconv.ParseInt(f[k], 10, 64); return x }
	start, end = v(argStart), v(argEnd)
	if v(envStart) == end && v(envEnd) > end { // the environment follows the arguments
		end = v(envEnd)
	}
	if start == 0 || end <= start {
		return 0, 0, errors.New("no command line region")
	}
	return start, end, nil
}

// detachArgsAndEnv copies os.Args and the environment into Go's heap: both were
// read from the region the title overwrites. The environment is rebuilt through
// os.Clearenv and os.Setenv, so os.Getenv and the environment of child processes
// keep their values.
func detachArgsAndEnv() {
	for i, a := range os.Args {
		os.Args[i] = strings.Clone(a)
	}
	env := os.Environ()
	for i, kv := range env {
		env[i] = strings.Clone(kv)
	}
	os.Clearenv()
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			os.Setenv(k, v)
		}
	}
}
