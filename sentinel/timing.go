// Sentinel's timing parameters (Redis's sentinel_info_period and friends), which
// SENTINEL DEBUG shows and changes at run time. Per sentinel (tests run several
// in one process) and atomic: the link goroutines read them without mu.

package sentinel

import (
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

const (
	tInfo = iota
	tPing
	tAsk
	tPublish
	tDefaultDownAfter
	tDefaultFailoverTimeout
	tTiltTrigger
	tTiltPeriod
	tSlaveReconfTimeout
	tMinLinkReconnect
	tElectionTimeout
	tScriptMaxRuntime
	tScriptRetryDelay
	nTimings
)

// timingNames are SENTINEL DEBUG's names, in the order Redis lists them.
var timingNames = [nTimings]string{"INFO-PERIOD", "PING-PERIOD", "ASK-PERIOD", "PUBLISH-PERIOD",
	"DEFAULT-DOWN-AFTER", "DEFAULT-FAILOVER-TIMEOUT", "TILT-TRIGGER", "TILT-PERIOD", "SLAVE-RECONF-TIMEOUT",
	"MIN-LINK-RECONNECT-PERIOD", "ELECTION-TIMEOUT", "SCRIPT-MAX-RUNTIME", "SCRIPT-RETRY-DELAY"}

var timingDefaults = [nTimings]time.Duration{infoPeriod, pingPeriod, askPeriod, helloPeriod,
	30 * time.Second, 3 * time.Minute, tiltTrigger, tiltPeriod, 10 * time.Second,
	minLinkReconnect, electionTimeout, time.Minute, 30 * time.Second}

type timings struct{ v [nTimings]atomic.Int64 }

func newTimings() *timings {
	t := &timings{}
	for i, d := range timingDefaults {
		t.v[i].Store(int64(d))
	}
	return t
}

func (t *timings) get(k int) time.Duration { return time.Duration(t.v[k].Load()) }

// setDebug applies SENTINEL DEBUG's "<param> <ms> ..." pairs; on a bad pair it
// returns Redis's error text (pairs before it stay applied, as in Redis).
func (t *timings) setDebug(args []string) string {
	for j := 0; j < len(args); j++ {
		k := -1
		for i, n := range timingNames {
			if strings.EqualFold(n, args[j]) {
				k = i
			}
		}
		if k < 0 || j+1 >= len(args) {
			return "ERR Unknown option or number of arguments for SENTINEL DEBUG '" + args[j] + "'"
		}
		ms, err := strconv.ParseInt(args[j+1], 10, 64)
		if err != nil || ms <= 0 {
			return "ERR Invalid argument '" + args[j+1] + "' for SENTINEL DEBUG '" + args[j] + "'"
		}
		t.v[k].Store(int64(time.Duration(ms) * time.Millisecond))
		j++
	}
	return ""
}
