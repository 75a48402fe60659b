package daemon

import (
	"os"
	"strconv"
	"strings"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// The host checks redis-server makes at start-up and the warnings it logs for them
// (server.c's checkTcpBacklogSettings and linuxMemoryWarnings, syscheck.c). The
// overcommit_memory warning is left out: it is about the fork of a background
// save, and keygrid does not fork.

// Paths of the host settings read (variables for tests).
var (
	somaxconnPath   = "/proc/sys/net/core/somaxconn"
	thpPath         = "/sys/kernel/mm/transparent_hugepage/enabled"
	clocksourcePath = "/sys/devices/system/clocksource/clocksource0/current_clocksource"
)

// CheckTCPBacklog warns, as redis-server and redis-sentinel do once the port is
// bound, when the kernel caps listen(2)'s backlog below tcp-backlog.
func CheckTCPBacklog(log *zap.Logger, backlog int) {
	b, err := os.ReadFile(somaxconnPath)
	if err != nil {
		return
	}
	somaxconn, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if somaxconn > 0 && somaxconn < backlog {
		log.Warn("WARNING: The TCP backlog setting of " + strconv.Itoa(backlog) +
			" cannot be enforced because " + somaxconnPath + " is set to the lower value of " + strconv.Itoa(somaxconn) + ".")
	}
}

// CheckMemoryAndClock is what redis-server checks after "Server initialized":
// with transparent huge pages always on, THP is turned off for the process
// (disable-thp, prctl PR_SET_THP_DISABLE), or else a warning is logged; a 'xen'
// clocksource is warned about.
func CheckMemoryAndClock(log *zap.Logger, disableTHP bool) {
	if b, err := os.ReadFile(thpPath); err == nil && strings.Contains(string(b), "[always]") {
		if !disableTHP || unix.Prctl(unix.PR_SET_THP_DISABLE, 1, 0, 0, 0) != nil {
			log.Warn("WARNING You have Transparent Huge Pages (THP) support enabled in your kernel. " +
				"This will create latency and memory usage issues with Redis. " +
				"To fix this issue run the command 'echo madvise > /sys/kernel/mm/transparent_hugepage/enabled' as root, " +
				"and add it to your /etc/rc.local in order to retain the setting after a reboot. " +
				"Redis must be restarted after THP is disabled (set to 'madvise' or 'never').")
		}
	}
	if b, err := os.ReadFile(clocksourcePath); err == nil && strings.TrimSpace(string(b)) == "xen" {
		log.Warn("WARNING Your system is configured to use the 'xen' clocksource which might lead to degraded performance. " +
			"Check the result of the [slow-clocksource] system check: run 'redis-server --check-system' to check if " +
			"the system's clocksource isn't degrading performance.")
	}
}
