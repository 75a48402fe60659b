// Package daemon runs a keygrid process under an init system the way redis-server
// and redis-sentinel run: `daemonize yes` (detach into the background), `pidfile`,
// and `supervised upstart|systemd|auto` (readiness told to the supervisor).
//
// Start-up, as Redis's main():
//
//	load the config, open the log
//	sup := Supervise(cfg.Supervised, log)      // redisIsSupervised
//	if cfg.Daemonize && sup == nil && !Child() { Daemonize("") }   // the parent exits here
//	bind the listening sockets
//	WritePidFile(path)                          // createPidFile, when daemonized or pidfile set
//	load the dataset
//	sup.Notify("STATUS=Ready to accept connections\n"); sup.Notify("READY=1\n")
//
// and at shutdown the engine sends "STOPPING=1\n" and removes the pid file.
package daemon

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"

	"go.uber.org/zap"
)

// DefaultPidFile is the pid file of a daemonized server that names none (Redis's
// CONFIG_DEFAULT_PID_FILE).
const DefaultPidFile = "/var/run/redis.pid"

// childEnv marks the background copy Daemonize starts, so that it neither
// daemonizes again nor repeats the supervision checks its parent logged.
const childEnv = "KEYGRID_DAEMONIZED"

// Child reports whether this process is the background copy started by Daemonize.
// It clears the mark, so that processes this one starts (sentinel scripts) do not
// inherit it.
func Child() bool {
	if os.Getenv(childEnv) != "1" {
		return false
	}
	os.Unsetenv(childEnv)
	return true
}

// Daemonize is Redis's daemonize(). A Go program cannot fork once its runtime runs
// threads, so it starts this executable again with the same arguments and
// environment, in a new session (setsid) with its standard streams on /dev/null,
// and exits this process with status 0, as the forking parent does. The copy reads
// the same configuration; Child tells it that it is the daemon. dir is the
// working directory the copy starts in ("": this process's), for a caller that
// changed directory since it read its arguments. Daemonize returns only when the
// copy could not be started.
func Daemonize(dir string) error {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		return err
	}
	os.Exit(0)
	return nil
}

// WritePidFile writes the process id to path, best effort, as Redis's
// createPidFile: a failure is not an error Redis reports.
func WritePidFile(path string) {
	os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
}

// Supervisor is the init system that supervises this process, as found by
// Supervise: nil when there is none (the methods then do nothing).
type Supervisor struct {
	mode string // "upstart" or "systemd"
	log  *zap.Logger
}

// Mode is "upstart" or "systemd", or "" for a nil Supervisor (INFO's
// process_supervised says "no" then).
func (s *Supervisor) Mode() string {
	if s == nil {
		return ""
	}
	return s.mode
}

// Notify sends msg (such as "READY=1\n") to systemd, as Redis's
// redisCommunicateSystemd; it does nothing unless supervised by systemd.
func (s *Supervisor) Notify(msg string) {
	if s == nil || s.mode != "systemd" {
		return
	}
	notifyLogged(msg, s.log)
}

// Supervise is Redis's redisIsSupervised for the "supervised" directive's value:
// "auto" looks for upstart's UPSTART_JOB, then systemd's NOTIFY_SOCKET. Upstart's
// readiness is the process stopping itself (SIGSTOP), which happens here, before
// the sockets are bound, as in Redis; systemd is told "Redis is loading..." here
// and READY=1 later (Notify). It logs what Redis logs, and returns nil when the
// process is not supervised (mode "no", or the supervisor's variable missing).
func Supervise(mode string, log *zap.Logger) *Supervisor {
	if log == nil {
		log = zap.NewNop()
	}
	if mode == "auto" {
		if os.Getenv("UPSTART_JOB") != "" {
			log.Debug("Upstart supervision detected.")
			mode = "upstart"
		} else if os.Getenv("NOTIFY_SOCKET") != "" {
			log.Debug("Systemd supervision detected.")
			mode = "systemd"
		}
	}
	switch mode {
	case "upstart":
		if os.Getenv("UPSTART_JOB") == "" {
			log.Warn("upstart supervision requested, but UPSTART_JOB not found!")
			return nil
		}
		log.Info("supervised by upstart, will stop to signal readiness.")
		syscall.Kill(os.Getpid(), syscall.SIGSTOP)
		os.Unsetenv("UPSTART_JOB")
		return &Supervisor{mode: mode, log: log}
	case "systemd":
		if !notifyLogged("STATUS=Redis is loading...\n", log) {
			return nil
		}
		log.Info("Supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and TimeoutStopSec in your service unit.")
		return &Supervisor{mode: mode, log: log}
	}
	return nil
}

// notifyLogged sends msg and logs a failure in Redis's words; it reports whether
// the message went out.
func notifyLogged(msg string, log *zap.Logger) bool {
	err := Notify(msg)
	switch {
	case errors.Is(err, ErrNoSocket):
		log.Warn("systemd supervision error: NOTIFY_SOCKET not found!")
	case err != nil:
		log.Warn(fmt.Sprintf("systemd supervision error: sd_notify: %d", -errnoOf(err)))
	}
	return err == nil
}

// ErrNoSocket is Notify's error when NOTIFY_SOCKET is not in the environment
// (sd_notify returns 0).
var ErrNoSocket = errors.New("NOTIFY_SOCKET not set")

// Notify is sd_notify(0, msg): one datagram to the unix socket named by
// NOTIFY_SOCKET (a leading '@' names an abstract socket, which Go's UnixAddr
// handles the same way).
func Notify(msg string) error {
	path, ok := os.LookupEnv("NOTIFY_SOCKET")
	if !ok {
		return ErrNoSocket
	}
	if path == "" || path[0] != '/' && path[0] != '@' {
		return syscall.EINVAL // sd_notify takes only these two forms (set but empty too)
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Write([]byte(msg))
	return err
}

// errnoOf is the errno under err (sd_notify returns it negated), or EIO.
func errnoOf(err error) int {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return int(errno)
	}
	return int(syscall.EIO)
}
